/*
 * WebSocket transport (ws://, wss://; an rnats extension beyond cnats)
 * through the C API against nats-server WebSocket listeners: the URL
 * setters, natsConnection_ConnectTo, publish/subscribe/request, headers, a
 * 1 MiB payload (fragmented frames), user/password auth, wss:// with the
 * TLS setters, and clean errors for bad URLs and refused connections.
 *
 * The TLS certificates are those of test_tls (generated at test time by
 * examples/gen_test_certs.rs, the CTest fixture c_tls_certs).
 */
/* test.h first: it selects the POSIX feature level. */
#include "test.h"

#include <nats/nats.h>

#include <sys/stat.h>

#ifndef RNATS_TLS_CERT_DIR_DEFAULT
#define RNATS_TLS_CERT_DIR_DEFAULT "tls-certs"
#endif

#define WAIT_MS 10000 /* generous upper bound; never a pass/fail criterion */
#define CONNECT_TIMEOUT_MS 20000
#define BIG (1024 * 1024)

static const char *cert_file(int slot, const char *name)
{
    static char paths[4][1024];
    const char *dir = getenv("RNATS_TLS_CERT_DIR");
    struct stat st;

    if (dir == NULL || dir[0] == '\0')
        dir = RNATS_TLS_CERT_DIR_DEFAULT;
    CHECK(slot >= 0 && slot < 4);
    snprintf(paths[slot], sizeof(paths[slot]), "%s/%s", dir, name);
    if (stat(paths[slot], &st) != 0)
        test_fail(__FILE__, __LINE__, "%s missing: run `cargo run --example gen_test_certs -- %s`", paths[slot],
                  dir);
    return paths[slot];
}

#define ROOT_CA cert_file(0, "rootCA.pem")
#define SERVER_CERT cert_file(1, "server-cert.pem")
#define SERVER_KEY cert_file(2, "server-key.pem")

static natsOptions *ws_opts(const char *url)
{
    natsOptions *opts = NULL;
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetTimeout(opts, CONNECT_TIMEOUT_MS));
    return opts;
}

/* Replies "re:<data>" to every request. */
static void on_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    char buf[128];
    (void)sub;
    (void)closure;
    snprintf(buf, sizeof(buf), "re:%.*s", natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
    natsConnection_PublishString(nc, natsMsg_GetReply(msg), buf);
    natsMsg_Destroy(msg);
}

/* Publish, subscribe and a header round trip on one connection. */
static void round_trip(natsConnection *nc, const char *subj)
{
    natsSubscription *sub = NULL;
    natsMsg *msg = NULL, *got = NULL;
    const char *val = NULL;

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, subj));
    CHECK_OK(natsMsg_Create(&msg, subj, NULL, "over ws", 7));
    CHECK_OK(natsMsgHeader_Set(msg, "X-Transport", "websocket"));
    CHECK_OK(natsConnection_PublishMsg(nc, msg));
    CHECK_OK(natsSubscription_NextMsg(&got, sub, WAIT_MS));
    CHECK_STR(natsMsg_GetData(got), "over ws");
    CHECK_OK(natsMsgHeader_Get(got, "X-Transport", &val));
    CHECK_STR(val, "websocket");
    natsMsg_Destroy(got);
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);
}

TEST(ws_pub_sub_request_headers_big_payload)
{
    test_server *srv = test_server_start_ws("max_payload: 2MB", NULL, NULL);
    natsOptions *opts = ws_opts(srv->ws_url);
    natsConnection *nc = NULL, *tcp = NULL;
    natsSubscription *svc = NULL, *sub = NULL;
    natsMsg *reply = NULL, *got = NULL;
    char *big = (char *)malloc(BIG);
    const char *url = NULL;
    char buf[256];
    int i;

    CHECK(big != NULL);
    for (i = 0; i < BIG; i++)
        big[i] = (char)('a' + i % 26);
    CHECK_OK(natsConnection_Connect(&nc, opts));
    CHECK_OK(natsConnection_GetConnectedUrl(nc, buf, sizeof(buf)));
    CHECK(strncmp(buf, "ws://127.0.0.1:", 15) == 0);
    CHECK(natsConnection_GetMaxPayload(nc) == 2 * 1024 * 1024);
    round_trip(nc, "ws.c");

    /* A TCP client answers the WebSocket client's requests. */
    CHECK_OK(natsConnection_ConnectTo(&tcp, srv->url));
    CHECK_OK(natsConnection_Subscribe(&svc, tcp, "svc", on_request, NULL));
    CHECK_OK(natsConnection_Flush(tcp));
    for (i = 0; i < 10; i++) {
        char q[16];
        snprintf(q, sizeof(q), "q%d", i);
        CHECK_OK(natsConnection_RequestString(&reply, nc, "svc", q, WAIT_MS));
        snprintf(buf, sizeof(buf), "re:q%d", i);
        CHECK_STR(natsMsg_GetData(reply), buf);
        natsMsg_Destroy(reply);
        reply = NULL;
    }

    /* 1 MiB each way between the WebSocket and the TCP client. */
    CHECK_OK(natsConnection_SubscribeSync(&sub, tcp, "big"));
    CHECK_OK(natsConnection_Flush(tcp));
    CHECK_OK(natsConnection_Publish(nc, "big", big, BIG));
    CHECK_OK(natsSubscription_NextMsg(&got, sub, WAIT_MS));
    CHECK_EQ_INT(natsMsg_GetDataLength(got), BIG);
    CHECK(memcmp(natsMsg_GetData(got), big, BIG) == 0);
    natsMsg_Destroy(got);
    natsSubscription_Destroy(sub);
    sub = NULL;
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "big2"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(natsConnection_Publish(tcp, "big2", big, BIG));
    CHECK_OK(natsSubscription_NextMsg(&got, sub, WAIT_MS));
    CHECK_EQ_INT(natsMsg_GetDataLength(got), BIG);
    CHECK(memcmp(natsMsg_GetData(got), big, BIG) == 0);
    natsMsg_Destroy(got);
    natsSubscription_Destroy(sub);

    (void)url;
    natsSubscription_Destroy(svc);
    natsConnection_Destroy(tcp);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    free(big);
    test_server_stop(srv);
}

TEST(ws_connect_to_and_servers_list)
{
    test_server *srv = test_server_start_ws(NULL, NULL, NULL);
    natsConnection *nc = NULL;
    natsOptions *opts = NULL;
    char dead[64], path[96];
    const char *servers[2];

    snprintf(path, sizeof(path), "%s/any/path", srv->ws_url);
    CHECK_OK(natsConnection_ConnectTo(&nc, path));
    round_trip(nc, "ws.connect_to");
    natsConnection_Destroy(nc);
    nc = NULL;

    snprintf(dead, sizeof(dead), "ws://127.0.0.1:%d", test_free_port());
    servers[0] = dead;
    servers[1] = srv->ws_url;
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetServers(opts, servers, 2));
    CHECK_OK(natsOptions_SetNoRandomize(opts, true));
    CHECK_OK(natsOptions_SetTimeout(opts, CONNECT_TIMEOUT_MS));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    round_trip(nc, "ws.servers");
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    test_server_stop(srv);
}

TEST(ws_user_password)
{
    test_server *srv = test_server_start_ws("authorization { user: wsu, password: wsp }", NULL, NULL);
    natsOptions *opts = ws_opts(srv->ws_url);
    natsConnection *nc = NULL;
    natsStatus s;

    s = natsConnection_Connect(&nc, opts);
    CHECK_STATUS(s, NATS_CONNECTION_AUTH_FAILED);
    CHECK(nc == NULL);
    CHECK(strstr(nats_GetLastError(NULL), "Authorization") != NULL);
    CHECK_OK(natsOptions_SetUserInfo(opts, "wsu", "wsp"));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    round_trip(nc, "ws.auth");
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    test_server_stop(srv);
}

TEST(wss_with_the_tls_setters)
{
    test_server *srv = test_server_start_ws(NULL, SERVER_CERT, SERVER_KEY);
    natsOptions *opts = ws_opts(srv->ws_url);
    natsConnection *nc = NULL;
    natsStatus s;

    /* The system store does not know the test CA. */
    s = natsConnection_Connect(&nc, opts);
    CHECK_STATUS(s, NATS_SSL_ERROR);
    CHECK(nc == NULL);
    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, ROOT_CA));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    round_trip(nc, "wss.c");
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    test_server_stop(srv);
}

TEST(ws_bad_urls_and_refused_upgrade)
{
    test_server *srv = test_server_start();
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    char url[64];
    natsStatus s;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_STATUS(natsOptions_SetURL(opts, "wsx://127.0.0.1:1"), NATS_INVALID_ARG);
    CHECK(strstr(nats_GetLastError(NULL), "'ws'") != NULL);
    /* ws:// to a NATS (not HTTP) port: the upgrade answer is no HTTP. */
    snprintf(url, sizeof(url), "ws://127.0.0.1:%d", srv->port);
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetTimeout(opts, CONNECT_TIMEOUT_MS));
    s = natsConnection_Connect(&nc, opts);
    CHECK_STATUS(s, NATS_PROTOCOL_ERROR);
    CHECK(strstr(nats_GetLastError(NULL), "WebSocket upgrade failed") != NULL);
    CHECK(nc == NULL);
    natsOptions_Destroy(opts);
    test_server_stop(srv);
}

static const test_case tests[] = {
    T(ws_pub_sub_request_headers_big_payload),
    T(ws_connect_to_and_servers_list),
    T(ws_user_password),
    T(wss_with_the_tls_setters),
    T(ws_bad_urls_and_refused_upgrade),
};

int main(int argc, char **argv)
{
    int rc = TEST_MAIN(tests);
    if (rc == 0 && !(argc > 1 && strcmp(argv[1], "--list") == 0)) {
        /* Release every library resource, so valgrind sees no leak. */
        CHECK_OK(nats_CloseAndWait(WAIT_MS));
    }
    return rc;
}

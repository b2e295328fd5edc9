/*
 * WebSocket transport (ws://, wss://; an rnats extension beyond cnats)
 * through the C API against nats-server WebSocket listeners: the URL
 * setters, natsConnection_ConnectTo, publish/subscribe/request, headers, a
 * 1 MiB payload (fragmented frames), user/password, token, NKey (seed file
 * and signature callback) and creds auth over ws:// and wss://, wss:// with
 * the TLS setters, clean errors for bad URLs and refused connections, a
 * reconnect (ws:// and wss://) after the server restarts on the same
 * ports, and fail-over in a 3-node cluster with WebSocket listeners when
 * the connected node is killed (kill -9).
 *
 * The NKeys, JWTs and operator configuration are generated at test time
 * (tests/c/gen_keys.py, the CTest fixture c_test_keys; see test_keys.h).
 *
 * The TLS certificates are those of test_tls (generated at test time by
 * examples/gen_test_certs.rs, the CTest fixture c_tls_certs).
 */
/* test.h first: it selects the POSIX feature level. */
#include "test.h"

#include <nats/nats.h>

#include <pthread.h>

#include "test_keys.h"

#define WAIT_MS 10000 /* generous upper bound; never a pass/fail criterion */
#define CONNECT_TIMEOUT_MS 20000
#define BIG (1024 * 1024)

#define ROOT_CA test_cert_file("rootCA.pem")
#define SERVER_CERT test_cert_file("server-cert.pem")
#define SERVER_KEY test_cert_file("server-key.pem")

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

/* ------------------------------------------------------------------ */
/* Token, NKey and creds authentication over ws:// and wss://           */

/* Writes `content` to a new temporary file; its path goes to `path`. */
static void write_temp(char *path, size_t n, const char *content)
{
    int fd;
    snprintf(path, n, "/tmp/rnats_ws_XXXXXX");
    fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, content, strlen(content)) == (ssize_t)strlen(content));
    close(fd);
}

/* A server with `auth_conf` and a WebSocket listener (wss:// when `tls`);
 * the options point at it and, for wss://, trust the test CA. */
static test_server *auth_server(const char *auth_conf, int tls, natsOptions **opts)
{
    test_server *srv =
        tls ? test_server_start_ws(auth_conf, SERVER_CERT, SERVER_KEY) : test_server_start_ws(auth_conf, NULL, NULL);
    *opts = ws_opts(srv->ws_url);
    if (tls)
        CHECK_OK(natsOptions_LoadCATrustedCertificates(*opts, ROOT_CA));
    return srv;
}

/* natsConnection_Connect refused by the server's authorization. */
static void connect_refused(natsOptions *opts, const char *file, int line)
{
    natsConnection *nc = NULL;
    natsStatus s = natsConnection_Connect(&nc, opts);
    natsStatus ls = NATS_OK;
    const char *text = nats_GetLastError(&ls);

    if (s != NATS_CONNECTION_AUTH_FAILED)
        test_fail(file, line, "connect returned %d (%s), expected NATS_CONNECTION_AUTH_FAILED: %s", (int)s,
                  natsStatus_GetText(s), text ? text : "(null)");
    if (nc != NULL)
        test_fail(file, line, "a connection was handed out on failure");
    if (ls != NATS_CONNECTION_AUTH_FAILED || text == NULL || strstr(text, "Authorization Violation") == NULL)
        test_fail(file, line, "last error %d \"%s\"", (int)ls, text ? text : "(null)");
}
#define CONNECT_REFUSED(opts) connect_refused((opts), __FILE__, __LINE__)

/* Connects (the scheme must be the listener's), then a round trip. */
static void connect_and_round_trip(natsOptions *opts, int tls, const char *subj, const char *file, int line)
{
    natsConnection *nc = NULL;
    natsStatus s = natsConnection_Connect(&nc, opts);
    char url[128];

    if (s != NATS_OK)
        test_fail(file, line, "connect returned %d (%s): %s", (int)s, natsStatus_GetText(s),
                  nats_GetLastError(NULL));
    CHECK_OK(natsConnection_GetConnectedUrl(nc, url, sizeof(url)));
    CHECK(strncmp(url, tls ? "wss://" : "ws://", tls ? 6 : 5) == 0);
    round_trip(nc, subj);
    natsConnection_Destroy(nc);
}
#define CONNECT_AND_ROUND_TRIP(opts, tls, subj) connect_and_round_trip((opts), (tls), (subj), __FILE__, __LINE__)

static int token_calls;

static const char *token_handler(void *closure)
{
    token_calls++;
    return (const char *)closure;
}

TEST(ws_token_auth)
{
    int tls;

    for (tls = 0; tls < 2; tls++) {
        natsOptions *opts = NULL;
        test_server *srv = auth_server("authorization { token: \"ws-t0k3n\" }", tls, &opts);
        char url[128];

        CONNECT_REFUSED(opts);
        CHECK_OK(natsOptions_SetToken(opts, "wrong"));
        CONNECT_REFUSED(opts);
        CHECK_OK(natsOptions_SetToken(opts, "ws-t0k3n"));
        CONNECT_AND_ROUND_TRIP(opts, tls, "ws.token");
        natsOptions_Destroy(opts);

        /* The token in the URL. */
        snprintf(url, sizeof(url), "%s://ws-t0k3n@127.0.0.1:%d", tls ? "wss" : "ws", srv->ws_port);
        opts = ws_opts(url);
        if (tls)
            CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, ROOT_CA));
        CONNECT_AND_ROUND_TRIP(opts, tls, "ws.token.url");
        natsOptions_Destroy(opts);

        /* A token handler, called at each connect. */
        opts = ws_opts(srv->ws_url);
        if (tls)
            CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, ROOT_CA));
        token_calls = 0;
        CHECK_OK(natsOptions_SetTokenHandler(opts, token_handler, (void *)"ws-t0k3n"));
        CONNECT_AND_ROUND_TRIP(opts, tls, "ws.token.handler");
        CHECK_EQ_INT(token_calls, 1);
        natsOptions_Destroy(opts);
        test_server_stop(srv);
    }
}

/* Signs the nonce with the seed given as closure; the signature is
 * malloc'ed (the library frees it). */
static int sig_calls;

static natsStatus sig_handler(char **customErrTxt, unsigned char **signature, int *signatureLength,
                              const char *nonce, void *closure)
{
    unsigned char *sig = NULL;
    int len = 0;
    natsStatus s = nats_Sign((const char *)closure, nonce, &sig, &len);

    sig_calls++;
    if (s != NATS_OK) {
        *customErrTxt = strdup("could not sign the nonce");
        return s;
    }
    *signature = sig;
    *signatureLength = len;
    return NATS_OK;
}

TEST(ws_nkey_auth)
{
    char good[64], bad[64], line[128], conf[256];
    int tls;

    snprintf(line, sizeof(line), "%s\n", TEST_NKEY_SEED);
    write_temp(good, sizeof(good), line);
    snprintf(line, sizeof(line), "%s\n", TEST_OTHER_SEED);
    write_temp(bad, sizeof(bad), line);
    snprintf(conf, sizeof(conf), "authorization { users: [ {nkey: %s} ] }", TEST_NKEY_PUB);
    for (tls = 0; tls < 2; tls++) {
        natsOptions *opts = NULL;
        test_server *srv = auth_server(conf, tls, &opts);

        CONNECT_REFUSED(opts);
        /* A seed file. */
        CHECK_OK(natsOptions_SetNKeyFromSeed(opts, TEST_NKEY_PUB, bad));
        CONNECT_REFUSED(opts);
        CHECK_OK(natsOptions_SetNKeyFromSeed(opts, TEST_NKEY_PUB, good));
        CONNECT_AND_ROUND_TRIP(opts, tls, "ws.nkey.file");
        /* A signature callback. */
        sig_calls = 0;
        CHECK_OK(natsOptions_SetNKey(opts, TEST_NKEY_PUB, sig_handler, (void *)TEST_OTHER_SEED));
        CONNECT_REFUSED(opts);
        CHECK_EQ_INT(sig_calls, 1);
        CHECK_OK(natsOptions_SetNKey(opts, TEST_NKEY_PUB, sig_handler, (void *)TEST_NKEY_SEED));
        CONNECT_AND_ROUND_TRIP(opts, tls, "ws.nkey.cb");
        CHECK_EQ_INT(sig_calls, 2);
        natsOptions_Destroy(opts);
        test_server_stop(srv);
    }
    unlink(good);
    unlink(bad);
}

static void creds_text(char *buf, size_t n, const char *jwt, const char *seed)
{
    snprintf(buf, n,
             "-----BEGIN NATS USER JWT-----\n%s\n------END NATS USER JWT------\n\n"
             "-----BEGIN USER NKEY SEED-----\n%s\n------END USER NKEY SEED------\n",
             jwt, seed);
}

TEST(ws_creds_auth)
{
    char creds[4096], good[64], bad[64];
    int tls;

    creds_text(creds, sizeof(creds), TEST_USER_JWT, TEST_USER_SEED);
    write_temp(good, sizeof(good), creds);
    /* The right JWT, signed with a seed that does not match it. */
    creds_text(creds, sizeof(creds), TEST_USER_JWT, TEST_OTHER_SEED);
    write_temp(bad, sizeof(bad), creds);
    for (tls = 0; tls < 2; tls++) {
        natsOptions *opts = NULL;
        test_server *srv = auth_server(TEST_OPERATOR_SERVER_CONF, tls, &opts);

        CONNECT_REFUSED(opts);
        CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts, bad, NULL));
        CONNECT_REFUSED(opts);
        CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts, good, NULL));
        CONNECT_AND_ROUND_TRIP(opts, tls, "ws.creds");
        natsOptions_Destroy(opts);
        test_server_stop(srv);
    }
    unlink(good);
    unlink(bad);
}

/* ------------------------------------------------------------------ */
/* Reconnect and fail-over                                              */

typedef struct {
    pthread_mutex_t mu;
    int disconnected;
    int reconnected;
    int closed;
} conn_events;

static conn_events ev = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};

static void on_disconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    (void)closure;
    pthread_mutex_lock(&ev.mu);
    ev.disconnected++;
    pthread_mutex_unlock(&ev.mu);
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    (void)closure;
    pthread_mutex_lock(&ev.mu);
    ev.reconnected++;
    pthread_mutex_unlock(&ev.mu);
}

static void on_closed(natsConnection *nc, void *closure)
{
    (void)nc;
    (void)closure;
    pthread_mutex_lock(&ev.mu);
    ev.closed++;
    pthread_mutex_unlock(&ev.mu);
}

static int ev_get(int *v)
{
    int r;
    pthread_mutex_lock(&ev.mu);
    r = *v;
    pthread_mutex_unlock(&ev.mu);
    return r;
}

static void ev_reset(void)
{
    pthread_mutex_lock(&ev.mu);
    ev.disconnected = ev.reconnected = ev.closed = 0;
    pthread_mutex_unlock(&ev.mu);
}

/* Waits (bounded) until the counter reaches `want`, then checks it. */
static void wait_count(int *v, int want, const char *file, int line)
{
    int64_t deadline = test_now_ms() + 4 * WAIT_MS;
    while (ev_get(v) < want && test_now_ms() < deadline)
        test_sleep_ms(10);
    if (ev_get(v) != want)
        test_fail(file, line, "counter is %d, expected %d", ev_get(v), want);
}
#define WAIT_COUNT(v, want) wait_count((v), (want), __FILE__, __LINE__)

static void set_event_cbs(natsOptions *opts)
{
    CHECK_OK(natsOptions_SetReconnectWait(opts, 50));
    CHECK_OK(natsOptions_SetDisconnectedCB(opts, on_disconnected, NULL));
    CHECK_OK(natsOptions_SetReconnectedCB(opts, on_reconnected, NULL));
    CHECK_OK(natsOptions_SetClosedCB(opts, on_closed, NULL));
}

/* Over ws:// or, with `tls`, wss://. */
static void reconnect_after_server_restart(int tls)
{
    natsOptions *opts = NULL;
    test_server *srv = auth_server(NULL, tls, &opts);
    natsConnection *nc = NULL, *tcp = NULL;
    natsSubscription *sub = NULL;
    natsMsg *msg = NULL;
    char url[128];

    ev_reset();
    set_event_cbs(opts);
    CHECK_OK(natsOptions_SetMaxReconnect(opts, -1));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "ws.after"));
    CHECK_OK(natsConnection_PublishString(nc, "ws.after", "before"));
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, WAIT_MS));
    CHECK_STR(natsMsg_GetData(msg), "before");
    natsMsg_Destroy(msg);
    msg = NULL;

    /* The same server comes back on the same ports. */
    test_server_restart(srv);
    WAIT_COUNT(&ev.reconnected, 1);
    CHECK_EQ_INT(ev_get(&ev.disconnected), 1);
    CHECK(!natsConnection_IsReconnecting(nc));
    CHECK_OK(natsConnection_GetConnectedUrl(nc, url, sizeof(url)));
    CHECK_STR(url, srv->ws_url);

    /* The subscription was sent again over the new WebSocket: a TCP
     * client's message reaches it, and so does our own. */
    CHECK_OK(natsConnection_ConnectTo(&tcp, srv->url));
    CHECK_OK(natsConnection_PublishString(tcp, "ws.after", "from tcp"));
    CHECK_OK(natsConnection_Flush(tcp));
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, WAIT_MS));
    CHECK_STR(natsMsg_GetData(msg), "from tcp");
    natsMsg_Destroy(msg);
    msg = NULL;
    CHECK_OK(natsConnection_PublishString(nc, "ws.after", "after"));
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, WAIT_MS));
    CHECK_STR(natsMsg_GetData(msg), "after");
    natsMsg_Destroy(msg);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(tcp);
    natsConnection_Close(nc);
    WAIT_COUNT(&ev.closed, 1);
    CHECK_EQ_INT(ev_get(&ev.reconnected), 1);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    test_server_stop(srv);
}

TEST(ws_reconnect_after_server_restart)
{
    reconnect_after_server_restart(0);
}

TEST(wss_reconnect_after_server_restart)
{
    reconnect_after_server_restart(1);
}

/* Whether `list` (count entries) holds `want`. */
static int has_url(char **list, int count, const char *want)
{
    int i;
    for (i = 0; i < count; i++)
        if (strcmp(list[i], want) == 0)
            return 1;
    return 0;
}

static void free_list(char **list, int count)
{
    int i;
    for (i = 0; i < count; i++)
        free(list[i]);
    free(list);
}

TEST(ws_cluster_failover_by_kill)
{
    enum { N = 3 };
    test_server *srv[N];
    int routes[N], i, found = 0, got = 0;
    char conf[1024], url[128];
    natsOptions *opts = NULL;
    natsConnection *nc = NULL, *other = NULL;
    natsSubscription *sub = NULL;
    int64_t deadline;

    for (i = 0; i < N; i++)
        routes[i] = test_free_port();
    for (i = 0; i < N; i++) {
        snprintf(conf, sizeof(conf),
                 "server_name: ws%d\ncluster {\n  name: wsc\n  listen: \"127.0.0.1:%d\"\n"
                 "  routes: [\"nats://127.0.0.1:%d\", \"nats://127.0.0.1:%d\", \"nats://127.0.0.1:%d\"]\n}\n",
                 i, routes[i], routes[0], routes[1], routes[2]);
        srv[i] = test_server_start_ws(conf, NULL, NULL);
    }

    ev_reset();
    opts = ws_opts(srv[0]->ws_url);
    set_event_cbs(opts);
    CHECK_OK(natsOptions_SetMaxReconnect(opts, -1));
    CHECK_OK(natsConnection_Connect(&nc, opts));

    /* Once the routes are up, the first node's INFO names the others'
     * WebSocket listeners; they join the pool as ws:// URLs. */
    deadline = test_now_ms() + 4 * WAIT_MS;
    while (!found && test_now_ms() < deadline) {
        char **list = NULL;
        int count = 0;
        CHECK_OK(natsConnection_GetDiscoveredServers(nc, &list, &count));
        found = count == 2 && has_url(list, count, srv[1]->ws_url) && has_url(list, count, srv[2]->ws_url);
        free_list(list, count);
        if (!found)
            test_sleep_ms(20);
    }
    CHECK(found);

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "ws.fo"));
    CHECK_OK(natsConnection_Flush(nc));

    /* kill -9 of the connected node. */
    test_server_kill(srv[0]);
    srv[0] = NULL;
    WAIT_COUNT(&ev.reconnected, 1);
    CHECK(ev_get(&ev.disconnected) >= 1);
    CHECK_OK(natsConnection_GetConnectedUrl(nc, url, sizeof(url)));
    CHECK(strcmp(url, srv[1]->ws_url) == 0 || strcmp(url, srv[2]->ws_url) == 0);

    /* A TCP client of the third node reaches the subscription, which was
     * sent again over the new WebSocket; the interest may need a moment
     * to cross the route, so publish until one arrives. */
    CHECK_OK(natsConnection_ConnectTo(&other, srv[2]->url));
    deadline = test_now_ms() + 4 * WAIT_MS;
    while (!got && test_now_ms() < deadline) {
        natsMsg *msg = NULL;
        CHECK_OK(natsConnection_PublishString(other, "ws.fo", "over the cluster"));
        CHECK_OK(natsConnection_Flush(other));
        if (natsSubscription_NextMsg(&msg, sub, 200) == NATS_OK) {
            CHECK_STR(natsMsg_GetData(msg), "over the cluster");
            natsMsg_Destroy(msg);
            got = 1;
        }
    }
    CHECK(got);
    /* And our own messages flow through the new node. */
    {
        natsSubscription *osub = NULL;
        natsMsg *msg = NULL;
        CHECK_OK(natsConnection_SubscribeSync(&osub, other, "ws.back"));
        CHECK_OK(natsConnection_Flush(other));
        got = 0;
        deadline = test_now_ms() + 4 * WAIT_MS;
        while (!got && test_now_ms() < deadline) {
            CHECK_OK(natsConnection_PublishString(nc, "ws.back", "from ws"));
            CHECK_OK(natsConnection_Flush(nc));
            if (natsSubscription_NextMsg(&msg, osub, 200) == NATS_OK) {
                CHECK_STR(natsMsg_GetData(msg), "from ws");
                natsMsg_Destroy(msg);
                got = 1;
            }
        }
        CHECK(got);
        natsSubscription_Destroy(osub);
    }
    CHECK_EQ_INT(ev_get(&ev.reconnected), 1);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(other);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    for (i = 1; i < N; i++)
        test_server_stop(srv[i]);
}

static const test_case tests[] = {
    T(ws_pub_sub_request_headers_big_payload),
    T(ws_connect_to_and_servers_list),
    T(ws_user_password),
    T(wss_with_the_tls_setters),
    T(ws_bad_urls_and_refused_upgrade),
    T(ws_token_auth),
    T(ws_nkey_auth),
    T(ws_creds_auth),
    T(ws_reconnect_after_server_restart),
    T(wss_reconnect_after_server_restart),
    T(ws_cluster_failover_by_kill),
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

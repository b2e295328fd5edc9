/*
 * TLS C tests against a real nats-server.
 *
 * The certificates are generated at test time by the Rust program
 * examples/gen_test_certs.rs (rcgen; no OpenSSL needed): CTest runs it as
 * the fixture `c_tls_certs` before these cases, into the directory
 * compiled in as RNATS_TLS_CERT_DIR_DEFAULT (override with the environment
 * variable RNATS_TLS_CERT_DIR, e.g. after
 * `cargo run --example gen_test_certs -- /tmp/certs`).
 *
 * The acceptance case `tls_verify_client_identity` is the program of the
 * NATS docs ("Encrypting Connections with TLS"): LoadCertificatesChain +
 * LoadCATrustedCertificates + natsConnection_Connect against
 * `nats-server --tlsverify --tlscert ... --tlskey ... --tlscacert ...`.
 */
/* test.h first: it selects the POSIX feature level. */
#include "test.h"

#include <nats/nats.h>


#define WAIT_MS 10000 /* generous upper bound; never a pass/fail criterion */
/* Connect timeout: the valgrind variants run the handshake's crypto many
 * times slower than the default 2 s allows on a loaded machine. */
#define CONNECT_TIMEOUT_MS 20000

#define ROOT_CA test_cert_file("rootCA.pem")
#define SERVER_CERT test_cert_file("server-cert.pem")
#define SERVER_KEY test_cert_file("server-key.pem")
#define CLIENT_CERT test_cert_file("client-cert.pem")
#define CLIENT_KEY test_cert_file("client-key.pem")
#define UNTRUSTED_CA test_cert_file("untrusted-ca.pem")

/* A server that requires TLS and, with `verify`, client certificates:
 * configured with the command-line flags of the docs. The small
 * configuration file only lengthens the server's TLS and authentication
 * timeouts (2-3 s by default), which the valgrind variants can exceed on a
 * loaded machine; the flags still set up TLS. */
static test_server *tls_server(int verify)
{
    const char *args[12];
    int n = 0;

    args[n++] = verify ? "--tlsverify" : "--tls";
    args[n++] = "--tlscert";
    args[n++] = SERVER_CERT;
    args[n++] = "--tlskey";
    args[n++] = SERVER_KEY;
    if (verify) {
        args[n++] = "--tlscacert";
        args[n++] = ROOT_CA;
    }
    args[n] = NULL;
    return test_server_start_full("tls { timeout: 30 }\nauthorization { timeout: 30 }\n", args);
}

/* A sync subscription sees what the connection publishes. */
static void round_trip(natsConnection *nc)
{
    natsSubscription *sub = NULL;
    natsMsg *msg = NULL;

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "tls.test"));
    CHECK_OK(natsConnection_PublishString(nc, "tls.test", "over TLS"));
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, WAIT_MS));
    CHECK_STR(natsMsg_GetData(msg), "over TLS");
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);
}

/* The last error after a failed connect: its status, and a text. */
static void check_failed_connect(natsStatus s, natsStatus expected, const char *needle, const char *file,
                                 int line)
{
    natsStatus last = NATS_OK;
    const char *text = nats_GetLastError(&last);

    if (s != expected)
        test_fail(file, line, "connect returned %d (%s), expected %d (%s); last error: %s", (int)s,
                  natsStatus_GetText(s), (int)expected, natsStatus_GetText(expected), text ? text : "(null)");
    if (text == NULL || text[0] == '\0')
        test_fail(file, line, "no last error text");
#ifndef RNATS_TEST_AGAINST_CNATS
    if (needle != NULL && strstr(text, needle) == NULL)
        test_fail(file, line, "last error \"%s\" does not mention \"%s\"", text, needle);
#else
    (void)needle;
#endif
}
#define CHECK_FAILED_CONNECT(s, expected, needle) check_failed_connect((s), (expected), (needle), __FILE__, __LINE__)

/* ------------------------------------------------------------------ */

/* The NATS docs' program, unchanged in substance. */
TEST(tls_verify_client_identity)
{
    test_server *srv = tls_server(1);
    natsConnection *nc = NULL;
    natsOptions *opts = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, srv->url)); /* nats://: the server's INFO asks for TLS */
    CHECK_OK(natsOptions_SetTimeout(opts, CONNECT_TIMEOUT_MS));
    CHECK_OK(natsOptions_LoadCertificatesChain(opts, CLIENT_CERT, CLIENT_KEY));
    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, ROOT_CA));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    round_trip(nc);

    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    test_server_stop(srv);
}

TEST(tls_url_scheme)
{
    test_server *srv = tls_server(0);
    natsConnection *nc = NULL;
    natsOptions *opts = NULL;
    char url[64];

    snprintf(url, sizeof(url), "tls://127.0.0.1:%d", srv->port);
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetTimeout(opts, CONNECT_TIMEOUT_MS));
    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, ROOT_CA));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    round_trip(nc);

    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    test_server_stop(srv);
}

TEST(tls_untrusted_server_ca)
{
    test_server *srv = tls_server(0);
    natsConnection *nc = NULL;
    natsOptions *opts = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, srv->url));
    CHECK_OK(natsOptions_SetTimeout(opts, CONNECT_TIMEOUT_MS));
    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, UNTRUSTED_CA));
    CHECK_FAILED_CONNECT(natsConnection_Connect(&nc, opts), NATS_SSL_ERROR, "unknown authority");
    CHECK(nc == NULL);

    /* Skipping verification (tests only!) accepts the server. */
    natsOptions_Destroy(opts);
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, srv->url));
    CHECK_OK(natsOptions_SetTimeout(opts, CONNECT_TIMEOUT_MS));
    CHECK_OK(natsOptions_SetSecure(opts, true));
    CHECK_OK(natsOptions_SkipServerVerification(opts, true));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    round_trip(nc);

    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    test_server_stop(srv);
}

TEST(tls_client_cert_required)
{
    test_server *srv = tls_server(1);
    natsConnection *nc = NULL;
    natsOptions *opts = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, srv->url));
    CHECK_OK(natsOptions_SetTimeout(opts, CONNECT_TIMEOUT_MS));
    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, ROOT_CA));
#ifndef RNATS_TEST_AGAINST_CNATS
    CHECK_FAILED_CONNECT(natsConnection_Connect(&nc, opts), NATS_SSL_ERROR, "certificate");
#else
    /* With TLS 1.3 the server's refusal arrives after the client's side of
     * the handshake is done; cnats (OpenSSL) then reports it as a protocol
     * error while waiting for PONG. rnats reports NATS_SSL_ERROR. */
    CHECK(natsConnection_Connect(&nc, opts) != NATS_OK);
#endif
    CHECK(nc == NULL);

    natsOptions_Destroy(opts);
    test_server_stop(srv);
}

TEST(tls_wanted_not_offered)
{
    test_server *srv = test_server_start();
    natsConnection *nc = NULL;
    natsOptions *opts = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, srv->url));
    CHECK_OK(natsOptions_SetSecure(opts, true));
    CHECK_OK(natsOptions_LoadCATrustedCertificates(opts, ROOT_CA));
    CHECK_FAILED_CONNECT(natsConnection_Connect(&nc, opts), NATS_SECURE_CONNECTION_WANTED, NULL);
    CHECK(nc == NULL);

    natsOptions_Destroy(opts);
    test_server_stop(srv);
}

static const test_case tests[] = {
    T(tls_verify_client_identity),
    T(tls_url_scheme),
    T(tls_untrusted_server_ca),
    T(tls_client_cert_required),
    T(tls_wanted_not_offered),
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

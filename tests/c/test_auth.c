/*
 * Authentication through natsConnection_Connect against real nats-server
 * configurations written by the tests: user/password, URL credentials,
 * tokens (option and handler), NKeys (a signature callback in the shape of
 * the NATS docs' "Authenticating with an NKey" C snippet, and a seed file),
 * user credentials (creds file, memory), the signing helpers, and the
 * asynchronous permission-violation error.
 *
 * Only the public nats.h API is used, so this file builds against cnats
 * as well.
 */
/* test.h first: it selects the POSIX feature level. */
#include "test.h"

#include <nats/nats.h>

#include <pthread.h>

#define WAIT_MS 10000 /* generous upper bound; never a pass/fail criterion */

/* The NKeys, JWTs and operator configuration are generated at test time
 * (tests/c/gen_keys.py, the CTest fixture c_test_keys). */
#include "test_keys.h"

#define USER_JWT TEST_USER_JWT
#define USER_SEED TEST_USER_SEED
#define OTHER_SEED TEST_OTHER_SEED

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static natsOptions *opts_for(const char *url)
{
    natsOptions *opts = NULL;
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    return opts;
}

/* The URL of `srv` with "userinfo@" inserted after the scheme. */
static void url_with(char *buf, size_t n, test_server *srv, const char *userinfo)
{
    snprintf(buf, n, "nats://%s@127.0.0.1:%d", userinfo, srv->port);
}

/* Connects, publishes and flushes, then destroys the connection. */
static void connect_ok(natsOptions *opts, const char *file, int line)
{
    natsConnection *nc = NULL;
    natsStatus s = natsConnection_Connect(&nc, opts);
    if (s != NATS_OK)
        test_fail(file, line, "connect returned %d (%s): %s", (int)s, natsStatus_GetText(s),
                  nats_GetLastError(NULL));
    CHECK_OK(natsConnection_PublishString(nc, "auth.check", "x"));
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT_MS));
    natsConnection_Destroy(nc);
}
#define CONNECT_OK(opts) connect_ok((opts), __FILE__, __LINE__)

/* Expects natsConnection_Connect to fail with `expected`, and the thread's
 * last error to carry that status and contain `text`. */
static void connect_fails(natsOptions *opts, natsStatus expected, const char *text, const char *file,
                          int line)
{
    natsConnection *nc = NULL;
    natsStatus s = natsConnection_Connect(&nc, opts);
    natsStatus ls = NATS_OK;
    const char *lt;

    if (s != expected)
        test_fail(file, line, "connect returned %d (%s), expected %d (%s)", (int)s, natsStatus_GetText(s),
                  (int)expected, natsStatus_GetText(expected));
    if (nc != NULL)
        test_fail(file, line, "a connection was handed out on failure");
    lt = nats_GetLastError(&ls);
    if (ls != expected || lt == NULL || strstr(lt, text) == NULL)
        test_fail(file, line, "last error %d \"%s\", expected %d containing \"%s\"", (int)ls,
                  lt ? lt : "(null)", (int)expected, text);
}
#define CONNECT_FAILS(opts, status, text) connect_fails((opts), (status), (text), __FILE__, __LINE__)
#define CONNECT_REFUSED(opts) CONNECT_FAILS((opts), NATS_CONNECTION_AUTH_FAILED, "Authorization Violation")

/* Writes `content` to a new temporary file; its path goes to `path`. */
static void write_temp(char *path, size_t n, const char *content)
{
    int fd;
    snprintf(path, n, "/tmp/rnats_auth_XXXXXX");
    fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, content, strlen(content)) == (ssize_t)strlen(content));
    close(fd);
}

static test_server *users_server(void)
{
    return test_server_start_conf("authorization { users: [\n"
                                  "  {user: alice, password: \"pa ss\\\"w\\\\ord\"}\n"
                                  "] }\n");
}

/* ------------------------------------------------------------------ */
/* User / password                                                     */

TEST(auth_user_password)
{
    test_server *srv = users_server();
    natsOptions *opts = opts_for(srv->url);

    /* The config's escapes make the password: pa ss"w\ord */
    CHECK_OK(natsOptions_SetUserInfo(opts, "alice", "pa ss\"w\\ord"));
    CONNECT_OK(opts);
    CHECK_OK(natsOptions_SetUserInfo(opts, "alice", "wrong"));
    CONNECT_REFUSED(opts);
    CHECK_OK(natsOptions_SetUserInfo(opts, NULL, NULL));
    CONNECT_REFUSED(opts);
    natsOptions_Destroy(opts);
    test_server_stop(srv);
}

TEST(auth_url_credentials_win)
{
    test_server *srv = users_server();
    natsOptions *opts;
    char url[256];

    /* Percent-encoded in the URL: space %20, quote %22, backslash %5C. */
    url_with(url, sizeof(url), srv, "alice:pa%20ss%22w%5Cord");
    opts = opts_for(url);
    CHECK_OK(natsOptions_SetUserInfo(opts, "alice", "wrong"));
    CONNECT_OK(opts);
    natsOptions_Destroy(opts);

    url_with(url, sizeof(url), srv, "alice:wrong");
    opts = opts_for(url);
    CHECK_OK(natsOptions_SetUserInfo(opts, "alice", "pa ss\"w\\ord"));
    CONNECT_REFUSED(opts);
    natsOptions_Destroy(opts);
    test_server_stop(srv);
}

/* ------------------------------------------------------------------ */
/* Tokens                                                              */

static int token_calls;

static const char *token_handler(void *closure)
{
    token_calls++;
    return (const char *)closure;
}

TEST(auth_token)
{
    test_server *srv = test_server_start_conf("authorization { token: \"t0k3n\" }\n");
    natsOptions *opts = opts_for(srv->url);
    char url[256];

    CHECK_OK(natsOptions_SetToken(opts, "t0k3n"));
    CONNECT_OK(opts);
    CHECK_OK(natsOptions_SetToken(opts, "wrong"));
    CONNECT_REFUSED(opts);
    natsOptions_Destroy(opts);

    url_with(url, sizeof(url), srv, "t0k3n");
    opts = opts_for(url);
    CHECK_OK(natsOptions_SetToken(opts, "wrong")); /* the URL's token wins */
    CONNECT_OK(opts);
    natsOptions_Destroy(opts);

    /* A handler, called at each connect. */
    opts = opts_for(srv->url);
    token_calls = 0;
    CHECK_OK(natsOptions_SetTokenHandler(opts, token_handler, (void *)"t0k3n"));
    CONNECT_OK(opts);
    CONNECT_OK(opts);
    CHECK_EQ_INT(token_calls, 2);
    CHECK_STATUS(natsOptions_SetToken(opts, "t0k3n"), NATS_ILLEGAL_STATE);
    natsOptions_Destroy(opts);

    /* A token in the URL and a handler: refused at connect. */
    opts = opts_for(url);
    CHECK_OK(natsOptions_SetTokenHandler(opts, token_handler, (void *)"t0k3n"));
    CONNECT_FAILS(opts, NATS_ILLEGAL_STATE, "");
    natsOptions_Destroy(opts);
    test_server_stop(srv);
}

/* ------------------------------------------------------------------ */
/* NKeys                                                               */

/* The docs' shape: sign the nonce, hand back a malloc'ed signature (the
 * library frees it). Here the closure is the seed and the signing is done
 * with nats_Sign; a program could as well call an HSM. */
static natsStatus sigHandler(char **customErrTxt, unsigned char **signature, int *signatureLength,
                             const char *nonce, void *closure)
{
    const char *seed = (const char *)closure;
    unsigned char *tmp = NULL;
    int tmpLen = 0;
    natsStatus s;

    s = nats_Sign(seed, nonce, &tmp, &tmpLen);
    if (s != NATS_OK) {
        *customErrTxt = strdup("could not sign the nonce");
        return s;
    }
    *signature = (unsigned char *)malloc((size_t)tmpLen);
    if (*signature == NULL) {
        free(tmp);
        return NATS_NO_MEMORY;
    }
    memcpy(*signature, tmp, (size_t)tmpLen);
    *signatureLength = tmpLen;
    free(tmp);
    return NATS_OK;
}

static natsStatus failingSigHandler(char **customErrTxt, unsigned char **signature, int *signatureLength,
                                    const char *nonce, void *closure)
{
    (void)signature;
    (void)signatureLength;
    (void)nonce;
    (void)closure;
    *customErrTxt = strdup("signing device unavailable");
    return NATS_NOT_PERMITTED;
}

static test_server *nkey_server(void)
{
    char conf[256];
    snprintf(conf, sizeof(conf), "authorization { users: [ {nkey: %s} ] }\n", TEST_NKEY_PUB);
    return test_server_start_conf(conf);
}

TEST(auth_nkey_docs_shape)
{
    test_server *srv = nkey_server();
    natsConnection *conn = NULL;
    natsOptions *opts = NULL;
    natsStatus s = NATS_OK;
    const char *pubKey = TEST_NKEY_PUB;

    /* As in the docs snippet. */
    s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, srv->url);
    if (s == NATS_OK)
        s = natsOptions_SetNKey(opts, pubKey, sigHandler, (void *)TEST_NKEY_SEED);
    if (s == NATS_OK)
        s = natsConnection_Connect(&conn, opts);
    if (s == NATS_OK)
        s = natsConnection_PublishString(conn, "foo", "hello");
    if (s == NATS_OK)
        s = natsConnection_Flush(conn);
    CHECK_OK(s);
    natsConnection_Destroy(conn);

    /* Signed with a key the server does not know. */
    CHECK_OK(natsOptions_SetNKey(opts, pubKey, sigHandler, (void *)OTHER_SEED));
    CONNECT_REFUSED(opts);

    /* The callback's failure and text fail the connect. */
    CHECK_OK(natsOptions_SetNKey(opts, pubKey, failingSigHandler, NULL));
    CONNECT_FAILS(opts, NATS_NOT_PERMITTED, "signing device unavailable");

    CHECK_STATUS(natsOptions_SetNKey(opts, pubKey, NULL, NULL), NATS_INVALID_ARG);
    natsOptions_Destroy(opts);
    test_server_stop(srv);
}

TEST(auth_nkey_seed_file)
{
    test_server *srv = nkey_server();
    natsOptions *opts = opts_for(srv->url);
    char good[64], bad[64], line[128];

    snprintf(line, sizeof(line), "%s\n", TEST_NKEY_SEED);
    write_temp(good, sizeof(good), line);
    snprintf(line, sizeof(line), "%s\n", OTHER_SEED);
    write_temp(bad, sizeof(bad), line);
    CHECK_OK(natsOptions_SetNKeyFromSeed(opts, TEST_NKEY_PUB, good));
    CONNECT_OK(opts);
    CHECK_OK(natsOptions_SetNKeyFromSeed(opts, TEST_NKEY_PUB, bad));
    CONNECT_REFUSED(opts);
    unlink(good);
    unlink(bad);
    /* Read at connect time: gone now. */
    CHECK_OK(natsOptions_SetNKeyFromSeed(opts, TEST_NKEY_PUB, good));
    CONNECT_FAILS(opts, NATS_ERR, "error opening file");
    natsOptions_Destroy(opts);
    test_server_stop(srv);
}

/* ------------------------------------------------------------------ */
/* User credentials                                                    */

static test_server *operator_server(void)
{
    return test_server_start_conf(TEST_OPERATOR_SERVER_CONF);
}

static void creds_text(char *buf, size_t n, const char *jwt, const char *seed)
{
    snprintf(buf, n,
             "-----BEGIN NATS USER JWT-----\n%s\n------END NATS USER JWT------\n\n"
             "************************* IMPORTANT *************************\n"
             "NKEY Seed printed below can be used to sign and prove identity.\n\n"
             "-----BEGIN USER NKEY SEED-----\n%s\n------END USER NKEY SEED------\n",
             jwt, seed);
}

TEST(auth_creds_file_and_memory)
{
    test_server *srv = operator_server();
    natsOptions *opts = opts_for(srv->url);
    natsConnection *nc = NULL;
    char creds[4096], path[64], jwt_path[64], seed_path[64];
    unsigned char sig[64];
    unsigned char *expected = NULL;
    int expectedLen = 0;

    creds_text(creds, sizeof(creds), USER_JWT, USER_SEED);
    write_temp(path, sizeof(path), creds);
    write_temp(jwt_path, sizeof(jwt_path), USER_JWT);
    write_temp(seed_path, sizeof(seed_path), USER_SEED);

    /* One chained file. natsConnection_Sign signs with its seed. */
    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts, path, NULL));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    CHECK_OK(natsConnection_Sign(nc, (const unsigned char *)"nonce", 5, sig));
    CHECK_OK(nats_Sign(USER_SEED, "nonce", &expected, &expectedLen));
    CHECK_EQ_INT(expectedLen, 64);
    CHECK(memcmp(sig, expected, 64) == 0);
    free(expected);
    natsConnection_Destroy(nc);

    /* JWT and seed in separate files. */
    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts, jwt_path, seed_path));
    CONNECT_OK(opts);

#if NATS_VERSION_NUMBER >= 0x030500 /* FromMemory is newer than some cnats packages */
    /* From memory. */
    CHECK_OK(natsOptions_SetUserCredentialsFromMemory(opts, creds));
    CONNECT_OK(opts);

    /* The right JWT with a seed that does not match it. */
    creds_text(creds, sizeof(creds), USER_JWT, OTHER_SEED);
    CHECK_OK(natsOptions_SetUserCredentialsFromMemory(opts, creds));
    CONNECT_REFUSED(opts);
#endif

    unlink(path);
    CHECK_OK(natsOptions_SetUserCredentialsFromFiles(opts, path, NULL));
    CONNECT_FAILS(opts, NATS_ERR, "error opening file");

    unlink(jwt_path);
    unlink(seed_path);
    natsOptions_Destroy(opts);
    test_server_stop(srv);
}

TEST(auth_sign_known_answer)
{
    /* The NATS docs' NKey example seed: a published known-answer vector
     * (not a credential; this case needs that exact value). */
    static const char DOCS_SEED[] = "SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY";
    /* nats_Sign of "nonce" with it (base64url:
     * AVfpO7Pw3rc56hoO1OJcFxXUCfBmO2qouchBchSlL45Fuur9zS15UzytEI1QC5wwVG7uiHIdqyfmOS6uPrwqCg). */
    static const unsigned char want[8] = {0x01, 0x57, 0xe9, 0x3b, 0xb3, 0xf0, 0xde, 0xb7};
    unsigned char *sig = NULL;
    int len = 0;

    CHECK_OK(nats_Open(-1));
    CHECK_OK(nats_Sign(DOCS_SEED, "nonce", &sig, &len));
    CHECK_EQ_INT(len, 64);
    CHECK(memcmp(sig, want, sizeof(want)) == 0);
    free(sig);
    sig = NULL;
    CHECK_STATUS(nats_Sign("ABC", "nonce", &sig, &len), NATS_ERR);
    CHECK(sig == NULL);
    CHECK_STATUS(nats_Sign(NULL, "nonce", &sig, &len), NATS_INVALID_ARG);
}

/* ------------------------------------------------------------------ */
/* Asynchronous errors                                                 */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int count;
    natsStatus status;
    char text[256];
} err_events;

static void on_error(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    err_events *ev = (err_events *)closure;
    const char *t = nats_GetLastError(NULL);
    (void)nc;
    (void)sub;
    pthread_mutex_lock(&ev->mu);
    ev->count++;
    ev->status = err;
    snprintf(ev->text, sizeof(ev->text), "%s", t ? t : "");
    pthread_cond_broadcast(&ev->cond);
    pthread_mutex_unlock(&ev->mu);
}

TEST(auth_permission_violation_async)
{
    test_server *srv = test_server_start_conf(
        "authorization { users: [ {user: bob, password: pw, permissions: {publish: {deny: [\"forbidden\"]}}} ] }\n");
    natsOptions *opts = opts_for(srv->url);
    natsConnection *nc = NULL;
    err_events ev;
    struct timespec ts;
    const char *last = NULL;

    memset(&ev, 0, sizeof(ev));
    pthread_mutex_init(&ev.mu, NULL);
    pthread_cond_init(&ev.cond, NULL);
    CHECK_OK(natsOptions_SetUserInfo(opts, "bob", "pw"));
    CHECK_OK(natsOptions_SetErrorHandler(opts, on_error, &ev));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    CHECK_OK(natsConnection_PublishString(nc, "forbidden", "x"));
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT_MS));

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += WAIT_MS / 1000;
    pthread_mutex_lock(&ev.mu);
    while (ev.count == 0 && pthread_cond_timedwait(&ev.cond, &ev.mu, &ts) == 0) {
    }
    CHECK_EQ_INT(ev.count, 1);
    CHECK_STATUS(ev.status, NATS_NOT_PERMITTED);
    CHECK(strstr(ev.text, "Permissions Violation for Publish to") != NULL);
    pthread_mutex_unlock(&ev.mu);

    /* Still up. */
    CHECK(!natsConnection_IsClosed(nc));
    CHECK_STATUS(natsConnection_GetLastError(nc, &last), NATS_NOT_PERMITTED);
    CHECK(last != NULL && strstr(last, "Permissions Violation") != NULL);
    CHECK_OK(natsConnection_PublishString(nc, "allowed", "x"));
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT_MS));

    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    test_server_stop(srv);
    pthread_cond_destroy(&ev.cond);
    pthread_mutex_destroy(&ev.mu);
}

static const test_case tests[] = {
    T(auth_user_password),
    T(auth_url_credentials_win),
    T(auth_token),
    T(auth_nkey_docs_shape),
    T(auth_nkey_seed_file),
    T(auth_creds_file_and_memory),
    T(auth_sign_known_answer),
    T(auth_permission_violation_async),
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

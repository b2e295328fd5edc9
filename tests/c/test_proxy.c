/*
 * natsOptions_SetProxyConnHandler against a real nats-server reached only
 * through a small SOCKS5 proxy written here (RFC 1928: no authentication,
 * CONNECT with a domain name). The server is named by a host name only
 * the proxy knows, so nothing reaches it without the handler. The proxy
 * counts connections and keeps the first bytes it carried to the server.
 * proxy_tls: tls:// through the proxy, with test_tls' certificates
 * (generated at test time by the CTest fixture c_tls_certs).
 */
/* test.h first: it selects the POSIX feature level. */
#include "test.h"

#include <nats/nats.h>

#include <poll.h>
#include <pthread.h>
#include <sys/time.h>

#define HIDDEN_HOST "nats.behind-proxy.invalid"
#define WAIT_MS 20000 /* generous upper bound; never a pass/fail criterion */
#define MAX_RELAYS 32
#define CAPTURE 65536

/* ------------------------------------------------------------------ */
/* The SOCKS5 proxy                                                     */

typedef struct {
    int lfd;
    int port;
    volatile int stop;
    pthread_t acceptor;
    pthread_mutex_t mu;
    int upstream_port; /* where HIDDEN_HOST goes (0: the port asked for, -1: refused) */
    int accepted;
    pthread_t relays[MAX_RELAYS];
    int nrelays;
    char captured[CAPTURE]; /* bytes carried towards the server */
    size_t ncaptured;
} proxy;

typedef struct {
    proxy *p;
    int fd;
} relay_arg;

static int read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

static int write_full(int fd, const void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = write(fd, (const char *)buf + done, n - done);
        if (r <= 0)
            return -1;
        done += (size_t)r;
    }
    return 0;
}

static int tcp_connect_local(int port)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons((uint16_t)port);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One client: greeting, CONNECT, then relaying until either side ends. */
static void *relay_main(void *argp)
{
    relay_arg *a = (relay_arg *)argp;
    proxy *p = a->p;
    int c = a->fd, s = -1, port, up;
    unsigned char b[512];
    char host[256];
    static const unsigned char ok[10] = {5, 0, 0, 1, 127, 0, 0, 1, 0, 0};
    static const unsigned char refused[10] = {5, 5, 0, 1, 0, 0, 0, 0, 0, 0};

    free(a);
    if (read_full(c, b, 2) != 0 || b[0] != 5 || read_full(c, b + 2, b[1]) != 0)
        goto out;
    if (write_full(c, "\x05\x00", 2) != 0)
        goto out;
    /* VER CMD RSV ATYP=3 LEN */
    if (read_full(c, b, 5) != 0 || b[1] != 1 || b[3] != 3)
        goto out;
    if (read_full(c, host, b[4]) != 0 || read_full(c, b, 2) != 0)
        goto out;
    host[b[4]] = '\0';
    port = (b[0] << 8) | b[1];
    pthread_mutex_lock(&p->mu);
    up = (strcmp(host, HIDDEN_HOST) == 0 && p->upstream_port != 0) ? p->upstream_port : port;
    pthread_mutex_unlock(&p->mu);
    s = (strcmp(host, HIDDEN_HOST) == 0 && up > 0) ? tcp_connect_local(up) : -1;
    if (s < 0) {
        (void)write_full(c, refused, sizeof(refused));
        goto out;
    }
    if (write_full(c, ok, sizeof(ok)) != 0)
        goto out;
    while (!p->stop) {
        struct pollfd pf[2];
        int i;
        pf[0].fd = c;
        pf[0].events = POLLIN;
        pf[1].fd = s;
        pf[1].events = POLLIN;
        if (poll(pf, 2, 100) < 0)
            break;
        for (i = 0; i < 2; i++) {
            if (pf[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                ssize_t n = read(pf[i].fd, b, sizeof(b));
                if (n <= 0)
                    goto out;
                if (i == 0) {
                    pthread_mutex_lock(&p->mu);
                    if (p->ncaptured + (size_t)n <= CAPTURE) {
                        memcpy(p->captured + p->ncaptured, b, (size_t)n);
                        p->ncaptured += (size_t)n;
                    }
                    pthread_mutex_unlock(&p->mu);
                }
                if (write_full(i == 0 ? s : c, b, (size_t)n) != 0)
                    goto out;
            }
        }
    }
out:
    if (s >= 0)
        close(s);
    close(c);
    return NULL;
}

static void *acceptor_main(void *argp)
{
    proxy *p = (proxy *)argp;
    while (!p->stop) {
        struct pollfd pf;
        int c;
        relay_arg *a;
        pf.fd = p->lfd;
        pf.events = POLLIN;
        if (poll(&pf, 1, 100) <= 0)
            continue;
        c = accept(p->lfd, NULL, NULL);
        if (c < 0)
            continue;
        a = (relay_arg *)malloc(sizeof(*a));
        CHECK(a != NULL);
        a->p = p;
        a->fd = c;
        pthread_mutex_lock(&p->mu);
        CHECK(p->nrelays < MAX_RELAYS);
        p->accepted++;
        CHECK(pthread_create(&p->relays[p->nrelays++], NULL, relay_main, a) == 0);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

static proxy *proxy_start(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    proxy *p = (proxy *)calloc(1, sizeof(*p));

    CHECK(p != NULL);
    pthread_mutex_init(&p->mu, NULL);
    p->lfd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(p->lfd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(p->lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK(listen(p->lfd, 16) == 0);
    CHECK(getsockname(p->lfd, (struct sockaddr *)&sa, &len) == 0);
    p->port = ntohs(sa.sin_port);
    CHECK(pthread_create(&p->acceptor, NULL, acceptor_main, p) == 0);
    return p;
}

static void proxy_stop(proxy *p)
{
    int i;
    p->stop = 1;
    pthread_join(p->acceptor, NULL);
    for (i = 0; i < p->nrelays; i++)
        pthread_join(p->relays[i], NULL);
    close(p->lfd);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

static int proxy_accepted(proxy *p)
{
    int n;
    pthread_mutex_lock(&p->mu);
    n = p->accepted;
    pthread_mutex_unlock(&p->mu);
    return n;
}

static int proxy_captured(proxy *p, const char *needle)
{
    size_t i, n = strlen(needle);
    int found = 0;
    pthread_mutex_lock(&p->mu);
    for (i = 0; !found && i + n <= p->ncaptured; i++)
        found = memcmp(p->captured + i, needle, n) == 0;
    pthread_mutex_unlock(&p->mu);
    return found;
}

/* ------------------------------------------------------------------ */
/* The program's proxy connection handler                               */

typedef struct {
    pthread_mutex_t mu;
    int proxy_port;
    int calls;
    int bad_calls; /* calls with another host or port than expected */
    int want_port;
    natsStatus fail_with;
} handler_ctx;

static natsStatus proxy_handler(natsSock *fd, char *host, int port, void *closure)
{
    handler_ctx *h = (handler_ctx *)closure;
    unsigned char req[300], rep[10];
    size_t hl = strlen(host), n = 0;
    natsStatus fail;
    int s;

    pthread_mutex_lock(&h->mu);
    h->calls++;
    if (strcmp(host, HIDDEN_HOST) != 0 || port != h->want_port)
        h->bad_calls++;
    fail = h->fail_with;
    pthread_mutex_unlock(&h->mu);
    if (fail != NATS_OK)
        return fail;

    s = tcp_connect_local(h->proxy_port);
    if (s < 0)
        return NATS_ERR;
    {
        /* A proxy that does not answer fails this attempt instead of
         * holding the reconnect thread (the library clears the timeout
         * of the socket it is handed). */
        struct timeval tv = {2, 0};
        CHECK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
    }
    req[n++] = 5;
    req[n++] = 1;
    req[n++] = 0;
    if (write_full(s, req, 3) != 0 || read_full(s, rep, 2) != 0 || rep[1] != 0)
        goto fail;
    n = 0;
    req[n++] = 5;
    req[n++] = 1;
    req[n++] = 0;
    req[n++] = 3;
    req[n++] = (unsigned char)hl;
    memcpy(req + n, host, hl);
    n += hl;
    req[n++] = (unsigned char)(port >> 8);
    req[n++] = (unsigned char)(port & 0xff);
    if (write_full(s, req, n) != 0 || read_full(s, rep, sizeof(rep)) != 0 || rep[1] != 0)
        goto fail;
    *fd = s;
    return NATS_OK;
fail:
    close(s);
    return NATS_ERR;
}

static void handler_init(handler_ctx *h, proxy *p, int want_port)
{
    memset(h, 0, sizeof(*h));
    pthread_mutex_init(&h->mu, NULL);
    h->proxy_port = p->port;
    h->want_port = want_port;
    h->fail_with = NATS_OK;
}

static int handler_calls(handler_ctx *h, int *bad)
{
    int n;
    pthread_mutex_lock(&h->mu);
    n = h->calls;
    if (bad != NULL)
        *bad = h->bad_calls;
    pthread_mutex_unlock(&h->mu);
    return n;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

static natsOptions *hidden_opts(int port)
{
    natsOptions *o = NULL;
    char url[128];
    snprintf(url, sizeof(url), "nats://%s:%d", HIDDEN_HOST, port);
    CHECK_OK(natsOptions_Create(&o));
    CHECK_OK(natsOptions_SetURL(o, url));
    CHECK_OK(natsOptions_SetTimeout(o, 5000));
    return o;
}

static void echo_cb(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    char buf[128];
    (void)sub;
    (void)closure;
    snprintf(buf, sizeof(buf), "re:%.*s", natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
    natsConnection_PublishString(nc, natsMsg_GetReply(msg), buf);
    natsMsg_Destroy(msg);
}

static void expect_next(natsSubscription *sub, const char *want)
{
    natsMsg *m = NULL;
    CHECK_OK(natsSubscription_NextMsg(&m, sub, 5000));
    CHECK_STR(natsMsg_GetData(m), want);
    natsMsg_Destroy(m);
}

typedef struct {
    pthread_mutex_t mu;
    int reconnected;
} events;

static void on_reconnected(natsConnection *nc, void *closure)
{
    events *e = (events *)closure;
    (void)nc;
    pthread_mutex_lock(&e->mu);
    e->reconnected++;
    pthread_mutex_unlock(&e->mu);
}

static int reconnects(events *e)
{
    int n;
    pthread_mutex_lock(&e->mu);
    n = e->reconnected;
    pthread_mutex_unlock(&e->mu);
    return n;
}

/* ------------------------------------------------------------------ */
/* Test cases                                                           */

TEST(proxy_pub_sub_request)
{
    test_server *srv = test_server_start();
    proxy *p = proxy_start();
    handler_ctx h;
    natsOptions *o = hidden_opts(srv->port);
    natsConnection *nc = NULL, *direct = NULL;
    natsSubscription *sub = NULL, *responder = NULL;
    natsMsg *reply = NULL;
    int bad = -1;

    handler_init(&h, p, srv->port);
    /* Without the handler the hidden host cannot be reached. */
    CHECK_STATUS(natsConnection_Connect(&nc, o), NATS_NO_SERVER);
    CHECK(nc == NULL);
    CHECK_EQ_INT(proxy_accepted(p), 0);

    CHECK_OK(natsOptions_SetProxyConnHandler(o, proxy_handler, &h));
    CHECK_OK(natsConnection_Connect(&nc, o));
    CHECK_EQ_INT(handler_calls(&h, &bad), 1);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(proxy_accepted(p), 1);

    CHECK_OK(natsConnection_ConnectTo(&direct, srv->url));
    CHECK_OK(natsConnection_Subscribe(&responder, direct, "svc.echo", echo_cb, NULL));
    CHECK_OK(natsConnection_Flush(direct));

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "proxied.>"));
    CHECK_OK(natsConnection_PublishString(nc, "proxied.one", "c-payload-through-the-proxy"));
    expect_next(sub, "c-payload-through-the-proxy");
    CHECK_OK(natsConnection_RequestString(&reply, nc, "svc.echo", "c-ping", 5000));
    CHECK_STR(natsMsg_GetData(reply), "re:c-ping");
    natsMsg_Destroy(reply);

    CHECK(proxy_captured(p, "CONNECT {"));
    CHECK(proxy_captured(p, "c-payload-through-the-proxy"));
    CHECK(proxy_captured(p, "c-ping"));
    CHECK_EQ_INT(proxy_accepted(p), 1);

    natsSubscription_Destroy(sub);
    natsSubscription_Destroy(responder);
    natsConnection_Destroy(nc);
    natsConnection_Destroy(direct);
    natsOptions_Destroy(o);
    proxy_stop(p);
    pthread_mutex_destroy(&h.mu);
    test_server_stop(srv);
}

TEST(proxy_reconnect)
{
    test_server *srv = test_server_start();
    proxy *p = proxy_start();
    int name_port = srv->port, calls_before, bad = -1;
    handler_ctx h;
    events ev;
    natsOptions *o = hidden_opts(name_port);
    natsConnection *nc = NULL;
    natsSubscription *sub = NULL;
    int64_t deadline;

    memset(&ev, 0, sizeof(ev));
    pthread_mutex_init(&ev.mu, NULL);
    handler_init(&h, p, name_port);
    CHECK_OK(natsOptions_SetProxyConnHandler(o, proxy_handler, &h));
    CHECK_OK(natsOptions_SetReconnectWait(o, 100));
    CHECK_OK(natsOptions_SetMaxReconnect(o, -1));
    CHECK_OK(natsOptions_SetReconnectedCB(o, on_reconnected, &ev));
    CHECK_OK(natsConnection_Connect(&nc, o));
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "after.restart"));
    CHECK_OK(natsConnection_PublishString(nc, "after.restart", "before"));
    expect_next(sub, "before");
    calls_before = handler_calls(&h, NULL);
    CHECK_EQ_INT(calls_before, 1);

    /* The server goes away; another one comes up elsewhere, and the
     * proxy sends the same name there from now on. Meanwhile the proxy
     * refuses the name: the old port may be reused at once by a server of
     * a test running beside this one. */
    pthread_mutex_lock(&p->mu);
    p->upstream_port = -1;
    pthread_mutex_unlock(&p->mu);
    test_server_stop(srv);
    srv = test_server_start();
    pthread_mutex_lock(&p->mu);
    p->upstream_port = srv->port;
    pthread_mutex_unlock(&p->mu);

    deadline = test_now_ms() + WAIT_MS;
    while (reconnects(&ev) == 0 && test_now_ms() < deadline)
        test_sleep_ms(10);
    CHECK_EQ_INT(reconnects(&ev), 1);
    /* The handler was called again, with the same host and port. */
    CHECK(handler_calls(&h, &bad) > calls_before);
    CHECK_EQ_INT(bad, 0);
    CHECK(proxy_accepted(p) >= 2);
    /* The subscription was sent again over the new proxied socket. */
    CHECK_OK(natsConnection_PublishString(nc, "after.restart", "after"));
    expect_next(sub, "after");
    CHECK(proxy_captured(p, "after"));

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(o);
    proxy_stop(p);
    pthread_mutex_destroy(&h.mu);
    pthread_mutex_destroy(&ev.mu);
    test_server_stop(srv);
}

TEST(proxy_handler_error)
{
    test_server *srv = test_server_start();
    proxy *p = proxy_start();
    handler_ctx h;
    natsOptions *o = hidden_opts(srv->port);
    natsConnection *nc = NULL;
    natsStatus st = NATS_OK;
    const char *text;

    handler_init(&h, p, srv->port);
    h.fail_with = NATS_NOT_PERMITTED;
    CHECK_OK(natsOptions_SetProxyConnHandler(o, proxy_handler, &h));
    /* As cnats: a failed socket open makes the connect NATS_NO_SERVER. */
    CHECK_STATUS(natsConnection_Connect(&nc, o), NATS_NO_SERVER);
    CHECK(nc == NULL);
    text = nats_GetLastError(&st);
    CHECK_STATUS(st, NATS_NO_SERVER);
    CHECK(text != NULL && strstr(text, "NATS_NOT_PERMITTED") != NULL);
    CHECK(strstr(text, HIDDEN_HOST) != NULL);
    CHECK_EQ_INT(handler_calls(&h, NULL), 1);
    CHECK_EQ_INT(proxy_accepted(p), 0);

    /* NULL opts; NULL handler removes it. */
    CHECK_STATUS(natsOptions_SetProxyConnHandler(NULL, proxy_handler, &h), NATS_INVALID_ARG);
    h.fail_with = NATS_OK;
    CHECK_OK(natsConnection_Connect(&nc, o));
    natsConnection_Destroy(nc);
    nc = NULL;
    CHECK_OK(natsOptions_SetProxyConnHandler(o, NULL, NULL));
    CHECK_STATUS(natsConnection_Connect(&nc, o), NATS_NO_SERVER);
    CHECK_EQ_INT(handler_calls(&h, NULL), 2);

    natsOptions_Destroy(o);
    proxy_stop(p);
    pthread_mutex_destroy(&h.mu);
    test_server_stop(srv);
}

/* ------------------------------------------------------------------ */
/* TLS through the proxy                                                */

#define ROOT_CA test_cert_file("rootCA.pem")
#define SERVER_CERT test_cert_file("server-cert.pem")
#define SERVER_KEY test_cert_file("server-key.pem")
#define UNTRUSTED_CA test_cert_file("untrusted-ca.pem")

/* A server that requires TLS (certificate for localhost/127.0.0.1), with
 * long TLS and auth timeouts for the valgrind variants. */
static test_server *tls_server(void)
{
    const char *args[6];
    args[0] = "--tls";
    args[1] = "--tlscert";
    args[2] = SERVER_CERT;
    args[3] = "--tlskey";
    args[4] = SERVER_KEY;
    args[5] = NULL;
    return test_server_start_full("tls { timeout: 30 }\nauthorization { timeout: 30 }\n", args);
}

/* tls://<hidden host>:<port> through the proxy handler. The certificate
 * names localhost, not the hidden host, so the expected host name is set
 * unless `name` is NULL. */
static natsOptions *tls_hidden_opts(int port, handler_ctx *h, const char *ca, const char *name)
{
    natsOptions *o = NULL;
    char url[128];
    snprintf(url, sizeof(url), "tls://%s:%d", HIDDEN_HOST, port);
    CHECK_OK(natsOptions_Create(&o));
    CHECK_OK(natsOptions_SetURL(o, url));
    CHECK_OK(natsOptions_SetTimeout(o, WAIT_MS));
    CHECK_OK(natsOptions_SetProxyConnHandler(o, proxy_handler, h));
    CHECK_OK(natsOptions_LoadCATrustedCertificates(o, ca));
    if (name != NULL)
        CHECK_OK(natsOptions_SetExpectedHostname(o, name));
    return o;
}

/* The connect fails with NATS_SSL_ERROR, also the thread's last error. */
static void connect_ssl_error(natsOptions *o, const char *file, int line)
{
    natsConnection *nc = NULL;
    natsStatus s = natsConnection_Connect(&nc, o);
    natsStatus ls = NATS_OK;
    const char *text = nats_GetLastError(&ls);

    if (s != NATS_SSL_ERROR || ls != NATS_SSL_ERROR)
        test_fail(file, line, "connect returned %d (%s), last error %d \"%s\"; expected NATS_SSL_ERROR", (int)s,
                  natsStatus_GetText(s), (int)ls, text ? text : "(null)");
    if (nc != NULL)
        test_fail(file, line, "a connection was handed out on failure");
    if (text == NULL || text[0] == '\0')
        test_fail(file, line, "no last error text");
}
#define CONNECT_SSL_ERROR(o) connect_ssl_error((o), __FILE__, __LINE__)

TEST(proxy_tls)
{
    test_server *srv = tls_server();
    proxy *p = proxy_start();
    handler_ctx h;
    natsOptions *o;
    natsConnection *nc = NULL;
    natsSubscription *sub = NULL;
    char url[128];
    int bad = -1;

    handler_init(&h, p, srv->port);
    o = tls_hidden_opts(srv->port, &h, ROOT_CA, "localhost");
    CHECK_OK(natsConnection_Connect(&nc, o));
    CHECK(natsConnection_IsClosed(nc) == false);
    CHECK_OK(natsConnection_GetConnectedUrl(nc, url, sizeof(url)));
    CHECK(strncmp(url, "tls://" HIDDEN_HOST ":", strlen("tls://" HIDDEN_HOST ":")) == 0);
    CHECK_EQ_INT(handler_calls(&h, &bad), 1);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(proxy_accepted(p), 1);

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "proxied.tls"));
    CHECK_OK(natsConnection_PublishString(nc, "proxied.tls", "c-secret-through-the-proxy"));
    expect_next(sub, "c-secret-through-the-proxy");
    CHECK_EQ_INT(proxy_accepted(p), 1);
    /* The proxy carried only ciphertext: no CONNECT, no payload. */
    CHECK(!proxy_captured(p, "CONNECT {"));
    CHECK(!proxy_captured(p, "c-secret-through-the-proxy"));
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    nc = NULL;
    natsOptions_Destroy(o);

    /* A CA that did not sign the server's certificate. */
    o = tls_hidden_opts(srv->port, &h, UNTRUSTED_CA, "localhost");
    CONNECT_SSL_ERROR(o);
    natsOptions_Destroy(o);
    /* The right CA, but the certificate does not name the hidden host. */
    o = tls_hidden_opts(srv->port, &h, ROOT_CA, NULL);
    CONNECT_SSL_ERROR(o);
    natsOptions_Destroy(o);
    /* Both failures went through the handler and the proxy. */
    CHECK_EQ_INT(handler_calls(&h, &bad), 3);
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(proxy_accepted(p), 3);

    proxy_stop(p);
    pthread_mutex_destroy(&h.mu);
    test_server_stop(srv);
}

static const test_case tests[] = {
    T(proxy_pub_sub_request),
    T(proxy_reconnect),
    T(proxy_handler_error),
    T(proxy_tls),
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

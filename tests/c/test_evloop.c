/*
 * External event loops: rnats' own adapters <nats/adapters/libuv.h> and
 * <nats/adapters/libevent.h> with Debian's libuv and libevent, against a
 * real nats-server. The loop runs on the program's main thread (where the
 * connections are made, as the libuv adapter requires); a "driver" thread
 * publishes, requests, restarts the server and finally destroys the
 * connections, after which the loop has nothing left and returns.
 *
 * The TLS cases use the certificates of the c_tls_certs fixture (see
 * test_tls.c).
 */
#include "test.h"

#include <nats/adapters/libevent.h>
#include <nats/adapters/libuv.h>

#include <pthread.h>

#define WAIT_MS 20000 /* upper bound only, never a pass/fail criterion */

enum { UV = 1, EV = 2 };

/* ---- counters shared with callbacks on library threads ---- */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int n;
} counter;

static void counter_init(counter *c)
{
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->n = 0;
}

static void counter_add(counter *c)
{
    pthread_mutex_lock(&c->mu);
    c->n++;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static int counter_get(counter *c)
{
    int n;
    pthread_mutex_lock(&c->mu);
    n = c->n;
    pthread_mutex_unlock(&c->mu);
    return n;
}

/* Waits until the count reaches `want` (bounded by WAIT_MS). */
static int counter_wait(counter *c, int want)
{
    int64_t deadline = test_now_ms() + WAIT_MS;
    int n;
    while ((n = counter_get(c)) < want && test_now_ms() < deadline)
        test_sleep_ms(5);
    return n;
}

static void counter_fini(counter *c)
{
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
}

static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    counter_add((counter *)closure);
    natsMsg_Destroy(msg);
}

/* Answers "re:<data>". */
static void on_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    char answer[128];
    (void)sub;
    (void)closure;
    snprintf(answer, sizeof(answer), "re:%s", natsMsg_GetData(msg));
    natsConnection_PublishString(nc, natsMsg_GetReply(msg), answer);
    natsMsg_Destroy(msg);
}

static void on_event(natsConnection *nc, void *closure)
{
    (void)nc;
    counter_add((counter *)closure);
}

/* ---- the loop ---- */

typedef struct {
    int kind;
    uv_loop_t uv;
    struct event_base *base;
} tloop;

static void loop_init(tloop *l, int kind)
{
    memset(l, 0, sizeof(*l));
    l->kind = kind;
    if (kind == UV) {
        natsLibuv_Init();
        CHECK(uv_loop_init(&l->uv) == 0);
        natsLibuv_SetThreadLocalLoop(&l->uv);
    } else {
        natsLibevent_Init();
        l->base = event_base_new();
        CHECK(l->base != NULL);
    }
}

static void loop_set(tloop *l, natsOptions *o)
{
    if (l->kind == UV)
        CHECK_OK(natsOptions_SetEventLoop(o, (void *)&l->uv, natsLibuv_Attach, natsLibuv_Read, natsLibuv_Write,
                                          natsLibuv_Detach));
    else
        CHECK_OK(natsOptions_SetEventLoop(o, (void *)l->base, natsLibevent_Attach, natsLibevent_Read,
                                          natsLibevent_Write, natsLibevent_Detach));
}

/* Runs until the loop has nothing left (all connections detached). */
static void loop_run(tloop *l)
{
    if (l->kind == UV)
        CHECK(uv_run(&l->uv, UV_RUN_DEFAULT) == 0);
    else
        CHECK(event_base_dispatch(l->base) == 1); /* 1: no events left */
}

static void loop_fini(tloop *l)
{
    if (l->kind == UV) {
        /* Every handle of the adapter was closed. */
        CHECK_EQ_INT(uv_loop_close(&l->uv), 0);
    } else {
        event_base_free(l->base);
    }
}

/* ---- TLS ---- */

static test_server *tls_server(void)
{
    const char *args[6];
    args[0] = "--tls";
    args[1] = "--tlscert";
    args[2] = test_cert_file("server-cert.pem");
    args[3] = "--tlskey";
    args[4] = test_cert_file("server-key.pem");
    args[5] = NULL;
    return test_server_start_full("tls { timeout: 30 }\n", args);
}

/* ---- connections ---- */

typedef struct {
    counter reconnected;
    counter closed;
} conn_events;

static natsConnection *connect_on(tloop *l, test_server *s, int tls, conn_events *ev)
{
    natsOptions *o = NULL;
    natsConnection *nc = NULL;
    char url[128];

    CHECK_OK(natsOptions_Create(&o));
    snprintf(url, sizeof(url), "%s://127.0.0.1:%d", tls ? "tls" : "nats", s->port);
    CHECK_OK(natsOptions_SetURL(o, url));
    CHECK_OK(natsOptions_SetTimeout(o, 20000));
    CHECK_OK(natsOptions_SetReconnectWait(o, 50));
    CHECK_OK(natsOptions_SetMaxReconnect(o, -1));
    if (tls) {
        CHECK_OK(natsOptions_SetSecure(o, true));
        CHECK_OK(natsOptions_LoadCATrustedCertificates(o, test_cert_file("rootCA.pem")));
    }
    if (ev != NULL) {
        CHECK_OK(natsOptions_SetReconnectedCB(o, on_event, &ev->reconnected));
        CHECK_OK(natsOptions_SetClosedCB(o, on_event, &ev->closed));
    }
    loop_set(l, o);
    CHECK_OK(natsConnection_Connect(&nc, o));
    natsOptions_Destroy(o);
    return nc;
}

/* Pub/sub and request/reply on `nc`, from a thread other than the loop's. */
static void exercise(natsConnection *nc, const char *tag)
{
    natsSubscription *data = NULL, *svc = NULL;
    natsMsg *reply = NULL;
    counter got;
    char subj[64], svc_subj[64];
    int i;

    counter_init(&got);
    snprintf(subj, sizeof(subj), "%s.data", tag);
    snprintf(svc_subj, sizeof(svc_subj), "%s.svc", tag);
    CHECK_OK(natsConnection_Subscribe(&data, nc, subj, on_msg, &got));
    CHECK_OK(natsConnection_Subscribe(&svc, nc, svc_subj, on_request, NULL));
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < 100; i++)
        CHECK_OK(natsConnection_PublishString(nc, subj, "x"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_EQ_INT(counter_wait(&got, 100), 100);
    CHECK_OK(natsConnection_RequestString(&reply, nc, svc_subj, "hello", WAIT_MS));
    CHECK_STR(natsMsg_GetData(reply), "re:hello");
    natsMsg_Destroy(reply);
    natsSubscription_Destroy(data);
    natsSubscription_Destroy(svc);
    counter_fini(&got);
}

/* ---- scenarios ---- */

typedef struct {
    tloop *loop;
    test_server *srv;
    int tls;
    natsConnection *ncs[10];
    int count;
    conn_events ev;
    void (*body)(void *);
} scenario;

static void *driver_main(void *arg)
{
    scenario *sc = (scenario *)arg;
    sc->body(sc);
    return NULL;
}

/* Connects on the loop's thread, runs `body` on a driver thread while the
 * loop runs, and returns once the loop has nothing left. */
static void run_scenario(int kind, int tls, int count, void (*body)(void *), scenario *sc)
{
    tloop l;
    pthread_t driver;
    int i;

    memset(sc, 0, sizeof(*sc));
    counter_init(&sc->ev.reconnected);
    counter_init(&sc->ev.closed);
    loop_init(&l, kind);
    sc->loop = &l;
    sc->tls = tls;
    sc->srv = tls ? tls_server() : test_server_start();
    sc->count = count;
    sc->body = body;
    for (i = 0; i < count; i++)
        sc->ncs[i] = connect_on(&l, sc->srv, tls, i == 0 ? &sc->ev : NULL);
    CHECK(pthread_create(&driver, NULL, driver_main, sc) == 0);
    loop_run(&l);
    CHECK(pthread_join(driver, NULL) == 0);
    loop_fini(&l);
    /* The closed callback of the first connection ran. */
    CHECK_EQ_INT(counter_wait(&sc->ev.closed, 1), 1);
    test_server_stop(sc->srv);
    counter_fini(&sc->ev.reconnected);
    counter_fini(&sc->ev.closed);
}

static void body_pubsub(void *arg)
{
    scenario *sc = (scenario *)arg;
    exercise(sc->ncs[0], "evloop");
    natsConnection_Destroy(sc->ncs[0]);
}


static void body_reconnect(void *arg)
{
    scenario *sc = (scenario *)arg;
    natsConnection *nc = sc->ncs[0];
    natsSubscription *sub = NULL;
    counter got;

    counter_init(&got);
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "before.restart", on_msg, &got));
    CHECK_OK(natsConnection_Flush(nc));
    test_server_restart(sc->srv);
    CHECK_EQ_INT(counter_wait(&sc->ev.reconnected, 1), 1);
    /* The subscription made before the restart is back. */
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(natsConnection_PublishString(nc, "before.restart", "x"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_EQ_INT(counter_wait(&got, 1), 1);
    exercise(nc, "after");
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    counter_fini(&got);
}

static void body_ten(void *arg)
{
    scenario *sc = (scenario *)arg;
    natsSubscription *subs[10];
    counter got;
    char subj[32];
    int i, j;

    counter_init(&got);
    for (i = 0; i < sc->count; i++) {
        snprintf(subj, sizeof(subj), "ten.%d", i);
        CHECK_OK(natsConnection_Subscribe(&subs[i], sc->ncs[i], subj, on_msg, &got));
        CHECK_OK(natsConnection_Flush(sc->ncs[i]));
    }
    /* Each connection publishes to the next one. */
    for (i = 0; i < sc->count; i++) {
        snprintf(subj, sizeof(subj), "ten.%d", (i + 1) % sc->count);
        for (j = 0; j < 20; j++)
            CHECK_OK(natsConnection_PublishString(sc->ncs[i], subj, "m"));
        CHECK_OK(natsConnection_Flush(sc->ncs[i]));
    }
    CHECK_EQ_INT(counter_wait(&got, 20 * sc->count), 20 * sc->count);
    for (i = 0; i < sc->count; i++) {
        natsSubscription_Destroy(subs[i]);
        natsConnection_Destroy(sc->ncs[i]);
    }
    counter_fini(&got);
}

/* Close and destroy from a callback of the loop (on its thread). */
static scenario *in_loop_sc;
static uv_async_t in_loop_async;

static void close_in_loop(scenario *sc)
{
    natsConnection_Close(sc->ncs[0]);
    CHECK(natsConnection_IsClosed(sc->ncs[0]));
    natsConnection_Destroy(sc->ncs[0]);
}

static void uv_in_loop_cb(uv_async_t *a)
{
    close_in_loop(in_loop_sc);
    uv_close((uv_handle_t *)a, NULL);
}

static void ev_in_loop_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    close_in_loop(in_loop_sc);
}

static void body_close_in_loop(void *arg)
{
    scenario *sc = (scenario *)arg;
    exercise(sc->ncs[0], "inloop");
    /* Something buffered: Close on the loop's thread must not wait for
     * the loop. */
    CHECK_OK(natsConnection_PublishString(sc->ncs[0], "inloop.late", "x"));
    if (sc->loop->kind == UV)
        CHECK(uv_async_send(&in_loop_async) == 0);
    else
        CHECK(event_base_once(sc->loop->base, -1, EV_TIMEOUT, ev_in_loop_cb, NULL, NULL) == 0);
}

static void close_in_loop_case(int kind)
{
    /* As run_scenario, plus (libuv) the wake-up handle that brings the
     * close onto the loop's thread, made before the loop runs. */
    tloop l;
    pthread_t driver;
    scenario sc;

    memset(&sc, 0, sizeof(sc));
    counter_init(&sc.ev.reconnected);
    counter_init(&sc.ev.closed);
    loop_init(&l, kind);
    sc.loop = &l;
    sc.srv = test_server_start();
    sc.count = 1;
    sc.body = body_close_in_loop;
    sc.ncs[0] = connect_on(&l, sc.srv, 0, &sc.ev);
    in_loop_sc = &sc;
    if (kind == UV)
        CHECK(uv_async_init(&l.uv, &in_loop_async, uv_in_loop_cb) == 0);
    CHECK(pthread_create(&driver, NULL, driver_main, &sc) == 0);
    loop_run(&l);
    CHECK(pthread_join(driver, NULL) == 0);
    loop_fini(&l);
    CHECK_EQ_INT(counter_wait(&sc.ev.closed, 1), 1);
    test_server_stop(sc.srv);
    counter_fini(&sc.ev.reconnected);
    counter_fini(&sc.ev.closed);
}

/* ---- cases ---- */

static scenario sc_;

TEST(evloop_uv_pubsub_request) { run_scenario(UV, 0, 1, body_pubsub, &sc_); }
TEST(evloop_ev_pubsub_request) { run_scenario(EV, 0, 1, body_pubsub, &sc_); }
TEST(evloop_uv_reconnect) { run_scenario(UV, 0, 1, body_reconnect, &sc_); }
TEST(evloop_ev_reconnect) { run_scenario(EV, 0, 1, body_reconnect, &sc_); }
TEST(evloop_uv_ten_connections) { run_scenario(UV, 0, 10, body_ten, &sc_); }
TEST(evloop_ev_ten_connections) { run_scenario(EV, 0, 10, body_ten, &sc_); }
TEST(evloop_uv_close_in_loop) { close_in_loop_case(UV); }
TEST(evloop_ev_close_in_loop) { close_in_loop_case(EV); }
TEST(evloop_tls_uv_pubsub_request) { run_scenario(UV, 1, 1, body_pubsub, &sc_); }
TEST(evloop_tls_ev_pubsub_request) { run_scenario(EV, 1, 1, body_pubsub, &sc_); }
TEST(evloop_tls_uv_reconnect) { run_scenario(UV, 1, 1, body_reconnect, &sc_); }
TEST(evloop_tls_ev_reconnect) { run_scenario(EV, 1, 1, body_reconnect, &sc_); }

static const test_case tests[] = {
    T(evloop_uv_pubsub_request),
    T(evloop_ev_pubsub_request),
    T(evloop_uv_reconnect),
    T(evloop_ev_reconnect),
    T(evloop_uv_ten_connections),
    T(evloop_ev_ten_connections),
    T(evloop_uv_close_in_loop),
    T(evloop_ev_close_in_loop),
    T(evloop_tls_uv_pubsub_request),
    T(evloop_tls_ev_pubsub_request),
    T(evloop_tls_uv_reconnect),
    T(evloop_tls_ev_reconnect),
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

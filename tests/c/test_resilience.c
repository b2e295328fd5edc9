/* Resilience through the C API, short enough to run under valgrind:
 * fail-over between two servers with callbacks, and concurrent
 * publishers on one connection. */
#include "test.h"

#include <nats/nats.h>
#include <pthread.h>

#define WAIT_MS 20000

typedef struct {
    pthread_mutex_t mu;
    int disconnected;
    int reconnected;
    int closed;
    int received;
    int out_of_order;
    int next[8];
} counters;

static counters g = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, 0, {0}};

static int get(int *v)
{
    int r;
    pthread_mutex_lock(&g.mu);
    r = *v;
    pthread_mutex_unlock(&g.mu);
    return r;
}

static void wait_until(int *v, int want)
{
    int64_t deadline = test_now_ms() + WAIT_MS;
    while (get(v) < want && test_now_ms() < deadline)
        test_sleep_ms(10);
    CHECK_EQ_INT(get(v), want);
}

static void on_disconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    (void)closure;
    pthread_mutex_lock(&g.mu);
    g.disconnected++;
    pthread_mutex_unlock(&g.mu);
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    (void)closure;
    pthread_mutex_lock(&g.mu);
    g.reconnected++;
    pthread_mutex_unlock(&g.mu);
}

static void on_closed(natsConnection *nc, void *closure)
{
    (void)nc;
    (void)closure;
    pthread_mutex_lock(&g.mu);
    g.closed++;
    pthread_mutex_unlock(&g.mu);
}

/* Payload "<thread>:<index>"; checks per-thread order. */
static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    int t = 0, i = 0;
    (void)nc;
    (void)sub;
    (void)closure;
    if (sscanf(natsMsg_GetData(msg), "%d:%d", &t, &i) == 2 && t >= 0 && t < 8) {
        pthread_mutex_lock(&g.mu);
        if (g.next[t] != i)
            g.out_of_order++;
        g.next[t] = i + 1;
        g.received++;
        pthread_mutex_unlock(&g.mu);
    }
    natsMsg_Destroy(msg);
}

static void reset(void)
{
    int i;
    pthread_mutex_lock(&g.mu);
    g.disconnected = g.reconnected = g.closed = g.received = g.out_of_order = 0;
    for (i = 0; i < 8; i++)
        g.next[i] = 0;
    pthread_mutex_unlock(&g.mu);
}

TEST(failover_between_two_servers)
{
    test_server *s1 = test_server_start();
    test_server *s2 = test_server_start();
    const char *servers[2];
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    natsSubscription *sub = NULL;
    char buf[32];
    const char *url;
    int i;

    reset();
    servers[0] = s1->url;
    servers[1] = s2->url;
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetServers(opts, servers, 2));
    CHECK_OK(natsOptions_SetNoRandomize(opts, true));
    CHECK_OK(natsOptions_SetReconnectWait(opts, 50));
    CHECK_OK(natsOptions_SetDisconnectedCB(opts, on_disconnected, NULL));
    CHECK_OK(natsOptions_SetReconnectedCB(opts, on_reconnected, NULL));
    CHECK_OK(natsOptions_SetClosedCB(opts, on_closed, NULL));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "fo", on_msg, NULL));
    CHECK_OK(natsConnection_Flush(nc));

    test_server_stop(s1);
    wait_until(&g.reconnected, 1);
    CHECK(!natsConnection_IsReconnecting(nc));
    CHECK_OK(natsConnection_GetConnectedUrl(nc, buf, sizeof(buf)));
    url = s2->url;
    CHECK_STR(buf, url);

    /* The subscription is back on the second server. */
    for (i = 0; i < 100; i++) {
        char m[32];
        snprintf(m, sizeof(m), "0:%d", i);
        CHECK_OK(natsConnection_PublishString(nc, "fo", m));
    }
    CHECK_OK(natsConnection_Flush(nc));
    wait_until(&g.received, 100);
    CHECK_EQ_INT(get(&g.out_of_order), 0);

    natsSubscription_Destroy(sub);
    natsConnection_Close(nc);
    wait_until(&g.closed, 1);
    /* Once for the failover, once for closing the live connection. */
    wait_until(&g.disconnected, 2);
    CHECK_EQ_INT(get(&g.reconnected), 1);
    natsConnection_Destroy(nc);
    test_server_stop(s2);
}

typedef struct {
    natsConnection *nc;
    int id;
    int count;
} pub_arg;

static void *publisher(void *p)
{
    pub_arg *a = (pub_arg *)p;
    char m[32];
    int i;
    for (i = 0; i < a->count; i++) {
        snprintf(m, sizeof(m), "%d:%d", a->id, i);
        if (natsConnection_PublishString(a->nc, "mt", m) != NATS_OK)
            break;
    }
    return NULL;
}

TEST(concurrent_publishers_short)
{
    enum { THREADS = 4, PER = 2000 };
    test_server *srv = test_server_start();
    natsConnection *pc = NULL, *sc = NULL;
    natsSubscription *sub = NULL;
    pthread_t th[THREADS];
    pub_arg args[THREADS];
    int i;

    reset();
    CHECK_OK(natsConnection_ConnectTo(&sc, srv->url));
    CHECK_OK(natsConnection_Subscribe(&sub, sc, "mt", on_msg, NULL));
    CHECK_OK(natsSubscription_SetPendingLimits(sub, -1, -1));
    CHECK_OK(natsConnection_Flush(sc));
    CHECK_OK(natsConnection_ConnectTo(&pc, srv->url));
    for (i = 0; i < THREADS; i++) {
        args[i].nc = pc;
        args[i].id = i;
        args[i].count = PER;
        CHECK(pthread_create(&th[i], NULL, publisher, &args[i]) == 0);
    }
    for (i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    CHECK_OK(natsConnection_FlushTimeout(pc, WAIT_MS));
    wait_until(&g.received, THREADS * PER);
    CHECK_EQ_INT(get(&g.out_of_order), 0);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(pc);
    natsConnection_Destroy(sc);
    test_server_stop(srv);
}

static const test_case tests[] = {
    T(failover_between_two_servers),
    T(concurrent_publishers_short),
};

int main(int argc, char **argv)
{
    int rc = TEST_MAIN(tests);
    if (rc == 0 && !(argc > 1 && strcmp(argv[1], "--list") == 0)) {
        /* Every library thread must end, so valgrind sees no leak. */
        CHECK_OK(nats_CloseAndWait(WAIT_MS));
    }
    return rc;
}

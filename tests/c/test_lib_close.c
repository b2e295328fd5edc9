/*
 * nats_Close() leaves nothing behind: after every connection is destroyed
 * and nats_Close() has returned, no thread the library started is alive
 * and no memory the library allocated is still reachable (the program is
 * run under valgrind with "possibly lost" counted as an error; see
 * tests/c/CMakeLists.txt and tests/c/check_valgrind_reachable.cmake).
 *
 * Each case runs in its own process (`test_lib_close <name>`).
 */
#include "test.h"

#include <nats/nats.h>

#include <dirent.h>
#include <pthread.h>

#define WAIT_MS 10000

static int task_count(void)
{
    int n = 0;
    struct dirent *e;
    DIR *d = opendir("/proc/self/task");
    CHECK(d != NULL);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.')
            n++;
    }
    closedir(d);
    return n;
}

typedef struct {
    pthread_mutex_t mu;
    int count;
} counter;

static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    counter *c = (counter *)closure;
    (void)sub;
    if (natsMsg_GetReply(msg) != NULL)
        natsConnection_PublishString(nc, natsMsg_GetReply(msg), "pong");
    natsMsg_Destroy(msg);
    pthread_mutex_lock(&c->mu);
    c->count++;
    pthread_mutex_unlock(&c->mu);
}

/* Connect, subscribe (async and sync), request, close, destroy,
 * nats_Close: no library thread is left when nats_Close returns. */
TEST(lib_close_leaves_nothing)
{
    test_server *srv = test_server_start();
    int base = task_count();
    counter c;
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    natsConnection *nc2 = NULL;
    natsSubscription *async_sub = NULL;
    natsSubscription *sync_sub = NULL;
    natsMsg *msg = NULL;
    int i;

    pthread_mutex_init(&c.mu, NULL);
    c.count = 0;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, srv->url));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    CHECK_OK(natsConnection_Connect(&nc2, opts));
    natsOptions_Destroy(opts);

    CHECK_OK(natsConnection_Subscribe(&async_sub, nc, "svc", on_msg, &c));
    CHECK_OK(natsConnection_SubscribeSync(&sync_sub, nc2, "data"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(natsConnection_Flush(nc2));

    for (i = 0; i < 3; i++) {
        CHECK_OK(natsConnection_RequestString(&msg, nc2, "svc", "ping", 5000));
        CHECK_STR(natsMsg_GetData(msg), "pong");
        natsMsg_Destroy(msg);
        msg = NULL;
    }
    CHECK_OK(natsConnection_PublishString(nc, "data", "hello"));
    CHECK_OK(natsSubscription_NextMsg(&msg, sync_sub, 5000));
    CHECK_STR(natsMsg_GetData(msg), "hello");
    natsMsg_Destroy(msg);
    CHECK(task_count() > base);

    natsSubscription_Destroy(async_sub);
    natsSubscription_Destroy(sync_sub);
    natsConnection_Close(nc);
    natsConnection_Close(nc2);
    natsConnection_Destroy(nc);
    natsConnection_Destroy(nc2);

    nats_Close();
    /* nats_Close() waited for the library's threads: none is left. */
    CHECK_EQ_INT(task_count(), base);
    pthread_mutex_destroy(&c.mu);
    test_server_stop(srv);
}

/* The same without an explicit natsConnection_Close (Destroy closes). */
TEST(lib_close_after_destroy_only)
{
    test_server *srv = test_server_start();
    int base = task_count();
    counter c;
    natsConnection *nc = NULL;
    natsSubscription *sub = NULL;
    natsMsg *msg = NULL;

    pthread_mutex_init(&c.mu, NULL);
    c.count = 0;
    CHECK_OK(natsConnection_ConnectTo(&nc, srv->url));
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "svc", on_msg, &c));
    CHECK_OK(natsConnection_RequestString(&msg, nc, "svc", "ping", 5000));
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    nats_Close();
    CHECK_EQ_INT(task_count(), base);
    pthread_mutex_destroy(&c.mu);
    test_server_stop(srv);
}

static const test_case tests[] = {
    T(lib_close_leaves_nothing),
    T(lib_close_after_destroy_only),
};

int main(int argc, char **argv)
{
    return TEST_MAIN(tests);
}

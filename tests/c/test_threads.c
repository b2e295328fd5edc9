/*
 * Thread accounting: after nats_CloseAndWait() no thread the library
 * started is left in the process. The threads are counted in
 * /proc/self/task (Linux), so this checks what the kernel sees, not the
 * library's own counter.
 *
 * Each case runs in its own process (`test_threads <name>`), so the
 * baseline is the test program's own threads only.
 */
#include "test.h"

#include <nats/nats.h>

#include <dirent.h>
#include <pthread.h>

#define WAIT_MS 10000 /* generous upper bound; never a pass/fail criterion */

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

/* Waits (bounded) for the task count to drop to `want`: a thread that
 * has finished its work still needs a moment to leave the kernel's list. */
static int wait_task_count(int want)
{
    int64_t deadline = test_now_ms() + WAIT_MS;
    int n = task_count();
    while (n > want && test_now_ms() < deadline) {
        test_sleep_ms(5);
        n = task_count();
    }
    return n;
}

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int count;
    int closed;
} counter;

static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    counter *c = (counter *)closure;
    (void)nc;
    (void)sub;
    natsMsg_Destroy(msg);
    pthread_mutex_lock(&c->mu);
    c->count++;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->mu);
}

static void on_closed(natsConnection *nc, void *closure)
{
    counter *c = (counter *)closure;
    (void)nc;
    pthread_mutex_lock(&c->mu);
    c->closed++;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->mu);
}

static void wait_count(counter *c, int n)
{
    int64_t deadline = test_now_ms() + WAIT_MS;
    pthread_mutex_lock(&c->mu);
    while (c->count < n && test_now_ms() < deadline) {
        pthread_mutex_unlock(&c->mu);
        test_sleep_ms(5);
        pthread_mutex_lock(&c->mu);
    }
    CHECK_EQ_INT(c->count, n);
    pthread_mutex_unlock(&c->mu);
}

/* Connections with async subscriptions (reader, flusher, delivery and
 * event threads all started), then closed: no thread left. */
TEST(close_and_wait_leaves_no_thread)
{
    test_server *srv = test_server_start();
    int base = task_count();
    counter c;
    natsConnection *nc[3] = {NULL, NULL, NULL};
    natsSubscription *sub[3] = {NULL, NULL, NULL};
    natsOptions *opts = NULL;
    int i, j;

    pthread_mutex_init(&c.mu, NULL);
    pthread_cond_init(&c.cond, NULL);
    c.count = 0;
    c.closed = 0;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, srv->url));
    CHECK_OK(natsOptions_SetClosedCB(opts, on_closed, &c));
    for (i = 0; i < 3; i++) {
        CHECK_OK(natsConnection_Connect(&nc[i], opts));
        CHECK_OK(natsConnection_Subscribe(&sub[i], nc[i], "threads.test", on_msg, &c));
        CHECK_OK(natsConnection_Flush(nc[i]));
    }
    CHECK(task_count() > base);
    for (i = 0; i < 3; i++)
        for (j = 0; j < 10; j++)
            CHECK_OK(natsConnection_PublishString(nc[i], "threads.test", "x"));
    for (i = 0; i < 3; i++)
        CHECK_OK(natsConnection_Flush(nc[i]));
    wait_count(&c, 90);

    for (i = 0; i < 3; i++) {
        natsSubscription_Destroy(sub[i]);
        natsConnection_Close(nc[i]);
        natsConnection_Destroy(nc[i]);
    }
    natsOptions_Destroy(opts);

    CHECK_OK(nats_CloseAndWait(WAIT_MS));
    CHECK_EQ_INT(wait_task_count(base), base);
    pthread_mutex_lock(&c.mu);
    CHECK_EQ_INT(c.closed, 3);
    pthread_mutex_unlock(&c.mu);
    pthread_mutex_destroy(&c.mu);
    pthread_cond_destroy(&c.cond);
}

/* Destroy without an explicit close, and a connection whose server went
 * away (reader in the reconnect loop): still nothing left. */
TEST(close_and_wait_after_server_loss)
{
    test_server *srv = test_server_start();
    int base = task_count();
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    natsSubscription *sub = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, srv->url));
    CHECK_OK(natsOptions_SetMaxReconnect(opts, -1));
    CHECK_OK(natsOptions_SetReconnectWait(opts, 50));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "foo"));
    CHECK_OK(natsConnection_Flush(nc));
    test_server_stop(srv);
    {
        int64_t deadline = test_now_ms() + WAIT_MS;
        while (!natsConnection_IsReconnecting(nc) && test_now_ms() < deadline)
            test_sleep_ms(5);
        CHECK(natsConnection_IsReconnecting(nc));
    }
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    CHECK_OK(nats_CloseAndWait(WAIT_MS));
    CHECK_EQ_INT(wait_task_count(base), base);
}

static const test_case tests[] = {
    T(close_and_wait_leaves_no_thread),
    T(close_and_wait_after_server_loss),
};

int main(int argc, char **argv)
{
    return TEST_MAIN(tests);
}

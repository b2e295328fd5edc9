/*
 * Shared part of the event-loop drop-in programs (evloop_libuv.c,
 * evloop_libevent.c): compiled against Debian's cnats 3.4.1 headers and
 * its adapters (/usr/include/nats/adapters), so the adapter code inside
 * the program is cnats' own. The loop runs on the main thread; a driver
 * thread publishes, requests, restarts the server (the adapter re-attaches
 * the new socket) and destroys the connection, after which the loop has
 * nothing left and returns.
 */
#ifndef ABI_DROPIN_EVLOOP_COMMON_H_
#define ABI_DROPIN_EVLOOP_COMMON_H_

#include "common.h"

#include <pthread.h>

typedef struct {
    pthread_mutex_t mu;
    int msgs;
    int reconnected;
    int closed;
} ev_counts;

static ev_counts counts = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};

static int count_get(int *field)
{
    int v;
    pthread_mutex_lock(&counts.mu);
    v = *field;
    pthread_mutex_unlock(&counts.mu);
    return v;
}

static void count_add(int *field)
{
    pthread_mutex_lock(&counts.mu);
    (*field)++;
    pthread_mutex_unlock(&counts.mu);
}

/* Waits (bounded) until *field reaches want; returns its value. */
static int count_wait(int *field, int want)
{
    int64_t deadline = test_now_ms() + 20000;
    while (count_get(field) < want && test_now_ms() < deadline)
        test_sleep_ms(5);
    return count_get(field);
}

static void ev_on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    (void)closure;
    count_add(&counts.msgs);
    natsMsg_Destroy(msg);
}

static void ev_on_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    char buf[128];
    (void)sub;
    (void)closure;
    snprintf(buf, sizeof(buf), "re: %s", natsMsg_GetData(msg));
    natsConnection_PublishString(nc, natsMsg_GetReply(msg), buf);
    natsMsg_Destroy(msg);
}

static void ev_on_reconnected(natsConnection *nc, void *closure)
{
    (void)nc;
    (void)closure;
    count_add(&counts.reconnected);
}

static void ev_on_closed(natsConnection *nc, void *closure)
{
    (void)nc;
    (void)closure;
    count_add(&counts.closed);
}

/* Options for a connection on `loop` through the adapter's callbacks. */
static natsOptions *ev_options(const char *url, void *loop, natsEvLoop_Attach a, natsEvLoop_ReadAddRemove r,
                               natsEvLoop_WriteAddRemove w, natsEvLoop_Detach d)
{
    natsOptions *opts = NULL;
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsOptions_SetTimeout(opts, 10000));
    CHECK_OK(natsOptions_SetMaxReconnect(opts, -1));
    CHECK_OK(natsOptions_SetReconnectWait(opts, 50));
    CHECK_OK(natsOptions_SetReconnectedCB(opts, ev_on_reconnected, NULL));
    CHECK_OK(natsOptions_SetClosedCB(opts, ev_on_closed, NULL));
    CHECK_OK(natsOptions_SetEventLoop(opts, loop, a, r, w, d));
    return opts;
}

typedef struct {
    natsConnection *nc;
    test_server *srv;
} ev_driver_arg;

/* Pub/sub and request/reply through the loop. */
static void ev_exercise(natsConnection *nc, const char *tag)
{
    natsSubscription *data = NULL, *svc = NULL;
    natsMsg *reply = NULL;
    char subj[64], svc_subj[64];
    int i, before = count_get(&counts.msgs);

    snprintf(subj, sizeof(subj), "%s.data", tag);
    snprintf(svc_subj, sizeof(svc_subj), "%s.svc", tag);
    CHECK_OK(natsConnection_Subscribe(&data, nc, subj, ev_on_msg, NULL));
    CHECK_OK(natsConnection_Subscribe(&svc, nc, svc_subj, ev_on_request, NULL));
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < 50; i++)
        CHECK_OK(natsConnection_PublishString(nc, subj, "x"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_EQ_INT(count_wait(&counts.msgs, before + 50), before + 50);
    CHECK_OK(natsConnection_RequestString(&reply, nc, svc_subj, "ping", 10000));
    CHECK_STR(natsMsg_GetData(reply), "re: ping");
    natsMsg_Destroy(reply);
    natsSubscription_Destroy(data);
    natsSubscription_Destroy(svc);
}

/* The driver thread: exercise, restart the server, exercise again, destroy. */
static void *ev_driver(void *p)
{
    ev_driver_arg *arg = (ev_driver_arg *)p;

    ev_exercise(arg->nc, "before");
    test_server_restart(arg->srv);
    CHECK_EQ_INT(count_wait(&counts.reconnected, 1), 1);
    ev_exercise(arg->nc, "after");
    natsConnection_Destroy(arg->nc);
    CHECK_EQ_INT(count_wait(&counts.closed, 1), 1);
    return NULL;
}

#endif

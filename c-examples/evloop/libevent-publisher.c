/*
 * libevent-publisher: sends -count messages carrying -txt to -subj with the
 * connection driven by a libevent loop (rnats' <nats/adapters/libevent.h>).
 * The loop runs on the main thread; a second thread publishes and flushes
 * (a flush waits for the server's PONG, which only the running loop can
 * read), then closes the connection: the loop has nothing left and
 * event_base_dispatch returns.
 *
 *   libevent-publisher [-s URL[,URL...]] [-subj foo] [-count 10] [-txt hello]
 */
/* POSIX (threads, uv.h's types) before any system header. */
#define _POSIX_C_SOURCE 200809L

#include "../common.h"

#include <nats/adapters/libevent.h>

#include <pthread.h>

static natsConnection *conn;
static exArgs args;
static natsStatus result = NATS_OK;

static void *
publish(void *unused)
{
    natsStatus s = NATS_OK;
    int        i;

    (void) unused;
    printf("Publishing %d message(s) on '%s' with payload '%s' (libevent loop)\n", args.count, args.subj,
           args.txt);
    for (i = 0; (s == NATS_OK) && (i < args.count); i++)
        s = natsConnection_PublishString(conn, args.subj, args.txt);
    if (s != NATS_OK)
        ex_failed("natsConnection_PublishString", s);
    if (s == NATS_OK)
    {
        s = natsConnection_FlushTimeout(conn, 10000);
        if (s != NATS_OK)
            ex_failed("natsConnection_FlushTimeout", s);
    }
    if (s == NATS_OK)
    {
        printf("Published %d message(s)\n", args.count);
        s = ex_print_stats(conn);
    }
    result = s;
    /* Detaches from the loop, which then ends. */
    natsConnection_Destroy(conn);
    return NULL;
}

int
main(int argc, char **argv)
{
    natsOptions       *opts = NULL;
    struct event_base *base;
    pthread_t          t;
    natsStatus         s;

    args.subj  = "foo";
    args.txt   = "hello";
    args.count = 10;
    if (ex_parse(argc, argv, EX_OPT_COUNT | EX_OPT_TXT, &args) != 0)
        return 2;

    /* libevent's thread support, before the event base is made. */
    natsLibevent_Init();
    base = event_base_new();
    if (base == NULL)
        return 1;

    s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, args.urls);
    if (s == NATS_OK)
        s = natsOptions_SetEventLoop(opts, (void *) base, natsLibevent_Attach, natsLibevent_Read,
                                     natsLibevent_Write, natsLibevent_Detach);
    if (s == NATS_OK)
        s = natsConnection_Connect(&conn, opts);
    natsOptions_Destroy(opts);
    if (s != NATS_OK)
    {
        ex_failed("natsConnection_Connect", s);
        event_base_free(base);
        return 1;
    }
    if (pthread_create(&t, NULL, publish, NULL) != 0)
    {
        natsConnection_Destroy(conn);
        event_base_free(base);
        return 1;
    }
    event_base_dispatch(base);
    pthread_join(t, NULL);
    event_base_free(base);
    nats_Close();
    return (result == NATS_OK) ? 0 : 1;
}

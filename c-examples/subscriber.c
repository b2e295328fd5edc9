/*
 * subscriber: receives -count messages on -subj and prints each, then exits.
 * By default it uses an asynchronous subscription (a callback); with -sync
 * it pulls messages with natsSubscription_NextMsg instead.
 *
 *   subscriber [-s URL[,URL...]] [-subj foo] [-count 10] [-sync] [-wait SECONDS]
 *
 * "Listening on ..." is printed once the subscription is registered with
 * the server, so a script can start publishing after seeing that line.
 */
#include "common.h"

static void
onMsg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    int64_t delivered = 0;

    (void) nc;
    (void) closure;
    /* Ask the subscription how many messages it has handed out so far:
     * this avoids sharing a counter between threads. */
    natsSubscription_GetDelivered(sub, &delivered);
    printf("[#%lld] Received on '%s': '%.*s'\n", (long long) delivered, natsMsg_GetSubject(msg),
           natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
    fflush(stdout);
    natsMsg_Destroy(msg);
}

/*
 * Async mode: the subscription auto-unsubscribes after `count` messages, at
 * which point it is no longer valid; until then, keep an eye on progress so
 * that -wait can give up.
 */
static natsStatus
waitAsync(natsSubscription *sub, int count, int64_t waitSecs)
{
    int64_t deadline = (waitSecs > 0) ? nats_Now() + waitSecs * 1000 : 0;

    while (natsSubscription_IsValid(sub))
    {
        if ((deadline > 0) && (nats_Now() >= deadline))
        {
            int64_t delivered = 0;

            natsSubscription_GetDelivered(sub, &delivered);
            fprintf(stderr, "Error: gave up after %lld s with %lld of %d message(s)\n", (long long) waitSecs,
                    (long long) delivered, count);
            return NATS_TIMEOUT;
        }
        nats_Sleep(20);
    }
    return NATS_OK;
}

/* Sync mode: pulls `count` messages one by one. */
static natsStatus
receiveSync(natsSubscription *sub, int count, int64_t waitSecs)
{
    int64_t    timeout = (waitSecs > 0) ? waitSecs * 1000 : 3600 * 1000;
    natsStatus s       = NATS_OK;
    int        i;

    for (i = 0; (s == NATS_OK) && (i < count); i++)
    {
        natsMsg *msg = NULL;

        s = natsSubscription_NextMsg(&msg, sub, timeout);
        if (s != NATS_OK)
        {
            ex_failed("natsSubscription_NextMsg", s);
            break;
        }
        printf("[#%d] Received on '%s': '%.*s'\n", i + 1, natsMsg_GetSubject(msg), natsMsg_GetDataLength(msg),
               natsMsg_GetData(msg));
        natsMsg_Destroy(msg);
    }
    return s;
}

int
main(int argc, char **argv)
{
    exArgs            a   = {0};
    natsConnection   *nc  = NULL;
    natsSubscription *sub = NULL;
    natsStatus        s;

    a.subj  = "foo";
    a.count = 10;
    if (ex_parse(argc, argv, EX_OPT_COUNT | EX_OPT_SYNC | EX_OPT_WAIT, &a) != 0)
        return 2;

    s = ex_connect(&nc, a.urls, "rnats-example-subscriber");
    if (s == NATS_OK)
    {
        if (a.sync)
            s = natsConnection_SubscribeSync(&sub, nc, a.subj);
        else
            s = natsConnection_Subscribe(&sub, nc, a.subj, onMsg, NULL);
        if (s != NATS_OK)
            ex_failed("subscribe", s);
    }
    if ((s == NATS_OK) && !a.sync)
    {
        s = natsSubscription_AutoUnsubscribe(sub, a.count);
        if (s != NATS_OK)
            ex_failed("natsSubscription_AutoUnsubscribe", s);
    }
    if (s == NATS_OK)
    {
        /* Round-trip to the server so the subscription is known there. */
        s = natsConnection_Flush(nc);
        if (s != NATS_OK)
            ex_failed("natsConnection_Flush", s);
    }
    if (s == NATS_OK)
    {
        printf("Listening on '%s' (%s) for %d message(s)\n", a.subj, a.sync ? "sync" : "async", a.count);
        fflush(stdout);
        s = a.sync ? receiveSync(sub, a.count, a.waitSecs) : waitAsync(sub, a.count, a.waitSecs);
    }
    if (s == NATS_OK)
    {
        printf("Received %d message(s)\n", a.count);
        s = ex_print_stats(nc);
    }

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}

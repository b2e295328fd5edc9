/*
 * queuegroup: starts -n members (default 2) of queue group -q on -subj and
 * waits until the group as a whole has received -count messages. Each
 * message goes to only one member; at the end every member's share is
 * printed.
 *
 *   queuegroup [-s URL[,URL...]] [-subj foo] [-q workers] [-n 2] [-count 10] [-wait SECONDS]
 *
 * "Listening on ..." is printed once all members are registered.
 */
#include "common.h"

#define QG_MAX_MEMBERS 64

static void
onMsg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    int member = *(const int *) closure;

    (void) nc;
    (void) sub;
    printf("Member %d received on '%s': '%.*s'\n", member, natsMsg_GetSubject(msg), natsMsg_GetDataLength(msg),
           natsMsg_GetData(msg));
    fflush(stdout);
    natsMsg_Destroy(msg);
}

/* Reads what each member has been handed so far, and the sum. */
static natsStatus
delivered(natsSubscription **subs, int n, int64_t *each, int64_t *total)
{
    natsStatus s = NATS_OK;
    int        i;

    *total = 0;
    for (i = 0; (s == NATS_OK) && (i < n); i++)
    {
        each[i] = 0;
        s       = natsSubscription_GetDelivered(subs[i], &each[i]);
        *total += each[i];
    }
    return s;
}

int
main(int argc, char **argv)
{
    exArgs            a                     = {0};
    natsConnection   *nc                    = NULL;
    natsSubscription *subs[QG_MAX_MEMBERS]  = {NULL};
    int               ids[QG_MAX_MEMBERS];
    int64_t           each[QG_MAX_MEMBERS];
    int64_t           total                 = 0;
    int64_t           deadline              = 0;
    natsStatus        s;
    int               i;

    a.subj    = "foo";
    a.queue   = "workers";
    a.count   = 10;
    a.members = 2;
    if (ex_parse(argc, argv, EX_OPT_COUNT | EX_OPT_QUEUE | EX_OPT_MEMBERS | EX_OPT_WAIT, &a) != 0)
        return 2;

    s = ex_connect(&nc, a.urls, "rnats-example-queuegroup");
    for (i = 0; (s == NATS_OK) && (i < a.members); i++)
    {
        ids[i] = i + 1;
        s      = natsConnection_QueueSubscribe(&subs[i], nc, a.subj, a.queue, onMsg, &ids[i]);
        if (s != NATS_OK)
            ex_failed("natsConnection_QueueSubscribe", s);
    }
    if (s == NATS_OK)
    {
        s = natsConnection_Flush(nc);
        if (s != NATS_OK)
            ex_failed("natsConnection_Flush", s);
    }
    if (s == NATS_OK)
    {
        printf("Listening on '%s' in queue group '%s' with %d member(s) for %d message(s)\n", a.subj, a.queue,
               a.members, a.count);
        fflush(stdout);
        if (a.waitSecs > 0)
            deadline = nats_Now() + a.waitSecs * 1000;
    }
    while (s == NATS_OK)
    {
        s = delivered(subs, a.members, each, &total);
        if (s != NATS_OK)
            ex_failed("natsSubscription_GetDelivered", s);
        else if (total >= a.count)
            break;
        else if ((deadline > 0) && (nats_Now() >= deadline))
        {
            fprintf(stderr, "Error: gave up with %lld of %d message(s)\n", (long long) total, a.count);
            s = NATS_TIMEOUT;
        }
        else
            nats_Sleep(20);
    }
    /* Report each member's share, then stop the members. */
    for (i = 0; (s == NATS_OK) && (i < a.members); i++)
        printf("Member %d handled %lld message(s)\n", i + 1, (long long) each[i]);
    for (i = 0; (s == NATS_OK) && (i < a.members); i++)
    {
        s = natsSubscription_Unsubscribe(subs[i]);
        if (s != NATS_OK)
            ex_failed("natsSubscription_Unsubscribe", s);
    }
    if (s == NATS_OK)
        printf("Queue group received %lld message(s)\n", (long long) total);

    for (i = 0; i < a.members; i++)
        natsSubscription_Destroy(subs[i]);
    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}

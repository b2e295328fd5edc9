/*
 * js-ordered: an ordered consumer reads a whole stream once, in order.
 *
 * Creates the stream EXORDERED on "<subj>.>" and stores -count messages,
 * then reads them with an ordered consumer (ephemeral, no acks, flow
 * control and heartbeats, recreated by the library on any gap), checking
 * that each arrives once and in stream order. The stream is deleted at
 * the end. Needs a JetStream server (nats-server -js).
 *
 *   js-ordered [-s URL[,URL...]] [-subj history] [-count 100] [-wait SECONDS]
 */
#include "common.h"

#define STREAM "EXORDERED"

static natsStatus
jsFailed(const char *what, natsStatus s, jsErrCode err)
{
    ex_failed(what, s);
    if (err != 0)
        fprintf(stderr, "  (JetStream error code %d)\n", (int) err);
    return s;
}

/* The next stream sequence expected; only the subscription's callback
 * thread touches it. */
typedef struct
{
    uint64_t next;
    int      outOfOrder;
} orderCheck;

static void
onMsg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    orderCheck    *oc   = (orderCheck *) closure;
    jsMsgMetaData *meta = NULL;

    (void) nc;
    (void) sub;
    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK)
    {
        if (meta->Sequence.Stream != oc->next)
        {
            printf("Out of order: stream seq %" PRIu64 ", expected %" PRIu64 "\n", meta->Sequence.Stream, oc->next);
            oc->outOfOrder++;
        }
        oc->next = meta->Sequence.Stream + 1;
        jsMsgMetaData_Destroy(meta);
    }
    natsMsg_Destroy(msg);
}

int
main(int argc, char **argv)
{
    exArgs            a   = {0};
    natsConnection   *nc  = NULL;
    jsCtx            *js  = NULL;
    natsSubscription *sub = NULL;
    jsStreamInfo     *si  = NULL;
    jsErrCode         err = 0;
    jsStreamConfig    cfg;
    jsSubOptions      so;
    orderCheck        oc  = {1, 0};
    char              wildcard[256];
    char              subject[256];
    const char       *subjects[1];
    natsStatus        s;
    int64_t           delivered = 0;
    int64_t           deadline;
    int               i;

    a.subj     = "history";
    a.count    = 100;
    a.waitSecs = 30;
    if (ex_parse(argc, argv, EX_OPT_COUNT | EX_OPT_WAIT, &a) != 0)
        return 2;
    snprintf(wildcard, sizeof(wildcard), "%s.>", a.subj);

    s = ex_connect(&nc, a.urls, "rnats-example-js-ordered");
    if (s == NATS_OK)
    {
        s = natsConnection_JetStream(&js, nc, NULL);
        if (s != NATS_OK)
            ex_failed("natsConnection_JetStream", s);
    }
    if (s == NATS_OK)
    {
        jsStreamConfig_Init(&cfg);
        subjects[0]     = wildcard;
        cfg.Name        = STREAM;
        cfg.Subjects    = subjects;
        cfg.SubjectsLen = 1;
        cfg.Storage     = js_MemoryStorage;
        s = js_AddStream(&si, js, &cfg, NULL, &err);
        if (s != NATS_OK)
            jsFailed("js_AddStream", s, err);
        jsStreamInfo_Destroy(si);
    }
    for (i = 1; (s == NATS_OK) && (i <= a.count); i++)
    {
        natsMsg *ack = NULL;
        char     text[32];

        snprintf(subject, sizeof(subject), "%s.%d", a.subj, i % 3);
        snprintf(text, sizeof(text), "entry %d", i);
        s = natsConnection_RequestString(&ack, nc, subject, text, 5000);
        if (s != NATS_OK)
            ex_failed("storing a message", s);
        natsMsg_Destroy(ack);
    }

    if (s == NATS_OK)
    {
        jsSubOptions_Init(&so);
        so.Ordered = true;
        s = js_Subscribe(&sub, js, wildcard, onMsg, &oc, NULL, &so, &err);
        if (s != NATS_OK)
            jsFailed("js_Subscribe (ordered)", s, err);
    }
    deadline = nats_Now() + a.waitSecs * 1000;
    while ((s == NATS_OK) && ((s = natsSubscription_GetDelivered(sub, &delivered)) == NATS_OK)
           && (delivered < a.count))
    {
        if (nats_Now() > deadline)
        {
            fprintf(stderr, "Error: only %lld of %d message(s)\n", (long long) delivered, a.count);
            s = NATS_TIMEOUT;
        }
        nats_Sleep(20);
    }
    /* Nothing more may come: the stream holds no more. */
    if (s == NATS_OK)
    {
        nats_Sleep(200);
        s = natsSubscription_GetDelivered(sub, &delivered);
    }
    /* A drain completes once the callback has returned for every message,
     * so `oc` is only read afterwards. */
    if (s == NATS_OK)
    {
        s = natsSubscription_Drain(sub);
        if (s == NATS_OK)
            s = natsSubscription_WaitForDrainCompletion(sub, 10000);
        if (s != NATS_OK)
            ex_failed("draining the subscription", s);
    }
    natsSubscription_Destroy(sub);
    if (s == NATS_OK)
    {
        printf("Received %lld message(s) of %d, %d out of order\n", (long long) delivered, a.count,
               oc.outOfOrder);
        if ((delivered != a.count) || (oc.outOfOrder != 0))
            s = NATS_ERR;
    }
    if (js != NULL)
        js_DeleteStream(js, STREAM, NULL, NULL);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}

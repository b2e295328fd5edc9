/*
 * js-push: a push consumer.
 *
 * Creates the stream EXPUSH on "<subj>.>", stores -count messages and
 * subscribes with a durable push consumer. By default the messages go to a
 * callback and are acknowledged automatically when it returns; with -sync
 * the program reads them with natsSubscription_NextMsg and acknowledges
 * each itself. The consumer's info then shows every message acknowledged;
 * unsubscribing deletes the consumer, and the stream is deleted at the
 * end. Needs a JetStream server (nats-server -js).
 *
 *   js-push [-s URL[,URL...]] [-subj events] [-count 10] [-sync] [-wait SECONDS]
 */
#include "common.h"

#define STREAM  "EXPUSH"
#define DURABLE "pusher"

static natsStatus
jsFailed(const char *what, natsStatus s, jsErrCode err)
{
    ex_failed(what, s);
    if (err != 0)
        fprintf(stderr, "  (JetStream error code %d)\n", (int) err);
    return s;
}

static void
printMsg(natsMsg *msg)
{
    jsMsgMetaData *meta = NULL;

    if (natsMsg_GetMetaData(&meta, msg) == NATS_OK)
    {
        printf("Received '%.*s' (stream seq %" PRIu64 ", delivered %" PRIu64 " time(s))\n",
               natsMsg_GetDataLength(msg), natsMsg_GetData(msg), meta->Sequence.Stream, meta->NumDelivered);
        jsMsgMetaData_Destroy(meta);
    }
    fflush(stdout);
}

/* Async mode: the library acknowledges each message after this returns. */
static void
onMsg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    printMsg(msg);
    natsMsg_Destroy(msg);
}

/* Waits until the subscription has handed out `count` messages. */
static natsStatus
waitAsync(natsSubscription *sub, int count, int64_t waitSecs)
{
    int64_t deadline = nats_Now() + waitSecs * 1000;
    int64_t delivered = 0;
    natsStatus s;

    while ((s = natsSubscription_GetDelivered(sub, &delivered)) == NATS_OK && delivered < count)
    {
        if ((waitSecs > 0) && (nats_Now() > deadline))
        {
            fprintf(stderr, "Error: only %lld of %d message(s) after %lld s\n", (long long) delivered, count,
                    (long long) waitSecs);
            return NATS_TIMEOUT;
        }
        nats_Sleep(20);
    }
    return s;
}

/* Sync mode: reads and acknowledges each message. */
static natsStatus
receiveSync(natsSubscription *sub, int count, int64_t waitSecs)
{
    natsStatus s = NATS_OK;
    int        i;

    for (i = 0; (s == NATS_OK) && (i < count); i++)
    {
        natsMsg *msg = NULL;

        s = natsSubscription_NextMsg(&msg, sub, waitSecs > 0 ? waitSecs * 1000 : 3600000);
        if (s != NATS_OK)
            return ex_failed("natsSubscription_NextMsg", s);
        printMsg(msg);
        s = natsMsg_Ack(msg, NULL);
        if (s != NATS_OK)
            ex_failed("natsMsg_Ack", s);
        natsMsg_Destroy(msg);
    }
    return s;
}

int
main(int argc, char **argv)
{
    exArgs            a   = {0};
    natsConnection   *nc  = NULL;
    jsCtx            *js  = NULL;
    natsSubscription *sub = NULL;
    jsStreamInfo     *si  = NULL;
    jsConsumerInfo   *ci  = NULL;
    jsErrCode         err = 0;
    jsStreamConfig    cfg;
    jsSubOptions      so;
    char              wildcard[256];
    char              subject[256];
    const char       *subjects[1];
    natsStatus        s;
    int               i;

    a.subj     = "events";
    a.count    = 10;
    a.waitSecs = 30;
    if (ex_parse(argc, argv, EX_OPT_COUNT | EX_OPT_SYNC | EX_OPT_WAIT, &a) != 0)
        return 2;
    snprintf(wildcard, sizeof(wildcard), "%s.>", a.subj);
    snprintf(subject, sizeof(subject), "%s.created", a.subj);

    s = ex_connect(&nc, a.urls, "rnats-example-js-push");
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

        snprintf(text, sizeof(text), "event %d", i);
        s = natsConnection_RequestString(&ack, nc, subject, text, 5000);
        if (s != NATS_OK)
            ex_failed("storing a message", s);
        natsMsg_Destroy(ack);
    }

    /* A durable push consumer, created by the subscription. */
    if (s == NATS_OK)
    {
        jsSubOptions_Init(&so);
        so.Config.Durable = DURABLE;
        so.ManualAck      = a.sync;
        if (a.sync)
            s = js_SubscribeSync(&sub, js, wildcard, NULL, &so, &err);
        else
            s = js_Subscribe(&sub, js, wildcard, onMsg, NULL, NULL, &so, &err);
        if (s != NATS_OK)
            jsFailed(a.sync ? "js_SubscribeSync" : "js_Subscribe", s, err);
    }
    if (s == NATS_OK)
        s = a.sync ? receiveSync(sub, a.count, a.waitSecs) : waitAsync(sub, a.count, a.waitSecs);

    /* The acknowledgements reach the server shortly after the messages. */
    for (i = 0; (s == NATS_OK) && (i < 100); i++)
    {
        jsConsumerInfo_Destroy(ci);
        ci = NULL;
        s = natsSubscription_GetConsumerInfo(&ci, sub, NULL, &err);
        if (s != NATS_OK)
            jsFailed("natsSubscription_GetConsumerInfo", s, err);
        else if ((ci->NumAckPending == 0) && (ci->AckFloor.Consumer >= (uint64_t) a.count))
            break;
        nats_Sleep(20);
    }
    if (s == NATS_OK)
        printf("Received %d message(s) (%s); consumer %s: %" PRIu64 " acknowledged, %" PRId64
               " awaiting an ack\n",
               a.count, a.sync ? "sync" : "async", ci->Name, ci->AckFloor.Stream, ci->NumAckPending);
    jsConsumerInfo_Destroy(ci);

    /* Unsubscribe deletes the consumer the subscription created. */
    if (sub != NULL)
    {
        natsStatus u = natsSubscription_Unsubscribe(sub);
        if ((u != NATS_OK) && (s == NATS_OK))
            s = ex_failed("natsSubscription_Unsubscribe", u);
    }
    if ((s == NATS_OK) && (js_GetConsumerInfo(&ci, js, STREAM, DURABLE, NULL, &err) == NATS_NOT_FOUND))
        printf("Consumer %s deleted\n", DURABLE);
    natsSubscription_Destroy(sub);
    if (js != NULL)
        js_DeleteStream(js, STREAM, NULL, NULL);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}

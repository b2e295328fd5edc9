/*
 * js-fetch: a pull consumer, step by step.
 *
 * Creates the stream EXFETCH on "<subj>.>", stores -count messages, makes
 * a durable pull subscription and fetches the messages in batches of 5:
 * each one is printed with its metadata (stream and consumer sequences,
 * deliveries, pending) and acknowledged (the last of each batch with
 * natsMsg_AckSync, which waits for the server). A last fetch finds nothing
 * and ends with a timeout. The consumer's info then shows every message
 * acknowledged; the stream is deleted at the end. Needs a JetStream server
 * (nats-server -js).
 *
 *   js-fetch [-s URL[,URL...]] [-subj jobs] [-count 12] [-timeout 2000]
 */
#include "common.h"

#define STREAM  "EXFETCH"
#define DURABLE "fetcher"
#define BATCH   5

static natsStatus
jsFailed(const char *what, natsStatus s, jsErrCode err)
{
    ex_failed(what, s);
    if (err != 0)
        fprintf(stderr, "  (JetStream error code %d)\n", (int) err);
    return s;
}

/* Prints one fetched message with its metadata and acknowledges it. */
static natsStatus
handle(natsMsg *msg, int last)
{
    jsMsgMetaData *meta = NULL;
    jsErrCode      err  = 0;
    natsStatus     s;

    s = natsMsg_GetMetaData(&meta, msg);
    if (s != NATS_OK)
        return ex_failed("natsMsg_GetMetaData", s);
    printf("Fetched '%.*s': stream seq %" PRIu64 ", consumer seq %" PRIu64 ", delivered %" PRIu64
           " time(s), %" PRIu64 " pending\n",
           natsMsg_GetDataLength(msg), natsMsg_GetData(msg), meta->Sequence.Stream, meta->Sequence.Consumer,
           meta->NumDelivered, meta->NumPending);
    jsMsgMetaData_Destroy(meta);
    s = last ? natsMsg_AckSync(msg, NULL, &err) : natsMsg_Ack(msg, NULL);
    if (s != NATS_OK)
        jsFailed(last ? "natsMsg_AckSync" : "natsMsg_Ack", s, err);
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
    char              wildcard[256];
    char              subject[256];
    const char       *subjects[1];
    natsStatus        s;
    int               got = 0;
    int               i;

    a.subj      = "jobs";
    a.count     = 12;
    a.timeoutMs = 2000;
    if (ex_parse(argc, argv, EX_OPT_COUNT | EX_OPT_TIMEOUT, &a) != 0)
        return 2;
    snprintf(wildcard, sizeof(wildcard), "%s.>", a.subj);
    snprintf(subject, sizeof(subject), "%s.new", a.subj);

    s = ex_connect(&nc, a.urls, "rnats-example-js-fetch");
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

        snprintf(text, sizeof(text), "job %d", i);
        s = natsConnection_RequestString(&ack, nc, subject, text, 5000);
        if (s != NATS_OK)
            ex_failed("storing a message", s);
        natsMsg_Destroy(ack);
    }

    /* A durable pull consumer, created by the subscription. */
    if (s == NATS_OK)
    {
        s = js_PullSubscribe(&sub, js, wildcard, DURABLE, NULL, NULL, &err);
        if (s != NATS_OK)
            jsFailed("js_PullSubscribe", s, err);
    }

    /* Fetch in batches until a fetch times out. */
    while (s == NATS_OK)
    {
        natsMsgList list = {NULL, 0};

        s = natsSubscription_Fetch(&list, sub, BATCH, a.timeoutMs, &err);
        if (s == NATS_TIMEOUT)
        {
            printf("No more messages (fetch timed out after %" PRId64 " ms)\n", a.timeoutMs);
            s = NATS_OK;
            break;
        }
        if (s != NATS_OK)
        {
            jsFailed("natsSubscription_Fetch", s, err);
            break;
        }
        printf("Batch of %d message(s)\n", list.Count);
        for (i = 0; (s == NATS_OK) && (i < list.Count); i++)
            s = handle(list.Msgs[i], i == list.Count - 1);
        got += list.Count;
        natsMsgList_Destroy(&list);
    }

    if (s == NATS_OK)
    {
        s = natsSubscription_GetConsumerInfo(&ci, sub, NULL, &err);
        if (s == NATS_OK)
            printf("Fetched %d message(s); consumer %s: %" PRIu64 " acknowledged, %" PRId64 " awaiting an ack\n",
                   got, ci->Name, ci->AckFloor.Stream, ci->NumAckPending);
        else
            jsFailed("natsSubscription_GetConsumerInfo", s, err);
        jsConsumerInfo_Destroy(ci);
    }

    /* Unsubscribe deletes the consumer the subscription created. */
    if (sub != NULL)
    {
        natsStatus u = natsSubscription_Unsubscribe(sub);
        if ((u != NATS_OK) && (s == NATS_OK))
            s = ex_failed("natsSubscription_Unsubscribe", u);
    }
    natsSubscription_Destroy(sub);
    if (js != NULL)
        js_DeleteStream(js, STREAM, NULL, NULL);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}

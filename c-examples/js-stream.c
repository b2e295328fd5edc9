/*
 * js-stream: JetStream stream management, step by step.
 *
 * Creates the stream EXAMPLE on "<subj>.>", stores -count messages in it,
 * shows the stream's info, lists the streams, reads stored messages back
 * (by sequence, last on a subject), updates the stream's limits, adds a
 * durable consumer and shows its info, purges one subject, shows the
 * account's usage and finally deletes the stream. Needs a JetStream
 * server (nats-server -js).
 *
 *   js-stream [-s URL[,URL...]] [-subj orders] [-count 10]
 */
#include "common.h"

#define STREAM "EXAMPLE"

/* Reports a failed JetStream call with its JetStream error code. */
static natsStatus
jsFailed(const char *what, natsStatus s, jsErrCode err)
{
    ex_failed(what, s);
    if (err != 0)
        fprintf(stderr, "  (JetStream error code %d)\n", (int) err);
    return s;
}

static void
printInfo(const char *when, jsStreamInfo *si)
{
    printf("Stream %s (%s): %" PRIu64 " messages, %" PRIu64 " bytes, sequences %" PRIu64 "..%" PRIu64
           ", max messages %" PRId64 "\n",
           si->Config->Name, when, si->State.Msgs, si->State.Bytes, si->State.FirstSeq, si->State.LastSeq,
           si->Config->MaxMsgs);
}

/* Any message published on a stream's subject is stored; a request gets
 * the stream's acknowledgement back, so the message is stored on return. */
static natsStatus
storeMessages(natsConnection *nc, const char *subj, int count)
{
    char       subject[256];
    char       text[64];
    natsStatus s = NATS_OK;
    int        i;

    for (i = 1; (s == NATS_OK) && (i <= count); i++)
    {
        natsMsg *ack = NULL;

        snprintf(subject, sizeof(subject), "%s.%s", subj, (i % 2) ? "odd" : "even");
        snprintf(text, sizeof(text), "message %d", i);
        s = natsConnection_RequestString(&ack, nc, subject, text, 5000);
        if (s != NATS_OK)
            ex_failed("storing a message", s);
        natsMsg_Destroy(ack);
    }
    return s;
}

int
main(int argc, char **argv)
{
    exArgs            a    = {0};
    natsConnection   *nc   = NULL;
    jsCtx            *js   = NULL;
    jsStreamInfo     *si   = NULL;
    jsStreamNamesList *names = NULL;
    jsConsumerInfo   *ci   = NULL;
    jsAccountInfo    *ai   = NULL;
    natsMsg          *msg  = NULL;
    jsErrCode         err  = 0;
    jsStreamConfig    cfg;
    jsConsumerConfig  cc;
    jsOptions         o;
    char              wildcard[256];
    char              oddSubj[256];
    const char       *subjects[1];
    natsStatus        s;
    int               i;

    a.subj  = "orders";
    a.count = 10;
    if (ex_parse(argc, argv, EX_OPT_COUNT, &a) != 0)
        return 2;
    snprintf(wildcard, sizeof(wildcard), "%s.>", a.subj);
    snprintf(oddSubj, sizeof(oddSubj), "%s.odd", a.subj);

    s = ex_connect(&nc, a.urls, "rnats-example-js-stream");
    if (s == NATS_OK)
    {
        s = natsConnection_JetStream(&js, nc, NULL);
        if (s != NATS_OK)
            ex_failed("natsConnection_JetStream", s);
    }

    /* 1. Create the stream. */
    if (s == NATS_OK)
    {
        jsStreamConfig_Init(&cfg);
        subjects[0]     = wildcard;
        cfg.Name        = STREAM;
        cfg.Description = "rnats example stream";
        cfg.Subjects    = subjects;
        cfg.SubjectsLen = 1;
        cfg.Storage     = js_MemoryStorage;
        s = js_AddStream(&si, js, &cfg, NULL, &err);
        if (s == NATS_OK)
            printInfo("created", si);
        else
            jsFailed("js_AddStream", s, err);
        jsStreamInfo_Destroy(si);
        si = NULL;
    }

    /* 2. Store messages, then look at the stream's state. */
    if (s == NATS_OK)
        s = storeMessages(nc, a.subj, a.count);
    if (s == NATS_OK)
    {
        s = js_GetStreamInfo(&si, js, STREAM, NULL, &err);
        if (s == NATS_OK)
            printInfo("after storing", si);
        else
            jsFailed("js_GetStreamInfo", s, err);
        jsStreamInfo_Destroy(si);
        si = NULL;
    }

    /* 3. List the streams. */
    if (s == NATS_OK)
    {
        s = js_StreamNames(&names, js, NULL, &err);
        if (s == NATS_OK)
        {
            printf("Streams:");
            for (i = 0; i < names->Count; i++)
                printf(" %s", names->List[i]);
            printf("\n");
        }
        else
            jsFailed("js_StreamNames", s, err);
        jsStreamNamesList_Destroy(names);
    }

    /* 4. Read stored messages back. */
    if (s == NATS_OK)
    {
        s = js_GetMsg(&msg, js, STREAM, 1, NULL, &err);
        if (s == NATS_OK)
            printf("Message 1 on '%s': '%.*s'\n", natsMsg_GetSubject(msg), natsMsg_GetDataLength(msg),
                   natsMsg_GetData(msg));
        else
            jsFailed("js_GetMsg", s, err);
        natsMsg_Destroy(msg);
        msg = NULL;
    }
    if (s == NATS_OK)
    {
        s = js_GetLastMsg(&msg, js, STREAM, oddSubj, NULL, &err);
        if (s == NATS_OK)
            printf("Last message on '%s': '%.*s'\n", natsMsg_GetSubject(msg), natsMsg_GetDataLength(msg),
                   natsMsg_GetData(msg));
        else
            jsFailed("js_GetLastMsg", s, err);
        natsMsg_Destroy(msg);
        msg = NULL;
    }

    /* 5. Update the stream: keep at most half of the messages. */
    if (s == NATS_OK)
    {
        cfg.MaxMsgs = (a.count + 1) / 2;
        s = js_UpdateStream(&si, js, &cfg, NULL, &err);
        if (s == NATS_OK)
            printInfo("updated", si);
        else
            jsFailed("js_UpdateStream", s, err);
        jsStreamInfo_Destroy(si);
        si = NULL;
    }

    /* 6. A durable consumer of the odd messages. */
    if (s == NATS_OK)
    {
        jsConsumerConfig_Init(&cc);
        cc.Durable       = "example-worker";
        cc.AckPolicy     = js_AckExplicit;
        cc.FilterSubject = oddSubj;
        s = js_AddConsumer(&ci, js, STREAM, &cc, NULL, &err);
        if (s == NATS_OK)
            printf("Consumer %s on %s: %" PRIu64 " messages pending\n", ci->Name, ci->Stream, ci->NumPending);
        else
            jsFailed("js_AddConsumer", s, err);
        jsConsumerInfo_Destroy(ci);
        ci = NULL;
    }
    if (s == NATS_OK)
    {
        s = js_DeleteConsumer(js, STREAM, "example-worker", NULL, &err);
        if (s != NATS_OK)
            jsFailed("js_DeleteConsumer", s, err);
    }

    /* 7. Purge the odd subject only. */
    if (s == NATS_OK)
    {
        jsOptions_Init(&o);
        o.Stream.Purge.Subject = oddSubj;
        s = js_PurgeStream(js, STREAM, &o, &err);
        if (s != NATS_OK)
            jsFailed("js_PurgeStream", s, err);
    }
    if (s == NATS_OK)
    {
        s = js_GetStreamInfo(&si, js, STREAM, NULL, &err);
        if (s == NATS_OK)
            printInfo("after purging the odd subject", si);
        else
            jsFailed("js_GetStreamInfo", s, err);
        jsStreamInfo_Destroy(si);
        si = NULL;
    }

    /* 8. The account's usage. */
    if (s == NATS_OK)
    {
        s = js_GetAccountInfo(&ai, js, NULL, &err);
        if (s == NATS_OK)
            printf("Account: %" PRId64 " stream(s), %" PRId64 " consumer(s), %" PRIu64 " bytes of memory\n",
                   ai->Streams, ai->Consumers, ai->Memory);
        else
            jsFailed("js_GetAccountInfo", s, err);
        jsAccountInfo_Destroy(ai);
    }

    /* 9. Delete the stream: it is gone afterwards. */
    if (s == NATS_OK)
    {
        s = js_DeleteStream(js, STREAM, NULL, &err);
        if (s != NATS_OK)
            jsFailed("js_DeleteStream", s, err);
    }
    if (s == NATS_OK)
    {
        natsStatus gone = js_GetStreamInfo(&si, js, STREAM, NULL, &err);
        if ((gone == NATS_NOT_FOUND) && (err == JSStreamNotFoundErr))
            printf("Stream %s deleted\n", STREAM);
        else
        {
            fprintf(stderr, "Error: stream still there (%s, error code %d)\n", natsStatus_GetText(gone), (int) err);
            jsStreamInfo_Destroy(si);
            s = NATS_ERR;
        }
    }

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}

/*
 * js-pub-sync: publishes -count messages to JetStream and waits for each
 * acknowledgment (stream and sequence), then shows a publish whose
 * expectation fails (status and JetStream error code), and a message id
 * sent twice (the server reports the duplicate).
 *
 * The stream EXAMPLE_SYNC (memory storage) on -subj is created first (or
 * kept if it already exists with the same configuration).
 *
 *   js-pub-sync [-s URL[,URL...]] [-subj js.sync] [-count 10] [-txt hello]
 */
#include "common.h"

int
main(int argc, char **argv)
{
    exArgs          a    = {0};
    natsConnection *nc   = NULL;
    jsCtx          *js   = NULL;
    jsStreamConfig  cfg;
    jsPubOptions    po;
    jsPubAck       *pa   = NULL;
    jsErrCode       jerr = 0;
    const char     *subjects[1];
    natsStatus      s;
    uint64_t        last = 0;
    int             i;

    a.subj  = "js.sync";
    a.txt   = "hello";
    a.count = 10;
    if (ex_parse(argc, argv, EX_OPT_COUNT | EX_OPT_TXT, &a) != 0)
        return 2;

    s = ex_connect(&nc, a.urls, "rnats-example-js-pub-sync");
    if (s == NATS_OK)
    {
        s = natsConnection_JetStream(&js, nc, NULL);
        if (s != NATS_OK)
            ex_failed("natsConnection_JetStream", s);
    }
    if (s == NATS_OK)
    {
        subjects[0] = a.subj;
        jsStreamConfig_Init(&cfg);
        cfg.Name         = "EXAMPLE_SYNC";
        cfg.Subjects     = subjects;
        cfg.SubjectsLen  = 1;
        cfg.Storage      = js_MemoryStorage;
        s = js_AddStream(NULL, js, &cfg, NULL, &jerr);
        if (s != NATS_OK)
            ex_failed("js_AddStream", s);
    }

    /* Synchronous publish: each call returns the server's acknowledgment. */
    for (i = 0; (s == NATS_OK) && (i < a.count); i++)
    {
        s = js_Publish(&pa, js, a.subj, a.txt, (int) strlen(a.txt), NULL, &jerr);
        if (s != NATS_OK)
        {
            ex_failed("js_Publish", s);
            break;
        }
        printf("Stored in stream '%s' at sequence %llu\n", pa->Stream, (unsigned long long) pa->Sequence);
        last = pa->Sequence;
        jsPubAck_Destroy(pa);
        pa = NULL;
    }
    if (s == NATS_OK)
        printf("Published %d message(s), last sequence %llu\n", a.count, (unsigned long long) last);

    /* An expectation the stream does not meet: refused by the server. */
    if (s == NATS_OK)
    {
        jsPubOptions_Init(&po);
        po.ExpectLastSeq = last + 100;
        if (js_Publish(NULL, js, a.subj, a.txt, (int) strlen(a.txt), &po, &jerr) == NATS_ERR)
            printf("Expectation refused as it should be: jsErrCode %d (%s)\n", (int) jerr, nats_GetLastError(NULL));
        else
        {
            fprintf(stderr, "Error: a wrong expected last sequence was accepted\n");
            s = NATS_ERR;
        }
    }

    /* The same message id twice: stored once, the second is a duplicate. */
    if (s == NATS_OK)
    {
        jsPubOptions_Init(&po);
        po.MsgId = "example-msg-id";
        s = js_Publish(&pa, js, a.subj, a.txt, (int) strlen(a.txt), &po, &jerr);
        if (s == NATS_OK)
        {
            jsPubAck_Destroy(pa);
            pa = NULL;
            s = js_Publish(&pa, js, a.subj, a.txt, (int) strlen(a.txt), &po, &jerr);
        }
        if (s == NATS_OK)
        {
            printf("Message id sent twice: duplicate=%s\n", pa->Duplicate ? "true" : "false");
            jsPubAck_Destroy(pa);
        }
        else
            ex_failed("js_Publish (message id)", s);
    }

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}

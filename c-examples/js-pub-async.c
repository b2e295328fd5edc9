/*
 * js-pub-async: publishes -count messages to JetStream without waiting
 * for each acknowledgment; an acknowledgment handler counts the positive
 * and negative ones (it runs on a library thread and owns the message),
 * and js_PublishAsyncComplete waits until every message is acknowledged
 * (at most -wait seconds).
 *
 * The stream EXAMPLE_ASYNC (memory storage) on -subj is created first (or
 * kept if it already exists with the same configuration).
 *
 *   js-pub-async [-s URL[,URL...]] [-subj js.async] [-count 1000] [-txt hello] [-wait 30]
 */
#include "common.h"

#include <pthread.h>

typedef struct
{
    pthread_mutex_t mu;
    long            acked;
    long            failed;
} counts;

static void
onAck(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
    counts *c = (counts *) closure;

    (void) js;
    pthread_mutex_lock(&c->mu);
    if (pa != NULL)
        c->acked++;
    else if (pae != NULL)
    {
        c->failed++;
        fprintf(stderr, "Publish of a message failed: %s (%d)\n", pae->ErrText, (int) pae->ErrCode);
    }
    pthread_mutex_unlock(&c->mu);
    /* The handler owns the message. */
    natsMsg_Destroy(msg);
}

int
main(int argc, char **argv)
{
    exArgs          a    = {0};
    natsConnection *nc   = NULL;
    jsCtx          *js   = NULL;
    jsOptions       jo;
    jsStreamConfig  cfg;
    jsPubOptions    po;
    jsErrCode       jerr = 0;
    natsMsgList     pending;
    counts          c;
    const char     *subjects[1];
    natsStatus      s;
    int             i;

    a.subj     = "js.async";
    a.txt      = "hello";
    a.count    = 1000;
    a.waitSecs = 30;
    if (ex_parse(argc, argv, EX_OPT_COUNT | EX_OPT_TXT | EX_OPT_WAIT, &a) != 0)
        return 2;
    memset(&c, 0, sizeof(c));
    pthread_mutex_init(&c.mu, NULL);

    s = ex_connect(&nc, a.urls, "rnats-example-js-pub-async");
    if (s == NATS_OK)
    {
        jsOptions_Init(&jo);
        jo.PublishAsync.AckHandler        = onAck;
        jo.PublishAsync.AckHandlerClosure = &c;
        jo.PublishAsync.MaxPending        = 256; /* at most 256 unacknowledged */
        s = natsConnection_JetStream(&js, nc, &jo);
        if (s != NATS_OK)
            ex_failed("natsConnection_JetStream", s);
    }
    if (s == NATS_OK)
    {
        subjects[0] = a.subj;
        jsStreamConfig_Init(&cfg);
        cfg.Name         = "EXAMPLE_ASYNC";
        cfg.Subjects     = subjects;
        cfg.SubjectsLen  = 1;
        cfg.Storage      = js_MemoryStorage;
        s = js_AddStream(NULL, js, &cfg, NULL, &jerr);
        if (s != NATS_OK)
            ex_failed("js_AddStream", s);
    }
    if (s == NATS_OK)
        printf("Publishing %d message(s) asynchronously on '%s'\n", a.count, a.subj);

    for (i = 0; (s == NATS_OK) && (i < a.count); i++)
    {
        s = js_PublishAsync(js, a.subj, a.txt, (int) strlen(a.txt), NULL);
        if (s != NATS_OK)
            ex_failed("js_PublishAsync", s);
    }
    if (s == NATS_OK)
    {
        jsPubOptions_Init(&po);
        po.MaxWait = (a.waitSecs > 0 ? a.waitSecs : 30) * 1000;
        s = js_PublishAsyncComplete(js, &po);
        if (s != NATS_OK)
        {
            ex_failed("js_PublishAsyncComplete", s);
            /* Take back what is still unacknowledged, and drop it. */
            if (js_PublishAsyncGetPendingList(&pending, js) == NATS_OK)
            {
                fprintf(stderr, "%d message(s) not acknowledged\n", pending.Count);
                natsMsgList_Destroy(&pending);
            }
        }
    }
    if (s == NATS_OK)
    {
        pthread_mutex_lock(&c.mu);
        printf("Acknowledged: %ld, failed: %ld\n", c.acked, c.failed);
        if (c.acked != a.count)
            s = NATS_ERR;
        pthread_mutex_unlock(&c.mu);
    }

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    pthread_mutex_destroy(&c.mu);
    return (s == NATS_OK) ? 0 : 1;
}

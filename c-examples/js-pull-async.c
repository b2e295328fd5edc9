/*
 * js-pull-async: a pull consumer whose messages go to a callback, the
 * library sending the pull requests itself.
 *
 * Creates the stream EXPULLASYNC on "<subj>.>", stores -count messages and
 * starts js_PullSubscribeAsync with jsOptions.PullSubscribeAsync: pulls of
 * 4 messages at a time, an end after -count messages, an expiry after
 * -wait seconds. The callback acknowledges each message; the complete
 * handler reports why the subscription ended. The stream is deleted at
 * the end. Needs a JetStream server (nats-server -js).
 *
 *   js-pull-async [-s URL[,URL...]] [-subj tasks] [-count 10] [-wait SECONDS]
 */
#include "common.h"

#define STREAM  "EXPULLASYNC"
#define DURABLE "async-worker"

static natsStatus
jsFailed(const char *what, natsStatus s, jsErrCode err)
{
    ex_failed(what, s);
    if (err != 0)
        fprintf(stderr, "  (JetStream error code %d)\n", (int) err);
    return s;
}

static void
onMsg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    natsStatus s;

    (void) nc;
    (void) sub;
    (void) closure;
    s = natsMsg_Ack(msg, NULL);
    printf("Received '%.*s'%s\n", natsMsg_GetDataLength(msg), natsMsg_GetData(msg),
           s == NATS_OK ? " (acknowledged)" : " (ack failed)");
    fflush(stdout);
    natsMsg_Destroy(msg);
}

static void
onComplete(natsConnection *nc, natsSubscription *sub, natsStatus s, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    printf("Pull subscription ended: %s\n", natsStatus_GetText(s));
    fflush(stdout);
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
    jsOptions         o;
    char              wildcard[256];
    char              subject[256];
    const char       *subjects[1];
    natsStatus        s;
    int               i;

    a.subj     = "tasks";
    a.count    = 10;
    a.waitSecs = 30;
    if (ex_parse(argc, argv, EX_OPT_COUNT | EX_OPT_WAIT, &a) != 0)
        return 2;
    snprintf(wildcard, sizeof(wildcard), "%s.>", a.subj);
    snprintf(subject, sizeof(subject), "%s.todo", a.subj);

    s = ex_connect(&nc, a.urls, "rnats-example-js-pull-async");
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

        snprintf(text, sizeof(text), "task %d", i);
        s = natsConnection_RequestString(&ack, nc, subject, text, 5000);
        if (s != NATS_OK)
            ex_failed("storing a message", s);
        natsMsg_Destroy(ack);
    }

    if (s == NATS_OK)
    {
        jsOptions_Init(&o);
        o.PullSubscribeAsync.FetchSize       = 4;
        o.PullSubscribeAsync.MaxMessages     = a.count;
        o.PullSubscribeAsync.Timeout         = a.waitSecs * 1000;
        o.PullSubscribeAsync.CompleteHandler = onComplete;
        s = js_PullSubscribeAsync(&sub, js, wildcard, DURABLE, onMsg, NULL, &o, NULL, &err);
        if (s != NATS_OK)
            jsFailed("js_PullSubscribeAsync", s, err);
    }

    /* The subscription ends by itself (all messages, or the expiry). */
    while ((s == NATS_OK) && natsSubscription_IsValid(sub))
        nats_Sleep(20);
    /* Give the complete handler the time to print before leaving. */
    nats_Sleep(500);

    natsSubscription_Destroy(sub);
    if (js != NULL)
        js_DeleteStream(js, STREAM, NULL, NULL);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}

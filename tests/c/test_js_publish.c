/*
 * JetStream publishing from C against a real nats-server started with
 * JetStream (`-js -sd <fresh dir>`): synchronous publish and its
 * acknowledgment, failed expectations (status + jsErrCode), message-id
 * de-duplication, a subject no stream holds, asynchronous publish of
 * 100 000 messages with every acknowledgment counted, acknowledgment
 * timeouts reported to the error handler while the server is paused
 * (SIGSTOP), the stall wait bounding a publish call, and the pending list.
 *
 * Streams are created with plain requests to the JetStream API, so this
 * file exercises only the publish functions. The expectations are cnats'
 * behaviour: it also builds and passes against cnats (-DRNATS_TEST_AGAINST_CNATS,
 * which leaves out the fields cnats 3.4 does not have).
 */
/* test.h first: it selects the POSIX feature level. */
#include "test.h"

#include <nats/nats.h>

#include <pthread.h>

#define WAIT_MS 10000 /* generous upper bound; never a pass/fail criterion */

/* jsErrCode values the server sends (cnats' status.h names them). */
#define ERR_STREAM_NOT_MATCH 10060      /* JSStreamNotMatchErr */
#define ERR_WRONG_LAST_MSG_ID 10070     /* JSStreamWrongLastMsgIDErr */
#define ERR_WRONG_LAST_SEQUENCE 10071   /* JSStreamWrongLastSequenceErr */
#define ERR_JS_NOT_ENABLED 10076        /* JSNotEnabledErr */

/* ------------------------------------------------------------------ */
/* A stream                                                            */

static natsConnection *connect_to(test_server *srv)
{
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, srv->url));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);
    return nc;
}

/* Creates stream `name` on `subjects_json` (e.g. "[\"foo.>\"]") with a plain
 * API request; fails the test on an error answer. */
static void add_stream(natsConnection *nc, const char *name, const char *subjects_json, const char *storage)
{
    char subj[128], body[256];
    natsMsg *reply = NULL;
    const char *data;

    snprintf(subj, sizeof(subj), "$JS.API.STREAM.CREATE.%s", name);
    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"subjects\":%s,\"storage\":\"%s\"}", name, subjects_json,
             storage);
    CHECK_OK(natsConnection_RequestString(&reply, nc, subj, body, WAIT_MS));
    data = natsMsg_GetData(reply);
    if (strstr(data, "\"error\"") != NULL)
        test_fail(__FILE__, __LINE__, "stream create: %s", data);
    natsMsg_Destroy(reply);
}

/* The stream's message count, from a STREAM.INFO request. */
static long long stream_msgs(natsConnection *nc, const char *name)
{
    char subj[128];
    natsMsg *reply = NULL;
    const char *p;
    long long n;

    snprintf(subj, sizeof(subj), "$JS.API.STREAM.INFO.%s", name);
    CHECK_OK(natsConnection_RequestString(&reply, nc, subj, "", WAIT_MS));
    p = strstr(natsMsg_GetData(reply), "\"messages\":");
    CHECK(p != NULL);
    n = atoll(p + strlen("\"messages\":"));
    natsMsg_Destroy(reply);
    return n;
}

/* Pauses the server (SIGSTOP) and waits until it is stopped, so that it
 * cannot answer a message sent right after; resume_server() undoes it. */
static void pause_server(test_server *srv)
{
    int st = 0;
    CHECK(kill(srv->pid, SIGSTOP) == 0);
    while (waitpid(srv->pid, &st, WUNTRACED) < 0 && errno == EINTR) {
    }
    CHECK(WIFSTOPPED(st));
}

static void resume_server(test_server *srv)
{
    CHECK(kill(srv->pid, SIGCONT) == 0);
}

static void check_last_error_set(const char *file, int line)
{
    natsStatus s = NATS_OK;
    const char *text = nats_GetLastError(&s);
    if (text == NULL || text[0] == '\0' || s == NATS_OK)
        test_fail(file, line, "no last error after a failed call");
}
#define CHECK_LAST_ERROR_SET() check_last_error_set(__FILE__, __LINE__)

/* ------------------------------------------------------------------ */
/* Synchronous publish                                                 */

TEST(js_publish_sync)
{
    test_server *srv;
    natsConnection *nc;
    jsCtx *js = NULL;
    jsPubAck *pa = NULL;
    jsErrCode jerr = 12345;
    natsMsg *msg = NULL;

    srv = test_server_start_js();
    nc = connect_to(srv);
    add_stream(nc, "S", "[\"foo.>\"]", "memory");
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));

    CHECK_OK(js_Publish(&pa, js, "foo.a", "hello", 5, NULL, &jerr));
    CHECK(pa != NULL);
    CHECK_EQ_INT(jerr, 0);
    CHECK_STR(pa->Stream, "S");
    CHECK_EQ_INT(pa->Sequence, 1);
    CHECK(!pa->Duplicate);
    jsPubAck_Destroy(pa);
    pa = NULL;

    /* The acknowledgment is optional; so is the error code. */
    CHECK_OK(js_Publish(NULL, js, "foo.b", NULL, 0, NULL, NULL));

    /* A message with headers: the message stays the caller's. */
    CHECK_OK(natsMsg_Create(&msg, "foo.c", NULL, "with header", 11));
    CHECK_OK(natsMsgHeader_Set(msg, "X-Test", "1"));
    CHECK_OK(js_PublishMsg(&pa, js, msg, NULL, &jerr));
    CHECK_EQ_INT(pa->Sequence, 3);
    CHECK_STR(natsMsg_GetSubject(msg), "foo.c");
    jsPubAck_Destroy(pa);
    pa = NULL;
    natsMsg_Destroy(msg);

    CHECK_EQ_INT(stream_msgs(nc, "S"), 3);

    /* jsPubAck_Destroy(NULL) is a no-op. */
    jsPubAck_Destroy(NULL);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(js_publish_expectations)
{
    test_server *srv;
    natsConnection *nc;
    jsCtx *js = NULL;
    jsPubAck *pa = NULL;
    jsPubOptions po;
    jsErrCode jerr = 0;

    srv = test_server_start_js();
    nc = connect_to(srv);
    add_stream(nc, "S", "[\"foo.>\"]", "memory");
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));

    CHECK_OK(jsPubOptions_Init(&po));
    CHECK_EQ_INT(po.MaxWait, 0);
    CHECK(po.MsgId == NULL);
    CHECK_EQ_INT(po.ExpectLastSeq, 0);
    CHECK(!po.ExpectNoMessage);

    /* Expected stream. */
    po.ExpectStream = "S";
    po.MsgId = "m1";
    CHECK_OK(js_Publish(&pa, js, "foo.a", "1", 1, &po, &jerr));
    CHECK_EQ_INT(pa->Sequence, 1);
    jsPubAck_Destroy(pa);
    pa = NULL;

    CHECK_OK(jsPubOptions_Init(&po));
    po.ExpectStream = "OTHER";
    CHECK_STATUS(js_Publish(&pa, js, "foo.a", "2", 1, &po, &jerr), NATS_ERR);
    CHECK(pa == NULL);
    CHECK_EQ_INT(jerr, ERR_STREAM_NOT_MATCH);
    CHECK_LAST_ERROR_SET();

    /* Expected last sequence. */
    CHECK_OK(jsPubOptions_Init(&po));
    po.ExpectLastSeq = 42;
    CHECK_STATUS(js_Publish(&pa, js, "foo.a", "2", 1, &po, &jerr), NATS_ERR);
    CHECK_EQ_INT(jerr, ERR_WRONG_LAST_SEQUENCE);
    po.ExpectLastSeq = 1;
    CHECK_OK(js_Publish(&pa, js, "foo.a", "2", 1, &po, &jerr));
    CHECK_EQ_INT(jerr, 0);
    CHECK_EQ_INT(pa->Sequence, 2);
    jsPubAck_Destroy(pa);
    pa = NULL;

    /* Expected last message id. */
    CHECK_OK(jsPubOptions_Init(&po));
    po.ExpectLastMsgId = "not-m1";
    CHECK_STATUS(js_Publish(NULL, js, "foo.a", "3", 1, &po, &jerr), NATS_ERR);
    CHECK_EQ_INT(jerr, ERR_WRONG_LAST_MSG_ID);

    /* Expected last sequence on the subject, and "no message yet". */
    CHECK_OK(jsPubOptions_Init(&po));
    po.ExpectLastSubjectSeq = 1;
    CHECK_STATUS(js_Publish(NULL, js, "foo.a", "3", 1, &po, &jerr), NATS_ERR);
    CHECK_EQ_INT(jerr, ERR_WRONG_LAST_SEQUENCE);
    po.ExpectLastSubjectSeq = 2;
    CHECK_OK(js_Publish(NULL, js, "foo.a", "3", 1, &po, &jerr));
    CHECK_OK(jsPubOptions_Init(&po));
    po.ExpectNoMessage = true;
    CHECK_STATUS(js_Publish(NULL, js, "foo.a", "4", 1, &po, &jerr), NATS_ERR);
    CHECK_EQ_INT(jerr, ERR_WRONG_LAST_SEQUENCE);
    CHECK_OK(js_Publish(NULL, js, "foo.new", "4", 1, &po, &jerr));

    /* Bad options are refused before anything is sent. */
    CHECK_OK(jsPubOptions_Init(&po));
    po.MaxWait = -1;
    CHECK_STATUS(js_Publish(NULL, js, "foo.a", "5", 1, &po, &jerr), NATS_INVALID_ARG);
#ifndef RNATS_TEST_AGAINST_CNATS
    CHECK_OK(jsPubOptions_Init(&po));
    po.MsgTTL = -1;
    CHECK_STATUS(js_Publish(NULL, js, "foo.a", "5", 1, &po, &jerr), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_SET();
#endif
    CHECK_EQ_INT(stream_msgs(nc, "S"), 4);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(js_publish_dedup)
{
    test_server *srv;
    natsConnection *nc;
    jsCtx *js = NULL;
    jsPubAck *pa = NULL;
    jsPubOptions po;
    jsErrCode jerr = 0;

    srv = test_server_start_js();
    nc = connect_to(srv);
    add_stream(nc, "S", "[\"foo.>\"]", "file");
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));

    CHECK_OK(jsPubOptions_Init(&po));
    po.MsgId = "id-1";
    CHECK_OK(js_Publish(&pa, js, "foo.a", "x", 1, &po, &jerr));
    CHECK_EQ_INT(pa->Sequence, 1);
    CHECK(!pa->Duplicate);
    jsPubAck_Destroy(pa);
    pa = NULL;

    CHECK_OK(js_Publish(&pa, js, "foo.a", "x", 1, &po, &jerr));
    CHECK(pa->Duplicate);
    CHECK_EQ_INT(pa->Sequence, 1);
    CHECK_STR(pa->Stream, "S");
    jsPubAck_Destroy(pa);
    pa = NULL;

    po.MsgId = "id-2";
    CHECK_OK(js_Publish(&pa, js, "foo.a", "x", 1, &po, &jerr));
    CHECK(!pa->Duplicate);
    CHECK_EQ_INT(pa->Sequence, 2);
    jsPubAck_Destroy(pa);

    CHECK_EQ_INT(stream_msgs(nc, "S"), 2);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(js_publish_no_stream)
{
    test_server *srv;
    natsConnection *nc;
    jsCtx *js = NULL;
    jsPubAck *pa = NULL;
    jsErrCode jerr = 0;

    srv = test_server_start_js();
    nc = connect_to(srv);
    add_stream(nc, "S", "[\"foo.>\"]", "memory");
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));

    /* Nobody listens on this subject: no responders, reported as
     * "JetStream not enabled" as cnats does. */
    CHECK_STATUS(js_Publish(&pa, js, "bar.a", "x", 1, NULL, &jerr), NATS_NO_RESPONDERS);
    CHECK(pa == NULL);
    CHECK_EQ_INT(jerr, ERR_JS_NOT_ENABLED);
#ifndef RNATS_TEST_AGAINST_CNATS
    /* rnats records every failure as the last error (cnats does not here). */
    CHECK_LAST_ERROR_SET();
#endif

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(js_publish_bad_args)
{
    test_server *srv;
    natsConnection *nc;
    jsCtx *js = NULL;
    natsMsg *msg = NULL;
    natsMsgList list;
    jsErrCode jerr = 0;

    srv = test_server_start_js();
    nc = connect_to(srv);
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));

    CHECK_STATUS(jsPubOptions_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_Publish(NULL, NULL, "foo", "x", 1, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_STATUS(js_PublishMsg(NULL, js, NULL, NULL, &jerr), NATS_INVALID_ARG);
    CHECK_STATUS(js_PublishMsg(NULL, NULL, NULL, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_PublishAsync(NULL, "foo", "x", 1, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_PublishMsgAsync(js, NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_PublishMsgAsync(js, &msg, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_PublishAsyncComplete(NULL, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_PublishAsyncGetPendingList(NULL, js), NATS_INVALID_ARG);
    CHECK_STATUS(js_PublishAsyncGetPendingList(&list, NULL), NATS_INVALID_ARG);
    CHECK_LAST_ERROR_SET();
#ifndef RNATS_TEST_AGAINST_CNATS
    /* Nothing published asynchronously yet: nothing pending (cnats
     * dereferences its not yet created table here). */
    CHECK_STATUS(js_PublishAsyncGetPendingList(&list, js), NATS_NOT_FOUND);
#endif
    CHECK_OK(js_PublishAsyncComplete(js, NULL));
    natsMsgList_Destroy(NULL);

    /* A failed asynchronous publish leaves the message to the caller. */
    CHECK_OK(natsMsg_Create(&msg, "foo", NULL, "x", 1));
    {
        jsPubOptions po;
        CHECK_OK(jsPubOptions_Init(&po));
        po.MaxWait = 1000;
        po.ExpectLastSeq = 1;
        natsConnection_Close(nc);
        CHECK_STATUS(js_PublishMsgAsync(js, &msg, &po), NATS_CONNECTION_CLOSED);
        CHECK(msg != NULL);
    }
    natsMsg_Destroy(msg);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

/* ------------------------------------------------------------------ */
/* Asynchronous publish                                                */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    long acks;
    long errs;
    long timeouts;
    long bad;            /* inconsistent callback arguments */
    long on_caller;      /* callbacks run on the publishing thread */
    uint64_t last_seq;
    pthread_t caller;
    int resend;          /* handlers resend this many failed messages */
    long resent;         /* ... and count each once done */
    natsStatus last_err; /* status and code of the last failure */
    int last_code;
    jsCtx *js;
} ack_counter;

static void counter_init(ack_counter *c)
{
    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cond, NULL);
    c->caller = pthread_self();
}

static void counter_destroy(ack_counter *c)
{
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cond);
}

static void on_ack(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *closure)
{
    ack_counter *c = (ack_counter *)closure;
    int resend;
    pthread_mutex_lock(&c->mu);
    if (js == NULL || msg == NULL || (pa == NULL) == (pae == NULL) || js != c->js)
        c->bad++;
    if (pthread_equal(pthread_self(), c->caller))
        c->on_caller++;
    if (pa != NULL) {
        if (pa->Stream == NULL || strcmp(pa->Stream, "S") != 0 || pa->Sequence == 0)
            c->bad++;
        if (pa->Sequence > c->last_seq)
            c->last_seq = pa->Sequence;
        c->acks++;
    } else if (pae != NULL) {
        if (pae->Msg != NULL || pae->ErrText == NULL)
            c->bad++;
        c->last_err = pae->Err;
        c->last_code = (int)pae->ErrCode;
        c->errs++;
    }
    resend = c->resend > 0 && pae != NULL;
    if (resend)
        c->resend--;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->mu);
    if (resend) {
        /* cnats' pattern: resend (the library takes the message and clears
         * the pointer), then destroy, which is then a no-op. */
        natsStatus s = js_PublishMsgAsync(js, &msg, NULL);
        pthread_mutex_lock(&c->mu);
        if (s != NATS_OK || msg != NULL)
            c->bad++;
        c->resent++;
        pthread_mutex_unlock(&c->mu);
    }
    /* The message belongs to the ack handler. */
    natsMsg_Destroy(msg);
}

static void on_err(jsCtx *js, jsPubAckErr *pae, void *closure)
{
    ack_counter *c = (ack_counter *)closure;
    int resend;
    pthread_mutex_lock(&c->mu);
    if (js == NULL || js != c->js || pae == NULL || pae->Msg == NULL || pae->ErrText == NULL ||
        strncmp(natsMsg_GetSubject(pae->Msg), "foo.", 4) != 0)
        c->bad++;
    if (pthread_equal(pthread_self(), c->caller))
        c->on_caller++;
    c->errs++;
    if (pae != NULL && pae->Err == NATS_TIMEOUT)
        c->timeouts++;
    resend = c->resend > 0;
    if (resend)
        c->resend--;
    pthread_mutex_unlock(&c->mu);
    if (resend && pae != NULL) {
        /* Resending: the library takes the message back and clears Msg. */
        natsStatus s = js_PublishMsgAsync(js, &pae->Msg, NULL);
        pthread_mutex_lock(&c->mu);
        if (s != NATS_OK || pae->Msg != NULL)
            c->bad++;
        c->resent++;
        pthread_mutex_unlock(&c->mu);
    }
    pthread_mutex_lock(&c->mu);
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->mu);
}

/* Waits until *field reaches n (or WAIT_MS passes); returns its value. */
static long counter_wait(ack_counter *c, const long *field, long n)
{
    int64_t deadline = test_now_ms() + WAIT_MS;
    long v;
    pthread_mutex_lock(&c->mu);
    while (*field < n && test_now_ms() < deadline) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&c->cond, &c->mu, &ts);
    }
    v = *field;
    pthread_mutex_unlock(&c->mu);
    return v;
}

static jsCtx *js_with(natsConnection *nc, ack_counter *c, int ack_handler, int64_t max_pending,
                      int64_t stall_wait)
{
    jsOptions o;
    jsCtx *js = NULL;
    CHECK_OK(jsOptions_Init(&o));
    if (ack_handler) {
        o.PublishAsync.AckHandler = on_ack;
        o.PublishAsync.AckHandlerClosure = c;
    } else {
        o.PublishAsync.ErrHandler = on_err;
        o.PublishAsync.ErrHandlerClosure = c;
    }
    o.PublishAsync.MaxPending = max_pending;
    o.PublishAsync.StallWait = stall_wait;
    CHECK_OK(natsConnection_JetStream(&js, nc, &o));
    c->js = js;
    return js;
}

#define ASYNC_COUNT 100000

TEST(js_publish_async_many)
{
    test_server *srv;
    natsConnection *nc;
    jsCtx *js;
    ack_counter c;
    jsPubOptions po;
    natsMsgList list;
    long i;
    char buf[32];

    counter_init(&c);
    srv = test_server_start_js();
    nc = connect_to(srv);
    add_stream(nc, "S", "[\"foo.>\"]", "memory");
    js = js_with(nc, &c, 1, 0, 0);

    for (i = 0; i < ASYNC_COUNT; i++) {
        int n = snprintf(buf, sizeof(buf), "msg-%ld", i);
        CHECK_OK(js_PublishAsync(js, "foo.many", buf, n, NULL));
    }
    CHECK_OK(jsPubOptions_Init(&po));
    po.MaxWait = 60000;
    CHECK_OK(js_PublishAsyncComplete(js, &po));
    /* Complete returns once the last handler has returned. */
    pthread_mutex_lock(&c.mu);
    CHECK_EQ_INT(c.acks, ASYNC_COUNT);
    CHECK_EQ_INT(c.errs, 0);
    CHECK_EQ_INT(c.bad, 0);
    CHECK_EQ_INT(c.on_caller, 0);
    CHECK_EQ_INT(c.last_seq, ASYNC_COUNT);
    pthread_mutex_unlock(&c.mu);
    CHECK_STATUS(js_PublishAsyncGetPendingList(&list, js), NATS_NOT_FOUND);
    CHECK_EQ_INT(stream_msgs(nc, "S"), ASYNC_COUNT);

    /* A publish the server refuses reaches the ack handler as an error. */
    CHECK_OK(jsPubOptions_Init(&po));
    po.ExpectLastSeq = 1;
    CHECK_OK(js_PublishAsync(js, "foo.many", "x", 1, &po));
    CHECK_EQ_INT(counter_wait(&c, &c.errs, 1), 1);
    CHECK_OK(js_PublishAsyncComplete(js, NULL));
    CHECK_EQ_INT(c.acks, ASYNC_COUNT);
    CHECK_STATUS(c.last_err, NATS_ERR);
    CHECK_EQ_INT(c.last_code, ERR_WRONG_LAST_SEQUENCE);
    CHECK_EQ_INT(c.bad, 0);

    /* Resent once from the ack handler after a refusal: the expectation's
     * header stays on the message, so the resend is refused again. */
    pthread_mutex_lock(&c.mu);
    c.resend = 1;
    pthread_mutex_unlock(&c.mu);
    CHECK_OK(js_PublishAsync(js, "foo.many", "y", 1, &po));
    CHECK_EQ_INT(counter_wait(&c, &c.resent, 1), 1);
    CHECK_OK(js_PublishAsyncComplete(js, NULL));
    CHECK_EQ_INT(c.errs, 3);
    CHECK_EQ_INT(c.acks, ASYNC_COUNT);
    CHECK_EQ_INT(c.bad, 0);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
    counter_destroy(&c);
}

TEST(js_publish_async_ack_timeout)
{
    test_server *srv;
    natsConnection *nc;
    jsCtx *js;
    ack_counter c;
    jsPubOptions po;
    natsMsgList list;
    int i;

    counter_init(&c);
    srv = test_server_start_js();
    nc = connect_to(srv);
    add_stream(nc, "S", "[\"foo.>\"]", "memory");
    js = js_with(nc, &c, 0, 0, 0);

    /* Acknowledged messages do not reach the error handler. */
    for (i = 0; i < 5; i++)
        CHECK_OK(js_PublishAsync(js, "foo.ok", "x", 1, NULL));
    CHECK_OK(js_PublishAsyncComplete(js, NULL));
    CHECK_EQ_INT(c.errs, 0);

    /* Paused server: every message's ack times out and the error handler
     * gets it with NATS_TIMEOUT; the first one is resent from the handler. */
    pause_server(srv);
    CHECK_OK(jsPubOptions_Init(&po));
    po.MaxWait = 200;
    for (i = 0; i < 10; i++)
        CHECK_OK(js_PublishAsync(js, "foo.paused", "y", 1, &po));
    CHECK_EQ_INT(counter_wait(&c, &c.timeouts, 10), 10);
    CHECK_EQ_INT(c.bad, 0);
    CHECK_EQ_INT(c.on_caller, 0);
    /* Nothing left pending: each timed-out message was handed over. */
    CHECK_STATUS(js_PublishAsyncGetPendingList(&list, js), NATS_NOT_FOUND);

    /* Resent from the handler (the library owns it again): acknowledged
     * once the server runs again. */
    pthread_mutex_lock(&c.mu);
    c.resend = 1;
    pthread_mutex_unlock(&c.mu);
    CHECK_OK(js_PublishAsync(js, "foo.paused", "z", 1, &po));
    CHECK_EQ_INT(counter_wait(&c, &c.resent, 1), 1);
    CHECK_EQ_INT(c.timeouts, 11);
    resume_server(srv);
    CHECK_OK(jsPubOptions_Init(&po));
    po.MaxWait = WAIT_MS;
    CHECK_OK(js_PublishAsyncComplete(js, &po));
    CHECK_EQ_INT(c.bad, 0);
    /* 5 + the resent one (the server also got the 10 + 1 timed-out ones). */
    CHECK_EQ_INT(stream_msgs(nc, "S"), 5 + 10 + 1 + 1);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
    counter_destroy(&c);
}

TEST(js_publish_async_stall_and_pending_list)
{
    test_server *srv;
    natsConnection *nc;
    jsCtx *js;
    ack_counter c;
    jsPubOptions po;
    natsMsgList list;
    natsMsg *msg = NULL;
    int64_t t0, el;
    int i, seen[5] = {0};

    counter_init(&c);
    srv = test_server_start_js();
    nc = connect_to(srv);
    add_stream(nc, "S", "[\"foo.>\"]", "memory");
    js = js_with(nc, &c, 0, 5, 300);

    pause_server(srv);
    for (i = 0; i < 5; i++) {
        char d[8];
        int n = snprintf(d, sizeof(d), "%d", i);
        CHECK_OK(js_PublishAsync(js, "foo.stall", d, n, NULL));
    }
    /* The sixth waits for room for StallWait, then gives up; the message
     * stays the caller's. */
    CHECK_OK(natsMsg_Create(&msg, "foo.stall", NULL, "5", 1));
    t0 = test_now_ms();
    CHECK_STATUS(js_PublishMsgAsync(js, &msg, NULL), NATS_TIMEOUT);
    el = test_now_ms() - t0;
    CHECK(el >= 250);
    CHECK(el < 5000);
    CHECK(msg != NULL);
    CHECK_LAST_ERROR_SET();

    /* Completion with a bound times out: 5 still unacknowledged. */
    CHECK_OK(jsPubOptions_Init(&po));
    po.MaxWait = 100;
    CHECK_STATUS(js_PublishAsyncComplete(js, &po), NATS_TIMEOUT);

    /* The pending list hands the 5 messages back. */
    CHECK_OK(js_PublishAsyncGetPendingList(&list, js));
    CHECK_EQ_INT(list.Count, 5);
    for (i = 0; i < list.Count; i++) {
        const char *d = natsMsg_GetData(list.Msgs[i]);
        CHECK_STR(natsMsg_GetSubject(list.Msgs[i]), "foo.stall");
        CHECK(d[0] >= '0' && d[0] <= '4');
        seen[d[0] - '0']++;
    }
    for (i = 0; i < 5; i++)
        CHECK_EQ_INT(seen[i], 1);
    CHECK_STATUS(js_PublishAsyncGetPendingList(&list, js), NATS_NOT_FOUND);
    CHECK_OK(js_PublishAsyncComplete(js, NULL));

    resume_server(srv);
    /* Resend two of them from the list (the list slot is cleared), and the
     * stalled one; the rest is destroyed with the list. */
    CHECK_OK(js_PublishMsgAsync(js, &list.Msgs[0], NULL));
    CHECK(list.Msgs[0] == NULL);
    CHECK_OK(js_PublishMsgAsync(js, &list.Msgs[3], NULL));
    CHECK(list.Msgs[3] == NULL);
    CHECK_OK(js_PublishMsgAsync(js, &msg, NULL));
    CHECK(msg == NULL);
    natsMsgList_Destroy(&list);
    CHECK(list.Msgs == NULL);
    CHECK_EQ_INT(list.Count, 0);
    CHECK_OK(jsPubOptions_Init(&po));
    po.MaxWait = WAIT_MS;
    CHECK_OK(js_PublishAsyncComplete(js, &po));
    CHECK_EQ_INT(c.errs, 0);
    CHECK_EQ_INT(c.bad, 0);
    /* The first 5 were in the socket when the server was paused (their
     * acks arrive later and are dropped), then the 3 resent ones. */
    CHECK_EQ_INT(stream_msgs(nc, "S"), 5 + 3);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
    counter_destroy(&c);
}

/* Several threads publish asynchronously on one context at once: every
 * message is acknowledged exactly once. */
#define THREADS 4
#define PER_THREAD 10000

typedef struct {
    jsCtx *js;
    int id;
    natsStatus s;
} pub_thread_arg;

static void *pub_thread(void *p)
{
    pub_thread_arg *a = (pub_thread_arg *)p;
    char subj[32];
    int i;
    snprintf(subj, sizeof(subj), "foo.t%d", a->id);
    a->s = NATS_OK;
    for (i = 0; i < PER_THREAD && a->s == NATS_OK; i++)
        a->s = js_PublishAsync(a->js, subj, "x", 1, NULL);
    return NULL;
}

TEST(js_publish_async_threads)
{
    test_server *srv;
    natsConnection *nc;
    jsCtx *js;
    ack_counter c;
    jsPubOptions po;
    pthread_t th[THREADS];
    pub_thread_arg args[THREADS];
    int i;

    counter_init(&c);
    srv = test_server_start_js();
    nc = connect_to(srv);
    add_stream(nc, "S", "[\"foo.>\"]", "memory");
    js = js_with(nc, &c, 1, 500, 5000);
    for (i = 0; i < THREADS; i++) {
        args[i].js = js;
        args[i].id = i;
        CHECK(pthread_create(&th[i], NULL, pub_thread, &args[i]) == 0);
    }
    for (i = 0; i < THREADS; i++) {
        CHECK(pthread_join(th[i], NULL) == 0);
        CHECK_OK(args[i].s);
    }
    CHECK_OK(jsPubOptions_Init(&po));
    po.MaxWait = 60000;
    CHECK_OK(js_PublishAsyncComplete(js, &po));
    pthread_mutex_lock(&c.mu);
    CHECK_EQ_INT(c.acks, THREADS * PER_THREAD);
    CHECK_EQ_INT(c.errs, 0);
    CHECK_EQ_INT(c.bad, 0);
    CHECK_EQ_INT(c.last_seq, THREADS * PER_THREAD);
    pthread_mutex_unlock(&c.mu);
    CHECK_EQ_INT(stream_msgs(nc, "S"), THREADS * PER_THREAD);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
    counter_destroy(&c);
}

/* A context destroyed with messages still waiting for their acks: they
 * are dropped by the library (valgrind: nothing leaks), and no handler
 * runs for them afterwards. */
TEST(js_publish_async_destroy_with_pending)
{
    test_server *srv;
    natsConnection *nc;
    jsCtx *js;
    ack_counter c;
    int i;

    counter_init(&c);
    srv = test_server_start_js();
    nc = connect_to(srv);
    add_stream(nc, "S", "[\"foo.>\"]", "memory");
    js = js_with(nc, &c, 1, 0, 0);
    pause_server(srv);
    for (i = 0; i < 20; i++)
        CHECK_OK(js_PublishAsync(js, "foo.gone", "x", 1, NULL));
    jsCtx_Destroy(js);
    resume_server(srv);
    /* The server stores them (its stream catches up on its own) and
     * answers acks that nobody waits for any more. */
    {
        int64_t deadline = test_now_ms() + WAIT_MS;
        while (stream_msgs(nc, "S") < 20 && test_now_ms() < deadline)
            test_sleep_ms(10);
    }
    CHECK_EQ_INT(stream_msgs(nc, "S"), 20);
    test_sleep_ms(100);
    pthread_mutex_lock(&c.mu);
    CHECK_EQ_INT(c.acks + c.errs, 0);
    pthread_mutex_unlock(&c.mu);

    natsConnection_Destroy(nc);
    test_server_stop(srv);
    counter_destroy(&c);
}

static const test_case tests[] = {
    T(js_publish_sync),
    T(js_publish_expectations),
    T(js_publish_dedup),
    T(js_publish_no_stream),
    T(js_publish_bad_args),
    T(js_publish_async_many),
    T(js_publish_async_ack_timeout),
    T(js_publish_async_stall_and_pending_list),
    T(js_publish_async_destroy_with_pending),
    T(js_publish_async_threads),
};

int main(int argc, char **argv)
{
    int rc = TEST_MAIN(tests);
    if (rc == 0 && !(argc > 1 && strcmp(argv[1], "--list") == 0)) {
        /* Release every library resource, so valgrind sees no leak. */
        CHECK_OK(nats_CloseAndWait(WAIT_MS));
    }
    return rc;
}

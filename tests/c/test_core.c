/*
 * Core C tests against a real nats-server: connect, publish, subscribe
 * (sync, async, queue), headers, request/reply, flush, close, misuse.
 *
 * Every case starts its own server on a free port. The expectations are
 * cnats' behaviour: this file also builds and passes against cnats itself
 * (scripts/test-c-against-cnats.sh), which is the point.
 */
/* test.h first: it selects the POSIX feature level. */
#include "test.h"

#include <nats/nats.h>

#include <pthread.h>


#define WAIT_MS 10000 /* generous upper bound; never a pass/fail criterion */

static natsConnection *connect_url(const char *url)
{
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, url));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    CHECK(nc != NULL);
    natsOptions_Destroy(opts);
    return nc;
}

static natsConnection *connect_to(test_server *srv)
{
    return connect_url(srv->url);
}

/* Checks the thread's last error after a failed call. */
static void check_last_error(natsStatus expected, const char *file, int line)
{
    natsStatus s = NATS_OK;
    const char *text = nats_GetLastError(&s);
    if (text == NULL)
        test_fail(file, line, "nats_GetLastError returned NULL");
    if (s != expected)
        test_fail(file, line, "nats_GetLastError status %d (%s), expected %d (%s)", (int)s,
                  natsStatus_GetText(s), (int)expected, natsStatus_GetText(expected));
}
#define CHECK_LAST_ERROR(expected) check_last_error((expected), __FILE__, __LINE__)

/* ------------------------------------------------------------------ */
/* A message collector for async subscriptions.                        */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int count;
    char last[64];
    int in_order; /* payload i arrived as the i-th message */
    natsConnection *reply_nc; /* when set, the callback acts as a replier */
} collector;

static void collector_init(collector *c)
{
    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cond, NULL);
    c->in_order = 1;
}

static void collector_destroy(collector *c)
{
    pthread_cond_destroy(&c->cond);
    pthread_mutex_destroy(&c->mu);
}

static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    collector *c = (collector *)closure;
    char expected[16];
    (void)nc;
    (void)sub;

    pthread_mutex_lock(&c->mu);
    snprintf(expected, sizeof(expected), "%d", c->count);
    if (strcmp(natsMsg_GetData(msg), expected) != 0)
        c->in_order = 0;
    snprintf(c->last, sizeof(c->last), "%s", natsMsg_GetData(msg));
    c->count++;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->mu);
    natsMsg_Destroy(msg); /* the callback owns the message */
}

static void on_request(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    collector *c = (collector *)closure;
    char answer[128];
    (void)sub;

    snprintf(answer, sizeof(answer), "pong:%.*s", natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
    if (natsMsg_GetReply(msg) != NULL)
        natsConnection_PublishString(nc, natsMsg_GetReply(msg), answer);
    natsMsg_Destroy(msg);
    pthread_mutex_lock(&c->mu);
    c->count++;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->mu);
}

static void on_request_ignore(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    (void)closure;
    natsMsg_Destroy(msg);
}

/* Waits until the collector has seen `n` messages; fails after WAIT_MS. */
static void collector_wait(collector *c, int n, const char *file, int line)
{
    struct timespec ts;
    int got;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += WAIT_MS / 1000;
    pthread_mutex_lock(&c->mu);
    while (c->count < n) {
        if (pthread_cond_timedwait(&c->cond, &c->mu, &ts) != 0)
            break;
    }
    got = c->count;
    pthread_mutex_unlock(&c->mu);
    if (got < n)
        test_fail(file, line, "received %d messages, expected %d", got, n);
}
#define COLLECTOR_WAIT(c, n) collector_wait((c), (n), __FILE__, __LINE__)

/* ------------------------------------------------------------------ */
/* Connect                                                             */

TEST(connect_with_url_option)
{
    test_server *srv = test_server_start();
    natsConnection *nc = connect_to(srv);

    CHECK(!natsConnection_IsClosed(nc));
    CHECK_EQ_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CONNECTED);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(connect_to_url)
{
    test_server *srv = test_server_start();
    natsConnection *nc = NULL;

    CHECK_OK(natsConnection_ConnectTo(&nc, srv->url));
    CHECK(nc != NULL);
    CHECK_EQ_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CONNECTED);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(connect_no_server)
{
    char url[64];
    natsConnection *nc = NULL;

    snprintf(url, sizeof(url), "nats://127.0.0.1:%d", test_free_port());
    CHECK_STATUS(natsConnection_ConnectTo(&nc, url), NATS_NO_SERVER);
    CHECK(nc == NULL);
    CHECK_LAST_ERROR(NATS_NO_SERVER);
}

/* ------------------------------------------------------------------ */
/* Publish / subscribe                                                 */

TEST(sync_pubsub)
{
    test_server *srv = test_server_start();
    natsConnection *nc = connect_to(srv);
    natsSubscription *sub = NULL;
    natsMsg *msg = NULL;
    int pending_msgs = -1, pending_bytes = -1;

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "foo"));
    CHECK_OK(natsConnection_PublishString(nc, "foo", "hello"));
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, WAIT_MS));
    CHECK(msg != NULL);
    CHECK_STR(natsMsg_GetSubject(msg), "foo");
    CHECK(natsMsg_GetReply(msg) == NULL);
    CHECK_EQ_INT(natsMsg_GetDataLength(msg), 5);
    CHECK_STR(natsMsg_GetData(msg), "hello");
    natsMsg_Destroy(msg);

    /* After a round trip nothing else can be in flight: exactly one. */
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(natsSubscription_GetPending(sub, &pending_msgs, &pending_bytes));
    CHECK_EQ_INT(pending_msgs, 0);
    CHECK_EQ_INT(pending_bytes, 0);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(next_msg_timeout)
{
    test_server *srv = test_server_start();
    natsConnection *nc = connect_to(srv);
    natsSubscription *sub = NULL;
    natsMsg *msg = NULL;

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "nothing.here"));
    CHECK_STATUS(natsSubscription_NextMsg(&msg, sub, 50), NATS_TIMEOUT);
    CHECK(msg == NULL);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(publish_binary_payload)
{
    test_server *srv = test_server_start();
    natsConnection *nc = connect_to(srv);
    natsSubscription *sub = NULL;
    natsMsg *msg = NULL;
    const char payload[] = {'a', '\0', 'b', '\r', '\n', 'c'};

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "bin.>"));
    CHECK_OK(natsConnection_Publish(nc, "bin.data", payload, (int)sizeof(payload)));
    CHECK_OK(natsConnection_Publish(nc, "bin.empty", NULL, 0));
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, WAIT_MS));
    CHECK_STR(natsMsg_GetSubject(msg), "bin.data");
    CHECK_EQ_INT(natsMsg_GetDataLength(msg), sizeof(payload));
    CHECK(memcmp(natsMsg_GetData(msg), payload, sizeof(payload)) == 0);
    /* The payload is NUL-terminated one byte past its length. */
    CHECK_EQ_INT(natsMsg_GetData(msg)[sizeof(payload)], 0);
    natsMsg_Destroy(msg);

    CHECK_OK(natsSubscription_NextMsg(&msg, sub, WAIT_MS));
    CHECK_STR(natsMsg_GetSubject(msg), "bin.empty");
    CHECK_EQ_INT(natsMsg_GetDataLength(msg), 0);
    natsMsg_Destroy(msg);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

/*
 * natsOptions_SetMessageBufferPadding: every received message has that
 * many zero bytes after its data, in its own buffer, which the program may
 * use (here: overwrite). With exact-size buffers the writes below land
 * past the heap block (valgrind / ASan report them). Sizes: small (kept
 * inside the message) and large (a buffer of its own); with a reply and
 * with headers too. Messages are destroyed and their storage reused
 * between rounds, so stale bytes must not show in the padding either.
 */
TEST(message_buffer_padding)
{
    static const int paddings[] = {1, 16, 100, 4096};
    static const int sizes[] = {0, 1, 20, 90, 200, 5000, 70000};
    test_server *srv = test_server_start();
    char *data = malloc(70000);
    size_t p, i;
    int k;

    CHECK(data != NULL);
    for (i = 0; i < 70000; i++)
        data[i] = (char)('a' + (i % 26));
    for (p = 0; p < sizeof(paddings) / sizeof(paddings[0]); p++) {
        natsOptions *opts = NULL;
        natsConnection *nc = NULL;
        natsSubscription *sub = NULL;
        int pad = paddings[p];

        CHECK_OK(natsOptions_Create(&opts));
        CHECK_OK(natsOptions_SetURL(opts, srv->url));
        CHECK_OK(natsOptions_SetMessageBufferPadding(opts, pad));
        CHECK_OK(natsConnection_Connect(&nc, opts));
        natsOptions_Destroy(opts);
        CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "pad"));
        for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
            int n = sizes[i];
            natsMsg *hm = NULL;

            CHECK_OK(natsConnection_Publish(nc, "pad", data, n));
            CHECK_OK(natsConnection_PublishRequest(nc, "pad", "reply.x", data, n));
            CHECK_OK(natsMsg_Create(&hm, "pad", NULL, data, n));
            CHECK_OK(natsMsgHeader_Set(hm, "K", "v"));
            CHECK_OK(natsConnection_PublishMsg(nc, hm));
            natsMsg_Destroy(hm);
            for (k = 0; k < 3; k++) {
                natsMsg *msg = NULL;
                char *tail;
                int j;

                CHECK_OK(natsSubscription_NextMsg(&msg, sub, WAIT_MS));
                CHECK_EQ_INT(natsMsg_GetDataLength(msg), n);
                CHECK(memcmp(natsMsg_GetData(msg), data, (size_t)n) == 0);
                /* The padding starts right after the data (cnats: its
                 * first byte is the terminating NUL). */
                tail = (char *)natsMsg_GetData(msg) + n;
                for (j = 0; j < pad; j++) {
                    if (tail[j] != 0)
                        test_fail(__FILE__, __LINE__, "padding %d, size %d, kind %d: byte %d is %d",
                                  pad, n, k, j, tail[j]);
                }
                memset(tail, 0x5A, (size_t)pad);
                natsMsg_Destroy(msg);
            }
        }
        natsSubscription_Destroy(sub);
        natsConnection_Destroy(nc);
    }
    free(data);
    test_server_stop(srv);
}

TEST(async_subscribe)
{
    test_server *srv = test_server_start();
    natsConnection *nc = connect_to(srv);
    natsSubscription *sub = NULL;
    collector c;
    char buf[16];
    int i;

    collector_init(&c);
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "async", on_msg, &c));
    for (i = 0; i < 10; i++) {
        snprintf(buf, sizeof(buf), "%d", i);
        CHECK_OK(natsConnection_PublishString(nc, "async", buf));
    }
    CHECK_OK(natsConnection_Flush(nc));
    COLLECTOR_WAIT(&c, 10);

    pthread_mutex_lock(&c.mu);
    CHECK_EQ_INT(c.count, 10);
    CHECK(c.in_order);
    CHECK_STR(c.last, "9");
    pthread_mutex_unlock(&c.mu);

    CHECK_OK(natsSubscription_Unsubscribe(sub));
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    collector_destroy(&c);
    test_server_stop(srv);
}

TEST(queue_subscribe)
{
    enum { N = 100 };
    test_server *srv = test_server_start();
    natsConnection *nc = connect_to(srv);
    natsSubscription *subs[2] = {NULL, NULL};
    int per_sub[2] = {0, 0};
    char seen[N];
    char buf[16];
    int i, total = 0, pm = -1, pb = -1;
    int64_t deadline;

    memset(seen, 0, sizeof(seen));
    CHECK_OK(natsConnection_QueueSubscribeSync(&subs[0], nc, "work", "workers"));
    CHECK_OK(natsConnection_QueueSubscribeSync(&subs[1], nc, "work", "workers"));
    for (i = 0; i < N; i++) {
        snprintf(buf, sizeof(buf), "%d", i);
        CHECK_OK(natsConnection_PublishString(nc, "work", buf));
    }
    CHECK_OK(natsConnection_Flush(nc));

    deadline = test_now_ms() + WAIT_MS;
    while (total < N && test_now_ms() < deadline) {
        for (i = 0; i < 2; i++) {
            natsMsg *msg = NULL;
            natsStatus s = natsSubscription_NextMsg(&msg, subs[i], 10);
            if (s == NATS_TIMEOUT)
                continue;
            CHECK_OK(s);
            {
                int idx = atoi(natsMsg_GetData(msg));
                CHECK(idx >= 0 && idx < N);
                CHECK(!seen[idx]); /* each message goes to one member only */
                seen[idx] = 1;
            }
            per_sub[i]++;
            total++;
            natsMsg_Destroy(msg);
        }
    }
    CHECK_EQ_INT(total, N);
    /* Both members take part (chance of failure: 2^-99). */
    CHECK(per_sub[0] > 0);
    CHECK(per_sub[1] > 0);
    /* No duplicate can still be on its way after a round trip. */
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < 2; i++) {
        CHECK_OK(natsSubscription_GetPending(subs[i], &pm, &pb));
        CHECK_EQ_INT(pm, 0);
        natsSubscription_Destroy(subs[i]);
    }
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(unsubscribe)
{
    test_server *srv = test_server_start();
    natsConnection *nc = connect_to(srv);
    natsSubscription *sub = NULL;
    natsMsg *msg = NULL;

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "unsub"));
    CHECK(natsSubscription_IsValid(sub));
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    CHECK(!natsSubscription_IsValid(sub));
    CHECK_STATUS(natsSubscription_NextMsg(&msg, sub, 50), NATS_INVALID_SUBSCRIPTION);
    CHECK(msg == NULL);
    CHECK_STATUS(natsSubscription_Unsubscribe(sub), NATS_INVALID_SUBSCRIPTION);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

/* ------------------------------------------------------------------ */
/* Headers                                                             */

TEST(headers)
{
    test_server *srv = test_server_start();
    natsConnection *nc = connect_to(srv);
    natsSubscription *sub = NULL;
    natsMsg *out = NULL, *in = NULL;
    const char *value = NULL;
    const char **values = NULL;
    int count = 0;

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "hdr"));
    CHECK_OK(natsMsg_Create(&out, "hdr", NULL, "body", 4));
    CHECK_OK(natsMsgHeader_Set(out, "X-Single", "one"));
    CHECK_OK(natsMsgHeader_Add(out, "X-Multi", "a"));
    CHECK_OK(natsMsgHeader_Add(out, "X-Multi", "b"));
    CHECK_OK(natsMsgHeader_Get(out, "X-Single", &value));
    CHECK_STR(value, "one");
    CHECK_OK(natsConnection_PublishMsg(nc, out));
    natsMsg_Destroy(out);

    CHECK_OK(natsSubscription_NextMsg(&in, sub, WAIT_MS));
    CHECK_STR(natsMsg_GetData(in), "body");
    CHECK_EQ_INT(natsMsg_GetDataLength(in), 4);
    value = NULL;
    CHECK_OK(natsMsgHeader_Get(in, "X-Single", &value));
    CHECK_STR(value, "one");
    CHECK_OK(natsMsgHeader_Values(in, "X-Multi", &values, &count));
    CHECK_EQ_INT(count, 2);
    CHECK_STR(values[0], "a");
    CHECK_STR(values[1], "b");
    free((void *)values); /* the array is the caller's, the strings are not */
    value = NULL;
    CHECK_STATUS(natsMsgHeader_Get(in, "X-Missing", &value), NATS_NOT_FOUND);
    CHECK(value == NULL);
    natsMsg_Destroy(in);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

/* ------------------------------------------------------------------ */
/* Request / reply                                                     */

TEST(request_reply)
{
    test_server *srv = test_server_start();
    natsConnection *server_nc = connect_to(srv);
    natsConnection *nc = connect_to(srv);
    natsSubscription *sub = NULL;
    collector c;
    int i;

    collector_init(&c);
    CHECK_OK(natsConnection_Subscribe(&sub, server_nc, "svc.echo", on_request, &c));
    CHECK_OK(natsConnection_Flush(server_nc));
    for (i = 0; i < 3; i++) {
        natsMsg *reply = NULL;
        char req[16], want[32];
        snprintf(req, sizeof(req), "ping%d", i);
        snprintf(want, sizeof(want), "pong:ping%d", i);
        CHECK_OK(natsConnection_RequestString(&reply, nc, "svc.echo", req, WAIT_MS));
        CHECK(reply != NULL);
        CHECK_STR(natsMsg_GetData(reply), want);
        natsMsg_Destroy(reply);
    }
    COLLECTOR_WAIT(&c, 3);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    natsConnection_Destroy(server_nc);
    collector_destroy(&c);
    test_server_stop(srv);
}

TEST(request_no_responders)
{
    test_server *srv = test_server_start();
    natsConnection *nc = connect_to(srv);
    natsMsg *reply = NULL;

    CHECK_STATUS(natsConnection_RequestString(&reply, nc, "nobody.listens", "hi", WAIT_MS),
                 NATS_NO_RESPONDERS);
    CHECK(reply == NULL);

    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(request_timeout)
{
    test_server *srv = test_server_start();
    natsConnection *nc = connect_to(srv);
    natsSubscription *sub = NULL;
    natsMsg *reply = NULL;

    /* A subscriber that never answers: the request must time out. */
    CHECK_OK(natsConnection_Subscribe(&sub, nc, "silent", on_request_ignore, NULL));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_STATUS(natsConnection_RequestString(&reply, nc, "silent", "hi", 100), NATS_TIMEOUT);
    CHECK(reply == NULL);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

/* ------------------------------------------------------------------ */
/* Flush and close                                                     */

TEST(flush)
{
    test_server *srv = test_server_start();
    natsConnection *nc = connect_to(srv);

    CHECK_OK(natsConnection_PublishString(nc, "flush", "x"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(natsConnection_FlushTimeout(nc, WAIT_MS));
    CHECK_STATUS(natsConnection_FlushTimeout(nc, 0), NATS_INVALID_TIMEOUT);
    CHECK_STATUS(natsConnection_FlushTimeout(nc, -1), NATS_INVALID_TIMEOUT);

    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(closed_connection)
{
    test_server *srv = test_server_start();
    natsConnection *nc = connect_to(srv);
    natsSubscription *sub = NULL, *sub2 = NULL;
    natsMsg *msg = NULL;

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "before.close"));
    natsConnection_Close(nc);
    CHECK(natsConnection_IsClosed(nc));
    CHECK_EQ_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CLOSED);
    natsConnection_Close(nc); /* closing twice is harmless */

    CHECK_STATUS(natsConnection_PublishString(nc, "foo", "x"), NATS_CONNECTION_CLOSED);
    CHECK_LAST_ERROR(NATS_CONNECTION_CLOSED);
    CHECK_STATUS(natsConnection_Publish(nc, "foo", "x", 1), NATS_CONNECTION_CLOSED);
    CHECK_STATUS(natsConnection_SubscribeSync(&sub2, nc, "foo"), NATS_CONNECTION_CLOSED);
    CHECK(sub2 == NULL);
    CHECK_STATUS(natsConnection_Flush(nc), NATS_CONNECTION_CLOSED);
    CHECK_STATUS(natsConnection_RequestString(&msg, nc, "foo", "x", 100), NATS_CONNECTION_CLOSED);
    CHECK(msg == NULL);
    CHECK_STATUS(natsSubscription_NextMsg(&msg, sub, 50), NATS_CONNECTION_CLOSED);
    CHECK(msg == NULL);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(server_gone_closes)
{
    /* With reconnection disabled, losing the server ends in CLOSED. */
    test_server *srv = test_server_start();
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    int64_t deadline;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, srv->url));
    CHECK_OK(natsOptions_SetAllowReconnect(opts, false));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);
    test_server_stop(srv);

    deadline = test_now_ms() + WAIT_MS;
    while (!natsConnection_IsClosed(nc) && test_now_ms() < deadline)
        test_sleep_ms(10);
    CHECK(natsConnection_IsClosed(nc));
    CHECK_STATUS(natsConnection_PublishString(nc, "foo", "x"), NATS_CONNECTION_CLOSED);
    natsConnection_Destroy(nc);
}

/* ------------------------------------------------------------------ */
/* Misuse                                                              */

TEST(null_arguments)
{
    test_server *srv = test_server_start();
    natsConnection *nc = connect_to(srv);
    natsSubscription *sub = NULL;
    natsMsg *msg = NULL;
    const char *value = NULL;

    CHECK_STATUS(natsOptions_SetURL(NULL, srv->url), NATS_INVALID_ARG);
    CHECK_LAST_ERROR(NATS_INVALID_ARG);
    CHECK_STATUS(natsConnection_PublishString(NULL, "foo", "x"), NATS_INVALID_ARG);
    CHECK_LAST_ERROR(NATS_INVALID_ARG);
    CHECK_STATUS(natsConnection_SubscribeSync(&sub, NULL, "foo"), NATS_INVALID_ARG);
    CHECK(sub == NULL);
    CHECK_STATUS(natsConnection_Subscribe(&sub, nc, "foo", NULL, NULL), NATS_INVALID_ARG);
    CHECK(sub == NULL);
    CHECK_LAST_ERROR(NATS_INVALID_ARG);
    CHECK_STATUS(natsSubscription_NextMsg(&msg, NULL, 10), NATS_INVALID_ARG);
    CHECK_LAST_ERROR(NATS_INVALID_ARG);
    CHECK_STATUS(natsConnection_RequestString(NULL, nc, "foo", "x", 10), NATS_INVALID_ARG);
    CHECK_LAST_ERROR(NATS_INVALID_ARG);
    CHECK_STATUS(natsMsgHeader_Set(NULL, "k", "v"), NATS_INVALID_ARG);
    CHECK_LAST_ERROR(NATS_INVALID_ARG);
    CHECK_STATUS(natsMsgHeader_Get(NULL, "k", &value), NATS_INVALID_ARG);
    CHECK(value == NULL);
    CHECK_LAST_ERROR(NATS_INVALID_ARG);

    /* Destroying NULL is a no-op. */
    natsConnection_Destroy(NULL);
    natsSubscription_Destroy(NULL);
    natsMsg_Destroy(NULL);
    natsOptions_Destroy(NULL);

    /* The connection still works after all that. */
    CHECK_OK(natsConnection_Flush(nc));
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

#ifndef RNATS_TEST_AGAINST_CNATS
/* NULL output pointers that cnats does not check (it crashes or connects
 * first): rnats answers NATS_INVALID_ARG. Not built against cnats. */
TEST(null_arguments_strict)
{
    test_server *srv = test_server_start();
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;

    CHECK_STATUS(natsOptions_Create(NULL), NATS_INVALID_ARG);
    CHECK_LAST_ERROR(NATS_INVALID_ARG);
    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, srv->url));
    CHECK_STATUS(natsConnection_Connect(NULL, opts), NATS_INVALID_ARG);
    CHECK_LAST_ERROR(NATS_INVALID_ARG);
    CHECK_STATUS(natsConnection_ConnectTo(NULL, srv->url), NATS_INVALID_ARG);
    CHECK_LAST_ERROR(NATS_INVALID_ARG);
    natsOptions_Destroy(opts);

    nc = connect_to(srv);
    CHECK_STATUS(natsConnection_SubscribeSync(NULL, nc, "foo"), NATS_INVALID_ARG);
    CHECK_LAST_ERROR(NATS_INVALID_ARG);
    CHECK_STATUS(natsMsg_Create(NULL, "foo", NULL, "x", 1), NATS_INVALID_ARG);
    CHECK_LAST_ERROR(NATS_INVALID_ARG);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}
#endif

TEST(invalid_subjects)
{
    test_server *srv = test_server_start();
    natsConnection *nc = connect_to(srv);

    CHECK_STATUS(natsConnection_PublishString(nc, "", "x"), NATS_INVALID_SUBJECT);
    CHECK_STATUS(natsConnection_PublishString(nc, NULL, "x"), NATS_INVALID_SUBJECT);

    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

static const test_case tests[] = {
    T(connect_with_url_option),
    T(connect_to_url),
    T(connect_no_server),
    T(sync_pubsub),
    T(next_msg_timeout),
    T(publish_binary_payload),
    T(message_buffer_padding),
    T(async_subscribe),
    T(queue_subscribe),
    T(unsubscribe),
    T(headers),
    T(request_reply),
    T(request_no_responders),
    T(request_timeout),
    T(flush),
    T(closed_connection),
    T(server_gone_closes),
    T(null_arguments),
#ifndef RNATS_TEST_AGAINST_CNATS
    T(null_arguments_strict),
#endif
    T(invalid_subjects),
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

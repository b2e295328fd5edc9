/* Request/reply through the core API: an asynchronous responder, plain and
 * string requests, a hand-made inbox with PublishRequest, no responders,
 * and connection callbacks (closed). */
#include "common.h"

#include <pthread.h>

static void responder(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    char buf[256];
    int *count = (int *)closure;
    (void)sub;
    snprintf(buf, sizeof(buf), "re: %.*s", natsMsg_GetDataLength(msg), natsMsg_GetData(msg));
    /* Count before replying: the requestor may check the count as soon as
     * it has the reply. */
    __atomic_add_fetch(count, 1, __ATOMIC_SEQ_CST);
    if (natsMsg_GetReply(msg) != NULL)
        natsConnection_PublishString(nc, natsMsg_GetReply(msg), buf);
    natsMsg_Destroy(msg);
}

static pthread_mutex_t closed_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t closed_cv = PTHREAD_COND_INITIALIZER;
static int closed_called;

static void on_closed(natsConnection *nc, void *closure)
{
    (void)nc;
    CHECK(closure == (void *)&closed_called);
    pthread_mutex_lock(&closed_mu);
    closed_called = 1;
    pthread_cond_signal(&closed_cv);
    pthread_mutex_unlock(&closed_mu);
}

TEST(request)
{
    test_server *srv = test_server_start();
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    natsSubscription *svc = NULL, *inboxSub = NULL;
    natsMsg *reply = NULL;
    natsInbox *inbox = NULL;
    int served = 0;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, srv->url));
    CHECK_OK(natsOptions_SetClosedCB(opts, on_closed, &closed_called));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);

    CHECK_OK(natsConnection_Subscribe(&svc, nc, "abi.svc", responder, &served));
    CHECK_OK(natsConnection_Flush(nc));

    CHECK_OK(natsConnection_Request(&reply, nc, "abi.svc", "ping", 4, 5000));
    CHECK_STR(natsMsg_GetData(reply), "re: ping");
    natsMsg_Destroy(reply);
    CHECK_OK(natsConnection_RequestString(&reply, nc, "abi.svc", "pong", 5000));
    CHECK_STR(natsMsg_GetData(reply), "re: pong");
    natsMsg_Destroy(reply);

    /* The old style: own inbox, PublishRequest, NextMsg. */
    CHECK_OK(natsInbox_Create(&inbox));
    CHECK(strncmp(inbox, "_INBOX.", 7) == 0);
    CHECK_OK(natsConnection_SubscribeSync(&inboxSub, nc, inbox));
    CHECK_OK(natsConnection_PublishRequestString(nc, "abi.svc", inbox, "manual"));
    CHECK_OK(natsSubscription_NextMsg(&reply, inboxSub, 5000));
    CHECK_STR(natsMsg_GetData(reply), "re: manual");
    CHECK_STR(natsMsg_GetSubject(reply), inbox);
    natsMsg_Destroy(reply);
    natsSubscription_Destroy(inboxSub);
    natsInbox_Destroy(inbox);
    CHECK_EQ_INT(__atomic_load_n(&served, __ATOMIC_SEQ_CST), 3);

    /* Nobody listening: the server says so (headers-capable server). */
    reply = NULL;
    CHECK_STATUS(natsConnection_RequestString(&reply, nc, "abi.nobody", "hello?", 5000), NATS_NO_RESPONDERS);
    CHECK(reply == NULL);

    CHECK_OK(natsSubscription_Unsubscribe(svc));
    natsSubscription_Destroy(svc);
    CHECK_STATUS(natsConnection_RequestString(&reply, nc, "abi.svc", "gone", 5000), NATS_NO_RESPONDERS);

    natsConnection_Close(nc);
    pthread_mutex_lock(&closed_mu);
    {
        int64_t deadline = test_now_ms() + 10000;
        while (!closed_called && test_now_ms() < deadline) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            pthread_cond_timedwait(&closed_cv, &closed_mu, &ts);
        }
    }
    CHECK(closed_called);
    pthread_mutex_unlock(&closed_mu);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

static const test_case tests[] = {
    T(request),
};

int main(int argc, char **argv)
{
    int rc;
    dropin_banner("request");
    rc = TEST_MAIN(tests);
    nats_Close();
    if (rc == 0)
        printf("request: OK\n");
    return rc;
}

/* Publish/subscribe through the core API: sync subscriptions, queue
 * groups, auto-unsubscribe, pending counts, statistics, flush, close. */
#include "common.h"

TEST(pubsub)
{
    test_server *srv = test_server_start();
    natsConnection *nc = dropin_connect(srv->url, "abi-pubsub");
    natsSubscription *sub = NULL, *q1 = NULL, *q2 = NULL;
    natsStatistics *stats = NULL;
    natsMsg *m = NULL;
    char url[256];
    uint64_t inMsgs = 0, inBytes = 0, outMsgs = 0, outBytes = 0, reconnected = 0;
    int i, pendingMsgs = 0, pendingBytes = 0, n1 = 0, n2 = 0;
    int64_t delivered = 0;

    CHECK_EQ_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CONNECTED);
    CHECK_OK(natsConnection_GetConnectedUrl(nc, url, sizeof(url)));
    CHECK_STR(url, srv->url);

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "abi.pubsub"));
    CHECK_OK(natsConnection_Publish(nc, "abi.pubsub", "bin\0ary", 7));
    CHECK_OK(natsConnection_PublishString(nc, "abi.pubsub", "text"));
    CHECK_OK(natsConnection_Publish(nc, "abi.pubsub", NULL, 0));
    CHECK_OK(natsConnection_Flush(nc));

    CHECK_OK(natsSubscription_NextMsg(&m, sub, 5000));
    CHECK_STR(natsMsg_GetSubject(m), "abi.pubsub");
    CHECK(natsMsg_GetReply(m) == NULL);
    CHECK_EQ_INT(natsMsg_GetDataLength(m), 7);
    CHECK(memcmp(natsMsg_GetData(m), "bin\0ary", 7) == 0);
    natsMsg_Destroy(m);
    CHECK_OK(natsSubscription_GetPending(sub, &pendingMsgs, &pendingBytes));
    CHECK_EQ_INT(pendingMsgs, 2);
    CHECK_OK(natsSubscription_NextMsg(&m, sub, 5000));
    CHECK_STR(natsMsg_GetData(m), "text");
    natsMsg_Destroy(m);
    CHECK_OK(natsSubscription_NextMsg(&m, sub, 5000));
    CHECK_EQ_INT(natsMsg_GetDataLength(m), 0);
    natsMsg_Destroy(m);
    m = NULL;
    CHECK_STATUS(natsSubscription_NextMsg(&m, sub, 50), NATS_TIMEOUT);
    CHECK(m == NULL);
    CHECK_OK(natsSubscription_GetDelivered(sub, &delivered));
    CHECK_EQ_INT(delivered, 3);

    /* Auto-unsubscribe after 2 more. */
    CHECK_OK(natsSubscription_AutoUnsubscribe(sub, 5));
    for (i = 0; i < 4; i++)
        CHECK_OK(natsConnection_PublishString(nc, "abi.pubsub", "x"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(natsSubscription_NextMsg(&m, sub, 5000));
    natsMsg_Destroy(m);
    CHECK_OK(natsSubscription_NextMsg(&m, sub, 5000));
    natsMsg_Destroy(m);
    CHECK_STATUS(natsSubscription_NextMsg(&m, sub, 1000), NATS_MAX_DELIVERED_MSGS);
    CHECK(!natsSubscription_IsValid(sub));
    natsSubscription_Destroy(sub);

    /* Queue group: every message reaches exactly one member. */
    CHECK_OK(natsConnection_QueueSubscribeSync(&q1, nc, "abi.queue", "workers"));
    CHECK_OK(natsConnection_QueueSubscribeSync(&q2, nc, "abi.queue", "workers"));
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < 20; i++)
        CHECK_OK(natsConnection_PublishString(nc, "abi.queue", "job"));
    CHECK_OK(natsConnection_Flush(nc));
    for (i = 0; i < 2000 && n1 + n2 < 20; i++) { /* bounded: fails below instead of hanging */
        if (natsSubscription_NextMsg(&m, q1, 10) == NATS_OK) {
            natsMsg_Destroy(m);
            n1++;
        }
        if (natsSubscription_NextMsg(&m, q2, 10) == NATS_OK) {
            natsMsg_Destroy(m);
            n2++;
        }
    }
    CHECK_EQ_INT(n1 + n2, 20);
    CHECK_STATUS(natsSubscription_NextMsg(&m, q1, 50), NATS_TIMEOUT);
    CHECK_STATUS(natsSubscription_NextMsg(&m, q2, 50), NATS_TIMEOUT);
    CHECK_OK(natsSubscription_Unsubscribe(q1));
    natsSubscription_Destroy(q1);
    natsSubscription_Destroy(q2);

    CHECK_OK(natsStatistics_Create(&stats));
    CHECK_OK(natsConnection_GetStats(nc, stats));
    CHECK_OK(natsStatistics_GetCounts(stats, &inMsgs, &inBytes, &outMsgs, &outBytes, &reconnected));
    CHECK_EQ_INT(outMsgs, 27);
    CHECK_EQ_INT(inMsgs, 25); /* the server stops the auto-unsubscribed one after 5 */
    CHECK_EQ_INT(reconnected, 0);
    natsStatistics_Destroy(stats);

    natsConnection_Close(nc);
    CHECK(natsConnection_IsClosed(nc));
    CHECK_STATUS(natsConnection_PublishString(nc, "abi.pubsub", "late"), NATS_CONNECTION_CLOSED);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

static const test_case tests[] = {
    T(pubsub),
};

int main(int argc, char **argv)
{
    int rc;
    dropin_banner("pubsub");
    rc = TEST_MAIN(tests);
    nats_Close();
    if (rc == 0)
        printf("pubsub: OK\n");
    return rc;
}

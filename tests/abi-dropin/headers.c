/* Message headers through the core API: build a message, set/add/get/
 * values/keys/delete, publish it, receive it, and request with headers. */
#include "common.h"

static void echo_headers(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    natsMsg *out = NULL;
    const char *v = NULL;
    (void)sub;
    (void)closure;
    if (natsMsg_Create(&out, natsMsg_GetReply(msg), NULL, "echo", 4) == NATS_OK) {
        if (natsMsgHeader_Get(msg, "Trace", &v) == NATS_OK)
            natsMsgHeader_Set(out, "Trace", v);
        natsConnection_PublishMsg(nc, out);
        natsMsg_Destroy(out);
    }
    natsMsg_Destroy(msg);
}

static int has_key(const char **keys, int count, const char *key)
{
    int i;
    for (i = 0; i < count; i++)
        if (strcmp(keys[i], key) == 0)
            return 1;
    return 0;
}

TEST(headers)
{
    test_server *srv = test_server_start();
    natsConnection *nc = dropin_connect(srv->url, "abi-headers");
    natsSubscription *sub = NULL, *svc = NULL;
    natsMsg *msg = NULL, *in = NULL, *reply = NULL;
    const char *v = NULL;
    const char **vals = NULL;
    const char **keys = NULL;
    int n = 0;

    CHECK(natsConnection_HasHeaderSupport(nc) == NATS_OK);

    CHECK_OK(natsMsg_Create(&msg, "abi.hdr", NULL, "payload", 7));
    CHECK_OK(natsMsgHeader_Set(msg, "Single", "one"));
    CHECK_OK(natsMsgHeader_Add(msg, "Multi", "a"));
    CHECK_OK(natsMsgHeader_Add(msg, "Multi", "b"));
    CHECK_OK(natsMsgHeader_Set(msg, "Gone", "soon"));
    CHECK_OK(natsMsgHeader_Delete(msg, "Gone"));
    CHECK_STATUS(natsMsgHeader_Get(msg, "Gone", &v), NATS_NOT_FOUND);

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "abi.hdr"));
    CHECK_OK(natsConnection_PublishMsg(nc, msg));
    CHECK_OK(natsSubscription_NextMsg(&in, sub, 5000));
    CHECK_EQ_INT(natsMsg_GetDataLength(in), 7);
    CHECK(memcmp(natsMsg_GetData(in), "payload", 7) == 0);
    CHECK_OK(natsMsgHeader_Get(in, "Single", &v));
    CHECK_STR(v, "one");
    CHECK_OK(natsMsgHeader_Values(in, "Multi", &vals, &n));
    CHECK_EQ_INT(n, 2);
    CHECK_STR(vals[0], "a");
    CHECK_STR(vals[1], "b");
    free((void *)vals);
    CHECK_OK(natsMsgHeader_Keys(in, &keys, &n));
    CHECK_EQ_INT(n, 2);
    CHECK(has_key(keys, n, "Single") && has_key(keys, n, "Multi"));
    free((void *)keys);
    natsMsg_Destroy(in);
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(sub);

    /* RequestMsg with a header that the responder echoes. */
    CHECK_OK(natsConnection_Subscribe(&svc, nc, "abi.hdr.svc", echo_headers, NULL));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(natsMsg_Create(&msg, "abi.hdr.svc", NULL, "q", 1));
    CHECK_OK(natsMsgHeader_Set(msg, "Trace", "abc-123"));
    CHECK_OK(natsConnection_RequestMsg(&reply, nc, msg, 5000));
    CHECK_STR(natsMsg_GetData(reply), "echo");
    CHECK_OK(natsMsgHeader_Get(reply, "Trace", &v));
    CHECK_STR(v, "abc-123");
    natsMsg_Destroy(reply);
    natsMsg_Destroy(msg);
    natsSubscription_Destroy(svc);

    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

static const test_case tests[] = {
    T(headers),
};

int main(int argc, char **argv)
{
    int rc;
    dropin_banner("headers");
    rc = TEST_MAIN(tests);
    nats_Close();
    if (rc == 0)
        printf("headers: OK\n");
    return rc;
}

/* Status codes and error reporting through the core API. */
#include "common.h"

TEST(errors)
{
    test_server *srv = test_server_start();
    natsConnection *nc = NULL;
    natsOptions *opts = NULL;
    natsSubscription *sub = NULL;
    natsMsg *m = NULL;
    natsStatus s = NATS_OK;
    const char *text;
    int closed_port;

    /* Nothing listening on a port that was just free. */
    closed_port = test_free_port();
    {
        char url[64];
        snprintf(url, sizeof(url), "nats://127.0.0.1:%d", closed_port);
        CHECK_OK(natsOptions_Create(&opts));
        CHECK_OK(natsOptions_SetURL(opts, url));
        CHECK_OK(natsOptions_SetTimeout(opts, 2000));
        CHECK_STATUS(natsConnection_Connect(&nc, opts), NATS_NO_SERVER);
        CHECK(nc == NULL);
        text = nats_GetLastError(&s);
        CHECK(text != NULL && text[0] != '\0');
        CHECK_EQ_INT(s, NATS_NO_SERVER);
        natsOptions_Destroy(opts);
        opts = NULL;
    }

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_STATUS(natsOptions_SetURL(opts, srv->url), NATS_OK);
    CHECK_STATUS(natsOptions_SetMaxPendingMsgs(opts, 0), NATS_INVALID_ARG);
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);

    CHECK_STATUS(natsConnection_PublishString(nc, "", "x"), NATS_INVALID_SUBJECT);
    CHECK_STATUS(natsConnection_PublishString(nc, NULL, "x"), NATS_INVALID_SUBJECT);
    CHECK_STATUS(natsConnection_SubscribeSync(&sub, nc, ""), NATS_INVALID_SUBJECT);

    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "abi.x"));
    CHECK_STATUS(natsSubscription_NextMsg(&m, sub, 10), NATS_TIMEOUT);
    CHECK_STATUS(natsSubscription_NextMsg(&m, sub, 0), NATS_TIMEOUT);  /* polls */
    CHECK_STATUS(natsSubscription_NextMsg(&m, sub, -1), NATS_TIMEOUT); /* polls too */
    CHECK_OK(natsSubscription_Unsubscribe(sub));
    CHECK_STATUS(natsSubscription_Unsubscribe(sub), NATS_INVALID_SUBSCRIPTION);
    CHECK_STATUS(natsSubscription_NextMsg(&m, sub, 10), NATS_INVALID_SUBSCRIPTION);
    natsSubscription_Destroy(sub);

    CHECK_STR(natsStatus_GetText(NATS_OK), "OK");
    CHECK_STR(natsStatus_GetText(NATS_TIMEOUT), "Timeout");
    CHECK_STR(natsStatus_GetText(NATS_NO_RESPONDERS), "No responders available for request");

    natsConnection_Close(nc);
    CHECK_EQ_INT(natsConnection_Status(nc), NATS_CONN_STATUS_CLOSED);
    CHECK_STATUS(natsConnection_Flush(nc), NATS_CONNECTION_CLOSED);
    natsConnection_Destroy(nc);
    natsConnection_Destroy(NULL);
    natsOptions_Destroy(NULL);
    natsMsg_Destroy(NULL);
    test_server_stop(srv);
}

static const test_case tests[] = {
    T(errors),
};

int main(int argc, char **argv)
{
    int rc;
    dropin_banner("errors");
    rc = TEST_MAIN(tests);
    nats_Close();
    if (rc == 0)
        printf("errors: OK\n");
    return rc;
}

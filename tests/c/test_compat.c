/*
 * Version API: nats_CheckCompatibility(), nats_GetVersion(),
 * nats_GetVersionNumber(). Built once the header declares them.
 */
/* test.h first: it selects the POSIX feature level. */
#include "test.h"

#include <nats/nats.h>


TEST(check_compatibility)
{
    CHECK(nats_CheckCompatibility());
}

TEST(version_string_matches_header)
{
    CHECK_STR(nats_GetVersion(), NATS_VERSION_STRING);
}

TEST(version_number_matches_header)
{
    CHECK_EQ_INT(nats_GetVersionNumber(), NATS_VERSION_NUMBER);
}

static const test_case tests[] = {
    T(check_compatibility),
    T(version_string_matches_header),
    T(version_number_matches_header),
};

int main(int argc, char **argv)
{
    return TEST_MAIN(tests);
}

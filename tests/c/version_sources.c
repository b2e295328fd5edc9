/* The version CMake read from Cargo.toml (RNATS_CMAKE_VERSION, passed by
 * tests/c/CMakeLists.txt), the header's macros and the library's
 * nats_GetVersion() / nats_GetVersionNumber() are one and the same. */
#include <nats/nats.h>
#include <string.h>

int main(void)
{
    int bad = 0;
    if (strcmp(NATS_VERSION_STRING, RNATS_CMAKE_VERSION) != 0)
    {
        printf("FAIL header %s vs CMake %s\n", NATS_VERSION_STRING, RNATS_CMAKE_VERSION);
        bad = 1;
    }
    if (strcmp(nats_GetVersion(), RNATS_CMAKE_VERSION) != 0)
    {
        printf("FAIL library %s vs CMake %s\n", nats_GetVersion(), RNATS_CMAKE_VERSION);
        bad = 1;
    }
    if (nats_GetVersionNumber() != (uint32_t) NATS_VERSION_NUMBER
        || NATS_VERSION_NUMBER != ((RNATS_CMAKE_MAJOR << 16) | (RNATS_CMAKE_MINOR << 8) | RNATS_CMAKE_PATCH))
    {
        printf("FAIL version number %" PRIu32 " vs header %d\n", nats_GetVersionNumber(), NATS_VERSION_NUMBER);
        bad = 1;
    }
    if (!bad)
        printf("version %s: CMake, header and library agree\n", nats_GetVersion());
    return bad;
}

// The public headers must compile as C++17 with
// -Wall -Wextra -Werror (set in CMakeLists.txt), and link.
#include <nats/nats.h>
#include <nats/status.h>
#include <nats/version.h>
#include <nats.h>

#include <cstring>

int main()
{
    const char *t = natsStatus_GetText(NATS_OK);
    natsConnStatus cs = NATS_CONN_STATUS_DRAINING_PUBS;
    return (t != nullptr && std::strcmp(t, "OK") == 0 && cs == 6) ? 0 : 1;
}

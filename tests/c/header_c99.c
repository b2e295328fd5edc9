/* The public headers must compile as strict C99:
 * -std=c99 -Wall -Wextra -Werror -pedantic (set in CMakeLists.txt). */
#include <nats.h>
#include <nats/nats.h>
#include <nats/status.h>
#include <nats/version.h>

int main(void)
{
    natsStatus s = NATS_OK;
    natsConnStatus cs = NATS_CONN_STATUS_CONNECTED;
    return (s == NATS_OK && cs == NATS_CONN_STATUS_CONNECTED) ? 0 : 1;
}

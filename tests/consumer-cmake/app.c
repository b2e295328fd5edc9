/* A minimal program built against an installed rnats. */
#include <nats/nats.h>

#include <stdio.h>

int main(void)
{
    printf("status %d: %s\n", (int)NATS_TIMEOUT, natsStatus_GetText(NATS_TIMEOUT));
    printf("header version %s\n", NATS_VERSION_STRING);
    return 0;
}

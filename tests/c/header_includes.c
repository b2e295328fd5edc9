/* A program that includes only <nats/nats.h> and uses what cnats' nats.h
 * brings in: PRIu64 (<inttypes.h>), getenv/malloc/free/exit (<stdlib.h>),
 * printf (<stdio.h>). Built as strict C99 with -Werror, so an implicit
 * declaration fails the build. */
#include <nats/nats.h>

int main(void)
{
    uint64_t number = (uint64_t) nats_GetVersionNumber();
    const char *url = getenv("NATS_URL");
    char *text = (char *) malloc(32);
    int n;

    if (text == NULL)
        exit(2);
    n = snprintf(text, 32, "%" PRIu64, number);
    if (n <= 0 || number != (uint64_t) NATS_VERSION_NUMBER)
    {
        free(text);
        exit(1);
    }
    printf("version number %s, url %s\n", text, (url != NULL) ? url : NATS_DEFAULT_URL);
    free(text);
    exit(0);
}

/*
 * Connects with a token (natsOptions_SetToken). A token in the URL
 * (nats://token@host:port) would take precedence; for tokens that change,
 * see natsOptions_SetTokenHandler, called at each (re)connect.
 *
 * Server side, for instance:
 *   authorization { token: "s3cr3t" }
 *
 * usage: auth-token [-s url] -token token
 */
#include <nats/nats.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    natsConnection *conn = NULL;
    natsOptions *opts = NULL;
    natsStatus s = NATS_OK;
    const char *url = NATS_DEFAULT_URL;
    const char *token = NULL;
    int i;

    for (i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-s") == 0)
            url = argv[i + 1];
        else if (strcmp(argv[i], "-token") == 0)
            token = argv[i + 1];
    }
    if (token == NULL) {
        fprintf(stderr, "usage: %s [-s url] -token token\n", argv[0]);
        return 2;
    }

    s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, url);
    if (s == NATS_OK)
        s = natsOptions_SetToken(opts, token);

    if (s == NATS_OK)
        s = natsConnection_Connect(&conn, opts);
    if (s == NATS_OK)
        s = natsConnection_PublishString(conn, "greetings", "hello");
    if (s == NATS_OK)
        s = natsConnection_Flush(conn);

    if (s == NATS_OK)
        printf("Connected and published to %s\n", url);
    else
        fprintf(stderr, "Error: %d - %s (%s)\n", (int) s, natsStatus_GetText(s), nats_GetLastError(NULL));

    natsConnection_Destroy(conn);
    natsOptions_Destroy(opts);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}

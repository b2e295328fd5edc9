/*
 * Connects with a user JWT and its NKey seed from a .creds file
 * (natsOptions_SetUserCredentialsFromFiles), as nsc writes them for an
 * operator-mode server. With -seedfile, the JWT and the seed are read from
 * two files. The files are read at each connect and reconnect.
 *
 * usage: auth-creds [-s url] -creds file [-seedfile file]
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
    const char *creds = NULL;
    const char *seedFile = NULL;
    int i;

    for (i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-s") == 0)
            url = argv[i + 1];
        else if (strcmp(argv[i], "-creds") == 0)
            creds = argv[i + 1];
        else if (strcmp(argv[i], "-seedfile") == 0)
            seedFile = argv[i + 1];
    }
    if (creds == NULL) {
        fprintf(stderr, "usage: %s [-s url] -creds file [-seedfile file]\n", argv[0]);
        return 2;
    }

    s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, url);
    if (s == NATS_OK)
        s = natsOptions_SetUserCredentialsFromFiles(opts, creds, seedFile);

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

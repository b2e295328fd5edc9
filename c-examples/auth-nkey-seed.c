/*
 * Connects with an NKey whose seed is in a file
 * (natsOptions_SetNKeyFromSeed). The file is read at each connect and
 * reconnect, and the memory that held the seed is wiped after use.
 *
 * Server side, for instance:
 *   authorization { users: [ {nkey: UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4} ] }
 *
 * usage: auth-nkey-seed [-s url] -nkey public-key -seedfile file
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
    const char *pubKey = NULL;
    const char *seedFile = NULL;
    int i;

    for (i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-s") == 0)
            url = argv[i + 1];
        else if (strcmp(argv[i], "-nkey") == 0)
            pubKey = argv[i + 1];
        else if (strcmp(argv[i], "-seedfile") == 0)
            seedFile = argv[i + 1];
    }
    if (pubKey == NULL || seedFile == NULL) {
        fprintf(stderr, "usage: %s [-s url] -nkey public-key -seedfile file\n", argv[0]);
        return 2;
    }

    s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, url);
    if (s == NATS_OK)
        s = natsOptions_SetNKeyFromSeed(opts, pubKey, seedFile);

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

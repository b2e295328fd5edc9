/*
 * Connects with a user name and password (natsOptions_SetUserInfo).
 * Credentials in the URL (nats://user:pass@host:port) would take
 * precedence over these.
 *
 * Server side, for instance:
 *   authorization { users: [ {user: alice, password: s3cret} ] }
 *
 * usage: auth-userpass [-s url] -user name -pass password
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
    const char *user = NULL;
    const char *pass = NULL;
    int i;

    for (i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-s") == 0)
            url = argv[i + 1];
        else if (strcmp(argv[i], "-user") == 0)
            user = argv[i + 1];
        else if (strcmp(argv[i], "-pass") == 0)
            pass = argv[i + 1];
    }
    if (user == NULL || pass == NULL) {
        fprintf(stderr, "usage: %s [-s url] -user name -pass password\n", argv[0]);
        return 2;
    }

    s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, url);
    if (s == NATS_OK)
        s = natsOptions_SetUserInfo(opts, user, pass);

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

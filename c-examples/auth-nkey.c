/*
 * Connects with an NKey, signing the server's nonce in a callback
 * (natsOptions_SetNKey).
 *
 * Server side, for instance:
 *   authorization { users: [ {nkey: UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4} ] }
 * which goes with the seed
 *   SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY
 * (the NATS docs' public example pair, for trying this out only; make
 * your own keys with `nsc` or `nk -gen user`).
 *
 * usage: auth-nkey [-s url] -nkey public-key -seed seed
 */
#include <nats/nats.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Signs the server's nonce. The library frees the signature (and, on
 * error, the text put in customErrTxt), so both must come from malloc.
 * This one signs with a seed given on the command line, through
 * nats_Sign; a real program might ask an HSM or a signing service. */
static natsStatus sigHandler(char **customErrTxt, unsigned char **signature, int *signatureLength,
                             const char *nonce, void *closure)
{
    const char *seed = (const char *) closure;
    unsigned char *sig = NULL;
    int len = 0;
    natsStatus s;

    s = nats_Sign(seed, nonce, &sig, &len);
    if (s != NATS_OK) {
        const char *msg = "unable to sign the nonce";
        *customErrTxt = (char *) malloc(strlen(msg) + 1);
        if (*customErrTxt != NULL)
            strcpy(*customErrTxt, msg);
        return s;
    }
    *signature = (unsigned char *) malloc((size_t) len);
    if (*signature == NULL) {
        free(sig);
        return NATS_NO_MEMORY;
    }
    memcpy(*signature, sig, (size_t) len);
    *signatureLength = len;
    free(sig);
    return NATS_OK;
}

int main(int argc, char **argv)
{
    natsConnection *conn = NULL;
    natsOptions *opts = NULL;
    natsStatus s = NATS_OK;
    const char *url = NATS_DEFAULT_URL;
    const char *pubKey = NULL;
    const char *seed = NULL;
    int i;

    for (i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-s") == 0)
            url = argv[i + 1];
        else if (strcmp(argv[i], "-nkey") == 0)
            pubKey = argv[i + 1];
        else if (strcmp(argv[i], "-seed") == 0)
            seed = argv[i + 1];
    }
    if (pubKey == NULL || seed == NULL) {
        fprintf(stderr, "usage: %s [-s url] -nkey public-key -seed seed\n", argv[0]);
        return 2;
    }

    s = natsOptions_Create(&opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(opts, url);
    if (s == NATS_OK)
        s = natsOptions_SetNKey(opts, pubKey, sigHandler, (void *) seed);

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

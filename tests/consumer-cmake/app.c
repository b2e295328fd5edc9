/*
 * A program built against an installed rnats, as a cnats user would build
 * it (find_package(cnats) or pkg-config). It talks to a real server:
 *
 *   usage: app [URL]          (default: $NATS_URL)
 *
 * connect, subscribe (sync), publish (plain and with headers), flush,
 * receive, check, close. Prints "consumer: OK" and exits 0 on success.
 */
#include <nats/nats.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CALL(x)                                                                \
    do {                                                                       \
        natsStatus s_ = (x);                                                   \
        if (s_ != NATS_OK) {                                                   \
            fprintf(stderr, "consumer: %s failed: %s\n", #x, natsStatus_GetText(s_)); \
            exit(1);                                                           \
        }                                                                      \
    } while (0)

int main(int argc, char **argv)
{
    const char *url = argc > 1 ? argv[1] : getenv("NATS_URL");
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    natsSubscription *sub = NULL;
    natsMsg *out = NULL, *in = NULL;
    natsInbox *subject = NULL;
    const char *val = NULL;

    if (url == NULL || url[0] == '\0') {
        fprintf(stderr, "usage: %s URL (or set NATS_URL)\n", argv[0]);
        return 2;
    }
    printf("header version %s, library %s\n", NATS_VERSION_STRING, nats_GetVersion());

    CALL(natsOptions_Create(&opts));
    CALL(natsOptions_SetURL(opts, url));
    CALL(natsConnection_Connect(&nc, opts));
    CALL(natsInbox_Create(&subject)); /* a subject nobody else uses */
    CALL(natsConnection_SubscribeSync(&sub, nc, subject));

    CALL(natsConnection_PublishString(nc, subject, "hello"));
    CALL(natsMsg_Create(&out, subject, NULL, "with header", 11));
    CALL(natsMsgHeader_Set(out, "X-Consumer", "yes"));
    CALL(natsConnection_PublishMsg(nc, out));
    CALL(natsConnection_Flush(nc));

    CALL(natsSubscription_NextMsg(&in, sub, 5000));
    if (natsMsg_GetDataLength(in) != 5 || memcmp(natsMsg_GetData(in), "hello", 5) != 0) {
        fprintf(stderr, "consumer: wrong first message\n");
        return 1;
    }
    natsMsg_Destroy(in);
    CALL(natsSubscription_NextMsg(&in, sub, 5000));
    CALL(natsMsgHeader_Get(in, "X-Consumer", &val));
    if (strcmp(val, "yes") != 0 || strcmp(natsMsg_GetSubject(in), subject) != 0) {
        fprintf(stderr, "consumer: wrong second message\n");
        return 1;
    }
    natsMsg_Destroy(in);
    if (natsSubscription_NextMsg(&in, sub, 100) != NATS_TIMEOUT) {
        fprintf(stderr, "consumer: unexpected third message\n");
        return 1;
    }

    natsMsg_Destroy(out);
    natsSubscription_Destroy(sub);
    natsInbox_Destroy(subject);
    natsConnection_Close(nc);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(opts);
    nats_Close();
    printf("consumer: OK (published and received 2 messages via %s)\n", url);
    return 0;
}

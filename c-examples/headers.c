/*
 * headers: publishes -count messages with headers on -subj, receives them
 * back on a synchronous subscription of the same connection, and prints
 * (and checks) every header that arrived.
 *
 *   headers [-s URL[,URL...]] [-subj hdrs] [-count 1] [-txt "with headers"]
 */
#include "common.h"

/* Checks that header `key` of `msg` has the expected first value. */
static natsStatus
expectHeader(natsMsg *msg, const char *key, const char *want)
{
    const char *got = NULL;
    natsStatus  s   = natsMsgHeader_Get(msg, key, &got);

    if (s != NATS_OK)
        return ex_failed("natsMsgHeader_Get", s);
    if (strcmp(got, want) != 0)
    {
        fprintf(stderr, "Error: header '%s' is '%s', expected '%s'\n", key, got, want);
        return NATS_ERR;
    }
    return NATS_OK;
}

/* Builds message `seq` with three headers, one of them multi-valued. */
static natsStatus
buildMsg(natsMsg **msg, const char *subj, const char *txt, int seq)
{
    char       num[32];
    natsStatus s;

    snprintf(num, sizeof(num), "%d", seq);
    s = natsMsg_Create(msg, subj, NULL, txt, (int) strlen(txt));
    if (s != NATS_OK)
        return ex_failed("natsMsg_Create", s);
    s = natsMsgHeader_Set(*msg, "Example-Seq", num);
    if (s == NATS_OK)
        s = natsMsgHeader_Set(*msg, "Example-Lang", "C");
    if (s == NATS_OK)
        s = natsMsgHeader_Add(*msg, "Example-Tag", "first");
    if (s == NATS_OK)
        s = natsMsgHeader_Add(*msg, "Example-Tag", "second");
    if (s != NATS_OK)
        ex_failed("setting headers", s);
    return s;
}

int
main(int argc, char **argv)
{
    exArgs            a   = {0};
    natsConnection   *nc  = NULL;
    natsSubscription *sub = NULL;
    natsStatus        s;
    int               i;

    a.subj  = "hdrs";
    a.txt   = "with headers";
    a.count = 1;
    if (ex_parse(argc, argv, EX_OPT_COUNT | EX_OPT_TXT, &a) != 0)
        return 2;

    s = ex_connect(&nc, a.urls, "rnats-example-headers");
    if (s == NATS_OK)
    {
        s = natsConnection_HasHeaderSupport(nc);
        if (s != NATS_OK)
            ex_failed("natsConnection_HasHeaderSupport", s);
    }
    if (s == NATS_OK)
    {
        s = natsConnection_SubscribeSync(&sub, nc, a.subj);
        if (s != NATS_OK)
            ex_failed("natsConnection_SubscribeSync", s);
    }
    for (i = 1; (s == NATS_OK) && (i <= a.count); i++)
    {
        natsMsg *out = NULL;
        natsMsg *in  = NULL;
        char     num[32];

        s = buildMsg(&out, a.subj, a.txt, i);
        if (s == NATS_OK)
        {
            printf("Publishing message #%d with headers on '%s'\n", i, a.subj);
            s = natsConnection_PublishMsg(nc, out);
            if (s != NATS_OK)
                ex_failed("natsConnection_PublishMsg", s);
        }
        natsMsg_Destroy(out);

        if (s == NATS_OK)
        {
            s = natsSubscription_NextMsg(&in, sub, 5000);
            if (s != NATS_OK)
                ex_failed("natsSubscription_NextMsg", s);
        }
        if (s == NATS_OK)
        {
            printf("Received message #%d on '%s': '%.*s'\n", i, natsMsg_GetSubject(in), natsMsg_GetDataLength(in),
                   natsMsg_GetData(in));
            s = ex_print_headers(in);
        }
        if (s == NATS_OK)
        {
            snprintf(num, sizeof(num), "%d", i);
            s = expectHeader(in, "Example-Seq", num);
        }
        if (s == NATS_OK)
            s = expectHeader(in, "Example-Lang", "C");
        if (s == NATS_OK)
            s = expectHeader(in, "Example-Tag", "first");
        natsMsg_Destroy(in);
    }
    if (s == NATS_OK)
        printf("All %d message(s) arrived with their headers intact\n", a.count);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}

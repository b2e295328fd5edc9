/*
 * replier: answers -count requests on -subj, then exits. The answer is -txt
 * if given, otherwise "reply to: <request payload>".
 *
 *   replier [-s URL[,URL...]] [-subj help] [-count 1] [-txt TEXT] [-wait SECONDS]
 *
 * "Listening on ..." is printed once the subscription is registered.
 */
#include "common.h"

static natsStatus
answer(natsConnection *nc, natsMsg *req, const char *txt)
{
    const char *reply = natsMsg_GetReply(req);
    natsStatus  s;

    if (reply == NULL)
    {
        printf("Request on '%s' has no reply subject; ignoring it\n", natsMsg_GetSubject(req));
        return NATS_OK;
    }
    if (txt != NULL)
        s = natsConnection_PublishString(nc, reply, txt);
    else
    {
        const char prefix[] = "reply to: ";
        int        len      = natsMsg_GetDataLength(req);
        char      *buf      = (char *) malloc(sizeof(prefix) + (size_t) len);

        if (buf == NULL)
            return NATS_NO_MEMORY;
        memcpy(buf, prefix, sizeof(prefix) - 1);
        memcpy(buf + sizeof(prefix) - 1, natsMsg_GetData(req), (size_t) len);
        s = natsConnection_Publish(nc, reply, buf, (int) (sizeof(prefix) - 1) + len);
        free(buf);
    }
    if (s != NATS_OK)
        return ex_failed("publishing the reply", s);
    return NATS_OK;
}

int
main(int argc, char **argv)
{
    exArgs            a   = {0};
    natsConnection   *nc  = NULL;
    natsSubscription *sub = NULL;
    natsStatus        s;
    int               i;

    a.subj  = "help";
    a.count = 1;
    if (ex_parse(argc, argv, EX_OPT_COUNT | EX_OPT_TXT | EX_OPT_WAIT, &a) != 0)
        return 2;

    s = ex_connect(&nc, a.urls, "rnats-example-replier");
    if (s == NATS_OK)
    {
        s = natsConnection_SubscribeSync(&sub, nc, a.subj);
        if (s != NATS_OK)
            ex_failed("natsConnection_SubscribeSync", s);
    }
    if (s == NATS_OK)
    {
        s = natsConnection_Flush(nc);
        if (s != NATS_OK)
            ex_failed("natsConnection_Flush", s);
    }
    if (s == NATS_OK)
    {
        printf("Listening on '%s' for %d request(s)\n", a.subj, a.count);
        fflush(stdout);
    }
    for (i = 0; (s == NATS_OK) && (i < a.count); i++)
    {
        natsMsg *req = NULL;

        s = natsSubscription_NextMsg(&req, sub, (a.waitSecs > 0) ? a.waitSecs * 1000 : 3600 * 1000);
        if (s != NATS_OK)
        {
            ex_failed("natsSubscription_NextMsg", s);
            break;
        }
        printf("Received request #%d: '%.*s'\n", i + 1, natsMsg_GetDataLength(req), natsMsg_GetData(req));
        s = answer(nc, req, a.txt);
        natsMsg_Destroy(req);
    }
    if (s == NATS_OK)
    {
        /* Push the last reply out before closing. */
        s = natsConnection_FlushTimeout(nc, 5000);
        if (s != NATS_OK)
            ex_failed("natsConnection_FlushTimeout", s);
    }
    if (s == NATS_OK)
        printf("Answered %d request(s)\n", a.count);

    natsSubscription_Destroy(sub);
    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}

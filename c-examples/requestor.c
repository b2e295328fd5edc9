/*
 * requestor: sends -count requests carrying -txt to -subj and prints each
 * reply. If nobody is subscribed it reports "no responders".
 *
 *   requestor [-s URL[,URL...]] [-subj help] [-count 1] [-txt "help me"] [-timeout 2000]
 */
#include "common.h"

int
main(int argc, char **argv)
{
    exArgs          a  = {0};
    natsConnection *nc = NULL;
    natsStatus      s;
    int             i;

    a.subj      = "help";
    a.txt       = "help me";
    a.count     = 1;
    a.timeoutMs = 2000;
    if (ex_parse(argc, argv, EX_OPT_COUNT | EX_OPT_TXT | EX_OPT_TIMEOUT, &a) != 0)
        return 2;

    s = ex_connect(&nc, a.urls, "rnats-example-requestor");
    for (i = 0; (s == NATS_OK) && (i < a.count); i++)
    {
        natsMsg *reply = NULL;

        printf("Sending request #%d on '%s': '%s'\n", i + 1, a.subj, a.txt);
        s = natsConnection_RequestString(&reply, nc, a.subj, a.txt, a.timeoutMs);
        if (s == NATS_NO_RESPONDERS)
        {
            printf("Request failed: no responders on '%s'\n", a.subj);
            break;
        }
        if (s == NATS_TIMEOUT)
        {
            printf("Request failed: no reply within %lld ms\n", (long long) a.timeoutMs);
            break;
        }
        if (s != NATS_OK)
        {
            ex_failed("natsConnection_RequestString", s);
            break;
        }
        printf("Received reply #%d: '%.*s'\n", i + 1, natsMsg_GetDataLength(reply), natsMsg_GetData(reply));
        natsMsg_Destroy(reply);
    }

    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}

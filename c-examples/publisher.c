/*
 * publisher: sends -count messages carrying -txt to -subj, flushes, and
 * prints the connection statistics.
 *
 *   publisher [-s URL[,URL...]] [-subj foo] [-count 10] [-txt hello]
 */
#include "common.h"

int
main(int argc, char **argv)
{
    exArgs          a    = {0};
    natsConnection *nc   = NULL;
    natsStatus      s;
    int             i;

    a.subj  = "foo";
    a.txt   = "hello";
    a.count = 10;
    if (ex_parse(argc, argv, EX_OPT_COUNT | EX_OPT_TXT, &a) != 0)
        return 2;

    s = ex_connect(&nc, a.urls, "rnats-example-publisher");
    if (s == NATS_OK)
        printf("Publishing %d message(s) on '%s' with payload '%s'\n", a.count, a.subj, a.txt);

    for (i = 0; (s == NATS_OK) && (i < a.count); i++)
    {
        s = natsConnection_PublishString(nc, a.subj, a.txt);
        if (s != NATS_OK)
            ex_failed("natsConnection_PublishString", s);
    }
    if (s == NATS_OK)
    {
        /* Make sure the server has everything before we report success. */
        s = natsConnection_FlushTimeout(nc, 5000);
        if (s != NATS_OK)
            ex_failed("natsConnection_FlushTimeout", s);
    }
    if (s == NATS_OK)
    {
        printf("Published %d message(s)\n", a.count);
        s = ex_print_stats(nc);
    }

    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}

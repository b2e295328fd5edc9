/*
 * micro-calc: a small calculator service built with the services API
 * (micro_AddService), then used through a services client.
 *
 *   micro-calc [-s URL[,URL...]] [-subj calc] [-wait SECONDS]
 *
 * The service "calc" (version 1.0.0) has a group with the prefix -subj and
 * two endpoints in it, "<subj>.add" and "<subj>.div", each taking two
 * numbers separated by a space ("10 4"). Dividing by zero, or sending
 * something that is not two numbers, answers with a service error (code
 * 400). The program then calls both endpoints with a microClient, prints
 * the answers, the errors and the per-endpoint statistics, serves other
 * clients for -wait seconds (0 by default), and stops the service.
 *
 * Try it from another terminal while it waits:
 *   nats request calc.add "1 2"     nats micro info calc
 */
#include "common.h"


/* Reads "<a> <b>" from the request; NULL on success, else a 400 error. */
static microError *
two_numbers(microRequest *req, double *a, double *b)
{
    char buf[128];
    int  len = microRequest_GetDataLength(req);
    char extra;

    if ((len <= 0) || (len >= (int) sizeof(buf)))
        return micro_ErrorfCode(400, "expected two numbers, got %d bytes", len);
    memcpy(buf, microRequest_GetData(req), (size_t) len);
    buf[len] = '\0';
    if (sscanf(buf, "%lf %lf %c", a, b, &extra) != 2)
        return micro_ErrorfCode(400, "expected two numbers, got '%s'", buf);
    return NULL;
}

static microError *
respond_number(microRequest *req, double v)
{
    char out[64];
    int  n = snprintf(out, sizeof(out), "%g", v);
    return microRequest_Respond(req, out, (size_t) n);
}

static microError *
handle_add(microRequest *req)
{
    double      a, b;
    microError *err = two_numbers(req, &a, &b);

    if (err != NULL)
        return err; /* the library answers with it (and frees it) */
    return respond_number(req, a + b);
}

static microError *
handle_div(microRequest *req)
{
    double      a, b;
    microError *err = two_numbers(req, &a, &b);

    if (err != NULL)
        return err;
    if (b == 0)
        return micro_ErrorfCode(400, "division by zero (%g / 0)", a);
    return respond_number(req, a / b);
}

/* Set by the done handler (a library thread); read by main. */
static volatile int stopped = 0;

static void
on_done(microService *m)
{
    (void) m;
    printf("Service stopped\n");
    fflush(stdout);
    stopped = 1;
}

/* Calls "<subj>.<op>" with `args` and prints the answer or the error. */
static void
call(microClient *client, const char *subj, const char *op, const char *args)
{
    char        subject[256];
    char        text[256];
    natsMsg    *reply = NULL;
    microError *err;

    snprintf(subject, sizeof(subject), "%s.%s", subj, op);
    err = microClient_DoRequest(&reply, client, subject, args, (int) strlen(args));
    if (err != NULL)
    {
        /* The text carries the code: "code 400: ..." (microError_Code is
         * declared by cnats 3.14 but not defined there, so it is not used
         * here). */
        printf("%s(%s) -> error: %s\n", op, args, microError_String(err, text, sizeof(text)));
        microError_Destroy(err);
        return;
    }
    printf("%s(%s) = %.*s\n", op, args, natsMsg_GetDataLength(reply), natsMsg_GetData(reply));
    natsMsg_Destroy(reply);
}

/* Prints the endpoints' statistics once `want` requests are counted (a
 * request is counted when its handler returns, just after its reply). */
static void
print_stats(microService *svc, int want)
{
    microServiceStats *stats = NULL;
    microError        *err   = NULL;
    char               text[256];
    int                i, tries, total = 0;

    for (tries = 0; tries < 100; tries++)
    {
        err = microService_GetStats(&stats, svc);
        if (err != NULL)
        {
            printf("stats: %s\n", microError_String(err, text, sizeof(text)));
            microError_Destroy(err);
            return;
        }
        for (i = 0, total = 0; i < stats->EndpointsLen; i++)
            total += (int) stats->Endpoints[i].NumRequests;
        if (total >= want)
            break;
        microServiceStats_Destroy(stats);
        stats = NULL;
        nats_Sleep(10);
    }
    if (stats == NULL)
        return;
    for (i = 0; i < stats->EndpointsLen; i++)
    {
        microEndpointStats *ep = &stats->Endpoints[i];
        printf("Endpoint %s (%s): %lld requests, %lld errors, last error '%s'\n", ep->Name, ep->Subject,
               (long long) ep->NumRequests, (long long) ep->NumErrors, ep->LastErrorString);
    }
    microServiceStats_Destroy(stats);
}

int
main(int argc, char **argv)
{
    exArgs              a      = {0};
    natsConnection     *nc     = NULL;
    microService       *svc    = NULL;
    microGroup         *group  = NULL;
    microClient        *client = NULL;
    microError         *err    = NULL;
    microServiceConfig  cfg;
    microGroupConfig    gcfg;
    microEndpointConfig add, div;
    char                text[256];
    natsStatus          s;

    a.subj = "calc";
    if (ex_parse(argc, argv, EX_OPT_WAIT, &a) != 0)
        return 2;

    s = ex_connect(&nc, a.urls, "rnats-example-micro-calc");
    if (s != NATS_OK)
        return 1;

    memset(&cfg, 0, sizeof(cfg));
    cfg.Name        = "calc";
    cfg.Version     = "1.0.0";
    cfg.Description = "adds and divides";
    cfg.DoneHandler = on_done;
    memset(&gcfg, 0, sizeof(gcfg));
    gcfg.Prefix = a.subj;
    memset(&add, 0, sizeof(add));
    add.Name    = "add";
    add.Handler = handle_add;
    memset(&div, 0, sizeof(div));
    div.Name    = "div";
    div.Handler = handle_div;

    err = micro_AddService(&svc, nc, &cfg);
    if (err == NULL)
        err = microService_AddGroup(&group, svc, &gcfg);
    if (err == NULL)
        err = microGroup_AddEndpoint(group, &add);
    if (err == NULL)
        err = microGroup_AddEndpoint(group, &div);
    if (err == NULL)
        err = micro_NewClient(&client, nc, NULL);
    if (err != NULL)
    {
        fprintf(stderr, "Error: %s\n", microError_String(err, text, sizeof(text)));
        microError_Destroy(err);
        microService_Destroy(svc);
        natsConnection_Destroy(nc);
        return 1;
    }
    printf("Service calc listening on '%s.add' and '%s.div'\n", a.subj, a.subj);
    fflush(stdout);

    call(client, a.subj, "add", "2 3");
    call(client, a.subj, "div", "10 4");
    call(client, a.subj, "div", "1 0");
    call(client, a.subj, "add", "two three");
    print_stats(svc, 4);
    fflush(stdout);

    if (a.waitSecs > 0)
        nats_Sleep(a.waitSecs * 1000);

    microClient_Destroy(client);
    err = microService_Stop(svc);
    if (err != NULL)
    {
        fprintf(stderr, "Error: %s\n", microError_String(err, text, sizeof(text)));
        microError_Destroy(err);
    }
    /* The done handler runs once the endpoints' subscriptions are drained. */
    while (!stopped)
        nats_Sleep(10);
    microService_Destroy(svc);
    natsConnection_Destroy(nc);
    nats_CloseAndWait(5000);
    return 0;
}

/*
 * The services API (micro*) through the C ABI against a real nats-server:
 * microError (printf-style constructors, wrapping, status/code/text), a
 * service with endpoints and nested groups (requests reach the right
 * handler, the request getters and headers), error responses (headers,
 * counted once per request), info and stats, the $SRV monitoring
 * subjects, the client, stop/destroy from inside a handler (done handler
 * once), two instances in one queue group sharing the load, the error
 * handler (a slow consumer on an endpoint), and invalid arguments.
 *
 * Every case starts its own server; everything returned is freed, so the
 * valgrind variants also check for leaks.
 *
 * The expectations are cnats' behaviour: built with
 * -DRNATS_TEST_AGAINST_CNATS this file also passes against cnats 3.14
 * (built from source; Debian's 3.4 has no services API, and cnats 3.14
 * declares microError_Code without defining it, so such a build needs a
 * stand-in for it). Left out there: what rnats checks more strictly
 * (semantic versions, endpoints without a handler) and the error counted
 * once per request.
 */
/* test.h first: it selects the POSIX feature level. */
#include "test.h"

#include <pthread.h>

#include <nats/nats.h>

#define WAIT_MS 5000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void bump(int *counter)
{
    pthread_mutex_lock(&mu);
    (*counter)++;
    pthread_mutex_unlock(&mu);
}

static int read_int(int *counter)
{
    int v;
    pthread_mutex_lock(&mu);
    v = *counter;
    pthread_mutex_unlock(&mu);
    return v;
}

/* Waits until *counter reaches want (at most WAIT_MS). */
static void wait_for(int *counter, int want)
{
    int64_t deadline = test_now_ms() + WAIT_MS;
    while (read_int(counter) < want && test_now_ms() < deadline)
        test_sleep_ms(5);
    CHECK_EQ_INT(read_int(counter), want);
}

static natsConnection *connect_to(test_server *srv)
{
    natsConnection *nc = NULL;
    CHECK_OK(natsConnection_ConnectTo(&nc, srv->url));
    return nc;
}

/* Waits until *counter reaches at least want (at most WAIT_MS). */
static void wait_at_least(int *counter, int want)
{
    int64_t deadline = test_now_ms() + WAIT_MS;
    while (read_int(counter) < want && test_now_ms() < deadline)
        test_sleep_ms(5);
    CHECK(read_int(counter) >= want);
}

#define CHECK_NO_MERR(call)                                                  \
    do {                                                                     \
        microError *e_ = (call);                                             \
        if (e_ != NULL) {                                                    \
            char b_[256];                                                    \
            test_fail(__FILE__, __LINE__, "%s failed: %s", #call,            \
                      microError_String(e_, b_, sizeof(b_)));                \
        }                                                                    \
    } while (0)

/* The text of err, then err freed. */
static const char *text_and_free(microError *err, char *buf, size_t len)
{
    microError_String(err, buf, len);
    microError_Destroy(err);
    return buf;
}

/* ------------------------------------------------------------------ */

TEST(micro_errors)
{
    char buf[256];
    char small[8];
    microError *e, *w;

    CHECK_OK(nats_Open(-1));
    e = micro_Errorf("bad %s #%d (%.2f, %ld, %c)", "input", 7, 2.5, 1234567890123L, 'x');
    CHECK(e != NULL);
    CHECK_EQ_INT(microError_Code(e), 0);
    CHECK_STATUS(microError_Status(e), NATS_OK);
    CHECK_STR(microError_String(e, buf, sizeof(buf)), "bad input #7 (2.50, 1234567890123, x)");

    w = microError_Wrapf(e, "layer %d", 2);
    CHECK(w != NULL && w != e);
    CHECK_STR(microError_String(w, buf, sizeof(buf)), "layer 2: bad input #7 (2.50, 1234567890123, x)");
    /* Truncated to the buffer, always NUL-terminated. */
    CHECK_STR(microError_String(w, small, sizeof(small)), "layer 2");
    microError_Destroy(w); /* frees the wrapped one too (valgrind) */

    e = micro_ErrorfCode(404, "no %s", "such thing");
    CHECK_EQ_INT(microError_Code(e), 404);
    CHECK_STR(text_and_free(e, buf, sizeof(buf)), "code 404: no such thing");

    e = microError_Wrapf(micro_ErrorFromStatus(NATS_TIMEOUT), "waited %dms", 10);
    CHECK_STATUS(microError_Status(e), NATS_TIMEOUT);
    CHECK_EQ_INT(microError_Code(e), 0);
    {
        char want[64];
        snprintf(want, sizeof(want), "waited 10ms: status %d: %s", (int)NATS_TIMEOUT, natsStatus_GetText(NATS_TIMEOUT));
        CHECK_STR(text_and_free(e, buf, sizeof(buf)), want);
    }

    CHECK(micro_ErrorFromStatus(NATS_OK) == NULL);
    CHECK(microError_Wrapf(NULL, "x") == NULL);
    CHECK_STR(microError_String(NULL, buf, sizeof(buf)), "null");
    e = micro_Errorf("x");
    CHECK_STR(microError_String(e, NULL, 10), "");
    microError_Destroy(e);
    CHECK_STATUS(microError_Status(NULL), NATS_OK);
    CHECK_EQ_INT(microError_Code(NULL), 0);

    /* The library's static errors: destroying them does nothing. */
    CHECK(micro_ErrorOutOfMemory != NULL && micro_ErrorInvalidArg != NULL);
    CHECK_STATUS(microError_Status(micro_ErrorOutOfMemory), NATS_NO_MEMORY);
    CHECK_STATUS(microError_Status(micro_ErrorInvalidArg), NATS_INVALID_ARG);
    microError_Destroy(micro_ErrorInvalidArg);
    microError_Ignore(micro_ErrorOutOfMemory);
    CHECK_STATUS(microError_Status(micro_ErrorInvalidArg), NATS_INVALID_ARG);
    /* Wrapping a static error keeps it (and freeing the wrapper leaves it). */
    e = microError_Wrapf(micro_ErrorInvalidArg, "while %s", "testing");
    CHECK_STATUS(microError_Status(e), NATS_INVALID_ARG);
    microError_Destroy(e);
    CHECK_STATUS(microError_Status(micro_ErrorInvalidArg), NATS_INVALID_ARG);
}

/* ------------------------------------------------------------------ */
/* Endpoints and groups                                                */

/* Answers "<endpoint state>|<subject>|<data>". */
static microError *echo_handler(microRequest *req)
{
    char out[256];
    snprintf(out, sizeof(out), "%s|%s|%.*s", (const char *)microRequest_GetEndpointState(req),
             microRequest_GetSubject(req), microRequest_GetDataLength(req), microRequest_GetData(req));
    return microRequest_Respond(req, out, strlen(out));
}

/* Checks the request's getters, then answers with header "X-Seen"'s values
 * joined and the number of keys. */
static int getters_ok = 0;
static microService *the_service = NULL;
static natsConnection *the_conn = NULL;

static microError *getters_handler(microRequest *req)
{
    const char *v = NULL;
    const char **vals = NULL, **keys = NULL;
    int n = 0, nk = 0;
    char out[128];
    natsMsg *m = microRequest_GetMsg(req);

    CHECK(microRequest_GetService(req) == the_service);
    CHECK(microRequest_GetConnection(req) == the_conn);
    CHECK_STR((const char *)microRequest_GetServiceState(req), "svc-state");
    CHECK(microRequest_GetReply(req) != NULL);
    CHECK_STR(microRequest_GetReply(req), natsMsg_GetReply(m));
    CHECK_STR(microRequest_GetSubject(req), natsMsg_GetSubject(m));
    CHECK_NO_MERR(microRequest_GetHeaderValue(req, "X-Seen", &v));
    CHECK_STR(v, "one");
    CHECK_NO_MERR(microRequest_AddHeader(req, "X-Seen", "two"));
    CHECK_NO_MERR(microRequest_GetHeaderValues(req, "X-Seen", &vals, &n));
    CHECK_EQ_INT(n, 2);
    CHECK_NO_MERR(microRequest_SetHeader(req, "X-Other", "o"));
    CHECK_NO_MERR(microRequest_GetHeaderKeys(req, &keys, &nk));
    CHECK_NO_MERR(microRequest_DeleteHeader(req, "X-Other"));
    {
        microError *e = microRequest_GetHeaderValue(req, "X-Other", &v);
        CHECK(e != NULL);
        CHECK_STATUS(microError_Status(e), NATS_NOT_FOUND);
        microError_Destroy(e);
    }
    snprintf(out, sizeof(out), "%s+%s/%d", vals[0], vals[1], nk);
    free((void *)vals);
    free((void *)keys);
    bump(&getters_ok);
    return microRequest_Respond(req, out, strlen(out));
}

static void request_expect(natsConnection *nc, const char *subj, const char *data, const char *want)
{
    natsMsg *r = NULL;
    CHECK_OK(natsConnection_RequestString(&r, nc, subj, data, WAIT_MS));
    CHECK_STR(natsMsg_GetData(r), want);
    natsMsg_Destroy(r);
}

TEST(micro_endpoints_and_groups)
{
    test_server *srv = test_server_start();
    natsConnection *nc = connect_to(srv);
    microService *svc = NULL;
    microGroup *g = NULL, *sub = NULL;
    microServiceConfig cfg;
    microEndpointConfig first, second, inner, deep, getters;
    microGroupConfig gc, sc;
    natsMsg *req = NULL, *r = NULL;

    memset(&first, 0, sizeof(first));
    first.Name = "first";
    first.Handler = echo_handler;
    first.State = (void *)"A";

    memset(&cfg, 0, sizeof(cfg));
    cfg.Name = "calc";
    cfg.Version = "1.2.3";
    cfg.Description = "a test service";
    cfg.Endpoint = &first;
    cfg.State = (void *)"svc-state";
    CHECK_NO_MERR(micro_AddService(&svc, nc, &cfg));
    CHECK(svc != NULL);
    CHECK(microService_GetConnection(svc) == nc);
    CHECK_STR((const char *)microService_GetState(svc), "svc-state");
    CHECK(!microService_IsStopped(svc));

    memset(&second, 0, sizeof(second));
    second.Name = "second";
    second.Subject = "calc.second.subject";
    second.Handler = echo_handler;
    second.State = (void *)"B";
    CHECK_NO_MERR(microService_AddEndpoint(svc, &second));

    memset(&gc, 0, sizeof(gc));
    gc.Prefix = "math";
    CHECK_NO_MERR(microService_AddGroup(&g, svc, &gc));
    CHECK(g != NULL);
    memset(&inner, 0, sizeof(inner));
    inner.Name = "add";
    inner.Handler = echo_handler;
    inner.State = (void *)"C";
    CHECK_NO_MERR(microGroup_AddEndpoint(g, &inner));

    memset(&sc, 0, sizeof(sc));
    sc.Prefix = "v2";
    CHECK_NO_MERR(microGroup_AddGroup(&sub, g, &sc));
    memset(&deep, 0, sizeof(deep));
    deep.Name = "add";
    deep.Handler = echo_handler;
    deep.State = (void *)"D";
    CHECK_NO_MERR(microGroup_AddEndpoint(sub, &deep));

    request_expect(nc, "first", "1", "A|first|1");
    request_expect(nc, "calc.second.subject", "2", "B|calc.second.subject|2");
    request_expect(nc, "math.add", "3", "C|math.add|3");
    request_expect(nc, "math.v2.add", "4", "D|math.v2.add|4");

    /* The request getters and its headers. */
    the_service = svc;
    the_conn = nc;
    memset(&getters, 0, sizeof(getters));
    getters.Name = "getters";
    getters.Handler = getters_handler;
    CHECK_NO_MERR(microService_AddEndpoint(svc, &getters));
    CHECK_OK(natsMsg_Create(&req, "getters", NULL, "x", 1));
    CHECK_OK(natsMsgHeader_Set(req, "X-Seen", "one"));
    CHECK_OK(natsConnection_RequestMsg(&r, nc, req, WAIT_MS));
    CHECK_STR(natsMsg_GetData(r), "one+two/2");
    CHECK_EQ_INT(read_int(&getters_ok), 1);
    natsMsg_Destroy(r);
    natsMsg_Destroy(req);

    CHECK_NO_MERR(microService_Destroy(svc));
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

/* ------------------------------------------------------------------ */
/* Errors in responses, statistics, client                             */

/* Responds with the error itself, then also returns an error. */
static microError *respond_error_handler(microRequest *req)
{
    microError *e = microRequest_RespondError(req, micro_ErrorfCode(503, "busy %d", 1));
    CHECK(e == NULL);
    return micro_Errorf("also returned");
}

/* Returns an error; the library answers it. */
static microError *failing_handler(microRequest *req)
{
    (void)req;
    return microError_Wrapf(micro_ErrorfCode(400, "bad input"), "validating");
}

/* Responds with data and an error at once. */
static microError *custom_handler(microRequest *req)
{
    return microRequest_RespondCustom(req, micro_ErrorfCode(422, "partial"), "half", 4);
}

static void check_error_reply(natsMsg *r, const char *text, const char *code)
{
    const char *v = NULL;
    CHECK_OK(natsMsgHeader_Get(r, MICRO_ERROR_HDR, &v));
    CHECK_STR(v, text);
    CHECK_OK(natsMsgHeader_Get(r, MICRO_ERROR_CODE_HDR, &v));
    CHECK_STR(v, code);
}

TEST(micro_error_responses_and_stats)
{
    test_server *srv = test_server_start();
    natsConnection *nc = connect_to(srv);
    microService *svc = NULL;
    microServiceConfig cfg;
    microEndpointConfig ep[4];
    microServiceStats *st = NULL;
    microClient *client = NULL;
    natsMsg *r = NULL;
    microError *err;
    char buf[256];
    int i, found = 0;

    memset(&cfg, 0, sizeof(cfg));
    cfg.Name = "errs";
    cfg.Version = "0.1.0";
    CHECK_NO_MERR(micro_AddService(&svc, nc, &cfg));
    memset(ep, 0, sizeof(ep));
    ep[0].Name = "responds";
    ep[0].Handler = respond_error_handler;
    ep[1].Name = "fails";
    ep[1].Handler = failing_handler;
    ep[2].Name = "custom";
    ep[2].Handler = custom_handler;
    ep[3].Name = "fine";
    ep[3].Handler = echo_handler;
    ep[3].State = (void *)"F";
    for (i = 0; i < 4; i++)
        CHECK_NO_MERR(microService_AddEndpoint(svc, &ep[i]));

    CHECK_OK(natsConnection_RequestString(&r, nc, "responds", "", WAIT_MS));
    check_error_reply(r, "busy 1", "503");
    natsMsg_Destroy(r);
    /* A returned error is sent with its own text and code (a wrapping
     * error's: the wrapped one's are in the statistics' last error). */
    CHECK_OK(natsConnection_RequestString(&r, nc, "fails", "", WAIT_MS));
    check_error_reply(r, "validating", "0");
    natsMsg_Destroy(r);
    CHECK_OK(natsConnection_RequestString(&r, nc, "custom", "", WAIT_MS));
    check_error_reply(r, "partial", "422");
    CHECK_STR(natsMsg_GetData(r), "half");
    natsMsg_Destroy(r);
    for (i = 0; i < 3; i++)
        request_expect(nc, "fine", "ok", "F|fine|ok");

    /* The client turns error headers into a microError. */
    CHECK_NO_MERR(micro_NewClient(&client, nc, NULL));
    err = microClient_DoRequest(&r, client, "custom", "x", 1);
    CHECK(err != NULL);
    CHECK_EQ_INT(microError_Code(err), 422);
    CHECK(strstr(microError_String(err, buf, sizeof(buf)), "partial") != NULL);
    microError_Destroy(err);
    r = NULL;
    CHECK_NO_MERR(microClient_DoRequest(&r, client, "fine", "cl", 2));
    CHECK_STR(natsMsg_GetData(r), "F|fine|cl");
    natsMsg_Destroy(r);
    microClient_Destroy(client);

    /* A request is counted once its handler has returned, which may be
     * just after its reply arrived: wait for all 8. */
    {
        int64_t deadline = test_now_ms() + WAIT_MS;
        for (;;) {
            long long total = 0;
            CHECK_NO_MERR(microService_GetStats(&st, svc));
            for (i = 0; i < st->EndpointsLen; i++)
                total += st->Endpoints[i].NumRequests;
            if (total == 8 || test_now_ms() > deadline)
                break;
            microServiceStats_Destroy(st);
            st = NULL;
            test_sleep_ms(10);
        }
    }
    CHECK_STR(st->Type, MICRO_STATS_RESPONSE_TYPE);
    CHECK_STR(st->Name, "errs");
    CHECK_STR(st->Version, "0.1.0");
    CHECK(st->Id != NULL && st->Id[0] != '\0');
    CHECK(st->Started > 0);
    CHECK_EQ_INT(st->EndpointsLen, 4);
    for (i = 0; i < st->EndpointsLen; i++) {
        microEndpointStats *e = &st->Endpoints[i];
        CHECK(e->ProcessingTimeNanoseconds >= 0 && e->ProcessingTimeNanoseconds < 1000000000);
        if (strcmp(e->Name, "responds") == 0) {
            /* Responded with an error and returned one: counted once
             * (cnats counts it twice). */
            CHECK_EQ_INT(e->NumRequests, 1);
#ifndef RNATS_TEST_AGAINST_CNATS
            CHECK_EQ_INT(e->NumErrors, 1);
#endif
            CHECK(e->LastErrorString[0] != '\0');
            found++;
        } else if (strcmp(e->Name, "fails") == 0) {
            CHECK_EQ_INT(e->NumRequests, 1);
            CHECK_EQ_INT(e->NumErrors, 1);
            CHECK(strstr(e->LastErrorString, "validating") != NULL);
            CHECK(strstr(e->LastErrorString, "bad input") != NULL);
            found++;
        } else if (strcmp(e->Name, "custom") == 0) {
            CHECK_EQ_INT(e->NumRequests, 2);
            CHECK_EQ_INT(e->NumErrors, 2);
            CHECK(strstr(e->LastErrorString, "partial") != NULL);
            found++;
        } else if (strcmp(e->Name, "fine") == 0) {
            CHECK_EQ_INT(e->NumRequests, 4);
            CHECK_EQ_INT(e->NumErrors, 0);
            CHECK_STR(e->LastErrorString, "");
            CHECK_STR(e->Subject, "fine");
            CHECK_STR(e->QueueGroup, "q");
            CHECK(e->AverageProcessingTimeNanoseconds > 0);
            CHECK(e->ProcessingTimeSeconds * 1000000000LL + e->ProcessingTimeNanoseconds >=
                  e->AverageProcessingTimeNanoseconds * 4 - 4);
            found++;
        }
    }
    CHECK_EQ_INT(found, 4);
    microServiceStats_Destroy(st);
    microServiceStats_Destroy(NULL);

    CHECK_NO_MERR(microService_Destroy(svc));
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

/* ------------------------------------------------------------------ */
/* Info and monitoring subjects                                        */

static microError *custom_stats(microRequest *req)
{
    return microRequest_Respond(req, "custom-stats", 12);
}

TEST(micro_info_and_monitoring)
{
    test_server *srv = test_server_start();
    natsConnection *nc = connect_to(srv);
    microService *svc = NULL;
    microServiceConfig cfg;
    microEndpointConfig ep;
    microServiceInfo *info = NULL;
    const char *md[4] = {"k1", "v1", "k2", "v2"};
    const char *emd[2] = {"unit", "ms"};
    char subj[128];
    natsMsg *r = NULL;

    memset(&cfg, 0, sizeof(cfg));
    cfg.Name = "infosvc";
    cfg.Version = "2.0.0-rc.1";
    cfg.Description = "described";
    cfg.QueueGroup = "workers";
    cfg.Metadata.List = md;
    cfg.Metadata.Count = 2;
    CHECK_NO_MERR(micro_AddService(&svc, nc, &cfg));
    memset(&ep, 0, sizeof(ep));
    ep.Name = "one";
    ep.Subject = "info.one";
    ep.Handler = echo_handler;
    ep.State = (void *)"I";
    ep.Metadata.List = emd;
    ep.Metadata.Count = 1;
    CHECK_NO_MERR(microService_AddEndpoint(svc, &ep));
    ep.Name = "two";
    ep.Subject = NULL;
    ep.NoQueueGroup = true;
    ep.Metadata.List = NULL;
    ep.Metadata.Count = 0;
    CHECK_NO_MERR(microService_AddEndpoint(svc, &ep));

    CHECK_NO_MERR(microService_GetInfo(&info, svc));
    CHECK_STR(info->Type, MICRO_INFO_RESPONSE_TYPE);
    CHECK_STR(info->Name, "infosvc");
    CHECK_STR(info->Version, "2.0.0-rc.1");
    CHECK_STR(info->Description, "described");
    CHECK(info->Id != NULL && strlen(info->Id) > 0);
    CHECK_EQ_INT(info->Metadata.Count, 2);
    CHECK_STR(info->Metadata.List[0], "k1");
    CHECK_STR(info->Metadata.List[3], "v2");
    CHECK_EQ_INT(info->EndpointsLen, 2);
    {
        /* The order of the endpoints is not part of the API (cnats lists
         * the newest first). */
        int one = strcmp(info->Endpoints[0].Name, "one") == 0 ? 0 : 1;
        int two = 1 - one;
        CHECK_STR(info->Endpoints[one].Name, "one");
        CHECK_STR(info->Endpoints[one].Subject, "info.one");
        CHECK_STR(info->Endpoints[one].QueueGroup, "workers");
        CHECK_EQ_INT(info->Endpoints[one].Metadata.Count, 1);
        CHECK_STR(info->Endpoints[one].Metadata.List[1], "ms");
        CHECK_STR(info->Endpoints[two].Name, "two");
        CHECK_STR(info->Endpoints[two].Subject, "two");
        CHECK(info->Endpoints[two].QueueGroup == NULL);
    }

    /* $SRV.PING.<name>.<id> answers with this instance's id. */
    snprintf(subj, sizeof(subj), "%s.%s.infosvc.%s", MICRO_API_PREFIX, MICRO_PING_VERB, info->Id);
    CHECK_OK(natsConnection_RequestString(&r, nc, subj, "", WAIT_MS));
    CHECK(strstr(natsMsg_GetData(r), MICRO_PING_RESPONSE_TYPE) != NULL);
    CHECK(strstr(natsMsg_GetData(r), info->Id) != NULL);
    natsMsg_Destroy(r);
    CHECK_OK(natsConnection_RequestString(&r, nc, "$SRV.INFO.infosvc", "", WAIT_MS));
    CHECK(strstr(natsMsg_GetData(r), "\"info.one\"") != NULL);
    natsMsg_Destroy(r);
    CHECK_OK(natsConnection_RequestString(&r, nc, "$SRV.STATS", "", WAIT_MS));
    CHECK(strstr(natsMsg_GetData(r), MICRO_STATS_RESPONSE_TYPE) != NULL);
    natsMsg_Destroy(r);
    microServiceInfo_Destroy(info);
    microServiceInfo_Destroy(NULL);

    /* A StatsHandler answers $SRV.STATS for its service instead. */
    {
        microService *custom = NULL;
        microServiceConfig ccfg;
        memset(&ccfg, 0, sizeof(ccfg));
        ccfg.Name = "custom";
        ccfg.Version = "1.0.0";
        ccfg.StatsHandler = custom_stats;
        CHECK_NO_MERR(micro_AddService(&custom, nc, &ccfg));
        request_expect(nc, "$SRV.STATS.custom", "", "custom-stats");
        CHECK_NO_MERR(microService_Destroy(custom));
    }

    CHECK_NO_MERR(microService_Destroy(svc));
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

/* ------------------------------------------------------------------ */
/* Stop and destroy from inside a handler                              */

static int done_calls = 0;
static microService *done_arg = NULL;

static void on_done(microService *m)
{
    pthread_mutex_lock(&mu);
    done_calls++;
    done_arg = m;
    pthread_mutex_unlock(&mu);
}

static microError *stop_handler(microRequest *req)
{
    microError *e = microRequest_Respond(req, "bye", 3);
    CHECK(e == NULL);
    return microService_Stop(microRequest_GetService(req));
}

static microError *destroy_handler(microRequest *req)
{
    microError *e = microRequest_Respond(req, "gone", 4);
    CHECK(e == NULL);
    return microService_Destroy(microRequest_GetService(req));
}

static void *run_service(void *m)
{
    microError *e = microService_Run((microService *)m);
    CHECK(e == NULL);
    return NULL;
}

TEST(micro_stop_and_destroy_inside_handler)
{
    test_server *srv = test_server_start();
    natsConnection *nc = connect_to(srv);
    microService *svc = NULL;
    microServiceConfig cfg;
    microEndpointConfig ep;
    pthread_t runner;

    memset(&ep, 0, sizeof(ep));
    ep.Name = "stop";
    ep.Handler = stop_handler;
    memset(&cfg, 0, sizeof(cfg));
    cfg.Name = "stopper";
    cfg.Version = "1.0.0";
    cfg.Endpoint = &ep;
    cfg.DoneHandler = on_done;
    CHECK_NO_MERR(micro_AddService(&svc, nc, &cfg));
    CHECK(pthread_create(&runner, NULL, run_service, svc) == 0);
    request_expect(nc, "stop", "", "bye");
    wait_for(&done_calls, 1);
    CHECK(done_arg == svc);
    CHECK(pthread_join(runner, NULL) == 0);
    CHECK(microService_IsStopped(svc));
    /* Stopping again is fine; the done handler is not called twice. */
    CHECK_NO_MERR(microService_Stop(svc));
    CHECK_NO_MERR(microService_Destroy(svc));
    test_sleep_ms(50);
    CHECK_EQ_INT(read_int(&done_calls), 1);

    /* Destroyed by its own handler: the done handler still runs once. */
    pthread_mutex_lock(&mu);
    done_calls = 0;
    pthread_mutex_unlock(&mu);
    ep.Name = "destroy";
    ep.Handler = destroy_handler;
    cfg.Name = "destroyer";
    svc = NULL;
    CHECK_NO_MERR(micro_AddService(&svc, nc, &cfg));
    request_expect(nc, "destroy", "", "gone");
    wait_for(&done_calls, 1);
    /* Nobody answers on the endpoint any more. */
    {
        natsMsg *r = NULL;
        CHECK_STATUS(natsConnection_RequestString(&r, nc, "destroy", "", 300), NATS_NO_RESPONDERS);
    }

    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

/* ------------------------------------------------------------------ */
/* Two instances in one queue group                                    */

static int served_a = 0, served_b = 0;

static microError *count_handler(microRequest *req)
{
    bump((int *)microRequest_GetServiceState(req));
    return microRequest_Respond(req, "ok", 2);
}

TEST(micro_queue_group_shares_load)
{
    test_server *srv = test_server_start();
    natsConnection *nc1 = connect_to(srv);
    natsConnection *nc2 = connect_to(srv);
    microService *a = NULL, *b = NULL;
    microServiceConfig cfg;
    microEndpointConfig ep;
    int i;

    memset(&ep, 0, sizeof(ep));
    ep.Name = "work";
    ep.Handler = count_handler;
    memset(&cfg, 0, sizeof(cfg));
    cfg.Name = "shared";
    cfg.Version = "1.0.0";
    cfg.Endpoint = &ep;
    cfg.State = &served_a;
    CHECK_NO_MERR(micro_AddService(&a, nc1, &cfg));
    cfg.State = &served_b;
    CHECK_NO_MERR(micro_AddService(&b, nc2, &cfg));
    CHECK_OK(natsConnection_Flush(nc1));
    CHECK_OK(natsConnection_Flush(nc2));

    for (i = 0; i < 60; i++)
        request_expect(nc1, "work", "", "ok");
    /* Each request served exactly once, by one of the two. */
    CHECK_EQ_INT(read_int(&served_a) + read_int(&served_b), 60);
    CHECK(read_int(&served_a) > 0);
    CHECK(read_int(&served_b) > 0);

    CHECK_NO_MERR(microService_Destroy(a));
    CHECK_NO_MERR(microService_Destroy(b));
    natsConnection_Destroy(nc1);
    natsConnection_Destroy(nc2);
    test_server_stop(srv);
}

/* ------------------------------------------------------------------ */
/* The error handler: a slow consumer on an endpoint                   */

static int err_calls = 0;
static microService *err_svc = NULL;
static microEndpoint *err_ep = NULL;
static natsStatus err_status = NATS_OK;
static int released = 0;
static int stuck_done = 0;

static void on_micro_err(microService *m, microEndpoint *ep, natsStatus s)
{
    pthread_mutex_lock(&mu);
    if (err_calls++ == 0) {
        err_svc = m;
        err_ep = ep;
        err_status = s;
    }
    pthread_mutex_unlock(&mu);
}

static void on_stuck_done(microService *m)
{
    (void)m;
    bump(&stuck_done);
}

/* Blocks until the test releases it (at most WAIT_MS). */
static microError *stuck_handler(microRequest *req)
{
    int64_t deadline = test_now_ms() + WAIT_MS;
    (void)req;
    while (read_int(&released) == 0 && test_now_ms() < deadline)
        test_sleep_ms(5);
    return NULL;
}

static void quiet_err(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    (void)nc;
    (void)sub;
    (void)err;
    (void)closure;
}

TEST(micro_err_handler_on_slow_consumer)
{
    test_server *srv = test_server_start();
    natsOptions *opts = NULL;
    natsConnection *nc = NULL;
    microService *svc = NULL;
    microServiceConfig cfg;
    microEndpointConfig ep;
    int i;

    CHECK_OK(natsOptions_Create(&opts));
    CHECK_OK(natsOptions_SetURL(opts, srv->url));
    CHECK_OK(natsOptions_SetMaxPendingMsgs(opts, 2));
    CHECK_OK(natsOptions_SetErrorHandler(opts, quiet_err, NULL));
    CHECK_OK(natsConnection_Connect(&nc, opts));
    natsOptions_Destroy(opts);

    memset(&ep, 0, sizeof(ep));
    ep.Name = "stuck";
    ep.Handler = stuck_handler;
    memset(&cfg, 0, sizeof(cfg));
    cfg.Name = "slowc";
    cfg.Version = "1.0.0";
    cfg.Endpoint = &ep;
    cfg.ErrHandler = on_micro_err;
    cfg.DoneHandler = on_stuck_done;
    CHECK_NO_MERR(micro_AddService(&svc, nc, &cfg));
    for (i = 0; i < 10; i++)
        CHECK_OK(natsConnection_PublishString(nc, "stuck", ""));
    CHECK_OK(natsConnection_Flush(nc));
    /* At least once: how many slow-consumer episodes the burst makes
     * depends on when the delivery thread takes the first message (one
     * queued below the limit ends an episode, as in cnats). */
    wait_at_least(&err_calls, 1);
    pthread_mutex_lock(&mu);
    CHECK(err_svc == svc);
    CHECK(err_ep != NULL);
    CHECK_STATUS(err_status, NATS_SLOW_CONSUMER);
    pthread_mutex_unlock(&mu);
    /* The service stops (as cnats); it is done once the handler returns. */
    CHECK(microService_IsStopped(svc));
    bump(&released);
    wait_for(&stuck_done, 1);

    CHECK_NO_MERR(microService_Destroy(svc));
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

/* ------------------------------------------------------------------ */
/* Invalid arguments                                                   */

static void check_invalid(microError *e)
{
    CHECK(e != NULL);
    CHECK_STATUS(microError_Status(e), NATS_INVALID_ARG);
    microError_Destroy(e);
}

/* A NULL argument: rnats answers with the static micro_ErrorInvalidArg
 * (and a last error naming the argument); cnats with some invalid-argument
 * error. */
#ifdef RNATS_TEST_AGAINST_CNATS
#define CHECK_MICRO_INVALID(call)                                            \
    do {                                                                     \
        microError *e_ = (call);                                             \
        if (e_ == NULL)                                                      \
            test_fail(__FILE__, __LINE__, "%s: no error", #call);            \
        check_invalid(e_);                                                   \
    } while (0)
#else
#define CHECK_MICRO_INVALID(call) CHECK((call) == micro_ErrorInvalidArg)
#endif

TEST(micro_invalid_arguments)
{
    test_server *srv = test_server_start();
    natsConnection *nc = connect_to(srv);
    microService *svc = NULL;
    microGroup *g = NULL;
    microServiceConfig cfg;
    microEndpointConfig ep;
    microGroupConfig gc;
    microServiceInfo *info = NULL;
    microServiceStats *st = NULL;
    microClient *client = NULL;
    natsMsg *r = NULL;

    memset(&cfg, 0, sizeof(cfg));
    memset(&ep, 0, sizeof(ep));
    memset(&gc, 0, sizeof(gc));
    CHECK_MICRO_INVALID(micro_AddService(NULL, nc, &cfg));
    CHECK_MICRO_INVALID(micro_AddService(&svc, NULL, &cfg));
    CHECK_MICRO_INVALID(micro_AddService(&svc, nc, NULL));
    CHECK(svc == NULL);

    cfg.Name = "bad name!";
    cfg.Version = "1.0.0";
    check_invalid(micro_AddService(&svc, nc, &cfg));
    cfg.Name = "good";
#ifndef RNATS_TEST_AGAINST_CNATS
    /* A version must be a semantic version (ADR-32); cnats 3.14 takes any. */
    cfg.Version = "one";
    check_invalid(micro_AddService(&svc, nc, &cfg));
#endif
    CHECK(svc == NULL);

    cfg.Version = "1.0.0";
    CHECK_NO_MERR(micro_AddService(&svc, nc, &cfg));
    /* An endpoint without handler, or with a bad name. */
#ifndef RNATS_TEST_AGAINST_CNATS
    /* cnats accepts it (and would crash on the first request). */
    ep.Name = "nohandler";
    {
        microError *e = microService_AddEndpoint(svc, &ep);
        CHECK(e != NULL);
        microError_Destroy(e);
    }
#endif
    ep.Name = "bad name";
    ep.Handler = echo_handler;
    check_invalid(microService_AddEndpoint(svc, &ep));
    CHECK_MICRO_INVALID(microService_AddEndpoint(NULL, &ep));
    CHECK(microService_AddEndpoint(svc, NULL) == NULL); /* nothing to add */
    CHECK_MICRO_INVALID(microService_AddGroup(NULL, svc, &gc));
    CHECK_MICRO_INVALID(microService_AddGroup(&g, NULL, &gc));
    CHECK_MICRO_INVALID(microGroup_AddGroup(&g, NULL, &gc));
    CHECK_MICRO_INVALID(microGroup_AddEndpoint(NULL, &ep));
    CHECK_MICRO_INVALID(microService_GetInfo(NULL, svc));
    CHECK_MICRO_INVALID(microService_GetInfo(&info, NULL));
    CHECK_MICRO_INVALID(microService_GetStats(&st, NULL));
    CHECK_MICRO_INVALID(microService_Stop(NULL));
    CHECK_MICRO_INVALID(microService_Run(NULL));
    CHECK_MICRO_INVALID(microService_Destroy(NULL));
    CHECK(microService_IsStopped(NULL));
    CHECK(microService_GetConnection(NULL) == NULL);
    CHECK(microService_GetState(NULL) == NULL);
    CHECK_MICRO_INVALID(microRequest_Respond(NULL, "x", 1));
    CHECK_MICRO_INVALID(microRequest_RespondError(NULL, micro_Errorf("freed anyway")));
    CHECK(microRequest_GetData(NULL) == NULL);
    CHECK_EQ_INT(microRequest_GetDataLength(NULL), 0);
    CHECK(microRequest_GetSubject(NULL) == NULL);
    CHECK(microRequest_GetService(NULL) == NULL);
    CHECK_MICRO_INVALID(micro_NewClient(NULL, nc, NULL));
#ifndef RNATS_TEST_AGAINST_CNATS
    /* cnats makes a client without a connection (failing at each request). */
    CHECK_MICRO_INVALID(micro_NewClient(&client, NULL, NULL));
#endif
    CHECK_NO_MERR(micro_NewClient(&client, nc, NULL));
    CHECK_MICRO_INVALID(microClient_DoRequest(NULL, client, "x", NULL, 0));
    CHECK_MICRO_INVALID(microClient_DoRequest(&r, NULL, "x", NULL, 0));
    {
        microError *e = microClient_DoRequest(&r, client, NULL, NULL, 0);
        CHECK(e != NULL);
        CHECK_STATUS(microError_Status(e), NATS_INVALID_SUBJECT);
        microError_Destroy(e);
    }
    /* No such service: the request's failure. */
    {
        microError *e = microClient_DoRequest(&r, client, "nobody.home", "x", 1);
        CHECK(e != NULL);
        CHECK_STATUS(microError_Status(e), NATS_NO_RESPONDERS);
        microError_Destroy(e);
    }
    microClient_Destroy(client);
    microClient_Destroy(NULL);

    CHECK_NO_MERR(microService_Destroy(svc));
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

static const test_case tests[] = {
    T(micro_errors),
    T(micro_endpoints_and_groups),
    T(micro_error_responses_and_stats),
    T(micro_info_and_monitoring),
    T(micro_stop_and_destroy_inside_handler),
    T(micro_queue_group_shares_load),
    T(micro_err_handler_on_slow_consumer),
    T(micro_invalid_arguments),
};

int main(int argc, char **argv)
{
    int rc = TEST_MAIN(tests);
    if (rc == 0 && !(argc > 1 && strcmp(argv[1], "--list") == 0)) {
        /* Release every library resource, so valgrind sees no leak. */
        CHECK_OK(nats_CloseAndWait(WAIT_MS));
    }
    return rc;
}

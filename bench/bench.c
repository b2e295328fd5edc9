/*
 * rnats benchmark: one program, built twice from this source (against
 * rnats and against Debian's cnats), using only the public nats.h API.
 *
 *   bench <case> <url> [args...]
 *
 * Each run prints one line per metric:  RESULT <name> <value>
 * (bench/run.sh collects and compares them).  See docs/performance.md.
 */
#define _GNU_SOURCE
#include <nats/nats.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what, natsStatus s)
{
    fprintf(stderr, "bench: %s: %s (%d) %s\n", what, natsStatus_GetText(s), (int) s, nats_GetLastError(NULL));
    exit(1);
}

#define CHECK(what, call)                                                                                              \
    do {                                                                                                               \
        natsStatus s_ = (call);                                                                                        \
        if (s_ != NATS_OK)                                                                                             \
            die(what, s_);                                                                                             \
    } while (0)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* User + system CPU of the whole process, in seconds. */
static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6 + (double) ru.ru_stime.tv_sec +
           (double) ru.ru_stime.tv_usec / 1e6;
}

static void result(const char *name, double v) { printf("RESULT %s %.6g\n", name, v); }

static natsConnection *connect_url(const char *url, int asap)
{
    natsOptions *o = NULL;
    natsConnection *nc = NULL;
    CHECK("options", natsOptions_Create(&o));
    CHECK("url", natsOptions_SetURL(o, url));
    if (asap)
        CHECK("send asap", natsOptions_SetSendAsap(o, true));
    CHECK("connect", natsConnection_Connect(&nc, o));
    natsOptions_Destroy(o);
    return nc;
}

static char *payload(int size)
{
    char *p = malloc((size_t) size + 1);
    if (p == NULL)
        exit(1);
    memset(p, 'x', (size_t) size);
    p[size] = 0;
    return p;
}

/* ---- pub: N messages of SIZE bytes, then a flush ---- */

static int case_pub(const char *url, int size, long n)
{
    natsConnection *nc = connect_url(url, 0);
    char *data = payload(size);
    double c0 = cpu_s(), t0 = now_s();
    for (long i = 0; i < n; i++)
        CHECK("publish", natsConnection_Publish(nc, "bench.pub", data, size));
    CHECK("flush", natsConnection_FlushTimeout(nc, 60000));
    double dt = now_s() - t0, dc = cpu_s() - c0;
    if (n > 0) {
        result("msgs_per_s", (double) n / dt);
        result("cpu_ns_per_msg", dc * 1e9 / (double) n);
    }
    natsConnection_Destroy(nc);
    free(data);
    return 0;
}

/* ---- many publishers: T threads sharing one connection ---- */

struct mpub {
    natsConnection *nc;
    const char *data;
    int size;
    long n;
};

static void *mpub_thread(void *arg)
{
    struct mpub *m = arg;
    for (long i = 0; i < m->n; i++)
        CHECK("publish", natsConnection_Publish(m->nc, "bench.mpub", m->data, m->size));
    return NULL;
}

static int case_mpub(const char *url, int size, long n, int threads)
{
    natsConnection *nc = connect_url(url, 0);
    char *data = payload(size);
    pthread_t th[64];
    if (threads < 1 || threads > 64)
        threads = 8;
    struct mpub m = {nc, data, size, n / threads};
    double t0 = now_s();
    for (int i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, mpub_thread, &m);
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    CHECK("flush", natsConnection_FlushTimeout(nc, 60000));
    double dt = now_s() - t0;
    result("msgs_per_s", (double) (m.n * threads) / dt);
    natsConnection_Destroy(nc);
    free(data);
    return 0;
}

/* ---- pub+sub in one process ---- */

static volatile int64_t received;
static volatile double last_rx;

static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) nc;
    (void) sub;
    (void) closure;
    natsMsg_Destroy(msg);
    __atomic_add_fetch(&received, 1, __ATOMIC_RELAXED);
}

struct syncrx {
    natsSubscription *sub;
    long n;
};

static void *sync_reader(void *arg)
{
    struct syncrx *r = arg;
    for (;;) {
        natsMsg *m = NULL;
        natsStatus s = natsSubscription_NextMsg(&m, r->sub, 500);
        if (s == NATS_OK) {
            natsMsg_Destroy(m);
            if (__atomic_add_fetch(&received, 1, __ATOMIC_RELAXED) >= r->n)
                break;
        } else if (s == NATS_SLOW_CONSUMER) {
            continue;
        } else {
            break; /* timeout: nothing more is coming (drops) */
        }
    }
    return NULL;
}

/* mode: "async" or "sync"; unlimited: raise pending limits (callgrind);
 * two: the publisher has a connection of its own (pubsub2). */
static int case_pubsub(const char *url, const char *mode, int size, long n, int unlimited, int two)
{
    natsConnection *nc = connect_url(url, 0);
    natsConnection *pc = two ? connect_url(url, 0) : nc;
    natsSubscription *sub = NULL;
    int sync = strcmp(mode, "sync") == 0;
    pthread_t th;
    struct syncrx rx;
    char *data = payload(size);

    received = 0;
    if (sync)
        CHECK("subscribe", natsConnection_SubscribeSync(&sub, nc, "bench.ps"));
    else
        CHECK("subscribe", natsConnection_Subscribe(&sub, nc, "bench.ps", on_msg, NULL));
    if (unlimited)
        CHECK("limits", natsSubscription_SetPendingLimits(sub, -1, -1));
    CHECK("flush", natsConnection_FlushTimeout(nc, 10000));
    if (sync) {
        rx.sub = sub;
        rx.n = n;
        if (n > 0)
            pthread_create(&th, NULL, sync_reader, &rx);
    }
    double c0 = cpu_s(), t0 = now_s();
    /* A publish can fail when the server cuts off a client that does not
     * read fast enough (server-side slow consumer): that is a result too. */
    natsStatus ps = NATS_OK;
    for (long i = 0; i < n && ps == NATS_OK; i++)
        ps = natsConnection_Publish(pc, "bench.ps", data, size);
    if (ps == NATS_OK)
        ps = natsConnection_FlushTimeout(pc, 60000);
    if (ps != NATS_OK)
        fprintf(stderr, "bench: pubsub: publish/flush failed: %s (%s)\n", natsStatus_GetText(ps), nats_GetLastError(NULL));
    /* Wait until everything is delivered or dropped, or nothing moves for 2 s. */
    int64_t seen = -1, dropped = 0;
    double idle_since = now_s(), t_end = now_s();
    while (n > 0) {
        int64_t r = __atomic_load_n(&received, __ATOMIC_RELAXED);
        natsSubscription_GetDropped(sub, &dropped);
        if (r != seen) {
            seen = r;
            t_end = now_s();
            idle_since = t_end;
        }
        if (r + dropped >= n || now_s() - idle_since > (unlimited ? 10.0 : 2.0) || (sync && r >= n))
            break;
        usleep(200);
    }
    double dc = cpu_s() - c0;
    if (sync && n > 0) {
        if (received < n)
            natsSubscription_Unsubscribe(sub); /* wakes the reader */
        pthread_join(th, NULL);
    }
    natsSubscription_GetDropped(sub, &dropped);
    if (n > 0) {
        double dt = t_end - t0;
        result("delivered_per_s", (double) received / dt);
        result("dropped", (double) dropped);
        result("lost", (double) (n - received - dropped));
        result("pub_failed", ps != NATS_OK);
        result("cpu_ns_per_msg", received > 0 ? dc * 1e9 / (double) received : 0);
    }
    natsSubscription_Destroy(sub);
    if (two)
        natsConnection_Destroy(pc);
    natsConnection_Destroy(nc);
    free(data);
    return 0;
}

/* ---- request/reply ---- */

static void on_req(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) sub;
    (void) closure;
    const char *reply = natsMsg_GetReply(msg);
    if (reply != NULL)
        natsConnection_Publish(nc, reply, natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
    natsMsg_Destroy(msg);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static double pct(const double *v, long n, double p)
{
    long i = (long) (p * (double) (n - 1) + 0.5);
    return v[i];
}

static void latencies(const char *prefix, double *lat, long n)
{
    char name[64];
    qsort(lat, (size_t) n, sizeof(double), cmp_double);
    snprintf(name, sizeof name, "%sp50_us", prefix);
    result(name, pct(lat, n, 0.50) * 1e6);
    snprintf(name, sizeof name, "%sp90_us", prefix);
    result(name, pct(lat, n, 0.90) * 1e6);
    snprintf(name, sizeof name, "%sp99_us", prefix);
    result(name, pct(lat, n, 0.99) * 1e6);
}

/* pause_us > 0: sleep that long between requests, so that every request
 * finds both connections idle (as a service answering now and then). */
static int case_req(const char *url, long n, int asap, long pause_us)
{
    natsConnection *srv = connect_url(url, asap);
    natsConnection *cli = connect_url(url, asap);
    natsSubscription *sub = NULL;
    char data[16];
    double *lat = calloc((size_t) (n > 0 ? n : 1), sizeof(double));

    memset(data, 'r', sizeof data);
    CHECK("subscribe", natsConnection_Subscribe(&sub, srv, "bench.req", on_req, NULL));
    CHECK("flush", natsConnection_FlushTimeout(srv, 10000));
    /* warm-up: the first request creates the response subscription */
    natsMsg *reply = NULL;
    CHECK("request", natsConnection_Request(&reply, cli, "bench.req", data, sizeof data, 5000));
    natsMsg_Destroy(reply);
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        if (pause_us > 0)
            usleep((useconds_t) pause_us);
        double s = now_s();
        CHECK("request", natsConnection_Request(&reply, cli, "bench.req", data, sizeof data, 5000));
        lat[i] = now_s() - s;
        natsMsg_Destroy(reply);
    }
    double dt = now_s() - t0;
    if (n > 0) {
        if (pause_us == 0)
            result("req_per_s", (double) n / dt);
        latencies("", lat, n);
    }
    natsSubscription_Destroy(sub);
    natsConnection_Destroy(cli);
    natsConnection_Destroy(srv);
    free(lat);
    return 0;
}

/* ---- JetStream publish: sync (latency) and async (throughput) ----
 * A fresh stream per run (name with the pid), MEMORY or FILE storage,
 * created and deleted with plain API requests; default options. */

static void js_api(natsConnection *nc, const char *verb, const char *stream, const char *body)
{
    char subj[128];
    natsMsg *reply = NULL;
    snprintf(subj, sizeof subj, "$JS.API.STREAM.%s.%s", verb, stream);
    CHECK("jetstream api", natsConnection_RequestString(&reply, nc, subj, body, 10000));
    if (strstr(natsMsg_GetData(reply), "\"error\"") != NULL) {
        fprintf(stderr, "bench: %s %s: %s\n", verb, stream, natsMsg_GetData(reply));
        exit(1);
    }
    natsMsg_Destroy(reply);
}

static jsCtx *js_setup(natsConnection *nc, const char *storage, char *stream, size_t len)
{
    char body[256];
    jsCtx *js = NULL;
    snprintf(stream, len, "BENCH%ld", (long) getpid());
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"subjects\":[\"bench.js.%ld\"],\"storage\":\"%s\"}", stream,
             (long) getpid(), storage);
    js_api(nc, "CREATE", stream, body);
    CHECK("jetstream", natsConnection_JetStream(&js, nc, NULL));
    return js;
}

static int case_jspub(const char *url, const char *mode, int size, long n, const char *storage)
{
    natsConnection *nc = connect_url(url, 0);
    char stream[64], subj[64];
    char *data = payload(size);
    jsCtx *js = js_setup(nc, storage, stream, sizeof stream);
    jsErrCode jerr = 0;
    snprintf(subj, sizeof subj, "bench.js.%ld", (long) getpid());

    /* warm-up: the first publish of each kind sets things up */
    CHECK("js publish", js_Publish(NULL, js, subj, data, size, NULL, &jerr));
    if (strcmp(mode, "sync") == 0) {
        double *lat = calloc((size_t) (n > 0 ? n : 1), sizeof(double));
        double c0 = cpu_s(), t0 = now_s();
        for (long i = 0; i < n; i++) {
            jsPubAck *pa = NULL;
            double st = now_s();
            CHECK("js publish", js_Publish(&pa, js, subj, data, size, NULL, &jerr));
            lat[i] = now_s() - st;
            jsPubAck_Destroy(pa);
        }
        double dt = now_s() - t0, dc = cpu_s() - c0;
        if (n > 0) {
            result("msgs_per_s", (double) n / dt);
            result("cpu_ns_per_msg", dc * 1e9 / (double) n);
            latencies("", lat, n);
        }
        free(lat);
    } else {
        jsPubOptions po;
        CHECK("pub options", jsPubOptions_Init(&po));
        po.MaxWait = 60000;
        double c0 = cpu_s(), t0 = now_s();
        for (long i = 0; i < n; i++)
            CHECK("js publish async", js_PublishAsync(js, subj, data, size, NULL));
        CHECK("js publish async complete", js_PublishAsyncComplete(js, &po));
        double dt = now_s() - t0, dc = cpu_s() - c0;
        result("msgs_per_s", (double) n / dt);
        result("cpu_ns_per_msg", dc * 1e9 / (double) n);
    }
    jsCtx_Destroy(js);
    js_api(nc, "DELETE", stream, "");
    natsConnection_Destroy(nc);
    free(data);
    return 0;
}

/* ---- Key/Value: put and get latency, watch throughput ----
 * A fresh bucket per run (name with the pid), memory storage, otherwise
 * the kvConfig defaults (history 1); deleted at the end. Values of 16 B. */

static kvStore *kv_setup(jsCtx *js, char *bucket, size_t len)
{
    kvConfig cfg;
    kvStore *kv = NULL;
    snprintf(bucket, len, "BENCHKV%ld", (long) getpid());
    CHECK("kv config", kvConfig_Init(&cfg));
    cfg.Bucket = bucket;
    cfg.StorageType = js_MemoryStorage;
    CHECK("kv create", js_CreateKeyValue(&kv, js, &cfg));
    return kv;
}

struct kvpub {
    const char *url;
    const char *bucket;
    const char *data;
    long n;
};

/* The puts of the watch case: another connection publishing to the
 * bucket's subjects asynchronously, so that they arrive faster than one
 * round trip each and the watcher is what is measured. Every put is to a
 * new key: with history 1, a value replaced before the server delivered it
 * would be skipped (a watcher sees the latest values, not every one). */
static void *kv_putter(void *arg)
{
    struct kvpub *p = arg;
    natsConnection *nc = connect_url(p->url, 0);
    jsCtx *js = NULL;
    jsPubOptions po;
    char subj[128];
    CHECK("jetstream", natsConnection_JetStream(&js, nc, NULL));
    CHECK("pub options", jsPubOptions_Init(&po));
    po.MaxWait = 60000;
    for (long i = 0; i < p->n; i++) {
        snprintf(subj, sizeof subj, "$KV.%s.k.%ld", p->bucket, i);
        CHECK("js publish async", js_PublishAsync(js, subj, p->data, 16, NULL));
    }
    CHECK("js publish async complete", js_PublishAsyncComplete(js, &po));
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return NULL;
}

static int case_kv(const char *url, const char *mode, long n)
{
    natsConnection *nc = connect_url(url, 0);
    jsCtx *js = NULL;
    char bucket[64];
    char *data = payload(16);
    CHECK("jetstream", natsConnection_JetStream(&js, nc, NULL));
    kvStore *kv = kv_setup(js, bucket, sizeof bucket);

    /* warm-up, and the key that the get case reads */
    CHECK("kv put", kvStore_Put(NULL, kv, "key", data, 16));
    if (strcmp(mode, "put") == 0 || strcmp(mode, "get") == 0) {
        int put = strcmp(mode, "put") == 0;
        double *lat = calloc((size_t) (n > 0 ? n : 1), sizeof(double));
        double c0 = cpu_s(), t0 = now_s();
        for (long i = 0; i < n; i++) {
            double st = now_s();
            if (put) {
                CHECK("kv put", kvStore_Put(NULL, kv, "key", data, 16));
            } else {
                kvEntry *e = NULL;
                CHECK("kv get", kvStore_Get(&e, kv, "key"));
                if (kvEntry_ValueLen(e) != 16) {
                    fprintf(stderr, "bench: kv get: %d bytes\n", kvEntry_ValueLen(e));
                    exit(1);
                }
                kvEntry_Destroy(e);
            }
            lat[i] = now_s() - st;
        }
        double dt = now_s() - t0, dc = cpu_s() - c0;
        if (n > 0) {
            result("ops_per_s", (double) n / dt);
            result("cpu_ns_per_op", dc * 1e9 / (double) n);
            latencies("", lat, n);
        }
        free(lat);
    } else {
        kvWatcher *w = NULL;
        kvEntry *e = NULL;
        pthread_t th;
        struct kvpub p = {url, bucket, data, n};
        long got = 0;
        /* Only new values: the "initial values done" marker comes first. */
        CHECK("kv watch", kvStore_Watch(&w, kv, "k.>", NULL));
        CHECK("kv watch marker", kvWatcher_Next(&e, w, 10000));
        if (e != NULL) {
            fprintf(stderr, "bench: kv watch: an entry before the marker\n");
            exit(1);
        }
        double c0 = cpu_s(), t0 = now_s();
        pthread_create(&th, NULL, kv_putter, &p);
        while (got < n) {
            CHECK("kv watch next", kvWatcher_Next(&e, w, 30000));
            if (e != NULL) {
                got++;
                kvEntry_Destroy(e);
            }
        }
        double dt = now_s() - t0, dc = cpu_s() - c0;
        pthread_join(th, NULL);
        result("entries_per_s", (double) n / dt);
        result("cpu_ns_per_entry", dc * 1e9 / (double) n);
        kvWatcher_Destroy(w);
    }
    kvStore_Destroy(kv);
    CHECK("kv delete", js_DeleteKeyValue(js, bucket));
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    free(data);
    return 0;
}

/* ---- request/reply through a services (micro) endpoint ---- */

/* MICRO_API_PREFIX is defined exactly when nats.h has the services API
 * (Debian's cnats 3.4 has not): without it the case reports "unsupported"
 * (exit status 3), which bench/run.sh skips. */
#ifdef MICRO_API_PREFIX
static microError *on_micro(microRequest *req)
{
    return microRequest_Respond(req, microRequest_GetData(req), (size_t) microRequest_GetDataLength(req));
}

static int case_micro(const char *url, long n, int asap)
{
    natsConnection *srv = connect_url(url, asap);
    natsConnection *cli = connect_url(url, asap);
    microService *svc = NULL;
    microServiceConfig cfg;
    microEndpointConfig ep;
    microError *err;
    char data[16];
    double *lat = calloc((size_t) (n > 0 ? n : 1), sizeof(double));

    memset(&ep, 0, sizeof ep);
    ep.Name = "echo";
    ep.Subject = "bench.micro";
    ep.Handler = on_micro;
    memset(&cfg, 0, sizeof cfg);
    cfg.Name = "bench";
    cfg.Version = "1.0.0";
    cfg.Endpoint = &ep;
    err = micro_AddService(&svc, srv, &cfg);
    if (err != NULL) {
        char buf[256];
        fprintf(stderr, "bench: micro_AddService: %s\n", microError_String(err, buf, sizeof buf));
        exit(1);
    }
    memset(data, 'r', sizeof data);
    CHECK("flush", natsConnection_FlushTimeout(srv, 10000));
    /* warm-up: the first request creates the response subscription */
    natsMsg *reply = NULL;
    CHECK("request", natsConnection_Request(&reply, cli, "bench.micro", data, sizeof data, 5000));
    natsMsg_Destroy(reply);
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        double s = now_s();
        CHECK("request", natsConnection_Request(&reply, cli, "bench.micro", data, sizeof data, 5000));
        lat[i] = now_s() - s;
        natsMsg_Destroy(reply);
    }
    double dt = now_s() - t0;
    if (n > 0) {
        result("req_per_s", (double) n / dt);
        latencies("", lat, n);
    }
    microError_Destroy(microService_Destroy(svc));
    natsConnection_Destroy(cli);
    natsConnection_Destroy(srv);
    free(lat);
    return 0;
}
#else
static int case_micro(const char *url, long n, int asap)
{
    (void) url;
    (void) n;
    (void) asap;
    fprintf(stderr, "bench: unsupported: this nats.h has no services (micro) API\n");
    return 3;
}
#endif

/* ---- Object store: put and get throughput ----
 * A fresh bucket per run (name with the pid), memory storage; one object
 * of SIZE random bytes put with objStore_PutBytes, got back with
 * objStore_GetBytes and compared. cnats has the object store from 3.14 on
 * (Debian's 3.4 has none: the case reports "unsupported" there). */
#if NATS_VERSION_NUMBER >= 0x030E00
static int case_obj(const char *url, long size, int reps)
{
    natsConnection *nc = connect_url(url, 0);
    jsCtx *js = NULL;
    objStore *obs = NULL;
    objStoreConfig cfg;
    char bucket[64];
    unsigned char *data = malloc((size_t) size);
    double put_s = 0, get_s = 0;
    unsigned int seed = 12345;
    if (data == NULL)
        return 1;
    for (long i = 0; i < size; i++)
        data[i] = (unsigned char) (rand_r(&seed) & 0xff);
    CHECK("jetstream", natsConnection_JetStream(&js, nc, NULL));
    snprintf(bucket, sizeof bucket, "BENCHOBJ%ld", (long) getpid());
    CHECK("obj config", objStoreConfig_Init(&cfg));
    cfg.Bucket = bucket;
    cfg.Storage = js_MemoryStorage;
    CHECK("obj create", js_CreateObjectStore(&obs, js, &cfg));
    for (int r = 0; r < reps; r++) {
        objStoreInfo *info = NULL;
        void *back = NULL;
        int back_len = 0;
        double t0 = now_s();
        CHECK("obj put", objStore_PutBytes(&info, obs, "bench-object", data, (int) size));
        double t1 = now_s();
        CHECK("obj get", objStore_GetBytes(&back, &back_len, obs, "bench-object", NULL));
        double t2 = now_s();
        if (back_len != size || memcmp(back, data, (size_t) size) != 0) {
            fprintf(stderr, "bench: object read back differs\n");
            return 1;
        }
        put_s += t1 - t0;
        get_s += t2 - t1;
        free(back);
        objStoreInfo_Destroy(info);
    }
    result("put_mib_per_s", (double) size * reps / (1024.0 * 1024.0) / put_s);
    result("get_mib_per_s", (double) size * reps / (1024.0 * 1024.0) / get_s);
    objStore_Destroy(obs);
    js_DeleteObjectStore(js, bucket);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    free(data);
    return 0;
}
#else
static int case_obj(const char *url, long size, int reps)
{
    (void) url;
    (void) size;
    (void) reps;
    fprintf(stderr, "bench: unsupported: this nats.h has no object store API\n");
    return 3;
}
#endif

/* ---- JetStream consume: fetch (with / without acks), async pull, ordered ----
 * A fresh memory stream per run filled with COUNT 16-byte messages by
 * asynchronous publishes (not timed); then the timed part reads them all
 * back. */

static jsCtx *js_filled(natsConnection *nc, long n, char *stream, size_t len, char *subj, size_t slen)
{
    jsCtx *js = js_setup(nc, "memory", stream, len);
    jsPubOptions po;
    char data[16] = "0123456789abcde";
    snprintf(subj, slen, "bench.js.%ld", (long) getpid());
    for (long i = 0; i < n; i++)
        CHECK("js publish async", js_PublishAsync(js, subj, data, (int) sizeof data, NULL));
    CHECK("pub options", jsPubOptions_Init(&po));
    po.MaxWait = 60000;
    CHECK("js publish async complete", js_PublishAsyncComplete(js, &po));
    return js;
}

/* Fetches all messages in batches of BATCH, acking each (explicit acks) or
 * not (a consumer that acks none). */
static int case_jsfetch(const char *url, long n, int batch, int ack)
{
    natsConnection *nc = connect_url(url, 0);
    char stream[64], subj[64];
    jsCtx *js = js_filled(nc, n, stream, sizeof stream, subj, sizeof subj);
    natsSubscription *sub = NULL;
    jsSubOptions so;
    long got = 0;
    CHECK("sub options", jsSubOptions_Init(&so));
    so.Config.AckPolicy = ack ? js_AckExplicit : js_AckNone;
    so.Config.MaxAckPending = -1;
    CHECK("pull subscribe", js_PullSubscribe(&sub, js, subj, "bench", NULL, &so, NULL));
    double c0 = cpu_s(), t0 = now_s();
    while (got < n) {
        natsMsgList list = {NULL, 0};
        CHECK("fetch", natsSubscription_Fetch(&list, sub, batch, 10000, NULL));
        for (int i = 0; i < list.Count; i++)
            if (ack)
                CHECK("ack", natsMsg_Ack(list.Msgs[i], NULL));
        got += list.Count;
        natsMsgList_Destroy(&list);
    }
    double dt = now_s() - t0, dc = cpu_s() - c0;
    result("msgs_per_s", (double) n / dt);
    result("cpu_ns_per_msg", dc * 1e9 / (double) n);
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    js_api(nc, "DELETE", stream, "");
    natsConnection_Destroy(nc);
    return 0;
}

/* Reads every message through an asynchronous subscription (async pull or
 * ordered push) until the callback has seen them all. */
static void wait_delivered(natsSubscription *sub, long n)
{
    int64_t d = 0;
    double deadline = now_s() + 120;
    while (natsSubscription_GetDelivered(sub, &d) == NATS_OK && d < n) {
        if (now_s() > deadline) {
            fprintf(stderr, "bench: only %lld of %ld messages\n", (long long) d, n);
            exit(1);
        }
        nats_Sleep(1);
    }
}

static void on_js_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) nc;
    (void) sub;
    if (closure != NULL)
        natsMsg_Ack(msg, NULL);
    natsMsg_Destroy(msg);
}

static int case_jsconsume(const char *url, const char *mode, long n)
{
    natsConnection *nc = connect_url(url, 0);
    char stream[64], subj[64];
    jsCtx *js = js_filled(nc, n, stream, sizeof stream, subj, sizeof subj);
    natsSubscription *sub = NULL;
    jsSubOptions so;
    CHECK("sub options", jsSubOptions_Init(&so));
    double c0 = cpu_s(), t0 = now_s();
    if (strcmp(mode, "ordered") == 0) {
        so.Ordered = true;
        CHECK("ordered subscribe", js_Subscribe(&sub, js, subj, on_js_msg, NULL, NULL, &so, NULL));
    } else {
#if NATS_VERSION_NUMBER >= 0x030900
        jsOptions jo;
        CHECK("js options", jsOptions_Init(&jo));
        jo.PullSubscribeAsync.FetchSize = 256;
        jo.PullSubscribeAsync.MaxMessages = (int) n;
        so.Config.AckPolicy = js_AckExplicit;
        so.Config.MaxAckPending = -1;
        so.ManualAck = true;
        CHECK("async pull subscribe",
              js_PullSubscribeAsync(&sub, js, subj, "bench", on_js_msg, (void *) 1, &jo, &so, NULL));
#else
        /* This cnats predates js_PullSubscribeAsync: no result. */
        jsCtx_Destroy(js);
        js_api(nc, "DELETE", stream, "");
        natsConnection_Destroy(nc);
        return 0;
#endif
    }
    wait_delivered(sub, n);
    double dt = now_s() - t0, dc = cpu_s() - c0;
    result("msgs_per_s", (double) n / dt);
    result("cpu_ns_per_msg", dc * 1e9 / (double) n);
    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    js_api(nc, "DELETE", stream, "");
    natsConnection_Destroy(nc);
    return 0;
}

/* ---- connect + close ---- */

static int case_connect(const char *url, long n, const char *ca)
{
    natsOptions *o = NULL;
    double *lat = calloc((size_t) (n > 0 ? n : 1), sizeof(double));
    CHECK("options", natsOptions_Create(&o));
    CHECK("url", natsOptions_SetURL(o, url));
    if (ca != NULL) {
        CHECK("secure", natsOptions_SetSecure(o, true));
        CHECK("ca", natsOptions_LoadCATrustedCertificates(o, ca));
    }
    /* warm-up (library init, certificate parsing caches) */
    natsConnection *nc = NULL;
    CHECK("connect", natsConnection_Connect(&nc, o));
    natsConnection_Destroy(nc);
    for (long i = 0; i < n; i++) {
        double s = now_s();
        CHECK("connect", natsConnection_Connect(&nc, o));
        natsConnection_Destroy(nc);
        lat[i] = now_s() - s;
    }
    if (n > 0)
        latencies("", lat, n);
    natsOptions_Destroy(o);
    free(lat);
    return 0;
}

/* ---- memory: idle connections with subscriptions ---- */

static void proc_status(long *rss_kb, long *threads)
{
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    *rss_kb = *threads = 0;
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0)
            *rss_kb = strtol(line + 6, NULL, 10);
        else if (strncmp(line, "Threads:", 8) == 0)
            *threads = strtol(line + 8, NULL, 10);
    }
    fclose(f);
}

static void settle(void) { usleep(300 * 1000); }

static int case_mem(const char *url, int nconns, int nsubs)
{
    natsConnection **ncs = calloc((size_t) nconns, sizeof *ncs);
    natsSubscription **subs = calloc((size_t) nconns * (size_t) nsubs, sizeof *subs);
    long rss0, th0, rss1, th1, rssn, thn;
    char subj[64];

    /* Baseline: library initialised, one connection opened and closed. */
    natsConnection *warm = connect_url(url, 0);
    natsConnection_Destroy(warm);
    settle();
    proc_status(&rss0, &th0);
    for (int c = 0; c < nconns; c++) {
        ncs[c] = connect_url(url, 0);
        for (int s = 0; s < nsubs; s++) {
            snprintf(subj, sizeof subj, "bench.mem.%d.%d", c, s);
            CHECK("subscribe", natsConnection_Subscribe(&subs[c * nsubs + s], ncs[c], subj, on_msg, NULL));
        }
        CHECK("flush", natsConnection_FlushTimeout(ncs[c], 10000));
        if (c == 0) {
            settle();
            proc_status(&rss1, &th1);
        }
    }
    settle();
    proc_status(&rssn, &thn);
    result("rss_base_kb", (double) rss0);
    result("threads_base", (double) th0);
    result("rss_1conn_kb", (double) (rss1 - rss0));
    result("threads_1conn", (double) (th1 - th0));
    result("rss_per_conn_kb", (double) (rssn - rss0) / nconns);
    result("threads_per_conn", (double) (thn - th0) / nconns);
    for (int i = 0; i < nconns * nsubs; i++)
        natsSubscription_Destroy(subs[i]);
    for (int c = 0; c < nconns; c++)
        natsConnection_Destroy(ncs[c]);
    free(subs);
    free(ncs);
    return 0;
}

/* ---- thread creations: every pthread_create of the process ----
 * The benchmark defines pthread_create itself, so the library's calls
 * (rnats' std::thread and cnats' natsThread) come here first and are
 * counted, then go on to the C library's. */
static volatile long threads_created;

typedef int (*pthread_create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

int pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*f)(void *), void *arg)
{
    static pthread_create_fn real;
    if (real == NULL)
        real = (pthread_create_fn) dlsym(RTLD_NEXT, "pthread_create");
    __atomic_add_fetch(&threads_created, 1, __ATOMIC_RELAXED);
    return real(t, a, f, arg);
}

/* Context switches of every thread of the process, ended ones included. */
static long ctx_switches(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_nvcsw + ru.ru_nivcsw;
}

/* ---- idle: CONNS connections (every other one TLS when a TLS URL and
 * CA are given), each with an async subscription that has delivered one
 * message, held idle for SECONDS: CPU time and context switches. ---- */

static natsConnection *connect_opts(const char *url, const char *ca)
{
    natsOptions *o = NULL;
    natsConnection *nc = NULL;
    CHECK("options", natsOptions_Create(&o));
    CHECK("url", natsOptions_SetURL(o, url));
    if (ca != NULL) {
        CHECK("secure", natsOptions_SetSecure(o, true));
        CHECK("ca", natsOptions_LoadCATrustedCertificates(o, ca));
    }
    CHECK("connect", natsConnection_Connect(&nc, o));
    natsOptions_Destroy(o);
    return nc;
}

static int case_idle(const char *url, int nconns, double seconds, const char *tls_url, const char *ca)
{
    natsConnection **ncs = calloc((size_t) nconns, sizeof *ncs);
    natsSubscription **subs = calloc((size_t) nconns, sizeof *subs);
    char subj[64];
    received = 0;
    for (int c = 0; c < nconns; c++) {
        int tls = tls_url != NULL && ca != NULL && c % 2 == 1;
        ncs[c] = tls ? connect_opts(tls_url, ca) : connect_opts(url, NULL);
        snprintf(subj, sizeof subj, "bench.idle.%d", c);
        CHECK("subscribe", natsConnection_Subscribe(&subs[c], ncs[c], subj, on_msg, NULL));
        CHECK("publish", natsConnection_Publish(ncs[c], subj, "x", 1));
        CHECK("flush", natsConnection_FlushTimeout(ncs[c], 10000));
    }
    while (__atomic_load_n(&received, __ATOMIC_RELAXED) < nconns)
        usleep(1000);
    /* nats-server pings each new client once after ~2 s (RTT): let it. */
    usleep(3000 * 1000);
    long x0 = ctx_switches();
    double c0 = cpu_s();
    usleep((useconds_t) (seconds * 1e6));
    double dc = cpu_s() - c0;
    long dx = ctx_switches() - x0;
    result("cpu_ms", dc * 1e3);
    result("ctx_switches", (double) dx);
    for (int c = 0; c < nconns; c++) {
        natsSubscription_Destroy(subs[c]);
        natsConnection_Destroy(ncs[c]);
    }
    free(subs);
    free(ncs);
    return 0;
}

/* ---- bursty: BURSTS bursts of MSGS messages, PERIOD ms apart, spread
 * over SUBS async subscriptions of one connection (published from a
 * second one); "pool" delivers through the library's shared pool
 * (natsOptions_UseGlobalMessageDelivery). Thread creations after the
 * first burst, and CPU time while nothing happens between bursts. ---- */

static int case_bursty(const char *url, int nsubs, long msgs, int bursts, int period_ms, int pool)
{
    natsOptions *o = NULL;
    natsConnection *nc = NULL;
    natsConnection *pc = connect_url(url, 0);
    natsSubscription **subs = calloc((size_t) nsubs, sizeof *subs);
    char subj[64];
    char data[16];
    memset(data, 'b', sizeof data);
    CHECK("options", natsOptions_Create(&o));
    CHECK("url", natsOptions_SetURL(o, url));
    if (pool)
        CHECK("pool", natsOptions_UseGlobalMessageDelivery(o, true));
    CHECK("connect", natsConnection_Connect(&nc, o));
    natsOptions_Destroy(o);
    for (int i = 0; i < nsubs; i++) {
        snprintf(subj, sizeof subj, "bench.burst.%d", i);
        CHECK("subscribe", natsConnection_Subscribe(&subs[i], nc, subj, on_msg, NULL));
    }
    CHECK("flush", natsConnection_FlushTimeout(nc, 10000));
    received = 0;
    long created_after_first = 0;
    double idle_cpu = 0, idle_time = 0;
    for (int b = 0; b < bursts; b++) {
        double start = now_s();
        for (long i = 0; i < msgs; i++) {
            snprintf(subj, sizeof subj, "bench.burst.%ld", i % nsubs);
            CHECK("publish", natsConnection_Publish(pc, subj, data, sizeof data));
        }
        CHECK("flush", natsConnection_FlushTimeout(pc, 10000));
        while (__atomic_load_n(&received, __ATOMIC_RELAXED) < (b + 1) * msgs)
            usleep(200);
        if (b == 0)
            created_after_first = __atomic_load_n(&threads_created, __ATOMIC_RELAXED);
        /* Idle until the next burst. */
        double c0 = cpu_s(), t0 = now_s();
        double next = start + period_ms / 1e3;
        if (next > t0)
            usleep((useconds_t) ((next - t0) * 1e6));
        if (b > 0) {
            idle_cpu += cpu_s() - c0;
            idle_time += now_s() - t0;
        }
    }
    result("threads_created", (double) (__atomic_load_n(&threads_created, __ATOMIC_RELAXED) - created_after_first));
    result("idle_cpu_ms_per_s", idle_time > 0 ? idle_cpu * 1e3 / idle_time : 0);
    for (int i = 0; i < nsubs; i++)
        natsSubscription_Destroy(subs[i]);
    natsConnection_Destroy(nc);
    natsConnection_Destroy(pc);
    free(subs);
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench version\n"
                    "       bench pub URL SIZE COUNT\n"
                    "       bench mpub URL SIZE COUNT THREADS\n"
                    "       bench pubsub URL async|sync SIZE COUNT [unlimited]\n"
                    "       bench pubsub2 URL async|sync SIZE COUNT [unlimited]\n"
                    "       bench req URL COUNT [asap|default] [PAUSE_US]\n"
                    "       bench idle URL CONNS SECONDS [TLS_URL CA_FILE]\n"
                    "       bench bursty URL SUBS MSGS BURSTS PERIOD_MS [pool]\n"
                    "       bench micro URL COUNT [asap]\n"
                    "       bench connect URL COUNT [CA_FILE]\n"
                    "       bench mem URL CONNS SUBS\n"
                    "       bench jspub URL sync|async SIZE COUNT memory|file\n"
                    "       bench jsfetch URL COUNT BATCH ack|noack\n"
                    "       bench jsconsume URL pullasync|ordered COUNT\n"
                    "       bench kv URL put|get|watch COUNT\n"
                    "       bench obj URL SIZE REPS\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int rc;
    if (argc < 2)
        usage();
    const char *c = argv[1];
    if (strcmp(c, "version") == 0) {
        printf("%s\n", nats_GetVersion());
        return 0;
    }
    if (argc < 3)
        usage();
    const char *url = argv[2];
    CHECK("nats_Open", nats_Open(-1));
    if (strcmp(c, "pub") == 0 && argc >= 5)
        rc = case_pub(url, atoi(argv[3]), atol(argv[4]));
    else if (strcmp(c, "mpub") == 0 && argc >= 6)
        rc = case_mpub(url, atoi(argv[3]), atol(argv[4]), atoi(argv[5]));
    else if (strcmp(c, "pubsub") == 0 && argc >= 6)
        rc = case_pubsub(url, argv[3], atoi(argv[4]), atol(argv[5]), argc >= 7 && strcmp(argv[6], "unlimited") == 0, 0);
    else if (strcmp(c, "pubsub2") == 0 && argc >= 6)
        rc = case_pubsub(url, argv[3], atoi(argv[4]), atol(argv[5]), argc >= 7 && strcmp(argv[6], "unlimited") == 0, 1);
    else if (strcmp(c, "req") == 0 && argc >= 4)
        rc = case_req(url, atol(argv[3]), argc >= 5 && strcmp(argv[4], "asap") == 0, argc >= 6 ? atol(argv[5]) : 0);
    else if (strcmp(c, "idle") == 0 && argc >= 5)
        rc = case_idle(url, atoi(argv[3]), atof(argv[4]), argc >= 7 ? argv[5] : NULL, argc >= 7 ? argv[6] : NULL);
    else if (strcmp(c, "bursty") == 0 && argc >= 7)
        rc = case_bursty(url, atoi(argv[3]), atol(argv[4]), atoi(argv[5]), atoi(argv[6]),
                         argc >= 8 && strcmp(argv[7], "pool") == 0);
    else if (strcmp(c, "micro") == 0 && argc >= 4)
        rc = case_micro(url, atol(argv[3]), argc >= 5 && strcmp(argv[4], "asap") == 0);
    else if (strcmp(c, "connect") == 0 && argc >= 4)
        rc = case_connect(url, atol(argv[3]), argc >= 5 ? argv[4] : NULL);
    else if (strcmp(c, "jspub") == 0 && argc >= 7)
        rc = case_jspub(url, argv[3], atoi(argv[4]), atol(argv[5]), argv[6]);
    else if (strcmp(c, "jsfetch") == 0 && argc >= 6)
        rc = case_jsfetch(url, atol(argv[3]), atoi(argv[4]), strcmp(argv[5], "ack") == 0);
    else if (strcmp(c, "jsconsume") == 0 && argc >= 5)
        rc = case_jsconsume(url, argv[3], atol(argv[4]));
    else if (strcmp(c, "obj") == 0 && argc >= 5)
        rc = case_obj(url, atol(argv[3]), atoi(argv[4]));
    else if (strcmp(c, "kv") == 0 && argc >= 5)
        rc = case_kv(url, argv[3], atol(argv[4]));
    else if (strcmp(c, "mem") == 0 && argc >= 5)
        rc = case_mem(url, atoi(argv[3]), atoi(argv[4]));
    else
        usage();
    fflush(stdout);
    nats_CloseAndWait(5000);
    return rc;
}

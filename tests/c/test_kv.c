/*
 * Key/Value through the C API: the option structs' _Init functions (every
 * field zero, whatever the storage held before), their NULL checks with
 * the thread's last error, and kvOperation's values.
 *
 * Then the bucket API against a real `nats-server -js` (one per case, in
 * memory storage): create/bind/delete, put/get/revisions, create and
 * update with their CAS failures (status and last error text), delete and purge
 * markers in the history, keys, purge deletes, status, synchronous and
 * callback watchers (stop and destroy from inside the callback, the "done"
 * marker first on an empty bucket), configuration fields, per-key TTLs,
 * sources and republish, and NULL
 * arguments. Every returned object is destroyed, so the valgrind variants
 * also check for leaks.
 */
/* test.h first: it selects the POSIX feature level. */
#include "test.h"

#include <nats/nats.h>
#include <pthread.h>

/* True when the `size` bytes at `p` are all zero. */
static int all_zero(const void *p, size_t size)
{
    const unsigned char *b = p;
    size_t i;
    for (i = 0; i < size; i++)
        if (b[i] != 0)
            return 0;
    return 1;
}

/* The thread's last error status (NATS_OK when there is none). */
static natsStatus last_error_status(void)
{
    natsStatus s = NATS_OK;
    (void)nats_GetLastError(&s);
    return s;
}

static void dummy_watch_cb(kvWatcher *w, kvEntry *e, natsStatus s, void *closure)
{
    (void)w;
    (void)e;
    (void)s;
    (void)closure;
}

TEST(kv_config_init_zeroes_every_field)
{
    kvConfig cfg;
    memset(&cfg, 0xA5, sizeof(cfg));
    CHECK_OK(kvConfig_Init(&cfg));
    CHECK(cfg.Bucket == NULL);
    CHECK(cfg.Description == NULL);
    CHECK_EQ_INT(cfg.MaxValueSize, 0);
    CHECK_EQ_INT(cfg.History, 0);
    CHECK_EQ_INT(cfg.TTL, 0);
    CHECK_EQ_INT(cfg.MaxBytes, 0);
    CHECK_EQ_INT(cfg.StorageType, js_FileStorage);
    CHECK_EQ_INT(cfg.Replicas, 0);
    CHECK(cfg.RePublish == NULL);
    CHECK(cfg.Mirror == NULL);
    CHECK(cfg.Sources == NULL);
    CHECK_EQ_INT(cfg.SourcesLen, 0);
#ifndef RNATS_TEST_AGAINST_CNATS
    CHECK_EQ_INT(cfg.LimitMarkerTTL, 0);
#endif
    /* Padding too: cnats clears the whole struct. */
    CHECK(all_zero(&cfg, sizeof(cfg)));
}

TEST(kv_watch_options_init_zeroes_every_field)
{
    kvWatchOptions o;
    memset(&o, 0xA5, sizeof(o));
    CHECK_OK(kvWatchOptions_Init(&o));
    CHECK(!o.IgnoreDeletes);
    CHECK(!o.IncludeHistory);
    CHECK(!o.MetaOnly);
    CHECK_EQ_INT(o.Timeout, 0);
    CHECK(!o.UpdatesOnly);
#ifndef RNATS_TEST_AGAINST_CNATS
    CHECK_EQ_INT(o.Heartbeat, 0);
    CHECK(o.ResumeFromRevision == 0);
    CHECK(o.Callback == NULL);
    CHECK(o.Closure == NULL);
    /* The callback field takes cnats' kvWatchCb. */
    o.Callback = dummy_watch_cb;
    CHECK(o.Callback == dummy_watch_cb);
#else
    (void)dummy_watch_cb;
#endif
    CHECK_OK(kvWatchOptions_Init(&o));
    CHECK(all_zero(&o, sizeof(o)));
}

TEST(kv_purge_options_init_zeroes_every_field)
{
    kvPurgeOptions o;
    memset(&o, 0xA5, sizeof(o));
    CHECK_OK(kvPurgeOptions_Init(&o));
    CHECK_EQ_INT(o.Timeout, 0);
    CHECK_EQ_INT(o.DeleteMarkersOlderThan, 0);
#ifndef RNATS_TEST_AGAINST_CNATS
    CHECK_EQ_INT(o.TTL, 0);
#endif
    CHECK(all_zero(&o, sizeof(o)));
}

TEST(kv_inits_refuse_null)
{
    const char *text = NULL;
    natsStatus s = NATS_OK;

    CHECK_STATUS(kvConfig_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(last_error_status(), NATS_INVALID_ARG);
    text = nats_GetLastError(&s);
    CHECK(text != NULL && text[0] != '\0');

    CHECK_STATUS(kvWatchOptions_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(last_error_status(), NATS_INVALID_ARG);
    CHECK_STATUS(kvPurgeOptions_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(last_error_status(), NATS_INVALID_ARG);
}

TEST(kv_operation_values)
{
    CHECK_EQ_INT(kvOp_Unknown, 0);
    CHECK_EQ_INT(kvOp_Put, 1);
    CHECK_EQ_INT(kvOp_Delete, 2);
    CHECK_EQ_INT(kvOp_Purge, 3);
    CHECK_EQ_INT(sizeof(kvOperation), 4);
}


#define WAIT_MS 5000

typedef struct {
    natsConnection *nc;
    jsCtx *js;
    kvStore *kv;
} kv_env;

static void env_open(kv_env *env, test_server *srv, const char *bucket, int history)
{
    kvConfig cfg;
    memset(env, 0, sizeof(*env));
    CHECK_OK(natsConnection_ConnectTo(&env->nc, srv->url));
    CHECK_OK(natsConnection_JetStream(&env->js, env->nc, NULL));
    CHECK_OK(kvConfig_Init(&cfg));
    cfg.Bucket = bucket;
    cfg.History = (uint8_t)history;
    cfg.StorageType = js_MemoryStorage;
    CHECK_OK(js_CreateKeyValue(&env->kv, env->js, &cfg));
    CHECK(env->kv != NULL);
}

static void env_close(kv_env *env)
{
    kvStore_Destroy(env->kv);
    jsCtx_Destroy(env->js);
    natsConnection_Destroy(env->nc);
}

static void check_entry(kvEntry *e, const char *key, const char *value, uint64_t rev, kvOperation op)
{
    CHECK(e != NULL);
    CHECK_STR(kvEntry_Key(e), key);
    CHECK_EQ_INT(kvEntry_Operation(e), op);
    if (rev != 0)
        CHECK_EQ_INT(kvEntry_Revision(e), rev);
    if (value != NULL) {
        CHECK_STR(kvEntry_ValueString(e), value);
        CHECK_EQ_INT(kvEntry_ValueLen(e), (int)strlen(value));
        CHECK(memcmp(kvEntry_Value(e), value, strlen(value)) == 0);
    }
}

TEST(kv_bucket_put_get_and_cas)
{
    test_server *srv = test_server_start_js();
    kv_env env;
    kvStore *bound = NULL;
    kvEntry *e = NULL;
    uint64_t rev = 0, rev2 = 0;

    env_open(&env, srv, "CFG", 5);
    CHECK_STR(kvStore_Bucket(env.kv), "CFG");

    CHECK_OK(kvStore_PutString(&rev, env.kv, "a.b", "one"));
    CHECK_EQ_INT(rev, 1);
    CHECK_OK(kvStore_Put(&rev, env.kv, "a.c", "two\0x", 5));
    CHECK_EQ_INT(rev, 2);

    CHECK_OK(kvStore_Get(&e, env.kv, "a.b"));
    check_entry(e, "a.b", "one", 1, kvOp_Put);
    CHECK_STR(kvEntry_Bucket(e), "CFG");
    CHECK(kvEntry_Created(e) > 0);
    kvEntry_Destroy(e);
    e = NULL;
    CHECK_OK(kvStore_Get(&e, env.kv, "a.c"));
    CHECK_EQ_INT(kvEntry_ValueLen(e), 5);
    CHECK(memcmp(kvEntry_Value(e), "two\0x", 5) == 0);
    kvEntry_Destroy(e);
    e = NULL;

    /* Missing key, bad key. */
    CHECK_STATUS(kvStore_Get(&e, env.kv, "nope"), NATS_NOT_FOUND);
    CHECK(e == NULL);
    CHECK_STATUS(kvStore_Get(&e, env.kv, "bad key"), NATS_INVALID_ARG);

    /* Create: fails on an existing key, with the server's wrong-last-sequence code. */
    CHECK_STATUS(kvStore_CreateString(&rev2, env.kv, "a.b", "x"), NATS_ERR);
    CHECK(strstr(nats_GetLastError(NULL), "wrong last sequence") != NULL);
    CHECK_OK(kvStore_CreateString(&rev2, env.kv, "new", "n"));
    CHECK_EQ_INT(rev2, 3);

    /* Update: only from the current revision. */
    CHECK_STATUS(kvStore_UpdateString(&rev2, env.kv, "a.b", "bad", 2), NATS_ERR);
    CHECK_EQ_INT(rev2, 0);
    CHECK_OK(kvStore_UpdateString(&rev2, env.kv, "a.b", "uno", 1));
    CHECK_EQ_INT(rev2, 4);

    CHECK_OK(kvStore_GetRevision(&e, env.kv, "a.b", 1));
    check_entry(e, "a.b", "one", 1, kvOp_Put);
    kvEntry_Destroy(e);
    e = NULL;

    /* Binding by name sees the same data; a missing bucket is NOT_FOUND. */
    CHECK_OK(js_KeyValue(&bound, env.js, "CFG"));
    CHECK_OK(kvStore_Get(&e, bound, "a.b"));
    check_entry(e, "a.b", "uno", 4, kvOp_Put);
    kvEntry_Destroy(e);
    kvStore_Destroy(bound);
    bound = NULL;
    CHECK_STATUS(js_KeyValue(&bound, env.js, "NOPE"), NATS_NOT_FOUND);
    CHECK(bound == NULL);

    CHECK_OK(js_DeleteKeyValue(env.js, "CFG"));
    CHECK_STATUS(js_KeyValue(&bound, env.js, "CFG"), NATS_NOT_FOUND);
    env_close(&env);
    test_server_stop(srv);
}

TEST(kv_markers_history_keys_status)
{
    test_server *srv = test_server_start_js();
    kv_env env;
    kvEntry *e = NULL;
    kvEntryList hist;
    kvKeysList keys;
    kvStatus *st = NULL;
    kvPurgeOptions po;
    const char *filters[] = {"k1"};

    env_open(&env, srv, "HIST", 10);
    CHECK_OK(kvStore_PutString(NULL, env.kv, "k1", "v1"));
    CHECK_OK(kvStore_PutString(NULL, env.kv, "k1", "v2"));
    CHECK_OK(kvStore_PutString(NULL, env.kv, "k2", "w1"));
    CHECK_OK(kvStore_PutString(NULL, env.kv, "k3", "z1"));
    CHECK_OK(kvStore_Delete(env.kv, "k1"));
    CHECK_OK(kvStore_Purge(env.kv, "k2", NULL));

    CHECK_STATUS(kvStore_Get(&e, env.kv, "k1"), NATS_NOT_FOUND);

    CHECK_OK(kvStore_History(&hist, env.kv, "k1", NULL));
    CHECK_EQ_INT(hist.Count, 3);
    check_entry(hist.Entries[0], "k1", "v1", 1, kvOp_Put);
    check_entry(hist.Entries[1], "k1", "v2", 2, kvOp_Put);
    check_entry(hist.Entries[2], "k1", NULL, 5, kvOp_Delete);
    kvEntryList_Destroy(&hist);
    CHECK(hist.Entries == NULL);
    CHECK_EQ_INT(hist.Count, 0);

    CHECK_OK(kvStore_History(&hist, env.kv, "k2", NULL));
    CHECK_EQ_INT(hist.Count, 1);
    check_entry(hist.Entries[0], "k2", NULL, 6, kvOp_Purge);
    kvEntryList_Destroy(&hist);
    CHECK_STATUS(kvStore_History(&hist, env.kv, "none", NULL), NATS_NOT_FOUND);

    CHECK_OK(kvStore_Keys(&keys, env.kv, NULL));
    CHECK_EQ_INT(keys.Count, 1);
    CHECK_STR(keys.Keys[0], "k3");
    kvKeysList_Destroy(&keys);
    CHECK(keys.Keys == NULL);
    CHECK_OK(kvStore_KeysWithFilters(&keys, env.kv, filters, 1, NULL));
    CHECK_EQ_INT(keys.Count, 0);
    kvKeysList_Destroy(&keys);
    CHECK_STATUS(kvStore_KeysWithFilters(&keys, env.kv, filters, 0, NULL), NATS_INVALID_ARG);

    CHECK_OK(kvStore_Status(&st, env.kv));
    CHECK_STR(kvStatus_Bucket(st), "HIST");
    CHECK_EQ_INT(kvStatus_History(st), 10);
    CHECK_EQ_INT(kvStatus_Replicas(st), 1);
    CHECK_EQ_INT(kvStatus_TTL(st), 0);
    CHECK_EQ_INT(kvStatus_Values(st), 5); /* v1, v2, z1, the delete marker, the purge marker (w1 purged) */
    CHECK(kvStatus_Bytes(st) > 0);
    kvStatus_Destroy(st);
    st = NULL;

    /* Purge deletes, markers of any age: only k3 is left. */
    CHECK_OK(kvPurgeOptions_Init(&po));
    po.DeleteMarkersOlderThan = -1;
    CHECK_OK(kvStore_PurgeDeletes(env.kv, &po));
    CHECK_OK(kvStore_Status(&st, env.kv));
    CHECK_EQ_INT(kvStatus_Values(st), 1);
    kvStatus_Destroy(st);

    env_close(&env);
    test_server_stop(srv);
}

TEST(kv_sync_watcher)
{
    test_server *srv = test_server_start_js();
    kv_env env;
    kvWatcher *w = NULL;
    kvEntry *e = NULL;
    kvWatchOptions o;

    env_open(&env, srv, "W", 1);
    CHECK_OK(kvStore_PutString(NULL, env.kv, "cfg.a", "1"));
    CHECK_OK(kvStore_PutString(NULL, env.kv, "other", "x"));

    CHECK_OK(kvStore_Watch(&w, env.kv, "cfg.*", NULL));
    CHECK_OK(kvWatcher_Next(&e, w, WAIT_MS));
    check_entry(e, "cfg.a", "1", 1, kvOp_Put);
    kvEntry_Destroy(e);
    /* The initial values are done. */
    CHECK_OK(kvWatcher_Next(&e, w, WAIT_MS));
    CHECK(e == NULL);
    CHECK_OK(kvStore_PutString(NULL, env.kv, "cfg.b", "2"));
    CHECK_OK(kvStore_Delete(env.kv, "cfg.a"));
    CHECK_OK(kvWatcher_Next(&e, w, WAIT_MS));
    check_entry(e, "cfg.b", "2", 3, kvOp_Put);
    kvEntry_Destroy(e);
    CHECK_OK(kvWatcher_Next(&e, w, WAIT_MS));
    check_entry(e, "cfg.a", NULL, 4, kvOp_Delete);
    kvEntry_Destroy(e);
    CHECK_STATUS(kvWatcher_Next(&e, w, 100), NATS_TIMEOUT);
    CHECK_STATUS(kvWatcher_Next(&e, w, 0), NATS_INVALID_ARG);
    CHECK(e == NULL);
    CHECK_OK(kvWatcher_Stop(w));
    kvWatcher_Destroy(w);
    w = NULL;

    /* Empty match: the "done" marker comes at once; updates only: none. */
    CHECK_OK(kvWatchOptions_Init(&o));
    o.UpdatesOnly = true;
    CHECK_OK(kvStore_WatchAll(&w, env.kv, &o));
    CHECK_OK(kvStore_PutString(NULL, env.kv, "late", "L"));
    CHECK_OK(kvWatcher_Next(&e, w, WAIT_MS));
    check_entry(e, "late", "L", 5, kvOp_Put);
    kvEntry_Destroy(e);
    kvWatcher_Destroy(w);
    w = NULL;

    {
        const char *ks[] = {"nothing.here", "late"};
        CHECK_OK(kvStore_WatchMulti(&w, env.kv, ks, 2, NULL));
        CHECK_OK(kvWatcher_Next(&e, w, WAIT_MS));
        check_entry(e, "late", "L", 5, kvOp_Put);
        kvEntry_Destroy(e);
        CHECK_OK(kvWatcher_Next(&e, w, WAIT_MS));
        CHECK(e == NULL);
        kvWatcher_Destroy(w);
        CHECK_STATUS(kvStore_WatchMulti(&w, env.kv, ks, 0, NULL), NATS_INVALID_ARG);
    }

    env_close(&env);
    test_server_stop(srv);
}

typedef struct {
    pthread_mutex_t mu;
    int entries;
    int dones;
    int after_stop;
    bool stopped;
    char last_key[64];
} cb_state;

static void watch_cb(kvWatcher *w, kvEntry *e, natsStatus s, void *closure)
{
    cb_state *st = closure;
    pthread_mutex_lock(&st->mu);
    if (st->stopped)
        st->after_stop++;
    if (s == NATS_OK && e == NULL)
        st->dones++;
    else if (e != NULL) {
        st->entries++;
        snprintf(st->last_key, sizeof(st->last_key), "%s", kvEntry_Key(e));
        if (strcmp(kvEntry_Key(e), "stop") == 0) {
            CHECK_OK(kvWatcher_Stop(w));
            st->stopped = true;
        }
    }
    pthread_mutex_unlock(&st->mu);
    kvEntry_Destroy(e);
}

static void wait_entries(cb_state *st, int n)
{
    int64_t deadline = test_now_ms() + WAIT_MS;
    int got;
    for (;;) {
        pthread_mutex_lock(&st->mu);
        got = st->entries;
        pthread_mutex_unlock(&st->mu);
        if (got >= n || test_now_ms() >= deadline)
            break;
        test_sleep_ms(10);
    }
    CHECK_EQ_INT(got, n);
}

TEST(kv_callback_watcher_stops_from_callback)
{
    test_server *srv = test_server_start_js();
    kv_env env;
    kvWatcher *w = NULL;
    kvWatchOptions o;
    cb_state st;

    memset(&st, 0, sizeof(st));
    CHECK(pthread_mutex_init(&st.mu, NULL) == 0);
    env_open(&env, srv, "CB", 1);
    CHECK_OK(kvStore_PutString(NULL, env.kv, "first", "1"));

    CHECK_OK(kvWatchOptions_Init(&o));
    o.Callback = watch_cb;
    o.Closure = &st;
    CHECK_OK(kvStore_WatchAll(&w, env.kv, &o));
    wait_entries(&st, 1);
    /* A callback watcher has no Next. */
    {
        kvEntry *e = NULL;
        CHECK_STATUS(kvWatcher_Next(&e, w, 100), NATS_ILLEGAL_STATE);
    }
    CHECK_OK(kvStore_PutString(NULL, env.kv, "second", "2"));
    wait_entries(&st, 2);
    CHECK_OK(kvStore_PutString(NULL, env.kv, "stop", "3"));
    wait_entries(&st, 3);
    CHECK_OK(kvStore_PutString(NULL, env.kv, "after", "4"));
    test_sleep_ms(300);
    pthread_mutex_lock(&st.mu);
    CHECK_EQ_INT(st.dones, 1);
    CHECK_EQ_INT(st.entries, 3);
    CHECK_EQ_INT(st.after_stop, 0);
    CHECK_STR(st.last_key, "stop");
    pthread_mutex_unlock(&st.mu);

    kvWatcher_Destroy(w);
    env_close(&env);
    pthread_mutex_destroy(&st.mu);
    test_server_stop(srv);
}

static void destroy_cb(kvWatcher *w, kvEntry *e, natsStatus s, void *closure)
{
    cb_state *st = closure;
    (void)s;
    pthread_mutex_lock(&st->mu);
    if (st->stopped)
        st->after_stop++;
    if (e == NULL)
        st->dones++;
    else {
        st->entries++;
        if (strcmp(kvEntry_Key(e), "bye") == 0) {
            /* The program's last use of the watcher: destroyed in its own callback. */
            kvWatcher_Destroy(w);
            st->stopped = true;
        }
    }
    pthread_mutex_unlock(&st->mu);
    kvEntry_Destroy(e);
}

TEST(kv_callback_watcher_destroyed_from_callback)
{
    test_server *srv = test_server_start_js();
    kv_env env;
    kvWatcher *w = NULL;
    kvWatchOptions o;
    cb_state st;

    memset(&st, 0, sizeof(st));
    CHECK(pthread_mutex_init(&st.mu, NULL) == 0);
    env_open(&env, srv, "CBD", 1);
    CHECK_OK(kvWatchOptions_Init(&o));
    o.Callback = destroy_cb;
    o.Closure = &st;
    /* Empty bucket: the "done" marker comes first. */
    CHECK_OK(kvStore_Watch(&w, env.kv, "*", &o));
    CHECK_OK(kvStore_PutString(NULL, env.kv, "hello", "1"));
    wait_entries(&st, 1);
    CHECK_OK(kvStore_PutString(NULL, env.kv, "bye", "2"));
    wait_entries(&st, 2);
    CHECK_OK(kvStore_PutString(NULL, env.kv, "later", "3"));
    test_sleep_ms(300);
    pthread_mutex_lock(&st.mu);
    CHECK_EQ_INT(st.dones, 1);
    CHECK_EQ_INT(st.entries, 2);
    CHECK_EQ_INT(st.after_stop, 0);
    pthread_mutex_unlock(&st.mu);

    env_close(&env);
    pthread_mutex_destroy(&st.mu);
    test_server_stop(srv);
}

TEST(kv_null_and_bad_arguments)
{
    test_server *srv = test_server_start_js();
    kv_env env;
    kvStore *kv = NULL;
    kvEntry *e = NULL;
    kvConfig cfg;

    env_open(&env, srv, "ARGS", 1);
    CHECK_OK(kvConfig_Init(&cfg));
    CHECK_STATUS(js_CreateKeyValue(&kv, env.js, &cfg), NATS_INVALID_ARG); /* no bucket name */
    CHECK(kv == NULL);
    cfg.Bucket = "bad.name";
    CHECK_STATUS(js_CreateKeyValue(&kv, env.js, &cfg), NATS_INVALID_ARG);
    CHECK_STATUS(js_CreateKeyValue(&kv, env.js, NULL), NATS_INVALID_ARG);
    CHECK_STATUS(js_KeyValue(&kv, NULL, "ARGS"), NATS_INVALID_ARG);
    CHECK_STATUS(kvStore_Put(NULL, env.kv, "k", NULL, 3), NATS_INVALID_ARG);
    CHECK_STATUS(kvStore_Put(NULL, env.kv, "k", "abc", -1), NATS_INVALID_ARG);
    CHECK_STATUS(kvStore_Put(NULL, env.kv, NULL, "abc", 3), NATS_INVALID_ARG);
    CHECK_STATUS(kvStore_Get(&e, NULL, "k"), NATS_INVALID_ARG);
    /* NULL string value: an empty value, as cnats. */
    CHECK_OK(kvStore_PutString(NULL, env.kv, "empty", NULL));
    CHECK_OK(kvStore_Get(&e, env.kv, "empty"));
    CHECK_EQ_INT(kvEntry_ValueLen(e), 0);
    CHECK_STR(kvEntry_ValueString(e), "");
    kvEntry_Destroy(e);
    /* Accessors of NULL objects. */
    CHECK(kvEntry_Key(NULL) == NULL);
    CHECK_EQ_INT(kvEntry_Revision(NULL), 0);
    CHECK_EQ_INT(kvEntry_Operation(NULL), kvOp_Unknown);
    CHECK(kvStore_Bucket(NULL) == NULL);
    CHECK(kvStatus_Bucket(NULL) == NULL);
    kvEntry_Destroy(NULL);
    kvStatus_Destroy(NULL);
    kvWatcher_Destroy(NULL);
    kvStore_Destroy(NULL);
    kvKeysList_Destroy(NULL);
    kvEntryList_Destroy(NULL);
    env_close(&env);
    test_server_stop(srv);
}

TEST(kv_config_fields_and_ttls)
{
    test_server *srv = test_server_start_js();
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    kvStore *kv = NULL;
    kvStatus *st = NULL;
    kvEntry *e = NULL;
    kvConfig cfg;
    jsStreamInfo *si = NULL;
    uint64_t rev = 0;

    CHECK_OK(natsConnection_ConnectTo(&nc, srv->url));
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    CHECK_OK(kvConfig_Init(&cfg));
    cfg.Bucket = "TTLS";
    cfg.Description = "bucket with expiring keys";
    cfg.History = 3;
    cfg.TTL = (int64_t)60 * 1000000000;
    cfg.MaxValueSize = 100;
    cfg.MaxBytes = 10000;
    cfg.StorageType = js_MemoryStorage;
    cfg.LimitMarkerTTL = (int64_t)1000000000;
    CHECK_OK(js_CreateKeyValue(&kv, js, &cfg));

    /* The configuration reached the bucket's stream. */
    CHECK_OK(js_GetStreamInfo(&si, js, "KV_TTLS", NULL, NULL));
    CHECK_STR(si->Config->Description, "bucket with expiring keys");
    CHECK_EQ_INT(si->Config->MaxMsgsPerSubject, 3);
    CHECK_EQ_INT(si->Config->MaxMsgSize, 100);
    CHECK_EQ_INT(si->Config->MaxBytes, 10000);
    CHECK_EQ_INT(si->Config->Storage, js_MemoryStorage);
    CHECK(si->Config->AllowMsgTTL);
    jsStreamInfo_Destroy(si);
    CHECK_OK(kvStore_Status(&st, kv));
    CHECK_EQ_INT(kvStatus_TTL(st), (int64_t)60 * 1000000000);
    CHECK_EQ_INT(kvStatus_History(st), 3);
    kvStatus_Destroy(st);

    /* A value over MaxValueSize is refused by the server. */
    {
        char big[200];
        memset(big, 'x', sizeof(big));
        CHECK(kvStore_Put(NULL, kv, "big", big, (int)sizeof(big)) != NATS_OK);
    }

    /* A key created with a 1 s TTL is gone after it. */
    CHECK_OK(kvStore_CreateStringWithTTL(&rev, kv, "short", "lived", 1000));
    CHECK(rev > 0);
    CHECK_OK(kvStore_Get(&e, kv, "short"));
    kvEntry_Destroy(e);
    e = NULL;
    CHECK_OK(kvStore_UpdateStringWithTTL(&rev, kv, "short", "again", rev, 1000));
    test_sleep_ms(2500);
    CHECK_STATUS(kvStore_Get(&e, kv, "short"), NATS_NOT_FOUND);
    CHECK(e == NULL);

    kvStore_Destroy(kv);
    CHECK_OK(js_DeleteKeyValue(js, "TTLS"));
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(kv_config_sources_and_republish)
{
    test_server *srv = test_server_start_js();
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    kvStore *src = NULL, *agg = NULL;
    kvEntry *e = NULL;
    kvConfig cfg;
    jsStreamSource source;
    jsStreamSource *sources[1];
    jsRePublish rp;
    jsStreamInfo *si = NULL;
    natsSubscription *sub = NULL;
    natsMsg *msg = NULL;
    int64_t deadline;
    natsStatus s;

    CHECK_OK(natsConnection_ConnectTo(&nc, srv->url));
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "repub.>"));
    CHECK_OK(kvConfig_Init(&cfg));
    cfg.Bucket = "SRC";
    cfg.StorageType = js_MemoryStorage;
    CHECK_OK(jsRePublish_Init(&rp));
    rp.Source = "$KV.SRC.>";
    rp.Destination = "repub.>";
    cfg.RePublish = &rp;
    CHECK_OK(js_CreateKeyValue(&src, js, &cfg));
    CHECK_OK(js_GetStreamInfo(&si, js, "KV_SRC", NULL, NULL));
    CHECK(si->Config->RePublish != NULL);
    CHECK_STR(si->Config->RePublish->Destination, "repub.>");
    jsStreamInfo_Destroy(si);
    si = NULL;

    CHECK_OK(jsStreamSource_Init(&source));
    source.Name = "SRC";
    sources[0] = &source;
    CHECK_OK(kvConfig_Init(&cfg));
    cfg.Bucket = "AGG";
    cfg.StorageType = js_MemoryStorage;
    cfg.Sources = sources;
    cfg.SourcesLen = 1;
    CHECK_OK(js_CreateKeyValue(&agg, js, &cfg));
    CHECK_OK(js_GetStreamInfo(&si, js, "KV_AGG", NULL, NULL));
    CHECK_EQ_INT(si->Config->SourcesLen, 1);
    jsStreamInfo_Destroy(si);

    /* A value put in SRC is republished, and reaches AGG through its source. */
    CHECK_OK(kvStore_PutString(NULL, src, "k", "v"));
    CHECK_OK(natsSubscription_NextMsg(&msg, sub, WAIT_MS));
    CHECK_STR(natsMsg_GetSubject(msg), "repub.k");
    natsMsg_Destroy(msg);
    deadline = test_now_ms() + WAIT_MS;
    while ((s = kvStore_Get(&e, agg, "k")) == NATS_NOT_FOUND && test_now_ms() < deadline)
        test_sleep_ms(50);
    CHECK_OK(s);
    CHECK_STR(kvEntry_ValueString(e), "v");
    kvEntry_Destroy(e);

    /* A NULL source in the array is refused. */
    sources[0] = NULL;
    cfg.Bucket = "AGG2";
    {
        kvStore *none = NULL;
        CHECK_STATUS(js_CreateKeyValue(&none, js, &cfg), NATS_INVALID_ARG);
        CHECK(none == NULL);
    }

    natsSubscription_Destroy(sub);
    kvStore_Destroy(src);
    kvStore_Destroy(agg);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

static const test_case tests[] = {
    T(kv_config_init_zeroes_every_field),
    T(kv_watch_options_init_zeroes_every_field),
    T(kv_purge_options_init_zeroes_every_field),
    T(kv_inits_refuse_null),
    T(kv_operation_values),
    T(kv_bucket_put_get_and_cas),
    T(kv_markers_history_keys_status),
    T(kv_sync_watcher),
    T(kv_callback_watcher_stops_from_callback),
    T(kv_callback_watcher_destroyed_from_callback),
    T(kv_null_and_bad_arguments),
    T(kv_config_fields_and_ttls),
    T(kv_config_sources_and_republish),
};

int main(int argc, char **argv)
{
    return TEST_MAIN(tests);
}

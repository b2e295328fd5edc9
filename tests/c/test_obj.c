/*
 * The object store through the C API against a real
 * `nats-server -js -sd <fresh dir>`: buckets (create, bind, update,
 * names, statuses, delete), objects put and read back whole, by string,
 * from/to a file and piece by piece (sizes 0, 1, one chunk, chunk + 1),
 * information and digests, meta updates (rename, description, headers,
 * metadata), links to objects and buckets, deletion, listing, watching,
 * sealing, and bad arguments.
 *
 * Every case starts its own server. Returned structs and buffers are freed
 * with their _Destroy / free, so the valgrind variants also check that
 * nothing leaks.
 */
/* test.h first: it selects the POSIX feature level. */
#include "test.h"

#include <nats/nats.h>
#include <pthread.h>

#define WAIT_MS 10000
#define CHUNK (128 * 1024)

typedef struct {
    test_server *srv;
    natsConnection *nc;
    jsCtx *js;
    objStore *obs;
} env;

static void env_open(env *e, const char *bucket)
{
    objStoreConfig cfg;

    e->srv = test_server_start_js();
    e->nc = NULL;
    e->js = NULL;
    e->obs = NULL;
    CHECK_OK(natsConnection_ConnectTo(&e->nc, e->srv->url));
    CHECK_OK(natsConnection_JetStream(&e->js, e->nc, NULL));
    CHECK_OK(objStoreConfig_Init(&cfg));
    cfg.Bucket = bucket;
    cfg.Storage = js_MemoryStorage;
    CHECK_OK(js_CreateObjectStore(&e->obs, e->js, &cfg));
    CHECK(e->obs != NULL);
}

static void env_close(env *e)
{
    objStore_Destroy(e->obs);
    jsCtx_Destroy(e->js);
    natsConnection_Destroy(e->nc);
    test_server_stop(e->srv);
}

/* `n` bytes of a fixed pseudo-random pattern. */
static unsigned char *pattern(int n, unsigned seed)
{
    unsigned char *p = malloc(n > 0 ? (size_t)n : 1);
    int i;

    CHECK(p != NULL);
    for (i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (unsigned char)(seed >> 16);
    }
    return p;
}

TEST(obj_inits_zero_and_refuse_null)
{
    objStoreConfig cfg;
    objStoreMeta meta;
    objStoreOptions o;
    objStoreWatchOptions w;

    memset(&cfg, 0xff, sizeof(cfg));
    memset(&meta, 0xff, sizeof(meta));
    memset(&o, 0xff, sizeof(o));
    memset(&w, 0xff, sizeof(w));
    CHECK_OK(objStoreConfig_Init(&cfg));
    CHECK_OK(objStoreMeta_Init(&meta));
    CHECK_OK(objStoreOptions_Init(&o));
    CHECK_OK(objStoreWatchOptions_Init(&w));
    CHECK(cfg.Bucket == NULL && cfg.TTL == 0 && cfg.MaxBytes == 0 && cfg.Storage == js_FileStorage);
    CHECK(cfg.Replicas == 0 && cfg.Placement == NULL && !cfg.Compression && cfg.Metadata.Count == 0);
    CHECK(meta.Name == NULL && meta.Headers == NULL && meta.Opts.Link == NULL && meta.Opts.ChunkSize == 0);
    CHECK(!o.ShowDeleted && !w.IgnoreDeletes && !w.UpdatesOnly);
    CHECK_STATUS(objStoreConfig_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(objStoreMeta_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(objStoreOptions_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(objStoreWatchOptions_Init(NULL), NATS_INVALID_ARG);
}

/* Puts `n` bytes as `name` with objStore_PutBytes and reads them back
 * with objStore_GetBytes and objStore_Get + objStoreGet_ReadAll. */
static void roundtrip(objStore *obs, const char *name, int n, unsigned seed)
{
    unsigned char *data = pattern(n, seed);
    objStoreInfo *info = NULL;
    const objStoreInfo *ginfo = NULL;
    objStoreGet *get = NULL;
    void *back = NULL;
    int len = -1;

    CHECK_OK(objStore_PutBytes(&info, obs, name, data, n));
    CHECK(info != NULL);
    CHECK_STR(info->Meta.Name, name);
    CHECK_STR(info->Bucket, "OBJ1");
    CHECK(info->NUID != NULL && strlen(info->NUID) > 0);
    CHECK(info->Size == (uint64_t)n);
    CHECK_EQ_INT((int)info->Chunks, (n + CHUNK - 1) / CHUNK);
    CHECK(info->Digest != NULL && strncmp(info->Digest, "SHA-256=", 8) == 0);
    CHECK(!info->Deleted);
    CHECK(info->ModTime > 0);

    CHECK_OK(objStore_GetBytes(&back, &len, obs, name, NULL));
    CHECK_EQ_INT(len, n);
    CHECK(n == 0 ? back == NULL : memcmp(back, data, (size_t)n) == 0);
    free(back);
    back = NULL;

    CHECK_OK(objStore_Get(&get, obs, name, NULL));
    CHECK_OK(objStoreGet_Info(&ginfo, get));
    CHECK(ginfo != NULL);
    CHECK_STR(ginfo->Digest, info->Digest);
    CHECK(ginfo->Size == (uint64_t)n);
    CHECK_OK(objStoreGet_ReadAll(&back, &len, get, WAIT_MS));
    CHECK_EQ_INT(len, n);
    CHECK(n == 0 || memcmp(back, data, (size_t)n) == 0);
    free(back);
    /* Everything was read. */
    CHECK_STATUS(objStoreGet_ReadAll(&back, &len, get, WAIT_MS), NATS_ILLEGAL_STATE);
    objStoreGet_Destroy(get);
    objStoreInfo_Destroy(info);
    free(data);
}

TEST(obj_put_get_sizes)
{
    env e;
    char *str = NULL;
    objStoreInfo *info = NULL;

    env_open(&e, "OBJ1");
    roundtrip(e.obs, "empty", 0, 1);
    roundtrip(e.obs, "one byte", 1, 2);
    roundtrip(e.obs, "exactly one chunk", CHUNK, 3);
    roundtrip(e.obs, "chunk plus one", CHUNK + 1, 4);
    roundtrip(e.obs, "n\xc3\xa4me w\xc3\xafth unicode", 1000, 5);

    CHECK_OK(objStore_PutString(&info, e.obs, "greeting", "hello object"));
    CHECK(info->Size == 12);
    objStoreInfo_Destroy(info);
    CHECK_OK(objStore_GetString(&str, e.obs, "greeting", NULL));
    CHECK_STR(str, "hello object");
    free(str);
    /* A new version replaces the old one. */
    CHECK_OK(objStore_PutString(NULL, e.obs, "greeting", "bye"));
    CHECK_OK(objStore_GetString(&str, e.obs, "greeting", NULL));
    CHECK_STR(str, "bye");
    free(str);
    str = NULL;

    CHECK_STATUS(objStore_GetString(&str, e.obs, "missing", NULL), NATS_NOT_FOUND);
    CHECK(str == NULL);
    env_close(&e);
}

/* Piece by piece: objStore_Put + objStorePut_Add with a small chunk size,
 * then objStoreGet_Read chunk by chunk. */
TEST(obj_put_add_and_read_chunks)
{
    env e;
    objStoreMeta meta;
    objStorePut *put = NULL;
    objStoreInfo *info = NULL;
    objStoreGet *get = NULL;
    unsigned char *data = pattern(10000, 7);
    unsigned char *back = malloc(10000);
    int off = 0, reads = 0;
    bool done = false;
    objStoreStatus *st = NULL;
    uint64_t before;

    env_open(&e, "OBJ1");
    CHECK_OK(objStoreMeta_Init(&meta));
    meta.Name = "pieces";
    meta.Description = "put piece by piece";
    meta.Opts.ChunkSize = 1000;
    CHECK_OK(objStore_Put(&put, e.obs, &meta));
    CHECK_OK(objStorePut_Add(put, data, 3333));
    CHECK_OK(objStorePut_Add(put, data + 3333, 0));
    CHECK_OK(objStorePut_Add(put, data + 3333, 6667));
    CHECK_OK(objStorePut_Complete(&info, put, WAIT_MS));
    CHECK(info->Size == 10000);
    CHECK_EQ_INT((int)info->Chunks, 10);
    CHECK_STR(info->Meta.Description, "put piece by piece");
    CHECK_EQ_INT((int)info->Meta.Opts.ChunkSize, 1000);
    /* Completed: no more data. */
    CHECK_STATUS(objStorePut_Add(put, data, 1), NATS_ILLEGAL_STATE);
    objStorePut_Destroy(put);
    objStoreInfo_Destroy(info);

    CHECK_OK(objStore_Get(&get, e.obs, "pieces", NULL));
    for (;;) {
        void *chunk = NULL;
        int len = -1;
        CHECK_OK(objStoreGet_Read(&done, &chunk, &len, get, WAIT_MS));
        if (done) {
            CHECK(chunk == NULL);
            break;
        }
        CHECK(len > 0 && off + len <= 10000);
        memcpy(back + off, chunk, (size_t)len);
        off += len;
        reads++;
        free(chunk);
    }
    CHECK_EQ_INT(off, 10000);
    CHECK_EQ_INT(reads, 10);
    CHECK(memcmp(back, data, 10000) == 0);
    objStoreGet_Destroy(get);

    /* A put destroyed before completion leaves no object, and its chunks
     * are purged (the bucket's size is back where it was). */
    CHECK_OK(objStore_Status(&st, e.obs));
    before = st->Size;
    objStoreStatus_Destroy(st);
    put = NULL;
    meta.Name = "abandoned";
    CHECK_OK(objStore_Put(&put, e.obs, &meta));
    CHECK_OK(objStorePut_Add(put, data, 5000));
    objStorePut_Destroy(put);
    info = NULL;
    CHECK_STATUS(objStore_GetInfo(&info, e.obs, "abandoned", NULL), NATS_NOT_FOUND);
    CHECK(info == NULL);
    CHECK_OK(objStore_Status(&st, e.obs));
    CHECK(st->Size == before);
    objStoreStatus_Destroy(st);

    free(data);
    free(back);
    env_close(&e);
}

TEST(obj_files)
{
    env e;
    char src[64], dst[64];
    unsigned char *data = pattern(300000, 9);
    unsigned char *back = malloc(300000);
    objStoreInfo *info = NULL;
    FILE *f;
    int fd;

    env_open(&e, "OBJ1");
    snprintf(src, sizeof(src), "/tmp/rnats_obj_src_XXXXXX");
    snprintf(dst, sizeof(dst), "/tmp/rnats_obj_dst_XXXXXX");
    fd = mkstemp(src);
    CHECK(fd >= 0);
    close(fd);
    fd = mkstemp(dst);
    CHECK(fd >= 0);
    close(fd);
    f = fopen(src, "wb");
    CHECK(f != NULL && fwrite(data, 1, 300000, f) == 300000);
    fclose(f);

    CHECK_OK(objStore_PutFile(&info, e.obs, src));
    CHECK_STR(info->Meta.Name, src);
    CHECK(info->Size == 300000);
    CHECK_EQ_INT((int)info->Chunks, 3);
    objStoreInfo_Destroy(info);
    CHECK_OK(objStore_GetFile(e.obs, src, dst, NULL));
    f = fopen(dst, "rb");
    CHECK(f != NULL && fread(back, 1, 300000, f) == 300000);
    CHECK(fgetc(f) == EOF);
    fclose(f);
    CHECK(memcmp(back, data, 300000) == 0);

    CHECK_STATUS(objStore_PutFile(NULL, e.obs, "/nonexistent/rnats/file"), NATS_ERR);
    unlink(src);
    unlink(dst);
    free(data);
    free(back);
    env_close(&e);
}

TEST(obj_meta_links_delete_list)
{
    env e;
    objStoreMeta meta;
    objStoreInfo *info = NULL, *link = NULL;
    objStoreInfoList *list = NULL;
    objStoreOptions opts;
    natsHeader *h = NULL;
    const char *md[4] = {"k1", "v1", "k2", "v2"};
    const char *val = NULL;
    char *str = NULL;
    objStore *other = NULL;
    objStoreConfig cfg;
    objStoreGet *get = NULL;
    const objStoreInfo *ginfo = NULL;
    void *bytes = NULL;
    int len = -1;
    bool done = false;

    env_open(&e, "OBJ1");
    CHECK_OK(objStore_PutString(NULL, e.obs, "a", "content of a"));

    /* Rename with a description, headers and metadata. */
    CHECK_OK(natsHeader_New(&h));
    CHECK_OK(natsHeader_Set(h, "X-Kind", "text"));
    CHECK_OK(objStoreMeta_Init(&meta));
    meta.Name = "b";
    meta.Description = "renamed";
    meta.Headers = h;
    meta.Metadata.List = md;
    meta.Metadata.Count = 2;
    CHECK_OK(objStore_UpdateMeta(e.obs, "a", &meta));
    natsHeader_Destroy(h);
    CHECK_STATUS(objStore_GetInfo(&info, e.obs, "a", NULL), NATS_NOT_FOUND);
    CHECK_OK(objStore_GetInfo(&info, e.obs, "b", NULL));
    CHECK_STR(info->Meta.Description, "renamed");
    CHECK(info->Meta.Headers != NULL);
    CHECK_OK(natsHeader_Get(info->Meta.Headers, "X-Kind", &val));
    CHECK_STR(val, "text");
    CHECK_EQ_INT(info->Meta.Metadata.Count, 2);
    CHECK_OK(objStore_GetString(&str, e.obs, "b", NULL));
    CHECK_STR(str, "content of a");
    free(str);

    /* A link to the object reads the object. */
    CHECK_OK(objStore_AddLink(&link, e.obs, "to-b", info));
    CHECK(link->Meta.Opts.Link != NULL);
    CHECK_STR(link->Meta.Opts.Link->Bucket, "OBJ1");
    CHECK_STR(link->Meta.Opts.Link->Name, "b");
    objStoreInfo_Destroy(link);
    CHECK_OK(objStore_GetString(&str, e.obs, "to-b", NULL));
    CHECK_STR(str, "content of a");
    free(str);

    /* A link to a bucket. */
    CHECK_OK(objStoreConfig_Init(&cfg));
    cfg.Bucket = "OTHER";
    cfg.Storage = js_MemoryStorage;
    CHECK_OK(js_CreateObjectStore(&other, e.js, &cfg));
    CHECK_OK(objStore_AddBucketLink(&link, e.obs, "to-other", other));
    CHECK(link->Meta.Opts.Link != NULL);
    CHECK_STR(link->Meta.Opts.Link->Bucket, "OTHER");
    CHECK(link->Meta.Opts.Link->Name == NULL || link->Meta.Opts.Link->Name[0] == '\0');
    objStoreInfo_Destroy(link);
    objStore_Destroy(other);

    CHECK_OK(objStore_List(&list, e.obs, NULL));
    CHECK_EQ_INT(list->Count, 3);
    objStoreInfoList_Destroy(list);
    list = NULL;

    /* Delete: gone, unless deleted ones are asked for. */
    CHECK_OK(objStore_Delete(e.obs, "b"));
    objStoreInfo_Destroy(info);
    info = NULL;
    CHECK_STATUS(objStore_GetInfo(&info, e.obs, "b", NULL), NATS_NOT_FOUND);
    CHECK(info == NULL);
    CHECK_OK(objStoreOptions_Init(&opts));
    opts.ShowDeleted = true;
    CHECK_OK(objStore_GetInfo(&info, e.obs, "b", &opts));
    CHECK(info->Deleted);
    CHECK(info->Size == 0);
    objStoreInfo_Destroy(info);
    /* A deleted object got with ShowDeleted: its info, no content. */
    CHECK_STATUS(objStore_GetString(&str, e.obs, "b", NULL), NATS_NOT_FOUND);
    str = NULL;
    CHECK_OK(objStore_GetString(&str, e.obs, "b", &opts));
    CHECK_STR(str, "");
    free(str);
    CHECK_OK(objStore_Get(&get, e.obs, "b", &opts));
    CHECK_OK(objStoreGet_Info(&ginfo, get));
    CHECK(ginfo->Deleted);
    CHECK_OK(objStoreGet_Read(&done, &bytes, &len, get, WAIT_MS));
    CHECK(done && bytes == NULL && len == 0);
    objStoreGet_Destroy(get);
    CHECK_OK(objStore_List(&list, e.obs, NULL));
    CHECK_EQ_INT(list->Count, 2);
    objStoreInfoList_Destroy(list);
    CHECK_OK(objStore_List(&list, e.obs, &opts));
    CHECK_EQ_INT(list->Count, 3);
    objStoreInfoList_Destroy(list);
    env_close(&e);
}

TEST(obj_watch)
{
    env e;
    objStoreWatcher *w = NULL;
    objStoreWatchOptions wo;
    objStoreInfo *info = NULL;

    env_open(&e, "OBJ1");
    CHECK_OK(objStore_PutString(NULL, e.obs, "first", "1"));
    CHECK_OK(objStore_Watch(&w, e.obs, NULL));
    CHECK_OK(objStoreWatcher_Next(&info, w, WAIT_MS));
    CHECK(info != NULL);
    CHECK_STR(info->Meta.Name, "first");
    objStoreInfo_Destroy(info);
    /* Initial values done. */
    CHECK_OK(objStoreWatcher_Next(&info, w, WAIT_MS));
    CHECK(info == NULL);
    CHECK_STATUS(objStoreWatcher_Next(&info, w, 100), NATS_TIMEOUT);
    CHECK_OK(objStore_PutString(NULL, e.obs, "second", "2"));
    CHECK_OK(objStoreWatcher_Next(&info, w, WAIT_MS));
    CHECK_STR(info->Meta.Name, "second");
    objStoreInfo_Destroy(info);
    CHECK_OK(objStore_Delete(e.obs, "first"));
    CHECK_OK(objStoreWatcher_Next(&info, w, WAIT_MS));
    CHECK_STR(info->Meta.Name, "first");
    CHECK(info->Deleted);
    objStoreInfo_Destroy(info);
    CHECK_OK(objStoreWatcher_Stop(w));
    CHECK(objStoreWatcher_Next(&info, w, 200) != NATS_OK);
    objStoreWatcher_Destroy(w);

    /* Updates only, deletes ignored. */
    CHECK_OK(objStoreWatchOptions_Init(&wo));
    wo.UpdatesOnly = true;
    wo.IgnoreDeletes = true;
    w = NULL;
    CHECK_OK(objStore_Watch(&w, e.obs, &wo));
    CHECK_STATUS(objStoreWatcher_Next(&info, w, 200), NATS_TIMEOUT);
    CHECK_OK(objStore_Delete(e.obs, "second"));
    CHECK_OK(objStore_PutString(NULL, e.obs, "third", "3"));
    CHECK_OK(objStoreWatcher_Next(&info, w, WAIT_MS));
    CHECK_STR(info->Meta.Name, "third");
    objStoreInfo_Destroy(info);
    objStoreWatcher_Destroy(w);
    env_close(&e);
}

typedef struct {
    objStoreWatcher *w;
    natsStatus s;
    int64_t took;
} next_arg;

static void *blocked_next(void *p)
{
    next_arg *a = p;
    objStoreInfo *info = NULL;
    int64_t start = test_now_ms();

    a->s = objStoreWatcher_Next(&info, a->w, 10000);
    a->took = test_now_ms() - start;
    objStoreInfo_Destroy(info);
    return NULL;
}

/* objStoreWatcher_Stop from another thread ends a blocked Next quickly. */
TEST(obj_watch_stop_from_other_thread)
{
    env e;
    objStoreWatcher *w = NULL;
    objStoreInfo *info = NULL;
    next_arg a;
    pthread_t t;

    env_open(&e, "OBJ1");
    CHECK_OK(objStore_Watch(&w, e.obs, NULL));
    /* Empty bucket: only the "initial values done" NULL. */
    CHECK_OK(objStoreWatcher_Next(&info, w, WAIT_MS));
    CHECK(info == NULL);
    a.w = w;
    a.s = NATS_OK;
    a.took = -1;
    CHECK(pthread_create(&t, NULL, blocked_next, &a) == 0);
    test_sleep_ms(300);
    CHECK_OK(objStoreWatcher_Stop(w));
    CHECK(pthread_join(t, NULL) == 0);
    CHECK(a.s != NATS_OK);
    CHECK(a.took >= 250 && a.took < 3000);
    objStoreWatcher_Destroy(w);
    env_close(&e);
}

TEST(obj_buckets_status_seal)
{
    env e;
    objStoreStatus *st = NULL;
    objStoreNamesList *names = NULL;
    objStoreStatusesList *sts = NULL;
    objStore *again = NULL;
    objStoreConfig cfg;

    env_open(&e, "OBJ1");
    CHECK_OK(objStore_PutString(NULL, e.obs, "x", "12345"));
    CHECK_OK(objStore_Status(&st, e.obs));
    CHECK_STR(st->Bucket, "OBJ1");
    CHECK_STR(st->BackingStore, "JetStream");
    CHECK(st->Storage == js_MemoryStorage);
    CHECK_EQ_INT(st->Replicas, 1);
    CHECK(!st->Sealed);
    CHECK(st->Size > 5);
    CHECK(st->StreamInfo != NULL);
    CHECK_STR(st->StreamInfo->Config->Name, "OBJ_OBJ1");
    objStoreStatus_Destroy(st);

    /* Update: description and TTL (ms). */
    CHECK_OK(objStoreConfig_Init(&cfg));
    cfg.Bucket = "OBJ1";
    cfg.Storage = js_MemoryStorage;
    cfg.Description = "updated";
    cfg.TTL = 3600 * 1000;
    CHECK_OK(js_UpdateObjectStore(&again, e.js, &cfg));
    objStore_Destroy(again);
    again = NULL;
    CHECK_OK(js_ObjectStore(&again, e.js, "OBJ1"));
    CHECK_OK(objStore_Status(&st, again));
    CHECK_STR(st->Description, "updated");
    CHECK(st->TTL == 3600 * 1000);
    objStoreStatus_Destroy(st);
    objStore_Destroy(again);
    again = NULL;

    CHECK_OK(js_ObjectStoreNames(&names, e.js));
    CHECK_EQ_INT(names->Count, 1);
    CHECK_STR(names->List[0], "OBJ1");
    objStoreNamesList_Destroy(names);
    CHECK_OK(js_ObjectStoreStatuses(&sts, e.js));
    CHECK_EQ_INT(sts->Count, 1);
    CHECK_STR(sts->List[0]->Bucket, "OBJ1");
    objStoreStatusesList_Destroy(sts);

    /* Sealed: reads work, changes are refused. */
    CHECK_OK(objStore_Seal(e.obs));
    CHECK_OK(objStore_Status(&st, e.obs));
    CHECK(st->Sealed);
    objStoreStatus_Destroy(st);
    CHECK(objStore_PutString(NULL, e.obs, "y", "no") != NATS_OK);
    CHECK(objStore_Delete(e.obs, "x") != NATS_OK);

    CHECK_OK(js_DeleteObjectStore(e.js, "OBJ1"));
    CHECK_STATUS(js_ObjectStore(&again, e.js, "OBJ1"), NATS_NOT_FOUND);
    CHECK(again == NULL);
    CHECK_STATUS(js_ObjectStoreNames(&names, e.js), NATS_NOT_FOUND);
    env_close(&e);
}

TEST(obj_invalid_arguments)
{
    env e;
    objStoreConfig cfg;
    objStore *obs = NULL;
    objStoreGet *get = NULL;
    void *data = NULL;
    int len = 0;
    bool done = false;

    env_open(&e, "OBJ1");
    CHECK_OK(objStoreConfig_Init(&cfg));
    cfg.Bucket = "bad.name";
    CHECK_STATUS(js_CreateObjectStore(&obs, e.js, &cfg), NATS_INVALID_ARG);
    CHECK(obs == NULL);
    CHECK(strlen(nats_GetLastError(NULL)) > 0);
    cfg.Bucket = NULL;
    CHECK_STATUS(js_CreateObjectStore(&obs, e.js, &cfg), NATS_INVALID_ARG);
    CHECK_STATUS(objStore_PutString(NULL, e.obs, "", "x"), NATS_INVALID_ARG);
    CHECK_STATUS(objStore_PutBytes(NULL, e.obs, "n", NULL, 5), NATS_INVALID_ARG);
    CHECK_STATUS(objStore_PutBytes(NULL, e.obs, "n", "x", -1), NATS_INVALID_ARG);
    CHECK_OK(objStore_PutString(NULL, e.obs, "n", "x"));
    CHECK_OK(objStore_Get(&get, e.obs, "n", NULL));
    CHECK_STATUS(objStoreGet_Read(&done, &data, &len, get, 0), NATS_INVALID_ARG);
    CHECK_STATUS(objStoreGet_ReadAll(&data, &len, get, -1), NATS_INVALID_ARG);
    objStoreGet_Destroy(get);
    env_close(&e);
}

static const test_case tests[] = {
    T(obj_inits_zero_and_refuse_null),
    T(obj_put_get_sizes),
    T(obj_put_add_and_read_chunks),
    T(obj_files),
    T(obj_meta_links_delete_list),
    T(obj_watch),
    T(obj_watch_stop_from_other_thread),
    T(obj_buckets_status_seal),
    T(obj_invalid_arguments),
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

/*
 * kv-config-watch: a configuration held in a Key/Value bucket, and a
 * watcher that follows it.
 *
 * Creates the bucket CONFIG (in memory, 5 revisions per key), stores two
 * settings under "<subj>." (default "app."), then watches "<subj>.>": the
 * watcher first reports the current settings and that they are all
 * loaded, then each change as it happens. The program makes -count
 * changes itself, each a compare-and-set on the last revision it saw, shows
 * that a stale revision is refused, deletes a setting, prints a setting's
 * history and deletes the bucket. Needs a JetStream server (nats-server -js).
 *
 *   kv-config-watch [-s URL[,URL...]] [-subj app] [-count 3]
 */
#include "common.h"

#define BUCKET "CONFIG"
#define WAIT_MS 5000

/* Prints what the watcher delivered; returns its status. */
static natsStatus
nextChange(kvWatcher *w, int *loaded)
{
    kvEntry    *e = NULL;
    natsStatus  s = kvWatcher_Next(&e, w, WAIT_MS);

    if (s != NATS_OK)
        return ex_failed("kvWatcher_Next", s);
    if (e == NULL)
    {
        printf("Initial configuration loaded (%d setting(s))\n", *loaded);
        return NATS_OK;
    }
    switch (kvEntry_Operation(e))
    {
        case kvOp_Put:
            printf("%s = %s (revision %" PRIu64 ")\n", kvEntry_Key(e), kvEntry_ValueString(e),
                   kvEntry_Revision(e));
            break;
        case kvOp_Delete:
        case kvOp_Purge:
            printf("%s removed (revision %" PRIu64 ")\n", kvEntry_Key(e), kvEntry_Revision(e));
            break;
        default:
            printf("%s: unknown operation\n", kvEntry_Key(e));
    }
    (*loaded)++;
    kvEntry_Destroy(e);
    return NATS_OK;
}

int
main(int argc, char **argv)
{
    exArgs          a   = {0};
    natsConnection *nc  = NULL;
    jsCtx          *js  = NULL;
    kvStore        *kv  = NULL;
    kvWatcher      *w   = NULL;
    kvEntryList     hist = {NULL, 0};
    kvConfig        cfg;
    char            level[256], name[256], pattern[256], value[32];
    uint64_t        rev = 0, stale = 0;
    natsStatus      s;
    int             loaded = 0;
    int             i;

    a.subj  = "app";
    a.count = 3;
    if (ex_parse(argc, argv, EX_OPT_COUNT, &a) != 0)
        return 2;
    snprintf(level, sizeof(level), "%s.level", a.subj);
    snprintf(name, sizeof(name), "%s.name", a.subj);
    snprintf(pattern, sizeof(pattern), "%s.>", a.subj);

    s = ex_connect(&nc, a.urls, "kv-config-watch");
    if (s == NATS_OK && (s = natsConnection_JetStream(&js, nc, NULL)) != NATS_OK)
        ex_failed("natsConnection_JetStream", s);
    if (s == NATS_OK)
    {
        kvConfig_Init(&cfg);
        cfg.Bucket      = BUCKET;
        cfg.History     = 5;
        cfg.StorageType = js_MemoryStorage;
        if ((s = js_CreateKeyValue(&kv, js, &cfg)) != NATS_OK)
            ex_failed("js_CreateKeyValue", s);
    }
    if (s == NATS_OK && (s = kvStore_PutString(NULL, kv, name, "demo")) != NATS_OK)
        ex_failed("kvStore_PutString", s);
    if (s == NATS_OK && (s = kvStore_PutString(&rev, kv, level, "0")) != NATS_OK)
        ex_failed("kvStore_PutString", s);

    /* The watcher: current values, the "loaded" marker, then changes. */
    if (s == NATS_OK && (s = kvStore_Watch(&w, kv, pattern, NULL)) != NATS_OK)
        ex_failed("kvStore_Watch", s);
    for (i = 0; (s == NATS_OK) && (i < 3); i++)
        s = nextChange(w, &loaded);

    for (i = 1; (s == NATS_OK) && (i <= a.count); i++)
    {
        snprintf(value, sizeof(value), "%d", i);
        stale = rev;
        if ((s = kvStore_UpdateString(&rev, kv, level, value, rev)) != NATS_OK)
            ex_failed("kvStore_UpdateString", s);
        else
            s = nextChange(w, &loaded);
    }
    /* Another writer with an old revision is refused. */
    if (s == NATS_OK)
    {
        natsStatus u = kvStore_UpdateString(NULL, kv, level, "stale", stale);
        printf("Update from stale revision %" PRIu64 ": %s (%s)\n", stale, natsStatus_GetText(u),
               (u == NATS_OK) ? "accepted" : nats_GetLastError(NULL));
        if (u == NATS_OK)
            s = NATS_ERR;
    }
    if (s == NATS_OK && (s = kvStore_Delete(kv, name)) != NATS_OK)
        ex_failed("kvStore_Delete", s);
    if (s == NATS_OK)
        s = nextChange(w, &loaded);

    if (s == NATS_OK && (s = kvStore_History(&hist, kv, level, NULL)) != NATS_OK)
        ex_failed("kvStore_History", s);
    if (s == NATS_OK)
    {
        printf("History of %s:", level);
        for (i = 0; i < hist.Count; i++)
            printf(" %s", kvEntry_ValueString(hist.Entries[i]));
        printf("\n");
    }
    kvEntryList_Destroy(&hist);

    if (w != NULL)
        kvWatcher_Stop(w);
    kvWatcher_Destroy(w);
    kvStore_Destroy(kv);
    if (js != NULL && js_DeleteKeyValue(js, BUCKET) == NATS_OK)
        printf("Bucket %s deleted\n", BUCKET);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    nats_Close();
    return (s == NATS_OK) ? 0 : 1;
}

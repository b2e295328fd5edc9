/*
 * Key/Value through the C API: the option structs' _Init functions (every
 * field zero, whatever the storage held before), their NULL checks with
 * the thread's last error, and kvOperation's values.
 *
 * The bucket functions (create, put, get, watch…) are tested here once
 * the Key/Value core is merged; until then the header does not declare
 * them.
 */
/* test.h first: it selects the POSIX feature level. */
#include "test.h"

#include <nats/nats.h>

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

static const test_case tests[] = {
    T(kv_config_init_zeroes_every_field),
    T(kv_watch_options_init_zeroes_every_field),
    T(kv_purge_options_init_zeroes_every_field),
    T(kv_inits_refuse_null),
    T(kv_operation_values),
};

int main(int argc, char **argv)
{
    return TEST_MAIN(tests);
}

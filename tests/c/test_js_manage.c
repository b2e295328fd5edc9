/*
 * JetStream management through the C API against a real
 * `nats-server -js -sd <fresh dir>`: the context and its options, streams
 * (create, info, list, update, purge by each variant, delete), stored
 * messages (get, last, direct get, delete, erase), consumers (create,
 * info, list, update, pause, delete), the account, and failures with
 * cnats' status and jsErrCode.
 *
 * Every case starts its own server. Returned structs are freed with their
 * _Destroy, so the valgrind variants also check that nothing leaks.
 *
 * The expectations are cnats' behaviour: built with
 * -DRNATS_TEST_AGAINST_CNATS this file also builds and passes against the
 * system's cnats (scripts/test-c-against-cnats.sh); that cnats (3.4)
 * predates some 3.14 fields and functions, and does not escape JSON
 * strings, so those parts are left out there.
 */
/* test.h first: it selects the POSIX feature level. */
#include "test.h"

#include <nats/nats.h>

#define WAIT_MS 10000

static natsConnection *connect_to(test_server *srv)
{
    natsConnection *nc = NULL;
    CHECK_OK(natsConnection_ConnectTo(&nc, srv->url));
    return nc;
}

static jsCtx *js_on(natsConnection *nc)
{
    jsCtx *js = NULL;
    CHECK_OK(natsConnection_JetStream(&js, nc, NULL));
    CHECK(js != NULL);
    return js;
}

#define CHECK_ERRCODE(actual, expected)                                          \
    do {                                                                         \
        int a_ = (int)(actual), e_ = (int)(expected);                            \
        if (a_ != e_)                                                            \
            test_fail(__FILE__, __LINE__, "jsErrCode %d, expected %d", a_, e_);  \
    } while (0)

/* The thread's last error status (NATS_OK when there is none). */
static natsStatus last_error_status(void)
{
    natsStatus s = NATS_OK;
    (void)nats_GetLastError(&s);
    return s;
}

/* Stores a message in a stream by a request to its subject: the stream
 * answers with its publish ack, so the message is stored on return. */
static void store(natsConnection *nc, const char *subj, const char *data)
{
    natsMsg *ack = NULL;
    CHECK_OK(natsConnection_RequestString(&ack, nc, subj, data, WAIT_MS));
    CHECK(strstr(natsMsg_GetData(ack), "\"seq\"") != NULL);
    natsMsg_Destroy(ack);
}

/* A memory stream "S" on subjects "s.>"; its info is destroyed here. */
static void add_stream(jsCtx *js, const char *name, const char *subj, bool allowDirect)
{
    jsStreamConfig cfg;
    jsStreamInfo *si = NULL;
    jsErrCode err = (jsErrCode)1;
    const char *subjects[1];

    subjects[0] = subj;
    CHECK_OK(jsStreamConfig_Init(&cfg));
    cfg.Name = name;
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_MemoryStorage;
    cfg.AllowDirect = allowDirect;
    CHECK_OK(js_AddStream(&si, js, &cfg, NULL, &err));
    CHECK_ERRCODE(err, 0);
    CHECK(si != NULL);
    jsStreamInfo_Destroy(si);
}

static uint64_t stream_msgs(jsCtx *js, const char *name)
{
    jsStreamInfo *si = NULL;
    uint64_t n;
    CHECK_OK(js_GetStreamInfo(&si, js, name, NULL, NULL));
    n = si->State.Msgs;
    jsStreamInfo_Destroy(si);
    return n;
}

/* ------------------------------------------------------------------ */

TEST(js_inits_set_cnats_defaults)
{
    jsStreamConfig sc;
    jsConsumerConfig cc;
    jsOptions o;
    jsPlacement p;
    jsStreamSource ss;
    jsExternalStream es;
    jsRePublish rp;
    jsDirectGetMsgOptions dg;

    memset(&sc, 0xAB, sizeof(sc));
    CHECK_OK(jsStreamConfig_Init(&sc));
    CHECK(sc.Name == NULL && sc.Subjects == NULL && sc.SubjectsLen == 0);
    CHECK_EQ_INT(sc.Retention, js_LimitsPolicy);
    CHECK_EQ_INT(sc.MaxConsumers, -1);
    CHECK_EQ_INT(sc.MaxMsgs, -1);
    CHECK_EQ_INT(sc.MaxBytes, -1);
    CHECK_EQ_INT(sc.MaxMsgSize, -1);
    CHECK_EQ_INT(sc.MaxAge, 0);
    CHECK_EQ_INT(sc.Storage, js_FileStorage);
    CHECK_EQ_INT(sc.Discard, js_DiscardOld);
    CHECK_EQ_INT(sc.Replicas, 1);
#ifndef RNATS_TEST_AGAINST_CNATS
    CHECK_EQ_INT(sc.Compression, js_StorageCompressionNone);
    CHECK(sc.Metadata.List == NULL);
#endif
    CHECK(!sc.AllowDirect && sc.Placement == NULL);

    memset(&cc, 0xAB, sizeof(cc));
    CHECK_OK(jsConsumerConfig_Init(&cc));
    CHECK_EQ_INT((int)cc.AckPolicy, -1);
    CHECK_EQ_INT((int)cc.DeliverPolicy, -1);
    CHECK_EQ_INT((int)cc.ReplayPolicy, -1);
    CHECK(cc.Durable == NULL && cc.MaxAckPending == 0 && cc.BackOff == NULL);

    memset(&o, 0xAB, sizeof(o));
    CHECK_OK(jsOptions_Init(&o));
    CHECK(o.Prefix == NULL && o.Domain == NULL && o.Wait == 0);
    CHECK(o.Stream.Purge.Subject == NULL && o.Stream.Purge.Keep == 0 && !o.Stream.Info.DeletedDetails);

    memset(&p, 0xAB, sizeof(p));
    CHECK_OK(jsPlacement_Init(&p));
    CHECK(p.Cluster == NULL && p.TagsLen == 0);
    memset(&ss, 0xAB, sizeof(ss));
    CHECK_OK(jsStreamSource_Init(&ss));
    CHECK(ss.Name == NULL && ss.External == NULL && ss.OptStartSeq == 0);
    memset(&es, 0xAB, sizeof(es));
    CHECK_OK(jsExternalStream_Init(&es));
    CHECK(es.APIPrefix == NULL && es.DeliverPrefix == NULL);
    memset(&rp, 0xAB, sizeof(rp));
    CHECK_OK(jsRePublish_Init(&rp));
    CHECK(rp.Source == NULL && rp.Destination == NULL && !rp.HeadersOnly);
    memset(&dg, 0xAB, sizeof(dg));
    CHECK_OK(jsDirectGetMsgOptions_Init(&dg));
    CHECK(dg.Sequence == 0 && dg.NextBySubject == NULL && dg.LastBySubject == NULL);

    CHECK_STATUS(jsStreamConfig_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(jsConsumerConfig_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(jsOptions_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(jsPlacement_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(jsStreamSource_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(jsExternalStream_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(jsRePublish_Init(NULL), NATS_INVALID_ARG);
    CHECK_STATUS(jsDirectGetMsgOptions_Init(NULL), NATS_INVALID_ARG);
}

TEST(js_stream_lifecycle)
{
    test_server *srv = test_server_start_js();
    natsConnection *nc = connect_to(srv);
    jsCtx *js = js_on(nc);
    jsStreamConfig cfg;
    jsStreamInfo *si = NULL;
    jsStreamInfoList *sl = NULL;
    jsStreamNamesList *nl = NULL;
    jsErrCode err = (jsErrCode)0;
    const char *subjects[2] = {"orders.*", "audit.>"};
#ifndef RNATS_TEST_AGAINST_CNATS
    const char *meta[4] = {"owner", "team \"a\"", "tier", "gold"};
#endif
    int i, found = 0;

    CHECK_OK(jsStreamConfig_Init(&cfg));
    cfg.Name = "ORDERS";
#ifndef RNATS_TEST_AGAINST_CNATS
    /* Escaped in the JSON (cnats writes strings raw). */
    cfg.Description = "a \"quoted\" \\ description";
#else
    cfg.Description = "a description";
#endif
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 2;
    cfg.Storage = js_MemoryStorage;
    cfg.Retention = js_LimitsPolicy;
    cfg.MaxMsgs = 100;
    cfg.MaxAge = (int64_t)3600 * 1000000000;
    cfg.Duplicates = (int64_t)60 * 1000000000;
    cfg.AllowRollup = true;
#ifndef RNATS_TEST_AGAINST_CNATS
    cfg.Metadata.List = meta;
    cfg.Metadata.Count = 2;
#endif
    CHECK_OK(js_AddStream(&si, js, &cfg, NULL, &err));
    CHECK_ERRCODE(err, 0);
    CHECK(si != NULL && si->Config != NULL);
    CHECK_STR(si->Config->Name, "ORDERS");
#ifndef RNATS_TEST_AGAINST_CNATS
    CHECK_STR(si->Config->Description, "a \"quoted\" \\ description");
#endif
    CHECK_EQ_INT(si->Config->SubjectsLen, 2);
    CHECK_STR(si->Config->Subjects[0], "orders.*");
    CHECK_STR(si->Config->Subjects[1], "audit.>");
    CHECK_EQ_INT(si->Config->Storage, js_MemoryStorage);
    CHECK_EQ_INT(si->Config->MaxMsgs, 100);
    CHECK_EQ_INT(si->Config->MaxAge, (int64_t)3600 * 1000000000);
    CHECK_EQ_INT(si->Config->Duplicates, (int64_t)60 * 1000000000);
    CHECK(si->Config->AllowRollup);
    CHECK(si->Created > 0);
    CHECK_EQ_INT(si->State.Msgs, 0);
#ifndef RNATS_TEST_AGAINST_CNATS
    /* Metadata comes back (the server may add its own keys). */
    for (i = 0; i < si->Config->Metadata.Count; i++) {
        if (strcmp(si->Config->Metadata.List[2 * i], "owner") == 0) {
            CHECK_STR(si->Config->Metadata.List[2 * i + 1], "team \"a\"");
            found++;
        }
    }
    CHECK_EQ_INT(found, 1);
#endif
    jsStreamInfo_Destroy(si);
    si = NULL;

    /* The same name with another configuration: cnats' NATS_ERR + code. */
    cfg.MaxMsgs = 5;
    CHECK_STATUS(js_AddStream(&si, js, &cfg, NULL, &err), NATS_ERR);
    CHECK_ERRCODE(err, JSStreamNameExistErr);
    CHECK(si == NULL);

    /* Info, with the messages stored so far. */
    store(nc, "orders.1", "one");
    store(nc, "orders.2", "two");
    store(nc, "audit.x.y", "three");
    CHECK_OK(js_GetStreamInfo(&si, js, "ORDERS", NULL, &err));
    CHECK_ERRCODE(err, 0);
    CHECK_EQ_INT(si->State.Msgs, 3);
    CHECK_EQ_INT(si->State.FirstSeq, 1);
    CHECK_EQ_INT(si->State.LastSeq, 3);
    CHECK(si->State.LastTime > 0);
    CHECK(si->State.Subjects == NULL);
    jsStreamInfo_Destroy(si);
    si = NULL;

    /* Subjects filter in the options: the per-subject counts. */
    {
        jsOptions o;
        int total = 0;
        CHECK_OK(jsOptions_Init(&o));
        o.Stream.Info.SubjectsFilter = "orders.*";
        CHECK_OK(js_GetStreamInfo(&si, js, "ORDERS", &o, &err));
        CHECK(si->State.Subjects != NULL);
        CHECK_EQ_INT(si->State.Subjects->Count, 2);
        for (i = 0; i < si->State.Subjects->Count; i++) {
            CHECK(strncmp(si->State.Subjects->List[i].Subject, "orders.", 7) == 0);
            total += (int)si->State.Subjects->List[i].Msgs;
        }
        CHECK_EQ_INT(total, 2);
        jsStreamInfo_Destroy(si);
        si = NULL;
    }

    /* Lists. */
    add_stream(js, "OTHER", "other.>", false);
    CHECK_OK(js_StreamNames(&nl, js, NULL, &err));
    CHECK_EQ_INT(nl->Count, 2);
    found = 0;
    for (i = 0; i < nl->Count; i++)
        found += (strcmp(nl->List[i], "ORDERS") == 0) + 2 * (strcmp(nl->List[i], "OTHER") == 0);
    CHECK_EQ_INT(found, 3);
    jsStreamNamesList_Destroy(nl);
    CHECK_OK(js_Streams(&sl, js, NULL, &err));
    CHECK_EQ_INT(sl->Count, 2);
    found = 0;
    for (i = 0; i < sl->Count; i++) {
        if (strcmp(sl->List[i]->Config->Name, "ORDERS") == 0) {
            CHECK_EQ_INT(sl->List[i]->State.Msgs, 3);
            found++;
        }
    }
    CHECK_EQ_INT(found, 1);
    jsStreamInfoList_Destroy(sl);
    /* Lists filtered by subject (jsOptions.Stream.Info.SubjectsFilter). */
    {
        jsOptions o;
        CHECK_OK(jsOptions_Init(&o));
        o.Stream.Info.SubjectsFilter = "other.x";
        CHECK_OK(js_StreamNames(&nl, js, &o, &err));
        CHECK_EQ_INT(nl->Count, 1);
        CHECK_STR(nl->List[0], "OTHER");
        jsStreamNamesList_Destroy(nl);
        o.Stream.Info.SubjectsFilter = "orders.1";
        CHECK_OK(js_Streams(&sl, js, &o, &err));
        CHECK_EQ_INT(sl->Count, 1);
        CHECK_STR(sl->List[0]->Config->Name, "ORDERS");
        jsStreamInfoList_Destroy(sl);
        o.Stream.Info.SubjectsFilter = "nobody.here";
        CHECK_STATUS(js_StreamNames(&nl, js, &o, &err), NATS_NOT_FOUND);
    }

    /* Update. */
    cfg.MaxMsgs = 2;
    cfg.Description = "updated";
    CHECK_OK(js_UpdateStream(&si, js, &cfg, NULL, &err));
    CHECK_ERRCODE(err, 0);
    CHECK_EQ_INT(si->Config->MaxMsgs, 2);
    CHECK_STR(si->Config->Description, "updated");
    CHECK_EQ_INT(si->State.Msgs, 2); /* the limit applies at once */
    jsStreamInfo_Destroy(si);
    si = NULL;
    /* Storage cannot change: the server's error code comes back. */
    cfg.Storage = js_FileStorage;
    CHECK_STATUS(js_UpdateStream(NULL, js, &cfg, NULL, &err), NATS_ERR);
    CHECK(err != 0);
    /* Updating a stream that does not exist. */
    cfg.Name = "NOPE";
    CHECK_STATUS(js_UpdateStream(NULL, js, &cfg, NULL, &err), NATS_NOT_FOUND);
    CHECK_ERRCODE(err, JSStreamNotFoundErr);

    /* Delete. */
    CHECK_OK(js_DeleteStream(js, "ORDERS", NULL, &err));
    CHECK_ERRCODE(err, 0);
    CHECK_STATUS(js_GetStreamInfo(&si, js, "ORDERS", NULL, &err), NATS_NOT_FOUND);
    CHECK_ERRCODE(err, JSStreamNotFoundErr);
    CHECK(si == NULL);
    /* As cnats: "not found" is an answer here, the last error is cleared. */
    CHECK(last_error_status() == NATS_OK);
    CHECK_STATUS(js_DeleteStream(js, "ORDERS", NULL, &err), NATS_NOT_FOUND);
    CHECK_ERRCODE(err, JSStreamNotFoundErr);
    CHECK_OK(js_DeleteStream(js, "OTHER", NULL, NULL));
    /* No stream left: the lists are NATS_NOT_FOUND, as cnats. */
    CHECK_STATUS(js_StreamNames(&nl, js, NULL, &err), NATS_NOT_FOUND);
    CHECK_STATUS(js_Streams(&sl, js, NULL, &err), NATS_NOT_FOUND);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(js_purge_variants)
{
    test_server *srv = test_server_start_js();
    natsConnection *nc = connect_to(srv);
    jsCtx *js = js_on(nc);
    jsOptions o;
    jsErrCode err = (jsErrCode)0;
    jsStreamInfo *si = NULL;
    int i;

    add_stream(js, "P", "p.>", false);
    for (i = 0; i < 10; i++)
        store(nc, (i % 2) == 0 ? "p.even" : "p.odd", "x");
    CHECK_EQ_INT(stream_msgs(js, "P"), 10);

    /* By subject filter: the 5 odd ones go. */
    CHECK_OK(jsOptions_Init(&o));
    o.Stream.Purge.Subject = "p.odd";
    CHECK_OK(js_PurgeStream(js, "P", &o, &err));
    CHECK_ERRCODE(err, 0);
    CHECK_EQ_INT(stream_msgs(js, "P"), 5);

    /* Up to (not including) sequence 5: even ones at 1 and 3 go. */
    CHECK_OK(jsOptions_Init(&o));
    o.Stream.Purge.Sequence = 5;
    CHECK_OK(js_PurgeStream(js, "P", &o, &err));
    CHECK_EQ_INT(stream_msgs(js, "P"), 3);
    CHECK_OK(js_GetStreamInfo(&si, js, "P", NULL, NULL));
    CHECK_EQ_INT(si->State.FirstSeq, 5);
    jsStreamInfo_Destroy(si);

    /* Keep the last 1. */
    CHECK_OK(jsOptions_Init(&o));
    o.Stream.Purge.Keep = 1;
    CHECK_OK(js_PurgeStream(js, "P", &o, &err));
    CHECK_EQ_INT(stream_msgs(js, "P"), 1);
    CHECK_OK(js_GetStreamInfo(&si, js, "P", NULL, NULL));
    CHECK_EQ_INT(si->State.FirstSeq, 9);
    jsStreamInfo_Destroy(si);

    /* Everything (no options). */
    store(nc, "p.new", "y");
    CHECK_EQ_INT(stream_msgs(js, "P"), 2);
    CHECK_OK(js_PurgeStream(js, "P", NULL, &err));
    CHECK_EQ_INT(stream_msgs(js, "P"), 0);

    /* The context's purge options apply when the call gives none. */
    {
        jsCtx *js2 = NULL;
        store(nc, "p.a", "1");
        store(nc, "p.b", "2");
        CHECK_OK(jsOptions_Init(&o));
        o.Stream.Purge.Subject = "p.a";
        CHECK_OK(natsConnection_JetStream(&js2, nc, &o));
        CHECK_OK(js_PurgeStream(js2, "P", NULL, &err));
        CHECK_EQ_INT(stream_msgs(js, "P"), 1);
        jsCtx_Destroy(js2);
    }

    /* Purging a stream that does not exist. */
    CHECK_STATUS(js_PurgeStream(js, "NOPE", NULL, &err), NATS_NOT_FOUND);
    CHECK_ERRCODE(err, JSStreamNotFoundErr);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(js_stored_messages)
{
    test_server *srv = test_server_start_js();
    natsConnection *nc = connect_to(srv);
    jsCtx *js = js_on(nc);
    jsErrCode err = (jsErrCode)0;
    jsDirectGetMsgOptions dg;
    jsOptions o;
    jsStreamInfo *si = NULL;
    natsMsg *m = NULL;
    const char *v = NULL;

    add_stream(js, "M", "m.>", true);
    {
        natsMsg *hm = NULL;
        natsMsg *ack = NULL;
        CHECK_OK(natsMsg_Create(&hm, "m.a", NULL, "first", 5));
        CHECK_OK(natsMsgHeader_Set(hm, "X-Key", "value 1"));
        CHECK_OK(natsConnection_RequestMsg(&ack, nc, hm, WAIT_MS));
        natsMsg_Destroy(ack);
        natsMsg_Destroy(hm);
    }
    store(nc, "m.b", "second");
    store(nc, "m.a", "third");
    store(nc, "m.c", "fourth");

    /* By sequence, with its headers. */
    CHECK_OK(js_GetMsg(&m, js, "M", 1, NULL, &err));
    CHECK_ERRCODE(err, 0);
    CHECK_STR(natsMsg_GetSubject(m), "m.a");
    CHECK_EQ_INT(natsMsg_GetDataLength(m), 5);
    CHECK(memcmp(natsMsg_GetData(m), "first", 5) == 0);
    CHECK_OK(natsMsgHeader_Get(m, "X-Key", &v));
    CHECK_STR(v, "value 1");
    natsMsg_Destroy(m);
    m = NULL;

    /* Last on a subject. */
    CHECK_OK(js_GetLastMsg(&m, js, "M", "m.a", NULL, &err));
    CHECK_STR(natsMsg_GetData(m), "third");
    natsMsg_Destroy(m);
    m = NULL;

    /* Missing ones: NATS_NOT_FOUND with JSNoMessageFoundErr. */
    CHECK_STATUS(js_GetMsg(&m, js, "M", 99, NULL, &err), NATS_NOT_FOUND);
    CHECK_ERRCODE(err, JSNoMessageFoundErr);
    CHECK(m == NULL);
    /* cnats keeps this one as the last error. */
    CHECK(last_error_status() == NATS_NOT_FOUND);
    CHECK_STATUS(js_GetLastMsg(&m, js, "M", "m.zzz", NULL, &err), NATS_NOT_FOUND);
    CHECK_ERRCODE(err, JSNoMessageFoundErr);
    /* cnats: only "no message found" is NATS_NOT_FOUND here. */
    CHECK_STATUS(js_GetMsg(&m, js, "NOPE", 1, NULL, &err), NATS_ERR);
    CHECK_ERRCODE(err, JSStreamNotFoundErr);

    /* Direct get: by sequence, next by subject, last by subject. */
    CHECK_OK(jsDirectGetMsgOptions_Init(&dg));
    dg.Sequence = 2;
    CHECK_OK(js_DirectGetMsg(&m, js, "M", NULL, &dg));
    CHECK_STR(natsMsg_GetSubject(m), "m.b");
    CHECK_STR(natsMsg_GetData(m), "second");
    CHECK_OK(natsMsgHeader_Get(m, JSStream, &v));
    CHECK_STR(v, "M");
    CHECK_OK(natsMsgHeader_Get(m, JSSequence, &v));
    CHECK_STR(v, "2");
    natsMsg_Destroy(m);
    m = NULL;
    CHECK_OK(jsDirectGetMsgOptions_Init(&dg));
    dg.Sequence = 2;
    dg.NextBySubject = "m.a";
    CHECK_OK(js_DirectGetMsg(&m, js, "M", NULL, &dg));
    CHECK_STR(natsMsg_GetData(m), "third");
    natsMsg_Destroy(m);
    m = NULL;
    CHECK_OK(jsDirectGetMsgOptions_Init(&dg));
    dg.LastBySubject = "m.c";
    CHECK_OK(js_DirectGetMsg(&m, js, "M", NULL, &dg));
    CHECK_STR(natsMsg_GetData(m), "fourth");
    natsMsg_Destroy(m);
    m = NULL;
    CHECK_OK(jsDirectGetMsgOptions_Init(&dg));
    dg.Sequence = 99;
    CHECK_STATUS(js_DirectGetMsg(&m, js, "M", NULL, &dg), NATS_NOT_FOUND);
    CHECK(m == NULL);
    CHECK_STATUS(js_DirectGetMsg(&m, js, "M", NULL, NULL), NATS_INVALID_ARG);

    /* Delete and erase. */
    CHECK_OK(js_DeleteMsg(js, "M", 1, NULL, &err));
    CHECK_ERRCODE(err, 0);
    CHECK_STATUS(js_GetMsg(&m, js, "M", 1, NULL, &err), NATS_NOT_FOUND);
    CHECK_OK(js_EraseMsg(js, "M", 2, NULL, &err));
    CHECK_STATUS(js_GetMsg(&m, js, "M", 2, NULL, &err), NATS_NOT_FOUND);
    CHECK_STATUS(js_DeleteMsg(js, "M", 2, NULL, &err), NATS_ERR);
    CHECK(err != 0);
    CHECK_OK(jsOptions_Init(&o));
    o.Stream.Info.DeletedDetails = true;
    CHECK_OK(js_GetStreamInfo(&si, js, "M", &o, NULL));
    CHECK_EQ_INT(si->State.Msgs, 2);
    CHECK_EQ_INT(si->State.NumDeleted, 0); /* 1 and 2 were the head: first seq moved */
    CHECK_EQ_INT(si->State.FirstSeq, 3);
    jsStreamInfo_Destroy(si);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(js_deleted_details)
{
    test_server *srv = test_server_start_js();
    natsConnection *nc = connect_to(srv);
    jsCtx *js = js_on(nc);
    jsOptions o;
    jsStreamInfo *si = NULL;
    int i;

    add_stream(js, "D", "d.>", false);
    for (i = 0; i < 5; i++)
        store(nc, "d.x", "x");
    CHECK_OK(js_DeleteMsg(js, "D", 2, NULL, NULL));
    CHECK_OK(js_DeleteMsg(js, "D", 4, NULL, NULL));
    CHECK_OK(jsOptions_Init(&o));
    o.Stream.Info.DeletedDetails = true;
    CHECK_OK(js_GetStreamInfo(&si, js, "D", &o, NULL));
    CHECK_EQ_INT(si->State.Msgs, 3);
    CHECK_EQ_INT(si->State.NumDeleted, 2);
    CHECK_EQ_INT(si->State.DeletedLen, 2);
    CHECK_EQ_INT(si->State.Deleted[0], 2);
    CHECK_EQ_INT(si->State.Deleted[1], 4);
    jsStreamInfo_Destroy(si);
    /* Without the option: the count only. */
    CHECK_OK(js_GetStreamInfo(&si, js, "D", NULL, NULL));
    CHECK_EQ_INT(si->State.NumDeleted, 2);
    CHECK(si->State.Deleted == NULL && si->State.DeletedLen == 0);
    jsStreamInfo_Destroy(si);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(js_consumers)
{
    test_server *srv = test_server_start_js();
    natsConnection *nc = connect_to(srv);
    jsCtx *js = js_on(nc);
    jsConsumerConfig cc;
    jsConsumerInfo *ci = NULL;
    jsConsumerInfoList *cl = NULL;
    jsConsumerNamesList *nl = NULL;
#ifndef RNATS_TEST_AGAINST_CNATS
    jsConsumerPauseResponse *pr = NULL;
    const char *filters[2] = {"c.a", "c.b"};
#endif
    jsErrCode err = (jsErrCode)0;
    int64_t backoff[2] = {1000000000, 2000000000};
    int i, found = 0;

    add_stream(js, "C", "c.>", false);
    store(nc, "c.a", "1");
    store(nc, "c.b", "2");
    store(nc, "c.c", "3");

    CHECK_OK(jsConsumerConfig_Init(&cc));
    cc.Durable = "dur";
#ifndef RNATS_TEST_AGAINST_CNATS
    cc.Description = "my \"durable\"";
#else
    cc.Description = "my durable";
#endif
    cc.AckPolicy = js_AckExplicit;
    cc.DeliverPolicy = js_DeliverAll;
    cc.AckWait = (int64_t)30 * 1000000000;
    cc.MaxDeliver = 5;
    cc.BackOff = backoff;
    cc.BackOffLen = 2;
#ifndef RNATS_TEST_AGAINST_CNATS
    cc.FilterSubjects = filters;
    cc.FilterSubjectsLen = 2;
#else
    cc.FilterSubject = "c.a";
#endif
    cc.MaxAckPending = 10;
    CHECK_OK(js_AddConsumer(&ci, js, "C", &cc, NULL, &err));
    CHECK_ERRCODE(err, 0);
    CHECK_STR(ci->Stream, "C");
    CHECK_STR(ci->Name, "dur");
    CHECK_STR(ci->Config->Durable, "dur");
#ifndef RNATS_TEST_AGAINST_CNATS
    CHECK_STR(ci->Config->Description, "my \"durable\"");
#endif
    CHECK_EQ_INT(ci->Config->AckPolicy, js_AckExplicit);
    CHECK_EQ_INT(ci->Config->DeliverPolicy, js_DeliverAll);
    CHECK_EQ_INT(ci->Config->ReplayPolicy, js_ReplayInstant);
    CHECK_EQ_INT(ci->Config->BackOffLen, 2);
    CHECK_EQ_INT(ci->Config->BackOff[1], 2000000000);
#ifndef RNATS_TEST_AGAINST_CNATS
    CHECK_EQ_INT(ci->Config->FilterSubjectsLen, 2);
    CHECK_STR(ci->Config->FilterSubjects[1], "c.b");
    CHECK_EQ_INT(ci->NumPending, 2);
#else
    CHECK_EQ_INT(ci->NumPending, 1);
#endif
    CHECK_EQ_INT(ci->Config->MaxAckPending, 10);
    CHECK(ci->Created > 0);
    jsConsumerInfo_Destroy(ci);
    ci = NULL;

    /* Add again with an editable change: as cnats, js_AddConsumer is
     * create-or-update. */
    cc.MaxAckPending = 20;
    CHECK_OK(js_AddConsumer(&ci, js, "C", &cc, NULL, &err));
    CHECK_ERRCODE(err, 0);
    CHECK_EQ_INT(ci->Config->MaxAckPending, 20);
    jsConsumerInfo_Destroy(ci);
    ci = NULL;
    /* A change the server refuses: its status and code come back. */
    cc.DeliverPolicy = js_DeliverNew;
    CHECK_STATUS(js_AddConsumer(&ci, js, "C", &cc, NULL, &err), NATS_ERR);
    CHECK_ERRCODE(err, JSConsumerCreateErr);
    CHECK(ci == NULL);
    cc.DeliverPolicy = js_DeliverAll;

    /* Update. */
    cc.Description = "updated";
    cc.MaxAckPending = 30;
    CHECK_OK(js_UpdateConsumer(&ci, js, "C", &cc, NULL, &err));
    CHECK_ERRCODE(err, 0);
    CHECK_EQ_INT(ci->Config->MaxAckPending, 30);
    CHECK_STR(ci->Config->Description, "updated");
    jsConsumerInfo_Destroy(ci);
    ci = NULL;
#ifndef RNATS_TEST_AGAINST_CNATS
    /* Updating a consumer that does not exist: refused, as rnats sends the
     * "update" action (cnats sends none, and creates it). */
    {
        jsConsumerConfig u;
        CHECK_OK(jsConsumerConfig_Init(&u));
        u.Durable = "ghost";
        CHECK_STATUS(js_UpdateConsumer(NULL, js, "C", &u, NULL, &err), NATS_ERR);
        CHECK_ERRCODE(err, JSConsumerDoesNotExistErr);
    }
#endif

    /* A second (ephemeral-named, pull) consumer without an info wanted. */
    CHECK_OK(jsConsumerConfig_Init(&cc));
    cc.Name = "second";
    cc.AckPolicy = js_AckNone;
    cc.InactiveThreshold = (int64_t)60 * 1000000000;
    CHECK_OK(js_AddConsumer(NULL, js, "C", &cc, NULL, &err));

    /* Info, lists. */
    CHECK_OK(js_GetConsumerInfo(&ci, js, "C", "second", NULL, &err));
    CHECK_EQ_INT(ci->Config->AckPolicy, js_AckNone);
    CHECK_EQ_INT(ci->NumPending, 3);
    jsConsumerInfo_Destroy(ci);
    ci = NULL;
    CHECK_OK(js_ConsumerNames(&nl, js, "C", NULL, &err));
    CHECK_EQ_INT(nl->Count, 2);
    for (i = 0; i < nl->Count; i++)
        found += (strcmp(nl->List[i], "dur") == 0) + 2 * (strcmp(nl->List[i], "second") == 0);
    CHECK_EQ_INT(found, 3);
    jsConsumerNamesList_Destroy(nl);
    CHECK_OK(js_Consumers(&cl, js, "C", NULL, &err));
    CHECK_EQ_INT(cl->Count, 2);
    CHECK_STR(cl->List[0]->Stream, "C");
    jsConsumerInfoList_Destroy(cl);

#ifndef RNATS_TEST_AGAINST_CNATS
    /* Pause until one hour from now, then resume. */
    {
        struct timespec ts;
        uint64_t until;
        clock_gettime(CLOCK_REALTIME, &ts);
        until = ((uint64_t)ts.tv_sec + 3600) * 1000000000ULL;
        CHECK_OK(js_PauseConsumer(&pr, js, "C", "dur", until, NULL, &err));
        CHECK(pr->Paused);
        CHECK(pr->PauseRemaining > 0);
        CHECK((uint64_t)pr->PauseUntil == until);
        jsConsumerPauseResponse_Destroy(pr);
        CHECK_OK(js_GetConsumerInfo(&ci, js, "C", "dur", NULL, &err));
        CHECK(ci->Paused);
        CHECK(ci->Config->PauseUntil > 0);
        jsConsumerInfo_Destroy(ci);
        ci = NULL;
        CHECK_OK(js_PauseConsumer(&pr, js, "C", "dur", 0, NULL, &err));
        CHECK(!pr->Paused);
        jsConsumerPauseResponse_Destroy(pr);
    }
#endif

    /* Delete; then it is not found. */
    CHECK_OK(js_DeleteConsumer(js, "C", "dur", NULL, &err));
    CHECK_ERRCODE(err, 0);
    CHECK_STATUS(js_GetConsumerInfo(&ci, js, "C", "dur", NULL, &err), NATS_NOT_FOUND);
    CHECK_ERRCODE(err, JSConsumerNotFoundErr);
    CHECK(ci == NULL);
    CHECK(last_error_status() == NATS_OK);
    CHECK_STATUS(js_DeleteConsumer(js, "C", "dur", NULL, &err), NATS_NOT_FOUND);
    CHECK_ERRCODE(err, JSConsumerNotFoundErr);
    /* cnats: only "consumer not found" is NATS_NOT_FOUND here. */
    CHECK_STATUS(js_GetConsumerInfo(&ci, js, "NOPE", "dur", NULL, &err), NATS_ERR);
    CHECK_ERRCODE(err, JSStreamNotFoundErr);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(js_stream_nested_config)
{
    test_server *srv = test_server_start_js();
    natsConnection *nc = connect_to(srv);
    jsCtx *js = js_on(nc);
    jsStreamConfig cfg;
    jsStreamSource src1, src2, mirror;
    jsStreamSource *sources[2];
    jsRePublish rp;
    jsStreamInfo *si = NULL;
    jsErrCode err = (jsErrCode)0;
    natsSubscription *sub = NULL;
    natsMsg *m = NULL;
    const char *subjects[1] = {"agg.>"};
    int i;

    add_stream(js, "SRC1", "one.>", false);
    add_stream(js, "SRC2", "two.>", false);
    store(nc, "one.a", "from one");
    store(nc, "two.a", "from two");
    store(nc, "two.b", "from two again");

    /* An aggregate of both, republishing what it stores, with a subject
     * transform and consumer limits. */
    CHECK_OK(jsStreamSource_Init(&src1));
    src1.Name = "SRC1";
    CHECK_OK(jsStreamSource_Init(&src2));
    src2.Name = "SRC2";
    src2.FilterSubject = "two.b";
    sources[0] = &src1;
    sources[1] = &src2;
    CHECK_OK(jsRePublish_Init(&rp));
    rp.Source = ">";
    rp.Destination = "repub.>";
    CHECK_OK(natsConnection_SubscribeSync(&sub, nc, "repub.>"));
    CHECK_OK(natsConnection_Flush(nc));
    CHECK_OK(jsStreamConfig_Init(&cfg));
    cfg.Name = "AGG";
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_MemoryStorage;
    cfg.Sources = sources;
    cfg.SourcesLen = 2;
    cfg.RePublish = &rp;
#ifndef RNATS_TEST_AGAINST_CNATS
    cfg.ConsumerLimits.MaxAckPending = 50;
    cfg.ConsumerLimits.InactiveThreshold = (int64_t)30 * 1000000000;
#endif
    CHECK_OK(js_AddStream(&si, js, &cfg, NULL, &err));
    CHECK_EQ_INT(si->Config->SourcesLen, 2);
    CHECK_STR(si->Config->Sources[1]->Name, "SRC2");
    CHECK_STR(si->Config->Sources[1]->FilterSubject, "two.b");
    CHECK(si->Config->RePublish != NULL);
    CHECK_STR(si->Config->RePublish->Destination, "repub.>");
#ifndef RNATS_TEST_AGAINST_CNATS
    CHECK_EQ_INT(si->Config->ConsumerLimits.MaxAckPending, 50);
#endif
    jsStreamInfo_Destroy(si);
    si = NULL;

    /* Sourcing is asynchronous: wait for the two messages. */
    for (i = 0; i < 200 && stream_msgs(js, "AGG") < 2; i++)
        test_sleep_ms(25);
    CHECK_EQ_INT(stream_msgs(js, "AGG"), 2);
    CHECK_OK(js_GetStreamInfo(&si, js, "AGG", NULL, &err));
    CHECK_EQ_INT(si->SourcesLen, 2);
    for (i = 0; i < si->SourcesLen; i++) {
        CHECK(si->Sources[i]->Name != NULL);
        CHECK_EQ_INT(si->Sources[i]->Lag, 0);
    }
    jsStreamInfo_Destroy(si);
    si = NULL;
    /* Both stored messages were republished. */
    CHECK_OK(natsSubscription_NextMsg(&m, sub, WAIT_MS));
    CHECK(strncmp(natsMsg_GetSubject(m), "repub.", 6) == 0);
    natsMsg_Destroy(m);
    CHECK_OK(natsSubscription_NextMsg(&m, sub, WAIT_MS));
    natsMsg_Destroy(m);

    /* A mirror of SRC2. */
    CHECK_OK(jsStreamSource_Init(&mirror));
    mirror.Name = "SRC2";
    CHECK_OK(jsStreamConfig_Init(&cfg));
    cfg.Name = "MIR";
    cfg.Storage = js_MemoryStorage;
    cfg.Mirror = &mirror;
    cfg.MirrorDirect = true;
    CHECK_OK(js_AddStream(NULL, js, &cfg, NULL, &err));
    for (i = 0; i < 200 && stream_msgs(js, "MIR") < 2; i++)
        test_sleep_ms(25);
    CHECK_OK(js_GetStreamInfo(&si, js, "MIR", NULL, &err));
    CHECK_EQ_INT(si->State.Msgs, 2);
    CHECK(si->Config->Mirror != NULL);
    CHECK_STR(si->Config->Mirror->Name, "SRC2");
    CHECK(si->Mirror != NULL);
    CHECK_STR(si->Mirror->Name, "SRC2");
    jsStreamInfo_Destroy(si);

    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

#ifndef RNATS_TEST_AGAINST_CNATS
TEST(js_consumer_reset_and_unpin)
{
    test_server *srv = test_server_start_js();
    natsConnection *nc = connect_to(srv);
    jsCtx *js = js_on(nc);
    jsConsumerConfig cc;
    jsConsumerInfo *ci = NULL;
    jsConsumerResetResponse *rr = NULL;
    jsErrCode err = (jsErrCode)0;
    const char *groups[1] = {"jobs"};

    add_stream(js, "R", "r.>", false);
    store(nc, "r.1", "a");
    store(nc, "r.2", "b");
    store(nc, "r.3", "c");

    CHECK_OK(jsConsumerConfig_Init(&cc));
    cc.Durable = "pinned";
    cc.AckPolicy = js_AckExplicit;
    cc.PriorityPolicy = "pinned_client";
    cc.PriorityGroups = groups;
    cc.PriorityGroupsLen = 1;
    cc.PinnedTTL = (int64_t)60 * 1000000000;
    CHECK_OK(js_AddConsumer(&ci, js, "R", &cc, NULL, &err));
    CHECK_STR(ci->Config->PriorityPolicy, "pinned_client");
    CHECK_EQ_INT(ci->Config->PriorityGroupsLen, 1);
    CHECK_STR(ci->Config->PriorityGroups[0], "jobs");
    CHECK_EQ_INT(ci->Config->PinnedTTL, (int64_t)60 * 1000000000);
    jsConsumerInfo_Destroy(ci);
    ci = NULL;

    /* Unpin a group nobody is pinned in: accepted by the server. */
    CHECK_OK(js_UnpinConsumer(js, "R", "pinned", "jobs", NULL, &err));
    CHECK_ERRCODE(err, 0);
    /* An unknown group is the server's error, with its code. */
    CHECK_STATUS(js_UnpinConsumer(js, "R", "pinned", "other", NULL, &err), NATS_ERR);
    CHECK(err != 0);
    /* A missing consumer: cnats' NATS_NOT_FOUND with the code. */
    CHECK_STATUS(js_UnpinConsumer(js, "R", "ghost", "jobs", NULL, &err), NATS_NOT_FOUND);
    CHECK_ERRCODE(err, JSConsumerNotFoundErr);
    /* Invalid group names are refused before anything is sent. */
    CHECK_STATUS(js_UnpinConsumer(js, "R", "pinned", "", NULL, &err), NATS_INVALID_ARG);
    CHECK_STATUS(js_UnpinConsumer(js, "R", "pinned", NULL, NULL, &err), NATS_INVALID_ARG);

    /* Reset to stream sequence 2 (the CONSUMER.RESET API of servers 2.14+). */
    CHECK_OK(js_ResetConsumer(&rr, js, "R", "pinned", 2, NULL, &err));
    CHECK_ERRCODE(err, 0);
    CHECK(rr != NULL && rr->Consumer != NULL);
    CHECK_STR(rr->Consumer->Name, "pinned");
    CHECK_STR(rr->Consumer->Stream, "R");
    CHECK_EQ_INT(rr->ResetSeq, 2);
    jsConsumerResetResponse_Destroy(rr);
    rr = NULL;
    /* The answer is optional. */
    CHECK_OK(js_ResetConsumer(NULL, js, "R", "pinned", 1, NULL, &err));
    CHECK_STATUS(js_ResetConsumer(&rr, js, "R", "ghost", 2, NULL, &err), NATS_NOT_FOUND);
    CHECK_ERRCODE(err, JSConsumerNotFoundErr);
    CHECK(rr == NULL);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}
#endif

/* A 3-node JetStream cluster; `srv` gets the three servers. */
static void start_js_cluster(test_server *srv[3])
{
    int cport[3], i;
    char dirs[3][64];
    char conf[1024];

    for (i = 0; i < 3; i++) {
        cport[i] = test_free_port();
        snprintf(dirs[i], sizeof(dirs[i]), "/tmp/rnats_jsc_XXXXXX");
        CHECK(mkdtemp(dirs[i]) != NULL);
    }
    for (i = 0; i < 3; i++) {
        snprintf(conf, sizeof(conf),
                 "server_name: n%d\n"
                 "jetstream { store_dir: \"%s\" }\n"
                 "cluster {\n"
                 "  name: rnats\n"
                 "  listen: 127.0.0.1:%d\n"
                 "  routes: [nats://127.0.0.1:%d, nats://127.0.0.1:%d]\n"
                 "}\n",
                 i + 1, dirs[i], cport[i], cport[(i + 1) % 3], cport[(i + 2) % 3]);
        srv[i] = test_server_start_conf(conf);
        snprintf(srv[i]->store_dir, sizeof(srv[i]->store_dir), "%s", dirs[i]);
    }
}

TEST(js_cluster_stream_info)
{
    test_server *srv[3];
    natsConnection *nc;
    jsCtx *js;
    jsStreamConfig cfg;
    jsStreamInfo *si = NULL;
    jsConsumerConfig cc;
    jsConsumerInfo *ci = NULL;
    jsErrCode err = (jsErrCode)0;
    const char *subjects[1] = {"r3.>"};
    int64_t deadline;
    natsStatus s = NATS_ERR;
    int i;

    start_js_cluster(srv);
    nc = connect_to(srv[0]);
    js = js_on(nc);

    CHECK_OK(jsStreamConfig_Init(&cfg));
    cfg.Name = "R3";
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Replicas = 3;
    /* The cluster elects its meta leader first: retry until it answers. */
    deadline = test_now_ms() + 30000;
    while (test_now_ms() < deadline) {
        s = js_AddStream(&si, js, &cfg, NULL, &err);
        if (s == NATS_OK)
            break;
        test_sleep_ms(250);
    }
    CHECK_STATUS(s, NATS_OK);
    jsStreamInfo_Destroy(si);
    si = NULL;

    /* Wait for the stream's own leader and both replicas to be current. */
    deadline = test_now_ms() + 30000;
    while (test_now_ms() < deadline) {
        CHECK_OK(js_GetStreamInfo(&si, js, "R3", NULL, &err));
        if (si->Cluster != NULL && si->Cluster->Leader != NULL && si->Cluster->ReplicasLen == 2
            && si->Cluster->Replicas[0]->Current && si->Cluster->Replicas[1]->Current)
            break;
        jsStreamInfo_Destroy(si);
        si = NULL;
        test_sleep_ms(250);
    }
    CHECK(si != NULL);
    CHECK_STR(si->Cluster->Name, "rnats");
    CHECK(strncmp(si->Cluster->Leader, "n", 1) == 0);
    CHECK_EQ_INT(si->Config->Replicas, 3);
    for (i = 0; i < 2; i++) {
        CHECK(si->Cluster->Replicas[i]->Name != NULL);
        CHECK(strcmp(si->Cluster->Replicas[i]->Name, si->Cluster->Leader) != 0);
        CHECK(!si->Cluster->Replicas[i]->Offline);
    }
    jsStreamInfo_Destroy(si);

    /* A replicated consumer has its own cluster info. */
    CHECK_OK(jsConsumerConfig_Init(&cc));
    cc.Durable = "r3c";
    CHECK_OK(js_AddConsumer(&ci, js, "R3", &cc, NULL, &err));
    CHECK(ci->Cluster != NULL);
    CHECK_STR(ci->Cluster->Name, "rnats");
    jsConsumerInfo_Destroy(ci);

    CHECK_OK(js_DeleteStream(js, "R3", NULL, &err));
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    for (i = 0; i < 3; i++)
        test_server_stop(srv[i]);
}

TEST(js_account_info)
{
    test_server *srv = test_server_start_js();
    natsConnection *nc = connect_to(srv);
    jsCtx *js = js_on(nc);
    jsAccountInfo *ai = NULL;
    jsErrCode err = (jsErrCode)1;

    add_stream(js, "A1", "a1.>", false);
    add_stream(js, "A2", "a2.>", false);
    store(nc, "a1.x", "hello");
    CHECK_OK(js_GetAccountInfo(&ai, js, NULL, &err));
    CHECK_ERRCODE(err, 0);
    CHECK_EQ_INT(ai->Streams, 2);
    CHECK_EQ_INT(ai->Consumers, 0);
    CHECK(ai->Memory > 0);
    CHECK(ai->API.Total > 0);
    CHECK_EQ_INT(ai->Limits.MaxStreams, -1);
    jsAccountInfo_Destroy(ai);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(js_context_options)
{
    test_server *srv = test_server_start_js();
    natsConnection *nc = connect_to(srv);
    jsCtx *js = NULL;
    jsOptions o;
    jsAccountInfo *ai = NULL;
    jsErrCode err = (jsErrCode)0;

    /* A domain nobody serves: the request has no responders. */
    CHECK_OK(jsOptions_Init(&o));
    o.Domain = "elsewhere";
    CHECK_OK(natsConnection_JetStream(&js, nc, &o));
    CHECK_STATUS(js_GetAccountInfo(&ai, js, NULL, &err), NATS_NO_RESPONDERS);
    CHECK_ERRCODE(err, JSNotEnabledErr);
    CHECK(ai == NULL);
    jsCtx_Destroy(js);

    /* The default prefix spelled out (with a trailing dot) works. */
    CHECK_OK(jsOptions_Init(&o));
    o.Prefix = "$JS.API.";
    o.Wait = 2000;
    CHECK_OK(natsConnection_JetStream(&js, nc, &o));
    CHECK_OK(js_GetAccountInfo(&ai, js, NULL, &err));
    jsAccountInfo_Destroy(ai);
    ai = NULL;
    /* Per-call options override the context's: a wrong prefix fails. */
    CHECK_OK(jsOptions_Init(&o));
    o.Prefix = "$NOT.JS.API";
    CHECK_STATUS(js_GetAccountInfo(&ai, js, &o, &err), NATS_NO_RESPONDERS);
    jsCtx_Destroy(js);

    /* Negative wait is refused. */
    CHECK_OK(jsOptions_Init(&o));
    o.Wait = -1;
    js = NULL;
    CHECK_STATUS(natsConnection_JetStream(&js, nc, &o), NATS_INVALID_ARG);
    CHECK(js == NULL);

    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(js_no_jetstream_server)
{
    test_server *srv = test_server_start();
    natsConnection *nc = connect_to(srv);
    jsCtx *js = js_on(nc);
    jsStreamInfo *si = NULL;
    jsErrCode err = (jsErrCode)0;

    CHECK_STATUS(js_GetStreamInfo(&si, js, "S", NULL, &err), NATS_NO_RESPONDERS);
    CHECK_ERRCODE(err, JSNotEnabledErr);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(js_invalid_arguments)
{
    test_server *srv = test_server_start_js();
    natsConnection *nc = connect_to(srv);
    jsCtx *js = js_on(nc);
    jsStreamConfig cfg;
    jsConsumerConfig cc;
    jsStreamInfo *si = NULL;
    jsConsumerInfo *ci = NULL;
    jsStreamNamesList *nl = NULL;
    natsMsg *m = NULL;
    jsErrCode err = (jsErrCode)7;
    const char *subjects[1] = {"x"};

    CHECK_STATUS(natsConnection_JetStream(NULL, nc, NULL), NATS_INVALID_ARG);
    {
        jsCtx *j2 = NULL;
        CHECK_STATUS(natsConnection_JetStream(&j2, NULL, NULL), NATS_INVALID_ARG);
    }
    CHECK_OK(jsStreamConfig_Init(&cfg));
    cfg.Name = "S";
    CHECK_STATUS(js_AddStream(&si, NULL, &cfg, NULL, &err), NATS_INVALID_ARG);
    CHECK_ERRCODE(err, 0);
    CHECK_STATUS(js_AddStream(&si, js, NULL, NULL, &err), NATS_INVALID_ARG);
    CHECK_STATUS(js_GetStreamInfo(NULL, js, "S", NULL, &err), NATS_INVALID_ARG);
    CHECK_STATUS(js_GetStreamInfo(&si, js, NULL, NULL, &err), NATS_INVALID_ARG);
    CHECK_STATUS(js_StreamNames(NULL, js, NULL, &err), NATS_INVALID_ARG);
    CHECK_STATUS(js_StreamNames(&nl, NULL, NULL, &err), NATS_INVALID_ARG);
    CHECK_STATUS(js_GetMsg(NULL, js, "S", 1, NULL, &err), NATS_INVALID_ARG);
    CHECK_STATUS(js_GetMsg(&m, js, "", 1, NULL, &err), NATS_INVALID_ARG);
    CHECK_STATUS(js_DeleteStream(js, NULL, NULL, &err), NATS_INVALID_ARG);
    CHECK_STATUS(js_PurgeStream(NULL, "S", NULL, &err), NATS_INVALID_ARG);
    /* Names with forbidden characters. */
    cfg.Name = "bad.name";
    CHECK_STATUS(js_AddStream(&si, js, &cfg, NULL, &err), NATS_INVALID_ARG);
    CHECK_STATUS(js_GetStreamInfo(&si, js, "bad.name", NULL, &err), NATS_INVALID_ARG);
#ifndef RNATS_TEST_AGAINST_CNATS
    /* Stricter than cnats (ADR-6 names: no whitespace or wildcards). */
    CHECK_STATUS(js_GetStreamInfo(&si, js, "bad name", NULL, &err), NATS_INVALID_ARG);
    CHECK_STATUS(js_GetStreamInfo(&si, js, "bad*", NULL, &err), NATS_INVALID_ARG);
#endif
#ifndef RNATS_TEST_AGAINST_CNATS
    /* An array with a length but no pointer (cnats crashes); an unknown
     * enum value. */
    cfg.Name = "S";
    cfg.SubjectsLen = 1;
    CHECK_STATUS(js_AddStream(&si, js, &cfg, NULL, &err), NATS_INVALID_ARG);
#endif
    cfg.Name = "S";
    cfg.SubjectsLen = 1;
    cfg.Subjects = subjects;
    cfg.Storage = (jsStorageType)42;
    CHECK_STATUS(js_AddStream(&si, js, &cfg, NULL, &err), NATS_INVALID_ARG);
    CHECK(si == NULL);

    CHECK_OK(jsConsumerConfig_Init(&cc));
    CHECK_STATUS(js_AddConsumer(&ci, js, "S", NULL, NULL, &err), NATS_INVALID_ARG);
    CHECK_STATUS(js_AddConsumer(&ci, js, NULL, &cc, NULL, &err), NATS_INVALID_ARG);
    cc.AckPolicy = (jsAckPolicy)9;
    CHECK_STATUS(js_AddConsumer(&ci, js, "S", &cc, NULL, &err), NATS_INVALID_ARG);
    CHECK_STATUS(js_GetConsumerInfo(NULL, js, "S", "c", NULL, &err), NATS_INVALID_ARG);
    CHECK_STATUS(js_GetConsumerInfo(&ci, js, "S", NULL, NULL, &err), NATS_INVALID_ARG);
    CHECK_STATUS(js_DeleteConsumer(js, "S", NULL, NULL, &err), NATS_INVALID_ARG);
#ifndef RNATS_TEST_AGAINST_CNATS
    CHECK_STATUS(js_PauseConsumer(NULL, js, "S", "c", 0, NULL, &err), NATS_INVALID_ARG);
#endif
    CHECK_STATUS(js_GetAccountInfo(NULL, js, NULL, &err), NATS_INVALID_ARG);
    CHECK(ci == NULL);

    /* Destroying NULL is harmless. */
    jsCtx_Destroy(NULL);
    jsStreamInfo_Destroy(NULL);
    jsStreamInfoList_Destroy(NULL);
    jsStreamNamesList_Destroy(NULL);
    jsConsumerInfo_Destroy(NULL);
    jsConsumerInfoList_Destroy(NULL);
    jsConsumerNamesList_Destroy(NULL);
#ifndef RNATS_TEST_AGAINST_CNATS
    jsConsumerPauseResponse_Destroy(NULL);
    jsConsumerResetResponse_Destroy(NULL);
#endif
    jsAccountInfo_Destroy(NULL);

    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    test_server_stop(srv);
}

TEST(js_context_outlives_connection_handle)
{
    test_server *srv = test_server_start_js();
    natsConnection *nc = connect_to(srv);
    jsCtx *js = js_on(nc);
    jsAccountInfo *ai = NULL;

    /* The context keeps its own reference to the connection: destroying
     * the program's handle closes the connection (as cnats) but the
     * context stays usable and reports it. */
    natsConnection_Destroy(nc);
    CHECK_STATUS(js_GetAccountInfo(&ai, js, NULL, NULL), NATS_CONNECTION_CLOSED);
    CHECK(ai == NULL);
    jsCtx_Destroy(js);
    test_server_stop(srv);
}

static const test_case tests[] = {
    T(js_inits_set_cnats_defaults),
    T(js_stream_lifecycle),
    T(js_purge_variants),
    T(js_stored_messages),
    T(js_deleted_details),
    T(js_consumers),
    T(js_stream_nested_config),
#ifndef RNATS_TEST_AGAINST_CNATS
    T(js_consumer_reset_and_unpin),
#endif
    T(js_cluster_stream_info),
    T(js_account_info),
    T(js_context_options),
    T(js_no_jetstream_server),
    T(js_invalid_arguments),
    T(js_context_outlives_connection_handle),
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

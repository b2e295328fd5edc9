#!/usr/bin/env python3
"""Generate tests/c_misuse/misuse.c from include/nats/nats.h.

The generated program calls every exported function once per pointer
parameter, with that parameter NULL and the other arguments valid, and
checks the result against an expectation:

* functions returning natsStatus: NATS_INVALID_ARG unless the table
  OVERRIDES below says otherwise (cnats accepts some NULLs, e.g. an optional
  reply subject, and reports NULL subjects as NATS_INVALID_SUBJECT);
* void functions (destroy, close): a NULL argument is a harmless no-op;
* functions returning a pointer: NULL;
* functions returning bool / int / an enum: the value in VALUE_RETURNS.

Functions whose prototype uses a type this script does not know make the
generator fail loudly, so a new API cannot be silently left out of the
sweep. The hand-written part of the test (invalid timeouts, subjects,
queue names, closed connection) lives in tests/c_misuse/misuse_extra.inc.

Usage: scripts/gen_misuse.py [--check]   (--check: fail if the file is stale)
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ROOT / "include" / "nats" / "nats.h"
OUT = ROOT / "tests" / "c_misuse" / "misuse.c"

# ---------------------------------------------------------------------------
# Valid values for each parameter type. A value is either a C expression or,
# for output parameters, the address of one of the generated program's
# `o_*` variables (reset before and released after every case).
# ---------------------------------------------------------------------------
TYPE_VALUES = {
    "natsConnection *": "g_nc",
    "natsConnection **": "&o_nc",
    "natsOptions *": "g_opts",
    "natsOptions **": "&o_opts",
    "natsMsg *": "g_msg",
    "const natsMsg *": "g_msg",
    "natsMsg **": "&o_msg",
    "natsSubscription *": "g_sub",
    "natsSubscription **": "&o_sub",
    "natsHeader *": "g_hdr",
    "natsHeader **": "&o_hdr",
    "natsStatistics *": "g_stats",
    "const natsStatistics *": "g_stats",
    "natsStatistics **": "&o_stats",
    "natsInbox **": "&o_inbox",
    "natsInbox *": None,  # only ever destroyed: NULL is the only safe value
    "natsMsgList *": "&o_list",
    "natsClientConfig *": None,
    "const char **": "&o_cstr",
    "const char ***": "&o_cstrs",
    "char ***": "&o_strs",
    "char **": "&o_str",
    "int *": "&o_int",
    "int64_t *": "&o_i64",
    "uint64_t *": "&o_u64",
    "natsStatus *": "&o_status",
    "FILE *": "stderr",
    "void *": "NULL",
    "const void *": '"data"',
    "natsMsgHandler": "cb_msg",
    "natsErrHandler": "cb_err",
    "natsConnectionHandler": "cb_conn",
    "natsCustomReconnectDelayHandler": "cb_delay",
    "natsProxyConnHandler": "cb_proxy",
    "natsOnCompleteCB": "cb_complete",
    "natsTokenHandler": "cb_token",
    "natsSignatureHandler": "cb_sign",
    "natsUserJWTHandler": "cb_jwt",
    "natsSSLVerifyCb": "cb_verify",
    "natsEvLoop_Attach": "cb_ev_attach",
    "natsEvLoop_ReadAddRemove": "cb_ev_add_remove",
    "natsEvLoop_WriteAddRemove": "cb_ev_add_remove",
    "natsEvLoop_Detach": "cb_ev_detach",
    "const unsigned char *": "(const unsigned char *) \"data\"",
    "unsigned char *": "(unsigned char *) o_buf",
    "unsigned char **": "&o_bytes",
    "natsStatus": "NATS_OK",
    "bool": "false",
    "int": "1",
    "int64_t": "1000",
    "uint32_t": "NATS_VERSION_NUMBER",
    "size_t": "sizeof(o_buf)",
}

# Values chosen by parameter name (they win over TYPE_VALUES).
NAME_VALUES = {
    ("const char *", "subj"): '"misuse.nobody"',
    ("const char *", "subject"): '"misuse.sub"',
    ("const char *", "reply"): '"misuse.reply"',
    ("const char *", "queueGroup"): '"misuse.q"',
    ("const char *", "key"): '"Misuse-Key"',
    ("const char *", "value"): '"v"',
    ("const char *", "url"): "g_url",
    ("const char *", "urls"): "g_url",
    ("const char *", "name"): '"misuse"',
    ("const char *", "str"): '"text"',
    ("const char *", "inboxPrefix"): '"_MISUSE"',
    ("const char *", "verString"): "NATS_VERSION_STRING",
    ("const char *", "data"): '"data"',
    ("void *", "evLoop"): "(void *) o_buf",
    ("const char **", "servers"): "g_servers",
    ("char *", "buffer"): "o_buf",
    ("char *", "buf"): "o_buf",
    ("int", "dataLen"): "4",
    ("int", "serversCount"): "1",
    ("int", "order"): "0",
    ("int64_t", "timeout"): "100",
    ("int64_t", "lockSpinCount"): "-1",
    ("uint32_t", "reqVerNumber"): "NATS_VERSION_REQUIRED_NUMBER",
    ("int", "messageLen"): "4",
    ("const char *", "encodedSeed"): "MISUSE_SEED",
    ("const char *", "input"): '"data"',
    ("const char *", "pubKey"): "MISUSE_PUBKEY",
    ("const char *", "seedFile"): '"/nonexistent/misuse.seed"',
    ("const char *", "userOrChainedFile"): '"/nonexistent/misuse.creds"',
    ("const char *", "jwtAndSeedContent"): '"not really credentials"',
    ("const char *", "user"): '"misuse"',
    ("const char *", "password"): '"pw"',
    ("const char *", "token"): '"tok"',
    ("const char *", "fileName"): '"/nonexistent/ca.pem"',
    ("const char *", "path"): '"/nonexistent"',
    ("const char *", "certificates"): '"not a certificate"',
    ("const char *", "certsFileName"): '"/nonexistent/cert.pem"',
    ("const char *", "keyFileName"): '"/nonexistent/key.pem"',
    ("const char *", "cert"): '"not a certificate"',
    ("const char *", "ciphers"): '"HIGH"',
    ("const char *", "hostname"): '"localhost"',
}

# Per-function replacements of a valid value: (function, param) -> expression.
FUNC_VALUES = {
    # The on-complete callback only applies to asynchronous subscriptions.
    ("natsSubscription_SetOnCompleteCB", "sub"): "g_asub",
}

# Parameters never swept (a NULL there is simply valid and uninteresting).
NOT_SWEPT_TYPES = {"void *"}

# (function, param) -> expectation when that parameter is NULL.
#   "NATS_..."      : the status to expect
#   ("SKIP", why)   : not called
#   ("NOLAST", st)  : expect status st, without requiring a last error (for
#                     functions that read the error state and so, as in
#                     cnats, leave it alone)
OVERRIDES = {
    # NULL options / URLs mean "use the defaults" (nats://localhost:4222):
    # calling that could reach a server that is not ours.
    ("natsConnection_Connect", "options"): ("SKIP", "NULL options connect to the default URL"),
    ("natsConnection_ConnectTo", "urls"): ("SKIP", "NULL urls connect to the default URL"),
    # Subjects: cnats reports a NULL subject as an invalid subject.
    **{(f, "subj"): "NATS_INVALID_SUBJECT" for f in (
        "natsConnection_Publish", "natsConnection_PublishString", "natsConnection_PublishRequest",
        "natsConnection_PublishRequestString", "natsConnection_Request", "natsConnection_RequestString",
        "natsConnection_Send", "natsConnection_SendRequest")},
    **{(f, "subject"): "NATS_INVALID_SUBJECT" for f in (
        "natsConnection_Subscribe", "natsConnection_SubscribeTimeout", "natsConnection_SubscribeSync",
        "natsConnection_QueueSubscribe", "natsConnection_QueueSubscribeTimeout",
        "natsConnection_QueueSubscribeSync")},
    # Payloads: NULL data is fine with a zero length (the generator passes 0).
    ("natsConnection_Publish", "data"): "NATS_OK",
    ("natsConnection_Send", "data"): "NATS_OK",
    ("natsConnection_PublishRequest", "data"): "NATS_OK",
    ("natsConnection_SendRequest", "data"): "NATS_OK",
    ("natsConnection_PublishString", "str"): "NATS_OK",
    ("natsConnection_PublishRequestString", "str"): "NATS_OK",
    ("natsMsg_Create", "data"): "NATS_OK",
    ("natsMsg_Create", "reply"): "NATS_OK",
    # A request with an empty payload is sent; nobody listens on the subject.
    ("natsConnection_Request", "data"): "NATS_NO_RESPONDERS",
    ("natsConnection_RequestString", "str"): "NATS_NO_RESPONDERS",
    # Message headers may be set to an empty (NULL) value; natsHeader may not.
    ("natsMsgHeader_Set", "value"): "NATS_OK",
    ("natsMsgHeader_Add", "value"): "NATS_OK",
    # Options that a NULL resets to the default.
    ("natsOptions_SetURL", "url"): "NATS_OK",
    ("natsOptions_SetName", "name"): "NATS_OK",
    ("natsOptions_SetCustomInboxPrefix", "inboxPrefix"): "NATS_OK",
    # NULL config: open with the defaults (already open: nothing happens).
    ("nats_OpenWithConfig", "config"): "NATS_OK",
    # nats_GetLastError's status output is optional: tested by hand.
    ("nats_GetLastError", "status"): ("SKIP", "optional output; covered in misuse_extra.inc"),
    # These return the connection's own error state (NATS_OK here); cnats
    # copies the text only into a non-NULL buffer (and would crash on a NULL
    # lastError): rnats accepts both.
    ("natsConnection_GetLastError", "lastError"): "NATS_OK",
    ("natsConnection_ReadLastError", "buf"): "NATS_OK",
    # Reading the error stack does not record an error of its own (cnats).
    ("nats_GetLastErrorStack", "buffer"): ("NOLAST", "NATS_INVALID_ARG"),
    # The subscription's on-complete callback may be cleared.
    ("natsSubscription_SetOnCompleteCB", "cb"): "NATS_OK",
}
# Authentication and TLS options (cnats stores file names without reading
# them; NULLs that mean "none" are accepted).
OVERRIDES.update({
    ("natsOptions_SetUserInfo", "user"): "NATS_OK",
    ("natsOptions_SetUserInfo", "password"): "NATS_OK",
    ("natsOptions_SetToken", "token"): "NATS_OK",
    ("natsOptions_SetTokenHandler", "tokenCb"): "NATS_OK",
    ("natsOptions_SetNKey", "pubKey"): "NATS_OK",
    ("natsOptions_SetNKeyFromSeed", "pubKey"): "NATS_OK",
    ("natsOptions_SetUserCredentialsFromFiles", "seedFile"): "NATS_OK",
    ("natsOptions_SetUserCredentialsFromMemory", "jwtAndSeedContent"): "NATS_OK",
    ("natsOptions_SetExpectedHostname", "hostname"): "NATS_OK",
    ("natsOptions_SetSSLVerificationCallback", "callback"): "NATS_OK",
})
# Statistics outputs are each optional.
for _p in ("inMsgs", "inBytes", "outMsgs", "outBytes", "reconnects"):
    OVERRIDES[("natsStatistics_GetCounts", _p)] = "NATS_OK"
for _f, _ps in {
    "natsSubscription_GetPending": ("msgs", "bytes"),
    "natsSubscription_GetPendingLimits": ("msgLimit", "bytesLimit"),
    "natsSubscription_GetMaxPending": ("msgs", "bytes"),
    "natsSubscription_GetStats": ("pendingMsgs", "pendingBytes", "maxPendingMsgs", "maxPendingBytes",
                                  "deliveredMsgs", "droppedMsgs"),
}.items():
    for _p in _ps:
        OVERRIDES[(_f, _p)] = "NATS_OK"

# JetStream management (part 1). The sweep's server has no JetStream, so a
# call that gets past its argument checks ends with NATS_NO_RESPONDERS.
TYPE_VALUES.update({
    "jsCtx *": "g_js",
    "jsCtx **": "&o_js",
    "jsOptions *": "NULL",
    "jsErrCode *": "&o_err",
    "jsStreamConfig *": "&g_scfg",
    "jsConsumerConfig *": "&g_ccfg",
    "jsPlacement *": "&g_place",
    "jsStreamSource *": "&g_src",
    "jsExternalStream *": "&g_ext",
    "jsRePublish *": "&g_rp",
    "jsDirectGetMsgOptions *": "&g_dg",
    "jsStreamInfo **": "&o_si",
    "jsStreamInfoList **": "&o_sil",
    "jsStreamNamesList **": "&o_snl",
    "jsConsumerInfo **": "&o_ci",
    "jsConsumerInfoList **": "&o_cil",
    "jsConsumerNamesList **": "&o_cnl",
    "jsConsumerPauseResponse **": "&o_cpr",
    "jsConsumerResetResponse **": "&o_crr",
    "jsAccountInfo **": "&o_ai",
    # Only ever destroyed: NULL is the only safe value.
    "jsStreamInfo *": None,
    "jsStreamInfoList *": None,
    "jsStreamNamesList *": None,
    "jsConsumerInfo *": None,
    "jsConsumerInfoList *": None,
    "jsConsumerNamesList *": None,
    "jsConsumerPauseResponse *": None,
    "jsConsumerResetResponse *": None,
    "jsAccountInfo *": None,
    "uint64_t": "1",
})
NAME_VALUES.update({
    ("const char *", "stream"): '"misuse"',
    ("const char *", "consumer"): '"misuse"',
    ("const char *", "group"): '"misuse"',
})
# NULL options mean the context's; a NULL error code output is optional.
NOT_SWEPT_TYPES |= {"jsOptions *", "jsErrCode *"}
# Optional outputs ("not wanted"): the call goes on to the server.
for _f, _p in (("js_AddStream", "si"), ("js_UpdateStream", "si"), ("js_AddConsumer", "ci"),
               ("js_UpdateConsumer", "ci"), ("js_ResetConsumer", "new_crr")):
    OVERRIDES[(_f, _p)] = "NATS_NO_RESPONDERS"

# JetStream consuming (part 2). The sweep's server has no JetStream: a
# subscribe call that gets past its argument checks fails its stream lookup
# with NATS_NO_RESPONDERS.
TYPE_VALUES.update({
    "jsSubOptions *": "&g_so",
    "jsFetchRequest *": "&g_fr",
    "jsMsgMetaData **": "&o_meta",
    "jsMsgMetaData *": None,  # only ever destroyed
    "jsConsumerSequenceMismatch *": "&o_csm",
})
NAME_VALUES.update({
    ("const char **", "subjects"): "g_subjects",
    ("const char *", "durable"): '"misuse"',
    ("int", "numSubjects"): "1",
    ("int64_t", "delay"): "10",
})
CALLBACK_TYPES_JS = {"jsFetchCompleteHandler", "jsFetchNextHandler"}
# NULL subscribe options are the defaults; NULL durable: an ephemeral pull
# consumer. The call goes on to the (JetStream-less) server.
for _f in ("js_Subscribe", "js_SubscribeSync", "js_SubscribeMulti", "js_SubscribeSyncMulti",
           "js_PullSubscribe", "js_PullSubscribeAsync"):
    OVERRIDES[(_f, "subOpts" if _f != "js_PullSubscribeAsync" else "opts")] = "NATS_NO_RESPONDERS"
OVERRIDES[("js_PullSubscribe", "durable")] = "NATS_NO_RESPONDERS"
OVERRIDES[("js_PullSubscribeAsync", "durable")] = "NATS_NO_RESPONDERS"
# The fetch calls need a pull subscription, which needs JetStream: g_sub is
# a core subscription, so a valid call gets NATS_INVALID_SUBSCRIPTION; the
# NULL cases are all refused before that.
# JetStream publishing. Without JetStream on the sweep's server a publish
# that passes its checks gets no responders (sync) or is sent with its ack
# still to come (async: the context's teardown drops it).
TYPE_VALUES.update({
    "jsPubOptions *": "NULL",
    "jsPubAck **": "&o_pa",
    "jsPubAck *": None,  # only ever destroyed
})
NOT_SWEPT_TYPES |= {"jsPubOptions *"}
OVERRIDES.update({
    ("js_Publish", "pubAck"): "NATS_NO_RESPONDERS",
    ("js_PublishMsg", "pubAck"): "NATS_NO_RESPONDERS",
    ("js_Publish", "data"): "NATS_NO_RESPONDERS",
    ("js_PublishAsync", "data"): "NATS_OK",
})

# Object store. The sweep's server has no JetStream, so no bucket handle
# can be made: the cases that need a valid objStore / put / get / watcher
# alongside the NULL are skipped (tests/c/test_obj.c covers them against a
# JetStream server); a NULL handle itself is swept. Outputs that a refused
# call never fills are throw-away compound literals.
TYPE_VALUES.update({
    "objStoreConfig *": '&(objStoreConfig){.Bucket = "misuse"}',
    "objStoreMeta *": '&(objStoreMeta){.Name = "misuse"}',
    "objStoreOptions *": "&(objStoreOptions){.ShowDeleted = false}",
    "objStoreWatchOptions *": "&(objStoreWatchOptions){.IgnoreDeletes = false}",
    "objStoreInfo *": '&(objStoreInfo){.Bucket = "misuse", .Meta = {.Name = "misuse"}}',
    "objStore **": "&(objStore *){NULL}",
    "objStorePut **": "&(objStorePut *){NULL}",
    "objStoreGet **": "&(objStoreGet *){NULL}",
    "objStoreWatcher **": "&(objStoreWatcher *){NULL}",
    "objStoreInfo **": "&(objStoreInfo *){NULL}",
    "const objStoreInfo **": "&(const objStoreInfo *){NULL}",
    "objStoreInfoList **": "&(objStoreInfoList *){NULL}",
    "objStoreNamesList **": "&(objStoreNamesList *){NULL}",
    "objStoreStatus **": "&(objStoreStatus *){NULL}",
    "objStoreStatusesList **": "&(objStoreStatusesList *){NULL}",
    "void **": "&(void *){NULL}",
    "bool *": "&(bool){false}",
    "objStore *": None,
    "objStorePut *": None,
    "objStoreGet *": None,
    "objStoreWatcher *": None,
    "objStoreInfoList *": None,
    "objStoreNamesList *": None,
    "objStoreStatus *": None,
    "objStoreStatusesList *": None,
})
NAME_VALUES.update({
    ("const char *", "bucket"): '"misuse"',
    ("const char *", "fileName"): '"misuse.bin"',
})

# Callback parameters: a NULL handler is valid for option setters (it
# removes the handler) but required by the subscribe calls.
CALLBACK_TYPES = {"natsMsgHandler", "natsErrHandler", "natsConnectionHandler",
                  "natsCustomReconnectDelayHandler", "natsOnCompleteCB", "natsTokenHandler",
                  "natsSignatureHandler", "natsUserJWTHandler", "natsSSLVerifyCb",
                  "natsProxyConnHandler"}
CALLBACK_TYPES |= CALLBACK_TYPES_JS
CALLBACK_TYPES |= {"natsEvLoop_Attach", "natsEvLoop_ReadAddRemove", "natsEvLoop_WriteAddRemove",
                   "natsEvLoop_Detach"}
CALLBACK_REQUIRED = {"natsConnection_Subscribe", "natsConnection_SubscribeTimeout",
                     "natsConnection_QueueSubscribe", "natsConnection_QueueSubscribeTimeout",
                     # a public key needs its signer; JWT and signature handlers go in pairs
                     "natsOptions_SetNKey", "natsOptions_SetUserCredentialsCallbacks",
                     "js_Subscribe", "js_SubscribeMulti", "js_PullSubscribeAsync",
                     # an event loop needs all four callbacks
                     "natsOptions_SetEventLoop"}

# Expected results of non-status functions given a NULL argument.
VALUE_RETURNS = {
    "natsConnection_IsClosed": "true",
    "natsConnection_IsReconnecting": "false",
    "natsConnection_IsDraining": "false",
    "natsConnection_Status": "NATS_CONN_STATUS_CLOSED",
    "natsConnection_Buffered": "-1",
    "natsConnection_GetMaxPayload": "0",
    "natsSubscription_GetID": "0",
    "natsSubscription_IsValid": "false",
    "natsHeader_KeysCount": "0",
    "natsMsg_GetDataLength": "0",
    "natsMsg_IsNoResponders": "false",
    # The version string is only used to describe a mismatch.
    "nats_CheckCompatibilityImpl": "true",
    # A NULL message has no stored sequence or time.
    "natsMsg_GetSequence": "0",
    "natsMsg_GetTime": "0",
}

# Services (micro). Functions returning `microError *` are checked for an
# error with the expected status (micro_ErrorInvalidArg for a NULL
# argument) and a recorded last error; NULL means success ("NATS_OK").
TYPE_VALUES.update({
    "microService *": "g_svc",
    "microService **": "&o_svc",
    "microGroup *": "g_grp",
    "microGroup **": "&o_grp",
    "microClient *": "g_client",
    "microClient **": "&o_client",
    "microClientConfig *": "NULL",
    "microServiceConfig *": "&g_svccfg",
    "microEndpointConfig *": "&g_epcfg",
    "microGroupConfig *": "&g_grpcfg",
    "microServiceInfo **": "&o_minfo",
    "microServiceStats **": "&o_mstats",
    # A static error: never freed, so safe even where the callee takes it over.
    "microError *": "micro_ErrorInvalidArg",
    # No request exists outside a handler; only ever destroyed otherwise.
    "microRequest *": None,
    "microServiceInfo *": None,
    "microServiceStats *": None,
})
# The client configuration is reserved (NULL is its only value).
NOT_SWEPT_TYPES |= {"microClientConfig *"}
OVERRIDES.update({
    # The error accessors answer for NULL as cnats does, without recording.
    ("microError_Status", "err"): ("NOLAST", "NATS_OK"),
    ("microError_String", "err"): ("SKIP", "a NULL error prints \"null\": tests/c/test_micro.c"),
    ("microError_String", "buf"): ("SKIP", "a NULL buffer gives \"\": tests/c/test_micro.c"),
    # Taken over: a NULL error means a plain response (no request here).
    ("microRequest_RespondError", "err"): ("SKIP", "NULL is a valid error (none)"),
    ("microRequest_RespondCustom", "err"): ("SKIP", "NULL is a valid error (none)"),
    # An empty request is sent; nobody listens on the subject.
    ("microClient_DoRequest", "data"): "NATS_NO_RESPONDERS",
    # As a request to a NULL subject (cnats).
    ("microClient_DoRequest", "subject"): "NATS_INVALID_SUBJECT",
    # No endpoint configuration: nothing to add (cnats).
    ("microService_AddEndpoint", "config"): "NATS_OK",
    ("microGroup_AddEndpoint", "config"): "NATS_OK",
})
VALUE_RETURNS.update({
    "microService_IsStopped": "true",
    "microError_Code": "0",
    "microRequest_GetDataLength": "0",
})

# Key/Value. The sweep's server has no JetStream, so no bucket can be made:
# every case with a bucket, entry, status or watcher alongside is skipped
# (tests/c/test_kv.c checks those NULLs against a JetStream server); the
# handle itself NULL, the outputs NULL and the NULL configurations are swept.
TYPE_VALUES.update({
    "kvConfig *": "&g_kvcfg",
    "kvStore **": "&o_kv",
    "kvEntry **": "&o_kve",
    "kvStatus **": "&o_kvst",
    "kvWatcher **": "&o_kvw",
    "kvKeysList *": "&o_kkl",
    "kvEntryList *": "&o_kel",
    # No bucket without JetStream; entries and statuses come from a bucket.
    "kvStore *": None,
    "const kvStore *": None,
    "kvEntry *": None,
    "const kvEntry *": None,
    "kvStatus *": None,
    "const kvStatus *": None,
    "kvWatcher *": None,
    "const kvWatchOptions *": "NULL",
    "const kvPurgeOptions *": "NULL",
})
NAME_VALUES.update({
    ("const char *", "bucket"): '"misuse"',
    ("const char **", "keys"): "g_subjects",
    ("const char *", "keys"): '"misuse"',
    ("const char *", "key"): '"misuse"',
    ("const char **", "filters"): "g_subjects",
    ("int", "numKeys"): "1",
    ("int", "numFilters"): "1",
})
# NULL options are the defaults.
NOT_SWEPT_TYPES |= {"const kvWatchOptions *", "const kvPurgeOptions *"}
VALUE_RETURNS.update({
    "kvEntry_ValueLen": "0",
    "kvEntry_Revision": "0",
    "kvEntry_Created": "0",
    "kvEntry_Delta": "0",
    "kvEntry_Operation": "kvOp_Unknown",
    "kvStatus_Values": "0",
    "kvStatus_History": "0",
    "kvStatus_TTL": "0",
    "kvStatus_Replicas": "0",
    "kvStatus_Bytes": "0",
})

PROTO_RE = re.compile(r"^NATS_EXTERN\s+(.+?)\s*\b(\w+)\s*\((.*)\);\s*$")


def split_param(p):
    """'const char *subj' -> ('const char *', 'subj')."""
    p = p.strip()
    if p == "...":
        return "...", "..."
    m = re.match(r"^(.*?)(\w+)$", p)
    if not m:
        raise SystemExit(f"cannot parse parameter {p!r}")
    typ = re.sub(r"\s*\*", " *", m.group(1).strip()).replace("* *", "**").replace("* *", "**")
    typ = re.sub(r"\s+", " ", typ).strip()
    return typ, m.group(2)


def parse_header(text):
    funcs = []
    for line in text.splitlines():
        m = PROTO_RE.match(line.strip())
        if not m:
            if line.strip().startswith("NATS_EXTERN"):
                raise SystemExit(f"unparsed prototype: {line}")
            continue
        ret = re.sub(r"\s*\*", " *", m.group(1).strip())
        name = m.group(2)
        params = [] if m.group(3).strip() in ("", "void") else [split_param(p) for p in m.group(3).split(",")]
        funcs.append((ret, name, params))
    return funcs


def is_pointer(typ):
    return "*" in typ or typ in CALLBACK_TYPES


def value_for(func, typ, name):
    if (func, name) in FUNC_VALUES:
        return FUNC_VALUES[(func, name)]
    if (typ, name) in NAME_VALUES:
        return NAME_VALUES[(typ, name)]
    if typ not in TYPE_VALUES:
        raise SystemExit(f"{func}: no valid value known for parameter '{typ} {name}'")
    return TYPE_VALUES[typ]


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def gen_case(ret, func, params, idx):
    """The C block for `func` with params[idx] NULL, or a comment if skipped."""
    ptype, pname = params[idx]
    label = f"{func}({pname}=NULL)"
    key = (func, pname)
    exp = OVERRIDES.get(key)
    nolast = False
    if isinstance(exp, tuple) and exp[0] == "NOLAST":
        exp, nolast = exp[1], True
    if isinstance(exp, tuple):
        return f"    /* {label}: skipped, {exp[1]} */\n"
    args = []
    for j, (t, n) in enumerate(params):
        if j == idx:
            args.append("NULL")
            continue
        v = value_for(func, t, n)
        if v is None:
            return f"    /* {label}: skipped, no valid '{t}' to pass alongside */\n"
        # NULL data is only meaningful with a zero length.
        if n in ("dataLen", "data_len") and params[idx][1] in ("data", "str"):
            v = "0"
        args.append(v)
    call = f"{func}({', '.join(args)})"
    lines = [f"    /* {label} */", "    reset_outs();"]
    if ret == "natsStatus":
        if exp is None:
            if ptype in CALLBACK_TYPES:
                exp = "NATS_INVALID_ARG" if func in CALLBACK_REQUIRED else "NATS_OK"
            else:
                exp = "NATS_INVALID_ARG"
        lines.append(f"    prime({exp});")
        lines.append(f"    begin_case({c_str(label)});")
        helper = "expect_status_only" if nolast else "expect_status"
        lines.append(f"    {helper}({exp}, {call});")
    elif ret == "microError *":
        if exp is None:
            exp = "NATS_INVALID_ARG"
        lines.append(f"    prime({exp});")
        lines.append(f"    begin_case({c_str(label)});")
        lines.append(f"    expect_micro_error({exp}, {call});")
    elif ret == "void":
        lines.append(f"    begin_case({c_str(label)});")
        lines.append(f"    {call};")
        lines.append("    pass_case();")
    elif ret.endswith("*"):
        lines.append(f"    begin_case({c_str(label)});")
        lines.append(f"    expect_null((const void *) {call});")
    else:
        if func not in VALUE_RETURNS:
            raise SystemExit(f"{func}: no expected '{ret}' result for a NULL argument (add it to VALUE_RETURNS)")
        lines.append(f"    begin_case({c_str(label)});")
        lines.append(f"    expect_value((long long) ({call}), (long long) ({VALUE_RETURNS[func]}));")
    lines.append("    release_outs();")
    return "\n".join(lines) + "\n"


TEMPLATE_HEAD = r"""/*
 * NULL-argument sweep over the rnats C API.
 *
 * GENERATED by scripts/gen_misuse.py from include/nats/nats.h: do not edit;
 * change the generator (or misuse_extra.inc for the hand-written cases) and
 * run it again.
 *
 * usage: misuse PORT    (a nats-server must listen on 127.0.0.1:PORT)
 */
#define _POSIX_C_SOURCE 200809L
#include <nats/nats.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int         passed = 0;
static int         failed = 0;
static const char *volatile current = "(setup)";

/* Valid objects handed to the functions alongside the NULL argument. */
static natsConnection   *g_nc    = NULL;
static natsOptions      *g_opts  = NULL;
static natsMsg          *g_msg   = NULL;
static natsSubscription *g_sub   = NULL; /* synchronous */
static natsSubscription *g_asub  = NULL; /* asynchronous */
static natsHeader       *g_hdr   = NULL;
static natsStatistics   *g_stats = NULL;
static char              g_url[64];
static const char       *g_servers[1];
static jsCtx            *g_js    = NULL;
static jsStreamConfig    g_scfg;
static jsConsumerConfig  g_ccfg;
static jsPlacement       g_place;
static jsStreamSource    g_src;
static jsExternalStream  g_ext;
static jsRePublish       g_rp;
static jsDirectGetMsgOptions g_dg;
static microService     *g_svc   = NULL;
static microGroup       *g_grp   = NULL;
static microClient      *g_client = NULL;
static microServiceConfig  g_svccfg;
static microEndpointConfig g_epcfg;
static microGroupConfig    g_grpcfg;
static jsSubOptions      g_so;
static jsFetchRequest    g_fr;
static const char       *g_subjects[1] = {"misuse.sub"};
static kvConfig          g_kvcfg;

/* Output variables: reset before each case, released after it. */
static natsConnection   *o_nc;
static natsOptions      *o_opts;
static natsMsg          *o_msg;
static natsSubscription *o_sub;
static natsHeader       *o_hdr;
static natsStatistics   *o_stats;
static natsInbox        *o_inbox;
static natsMsgList       o_list;
static const char       *o_cstr;
static const char      **o_cstrs;
static char            **o_strs;
static char             *o_str;
static int               o_int;
static int64_t           o_i64;
static uint64_t          o_u64;
static natsStatus        o_status;
static char              o_buf[256];
static unsigned char    *o_bytes;
static jsCtx            *o_js;
static jsErrCode         o_err;
static jsStreamInfo     *o_si;
static jsStreamInfoList *o_sil;
static jsStreamNamesList *o_snl;
static jsConsumerInfo   *o_ci;
static jsConsumerInfoList *o_cil;
static jsConsumerNamesList *o_cnl;
static jsConsumerPauseResponse *o_cpr;
static jsConsumerResetResponse *o_crr;
static jsAccountInfo    *o_ai;
static jsMsgMetaData    *o_meta;
static jsConsumerSequenceMismatch o_csm;
static jsPubAck         *o_pa;
static kvStore          *o_kv;
static kvEntry          *o_kve;
static kvStatus         *o_kvst;
static kvWatcher        *o_kvw;
static kvKeysList        o_kkl;
static kvEntryList       o_kel;
static microService     *o_svc;
static microGroup       *o_grp;
static microClient      *o_client;
static microServiceInfo *o_minfo;
static microServiceStats *o_mstats;

/* The NATS docs' NKey example pair: public, a well-formed seed so that
 * the NULL argument is the fault; nothing authenticates with it
 * (allow-listed in tests/no_secrets.rs). */
#define MISUSE_SEED   "SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY"
#define MISUSE_PUBKEY "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4"

static void
reset_outs(void)
{
    o_nc = NULL; o_opts = NULL; o_msg = NULL; o_sub = NULL; o_hdr = NULL; o_stats = NULL;
    o_inbox = NULL; o_list.Msgs = NULL; o_list.Count = 0; o_cstr = NULL; o_cstrs = NULL;
    o_strs = NULL; o_str = NULL; o_int = 0; o_i64 = 0; o_u64 = 0; o_status = NATS_OK;
    memset(o_buf, 0, sizeof(o_buf));
    o_bytes = NULL;
    o_js = NULL; o_err = (jsErrCode) 0; o_si = NULL; o_sil = NULL; o_snl = NULL; o_ci = NULL;
    o_cil = NULL; o_cnl = NULL; o_cpr = NULL; o_crr = NULL; o_ai = NULL; o_pa = NULL;
    o_svc = NULL; o_grp = NULL; o_client = NULL; o_minfo = NULL; o_mstats = NULL;
    o_meta = NULL; memset(&o_csm, 0, sizeof(o_csm));
    o_kv = NULL; o_kve = NULL; o_kvst = NULL; o_kvw = NULL;
    memset(&o_kkl, 0, sizeof(o_kkl)); memset(&o_kel, 0, sizeof(o_kel));
}

/* Frees whatever a call that was expected to fail produced anyway. The
 * server lists are released only by count (o_int), as the API says. */
static void
release_outs(void)
{
    int i;

    natsSubscription_Destroy(o_sub);
    natsConnection_Destroy(o_nc);
    natsOptions_Destroy(o_opts);
    natsMsg_Destroy(o_msg);
    natsHeader_Destroy(o_hdr);
    natsStatistics_Destroy(o_stats);
    natsInbox_Destroy(o_inbox);
    natsMsgList_Destroy(&o_list);
    free((void *) o_cstrs);
    if (o_strs != NULL)
    {
        for (i = 0; i < o_int; i++)
            free(o_strs[i]);
        free((void *) o_strs);
    }
    free(o_str);
    free(o_bytes);
    jsCtx_Destroy(o_js);
    jsStreamInfo_Destroy(o_si);
    jsStreamInfoList_Destroy(o_sil);
    jsStreamNamesList_Destroy(o_snl);
    jsConsumerInfo_Destroy(o_ci);
    jsConsumerInfoList_Destroy(o_cil);
    jsConsumerNamesList_Destroy(o_cnl);
    jsConsumerPauseResponse_Destroy(o_cpr);
    jsConsumerResetResponse_Destroy(o_crr);
    jsAccountInfo_Destroy(o_ai);
    jsMsgMetaData_Destroy(o_meta);
    jsPubAck_Destroy(o_pa);
    kvStore_Destroy(o_kv);
    kvEntry_Destroy(o_kve);
    kvStatus_Destroy(o_kvst);
    kvWatcher_Destroy(o_kvw);
    kvKeysList_Destroy(&o_kkl);
    kvEntryList_Destroy(&o_kel);
    if (o_svc != NULL)
        microError_Destroy(microService_Destroy(o_svc));
    microClient_Destroy(o_client);
    microServiceInfo_Destroy(o_minfo);
    microServiceStats_Destroy(o_mstats);
    reset_outs();
}

static void
on_crash(int sig)
{
    static const char msg[] = "\nCRASH in case: ";
    ssize_t           r;

    r = write(2, msg, sizeof(msg) - 1);
    r = write(2, current, strlen(current));
    r = write(2, "\n", 1);
    (void) r;
    signal(sig, SIG_DFL);
    raise(sig);
}

static void
begin_case(const char *name)
{
    current = name;
}

static void
pass_case(void)
{
    passed++;
}

static void
fail_case(const char *fmt, long long got, long long want)
{
    failed++;
    printf("FAIL %s: ", current);
    printf(fmt, got, want);
    printf("\n");
}

/*
 * Leaves a known error as the thread's last error, one different from
 * `next`, so that after the case we can tell whether the call under test
 * recorded its own failure.
 */
static void
prime(natsStatus next)
{
    natsStatus want = (next == NATS_INVALID_TIMEOUT) ? NATS_INVALID_ARG : NATS_INVALID_TIMEOUT;
    natsStatus got;

    current = "(priming the last error)";
    if (want == NATS_INVALID_TIMEOUT)
        got = natsConnection_FlushTimeout(g_nc, -1);
    else
        got = natsInbox_Create(NULL);
    if (got != want)
        fail_case("priming call returned %lld, expected %lld", (long long) got, (long long) want);
}

static void
expect_status(natsStatus want, natsStatus got)
{
    natsStatus  last = NATS_OK;
    const char *text;

    if (got != want)
    {
        fail_case("returned status %lld, expected %lld", (long long) got, (long long) want);
        printf("     (%s vs %s)\n", natsStatus_GetText(got), natsStatus_GetText(want));
        return;
    }
    if ((want != NATS_OK) && (want != NATS_NOT_FOUND))
    {
        text = nats_GetLastError(&last);
        if (text == NULL)
        {
            fail_case("nats_GetLastError() is NULL after status %lld%lld", (long long) got, 0);
            return;
        }
        if (last != got)
        {
            fail_case("nats_GetLastError() status is %lld, the call returned %lld", (long long) last,
                      (long long) got);
            return;
        }
    }
    passed++;
}

/* A `microError *` result: NULL for NATS_OK, else an error with status
 * `want` (and, for NATS_INVALID_ARG, the thread's last error recorded).
 * The error is freed. */
static void
expect_micro_error(natsStatus want, microError *got)
{
    natsStatus last = NATS_OK;
    natsStatus st   = microError_Status(got);

    if ((want == NATS_OK) != (got == NULL))
        fail_case("returned error %lld, expected an error: %lld", (long long) (got != NULL),
                  (long long) (want != NATS_OK));
    else if (st != want)
        fail_case("returned an error of status %lld, expected %lld", (long long) st, (long long) want);
    else if ((want == NATS_INVALID_ARG) && ((nats_GetLastError(&last) == NULL) || (last != want)))
        fail_case("nats_GetLastError() status is %lld, expected %lld", (long long) last, (long long) want);
    else
        passed++;
    microError_Destroy(got);
}

static void
expect_status_only(natsStatus want, natsStatus got)
{
    if (got != want)
        fail_case("returned status %lld, expected %lld", (long long) got, (long long) want);
    else
        passed++;
}

static void
expect_null(const void *p)
{
    if (p != NULL)
        fail_case("returned a non-NULL pointer (%lld, expected %lld)", (long long) (p != NULL), 0);
    else
        passed++;
}

static void
expect_value(long long got, long long want)
{
    if (got != want)
        fail_case("returned %lld, expected %lld", got, want);
    else
        passed++;
}

/* Callbacks handed to the API where one is required. */
static void cb_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void) nc; (void) sub; (void) closure;
    natsMsg_Destroy(msg);
}
static void cb_err(natsConnection *nc, natsSubscription *sub, natsStatus err, void *closure)
{
    (void) nc; (void) sub; (void) err; (void) closure;
}
static void cb_conn(natsConnection *nc, void *closure)
{
    (void) nc; (void) closure;
}
static int64_t cb_delay(natsConnection *nc, int attempts, void *closure)
{
    (void) nc; (void) attempts; (void) closure;
    return 100;
}
static natsStatus cb_ev_attach(void **userData, void *loop, natsConnection *nc, natsSock socket)
{
    (void) userData; (void) loop; (void) nc; (void) socket;
    return NATS_ERR;
}
static natsStatus cb_ev_add_remove(void *userData, bool add)
{
    (void) userData; (void) add;
    return NATS_OK;
}
static natsStatus cb_ev_detach(void *userData)
{
    (void) userData;
    return NATS_OK;
}
static natsStatus cb_proxy(natsSock *fd, char *host, int port, void *closure)
{
    (void) fd; (void) host; (void) port; (void) closure;
    return NATS_ERR;
}
static void cb_complete(void *closure)
{
    (void) closure;
}
static const char *cb_token(void *closure)
{
    (void) closure;
    return "tok";
}
static natsStatus cb_sign(char **customErrTxt, unsigned char **signature, int *signatureLength, const char *nonce,
                          void *closure)
{
    (void) customErrTxt; (void) signature; (void) signatureLength; (void) nonce; (void) closure;
    return NATS_ERR;
}
static natsStatus cb_jwt(char **userJWT, char **customErrTxt, void *closure)
{
    (void) userJWT; (void) customErrTxt; (void) closure;
    return NATS_ERR;
}
static int cb_verify(int preverifyOk, void *ctx)
{
    (void) ctx;
    return preverifyOk;
}
static microError *cb_micro(microRequest *req)
{
    return microRequest_Respond(req, "ok", 2);
}

#include "misuse_extra.inc"

static int
setup(const char *port)
{
    natsStatus s;

    snprintf(g_url, sizeof(g_url), "nats://127.0.0.1:%s", port);
    g_servers[0] = g_url;
    s = natsConnection_ConnectTo(&g_nc, g_url);
    if (s == NATS_OK)
        s = natsOptions_Create(&g_opts);
    if (s == NATS_OK)
        s = natsOptions_SetURL(g_opts, g_url);
    if (s == NATS_OK)
        s = natsMsg_Create(&g_msg, "misuse.msg", NULL, "data", 4);
    if (s == NATS_OK)
        s = natsMsgHeader_Set(g_msg, "Misuse-Key", "v");
    if (s == NATS_OK)
        s = natsConnection_SubscribeSync(&g_sub, g_nc, "misuse.sync");
    if (s == NATS_OK)
        s = natsConnection_Subscribe(&g_asub, g_nc, "misuse.async", cb_msg, NULL);
    if (s == NATS_OK)
        s = natsHeader_New(&g_hdr);
    if (s == NATS_OK)
        s = natsHeader_Set(g_hdr, "Misuse-Key", "v");
    if (s == NATS_OK)
        s = natsStatistics_Create(&g_stats);
    if (s == NATS_OK)
        s = natsConnection_JetStream(&g_js, g_nc, NULL);
    if (s == NATS_OK)
        s = jsStreamConfig_Init(&g_scfg);
    g_scfg.Name = "misuse";
    if (s == NATS_OK)
        s = jsConsumerConfig_Init(&g_ccfg);
    g_ccfg.Durable = "misuse";
    if (s == NATS_OK)
        s = jsPlacement_Init(&g_place);
    if (s == NATS_OK)
        s = jsStreamSource_Init(&g_src);
    if (s == NATS_OK)
        s = jsExternalStream_Init(&g_ext);
    if (s == NATS_OK)
        s = jsRePublish_Init(&g_rp);
    if (s == NATS_OK)
        s = jsDirectGetMsgOptions_Init(&g_dg);
    g_dg.Sequence = 1;
    g_svccfg.Name = "misuse";
    g_svccfg.Version = "1.0.0";
    g_epcfg.Name = "misuse_ep";
    g_epcfg.Handler = cb_micro;
    g_grpcfg.Prefix = "misuse.group";
    if ((s == NATS_OK) && (micro_AddService(&g_svc, g_nc, &g_svccfg) != NULL))
        s = NATS_ERR;
    if ((s == NATS_OK) && (microService_AddGroup(&g_grp, g_svc, &g_grpcfg) != NULL))
        s = NATS_ERR;
    if ((s == NATS_OK) && (micro_NewClient(&g_client, g_nc, NULL) != NULL))
        s = NATS_ERR;
    if (s == NATS_OK)
        s = jsSubOptions_Init(&g_so);
    if (s == NATS_OK)
        s = jsFetchRequest_Init(&g_fr);
    g_fr.Batch = 1;
    g_fr.Expires = 100 * 1000000;
    if (s == NATS_OK)
        s = kvConfig_Init(&g_kvcfg);
    g_kvcfg.Bucket = "misuse";
    if (s == NATS_OK)
        s = natsConnection_Flush(g_nc);
    if (s != NATS_OK)
    {
        printf("setup failed: %s: %s\n", natsStatus_GetText(s), nats_GetLastError(NULL));
        return -1;
    }
    return 0;
}

static void
teardown(void)
{
    jsCtx_Destroy(g_js);
    microClient_Destroy(g_client);
    if (g_svc != NULL)
        microError_Destroy(microService_Destroy(g_svc));
    natsSubscription_Destroy(g_sub);
    natsSubscription_Destroy(g_asub);
    natsConnection_Destroy(g_nc);
    natsOptions_Destroy(g_opts);
    natsMsg_Destroy(g_msg);
    natsHeader_Destroy(g_hdr);
    natsStatistics_Destroy(g_stats);
}

static void
null_sweep(void)
{
"""

TEMPLATE_TAIL = r"""}

int
main(int argc, char **argv)
{
    if (argc != 2)
    {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGSEGV, on_crash);
    signal(SIGBUS, on_crash);
    signal(SIGABRT, on_crash);
    signal(SIGFPE, on_crash);
    signal(SIGILL, on_crash);

    if (setup(argv[1]) != 0)
    {
        teardown();
        nats_Close();
        printf("0 passed, 1 failed\n");
        return 1;
    }
    reset_outs();
    null_sweep();
    extra_cases(argv[1]);
    teardown();
    nats_Close();

    printf("%d passed, %d failed\n", passed, failed);
    return (failed > 0) ? 1 : 0;
}
"""


def generate():
    funcs = parse_header(HEADER.read_text())
    body = []
    counted = 0
    for ret, name, params in funcs:
        # Never call the library-wide shutdown in the middle of the sweep.
        if name in ("nats_Close", "nats_CloseAndWait"):
            continue
        ptrs = [i for i, (t, _) in enumerate(params) if is_pointer(t) and t not in NOT_SWEPT_TYPES]
        if not ptrs:
            continue
        body.append(f"    /* ---- {name} ---- */\n")
        if any(t == "..." for t, _ in params):
            body.append("    /* C-variadic (printf-style): tests/c/test_micro.c checks it */\n")
            continue
        for i in ptrs:
            body.append(gen_case(ret, name, params, i))
            counted += 1
    return TEMPLATE_HEAD + "".join(body) + TEMPLATE_TAIL, len(funcs), counted


def main():
    text, nfuncs, ncases = generate()
    if "--check" in sys.argv[1:]:
        if OUT.read_text() != text:
            print(f"{OUT} is stale: run {sys.argv[0]}")
            return 1
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}: {nfuncs} functions in the header, {ncases} NULL cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())

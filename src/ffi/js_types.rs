//! The C types of JetStream (part 1): the caller-filled configuration
//! structs, the structs the library returns, the enums, and their `_Init`
//! functions. Every struct has exactly cnats 3.14's layout (checked by
//! `tests/js_layout.rs` against `tests/data/cnats-3.14-struct-layout.tsv`).
//!
//! Enum-typed fields are plain `int`s on the Rust side (the `…Arg`
//! aliases, which the header shows under the enum's name): C may store
//! any value there (cnats' `jsConsumerConfig_Init` stores -1), so Rust
//! never reads such a field as a Rust enum.

use super::callbacks::{jsFetchCompleteHandler, jsFetchNextHandler};
use super::{guard, not_null};
use crate::error::Result;
use crate::status::natsStatus;
use libc::{c_char, c_int, c_void};

/// A JetStream context (opaque), made by `natsConnection_JetStream` and
/// freed by `jsCtx_Destroy`.
pub struct jsCtx {
    _private: [u8; 0],
}

/// `jsErrCode` as written through a `jsErrCode *` output (the header names
/// it `jsErrCode`): Rust only ever writes plain `int`s there.
pub type jsErrCodeArg = c_int;

/// `jsRetentionPolicy` as stored in a struct field (the header names it `jsRetentionPolicy`).
pub type jsRetentionPolicyArg = c_int;
/// `jsDiscardPolicy` as stored in a struct field (the header names it `jsDiscardPolicy`).
pub type jsDiscardPolicyArg = c_int;
/// `jsStorageType` as stored in a struct field (the header names it `jsStorageType`).
pub type jsStorageTypeArg = c_int;
/// `jsStorageCompression` as stored in a struct field (the header names it `jsStorageCompression`).
pub type jsStorageCompressionArg = c_int;
/// `jsDeliverPolicy` as stored in a struct field (the header names it `jsDeliverPolicy`).
pub type jsDeliverPolicyArg = c_int;
/// `jsAckPolicy` as stored in a struct field (the header names it `jsAckPolicy`).
pub type jsAckPolicyArg = c_int;
/// `jsReplayPolicy` as stored in a struct field (the header names it `jsReplayPolicy`).
pub type jsReplayPolicyArg = c_int;
/// `jsPersistModeType` as stored in a struct field (the header names it `jsPersistModeType`).
pub type jsPersistModeTypeArg = c_int;

/// When a stream removes messages.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jsRetentionPolicy {
    js_LimitsPolicy = 0,
    js_InterestPolicy = 1,
    js_WorkQueuePolicy = 2,
}

/// What a full stream discards.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jsDiscardPolicy {
    js_DiscardOld = 0,
    js_DiscardNew = 1,
}

/// Where a stream stores its messages.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jsStorageType {
    js_FileStorage = 0,
    js_MemoryStorage = 1,
}

/// Compression of stored messages.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jsStorageCompression {
    js_StorageCompressionNone = 0,
    js_StorageCompressionS2 = 1,
}

/// Where a consumer starts.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jsDeliverPolicy {
    js_DeliverAll = 0,
    js_DeliverLast = 1,
    js_DeliverNew = 2,
    js_DeliverByStartSequence = 3,
    js_DeliverByStartTime = 4,
    js_DeliverLastPerSubject = 5,
}

/// How messages of a consumer are acknowledged.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jsAckPolicy {
    js_AckExplicit = 0,
    js_AckNone = 1,
    js_AckAll = 2,
}

/// At which pace a consumer replays messages.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jsReplayPolicy {
    js_ReplayInstant = 0,
    js_ReplayOriginal = 1,
}

/// How a stream persists messages.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum jsPersistModeType {
    js_PersistDefault = 0,
    js_PersistAsync = 1,
}

/// Counts of JetStream API calls made by the account.
#[repr(C)]
pub struct jsAPIStats {
    pub Total: u64,
    pub Errors: u64,
}

/// Account usage and limits, returned by `js_GetAccountInfo`; freed with `jsAccountInfo_Destroy`.
#[repr(C)]
pub struct jsAccountInfo {
    pub Memory: u64,
    pub Store: u64,
    pub Streams: i64,
    pub Consumers: i64,
    pub Domain: *mut c_char,
    pub API: jsAPIStats,
    pub Limits: jsAccountLimits,
    pub Tiers: *mut *mut jsTier,
    pub TiersLen: c_int,
}

/// Limits of an account (or of one tier); -1 means unlimited.
#[repr(C)]
pub struct jsAccountLimits {
    pub MaxMemory: i64,
    pub MaxStore: i64,
    pub MaxStreams: i64,
    pub MaxConsumers: i64,
    pub MaxAckPending: i64,
    pub MemoryMaxStreamBytes: i64,
    pub StoreMaxStreamBytes: i64,
    pub MaxBytesRequired: bool,
}

/// The cluster a stream or consumer lives in: leader and replicas.
#[repr(C)]
pub struct jsClusterInfo {
    pub Name: *mut c_char,
    pub Leader: *mut c_char,
    pub Replicas: *mut *mut jsPeerInfo,
    pub ReplicasLen: c_int,
    pub RaftGroup: *mut c_char,
    pub LeaderSince: i64,
    pub SystemAcc: bool,
    pub TrafficAcc: *mut c_char,
}

/// Configuration of a consumer; initialise with `jsConsumerConfig_Init`. Durations are in nanoseconds; times are UTC Unix nanoseconds.
#[repr(C)]
pub struct jsConsumerConfig {
    pub Name: *const c_char,
    pub Durable: *const c_char,
    pub Description: *const c_char,
    pub DeliverPolicy: jsDeliverPolicyArg,
    pub OptStartSeq: u64,
    pub OptStartTime: i64,
    pub AckPolicy: jsAckPolicyArg,
    pub AckWait: i64,
    pub MaxDeliver: i64,
    pub BackOff: *mut i64,
    pub BackOffLen: c_int,
    pub FilterSubject: *const c_char,
    pub ReplayPolicy: jsReplayPolicyArg,
    pub RateLimit: u64,
    pub SampleFrequency: *const c_char,
    pub MaxWaiting: i64,
    pub MaxAckPending: i64,
    pub FlowControl: bool,
    pub Heartbeat: i64,
    pub HeadersOnly: bool,
    pub MaxRequestBatch: i64,
    pub MaxRequestExpires: i64,
    pub MaxRequestMaxBytes: i64,
    pub DeliverSubject: *const c_char,
    pub DeliverGroup: *const c_char,
    pub InactiveThreshold: i64,
    pub Replicas: i64,
    pub MemoryStorage: bool,
    pub FilterSubjects: *mut *const c_char,
    pub FilterSubjectsLen: c_int,
    pub Metadata: natsMetadata,
    pub PauseUntil: i64,
    pub PriorityPolicy: *const c_char,
    pub PinnedTTL: i64,
    pub PriorityGroups: *mut *const c_char,
    pub PriorityGroupsLen: c_int,
}

/// Information about a consumer, returned by the library; freed with `jsConsumerInfo_Destroy`.
#[repr(C)]
pub struct jsConsumerInfo {
    pub Stream: *mut c_char,
    pub Name: *mut c_char,
    pub Created: i64,
    pub Config: *mut jsConsumerConfig,
    pub Delivered: jsSequenceInfo,
    pub AckFloor: jsSequenceInfo,
    pub NumAckPending: i64,
    pub NumRedelivered: i64,
    pub NumWaiting: i64,
    pub NumPending: u64,
    pub Cluster: *mut jsClusterInfo,
    pub PushBound: bool,
    pub Paused: bool,
    pub PauseRemaining: i64,
    pub PriorityGroups: *mut jsPriorityGroupState,
    pub PriorityGroupsLen: c_int,
}

/// A list of consumer infos (`js_Consumers`); freed with `jsConsumerInfoList_Destroy`.
#[repr(C)]
pub struct jsConsumerInfoList {
    pub List: *mut *mut jsConsumerInfo,
    pub Count: c_int,
}

/// A list of consumer names (`js_ConsumerNames`); freed with `jsConsumerNamesList_Destroy`.
#[repr(C)]
pub struct jsConsumerNamesList {
    pub List: *mut *mut c_char,
    pub Count: c_int,
}

/// The answer to `js_PauseConsumer`; freed with `jsConsumerPauseResponse_Destroy`.
#[repr(C)]
pub struct jsConsumerPauseResponse {
    pub Paused: bool,
    pub PauseUntil: i64,
    pub PauseRemaining: i64,
}

/// The answer to `js_ResetConsumer`; freed with `jsConsumerResetResponse_Destroy`.
#[repr(C)]
pub struct jsConsumerResetResponse {
    pub Consumer: *mut jsConsumerInfo,
    pub ResetSeq: u64,
}

/// What `js_DirectGetMsg` asks for: a sequence, the next message on a subject from a sequence, or the last message on a subject. Initialise with `jsDirectGetMsgOptions_Init`.
#[repr(C)]
pub struct jsDirectGetMsgOptions {
    pub Sequence: u64,
    pub NextBySubject: *const c_char,
    pub LastBySubject: *const c_char,
}

/// Where a stream of another domain or account is reached (API and deliver prefixes).
#[repr(C)]
pub struct jsExternalStream {
    pub APIPrefix: *const c_char,
    pub DeliverPrefix: *const c_char,
}

/// Messages a stream lost (sequences and bytes).
#[repr(C)]
pub struct jsLostStreamData {
    pub Msgs: *mut u64,
    pub MsgsLen: c_int,
    pub Bytes: u64,
}

/// Options of a JetStream context; initialise with `jsOptions_Init`. `Wait` is the API timeout in milliseconds (0: 5 seconds).
#[repr(C)]
pub struct jsOptions {
    pub Prefix: *const c_char,
    pub Domain: *const c_char,
    pub Wait: i64,
    pub PublishAsync: jsOptionsPublishAsync,
    pub PullSubscribeAsync: jsOptionsPullSubscribeAsync,
    pub Stream: jsOptionsStream,
}

/// Asynchronous publish settings of a JetStream context.
#[repr(C)]
pub struct jsOptionsPublishAsync {
    pub MaxPending: i64,
    /// The acknowledgement handler (`jsPubAckHandler`).
    pub AckHandler: super::callbacks::jsPubAckHandler,
    pub AckHandlerClosure: *mut c_void,
    /// The publish error handler (`jsPubAckErrHandler`).
    pub ErrHandler: super::callbacks::jsPubAckErrHandler,
    pub ErrHandlerClosure: *mut c_void,
    pub StallWait: i64,
    pub MuxReplies: bool,
}

/// Asynchronous pull subscription settings of a JetStream context.
#[repr(C)]
pub struct jsOptionsPullSubscribeAsync {
    pub Timeout: i64,
    pub MaxMessages: c_int,
    pub MaxBytes: i64,
    pub NoWait: bool,
    pub CompleteHandler: jsFetchCompleteHandler,
    pub CompleteHandlerClosure: *mut c_void,
    pub Heartbeat: i64,
    pub Group: *const c_char,
    pub MinPending: i64,
    pub MinAckPending: i64,
    pub FetchSize: c_int,
    pub KeepAhead: c_int,
    pub NextHandler: jsFetchNextHandler,
    pub NextHandlerClosure: *mut c_void,
}

/// Stream options of a context used by `js_PurgeStream` and `js_GetStreamInfo`.
#[repr(C)]
pub struct jsOptionsStream {
    pub Purge: jsOptionsStreamPurge,
    pub Info: jsOptionsStreamInfo,
}

/// What `js_GetStreamInfo` asks for besides the stream state.
#[repr(C)]
pub struct jsOptionsStreamInfo {
    pub DeletedDetails: bool,
    pub SubjectsFilter: *const c_char,
}

/// What `js_PurgeStream` removes: a subject, up to a sequence, or all but the last `Keep` messages.
#[repr(C)]
pub struct jsOptionsStreamPurge {
    pub Subject: *const c_char,
    pub Sequence: u64,
    pub Keep: u64,
}

/// A replica of a stream or consumer.
#[repr(C)]
pub struct jsPeerInfo {
    pub Name: *mut c_char,
    pub Current: bool,
    pub Offline: bool,
    pub Active: i64,
    pub Lag: u64,
}

/// Where a stream is placed: cluster and server tags. Initialise with `jsPlacement_Init`.
#[repr(C)]
pub struct jsPlacement {
    pub Cluster: *const c_char,
    pub Tags: *mut *const c_char,
    pub TagsLen: c_int,
}

/// State of a consumer priority group.
#[repr(C)]
pub struct jsPriorityGroupState {
    pub Group: *mut c_char,
    pub PinnedClientID: *mut c_char,
    pub PinnedTS: i64,
}

/// Republishing of stored messages to another subject. Initialise with `jsRePublish_Init`.
#[repr(C)]
pub struct jsRePublish {
    pub Source: *const c_char,
    pub Destination: *const c_char,
    pub HeadersOnly: bool,
}

/// Consumer and stream sequences, and the time of the last activity.
#[repr(C)]
pub struct jsSequenceInfo {
    pub Consumer: u64,
    pub Stream: u64,
    pub Last: i64,
}

/// An alternate (mirror) of a stream.
#[repr(C)]
pub struct jsStreamAlternate {
    pub Name: *const c_char,
    pub Domain: *const c_char,
    pub Cluster: *const c_char,
}

/// Configuration of a stream; initialise with `jsStreamConfig_Init`. Durations are in nanoseconds.
#[repr(C)]
pub struct jsStreamConfig {
    pub Name: *const c_char,
    pub Description: *const c_char,
    pub Subjects: *mut *const c_char,
    pub SubjectsLen: c_int,
    pub Retention: jsRetentionPolicyArg,
    pub MaxConsumers: i64,
    pub MaxMsgs: i64,
    pub MaxBytes: i64,
    pub MaxAge: i64,
    pub MaxMsgsPerSubject: i64,
    pub MaxMsgSize: i32,
    pub Discard: jsDiscardPolicyArg,
    pub Storage: jsStorageTypeArg,
    pub Replicas: i64,
    pub NoAck: bool,
    pub Template: *const c_char,
    pub Duplicates: i64,
    pub Placement: *mut jsPlacement,
    pub Mirror: *mut jsStreamSource,
    pub Sources: *mut *mut jsStreamSource,
    pub SourcesLen: c_int,
    pub Sealed: bool,
    pub DenyDelete: bool,
    pub DenyPurge: bool,
    pub AllowRollup: bool,
    pub RePublish: *mut jsRePublish,
    pub AllowDirect: bool,
    pub MirrorDirect: bool,
    pub DiscardNewPerSubject: bool,
    pub Metadata: natsMetadata,
    pub Compression: jsStorageCompressionArg,
    pub FirstSeq: u64,
    pub SubjectTransform: jsSubjectTransformConfig,
    pub ConsumerLimits: jsStreamConsumerLimits,
    pub AllowMsgTTL: bool,
    pub SubjectDeleteMarkerTTL: i64,
    pub PersistMode: jsPersistModeTypeArg,
    pub AllowAtomic: bool,
    pub AllowMsgCounter: bool,
    pub AllowMsgSchedules: bool,
    pub AllowBatched: bool,
}

/// Default limits the stream sets for its consumers.
#[repr(C)]
pub struct jsStreamConsumerLimits {
    pub InactiveThreshold: i64,
    pub MaxAckPending: c_int,
}

/// Information about a stream, returned by the library; freed with `jsStreamInfo_Destroy`.
#[repr(C)]
pub struct jsStreamInfo {
    pub Config: *mut jsStreamConfig,
    pub Created: i64,
    pub State: jsStreamState,
    pub Cluster: *mut jsClusterInfo,
    pub Mirror: *mut jsStreamSourceInfo,
    pub Sources: *mut *mut jsStreamSourceInfo,
    pub SourcesLen: c_int,
    pub Alternates: *mut *mut jsStreamAlternate,
    pub AlternatesLen: c_int,
}

/// A list of stream infos (`js_Streams`); freed with `jsStreamInfoList_Destroy`.
#[repr(C)]
pub struct jsStreamInfoList {
    pub List: *mut *mut jsStreamInfo,
    pub Count: c_int,
}

/// A list of stream names (`js_StreamNames`); freed with `jsStreamNamesList_Destroy`.
#[repr(C)]
pub struct jsStreamNamesList {
    pub List: *mut *mut c_char,
    pub Count: c_int,
}

/// A stream that another stream mirrors or sources. Initialise with `jsStreamSource_Init`.
#[repr(C)]
pub struct jsStreamSource {
    pub Name: *const c_char,
    pub OptStartSeq: u64,
    pub OptStartTime: i64,
    pub FilterSubject: *const c_char,
    pub External: *mut jsExternalStream,
    pub Domain: *const c_char,
}

/// State of a mirror or source of a stream.
#[repr(C)]
pub struct jsStreamSourceInfo {
    pub Name: *mut c_char,
    pub External: *mut jsExternalStream,
    pub Lag: u64,
    pub Active: i64,
    pub FilterSubject: *const c_char,
    pub SubjectTransforms: *mut jsSubjectTransformConfig,
    pub SubjectTransformsLen: c_int,
}

/// State of a stream: counts, first and last sequences and times.
#[repr(C)]
pub struct jsStreamState {
    pub Msgs: u64,
    pub Bytes: u64,
    pub FirstSeq: u64,
    pub FirstTime: i64,
    pub LastSeq: u64,
    pub LastTime: i64,
    pub NumSubjects: i64,
    pub Subjects: *mut jsStreamStateSubjects,
    pub NumDeleted: u64,
    pub Deleted: *mut u64,
    pub DeletedLen: c_int,
    pub Lost: *mut jsLostStreamData,
    pub Consumers: i64,
}

/// A subject of a stream and its message count.
#[repr(C)]
pub struct jsStreamStateSubject {
    pub Subject: *const c_char,
    pub Msgs: u64,
}

/// Subjects of a stream with their counts (`jsOptions.Stream.Info.SubjectsFilter`).
#[repr(C)]
pub struct jsStreamStateSubjects {
    pub List: *mut jsStreamStateSubject,
    pub Count: c_int,
}

/// A subject transform: messages on `Source` are stored on `Destination`.
#[repr(C)]
pub struct jsSubjectTransformConfig {
    pub Source: *const c_char,
    pub Destination: *const c_char,
}

/// Usage and limits of one account tier.
#[repr(C)]
pub struct jsTier {
    pub Name: *const c_char,
    pub Memory: u64,
    pub Store: u64,
    pub Streams: i64,
    pub Consumers: i64,
    pub Limits: jsAccountLimits,
}

/// Key/value pairs: `List` holds `Count` pairs, key then value (2 * `Count` strings).
#[repr(C)]
pub struct natsMetadata {
    pub List: *mut *const c_char,
    pub Count: c_int,
}

/// A consumer sequence and the matching stream sequence.
#[repr(C)]
pub struct jsSequencePair {
    pub Consumer: u64,
    pub Stream: u64,
}

/// What a JetStream message's reply subject tells about it, returned by
/// `natsMsg_GetMetaData`; freed with `jsMsgMetaData_Destroy`.
#[repr(C)]
pub struct jsMsgMetaData {
    pub Sequence: jsSequencePair,
    pub NumDelivered: u64,
    pub NumPending: u64,
    pub Timestamp: i64,
    pub Stream: *mut c_char,
    pub Consumer: *mut c_char,
    pub Domain: *mut c_char,
}

/// The gap `natsSubscription_GetSequenceMismatch` reports: the stream
/// sequence of the last message, and the consumer sequence the library
/// expected (`ConsumerClient`) and the one the server sent (`ConsumerServer`).
#[repr(C)]
pub struct jsConsumerSequenceMismatch {
    pub Stream: u64,
    pub ConsumerClient: u64,
    pub ConsumerServer: u64,
}

/// Options of the `js_Subscribe` family and `js_PullSubscribe`: the
/// stream / consumer to bind to, the queue group, manual acks, the consumer
/// configuration to create and the ordered-consumer switch. Initialise with
/// `jsSubOptions_Init`.
#[repr(C)]
pub struct jsSubOptions {
    pub Stream: *const c_char,
    pub Consumer: *const c_char,
    pub Queue: *const c_char,
    pub ManualAck: bool,
    pub Config: jsConsumerConfig,
    pub Ordered: bool,
}

/// One pull request of `natsSubscription_FetchRequest`: batch size, byte
/// limit, expiry (nanoseconds), no-wait, idle heartbeat (nanoseconds) and
/// the priority-group fields. Initialise with `jsFetchRequest_Init`.
#[repr(C)]
pub struct jsFetchRequest {
    pub Expires: i64,
    pub Batch: c_int,
    pub MaxBytes: i64,
    pub NoWait: bool,
    pub Heartbeat: i64,
    pub MinPending: i64,
    pub MinAckPending: i64,
    pub ID: *const c_char,
    pub Group: *const c_char,
    pub Priority: u8,
}

/// Zeroes `*p` (cnats' `_Init` functions start from all-zero bytes).
///
/// # Safety
/// `p` is non-NULL (checked by the caller) and points to writable storage
/// for a `T`, a C struct for which all-zero bytes are a valid value.
unsafe fn zero<T>(p: *mut T) {
    // SAFETY: the caller checked `p`; every field of these C structs
    // (integers, bools, raw pointers, nullable function pointers) is valid
    // as zero bytes.
    unsafe { std::ptr::write_bytes(p, 0, 1) }
}

/// Shape of the `_Init` functions: NULL → `NATS_INVALID_ARG`, else zero
/// then `defaults`.
///
/// # Safety
/// `p` is NULL or points to writable storage for a `T` (a C struct as in
/// [`zero`]).
unsafe fn init<T>(p: *mut T, name: &str, defaults: impl FnOnce(&mut T)) -> Result<()> {
    not_null(p, name)?;
    // SAFETY: `p` is not NULL and points to a `T` (C's contract).
    unsafe { zero(p) };
    // SAFETY: just zeroed: a valid `T` that only this call uses.
    defaults(unsafe { &mut *p });
    Ok(())
}

/// Initialises JetStream context options: all zero (defaults everywhere).
#[no_mangle]
pub unsafe extern "C" fn jsOptions_Init(opts: *mut jsOptions) -> natsStatus {
    // SAFETY: `opts` is NULL (refused) or caller storage for a jsOptions.
    guard("jsOptions_Init", || unsafe { init(opts, "opts", |_| ()) })
}

/// Initialises a stream configuration: limits policy, unlimited consumers,
/// messages, bytes and message size (-1), file storage, discard old, one
/// replica, no compression; every other field zero.
#[no_mangle]
pub unsafe extern "C" fn jsStreamConfig_Init(cfg: *mut jsStreamConfig) -> natsStatus {
    // SAFETY: `cfg` is NULL (refused) or caller storage for a jsStreamConfig.
    guard("jsStreamConfig_Init", || unsafe {
        init(cfg, "cfg", |c| {
            c.Retention = jsRetentionPolicy::js_LimitsPolicy as c_int;
            c.MaxConsumers = -1;
            c.MaxMsgs = -1;
            c.MaxBytes = -1;
            c.MaxMsgSize = -1;
            c.Storage = jsStorageType::js_FileStorage as c_int;
            c.Discard = jsDiscardPolicy::js_DiscardOld as c_int;
            c.Replicas = 1;
            c.Compression = jsStorageCompression::js_StorageCompressionNone as c_int;
        })
    })
}

/// Initialises a placement: all zero.
#[no_mangle]
pub unsafe extern "C" fn jsPlacement_Init(placement: *mut jsPlacement) -> natsStatus {
    // SAFETY: `placement` is NULL (refused) or caller storage for a jsPlacement.
    guard("jsPlacement_Init", || unsafe { init(placement, "placement", |_| ()) })
}

/// Initialises a stream source: all zero.
#[no_mangle]
pub unsafe extern "C" fn jsStreamSource_Init(source: *mut jsStreamSource) -> natsStatus {
    // SAFETY: `source` is NULL (refused) or caller storage for a jsStreamSource.
    guard("jsStreamSource_Init", || unsafe { init(source, "source", |_| ()) })
}

/// Initialises an external stream reference: all zero.
#[no_mangle]
pub unsafe extern "C" fn jsExternalStream_Init(external: *mut jsExternalStream) -> natsStatus {
    // SAFETY: `external` is NULL (refused) or caller storage for a jsExternalStream.
    guard("jsExternalStream_Init", || unsafe {
        init(external, "external", |_| ())
    })
}

/// Initialises a republish configuration: all zero.
#[no_mangle]
pub unsafe extern "C" fn jsRePublish_Init(rp: *mut jsRePublish) -> natsStatus {
    // SAFETY: `rp` is NULL (refused) or caller storage for a jsRePublish.
    guard("jsRePublish_Init", || unsafe { init(rp, "rp", |_| ()) })
}

/// Initialises a consumer configuration: all zero except the deliver, ack
/// and replay policies, set to -1 ("not set": the server's defaults apply,
/// as with cnats).
#[no_mangle]
pub unsafe extern "C" fn jsConsumerConfig_Init(cc: *mut jsConsumerConfig) -> natsStatus {
    // SAFETY: `cc` is NULL (refused) or caller storage for a jsConsumerConfig.
    guard("jsConsumerConfig_Init", || unsafe {
        init(cc, "cc", |c| {
            c.AckPolicy = -1;
            c.DeliverPolicy = -1;
            c.ReplayPolicy = -1;
        })
    })
}

/// Initialises direct get options: all zero.
#[no_mangle]
pub unsafe extern "C" fn jsDirectGetMsgOptions_Init(opts: *mut jsDirectGetMsgOptions) -> natsStatus {
    // SAFETY: `opts` is NULL (refused) or caller storage for a jsDirectGetMsgOptions.
    guard("jsDirectGetMsgOptions_Init", || unsafe { init(opts, "opts", |_| ()) })
}

/// Initialises subscribe options: all zero except the consumer
/// configuration's deliver, ack and replay policies, set to -1 ("not set"),
/// as cnats does.
#[no_mangle]
pub unsafe extern "C" fn jsSubOptions_Init(opts: *mut jsSubOptions) -> natsStatus {
    // SAFETY: `opts` is NULL (refused) or caller storage for a jsSubOptions.
    guard("jsSubOptions_Init", || unsafe {
        init(opts, "opts", |o| {
            o.Config.AckPolicy = -1;
            o.Config.DeliverPolicy = -1;
            o.Config.ReplayPolicy = -1;
        })
    })
}

/// Initialises a fetch request: all zero.
#[no_mangle]
pub unsafe extern "C" fn jsFetchRequest_Init(request: *mut jsFetchRequest) -> natsStatus {
    // SAFETY: `request` is NULL (refused) or caller storage for a jsFetchRequest.
    guard("jsFetchRequest_Init", || unsafe { init(request, "request", |_| ()) })
}

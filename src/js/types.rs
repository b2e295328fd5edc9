//! The JetStream API's JSON types (ADR-1), as plain Rust structs.
//!
//! Field names follow cnats' C structs (`jsStreamConfig` ...) in
//! snake_case; the JSON names are the server's. Rules:
//! - unknown JSON fields are ignored (ADR-44) and missing ones take their
//!   default (`#[serde(default)]` on every struct);
//! - what cnats leaves out of a request when unset (0, false, NULL, empty
//!   list) is left out here too (`skip_serializing_if`), so the server
//!   applies its own defaults;
//! - durations are `i64` nanoseconds as on the wire; times are `i64` UTC
//!   nanoseconds since the epoch (0 = unset), RFC 3339 on the wire
//!   (see [`super::time`]);
//! - every string is escaped by serde (cnats writes them raw).

use super::time;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

fn is_false(b: &bool) -> bool {
    !*b
}
fn is_zero_u64(v: &u64) -> bool {
    *v == 0
}
fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}
fn not_positive(v: &i64) -> bool {
    *v <= 0
}
fn is_none_or_empty(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(str::is_empty)
}
// As cnats: a transform with neither side, consumer limits both 0, a
// republish without destination are not sent.
fn no_transform(t: &Option<SubjectTransformConfig>) -> bool {
    t.as_ref()
        .is_none_or(|t| t.source.is_empty() && t.destination.is_empty())
}
fn no_limits(l: &Option<StreamConsumerLimits>) -> bool {
    l.as_ref()
        .is_none_or(|l| l.inactive_threshold == 0 && l.max_ack_pending == 0)
}
fn no_republish(r: &Option<RePublish>) -> bool {
    r.as_ref().is_none_or(|r| r.destination.is_empty())
}

/// Metadata (cnats' `natsMetadata`): key/value strings.
pub type Metadata = BTreeMap<String, String>;

/// `jsRetentionPolicy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RetentionPolicy {
    #[default]
    Limits = 0,
    Interest = 1,
    #[serde(rename = "workqueue")]
    WorkQueue = 2,
}

/// `jsDiscardPolicy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DiscardPolicy {
    #[default]
    Old = 0,
    New = 1,
}

/// `jsStorageType`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageType {
    #[default]
    File = 0,
    Memory = 1,
}

/// `jsStorageCompression`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageCompression {
    #[default]
    None = 0,
    S2 = 1,
}

/// `jsPersistModeType`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PersistMode {
    #[default]
    Default = 0,
    Async = 1,
}

impl PersistMode {
    fn is_default(&self) -> bool {
        *self == PersistMode::Default
    }
}

/// `jsDeliverPolicy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliverPolicy {
    #[default]
    #[serde(rename = "all")]
    All = 0,
    #[serde(rename = "last")]
    Last = 1,
    #[serde(rename = "new")]
    New = 2,
    #[serde(rename = "by_start_sequence")]
    ByStartSequence = 3,
    #[serde(rename = "by_start_time")]
    ByStartTime = 4,
    #[serde(rename = "last_per_subject")]
    LastPerSubject = 5,
}

/// `jsAckPolicy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AckPolicy {
    #[default]
    Explicit = 0,
    None = 1,
    All = 2,
}

/// `jsReplayPolicy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplayPolicy {
    #[default]
    Instant = 0,
    Original = 1,
}

/// `jsPlacement`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Placement {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cluster: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// `jsExternalStream`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExternalStream {
    #[serde(rename = "api")]
    pub api_prefix: String,
    #[serde(rename = "deliver", skip_serializing_if = "is_none_or_empty")]
    pub deliver_prefix: Option<String>,
}

/// `jsSubjectTransformConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubjectTransformConfig {
    #[serde(rename = "src")]
    pub source: String,
    #[serde(rename = "dest")]
    pub destination: String,
}

/// `jsStreamSource` (a mirror or a source).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamSource {
    pub name: String,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub opt_start_seq: u64,
    #[serde(with = "time", skip_serializing_if = "time::is_unset")]
    pub opt_start_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter_subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalStream>,
    /// Not sent: on stream creation a domain becomes `external` with the
    /// API prefix `$JS.<domain>.API` (as cnats).
    #[serde(skip)]
    pub domain: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subject_transforms: Vec<SubjectTransformConfig>,
}

/// `jsRePublish`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RePublish {
    #[serde(rename = "src", skip_serializing_if = "is_none_or_empty")]
    pub source: Option<String>,
    #[serde(rename = "dest")]
    pub destination: String,
    #[serde(skip_serializing_if = "is_false")]
    pub headers_only: bool,
}

/// `jsStreamConsumerLimits`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamConsumerLimits {
    /// Nanoseconds.
    pub inactive_threshold: i64,
    pub max_ack_pending: i64,
}

/// `jsStreamConfig`. [`Default`] is `jsStreamConfig_Init`'s values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamConfig {
    pub name: String,
    #[serde(skip_serializing_if = "is_none_or_empty")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    pub retention: RetentionPolicy,
    pub max_consumers: i64,
    pub max_msgs: i64,
    pub max_bytes: i64,
    /// Nanoseconds.
    pub max_age: i64,
    pub max_msgs_per_subject: i64,
    pub max_msg_size: i32,
    pub discard: DiscardPolicy,
    pub storage: StorageType,
    #[serde(rename = "num_replicas")]
    pub replicas: i64,
    #[serde(skip_serializing_if = "is_false")]
    pub no_ack: bool,
    #[serde(rename = "template_owner", skip_serializing_if = "is_none_or_empty")]
    pub template: Option<String>,
    /// Nanoseconds.
    #[serde(rename = "duplicate_window", skip_serializing_if = "is_zero_i64")]
    pub duplicates: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<StreamSource>,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub sources: Vec<StreamSource>,
    #[serde(skip_serializing_if = "is_false")]
    pub sealed: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub deny_delete: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub deny_purge: bool,
    #[serde(rename = "allow_rollup_hdrs", skip_serializing_if = "is_false")]
    pub allow_rollup: bool,
    #[serde(skip_serializing_if = "no_republish")]
    pub republish: Option<RePublish>,
    #[serde(skip_serializing_if = "is_false")]
    pub allow_direct: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub mirror_direct: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub discard_new_per_subject: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "null_as_default")]
    pub metadata: Metadata,
    pub compression: StorageCompression,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub first_seq: u64,
    #[serde(skip_serializing_if = "no_transform")]
    pub subject_transform: Option<SubjectTransformConfig>,
    #[serde(skip_serializing_if = "no_limits")]
    pub consumer_limits: Option<StreamConsumerLimits>,
    #[serde(skip_serializing_if = "is_false")]
    pub allow_msg_ttl: bool,
    /// Nanoseconds.
    #[serde(skip_serializing_if = "not_positive")]
    pub subject_delete_marker_ttl: i64,
    #[serde(skip_serializing_if = "PersistMode::is_default")]
    pub persist_mode: PersistMode,
    #[serde(skip_serializing_if = "is_false")]
    pub allow_atomic: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub allow_msg_counter: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub allow_msg_schedules: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub allow_batched: bool,
}

impl Default for StreamConfig {
    fn default() -> StreamConfig {
        StreamConfig {
            name: String::new(),
            description: None,
            subjects: Vec::new(),
            retention: RetentionPolicy::Limits,
            max_consumers: -1,
            max_msgs: -1,
            max_bytes: -1,
            max_age: 0,
            max_msgs_per_subject: 0,
            max_msg_size: -1,
            discard: DiscardPolicy::Old,
            storage: StorageType::File,
            replicas: 1,
            no_ack: false,
            template: None,
            duplicates: 0,
            placement: None,
            mirror: None,
            sources: Vec::new(),
            sealed: false,
            deny_delete: false,
            deny_purge: false,
            allow_rollup: false,
            republish: None,
            allow_direct: false,
            mirror_direct: false,
            discard_new_per_subject: false,
            metadata: Metadata::new(),
            compression: StorageCompression::None,
            first_seq: 0,
            subject_transform: None,
            consumer_limits: None,
            allow_msg_ttl: false,
            subject_delete_marker_ttl: 0,
            persist_mode: PersistMode::Default,
            allow_atomic: false,
            allow_msg_counter: false,
            allow_msg_schedules: false,
            allow_batched: false,
        }
    }
}

/// JSON `null` read as the type's default (the server writes `null` for
/// some empty lists and maps).
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `jsLostStreamData`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LostStreamData {
    #[serde(deserialize_with = "null_as_default")]
    pub msgs: Vec<u64>,
    pub bytes: u64,
}

/// `jsStreamState`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamState {
    #[serde(rename = "messages")]
    pub msgs: u64,
    pub bytes: u64,
    pub first_seq: u64,
    #[serde(rename = "first_ts", with = "time")]
    pub first_time: i64,
    pub last_seq: u64,
    #[serde(rename = "last_ts", with = "time")]
    pub last_time: i64,
    pub num_subjects: i64,
    /// Subject -> message count; `None` when not asked for (see
    /// `StreamInfoOptions::subjects_filter`) or none matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subjects: Option<BTreeMap<String, u64>>,
    pub num_deleted: u64,
    /// Deleted sequences (`StreamInfoOptions::deleted_details`).
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub deleted: Vec<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost: Option<LostStreamData>,
    #[serde(rename = "consumer_count")]
    pub consumers: i64,
}

/// `jsPeerInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeerInfo {
    pub name: String,
    pub current: bool,
    pub offline: bool,
    /// Nanoseconds since last active.
    pub active: i64,
    pub lag: u64,
}

/// `jsClusterInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClusterInfo {
    pub name: Option<String>,
    pub leader: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub replicas: Vec<PeerInfo>,
    pub raft_group: Option<String>,
    #[serde(with = "time")]
    pub leader_since: i64,
    #[serde(rename = "system_account")]
    pub system_acc: bool,
    #[serde(rename = "traffic_account")]
    pub traffic_acc: Option<String>,
}

/// `jsStreamSourceInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamSourceInfo {
    pub name: String,
    pub external: Option<ExternalStream>,
    pub lag: u64,
    /// Nanoseconds since last active (-1: never).
    pub active: i64,
    pub filter_subject: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub subject_transforms: Vec<SubjectTransformConfig>,
}

/// `jsStreamAlternate`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamAlternate {
    pub name: String,
    pub domain: Option<String>,
    pub cluster: String,
}

/// `jsStreamInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamInfo {
    pub config: StreamConfig,
    #[serde(with = "time")]
    pub created: i64,
    pub state: StreamState,
    pub cluster: Option<ClusterInfo>,
    pub mirror: Option<StreamSourceInfo>,
    #[serde(deserialize_with = "null_as_default")]
    pub sources: Vec<StreamSourceInfo>,
    #[serde(deserialize_with = "null_as_default")]
    pub alternates: Vec<StreamAlternate>,
}

/// `jsConsumerConfig`. `None` policies are cnats' "unset" (-1): sent as
/// deliver all / ack explicit / replay instant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerConfig {
    #[serde(skip_serializing_if = "is_none_or_empty")]
    pub name: Option<String>,
    #[serde(rename = "durable_name", skip_serializing_if = "is_none_or_empty")]
    pub durable: Option<String>,
    #[serde(skip_serializing_if = "is_none_or_empty")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deliver_policy: Option<DeliverPolicy>,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub opt_start_seq: u64,
    #[serde(with = "time", skip_serializing_if = "time::is_unset")]
    pub opt_start_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ack_policy: Option<AckPolicy>,
    /// Nanoseconds.
    #[serde(skip_serializing_if = "not_positive")]
    pub ack_wait: i64,
    #[serde(skip_serializing_if = "not_positive")]
    pub max_deliver: i64,
    /// Nanoseconds.
    #[serde(
        rename = "backoff",
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_default"
    )]
    pub back_off: Vec<i64>,
    #[serde(skip_serializing_if = "is_none_or_empty")]
    pub filter_subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay_policy: Option<ReplayPolicy>,
    #[serde(rename = "rate_limit_bps", skip_serializing_if = "is_zero_u64")]
    pub rate_limit: u64,
    #[serde(rename = "sample_freq", skip_serializing_if = "is_none_or_empty")]
    pub sample_frequency: Option<String>,
    #[serde(skip_serializing_if = "not_positive")]
    pub max_waiting: i64,
    #[serde(skip_serializing_if = "not_positive")]
    pub max_ack_pending: i64,
    #[serde(skip_serializing_if = "is_false")]
    pub flow_control: bool,
    /// Nanoseconds.
    #[serde(rename = "idle_heartbeat", skip_serializing_if = "not_positive")]
    pub heartbeat: i64,
    #[serde(skip_serializing_if = "is_false")]
    pub headers_only: bool,
    #[serde(rename = "max_batch", skip_serializing_if = "not_positive")]
    pub max_request_batch: i64,
    /// Nanoseconds.
    #[serde(rename = "max_expires", skip_serializing_if = "not_positive")]
    pub max_request_expires: i64,
    #[serde(rename = "max_bytes", skip_serializing_if = "not_positive")]
    pub max_request_max_bytes: i64,
    #[serde(skip_serializing_if = "is_none_or_empty")]
    pub deliver_subject: Option<String>,
    #[serde(skip_serializing_if = "is_none_or_empty")]
    pub deliver_group: Option<String>,
    /// Nanoseconds.
    #[serde(skip_serializing_if = "not_positive")]
    pub inactive_threshold: i64,
    #[serde(rename = "num_replicas", skip_serializing_if = "not_positive")]
    pub replicas: i64,
    #[serde(rename = "mem_storage", skip_serializing_if = "is_false")]
    pub memory_storage: bool,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub filter_subjects: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "null_as_default")]
    pub metadata: Metadata,
    #[serde(with = "time", skip_serializing_if = "time::is_unset")]
    pub pause_until: i64,
    #[serde(skip_serializing_if = "is_none_or_empty")]
    pub priority_policy: Option<String>,
    /// Nanoseconds.
    #[serde(rename = "priority_timeout", skip_serializing_if = "not_positive")]
    pub pinned_ttl: i64,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "null_as_default")]
    pub priority_groups: Vec<String>,
}

impl ConsumerConfig {
    /// The name the consumer goes by: `name`, else `durable`.
    pub fn consumer_name(&self) -> Option<&str> {
        self.name
            .as_deref()
            .filter(|s| !s.is_empty())
            .or(self.durable.as_deref().filter(|s| !s.is_empty()))
    }
}

/// `jsSequenceInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SequenceInfo {
    #[serde(rename = "consumer_seq")]
    pub consumer: u64,
    #[serde(rename = "stream_seq")]
    pub stream: u64,
    #[serde(rename = "last_active", with = "time")]
    pub last: i64,
}

/// `jsPriorityGroupState`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PriorityGroupState {
    pub group: String,
    #[serde(rename = "pinned_client_id")]
    pub pinned_client_id: Option<String>,
    #[serde(rename = "pinned_ts", with = "time")]
    pub pinned_ts: i64,
}

/// `jsConsumerInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerInfo {
    #[serde(rename = "stream_name")]
    pub stream: String,
    pub name: String,
    #[serde(with = "time")]
    pub created: i64,
    pub config: ConsumerConfig,
    pub delivered: SequenceInfo,
    pub ack_floor: SequenceInfo,
    pub num_ack_pending: i64,
    pub num_redelivered: i64,
    pub num_waiting: i64,
    pub num_pending: u64,
    pub cluster: Option<ClusterInfo>,
    pub push_bound: bool,
    pub paused: bool,
    /// Nanoseconds.
    pub pause_remaining: i64,
    #[serde(deserialize_with = "null_as_default")]
    pub priority_groups: Vec<PriorityGroupState>,
}

/// `jsConsumerPauseResponse`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerPauseResponse {
    pub paused: bool,
    #[serde(with = "time")]
    pub pause_until: i64,
    /// Nanoseconds.
    pub pause_remaining: i64,
}

/// `jsConsumerResetResponse`: the consumer's info and the sequence it was
/// reset to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerResetResponse {
    #[serde(flatten)]
    pub consumer: ConsumerInfo,
    pub reset_seq: u64,
}

/// `jsAccountLimits`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountLimits {
    pub max_memory: i64,
    #[serde(rename = "max_storage")]
    pub max_store: i64,
    pub max_streams: i64,
    pub max_consumers: i64,
    pub max_ack_pending: i64,
    pub memory_max_stream_bytes: i64,
    #[serde(rename = "storage_max_stream_bytes")]
    pub store_max_stream_bytes: i64,
    pub max_bytes_required: bool,
}

/// `jsAPIStats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiStats {
    pub total: u64,
    pub errors: u64,
}

/// `jsTier` (its name is the key of [`AccountInfo::tiers`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Tier {
    pub memory: u64,
    #[serde(rename = "storage")]
    pub store: u64,
    pub streams: i64,
    pub consumers: i64,
    pub limits: AccountLimits,
}

/// `jsAccountInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountInfo {
    pub memory: u64,
    #[serde(rename = "storage")]
    pub store: u64,
    pub streams: i64,
    pub consumers: i64,
    pub domain: Option<String>,
    pub api: ApiStats,
    pub limits: AccountLimits,
    #[serde(deserialize_with = "null_as_default")]
    pub tiers: BTreeMap<String, Tier>,
}

/// `jsDirectGetMsgOptions`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectGetMsgOptions {
    /// The message at this sequence (or, with `next_by_subject`, the first
    /// at or after it).
    pub sequence: u64,
    /// The first message at/after `sequence` on this subject.
    pub next_by_subject: Option<String>,
    /// The last message on this subject (other fields ignored).
    pub last_by_subject: Option<String>,
}

/// A message read from a stream (`js_GetMsg`, `js_DirectGetMsg`): what a
/// cnats `natsMsg` then holds, with its sequence and time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredMsg {
    pub subject: String,
    pub seq: u64,
    /// UTC nanoseconds since the epoch.
    pub time: i64,
    /// The raw header block (`NATS/1.0\r\n...\r\n\r\n`), if any.
    pub header: Option<Vec<u8>>,
    pub data: Vec<u8>,
}

/// A page of a paged list response (`total`, `offset`, `limit`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Paged {
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}

/// The body of `STREAM.CREATE` / `CONSUMER.CREATE`.
#[derive(Debug, Serialize)]
pub(crate) struct ConsumerCreateRequest<'a> {
    pub stream_name: &'a str,
    pub config: &'a ConsumerConfig,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub action: &'a str,
}

/// `{"success":true}` answers.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct SuccessResponse {
    pub success: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_config_unset_fields_are_left_out() {
        let cfg = StreamConfig {
            name: "S".into(),
            ..StreamConfig::default()
        };
        let v: serde_json::Value = serde_json::to_value(&cfg).unwrap();
        let o = v.as_object().unwrap();
        let mut keys: Vec<&str> = o.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "compression",
                "discard",
                "max_age",
                "max_bytes",
                "max_consumers",
                "max_msg_size",
                "max_msgs",
                "max_msgs_per_subject",
                "name",
                "num_replicas",
                "retention",
                "storage"
            ]
        );
        assert_eq!(v["retention"], "limits");
        assert_eq!(v["max_msgs"], -1);
        assert_eq!(v["storage"], "file");
    }

    #[test]
    fn empty_sub_objects_are_left_out() {
        let mut cfg = StreamConfig {
            name: "S".into(),
            subject_transform: Some(SubjectTransformConfig::default()),
            consumer_limits: Some(StreamConsumerLimits::default()),
            republish: Some(RePublish::default()),
            ..StreamConfig::default()
        };
        let v = serde_json::to_value(&cfg).unwrap();
        for k in ["subject_transform", "consumer_limits", "republish"] {
            assert!(v.get(k).is_none(), "{k} sent: {v}");
        }
        cfg.consumer_limits = Some(StreamConsumerLimits {
            inactive_threshold: 5,
            max_ack_pending: 0,
        });
        cfg.republish = Some(RePublish {
            destination: "d.>".into(),
            ..RePublish::default()
        });
        let v = serde_json::to_value(&cfg).unwrap();
        assert_eq!(
            v["consumer_limits"],
            serde_json::json!({"inactive_threshold":5,"max_ack_pending":0})
        );
        assert_eq!(v["republish"], serde_json::json!({"dest":"d.>"}));
    }

    #[test]
    fn strings_are_escaped() {
        let cfg = StreamConfig {
            name: "S".into(),
            description: Some("a \"quoted\" \\ text\n ünïcødé ✓".into()),
            ..StreamConfig::default()
        };
        let json = serde_json::to_string(&cfg).unwrap();
        assert!(
            json.contains("\"description\":\"a \\\"quoted\\\" \\\\ text\\n ünïcødé ✓\""),
            "{json}"
        );
        let back: StreamConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cfg);
    }

    #[test]
    fn unknown_fields_are_ignored_and_missing_take_defaults() {
        let si: StreamInfo = serde_json::from_str(
            r#"{"type":"io.nats.jetstream.api.v1.stream_info_response","future_field":{"x":[1,2]},
                "config":{"name":"S","subjects":["a.>"],"retention":"workqueue","storage":"memory",
                          "new_knob":true,"max_age":1000000000,"sources":null,"metadata":null},
                "created":"2026-11-26T00:00:00.5Z",
                "state":{"messages":3,"bytes":10,"first_seq":1,"first_ts":"0001-01-01T00:00:00Z",
                         "last_seq":3,"last_ts":"2026-11-26T00:00:01Z","consumer_count":2,
                         "subjects":{"a.b":2,"a.c":1},"deleted":null,"unknown":1},
                "cluster":{"leader":"n1","replicas":null}}"#,
        )
        .unwrap();
        assert_eq!(si.config.name, "S");
        assert_eq!(si.config.retention, RetentionPolicy::WorkQueue);
        assert_eq!(si.config.storage, StorageType::Memory);
        assert_eq!(si.config.max_age, 1_000_000_000);
        assert_eq!(si.config.max_msgs, -1, "missing field takes the Init default");
        assert_eq!(si.created, 1_795_651_200_500_000_000);
        assert_eq!(si.state.msgs, 3);
        assert_eq!(si.state.first_time, 0);
        assert_eq!(si.state.consumers, 2);
        assert_eq!(si.state.subjects.as_ref().unwrap()["a.b"], 2);
        assert!(si.state.deleted.is_empty());
        assert_eq!(si.cluster.unwrap().leader.as_deref(), Some("n1"));
    }

    #[test]
    fn consumer_config_defaults_and_names() {
        let cfg = ConsumerConfig {
            durable: Some("d".into()),
            ..ConsumerConfig::default()
        };
        let v = serde_json::to_value(&cfg).unwrap();
        assert_eq!(v, serde_json::json!({"durable_name":"d"}));
        assert_eq!(cfg.consumer_name(), Some("d"));
        let ci: ConsumerInfo = serde_json::from_str(
            r#"{"stream_name":"S","name":"d","created":"2026-01-01T00:00:00Z","config":{"durable_name":"d",
                "deliver_policy":"last_per_subject","ack_policy":"all","replay_policy":"original","ack_wait":30000000000,
                "max_deliver":-1,"backoff":[1,2],"whatever":"x"},"delivered":{"consumer_seq":4,"stream_seq":9,
                "last_active":"2026-01-01T00:00:01Z"},"num_pending":7,"priority_groups":null}"#,
        )
        .unwrap();
        assert_eq!(ci.config.deliver_policy, Some(DeliverPolicy::LastPerSubject));
        assert_eq!(ci.config.ack_policy, Some(AckPolicy::All));
        assert_eq!(ci.config.replay_policy, Some(ReplayPolicy::Original));
        assert_eq!(ci.config.back_off, [1, 2]);
        assert_eq!(ci.delivered.stream, 9);
        assert_eq!(ci.num_pending, 7);
    }
}

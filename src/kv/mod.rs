//! Key/Value store (cnats' `kvStore_*`, ADR-8), the pure-Rust core.
//!
//! A bucket is the stream `KV_<bucket>` with the subjects
//! `$KV.<bucket>.>`; a key is the subject `$KV.<bucket>.<key>`, its
//! revision the stream sequence. Deletes and purges are markers carrying
//! `KV-Operation: DEL|PURGE` (a purge also rolls the subject up). Reads
//! use direct gets when the bucket allows them; watchers are ordered push
//! consumers (they recover by themselves after reconnects and fail-overs,
//! resuming after the last revision delivered).
//!
//! - [`KvConfig`], [`Entry`], [`Operation`], [`WatchOptions`],
//!   [`PurgeOptions`], [`KvStatus`]: cnats' `kvConfig`, `kvEntry`,
//!   `kvOperation`, `kvWatchOptions`, `kvPurgeOptions`, `kvStatus`.
//! - [`JetStream::create_key_value`] / `update_key_value` / `key_value`
//!   / `delete_key_value`: bucket management (`js_CreateKeyValue`…).
//! - [`KeyValue`]: `kvStore`; [`Watcher`]: `kvWatcher`.

mod watch;

pub use watch::{WatchCallback, Watcher};

use crate::error::{Error, Result};
use crate::js::publish::PubOptions;
use crate::js::{
    codes, DirectGetMsgOptions, DiscardPolicy, JetStream, JsOptions, Placement, RePublish, StorageCompression,
    StorageType, StoredMsg, StreamConfig, StreamInfo, StreamSource, DEFAULT_API_PREFIX,
};
use crate::proto::headers::Headers;
use crate::status::natsStatus::*;
use std::sync::Arc;

/// The header naming the operation of a marker.
pub const HDR_OPERATION: &str = "KV-Operation";
/// Its value for a delete marker.
pub const OP_DEL: &str = "DEL";
/// Its value for a purge marker.
pub const OP_PURGE: &str = "PURGE";
/// The rollup header of a purge.
pub const HDR_ROLLUP: &str = "Nats-Rollup";
/// The header the server puts on a marker it made (limit marker, ADR-48).
pub const HDR_MARKER_REASON: &str = "Nats-Marker-Reason";
/// The stream name prefix of a bucket.
pub const STREAM_PREFIX: &str = "KV_";
/// The subject prefix of a bucket's keys.
pub const SUBJECT_PREFIX: &str = "$KV.";
/// The most revisions a key may keep.
pub const MAX_HISTORY: u8 = 64;
/// The default age of the delete markers `purge_deletes` removes (30 min,
/// in ns).
pub const DEFAULT_PURGE_DELETES_OLDER_THAN: i64 = 30 * 60 * 1_000_000_000;
/// The longest duplicate window of a bucket (2 min, in ns).
const MAX_DUPLICATES_NS: i64 = 2 * 60 * 1_000_000_000;

/// cnats' error texts.
pub mod errs {
    pub const INVALID_BUCKET: &str = "invalid bucket name";
    pub const INVALID_KEY: &str = "invalid key";
    pub const HISTORY_TOO_LARGE: &str = "history limited to a max of 64";
    pub const KEY_NOT_FOUND: &str = "key not found";
    pub const KEY_DELETED: &str = "key was deleted";
    pub const BUCKET_NOT_FOUND: &str = "bucket not found";
    pub const BAD_BUCKET: &str = "bucket not valid key-value store";
}

/// cnats' `kvOperation`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub enum Operation {
    #[default]
    Unknown = 0,
    Put = 1,
    Delete = 2,
    Purge = 3,
}

/// cnats' `kvConfig`. Times are nanoseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvConfig {
    pub bucket: String,
    pub description: Option<String>,
    /// Largest value in bytes (-1: unlimited).
    pub max_value_size: i32,
    /// Revisions kept per key (0 is 1; at most 64).
    pub history: u8,
    /// Age of values before they expire (0: never).
    pub ttl: i64,
    /// Largest bucket size in bytes (-1: unlimited).
    pub max_bytes: i64,
    pub storage: StorageType,
    pub replicas: i32,
    pub republish: Option<RePublish>,
    /// Mirror of another bucket (its name, with or without `KV_`).
    pub mirror: Option<StreamSource>,
    /// Sources: other buckets.
    pub sources: Vec<StreamSource>,
    pub placement: Option<Placement>,
    pub compression: bool,
    /// ADR-48: how long markers of keys removed by age or by a per-key
    /// TTL stay (0: no markers, no per-key TTL).
    pub limit_marker_ttl: i64,
}

impl Default for KvConfig {
    /// `kvConfig_Init`'s values.
    fn default() -> KvConfig {
        KvConfig {
            bucket: String::new(),
            description: None,
            max_value_size: -1,
            history: 1,
            ttl: 0,
            max_bytes: -1,
            storage: StorageType::File,
            replicas: 1,
            republish: None,
            mirror: None,
            sources: Vec::new(),
            placement: None,
            compression: false,
            limit_marker_ttl: 0,
        }
    }
}

/// cnats' `kvEntry`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub bucket: String,
    pub key: String,
    pub value: Vec<u8>,
    pub revision: u64,
    /// Nanoseconds since the epoch.
    pub created: i64,
    /// Messages after this one for the watched subjects (watchers only).
    pub delta: u64,
    pub operation: Operation,
}

/// cnats' `kvWatchOptions` without its C callback (see
/// [`KeyValue::watch_with_callback`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchOptions {
    /// Delete and purge markers are not delivered.
    pub ignore_deletes: bool,
    /// All revisions, not only the last of each key.
    pub include_history: bool,
    /// Entries without values.
    pub meta_only: bool,
    /// `keys` / `history`: how long to wait in ms (0: the context's wait).
    pub timeout: i64,
    /// Only changes made after the watcher starts (no initial values, no
    /// "initial values done" marker).
    pub updates_only: bool,
    /// Idle heartbeat of the consumer in ns (0: the ordered consumer's
    /// default).
    pub heartbeat: i64,
    /// Start at this revision (0: unset), with all revisions after it.
    pub resume_from_revision: u64,
}

/// cnats' `kvPurgeOptions`. Times: `timeout` in ms, `delete_markers_older_than`
/// in ns (0: 30 minutes; negative: all), `ttl` in ms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeOptions {
    pub timeout: i64,
    pub delete_markers_older_than: i64,
    /// A purge marker that expires after this many ms (bucket with
    /// limit markers).
    pub ttl: i64,
}

/// cnats' `kvStatus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvStatus {
    pub bucket: String,
    pub info: StreamInfo,
}

impl KvStatus {
    /// Number of stored messages (values and markers of all revisions).
    pub fn values(&self) -> u64 {
        self.info.state.msgs
    }
    pub fn history(&self) -> i64 {
        self.info.config.max_msgs_per_subject
    }
    /// In ns.
    pub fn ttl(&self) -> i64 {
        self.info.config.max_age
    }
    pub fn replicas(&self) -> i64 {
        self.info.config.replicas
    }
    pub fn bytes(&self) -> u64 {
        self.info.state.bytes
    }
}

/// Whether `b` is a valid bucket name: `[A-Za-z0-9_-]+`.
pub fn valid_bucket(b: &str) -> bool {
    !b.is_empty() && b.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

/// Whether `k` is a valid key (`[-/_=.A-Za-z0-9]+`, no '.' at either
/// end); with `wildcards`, `*` and `>` tokens are allowed (watch filters).
pub fn valid_key(k: &str, wildcards: bool) -> bool {
    if k.is_empty() || k.starts_with('.') || k.ends_with('.') {
        return false;
    }
    let toks: Vec<&str> = k.split('.').collect();
    for (i, t) in toks.iter().enumerate() {
        if t.is_empty() {
            return false;
        }
        if wildcards && (*t == "*" || (*t == ">" && i == toks.len() - 1)) {
            continue;
        }
        if !t
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'/' | b'_' | b'='))
        {
            return false;
        }
    }
    true
}

fn check_bucket(b: &str) -> Result<()> {
    if valid_bucket(b) {
        Ok(())
    } else {
        Err(Error::invalid_arg(errs::INVALID_BUCKET))
    }
}

fn check_key(k: &str) -> Result<()> {
    if valid_key(k, false) {
        Ok(())
    } else {
        Err(Error::invalid_arg(errs::INVALID_KEY))
    }
}

/// The operation a message's headers name (no header: a put).
pub fn operation_of(headers: Option<&Headers>) -> Operation {
    match headers.and_then(|h| h.get_bytes(HDR_OPERATION.as_bytes())) {
        Some(b"DEL") => Operation::Delete,
        Some(b"PURGE") => Operation::Purge,
        _ => {
            // A server limit marker (a key removed by age or TTL) reads as
            // a purge (ADR-48).
            match headers.and_then(|h| h.get_bytes(HDR_MARKER_REASON.as_bytes())) {
                Some(b"MaxAge") | Some(b"Purge") => Operation::Purge,
                Some(b"Remove") => Operation::Delete,
                _ => Operation::Put,
            }
        }
    }
}

fn stream_name(bucket: &str) -> String {
    format!("{STREAM_PREFIX}{bucket}")
}

/// A bucket name from a mirror/source name given with or without `KV_`.
fn bucket_of_source(name: &str) -> &str {
    name.strip_prefix(STREAM_PREFIX).unwrap_or(name)
}

fn kv_source(s: &StreamSource) -> StreamSource {
    let mut s = s.clone();
    if !s.name.starts_with(STREAM_PREFIX) {
        s.name = stream_name(&s.name);
    }
    s
}

impl KvConfig {
    /// The stream configuration of the bucket (ADR-8).
    pub fn to_stream_config(&self) -> Result<StreamConfig> {
        check_bucket(&self.bucket)?;
        if self.history > MAX_HISTORY {
            return Err(Error::invalid_arg(errs::HISTORY_TOO_LARGE));
        }
        if self.ttl < 0 || self.limit_marker_ttl < 0 {
            return Err(Error::invalid_arg("TTL cannot be negative"));
        }
        let history = self.history.max(1) as i64;
        let mut duplicates = MAX_DUPLICATES_NS;
        if self.ttl > 0 && self.ttl < duplicates {
            duplicates = self.ttl;
        }
        let mut sc = StreamConfig {
            name: stream_name(&self.bucket),
            description: self.description.clone().filter(|d| !d.is_empty()),
            max_msgs_per_subject: history,
            max_bytes: if self.max_bytes == 0 { -1 } else { self.max_bytes },
            max_age: self.ttl,
            max_msg_size: if self.max_value_size == 0 {
                -1
            } else {
                self.max_value_size
            },
            storage: self.storage,
            replicas: self.replicas.max(1) as i64,
            allow_rollup: true,
            deny_delete: true,
            allow_direct: true,
            duplicates,
            max_msgs: -1,
            max_consumers: -1,
            discard: DiscardPolicy::New,
            republish: self.republish.clone(),
            placement: self.placement.clone(),
            compression: if self.compression {
                StorageCompression::S2
            } else {
                StorageCompression::None
            },
            ..StreamConfig::default()
        };
        if self.limit_marker_ttl > 0 {
            sc.allow_msg_ttl = true;
            sc.subject_delete_marker_ttl = self.limit_marker_ttl;
        }
        if let Some(m) = &self.mirror {
            sc.mirror = Some(kv_source(m));
            sc.mirror_direct = true;
        } else if !self.sources.is_empty() {
            sc.sources = self.sources.iter().map(|s| self.source_of(s)).collect();
        } else {
            sc.subjects = vec![format!("{SUBJECT_PREFIX}{}.>", self.bucket)];
        }
        Ok(sc)
    }

    /// A source bucket, its keys transformed into this bucket's subjects.
    fn source_of(&self, s: &StreamSource) -> StreamSource {
        let mut out = kv_source(s);
        let from = bucket_of_source(&s.name).to_string();
        if from != self.bucket && out.subject_transforms.is_empty() && out.external.is_none() {
            out.subject_transforms = vec![crate::js::SubjectTransformConfig {
                source: format!("{SUBJECT_PREFIX}{from}.>"),
                destination: format!("{SUBJECT_PREFIX}{}.>", self.bucket),
            }];
        }
        out
    }
}

/// cnats' `kvStore`: a bucket bound to a JetStream context.
pub struct KeyValue {
    js: JetStream,
    bucket: String,
    stream: String,
    /// `$KV.<bucket>.`: the subjects read and watched.
    pre: String,
    /// The prefix of the subjects written (differs for a mirror or with
    /// an API prefix).
    put_pre: String,
    use_direct: bool,
}

impl std::fmt::Debug for KeyValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyValue").field("bucket", &self.bucket).finish()
    }
}

impl JetStream {
    /// A context with the same connection and options (a bucket keeps
    /// its own).
    fn kv_context(&self) -> Result<JetStream> {
        JetStream::new(self.conn().clone(), Some(self.options()))
    }

    fn bind_info(&self, info: &StreamInfo, bucket: &str) -> Result<KeyValue> {
        let js = self.kv_context()?;
        let cfg = &info.config;
        let mut pre = format!("{SUBJECT_PREFIX}{bucket}.");
        // As cnats: with another API prefix (or a domain), writes are sent
        // under it, unless the bucket mirrors one of another domain.
        let prefix = self.prefix();
        let mut js_pre = if prefix != DEFAULT_API_PREFIX {
            format!("{prefix}.")
        } else {
            String::new()
        };
        let mut put_pre = pre.clone();
        if let Some(m) = &cfg.mirror {
            let mb = bucket_of_source(&m.name);
            pre = format!("{SUBJECT_PREFIX}{mb}.");
            put_pre = match m.external.as_ref().filter(|e| !e.api_prefix.is_empty()) {
                Some(e) => {
                    js_pre.clear();
                    format!("{}.{SUBJECT_PREFIX}{mb}.", e.api_prefix.trim_end_matches('.'))
                }
                None => pre.clone(),
            };
        }
        let put_pre = format!("{js_pre}{put_pre}");
        Ok(KeyValue {
            js,
            bucket: bucket.to_string(),
            stream: cfg.name.clone(),
            pre,
            put_pre,
            use_direct: cfg.allow_direct || cfg.mirror_direct,
        })
    }

    /// `js_CreateKeyValue`: creates the bucket (an identical existing one
    /// is bound).
    pub fn create_key_value(&self, cfg: &KvConfig) -> Result<KeyValue> {
        let sc = cfg.to_stream_config()?;
        let info = self.add_stream(&sc, None)?;
        self.bind_info(&info, &cfg.bucket)
    }

    /// `js_UpdateKeyValue`.
    pub fn update_key_value(&self, cfg: &KvConfig) -> Result<KeyValue> {
        let sc = cfg.to_stream_config()?;
        let info = self.update_stream(&sc, None)?;
        self.bind_info(&info, &cfg.bucket)
    }

    /// `js_KeyValue`: binds to an existing bucket (`NATS_NOT_FOUND`
    /// when there is none).
    pub fn key_value(&self, bucket: &str) -> Result<KeyValue> {
        check_bucket(bucket)?;
        let info = match self.stream_info(&stream_name(bucket), None) {
            Ok(i) => i,
            Err(e) if e.status == NATS_NOT_FOUND => {
                return Err(Error::js(NATS_NOT_FOUND, e.js_code, errs::BUCKET_NOT_FOUND))
            }
            Err(e) => return Err(e),
        };
        if info.config.max_msgs_per_subject < 1 {
            return Err(Error::invalid_arg(errs::BAD_BUCKET));
        }
        self.bind_info(&info, bucket)
    }

    /// `js_DeleteKeyValue`.
    pub fn delete_key_value(&self, bucket: &str) -> Result<()> {
        check_bucket(bucket)?;
        self.delete_stream(&stream_name(bucket), None)
    }
}

impl KeyValue {
    /// `kvStore_Bucket`.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The name of the bucket's stream.
    pub fn stream(&self) -> &str {
        &self.stream
    }

    pub(crate) fn js(&self) -> &JetStream {
        &self.js
    }

    pub(crate) fn read_prefix(&self) -> &str {
        &self.pre
    }

    fn entry_from_stored(&self, key: &str, m: StoredMsg) -> Result<Entry> {
        let headers = match m.header.as_deref().filter(|b| !b.is_empty()) {
            Some(b) => Some(Headers::parse(b)?),
            None => None,
        };
        Ok(Entry {
            bucket: self.bucket.clone(),
            key: key.to_string(),
            value: m.data,
            revision: m.seq,
            created: m.time,
            delta: 0,
            operation: operation_of(headers.as_ref()),
        })
    }

    /// The stored message of `key` (last, or at `revision`).
    fn get_raw(&self, key: &str, revision: u64) -> Result<Entry> {
        check_key(key)?;
        let subject = format!("{}{key}", self.pre);
        let res = if self.use_direct {
            let dg = if revision == 0 {
                DirectGetMsgOptions {
                    last_by_subject: Some(subject.clone()),
                    ..Default::default()
                }
            } else {
                DirectGetMsgOptions {
                    sequence: revision,
                    ..Default::default()
                }
            };
            self.js.direct_get_msg(&self.stream, &dg, None)
        } else if revision == 0 {
            self.js.get_last_msg(&self.stream, &subject, None)
        } else {
            self.js.get_msg(&self.stream, revision, None)
        };
        let m = match res {
            Ok(m) => m,
            Err(e) if e.status == NATS_NOT_FOUND => return Err(Error::new(NATS_NOT_FOUND, errs::KEY_NOT_FOUND)),
            Err(e) => return Err(e),
        };
        if m.subject != subject {
            // A revision of another key.
            return Err(Error::new(NATS_NOT_FOUND, errs::KEY_NOT_FOUND));
        }
        self.entry_from_stored(key, m)
    }

    fn get_impl(&self, key: &str, revision: u64) -> Result<Entry> {
        let e = self.get_raw(key, revision)?;
        if e.operation != Operation::Put {
            return Err(Error::new(NATS_NOT_FOUND, errs::KEY_DELETED));
        }
        Ok(e)
    }

    /// `kvStore_Get`: the last value of `key`; `NATS_NOT_FOUND` when
    /// there is none or it was deleted or purged.
    pub fn get(&self, key: &str) -> Result<Entry> {
        self.get_impl(key, 0)
    }

    /// `kvStore_GetRevision` (`revision` >= 1).
    pub fn get_revision(&self, key: &str, revision: u64) -> Result<Entry> {
        if revision == 0 {
            return Err(Error::invalid_arg("revision must be positive"));
        }
        self.get_impl(key, revision)
    }

    fn publish(&self, key: &str, value: &[u8], headers: Option<&Headers>, po: Option<&PubOptions>) -> Result<u64> {
        check_key(key)?;
        let subject = format!("{}{key}", self.put_pre);
        let ack = self.js.publish(subject.as_bytes(), value, headers, po)?;
        Ok(ack.seq)
    }

    /// `kvStore_Put`: the new revision.
    pub fn put(&self, key: &str, value: &[u8]) -> Result<u64> {
        self.publish(key, value, None, None)
    }

    /// `kvStore_UpdateWithTTL`: stores `value` only if the last revision
    /// of `key` is `last` (0: the key has no message); else `NATS_ERR`
    /// with the JetStream error code 10071 (wrong last sequence). `ttl_ms`
    /// > 0: the value expires (bucket with limit markers).
    pub fn update_with_ttl(&self, key: &str, value: &[u8], last: u64, ttl_ms: i64) -> Result<u64> {
        let po = PubOptions {
            expect_last_subject_seq: last,
            expect_no_message: last == 0,
            msg_ttl_ms: ttl_ms.max(0),
            ..Default::default()
        };
        self.publish(key, value, None, Some(&po))
    }

    /// `kvStore_Update`.
    pub fn update(&self, key: &str, value: &[u8], last: u64) -> Result<u64> {
        self.update_with_ttl(key, value, last, 0)
    }

    /// `kvStore_CreateWithTTL`: stores `value` only if `key` has no value
    /// (none, or deleted/purged); else `NATS_ERR` with the error code
    /// 10071.
    pub fn create_with_ttl(&self, key: &str, value: &[u8], ttl_ms: i64) -> Result<u64> {
        match self.update_with_ttl(key, value, 0, ttl_ms) {
            Ok(r) => Ok(r),
            Err(e) if e.js_code == codes::STREAM_WRONG_LAST_SEQUENCE => {
                // Over a delete or purge marker, a create is allowed.
                match self.get_raw(key, 0) {
                    Ok(last) if last.operation != Operation::Put => {
                        self.update_with_ttl(key, value, last.revision, ttl_ms)
                    }
                    _ => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// `kvStore_Create`.
    pub fn create(&self, key: &str, value: &[u8]) -> Result<u64> {
        self.create_with_ttl(key, value, 0)
    }

    fn marker(&self, key: &str, purge: bool, opts: Option<&PurgeOptions>) -> Result<()> {
        let mut h = Headers::new();
        if purge {
            h.set(HDR_OPERATION.as_bytes(), OP_PURGE.as_bytes())?;
            h.set(HDR_ROLLUP.as_bytes(), b"sub")?;
        } else {
            h.set(HDR_OPERATION.as_bytes(), OP_DEL.as_bytes())?;
        }
        let po = opts.map(|o| PubOptions {
            max_wait_ms: o.timeout.max(0),
            msg_ttl_ms: if purge { o.ttl.max(0) } else { 0 },
            ..Default::default()
        });
        self.publish(key, b"", Some(&h), po.as_ref()).map(|_| ())
    }

    /// `kvStore_Delete`: a delete marker (history kept).
    pub fn delete(&self, key: &str) -> Result<()> {
        self.marker(key, false, None)
    }

    /// `kvStore_Purge`: a purge marker replacing all revisions of `key`.
    pub fn purge(&self, key: &str, opts: Option<&PurgeOptions>) -> Result<()> {
        self.marker(key, true, opts)
    }

    /// `kvStore_Watch` / `kvStore_WatchMulti` / `kvStore_WatchAll`
    /// (`keys` empty): a synchronous watcher.
    pub fn watch(&self, keys: &[&str], opts: Option<&WatchOptions>) -> Result<Watcher> {
        Watcher::start(self, keys, opts.cloned().unwrap_or_default(), None)
    }

    /// A watcher delivering entries (and the "initial values done" `None`)
    /// to `cb` on the subscription's thread (cnats' `kvWatchOptions.Callback`).
    pub fn watch_with_callback(
        &self,
        keys: &[&str],
        opts: Option<&WatchOptions>,
        cb: WatchCallback,
    ) -> Result<Watcher> {
        Watcher::start(self, keys, opts.cloned().unwrap_or_default(), Some(cb))
    }

    fn collect(&self, keys: &[&str], opts: WatchOptions) -> Result<Vec<Entry>> {
        let timeout = if opts.timeout > 0 { opts.timeout } else { self.js.wait() };
        let w = self.watch(keys, Some(&opts))?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(timeout as u64);
        let mut out = Vec::new();
        loop {
            let left = deadline
                .saturating_duration_since(std::time::Instant::now())
                .as_millis() as i64;
            if left <= 0 {
                let _ = w.stop();
                return Err(Error::status(NATS_TIMEOUT));
            }
            match w.next(left)? {
                Some(e) => out.push(e),
                None => break,
            }
        }
        let _ = w.stop();
        Ok(out)
    }

    /// `kvStore_Keys` / `kvStore_KeysWithFilters`: the keys with a value
    /// (deleted and purged keys left out), in stream order.
    pub fn keys(&self, filters: &[&str], opts: Option<&WatchOptions>) -> Result<Vec<String>> {
        let mut o = opts.cloned().unwrap_or_default();
        o.ignore_deletes = true;
        o.meta_only = true;
        o.include_history = false;
        o.updates_only = false;
        let entries = self.collect(filters, o)?;
        let mut seen = std::collections::HashSet::new();
        Ok(entries
            .into_iter()
            .filter(|e| seen.insert(e.key.clone()))
            .map(|e| e.key)
            .collect())
    }

    /// `kvStore_History`: every revision of `key` kept (markers included);
    /// `NATS_NOT_FOUND` when there is none.
    pub fn history(&self, key: &str, opts: Option<&WatchOptions>) -> Result<Vec<Entry>> {
        check_key(key)?;
        let mut o = opts.cloned().unwrap_or_default();
        o.include_history = true;
        o.updates_only = false;
        let v = self.collect(&[key], o)?;
        if v.is_empty() {
            return Err(Error::new(NATS_NOT_FOUND, errs::KEY_NOT_FOUND));
        }
        Ok(v)
    }

    /// `kvStore_PurgeDeletes`: removes the keys whose last revision is a
    /// delete or purge marker; markers younger than
    /// `delete_markers_older_than` (default 30 min; negative: none kept)
    /// are kept (alone), older ones removed too.
    pub fn purge_deletes(&self, opts: Option<&PurgeOptions>) -> Result<()> {
        let o = opts.cloned().unwrap_or_default();
        let older = if o.delete_markers_older_than == 0 {
            DEFAULT_PURGE_DELETES_OLDER_THAN
        } else {
            o.delete_markers_older_than
        };
        let wo = WatchOptions {
            meta_only: true,
            timeout: o.timeout,
            ..Default::default()
        };
        let markers: Vec<Entry> = self
            .collect(&[], wo)?
            .into_iter()
            .filter(|e| e.operation != Operation::Put)
            .collect();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as i64)
            .unwrap_or(0);
        for e in markers {
            let keep = if older > 0 && now - e.created < older { 1 } else { 0 };
            let jo = JsOptions {
                stream: crate::js::StreamOptions {
                    purge: crate::js::PurgeOptions {
                        subject: Some(format!("{}{}", self.pre, e.key)),
                        sequence: 0,
                        keep,
                    },
                    ..Default::default()
                },
                ..Default::default()
            };
            self.js.purge_stream(&self.stream, Some(&jo))?;
        }
        Ok(())
    }

    /// `kvStore_Status`.
    pub fn status(&self) -> Result<KvStatus> {
        let info = self.js.stream_info(&self.stream, None)?;
        Ok(KvStatus {
            bucket: self.bucket.clone(),
            info,
        })
    }
}

/// A bucket handle shared between threads.
pub type SharedKeyValue = Arc<KeyValue>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_and_bucket_names() {
        assert!(valid_key("a", false));
        assert!(valid_key("a.b/c_d=e-f", false));
        assert!(!valid_key("", false));
        assert!(!valid_key(".a", false));
        assert!(!valid_key("a.", false));
        assert!(!valid_key("a..b", false));
        assert!(!valid_key("a b", false));
        assert!(!valid_key("a.*", false));
        assert!(valid_key("a.*", true));
        assert!(valid_key("a.>", true));
        assert!(!valid_key("a.>.b", true));
        assert!(valid_bucket("B_1-x"));
        assert!(!valid_bucket("a.b"));
        assert!(!valid_bucket(""));
    }

    #[test]
    fn stream_config_of_a_bucket() {
        let cfg = KvConfig {
            bucket: "cfg".into(),
            history: 5,
            ttl: 60_000_000_000,
            ..Default::default()
        };
        let sc = cfg.to_stream_config().unwrap();
        assert_eq!(sc.name, "KV_cfg");
        assert_eq!(sc.subjects, vec!["$KV.cfg.>".to_string()]);
        assert_eq!(sc.max_msgs_per_subject, 5);
        assert_eq!(sc.max_age, 60_000_000_000);
        assert_eq!(sc.duplicates, 60_000_000_000);
        assert!(sc.allow_rollup && sc.deny_delete && sc.allow_direct);
        assert_eq!(sc.discard, DiscardPolicy::New);
        let bad = KvConfig {
            bucket: "x".into(),
            history: 65,
            ..Default::default()
        };
        assert_eq!(bad.to_stream_config().unwrap_err().status, NATS_INVALID_ARG);
        let m = KvConfig {
            bucket: "m".into(),
            mirror: Some(StreamSource {
                name: "src".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let sc = m.to_stream_config().unwrap();
        assert!(sc.subjects.is_empty());
        assert_eq!(sc.mirror.unwrap().name, "KV_src");
    }

    #[test]
    fn operations_from_headers() {
        assert_eq!(operation_of(None), Operation::Put);
        let mut h = Headers::new();
        h.set(b"KV-Operation", b"DEL").unwrap();
        assert_eq!(operation_of(Some(&h)), Operation::Delete);
        h.set(b"KV-Operation", b"PURGE").unwrap();
        assert_eq!(operation_of(Some(&h)), Operation::Purge);
        let mut h = Headers::new();
        h.set(b"Nats-Marker-Reason", b"MaxAge").unwrap();
        assert_eq!(operation_of(Some(&h)), Operation::Purge);
    }
}

//! Conversions between the JetStream C structs (`js_types`) and the core's
//! types (`crate::js::types`).
//!
//! - C → core: the configuration structs a program fills (stream and
//!   consumer configs with their nested parts, direct get options). NULL
//!   strings and "" are "unset"; an array with a length but a NULL
//!   pointer (or a NULL entry) and an enum value cnats does not know are
//!   `NATS_INVALID_ARG`.
//! - core → C: the structs the library returns. Every string, array and
//!   nested struct is allocated here with `malloc`/`calloc` and freed only
//!   by the matching `free_*` function below, which the exported
//!   `_Destroy` functions call. Allocation failure aborts, as a Rust
//!   allocation does.

use super::cstr;
use super::js_types::*;
use crate::error::{Error, Result};
use crate::js::types::*;
use libc::{c_char, c_int, c_void};
use std::collections::BTreeMap;
use std::ptr;

// ---------------------------------------------------------------------
// C → core

/// An optional owned string (NULL or "" → `None`).
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid during the call.
pub(crate) unsafe fn opt(p: *const c_char, name: &str) -> Result<Option<String>> {
    // SAFETY: this function's contract is `opt_str`'s.
    Ok(unsafe { cstr::opt_str(p, name) }?.map(str::to_string))
}

/// A string field that is sent even when empty (NULL → "").
///
/// # Safety
/// as for [`opt`].
pub(crate) unsafe fn string(p: *const c_char, name: &str) -> Result<String> {
    // SAFETY: as for `opt`.
    Ok(unsafe { opt(p, name) }?.unwrap_or_default())
}

/// The `len` elements at `p` (`len <= 0` → empty).
///
/// # Safety
/// `p` is NULL or points to `len` initialised elements valid during `'a`.
unsafe fn slice<'a, T>(p: *const T, len: c_int, name: &str) -> Result<&'a [T]> {
    if len <= 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(Error::invalid_arg(format!(
            "invalid argument: '{name}' is NULL but its length is {len}"
        )));
    }
    // SAFETY: non-NULL, `len` > 0 elements (contract).
    Ok(unsafe { std::slice::from_raw_parts(p, len as usize) })
}

/// An array of `len` strings; a NULL entry is `NATS_INVALID_ARG`.
///
/// # Safety
/// `p` is NULL or points to `len` string pointers, each NULL or a
/// NUL-terminated string, valid during the call.
pub(crate) unsafe fn strings(p: *const *const c_char, len: c_int, name: &str) -> Result<Vec<String>> {
    // SAFETY: this function's contract covers `slice`'s.
    let items = unsafe { slice(p, len, name) }?;
    items
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            if s.is_null() {
                return Err(Error::invalid_arg(format!("invalid argument: '{name}[{i}]' is NULL")));
            }
            // SAFETY: non-NULL entry of the program's array (contract).
            Ok(unsafe { cstr::str(s, name) }?.to_string())
        })
        .collect()
}

/// `natsMetadata`: `Count` key/value pairs in `2 * Count` strings.
///
/// # Safety
/// `m.List` is NULL or points to `2 * m.Count` strings as for [`strings`].
pub(crate) unsafe fn metadata(m: &natsMetadata, name: &str) -> Result<Metadata> {
    let n = m
        .Count
        .max(0)
        .checked_mul(2)
        .ok_or_else(|| Error::invalid_arg("metadata count too large"))?;
    // SAFETY: this function's contract.
    let items = unsafe { strings(m.List, n, name) }?;
    let mut out = Metadata::new();
    for kv in items.chunks(2) {
        out.insert(kv[0].clone(), kv[1].clone());
    }
    Ok(out)
}

fn bad_enum(what: &str, v: c_int) -> Error {
    Error::invalid_arg(format!("invalid {what} {v}"))
}

fn retention(v: c_int) -> Result<RetentionPolicy> {
    Ok(match v {
        0 => RetentionPolicy::Limits,
        1 => RetentionPolicy::Interest,
        2 => RetentionPolicy::WorkQueue,
        _ => return Err(bad_enum("retention policy", v)),
    })
}

fn discard(v: c_int) -> Result<DiscardPolicy> {
    Ok(match v {
        0 => DiscardPolicy::Old,
        1 => DiscardPolicy::New,
        _ => return Err(bad_enum("discard policy", v)),
    })
}

pub(crate) fn storage(v: c_int) -> Result<StorageType> {
    Ok(match v {
        0 => StorageType::File,
        1 => StorageType::Memory,
        _ => return Err(bad_enum("storage type", v)),
    })
}

fn compression(v: c_int) -> Result<StorageCompression> {
    Ok(match v {
        0 => StorageCompression::None,
        1 => StorageCompression::S2,
        _ => return Err(bad_enum("storage compression", v)),
    })
}

fn persist_mode(v: c_int) -> Result<PersistMode> {
    Ok(match v {
        0 => PersistMode::Default,
        1 => PersistMode::Async,
        _ => return Err(bad_enum("persist mode", v)),
    })
}

/// A negative value is cnats' "not set" (`jsConsumerConfig_Init`).
fn deliver_policy(v: c_int) -> Result<Option<DeliverPolicy>> {
    Ok(Some(match v {
        _ if v < 0 => return Ok(None),
        0 => DeliverPolicy::All,
        1 => DeliverPolicy::Last,
        2 => DeliverPolicy::New,
        3 => DeliverPolicy::ByStartSequence,
        4 => DeliverPolicy::ByStartTime,
        5 => DeliverPolicy::LastPerSubject,
        _ => return Err(bad_enum("deliver policy", v)),
    }))
}

fn ack_policy(v: c_int) -> Result<Option<AckPolicy>> {
    Ok(Some(match v {
        _ if v < 0 => return Ok(None),
        0 => AckPolicy::Explicit,
        1 => AckPolicy::None,
        2 => AckPolicy::All,
        _ => return Err(bad_enum("ack policy", v)),
    }))
}

fn replay_policy(v: c_int) -> Result<Option<ReplayPolicy>> {
    Ok(Some(match v {
        _ if v < 0 => return Ok(None),
        0 => ReplayPolicy::Instant,
        1 => ReplayPolicy::Original,
        _ => return Err(bad_enum("replay policy", v)),
    }))
}

/// # Safety
/// `p` is NULL or points to the program's `jsExternalStream`.
unsafe fn external_from_c(p: *const jsExternalStream) -> Result<Option<ExternalStream>> {
    // SAFETY: NULL or the program's struct (contract).
    let Some(e) = (unsafe { p.as_ref() }) else {
        return Ok(None);
    };
    Ok(Some(ExternalStream {
        // SAFETY: the struct's strings are NULL or valid (contract).
        api_prefix: unsafe { string(e.APIPrefix, "External.APIPrefix") }?,
        // SAFETY: as above.
        deliver_prefix: unsafe { opt(e.DeliverPrefix, "External.DeliverPrefix") }?,
    }))
}

/// # Safety
/// `p` is NULL or points to the program's `jsStreamSource` (its strings
/// and nested structs valid during the call).
pub(crate) unsafe fn source_from_c(p: *const jsStreamSource, name: &str) -> Result<Option<StreamSource>> {
    // SAFETY: NULL or the program's struct (contract).
    let Some(s) = (unsafe { p.as_ref() }) else {
        return Ok(None);
    };
    // SAFETY: the struct's strings and nested pointers are NULL or valid
    // during the call (contract).
    unsafe {
        Ok(Some(StreamSource {
            name: string(s.Name, name)?,
            opt_start_seq: s.OptStartSeq,
            opt_start_time: s.OptStartTime,
            filter_subject: opt(s.FilterSubject, "FilterSubject")?,
            external: external_from_c(s.External)?,
            domain: opt(s.Domain, "Domain")?,
            subject_transforms: Vec::new(),
        }))
    }
}

/// Reads a program's stream configuration.
///
/// # Safety
/// `c`'s strings, arrays and nested structs are NULL or valid for their
/// lengths during the call (the program's contract with cnats).
pub(crate) unsafe fn stream_config_from_c(c: &jsStreamConfig) -> Result<StreamConfig> {
    // SAFETY: every pointer below belongs to `c` (this function's contract).
    unsafe {
        let placement = match c.Placement.as_ref() {
            None => None,
            Some(p) => Some(Placement {
                cluster: string(p.Cluster, "Placement.Cluster")?,
                tags: strings(p.Tags, p.TagsLen, "Placement.Tags")?,
            }),
        };
        let mut sources = Vec::new();
        for (i, &s) in slice(c.Sources as *const *mut jsStreamSource, c.SourcesLen, "Sources")?
            .iter()
            .enumerate()
        {
            match source_from_c(s, "Sources.Name")? {
                Some(s) => sources.push(s),
                None => return Err(Error::invalid_arg(format!("invalid argument: 'Sources[{i}]' is NULL"))),
            }
        }
        let republish = match c.RePublish.as_ref() {
            Some(r) => opt(r.Destination, "RePublish.Destination")?.map(|destination| RePublish {
                source: None,
                destination,
                headers_only: r.HeadersOnly,
            }),
            None => None,
        };
        let republish = match (republish, c.RePublish.as_ref()) {
            (Some(mut r), Some(cr)) => {
                r.source = opt(cr.Source, "RePublish.Source")?;
                Some(r)
            }
            _ => None,
        };
        let st = &c.SubjectTransform;
        let subject_transform = match (
            opt(st.Source, "SubjectTransform.Source")?,
            opt(st.Destination, "SubjectTransform.Destination")?,
        ) {
            (None, None) => None,
            (s, d) => Some(SubjectTransformConfig {
                source: s.unwrap_or_default(),
                destination: d.unwrap_or_default(),
            }),
        };
        let cl = &c.ConsumerLimits;
        let consumer_limits = (cl.InactiveThreshold != 0 || cl.MaxAckPending != 0).then(|| StreamConsumerLimits {
            inactive_threshold: cl.InactiveThreshold,
            max_ack_pending: i64::from(cl.MaxAckPending),
        });
        Ok(StreamConfig {
            name: string(c.Name, "Name")?,
            description: opt(c.Description, "Description")?,
            subjects: strings(c.Subjects, c.SubjectsLen, "Subjects")?,
            retention: retention(c.Retention)?,
            max_consumers: c.MaxConsumers,
            max_msgs: c.MaxMsgs,
            max_bytes: c.MaxBytes,
            max_age: c.MaxAge,
            max_msgs_per_subject: c.MaxMsgsPerSubject,
            max_msg_size: c.MaxMsgSize,
            discard: discard(c.Discard)?,
            storage: storage(c.Storage)?,
            replicas: c.Replicas,
            no_ack: c.NoAck,
            template: opt(c.Template, "Template")?,
            duplicates: c.Duplicates,
            placement,
            mirror: source_from_c(c.Mirror, "Mirror.Name")?,
            sources,
            sealed: c.Sealed,
            deny_delete: c.DenyDelete,
            deny_purge: c.DenyPurge,
            allow_rollup: c.AllowRollup,
            republish,
            allow_direct: c.AllowDirect,
            mirror_direct: c.MirrorDirect,
            discard_new_per_subject: c.DiscardNewPerSubject,
            metadata: metadata(&c.Metadata, "Metadata")?,
            compression: compression(c.Compression)?,
            first_seq: c.FirstSeq,
            subject_transform,
            consumer_limits,
            allow_msg_ttl: c.AllowMsgTTL,
            subject_delete_marker_ttl: c.SubjectDeleteMarkerTTL,
            persist_mode: persist_mode(c.PersistMode)?,
            allow_atomic: c.AllowAtomic,
            allow_msg_counter: c.AllowMsgCounter,
            allow_msg_schedules: c.AllowMsgSchedules,
            allow_batched: c.AllowBatched,
        })
    }
}

/// Reads a program's consumer configuration.
///
/// # Safety
/// as for [`stream_config_from_c`].
pub(crate) unsafe fn consumer_config_from_c(c: &jsConsumerConfig) -> Result<ConsumerConfig> {
    // SAFETY: every pointer below belongs to `c` (this function's contract).
    unsafe {
        Ok(ConsumerConfig {
            name: opt(c.Name, "Name")?,
            durable: opt(c.Durable, "Durable")?,
            description: opt(c.Description, "Description")?,
            deliver_policy: deliver_policy(c.DeliverPolicy)?,
            opt_start_seq: c.OptStartSeq,
            opt_start_time: c.OptStartTime,
            ack_policy: ack_policy(c.AckPolicy)?,
            ack_wait: c.AckWait,
            max_deliver: c.MaxDeliver,
            back_off: slice(c.BackOff, c.BackOffLen, "BackOff")?.to_vec(),
            filter_subject: opt(c.FilterSubject, "FilterSubject")?,
            replay_policy: replay_policy(c.ReplayPolicy)?,
            rate_limit: c.RateLimit,
            sample_frequency: opt(c.SampleFrequency, "SampleFrequency")?,
            max_waiting: c.MaxWaiting,
            max_ack_pending: c.MaxAckPending,
            flow_control: c.FlowControl,
            heartbeat: c.Heartbeat,
            headers_only: c.HeadersOnly,
            max_request_batch: c.MaxRequestBatch,
            max_request_expires: c.MaxRequestExpires,
            max_request_max_bytes: c.MaxRequestMaxBytes,
            deliver_subject: opt(c.DeliverSubject, "DeliverSubject")?,
            deliver_group: opt(c.DeliverGroup, "DeliverGroup")?,
            inactive_threshold: c.InactiveThreshold,
            replicas: c.Replicas,
            memory_storage: c.MemoryStorage,
            filter_subjects: strings(c.FilterSubjects, c.FilterSubjectsLen, "FilterSubjects")?,
            metadata: metadata(&c.Metadata, "Metadata")?,
            pause_until: c.PauseUntil,
            priority_policy: opt(c.PriorityPolicy, "PriorityPolicy")?,
            pinned_ttl: c.PinnedTTL,
            priority_groups: strings(c.PriorityGroups, c.PriorityGroupsLen, "PriorityGroups")?,
        })
    }
}

/// Reads direct get options.
///
/// # Safety
/// `c`'s strings are NULL or valid during the call.
pub(crate) unsafe fn direct_get_from_c(c: &jsDirectGetMsgOptions) -> Result<DirectGetMsgOptions> {
    Ok(DirectGetMsgOptions {
        sequence: c.Sequence,
        // SAFETY: the struct's strings are NULL or valid (contract).
        next_by_subject: unsafe { opt(c.NextBySubject, "NextBySubject") }?,
        // SAFETY: as above.
        last_by_subject: unsafe { opt(c.LastBySubject, "LastBySubject") }?,
    })
}

// ---------------------------------------------------------------------
// core → C: allocation

/// Marks the C structs for which all-zero bytes are a valid value (every
/// field an integer, bool, raw pointer, or such a struct).
///
/// # Safety
/// Implement only for such `#[repr(C)]` structs.
pub(crate) unsafe trait Zeroable: Sized {
    fn zeroed() -> Self {
        // SAFETY: the trait's contract: all-zero bytes are a valid `Self`.
        unsafe { std::mem::zeroed() }
    }
}

macro_rules! zeroable {
    ($($t:ty),* $(,)?) => { $(
        // SAFETY: a #[repr(C)] struct of integers, bools and raw pointers (js_types).
        unsafe impl Zeroable for $t {}
    )* };
}
zeroable!(
    jsStreamConfig,
    jsStreamInfo,
    jsStreamState,
    jsClusterInfo,
    jsPeerInfo,
    jsStreamSourceInfo,
    jsExternalStream,
    jsSubjectTransformConfig,
    jsStreamAlternate,
    jsLostStreamData,
    jsStreamStateSubjects,
    jsStreamStateSubject,
    jsPlacement,
    jsStreamSource,
    jsRePublish,
    jsConsumerConfig,
    jsConsumerInfo,
    jsPriorityGroupState,
    jsAccountInfo,
    jsTier,
    jsStreamInfoList,
    jsStreamNamesList,
    jsConsumerInfoList,
    jsConsumerNamesList,
    jsConsumerPauseResponse,
    jsConsumerResetResponse,
);

fn oom(bytes: usize) -> ! {
    std::alloc::handle_alloc_error(
        std::alloc::Layout::from_size_align(bytes.max(1), 8).unwrap_or(std::alloc::Layout::new::<u8>()),
    )
}

/// `v` in a new `malloc`ed block (freed with [`free`]).
pub(crate) fn boxed<T>(v: T) -> *mut T {
    // SAFETY: plain allocation, checked for NULL.
    let p = unsafe { libc::calloc(1, std::mem::size_of::<T>()) } as *mut T;
    if p.is_null() {
        oom(std::mem::size_of::<T>());
    }
    // SAFETY: `p` is a fresh block with room for a `T` (malloc's
    // alignment suits every C struct here).
    unsafe { p.write(v) };
    p
}

/// `items` in a new `malloc`ed array and its length (NULL, 0 when empty).
pub(crate) fn array<T>(items: Vec<T>) -> (*mut T, c_int) {
    if items.is_empty() {
        return (ptr::null_mut(), 0);
    }
    let n = items.len();
    // SAFETY: plain allocation, checked for NULL.
    let p = unsafe { libc::calloc(n, std::mem::size_of::<T>()) } as *mut T;
    if p.is_null() {
        oom(n * std::mem::size_of::<T>());
    }
    for (i, v) in items.into_iter().enumerate() {
        // SAFETY: `p` has room for `n` elements and i < n.
        unsafe { p.add(i).write(v) };
    }
    (p, c_int::try_from(n).unwrap_or(c_int::MAX))
}

/// `s` as a new `malloc`ed NUL-terminated string.
pub(crate) fn c_string(s: &str) -> *mut c_char {
    cstr::malloc_string(s.as_bytes()).unwrap_or_else(|_| oom(s.len() + 1))
}

pub(crate) fn c_opt(s: Option<&str>) -> *mut c_char {
    s.map_or(ptr::null_mut(), c_string)
}

fn c_strings(items: &[String]) -> (*mut *const c_char, c_int) {
    array(items.iter().map(|s| c_string(s) as *const c_char).collect())
}

/// Frees a block from [`boxed`], [`array`] or [`c_string`] (NULL: nothing).
///
/// # Safety
/// `p` is NULL or such a block not freed yet, and not used afterwards.
pub(crate) unsafe fn free<T>(p: *const T) {
    // SAFETY: the block came from malloc/calloc (contract).
    unsafe { libc::free(p as *mut c_void) }
}

/// Frees `len` strings of an array from [`c_strings`] and the array.
///
/// # Safety
/// as for [`free`], for the array and each of its `len` entries.
pub(crate) unsafe fn free_strings<S>(p: *mut *const S, len: c_int) {
    if p.is_null() {
        return;
    }
    for i in 0..len.max(0) as usize {
        // SAFETY: entries 0..len of our array are our strings.
        unsafe { free(*p.add(i)) };
    }
    // SAFETY: our array.
    unsafe { free(p) };
}

// ---------------------------------------------------------------------
// core → C: streams

pub(crate) fn metadata_to_c(m: &Metadata) -> natsMetadata {
    let flat: Vec<String> = m.iter().flat_map(|(k, v)| [k.clone(), v.clone()]).collect();
    let (list, n) = c_strings(&flat);
    natsMetadata {
        List: list,
        Count: n / 2,
    }
}

/// # Safety
/// `m` was made by [`metadata_to_c`].
pub(crate) unsafe fn free_metadata(m: &natsMetadata) {
    // SAFETY: our list of 2 * Count strings.
    unsafe { free_strings(m.List, m.Count * 2) }
}

fn external_to_c(e: &ExternalStream) -> *mut jsExternalStream {
    boxed(jsExternalStream {
        APIPrefix: c_string(&e.api_prefix),
        DeliverPrefix: c_opt(e.deliver_prefix.as_deref()),
    })
}

/// # Safety
/// `p` is NULL or made by [`external_to_c`].
unsafe fn free_external(p: *mut jsExternalStream) {
    // SAFETY: NULL or ours.
    if let Some(e) = unsafe { p.as_ref() } {
        // SAFETY: our strings and block, freed once.
        unsafe {
            free(e.APIPrefix);
            free(e.DeliverPrefix);
            free(p);
        }
    }
}

fn source_to_c(s: &StreamSource) -> *mut jsStreamSource {
    boxed(jsStreamSource {
        Name: c_string(&s.name),
        OptStartSeq: s.opt_start_seq,
        OptStartTime: s.opt_start_time,
        FilterSubject: c_opt(s.filter_subject.as_deref()),
        External: s.external.as_ref().map_or(ptr::null_mut(), external_to_c),
        Domain: c_opt(s.domain.as_deref()),
    })
}

/// # Safety
/// `p` is NULL or made by [`source_to_c`].
unsafe fn free_source(p: *mut jsStreamSource) {
    // SAFETY: NULL or ours.
    if let Some(s) = unsafe { p.as_ref() } {
        // SAFETY: our strings, nested struct and block, freed once.
        unsafe {
            free(s.Name);
            free(s.FilterSubject);
            free_external(s.External);
            free(s.Domain);
            free(p);
        }
    }
}

fn transform_to_c(t: &SubjectTransformConfig) -> jsSubjectTransformConfig {
    jsSubjectTransformConfig {
        Source: c_string(&t.source),
        Destination: c_string(&t.destination),
    }
}

/// # Safety
/// `t` was made by [`transform_to_c`] (or is all NULL).
unsafe fn free_transform(t: &jsSubjectTransformConfig) {
    // SAFETY: our strings (or NULL).
    unsafe {
        free(t.Source);
        free(t.Destination);
    }
}

/// A new C stream configuration (in a `jsStreamInfo`).
pub(crate) fn stream_config_to_c(c: &StreamConfig) -> *mut jsStreamConfig {
    let mut o = jsStreamConfig::zeroed();
    o.Name = c_string(&c.name);
    o.Description = c_opt(c.description.as_deref());
    (o.Subjects, o.SubjectsLen) = c_strings(&c.subjects);
    o.Retention = c.retention as c_int;
    o.MaxConsumers = c.max_consumers;
    o.MaxMsgs = c.max_msgs;
    o.MaxBytes = c.max_bytes;
    o.MaxAge = c.max_age;
    o.MaxMsgsPerSubject = c.max_msgs_per_subject;
    o.MaxMsgSize = c.max_msg_size;
    o.Discard = c.discard as c_int;
    o.Storage = c.storage as c_int;
    o.Replicas = c.replicas;
    o.NoAck = c.no_ack;
    o.Template = c_opt(c.template.as_deref());
    o.Duplicates = c.duplicates;
    o.Placement = c.placement.as_ref().map_or(ptr::null_mut(), |p| {
        let (tags, n) = c_strings(&p.tags);
        boxed(jsPlacement {
            Cluster: c_string(&p.cluster),
            Tags: tags,
            TagsLen: n,
        })
    });
    o.Mirror = c.mirror.as_ref().map_or(ptr::null_mut(), source_to_c);
    (o.Sources, o.SourcesLen) = array(c.sources.iter().map(source_to_c).collect());
    o.Sealed = c.sealed;
    o.DenyDelete = c.deny_delete;
    o.DenyPurge = c.deny_purge;
    o.AllowRollup = c.allow_rollup;
    o.RePublish = c.republish.as_ref().map_or(ptr::null_mut(), |r| {
        boxed(jsRePublish {
            Source: c_opt(r.source.as_deref()),
            Destination: c_string(&r.destination),
            HeadersOnly: r.headers_only,
        })
    });
    o.AllowDirect = c.allow_direct;
    o.MirrorDirect = c.mirror_direct;
    o.DiscardNewPerSubject = c.discard_new_per_subject;
    o.Metadata = metadata_to_c(&c.metadata);
    o.Compression = c.compression as c_int;
    o.FirstSeq = c.first_seq;
    if let Some(t) = &c.subject_transform {
        o.SubjectTransform = transform_to_c(t);
    }
    if let Some(l) = &c.consumer_limits {
        o.ConsumerLimits = jsStreamConsumerLimits {
            InactiveThreshold: l.inactive_threshold,
            MaxAckPending: c_int::try_from(l.max_ack_pending).unwrap_or(c_int::MAX),
        };
    }
    o.AllowMsgTTL = c.allow_msg_ttl;
    o.SubjectDeleteMarkerTTL = c.subject_delete_marker_ttl;
    o.PersistMode = c.persist_mode as c_int;
    o.AllowAtomic = c.allow_atomic;
    o.AllowMsgCounter = c.allow_msg_counter;
    o.AllowMsgSchedules = c.allow_msg_schedules;
    o.AllowBatched = c.allow_batched;
    boxed(o)
}

/// # Safety
/// `p` is NULL or made by [`stream_config_to_c`], and not used afterwards.
pub(crate) unsafe fn free_stream_config(p: *mut jsStreamConfig) {
    // SAFETY: NULL or ours.
    let Some(c) = (unsafe { p.as_ref() }) else { return };
    // SAFETY: every pointer was allocated by `stream_config_to_c`; each is
    // freed once.
    unsafe {
        free(c.Name);
        free(c.Description);
        free_strings(c.Subjects, c.SubjectsLen);
        free(c.Template);
        if let Some(pl) = c.Placement.as_ref() {
            free(pl.Cluster);
            free_strings(pl.Tags, pl.TagsLen);
            free(c.Placement);
        }
        free_source(c.Mirror);
        if !c.Sources.is_null() {
            for i in 0..c.SourcesLen.max(0) as usize {
                free_source(*c.Sources.add(i));
            }
            free(c.Sources);
        }
        if let Some(r) = c.RePublish.as_ref() {
            free(r.Source);
            free(r.Destination);
            free(c.RePublish);
        }
        free_metadata(&c.Metadata);
        free_transform(&c.SubjectTransform);
        free(p);
    }
}

fn cluster_to_c(c: &ClusterInfo) -> *mut jsClusterInfo {
    let peers = c
        .replicas
        .iter()
        .map(|p| {
            boxed(jsPeerInfo {
                Name: c_string(&p.name),
                Current: p.current,
                Offline: p.offline,
                Active: p.active,
                Lag: p.lag,
            })
        })
        .collect();
    let (replicas, n) = array(peers);
    boxed(jsClusterInfo {
        Name: c_opt(c.name.as_deref()),
        Leader: c_opt(c.leader.as_deref()),
        Replicas: replicas,
        ReplicasLen: n,
        RaftGroup: c_opt(c.raft_group.as_deref()),
        LeaderSince: c.leader_since,
        SystemAcc: c.system_acc,
        TrafficAcc: c_opt(c.traffic_acc.as_deref()),
    })
}

/// # Safety
/// `p` is NULL or made by [`cluster_to_c`].
unsafe fn free_cluster(p: *mut jsClusterInfo) {
    // SAFETY: NULL or ours.
    let Some(c) = (unsafe { p.as_ref() }) else { return };
    // SAFETY: our allocations, each freed once.
    unsafe {
        free(c.Name);
        free(c.Leader);
        if !c.Replicas.is_null() {
            for i in 0..c.ReplicasLen.max(0) as usize {
                let peer = *c.Replicas.add(i);
                if let Some(pi) = peer.as_ref() {
                    free(pi.Name);
                }
                free(peer);
            }
            free(c.Replicas);
        }
        free(c.RaftGroup);
        free(c.TrafficAcc);
        free(p);
    }
}

fn source_info_to_c(s: &StreamSourceInfo) -> *mut jsStreamSourceInfo {
    let (t, n) = array(s.subject_transforms.iter().map(transform_to_c).collect());
    boxed(jsStreamSourceInfo {
        Name: c_string(&s.name),
        External: s.external.as_ref().map_or(ptr::null_mut(), external_to_c),
        Lag: s.lag,
        Active: s.active,
        FilterSubject: c_opt(s.filter_subject.as_deref()),
        SubjectTransforms: t,
        SubjectTransformsLen: n,
    })
}

/// # Safety
/// `p` is NULL or made by [`source_info_to_c`].
unsafe fn free_source_info(p: *mut jsStreamSourceInfo) {
    // SAFETY: NULL or ours.
    let Some(s) = (unsafe { p.as_ref() }) else { return };
    // SAFETY: our allocations, each freed once.
    unsafe {
        free(s.Name);
        free_external(s.External);
        free(s.FilterSubject);
        if !s.SubjectTransforms.is_null() {
            for i in 0..s.SubjectTransformsLen.max(0) as usize {
                free_transform(&*s.SubjectTransforms.add(i));
            }
            free(s.SubjectTransforms);
        }
        free(p);
    }
}

fn state_to_c(s: &StreamState) -> jsStreamState {
    let mut o = jsStreamState::zeroed();
    o.Msgs = s.msgs;
    o.Bytes = s.bytes;
    o.FirstSeq = s.first_seq;
    o.FirstTime = s.first_time;
    o.LastSeq = s.last_seq;
    o.LastTime = s.last_time;
    o.NumSubjects = s.num_subjects;
    o.Subjects = match &s.subjects {
        Some(m) if !m.is_empty() => {
            let (list, n) = array(
                m.iter()
                    .map(|(subj, &msgs)| jsStreamStateSubject {
                        Subject: c_string(subj),
                        Msgs: msgs,
                    })
                    .collect(),
            );
            boxed(jsStreamStateSubjects { List: list, Count: n })
        }
        _ => ptr::null_mut(),
    };
    o.NumDeleted = s.num_deleted;
    (o.Deleted, o.DeletedLen) = array(s.deleted.clone());
    o.Lost = s.lost.as_ref().map_or(ptr::null_mut(), |l| {
        let (msgs, n) = array(l.msgs.clone());
        boxed(jsLostStreamData {
            Msgs: msgs,
            MsgsLen: n,
            Bytes: l.bytes,
        })
    });
    o.Consumers = s.consumers;
    o
}

/// # Safety
/// `s` was made by [`state_to_c`].
unsafe fn free_state(s: &jsStreamState) {
    // SAFETY: our allocations, each freed once.
    unsafe {
        if let Some(subjects) = s.Subjects.as_ref() {
            if !subjects.List.is_null() {
                for i in 0..subjects.Count.max(0) as usize {
                    free((*subjects.List.add(i)).Subject);
                }
                free(subjects.List);
            }
            free(s.Subjects);
        }
        free(s.Deleted);
        if let Some(l) = s.Lost.as_ref() {
            free(l.Msgs);
            free(s.Lost);
        }
    }
}

/// A new C stream info, freed by [`free_stream_info`].
pub(crate) fn stream_info_to_c(si: &StreamInfo) -> *mut jsStreamInfo {
    let (sources, ns) = array(si.sources.iter().map(source_info_to_c).collect());
    let (alts, na) = array(
        si.alternates
            .iter()
            .map(|a| {
                boxed(jsStreamAlternate {
                    Name: c_string(&a.name),
                    Domain: c_opt(a.domain.as_deref()),
                    Cluster: c_string(&a.cluster),
                })
            })
            .collect(),
    );
    boxed(jsStreamInfo {
        Config: stream_config_to_c(&si.config),
        Created: si.created,
        State: state_to_c(&si.state),
        Cluster: si.cluster.as_ref().map_or(ptr::null_mut(), cluster_to_c),
        Mirror: si.mirror.as_ref().map_or(ptr::null_mut(), source_info_to_c),
        Sources: sources,
        SourcesLen: ns,
        Alternates: alts,
        AlternatesLen: na,
    })
}

/// # Safety
/// `p` is NULL or made by [`stream_info_to_c`], and not used afterwards.
pub(crate) unsafe fn free_stream_info(p: *mut jsStreamInfo) {
    // SAFETY: NULL or ours.
    let Some(si) = (unsafe { p.as_ref() }) else { return };
    // SAFETY: our allocations, each freed once.
    unsafe {
        free_stream_config(si.Config);
        free_state(&si.State);
        free_cluster(si.Cluster);
        free_source_info(si.Mirror);
        if !si.Sources.is_null() {
            for i in 0..si.SourcesLen.max(0) as usize {
                free_source_info(*si.Sources.add(i));
            }
            free(si.Sources);
        }
        if !si.Alternates.is_null() {
            for i in 0..si.AlternatesLen.max(0) as usize {
                let a = *si.Alternates.add(i);
                if let Some(alt) = a.as_ref() {
                    free(alt.Name);
                    free(alt.Domain);
                    free(alt.Cluster);
                }
                free(a);
            }
            free(si.Alternates);
        }
        free(p);
    }
}

/// A new C list of names.
pub(crate) fn names_to_c(names: &[String]) -> (*mut *mut c_char, c_int) {
    array(names.iter().map(|s| c_string(s)).collect())
}

/// # Safety
/// `list`/`count` were made by [`names_to_c`].
pub(crate) unsafe fn free_names(list: *mut *mut c_char, count: c_int) {
    // SAFETY: our array of our strings.
    unsafe { free_strings(list as *mut *const c_char, count) }
}

// ---------------------------------------------------------------------
// core → C: consumers

/// A new C consumer configuration.
pub(crate) fn consumer_config_to_c(c: &ConsumerConfig) -> *mut jsConsumerConfig {
    let mut o = jsConsumerConfig::zeroed();
    o.Name = c_opt(c.name.as_deref());
    o.Durable = c_opt(c.durable.as_deref());
    o.Description = c_opt(c.description.as_deref());
    o.DeliverPolicy = c.deliver_policy.unwrap_or_default() as c_int;
    o.OptStartSeq = c.opt_start_seq;
    o.OptStartTime = c.opt_start_time;
    o.AckPolicy = c.ack_policy.unwrap_or_default() as c_int;
    o.AckWait = c.ack_wait;
    o.MaxDeliver = c.max_deliver;
    (o.BackOff, o.BackOffLen) = array(c.back_off.clone());
    o.FilterSubject = c_opt(c.filter_subject.as_deref());
    o.ReplayPolicy = c.replay_policy.unwrap_or_default() as c_int;
    o.RateLimit = c.rate_limit;
    o.SampleFrequency = c_opt(c.sample_frequency.as_deref());
    o.MaxWaiting = c.max_waiting;
    o.MaxAckPending = c.max_ack_pending;
    o.FlowControl = c.flow_control;
    o.Heartbeat = c.heartbeat;
    o.HeadersOnly = c.headers_only;
    o.MaxRequestBatch = c.max_request_batch;
    o.MaxRequestExpires = c.max_request_expires;
    o.MaxRequestMaxBytes = c.max_request_max_bytes;
    o.DeliverSubject = c_opt(c.deliver_subject.as_deref());
    o.DeliverGroup = c_opt(c.deliver_group.as_deref());
    o.InactiveThreshold = c.inactive_threshold;
    o.Replicas = c.replicas;
    o.MemoryStorage = c.memory_storage;
    (o.FilterSubjects, o.FilterSubjectsLen) = c_strings(&c.filter_subjects);
    o.Metadata = metadata_to_c(&c.metadata);
    o.PauseUntil = c.pause_until;
    o.PriorityPolicy = c_opt(c.priority_policy.as_deref());
    o.PinnedTTL = c.pinned_ttl;
    (o.PriorityGroups, o.PriorityGroupsLen) = c_strings(&c.priority_groups);
    boxed(o)
}

/// # Safety
/// `p` is NULL or made by [`consumer_config_to_c`].
unsafe fn free_consumer_config(p: *mut jsConsumerConfig) {
    // SAFETY: NULL or ours.
    let Some(c) = (unsafe { p.as_ref() }) else { return };
    // SAFETY: our allocations, each freed once.
    unsafe {
        free(c.Name);
        free(c.Durable);
        free(c.Description);
        free(c.BackOff);
        free(c.FilterSubject);
        free(c.SampleFrequency);
        free(c.DeliverSubject);
        free(c.DeliverGroup);
        free_strings(c.FilterSubjects, c.FilterSubjectsLen);
        free_metadata(&c.Metadata);
        free(c.PriorityPolicy);
        free_strings(c.PriorityGroups, c.PriorityGroupsLen);
        free(p);
    }
}

fn seq_to_c(s: &SequenceInfo) -> jsSequenceInfo {
    jsSequenceInfo {
        Consumer: s.consumer,
        Stream: s.stream,
        Last: s.last,
    }
}

/// A new C consumer info, freed by [`free_consumer_info`].
pub(crate) fn consumer_info_to_c(ci: &ConsumerInfo) -> *mut jsConsumerInfo {
    let (groups, n) = array(
        ci.priority_groups
            .iter()
            .map(|g| jsPriorityGroupState {
                Group: c_string(&g.group),
                PinnedClientID: c_opt(g.pinned_client_id.as_deref()),
                PinnedTS: g.pinned_ts,
            })
            .collect(),
    );
    boxed(jsConsumerInfo {
        Stream: c_string(&ci.stream),
        Name: c_string(&ci.name),
        Created: ci.created,
        Config: consumer_config_to_c(&ci.config),
        Delivered: seq_to_c(&ci.delivered),
        AckFloor: seq_to_c(&ci.ack_floor),
        NumAckPending: ci.num_ack_pending,
        NumRedelivered: ci.num_redelivered,
        NumWaiting: ci.num_waiting,
        NumPending: ci.num_pending,
        Cluster: ci.cluster.as_ref().map_or(ptr::null_mut(), cluster_to_c),
        PushBound: ci.push_bound,
        Paused: ci.paused,
        PauseRemaining: ci.pause_remaining,
        PriorityGroups: groups,
        PriorityGroupsLen: n,
    })
}

/// # Safety
/// `p` is NULL or made by [`consumer_info_to_c`], and not used afterwards.
pub(crate) unsafe fn free_consumer_info(p: *mut jsConsumerInfo) {
    // SAFETY: NULL or ours.
    let Some(ci) = (unsafe { p.as_ref() }) else { return };
    // SAFETY: our allocations, each freed once.
    unsafe {
        free(ci.Stream);
        free(ci.Name);
        free_consumer_config(ci.Config);
        free_cluster(ci.Cluster);
        if !ci.PriorityGroups.is_null() {
            for i in 0..ci.PriorityGroupsLen.max(0) as usize {
                let g = &*ci.PriorityGroups.add(i);
                free(g.Group);
                free(g.PinnedClientID);
            }
            free(ci.PriorityGroups);
        }
        free(p);
    }
}

// ---------------------------------------------------------------------
// core → C: account

fn limits_to_c(l: &AccountLimits) -> jsAccountLimits {
    jsAccountLimits {
        MaxMemory: l.max_memory,
        MaxStore: l.max_store,
        MaxStreams: l.max_streams,
        MaxConsumers: l.max_consumers,
        MaxAckPending: l.max_ack_pending,
        MemoryMaxStreamBytes: l.memory_max_stream_bytes,
        StoreMaxStreamBytes: l.store_max_stream_bytes,
        MaxBytesRequired: l.max_bytes_required,
    }
}

/// A new C account info, freed by [`free_account_info`].
pub(crate) fn account_info_to_c(ai: &AccountInfo) -> *mut jsAccountInfo {
    let tiers: &BTreeMap<String, Tier> = &ai.tiers;
    let (list, n) = array(
        tiers
            .iter()
            .map(|(name, t)| {
                boxed(jsTier {
                    Name: c_string(name),
                    Memory: t.memory,
                    Store: t.store,
                    Streams: t.streams,
                    Consumers: t.consumers,
                    Limits: limits_to_c(&t.limits),
                })
            })
            .collect(),
    );
    boxed(jsAccountInfo {
        Memory: ai.memory,
        Store: ai.store,
        Streams: ai.streams,
        Consumers: ai.consumers,
        Domain: c_opt(ai.domain.as_deref()),
        API: jsAPIStats {
            Total: ai.api.total,
            Errors: ai.api.errors,
        },
        Limits: limits_to_c(&ai.limits),
        Tiers: list,
        TiersLen: n,
    })
}

/// # Safety
/// `p` is NULL or made by [`account_info_to_c`], and not used afterwards.
pub(crate) unsafe fn free_account_info(p: *mut jsAccountInfo) {
    // SAFETY: NULL or ours.
    let Some(ai) = (unsafe { p.as_ref() }) else { return };
    // SAFETY: our allocations, each freed once.
    unsafe {
        free(ai.Domain);
        if !ai.Tiers.is_null() {
            for i in 0..ai.TiersLen.max(0) as usize {
                let t = *ai.Tiers.add(i);
                if let Some(tier) = t.as_ref() {
                    free(tier.Name);
                }
                free(t);
            }
            free(ai.Tiers);
        }
        free(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn full_stream_config() -> StreamConfig {
        let src = |n: &str| StreamSource {
            name: n.into(),
            opt_start_seq: 7,
            opt_start_time: 1_700_000_000_000_000_000,
            filter_subject: Some("f.>".into()),
            external: Some(ExternalStream {
                api_prefix: "$JS.x.API".into(),
                deliver_prefix: Some("dp".into()),
            }),
            domain: Some("hub".into()),
            subject_transforms: Vec::new(),
        };
        StreamConfig {
            name: "S".into(),
            description: Some("a \"quoted\" one".into()),
            subjects: vec!["a.>".into(), "b".into()],
            retention: RetentionPolicy::WorkQueue,
            max_consumers: 3,
            max_msgs: 10,
            max_bytes: 1000,
            max_age: 5,
            max_msgs_per_subject: 2,
            max_msg_size: 512,
            discard: DiscardPolicy::New,
            storage: StorageType::Memory,
            replicas: 3,
            no_ack: true,
            template: Some("t".into()),
            duplicates: 9,
            placement: Some(Placement {
                cluster: "c1".into(),
                tags: vec!["x".into(), "y".into()],
            }),
            mirror: Some(src("M")),
            sources: vec![src("S1"), src("S2")],
            sealed: true,
            deny_delete: true,
            deny_purge: true,
            allow_rollup: true,
            republish: Some(RePublish {
                source: Some(">".into()),
                destination: "rp.>".into(),
                headers_only: true,
            }),
            allow_direct: true,
            mirror_direct: true,
            discard_new_per_subject: true,
            metadata: [("k1".to_string(), "v1".to_string()), ("k2".into(), "v2".into())].into(),
            compression: StorageCompression::S2,
            first_seq: 100,
            subject_transform: Some(SubjectTransformConfig {
                source: "in.>".into(),
                destination: "out.>".into(),
            }),
            consumer_limits: Some(StreamConsumerLimits {
                inactive_threshold: 11,
                max_ack_pending: 12,
            }),
            allow_msg_ttl: true,
            subject_delete_marker_ttl: 13,
            persist_mode: PersistMode::Async,
            allow_atomic: true,
            allow_msg_counter: true,
            allow_msg_schedules: true,
            allow_batched: true,
        }
    }

    /// core → C → core gives the same configuration: every field is
    /// carried both ways (and the C copy is freed by its free function).
    #[test]
    fn stream_config_round_trips_through_c() {
        let cfg = full_stream_config();
        let c = stream_config_to_c(&cfg);
        // SAFETY: made just above by `stream_config_to_c`, freed once at the end.
        unsafe {
            let back = stream_config_from_c(&*c).unwrap();
            assert_eq!(back, cfg);
            assert_eq!(CStr::from_ptr((*c).Name).to_str().unwrap(), "S");
            assert_eq!((*c).Metadata.Count, 2);
            assert_eq!((*c).Retention, jsRetentionPolicy::js_WorkQueuePolicy as c_int);
            free_stream_config(c);
        }
        // Unset parts stay unset.
        let min = StreamConfig {
            name: "m".into(),
            ..StreamConfig::default()
        };
        let c = stream_config_to_c(&min);
        // SAFETY: as above.
        unsafe {
            assert!((*c).Placement.is_null() && (*c).Mirror.is_null() && (*c).RePublish.is_null());
            assert!((*c).Sources.is_null() && (*c).SourcesLen == 0 && (*c).Description.is_null());
            assert_eq!(stream_config_from_c(&*c).unwrap(), min);
            free_stream_config(c);
        }
    }

    #[test]
    fn consumer_config_round_trips_through_c() {
        let cfg = ConsumerConfig {
            name: Some("n".into()),
            durable: Some("n".into()),
            description: Some("d".into()),
            deliver_policy: Some(DeliverPolicy::ByStartTime),
            opt_start_seq: 4,
            opt_start_time: 1_700_000_000_000_000_001,
            ack_policy: Some(AckPolicy::All),
            ack_wait: 5,
            max_deliver: 6,
            back_off: vec![1, 2, 3],
            filter_subject: Some("f".into()),
            replay_policy: Some(ReplayPolicy::Original),
            rate_limit: 7,
            sample_frequency: Some("50%".into()),
            max_waiting: 8,
            max_ack_pending: 9,
            flow_control: true,
            heartbeat: 10,
            headers_only: true,
            max_request_batch: 11,
            max_request_expires: 12,
            max_request_max_bytes: 13,
            deliver_subject: Some("ds".into()),
            deliver_group: Some("dg".into()),
            inactive_threshold: 14,
            replicas: 3,
            memory_storage: true,
            filter_subjects: vec!["a".into(), "b".into()],
            metadata: [("k".to_string(), "v".to_string())].into(),
            pause_until: 15,
            priority_policy: Some("pinned_client".into()),
            pinned_ttl: 16,
            priority_groups: vec!["g1".into()],
        };
        let c = consumer_config_to_c(&cfg);
        // SAFETY: made just above, freed once.
        unsafe {
            assert_eq!(consumer_config_from_c(&*c).unwrap(), cfg);
            free_consumer_config(c);
        }
    }

    /// A C config with policies at cnats' "unset" (-1) reads as `None`;
    /// out-of-range values and arrays without pointers are refused.
    #[test]
    fn c_config_checks() {
        let mut cc = jsConsumerConfig::zeroed();
        cc.AckPolicy = -1;
        cc.DeliverPolicy = -1;
        cc.ReplayPolicy = -1;
        // SAFETY: all pointers NULL.
        let c = unsafe { consumer_config_from_c(&cc) }.unwrap();
        assert_eq!((c.ack_policy, c.deliver_policy, c.replay_policy), (None, None, None));
        cc.AckPolicy = 3;
        // SAFETY: as above.
        let e = unsafe { consumer_config_from_c(&cc) }.unwrap_err();
        assert_eq!(e.status, crate::status::natsStatus::NATS_INVALID_ARG);
        assert!(e.text.contains("ack policy 3"), "{}", e.text);
        let mut sc = jsStreamConfig::zeroed();
        sc.SubjectsLen = 2;
        // SAFETY: Subjects is NULL with a length: refused before any read.
        let e = unsafe { stream_config_from_c(&sc) }.unwrap_err();
        assert!(e.text.contains("'Subjects' is NULL"), "{}", e.text);
        sc.SubjectsLen = 0;
        sc.Storage = 7;
        // SAFETY: all pointers NULL.
        assert!(unsafe { stream_config_from_c(&sc) }.is_err());
    }

    fn cluster() -> ClusterInfo {
        ClusterInfo {
            name: Some("c".into()),
            leader: Some("n1".into()),
            replicas: vec![
                PeerInfo {
                    name: "n2".into(),
                    current: true,
                    offline: false,
                    active: 5,
                    lag: 1,
                },
                PeerInfo {
                    name: "n3".into(),
                    ..PeerInfo::default()
                },
            ],
            raft_group: Some("rg".into()),
            leader_since: 3,
            system_acc: true,
            traffic_acc: Some("SYS".into()),
        }
    }

    /// Every part of a returned stream info is filled and freed (valgrind
    /// and the leak checkers see the frees).
    #[test]
    fn stream_info_to_c_fills_every_part() {
        let si_info = StreamSourceInfo {
            name: "S1".into(),
            external: Some(ExternalStream {
                api_prefix: "p".into(),
                deliver_prefix: None,
            }),
            lag: 2,
            active: -1,
            filter_subject: Some("f".into()),
            subject_transforms: vec![SubjectTransformConfig {
                source: "a".into(),
                destination: "b".into(),
            }],
        };
        let si = StreamInfo {
            config: full_stream_config(),
            created: 42,
            state: StreamState {
                msgs: 3,
                bytes: 4,
                first_seq: 1,
                first_time: 5,
                last_seq: 3,
                last_time: 6,
                num_subjects: 2,
                subjects: Some([("a.b".to_string(), 2u64), ("a.c".into(), 1)].into()),
                num_deleted: 1,
                deleted: vec![2],
                lost: Some(LostStreamData {
                    msgs: vec![8, 9],
                    bytes: 10,
                }),
                consumers: 1,
            },
            cluster: Some(cluster()),
            mirror: Some(si_info.clone()),
            sources: vec![si_info.clone(), si_info],
            alternates: vec![StreamAlternate {
                name: "alt".into(),
                domain: Some("d".into()),
                cluster: "c2".into(),
            }],
        };
        let c = stream_info_to_c(&si);
        // SAFETY: made just above, read, then freed once.
        unsafe {
            let r = &*c;
            assert_eq!(r.Created, 42);
            assert_eq!(r.State.Msgs, 3);
            let subs = &*r.State.Subjects;
            assert_eq!(subs.Count, 2);
            assert_eq!(CStr::from_ptr((*subs.List.add(1)).Subject).to_str().unwrap(), "a.c");
            assert_eq!((*subs.List.add(0)).Msgs, 2);
            assert_eq!((r.State.DeletedLen, *r.State.Deleted), (1, 2));
            assert_eq!((*r.State.Lost).MsgsLen, 2);
            let cl = &*r.Cluster;
            assert_eq!(cl.ReplicasLen, 2);
            assert_eq!(CStr::from_ptr((**cl.Replicas).Name).to_str().unwrap(), "n2");
            assert!((**cl.Replicas).Current);
            assert_eq!(r.SourcesLen, 2);
            let s0 = &**r.Sources;
            assert_eq!(s0.SubjectTransformsLen, 1);
            assert_eq!(
                CStr::from_ptr((*s0.SubjectTransforms).Destination).to_str().unwrap(),
                "b"
            );
            assert_eq!(s0.Active, -1);
            assert!((*s0.External).DeliverPrefix.is_null());
            assert_eq!(r.AlternatesLen, 1);
            assert_eq!(CStr::from_ptr((**r.Alternates).Cluster).to_str().unwrap(), "c2");
            free_stream_info(c);
        }
    }

    #[test]
    fn consumer_and_account_infos_to_c() {
        let ci = ConsumerInfo {
            stream: "S".into(),
            name: "C".into(),
            created: 1,
            config: ConsumerConfig {
                durable: Some("C".into()),
                ..ConsumerConfig::default()
            },
            delivered: SequenceInfo {
                consumer: 2,
                stream: 3,
                last: 4,
            },
            ack_floor: SequenceInfo::default(),
            num_ack_pending: 5,
            num_redelivered: 6,
            num_waiting: 7,
            num_pending: 8,
            cluster: Some(cluster()),
            push_bound: true,
            paused: true,
            pause_remaining: 9,
            priority_groups: vec![PriorityGroupState {
                group: "g".into(),
                pinned_client_id: Some("id".into()),
                pinned_ts: 10,
            }],
        };
        let c = consumer_info_to_c(&ci);
        // SAFETY: made just above, read, then freed once.
        unsafe {
            let r = &*c;
            assert_eq!(CStr::from_ptr(r.Name).to_str().unwrap(), "C");
            assert_eq!((r.Delivered.Stream, r.NumPending, r.PriorityGroupsLen), (3, 8, 1));
            // Unset policies come back as the server's defaults.
            assert_eq!((*r.Config).AckPolicy, 0);
            assert_eq!(
                CStr::from_ptr((*r.PriorityGroups).PinnedClientID).to_str().unwrap(),
                "id"
            );
            free_consumer_info(c);
        }
        let ai = AccountInfo {
            memory: 1,
            store: 2,
            streams: 3,
            consumers: 4,
            domain: Some("d".into()),
            api: ApiStats { total: 5, errors: 6 },
            limits: AccountLimits {
                max_memory: -1,
                ..AccountLimits::default()
            },
            tiers: [(
                "R1".to_string(),
                Tier {
                    memory: 7,
                    ..Tier::default()
                },
            )]
            .into(),
        };
        let c = account_info_to_c(&ai);
        // SAFETY: made just above, read, then freed once.
        unsafe {
            let r = &*c;
            assert_eq!((r.Streams, r.API.Errors, r.Limits.MaxMemory, r.TiersLen), (3, 6, -1, 1));
            assert_eq!(CStr::from_ptr((**r.Tiers).Name).to_str().unwrap(), "R1");
            assert_eq!((**r.Tiers).Memory, 7);
            free_account_info(c);
        }
    }
}

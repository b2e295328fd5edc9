//! Object store (ADR-20, cnats' `objStore*`), the pure-Rust core.
//!
//! A bucket `<b>` is the stream `OBJ_<b>` with the subjects
//! `$O.<b>.C.>` (chunks) and `$O.<b>.M.>` (meta). An object is a run of
//! chunks on `$O.<b>.C.<nuid>` plus one meta message (JSON
//! [`ObjectInfo`]) on `$O.<b>.M.<base64url(name)>` published with
//! `Nats-Rollup: sub`, so only the latest meta of a name is kept. The
//! digest is `SHA-256=<base64url(sha256(content))>` and is verified on
//! every get: a mismatch is an error, never silently wrong data.
//!
//! Memory stays bounded on both sides: a put reads one chunk at a time
//! and publishes asynchronously with a small window of chunks in flight;
//! a get asks for one chunk at a time by direct get (retried across
//! reconnects), or, on a stream without direct gets, reads an ordered
//! consumer whose subscription holds a bounded number of bytes.

use crate::conn::sub::Subscription;
use crate::error::{Error, Result};
use crate::js::push::SubOptions;
use crate::js::ConsumerConfig;
use crate::js::{
    DeliverPolicy, DiscardPolicy, JetStream, JsOptions, Placement, PubAsyncOptions, PurgeOptions, StorageCompression,
    StorageType, StreamConfig, StreamInfo, StreamOptions,
};
use crate::proto::headers::Headers;
use crate::status::natsStatus::*;
use base64::engine::general_purpose::URL_SAFE;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::Arc;

/// The default chunk size (128 KiB).
pub const DEFAULT_CHUNK_SIZE: u32 = 128 * 1024;
/// How many bytes of chunks a put keeps in flight (at least 2 chunks).
pub const PUT_WINDOW_BYTES: usize = 4 * 1024 * 1024;
/// How many bytes of chunks a get lets the subscription hold. The
/// server paces an ordered consumer with flow control (answered as the
/// application takes the messages) well below this; the limit is the
/// backstop (beyond it the ordered consumer drops and resumes).
pub const GET_WINDOW_BYTES: i64 = 16 * 1024 * 1024;

/// `objStoreStatus.BackingStore`.
pub const BACKING_STORE: &str = "JetStream";

const DIGEST_PREFIX: &str = "SHA-256=";

/// `objStoreConfig`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjStoreConfig {
    pub bucket: String,
    pub description: Option<String>,
    /// Nanoseconds (0: none).
    pub ttl: i64,
    /// 0: unlimited.
    pub max_bytes: i64,
    pub storage: StorageType,
    /// 0 means 1.
    pub replicas: i64,
    pub placement: Option<Placement>,
    pub compression: bool,
    pub metadata: BTreeMap<String, String>,
}

/// `objStoreLink`: to a whole bucket (`name` None) or to an object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectLink {
    pub bucket: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The `options` of an object's meta.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectMetaOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<ObjectLink>,
    #[serde(default, skip_serializing_if = "is_zero_u32")]
    pub max_chunk_size: u32,
}

fn is_zero_u32(v: &u32) -> bool {
    *v == 0
}

fn opts_empty(o: &Option<ObjectMetaOptions>) -> bool {
    o.as_ref().is_none_or(|o| o.link.is_none() && o.max_chunk_size == 0)
}

/// `objStoreMeta`: what the application sets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectMeta {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "null_map")]
    pub headers: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "null_map")]
    pub metadata: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "opts_empty")]
    pub options: Option<ObjectMetaOptions>,
}

fn null_map<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `objStoreInfo`: the meta message of an object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectInfo {
    #[serde(flatten)]
    pub meta: ObjectMeta,
    #[serde(default)]
    pub bucket: String,
    /// Empty in the links other clients write.
    #[serde(default)]
    pub nuid: String,
    #[serde(default)]
    pub size: u64,
    /// Nanoseconds since the epoch (RFC 3339 in JSON); set from the meta
    /// message's stream time when read back.
    #[serde(default, with = "crate::js::time")]
    pub mtime: i64,
    #[serde(default)]
    pub chunks: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub digest: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

impl ObjectInfo {
    /// The link of this entry, if it is one.
    pub fn link(&self) -> Option<&ObjectLink> {
        self.meta.options.as_ref().and_then(|o| o.link.as_ref())
    }
}

/// `objStoreStatus`.
#[derive(Debug, Clone)]
pub struct ObjStoreStatus {
    pub bucket: String,
    pub description: Option<String>,
    /// Nanoseconds.
    pub ttl: i64,
    pub storage: StorageType,
    pub replicas: i64,
    pub sealed: bool,
    pub size: u64,
    pub compressed: bool,
    pub metadata: BTreeMap<String, String>,
    pub info: StreamInfo,
}

impl ObjStoreStatus {
    fn from_info(bucket: &str, si: StreamInfo) -> ObjStoreStatus {
        ObjStoreStatus {
            bucket: bucket.to_string(),
            description: si.config.description.clone(),
            ttl: si.config.max_age,
            storage: si.config.storage,
            replicas: si.config.replicas,
            sealed: si.config.sealed,
            size: si.state.bytes,
            compressed: si.config.compression == StorageCompression::S2,
            metadata: si.config.metadata.clone(),
            info: si,
        }
    }
}

/// `objStoreWatchOptions` (plus `include_history`). With `updates_only`
/// there are no initial values and no "initial values done" marker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchOptions {
    pub include_history: bool,
    pub ignore_deletes: bool,
    pub updates_only: bool,
}

/// The stream name of a bucket.
pub fn stream_name(bucket: &str) -> String {
    format!("OBJ_{bucket}")
}

/// Bucket names: letters, digits, '-' and '_'.
pub fn check_bucket(bucket: &str) -> Result<()> {
    if bucket.is_empty()
        || !bucket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::invalid_arg(format!("invalid bucket name '{bucket}'")));
    }
    Ok(())
}

fn check_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid_arg("object name cannot be empty"));
    }
    Ok(())
}

/// The meta subject token of a name: padded URL-safe base64.
pub fn encode_name(name: &str) -> String {
    URL_SAFE.encode(name.as_bytes())
}

/// `SHA-256=<padded URL-safe base64>`.
pub fn digest_string(sum: &[u8]) -> String {
    format!("{DIGEST_PREFIX}{}", URL_SAFE.encode(sum))
}

/// Decodes a digest string (padded or not, URL-safe or standard).
fn decode_digest(d: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let b = d.strip_prefix(DIGEST_PREFIX)?;
    URL_SAFE
        .decode(b)
        .or_else(|_| URL_SAFE_NO_PAD.decode(b))
        .or_else(|_| STANDARD.decode(b))
        .or_else(|_| STANDARD_NO_PAD.decode(b))
        .ok()
}

fn not_found(what: &str) -> Error {
    Error::new(NATS_NOT_FOUND, format!("{what} not found"))
}

fn is_not_found(e: &Error) -> bool {
    e.status == NATS_NOT_FOUND
}

impl JetStream {
    /// `js_CreateObjectStore`.
    pub fn create_object_store(self: &Arc<Self>, cfg: &ObjStoreConfig) -> Result<ObjectStore> {
        check_bucket(&cfg.bucket)?;
        let sc = stream_config(cfg);
        self.add_stream(&sc, None)?;
        Ok(ObjectStore::new(self.clone(), &cfg.bucket))
    }

    /// `js_UpdateObjectStore`.
    pub fn update_object_store(self: &Arc<Self>, cfg: &ObjStoreConfig) -> Result<ObjectStore> {
        check_bucket(&cfg.bucket)?;
        let sc = stream_config(cfg);
        self.update_stream(&sc, None)?;
        Ok(ObjectStore::new(self.clone(), &cfg.bucket))
    }

    /// `js_ObjectStore`: binds to an existing bucket.
    pub fn object_store(self: &Arc<Self>, bucket: &str) -> Result<ObjectStore> {
        check_bucket(bucket)?;
        match self.stream_info(&stream_name(bucket), None) {
            Ok(_) => Ok(ObjectStore::new(self.clone(), bucket)),
            Err(e) if is_not_found(&e) => Err(Error::js(NATS_NOT_FOUND, e.js_code, "object store not found")),
            Err(e) => Err(e),
        }
    }

    /// `js_DeleteObjectStore`.
    pub fn delete_object_store(&self, bucket: &str) -> Result<()> {
        check_bucket(bucket)?;
        self.delete_stream(&stream_name(bucket), None)
    }

    /// `js_ObjectStoreNames`.
    pub fn object_store_names(&self) -> Result<Vec<String>> {
        Ok(self
            .stream_names(None)?
            .into_iter()
            .filter_map(|n| n.strip_prefix("OBJ_").map(str::to_string))
            .collect())
    }

    /// `js_ObjectStoreStatuses`.
    pub fn object_store_statuses(&self) -> Result<Vec<ObjStoreStatus>> {
        Ok(self
            .streams(None)?
            .into_iter()
            .filter_map(|si| {
                let b = si.config.name.strip_prefix("OBJ_")?.to_string();
                Some(ObjStoreStatus::from_info(&b, si))
            })
            .collect())
    }
}

fn stream_config(cfg: &ObjStoreConfig) -> StreamConfig {
    let b = &cfg.bucket;
    StreamConfig {
        name: stream_name(b),
        description: cfg.description.clone(),
        subjects: vec![format!("$O.{b}.C.>"), format!("$O.{b}.M.>")],
        max_age: cfg.ttl,
        max_bytes: if cfg.max_bytes == 0 { -1 } else { cfg.max_bytes },
        storage: cfg.storage,
        replicas: cfg.replicas.max(1),
        placement: cfg.placement.clone(),
        discard: DiscardPolicy::New,
        allow_rollup: true,
        allow_direct: true,
        compression: if cfg.compression {
            StorageCompression::S2
        } else {
            StorageCompression::None
        },
        metadata: cfg.metadata.clone(),
        ..StreamConfig::default()
    }
}

/// An object store bucket (`objStore`).
#[derive(Clone)]
pub struct ObjectStore {
    js: Arc<JetStream>,
    bucket: String,
    stream: String,
}

impl ObjectStore {
    fn new(js: Arc<JetStream>, bucket: &str) -> ObjectStore {
        ObjectStore {
            js,
            bucket: bucket.to_string(),
            stream: stream_name(bucket),
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    fn meta_subject(&self, name: &str) -> String {
        format!("$O.{}.M.{}", self.bucket, encode_name(name))
    }

    fn chunk_subject(&self, nuid: &str) -> String {
        format!("$O.{}.C.{}", self.bucket, nuid)
    }

    fn purge_subject(&self, subject: String) -> Result<()> {
        let o = JsOptions {
            stream: StreamOptions {
                purge: PurgeOptions {
                    subject: Some(subject),
                    ..Default::default()
                },
                ..Default::default()
            },
            ..Default::default()
        };
        self.js.purge_stream(&self.stream, Some(&o))
    }

    fn check_not_sealed(&self) -> Result<()> {
        let si = self.js.stream_info(&self.stream, None)?;
        if si.config.sealed {
            return Err(Error::new(NATS_ILLEGAL_STATE, "object store is sealed"));
        }
        Ok(())
    }

    fn publish_meta(&self, info: &ObjectInfo) -> Result<()> {
        let body = serde_json::to_vec(info).map_err(|e| Error::new(NATS_ERR, e.to_string()))?;
        let mut h = Headers::new();
        h.set(b"Nats-Rollup", b"sub")?;
        self.js
            .publish(self.meta_subject(&info.meta.name).as_bytes(), &body, Some(&h), None)?;
        Ok(())
    }

    /// `objStore_GetInfo`: `NATS_NOT_FOUND` when the name has no meta,
    /// or it is deleted and `show_deleted` is false.
    pub fn get_info(&self, name: &str, show_deleted: bool) -> Result<ObjectInfo> {
        check_name(name)?;
        let m = match self.js.get_last_msg(&self.stream, &self.meta_subject(name), None) {
            Ok(m) => m,
            Err(e) if is_not_found(&e) => return Err(not_found("object")),
            Err(e) => return Err(e),
        };
        let mut info: ObjectInfo = serde_json::from_slice(&m.data)
            .map_err(|e| Error::new(NATS_ERR, format!("invalid object meta for '{name}': {e}")))?;
        info.mtime = m.time;
        if info.deleted && !show_deleted {
            return Err(not_found("object"));
        }
        Ok(info)
    }

    fn existing(&self, name: &str) -> Result<Option<ObjectInfo>> {
        match self.get_info(name, true) {
            Ok(i) => Ok(Some(i)),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `objStore_Put`: starts a put; add the content with
    /// [`ObjectWriter::add`] (or `Write`), finish with
    /// [`ObjectWriter::complete`]. A writer dropped before it completed
    /// purges the chunks it published.
    pub fn put(&self, meta: &ObjectMeta) -> Result<ObjectWriter> {
        check_name(&meta.name)?;
        if meta.options.as_ref().is_some_and(|o| o.link.is_some()) {
            return Err(Error::invalid_arg("a link cannot be put, use add_link"));
        }
        self.check_not_sealed()?;
        let prev = self.existing(&meta.name)?;
        let chunk_size = meta
            .options
            .as_ref()
            .map(|o| o.max_chunk_size)
            .filter(|s| *s > 0)
            .unwrap_or(DEFAULT_CHUNK_SIZE) as usize;
        let nuid = crate::nuid::next();
        // A context of our own: its async window bounds the chunks in flight.
        let window = (PUT_WINDOW_BYTES / chunk_size).max(2) as i64;
        let pjs = Arc::new(JetStream::new(
            self.js.conn().clone(),
            Some(&JsOptions {
                prefix: Some(self.js.prefix().to_string()),
                wait: self.js.wait(),
                publish_async: PubAsyncOptions {
                    max_pending: window,
                    stall_wait: self.js.wait(),
                    mux_replies: false,
                },
                ..Default::default()
            }),
        )?);
        let failure = Arc::new(parking_lot::Mutex::new(None::<Error>));
        {
            let f = failure.clone();
            pjs.set_pub_async_handlers(crate::js::publish_async::PubAsyncHandlers {
                err: Some(Arc::new(move |_js, _m, e: &crate::js::publish::PubAckErr| {
                    f.lock().get_or_insert(e.to_error());
                })),
                ..Default::default()
            });
        }
        Ok(ObjectWriter {
            store: self.clone(),
            meta: meta.clone(),
            prev,
            chunk_subj: self.chunk_subject(&nuid),
            nuid,
            pjs,
            failure,
            chunk_size,
            buf: Vec::with_capacity(chunk_size),
            hasher: Sha256::new(),
            size: 0,
            chunks: 0,
            error: None,
            finished: false,
        })
    }

    /// `objStore_Put` in one call: the content comes from `r`, read one
    /// chunk at a time (bounded memory).
    pub fn put_reader(&self, meta: &ObjectMeta, r: &mut dyn Read) -> Result<ObjectInfo> {
        let mut w = self.put(meta)?;
        let mut buf = vec![0u8; w.chunk_size];
        loop {
            let n = match read_full(r, &mut buf) {
                Ok(n) => n,
                Err(e) => {
                    w.error.get_or_insert(e.clone());
                    let _ = w.complete(0);
                    return Err(e);
                }
            };
            if n == 0 {
                break;
            }
            if w.add(&buf[..n]).is_err() {
                break;
            }
            if n < buf.len() {
                break;
            }
        }
        w.complete(0)
    }

    /// `objStore_PutBytes`.
    pub fn put_bytes(&self, name: &str, data: &[u8]) -> Result<ObjectInfo> {
        let meta = ObjectMeta {
            name: name.to_string(),
            ..Default::default()
        };
        self.put_reader(&meta, &mut &data[..])
    }

    /// `objStore_PutFile`: the object is named after the path.
    pub fn put_file(&self, path: &str) -> Result<ObjectInfo> {
        let mut f =
            std::fs::File::open(path).map_err(|e| Error::new(NATS_ERR, format!("unable to open '{path}': {e}")))?;
        let meta = ObjectMeta {
            name: path.to_string(),
            ..Default::default()
        };
        self.put_reader(&meta, &mut f)
    }

    /// `objStore_Get`: a reader over the object's content, following a
    /// link to an object. The digest is checked when the last byte is
    /// read.
    pub fn get(&self, name: &str) -> Result<ObjectReader> {
        let mut info = self.get_info(name, false)?;
        let mut store = self.clone();
        if let Some(l) = info.link().cloned() {
            let target = l
                .name
                .ok_or_else(|| Error::new(NATS_ILLEGAL_STATE, "object is a link to a bucket"))?;
            if l.bucket != self.bucket {
                store = self.js.object_store(&l.bucket)?;
            }
            info = store.get_info(&target, false)?;
            if info.link().is_some() {
                return Err(Error::new(NATS_ILLEGAL_STATE, "link to a link"));
            }
        }
        ObjectReader::new(&store, info)
    }

    /// `objStore_GetBytes`.
    pub fn get_bytes(&self, name: &str) -> Result<Vec<u8>> {
        let mut r = self.get(name)?;
        let mut out = Vec::with_capacity(r.info().size.min(64 << 20) as usize);
        r.read_all_to(&mut out)?;
        Ok(out)
    }

    /// `objStore_GetFile`.
    pub fn get_file(&self, name: &str, path: &str) -> Result<ObjectInfo> {
        let mut r = self.get(name)?;
        let mut f =
            std::fs::File::create(path).map_err(|e| Error::new(NATS_ERR, format!("unable to create '{path}': {e}")))?;
        if let Err(e) = r.read_all_to(&mut f) {
            // Never leave a partial or unverified file behind.
            drop(f);
            let _ = std::fs::remove_file(path);
            return Err(e);
        }
        Ok(r.info().clone())
    }

    /// `objStore_UpdateMeta`: name (rename), description, headers and
    /// metadata; the content is kept.
    pub fn update_meta(&self, name: &str, meta: &ObjectMeta) -> Result<()> {
        check_name(meta.name.as_str())?;
        self.check_not_sealed()?;
        let mut info = self.get_info(name, false)?;
        if meta.name != name {
            if let Some(e) = self.existing(&meta.name)? {
                if !e.deleted {
                    return Err(Error::new(NATS_ERR, "an object already exists with that name"));
                }
            }
        }
        info.meta.name = meta.name.clone();
        info.meta.description = meta.description.clone();
        info.meta.headers = meta.headers.clone();
        info.meta.metadata = meta.metadata.clone();
        info.mtime = 0;
        self.publish_meta(&info)?;
        if meta.name != name {
            self.purge_subject(self.meta_subject(name))?;
        }
        Ok(())
    }

    /// `objStore_Delete`: leaves a deleted meta, purges the chunks.
    pub fn delete(&self, name: &str) -> Result<()> {
        self.check_not_sealed()?;
        let mut info = self.get_info(name, true)?;
        let nuid = info.nuid.clone();
        info.deleted = true;
        info.size = 0;
        info.chunks = 0;
        info.digest.clear();
        info.mtime = 0;
        self.publish_meta(&info)?;
        if !nuid.is_empty() {
            self.purge_subject(self.chunk_subject(&nuid))?;
        }
        Ok(())
    }

    fn put_link(&self, name: &str, link: ObjectLink) -> Result<ObjectInfo> {
        check_name(name)?;
        self.check_not_sealed()?;
        if let Some(e) = self.existing(name)? {
            if !e.deleted && e.link().is_none() {
                return Err(Error::new(NATS_ERR, "an object already exists with that name"));
            }
        }
        let info = ObjectInfo {
            meta: ObjectMeta {
                name: name.to_string(),
                options: Some(ObjectMetaOptions {
                    link: Some(link),
                    max_chunk_size: 0,
                }),
                ..Default::default()
            },
            bucket: self.bucket.clone(),
            nuid: crate::nuid::next(),
            ..Default::default()
        };
        self.publish_meta(&info)?;
        self.get_info(name, false)
    }

    /// `objStore_AddLink`: `name` links to the object `obj`.
    pub fn add_link(&self, name: &str, obj: &ObjectInfo) -> Result<ObjectInfo> {
        if obj.meta.name.is_empty() || obj.bucket.is_empty() {
            return Err(Error::invalid_arg("the object to link to has no name or bucket"));
        }
        if obj.deleted {
            return Err(Error::new(NATS_ILLEGAL_STATE, "cannot link to a deleted object"));
        }
        if obj.link().is_some() {
            return Err(Error::new(NATS_ILLEGAL_STATE, "cannot link to a link"));
        }
        self.put_link(
            name,
            ObjectLink {
                bucket: obj.bucket.clone(),
                name: Some(obj.meta.name.clone()),
            },
        )
    }

    /// `objStore_AddBucketLink`.
    pub fn add_bucket_link(&self, name: &str, bucket: &ObjectStore) -> Result<ObjectInfo> {
        self.put_link(
            name,
            ObjectLink {
                bucket: bucket.bucket.clone(),
                name: None,
            },
        )
    }

    /// `objStore_Seal`.
    pub fn seal(&self) -> Result<()> {
        let mut si = self.js.stream_info(&self.stream, None)?;
        si.config.sealed = true;
        self.js.update_stream(&si.config, None)?;
        Ok(())
    }

    /// `objStore_Status`.
    pub fn status(&self) -> Result<ObjStoreStatus> {
        let si = self.js.stream_info(&self.stream, None)?;
        Ok(ObjStoreStatus::from_info(&self.bucket, si))
    }

    /// `objStore_Watch`.
    pub fn watch(&self, opts: &WatchOptions) -> Result<ObjectWatcher> {
        let filter = format!("$O.{}.M.>", self.bucket);
        // Empty when no meta at all (the last message on any meta subject).
        let empty = match self.js.get_last_msg(&self.stream, &filter, None) {
            Ok(_) => false,
            Err(e) if is_not_found(&e) => true,
            Err(e) => return Err(e),
        };
        let deliver = if opts.updates_only {
            DeliverPolicy::New
        } else if opts.include_history {
            DeliverPolicy::All
        } else {
            DeliverPolicy::LastPerSubject
        };
        let sub = self.js.subscribe(
            &filter,
            None,
            None,
            Some(&SubOptions {
                stream: Some(self.stream.clone()),
                ordered: true,
                config: ConsumerConfig {
                    deliver_policy: Some(deliver),
                    ..Default::default()
                },
                ..Default::default()
            }),
        )?;
        Ok(ObjectWatcher {
            sub,
            ignore_deletes: opts.ignore_deletes,
            init_done: opts.updates_only || empty,
            init_marker_sent: opts.updates_only,
        })
    }

    /// `objStore_List`: the current objects (deleted ones only with
    /// `show_deleted`).
    pub fn list(&self, show_deleted: bool) -> Result<Vec<ObjectInfo>> {
        let mut w = self.watch(&WatchOptions {
            ignore_deletes: !show_deleted,
            ..Default::default()
        })?;
        let mut out = Vec::new();
        let wait = self.js.wait();
        while let Some(i) = w.next(wait)? {
            out.push(i);
        }
        w.stop();
        Ok(out)
    }
}

/// A put in progress (`objStorePut`).
pub struct ObjectWriter {
    store: ObjectStore,
    meta: ObjectMeta,
    prev: Option<ObjectInfo>,
    nuid: String,
    chunk_subj: String,
    pjs: Arc<JetStream>,
    failure: Arc<parking_lot::Mutex<Option<Error>>>,
    chunk_size: usize,
    buf: Vec<u8>,
    hasher: Sha256,
    size: u64,
    chunks: u32,
    error: Option<Error>,
    finished: bool,
}

impl ObjectWriter {
    fn send(&mut self, upto: usize) -> Result<()> {
        let data = &self.buf[..upto];
        self.hasher.update(data);
        self.pjs.publish_async(self.chunk_subj.as_bytes(), data, None, None)?;
        if let Some(e) = self.failure.lock().take() {
            return Err(e);
        }
        self.size += upto as u64;
        self.chunks += 1;
        self.buf.drain(..upto);
        Ok(())
    }

    /// `objStorePut_Add`: after an error every call fails with it; only
    /// [`ObjectWriter::complete`] (which purges) remains.
    pub fn add(&mut self, mut data: &[u8]) -> Result<()> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        if self.finished {
            return Err(Error::new(NATS_ILLEGAL_STATE, "put already completed"));
        }
        while !data.is_empty() {
            let room = self.chunk_size - self.buf.len();
            let k = room.min(data.len());
            self.buf.extend_from_slice(&data[..k]);
            data = &data[k..];
            if self.buf.len() == self.chunk_size {
                if let Err(e) = self.send(self.chunk_size) {
                    self.error = Some(e.clone());
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    fn abort(&mut self) {
        self.finished = true;
        let _ = self.pjs.publish_async_complete(self.store.js.wait().max(1));
        let _ = self.store.purge_subject(self.chunk_subj.clone());
    }

    /// `objStorePut_Complete`: waits (up to `timeout_ms`, 0: no limit)
    /// for the chunks' acks, writes the meta and purges the chunks of the
    /// object replaced. After an error, purges what was published and
    /// returns the error.
    pub fn complete(&mut self, timeout_ms: i64) -> Result<ObjectInfo> {
        if self.finished {
            return Err(Error::new(NATS_ILLEGAL_STATE, "put already completed"));
        }
        if let Some(e) = self.error.clone() {
            self.abort();
            return Err(e);
        }
        let res = (|| {
            if !self.buf.is_empty() {
                self.send(self.buf.len())?;
            }
            self.pjs.publish_async_complete(timeout_ms.max(0))?;
            if let Some(e) = self.failure.lock().take() {
                return Err(e);
            }
            Ok(())
        })();
        if let Err(e) = res {
            self.error = Some(e.clone());
            self.abort();
            return Err(e);
        }
        self.finished = true;
        let info = ObjectInfo {
            meta: ObjectMeta {
                options: Some(ObjectMetaOptions {
                    link: None,
                    max_chunk_size: self.chunk_size as u32,
                }),
                ..self.meta.clone()
            },
            bucket: self.store.bucket.clone(),
            nuid: self.nuid.clone(),
            size: self.size,
            mtime: 0,
            chunks: self.chunks,
            digest: digest_string(&std::mem::take(&mut self.hasher).finalize()),
            deleted: false,
        };
        if let Err(e) = self.store.publish_meta(&info) {
            let _ = self.store.purge_subject(self.chunk_subj.clone());
            return Err(e);
        }
        if let Some(p) = &self.prev {
            if !p.nuid.is_empty() && p.nuid != info.nuid && p.link().is_none() {
                self.store.purge_subject(self.store.chunk_subject(&p.nuid))?;
            }
        }
        // Read back for the server's time.
        self.store.get_info(&info.meta.name, false)
    }
}

impl Write for ObjectWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.add(b).map_err(|e| std::io::Error::other(e.text))?;
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for ObjectWriter {
    fn drop(&mut self) {
        if !self.finished {
            self.abort();
        }
    }
}

fn unsubscribe(sub: &Arc<Subscription>) {
    if let Some(c) = sub.connection() {
        let _ = c.unsubscribe(sub, 0);
    }
}

fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(&e)),
        }
    }
    Ok(n)
}

/// A watcher of a bucket's metas (`objStoreWatcher`). `next` gives
/// `Ok(None)` once, when the initial values are done.
pub struct ObjectWatcher {
    sub: Arc<Subscription>,
    ignore_deletes: bool,
    init_done: bool,
    init_marker_sent: bool,
}

impl ObjectWatcher {
    /// The next entry; `Ok(None)` is the "initial values done" marker,
    /// given once. `NATS_TIMEOUT` after `timeout_ms`.
    pub fn next(&mut self, timeout_ms: i64) -> Result<Option<ObjectInfo>> {
        loop {
            if self.init_done && !self.init_marker_sent {
                self.init_marker_sent = true;
                return Ok(None);
            }
            let m = self.sub.next_msg(timeout_ms)?;
            let md = m.metadata()?;
            if md.num_pending == 0 {
                self.init_done = true;
            }
            let mut info: ObjectInfo = match serde_json::from_slice(m.data()) {
                Ok(i) => i,
                Err(_) => continue,
            };
            info.mtime = md.timestamp;
            if info.deleted && self.ignore_deletes {
                continue;
            }
            return Ok(Some(info));
        }
    }

    /// `objStoreWatcher_Stop`.
    pub fn stop(&self) {
        unsubscribe(&self.sub);
    }
}

impl Drop for ObjectWatcher {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The content of an object, chunk by chunk (`objStoreGet`).
pub struct ObjectReader {
    info: ObjectInfo,
    /// Direct gets (the stream allows them): the JetStream context, the
    /// stream, the chunk subject and the next sequence to ask from.
    direct: Option<(Arc<JetStream>, String, String, u64)>,
    sub: Option<Arc<Subscription>>,
    hasher: Sha256,
    got_chunks: u32,
    got_bytes: u64,
    cur: Vec<u8>,
    pos: usize,
    wait: i64,
    done: bool,
}

impl ObjectReader {
    fn new(store: &ObjectStore, info: ObjectInfo) -> Result<ObjectReader> {
        let mut r = ObjectReader {
            direct: None,
            sub: None,
            hasher: Sha256::new(),
            got_chunks: 0,
            got_bytes: 0,
            cur: Vec::new(),
            pos: 0,
            wait: store.js.wait().max(1000),
            done: false,
            info,
        };
        let allow_direct = r.info.chunks > 0 && store.js.stream_info(&store.stream, None)?.config.allow_direct;
        if allow_direct {
            r.direct = Some((
                store.js.clone(),
                store.stream.clone(),
                store.chunk_subject(&r.info.nuid),
                1,
            ));
        } else if r.info.chunks > 0 {
            let sub = store.js.subscribe(
                &store.chunk_subject(&r.info.nuid),
                None,
                None,
                Some(&SubOptions {
                    stream: Some(store.stream.clone()),
                    ordered: true,
                    ..Default::default()
                }),
            )?;
            let cs = r
                .info
                .meta
                .options
                .as_ref()
                .map(|o| o.max_chunk_size)
                .unwrap_or(0)
                .max(1) as i64;
            let msgs = (GET_WINDOW_BYTES / cs).clamp(2, 1024) as i32;
            sub.set_pending_limits(msgs, GET_WINDOW_BYTES.max(2 * cs + 4096))?;
            r.sub = Some(sub);
        } else {
            r.finish()?;
        }
        Ok(r)
    }

    /// The object's info (`objStoreGet_Info`).
    pub fn info(&self) -> &ObjectInfo {
        &self.info
    }

    fn finish(&mut self) -> Result<()> {
        self.done = true;
        if let Some(s) = self.sub.take() {
            unsubscribe(&s);
        }
        let sum = std::mem::take(&mut self.hasher).finalize();
        if self.got_bytes != self.info.size {
            return Err(Error::new(
                NATS_MISMATCH,
                format!(
                    "object size mismatch: got {} bytes, expected {}",
                    self.got_bytes, self.info.size
                ),
            ));
        }
        match decode_digest(&self.info.digest) {
            Some(d) if d.as_slice() == sum.as_slice() => Ok(()),
            Some(_) => Err(Error::new(NATS_MISMATCH, "object digest mismatch")),
            None => Err(Error::new(
                NATS_ERR,
                format!("invalid object digest '{}'", self.info.digest),
            )),
        }
    }

    /// The next chunk, `Ok(None)` at the end (after the digest check),
    /// waiting up to the context's request wait.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<u8>>> {
        self.read_chunk(self.wait)
    }

    /// True once the last chunk was given (and the digest checked).
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// `objStoreGet_Read`: the next chunk, waiting up to `timeout_ms`.
    /// `NATS_TIMEOUT` leaves the get usable (call again); any other error
    /// ends it.
    pub fn read_chunk(&mut self, timeout_ms: i64) -> Result<Option<Vec<u8>>> {
        if self.done {
            return Ok(None);
        }
        if self.direct.is_some() {
            return self.read_direct(timeout_ms);
        }
        let Some(sub) = self.sub.clone() else {
            self.done = true;
            return Ok(None);
        };
        let m = match sub.next_msg(timeout_ms) {
            Ok(m) => m,
            Err(e) if e.status == NATS_TIMEOUT => return Err(e),
            Err(e) => {
                self.done = true;
                unsubscribe(&sub);
                self.sub = None;
                return Err(Error::new(
                    e.status,
                    format!("object get interrupted after {} chunks: {}", self.got_chunks, e.text),
                ));
            }
        };
        let data = m.data().to_vec();
        self.hasher.update(&data);
        self.got_chunks += 1;
        self.got_bytes += data.len() as u64;
        let last = m.metadata().map(|md| md.num_pending == 0).unwrap_or(false);
        if self.got_chunks >= self.info.chunks || last {
            self.finish()?;
        }
        Ok(Some(data))
    }

    /// One chunk by direct get (`next_by_subj` from the sequence after the
    /// last chunk): one chunk in memory at a time. Failed requests (a
    /// reconnect, a server restart) are retried until `timeout_ms`; a
    /// missing chunk ends the get with an error.
    fn read_direct(&mut self, timeout_ms: i64) -> Result<Option<Vec<u8>>> {
        let (js, stream, subject, seq) = self.direct.clone().expect("direct get");
        let timeout = if timeout_ms > 0 { timeout_ms } else { self.wait };
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(timeout as u64);
        let dg = crate::js::DirectGetMsgOptions {
            sequence: seq,
            next_by_subject: Some(subject),
            last_by_subject: None,
        };
        let m = loop {
            let left = deadline
                .saturating_duration_since(std::time::Instant::now())
                .as_millis() as i64;
            let o = JsOptions {
                wait: left.max(1),
                ..Default::default()
            };
            match js.direct_get_msg(&stream, &dg, Some(&o)) {
                Ok(m) => break m,
                Err(e) if e.status == NATS_NOT_FOUND => {
                    self.done = true;
                    return Err(Error::new(
                        NATS_NOT_FOUND,
                        format!(
                            "object chunk missing: got {} of {} chunks",
                            self.got_chunks, self.info.chunks
                        ),
                    ));
                }
                Err(e) if std::time::Instant::now() >= deadline => {
                    return Err(if e.status == NATS_TIMEOUT {
                        e
                    } else {
                        Error::new(e.status, e.text)
                    });
                }
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
            }
        };
        if let Some(d) = self.direct.as_mut() {
            d.3 = m.seq + 1;
        }
        self.hasher.update(&m.data);
        self.got_chunks += 1;
        self.got_bytes += m.data.len() as u64;
        if self.got_chunks >= self.info.chunks {
            self.finish()?;
        }
        Ok(Some(m.data))
    }

    /// Reads everything into `w` (`objStoreGet_ReadAll` into a writer).
    pub fn read_all_to(&mut self, w: &mut dyn Write) -> Result<u64> {
        let mut n = (self.cur.len() - self.pos) as u64;
        w.write_all(&self.cur[self.pos..]).map_err(|e| Error::io(&e))?;
        self.cur.clear();
        self.pos = 0;
        while let Some(c) = self.next_chunk()? {
            w.write_all(&c).map_err(|e| Error::io(&e))?;
            n += c.len() as u64;
        }
        Ok(n)
    }
}

impl Read for ObjectReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.cur.len() {
            match self.next_chunk() {
                Ok(Some(c)) => {
                    self.cur = c;
                    self.pos = 0;
                }
                Ok(None) => return Ok(0),
                Err(e) => return Err(std::io::Error::other(e.text)),
            }
        }
        let n = out.len().min(self.cur.len() - self.pos);
        out[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Drop for ObjectReader {
    fn drop(&mut self) {
        if let Some(s) = self.sub.take() {
            unsubscribe(&s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_digests() {
        assert_eq!(encode_name("a b"), "YSBi");
        assert_eq!(encode_name("ab"), "YWI=");
        let d = digest_string(&Sha256::digest(b""));
        assert_eq!(d, "SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=");
        assert_eq!(decode_digest(&d).unwrap(), Sha256::digest(b"").to_vec());
        assert!(decode_digest("MD5=xx").is_none());
        assert!(check_bucket("ok-b_1").is_ok());
        assert_eq!(check_bucket("a.b").unwrap_err().status, NATS_INVALID_ARG);
    }
}

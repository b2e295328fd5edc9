//! `obsGroup`: the object store (`js_CreateObjectStore`, `objStore_*`,
//! `objStorePut_*`, `objStoreGet_*`, `objStoreWatcher_*`) over the core in
//! `crate::obj`. Returned structs are `malloc`ed blocks freed by their
//! `_Destroy`; handles are Rust objects owned by the program.

use super::cstr;
use super::handle::{self, box_into_raw, box_mut, box_ref, box_take, BoxCastable, Castable};
use super::header::natsHeader;
use super::js_convert::{
    array, boxed, c_opt, c_string, free, free_metadata, free_names, free_stream_info, metadata, metadata_to_c,
    names_to_c, opt, storage, stream_info_to_c,
};
use super::js_types::jsCtx;
use super::obj_types::*;
use super::{guard, guard_or, not_null, write_out};
use crate::error::{Error, Result};
use crate::js::{JetStream, Placement};
use crate::obj::{
    ObjStoreConfig, ObjStoreStatus, ObjectInfo, ObjectLink, ObjectMeta, ObjectMetaOptions, ObjectReader, ObjectStore,
    ObjectWatcher, ObjectWriter, WatchOptions,
};
use crate::proto::headers::Headers;
use crate::status::natsStatus;
use libc::{c_char, c_int, c_void};
use std::collections::BTreeMap;
use std::ptr;
use std::sync::{Arc, Mutex};

/// An object store bucket (opaque), freed with `objStore_Destroy`.
pub struct objStore {
    _private: [u8; 0],
}
impl Castable for objStore {
    type RustType = ObjectStore;
}
impl BoxCastable for objStore {}

/// An object being put piece by piece (opaque), freed with `objStorePut_Destroy`.
pub struct objStorePut {
    _private: [u8; 0],
}
impl Castable for objStorePut {
    type RustType = ObjectWriter;
}
impl BoxCastable for objStorePut {}

/// An object being read (opaque), freed with `objStoreGet_Destroy`.
pub struct objStoreGet {
    _private: [u8; 0],
}
impl Castable for objStoreGet {
    type RustType = GetState;
}
impl BoxCastable for objStoreGet {}

/// A watcher of a bucket (opaque), freed with `objStoreWatcher_Destroy`.
pub struct objStoreWatcher {
    _private: [u8; 0],
}
impl Castable for objStoreWatcher {
    type RustType = WatcherState;
}
impl BoxCastable for objStoreWatcher {}

fn js_arc(js: *mut jsCtx) -> Result<Arc<JetStream>> {
    // SAFETY: `js` is NULL (refused) or a live context handle of the program.
    unsafe { handle::arc_clone::<jsCtx>(js, "js") }
}

/// # Safety
/// `obs` is NULL or a live `objStore` handle.
unsafe fn obs_ref<'a>(obs: *mut objStore) -> Result<&'a ObjectStore> {
    // SAFETY: this function's contract.
    unsafe { box_ref::<objStore>(obs, "obs") }
}

/// A required, non-empty name.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid during the call.
unsafe fn name_arg(p: *const c_char, name: &str) -> Result<String> {
    // SAFETY: this function's contract.
    match unsafe { opt(p, name) }? {
        Some(s) => Ok(s),
        None => Err(Error::invalid_arg(format!(
            "invalid argument: '{name}' is NULL or empty"
        ))),
    }
}

fn positive_timeout(timeout: i64) -> Result<()> {
    if timeout <= 0 {
        return Err(Error::invalid_arg(format!(
            "invalid argument: timeout {timeout} must be positive"
        )));
    }
    Ok(())
}

fn c_len(n: usize) -> Result<c_int> {
    c_int::try_from(n).map_err(|_| Error::invalid_arg(format!("object of {n} bytes is too large for an int length")))
}

// ---------------------------------------------------------------------
// C → core

/// # Safety
/// `c`'s strings and nested structs are NULL or valid during the call.
unsafe fn config_from_c(c: &objStoreConfig) -> Result<ObjStoreConfig> {
    // SAFETY: every pointer below belongs to `c` (contract).
    unsafe {
        let bucket = name_arg(c.Bucket, "Bucket")?;
        let placement = match c.Placement.as_ref() {
            None => None,
            Some(p) => Some(Placement {
                cluster: super::js_convert::string(p.Cluster, "Placement.Cluster")?,
                tags: super::js_convert::strings(p.Tags, p.TagsLen, "Placement.Tags")?,
            }),
        };
        if c.TTL < 0 {
            return Err(Error::invalid_arg(format!(
                "invalid argument: TTL {} is negative",
                c.TTL
            )));
        }
        Ok(ObjStoreConfig {
            bucket,
            description: opt(c.Description, "Description")?,
            ttl: c.TTL.saturating_mul(1_000_000),
            max_bytes: c.MaxBytes,
            storage: storage(c.Storage)?,
            replicas: i64::from(c.Replicas),
            placement,
            compression: c.Compression,
            metadata: metadata(&c.Metadata, "Metadata")?,
        })
    }
}

/// # Safety
/// `h` is NULL or a live `natsHeader` handle.
unsafe fn headers_from_c(h: *mut natsHeader) -> Result<BTreeMap<String, Vec<String>>> {
    let mut out = BTreeMap::new();
    // SAFETY: NULL or a live header of the program (contract).
    let Some(h) = (unsafe { (h as *const Headers).as_ref() }) else {
        return Ok(out);
    };
    for k in h.keys() {
        let key = k.to_string_lossy().into_owned();
        let vals = h
            .values(k.to_bytes())
            .unwrap_or(&[])
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        out.insert(key, vals);
    }
    Ok(out)
}

/// # Safety
/// `m`'s strings, headers and link are NULL or valid during the call.
unsafe fn meta_from_c(m: &objStoreMeta) -> Result<ObjectMeta> {
    // SAFETY: every pointer below belongs to `m` (contract).
    unsafe {
        let link = match m.Opts.Link.as_ref() {
            None => None,
            Some(l) => Some(ObjectLink {
                bucket: name_arg(l.Bucket, "Opts.Link.Bucket")?,
                name: opt(l.Name, "Opts.Link.Name")?,
            }),
        };
        let options = if link.is_none() && m.Opts.ChunkSize == 0 {
            None
        } else {
            Some(ObjectMetaOptions {
                link,
                max_chunk_size: m.Opts.ChunkSize,
            })
        };
        Ok(ObjectMeta {
            name: name_arg(m.Name, "meta.Name")?,
            description: opt(m.Description, "Description")?,
            headers: headers_from_c(m.Headers)?,
            metadata: metadata(&m.Metadata, "Metadata")?,
            options,
        })
    }
}

/// Reads the object info a program hands to `objStore_AddLink` (the fields a
/// link needs: bucket, name, NUID, deleted and link).
///
/// # Safety
/// as for [`meta_from_c`], for `i` and its meta.
unsafe fn info_from_c(i: &objStoreInfo) -> Result<ObjectInfo> {
    // SAFETY: every pointer below belongs to `i` (contract).
    unsafe {
        Ok(ObjectInfo {
            meta: meta_from_c(&i.Meta)?,
            bucket: name_arg(i.Bucket, "obj.Bucket")?,
            nuid: opt(i.NUID, "obj.NUID")?.unwrap_or_default(),
            size: i.Size,
            mtime: i.ModTime,
            chunks: i.Chunks,
            digest: opt(i.Digest, "obj.Digest")?.unwrap_or_default(),
            deleted: i.Deleted,
        })
    }
}

/// # Safety
/// `opts` is NULL or points to an `objStoreOptions` of the program.
unsafe fn show_deleted(opts: *const objStoreOptions) -> bool {
    // SAFETY: this function's contract.
    unsafe { opts.as_ref() }.is_some_and(|o| o.ShowDeleted)
}

// ---------------------------------------------------------------------
// core → C (malloc'd, freed by the matching _Destroy)

fn headers_to_c(h: &BTreeMap<String, Vec<String>>) -> *mut natsHeader {
    if h.is_empty() {
        return ptr::null_mut();
    }
    let mut out = Headers::new();
    for (k, vs) in h {
        for v in vs {
            // A key or value the header map refuses (never from a valid meta) is skipped.
            let _ = out.add(k.as_bytes(), v.as_bytes());
        }
    }
    box_into_raw::<natsHeader>(out)
}

fn meta_to_c(m: &ObjectMeta) -> objStoreMeta {
    let (link, chunk) = match &m.options {
        None => (ptr::null_mut(), 0),
        Some(o) => (
            o.link.as_ref().map_or(ptr::null_mut(), |l| {
                boxed(objStoreLink {
                    Bucket: c_string(&l.bucket),
                    Name: c_opt(l.name.as_deref()),
                })
            }),
            o.max_chunk_size,
        ),
    };
    objStoreMeta {
        Name: c_string(&m.name),
        Description: c_opt(m.description.as_deref()),
        Headers: headers_to_c(&m.headers),
        Metadata: metadata_to_c(&m.metadata),
        Opts: objStoreMetaOptions {
            Link: link,
            ChunkSize: chunk,
        },
    }
}

fn info_to_c(i: &ObjectInfo) -> *mut objStoreInfo {
    boxed(objStoreInfo {
        Meta: meta_to_c(&i.meta),
        Bucket: c_string(&i.bucket),
        NUID: c_string(&i.nuid),
        Size: i.size,
        ModTime: i.mtime,
        Chunks: i.chunks,
        Digest: c_opt(Some(i.digest.as_str()).filter(|d| !d.is_empty())),
        Deleted: i.deleted,
    })
}

/// # Safety
/// `p` is NULL or a block from [`info_to_c`] not freed yet.
unsafe fn free_info(p: *mut objStoreInfo) {
    // SAFETY: NULL or our block (contract).
    let Some(i) = (unsafe { p.as_ref() }) else { return };
    // SAFETY: every pointer of our block was allocated by `info_to_c`.
    unsafe {
        free(i.Meta.Name);
        free(i.Meta.Description);
        drop(box_take::<natsHeader>(i.Meta.Headers));
        free_metadata(&i.Meta.Metadata);
        if let Some(l) = i.Meta.Opts.Link.as_ref() {
            free(l.Bucket);
            free(l.Name);
            free(i.Meta.Opts.Link);
        }
        free(i.Bucket);
        free(i.NUID);
        free(i.Digest);
        free(p);
    }
}

fn status_to_c(s: &ObjStoreStatus) -> *mut objStoreStatus {
    boxed(objStoreStatus {
        Bucket: c_string(&s.bucket),
        Description: c_opt(s.description.as_deref()),
        TTL: s.ttl / 1_000_000,
        Storage: s.storage as c_int,
        Replicas: c_int::try_from(s.replicas).unwrap_or(c_int::MAX),
        Sealed: s.sealed,
        Size: s.size,
        BackingStore: c_string(crate::obj::BACKING_STORE),
        Metadata: metadata_to_c(&s.metadata),
        StreamInfo: stream_info_to_c(&s.info),
        IsCompressed: s.compressed,
    })
}

/// # Safety
/// `p` is NULL or a block from [`status_to_c`] not freed yet.
unsafe fn free_status(p: *mut objStoreStatus) {
    // SAFETY: NULL or our block (contract).
    let Some(s) = (unsafe { p.as_ref() }) else { return };
    // SAFETY: every pointer of our block was allocated by `status_to_c`.
    unsafe {
        free(s.Bucket);
        free(s.Description);
        free(s.BackingStore);
        free_metadata(&s.Metadata);
        free_stream_info(s.StreamInfo);
        free(p);
    }
}

/// Frees a list block and its `Count` entries with `f`.
///
/// # Safety
/// `list` is NULL or a list made here, `items` its array of `count` entries.
unsafe fn free_list<T, L>(list: *mut L, items: *mut *mut T, count: c_int, f: unsafe fn(*mut T)) {
    if list.is_null() {
        return;
    }
    if !items.is_null() {
        for i in 0..count.max(0) as usize {
            // SAFETY: entries 0..count of our array.
            unsafe { f(*items.add(i)) };
        }
        // SAFETY: our array.
        unsafe { free(items) };
    }
    // SAFETY: our list block.
    unsafe { free(list) };
}

/// A `malloc`ed copy of `data` (plus a NUL when `nul`); NULL for no bytes
/// without NUL.
fn malloc_bytes(data: &[u8], nul: bool) -> *mut c_void {
    let n = data.len() + usize::from(nul);
    if n == 0 {
        return ptr::null_mut();
    }
    // SAFETY: plain allocation, checked for NULL.
    let p = unsafe { libc::malloc(n) } as *mut u8;
    if p.is_null() {
        std::alloc::handle_alloc_error(
            std::alloc::Layout::from_size_align(n, 1).unwrap_or(std::alloc::Layout::new::<u8>()),
        );
    }
    // SAFETY: `p` has room for `n` bytes; the source is `data`.
    unsafe {
        ptr::copy_nonoverlapping(data.as_ptr(), p, data.len());
        if nul {
            *p.add(data.len()) = 0;
        }
    }
    p as *mut c_void
}

// ---------------------------------------------------------------------
// Buckets

/// Creates a bucket (stream `OBJ_<Bucket>`) and returns a handle on it.
#[no_mangle]
pub unsafe extern "C" fn js_CreateObjectStore(
    new_obs: *mut *mut objStore,
    js: *mut jsCtx,
    cfg: *mut objStoreConfig,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused) or the program's, valid during the call.
    guard("js_CreateObjectStore", || unsafe {
        not_null(new_obs, "new_obs")?;
        let js = js_arc(js)?;
        not_null(cfg, "cfg")?;
        let c = config_from_c(&*cfg)?;
        let s = js.create_object_store(&c)?;
        write_out(new_obs, box_into_raw::<objStore>(s));
        Ok(())
    })
}

/// Updates a bucket's configuration and returns a handle on it.
#[no_mangle]
pub unsafe extern "C" fn js_UpdateObjectStore(
    new_obs: *mut *mut objStore,
    js: *mut jsCtx,
    cfg: *mut objStoreConfig,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused) or the program's, valid during the call.
    guard("js_UpdateObjectStore", || unsafe {
        not_null(new_obs, "new_obs")?;
        let js = js_arc(js)?;
        not_null(cfg, "cfg")?;
        let c = config_from_c(&*cfg)?;
        let s = js.update_object_store(&c)?;
        write_out(new_obs, box_into_raw::<objStore>(s));
        Ok(())
    })
}

/// Binds to an existing bucket (`NATS_NOT_FOUND` when it does not exist).
#[no_mangle]
pub unsafe extern "C" fn js_ObjectStore(
    new_obs: *mut *mut objStore,
    js: *mut jsCtx,
    bucket: *const c_char,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused) or the program's, valid during the call.
    guard("js_ObjectStore", || unsafe {
        not_null(new_obs, "new_obs")?;
        let js = js_arc(js)?;
        let b = name_arg(bucket, "bucket")?;
        let s = js.object_store(&b)?;
        write_out(new_obs, box_into_raw::<objStore>(s));
        Ok(())
    })
}

/// Deletes a bucket and all its objects.
#[no_mangle]
pub unsafe extern "C" fn js_DeleteObjectStore(js: *mut jsCtx, bucket: *const c_char) -> natsStatus {
    // SAFETY: every pointer is NULL (refused) or the program's, valid during the call.
    guard("js_DeleteObjectStore", || unsafe {
        let js = js_arc(js)?;
        let b = name_arg(bucket, "bucket")?;
        js.delete_object_store(&b)
    })
}

/// The names of the account's buckets (`NATS_NOT_FOUND` when there are none).
#[no_mangle]
pub unsafe extern "C" fn js_ObjectStoreNames(new_list: *mut *mut objStoreNamesList, js: *mut jsCtx) -> natsStatus {
    // SAFETY: every pointer is NULL (refused) or the program's, valid during the call.
    guard("js_ObjectStoreNames", || unsafe {
        not_null(new_list, "new_list")?;
        let js = js_arc(js)?;
        let names = js.object_store_names()?;
        if names.is_empty() {
            return Err(Error::new(natsStatus::NATS_NOT_FOUND, "no object store found"));
        }
        let (list, count) = names_to_c(&names);
        write_out(
            new_list,
            boxed(objStoreNamesList {
                List: list,
                Count: count,
            }),
        );
        Ok(())
    })
}

/// Frees a list from `js_ObjectStoreNames` (NULL: nothing).
#[no_mangle]
pub unsafe extern "C" fn objStoreNamesList_Destroy(list: *mut objStoreNamesList) {
    // SAFETY: NULL or a list from js_ObjectStoreNames, given up by the program.
    guard_or("objStoreNamesList_Destroy", (), || unsafe {
        if let Some(l) = list.as_ref() {
            free_names(l.List, l.Count);
            free(list);
        }
        Ok(())
    })
}

/// The status of every bucket of the account (`NATS_NOT_FOUND` when none).
#[no_mangle]
pub unsafe extern "C" fn js_ObjectStoreStatuses(
    new_list: *mut *mut objStoreStatusesList,
    js: *mut jsCtx,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused) or the program's, valid during the call.
    guard("js_ObjectStoreStatuses", || unsafe {
        not_null(new_list, "new_list")?;
        let js = js_arc(js)?;
        let all = js.object_store_statuses()?;
        if all.is_empty() {
            return Err(Error::new(natsStatus::NATS_NOT_FOUND, "no object store found"));
        }
        let (list, count) = array(all.iter().map(status_to_c).collect());
        write_out(
            new_list,
            boxed(objStoreStatusesList {
                List: list,
                Count: count,
            }),
        );
        Ok(())
    })
}

/// Frees a list from `js_ObjectStoreStatuses` (NULL: nothing).
#[no_mangle]
pub unsafe extern "C" fn objStoreStatusesList_Destroy(list: *mut objStoreStatusesList) {
    // SAFETY: NULL or a list from js_ObjectStoreStatuses, given up by the program.
    guard_or("objStoreStatusesList_Destroy", (), || unsafe {
        if let Some(l) = list.as_ref() {
            free_list(list, l.List, l.Count, free_status);
        }
        Ok(())
    })
}

/// Frees a bucket handle (NULL: nothing). Objects and the bucket stay.
#[no_mangle]
pub unsafe extern "C" fn objStore_Destroy(obs: *mut objStore) {
    // SAFETY: NULL or a handle of the program, given up with this call.
    guard_or("objStore_Destroy", (), || unsafe {
        drop(box_take::<objStore>(obs));
        Ok(())
    })
}

/// The bucket's status.
#[no_mangle]
pub unsafe extern "C" fn objStore_Status(new_status: *mut *mut objStoreStatus, obs: *mut objStore) -> natsStatus {
    // SAFETY: every pointer is NULL (refused) or the program's, valid during the call.
    guard("objStore_Status", || unsafe {
        not_null(new_status, "new_status")?;
        let s = obs_ref(obs)?.status()?;
        write_out(new_status, status_to_c(&s));
        Ok(())
    })
}

/// Frees a status (NULL: nothing).
#[no_mangle]
pub unsafe extern "C" fn objStoreStatus_Destroy(status: *mut objStoreStatus) {
    // SAFETY: NULL or a status from this library, given up by the program.
    guard_or("objStoreStatus_Destroy", (), || unsafe {
        free_status(status);
        Ok(())
    })
}

/// Seals the bucket: no more changes.
#[no_mangle]
pub unsafe extern "C" fn objStore_Seal(obs: *mut objStore) -> natsStatus {
    // SAFETY: `obs` is NULL (refused) or a live handle.
    guard("objStore_Seal", || unsafe { obs_ref(obs)?.seal() })
}

// ---------------------------------------------------------------------
// Object information

/// An object's information (`NATS_NOT_FOUND` when it does not exist or is
/// deleted and `opts->ShowDeleted` is not set).
#[no_mangle]
pub unsafe extern "C" fn objStore_GetInfo(
    new_info: *mut *mut objStoreInfo,
    obs: *mut objStore,
    name: *const c_char,
    opts: *mut objStoreOptions,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused or optional) or the program's.
    guard("objStore_GetInfo", || unsafe {
        not_null(new_info, "new_info")?;
        let s = obs_ref(obs)?;
        let n = name_arg(name, "name")?;
        let i = s.get_info(&n, show_deleted(opts))?;
        write_out(new_info, info_to_c(&i));
        Ok(())
    })
}

/// Frees an object's information (NULL: nothing).
#[no_mangle]
pub unsafe extern "C" fn objStoreInfo_Destroy(info: *mut objStoreInfo) {
    // SAFETY: NULL or an info from this library, given up by the program.
    guard_or("objStoreInfo_Destroy", (), || unsafe {
        free_info(info);
        Ok(())
    })
}

/// Changes an object's meta (name, description, headers, metadata).
#[no_mangle]
pub unsafe extern "C" fn objStore_UpdateMeta(
    obs: *mut objStore,
    name: *const c_char,
    meta: *mut objStoreMeta,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused) or the program's.
    guard("objStore_UpdateMeta", || unsafe {
        let s = obs_ref(obs)?;
        let n = name_arg(name, "name")?;
        not_null(meta, "meta")?;
        let m = meta_from_c(&*meta)?;
        s.update_meta(&n, &m)
    })
}

/// Deletes an object (its chunks are purged, a delete marker stays).
#[no_mangle]
pub unsafe extern "C" fn objStore_Delete(obs: *mut objStore, name: *const c_char) -> natsStatus {
    // SAFETY: every pointer is NULL (refused) or the program's.
    guard("objStore_Delete", || unsafe {
        let s = obs_ref(obs)?;
        let n = name_arg(name, "name")?;
        s.delete(&n)
    })
}

/// Adds a link named `name` to the object `obj`.
#[no_mangle]
pub unsafe extern "C" fn objStore_AddLink(
    new_info: *mut *mut objStoreInfo,
    obs: *mut objStore,
    name: *const c_char,
    obj: *mut objStoreInfo,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused or optional) or the program's.
    guard("objStore_AddLink", || unsafe {
        let s = obs_ref(obs)?;
        let n = name_arg(name, "name")?;
        not_null(obj, "obj")?;
        let o = info_from_c(&*obj)?;
        let i = s.add_link(&n, &o)?;
        if !new_info.is_null() {
            write_out(new_info, info_to_c(&i));
        }
        Ok(())
    })
}

/// Adds a link named `name` to the bucket `bucket`.
#[no_mangle]
pub unsafe extern "C" fn objStore_AddBucketLink(
    new_info: *mut *mut objStoreInfo,
    obs: *mut objStore,
    name: *const c_char,
    bucket: *mut objStore,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused or optional) or the program's.
    guard("objStore_AddBucketLink", || unsafe {
        let s = obs_ref(obs)?;
        let n = name_arg(name, "name")?;
        let b = box_ref::<objStore>(bucket, "bucket")?;
        let i = s.add_bucket_link(&n, b)?;
        if !new_info.is_null() {
            write_out(new_info, info_to_c(&i));
        }
        Ok(())
    })
}

/// The information of every object of the bucket (`NATS_NOT_FOUND` when
/// there is none).
#[no_mangle]
pub unsafe extern "C" fn objStore_List(
    new_list: *mut *mut objStoreInfoList,
    obs: *mut objStore,
    opts: *mut objStoreOptions,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused or optional) or the program's.
    guard("objStore_List", || unsafe {
        not_null(new_list, "new_list")?;
        let s = obs_ref(obs)?;
        let all = s.list(show_deleted(opts))?;
        if all.is_empty() {
            return Err(Error::new(natsStatus::NATS_NOT_FOUND, "no objects found"));
        }
        let (list, count) = array(all.iter().map(info_to_c).collect());
        write_out(
            new_list,
            boxed(objStoreInfoList {
                List: list,
                Count: count,
            }),
        );
        Ok(())
    })
}

/// Frees a list from `objStore_List` (NULL: nothing).
#[no_mangle]
pub unsafe extern "C" fn objStoreInfoList_Destroy(list: *mut objStoreInfoList) {
    // SAFETY: NULL or a list from objStore_List, given up by the program.
    guard_or("objStoreInfoList_Destroy", (), || unsafe {
        if let Some(l) = list.as_ref() {
            free_list(list, l.List, l.Count, free_info);
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------
// Watchers

/// The watcher behind an `objStoreWatcher`. `Next` waits in slices of at
/// most [`WATCH_SLICE_MS`], releasing the lock between them, so that `Stop`
/// from another thread gets it quickly.
pub struct WatcherState {
    w: Mutex<ObjectWatcher>,
}

/// The longest `objStoreWatcher_Next` holds the watcher's lock at a time.
const WATCH_SLICE_MS: i64 = 100;

impl WatcherState {
    fn lock(&self) -> std::sync::MutexGuard<'_, ObjectWatcher> {
        self.w.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn next(&self, timeout: i64) -> Result<Option<ObjectInfo>> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(timeout as u64);
        loop {
            let left = deadline
                .saturating_duration_since(std::time::Instant::now())
                .as_millis() as i64;
            let slice = left.clamp(1, WATCH_SLICE_MS);
            match self.lock().next(slice) {
                Err(e) if e.status == natsStatus::NATS_TIMEOUT && left > slice => continue,
                r => return r,
            }
        }
    }
}

/// Watches the bucket's objects: the current ones first, then a NULL info
/// (initial values done), then every change.
#[no_mangle]
pub unsafe extern "C" fn objStore_Watch(
    new_watcher: *mut *mut objStoreWatcher,
    obs: *mut objStore,
    opts: *mut objStoreWatchOptions,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused or optional) or the program's.
    guard("objStore_Watch", || unsafe {
        not_null(new_watcher, "new_watcher")?;
        let s = obs_ref(obs)?;
        let o = match opts.as_ref() {
            None => WatchOptions::default(),
            Some(o) => WatchOptions {
                ignore_deletes: o.IgnoreDeletes,
                updates_only: o.UpdatesOnly,
                ..WatchOptions::default()
            },
        };
        let w = s.watch(&o)?;
        write_out(
            new_watcher,
            box_into_raw::<objStoreWatcher>(WatcherState { w: Mutex::new(w) }),
        );
        Ok(())
    })
}

/// The next change (NULL once, when the current objects have all been
/// given); `NATS_TIMEOUT` after `timeout` ms.
#[no_mangle]
pub unsafe extern "C" fn objStoreWatcher_Next(
    new_info: *mut *mut objStoreInfo,
    watcher: *mut objStoreWatcher,
    timeout: i64,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused) or the program's.
    guard("objStoreWatcher_Next", || unsafe {
        not_null(new_info, "new_info")?;
        write_out(new_info, ptr::null_mut());
        let w = box_ref::<objStoreWatcher>(watcher, "watcher")?;
        positive_timeout(timeout)?;
        if let Some(i) = w.next(timeout)? {
            write_out(new_info, info_to_c(&i));
        }
        Ok(())
    })
}

/// Stops the watcher: a blocked or later `Next` fails.
#[no_mangle]
pub unsafe extern "C" fn objStoreWatcher_Stop(watcher: *mut objStoreWatcher) -> natsStatus {
    // SAFETY: `watcher` is NULL (refused) or a live handle.
    guard("objStoreWatcher_Stop", || unsafe {
        box_ref::<objStoreWatcher>(watcher, "watcher")?.lock().stop();
        Ok(())
    })
}

/// Stops and frees the watcher (NULL: nothing).
#[no_mangle]
pub unsafe extern "C" fn objStoreWatcher_Destroy(watcher: *mut objStoreWatcher) {
    // SAFETY: NULL or a handle of the program, given up with this call.
    guard_or("objStoreWatcher_Destroy", (), || unsafe {
        // Dropping the core's watcher stops it.
        drop(box_take::<objStoreWatcher>(watcher));
        Ok(())
    })
}

// ---------------------------------------------------------------------
// Put

/// Starts putting the object `meta->Name`; give its content with
/// `objStorePut_Add` and finish with `objStorePut_Complete`.
#[no_mangle]
pub unsafe extern "C" fn objStore_Put(
    new_put: *mut *mut objStorePut,
    obs: *mut objStore,
    meta: *mut objStoreMeta,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused) or the program's.
    guard("objStore_Put", || unsafe {
        not_null(new_put, "new_put")?;
        let s = obs_ref(obs)?;
        not_null(meta, "meta")?;
        let m = meta_from_c(&*meta)?;
        let w = s.put(&m)?;
        write_out(new_put, box_into_raw::<objStorePut>(w));
        Ok(())
    })
}

/// Adds `dataLen` bytes to the object being put (published a chunk at a
/// time, with a bounded number of chunks awaiting their acks).
#[no_mangle]
pub unsafe extern "C" fn objStorePut_Add(put: *mut objStorePut, data: *const c_void, dataLen: c_int) -> natsStatus {
    // SAFETY: every pointer is NULL (refused) or the program's.
    guard("objStorePut_Add", || unsafe {
        let p = box_mut::<objStorePut>(put, "put")?;
        if dataLen < 0 {
            return Err(Error::invalid_arg(format!(
                "invalid argument: dataLen {dataLen} is negative"
            )));
        }
        if dataLen == 0 {
            return Ok(());
        }
        not_null(data, "data")?;
        p.add(std::slice::from_raw_parts(data as *const u8, dataLen as usize))
    })
}

/// Finishes the put (waiting at most `timeout` ms for the chunks' acks)
/// and gives the object's information (`new_info` may be NULL).
#[no_mangle]
pub unsafe extern "C" fn objStorePut_Complete(
    new_info: *mut *mut objStoreInfo,
    put: *mut objStorePut,
    timeout: i64,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused or optional) or the program's.
    guard("objStorePut_Complete", || unsafe {
        let p = box_mut::<objStorePut>(put, "put")?;
        positive_timeout(timeout)?;
        let i = p.complete(timeout)?;
        if !new_info.is_null() {
            write_out(new_info, info_to_c(&i));
        }
        Ok(())
    })
}

/// Frees a put (NULL: nothing); an uncompleted put is abandoned and its
/// chunks purged.
#[no_mangle]
pub unsafe extern "C" fn objStorePut_Destroy(put: *mut objStorePut) {
    // SAFETY: NULL or a handle of the program, given up with this call.
    guard_or("objStorePut_Destroy", (), || unsafe {
        // The core's writer purges the chunks of an uncompleted put.
        drop(box_take::<objStorePut>(put));
        Ok(())
    })
}

/// Puts the object `name` with the bytes of the string `data` (no NUL).
#[no_mangle]
pub unsafe extern "C" fn objStore_PutString(
    new_info: *mut *mut objStoreInfo,
    obs: *mut objStore,
    name: *const c_char,
    data: *const c_char,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused or optional) or the program's.
    guard("objStore_PutString", || unsafe {
        let s = obs_ref(obs)?;
        let n = name_arg(name, "name")?;
        let d = cstr::opt_bytes(data).unwrap_or(&[]);
        let i = s.put_bytes(&n, d)?;
        if !new_info.is_null() {
            write_out(new_info, info_to_c(&i));
        }
        Ok(())
    })
}

/// Puts the object `name` with `dataLen` bytes.
#[no_mangle]
pub unsafe extern "C" fn objStore_PutBytes(
    new_info: *mut *mut objStoreInfo,
    obs: *mut objStore,
    name: *const c_char,
    data: *const c_void,
    dataLen: c_int,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused or optional) or the program's.
    guard("objStore_PutBytes", || unsafe {
        let s = obs_ref(obs)?;
        let n = name_arg(name, "name")?;
        if dataLen < 0 || (dataLen > 0 && data.is_null()) {
            return Err(Error::invalid_arg(format!(
                "invalid argument: data/dataLen ({dataLen})"
            )));
        }
        let d: &[u8] = if dataLen == 0 {
            &[]
        } else {
            std::slice::from_raw_parts(data as *const u8, dataLen as usize)
        };
        let i = s.put_bytes(&n, d)?;
        if !new_info.is_null() {
            write_out(new_info, info_to_c(&i));
        }
        Ok(())
    })
}

/// Puts the file `fileName` (read in bounded memory) as the object of that name.
#[no_mangle]
pub unsafe extern "C" fn objStore_PutFile(
    new_info: *mut *mut objStoreInfo,
    obs: *mut objStore,
    fileName: *const c_char,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused or optional) or the program's.
    guard("objStore_PutFile", || unsafe {
        let s = obs_ref(obs)?;
        let f = name_arg(fileName, "fileName")?;
        let i = s.put_file(&f)?;
        if !new_info.is_null() {
            write_out(new_info, info_to_c(&i));
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------
// Get

/// An object being read, and its information as handed to C. `reader` is
/// None for a deleted object got with `ShowDeleted` (no content).
pub struct GetState {
    reader: Option<ObjectReader>,
    info: *mut objStoreInfo,
    done: bool,
}

impl GetState {
    /// The next chunk, None at the end.
    fn read_chunk(&mut self, timeout: i64) -> Result<Option<Vec<u8>>> {
        match &mut self.reader {
            Some(r) => r.read_chunk(timeout),
            None => Ok(None),
        }
    }
}

/// Opens the object `name` for reading. With `show_deleted`, a deleted
/// object is found too (its content is empty), as cnats does.
fn open_get(s: &ObjectStore, name: &str, show_deleted: bool) -> Result<GetState> {
    if show_deleted {
        let i = s.get_info(name, true)?;
        if i.deleted {
            return Ok(GetState {
                reader: None,
                info: info_to_c(&i),
                done: false,
            });
        }
    }
    let reader = s.get(name)?;
    let info = info_to_c(reader.info());
    Ok(GetState {
        reader: Some(reader),
        info,
        done: false,
    })
}

impl Drop for GetState {
    fn drop(&mut self) {
        // SAFETY: our block from `info_to_c`, freed once here.
        unsafe { free_info(self.info) };
    }
}

/// Starts reading the object `name` (a link to an object is followed).
#[no_mangle]
pub unsafe extern "C" fn objStore_Get(
    new_get: *mut *mut objStoreGet,
    obs: *mut objStore,
    name: *const c_char,
    opts: *mut objStoreOptions,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused or optional) or the program's.
    guard("objStore_Get", || unsafe {
        not_null(new_get, "new_get")?;
        let s = obs_ref(obs)?;
        let n = name_arg(name, "name")?;
        let g = open_get(s, &n, show_deleted(opts))?;
        write_out(new_get, box_into_raw::<objStoreGet>(g));
        Ok(())
    })
}

/// The information of the object being read (owned by `get`).
#[no_mangle]
pub unsafe extern "C" fn objStoreGet_Info(new_info: *mut *const objStoreInfo, get: *mut objStoreGet) -> natsStatus {
    // SAFETY: every pointer is NULL (refused) or the program's.
    guard("objStoreGet_Info", || unsafe {
        not_null(new_info, "new_info")?;
        let g = box_ref::<objStoreGet>(get, "get")?;
        write_out(new_info, g.info as *const objStoreInfo);
        Ok(())
    })
}

/// The next chunk of the object (`malloc`ed, freed by the program), or
/// `*done` true at the end (after the digest is checked).
#[no_mangle]
pub unsafe extern "C" fn objStoreGet_Read(
    done: *mut bool,
    new_data: *mut *mut c_void,
    dataLen: *mut c_int,
    get: *mut objStoreGet,
    timeout: i64,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused) or the program's.
    guard("objStoreGet_Read", || unsafe {
        not_null(done, "done")?;
        not_null(new_data, "new_data")?;
        not_null(dataLen, "dataLen")?;
        let g = box_mut::<objStoreGet>(get, "get")?;
        positive_timeout(timeout)?;
        write_out(done, false);
        write_out(new_data, ptr::null_mut());
        write_out(dataLen, 0);
        if g.done {
            return Err(Error::new(natsStatus::NATS_ILLEGAL_STATE, "object already read"));
        }
        match g.read_chunk(timeout)? {
            None => {
                g.done = true;
                write_out(done, true);
            }
            Some(c) => {
                write_out(dataLen, c_len(c.len())?);
                write_out(new_data, malloc_bytes(&c, false));
            }
        }
        Ok(())
    })
}

/// The rest of the object in one `malloc`ed block (NULL for no bytes).
#[no_mangle]
pub unsafe extern "C" fn objStoreGet_ReadAll(
    new_data: *mut *mut c_void,
    dataLen: *mut c_int,
    get: *mut objStoreGet,
    timeout: i64,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused) or the program's.
    guard("objStoreGet_ReadAll", || unsafe {
        not_null(new_data, "new_data")?;
        not_null(dataLen, "dataLen")?;
        let g = box_mut::<objStoreGet>(get, "get")?;
        positive_timeout(timeout)?;
        write_out(new_data, ptr::null_mut());
        write_out(dataLen, 0);
        let buf = read_all(g, timeout)?;
        write_out(dataLen, c_len(buf.len())?);
        write_out(new_data, malloc_bytes(&buf, false));
        Ok(())
    })
}

fn read_all(g: &mut GetState, timeout: i64) -> Result<Vec<u8>> {
    if g.done {
        return Err(Error::new(natsStatus::NATS_ILLEGAL_STATE, "object already read"));
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(timeout as u64);
    let mut buf = Vec::new();
    loop {
        let left = deadline
            .saturating_duration_since(std::time::Instant::now())
            .as_millis() as i64;
        if left <= 0 {
            return Err(Error::new(natsStatus::NATS_TIMEOUT, "timeout reading the object"));
        }
        match g.read_chunk(left)? {
            Some(c) => {
                buf.extend_from_slice(&c);
                c_len(buf.len())?;
            }
            None => break,
        }
    }
    g.done = true;
    Ok(buf)
}

/// The whole content of the object `name` (empty for a deleted object got
/// with `show_deleted`), read with the context's wait per chunk.
fn get_content(s: &ObjectStore, name: &str, show_deleted: bool) -> Result<Vec<u8>> {
    if show_deleted && s.get_info(name, true)?.deleted {
        return Ok(Vec::new());
    }
    s.get_bytes(name)
}

/// Frees a get (NULL: nothing); an unfinished read is abandoned.
#[no_mangle]
pub unsafe extern "C" fn objStoreGet_Destroy(get: *mut objStoreGet) {
    // SAFETY: NULL or a handle of the program, given up with this call.
    guard_or("objStoreGet_Destroy", (), || unsafe {
        drop(box_take::<objStoreGet>(get));
        Ok(())
    })
}

/// The object `name` as a NUL-terminated `malloc`ed string.
#[no_mangle]
pub unsafe extern "C" fn objStore_GetString(
    new_str: *mut *mut c_char,
    obs: *mut objStore,
    name: *const c_char,
    opts: *mut objStoreOptions,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused or optional) or the program's.
    guard("objStore_GetString", || unsafe {
        not_null(new_str, "new_str")?;
        write_out(new_str, ptr::null_mut());
        let s = obs_ref(obs)?;
        let n = name_arg(name, "name")?;
        let data = get_content(s, &n, show_deleted(opts))?;
        c_len(data.len())?;
        write_out(new_str, malloc_bytes(&data, true) as *mut c_char);
        Ok(())
    })
}

/// The object `name` in one `malloc`ed block (NULL for an empty object).
#[no_mangle]
pub unsafe extern "C" fn objStore_GetBytes(
    new_data: *mut *mut c_void,
    dataLen: *mut c_int,
    obs: *mut objStore,
    name: *const c_char,
    opts: *mut objStoreOptions,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused or optional) or the program's.
    guard("objStore_GetBytes", || unsafe {
        not_null(new_data, "new_data")?;
        not_null(dataLen, "dataLen")?;
        write_out(new_data, ptr::null_mut());
        write_out(dataLen, 0);
        let s = obs_ref(obs)?;
        let n = name_arg(name, "name")?;
        let data = get_content(s, &n, show_deleted(opts))?;
        write_out(dataLen, c_len(data.len())?);
        write_out(new_data, malloc_bytes(&data, false));
        Ok(())
    })
}

/// Writes the object `name` into the file `fileName` (bounded memory).
#[no_mangle]
pub unsafe extern "C" fn objStore_GetFile(
    obs: *mut objStore,
    name: *const c_char,
    fileName: *const c_char,
    opts: *mut objStoreOptions,
) -> natsStatus {
    // SAFETY: every pointer is NULL (refused or optional) or the program's.
    guard("objStore_GetFile", || unsafe {
        let s = obs_ref(obs)?;
        let n = name_arg(name, "name")?;
        let f = name_arg(fileName, "fileName")?;
        let _ = show_deleted(opts);
        s.get_file(&n, &f)?;
        Ok(())
    })
}

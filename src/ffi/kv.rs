//! The Key/Value functions of the C API (cnats 3.14's `kv*` and
//! `js_*KeyValue`), over `crate::kv`.
//!
//! Ownership, as with cnats: `kvStore`, `kvEntry`, `kvStatus` and
//! `kvWatcher` belong to the program, which frees them with their
//! `_Destroy`; an entry handed to a watch callback belongs to the program
//! too. `kvKeysList` / `kvEntryList` are the program's structs, filled with
//! `malloc`ed arrays that their `_Destroy` frees (and resets to empty).

use super::callbacks::kv_watch_callback;
use super::cstr;
use super::handle::{
    arc_clone, arc_into_raw, arc_ref, arc_take, box_into_raw, box_ref, box_take, ArcCastable, BoxCastable, Castable,
};
use super::js::js_ref;
use super::js_convert::{array, free, free_names, names_to_c, source_from_c, storage};
use super::js_types::{jsCtx, jsStreamSource};
use super::kv_types::{
    kvConfig, kvEntry, kvEntryList, kvKeysList, kvOperation, kvPurgeOptions, kvStatus, kvStore, kvWatchOptions,
    kvWatcher,
};
use super::{guard, guard_or, not_null, write_out};
use crate::error::{Error, Result};
use crate::js::RePublish;
use crate::kv::{Entry, KeyValue, KvConfig, KvStatus, Operation, PurgeOptions, WatchOptions, Watcher};
use crate::status::natsStatus;
use libc::{c_char, c_int, c_void};
use std::ffi::CString;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// A bucket with its name as a C string (for `kvStore_Bucket`).
pub(crate) struct KvHandle {
    kv: KeyValue,
    bucket: CString,
}

impl Castable for kvStore {
    type RustType = KvHandle;
}
impl ArcCastable for kvStore {}

/// An entry with C copies of its strings; `value` ends with a NUL (not
/// counted by `kvEntry_ValueLen`) so `kvEntry_ValueString` can return it.
pub(crate) struct CEntry {
    e: Entry,
    bucket: CString,
    key: CString,
    value: Vec<u8>,
}

impl Castable for kvEntry {
    type RustType = CEntry;
}
impl BoxCastable for kvEntry {}

/// A bucket status with its name as a C string.
pub(crate) struct CStatus {
    st: KvStatus,
    bucket: CString,
}

impl Castable for kvStatus {
    type RustType = CStatus;
}
impl BoxCastable for kvStatus {}

/// A watcher. Allocated before the core watcher starts, so a callback
/// always has its `kvWatcher *`; `stop_asked` records a `kvWatcher_Stop`
/// made (from a callback) before the core watcher is stored.
pub(crate) struct CWatcher {
    w: OnceLock<Watcher>,
    stop_asked: AtomicBool,
}

impl Castable for kvWatcher {
    type RustType = CWatcher;
}
impl ArcCastable for kvWatcher {}

fn c_string_lossy(s: &str) -> CString {
    CString::new(s.replace('\0', "")).unwrap_or_default()
}

pub(crate) fn entry_into_c(e: Entry) -> *mut kvEntry {
    let mut value = Vec::with_capacity(e.value.len() + 1);
    value.extend_from_slice(&e.value);
    value.push(0);
    box_into_raw::<kvEntry>(CEntry {
        bucket: c_string_lossy(&e.bucket),
        key: c_string_lossy(&e.key),
        value,
        e,
    })
}

fn op_to_c(op: Operation) -> kvOperation {
    match op {
        Operation::Unknown => kvOperation::kvOp_Unknown,
        Operation::Put => kvOperation::kvOp_Put,
        Operation::Delete => kvOperation::kvOp_Delete,
        Operation::Purge => kvOperation::kvOp_Purge,
    }
}

/// # Safety
/// `kv` is NULL or a live `kvStore` handle; the borrow ends with the call.
unsafe fn kv_ref<'a>(kv: *const kvStore) -> Result<&'a KeyValue> {
    // SAFETY: this function's contract is `arc_ref`'s.
    unsafe { arc_ref::<kvStore>(kv, "kv") }.map(|h| &h.kv)
}

/// Reads the program's bucket configuration (cnats' zero values mean the
/// defaults: unlimited value size and bucket size, one revision, one
/// replica).
///
/// # Safety
/// `c`'s strings and nested structs are NULL or valid during the call.
unsafe fn config_from_c(c: &kvConfig) -> Result<KvConfig> {
    // SAFETY: every pointer below belongs to `c` (contract).
    unsafe {
        let bucket = cstr::str(c.Bucket, "cfg.Bucket")?.to_string();
        let description = cstr::opt_str(c.Description, "cfg.Description")?
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let republish = match c.RePublish.as_ref() {
            None => None,
            Some(r) => Some(RePublish {
                source: cstr::opt_str(r.Source, "RePublish.Source")?.map(str::to_string),
                destination: cstr::str(r.Destination, "RePublish.Destination")?.to_string(),
                headers_only: r.HeadersOnly,
            }),
        };
        let mirror = source_from_c(c.Mirror, "Mirror.Name")?;
        let mut sources = Vec::new();
        if c.SourcesLen < 0 || (c.SourcesLen > 0 && c.Sources.is_null()) {
            return Err(Error::invalid_arg("invalid argument: 'cfg.Sources' / 'cfg.SourcesLen'"));
        }
        for i in 0..c.SourcesLen as usize {
            let p: *const jsStreamSource = *c.Sources.add(i);
            match source_from_c(p, "Sources.Name")? {
                Some(s) => sources.push(s),
                None => {
                    return Err(Error::invalid_arg(format!(
                        "invalid argument: 'cfg.Sources[{i}]' is NULL"
                    )))
                }
            }
        }
        Ok(KvConfig {
            bucket,
            description,
            max_value_size: if c.MaxValueSize == 0 { -1 } else { c.MaxValueSize },
            history: c.History.max(1),
            ttl: c.TTL,
            max_bytes: if c.MaxBytes == 0 { -1 } else { c.MaxBytes },
            storage: storage(c.StorageType)?,
            replicas: c.Replicas.max(1),
            republish,
            mirror,
            sources,
            limit_marker_ttl: c.LimitMarkerTTL,
            ..KvConfig::default()
        })
    }
}

/// # Safety
/// `o` is NULL or points to the program's options.
unsafe fn watch_options_from_c(o: *const kvWatchOptions) -> Option<WatchOptions> {
    // SAFETY: NULL or the program's struct (contract).
    let o = unsafe { o.as_ref() }?;
    Some(WatchOptions {
        ignore_deletes: o.IgnoreDeletes,
        include_history: o.IncludeHistory,
        meta_only: o.MetaOnly,
        timeout: o.Timeout,
        updates_only: o.UpdatesOnly,
        heartbeat: o.Heartbeat,
        resume_from_revision: o.ResumeFromRevision,
    })
}

/// # Safety
/// `o` is NULL or points to the program's options.
unsafe fn purge_options_from_c(o: *const kvPurgeOptions) -> Option<PurgeOptions> {
    // SAFETY: NULL or the program's struct (contract).
    let o = unsafe { o.as_ref() }?;
    Some(PurgeOptions {
        timeout: o.Timeout,
        delete_markers_older_than: o.DeleteMarkersOlderThan,
        ttl: o.TTL,
    })
}

/// The bytes of `data`/`len` (NULL with 0: empty).
///
/// # Safety
/// `data` is NULL or points to `len` readable bytes.
unsafe fn value<'a>(data: *const c_void, len: c_int) -> Result<&'a [u8]> {
    if len < 0 {
        return Err(Error::invalid_arg("invalid argument: 'len' is negative"));
    }
    if len == 0 {
        return Ok(&[]);
    }
    not_null(data, "data")?;
    // SAFETY: `data` has `len` bytes (contract).
    Ok(unsafe { std::slice::from_raw_parts(data as *const u8, len as usize) })
}

/// The bytes of a C string value (NULL: empty, as cnats).
///
/// # Safety
/// `data` is NULL or a NUL-terminated string.
unsafe fn string_value<'a>(data: *const c_char) -> &'a [u8] {
    // SAFETY: contract.
    unsafe { cstr::opt_bytes(data) }.unwrap_or(&[])
}

/// Stores `r` in the optional revision output.
///
/// # Safety
/// `rev` is NULL or writable.
unsafe fn put_rev(rev: *mut u64, r: u64) {
    if !rev.is_null() {
        // SAFETY: not NULL, the program's storage (contract).
        unsafe { write_out(rev, r) };
    }
}

/// Clears an optional revision output before the call.
///
/// # Safety
/// `rev` is NULL or writable.
unsafe fn clear_rev(rev: *mut u64) {
    // SAFETY: contract.
    unsafe { put_rev(rev, 0) }
}

// ---------------------------------------------------------------------
// Buckets

/// Creates a bucket (an identical existing one is bound) and returns it.
#[no_mangle]
pub unsafe extern "C" fn js_CreateKeyValue(
    new_kv: *mut *mut kvStore,
    js: *mut jsCtx,
    cfg: *mut kvConfig,
) -> natsStatus {
    // SAFETY: NULL pointers are refused; the others are the program's live
    // handles and structs (cnats' contract).
    guard("js_CreateKeyValue", || unsafe {
        not_null(new_kv, "new_kv")?;
        write_out(new_kv, ptr::null_mut());
        let js = js_ref(js)?;
        not_null(cfg, "cfg")?;
        let c = config_from_c(&*cfg)?;
        let kv = js.create_key_value(&c)?;
        write_out(new_kv, new_handle(kv));
        Ok(())
    })
}

fn new_handle(kv: KeyValue) -> *mut kvStore {
    let bucket = c_string_lossy(kv.bucket());
    arc_into_raw::<kvStore>(Arc::new(KvHandle { kv, bucket }))
}

/// Binds to an existing bucket (`NATS_NOT_FOUND` when there is none).
#[no_mangle]
pub unsafe extern "C" fn js_KeyValue(new_kv: *mut *mut kvStore, js: *mut jsCtx, bucket: *const c_char) -> natsStatus {
    // SAFETY: NULL pointers are refused; the others are the program's.
    guard("js_KeyValue", || unsafe {
        not_null(new_kv, "new_kv")?;
        write_out(new_kv, ptr::null_mut());
        let js = js_ref(js)?;
        let b = cstr::str(bucket, "bucket")?;
        let kv = js.key_value(b)?;
        write_out(new_kv, new_handle(kv));
        Ok(())
    })
}

/// Deletes a bucket and everything in it.
#[no_mangle]
pub unsafe extern "C" fn js_DeleteKeyValue(js: *mut jsCtx, bucket: *const c_char) -> natsStatus {
    // SAFETY: NULL pointers are refused; the others are the program's.
    guard("js_DeleteKeyValue", || unsafe {
        let js = js_ref(js)?;
        js.delete_key_value(cstr::str(bucket, "bucket")?)
    })
}

/// Frees a bucket handle (NULL: nothing).
#[no_mangle]
pub unsafe extern "C" fn kvStore_Destroy(kv: *mut kvStore) {
    // SAFETY: NULL or the program's handle, not used afterwards.
    guard_or("kvStore_Destroy", (), || unsafe {
        drop(arc_take::<kvStore>(kv));
        Ok(())
    })
}

/// The bucket's name (NULL for a NULL handle); valid while the handle is.
#[no_mangle]
pub unsafe extern "C" fn kvStore_Bucket(kv: *const kvStore) -> *const c_char {
    // SAFETY: NULL (refused) or the program's live handle.
    guard_or("kvStore_Bucket", ptr::null(), || unsafe {
        Ok(arc_ref::<kvStore>(kv, "kv")?.bucket.as_ptr())
    })
}

/// The status of the bucket, freed with `kvStatus_Destroy`.
#[no_mangle]
pub unsafe extern "C" fn kvStore_Status(new_status: *mut *mut kvStatus, kv: *mut kvStore) -> natsStatus {
    // SAFETY: NULL pointers are refused; the others are the program's.
    guard("kvStore_Status", || unsafe {
        not_null(new_status, "new_status")?;
        write_out(new_status, ptr::null_mut());
        let st = kv_ref(kv)?.status()?;
        let bucket = c_string_lossy(&st.bucket);
        write_out(new_status, box_into_raw::<kvStatus>(CStatus { st, bucket }));
        Ok(())
    })
}

// ---------------------------------------------------------------------
// Reading and writing

/// The last value of `key` (`NATS_NOT_FOUND` when it has none or was
/// deleted).
#[no_mangle]
pub unsafe extern "C" fn kvStore_Get(new_entry: *mut *mut kvEntry, kv: *mut kvStore, key: *const c_char) -> natsStatus {
    // SAFETY: NULL pointers are refused; the others are the program's.
    guard("kvStore_Get", || unsafe {
        not_null(new_entry, "new_entry")?;
        write_out(new_entry, ptr::null_mut());
        let kv = kv_ref(kv)?;
        let e = kv.get(cstr::str(key, "key")?)?;
        write_out(new_entry, entry_into_c(e));
        Ok(())
    })
}

/// The value of `key` at `revision`.
#[no_mangle]
pub unsafe extern "C" fn kvStore_GetRevision(
    new_entry: *mut *mut kvEntry,
    kv: *mut kvStore,
    key: *const c_char,
    revision: u64,
) -> natsStatus {
    // SAFETY: NULL pointers are refused; the others are the program's.
    guard("kvStore_GetRevision", || unsafe {
        not_null(new_entry, "new_entry")?;
        write_out(new_entry, ptr::null_mut());
        let kv = kv_ref(kv)?;
        let e = kv.get_revision(cstr::str(key, "key")?, revision)?;
        write_out(new_entry, entry_into_c(e));
        Ok(())
    })
}

/// Stores a value; `rev` (optional) receives its revision.
#[no_mangle]
pub unsafe extern "C" fn kvStore_Put(
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    data: *const c_void,
    len: c_int,
) -> natsStatus {
    // SAFETY: NULL pointers are refused (rev is optional); the others are the program's.
    guard("kvStore_Put", || unsafe {
        clear_rev(rev);
        let kv = kv_ref(kv)?;
        let r = kv.put(cstr::str(key, "key")?, value(data, len)?)?;
        put_rev(rev, r);
        Ok(())
    })
}

/// Stores a string value (NULL: empty).
#[no_mangle]
pub unsafe extern "C" fn kvStore_PutString(
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    data: *const c_char,
) -> natsStatus {
    // SAFETY: as kvStore_Put; `data` is NULL or a C string.
    guard("kvStore_PutString", || unsafe {
        clear_rev(rev);
        let kv = kv_ref(kv)?;
        let r = kv.put(cstr::str(key, "key")?, string_value(data))?;
        put_rev(rev, r);
        Ok(())
    })
}

/// Stores a value only if the key has none (or its last is a marker).
#[no_mangle]
pub unsafe extern "C" fn kvStore_Create(
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    data: *const c_void,
    len: c_int,
) -> natsStatus {
    // SAFETY: as kvStore_Put.
    guard("kvStore_Create", || unsafe {
        clear_rev(rev);
        let kv = kv_ref(kv)?;
        let r = kv.create(cstr::str(key, "key")?, value(data, len)?)?;
        put_rev(rev, r);
        Ok(())
    })
}

/// `kvStore_Create` with a string value.
#[no_mangle]
pub unsafe extern "C" fn kvStore_CreateString(
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    data: *const c_char,
) -> natsStatus {
    // SAFETY: as kvStore_PutString.
    guard("kvStore_CreateString", || unsafe {
        clear_rev(rev);
        let kv = kv_ref(kv)?;
        let r = kv.create(cstr::str(key, "key")?, string_value(data))?;
        put_rev(rev, r);
        Ok(())
    })
}

/// `kvStore_Create` with a per-key TTL in milliseconds (<= 0: none).
#[no_mangle]
pub unsafe extern "C" fn kvStore_CreateWithTTL(
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    data: *const c_void,
    len: c_int,
    ttl: i64,
) -> natsStatus {
    // SAFETY: as kvStore_Put.
    guard("kvStore_CreateWithTTL", || unsafe {
        clear_rev(rev);
        let kv = kv_ref(kv)?;
        let r = kv.create_with_ttl(cstr::str(key, "key")?, value(data, len)?, ttl)?;
        put_rev(rev, r);
        Ok(())
    })
}

/// `kvStore_CreateWithTTL` with a string value.
#[no_mangle]
pub unsafe extern "C" fn kvStore_CreateStringWithTTL(
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    data: *const c_char,
    ttl: i64,
) -> natsStatus {
    // SAFETY: as kvStore_PutString.
    guard("kvStore_CreateStringWithTTL", || unsafe {
        clear_rev(rev);
        let kv = kv_ref(kv)?;
        let r = kv.create_with_ttl(cstr::str(key, "key")?, string_value(data), ttl)?;
        put_rev(rev, r);
        Ok(())
    })
}

/// Stores a value only if the key's last revision is `last`.
#[no_mangle]
pub unsafe extern "C" fn kvStore_Update(
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    data: *const c_void,
    len: c_int,
    last: u64,
) -> natsStatus {
    // SAFETY: as kvStore_Put.
    guard("kvStore_Update", || unsafe {
        clear_rev(rev);
        let kv = kv_ref(kv)?;
        let r = kv.update(cstr::str(key, "key")?, value(data, len)?, last)?;
        put_rev(rev, r);
        Ok(())
    })
}

/// `kvStore_Update` with a string value.
#[no_mangle]
pub unsafe extern "C" fn kvStore_UpdateString(
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    data: *const c_char,
    last: u64,
) -> natsStatus {
    // SAFETY: as kvStore_PutString.
    guard("kvStore_UpdateString", || unsafe {
        clear_rev(rev);
        let kv = kv_ref(kv)?;
        let r = kv.update(cstr::str(key, "key")?, string_value(data), last)?;
        put_rev(rev, r);
        Ok(())
    })
}

/// `kvStore_Update` with a per-key TTL in milliseconds (<= 0: none).
#[no_mangle]
pub unsafe extern "C" fn kvStore_UpdateWithTTL(
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    data: *const c_void,
    len: c_int,
    last: u64,
    ttl: i64,
) -> natsStatus {
    // SAFETY: as kvStore_Put.
    guard("kvStore_UpdateWithTTL", || unsafe {
        clear_rev(rev);
        let kv = kv_ref(kv)?;
        let r = kv.update_with_ttl(cstr::str(key, "key")?, value(data, len)?, last, ttl)?;
        put_rev(rev, r);
        Ok(())
    })
}

/// `kvStore_UpdateWithTTL` with a string value.
#[no_mangle]
pub unsafe extern "C" fn kvStore_UpdateStringWithTTL(
    rev: *mut u64,
    kv: *mut kvStore,
    key: *const c_char,
    data: *const c_char,
    last: u64,
    ttl: i64,
) -> natsStatus {
    // SAFETY: as kvStore_PutString.
    guard("kvStore_UpdateStringWithTTL", || unsafe {
        clear_rev(rev);
        let kv = kv_ref(kv)?;
        let r = kv.update_with_ttl(cstr::str(key, "key")?, string_value(data), last, ttl)?;
        put_rev(rev, r);
        Ok(())
    })
}

/// Writes a delete marker for `key` (its history is kept).
#[no_mangle]
pub unsafe extern "C" fn kvStore_Delete(kv: *mut kvStore, key: *const c_char) -> natsStatus {
    // SAFETY: NULL pointers are refused; the others are the program's.
    guard("kvStore_Delete", || unsafe {
        kv_ref(kv)?.delete(cstr::str(key, "key")?)
    })
}

/// Writes a purge marker for `key`, removing its earlier revisions.
#[no_mangle]
pub unsafe extern "C" fn kvStore_Purge(
    kv: *mut kvStore,
    key: *const c_char,
    opts: *const kvPurgeOptions,
) -> natsStatus {
    // SAFETY: NULL pointers are refused (opts is optional); the others are the program's.
    guard("kvStore_Purge", || unsafe {
        let kv = kv_ref(kv)?;
        let o = purge_options_from_c(opts);
        kv.purge(cstr::str(key, "key")?, o.as_ref())
    })
}

/// Removes the keys whose last revision is a delete or purge marker.
#[no_mangle]
pub unsafe extern "C" fn kvStore_PurgeDeletes(kv: *mut kvStore, opts: *const kvPurgeOptions) -> natsStatus {
    // SAFETY: as kvStore_Purge.
    guard("kvStore_PurgeDeletes", || unsafe {
        let kv = kv_ref(kv)?;
        let o = purge_options_from_c(opts);
        kv.purge_deletes(o.as_ref())
    })
}

// ---------------------------------------------------------------------
// Keys and history

/// # Safety
/// `p` is NULL or points to `n` C strings.
unsafe fn str_array<'a>(p: *const *const c_char, n: c_int, name: &str) -> Result<Vec<&'a str>> {
    if n <= 0 {
        return Err(Error::invalid_arg(format!("invalid argument: '{name}' is empty")));
    }
    not_null(p, name)?;
    (0..n as usize)
        // SAFETY: `p` has `n` entries, each NULL (refused) or a C string.
        .map(|i| unsafe { cstr::str(*p.add(i), name) })
        .collect()
}

/// The keys with a value, in a list freed by `kvKeysList_Destroy`.
#[no_mangle]
pub unsafe extern "C" fn kvStore_Keys(
    list: *mut kvKeysList,
    kv: *mut kvStore,
    opts: *const kvWatchOptions,
) -> natsStatus {
    // SAFETY: NULL pointers are refused (opts is optional); the others are the program's.
    guard("kvStore_Keys", || unsafe { keys(list, kv, &[], opts) })
}

/// The keys with a value matching one of `filters`.
#[no_mangle]
pub unsafe extern "C" fn kvStore_KeysWithFilters(
    list: *mut kvKeysList,
    kv: *mut kvStore,
    filters: *mut *const c_char,
    numFilters: c_int,
    opts: *const kvWatchOptions,
) -> natsStatus {
    // SAFETY: as kvStore_Keys; `filters` has `numFilters` C strings.
    guard("kvStore_KeysWithFilters", || unsafe {
        not_null(list, "list")?;
        write_out(
            list,
            kvKeysList {
                Keys: ptr::null_mut(),
                Count: 0,
            },
        );
        let f = str_array(filters, numFilters, "filters")?;
        keys(list, kv, &f, opts)
    })
}

/// # Safety
/// As `kvStore_Keys`.
unsafe fn keys(list: *mut kvKeysList, kv: *mut kvStore, filters: &[&str], opts: *const kvWatchOptions) -> Result<()> {
    not_null(list, "list")?;
    // SAFETY: not NULL, the program's struct (contract).
    unsafe {
        write_out(
            list,
            kvKeysList {
                Keys: ptr::null_mut(),
                Count: 0,
            },
        )
    };
    // SAFETY: contract.
    let kv = unsafe { kv_ref(kv) }?;
    // SAFETY: contract.
    let o = unsafe { watch_options_from_c(opts) };
    let k = kv.keys(filters, o.as_ref())?;
    let (p, n) = names_to_c(&k);
    // SAFETY: checked above.
    unsafe { write_out(list, kvKeysList { Keys: p, Count: n }) };
    Ok(())
}

/// Frees the keys of a list and empties it (NULL: nothing).
#[no_mangle]
pub unsafe extern "C" fn kvKeysList_Destroy(list: *mut kvKeysList) {
    // SAFETY: NULL or the program's list filled by kvStore_Keys*.
    guard_or("kvKeysList_Destroy", (), || unsafe {
        if let Some(l) = list.as_mut() {
            free_names(l.Keys, l.Count);
            l.Keys = ptr::null_mut();
            l.Count = 0;
        }
        Ok(())
    })
}

/// Every revision kept of `key` (markers included), in a list freed by
/// `kvEntryList_Destroy`.
#[no_mangle]
pub unsafe extern "C" fn kvStore_History(
    list: *mut kvEntryList,
    kv: *mut kvStore,
    key: *const c_char,
    opts: *const kvWatchOptions,
) -> natsStatus {
    // SAFETY: NULL pointers are refused (opts is optional); the others are the program's.
    guard("kvStore_History", || unsafe {
        not_null(list, "list")?;
        write_out(
            list,
            kvEntryList {
                Entries: ptr::null_mut(),
                Count: 0,
            },
        );
        let kv = kv_ref(kv)?;
        let o = watch_options_from_c(opts);
        let h = kv.history(cstr::str(key, "key")?, o.as_ref())?;
        let (p, n) = array(h.into_iter().map(entry_into_c).collect());
        write_out(list, kvEntryList { Entries: p, Count: n });
        Ok(())
    })
}

/// Frees the entries of a list and empties it (NULL: nothing).
#[no_mangle]
pub unsafe extern "C" fn kvEntryList_Destroy(list: *mut kvEntryList) {
    // SAFETY: NULL or the program's list filled by kvStore_History.
    guard_or("kvEntryList_Destroy", (), || unsafe {
        if let Some(l) = list.as_mut() {
            if !l.Entries.is_null() {
                for i in 0..l.Count.max(0) as usize {
                    drop(box_take::<kvEntry>(*l.Entries.add(i)));
                }
                free(l.Entries);
            }
            l.Entries = ptr::null_mut();
            l.Count = 0;
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------
// Entries

/// The entry's bucket (NULL for NULL); valid while the entry is.
#[no_mangle]
pub unsafe extern "C" fn kvEntry_Bucket(e: *const kvEntry) -> *const c_char {
    // SAFETY: NULL (fallback) or the program's live entry.
    guard_or("kvEntry_Bucket", ptr::null(), || unsafe {
        let c = box_ref::<kvEntry>(e, "e")?;
        Ok(c.bucket.as_ptr())
    })
}

/// The entry's key (NULL for NULL); valid while the entry is.
#[no_mangle]
pub unsafe extern "C" fn kvEntry_Key(e: *const kvEntry) -> *const c_char {
    // SAFETY: NULL (fallback) or the program's live entry.
    guard_or("kvEntry_Key", ptr::null(), || unsafe {
        let c = box_ref::<kvEntry>(e, "e")?;
        Ok(c.key.as_ptr())
    })
}

/// The entry's value (NULL for NULL); valid while the entry is.
#[no_mangle]
pub unsafe extern "C" fn kvEntry_Value(e: *const kvEntry) -> *const c_void {
    // SAFETY: NULL (fallback) or the program's live entry.
    guard_or("kvEntry_Value", ptr::null(), || unsafe {
        let c = box_ref::<kvEntry>(e, "e")?;
        Ok(c.value.as_ptr() as *const c_void)
    })
}

/// The length of the entry's value (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn kvEntry_ValueLen(e: *const kvEntry) -> c_int {
    // SAFETY: NULL (fallback) or the program's live entry.
    guard_or("kvEntry_ValueLen", 0, || unsafe {
        let c = box_ref::<kvEntry>(e, "e")?;
        Ok(c_int::try_from(c.e.value.len()).unwrap_or(c_int::MAX))
    })
}

/// The entry's value as a NUL-terminated string (NULL for NULL).
#[no_mangle]
pub unsafe extern "C" fn kvEntry_ValueString(e: *const kvEntry) -> *const c_char {
    // SAFETY: NULL (fallback) or the program's live entry.
    guard_or("kvEntry_ValueString", ptr::null(), || unsafe {
        let c = box_ref::<kvEntry>(e, "e")?;
        Ok(c.value.as_ptr() as *const c_char)
    })
}

/// The entry's revision (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn kvEntry_Revision(e: *const kvEntry) -> u64 {
    // SAFETY: NULL (fallback) or the program's live entry.
    guard_or("kvEntry_Revision", 0, || unsafe {
        let c = box_ref::<kvEntry>(e, "e")?;
        Ok(c.e.revision)
    })
}

/// When the entry was stored, in nanoseconds since the epoch (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn kvEntry_Created(e: *const kvEntry) -> i64 {
    // SAFETY: NULL (fallback) or the program's live entry.
    guard_or("kvEntry_Created", 0, || unsafe {
        let c = box_ref::<kvEntry>(e, "e")?;
        Ok(c.e.created)
    })
}

/// Entries after this one when it was delivered to a watcher (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn kvEntry_Delta(e: *const kvEntry) -> u64 {
    // SAFETY: NULL (fallback) or the program's live entry.
    guard_or("kvEntry_Delta", 0, || unsafe {
        let c = box_ref::<kvEntry>(e, "e")?;
        Ok(c.e.delta)
    })
}

/// What the entry records (`kvOp_Unknown` for NULL).
#[no_mangle]
pub unsafe extern "C" fn kvEntry_Operation(e: *const kvEntry) -> kvOperation {
    // SAFETY: NULL (fallback) or the program's live entry.
    guard_or("kvEntry_Operation", kvOperation::kvOp_Unknown, || unsafe {
        let c = box_ref::<kvEntry>(e, "e")?;
        Ok(op_to_c(c.e.operation))
    })
}

/// Frees an entry (NULL: nothing).
#[no_mangle]
pub unsafe extern "C" fn kvEntry_Destroy(e: *mut kvEntry) {
    // SAFETY: NULL or the program's entry, not used afterwards.
    guard_or("kvEntry_Destroy", (), || unsafe {
        drop(box_take::<kvEntry>(e));
        Ok(())
    })
}

// ---------------------------------------------------------------------
// Status

/// The bucket's name (NULL for NULL); valid while the status is.
#[no_mangle]
pub unsafe extern "C" fn kvStatus_Bucket(sts: *const kvStatus) -> *const c_char {
    // SAFETY: NULL (fallback) or the program's live status.
    guard_or("kvStatus_Bucket", ptr::null(), || unsafe {
        let s = box_ref::<kvStatus>(sts, "sts")?;
        Ok(s.bucket.as_ptr())
    })
}

/// Messages stored (values and markers of every revision).
#[no_mangle]
pub unsafe extern "C" fn kvStatus_Values(sts: *const kvStatus) -> u64 {
    // SAFETY: NULL (fallback) or the program's live status.
    guard_or("kvStatus_Values", 0, || unsafe {
        let s = box_ref::<kvStatus>(sts, "sts")?;
        Ok(s.st.values())
    })
}

/// Revisions kept per key.
#[no_mangle]
pub unsafe extern "C" fn kvStatus_History(sts: *const kvStatus) -> i64 {
    // SAFETY: NULL (fallback) or the program's live status.
    guard_or("kvStatus_History", 0, || unsafe {
        let s = box_ref::<kvStatus>(sts, "sts")?;
        Ok(s.st.history())
    })
}

/// Age of values before they expire, in nanoseconds (0: never).
#[no_mangle]
pub unsafe extern "C" fn kvStatus_TTL(sts: *const kvStatus) -> i64 {
    // SAFETY: NULL (fallback) or the program's live status.
    guard_or("kvStatus_TTL", 0, || unsafe {
        let s = box_ref::<kvStatus>(sts, "sts")?;
        Ok(s.st.ttl())
    })
}

/// Replicas of the bucket.
#[no_mangle]
pub unsafe extern "C" fn kvStatus_Replicas(sts: *const kvStatus) -> i64 {
    // SAFETY: NULL (fallback) or the program's live status.
    guard_or("kvStatus_Replicas", 0, || unsafe {
        let s = box_ref::<kvStatus>(sts, "sts")?;
        Ok(s.st.replicas())
    })
}

/// Bytes stored.
#[no_mangle]
pub unsafe extern "C" fn kvStatus_Bytes(sts: *const kvStatus) -> u64 {
    // SAFETY: NULL (fallback) or the program's live status.
    guard_or("kvStatus_Bytes", 0, || unsafe {
        let s = box_ref::<kvStatus>(sts, "sts")?;
        Ok(s.st.bytes())
    })
}

/// Frees a status (NULL: nothing).
#[no_mangle]
pub unsafe extern "C" fn kvStatus_Destroy(sts: *mut kvStatus) {
    // SAFETY: NULL or the program's status, not used afterwards.
    guard_or("kvStatus_Destroy", (), || unsafe {
        drop(box_take::<kvStatus>(sts));
        Ok(())
    })
}

// ---------------------------------------------------------------------
// Watchers

/// # Safety
/// As `kvStore_WatchMulti` with the keys read.
unsafe fn watch(
    new_watcher: *mut *mut kvWatcher,
    kv: *mut kvStore,
    keys: &[&str],
    opts: *const kvWatchOptions,
) -> Result<()> {
    // SAFETY: contract.
    let kv = unsafe { kv_ref(kv) }?;
    // SAFETY: contract.
    let o = unsafe { watch_options_from_c(opts) };
    let cw = Arc::new(CWatcher {
        w: OnceLock::new(),
        stop_asked: AtomicBool::new(false),
    });
    // SAFETY: NULL or the program's options.
    let cb = unsafe { opts.as_ref() }.and_then(|o| kv_watch_callback(o.Callback, o.Closure, Arc::downgrade(&cw)));
    let w = match cb {
        None => kv.watch(keys, o.as_ref())?,
        Some(cb) => kv.watch_with_callback(keys, o.as_ref(), cb)?,
    };
    if cw.stop_asked.load(Ordering::SeqCst) {
        let _ = w.stop();
    }
    let _ = cw.w.set(w);
    // SAFETY: checked by the callers.
    unsafe { write_out(new_watcher, arc_into_raw::<kvWatcher>(cw)) };
    Ok(())
}

/// Watches the keys matching `keys` (a key or a pattern with wildcards).
#[no_mangle]
pub unsafe extern "C" fn kvStore_Watch(
    new_watcher: *mut *mut kvWatcher,
    kv: *mut kvStore,
    keys: *const c_char,
    opts: *const kvWatchOptions,
) -> natsStatus {
    // SAFETY: NULL pointers are refused (opts is optional); the others are the program's.
    guard("kvStore_Watch", || unsafe {
        not_null(new_watcher, "new_watcher")?;
        write_out(new_watcher, ptr::null_mut());
        let k = cstr::str(keys, "keys")?;
        watch(new_watcher, kv, &[k], opts)
    })
}

/// Watches the keys matching any of `keys`.
#[no_mangle]
pub unsafe extern "C" fn kvStore_WatchMulti(
    new_watcher: *mut *mut kvWatcher,
    kv: *mut kvStore,
    keys: *mut *const c_char,
    numKeys: c_int,
    opts: *const kvWatchOptions,
) -> natsStatus {
    // SAFETY: as kvStore_Watch; `keys` has `numKeys` C strings.
    guard("kvStore_WatchMulti", || unsafe {
        not_null(new_watcher, "new_watcher")?;
        write_out(new_watcher, ptr::null_mut());
        let k = str_array(keys, numKeys, "keys")?;
        watch(new_watcher, kv, &k, opts)
    })
}

/// Watches every key of the bucket.
#[no_mangle]
pub unsafe extern "C" fn kvStore_WatchAll(
    new_watcher: *mut *mut kvWatcher,
    kv: *mut kvStore,
    opts: *const kvWatchOptions,
) -> natsStatus {
    // SAFETY: as kvStore_Watch.
    guard("kvStore_WatchAll", || unsafe {
        not_null(new_watcher, "new_watcher")?;
        write_out(new_watcher, ptr::null_mut());
        watch(new_watcher, kv, &[], opts)
    })
}

/// The next entry of a watcher, NULL once the initial values are all
/// delivered; `NATS_TIMEOUT` when nothing comes within `timeout` ms.
#[no_mangle]
pub unsafe extern "C" fn kvWatcher_Next(new_entry: *mut *mut kvEntry, w: *mut kvWatcher, timeout: i64) -> natsStatus {
    // SAFETY: NULL pointers are refused; `w` is the program's live watcher
    // (a clone keeps it alive during the wait).
    guard("kvWatcher_Next", || unsafe {
        not_null(new_entry, "new_entry")?;
        write_out(new_entry, ptr::null_mut());
        let cw = arc_clone::<kvWatcher>(w, "w")?;
        let inner =
            cw.w.get()
                .ok_or_else(|| Error::status(natsStatus::NATS_ILLEGAL_STATE))?;
        if let Some(e) = inner.next(timeout)? {
            write_out(new_entry, entry_into_c(e));
        }
        Ok(())
    })
}

/// Stops a watcher: no more entries (also from inside its callback).
#[no_mangle]
pub unsafe extern "C" fn kvWatcher_Stop(w: *mut kvWatcher) -> natsStatus {
    // SAFETY: NULL (refused) or the program's live watcher.
    guard("kvWatcher_Stop", || unsafe {
        let cw = arc_ref::<kvWatcher>(w, "w")?;
        cw.stop_asked.store(true, Ordering::SeqCst);
        match cw.w.get() {
            Some(inner) => inner.stop(),
            None => Ok(()),
        }
    })
}

/// Stops (if needed) and frees a watcher (NULL: nothing).
#[no_mangle]
pub unsafe extern "C" fn kvWatcher_Destroy(w: *mut kvWatcher) {
    // SAFETY: NULL or the program's watcher, not used afterwards.
    guard_or("kvWatcher_Destroy", (), || unsafe {
        if let Some(cw) = arc_take::<kvWatcher>(w) {
            if let Some(inner) = cw.w.get() {
                let _ = inner.stop();
            }
        }
        Ok(())
    })
}

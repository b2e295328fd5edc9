//! The C types of Key/Value (issue 15): the opaque handles, `kvOperation`,
//! the caller-filled option structs, the lists the library returns, and the
//! `_Init` functions. Every struct has exactly cnats 3.14's layout
//! (checked by `tests/kv_layout.rs` against
//! `tests/data/cnats-3.14-struct-layout.tsv`).
//!
//! As in `js_types.rs`, the enum-typed field (`kvConfig.StorageType`) is a
//! plain `int` on the Rust side: C may store any value there.

use super::callbacks::kvWatchCb;
use super::js_types::{jsRePublish, jsStorageTypeArg, jsStreamSource};
use super::{guard, not_null};
use crate::error::Result;
use crate::status::natsStatus;
use libc::{c_char, c_int, c_void};

/// A Key/Value bucket (opaque), made by `js_CreateKeyValue` or
/// `js_KeyValue` and freed by `kvStore_Destroy`.
pub struct kvStore {
    _private: [u8; 0],
}

/// One value of a key (opaque), freed by `kvEntry_Destroy`.
pub struct kvEntry {
    _private: [u8; 0],
}

/// The status of a bucket (opaque), freed by `kvStatus_Destroy`.
pub struct kvStatus {
    _private: [u8; 0],
}

/// A watcher of keys (opaque), freed by `kvWatcher_Destroy`.
pub struct kvWatcher {
    _private: [u8; 0],
}

/// What an entry records: a value, or a delete or purge marker.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum kvOperation {
    kvOp_Unknown = 0,
    kvOp_Put = 1,
    kvOp_Delete = 2,
    kvOp_Purge = 3,
}

/// The configuration of a bucket. Initialise with `kvConfig_Init`.
#[repr(C)]
pub struct kvConfig {
    pub Bucket: *const c_char,
    pub Description: *const c_char,
    pub MaxValueSize: i32,
    pub History: u8,
    pub TTL: i64,
    pub MaxBytes: i64,
    pub StorageType: jsStorageTypeArg,
    pub Replicas: c_int,
    pub RePublish: *mut jsRePublish,
    pub Mirror: *mut jsStreamSource,
    pub Sources: *mut *mut jsStreamSource,
    pub SourcesLen: c_int,
    pub LimitMarkerTTL: i64,
}

/// Options of a watcher. Initialise with `kvWatchOptions_Init`.
#[repr(C)]
pub struct kvWatchOptions {
    pub IgnoreDeletes: bool,
    pub IncludeHistory: bool,
    pub MetaOnly: bool,
    pub Timeout: i64,
    pub UpdatesOnly: bool,
    pub Heartbeat: i64,
    pub ResumeFromRevision: u64,
    pub Callback: kvWatchCb,
    pub Closure: *mut c_void,
}

/// Options of purge operations. Initialise with `kvPurgeOptions_Init`.
#[repr(C)]
pub struct kvPurgeOptions {
    pub Timeout: i64,
    pub DeleteMarkersOlderThan: i64,
    pub TTL: i64,
}

/// Entries returned by the library; its contents are freed by
/// `kvEntryList_Destroy`.
#[repr(C)]
pub struct kvEntryList {
    pub Entries: *mut *mut kvEntry,
    pub Count: c_int,
}

/// Keys returned by the library; its contents are freed by
/// `kvKeysList_Destroy`.
#[repr(C)]
pub struct kvKeysList {
    pub Keys: *mut *mut c_char,
    pub Count: c_int,
}

/// NULL → `NATS_INVALID_ARG`, else all-zero bytes (every KV `_Init` of
/// cnats leaves every field zero).
///
/// # Safety
/// `p` is NULL or points to writable storage for a `T`, a C struct for
/// which all-zero bytes are a valid value (integers, bools, raw pointers,
/// nullable function pointers).
unsafe fn init_zero<T>(p: *mut T, name: &str) -> Result<()> {
    not_null(p, name)?;
    // SAFETY: not NULL, and points to a `T` for which zero bytes are valid
    // (the caller's contract).
    unsafe { std::ptr::write_bytes(p, 0, 1) };
    Ok(())
}

/// Initialises a bucket configuration: all zero (the server's and the
/// library's defaults apply).
#[no_mangle]
pub unsafe extern "C" fn kvConfig_Init(cfg: *mut kvConfig) -> natsStatus {
    // SAFETY: `cfg` is NULL (refused) or caller storage for a kvConfig.
    guard("kvConfig_Init", || unsafe { init_zero(cfg, "cfg") })
}

/// Initialises watch options: all zero.
#[no_mangle]
pub unsafe extern "C" fn kvWatchOptions_Init(opts: *mut kvWatchOptions) -> natsStatus {
    // SAFETY: `opts` is NULL (refused) or caller storage for a kvWatchOptions.
    guard("kvWatchOptions_Init", || unsafe { init_zero(opts, "opts") })
}

/// Initialises purge options: all zero.
#[no_mangle]
pub unsafe extern "C" fn kvPurgeOptions_Init(opts: *mut kvPurgeOptions) -> natsStatus {
    // SAFETY: `opts` is NULL (refused) or caller storage for a kvPurgeOptions.
    guard("kvPurgeOptions_Init", || unsafe { init_zero(opts, "opts") })
}

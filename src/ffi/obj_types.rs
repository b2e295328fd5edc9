//! The C types of the object store: the caller-filled structs (bucket
//! configuration, object meta, options), the structs the library returns
//! (object info, bucket status, lists), and their `_Init` functions. Every
//! struct has exactly cnats 3.14's layout (checked by `tests/obj_layout.rs`
//! against `tests/data/cnats-3.14-struct-layout.tsv`).

use super::guard;
use super::header::natsHeader;
use super::js_types::{jsPlacement, jsStorageTypeArg, jsStreamInfo, natsMetadata};
use crate::error::Result;
use crate::status::natsStatus;
use libc::{c_char, c_int};

/// An object store bucket's configuration. Initialise with
/// `objStoreConfig_Init`. `TTL` is in milliseconds (0: objects never
/// expire), `MaxBytes` 0 or -1 means unlimited.
#[repr(C)]
pub struct objStoreConfig {
    pub Bucket: *const c_char,
    pub Description: *const c_char,
    pub TTL: i64,
    pub MaxBytes: i64,
    pub Storage: jsStorageTypeArg,
    pub Replicas: c_int,
    pub Placement: *mut jsPlacement,
    pub Compression: bool,
    pub Metadata: natsMetadata,
}

/// Names of object store buckets, freed with `objStoreNamesList_Destroy`.
#[repr(C)]
pub struct objStoreNamesList {
    pub List: *mut *mut c_char,
    pub Count: c_int,
}

/// The state of an object store bucket, freed with `objStoreStatus_Destroy`.
/// `TTL` is in milliseconds; `BackingStore` is "JetStream".
#[repr(C)]
pub struct objStoreStatus {
    pub Bucket: *const c_char,
    pub Description: *const c_char,
    pub TTL: i64,
    pub Storage: jsStorageTypeArg,
    pub Replicas: c_int,
    pub Sealed: bool,
    pub Size: u64,
    pub BackingStore: *const c_char,
    pub Metadata: natsMetadata,
    pub StreamInfo: *mut jsStreamInfo,
    pub IsCompressed: bool,
}

/// States of object store buckets, freed with `objStoreStatusesList_Destroy`.
#[repr(C)]
pub struct objStoreStatusesList {
    pub List: *mut *mut objStoreStatus,
    pub Count: c_int,
}

/// What a link points to: an object (`Bucket` and `Name`) or a whole
/// bucket (`Name` NULL).
#[repr(C)]
pub struct objStoreLink {
    pub Bucket: *const c_char,
    pub Name: *const c_char,
}

/// Options of an object: the link it is (if any) and its chunk size in
/// bytes (0: the default, 128 KiB).
#[repr(C)]
pub struct objStoreMetaOptions {
    pub Link: *mut objStoreLink,
    pub ChunkSize: u32,
}

/// What describes an object: name, description, headers, metadata and
/// options. Initialise with `objStoreMeta_Init`.
#[repr(C)]
pub struct objStoreMeta {
    pub Name: *const c_char,
    pub Description: *const c_char,
    pub Headers: *mut natsHeader,
    pub Metadata: natsMetadata,
    pub Opts: objStoreMetaOptions,
}

/// An object's information: its meta, bucket, unique id, size in bytes,
/// modification time (UTC, nanoseconds since the epoch), chunk count,
/// digest (`SHA-256=<base64url>`) and whether it is deleted. Freed with
/// `objStoreInfo_Destroy`.
#[repr(C)]
pub struct objStoreInfo {
    pub Meta: objStoreMeta,
    pub Bucket: *const c_char,
    pub NUID: *const c_char,
    pub Size: u64,
    pub ModTime: i64,
    pub Chunks: u32,
    pub Digest: *const c_char,
    pub Deleted: bool,
}

/// Object information list, freed with `objStoreInfoList_Destroy`.
#[repr(C)]
pub struct objStoreInfoList {
    pub List: *mut *mut objStoreInfo,
    pub Count: c_int,
}

/// Options of a get/info/list: whether deleted objects are shown.
/// Initialise with `objStoreOptions_Init`.
#[repr(C)]
pub struct objStoreOptions {
    pub ShowDeleted: bool,
}

/// Options of a watcher: skip deleted objects, and only report updates
/// made after the watch started. Initialise with `objStoreWatchOptions_Init`.
#[repr(C)]
pub struct objStoreWatchOptions {
    pub IgnoreDeletes: bool,
    pub UpdatesOnly: bool,
}

/// Zeroes the caller's struct (NULL refused).
///
/// # Safety
/// `p` is NULL or points to writable storage for a `T`, for which all-zero
/// bytes are a valid value (plain C structs of pointers, numbers and bools).
unsafe fn zero_init<T>(p: *mut T, name: &str) -> Result<()> {
    super::not_null(p, name)?;
    // SAFETY: `p` is not NULL and points to storage for a `T` (C's contract);
    // all-zero bytes are a valid `T`.
    unsafe { std::ptr::write_bytes(p, 0, 1) };
    Ok(())
}

/// Initialises a bucket configuration: all zero (file storage, one
/// replica, no limits, no expiry).
#[no_mangle]
pub unsafe extern "C" fn objStoreConfig_Init(cfg: *mut objStoreConfig) -> natsStatus {
    // SAFETY: `cfg` is NULL (refused) or caller storage for an objStoreConfig.
    guard("objStoreConfig_Init", || unsafe { zero_init(cfg, "cfg") })
}

/// Initialises an object's meta: all zero.
#[no_mangle]
pub unsafe extern "C" fn objStoreMeta_Init(meta: *mut objStoreMeta) -> natsStatus {
    // SAFETY: `meta` is NULL (refused) or caller storage for an objStoreMeta.
    guard("objStoreMeta_Init", || unsafe { zero_init(meta, "meta") })
}

/// Initialises get/info/list options: deleted objects not shown.
#[no_mangle]
pub unsafe extern "C" fn objStoreOptions_Init(opts: *mut objStoreOptions) -> natsStatus {
    // SAFETY: `opts` is NULL (refused) or caller storage for an objStoreOptions.
    guard("objStoreOptions_Init", || unsafe { zero_init(opts, "opts") })
}

/// Initialises watcher options: deletes reported, existing objects first.
#[no_mangle]
pub unsafe extern "C" fn objStoreWatchOptions_Init(opts: *mut objStoreWatchOptions) -> natsStatus {
    // SAFETY: `opts` is NULL (refused) or caller storage for an objStoreWatchOptions.
    guard("objStoreWatchOptions_Init", || unsafe { zero_init(opts, "opts") })
}

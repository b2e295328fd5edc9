//! The C ABI: a thin layer over the core, one file per section of cnats'
//! `nats.h`.
//!
//! The body of every exported function is a single call of [`guard`]
//! (status-returning functions) or [`guard_or`] (functions returning a
//! value or nothing), both thin shapes of one mechanism, [`run`]: the body
//! runs inside `catch_unwind`, NULL pointers are rejected with
//! `NATS_INVALID_ARG` before anything is dereferenced, and a failure is
//! recorded as the thread's last error. `tests/boundary.rs` enforces it.
#![allow(non_snake_case, non_camel_case_types, clippy::missing_safety_doc)]

pub mod callbacks;
pub mod conn;
pub mod conn_pub;
pub mod conn_sub;
pub mod cstr;
pub mod evloop;
pub mod handle;
pub mod header;
pub mod inbox;
pub mod js;
pub mod js_convert;
pub mod js_manage;
pub mod js_msg;
pub mod js_pub;
pub mod js_sub;
pub mod js_types;
pub mod kv;
pub mod kv_types;
pub mod last_error;
pub mod library;
pub mod micro;
pub mod micro_error;
pub mod micro_request;
pub mod micro_types;
pub mod msg;
pub mod obj;
pub mod obj_types;
pub mod options;
pub mod options_auth;
pub mod options_events;
pub mod options_tls;
pub mod options_tuning;
pub mod stats;
pub mod status;
pub mod sub;

use crate::error::{Error, Result};
use crate::status::natsStatus;
use std::panic::{catch_unwind, AssertUnwindSafe};

pub(crate) use crate::error::panic_text;

/// What a status-returning export answers when its body succeeds: `()`
/// means `NATS_OK`; a `natsStatus` is the function's own answer (a lookup
/// miss such as `NATS_NOT_FOUND`, a drain's outcome, a reporting function's
/// complaint) and is returned without touching the thread's last error.
pub(crate) trait Answer {
    fn into_status(self) -> natsStatus;
}
impl Answer for () {
    fn into_status(self) -> natsStatus {
        natsStatus::NATS_OK
    }
}
impl Answer for natsStatus {
    fn into_status(self) -> natsStatus {
        self
    }
}

/// The one boundary mechanism: runs the body of the API function `func`
/// inside `catch_unwind`. An `Err` is recorded as the thread's last error
/// (status, text, and `func` for the stack); a panic is recorded as
/// `NATS_ERR` with the panic's text. Success leaves the record alone
/// (sticky, as cnats). Returns the body's value, or the failure's status.
fn run<T>(func: &'static str, f: impl FnOnce() -> Result<T>) -> std::result::Result<T, natsStatus> {
    let e = match catch_unwind(AssertUnwindSafe(|| {
        #[cfg(feature = "test-hooks")]
        crate::testhooks::hit(crate::testhooks::FFI);
        f()
    })) {
        Ok(Ok(v)) => return Ok(v),
        Ok(Err(e)) => e,
        Err(p) => Error::new(natsStatus::NATS_ERR, panic_text(&*p)),
    };
    last_error::set(func, e.status, &e.text);
    Err(e.status)
}

/// [`run`] for exports that return a `natsStatus`: the failure's status,
/// or the body's [`Answer`].
pub(crate) fn guard<A: Answer>(func: &'static str, f: impl FnOnce() -> Result<A>) -> natsStatus {
    match run(func, f) {
        Ok(a) => a.into_status(),
        Err(s) => s,
    }
}

/// [`run`] for exports that return a value (or nothing: `T = ()`):
/// `fallback` when the body fails or panics.
pub(crate) fn guard_or<T>(func: &'static str, fallback: T, f: impl FnOnce() -> Result<T>) -> T {
    run(func, f).unwrap_or(fallback)
}

/// Returns `NATS_INVALID_ARG` naming the parameter when `p` is NULL.
#[inline]
pub(crate) fn not_null<T>(p: *const T, name: &str) -> Result<()> {
    if p.is_null() {
        Err(Error::invalid_arg(format!("invalid argument: '{name}' is NULL")))
    } else {
        Ok(())
    }
}

/// Writes `v` to an output pointer already checked for NULL.
#[inline]
/// # Safety
/// `p` is non-NULL, aligned and points to writable storage for a `T` (C's output argument, checked
/// for NULL by the caller). The old value is not dropped.
pub(crate) unsafe fn write_out<T>(p: *mut T, v: T) {
    // SAFETY: the caller checked `p` for NULL; C owns the storage.
    unsafe { p.write(v) }
}

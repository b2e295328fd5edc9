//! The C ABI: a thin layer over the core, one file per section of cnats'
//! `nats.h`.
//!
//! Every exported function goes through [`guard`] (or one of its
//! variants): the body runs inside `catch_unwind`, NULL pointers are
//! rejected with `NATS_INVALID_ARG` before anything is dereferenced, and a
//! failure is recorded as the thread's last error.
#![allow(non_snake_case, non_camel_case_types, clippy::missing_safety_doc)]

pub mod callbacks;
pub mod conn;
pub mod conn_pub;
pub mod conn_sub;
pub mod cstr;
pub mod handle;
pub mod header;
pub mod inbox;
pub mod last_error;
pub mod library;
pub mod msg;
pub mod options;
pub mod options_auth;
pub mod options_tls;
pub mod stats;
pub mod status;
pub mod sub;

use crate::error::{Error, Result};
use crate::status::natsStatus;
use std::panic::{catch_unwind, AssertUnwindSafe};

pub(crate) use crate::error::panic_text;

/// Runs `f` for the API function `func`: panics become `NATS_ERR`, errors
/// become the thread's last error, and the status is returned.
pub(crate) fn guard(func: &'static str, f: impl FnOnce() -> Result<()>) -> natsStatus {
    match catch_unwind(AssertUnwindSafe(|| {
        #[cfg(feature = "test-hooks")]
        crate::testhooks::hit(crate::testhooks::FFI);
        f()
    })) {
        Ok(Ok(())) => natsStatus::NATS_OK,
        Ok(Err(e)) => {
            last_error::set(func, e.status, &e.text);
            e.status
        }
        Err(p) => {
            let text = panic_text(&*p);
            last_error::set(func, natsStatus::NATS_ERR, &text);
            natsStatus::NATS_ERR
        }
    }
}

/// Like [`guard`] for functions that return a value instead of a status:
/// on error or panic the error is recorded and `fallback` is returned.
pub(crate) fn guard_or<T>(func: &'static str, fallback: T, f: impl FnOnce() -> Result<T>) -> T {
    match catch_unwind(AssertUnwindSafe(|| {
        #[cfg(feature = "test-hooks")]
        crate::testhooks::hit(crate::testhooks::FFI);
        f()
    })) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            last_error::set(func, e.status, &e.text);
            fallback
        }
        Err(p) => {
            let text = panic_text(&*p);
            last_error::set(func, natsStatus::NATS_ERR, &text);
            fallback
        }
    }
}

/// For `void` functions (destroy, close): panics are swallowed and recorded.
pub(crate) fn guard_void(func: &'static str, f: impl FnOnce()) {
    if let Err(p) = catch_unwind(AssertUnwindSafe(f)) {
        let text = panic_text(&*p);
        last_error::set(func, natsStatus::NATS_ERR, &text);
    }
}

/// Records `e` as the thread's last error for `func` and returns its status
/// (for functions whose return value is not their own success status).
pub(crate) fn record(func: &'static str, e: Error) -> natsStatus {
    last_error::set(func, e.status, &e.text);
    e.status
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
pub(crate) unsafe fn write_out<T>(p: *mut T, v: T) {
    // SAFETY: the caller checked `p` for NULL; C owns the storage.
    unsafe { p.write(v) }
}

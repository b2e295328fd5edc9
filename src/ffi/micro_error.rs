//! `microError`: the error object of the services API (create, wrap,
//! inspect, destroy) and the exported static errors.
//!
//! The three printf-style constructors are C-variadic in cnats' header.
//! Stable Rust can neither define a C-variadic function nor read a
//! `va_list`, so their bodies are in C (`src/ffi/micro_errorf.c`, compiled
//! by build.rs). The exported symbols are the naked trampolines below: a
//! single jump into the C body, leaving the caller's argument registers
//! and stack exactly as they were (what a C-variadic callee needs). They
//! run no Rust code, so there is nothing to guard (no panic can occur);
//! `tests/boundary.rs` knows these three by name. The jump is written for
//! x86_64 and aarch64; on another architecture the three are not built
//! (a program using them fails to link there).

use super::guard_or;
use super::micro_types::{microError, ErrorBlock};
use super::status::natsStatusArg;
use crate::micro::MicroError;
use crate::status::natsStatus;
use libc::{c_char, c_int, c_void};
use std::ptr;

/// A library-owned error (`is_static`), shareable between threads.
#[repr(transparent)]
pub(crate) struct StaticError(ErrorBlock);
// SAFETY: a static error is never written (C only reads it through the
// API, which never frees or changes an `is_static` error).
unsafe impl Sync for StaticError {}

const fn static_error(status: natsStatus, text: &'static std::ffi::CStr) -> StaticError {
    StaticError(ErrorBlock {
        is_static: true,
        status: status as c_int,
        code: 0,
        message: text.as_ptr() as *mut c_char,
        cause: ptr::null_mut(),
    })
}

static OUT_OF_MEMORY: StaticError = static_error(natsStatus::NATS_NO_MEMORY, c"out of memory");
static INVALID_ARG: StaticError = static_error(natsStatus::NATS_INVALID_ARG, c"invalid function argument");

/// The error returned when memory runs out (never freed; destroying it is
/// a no-op).
#[no_mangle]
pub static mut micro_ErrorOutOfMemory: *mut microError = &OUT_OF_MEMORY.0 as *const ErrorBlock as *mut microError;
/// The error returned for an invalid argument (never freed; destroying it
/// is a no-op).
#[no_mangle]
pub static mut micro_ErrorInvalidArg: *mut microError = &INVALID_ARG.0 as *const ErrorBlock as *mut microError;

/// The out-of-memory error, as Rust code returns it.
pub(crate) fn out_of_memory() -> *mut microError {
    &OUT_OF_MEMORY.0 as *const ErrorBlock as *mut microError
}

/// The invalid-argument error, as Rust code returns it.
pub(crate) fn invalid_arg() -> *mut microError {
    &INVALID_ARG.0 as *const ErrorBlock as *mut microError
}

/// A new heap error (`calloc` block, `malloc`ed message), as the C
/// constructors make them; the out-of-memory error when allocation fails.
pub(crate) fn new_error(status: natsStatus, code: c_int, text: &[u8]) -> *mut microError {
    let Ok(message) = super::cstr::malloc_string(text) else {
        return out_of_memory();
    };
    // SAFETY: plain allocation, checked for NULL.
    let e = unsafe { libc::calloc(1, std::mem::size_of::<ErrorBlock>()) } as *mut ErrorBlock;
    if e.is_null() {
        // SAFETY: `message` came from malloc above and is not used again.
        unsafe { libc::free(message as *mut c_void) };
        return out_of_memory();
    }
    // SAFETY: `e` is a fresh, zeroed, properly sized and aligned block
    // (calloc's alignment suits any C struct).
    unsafe {
        (*e).status = status as c_int;
        (*e).code = code;
        (*e).message = message;
    }
    e as *mut microError
}

/// Frees an error chain (static errors are left alone).
///
/// # Safety
/// `err` is NULL or an error made by this library that the caller owns and
/// never uses again.
pub(crate) unsafe fn destroy(err: *mut microError) {
    let mut err = err as *mut ErrorBlock;
    while !err.is_null() {
        // SAFETY: a live error of this library (contract).
        let e = unsafe { &*err };
        if e.is_static {
            return;
        }
        let cause = e.cause;
        // SAFETY: a heap error owns its malloc'ed message and its calloc'ed block; both freed once.
        unsafe {
            libc::free(e.message as *mut c_void);
            libc::free(err as *mut c_void);
        }
        err = cause;
    }
}

/// The first non-OK status along the chain (`NATS_OK` for none).
///
/// # Safety
/// `err` is NULL or a live error of this library.
pub(crate) unsafe fn status_of(err: *const microError) -> natsStatus {
    let mut err = err as *const ErrorBlock;
    // SAFETY: each link is a live error of this library (contract).
    while let Some(e) = unsafe { err.as_ref() } {
        if e.status != 0 {
            return natsStatus::from_raw(e.status);
        }
        err = e.cause;
    }
    natsStatus::NATS_OK
}

/// The first non-zero code along the chain (0 for none).
///
/// # Safety
/// as for [`status_of`].
pub(crate) unsafe fn code_of(err: *const microError) -> c_int {
    let mut err = err as *const ErrorBlock;
    // SAFETY: each link is a live error of this library (contract).
    while let Some(e) = unsafe { err.as_ref() } {
        if e.code != 0 {
            return e.code;
        }
        err = e.cause;
    }
    0
}

/// The text of an error chain: `status <n>: ` when the link has a status,
/// `code <n>: ` when it has a code, its message, then `: ` and the cause's
/// text (the format cnats' `microError_String` prints).
///
/// # Safety
/// as for [`status_of`].
pub(crate) unsafe fn text_of(err: *const microError) -> String {
    let mut err = err as *const ErrorBlock;
    let mut out = String::new();
    // SAFETY: each link is a live error of this library (contract).
    while let Some(e) = unsafe { err.as_ref() } {
        if e.status != 0 {
            out.push_str(&format!("status {}: ", e.status as u32));
        }
        if e.code != 0 {
            out.push_str(&format!("code {}: ", e.code));
        }
        if !e.message.is_null() {
            // SAFETY: the message is a NUL-terminated string owned by the error.
            out.push_str(&unsafe { std::ffi::CStr::from_ptr(e.message) }.to_string_lossy());
        }
        err = e.cause;
        if !err.is_null() {
            out.push_str(": ");
        }
    }
    out
}

/// A core error as a C error chain (the out-of-memory error when
/// allocation fails).
pub(crate) fn to_c(e: &MicroError) -> *mut microError {
    let cause = match &e.cause {
        Some(c) => to_c(c),
        None => ptr::null_mut(),
    };
    let p = new_error(e.status, e.code, e.message.as_bytes());
    if p == out_of_memory() {
        // SAFETY: ours, not used again.
        unsafe { destroy(cause) };
        return p;
    }
    // SAFETY: `p` is a fresh heap error of ours.
    unsafe { (*(p as *mut ErrorBlock)).cause = cause as *mut ErrorBlock };
    p
}

/// `Ok` → NULL, `Err` → a C error chain.
pub(crate) fn result_to_c(r: std::result::Result<(), MicroError>) -> *mut microError {
    match r {
        Ok(()) => ptr::null_mut(),
        Err(e) => to_c(&e),
    }
}

/// A C error chain as a core error.
///
/// # Safety
/// `err` is a live, non-NULL error of this library.
pub(crate) unsafe fn from_c(err: *const microError) -> MicroError {
    // SAFETY: non-NULL and live (contract).
    let e = unsafe { &*(err as *const ErrorBlock) };
    let message = if e.message.is_null() {
        String::new()
    } else {
        // SAFETY: the message is a NUL-terminated string owned by the error.
        unsafe { std::ffi::CStr::from_ptr(e.message) }
            .to_string_lossy()
            .into_owned()
    };
    MicroError {
        status: natsStatus::from_raw(e.status),
        code: e.code,
        message,
        // SAFETY: the cause is NULL or a live error of the chain.
        cause: (!e.cause.is_null()).then(|| Box::new(unsafe { from_c(e.cause as *const microError) })),
    }
}

/// Takes over a C error: converts it, then frees it.
///
/// # Safety
/// `err` is a non-NULL error of this library that the caller gives up.
pub(crate) unsafe fn take(err: *mut microError) -> MicroError {
    // SAFETY: contract.
    let e = unsafe { from_c(err) };
    // SAFETY: contract: given up, not used again.
    unsafe { destroy(err) };
    e
}

/// A failed call's status as a C error (NULL for `NATS_OK`), with the
/// status text as cnats.
pub(crate) fn from_status(s: natsStatus) -> *mut microError {
    if s == natsStatus::NATS_OK {
        ptr::null_mut()
    } else {
        new_error(s, 0, s.text().as_bytes())
    }
}

extern "C" {
    fn rnats__micro_Errorf(format: *const c_char, ...) -> *mut ErrorBlock;
    fn rnats__micro_ErrorfCode(code: c_int, format: *const c_char, ...) -> *mut ErrorBlock;
    fn rnats__microError_Wrapf(err: *mut ErrorBlock, format: *const c_char, ...) -> *mut ErrorBlock;
}

/// Makes an error whose text is `format` formatted with the arguments as
/// `printf` does (C-variadic: `microError *micro_Errorf(const char *format,
/// ...)`). Free it with `microError_Destroy`.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn micro_Errorf() {
    #[cfg(target_arch = "x86_64")]
    core::arch::naked_asm!("jmp {0}", sym rnats__micro_Errorf);
    #[cfg(target_arch = "aarch64")]
    core::arch::naked_asm!("b {0}", sym rnats__micro_Errorf);
}

/// As `micro_Errorf`, with an application error code (C-variadic:
/// `microError *micro_ErrorfCode(int code, const char *format, ...)`).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn micro_ErrorfCode() {
    #[cfg(target_arch = "x86_64")]
    core::arch::naked_asm!("jmp {0}", sym rnats__micro_ErrorfCode);
    #[cfg(target_arch = "aarch64")]
    core::arch::naked_asm!("b {0}", sym rnats__micro_ErrorfCode);
}

/// Wraps `err` in a new error with a `printf`-formatted text; the new
/// error owns `err`. NULL gives NULL (C-variadic: `microError
/// *microError_Wrapf(microError *err, const char *format, ...)`).
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
#[unsafe(naked)]
#[no_mangle]
pub unsafe extern "C" fn microError_Wrapf() {
    #[cfg(target_arch = "x86_64")]
    core::arch::naked_asm!("jmp {0}", sym rnats__microError_Wrapf);
    #[cfg(target_arch = "aarch64")]
    core::arch::naked_asm!("b {0}", sym rnats__microError_Wrapf);
}

/// An error holding status `s` and its text; NULL for `NATS_OK`.
#[no_mangle]
pub extern "C" fn micro_ErrorFromStatus(s: natsStatusArg) -> *mut microError {
    guard_or("micro_ErrorFromStatus", out_of_memory(), || {
        if s == 0 {
            return Ok(ptr::null_mut());
        }
        let st = natsStatus::from_raw(s);
        Ok(new_error(st, 0, st.text().as_bytes()))
    })
}

/// The error's application code: the first non-zero code along its chain
/// (0 for NULL or none).
#[no_mangle]
pub unsafe extern "C" fn microError_Code(err: *mut microError) -> c_int {
    guard_or("microError_Code", 0, || {
        // SAFETY: NULL or a live error of this library (C contract).
        Ok(unsafe { code_of(err) })
    })
}

/// The error's NATS status: the first non-OK status along its chain
/// (`NATS_OK` for NULL or none).
#[no_mangle]
pub unsafe extern "C" fn microError_Status(err: *mut microError) -> natsStatus {
    guard_or("microError_Status", natsStatus::NATS_ERR, || {
        // SAFETY: NULL or a live error of this library (C contract).
        Ok(unsafe { status_of(err) })
    })
}

/// Writes the error's text (`status <n>: code <n>: message: cause…`, or
/// `null` for NULL) into `buf` of `len` bytes, truncated to fit, and
/// returns `buf` ("" when `buf` is NULL).
#[no_mangle]
pub unsafe extern "C" fn microError_String(err: *mut microError, buf: *mut c_char, len: usize) -> *const c_char {
    guard_or("microError_String", c"".as_ptr(), || {
        if buf.is_null() {
            return Ok(c"".as_ptr());
        }
        let text = if err.is_null() {
            "null".to_string()
        } else {
            // SAFETY: a live error of this library (C contract).
            unsafe { text_of(err) }
        };
        if len > 0 {
            let n = text.len().min(len - 1);
            // SAFETY: `buf` has `len` writable bytes (C contract): n + 1 <= len.
            unsafe {
                ptr::copy_nonoverlapping(text.as_ptr(), buf as *mut u8, n);
                *buf.add(n) = 0;
            }
        }
        Ok(buf as *const c_char)
    })
}

/// Frees an error and the errors it wraps (the static errors and NULL are
/// left alone).
#[no_mangle]
pub unsafe extern "C" fn microError_Destroy(err: *mut microError) {
    guard_or("microError_Destroy", (), || {
        // SAFETY: NULL or an error of this library that C gives up (C contract).
        unsafe { destroy(err) };
        Ok(())
    })
}

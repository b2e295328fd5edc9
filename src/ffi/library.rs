//! `libraryGroup`: opening and closing the library, versions, clocks and
//! the thread's last error.

use super::callbacks::{natsThreadStartedHandler, thread_started_hook};
use super::{guard, guard_or, last_error, write_out};
use crate::error::Error;
use crate::status::natsStatus::{self, *};
use libc::{c_char, size_t, FILE};
use std::ffi::CString;
use std::time::{SystemTime, UNIX_EPOCH};

/// Initial library settings: cnats' `natsClientConfig`.
#[repr(C)]
pub struct natsClientConfig {
    pub DefaultWriteDeadline: i64,
    pub LockSpinCount: i64,
    pub DefaultToThreadPool: bool,
    pub ThreadPoolMax: libc::c_int,
    pub DefaultRepliesToThreadPool: bool,
    pub UseSeparatePoolForReplies: bool,
    pub ReplyThreadPoolMax: libc::c_int,
    pub ThreadStartedHandler: natsThreadStartedHandler,
    pub ThreadStartedHandlerClosure: *mut libc::c_void,
}

/// Initializes the library. Optional: any call that needs the library
/// opens it. `lockSpinCount` is accepted for compatibility and ignored.
#[no_mangle]
pub extern "C" fn nats_Open(lockSpinCount: i64) -> natsStatus {
    guard("nats_Open", || {
        let _ = lockSpinCount;
        crate::runtime::open();
        Ok(())
    })
}

/// Initializes the library with a configuration. As in cnats, options
/// objects created afterwards start with `DefaultWriteDeadline` as their
/// write deadline and deliver through the shared pool when
/// `DefaultToThreadPool` is set; `ThreadPoolMax` sizes that pool and
/// `ThreadStartedHandler` runs at the start of every library thread. The
/// reply-pool fields are recorded (cnats uses them only for its
/// micro-service subscriptions, which rnats does not have). NULL is the
/// same as `nats_Open(-1)`.
#[no_mangle]
pub unsafe extern "C" fn nats_OpenWithConfig(config: *mut natsClientConfig) -> natsStatus {
    guard("nats_OpenWithConfig", || {
        if config.is_null() {
            // cnats: same as nats_Open(-1).
            crate::runtime::open();
            return Ok(());
        }
        // SAFETY: checked for NULL; C owns the struct for the call.
        let c = unsafe { &*config };
        // What cnats applies to every new options object (write deadline,
        // shared delivery), and the reply-pool settings it records.
        crate::runtime::set_config(crate::runtime::LibConfig {
            default_write_deadline_ms: c.DefaultWriteDeadline.max(0),
            default_to_pool: c.DefaultToThreadPool,
            default_replies_to_pool: c.DefaultRepliesToThreadPool,
            separate_reply_pool: c.UseSeparatePoolForReplies,
            reply_pool_max: c.ReplyThreadPoolMax.max(0),
        });
        if c.ThreadPoolMax > 0 {
            crate::runtime::set_delivery_pool_size(c.ThreadPoolMax as usize);
        }
        crate::runtime::set_thread_started_hook(thread_started_hook(
            c.ThreadStartedHandler,
            c.ThreadStartedHandlerClosure,
        ));
        crate::runtime::open();
        Ok(())
    })
}

static VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library version as a string (NATS_VERSION_STRING). Never NULL; do
/// not free.
#[no_mangle]
pub extern "C" fn nats_GetVersion() -> *const c_char {
    guard_or("nats_GetVersion", VERSION.as_ptr() as *const c_char, || {
        Ok(VERSION.as_ptr() as *const c_char)
    })
}

/// The library version as a number: (major << 16) | (minor << 8) | patch.
#[no_mangle]
pub extern "C" fn nats_GetVersionNumber() -> u32 {
    guard_or("nats_GetVersionNumber", crate::VERSION_NUMBER, || {
        Ok(crate::VERSION_NUMBER)
    })
}

/// Used by the `nats_CheckCompatibility()` macro: true when the header the
/// program was compiled with is compatible with this library.
#[no_mangle]
pub extern "C" fn nats_CheckCompatibilityImpl(reqVerNumber: u32, verNumber: u32, verString: *const c_char) -> bool {
    guard_or("nats_CheckCompatibilityImpl", false, || {
        let _ = verString;
        Ok(reqVerNumber <= crate::VERSION_NUMBER && verNumber >= crate::VERSION_REQUIRED_NUMBER)
    })
}

/// Milliseconds since the UNIX epoch.
#[no_mangle]
pub extern "C" fn nats_Now() -> i64 {
    guard_or("nats_Now", 0, || {
        Ok(SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0))
    })
}

/// Nanoseconds since the UNIX epoch.
#[no_mangle]
pub extern "C" fn nats_NowInNanoSeconds() -> i64 {
    guard_or("nats_NowInNanoSeconds", 0, || {
        Ok(SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as i64)
            .unwrap_or(0))
    })
}

/// Nanoseconds of a monotonic clock (for measuring intervals).
#[no_mangle]
pub extern "C" fn nats_NowMonotonicInNanoSeconds() -> i64 {
    guard_or("nats_NowMonotonicInNanoSeconds", 0, || {
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `ts` is a live, writable timespec on our stack, which is
        // all clock_gettime needs; CLOCK_MONOTONIC always exists on Linux.
        unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
        Ok(ts.tv_sec * 1_000_000_000 + ts.tv_nsec)
    })
}

/// Sleeps for `sleepTime` milliseconds.
#[no_mangle]
pub extern "C" fn nats_Sleep(sleepTime: i64) {
    guard_or("nats_Sleep", (), || {
        if sleepTime > 0 {
            std::thread::sleep(std::time::Duration::from_millis(sleepTime as u64));
        }
        Ok(())
    })
}

/// The text of the calling thread's last error, or NULL if none; the
/// status is stored in `*status` when `status` is not NULL. The text is
/// owned by the library and valid until the next error on this thread.
#[no_mangle]
pub unsafe extern "C" fn nats_GetLastError(status: *mut natsStatus) -> *const c_char {
    guard_or("nats_GetLastError", std::ptr::null(), || {
        // Reading the record never changes it: this body cannot fail, so
        // the guard has nothing to record (only a panic would be).
        if !status.is_null() {
            // SAFETY: checked non-NULL just above; the C contract is that a
            // non-NULL `status` points to a writable natsStatus.
            unsafe { write_out(status, last_error::status()) };
        }
        Ok(last_error::text_ptr())
    })
}

/// Copies the names of the functions that failed on this thread (most
/// recent last) into `buffer`. Too small → `NATS_INSUFFICIENT_BUFFER`.
#[no_mangle]
pub unsafe extern "C" fn nats_GetLastErrorStack(buffer: *mut c_char, bufLen: size_t) -> natsStatus {
    guard("nats_GetLastErrorStack", || {
        // As cnats, a bad argument or a small buffer is only this
        // function's answer: it is returned as an `Answer`, not recorded,
        // so the error being reported is not overwritten.
        if buffer.is_null() || bufLen == 0 {
            return Ok(NATS_INVALID_ARG);
        }
        let text = last_error::stack().join("\n");
        // SAFETY: `buffer` is non-NULL (checked above) and the C contract
        // says it has `bufLen` writable bytes; copy_to_buffer writes at most
        // that many.
        Ok(
            match unsafe { super::cstr::copy_to_buffer(text.as_bytes(), buffer, bufLen) } {
                Ok(()) => NATS_OK,
                Err(e) => e.status,
            },
        )
    })
}

/// Prints the last error and its stack to `file` (e.g. `stderr`).
#[no_mangle]
pub unsafe extern "C" fn nats_PrintLastErrorStack(file: *mut FILE) {
    guard_or("nats_PrintLastErrorStack", (), || {
        // Reads the record without changing it.
        if file.is_null() {
            return Ok(());
        }
        let s = last_error::status();
        if s == NATS_OK {
            return Ok(());
        }
        let mut out = format!(
            "Error: {} - {}\nStack: (library version: {})\n",
            s as i32,
            last_error::text(),
            crate::VERSION_STRING
        );
        for (i, f) in last_error::stack().iter().enumerate() {
            out.push_str(&format!("  {:02} - {}\n", i + 1, f));
        }
        if let Ok(c) = CString::new(out) {
            // SAFETY: `file` is non-NULL (checked above) and by the C
            // contract an open FILE*; `c` is a NUL-terminated string that
            // lives across the call.
            unsafe { libc::fputs(c.as_ptr(), file) };
        }
        Ok(())
    })
}

/// Sets the maximum number of threads of the shared message-delivery pool.
#[no_mangle]
pub extern "C" fn nats_SetMessageDeliveryPoolSize(max: libc::c_int) -> natsStatus {
    guard("nats_SetMessageDeliveryPoolSize", || {
        if max <= 0 {
            return Err(Error::invalid_arg("pool size must be positive"));
        }
        crate::runtime::open();
        crate::runtime::set_delivery_pool_size(max as usize);
        Ok(())
    })
}

/// Frees the calling thread's library memory (its last-error record).
#[no_mangle]
pub extern "C" fn nats_ReleaseThreadMemory() {
    guard_or("nats_ReleaseThreadMemory", (), || {
        last_error::clear();
        Ok(())
    });
}

/// Closes the library. When every connection has been closed (or
/// destroyed), it waits (up to 10 s) for the library's threads to end and
/// frees the library's global state, so nothing of the library is left;
/// called from a library thread (a callback), or with connections still
/// open, it does not wait. Frees the calling thread's last-error record
/// (as cnats).
#[no_mangle]
pub extern "C" fn nats_Close() {
    guard_or("nats_Close", (), || {
        crate::runtime::close_and_settle();
        last_error::clear();
        Ok(())
    });
}

/// Closes the library and waits up to `timeout` ms (0 = no limit) for every
/// library thread to end. `NATS_TIMEOUT` if some are still running.
#[no_mangle]
pub extern "C" fn nats_CloseAndWait(timeout: i64) -> natsStatus {
    guard("nats_CloseAndWait", || {
        crate::runtime::close();
        if crate::runtime::wait_threads(timeout) {
            Ok(())
        } else {
            Err(Error::new(NATS_TIMEOUT, "timeout waiting for library threads to end"))
        }
    })
}

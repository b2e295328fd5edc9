//! C strings in and out.

use crate::error::{Error, Result};
use libc::c_char;
use std::ffi::CStr;

/// Borrows a required C string as bytes; NULL → `NATS_INVALID_ARG`.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string that stays valid and unchanged for `'a`.
pub(crate) unsafe fn bytes<'a>(p: *const c_char, name: &str) -> Result<&'a [u8]> {
    if p.is_null() {
        return Err(Error::invalid_arg(format!("invalid argument: '{name}' is NULL")));
    }
    // SAFETY: C passes a NUL-terminated string that outlives the call.
    Ok(unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// Borrows an optional C string as bytes (NULL → `None`).
///
/// # Safety
/// as for [`bytes`].
pub(crate) unsafe fn opt_bytes<'a>(p: *const c_char) -> Option<&'a [u8]> {
    if p.is_null() {
        None
    } else {
        // SAFETY: non-NULL (checked); per this function's contract a
        // NUL-terminated string valid and unchanged for `'a`.
        Some(unsafe { CStr::from_ptr(p) }.to_bytes())
    }
}

/// Borrows a required C string as UTF-8 text.
///
/// # Safety
/// as for [`bytes`].
pub(crate) unsafe fn str<'a>(p: *const c_char, name: &str) -> Result<&'a str> {
    // SAFETY: this function's contract (`p` NULL or a NUL-terminated string valid for `'a`) is
    // `bytes`'s contract.
    let b = unsafe { bytes(p, name) }?;
    std::str::from_utf8(b).map_err(|_| Error::invalid_arg(format!("invalid argument: '{name}' is not valid UTF-8")))
}

/// Borrows an optional C string as UTF-8 text; NULL or "" → `None`.
///
/// # Safety
/// as for [`bytes`].
pub(crate) unsafe fn opt_str<'a>(p: *const c_char, name: &str) -> Result<Option<&'a str>> {
    // SAFETY: `p` is NULL (handled) or, by the C contract, a NUL-terminated string that stays valid
    // and unchanged for the duration of the call.
    match unsafe { opt_bytes(p) } {
        None => Ok(None),
        Some([]) => Ok(None),
        Some(b) => std::str::from_utf8(b)
            .map(Some)
            .map_err(|_| Error::invalid_arg(format!("invalid argument: '{name}' is not valid UTF-8"))),
    }
}

/// Copies `s` into a `malloc`ed NUL-terminated string that C frees with
/// `free()`.
pub(crate) fn malloc_string(s: &[u8]) -> Result<*mut c_char> {
    // SAFETY: plain allocation; checked for NULL below.
    let p = unsafe { libc::malloc(s.len() + 1) } as *mut u8;
    if p.is_null() {
        return Err(Error::status(crate::status::natsStatus::NATS_NO_MEMORY));
    }
    // SAFETY: `p` has room for `s` and the NUL.
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), p, s.len());
        *p.add(s.len()) = 0;
    }
    Ok(p as *mut c_char)
}

/// Copies `s` with a NUL into a caller buffer of `len` bytes;
/// too small → `NATS_INSUFFICIENT_BUFFER`.
///
/// # Safety
/// `buf` is NULL (refused) or points to `len` writable bytes.
pub(crate) unsafe fn copy_to_buffer(s: &[u8], buf: *mut c_char, len: usize) -> Result<()> {
    if buf.is_null() {
        return Err(Error::invalid_arg("invalid argument: 'buffer' is NULL"));
    }
    if s.len() + 1 > len {
        return Err(Error::new(
            crate::status::natsStatus::NATS_INSUFFICIENT_BUFFER,
            format!("buffer too small: {} bytes needed, {} given", s.len() + 1, len),
        ));
    }
    // SAFETY: `buf` has `len` bytes, enough for `s` and the NUL.
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), buf as *mut u8, s.len());
        *buf.add(s.len()) = 0;
    }
    Ok(())
}

/// Builds a `malloc`ed array of `malloc`ed strings (C frees each string,
/// then the array).
pub(crate) fn malloc_string_array(items: &[Vec<u8>]) -> Result<*mut *mut c_char> {
    let n = items.len().max(1);
    // SAFETY: plain allocation; checked for NULL.
    let arr = unsafe { libc::calloc(n, std::mem::size_of::<*mut c_char>()) } as *mut *mut c_char;
    if arr.is_null() {
        return Err(Error::status(crate::status::natsStatus::NATS_NO_MEMORY));
    }
    for (i, it) in items.iter().enumerate() {
        match malloc_string(it) {
            // SAFETY: `arr` has room for `n` pointers (calloc above) and
            // i < items.len() <= n.
            Ok(p) => unsafe { *arr.add(i) = p },
            Err(e) => {
                for j in 0..i {
                    // SAFETY: entries 0..i were set above to strings from
                    // `malloc_string`, each freed once on this error path.
                    unsafe { libc::free(*arr.add(j) as *mut libc::c_void) };
                }
                // SAFETY: `arr` came from `calloc` above and is freed once, on this error path
                // only.
                unsafe { libc::free(arr as *mut libc::c_void) };
                return Err(e);
            }
        }
    }
    Ok(arr)
}

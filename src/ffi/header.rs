//! `headerGroup`: standalone header maps (`natsHeader_*`), plus the helpers
//! that `natsMsgHeader_*` share with them.
use super::handle::{self, BoxCastable, Castable};
use super::{cstr, guard, guard_or, not_null, write_out};
use crate::error::{Error, Result};
use crate::proto::headers::Headers;
use crate::status::natsStatus;
use libc::{c_char, c_int};

/// A map of header keys to one or more values (opaque).
pub struct natsHeader {
    _private: [u8; 0],
}
impl Castable for natsHeader {
    type RustType = crate::proto::headers::Headers;
}
impl BoxCastable for natsHeader {}

/// A required, non-empty key.
///
/// # Safety
/// `key` is NULL or a NUL-terminated string valid and unchanged for `'a`.
pub(crate) unsafe fn key_arg<'a>(key: *const c_char) -> Result<&'a [u8]> {
    // SAFETY: `key` is NULL (handled) or, by the C contract, a NUL-terminated string that stays
    // valid and unchanged for the duration of the call.
    let k = unsafe { cstr::bytes(key, "key") }?;
    if k.is_empty() {
        return Err(Error::invalid_arg("invalid argument: 'key' cannot be empty"));
    }
    Ok(k)
}

/// Builds a `malloc`ed array of `n` borrowed string pointers that C frees
/// with `free()` (the strings themselves stay owned by the library).
pub(crate) fn malloc_ptr_array<'a>(
    items: impl ExactSizeIterator<Item = &'a std::ffi::CStr>,
) -> Result<(*mut *const c_char, c_int)> {
    let n = items.len();
    let count = c_int::try_from(n).map_err(|_| Error::invalid_arg("too many header entries"))?;
    // SAFETY: plain allocation, checked for NULL below.
    let arr = unsafe { libc::calloc(n.max(1), std::mem::size_of::<*const c_char>()) } as *mut *const c_char;
    if arr.is_null() {
        return Err(Error::status(natsStatus::NATS_NO_MEMORY));
    }
    for (i, s) in items.enumerate().take(n) {
        // SAFETY: i < n, the array holds n pointers.
        unsafe { *arr.add(i) = s.as_ptr() };
    }
    Ok((arr, count))
}

/// `Get` for headers that may be absent: writes the first value of `key`
/// (or NULL) and returns `NATS_OK` or `NATS_NOT_FOUND`.
///
/// # Safety
/// `value` is non-NULL (callers check it) and points to writable storage for a `const char*`.
pub(crate) unsafe fn get_into(h: Option<&Headers>, key: &[u8], value: *mut *const c_char) -> natsStatus {
    match h.and_then(|h| h.get(key)) {
        Some(v) => {
            // SAFETY: `value` was checked non-NULL by every caller (`not_null` before calling) and
            // points to writable storage for a pointer (C contract); see `# Safety`.
            unsafe { write_out(value, v.as_ptr()) };
            natsStatus::NATS_OK
        }
        None => {
            // SAFETY: as above: `value` is non-NULL and writable per this function's contract.
            unsafe { write_out(value, std::ptr::null()) };
            natsStatus::NATS_NOT_FOUND
        }
    }
}

/// `Values` for headers that may be absent.
///
/// # Safety
/// `values` and `count` are non-NULL (callers check them) and point to writable storage.
pub(crate) unsafe fn values_into(
    h: Option<&Headers>,
    key: &[u8],
    values: *mut *mut *const c_char,
    count: *mut c_int,
) -> Result<natsStatus> {
    // SAFETY: `values` and `count` were checked non-NULL by every caller (this function's `#
    // Safety` contract) and point to writable storage.
    unsafe {
        write_out(values, std::ptr::null_mut());
        write_out(count, 0);
    }
    match h.and_then(|h| h.values(key)) {
        Some(vals) if !vals.is_empty() => {
            let (arr, n) = malloc_ptr_array(vals.iter().map(|v| v.as_c_str()))?;
            // SAFETY: as above: `values` and `count` are non-NULL and writable per this function's
            // contract.
            unsafe {
                write_out(values, arr);
                write_out(count, n);
            }
            Ok(natsStatus::NATS_OK)
        }
        _ => Ok(natsStatus::NATS_NOT_FOUND),
    }
}

/// `Keys` for headers that may be absent.
///
/// # Safety
/// `keys` and `count` are non-NULL (callers check them) and point to writable storage.
pub(crate) unsafe fn keys_into(
    h: Option<&Headers>,
    keys: *mut *mut *const c_char,
    count: *mut c_int,
) -> Result<natsStatus> {
    // SAFETY: `keys` and `count` were checked non-NULL by every caller (this function's `# Safety`
    // contract) and point to writable storage.
    unsafe {
        write_out(keys, std::ptr::null_mut());
        write_out(count, 0);
    }
    match h {
        Some(h) if !h.is_empty() => {
            let (arr, n) = malloc_ptr_array(h.keys())?;
            // SAFETY: as above: `keys` and `count` are non-NULL and writable per this function's
            // contract.
            unsafe {
                write_out(keys, arr);
                write_out(count, n);
            }
            Ok(natsStatus::NATS_OK)
        }
        _ => Ok(natsStatus::NATS_NOT_FOUND),
    }
}

/// Creates an empty header map.
///
/// On success `*new_header` receives a map the caller owns and releases with
/// `natsHeader_Destroy`. Returns `NATS_INVALID_ARG` if `new_header` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_New(new_header: *mut *mut natsHeader) -> natsStatus {
    guard("natsHeader_New", || {
        not_null(new_header, "new_header")?;
        // SAFETY: `new_header` was checked non-NULL above and, by the C contract, points to
        // writable storage for the result.
        unsafe { write_out(new_header, handle::box_into_raw::<natsHeader>(Headers::new())) };
        Ok(())
    })
}

/// Makes `value` the only value of `key`, replacing any values it had.
///
/// `key` must be a non-empty string without CR, LF, ':' or whitespace;
/// `value` may be empty but not NULL and must not contain CR or LF.
/// Otherwise, or if `h` is NULL, returns `NATS_INVALID_ARG`.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Set(h: *mut natsHeader, key: *const c_char, value: *const c_char) -> natsStatus {
    guard("natsHeader_Set", || {
        // SAFETY: `h` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a header map
        // from `natsHeader_New` that the program has not destroyed; cnats does not allow concurrent
        // use of it, so this `&mut` is unique for the call.
        let hd = unsafe { handle::box_mut::<natsHeader>(h, "h") }?;
        // SAFETY: `key` is NULL (handled) or, by the C contract, a NUL-terminated string that stays
        // valid and unchanged for the duration of the call.
        let k = unsafe { key_arg(key) }?;
        // SAFETY: `value` is NULL (handled) or, by the C contract, a NUL-terminated string that
        // stays valid and unchanged for the duration of the call.
        let v = unsafe { cstr::bytes(value, "value") }?;
        hd.set(k, v)
    })
}

/// Appends `value` to the values of `key` (creating the key if needed).
///
/// Same argument rules as `natsHeader_Set`.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Add(h: *mut natsHeader, key: *const c_char, value: *const c_char) -> natsStatus {
    guard("natsHeader_Add", || {
        // SAFETY: `h` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a header map
        // from `natsHeader_New` that the program has not destroyed; cnats does not allow concurrent
        // use of it, so this `&mut` is unique for the call.
        let hd = unsafe { handle::box_mut::<natsHeader>(h, "h") }?;
        // SAFETY: `key` is NULL (handled) or, by the C contract, a NUL-terminated string that stays
        // valid and unchanged for the duration of the call.
        let k = unsafe { key_arg(key) }?;
        // SAFETY: `value` is NULL (handled) or, by the C contract, a NUL-terminated string that
        // stays valid and unchanged for the duration of the call.
        let v = unsafe { cstr::bytes(value, "value") }?;
        hd.add(k, v)
    })
}

/// Stores in `*value` the first value of `key`.
///
/// The string belongs to the header map: do not free or change it; it stays
/// valid until the map is changed or destroyed. Returns `NATS_NOT_FOUND`
/// (with `*value` set to NULL) when the key is absent; `NATS_INVALID_ARG`
/// if `h`, `value` or `key` is NULL, or `key` is empty. Keys are
/// case-sensitive.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Get(
    h: *mut natsHeader,
    key: *const c_char,
    value: *mut *const c_char,
) -> natsStatus {
    guard("natsHeader_Get", || {
        // SAFETY: `h` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a header map
        // from `natsHeader_New` that the program has not destroyed.
        let hd = unsafe { handle::box_ref::<natsHeader>(h, "h") }?;
        // SAFETY: `key` is NULL (handled) or, by the C contract, a NUL-terminated string that stays
        // valid and unchanged for the duration of the call.
        let k = unsafe { key_arg(key) }?;
        not_null(value, "value")?;
        // SAFETY: `value` was checked non-NULL just above, as `get_into` requires.
        Ok(unsafe { get_into(Some(hd), k, value) })
    })
}

/// Stores in `*values` an array of all values of `key` (in the order they
/// were added) and their number in `*count`.
///
/// The caller frees the array with `free()`; the strings in it belong to
/// the map and must not be freed. Returns `NATS_NOT_FOUND` (with `*values`
/// NULL and `*count` 0) when the key is absent; `NATS_INVALID_ARG` for a
/// NULL `h`, `key`, `values` or `count`, or an empty `key`.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Values(
    h: *mut natsHeader,
    key: *const c_char,
    values: *mut *mut *const c_char,
    count: *mut c_int,
) -> natsStatus {
    guard("natsHeader_Values", || {
        // SAFETY: `h` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a header map
        // from `natsHeader_New` that the program has not destroyed.
        let hd = unsafe { handle::box_ref::<natsHeader>(h, "h") }?;
        // SAFETY: `key` is NULL (handled) or, by the C contract, a NUL-terminated string that stays
        // valid and unchanged for the duration of the call.
        let k = unsafe { key_arg(key) }?;
        not_null(values, "values")?;
        not_null(count, "count")?;
        // SAFETY: `values` and `count` were checked non-NULL just above, as `values_into` requires.
        unsafe { values_into(Some(hd), k, values, count) }
    })
}

/// Stores in `*keys` an array of all keys (in insertion order) and their
/// number in `*count`.
///
/// The caller frees the array with `free()`; the strings belong to the map.
/// Returns `NATS_NOT_FOUND` when the map is empty; `NATS_INVALID_ARG` for a
/// NULL argument.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Keys(
    h: *mut natsHeader,
    keys: *mut *mut *const c_char,
    count: *mut c_int,
) -> natsStatus {
    guard("natsHeader_Keys", || {
        // SAFETY: `h` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a header map
        // from `natsHeader_New` that the program has not destroyed.
        let hd = unsafe { handle::box_ref::<natsHeader>(h, "h") }?;
        not_null(keys, "keys")?;
        not_null(count, "count")?;
        // SAFETY: `keys` and `count` were checked non-NULL just above, as `keys_into` requires.
        unsafe { keys_into(Some(hd), keys, count) }
    })
}

/// Returns the number of distinct keys in the map; 0 if `h` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_KeysCount(h: *mut natsHeader) -> c_int {
    guard_or("natsHeader_KeysCount", 0, || {
        if h.is_null() {
            return Ok(0);
        }
        // SAFETY: `h` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a header map
        // from `natsHeader_New` that the program has not destroyed.
        let hd = unsafe { handle::box_ref::<natsHeader>(h, "h") }?;
        Ok(c_int::try_from(hd.len()).unwrap_or(c_int::MAX))
    })
}

/// Removes `key` and all its values.
///
/// Returns `NATS_NOT_FOUND` when the key is absent; `NATS_INVALID_ARG` for
/// a NULL `h` or a NULL/empty `key`.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Delete(h: *mut natsHeader, key: *const c_char) -> natsStatus {
    guard("natsHeader_Delete", || {
        // SAFETY: `h` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a header map
        // from `natsHeader_New` that the program has not destroyed; cnats does not allow concurrent
        // use of it, so this `&mut` is unique for the call.
        let hd = unsafe { handle::box_mut::<natsHeader>(h, "h") }?;
        // SAFETY: `key` is NULL (handled) or, by the C contract, a NUL-terminated string that stays
        // valid and unchanged for the duration of the call.
        let k = unsafe { key_arg(key) }?;
        Ok(if hd.delete(k) {
            natsStatus::NATS_OK
        } else {
            natsStatus::NATS_NOT_FOUND
        })
    })
}

/// Frees a header map made by `natsHeader_New`, with all its keys and
/// values. A NULL `h` is ignored.
#[no_mangle]
pub unsafe extern "C" fn natsHeader_Destroy(h: *mut natsHeader) {
    guard_or("natsHeader_Destroy", (), || {
        // SAFETY: `h` is NULL (nothing to do) or, by the C contract, a header map from
        // `natsHeader_New` that the program has not destroyed; the program gives up its pointer
        // with this call, so the ownership taken back here is the only one.
        drop(unsafe { handle::box_take::<natsHeader>(h) });
        Ok(())
    });
}

// Unit tests call the exported functions with handles and strings they
// built themselves, or with NULL on purpose: each `unsafe` is a call of the
// function under test, whose job is to cope, so the blocks carry no
// individual SAFETY notes.
#[cfg(test)]
#[allow(clippy::undocumented_unsafe_blocks)]
mod tests {
    use super::*;
    use std::ffi::{CStr, CString};

    fn c(s: &str) -> CString {
        CString::new(s).unwrap()
    }

    unsafe fn strs(arr: *mut *const c_char, n: c_int) -> Vec<String> {
        let v = (0..n as usize)
            .map(|i| unsafe { CStr::from_ptr(*arr.add(i)) }.to_string_lossy().into_owned())
            .collect();
        unsafe { libc::free(arr as *mut libc::c_void) };
        v
    }

    #[test]
    fn header_map_lifecycle() {
        unsafe {
            let mut h: *mut natsHeader = std::ptr::null_mut();
            assert_eq!(natsHeader_New(&mut h), natsStatus::NATS_OK);
            assert!(!h.is_null());
            assert_eq!(natsHeader_KeysCount(h), 0);

            let mut keys: *mut *const c_char = std::ptr::null_mut();
            let mut n: c_int = -1;
            assert_eq!(natsHeader_Keys(h, &mut keys, &mut n), natsStatus::NATS_NOT_FOUND);
            assert!(keys.is_null());
            assert_eq!(n, 0);

            let mut v: *const c_char = std::ptr::null();
            assert_eq!(natsHeader_Get(h, c("A").as_ptr(), &mut v), natsStatus::NATS_NOT_FOUND);
            assert!(v.is_null());

            assert_eq!(natsHeader_Set(h, c("A").as_ptr(), c("1").as_ptr()), natsStatus::NATS_OK);
            assert_eq!(natsHeader_Add(h, c("B").as_ptr(), c("x").as_ptr()), natsStatus::NATS_OK);
            assert_eq!(natsHeader_Add(h, c("A").as_ptr(), c("2").as_ptr()), natsStatus::NATS_OK);
            assert_eq!(natsHeader_Add(h, c("E").as_ptr(), c("").as_ptr()), natsStatus::NATS_OK);
            assert_eq!(natsHeader_KeysCount(h), 3);

            assert_eq!(natsHeader_Get(h, c("A").as_ptr(), &mut v), natsStatus::NATS_OK);
            assert_eq!(CStr::from_ptr(v).to_bytes(), b"1");
            assert_eq!(natsHeader_Get(h, c("a").as_ptr(), &mut v), natsStatus::NATS_NOT_FOUND);

            let mut vals: *mut *const c_char = std::ptr::null_mut();
            assert_eq!(
                natsHeader_Values(h, c("A").as_ptr(), &mut vals, &mut n),
                natsStatus::NATS_OK
            );
            assert_eq!(strs(vals, n), vec!["1", "2"]);
            assert_eq!(
                natsHeader_Values(h, c("Z").as_ptr(), &mut vals, &mut n),
                natsStatus::NATS_NOT_FOUND
            );
            assert!(vals.is_null());

            assert_eq!(natsHeader_Keys(h, &mut keys, &mut n), natsStatus::NATS_OK);
            assert_eq!(strs(keys, n), vec!["A", "B", "E"]);

            assert_eq!(natsHeader_Set(h, c("A").as_ptr(), c("3").as_ptr()), natsStatus::NATS_OK);
            assert_eq!(
                natsHeader_Values(h, c("A").as_ptr(), &mut vals, &mut n),
                natsStatus::NATS_OK
            );
            assert_eq!(strs(vals, n), vec!["3"]);

            assert_eq!(natsHeader_Delete(h, c("A").as_ptr()), natsStatus::NATS_OK);
            assert_eq!(natsHeader_Delete(h, c("A").as_ptr()), natsStatus::NATS_NOT_FOUND);
            assert_eq!(natsHeader_KeysCount(h), 2);
            natsHeader_Destroy(h);
        }
    }

    #[test]
    fn header_map_bad_args() {
        unsafe {
            assert_eq!(natsHeader_New(std::ptr::null_mut()), natsStatus::NATS_INVALID_ARG);
            let mut h: *mut natsHeader = std::ptr::null_mut();
            assert_eq!(natsHeader_New(&mut h), natsStatus::NATS_OK);
            let null = std::ptr::null();
            let (k, v) = (c("K"), c("V"));
            assert_eq!(
                natsHeader_Set(std::ptr::null_mut(), k.as_ptr(), v.as_ptr()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(natsHeader_Set(h, null, v.as_ptr()), natsStatus::NATS_INVALID_ARG);
            assert_eq!(
                natsHeader_Set(h, c("").as_ptr(), v.as_ptr()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(natsHeader_Set(h, k.as_ptr(), null), natsStatus::NATS_INVALID_ARG);
            assert_eq!(natsHeader_Add(h, k.as_ptr(), null), natsStatus::NATS_INVALID_ARG);
            assert_eq!(
                natsHeader_Add(h, c("a:b").as_ptr(), v.as_ptr()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                natsHeader_Add(h, k.as_ptr(), c("a\r\nX: y").as_ptr()),
                natsStatus::NATS_INVALID_ARG
            );
            let mut out: *const c_char = null;
            assert_eq!(
                natsHeader_Get(h, k.as_ptr(), std::ptr::null_mut()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                natsHeader_Get(std::ptr::null_mut(), k.as_ptr(), &mut out),
                natsStatus::NATS_INVALID_ARG
            );
            let mut n: c_int = 0;
            let mut arr: *mut *const c_char = std::ptr::null_mut();
            assert_eq!(
                natsHeader_Values(h, k.as_ptr(), &mut arr, std::ptr::null_mut()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                natsHeader_Values(h, k.as_ptr(), std::ptr::null_mut(), &mut n),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                natsHeader_Keys(h, std::ptr::null_mut(), &mut n),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                natsHeader_Keys(std::ptr::null_mut(), &mut arr, &mut n),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(natsHeader_Delete(h, null), natsStatus::NATS_INVALID_ARG);
            assert_eq!(
                natsHeader_Delete(std::ptr::null_mut(), k.as_ptr()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(natsHeader_KeysCount(std::ptr::null_mut()), 0);
            assert_eq!(natsHeader_KeysCount(h), 0);
            natsHeader_Destroy(h);
            natsHeader_Destroy(std::ptr::null_mut());
        }
    }
}

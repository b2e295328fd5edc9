//! `msgGroup`: messages and their headers.
use super::handle::{self, BoxCastable, Castable};
use super::header::{get_into, key_arg, keys_into, values_into};
use super::{cstr, guard, guard_or, not_null, write_out};
use crate::error::Error;
use crate::msg::Msg;
use crate::status::natsStatus;
use libc::{c_char, c_int};

/// A message: subject, optional reply, headers and data (opaque).
pub struct natsMsg {
    _private: [u8; 0],
}
impl Castable for natsMsg {
    type RustType = crate::msg::Msg;
}
impl BoxCastable for natsMsg {}

/// A list of messages, filled by some APIs (fetch, pending publishes).
///
/// `Msgs` is an array of `Count` message pointers allocated by the library.
/// `natsMsgList_Destroy` destroys every message still in it (set an entry to
/// NULL to keep that message; do not change `Count`) and frees the array,
/// but not the list object itself, which is usually on the caller's stack.
#[repr(C)]
pub struct natsMsgList {
    pub Msgs: *mut *mut natsMsg,
    pub Count: c_int,
}

/// Destroys the messages of `list` and frees its array.
///
/// Every non-NULL entry of `Msgs` is destroyed, the array is freed, and the
/// list is reset to `Msgs = NULL`, `Count = 0`. The `natsMsgList` object
/// itself is not freed. A NULL `list`, or one with a NULL `Msgs`, is
/// ignored.
#[no_mangle]
pub unsafe extern "C" fn natsMsgList_Destroy(list: *mut natsMsgList) {
    guard_or("natsMsgList_Destroy", (), || {
        // SAFETY: C passes a valid list or NULL.
        let Some(list) = (unsafe { list.as_mut() }) else {
            return Ok(());
        };
        if list.Msgs.is_null() {
            return Ok(());
        }
        for i in 0..list.Count.max(0) as usize {
            // SAFETY: the array holds `Count` entries.
            let m = unsafe { *list.Msgs.add(i) };
            // SAFETY: `m` is NULL (nothing to do) or, by the C contract, a message the program owns
            // (from `natsMsg_Create`, `NextMsg`, a request or a message callback) and has not
            // destroyed; the program gives up its pointer with this call, so the ownership taken
            // back here is the only one.
            drop(unsafe { handle::box_take::<natsMsg>(m) });
        }
        // SAFETY: the array was allocated with malloc by the library.
        unsafe { libc::free(list.Msgs as *mut libc::c_void) };
        list.Msgs = std::ptr::null_mut();
        list.Count = 0;
        Ok(())
    });
}

/// Creates a message for `natsConnection_PublishMsg` or a request.
///
/// `subj` is required and non-empty; `reply` is optional but, when given,
/// must not be empty; `data` may be NULL only when `dataLen` is 0, and is
/// copied. On success `*newMsg` receives a message the caller owns and
/// releases with `natsMsg_Destroy`. Any bad argument gives
/// `NATS_INVALID_ARG`.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_Create(
    newMsg: *mut *mut natsMsg,
    subj: *const c_char,
    reply: *const c_char,
    data: *const c_char,
    dataLen: c_int,
) -> natsStatus {
    guard("natsMsg_Create", || {
        not_null(newMsg, "newMsg")?;
        // SAFETY: `subj` is NULL (handled) or, by the C contract, a NUL-terminated string that
        // stays valid and unchanged for the duration of the call.
        let s = unsafe { cstr::bytes(subj, "subj") }?;
        if s.is_empty() {
            return Err(Error::invalid_arg("invalid argument: 'subj' cannot be empty"));
        }
        // SAFETY: `reply` is NULL (handled) or, by the C contract, a NUL-terminated string that
        // stays valid and unchanged for the duration of the call.
        let r = unsafe { cstr::opt_bytes(reply) };
        if r.is_some_and(|r| r.is_empty()) {
            return Err(Error::invalid_arg("invalid argument: 'reply' cannot be empty"));
        }
        let len = usize::try_from(dataLen)
            .map_err(|_| Error::invalid_arg(format!("invalid argument: 'dataLen' is negative ({dataLen})")))?;
        let d: &[u8] = if len == 0 {
            &[]
        } else {
            not_null(data, "data")?;
            // SAFETY: C promises `data` points to `dataLen` readable bytes.
            unsafe { std::slice::from_raw_parts(data as *const u8, len) }
        };
        let m = Msg::new(s, r, d)?;
        // SAFETY: `newMsg` was checked non-NULL above and, by the C contract, points to writable
        // storage for the result.
        unsafe { write_out(newMsg, handle::box_into_raw::<natsMsg>(m)) };
        Ok(())
    })
}

/// Returns the subject of the message (owned by the message: do not free),
/// or NULL if `msg` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetSubject(msg: *const natsMsg) -> *const c_char {
    guard_or("natsMsg_GetSubject", std::ptr::null(), || {
        if msg.is_null() {
            return Ok(std::ptr::null());
        }
        // SAFETY: `msg` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a message
        // the program owns (from `natsMsg_Create`, `NextMsg`, a request or a message callback) and
        // has not destroyed.
        let m = unsafe { handle::box_ref::<natsMsg>(msg, "msg") }?;
        Ok(m.subject_cstr().as_ptr())
    })
}

/// Returns the reply subject of the message, or NULL if it has none or
/// `msg` is NULL. The string is owned by the message.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetReply(msg: *const natsMsg) -> *const c_char {
    guard_or("natsMsg_GetReply", std::ptr::null(), || {
        if msg.is_null() {
            return Ok(std::ptr::null());
        }
        // SAFETY: `msg` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a message
        // the program owns (from `natsMsg_Create`, `NextMsg`, a request or a message callback) and
        // has not destroyed.
        let m = unsafe { handle::box_ref::<natsMsg>(msg, "msg") }?;
        Ok(m.reply_cstr().map_or(std::ptr::null(), |r| r.as_ptr()))
    })
}

/// Returns the payload of the message, or NULL if `msg` is NULL.
///
/// The library adds a NUL byte after the payload (not counted by
/// `natsMsg_GetDataLength`), so a text payload can be used as a C string
/// directly. The buffer is owned by the message: do not free it.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetData(msg: *const natsMsg) -> *const c_char {
    guard_or("natsMsg_GetData", std::ptr::null(), || {
        if msg.is_null() {
            return Ok(std::ptr::null());
        }
        // SAFETY: `msg` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a message
        // the program owns (from `natsMsg_Create`, `NextMsg`, a request or a message callback) and
        // has not destroyed.
        let m = unsafe { handle::box_ref::<natsMsg>(msg, "msg") }?;
        Ok(m.data_with_nul().as_ptr() as *const c_char)
    })
}

/// Returns the payload length in bytes (headers excluded), or 0 if `msg`
/// is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetDataLength(msg: *const natsMsg) -> c_int {
    guard_or("natsMsg_GetDataLength", 0, || {
        if msg.is_null() {
            return Ok(0);
        }
        // SAFETY: `msg` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a message
        // the program owns (from `natsMsg_Create`, `NextMsg`, a request or a message callback) and
        // has not destroyed.
        let m = unsafe { handle::box_ref::<natsMsg>(msg, "msg") }?;
        Ok(c_int::try_from(m.data().len()).unwrap_or(c_int::MAX))
    })
}

/// Makes `value` the only value of header `key` on the message, replacing
/// any values it had (keys are case-sensitive).
///
/// `key` must be non-empty, without CR, LF, ':' or whitespace; `value` may
/// be NULL or empty (both store an empty value) and must not contain CR or
/// LF. Bad arguments give `NATS_INVALID_ARG`; a malformed header block
/// received from the server gives `NATS_PROTOCOL_ERROR`.
#[no_mangle]
pub unsafe extern "C" fn natsMsgHeader_Set(msg: *mut natsMsg, key: *const c_char, value: *const c_char) -> natsStatus {
    guard("natsMsgHeader_Set", || {
        // SAFETY: `msg` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a message
        // the program owns (from `natsMsg_Create`, `NextMsg`, a request or a message callback) and
        // has not destroyed; cnats does not allow concurrent use of it, so this `&mut` is unique
        // for the call.
        let m = unsafe { handle::box_mut::<natsMsg>(msg, "msg") }?;
        // SAFETY: `key` is NULL (handled) or, by the C contract, a NUL-terminated string that stays
        // valid and unchanged for the duration of the call.
        let k = unsafe { key_arg(key) }?;
        // SAFETY: `value` is NULL (handled) or, by the C contract, a NUL-terminated string that
        // stays valid and unchanged for the duration of the call.
        let v = unsafe { cstr::opt_bytes(value) }.unwrap_or(b"");
        match m.headers()? {
            Some(h) => h.set(k, v),
            None => Err(Error::status(natsStatus::NATS_ERR)),
        }
    })
}

/// Appends `value` to the values of header `key` on the message.
///
/// Same argument rules as `natsMsgHeader_Set`.
#[no_mangle]
pub unsafe extern "C" fn natsMsgHeader_Add(msg: *mut natsMsg, key: *const c_char, value: *const c_char) -> natsStatus {
    guard("natsMsgHeader_Add", || {
        // SAFETY: `msg` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a message
        // the program owns (from `natsMsg_Create`, `NextMsg`, a request or a message callback) and
        // has not destroyed; cnats does not allow concurrent use of it, so this `&mut` is unique
        // for the call.
        let m = unsafe { handle::box_mut::<natsMsg>(msg, "msg") }?;
        // SAFETY: `key` is NULL (handled) or, by the C contract, a NUL-terminated string that stays
        // valid and unchanged for the duration of the call.
        let k = unsafe { key_arg(key) }?;
        // SAFETY: `value` is NULL (handled) or, by the C contract, a NUL-terminated string that
        // stays valid and unchanged for the duration of the call.
        let v = unsafe { cstr::opt_bytes(value) }.unwrap_or(b"");
        match m.headers()? {
            Some(h) => h.add(k, v),
            None => Err(Error::status(natsStatus::NATS_ERR)),
        }
    })
}

/// Stores in `*value` the first value of header `key`.
///
/// The string belongs to the message and stays valid until its headers
/// change or it is destroyed. Returns `NATS_NOT_FOUND` (with `*value` NULL)
/// when the message has no such header or no headers at all;
/// `NATS_INVALID_ARG` for a NULL `msg`/`value` or a NULL/empty `key`.
#[no_mangle]
pub unsafe extern "C" fn natsMsgHeader_Get(
    msg: *mut natsMsg,
    key: *const c_char,
    value: *mut *const c_char,
) -> natsStatus {
    guard("natsMsgHeader_Get", || {
        // SAFETY: `msg` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a message
        // the program owns (from `natsMsg_Create`, `NextMsg`, a request or a message callback) and
        // has not destroyed; cnats does not allow concurrent use of it, so this `&mut` is unique
        // for the call.
        let m = unsafe { handle::box_mut::<natsMsg>(msg, "msg") }?;
        // SAFETY: `key` is NULL (handled) or, by the C contract, a NUL-terminated string that stays
        // valid and unchanged for the duration of the call.
        let k = unsafe { key_arg(key) }?;
        not_null(value, "value")?;
        // SAFETY: `value` was checked non-NULL above and, by the C contract, points to writable
        // storage for the result.
        unsafe { write_out(value, std::ptr::null()) };
        let h = m.existing_headers()?;
        // SAFETY: `value` was checked non-NULL above, as `get_into` requires.
        Ok(unsafe { get_into(h.map(|h| &*h), k, value) })
    })
}

/// Stores in `*values` an array of all values of header `key` and their
/// number in `*count`.
///
/// The caller frees the array with `free()`; the strings belong to the
/// message. Returns `NATS_NOT_FOUND` when the key (or any header) is
/// absent; `NATS_INVALID_ARG` for NULL arguments or an empty `key`.
#[no_mangle]
pub unsafe extern "C" fn natsMsgHeader_Values(
    msg: *mut natsMsg,
    key: *const c_char,
    values: *mut *mut *const c_char,
    count: *mut c_int,
) -> natsStatus {
    guard("natsMsgHeader_Values", || {
        // SAFETY: `msg` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a message
        // the program owns (from `natsMsg_Create`, `NextMsg`, a request or a message callback) and
        // has not destroyed; cnats does not allow concurrent use of it, so this `&mut` is unique
        // for the call.
        let m = unsafe { handle::box_mut::<natsMsg>(msg, "msg") }?;
        // SAFETY: `key` is NULL (handled) or, by the C contract, a NUL-terminated string that stays
        // valid and unchanged for the duration of the call.
        let k = unsafe { key_arg(key) }?;
        not_null(values, "values")?;
        not_null(count, "count")?;
        // SAFETY: `values` and `count` were checked non-NULL just above and, by the C contract,
        // point to writable storage.
        unsafe {
            write_out(values, std::ptr::null_mut());
            write_out(count, 0);
        }
        let h = m.existing_headers()?;
        // SAFETY: `values` and `count` were checked non-NULL above, as `values_into` requires.
        unsafe { values_into(h.map(|h| &*h), k, values, count) }
    })
}

/// Stores in `*keys` an array of all header keys of the message (in
/// insertion order) and their number in `*count`.
///
/// The caller frees the array with `free()`; the strings belong to the
/// message. Returns `NATS_NOT_FOUND` when the message has no headers;
/// `NATS_INVALID_ARG` for NULL arguments.
#[no_mangle]
pub unsafe extern "C" fn natsMsgHeader_Keys(
    msg: *mut natsMsg,
    keys: *mut *mut *const c_char,
    count: *mut c_int,
) -> natsStatus {
    guard("natsMsgHeader_Keys", || {
        // SAFETY: `msg` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a message
        // the program owns (from `natsMsg_Create`, `NextMsg`, a request or a message callback) and
        // has not destroyed; cnats does not allow concurrent use of it, so this `&mut` is unique
        // for the call.
        let m = unsafe { handle::box_mut::<natsMsg>(msg, "msg") }?;
        not_null(keys, "keys")?;
        not_null(count, "count")?;
        // SAFETY: `keys` and `count` were checked non-NULL just above and, by the C contract, point
        // to writable storage.
        unsafe {
            write_out(keys, std::ptr::null_mut());
            write_out(count, 0);
        }
        let h = m.existing_headers()?;
        // SAFETY: `keys` and `count` were checked non-NULL above, as `keys_into` requires.
        unsafe { keys_into(h.map(|h| &*h), keys, count) }
    })
}

/// Removes header `key` and all its values from the message.
///
/// Returns `NATS_NOT_FOUND` when the key (or any header) is absent;
/// `NATS_INVALID_ARG` for a NULL `msg` or a NULL/empty `key`.
#[no_mangle]
pub unsafe extern "C" fn natsMsgHeader_Delete(msg: *mut natsMsg, key: *const c_char) -> natsStatus {
    guard("natsMsgHeader_Delete", || {
        // SAFETY: `msg` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a message
        // the program owns (from `natsMsg_Create`, `NextMsg`, a request or a message callback) and
        // has not destroyed; cnats does not allow concurrent use of it, so this `&mut` is unique
        // for the call.
        let m = unsafe { handle::box_mut::<natsMsg>(msg, "msg") }?;
        // SAFETY: `key` is NULL (handled) or, by the C contract, a NUL-terminated string that stays
        // valid and unchanged for the duration of the call.
        let k = unsafe { key_arg(key) }?;
        let deleted = m.existing_headers()?.is_some_and(|h| h.delete(k));
        Ok(if deleted {
            natsStatus::NATS_OK
        } else {
            natsStatus::NATS_NOT_FOUND
        })
    })
}

/// Tells whether the message is the server's "no responders" reply to a
/// request: an empty payload with the header `Status` set to `503`.
/// Returns false if `msg` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_IsNoResponders(msg: *mut natsMsg) -> bool {
    guard_or("natsMsg_IsNoResponders", false, || {
        if msg.is_null() {
            return Ok(false);
        }
        // SAFETY: `msg` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a message
        // the program owns (from `natsMsg_Create`, `NextMsg`, a request or a message callback) and
        // has not destroyed.
        let m = unsafe { handle::box_ref::<natsMsg>(msg, "msg") }?;
        Ok(m.is_no_responders())
    })
}

/// Frees a message: one created with `natsMsg_Create`, or one handed to
/// the application by a subscription. A NULL `msg` is ignored.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_Destroy(msg: *mut natsMsg) {
    guard_or("natsMsg_Destroy", (), || {
        // SAFETY: `msg` is NULL (nothing to do) or, by the C contract, a message the program owns
        // (from `natsMsg_Create`, `NextMsg`, a request or a message callback) and has not
        // destroyed; the program gives up its pointer with this call, so the ownership taken back
        // here is the only one.
        if let Some(m) = unsafe { handle::box_take::<natsMsg>(msg) } {
            crate::msg::recycle(m);
        }
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
    use std::ptr::{null, null_mut};

    fn c(s: &str) -> CString {
        CString::new(s).unwrap()
    }

    unsafe fn create(subj: &str, reply: Option<&str>, data: &[u8]) -> *mut natsMsg {
        let s = c(subj);
        let r = reply.map(c);
        let mut m: *mut natsMsg = null_mut();
        let st = unsafe {
            natsMsg_Create(
                &mut m,
                s.as_ptr(),
                r.as_ref().map_or(null(), |r| r.as_ptr()),
                data.as_ptr() as *const c_char,
                data.len() as c_int,
            )
        };
        assert_eq!(st, natsStatus::NATS_OK);
        assert!(!m.is_null());
        m
    }

    unsafe fn strs(arr: *mut *const c_char, n: c_int) -> Vec<String> {
        let v = (0..n as usize)
            .map(|i| unsafe { CStr::from_ptr(*arr.add(i)) }.to_string_lossy().into_owned())
            .collect();
        unsafe { libc::free(arr as *mut libc::c_void) };
        v
    }

    unsafe fn get(m: *mut natsMsg, k: &str) -> (natsStatus, Option<String>) {
        let mut v: *const c_char = c"sentinel".as_ptr();
        let st = unsafe { natsMsgHeader_Get(m, c(k).as_ptr(), &mut v) };
        let val = (!v.is_null()).then(|| unsafe { CStr::from_ptr(v) }.to_string_lossy().into_owned());
        (st, val)
    }

    #[test]
    fn create_and_read() {
        unsafe {
            let m = create("foo", Some("bar"), b"hello");
            assert_eq!(CStr::from_ptr(natsMsg_GetSubject(m)).to_bytes(), b"foo");
            assert_eq!(CStr::from_ptr(natsMsg_GetReply(m)).to_bytes(), b"bar");
            assert_eq!(CStr::from_ptr(natsMsg_GetData(m)).to_bytes(), b"hello");
            assert_eq!(natsMsg_GetDataLength(m), 5);
            assert!(!natsMsg_IsNoResponders(m));
            natsMsg_Destroy(m);

            let m = create("foo", None, b"");
            assert!(natsMsg_GetReply(m).is_null());
            assert_eq!(natsMsg_GetDataLength(m), 0);
            let d = natsMsg_GetData(m);
            assert!(!d.is_null());
            assert_eq!(*d, 0);
            natsMsg_Destroy(m);

            // NULL data with length 0.
            let mut m: *mut natsMsg = null_mut();
            assert_eq!(
                natsMsg_Create(&mut m, c("a").as_ptr(), null(), null(), 0),
                natsStatus::NATS_OK
            );
            assert_eq!(natsMsg_GetDataLength(m), 0);
            natsMsg_Destroy(m);
        }
    }

    #[test]
    fn create_bad_args() {
        unsafe {
            let (s, d) = (c("foo"), c("data"));
            let mut m: *mut natsMsg = null_mut();
            let st = |m: *mut *mut natsMsg, s: *const c_char, r: *const c_char, d: *const c_char, n: c_int| {
                natsMsg_Create(m, s, r, d, n)
            };
            assert_eq!(
                st(null_mut(), s.as_ptr(), null(), d.as_ptr(), 4),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(st(&mut m, null(), null(), d.as_ptr(), 4), natsStatus::NATS_INVALID_ARG);
            assert_eq!(
                st(&mut m, c("").as_ptr(), null(), d.as_ptr(), 4),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                st(&mut m, s.as_ptr(), c("").as_ptr(), d.as_ptr(), 4),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                st(&mut m, s.as_ptr(), null(), d.as_ptr(), -1),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(st(&mut m, s.as_ptr(), null(), null(), 3), natsStatus::NATS_INVALID_ARG);
            assert!(m.is_null(), "output untouched on failure");
            assert_eq!(crate::ffi::last_error::status(), natsStatus::NATS_INVALID_ARG);
        }
    }

    #[test]
    fn null_msg_accessors() {
        unsafe {
            assert!(natsMsg_GetSubject(null()).is_null());
            assert!(natsMsg_GetReply(null()).is_null());
            assert!(natsMsg_GetData(null()).is_null());
            assert_eq!(natsMsg_GetDataLength(null()), 0);
            assert!(!natsMsg_IsNoResponders(null_mut()));
            natsMsg_Destroy(null_mut());
            natsMsgList_Destroy(null_mut());
        }
    }

    #[test]
    fn headers_set_add_get_values_keys_delete() {
        unsafe {
            let m = create("foo", None, b"x");
            // No headers yet.
            assert_eq!(get(m, "A"), (natsStatus::NATS_NOT_FOUND, None));
            let mut arr: *mut *const c_char = null_mut();
            let mut n: c_int = -1;
            assert_eq!(natsMsgHeader_Keys(m, &mut arr, &mut n), natsStatus::NATS_NOT_FOUND);
            assert!(arr.is_null());
            assert_eq!(n, 0);
            assert_eq!(
                natsMsgHeader_Values(m, c("A").as_ptr(), &mut arr, &mut n),
                natsStatus::NATS_NOT_FOUND
            );
            assert_eq!(natsMsgHeader_Delete(m, c("A").as_ptr()), natsStatus::NATS_NOT_FOUND);

            assert_eq!(
                natsMsgHeader_Set(m, c("A").as_ptr(), c("1").as_ptr()),
                natsStatus::NATS_OK
            );
            assert_eq!(
                natsMsgHeader_Add(m, c("A").as_ptr(), c("2").as_ptr()),
                natsStatus::NATS_OK
            );
            assert_eq!(natsMsgHeader_Add(m, c("B").as_ptr(), null()), natsStatus::NATS_OK);
            assert_eq!(get(m, "A"), (natsStatus::NATS_OK, Some("1".into())));
            assert_eq!(get(m, "B"), (natsStatus::NATS_OK, Some("".into())));
            assert_eq!(get(m, "a"), (natsStatus::NATS_NOT_FOUND, None), "case-sensitive");

            assert_eq!(
                natsMsgHeader_Values(m, c("A").as_ptr(), &mut arr, &mut n),
                natsStatus::NATS_OK
            );
            assert_eq!(strs(arr, n), vec!["1", "2"]);
            assert_eq!(natsMsgHeader_Keys(m, &mut arr, &mut n), natsStatus::NATS_OK);
            assert_eq!(strs(arr, n), vec!["A", "B"]);

            assert_eq!(
                natsMsgHeader_Set(m, c("A").as_ptr(), c("3").as_ptr()),
                natsStatus::NATS_OK
            );
            assert_eq!(
                natsMsgHeader_Values(m, c("A").as_ptr(), &mut arr, &mut n),
                natsStatus::NATS_OK
            );
            assert_eq!(strs(arr, n), vec!["3"]);

            assert_eq!(natsMsgHeader_Delete(m, c("A").as_ptr()), natsStatus::NATS_OK);
            assert_eq!(natsMsgHeader_Delete(m, c("A").as_ptr()), natsStatus::NATS_NOT_FOUND);
            assert_eq!(get(m, "A"), (natsStatus::NATS_NOT_FOUND, None));
            assert_eq!(natsMsgHeader_Delete(m, c("B").as_ptr()), natsStatus::NATS_OK);
            assert_eq!(natsMsgHeader_Keys(m, &mut arr, &mut n), natsStatus::NATS_NOT_FOUND);
            // The data is untouched by header changes.
            assert_eq!(CStr::from_ptr(natsMsg_GetData(m)).to_bytes(), b"x");
            natsMsg_Destroy(m);
        }
    }

    #[test]
    fn header_bad_args() {
        unsafe {
            let m = create("foo", None, b"");
            let (k, v) = (c("K"), c("V"));
            let mut out: *const c_char = null();
            let mut arr: *mut *const c_char = null_mut();
            let mut n: c_int = 0;
            assert_eq!(
                natsMsgHeader_Set(null_mut(), k.as_ptr(), v.as_ptr()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(natsMsgHeader_Set(m, null(), v.as_ptr()), natsStatus::NATS_INVALID_ARG);
            assert_eq!(
                natsMsgHeader_Set(m, c("").as_ptr(), v.as_ptr()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                natsMsgHeader_Set(m, c("Bad Key").as_ptr(), v.as_ptr()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                natsMsgHeader_Add(m, k.as_ptr(), c("v\r\nInjected: 1").as_ptr()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                natsMsgHeader_Add(null_mut(), k.as_ptr(), v.as_ptr()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                natsMsgHeader_Get(null_mut(), k.as_ptr(), &mut out),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(natsMsgHeader_Get(m, null(), &mut out), natsStatus::NATS_INVALID_ARG);
            assert_eq!(
                natsMsgHeader_Get(m, k.as_ptr(), null_mut()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                natsMsgHeader_Values(m, k.as_ptr(), null_mut(), &mut n),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                natsMsgHeader_Values(m, k.as_ptr(), &mut arr, null_mut()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                natsMsgHeader_Values(null_mut(), k.as_ptr(), &mut arr, &mut n),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                natsMsgHeader_Keys(null_mut(), &mut arr, &mut n),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(natsMsgHeader_Keys(m, null_mut(), &mut n), natsStatus::NATS_INVALID_ARG);
            assert_eq!(
                natsMsgHeader_Keys(m, &mut arr, null_mut()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(
                natsMsgHeader_Delete(null_mut(), k.as_ptr()),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(natsMsgHeader_Delete(m, c("").as_ptr()), natsStatus::NATS_INVALID_ARG);
            // None of the failures created a header.
            assert_eq!(natsMsgHeader_Keys(m, &mut arr, &mut n), natsStatus::NATS_NOT_FOUND);
            natsMsg_Destroy(m);
        }
    }

    #[test]
    fn not_found_leaves_the_last_error_alone() {
        unsafe {
            let m = create("foo", None, b"");
            let mut bad: *mut natsMsg = null_mut();
            assert_eq!(
                natsMsg_Create(&mut bad, null(), null(), null(), 0),
                natsStatus::NATS_INVALID_ARG
            );
            assert_eq!(get(m, "missing").0, natsStatus::NATS_NOT_FOUND);
            assert_eq!(crate::ffi::last_error::status(), natsStatus::NATS_INVALID_ARG);
            natsMsg_Destroy(m);
        }
    }

    #[test]
    fn received_message_headers_and_no_responders() {
        unsafe {
            let hb = b"NATS/1.0 503\r\nNats-Subject: svc\r\n\r\n";
            let m = handle::box_into_raw::<natsMsg>(*Msg::received(b"_INBOX.abc", None, hb.len(), hb).unwrap());
            assert!(natsMsg_IsNoResponders(m));
            assert_eq!(natsMsg_GetDataLength(m), 0);
            assert_eq!(get(m, "Status"), (natsStatus::NATS_OK, Some("503".into())));
            assert_eq!(get(m, "Nats-Subject"), (natsStatus::NATS_OK, Some("svc".into())));
            natsMsg_Destroy(m);

            // A malformed block from the server: header calls fail cleanly.
            let hb = b"NATS/1.0\r\ngarbage\r\n\r\n";
            let mut payload = hb.to_vec();
            payload.extend_from_slice(b"ok");
            let m = handle::box_into_raw::<natsMsg>(*Msg::received(b"s", None, hb.len(), &payload).unwrap());
            assert_eq!(get(m, "A"), (natsStatus::NATS_PROTOCOL_ERROR, None));
            assert_eq!(
                natsMsgHeader_Set(m, c("A").as_ptr(), c("b").as_ptr()),
                natsStatus::NATS_PROTOCOL_ERROR
            );
            assert_eq!(CStr::from_ptr(natsMsg_GetData(m)).to_bytes(), b"ok");
            assert!(!natsMsg_IsNoResponders(m));
            natsMsg_Destroy(m);
        }
    }

    #[test]
    fn msg_list_destroy() {
        unsafe {
            let n = 3;
            let arr = libc::malloc(n * std::mem::size_of::<*mut natsMsg>()) as *mut *mut natsMsg;
            assert!(!arr.is_null());
            *arr.add(0) = create("a", None, b"1");
            *arr.add(1) = null_mut(); // kept by the application
            *arr.add(2) = create("c", None, b"3");
            let mut list = natsMsgList {
                Msgs: arr,
                Count: n as c_int,
            };
            natsMsgList_Destroy(&mut list);
            assert!(list.Msgs.is_null());
            assert_eq!(list.Count, 0);
            // Destroying again is a no-op.
            natsMsgList_Destroy(&mut list);
            let mut empty = natsMsgList {
                Msgs: null_mut(),
                Count: 5,
            };
            natsMsgList_Destroy(&mut empty);
            assert_eq!(empty.Count, 5);
        }
    }
}

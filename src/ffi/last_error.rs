//! The thread's sticky last error, as `nats_GetLastError` and
//! `nats_GetLastErrorStack` report it.
//!
//! A failing call records its status, its text and the name of the API
//! function; a successful call leaves the record alone (cnats semantics).

use crate::status::natsStatus;
use std::cell::RefCell;
use std::ffi::CString;

pub(crate) struct LastError {
    pub status: natsStatus,
    pub text: CString,
    pub stack: Vec<&'static str>,
}

thread_local! {
    static LAST: RefCell<LastError> = RefCell::new(LastError {
        status: natsStatus::NATS_OK,
        text: CString::default(),
        stack: Vec::new(),
    });
}

fn to_cstring(text: &str) -> CString {
    let clean: Vec<u8> = text.bytes().filter(|&b| b != 0).collect();
    CString::new(clean).unwrap_or_default()
}

/// Records an error raised by the API function `func`.
pub(crate) fn set(func: &'static str, status: natsStatus, text: &str) {
    LAST.with(|l| {
        let mut l = l.borrow_mut();
        l.status = status;
        l.text = to_cstring(text);
        l.stack.clear();
        l.stack.push(func);
    });
}

pub(crate) fn clear() {
    LAST.with(|l| {
        let mut l = l.borrow_mut();
        l.status = natsStatus::NATS_OK;
        l.text = CString::default();
        l.stack.clear();
    });
}

pub(crate) fn status() -> natsStatus {
    LAST.with(|l| l.borrow().status)
}

/// Pointer to the thread-local text; valid until the next error on this
/// thread. NULL when no error is recorded.
pub(crate) fn text_ptr() -> *const libc::c_char {
    LAST.with(|l| {
        let l = l.borrow();
        if l.status == natsStatus::NATS_OK {
            std::ptr::null()
        } else {
            l.text.as_ptr()
        }
    })
}

/// A copy of the recorded text ("" when none).
pub(crate) fn text() -> String {
    LAST.with(|l| l.borrow().text.to_string_lossy().into_owned())
}

pub(crate) fn stack() -> Vec<&'static str> {
    LAST.with(|l| l.borrow().stack.clone())
}

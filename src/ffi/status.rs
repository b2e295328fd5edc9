//! `statusGroup`: status texts.

use super::guard_or;
use crate::status::natsStatus;
use libc::c_char;
use once_cell::sync::Lazy;
use std::ffi::CString;

/// What `natsStatus_GetText` returns should the table fail to build.
static UNKNOWN: &[u8] = b"Unknown Status\0";

static TEXTS: Lazy<Vec<CString>> = Lazy::new(|| {
    (0..=natsStatus::NATS_MAX_STATUS_VALUE as i32)
        .map(|v| {
            let t = if v == natsStatus::NATS_MAX_STATUS_VALUE as i32 {
                "Unknown Status"
            } else {
                natsStatus::from_raw(v).text()
            };
            CString::new(t).unwrap_or_default()
        })
        .collect()
});

/// A `natsStatus` received from C, read as the `int` it is in C so that an
/// out-of-range value is not undefined behaviour. The header calls it
/// `natsStatus`.
pub type natsStatusArg = libc::c_int;

/// Returns the static text of a status ("Unknown Status" for a value
/// outside the enum). Never NULL; the string must not be freed.
#[no_mangle]
pub extern "C" fn natsStatus_GetText(s: natsStatusArg) -> *const c_char {
    guard_or("natsStatus_GetText", UNKNOWN.as_ptr() as *const c_char, || {
        let idx = if s >= 0 && s < natsStatus::NATS_MAX_STATUS_VALUE as i32 {
            s as usize
        } else {
            natsStatus::NATS_MAX_STATUS_VALUE as usize
        };
        Ok(TEXTS[idx].as_ptr())
    })
}

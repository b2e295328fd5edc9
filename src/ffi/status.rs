//! `statusGroup`: status texts.

use crate::status::natsStatus;
use libc::c_char;
use once_cell::sync::Lazy;
use std::ffi::CString;

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
    let v = s;
    let idx = if v >= 0 && v < natsStatus::NATS_MAX_STATUS_VALUE as i32 {
        v as usize
    } else {
        natsStatus::NATS_MAX_STATUS_VALUE as usize
    };
    TEXTS[idx].as_ptr()
}

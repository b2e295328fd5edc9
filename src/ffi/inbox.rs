//! `inboxGroup`: unique inbox subjects.

use super::{cstr, guard, guard_or, not_null, write_out};
use crate::status::natsStatus;
use libc::c_char;

/// An inbox: a NUL-terminated subject string (`char` in cnats).
pub type natsInbox = c_char;

/// Creates a unique inbox subject, `_INBOX.` followed by a unique
/// identifier, suitable as the reply subject of a request. The string
/// belongs to the caller, who frees it with `natsInbox_Destroy`.
///
/// Returns `NATS_INVALID_ARG` when `newInbox` is NULL, `NATS_NO_MEMORY`
/// when it cannot be allocated.
#[no_mangle]
pub unsafe extern "C" fn natsInbox_Create(newInbox: *mut *mut natsInbox) -> natsStatus {
    guard("natsInbox_Create", || {
        not_null(newInbox, "newInbox")?;
        let s = format!("{}{}", crate::options::DEFAULT_INBOX_PREFIX, crate::nuid::next());
        let p = cstr::malloc_string(s.as_bytes())?;
        // SAFETY: `newInbox` was checked non-NULL above and, by the C
        // contract, points to writable storage for the new string.
        unsafe { write_out(newInbox, p) };
        Ok(())
    })
}

/// Frees an inbox created by `natsInbox_Create`. NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn natsInbox_Destroy(inbox: *mut natsInbox) {
    guard_or("natsInbox_Destroy", (), || {
        // SAFETY: the string was allocated with `malloc` by
        // `natsInbox_Create` (freeing NULL does nothing).
        unsafe { libc::free(inbox as *mut libc::c_void) }
        Ok(())
    })
}

// Unit tests call the exported functions with handles and strings they
// built themselves, or with NULL on purpose: each `unsafe` is a call of the
// function under test, whose job is to cope, so the blocks carry no
// individual SAFETY notes.
#[cfg(test)]
#[allow(clippy::undocumented_unsafe_blocks)]
mod tests {
    use super::*;
    use crate::status::natsStatus::*;
    use std::collections::HashSet;
    use std::ffi::CStr;
    use std::ptr::null_mut;

    #[test]
    fn create_is_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for _ in 0..1000 {
            let mut p: *mut natsInbox = null_mut();
            assert_eq!(unsafe { natsInbox_Create(&mut p) }, NATS_OK);
            assert!(!p.is_null());
            let s = unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string();
            unsafe { natsInbox_Destroy(p) };
            let id = s.strip_prefix("_INBOX.").unwrap_or_else(|| panic!("bad inbox {s}"));
            assert_eq!(id.len(), crate::nuid::NUID_LEN);
            assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
            assert!(crate::subject::check_publish(s.as_bytes()).is_ok());
            assert!(seen.insert(s));
        }
    }

    #[test]
    fn null_arguments() {
        assert_eq!(unsafe { natsInbox_Create(null_mut()) }, NATS_INVALID_ARG);
        unsafe { natsInbox_Destroy(null_mut()) };
    }
}

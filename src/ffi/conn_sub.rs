//! `connSubGroup`: creating subscriptions.

use super::callbacks::{msg_callback, natsMsgHandler};
use super::conn::{conn_ref, natsConnection};
use super::cstr;
use super::handle::arc_into_raw;
use super::sub::natsSubscription;
use super::{guard, not_null, write_out};
use crate::conn::sub::MsgCallback;
use crate::error::{Error, Result};
use crate::status::natsStatus::{self, *};
use libc::{c_char, c_void};

/// # Safety
/// cnats' contract for the subscribe functions: `sub` NULL or writable; `nc` NULL or a live
/// connection handle; `subject` and `queue` NULL or NUL-terminated strings valid for the call.
unsafe fn subscribe(
    sub: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subject: *const c_char,
    queue: Option<*const c_char>,
    timeout: i64,
    cb: Option<MsgCallback>,
) -> Result<()> {
    not_null(sub, "sub")?;
    // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
    // handle the program got from `natsConnection_Connect*` and has not destroyed.
    let c = unsafe { conn_ref(nc) }?;
    // SAFETY: `subject` is NULL (handled) or, by the C contract, a NUL-terminated string that stays
    // valid and unchanged for the duration of the call.
    let subj = match unsafe { cstr::opt_bytes(subject) } {
        None => return Err(Error::new(NATS_INVALID_SUBJECT, "invalid subject: NULL")),
        Some(s) => s,
    };
    let q = match queue {
        None => None,
        // cnats: a NULL or empty queue name is an invalid argument; one
        // with spaces is NATS_INVALID_QUEUE_NAME (checked by the core).
        // SAFETY: `q` is NULL (handled) or, by the C contract, a NUL-terminated string that stays
        // valid and unchanged for the duration of the call.
        Some(q) => match unsafe { cstr::opt_bytes(q) } {
            None | Some([]) => return Err(Error::invalid_arg("invalid argument: 'queueGroup' is NULL or empty")),
            Some(q) => Some(q),
        },
    };
    let s = c.subscribe(subj, q, cb, timeout)?;
    // SAFETY: `sub` was checked non-NULL above and, by the C contract, points to writable storage
    // for the result.
    unsafe { write_out(sub, arc_into_raw::<natsSubscription>(s)) };
    Ok(())
}

fn check_timeout(t: i64) -> Result<()> {
    if t <= 0 {
        return Err(Error::invalid_arg("invalid argument: timeout must be positive"));
    }
    Ok(())
}

/// Subscribes to `subject`; `cb` receives each message on the
/// subscription's own thread. Destroy with `natsSubscription_Destroy`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Subscribe(
    sub: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subject: *const c_char,
    cb: natsMsgHandler,
    cbClosure: *mut c_void,
) -> natsStatus {
    // SAFETY: `subscribe`'s contract is this export's C contract, passed through unchanged: `sub`
    // NULL or writable, `nc` NULL or a live connection, `subject` NULL or a NUL-terminated string.
    guard("natsConnection_Subscribe", || unsafe {
        subscribe(sub, nc, subject, None, 0, Some(msg_callback(cb, cbClosure)?))
    })
}

/// Like `natsConnection_Subscribe`; when no message arrives for `timeout`
/// ms the callback is called with a NULL message.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_SubscribeTimeout(
    sub: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subject: *const c_char,
    timeout: i64,
    cb: natsMsgHandler,
    cbClosure: *mut c_void,
) -> natsStatus {
    guard("natsConnection_SubscribeTimeout", || {
        check_timeout(timeout)?;
        // SAFETY: as for `natsConnection_Subscribe`: the arguments are the export's own, unchanged,
        // so `subscribe`'s contract (cnats' contract for them) holds.
        unsafe { subscribe(sub, nc, subject, None, timeout, Some(msg_callback(cb, cbClosure)?)) }
    })
}

/// A synchronous subscription: read messages with `natsSubscription_NextMsg`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_SubscribeSync(
    sub: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subject: *const c_char,
) -> natsStatus {
    // SAFETY: as for `natsConnection_Subscribe`: the arguments are the export's own, unchanged, so
    // `subscribe`'s contract (cnats' contract for them) holds.
    guard("natsConnection_SubscribeSync", || unsafe {
        subscribe(sub, nc, subject, None, 0, None)
    })
}

/// Joins queue group `queueGroup`: each message goes to one member.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_QueueSubscribe(
    sub: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subject: *const c_char,
    queueGroup: *const c_char,
    cb: natsMsgHandler,
    cbClosure: *mut c_void,
) -> natsStatus {
    // SAFETY: as for `natsConnection_Subscribe`; `queueGroup` is NULL (refused) or a NUL-terminated
    // string, as `subscribe` requires.
    guard("natsConnection_QueueSubscribe", || unsafe {
        subscribe(
            sub,
            nc,
            subject,
            Some(queueGroup),
            0,
            Some(msg_callback(cb, cbClosure)?),
        )
    })
}

/// Queue subscription with an inactivity timeout (NULL message to `cb`).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_QueueSubscribeTimeout(
    sub: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subject: *const c_char,
    queueGroup: *const c_char,
    timeout: i64,
    cb: natsMsgHandler,
    cbClosure: *mut c_void,
) -> natsStatus {
    guard("natsConnection_QueueSubscribeTimeout", || {
        check_timeout(timeout)?;
        // SAFETY: as for `natsConnection_QueueSubscribe`: the export's own arguments, unchanged,
        // meet `subscribe`'s contract.
        unsafe {
            subscribe(
                sub,
                nc,
                subject,
                Some(queueGroup),
                timeout,
                Some(msg_callback(cb, cbClosure)?),
            )
        }
    })
}

/// Synchronous queue subscription.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_QueueSubscribeSync(
    sub: *mut *mut natsSubscription,
    nc: *mut natsConnection,
    subject: *const c_char,
    queueGroup: *const c_char,
) -> natsStatus {
    // SAFETY: as for `natsConnection_QueueSubscribe`: the export's own arguments, unchanged, meet
    // `subscribe`'s contract.
    guard("natsConnection_QueueSubscribeSync", || unsafe {
        subscribe(sub, nc, subject, Some(queueGroup), 0, None)
    })
}

//! `connPubGroup`: publishing and request/reply.

use super::conn::{conn_ref, natsConnection};
use super::cstr;
use super::handle::box_ref;
use super::msg::natsMsg;
use super::{guard, not_null, write_out};
use crate::error::{Error, Result};
use crate::status::natsStatus;
use libc::{c_char, c_int, c_void};

/// # Safety
/// `p` is NULL or points to `len` readable bytes that stay valid and unchanged for `'a`.
unsafe fn data<'a>(p: *const c_void, len: c_int) -> Result<&'a [u8]> {
    if len < 0 {
        return Err(Error::invalid_arg("invalid argument: negative data length"));
    }
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(Error::invalid_arg(
            "invalid argument: 'data' is NULL with a non-zero length",
        ));
    }
    // SAFETY: C passes `len` readable bytes at `p`.
    Ok(unsafe { std::slice::from_raw_parts(p as *const u8, len as usize) })
}

/// # Safety
/// `p` is NULL or a NUL-terminated string valid and unchanged for `'a`.
unsafe fn subject<'a>(p: *const c_char) -> Result<&'a [u8]> {
    // SAFETY: `p` is NULL (handled) or, by the C contract, a NUL-terminated string that stays valid
    // and unchanged for the duration of the call.
    match unsafe { cstr::opt_bytes(p) } {
        None | Some([]) => Err(Error::new(
            natsStatus::NATS_INVALID_SUBJECT,
            "invalid subject: NULL or empty",
        )),
        Some(s) => Ok(s),
    }
}

/// The body shared by `natsConnection_Publish`/`_Send` and
/// `_PublishRequest`/`_SendRequest` (`reply`: `None` = no reply subject;
/// `Some(ptr)` = a required, non-empty reply).
///
/// # Safety
/// cnats' contract for the publish functions: `nc` NULL or a live connection handle; `subj` and
/// `reply` NULL or NUL-terminated strings; `data` NULL or `dataLen` readable bytes; all valid for
/// the call.
#[inline(always)]
unsafe fn publish_raw(
    nc: *mut natsConnection,
    subj: *const c_char,
    reply: Option<*const c_char>,
    data: *const c_void,
    dataLen: c_int,
) -> Result<()> {
    // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
    // handle the program got from `natsConnection_Connect*` and has not destroyed.
    let c = unsafe { conn_ref(nc) }?;
    let r = match reply {
        None => None,
        Some(p) => Some(
            // SAFETY: `p` is NULL (handled) or, by the C contract, a NUL-terminated string that
            // stays valid and unchanged for the duration of the call.
            unsafe { cstr::opt_bytes(p) }
                .filter(|r| !r.is_empty())
                .ok_or_else(|| Error::invalid_arg("invalid argument: 'reply' is NULL or empty"))?,
        ),
    };
    // SAFETY: `subj` is NULL (refused) or a NUL-terminated string, and `data` is NULL or points to
    // `dataLen` readable bytes (cnats' contract; `data()` refuses NULL with a non-zero length and
    // negative lengths); both outlive the call.
    c.publish(unsafe { subject(subj) }?, r, None, unsafe {
        self::data(data, dataLen)
    }?)
}

/// The body shared by `natsConnection_PublishMsg` and `_SendMsg`.
///
/// # Safety
/// `nc` is NULL or a live connection handle; `msg` is NULL or a live message handle not used by
/// another thread during the call.
unsafe fn publish_msg(nc: *mut natsConnection, msg: *mut natsMsg) -> Result<()> {
    // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
    // handle the program got from `natsConnection_Connect*` and has not destroyed.
    let c = unsafe { conn_ref(nc) }?;
    // SAFETY: `msg` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a message the
    // program owns (from `natsMsg_Create`, `NextMsg`, a request or a message callback) and has not
    // destroyed.
    c.publish_msg(unsafe { box_ref::<natsMsg>(msg, "msg") }?)
}

/// Publishes `dataLen` bytes of `data` (may be NULL when 0) on `subj`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Publish(
    nc: *mut natsConnection,
    subj: *const c_char,
    data: *const c_void,
    dataLen: c_int,
) -> natsStatus {
    // SAFETY: `publish_raw` requires exactly this export's C contract, and gets its arguments
    // unchanged.
    guard("natsConnection_Publish", || unsafe {
        publish_raw(nc, subj, None, data, dataLen)
    })
}

/// Publishes the NUL-terminated string `str` (without its NUL; NULL = empty).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_PublishString(
    nc: *mut natsConnection,
    subj: *const c_char,
    str: *const c_char,
) -> natsStatus {
    guard("natsConnection_PublishString", || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        let c = unsafe { conn_ref(nc) }?;
        c.publish(
            // SAFETY: `subj` is NULL (refused) or, by the C contract, a NUL-terminated string valid
            // for the call.
            unsafe { subject(subj) }?,
            None,
            None,
            // SAFETY: `str` is NULL (handled) or, by the C contract, a NUL-terminated string that
            // stays valid and unchanged for the duration of the call.
            unsafe { cstr::opt_bytes(str) }.unwrap_or(&[]),
        )
    })
}

/// Publishes a message (subject, reply, headers, data). The message still
/// belongs to the caller.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_PublishMsg(nc: *mut natsConnection, msg: *mut natsMsg) -> natsStatus {
    // SAFETY: `publish_msg` requires this export's C contract (`nc` NULL or a live connection,
    // `msg` NULL or a live message), and gets its arguments unchanged.
    guard("natsConnection_PublishMsg", || unsafe { publish_msg(nc, msg) })
}

/// Publishes with a reply subject.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_PublishRequest(
    nc: *mut natsConnection,
    subj: *const c_char,
    reply: *const c_char,
    data: *const c_void,
    dataLen: c_int,
) -> natsStatus {
    // SAFETY: `publish_raw` requires exactly this export's C contract (with `reply` NULL or a
    // NUL-terminated string), and gets its arguments unchanged.
    guard("natsConnection_PublishRequest", || unsafe {
        publish_raw(nc, subj, Some(reply), data, dataLen)
    })
}

/// Publishes a string with a reply subject.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_PublishRequestString(
    nc: *mut natsConnection,
    subj: *const c_char,
    reply: *const c_char,
    str: *const c_char,
) -> natsStatus {
    guard("natsConnection_PublishRequestString", || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        let c = unsafe { conn_ref(nc) }?;
        // SAFETY: `reply` is NULL (handled) or, by the C contract, a NUL-terminated string that
        // stays valid and unchanged for the duration of the call.
        let r = unsafe { cstr::opt_bytes(reply) }
            .filter(|r| !r.is_empty())
            .ok_or_else(|| Error::invalid_arg("invalid argument: 'reply' is NULL or empty"))?;
        c.publish(
            // SAFETY: `subj` is NULL (refused) or, by the C contract, a NUL-terminated string valid
            // for the call.
            unsafe { subject(subj) }?,
            Some(r),
            None,
            // SAFETY: `str` is NULL (handled) or, by the C contract, a NUL-terminated string that
            // stays valid and unchanged for the duration of the call.
            unsafe { cstr::opt_bytes(str) }.unwrap_or(&[]),
        )
    })
}

/// Hands the reply to C: `*replyMsg` receives a message C now owns.
///
/// # Safety
/// `replyMsg` is non-NULL (checked by the caller) and points to writable
/// storage for a `natsMsg*`.
unsafe fn reply_out(replyMsg: *mut *mut natsMsg, m: Box<crate::msg::Msg>) {
    // SAFETY: per this function's contract `replyMsg` is non-NULL and
    // writable; the box is leaked to C, which frees it with natsMsg_Destroy.
    unsafe { write_out(replyMsg, Box::into_raw(m) as *mut natsMsg) };
}

/// Sends a request and waits up to `timeout` ms for the first reply,
/// returned in `*replyMsg` (destroy it with `natsMsg_Destroy`).
/// `NATS_NO_RESPONDERS` when nobody listens, `NATS_TIMEOUT` on timeout.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Request(
    replyMsg: *mut *mut natsMsg,
    nc: *mut natsConnection,
    subj: *const c_char,
    data: *const c_void,
    dataLen: c_int,
    timeout: i64,
) -> natsStatus {
    guard("natsConnection_Request", || {
        not_null(replyMsg, "replyMsg")?;
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        let c = unsafe { conn_ref(nc) }?;
        let m = c.request(
            // SAFETY: `subj` is NULL (refused) or, by the C contract, a NUL-terminated string valid
            // for the call.
            unsafe { subject(subj) }?,
            None,
            // SAFETY: `data` is NULL (handled) or, by the C contract, a NUL-terminated string that
            // stays valid and unchanged for the duration of the call.
            unsafe { self::data(data, dataLen) }?,
            timeout,
        )?;
        // SAFETY: `replyMsg` was checked non-NULL above and, by the C
        // contract, points to writable storage for the reply.
        unsafe { reply_out(replyMsg, m) };
        Ok(())
    })
}

/// Like `natsConnection_Request` with a string payload.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_RequestString(
    replyMsg: *mut *mut natsMsg,
    nc: *mut natsConnection,
    subj: *const c_char,
    str: *const c_char,
    timeout: i64,
) -> natsStatus {
    guard("natsConnection_RequestString", || {
        not_null(replyMsg, "replyMsg")?;
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        let c = unsafe { conn_ref(nc) }?;
        let m = c.request(
            // SAFETY: `subj` is NULL (refused) or, by the C contract, a NUL-terminated string valid
            // for the call.
            unsafe { subject(subj) }?,
            None,
            // SAFETY: `str` is NULL (handled) or, by the C contract, a NUL-terminated string that
            // stays valid and unchanged for the duration of the call.
            unsafe { cstr::opt_bytes(str) }.unwrap_or(&[]),
            timeout,
        )?;
        // SAFETY: `replyMsg` was checked non-NULL above and, by the C
        // contract, points to writable storage for the reply.
        unsafe { reply_out(replyMsg, m) };
        Ok(())
    })
}

/// Sends `requestMsg` (with its headers) as a request; its reply subject
/// is ignored.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_RequestMsg(
    replyMsg: *mut *mut natsMsg,
    nc: *mut natsConnection,
    requestMsg: *mut natsMsg,
    timeout: i64,
) -> natsStatus {
    guard("natsConnection_RequestMsg", || {
        not_null(replyMsg, "replyMsg")?;
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        let c = unsafe { conn_ref(nc) }?;
        // SAFETY: `requestMsg` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // message the program owns (from `natsMsg_Create`, `NextMsg`, a request or a message
        // callback) and has not destroyed.
        let rm = unsafe { box_ref::<natsMsg>(requestMsg, "requestMsg") }?;
        let h = rm.encoded_headers();
        let m = c.request(rm.subject(), h.as_deref(), rm.data(), timeout)?;
        // SAFETY: `replyMsg` was checked non-NULL above and, by the C
        // contract, points to writable storage for the reply.
        unsafe { reply_out(replyMsg, m) };
        Ok(())
    })
}

/// Publishes right away from the calling thread (same as
/// `natsConnection_Publish` here: a lone publish is always written at once).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Send(
    nc: *mut natsConnection,
    subj: *const c_char,
    data: *const c_void,
    dataLen: c_int,
) -> natsStatus {
    // SAFETY: `publish_raw` requires exactly this export's C contract, and gets its arguments
    // unchanged.
    guard("natsConnection_Send", || unsafe {
        publish_raw(nc, subj, None, data, dataLen)
    })
}

/// `natsConnection_PublishMsg`, sent at once.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_SendMsg(nc: *mut natsConnection, msg: *mut natsMsg) -> natsStatus {
    // SAFETY: `publish_msg` requires this export's C contract, and gets its arguments unchanged.
    guard("natsConnection_SendMsg", || unsafe { publish_msg(nc, msg) })
}

/// `natsConnection_PublishRequest`, sent at once.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_SendRequest(
    nc: *mut natsConnection,
    subj: *const c_char,
    reply: *const c_char,
    data: *const c_void,
    dataLen: c_int,
) -> natsStatus {
    // SAFETY: `publish_raw` requires exactly this export's C contract (with `reply` NULL or a
    // NUL-terminated string), and gets its arguments unchanged.
    guard("natsConnection_SendRequest", || unsafe {
        publish_raw(nc, subj, Some(reply), data, dataLen)
    })
}

//! `connPubGroup`: publishing and request/reply.

use super::conn::{conn_ref, natsConnection};
use super::cstr;
use super::handle::box_ref;
use super::msg::natsMsg;
use super::{guard, not_null, write_out};
use crate::error::{Error, Result};
use crate::status::natsStatus;
use libc::{c_char, c_int, c_void};

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

unsafe fn subject<'a>(p: *const c_char) -> Result<&'a [u8]> {
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
unsafe fn publish_raw(
    nc: *mut natsConnection,
    subj: *const c_char,
    reply: Option<*const c_char>,
    data: *const c_void,
    dataLen: c_int,
) -> Result<()> {
    let c = unsafe { conn_ref(nc) }?;
    let r = match reply {
        None => None,
        Some(p) => Some(
            unsafe { cstr::opt_bytes(p) }
                .filter(|r| !r.is_empty())
                .ok_or_else(|| Error::invalid_arg("invalid argument: 'reply' is NULL or empty"))?,
        ),
    };
    c.publish(unsafe { subject(subj) }?, r, None, unsafe {
        self::data(data, dataLen)
    }?)
}

/// The body shared by `natsConnection_PublishMsg` and `_SendMsg`.
unsafe fn publish_msg(nc: *mut natsConnection, msg: *mut natsMsg) -> Result<()> {
    let c = unsafe { conn_ref(nc) }?;
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
        let c = unsafe { conn_ref(nc) }?;
        c.publish(
            unsafe { subject(subj) }?,
            None,
            None,
            unsafe { cstr::opt_bytes(str) }.unwrap_or(&[]),
        )
    })
}

/// Publishes a message (subject, reply, headers, data). The message still
/// belongs to the caller.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_PublishMsg(nc: *mut natsConnection, msg: *mut natsMsg) -> natsStatus {
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
        let c = unsafe { conn_ref(nc) }?;
        let r = unsafe { cstr::opt_bytes(reply) }
            .filter(|r| !r.is_empty())
            .ok_or_else(|| Error::invalid_arg("invalid argument: 'reply' is NULL or empty"))?;
        c.publish(
            unsafe { subject(subj) }?,
            Some(r),
            None,
            unsafe { cstr::opt_bytes(str) }.unwrap_or(&[]),
        )
    })
}

fn reply_out(replyMsg: *mut *mut natsMsg, m: Box<crate::msg::Msg>) {
    // SAFETY: checked for NULL by the caller.
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
        let c = unsafe { conn_ref(nc) }?;
        let m = c.request(
            unsafe { subject(subj) }?,
            None,
            unsafe { self::data(data, dataLen) }?,
            timeout,
        )?;
        reply_out(replyMsg, m);
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
        let c = unsafe { conn_ref(nc) }?;
        let m = c.request(
            unsafe { subject(subj) }?,
            None,
            unsafe { cstr::opt_bytes(str) }.unwrap_or(&[]),
            timeout,
        )?;
        reply_out(replyMsg, m);
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
        let c = unsafe { conn_ref(nc) }?;
        let rm = unsafe { box_ref::<natsMsg>(requestMsg, "requestMsg") }?;
        let h = rm.encoded_headers();
        let m = c.request(rm.subject(), h.as_deref(), rm.data(), timeout)?;
        reply_out(replyMsg, m);
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
    guard("natsConnection_Send", || unsafe {
        publish_raw(nc, subj, None, data, dataLen)
    })
}

/// `natsConnection_PublishMsg`, sent at once.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_SendMsg(nc: *mut natsConnection, msg: *mut natsMsg) -> natsStatus {
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
    guard("natsConnection_SendRequest", || unsafe {
        publish_raw(nc, subj, Some(reply), data, dataLen)
    })
}

//! `jsMsg`: acknowledging JetStream messages and reading their metadata
//! (`natsMsg_Ack` … `natsMsg_GetTime`, `jsMsgMetaData_Destroy`).

use super::handle::{box_mut, box_ref};
use super::js::{options_from_c, with_err_code};
use super::js_convert::{boxed, c_string, free};
use super::js_types::{jsErrCodeArg, jsMsgMetaData, jsOptions, jsSequencePair};
use super::msg::natsMsg;
use super::{guard, guard_or, not_null, write_out};
use crate::error::Result;
use crate::js::JsOptions;
use crate::msg::Msg;
use crate::status::natsStatus;

/// Frees metadata from `natsMsg_GetMetaData`: its strings and the struct
/// (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn jsMsgMetaData_Destroy(meta: *mut jsMsgMetaData) {
    guard_or("jsMsgMetaData_Destroy", (), || {
        if meta.is_null() {
            return Ok(());
        }
        // SAFETY: `meta` is a block from `natsMsg_GetMetaData` (contract):
        // its strings and itself were `malloc`ed by us and are freed once.
        unsafe {
            free((*meta).Stream);
            free((*meta).Consumer);
            free((*meta).Domain);
            free(meta);
        }
        Ok(())
    })
}

/// Borrows the message behind `msg` mutably; NULL → `NATS_INVALID_ARG`.
///
/// # Safety
/// `msg` is NULL or a message the program owns and has not destroyed,
/// not used by another thread during the call.
unsafe fn msg_mut<'a>(msg: *mut natsMsg) -> Result<&'a mut Msg> {
    // SAFETY: this function's contract is `box_mut`'s.
    unsafe { box_mut::<natsMsg>(msg, "msg") }
}

/// The acknowledgement calls: `f` on the message with the per-call
/// options (`opts.Wait` > 0 makes it wait for the server's answer).
///
/// # Safety
/// as for [`msg_mut`]; `opts` is NULL or the program's initialised
/// `jsOptions`.
unsafe fn ack_with(
    msg: *mut natsMsg,
    opts: *mut jsOptions,
    f: impl FnOnce(&mut Msg, Option<&JsOptions>) -> Result<()>,
) -> Result<()> {
    // SAFETY: this function's contract.
    let m = unsafe { msg_mut(msg) }?;
    // SAFETY: NULL or the program's options (contract).
    let o = unsafe { options_from_c(opts) }?;
    f(m, o.as_ref())
}

/// Acknowledges a JetStream message (once: later acknowledgements of an
/// acked message do nothing). `NATS_ILLEGAL_STATE` for a message that is
/// not from a JetStream subscription.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_Ack(msg: *mut natsMsg, opts: *mut jsOptions) -> natsStatus {
    // SAFETY: the program's message and options (C contract).
    guard("natsMsg_Ack", || unsafe { ack_with(msg, opts, |m, o| m.ack(o)) })
}

/// Acknowledges a JetStream message and waits for the server's
/// confirmation (`opts.Wait` ms, else the context's wait).
#[no_mangle]
pub unsafe extern "C" fn natsMsg_AckSync(
    msg: *mut natsMsg,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's message, options and output (C contract).
    guard("natsMsg_AckSync", || unsafe {
        with_err_code(errCode, || ack_with(msg, opts, |m, o| m.ack_sync(o)))
    })
}

/// Asks the server to redeliver the message.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_Nak(msg: *mut natsMsg, opts: *mut jsOptions) -> natsStatus {
    // SAFETY: the program's message and options (C contract).
    guard("natsMsg_Nak", || unsafe { ack_with(msg, opts, |m, o| m.nak(o)) })
}

/// Asks the server to redeliver the message after `delay` milliseconds.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_NakWithDelay(msg: *mut natsMsg, delay: i64, opts: *mut jsOptions) -> natsStatus {
    // SAFETY: the program's message and options (C contract).
    guard("natsMsg_NakWithDelay", || unsafe {
        ack_with(msg, opts, |m, o| m.nak_with_delay(delay, o))
    })
}

/// Tells the server the message is being worked on (resets its ack
/// timer); may be repeated, and the message acked afterwards.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_InProgress(msg: *mut natsMsg, opts: *mut jsOptions) -> natsStatus {
    // SAFETY: the program's message and options (C contract).
    guard("natsMsg_InProgress", || unsafe {
        ack_with(msg, opts, |m, o| m.in_progress(o))
    })
}

/// Tells the server never to redeliver the message.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_Term(msg: *mut natsMsg, opts: *mut jsOptions) -> natsStatus {
    // SAFETY: the program's message and options (C contract).
    guard("natsMsg_Term", || unsafe { ack_with(msg, opts, |m, o| m.term(o)) })
}

/// The metadata of a JetStream message (from its reply subject) in a new
/// `*new_meta`, freed with `jsMsgMetaData_Destroy`. `NATS_ILLEGAL_STATE`
/// for a message that is not from a JetStream subscription, `NATS_ERR`
/// for a reply subject that is not an acknowledgement subject.
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetMetaData(new_meta: *mut *mut jsMsgMetaData, msg: *mut natsMsg) -> natsStatus {
    guard("natsMsg_GetMetaData", || {
        not_null(new_meta, "new_meta")?;
        // SAFETY: `msg` NULL (refused) or the program's message (contract).
        let m = unsafe { box_ref::<natsMsg>(msg, "msg") }?;
        let md = m.metadata()?;
        let out = boxed(jsMsgMetaData {
            Sequence: jsSequencePair {
                Consumer: md.sequence.consumer,
                Stream: md.sequence.stream,
            },
            NumDelivered: md.num_delivered,
            NumPending: md.num_pending,
            Timestamp: md.timestamp,
            Stream: c_string(&md.stream),
            Consumer: c_string(&md.consumer),
            Domain: md.domain.as_deref().map_or(std::ptr::null_mut(), c_string),
        });
        // SAFETY: checked non-NULL above; the program's output.
        unsafe { write_out(new_meta, out) };
        Ok(())
    })
}

/// The stream sequence of a message from `js_GetMsg` / `js_DirectGetMsg`
/// (0 for any other message, or NULL).
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetSequence(msg: *mut natsMsg) -> u64 {
    guard_or("natsMsg_GetSequence", 0, || {
        // SAFETY: NULL or the program's message (contract).
        Ok(unsafe { box_ref::<natsMsg>(msg, "msg") }.map_or(0, |m| m.js_sequence()))
    })
}

/// The time (UTC nanoseconds since the epoch) a message from `js_GetMsg` /
/// `js_DirectGetMsg` was stored (0 for any other message, or NULL).
#[no_mangle]
pub unsafe extern "C" fn natsMsg_GetTime(msg: *mut natsMsg) -> i64 {
    guard_or("natsMsg_GetTime", 0, || {
        // SAFETY: NULL or the program's message (contract).
        Ok(unsafe { box_ref::<natsMsg>(msg, "msg") }.map_or(0, |m| m.js_time()))
    })
}

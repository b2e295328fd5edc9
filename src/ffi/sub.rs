//! `subGroup`: subscription control.

use super::callbacks::{natsOnCompleteCB, on_complete_callback};
use super::conn::natsConnection;
use super::handle::{arc_as_ptr, arc_clone, arc_ref, arc_take, ArcCastable, Castable};
use super::msg::natsMsg;
use super::{guard, guard_or, not_null, write_out};
use crate::conn::sub::Subscription;
use crate::error::{Error, Result};
use crate::status::natsStatus::{self, *};
use libc::{c_char, c_int, c_void};
use std::sync::Arc;

/// Interest in a subject (opaque).
pub struct natsSubscription {
    _private: [u8; 0],
}
impl Castable for natsSubscription {
    type RustType = Subscription;
}
impl ArcCastable for natsSubscription {}

/// # Safety
/// `sub` is NULL or a handle made by `arc_into_raw::<natsSubscription>` whose reference the program
/// still holds; the borrow must not outlive the call.
unsafe fn sub_ref<'a>(sub: *mut natsSubscription) -> Result<&'a Subscription> {
    // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a subscription
    // handle the program got from `natsConnection_*Subscribe*` and has not destroyed.
    unsafe { arc_ref::<natsSubscription>(sub, "sub") }
}

fn conn_of(s: &Subscription) -> Result<Arc<crate::conn::Connection>> {
    s.connection().ok_or_else(|| Error::status(NATS_CONNECTION_CLOSED))
}

/// Deprecated; does nothing (messages are always delivered at once).
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_NoDeliveryDelay(sub: *mut natsSubscription) -> natsStatus {
    guard("natsSubscription_NoDeliveryDelay", || {
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed.
        unsafe { sub_ref(sub) }.map(|_| ())
    })
}

/// Waits up to `timeout` ms for the next message of a synchronous
/// subscription; the caller owns `*nextMsg` (destroy with `natsMsg_Destroy`).
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_NextMsg(
    nextMsg: *mut *mut natsMsg,
    sub: *mut natsSubscription,
    timeout: i64,
) -> natsStatus {
    guard("natsSubscription_NextMsg", || {
        not_null(nextMsg, "nextMsg")?;
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed; its reference keeps the count above zero while we take another.
        let s = unsafe { arc_clone::<natsSubscription>(sub, "sub") }?;
        let m = s.next_msg(timeout)?;
        // SAFETY: `nextMsg` was checked non-NULL above and, by the C contract, points to writable
        // storage for the result.
        unsafe { write_out(nextMsg, Box::into_raw(m) as *mut natsMsg) };
        Ok(())
    })
}

/// Removes interest; no more messages are delivered.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_Unsubscribe(sub: *mut natsSubscription) -> natsStatus {
    guard("natsSubscription_Unsubscribe", || {
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed; its reference keeps the count above zero while we take another.
        let s = unsafe { arc_clone::<natsSubscription>(sub, "sub") }?;
        conn_of(&s)?.unsubscribe(&s, 0)
    })
}

/// Unsubscribes automatically once `max` messages have been delivered.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_AutoUnsubscribe(sub: *mut natsSubscription, max: c_int) -> natsStatus {
    guard("natsSubscription_AutoUnsubscribe", || {
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed; its reference keeps the count above zero while we take another.
        let s = unsafe { arc_clone::<natsSubscription>(sub, "sub") }?;
        if max <= 0 {
            return Err(Error::invalid_arg("invalid argument: max must be positive"));
        }
        conn_of(&s)?.unsubscribe(&s, max as u64)
    })
}

/// Deprecated: number of queued messages (use `natsSubscription_GetPending`).
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_QueuedMsgs(sub: *mut natsSubscription, queuedMsgs: *mut u64) -> natsStatus {
    guard("natsSubscription_QueuedMsgs", || {
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed.
        let s = unsafe { sub_ref(sub) }?;
        not_null(queuedMsgs, "queuedMsgs")?;
        let n = s.stats()?.pending_msgs as u64;
        // SAFETY: `queuedMsgs` was checked non-NULL above and, by the C contract, points to
        // writable storage for the result.
        unsafe { write_out(queuedMsgs, n) };
        Ok(())
    })
}

/// The connection of the subscription (not a new reference).
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetConnection(sub: *mut natsSubscription) -> *mut natsConnection {
    guard_or("natsSubscription_GetConnection", std::ptr::null_mut(), || {
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed.
        let s = unsafe { sub_ref(sub) }?;
        Ok(s.connection()
            .map(|c| arc_as_ptr::<natsConnection>(&c))
            .unwrap_or(std::ptr::null_mut()))
    })
}

/// The subscription id (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetID(sub: *mut natsSubscription) -> i64 {
    // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a subscription
    // handle the program got from `natsConnection_*Subscribe*` and has not destroyed.
    guard_or("natsSubscription_GetID", 0, || Ok(unsafe { sub_ref(sub) }?.sid as i64))
}

/// The subject (owned by the subscription; NULL for NULL).
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetSubject(sub: *mut natsSubscription) -> *const c_char {
    guard_or("natsSubscription_GetSubject", std::ptr::null(), || {
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed.
        Ok(unsafe { sub_ref(sub) }?.subject.as_ptr())
    })
}

/// Sets how many messages/bytes may wait before new ones are dropped
/// (a negative value means no limit; zero is invalid).
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_SetPendingLimits(
    sub: *mut natsSubscription,
    msgLimit: c_int,
    bytesLimit: c_int,
) -> natsStatus {
    guard("natsSubscription_SetPendingLimits", || {
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed.
        unsafe { sub_ref(sub) }?.set_pending_limits(msgLimit, bytesLimit as i64)
    })
}

/// Reads the pending limits; either output may be NULL.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetPendingLimits(
    sub: *mut natsSubscription,
    msgLimit: *mut c_int,
    bytesLimit: *mut c_int,
) -> natsStatus {
    guard("natsSubscription_GetPendingLimits", || {
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed.
        let (msgs_limit, bytes_limit) = unsafe { sub_ref(sub) }?.pending_limits()?;
        if !msgLimit.is_null() {
            // SAFETY: `msgLimit` was checked non-NULL above and, by the C contract, points to
            // writable storage for the result.
            unsafe { write_out(msgLimit, msgs_limit) };
        }
        if !bytesLimit.is_null() {
            // SAFETY: `bytesLimit` was checked non-NULL just above and, by the C contract, points
            // to a writable int.
            unsafe { write_out(bytesLimit, bytes_limit.clamp(i32::MIN as i64, i32::MAX as i64) as c_int) };
        }
        Ok(())
    })
}

/// Messages and bytes waiting to be delivered; either output may be NULL.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetPending(
    sub: *mut natsSubscription,
    msgs: *mut c_int,
    bytes: *mut c_int,
) -> natsStatus {
    guard("natsSubscription_GetPending", || {
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed.
        let st = unsafe { sub_ref(sub) }?.stats()?;
        if !msgs.is_null() {
            // SAFETY: `msgs` was checked non-NULL above and, by the C contract, points to writable
            // storage for the result.
            unsafe { write_out(msgs, st.pending_msgs as c_int) };
        }
        if !bytes.is_null() {
            // SAFETY: `bytes` was checked non-NULL above and, by the C contract, points to writable
            // storage for the result.
            unsafe { write_out(bytes, st.pending_bytes as c_int) };
        }
        Ok(())
    })
}

/// Messages delivered so far.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetDelivered(sub: *mut natsSubscription, msgs: *mut i64) -> natsStatus {
    guard("natsSubscription_GetDelivered", || {
        not_null(msgs, "msgs")?;
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed.
        let st = unsafe { sub_ref(sub) }?.stats()?;
        // SAFETY: `msgs` was checked non-NULL above and, by the C contract, points to writable
        // storage for the result.
        unsafe { write_out(msgs, st.delivered as i64) };
        Ok(())
    })
}

/// Messages dropped because the pending limits were reached.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetDropped(sub: *mut natsSubscription, msgs: *mut i64) -> natsStatus {
    guard("natsSubscription_GetDropped", || {
        not_null(msgs, "msgs")?;
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed.
        let st = unsafe { sub_ref(sub) }?.stats()?;
        // SAFETY: `msgs` was checked non-NULL above and, by the C contract, points to writable
        // storage for the result.
        unsafe { write_out(msgs, st.dropped as i64) };
        Ok(())
    })
}

/// Highest number of pending messages/bytes seen.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetMaxPending(
    sub: *mut natsSubscription,
    msgs: *mut c_int,
    bytes: *mut c_int,
) -> natsStatus {
    guard("natsSubscription_GetMaxPending", || {
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed.
        let st = unsafe { sub_ref(sub) }?.stats()?;
        if !msgs.is_null() {
            // SAFETY: `msgs` was checked non-NULL above and, by the C contract, points to writable
            // storage for the result.
            unsafe { write_out(msgs, st.max_pending_msgs) };
        }
        if !bytes.is_null() {
            // SAFETY: `bytes` was checked non-NULL above and, by the C contract, points to writable
            // storage for the result.
            unsafe { write_out(bytes, st.max_pending_bytes as c_int) };
        }
        Ok(())
    })
}

/// Resets the highest pending counts.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_ClearMaxPending(sub: *mut natsSubscription) -> natsStatus {
    guard("natsSubscription_ClearMaxPending", || {
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed.
        unsafe { sub_ref(sub) }?.clear_max_pending()
    })
}

/// All counters at once; any output may be NULL.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetStats(
    sub: *mut natsSubscription,
    pendingMsgs: *mut c_int,
    pendingBytes: *mut c_int,
    maxPendingMsgs: *mut c_int,
    maxPendingBytes: *mut c_int,
    deliveredMsgs: *mut i64,
    droppedMsgs: *mut i64,
) -> natsStatus {
    guard("natsSubscription_GetStats", || {
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed.
        let st = unsafe { sub_ref(sub) }?.stats()?;
        // SAFETY: each output is written only after its own NULL check, and by the C contract a
        // non-NULL output points to writable storage of its type.
        unsafe {
            if !pendingMsgs.is_null() {
                write_out(pendingMsgs, st.pending_msgs as c_int);
            }
            if !pendingBytes.is_null() {
                write_out(pendingBytes, st.pending_bytes as c_int);
            }
            if !maxPendingMsgs.is_null() {
                write_out(maxPendingMsgs, st.max_pending_msgs);
            }
            if !maxPendingBytes.is_null() {
                write_out(maxPendingBytes, st.max_pending_bytes as c_int);
            }
            if !deliveredMsgs.is_null() {
                write_out(deliveredMsgs, st.delivered as i64);
            }
            if !droppedMsgs.is_null() {
                write_out(droppedMsgs, st.dropped as i64);
            }
        }
        Ok(())
    })
}

/// True while the subscription can still receive messages.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_IsValid(sub: *mut natsSubscription) -> bool {
    guard_or("natsSubscription_IsValid", false, || {
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed.
        Ok(unsafe { sub_ref(sub) }?.is_valid())
    })
}

/// Stops interest but delivers the messages already on their way, then
/// closes the subscription (in the background).
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_Drain(sub: *mut natsSubscription) -> natsStatus {
    guard("natsSubscription_Drain", || {
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed; its reference keeps the count above zero while we take another.
        let s = unsafe { arc_clone::<natsSubscription>(sub, "sub") }?;
        conn_of(&s)?.drain_sub(&s, 0)
    })
}

/// Like `natsSubscription_Drain` with a timeout in milliseconds.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_DrainTimeout(sub: *mut natsSubscription, timeout: i64) -> natsStatus {
    guard("natsSubscription_DrainTimeout", || {
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed; its reference keeps the count above zero while we take another.
        let s = unsafe { arc_clone::<natsSubscription>(sub, "sub") }?;
        conn_of(&s)?.drain_sub(&s, timeout)
    })
}

/// Waits up to `timeout` ms (<= 0: no limit) for a drain to complete.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_WaitForDrainCompletion(
    sub: *mut natsSubscription,
    timeout: i64,
) -> natsStatus {
    guard("natsSubscription_WaitForDrainCompletion", || {
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed.
        unsafe { sub_ref(sub) }?.wait_drain(timeout)
    })
}

/// How a completed drain ended (`NATS_OK`, `NATS_TIMEOUT`, …);
/// `NATS_ILLEGAL_STATE` if no drain has completed.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_DrainCompletionStatus(sub: *mut natsSubscription) -> natsStatus {
    // The drain's outcome is this function's answer, not its failure.
    guard("natsSubscription_DrainCompletionStatus", || {
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed.
        Ok(unsafe { sub_ref(sub) }?.drain_completion_status())
    })
}

/// Sets a callback run once the subscription is closed and no callback
/// can run any more (useful to free the closure).
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_SetOnCompleteCB(
    sub: *mut natsSubscription,
    cb: natsOnCompleteCB,
    closure: *mut c_void,
) -> natsStatus {
    guard("natsSubscription_SetOnCompleteCB", || {
        // SAFETY: `sub` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // subscription handle the program got from `natsConnection_*Subscribe*` and has not
        // destroyed.
        let s = unsafe { sub_ref(sub) }?;
        s.set_on_complete(on_complete_callback(cb, closure))
    })
}

/// Unsubscribes (if still active) and releases the subscription. NULL is
/// a no-op.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_Destroy(sub: *mut natsSubscription) {
    guard_or("natsSubscription_Destroy", (), || {
        // SAFETY: `sub` is NULL (nothing to do) or, by the C contract, a subscription handle the
        // program got from `natsConnection_*Subscribe*` and has not destroyed; the program gives up
        // its pointer with this call, so the ownership taken back here is the only one.
        if let Some(s) = unsafe { arc_take::<natsSubscription>(sub) } {
            if s.is_valid() {
                // As cnats: destroying never deletes a JetStream consumer.
                if let Some(h) = s.js_hook() {
                    h.on_destroy(&s);
                }
                if let Some(c) = s.connection() {
                    let _ = c.unsubscribe(&s, 0);
                }
                s.close(false);
            }
        }
        Ok(())
    })
}

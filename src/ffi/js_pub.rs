//! `jsPubGroup`: JetStream publishing — the publish options, the
//! acknowledgment and its failure (`jsPubOptions`, `jsPubAck`,
//! `jsPubAckErr`, cnats 3.14 layout), synchronous publish (`js_Publish`,
//! `js_PublishMsg`) and asynchronous publish (`js_PublishAsync`,
//! `js_PublishMsgAsync`, `js_PublishAsyncComplete`,
//! `js_PublishAsyncGetPendingList`).
//!
//! Ownership, as cnats:
//! - `jsPubAck` returned by the synchronous calls is allocated here and
//!   freed by `jsPubAck_Destroy` (its strings with it);
//! - `js_PublishMsg` does not take the message;
//! - `js_PublishMsgAsync` takes the message on success only and then
//!   clears the caller's pointer; the library hands it back through the
//!   ack handler (which owns it), the error handler (which may resend it,
//!   else the library destroys it) or the pending list (owned by the
//!   caller, freed by `natsMsgList_Destroy`).

use super::callbacks::{pub_ack_err_handler, pub_ack_handler};
use super::cstr;
use super::handle::{arc_clone, box_mut, box_take};
use super::js::{js_ref, with_err_code};
use super::js_types::{jsCtx, jsErrCodeArg, jsOptions};
use super::msg::{natsMsg, natsMsgList};
use super::{guard, guard_or, not_null, write_out};
use crate::error::{Error, Result};
use crate::js::publish::{PubAck, PubOptions, ScheduleOptions};
use crate::js::publish_async::PubAsyncHandlers;
use crate::js::JetStream;
use crate::status::natsStatus;
use libc::{c_char, c_int, c_void};
use std::sync::Arc;

/// Schedule options of a published message (part of `jsPubOptions`).
#[repr(C)]
pub struct jsScheduleOptions {
    pub Schedule: *const c_char,
    pub Target: *const c_char,
    pub Source: *const c_char,
    /// TTL (milliseconds) of the messages the schedule produces.
    pub TTL: i64,
    pub TimeZone: *const c_char,
    pub Rollup: bool,
    pub CancelScheduledSubject: *const c_char,
}

/// Options of a JetStream publish; initialise with `jsPubOptions_Init`.
/// `MaxWait` (milliseconds, 0: the context's wait) bounds a synchronous
/// publish and `js_PublishAsyncComplete`, and sets an asynchronous
/// publish's acknowledgment timeout. Strings are the program's and only
/// read during the call.
#[repr(C)]
pub struct jsPubOptions {
    pub MaxWait: i64,
    pub MsgId: *const c_char,
    pub ExpectStream: *const c_char,
    pub ExpectLastMsgId: *const c_char,
    pub ExpectLastSeq: u64,
    pub ExpectLastSubjectSeq: u64,
    pub ExpectLastSubjectSeqSubject: *const c_char,
    pub ExpectNoMessage: bool,
    /// Time to live of the message (milliseconds; server 2.11+).
    pub MsgTTL: i64,
    pub Schedule: jsScheduleOptions,
}

/// The acknowledgment of a stored message. Returned by the synchronous
/// publish calls (freed with `jsPubAck_Destroy`) and lent to the ack
/// handler for the duration of the call.
#[repr(C)]
pub struct jsPubAck {
    pub Stream: *mut c_char,
    pub Sequence: u64,
    pub Domain: *mut c_char,
    pub Duplicate: bool,
    pub Batch: *mut c_char,
    pub Count: u64,
    pub Value: *mut c_char,
}

/// A failed asynchronous publish, lent to the handlers for the duration of
/// the call: the message (error handler only), the status, the JetStream
/// error code (0 if none) and a text.
#[repr(C)]
pub struct jsPubAckErr {
    pub Msg: *mut natsMsg,
    pub Err: natsStatus,
    pub ErrCode: jsErrCodeArg,
    pub ErrText: *const c_char,
}

/// cnats' `JSNotEnabledErr`: the error code of a publish nobody answered.
const JS_NOT_ENABLED_ERR: u16 = 10076;

/// Reads an optional string field of `jsPubOptions` (NULL or "" → None).
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid during the call.
unsafe fn opt(p: *const c_char, name: &str) -> Result<Option<String>> {
    // SAFETY: this function's contract is `opt_str`'s.
    Ok(unsafe { cstr::opt_str(p, name) }?
        .filter(|s| !s.is_empty())
        .map(str::to_string))
}

/// The core's options from a C `jsPubOptions` (NULL → None).
///
/// # Safety
/// `o` is NULL or points to a `jsPubOptions` of the program whose strings
/// are NUL-terminated and valid during the call.
pub(crate) unsafe fn pub_options_from_c(o: *const jsPubOptions) -> Result<Option<PubOptions>> {
    // SAFETY: NULL or the program's initialised options (contract), read only.
    let Some(o) = (unsafe { o.as_ref() }) else {
        return Ok(None);
    };
    let s = &o.Schedule;
    // SAFETY: every `opt` call reads a pointer that is NULL or a string of
    // the program's options, valid during the call (contract).
    Ok(Some(unsafe {
        PubOptions {
            max_wait_ms: o.MaxWait,
            msg_id: opt(o.MsgId, "MsgId")?,
            expect_stream: opt(o.ExpectStream, "ExpectStream")?,
            expect_last_msg_id: opt(o.ExpectLastMsgId, "ExpectLastMsgId")?,
            expect_last_seq: o.ExpectLastSeq,
            expect_last_subject_seq: o.ExpectLastSubjectSeq,
            expect_last_subject_seq_subject: opt(o.ExpectLastSubjectSeqSubject, "ExpectLastSubjectSeqSubject")?,
            expect_no_message: o.ExpectNoMessage,
            msg_ttl_ms: o.MsgTTL,
            schedule: ScheduleOptions {
                schedule: opt(s.Schedule, "Schedule.Schedule")?,
                target: opt(s.Target, "Schedule.Target")?,
                source: opt(s.Source, "Schedule.Source")?,
                ttl_ms: s.TTL,
                time_zone: opt(s.TimeZone, "Schedule.TimeZone")?,
                rollup: s.Rollup,
                cancel_scheduled_subject: opt(s.CancelScheduledSubject, "Schedule.CancelScheduledSubject")?,
            },
        }
    }))
}

/// A `malloc`ed copy of an optional string (None → NULL).
fn malloc_opt(s: Option<&str>) -> Result<*mut c_char> {
    match s {
        None => Ok(std::ptr::null_mut()),
        Some(s) => cstr::malloc_string(s.as_bytes()),
    }
}

/// A `jsPubAck` allocated for the program (freed by `jsPubAck_Destroy`).
fn new_pub_ack(a: &PubAck) -> Result<*mut jsPubAck> {
    let mut pa = Box::new(jsPubAck {
        Stream: std::ptr::null_mut(),
        Sequence: a.seq,
        Domain: std::ptr::null_mut(),
        Duplicate: a.duplicate,
        Batch: std::ptr::null_mut(),
        Count: a.count,
        Value: std::ptr::null_mut(),
    });
    let raw = (|| -> Result<()> {
        pa.Stream = cstr::malloc_string(a.stream.as_bytes())?;
        pa.Domain = malloc_opt(a.domain.as_deref())?;
        pa.Batch = malloc_opt(a.batch.as_deref())?;
        pa.Value = malloc_opt(a.value.as_deref())?;
        Ok(())
    })();
    let p = Box::into_raw(pa);
    if let Err(e) = raw {
        // SAFETY: `p` was just made by `Box::into_raw` and its strings are NULL or malloc'ed.
        unsafe { free_pub_ack(p) };
        return Err(e);
    }
    Ok(p)
}

/// Frees a `jsPubAck` made by [`new_pub_ack`] and its strings.
///
/// # Safety
/// `p` was returned by [`new_pub_ack`] (directly or through a publish
/// call) and is not used afterwards.
unsafe fn free_pub_ack(p: *mut jsPubAck) {
    // SAFETY: made by `Box::into_raw` in `new_pub_ack` (contract); taken once.
    let pa = unsafe { Box::from_raw(p) };
    for s in [pa.Stream, pa.Domain, pa.Batch, pa.Value] {
        // SAFETY: NULL or allocated with malloc by `cstr::malloc_string`; freed once.
        unsafe { libc::free(s as *mut c_void) };
    }
}

/// The NO_RESPONDERS failure of a publish carries cnats' error code
/// `JSNotEnabledErr` when the core gave none.
fn pub_error(mut e: Error) -> Error {
    if e.status == natsStatus::NATS_NO_RESPONDERS && e.js_code == 0 {
        e.js_code = JS_NOT_ENABLED_ERR;
    }
    e
}

/// Stores `ack` in `*pubAck` when the program asked for it.
///
/// # Safety
/// `pubAck` is NULL or points to writable storage for a `jsPubAck*`.
unsafe fn hand_ack(pubAck: *mut *mut jsPubAck, ack: &PubAck) -> Result<()> {
    if !pubAck.is_null() {
        let pa = new_pub_ack(ack)?;
        // SAFETY: non-NULL (checked), the program's output argument.
        unsafe { write_out(pubAck, pa) };
    }
    Ok(())
}

/// Initialises publish options: all zero (no expectation, the context's
/// wait).
#[no_mangle]
pub unsafe extern "C" fn jsPubOptions_Init(opts: *mut jsPubOptions) -> natsStatus {
    guard("jsPubOptions_Init", || {
        not_null(opts, "opts")?;
        // SAFETY: `opts` is not NULL and points to the program's storage for a jsPubOptions; every
        // field (integers, bools, raw pointers) is valid as zero bytes.
        unsafe { std::ptr::write_bytes(opts, 0, 1) };
        Ok(())
    })
}

/// The payload of a publish: `dataLen` bytes at `data` (NULL when 0).
///
/// # Safety
/// `data` is NULL or points to `dataLen` readable bytes valid for `'a`.
unsafe fn payload<'a>(data: *const c_void, dataLen: c_int) -> Result<&'a [u8]> {
    if dataLen < 0 || (dataLen > 0 && data.is_null()) {
        return Err(Error::invalid_arg("invalid argument: bad 'data'/'dataLen'"));
    }
    if dataLen == 0 {
        return Ok(&[]);
    }
    // SAFETY: `data` is not NULL and holds `dataLen` readable bytes (contract).
    Ok(unsafe { std::slice::from_raw_parts(data as *const u8, dataLen as usize) })
}

/// The subject of a publish: required, not empty.
///
/// # Safety
/// `subj` is NULL or a NUL-terminated string valid for `'a`.
unsafe fn subject<'a>(subj: *const c_char) -> Result<&'a [u8]> {
    // SAFETY: NULL or a NUL-terminated string (contract).
    unsafe { cstr::opt_bytes(subj) }
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::invalid_arg("invalid argument: 'subj' is NULL or empty"))
}

/// The body of `js_Publish` (without the error code).
///
/// # Safety
/// cnats' contract for `js_Publish`'s arguments.
unsafe fn publish(
    pubAck: *mut *mut jsPubAck,
    js: *mut jsCtx,
    subj: *const c_char,
    data: *const c_void,
    dataLen: c_int,
    opts: *const jsPubOptions,
) -> Result<()> {
    // SAFETY: NULL or a live context handle (contract).
    let ctx = unsafe { js_ref(js) }?;
    // SAFETY: NULL or a NUL-terminated string (contract).
    let subject = unsafe { subject(subj) }?;
    // SAFETY: NULL or `dataLen` readable bytes (contract).
    let payload = unsafe { payload(data, dataLen) }?;
    // SAFETY: NULL or the program's options (contract).
    let o = unsafe { pub_options_from_c(opts) }?;
    let ack = ctx.publish(subject, payload, None, o.as_ref()).map_err(pub_error)?;
    // SAFETY: NULL or the program's output argument (contract).
    unsafe { hand_ack(pubAck, &ack) }
}

/// The body of `js_PublishMsg` (without the error code).
///
/// # Safety
/// cnats' contract for `js_PublishMsg`'s arguments.
unsafe fn publish_msg(
    pubAck: *mut *mut jsPubAck,
    js: *mut jsCtx,
    msg: *mut natsMsg,
    opts: *const jsPubOptions,
) -> Result<()> {
    // SAFETY: NULL or a live context handle (contract).
    let ctx = unsafe { js_ref(js) }?;
    // SAFETY: NULL (refused) or a message the program owns and does not use elsewhere during the
    // call (contract).
    let m = unsafe { box_mut::<natsMsg>(msg, "msg") }?;
    // SAFETY: NULL or the program's options (contract).
    let o = unsafe { pub_options_from_c(opts) }?;
    let ack = ctx.publish_msg(m, o.as_ref()).map_err(pub_error)?;
    // SAFETY: NULL or the program's output argument (contract).
    unsafe { hand_ack(pubAck, &ack) }
}

/// Publishes `dataLen` bytes of `data` (NULL when 0) to `subj` and waits
/// for the stream's acknowledgment, stored in `*pubAck` when not NULL
/// (freed with `jsPubAck_Destroy`). `*errCode` (optional) gets the
/// JetStream error code of a failure, 0 otherwise.
#[no_mangle]
pub unsafe extern "C" fn js_Publish(
    pubAck: *mut *mut jsPubAck,
    js: *mut jsCtx,
    subj: *const c_char,
    data: *const c_void,
    dataLen: c_int,
    opts: *mut jsPubOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: `publish` and `with_err_code` require exactly this export's C contract, and get the
    // arguments unchanged.
    guard("js_Publish", || unsafe {
        with_err_code(errCode, || publish(pubAck, js, subj, data, dataLen, opts))
    })
}

/// Publishes `msg` (which stays the caller's; the option headers are added
/// to it, as cnats does) and waits for the acknowledgment; see `js_Publish`.
#[no_mangle]
pub unsafe extern "C" fn js_PublishMsg(
    pubAck: *mut *mut jsPubAck,
    js: *mut jsCtx,
    msg: *mut natsMsg,
    opts: *mut jsPubOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: `publish_msg` and `with_err_code` require exactly this export's C contract, and get
    // the arguments unchanged.
    guard("js_PublishMsg", || unsafe {
        with_err_code(errCode, || publish_msg(pubAck, js, msg, opts))
    })
}

/// Frees an acknowledgment returned by `js_Publish`/`js_PublishMsg` (NULL
/// is ignored).
#[no_mangle]
pub unsafe extern "C" fn jsPubAck_Destroy(pubAck: *mut jsPubAck) {
    guard_or("jsPubAck_Destroy", (), || {
        if !pubAck.is_null() {
            // SAFETY: a jsPubAck this library returned, given up by the program (contract).
            unsafe { free_pub_ack(pubAck) };
        }
        Ok(())
    })
}

/// Borrows the context behind `js` as the `Arc` the program holds (a new
/// reference, released when the returned value is dropped).
///
/// # Safety
/// `js` is NULL or a live handle from `natsConnection_JetStream`.
unsafe fn js_arc(js: *mut jsCtx) -> Result<Arc<JetStream>> {
    // SAFETY: this function's contract is `arc_clone`'s.
    unsafe { arc_clone::<jsCtx>(js, "js") }
}

/// Publishes `dataLen` bytes of `data` (NULL when 0) to `subj` without
/// waiting for the acknowledgment, which goes to the context's handlers.
/// Blocks up to the context's `StallWait` when `MaxPending` messages are
/// unacknowledged (then `NATS_TIMEOUT`).
#[no_mangle]
pub unsafe extern "C" fn js_PublishAsync(
    js: *mut jsCtx,
    subj: *const c_char,
    data: *const c_void,
    dataLen: c_int,
    opts: *mut jsPubOptions,
) -> natsStatus {
    guard("js_PublishAsync", || {
        // SAFETY: NULL or a live context handle (contract).
        let ctx = unsafe { js_arc(js) }?;
        // SAFETY: NULL or a NUL-terminated string (contract).
        let subject = unsafe { subject(subj) }?;
        // SAFETY: NULL or `dataLen` readable bytes (contract).
        let payload = unsafe { payload(data, dataLen) }?;
        // SAFETY: NULL or the program's options (contract).
        let o = unsafe { pub_options_from_c(opts) }?;
        ctx.publish_async(subject, payload, None, o.as_ref())
    })
}

/// Publishes `*msg` without waiting for the acknowledgment. On success the
/// library owns the message and sets `*msg` to NULL; on failure the
/// message stays the caller's.
#[no_mangle]
pub unsafe extern "C" fn js_PublishMsgAsync(
    js: *mut jsCtx,
    msg: *mut *mut natsMsg,
    opts: *mut jsPubOptions,
) -> natsStatus {
    guard("js_PublishMsgAsync", || {
        // SAFETY: NULL or a live context handle (contract).
        let ctx = unsafe { js_arc(js) }?;
        not_null(msg, "msg")?;
        // SAFETY: `msg` is not NULL and points to the program's `natsMsg*` (contract).
        let m = unsafe { *msg };
        not_null(m, "*msg")?;
        // SAFETY: NULL or the program's options (contract).
        let o = unsafe { pub_options_from_c(opts) }?;
        // SAFETY: `m` is a live message the program owns and hands over with this call (contract);
        // on failure it is given back through `*msg` below.
        let Some(owned) = (unsafe { box_take::<natsMsg>(m) }) else {
            return Err(Error::invalid_arg("invalid argument: '*msg' is NULL"));
        };
        // Cleared before the call: should the core panic, the message is
        // dropped with the unwinding and the program is left with NULL, not
        // with a pointer to freed memory.
        // SAFETY: `msg` checked above; the program's pointer.
        unsafe { write_out(msg, std::ptr::null_mut()) };
        match ctx.publish_msg_async(owned, o.as_ref()) {
            Ok(()) => Ok(()),
            Err((e, back)) => {
                // SAFETY: as above; the message goes back to the program (same allocation).
                unsafe { write_out(msg, Box::into_raw(back) as *mut natsMsg) };
                Err(e)
            }
        }
    })
}

/// Waits until every asynchronously published message is acknowledged (or
/// failed, or taken back), at most `opts->MaxWait` milliseconds when set
/// (`NATS_TIMEOUT` then).
#[no_mangle]
pub unsafe extern "C" fn js_PublishAsyncComplete(js: *mut jsCtx, opts: *mut jsPubOptions) -> natsStatus {
    guard("js_PublishAsyncComplete", || {
        // SAFETY: NULL or a live context handle (contract).
        let ctx = unsafe { js_ref(js) }?;
        // SAFETY: NULL or the program's options (contract), read only.
        let wait = unsafe { opts.as_ref() }.map_or(0, |o| o.MaxWait);
        ctx.publish_async_complete(wait)
    })
}

/// Takes back the messages still waiting for their acknowledgment into
/// `*pending` (an array the program frees with `natsMsgList_Destroy`,
/// which also destroys the messages left in it). `NATS_NOT_FOUND` when
/// none is pending.
#[no_mangle]
pub unsafe extern "C" fn js_PublishAsyncGetPendingList(pending: *mut natsMsgList, js: *mut jsCtx) -> natsStatus {
    guard("js_PublishAsyncGetPendingList", || {
        not_null(pending, "pending")?;
        // SAFETY: NULL or a live context handle (contract).
        let ctx = unsafe { js_ref(js) }?;
        let msgs = match ctx.pending_list() {
            Ok(m) => m,
            Err(e) if e.status == natsStatus::NATS_NOT_FOUND => return Ok(natsStatus::NATS_NOT_FOUND),
            Err(e) => return Err(e),
        };
        let n = msgs.len();
        let count = c_int::try_from(n).map_err(|_| Error::new(natsStatus::NATS_ERR, "too many pending messages"))?;
        // SAFETY: plain allocation of `n` pointers (n > 0: the core answers NOT_FOUND when empty).
        let arr = unsafe { libc::malloc(n * std::mem::size_of::<*mut natsMsg>()) } as *mut *mut natsMsg;
        if arr.is_null() {
            return Err(Error::status(natsStatus::NATS_NO_MEMORY));
        }
        for (i, m) in msgs.into_iter().enumerate() {
            // SAFETY: `arr` holds `n` slots and `i < n`; each message goes to the program.
            unsafe { arr.add(i).write(Box::into_raw(m) as *mut natsMsg) };
        }
        // SAFETY: `pending` is not NULL (checked): the program's list.
        unsafe {
            write_out(
                pending,
                natsMsgList {
                    Msgs: arr,
                    Count: count,
                },
            );
        }
        Ok(natsStatus::NATS_OK)
    })
}

/// Installs the context's asynchronous publish handlers from the C
/// options (an ack handler takes precedence over the error handler, as
/// cnats); called by `natsConnection_JetStream`.
///
/// # Safety
/// `opts` is NULL or points to the program's initialised `jsOptions`.
pub(crate) unsafe fn install_handlers(js: &JetStream, opts: *const jsOptions) {
    // SAFETY: NULL or the program's options (contract), read only.
    let Some(o) = (unsafe { opts.as_ref() }) else {
        return;
    };
    let pa = &o.PublishAsync;
    let h = if pa.AckHandler.is_some() {
        PubAsyncHandlers {
            ack: pub_ack_handler(pa.AckHandler, pa.AckHandlerClosure),
            err: None,
        }
    } else {
        PubAsyncHandlers {
            ack: None,
            err: pub_ack_err_handler(pa.ErrHandler, pa.ErrHandlerClosure),
        }
    };
    if h.ack.is_some() || h.err.is_some() {
        js.set_pub_async_handlers(h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::natsStatus::*;
    use std::ffi::{CStr, CString};

    #[test]
    fn pub_options_from_c_maps_every_field() {
        // SAFETY: NULL is "no options".
        assert!(unsafe { pub_options_from_c(std::ptr::null()) }.unwrap().is_none());
        let s: Vec<CString> = (0..9).map(|i| CString::new(format!("s{i}")).unwrap()).collect();
        let mut o: jsPubOptions = unsafe {
            // SAFETY: what jsPubOptions_Init makes (all fields valid as zero).
            std::mem::zeroed()
        };
        o.MaxWait = 11;
        o.MsgId = s[0].as_ptr();
        o.ExpectStream = s[1].as_ptr();
        o.ExpectLastMsgId = s[2].as_ptr();
        o.ExpectLastSeq = 12;
        o.ExpectLastSubjectSeq = 13;
        o.ExpectLastSubjectSeqSubject = s[3].as_ptr();
        o.ExpectNoMessage = true;
        o.MsgTTL = 14;
        o.Schedule.Schedule = s[4].as_ptr();
        o.Schedule.Target = s[5].as_ptr();
        o.Schedule.Source = s[6].as_ptr();
        o.Schedule.TTL = 15;
        o.Schedule.TimeZone = s[7].as_ptr();
        o.Schedule.Rollup = true;
        o.Schedule.CancelScheduledSubject = s[8].as_ptr();
        // SAFETY: `o` and its strings live through the call.
        let p = unsafe { pub_options_from_c(&o) }.unwrap().unwrap();
        let st = |i: usize| Some(format!("s{i}"));
        assert_eq!(
            p,
            PubOptions {
                max_wait_ms: 11,
                msg_id: st(0),
                expect_stream: st(1),
                expect_last_msg_id: st(2),
                expect_last_seq: 12,
                expect_last_subject_seq: 13,
                expect_last_subject_seq_subject: st(3),
                expect_no_message: true,
                msg_ttl_ms: 14,
                schedule: ScheduleOptions {
                    schedule: st(4),
                    target: st(5),
                    source: st(6),
                    ttl_ms: 15,
                    time_zone: st(7),
                    rollup: true,
                    cancel_scheduled_subject: st(8),
                },
            }
        );
        // "" is unset, as cnats' nats_IsStringEmpty.
        o.MsgId = c"".as_ptr();
        // SAFETY: as above.
        assert_eq!(unsafe { pub_options_from_c(&o) }.unwrap().unwrap().msg_id, None);
    }

    #[test]
    fn pub_ack_is_copied_and_freed() {
        let a = PubAck {
            stream: "S".into(),
            seq: 7,
            domain: Some("hub".into()),
            duplicate: true,
            batch: None,
            count: 3,
            value: Some("42".into()),
        };
        let p = new_pub_ack(&a).unwrap();
        // SAFETY: just made by `new_pub_ack`; its strings are NUL-terminated or NULL.
        unsafe {
            let r = &*p;
            assert_eq!(CStr::from_ptr(r.Stream).to_str().unwrap(), "S");
            assert_eq!(CStr::from_ptr(r.Domain).to_str().unwrap(), "hub");
            assert!(r.Batch.is_null());
            assert_eq!(CStr::from_ptr(r.Value).to_str().unwrap(), "42");
            assert_eq!((r.Sequence, r.Duplicate, r.Count), (7, true, 3));
            jsPubAck_Destroy(p);
            jsPubAck_Destroy(std::ptr::null_mut());
        }
    }

    #[test]
    fn no_responders_carries_js_not_enabled() {
        let e = pub_error(Error::status(NATS_NO_RESPONDERS));
        assert_eq!((e.status, e.js_code), (NATS_NO_RESPONDERS, JS_NOT_ENABLED_ERR));
        let e = pub_error(Error::js(NATS_ERR, 10071, "wrong last sequence"));
        assert_eq!(e.js_code, 10071);
    }

    #[test]
    fn init_zeroes_and_null_is_refused() {
        // SAFETY: a jsPubOptions filled with garbage bytes, then initialised.
        unsafe {
            let mut o: std::mem::MaybeUninit<jsPubOptions> = std::mem::MaybeUninit::uninit();
            std::ptr::write_bytes(o.as_mut_ptr(), 0xab, 1);
            assert_eq!(jsPubOptions_Init(o.as_mut_ptr()), NATS_OK);
            let o = o.assume_init();
            assert_eq!((o.MaxWait, o.ExpectLastSeq, o.MsgTTL, o.Schedule.TTL), (0, 0, 0, 0));
            assert!(o.MsgId.is_null() && o.Schedule.CancelScheduledSubject.is_null());
            assert!(!o.ExpectNoMessage && !o.Schedule.Rollup);
            assert_eq!(jsPubOptions_Init(std::ptr::null_mut()), NATS_INVALID_ARG);
        }
    }
}

//! `jsSubGroup`: JetStream subscriptions — push (`js_Subscribe`,
//! `js_SubscribeSync`, `js_SubscribeMulti`, `js_SubscribeSyncMulti`),
//! the reading of `jsSubOptions`, and what a subscription reports
//! (`natsSubscription_GetSequenceMismatch`).
//!
//! A JetStream subscription is a core subscription: the handle returned is
//! a `natsSubscription*` that `NextMsg`, `Unsubscribe`, `Drain` and
//! `Destroy` work on.

use super::callbacks::{msg_callback, natsMsgHandler};
use super::handle::{arc_clone, arc_into_raw, arc_ref};
use super::js::pull_async_from_c;
use super::js::{js_ref, opt_string, options_from_c, with_err_code};
use super::js_convert::consumer_config_from_c;
use super::js_convert::{array, consumer_info_to_c};
use super::js_types::{jsConsumerInfo, jsFetchRequest};
use super::js_types::{jsConsumerSequenceMismatch, jsCtx, jsErrCodeArg, jsOptions, jsSubOptions};
use super::msg::{natsMsg, natsMsgList};
use super::sub::natsSubscription;
use super::{cstr, guard, not_null, write_out};
use crate::conn::sub::{MsgCallback, Subscription};
use crate::error::{Error, Result};
use crate::js::pull::{self, FetchRequest};
use crate::js::push;
use crate::js::sub::SubOptions;
use crate::status::natsStatus;
use libc::{c_char, c_int, c_void};
use std::sync::Arc;

/// Reads a program's `jsSubOptions` (NULL → `None`: the defaults).
///
/// # Safety
/// `o` is NULL or points to a `jsSubOptions` initialised by the program
/// (strings NUL-terminated, arrays of their stated lengths, valid during
/// the call).
pub(crate) unsafe fn sub_options_from_c(o: *const jsSubOptions) -> Result<Option<SubOptions>> {
    // SAFETY: NULL or the program's jsSubOptions (contract); read only.
    let Some(o) = (unsafe { o.as_ref() }) else {
        return Ok(None);
    };
    // SAFETY: each pointer is NULL or a string / array of the program's
    // options, valid during the call (contract).
    unsafe {
        Ok(Some(SubOptions {
            stream: opt_string(o.Stream, "Stream")?,
            consumer: opt_string(o.Consumer, "Consumer")?,
            queue: opt_string(o.Queue, "Queue")?,
            manual_ack: o.ManualAck,
            config: consumer_config_from_c(&o.Config)?,
            ordered: o.Ordered,
        }))
    }
}

/// Reads `numSubjects` subjects (NULL entries and "" are left to the core,
/// which refuses them unless binding).
///
/// # Safety
/// `subjects` is NULL or an array of `n` entries, each NULL or a
/// NUL-terminated string, valid during the call.
unsafe fn subjects_from_c<'a>(subjects: *const *const c_char, n: c_int) -> Result<Vec<&'a str>> {
    if n < 0 || (subjects.is_null() && n > 0) {
        return Err(Error::invalid_arg(
            "invalid argument: 'subjects' is NULL or 'numSubjects' is negative",
        ));
    }
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n as usize {
        // SAFETY: `i < n`, the array's length (contract).
        let p = unsafe { *subjects.add(i) };
        // SAFETY: NULL or a NUL-terminated string (contract).
        out.push(unsafe { cstr::opt_str(p, "subject") }?.unwrap_or(""));
    }
    Ok(out)
}

/// The push subscribe calls: checks, reads the options, subscribes and
/// stores the handle in `*sub`; `errCode` gets the JetStream error code.
///
/// # Safety
/// cnats' contract for the `js_Subscribe*` family: `sub` NULL or writable;
/// `js` NULL or a live context; `subjects` as for [`subjects_from_c`];
/// `opts` / `subOpts` NULL or initialised by the program; `errCode` NULL
/// or writable.
#[allow(clippy::too_many_arguments)]
unsafe fn push_subscribe(
    sub: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subjects: *const *const c_char,
    n: c_int,
    cb: Option<MsgCallback>,
    opts: *mut jsOptions,
    subOpts: *mut jsSubOptions,
    errCode: *mut jsErrCodeArg,
) -> Result<()> {
    // SAFETY: `errCode` NULL or writable (contract).
    unsafe {
        with_err_code(errCode, || {
            not_null(sub, "sub")?;
            // SAFETY: `js` NULL (refused) or a live context (contract).
            let ctx = js_ref(js)?;
            // SAFETY: as in this function's contract.
            let subjects = subjects_from_c(subjects, n)?;
            // SAFETY: NULL or the program's options (contract).
            let call = options_from_c(opts)?;
            // SAFETY: NULL or the program's sub options (contract).
            let so = sub_options_from_c(subOpts)?;
            let s = ctx.subscribe_multi(&subjects, cb, call.as_ref(), so.as_ref())?;
            // SAFETY: checked non-NULL above; the program's output.
            write_out(sub, arc_into_raw::<natsSubscription>(s));
            Ok(())
        })
    }
}

/// Subscribes to `subject` of a stream with a push consumer; `cb` receives
/// each message (and acks it after it returns unless `ManualAck` or the
/// consumer acks none). Destroy with `natsSubscription_Destroy`.
#[no_mangle]
pub unsafe extern "C" fn js_Subscribe(
    sub: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subject: *const c_char,
    cb: natsMsgHandler,
    cbClosure: *mut c_void,
    opts: *mut jsOptions,
    subOpts: *mut jsSubOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the arguments are this export's C contract, passed through;
    // `subject` is one string (an array of one).
    guard("js_Subscribe", || unsafe {
        let cb = msg_callback(cb, cbClosure)?;
        push_subscribe(sub, js, &subject, 1, Some(cb), opts, subOpts, errCode)
    })
}

/// Like `js_Subscribe` with several filter subjects on one consumer.
#[no_mangle]
pub unsafe extern "C" fn js_SubscribeMulti(
    sub: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subjects: *mut *const c_char,
    numSubjects: c_int,
    cb: natsMsgHandler,
    cbClosure: *mut c_void,
    opts: *mut jsOptions,
    subOpts: *mut jsSubOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the arguments are this export's C contract, passed through.
    guard("js_SubscribeMulti", || unsafe {
        let cb = msg_callback(cb, cbClosure)?;
        push_subscribe(sub, js, subjects, numSubjects, Some(cb), opts, subOpts, errCode)
    })
}

/// Subscribes to `subject` of a stream with a push consumer whose messages
/// the program reads with `natsSubscription_NextMsg` (and acks itself).
#[no_mangle]
pub unsafe extern "C" fn js_SubscribeSync(
    sub: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subject: *const c_char,
    opts: *mut jsOptions,
    subOpts: *mut jsSubOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the arguments are this export's C contract, passed through.
    guard("js_SubscribeSync", || unsafe {
        push_subscribe(sub, js, &subject, 1, None, opts, subOpts, errCode)
    })
}

/// Like `js_SubscribeSync` with several filter subjects on one consumer.
#[no_mangle]
pub unsafe extern "C" fn js_SubscribeSyncMulti(
    sub: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subjects: *mut *const c_char,
    numSubjects: c_int,
    opts: *mut jsOptions,
    subOpts: *mut jsSubOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the arguments are this export's C contract, passed through.
    guard("js_SubscribeSyncMulti", || unsafe {
        push_subscribe(sub, js, subjects, numSubjects, None, opts, subOpts, errCode)
    })
}

/// Borrows a subscription handle; NULL → `NATS_INVALID_ARG`.
///
/// # Safety
/// `sub` is NULL or a live subscription handle; the borrow does not
/// outlive the call.
pub(crate) unsafe fn js_sub_ref<'a>(sub: *mut natsSubscription) -> Result<&'a Subscription> {
    // SAFETY: this function's contract is `arc_ref`'s.
    unsafe { arc_ref::<natsSubscription>(sub, "sub") }
}

/// The last gap a push subscription saw between the consumer sequence the
/// server announced and the one it delivered: `NATS_NOT_FOUND` (no error
/// text, as cnats) when there is none, `NATS_INVALID_SUBSCRIPTION` for a
/// subscription that is not a JetStream push subscription.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetSequenceMismatch(
    csm: *mut jsConsumerSequenceMismatch,
    sub: *mut natsSubscription,
) -> natsStatus {
    guard("natsSubscription_GetSequenceMismatch", || {
        not_null(csm, "csm")?;
        // SAFETY: `sub` NULL (refused) or a live subscription (contract).
        let s = unsafe { js_sub_ref(sub) }?;
        match push::sequence_mismatch(s) {
            Ok(m) => {
                // SAFETY: checked non-NULL; the program's output.
                unsafe {
                    write_out(
                        csm,
                        jsConsumerSequenceMismatch {
                            Stream: m.stream,
                            ConsumerClient: m.consumer_client,
                            ConsumerServer: m.consumer_server,
                        },
                    )
                };
                Ok(natsStatus::NATS_OK)
            }
            Err(e) if e.status == natsStatus::NATS_NOT_FOUND => Ok(natsStatus::NATS_NOT_FOUND),
            Err(e) => Err(e),
        }
    })
}

/// Creates a pull subscription on `subject`: on the consumer `durable`
/// (created when missing), on the consumer `subOpts` binds to, or on a new
/// ephemeral consumer. Messages are asked for with
/// `natsSubscription_Fetch` / `natsSubscription_FetchRequest`.
#[no_mangle]
pub unsafe extern "C" fn js_PullSubscribe(
    sub: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subject: *const c_char,
    durable: *const c_char,
    opts: *mut jsOptions,
    subOpts: *mut jsSubOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the arguments are this export's C contract: `sub` NULL or
    // writable, `js` NULL or a live context, strings NULL or
    // NUL-terminated, options NULL or initialised, `errCode` NULL or
    // writable.
    guard("js_PullSubscribe", || unsafe {
        with_err_code(errCode, || {
            not_null(sub, "sub")?;
            let ctx = js_ref(js)?;
            let subject = cstr::opt_str(subject, "subject")?.unwrap_or("");
            let durable = cstr::opt_str(durable, "durable")?.filter(|d| !d.is_empty());
            let call = options_from_c(opts)?;
            let so = sub_options_from_c(subOpts)?;
            let s = ctx.pull_subscribe(subject, durable, call.as_ref(), so.as_ref())?;
            write_out(sub, arc_into_raw::<natsSubscription>(s));
            Ok(())
        })
    })
}

/// Creates a pull subscription whose messages go to `msgCB`, with requests
/// sent as `jsOpts->PullSubscribeAsync` says (size, limits, expiry,
/// heartbeat, keep-ahead, next and complete handlers).
#[no_mangle]
pub unsafe extern "C" fn js_PullSubscribeAsync(
    newsub: *mut *mut natsSubscription,
    js: *mut jsCtx,
    subject: *const c_char,
    durable: *const c_char,
    msgCB: natsMsgHandler,
    msgCBClosure: *mut c_void,
    jsOpts: *mut jsOptions,
    opts: *mut jsSubOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: as for `js_PullSubscribe`; `msgCB` is the program's handler.
    guard("js_PullSubscribeAsync", || unsafe {
        not_null(newsub, "newsub")?;
        let cb = msg_callback(msgCB, msgCBClosure)?;
        let pull = pull_async_from_c(jsOpts)?;
        with_err_code(errCode, || {
            let ctx = js_ref(js)?;
            let subject = cstr::opt_str(subject, "subject")?.unwrap_or("");
            let durable = cstr::opt_str(durable, "durable")?.filter(|d| !d.is_empty());
            let call = options_from_c(jsOpts)?;
            let so = sub_options_from_c(opts)?;
            let s = ctx.pull_subscribe_async(subject, durable, cb, &pull, call.as_ref(), so.as_ref())?;
            write_out(newsub, arc_into_raw::<natsSubscription>(s));
            Ok(())
        })
    })
}

/// Fills `list` from a fetch: a new array of `natsMsg *` the program frees
/// with `natsMsgList_Destroy` (empty: `Msgs = NULL`, `Count = 0`).
///
/// # Safety
/// `list` is non-NULL and writable.
#[allow(clippy::vec_box)]
unsafe fn fill_list(list: *mut natsMsgList, msgs: Vec<Box<crate::msg::Msg>>) {
    let ptrs: Vec<*mut natsMsg> = msgs.into_iter().map(|m| Box::into_raw(m) as *mut natsMsg).collect();
    let (p, n) = array(ptrs);
    // SAFETY: non-NULL and writable (contract).
    unsafe { write_out(list, natsMsgList { Msgs: p, Count: n }) };
}

/// The fetch calls: `list` is emptied first (as cnats), then filled with
/// what `f` returns for the subscription.
///
/// # Safety
/// `list` NULL or writable; `sub` NULL or a live subscription handle.
#[allow(clippy::vec_box)]
unsafe fn fetch_into(
    list: *mut natsMsgList,
    sub: *mut natsSubscription,
    f: impl FnOnce(&Arc<Subscription>) -> Result<Vec<Box<crate::msg::Msg>>>,
) -> Result<()> {
    not_null(list, "list")?;
    // SAFETY: checked non-NULL; the program's list.
    unsafe {
        write_out(
            list,
            natsMsgList {
                Msgs: std::ptr::null_mut(),
                Count: 0,
            },
        )
    };
    // SAFETY: NULL (refused) or a live subscription (contract); the clone
    // keeps it alive while the fetch waits.
    let s = unsafe { arc_clone::<natsSubscription>(sub, "sub") }?;
    let msgs = f(&s)?;
    // SAFETY: checked non-NULL above.
    unsafe { fill_list(list, msgs) };
    Ok(())
}

/// Fetches up to `batch` messages of a pull subscription within `timeout`
/// ms: what is already there at once, else what arrives before the
/// timeout (`NATS_TIMEOUT` when nothing does).
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_Fetch(
    list: *mut natsMsgList,
    sub: *mut natsSubscription,
    batch: c_int,
    timeout: i64,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's list, subscription and output (C contract).
    guard("natsSubscription_Fetch", || unsafe {
        with_err_code(errCode, || fetch_into(list, sub, |s| pull::fetch(s, batch, timeout)))
    })
}

/// Reads a program's fetch request.
///
/// # Safety
/// `r` points to an initialised `jsFetchRequest` (strings NULL or
/// NUL-terminated, valid during the call).
unsafe fn fetch_request_from_c(r: &jsFetchRequest) -> Result<FetchRequest> {
    // SAFETY: the request's strings (contract).
    unsafe {
        Ok(FetchRequest {
            expires: r.Expires,
            batch: r.Batch,
            max_bytes: r.MaxBytes,
            no_wait: r.NoWait,
            heartbeat: r.Heartbeat,
            min_pending: r.MinPending,
            min_ack_pending: r.MinAckPending,
            id: opt_string(r.ID, "ID")?,
            group: opt_string(r.Group, "Group")?,
            priority: r.Priority,
        })
    }
}

/// Fetches with every setting of `request` (batch, byte limit, expiry in
/// ns, no-wait, heartbeat, priority-group fields).
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_FetchRequest(
    list: *mut natsMsgList,
    sub: *mut natsSubscription,
    request: *mut jsFetchRequest,
) -> natsStatus {
    // SAFETY: the program's list, subscription and request (C contract).
    guard("natsSubscription_FetchRequest", || unsafe {
        fetch_into(list, sub, |s| {
            let r = request
                .as_ref()
                .ok_or_else(|| Error::invalid_arg("invalid argument: 'request' is NULL"))?;
            pull::fetch_request(s, &fetch_request_from_c(r)?)
        })
    })
}

/// The info of the consumer a JetStream subscription reads from, in a new
/// `*ci` freed with `jsConsumerInfo_Destroy`. `NATS_INVALID_SUBSCRIPTION`
/// for a subscription that is not a JetStream one.
#[no_mangle]
pub unsafe extern "C" fn natsSubscription_GetConsumerInfo(
    ci: *mut *mut jsConsumerInfo,
    sub: *mut natsSubscription,
    opts: *mut jsOptions,
    errCode: *mut jsErrCodeArg,
) -> natsStatus {
    // SAFETY: the program's output, subscription and options (C contract).
    guard("natsSubscription_GetConsumerInfo", || unsafe {
        with_err_code(errCode, || {
            not_null(ci, "ci")?;
            let s = js_sub_ref(sub)?;
            let call = options_from_c(opts)?;
            let info = crate::js::sub::consumer_info(s, call.as_ref())?;
            write_out(ci, consumer_info_to_c(&info));
            Ok(())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::js::types::AckPolicy;
    use crate::status::natsStatus::*;

    #[test]
    fn sub_options_are_read_with_cnats_not_set_policies() {
        // SAFETY: NULL is "defaults".
        assert!(unsafe { sub_options_from_c(std::ptr::null()) }.unwrap().is_none());
        // SAFETY: a zeroed jsSubOptions, then initialised as C does.
        let mut o: jsSubOptions = unsafe { std::mem::zeroed() };
        // SAFETY: `o` is writable.
        assert_eq!(unsafe { super::super::js_types::jsSubOptions_Init(&mut o) }, NATS_OK);
        // SAFETY: `o` lives through the call.
        let r = unsafe { sub_options_from_c(&o) }.unwrap().unwrap();
        assert_eq!(r.stream, None);
        assert_eq!(r.config.ack_policy, None, "-1 is 'not set'");
        assert_eq!(r.config.deliver_policy, None);
        assert!(!r.manual_ack && !r.ordered);
        o.Stream = c"S".as_ptr();
        o.Consumer = c"".as_ptr();
        o.Queue = c"q".as_ptr();
        o.ManualAck = true;
        o.Ordered = true;
        o.Config.Durable = c"d".as_ptr();
        o.Config.AckPolicy = 2;
        // SAFETY: as above.
        let r = unsafe { sub_options_from_c(&o) }.unwrap().unwrap();
        assert_eq!(r.stream.as_deref(), Some("S"));
        assert_eq!(r.consumer, None, "\"\" is unset");
        assert_eq!(r.queue.as_deref(), Some("q"));
        assert!(r.manual_ack && r.ordered);
        assert_eq!(r.config.durable.as_deref(), Some("d"));
        assert_eq!(r.config.ack_policy, Some(AckPolicy::All));
    }

    #[test]
    fn fetch_request_is_read_field_by_field() {
        // SAFETY: zero is what jsFetchRequest_Init makes.
        let mut r: jsFetchRequest = unsafe { std::mem::zeroed() };
        r.Expires = 5;
        r.Batch = 3;
        r.MaxBytes = 7;
        r.NoWait = true;
        r.Heartbeat = 11;
        r.MinPending = 13;
        r.MinAckPending = 17;
        r.ID = c"pin".as_ptr();
        r.Group = c"g".as_ptr();
        r.Priority = 2;
        // SAFETY: `r` and its strings live through the call.
        let f = unsafe { fetch_request_from_c(&r) }.unwrap();
        assert_eq!(
            (f.expires, f.batch, f.max_bytes, f.no_wait, f.heartbeat),
            (5, 3, 7, true, 11)
        );
        assert_eq!((f.min_pending, f.min_ack_pending, f.priority), (13, 17, 2));
        assert_eq!((f.id.as_deref(), f.group.as_deref()), (Some("pin"), Some("g")));
    }

    #[test]
    fn subjects_array_checks() {
        let subs = [c"a".as_ptr(), std::ptr::null(), c"b".as_ptr()];
        // SAFETY: three entries.
        let v = unsafe { subjects_from_c(subs.as_ptr(), 3) }.unwrap();
        assert_eq!(v, vec!["a", "", "b"]);
        // SAFETY: NULL with a count is refused before any read.
        let e = unsafe { subjects_from_c(std::ptr::null(), 1) }.unwrap_err();
        assert_eq!(e.status, NATS_INVALID_ARG);
        // SAFETY: negative counts are refused before any read.
        let e = unsafe { subjects_from_c(subs.as_ptr(), -1) }.unwrap_err();
        assert_eq!(e.status, NATS_INVALID_ARG);
        // SAFETY: nothing is read.
        assert!(unsafe { subjects_from_c(std::ptr::null(), 0) }.unwrap().is_empty());
    }
}

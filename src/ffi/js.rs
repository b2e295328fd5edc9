//! `jsGroup`: the JetStream context (`natsConnection_JetStream`,
//! `jsCtx_Destroy`) and the reading of `jsOptions`, shared by every
//! JetStream export.

use super::callbacks::{fetch_complete_callback, fetch_next_callback};
use super::conn::natsConnection;
use super::cstr;
use super::handle::{arc_clone, arc_into_raw, arc_ref, arc_take, ArcCastable, Castable};
use super::js_types::{jsCtx, jsErrCodeArg, jsOptions};
use super::{guard, guard_or, not_null, write_out};
use crate::error::Result;
use crate::js::pull::PullAsyncOptions;
use crate::js::{JetStream, JsOptions, PubAsyncOptions, PurgeOptions, StreamInfoOptions, StreamOptions};
use crate::status::natsStatus;
use std::sync::Arc;

impl Castable for jsCtx {
    type RustType = JetStream;
}
impl ArcCastable for jsCtx {}

/// Borrows the context behind `js`; NULL → `NATS_INVALID_ARG`.
///
/// # Safety
/// `js` is NULL or a handle made by `natsConnection_JetStream` that the
/// program has not destroyed; the borrow does not outlive the call.
pub(crate) unsafe fn js_ref<'a>(js: *mut jsCtx) -> Result<&'a JetStream> {
    // SAFETY: this function's contract is `arc_ref`'s.
    unsafe { arc_ref::<jsCtx>(js, "js") }
}

/// An optional owned string from an optional C string (NULL or "" → None).
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid during the call.
pub(crate) unsafe fn opt_string(p: *const libc::c_char, name: &str) -> Result<Option<String>> {
    // SAFETY: this function's contract is `opt_str`'s.
    Ok(unsafe { cstr::opt_str(p, name) }?.map(str::to_string))
}

/// Reads a C `jsOptions` (NULL → `None`) into the core's options: prefix,
/// domain, wait, the publish-async limits and the stream purge / info
/// options. The C callbacks of `PublishAsync` are not part of it.
///
/// # Safety
/// `opts` is NULL or points to a `jsOptions` initialised by the program
/// (its strings NUL-terminated and valid during the call).
pub(crate) unsafe fn options_from_c(opts: *const jsOptions) -> Result<Option<JsOptions>> {
    // SAFETY: NULL or a jsOptions of the program (contract); read only.
    let Some(o) = (unsafe { opts.as_ref() }) else {
        return Ok(None);
    };
    // SAFETY: each pointer is NULL or a string of the program's jsOptions,
    // valid during the call (contract).
    let prefix = unsafe { opt_string(o.Prefix, "Prefix") }?;
    // SAFETY: as above.
    let domain = unsafe { opt_string(o.Domain, "Domain") }?;
    // SAFETY: as above.
    let purge_subject = unsafe { opt_string(o.Stream.Purge.Subject, "Stream.Purge.Subject") }?;
    // SAFETY: as above.
    let subjects_filter = unsafe { opt_string(o.Stream.Info.SubjectsFilter, "Stream.Info.SubjectsFilter") }?;
    Ok(Some(JsOptions {
        prefix,
        domain,
        wait: o.Wait,
        publish_async: PubAsyncOptions {
            max_pending: o.PublishAsync.MaxPending,
            stall_wait: o.PublishAsync.StallWait,
            mux_replies: o.PublishAsync.MuxReplies,
        },
        stream: StreamOptions {
            purge: PurgeOptions {
                subject: purge_subject,
                sequence: o.Stream.Purge.Sequence,
                keep: o.Stream.Purge.Keep,
            },
            info: StreamInfoOptions {
                deleted_details: o.Stream.Info.DeletedDetails,
                subjects_filter,
            },
        },
    }))
}

/// Reads `jsOptions.PullSubscribeAsync` of the options given to
/// `js_PullSubscribeAsync` (NULL: all defaults), handlers included. cnats
/// reads these settings from the call's options only, never from the
/// context's.
///
/// # Safety
/// as for [`options_from_c`]; the handlers are the program's (or NULL).
pub(crate) unsafe fn pull_async_from_c(opts: *const jsOptions) -> Result<PullAsyncOptions> {
    // SAFETY: NULL or a jsOptions of the program (contract); read only.
    let Some(o) = (unsafe { opts.as_ref() }) else {
        return Ok(PullAsyncOptions::default());
    };
    let p = &o.PullSubscribeAsync;
    Ok(PullAsyncOptions {
        timeout_ms: p.Timeout,
        max_messages: p.MaxMessages,
        max_bytes: p.MaxBytes,
        no_wait: p.NoWait,
        heartbeat_ms: p.Heartbeat,
        // SAFETY: NULL or a string of the program's options (contract).
        group: unsafe { opt_string(p.Group, "PullSubscribeAsync.Group") }?,
        min_pending: p.MinPending,
        min_ack_pending: p.MinAckPending,
        fetch_size: p.FetchSize,
        keep_ahead: p.KeepAhead,
        next: fetch_next_callback(p.NextHandler, p.NextHandlerClosure),
        complete: fetch_complete_callback(p.CompleteHandler, p.CompleteHandlerClosure),
    })
}

/// Runs `f` with cnats' `jsErrCode *errCode` output: set to 0 first, then
/// to the failure's JetStream error code (0 when the failure has none).
/// A NULL `errCode` is allowed.
///
/// # Safety
/// `errCode` is NULL or points to writable storage for a `jsErrCode`.
pub(crate) unsafe fn with_err_code<T>(errCode: *mut jsErrCodeArg, f: impl FnOnce() -> Result<T>) -> Result<T> {
    if !errCode.is_null() {
        // SAFETY: non-NULL output of the program (contract).
        unsafe { write_out(errCode, 0) };
    }
    let r = f();
    if let (Err(e), false) = (&r, errCode.is_null()) {
        // SAFETY: as above.
        unsafe { write_out(errCode, jsErrCodeArg::from(e.js_code)) };
    }
    r
}

/// cnats' "not found is an answer": a `NATS_NOT_FOUND` failure (with JetStream
/// error code `code`, or any code when `None`) clears the thread's last
/// error and becomes the call's status, as cnats does for the info, delete,
/// purge, pause, reset and unpin calls of a stream or consumer that does not
/// exist.
pub(crate) fn not_found_is_answer(r: Result<()>, code: Option<u16>) -> Result<natsStatus> {
    match r {
        Ok(()) => Ok(natsStatus::NATS_OK),
        Err(e) if e.status == natsStatus::NATS_NOT_FOUND && code.is_none_or(|c| c == e.js_code) => {
            super::last_error::clear();
            Ok(natsStatus::NATS_NOT_FOUND)
        }
        Err(e) => Err(e),
    }
}

/// Makes a JetStream context on `nc` with `opts` (NULL: defaults) and
/// stores it in `*new_js`; the program frees it with `jsCtx_Destroy`. The
/// context keeps the connection alive until then.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_JetStream(
    new_js: *mut *mut jsCtx,
    nc: *mut natsConnection,
    opts: *mut jsOptions,
) -> natsStatus {
    guard("natsConnection_JetStream", || {
        not_null(new_js, "new_js")?;
        // SAFETY: `nc` is NULL (refused) or a live connection handle.
        let conn = unsafe { arc_clone::<natsConnection>(nc, "nc") }?;
        // SAFETY: `opts` is NULL or the program's initialised jsOptions.
        let o = unsafe { options_from_c(opts) }?;
        let js = JetStream::new(conn, o.as_ref())?;
        // The PublishAsync handlers (ffi/js_pub.rs).
        // SAFETY: `opts` is NULL or the program's initialised jsOptions.
        unsafe { super::js_pub::install_handlers(&js, opts) };
        // SAFETY: `new_js` checked for NULL above; C's output argument.
        unsafe { write_out(new_js, arc_into_raw::<jsCtx>(Arc::new(js))) };
        Ok(())
    })
}

/// Releases the program's context (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn jsCtx_Destroy(js: *mut jsCtx) {
    guard_or("jsCtx_Destroy", (), || {
        // SAFETY: `js` is NULL or a handle from `natsConnection_JetStream`
        // the program gives up with this call.
        drop(unsafe { arc_take::<jsCtx>(js) });
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::ffi::sub::natsSubscription;
    use crate::status::natsStatus::*;
    use std::ffi::CString;

    #[test]
    fn options_from_c_reads_every_part_one_needs() {
        // SAFETY: NULL is "no options".
        assert!(unsafe { options_from_c(std::ptr::null()) }.unwrap().is_none());
        let prefix = CString::new("my.api.").unwrap();
        let subj = CString::new("a.b").unwrap();
        let filter = CString::new("x.>").unwrap();
        // SAFETY: a zeroed jsOptions is what jsOptions_Init makes.
        let mut o: jsOptions = unsafe { std::mem::zeroed() };
        o.Prefix = prefix.as_ptr();
        o.Domain = c"".as_ptr();
        o.Wait = 1234;
        o.PublishAsync.MaxPending = 10;
        o.PublishAsync.StallWait = 20;
        o.PublishAsync.MuxReplies = true;
        o.Stream.Purge.Subject = subj.as_ptr();
        o.Stream.Purge.Sequence = 5;
        o.Stream.Purge.Keep = 6;
        o.Stream.Info.DeletedDetails = true;
        o.Stream.Info.SubjectsFilter = filter.as_ptr();
        // SAFETY: `o` and its strings live through the call.
        let r = unsafe { options_from_c(&o) }.unwrap().unwrap();
        assert_eq!(r.prefix.as_deref(), Some("my.api."));
        assert_eq!(r.domain, None, "\"\" is unset");
        assert_eq!(r.wait, 1234);
        assert_eq!(
            r.publish_async,
            PubAsyncOptions {
                max_pending: 10,
                stall_wait: 20,
                mux_replies: true
            }
        );
        assert_eq!(r.stream.purge.subject.as_deref(), Some("a.b"));
        assert_eq!((r.stream.purge.sequence, r.stream.purge.keep), (5, 6));
        assert!(r.stream.info.deleted_details);
        assert_eq!(r.stream.info.subjects_filter.as_deref(), Some("x.>"));
    }

    unsafe extern "C" fn next_cb(
        _m: *mut libc::c_int,
        _b: *mut i64,
        _s: *mut natsSubscription,
        _cl: *mut libc::c_void,
    ) -> bool {
        false
    }

    #[test]
    fn pull_async_options_are_read_from_the_call_options() {
        // SAFETY: NULL is "defaults".
        let d = unsafe { pull_async_from_c(std::ptr::null()) }.unwrap();
        assert_eq!((d.timeout_ms, d.max_messages, d.fetch_size), (0, 0, 0));
        assert!(d.next.is_none() && d.complete.is_none());
        // SAFETY: a zeroed jsOptions is what jsOptions_Init makes.
        let mut o: jsOptions = unsafe { std::mem::zeroed() };
        let p = &mut o.PullSubscribeAsync;
        p.Timeout = 1000;
        p.MaxMessages = 25;
        p.MaxBytes = 4096;
        p.NoWait = true;
        p.Heartbeat = 200;
        p.Group = c"grp".as_ptr();
        p.MinPending = 3;
        p.MinAckPending = 4;
        p.FetchSize = 10;
        p.KeepAhead = 2;
        p.NextHandler = Some(next_cb);
        // SAFETY: `o` lives through the call.
        let r = unsafe { pull_async_from_c(&o) }.unwrap();
        assert_eq!(
            (r.timeout_ms, r.max_messages, r.max_bytes, r.no_wait),
            (1000, 25, 4096, true)
        );
        assert_eq!((r.heartbeat_ms, r.min_pending, r.min_ack_pending), (200, 3, 4));
        assert_eq!((r.fetch_size, r.keep_ahead, r.group.as_deref()), (10, 2, Some("grp")));
        assert!(r.next.is_some(), "the program's next handler is kept");
        assert!(r.complete.is_none());
    }

    #[test]
    fn err_code_output_is_reset_then_set_on_failure() {
        let mut code: jsErrCodeArg = 99;
        // SAFETY: `code` is writable.
        let r = unsafe { with_err_code(&mut code, || Ok(1)) };
        assert_eq!((r.unwrap(), code), (1, 0));
        // SAFETY: as above.
        let r: Result<()> = unsafe { with_err_code(&mut code, || Err(Error::js(NATS_NOT_FOUND, 10059, "nf"))) };
        assert_eq!((r.unwrap_err().status, code), (NATS_NOT_FOUND, 10059));
        // SAFETY: as above.
        let r: Result<()> = unsafe { with_err_code(&mut code, || Err(Error::invalid_arg("bad"))) };
        assert_eq!((r.unwrap_err().status, code), (NATS_INVALID_ARG, 0));
        // A NULL output is allowed.
        // SAFETY: NULL is accepted.
        let r: Result<()> = unsafe { with_err_code(std::ptr::null_mut(), || Err(Error::js(NATS_ERR, 1, "x"))) };
        assert!(r.is_err());
    }
}

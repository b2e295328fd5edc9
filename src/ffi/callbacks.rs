//! The one home of C callbacks: cnats' callback typedefs, and the
//! trampolines that turn a C function pointer plus its closure into the
//! core's Rust closure (connection events, errors, reconnect delay,
//! messages, subscription completion, thread start, token / JWT /
//! signature handlers).
//!
//! Rules every trampoline follows:
//! - the closure pointer travels as a [`SendPtr`] and is only handed back
//!   to the program's own function;
//! - handles given to a callback are the ones the program holds
//!   ([`arc_as_ptr`]: no new reference), and a message passed to a message
//!   handler is owned by the callback;
//! - a status returned *by* a C callback is read as a plain `int` and
//!   converted with `natsStatus::from_raw`, so an out-of-range value from
//!   C can never become an invalid Rust enum;
//! - memory a callback hands over (`malloc`ed JWT, signature, error texts)
//!   is freed here, exactly once.

use super::conn::natsConnection;
use super::handle::arc_as_ptr;
use super::kv::{entry_into_c, CWatcher};
use super::kv_types::{kvEntry, kvWatcher};
use super::micro_types::{microEndpoint, microError, microRequest, microService};
use super::msg::natsMsg;
use super::sub::natsSubscription;
use crate::auth::{JwtHandler, SignatureHandler, TokenHandler};
use crate::conn::sub::{CompleteCallback, MsgCallback, Subscription};
use crate::conn::Connection;
use crate::error::{Error, Result};
use crate::js::publish::{PubAck, PubAckErr};
use crate::js::publish_async::{PubAckErrHandler, PubAckHandler};
use crate::js::JetStream;
use crate::msg::Msg;
use crate::options::{ConnCallback, ErrCallback, ReconnectDelayCallback};
use crate::runtime::ThreadStartedHook;
use crate::status::natsStatus;
use libc::{c_char, c_int, c_uchar, c_void};
use std::ffi::{CStr, CString};
use std::ptr;
use std::sync::Arc;

/// The socket type (`int` on Unix); the header declares it itself.
pub type natsSock = c_int;

/// Receives each message of an asynchronous subscription. The message
/// belongs to the callback, which must destroy it with `natsMsg_Destroy`.
pub type natsMsgHandler = Option<
    unsafe extern "C" fn(nc: *mut natsConnection, sub: *mut natsSubscription, msg: *mut natsMsg, closure: *mut c_void),
>;
/// Connection event callback (closed, disconnected, reconnected, …).
pub type natsConnectionHandler = Option<unsafe extern "C" fn(nc: *mut natsConnection, closure: *mut c_void)>;
/// Asynchronous error callback; `sub` may be NULL.
pub type natsErrHandler = Option<
    unsafe extern "C" fn(
        nc: *mut natsConnection,
        subscription: *mut natsSubscription,
        err: natsStatus,
        closure: *mut c_void,
    ),
>;
/// Called when an asynchronous pull subscription ends, with the reason.
pub type jsFetchCompleteHandler = Option<
    unsafe extern "C" fn(nc: *mut natsConnection, sub: *mut natsSubscription, s: natsStatus, closure: *mut c_void),
>;
/// Asked before each pull of an asynchronous pull subscription: sets the
/// batch size and byte limit of the next pull, returns false to skip it.
pub type jsFetchNextHandler = Option<
    unsafe extern "C" fn(
        messages: *mut c_int,
        maxBytes: *mut i64,
        sub: *mut natsSubscription,
        closure: *mut c_void,
    ) -> bool,
>;
/// Called by an asynchronous Key/Value watcher for each entry (NULL once
/// the initial values are delivered), or with a status when the watcher
/// fails or stops.
pub type kvWatchCb =
    Option<unsafe extern "C" fn(w: *mut kvWatcher, e: *mut kvEntry, s: natsStatus, closure: *mut c_void)>;
/// Handles one request of a services endpoint. Returns NULL, or an error
/// the library sends back as an error response (and frees).
pub type microRequestHandler = Option<unsafe extern "C" fn(req: *mut microRequest) -> *mut microError>;
/// Told about an asynchronous error of a service (`ep` may be NULL).
pub type microErrorHandler = Option<unsafe extern "C" fn(m: *mut microService, ep: *mut microEndpoint, s: natsStatus)>;
/// Called once when a service has stopped.
pub type microDoneHandler = Option<unsafe extern "C" fn(m: *mut microService)>;
/// Returns the token to send at each connect; the library does not free it.
pub type natsTokenHandler = Option<unsafe extern "C" fn(closure: *mut c_void) -> *const c_char>;
/// Returns a user JWT in `*userJWT` (allocated with `malloc`, freed by the
/// library), or an error with an optional `*customErrTxt` (also freed by
/// the library).
pub type natsUserJWTHandler = Option<
    unsafe extern "C" fn(userJWT: *mut *mut c_char, customErrTxt: *mut *mut c_char, closure: *mut c_void) -> natsStatus,
>;
/// Signs `nonce`: returns a `malloc`ed signature and its length, or an
/// error with an optional `malloc`ed `*customErrTxt`.
pub type natsSignatureHandler = Option<
    unsafe extern "C" fn(
        customErrTxt: *mut *mut c_char,
        signature: *mut *mut c_uchar,
        signatureLength: *mut c_int,
        nonce: *const c_char,
        closure: *mut c_void,
    ) -> natsStatus,
>;
/// Called when a subscription is fully done (after drain or unsubscribe).
pub type natsOnCompleteCB = Option<unsafe extern "C" fn(closure: *mut c_void)>;
/// Returns the delay in milliseconds before reconnect attempt `attempts`.
pub type natsCustomReconnectDelayHandler =
    Option<unsafe extern "C" fn(nc: *mut natsConnection, attempts: c_int, closure: *mut c_void) -> i64>;
/// OpenSSL-style verification callback. Not supported with rustls (see
/// `natsOptions_SetSSLVerificationCallback`).
pub type natsSSLVerifyCb = Option<unsafe extern "C" fn(preverifyOk: c_int, ctx: *mut c_void) -> c_int>;
/// Called at the start of each thread the library creates.
pub type natsThreadStartedHandler = Option<unsafe extern "C" fn(closure: *mut c_void)>;

/// Receives the outcome of each asynchronous JetStream publish: `pa` (the
/// acknowledgment) or `pae` (the failure), never both; the message belongs
/// to the handler (which may resend it with `js_PublishMsgAsync`).
pub type jsPubAckHandler = Option<
    unsafe extern "C" fn(
        js: *mut super::js_types::jsCtx,
        msg: *mut natsMsg,
        pa: *mut super::js_pub::jsPubAck,
        pae: *mut super::js_pub::jsPubAckErr,
        closure: *mut c_void,
    ),
>;
/// Receives each failed asynchronous JetStream publish; the message in
/// `pae->Msg` stays the library's unless the handler resends it with
/// `js_PublishMsgAsync(js, &pae->Msg, ...)`.
pub type jsPubAckErrHandler = Option<
    unsafe extern "C" fn(js: *mut super::js_types::jsCtx, pae: *mut super::js_pub::jsPubAckErr, closure: *mut c_void),
>;

/// A C pointer carried to another thread. The C program promises the
/// closure may be used from library threads (cnats' contract).
#[derive(Clone, Copy, Debug)]
pub(crate) struct SendPtr(pub *mut c_void);
// SAFETY: the pointer is only handed back to the C program's callbacks,
// which cnats documents as running on library threads.
unsafe impl Send for SendPtr {}
// SAFETY: (Sync) the pointer is never dereferenced by the library, only handed back to the C
// program's callbacks, which cnats documents as callable from any library thread.
unsafe impl Sync for SendPtr {}

type RawJwtHandler = unsafe extern "C" fn(*mut *mut c_char, *mut *mut c_char, *mut c_void) -> c_int;
type RawSigHandler =
    unsafe extern "C" fn(*mut *mut c_char, *mut *mut c_uchar, *mut c_int, *const c_char, *mut c_void) -> c_int;

/// Calls a JWT handler, reading its status as an `int`.
///
/// # Safety
/// `f` is a JWT handler the C program registered; `jwt` and `err` point to writable `char*` slots;
/// `closure` is the program's own closure for it.
unsafe fn call_jwt_handler(
    f: unsafe extern "C" fn(*mut *mut c_char, *mut *mut c_char, *mut c_void) -> natsStatus,
    jwt: *mut *mut c_char,
    err: *mut *mut c_char,
    closure: *mut c_void,
) -> natsStatus {
    // SAFETY: same ABI; `natsStatus` is returned as a C int.
    let raw: RawJwtHandler = unsafe { std::mem::transmute(f) };
    // SAFETY: `RawJwtHandler` has the same C signature as `f` except that the returned `natsStatus`
    // is read as the `int` it is in C, so the call is ABI-identical; `jwt`, `err` and `closure` are
    // passed as the caller got them (see `# Safety`).
    natsStatus::from_raw(unsafe { raw(jwt, err, closure) })
}

/// Calls a signature handler, reading its status as an `int`.
///
/// # Safety
/// `f` is a signature handler the C program registered; `err`, `sig` and `sig_len` point to
/// writable slots; `nonce` is NULL or a NUL-terminated string; `closure` is the program's own
/// closure for it.
unsafe fn call_sig_handler(
    f: unsafe extern "C" fn(*mut *mut c_char, *mut *mut c_uchar, *mut c_int, *const c_char, *mut c_void) -> natsStatus,
    err: *mut *mut c_char,
    sig: *mut *mut c_uchar,
    sig_len: *mut c_int,
    nonce: *const c_char,
    closure: *mut c_void,
) -> natsStatus {
    // SAFETY: same ABI; `natsStatus` is returned as a C int.
    let raw: RawSigHandler = unsafe { std::mem::transmute(f) };
    // SAFETY: `RawSigHandler` has the same C signature as `f` except that the returned `natsStatus`
    // is read as the `int` it is in C, so the call is ABI-identical; the pointers are passed as the
    // caller got them (see `# Safety`).
    natsStatus::from_raw(unsafe { raw(err, sig, sig_len, nonce, closure) })
}

// ---- connection events, errors, reconnect delay ----

/// A connection event callback (closed, disconnected, reconnected,
/// discovered servers, lame duck, connected) as a core closure.
pub(crate) fn conn_callback(cb: natsConnectionHandler, closure: *mut c_void) -> Option<ConnCallback> {
    let f = cb?;
    let closure = SendPtr(closure);
    Some(Arc::new(move |nc: &Arc<Connection>| {
        let c: SendPtr = closure;
        let ncp = arc_as_ptr::<natsConnection>(nc);
        // SAFETY: `f` is the program's own callback (a valid C function by
        // its type), called with the connection handle the program holds
        // (kept alive by `nc` for the call) and the closure it registered.
        unsafe { f(ncp, c.0) }
    }))
}

/// The asynchronous error callback as a core closure.
pub(crate) fn err_callback(cb: natsErrHandler, closure: *mut c_void) -> Option<ErrCallback> {
    let f = cb?;
    let closure = SendPtr(closure);
    Some(Arc::new(
        move |nc: &Arc<Connection>, sub: Option<&Arc<Subscription>>, st: natsStatus, text: Option<&str>| {
            let c: SendPtr = closure;
            let ncp = arc_as_ptr::<natsConnection>(nc);
            let subp = sub.map_or(std::ptr::null_mut(), arc_as_ptr::<natsSubscription>);
            // As cnats: during the handler, the error's text (e.g. the
            // server's "Permissions Violation ..." or "Authorization
            // Violation") is the thread's last error; cleared afterwards.
            if let Some(text) = text {
                super::last_error::set("natsErrHandler", st, text);
            }
            // SAFETY: as in `conn_callback`; `subp` is NULL or the
            // subscription handle the program holds (kept alive by `sub`),
            // and cnats documents that `sub` may be NULL.
            unsafe { f(ncp, subp, st, c.0) };
            super::last_error::clear();
        },
    ))
}

/// The custom reconnect-delay callback as a core closure.
pub(crate) fn delay_callback(
    cb: natsCustomReconnectDelayHandler,
    closure: *mut c_void,
) -> Option<ReconnectDelayCallback> {
    let f = cb?;
    let closure = SendPtr(closure);
    Some(Arc::new(move |nc: &Arc<Connection>, attempts: i32| {
        let c: SendPtr = closure;
        let ncp = arc_as_ptr::<natsConnection>(nc);
        // SAFETY: as in `conn_callback`.
        unsafe { f(ncp, attempts, c.0) }
    }))
}

// ---- subscriptions ----

/// Wraps a C message handler: each message is handed over as a `natsMsg*`
/// that the callback owns (NULL for a subscription timeout).
pub(crate) fn msg_callback(cb: natsMsgHandler, closure: *mut c_void) -> Result<MsgCallback> {
    let f = cb.ok_or_else(|| Error::invalid_arg("invalid argument: 'cb' is NULL"))?;
    let closure = SendPtr(closure);
    Ok(Arc::new(
        move |c: &Arc<Connection>, s: &Arc<Subscription>, m: Option<Box<Msg>>| {
            let cl = closure;
            let mp = match m {
                Some(m) => Box::into_raw(m) as *mut natsMsg,
                None => std::ptr::null_mut(),
            };
            // SAFETY: `f` is the program's own handler; the connection and
            // subscription handles are the ones the program holds (kept
            // alive by `c` and `s` for the call); `mp` is NULL or a message
            // leaked from its Box whose ownership passes to the callback
            // (which frees it with natsMsg_Destroy).
            unsafe {
                f(
                    arc_as_ptr::<natsConnection>(c),
                    arc_as_ptr::<natsSubscription>(s),
                    mp,
                    cl.0,
                )
            }
        },
    ))
}

/// `jsOptions.PullSubscribeAsync.CompleteHandler` as a core closure (NULL:
/// none).
pub(crate) fn fetch_complete_callback(
    cb: jsFetchCompleteHandler,
    closure: *mut c_void,
) -> Option<crate::js::pull::FetchCompleteHandler> {
    let f = cb?;
    let cl = SendPtr(closure);
    Some(Arc::new(
        move |c: &Arc<Connection>, s: &Arc<Subscription>, st: natsStatus| {
            let cl = &cl;
            // SAFETY: the program's own handler, called with the handles it
            // holds (kept alive by `c` and `s` for the call) and its closure.
            unsafe {
                f(
                    arc_as_ptr::<natsConnection>(c),
                    arc_as_ptr::<natsSubscription>(s),
                    st,
                    cl.0,
                )
            }
        },
    ))
}

/// `jsOptions.PullSubscribeAsync.NextHandler` as a core closure (NULL:
/// none): the handler starts from 0 messages and 0 bytes, as cnats, and
/// returns false for "no request now".
pub(crate) fn fetch_next_callback(
    cb: jsFetchNextHandler,
    closure: *mut c_void,
) -> Option<crate::js::pull::FetchNextHandler> {
    let f = cb?;
    let cl = SendPtr(closure);
    Some(Arc::new(move |s: &Arc<Subscription>| {
        let cl = &cl;
        let mut msgs: c_int = 0;
        let mut bytes: i64 = 0;
        // SAFETY: the program's own handler with two writable outputs on
        // this stack, the subscription handle it holds (alive through `s`)
        // and its closure.
        let go = unsafe { f(&mut msgs, &mut bytes, arc_as_ptr::<natsSubscription>(s), cl.0) };
        go.then_some((msgs, bytes))
    }))
}

/// The subscription's on-complete callback as a core closure.
pub(crate) fn on_complete_callback(cb: natsOnCompleteCB, closure: *mut c_void) -> Option<CompleteCallback> {
    let f = cb?;
    let cl = SendPtr(closure);
    Some(Box::new(move || {
        let c = cl;
        // SAFETY: the program's own callback, called once with the closure
        // it registered.
        unsafe { f(c.0) }
    }))
}

// ---- library threads ----

/// `natsClientConfig.ThreadStartedHandler` as the runtime's hook.
pub(crate) fn thread_started_hook(cb: natsThreadStartedHandler, closure: *mut c_void) -> Option<ThreadStartedHook> {
    let f = cb?;
    let closure = SendPtr(closure);
    Some(Arc::new(move || {
        let cl = closure;
        // SAFETY: the program's own hook, called with the closure it gave
        // in `natsClientConfig` (cnats calls it on every library thread).
        unsafe { f(cl.0) }
    }))
}

// ---- authentication handlers ----

/// Takes a `malloc`ed C string returned by a callback, frees it, and
/// returns its text (if any).
///
/// # Safety
/// `p` is NULL or a NUL-terminated string allocated with `malloc` whose
/// ownership is handed to us; it must not be used afterwards.
unsafe fn take_c_text(p: *mut c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: per this function's contract, a non-NULL `p` is a
    // NUL-terminated string the callback allocated and handed to us.
    let s = unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
    // The text may be a JWT: wiped before the block goes back to malloc.
    // SAFETY: the string's own bytes, up to (not including) its NUL, which
    // the callback handed to us (contract above).
    unsafe {
        let n = libc::strlen(p);
        zeroize::Zeroize::zeroize(std::slice::from_raw_parts_mut(p as *mut u8, n));
    }
    // SAFETY: `p` was allocated with `malloc` and is ours (contract above);
    // it was read above and is freed once, here.
    unsafe { libc::free(p as *mut c_void) };
    Some(s)
}

/// The error of a failed callback: its status and its custom text, or the
/// status' own text.
fn callback_error(status: natsStatus, text: Option<String>) -> Error {
    match text {
        Some(t) if !t.is_empty() => Error::new(status, t),
        _ => Error::status(status),
    }
}

/// The token handler as a core closure (the returned string stays the
/// program's and is copied).
pub(crate) fn token_handler(cb: natsTokenHandler, closure: *mut c_void) -> Option<TokenHandler> {
    let f = cb?;
    let closure = SendPtr(closure);
    Some(Arc::new(move || {
        let c = &closure;
        // SAFETY: the program's own callback, with the closure it registered.
        let p = unsafe { f(c.0) };
        if p.is_null() {
            None
        } else {
            // SAFETY: non-NULL (checked); cnats' contract: a NUL-terminated
            // string owned by the program, valid until it is copied here.
            Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
        }
    }))
}

/// The user-JWT handler as a core closure; what it returns is freed here.
pub(crate) fn jwt_handler(cb: natsUserJWTHandler, closure: *mut c_void) -> Option<JwtHandler> {
    let f = cb?;
    let closure = SendPtr(closure);
    Some(Arc::new(move || {
        let c = &closure;
        let mut jwt: *mut c_char = ptr::null_mut();
        let mut err: *mut c_char = ptr::null_mut();
        // SAFETY: `f` is the program's JWT handler; `jwt` and `err` are
        // writable locals; the closure is the one it registered.
        let s = unsafe { call_jwt_handler(f, &mut jwt, &mut err, c.0) };
        // SAFETY: `jwt` is NULL or the `malloc`ed string the handler handed
        // over (cnats' contract for its output), taken exactly once.
        let jwt = unsafe { take_c_text(jwt) };
        // SAFETY: `err` is NULL or the `malloc`ed error text the handler
        // handed over, taken exactly once.
        let err = unsafe { take_c_text(err) };
        if s != natsStatus::NATS_OK {
            return Err(callback_error(s, err));
        }
        Ok(jwt.unwrap_or_default())
    }))
}

/// The nonce-signing handler as a core closure; the signature and error
/// text it returns are freed here.
pub(crate) fn signature_handler(cb: natsSignatureHandler, closure: *mut c_void) -> Option<SignatureHandler> {
    let f = cb?;
    let closure = SendPtr(closure);
    Some(Arc::new(move |nonce: &[u8]| {
        let c = &closure;
        // The server's nonce is plain base64 text; without one the callback
        // gets NULL, as with cnats.
        let cnonce = if nonce.is_empty() {
            None
        } else {
            Some(CString::new(nonce).map_err(|_| Error::new(natsStatus::NATS_PROTOCOL_ERROR, "invalid nonce"))?)
        };
        let mut err: *mut c_char = ptr::null_mut();
        let mut sig: *mut c_uchar = ptr::null_mut();
        let mut len: c_int = 0;
        let np = cnonce.as_ref().map_or(ptr::null(), |n| n.as_ptr());
        // SAFETY: `f` is the program's signature handler; `err`, `sig`
        // and `len` are writable locals; `np` is NULL or `cnonce`, alive
        // for the call.
        let s = unsafe { call_sig_handler(f, &mut err, &mut sig, &mut len, np, c.0) };
        // SAFETY: `err` is NULL or the `malloc`ed error text the handler
        // handed over, taken exactly once.
        let err = unsafe { take_c_text(err) };
        let out = if sig.is_null() || len <= 0 {
            Vec::new()
        } else {
            // SAFETY: non-NULL (checked) and, by cnats' contract for this
            // handler, `len` readable bytes it allocated.
            unsafe { std::slice::from_raw_parts(sig, len as usize) }.to_vec()
        };
        if !sig.is_null() {
            if len > 0 {
                // The signature proves the seed: wiped before it goes back
                // to malloc.
                // SAFETY: the `len` bytes the handler reported (read above),
                // ours now.
                zeroize::Zeroize::zeroize(unsafe { std::slice::from_raw_parts_mut(sig, len as usize) });
            }
            // SAFETY: allocated with `malloc` by the handler and handed to
            // us; copied above, freed once here.
            unsafe { libc::free(sig as *mut c_void) };
        }
        if s != natsStatus::NATS_OK {
            return Err(callback_error(s, err));
        }
        Ok(out)
    }))
}

// ---- JetStream asynchronous publish ----

/// A C string for a callback's borrowed struct (an interior NUL cuts it).
fn lend_cstring(s: &str) -> CString {
    let b = s.as_bytes();
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    CString::new(&b[..end]).unwrap_or_default()
}

/// The handle the program holds for `js` (no new reference).
fn js_ptr(js: &Arc<JetStream>) -> *mut super::js_types::jsCtx {
    arc_as_ptr::<super::js_types::jsCtx>(js)
}

/// `jsOptions.PublishAsync.AckHandler` as the core's handler: each message
/// goes to the program (which destroys or resends it) with a `jsPubAck` or
/// a `jsPubAckErr` lent for the call.
pub(crate) fn pub_ack_handler(cb: jsPubAckHandler, closure: *mut c_void) -> Option<PubAckHandler> {
    let f = cb?;
    let closure = SendPtr(closure);
    Some(Arc::new(
        move |js: &Arc<JetStream>, m: Box<Msg>, r: std::result::Result<&PubAck, &PubAckErr>| {
            let c = closure;
            let mp = Box::into_raw(m) as *mut natsMsg;
            match r {
                Ok(a) => {
                    let stream = lend_cstring(&a.stream);
                    let domain = a.domain.as_deref().map(lend_cstring);
                    let batch = a.batch.as_deref().map(lend_cstring);
                    let value = a.value.as_deref().map(lend_cstring);
                    let opt = |s: &Option<CString>| s.as_ref().map_or(ptr::null_mut(), |s| s.as_ptr() as *mut c_char);
                    let mut pa = super::js_pub::jsPubAck {
                        Stream: stream.as_ptr() as *mut c_char,
                        Sequence: a.seq,
                        Domain: opt(&domain),
                        Duplicate: a.duplicate,
                        Batch: opt(&batch),
                        Count: a.count,
                        Value: opt(&value),
                    };
                    // SAFETY: the program's own handler, with the context handle it holds (alive
                    // for the call: `js` is borrowed from it), a message it now owns, an ack whose
                    // strings live until the call returns, and its closure.
                    unsafe { f(js_ptr(js), mp, &mut pa, ptr::null_mut(), c.0) }
                }
                Err(e) => {
                    let text = lend_cstring(&e.text);
                    let mut pae = super::js_pub::jsPubAckErr {
                        Msg: ptr::null_mut(),
                        Err: e.status,
                        ErrCode: c_int::from(e.js_code),
                        ErrText: text.as_ptr(),
                    };
                    // SAFETY: as above, with the failure lent for the call.
                    unsafe { f(js_ptr(js), mp, ptr::null_mut(), &mut pae, c.0) }
                }
            }
        },
    ))
}

// ---- services (micro) ----

/// The core's request handler for a C `microRequestHandler`: the handler
/// gets the request's own pointer (valid during the call); a returned
/// error is taken over (converted, then freed) and becomes the core's
/// error, which the framework sends back.
pub(crate) fn micro_request_handler(h: microRequestHandler) -> Option<crate::micro::RequestHandler> {
    let f = h?;
    Some(Arc::new(move |req: &mut crate::micro::Request| {
        let p = req as *mut crate::micro::Request as *mut microRequest;
        // SAFETY: the program's handler, called with a live request that
        // stays valid for the call.
        let e = unsafe { f(p) };
        if e.is_null() {
            Ok(())
        } else {
            // SAFETY: a handler returns NULL or an error it gives up.
            Err(unsafe { super::micro_error::take(e) })
        }
    }))
}

/// The core's error handler for a C `microErrorHandler`: the service and
/// endpoint pointers are the ones the library hands out (no new
/// reference).
pub(crate) fn micro_err_handler(h: microErrorHandler) -> Option<crate::micro::ErrHandler> {
    let f = h?;
    Some(Arc::new(
        move |svc: &Arc<crate::micro::Service>, ep: &Arc<crate::micro::Endpoint>, s: natsStatus| {
            // SAFETY: the program's handler, called with live handles.
            unsafe {
                f(
                    Arc::as_ptr(svc) as *mut microService,
                    Arc::as_ptr(ep) as *mut microEndpoint,
                    s,
                )
            }
        },
    ))
}

/// `jsOptions.PublishAsync.ErrHandler` as the core's handler: the failed
/// message is lent in `pae->Msg`; if the program resends it
/// (`js_PublishMsgAsync(js, &pae->Msg, ...)` clears the field) it is the
/// library's again, else it is destroyed here after the call.
pub(crate) fn pub_ack_err_handler(cb: jsPubAckErrHandler, closure: *mut c_void) -> Option<PubAckErrHandler> {
    let f = cb?;
    let closure = SendPtr(closure);
    Some(Arc::new(move |js: &Arc<JetStream>, m: Box<Msg>, e: &PubAckErr| {
        let c = closure;
        let mp = Box::into_raw(m) as *mut natsMsg;
        let text = lend_cstring(&e.text);
        let mut pae = super::js_pub::jsPubAckErr {
            Msg: mp,
            Err: e.status,
            ErrCode: c_int::from(e.js_code),
            ErrText: text.as_ptr(),
        };
        // SAFETY: the program's own handler, with the context handle it holds (alive for the
        // call), the failure (message and text alive until the call returns) and its closure.
        unsafe { f(js_ptr(js), &mut pae, c.0) };
        if pae.Msg == mp {
            // Not resent: still ours. (A handler that cleared or replaced the field without
            // resending breaks cnats' contract; only our own pointer is ever freed.)
            // SAFETY: `mp` came from `Box::into_raw` above and was not taken by a resend.
            drop(unsafe { Box::from_raw(mp as *mut Msg) });
        }
    }))
}

/// The core's done handler for a C `microDoneHandler`.
pub(crate) fn micro_done_handler(h: microDoneHandler) -> Option<crate::micro::DoneHandler> {
    let f = h?;
    Some(Arc::new(move |svc: &Arc<crate::micro::Service>| {
        // SAFETY: the program's handler, called with the service's own
        // (still live) pointer.
        unsafe { f(Arc::as_ptr(svc) as *mut microService) }
    }))
}

/// `kvWatchOptions.Callback` as a core watch callback (NULL: none). The
/// callback gets the watcher's handle (while the program still holds it),
/// each entry (the program's to destroy) and NULL once the initial values
/// are delivered.
pub(crate) fn kv_watch_callback(
    cb: kvWatchCb,
    closure: *mut c_void,
    watcher: std::sync::Weak<CWatcher>,
) -> Option<crate::kv::WatchCallback> {
    let f = cb?;
    let cl = SendPtr(closure);
    Some(Arc::new(move |e: Option<crate::kv::Entry>| {
        let cl = &cl;
        let Some(w) = watcher.upgrade() else { return };
        let p = arc_as_ptr::<kvWatcher>(&w);
        let e = e.map_or(std::ptr::null_mut(), entry_into_c);
        // SAFETY: the program's callback with its own closure, the watcher
        // handle it holds (kept alive by `w` during the call) and an entry
        // it now owns.
        unsafe { f(p, e, natsStatus::NATS_OK, cl.0) };
    }))
}

// ---- external event loop (natsOptions_SetEventLoop) ----

/// Attaches a connection to the host's event loop, after every connect
/// and reconnect: the adapter starts polling `socket` for reads.
/// `*userData` is NULL the first time; what the adapter stores there is
/// handed to the other callbacks.
pub type natsEvLoop_Attach = Option<
    unsafe extern "C" fn(
        userData: *mut *mut c_void,
        evLoop: *mut c_void,
        nc: *mut natsConnection,
        socket: natsSock,
    ) -> natsStatus,
>;
/// Starts (`add` true) or stops polling the socket for reads.
pub type natsEvLoop_ReadAddRemove = Option<unsafe extern "C" fn(userData: *mut c_void, add: bool) -> natsStatus>;
/// Starts (`add` true) or stops polling the socket for writes.
pub type natsEvLoop_WriteAddRemove = Option<unsafe extern "C" fn(userData: *mut c_void, add: bool) -> natsStatus>;
/// The connection is closed: the adapter may let go of it (and calls
/// `natsConnection_ProcessDetachedEvent` once done).
pub type natsEvLoop_Detach = Option<unsafe extern "C" fn(userData: *mut c_void) -> natsStatus>;

type EvAttachFn = unsafe extern "C" fn(*mut *mut c_void, *mut c_void, *mut natsConnection, natsSock) -> natsStatus;
type EvAddRemoveFn = unsafe extern "C" fn(*mut c_void, bool) -> natsStatus;
type EvDetachFn = unsafe extern "C" fn(*mut c_void) -> natsStatus;
type RawEvAttach = unsafe extern "C" fn(*mut *mut c_void, *mut c_void, *mut natsConnection, natsSock) -> c_int;
type RawEvAddRemove = unsafe extern "C" fn(*mut c_void, bool) -> c_int;
type RawEvDetach = unsafe extern "C" fn(*mut c_void) -> c_int;

/// The program's event-loop callbacks and its loop, as the core's
/// [`EvLoop`](crate::conn::EvLoop). The adapter's `userData` travels in
/// the core as a `usize`.
pub(crate) struct CEvLoop {
    ev_loop: SendPtr,
    attach: RawEvAttach,
    read: RawEvAddRemove,
    write: RawEvAddRemove,
    detach: RawEvDetach,
}

/// Wraps the four callbacks; `None` when one is NULL.
pub(crate) fn ev_loop(
    ev_loop: *mut c_void,
    attach: natsEvLoop_Attach,
    read: natsEvLoop_ReadAddRemove,
    write: natsEvLoop_WriteAddRemove,
    detach: natsEvLoop_Detach,
) -> Option<Arc<dyn crate::conn::EvLoop>> {
    let (a, r, w, d) = (attach?, read?, write?, detach?);
    // SAFETY: (all four) same C signatures except that the returned
    // `natsStatus` is read as the `int` it is in C (ABI-identical); the
    // result is converted with `natsStatus::from_raw`.
    let (attach, read, write, detach) = unsafe {
        (
            std::mem::transmute::<EvAttachFn, RawEvAttach>(a),
            std::mem::transmute::<EvAddRemoveFn, RawEvAddRemove>(r),
            std::mem::transmute::<EvAddRemoveFn, RawEvAddRemove>(w),
            std::mem::transmute::<EvDetachFn, RawEvDetach>(d),
        )
    };
    Some(Arc::new(CEvLoop {
        ev_loop: SendPtr(ev_loop),
        attach,
        read,
        write,
        detach,
    }))
}

impl crate::conn::EvLoop for CEvLoop {
    fn attach(&self, data: &mut usize, conn: &Arc<Connection>, fd: i32) -> natsStatus {
        let mut ud = *data as *mut c_void;
        let ncp = arc_as_ptr::<natsConnection>(conn);
        // SAFETY: the program's attach callback, called as cnats does: a
        // writable `void*` slot holding what the adapter stored before
        // (NULL the first time), the loop it registered, the connection
        // handle (kept alive by `conn` for the call) and the socket.
        let s = natsStatus::from_raw(unsafe { (self.attach)(&mut ud, self.ev_loop.0, ncp, fd) });
        *data = ud as usize;
        s
    }
    fn read(&self, data: usize, add: bool) -> natsStatus {
        // SAFETY: the program's read callback with the adapter's own value.
        natsStatus::from_raw(unsafe { (self.read)(data as *mut c_void, add) })
    }
    fn write(&self, data: usize, add: bool) -> natsStatus {
        // SAFETY: the program's write callback with the adapter's own value.
        natsStatus::from_raw(unsafe { (self.write)(data as *mut c_void, add) })
    }
    fn detach(&self, data: usize) -> natsStatus {
        // SAFETY: the program's detach callback with the adapter's own value.
        natsStatus::from_raw(unsafe { (self.detach)(data as *mut c_void) })
    }
}

// ---- proxy connection handler ----

/// Opens the socket to a server in place of the library's TCP connect
/// (`natsOptions_SetProxyConnHandler`): called with a slot for the socket,
/// the server's host (IPv6 without brackets; valid during the call only)
/// and port, and `closure`. It returns `NATS_OK` with a connected socket
/// in `*fd`, which the library then owns and closes; any other status
/// fails that connect attempt.
pub type natsProxyConnHandler =
    Option<unsafe extern "C" fn(fd: *mut natsSock, host: *mut c_char, port: c_int, closure: *mut c_void) -> natsStatus>;

type RawProxyConnHandler = unsafe extern "C" fn(*mut natsSock, *mut c_char, c_int, *mut c_void) -> c_int;

/// The proxy connection handler as a core closure (NULL: none). The
/// socket the handler returns becomes a `TcpStream` owned by the
/// connection. As cnats, a socket left in `*fd` by a handler that fails is
/// closed; a failure is `NATS_NO_SERVER` (what cnats' connect reports)
/// with the handler's status in the text.
pub(crate) fn proxy_conn_callback(
    cb: natsProxyConnHandler,
    closure: *mut c_void,
) -> Option<crate::options::ProxyConnHandler> {
    use std::os::fd::{FromRawFd, OwnedFd};
    let f = cb?;
    let cl = SendPtr(closure);
    Some(Arc::new(move |host: &str, port: u16| {
        let cl = &cl;
        let fail = |text: String| Error::new(natsStatus::NATS_NO_SERVER, text);
        let chost = CString::new(host).map_err(|_| fail(format!("invalid host name '{host}'")))?;
        let mut fd: natsSock = -1;
        // SAFETY: same ABI; `natsStatus` is returned as a C int.
        let raw: RawProxyConnHandler = unsafe { std::mem::transmute(f) };
        // SAFETY: the program's handler with its own closure; `fd` is a
        // writable slot and `chost` a NUL-terminated string, both alive for
        // the call (cnats passes a `char*` the handler must not keep).
        // `RawProxyConnHandler` differs from `f` only in reading the status
        // as the `int` it is in C.
        let st = natsStatus::from_raw(unsafe { raw(&mut fd, chost.as_ptr() as *mut c_char, c_int::from(port), cl.0) });
        if st != natsStatus::NATS_OK {
            if fd >= 0 {
                // SAFETY: a descriptor the handler left in the slot; as in
                // cnats, the library closes it (the handler does not).
                drop(unsafe { OwnedFd::from_raw_fd(fd) });
            }
            return Err(fail(format!(
                "the proxy connection handler failed for {host}:{port}: {st:?} ({})",
                st.text()
            )));
        }
        if fd < 0 {
            return Err(fail(format!(
                "the proxy connection handler returned NATS_OK without a socket for {host}:{port}"
            )));
        }
        // SAFETY: on NATS_OK the handler hands its socket over; from here
        // the stream is its only owner (closed when the connection drops it).
        Ok(unsafe { std::net::TcpStream::from_raw_fd(fd) })
    }))
}

//! cnats' callback typedefs, and helpers to call them safely.
//!
//! A status returned *by* a C callback is read as a plain `int` and
//! converted with `natsStatus::from_raw`, so an out-of-range value from C
//! can never become an invalid Rust enum.

use super::conn::natsConnection;
use super::msg::natsMsg;
use super::sub::natsSubscription;
use crate::status::natsStatus;
use libc::{c_char, c_int, c_uchar, c_void};

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
pub(crate) unsafe fn call_jwt_handler(
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
pub(crate) unsafe fn call_sig_handler(
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

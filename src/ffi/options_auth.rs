//! `optsGroup` (authentication): user/password, tokens, NKeys, user
//! credentials (JWT + seed), and the `nats_Sign` helper.
//!
//! C callbacks are wrapped into the core's closures
//! ([`crate::auth::TokenHandler`], [`crate::auth::SignatureHandler`],
//! [`crate::auth::JwtHandler`]); memory the callbacks allocate for us is
//! released here with `free()`.

use super::callbacks::{
    call_jwt_handler, call_sig_handler, natsSignatureHandler, natsTokenHandler, natsUserJWTHandler, SendPtr,
};
use super::options::natsOptions;
use super::{cstr, guard, handle, write_out};
use crate::auth::{self, JwtHandler, SignatureHandler, TokenHandler};
use crate::error::{Error, Result};
use crate::status::natsStatus;
use libc::{c_char, c_int, c_uchar, c_void};
use std::ffi::{CStr, CString};
use std::ptr;
use std::sync::Arc;

type RawTokenFn = unsafe extern "C" fn(*mut c_void) -> *const c_char;
type RawJwtFn = unsafe extern "C" fn(*mut *mut c_char, *mut *mut c_char, *mut c_void) -> natsStatus;
type RawSigFn =
    unsafe extern "C" fn(*mut *mut c_char, *mut *mut c_uchar, *mut c_int, *const c_char, *mut c_void) -> natsStatus;

/// An optional C string as UTF-8 text; NULL → `None`, "" stays "".
unsafe fn opt_text<'a>(p: *const c_char, name: &str) -> Result<Option<&'a str>> {
    match unsafe { cstr::opt_bytes(p) } {
        None => Ok(None),
        Some(b) => std::str::from_utf8(b)
            .map(Some)
            .map_err(|_| Error::invalid_arg(format!("invalid argument: '{name}' is not valid UTF-8"))),
    }
}

/// Takes a `malloc`ed C string returned by a callback, frees it, and
/// returns its text (if any).
unsafe fn take_c_text(p: *mut c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: the callback returned a NUL-terminated string it allocated
    // with malloc, handing it to us.
    let s = unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
    // The text may be a JWT: wiped before the block goes back to malloc.
    // SAFETY: the string's own bytes (length from the same string).
    let n = unsafe { libc::strlen(p) };
    zeroize::Zeroize::zeroize(unsafe { std::slice::from_raw_parts_mut(p as *mut u8, n) });
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

fn wrap_token_handler(f: RawTokenFn, closure: SendPtr) -> TokenHandler {
    Arc::new(move || {
        let c = &closure;
        // SAFETY: the application's callback, with its closure.
        let p = unsafe { f(c.0) };
        if p.is_null() {
            None
        } else {
            // SAFETY: a NUL-terminated string owned by the application.
            Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
        }
    })
}

fn wrap_jwt_handler(f: RawJwtFn, closure: SendPtr) -> JwtHandler {
    Arc::new(move || {
        let c = &closure;
        let mut jwt: *mut c_char = ptr::null_mut();
        let mut err: *mut c_char = ptr::null_mut();
        // SAFETY: the application's callback, with valid output locations.
        let s = unsafe { call_jwt_handler(f, &mut jwt, &mut err, c.0) };
        let jwt = unsafe { take_c_text(jwt) };
        let err = unsafe { take_c_text(err) };
        if s != natsStatus::NATS_OK {
            return Err(callback_error(s, err));
        }
        Ok(jwt.unwrap_or_default())
    })
}

fn wrap_sig_handler(f: RawSigFn, closure: SendPtr) -> SignatureHandler {
    Arc::new(move |nonce: &[u8]| {
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
        // SAFETY: the application's callback, with valid output locations.
        let s = unsafe { call_sig_handler(f, &mut err, &mut sig, &mut len, np, c.0) };
        let err = unsafe { take_c_text(err) };
        let out = if sig.is_null() || len <= 0 {
            Vec::new()
        } else {
            // SAFETY: the callback reports `len` bytes at `sig`.
            unsafe { std::slice::from_raw_parts(sig, len as usize) }.to_vec()
        };
        if !sig.is_null() {
            if len > 0 {
                // SAFETY: the `len` bytes the callback reported, ours now.
                zeroize::Zeroize::zeroize(unsafe { std::slice::from_raw_parts_mut(sig, len as usize) });
            }
            // SAFETY: allocated with malloc by the callback, given to us.
            unsafe { libc::free(sig as *mut c_void) };
        }
        if s != natsStatus::NATS_OK {
            return Err(callback_error(s, err));
        }
        Ok(out)
    })
}

/// Runs `f` on the locked options behind `opts`.
unsafe fn with_auth<R>(opts: *mut natsOptions, f: impl FnOnce(&mut crate::options::Options) -> Result<R>) -> Result<R> {
    let o = unsafe { handle::box_ref::<natsOptions>(opts, "opts") }?;
    let mut g = o.lock();
    f(&mut g)
}

/// Sets the user name and password sent in CONNECT when the server URL
/// carries no credentials (for instance for servers discovered from the
/// cluster). NULL clears the corresponding value. The strings are copied.
///
/// Returns `NATS_INVALID_ARG` if `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetUserInfo(
    opts: *mut natsOptions,
    user: *const c_char,
    password: *const c_char,
) -> natsStatus {
    guard("natsOptions_SetUserInfo", || {
        let user = unsafe { opt_text(user, "user") }?;
        let password = unsafe { opt_text(password, "password") }?;
        unsafe {
            with_auth(opts, |o| {
                o.auth.set_user_info(user, password);
                Ok(())
            })
        }
    })
}

/// Sets the token sent in CONNECT when the server URL carries no
/// credentials. NULL clears it. The string is copied.
///
/// Returns `NATS_ILLEGAL_STATE` if a token handler is set
/// (#natsOptions_SetTokenHandler), `NATS_INVALID_ARG` if `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetToken(opts: *mut natsOptions, token: *const c_char) -> natsStatus {
    guard("natsOptions_SetToken", || {
        let token = unsafe { opt_text(token, "token") }?;
        unsafe { with_auth(opts, |o| o.auth.set_token(token)) }
    })
}

/// Sets a callback that returns the token to send at each connect and
/// reconnect (for expiring or rotated tokens). The returned string stays
/// owned by the application. A NULL callback removes the handler.
///
/// Returns `NATS_ILLEGAL_STATE` if a token was set with
/// #natsOptions_SetToken, `NATS_INVALID_ARG` if `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetTokenHandler(
    opts: *mut natsOptions,
    tokenCb: natsTokenHandler,
    closure: *mut c_void,
) -> natsStatus {
    guard("natsOptions_SetTokenHandler", || {
        let h = tokenCb.map(|f| wrap_token_handler(f, SendPtr(closure)));
        unsafe { with_auth(opts, |o| o.auth.set_token_handler(h)) }
    })
}

/// Sets the NKey public key sent in CONNECT and the callback that signs
/// the server's nonce with the matching private key. The signature the
/// callback returns (and any error text) is allocated by it with
/// `malloc` and freed by the library.
///
/// Removes any user JWT source (the two are mutually exclusive). An empty
/// or NULL `pubKey` clears the NKey.
///
/// Returns `NATS_INVALID_ARG` if `opts` is NULL, or if `pubKey` is given
/// without `sigCB`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetNKey(
    opts: *mut natsOptions,
    pubKey: *const c_char,
    sigCB: natsSignatureHandler,
    sigClosure: *mut c_void,
) -> natsStatus {
    guard("natsOptions_SetNKey", || {
        let pk = unsafe { opt_text(pubKey, "pubKey") }?;
        let h = sigCB.map(|f| wrap_sig_handler(f, SendPtr(sigClosure)));
        unsafe { with_auth(opts, |o| o.auth.set_nkey(pk, h)) }
    })
}

/// Sets the NKey public key sent in CONNECT and the file holding its seed.
/// The seed file is read at each connect to sign the server's nonce, and
/// the memory that held it is wiped right after.
///
/// Removes any user JWT source. An empty or NULL `pubKey` clears the
/// NKey settings.
///
/// Returns `NATS_INVALID_ARG` if `opts` is NULL, or if `pubKey` is given
/// without `seedFile`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetNKeyFromSeed(
    opts: *mut natsOptions,
    pubKey: *const c_char,
    seedFile: *const c_char,
) -> natsStatus {
    guard("natsOptions_SetNKeyFromSeed", || {
        let pk = unsafe { opt_text(pubKey, "pubKey") }?;
        let sf = unsafe { opt_text(seedFile, "seedFile") }?;
        unsafe { with_auth(opts, |o| o.auth.set_nkey_from_seed(pk, sf)) }
    })
}

/// Sets the file(s) holding the user JWT and the user NKey seed. The
/// `userOrChainedFile` holds the JWT (between `-----BEGIN NATS USER JWT-----`
/// style lines, or alone) and possibly the seed; otherwise `seedFile`
/// holds the seed. Files are read at each connect (so they may be
/// rotated), and buffers wiped after use.
///
/// Removes any NKey. NULL/empty `userOrChainedFile` (with no `seedFile`)
/// clears the user credentials.
///
/// Returns `NATS_INVALID_ARG` if `opts` is NULL, or if `seedFile` is given
/// without `userOrChainedFile`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetUserCredentialsFromFiles(
    opts: *mut natsOptions,
    userOrChainedFile: *const c_char,
    seedFile: *const c_char,
) -> natsStatus {
    guard("natsOptions_SetUserCredentialsFromFiles", || {
        let uf = unsafe { opt_text(userOrChainedFile, "userOrChainedFile") }?;
        let sf = unsafe { opt_text(seedFile, "seedFile") }?;
        unsafe { with_auth(opts, |o| o.auth.set_user_credentials_from_files(uf, sf)) }
    })
}

/// Like #natsOptions_SetUserCredentialsFromFiles, but from a string that
/// holds both the decorated user JWT and the decorated user seed. The
/// string is copied (and the copy wiped when no longer used). NULL clears
/// the user credentials.
///
/// Returns `NATS_INVALID_ARG` if `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetUserCredentialsFromMemory(
    opts: *mut natsOptions,
    jwtAndSeedContent: *const c_char,
) -> natsStatus {
    guard("natsOptions_SetUserCredentialsFromMemory", || {
        let c = unsafe { opt_text(jwtAndSeedContent, "jwtAndSeedContent") }?;
        unsafe {
            with_auth(opts, |o| {
                o.auth.set_user_credentials_from_memory(c);
                Ok(())
            })
        }
    })
}

/// Sets the callbacks that return the user JWT and sign the server's nonce
/// at each connect. What the callbacks return (JWT, signature, error
/// texts) is allocated by them with `malloc` and freed by the library.
///
/// Removes any NKey when `ujwtCB` is set. Both NULL clears them.
///
/// Returns `NATS_INVALID_ARG` if `opts` is NULL or only one of the two
/// callbacks is given.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetUserCredentialsCallbacks(
    opts: *mut natsOptions,
    ujwtCB: natsUserJWTHandler,
    ujwtClosure: *mut c_void,
    sigCB: natsSignatureHandler,
    sigClosure: *mut c_void,
) -> natsStatus {
    guard("natsOptions_SetUserCredentialsCallbacks", || {
        let j = ujwtCB.map(|f| wrap_jwt_handler(f, SendPtr(ujwtClosure)));
        let s = sigCB.map(|f| wrap_sig_handler(f, SendPtr(sigClosure)));
        unsafe { with_auth(opts, |o| o.auth.set_user_credentials_callbacks(j, s)) }
    })
}

/// By default a connection is closed when the same server rejects its
/// credentials twice in a row; `ignore` = true keeps reconnecting instead.
///
/// Returns `NATS_INVALID_ARG` if `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetIgnoreAuthErrorAbort(opts: *mut natsOptions, ignore: bool) -> natsStatus {
    guard("natsOptions_SetIgnoreAuthErrorAbort", || unsafe {
        with_auth(opts, |o| {
            o.ignore_auth_error_abort = ignore;
            Ok(())
        })
    })
}

/// Signs the text `input` with the encoded NKey seed `encodedSeed`
/// (Ed25519). On success `*signature` points to the 64-byte raw signature,
/// allocated with `malloc` (release it with `free()`, unless it is handed
/// back to the library from a #natsSignatureHandler), and
/// `*signatureLength` is 64.
///
/// Returns `NATS_INVALID_ARG` for a NULL/empty seed or input or NULL
/// outputs, `NATS_ERR` for a seed that cannot be decoded ("invalid encoded
/// key", "invalid checksum", "invalid seed", "invalid prefix byte").
#[no_mangle]
pub unsafe extern "C" fn nats_Sign(
    encodedSeed: *const c_char,
    input: *const c_char,
    signature: *mut *mut c_uchar,
    signatureLength: *mut c_int,
) -> natsStatus {
    guard("nats_Sign", || {
        let seed = unsafe { cstr::opt_bytes(encodedSeed) }
            .filter(|b| !b.is_empty())
            .ok_or_else(|| Error::invalid_arg("seed cannot be empty"))?;
        let input = unsafe { cstr::opt_bytes(input) }
            .filter(|b| !b.is_empty())
            .ok_or_else(|| Error::invalid_arg("input cannot be empty"))?;
        if signature.is_null() || signatureLength.is_null() {
            return Err(Error::invalid_arg("signature and/or signatureLength cannot be NULL"));
        }
        let sig = auth::nkeys::sign(seed, input)?;
        // SAFETY: plain allocation, checked for NULL.
        let p = unsafe { libc::malloc(sig.len()) } as *mut c_uchar;
        if p.is_null() {
            return Err(Error::status(natsStatus::NATS_NO_MEMORY));
        }
        // SAFETY: `p` has room for the signature; outputs checked above.
        unsafe {
            ptr::copy_nonoverlapping(sig.as_ptr(), p, sig.len());
            write_out(signature, p);
            write_out(signatureLength, sig.len() as c_int);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::super::last_error;
    use super::*;
    use crate::options::Options;
    use parking_lot::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const SEED1: &str = "SUAMK2FG4MI6UE3ACF3FK3OIQBCEIEZV7NSWFFEW63UXMRLFM2XLAXK4GY";
    const PUB1: &str = "UAT6BWCSCWLUKJT6K6MBJJOEOTXZ5AJDOYKNEVRFC7VNO6OA43N4TRNO";
    const SIG1: &str = "m50It12aTgfbJwsQhucujqhXbsq7tLM-Mf_hSjBQsG_4onm8y2Vkw6JG1bbcDkdxXe-Ng0K-7X9ov4rZ4wFcDg";
    const SEED2: &CStr = c"SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY";

    struct Opts(*mut natsOptions);
    impl Opts {
        fn new() -> Opts {
            Opts(handle::box_into_raw::<natsOptions>(Mutex::new(Options::default())))
        }
        fn get(&self) -> parking_lot::MutexGuard<'_, Options> {
            unsafe { handle::box_ref::<natsOptions>(self.0, "opts") }
                .unwrap()
                .lock()
        }
    }
    impl Drop for Opts {
        fn drop(&mut self) {
            drop(unsafe { handle::box_take::<natsOptions>(self.0) });
        }
    }

    fn last_text() -> String {
        let p = last_error::text_ptr();
        if p.is_null() {
            String::new()
        } else {
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        }
    }

    #[test]
    fn sign_known_answer_and_args() {
        use natsStatus::*;
        let mut sig: *mut c_uchar = ptr::null_mut();
        let mut len: c_int = 0;
        unsafe {
            assert_eq!(
                nats_Sign(ptr::null(), c"nonce".as_ptr(), &mut sig, &mut len),
                NATS_INVALID_ARG
            );
            assert_eq!(
                nats_Sign(c"".as_ptr(), c"nonce".as_ptr(), &mut sig, &mut len),
                NATS_INVALID_ARG
            );
            assert_eq!(
                nats_Sign(c"seed".as_ptr(), ptr::null(), &mut sig, &mut len),
                NATS_INVALID_ARG
            );
            assert_eq!(
                nats_Sign(c"seed".as_ptr(), c"nonce".as_ptr(), ptr::null_mut(), &mut len),
                NATS_INVALID_ARG
            );
            assert_eq!(
                nats_Sign(c"seed".as_ptr(), c"nonce".as_ptr(), &mut sig, ptr::null_mut()),
                NATS_INVALID_ARG
            );
            assert!(sig.is_null() && len == 0);

            assert_eq!(
                nats_Sign(c"ABC".as_ptr(), c"nonce".as_ptr(), &mut sig, &mut len),
                NATS_ERR
            );
            assert!(last_text().contains("invalid encoded key"));
            assert!(sig.is_null());

            assert_eq!(
                nats_Sign(SEED2.as_ptr(), c"nonce".as_ptr(), &mut sig, &mut len),
                NATS_OK
            );
            assert_eq!(len, 64);
            let bytes = std::slice::from_raw_parts(sig, 64).to_vec();
            libc::free(sig as *mut c_void);
            assert_eq!(
                auth::nkeys::encode_signature(&bytes),
                "AVfpO7Pw3rc56hoO1OJcFxXUCfBmO2qouchBchSlL45Fuur9zS15UzytEI1QC5wwVG7uiHIdqyfmOS6uPrwqCg"
            );
        }
    }

    #[test]
    fn null_opts_rejected() {
        use natsStatus::NATS_INVALID_ARG;
        let n = ptr::null_mut();
        unsafe {
            assert_eq!(
                natsOptions_SetUserInfo(n, c"a".as_ptr(), c"b".as_ptr()),
                NATS_INVALID_ARG
            );
            assert_eq!(natsOptions_SetToken(n, c"a".as_ptr()), NATS_INVALID_ARG);
            assert_eq!(natsOptions_SetTokenHandler(n, None, ptr::null_mut()), NATS_INVALID_ARG);
            assert_eq!(
                natsOptions_SetNKey(n, ptr::null(), None, ptr::null_mut()),
                NATS_INVALID_ARG
            );
            assert_eq!(
                natsOptions_SetNKeyFromSeed(n, ptr::null(), ptr::null()),
                NATS_INVALID_ARG
            );
            assert_eq!(
                natsOptions_SetUserCredentialsFromFiles(n, ptr::null(), ptr::null()),
                NATS_INVALID_ARG
            );
            assert_eq!(
                natsOptions_SetUserCredentialsFromMemory(n, ptr::null()),
                NATS_INVALID_ARG
            );
            assert_eq!(
                natsOptions_SetUserCredentialsCallbacks(n, None, ptr::null_mut(), None, ptr::null_mut()),
                NATS_INVALID_ARG
            );
            assert_eq!(natsOptions_SetIgnoreAuthErrorAbort(n, true), NATS_INVALID_ARG);
        }
    }

    #[test]
    fn user_info_token_and_abort_flag() {
        use natsStatus::*;
        let o = Opts::new();
        unsafe {
            assert_eq!(
                natsOptions_SetUserInfo(o.0, c"me".as_ptr(), c"p\"w\\d".as_ptr()),
                NATS_OK
            );
            let a = auth::resolve(&o.get().auth, None, None, None).unwrap();
            assert_eq!((a.user.as_deref(), a.pass.as_deref()), (Some("me"), Some("p\"w\\d")));
            assert_eq!(natsOptions_SetUserInfo(o.0, ptr::null(), ptr::null()), NATS_OK);
            assert!(o.get().auth.user.is_none() && o.get().auth.password.is_none());

            assert_eq!(natsOptions_SetToken(o.0, c"tok".as_ptr()), NATS_OK);
            assert_eq!(
                auth::resolve(&o.get().auth, None, None, None)
                    .unwrap()
                    .auth_token
                    .as_deref(),
                Some("tok")
            );

            assert_eq!(natsOptions_SetIgnoreAuthErrorAbort(o.0, true), NATS_OK);
            assert!(o.get().ignore_auth_error_abort);
            assert_eq!(natsOptions_SetIgnoreAuthErrorAbort(o.0, false), NATS_OK);
            assert!(!o.get().ignore_auth_error_abort);
        }
    }

    static TOKEN_CALLS: AtomicUsize = AtomicUsize::new(0);
    unsafe extern "C" fn token_cb(closure: *mut c_void) -> *const c_char {
        TOKEN_CALLS.fetch_add(1, Ordering::SeqCst);
        closure as *const c_char
    }

    #[test]
    fn token_handler_exclusive_with_token() {
        use natsStatus::*;
        let o = Opts::new();
        let tok = c"from-callback";
        unsafe {
            assert_eq!(natsOptions_SetToken(o.0, c"tok".as_ptr()), NATS_OK);
            assert_eq!(
                natsOptions_SetTokenHandler(o.0, Some(token_cb), tok.as_ptr() as *mut c_void),
                NATS_ILLEGAL_STATE
            );
            assert!(last_text().contains("token"));
            assert_eq!(natsOptions_SetToken(o.0, ptr::null()), NATS_OK);
            assert_eq!(
                natsOptions_SetTokenHandler(o.0, Some(token_cb), tok.as_ptr() as *mut c_void),
                NATS_OK
            );
            assert_eq!(natsOptions_SetToken(o.0, c"tok".as_ptr()), NATS_ILLEGAL_STATE);
            let before = TOKEN_CALLS.load(Ordering::SeqCst);
            let a = auth::resolve(&o.get().auth, None, None, None).unwrap();
            assert_eq!(a.auth_token.as_deref(), Some("from-callback"));
            assert_eq!(TOKEN_CALLS.load(Ordering::SeqCst), before + 1);
            // Clearing the handler.
            assert_eq!(natsOptions_SetTokenHandler(o.0, None, ptr::null_mut()), NATS_OK);
            assert_eq!(natsOptions_SetToken(o.0, c"tok".as_ptr()), NATS_OK);
        }
    }

    /// Signs with the seed given as closure, or fails with a custom text
    /// when the closure is NULL.
    unsafe extern "C" fn sig_cb(
        err: *mut *mut c_char,
        sig: *mut *mut c_uchar,
        len: *mut c_int,
        nonce: *const c_char,
        closure: *mut c_void,
    ) -> natsStatus {
        if closure.is_null() {
            unsafe { *err = cstr::malloc_string(b"custom sig error").unwrap() };
            return natsStatus::NATS_NOT_PERMITTED;
        }
        unsafe { nats_Sign(closure as *const c_char, nonce, sig, len) }
    }

    unsafe extern "C" fn jwt_cb(jwt: *mut *mut c_char, err: *mut *mut c_char, closure: *mut c_void) -> natsStatus {
        if closure.is_null() {
            unsafe { *err = cstr::malloc_string(b"custom jwt error").unwrap() };
            return natsStatus::NATS_ERR;
        }
        let s = unsafe { CStr::from_ptr(closure as *const c_char) };
        unsafe { *jwt = cstr::malloc_string(s.to_bytes()).unwrap() };
        natsStatus::NATS_OK
    }

    #[test]
    fn nkey_with_c_signature_callback() {
        use natsStatus::*;
        let o = Opts::new();
        let seed = CString::new(SEED1).unwrap();
        let pk = CString::new(PUB1).unwrap();
        unsafe {
            assert_eq!(
                natsOptions_SetNKey(o.0, pk.as_ptr(), None, ptr::null_mut()),
                NATS_INVALID_ARG
            );
            assert_eq!(
                natsOptions_SetNKey(o.0, pk.as_ptr(), Some(sig_cb), seed.as_ptr() as *mut c_void),
                NATS_OK
            );
            let a = auth::resolve(&o.get().auth, None, None, Some("nonce")).unwrap();
            assert_eq!((a.nkey.as_deref(), a.sig.as_deref()), (Some(PUB1), Some(SIG1)));

            // Error and custom text from the callback.
            assert_eq!(
                natsOptions_SetNKey(o.0, pk.as_ptr(), Some(sig_cb), ptr::null_mut()),
                NATS_OK
            );
            let e = auth::resolve(&o.get().auth, None, None, Some("nonce")).unwrap_err();
            assert_eq!((e.status, e.text.as_str()), (NATS_NOT_PERMITTED, "custom sig error"));

            assert_eq!(natsOptions_SetNKey(o.0, ptr::null(), None, ptr::null_mut()), NATS_OK);
            assert!(o.get().auth.nkey.is_none());
        }
    }

    #[test]
    fn user_credentials_callbacks() {
        use natsStatus::*;
        let o = Opts::new();
        let seed = CString::new(SEED1).unwrap();
        let jwt = c"aaa.bbb.ccc";
        unsafe {
            assert_eq!(
                natsOptions_SetUserCredentialsCallbacks(o.0, Some(jwt_cb), ptr::null_mut(), None, ptr::null_mut()),
                NATS_INVALID_ARG
            );
            assert_eq!(
                natsOptions_SetUserCredentialsCallbacks(o.0, None, ptr::null_mut(), Some(sig_cb), ptr::null_mut()),
                NATS_INVALID_ARG
            );
            // Callbacks replace an NKey.
            let pk = CString::new(PUB1).unwrap();
            assert_eq!(
                natsOptions_SetNKey(o.0, pk.as_ptr(), Some(sig_cb), seed.as_ptr() as *mut c_void),
                NATS_OK
            );
            assert_eq!(
                natsOptions_SetUserCredentialsCallbacks(
                    o.0,
                    Some(jwt_cb),
                    jwt.as_ptr() as *mut c_void,
                    Some(sig_cb),
                    seed.as_ptr() as *mut c_void
                ),
                NATS_OK
            );
            assert!(o.get().auth.nkey.is_none());
            let a = auth::resolve(&o.get().auth, None, None, Some("nonce")).unwrap();
            assert_eq!(
                (a.jwt.as_deref(), a.sig.as_deref(), a.nkey),
                (Some("aaa.bbb.ccc"), Some(SIG1), None)
            );

            assert_eq!(
                natsOptions_SetUserCredentialsCallbacks(
                    o.0,
                    Some(jwt_cb),
                    ptr::null_mut(),
                    Some(sig_cb),
                    seed.as_ptr() as *mut c_void
                ),
                NATS_OK
            );
            let e = auth::resolve(&o.get().auth, None, None, Some("nonce")).unwrap_err();
            assert_eq!((e.status, e.text.as_str()), (NATS_ERR, "custom jwt error"));

            assert_eq!(
                natsOptions_SetUserCredentialsCallbacks(o.0, None, ptr::null_mut(), None, ptr::null_mut()),
                NATS_OK
            );
            assert!(o.get().auth.jwt_source.is_none() && o.get().auth.sig_source.is_none());
        }
    }

    #[test]
    fn creds_files_memory_and_seed_file() {
        use natsStatus::*;
        let dir = tempfile::tempdir().unwrap();
        let creds = format!(
            "-----BEGIN NATS USER JWT-----\r\naaa.bbb.ccc\r\n------END NATS USER JWT------\r\n\r\n-----BEGIN USER NKEY SEED-----\r\n{SEED1}\r\n------END USER NKEY SEED------\r\n"
        );
        let cf = dir.path().join("u.creds");
        std::fs::write(&cf, &creds).unwrap();
        let cf = CString::new(cf.to_str().unwrap()).unwrap();
        let sf = dir.path().join("u.nk");
        std::fs::write(&sf, format!("{SEED1}\n")).unwrap();
        let sf = CString::new(sf.to_str().unwrap()).unwrap();
        let o = Opts::new();
        unsafe {
            assert_eq!(
                natsOptions_SetUserCredentialsFromFiles(o.0, ptr::null(), sf.as_ptr()),
                NATS_INVALID_ARG
            );
            assert!(last_text().contains("user or chained file need to be specified"));
            assert_eq!(
                natsOptions_SetUserCredentialsFromFiles(o.0, cf.as_ptr(), ptr::null()),
                NATS_OK
            );
            let a = auth::resolve(&o.get().auth, None, None, Some("nonce")).unwrap();
            assert_eq!((a.jwt.as_deref(), a.sig.as_deref()), (Some("aaa.bbb.ccc"), Some(SIG1)));
            assert_eq!(
                auth::nkeys::encode_signature(&auth::sign_with_user_creds(&o.get().auth, b"nonce").unwrap()),
                SIG1
            );
            assert_eq!(
                natsOptions_SetUserCredentialsFromFiles(o.0, c"".as_ptr(), ptr::null()),
                NATS_OK
            );
            assert!(o.get().auth.user_creds.is_none());

            let mem = CString::new(creds.clone()).unwrap();
            assert_eq!(natsOptions_SetUserCredentialsFromMemory(o.0, mem.as_ptr()), NATS_OK);
            let a = auth::resolve(&o.get().auth, None, None, Some("nonce")).unwrap();
            assert_eq!((a.jwt.as_deref(), a.sig.as_deref()), (Some("aaa.bbb.ccc"), Some(SIG1)));
            assert_eq!(natsOptions_SetUserCredentialsFromMemory(o.0, ptr::null()), NATS_OK);
            assert!(o.get().auth.user_creds.is_none());

            let pk = CString::new(PUB1).unwrap();
            assert_eq!(
                natsOptions_SetNKeyFromSeed(o.0, pk.as_ptr(), ptr::null()),
                NATS_INVALID_ARG
            );
            assert_eq!(natsOptions_SetNKeyFromSeed(o.0, pk.as_ptr(), sf.as_ptr()), NATS_OK);
            let a = auth::resolve(&o.get().auth, None, None, Some("nonce")).unwrap();
            assert_eq!(
                (a.nkey.as_deref(), a.sig.as_deref(), a.jwt),
                (Some(PUB1), Some(SIG1), None)
            );
            assert_eq!(natsOptions_SetNKeyFromSeed(o.0, ptr::null(), ptr::null()), NATS_OK);
            assert!(o.get().auth.nkey.is_none());
        }
    }
}

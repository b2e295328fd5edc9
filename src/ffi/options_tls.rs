//! `optsGroup`, TLS part: the `natsOptions_*` TLS setters.
//!
//! Certificates, keys and cipher lists are read and checked when they are
//! set, so mistakes are reported by the setter (see `nats_GetLastError`),
//! not at connect time. Once connections use the TLS configuration of an
//! options object, the TLS setters return `NATS_ILLEGAL_STATE`.

use super::callbacks::natsSSLVerifyCb;
use super::cstr;
use super::guard;
use super::options::{lock_options, natsOptions};
use crate::error::{Error, Result};
use crate::status::natsStatus;
use libc::c_char;

/// A required, non-empty string argument.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for the call.
unsafe fn required(p: *const c_char, name: &str, what: &str) -> Result<String> {
    // SAFETY: `p` is NULL (handled) or, by the C contract, a NUL-terminated string that stays valid
    // and unchanged for the duration of the call.
    match unsafe { cstr::opt_str(p, name) }? {
        Some(s) => Ok(s.to_string()),
        None => Err(Error::invalid_arg(format!(
            "invalid argument: {what} can't be NULL nor empty"
        ))),
    }
}

/// Turns TLS on or off for connections made with these options.
///
/// Turning it off also forgets every TLS setting made so far (trusted CAs,
/// client certificate, ciphers, expected hostname, skip verification), as
/// cnats does. A `tls://` URL or a server that requires TLS turns TLS on
/// by itself. Returns `NATS_INVALID_ARG` if `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetSecure(opts: *mut natsOptions, secure: bool) -> natsStatus {
    guard("natsOptions_SetSecure", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        if secure {
            if !o.tls.is_configured() {
                o.tls.begin_change()?;
            }
        } else {
            o.tls.reset();
        }
        o.secure = secure;
        Ok(())
    })
}

/// Makes the client start the TLS handshake right after connecting,
/// before the server sends its INFO (the server must be configured with
/// `handshake_first`). Also turns TLS on.
///
/// Returns `NATS_INVALID_ARG` if `opts` is NULL, `NATS_ILLEGAL_STATE` if
/// connections use the TLS configuration of these options.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_TLSHandshakeFirst(opts: *mut natsOptions) -> natsStatus {
    guard("natsOptions_TLSHandshakeFirst", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.tls.begin_change()?;
        o.secure = true;
        o.tls.handshake_first = true;
        Ok(())
    })
}

/// Accepted for compatibility and has no effect: handshakes never
/// serialise on a shared lock in this library (a rustls configuration is
/// safely shared between threads).
///
/// Returns `NATS_INVALID_ARG` if `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_AllowConcurrentTLSHandshakes(opts: *mut natsOptions) -> natsStatus {
    guard("natsOptions_AllowConcurrentTLSHandshakes", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.tls.begin_change()?;
        Ok(())
    })
}

/// Adds the CA certificates found in the PEM file `fileName` (several per
/// file allowed) to the trusted set. Without any trusted CA the system
/// trust store is used.
///
/// The file is read now: a missing or unreadable file, or one with no
/// certificate, gives `NATS_SSL_ERROR` with a text naming the file. NULL
/// or empty arguments give `NATS_INVALID_ARG`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_LoadCATrustedCertificates(
    opts: *mut natsOptions,
    fileName: *const c_char,
) -> natsStatus {
    guard("natsOptions_LoadCATrustedCertificates", || {
        // SAFETY: `fileName` is NULL (refused) or, by the C contract, a NUL-terminated
        // string that stays valid and unchanged for the duration of the call.
        let file = unsafe { required(fileName, "fileName", "the file name") }?;
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.tls.begin_change()?;
        o.tls.load_ca_file(&file)
    })
}

/// **rnats extension (not in cnats).** Like
/// `natsOptions_LoadCATrustedCertificates`, but the file is read again at
/// every connection attempt (the first connect and each reconnect), so a
/// renewed CA bundle written to the same path is used by a running
/// connection from its next reconnect on, without destroying the options
/// or the connection. Together with
/// `natsOptions_LoadCertificatesChainDynamic` this rotates all TLS
/// material of a live connection. May be called several times (the
/// certificates of every file are trusted, with those added by the other
/// CA setters).
///
/// The file is also read now: a missing or unreadable file, or one with no
/// certificate, gives `NATS_SSL_ERROR` naming the file. Later, such a file
/// fails that connection attempt with `NATS_SSL_ERROR` (a reconnect goes on
/// trying). NULL or empty arguments give `NATS_INVALID_ARG`.
#[no_mangle]
pub unsafe extern "C" fn rnatsOptions_LoadCATrustedCertificatesDynamic(
    opts: *mut natsOptions,
    fileName: *const c_char,
) -> natsStatus {
    guard("rnatsOptions_LoadCATrustedCertificatesDynamic", || {
        // SAFETY: `fileName` is NULL (refused) or, by the C contract, a NUL-terminated
        // string that stays valid and unchanged for the duration of the call.
        let file = unsafe { required(fileName, "fileName", "the file name") }?;
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.tls.begin_change()?;
        o.tls.add_ca_file_dynamic(&file)
    })
}

/// Adds the CA certificates of every PEM file in the directory `path` to
/// the trusted set. Unlike OpenSSL's hashed-directory lookup, all files
/// are read now; files that hold no certificate are skipped.
///
/// A missing directory, or one without any certificate, gives
/// `NATS_SSL_ERROR` naming it. NULL or empty arguments give
/// `NATS_INVALID_ARG`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_LoadCATrustedCertificatesPath(
    opts: *mut natsOptions,
    path: *const c_char,
) -> natsStatus {
    guard("natsOptions_LoadCATrustedCertificatesPath", || {
        // SAFETY: `path` is NULL (refused) or, by the C contract, a NUL-terminated
        // string that stays valid and unchanged for the duration of the call.
        let dir = unsafe { required(path, "path", "the path") }?;
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.tls.begin_change()?;
        o.tls.load_ca_dir(&dir)
    })
}

/// Adds the CA certificates given as PEM text (concatenate several) to
/// the trusted set. The text is copied and parsed now.
///
/// Text without any certificate gives `NATS_SSL_ERROR`; NULL or empty
/// arguments give `NATS_INVALID_ARG`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetCATrustedCertificates(
    opts: *mut natsOptions,
    certificates: *const c_char,
) -> natsStatus {
    guard("natsOptions_SetCATrustedCertificates", || {
        // SAFETY: `certificates` is NULL (refused) or, by the C contract, a NUL-terminated
        // string that stays valid and unchanged for the duration of the call.
        let pem = unsafe { required(certificates, "certificates", "CA certificates") }?;
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.tls.begin_change()?;
        o.tls.add_ca_pem(pem.as_bytes())
    })
}

/// Sets the client certificate chain (PEM file, leaf first, then
/// intermediates) and its private key (PEM file: PKCS#8, PKCS#1 or SEC1;
/// encrypted keys are not supported). Both files are read now.
///
/// Unreadable or invalid files, or a key that does not match the
/// certificate, give `NATS_SSL_ERROR` naming the file; NULL or empty
/// arguments give `NATS_INVALID_ARG`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_LoadCertificatesChain(
    opts: *mut natsOptions,
    certsFileName: *const c_char,
    keyFileName: *const c_char,
) -> natsStatus {
    guard("natsOptions_LoadCertificatesChain", || {
        // SAFETY: `certsFileName` is NULL (refused) or, by the C contract, a NUL-terminated
        // string that stays valid and unchanged for the duration of the call.
        let cert = unsafe { required(certsFileName, "certsFileName", "certificate and key file names") }?;
        // SAFETY: `keyFileName` is NULL (refused) or, by the C contract, a NUL-terminated
        // string that stays valid and unchanged for the duration of the call.
        let key = unsafe { required(keyFileName, "keyFileName", "certificate and key file names") }?;
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.tls.begin_change()?;
        o.tls.load_client_cert_files(&cert, &key)
    })
}

/// Like `natsOptions_LoadCertificatesChain`, but the two files are read
/// again at every connection attempt, so a renewed certificate is picked
/// up without restarting: a running connection (including its copy of the
/// options) uses the files' current content at its next reconnect; the
/// options and the connection need not be destroyed. Nothing is read now;
/// a problem with the files makes the connection attempt fail with
/// `NATS_SSL_ERROR` (a reconnect goes on trying). For the CA bundle, see
/// `rnatsOptions_LoadCATrustedCertificatesDynamic` (rnats extension).
///
/// NULL or empty arguments give `NATS_INVALID_ARG`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_LoadCertificatesChainDynamic(
    opts: *mut natsOptions,
    certsFileName: *const c_char,
    keyFileName: *const c_char,
) -> natsStatus {
    guard("natsOptions_LoadCertificatesChainDynamic", || {
        // SAFETY: `certsFileName` is NULL (refused) or, by the C contract, a NUL-terminated
        // string that stays valid and unchanged for the duration of the call.
        let cert = unsafe { required(certsFileName, "certsFileName", "certificate and key file names") }?;
        // SAFETY: `keyFileName` is NULL (refused) or, by the C contract, a NUL-terminated
        // string that stays valid and unchanged for the duration of the call.
        let key = unsafe { required(keyFileName, "keyFileName", "certificate and key file names") }?;
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.tls.begin_change()?;
        o.tls.set_client_cert_dynamic(&cert, &key);
        Ok(())
    })
}

/// Sets the client certificate chain and private key from PEM texts
/// (copied and parsed now; encrypted keys are not supported).
///
/// Invalid PEM, or a key that does not match the certificate, gives
/// `NATS_SSL_ERROR`; NULL or empty arguments give `NATS_INVALID_ARG`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetCertificatesChain(
    opts: *mut natsOptions,
    cert: *const c_char,
    key: *const c_char,
) -> natsStatus {
    guard("natsOptions_SetCertificatesChain", || {
        // SAFETY: `cert` is NULL (refused) or, by the C contract, a NUL-terminated
        // string that stays valid and unchanged for the duration of the call.
        let c = unsafe { required(cert, "cert", "certificate and key") }?;
        // SAFETY: `key` is NULL (refused) or, by the C contract, a NUL-terminated
        // string that stays valid and unchanged for the duration of the call.
        let k = zeroize::Zeroizing::new(unsafe { required(key, "key", "certificate and key") }?);
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.tls.begin_change()?;
        o.tls.set_client_cert_pem(c.as_bytes(), k.as_bytes())
    })
}

/// Restricts the TLS 1.2 cipher suites (TLS 1.3 is set with
/// `natsOptions_SetCipherSuites`).
///
/// `ciphers` uses OpenSSL's cipher-list syntax, limited to what rustls
/// offers: `:`-separated suite names (OpenSSL style such as
/// `ECDHE-RSA-AES128-GCM-SHA256`, or IANA style such as
/// `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`) and the keywords `ALL`,
/// `DEFAULT`, `HIGH`, `ECDHE`, `aRSA`, `aECDSA`, `AESGCM`, `AES128`,
/// `AES256`, `CHACHA20`, `SHA256`, `SHA384` (combinable with `+`, with
/// the `!`, `-` and `+` prefixes). Keywords for things rustls lacks
/// (`RSA`, `DHE`, `MEDIUM`, `3DES`, …) select nothing. A suite rustls does
/// not offer, an unknown keyword, or a list selecting nothing gives
/// `NATS_SSL_ERROR` (as cnats when OpenSSL rejects a list) with a text
/// naming the culprit; nothing is dropped silently. NULL or empty
/// `ciphers` gives `NATS_INVALID_ARG`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetCiphers(opts: *mut natsOptions, ciphers: *const c_char) -> natsStatus {
    guard("natsOptions_SetCiphers", || {
        // SAFETY: `ciphers` is NULL (refused) or, by the C contract, a NUL-terminated
        // string that stays valid and unchanged for the duration of the call.
        let list = unsafe { required(ciphers, "ciphers", "the cipher list") }?;
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.tls.begin_change()?;
        o.tls.set_ciphers(&list)
    })
}

/// Restricts the TLS 1.3 cipher suites: `:`-separated names among
/// `TLS_AES_128_GCM_SHA256`, `TLS_AES_256_GCM_SHA384` and
/// `TLS_CHACHA20_POLY1305_SHA256`. An empty string disables TLS 1.3.
///
/// Any other name gives `NATS_SSL_ERROR` naming it; NULL `ciphers` gives
/// `NATS_INVALID_ARG`.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetCipherSuites(opts: *mut natsOptions, ciphers: *const c_char) -> natsStatus {
    guard("natsOptions_SetCipherSuites", || {
        // SAFETY: `ciphers` is NULL (refused) or, by the C contract, a NUL-terminated
        // string that stays valid and unchanged for the duration of the call.
        let list = unsafe { cstr::str(ciphers, "ciphers") }?.to_string();
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.tls.begin_change()?;
        o.tls.set_cipher_suites(&list)
    })
}

/// Sets the host name the server certificate must be valid for (also sent
/// as SNI), instead of the host of the server URL. NULL or "" goes back to
/// the URL host. Checked when connecting.
///
/// Returns `NATS_INVALID_ARG` if `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetExpectedHostname(
    opts: *mut natsOptions,
    hostname: *const c_char,
) -> natsStatus {
    guard("natsOptions_SetExpectedHostname", || {
        // SAFETY: `hostname` is NULL (refused) or, by the C contract, a NUL-terminated
        // string that stays valid and unchanged for the duration of the call.
        let h = unsafe { cstr::opt_str(hostname, "hostname") }?.map(str::to_string);
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.tls.begin_change()?;
        o.tls.expected_hostname = h;
        Ok(())
    })
}

/// With `true`, the server certificate is not verified (neither its chain
/// nor its name); the handshake signatures still are. Insecure: for tests.
///
/// Returns `NATS_INVALID_ARG` if `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SkipServerVerification(opts: *mut natsOptions, skip: bool) -> natsStatus {
    guard("natsOptions_SkipServerVerification", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.tls.begin_change()?;
        o.tls.skip_verify = skip;
        Ok(())
    })
}

/// Not supported: cnats hands this callback an OpenSSL `X509_STORE_CTX`,
/// which does not exist with rustls, so no callback can be installed.
///
/// A non-NULL `callback` gives `NATS_ILLEGAL_STATE` with the text
/// "natsOptions_SetSSLVerificationCallback is not supported with rustls"
/// (cnats returns `NATS_ILLEGAL_STATE` for TLS functions it cannot serve).
/// A NULL `callback` (clearing it) returns `NATS_OK`. Use
/// `natsOptions_SkipServerVerification`, trusted CAs and
/// `natsOptions_SetExpectedHostname` instead.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetSSLVerificationCallback(
    opts: *mut natsOptions,
    callback: natsSSLVerifyCb,
) -> natsStatus {
    guard("natsOptions_SetSSLVerificationCallback", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.tls.begin_change()?;
        match callback {
            None => Ok(()),
            Some(_) => Err(Error::new(
                natsStatus::NATS_ILLEGAL_STATE,
                "natsOptions_SetSSLVerificationCallback is not supported with rustls",
            )),
        }
    })
}

// Unit tests call the exported functions with handles and strings they
// built themselves, or with NULL on purpose: each `unsafe` is a call of the
// function under test, whose job is to cope, so the blocks carry no
// individual SAFETY notes.
#[cfg(test)]
#[allow(clippy::undocumented_unsafe_blocks)]
mod tests {
    use super::*;
    use crate::ffi::handle;
    use crate::options::Options;
    use parking_lot::Mutex;
    use std::ffi::CString;
    use std::ptr;

    fn new_opts() -> *mut natsOptions {
        handle::box_into_raw::<natsOptions>(Mutex::new(Options::default()))
    }
    fn free(o: *mut natsOptions) {
        drop(unsafe { handle::box_take(o) });
    }
    fn c(s: &str) -> CString {
        CString::new(s).unwrap()
    }
    fn last_text() -> String {
        let p = super::super::last_error::text_ptr();
        if p.is_null() {
            return String::new();
        }
        unsafe { std::ffi::CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
    fn get(o: *mut natsOptions) -> Options {
        unsafe { handle::box_ref::<natsOptions>(o, "o") }
            .unwrap()
            .lock()
            .clone()
    }

    fn self_signed() -> (String, String) {
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        (ck.cert.pem(), ck.key_pair.serialize_pem())
    }

    #[test]
    fn null_arguments() {
        use natsStatus::*;
        let o = new_opts();
        let f = c("x");
        unsafe {
            assert_eq!(natsOptions_SetSecure(ptr::null_mut(), true), NATS_INVALID_ARG);
            assert_eq!(natsOptions_TLSHandshakeFirst(ptr::null_mut()), NATS_INVALID_ARG);
            assert_eq!(
                natsOptions_AllowConcurrentTLSHandshakes(ptr::null_mut()),
                NATS_INVALID_ARG
            );
            assert_eq!(
                natsOptions_LoadCATrustedCertificates(ptr::null_mut(), f.as_ptr()),
                NATS_INVALID_ARG
            );
            assert_eq!(natsOptions_LoadCATrustedCertificates(o, ptr::null()), NATS_INVALID_ARG);
            assert_eq!(
                natsOptions_LoadCATrustedCertificates(o, c("").as_ptr()),
                NATS_INVALID_ARG
            );
            assert_eq!(
                natsOptions_LoadCATrustedCertificatesPath(o, ptr::null()),
                NATS_INVALID_ARG
            );
            assert_eq!(natsOptions_SetCATrustedCertificates(o, ptr::null()), NATS_INVALID_ARG);
            assert_eq!(
                natsOptions_SetCATrustedCertificates(o, c("").as_ptr()),
                NATS_INVALID_ARG
            );
            assert_eq!(
                natsOptions_LoadCertificatesChain(o, f.as_ptr(), ptr::null()),
                NATS_INVALID_ARG
            );
            assert_eq!(
                natsOptions_LoadCertificatesChain(o, ptr::null(), f.as_ptr()),
                NATS_INVALID_ARG
            );
            assert_eq!(
                natsOptions_LoadCertificatesChainDynamic(o, f.as_ptr(), c("").as_ptr()),
                NATS_INVALID_ARG
            );
            assert_eq!(
                natsOptions_LoadCertificatesChainDynamic(o, ptr::null(), f.as_ptr()),
                NATS_INVALID_ARG
            );
            assert_eq!(
                natsOptions_SetCertificatesChain(o, f.as_ptr(), ptr::null()),
                NATS_INVALID_ARG
            );
            assert_eq!(natsOptions_SetCiphers(o, ptr::null()), NATS_INVALID_ARG);
            assert_eq!(natsOptions_SetCiphers(o, c("").as_ptr()), NATS_INVALID_ARG);
            assert_eq!(natsOptions_SetCipherSuites(o, ptr::null()), NATS_INVALID_ARG);
            assert_eq!(
                natsOptions_SetExpectedHostname(ptr::null_mut(), f.as_ptr()),
                NATS_INVALID_ARG
            );
            assert_eq!(
                natsOptions_SkipServerVerification(ptr::null_mut(), true),
                NATS_INVALID_ARG
            );
            assert_eq!(
                natsOptions_SetSSLVerificationCallback(ptr::null_mut(), None),
                NATS_INVALID_ARG
            );
        }
        free(o);
    }

    #[test]
    fn dynamic_ca_file_is_checked_now_and_read_at_every_connect() {
        use natsStatus::*;
        let dir = tempfile::tempdir().unwrap();
        let (cert, _) = self_signed();
        let ca = dir.path().join("ca.pem");
        let pc = |p: &std::path::Path| c(p.to_str().unwrap());
        let o = new_opts();
        unsafe {
            assert_eq!(
                rnatsOptions_LoadCATrustedCertificatesDynamic(o, pc(&ca).as_ptr()),
                NATS_SSL_ERROR
            );
            assert!(last_text().contains("ca.pem"), "{}", last_text());
            assert_eq!(
                rnatsOptions_LoadCATrustedCertificatesDynamic(o, ptr::null()),
                NATS_INVALID_ARG
            );
            assert_eq!(
                rnatsOptions_LoadCATrustedCertificatesDynamic(ptr::null_mut(), pc(&ca).as_ptr()),
                NATS_INVALID_ARG
            );
            std::fs::write(&ca, &cert).unwrap();
            assert_eq!(
                rnatsOptions_LoadCATrustedCertificatesDynamic(o, pc(&ca).as_ptr()),
                NATS_OK
            );
            let tls = get(o).tls.clone();
            assert!(tls.ca_certs.is_empty(), "kept as a file name, not as certificates");
            assert!(tls.client_config().is_ok());
            // Read again when a configuration is built (each connect).
            std::fs::write(&ca, "renewal in progress").unwrap();
            let e = tls.client_config().expect_err("the broken file is read again");
            assert_eq!(e.status, NATS_SSL_ERROR);
            assert!(e.text.contains("ca.pem"), "{}", e.text);
        }
        free(o);
    }

    #[test]
    fn files_are_read_at_set_time() {
        use natsStatus::*;
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = self_signed();
        let cert_path = dir.path().join("cert.pem");
        let key_path = dir.path().join("key.pem");
        let junk_path = dir.path().join("junk.pem");
        std::fs::write(&cert_path, &cert).unwrap();
        std::fs::write(&key_path, &key).unwrap();
        std::fs::write(&junk_path, "not a pem\n").unwrap();
        let p = |p: &std::path::Path| c(p.to_str().unwrap());
        let missing = dir.path().join("missing.pem");
        let o = new_opts();
        unsafe {
            assert_eq!(
                natsOptions_LoadCATrustedCertificates(o, p(&missing).as_ptr()),
                NATS_SSL_ERROR
            );
            assert!(last_text().contains("missing.pem"), "{}", last_text());
            assert_eq!(
                natsOptions_LoadCATrustedCertificates(o, p(&junk_path).as_ptr()),
                NATS_SSL_ERROR
            );
            assert!(last_text().contains("junk.pem"), "{}", last_text());
            assert_eq!(
                natsOptions_LoadCATrustedCertificates(o, p(&cert_path).as_ptr()),
                NATS_OK
            );
            assert_eq!(natsOptions_SetCATrustedCertificates(o, c(&cert).as_ptr()), NATS_OK);
            assert_eq!(get(o).tls.ca_certs.len(), 2);
            assert_eq!(
                natsOptions_SetCATrustedCertificates(o, c("garbage").as_ptr()),
                NATS_SSL_ERROR
            );
            assert_eq!(
                natsOptions_LoadCATrustedCertificatesPath(o, p(dir.path()).as_ptr()),
                NATS_OK
            );
            assert_eq!(get(o).tls.ca_certs.len(), 3);
            assert_eq!(
                natsOptions_LoadCATrustedCertificatesPath(o, p(&missing).as_ptr()),
                NATS_SSL_ERROR
            );

            assert_eq!(
                natsOptions_LoadCertificatesChain(o, p(&cert_path).as_ptr(), p(&missing).as_ptr()),
                NATS_SSL_ERROR
            );
            assert!(last_text().contains("missing.pem"), "{}", last_text());
            // Key and certificate swapped.
            assert_eq!(
                natsOptions_LoadCertificatesChain(o, p(&key_path).as_ptr(), p(&cert_path).as_ptr()),
                NATS_SSL_ERROR
            );
            assert_eq!(
                natsOptions_LoadCertificatesChain(o, p(&cert_path).as_ptr(), p(&key_path).as_ptr()),
                NATS_OK
            );
            // A key of another certificate.
            let (_, other_key) = self_signed();
            assert_eq!(
                natsOptions_SetCertificatesChain(o, c(&cert).as_ptr(), c(&other_key).as_ptr()),
                NATS_SSL_ERROR
            );
            assert!(last_text().contains("does not match"), "{}", last_text());
            assert_eq!(
                natsOptions_SetCertificatesChain(o, c(&cert).as_ptr(), c(&key).as_ptr()),
                NATS_OK
            );
            let enc = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
            assert_eq!(
                natsOptions_SetCertificatesChain(o, c(&cert).as_ptr(), c(enc).as_ptr()),
                NATS_SSL_ERROR
            );
            assert!(
                last_text().contains("encrypted private keys are not supported"),
                "{}",
                last_text()
            );
            // Dynamic: nothing is read now.
            assert_eq!(
                natsOptions_LoadCertificatesChainDynamic(o, p(&missing).as_ptr(), p(&missing).as_ptr()),
                NATS_OK
            );
            let e = get(o).tls.client_config().err().unwrap();
            assert_eq!(e.status, NATS_SSL_ERROR);
            assert!(e.text.contains("missing.pem"), "{}", e.text);
            // Setters other than SetSecure/TLSHandshakeFirst leave `secure` alone.
            assert!(!get(o).secure);
        }
        free(o);
    }

    #[test]
    fn ciphers_and_flags() {
        use natsStatus::*;
        let o = new_opts();
        unsafe {
            assert_eq!(
                natsOptions_SetCiphers(o, c("ECDHE-RSA-AES128-GCM-SHA256:FOO-BAR").as_ptr()),
                NATS_SSL_ERROR
            );
            assert!(last_text().contains("FOO-BAR"), "{}", last_text());
            assert_eq!(natsOptions_SetCiphers(o, c("-ALL:HIGH").as_ptr()), NATS_OK);
            assert_eq!(
                natsOptions_SetCipherSuites(o, c("TLS_AES_128_CCM_8_SHA256").as_ptr()),
                NATS_SSL_ERROR
            );
            assert!(last_text().contains("TLS_AES_128_CCM_8_SHA256"), "{}", last_text());
            assert_eq!(
                natsOptions_SetCipherSuites(o, c("TLS_AES_128_GCM_SHA256").as_ptr()),
                NATS_OK
            );
            assert_eq!(get(o).tls.tls13_suites.as_ref().unwrap().len(), 1);
            assert_eq!(natsOptions_SetCipherSuites(o, c("").as_ptr()), NATS_OK);

            assert_eq!(natsOptions_SetExpectedHostname(o, c("localhost").as_ptr()), NATS_OK);
            assert_eq!(get(o).tls.expected_hostname.as_deref(), Some("localhost"));
            assert_eq!(natsOptions_SetExpectedHostname(o, ptr::null()), NATS_OK);
            assert_eq!(get(o).tls.expected_hostname, None);
            assert_eq!(natsOptions_SkipServerVerification(o, true), NATS_OK);
            assert!(get(o).tls.skip_verify);

            unsafe extern "C" fn cb(_ok: libc::c_int, _ctx: *mut libc::c_void) -> libc::c_int {
                1
            }
            assert_eq!(natsOptions_SetSSLVerificationCallback(o, Some(cb)), NATS_ILLEGAL_STATE);
            assert!(last_text().contains("not supported with rustls"), "{}", last_text());
            assert_eq!(natsOptions_SetSSLVerificationCallback(o, None), NATS_OK);
            assert_eq!(natsOptions_AllowConcurrentTLSHandshakes(o), NATS_OK);

            assert!(!get(o).secure);
            assert_eq!(natsOptions_TLSHandshakeFirst(o), NATS_OK);
            let g = get(o);
            assert!(g.secure && g.tls.handshake_first);
            // SetSecure(false) forgets the TLS settings (not handshake-first).
            assert_eq!(natsOptions_SetSecure(o, false), NATS_OK);
            let g = get(o);
            assert!(!g.secure && !g.tls.skip_verify && g.tls.tls12_suites.is_none() && g.tls.handshake_first);
            assert_eq!(natsOptions_SetSecure(o, true), NATS_OK);
            assert!(get(o).secure);
        }
        free(o);
    }

    #[test]
    fn tls_settings_locked_while_in_use() {
        use natsStatus::*;
        let o = new_opts();
        unsafe {
            assert_eq!(natsOptions_SetSecure(o, true), NATS_OK);
            // A connection keeps a clone of the options.
            let in_use = get(o);
            assert_eq!(natsOptions_SkipServerVerification(o, true), NATS_ILLEGAL_STATE);
            assert!(last_text().contains("in use"), "{}", last_text());
            drop(in_use);
            assert_eq!(natsOptions_SkipServerVerification(o, true), NATS_OK);
        }
        free(o);
    }
}

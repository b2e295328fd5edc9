//! Promises the API makes and the engine must keep (issue 11): cnats'
//! status codes, declared settings that take effect, bounded queues.
#![allow(clippy::missing_safety_doc)]

mod common;

use common::server::Server;
use nats::ffi::conn::*;
use nats::ffi::conn_pub::*;
use nats::ffi::conn_sub::*;
use nats::ffi::library::*;
use nats::ffi::msg::*;
use nats::ffi::options::*;
use nats::ffi::options_tls::*;
use nats::ffi::sub::*;
use nats::natsStatus::*;
use std::ffi::{CStr, CString};
use std::ptr::null_mut;

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn last_error() -> String {
    let p = unsafe { nats_GetLastError(null_mut()) };
    if p.is_null() {
        String::new()
    } else {
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

fn connect_url(url: &str) -> *mut natsConnection {
    let mut o = null_mut();
    let mut nc = null_mut();
    unsafe {
        assert_eq!(natsOptions_Create(&mut o), NATS_OK);
        assert_eq!(natsOptions_SetURL(o, c(url).as_ptr()), NATS_OK);
        let s = natsConnection_Connect(&mut nc, o);
        natsOptions_Destroy(o);
        assert_eq!(s, NATS_OK, "connect: {}", last_error());
    }
    nc
}

/// cnats' `natsSubscription_NextMsg` consumes a no-responders status
/// message (503, no payload) and returns `NATS_NO_RESPONDERS`.
#[test]
fn next_msg_reports_no_responders() {
    let srv = Server::start_default();
    let nc = connect_url(&srv.url());
    unsafe {
        let mut inbox = null_mut();
        assert_eq!(nats::ffi::inbox::natsInbox_Create(&mut inbox), NATS_OK);
        let mut sub = null_mut();
        assert_eq!(natsConnection_SubscribeSync(&mut sub, nc, inbox), NATS_OK);
        assert_eq!(
            natsConnection_PublishRequest(nc, c("nobody.listens.here").as_ptr(), inbox, c("x").as_ptr() as _, 1),
            NATS_OK
        );
        let mut m = null_mut();
        assert_eq!(natsSubscription_NextMsg(&mut m, sub, 5_000), NATS_NO_RESPONDERS);
        assert!(m.is_null(), "no message is handed out");
        // The status message was consumed: nothing else is queued.
        assert_eq!(natsSubscription_NextMsg(&mut m, sub, 0), NATS_TIMEOUT);
        // A real reply still comes through as a message.
        assert_eq!(natsConnection_Publish(nc, inbox, c("ok").as_ptr() as _, 2), NATS_OK);
        assert_eq!(natsSubscription_NextMsg(&mut m, sub, 5_000), NATS_OK);
        assert_eq!(natsMsg_GetDataLength(m), 2);
        natsMsg_Destroy(m);
        natsSubscription_Destroy(sub);
        nats::ffi::inbox::natsInbox_Destroy(inbox);
        natsConnection_Destroy(nc);
    }
}

fn self_signed() -> (String, String) {
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    (ck.cert.pem(), ck.key_pair.serialize_pem())
}

/// PEM texts that hold no usable certificate (or key).
fn bad_cert_pems(key: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "certificate block that is not base64",
            "-----BEGIN CERTIFICATE-----\nthis is *not* base64 at all!\n-----END CERTIFICATE-----\n".to_string(),
        ),
        (
            "certificate block that is base64 but not a certificate",
            "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQsIEkgYW0gbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n".to_string(),
        ),
        ("text with no PEM block", "hello, I am not PEM\n".to_string()),
        ("a private key but no certificate", key.to_string()),
        (
            "unterminated certificate block",
            "-----BEGIN CERTIFICATE-----\nMIIB\n".to_string(),
        ),
    ]
}

/// cnats refuses CA / client certificate PEM that it cannot decode, at
/// once, with `NATS_SSL_ERROR` (OpenSSL's PEM_read_bio_X509 fails).
#[test]
fn pem_loaders_refuse_undecodable_or_missing_certificates() {
    let (cert, key) = self_signed();
    let (_, other_key) = self_signed();
    let dir = tempfile::tempdir().unwrap();
    let good_cert = dir.path().join("good-cert.pem");
    let good_key = dir.path().join("good-key.pem");
    std::fs::write(&good_cert, &cert).unwrap();
    std::fs::write(&good_key, &key).unwrap();
    let mut o = null_mut();
    unsafe {
        assert_eq!(natsOptions_Create(&mut o), NATS_OK);
        // The good inputs are accepted (the checks below are not vacuous).
        assert_eq!(natsOptions_SetCATrustedCertificates(o, c(&cert).as_ptr()), NATS_OK);
        assert_eq!(
            natsOptions_SetCertificatesChain(o, c(&cert).as_ptr(), c(&key).as_ptr()),
            NATS_OK
        );
        let gc = c(good_cert.to_str().unwrap());
        let gk = c(good_key.to_str().unwrap());
        assert_eq!(natsOptions_LoadCATrustedCertificates(o, gc.as_ptr()), NATS_OK);
        assert_eq!(natsOptions_LoadCertificatesChain(o, gc.as_ptr(), gk.as_ptr()), NATS_OK);

        for (i, (what, pem)) in bad_cert_pems(&key).into_iter().enumerate() {
            let s = natsOptions_SetCATrustedCertificates(o, c(&pem).as_ptr());
            assert_eq!(s, NATS_SSL_ERROR, "SetCATrustedCertificates with {what}");
            let t = last_error();
            assert!(t.contains("certificate"), "{what}: error text {t:?}");

            let s = natsOptions_SetCertificatesChain(o, c(&pem).as_ptr(), c(&key).as_ptr());
            assert_eq!(s, NATS_SSL_ERROR, "SetCertificatesChain with {what}");
            assert!(last_error().contains("certificate"), "{what}: {}", last_error());

            let f = dir.path().join(format!("bad{i}.pem"));
            std::fs::write(&f, &pem).unwrap();
            let fc = c(f.to_str().unwrap());
            let s = natsOptions_LoadCATrustedCertificates(o, fc.as_ptr());
            assert_eq!(s, NATS_SSL_ERROR, "LoadCATrustedCertificates with {what}");
            assert!(
                last_error().contains(&format!("bad{i}.pem")),
                "{what}: {}",
                last_error()
            );

            let s = natsOptions_LoadCertificatesChain(o, fc.as_ptr(), gk.as_ptr());
            assert_eq!(s, NATS_SSL_ERROR, "LoadCertificatesChain with {what}");
            assert!(
                last_error().contains(&format!("bad{i}.pem")),
                "{what}: {}",
                last_error()
            );
        }

        // Key problems: a certificate without a key, a key block that is
        // garbage, and a key that belongs to another certificate.
        let garbage_key = "-----BEGIN PRIVATE KEY-----\n*** not base64 ***\n-----END PRIVATE KEY-----\n";
        for (what, k) in [
            ("a certificate where the key should be", cert.as_str()),
            ("a garbage key block", garbage_key),
            ("plain text", "no key here"),
            ("another certificate's key", other_key.as_str()),
        ] {
            let s = natsOptions_SetCertificatesChain(o, c(&cert).as_ptr(), c(k).as_ptr());
            assert_eq!(s, NATS_SSL_ERROR, "SetCertificatesChain with {what}");
            assert!(last_error().contains("key"), "{what}: {}", last_error());
            let f = dir.path().join("badkey.pem");
            std::fs::write(&f, k).unwrap();
            let fk = c(f.to_str().unwrap());
            let s = natsOptions_LoadCertificatesChain(o, gc.as_ptr(), fk.as_ptr());
            assert_eq!(s, NATS_SSL_ERROR, "LoadCertificatesChain with {what}");
            assert!(last_error().contains("key"), "{what}: {}", last_error());
        }
        // Missing halves are argument errors, as in cnats.
        assert_eq!(
            natsOptions_SetCertificatesChain(o, c(&cert).as_ptr(), std::ptr::null()),
            NATS_INVALID_ARG
        );
        assert_eq!(
            natsOptions_SetCertificatesChain(o, std::ptr::null(), c(&key).as_ptr()),
            NATS_INVALID_ARG
        );
        natsOptions_Destroy(o);
    }
}

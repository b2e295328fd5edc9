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

/// A TCP proxy in front of a server that records each chunk the client
/// side delivers (one `read` each; writes far apart in time arrive as
/// separate chunks).
struct Proxy {
    port: u16,
    chunks: std::sync::Arc<std::sync::Mutex<Vec<Vec<u8>>>>,
}

impl Proxy {
    fn start(server_port: u16) -> Proxy {
        use std::io::{Read, Write};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let chunks = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let rec = chunks.clone();
        std::thread::spawn(move || {
            let Ok((mut client, _)) = l.accept() else { return };
            let mut server = std::net::TcpStream::connect(("127.0.0.1", server_port)).unwrap();
            let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut s2, &mut c2);
                let _ = c2.shutdown(std::net::Shutdown::Both);
            });
            let mut buf = vec![0u8; 256 * 1024];
            loop {
                match client.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        rec.lock().unwrap().push(buf[..n].to_vec());
                        if server.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = server.shutdown(std::net::Shutdown::Both);
        });
        Proxy { port, chunks }
    }

    /// (chunks holding a PUB, PUBs in total)
    fn pubs(&self) -> (usize, usize) {
        let chunks = self.chunks.lock().unwrap();
        let count = |c: &[u8]| c.windows(4).filter(|w| w == b"PUB ").count();
        (
            chunks.iter().filter(|c| count(c) > 0).count(),
            chunks.iter().map(|c| count(c)).sum(),
        )
    }
}

/// Publishes 20 messages 5 ms apart through a proxy; returns (socket
/// writes that carried a PUB, PUBs that arrived).
fn paced_burst(server_port: u16, flusher_wait_us: Option<i64>) -> (usize, usize) {
    let proxy = Proxy::start(server_port);
    let mut o = null_mut();
    let mut nc = null_mut();
    unsafe {
        assert_eq!(natsOptions_Create(&mut o), NATS_OK);
        assert_eq!(
            natsOptions_SetURL(o, c(&format!("nats://127.0.0.1:{}", proxy.port)).as_ptr()),
            NATS_OK
        );
        if let Some(w) = flusher_wait_us {
            assert_eq!(natsOptions_SetFlusherWaitMicros(o, w), NATS_OK);
        }
        assert_eq!(natsConnection_Connect(&mut nc, o), NATS_OK, "{}", last_error());
        for i in 0..20 {
            let m = format!("m{i}");
            assert_eq!(
                natsConnection_PublishString(nc, c("burst").as_ptr(), c(&m).as_ptr()),
                NATS_OK
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        // Let any gathering window end on its own before the flush.
        std::thread::sleep(std::time::Duration::from_millis(600));
        assert_eq!(natsConnection_FlushTimeout(nc, 5_000), NATS_OK);
        natsConnection_Destroy(nc);
        natsOptions_Destroy(o);
    }
    proxy.pubs()
}

/// natsOptions_SetFlusherWaitMicros: under load the flusher gathers
/// publishes for that long before writing them together.
#[test]
fn flusher_wait_gathers_publishes() {
    let srv = Server::start_default();
    // Default: each publish (5 ms apart) is written on its own.
    let (writes, pubs) = paced_burst(srv.port(), None);
    assert_eq!(pubs, 20);
    assert!(
        writes >= 10,
        "without a flusher wait each publish goes out at once: {writes} writes"
    );
    // 300 ms: the first publish goes out at once, the other 19 (within
    // ~100 ms) are gathered and written together.
    let (writes, pubs) = paced_burst(srv.port(), Some(300_000));
    assert_eq!(pubs, 20);
    assert!(
        writes <= 3,
        "with a 300 ms flusher wait the burst is gathered: {writes} writes"
    );
}

unsafe extern "C" fn ignore_conn(_nc: *mut natsConnection, _closure: *mut std::os::raw::c_void) {}

/// With reconnect buffer size 0 ("the default size", as cnats), what is
/// published before the first connect is bounded too: past 8 MiB,
/// `NATS_INSUFFICIENT_BUFFER`.
#[test]
fn pre_connect_buffer_is_bounded() {
    let port = common::server::free_port();
    let mut o = null_mut();
    let mut nc = null_mut();
    unsafe {
        assert_eq!(natsOptions_Create(&mut o), NATS_OK);
        assert_eq!(
            natsOptions_SetURL(o, c(&format!("nats://127.0.0.1:{port}")).as_ptr()),
            NATS_OK
        );
        assert_eq!(natsOptions_SetReconnectBufSize(o, 4 * 1024 * 1024), NATS_OK);
        assert_eq!(natsOptions_SetReconnectWait(o, 50), NATS_OK);
        assert_eq!(natsOptions_SetMaxReconnect(o, -1), NATS_OK);
        assert_eq!(
            natsOptions_SetRetryOnFailedConnect(o, true, Some(ignore_conn), null_mut()),
            NATS_OK
        );
        assert_eq!(natsConnection_Connect(&mut nc, o), NATS_NOT_YET_CONNECTED);
        assert!(!nc.is_null());
        let chunk = vec![b'x'; 512 * 1024];
        let mut sent = 0usize;
        let mut last = NATS_OK;
        // 128 MiB at most: without a bound this loop just keeps buffering.
        for _ in 0..256 {
            last = natsConnection_Publish(nc, c("pre").as_ptr(), chunk.as_ptr().cast(), chunk.len() as i32);
            if last != NATS_OK {
                break;
            }
            sent += chunk.len();
        }
        assert_eq!(last, NATS_INSUFFICIENT_BUFFER, "after {sent} bytes");
        assert!(
            sent >= 4 * 1024 * 1024 - chunk.len() && sent <= 5 * 1024 * 1024,
            "{sent}"
        );
        assert!(last_error().contains("reconnect buffer is full"), "{}", last_error());
        natsConnection_Destroy(nc);
        natsOptions_Destroy(o);
    }
}

/// A reconnect buffer of size 0 buffers nothing: as cnats' engine, a publish
/// while not (yet) connected fails at once with NATS_INSUFFICIENT_BUFFER.
#[test]
fn pre_connect_buffer_size_zero_buffers_nothing() {
    let port = common::server::free_port();
    let mut o = null_mut();
    let mut nc = null_mut();
    unsafe {
        assert_eq!(natsOptions_Create(&mut o), NATS_OK);
        assert_eq!(
            natsOptions_SetURL(o, c(&format!("nats://127.0.0.1:{port}")).as_ptr()),
            NATS_OK
        );
        assert_eq!(natsOptions_SetReconnectBufSize(o, 0), NATS_OK);
        assert_eq!(natsOptions_SetReconnectWait(o, 50), NATS_OK);
        assert_eq!(natsOptions_SetMaxReconnect(o, -1), NATS_OK);
        assert_eq!(
            natsOptions_SetRetryOnFailedConnect(o, true, Some(ignore_conn), null_mut()),
            NATS_OK
        );
        assert_eq!(natsConnection_Connect(&mut nc, o), NATS_NOT_YET_CONNECTED);
        let data = b"x";
        assert_eq!(
            natsConnection_Publish(nc, c("pre").as_ptr(), data.as_ptr().cast(), 1),
            NATS_INSUFFICIENT_BUFFER
        );
        assert!(last_error().contains("disabled"), "{}", last_error());
        natsConnection_Destroy(nc);
        natsOptions_Destroy(o);
    }
}

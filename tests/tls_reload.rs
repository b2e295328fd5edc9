//! TLS material renewed under a running connection: with
//! `natsOptions_LoadCertificatesChainDynamic` (client certificate and key)
//! and `rnatsOptions_LoadCATrustedCertificatesDynamic` (CA bundle, an rnats
//! extension), a connection object that stays alive reconnects with the
//! files' new content after the server's CAs changed (its old client
//! certificate refused, its server certificate issued by a new CA). Over
//! `tls://` and over `wss://`. Every certificate is generated here.
#![allow(clippy::missing_safety_doc)]

mod common;

use common::server::{free_port, wait_listening, Server};
use common::wait_for;
use nats::ffi::conn::*;
use nats::ffi::conn_pub::*;
use nats::ffi::conn_sub::*;
use nats::ffi::library::*;
use nats::ffi::msg::*;
use nats::ffi::options::*;
use nats::ffi::options_tls::*;
use nats::ffi::sub::*;
use nats::natsStatus::*;
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use std::ffi::{CStr, CString};
use std::os::raw::c_void;
use std::path::{Path, PathBuf};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(30);

struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

fn new_ca(name: &str) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name.push(DnType::CommonName, name);
    let cert = p.self_signed(&key).unwrap();
    Ca { cert, key }
}

/// (certificate PEM, key PEM) signed by `ca`.
fn issue(ca: &Ca, client: bool) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    p.extended_key_usages = vec![if client {
        ExtendedKeyUsagePurpose::ClientAuth
    } else {
        ExtendedKeyUsagePurpose::ServerAuth
    }];
    (p.signed_by(&key, &ca.cert, &ca.key).unwrap().pem(), key.serialize_pem())
}

/// Replaces a file the way renewal tools do: a new file renamed over it.
fn put(dir: &Path, name: &str, text: &str) -> PathBuf {
    let tmp = dir.join(format!(".{name}.new"));
    std::fs::write(&tmp, text).unwrap();
    let path = dir.join(name);
    std::fs::rename(&tmp, &path).unwrap();
    path
}

fn c(p: &Path) -> CString {
    CString::new(p.to_str().unwrap()).unwrap()
}

fn last_error() -> String {
    let p = unsafe { nats_GetLastError(null_mut()) };
    if p.is_null() {
        String::new()
    } else {
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

unsafe extern "C" fn on_reconnected(_nc: *mut natsConnection, closure: *mut c_void) {
    let n = unsafe { &*(closure as *const AtomicUsize) };
    n.fetch_add(1, Ordering::SeqCst);
}

/// Server-side material: the server certificate and the CA it checks
/// client certificates against.
fn server_files(dir: &Path, server_ca: &Ca, client_ca: &Ca) {
    let (cert, key) = issue(server_ca, false);
    put(dir, "server-cert.pem", &cert);
    put(dir, "server-key.pem", &key);
    put(dir, "client-ca.pem", &client_ca.cert.pem());
}

/// Client-side material, at the paths the options name.
fn client_files(dir: &Path, server_ca: &Ca, client_ca: &Ca) {
    let (cert, key) = issue(client_ca, true);
    put(dir, "client-cert.pem", &cert);
    put(dir, "client-key.pem", &key);
    put(dir, "trusted-ca.pem", &server_ca.cert.pem());
}

fn rotate(ws: bool) {
    let sdir = tempfile::tempdir().unwrap();
    let cdir = tempfile::tempdir().unwrap();
    let (server_ca1, client_ca1) = (new_ca("server CA 1"), new_ca("client CA 1"));
    server_files(sdir.path(), &server_ca1, &client_ca1);
    client_files(cdir.path(), &server_ca1, &client_ca1);
    let p = |n: &str| sdir.path().join(n).to_str().unwrap().to_string();
    let tls = format!(
        "tls {{\n cert_file: \"{}\"\n key_file: \"{}\"\n ca_file: \"{}\"\n verify: true\n timeout: 5\n}}\n",
        p("server-cert.pem"),
        p("server-key.pem"),
        p("client-ca.pem")
    );
    let wp = free_port();
    let mut srv = if ws {
        Server::start(&format!("websocket {{\n listen: \"127.0.0.1:{wp}\"\n {tls}}}\n"))
    } else {
        Server::start(&tls)
    };
    let url = if ws {
        wait_listening(wp);
        format!("wss://127.0.0.1:{wp}")
    } else {
        format!("tls://127.0.0.1:{}", srv.port())
    };
    let curl = CString::new(url.clone()).unwrap();
    let reconnected = Box::new(AtomicUsize::new(0));
    let counter = &*reconnected as *const AtomicUsize as *mut c_void;
    let cp = |n: &str| c(&cdir.path().join(n));
    unsafe {
        let mut o = null_mut();
        assert_eq!(natsOptions_Create(&mut o), NATS_OK);
        assert_eq!(natsOptions_SetURL(o, curl.as_ptr()), NATS_OK);
        assert_eq!(natsOptions_SetTimeout(o, 5_000), NATS_OK);
        assert_eq!(natsOptions_SetMaxReconnect(o, -1), NATS_OK);
        assert_eq!(natsOptions_SetReconnectWait(o, 100), NATS_OK);
        assert_eq!(natsOptions_SetReconnectedCB(o, Some(on_reconnected), counter), NATS_OK);
        assert_eq!(
            natsOptions_LoadCertificatesChainDynamic(o, cp("client-cert.pem").as_ptr(), cp("client-key.pem").as_ptr()),
            NATS_OK
        );
        assert_eq!(
            rnatsOptions_LoadCATrustedCertificatesDynamic(o, cp("trusted-ca.pem").as_ptr()),
            NATS_OK,
            "{}",
            last_error()
        );
        let mut nc = null_mut();
        assert_eq!(natsConnection_Connect(&mut nc, o), NATS_OK, "{}", last_error());
        let mut sub = null_mut();
        let subj = CString::new("rotation").unwrap();
        assert_eq!(natsConnection_SubscribeSync(&mut sub, nc, subj.as_ptr()), NATS_OK);
        assert_eq!(natsConnection_Flush(nc), NATS_OK);

        // The server's CAs change: a new server certificate from a new CA,
        // and client certificates from another new CA only.
        let (server_ca2, client_ca2) = (new_ca("server CA 2"), new_ca("client CA 2"));
        server_files(sdir.path(), &server_ca2, &client_ca2);
        srv.restart();
        if ws {
            wait_listening(wp);
        }
        // The old client material is refused now (a fresh connection with
        // a copy of the old files, read once).
        let old = tempfile::tempdir().unwrap();
        for f in ["client-cert.pem", "client-key.pem", "trusted-ca.pem"] {
            std::fs::copy(cdir.path().join(f), old.path().join(f)).unwrap();
        }
        let mut o2 = null_mut();
        assert_eq!(natsOptions_Create(&mut o2), NATS_OK);
        assert_eq!(natsOptions_SetURL(o2, curl.as_ptr()), NATS_OK);
        assert_eq!(
            natsOptions_LoadCertificatesChain(
                o2,
                c(&old.path().join("client-cert.pem")).as_ptr(),
                c(&old.path().join("client-key.pem")).as_ptr()
            ),
            NATS_OK
        );
        assert_eq!(
            natsOptions_LoadCATrustedCertificates(o2, c(&old.path().join("trusted-ca.pem")).as_ptr()),
            NATS_OK
        );
        let mut nc2 = null_mut();
        assert_eq!(natsConnection_Connect(&mut nc2, o2), NATS_SSL_ERROR, "{}", last_error());
        natsOptions_Destroy(o2);
        // Our connection keeps trying with the old files meanwhile.
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(reconnected.load(Ordering::SeqCst), 0, "reconnected with old material?");
        assert!(natsConnection_IsReconnecting(nc));

        // Renewal writes the new files; the next attempt uses them.
        client_files(cdir.path(), &server_ca2, &client_ca2);
        assert!(
            wait_for(LONG, || reconnected.load(Ordering::SeqCst) == 1),
            "no reconnect with the renewed files: {}",
            last_error()
        );
        let data = CString::new("after rotation").unwrap();
        assert_eq!(natsConnection_PublishString(nc, subj.as_ptr(), data.as_ptr()), NATS_OK);
        let mut m = null_mut();
        assert_eq!(natsSubscription_NextMsg(&mut m, sub, 10_000), NATS_OK);
        assert_eq!(CStr::from_ptr(natsMsg_GetData(m)).to_str().unwrap(), "after rotation");
        natsMsg_Destroy(m);
        natsSubscription_Destroy(sub);
        natsConnection_Destroy(nc);
        natsOptions_Destroy(o);
    }
    drop(reconnected);
}

#[test]
fn client_certificate_and_ca_rotate_under_a_live_tls_connection() {
    rotate(false);
}

#[test]
fn client_certificate_and_ca_rotate_under_a_live_wss_connection() {
    rotate(true);
}

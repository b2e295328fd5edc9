//! TLS through the real connection engine and the C ABI
//! (`natsOptions_*` TLS setters + `natsConnection_Connect`) against real
//! `nats-server`s. Every certificate is generated here, at test time: with
//! rcgen, and with the `openssl` command-line tool where a key format
//! rcgen cannot write is needed (RSA PKCS#1, SEC1, encrypted PKCS#8).
#![allow(clippy::missing_safety_doc)]

mod common;

use common::server::{free_port, Server};
use common::wait_for;
use nats::ffi::conn::*;
use nats::ffi::conn_pub::*;
use nats::ffi::library::*;
use nats::ffi::options::*;
use nats::ffi::options_auth::*;
use nats::ffi::options_tls::*;
use nats::ffi::sub::natsSubscription;
use nats::natsStatus::{self, *};
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, SanType};
use std::ffi::{CStr, CString};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::raw::{c_char, c_int, c_void};
use std::process::Command;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

// ---------- certificates ----------

struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

#[derive(Clone)]
struct Pair {
    cert: String,
    key: String,
}

fn new_ca(name: &str) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name.push(DnType::CommonName, name);
    let cert = p.self_signed(&key).unwrap();
    Ca { cert, key }
}

/// A leaf certificate for `key`, signed by `ca`. `sans` are DNS names or IP
/// addresses (rcgen tells them apart); a client certificate also gets the
/// e-mail SAN `derek@nats.io`.
fn issue_with(ca: &Ca, key: &KeyPair, sans: &[&str], client: bool) -> String {
    let names: Vec<String> = sans.iter().map(|s| s.to_string()).collect();
    let mut p = CertificateParams::new(names).unwrap();
    p.distinguished_name
        .push(DnType::CommonName, if client { "rnats client" } else { "rnats server" });
    if client {
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        p.subject_alt_names
            .push(SanType::Rfc822Name("derek@nats.io".try_into().unwrap()));
    } else {
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    }
    p.signed_by(key, &ca.cert, &ca.key).unwrap().pem()
}

fn issue(ca: &Ca, sans: &[&str], client: bool) -> Pair {
    let key = KeyPair::generate().unwrap();
    Pair {
        cert: issue_with(ca, &key, sans, client),
        key: key.serialize_pem(),
    }
}

/// Runs the `openssl` tool (a dependency of Debian's ca-certificates; only
/// these tests use it, the library never does).
fn openssl(args: &[&str], stdin: Option<&str>) -> String {
    let mut cmd = Command::new("openssl");
    cmd.args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd
        .spawn()
        .expect("the `openssl` command-line tool is needed to write RSA/SEC1 test keys");
    if let Some(s) = stdin {
        child.stdin.as_mut().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

struct Pki {
    dir: tempfile::TempDir,
    ca: Ca,
    other_ca: Ca,
    server: Pair,
    server_noip: Pair,
    client: Pair,
}

impl Pki {
    fn new() -> Pki {
        let ca = new_ca("rnats test CA");
        let other_ca = new_ca("some other CA");
        let server = issue(&ca, &["localhost", "127.0.0.1"], false);
        let server_noip = issue(&ca, &["localhost"], false);
        let client = issue(&ca, &["localhost"], true);
        let pki = Pki {
            dir: tempfile::tempdir().unwrap(),
            ca,
            other_ca,
            server,
            server_noip,
            client,
        };
        pki.write("ca.pem", &pki.ca.cert.pem());
        pki.write("other-ca.pem", &pki.other_ca.cert.pem());
        // Several CAs in one file, the right one last.
        pki.write("cas.pem", &format!("{}{}", pki.other_ca.cert.pem(), pki.ca.cert.pem()));
        pki.write("server-cert.pem", &pki.server.cert);
        pki.write("server-key.pem", &pki.server.key);
        pki.write("server-noip-cert.pem", &pki.server_noip.cert);
        pki.write("server-noip-key.pem", &pki.server_noip.key);
        pki.write("client-cert.pem", &pki.client.cert);
        pki.write("client-key.pem", &pki.client.key);
        pki
    }
    fn p(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }
    fn write(&self, name: &str, data: &str) -> String {
        std::fs::write(self.dir.path().join(name), data).unwrap();
        self.p(name)
    }
}

/// A server `tls { }` block with the given certificate files and extra lines.
fn tls_block(pki: &Pki, cert: &str, key: &str, extra: &str) -> String {
    format!(
        "tls {{\n  cert_file: \"{}\"\n  key_file: \"{}\"\n  timeout: 5\n  {extra}\n}}\n",
        pki.p(cert),
        pki.p(key)
    )
}

fn tls_server(pki: &Pki, extra: &str) -> Server {
    Server::start(&tls_block(pki, "server-cert.pem", "server-key.pem", extra))
}

/// A server that requires and verifies client certificates.
fn mtls_server(pki: &Pki) -> Server {
    tls_server(pki, &format!("ca_file: \"{}\"\n  verify: true", pki.p("ca.pem")))
}

// ---------- C ABI helpers ----------

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

struct Opts(*mut natsOptions);

impl Opts {
    fn new(url: &str) -> Opts {
        let mut o = null_mut();
        assert_eq!(unsafe { natsOptions_Create(&mut o) }, NATS_OK);
        assert_eq!(unsafe { natsOptions_SetURL(o, c(url).as_ptr()) }, NATS_OK);
        // Generous, but bounded: a failing handshake must not hang a test.
        assert_eq!(unsafe { natsOptions_SetTimeout(o, 5_000) }, NATS_OK);
        Opts(o)
    }
    fn ok(&self, s: natsStatus) -> &Opts {
        assert_eq!(s, NATS_OK, "setter failed: {}", last_error());
        self
    }
    fn ca_file(&self, path: &str) -> &Opts {
        self.ok(unsafe { natsOptions_LoadCATrustedCertificates(self.0, c(path).as_ptr()) })
    }
    fn ca_pem(&self, pem: &str) -> &Opts {
        self.ok(unsafe { natsOptions_SetCATrustedCertificates(self.0, c(pem).as_ptr()) })
    }
    fn chain_files(&self, cert: &str, key: &str) -> &Opts {
        self.ok(unsafe { natsOptions_LoadCertificatesChain(self.0, c(cert).as_ptr(), c(key).as_ptr()) })
    }
    fn chain_pem(&self, cert: &str, key: &str) -> &Opts {
        self.ok(unsafe { natsOptions_SetCertificatesChain(self.0, c(cert).as_ptr(), c(key).as_ptr()) })
    }
    fn secure(&self) -> &Opts {
        self.ok(unsafe { natsOptions_SetSecure(self.0, true) })
    }
    fn timeout(&self, ms: i64) -> &Opts {
        self.ok(unsafe { natsOptions_SetTimeout(self.0, ms) })
    }
    /// Connects; returns the connection or the status and last error text.
    fn connect(&self) -> Result<Conn, (natsStatus, String)> {
        let mut nc = null_mut();
        let s = unsafe { natsConnection_Connect(&mut nc, self.0) };
        if s == NATS_OK {
            Ok(Conn(nc))
        } else {
            assert!(nc.is_null());
            Err((s, last_error()))
        }
    }
    fn must_connect(&self) -> Conn {
        self.connect()
            .unwrap_or_else(|(s, t)| panic!("connect failed: {s:?}: {t}"))
    }
    fn must_fail(&self, want: natsStatus, needle: &str) -> String {
        match self.connect() {
            Ok(_) => panic!("connect succeeded, expected {want:?}"),
            Err((s, t)) => {
                assert_eq!(s, want, "status (text: {t})");
                assert!(t.contains(needle), "error text {t:?} does not contain {needle:?}");
                t
            }
        }
    }
}

impl Drop for Opts {
    fn drop(&mut self) {
        unsafe { natsOptions_Destroy(self.0) }
    }
}

struct Conn(*mut natsConnection);

impl Conn {
    /// A publish and a flush (PING/PONG) over the connection.
    fn round_trip(&self) {
        unsafe {
            assert_eq!(
                natsConnection_PublishString(self.0, c("tls.test").as_ptr(), c("hello").as_ptr()),
                NATS_OK
            );
            assert_eq!(
                natsConnection_FlushTimeout(self.0, 5_000),
                NATS_OK,
                "flush: {}",
                last_error()
            );
        }
    }
    fn connected_url(&self) -> String {
        let mut buf = [0 as c_char; 256];
        assert_eq!(
            unsafe { natsConnection_GetConnectedUrl(self.0, buf.as_mut_ptr(), buf.len()) },
            NATS_OK
        );
        unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned()
    }
    fn discovered(&self) -> Vec<String> {
        let mut arr: *mut *mut c_char = null_mut();
        let mut n: c_int = 0;
        assert_eq!(
            unsafe { natsConnection_GetDiscoveredServers(self.0, &mut arr, &mut n) },
            NATS_OK
        );
        let mut out = Vec::new();
        for i in 0..n as usize {
            unsafe {
                let p = *arr.add(i);
                out.push(CStr::from_ptr(p).to_string_lossy().into_owned());
                libc::free(p as *mut c_void);
            }
        }
        if !arr.is_null() {
            unsafe { libc::free(arr as *mut c_void) };
        }
        out
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        unsafe { natsConnection_Destroy(self.0) }
    }
}

fn tls_url(srv: &Server, host: &str) -> String {
    format!("tls://{host}:{}", srv.port())
}

/// The server's `/connz` monitoring page (plain HTTP/1.0 GET).
fn connz(http_port: u16) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", http_port)).unwrap();
    s.write_all(b"GET /connz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

// ---------- server verification ----------

#[test]
fn ca_file_with_several_cas_and_ca_in_memory() {
    let pki = Pki::new();
    let srv = tls_server(&pki, "");
    // CA file holding two CAs (the server's issuer is the second one).
    let o = Opts::new(&tls_url(&srv, "127.0.0.1"));
    o.ca_file(&pki.p("cas.pem"));
    o.must_connect().round_trip();
    // CA given as PEM text.
    let o = Opts::new(&tls_url(&srv, "localhost"));
    o.ca_pem(&pki.ca.cert.pem());
    o.must_connect().round_trip();
    // A directory of CA files.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.pem"), pki.other_ca.cert.pem()).unwrap();
    std::fs::write(dir.path().join("b.pem"), pki.ca.cert.pem()).unwrap();
    std::fs::write(dir.path().join("README"), "not a certificate").unwrap();
    let o = Opts::new(&tls_url(&srv, "127.0.0.1"));
    o.ok(unsafe { natsOptions_LoadCATrustedCertificatesPath(o.0, c(dir.path().to_str().unwrap()).as_ptr()) });
    o.must_connect().round_trip();
}

#[test]
fn untrusted_ca_system_store_and_skip_verification() {
    let pki = Pki::new();
    let srv = tls_server(&pki, "");
    // Only another CA trusted.
    let o = Opts::new(&tls_url(&srv, "127.0.0.1"));
    o.ca_file(&pki.p("other-ca.pem"));
    o.must_fail(NATS_SSL_ERROR, "unknown authority");
    // No CA at all: the system trust store is used, which does not know ours.
    let o = Opts::new(&tls_url(&srv, "127.0.0.1"));
    o.must_fail(NATS_SSL_ERROR, "unknown authority");
    // Skipping verification accepts it.
    let o = Opts::new(&tls_url(&srv, "127.0.0.1"));
    o.ok(unsafe { natsOptions_SkipServerVerification(o.0, true) });
    o.must_connect().round_trip();
}

#[test]
fn hostname_verification_and_expected_hostname() {
    let pki = Pki::new();
    let srv = Server::start(&tls_block(&pki, "server-noip-cert.pem", "server-noip-key.pem", ""));
    // Reached by IP, the certificate has no IP SAN: refused.
    let o = Opts::new(&tls_url(&srv, "127.0.0.1"));
    o.ca_file(&pki.p("ca.pem"));
    o.must_fail(NATS_SSL_ERROR, "not valid for host name '127.0.0.1'");
    // By name it is fine.
    let o = Opts::new(&tls_url(&srv, "localhost"));
    o.ca_file(&pki.p("ca.pem"));
    o.must_connect().round_trip();
    // By IP with the expected hostname set: works.
    let o = Opts::new(&tls_url(&srv, "127.0.0.1"));
    o.ca_file(&pki.p("ca.pem"));
    o.ok(unsafe { natsOptions_SetExpectedHostname(o.0, c("localhost").as_ptr()) });
    o.must_connect().round_trip();
    // A wrong expected hostname fails even by name.
    let o = Opts::new(&tls_url(&srv, "localhost"));
    o.ca_file(&pki.p("ca.pem"));
    o.ok(unsafe { natsOptions_SetExpectedHostname(o.0, c("other.example.com").as_ptr()) });
    o.must_fail(NATS_SSL_ERROR, "other.example.com");
    // The IP SAN of the other certificate is honoured.
    let srv_ip = tls_server(&pki, "");
    let o = Opts::new(&tls_url(&srv_ip, "127.0.0.1"));
    o.ca_file(&pki.p("ca.pem"));
    o.must_connect().round_trip();
}

// ---------- how TLS gets turned on ----------

#[test]
fn tls_scheme_set_secure_and_automatic_upgrade() {
    let pki = Pki::new();
    let srv = tls_server(&pki, "");
    let nats_url = srv.url();
    // nats:// + SetSecure.
    let o = Opts::new(&nats_url);
    o.secure().ca_file(&pki.p("ca.pem"));
    o.must_connect().round_trip();
    // tls:// alone.
    let o = Opts::new(&tls_url(&srv, "127.0.0.1"));
    o.ca_file(&pki.p("ca.pem"));
    o.must_connect().round_trip();
    // nats:// to a server whose INFO says tls_required: upgraded.
    let o = Opts::new(&nats_url);
    o.ca_file(&pki.p("ca.pem"));
    let nc = o.must_connect();
    nc.round_trip();
    // SetSecure(false) forgets the CA: the upgrade then uses the system
    // store and fails verification (TLS is still used, the server wants it).
    let o = Opts::new(&nats_url);
    o.ca_file(&pki.p("ca.pem"));
    o.ok(unsafe { natsOptions_SetSecure(o.0, false) });
    o.must_fail(NATS_SSL_ERROR, "unknown authority");
}

#[test]
fn tls_wanted_but_not_offered() {
    let plain = Server::start_default();
    let o = Opts::new(&plain.url());
    o.secure();
    o.must_fail(NATS_SECURE_CONNECTION_WANTED, "");
    let o = Opts::new(&format!("tls://127.0.0.1:{}", plain.port()));
    o.must_fail(NATS_SECURE_CONNECTION_WANTED, "");
}

/// A fake server: sends `info`, then records everything the client sends
/// until it closes the connection.
fn fake_server(info: &'static str) -> (u16, std::thread::JoinHandle<Vec<u8>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s.write_all(info.as_bytes()).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        got
    });
    (port, h)
}

const INFO_TLS: &str =
    "INFO {\"server_id\":\"fake\",\"version\":\"2.10.0\",\"proto\":1,\"max_payload\":1048576,\"tls_required\":true}\r\n";
const INFO_PLAIN: &str = "INFO {\"server_id\":\"fake\",\"version\":\"2.10.0\",\"proto\":1,\"max_payload\":1048576}\r\n";

#[test]
fn credentials_are_never_sent_before_the_handshake() {
    // The server asks for TLS and then stalls the handshake: the client
    // sends a ClientHello and nothing else, and gives up at its timeout.
    let (port, h) = fake_server(INFO_TLS);
    let o = Opts::new(&format!("nats://alice:s3cr3t-pw@127.0.0.1:{port}"));
    o.timeout(500);
    o.ok(unsafe { natsOptions_SetToken(o.0, c("t0ken-xyz").as_ptr()) });
    let started = Instant::now();
    let (s, t) = o.connect().err().expect("connect must fail");
    assert!(matches!(s, NATS_TIMEOUT | NATS_SSL_ERROR), "{s:?}: {t}");
    assert_eq!(s, NATS_TIMEOUT, "{t}");
    assert_eq!(t, nats::tls::HANDSHAKE_TIMEOUT_TEXT);
    // Bounded by the timeout (very generous margin: not a timing test).
    assert!(started.elapsed() < Duration::from_secs(20));
    let got = h.join().unwrap();
    assert!(
        !got.is_empty() && got[0] == 0x16,
        "first bytes are not a TLS handshake record: {got:?}"
    );
    let text = String::from_utf8_lossy(&got);
    for secret in ["s3cr3t-pw", "alice", "t0ken-xyz", "CONNECT"] {
        assert!(!text.contains(secret), "{secret} sent before the TLS handshake");
    }

    // TLS wanted, not offered: nothing at all is sent.
    let (port, h) = fake_server(INFO_PLAIN);
    let o = Opts::new(&format!("tls://alice:s3cr3t-pw@127.0.0.1:{port}"));
    o.must_fail(NATS_SECURE_CONNECTION_WANTED, "");
    let got = h.join().unwrap();
    assert!(got.is_empty(), "the client sent {:?}", String::from_utf8_lossy(&got));
}

// ---------- client certificates ----------

#[test]
fn mutual_tls_with_file_and_memory_certificates() {
    let pki = Pki::new();
    let srv = mtls_server(&pki);
    let url = tls_url(&srv, "127.0.0.1");
    // Files (the cnats docs' shape).
    let o = Opts::new(&url);
    o.chain_files(&pki.p("client-cert.pem"), &pki.p("client-key.pem"))
        .ca_file(&pki.p("ca.pem"));
    o.must_connect().round_trip();
    // Memory.
    let o = Opts::new(&url);
    o.chain_pem(&pki.client.cert, &pki.client.key)
        .ca_pem(&pki.ca.cert.pem());
    o.must_connect().round_trip();
}

#[test]
fn client_certificate_required_but_not_offered() {
    let pki = Pki::new();
    let srv = mtls_server(&pki);
    let o = Opts::new(&tls_url(&srv, "127.0.0.1"));
    o.ca_file(&pki.p("ca.pem")).timeout(2_000);
    let started = Instant::now();
    let t = o.must_fail(NATS_SSL_ERROR, "certificate");
    assert!(
        t.contains("requires a client certificate") || t.contains("rejected"),
        "{t}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    // A client certificate from an unknown CA is rejected too.
    let stranger = issue(&pki.other_ca, &["localhost"], true);
    let o = Opts::new(&tls_url(&srv, "127.0.0.1"));
    o.ca_file(&pki.p("ca.pem")).chain_pem(&stranger.cert, &stranger.key);
    o.must_fail(NATS_SSL_ERROR, "certificate");
}

#[test]
fn key_formats_pkcs8_pkcs1_sec1_and_encrypted() {
    let pki = Pki::new();
    let srv = mtls_server(&pki);
    let url = tls_url(&srv, "127.0.0.1");

    // EC key in SEC1 ("EC PRIVATE KEY").
    let sec1 = openssl(&["ec"], Some(&pki.client.key));
    assert!(sec1.contains("BEGIN EC PRIVATE KEY"), "{sec1}");
    let o = Opts::new(&url);
    o.ca_file(&pki.p("ca.pem")).chain_pem(&pki.client.cert, &sec1);
    o.must_connect().round_trip();

    // RSA key: generated by openssl, certified by our CA, used as PKCS#1
    // ("RSA PRIVATE KEY") from a file and as PKCS#8 from memory.
    let rsa8 = openssl(
        &["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        None,
    );
    let rsa_key = KeyPair::from_pem(&rsa8).unwrap();
    let rsa_cert = issue_with(&pki.ca, &rsa_key, &["localhost"], true);
    let rsa1 = openssl(&["rsa", "-traditional"], Some(&rsa8));
    assert!(rsa1.contains("BEGIN RSA PRIVATE KEY"), "{rsa1}");
    let cert_file = pki.write("rsa-cert.pem", &rsa_cert);
    let key_file = pki.write("rsa-key-pkcs1.pem", &rsa1);
    let o = Opts::new(&url);
    o.ca_file(&pki.p("ca.pem")).chain_files(&cert_file, &key_file);
    o.must_connect().round_trip();
    let o = Opts::new(&url);
    o.ca_file(&pki.p("ca.pem")).chain_pem(&rsa_cert, &rsa8);
    o.must_connect().round_trip();

    // Encrypted PKCS#8: a clear error from the setter.
    let enc = openssl(
        &["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout", "pass:secret"],
        Some(&pki.client.key),
    );
    assert!(enc.contains("ENCRYPTED PRIVATE KEY"));
    let enc_file = pki.write("client-key-enc.pem", &enc);
    let o = Opts::new(&url);
    let s =
        unsafe { natsOptions_LoadCertificatesChain(o.0, c(&pki.p("client-cert.pem")).as_ptr(), c(&enc_file).as_ptr()) };
    assert_eq!(s, NATS_SSL_ERROR);
    assert!(
        last_error().contains("encrypted private keys are not supported"),
        "{}",
        last_error()
    );
    assert!(last_error().contains("client-key-enc.pem"), "{}", last_error());
    let s = unsafe { natsOptions_SetCertificatesChain(o.0, c(&pki.client.cert).as_ptr(), c(&enc).as_ptr()) };
    assert_eq!(s, NATS_SSL_ERROR);
    assert!(last_error().contains("encrypted"), "{}", last_error());
    // A key that does not belong to the certificate.
    let s = unsafe { natsOptions_SetCertificatesChain(o.0, c(&pki.client.cert).as_ptr(), c(&pki.server.key).as_ptr()) };
    assert_eq!(s, NATS_SSL_ERROR);
    assert!(last_error().contains("does not match"), "{}", last_error());
}

#[test]
fn dynamic_certificate_chain_is_read_at_every_connect() {
    let pki = Pki::new();
    let srv = mtls_server(&pki);
    let cert = pki.write("dyn-cert.pem", &pki.client.cert);
    let key = pki.write("dyn-key.pem", &pki.client.key);
    let o = Opts::new(&tls_url(&srv, "127.0.0.1"));
    o.ca_file(&pki.p("ca.pem"));
    o.ok(unsafe { natsOptions_LoadCertificatesChainDynamic(o.0, c(&cert).as_ptr(), c(&key).as_ptr()) });
    {
        let nc = o.must_connect();
        nc.round_trip();
    }
    // Replace the files with a certificate the server does not trust: the
    // next connection (same options) reads and presents it.
    let stranger = issue(&pki.other_ca, &["localhost"], true);
    std::fs::write(&cert, &stranger.cert).unwrap();
    std::fs::write(&key, &stranger.key).unwrap();
    o.must_fail(NATS_SSL_ERROR, "certificate");
    // Files gone: a clear error naming the file.
    std::fs::remove_file(&cert).unwrap();
    o.must_fail(NATS_SSL_ERROR, "dyn-cert.pem");
}

#[test]
fn verify_and_map_applies_the_certificate_users_permissions() {
    let pki = Pki::new();
    let conf = format!(
        "{}authorization {{\n  users = [\n    {{ user: \"derek@nats.io\", permissions: {{ publish: {{ allow: [\"allowed.>\"] }}, subscribe: {{ allow: [\"_INBOX.>\"] }} }} }}\n  ]\n}}\n",
        tls_block(&pki, "server-cert.pem", "server-key.pem", &format!("ca_file: \"{}\"\n  verify_and_map: true", pki.p("ca.pem")))
    );
    let srv = Server::start(&conf);

    static ERRORS: Mutex<Vec<natsStatus>> = Mutex::new(Vec::new());
    unsafe extern "C" fn on_err(
        _nc: *mut natsConnection,
        _sub: *mut natsSubscription,
        err: natsStatus,
        _c: *mut c_void,
    ) {
        ERRORS.lock().unwrap().push(err);
    }
    let o = Opts::new(&tls_url(&srv, "127.0.0.1"));
    o.ca_file(&pki.p("ca.pem"))
        .chain_files(&pki.p("client-cert.pem"), &pki.p("client-key.pem"));
    o.ok(unsafe { natsOptions_SetErrorHandler(o.0, Some(on_err), null_mut()) });
    let nc = o.must_connect();
    unsafe {
        assert_eq!(
            natsConnection_PublishString(nc.0, c("allowed.x").as_ptr(), c("ok").as_ptr()),
            NATS_OK
        );
        assert_eq!(natsConnection_FlushTimeout(nc.0, 5_000), NATS_OK);
        assert!(ERRORS.lock().unwrap().is_empty());
        assert_eq!(
            natsConnection_PublishString(nc.0, c("denied.x").as_ptr(), c("no").as_ptr()),
            NATS_OK
        );
        let _ = natsConnection_FlushTimeout(nc.0, 5_000);
    }
    assert!(
        wait_for(Duration::from_secs(10), || ERRORS
            .lock()
            .unwrap()
            .contains(&NATS_NOT_PERMITTED)),
        "no NATS_NOT_PERMITTED reported: {:?}",
        ERRORS.lock().unwrap()
    );
    // Without a client certificate the user is unknown.
    let o = Opts::new(&tls_url(&srv, "127.0.0.1"));
    o.ca_file(&pki.p("ca.pem")).timeout(2_000);
    assert!(o.connect().is_err());
}

// ---------- handshake first, ciphers, timeouts ----------

#[test]
fn handshake_first() {
    let pki = Pki::new();
    let srv = tls_server(&pki, "handshake_first: true");
    let o = Opts::new(&tls_url(&srv, "127.0.0.1"));
    o.ca_file(&pki.p("ca.pem"));
    o.ok(unsafe { natsOptions_TLSHandshakeFirst(o.0) });
    o.must_connect().round_trip();
    // nats:// + TLSHandshakeFirst turns TLS on by itself.
    let o = Opts::new(&srv.url());
    o.ca_file(&pki.p("ca.pem"));
    o.ok(unsafe { natsOptions_TLSHandshakeFirst(o.0) });
    o.must_connect().round_trip();
    // Without the option the client waits for an INFO that never comes
    // and fails at its connect timeout.
    let o = Opts::new(&tls_url(&srv, "127.0.0.1"));
    o.ca_file(&pki.p("ca.pem")).timeout(1_000);
    let (s, t) = o.connect().err().expect("connect must fail");
    assert!(
        matches!(s, NATS_NO_SERVER | NATS_TIMEOUT | NATS_SSL_ERROR),
        "{s:?}: {t}"
    );
    // And with the option against a server that sends INFO first: the
    // client sees plain text where a TLS record should be.
    let plain_tls = tls_server(&pki, "");
    let o = Opts::new(&tls_url(&plain_tls, "127.0.0.1"));
    o.ca_file(&pki.p("ca.pem"));
    o.ok(unsafe { natsOptions_TLSHandshakeFirst(o.0) });
    o.must_fail(NATS_SSL_ERROR, "not TLS");
}

#[test]
fn cipher_selection_and_unsupported_names() {
    let pki = Pki::new();
    let http = free_port();
    let conf = format!(
        "http: \"127.0.0.1:{http}\"\n{}",
        tls_block(&pki, "server-cert.pem", "server-key.pem", "cipher_suites: [\"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256\", \"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384\"]")
    );
    let srv = Server::start(&conf);
    let url = tls_url(&srv, "127.0.0.1");

    // TLS 1.2 only, one suite, OpenSSL name.
    let o = Opts::new(&url);
    o.ca_file(&pki.p("ca.pem"));
    o.ok(unsafe { natsOptions_SetCipherSuites(o.0, c("").as_ptr()) });
    o.ok(unsafe { natsOptions_SetCiphers(o.0, c("ECDHE-ECDSA-CHACHA20-POLY1305").as_ptr()) });
    let nc = o.must_connect();
    nc.round_trip();
    let page = connz(http);
    assert!(page.contains("\"tls_version\": \"1.2\""), "{page}");
    assert!(page.contains("CHACHA20"), "{page}");
    drop(nc);
    assert!(wait_for(Duration::from_secs(10), || !connz(http).contains("tls_version")));

    // IANA name for TLS 1.2.
    let o = Opts::new(&url);
    o.ca_file(&pki.p("ca.pem"));
    o.ok(unsafe { natsOptions_SetCipherSuites(o.0, c("").as_ptr()) });
    o.ok(unsafe { natsOptions_SetCiphers(o.0, c("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384").as_ptr()) });
    let nc = o.must_connect();
    let page = connz(http);
    assert!(page.contains("AES_256_GCM"), "{page}");
    drop(nc);
    assert!(wait_for(Duration::from_secs(10), || !connz(http).contains("tls_version")));

    // TLS 1.3 with one suite.
    let o = Opts::new(&url);
    o.ca_file(&pki.p("ca.pem"));
    o.ok(unsafe { natsOptions_SetCipherSuites(o.0, c("TLS_AES_256_GCM_SHA384").as_ptr()) });
    let nc = o.must_connect();
    let page = connz(http);
    assert!(page.contains("\"tls_version\": \"1.3\""), "{page}");
    assert!(page.contains("TLS_AES_256_GCM_SHA384"), "{page}");
    drop(nc);

    // A TLS 1.2 suite the server does not allow: handshake failure.
    let o = Opts::new(&url);
    o.ca_file(&pki.p("ca.pem"));
    o.ok(unsafe { natsOptions_SetCipherSuites(o.0, c("").as_ptr()) });
    o.ok(unsafe { natsOptions_SetCiphers(o.0, c("ECDHE-ECDSA-AES128-GCM-SHA256").as_ptr()) });
    o.must_fail(NATS_SSL_ERROR, "handshake failure");

    // Names rustls does not offer: refused by the setters, naming them.
    let o = Opts::new(&url);
    assert_eq!(
        unsafe { natsOptions_SetCiphers(o.0, c("DES-CBC3-SHA").as_ptr()) },
        NATS_SSL_ERROR
    );
    assert!(last_error().contains("DES-CBC3-SHA"), "{}", last_error());
    assert_eq!(
        unsafe { natsOptions_SetCipherSuites(o.0, c("TLS_AES_128_CCM_SHA256").as_ptr()) },
        NATS_SSL_ERROR
    );
    assert!(last_error().contains("TLS_AES_128_CCM_SHA256"), "{}", last_error());
    assert_eq!(unsafe { natsOptions_SetCiphers(o.0, null_mut()) }, NATS_INVALID_ARG);
}

#[test]
fn stalled_handshake_respects_the_connect_timeout() {
    // A listener that accepts and never says anything: with TLS handshake
    // first, the ClientHello is never answered.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let keep = std::thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        let mut b = [0u8; 1024];
        let _ = (&s).read(&mut b);
        let _ = (&s).read(&mut b);
    });
    let o = Opts::new(&format!("tls://127.0.0.1:{port}"));
    o.timeout(500).ok(unsafe { natsOptions_TLSHandshakeFirst(o.0) });
    o.ok(unsafe { natsOptions_SkipServerVerification(o.0, true) });
    let started = Instant::now();
    let (s, t) = o.connect().err().expect("connect must fail");
    assert_eq!(s, NATS_TIMEOUT, "{t}");
    assert!(started.elapsed() < Duration::from_secs(20));
    drop(o);
    keep.join().unwrap();
}

// ---------- reconnect and discovered servers ----------

#[test]
fn reconnect_over_tls_after_restart_keeps_the_settings() {
    let pki = Pki::new();
    let mut srv = mtls_server(&pki);
    static RECONNECTS: AtomicUsize = AtomicUsize::new(0);
    unsafe extern "C" fn on_reconnect(_nc: *mut natsConnection, _c: *mut c_void) {
        RECONNECTS.fetch_add(1, Ordering::SeqCst);
    }
    // nats:// URL: TLS comes from the server's INFO, the certificate and
    // CA from the options; all must still apply after the restart.
    let o = Opts::new(&srv.url());
    o.ca_file(&pki.p("ca.pem"))
        .chain_files(&pki.p("client-cert.pem"), &pki.p("client-key.pem"));
    o.ok(unsafe { natsOptions_SetReconnectWait(o.0, 50) });
    o.ok(unsafe { natsOptions_SetMaxReconnect(o.0, -1) });
    o.ok(unsafe { natsOptions_SetReconnectedCB(o.0, Some(on_reconnect), null_mut()) });
    let nc = o.must_connect();
    nc.round_trip();
    srv.restart();
    assert!(
        wait_for(Duration::from_secs(20), || RECONNECTS.load(Ordering::SeqCst) >= 1),
        "no reconnect"
    );
    nc.round_trip();
    // The TLS setters refuse changes while the connection uses them.
    assert_eq!(
        unsafe { natsOptions_SkipServerVerification(o.0, true) },
        NATS_ILLEGAL_STATE
    );
}

#[test]
fn discovered_server_known_by_ip_keeps_the_announcing_urls_tls_name() {
    let pki = Pki::new();
    let (ra, rb) = (free_port(), free_port());
    let conf = |listen: u16, peer: u16| {
        format!(
            "{}cluster {{\n  name: tlsc\n  listen: \"127.0.0.1:{listen}\"\n  routes: [\"nats://127.0.0.1:{peer}\"]\n}}\n",
            tls_block(&pki, "server-noip-cert.pem", "server-noip-key.pem", "")
        )
    };
    let mut a = Server::start(&conf(ra, rb));
    let b = Server::start(&conf(rb, ra));
    // B by IP: its certificate has no IP SAN.
    let direct = Opts::new(&tls_url(&b, "127.0.0.1"));
    direct.ca_file(&pki.p("ca.pem"));
    direct.must_fail(NATS_SSL_ERROR, "not valid for host name '127.0.0.1'");

    static RECONNECTS: AtomicUsize = AtomicUsize::new(0);
    unsafe extern "C" fn on_reconnect(_nc: *mut natsConnection, _c: *mut c_void) {
        RECONNECTS.fetch_add(1, Ordering::SeqCst);
    }
    let o = Opts::new(&tls_url(&a, "localhost"));
    o.ca_file(&pki.p("ca.pem"));
    o.ok(unsafe { natsOptions_SetReconnectWait(o.0, 50) });
    o.ok(unsafe { natsOptions_SetReconnectedCB(o.0, Some(on_reconnect), null_mut()) });
    let nc = o.must_connect();
    let b_addr = format!("127.0.0.1:{}", b.port());
    assert!(
        wait_for(Duration::from_secs(20), || nc
            .discovered()
            .iter()
            .any(|u| u.contains(&b_addr))),
        "B never announced: {:?}",
        nc.discovered()
    );
    a.kill();
    assert!(
        wait_for(Duration::from_secs(20), || RECONNECTS.load(Ordering::SeqCst) >= 1),
        "no reconnect"
    );
    assert!(nc.connected_url().contains(&b_addr), "{}", nc.connected_url());
    nc.round_trip();
}

//! `nats::tls` against a real `nats-server` with TLS. Every certificate is
//! generated here, at test time.

use nats::natsStatus;
use nats::tls::{self, TlsOptions, TlsStream};
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, SanType};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

// ---------- certificates ----------

struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

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

fn issue(ca: &Ca, sans: &[&str], client: bool, expired: bool) -> Pair {
    let key = KeyPair::generate().unwrap();
    let names: Vec<String> = sans.iter().map(|s| s.to_string()).collect();
    let mut p = CertificateParams::new(names).unwrap();
    p.distinguished_name.push(DnType::CommonName, "localhost");
    if client {
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        p.subject_alt_names
            .push(SanType::Rfc822Name("derek@nats.io".try_into().unwrap()));
    } else {
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    }
    if expired {
        p.not_before = rcgen::date_time_ymd(2000, 1, 1);
        p.not_after = rcgen::date_time_ymd(2001, 1, 1);
    }
    let cert = p.signed_by(&key, &ca.cert, &ca.key).unwrap();
    Pair {
        cert: cert.pem(),
        key: key.serialize_pem(),
    }
}

struct Pki {
    dir: tempfile::TempDir,
    ca: Ca,
    server: Pair,
    server_noip: Pair,
    server_expired: Pair,
    client: Pair,
}

impl Pki {
    fn new() -> Pki {
        let ca = new_ca("rnats test CA");
        let server = issue(&ca, &["localhost", "127.0.0.1"], false, false);
        let server_noip = issue(&ca, &["localhost"], false, false);
        let server_expired = issue(&ca, &["localhost", "127.0.0.1"], false, true);
        let client = issue(&ca, &["localhost"], true, false);
        let pki = Pki {
            dir: tempfile::tempdir().unwrap(),
            ca,
            server,
            server_noip,
            server_expired,
            client,
        };
        pki.write("ca.pem", &pki.ca.cert.pem());
        pki.write("client-cert.pem", &pki.client.cert);
        pki.write("client-key.pem", &pki.client.key);
        pki
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn p(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_string()
    }
    fn write(&self, name: &str, data: &str) -> String {
        std::fs::write(self.path(name), data).unwrap();
        self.p(name)
    }
}

// ---------- nats-server ----------

fn server_binary() -> PathBuf {
    if let Ok(out) = Command::new("pyenv").args(["which", "nats-server"]).output() {
        if out.status.success() {
            let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !p.is_empty() && Path::new(&p).exists() {
                return PathBuf::from(p);
            }
        }
    }
    PathBuf::from("nats-server")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Default)]
struct ServerTls<'a> {
    pair: Option<&'a Pair>,
    verify: bool,
    handshake_first: bool,
}

fn start_server(pki: &Pki, cfg: ServerTls<'_>) -> Server {
    let port = free_port();
    let pair = cfg.pair.unwrap_or(&pki.server);
    let tag = format!("{port}");
    let cert = pki.write(&format!("server-{tag}.pem"), &pair.cert);
    let key = pki.write(&format!("server-key-{tag}.pem"), &pair.key);
    let mut tls = format!("  cert_file: \"{cert}\"\n  key_file: \"{key}\"\n  timeout: 2\n");
    if cfg.verify {
        tls += &format!("  ca_file: \"{}\"\n  verify: true\n", pki.p("ca.pem"));
    }
    if cfg.handshake_first {
        tls += "  handshake_first: true\n";
    }
    let conf = format!("listen: \"127.0.0.1:{port}\"\ntls {{\n{tls}}}\n");
    let conf_path = pki.write(&format!("server-{tag}.conf"), &conf);
    let child = Command::new(server_binary())
        .args(["-c", &conf_path])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server");
    let server = Server { child, port };
    let until = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "nats-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    server
}

// ---------- client steps ----------

fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(3)
}

/// Reads the plain-text INFO line byte by byte (what follows is TLS).
fn read_info(tcp: &mut TcpStream) -> String {
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut line = Vec::new();
    let mut b = [0u8];
    while !line.ends_with(b"\r\n") {
        assert_eq!(tcp.read(&mut b).unwrap(), 1, "EOF before INFO");
        line.push(b[0]);
    }
    tcp.set_read_timeout(None).unwrap();
    String::from_utf8(line).unwrap()
}

/// Connects, reads INFO, then upgrades to TLS for name `host`.
fn upgrade(port: u16, opts: &TlsOptions, host: &str) -> nats::Result<TlsStream> {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let info = read_info(&mut tcp);
    assert!(
        info.starts_with("INFO ") && info.contains("\"tls_required\":true"),
        "{info}"
    );
    tls::connect(tcp, opts, host, deadline())
}

const CONNECT: &[u8] = b"CONNECT {\"verbose\":false,\"pedantic\":false,\"tls_required\":true,\"name\":\"\",\"lang\":\"C\",\"version\":\"3.14.0\",\"protocol\":1,\"echo\":true,\"headers\":true,\"no_responders\":true}\r\nPING\r\n";

/// Sends CONNECT + PING and waits for PONG; the error text otherwise.
fn ping(s: &TlsStream) -> Result<(), String> {
    s.write_all(CONNECT).map_err(|e| e.to_string())?;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let until = deadline();
    while memchr::memmem::find(&got, b"PONG\r\n").is_none() {
        match s.read_deadline(&mut buf, Some(until)) {
            Ok(0) => return Err(format!("connection closed; got {:?}", String::from_utf8_lossy(&got))),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(())
}

fn ca_opts(pki: &Pki) -> TlsOptions {
    let mut o = TlsOptions::default();
    o.load_ca_file(&pki.p("ca.pem")).unwrap();
    o
}

fn expect_ssl_err(r: nats::Result<TlsStream>, needle: &str) {
    match r {
        Ok(_) => panic!("handshake succeeded; expected an error containing {needle:?}"),
        Err(e) => {
            assert_eq!(e.status, natsStatus::NATS_SSL_ERROR, "{}", e.text);
            eprintln!("error text: {}", e.text);
            assert!(e.text.contains(needle), "{:?} does not contain {needle:?}", e.text);
        }
    }
}

// ---------- tests ----------

#[test]
fn ca_file_and_ca_in_memory() {
    let pki = Pki::new();
    let srv = start_server(&pki, ServerTls::default());
    let s = upgrade(srv.port, &ca_opts(&pki), "localhost").unwrap();
    ping(&s).unwrap();
    s.shutdown();

    let mut o = TlsOptions::default();
    o.add_ca_pem(pki.ca.cert.pem().as_bytes()).unwrap();
    let s = upgrade(srv.port, &o, "127.0.0.1").unwrap();
    ping(&s).unwrap();

    // CA directory.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.pem"), pki.ca.cert.pem()).unwrap();
    std::fs::write(dir.path().join("readme.txt"), "not a cert").unwrap();
    let mut o = TlsOptions::default();
    o.load_ca_dir(dir.path().to_str().unwrap()).unwrap();
    ping(&upgrade(srv.port, &o, "localhost").unwrap()).unwrap();
}

#[test]
fn untrusted_ca_and_system_store_fail() {
    let pki = Pki::new();
    let srv = start_server(&pki, ServerTls::default());
    let other = new_ca("someone else");
    let mut o = TlsOptions::default();
    o.add_ca_pem(other.cert.pem().as_bytes()).unwrap();
    expect_ssl_err(upgrade(srv.port, &o, "localhost"), "unknown authority");
    // No CA given: the system store does not know our test CA either.
    expect_ssl_err(
        upgrade(srv.port, &TlsOptions::default(), "localhost"),
        "unknown authority",
    );
}

#[test]
fn hostname_verification() {
    let pki = Pki::new();
    let srv = start_server(
        &pki,
        ServerTls {
            pair: Some(&pki.server_noip),
            ..Default::default()
        },
    );
    let mut o = ca_opts(&pki);
    expect_ssl_err(
        upgrade(srv.port, &o, "127.0.0.1"),
        "not valid for host name '127.0.0.1'",
    );
    o.expected_hostname = Some("foo".into());
    expect_ssl_err(upgrade(srv.port, &o, "127.0.0.1"), "not valid for host name 'foo'");
    o.expected_hostname = Some("localhost".into());
    ping(&upgrade(srv.port, &o, "127.0.0.1").unwrap()).unwrap();
}

#[test]
fn expired_certificate_and_skip_verify() {
    let pki = Pki::new();
    let srv = start_server(
        &pki,
        ServerTls {
            pair: Some(&pki.server_expired),
            ..Default::default()
        },
    );
    expect_ssl_err(upgrade(srv.port, &ca_opts(&pki), "localhost"), "expired");
    let mut o = TlsOptions::default();
    o.skip_verify = true;
    ping(&upgrade(srv.port, &o, "127.0.0.1").unwrap()).unwrap();
}

#[test]
fn mutual_tls() {
    let pki = Pki::new();
    let srv = start_server(
        &pki,
        ServerTls {
            verify: true,
            ..Default::default()
        },
    );

    // No client certificate: refused (TLS 1.3 reports it after the
    // client's side of the handshake, at the first read).
    let started = Instant::now();
    let err = match upgrade(srv.port, &ca_opts(&pki), "localhost") {
        Err(e) => e.text,
        Ok(s) => ping(&s).unwrap_err(),
    };
    eprintln!("error text: {err}");
    assert!(err.contains("client certificate"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));

    // From files.
    let mut o = ca_opts(&pki);
    o.load_client_cert_files(&pki.p("client-cert.pem"), &pki.p("client-key.pem"))
        .unwrap();
    ping(&upgrade(srv.port, &o, "localhost").unwrap()).unwrap();

    // From memory.
    let mut o = ca_opts(&pki);
    o.set_client_cert_pem(pki.client.cert.as_bytes(), pki.client.key.as_bytes())
        .unwrap();
    ping(&upgrade(srv.port, &o, "localhost").unwrap()).unwrap();

    // Dynamic: the files are read at every connect.
    let cert = pki.write("dyn-cert.pem", &pki.client.cert);
    let key = pki.write("dyn-key.pem", &pki.client.key);
    let mut o = ca_opts(&pki);
    o.set_client_cert_dynamic(&cert, &key);
    ping(&upgrade(srv.port, &o, "localhost").unwrap()).unwrap();
    let rogue = issue(&new_ca("rogue"), &["localhost"], true, false);
    pki.write("dyn-cert.pem", &rogue.cert);
    pki.write("dyn-key.pem", &rogue.key);
    let err = match upgrade(srv.port, &o, "localhost") {
        Err(e) => e.text,
        Ok(s) => ping(&s).unwrap_err(),
    };
    eprintln!("error text: {err}");
    assert!(err.contains("rejected the client certificate"), "{err}");
}

#[test]
fn handshake_first() {
    let pki = Pki::new();
    let srv = start_server(
        &pki,
        ServerTls {
            handshake_first: true,
            ..Default::default()
        },
    );
    let mut o = ca_opts(&pki);
    o.handshake_first = true;
    let tcp = TcpStream::connect(("127.0.0.1", srv.port)).unwrap();
    let s = tls::connect(tcp, &o, "localhost", deadline()).unwrap();
    // INFO now comes over TLS.
    let mut buf = [0u8; 5];
    let mut got = 0;
    while got < 5 {
        let n = s.read(&mut buf[got..]).unwrap();
        assert!(n > 0);
        got += n;
    }
    assert_eq!(&buf, b"INFO ");
    ping(&s).unwrap();

    // TLS first against a server that sends INFO first: a clear error.
    let plain = start_server(&pki, ServerTls::default());
    let tcp = TcpStream::connect(("127.0.0.1", plain.port)).unwrap();
    expect_ssl_err(tls::connect(tcp, &o, "localhost", deadline()), "not TLS");
}

#[test]
fn cipher_selection() {
    let pki = Pki::new();
    let srv = start_server(&pki, ServerTls::default());

    let mut o = ca_opts(&pki);
    o.set_cipher_suites("TLS_CHACHA20_POLY1305_SHA256").unwrap();
    let s = upgrade(srv.port, &o, "localhost").unwrap();
    assert_eq!(s.cipher_suite().as_deref(), Some("TLS13_CHACHA20_POLY1305_SHA256"));
    ping(&s).unwrap();

    // TLS 1.2 only, one suite (the test certificates are ECDSA).
    let mut o = ca_opts(&pki);
    o.set_cipher_suites("").unwrap();
    o.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256").unwrap();
    let s = upgrade(srv.port, &o, "localhost").unwrap();
    assert_eq!(s.protocol_version().as_deref(), Some("TLSv1_2"));
    assert_eq!(
        s.cipher_suite().as_deref(),
        Some("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")
    );
    ping(&s).unwrap();

    // Only RSA suites against an ECDSA certificate: no common suite.
    let mut o = ca_opts(&pki);
    o.set_cipher_suites("").unwrap();
    o.set_ciphers("HIGH:!aECDSA").unwrap();
    expect_ssl_err(upgrade(srv.port, &o, "localhost"), "handshake failure");

    let mut o = TlsOptions::default();
    let e = o
        .set_ciphers("ECDHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-SHA")
        .unwrap_err();
    assert_eq!(e.status, natsStatus::NATS_SSL_ERROR);
    assert!(e.text.contains("DHE-RSA-AES256-SHA"), "{}", e.text);
    let e = o.set_cipher_suites("TLS_AES_128_CCM_SHA256").unwrap_err();
    assert_eq!(e.status, natsStatus::NATS_SSL_ERROR);
    assert!(e.text.contains("TLS_AES_128_CCM_SHA256"), "{}", e.text);
}

#[test]
fn stalled_handshake_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = std::thread::spawn(move || {
        let (sock, _) = listener.accept().unwrap();
        std::thread::sleep(Duration::from_secs(3));
        drop(sock);
    });
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut o = TlsOptions::default();
    o.skip_verify = true;
    let started = Instant::now();
    let wait = Duration::from_millis(300);
    let err = tls::connect(tcp, &o, "localhost", started + wait)
        .err()
        .expect("must fail");
    assert_eq!(err.status, natsStatus::NATS_TIMEOUT, "{}", err.text);
    assert!(started.elapsed() >= wait);
    assert!(
        started.elapsed() < wait + Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    holder.join().unwrap();
}

#[test]
fn reader_and_writer_threads_share_the_stream() {
    let pki = Pki::new();
    let srv = start_server(&pki, ServerTls::default());
    let s = Arc::new(upgrade(srv.port, &ca_opts(&pki), "localhost").unwrap());
    ping(&s).unwrap();
    s.write_all(b"SUB foo 1\r\nPING\r\n").unwrap();

    const N: usize = 20_000;
    let payload = vec![b'x'; 200];
    let mut msg = format!("PUB foo {}\r\n", payload.len()).into_bytes();
    msg.extend_from_slice(&payload);
    msg.extend_from_slice(b"\r\n");
    let mut expect = format!("MSG foo 1 {}\r\n", payload.len()).into_bytes();
    expect.extend_from_slice(&payload);
    expect.extend_from_slice(b"\r\n");

    let reader = {
        let s = s.clone();
        std::thread::spawn(move || recount(&s, &expect, N, Instant::now() + Duration::from_secs(30)))
    };
    for chunk in 0..N / 100 {
        let mut batch = Vec::with_capacity(msg.len() * 100);
        for _ in 0..100 {
            batch.extend_from_slice(&msg);
        }
        s.write_all(&batch).unwrap_or_else(|e| panic!("write {chunk}: {e}"));
    }
    assert_eq!(reader.join().unwrap(), N);

    // shutdown() wakes a blocked reader.
    let r = {
        let s = s.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 64];
            loop {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
            }
        })
    };
    std::thread::sleep(Duration::from_millis(100));
    s.shutdown();
    r.join().unwrap();
}

/// Reads until `want` copies of `expect` have arrived (or EOF); returns
/// how many did.
fn recount(s: &TlsStream, expect: &[u8], want: usize, until: Instant) -> usize {
    let mut got = Vec::new();
    let mut buf = vec![0u8; 32 * 1024];
    let mut done = 0;
    loop {
        let last = memchr::memmem::rfind(&got, expect)
            .map(|i| i + expect.len())
            .unwrap_or(0);
        done += memchr::memmem::find_iter(&got[..last], expect).count();
        got.drain(..last);
        if done >= want {
            return done;
        }
        match s.read_deadline(&mut buf, Some(until)) {
            Ok(0) => return done,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => panic!("read: {e}"),
        }
    }
}

#[test]
fn write_deadline_when_peer_does_not_read() {
    let pki = Pki::new();
    // A TLS peer that completes the handshake, then never reads.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let srv_cert = CertificateDer::from_pem_slice(pki.server.cert.as_bytes()).unwrap();
    let srv_key = PrivateKeyDer::from_pem_slice(pki.server.key.as_bytes()).unwrap();
    let cfg = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![srv_cert], srv_key)
            .unwrap(),
    );
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    let peer = std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        let mut conn = rustls::ServerConnection::new(cfg).unwrap();
        while conn.is_handshaking() {
            conn.complete_io(&mut sock).unwrap();
        }
        let _ = stop_rx.recv();
    });
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let s = tls::connect(tcp, &ca_opts(&pki), "localhost", deadline()).unwrap();
    s.set_write_deadline(Some(Duration::from_millis(300)));
    let chunk = vec![0u8; 256 * 1024];
    let started = Instant::now();
    let err = loop {
        if let Err(e) = s.write_all(&chunk) {
            break e;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "write never blocked");
    };
    assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
    stop_tx.send(()).unwrap();
    peer.join().unwrap();
}

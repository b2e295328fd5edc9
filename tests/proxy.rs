//! `natsOptions_SetProxyConnHandler` through the C ABI and the real
//! connection engine, against real `nats-server`s reached only through a
//! small SOCKS5 proxy written here (RFC 1928, CONNECT only, no
//! authentication). The servers are named by a host name that only the
//! proxy knows (`nats.behind-proxy.invalid`), so a connection that does
//! not go through the handler and the proxy cannot reach them. The proxy
//! counts its connections and keeps the bytes it carried towards the
//! server, so the tests can tell that it carried the traffic (and that TLS
//! traffic was encrypted on that path). Certificates are generated here,
//! at test time, with rcgen.
#![allow(clippy::missing_safety_doc)]

mod common;

use common::server::Server;
use common::wait_for;
use nats::ffi::callbacks::natsSock;
use nats::ffi::conn::*;
use nats::ffi::conn_pub::*;
use nats::ffi::conn_sub::*;
use nats::ffi::library::*;
use nats::ffi::msg::*;
use nats::ffi::options::*;
use nats::ffi::options_events::natsOptions_SetProxyConnHandler;
use nats::ffi::options_tls::*;
use nats::ffi::sub::*;
use nats::natsStatus::{self, *};
use std::ffi::{CStr, CString};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::IntoRawFd;
use std::os::raw::{c_char, c_int, c_void};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The name the servers are known by: resolvable by the proxy only.
const HIDDEN_HOST: &str = "nats.behind-proxy.invalid";

// ---------- the SOCKS5 proxy ----------

#[derive(Default)]
struct ProxyStats {
    /// Client connections accepted.
    accepted: AtomicUsize,
    /// Targets asked for (host, port), in order.
    targets: Mutex<Vec<(String, u16)>>,
    /// Every byte carried from clients to servers.
    upstream: Mutex<Vec<u8>>,
    /// Bytes carried from servers to clients.
    downstream: AtomicUsize,
}

struct Socks5 {
    port: u16,
    stats: Arc<ProxyStats>,
}

impl Socks5 {
    fn start() -> Socks5 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let stats = Arc::new(ProxyStats::default());
        let st = stats.clone();
        std::thread::spawn(move || {
            for c in l.incoming() {
                let Ok(c) = c else { continue };
                st.accepted.fetch_add(1, Ordering::SeqCst);
                let st = st.clone();
                std::thread::spawn(move || {
                    let _ = serve(c, &st);
                });
            }
        });
        Socks5 { port, stats }
    }
    fn accepted(&self) -> usize {
        self.stats.accepted.load(Ordering::SeqCst)
    }
    fn targets(&self) -> Vec<(String, u16)> {
        self.stats.targets.lock().unwrap().clone()
    }
    fn upstream_contains(&self, needle: &[u8]) -> bool {
        self.stats
            .upstream
            .lock()
            .unwrap()
            .windows(needle.len())
            .any(|w| w == needle)
    }
}

/// One client: greeting, CONNECT request, then relaying both ways.
fn serve(mut c: TcpStream, st: &Arc<ProxyStats>) -> std::io::Result<()> {
    let mut hdr = [0u8; 2];
    c.read_exact(&mut hdr)?;
    let mut methods = vec![0u8; hdr[1] as usize];
    c.read_exact(&mut methods)?;
    if hdr[0] != 5 || !methods.contains(&0) {
        c.write_all(&[5, 0xff])?;
        return Ok(());
    }
    c.write_all(&[5, 0])?;
    let mut req = [0u8; 4];
    c.read_exact(&mut req)?;
    let host = match req[3] {
        1 => {
            let mut a = [0u8; 4];
            c.read_exact(&mut a)?;
            std::net::Ipv4Addr::from(a).to_string()
        }
        3 => {
            let mut n = [0u8; 1];
            c.read_exact(&mut n)?;
            let mut name = vec![0u8; n[0] as usize];
            c.read_exact(&mut name)?;
            String::from_utf8_lossy(&name).into_owned()
        }
        _ => {
            c.write_all(&[5, 8, 0, 1, 0, 0, 0, 0, 0, 0])?;
            return Ok(());
        }
    };
    let mut p = [0u8; 2];
    c.read_exact(&mut p)?;
    let port = u16::from_be_bytes(p);
    st.targets.lock().unwrap().push((host.clone(), port));
    let addr = if host == HIDDEN_HOST {
        "127.0.0.1".to_string()
    } else {
        host
    };
    let s = match TcpStream::connect((addr.as_str(), port)) {
        Ok(s) => s,
        Err(_) => {
            // 5: connection refused.
            c.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0])?;
            return Ok(());
        }
    };
    c.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0])?;
    let (c2, s2) = (c.try_clone()?, s.try_clone()?);
    let st2 = st.clone();
    let up = std::thread::spawn(move || relay(c2, s2, |b| st2.upstream.lock().unwrap().extend_from_slice(b)));
    let st3 = st.clone();
    relay(s, c, |b| {
        st3.downstream.fetch_add(b.len(), Ordering::SeqCst);
    });
    let _ = up.join();
    Ok(())
}

/// Copies `from` to `to` until either side ends, then closes both (so
/// the other direction ends too).
fn relay(mut from: TcpStream, mut to: TcpStream, mut seen: impl FnMut(&[u8])) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                seen(&buf[..n]);
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}

// ---------- the program's proxy connection handler ----------

/// What the handler is given as its closure.
#[derive(Default)]
struct HandlerCtx {
    proxy_port: u16,
    /// (host, port) of every call.
    calls: Mutex<Vec<(String, c_int)>>,
    /// When not NATS_OK: returned instead of connecting.
    fail_with: AtomicI32,
    /// With `fail_with`: leave this connected socket in `*fd` anyway (the
    /// library must close it).
    leave_socket: Mutex<Option<TcpStream>>,
    /// Return NATS_OK without writing a socket.
    ok_without_socket: std::sync::atomic::AtomicBool,
}

/// Connects to the SOCKS5 proxy and asks it for `host:port`.
fn socks5_connect(proxy_port: u16, host: &str, port: u16) -> std::io::Result<TcpStream> {
    let mut s = TcpStream::connect(("127.0.0.1", proxy_port))?;
    // A proxy that does not answer fails this attempt instead of holding
    // the reconnect thread (the library clears the timeout it is handed).
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    s.write_all(&[5, 1, 0])?;
    let mut r = [0u8; 2];
    s.read_exact(&mut r)?;
    if r != [5, 0] {
        return Err(std::io::Error::other("no acceptable method"));
    }
    let mut req = vec![5, 1, 0, 3, host.len() as u8];
    req.extend_from_slice(host.as_bytes());
    req.extend_from_slice(&port.to_be_bytes());
    s.write_all(&req)?;
    let mut rep = [0u8; 10];
    s.read_exact(&mut rep)?;
    if rep[1] != 0 {
        return Err(std::io::Error::other(format!("SOCKS5 reply {}", rep[1])));
    }
    Ok(s)
}

unsafe extern "C" fn proxy_handler(
    fd: *mut natsSock,
    host: *mut c_char,
    port: c_int,
    closure: *mut c_void,
) -> natsStatus {
    let ctx = unsafe { &*(closure as *const HandlerCtx) };
    let host = unsafe { CStr::from_ptr(host) }.to_string_lossy().into_owned();
    ctx.calls.lock().unwrap().push((host.clone(), port));
    let fail = ctx.fail_with.load(Ordering::SeqCst);
    if fail != NATS_OK as i32 {
        if let Some(s) = ctx.leave_socket.lock().unwrap().take() {
            unsafe { *fd = s.into_raw_fd() };
        }
        return natsStatus::from_raw(fail);
    }
    if ctx.ok_without_socket.load(Ordering::SeqCst) {
        return NATS_OK;
    }
    match socks5_connect(ctx.proxy_port, &host, port as u16) {
        Ok(s) => {
            // Handed over non-blocking, as many proxy libraries return
            // their sockets: the library must cope.
            s.set_nonblocking(true).unwrap();
            unsafe { *fd = s.into_raw_fd() };
            NATS_OK
        }
        Err(_) => NATS_ERR,
    }
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
        assert_eq!(unsafe { natsOptions_SetTimeout(o, 5_000) }, NATS_OK);
        Opts(o)
    }
    fn with_handler(&self, ctx: &Arc<HandlerCtx>) -> &Opts {
        let s =
            unsafe { natsOptions_SetProxyConnHandler(self.0, Some(proxy_handler), Arc::as_ptr(ctx) as *mut c_void) };
        assert_eq!(s, NATS_OK);
        self
    }
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
}

impl Drop for Opts {
    fn drop(&mut self) {
        unsafe { natsOptions_Destroy(self.0) }
    }
}

struct Conn(*mut natsConnection);

impl Conn {
    fn publish(&self, subj: &str, data: &str) {
        assert_eq!(
            unsafe { natsConnection_PublishString(self.0, c(subj).as_ptr(), c(data).as_ptr()) },
            NATS_OK
        );
        assert_eq!(
            unsafe { natsConnection_FlushTimeout(self.0, 5_000) },
            NATS_OK,
            "{}",
            last_error()
        );
    }
    fn sub_sync(&self, subj: &str) -> Sub {
        let mut s = null_mut();
        assert_eq!(
            unsafe { natsConnection_SubscribeSync(&mut s, self.0, c(subj).as_ptr()) },
            NATS_OK
        );
        assert_eq!(unsafe { natsConnection_FlushTimeout(self.0, 5_000) }, NATS_OK);
        Sub(s)
    }
    fn request(&self, subj: &str, data: &str) -> String {
        let mut m = null_mut();
        let s = unsafe { natsConnection_RequestString(&mut m, self.0, c(subj).as_ptr(), c(data).as_ptr(), 5_000) };
        assert_eq!(s, NATS_OK, "request: {}", last_error());
        take_data(m)
    }
    fn connected_url(&self) -> String {
        let mut buf = [0 as c_char; 256];
        assert_eq!(
            unsafe { natsConnection_GetConnectedUrl(self.0, buf.as_mut_ptr(), buf.len()) },
            NATS_OK
        );
        unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned()
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        unsafe { natsConnection_Destroy(self.0) }
    }
}

struct Sub(*mut natsSubscription);

impl Sub {
    fn next(&self) -> String {
        let mut m = null_mut();
        let s = unsafe { natsSubscription_NextMsg(&mut m, self.0, 5_000) };
        assert_eq!(s, NATS_OK, "next message: {}", last_error());
        take_data(m)
    }
}

impl Drop for Sub {
    fn drop(&mut self) {
        unsafe { natsSubscription_Destroy(self.0) }
    }
}

fn take_data(m: *mut natsMsg) -> String {
    let d = unsafe { CStr::from_ptr(natsMsg_GetData(m)) }
        .to_string_lossy()
        .into_owned();
    unsafe { natsMsg_Destroy(m) };
    d
}

/// Answers every request on `subj` with "re:" + the request's data.
unsafe extern "C" fn echo(nc: *mut natsConnection, _s: *mut natsSubscription, m: *mut natsMsg, _c: *mut c_void) {
    unsafe {
        let data = CStr::from_ptr(natsMsg_GetData(m)).to_string_lossy().into_owned();
        let reply = natsMsg_GetReply(m);
        natsConnection_PublishString(nc, reply, c(&format!("re:{data}")).as_ptr());
        natsMsg_Destroy(m);
    }
}

fn handler_ctx(proxy: &Socks5) -> Arc<HandlerCtx> {
    Arc::new(HandlerCtx {
        proxy_port: proxy.port,
        fail_with: AtomicI32::new(NATS_OK as i32),
        ..Default::default()
    })
}

fn hidden_url(scheme: &str, srv: &Server) -> String {
    format!("{scheme}://{HIDDEN_HOST}:{}", srv.port())
}

// ---------- tests ----------

#[test]
fn pub_sub_and_request_through_a_socks5_proxy() {
    let srv = Server::start_default();
    let proxy = Socks5::start();
    let o = Opts::new(&hidden_url("nats", &srv));
    // Without the handler, the server cannot be reached by that name.
    let (s, _) = o
        .connect()
        .err()
        .expect("the hidden host must not be reachable directly");
    assert_eq!(s, NATS_NO_SERVER);
    assert_eq!(proxy.accepted(), 0);

    let ctx = handler_ctx(&proxy);
    o.with_handler(&ctx);
    let nc = o.must_connect();
    assert_eq!(
        *ctx.calls.lock().unwrap(),
        vec![(HIDDEN_HOST.to_string(), srv.port() as c_int)]
    );
    assert_eq!(proxy.accepted(), 1);
    assert_eq!(proxy.targets(), vec![(HIDDEN_HOST.to_string(), srv.port())]);
    assert_eq!(nc.connected_url(), hidden_url("nats", &srv));

    // A responder connected directly to the server.
    let direct = Opts::new(&srv.url()).must_connect();
    let mut rs = null_mut();
    assert_eq!(
        unsafe { natsConnection_Subscribe(&mut rs, direct.0, c("svc.echo").as_ptr(), Some(echo), null_mut()) },
        NATS_OK
    );
    assert_eq!(unsafe { natsConnection_FlushTimeout(direct.0, 5_000) }, NATS_OK);
    let responder = Sub(rs);

    let sub = nc.sub_sync("proxied.>");
    nc.publish("proxied.one", "payload-through-the-proxy");
    assert_eq!(sub.next(), "payload-through-the-proxy");
    let from_direct = direct.sub_sync("proxied.>");
    nc.publish("proxied.two", "seen-by-the-direct-client");
    assert_eq!(from_direct.next(), "seen-by-the-direct-client");
    assert_eq!(sub.next(), "seen-by-the-direct-client");
    assert_eq!(nc.request("svc.echo", "ping-via-proxy"), "re:ping-via-proxy");

    // The proxy carried it: the protocol in clear, and the replies back.
    assert!(proxy.upstream_contains(b"CONNECT {"));
    assert!(proxy.upstream_contains(b"payload-through-the-proxy"));
    assert!(proxy.upstream_contains(b"ping-via-proxy"));
    assert!(proxy.stats.downstream.load(Ordering::SeqCst) > 0);
    assert_eq!(proxy.accepted(), 1, "one socket for the whole session");
    drop(responder);
}

#[test]
fn tls_through_the_proxy() {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "rnats proxy test CA");
    let ca = ca_params.clone().self_signed(&ca_key).unwrap();
    // The server's certificate names the hidden host only: verification
    // (and SNI) use the URL's host, not the proxy's address.
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec![HIDDEN_HOST.to_string()])
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert_p, key_p) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_p, cert.pem()).unwrap();
    std::fs::write(&key_p, key.serialize_pem()).unwrap();
    let srv = Server::start(&format!(
        "tls {{\n  cert_file: \"{}\"\n  key_file: \"{}\"\n  timeout: 5\n}}\n",
        cert_p.display(),
        key_p.display()
    ));
    let proxy = Socks5::start();
    let ctx = handler_ctx(&proxy);

    for (n, url) in [hidden_url("tls", &srv), hidden_url("nats", &srv)].iter().enumerate() {
        let o = Opts::new(url);
        o.with_handler(&ctx);
        assert_eq!(
            unsafe { natsOptions_SetCATrustedCertificates(o.0, c(&ca.pem()).as_ptr()) },
            NATS_OK
        );
        if n == 1 {
            // nats:// with natsOptions_SetSecure.
            assert_eq!(unsafe { natsOptions_SetSecure(o.0, true) }, NATS_OK);
            assert_eq!(
                unsafe { natsOptions_SetCATrustedCertificates(o.0, c(&ca.pem()).as_ptr()) },
                NATS_OK
            );
        }
        let nc = o.must_connect();
        let sub = nc.sub_sync("secret.>");
        nc.publish("secret.x", "tls-secret-payload");
        assert_eq!(sub.next(), "tls-secret-payload");
        assert_eq!(proxy.accepted(), n + 1);
    }
    assert_eq!(ctx.calls.lock().unwrap().len(), 2);
    // The proxy carried bytes, but never the payload or CONNECT in clear.
    assert!(!proxy.stats.upstream.lock().unwrap().is_empty());
    assert!(!proxy.upstream_contains(b"tls-secret-payload"));
    assert!(!proxy.upstream_contains(b"CONNECT {"));

    // A CA that did not sign the server's certificate: the TLS handshake
    // over the proxied socket fails.
    let other_key = rcgen::KeyPair::generate().unwrap();
    let other = ca_params.self_signed(&other_key).unwrap();
    let o = Opts::new(&hidden_url("tls", &srv));
    o.with_handler(&ctx);
    assert_eq!(
        unsafe { natsOptions_SetCATrustedCertificates(o.0, c(&other.pem()).as_ptr()) },
        NATS_OK
    );
    let (s, text) = o.connect().err().expect("an untrusted server certificate must fail");
    assert_eq!(s, NATS_SSL_ERROR, "{text}");
}

static RECONNECTED: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn on_reconnected(_nc: *mut natsConnection, _c: *mut c_void) {
    RECONNECTED.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn reconnect_through_the_proxy_after_a_server_restart() {
    let mut srv = Server::start_default();
    let proxy = Socks5::start();
    let ctx = handler_ctx(&proxy);
    let o = Opts::new(&hidden_url("nats", &srv));
    o.with_handler(&ctx);
    unsafe {
        assert_eq!(natsOptions_SetReconnectWait(o.0, 100), NATS_OK);
        assert_eq!(natsOptions_SetMaxReconnect(o.0, -1), NATS_OK);
        assert_eq!(
            natsOptions_SetReconnectedCB(o.0, Some(on_reconnected), null_mut()),
            NATS_OK
        );
    }
    let nc = o.must_connect();
    let sub = nc.sub_sync("after.restart");
    nc.publish("after.restart", "before");
    assert_eq!(sub.next(), "before");
    assert_eq!(ctx.calls.lock().unwrap().len(), 1);

    srv.restart();
    assert!(
        wait_for(Duration::from_secs(20), || RECONNECTED.load(Ordering::SeqCst) >= 1),
        "no reconnect through the proxy"
    );
    // The handler was called again (once per attempt, each with the
    // server's host and port), and the proxy carried a new connection.
    let calls = ctx.calls.lock().unwrap().clone();
    assert!(calls.len() >= 2, "{calls:?}");
    assert!(
        calls.iter().all(|(h, p)| h == HIDDEN_HOST && *p == srv.port() as c_int),
        "{calls:?}"
    );
    assert!(proxy.accepted() >= 2);
    // The subscription was sent again over the new proxied socket.
    nc.publish("after.restart", "after");
    assert_eq!(sub.next(), "after");
    assert!(proxy.upstream_contains(b"after"));
    assert!(!unsafe { natsConnection_IsClosed(nc.0) });
}

#[test]
fn handler_failures_fail_the_connect_with_a_clear_error() {
    let srv = Server::start_default();
    let proxy = Socks5::start();
    let ctx = handler_ctx(&proxy);
    let o = Opts::new(&hidden_url("nats", &srv));
    o.with_handler(&ctx);

    // The handler fails and leaves a connected socket behind: the connect
    // fails as cnats' does (NATS_NO_SERVER), the text names the handler's
    // status, and the library closes that socket.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let left = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (mut peer, _) = l.accept().unwrap();
    *ctx.leave_socket.lock().unwrap() = Some(left);
    ctx.fail_with.store(NATS_NOT_PERMITTED as i32, Ordering::SeqCst);
    let (s, text) = o.connect().err().expect("a failing handler must fail the connect");
    assert_eq!(s, NATS_NO_SERVER);
    assert!(text.contains("NATS_NOT_PERMITTED"), "{text}");
    assert!(text.contains(&format!("{HIDDEN_HOST}:{}", srv.port())), "{text}");
    peer.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(
        peer.read(&mut [0u8; 8]).unwrap(),
        0,
        "the socket left behind must be closed"
    );

    // An out-of-range status from the handler is an error too.
    ctx.fail_with.store(12345, Ordering::SeqCst);
    let (s, text) = o.connect().err().unwrap();
    assert_eq!(s, NATS_NO_SERVER);
    assert!(text.contains("NATS_ERR"), "{text}");

    // NATS_OK without a socket.
    ctx.fail_with.store(NATS_OK as i32, Ordering::SeqCst);
    ctx.ok_without_socket.store(true, Ordering::SeqCst);
    let (s, text) = o.connect().err().unwrap();
    assert_eq!(s, NATS_NO_SERVER);
    assert!(text.contains("without a socket"), "{text}");
    ctx.ok_without_socket.store(false, Ordering::SeqCst);

    // The proxy cannot reach the server (stopped): the handler's
    // NATS_ERR fails the connect.
    let o2 = Opts::new(&format!("nats://{HIDDEN_HOST}:{}", common::free_port()));
    o2.with_handler(&ctx);
    let (s, text) = o2.connect().err().unwrap();
    assert_eq!(s, NATS_NO_SERVER);
    assert!(text.contains("NATS_ERR"), "{text}");
    assert_eq!(ctx.calls.lock().unwrap().len(), 4);

    // Works again once the handler behaves; NULL removes the handler.
    o.must_connect().publish("x", "y");
    assert_eq!(
        unsafe { natsOptions_SetProxyConnHandler(o.0, None, null_mut()) },
        NATS_OK
    );
    assert_eq!(o.connect().err().unwrap().0, NATS_NO_SERVER);
    assert_eq!(ctx.calls.lock().unwrap().len(), 5);
    assert_eq!(
        unsafe { natsOptions_SetProxyConnHandler(null_mut(), Some(proxy_handler), null_mut()) },
        NATS_INVALID_ARG
    );
}

/// A `ws://` URL (beyond cnats) goes through the handler's socket too: the
/// HTTP upgrade and the masked frames travel over the proxy's tunnel.
#[test]
fn websocket_through_the_proxy() {
    let wp = common::server::free_port();
    let srv = Server::start(&common::server::websocket_block(wp, None));
    common::server::wait_listening(wp);
    let proxy = Socks5::start();
    let url = format!("ws://{HIDDEN_HOST}:{wp}");
    let o = Opts::new(&url);
    let ctx = handler_ctx(&proxy);
    o.with_handler(&ctx);
    let nc = o.must_connect();
    assert_eq!(*ctx.calls.lock().unwrap(), vec![(HIDDEN_HOST.to_string(), wp as c_int)]);
    assert_eq!(proxy.targets(), vec![(HIDDEN_HOST.to_string(), wp)]);

    let direct = Opts::new(&srv.url()).must_connect();
    let from_direct = direct.sub_sync("wsproxied.>");
    let sub = nc.sub_sync("wsproxied.>");
    nc.publish("wsproxied.one", "websocket-payload-through-the-proxy");
    assert_eq!(sub.next(), "websocket-payload-through-the-proxy");
    assert_eq!(from_direct.next(), "websocket-payload-through-the-proxy");

    assert!(
        proxy.upstream_contains(b"Upgrade: websocket"),
        "the upgrade went through the proxy"
    );
    assert!(
        !proxy.upstream_contains(b"websocket-payload-through-the-proxy"),
        "client frames are masked: the payload is not in clear on the wire"
    );
    assert_eq!(proxy.accepted(), 1);
}

//! Hostile-server tests: a small fake server of our own (a loopback
//! `TcpListener` in a thread, scripted per test) misbehaves in one way each,
//! and the client, driven through the C ABI, must return or report the
//! right status, end every thread it started, and either stay usable or
//! close cleanly.
//!
//! The tests run one at a time (a process-wide lock) so that each can check
//! that the library's thread count is back to zero once everything is
//! destroyed: no reader, flusher, delivery or event thread left behind.
#![allow(clippy::missing_safety_doc)]

mod common;

use common::wait_for;
use nats::ffi::conn::*;
use nats::ffi::conn_pub::*;
use nats::ffi::conn_sub::*;
use nats::ffi::library::*;
use nats::ffi::msg::*;
use nats::ffi::options::*;
use nats::ffi::sub::*;
use nats::natsStatus::{self, *};
use nats::status::natsConnStatus::*;
use std::ffi::{CStr, CString};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::raw::{c_char, c_void};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

const LONG: Duration = Duration::from_secs(20);

static SERIAL: Mutex<()> = Mutex::new(());

/// Set when the current fake server is being dropped: scripts that hold a
/// socket without reading it stop then.
static RELEASE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Holds the socket open, never reading, until the fake server is dropped.
fn hold_without_reading(_s: &TcpStream) {
    while !RELEASE.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

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

/// The connection's last error: status and text.
fn conn_error(nc: *mut natsConnection) -> (natsStatus, String) {
    let mut p: *const c_char = std::ptr::null();
    let s = unsafe { natsConnection_GetLastError(nc, &mut p) };
    let t = if p.is_null() {
        String::new()
    } else {
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    };
    (s, t)
}

/// Every library thread has ended (the event thread idles out quickly).
fn assert_no_library_thread() {
    assert!(
        wait_for(LONG, || nats::runtime::thread_count() == 0),
        "{} library threads left behind",
        nats::runtime::thread_count()
    );
}

const INFO: &str =
    "INFO {\"server_id\":\"FAKE\",\"version\":\"2.10.0\",\"proto\":1,\"headers\":true,\"max_payload\":1048576}\r\n";

/// A scripted fake server: each accepted connection is handed to `script`
/// with its index (0 for the first, 1 after a reconnect, …).
struct Fake {
    port: u16,
    handle: Option<JoinHandle<()>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl Fake {
    fn start(script: impl Fn(usize, TcpStream) + Send + Sync + 'static) -> Fake {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        l.set_nonblocking(true).unwrap();
        RELEASE.store(false, Ordering::SeqCst);
        let accepted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (acc, st) = (accepted, stop.clone());
        let script = Arc::new(script);
        let handle = std::thread::spawn(move || {
            let mut conns = Vec::new();
            while !st.load(Ordering::SeqCst) {
                match l.accept() {
                    Ok((s, _)) => {
                        s.set_nonblocking(false).unwrap();
                        let _ = s.set_nodelay(true);
                        let i = acc.fetch_add(1, Ordering::SeqCst);
                        let sc = script.clone();
                        conns.push(std::thread::spawn(move || sc(i, s)));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            // Script threads end when their client goes away; they are
            // not joined, so that a failed test cannot hang here.
            drop(conns);
        });
        Fake {
            port,
            handle: Some(handle),
            stop,
        }
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        RELEASE.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Server side of a normal handshake: INFO, read CONNECT, answer PING.
fn handshake(s: &TcpStream) -> BufReader<TcpStream> {
    (&*s).write_all(INFO.as_bytes()).unwrap();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return r;
        }
        if line.starts_with("PING") {
            (&*s).write_all(b"PONG\r\n").unwrap();
            return r;
        }
    }
}

/// Reads protocol lines until one starts with `prefix` (false at EOF).
fn read_until(r: &mut BufReader<TcpStream>, prefix: &str) -> bool {
    let mut line = String::new();
    loop {
        line.clear();
        match r.read_line(&mut line) {
            Ok(0) | Err(_) => return false,
            Ok(_) if line.starts_with(prefix) => return true,
            Ok(_) => {}
        }
    }
}

/// Answers PINGs until the client goes away.
fn serve_pings(s: &TcpStream, r: &mut BufReader<TcpStream>) {
    let mut line = String::new();
    loop {
        line.clear();
        match r.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line.starts_with("PING") => {
                if (&*s).write_all(b"PONG\r\n").is_err() {
                    return;
                }
            }
            Ok(_) => {}
        }
    }
}

/// Waits until the peer closes (EOF) so that the server side never closes
/// first by accident.
fn wait_eof(s: &TcpStream) {
    let mut buf = [0u8; 4096];
    loop {
        match (&*s).read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

#[derive(Default)]
struct Events {
    closed: AtomicUsize,
    disconnected: AtomicUsize,
    reconnected: AtomicUsize,
    errors: Mutex<Vec<natsStatus>>,
}

unsafe extern "C" fn on_closed(_: *mut natsConnection, cl: *mut c_void) {
    unsafe { &*(cl as *const Events) }.closed.fetch_add(1, Ordering::SeqCst);
}
unsafe extern "C" fn on_disconnected(_: *mut natsConnection, cl: *mut c_void) {
    unsafe { &*(cl as *const Events) }
        .disconnected
        .fetch_add(1, Ordering::SeqCst);
}
unsafe extern "C" fn on_reconnected(_: *mut natsConnection, cl: *mut c_void) {
    unsafe { &*(cl as *const Events) }
        .reconnected
        .fetch_add(1, Ordering::SeqCst);
}
unsafe extern "C" fn on_error(_: *mut natsConnection, _: *mut natsSubscription, s: natsStatus, cl: *mut c_void) {
    unsafe { &*(cl as *const Events) }.errors.lock().unwrap().push(s);
}

/// Options for `url` with every event callback wired to `ev`.
struct Opts(*mut natsOptions);
impl Opts {
    fn new(url: &str, ev: &Events, reconnect: bool) -> Opts {
        let mut o = null_mut();
        let cl = ev as *const Events as *mut c_void;
        unsafe {
            assert_eq!(natsOptions_Create(&mut o), NATS_OK);
            assert_eq!(natsOptions_SetURL(o, c(url).as_ptr()), NATS_OK);
            assert_eq!(natsOptions_SetTimeout(o, 2000), NATS_OK);
            assert_eq!(natsOptions_SetAllowReconnect(o, reconnect), NATS_OK);
            assert_eq!(natsOptions_SetReconnectWait(o, 50), NATS_OK);
            assert_eq!(natsOptions_SetClosedCB(o, Some(on_closed), cl), NATS_OK);
            assert_eq!(natsOptions_SetDisconnectedCB(o, Some(on_disconnected), cl), NATS_OK);
            assert_eq!(natsOptions_SetReconnectedCB(o, Some(on_reconnected), cl), NATS_OK);
            assert_eq!(natsOptions_SetErrorHandler(o, Some(on_error), cl), NATS_OK);
        }
        Opts(o)
    }
}
impl Drop for Opts {
    fn drop(&mut self) {
        unsafe { natsOptions_Destroy(self.0) }
    }
}

fn try_connect(o: &Opts) -> (natsStatus, *mut natsConnection) {
    let mut nc = null_mut();
    let s = unsafe { natsConnection_Connect(&mut nc, o.0) };
    (s, nc)
}

/// Connect must fail with `want`, hand out no connection, and leave no
/// thread behind.
fn expect_connect_failure(script: impl Fn(usize, TcpStream) + Send + Sync + 'static, want: natsStatus) -> String {
    let fake = Fake::start(script);
    let ev = Events::default();
    let o = Opts::new(&fake.url(), &ev, false);
    let (s, nc) = try_connect(&o);
    let text = last_error();
    assert_eq!(s, want, "connect: {text}");
    assert!(nc.is_null());
    assert!(!text.is_empty());
    drop(o);
    drop(fake);
    assert_eq!(
        ev.closed.load(Ordering::SeqCst),
        0,
        "no closed callback for a connection never made"
    );
    assert_no_library_thread();
    text
}

#[test]
fn garbage_instead_of_info() {
    let _g = serial();
    expect_connect_failure(
        |_, s| {
            let _ = (&s).write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
            wait_eof(&s);
        },
        NATS_PROTOCOL_ERROR,
    );
    // Binary noise.
    expect_connect_failure(
        |_, s| {
            let _ = (&s).write_all(b"\x00\xff\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n");
            wait_eof(&s);
        },
        NATS_PROTOCOL_ERROR,
    );
    // A valid operation, but not INFO.
    let t = expect_connect_failure(
        |_, s| {
            let _ = (&s).write_all(b"PING\r\n");
            wait_eof(&s);
        },
        NATS_PROTOCOL_ERROR,
    );
    assert!(t.contains("INFO"), "{t}");
}

#[test]
fn info_line_over_the_size_limit() {
    let _g = serial();
    // 40 KiB of INFO with no end of line in sight: refused once the line
    // passes the 32 KiB limit, without waiting for the rest.
    expect_connect_failure(
        |_, s| {
            let mut line = b"INFO {\"server_id\":\"".to_vec();
            line.resize(40 * 1024, b'a');
            let _ = (&s).write_all(&line);
            wait_eof(&s);
        },
        NATS_LINE_TOO_LONG,
    );
}

#[test]
fn malformed_info_json() {
    let _g = serial();
    for bad in [
        &b"INFO {\"server_id\":\r\n"[..],
        b"INFO [1,2,3]\r\n",
        b"INFO {\"port\":\"not a number\"}\r\n",
        b"INFO {\"max_payload\":1e999999}\r\n",
        b"INFO\r\n",
    ] {
        let t = expect_connect_failure(
            move |_, s| {
                let _ = (&s).write_all(bad);
                wait_eof(&s);
            },
            NATS_PROTOCOL_ERROR,
        );
        assert!(t.contains("INFO"), "{t}");
    }
}

#[test]
fn accepts_tcp_and_never_answers() {
    let _g = serial();
    let fake = Fake::start(|_, s| wait_eof(&s));
    let ev = Events::default();
    let o = Opts::new(&fake.url(), &ev, false);
    unsafe { assert_eq!(natsOptions_SetTimeout(o.0, 300), NATS_OK) };
    let (s, nc) = try_connect(&o);
    // A server that never sends INFO counts as no server (cnats reports a
    // failed connect to every server of the pool that way).
    assert_eq!(s, NATS_NO_SERVER, "{}", last_error());
    assert!(nc.is_null());
    assert!(last_error().contains("timeout"), "{}", last_error());
    drop(o);
    drop(fake);
    assert_no_library_thread();
}

/// Connects to a fake server whose first connection runs `after_sub`
/// once the client's `SUB` arrived (the client subscribes synchronously to
/// "foo"). Returns the events, the final connection status and the last
/// error; everything is destroyed and checked for threads.
fn with_subscriber(
    reconnect: bool,
    after_sub: impl Fn(usize, &TcpStream, &mut BufReader<TcpStream>) + Send + Sync + 'static,
    check: impl FnOnce(*mut natsConnection, *mut natsSubscription, &Events),
) {
    let fake = Fake::start(move |i, s| {
        let mut r = handshake(&s);
        if read_until(&mut r, "SUB ") {
            after_sub(i, &s, &mut r);
        }
    });
    let ev = Events::default();
    let o = Opts::new(&fake.url(), &ev, reconnect);
    let (st, nc) = try_connect(&o);
    assert_eq!(st, NATS_OK, "{}", last_error());
    let mut sub = null_mut();
    unsafe {
        assert_eq!(natsConnection_SubscribeSync(&mut sub, nc, c("foo").as_ptr()), NATS_OK);
        // The SUB goes out with the next flush.
        let _ = natsConnection_FlushTimeout(nc, 100);
    }
    check(nc, sub, &ev);
    unsafe {
        natsSubscription_Destroy(sub);
        natsConnection_Destroy(nc);
    }
    drop(o);
    drop(fake);
    assert_no_library_thread();
}

fn wait_closed(nc: *mut natsConnection, ev: &Events) {
    assert!(wait_for(LONG, || unsafe { natsConnection_Status(nc) } == NATS_CONN_STATUS_CLOSED));
    assert!(
        wait_for(LONG, || ev.closed.load(Ordering::SeqCst) == 1),
        "closed callback"
    );
}

#[test]
fn msg_claiming_a_2_pow_40_payload() {
    let _g = serial();
    with_subscriber(
        false,
        |_, s, _| {
            let _ = (&*s).write_all(b"MSG foo 1 1099511627776\r\n");
            let _ = (&*s).write_all(&[b'x'; 4096]);
            wait_eof(s);
        },
        |nc, sub, ev| {
            wait_closed(nc, ev);
            let (st, text) = conn_error(nc);
            assert_eq!(st, NATS_PROTOCOL_ERROR, "{text}");
            assert!(text.contains("limit"), "{text}");
            let mut m = null_mut();
            assert_ne!(unsafe { natsSubscription_NextMsg(&mut m, sub, 10) }, NATS_OK);
            assert!(m.is_null());
            assert_eq!(unsafe { natsConnection_FlushTimeout(nc, 100) }, NATS_CONNECTION_CLOSED);
        },
    );
}

#[test]
fn payload_shorter_than_announced_then_close() {
    let _g = serial();
    with_subscriber(
        false,
        |_, s, _| {
            let _ = (&*s).write_all(b"MSG foo 1 100\r\nonly a few bytes");
            let _ = s.shutdown(std::net::Shutdown::Both);
        },
        |nc, sub, ev| {
            wait_closed(nc, ev);
            // As cnats: the socket was live, so disconnected fires once,
            // then closed (no reconnect: not allowed).
            assert_eq!(ev.disconnected.load(Ordering::SeqCst), 1);
            // The partial message was never delivered.
            let mut m = null_mut();
            let s = unsafe { natsSubscription_NextMsg(&mut m, sub, 10) };
            assert!(matches!(s, NATS_CONNECTION_CLOSED | NATS_INVALID_SUBSCRIPTION), "{s:?}");
            assert!(m.is_null());
        },
    );
}

#[test]
fn payload_short_then_close_with_reconnect_recovers() {
    let _g = serial();
    with_subscriber(
        true,
        |i, s, r| {
            if i == 0 {
                let _ = (&*s).write_all(b"MSG foo 1 100\r\ncut short");
                let _ = s.shutdown(std::net::Shutdown::Both);
            } else {
                // After the reconnect: a good message, then normal service.
                let _ = (&*s).write_all(b"MSG foo 1 2\r\nok\r\n");
                serve_pings(s, r);
            }
        },
        |nc, sub, ev| {
            assert!(
                wait_for(LONG, || ev.reconnected.load(Ordering::SeqCst) == 1),
                "reconnected"
            );
            let mut m = null_mut();
            assert_eq!(
                unsafe { natsSubscription_NextMsg(&mut m, sub, 10_000) },
                NATS_OK,
                "{}",
                last_error()
            );
            assert_eq!(unsafe { natsMsg_GetDataLength(m) }, 2);
            unsafe { natsMsg_Destroy(m) };
            assert_eq!(unsafe { natsConnection_FlushTimeout(nc, 5000) }, NATS_OK);
            assert_eq!(unsafe { natsConnection_Status(nc) }, NATS_CONN_STATUS_CONNECTED);
        },
    );
}

#[test]
fn frames_split_byte_by_byte() {
    let _g = serial();
    let fake = Fake::start(|_, s| {
        let dribble = |data: &[u8]| {
            for b in data {
                if (&s).write_all(std::slice::from_ref(b)).is_err() {
                    return;
                }
            }
        };
        dribble(INFO.as_bytes());
        let mut r = BufReader::new(s.try_clone().unwrap());
        if !read_until(&mut r, "PING") {
            return;
        }
        dribble(b"PONG\r\n");
        if !read_until(&mut r, "SUB ") || !read_until(&mut r, "PING") {
            return;
        }
        // The flush after the SUB gets its PONG, then messages follow.
        dribble(b"PONG\r\n");
        let hdr = b"NATS/1.0\r\nK: v1\r\nK: v2\r\n\r\n";
        let mut wire = b"+OK\r\nMSG foo 1 5\r\nhello\r\nMSG foo 1 reply.x 4\r\n\r\n\r\n\r\n".to_vec();
        wire.extend_from_slice(format!("HMSG foo 1 {} {}\r\n", hdr.len(), hdr.len() + 3).as_bytes());
        wire.extend_from_slice(hdr);
        wire.extend_from_slice(b"abc\r\nPING\r\n");
        dribble(&wire);
        // The client answers the PING byte-split above with a PONG.
        if read_until(&mut r, "PONG") {
            dribble(b"MSG foo 1 4\r\ndone\r\n");
        }
        serve_pings(&s, &mut r);
    });
    let ev = Events::default();
    let o = Opts::new(&fake.url(), &ev, false);
    let (st, nc) = try_connect(&o);
    assert_eq!(st, NATS_OK, "{}", last_error());
    let mut sub = null_mut();
    unsafe {
        assert_eq!(natsConnection_SubscribeSync(&mut sub, nc, c("foo").as_ptr()), NATS_OK);
        assert_eq!(natsConnection_FlushTimeout(nc, 10_000), NATS_OK);
        let next = || {
            let mut m = null_mut();
            assert_eq!(
                natsSubscription_NextMsg(&mut m, sub, 10_000),
                NATS_OK,
                "{}",
                last_error()
            );
            let n = natsMsg_GetDataLength(m) as usize;
            let d = std::slice::from_raw_parts(natsMsg_GetData(m) as *const u8, n).to_vec();
            (m, d)
        };
        let (m, d) = next();
        assert_eq!(d, b"hello");
        natsMsg_Destroy(m);
        let (m, d) = next();
        assert_eq!(d, b"\r\n\r\n");
        assert_eq!(CStr::from_ptr(natsMsg_GetReply(m)).to_bytes(), b"reply.x");
        natsMsg_Destroy(m);
        let (m, d) = next();
        assert_eq!(d, b"abc");
        let mut v: *const c_char = std::ptr::null();
        assert_eq!(natsMsgHeader_Get(m, c("K").as_ptr(), &mut v), NATS_OK);
        assert_eq!(CStr::from_ptr(v).to_bytes(), b"v1");
        natsMsg_Destroy(m);
        let (m, d) = next();
        assert_eq!(d, b"done");
        natsMsg_Destroy(m);
        assert_eq!(natsConnection_FlushTimeout(nc, 10_000), NATS_OK);
        natsSubscription_Destroy(sub);
        natsConnection_Destroy(nc);
    }
    assert!(wait_for(LONG, || ev.closed.load(Ordering::SeqCst) == 1));
    assert!(ev.errors.lock().unwrap().is_empty());
    drop(o);
    drop(fake);
    assert_no_library_thread();
}

/// `-ERR` mid-stream, one kind at a time.
fn err_mid_stream(text: &'static str, reconnect: bool, check: impl FnOnce(*mut natsConnection, &Events)) {
    with_subscriber(
        reconnect,
        move |i, s, r| {
            if i == 0 {
                let _ = (&*s).write_all(format!("-ERR '{text}'\r\n").as_bytes());
            }
            serve_pings(s, r);
        },
        |nc, _, ev| check(nc, ev),
    );
}

#[test]
fn err_authorization_violation_mid_stream() {
    let _g = serial();
    err_mid_stream("Authorization Violation", false, |nc, ev| {
        wait_closed(nc, ev);
        let (st, text) = conn_error(nc);
        assert_eq!(st, NATS_CONNECTION_AUTH_FAILED, "{text}");
        assert!(text.contains("Authorization Violation"), "{text}");
        assert!(wait_for(LONG, || ev
            .errors
            .lock()
            .unwrap()
            .contains(&NATS_CONNECTION_AUTH_FAILED)));
    });
}

#[test]
fn err_stale_connection_mid_stream() {
    let _g = serial();
    // Without reconnect: closed, the last error says stale.
    err_mid_stream("Stale Connection", false, |nc, ev| {
        wait_closed(nc, ev);
        assert_eq!(conn_error(nc).0, NATS_STALE_CONNECTION, "{}", conn_error(nc).1);
    });
    // With reconnect: the client comes back and is usable.
    err_mid_stream("Stale Connection", true, |nc, ev| {
        assert!(
            wait_for(LONG, || ev.reconnected.load(Ordering::SeqCst) == 1),
            "reconnected"
        );
        assert_eq!(unsafe { natsConnection_FlushTimeout(nc, 5000) }, NATS_OK);
        assert_eq!(
            unsafe { natsConnection_Publish(nc, c("foo").as_ptr(), b"x".as_ptr().cast(), 1) },
            NATS_OK
        );
    });
}

#[test]
fn err_permissions_violation_mid_stream_keeps_the_connection() {
    let _g = serial();
    err_mid_stream("Permissions Violation for Subscription to \"foo\"", false, |nc, ev| {
        assert!(
            wait_for(LONG, || ev.errors.lock().unwrap().contains(&NATS_NOT_PERMITTED)),
            "error callback"
        );
        let (st, text) = conn_error(nc);
        assert_eq!(st, NATS_NOT_PERMITTED, "{text}");
        assert!(text.contains("Permissions Violation"), "{text}");
        // Still connected and usable.
        assert_eq!(unsafe { natsConnection_FlushTimeout(nc, 5000) }, NATS_OK);
        assert_eq!(unsafe { natsConnection_Status(nc) }, NATS_CONN_STATUS_CONNECTED);
        assert_eq!(ev.closed.load(Ordering::SeqCst), 0);
    });
}

#[test]
fn err_unknown_mid_stream_closes() {
    let _g = serial();
    err_mid_stream("Unknown Protocol Operation", false, |nc, ev| {
        wait_closed(nc, ev);
        let (st, text) = conn_error(nc);
        assert_eq!(st, NATS_ERR, "{text}");
        assert!(text.contains("Unknown Protocol Operation"), "{text}");
        // As cnats: disconnected once (the socket was live), then closed.
        assert_eq!(ev.disconnected.load(Ordering::SeqCst), 1);
    });
    // Even with reconnect allowed, an unknown server error closes (as
    // cnats does unless reconnect-on-protocol-error is set), without a
    // reconnect attempt.
    err_mid_stream("Some Brand New Error", true, |nc, ev| {
        wait_closed(nc, ev);
        assert_eq!(conn_error(nc).0, NATS_ERR);
        assert_eq!(ev.reconnected.load(Ordering::SeqCst), 0);
    });
}

/// Shrinks the receive buffer of a server-side socket.
fn small_rcvbuf(s: &TcpStream) {
    use std::os::fd::AsRawFd;
    let v: libc::c_int = 4096;
    unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            &v as *const _ as *const c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

#[test]
fn server_stops_reading_close_does_not_hang() {
    let _g = serial();
    let fake = Fake::start(|_, s| {
        small_rcvbuf(&s);
        let _r = handshake(&s);
        hold_without_reading(&s);
    });
    let ev = Events::default();
    let o = Opts::new(&fake.url(), &ev, false);
    let (st, nc) = try_connect(&o);
    assert_eq!(st, NATS_OK, "{}", last_error());
    let ncp = nc as usize;
    // A publisher that fills the socket and then the 4 MiB write buffer,
    // and so ends up waiting for room (no write deadline set).
    let publisher = std::thread::spawn(move || {
        let nc = ncp as *mut natsConnection;
        let chunk = vec![b'p'; 64 * 1024];
        for _ in 0..4096 {
            let s = unsafe { natsConnection_Publish(nc, c("foo").as_ptr(), chunk.as_ptr().cast(), chunk.len() as i32) };
            if s != NATS_OK {
                return s;
            }
        }
        NATS_OK
    });
    assert!(
        wait_for(LONG, || unsafe { natsConnection_Buffered(nc) } >= 4 * 1024 * 1024),
        "the write buffer should fill up: {}",
        unsafe { natsConnection_Buffered(nc) }
    );
    // A flush cannot complete.
    assert_eq!(unsafe { natsConnection_FlushTimeout(nc, 200) }, NATS_TIMEOUT);
    // Close returns although the flusher is stuck in a write, and the
    // blocked publisher is released with "closed".
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        unsafe { natsConnection_Close(ncp as *mut natsConnection) };
        let _ = tx.send(());
    });
    assert!(
        rx.recv_timeout(Duration::from_secs(60)).is_ok(),
        "natsConnection_Close hung"
    );
    assert_eq!(publisher.join().unwrap(), NATS_CONNECTION_CLOSED);
    wait_closed(nc, &ev);
    unsafe { natsConnection_Destroy(nc) };
    drop(o);
    drop(fake);
    assert_no_library_thread();
}

#[test]
fn server_stops_reading_with_write_deadline() {
    let _g = serial();
    let fake = Fake::start(|_, s| {
        small_rcvbuf(&s);
        let _r = handshake(&s);
        hold_without_reading(&s);
    });
    let ev = Events::default();
    let o = Opts::new(&fake.url(), &ev, false);
    unsafe { assert_eq!(natsOptions_SetWriteDeadline(o.0, 200), NATS_OK) };
    let (st, nc) = try_connect(&o);
    assert_eq!(st, NATS_OK, "{}", last_error());
    let chunk = vec![b'p'; 64 * 1024];
    let mut last = NATS_OK;
    for _ in 0..100_000 {
        last = unsafe { natsConnection_Publish(nc, c("foo").as_ptr(), chunk.as_ptr().cast(), chunk.len() as i32) };
        if last != NATS_OK {
            break;
        }
    }
    // Either the publisher's own wait for room timed out, or the flusher's
    // write did and the connection was closed under it.
    assert!(
        matches!(last, NATS_TIMEOUT | NATS_CONNECTION_CLOSED),
        "{last:?}: {}",
        last_error()
    );
    wait_closed(nc, &ev);
    let (st, text) = conn_error(nc);
    assert_eq!(st, NATS_TIMEOUT, "{text}");
    unsafe { natsConnection_Destroy(nc) };
    drop(o);
    drop(fake);
    assert_no_library_thread();
}

#[test]
fn credentials_never_appear_in_error_texts() {
    let _g = serial();
    let seen = Arc::new(Mutex::new(String::new()));
    let seen2 = seen.clone();
    let fake = Fake::start(move |_, s| {
        (&s).write_all(INFO.as_bytes()).unwrap();
        let mut r = BufReader::new(s.try_clone().unwrap());
        let mut line = String::new();
        let _ = r.read_line(&mut line);
        *seen2.lock().unwrap() = line;
        let _ = (&s).write_all(b"-ERR 'Authorization Violation'\r\n");
        wait_eof(&s);
    });
    let ev = Events::default();
    let url = format!("nats://alice:Sup3rS3cretPw@127.0.0.1:{}", fake.port);
    let o = Opts::new(&url, &ev, false);
    let (s, nc) = try_connect(&o);
    assert_eq!(s, NATS_CONNECTION_AUTH_FAILED, "{}", last_error());
    assert!(nc.is_null());
    // The password did go to the server, in CONNECT…
    assert!(seen.lock().unwrap().contains("\"pass\":\"Sup3rS3cretPw\""));
    // …and nowhere into what the program can read back.
    let text = last_error();
    assert!(!text.contains("Sup3rS3cretPw"), "{text}");
    let mut stack = vec![0 as c_char; 4096];
    let _ = unsafe { nats_GetLastErrorStack(stack.as_mut_ptr(), stack.len()) };
    let stack = unsafe { CStr::from_ptr(stack.as_ptr()) }.to_string_lossy().into_owned();
    assert!(!stack.contains("Sup3rS3cretPw"), "{stack}");
    drop(o);
    drop(fake);
    assert_no_library_thread();
}

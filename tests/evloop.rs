//! External event loops (`natsOptions_SetEventLoop`) through the C ABI,
//! against a real nats-server, driven by a small poll(2) loop written
//! here: it keeps cnats 3.14's adapter contract (the socket is closed with
//! `natsConnection_ProcessCloseEvent` once read polling stops, the
//! connection is released with `natsConnection_ProcessDetachedEvent`
//! after detach).
#![allow(clippy::missing_safety_doc)]

mod common;

use common::server::Server;
use common::wait_for;
use nats::ffi::conn::*;
use nats::ffi::conn_pub::*;
use nats::ffi::conn_sub::*;
use nats::ffi::evloop::*;
use nats::ffi::library::*;
use nats::ffi::msg::*;
use nats::ffi::options::*;
use nats::ffi::options_tls::*;
use nats::ffi::sub::*;
use nats::natsStatus::{self, *};
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_void};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(10);

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

// ---------- the loop ----------

/// One connection's registration (the adapter's `userData`).
#[derive(Default)]
struct Reg {
    nc: usize,
    fd: i32,
    read: bool,
    write: bool,
    detached: bool,
    to_close: Vec<i32>,
}

type Task = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct PollLoop {
    regs: Mutex<Vec<Arc<Mutex<Reg>>>>,
    tasks: Mutex<Vec<Task>>,
    stop: AtomicBool,
    thread: Mutex<Option<ThreadId>>,
    /// (thread of the call, descriptor) of every attach.
    attaches: Mutex<Vec<(ThreadId, i32)>>,
    write_adds: AtomicUsize,
    write_removes: AtomicUsize,
    read_removes: AtomicUsize,
    closes: AtomicUsize,
    detaches: AtomicUsize,
    detached_events: AtomicUsize,
}

unsafe fn lp<'a>(p: *mut c_void) -> &'a PollLoop {
    unsafe { &*(p as *const PollLoop) }
}

unsafe fn reg<'a>(ud: *mut c_void) -> &'a Mutex<Reg> {
    unsafe { &*(ud as *const Mutex<Reg>) }
}

unsafe extern "C" fn ev_attach(ud: *mut *mut c_void, l: *mut c_void, nc: *mut natsConnection, fd: i32) -> natsStatus {
    let l = unsafe { lp(l) };
    l.attaches.lock().unwrap().push((std::thread::current().id(), fd));
    if unsafe { *ud }.is_null() {
        let r = Arc::new(Mutex::new(Reg {
            nc: nc as usize,
            fd: -1,
            ..Default::default()
        }));
        unsafe { *ud = Arc::as_ptr(&r) as *mut c_void };
        l.regs.lock().unwrap().push(r);
    }
    let mut r = unsafe { reg(*ud) }.lock().unwrap();
    assert_eq!(r.nc, nc as usize, "the same connection on every attach");
    assert_eq!(r.fd, -1, "attach after the previous socket stopped polling");
    r.fd = fd;
    r.read = true;
    NATS_OK
}

static LOOPS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

fn loop_of(ud: *mut c_void) -> Option<&'static PollLoop> {
    // The test loops are leaked: find the one that owns this registration.
    let loops = LOOPS.lock().unwrap();
    for &l in loops.iter() {
        let l: &'static PollLoop = unsafe { &*(l as *const PollLoop) };
        if l.regs
            .lock()
            .unwrap()
            .iter()
            .any(|r| std::ptr::eq(Arc::as_ptr(r) as *const c_void, ud))
        {
            return Some(l);
        }
    }
    None
}

unsafe extern "C" fn ev_read(ud: *mut c_void, add: bool) -> natsStatus {
    let mut r = unsafe { reg(ud) }.lock().unwrap();
    r.read = add;
    if !add {
        // As a cnats 3.14 adapter: the loop closes the socket once it no
        // longer polls it (on its own thread, below).
        if r.fd >= 0 {
            let fd = r.fd;
            r.to_close.push(fd);
            r.fd = -1;
        }
        r.write = false;
        drop(r);
        if let Some(l) = loop_of(ud) {
            l.read_removes.fetch_add(1, Ordering::SeqCst);
        }
    }
    NATS_OK
}

unsafe extern "C" fn ev_write(ud: *mut c_void, add: bool) -> natsStatus {
    let mut r = unsafe { reg(ud) }.lock().unwrap();
    r.write = add;
    drop(r);
    if let Some(l) = loop_of(ud) {
        if add {
            l.write_adds.fetch_add(1, Ordering::SeqCst);
        } else {
            l.write_removes.fetch_add(1, Ordering::SeqCst);
        }
    }
    NATS_OK
}

unsafe extern "C" fn ev_detach(ud: *mut c_void) -> natsStatus {
    unsafe { reg(ud) }.lock().unwrap().detached = true;
    if let Some(l) = loop_of(ud) {
        l.detaches.fetch_add(1, Ordering::SeqCst);
    }
    NATS_OK
}

impl PollLoop {
    fn start() -> &'static PollLoop {
        let l: &'static PollLoop = Box::leak(Box::default());
        LOOPS.lock().unwrap().push(l as *const PollLoop as usize);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            *l.thread.lock().unwrap() = Some(std::thread::current().id());
            tx.send(()).unwrap();
            l.run();
        });
        rx.recv().unwrap();
        l
    }

    fn ptr(&self) -> *mut c_void {
        self as *const PollLoop as *mut c_void
    }

    fn loop_thread(&self) -> ThreadId {
        self.thread.lock().unwrap().unwrap()
    }

    /// Runs `f` on the loop's thread (between two polls).
    fn run_on_loop(&self, f: impl FnOnce() + Send + 'static) {
        self.tasks.lock().unwrap().push(Box::new(f));
    }

    fn run(&self) {
        while !self.stop.load(Ordering::SeqCst) {
            let tasks: Vec<Task> = std::mem::take(&mut *self.tasks.lock().unwrap());
            for t in tasks {
                t();
            }
            let mut pfds = Vec::new();
            let mut ncs = Vec::new();
            let mut detached = Vec::new();
            {
                let mut regs = self.regs.lock().unwrap();
                regs.retain(|r| {
                    let mut g = r.lock().unwrap();
                    for mut fd in std::mem::take(&mut g.to_close) {
                        unsafe { natsConnection_ProcessCloseEvent(&mut fd) };
                        assert_eq!(fd, -1);
                        self.closes.fetch_add(1, Ordering::SeqCst);
                    }
                    if g.detached {
                        detached.push(g.nc);
                        return false;
                    }
                    if g.fd >= 0 && (g.read || g.write) {
                        let mut ev = 0;
                        if g.read {
                            ev |= libc::POLLIN;
                        }
                        if g.write {
                            ev |= libc::POLLOUT;
                        }
                        pfds.push(libc::pollfd {
                            fd: g.fd,
                            events: ev,
                            revents: 0,
                        });
                        ncs.push(g.nc);
                    }
                    true
                });
            }
            for nc in detached {
                unsafe { natsConnection_ProcessDetachedEvent(nc as *mut natsConnection) };
                self.detached_events.fetch_add(1, Ordering::SeqCst);
            }
            if pfds.is_empty() {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            let n = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, 5) };
            if n <= 0 {
                continue;
            }
            for (p, nc) in pfds.iter().zip(ncs) {
                let nc = nc as *mut natsConnection;
                if p.revents & (libc::POLLIN | libc::POLLHUP | libc::POLLERR) != 0 {
                    unsafe { natsConnection_ProcessReadEvent(nc) };
                }
                if p.revents & libc::POLLOUT != 0 {
                    unsafe { natsConnection_ProcessWriteEvent(nc) };
                }
            }
        }
    }
}

// ---------- helpers ----------

/// Library threads named `nats-reader` in this process.
fn reader_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("comm")).ok())
        .filter(|n| n.trim() == "nats-reader")
        .count()
}

struct Counter {
    n: AtomicUsize,
}

unsafe extern "C" fn on_msg(_nc: *mut natsConnection, _s: *mut natsSubscription, m: *mut natsMsg, cl: *mut c_void) {
    let cnt = unsafe { &*(cl as *const Counter) };
    cnt.n.fetch_add(1, Ordering::SeqCst);
    unsafe { natsMsg_Destroy(m) };
}

/// Answers requests with "re:" + the request's data.
unsafe extern "C" fn on_request(nc: *mut natsConnection, _s: *mut natsSubscription, m: *mut natsMsg, _cl: *mut c_void) {
    unsafe {
        let data = CStr::from_ptr(natsMsg_GetData(m)).to_string_lossy().into_owned();
        let reply = natsMsg_GetReply(m);
        let answer = c(&format!("re:{data}"));
        natsConnection_PublishString(nc, reply, answer.as_ptr());
        natsMsg_Destroy(m);
    }
}

unsafe extern "C" fn on_conn_event(_nc: *mut natsConnection, cl: *mut c_void) {
    unsafe { &*(cl as *const AtomicUsize) }.fetch_add(1, Ordering::SeqCst);
}

struct Events {
    reconnected: AtomicUsize,
    closed: AtomicUsize,
}

fn leak<T>(v: T) -> &'static T {
    Box::leak(Box::new(v))
}

fn connect(l: &PollLoop, url: &str, ca: Option<&str>, ev: Option<&'static Events>) -> *mut natsConnection {
    connect_with(l, url, ca, ev, |_| {})
}

/// `connect`, with `tune` applied to the options before connecting.
fn connect_with(
    l: &PollLoop,
    url: &str,
    ca: Option<&str>,
    ev: Option<&'static Events>,
    tune: impl FnOnce(*mut natsOptions),
) -> *mut natsConnection {
    unsafe {
        let mut o = null_mut();
        assert_eq!(natsOptions_Create(&mut o), NATS_OK);
        assert_eq!(natsOptions_SetURL(o, c(url).as_ptr()), NATS_OK);
        assert_eq!(natsOptions_SetReconnectWait(o, 50), NATS_OK);
        assert_eq!(natsOptions_SetMaxReconnect(o, -1), NATS_OK);
        if let Some(ca) = ca {
            assert_eq!(natsOptions_SetSecure(o, true), NATS_OK);
            assert_eq!(natsOptions_LoadCATrustedCertificates(o, c(ca).as_ptr()), NATS_OK);
        }
        if let Some(e) = ev {
            let p = &e.reconnected as *const AtomicUsize as *mut c_void;
            assert_eq!(natsOptions_SetReconnectedCB(o, Some(on_conn_event), p), NATS_OK);
            let p = &e.closed as *const AtomicUsize as *mut c_void;
            assert_eq!(natsOptions_SetClosedCB(o, Some(on_conn_event), p), NATS_OK);
        }
        assert_eq!(
            natsOptions_SetEventLoop(
                o,
                l.ptr(),
                Some(ev_attach),
                Some(ev_read),
                Some(ev_write),
                Some(ev_detach)
            ),
            NATS_OK
        );
        tune(o);
        let mut nc = null_mut();
        let s = natsConnection_Connect(&mut nc, o);
        natsOptions_Destroy(o);
        assert_eq!(s, NATS_OK);
        nc
    }
}

fn subscribe(nc: *mut natsConnection, subj: &str, cb: MsgHandlerFn, cl: *const c_void) -> *mut natsSubscription {
    let mut s = null_mut();
    assert_eq!(
        unsafe { natsConnection_Subscribe(&mut s, nc, c(subj).as_ptr(), Some(cb), cl as *mut c_void) },
        NATS_OK
    );
    s
}

type MsgHandlerFn = unsafe extern "C" fn(*mut natsConnection, *mut natsSubscription, *mut natsMsg, *mut c_void);

fn request(nc: *mut natsConnection, subj: &str, data: &str) -> String {
    unsafe {
        let mut m = null_mut();
        let s = natsConnection_RequestString(&mut m, nc, c(subj).as_ptr(), c(data).as_ptr(), 5000);
        assert_eq!(s, NATS_OK, "request on {subj}");
        let r = CStr::from_ptr(natsMsg_GetData(m)).to_string_lossy().into_owned();
        natsMsg_Destroy(m);
        r
    }
}

/// Pub/sub and request/reply on `nc` (the subjects are `tag`-specific).
fn exercise(nc: *mut natsConnection, tag: &str) {
    let cnt: &'static Counter = leak(Counter { n: AtomicUsize::new(0) });
    let s1 = subscribe(
        nc,
        &format!("{tag}.data"),
        on_msg,
        cnt as *const Counter as *const c_void,
    );
    let s2 = subscribe(nc, &format!("{tag}.svc"), on_request, std::ptr::null());
    unsafe {
        assert_eq!(natsConnection_Flush(nc), NATS_OK);
        for _ in 0..200 {
            assert_eq!(
                natsConnection_PublishString(nc, c(&format!("{tag}.data")).as_ptr(), c("x").as_ptr()),
                NATS_OK
            );
        }
        assert_eq!(natsConnection_Flush(nc), NATS_OK);
    }
    assert!(wait_for(WAIT, || cnt.n.load(Ordering::SeqCst) == 200));
    assert_eq!(request(nc, &format!("{tag}.svc"), "hello"), "re:hello");
    unsafe {
        natsSubscription_Destroy(s1);
        natsSubscription_Destroy(s2);
    }
}

fn destroy_and_wait_detached(l: &PollLoop, nc: *mut natsConnection, before: usize) {
    unsafe { natsConnection_Destroy(nc) };
    assert!(wait_for(WAIT, || l.detached_events.load(Ordering::SeqCst) > before));
}

// ---------- tests ----------

#[test]
fn set_event_loop_refuses_null_arguments() {
    unsafe {
        let mut o = null_mut();
        assert_eq!(natsOptions_Create(&mut o), NATS_OK);
        let l = std::ptr::dangling_mut::<c_void>();
        let cases: [(natsStatus, natsStatus); 6] = [
            (
                natsOptions_SetEventLoop(
                    null_mut(),
                    l,
                    Some(ev_attach),
                    Some(ev_read),
                    Some(ev_write),
                    Some(ev_detach),
                ),
                NATS_INVALID_ARG,
            ),
            (
                natsOptions_SetEventLoop(
                    o,
                    null_mut(),
                    Some(ev_attach),
                    Some(ev_read),
                    Some(ev_write),
                    Some(ev_detach),
                ),
                NATS_INVALID_ARG,
            ),
            (
                natsOptions_SetEventLoop(o, l, None, Some(ev_read), Some(ev_write), Some(ev_detach)),
                NATS_INVALID_ARG,
            ),
            (
                natsOptions_SetEventLoop(o, l, Some(ev_attach), None, Some(ev_write), Some(ev_detach)),
                NATS_INVALID_ARG,
            ),
            (
                natsOptions_SetEventLoop(o, l, Some(ev_attach), Some(ev_read), None, Some(ev_detach)),
                NATS_INVALID_ARG,
            ),
            (
                natsOptions_SetEventLoop(o, l, Some(ev_attach), Some(ev_read), Some(ev_write), None),
                NATS_INVALID_ARG,
            ),
        ];
        for (k, (got, want)) in cases.iter().enumerate() {
            assert_eq!(got, want, "case {k}");
        }
        natsOptions_Destroy(o);
        // The adapter calls refuse NULL and record it.
        natsConnection_ProcessReadEvent(null_mut());
        let mut st = NATS_OK;
        assert!(!nats_GetLastError(&mut st).is_null());
        assert_eq!(st, NATS_INVALID_ARG);
        natsConnection_ProcessCloseEvent(null_mut());
        natsConnection_ProcessWriteEvent(null_mut());
        natsConnection_ProcessDetachedEvent(null_mut());
        // -1 is left alone.
        let mut fd = -1;
        natsConnection_ProcessCloseEvent(&mut fd);
        assert_eq!(fd, -1);
    }
}

unsafe extern "C" fn failing_attach(_: *mut *mut c_void, _: *mut c_void, _: *mut natsConnection, _: i32) -> natsStatus {
    NATS_NO_MEMORY
}

#[test]
fn a_failed_attach_fails_the_connect() {
    let srv = Server::start_default();
    unsafe {
        let mut o = null_mut();
        assert_eq!(natsOptions_Create(&mut o), NATS_OK);
        assert_eq!(natsOptions_SetURL(o, c(&srv.url()).as_ptr()), NATS_OK);
        let l = std::ptr::dangling_mut::<c_void>();
        assert_eq!(
            natsOptions_SetEventLoop(
                o,
                l,
                Some(failing_attach),
                Some(ev_read),
                Some(ev_write),
                Some(ev_detach)
            ),
            NATS_OK
        );
        let mut nc = null_mut();
        assert_eq!(natsConnection_Connect(&mut nc, o), NATS_NO_MEMORY);
        assert!(nc.is_null());
        let text = CStr::from_ptr(nats_GetLastError(null_mut()))
            .to_string_lossy()
            .into_owned();
        assert!(text.contains("event loop"), "{text}");
        natsOptions_Destroy(o);
    }
}

/// WebSocket connections (beyond cnats) keep their reader thread: with an
/// event loop set, a `ws://` connect fails with a text saying so, before
/// the adapter is asked to attach anything.
#[test]
fn a_websocket_url_is_refused_in_event_loop_mode() {
    let wp = common::server::free_port();
    let srv = Server::start(&common::server::websocket_block(wp, None));
    common::server::wait_listening(wp);
    let _keep = &srv;
    unsafe {
        let mut o = null_mut();
        assert_eq!(natsOptions_Create(&mut o), NATS_OK);
        assert_eq!(
            natsOptions_SetURL(o, c(&format!("ws://127.0.0.1:{wp}")).as_ptr()),
            NATS_OK
        );
        let l = std::ptr::dangling_mut::<c_void>();
        assert_eq!(
            natsOptions_SetEventLoop(
                o,
                l,
                Some(failing_attach),
                Some(ev_read),
                Some(ev_write),
                Some(ev_detach)
            ),
            NATS_OK
        );
        let mut nc = null_mut();
        let s = natsConnection_Connect(&mut nc, o);
        assert_ne!(s, NATS_OK);
        assert_ne!(s, NATS_NO_MEMORY, "the adapter must not be asked to attach");
        assert!(nc.is_null());
        let text = CStr::from_ptr(nats_GetLastError(null_mut()))
            .to_string_lossy()
            .into_owned();
        assert!(text.contains("WebSocket"), "{text}");
        natsOptions_Destroy(o);
    }
}

#[test]
fn pub_sub_request_on_a_poll_loop_without_reader_thread() {
    let srv = Server::start_default();
    let l = PollLoop::start();
    let nc = connect(l, &srv.url(), None, None);
    // Attached once, from the connecting thread, with a socket of its own.
    let att = l.attaches.lock().unwrap().clone();
    assert_eq!(att.len(), 1);
    assert_eq!(att[0].0, std::thread::current().id());
    assert!(att[0].1 >= 0);
    assert_eq!(reader_threads(), 0, "no reader thread in event-loop mode");
    exercise(nc, "plain");
    assert_eq!(reader_threads(), 0);
    // Close from this thread: write then read interest removed, the
    // socket closed by the loop, detach, then the detached event.
    unsafe { natsConnection_Close(nc) };
    assert!(wait_for(WAIT, || l.closes.load(Ordering::SeqCst) == 1));
    assert!(l.read_removes.load(Ordering::SeqCst) >= 1);
    assert_eq!(l.detaches.load(Ordering::SeqCst), 1);
    destroy_and_wait_detached(l, nc, 0);
    assert_eq!(l.detaches.load(Ordering::SeqCst), 1);
}

#[test]
fn writes_the_socket_cannot_take_wait_for_write_events() {
    let srv = Server::start_default();
    let l = PollLoop::start();
    let nc = connect(l, &srv.url(), None, None);
    let cnt: &'static Counter = leak(Counter { n: AtomicUsize::new(0) });
    let s = subscribe(nc, "big", on_msg, cnt as *const Counter as *const c_void);
    let payload = vec![b'z'; 512 * 1024];
    unsafe {
        assert_eq!(natsConnection_Flush(nc), NATS_OK);
        for _ in 0..100 {
            assert_eq!(
                natsConnection_Publish(
                    nc,
                    c("big").as_ptr(),
                    payload.as_ptr() as *const c_void,
                    payload.len() as i32
                ),
                NATS_OK
            );
        }
        assert_eq!(natsConnection_FlushTimeout(nc, 30_000), NATS_OK);
    }
    assert!(wait_for(WAIT, || cnt.n.load(Ordering::SeqCst) == 100));
    // 50 MB do not fit in the socket at once: write interest was asked
    // for, and removed once drained.
    let adds = l.write_adds.load(Ordering::SeqCst);
    assert!(adds > 0);
    assert!(wait_for(WAIT, || l.write_removes.load(Ordering::SeqCst) >= adds));
    unsafe { natsSubscription_Destroy(s) };
    destroy_and_wait_detached(l, nc, 0);
}

#[test]
fn server_restart_reattaches_with_the_new_socket() {
    let mut srv = Server::start_default();
    let l = PollLoop::start();
    let ev = leak(Events {
        reconnected: AtomicUsize::new(0),
        closed: AtomicUsize::new(0),
    });
    let nc = connect(l, &srv.url(), None, Some(ev));
    let cnt: &'static Counter = leak(Counter { n: AtomicUsize::new(0) });
    let s = subscribe(nc, "after", on_msg, cnt as *const Counter as *const c_void);
    unsafe { assert_eq!(natsConnection_Flush(nc), NATS_OK) };
    srv.restart();
    assert!(wait_for(WAIT, || ev.reconnected.load(Ordering::SeqCst) == 1));
    let att = l.attaches.lock().unwrap().clone();
    assert_eq!(att.len(), 2);
    // The re-attach comes from the reconnect thread, after the old socket
    // stopped polling and was closed by the loop.
    assert_ne!(att[1].0, std::thread::current().id());
    assert_ne!(att[1].0, l.loop_thread());
    assert!(l.closes.load(Ordering::SeqCst) >= 1);
    // The subscription is back on the new server.
    unsafe {
        assert_eq!(natsConnection_Flush(nc), NATS_OK);
        assert_eq!(
            natsConnection_PublishString(nc, c("after").as_ptr(), c("x").as_ptr()),
            NATS_OK
        );
    }
    assert!(wait_for(WAIT, || cnt.n.load(Ordering::SeqCst) == 1));
    exercise(nc, "restarted");
    unsafe { natsSubscription_Destroy(s) };
    destroy_and_wait_detached(l, nc, 0);
    assert!(wait_for(WAIT, || ev.closed.load(Ordering::SeqCst) == 1));
    assert_eq!(reader_threads(), 0);
}

#[test]
fn pings_forced_reconnect_and_flush_through_the_loop() {
    let srv = Server::start_default();
    let l = PollLoop::start();
    let ev = leak(Events {
        reconnected: AtomicUsize::new(0),
        closed: AtomicUsize::new(0),
    });
    // PINGs every 20 ms, stale after 2 unanswered: the PONGs are read by
    // the loop.
    let nc = connect_with(l, &srv.url(), None, Some(ev), |o| unsafe {
        assert_eq!(natsOptions_SetPingInterval(o, 20), NATS_OK);
        assert_eq!(natsOptions_SetMaxPingsOut(o, 2), NATS_OK);
    });
    // Many ping intervals: never stale, never reconnected.
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(20));
        unsafe { assert_eq!(natsConnection_Flush(nc), NATS_OK) };
    }
    assert_eq!(ev.reconnected.load(Ordering::SeqCst), 0);
    assert_eq!(l.attaches.lock().unwrap().len(), 1);
    // natsConnection_Reconnect: the loop sees the socket end and the
    // connection re-attaches.
    unsafe { assert_eq!(natsConnection_Reconnect(nc), NATS_OK) };
    assert!(wait_for(WAIT, || ev.reconnected.load(Ordering::SeqCst) == 1));
    assert_eq!(l.attaches.lock().unwrap().len(), 2);
    exercise(nc, "forced");
    destroy_and_wait_detached(l, nc, 0);
    assert!(wait_for(WAIT, || ev.closed.load(Ordering::SeqCst) == 1));
}

#[test]
fn close_and_destroy_from_the_loop_thread() {
    let srv = Server::start_default();
    let l = PollLoop::start();
    let ev = leak(Events {
        reconnected: AtomicUsize::new(0),
        closed: AtomicUsize::new(0),
    });
    let nc = connect(l, &srv.url(), None, Some(ev));
    exercise(nc, "fromloop");
    // Something buffered and not flushed: Close on the loop thread must
    // not wait for the loop.
    unsafe { natsConnection_PublishString(nc, c("x").as_ptr(), c("y").as_ptr()) };
    let ncp = nc as usize;
    let done = leak(AtomicBool::new(false));
    l.run_on_loop(move || {
        unsafe {
            natsConnection_Close(ncp as *mut natsConnection);
            natsConnection_Destroy(ncp as *mut natsConnection);
        }
        done.store(true, Ordering::SeqCst);
    });
    assert!(wait_for(WAIT, || done.load(Ordering::SeqCst)));
    assert!(wait_for(WAIT, || l.detached_events.load(Ordering::SeqCst) == 1));
    assert!(wait_for(WAIT, || ev.closed.load(Ordering::SeqCst) == 1));
    assert_eq!(l.detaches.load(Ordering::SeqCst), 1);
    assert!(wait_for(WAIT, || l.closes.load(Ordering::SeqCst) == 1));
}

#[test]
fn ten_connections_on_one_loop() {
    let srv = Server::start_default();
    let l = PollLoop::start();
    let ncs: Vec<usize> = (0..10).map(|_| connect(l, &srv.url(), None, None) as usize).collect();
    let cnt: &'static Counter = leak(Counter { n: AtomicUsize::new(0) });
    let subs: Vec<usize> = ncs
        .iter()
        .enumerate()
        .map(|(i, &nc)| {
            let s = subscribe(
                nc as *mut _,
                &format!("ten.{i}"),
                on_msg,
                cnt as *const Counter as *const c_void,
            );
            unsafe { assert_eq!(natsConnection_Flush(nc as *mut _), NATS_OK) };
            s as usize
        })
        .collect();
    // Each connection publishes 50 messages to the next one.
    for (i, &nc) in ncs.iter().enumerate() {
        let subj = c(&format!("ten.{}", (i + 1) % 10));
        for _ in 0..50 {
            unsafe { natsConnection_PublishString(nc as *mut _, subj.as_ptr(), c("m").as_ptr()) };
        }
    }
    for &nc in &ncs {
        unsafe { assert_eq!(natsConnection_Flush(nc as *mut _), NATS_OK) };
    }
    assert!(wait_for(WAIT, || cnt.n.load(Ordering::SeqCst) == 500));
    assert_eq!(reader_threads(), 0);
    for s in subs {
        unsafe { natsSubscription_Destroy(s as *mut _) };
    }
    for nc in ncs {
        unsafe { natsConnection_Destroy(nc as *mut _) };
    }
    assert!(wait_for(WAIT, || l.detached_events.load(Ordering::SeqCst) == 10));
    assert!(wait_for(WAIT, || l.closes.load(Ordering::SeqCst) == 10));
}

// ---------- TLS ----------

struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
        let dir = tempfile::tempdir().unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = p.self_signed(&ca_key).unwrap();
        let key = KeyPair::generate().unwrap();
        let p = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
        let cert = p.signed_by(&key, &ca, &ca_key).unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.path().join("cert.pem"), cert.pem()).unwrap();
        std::fs::write(dir.path().join("key.pem"), key.serialize_pem()).unwrap();
        Pki { dir }
    }
    fn p(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }
}

#[test]
fn tls_pub_sub_request_and_restart_on_a_poll_loop() {
    let pki = Pki::new();
    let mut srv = Server::start(&format!(
        "tls {{\n  cert_file: \"{}\"\n  key_file: \"{}\"\n  timeout: 5\n}}\n",
        pki.p("cert.pem"),
        pki.p("key.pem")
    ));
    let l = PollLoop::start();
    let ev = leak(Events {
        reconnected: AtomicUsize::new(0),
        closed: AtomicUsize::new(0),
    });
    let url = format!("tls://127.0.0.1:{}", srv.port());
    let nc = connect(l, &url, Some(&pki.p("ca.pem")), Some(ev));
    exercise(nc, "tls");
    // Large messages over TLS (write interest, rustls' own backlog).
    let cnt: &'static Counter = leak(Counter { n: AtomicUsize::new(0) });
    let s = subscribe(nc, "tlsbig", on_msg, cnt as *const Counter as *const c_void);
    let payload = vec![b'q'; 256 * 1024];
    unsafe {
        assert_eq!(natsConnection_Flush(nc), NATS_OK);
        for _ in 0..100 {
            natsConnection_Publish(
                nc,
                c("tlsbig").as_ptr(),
                payload.as_ptr() as *const c_void,
                payload.len() as i32,
            );
        }
        assert_eq!(natsConnection_FlushTimeout(nc, 30_000), NATS_OK);
    }
    assert!(wait_for(WAIT, || cnt.n.load(Ordering::SeqCst) == 100));
    // Reconnect through the loop, over TLS.
    srv.restart();
    assert!(wait_for(WAIT, || ev.reconnected.load(Ordering::SeqCst) == 1));
    assert_eq!(l.attaches.lock().unwrap().len(), 2);
    exercise(nc, "tls2");
    assert_eq!(reader_threads(), 0);
    unsafe { natsSubscription_Destroy(s) };
    destroy_and_wait_detached(l, nc, 0);
    assert!(wait_for(WAIT, || ev.closed.load(Ordering::SeqCst) == 1));
    let _: *const c_char = std::ptr::null();
}

//! The panic boundary, proved with forced panics (feature `test-hooks`):
//!
//!     cargo test --features test-hooks --test panic_boundary
//!
//! - a panic inside an exported function becomes `NATS_ERR` with the text
//!   "internal error (panic): …", never an abort or an unwind into C, and
//!   the library stays usable;
//! - a panic in a connection's reader, flusher or delivery thread closes
//!   the connection with `NATS_ERR` and that text (the closed and error
//!   callbacks fire) and the process goes on.
#![cfg(feature = "test-hooks")]
#![allow(clippy::missing_safety_doc)]

mod common;

use common::server::Server;
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
use nats::testhooks;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_void};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(20);
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    let g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    testhooks::disarm_all();
    g
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

#[derive(Default)]
struct Events {
    closed: AtomicUsize,
    errors: Mutex<Vec<natsStatus>>,
}

unsafe extern "C" fn on_closed(_: *mut natsConnection, cl: *mut c_void) {
    unsafe { &*(cl as *const Events) }.closed.fetch_add(1, Ordering::SeqCst);
}
unsafe extern "C" fn on_error(_: *mut natsConnection, _: *mut natsSubscription, s: natsStatus, cl: *mut c_void) {
    unsafe { &*(cl as *const Events) }.errors.lock().unwrap().push(s);
}
unsafe extern "C" fn on_msg(_: *mut natsConnection, _: *mut natsSubscription, m: *mut natsMsg, _: *mut c_void) {
    unsafe { natsMsg_Destroy(m) };
}

fn connect(srv: &Server, ev: &Events) -> (*mut natsOptions, *mut natsConnection) {
    let mut o = null_mut();
    let cl = ev as *const Events as *mut c_void;
    let mut nc = null_mut();
    unsafe {
        assert_eq!(natsOptions_Create(&mut o), NATS_OK);
        assert_eq!(natsOptions_SetURL(o, c(&srv.url()).as_ptr()), NATS_OK);
        assert_eq!(natsOptions_SetClosedCB(o, Some(on_closed), cl), NATS_OK);
        assert_eq!(natsOptions_SetErrorHandler(o, Some(on_error), cl), NATS_OK);
        assert_eq!(natsConnection_Connect(&mut nc, o), NATS_OK, "{}", last_error());
    }
    (o, nc)
}

/// The connection was closed because of a panic in `thread`.
fn assert_closed_by_panic(nc: *mut natsConnection, ev: &Events, thread: &str) {
    assert!(
        wait_for(LONG, || ev.closed.load(Ordering::SeqCst) == 1),
        "closed callback"
    );
    assert_eq!(unsafe { natsConnection_Status(nc) }, NATS_CONN_STATUS_CLOSED);
    let mut p: *const c_char = std::ptr::null();
    let s = unsafe { natsConnection_GetLastError(nc, &mut p) };
    let text = unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned();
    assert_eq!(s, NATS_ERR, "{text}");
    assert!(text.starts_with("internal error (panic)"), "{text}");
    assert!(text.contains(thread), "{text}");
    assert!(
        wait_for(LONG, || ev.errors.lock().unwrap().contains(&NATS_ERR)),
        "error callback"
    );
    // The closed connection answers calls with a status, no crash.
    assert_eq!(
        unsafe { natsConnection_PublishString(nc, c("x").as_ptr(), c("y").as_ptr()) },
        NATS_CONNECTION_CLOSED
    );
}

fn finish(o: *mut natsOptions, nc: *mut natsConnection) {
    unsafe {
        natsConnection_Destroy(nc);
        natsOptions_Destroy(o);
    }
    assert!(
        wait_for(LONG, || nats::runtime::thread_count() == 0),
        "library threads left"
    );
}

#[test]
fn panic_in_an_api_call_becomes_nats_err() {
    let _g = serial();
    let mut o = null_mut();
    testhooks::arm(testhooks::FFI);
    let s = unsafe { natsOptions_Create(&mut o) };
    assert_eq!(s, NATS_ERR);
    assert!(o.is_null(), "no output on failure");
    let text = last_error();
    assert!(text.starts_with("internal error (panic)"), "{text}");
    assert!(!testhooks::is_armed(testhooks::FFI));
    // A value-returning function (guard_or) gives its fallback.
    testhooks::arm(testhooks::FFI);
    assert_eq!(unsafe { natsConnection_Buffered(null_mut()) }, -1);
    assert!(last_error().starts_with("internal error (panic)"));
    // The library is fine afterwards.
    assert_eq!(unsafe { natsOptions_Create(&mut o) }, NATS_OK);
    assert!(!o.is_null());
    unsafe { natsOptions_Destroy(o) };
}

#[test]
fn panic_in_the_reader_thread_closes_the_connection() {
    let _g = serial();
    let srv = Server::start_default();
    let ev = Events::default();
    let (o, nc) = connect(&srv, &ev);
    testhooks::arm(testhooks::READER);
    // The PONG of this flush is the next operation the reader handles.
    let s = unsafe { natsConnection_FlushTimeout(nc, 5000) };
    assert_ne!(s, NATS_OK);
    assert_closed_by_panic(nc, &ev, "reader");
    finish(o, nc);
}

// Event-loop mode: a minimal loop on the test's thread (attach records the
// socket; the test polls it and calls natsConnection_ProcessReadEvent).
static EV_FD: AtomicUsize = AtomicUsize::new(usize::MAX);

unsafe extern "C" fn ev_attach(ud: *mut *mut c_void, _: *mut c_void, _: *mut natsConnection, fd: i32) -> natsStatus {
    unsafe { *ud = std::ptr::dangling_mut::<c_void>() };
    EV_FD.store(fd as usize, Ordering::SeqCst);
    NATS_OK
}
unsafe extern "C" fn ev_add_remove(_: *mut c_void, add: bool) -> natsStatus {
    if !add {
        // Read interest removed: the socket is ours to close.
        let fd = EV_FD.swap(usize::MAX, Ordering::SeqCst);
        if fd != usize::MAX {
            let mut fd = fd as i32;
            unsafe { nats::ffi::evloop::natsConnection_ProcessCloseEvent(&mut fd) };
        }
    }
    NATS_OK
}
unsafe extern "C" fn ev_detach(_: *mut c_void) -> natsStatus {
    NATS_OK
}

#[test]
fn panic_in_process_read_event_closes_the_connection() {
    use nats::ffi::evloop::*;
    let _g = serial();
    let srv = Server::start_default();
    let ev = Events::default();
    let cl = &ev as *const Events as *mut c_void;
    let mut o = null_mut();
    let mut nc = null_mut();
    unsafe {
        assert_eq!(natsOptions_Create(&mut o), NATS_OK);
        assert_eq!(natsOptions_SetURL(o, c(&srv.url()).as_ptr()), NATS_OK);
        assert_eq!(natsOptions_SetClosedCB(o, Some(on_closed), cl), NATS_OK);
        assert_eq!(natsOptions_SetErrorHandler(o, Some(on_error), cl), NATS_OK);
        let lp = std::ptr::dangling_mut::<c_void>();
        let (a, rw, d) = (Some(ev_attach as _), Some(ev_add_remove as _), Some(ev_detach as _));
        assert_eq!(natsOptions_SetEventLoop(o, lp, a, rw, rw, d), NATS_OK);
        assert_eq!(natsConnection_Connect(&mut nc, o), NATS_OK, "{}", last_error());
    }
    let ncp = nc as usize;
    let flusher = std::thread::spawn(move || unsafe { natsConnection_FlushTimeout(ncp as *mut _, 5000) });
    testhooks::arm(testhooks::READER);
    // This thread is the loop: the PONG is the next operation processed.
    let deadline = std::time::Instant::now() + LONG;
    while ev.closed.load(Ordering::SeqCst) == 0 && std::time::Instant::now() < deadline {
        let fd = EV_FD.load(Ordering::SeqCst);
        if fd != usize::MAX {
            let mut p = libc::pollfd {
                fd: fd as i32,
                events: libc::POLLIN,
                revents: 0,
            };
            unsafe { libc::poll(&mut p, 1, 10) };
        }
        unsafe { natsConnection_ProcessReadEvent(nc) };
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_ne!(flusher.join().unwrap(), NATS_OK);
    assert_closed_by_panic(nc, &ev, "event loop");
    finish(o, nc);
}

#[test]
fn panic_in_the_flusher_thread_closes_the_connection() {
    let _g = serial();
    let srv = Server::start_default();
    let ev = Events::default();
    let (o, nc) = connect(&srv, &ev);
    testhooks::arm(testhooks::FLUSHER);
    let _ = unsafe { natsConnection_PublishString(nc, c("foo").as_ptr(), c("bar").as_ptr()) };
    assert_closed_by_panic(nc, &ev, "flusher");
    finish(o, nc);
}

#[test]
fn panic_in_a_delivery_thread_closes_the_connection() {
    let _g = serial();
    let srv = Server::start_default();
    let ev = Events::default();
    let (o, nc) = connect(&srv, &ev);
    testhooks::arm(testhooks::DELIVERY);
    let mut sub = null_mut();
    assert_eq!(
        unsafe { natsConnection_Subscribe(&mut sub, nc, c("foo").as_ptr(), Some(on_msg), null_mut()) },
        NATS_OK
    );
    // The delivery thread starts with the subscription's first message.
    assert_eq!(
        unsafe { natsConnection_PublishString(nc, c("foo").as_ptr(), c("x").as_ptr()) },
        NATS_OK
    );
    assert_closed_by_panic(nc, &ev, "nats-sub");
    unsafe { natsSubscription_Destroy(sub) };
    finish(o, nc);
}

/// The exports that used to run outside the guard (clocks, versions,
/// sleep, status texts, the last-error readers) now catch a panic too:
/// their fallback is returned, the panic is recorded under their name.
#[test]
fn panic_in_formerly_unguarded_exports_is_caught() {
    let _g = serial();
    let stack = || {
        let mut buf = [0 as c_char; 256];
        assert_eq!(unsafe { nats_GetLastErrorStack(buf.as_mut_ptr(), buf.len()) }, NATS_OK);
        unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned()
    };
    testhooks::arm(testhooks::FFI);
    assert_eq!(nats_Now(), 0);
    assert!(!testhooks::is_armed(testhooks::FFI), "nats_Now runs inside the guard");
    assert!(last_error().starts_with("internal error (panic)"));
    assert_eq!(stack(), "nats_Now");

    testhooks::arm(testhooks::FFI);
    nats_Sleep(0);
    assert!(!testhooks::is_armed(testhooks::FFI), "nats_Sleep runs inside the guard");
    assert_eq!(stack(), "nats_Sleep");

    testhooks::arm(testhooks::FFI);
    let t = nats::ffi::status::natsStatus_GetText(NATS_OK as i32);
    assert_eq!(unsafe { CStr::from_ptr(t) }.to_str().unwrap(), "Unknown Status");
    assert_eq!(stack(), "natsStatus_GetText");

    testhooks::arm(testhooks::FFI);
    assert_eq!(unsafe { natsConnection_GetLastError(null_mut(), null_mut()) }, NATS_ERR);
    assert_eq!(stack(), "natsConnection_GetLastError");
    testhooks::disarm_all();
}

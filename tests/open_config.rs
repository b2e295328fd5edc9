//! `nats_OpenWithConfig`: the settings cnats applies to every new options
//! object take effect (its own process: the library configuration is
//! process-wide).
#![allow(clippy::missing_safety_doc)]

mod common;

use common::server::Server;
use nats::ffi::conn::*;
use nats::ffi::conn_pub::*;
use nats::ffi::conn_sub::*;
use nats::ffi::library::*;
use nats::ffi::msg::*;
use nats::ffi::options::*;
use nats::ffi::sub::*;
use nats::natsStatus::*;
use std::ffi::{CStr, CString};
use std::os::raw::c_void;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

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

static STARTED: AtomicUsize = AtomicUsize::new(0);
static DELIVERED_ON: Mutex<Vec<String>> = Mutex::new(Vec::new());

unsafe extern "C" fn thread_started(_closure: *mut c_void) {
    STARTED.fetch_add(1, Ordering::SeqCst);
}

unsafe extern "C" fn on_msg(_nc: *mut natsConnection, _sub: *mut natsSubscription, m: *mut natsMsg, _c: *mut c_void) {
    let name = std::thread::current().name().unwrap_or("?").to_string();
    DELIVERED_ON.lock().unwrap().push(name);
    unsafe { natsMsg_Destroy(m) };
}

#[test]
fn open_with_config_defaults_apply_to_new_options() {
    let mut cfg = natsClientConfig {
        DefaultWriteDeadline: 300,
        LockSpinCount: -1,
        DefaultToThreadPool: true,
        ThreadPoolMax: 2,
        DefaultRepliesToThreadPool: true,
        UseSeparatePoolForReplies: true,
        ReplyThreadPoolMax: 3,
        ThreadStartedHandler: Some(thread_started),
        ThreadStartedHandlerClosure: null_mut(),
    };
    assert_eq!(unsafe { nats_OpenWithConfig(&mut cfg) }, NATS_OK);
    let lib = nats::runtime::config();
    assert_eq!(lib.default_write_deadline_ms, 300);
    assert!(lib.default_replies_to_pool && lib.separate_reply_pool);
    assert_eq!(lib.reply_pool_max, 3);

    let mut srv = Server::start_default();
    let mut o = null_mut();
    let mut nc = null_mut();
    unsafe {
        // Nothing but the URL (and no reconnect, to make the end of the
        // write-deadline check deterministic) is set on these options.
        assert_eq!(natsOptions_Create(&mut o), NATS_OK);
        assert_eq!(natsOptions_SetURL(o, c(&srv.url()).as_ptr()), NATS_OK);
        assert_eq!(natsOptions_SetAllowReconnect(o, false), NATS_OK);
        assert_eq!(natsConnection_Connect(&mut nc, o), NATS_OK, "{}", last_error());

        // DefaultToThreadPool: an asynchronous subscription is served by
        // the shared delivery pool, not by a thread of its own.
        let mut sub = null_mut();
        assert_eq!(
            natsConnection_Subscribe(&mut sub, nc, c("cfg").as_ptr(), Some(on_msg), null_mut()),
            NATS_OK
        );
        assert_eq!(
            natsConnection_PublishString(nc, c("cfg").as_ptr(), c("x").as_ptr()),
            NATS_OK
        );
        assert!(common::wait_for(Duration::from_secs(10), || !DELIVERED_ON
            .lock()
            .unwrap()
            .is_empty()));
        assert_eq!(DELIVERED_ON.lock().unwrap()[0], "nats-delivery");
        // ThreadStartedHandler ran for the library's threads.
        assert!(STARTED.load(Ordering::SeqCst) >= 2);
        natsSubscription_Destroy(sub);

        // DefaultWriteDeadline: with the server stopped (it reads nothing),
        // publishing fills the socket and the write buffer; the deadline
        // ends the stuck write (without one, the publisher waits forever).
        srv.signal(libc::SIGSTOP);
        let ncp = nc as usize;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let nc = ncp as *mut natsConnection;
            let chunk = vec![b'p'; 64 * 1024];
            let mut last = NATS_OK;
            for _ in 0..200_000 {
                last = natsConnection_Publish(nc, c("big").as_ptr(), chunk.as_ptr().cast(), chunk.len() as i32);
                if last != NATS_OK {
                    break;
                }
            }
            let _ = tx.send(last);
        });
        let last = rx.recv_timeout(Duration::from_secs(60));
        // The flusher's stuck write times out too, and closes the
        // connection (no reconnect), while the server is still stopped.
        let closed = common::wait_for(Duration::from_secs(20), || natsConnection_IsClosed(nc));
        srv.signal(libc::SIGCONT);
        let last = last.expect("publisher still blocked: the default write deadline was not applied");
        assert!(matches!(last, NATS_TIMEOUT | NATS_CONNECTION_CLOSED), "{last:?}");
        assert!(closed, "the stuck write did not time out");
        let mut text: *const std::os::raw::c_char = std::ptr::null();
        assert_eq!(natsConnection_GetLastError(nc, &mut text), NATS_TIMEOUT);
        natsConnection_Destroy(nc);
        natsOptions_Destroy(o);
    }
}

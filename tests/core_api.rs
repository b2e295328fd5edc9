//! Core messaging through the C ABI against a real nats-server.
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
use nats::ffi::stats::*;
use nats::ffi::sub::*;
use nats::natsStatus::{self, *};
use nats::status::natsConnStatus::*;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_void};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
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

struct Opts(*mut natsOptions);
impl Opts {
    fn new(url: &str) -> Opts {
        let mut o = null_mut();
        assert_eq!(unsafe { natsOptions_Create(&mut o) }, NATS_OK);
        assert_eq!(unsafe { natsOptions_SetURL(o, c(url).as_ptr()) }, NATS_OK);
        Opts(o)
    }
}
impl Drop for Opts {
    fn drop(&mut self) {
        unsafe { natsOptions_Destroy(self.0) }
    }
}

fn connect(o: &Opts) -> *mut natsConnection {
    let mut nc = null_mut();
    let s = unsafe { natsConnection_Connect(&mut nc, o.0) };
    assert_eq!(s, NATS_OK, "connect: {}", last_error());
    nc
}

fn connect_url(url: &str) -> *mut natsConnection {
    connect(&Opts::new(url))
}

unsafe fn data(m: *mut natsMsg) -> String {
    let n = unsafe { natsMsg_GetDataLength(m) } as usize;
    let p = unsafe { natsMsg_GetData(m) } as *const u8;
    String::from_utf8_lossy(unsafe { std::slice::from_raw_parts(p, n) }).into_owned()
}

#[test]
fn sync_subscribe_publish_next_msg() {
    let srv = Server::start_default();
    let nc = connect_url(&srv.url());
    unsafe {
        let mut sub = null_mut();
        assert_eq!(natsConnection_SubscribeSync(&mut sub, nc, c("foo").as_ptr()), NATS_OK);
        for i in 0..10 {
            assert_eq!(
                natsConnection_PublishString(nc, c("foo").as_ptr(), c(&format!("m{i}")).as_ptr()),
                NATS_OK
            );
        }
        for i in 0..10 {
            let mut m = null_mut();
            assert_eq!(natsSubscription_NextMsg(&mut m, sub, 2000), NATS_OK);
            assert_eq!(data(m), format!("m{i}"));
            assert_eq!(CStr::from_ptr(natsMsg_GetSubject(m)).to_str().unwrap(), "foo");
            assert!(natsMsg_GetReply(m).is_null());
            // Payload is NUL-terminated in place.
            assert_eq!(*natsMsg_GetData(m).add(natsMsg_GetDataLength(m) as usize), 0);
            natsMsg_Destroy(m);
        }
        let mut m = null_mut();
        assert_eq!(natsSubscription_NextMsg(&mut m, sub, 50), NATS_TIMEOUT);
        assert!(m.is_null());
        let (mut pm, mut pb, mut d) = (0, 0, 0i64);
        assert_eq!(natsSubscription_GetPending(sub, &mut pm, &mut pb), NATS_OK);
        assert_eq!((pm, pb), (0, 0));
        assert_eq!(natsSubscription_GetDelivered(sub, &mut d), NATS_OK);
        assert_eq!(d, 10);
        natsSubscription_Destroy(sub);
        natsConnection_Destroy(nc);
    }
}

struct Collector {
    msgs: Mutex<Vec<String>>,
    count: AtomicUsize,
}

unsafe extern "C" fn collect(
    _nc: *mut natsConnection,
    _sub: *mut natsSubscription,
    msg: *mut natsMsg,
    cl: *mut c_void,
) {
    let col = unsafe { &*(cl as *const Collector) };
    col.msgs.lock().unwrap().push(unsafe { data(msg) });
    col.count.fetch_add(1, Ordering::SeqCst);
    unsafe { natsMsg_Destroy(msg) };
}

#[test]
fn async_and_queue_subscriptions() {
    let srv = Server::start_default();
    let nc = connect_url(&srv.url());
    let all = Arc::new(Collector {
        msgs: Mutex::new(vec![]),
        count: AtomicUsize::new(0),
    });
    let q1 = Arc::new(Collector {
        msgs: Mutex::new(vec![]),
        count: AtomicUsize::new(0),
    });
    let q2 = Arc::new(Collector {
        msgs: Mutex::new(vec![]),
        count: AtomicUsize::new(0),
    });
    unsafe {
        let (mut s0, mut s1, mut s2) = (null_mut(), null_mut(), null_mut());
        assert_eq!(
            natsConnection_Subscribe(
                &mut s0,
                nc,
                c("q.>").as_ptr(),
                Some(collect),
                Arc::as_ptr(&all) as *mut c_void
            ),
            NATS_OK
        );
        assert_eq!(
            natsConnection_QueueSubscribe(
                &mut s1,
                nc,
                c("q.*").as_ptr(),
                c("workers").as_ptr(),
                Some(collect),
                Arc::as_ptr(&q1) as *mut c_void
            ),
            NATS_OK
        );
        assert_eq!(
            natsConnection_QueueSubscribe(
                &mut s2,
                nc,
                c("q.*").as_ptr(),
                c("workers").as_ptr(),
                Some(collect),
                Arc::as_ptr(&q2) as *mut c_void
            ),
            NATS_OK
        );
        assert_eq!(natsConnection_Flush(nc), NATS_OK);
        for i in 0..200 {
            assert_eq!(
                natsConnection_PublishString(nc, c("q.x").as_ptr(), c(&i.to_string()).as_ptr()),
                NATS_OK
            );
        }
        assert!(wait_for(Duration::from_secs(5), || all.count.load(Ordering::SeqCst)
            == 200
            && q1.count.load(Ordering::SeqCst) + q2.count.load(Ordering::SeqCst) == 200));
        // Per-subscription order is kept.
        let got = all.msgs.lock().unwrap().clone();
        assert_eq!(got, (0..200).map(|i| i.to_string()).collect::<Vec<_>>());
        // Each queue message went to exactly one member.
        let mut qs: Vec<i32> = q1
            .msgs
            .lock()
            .unwrap()
            .iter()
            .chain(q2.msgs.lock().unwrap().iter())
            .map(|s| s.parse().unwrap())
            .collect();
        qs.sort();
        assert_eq!(qs, (0..200).collect::<Vec<_>>());
        natsSubscription_Destroy(s0);
        natsSubscription_Destroy(s1);
        natsSubscription_Destroy(s2);
        natsConnection_Destroy(nc);
    }
}

unsafe extern "C" fn replier(
    nc: *mut natsConnection,
    _sub: *mut natsSubscription,
    msg: *mut natsMsg,
    _cl: *mut c_void,
) {
    unsafe {
        let reply = natsMsg_GetReply(msg);
        let text = format!("re:{}", data(msg));
        natsConnection_PublishString(nc, reply, c(&text).as_ptr());
        natsMsg_Destroy(msg);
    }
}

#[test]
fn request_reply_and_no_responders() {
    let srv = Server::start_default();
    let nc = connect_url(&srv.url());
    unsafe {
        let mut s = null_mut();
        assert_eq!(
            natsConnection_Subscribe(&mut s, nc, c("svc").as_ptr(), Some(replier), null_mut()),
            NATS_OK
        );
        for i in 0..20 {
            let mut r = null_mut();
            assert_eq!(
                natsConnection_RequestString(&mut r, nc, c("svc").as_ptr(), c(&i.to_string()).as_ptr(), 2000),
                NATS_OK
            );
            assert_eq!(data(r), format!("re:{i}"));
            natsMsg_Destroy(r);
        }
        let mut r = null_mut();
        assert_eq!(
            natsConnection_RequestString(&mut r, nc, c("nobody").as_ptr(), c("x").as_ptr(), 2000),
            NATS_NO_RESPONDERS
        );
        assert!(r.is_null());
        assert_eq!(
            natsConnection_Request(&mut r, nc, c("nobody").as_ptr(), null_mut(), 0, 0),
            NATS_TIMEOUT
        );
        natsSubscription_Destroy(s);
        natsConnection_Destroy(nc);
    }
    // With no-responders disabled the request times out instead.
    let o = Opts::new(&srv.url());
    unsafe {
        assert_eq!(natsOptions_DisableNoResponders(o.0, true), NATS_OK);
        let nc = connect(&o);
        let mut r = null_mut();
        assert_eq!(
            natsConnection_RequestString(&mut r, nc, c("nobody").as_ptr(), c("x").as_ptr(), 200),
            NATS_TIMEOUT
        );
        natsConnection_Destroy(nc);
    }
    // Old request style.
    let o = Opts::new(&srv.url());
    unsafe {
        assert_eq!(natsOptions_UseOldRequestStyle(o.0, true), NATS_OK);
        let nc = connect(&o);
        let mut s = null_mut();
        assert_eq!(
            natsConnection_Subscribe(&mut s, nc, c("svc2").as_ptr(), Some(replier), null_mut()),
            NATS_OK
        );
        let mut r = null_mut();
        assert_eq!(
            natsConnection_RequestString(&mut r, nc, c("svc2").as_ptr(), c("old").as_ptr(), 2000),
            NATS_OK
        );
        assert_eq!(data(r), "re:old");
        natsMsg_Destroy(r);
        natsSubscription_Destroy(s);
        natsConnection_Destroy(nc);
    }
}

#[test]
fn headers_round_trip() {
    let srv = Server::start_default();
    let nc = connect_url(&srv.url());
    unsafe {
        assert_eq!(natsConnection_HasHeaderSupport(nc), NATS_OK);
        let mut sub = null_mut();
        assert_eq!(natsConnection_SubscribeSync(&mut sub, nc, c("h").as_ptr()), NATS_OK);
        let mut m = null_mut();
        assert_eq!(
            natsMsg_Create(&mut m, c("h").as_ptr(), null_mut(), c("body").as_ptr(), 4),
            NATS_OK
        );
        assert_eq!(natsMsgHeader_Set(m, c("Key").as_ptr(), c("v1").as_ptr()), NATS_OK);
        assert_eq!(natsMsgHeader_Add(m, c("Key").as_ptr(), c("v2").as_ptr()), NATS_OK);
        assert_eq!(natsConnection_PublishMsg(nc, m), NATS_OK);
        natsMsg_Destroy(m);
        let mut r = null_mut();
        assert_eq!(natsSubscription_NextMsg(&mut r, sub, 2000), NATS_OK);
        assert_eq!(data(r), "body");
        let mut v: *const c_char = null_mut();
        assert_eq!(natsMsgHeader_Get(r, c("Key").as_ptr(), &mut v), NATS_OK);
        assert_eq!(CStr::from_ptr(v).to_str().unwrap(), "v1");
        let mut vals: *mut *const c_char = null_mut();
        let mut n = 0;
        assert_eq!(natsMsgHeader_Values(r, c("Key").as_ptr(), &mut vals, &mut n), NATS_OK);
        assert_eq!(n, 2);
        assert_eq!(CStr::from_ptr(*vals.add(1)).to_str().unwrap(), "v2");
        libc::free(vals as *mut c_void);
        natsMsg_Destroy(r);
        natsSubscription_Destroy(sub);
        natsConnection_Destroy(nc);
    }
}

#[test]
fn max_payload_enforced_on_client() {
    let srv = Server::start("max_payload: 100\n");
    let nc = connect_url(&srv.url());
    unsafe {
        assert_eq!(natsConnection_GetMaxPayload(nc), 100);
        let big = [b'x'; 101];
        assert_eq!(
            natsConnection_Publish(nc, c("foo").as_ptr(), big.as_ptr() as *const c_void, 101),
            NATS_MAX_PAYLOAD
        );
        assert!(last_error().contains("maximum"), "{}", last_error());
        assert_eq!(
            natsConnection_Publish(nc, c("foo").as_ptr(), big.as_ptr() as *const c_void, 100),
            NATS_OK
        );
        assert_eq!(natsConnection_Flush(nc), NATS_OK);
        natsConnection_Destroy(nc);
    }
}

#[test]
fn invalid_subjects_and_closed_connection() {
    let srv = Server::start_default();
    let nc = connect_url(&srv.url());
    unsafe {
        for bad in ["", "foo bar", "foo\r\nPUB x 1"] {
            assert_eq!(
                natsConnection_PublishString(nc, c(bad).as_ptr(), c("x").as_ptr()),
                NATS_INVALID_SUBJECT,
                "{bad:?}"
            );
        }
        let mut s = null_mut();
        assert_eq!(
            natsConnection_SubscribeSync(&mut s, nc, c("foo..bar").as_ptr()),
            NATS_INVALID_SUBJECT
        );
        assert_eq!(
            natsConnection_QueueSubscribeSync(&mut s, nc, c("foo").as_ptr(), c("a b").as_ptr()),
            NATS_INVALID_QUEUE_NAME
        );
        assert!(s.is_null());
        let mut sub = null_mut();
        assert_eq!(natsConnection_SubscribeSync(&mut sub, nc, c("foo").as_ptr()), NATS_OK);
        natsConnection_Close(nc);
        assert!(natsConnection_IsClosed(nc));
        assert_eq!(natsConnection_Status(nc), NATS_CONN_STATUS_CLOSED);
        assert_eq!(
            natsConnection_PublishString(nc, c("foo").as_ptr(), c("x").as_ptr()),
            NATS_CONNECTION_CLOSED
        );
        assert_eq!(natsConnection_Flush(nc), NATS_CONNECTION_CLOSED);
        let mut m = null_mut();
        assert_eq!(
            natsConnection_RequestString(&mut m, nc, c("foo").as_ptr(), c("x").as_ptr(), 100),
            NATS_CONNECTION_CLOSED
        );
        assert_eq!(natsSubscription_NextMsg(&mut m, sub, 100), NATS_CONNECTION_CLOSED);
        let mut s2 = null_mut();
        assert_eq!(
            natsConnection_SubscribeSync(&mut s2, nc, c("foo").as_ptr()),
            NATS_CONNECTION_CLOSED
        );
        assert_eq!(natsSubscription_Unsubscribe(sub), NATS_CONNECTION_CLOSED);
        natsSubscription_Destroy(sub);
        natsConnection_Destroy(nc);
    }
}

#[test]
fn null_arguments_are_rejected() {
    unsafe {
        let mut s: natsStatus = NATS_OK;
        assert_eq!(natsConnection_Connect(null_mut(), null_mut()), NATS_INVALID_ARG);
        assert!(!nats_GetLastError(&mut s).is_null());
        assert_eq!(s, NATS_INVALID_ARG);
        assert_eq!(
            natsConnection_Publish(null_mut(), c("x").as_ptr(), null_mut(), 0),
            NATS_INVALID_ARG
        );
        assert_eq!(natsConnection_Flush(null_mut()), NATS_INVALID_ARG);
        let mut m = null_mut();
        assert_eq!(
            natsConnection_RequestString(&mut m, null_mut(), c("x").as_ptr(), c("x").as_ptr(), 10),
            NATS_INVALID_ARG
        );
        assert_eq!(natsSubscription_NextMsg(&mut m, null_mut(), 10), NATS_INVALID_ARG);
        assert_eq!(natsSubscription_Unsubscribe(null_mut()), NATS_INVALID_ARG);
        assert_eq!(natsStatistics_Create(null_mut()), NATS_INVALID_ARG);
        // Destroying NULL is a no-op.
        natsConnection_Destroy(null_mut());
        natsSubscription_Destroy(null_mut());
        natsMsg_Destroy(null_mut());
        natsOptions_Destroy(null_mut());
        natsStatistics_Destroy(null_mut());
        natsConnection_Close(null_mut());
    }
}

static CLOSED: AtomicUsize = AtomicUsize::new(0);
static DISCONNECTED: AtomicUsize = AtomicUsize::new(0);
static RECONNECTED: AtomicUsize = AtomicUsize::new(0);
unsafe extern "C" fn on_closed(_nc: *mut natsConnection, _cl: *mut c_void) {
    CLOSED.fetch_add(1, Ordering::SeqCst);
}
unsafe extern "C" fn on_disc(_nc: *mut natsConnection, _cl: *mut c_void) {
    DISCONNECTED.fetch_add(1, Ordering::SeqCst);
}
unsafe extern "C" fn on_reconn(_nc: *mut natsConnection, _cl: *mut c_void) {
    RECONNECTED.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn reconnect_after_restart_keeps_subscriptions_and_fires_callbacks_once() {
    let mut srv = Server::start_default();
    let o = Opts::new(&srv.url());
    unsafe {
        natsOptions_SetClosedCB(o.0, Some(on_closed), null_mut());
        natsOptions_SetDisconnectedCB(o.0, Some(on_disc), null_mut());
        natsOptions_SetReconnectedCB(o.0, Some(on_reconn), null_mut());
        natsOptions_SetReconnectWait(o.0, 50);
        natsOptions_SetMaxReconnect(o.0, 100);
        let nc = connect(&o);
        let mut sub = null_mut();
        assert_eq!(natsConnection_SubscribeSync(&mut sub, nc, c("r").as_ptr()), NATS_OK);
        assert_eq!(natsConnection_Flush(nc), NATS_OK);
        srv.kill();
        assert!(wait_for(Duration::from_secs(5), || DISCONNECTED.load(Ordering::SeqCst) == 1));
        assert!(natsConnection_IsReconnecting(nc));
        // Published while disconnected: buffered and sent after reconnect.
        assert_eq!(
            natsConnection_PublishString(nc, c("r").as_ptr(), c("buffered").as_ptr()),
            NATS_OK
        );
        srv.restart();
        assert!(
            wait_for(Duration::from_secs(10), || RECONNECTED.load(Ordering::SeqCst) == 1),
            "no reconnect"
        );
        let mut m = null_mut();
        assert_eq!(natsSubscription_NextMsg(&mut m, sub, 5000), NATS_OK, "{}", last_error());
        assert_eq!(data(m), "buffered");
        natsMsg_Destroy(m);
        let st = {
            let mut st = null_mut();
            natsStatistics_Create(&mut st);
            st
        };
        assert_eq!(natsConnection_GetStats(nc, st), NATS_OK);
        let mut rc = 0u64;
        natsStatistics_GetCounts(st, null_mut(), null_mut(), null_mut(), null_mut(), &mut rc);
        assert_eq!(rc, 1);
        natsStatistics_Destroy(st);
        natsSubscription_Destroy(sub);
        natsConnection_Close(nc);
        assert!(wait_for(Duration::from_secs(5), || CLOSED.load(Ordering::SeqCst) == 1));
        natsConnection_Close(nc);
        natsConnection_Destroy(nc);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(CLOSED.load(Ordering::SeqCst), 1);
        // Once for the server restart, once for Close of the live
        // connection (cnats posts disconnected before closed there too).
        assert_eq!(DISCONNECTED.load(Ordering::SeqCst), 2);
        assert_eq!(RECONNECTED.load(Ordering::SeqCst), 1);
    }
}

#[test]
fn connection_information() {
    let srv = Server::start_default();
    let nc = connect_url(&srv.url());
    unsafe {
        let mut buf = [0 as c_char; 256];
        assert_eq!(natsConnection_GetConnectedUrl(nc, buf.as_mut_ptr(), buf.len()), NATS_OK);
        assert_eq!(CStr::from_ptr(buf.as_ptr()).to_str().unwrap(), srv.url());
        assert_eq!(
            natsConnection_GetConnectedServerId(nc, buf.as_mut_ptr(), buf.len()),
            NATS_OK
        );
        assert!(CStr::from_ptr(buf.as_ptr()).to_str().unwrap().starts_with('N'));
        let mut small = [0 as c_char; 4];
        assert_eq!(
            natsConnection_GetConnectedUrl(nc, small.as_mut_ptr(), small.len()),
            NATS_INSUFFICIENT_BUFFER
        );
        let mut cid = 0u64;
        assert_eq!(natsConnection_GetClientID(nc, &mut cid), NATS_OK);
        assert!(cid > 0);
        let mut ip = null_mut();
        assert_eq!(natsConnection_GetClientIP(nc, &mut ip), NATS_OK);
        assert_eq!(CStr::from_ptr(ip).to_str().unwrap(), "127.0.0.1");
        libc::free(ip as *mut c_void);
        let mut port = 0;
        assert_eq!(natsConnection_GetLocalIPAndPort(nc, &mut ip, &mut port), NATS_OK);
        assert!(port > 0);
        libc::free(ip as *mut c_void);
        let mut rtt = 0i64;
        assert_eq!(natsConnection_GetRTT(nc, &mut rtt), NATS_OK);
        assert!(rtt > 0);
        let mut servers = null_mut();
        let mut n = 0;
        assert_eq!(natsConnection_GetServers(nc, &mut servers, &mut n), NATS_OK);
        assert_eq!(n, 1);
        for i in 0..n as usize {
            libc::free(*servers.add(i) as *mut c_void);
        }
        libc::free(servers as *mut c_void);
        assert_eq!(natsConnection_Status(nc), NATS_CONN_STATUS_CONNECTED);
        natsConnection_Destroy(nc);
    }
}

#[test]
fn auto_unsubscribe_and_drain() {
    let srv = Server::start_default();
    let nc = connect_url(&srv.url());
    unsafe {
        let mut sub = null_mut();
        assert_eq!(natsConnection_SubscribeSync(&mut sub, nc, c("a").as_ptr()), NATS_OK);
        assert_eq!(natsSubscription_AutoUnsubscribe(sub, 3), NATS_OK);
        for _ in 0..5 {
            natsConnection_PublishString(nc, c("a").as_ptr(), c("x").as_ptr());
        }
        for _ in 0..3 {
            let mut m = null_mut();
            assert_eq!(natsSubscription_NextMsg(&mut m, sub, 2000), NATS_OK);
            natsMsg_Destroy(m);
        }
        let mut m = null_mut();
        assert_eq!(natsSubscription_NextMsg(&mut m, sub, 100), NATS_MAX_DELIVERED_MSGS);
        assert!(!natsSubscription_IsValid(sub));
        natsSubscription_Destroy(sub);

        let col = Arc::new(Collector {
            msgs: Mutex::new(vec![]),
            count: AtomicUsize::new(0),
        });
        let mut asub = null_mut();
        assert_eq!(
            natsConnection_Subscribe(
                &mut asub,
                nc,
                c("d").as_ptr(),
                Some(collect),
                Arc::as_ptr(&col) as *mut c_void
            ),
            NATS_OK
        );
        for i in 0..100 {
            natsConnection_PublishString(nc, c("d").as_ptr(), c(&i.to_string()).as_ptr());
        }
        assert_eq!(natsSubscription_Drain(asub), NATS_OK);
        assert_eq!(natsSubscription_WaitForDrainCompletion(asub, 5000), NATS_OK);
        assert_eq!(natsSubscription_DrainCompletionStatus(asub), NATS_OK);
        assert_eq!(col.count.load(Ordering::SeqCst), 100);
        assert!(!natsSubscription_IsValid(asub));
        natsSubscription_Destroy(asub);
        natsConnection_Destroy(nc);
    }
}

static SLOW_ERRS: AtomicUsize = AtomicUsize::new(0);
unsafe extern "C" fn on_err(_nc: *mut natsConnection, _sub: *mut natsSubscription, err: natsStatus, _cl: *mut c_void) {
    if err == NATS_SLOW_CONSUMER {
        SLOW_ERRS.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn slow_consumer_reported_once_and_drops_counted() {
    let srv = Server::start_default();
    let o = Opts::new(&srv.url());
    unsafe {
        natsOptions_SetErrorHandler(o.0, Some(on_err), null_mut());
        let nc = connect(&o);
        let mut sub = null_mut();
        assert_eq!(natsConnection_SubscribeSync(&mut sub, nc, c("s").as_ptr()), NATS_OK);
        assert_eq!(natsSubscription_SetPendingLimits(sub, 1, 1024), NATS_OK);
        for _ in 0..3 {
            natsConnection_PublishString(nc, c("s").as_ptr(), c("x").as_ptr());
        }
        assert_eq!(natsConnection_Flush(nc), NATS_OK);
        assert!(wait_for(Duration::from_secs(2), || SLOW_ERRS.load(Ordering::SeqCst) == 1));
        let mut dropped = 0i64;
        assert_eq!(natsSubscription_GetDropped(sub, &mut dropped), NATS_OK);
        assert_eq!(dropped, 2);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(SLOW_ERRS.load(Ordering::SeqCst), 1);
        natsSubscription_Destroy(sub);
        natsConnection_Destroy(nc);
    }
}

#[test]
fn close_flushes_buffered_publishes() {
    let srv = Server::start_default();
    let rx = connect_url(&srv.url());
    let tx = connect_url(&srv.url());
    unsafe {
        let mut sub = null_mut();
        assert_eq!(natsConnection_SubscribeSync(&mut sub, rx, c("bulk").as_ptr()), NATS_OK);
        assert_eq!(natsSubscription_SetPendingLimits(sub, -1, -1), NATS_OK);
        assert_eq!(natsConnection_Flush(rx), NATS_OK);
        let n = 20_000;
        for _ in 0..n {
            assert_eq!(
                natsConnection_PublishString(tx, c("bulk").as_ptr(), c("0123456789").as_ptr()),
                NATS_OK
            );
        }
        natsConnection_Close(tx);
        for _ in 0..n {
            let mut m = null_mut();
            assert_eq!(natsSubscription_NextMsg(&mut m, sub, 5000), NATS_OK);
            natsMsg_Destroy(m);
        }
        natsSubscription_Destroy(sub);
        natsConnection_Destroy(tx);
        natsConnection_Destroy(rx);
    }
}

#[test]
fn global_delivery_pool_keeps_per_subscription_order() {
    let srv = Server::start_default();
    let o = Opts::new(&srv.url());
    unsafe {
        assert_eq!(natsOptions_UseGlobalMessageDelivery(o.0, true), NATS_OK);
        assert_eq!(nats_SetMessageDeliveryPoolSize(2), NATS_OK);
        let nc = connect(&o);
        let cols: Vec<Arc<Collector>> = (0..5)
            .map(|_| {
                Arc::new(Collector {
                    msgs: Mutex::new(vec![]),
                    count: AtomicUsize::new(0),
                })
            })
            .collect();
        let mut subs = vec![];
        for (i, col) in cols.iter().enumerate() {
            let mut s = null_mut();
            let subj = c(&format!("pool.{i}"));
            assert_eq!(
                natsConnection_Subscribe(
                    &mut s,
                    nc,
                    subj.as_ptr(),
                    Some(collect),
                    Arc::as_ptr(col) as *mut c_void
                ),
                NATS_OK
            );
            subs.push(s);
        }
        assert_eq!(natsConnection_Flush(nc), NATS_OK);
        for n in 0..500 {
            for i in 0..5 {
                let subj = c(&format!("pool.{i}"));
                assert_eq!(
                    natsConnection_PublishString(nc, subj.as_ptr(), c(&n.to_string()).as_ptr()),
                    NATS_OK
                );
            }
        }
        assert!(wait_for(Duration::from_secs(10), || cols
            .iter()
            .all(|c| c.count.load(Ordering::SeqCst) == 500)));
        for col in &cols {
            assert_eq!(
                *col.msgs.lock().unwrap(),
                (0..500).map(|i| i.to_string()).collect::<Vec<_>>()
            );
        }
        for s in subs {
            natsSubscription_Destroy(s);
        }
        natsConnection_Destroy(nc);
    }
}

/// The subscription counters and the drain status, read through the core's
/// `Subscription` methods (not the C layer poking at its state): every
/// getter agrees with what happened on the wire.
#[test]
fn subscription_counters_and_drain_status_on_the_engine_path() {
    let srv = Server::start_default();
    let nc = connect_url(&srv.url());
    unsafe {
        let mut sub = null_mut();
        assert_eq!(natsConnection_SubscribeSync(&mut sub, nc, c("cnt").as_ptr()), NATS_OK);
        // Not draining: the status is the answer, and no error is recorded.
        assert_eq!(natsOptions_SetTimeout(null_mut(), 1), NATS_INVALID_ARG);
        let before = last_error();
        assert_eq!(natsSubscription_DrainCompletionStatus(sub), NATS_ILLEGAL_STATE);
        assert_eq!(last_error(), before);

        assert_eq!(natsSubscription_SetPendingLimits(sub, 3, 1000), NATS_OK);
        let (mut ml, mut bl) = (0, 0);
        assert_eq!(natsSubscription_GetPendingLimits(sub, &mut ml, &mut bl), NATS_OK);
        assert_eq!((ml, bl), (3, 1000));

        for _ in 0..5 {
            natsConnection_PublishString(nc, c("cnt").as_ptr(), c("abcd").as_ptr());
        }
        assert_eq!(natsConnection_Flush(nc), NATS_OK);
        assert!(wait_for(Duration::from_secs(5), || {
            let mut dropped = 0i64;
            natsSubscription_GetDropped(sub, &mut dropped) == NATS_OK && dropped == 2
        }));
        let (mut pm, mut pb, mut mpm, mut mpb, mut dl, mut dr) = (0, 0, 0, 0, 0i64, 0i64);
        assert_eq!(
            natsSubscription_GetStats(sub, &mut pm, &mut pb, &mut mpm, &mut mpb, &mut dl, &mut dr),
            NATS_OK
        );
        assert_eq!((pm, pb, mpm, mpb, dl, dr), (3, 12, 3, 12, 0, 2));
        let mut q = 0u64;
        assert_eq!(natsSubscription_QueuedMsgs(sub, &mut q), NATS_OK);
        assert_eq!(q, 3);
        // Any output may be NULL.
        assert_eq!(
            natsSubscription_GetStats(
                sub,
                null_mut(),
                null_mut(),
                null_mut(),
                null_mut(),
                null_mut(),
                null_mut()
            ),
            NATS_OK
        );

        // As cnats, the first NextMsg after drops reports the slow consumer.
        let mut m = null_mut();
        assert_eq!(natsSubscription_NextMsg(&mut m, sub, 1000), NATS_SLOW_CONSUMER);
        assert_eq!(natsSubscription_NextMsg(&mut m, sub, 1000), NATS_OK);
        natsMsg_Destroy(m);
        assert_eq!(natsSubscription_ClearMaxPending(sub), NATS_OK);
        let (mut mpm2, mut mpb2, mut dl2) = (-1, -1, 0i64);
        assert_eq!(natsSubscription_GetMaxPending(sub, &mut mpm2, &mut mpb2), NATS_OK);
        assert_eq!((mpm2, mpb2), (0, 0));
        assert_eq!(natsSubscription_GetDelivered(sub, &mut dl2), NATS_OK);
        assert_eq!(dl2, 1);

        // Drained: the drain's outcome.
        assert_eq!(natsSubscription_Drain(sub), NATS_OK);
        loop {
            let mut m = null_mut();
            if natsSubscription_NextMsg(&mut m, sub, 200) != NATS_OK {
                break;
            }
            natsMsg_Destroy(m);
        }
        assert_eq!(natsSubscription_WaitForDrainCompletion(sub, 5000), NATS_OK);
        assert_eq!(natsSubscription_DrainCompletionStatus(sub), NATS_OK);
        // Closed: the counters are refused.
        assert_eq!(
            natsSubscription_GetStats(sub, &mut pm, null_mut(), null_mut(), null_mut(), null_mut(), null_mut()),
            NATS_INVALID_SUBSCRIPTION
        );
        assert_eq!(natsSubscription_ClearMaxPending(sub), NATS_INVALID_SUBSCRIPTION);
        natsSubscription_Destroy(sub);
        natsConnection_Destroy(nc);
    }
}

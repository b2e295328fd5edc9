//! The event queue (connection callbacks run on the event thread) is
//! bounded: while a callback blocks the event thread, droppable events
//! beyond `EVENT_QUEUE_MAX` are dropped and counted, and a connection's
//! closed callback still arrives. Its own process: the queue is global.
#![allow(clippy::missing_safety_doc)]

mod common;

use common::server::Server;
use common::wait_for;
use nats::ffi::conn::*;
use nats::ffi::options::*;
use nats::natsStatus::*;
use nats::runtime::{dropped_events, post, post_droppable, EVENT_QUEUE_MAX};
use std::ffi::CString;
use std::os::raw::c_void;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

static CLOSED: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn on_closed(_nc: *mut natsConnection, _c: *mut c_void) {
    CLOSED.fetch_add(1, Ordering::SeqCst);
}

unsafe extern "C" fn on_disconnected(_nc: *mut natsConnection, _c: *mut c_void) {}

#[test]
fn event_queue_is_bounded_and_closed_callbacks_still_arrive() {
    let srv = Server::start_default();
    // Block the event thread.
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
    post(Box::new(move || {
        let _ = started_tx.send(());
        let _ = release_rx.recv();
    }));
    started_rx.recv_timeout(Duration::from_secs(10)).unwrap();

    // Fill the queue with droppable events: all but the overflow queued.
    let ran = Arc::new(AtomicUsize::new(0));
    let before = dropped_events();
    for i in 0..EVENT_QUEUE_MAX + 100 {
        let r = ran.clone();
        let queued = post_droppable(Box::new(move || {
            r.fetch_add(1, Ordering::SeqCst);
        }));
        assert_eq!(queued, i < EVENT_QUEUE_MAX, "event {i}");
    }
    assert_eq!(dropped_events() - before, 100);

    // A connection closed meanwhile: its closed callback is not dropped.
    let mut o = null_mut();
    let mut nc = null_mut();
    unsafe {
        assert_eq!(natsOptions_Create(&mut o), NATS_OK);
        let url = CString::new(srv.url()).unwrap();
        assert_eq!(natsOptions_SetURL(o, url.as_ptr()), NATS_OK);
        assert_eq!(natsOptions_SetClosedCB(o, Some(on_closed), null_mut()), NATS_OK);
        assert_eq!(
            natsOptions_SetDisconnectedCB(o, Some(on_disconnected), null_mut()),
            NATS_OK
        );
        assert_eq!(natsConnection_Connect(&mut nc, o), NATS_OK);
        natsConnection_Close(nc);
    }
    assert!(dropped_events() - before > 100, "the disconnected event was dropped");

    release_tx.send(()).unwrap();
    assert!(wait_for(Duration::from_secs(30), || CLOSED.load(Ordering::SeqCst) == 1));
    assert_eq!(ran.load(Ordering::SeqCst), EVENT_QUEUE_MAX);
    unsafe {
        natsConnection_Destroy(nc);
        natsOptions_Destroy(o);
    }
}

//! `natsOptions_SetMessageBufferPadding` on the real path: messages read
//! from a nats-server by the engine have the padding after their data.
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
use std::ptr::null_mut;

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

/// A connection whose options ask for `padding` bytes (`None`: the option
/// is not set).
fn connect(url: &str, padding: Option<i32>) -> *mut natsConnection {
    unsafe {
        let mut o = null_mut();
        assert_eq!(natsOptions_Create(&mut o), NATS_OK);
        assert_eq!(natsOptions_SetURL(o, c(url).as_ptr()), NATS_OK);
        if let Some(p) = padding {
            assert_eq!(natsOptions_SetMessageBufferPadding(o, p), NATS_OK);
        }
        let mut nc = null_mut();
        let s = natsConnection_Connect(&mut nc, o);
        natsOptions_Destroy(o);
        assert_eq!(s, NATS_OK, "connect: {}", last_error());
        nc
    }
}

/// Receives `count` messages of 90 bytes of 0xAA on a connection without
/// padding and destroys them: their boxes are recycled with those bytes
/// still inside, so a later message reusing one and not clearing its
/// padding would show them.
fn leave_dirty_boxes(url: &str, count: usize) {
    let nc = connect(url, None);
    unsafe {
        let mut sub = null_mut();
        assert_eq!(natsConnection_SubscribeSync(&mut sub, nc, c("dirty").as_ptr()), NATS_OK);
        let data = [0xAAu8; 90];
        for _ in 0..count {
            assert_eq!(
                natsConnection_Publish(nc, c("dirty").as_ptr(), data.as_ptr().cast(), 90),
                NATS_OK
            );
        }
        for _ in 0..count {
            let mut m = null_mut();
            assert_eq!(natsSubscription_NextMsg(&mut m, sub, 5000), NATS_OK, "{}", last_error());
            natsMsg_Destroy(m);
        }
        natsSubscription_Destroy(sub);
        natsConnection_Destroy(nc);
    }
}

/// Publishes each of `sizes` three ways (plain, with a reply, with
/// headers) and checks every received message: its data, the NUL after
/// it, and `padding` zero bytes after the NUL, which the test then
/// overwrites as a program using them would.
unsafe fn check_padding(nc: *mut natsConnection, padding: usize, sizes: &[usize]) {
    unsafe {
        let mut sub = null_mut();
        assert_eq!(natsConnection_SubscribeSync(&mut sub, nc, c("pad").as_ptr()), NATS_OK);
        for &size in sizes {
            let data: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
            let n = size as i32;
            assert_eq!(
                natsConnection_Publish(nc, c("pad").as_ptr(), data.as_ptr().cast(), n),
                NATS_OK
            );
            assert_eq!(
                natsConnection_PublishRequest(nc, c("pad").as_ptr(), c("reply.x").as_ptr(), data.as_ptr().cast(), n),
                NATS_OK
            );
            let mut hm = null_mut();
            assert_eq!(
                natsMsg_Create(&mut hm, c("pad").as_ptr(), null_mut(), data.as_ptr().cast(), n),
                NATS_OK
            );
            assert_eq!(natsMsgHeader_Set(hm, c("K").as_ptr(), c("v").as_ptr()), NATS_OK);
            assert_eq!(natsConnection_PublishMsg(nc, hm), NATS_OK);
            natsMsg_Destroy(hm);
            for kind in ["plain", "reply", "headers"] {
                let mut m = null_mut();
                assert_eq!(natsSubscription_NextMsg(&mut m, sub, 5000), NATS_OK, "{}", last_error());
                assert_eq!(natsMsg_GetDataLength(m), n);
                let p = natsMsg_GetData(m) as *mut u8;
                assert_eq!(std::slice::from_raw_parts(p, size), &data[..], "{kind} {size}");
                let after = std::slice::from_raw_parts_mut(p.add(size), 1 + padding);
                assert!(
                    after.iter().all(|&b| b == 0),
                    "{kind} message of {size} bytes, padding {padding}: {:?}",
                    &after[..after.len().min(32)]
                );
                // The program owns these bytes: writing them must be fine
                // (valgrind/ASan in the C test check the same on the heap).
                after[1..].fill(0xFF);
                natsMsg_Destroy(m);
            }
        }
        natsSubscription_Destroy(sub);
    }
}

#[test]
fn received_messages_have_the_padding_zeroed() {
    let srv = Server::start_default();
    let sizes = [0, 1, 20, 60, 90, 200, 5000, 70_000];
    for padding in [1usize, 16, 100, 4096] {
        leave_dirty_boxes(&srv.url(), 50);
        let nc = connect(&srv.url(), Some(padding as i32));
        unsafe {
            check_padding(nc, padding, &sizes);
            natsConnection_Destroy(nc);
        }
    }
}

#[test]
fn without_padding_the_data_is_still_nul_terminated() {
    let srv = Server::start_default();
    for padding in [None, Some(0)] {
        let nc = connect(&srv.url(), padding);
        unsafe {
            check_padding(nc, 0, &[0, 5, 200]);
            natsConnection_Destroy(nc);
        }
    }
}

#[test]
fn negative_padding_is_refused() {
    unsafe {
        let mut o = null_mut();
        assert_eq!(natsOptions_Create(&mut o), NATS_OK);
        assert_eq!(natsOptions_SetMessageBufferPadding(o, -1), NATS_INVALID_ARG);
        assert!(!last_error().is_empty());
        assert_eq!(natsOptions_SetMessageBufferPadding(null_mut(), 8), NATS_INVALID_ARG);
        natsOptions_Destroy(o);
    }
}

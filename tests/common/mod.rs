//! Shared support for the integration tests: `mod common;` in a test file
//! gives it [`Server`] (a real `nats-server` on a loopback port) and a few
//! helpers.
#![allow(dead_code)]

pub mod layout;
pub mod server;

#[allow(unused_imports)]
pub use server::{free_port, nats_server_bin, Server};

use std::time::{Duration, Instant};

/// Polls `cond` every 10 ms until it is true or `timeout` has passed;
/// returns its last value. For waiting on events, not for asserting
/// timings: use generous timeouts.
pub fn wait_for(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

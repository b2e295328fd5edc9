//! Test-only panic points (Cargo feature `test-hooks`, never enabled in a
//! release build). A test arms a point; the next time the library passes
//! it, it panics, so that tests can prove that a panic never crosses into
//! C or aborts the process:
//! - [`FFI`]: inside an exported function's guard (armed per thread, so
//!   that tests running in parallel do not trip each other);
//! - [`READER`], [`FLUSHER`], [`DELIVERY`]: inside a connection's reader
//!   thread (on the next operation received), its flusher (on the next
//!   write) or a subscription's delivery thread (when it starts); armed
//!   process-wide, one shot.

use std::cell::Cell;
use std::sync::atomic::{AtomicU32, Ordering};

pub const FFI: u32 = 1;
pub const READER: u32 = 2;
pub const FLUSHER: u32 = 4;
pub const DELIVERY: u32 = 8;

static ARMED: AtomicU32 = AtomicU32::new(0);

thread_local! {
    static FFI_ARMED: Cell<bool> = const { Cell::new(false) };
}

/// Arms `point` for one panic (`FFI`: on the calling thread only).
pub fn arm(point: u32) {
    if point == FFI {
        FFI_ARMED.with(|a| a.set(true));
    } else {
        ARMED.fetch_or(point, Ordering::SeqCst);
    }
}

/// Disarms every process-wide point.
pub fn disarm_all() {
    ARMED.store(0, Ordering::SeqCst);
    FFI_ARMED.with(|a| a.set(false));
}

/// Whether `point` is still armed (it has not been hit yet).
pub fn is_armed(point: u32) -> bool {
    if point == FFI {
        FFI_ARMED.with(|a| a.get())
    } else {
        ARMED.load(Ordering::SeqCst) & point != 0
    }
}

/// Panics if `point` is armed (and disarms it).
#[inline]
pub fn hit(point: u32) {
    let fire = if point == FFI {
        FFI_ARMED.with(|a| a.replace(false))
    } else {
        ARMED.load(Ordering::Relaxed) & point != 0 && ARMED.fetch_and(!point, Ordering::SeqCst) & point != 0
    };
    if fire {
        panic!("forced by test hook {point}");
    }
}

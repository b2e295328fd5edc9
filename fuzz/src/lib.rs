//! Shared pieces of the rnats fuzz targets: an allocator that records the
//! largest single allocation (to check the "never allocates more than its
//! bounds" property) and an encoder of server operations back to their
//! wire form (for the round-trip checks and the seed corpora).

use nats::proto::{MsgOp, ServerOp, WireMsg};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, recording the largest request seen since the
/// last [`MaxAlloc::reset`].
pub struct MaxAlloc;

static MAX_SEEN: AtomicUsize = AtomicUsize::new(0);

impl MaxAlloc {
    pub fn reset() {
        MAX_SEEN.store(0, Ordering::Relaxed);
    }
    pub fn max() -> usize {
        MAX_SEEN.load(Ordering::Relaxed)
    }
}

unsafe impl GlobalAlloc for MaxAlloc {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        MAX_SEEN.fetch_max(l.size(), Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        MAX_SEEN.fetch_max(l.size(), Ordering::Relaxed);
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        MAX_SEEN.fetch_max(n, Ordering::Relaxed);
        unsafe { System.realloc(p, l, n) }
    }
}

/// Appends the wire form of a `MSG`/`HMSG`.
pub fn encode_msg<M: WireMsg>(out: &mut Vec<u8>, m: &MsgOp<M>) {
    let hdr = m.header_len() > 0;
    out.extend_from_slice(if hdr { b"HMSG " } else { b"MSG " });
    out.extend_from_slice(m.subject());
    out.extend_from_slice(format!(" {}", m.sid).as_bytes());
    if let Some(r) = m.reply() {
        out.push(b' ');
        out.extend_from_slice(r);
    }
    if hdr {
        out.extend_from_slice(format!(" {}", m.header_len()).as_bytes());
    }
    out.extend_from_slice(format!(" {}\r\n", m.payload_len()).as_bytes());
    out.extend_from_slice(m.payload());
    out.extend_from_slice(b"\r\n");
}

/// Appends the wire form of `op`; `None` for INFO (whose JSON the client
/// never writes back).
pub fn encode_op<M: WireMsg>(out: &mut Vec<u8>, op: &ServerOp<M>) -> Option<()> {
    match op {
        ServerOp::Ping => out.extend_from_slice(b"PING\r\n"),
        ServerOp::Pong => out.extend_from_slice(b"PONG\r\n"),
        ServerOp::Ok => out.extend_from_slice(b"+OK\r\n"),
        ServerOp::Err(t) => {
            out.extend_from_slice(b"-ERR '");
            out.extend_from_slice(t.as_bytes());
            out.extend_from_slice(b"'\r\n");
        }
        ServerOp::Msg(m) => encode_msg(out, m),
        ServerOp::Info(_) => return None,
    }
    Some(())
}

//! The protocol parser: arbitrary bytes, split at arbitrary points.
//!
//! Checked for every input:
//! - no panic;
//! - the same operations and the same error whether the bytes arrive in
//!   one piece or in chunks (sizes taken from the input, through both
//!   `feed` and `read_buf`/`commit`);
//! - what the parser holds stays within its bounds (a control line, one
//!   chunk, and a payload no larger than the limit), and no allocation is
//!   larger than that: a `MSG` announcing 2^40 bytes allocates nothing big;
//! - every operation parsed, written back to the wire, parses back to
//!   itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nats::proto::parser::{Parser, MAX_CONTROL_LINE};
use nats::proto::ServerOp;
use nats::status::natsStatus;
use rnats_fuzz::{encode_op, MaxAlloc};

#[global_allocator]
static ALLOC: MaxAlloc = MaxAlloc;

type Outcome = (Vec<ServerOp>, Option<natsStatus>);

fn drain(p: &mut Parser, ops: &mut Vec<ServerOp>) -> Option<natsStatus> {
    loop {
        match p.next_op() {
            Ok(Some(op)) => ops.push(op),
            Ok(None) => return None,
            Err(e) => {
                assert!(!e.text.is_empty());
                return Some(e.status);
            }
        }
    }
}

fn whole(input: &[u8], max_payload: usize) -> Outcome {
    let mut p = Parser::new();
    p.set_max_payload(max_payload);
    p.feed(input);
    let mut ops = Vec::new();
    let err = drain(&mut p, &mut ops);
    (ops, err)
}

fn chunked(input: &[u8], sizes: &[u8], max_payload: usize) -> Outcome {
    let mut p = Parser::new();
    p.set_max_payload(max_payload);
    let mut ops = Vec::new();
    let mut off = 0;
    let mut k = 0;
    while off < input.len() {
        let s = sizes.get(k % sizes.len().max(1)).copied().unwrap_or(0);
        k += 1;
        // 0 → one byte; otherwise up to 255 bytes, or a big chunk.
        let n = match s {
            0 => 1,
            255 => 64 * 1024,
            s => s as usize,
        }
        .min(input.len() - off);
        let chunk = &input[off..off + n];
        if k % 2 == 0 {
            p.feed(chunk);
        } else {
            let room = p.read_buf(n);
            assert!(room.len() >= n);
            room[..n].copy_from_slice(chunk);
            p.commit(n);
        }
        off += n;
        if let Some(e) = drain(&mut p, &mut ops) {
            return (ops, Some(e));
        }
        // Held bytes: at most one control line (+CRLF), one chunk, and a
        // payload within the limit.
        assert!(
            p.buffered() <= MAX_CONTROL_LINE + 2 + n + max_payload + 2,
            "parser holds {} bytes",
            p.buffered()
        );
    }
    (ops, None)
}

fuzz_target!(|data: &[u8]| {
    let (ctl, input) = data.split_at(data.len().min(4));
    let max_payload = match ctl.first() {
        Some(&b) if b & 1 == 1 => (b as usize) * 8,
        _ => 1024 * 1024,
    };
    let sizes = ctl.get(1..).unwrap_or(&[]);

    MaxAlloc::reset();
    let a = whole(input, max_payload);
    let b = chunked(input, sizes, max_payload);
    let biggest = MaxAlloc::max();
    // Input copies, a control line, a payload within the limit, and small
    // change (JSON of an INFO is bounded by the line).
    let bound = 2 * input.len() + 2 * MAX_CONTROL_LINE + max_payload + 64 * 1024 + 4096;
    assert!(biggest <= bound, "allocation of {biggest} bytes (bound {bound})");
    assert_eq!(a, b, "one piece vs chunks {sizes:?}");

    // Round trip: each operation, written back, parses to itself.
    for op in &a.0 {
        let mut wire = Vec::new();
        if encode_op(&mut wire, op).is_none() {
            continue;
        }
        let mut p = Parser::new();
        p.set_max_payload(max_payload);
        p.feed(&wire);
        let back = p.next_op().expect("re-encoded op parses").expect("complete");
        assert_eq!(&back, op);
        assert_eq!(p.next_op().unwrap(), None);
        assert_eq!(p.buffered(), 0);
    }
});

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
//!   itself;
//! - with the engine's allocator (`msg::Recycler`, its own boxes only, with
//!   a padding taken from the input, boxes reused dirty) the parser gives
//!   the same operations, and every message made from them has its data,
//!   the NUL and the padding zero bytes.
//!
//! The parser is used alone: its messages come from the allocator handed
//! to it, no process-wide state is involved.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nats::msg::{Msg, Recycler};
use nats::proto::parser::{Parser, MAX_CONTROL_LINE};
use nats::proto::{MsgAlloc, MsgOp, PlainMsg, WireMsg};
use nats::status::natsStatus;
use rnats_fuzz::{encode_op, MaxAlloc};

#[global_allocator]
static ALLOC: MaxAlloc = MaxAlloc;

type ServerOp = nats::proto::ServerOp<PlainMsg>;
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

/// The same input through a parser with the engine's allocator: the same
/// operations as `expect`, and complete, padded messages.
fn engine(input: &[u8], max_payload: usize, padding: usize, expect: &Outcome) {
    let mut p = Parser::with_alloc(Recycler::new().with_padding(padding));
    p.set_max_payload(max_payload);
    // Boxes whose bytes are all 0xEE, for the messages to reuse.
    for _ in 0..4 {
        let mut d = p.alloc_mut().start(b"d", None, 0, 80);
        d.append(&[0xEE; 80]);
        let op = MsgOp {
            sid: 1,
            msg: d,
            nul_free: true,
        };
        let m = Msg::from_wire(op).expect("dirty message");
        p.alloc_mut().give_back(m);
    }
    p.feed(input);
    let mut n = 0;
    let err = loop {
        match p.next_op() {
            Ok(Some(op)) => {
                assert!(n < expect.0.len(), "more operations than the plain parser");
                assert_eq!(op, expect.0[n]);
                n += 1;
                let nats::proto::ServerOp::Msg(m) = op else {
                    continue;
                };
                let (hl, total) = (m.header_len(), m.payload_len());
                if let Ok(msg) = Msg::from_wire(m) {
                    let d = msg.data_with_nul();
                    assert_eq!(d.len(), total - hl + 1);
                    assert_eq!(d.last(), Some(&0));
                    // SAFETY: the padding is part of the message's buffer,
                    // initialised (zeroed) by the recycler: what C reads.
                    let pad = unsafe { std::slice::from_raw_parts(d.as_ptr().add(d.len()), padding) };
                    assert!(pad.iter().all(|&b| b == 0), "padding not zero");
                    p.alloc_mut().give_back(msg);
                }
            }
            Ok(None) => break None,
            Err(e) => break Some(e.status),
        }
    };
    assert_eq!(n, expect.0.len());
    assert_eq!(err, expect.1);
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
    let padding = ctl.get(3).map_or(0, |&b| (b & 0x7f) as usize);
    engine(input, max_payload, padding, &a);

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

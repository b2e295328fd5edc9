//! The header block parser (`Headers::parse`) and the message header
//! accessors.
//!
//! Checked: no panic; a parsed block, encoded again, parses back to the
//! same headers; a message whose payload starts with the block answers
//! its header queries without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nats::msg::{Msg, Recycler};
use nats::proto::headers::Headers;
use nats::proto::{MsgAlloc, MsgOp, WireMsg};

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = Headers::parse(data) {
        let wire = h.to_bytes();
        assert_eq!(wire.len(), h.encoded_len());
        let back = Headers::parse(&wire).expect("encoded headers parse");
        // Exact round trip for values that `Headers::set` would accept
        // (no CR, no blank at either end); a value received with those
        // (only possible through a malformed inline status or a bare CR
        // inside a line) is normalized once, then stable.
        let canonical = h.entries.iter().flat_map(|(_, v)| v).all(|v| {
            let b = v.as_bytes();
            !b.contains(&b'\r')
                && b.first().is_none_or(|c| !c.is_ascii_whitespace())
                && b.last().is_none_or(|c| !c.is_ascii_whitespace())
        });
        if canonical {
            assert_eq!(back, h);
        } else {
            let again = Headers::parse(&back.to_bytes()).expect("normalized headers parse");
            assert_eq!(again.to_bytes(), back.to_bytes());
        }
        for k in h.keys() {
            assert!(h.values(k.to_bytes()).is_some_and(|v| !v.is_empty()));
        }
    }
    // As an HMSG whose header block is a prefix of the payload.
    let hl = data.iter().position(|&b| b == 0xff).unwrap_or(data.len());
    let mut msg = Recycler::new().start(b"s", None, hl, data.len());
    msg.append(data);
    let op = MsgOp {
        sid: 1,
        msg,
        nul_free: true,
    };
    if let Ok(mut m) = Msg::from_wire(op) {
        let _ = m.status();
        let _ = m.is_no_responders();
        let _ = m.header_block();
        let _ = m.encoded_headers();
        let _ = m.wire_size();
        if let Ok(Some(h)) = m.headers() {
            let _ = h.get(b"Status");
            let _ = h.add(b"K", b"v");
        }
        assert_eq!(m.data().len(), data.len() - hl);
    }
});

//! Tests of the parser (a file of their own to keep `parser.rs` short).
use super::*;
use crate::proto::PlainMsg;

type ServerOp = super::ServerOp<PlainMsg>;

fn all_ops(p: &mut Parser) -> Result<Vec<ServerOp>> {
    let mut v = Vec::new();
    while let Some(op) = p.next_op()? {
        v.push(op);
    }
    Ok(v)
}

fn parse_all(input: &[u8]) -> Result<Vec<ServerOp>> {
    let mut p = Parser::new();
    p.feed(input);
    all_ops(&mut p)
}

fn parse_one(input: &[u8]) -> Result<Option<ServerOp>> {
    let mut p = Parser::new();
    p.feed(input);
    p.next_op()
}

fn msg(subject: &[u8], sid: u64, reply: Option<&[u8]>, header_len: usize, payload: &[u8]) -> ServerOp {
    ServerOp::Msg(MsgOp::new(subject, sid, reply, header_len, payload))
}

fn err_status(input: &[u8]) -> natsStatus {
    match parse_all(input) {
        Err(e) => {
            assert!(!e.text.is_empty());
            e.status
        }
        Ok(ops) => panic!("{:?} parsed as {ops:?}", show(input)),
    }
}

#[test]
fn simple_ops() {
    assert_eq!(parse_one(b"PING\r\n").unwrap(), Some(ServerOp::Ping));
    assert_eq!(parse_one(b"PONG\r\n").unwrap(), Some(ServerOp::Pong));
    assert_eq!(parse_one(b"+OK\r\n").unwrap(), Some(ServerOp::Ok));
    assert_eq!(parse_one(b"ping\r\n").unwrap(), Some(ServerOp::Ping));
    assert_eq!(parse_one(b"pOnG  \r\n").unwrap(), Some(ServerOp::Pong));
    assert_eq!(parse_one(b"+ok\n").unwrap(), Some(ServerOp::Ok));
    assert_eq!(parse_one(b"PING").unwrap(), None);
    assert_eq!(parse_one(b"PING\r").unwrap(), None);
}

#[test]
fn err_op() {
    assert_eq!(
        parse_one(b"-ERR 'Authorization Violation'\r\n").unwrap(),
        Some(ServerOp::Err("Authorization Violation".into()))
    );
    assert_eq!(
        parse_one(b"-err\t '  Stale Connection ' \r\n").unwrap(),
        Some(ServerOp::Err("Stale Connection".into()))
    );
    assert_eq!(
        parse_one(b"-ERR no quotes\r\n").unwrap(),
        Some(ServerOp::Err("no quotes".into()))
    );
    assert_eq!(parse_one(b"-ERR\r\n").unwrap(), Some(ServerOp::Err(String::new())));
    assert_eq!(
        parse_one(b"-ERR 'Permissions Violation for Publish to \"bar\"'\r\n").unwrap(),
        Some(ServerOp::Err("Permissions Violation for Publish to \"bar\"".into()))
    );
}

#[test]
fn info_op() {
    let ops = parse_all(b"INFO {\"server_id\":\"S1\",\"max_payload\":1048576,\"headers\":true} \r\n").unwrap();
    match &ops[..] {
        [ServerOp::Info(i)] => {
            assert_eq!(i.server_id, "S1");
            assert_eq!(i.max_payload, 1048576);
            assert!(i.headers);
        }
        o => panic!("{o:?}"),
    }
    assert_eq!(err_status(b"INFO {bad json\r\n"), natsStatus::NATS_PROTOCOL_ERROR);
    assert_eq!(err_status(b"INFO\r\n"), natsStatus::NATS_PROTOCOL_ERROR);
    assert_eq!(err_status(b"info\t{\"port\":-1}\r\n"), natsStatus::NATS_PROTOCOL_ERROR);
    assert!(matches!(&parse_all(b"info\t{}\r\n").unwrap()[..], [ServerOp::Info(_)]));
}

#[test]
fn msg_ops() {
    assert_eq!(
        parse_one(b"MSG foo 1 5\r\nhello\r\n").unwrap(),
        Some(msg(b"foo", 1, None, 0, b"hello"))
    );
    assert_eq!(
        parse_one(b"MSG foo.bar 22 _INBOX.x 3\r\nabc\r\n").unwrap(),
        Some(msg(b"foo.bar", 22, Some(b"_INBOX.x"), 0, b"abc"))
    );
    assert_eq!(
        parse_one(b"msg\tfoo \t 9   0\r\n\r\n").unwrap(),
        Some(msg(b"foo", 9, None, 0, b""))
    );
    // Payload with CR/LF inside.
    assert_eq!(
        parse_one(b"MSG a 1 4\r\n\r\n\r\n\r\n").unwrap(),
        Some(msg(b"a", 1, None, 0, b"\r\n\r\n"))
    );
    // Bare LF line ends.
    assert_eq!(
        parse_one(b"MSG a 1 2\nhi\n").unwrap(),
        Some(msg(b"a", 1, None, 0, b"hi"))
    );
    let hb = b"NATS/1.0\r\nA: b\r\n\r\n";
    let mut wire = format!("HMSG foo 3 {} {}\r\n", hb.len(), hb.len() + 2).into_bytes();
    wire.extend_from_slice(hb);
    wire.extend_from_slice(b"hi\r\n");
    let mut payload = hb.to_vec();
    payload.extend_from_slice(b"hi");
    assert_eq!(
        parse_one(&wire).unwrap(),
        Some(msg(b"foo", 3, None, hb.len(), &payload))
    );
    assert_eq!(
        parse_one(b"HMSG _INBOX.a 1 16 16\r\nNATS/1.0 503\r\n\r\n").unwrap(),
        None,
        "missing the CRLF after the payload"
    );
    assert_eq!(
        parse_one(b"hmsg _INBOX.a 1 rep 16 16\r\nNATS/1.0 503\r\n\r\n\r\n").unwrap(),
        Some(msg(b"_INBOX.a", 1, Some(b"rep"), 16, b"NATS/1.0 503\r\n\r\n"))
    );
}

#[test]
fn nul_in_subject_or_reply_is_left_to_the_message_owner() {
    // The fast path refuses NUL bytes; the general path passes them on
    // with `nul_free` unset (the engine's message type refuses them).
    for wire in [&b"MSG a\0b 1 1\r\nx\r\n"[..], b"MSG a 1 r\0 1\r\nx\r\n"] {
        match parse_one(wire).unwrap() {
            Some(ServerOp::Msg(m)) => assert!(!m.nul_free),
            other => panic!("{other:?}"),
        }
    }
    match parse_one(b"MSG a 1 r 1\r\nx\r\n").unwrap() {
        Some(ServerOp::Msg(m)) => assert!(m.nul_free),
        other => panic!("{other:?}"),
    }
}

/// subject, reply, header_len, total
type Start = (Vec<u8>, Option<Vec<u8>>, usize, usize);

/// An allocator that records what it was asked for.
#[derive(Default)]
struct Recording {
    starts: Vec<Start>,
}

impl MsgAlloc for Recording {
    type Msg = PlainMsg;
    fn start(&mut self, subject: &[u8], reply: Option<&[u8]>, header_len: usize, total: usize) -> PlainMsg {
        self.starts
            .push((subject.to_vec(), reply.map(<[u8]>::to_vec), header_len, total));
        PlainAlloc.start(subject, reply, header_len, total)
    }
}

#[test]
fn messages_come_from_the_allocator_handed_in() {
    let mut p = Parser::with_alloc(Recording::default());
    p.set_max_payload(100);
    p.feed(b"MSG a 1 r 2\r\nhi\r\nHMSG b 2 12 14\r\nNATS/1.0\r\n\r\nyo\r\nMSG c 3 101\r\n");
    assert_eq!(p.next_op().unwrap().unwrap(), msg(b"a", 1, Some(b"r"), 0, b"hi"));
    assert_eq!(
        p.next_op().unwrap().unwrap(),
        msg(b"b", 2, None, 12, b"NATS/1.0\r\n\r\nyo")
    );
    assert_eq!(p.next_op().unwrap_err().status, natsStatus::NATS_PROTOCOL_ERROR);
    // Asked once per message, with the sizes of the control line; never
    // for the one above the limit.
    assert_eq!(
        p.alloc().starts,
        vec![
            (b"a".to_vec(), Some(b"r".to_vec()), 0, 2),
            (b"b".to_vec(), None, 12, 14)
        ]
    );
}

#[test]
fn bad_input() {
    for bad in [
        &b" PING\r\n"[..],
        b"POO\r\n",
        b"PINGX\r\n",
        b"-ERRx\r\n",
        b"\r\n",
        b"MSG\r\n",
        b"MSG foo 1\r\n",
        b"MSG foo bar 1 baz\r\n",
        b"MSG foo 1 2 3 4\r\n",
        b"MSG foo x 1\r\n",
        b"MSG foo -1 1\r\n",
        b"MSG foo 1 -1\r\n",
        b"MSG foo 1 +1\r\n",
        b"MSG foo 1 1x\r\n",
        b"MSG foo 18446744073709551616 1\r\n",
        b"MSG foo 1 99999999999999999999999\r\n",
        b"HMSG foo 1 2\r\n",
        b"HMSG foo 1 r 2 3 4\r\n",
        b"HMSG foo 1 5 4\r\nabcd\r\n",
        b"HMSG foo 1 x 4\r\n",
        b"MSG foo 1 2\r\nabcd\r\n",
        b"MSG foo 1 2\r\nab\rx",
        b"PING extra\r\n",
        b"+OKAY\r\n",
    ] {
        assert_eq!(err_status(bad), natsStatus::NATS_PROTOCOL_ERROR, "{:?}", show(bad));
    }
}

#[test]
fn huge_size_claims_are_rejected_before_allocating() {
    assert_eq!(
        err_status(b"MSG a 1 1099511627776\r\n"),
        natsStatus::NATS_PROTOCOL_ERROR
    );
    assert_eq!(
        err_status(b"HMSG a 1 1 1099511627776\r\n"),
        natsStatus::NATS_PROTOCOL_ERROR
    );
    assert_eq!(
        err_status(b"MSG a 1 18446744073709551615\r\n"),
        natsStatus::NATS_PROTOCOL_ERROR
    );
    let mut p = Parser::new();
    p.set_max_payload(10);
    p.feed(b"MSG a 1 10\r\n0123456789\r\nMSG a 1 11\r\n");
    assert_eq!(p.next_op().unwrap(), Some(msg(b"a", 1, None, 0, b"0123456789")));
    let e = p.next_op().unwrap_err();
    assert_eq!(e.status, natsStatus::NATS_PROTOCOL_ERROR);
    assert!(e.text.contains("limit"), "{}", e.text);
}

#[test]
fn line_too_long() {
    // Exactly the maximum is fine.
    let mut line = b"-ERR '".to_vec();
    line.resize(MAX_CONTROL_LINE - 1, b'x');
    line.push(b'\'');
    assert_eq!(line.len(), MAX_CONTROL_LINE);
    let mut input = line.clone();
    input.extend_from_slice(b"\r\n");
    assert!(matches!(parse_one(&input).unwrap(), Some(ServerOp::Err(_))));
    // One more byte is not, with or without its end of line.
    let mut long = line.clone();
    long.insert(7, b'y');
    let mut input = long.clone();
    input.extend_from_slice(b"\r\n");
    assert_eq!(parse_one(&input).unwrap_err().status, natsStatus::NATS_LINE_TOO_LONG);
    long.extend_from_slice(b"zz");
    assert_eq!(parse_one(&long).unwrap_err().status, natsStatus::NATS_LINE_TOO_LONG);
    // An endless INFO fed in pieces is caught early.
    let mut p = Parser::new();
    p.feed(b"INFO {\"server_id\":\"");
    let chunk = vec![b'a'; 4096];
    let mut err = None;
    for _ in 0..100 {
        p.feed(&chunk);
        match p.next_op() {
            Ok(None) => {}
            Ok(Some(op)) => panic!("{op:?}"),
            Err(e) => {
                err = Some(e);
                break;
            }
        }
    }
    assert_eq!(err.unwrap().status, natsStatus::NATS_LINE_TOO_LONG);
    assert!(p.buffered() < MAX_CONTROL_LINE + 8192);
}

fn mixed_stream() -> (Vec<u8>, Vec<ServerOp>) {
    let hb = b"NATS/1.0\r\nK: v\r\n\r\n";
    let mut wire = Vec::new();
    let mut expect = Vec::new();
    wire.extend_from_slice(b"INFO {\"server_id\":\"X\",\"port\":4333} \r\n");
    let ops = parse_all(&wire).unwrap();
    expect.extend(ops);
    wire.extend_from_slice(b"+OK\r\nPING\r\n");
    expect.push(ServerOp::Ok);
    expect.push(ServerOp::Ping);
    wire.extend_from_slice(b"MSG foo 1 5\r\nhello\r\n");
    expect.push(msg(b"foo", 1, None, 0, b"hello"));
    wire.extend_from_slice(b"MSG foo 2 reply 0\r\n\r\n");
    expect.push(msg(b"foo", 2, Some(b"reply"), 0, b""));
    wire.extend_from_slice(format!("HMSG bar 3 r {} {}\r\n", hb.len(), hb.len() + 4).as_bytes());
    wire.extend_from_slice(hb);
    wire.extend_from_slice(b"\r\n\r\n\r\n");
    let mut payload = hb.to_vec();
    payload.extend_from_slice(b"\r\n\r\n");
    expect.push(msg(b"bar", 3, Some(b"r"), hb.len(), &payload));
    wire.extend_from_slice(b"PONG\r\n-ERR 'Stale Connection'\r\n");
    expect.push(ServerOp::Pong);
    expect.push(ServerOp::Err("Stale Connection".into()));
    wire.extend_from_slice(b"MSG x 4 1\r\nz\r\n");
    expect.push(msg(b"x", 4, None, 0, b"z"));
    (wire, expect)
}

#[test]
fn split_at_every_byte_position() {
    let (wire, expect) = mixed_stream();
    assert_eq!(parse_all(&wire).unwrap(), expect);
    for i in 0..=wire.len() {
        let mut p = Parser::new();
        p.feed(&wire[..i]);
        let mut got = all_ops(&mut p).unwrap();
        p.feed(&wire[i..]);
        got.extend(all_ops(&mut p).unwrap());
        assert_eq!(got, expect, "split at {i}");
        assert_eq!(p.buffered(), 0);
    }
    // Two splits.
    for i in (0..wire.len()).step_by(3) {
        for j in i..wire.len() {
            let mut p = Parser::new();
            let mut got = Vec::new();
            for part in [&wire[..i], &wire[i..j], &wire[j..]] {
                p.feed(part);
                got.extend(all_ops(&mut p).unwrap());
            }
            assert_eq!(got, expect, "split at {i},{j}");
        }
    }
}

#[test]
fn byte_by_byte_through_read_buf() {
    let (wire, expect) = mixed_stream();
    let mut p = Parser::new();
    let mut got = Vec::new();
    for &b in &wire {
        let room = p.read_buf(1);
        assert!(!room.is_empty());
        room[0] = b;
        p.commit(1);
        got.extend(all_ops(&mut p).unwrap());
    }
    assert_eq!(got, expect);
}

#[test]
fn read_buf_chunks_and_compaction() {
    let (wire, expect) = mixed_stream();
    let mut stream = Vec::new();
    let mut want = Vec::new();
    for _ in 0..200 {
        stream.extend_from_slice(&wire);
        want.extend(expect.iter().cloned());
    }
    let mut p = Parser::new();
    let mut got = Vec::new();
    let mut off = 0;
    while off < stream.len() {
        let room = p.read_buf(100);
        assert!(room.len() >= 100);
        let n = room.len().min(stream.len() - off).min(777);
        room[..n].copy_from_slice(&stream[off..off + n]);
        p.commit(n);
        off += n;
        got.extend(all_ops(&mut p).unwrap());
        // The buffer never grows past a few chunks.
        assert!(p.buf.len() <= 2 * INITIAL_BUF, "buffer grew to {}", p.buf.len());
    }
    assert_eq!(got, want);
}

#[test]
fn big_payload_does_not_stay_in_the_buffer() {
    let size = 5 * 1024 * 1024;
    let mut p = Parser::new();
    p.feed(format!("MSG big 1 {size}\r\n").as_bytes());
    assert_eq!(p.next_op().unwrap(), None);
    let chunk = vec![7u8; 64 * 1024];
    let mut sent = 0;
    while sent < size {
        let n = chunk.len().min(size - sent);
        let room = p.read_buf(n);
        room[..n].copy_from_slice(&chunk[..n]);
        p.commit(n);
        sent += n;
        assert_eq!(p.next_op().unwrap(), None);
        assert!(p.buf.len() <= 2 * INITIAL_BUF + chunk.len());
    }
    p.feed(b"\r\nPING\r\n");
    match p.next_op().unwrap() {
        Some(ServerOp::Msg(m)) => {
            assert_eq!(m.payload_len(), size);
            assert!(m.payload().iter().all(|&b| b == 7));
        }
        o => panic!("{o:?}"),
    }
    assert_eq!(p.next_op().unwrap(), Some(ServerOp::Ping));
}

#[test]
fn huge_feed_is_released_when_consumed() {
    let mut p = Parser::new();
    let mut input = Vec::new();
    for _ in 0..100_000 {
        input.extend_from_slice(b"PING\r\n");
    }
    p.feed(&input);
    assert_eq!(all_ops(&mut p).unwrap().len(), 100_000);
    p.feed(b"PONG\r\n");
    assert!(p.buf.len() <= INITIAL_BUF);
    assert_eq!(p.next_op().unwrap(), Some(ServerOp::Pong));
}

#[test]
fn reset_drops_partial_state() {
    let mut p = Parser::new();
    p.set_max_payload(100);
    p.feed(b"MSG foo 1 10\r\nabc");
    assert_eq!(p.next_op().unwrap(), None);
    assert_eq!(p.buffered(), 3);
    p.reset();
    assert_eq!(p.buffered(), 0);
    assert_eq!(p.max_payload(), 100);
    p.feed(b"PING\r\n");
    assert_eq!(p.next_op().unwrap(), Some(ServerOp::Ping));
}

#[test]
fn writer_output_parses_as_server_ops() {
    // A server echoes our PUB back as MSG/HMSG: check a payload
    // containing protocol-looking bytes survives.
    let payload = b"MSG x 1 1\r\nPING\r\n";
    let mut wire = format!("MSG t 5 {}\r\n", payload.len()).into_bytes();
    wire.extend_from_slice(payload);
    wire.extend_from_slice(b"\r\n");
    assert_eq!(parse_all(&wire).unwrap(), vec![msg(b"t", 5, None, 0, payload)]);
}

/// The one-pass `MSG` scan gives what the general parser gives for the
/// same line (lower-case `msg` always takes the general path), or leaves
/// the line to it; in pieces too.
#[test]
fn one_pass_msg_scan_agrees_with_the_general_path() {
    let cases: &[&[u8]] = &[
        b"MSG a 1 2\r\nhi\r\n",
        b"MSG a 1 2\nhi\n",
        b"MSG a.b 17 _INBOX.r 3\r\nabc\r\n",
        b"MSG a 1 r 0\r\n\r\n",
        b"MSG a\r 1 2\r\nhi\r\n",
        b"MSG a 1 2\r\rhi\r\n",
        b"MSG a  1 2\r\nhi\r\n",
        b"MSG a 1 2 \r\nhi\r\n",
        b"MSG a\t1 2\r\nhi\r\n",
        b"MSG a 1 x 2 3\r\nhi\r\n",
        b"MSG a 1 99999999999999999999\r\nhi\r\n",
        b"MSG a 1 -2\r\nhi\r\n",
        b"MSG a x 2\r\nhi\r\n",
        b"MSG a\x001 2\r\nhi\r\n",
        b"MSG \r\n",
        b"MSG a 1\r\n",
        b"MSG a 1 22 3\r\nabc\r\n",
        b"MSG a 1 r 2 3\r\nhi\r\n",
        b"MSG a 1 2x\r\nhi\r\n",
        b"MSG a 01 002\r\nhi\r\n",
        b"MSG a 1 1234567890123456789\r\nhi\r\n",
        b"MSG a 1 r 2\rhi\r\n",
        b"MSG a 1\x01 2\r\nhi\r\n",
        b"MSG a\x01b 1 2\r\nhi\r\n",
        b"MSG a 1 r\t2\r\nhi\r\n",
        b"MSG a 1 r 2\nhi\n",
        b"MSG a 1 r  2\r\nhi\r\n",
    ];
    let outcome = |input: &[u8]| match parse_all(input) {
        Ok(ops) => Ok(ops),
        Err(e) => Err(e.status),
    };
    for &line in cases {
        let mut general = line.to_vec();
        general[..3].copy_from_slice(b"msg");
        let want = outcome(&general);
        assert_eq!(outcome(line), want, "{:?}", show(line));
        if let Ok(w) = &want {
            for i in 0..=line.len() {
                let mut p = Parser::new();
                p.feed(&line[..i]);
                let mut got = all_ops(&mut p).unwrap();
                p.feed(&line[i..]);
                got.extend(all_ops(&mut p).unwrap());
                assert_eq!(&got, w, "{:?} split at {i}", show(line));
            }
        }
    }
}

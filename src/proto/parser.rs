//! An incremental, I/O-free parser of server operations.
//!
//! Bytes go in as they come off the socket (split anywhere), either with
//! [`Parser::feed`] or by reading straight into [`Parser::read_buf`] and
//! calling [`Parser::commit`]. [`Parser::next_op`] then hands out complete
//! operations one by one and returns `Ok(None)` when it needs more bytes.
//!
//! Control lines are found with `memchr`, numbers are parsed straight from
//! the bytes, and a message (subject, reply, payload) is copied once, into
//! one buffer of exactly its size (inline when small), allocated only after
//! its size was checked against the limit.

use super::{MsgOp, ServerInfo, ServerOp};
use crate::error::{Error, Result};
use crate::status::natsStatus;

/// Max length of a protocol line (INFO included), CRLF excluded.
pub const MAX_CONTROL_LINE: usize = 32 * 1024;

/// The payload limit used until [`Parser::set_max_payload`] is called.
pub const DEFAULT_MAX_PAYLOAD: usize = 64 * 1024 * 1024;

/// The input buffer starts (and shrinks back to) this size.
const INITIAL_BUF: usize = 32 * 1024;
/// The smallest buffer allocated (an idle connection keeps no more: the
/// reader asks for more room only while reads fill what it has).
const MIN_BUF: usize = 4 * 1024;
/// An idle buffer bigger than this is given back to the allocator.
const SHRINK_ABOVE: usize = 256 * 1024;

/// A `MSG`/`HMSG` whose control line was read, waiting for its payload.
struct Pending {
    /// Subject and reply are in; the payload is appended (the buffer has
    /// room for `total` bytes and the message's final NUL).
    op: MsgOp,
    total: usize,
}

/// Incremental parser: bytes in (split anywhere), `ServerOp`s out.
pub struct Parser {
    /// Input bytes; `buf[start..end]` is unconsumed, `buf[end..]` is room.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Where to resume the search for `\n` (absolute index into `buf`).
    scanned: usize,
    pending: Option<Pending>,
    max_payload: usize,
}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

fn proto_err(text: impl Into<String>) -> Error {
    Error::new(natsStatus::NATS_PROTOCOL_ERROR, text)
}

/// Shows at most 64 bytes of a line in an error text.
fn show(b: &[u8]) -> String {
    let n = b.len().min(64);
    let mut s = String::from_utf8_lossy(&b[..n]).into_owned();
    if b.len() > n {
        s.push('…');
    }
    s
}

#[inline]
fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [f, rest @ ..] = s {
        if is_ws(*f) {
            s = rest
        } else {
            break;
        }
    }
    while let [rest @ .., l] = s {
        if is_ws(*l) {
            s = rest
        } else {
            break;
        }
    }
    s
}

/// Splits `line` into its op name and the rest (after the whitespace that
/// follows the name).
fn split_op(line: &[u8]) -> (&[u8], &[u8]) {
    let n = line.iter().position(|&b| is_ws(b)).unwrap_or(line.len());
    let mut rest = &line[n..];
    while let [f, r @ ..] = rest {
        if is_ws(*f) {
            rest = r
        } else {
            break;
        }
    }
    (&line[..n], rest)
}

/// Up to 5 whitespace-separated arguments; `None` when there are more.
fn split_args(s: &[u8]) -> Option<([&[u8]; 5], usize)> {
    let mut out: [&[u8]; 5] = [&[]; 5];
    let mut n = 0;
    for a in s.split(|&b| is_ws(b)).filter(|a| !a.is_empty()) {
        if n == out.len() {
            return None;
        }
        out[n] = a;
        n += 1;
    }
    Some((out, n))
}

/// A non-negative decimal number; no sign, no spaces, no overflow.
fn parse_num(b: &[u8], what: &str, line: &[u8]) -> Result<u64> {
    let bad = || proto_err(format!("invalid {what} in protocol line: {:?}", show(line)));
    if b.is_empty() || b.len() > 20 {
        return Err(bad());
    }
    let mut n: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return Err(bad());
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add((c - b'0') as u64))
            .ok_or_else(bad)?;
    }
    Ok(n)
}

/// subject, sid, reply, size
type MsgArgs<'a> = (&'a [u8], u64, Option<&'a [u8]>, u64);

/// Fast path for the common `MSG` line (after "MSG "): 3 or 4 fields,
/// single separators, plain numbers. `None` sends the line to the general
/// parser (which also produces the error texts).
#[inline]
fn fast_msg_args(rest: &[u8]) -> Option<MsgArgs<'_>> {
    // Field boundaries found in one pass; any tab, double space, leading
    // or trailing space, or more than 4 fields goes to the general parser.
    let mut f: [&[u8]; 4] = [&[]; 4];
    let mut n = 0;
    let mut from = 0;
    for (i, &c) in rest.iter().enumerate() {
        // One compare per ordinary byte; a tab or a NUL byte (checked here
        // so that `Msg::from_wire` need not scan subject and reply again)
        // sends the line to the general parser.
        if c <= b' ' {
            if c == b' ' {
                if i == from || n == 3 {
                    return None;
                }
                f[n] = &rest[from..i];
                n += 1;
                from = i + 1;
            } else if c == b'\t' || c == 0 {
                return None;
            }
        }
    }
    if from == rest.len() {
        return None;
    }
    f[n] = &rest[from..];
    n += 1;
    #[inline]
    fn num(b: &[u8]) -> Option<u64> {
        if b.is_empty() || b.len() > 19 {
            return None;
        }
        let mut v = 0u64;
        for &c in b {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            v = v * 10 + d as u64;
        }
        Some(v)
    }
    match n {
        3 => Some((f[0], num(f[1])?, None, num(f[2])?)),
        4 => Some((f[0], num(f[1])?, Some(f[2]), num(f[3])?)),
        _ => None,
    }
}

impl Parser {
    pub fn new() -> Parser {
        Parser {
            buf: Vec::new(),
            start: 0,
            end: 0,
            scanned: 0,
            pending: None,
            max_payload: DEFAULT_MAX_PAYLOAD,
        }
    }

    /// Upper bound on an accepted MSG payload (set from INFO max_payload).
    /// A `MSG`/`HMSG` announcing more is a protocol error.
    pub fn set_max_payload(&mut self, n: usize) {
        self.max_payload = n;
    }

    /// The current payload limit.
    pub fn max_payload(&self) -> usize {
        self.max_payload
    }

    /// Drops all buffered input and any partial operation (for a new
    /// connection). The payload limit is kept.
    pub fn reset(&mut self) {
        self.start = 0;
        self.end = 0;
        self.scanned = 0;
        self.pending = None;
        if self.buf.len() > SHRINK_ABOVE {
            self.buf = Vec::new();
        }
    }

    /// Bytes received but not yet returned as operations (including a
    /// partial payload).
    pub fn buffered(&self) -> usize {
        self.end - self.start + self.pending.as_ref().map_or(0, |p| p.op.payload_len())
    }

    /// Makes room for at least `min` bytes after `end`.
    fn reserve(&mut self, min: usize) {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
            self.scanned = 0;
            if self.buf.len() > SHRINK_ABOVE && min <= INITIAL_BUF {
                self.buf = Vec::new();
            }
        }
        if self.buf.len() - self.end >= min {
            return;
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.scanned -= self.start;
            self.start = 0;
            if self.buf.len() - self.end >= min {
                return;
            }
        }
        let want = (self.end + min).max(MIN_BUF);
        self.buf.resize(want, 0);
    }

    /// Appends bytes received from the socket.
    pub fn feed(&mut self, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        self.reserve(data.len());
        self.buf[self.end..self.end + data.len()].copy_from_slice(data);
        self.end += data.len();
    }

    /// Spare room of at least `min` bytes to read into, then `commit(n)`.
    pub fn read_buf(&mut self, min: usize) -> &mut [u8] {
        self.reserve(min.max(1));
        &mut self.buf[self.end..]
    }

    /// Marks `n` bytes written into [`Parser::read_buf`] as received.
    pub fn commit(&mut self, n: usize) {
        assert!(n <= self.buf.len() - self.end, "commit({n}) beyond the read buffer");
        self.end += n;
    }

    /// The next complete operation, `Ok(None)` when more bytes are needed.
    /// Errors: `NATS_PROTOCOL_ERROR` (bad input), `NATS_LINE_TOO_LONG`.
    /// After an error the stream is unusable; call [`Parser::reset`] for a
    /// new one.
    pub fn next_op(&mut self) -> Result<Option<ServerOp>> {
        if self.pending.is_some() {
            return self.continue_payload();
        }
        let from = self.scanned.max(self.start);
        let nl = match memchr::memchr(b'\n', &self.buf[from..self.end]) {
            Some(i) => from + i,
            None => {
                self.scanned = self.end;
                // The line so far, minus a possible '\r' of the coming CRLF.
                if self.end - self.start > MAX_CONTROL_LINE + 1 {
                    return Err(Error::new(
                        natsStatus::NATS_LINE_TOO_LONG,
                        format!("protocol line longer than {MAX_CONTROL_LINE} bytes"),
                    ));
                }
                return Ok(None);
            }
        };
        let line_start = self.start;
        let mut line_end = nl;
        if line_end > line_start && self.buf[line_end - 1] == b'\r' {
            line_end -= 1;
        }
        self.start = nl + 1;
        self.scanned = self.start;
        if line_end - line_start > MAX_CONTROL_LINE {
            return Err(Error::new(
                natsStatus::NATS_LINE_TOO_LONG,
                format!("protocol line longer than {MAX_CONTROL_LINE} bytes"),
            ));
        }
        let op = self.parse_line(line_start, line_end)?;
        match op {
            Some(op) => Ok(Some(op)),
            None => self.continue_payload(),
        }
    }

    /// Parses one control line. `Ok(None)` means a MSG/HMSG is now pending.
    fn parse_line(&mut self, s: usize, e: usize) -> Result<Option<ServerOp>> {
        let line = &self.buf[s..e];
        if let Some((subject, sid, reply, total)) = line.strip_prefix(b"MSG ").and_then(fast_msg_args) {
            if total <= self.max_payload as u64 {
                let total = total as usize;
                let mut op = MsgOp::start(subject, sid, reply, 0, total);
                op.nul_free = true;
                self.pending = Some(Pending { op, total });
                return Ok(None);
            }
        }
        let (op, rest) = split_op(line);
        let op_is = |name: &[u8]| op.eq_ignore_ascii_case(name);
        let no_args = |name: &str| {
            if trim(rest).is_empty() {
                Ok(())
            } else {
                Err(proto_err(format!(
                    "unexpected arguments after {name}: {:?}",
                    show(line)
                )))
            }
        };
        if op_is(b"MSG") || op_is(b"HMSG") {
            let hdr = op.len() == 4;
            let (args, n) =
                split_args(rest).ok_or_else(|| proto_err(format!("too many arguments: {:?}", show(line))))?;
            let (subject, sid, reply, hlen, total) = match (hdr, n) {
                (false, 3) => (args[0], args[1], None, None, args[2]),
                (false, 4) => (args[0], args[1], Some(args[2]), None, args[3]),
                (true, 4) => (args[0], args[1], None, Some(args[2]), args[3]),
                (true, 5) => (args[0], args[1], Some(args[2]), Some(args[3]), args[4]),
                _ => return Err(proto_err(format!("wrong number of arguments: {:?}", show(line)))),
            };
            let sid = parse_num(sid, "subscription id", line)?;
            let total = parse_num(total, "message size", line)?;
            let header_len = match hlen {
                Some(h) => parse_num(h, "header size", line)?,
                None => 0,
            };
            if header_len > total {
                return Err(proto_err(format!(
                    "header size larger than message size: {:?}",
                    show(line)
                )));
            }
            if total > self.max_payload as u64 {
                return Err(proto_err(format!(
                    "message size {total} above the limit of {} bytes: {:?}",
                    self.max_payload,
                    show(line)
                )));
            }
            let total = total as usize;
            self.pending = Some(Pending {
                op: MsgOp::start(subject, sid, reply, header_len as usize, total),
                total,
            });
            return Ok(None);
        }
        if op_is(b"PING") {
            no_args("PING")?;
            return Ok(Some(ServerOp::Ping));
        }
        if op_is(b"PONG") {
            no_args("PONG")?;
            return Ok(Some(ServerOp::Pong));
        }
        if op_is(b"+OK") {
            no_args("+OK")?;
            return Ok(Some(ServerOp::Ok));
        }
        if op_is(b"-ERR") {
            let mut t = trim(rest);
            if let Some(x) = t.strip_prefix(b"'") {
                t = x;
            }
            if let Some(x) = t.strip_suffix(b"'") {
                t = x;
            }
            return Ok(Some(ServerOp::Err(String::from_utf8_lossy(trim(t)).into_owned())));
        }
        if op_is(b"INFO") {
            let info = ServerInfo::parse(rest)?;
            return Ok(Some(ServerOp::Info(Box::new(info))));
        }
        Err(proto_err(format!("unknown protocol operation: {:?}", show(line))))
    }

    /// Moves payload bytes of the pending MSG out of the buffer; returns the
    /// message once the payload and its CRLF are complete.
    fn continue_payload(&mut self) -> Result<Option<ServerOp>> {
        let Some(p) = self.pending.as_mut() else {
            return Ok(None);
        };
        let need = p.total - p.op.payload_len();
        if need > 0 {
            let n = need.min(self.end - self.start);
            p.op.msg.append_received(&self.buf[self.start..self.start + n]);
            self.start += n;
            self.scanned = self.start;
            if n < need {
                return Ok(None);
            }
        }
        // The payload must be followed by CRLF (a bare LF is accepted).
        let avail = &self.buf[self.start..self.end];
        let skip = match avail {
            [] | [b'\r'] => return Ok(None),
            [b'\r', b'\n', ..] => 2,
            [b'\n', ..] => 1,
            _ => {
                return Err(proto_err(format!(
                    "message payload not followed by CRLF (sid {}, {} bytes)",
                    p.op.sid, p.total
                )))
            }
        };
        self.start += skip;
        self.scanned = self.start;
        let p = self.pending.take().expect("pending message");
        Ok(Some(ServerOp::Msg(p.op)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn nul_in_subject_or_reply_is_left_to_from_wire() {
        for wire in [&b"MSG a\0b 1 1\r\nx\r\n"[..], b"MSG a 1 r\0 1\r\nx\r\n"] {
            match parse_one(wire).unwrap() {
                Some(ServerOp::Msg(m)) => {
                    assert!(!m.nul_free);
                    assert_eq!(
                        crate::msg::Msg::from_wire(m).unwrap_err().status,
                        natsStatus::NATS_PROTOCOL_ERROR
                    );
                }
                other => panic!("{other:?}"),
            }
        }
        match parse_one(b"MSG a 1 r 1\r\nx\r\n").unwrap() {
            Some(ServerOp::Msg(m)) => assert!(m.nul_free),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn payload_capacity_leaves_room_for_a_nul() {
        match parse_one(b"MSG foo 1 5\r\nhello\r\n").unwrap() {
            Some(ServerOp::Msg(m)) => {
                assert!(m.msg.buf_capacity() > m.payload_len() + 4);
            }
            o => panic!("{o:?}"),
        }
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
}

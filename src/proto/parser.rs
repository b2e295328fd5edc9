//! An incremental, I/O-free parser of server operations.
//!
//! Bytes go in as they come off the socket (split anywhere), either with
//! [`Parser::feed`] or by reading straight into [`Parser::read_buf`] and
//! calling [`Parser::commit`]. [`Parser::next_op`] then hands out complete
//! operations one by one and returns `Ok(None)` when it needs more bytes.
//!
//! Control lines are found with `memchr`, numbers are parsed straight from
//! the bytes, and a message (subject, reply, payload) is copied once, into
//! the message the parser's [`MsgAlloc`] gives it, asked for only after
//! its size was checked against the limit.
//!
//! The parser holds no global state: the allocator is handed in by its
//! owner ([`Parser::with_alloc`]); [`Parser::new`] uses [`PlainAlloc`].

use super::{MsgAlloc, MsgOp, PlainAlloc, ServerInfo, ServerOp, WireMsg};
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
struct Pending<M> {
    /// Subject and reply are in; the payload is appended (the message has
    /// room for `total` bytes).
    op: MsgOp<M>,
    total: usize,
}

/// What [`Parser::fast_msg_line`] made of the input.
enum FastMsg<M> {
    /// Not a line for the fast path: nothing was consumed.
    No,
    /// The line was consumed; its message waits for (more of) its payload.
    Pending,
    /// Line, payload and CRLF were all there.
    Complete(MsgOp<M>),
}

/// Incremental parser: bytes in (split anywhere), `ServerOp`s out. `A`
/// provides the messages (see [`MsgAlloc`]).
pub struct Parser<A: MsgAlloc = PlainAlloc> {
    /// Input bytes; `buf[start..end]` is unconsumed, `buf[end..]` is room.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Where to resume the search for `\n` (absolute index into `buf`).
    scanned: usize,
    pending: Option<Pending<A::Msg>>,
    max_payload: usize,
    alloc: A,
}

impl Default for Parser<PlainAlloc> {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser<PlainAlloc> {
    /// A parser whose messages are [`super::PlainMsg`]s.
    pub fn new() -> Self {
        Parser::with_alloc(PlainAlloc)
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

/// The decimal number at `b[from..]` (1 to 19 digits) and the index of
/// the byte after it.
#[inline]
fn digits(b: &[u8], from: usize) -> Option<(u64, usize)> {
    let mut v = 0u64;
    let mut j = from;
    while let Some(&c) = b.get(j) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        v = v.wrapping_mul(10).wrapping_add(d as u64);
        j += 1;
    }
    if j == from || j - from > 19 {
        return None;
    }
    Some((v, j))
}

impl<A: MsgAlloc> Parser<A> {
    /// A parser that takes its messages from `alloc`.
    pub fn with_alloc(alloc: A) -> Self {
        Parser {
            buf: Vec::new(),
            start: 0,
            end: 0,
            scanned: 0,
            pending: None,
            max_payload: DEFAULT_MAX_PAYLOAD,
            alloc,
        }
    }

    /// The message allocator.
    pub fn alloc(&self) -> &A {
        &self.alloc
    }

    /// The message allocator, to change its settings.
    pub fn alloc_mut(&mut self) -> &mut A {
        &mut self.alloc
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
    pub fn next_op(&mut self) -> Result<Option<ServerOp<A::Msg>>> {
        if self.pending.is_some() {
            return self.continue_payload();
        }
        match self.fast_msg_line() {
            FastMsg::Complete(op) => return Ok(Some(ServerOp::Msg(op))),
            FastMsg::Pending => return self.continue_payload(),
            FastMsg::No => {}
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

    /// The common case in one pass: a complete, plain `MSG` line at the
    /// start of the input (single spaces, 3 or 4 fields, plain numbers,
    /// CRLF or LF, within the limits) is scanned for its fields and its end
    /// at once, without a separate search for the newline, and its message
    /// started (subject and reply copied from the scan); when its payload
    /// and CRLF are in too, the message is complete at once.
    /// [`FastMsg::No`] leaves everything as it was for the general path
    /// (any other line, an incomplete one, anything unusual: the general
    /// path also makes the error texts).
    #[inline]
    fn fast_msg_line(&mut self) -> FastMsg<A::Msg> {
        // A line already searched in part (it came in pieces) is left to
        // the general path, which resumes its search where it stopped:
        // scanning it again here with every new piece would make a long
        // line cost quadratic time.
        if self.scanned > self.start {
            return FastMsg::No;
        }
        let avail = &self.buf[self.start..self.end];
        let Some(b) = avail.strip_prefix(b"MSG ") else {
            return FastMsg::No;
        };
        let len = b.len();
        // Subject: up to the first space (any other byte <= ' ' or an
        // empty subject goes the general way).
        let mut i = 0;
        let subj_end = loop {
            let Some(&c) = b.get(i) else { return FastMsg::No };
            if c <= b' ' {
                if c == b' ' && i > 0 {
                    break i;
                }
                return FastMsg::No;
            }
            i += 1;
        };
        // Sid: digits, then a space.
        let Some((sid, j)) = digits(b, subj_end + 1) else {
            return FastMsg::No;
        };
        if b.get(j) != Some(&b' ') {
            return FastMsg::No;
        }
        // Third field: the size, or the reply when a space follows it.
        let t = j + 1;
        i = t;
        let t_end = loop {
            let Some(&c) = b.get(i) else { return FastMsg::No };
            if c <= b' ' {
                break i;
            }
            i += 1;
        };
        if t_end == t {
            return FastMsg::No;
        }
        let (reply, total, line_end) = match b[t_end] {
            b' ' => {
                let Some((total, e)) = digits(b, t_end + 1) else {
                    return FastMsg::No;
                };
                (Some(&b[t..t_end]), total, e)
            }
            b'\r' | b'\n' => match digits(b, t) {
                Some((total, e)) if e == t_end => (None, total, e),
                _ => return FastMsg::No,
            },
            _ => return FastMsg::No,
        };
        // The line's end: CRLF or LF (a lone CR, or a CR at the end of the
        // input so far, goes the general way).
        let next = match b.get(line_end) {
            Some(b'\n') => line_end + 1,
            Some(b'\r') if b.get(line_end + 1) == Some(&b'\n') => line_end + 2,
            _ => return FastMsg::No,
        };
        if next > len || line_end + 4 > MAX_CONTROL_LINE || total > self.max_payload as u64 {
            return FastMsg::No;
        }
        let total = total as usize;
        let subject = &b[..subj_end];
        let mut msg = self.alloc.start(subject, reply, 0, total);
        // The payload and its CRLF already here (the usual case): the
        // message is complete at once.
        if let Some(rest) = b.get(next..) {
            if rest.len() >= total + 2 && rest[total] == b'\r' && rest[total + 1] == b'\n' {
                msg.append(&rest[..total]);
                self.start += 4 + next + total + 2;
                self.scanned = self.start;
                return FastMsg::Complete(MsgOp {
                    sid,
                    msg,
                    nul_free: true,
                });
            }
        }
        let op = MsgOp {
            sid,
            msg,
            nul_free: true,
        };
        self.pending = Some(Pending { op, total });
        self.start += 4 + next;
        self.scanned = self.start;
        FastMsg::Pending
    }

    /// Parses one control line. `Ok(None)` means a MSG/HMSG is now pending.
    fn parse_line(&mut self, s: usize, e: usize) -> Result<Option<ServerOp<A::Msg>>> {
        let line = &self.buf[s..e];
        if let Some((subject, sid, reply, total)) = line.strip_prefix(b"MSG ").and_then(fast_msg_args) {
            if total <= self.max_payload as u64 {
                let total = total as usize;
                let op = MsgOp {
                    sid,
                    msg: self.alloc.start(subject, reply, 0, total),
                    nul_free: true,
                };
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
            let op = MsgOp {
                sid,
                msg: self.alloc.start(subject, reply, header_len as usize, total),
                nul_free: false,
            };
            self.pending = Some(Pending { op, total });
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
    fn continue_payload(&mut self) -> Result<Option<ServerOp<A::Msg>>> {
        let Some(p) = self.pending.as_mut() else {
            return Ok(None);
        };
        let need = p.total - p.op.payload_len();
        if need > 0 {
            let n = need.min(self.end - self.start);
            p.op.msg.append(&self.buf[self.start..self.start + n]);
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
#[path = "parser_tests.rs"]
mod tests;

//! Client operations, appended to an output buffer.
//!
//! The functions do not validate subjects (the callers do); they only
//! format. Integers are formatted without `fmt` machinery.
use super::ConnectInfo;

pub const PING: &[u8] = b"PING\r\n";
pub const PONG: &[u8] = b"PONG\r\n";

/// Appends the decimal form of `n`.
#[inline]
pub fn push_u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Appends the decimal form of `n` followed by CRLF, in one copy.
#[inline]
fn push_len_crlf(buf: &mut Vec<u8>, mut n: usize) {
    let mut tmp = [0u8; 22];
    tmp[20] = b'\r';
    tmp[21] = b'\n';
    let mut i = 20;
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

#[inline]
fn push_usize(buf: &mut Vec<u8>, n: usize) {
    push_u64(buf, n as u64)
}

/// The handshake's `CONNECT {json}\r\nPING\r\n`, in a buffer wiped when
/// dropped.
///
/// [`ConnectFrame::build`] is the only way to make one (and the only code
/// that writes CONNECT): the engine sends it with
/// `Transport::send_connect`, which takes the frame by value and drops
/// (wipes) it once written. The buffer is sized up front from
/// [`ConnectInfo::json_size_bound`] and written through a writer that
/// cannot grow it, so no reallocation ever leaves a freed, unwiped copy
/// of the password, token, JWT or signature behind.
pub struct ConnectFrame {
    buf: zeroize::Zeroizing<Vec<u8>>,
}

/// An `io::Write` into the spare capacity of a `Vec`: a write that does
/// not fit fails instead of reallocating.
struct NoGrow<'a>(&'a mut Vec<u8>);

impl std::io::Write for NoGrow<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.0.capacity() - self.0.len() < data.len() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::WriteZero,
                "CONNECT larger than its size bound",
            ));
        }
        self.0.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl ConnectFrame {
    /// Serializes `ci` as `CONNECT {json}\r\nPING\r\n` and wipes the
    /// secrets of `ci` (password, token, JWT, signature), whether or not
    /// serialization succeeds. Fails (`NATS_ERR`) only if the JSON would
    /// exceed its computed bound, which the bound rules out.
    pub fn build(ci: &mut ConnectInfo) -> crate::error::Result<ConnectFrame> {
        const PREFIX: &[u8] = b"CONNECT ";
        let cap = PREFIX.len() + ci.json_size_bound() + 2 + PING.len();
        let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(cap));
        let res = {
            let mut w = NoGrow(&mut buf);
            std::io::Write::write_all(&mut w, PREFIX)
                .map_err(serde_json::Error::io)
                .and_then(|()| serde_json::to_writer(&mut w, &*ci))
                .and_then(|()| std::io::Write::write_all(&mut w, b"\r\n").map_err(serde_json::Error::io))
                .and_then(|()| std::io::Write::write_all(&mut w, PING).map_err(serde_json::Error::io))
        };
        ci.wipe_secrets();
        debug_assert_eq!(buf.capacity(), cap);
        match res {
            Ok(()) => Ok(ConnectFrame { buf }),
            Err(_) => Err(crate::error::Error::new(
                crate::status::natsStatus::NATS_ERR,
                "CONNECT exceeds its size bound",
            )),
        }
    }

    /// The bytes to send.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The capacity the buffer was given (it never changes).
    pub fn capacity(&self) -> usize {
        self.buf.capacity()
    }
}

/// `PUB subj [reply] len\r\npayload\r\n`, or `HPUB subj [reply] hlen tlen\r\nheaders payload\r\n`
/// when `headers` is `Some` (a complete `NATS/1.0…\r\n\r\n` block).
///
/// An empty header block (`Some(&[])`) is sent as a plain `PUB`.
/// An empty reply (`Some(&[])`) is sent as no reply.
pub fn write_pub(buf: &mut Vec<u8>, subject: &[u8], reply: Option<&[u8]>, headers: Option<&[u8]>, payload: &[u8]) {
    let reply = reply.filter(|r| !r.is_empty());
    let headers = headers.filter(|h| !h.is_empty());
    if headers.is_none() {
        write_plain_pub(buf, subject, reply, payload);
        return;
    }
    let hlen = headers.map_or(0, |h| h.len());
    buf.reserve(subject.len() + reply.map_or(0, |r| r.len() + 1) + hlen + payload.len() + 56);
    if headers.is_some() {
        buf.extend_from_slice(b"HPUB ");
    } else {
        buf.extend_from_slice(b"PUB ");
    }
    buf.extend_from_slice(subject);
    buf.push(b' ');
    if let Some(r) = reply {
        buf.extend_from_slice(r);
        buf.push(b' ');
    }
    if let Some(h) = headers {
        push_usize(buf, hlen);
        buf.push(b' ');
        push_usize(buf, hlen + payload.len());
        buf.extend_from_slice(b"\r\n");
        buf.extend_from_slice(h);
    } else {
        push_len_crlf(buf, payload.len());
    }
    buf.extend_from_slice(payload);
    buf.extend_from_slice(b"\r\n");
}

/// Digits of `n` in decimal.
#[inline]
fn decimal_len(n: usize) -> usize {
    if n < 10 {
        1
    } else if n < 100 {
        2
    } else if n < 1000 {
        3
    } else if n < 10_000 {
        4
    } else {
        let mut k = 5;
        let mut m = n / 100_000;
        while m > 0 {
            m /= 10;
            k += 1;
        }
        k
    }
}

/// "00", "01", … "99": two digits per division by 100.
const DIGIT_PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// Writes the decimal digits of `n` into `out`, which must be exactly
/// [`decimal_len`]`(n)` bytes long.
#[inline]
fn put_decimal(out: &mut [u8], mut n: usize) {
    let mut end = out.len();
    while n >= 100 {
        let r = (n % 100) * 2;
        n /= 100;
        out[end - 2..end].copy_from_slice(&DIGIT_PAIRS[r..r + 2]);
        end -= 2;
    }
    if n >= 10 {
        out[end - 2..end].copy_from_slice(&DIGIT_PAIRS[n * 2..n * 2 + 2]);
    } else {
        out[end - 1] = b'0' + n as u8;
    }
}

/// `PUB subj [reply] len\r\npayload\r\n` (the publishing hot path): the
/// frame's length is computed first, room for it reserved once, and the
/// pieces copied in without a capacity check each (the number is written
/// straight into place).
#[inline]
fn write_plain_pub(buf: &mut Vec<u8>, subject: &[u8], reply: Option<&[u8]>, payload: &[u8]) {
    let ndig = decimal_len(payload.len());
    let total = 4 + subject.len() + 1 + reply.map_or(0, |r| r.len() + 1) + ndig + 2 + payload.len() + 2;
    buf.reserve(total);
    let at = buf.len();
    // SAFETY: `reserve` made room for `total` bytes after `at`, and the
    // writes below cover exactly `at..at + total` (the offsets add up to
    // `total`, checked in debug builds), each within that room; the sources
    // are separate borrows, so no copy overlaps its destination. Every byte
    // up to `at + total` is written before the length is set.
    unsafe {
        let p = buf.as_mut_ptr().add(at);
        std::ptr::copy_nonoverlapping(b"PUB ".as_ptr(), p, 4);
        let mut o = 4;
        std::ptr::copy_nonoverlapping(subject.as_ptr(), p.add(o), subject.len());
        o += subject.len();
        *p.add(o) = b' ';
        o += 1;
        if let Some(r) = reply {
            std::ptr::copy_nonoverlapping(r.as_ptr(), p.add(o), r.len());
            o += r.len();
            *p.add(o) = b' ';
            o += 1;
        }
        put_decimal(std::slice::from_raw_parts_mut(p.add(o), ndig), payload.len());
        o += ndig;
        *p.add(o) = b'\r';
        *p.add(o + 1) = b'\n';
        o += 2;
        std::ptr::copy_nonoverlapping(payload.as_ptr(), p.add(o), payload.len());
        o += payload.len();
        *p.add(o) = b'\r';
        *p.add(o + 1) = b'\n';
        o += 2;
        debug_assert_eq!(o, total);
        buf.set_len(at + total);
    }
}

/// `SUB subj [queue] sid\r\n` (an empty queue is no queue).
pub fn write_sub(buf: &mut Vec<u8>, subject: &[u8], queue: Option<&[u8]>, sid: u64) {
    buf.extend_from_slice(b"SUB ");
    buf.extend_from_slice(subject);
    buf.push(b' ');
    if let Some(q) = queue.filter(|q| !q.is_empty()) {
        buf.extend_from_slice(q);
        buf.push(b' ');
    }
    push_u64(buf, sid);
    buf.extend_from_slice(b"\r\n");
}

/// `UNSUB sid [max]\r\n`
pub fn write_unsub(buf: &mut Vec<u8>, sid: u64, max: Option<u64>) {
    buf.extend_from_slice(b"UNSUB ");
    push_u64(buf, sid);
    if let Some(m) = max {
        buf.push(b' ');
        push_u64(buf, m);
    }
    buf.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::headers::Headers;

    /// What a server sees: one client op parsed back from the wire.
    #[derive(Debug, PartialEq)]
    enum ClientOp {
        Connect(serde_json::Value),
        Pub {
            subject: Vec<u8>,
            reply: Option<Vec<u8>>,
            headers: Option<Vec<u8>>,
            payload: Vec<u8>,
        },
        Sub {
            subject: Vec<u8>,
            queue: Option<Vec<u8>>,
            sid: u64,
        },
        Unsub {
            sid: u64,
            max: Option<u64>,
        },
        Ping,
        Pong,
    }

    fn num(b: &[u8]) -> usize {
        std::str::from_utf8(b).unwrap().parse().unwrap()
    }

    /// A tiny server-side parser, enough to check the writer's output.
    fn parse_client(mut wire: &[u8]) -> Vec<ClientOp> {
        let mut ops = Vec::new();
        while !wire.is_empty() {
            let eol = wire.windows(2).position(|w| w == b"\r\n").expect("CRLF");
            let line = &wire[..eol];
            wire = &wire[eol + 2..];
            let args: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
            let mut take_body = |n: usize| {
                let body = wire[..n].to_vec();
                assert_eq!(&wire[n..n + 2], b"\r\n");
                wire = &wire[n + 2..];
                body
            };
            match args[0] {
                b"CONNECT" => ops.push(ClientOp::Connect(serde_json::from_slice(&line[8..]).unwrap())),
                b"PING" => ops.push(ClientOp::Ping),
                b"PONG" => ops.push(ClientOp::Pong),
                b"PUB" => {
                    let (reply, n) = match args.len() {
                        3 => (None, num(args[2])),
                        4 => (Some(args[2].to_vec()), num(args[3])),
                        _ => panic!("bad PUB {line:?}"),
                    };
                    ops.push(ClientOp::Pub {
                        subject: args[1].to_vec(),
                        reply,
                        headers: None,
                        payload: take_body(n),
                    })
                }
                b"HPUB" => {
                    let (reply, h, t) = match args.len() {
                        4 => (None, num(args[2]), num(args[3])),
                        5 => (Some(args[2].to_vec()), num(args[3]), num(args[4])),
                        _ => panic!("bad HPUB {line:?}"),
                    };
                    let mut body = take_body(t);
                    let payload = body.split_off(h);
                    ops.push(ClientOp::Pub {
                        subject: args[1].to_vec(),
                        reply,
                        headers: Some(body),
                        payload,
                    })
                }
                b"SUB" => {
                    let (queue, sid) = match args.len() {
                        3 => (None, num(args[2])),
                        4 => (Some(args[2].to_vec()), num(args[3])),
                        _ => panic!("bad SUB"),
                    };
                    ops.push(ClientOp::Sub {
                        subject: args[1].to_vec(),
                        queue,
                        sid: sid as u64,
                    })
                }
                b"UNSUB" => {
                    let max = args.get(2).map(|m| num(m) as u64);
                    ops.push(ClientOp::Unsub {
                        sid: num(args[1]) as u64,
                        max,
                    })
                }
                other => panic!("unknown client op {other:?}"),
            }
        }
        ops
    }

    #[test]
    fn integers() {
        for n in [0u64, 1, 9, 10, 99, 100, 12345, u32::MAX as u64, u64::MAX] {
            let mut b = Vec::new();
            push_u64(&mut b, n);
            assert_eq!(b, n.to_string().as_bytes());
        }
    }

    #[test]
    fn decimals() {
        let mut ns: Vec<usize> = (0..2000).collect();
        ns.extend([
            9_999,
            10_000,
            99_999,
            100_000,
            999_999,
            1_000_000,
            123_456_789,
            usize::MAX,
        ]);
        for n in ns {
            let mut out = vec![0u8; decimal_len(n)];
            put_decimal(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
    }

    #[test]
    fn plain_pub_frames() {
        for len in [0usize, 1, 9, 10, 11, 99, 100, 999, 1000, 12345, 100_000] {
            let payload = vec![b'p'; len];
            for reply in [None, Some(&b"_INBOX.abc"[..])] {
                // Appended after what is already in the buffer.
                let mut b = b"PING\r\n".to_vec();
                write_pub(&mut b, b"a.subject", reply, None, &payload);
                let mut want = b"PING\r\n".to_vec();
                match reply {
                    Some(r) => want.extend_from_slice(
                        format!("PUB a.subject {} {len}\r\n", String::from_utf8_lossy(r)).as_bytes(),
                    ),
                    None => want.extend_from_slice(format!("PUB a.subject {len}\r\n").as_bytes()),
                }
                want.extend_from_slice(&payload);
                want.extend_from_slice(b"\r\n");
                assert_eq!(b, want, "len {len} reply {reply:?}");
            }
        }
    }

    #[test]
    fn exact_bytes() {
        let mut b = Vec::new();
        write_pub(&mut b, b"foo", None, None, b"hello");
        assert_eq!(b, b"PUB foo 5\r\nhello\r\n");
        b.clear();
        write_pub(&mut b, b"foo", Some(b"_INBOX.1"), None, b"");
        assert_eq!(b, b"PUB foo _INBOX.1 0\r\n\r\n");
        b.clear();
        write_pub(&mut b, b"foo", Some(b""), Some(b""), b"x");
        assert_eq!(b, b"PUB foo 1\r\nx\r\n");
        b.clear();
        write_pub(&mut b, b"foo", Some(b"r"), Some(b"NATS/1.0\r\nA: b\r\n\r\n"), b"hi");
        assert_eq!(b, b"HPUB foo r 18 20\r\nNATS/1.0\r\nA: b\r\n\r\nhi\r\n");
        b.clear();
        write_sub(&mut b, b"foo.*", None, 1);
        write_sub(&mut b, b"foo.>", Some(b"q"), 22);
        write_sub(&mut b, b"bar", Some(b""), 3);
        write_unsub(&mut b, 1, None);
        write_unsub(&mut b, 22, Some(10));
        assert_eq!(
            b,
            b"SUB foo.* 1\r\nSUB foo.> q 22\r\nSUB bar 3\r\nUNSUB 1\r\nUNSUB 22 10\r\n".as_slice()
        );
    }

    #[test]
    fn round_trip_through_a_server_side_parse() {
        let mut h = Headers::new();
        h.add(b"Trace-Id", b"42").unwrap();
        h.add(b"Multi", b"a").unwrap();
        h.add(b"Multi", b"b c").unwrap();
        let hb = h.to_bytes();
        let ci = ConnectInfo {
            user: Some("de\"rek".into()),
            pass: Some("s3cr\\et\u{263a}".into()),
            name: "n".into(),
            lang: "C".into(),
            version: "3.14.0".into(),
            protocol: 1,
            echo: true,
            headers: true,
            no_responders: true,
            ..Default::default()
        };
        let big = vec![b'\r'; 70_000];

        let mut b = Vec::new();
        let mut ci2 = ci.clone();
        let frame = ConnectFrame::build(&mut ci2).unwrap();
        assert!(ci2.pass.is_none() && ci2.user.is_none(), "the secrets were wiped");
        b.extend_from_slice(frame.as_bytes());
        write_sub(&mut b, b"foo", Some(b"workers"), 7);
        write_pub(&mut b, b"foo", None, None, b"");
        write_pub(&mut b, b"foo", Some(b"reply.to"), Some(&hb), b"data\r\nwith crlf");
        write_pub(&mut b, b"foo", None, Some(&hb), b"");
        write_pub(&mut b, b"big", None, None, &big);
        write_unsub(&mut b, 7, Some(3));
        b.extend_from_slice(PONG);

        let ops = parse_client(&b);
        assert_eq!(ops.len(), 9);
        match &ops[0] {
            ClientOp::Connect(v) => {
                assert_eq!(v["user"], "de\"rek");
                assert_eq!(v["pass"], "s3cr\\et\u{263a}");
                assert_eq!(v["protocol"], 1);
                assert_eq!(v["headers"], true);
            }
            o => panic!("{o:?}"),
        }
        assert_eq!(ops[1], ClientOp::Ping);
        assert_eq!(
            ops[2],
            ClientOp::Sub {
                subject: b"foo".to_vec(),
                queue: Some(b"workers".to_vec()),
                sid: 7
            }
        );
        assert_eq!(
            ops[3],
            ClientOp::Pub {
                subject: b"foo".to_vec(),
                reply: None,
                headers: None,
                payload: vec![]
            }
        );
        match &ops[4] {
            ClientOp::Pub {
                subject,
                reply,
                headers: Some(hd),
                payload,
            } => {
                assert_eq!(subject, b"foo");
                assert_eq!(reply.as_deref(), Some(&b"reply.to"[..]));
                assert_eq!(payload, b"data\r\nwith crlf");
                let back = Headers::parse(hd).unwrap();
                assert_eq!(back, h);
            }
            o => panic!("{o:?}"),
        }
        assert_eq!(
            ops[5],
            ClientOp::Pub {
                subject: b"foo".to_vec(),
                reply: None,
                headers: Some(hb.clone()),
                payload: vec![]
            }
        );
        assert_eq!(
            ops[6],
            ClientOp::Pub {
                subject: b"big".to_vec(),
                reply: None,
                headers: None,
                payload: big
            }
        );
        assert_eq!(ops[7], ClientOp::Unsub { sid: 7, max: Some(3) });
        assert_eq!(ops[8], ClientOp::Pong);
    }
}

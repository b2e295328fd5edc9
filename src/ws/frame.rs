//! RFC 6455 framing without I/O: the read side's frame state machine
//! ([`FrameReader`], owned by the reader thread) and the write side's
//! encoder ([`encode`], used under the writer's lock). Frame headers are
//! parsed and formatted by `tungstenite::protocol::frame::FrameHeader`;
//! this module adds what a NATS byte stream needs: payloads are streamed
//! (never collected into messages, so memory stays bounded whatever length
//! a header announces) and a server is held to the rules a client must
//! enforce (no masking, no reserved bits, well-formed control frames and
//! fragment sequences).

use std::io::Cursor;
use tungstenite::protocol::frame::coding::{Control, Data, OpCode};
use tungstenite::protocol::frame::FrameHeader;

/// Size of the read side's raw buffer: frame headers and control frames
/// (at most 14 + 125 bytes) always fit; data payloads are streamed through.
pub const READ_BUF: usize = 32 * 1024;

/// Largest payload of one frame we send; a longer write is sent as one
/// fragmented message, so the writer's scratch buffer stays bounded.
pub const MAX_FRAME_PAYLOAD: usize = 64 * 1024;

/// A violation of RFC 6455 by the peer (or a frame we refuse). Carried
/// inside an `io::Error` of kind `InvalidData`; the engine turns it into
/// `NATS_PROTOCOL_ERROR` during the handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsError(pub String);

impl std::fmt::Display for WsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WebSocket protocol error: {}", self.0)
    }
}

impl std::error::Error for WsError {}

impl WsError {
    pub fn into_io(self) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::InvalidData, self)
    }
}

fn err<T>(text: impl Into<String>) -> Result<T, WsError> {
    Err(WsError(text.into()))
}

/// What the reader got from the buffered bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// `n` payload bytes were copied into the caller's buffer.
    Data(usize),
    /// Not enough buffered: read more into [`FrameReader::spare`], or,
    /// when [`FrameReader::direct_len`] says so, straight into the
    /// caller's buffer.
    NeedMore,
    /// A ping: answer with a pong carrying the same payload.
    Ping(Vec<u8>),
    /// A pong (ignored by the stream).
    Pong,
    /// A close frame: its status code (if any) and reason.
    Close(Option<u16>, String),
}

/// The read side: buffered raw bytes, and where we are in the frame
/// sequence.
pub struct FrameReader {
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    /// Payload bytes of the current data frame not yet delivered.
    left: u64,
    /// Inside a fragmented data message (continuation frames expected).
    in_message: bool,
}

impl Default for FrameReader {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameReader {
    pub fn new() -> FrameReader {
        FrameReader {
            buf: vec![0u8; READ_BUF].into_boxed_slice(),
            start: 0,
            end: 0,
            left: 0,
            in_message: false,
        }
    }

    /// A reader that starts with bytes already read (what followed the
    /// HTTP upgrade response). At most [`READ_BUF`] bytes are accepted.
    pub fn with_initial(bytes: &[u8]) -> Result<FrameReader, WsError> {
        let mut r = FrameReader::new();
        if bytes.len() > READ_BUF {
            return err("too much data after the upgrade response");
        }
        r.buf[..bytes.len()].copy_from_slice(bytes);
        r.end = bytes.len();
        Ok(r)
    }

    /// Buffered bytes not consumed yet.
    pub fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// When the current data frame has payload left and nothing is
    /// buffered, the caller may read up to this many bytes from the socket
    /// straight into its own buffer and report them with
    /// [`direct`](Self::direct) (no copy through our buffer).
    pub fn direct_len(&self) -> Option<u64> {
        (self.left > 0 && self.start == self.end).then_some(self.left)
    }

    /// `n` payload bytes were read directly into the caller's buffer.
    pub fn direct(&mut self, n: usize) {
        debug_assert!(n as u64 <= self.left);
        self.left -= n as u64;
    }

    /// Free space at the end of the buffer (moving what is left to the
    /// front first).
    pub fn spare(&mut self) -> &mut [u8] {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.start > 0 && self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        &mut self.buf[self.end..]
    }

    /// `n` bytes were read into [`spare`](Self::spare).
    pub fn filled(&mut self, n: usize) {
        self.end = (self.end + n).min(self.buf.len());
    }

    /// Moves the frame sequence forward as far as the buffered bytes
    /// allow, copying data payload into `out`.
    pub fn step(&mut self, out: &mut [u8]) -> Result<Step, WsError> {
        loop {
            if self.left > 0 {
                let avail = self.end - self.start;
                if avail == 0 {
                    return Ok(Step::NeedMore);
                }
                if out.is_empty() {
                    return Ok(Step::Data(0));
                }
                let n = (avail as u64).min(self.left).min(out.len() as u64) as usize;
                out[..n].copy_from_slice(&self.buf[self.start..self.start + n]);
                self.start += n;
                self.left -= n as u64;
                return Ok(Step::Data(n));
            }
            let mut cur = Cursor::new(&self.buf[self.start..self.end]);
            let (h, len) = match FrameHeader::parse(&mut cur) {
                Ok(Some(x)) => x,
                Ok(None) => return Ok(self.need_more()),
                Err(e) => return err(format!("bad frame header: {e}")),
            };
            let hlen = cur.position() as usize;
            if h.mask.is_some() {
                return err("the server sent a masked frame");
            }
            if h.rsv1 || h.rsv2 || h.rsv3 {
                return err("reserved bits set in a frame (no extension was negotiated)");
            }
            if len > i64::MAX as u64 {
                return err(format!("frame length {len} out of range"));
            }
            match h.opcode {
                OpCode::Control(c) => {
                    if !h.is_final {
                        return err("fragmented control frame");
                    }
                    if len > 125 {
                        return err(format!("control frame of {len} bytes (at most 125)"));
                    }
                    let total = hlen + len as usize;
                    if self.end - self.start < total {
                        return Ok(self.need_more());
                    }
                    let payload = &self.buf[self.start + hlen..self.start + total];
                    let step = match c {
                        Control::Ping => Step::Ping(payload.to_vec()),
                        Control::Pong => Step::Pong,
                        Control::Close => close_step(payload)?,
                        Control::Reserved(op) => return err(format!("reserved opcode {op}")),
                    };
                    self.start += total;
                    if step == Step::Pong {
                        continue;
                    }
                    return Ok(step);
                }
                OpCode::Data(d) => {
                    match d {
                        Data::Continue if !self.in_message => {
                            return err("continuation frame without a message to continue")
                        }
                        Data::Text | Data::Binary if self.in_message => {
                            return err("new data frame inside a fragmented message")
                        }
                        Data::Reserved(op) => return err(format!("reserved opcode {op}")),
                        _ => {}
                    }
                    self.in_message = !h.is_final;
                    self.start += hlen;
                    self.left = len;
                }
            }
        }
    }

    /// Prepares for more input: an incomplete frame head moves to the
    /// front so that it has the whole buffer to grow into.
    fn need_more(&mut self) -> Step {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        Step::NeedMore
    }
}

fn close_step(payload: &[u8]) -> Result<Step, WsError> {
    match payload.len() {
        0 => Ok(Step::Close(None, String::new())),
        1 => err("close frame with a 1-byte payload"),
        _ => {
            let code = u16::from_be_bytes([payload[0], payload[1]]);
            let reason = String::from_utf8_lossy(&payload[2..]).into_owned();
            Ok(Step::Close(Some(code), reason))
        }
    }
}

/// XORs `src` with the masking key into `dst` (appended), 8 bytes at a
/// time.
pub fn push_masked(dst: &mut Vec<u8>, src: &[u8], key: [u8; 4]) {
    let at = dst.len();
    dst.resize(at + src.len(), 0);
    let out = &mut dst[at..];
    let k8 = u64::from_ne_bytes([key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]]);
    let mut o = out.chunks_exact_mut(8);
    let mut s = src.chunks_exact(8);
    for (o, s) in (&mut o).zip(&mut s) {
        let v = u64::from_ne_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]) ^ k8;
        o.copy_from_slice(&v.to_ne_bytes());
    }
    for (i, (o, s)) in o.into_remainder().iter_mut().zip(s.remainder()).enumerate() {
        *o = s ^ key[i & 3];
    }
}

/// Appends one masked client frame to `out`.
pub fn encode(out: &mut Vec<u8>, opcode: OpCode, fin: bool, payload: &[u8], key: [u8; 4]) {
    let h = FrameHeader {
        is_final: fin,
        rsv1: false,
        rsv2: false,
        rsv3: false,
        opcode,
        mask: Some(key),
    };
    // Writing into a Vec cannot fail.
    let _ = h.format(payload.len() as u64, out);
    push_masked(out, payload, key);
}

/// Appends frame `i` of the `n` frames that carry one message: a binary
/// frame first, continuations after it, the last one final.
pub fn data_frame(out: &mut Vec<u8>, i: usize, n: usize, chunk: &[u8], key: [u8; 4]) {
    let op = if i == 0 { Data::Binary } else { Data::Continue };
    encode(out, OpCode::Data(op), i + 1 == n, chunk, key);
}

/// How many frames carry a message of `len` bytes.
pub fn frame_count(len: usize) -> usize {
    len.div_ceil(MAX_FRAME_PAYLOAD)
}

/// The opcodes the stream writes.
pub const PONG: OpCode = OpCode::Control(Control::Pong);
pub const CLOSE: OpCode = OpCode::Control(Control::Close);

#[cfg(test)]
mod tests {
    use super::*;

    /// An unmasked (server) frame.
    fn frame(first: u8, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![first];
        let n = payload.len();
        if n < 126 {
            v.push(n as u8);
        } else if n <= 0xffff {
            v.push(126);
            v.extend_from_slice(&(n as u16).to_be_bytes());
        } else {
            v.push(127);
            v.extend_from_slice(&(n as u64).to_be_bytes());
        }
        v.extend_from_slice(payload);
        v
    }

    /// Feeds `input` in pieces of `chunk` bytes and collects everything.
    fn run(input: &[u8], chunk: usize, out_len: usize) -> (Vec<u8>, Vec<Step>, Option<WsError>) {
        let mut r = FrameReader::new();
        let mut data = Vec::new();
        let mut events = Vec::new();
        let mut pos = 0;
        let mut out = vec![0u8; out_len];
        loop {
            match r.step(&mut out) {
                Ok(Step::Data(n)) => data.extend_from_slice(&out[..n]),
                Ok(Step::NeedMore) => {
                    if pos == input.len() {
                        return (data, events, None);
                    }
                    if let Some(left) = r.direct_len() {
                        let n = chunk.min(input.len() - pos).min(left as usize).min(out.len());
                        data.extend_from_slice(&input[pos..pos + n]);
                        r.direct(n);
                        pos += n;
                        continue;
                    }
                    let sp = r.spare();
                    let n = chunk.min(input.len() - pos).min(sp.len());
                    sp[..n].copy_from_slice(&input[pos..pos + n]);
                    r.filled(n);
                    pos += n;
                }
                Ok(s) => events.push(s),
                Err(e) => return (data, events, Some(e)),
            }
        }
    }

    #[test]
    fn data_frames_split_anywhere() {
        let mut input = frame(0x82, b"INFO {}\r\n");
        input.extend(frame(0x02, b"PI")); // binary, not final
        input.extend(frame(0x89, b"hi")); // a ping between fragments
        input.extend(frame(0x00, b"NG")); // continuation, not final
        input.extend(frame(0x8a, b"")); // pong: skipped
        input.extend(frame(0x80, b"\r\n")); // final continuation
        input.extend(frame(0x81, b"+OK\r\n")); // text frames are data too
        let big: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        input.extend(frame(0x82, &big));
        let mut want = b"INFO {}\r\nPING\r\n+OK\r\n".to_vec();
        want.extend_from_slice(&big);
        for chunk in [1, 2, 3, 7, 100, 4096, 1 << 20] {
            for out_len in [1, 5, 64 * 1024] {
                let (data, events, e) = run(&input, chunk, out_len);
                assert!(e.is_none(), "{e:?}");
                assert_eq!(data, want, "chunk {chunk} out {out_len}");
                assert_eq!(events, vec![Step::Ping(b"hi".to_vec())]);
            }
        }
    }

    #[test]
    fn close_frames() {
        let mut payload = 1001u16.to_be_bytes().to_vec();
        payload.extend_from_slice(b"going away");
        let (_, events, e) = run(&frame(0x88, &payload), 3, 16);
        assert!(e.is_none());
        assert_eq!(events, vec![Step::Close(Some(1001), "going away".into())]);
        let (_, events, _) = run(&frame(0x88, b""), 3, 16);
        assert_eq!(events, vec![Step::Close(None, String::new())]);
    }

    #[test]
    fn hostile_frames_are_refused() {
        let masked = [0x82u8, 0x81, 1, 2, 3, 4, b'x'];
        let mut huge = vec![0x82u8, 127];
        huge.extend_from_slice(&u64::MAX.to_be_bytes());
        let mut long_ping = vec![0x89u8, 126];
        long_ping.extend_from_slice(&200u16.to_be_bytes());
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (masked.to_vec(), "masked"),
            (frame(0xc2, b"x"), "reserved bits"), // RSV1: compressed
            (frame(0x83, b"x"), "opcode"),        // reserved data opcode
            (frame(0x8b, b"x"), "opcode"),        // reserved control opcode
            (frame(0x09, b"x"), "fragmented control"),
            (long_ping, "control frame of 200"),
            (frame(0x80, b"x"), "continuation frame without"),
            ([frame(0x02, b"x"), frame(0x82, b"y")].concat(), "inside a fragmented"),
            (frame(0x88, b"x"), "1-byte"),
            (huge, "out of range"),
        ];
        for (input, text) in cases {
            let (_, _, e) = run(&input, 2, 16);
            let e = e.unwrap_or_else(|| panic!("accepted {input:?}"));
            assert!(e.to_string().contains(text), "{text}: {e}");
        }
    }

    #[test]
    fn announced_length_does_not_allocate() {
        // A frame announcing 2^62 bytes: the reader streams what arrives
        // and keeps only its fixed buffer.
        let mut input = vec![0x82u8, 127];
        input.extend_from_slice(&(1u64 << 62).to_be_bytes());
        input.extend_from_slice(&[7u8; 100_000]);
        let (data, _, e) = run(&input, 4096, 1000);
        assert!(e.is_none());
        assert_eq!(data.len(), 100_000);
    }

    #[test]
    fn initial_bytes_are_read_first() {
        let f = frame(0x82, b"INFO {}\r\n");
        let mut r = FrameReader::with_initial(&f).unwrap();
        let mut out = [0u8; 64];
        assert_eq!(r.step(&mut out).unwrap(), Step::Data(9));
        assert_eq!(&out[..9], b"INFO {}\r\n");
        assert_eq!(r.step(&mut out).unwrap(), Step::NeedMore);
        assert!(FrameReader::with_initial(&vec![0; READ_BUF + 1]).is_err());
    }

    /// Decodes client frames (as a server would) to check the encoder.
    fn decode_client(mut input: &[u8]) -> Vec<(u8, bool, Vec<u8>)> {
        let mut v = Vec::new();
        while !input.is_empty() {
            let mut cur = Cursor::new(input);
            let (h, len) = FrameHeader::parse(&mut cur).unwrap().unwrap();
            let at = cur.position() as usize;
            let key = h.mask.expect("client frames are masked");
            let mut p: Vec<u8> = input[at..at + len as usize].to_vec();
            for (i, b) in p.iter_mut().enumerate() {
                *b ^= key[i & 3];
            }
            v.push((u8::from(h.opcode), h.is_final, p));
            input = &input[at + len as usize..];
        }
        v
    }

    /// All the frames of one message, as the stream writes them.
    fn encode_data(out: &mut Vec<u8>, data: &[u8], mut key: impl FnMut() -> [u8; 4]) {
        let n = frame_count(data.len());
        for (i, chunk) in data.chunks(MAX_FRAME_PAYLOAD).enumerate() {
            data_frame(out, i, n, chunk, key());
        }
    }

    #[test]
    fn encoder_masks_and_fragments() {
        let mut n = 0u8;
        let mut key = || {
            n = n.wrapping_add(37);
            [n, n ^ 0x5a, n.wrapping_mul(3), 0xff]
        };
        for len in [0usize, 1, 7, 8, 9, 125, 126, 65535, 65536, 65537, 300_000] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let mut out = Vec::new();
            encode_data(&mut out, &data, &mut key);
            let frames = decode_client(&out);
            let joined: Vec<u8> = frames.iter().flat_map(|f| f.2.clone()).collect();
            assert_eq!(joined, data, "len {len}");
            assert_eq!(frames.len(), frame_count(len));
            if len == 0 {
                continue;
            }
            assert_eq!(frames[0].0, 2, "first frame is binary");
            for (i, f) in frames.iter().enumerate() {
                assert_eq!(f.1, i + 1 == frames.len(), "only the last is final");
                if i > 0 {
                    assert_eq!(f.0, 0, "continuation");
                }
            }
            if len > 16 {
                assert_ne!(&out[out.len() - 8..], &data[len - 8..], "payload is masked");
            }
        }
        let mut out = Vec::new();
        encode(&mut out, PONG, true, b"hi", [1, 2, 3, 4]);
        assert_eq!(decode_client(&out), vec![(10, true, b"hi".to_vec())]);
    }
}

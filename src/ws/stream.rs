//! A WebSocket client stream over plain TCP or TLS, shared (like
//! [`TlsStream`](crate::tls::TlsStream)) by a reader and a writer thread.
//!
//! The read side (frame state, partial frames, control frames) is owned by
//! the reader: its mutex is only ever taken by the thread that reads. The
//! write side (masking keys, framing scratch buffer) sits behind a second
//! mutex; the reader takes it only to answer a ping or a close, so control
//! replies and data never interleave inside a frame.

use super::frame::{self, FrameReader, Step, WsError};
use crate::conn::transport::Transport;
use parking_lot::Mutex;
use rand::{rngs::StdRng, RngCore, SeedableRng};
use std::io;
use std::time::{Duration, Instant};
use tungstenite::protocol::frame::coding::OpCode;

/// Above this, the writer's scratch buffer is shrunk after a write.
const SCRATCH_KEEP: usize = 256 * 1024;

struct WriteSide {
    scratch: Vec<u8>,
    rng: StdRng,
}

impl WriteSide {
    fn key(&mut self) -> [u8; 4] {
        let mut k = [0u8; 4];
        self.rng.fill_bytes(&mut k);
        k
    }
}

/// The WebSocket stream: `inner` is a plain or TLS transport (never
/// another WebSocket).
pub struct WsStream {
    inner: Transport,
    rd: Mutex<FrameReader>,
    wr: Mutex<WriteSide>,
    tls: bool,
}

impl WsStream {
    /// Wraps a transport on which the HTTP upgrade succeeded; `reader`
    /// holds the bytes that followed the upgrade response.
    pub(super) fn new(inner: Transport, reader: FrameReader) -> WsStream {
        let tls = matches!(inner, Transport::Tls(_));
        WsStream {
            inner,
            rd: Mutex::new(reader),
            wr: Mutex::new(WriteSide {
                scratch: Vec::new(),
                rng: StdRng::from_entropy(),
            }),
            tls,
        }
    }

    /// True over TLS (`wss://`).
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The transport under the WebSocket.
    pub fn inner(&self) -> &Transport {
        &self.inner
    }

    /// Blocking read of payload bytes; `Ok(0)` at the end of the stream.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.read_deadline(buf, None)
    }

    /// Reads payload bytes, answering pings on the way. A close frame from
    /// the server is answered and reported as an error of kind
    /// `ConnectionAborted` carrying its code and reason; a protocol
    /// violation as `InvalidData` carrying a [`WsError`].
    pub fn read_deadline(&self, buf: &mut [u8], deadline: Option<Instant>) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut rd = self.rd.lock();
        loop {
            match rd.step(buf).map_err(WsError::into_io)? {
                Step::Data(n) => return Ok(n),
                Step::NeedMore => {
                    if let Some(left) = rd.direct_len() {
                        let m = (buf.len() as u64).min(left) as usize;
                        let n = self.inner_read(&mut buf[..m], deadline)?;
                        rd.direct(n);
                        return Ok(n);
                    }
                    let n = self.inner_read(rd.spare(), deadline)?;
                    if n == 0 {
                        return Ok(0);
                    }
                    rd.filled(n);
                }
                Step::Ping(p) => self.send_control(frame::PONG, &p)?,
                Step::Pong => {}
                Step::Close(code, reason) => {
                    // Echo the status code, as RFC 6455 asks (best effort).
                    let echo = code.map(|c| c.to_be_bytes().to_vec()).unwrap_or_default();
                    let _ = self.send_control(frame::CLOSE, &echo);
                    let text = match code {
                        Some(c) if reason.is_empty() => format!("the server closed the WebSocket (code {c})"),
                        Some(c) => format!("the server closed the WebSocket (code {c}: {reason})"),
                        None => "the server closed the WebSocket".to_string(),
                    };
                    return Err(io::Error::new(io::ErrorKind::ConnectionAborted, text));
                }
            }
        }
    }

    fn inner_read(&self, buf: &mut [u8], deadline: Option<Instant>) -> io::Result<usize> {
        match deadline {
            Some(d) => self.inner.read_deadline(buf, d),
            None => self.inner.read(buf),
        }
    }

    /// Writes `data` as one binary message (fragmented above 64 KiB),
    /// masked with fresh keys.
    pub fn write_all(&self, data: &[u8]) -> io::Result<()> {
        let mut w = self.wr.lock();
        let w = &mut *w;
        let mut scratch = std::mem::take(&mut w.scratch);
        let mut r = Ok(());
        // Frames are built and written a few at a time, so the scratch
        // buffer stays bounded whatever the size of `data`; a small write
        // is one frame and one write call.
        let n = frame::frame_count(data.len());
        scratch.clear();
        for (i, chunk) in data.chunks(frame::MAX_FRAME_PAYLOAD).enumerate() {
            let key = w.key();
            frame::data_frame(&mut scratch, i, n, chunk, key);
            if scratch.len() >= 4 * frame::MAX_FRAME_PAYLOAD || i + 1 == n {
                r = self.inner.write_all(&scratch);
                scratch.clear();
                if r.is_err() {
                    break;
                }
            }
        }
        if scratch.capacity() > SCRATCH_KEEP {
            scratch = Vec::new();
        }
        scratch.clear();
        w.scratch = scratch;
        r
    }

    /// Sends a control frame under the write lock.
    fn send_control(&self, op: OpCode, payload: &[u8]) -> io::Result<()> {
        let mut w = self.wr.lock();
        let key = w.key();
        let mut f = Vec::with_capacity(8 + payload.len());
        frame::encode(&mut f, op, true, payload, key);
        self.inner.write_all(&f)
    }

    /// Sends a close frame (1000, best effort: skipped if a write is in
    /// progress for long) and shuts the transport down.
    pub fn shutdown(&self) {
        if let Some(mut w) = self.wr.try_lock_for(Duration::from_millis(100)) {
            let key = w.key();
            let mut f = Vec::with_capacity(8);
            frame::encode(&mut f, frame::CLOSE, true, &1000u16.to_be_bytes(), key);
            drop(w);
            self.inner.set_write_timeout(Some(Duration::from_millis(100)));
            let _ = self.inner.write_all(&f);
        }
        self.inner.shutdown();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conn::transport::connect_tcp;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};

    fn pair() -> (WsStream, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let t = connect_tcp("127.0.0.1", port, Instant::now() + Duration::from_secs(5), 0).unwrap();
        let (peer, _) = l.accept().unwrap();
        (WsStream::new(Transport::Plain(t), FrameReader::new()), peer)
    }

    /// Reads and unmasks whole client frames from the peer socket.
    fn read_frames(peer: &mut TcpStream, want_bytes: usize) -> Vec<(u8, Vec<u8>)> {
        let mut raw = Vec::new();
        let mut frames = Vec::new();
        let mut got = 0;
        while got < want_bytes {
            let mut b = [0u8; 65536];
            let n = peer.read(&mut b).unwrap();
            assert!(n > 0, "eof");
            raw.extend_from_slice(&b[..n]);
            loop {
                let mut cur = std::io::Cursor::new(&raw[..]);
                let Some((h, len)) = tungstenite::protocol::frame::FrameHeader::parse(&mut cur).unwrap() else {
                    break;
                };
                let at = cur.position() as usize;
                if raw.len() < at + len as usize {
                    break;
                }
                let key = h.mask.unwrap();
                let p: Vec<u8> = raw[at..at + len as usize]
                    .iter()
                    .enumerate()
                    .map(|(i, b)| b ^ key[i & 3])
                    .collect();
                got += p.len();
                frames.push((u8::from(h.opcode), p));
                raw.drain(..at + len as usize);
            }
        }
        frames
    }

    #[test]
    fn ping_is_answered_while_reading_and_data_flows() {
        let (ws, mut peer) = pair();
        // ping "p1", then a binary frame.
        peer.write_all(&[0x89, 2, b'p', b'1', 0x82, 3, b'a', b'b', b'c'])
            .unwrap();
        let mut buf = [0u8; 16];
        let n = ws.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"abc");
        let frames = read_frames(&mut peer, 2);
        assert_eq!(frames, vec![(10, b"p1".to_vec())]);
        // A write bigger than one frame arrives whole, fragmented.
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let ws = std::sync::Arc::new(ws);
        let ws2 = ws.clone();
        let d2 = data.clone();
        let w = std::thread::spawn(move || ws2.write_all(&d2).unwrap());
        let frames = read_frames(&mut peer, data.len());
        w.join().unwrap();
        assert_eq!(frames.len(), 5);
        assert_eq!(frames.iter().flat_map(|f| f.1.clone()).collect::<Vec<u8>>(), data);
    }

    #[test]
    fn close_frame_is_echoed_and_reported() {
        let (ws, mut peer) = pair();
        let mut f = vec![0x88, 6];
        f.extend_from_slice(&1001u16.to_be_bytes());
        f.extend_from_slice(b"bye!");
        peer.write_all(&f).unwrap();
        let e = ws.read(&mut [0u8; 16]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::ConnectionAborted);
        assert!(e.to_string().contains("code 1001: bye!"), "{e}");
        assert_eq!(read_frames(&mut peer, 2), vec![(8, 1001u16.to_be_bytes().to_vec())]);
    }

    #[test]
    fn protocol_violation_is_invalid_data_and_shutdown_sends_close() {
        let (ws, mut peer) = pair();
        peer.write_all(&[0x82, 0x81, 1, 2, 3, 4, 5]).unwrap();
        let e = ws.read(&mut [0u8; 16]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        let inner = e.get_ref().and_then(|r| r.downcast_ref::<WsError>());
        assert!(inner.is_some_and(|w| w.0.contains("masked")), "{e}");
        ws.shutdown();
        assert_eq!(read_frames(&mut peer, 2), vec![(8, 1000u16.to_be_bytes().to_vec())]);
        assert!(ws.read(&mut [0u8; 16]).is_err(), "the bad frame is still refused");
    }
}

//! Test support for the engine's unit tests (cfg(test) only): a
//! connection object that is not connected, a small in-process server
//! speaking just enough of the protocol, and parsed server operations.
#![cfg(test)]

use super::*;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;

/// The INFO line the fake server sends unless told otherwise.
pub(super) const INFO: &str = "INFO {\"server_id\":\"S1\",\"version\":\"2.10.0\",\"proto\":1,\"max_payload\":1048576,\"headers\":true,\"client_id\":7,\"client_ip\":\"127.0.0.1\"}\r\n";

/// Options for `url`: no randomizing, short timeouts, fast reconnect.
pub(super) fn opts(url: &str) -> Options {
    Options {
        url: Some(url.into()),
        no_randomize: true,
        timeout_ms: 2_000,
        reconnect_wait_ms: 10,
        reconnect_jitter_ms: 0,
        ..Options::default()
    }
}

/// A connection object for `opts`, never connected.
pub(super) fn detached(opts: Options) -> Arc<Connection> {
    crate::runtime::open();
    Connection::new(opts).unwrap()
}

/// Marks a detached connection as if a socket were there (nothing is
/// written anywhere: no flusher runs), so that protocol lines land in the
/// out buffer.
pub(super) fn pretend_connected(c: &Connection) {
    c.state.lock().initial_connected = true;
    let mut out = c.out.lock();
    out.connected = true;
}

/// What is in the out buffer, as text.
pub(super) fn out_text(c: &Connection) -> String {
    String::from_utf8_lossy(&c.out.lock().buf).into_owned()
}

/// Parses server protocol bytes into operations.
pub(super) fn ops(bytes: &[u8]) -> Vec<ServerOp> {
    let mut p = Parser::with_alloc(crate::msg::Recycler::new());
    p.feed(bytes);
    let mut v = Vec::new();
    while let Some(op) = p.next_op().unwrap() {
        v.push(op);
    }
    v
}

/// One client connection accepted by the fake server, after the
/// handshake part the server was told to play.
pub(super) struct Peer {
    pub stream: TcpStream,
    /// The client's CONNECT line (without CRLF).
    pub connect: String,
    pending: Vec<u8>,
}

impl Peer {
    /// Reads until `pat` has been received; returns everything read up
    /// to and including it.
    pub fn read_until(&mut self, pat: &str) -> String {
        let pat = pat.as_bytes();
        let mut buf = [0u8; 4096];
        loop {
            if let Some(i) = self.pending.windows(pat.len()).position(|w| w == pat) {
                let rest = self.pending.split_off(i + pat.len());
                let got = std::mem::replace(&mut self.pending, rest);
                return String::from_utf8_lossy(&got).into_owned();
            }
            match self.stream.read(&mut buf) {
                Ok(0) | Err(_) => panic!(
                    "peer closed before {:?}; got {:?}",
                    String::from_utf8_lossy(pat),
                    String::from_utf8_lossy(&self.pending)
                ),
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
            }
        }
    }

    pub fn send(&mut self, s: &str) {
        self.stream.write_all(s.as_bytes()).unwrap();
    }

    /// Answers every PING (including any already read) with a PONG until
    /// `done()` or the client closes the socket.
    pub fn answer_pings(&mut self, done: impl Fn() -> bool) {
        let _ = self.stream.set_read_timeout(Some(Duration::from_millis(20)));
        let mut buf = [0u8; 4096];
        while !done() {
            while let Some(i) = self.pending.windows(6).position(|w| w == b"PING\r\n") {
                self.pending.drain(..i + 6);
                let _ = self.stream.write_all(b"PONG\r\n");
            }
            match self.stream.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
                Err(_) => {}
            }
        }
    }
}

/// An in-process server: for every connection it sends `info`, reads the
/// CONNECT and the PING, then writes `reply` (e.g. `"PONG\r\n"`; empty:
/// nothing) and hands the connection to the test.
pub(super) struct Fake {
    pub port: u16,
    rx: mpsc::Receiver<Peer>,
}

impl Fake {
    pub fn start(info: &str, reply: &str) -> Fake {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let (tx, rx) = mpsc::channel();
        let (info, reply) = (info.to_string(), reply.to_string());
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(mut stream) = s else { return };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                if stream.write_all(info.as_bytes()).is_err() {
                    continue;
                }
                let mut peer = Peer {
                    stream,
                    connect: String::new(),
                    pending: Vec::new(),
                };
                // The client may give up before sending anything.
                let mut buf = [0u8; 4096];
                let mut got = Vec::new();
                while !got.windows(6).any(|w| w == b"PING\r\n") {
                    match peer.stream.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&got).into_owned();
                peer.connect = text
                    .lines()
                    .find(|l| l.starts_with("CONNECT "))
                    .unwrap_or("")
                    .to_string();
                if !reply.is_empty() {
                    let _ = peer.stream.write_all(reply.as_bytes());
                }
                if tx.send(peer).is_err() {
                    return;
                }
            }
        });
        Fake { port, rx }
    }

    /// A server that completes the handshake.
    pub fn ok() -> Fake {
        Fake::start(INFO, "PONG\r\n")
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// The next accepted connection.
    pub fn peer(&self) -> Peer {
        self.rx
            .recv_timeout(Duration::from_secs(10))
            .expect("no connection to the fake server")
    }
}

/// Waits up to 10 s for `cond`.
pub(super) fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    cond()
}

//! The byte stream under a connection: plain TCP or TLS. Shared by the
//! reader thread (reads) and the flusher (writes) at the same time.

use crate::error::{Error, Result};
use crate::status::natsStatus::*;
use crate::tls::TlsStream;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

// Always held in an `Arc`, so the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Transport {
    Plain(TcpStream),
    Tls(TlsStream),
}

impl Transport {
    pub fn read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Transport::Plain(s) => (&*s).read(buf),
            Transport::Tls(t) => t.read(buf),
        }
    }

    /// Reads with a deadline (handshake phase): an error of kind
    /// `WouldBlock` or `TimedOut` once it has passed. A plain socket keeps
    /// a read timeout until [`Transport::end_read_deadline`].
    pub fn read_deadline(&self, buf: &mut [u8], deadline: Instant) -> std::io::Result<usize> {
        match self {
            Transport::Plain(s) => {
                let left = deadline
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(1));
                s.set_read_timeout(Some(left))?;
                (&*s).read(buf)
            }
            Transport::Tls(t) => t.read_deadline(buf, Some(deadline)),
        }
    }

    pub fn write_all(&self, data: &[u8]) -> std::io::Result<()> {
        match self {
            Transport::Plain(s) => (&*s).write_all(data),
            Transport::Tls(t) => t.write_all(data),
        }
    }

    /// Writes the handshake's CONNECT frame, then drops it (its buffer is
    /// wiped). Plain TCP hands the bytes to the kernel directly; rustls
    /// copies them into a record buffer that it encrypts in place, so no
    /// plaintext copy stays in its buffers once the handshake is done
    /// (CONNECT is only written after it).
    pub fn send_connect(&self, frame: crate::proto::writer::ConnectFrame) -> std::io::Result<()> {
        let r = self.write_all(frame.as_bytes());
        drop(frame);
        r
    }

    /// Whether the kernel holds none of our bytes unsent or unacknowledged
    /// (`SIOCOUTQ`): the send buffer is then empty, so a small write fits
    /// and cannot block, whatever the peer does.
    pub fn send_queue_empty(&self) -> bool {
        use std::os::fd::AsRawFd;
        let fd = match self {
            Transport::Plain(s) => s.as_raw_fd(),
            Transport::Tls(t) => t.tcp().as_raw_fd(),
        };
        let mut n: libc::c_int = 0;
        // SAFETY: `fd` is this transport's open socket (borrowed for the
        // call); TIOCOUTQ (SIOCOUTQ on a TCP socket) writes one int to `n`.
        let rc = unsafe { libc::ioctl(fd, libc::TIOCOUTQ, &mut n as *mut libc::c_int) };
        rc == 0 && n == 0
    }

    /// Makes a blocked `read` return; later writes fail.
    pub fn shutdown(&self) {
        match self {
            Transport::Plain(s) => {
                let _ = s.shutdown(Shutdown::Both);
            }
            Transport::Tls(t) => t.shutdown(),
        }
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        match self {
            Transport::Plain(s) => s.local_addr().ok(),
            Transport::Tls(t) => t.tcp().local_addr().ok(),
        }
    }

    /// Ends the handshake phase: reads block again. (A TLS stream takes
    /// its deadline per call and leaves no timeout behind.)
    pub fn end_read_deadline(&self) -> Result<()> {
        if let Transport::Plain(s) = self {
            s.set_read_timeout(None).map_err(|e| Error::io(&e))?;
        }
        Ok(())
    }

    /// Sets the write deadline option (0 = none).
    pub fn set_write_timeout(&self, d: Option<Duration>) {
        match self {
            Transport::Plain(s) => {
                let _ = s.set_write_timeout(d);
            }
            Transport::Tls(t) => t.set_write_deadline(d),
        }
    }
}

/// Orders resolved addresses as `natsOptions_IPResolutionOrder` asks.
fn order_addrs(mut addrs: Vec<SocketAddr>, order: i32) -> Vec<SocketAddr> {
    match order {
        4 => addrs.retain(|a| a.is_ipv4()),
        6 => addrs.retain(|a| a.is_ipv6()),
        46 => addrs.sort_by_key(|a| a.is_ipv6()),
        64 => addrs.sort_by_key(|a| a.is_ipv4()),
        _ => {}
    }
    addrs
}

/// Opens a TCP connection to `host:port` before `deadline`.
pub fn connect_tcp(host: &str, port: u16, deadline: Instant, ip_order: i32) -> Result<TcpStream> {
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| Error::new(NATS_NO_SERVER, format!("cannot resolve '{host}': {e}")))?
        .collect();
    let addrs = order_addrs(addrs, ip_order);
    let mut last = Error::new(NATS_NO_SERVER, format!("no address for '{host}'"));
    for a in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::new(NATS_TIMEOUT, format!("timeout connecting to {host}:{port}")));
        }
        match TcpStream::connect_timeout(&a, left) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) => {
                last = Error::new(NATS_NO_SERVER, format!("error connecting to {a}: {e}"));
            }
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A connected pair: our plain transport and the peer's socket.
    fn pair() -> (Transport, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let t = connect_tcp("127.0.0.1", port, Instant::now() + Duration::from_secs(5), 0).unwrap();
        let (peer, _) = l.accept().unwrap();
        (Transport::Plain(t), peer)
    }

    #[test]
    fn plain_read_deadline_times_out_then_end_clears_it() {
        let (t, mut peer) = pair();
        let mut buf = [0u8; 16];
        let start = Instant::now();
        let e = t
            .read_deadline(&mut buf, start + Duration::from_millis(100))
            .unwrap_err();
        assert!(
            matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut),
            "{e:?}"
        );
        assert!(start.elapsed() >= Duration::from_millis(90));
        // A deadline already passed still gives the read a chance.
        peer.write_all(b"INFO").unwrap();
        let n = t.read_deadline(&mut buf, Instant::now()).unwrap();
        assert_eq!(&buf[..n], b"INFO");
        t.end_read_deadline().unwrap();
        let Transport::Plain(s) = &t else { unreachable!() };
        assert_eq!(s.read_timeout().unwrap(), None, "the reader must block again");
    }

    #[test]
    fn shutdown_wakes_a_blocked_reader_and_fails_writes() {
        let (t, _peer) = pair();
        let t = std::sync::Arc::new(t);
        let t2 = t.clone();
        let reader = std::thread::spawn(move || t2.read(&mut [0u8; 16]));
        std::thread::sleep(Duration::from_millis(50));
        t.shutdown();
        assert_eq!(reader.join().unwrap().unwrap(), 0);
        assert!(t.write_all(b"PING\r\n").is_err());
        assert!(t.local_addr().is_some());
    }

    #[test]
    fn send_queue_empty_until_the_peer_stops_reading() {
        let (t, peer) = pair();
        assert!(t.send_queue_empty());
        t.write_all(b"PING\r\n").unwrap();
        // Acknowledged by the peer's kernel (the peer reads nothing).
        let deadline = Instant::now() + Duration::from_secs(5);
        while !t.send_queue_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(t.send_queue_empty());
        // Fill the peer's receive window and our send buffer.
        let Transport::Plain(s) = &t else { unreachable!() };
        s.set_nonblocking(true).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while (&*s).write(&chunk).is_ok() {}
        assert!(!t.send_queue_empty());
        drop(peer);
    }

    #[test]
    fn ip_resolution_order() {
        let v4: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let v6: SocketAddr = "[::1]:1".parse().unwrap();
        let cases = [
            (0, vec![v6, v4]),
            (4, vec![v4]),
            (6, vec![v6]),
            (46, vec![v4, v6]),
            (64, vec![v6, v4]),
        ];
        for (order, want) in cases {
            assert_eq!(order_addrs(vec![v6, v4], order), want, "order {order}");
        }
        assert_eq!(order_addrs(vec![v4, v6], 64), vec![v6, v4]);
    }

    #[test]
    fn connect_errors() {
        // Nothing listens there (a port just freed).
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let e = connect_tcp("127.0.0.1", port, Instant::now() + Duration::from_secs(5), 0).unwrap_err();
        assert_eq!(e.status, NATS_NO_SERVER);
        let e = connect_tcp("127.0.0.1", port, Instant::now(), 0).unwrap_err();
        assert_eq!(e.status, NATS_TIMEOUT);
        let e = connect_tcp("127.0.0.1", port, Instant::now() + Duration::from_secs(5), 6).unwrap_err();
        assert_eq!(e.status, NATS_NO_SERVER, "no IPv6 address for 127.0.0.1");
    }
}

//! The byte stream under a connection: plain TCP, TLS, or a WebSocket
//! over either. Shared by the reader thread (reads) and the flusher
//! (writes) at the same time.

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
    /// `ws://` / `wss://`: NATS over WebSocket binary messages.
    Ws(Box<crate::ws::WsStream>),
    /// Event-loop mode (`natsOptions_SetEventLoop`): a plain or TLS
    /// stream driven by the host's loop (`conn/evloop.rs`).
    Loop(super::evloop::LoopStream),
}

impl Transport {
    pub fn read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Transport::Plain(s) => (&*s).read(buf),
            Transport::Tls(t) => t.read(buf),
            Transport::Ws(w) => w.read(buf),
            Transport::Loop(l) => l.inner().read(buf),
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
            Transport::Loop(l) => l.inner().read_deadline(buf, deadline),
            Transport::Ws(w) => w.read_deadline(buf, Some(deadline)),
        }
    }

    /// True when TLS is under the stream (`tls://`, `wss://`, ...).
    pub fn is_tls(&self) -> bool {
        match self {
            Transport::Plain(_) => false,
            Transport::Tls(_) => true,
            Transport::Ws(w) => w.is_tls(),
            Transport::Loop(l) => l.inner().is_tls(),
        }
    }

    pub fn write_all(&self, data: &[u8]) -> std::io::Result<()> {
        match self {
            Transport::Plain(s) => (&*s).write_all(data),
            Transport::Tls(t) => t.write_all(data),
            Transport::Ws(w) => w.write_all(data),
            Transport::Loop(l) => l.write_all(data),
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
            // The frames go through the same socket.
            Transport::Ws(w) => return w.inner().send_queue_empty(),
            // Event-loop mode: writes wait for the host loop's write
            // events when the socket is full; they stay with the flusher.
            Transport::Loop(_) => return false,
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
            Transport::Ws(w) => w.shutdown(),
            Transport::Loop(l) => l.shutdown(),
        }
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        match self {
            Transport::Plain(s) => s.local_addr().ok(),
            Transport::Tls(t) => t.tcp().local_addr().ok(),
            Transport::Ws(w) => w.inner().local_addr(),
            Transport::Loop(l) => l.inner().local_addr(),
        }
    }

    /// Ends the handshake phase: reads block again. (A TLS stream takes
    /// its deadline per call and leaves no timeout behind.)
    pub fn end_read_deadline(&self) -> Result<()> {
        match self {
            Transport::Plain(s) => s.set_read_timeout(None).map_err(|e| Error::io(&e))?,
            Transport::Ws(w) => w.inner().end_read_deadline()?,
            Transport::Loop(l) => l.inner().end_read_deadline()?,
            Transport::Tls(_) => {}
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
            Transport::Ws(w) => w.inner().set_write_timeout(d),
            Transport::Loop(l) => l.inner().set_write_timeout(d),
        }
    }

    // ---- event-loop mode: non-blocking IO (see `conn/evloop.rs`) ----

    /// Makes the socket non-blocking (TLS already is) and returns a
    /// duplicate of its descriptor for the host's event loop.
    pub(super) fn set_nonblocking_and_dup(&self) -> std::io::Result<std::os::fd::OwnedFd> {
        let s = match self {
            Transport::Plain(s) => s,
            Transport::Tls(t) => t.tcp(),
            Transport::Loop(l) => return l.inner().set_nonblocking_and_dup(),
            Transport::Ws(_) => return Err(ws_not_on_loop()),
        };
        s.set_nonblocking(true)?;
        Ok(s.try_clone()?.into())
    }

    /// Reads what is there now (`WouldBlock` when nothing is).
    pub(super) fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Transport::Plain(s) => (&*s).read(buf),
            Transport::Tls(t) => t.try_read(buf),
            Transport::Loop(l) => l.inner().try_read(buf),
            Transport::Ws(_) => Err(ws_not_on_loop()),
        }
    }

    /// Writes what the socket takes now; 0 when it takes nothing.
    pub(super) fn try_write(&self, data: &[u8]) -> std::io::Result<usize> {
        let r = match self {
            Transport::Plain(s) => (&*s).write(data),
            Transport::Tls(t) => t.try_write(data),
            Transport::Loop(l) => l.inner().try_write(data),
            Transport::Ws(_) => Err(ws_not_on_loop()),
        };
        match r {
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
                ) =>
            {
                Ok(0)
            }
            r => r,
        }
    }

    /// Sends TLS records queued in rustls; true when none is left.
    pub(super) fn flush_backlog(&self) -> std::io::Result<bool> {
        match self {
            Transport::Tls(t) => t.flush_backlog(),
            Transport::Loop(l) => l.inner().flush_backlog(),
            Transport::Plain(_) | Transport::Ws(_) => Ok(true),
        }
    }

    pub(super) fn has_backlog(&self) -> bool {
        match self {
            Transport::Tls(t) => t.has_backlog(),
            Transport::Loop(l) => l.inner().has_backlog(),
            Transport::Plain(_) | Transport::Ws(_) => false,
        }
    }
}

/// The event-loop mode drives a plain or TLS socket only: WebSocket
/// framing (beyond cnats) keeps its reader thread model.
fn ws_not_on_loop() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "a WebSocket (ws://, wss://) connection cannot be driven by an external event loop",
    )
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

/// Opens the stream with the program's proxy connection handler
/// (`natsOptions_SetProxyConnHandler`) instead of a TCP connect, then
/// readies the socket it returned as [`connect_tcp`] leaves its own:
/// blocking, no timeouts left by the handler, `TCP_NODELAY`. A socket that
/// is not a connected TCP socket is refused (and closed) with
/// `NATS_NO_SERVER`, the status of a failed TCP connect.
pub fn connect_via_proxy(handler: &crate::options::ProxyConnHandler, host: &str, port: u16) -> Result<TcpStream> {
    let s = handler(host, port)?;
    let unusable = |what: &str, e: std::io::Error| {
        Error::new(
            NATS_NO_SERVER,
            format!("the proxy connection handler's socket for {host}:{port} is unusable ({what}: {e})"),
        )
    };
    s.set_nonblocking(false).map_err(|e| unusable("blocking mode", e))?;
    s.peer_addr().map_err(|e| unusable("not a connected TCP socket", e))?;
    s.set_nodelay(true).map_err(|e| unusable("TCP_NODELAY", e))?;
    s.set_read_timeout(None).map_err(|e| unusable("read timeout", e))?;
    s.set_write_timeout(None).map_err(|e| unusable("write timeout", e))?;
    Ok(s)
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

    #[test]
    fn proxy_handler_socket_is_readied_or_refused() {
        use crate::options::ProxyConnHandler;
        use std::sync::{Arc, Mutex};
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = seen.clone();
        // The handler dials the listener itself, whatever host it is given,
        // and hands back a non-blocking socket with a read timeout.
        let h: ProxyConnHandler = Arc::new(move |host: &str, p: u16| {
            seen2.lock().unwrap().push((host.to_string(), p));
            let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.set_nonblocking(true).unwrap();
            s.set_read_timeout(Some(Duration::from_millis(5))).unwrap();
            Ok(s)
        });
        let s = connect_via_proxy(&h, "::1", 4333).unwrap();
        assert_eq!(*seen.lock().unwrap(), vec![("::1".to_string(), 4333)]);
        assert_eq!(s.read_timeout().unwrap(), None);
        assert!(s.nodelay().unwrap());
        let (mut peer, _) = l.accept().unwrap();
        let t = Transport::Plain(s);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4];
            // Blocking again: waits for the peer instead of WouldBlock.
            let n = t.read(&mut buf).unwrap();
            buf[..n].to_vec()
        });
        std::thread::sleep(Duration::from_millis(50));
        peer.write_all(b"INFO").unwrap();
        assert_eq!(reader.join().unwrap(), b"INFO");

        // The handler's own error comes back as it is.
        let h: ProxyConnHandler = Arc::new(|_: &str, _: u16| Err(Error::new(NATS_NOT_PERMITTED, "denied")));
        let e = connect_via_proxy(&h, "h", 1).unwrap_err();
        assert_eq!((e.status, e.text.as_str()), (NATS_NOT_PERMITTED, "denied"));

        // A socket that is not connected is refused.
        let h: ProxyConnHandler = Arc::new(|_: &str, _: u16| Ok(unix_socket_as_tcp()));
        let e = connect_via_proxy(&h, "h", 1).unwrap_err();
        assert_eq!(e.status, NATS_NO_SERVER);
        assert!(e.text.contains("not a connected TCP socket"), "{}", e.text);
    }

    /// A socket that is not TCP (one end of a Unix socket pair) wrapped
    /// as a `TcpStream`, as a careless handler might return it.
    fn unix_socket_as_tcp() -> TcpStream {
        use std::os::fd::{FromRawFd, IntoRawFd};
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        // SAFETY: `a`'s descriptor is handed over (into_raw_fd) and owned
        // by the TcpStream alone from here; std does not check the family.
        unsafe { TcpStream::from_raw_fd(a.into_raw_fd()) }
    }
}

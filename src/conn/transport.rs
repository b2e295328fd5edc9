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

    /// Reads with a deadline (handshake phase).
    pub fn read_deadline(&self, buf: &mut [u8], deadline: Instant) -> std::io::Result<usize> {
        match self {
            Transport::Plain(s) => (&*s).read(buf),
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

    /// Sets a deadline for reads (handshake phase); `None` clears it.
    pub fn set_read_deadline(&self, deadline: Option<Instant>) -> Result<()> {
        match self {
            Transport::Plain(s) => {
                let d = deadline.map(|d| {
                    d.saturating_duration_since(Instant::now())
                        .max(Duration::from_millis(1))
                });
                s.set_read_timeout(d).map_err(|e| Error::io(&e))
            }
            Transport::Tls(_) => {
                let _ = deadline;
                Ok(())
            }
        }
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

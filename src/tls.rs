//! CONTRACT STUB — replaced by the TLS implementation.
use crate::error::Result;
use std::net::TcpStream;
use std::time::Instant;

#[derive(Clone, Default)]
pub struct TlsOptions {
    pub handshake_first: bool,
}

/// A TLS session over a TCP socket, usable from two threads at once (the
/// reader reads while the flusher writes).
pub struct TlsStream {}

impl TlsStream {
    /// Blocking read of decrypted bytes; 0 = closed.
    pub fn read(&self, _buf: &mut [u8]) -> std::io::Result<usize> {
        Ok(0)
    }
    /// Blocking write of all of `data`.
    pub fn write_all(&self, _data: &[u8]) -> std::io::Result<()> {
        Ok(())
    }
    /// Shuts the socket down; a blocked `read` returns.
    pub fn shutdown(&self) {}
    /// Reads block at most until `deadline` (then `TimedOut`); `None` clears.
    pub fn set_read_deadline(&self, _deadline: Option<Instant>) {}
    /// Writes fail with `TimedOut` after `d`; `None` clears.
    pub fn set_write_timeout(&self, _d: Option<std::time::Duration>) {}
    pub fn local_addr(&self) -> Option<std::net::SocketAddr> {
        None
    }
}

/// Runs the client handshake on `tcp` for server name `host` (overridden by
/// the expected hostname option), failing with `NATS_SSL_ERROR` (or
/// `NATS_TIMEOUT` past `deadline`).
pub fn connect(_tcp: TcpStream, _opts: &TlsOptions, _host: &str, _deadline: Instant) -> Result<TlsStream> {
    Err(crate::Error::new(crate::natsStatus::NATS_SSL_ERROR, "TLS not implemented"))
}

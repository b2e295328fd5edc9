//! A rustls client session on a non-blocking socket, shared by a reader
//! and a writer thread.
//!
//! rustls does no IO and its connection object is not `Sync`, so the
//! session sits behind a mutex that is held only while rustls itself runs
//! (moving bytes between the socket and rustls' buffers, decrypting,
//! encrypting). Waiting for the socket (`poll(2)`) always happens with the
//! lock released, so a reader waiting for data never stalls the writer.

use crate::error::{Error, Result};
use crate::status::natsStatus;
use parking_lot::Mutex;
use rustls::pki_types::ServerName;
use rustls::ClientConnection;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A TLS session over a TCP socket, usable from two threads at once (the
/// reader reads while the flusher writes).
pub struct TlsStream {
    sock: TcpStream,
    conn: Mutex<ClientConnection>,
    name: ServerName<'static>,
    closed: AtomicBool,
    write_timeout: Mutex<Option<Duration>>,
}

enum Wait {
    Read,
    Write,
}

/// Waits until the socket is ready (or `limit` passes; `None` = no limit);
/// `true` when ready or in error (the next IO call will tell). A wait
/// without a limit does not wake until the socket is ready: `shutdown(2)`
/// on the socket (see [`TlsStream::shutdown`]) makes it ready for both
/// reading and writing, so an idle connection sleeps until data, its
/// ping interval (the flusher writes the PING) or Close.
fn wait(sock: &TcpStream, what: Wait, limit: Option<Duration>) -> bool {
    let events = match what {
        Wait::Read => libc::POLLIN,
        Wait::Write => libc::POLLOUT,
    };
    let mut pfd = libc::pollfd {
        fd: sock.as_raw_fd(),
        events,
        revents: 0,
    };
    let ms = match limit {
        Some(l) => l.as_millis().clamp(1, i32::MAX as u128) as i32,
        None => -1,
    };
    // SAFETY: one valid pollfd, for the duration of the call.
    let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
    rc != 0
}

/// The wait left before `deadline`: `Some(None)` = no deadline (wait
/// without a limit), `None` = the deadline has passed.
fn remaining(deadline: Option<Instant>) -> Option<Option<Duration>> {
    match deadline {
        None => Some(None),
        Some(d) => {
            let now = Instant::now();
            if now >= d {
                None
            } else {
                Some(Some(d - now))
            }
        }
    }
}

fn tls_io_error(e: &rustls::Error, name: &ServerName<'_>) -> io::Error {
    io::Error::new(
        ErrorKind::InvalidData,
        format!("TLS error: {}", super::describe(e, name)),
    )
}

impl TlsStream {
    /// Drives the handshake to completion (see [`super::connect`]).
    pub(super) fn handshake(
        sock: TcpStream,
        mut conn: ClientConnection,
        name: ServerName<'static>,
        deadline: Instant,
    ) -> Result<TlsStream> {
        sock.set_nonblocking(true).map_err(|e| Error::io(&e))?;
        let fail = |text: String| Error::new(natsStatus::NATS_SSL_ERROR, format!("TLS handshake failed: {text}"));
        let timeout = || Error::new(natsStatus::NATS_TIMEOUT, super::HANDSHAKE_TIMEOUT_TEXT);
        while conn.is_handshaking() || conn.wants_write() {
            let mut progressed = false;
            while conn.wants_write() {
                match conn.write_tls(&mut &sock) {
                    Ok(_) => progressed = true,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Err(fail(format!("write error: {e}"))),
                }
            }
            if !conn.is_handshaking() && !conn.wants_write() {
                break;
            }
            if conn.is_handshaking() && conn.wants_read() {
                match conn.read_tls(&mut &sock) {
                    Ok(0) => {
                        return Err(fail(
                            "the server closed the connection during the handshake".to_string(),
                        ));
                    }
                    Ok(_) => {
                        progressed = true;
                        if let Err(e) = conn.process_new_packets() {
                            // Let the server know why (best effort).
                            let _ = conn.write_tls(&mut &sock);
                            return Err(fail(super::describe(&e, &name)));
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == ErrorKind::Interrupted => progressed = true,
                    Err(e) => return Err(fail(format!("read error: {e}"))),
                }
            }
            if progressed {
                continue;
            }
            let what = if conn.wants_write() { Wait::Write } else { Wait::Read };
            let limit = remaining(Some(deadline)).ok_or_else(timeout)?;
            wait(&sock, what, limit);
        }
        Ok(TlsStream {
            sock,
            conn: Mutex::new(conn),
            name,
            closed: AtomicBool::new(false),
            write_timeout: Mutex::new(None),
        })
    }

    /// The negotiated protocol version, e.g. "TLSv1_3".
    pub fn protocol_version(&self) -> Option<String> {
        self.conn.lock().protocol_version().map(|v| format!("{v:?}"))
    }

    /// The negotiated cipher suite's IANA name (rustls' spelling, e.g.
    /// "TLS13_AES_128_GCM_SHA256").
    pub fn cipher_suite(&self) -> Option<String> {
        self.conn
            .lock()
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()))
    }

    /// The underlying socket (for addresses; do not read or write it).
    pub fn tcp(&self) -> &TcpStream {
        &self.sock
    }

    /// Blocking read of decrypted bytes; `Ok(0)` = the connection is closed
    /// (by the peer or by [`shutdown`](Self::shutdown)).
    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.read_deadline(buf, None)
    }

    /// Like [`read`](Self::read), but gives up with
    /// `ErrorKind::TimedOut` once `deadline` passes.
    pub fn read_deadline(&self, buf: &mut [u8], deadline: Option<Instant>) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.closed.load(Ordering::Acquire) {
                return Ok(0);
            }
            {
                let mut conn = self.conn.lock();
                // Plaintext already decrypted?
                match conn.reader().read(buf) {
                    Ok(n) => return Ok(n), // 0 = close_notify received
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Ok(0),
                    Err(e) => return Err(e),
                }
                // Pull more records from the socket.
                match conn.read_tls(&mut &self.sock) {
                    Ok(0) => {
                        // EOF from the peer: let rustls settle what it has.
                        if let Err(e) = conn.process_new_packets() {
                            return Err(tls_io_error(&e, &self.name));
                        }
                        return match conn.reader().read(buf) {
                            Ok(n) => Ok(n),
                            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::UnexpectedEof => {
                                Ok(0)
                            }
                            Err(e) => Err(e),
                        };
                    }
                    Ok(_) => {
                        let r = conn.process_new_packets();
                        // Answers rustls may owe (alerts, key updates).
                        self.flush_locked(&mut conn);
                        if let Err(e) = r {
                            return Err(tls_io_error(&e, &self.name));
                        }
                        continue;
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(e) => {
                        if self.closed.load(Ordering::Acquire) {
                            return Ok(0);
                        }
                        return Err(e);
                    }
                }
            }
            let limit = remaining(deadline).ok_or_else(|| io::Error::new(ErrorKind::TimedOut, "read timed out"))?;
            wait(&self.sock, Wait::Read, limit);
        }
    }

    /// Writes out what rustls has queued, without blocking; errors are
    /// left for the writer to see.
    fn flush_locked(&self, conn: &mut ClientConnection) {
        while conn.wants_write() {
            match conn.write_tls(&mut &self.sock) {
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    }

    /// Sets the time a [`write_all`](Self::write_all) may wait for the
    /// socket before failing with `ErrorKind::TimedOut` (`None` = no limit).
    pub fn set_write_deadline(&self, timeout: Option<Duration>) {
        *self.write_timeout.lock() = timeout;
    }

    /// Blocking write of all of `data`, limited by the write deadline set
    /// with [`set_write_deadline`](Self::set_write_deadline).
    pub fn write_all(&self, data: &[u8]) -> io::Result<()> {
        let timeout = *self.write_timeout.lock();
        self.write_all_deadline(data, timeout.map(|t| Instant::now() + t))
    }

    /// Blocking write of all of `data`; `ErrorKind::TimedOut` once
    /// `deadline` passes with bytes still unsent (the session is then
    /// unusable: part of a record may have been sent).
    pub fn write_all_deadline(&self, data: &[u8], deadline: Option<Instant>) -> io::Result<()> {
        let mut off = 0;
        loop {
            if self.closed.load(Ordering::Acquire) {
                return Err(io::Error::new(ErrorKind::NotConnected, "the TLS connection is closed"));
            }
            {
                let mut conn = self.conn.lock();
                let mut took = 0;
                if off < data.len() {
                    took = conn.writer().write(&data[off..])?;
                    off += took;
                }
                while conn.wants_write() {
                    match conn.write_tls(&mut &self.sock) {
                        Ok(_) => {}
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
                if off == data.len() && !conn.wants_write() {
                    return Ok(());
                }
                if took > 0 && !conn.wants_write() {
                    // rustls took a part and flushed it; offer more at once.
                    continue;
                }
            }
            let limit = remaining(deadline).ok_or_else(|| io::Error::new(ErrorKind::TimedOut, "write timed out"))?;
            wait(&self.sock, Wait::Write, limit);
        }
    }

    /// Sends close_notify (best effort) and shuts the socket down: a
    /// blocked [`read`](Self::read) returns `Ok(0)`, writes fail.
    pub fn shutdown(&self) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        if let Some(mut conn) = self.conn.try_lock_for(Duration::from_millis(100)) {
            conn.send_close_notify();
            self.flush_locked(&mut conn);
        }
        let _ = self.sock.shutdown(Shutdown::Both);
    }
}

impl Drop for TlsStream {
    fn drop(&mut self) {
        let _ = self.sock.shutdown(Shutdown::Both);
    }
}

/// Non-blocking IO for a connection driven by an external event loop
/// (`natsOptions_SetEventLoop`): nothing here waits for the socket.
impl TlsStream {
    /// Reads decrypted bytes that are there now: `WouldBlock` when none
    /// is; `Ok(0)` = closed.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        // A deadline already passed makes the read give up at once
        // instead of waiting.
        match self.read_deadline(buf, Some(Instant::now())) {
            Err(e) if e.kind() == ErrorKind::TimedOut => Err(ErrorKind::WouldBlock.into()),
            r => r,
        }
    }

    /// Hands rustls as much of `data` as it takes and sends what the
    /// socket takes now; returns how many bytes of `data` were taken.
    /// Records the socket did not take stay queued in rustls
    /// ([`has_backlog`](Self::has_backlog), [`flush_backlog`](Self::flush_backlog)).
    pub fn try_write(&self, data: &[u8]) -> io::Result<usize> {
        if self.closed.load(Ordering::Acquire) {
            return Err(io::Error::new(ErrorKind::NotConnected, "the TLS connection is closed"));
        }
        let mut conn = self.conn.lock();
        Self::send_queued(&self.sock, &mut conn)?;
        if conn.wants_write() {
            return Ok(0);
        }
        let took = conn.writer().write(data)?;
        Self::send_queued(&self.sock, &mut conn)?;
        Ok(took)
    }

    /// Sends queued records without waiting; `Ok(true)` when none is left.
    pub fn flush_backlog(&self) -> io::Result<bool> {
        let mut conn = self.conn.lock();
        Self::send_queued(&self.sock, &mut conn)?;
        Ok(!conn.wants_write())
    }

    /// Records are queued in rustls that the socket has not taken yet.
    pub fn has_backlog(&self) -> bool {
        self.conn.lock().wants_write()
    }

    fn send_queued(sock: &TcpStream, conn: &mut ClientConnection) -> io::Result<()> {
        while conn.wants_write() {
            match conn.write_tls(&mut &*sock) {
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

// `Read`/`Write` for `&TlsStream`, so that code written against the std
// traits (line readers, `write!`) can use a shared stream.
impl Read for &TlsStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        TlsStream::read(self, buf)
    }
}

impl Write for &TlsStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

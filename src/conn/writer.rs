//! The write path: publish -> out buffer -> flusher (or a direct write)
//! -> socket; PING/PONG for flush and RTT.

use super::*;
use crate::proto::writer;

/// Above this many buffered bytes publishers wait for the flusher.
const HIGH_WATER: usize = 4 * 1024 * 1024;

/// With default options, a publish that finds nothing buffered, the
/// flusher asleep and no write for at least this long (a "lone" message:
/// a request, a reply from a callback, an occasional event) is written by
/// the publishing thread itself instead of waking the flusher. A message
/// that follows a write more closely goes through the flusher, so that a
/// publishing loop keeps batching (the next messages gather while the
/// flusher wakes). Longer than one write of a small buffer takes.
pub(super) const LONE_GAP: Duration = Duration::from_micros(20);

/// A lone message larger than this still goes through the flusher. A
/// lone write also needs the socket's send queue empty
/// (`Transport::send_queue_empty`): then this much always fits the send
/// buffer, so the publisher never waits for the peer (a server that stopped
/// reading blocks the flusher, as before, not the program's thread).
const LONE_MAX: usize = 8 * 1024;

impl Connection {
    /// Appends a protocol line (PONG, SUB, UNSUB…). While disconnected
    /// it is dropped unless it is needed after reconnect (SUB/UNSUB are
    /// re-sent from the subscription map).
    pub(super) fn write_proto(&self, data: &[u8]) {
        let mut out = self.out.lock();
        if out.closed || !out.connected {
            return;
        }
        out.buf.extend_from_slice(data);
        self.kick(&mut out);
    }

    #[inline]
    pub(super) fn kick(&self, out: &mut Out) {
        if out.flusher_waiting {
            out.flusher_waiting = false;
            self.out_cv.notify_one();
        }
    }

    /// Queues a message for sending.
    pub fn publish(&self, subject: &[u8], reply: Option<&[u8]>, headers: Option<&[u8]>, data: &[u8]) -> Result<()> {
        crate::subject::check_publish(subject)?;
        if let Some(r) = reply {
            if !r.is_empty() {
                crate::subject::check_reply(r)?;
            }
        }
        let reply = reply.filter(|r| !r.is_empty());
        let hlen = headers.map(|h| h.len()).unwrap_or(0);
        if headers.is_some() && !self.headers.load(Ordering::Acquire) && self.state.lock().initial_connected {
            return Err(Error::new(
                NATS_NO_SERVER_SUPPORT,
                "the server does not support headers",
            ));
        }
        let total = hlen + data.len();
        let maxp = self.max_payload.load(Ordering::Acquire);
        if maxp > 0 && total as i64 > maxp {
            return Err(Error::new(
                NATS_MAX_PAYLOAD,
                format!("payload {total} greater than maximum allowed: {maxp}"),
            ));
        }
        let mut out = self.out.lock();
        loop {
            if out.closed {
                return Err(Error::status(NATS_CONNECTION_CLOSED));
            }
            if !out.connected {
                // Reconnecting, or connecting in the background for the
                // first time (cnats is "reconnecting" then too): buffer
                // within the reconnect buffer size. 0 buffers nothing, as
                // cnats' engine does (its doc says 0 means the default).
                let limit = self.opts.reconnect_buf_size;
                if limit <= 0 {
                    return Err(Error::new(
                        NATS_INSUFFICIENT_BUFFER,
                        "reconnect buffering is disabled (size 0)",
                    ));
                }
                if out.buf.len() >= limit as usize {
                    return Err(Error::new(
                        NATS_INSUFFICIENT_BUFFER,
                        format!("reconnect buffer is full ({limit} bytes)"),
                    ));
                }
                break;
            }
            if out.buf.len() < HIGH_WATER {
                break;
            }
            // Back-pressure: wait for the flusher to drain.
            let wd = self.opts.write_deadline_ms;
            if wd > 0 {
                if self
                    .space_cv
                    .wait_for(&mut out, Duration::from_millis(wd as u64))
                    .timed_out()
                    && out.buf.len() >= HIGH_WATER
                {
                    return Err(Error::new(NATS_TIMEOUT, "timeout waiting to write (write deadline)"));
                }
            } else {
                self.space_cv.wait(&mut out);
            }
        }
        let was_empty = out.buf.is_empty();
        writer::write_pub(&mut out.buf, subject, reply, headers, data);
        self.stats.out_msgs.fetch_add(1, Ordering::Relaxed);
        self.stats.out_bytes.fetch_add(total as u64, Ordering::Relaxed);
        // Send-asap: write from this thread, skipping the hand-off to the
        // flusher, when nobody else is writing. Default options do the same
        // for a lone message (see LONE_GAP): nothing else buffered, the
        // flusher asleep, no write for a while. Only the first message
        // after a quiet spell qualifies (the clock is read only then), so
        // a publishing loop still hands its messages to the flusher in
        // batches: writing every message of a loop directly made each one
        // its own write (pub 128 B at 0.07 x cnats when that was tried).
        if out.connected
            && !out.writing
            && (self.opts.send_asap
                || (was_empty
                    && out.buf.len() <= LONE_MAX
                    && out.flusher_waiting
                    && out.last_write.is_none_or(|w| w.elapsed() >= LONE_GAP)
                    && out.transport.as_ref().is_some_and(|t| t.send_queue_empty())))
        {
            self.write_direct(out);
            return Ok(());
        }
        self.kick(&mut out);
        Ok(())
    }

    /// Writes the whole buffer from the calling thread (send-asap, see
    /// `publish`), as the flusher would. The `writing` token keeps the
    /// flusher (and other publishers) off the socket meanwhile, so order is
    /// kept; what accumulates meanwhile is left to the flusher. Like cnats
    /// with send-asap, the publisher may wait on a full socket (bounded by
    /// the write deadline, or by Close shutting the socket). Errors as in
    /// the flusher: recorded, and the socket is shut down so that the
    /// reader reconnects.
    pub(super) fn write_direct(&self, mut out: parking_lot::MutexGuard<'_, Out>) {
        let Some(t) = out.transport.clone() else {
            self.kick(&mut out);
            return;
        };
        let mut data = std::mem::take(&mut out.direct_spare);
        std::mem::swap(&mut data, &mut out.buf);
        out.pings_in_buf = 0;
        out.writing = true;
        #[cfg(test)]
        {
            out.direct_writes += 1;
        }
        drop(out);
        self.space_cv.notify_all();
        if let Err(e) = t.write_all(&data) {
            let timed_out = matches!(e.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock);
            if timed_out {
                self.set_last_error(Error::new(NATS_TIMEOUT, "write deadline exceeded"));
            }
            t.shutdown();
        }
        data.clear();
        let ended = Instant::now();
        let mut out = self.out.lock();
        out.writing = false;
        out.last_write = Some(ended);
        if data.capacity() <= 64 * 1024 {
            out.direct_spare = data;
        }
        if !out.buf.is_empty() || out.closed {
            self.kick(&mut out);
        }
        drop(out);
        self.space_cv.notify_all();
    }

    pub fn publish_msg(&self, m: &Msg) -> Result<()> {
        let h = m.encoded_headers();
        self.publish(m.subject(), m.reply(), h.as_deref(), m.data())
    }

    pub(super) fn flush_loop(self: Arc<Self>) {
        let mut spare: Vec<u8> = Vec::with_capacity(self.opts.io_buf_size.max(1024) as usize);
        let ping_every = if self.opts.ping_interval_ms > 0 {
            Some(Duration::from_millis(self.opts.ping_interval_ms as u64))
        } else {
            None
        };
        let mut next_ping = ping_every.map(|p| Instant::now() + p);
        // natsOptions_SetFlusherWaitMicros: under load (the previous write
        // ended less than this long ago) the flusher lets publishes gather
        // until this long after that write, then writes them at once; a
        // lone publish after a quiet period is written at once. A flush
        // (PING in the buffer), a full I/O buffer or Close end the wait.
        let gather = Duration::from_micros(self.opts.flusher_wait_us.max(0) as u64);
        let gather_max = self.opts.io_buf_size.max(1024) as usize;
        let mut last_write: Option<Instant> = None;
        loop {
            let transport;
            {
                let mut out = self.out.lock();
                loop {
                    if out.closed && (out.buf.is_empty() || !out.connected) && !out.writing {
                        out.flusher_done = true;
                        self.space_cv.notify_all();
                        return;
                    }
                    if out.connected && !out.buf.is_empty() && !out.writing {
                        let until = last_write
                            .filter(|_| !gather.is_zero())
                            .map(|w| w + gather)
                            .filter(|u| *u > Instant::now());
                        match until {
                            Some(u) if !out.closed && out.pings_in_buf == 0 && out.buf.len() < gather_max => {
                                out.flusher_waiting = true;
                                self.out_cv.wait_until(&mut out, u);
                                out.flusher_waiting = false;
                                continue;
                            }
                            _ => break,
                        }
                    }
                    if let (Some(np), true) = (next_ping, out.connected && !out.writing) {
                        if Instant::now() >= np {
                            next_ping = ping_every.map(|p| Instant::now() + p);
                            if out.pings_out + 1 > self.opts.max_pings_out {
                                drop(out);
                                self.stale();
                                out = self.out.lock();
                                continue;
                            }
                            out.pings_out += 1;
                            out.ping_seq += 1;
                            out.pings_in_buf += 1;
                            out.buf.extend_from_slice(writer::PING);
                            break;
                        }
                        out.flusher_waiting = true;
                        self.out_cv.wait_until(&mut out, np);
                    } else {
                        out.flusher_waiting = true;
                        self.out_cv.wait(&mut out);
                    }
                    out.flusher_waiting = false;
                }
                std::mem::swap(&mut out.buf, &mut spare);
                out.pings_in_buf = 0;
                out.writing = true;
                transport = out.transport.clone();
            }
            self.space_cv.notify_all();
            #[cfg(feature = "test-hooks")]
            crate::testhooks::hit(crate::testhooks::FLUSHER);
            if let Some(t) = transport {
                if let Err(e) = t.write_all(&spare) {
                    let timed_out = matches!(e.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock);
                    if timed_out {
                        self.set_last_error(Error::new(NATS_TIMEOUT, "write deadline exceeded"));
                    }
                    // The reader sees the dead socket and handles it.
                    t.shutdown();
                }
            }
            last_write = Some(Instant::now());
            spare.clear();
            if spare.capacity() > 8 * 1024 * 1024 {
                spare = Vec::with_capacity(self.opts.io_buf_size.max(1024) as usize);
            }
            let mut out = self.out.lock();
            out.writing = false;
            out.last_write = last_write;
            drop(out);
            self.space_cv.notify_all();
        }
    }

    pub(super) fn stale(&self) {
        self.set_last_error(Error::status(NATS_STALE_CONNECTION));
        if let Some(t) = self.live_transport() {
            t.shutdown();
        }
    }

    /// `natsConnection_FlushTimeout`: PING and wait for the PONG.
    pub fn flush_timeout(&self, timeout_ms: i64) -> Result<()> {
        if timeout_ms <= 0 {
            return Err(Error::new(NATS_INVALID_TIMEOUT, "timeout must be positive"));
        }
        let deadline = Instant::now() + Duration::from_millis(timeout_ms as u64);
        let (id, epoch) = {
            let st = self.state.lock();
            if st.status == NATS_CONN_STATUS_CLOSED {
                return Err(Error::status(NATS_CONNECTION_CLOSED));
            }
            let mut out = self.out.lock();
            if out.closed {
                return Err(Error::status(NATS_CONNECTION_CLOSED));
            }
            if !out.connected {
                return Err(Error::status(NATS_CONNECTION_DISCONNECTED));
            }
            out.ping_seq += 1;
            out.pings_in_buf += 1;
            out.buf.extend_from_slice(writer::PING);
            self.kick(&mut out);
            (out.ping_seq, st.epoch)
        };
        let mut st = self.state.lock();
        loop {
            // A disconnect voids the PINGs in flight (their PONGs never
            // come), so it is checked first.
            if st.epoch != epoch {
                return Err(Error::status(NATS_CONNECTION_DISCONNECTED));
            }
            if st.pong_seq >= id {
                return Ok(());
            }
            if st.status == NATS_CONN_STATUS_CLOSED {
                return Err(Error::status(NATS_CONNECTION_CLOSED));
            }
            if self.state_cv.wait_until(&mut st, deadline).timed_out() && st.pong_seq < id {
                return Err(Error::new(NATS_TIMEOUT, "timeout waiting for the PONG"));
            }
        }
    }

    /// `natsConnection_GetRTT`.
    pub fn rtt(&self) -> Result<Duration> {
        let t = Instant::now();
        self.flush_timeout(self.opts.timeout_ms.max(1000))?;
        Ok(t.elapsed())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn publish_refuses_bad_input() {
        let c = detached(opts("nats://127.0.0.1:1"));
        c.max_payload.store(10, Ordering::Release);
        // (subject, reply, headers, payload size, status)
        type Case<'a> = (&'a [u8], Option<&'a [u8]>, Option<&'a [u8]>, usize, natsStatus);
        let cases: &[Case] = &[
            (b"", None, None, 1, NATS_INVALID_SUBJECT),
            (b"a b", None, None, 1, NATS_INVALID_SUBJECT),
            (b"a", Some(b"r x"), None, 1, NATS_INVALID_SUBJECT),
            (b"a", None, None, 11, NATS_MAX_PAYLOAD),
            // Headers count towards the payload.
            (b"a", None, Some(b"NATS/1.0\r\n\r\n"), 0, NATS_MAX_PAYLOAD),
        ];
        for (k, (subj, reply, hdr, n, want)) in cases.iter().enumerate() {
            let data = vec![b'x'; *n];
            let e = c.publish(subj, *reply, *hdr, &data).unwrap_err();
            assert_eq!(e.status, *want, "case {k}: {e:?}");
        }
        assert_eq!(c.buffered(), 0);
        assert_eq!(c.stats().out_msgs, 0);
        // Headers to a server without header support.
        c.max_payload.store(1024, Ordering::Release);
        c.state.lock().initial_connected = true;
        let e = c.publish(b"a", None, Some(b"NATS/1.0\r\n\r\n"), b"x").unwrap_err();
        assert_eq!(e.status, NATS_NO_SERVER_SUPPORT);
    }

    #[test]
    fn publish_before_the_first_connect_is_buffered() {
        let c = detached(opts("nats://127.0.0.1:1"));
        c.publish(b"foo", Some(b"bar"), None, b"hello").unwrap();
        c.publish(b"foo", Some(b""), None, b"").unwrap();
        assert_eq!(out_text(&c), "PUB foo bar 5\r\nhello\r\nPUB foo 0\r\n\r\n");
        assert_eq!(c.buffered(), out_text(&c).len());
        let s = c.stats();
        assert_eq!((s.out_msgs, s.out_bytes), (2, 5));
        // Protocol lines are dropped while there is no socket.
        c.write_proto(b"SUB x 1\r\n");
        assert!(!out_text(&c).contains("SUB"));
    }

    #[test]
    fn reconnect_buffer_limits() {
        // (reconnect buffer size, publishes that fit, status of the next)
        let cases = [
            (40, 2, NATS_INSUFFICIENT_BUFFER),
            (0, 0, NATS_INSUFFICIENT_BUFFER),
            (-1, 0, NATS_INSUFFICIENT_BUFFER),
        ];
        for (size, fit, want) in cases {
            let mut o = opts("nats://127.0.0.1:1");
            o.reconnect_buf_size = size;
            let c = detached(o);
            for k in 0..fit {
                c.publish(b"subject", None, None, b"0123456789")
                    .unwrap_or_else(|e| panic!("size {size} #{k}: {e:?}"));
            }
            let e = c.publish(b"subject", None, None, b"0123456789").unwrap_err();
            assert_eq!(e.status, want, "size {size}");
        }
    }

    #[test]
    fn closed_and_disconnected_states() {
        let c = detached(opts("nats://127.0.0.1:1"));
        assert_eq!(c.flush_timeout(0).unwrap_err().status, NATS_INVALID_TIMEOUT);
        assert_eq!(c.flush_timeout(-5).unwrap_err().status, NATS_INVALID_TIMEOUT);
        assert_eq!(c.flush_timeout(100).unwrap_err().status, NATS_CONNECTION_DISCONNECTED);
        c.close();
        assert_eq!(
            c.publish(b"a", None, None, b"x").unwrap_err().status,
            NATS_CONNECTION_CLOSED
        );
        assert_eq!(c.flush_timeout(100).unwrap_err().status, NATS_CONNECTION_CLOSED);
    }

    #[test]
    fn flush_waits_for_the_pong_on_the_real_path() {
        let fake = Fake::ok();
        let c = Connection::connect(opts(&fake.url())).unwrap();
        let mut peer = fake.peer();
        let server = std::thread::spawn(move || {
            // The publish and the flush PING arrive in order.
            let got = peer.read_until("PING\r\n");
            peer.send("PONG\r\n");
            // A second flush: no answer.
            peer.read_until("PING\r\n");
            (got, peer)
        });
        c.publish(b"foo", None, None, b"hi").unwrap();
        c.flush_timeout(5_000).unwrap();
        let t = Instant::now();
        let e = c.flush_timeout(200).unwrap_err();
        assert_eq!(e.status, NATS_TIMEOUT);
        assert!(t.elapsed() >= Duration::from_millis(190));
        let (got, _peer) = server.join().unwrap();
        assert_eq!(got, "PUB foo 2\r\nhi\r\nPING\r\n");
        c.close();
    }

    #[test]
    fn a_lone_publish_is_written_by_the_publisher() {
        let fake = Fake::ok();
        let c = Connection::connect(opts(&fake.url())).unwrap();
        let mut peer = fake.peer();
        // The flusher asleep, the connection quiet for longer than LONE_GAP.
        assert!(eventually(|| c.out.lock().flusher_waiting));
        std::thread::sleep(LONE_GAP * 10);
        c.publish(b"a", None, None, b"z").unwrap();
        // Written by this thread before publish returned.
        assert_eq!(c.out.lock().direct_writes, 1);
        assert_eq!(c.buffered(), 0);
        assert_eq!(peer.read_until("z\r\n"), "PUB a 1\r\nz\r\n");
        // Right after a write (a publishing loop), the flusher writes.
        c.out.lock().last_write = Some(Instant::now() + Duration::from_secs(3600));
        c.publish(b"b", None, None, b"y").unwrap();
        assert_eq!(peer.read_until("y\r\n"), "PUB b 1\r\ny\r\n");
        assert_eq!(c.out.lock().direct_writes, 1);
        // A large lone message too.
        c.out.lock().last_write = None;
        assert!(eventually(|| c.out.lock().flusher_waiting));
        let big = vec![b'x'; LONE_MAX + 1];
        c.publish(b"c", None, None, &big).unwrap();
        assert!(peer.read_until("x\r\n").starts_with("PUB c 8193\r\nxxx"));
        assert_eq!(c.out.lock().direct_writes, 1);
        c.close();
    }

    #[test]
    fn send_asap_writes_from_the_publisher() {
        let fake = Fake::ok();
        let mut o = opts(&fake.url());
        o.send_asap = true;
        let c = Connection::connect(o).unwrap();
        let mut peer = fake.peer();
        c.publish(b"a", None, None, b"z").unwrap();
        assert_eq!(peer.read_until("z\r\n"), "PUB a 1\r\nz\r\n");
        assert_eq!(c.buffered(), 0);
        c.close();
    }
}

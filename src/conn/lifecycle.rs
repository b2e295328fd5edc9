//! Connect, install a socket and start the threads, drain, close.

use super::handshake::Established;
use super::*;
use crate::proto::writer;

impl Connection {
    /// `natsConnection_Connect`: connects with a copy of `opts`.
    pub fn connect(opts: Options) -> Result<Arc<Connection>> {
        match Self::connect_ex(opts)? {
            (c, false) => Ok(c),
            (c, true) => {
                c.close();
                Err(Error::new(NATS_NOT_YET_CONNECTED, "not yet connected"))
            }
        }
    }

    /// Like `connect`, but with retry-on-failed-connect and a connected
    /// callback the connection is returned with `true` ("not yet
    /// connected": it connects in the background).
    pub fn connect_ex(opts: Options) -> Result<(Arc<Connection>, bool)> {
        crate::runtime::open();
        let conn = Self::new(opts)?;
        match conn.connect_initial() {
            Ok(()) => Ok((conn, false)),
            Err(e) => {
                if conn.opts.retry_on_failed_connect {
                    if conn.opts.connected_cb.is_some() {
                        // Connect in the background; the caller gets the
                        // connection now with NATS_NOT_YET_CONNECTED.
                        conn.start_background_connect();
                        return Ok((conn, true));
                    }
                    if let Ok(()) = conn.retry_initial() {
                        return Ok((conn, false));
                    }
                }
                conn.close_internal(Some(e.clone()), false);
                Err(e)
            }
        }
    }

    /// A connection object with its server pool, not connected (no
    /// socket, no thread).
    pub(super) fn new(mut opts: Options) -> Result<Arc<Connection>> {
        let pool = ServerPool::from_options(&opts, &mut rand::thread_rng())?;
        let (pool_user, pool_pass) = pool
            .srvs
            .iter()
            .find(|s| s.url.user.is_some())
            .map(|s| (s.url.user.clone(), s.url.password.clone().filter(|p| !p.is_empty())))
            .unwrap_or((None, None));
        if pool.srvs.iter().any(|s| s.url.is_tls()) {
            opts.secure = true;
        }
        let name = std::ffi::CString::new(opts.name.clone().unwrap_or_default().replace('\0', "")).unwrap_or_default();
        let conn = Arc::new_cyclic(|me| Connection {
            state: Mutex::new(State {
                status: NATS_CONN_STATUS_CONNECTING,
                info: ServerInfo::default(),
                pool,
                transport: None,
                pong_seq: 0,
                epoch: 0,
                last_err: None,
                initial_connected: false,
                flusher: None,
                closed_cb_posted: false,
                draining: false,
                pool_user,
                pool_pass,
                auth_abort: false,
            }),
            state_cv: Condvar::new(),
            out: Mutex::new(Out {
                buf: Vec::with_capacity(opts.io_buf_size.max(1024) as usize),
                transport: None,
                ping_seq: 0,
                connected: false,
                closed: false,
                flusher_waiting: false,
                writing: false,
                direct_spare: Vec::new(),
                pings_out: 0,
                pings_in_buf: 0,
                flusher_done: false,
                last_write: None,
                #[cfg(test)]
                direct_writes: 0,
            }),
            out_cv: Condvar::new(),
            space_cv: Condvar::new(),
            subs: Mutex::new(HashMap::default()),
            stats: AtomicStats::default(),
            next_sid: AtomicU64::new(1),
            max_payload: AtomicI64::new(1024 * 1024),
            headers: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            close_on_disconnect: AtomicBool::new(false),
            resp: request::RespMux::default(),
            ev: evloop::EvConn::new(opts.ev_loop.clone()),
            me: me.clone(),
            name,
            opts,
        });
        // Counted until close_internal (nats_Close waits for the library's
        // threads only when no connection is open).
        crate::runtime::conn_opened();
        Ok(conn)
    }

    /// Tries every server of the pool once.
    pub(super) fn connect_initial(&self) -> Result<()> {
        let n = self.state.lock().pool.len();
        let mut last: Option<Error> = None;
        for i in 0..n {
            match self.connect_to(i, None) {
                Ok(est) => {
                    self.install(i, est, false)?;
                    return Ok(());
                }
                Err(e) => last = Some(e),
            }
        }
        let e = last.unwrap_or_else(|| Error::status(NATS_NO_SERVER));
        // cnats reports plain socket failures as NATS_NO_SERVER.
        // A stalled TLS handshake stays NATS_TIMEOUT, as in cnats.
        let tls_timeout = e.status == NATS_TIMEOUT && e.text == crate::tls::HANDSHAKE_TIMEOUT_TEXT;
        let e = if matches!(e.status, NATS_IO_ERROR | NATS_TIMEOUT) && !tls_timeout {
            Error::new(NATS_NO_SERVER, e.text)
        } else {
            e
        };
        self.state.lock().last_err = Some(e.clone());
        Err(e)
    }

    /// Retry-on-failed-connect without a callback: cnats retries as a
    /// reconnect would (max reconnect × reconnect wait), synchronously.
    pub(super) fn retry_initial(&self) -> Result<()> {
        let max = self.opts.max_reconnect;
        let mut attempt = 0;
        loop {
            if max >= 0 && attempt >= max {
                return Err(Error::status(NATS_NO_SERVER));
            }
            attempt += 1;
            std::thread::sleep(Duration::from_millis(self.opts.reconnect_wait_ms.max(0) as u64));
            if self.closed.load(Ordering::Acquire) {
                return Err(Error::status(NATS_CONNECTION_CLOSED));
            }
            if self.connect_initial().is_ok() {
                return Ok(());
            }
        }
    }

    pub(super) fn start_background_connect(&self) {
        let me = self.arc();
        {
            let mut st = self.state.lock();
            st.status = NATS_CONN_STATUS_RECONNECTING;
        }
        let _ = self.spawn_guarded("nats-connect", move || {
            me.reconnect_loop(true);
        });
    }

    /// Makes `est` the live socket: starts (or resumes) the threads.
    pub(super) fn install(&self, i: usize, est: Established, reconnect: bool) -> Result<()> {
        let Established {
            transport,
            parser,
            info,
        } = est;
        self.max_payload.store(
            if info.max_payload > 0 {
                info.max_payload
            } else {
                1024 * 1024
            },
            Ordering::Release,
        );
        self.headers.store(info.headers, Ordering::Release);
        let mut parser = parser;
        // The server's max_payload bounds what clients publish, not what it
        // sends: its own answers (JetStream API: a stream info with 100 000
        // subjects, a page of 256 stream infos) are bigger. Accept at least
        // the parser's default bound (64 MiB), as a guard against absurd
        // sizes only.
        parser.set_max_payload(
            (self.max_payload.load(Ordering::Acquire).max(0) as usize + 64 * 1024)
                .max(crate::proto::parser::DEFAULT_MAX_PAYLOAD),
        );
        // Event-loop mode: attached before the socket goes live (the
        // flusher may ask for write interest at once); read events wait
        // on `_loop_reader` until then. No reader thread.
        let mut parser = Some(parser);
        let mut _loop_reader = None;
        let transport = match &self.ev {
            Some(ev) => {
                let p = parser.take().expect("parser");
                let (t, g) = self.ev_install(ev, transport, p)?;
                _loop_reader = Some(g);
                t
            }
            None => transport,
        };
        {
            let mut st = self.state.lock();
            st.pool.set_connected(i);
            st.auth_abort = false;
            if reconnect {
                // cnats clears the connection's error once reconnected.
                st.last_err = None;
            }
            st.transport = Some(transport.clone());
            // As cnats, servers discovered in the connect INFO are merged
            // without a discovered-servers callback (only a later INFO
            // posts one).
            self.merge_connect_urls(&mut st, &info);
            st.info = info;
            st.status = NATS_CONN_STATUS_CONNECTED;
            st.initial_connected = true;
        }
        {
            // Under `out` (then `subs`): a subscription created
            // concurrently is either in the map now (re-sent here) or
            // writes its own SUB after `connected` is set.
            let mut out = self.out.lock();
            if reconnect {
                // Re-send subscriptions before anything buffered while away.
                let mut proto = Vec::new();
                for s in self.subs.lock().values() {
                    let st = s.state.lock();
                    if st.closed || st.draining {
                        continue;
                    }
                    writer::write_sub(
                        &mut proto,
                        s.subject.as_bytes(),
                        s.queue.as_ref().map(|q| q.as_bytes()),
                        s.sid,
                    );
                    if st.max > 0 {
                        let left = st.max.saturating_sub(st.delivered);
                        writer::write_unsub(&mut proto, s.sid, Some(left));
                    }
                }
                if !proto.is_empty() {
                    let pending = std::mem::take(&mut out.buf);
                    out.buf = proto;
                    out.buf.extend_from_slice(&pending);
                }
            }
            out.transport = Some(transport.clone());
            out.connected = true;
            out.pings_out = 0;
        }
        self.out_cv.notify_all();
        self.state_cv.notify_all();
        drop(_loop_reader);
        if let Some(parser) = parser {
            let me = self.arc();
            let t = transport.clone();
            crate::runtime::spawn("nats-reader", move || me.read_loop(t, parser))
                .map_err(|e| Error::new(NATS_SYS_ERROR, format!("cannot start reader thread: {e}")))?;
        }
        let need_flusher = self.state.lock().flusher.is_none();
        if need_flusher {
            let me = self.arc();
            let h = self
                .spawn_guarded("nats-flusher", move || me.flush_loop())
                .map_err(|e| Error::new(NATS_SYS_ERROR, format!("cannot start flusher thread: {e}")))?;
            self.state.lock().flusher = Some(h);
        }
        Ok(())
    }

    /// Closes the connection after a panic in one of its threads: the
    /// socket is shut down, the last error is `NATS_ERR` with the panic's
    /// text, the error and closed callbacks are posted.
    pub(crate) fn close_after_panic(&self, thread: &str, p: &(dyn std::any::Any + Send)) {
        let e = Error::new(
            NATS_ERR,
            format!("{} in the {thread} thread", crate::error::panic_text(p)),
        );
        if let Some(t) = self.live_transport() {
            t.shutdown();
        }
        self.set_last_error(e.clone());
        self.post_error(None, NATS_ERR);
        self.close_internal(Some(e), true);
    }

    /// Starts a counted library thread working for this connection; a
    /// panic inside it closes the connection with an error.
    pub(crate) fn spawn_guarded(
        &self,
        name: &'static str,
        f: impl FnOnce() + Send + 'static,
    ) -> std::io::Result<std::thread::ThreadId> {
        let weak = self.me.clone();
        crate::runtime::spawn(name, move || {
            if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
                if let Some(c) = weak.upgrade() {
                    c.close_after_panic(name, &*p);
                }
            }
        })
    }

    /// `natsConnection_Drain`: drain every subscription, then flush
    /// publishes and close.
    pub fn drain(&self, timeout_ms: i64) -> Result<()> {
        {
            let mut st = self.state.lock();
            if st.status == NATS_CONN_STATUS_CLOSED {
                return Err(Error::status(NATS_CONNECTION_CLOSED));
            }
            if st.status == NATS_CONN_STATUS_RECONNECTING || st.status == NATS_CONN_STATUS_CONNECTING {
                return Err(Error::new(NATS_ILLEGAL_STATE, "cannot drain while reconnecting"));
            }
            if st.draining {
                // Already draining: nothing more to do (as cnats).
                return Ok(());
            }
            st.draining = true;
            st.status = NATS_CONN_STATUS_DRAINING_SUBS;
        }
        let subs: Vec<Arc<Subscription>> = self.subs.lock().values().cloned().collect();
        let t = if timeout_ms > 0 {
            timeout_ms
        } else {
            crate::options::DEFAULT_DRAIN_TIMEOUT_MS
        };
        for s in &subs {
            if self.resp.is_mux_sid(s.sid) {
                continue;
            }
            let _ = self.drain_sub(s, 0);
        }
        let me = self.arc();
        let _ = self.spawn_guarded("nats-drain-conn", move || {
            let deadline = Instant::now() + Duration::from_millis(t as u64);
            for s in &subs {
                let left = deadline.saturating_duration_since(Instant::now()).as_millis() as i64;
                if left <= 0 || s.wait_drain(left.max(1)).is_err() {
                    break;
                }
            }
            me.state.lock().status = NATS_CONN_STATUS_DRAINING_PUBS;
            let left = deadline.saturating_duration_since(Instant::now()).as_millis() as i64;
            let r = me.flush_timeout(left.max(1));
            let err = if Instant::now() >= deadline {
                Some(Error::new(NATS_TIMEOUT, "drain timeout"))
            } else {
                r.err()
            };
            if let Some(e) = &err {
                me.set_last_error(e.clone());
                me.post_error(None, e.status);
            }
            me.close_internal(None, true);
        });
        Ok(())
    }

    /// `natsConnection_Close`.
    pub fn close(&self) {
        self.close_internal(None, true);
    }

    pub(super) fn close_internal(&self, err: Option<Error>, post_cb: bool) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        crate::runtime::conn_closed();
        let (flusher, transport, had_conn) = {
            let mut st = self.state.lock();
            if let Some(e) = err {
                st.last_err = Some(e);
            }
            let had = st.initial_connected;
            (st.flusher.take(), st.transport.clone(), had)
        };
        // Let the flusher write out what is buffered, then stop it.
        {
            let mut out = self.out.lock();
            out.closed = true;
            out.flusher_waiting = false;
        }
        self.out_cv.notify_all();
        self.space_cv.notify_all();
        // Nothing buffered and no write under way: there is nothing for the
        // flusher to write out, so Close does not wait for it; it sees
        // `closed` and returns on its own (`nats_Close` joins every library
        // thread).
        let nothing_to_write = {
            let out = self.out.lock();
            out.buf.is_empty() && !out.writing
        };
        if let Some(h) = flusher.filter(|_| !nothing_to_write) {
            if crate::runtime::lib_thread_id() != Some(h) {
                // Give the flusher a bounded time to write out what is
                // buffered; a server that stops reading must not block
                // Close forever: the socket is then shut down under it.
                let grace = Duration::from_millis(self.opts.timeout_ms.clamp(100, 10_000) as u64);
                let deadline = Instant::now() + grace;
                let mut out = self.out.lock();
                while !out.flusher_done {
                    if self.space_cv.wait_until(&mut out, deadline).timed_out() {
                        break;
                    }
                }
                let done = out.flusher_done;
                drop(out);
                if !done {
                    if let Some(t) = &transport {
                        t.shutdown();
                    }
                }
                crate::runtime::join(h);
            }
        }
        let was_live = transport.is_some();
        if let Some(t) = transport {
            if self.ev.is_some() {
                self.ev_close_socket(&t);
            } else {
                t.shutdown();
            }
        }
        let subs: Vec<Arc<Subscription>> = self.subs.lock().drain().map(|(_, s)| s).collect();
        for s in subs {
            s.close(true);
        }
        self.resp.fail_all(NATS_CONNECTION_CLOSED);
        let post = {
            let mut st = self.state.lock();
            st.status = NATS_CONN_STATUS_CLOSED;
            st.transport = None;
            let p = post_cb && !st.closed_cb_posted && (had_conn || self.opts.retry_on_failed_connect);
            if p {
                st.closed_cb_posted = true;
            }
            p
        };
        self.state_cv.notify_all();
        if post {
            // Closing a live socket is also a disconnect (as cnats).
            if was_live {
                self.post_conn_cb(self.opts.disconnected_cb.clone());
            }
            self.post_closed_cb();
        }
        // Event-loop mode: the adapter may let go of the connection now.
        self.ev_detach();
    }

    /// `natsConnection_Reconnect`: drops the socket to force a reconnect.
    pub fn force_reconnect(&self) -> Result<()> {
        let transport = {
            let st = self.state.lock();
            if st.status == NATS_CONN_STATUS_CLOSED {
                return Err(Error::status(NATS_CONNECTION_CLOSED));
            }
            if !self.opts.allow_reconnect {
                return Err(Error::new(NATS_ILLEGAL_STATE, "reconnect is not allowed"));
            }
            st.transport.clone()
        };
        // Not under `state`: a TLS shutdown may wait and write.
        if let Some(t) = transport {
            t.shutdown();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    fn counter() -> (Arc<AtomicU64>, crate::options::ConnCallback) {
        let n = Arc::new(AtomicU64::new(0));
        let m = n.clone();
        (
            n,
            Arc::new(move |_| {
                m.fetch_add(1, Ordering::SeqCst);
            }),
        )
    }

    #[test]
    fn connect_then_close_on_a_fake_server() {
        let fake = Fake::ok();
        let (closed, closed_cb) = counter();
        let (disc, disc_cb) = counter();
        let mut o = opts(&fake.url());
        o.closed_cb = Some(closed_cb);
        o.disconnected_cb = Some(disc_cb);
        let c = Connection::connect(o).unwrap();
        let mut peer = fake.peer();
        assert_eq!(c.status(), NATS_CONN_STATUS_CONNECTED);
        assert_eq!(&*c.connected_url().unwrap(), fake.url());
        assert_eq!(c.connected_server_id().as_deref(), Some("S1"));
        assert_eq!((c.client_id(), c.client_ip().as_str()), (7, "127.0.0.1"));
        assert_eq!(c.max_payload(), 1_048_576);
        assert!(c.has_headers());
        assert!(c.local_addr().is_some());
        assert!(c.state.lock().flusher.is_some());
        c.close();
        c.close();
        assert!(c.is_closed());
        assert_eq!(c.connected_url(), None);
        // The server sees the socket go.
        let mut buf = [0u8; 64];
        use std::io::Read;
        assert_eq!(peer.stream.read(&mut buf).unwrap_or(0), 0);
        assert!(eventually(|| closed.load(Ordering::SeqCst) == 1));
        assert!(eventually(|| disc.load(Ordering::SeqCst) == 1));
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(closed.load(Ordering::SeqCst), 1, "closed callback once");
        assert!(c.state.lock().flusher.is_none(), "flusher joined");
    }

    #[test]
    fn connect_failures() {
        let free = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dead = format!("nats://127.0.0.1:{free}");
        let e = Connection::connect(opts(&dead)).err().unwrap();
        assert_eq!(e.status, NATS_NO_SERVER);
        let auth = Fake::start(INFO, "-ERR 'Authorization Violation'\r\n");
        let e = Connection::connect(opts(&auth.url())).err().unwrap();
        assert_eq!(e.status, NATS_CONNECTION_AUTH_FAILED);
        // A dead server first in the pool: the next one is tried.
        let ok = Fake::ok();
        let o = Options {
            servers: vec![dead.into(), ok.url().into()],
            ..opts(&ok.url())
        };
        let o = Options { url: None, ..o };
        let c = Connection::connect(o).unwrap();
        assert_eq!(&*c.connected_url().unwrap(), ok.url());
        c.close();
    }

    #[test]
    fn drain_and_force_reconnect_states() {
        let c = detached(opts("nats://127.0.0.1:1"));
        assert_eq!(c.drain(100).unwrap_err().status, NATS_ILLEGAL_STATE);
        let mut o = opts("nats://127.0.0.1:1");
        o.allow_reconnect = false;
        let c2 = detached(o);
        assert_eq!(c2.force_reconnect().unwrap_err().status, NATS_ILLEGAL_STATE);
        c.close();
        c2.close();
        assert_eq!(c.drain(100).unwrap_err().status, NATS_CONNECTION_CLOSED);
        assert_eq!(c.force_reconnect().unwrap_err().status, NATS_CONNECTION_CLOSED);
    }

    #[test]
    fn drain_unsubscribes_flushes_and_closes() {
        let fake = Fake::ok();
        let c = Connection::connect(opts(&fake.url())).unwrap();
        let mut peer = fake.peer();
        let s = c.subscribe(b"foo", None, None, 0).unwrap();
        c.drain(5_000).unwrap();
        assert!(c.is_draining() || c.is_closed());
        // Draining again is fine; subscribing is not.
        c.drain(5_000).unwrap();
        let got = peer.read_until(&format!("UNSUB {}\r\n", s.sid));
        assert!(got.contains(&format!("SUB foo {}\r\n", s.sid)), "{got:?}");
        // Answer the flush PINGs.
        let c2 = c.clone();
        let answer = std::thread::spawn(move || peer.answer_pings(|| c2.is_closed()));
        assert!(eventually(|| c.is_closed()), "drain did not close");
        answer.join().unwrap();
        assert_eq!(c.last_error(), None);
    }
}

//! The reader thread: socket -> parser -> operations (messages to
//! subscriptions, PING/PONG, async INFO, server errors).

use super::*;
use crate::proto::writer;

impl Connection {
    /// The reader thread. A panic inside it (a bug) must not leave a
    /// connection without a reader: it closes the connection with the
    /// panic's text as its last error.
    pub(super) fn read_loop(self: Arc<Self>, t: Arc<Transport>, parser: Parser) {
        let me = self.clone();
        let t2 = t.clone();
        if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || me.read_loop_inner(t2, parser))) {
            t.shutdown();
            self.close_after_panic("reader", &*p);
        }
    }

    pub(super) fn read_loop_inner(self: Arc<Self>, t: Arc<Transport>, mut parser: Parser) {
        // Read size: starts small (an idle connection keeps little memory)
        // and doubles, up to the IO buffer size, while reads fill it.
        let mut io = 4096;
        let err = loop {
            if let Err(e) = self.process_ops(&mut parser) {
                break e;
            }
            if let Err(e) = self.read_some(&t, &mut parser, &mut io) {
                break e;
            }
        };
        t.shutdown();
        self.on_disconnect(&t, Some(err));
    }

    /// Processes every complete operation in the parser's buffer: the one
    /// body shared by the reader thread and, in event-loop mode,
    /// `process_read_event` (an error ends the socket).
    pub(super) fn process_ops(&self, parser: &mut Parser) -> Result<()> {
        while let Some(op) = parser.next_op()? {
            self.process_op(op)?;
        }
        Ok(())
    }

    /// One read into the parser: blocking on the reader thread, or what
    /// is there now in event-loop mode (`Ok(None)`: nothing). `io` is the
    /// read size, doubled up to the IO buffer size while reads fill it.
    /// End of stream is an error (`NATS_CONNECTION_DISCONNECTED`).
    pub(super) fn read_some(&self, t: &Transport, parser: &mut Parser, io: &mut usize) -> Result<Option<usize>> {
        let io_max = self.opts.io_buf_size.max(4096) as usize;
        *io = (*io).clamp(1, io_max);
        loop {
            let buf = parser.read_buf(*io);
            let room = buf.len();
            let r = match t {
                Transport::Loop(_) => t.try_read(buf),
                _ => t.read(buf),
            };
            match r {
                Ok(0) => {
                    return Err(Error::new(
                        NATS_CONNECTION_DISCONNECTED,
                        "connection closed by the server",
                    ))
                }
                Ok(n) => {
                    if n == room && *io < io_max {
                        *io = (*io * 2).min(io_max);
                    }
                    parser.commit(n);
                    return Ok(Some(n));
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock && matches!(t, Transport::Loop(_)) => {
                    return Ok(None)
                }
                Err(e) => return Err(Error::io(&e)),
            }
        }
    }

    pub(super) fn process_op(&self, op: ServerOp) -> Result<()> {
        #[cfg(feature = "test-hooks")]
        crate::testhooks::hit(crate::testhooks::READER);
        match op {
            ServerOp::Msg(m) => {
                let size = m.payload_len() as u64;
                self.stats.in_msgs.fetch_add(1, Ordering::Relaxed);
                self.stats.in_bytes.fetch_add(size, Ordering::Relaxed);
                let sid = m.sid;
                if self.resp.is_mux_sid(sid) {
                    self.resp.deliver(Msg::from_wire(m)?);
                    return Ok(());
                }
                let sub = self.subs.lock().get(&sid).cloned();
                if let Some(sub) = sub {
                    let mut msg = Msg::from_wire(m)?;
                    if let Some(h) = &sub.js {
                        match h.on_msg(&sub, msg) {
                            Some(m) => msg = m,
                            None => return Ok(()),
                        }
                        // Acks go through the subscription (cnats' `msg->sub`).
                        msg.set_js(Some(crate::msg::JsSlot::Sub(sub.clone())));
                    }
                    if let Some(s) = sub.enqueue(msg) {
                        self.post_error(Some(sub.clone()), s);
                    }
                }
            }
            ServerOp::Ping => self.write_proto(writer::PONG),
            ServerOp::Pong => {
                let mut st = self.state.lock();
                st.pong_seq += 1;
                self.out.lock().pings_out = 0;
                drop(st);
                self.state_cv.notify_all();
            }
            ServerOp::Ok => {}
            ServerOp::Info(info) => self.process_async_info(*info),
            ServerOp::Err(text) => return self.process_err(text),
        }
        Ok(())
    }

    pub(super) fn process_async_info(&self, info: ServerInfo) {
        let (added, ldm) = {
            let mut st = self.state.lock();
            let added = self.merge_connect_urls(&mut st, &info);
            let ldm = info.ldm;
            if info.max_payload > 0 {
                self.max_payload.store(info.max_payload, Ordering::Release);
            }
            // Keep identity fields of the connected server.
            let mut merged = info;
            if merged.server_id.is_empty() {
                merged.server_id = st.info.server_id.clone();
            }
            if merged.client_id == 0 {
                merged.client_id = st.info.client_id;
            }
            if merged.client_ip.is_empty() {
                merged.client_ip = st.info.client_ip.clone();
            }
            st.info = merged;
            (added, ldm)
        };
        if added {
            if let Some(cb) = self.opts.discovered_servers_cb.clone() {
                let me = self.arc();
                crate::runtime::post_droppable(Box::new(move || cb(&me)));
            }
        }
        if ldm {
            if let Some(cb) = self.opts.lame_duck_cb.clone() {
                let me = self.arc();
                crate::runtime::post_droppable(Box::new(move || cb(&me)));
            }
        }
    }

    pub(super) fn process_err(&self, text: String) -> Result<()> {
        let lower = text.to_ascii_lowercase();
        if lower.contains("stale connection") {
            return Err(Error::new(NATS_STALE_CONNECTION, text));
        }
        if lower.contains("permissions violation") {
            // Reported, and the connection stays up.
            self.set_last_error(Error::new(NATS_NOT_PERMITTED, text.clone()));
            self.post_error_text(None, NATS_NOT_PERMITTED, Some(text));
            return Ok(());
        }
        if let Some(code) = auth_err_code(&text) {
            // As cnats: report it; the server closes the socket and we
            // reconnect, unless this server gave the same kind of auth
            // error last time (then the connection closes, unless
            // IgnoreAuthErrorAbort).
            let e = Error::new(NATS_CONNECTION_AUTH_FAILED, text.clone());
            {
                let mut st = self.state.lock();
                st.last_err = Some(e.clone());
                if let Some(c) = st.pool.cur {
                    if st
                        .pool
                        .same_auth_error_twice(c, code, self.opts.ignore_auth_error_abort)
                    {
                        st.auth_abort = true;
                    }
                }
            }
            self.post_error_text(None, NATS_CONNECTION_AUTH_FAILED, Some(text));
            return Err(e);
        }
        let e = Error::new(NATS_ERR, text);
        self.set_last_error(e.clone());
        if self.opts.reconnect_on_protocol_error {
            return Err(e);
        }
        // Any other server error closes the connection: the reader stops
        // and `on_disconnect` closes instead of reconnecting.
        self.close_on_disconnect.store(true, Ordering::Release);
        Err(e)
    }

    /// Merges INFO `connect_urls` into the pool (unless
    /// `IgnoreDiscoveredServers`); true when a new server was added.
    pub(super) fn merge_connect_urls(&self, st: &mut State, info: &ServerInfo) -> bool {
        if self.opts.ignore_discovered_servers {
            return false;
        }
        let mut rng = rand::thread_rng();
        let rng: Option<&mut dyn rand::RngCore> = if self.opts.no_randomize { None } else { Some(&mut rng) };
        st.pool.merge_connect_urls(&info.connect_urls, rng)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    type Seen = Arc<parking_lot::Mutex<Vec<(natsStatus, Option<String>)>>>;

    /// A detached connection whose error callback records (status, text).
    fn with_err_cb(tweak: impl FnOnce(&mut Options)) -> (Arc<Connection>, Seen) {
        let seen: Seen = Arc::default();
        let s = seen.clone();
        let mut o = opts("nats://127.0.0.1:1");
        o.err_cb = Some(Arc::new(move |_, _, st, text| {
            s.lock().push((st, text.map(str::to_string)))
        }));
        tweak(&mut o);
        (detached(o), seen)
    }

    #[test]
    fn auth_error_kinds() {
        let cases = [
            ("Authorization Violation", Some(AuthErrCode::Violation)),
            ("authorization violation for user x", Some(AuthErrCode::Violation)),
            ("User Authentication Expired", Some(AuthErrCode::Expired)),
            ("user authentication EXPIRED", Some(AuthErrCode::Expired)),
            ("Permissions Violation for Publish to \"x\"", None),
            ("Stale Connection", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(auth_err_code(text), want, "{text:?}");
            assert_eq!(is_auth_error(text), want.is_some(), "{text:?}");
        }
    }

    #[test]
    fn messages_go_to_their_subscription_and_count() {
        let c = detached(opts("nats://127.0.0.1:1"));
        let sub = c.subscribe(b"foo", None, None, 0).unwrap();
        let other_sid = sub.sid + 100;
        let wire = format!("MSG foo {} 5\r\nhello\r\nMSG foo {} 3\r\nbye\r\n", sub.sid, other_sid);
        for op in ops(wire.as_bytes()) {
            c.process_op(op).unwrap();
        }
        let m = sub.next_msg(1000).unwrap();
        assert_eq!((m.subject(), m.data()), (&b"foo"[..], &b"hello"[..]));
        // The message for an unknown sid is counted and dropped.
        assert_eq!(sub.next_msg(0).unwrap_err().status, NATS_TIMEOUT);
        let s = c.stats();
        assert_eq!((s.in_msgs, s.in_bytes), (2, 8));
    }

    #[test]
    fn ping_pong_ok() {
        let c = detached(opts("nats://127.0.0.1:1"));
        // Not connected: the PONG answer is dropped.
        for op in ops(b"PING\r\n+OK\r\n") {
            c.process_op(op).unwrap();
        }
        assert_eq!(out_text(&c), "");
        pretend_connected(&c);
        c.out.lock().pings_out = 2;
        for op in ops(b"PING\r\nPONG\r\nPONG\r\n") {
            c.process_op(op).unwrap();
        }
        assert_eq!(out_text(&c), "PONG\r\n");
        assert_eq!(c.state.lock().pong_seq, 2);
        assert_eq!(c.out.lock().pings_out, 0);
    }

    #[test]
    fn server_errors() {
        struct Case {
            text: &'static str,
            reconnect_on_protocol_error: bool,
            err: Option<natsStatus>,
            reported: Option<natsStatus>,
            closes: bool,
        }
        let cases = [
            Case {
                text: "Stale Connection",
                reconnect_on_protocol_error: false,
                err: Some(NATS_STALE_CONNECTION),
                reported: None,
                closes: false,
            },
            Case {
                text: "Permissions Violation for Subscription to \"x\"",
                reconnect_on_protocol_error: false,
                err: None,
                reported: Some(NATS_NOT_PERMITTED),
                closes: false,
            },
            Case {
                text: "Authorization Violation",
                reconnect_on_protocol_error: false,
                err: Some(NATS_CONNECTION_AUTH_FAILED),
                reported: Some(NATS_CONNECTION_AUTH_FAILED),
                closes: false,
            },
            Case {
                text: "Maximum Connections Exceeded",
                reconnect_on_protocol_error: false,
                err: Some(NATS_ERR),
                reported: None,
                closes: true,
            },
            Case {
                text: "Maximum Connections Exceeded",
                reconnect_on_protocol_error: true,
                err: Some(NATS_ERR),
                reported: None,
                closes: false,
            },
        ];
        for (k, c) in cases.iter().enumerate() {
            let (conn, seen) = with_err_cb(|o| o.reconnect_on_protocol_error = c.reconnect_on_protocol_error);
            let r = conn.process_op(ServerOp::Err(c.text.to_string()));
            assert_eq!(r.as_ref().err().map(|e| e.status), c.err, "case {k}");
            if let Err(e) = &r {
                assert_eq!(e.text, c.text, "case {k}");
            }
            if let Some(s) = c.reported {
                assert!(eventually(|| !seen.lock().is_empty()), "case {k}: not reported");
                assert_eq!(seen.lock()[0], (s, Some(c.text.to_string())), "case {k}");
                assert_eq!(conn.last_error().map(|e| e.status), Some(s), "case {k}");
            }
            assert_eq!(conn.close_on_disconnect.load(Ordering::Acquire), c.closes, "case {k}");
            assert!(!conn.state.lock().auth_abort, "case {k}");
        }
    }

    #[test]
    fn the_same_auth_error_twice_aborts_reconnecting() {
        for (ignore, want) in [(false, true), (true, false)] {
            let (c, _) = with_err_cb(|o| o.ignore_auth_error_abort = ignore);
            c.state.lock().pool.set_connected(0);
            let _ = c.process_op(ServerOp::Err("Authorization Violation".into()));
            assert!(!c.state.lock().auth_abort);
            let _ = c.process_op(ServerOp::Err("Authorization Violation".into()));
            assert_eq!(c.state.lock().auth_abort, want, "ignore {ignore}");
        }
    }

    #[test]
    fn async_info_merges_servers_and_keeps_identity() {
        let found = Arc::new(AtomicU64::new(0));
        let ldm = Arc::new(AtomicU64::new(0));
        let (f, l) = (found.clone(), ldm.clone());
        let mut o = opts("nats://127.0.0.1:1");
        o.discovered_servers_cb = Some(Arc::new(move |_| {
            f.fetch_add(1, Ordering::SeqCst);
        }));
        o.lame_duck_cb = Some(Arc::new(move |_| {
            l.fetch_add(1, Ordering::SeqCst);
        }));
        let c = detached(o);
        {
            let mut st = c.state.lock();
            st.pool.set_connected(0);
            st.info.server_id = "S1".into();
            st.info.client_id = 7;
        }
        let info = "INFO {\"connect_urls\":[\"10.0.0.2:4222\"],\"max_payload\":2048}\r\n";
        for op in ops(info.as_bytes()) {
            c.process_op(op).unwrap();
        }
        assert_eq!(c.servers(true), vec!["nats://10.0.0.2:4222".to_string()]);
        assert_eq!(c.max_payload(), 2048);
        assert_eq!(c.server_info().server_id, "S1");
        assert_eq!(c.client_id(), 7);
        assert!(eventually(|| found.load(Ordering::SeqCst) == 1));
        // Lame duck, nothing new: no discovered callback.
        for op in ops(b"INFO {\"connect_urls\":[\"10.0.0.2:4222\"],\"ldm\":true}\r\n") {
            c.process_op(op).unwrap();
        }
        assert!(eventually(|| ldm.load(Ordering::SeqCst) == 1));
        assert_eq!(found.load(Ordering::SeqCst), 1);
        // IgnoreDiscoveredServers.
        let mut o = opts("nats://127.0.0.1:1");
        o.ignore_discovered_servers = true;
        let c = detached(o);
        c.state.lock().pool.set_connected(0);
        for op in ops(info.as_bytes()) {
            c.process_op(op).unwrap();
        }
        assert!(c.servers(true).is_empty());
    }
}

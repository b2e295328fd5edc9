//! Disconnect handling and the reconnect loop.

use super::*;

impl Connection {
    pub(super) fn on_disconnect(&self, t: &Arc<Transport>, err: Option<Error>) {
        let reconnect = {
            let mut st = self.state.lock();
            // Ignore a stale reader (its socket was already replaced).
            match &st.transport {
                Some(cur) if Arc::ptr_eq(cur, t) => {}
                _ => return,
            }
            if st.status == NATS_CONN_STATUS_CLOSED || self.closed.load(Ordering::Acquire) {
                return;
            }
            st.transport = None;
            st.epoch += 1;
            {
                // PINGs already handed to the dead socket will never be
                // answered: count them as answered so that the PONGs of
                // the PINGs still buffered (sent after reconnect) line up.
                let mut out = self.out.lock();
                st.pong_seq = out.ping_seq - out.pings_in_buf;
                out.connected = false;
                out.transport = None;
                out.pings_out = 0;
            }
            if let Some(e) = &err {
                if e.status != NATS_CONNECTION_DISCONNECTED && e.status != NATS_IO_ERROR {
                    st.last_err = Some(e.clone());
                }
            }
            // Set by `process_err` on the same auth error twice.
            let auth_twice = st.auth_abort;
            let ok = self.opts.allow_reconnect
                && !auth_twice
                && !st.draining
                && !self.close_on_disconnect.load(Ordering::Acquire);
            if ok {
                st.status = NATS_CONN_STATUS_RECONNECTING;
            }
            // The socket was live: disconnected (then closed, or
            // reconnected). Posted under `state` so that a concurrent
            // Close cannot post its closed callback before this one.
            self.post_conn_cb(self.opts.disconnected_cb.clone());
            ok
        };
        self.state_cv.notify_all();
        self.space_cv.notify_all();
        // Event-loop mode: the loop stops polling the dead socket.
        self.ev_stop(t);
        if self.opts.fail_requests_on_disconnect {
            self.resp.fail_all(NATS_CONNECTION_DISCONNECTED);
        }
        if !reconnect {
            // Keep a more telling error (stale, write deadline, server
            // error) over the plain socket error that followed it.
            let err = err.filter(|e| {
                !matches!(e.status, NATS_IO_ERROR | NATS_CONNECTION_DISCONNECTED)
                    || self.state.lock().last_err.is_none()
            });
            self.close_internal(err, true);
            return;
        }
        // As cnats: the reconnect loop runs on a thread of its own, so
        // that the user code it calls (delay callback, token / JWT /
        // signature handlers) never runs on a reader thread; this reader
        // returns, and `install` starts a new one after a reconnect.
        let me = self.arc();
        if let Err(e) = self.spawn_guarded("nats-reconnect", move || me.reconnect_loop(false)) {
            let e = Error::new(NATS_SYS_ERROR, format!("cannot start reconnect thread: {e}"));
            self.close_internal(Some(e), true);
        }
    }

    /// Tries servers until one answers, the attempts run out, or the
    /// connection is closed, paced as cnats does (see [`pool`]): the
    /// servers of a pass back to back, one wait per full pass.
    pub(super) fn reconnect_loop(&self, initial: bool) {
        let mut pacing = pool::Pacing::default();
        let jitter = pool::jitter_ms(&self.opts);
        loop {
            if self.closed.load(Ordering::Acquire) {
                return;
            }
            let next = {
                let mut st = self.state.lock();
                st.pool
                    .next_server(self.opts.max_reconnect)
                    .map(|i| (i, pacing.before_attempt(st.pool.len())))
            };
            let Some((i, pause)) = next else {
                let e = Error::status(NATS_NO_SERVER);
                self.close_internal(Some(e), true);
                return;
            };
            match pause {
                pool::Pause::Yield => std::thread::yield_now(),
                pool::Pause::PassWait { pass } => {
                    let wait = match self.opts.custom_reconnect_delay.clone() {
                        Some(cb) => Duration::from_millis(cb(&self.arc(), pass).max(0) as u64),
                        None => pool::pass_wait(self.opts.reconnect_wait_ms, jitter, rand::random()),
                    };
                    if self.sleep_unless_closed(wait) {
                        return;
                    }
                }
            }
            if self.closed.load(Ordering::Acquire) {
                return;
            }
            {
                let mut st = self.state.lock();
                match st.pool.srvs.get_mut(i) {
                    Some(s) => s.reconnects += 1,
                    None => continue,
                }
            }
            let mut tcp_ok = false;
            let r = self.connect_to(i, Some(&mut tcp_ok));
            // cnats counts a reconnect once the TCP connection is made,
            // even if the handshake then fails (e.g. auth).
            if tcp_ok && !initial {
                self.stats.reconnects.fetch_add(1, Ordering::Relaxed);
            }
            match r {
                Ok(est) => {
                    if self.closed.load(Ordering::Acquire) {
                        est.transport.shutdown();
                        return;
                    }
                    if self.install(i, est, true).is_err() {
                        continue;
                    }
                    if !initial {
                        self.notify_js_reconnected();
                    }
                    let cb = if initial {
                        self.opts.connected_cb.clone()
                    } else {
                        self.opts.reconnected_cb.clone()
                    };
                    if let Some(cb) = cb {
                        let me = self.arc();
                        crate::runtime::post_droppable(Box::new(move || cb(&me)));
                    }
                    return;
                }
                Err(e) => {
                    if let (NATS_CONNECTION_AUTH_FAILED, Some(code)) = (e.status, auth_err_code(&e.text)) {
                        // As cnats: reported (not during a background
                        // initial connect), and the same kind of auth
                        // error twice on one server closes the
                        // connection (unless IgnoreAuthErrorAbort).
                        let twice = {
                            let mut st = self.state.lock();
                            st.last_err = Some(e.clone());
                            st.pool
                                .same_auth_error_twice(i, code, self.opts.ignore_auth_error_abort)
                        };
                        if !initial {
                            self.post_error_text(None, NATS_CONNECTION_AUTH_FAILED, Some(e.text.clone()));
                        }
                        if twice {
                            self.close_internal(Some(e), true);
                            return;
                        }
                    }
                }
            }
        }
    }

    /// Tells the JetStream subscriptions that the connection reconnected
    /// (their subscriptions were re-sent by `install`).
    fn notify_js_reconnected(&self) {
        let subs: Vec<Arc<Subscription>> = self.subs.lock().values().filter(|s| s.js.is_some()).cloned().collect();
        for s in subs {
            if let Some(h) = &s.js {
                h.on_reconnected(&s);
            }
        }
    }

    /// Sleeps `d` unless the connection closes first (returns true then).
    pub(super) fn sleep_unless_closed(&self, d: Duration) -> bool {
        let deadline = Instant::now() + d;
        let mut st = self.state.lock();
        while !self.closed.load(Ordering::Acquire) {
            if self.state_cv.wait_until(&mut st, deadline).timed_out() {
                return self.closed.load(Ordering::Acquire);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn reconnects_after_a_hang_up_and_resends_subscriptions() {
        let fake = Fake::ok();
        let reconnected = Arc::new(AtomicU64::new(0));
        let r = reconnected.clone();
        let mut o = opts(&fake.url());
        o.max_reconnect = -1;
        o.reconnected_cb = Some(Arc::new(move |_| {
            r.fetch_add(1, Ordering::SeqCst);
        }));
        let c = Connection::connect(o).unwrap();
        let peer = fake.peer();
        let a = c.subscribe(b"foo", None, None, 0).unwrap();
        let b = c.subscribe(b"bar", Some(b"q"), None, 0).unwrap();
        c.unsubscribe(&b, 3).unwrap();
        c.flush_timeout(100).unwrap_err(); // the fake does not answer
        drop(peer);
        let mut peer = fake.peer();
        // The subscriptions come back first (the max as what is left).
        let got = peer.read_until(&format!("UNSUB {} 3\r\n", b.sid));
        assert!(got.contains(&format!("SUB foo {}\r\n", a.sid)), "{got:?}");
        assert!(got.contains(&format!("SUB bar q {}\r\n", b.sid)), "{got:?}");
        assert!(eventually(|| reconnected.load(Ordering::SeqCst) == 1));
        assert_eq!(c.status(), NATS_CONN_STATUS_CONNECTED);
        assert_eq!(c.stats().reconnects, 1);
        c.close();
    }

    /// A JetStream hook is told of the reconnect after the subscriptions
    /// were re-sent: what it publishes then follows the SUBs.
    #[test]
    fn js_hooks_are_told_of_a_reconnect() {
        struct Repull(AtomicU64);
        impl SubHook for Repull {
            fn on_msg(&self, _: &Arc<Subscription>, m: Box<Msg>) -> Option<Box<Msg>> {
                Some(m)
            }
            fn on_reconnected(&self, sub: &Arc<Subscription>) {
                self.0.fetch_add(1, Ordering::SeqCst);
                let c = sub.connection().unwrap();
                c.publish(b"js.pull", Some(sub.subject.as_bytes()), None, b"again")
                    .unwrap();
            }
            fn as_any(&self) -> &dyn std::any::Any {
                self
            }
        }
        let fake = Fake::ok();
        let mut o = opts(&fake.url());
        o.max_reconnect = -1;
        let c = Connection::connect(o).unwrap();
        let peer = fake.peer();
        let h = Arc::new(Repull(AtomicU64::new(0)));
        let s = c.subscribe_with_hook(b"inbox", None, None, 0, Some(h.clone())).unwrap();
        let _plain = c.subscribe(b"other", None, None, 0).unwrap();
        drop(peer);
        let mut peer = fake.peer();
        let got = peer.read_until("PUB js.pull inbox 5\r\nagain\r\n");
        assert!(got.contains(&format!("SUB inbox {}\r\n", s.sid)), "{got:?}");
        assert_eq!(h.0.load(Ordering::SeqCst), 1);
        c.close();
    }

    #[test]
    fn closes_instead_of_reconnecting() {
        // (allow reconnect, max reconnect, last error status)
        // Without reconnect the socket's end is the last error; with the
        // attempts used up, "no server".
        let cases = [(false, 60, NATS_CONNECTION_DISCONNECTED), (true, 0, NATS_NO_SERVER)];
        for (allow, max, want) in cases {
            let fake = Fake::ok();
            let mut o = opts(&fake.url());
            o.allow_reconnect = allow;
            o.max_reconnect = max;
            let c = Connection::connect(o).unwrap();
            drop(fake.peer());
            assert!(eventually(|| c.is_closed()), "allow {allow} max {max}");
            assert_eq!(c.last_error().map(|e| e.status), Some(want), "allow {allow} max {max}");
            assert_eq!(c.stats().reconnects, 0);
        }
    }

    #[test]
    fn unanswered_pings_make_the_connection_stale() {
        let fake = Fake::ok();
        let mut o = opts(&fake.url());
        o.allow_reconnect = false;
        o.ping_interval_ms = 30;
        o.max_pings_out = 1;
        let c = Connection::connect(o).unwrap();
        let _peer = fake.peer();
        assert!(eventually(|| c.is_closed()));
        assert_eq!(c.last_error().map(|e| e.status), Some(NATS_STALE_CONNECTION));
    }

    #[test]
    fn sleep_unless_closed() {
        let c = detached(opts("nats://127.0.0.1:1"));
        let t = Instant::now();
        assert!(!c.sleep_unless_closed(Duration::from_millis(30)));
        assert!(t.elapsed() >= Duration::from_millis(30));
        let c2 = c.clone();
        let closer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            c2.close();
        });
        let t = Instant::now();
        assert!(c.sleep_unless_closed(Duration::from_secs(30)));
        assert!(t.elapsed() < Duration::from_secs(10));
        closer.join().unwrap();
    }
}

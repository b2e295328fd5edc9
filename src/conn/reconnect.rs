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
        self.reconnect_loop(false);
    }

    /// Tries servers until one answers, the attempts run out, or the
    /// connection is closed. Runs on the reader thread (or, for a
    /// background initial connect, on its own thread).
    pub(super) fn reconnect_loop(&self, initial: bool) {
        let mut attempts_total: i32 = 0;
        loop {
            if self.closed.load(Ordering::Acquire) {
                return;
            }
            let candidates: Vec<usize> = {
                let mut st = self.state.lock();
                let max = self.opts.max_reconnect;
                // Drop servers that used up their attempts.
                if max >= 0 {
                    let before = st.pool.len();
                    st.pool.retain(|s| s.reconnects < max);
                    if st.pool.len() != before {
                        st.cur = None;
                    }
                }
                // Try the next server after the current one first.
                let n = st.pool.len();
                let start = st.cur.map(|c| c + 1).unwrap_or(0);
                (0..n).map(|k| (start + k) % n.max(1)).collect()
            };
            if candidates.is_empty() {
                let e = Error::status(NATS_NO_SERVER);
                self.close_internal(Some(e), true);
                return;
            }
            for i in candidates {
                if self.closed.load(Ordering::Acquire) {
                    return;
                }
                // Wait before retrying a server we tried recently.
                let wait = {
                    let st = self.state.lock();
                    let Some(srv) = st.pool.get(i) else { continue };
                    let jitter = if srv.url.is_tls() || self.opts.secure {
                        self.opts.reconnect_jitter_tls_ms
                    } else {
                        self.opts.reconnect_jitter_ms
                    };
                    let base = match &self.opts.custom_reconnect_delay {
                        Some(_) => 0,
                        None => self.opts.reconnect_wait_ms.max(0),
                    };
                    let j = if jitter > 0 {
                        rand::random::<u64>() % (jitter as u64 + 1)
                    } else {
                        0
                    };
                    match srv.last_attempt {
                        Some(t) if self.opts.custom_reconnect_delay.is_none() => {
                            let want = Duration::from_millis(base as u64 + j);
                            want.saturating_sub(t.elapsed())
                        }
                        _ => Duration::ZERO,
                    }
                };
                let wait = if let Some(cb) = self.opts.custom_reconnect_delay.clone() {
                    attempts_total += 1;
                    let me = self.arc();
                    Duration::from_millis(cb(&me, attempts_total).max(0) as u64)
                } else {
                    wait
                };
                if !wait.is_zero() && self.sleep_unless_closed(wait) {
                    return;
                }
                {
                    let mut st = self.state.lock();
                    if let Some(s) = st.pool.get_mut(i) {
                        s.reconnects += 1;
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
                                self.same_auth_error_twice(&mut st, i, code)
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

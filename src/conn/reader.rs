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
        let io_max = self.opts.io_buf_size.max(4096) as usize;
        let mut io = io_max.min(4096);
        let err = 'outer: loop {
            loop {
                match parser.next_op() {
                    Ok(Some(op)) => {
                        if let Err(e) = self.process_op(op) {
                            break 'outer Some(e);
                        }
                    }
                    Ok(None) => break,
                    Err(e) => break 'outer Some(e),
                }
            }
            let buf = parser.read_buf(io);
            let room = buf.len();
            match t.read(buf) {
                Ok(0) => {
                    break Some(Error::new(
                        NATS_CONNECTION_DISCONNECTED,
                        "connection closed by the server",
                    ))
                }
                Ok(n) => {
                    if n == room && io < io_max {
                        io = (io * 2).min(io_max);
                    }
                    parser.commit(n)
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => break Some(Error::io(&e)),
            }
        };
        t.shutdown();
        self.on_disconnect(&t, err);
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
                    let msg = Msg::from_wire(m)?;
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
                if let Some(c) = st.cur {
                    if self.same_auth_error_twice(&mut st, c, code) {
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

    /// Records auth error `code` for server `i`; true when it is the same
    /// kind as the previous one there and `IgnoreAuthErrorAbort` is off.
    pub(super) fn same_auth_error_twice(&self, st: &mut State, i: usize, code: AuthErrCode) -> bool {
        let Some(srv) = st.pool.get_mut(i) else { return false };
        if srv.last_auth_err == Some(code) && !self.opts.ignore_auth_error_abort {
            return true;
        }
        srv.last_auth_err = Some(code);
        false
    }
}

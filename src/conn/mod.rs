//! The connection engine.
//!
//! Threads per connection: a *reader* (socket → parser → subscriptions,
//! and the reconnect loop) and a *flusher* (write buffer → socket, PINGs).
//! Each asynchronous subscription has its own delivery thread. Event
//! callbacks run on the library's event thread (`runtime`).
//!
//! Locks (never held across socket I/O, never held while calling user
//! code); when two are taken, in this order: `state` → `out` → `subs` →
//! a subscription's own lock. See docs/architecture.md.

pub mod request;
pub mod sub;
pub mod transport;

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::options::Options;
use crate::proto::{writer, ConnectInfo, Parser, ServerInfo, ServerOp};
use crate::status::natsConnStatus::{self, *};
use crate::status::natsStatus::{self, *};
use crate::url::ServerUrl;
use parking_lot::{Condvar, Mutex};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use sub::{MsgCallback, Subscription};
use transport::Transport;

/// Connection statistics (`natsStatistics`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub in_msgs: u64,
    pub in_bytes: u64,
    pub out_msgs: u64,
    pub out_bytes: u64,
    pub reconnects: u64,
}

#[derive(Default)]
struct AtomicStats {
    in_msgs: AtomicU64,
    in_bytes: AtomicU64,
    out_msgs: AtomicU64,
    out_bytes: AtomicU64,
    reconnects: AtomicU64,
}

/// A server of the pool.
#[derive(Clone)]
pub(crate) struct Srv {
    pub url: ServerUrl,
    pub did_connect: bool,
    pub reconnects: i32,
    pub last_attempt: Option<Instant>,
    pub implicit: bool,
    /// Last auth error seen on this server (for "same error twice").
    pub last_auth_err: Option<String>,
}

struct State {
    status: natsConnStatus,
    info: ServerInfo,
    pool: Vec<Srv>,
    cur: Option<usize>,
    transport: Option<Arc<Transport>>,
    pong_seq: u64,
    /// Bumped on every disconnect so that flushes waiting on the old
    /// socket fail instead of hanging.
    epoch: u64,
    last_err: Option<Error>,
    initial_connected: bool,
    flusher: Option<std::thread::JoinHandle<()>>,
    closed_cb_posted: bool,
    rtt_start: Option<Instant>,
    draining: bool,
    /// Why the client itself shut the socket down (stale connection,
    /// write deadline), so that the disconnect reports that rather than
    /// "connection closed by the server".
    shutdown_reason: Option<Error>,
}

struct Out {
    buf: Vec<u8>,
    /// The socket the flusher writes to (a copy of `State::transport`, so
    /// the flusher never needs the state lock).
    transport: Option<Arc<Transport>>,
    /// Connected at least once (publishes while reconnecting are buffered).
    was_connected: bool,
    ping_seq: u64,
    /// A socket is there to write to (false while reconnecting).
    connected: bool,
    closed: bool,
    flusher_waiting: bool,
    writing: bool,
    pings_out: i32,
    /// PINGs in `buf` not yet handed to the flusher's write.
    pings_in_buf: u64,
}

pub struct Connection {
    pub(crate) opts: Options,
    state: Mutex<State>,
    state_cv: Condvar,
    out: Mutex<Out>,
    out_cv: Condvar,
    space_cv: Condvar,
    subs: Mutex<HashMap<u64, Arc<Subscription>>>,
    stats: AtomicStats,
    next_sid: AtomicU64,
    max_payload: AtomicI64,
    headers: AtomicBool,
    closed: AtomicBool,
    pub(crate) resp: request::RespMux,
    me: Weak<Connection>,
    name: std::ffi::CString,
}

/// Above this many buffered bytes publishers wait for the flusher.
const HIGH_WATER: usize = 4 * 1024 * 1024;

fn status_err(s: natsStatus, text: impl Into<String>) -> Error {
    Error::new(s, text)
}

fn is_auth_error(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("authorization violation")
        || t.contains("user authentication expired")
        || t.contains("user authentication revoked")
        || t.contains("account authentication expired")
}

/// What a handshake leaves behind.
struct Established {
    transport: Arc<Transport>,
    parser: Parser,
    info: ServerInfo,
}

impl Connection {
    /// Builds the server pool from the options (`SetServers`, `SetURL`, or
    /// the default URL).
    fn build_pool(opts: &Options) -> Result<Vec<Srv>> {
        let mut urls: Vec<String> = Vec::new();
        urls.extend(opts.servers.iter().cloned());
        if let Some(u) = &opts.url {
            for p in crate::url::split_list(u) {
                if !urls.contains(&p) {
                    urls.insert(0, p);
                }
            }
        }
        if urls.is_empty() {
            urls.push(crate::options::DEFAULT_URL.to_string());
        }
        let mut pool = Vec::new();
        for u in urls {
            let url = ServerUrl::parse(&u)?;
            pool.push(Srv { url, did_connect: false, reconnects: 0, last_attempt: None, implicit: false, last_auth_err: None });
        }
        if !opts.no_randomize && pool.len() > 1 {
            use rand::seq::SliceRandom;
            // cnats keeps the URL set by SetURL first; shuffle the rest.
            let start = if opts.url.is_some() && !opts.servers.is_empty() { 1 } else { 0 };
            pool[start..].shuffle(&mut rand::thread_rng());
        }
        Ok(pool)
    }

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
    pub fn connect_ex(mut opts: Options) -> Result<(Arc<Connection>, bool)> {
        crate::runtime::open();
        let pool = Self::build_pool(&opts)?;
        if pool.iter().any(|s| s.url.is_tls()) {
            opts.secure = true;
        }
        let name = std::ffi::CString::new(opts.name.clone().unwrap_or_default().replace('\0', "")).unwrap_or_default();
        let conn = Arc::new_cyclic(|me| Connection {
            state: Mutex::new(State {
                status: NATS_CONN_STATUS_CONNECTING,
                info: ServerInfo::default(),
                pool,
                cur: None,
                transport: None,
                pong_seq: 0,
                epoch: 0,
                last_err: None,
                initial_connected: false,
                flusher: None,
                closed_cb_posted: false,
                rtt_start: None,
                draining: false,
                shutdown_reason: None,
            }),
            state_cv: Condvar::new(),
            out: Mutex::new(Out {
                buf: Vec::with_capacity(opts.io_buf_size.max(1024) as usize),
                transport: None,
                was_connected: false,
                ping_seq: 0,
                connected: false,
                closed: false,
                flusher_waiting: false,
                writing: false,
                pings_out: 0,
                pings_in_buf: 0,
            }),
            out_cv: Condvar::new(),
            space_cv: Condvar::new(),
            subs: Mutex::new(HashMap::new()),
            stats: AtomicStats::default(),
            next_sid: AtomicU64::new(1),
            max_payload: AtomicI64::new(1024 * 1024),
            headers: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            resp: request::RespMux::default(),
            me: me.clone(),
            name,
            opts,
        });
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

    fn arc(&self) -> Arc<Connection> {
        self.me.upgrade().expect("connection alive while in use")
    }

    /// Tries every server of the pool once.
    fn connect_initial(&self) -> Result<()> {
        let n = self.state.lock().pool.len();
        let mut last: Option<Error> = None;
        for i in 0..n {
            match self.connect_to(i) {
                Ok(est) => {
                    self.install(i, est, false)?;
                    return Ok(());
                }
                Err(e) => last = Some(e),
            }
        }
        let e = last.unwrap_or_else(|| Error::status(NATS_NO_SERVER));
        // cnats reports plain socket failures as NATS_NO_SERVER.
        let e = if matches!(e.status, NATS_IO_ERROR | NATS_TIMEOUT) { Error::new(NATS_NO_SERVER, e.text) } else { e };
        self.state.lock().last_err = Some(e.clone());
        Err(e)
    }

    /// Retry-on-failed-connect without a callback: cnats retries as a
    /// reconnect would (max reconnect × reconnect wait), synchronously.
    fn retry_initial(&self) -> Result<()> {
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

    fn start_background_connect(&self) {
        let me = self.arc();
        {
            let mut st = self.state.lock();
            st.status = NATS_CONN_STATUS_RECONNECTING;
        }
        let _ = self.spawn_guarded("nats-connect", move || {
            me.reconnect_loop(true);
        });
    }

    /// TCP (+TLS) connect, INFO, CONNECT/PING, PONG with server `i`.
    fn connect_to(&self, i: usize) -> Result<Established> {
        let (url, tls_name) = {
            let mut st = self.state.lock();
            let srv = &mut st.pool[i];
            srv.last_attempt = Some(Instant::now());
            (srv.url.clone(), srv.url.host.clone())
        };
        let o = &self.opts;
        let timeout = Duration::from_millis(if o.timeout_ms > 0 { o.timeout_ms as u64 } else { 2_000 });
        let deadline = Instant::now() + timeout;
        let tcp = transport::connect_tcp(&url.host, url.port, deadline, o.ip_resolution_order)?;
        let mut secure = o.secure || url.is_tls();
        let mut upgraded = false;
        let transport = if o.tls.handshake_first {
            upgraded = true;
            secure = true;
            Transport::Tls(crate::tls::connect(tcp, &o.tls, &tls_name, deadline)?)
        } else {
            Transport::Plain(tcp)
        };
        let mut transport = transport;
        let mut parser = Parser::new();
        transport.set_read_deadline(Some(deadline))?;
        let info = match Self::read_op(&transport, &mut parser, deadline)? {
            ServerOp::Info(i) => *i,
            _ => return Err(status_err(NATS_PROTOCOL_ERROR, "expected INFO from the server")),
        };
        if secure && !info.tls_required && !info.tls_available && !upgraded {
            return Err(Error::status(NATS_SECURE_CONNECTION_WANTED));
        }
        if info.tls_required && !secure {
            secure = true;
        }
        if secure && !upgraded {
            let Transport::Plain(tcp) = transport else { unreachable!() };
            let _ = tcp.set_read_timeout(None);
            transport = Transport::Tls(crate::tls::connect(tcp, &o.tls, &tls_name, deadline)?);
            transport.set_read_deadline(Some(deadline))?;
        }
        if o.no_echo && info.proto < 1 {
            return Err(Error::status(NATS_NO_SERVER_SUPPORT));
        }
        let auth = crate::auth::resolve(&o.auth, url.user.as_deref(), url.password.as_deref(), info.nonce.as_deref())?;
        let ci = ConnectInfo {
            verbose: o.verbose,
            pedantic: o.pedantic,
            nkey: auth.nkey,
            jwt: auth.jwt,
            sig: auth.sig,
            user: auth.user,
            pass: auth.pass,
            auth_token: auth.auth_token,
            tls_required: secure,
            name: o.name.clone().unwrap_or_default(),
            lang: "C".to_string(),
            version: crate::VERSION_STRING.to_string(),
            protocol: 1,
            echo: !o.no_echo,
            headers: true,
            no_responders: info.headers && !o.disable_no_responders,
        };
        // The CONNECT line carries the password/token: it is built in a
        // buffer that is never reallocated and is wiped after the write,
        // as are the secret fields of `ci`.
        let mut ci = ci;
        let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(ci.json_size_bound() + writer::PING.len()));
        writer::write_connect(&mut buf, &ci);
        ci.wipe_secrets();
        buf.extend_from_slice(writer::PING);
        transport.write_all(&buf).map_err(|e| Error::io(&e))?;
        drop(buf);
        let mut info = info;
        loop {
            match Self::read_op(&transport, &mut parser, deadline)? {
                ServerOp::Ok => {}
                ServerOp::Pong => break,
                ServerOp::Info(i) => {
                    // Keep what the first INFO said if the new one omits it.
                    let nonce = info.nonce.clone();
                    info = *i;
                    if info.nonce.is_none() {
                        info.nonce = nonce;
                    }
                }
                ServerOp::Err(t) => {
                    let s = if is_auth_error(&t) { NATS_CONNECTION_AUTH_FAILED } else { NATS_ERR };
                    return Err(Error::new(s, t));
                }
                ServerOp::Ping => {
                    transport.write_all(writer::PONG).map_err(|e| Error::io(&e))?;
                }
                ServerOp::Msg(_) => return Err(status_err(NATS_PROTOCOL_ERROR, "unexpected MSG during connect")),
            }
        }
        transport.set_read_deadline(None)?;
        if o.write_deadline_ms > 0 {
            transport.set_write_timeout(Some(Duration::from_millis(o.write_deadline_ms as u64)));
        }
        Ok(Established { transport: Arc::new(transport), parser, info })
    }

    /// Reads until one whole operation is parsed.
    fn read_op(t: &Transport, parser: &mut Parser, deadline: Instant) -> Result<ServerOp> {
        loop {
            if let Some(op) = parser.next_op()? {
                return Ok(op);
            }
            if Instant::now() >= deadline {
                return Err(Error::new(NATS_TIMEOUT, "timeout waiting for the server"));
            }
            let buf = parser.read_buf(4096);
            match t.read_deadline(buf, deadline) {
                Ok(0) => return Err(Error::new(NATS_IO_ERROR, "connection closed by the server")),
                Ok(n) => parser.commit(n),
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                    return Err(Error::new(NATS_TIMEOUT, "timeout waiting for the server"))
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(&e)),
            }
        }
    }

    /// Makes `est` the live socket: starts (or resumes) the threads.
    fn install(&self, i: usize, est: Established, reconnect: bool) -> Result<()> {
        let Established { transport, parser, info } = est;
        self.max_payload.store(if info.max_payload > 0 { info.max_payload } else { 1024 * 1024 }, Ordering::Release);
        self.headers.store(info.headers, Ordering::Release);
        let mut parser = parser;
        parser.set_max_payload(self.max_payload.load(Ordering::Acquire).max(0) as usize + 64 * 1024);
        let discovered = {
            let mut st = self.state.lock();
            st.pool[i].did_connect = true;
            st.pool[i].reconnects = 0;
            st.cur = Some(i);
            st.transport = Some(transport.clone());
            let d = self.merge_connect_urls(&mut st, &info);
            st.info = info;
            st.status = NATS_CONN_STATUS_CONNECTED;
            st.initial_connected = true;
            st.shutdown_reason = None;
            // PINGs written to the old socket will never be answered; only
            // those still in the buffer go out (and get a PONG) on this one.
            // Without this, every later flush would wait for PONGs that
            // cannot come and time out.
            let out = self.out.lock();
            st.pong_seq = out.ping_seq.saturating_sub(out.pings_in_buf);
            drop(out);
            d
        };
        let _ = discovered;
        if reconnect {
            // Re-send subscriptions before anything buffered while away.
            let mut proto = Vec::new();
            for s in self.subs.lock().values() {
                let st = s.state.lock();
                if st.closed || st.draining {
                    continue;
                }
                writer::write_sub(&mut proto, s.subject.as_bytes(), s.queue.as_ref().map(|q| q.as_bytes()), s.sid);
                if st.max > 0 {
                    let left = st.max.saturating_sub(st.delivered);
                    writer::write_unsub(&mut proto, s.sid, Some(left));
                }
            }
            if !proto.is_empty() {
                let mut out = self.out.lock();
                let pending = std::mem::take(&mut out.buf);
                out.buf = proto;
                out.buf.extend_from_slice(&pending);
            }
        }
        {
            let mut out = self.out.lock();
            out.transport = Some(transport.clone());
            out.was_connected = true;
            out.connected = true;
            out.pings_out = 0;
        }
        self.out_cv.notify_all();
        self.state_cv.notify_all();
        let me = self.arc();
        let t = transport.clone();
        crate::runtime::spawn("nats-reader", move || me.read_loop(t, parser))
            .map_err(|e| Error::new(NATS_SYS_ERROR, format!("cannot start reader thread: {e}")))?;
        let need_flusher = self.state.lock().flusher.is_none();
        if need_flusher {
            let me = self.arc();
            let h = crate::runtime::spawn("nats-flusher", move || me.flush_loop())
                .map_err(|e| Error::new(NATS_SYS_ERROR, format!("cannot start flusher thread: {e}")))?;
            self.state.lock().flusher = Some(h);
        }
        Ok(())
    }

    /// Adds INFO `connect_urls` to the pool; true when something was added.
    fn merge_connect_urls(&self, st: &mut State, info: &ServerInfo) -> bool {
        if self.opts.ignore_discovered_servers {
            return false;
        }
        let mut added = false;
        for u in &info.connect_urls {
            let full = if u.contains("://") { u.clone() } else { format!("nats://{u}") };
            let Ok(mut url) = ServerUrl::parse(&full) else { continue };
            if st.pool.iter().any(|s| s.url.host == url.host && s.url.port == url.port) {
                continue;
            }
            if let Some(cur) = st.cur.map(|c| st.pool[c].url.clone()) {
                if cur.is_tls() {
                    url.scheme = "tls".to_string();
                }
            }
            st.pool.push(Srv { url, did_connect: false, reconnects: 0, last_attempt: None, implicit: true, last_auth_err: None });
            added = true;
        }
        added
    }

    // ---------- reader ----------

    /// The reader thread. A panic inside it (a bug) must not leave a
    /// connection without a reader: it closes the connection with the
    /// panic's text as its last error.
    fn read_loop(self: Arc<Self>, t: Arc<Transport>, parser: Parser) {
        let me = self.clone();
        let t2 = t.clone();
        if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || me.read_loop_inner(t2, parser))) {
            t.shutdown();
            self.close_after_panic("reader", &*p);
        }
    }

    /// Closes the connection after a panic in one of its threads: the
    /// socket is shut down, the last error is `NATS_ERR` with the panic's
    /// text, the error and closed callbacks are posted.
    pub(crate) fn close_after_panic(&self, thread: &str, p: &(dyn std::any::Any + Send)) {
        let e = Error::new(NATS_ERR, format!("{} in the {thread} thread", crate::ffi::panic_text(p)));
        if let Some(t) = self.state.lock().transport.clone() {
            t.shutdown();
        }
        self.set_last_error(e.clone());
        self.post_error(None, NATS_ERR);
        self.close_internal(Some(e), true);
    }

    /// Starts a counted library thread working for this connection; a
    /// panic inside it closes the connection with an error.
    fn spawn_guarded(&self, name: &'static str, f: impl FnOnce() + Send + 'static) -> std::io::Result<std::thread::JoinHandle<()>> {
        let weak = self.me.clone();
        crate::runtime::spawn(name, move || {
            if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
                if let Some(c) = weak.upgrade() {
                    c.close_after_panic(name, &*p);
                }
            }
        })
    }

    fn read_loop_inner(self: Arc<Self>, t: Arc<Transport>, mut parser: Parser) {
        let io = self.opts.io_buf_size.max(4096) as usize;
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
            match t.read(buf) {
                Ok(0) => break Some(Error::new(NATS_CONNECTION_DISCONNECTED, "connection closed by the server")),
                Ok(n) => parser.commit(n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => break Some(Error::io(&e)),
            }
        };
        t.shutdown();
        self.on_disconnect(&t, err);
    }

    fn process_op(&self, op: ServerOp) -> Result<()> {
        #[cfg(feature = "test-hooks")]
        crate::testhooks::hit(crate::testhooks::READER);
        match op {
            ServerOp::Msg(m) => {
                let size = m.payload.len() as u64;
                self.stats.in_msgs.fetch_add(1, Ordering::Relaxed);
                self.stats.in_bytes.fetch_add(size, Ordering::Relaxed);
                let sid = m.sid;
                if self.resp.is_mux_sid(sid) {
                    let msg = Msg::from_wire(m)?;
                    self.resp.deliver(Box::new(msg));
                    return Ok(());
                }
                let sub = self.subs.lock().get(&sid).cloned();
                if let Some(sub) = sub {
                    let msg = Box::new(Msg::from_wire(m)?);
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

    fn process_async_info(&self, info: ServerInfo) {
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
                crate::runtime::post(Box::new(move || cb(&me)));
            }
        }
        if ldm {
            if let Some(cb) = self.opts.lame_duck_cb.clone() {
                let me = self.arc();
                crate::runtime::post(Box::new(move || cb(&me)));
            }
        }
    }

    fn process_err(&self, text: String) -> Result<()> {
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("permissions violation") {
            self.set_last_error(Error::new(NATS_NOT_PERMITTED, text));
            self.post_error(None, NATS_NOT_PERMITTED);
            return Ok(());
        }
        if lower.contains("stale connection") {
            return Err(Error::new(NATS_STALE_CONNECTION, text));
        }
        if is_auth_error(&text) {
            let e = Error::new(NATS_CONNECTION_AUTH_FAILED, text);
            self.set_last_error(e.clone());
            self.post_error(None, NATS_CONNECTION_AUTH_FAILED);
            return Err(e);
        }
        let e = Error::new(NATS_ERR, text);
        self.set_last_error(e.clone());
        if self.opts.reconnect_on_protocol_error {
            return Err(e);
        }
        // Any other server error closes the connection. Closed here, on
        // the reader, so that the reader's disconnect handling sees the
        // connection closed (no reconnect attempt, the server's text stays
        // the last error) and no uncounted thread is left behind.
        self.close_internal(Some(e.clone()), true);
        Err(e)
    }

    fn set_last_error(&self, e: Error) {
        self.state.lock().last_err = Some(e);
    }

    pub(crate) fn post_error(&self, sub: Option<Arc<Subscription>>, s: natsStatus) {
        if let Some(cb) = self.opts.err_cb.clone() {
            let me = self.arc();
            crate::runtime::post(Box::new(move || cb(&me, sub.as_ref(), s)));
        }
    }

    // ---------- disconnect / reconnect ----------

    fn on_disconnect(&self, t: &Arc<Transport>, err: Option<Error>) {
        let (reconnect, err) = {
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
            let reason = st.shutdown_reason.take();
            let err = match (reason, err) {
                (Some(r), None) => Some(r),
                (Some(r), Some(e)) if matches!(e.status, NATS_CONNECTION_DISCONNECTED | NATS_IO_ERROR) => Some(r),
                (_, e) => e,
            };
            if let Some(e) = &err {
                if e.status != NATS_CONNECTION_DISCONNECTED && e.status != NATS_IO_ERROR {
                    st.last_err = Some(e.clone());
                }
            }
            let auth_twice = match (&err, st.cur) {
                (Some(e), Some(c)) if e.status == NATS_CONNECTION_AUTH_FAILED => {
                    let prev = st.pool[c].last_auth_err.replace(e.text.clone());
                    prev.as_deref() == Some(e.text.as_str()) && !self.opts.ignore_auth_error_abort
                }
                _ => false,
            };
            let ok = self.opts.allow_reconnect && !auth_twice && !st.draining;
            if ok {
                st.status = NATS_CONN_STATUS_RECONNECTING;
            }
            (ok, err)
        };
        {
            let mut out = self.out.lock();
            out.connected = false;
            out.transport = None;
        }
        self.state_cv.notify_all();
        self.space_cv.notify_all();
        if self.opts.fail_requests_on_disconnect {
            self.resp.fail_all(NATS_CONNECTION_DISCONNECTED);
        }
        if !reconnect {
            self.close_internal(err, true);
            return;
        }
        if let Some(cb) = self.opts.disconnected_cb.clone() {
            let me = self.arc();
            crate::runtime::post(Box::new(move || cb(&me)));
        }
        self.reconnect_loop(false);
    }

    /// Tries servers until one answers, the attempts run out, or the
    /// connection is closed. Runs on the reader thread (or, for a
    /// background initial connect, on its own thread).
    fn reconnect_loop(&self, initial: bool) {
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
                    let j = if jitter > 0 { rand::random::<u64>() % (jitter as u64 + 1) } else { 0 };
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
                match self.connect_to(i) {
                    Ok(est) => {
                        if self.closed.load(Ordering::Acquire) {
                            est.transport.shutdown();
                            return;
                        }
                        if !initial {
                            self.stats.reconnects.fetch_add(1, Ordering::Relaxed);
                        }
                        if self.install(i, est, true).is_err() {
                            continue;
                        }
                        let cb = if initial { self.opts.connected_cb.clone() } else { self.opts.reconnected_cb.clone() };
                        if let Some(cb) = cb {
                            let me = self.arc();
                            crate::runtime::post(Box::new(move || cb(&me)));
                        }
                        return;
                    }
                    Err(e) => {
                        if e.status == NATS_CONNECTION_AUTH_FAILED {
                            let twice = {
                                let mut st = self.state.lock();
                                st.last_err = Some(e.clone());
                                match st.pool.get_mut(i) {
                                    Some(s) => {
                                        let prev = s.last_auth_err.replace(e.text.clone());
                                        prev.as_deref() == Some(e.text.as_str())
                                    }
                                    None => false,
                                }
                            };
                            self.post_error(None, NATS_CONNECTION_AUTH_FAILED);
                            if twice && !self.opts.ignore_auth_error_abort {
                                let mut st = self.state.lock();
                                if i < st.pool.len() {
                                    st.pool.remove(i);
                                    st.cur = None;
                                }
                                drop(st);
                                break;
                            }
                        }
                    }
                }
            }
        }
    }

    /// Sleeps `d` unless the connection closes first (returns true then).
    fn sleep_unless_closed(&self, d: Duration) -> bool {
        let deadline = Instant::now() + d;
        let mut st = self.state.lock();
        while !self.closed.load(Ordering::Acquire) {
            if self.state_cv.wait_until(&mut st, deadline).timed_out() {
                return self.closed.load(Ordering::Acquire);
            }
        }
        true
    }

    // ---------- writing ----------

    /// Appends a protocol line (PONG, SUB, UNSUB…). While disconnected
    /// it is dropped unless it is needed after reconnect (SUB/UNSUB are
    /// re-sent from the subscription map).
    fn write_proto(&self, data: &[u8]) {
        let mut out = self.out.lock();
        if out.closed || !out.connected {
            return;
        }
        out.buf.extend_from_slice(data);
        self.kick(&mut out);
    }

    #[inline]
    fn kick(&self, out: &mut Out) {
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
            return Err(Error::new(NATS_NO_SERVER_SUPPORT, "the server does not support headers"));
        }
        let total = hlen + data.len();
        let maxp = self.max_payload.load(Ordering::Acquire);
        if maxp > 0 && total as i64 > maxp {
            return Err(Error::new(NATS_MAX_PAYLOAD, format!("payload {total} greater than maximum allowed: {maxp}")));
        }
        let mut out = self.out.lock();
        loop {
            if out.closed {
                return Err(Error::status(NATS_CONNECTION_CLOSED));
            }
            if !out.connected {
                // Reconnecting: buffer within the reconnect buffer size.
                let limit = self.opts.reconnect_buf_size;
                if limit > 0 && out.buf.len() >= limit as usize {
                    return Err(Error::new(NATS_INSUFFICIENT_BUFFER, "reconnect buffer is full"));
                }
                if limit <= 0 && out.was_connected {
                    return Err(Error::new(NATS_INSUFFICIENT_BUFFER, "reconnect buffering is disabled"));
                }
                break;
            }
            if out.buf.len() < HIGH_WATER {
                break;
            }
            // Back-pressure: wait for the flusher to drain.
            let wd = self.opts.write_deadline_ms;
            if wd > 0 {
                if self.space_cv.wait_for(&mut out, Duration::from_millis(wd as u64)).timed_out() && out.buf.len() >= HIGH_WATER {
                    return Err(Error::new(NATS_TIMEOUT, "timeout waiting to write (write deadline)"));
                }
            } else {
                self.space_cv.wait(&mut out);
            }
        }
        writer::write_pub(&mut out.buf, subject, reply, headers, data);
        self.kick(&mut out);
        drop(out);
        self.stats.out_msgs.fetch_add(1, Ordering::Relaxed);
        self.stats.out_bytes.fetch_add(total as u64, Ordering::Relaxed);
        Ok(())
    }

    pub fn publish_msg(&self, m: &Msg) -> Result<()> {
        let h = m.encoded_headers();
        self.publish(m.subject(), m.reply(), h.as_deref(), m.data())
    }

    /// The flusher thread; a panic inside it closes the connection (see
    /// [`Connection::read_loop`]).
    fn flush_loop(self: Arc<Self>) {
        let me = self.clone();
        if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || me.flush_loop_inner())) {
            {
                let mut out = self.out.lock();
                out.writing = false;
            }
            self.close_after_panic("flusher", &*p);
        }
    }

    fn flush_loop_inner(self: Arc<Self>) {
        let mut spare: Vec<u8> = Vec::with_capacity(self.opts.io_buf_size.max(1024) as usize);
        let ping_every = if self.opts.ping_interval_ms > 0 { Some(Duration::from_millis(self.opts.ping_interval_ms as u64)) } else { None };
        let mut next_ping = ping_every.map(|p| Instant::now() + p);
        loop {
            let transport;
            {
                let mut out = self.out.lock();
                loop {
                    if out.closed && (out.buf.is_empty() || !out.connected) {
                        out.writing = false;
                        self.space_cv.notify_all();
                        return;
                    }
                    if out.connected && !out.buf.is_empty() {
                        break;
                    }
                    if let (Some(np), true) = (next_ping, out.connected) {
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
                        let e = Error::new(NATS_TIMEOUT, "write deadline exceeded");
                        let mut st = self.state.lock();
                        st.last_err = Some(e.clone());
                        st.shutdown_reason = Some(e);
                    }
                    // The reader sees the dead socket and handles it.
                    t.shutdown();
                }
            }
            spare.clear();
            if spare.capacity() > 8 * 1024 * 1024 {
                spare = Vec::with_capacity(self.opts.io_buf_size.max(1024) as usize);
            }
            let mut out = self.out.lock();
            out.writing = false;
            drop(out);
            self.space_cv.notify_all();
        }
    }

    fn stale(&self) {
        let t = {
            let mut st = self.state.lock();
            st.last_err = Some(Error::status(NATS_STALE_CONNECTION));
            st.shutdown_reason = Some(Error::status(NATS_STALE_CONNECTION));
            st.transport.clone()
        };
        if let Some(t) = t {
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
        st.rtt_start = Some(Instant::now());
        loop {
            if st.pong_seq >= id {
                return Ok(());
            }
            if st.status == NATS_CONN_STATUS_CLOSED {
                return Err(Error::status(NATS_CONNECTION_CLOSED));
            }
            if st.epoch != epoch {
                return Err(Error::status(NATS_CONNECTION_DISCONNECTED));
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

    // ---------- subscriptions ----------

    pub fn subscribe(
        &self,
        subject: &[u8],
        queue: Option<&[u8]>,
        cb: Option<MsgCallback>,
        timeout_ms: i64,
    ) -> Result<Arc<Subscription>> {
        crate::subject::check_subscribe(subject)?;
        if let Some(q) = queue {
            crate::subject::check_queue(q)?;
        }
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::status(NATS_CONNECTION_CLOSED));
        }
        if self.state.lock().draining {
            return Err(Error::status(NATS_DRAINING));
        }
        let sid = self.next_sid.fetch_add(1, Ordering::Relaxed);
        let me = self.arc();
        let is_async = cb.is_some();
        let sub = Arc::new(Subscription::new(sid, subject, queue, &me, cb, timeout_ms)?);
        self.subs.lock().insert(sid, sub.clone());
        if is_async {
            let s = sub.clone();
            let deliver = move || {
                #[cfg(feature = "test-hooks")]
                crate::testhooks::hit(crate::testhooks::DELIVERY);
                s.run_delivery()
            };
            if let Err(e) = self.spawn_guarded("nats-sub", deliver) {
                self.subs.lock().remove(&sid);
                return Err(Error::new(NATS_SYS_ERROR, format!("cannot start delivery thread: {e}")));
            }
        }
        let mut proto = Vec::with_capacity(64);
        writer::write_sub(&mut proto, subject, queue, sid);
        self.write_proto(&proto);
        Ok(sub)
    }

    pub(crate) fn remove_sub(&self, sid: u64) -> Option<Arc<Subscription>> {
        self.subs.lock().remove(&sid)
    }

    /// `natsSubscription_Unsubscribe` / `AutoUnsubscribe`.
    pub fn unsubscribe(&self, sub: &Arc<Subscription>, max: u64) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::status(NATS_CONNECTION_CLOSED));
        }
        {
            let st = sub.check_valid()?;
            if st.draining && max == 0 {
                return Err(Error::new(NATS_DRAINING, "subscription is draining"));
            }
        }
        if max > 0 {
            let delivered = sub.state.lock().delivered;
            sub.set_max(max);
            if delivered >= max {
                self.remove_sub(sub.sid);
                sub.close(false);
            }
        } else {
            self.remove_sub(sub.sid);
            sub.close(false);
        }
        let mut proto = Vec::with_capacity(32);
        writer::write_unsub(&mut proto, sub.sid, if max > 0 { Some(max) } else { None });
        self.write_proto(&proto);
        Ok(())
    }

    /// `natsSubscription_Drain`: UNSUB, flush, deliver what is queued,
    /// then close; runs on a library thread.
    pub fn drain_sub(&self, sub: &Arc<Subscription>, timeout_ms: i64) -> Result<()> {
        {
            let mut st = sub.check_valid()?;
            if st.draining {
                return Ok(());
            }
            st.draining = true;
        }
        let mut proto = Vec::with_capacity(32);
        writer::write_unsub(&mut proto, sub.sid, None);
        self.write_proto(&proto);
        let me = self.arc();
        let s = sub.clone();
        let _ = self.spawn_guarded("nats-drain", move || {
            let t = if timeout_ms > 0 { timeout_ms } else { crate::options::DEFAULT_DRAIN_TIMEOUT_MS };
            let status = match me.flush_timeout(t) {
                Ok(()) => NATS_OK,
                Err(e) => e.status,
            };
            s.mark_drain_flushed(status);
            if timeout_ms > 0 {
                let _ = s.wait_drain(timeout_ms);
                if s.is_valid() {
                    {
                        let mut st = s.state.lock();
                        if st.drain_status == NATS_OK {
                            st.drain_status = NATS_TIMEOUT;
                        }
                    }
                    me.remove_sub(s.sid);
                    s.close(false);
                }
            }
        });
        Ok(())
    }

    /// `natsConnection_Drain`: drain every subscription, then flush
    /// publishes and close.
    pub fn drain(&self, timeout_ms: i64) -> Result<()> {
        {
            let mut st = self.state.lock();
            if st.status == NATS_CONN_STATUS_CLOSED {
                return Err(Error::status(NATS_CONNECTION_CLOSED));
            }
            if st.draining {
                return Err(Error::status(NATS_DRAINING));
            }
            if st.status == NATS_CONN_STATUS_RECONNECTING {
                return Err(Error::new(NATS_ILLEGAL_STATE, "cannot drain while reconnecting"));
            }
            st.draining = true;
            st.status = NATS_CONN_STATUS_DRAINING_SUBS;
        }
        let subs: Vec<Arc<Subscription>> = self.subs.lock().values().cloned().collect();
        let t = if timeout_ms > 0 { timeout_ms } else { crate::options::DEFAULT_DRAIN_TIMEOUT_MS };
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
            let err = if Instant::now() >= deadline { Some(Error::new(NATS_TIMEOUT, "drain timeout")) } else { r.err() };
            if let Some(e) = &err {
                me.set_last_error(e.clone());
                me.post_error(None, e.status);
            }
            me.close_internal(None, true);
        });
        Ok(())
    }

    // ---------- close ----------

    /// `natsConnection_Close`.
    pub fn close(&self) {
        self.close_internal(None, true);
    }

    fn close_internal(&self, err: Option<Error>, post_cb: bool) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        let (flusher, transport, had_conn) = {
            let mut st = self.state.lock();
            if let Some(e) = err {
                st.last_err = Some(e);
            }
            let had = st.initial_connected;
            (st.flusher.take(), st.transport.clone(), had)
        };
        // Let the flusher write out what is buffered, then stop it.
        let out_transport = {
            let mut out = self.out.lock();
            out.closed = true;
            out.flusher_waiting = false;
            out.transport.clone()
        };
        self.out_cv.notify_all();
        self.space_cv.notify_all();
        if let Some(h) = flusher {
            if h.thread().id() != std::thread::current().id() {
                // A server that stops reading leaves the flusher blocked in
                // a write: give it the connect timeout to finish, then shut
                // the socket down so that the write fails and it ends.
                let wait = Duration::from_millis(if self.opts.timeout_ms > 0 { self.opts.timeout_ms as u64 } else { 2_000 });
                let deadline = Instant::now() + wait;
                while !h.is_finished() && Instant::now() < deadline {
                    let mut out = self.out.lock();
                    self.space_cv.wait_for(&mut out, Duration::from_millis(10));
                }
                if !h.is_finished() {
                    if let Some(t) = out_transport.as_ref().or(transport.as_ref()) {
                        t.shutdown();
                    }
                }
                let _ = h.join();
            }
        }
        if let Some(t) = transport {
            t.shutdown();
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
            if let Some(cb) = self.opts.closed_cb.clone() {
                if let Some(me) = self.me.upgrade() {
                    crate::runtime::post(Box::new(move || cb(&me)));
                }
            }
        }
    }

    /// `natsConnection_Reconnect`: drops the socket to force a reconnect.
    pub fn force_reconnect(&self) -> Result<()> {
        let st = self.state.lock();
        if st.status == NATS_CONN_STATUS_CLOSED {
            return Err(Error::status(NATS_CONNECTION_CLOSED));
        }
        if !self.opts.allow_reconnect {
            return Err(Error::new(NATS_ILLEGAL_STATE, "reconnect is not allowed"));
        }
        if let Some(t) = &st.transport {
            t.shutdown();
        }
        Ok(())
    }

    // ---------- getters ----------

    pub fn status(&self) -> natsConnStatus {
        self.state.lock().status
    }
    pub fn is_closed(&self) -> bool {
        self.state.lock().status == NATS_CONN_STATUS_CLOSED
    }
    pub fn is_reconnecting(&self) -> bool {
        self.state.lock().status == NATS_CONN_STATUS_RECONNECTING
    }
    pub fn is_draining(&self) -> bool {
        matches!(self.state.lock().status, NATS_CONN_STATUS_DRAINING_SUBS | NATS_CONN_STATUS_DRAINING_PUBS)
    }
    pub fn buffered(&self) -> usize {
        self.out.lock().buf.len()
    }
    pub fn max_payload(&self) -> i64 {
        self.max_payload.load(Ordering::Acquire)
    }
    pub fn has_headers(&self) -> bool {
        self.headers.load(Ordering::Acquire)
    }
    pub fn stats(&self) -> Stats {
        Stats {
            in_msgs: self.stats.in_msgs.load(Ordering::Relaxed),
            in_bytes: self.stats.in_bytes.load(Ordering::Relaxed),
            out_msgs: self.stats.out_msgs.load(Ordering::Relaxed),
            out_bytes: self.stats.out_bytes.load(Ordering::Relaxed),
            reconnects: self.stats.reconnects.load(Ordering::Relaxed),
        }
    }
    /// The URL of the server we are connected to (None when not connected).
    pub fn connected_url(&self) -> Option<String> {
        let st = self.state.lock();
        if st.status != NATS_CONN_STATUS_CONNECTED && !matches!(st.status, NATS_CONN_STATUS_DRAINING_SUBS | NATS_CONN_STATUS_DRAINING_PUBS) {
            return None;
        }
        st.cur.and_then(|c| st.pool.get(c)).map(|s| s.url.full.clone())
    }
    pub fn connected_server_id(&self) -> Option<String> {
        let st = self.state.lock();
        if st.status != NATS_CONN_STATUS_CONNECTED && !matches!(st.status, NATS_CONN_STATUS_DRAINING_SUBS | NATS_CONN_STATUS_DRAINING_PUBS) {
            return None;
        }
        Some(st.info.server_id.clone())
    }
    pub fn servers(&self, discovered_only: bool) -> Vec<String> {
        let st = self.state.lock();
        st.pool.iter().filter(|s| !discovered_only || s.implicit).map(|s| format!("{}://{}:{}", s.url.scheme, bracket(&s.url.host), s.url.port)).collect()
    }
    pub fn client_id(&self) -> u64 {
        self.state.lock().info.client_id
    }
    pub fn client_ip(&self) -> String {
        self.state.lock().info.client_ip.clone()
    }
    pub fn local_addr(&self) -> Option<std::net::SocketAddr> {
        self.state.lock().transport.as_ref().and_then(|t| t.local_addr())
    }
    pub fn last_error(&self) -> Option<Error> {
        self.state.lock().last_err.clone()
    }
    pub fn name_cstr(&self) -> &std::ffi::CStr {
        &self.name
    }
    pub fn server_info(&self) -> ServerInfo {
        self.state.lock().info.clone()
    }
    pub(crate) fn new_inbox(&self) -> String {
        format!("{}{}", self.opts.inbox_prefix(), crate::nuid::next())
    }
}

fn bracket(h: &str) -> String {
    if h.contains(':') {
        format!("[{h}]")
    } else {
        h.to_string()
    }
}

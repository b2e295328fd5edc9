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
    /// TLS name to verify for a discovered server announced by IP (the
    /// host name of the server that announced it).
    pub tls_name: Option<String>,
    /// Kind of the last auth error seen on this server (for "same error
    /// twice"; see [`auth_err_code`]); cleared when a connect succeeds.
    pub last_auth_err: Option<AuthErrCode>,
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
    /// User info of the first explicit pool URL that has one (used for
    /// servers without their own, e.g. discovered ones).
    pool_user: Option<String>,
    pool_pass: Option<String>,
    /// cnats' `ar`: the same auth error twice on one server; the
    /// disconnect that follows closes instead of reconnecting.
    auth_abort: bool,
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
    /// Someone (the flusher or a publisher writing directly) is writing a
    /// taken-out buffer to the socket; nobody else may write meanwhile.
    writing: bool,
    /// The buffer a publisher swaps in when it writes directly (send-asap
    /// or a lone write), kept to avoid an allocation per direct write.
    direct_spare: Vec<u8>,
    pings_out: i32,
    /// PINGs in `buf` (not yet handed to the socket). On a disconnect the
    /// ones already handed over are lost; these are sent after reconnect.
    pings_in_buf: u64,
    /// The flusher has returned.
    flusher_done: bool,
}

pub struct Connection {
    pub(crate) opts: Options,
    state: Mutex<State>,
    state_cv: Condvar,
    out: Mutex<Out>,
    out_cv: Condvar,
    space_cv: Condvar,
    subs: Mutex<HashMap<u64, Arc<Subscription>, SidHash>>,
    stats: AtomicStats,
    next_sid: AtomicU64,
    max_payload: AtomicI64,
    headers: AtomicBool,
    closed: AtomicBool,
    /// A server error that closes rather than reconnects was received.
    close_on_disconnect: AtomicBool,
    pub(crate) resp: request::RespMux,
    me: Weak<Connection>,
    name: std::ffi::CString,
}

/// Hashing for the sid -> subscription map, looked up once per received
/// message: sids are small local counters (no untrusted keys), so a single
/// multiply replaces SipHash.
#[derive(Default, Clone, Copy)]
struct SidHasher(u64);

impl std::hash::Hasher for SidHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type SidHash = std::hash::BuildHasherDefault<SidHasher>;

/// Above this many buffered bytes publishers wait for the flusher.
const HIGH_WATER: usize = 4 * 1024 * 1024;

fn status_err(s: natsStatus, text: impl Into<String>) -> Error {
    Error::new(s, text)
}

/// The two server errors cnats treats as authentication errors; "the same
/// error twice" compares these kinds, not the texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthErrCode {
    Expired,
    Violation,
}

/// Classifies a server `-ERR` text as cnats does (case-insensitive
/// substring): "Authorization Violation" or "User Authentication Expired".
pub(crate) fn auth_err_code(text: &str) -> Option<AuthErrCode> {
    let t = text.to_ascii_lowercase();
    if t.contains("authorization violation") {
        Some(AuthErrCode::Violation)
    } else if t.contains("user authentication expired") {
        Some(AuthErrCode::Expired)
    } else {
        None
    }
}

fn is_auth_error(text: &str) -> bool {
    auth_err_code(text).is_some()
}

thread_local! {
    /// The text of the asynchronous error whose handler is running on this
    /// (event) thread; see [`async_error_text`].
    static ASYNC_ERR_TEXT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// While an error handler runs: the text that goes with its status (the
/// server's `-ERR` text for permission and auth errors), so that the C
/// layer can make it the thread's last error, as cnats does.
pub fn async_error_text() -> Option<String> {
    ASYNC_ERR_TEXT.with(|t| t.borrow().clone())
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
            pool.push(Srv {
                url,
                did_connect: false,
                reconnects: 0,
                last_attempt: None,
                implicit: false,
                tls_name: None,
                last_auth_err: None,
            });
        }
        if !opts.no_randomize && pool.len() > 1 {
            use rand::seq::SliceRandom;
            // cnats keeps the URL set by SetURL first; shuffle the rest.
            let start = if opts.url.is_some() && !opts.servers.is_empty() {
                1
            } else {
                0
            };
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
        let (pool_user, pool_pass) = pool
            .iter()
            .find(|s| s.url.user.is_some())
            .map(|s| (s.url.user.clone(), s.url.password.clone().filter(|p| !p.is_empty())))
            .unwrap_or((None, None));
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
                pool_user,
                pool_pass,
                auth_abort: false,
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
                direct_spare: Vec::new(),
                pings_out: 0,
                pings_in_buf: 0,
                flusher_done: false,
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
    /// `tcp_ok` (when given) is set once the TCP connection is made (cnats
    /// counts a reconnect from there).
    fn connect_to(&self, i: usize, tcp_ok: Option<&mut bool>) -> Result<Established> {
        let (url, tls_name, pool_user, pool_pass) = {
            let mut st = self.state.lock();
            let (pu, pp) = (st.pool_user.clone(), st.pool_pass.clone());
            let srv = &mut st.pool[i];
            srv.last_attempt = Some(Instant::now());
            (
                srv.url.clone(),
                srv.tls_name.clone().unwrap_or_else(|| srv.url.host.clone()),
                pu,
                pp,
            )
        };
        let o = &self.opts;
        let timeout = Duration::from_millis(if o.timeout_ms > 0 { o.timeout_ms as u64 } else { 2_000 });
        let deadline = Instant::now() + timeout;
        let tcp = transport::connect_tcp(&url.host, url.port, deadline, o.ip_resolution_order)?;
        if let Some(f) = tcp_ok {
            *f = true;
        }
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
            let Transport::Plain(tcp) = transport else {
                unreachable!()
            };
            let _ = tcp.set_read_timeout(None);
            transport = Transport::Tls(crate::tls::connect(tcp, &o.tls, &tls_name, deadline)?);
            transport.set_read_deadline(Some(deadline))?;
        }
        if o.no_echo && info.proto < 1 {
            return Err(Error::status(NATS_NO_SERVER_SUPPORT));
        }
        let auth = crate::auth::resolve_with_pool(
            &o.auth,
            url.user.as_deref(),
            url.password.as_deref(),
            pool_user.as_deref(),
            pool_pass.as_deref(),
            info.nonce.as_deref(),
        )?;
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
        let mut buf = Vec::with_capacity(256);
        writer::write_connect(&mut buf, &ci);
        buf.extend_from_slice(writer::PING);
        transport.write_all(&buf).map_err(|e| Error::io(&e))?;
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
                    let s = if is_auth_error(&t) {
                        NATS_CONNECTION_AUTH_FAILED
                    } else {
                        NATS_ERR
                    };
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
        Ok(Established {
            transport: Arc::new(transport),
            parser,
            info,
        })
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
                // A TLS alert or bad record after the handshake (e.g. the
                // server rejecting the client certificate, which TLS 1.3
                // reports only after the client finished): a TLS failure.
                Err(e) if matches!(t, Transport::Tls(_)) && e.kind() == std::io::ErrorKind::InvalidData => {
                    return Err(Error::new(NATS_SSL_ERROR, e.to_string()))
                }
                Err(e) => return Err(Error::io(&e)),
            }
        }
    }

    /// Makes `est` the live socket: starts (or resumes) the threads.
    fn install(&self, i: usize, est: Established, reconnect: bool) -> Result<()> {
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
        parser.set_max_payload(self.max_payload.load(Ordering::Acquire).max(0) as usize + 64 * 1024);
        let discovered = {
            let mut st = self.state.lock();
            st.pool[i].did_connect = true;
            st.pool[i].reconnects = 0;
            st.pool[i].last_auth_err = None;
            st.auth_abort = false;
            if reconnect {
                // cnats clears the connection's error once reconnected.
                st.last_err = None;
            }
            st.cur = Some(i);
            st.transport = Some(transport.clone());
            let d = self.merge_connect_urls(&mut st, &info);
            st.info = info;
            st.status = NATS_CONN_STATUS_CONNECTED;
            st.initial_connected = true;
            d
        };
        let _ = discovered;
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
            let h = self
                .spawn_guarded("nats-flusher", move || me.flush_loop())
                .map_err(|e| Error::new(NATS_SYS_ERROR, format!("cannot start flusher thread: {e}")))?;
            self.state.lock().flusher = Some(h);
        }
        Ok(())
    }

    /// Applies INFO `connect_urls` to the pool, as cnats does: discovered
    /// (implicit) servers no longer announced are removed (except the
    /// current one), new ones are appended (in random order unless
    /// `NoRandomize`), inheriting the announcing server's host name for TLS
    /// verification when they are given by IP, and its `tls` scheme. True
    /// when a server never seen before was added. An empty list changes
    /// nothing.
    fn merge_connect_urls(&self, st: &mut State, info: &ServerInfo) -> bool {
        if self.opts.ignore_discovered_servers || info.connect_urls.is_empty() {
            return false;
        }
        let mut announced: Vec<ServerUrl> = Vec::new();
        for u in &info.connect_urls {
            let full = if u.contains("://") {
                u.clone()
            } else {
                format!("nats://{u}")
            };
            if let Ok(url) = ServerUrl::parse(&full) {
                announced.push(url);
            }
        }
        let cur_url = st.cur.and_then(|c| st.pool.get(c)).map(|s| s.url.clone());
        // Prune implicit servers that are no longer announced.
        let is_cur = |s: &Srv| {
            cur_url
                .as_ref()
                .is_some_and(|c| c.host == s.url.host && c.port == s.url.port)
        };
        st.pool
            .retain(|s| !s.implicit || is_cur(s) || announced.iter().any(|a| same_server(&a.host, a.port, &s.url)));
        st.cur = cur_url.as_ref().and_then(|c| {
            st.pool
                .iter()
                .position(|s| s.url.host == c.host && s.url.port == c.port)
        });
        let tls_name = cur_url
            .as_ref()
            .filter(|c| c.host.parse::<std::net::IpAddr>().is_err())
            .map(|c| c.host.clone());
        let cur_tls = cur_url.as_ref().is_some_and(|c| c.is_tls());
        let mut new: Vec<Srv> = Vec::new();
        for mut url in announced {
            if st
                .pool
                .iter()
                .chain(new.iter())
                .any(|s| same_server(&url.host, url.port, &s.url))
            {
                continue;
            }
            if cur_tls {
                url.scheme = "tls".to_string();
            }
            let tls_name = if url.host.parse::<std::net::IpAddr>().is_ok() {
                tls_name.clone()
            } else {
                None
            };
            new.push(Srv {
                url,
                did_connect: false,
                reconnects: 0,
                last_attempt: None,
                implicit: true,
                tls_name,
                last_auth_err: None,
            });
        }
        if new.is_empty() {
            return false;
        }
        if !self.opts.no_randomize {
            use rand::seq::SliceRandom;
            new.shuffle(&mut rand::thread_rng());
        }
        st.pool.extend(new);
        true
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
        let e = Error::new(
            NATS_ERR,
            format!("{} in the {thread} thread", crate::ffi::panic_text(p)),
        );
        if let Some(t) = self.state.lock().transport.clone() {
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
    ) -> std::io::Result<std::thread::JoinHandle<()>> {
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

    fn process_op(&self, op: ServerOp) -> Result<()> {
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

    fn set_last_error(&self, e: Error) {
        self.state.lock().last_err = Some(e);
    }

    pub(crate) fn post_error(&self, sub: Option<Arc<Subscription>>, s: natsStatus) {
        self.post_error_text(sub, s, None);
    }

    /// Posts the error handler; `text` is what [`async_error_text`]
    /// returns while it runs.
    pub(crate) fn post_error_text(&self, sub: Option<Arc<Subscription>>, s: natsStatus, text: Option<String>) {
        // Without a handler of its own, the connection uses cnats' default:
        // the error is printed to stderr.
        let cb = self
            .opts
            .err_cb
            .clone()
            .unwrap_or_else(crate::options::default_err_callback);
        {
            let me = self.arc();
            crate::runtime::post(Box::new(move || {
                ASYNC_ERR_TEXT.with(|t| *t.borrow_mut() = text);
                cb(&me, sub.as_ref(), s);
                ASYNC_ERR_TEXT.with(|t| *t.borrow_mut() = None);
            }));
        }
    }

    /// Records auth error `code` for server `i`; true when it is the same
    /// kind as the previous one there and `IgnoreAuthErrorAbort` is off.
    fn same_auth_error_twice(&self, st: &mut State, i: usize, code: AuthErrCode) -> bool {
        let Some(srv) = st.pool.get_mut(i) else { return false };
        if srv.last_auth_err == Some(code) && !self.opts.ignore_auth_error_abort {
            return true;
        }
        srv.last_auth_err = Some(code);
        false
    }

    // ---------- disconnect / reconnect ----------

    fn on_disconnect(&self, t: &Arc<Transport>, err: Option<Error>) {
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

    /// Posts a connection event callback to the event thread.
    fn post_conn_cb(&self, cb: Option<crate::options::ConnCallback>) {
        if let (Some(cb), Some(me)) = (cb, self.me.upgrade()) {
            crate::runtime::post(Box::new(move || cb(&me)));
        }
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
                            crate::runtime::post(Box::new(move || cb(&me)));
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
        writer::write_pub(&mut out.buf, subject, reply, headers, data);
        self.stats.out_msgs.fetch_add(1, Ordering::Relaxed);
        self.stats.out_bytes.fetch_add(total as u64, Ordering::Relaxed);
        // Send-asap: write from this thread, skipping the hand-off to the
        // flusher, when nobody else is writing. (Doing this for every
        // "lone" message with default options was tried and dropped: in a
        // publishing loop the buffer is empty again after each direct
        // write, so every message became its own write and batching was
        // lost. Default options keep the flusher, which wakes at once.)
        if self.opts.send_asap && out.connected && !out.writing {
            self.write_direct(out);
        } else {
            self.kick(&mut out);
        }
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
    fn write_direct(&self, mut out: parking_lot::MutexGuard<'_, Out>) {
        let Some(t) = out.transport.clone() else {
            self.kick(&mut out);
            return;
        };
        let mut data = std::mem::take(&mut out.direct_spare);
        std::mem::swap(&mut data, &mut out.buf);
        out.pings_in_buf = 0;
        out.writing = true;
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
        let mut out = self.out.lock();
        out.writing = false;
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

    fn flush_loop(self: Arc<Self>) {
        let mut spare: Vec<u8> = Vec::with_capacity(self.opts.io_buf_size.max(1024) as usize);
        let ping_every = if self.opts.ping_interval_ms > 0 {
            Some(Duration::from_millis(self.opts.ping_interval_ms as u64))
        } else {
            None
        };
        let mut next_ping = ping_every.map(|p| Instant::now() + p);
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
                        break;
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
        self.set_last_error(Error::status(NATS_STALE_CONNECTION));
        if let Some(t) = self.state.lock().transport.clone() {
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
        // An inactivity timeout needs the delivery thread at once; other
        // async subscriptions start theirs with the first message.
        if is_async && !sub.pooled && timeout_ms > 0 {
            sub.state.lock().thread_started = true;
            if let Err(e) = sub.start_thread() {
                self.subs.lock().remove(&sid);
                return Err(e);
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
            let t = if timeout_ms > 0 {
                timeout_ms
            } else {
                crate::options::DEFAULT_DRAIN_TIMEOUT_MS
            };
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
        {
            let mut out = self.out.lock();
            out.closed = true;
            out.flusher_waiting = false;
        }
        self.out_cv.notify_all();
        self.space_cv.notify_all();
        if let Some(h) = flusher {
            if h.thread().id() != std::thread::current().id() {
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
                let _ = h.join();
            }
        }
        let was_live = transport.is_some();
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
            // Closing a live socket is also a disconnect (as cnats).
            if was_live {
                self.post_conn_cb(self.opts.disconnected_cb.clone());
            }
            self.post_conn_cb(self.opts.closed_cb.clone());
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
        matches!(
            self.state.lock().status,
            NATS_CONN_STATUS_DRAINING_SUBS | NATS_CONN_STATUS_DRAINING_PUBS
        )
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
        if st.status != NATS_CONN_STATUS_CONNECTED
            && !matches!(
                st.status,
                NATS_CONN_STATUS_DRAINING_SUBS | NATS_CONN_STATUS_DRAINING_PUBS
            )
        {
            return None;
        }
        st.cur.and_then(|c| st.pool.get(c)).map(|s| s.url.full.clone())
    }
    pub fn connected_server_id(&self) -> Option<String> {
        let st = self.state.lock();
        if st.status != NATS_CONN_STATUS_CONNECTED
            && !matches!(
                st.status,
                NATS_CONN_STATUS_DRAINING_SUBS | NATS_CONN_STATUS_DRAINING_PUBS
            )
        {
            return None;
        }
        Some(st.info.server_id.clone())
    }
    pub fn servers(&self, discovered_only: bool) -> Vec<String> {
        let st = self.state.lock();
        st.pool
            .iter()
            .filter(|s| !discovered_only || s.implicit)
            .map(|s| format!("{}://{}:{}", s.url.scheme, bracket(&s.url.host), s.url.port))
            .collect()
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

/// `host:port` names the server of `url`; localhost, 127.0.0.1 and ::1
/// are the same host.
fn same_server(host: &str, port: u16, url: &ServerUrl) -> bool {
    fn lh(h: &str) -> bool {
        h.eq_ignore_ascii_case("localhost") || h == "127.0.0.1" || h == "::1"
    }
    port == url.port && (host.eq_ignore_ascii_case(&url.host) || (lh(host) && lh(&url.host)))
}

fn bracket(h: &str) -> String {
    if h.contains(':') {
        format!("[{h}]")
    } else {
        h.to_string()
    }
}

//! The connection engine.
//!
//! Files, by role (each an `impl Connection` block over the struct here):
//! - `pool.rs`: the server pool (built from the options, servers
//!   announced by INFO merged in);
//! - `handshake.rs`: one server: TCP (+TLS), INFO, CONNECT/PING, PONG;
//! - `lifecycle.rs`: connect, install a socket and start the threads,
//!   drain, close;
//! - `writer.rs`: publish -> out buffer -> flusher -> socket; flush, RTT;
//! - `reader.rs`: socket -> parser -> subscriptions; async INFO, `-ERR`;
//! - `reconnect.rs`: disconnect handling and the reconnect loop;
//! - `subscriptions.rs`: SUB/UNSUB and drain of one subscription;
//! - `sub.rs` (the subscription itself), `request.rs` (request/reply
//!   multiplexer), `transport.rs` (plain TCP or TLS byte stream).
//!
//! Threads per connection: a *reader* (socket → parser → subscriptions,
//! and the reconnect loop) and a *flusher* (write buffer → socket, PINGs).
//! Each asynchronous subscription has its own delivery thread. Event
//! callbacks run on the library's event thread (`runtime`).
//!
//! Locks (never held across socket I/O, never held while calling user
//! code); when two are taken, in this order: `state` → `out` → `subs` →
//! a subscription's own lock. See docs/architecture.md.

mod handshake;
mod lifecycle;
mod pool;
mod reader;
mod reconnect;
pub mod request;
pub mod sub;
mod subscriptions;
pub mod transport;
mod writer;

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::options::Options;
use crate::proto::{ConnectInfo, ServerInfo};
use crate::status::natsConnStatus::{self, *};
use crate::status::natsStatus::{self, *};
use crate::url::ServerUrl;
use parking_lot::{Condvar, Mutex};
use pool::Srv;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use sub::{MsgCallback, Subscription};
use transport::Transport;

/// The connection's parser: it owns the recycler its received messages
/// come from (built in the handshake, then moved to the reader thread).
type Parser = crate::proto::Parser<crate::msg::Recycler>;
/// An operation read by [`Parser`].
type ServerOp = crate::proto::ServerOp<crate::msg::Incoming>;

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

impl Connection {
    pub(super) fn arc(&self) -> Arc<Connection> {
        self.me.upgrade().expect("connection alive while in use")
    }

    pub(super) fn set_last_error(&self, e: Error) {
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

    /// Posts a connection event callback to the event thread.
    pub(super) fn post_conn_cb(&self, cb: Option<crate::options::ConnCallback>) {
        if let (Some(cb), Some(me)) = (cb, self.me.upgrade()) {
            crate::runtime::post(Box::new(move || cb(&me)));
        }
    }

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

fn bracket(h: &str) -> String {
    if h.contains(':') {
        format!("[{h}]")
    } else {
        h.to_string()
    }
}

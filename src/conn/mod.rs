//! The connection engine.
//!
//! Files, by role (each an `impl Connection` block over the struct here):
//! - `pool.rs`: the server pool and reconnect pacing, pure logic (no I/O,
//!   no locks): candidate order, discovered servers, MaxReconnect, one
//!   wait per pass;
//! - `handshake.rs`: one server: TCP (+TLS), INFO, CONNECT/PING, PONG;
//! - `lifecycle.rs`: connect, install a socket and start the threads,
//!   drain, close;
//! - `writer.rs`: publish -> out buffer -> flusher -> socket; flush, RTT;
//! - `reader.rs`: socket -> parser -> subscriptions; async INFO, `-ERR`;
//! - `reconnect.rs`: disconnect handling and the reconnect loop;
//! - `evloop.rs`: external event loop mode (`natsOptions_SetEventLoop`);
//! - `subscriptions.rs`: SUB/UNSUB and drain of one subscription;
//! - `sub_hook.rs`: the optional JetStream hook of a subscription (sees
//!   its messages first, told of reconnects, unsubscribe and close);
//! - `sub.rs` (the subscription itself), `request.rs` (request/reply
//!   multiplexer), `transport.rs` (plain TCP or TLS byte stream),
//!   `testutil.rs` (unit-test support: a detached connection, a fake
//!   server).
//!
//! Threads per connection: a *reader* per socket (socket → parser →
//! subscriptions; it exits when its socket dies), a *flusher* (write
//! buffer → socket, PINGs), and while reconnecting a `nats-reconnect`
//! thread (pacing, handshakes, user delay/auth callbacks; it starts the
//! next reader). In event-loop mode (`evloop.rs`) there is no reader: the
//! host loop calls `process_read_event`.
//! Each asynchronous subscription has its own delivery thread (or uses
//! the library's shared delivery pool). Event callbacks run on the
//! library's event thread (`runtime`).
//!
//! Locks (never held across socket I/O, including `Transport::shutdown`,
//! never held while calling user code); when two are taken, in this
//! order: `state` → `out` → `subs` → a subscription's own lock. See
//! docs/architecture.md.

mod evloop;
mod handshake;
mod lifecycle;
mod pool;
mod reader;
mod reconnect;
pub mod request;
pub mod sub;
pub mod sub_hook;
mod subscriptions;
mod testutil;
pub mod transport;
mod writer;

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::options::Options;
use crate::proto::{ConnectInfo, ServerInfo};
use crate::status::natsConnStatus::{self, *};
use crate::status::natsStatus::{self, *};
use parking_lot::{Condvar, Mutex};
use pool::ServerPool;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use sub::{MsgCallback, Subscription};
use sub_hook::SubHook;
use transport::Transport;

pub use evloop::{EvLoop, LoopStream};

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
    pool: ServerPool,
    transport: Option<Arc<Transport>>,
    pong_seq: u64,
    /// Bumped on every disconnect so that flushes waiting on the old
    /// socket fail instead of hanging.
    epoch: u64,
    last_err: Option<Error>,
    initial_connected: bool,
    flusher: Option<std::thread::ThreadId>,
    closed_cb_posted: bool,
    draining: bool,
    /// User info of the first explicit pool URL that has one (used for
    /// servers without their own, e.g. discovered ones).
    pool_user: Option<crate::auth::Secret>,
    pool_pass: Option<crate::auth::Secret>,
    /// cnats' `ar`: the same auth error twice on one server; the
    /// disconnect that follows closes instead of reconnecting.
    auth_abort: bool,
}

struct Out {
    buf: Vec<u8>,
    /// The socket the flusher writes to (a copy of `State::transport`, so
    /// the flusher never needs the state lock).
    transport: Option<Arc<Transport>>,
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
    /// When the last write to the socket (flusher or direct) ended; `None`
    /// before the first. A publish that finds the connection quiet for
    /// longer than `writer::LONE_GAP` writes itself (see `publish`).
    last_write: Option<Instant>,
    /// Writes made by publishing threads (tests).
    #[cfg(test)]
    direct_writes: u64,
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
    /// Event-loop mode (`natsOptions_SetEventLoop`), see `evloop.rs`.
    ev: Option<evloop::EvConn>,
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

impl Connection {
    pub(super) fn arc(&self) -> Arc<Connection> {
        self.me.upgrade().expect("connection alive while in use")
    }

    /// The live socket, if any. The `state` lock is released on return, so
    /// the caller may shut the socket down (which, for TLS, can wait and
    /// write) without holding it.
    pub(super) fn live_transport(&self) -> Option<Arc<Transport>> {
        let st = self.state.lock();
        st.transport.clone()
    }

    pub(super) fn set_last_error(&self, e: Error) {
        self.state.lock().last_err = Some(e);
    }

    pub(crate) fn post_error(&self, sub: Option<Arc<Subscription>>, s: natsStatus) {
        self.post_error_text(sub, s, None);
    }

    /// Posts the error handler; `text` (the server's `-ERR` text for
    /// permission and auth errors) is handed to it with the status.
    pub(crate) fn post_error_text(&self, sub: Option<Arc<Subscription>>, s: natsStatus, text: Option<String>) {
        // Without a handler of its own, the connection uses cnats' default:
        // the error is printed to stderr.
        let cb = self
            .opts
            .err_cb
            .clone()
            .unwrap_or_else(crate::options::default_err_callback);
        let sub_cb = sub.as_ref().and_then(|x| x.on_error());
        {
            let me = self.arc();
            crate::runtime::post_droppable(Box::new(move || {
                cb(&me, sub.as_ref(), s, text.as_deref());
                if let (Some(h), Some(x)) = (sub_cb, sub.as_ref()) {
                    h(x, s);
                }
            }));
        }
    }

    /// Posts a connection event callback to the event thread (dropped
    /// when the event queue is full, see `runtime::post_droppable`).
    pub(super) fn post_conn_cb(&self, cb: Option<crate::options::ConnCallback>) {
        if let (Some(cb), Some(me)) = (cb, self.me.upgrade()) {
            crate::runtime::post_droppable(Box::new(move || cb(&me)));
        }
    }

    /// Posts the closed callback: never dropped (once per connection).
    pub(super) fn post_closed_cb(&self) {
        if let (Some(cb), Some(me)) = (self.opts.closed_cb.clone(), self.me.upgrade()) {
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

    /// The URL of the server we are connected to (None when not connected),
    /// with its user info: a secret, wiped when dropped.
    pub fn connected_url(&self) -> Option<crate::auth::Secret> {
        let st = self.state.lock();
        if st.status != NATS_CONN_STATUS_CONNECTED
            && !matches!(
                st.status,
                NATS_CONN_STATUS_DRAINING_SUBS | NATS_CONN_STATUS_DRAINING_PUBS
            )
        {
            return None;
        }
        st.pool.current().map(|s| crate::auth::Secret::from(s.url.full.clone()))
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
            .srvs
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

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;
    use std::hash::{BuildHasher, Hasher};

    #[test]
    fn sid_hasher_spreads_small_sids() {
        let b = SidHash::default();
        let hashes: std::collections::HashSet<u64> = (1..=10_000u64).map(|s| b.hash_one(s)).collect();
        assert_eq!(hashes.len(), 10_000);
        // Low bits (what a table of 1024 buckets uses) are spread too.
        let buckets: std::collections::HashSet<u64> = (1..=1024u64).map(|s| b.hash_one(s) >> 54).collect();
        assert!(buckets.len() > 500, "{}", buckets.len());
        let mut h = SidHasher::default();
        h.write(b"ab");
        let mut h2 = SidHasher::default();
        h2.write(b"ba");
        assert_ne!(h.finish(), h2.finish());
    }

    #[test]
    fn getters_before_connecting() {
        let mut o = opts("nats://127.0.0.1:1");
        o.servers = vec!["nats://[::1]:5".into(), "tls://h:6".into()];
        o.name = Some("a\0b".into());
        o.inbox_prefix = Some("my.box".into());
        let c = detached(o);
        assert_eq!(c.status(), NATS_CONN_STATUS_CONNECTING);
        assert!(!c.is_closed() && !c.is_reconnecting() && !c.is_draining());
        assert_eq!(c.connected_url(), None);
        assert_eq!(c.connected_server_id(), None);
        assert_eq!(
            c.servers(false),
            vec![
                "nats://127.0.0.1:1".to_string(),
                "nats://[::1]:5".into(),
                "tls://h:6".into()
            ]
        );
        assert!(c.servers(true).is_empty());
        assert_eq!(c.name_cstr().to_bytes(), b"ab");
        assert!(c.new_inbox().starts_with("my.box."));
        assert_eq!(c.new_inbox().len(), "my.box.".len() + 22);
        assert_ne!(c.new_inbox(), c.new_inbox());
        assert_eq!(c.buffered(), 0);
        assert_eq!(c.stats(), Stats::default());
        assert_eq!(c.local_addr(), None);
        assert_eq!(c.last_error(), None);
        // A tls:// URL in the pool makes the connection secure.
        assert!(c.opts.secure);
        c.close();
        assert!(c.is_closed());
        assert_eq!(c.status(), NATS_CONN_STATUS_CLOSED);
    }

    #[test]
    fn bracket_ipv6_hosts() {
        assert_eq!(bracket("::1"), "[::1]");
        assert_eq!(bracket("h"), "h");
        assert_eq!(bracket("10.0.0.1"), "10.0.0.1");
    }

    #[test]
    fn error_callback_gets_the_text_on_the_event_thread() {
        let seen = Arc::new(parking_lot::Mutex::new(Vec::new()));
        let s = seen.clone();
        let mut o = opts("nats://127.0.0.1:1");
        o.err_cb = Some(Arc::new(move |_, sub, st, text| {
            let name = std::thread::current().name().unwrap_or("").to_string();
            s.lock().push((sub.is_some(), st, text.map(str::to_string), name));
        }));
        let c = detached(o);
        c.post_error_text(None, NATS_NOT_PERMITTED, Some("why".into()));
        c.post_error(None, NATS_SLOW_CONSUMER);
        assert!(eventually(|| seen.lock().len() == 2));
        let seen = seen.lock().clone();
        assert_eq!(
            seen[0],
            (false, NATS_NOT_PERMITTED, Some("why".into()), "nats-events".into())
        );
        assert_eq!(seen[1], (false, NATS_SLOW_CONSUMER, None, "nats-events".into()));
    }
}

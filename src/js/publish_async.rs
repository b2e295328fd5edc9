//! JetStream asynchronous publishing (cnats' `js_PublishAsync`,
//! `js_PublishMsgAsync`, `js_PublishAsyncComplete`,
//! `js_PublishAsyncGetPendingList` and the `jsPubAckHandler` /
//! `jsPubAckErrHandler` callbacks).
//!
//! How it works:
//! - The first async publish of a context subscribes to
//!   `<inbox prefix><nuid>.*`; each message gets the next token of that
//!   inbox as its reply subject and waits in the pending map (token ->
//!   message, ack deadline) until its acknowledgment arrives, its ack
//!   timeout passes, or [`JetStream::pending_list`] takes it back.
//! - Acknowledgments are handled on the subscription's delivery thread,
//!   ack timeouts on a timer thread (`nats-js-timer`, running while some
//!   message waits for its ack); never on the reader thread. The two
//!   never run handlers at the same time (one handler lock), so handlers
//!   are called one at a time, as cnats' single thread does.
//! - Handlers (cnats semantics): with an ack handler, it is called for
//!   every message, with the [`PubAck`] or the [`PubAckErr`], and the
//!   error handler is ignored; without one, the error handler is called
//!   for each failure. Either handler receives the message and owns it
//!   (drop it, or resend it with [`JetStream::publish_msg_async`]).
//!   Without handlers the message is dropped.
//!
//! `PubAsyncOptions::mux_replies` is accepted and changes nothing: the
//! acks always come on the context's own subscription.
//!
//! Better than cnats (issue 13):
//! - Back-pressure is on by default: `PubAsyncOptions::max_pending` 0
//!   means [`DEFAULT_MAX_PENDING`] in flight (cnats: unlimited); a
//!   negative value means unlimited. A publish beyond the window waits up
//!   to the stall wait (default 200 ms) for acks, then fails with
//!   `NATS_TIMEOUT`. A resend from inside a handler does not wait (it
//!   would wait for the handler's own thread): it may exceed the window.
//! - An answer "no responders" (a stream leader is being elected) makes
//!   the timer thread publish the message again (same reply token)
//!   after `PUB_RETRY_WAIT_MS`, up to `PUB_RETRY_ATTEMPTS` times within
//!   its ack timeout (ADR-22); then the handlers get
//!   `NATS_NO_RESPONDERS` (cnats reports it at once).
//! - Every message has an ack timeout: `PubOptions::max_wait_ms`, or the
//!   context's wait (default 5 s) when 0 (cnats: no timeout unless
//!   MaxWait is set). A timeout is reported to the handlers as
//!   `NATS_TIMEOUT`.

use super::publish::{decode_ack, PubAck, PubAckErr, PubOptions, PUB_RETRY_ATTEMPTS, PUB_RETRY_WAIT_MS};
use super::JetStream;
use crate::conn::sub::Subscription;
use crate::conn::Connection;
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::proto::headers::Headers;
use crate::status::natsStatus::*;
use parking_lot::{Condvar, Mutex};
use std::cell::Cell;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// The in-flight window when `PubAsyncOptions::max_pending` is 0.
pub const DEFAULT_MAX_PENDING: usize = 4000;

/// Called for every async published message: the message (now the
/// handler's) and its ack or the error.
pub type PubAckHandler = Arc<dyn Fn(&Arc<JetStream>, Box<Msg>, std::result::Result<&PubAck, &PubAckErr>) + Send + Sync>;
/// Called for every async published message that failed: the message
/// (now the handler's) and the error.
pub type PubAckErrHandler = Arc<dyn Fn(&Arc<JetStream>, Box<Msg>, &PubAckErr) + Send + Sync>;

/// The handlers of a context (cnats' `jsOptions.PublishAsync.AckHandler`
/// and `ErrHandler`).
#[derive(Clone, Default)]
pub struct PubAsyncHandlers {
    pub ack: Option<PubAckHandler>,
    pub err: Option<PubAckErrHandler>,
}

thread_local! {
    /// Set while this thread runs a publish handler.
    static IN_HANDLER: Cell<bool> = const { Cell::new(false) };
}

fn in_handler() -> bool {
    IN_HANDLER.with(Cell::get)
}

struct InHandler;

impl InHandler {
    fn enter() -> InHandler {
        IN_HANDLER.with(|c| c.set(true));
        InHandler
    }
}

impl Drop for InHandler {
    fn drop(&mut self) {
        IN_HANDLER.with(|c| c.set(false));
    }
}

struct Entry {
    msg: Box<Msg>,
    deadline: Instant,
    /// Re-publishes after a "no responders" answer so far.
    retries: u32,
}

#[derive(Default)]
struct Inner {
    sub: Option<Arc<Subscription>>,
    /// `<inbox>.`: the reply prefix; a token follows.
    prefix: Vec<u8>,
    next: u64,
    pending: HashMap<u64, Entry>,
    /// (ack deadline, token) of the pending messages.
    timeouts: BTreeSet<(Instant, u64)>,
    /// (when, token) of the messages to publish again after a "no
    /// responders" answer.
    retries: BTreeSet<(Instant, u64)>,
    /// Published and not yet finished (handler returned): cnats'
    /// `pmcount`. Counts the pending messages plus those in a handler.
    count: usize,
    /// Publishers waiting for room in the window.
    stalled: usize,
    /// Callers of `publish_async_complete` waiting.
    waiters: usize,
    /// The timer thread runs.
    timer: bool,
    /// The context is gone.
    closed: bool,
}

struct Shared {
    handlers: Mutex<PubAsyncHandlers>,
    inner: Mutex<Inner>,
    /// Stalled publishers and completion waiters.
    cv: Condvar,
    /// The timer thread.
    timer_cv: Condvar,
    /// Held while a handler runs (one at a time).
    handler_lock: Mutex<()>,
    max_pending: usize,
}

/// The async publish state of a context (a field of [`JetStream`]).
pub struct AsyncPub {
    shared: Arc<Shared>,
}

impl AsyncPub {
    /// The state for a context whose window is `max_pending` (0: the
    /// default, negative: unlimited).
    pub(crate) fn new(max_pending: i64) -> AsyncPub {
        let max_pending = match max_pending {
            0 => DEFAULT_MAX_PENDING,
            n if n < 0 => usize::MAX,
            n => usize::try_from(n).unwrap_or(usize::MAX),
        };
        AsyncPub {
            shared: Arc::new(Shared {
                handlers: Mutex::new(PubAsyncHandlers::default()),
                inner: Mutex::new(Inner::default()),
                cv: Condvar::new(),
                timer_cv: Condvar::new(),
                handler_lock: Mutex::new(()),
                max_pending,
            }),
        }
    }
}

impl Drop for AsyncPub {
    fn drop(&mut self) {
        let (sub, pending) = {
            let mut g = self.shared.inner.lock();
            g.closed = true;
            g.timeouts.clear();
            g.retries.clear();
            (g.sub.take(), std::mem::take(&mut g.pending))
        };
        self.shared.timer_cv.notify_all();
        self.shared.cv.notify_all();
        drop(pending);
        if let Some(sub) = sub {
            if let Some(c) = sub.connection() {
                let _ = c.unsubscribe(&sub, 0);
            }
        }
    }
}

impl Shared {
    /// Lowers the in-flight count by `n` and wakes whoever waits for it.
    fn finished(&self, g: &mut Inner, n: usize) {
        g.count = g.count.saturating_sub(n);
        if (g.waiters > 0 && g.count == 0) || (g.stalled > 0 && g.count <= self.max_pending) {
            self.cv.notify_all();
        }
    }

    /// Calls the handlers for one finished message, then counts it done.
    fn deliver(&self, js: &Arc<JetStream>, msg: Box<Msg>, result: Result<PubAck>) {
        let handlers = self.handlers.lock().clone();
        {
            let _one = self.handler_lock.lock();
            let _flag = InHandler::enter();
            // A panicking handler must not leave the message counted.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                match (&handlers.ack, &handlers.err, &result) {
                    (Some(ack), _, Ok(pa)) => ack(js, msg, Ok(pa)),
                    (Some(ack), _, Err(e)) => ack(js, msg, Err(&PubAckErr::from_error(e))),
                    (None, Some(err), Err(e)) => err(js, msg, &PubAckErr::from_error(e)),
                    _ => drop(msg),
                }
            }));
        }
        let mut g = self.inner.lock();
        self.finished(&mut g, 1);
    }
}

/// `<prefix><token>`.
fn reply_subject(prefix: &[u8], token: u64) -> Vec<u8> {
    use std::io::Write;
    let mut r = Vec::with_capacity(prefix.len() + 20);
    r.extend_from_slice(prefix);
    let _ = write!(r, "{token}");
    r
}

/// The token at the end of a reply subject.
fn token_of(subject: &[u8], prefix: &[u8]) -> Option<u64> {
    let t = subject.strip_prefix(prefix)?;
    if t.is_empty() || t.len() > 19 || !t.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(t).ok()?.parse().ok()
}

fn on_reply(js: &Arc<JetStream>, reply: Box<Msg>) {
    let shared = &js.async_pub.shared;
    let entry = {
        let mut g = shared.inner.lock();
        let Some(token) = token_of(reply.subject(), &g.prefix) else {
            return;
        };
        // No responders (a stream leader is being elected): published
        // again later, within the ack deadline (ADR-22).
        if reply.is_no_responders() && g.timer {
            let again = Instant::now() + Duration::from_millis(PUB_RETRY_WAIT_MS);
            if let Some(e) = g.pending.get_mut(&token) {
                if e.retries < PUB_RETRY_ATTEMPTS && again < e.deadline {
                    e.retries += 1;
                    let earliest = g.retries.first().is_none_or(|&(d, _)| again < d)
                        && g.timeouts.first().is_none_or(|&(d, _)| again < d);
                    g.retries.insert((again, token));
                    if earliest {
                        shared.timer_cv.notify_one();
                    }
                    return;
                }
            }
        }
        let Some(e) = g.pending.remove(&token) else {
            return;
        };
        g.timeouts.remove(&(e.deadline, token));
        if g.pending.is_empty() {
            // Nothing left to time out: the timer thread may end now.
            shared.timer_cv.notify_one();
        }
        e
    };
    shared.deliver(js, entry.msg, decode_ack(&reply));
}

/// Publishes again the messages whose retry time has come (under the
/// lock, as the first publish).
fn republish_due(g: &mut Inner, conn: &Connection, now: Instant) {
    while let Some(&(d, t)) = g.retries.first() {
        if d > now {
            break;
        }
        g.retries.pop_first();
        let Some(e) = g.pending.get(&t) else {
            continue;
        };
        let reply = reply_subject(&g.prefix, t);
        let hdr = e.msg.header_block();
        // A failure here ends in the message's ack timeout.
        let _ = conn.publish(e.msg.subject(), Some(&reply), hdr.as_deref(), e.msg.data());
    }
}

/// The timer thread: reports expired acks, publishes again after "no
/// responders", sleeps until the next deadline, ends when no message
/// waits (or the context is gone).
fn timer_loop(shared: Arc<Shared>, js: Weak<JetStream>) {
    let mut g = shared.inner.lock();
    loop {
        if g.closed {
            g.timer = false;
            return;
        }
        let now = Instant::now();
        if g.retries.first().is_some_and(|&(d, _)| d <= now) {
            // The connection, taken without the lock: dropping the last
            // reference to the context takes the lock.
            drop(g);
            let conn = js.upgrade().map(|j| j.conn().clone());
            g = shared.inner.lock();
            match &conn {
                Some(c) => republish_due(&mut g, c, now),
                None => g.retries.clear(),
            }
        }
        let mut expired = Vec::new();
        while let Some(&(d, t)) = g.timeouts.first() {
            if d > now {
                break;
            }
            g.timeouts.pop_first();
            if let Some(e) = g.pending.remove(&t) {
                if e.retries > 0 {
                    g.retries.retain(|&(_, rt)| rt != t);
                }
                expired.push(e.msg);
            }
        }
        if !expired.is_empty() {
            drop(g);
            match js.upgrade() {
                Some(js) => {
                    for m in expired {
                        let e = Error::new(NATS_TIMEOUT, "timeout waiting for the publish acknowledgment");
                        shared.deliver(&js, m, Err(e));
                    }
                }
                None => {
                    let mut g = shared.inner.lock();
                    let n = expired.len();
                    shared.finished(&mut g, n);
                }
            }
            g = shared.inner.lock();
            continue;
        }
        let next = match (g.timeouts.first(), g.retries.first()) {
            (Some(&(a, _)), Some(&(b, _))) => a.min(b),
            (Some(&(a, _)), None) => a,
            (None, Some(&(b, _))) => b,
            (None, None) => {
                g.timer = false;
                return;
            }
        };
        shared.timer_cv.wait_until(&mut g, next);
    }
}

impl JetStream {
    /// Sets the async publish handlers (cnats takes them from the
    /// context's options). An ack handler makes the error handler unused.
    pub fn set_pub_async_handlers(&self, h: PubAsyncHandlers) {
        *self.async_pub.shared.handlers.lock() = h;
    }

    /// `js_PublishAsync`: publishes a copy of `data` (with `headers` and
    /// the option headers) without waiting for its ack.
    pub fn publish_async(
        self: &Arc<Self>,
        subject: &[u8],
        data: &[u8],
        headers: Option<&Headers>,
        opts: Option<&PubOptions>,
    ) -> Result<()> {
        let mut m = Box::new(Msg::new(subject, None, data)?);
        if let Some(h) = headers.filter(|h| !h.is_empty()) {
            if let Some(mh) = m.headers()? {
                *mh = h.clone();
            }
        }
        self.publish_msg_async(m, opts).map_err(|(e, _)| e)
    }

    /// `js_PublishMsgAsync`: sets the option headers on `msg` and
    /// publishes it without waiting for its ack. On success the library
    /// owns the message until it hands it to a handler (or to
    /// [`JetStream::pending_list`]); on failure it is given back.
    pub fn publish_msg_async(
        self: &Arc<Self>,
        mut msg: Box<Msg>,
        opts: Option<&PubOptions>,
    ) -> std::result::Result<(), (Error, Box<Msg>)> {
        let mut ack_wait = 0;
        if let Some(o) = opts {
            match o.checked_max_wait().and_then(|w| o.apply_to_msg(&mut msg).map(|()| w)) {
                Ok(w) => ack_wait = w,
                Err(e) => return Err((e, msg)),
            }
        }
        if ack_wait == 0 {
            ack_wait = self.wait();
        }
        let shared = &self.async_pub.shared;
        let conn = self.conn();
        let mut g = shared.inner.lock();
        if g.closed {
            return Err((Error::status(NATS_INVALID_ARG), msg));
        }
        if g.sub.is_none() {
            let prefix = format!("{}.", conn.new_inbox()).into_bytes();
            let mut wildcard = prefix.clone();
            wildcard.push(b'*');
            let weak = Arc::downgrade(self);
            let cb: crate::conn::sub::MsgCallback = Arc::new(move |_c, _s, m| {
                if let (Some(m), Some(js)) = (m, weak.upgrade()) {
                    on_reply(&js, m);
                }
            });
            let sub = match conn.subscribe(&wildcard, None, Some(cb), 0) {
                Ok(s) => s,
                Err(e) => return Err((e, msg)),
            };
            // Acks are never dropped as a slow consumer.
            let _ = sub.set_pending_limits(-1, -1);
            g.prefix = prefix;
            g.sub = Some(sub);
        }
        g.count += 1;
        if g.count > shared.max_pending && !in_handler() {
            let stall = self.options().publish_async.stall_wait.max(0) as u64;
            let deadline = Instant::now() + Duration::from_millis(stall);
            g.stalled += 1;
            while g.count > shared.max_pending && !g.closed {
                if shared.cv.wait_until(&mut g, deadline).timed_out() {
                    break;
                }
            }
            g.stalled -= 1;
            if g.count > shared.max_pending || g.closed {
                shared.finished(&mut g, 1);
                return Err((
                    Error::new(
                        NATS_TIMEOUT,
                        "stalled with too many outstanding async published messages",
                    ),
                    msg,
                ));
            }
        }
        let token = g.next;
        g.next += 1;
        let reply = reply_subject(&g.prefix, token);
        // Published under the lock, so that the ack cannot be handled
        // before the message is in the pending map.
        let r = {
            let hdr = msg.header_block();
            conn.publish(msg.subject(), Some(&reply), hdr.as_deref(), msg.data())
        };
        if let Err(e) = r {
            shared.finished(&mut g, 1);
            return Err((e, msg));
        }
        let deadline = Instant::now() + Duration::from_millis(ack_wait as u64);
        g.pending.insert(
            token,
            Entry {
                msg,
                deadline,
                retries: 0,
            },
        );
        let earlier = g.timeouts.first().is_none_or(|&(d, _)| deadline < d);
        g.timeouts.insert((deadline, token));
        if !g.timer {
            g.timer = true;
            let (sh, weak) = (shared.clone(), Arc::downgrade(self));
            if let Err(e) = crate::runtime::spawn("nats-js-timer", move || timer_loop(sh, weak)) {
                // The message is out; without a timer its ack still comes.
                g.timer = false;
                let _ = e;
            }
        } else if earlier {
            shared.timer_cv.notify_one();
        }
        Ok(())
    }

    /// `js_PublishAsyncComplete`: waits until every async published
    /// message is finished (acked, failed or taken back), up to
    /// `max_wait_ms` (0: no limit; negative is invalid). `NATS_TIMEOUT`
    /// when some are still pending. Not allowed from a publish handler
    /// (`NATS_ILLEGAL_STATE`: it would wait for itself).
    pub fn publish_async_complete(&self, max_wait_ms: i64) -> Result<()> {
        if max_wait_ms < 0 {
            return Err(Error::invalid_arg(format!(
                "option 'MaxWait' ({max_wait_ms}) cannot be negative"
            )));
        }
        if in_handler() {
            return Err(Error::new(
                NATS_ILLEGAL_STATE,
                "cannot wait for async publish completion from a publish handler",
            ));
        }
        let shared = &self.async_pub.shared;
        let mut g = shared.inner.lock();
        if g.count == 0 {
            return Ok(());
        }
        let deadline = (max_wait_ms > 0).then(|| Instant::now() + Duration::from_millis(max_wait_ms as u64));
        g.waiters += 1;
        while g.count > 0 {
            match deadline {
                Some(d) => {
                    if shared.cv.wait_until(&mut g, d).timed_out() {
                        break;
                    }
                }
                None => shared.cv.wait(&mut g),
            }
        }
        g.waiters -= 1;
        if g.count == 0 {
            Ok(())
        } else {
            Err(Error::new(
                NATS_TIMEOUT,
                "timeout waiting for async publish acknowledgments",
            ))
        }
    }

    /// `js_PublishAsyncGetPendingList`: takes back the messages still
    /// waiting for their ack, in publish order; their acks, if they come,
    /// are ignored. `NATS_NOT_FOUND` when there is none.
    pub fn pending_list(&self) -> Result<Vec<Box<Msg>>> {
        let shared = &self.async_pub.shared;
        let mut g = shared.inner.lock();
        if g.pending.is_empty() {
            return Err(Error::status(NATS_NOT_FOUND));
        }
        let mut all: Vec<(u64, Box<Msg>)> = g.pending.drain().map(|(t, e)| (t, e.msg)).collect();
        g.timeouts.clear();
        g.retries.clear();
        shared.timer_cv.notify_one();
        let n = all.len();
        shared.finished(&mut g, n);
        drop(g);
        all.sort_unstable_by_key(|(t, _)| *t);
        Ok(all.into_iter().map(|(_, m)| m).collect())
    }

    /// Async published messages not finished yet (pending, or in a
    /// handler).
    pub fn pending_count(&self) -> usize {
        self.async_pub.shared.inner.lock().count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert_eq!(token_of(b"_INBOX.abc.17", b"_INBOX.abc."), Some(17));
        assert_eq!(token_of(b"_INBOX.abc.0", b"_INBOX.abc."), Some(0));
        assert_eq!(token_of(b"_INBOX.abd.17", b"_INBOX.abc."), None);
        assert_eq!(token_of(b"_INBOX.abc.", b"_INBOX.abc."), None);
        assert_eq!(token_of(b"_INBOX.abc.1x", b"_INBOX.abc."), None);
        assert_eq!(token_of(b"_INBOX.abc.99999999999999999999", b"_INBOX.abc."), None);
    }

    #[test]
    fn reply_subjects() {
        assert_eq!(reply_subject(b"_INBOX.x.", 0), b"_INBOX.x.0");
        assert_eq!(reply_subject(b"_INBOX.x.", u64::MAX), b"_INBOX.x.18446744073709551615");
        assert_eq!(token_of(&reply_subject(b"p.", 12345), b"p."), Some(12345));
    }

    #[test]
    fn window_resolution() {
        assert_eq!(AsyncPub::new(0).shared.max_pending, DEFAULT_MAX_PENDING);
        assert_eq!(AsyncPub::new(-1).shared.max_pending, usize::MAX);
        assert_eq!(AsyncPub::new(10).shared.max_pending, 10);
    }
}

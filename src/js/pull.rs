//! Pull subscriptions: `js_PullSubscribe`, `natsSubscription_Fetch`,
//! `natsSubscription_FetchRequest`, `js_PullSubscribeAsync` (ADR-13,
//! ADR-37).
//!
//! A pull subscription is a core subscription on `<inbox>.*` with a
//! [`PullSub`] hook. Each pull request gets a new id and the reply subject
//! `<inbox>.<id>`; the server's status answers (404, 408, 409, …) come on
//! that subject, so answers to older requests are told apart and dropped.
//! Heartbeats (100) are swallowed by the hook and only count as activity.
//!
//! Beyond cnats:
//! - after a reconnect, the pull request in flight is sent again (a new
//!   id, the batch left and the time left): no user call is needed;
//! - a missed heartbeat (nothing for two heartbeat intervals) is reported
//!   to the error handler (`NATS_MISSED_HEARTBEAT`) and the pull is sent
//!   again; it does not end a fetch or an async pull;
//! - a fetch keeps its deadline whatever the server answers (a no-wait
//!   request without expiry waits for the answer up to the context wait);
//!   a 409 "Leadership Change" sends the pull again within the time left;
//! - an async pull refills by its pending count: a request that ends
//!   unfilled (expired, leadership change, lost at reconnect or missed
//!   heartbeat) gives back its unfilled count and the next pull is sent at
//!   once, not after the next delivery; without a timeout its requests
//!   expire every [`RENEW_EXPIRES_MS`] and are renewed.

use super::sub::{errs, SubOptions};
use super::types::{AckPolicy, ConsumerInfo};
use super::{JetStream, JsOptions};
use crate::conn::sub::{MsgCallback, Subscription};
use crate::conn::sub_hook::{ConsumerRef, SubEnd, SubHook};
use crate::conn::Connection;
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::status::natsStatus::{self, *};
use parking_lot::{Condvar, Mutex};
use serde::Serialize;
use std::any::Any;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

/// The default batch of an async pull request (cnats' default).
pub const DEFAULT_ASYNC_FETCH_SIZE: i32 = 128;
/// Requests of an async pull without a timeout expire after this long (ms)
/// and are renewed, so a request the server lost is replaced.
pub const RENEW_EXPIRES_MS: i64 = 30_000;
/// After a 503 (no responders), a pull is sent again after this long (ms).
pub const NO_RESPONDERS_RETRY_MS: u64 = 100;

/// cnats' `jsFetchRequest`. Durations in nanoseconds, as cnats.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchRequest {
    /// How long the fetch may take (ns); required unless `no_wait`.
    pub expires: i64,
    /// Messages wanted (> 0).
    pub batch: i32,
    /// At most this many bytes (0: no limit).
    pub max_bytes: i64,
    /// Answer at once with what is available.
    pub no_wait: bool,
    /// Idle heartbeat asked from the server (ns, 0: none).
    pub heartbeat: i64,
    /// Priority groups (server 2.11+).
    pub min_pending: i64,
    pub min_ack_pending: i64,
    /// Pinned client id.
    pub id: Option<String>,
    pub group: Option<String>,
    pub priority: u8,
}

/// `jsFetchNextHandler`: the next request's (messages, max bytes), or
/// `None` for no request now.
pub type FetchNextHandler = Arc<dyn Fn(&Arc<Subscription>) -> Option<(i32, i64)> + Send + Sync>;
/// `jsFetchCompleteHandler`: the async pull ended with this status.
pub type FetchCompleteHandler = Arc<dyn Fn(&Arc<Connection>, &Arc<Subscription>, natsStatus) + Send + Sync>;

/// cnats' `jsOptionsPullSubscribeAsync`. Durations in milliseconds, as
/// cnats.
#[derive(Clone, Default)]
pub struct PullAsyncOptions {
    /// End the subscription (`NATS_TIMEOUT`) after this long (0: never).
    pub timeout_ms: i64,
    /// End after this many messages (0: no limit).
    pub max_messages: i32,
    /// End after this many bytes (0: no limit).
    pub max_bytes: i64,
    /// Requests answer at once; the end of the available messages ends the
    /// subscription.
    pub no_wait: bool,
    /// Idle heartbeat asked from the server (0: none).
    pub heartbeat_ms: i64,
    pub group: Option<String>,
    pub min_pending: i64,
    pub min_ack_pending: i64,
    /// Batch of each request (0: [`DEFAULT_ASYNC_FETCH_SIZE`]).
    pub fetch_size: i32,
    /// Ask for more while fewer than this many requested messages are
    /// undelivered (0: when all were delivered).
    pub keep_ahead: i32,
    /// Decides each request (default: the built-in refill).
    pub next: Option<FetchNextHandler>,
    /// Called once when the subscription ends.
    pub complete: Option<FetchCompleteHandler>,
}

/// The JSON body of a pull request (ADR-13).
#[derive(Serialize, Default, Clone, Debug, PartialEq, Eq)]
struct PullBody {
    batch: i64,
    #[serde(skip_serializing_if = "is_zero")]
    max_bytes: i64,
    #[serde(skip_serializing_if = "is_zero")]
    expires: i64,
    #[serde(rename = "idle_heartbeat", skip_serializing_if = "is_zero")]
    heartbeat: i64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    no_wait: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    #[serde(skip_serializing_if = "is_zero")]
    min_pending: i64,
    #[serde(skip_serializing_if = "is_zero")]
    min_ack_pending: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "is_zero_u8")]
    priority: u8,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

fn is_zero_u8(v: &u8) -> bool {
    *v == 0
}

fn ms_to_ns(ms: i64) -> i64 {
    ms.saturating_mul(1_000_000)
}

/// A status answer: (code, description), or `None` for a user message.
pub(crate) fn status_of(m: &Msg) -> Option<(Vec<u8>, String)> {
    if !m.data().is_empty() || m.header_len() == 0 {
        return None;
    }
    let block = m.header_block()?;
    let (st, desc) = crate::proto::headers::parse_status_line(&block)?;
    if st.is_empty() {
        return None;
    }
    Some((st.to_vec(), String::from_utf8_lossy(desc).into_owned()))
}

fn header_value(m: &Msg, key: &[u8]) -> Option<String> {
    let block = m.header_block()?;
    let h = crate::proto::headers::Headers::parse(&block).ok()?;
    h.get(key).map(|v| v.to_string_lossy().into_owned())
}

/// What a status answer to the current request means.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Answer {
    /// 100: heartbeat.
    Heartbeat,
    /// 404: no messages (no-wait).
    NoMessages,
    /// 408: the request expired (its unfilled count, when the server said).
    Expired(Option<i64>),
    /// 409 "Leadership Change": the request is gone, send it again.
    LeaderChange,
    /// 423: pin id mismatch.
    PinMismatch,
    /// 503: nobody serves the consumer (no JetStream, or no consumer
    /// leader during a fail-over).
    NoResponders,
    /// An error that ends the fetch.
    End(Error),
}

fn classify(code: &[u8], desc: &str, m: &Msg) -> Answer {
    let text = |d: &str| {
        if d.is_empty() {
            "error checking pull subscribe message".to_string()
        } else {
            d.to_string()
        }
    };
    match code {
        b"100" => Answer::Heartbeat,
        b"404" => Answer::NoMessages,
        b"408" => Answer::Expired(header_value(m, b"Nats-Pending-Messages").and_then(|v| v.parse().ok())),
        b"409" if desc.eq_ignore_ascii_case("Leadership Change") => Answer::LeaderChange,
        b"409" => Answer::End(Error::new(NATS_LIMIT_REACHED, text(desc))),
        b"423" => Answer::PinMismatch,
        b"400" => Answer::End(Error::new(NATS_INVALID_ARG, text(desc))),
        b"503" => Answer::NoResponders,
        _ => Answer::End(Error::new(NATS_ERR, text(desc))),
    }
}

/// The request in flight (to send again after a reconnect or a missed
/// heartbeat).
#[derive(Debug, Clone)]
struct Outstanding {
    body: PullBody,
    /// The fetch's deadline (the request's expiry), if any.
    deadline: Option<Instant>,
    /// User messages received since it was sent.
    received: i64,
}

struct PullState {
    fetch_id: u64,
    in_fetch: bool,
    last_activity: Option<Instant>,
    /// Sync fetch: the request in flight.
    out: Option<Outstanding>,
    // Async pull accounting (cnats' jsFetch).
    requested: i64,
    outstanding: i64,
    delivered_msgs: i64,
    delivered_bytes: i64,
    status: natsStatus,
    pin_id: Option<String>,
    ending: Option<natsStatus>,
    ended: bool,
    closed: bool,
}

impl Default for PullState {
    fn default() -> Self {
        PullState {
            fetch_id: 0,
            in_fetch: false,
            last_activity: None,
            out: None,
            requested: 0,
            outstanding: 0,
            delivered_msgs: 0,
            delivered_bytes: 0,
            status: NATS_OK,
            pin_id: None,
            ending: None,
            ended: false,
            closed: false,
        }
    }
}

struct AsyncPull {
    opts: PullAsyncOptions,
    start: Instant,
}

/// The JetStream hook of a pull subscription.
pub struct PullSub {
    conn: Weak<Connection>,
    sub: OnceLock<Weak<Subscription>>,
    /// The subscription's subject without its trailing `.*`.
    inbox: String,
    prefix: String,
    stream: String,
    consumer: Mutex<String>,
    wait_ms: i64,
    /// Delete the consumer at Unsubscribe / after Drain (created by us).
    dc: AtomicBool,
    ack_none: AtomicBool,
    st: Mutex<PullState>,
    cv: Condvar,
    asy: Option<AsyncPull>,
}

impl PullSub {
    fn next_subject(&self) -> String {
        format!(
            "{}.CONSUMER.MSG.NEXT.{}.{}",
            self.prefix,
            self.stream,
            self.consumer.lock()
        )
    }

    fn reply(&self, id: u64) -> String {
        format!("{}.{}", self.inbox, id)
    }

    /// The id of a status answer's subject, if it is one of ours.
    fn id_of(&self, subject: &[u8]) -> Option<u64> {
        let rest = subject.strip_prefix(self.inbox.as_bytes())?.strip_prefix(b".")?;
        if rest.is_empty() || !rest.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(rest).ok()?.parse().ok()
    }

    fn marker_subject(&self) -> String {
        format!("{}.end", self.inbox)
    }

    fn publish_request(&self, id: u64, body: &PullBody) -> Result<()> {
        let conn = self
            .conn
            .upgrade()
            .ok_or_else(|| Error::status(NATS_CONNECTION_CLOSED))?;
        let json = serde_json::to_vec(body).map_err(|e| Error::new(NATS_ERR, e.to_string()))?;
        conn.publish(
            self.next_subject().as_bytes(),
            Some(self.reply(id).as_bytes()),
            None,
            &json,
        )
    }

    fn subscription(&self) -> Option<Arc<Subscription>> {
        self.sub.get().and_then(Weak::upgrade)
    }

    /// Sends the sync fetch's request again (reconnect, missed heartbeat):
    /// a new id, the batch and time left.
    fn reissue_fetch(&self) {
        let (id, body) = {
            let mut st = self.st.lock();
            if !st.in_fetch {
                return;
            }
            let Some(out) = st.out.as_mut() else { return };
            let mut body = out.body.clone();
            body.batch -= out.received;
            if body.batch <= 0 {
                return;
            }
            if let Some(d) = out.deadline {
                let left = d.saturating_duration_since(Instant::now()).as_millis() as i64;
                if left <= 0 {
                    return;
                }
                body.expires = expires_for(left);
            }
            out.body = body.clone();
            out.received = 0;
            st.fetch_id += 1;
            st.last_activity = Some(Instant::now());
            (st.fetch_id, body)
        };
        let _ = self.publish_request(id, &body);
    }

    // ----- async pull -----

    /// The built-in next handler (cnats' auto refill).
    fn auto_next(&self, o: &PullAsyncOptions) -> Option<(i32, i64)> {
        let st = self.st.lock();
        if st.requested - st.delivered_msgs > o.keep_ahead as i64 {
            return None;
        }
        let mut want = i64::from(o.fetch_size);
        if o.max_messages > 0 {
            let left = i64::from(o.max_messages) - st.requested;
            if left <= 0 {
                return None;
            }
            want = want.min(left);
        }
        let mut bytes = 0;
        if o.max_bytes > 0 {
            bytes = o.max_bytes - st.delivered_bytes;
            if bytes <= 0 {
                return None;
            }
        }
        (want > 0).then_some((want as i32, bytes))
    }

    /// Sends the next async pull request if the next handler wants one.
    fn maybe_fetch_more(&self, sub: &Arc<Subscription>) {
        let Some(a) = &self.asy else { return };
        {
            let st = self.st.lock();
            if st.ended || st.closed {
                return;
            }
        }
        let want = match &a.opts.next {
            Some(h) => h(sub),
            None => self.auto_next(&a.opts),
        };
        let Some((batch, max_bytes)) = want.filter(|(b, _)| *b > 0) else {
            return;
        };
        let expires = if a.opts.timeout_ms > 0 {
            let left = a.opts.timeout_ms - a.start.elapsed().as_millis() as i64;
            if left <= 0 {
                return;
            }
            ms_to_ns(left)
        } else if a.opts.no_wait {
            0
        } else {
            ms_to_ns(RENEW_EXPIRES_MS.max(a.opts.heartbeat_ms.saturating_mul(4)))
        };
        let (id, body) = {
            let mut st = self.st.lock();
            st.fetch_id += 1;
            st.requested += i64::from(batch);
            st.outstanding += i64::from(batch);
            if st.last_activity.is_none() {
                st.last_activity = Some(Instant::now());
            }
            let body = PullBody {
                batch: i64::from(batch),
                max_bytes: max_bytes.max(0),
                expires,
                heartbeat: ms_to_ns(a.opts.heartbeat_ms),
                no_wait: a.opts.no_wait,
                group: a.opts.group.clone().filter(|g| !g.is_empty()),
                min_pending: a.opts.min_pending,
                min_ack_pending: a.opts.min_ack_pending,
                id: st.pin_id.clone(),
                priority: 0,
            };
            (st.fetch_id, body)
        };
        if let Err(e) = self.publish_request(id, &body) {
            let mut st = self.st.lock();
            st.requested -= i64::from(batch);
            st.outstanding -= i64::from(batch);
            st.status = e.status;
        }
    }

    /// The requests in flight are gone (reconnect, missed heartbeat,
    /// leadership change, expiry): give their unfilled count back.
    fn forget_outstanding(&self, unfilled: Option<i64>) {
        let mut st = self.st.lock();
        let n = unfilled.unwrap_or(st.outstanding).clamp(0, st.outstanding.max(0));
        st.requested -= n;
        st.outstanding -= n;
    }

    /// Ends an async pull with `status` (on the delivery thread).
    fn end_async(&self, conn: &Arc<Connection>, sub: &Arc<Subscription>, status: natsStatus) {
        {
            let mut st = self.st.lock();
            if st.ended {
                return;
            }
            st.ended = true;
            st.status = status;
        }
        let _ = conn.unsubscribe(sub, 0);
    }

    /// The async pull's wrapper around the user's callback (delivery
    /// thread).
    fn deliver_async(&self, conn: &Arc<Connection>, sub: &Arc<Subscription>, m: Option<Box<Msg>>, cb: &MsgCallback) {
        let Some(m) = m else { return };
        let Some(a) = &self.asy else { return };
        if self.st.lock().ended {
            return;
        }
        let control = status_of(&m).is_some() || m.subject() == self.marker_subject().as_bytes();
        if control {
            sub.uncount_delivered();
        }
        if m.subject() == self.marker_subject().as_bytes() && m.reply().is_none() {
            let status = self.st.lock().ending.unwrap_or(NATS_TIMEOUT);
            self.end_async(conn, sub, status);
            return;
        }
        if let Some((code, desc)) = status_of(&m) {
            if self.id_of(m.subject()) != Some(self.st.lock().fetch_id) {
                return;
            }
            match classify(&code, &desc, &m) {
                Answer::Heartbeat => {}
                Answer::NoMessages if a.opts.no_wait => self.end_async(conn, sub, NATS_NOT_FOUND),
                Answer::Expired(_) if a.opts.no_wait => self.end_async(conn, sub, NATS_TIMEOUT),
                Answer::NoMessages | Answer::LeaderChange => {
                    self.forget_outstanding(None);
                    self.maybe_fetch_more(sub);
                }
                Answer::Expired(unfilled) => {
                    if a.opts.timeout_ms > 0 && a.start.elapsed().as_millis() as i64 >= a.opts.timeout_ms {
                        self.end_async(conn, sub, NATS_TIMEOUT);
                        return;
                    }
                    self.forget_outstanding(unfilled);
                    self.maybe_fetch_more(sub);
                }
                Answer::PinMismatch => {
                    self.st.lock().pin_id = None;
                    self.forget_outstanding(None);
                    self.maybe_fetch_more(sub);
                }
                Answer::NoResponders => self.retry_later(sub),
                Answer::End(e) => self.end_async(conn, sub, e.status),
            }
            return;
        }
        if let Some(pin) = header_value(&m, b"Nats-Pin-Id") {
            self.st.lock().pin_id = Some(pin);
        }
        let size = (m.data().len() + m.header_len()) as i64;
        let (over, last, over_bytes) = {
            let mut st = self.st.lock();
            let over_bytes = a.opts.max_bytes > 0 && st.delivered_bytes > a.opts.max_bytes;
            let mut over = over_bytes;
            let mut last = over_bytes;
            if a.opts.max_messages > 0 {
                over |= st.delivered_msgs >= i64::from(a.opts.max_messages);
                last |= st.delivered_msgs == i64::from(a.opts.max_messages) - 1;
            }
            if !over {
                st.delivered_msgs += 1;
                st.delivered_bytes += size;
            }
            (over, last, over_bytes)
        };
        if !over {
            cb(conn, sub, Some(m));
        }
        if last || over {
            let status = if over_bytes {
                NATS_LIMIT_REACHED
            } else {
                NATS_MAX_DELIVERED_MSGS
            };
            self.end_async(conn, sub, status);
            return;
        }
        self.maybe_fetch_more(sub);
    }

    /// No responders (e.g. no consumer leader during a fail-over): the
    /// async pull sends its request again a little later.
    fn retry_later(&self, sub: &Arc<Subscription>) {
        self.forget_outstanding(None);
        let weak = Arc::downgrade(sub);
        let _ = crate::runtime::spawn("nats-js-retry", move || {
            std::thread::sleep(Duration::from_millis(NO_RESPONDERS_RETRY_MS));
            if let Some(sub) = weak.upgrade() {
                if let Some(p) = sub.js_hook().and_then(|h| h.as_any().downcast_ref::<PullSub>()) {
                    p.maybe_fetch_more(&sub);
                }
            }
        });
    }

    /// The monitor of an async pull with a timeout or heartbeats.
    fn monitor(self: Arc<Self>) {
        let Some(a) = &self.asy else { return };
        let hb = (a.opts.heartbeat_ms > 0).then(|| Duration::from_millis(a.opts.heartbeat_ms as u64 * 2));
        let end = (a.opts.timeout_ms > 0).then(|| a.start + Duration::from_millis(a.opts.timeout_ms as u64));
        let mut st = self.st.lock();
        loop {
            if st.closed || st.ended || st.ending.is_some() {
                return;
            }
            let now = Instant::now();
            if end.is_some_and(|e| now >= e) {
                st.ending = Some(NATS_TIMEOUT);
                drop(st);
                self.enqueue_marker();
                return;
            }
            if let Some(hb) = hb {
                let last = st.last_activity.unwrap_or(now);
                if now.duration_since(last) >= hb {
                    st.last_activity = Some(now);
                    // No request in flight (the next handler declined, or
                    // all received): no heartbeat is due.
                    if st.outstanding <= 0 {
                        continue;
                    }
                    drop(st);
                    if let Some(sub) = self.subscription() {
                        // Messages still queued: not missed, only slow.
                        if sub.stats().map(|s| s.pending_msgs).unwrap_or(0) == 0 {
                            if let Some(c) = sub.connection() {
                                c.post_error(Some(sub.clone()), NATS_MISSED_HEARTBEAT);
                            }
                            self.forget_outstanding(None);
                            self.maybe_fetch_more(&sub);
                        }
                    }
                    st = self.st.lock();
                    continue;
                }
            }
            let mut next = now + Duration::from_secs(3600);
            if let Some(e) = end {
                next = next.min(e);
            }
            if let Some(hb) = hb {
                next = next.min(st.last_activity.unwrap_or(now) + hb);
            }
            self.cv.wait_until(&mut st, next);
        }
    }

    /// Queues the end marker behind the messages already queued.
    fn enqueue_marker(&self) {
        let Some(sub) = self.subscription() else { return };
        if let Ok(m) = Msg::new(self.marker_subject().as_bytes(), None, b"") {
            if let Some(s) = sub.enqueue(Box::new(m)) {
                if let Some(c) = sub.connection() {
                    c.post_error(Some(sub.clone()), s);
                }
            }
        }
    }
}

impl SubHook for PullSub {
    fn on_msg(&self, _sub: &Arc<Subscription>, mut msg: Box<Msg>) -> Option<Box<Msg>> {
        let mut st = self.st.lock();
        st.last_activity = Some(Instant::now());
        if let Some((code, _)) = status_of(&msg) {
            if code == b"100" {
                return None;
            }
            // Answers to older requests are dropped.
            if self.id_of(msg.subject()) != Some(st.fetch_id) {
                return None;
            }
            return Some(msg);
        }
        if let Some(o) = st.out.as_mut() {
            o.received += 1;
        }
        if st.outstanding > 0 {
            st.outstanding -= 1;
        }
        drop(st);
        if self.ack_none.load(Ordering::Relaxed) {
            msg.set_acked();
        }
        Some(msg)
    }

    fn check_next_msg(&self, _sub: &Subscription) -> Result<()> {
        Err(Error::new(NATS_INVALID_SUBSCRIPTION, errs::NOT_FOR_PULL))
    }

    fn on_reconnected(&self, sub: &Arc<Subscription>) {
        if self.asy.is_some() {
            self.forget_outstanding(None);
            self.maybe_fetch_more(sub);
        } else {
            self.reissue_fetch();
        }
    }

    fn on_unsubscribe(&self, sub: &Arc<Subscription>) -> Result<()> {
        if !self.dc.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let (Some(r), Some(c)) = (self.consumer_ref(), sub.connection()) else {
            return Ok(());
        };
        super::sub::delete_consumer(c, &r)
    }

    fn on_destroy(&self, _sub: &Arc<Subscription>) {
        self.dc.store(false, Ordering::Release);
    }

    fn on_closed(&self, sub: &Subscription, why: SubEnd) {
        let status = {
            let mut st = self.st.lock();
            st.closed = true;
            let mut s = st.status;
            if s == NATS_OK && why == SubEnd::ConnectionClosed {
                s = NATS_CONNECTION_CLOSED;
            }
            s
        };
        self.cv.notify_all();
        if why == SubEnd::Drained && self.dc.swap(false, Ordering::AcqRel) {
            if let (Some(r), Some(c)) = (self.consumer_ref(), sub.connection()) {
                let me = self.subscription();
                let _ = crate::runtime::spawn("nats-js-delete", move || {
                    if let Err(e) = super::sub::delete_consumer(c.clone(), &r) {
                        let text = format!(
                            "failed to delete consumer '{}': {} ({})",
                            r.consumer,
                            e.status as i32,
                            e.status.text()
                        );
                        c.post_error_text(me, e.status, Some(text));
                    }
                });
            }
        }
        if let (Some(a), Some(me), Some(c)) = (&self.asy, self.subscription(), sub.connection()) {
            if let Some(h) = a.opts.complete.clone() {
                crate::runtime::post(Box::new(move || h(&c, &me, status)));
            }
        }
    }

    fn consumer_ref(&self) -> Option<ConsumerRef> {
        let consumer = self.consumer.lock().clone();
        (!consumer.is_empty()).then(|| ConsumerRef {
            prefix: self.prefix.clone(),
            stream: self.stream.clone(),
            consumer,
            wait_ms: self.wait_ms,
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A request's `expires` for `left_ms` of time left: a bit shorter than
/// the fetch's own deadline (as cnats), so the server's 408 comes first.
fn expires_for(left_ms: i64) -> i64 {
    let ns = ms_to_ns(left_ms);
    if ns >= 20_000_000 {
        ns - 10_000_000
    } else {
        ns
    }
}

fn pull_of(sub: &Subscription) -> Result<&PullSub> {
    sub.js_hook()
        .and_then(|h| h.as_any().downcast_ref::<PullSub>())
        .ok_or_else(|| Error::new(NATS_INVALID_SUBSCRIPTION, errs::NOT_PULL))
}

impl JetStream {
    /// `js_PullSubscribe`: a pull subscription on the consumer `durable`
    /// (created when missing), or on the consumer the options bind to, or
    /// on a new ephemeral one.
    pub fn pull_subscribe(
        &self,
        subject: &str,
        durable: Option<&str>,
        call: Option<&JsOptions>,
        opts: Option<&SubOptions>,
    ) -> Result<Arc<Subscription>> {
        self.pull_subscribe_impl(subject, durable, None, call, opts)
    }

    /// `js_PullSubscribeAsync`: messages go to `cb`; requests are sent as
    /// `pull` says; the complete handler is told how it ended.
    pub fn pull_subscribe_async(
        &self,
        subject: &str,
        durable: Option<&str>,
        cb: MsgCallback,
        pull: &PullAsyncOptions,
        call: Option<&JsOptions>,
        opts: Option<&SubOptions>,
    ) -> Result<Arc<Subscription>> {
        if pull.keep_ahead > 0 {
            if pull.max_bytes > 0 {
                return Err(Error::invalid_arg("Can not use MaxBytes and KeepAhead together"));
            }
            if pull.no_wait {
                return Err(Error::invalid_arg("Can not use NoWait with KeepAhead together"));
            }
            let group = pull.group.as_deref().filter(|g| !g.is_empty());
            match opts.map(|o| &o.config.priority_groups).filter(|g| !g.is_empty()) {
                Some(groups) => match group {
                    None => return Err(Error::invalid_arg("Group is required for a priority group consumer")),
                    Some(g) if !groups.iter().any(|x| x == g) => {
                        return Err(Error::invalid_arg("Group is not part of the priority group consumer"))
                    }
                    _ => {}
                },
                None if group.is_some() => {
                    return Err(Error::invalid_arg(
                        "Group is not supported for a non-priority group consumer",
                    ))
                }
                None => {}
            }
        }
        self.pull_subscribe_impl(subject, durable, Some((cb, pull.clone())), call, opts)
    }

    fn pull_subscribe_impl(
        &self,
        subject: &str,
        durable: Option<&str>,
        asy: Option<(MsgCallback, PullAsyncOptions)>,
        call: Option<&JsOptions>,
        opts: Option<&SubOptions>,
    ) -> Result<Arc<Subscription>> {
        let default = SubOptions::default();
        let o = opts.unwrap_or(&default);
        if o.ordered {
            return Err(Error::invalid_arg("can not use pull mode for an ordered consumer"));
        }
        let subjects: Vec<&str> = if subject.is_empty() { Vec::new() } else { vec![subject] };
        let resolved = self.resolve_consumer(&subjects, durable, true, call, o)?;
        let (prefix, wait_ms) = self.sub_ref_opts(call);
        let conn = self.conn().clone();
        let inbox = conn.new_inbox();
        let (cb, asy) = match asy {
            Some((cb, mut p)) => {
                if p.fetch_size <= 0 {
                    p.fetch_size = DEFAULT_ASYNC_FETCH_SIZE;
                }
                (
                    Some(cb),
                    Some(AsyncPull {
                        opts: p,
                        start: Instant::now(),
                    }),
                )
            }
            None => (None, None),
        };
        let hook = Arc::new(PullSub {
            conn: Arc::downgrade(&conn),
            sub: OnceLock::new(),
            inbox: inbox.clone(),
            prefix,
            stream: resolved.stream.clone(),
            consumer: Mutex::new(resolved.info.as_ref().map(|i| i.name.clone()).unwrap_or_default()),
            wait_ms,
            dc: AtomicBool::new(false),
            ack_none: AtomicBool::new(false),
            st: Mutex::new(PullState {
                status: NATS_OK,
                in_fetch: asy.is_some(),
                ..Default::default()
            }),
            cv: Condvar::new(),
            asy,
        });
        let wrapped: Option<MsgCallback> = cb.map(|user| {
            let h = hook.clone();
            let f: MsgCallback = Arc::new(move |c, s, m| h.deliver_async(c, s, m, &user));
            f
        });
        let sub = conn.subscribe_with_hook(format!("{inbox}.*").as_bytes(), None, wrapped, 0, Some(hook.clone()))?;
        let _ = hook.sub.set(Arc::downgrade(&sub));
        let info: ConsumerInfo = match self.create_resolved(&resolved, true, &subjects, call) {
            Ok((info, created)) => {
                hook.dc.store(created, Ordering::Release);
                info
            }
            Err(e) => {
                hook.st.lock().ended = true;
                let _ = conn.unsubscribe(&sub, 0);
                return Err(e);
            }
        };
        *hook.consumer.lock() = info.name.clone();
        hook.ack_none
            .store(info.config.ack_policy == Some(AckPolicy::None), Ordering::Relaxed);
        // As cnats: room for the consumer's max ack pending.
        let maxap = info.config.max_ack_pending;
        if let Ok((ml, bl)) = sub.pending_limits() {
            if maxap > i64::from(ml) {
                let ml = maxap.min(i64::from(i32::MAX)) as i32;
                let bl = bl.max(maxap.saturating_mul(1024 * 1024));
                let _ = sub.set_pending_limits(ml, bl);
            }
        }
        if let Some(a) = &hook.asy {
            if a.opts.timeout_ms > 0 || a.opts.heartbeat_ms > 0 {
                let h = hook.clone();
                if let Err(e) = conn.spawn_guarded("nats-js-pull", move || h.monitor()) {
                    hook.st.lock().ended = true;
                    let _ = conn.unsubscribe(&sub, 0);
                    return Err(Error::new(NATS_SYS_ERROR, format!("cannot start pull monitor: {e}")));
                }
            }
            hook.maybe_fetch_more(&sub);
        }
        Ok(sub)
    }
}

/// `natsSubscription_Fetch`: up to `batch` messages within `timeout_ms`.
pub fn fetch(sub: &Arc<Subscription>, batch: i32, timeout_ms: i64) -> Result<Vec<Box<Msg>>> {
    let req = FetchRequest {
        batch,
        expires: ms_to_ns(timeout_ms),
        ..Default::default()
    };
    fetch_impl(sub, &req, true)
}

/// `natsSubscription_FetchRequest`.
pub fn fetch_request(sub: &Arc<Subscription>, req: &FetchRequest) -> Result<Vec<Box<Msg>>> {
    fetch_impl(sub, req, false)
}

// Boxed: each message is handed to C as its own `natsMsg *`.
#[allow(clippy::vec_box)]
fn fetch_impl(sub: &Arc<Subscription>, req: &FetchRequest, simple: bool) -> Result<Vec<Box<Msg>>> {
    if req.batch <= 0 || req.max_bytes < 0 {
        return Err(Error::status(NATS_INVALID_ARG));
    }
    if !req.no_wait && req.expires <= 0 {
        return Err(Error::status(NATS_INVALID_TIMEOUT));
    }
    let p = pull_of(sub)?;
    {
        let mut st = p.st.lock();
        if st.in_fetch {
            return Err(Error::new(NATS_ERR, errs::CONCURRENT_FETCH));
        }
        st.in_fetch = true;
    }
    let r = p.fetch_loop(sub, req, simple);
    let mut st = p.st.lock();
    st.in_fetch = false;
    st.out = None;
    r
}

impl PullSub {
    /// After a 503 in a fetch: wait a little (within the deadline), then
    /// send the request again.
    fn pause_then_resend(&self, deadline: Instant, send: &mut bool) {
        let left = deadline.saturating_duration_since(Instant::now());
        std::thread::sleep(left.min(Duration::from_millis(NO_RESPONDERS_RETRY_MS)));
        *send = true;
    }

    #[allow(clippy::vec_box)]
    fn fetch_loop(&self, sub: &Arc<Subscription>, req: &FetchRequest, simple: bool) -> Result<Vec<Box<Msg>>> {
        let start = Instant::now();
        // Without expiry (no-wait), wait for the server's answer up to the
        // context wait.
        let deadline = if req.expires > 0 {
            start + Duration::from_nanos(req.expires as u64)
        } else {
            start + Duration::from_millis(self.wait_ms.max(1) as u64)
        };
        let hb = (req.heartbeat > 0).then(|| Duration::from_nanos(req.heartbeat as u64 * 2));
        let mut msgs: Vec<Box<Msg>> = Vec::new();
        let mut size: i64 = 0;
        let room = |n: usize, size: i64| (n as i32) < req.batch && (req.max_bytes == 0 || size < req.max_bytes);
        // Messages already queued (of an earlier fetch) come first.
        while room(msgs.len(), size) {
            match sub.next_msg_internal(0) {
                Ok(m) => {
                    if status_of(&m).is_none() {
                        size += m.wire_size() as i64;
                        msgs.push(m);
                    } else {
                        sub.uncount_delivered();
                    }
                }
                Err(_) => break,
            }
        }
        let mut no_wait = if simple {
            req.batch - msgs.len() as i32 > 1
        } else {
            req.no_wait
        };
        let mut send = true;
        let mut result: Result<()> = Ok(());
        // A 503 is retried within the time left; if it is the last answer,
        // it is the result.
        let mut no_responders = false;
        while room(msgs.len(), size) {
            let now = Instant::now();
            if now >= deadline {
                result = Err(Error::status(if no_responders {
                    NATS_NO_RESPONDERS
                } else {
                    NATS_TIMEOUT
                }));
                break;
            }
            let left_ms = deadline.duration_since(now).as_millis() as i64;
            if send {
                send = false;
                let body = PullBody {
                    batch: i64::from(req.batch) - msgs.len() as i64,
                    max_bytes: req.max_bytes,
                    expires: if req.expires > 0 { expires_for(left_ms) } else { 0 },
                    heartbeat: req.heartbeat,
                    no_wait,
                    group: req.group.clone().filter(|g| !g.is_empty()),
                    min_pending: req.min_pending,
                    min_ack_pending: req.min_ack_pending,
                    id: req.id.clone().filter(|g| !g.is_empty()),
                    priority: req.priority,
                };
                let id = {
                    let mut st = self.st.lock();
                    st.fetch_id += 1;
                    st.last_activity = Some(now);
                    st.out = Some(Outstanding {
                        body: body.clone(),
                        deadline: (req.expires > 0).then_some(deadline),
                        received: 0,
                    });
                    st.fetch_id
                };
                if let Err(e) = self.publish_request(id, &body) {
                    result = Err(e);
                    break;
                }
            }
            // Wait for the next message, waking up for heartbeat checks.
            let mut wait = deadline.saturating_duration_since(Instant::now());
            if let Some(hb) = hb {
                let last = self.st.lock().last_activity.unwrap_or(now);
                wait = wait.min((last + hb).saturating_duration_since(Instant::now()));
            }
            let wait_ms = (wait.as_micros() as i64 + 999) / 1000;
            match sub.next_msg_internal(wait_ms) {
                Ok(m) => {
                    let Some((code, desc)) = status_of(&m) else {
                        size += m.wire_size() as i64;
                        msgs.push(m);
                        continue;
                    };
                    sub.uncount_delivered();
                    if self.id_of(m.subject()) != Some(self.st.lock().fetch_id) {
                        continue;
                    }
                    match classify(&code, &desc, &m) {
                        Answer::Heartbeat => {}
                        Answer::NoMessages => {
                            if simple && no_wait && msgs.is_empty() {
                                no_wait = false;
                                send = true;
                            } else {
                                result = Err(Error::status(NATS_NOT_FOUND));
                                break;
                            }
                        }
                        Answer::Expired(_) => {
                            result = Err(Error::status(NATS_TIMEOUT));
                            break;
                        }
                        Answer::LeaderChange => send = true,
                        Answer::PinMismatch => {
                            result = Err(Error::status(NATS_PIN_ID_MISMATCH));
                            break;
                        }
                        Answer::NoResponders => {
                            no_responders = true;
                            self.pause_then_resend(deadline, &mut send);
                        }
                        Answer::End(e) => {
                            result = Err(e);
                            break;
                        }
                    }
                }
                Err(e) if e.status == NATS_TIMEOUT => {
                    if let Some(hb) = hb {
                        let now = Instant::now();
                        let missed = {
                            let mut st = self.st.lock();
                            let last = st.last_activity.unwrap_or(now);
                            if now.duration_since(last) >= hb {
                                st.last_activity = Some(now);
                                true
                            } else {
                                false
                            }
                        };
                        if missed && now < deadline {
                            if let Some(c) = sub.connection() {
                                c.post_error(Some(sub.clone()), NATS_MISSED_HEARTBEAT);
                            }
                            self.reissue_fetch();
                        }
                    }
                }
                Err(e) if e.status == NATS_NO_RESPONDERS => {
                    sub.uncount_delivered();
                    no_responders = true;
                    self.pause_then_resend(deadline, &mut send);
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        match result {
            _ if !msgs.is_empty() => Ok(msgs),
            Ok(()) => Ok(msgs),
            Err(e) => Err(e),
        }
    }
}

/// The async pull's counters (tests, diagnostics): requested, delivered.
pub fn async_counts(sub: &Subscription) -> Result<(i64, i64)> {
    let p = pull_of(sub)?;
    let st = p.st.lock();
    Ok((st.requested, st.delivered_msgs))
}

/// Whether `sub` is a pull subscription.
pub fn is_pull(sub: &Subscription) -> bool {
    pull_of(sub).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_request_bodies() {
        let b = PullBody {
            batch: 10,
            ..Default::default()
        };
        assert_eq!(serde_json::to_string(&b).unwrap(), "{\"batch\":10}");
        let b = PullBody {
            batch: 1,
            max_bytes: 100,
            expires: 5,
            heartbeat: 7,
            no_wait: true,
            group: Some("g\"x".into()),
            min_pending: 2,
            min_ack_pending: 3,
            id: Some("pin".into()),
            priority: 4,
        };
        assert_eq!(
            serde_json::to_string(&b).unwrap(),
            concat!(
                "{\"batch\":1,\"max_bytes\":100,\"expires\":5,\"idle_heartbeat\":7,\"no_wait\":true,",
                "\"group\":\"g\\\"x\",\"min_pending\":2,\"min_ack_pending\":3,\"id\":\"pin\",\"priority\":4}"
            )
        );
        assert_eq!(expires_for(1000), 990_000_000);
        assert_eq!(expires_for(10), 10_000_000);
    }

    #[test]
    fn status_answers() {
        let st = |block: &str| {
            let b = block.as_bytes();
            let mut m = crate::msg::Msg::received(b"_INBOX.x.3", None, b.len(), b).unwrap();
            let (c, d) = status_of(&m).unwrap();
            let a = classify(&c, &d, &m);
            m.set_acked();
            a
        };
        assert_eq!(st("NATS/1.0 100 Idle Heartbeat\r\n\r\n"), Answer::Heartbeat);
        assert_eq!(st("NATS/1.0 404 No Messages\r\n\r\n"), Answer::NoMessages);
        assert_eq!(
            st("NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 7\r\nNats-Pending-Bytes: 0\r\n\r\n"),
            Answer::Expired(Some(7))
        );
        assert_eq!(st("NATS/1.0 408 Request Timeout\r\n\r\n"), Answer::Expired(None));
        assert_eq!(st("NATS/1.0 409 Leadership Change\r\n\r\n"), Answer::LeaderChange);
        assert_eq!(st("NATS/1.0 423 Nats-Pin-Id mismatch\r\n\r\n"), Answer::PinMismatch);
        match st("NATS/1.0 409 Exceeded MaxWaiting\r\n\r\n") {
            Answer::End(e) => assert_eq!((e.status, e.text.as_str()), (NATS_LIMIT_REACHED, "Exceeded MaxWaiting")),
            a => panic!("{a:?}"),
        }
        match st("NATS/1.0 400 Bad Request\r\n\r\n") {
            Answer::End(e) => assert_eq!(e.status, NATS_INVALID_ARG),
            a => panic!("{a:?}"),
        }
        match st("NATS/1.0 500 Whatever\r\n\r\n") {
            Answer::End(e) => assert_eq!(e.status, NATS_ERR),
            a => panic!("{a:?}"),
        }
        // A message with data is a user message, even with a status line.
        let m = crate::msg::Msg::received(b"a", None, 0, b"data").unwrap();
        assert!(status_of(&m).is_none());
    }
}

//! Push subscriptions (`js_Subscribe`, `js_SubscribeSync`,
//! `js_SubscribeMulti`, `js_SubscribeSyncMulti`).
//!
//! A JetStream push subscription is a core [`Subscription`] on the
//! consumer's deliver subject with a [`PushSub`] as its JetStream hook:
//! the hook swallows idle heartbeats and flow-control requests (answered
//! once the messages received before them were delivered), tracks the
//! consumer sequences (sequence mismatch, `GetSequenceMismatch`), watches
//! the heartbeats (missed ones go to the error handler, not fatal), and
//! deletes the consumer the library created at `Unsubscribe`/`Drain`
//! (kept at `Destroy`). The ordered consumer (ADR-17) lives in
//! `ordered.rs`.

use super::types::{AckPolicy, ConsumerConfig, DeliverPolicy};
use super::{JetStream, JsOptions};
use crate::conn::sub::{MsgCallback, Subscription};
use crate::conn::sub_hook::{ConsumerRef, SubEnd, SubHook};
use crate::conn::Connection;
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::status::natsStatus::{self, *};
use parking_lot::{Condvar, Mutex};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

pub use super::sub::SubOptions;

/// cnats' `jsConsumerSequenceMismatch`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SequenceMismatch {
    /// Stream sequence of the last message received.
    pub stream: u64,
    /// Consumer sequence of the last message received.
    pub consumer_client: u64,
    /// The consumer sequence the server last sent (heartbeat).
    pub consumer_server: u64,
}

/// The error texts cnats uses.
pub(crate) mod errs {
    pub const NO_STREAM: &str = "no stream matches subject";
    pub const PULL_REQUIRED: &str = "must use pull subscribe to bind to pull based consumer";
    pub const NOT_JS: &str = "not a JetStream subscription";
    pub const NO_HB_FOR_QUEUE: &str = "a queue subscription cannot be created for a consumer with heartbeat";
    pub const NO_FC_FOR_QUEUE: &str = "a queue subscription cannot be created for a consumer with flow control";
    pub const ORDERED_DURABLE: &str = "durable can not be set for an ordered consumer";
    pub const ORDERED_ACK: &str = "ack policy can not be set for an ordered consumer";
    pub const ORDERED_MAX_DELIVER: &str = "max deliver can not be set for an ordered consumer";
    pub const ORDERED_DELIVER: &str = "deliver subject can not be set for an ordered consumer";
    pub const ORDERED_QUEUE: &str = "queue can not be set for an ordered consumer";
    pub const ORDERED_BIND: &str = "can not bind existing consumer for an ordered consumer";
    pub const SEQ_MISMATCH: &str = "consumer sequence mismatch";
}

/// JetStream error codes of a create race (another subscriber created the
/// durable first).
const CONSUMER_NAME_EXISTS: u16 = 10013;
const CONSUMER_EXISTING_ACTIVE: u16 = 10105;

/// The default heartbeat of an ordered consumer (5 s, in ns).
pub const ORDERED_HEARTBEAT_NS: i64 = 5_000_000_000;

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

impl JetStream {
    /// `js_Subscribe` (with a callback) / `js_SubscribeSync` (`cb` None).
    /// `subject` may be empty only when binding (`stream` and `consumer`
    /// set).
    pub fn subscribe(
        &self,
        subject: &str,
        cb: Option<MsgCallback>,
        call: Option<&JsOptions>,
        opts: Option<&SubOptions>,
    ) -> Result<Arc<Subscription>> {
        let subjects: Vec<&str> = if subject.is_empty() { Vec::new() } else { vec![subject] };
        self.subscribe_multi(&subjects, cb, call, opts)
    }

    /// `js_SubscribeMulti` / `js_SubscribeSyncMulti`: one consumer with
    /// several filter subjects.
    pub fn subscribe_multi(
        &self,
        subjects: &[&str],
        cb: Option<MsgCallback>,
        call: Option<&JsOptions>,
        opts: Option<&SubOptions>,
    ) -> Result<Arc<Subscription>> {
        let default = SubOptions::default();
        let o = opts.unwrap_or(&default);
        subscribe_impl(self, subjects, cb, call, o)
    }
}

/// `natsSubscription_GetSequenceMismatch`: `NATS_NOT_FOUND` when there is
/// none, `NATS_INVALID_SUBSCRIPTION` for a non-JetStream subscription.
pub fn sequence_mismatch(sub: &Subscription) -> Result<SequenceMismatch> {
    let p = push_of(sub)?;
    p.mismatch()
}

/// The stream and consumer a push subscription is bound to (the
/// consumer is `None` while an ordered consumer is being recreated).
pub fn push_consumer(sub: &Subscription) -> Result<(String, Option<String>)> {
    let p = push_of(sub)?;
    Ok((p.stream.clone(), p.consumer()))
}

fn push_of(sub: &Subscription) -> Result<&PushSub> {
    sub.js_hook()
        .and_then(|h| h.as_any().downcast_ref::<PushSub>())
        .ok_or_else(|| Error::new(crate::status::natsStatus::NATS_INVALID_SUBSCRIPTION, errs::NOT_JS))
}

/// The JetStream state of a push subscription (its engine hook).
pub struct PushSub {
    pub(crate) conn: Weak<Connection>,
    /// API prefix and wait of the requests made later (delete, recreate).
    pub(crate) prefix: String,
    pub(crate) wait: i64,
    pub(crate) stream: String,
    pub(crate) deliver: String,
    /// Heartbeat interval in ms (0: none).
    pub(crate) hb_ms: i64,
    /// The ordered consumer's configuration (without deliver subject and
    /// start), `None` for a plain push subscription.
    pub(crate) ordered: Option<ConsumerConfig>,
    pub(crate) st: Mutex<PushState>,
    pub(crate) cv: Condvar,
    /// The core subscription (set once subscribed).
    pub(crate) sub: std::sync::OnceLock<Weak<Subscription>>,
}

#[derive(Default)]
pub(crate) struct PushState {
    pub consumer: Option<String>,
    /// Delete the consumer at Unsubscribe/Drain (the library created it).
    pub delete_consumer: bool,
    pub closed: bool,
    /// Something arrived since the last heartbeat check.
    pub active: bool,
    /// (stream seq, consumer seq) of the last message received.
    pub meta: Option<(u64, u64)>,
    pub mismatch: SequenceMismatch,
    /// A mismatch to report once by NextMsg.
    pub sm: bool,
    /// A mismatch was reported and is not resolved yet.
    pub ssmn: bool,
    /// Messages received (for flow control).
    pub fciseq: u64,
    pub fc_reply: Option<Vec<u8>>,
    pub fc_delivered: u64,
    // Ordered consumer.
    /// Last stream / consumer sequence let through.
    pub o_sseq: u64,
    pub o_dseq: u64,
    /// A recreation thread runs.
    pub resetting: bool,
    /// A (further) recreation is wanted.
    pub reset_wanted: bool,
    /// Consumers replaced: their messages are dropped.
    pub retired: Vec<String>,
    /// Replaced consumers still to delete.
    pub to_delete: Vec<String>,
    /// Number of recreations (for tests and reports).
    pub resets: u64,
    /// Messages handed to the user so far.
    pub delivered: u64,
    /// Flow-control requests answered.
    pub fc_answered: u64,
    /// The reply subject of the message in the callback (auto-ack), and
    /// whether the application acknowledged it there.
    pub in_cb: Option<Vec<u8>>,
    pub in_cb_acked: bool,
}

impl PushSub {
    pub(crate) fn js(&self) -> Option<JetStream> {
        let conn = self.conn.upgrade()?;
        let o = JsOptions {
            prefix: Some(self.prefix.clone()),
            wait: self.wait,
            ..Default::default()
        };
        JetStream::new(conn, Some(&o)).ok()
    }

    pub(crate) fn consumer(&self) -> Option<String> {
        self.st.lock().consumer.clone()
    }

    /// Number of times an ordered consumer was recreated.
    pub fn resets(&self) -> u64 {
        self.st.lock().resets
    }

    /// Number of flow-control requests answered after delivery.
    pub fn flow_control_answers(&self) -> u64 {
        self.st.lock().fc_answered
    }

    fn mismatch(&self) -> Result<SequenceMismatch> {
        let st = self.st.lock();
        if st.mismatch.consumer_client == st.mismatch.consumer_server {
            return Err(Error::status(NATS_NOT_FOUND));
        }
        Ok(st.mismatch)
    }

    fn post(&self, sub: &Arc<Subscription>, s: natsStatus, text: Option<String>) {
        if let Some(c) = self.conn.upgrade() {
            c.post_error_text(Some(sub.clone()), s, text);
        }
    }

    /// Answers a pending flow-control request once everything received
    /// before it was delivered (or dropped as a slow consumer: those will
    /// never be delivered).
    pub(crate) fn check_fc(&self, sub: &Subscription, delivered: u64) {
        let (delivered, dropped) = match sub.stats() {
            Ok(s) => (delivered.max(s.delivered), s.dropped),
            Err(_) => (delivered, 0),
        };
        let reply = {
            let mut st = self.st.lock();
            st.delivered = st.delivered.max(delivered);
            if st.fc_reply.is_none() || st.delivered + dropped < st.fc_delivered {
                return;
            }
            st.fc_delivered = 0;
            st.fc_answered += 1;
            st.fc_reply.take()
        };
        if let (Some(r), Some(c)) = (reply, self.conn.upgrade()) {
            let _ = c.publish(&r, None, None, b"");
        }
    }

    /// A status 100 message: heartbeat or flow-control request.
    fn on_control(&self, sub: &Arc<Subscription>, mut msg: Msg) {
        let desc = msg
            .header_block()
            .and_then(|b| crate::proto::headers::parse_status_line(&b).map(|(_, d)| d.to_vec()))
            .unwrap_or_default();
        if desc.starts_with(b"Flow") {
            if let Some(r) = msg.reply() {
                {
                    let mut st = self.st.lock();
                    st.active = true;
                    st.fc_reply = Some(r.to_vec());
                    st.fc_delivered = st.fciseq;
                }
                self.check_fc(sub, 0);
                self.cv.notify_all();
            }
            return;
        }
        // Idle heartbeat.
        let (stalled, last_cons) = match msg.existing_headers() {
            Ok(Some(h)) => (
                h.get_bytes(b"Nats-Consumer-Stalled").map(|v| v.to_vec()),
                h.get_bytes(b"Nats-Last-Consumer").map(|v| v.to_vec()),
            ),
            _ => (None, None),
        };
        if let (Some(r), Some(c)) = (stalled.filter(|r| !r.is_empty()), self.conn.upgrade()) {
            let _ = c.publish(&r, None, None, b"");
        }
        let ldseq = last_cons.and_then(|v| std::str::from_utf8(&v).ok().and_then(|s| s.trim().parse::<u64>().ok()));
        let mut st = self.st.lock();
        st.active = true;
        if self.ordered.is_some() {
            if st.resetting || st.consumer.is_none() {
                return;
            }
            if let Some(l) = ldseq {
                if l != st.o_dseq {
                    self.reset_locked(sub, &mut st);
                }
            }
            return;
        }
        let Some((sseq, dseq)) = st.meta else { return };
        let Some(l) = ldseq else { return };
        st.mismatch = SequenceMismatch {
            stream: sseq,
            consumer_client: dseq,
            consumer_server: l,
        };
        if l == dseq {
            st.sm = false;
            st.ssmn = false;
        } else if !st.ssmn {
            st.sm = true;
            st.ssmn = true;
            if sub.is_async() {
                drop(st);
                self.post(sub, NATS_MISMATCH, Some(errs::SEQ_MISMATCH.to_string()));
            }
        }
    }

    /// The heartbeat monitor (own thread, only with heartbeats): every two
    /// intervals without anything received is a missed heartbeat,
    /// reported to the error handler (an ordered consumer is recreated).
    fn monitor(self: Arc<Self>, sub: Weak<Subscription>) {
        let every = Duration::from_millis(2 * self.hb_ms.max(1) as u64);
        let mut next = Instant::now() + every;
        loop {
            {
                let mut st = self.st.lock();
                while !st.closed && Instant::now() < next {
                    self.cv.wait_until(&mut st, next);
                }
                if st.closed {
                    return;
                }
            }
            next = Instant::now() + every;
            let Some(s) = sub.upgrade() else { return };
            if !s.is_valid() {
                return;
            }
            let missed = {
                let mut st = self.st.lock();
                let missed = !st.active;
                st.active = false;
                // While a recreation is under way nothing arrives: that
                // is not a reason to throw away the consumer it is making.
                if missed && self.ordered.is_some() && !st.resetting {
                    self.reset_locked(&s, &mut st);
                }
                missed
            };
            if missed {
                self.post(&s, NATS_MISSED_HEARTBEAT, None);
            }
        }
    }

    fn delete_now(&self) -> Result<()> {
        let (consumer, others) = {
            let mut st = self.st.lock();
            st.closed = true;
            let c = if st.delete_consumer { st.consumer.clone() } else { None };
            st.delete_consumer = false;
            (c, std::mem::take(&mut st.to_delete))
        };
        self.cv.notify_all();
        let Some(js) = self.js() else { return Ok(()) };
        for o in others {
            let _ = js.delete_consumer(&self.stream, &o, None);
        }
        let Some(c) = consumer else { return Ok(()) };
        match js.delete_consumer(&self.stream, &c, None) {
            Err(e) if e.status == NATS_NOT_FOUND => Err(Error::js(
                NATS_NOT_FOUND,
                e.js_code,
                format!("failed to delete consumer '{c}': not found"),
            )),
            r => r,
        }
    }
}

impl SubHook for PushSub {
    fn on_msg(&self, sub: &Arc<Subscription>, msg: Box<Msg>) -> Option<Box<Msg>> {
        if msg.data().is_empty() && msg.status().is_some_and(|s| s == b"100") {
            self.on_control(sub, *msg);
            return None;
        }
        let meta = msg
            .reply()
            .and_then(|r| r.strip_prefix(b"$JS.ACK."))
            .and_then(parse_ack_meta);
        let Some(meta) = meta else {
            self.st.lock().active = true;
            return Some(msg);
        };
        let mut st = self.st.lock();
        st.active = true;
        if self.ordered.is_some() && !self.ordered_accept(sub, &mut st, &meta, msg.wire_size()) {
            return None;
        }
        st.fciseq += 1;
        st.meta = Some((meta.sseq, meta.dseq));
        Some(msg)
    }

    fn on_reconnected(&self, sub: &Arc<Subscription>) {
        if self.ordered.is_some() {
            let mut st = self.st.lock();
            self.reset_locked(sub, &mut st);
        }
    }

    fn on_unsubscribe(&self, _sub: &Arc<Subscription>) -> Result<()> {
        self.delete_now()
    }

    fn on_delivered(&self, sub: &Arc<Subscription>, delivered: u64) {
        self.check_fc(sub, delivered);
    }

    fn on_destroy(&self, _sub: &Arc<Subscription>) {
        let mut st = self.st.lock();
        st.delete_consumer = false;
        st.closed = true;
        drop(st);
        self.cv.notify_all();
    }

    fn on_closed(&self, sub: &Subscription, why: SubEnd) {
        {
            let mut st = self.st.lock();
            if why != SubEnd::Unsubscribed {
                st.closed = true;
            }
            if why != SubEnd::Drained || !st.delete_consumer {
                drop(st);
                self.cv.notify_all();
                return;
            }
        }
        // As cnats: the consumer the library created goes once the drain
        // completed; a failure goes to the error handler.
        let Some(me) = sub.js_hook().cloned() else { return };
        let weak = self.sub.get().cloned();
        let _ = crate::runtime::spawn("nats-js-del", move || {
            if let Some(p) = me.as_any().downcast_ref::<PushSub>() {
                let name = p.consumer().unwrap_or_default();
                if let Err(e) = p.delete_now() {
                    if let Some(s) = weak.and_then(|w| w.upgrade()) {
                        p.post(
                            &s,
                            e.status,
                            Some(format!(
                                "failed to delete consumer '{name}': {} ({})",
                                e.status as i32, e.text
                            )),
                        );
                    }
                }
            }
        });
    }

    fn check_next_msg(&self, _sub: &Subscription) -> Result<()> {
        let mut st = self.st.lock();
        if st.sm {
            st.sm = false;
            return Err(Error::new(NATS_MISMATCH, errs::SEQ_MISMATCH));
        }
        Ok(())
    }

    fn on_acked(&self, reply: &[u8]) {
        let mut st = self.st.lock();
        if st.in_cb.as_deref() == Some(reply) {
            st.in_cb_acked = true;
        }
    }

    fn consumer_ref(&self) -> Option<ConsumerRef> {
        Some(ConsumerRef {
            prefix: self.prefix.clone(),
            stream: self.stream.clone(),
            consumer: self.consumer()?,
            wait_ms: self.wait,
        })
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// What the library needs from a `$JS.ACK.` reply subject (without that
/// prefix): v1 `<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>`
/// or v2 `<domain>.<hash>.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>[...]`.
pub(crate) struct AckMeta {
    pub consumer: String,
    pub sseq: u64,
    pub dseq: u64,
}

pub(crate) fn parse_ack_meta(r: &[u8]) -> Option<AckMeta> {
    let t: Vec<&[u8]> = r.split(|b| *b == b'.').collect();
    let base = match t.len() {
        7 => 0,
        n if n >= 9 => 2,
        _ => return None,
    };
    let num = |b: &[u8]| std::str::from_utf8(b).ok()?.parse::<u64>().ok();
    Some(AckMeta {
        consumer: String::from_utf8(t[base + 1].to_vec()).ok()?,
        sseq: num(t[base + 3])?,
        dseq: num(t[base + 4])?,
    })
}

#[derive(Serialize)]
struct NamesBySubject<'a> {
    subject: &'a str,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StreamNames {
    streams: Option<Vec<String>>,
}

fn lookup_stream(js: &JetStream, call: Option<&JsOptions>, subject: &str) -> Result<String> {
    let o = js.call_opts(call);
    let body = serde_json::to_vec(&NamesBySubject { subject })
        .map_err(|e| Error::new(NATS_ERR, format!("cannot encode request: {e}")))?;
    let r: StreamNames = js.api_request(&o, "STREAM.NAMES", &body, &[])?;
    r.streams
        .and_then(|v| v.into_iter().next())
        .ok_or_else(|| Error::new(NATS_ERR, errs::NO_STREAM))
}

fn differ_str(user: &Option<String>, server: &Option<String>) -> bool {
    match non_empty(user) {
        None => false,
        Some(u) => non_empty(server) != Some(u),
    }
}

/// cnats' `_checkConfig`: the user's set fields must match the consumer's.
pub(crate) fn check_config(s: &ConsumerConfig, u: &ConsumerConfig) -> Result<()> {
    fn e(what: &str, want: impl std::fmt::Display, have: impl std::fmt::Display) -> Result<()> {
        Err(Error::new(
            NATS_ERR,
            format!("configuration requests {what} to be {want}, but consumer's value is {have}"),
        ))
    }
    if differ_str(&u.durable, &s.durable) {
        return e(
            "durable",
            format!("'{}'", u.durable.as_deref().unwrap_or("")),
            format!("'{}'", s.durable.as_deref().unwrap_or("")),
        );
    }
    if differ_str(&u.description, &s.description) {
        return e(
            "description",
            format!("'{}'", u.description.as_deref().unwrap_or("")),
            format!("'{}'", s.description.as_deref().unwrap_or("")),
        );
    }
    if let Some(p) = u.deliver_policy {
        if Some(p) != s.deliver_policy {
            return e("deliver policy", p as i32, s.deliver_policy.map_or(-1, |p| p as i32));
        }
    }
    if u.opt_start_seq > 0 && u.opt_start_seq != s.opt_start_seq {
        return e("optional start sequence", u.opt_start_seq, s.opt_start_seq);
    }
    if u.opt_start_time > 0 && u.opt_start_time != s.opt_start_time {
        return e("optional start time", u.opt_start_time, s.opt_start_time);
    }
    if let Some(p) = u.ack_policy {
        if Some(p) != s.ack_policy {
            return e("ack policy", p as i32, s.ack_policy.map_or(-1, |p| p as i32));
        }
    }
    if u.ack_wait > 0 && u.ack_wait != s.ack_wait {
        return e("ack wait", u.ack_wait, s.ack_wait);
    }
    if u.max_deliver > 0 && u.max_deliver != s.max_deliver {
        return e("max deliver", u.max_deliver, s.max_deliver);
    }
    if !u.back_off.is_empty() && u.back_off.len() != s.back_off.len() {
        return e("backoff list length", u.back_off.len(), s.back_off.len());
    }
    if let Some(p) = u.replay_policy {
        if Some(p) != s.replay_policy {
            return e("replay policy", p as i32, s.replay_policy.map_or(-1, |p| p as i32));
        }
    }
    if u.rate_limit > 0 && u.rate_limit != s.rate_limit {
        return e("rate limit", u.rate_limit, s.rate_limit);
    }
    if differ_str(&u.sample_frequency, &s.sample_frequency) {
        return e(
            "sample frequency",
            format!("'{}'", u.sample_frequency.as_deref().unwrap_or("")),
            format!("'{}'", s.sample_frequency.as_deref().unwrap_or("")),
        );
    }
    if u.max_waiting > 0 && u.max_waiting != s.max_waiting {
        return e("max waiting", u.max_waiting, s.max_waiting);
    }
    if u.max_ack_pending > 0 && u.max_ack_pending != s.max_ack_pending {
        return e("max ack pending", u.max_ack_pending, s.max_ack_pending);
    }
    if u.flow_control && !s.flow_control {
        return e("flow control", "'true'", "'false'");
    }
    if u.heartbeat > 0 && u.heartbeat != s.heartbeat {
        return e("heartbeat", u.heartbeat, s.heartbeat);
    }
    if u.headers_only != s.headers_only {
        return e("headers only", u.headers_only as i32, s.headers_only as i32);
    }
    if u.inactive_threshold > 0 && u.inactive_threshold != s.inactive_threshold {
        return e("inactive threshold", u.inactive_threshold, s.inactive_threshold);
    }
    if u.replicas > 0 && u.replicas != s.replicas {
        return e("replicas", u.replicas, s.replicas);
    }
    if u.memory_storage != s.memory_storage {
        return e("memory storage", u.memory_storage as i32, s.memory_storage as i32);
    }
    Ok(())
}

/// cnats' `_processConsInfo` for push mode: the deliver subject to
/// subscribe to.
fn process_info(
    info: &super::types::ConsumerInfo,
    user: &ConsumerConfig,
    subjects: &[&str],
    queue: Option<&str>,
) -> Result<String> {
    let c = &info.config;
    let mut filters: Vec<&str> = if !c.filter_subjects.is_empty() {
        c.filter_subjects.iter().map(String::as_str).collect()
    } else {
        non_empty(&c.filter_subject).into_iter().collect()
    };
    filters.retain(|f| !f.is_empty());
    if !subjects.is_empty() && !filters.is_empty() && !subjects.iter().all(|s| filters.contains(s)) {
        return Err(Error::new(
            NATS_ERR,
            if subjects.len() == 1 && filters.len() == 1 {
                format!(
                    "subject '{}' does not match consumer filter subject '{}'.",
                    subjects[0], filters[0]
                )
            } else {
                format!("{} subjects do not match any consumer filter subjects.", subjects.len())
            },
        ));
    }
    if queue.is_some() {
        if c.heartbeat > 0 {
            return Err(Error::new(NATS_ERR, errs::NO_HB_FOR_QUEUE));
        }
        if c.flow_control {
            return Err(Error::new(NATS_ERR, errs::NO_FC_FOR_QUEUE));
        }
    }
    let Some(deliver) = non_empty(&c.deliver_subject) else {
        return Err(Error::new(NATS_ERR, errs::PULL_REQUIRED));
    };
    match (non_empty(&c.deliver_group), queue) {
        (None, Some(_)) => {
            return Err(Error::new(
                NATS_ERR,
                "cannot create a queue subscription for a consumer without a deliver group",
            ))
        }
        (None, None) if info.push_bound => {
            return Err(Error::new(NATS_ERR, "consumer is already bound to a subscription"))
        }
        (Some(dg), None) => {
            return Err(Error::new(
                NATS_ERR,
                format!("cannot create a subscription for a consumer with a deliver group {dg}"),
            ))
        }
        (Some(dg), Some(q)) if dg != q => {
            return Err(Error::new(
                NATS_ERR,
                format!("cannot create a queue subscription '{q}' for a consumer with a deliver group '{dg}'"),
            ))
        }
        _ => {}
    }
    check_config(c, user)?;
    Ok(deliver.to_string())
}

fn subscribe_impl(
    js: &JetStream,
    subjects: &[&str],
    cb: Option<MsgCallback>,
    call: Option<&JsOptions>,
    o: &SubOptions,
) -> Result<Arc<Subscription>> {
    let mut ucfg = o.config.clone();
    if ucfg.inactive_threshold < 0 {
        return Err(Error::invalid_arg(format!(
            "invalid InactiveThreshold value ({}), needs to be greater or equal to 0",
            ucfg.inactive_threshold
        )));
    }
    if ucfg.opt_start_seq > 0 {
        ucfg.deliver_policy = Some(DeliverPolicy::ByStartSequence);
    }
    if ucfg.opt_start_time > 0 {
        ucfg.deliver_policy = Some(DeliverPolicy::ByStartTime);
    }
    let subjects: Vec<&str> = subjects.iter().copied().filter(|s| !s.is_empty()).collect();
    let queue = non_empty(&o.queue);
    let mut durable = non_empty(&ucfg.durable).map(str::to_string);
    let bound = non_empty(&o.stream).is_some() && non_empty(&o.consumer).is_some();
    if subjects.is_empty() && !bound {
        return Err(Error::invalid_arg(
            "invalid argument: a subject is required unless binding to a consumer",
        ));
    }
    if o.ordered {
        if durable.is_some() {
            return Err(Error::invalid_arg(errs::ORDERED_DURABLE));
        }
        if ucfg.ack_policy.is_some() {
            return Err(Error::invalid_arg(errs::ORDERED_ACK));
        }
        if ucfg.max_deliver > 0 && ucfg.max_deliver != 1 {
            return Err(Error::invalid_arg(errs::ORDERED_MAX_DELIVER));
        }
        if non_empty(&ucfg.deliver_subject).is_some() {
            return Err(Error::invalid_arg(errs::ORDERED_DELIVER));
        }
        if queue.is_some() {
            return Err(Error::invalid_arg(errs::ORDERED_QUEUE));
        }
        if non_empty(&o.consumer).is_some() {
            return Err(Error::invalid_arg(errs::ORDERED_BIND));
        }
    } else if let Some(q) = queue {
        if ucfg.heartbeat > 0 {
            return Err(Error::invalid_arg(errs::NO_HB_FOR_QUEUE));
        }
        if ucfg.flow_control {
            return Err(Error::invalid_arg(errs::NO_FC_FOR_QUEUE));
        }
        if durable.is_none() {
            durable = Some(q.to_string());
        }
    }
    if let Some(d) = &durable {
        super::check_consumer_name(d, true)?;
    }
    let consumer = non_empty(&o.consumer).map(str::to_string).or(durable.clone());
    let stream = match non_empty(&o.stream) {
        Some(s) => s.to_string(),
        None => lookup_stream(js, call, subjects[0])?,
    };
    let co = js.call_opts(call);
    let conn = js.conn().clone();

    let mut info = None;
    if let Some(c) = &consumer {
        match js.consumer_info(&stream, c, call) {
            Ok(i) => info = Some(i),
            Err(e) if e.status == NATS_NOT_FOUND && !bound => {}
            Err(e) => return Err(e),
        }
    }
    loop {
        // Existing consumer: bind to it. Else create one.
        let (deliver, hb_ns, max_ack_pending, create_cfg, ordered_cfg) = match &info {
            Some(i) => {
                let d = process_info(i, &ucfg, &subjects, queue)?;
                (d, i.config.heartbeat, i.config.max_ack_pending, None, None)
            }
            None => {
                let mut cfg = ucfg.clone();
                // As cnats: a new consumer delivers to a new inbox (a
                // deliver subject in the configuration is not used).
                let deliver = conn.new_inbox();
                cfg.deliver_subject = Some(deliver.clone());
                if subjects.len() == 1 {
                    cfg.filter_subject = Some(subjects[0].to_string());
                } else if subjects.len() > 1 {
                    cfg.filter_subjects = subjects.iter().map(|s| s.to_string()).collect();
                }
                let mut ocfg = None;
                if o.ordered {
                    cfg.flow_control = true;
                    cfg.ack_policy = Some(AckPolicy::None);
                    cfg.max_deliver = 1;
                    cfg.ack_wait = 24 * 3600 * 1_000_000_000;
                    if cfg.heartbeat <= 0 {
                        cfg.heartbeat = ORDERED_HEARTBEAT_NS;
                    }
                    cfg.memory_storage = true;
                    cfg.replicas = 1;
                    ocfg = Some(cfg.clone());
                } else {
                    cfg.durable = durable.clone();
                    cfg.deliver_group = queue.map(str::to_string);
                }
                (deliver, cfg.heartbeat, 0, Some(cfg), ocfg)
            }
        };
        let ack_none = o.ordered
            || match &info {
                Some(i) => i.config.ack_policy == Some(AckPolicy::None),
                None => ucfg.ack_policy == Some(AckPolicy::None),
            };
        let hb_ms = hb_ns / 1_000_000;
        let push = Arc::new(PushSub {
            conn: Arc::downgrade(&conn),
            prefix: co.prefix.clone(),
            wait: co.wait,
            stream: stream.clone(),
            deliver: deliver.clone(),
            hb_ms,
            ordered: ordered_cfg,
            st: Mutex::new(PushState {
                consumer: info.as_ref().map(|i| i.name.clone()),
                ..Default::default()
            }),
            cv: Condvar::new(),
            sub: std::sync::OnceLock::new(),
        });
        let user_cb = cb
            .clone()
            .map(|u| wrap_callback(u, push.clone(), !o.manual_ack && !ack_none));
        let sub = conn.subscribe_with_hook(
            deliver.as_bytes(),
            queue.map(str::as_bytes),
            user_cb,
            0,
            Some(push.clone() as Arc<dyn SubHook>),
        )?;
        let _ = push.sub.set(Arc::downgrade(&sub));
        if hb_ms > 0 {
            let p = push.clone();
            let w = Arc::downgrade(&sub);
            if let Err(e) = crate::runtime::spawn("nats-js-hb", move || p.monitor(w)) {
                push.on_destroy(&sub);
                let _ = conn.unsubscribe(&sub, 0);
                return Err(Error::new(
                    NATS_SYS_ERROR,
                    format!("cannot start heartbeat monitor: {e}"),
                ));
            }
        }
        let mut map = max_ack_pending;
        if let Some(cfg) = create_cfg {
            match js.add_consumer(&stream, &cfg, call) {
                Ok(ci) => {
                    map = ci.config.max_ack_pending;
                    let mut st = push.st.lock();
                    st.delete_consumer = true;
                    if push.ordered.is_none() || (st.consumer.is_none() && !st.resetting) {
                        st.consumer = Some(ci.name);
                    } else if st.consumer.as_deref() != Some(ci.name.as_str()) && !st.retired.contains(&ci.name) {
                        st.retired.push(ci.name.clone());
                        st.to_delete.push(ci.name);
                    }
                }
                Err(e) => {
                    push.on_destroy(&sub);
                    let _ = conn.unsubscribe(&sub, 0);
                    if consumer.is_some()
                        && (e.js_code == CONSUMER_NAME_EXISTS || e.js_code == CONSUMER_EXISTING_ACTIVE)
                    {
                        // Another subscriber created it first: bind to it.
                        info = Some(js.consumer_info(&stream, consumer.as_deref().unwrap_or_default(), call)?);
                        continue;
                    }
                    return Err(e);
                }
            }
        }
        if map > 0 {
            if let Ok((ml, bl)) = sub.pending_limits() {
                if map > ml as i64 {
                    let bl2 = if map * 1024 * 1024 > bl { map * 1024 * 1024 } else { bl };
                    let _ = sub.set_pending_limits(map.min(i32::MAX as i64) as i32, bl2);
                }
            }
        }
        return Ok(sub);
    }
}

/// The callback the core subscription runs: the user's, then (unless
/// manual ack or ack none) an ack, unless the application acknowledged
/// the message in the callback (cnats' `_autoAckCB`).
fn wrap_callback(user: MsgCallback, push: Arc<PushSub>, auto_ack: bool) -> MsgCallback {
    Arc::new(move |c, s, m| {
        let reply = if auto_ack {
            m.as_ref()
                .and_then(|m| m.reply())
                .filter(|r| r.starts_with(b"$JS.ACK."))
                .map(<[u8]>::to_vec)
        } else {
            None
        };
        if let Some(r) = &reply {
            let mut st = push.st.lock();
            st.in_cb = Some(r.clone());
            st.in_cb_acked = false;
        }
        user(c, s, m);
        if let Some(r) = reply {
            let acked = {
                let mut st = push.st.lock();
                st.in_cb = None;
                std::mem::take(&mut st.in_cb_acked)
            };
            if !acked {
                let _ = c.publish(&r, None, None, b"+ACK");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_meta_v1_v2_and_bad() {
        let m = parse_ack_meta(b"S.C.1.10.3.1700000000.5").unwrap();
        assert_eq!((m.consumer.as_str(), m.sseq, m.dseq), ("C", 10, 3));
        let m = parse_ack_meta(b"_.HASH.S.cons.2.11.4.1700000000.0.tok").unwrap();
        assert_eq!((m.consumer.as_str(), m.sseq, m.dseq), ("cons", 11, 4));
        assert!(parse_ack_meta(b"S.C.1.x.3.0.0").is_none());
        assert!(parse_ack_meta(b"S.C.1.2.3.4.5.6").is_none(), "8 tokens");
        assert!(parse_ack_meta(b"S.C").is_none());
    }

    #[test]
    fn config_check_against_an_existing_consumer() {
        let server = ConsumerConfig {
            durable: Some("d".into()),
            ack_policy: Some(AckPolicy::Explicit),
            deliver_policy: Some(DeliverPolicy::All),
            heartbeat: 1_000,
            ..Default::default()
        };
        assert!(check_config(&server, &ConsumerConfig::default()).is_ok());
        let want_none = ConsumerConfig {
            ack_policy: Some(AckPolicy::None),
            ..Default::default()
        };
        let e = check_config(&server, &want_none).unwrap_err();
        assert_eq!(e.status, NATS_ERR);
        assert!(e.text.contains("ack policy"), "{}", e.text);
        let other = ConsumerConfig {
            durable: Some("x".into()),
            ..Default::default()
        };
        assert!(check_config(&server, &other).unwrap_err().text.contains("durable"));
        let fc = ConsumerConfig {
            flow_control: true,
            ..Default::default()
        };
        assert!(check_config(&server, &fc).unwrap_err().text.contains("flow control"));
        let mem = ConsumerConfig {
            memory_storage: true,
            ..Default::default()
        };
        assert!(check_config(&server, &mem).is_err());
    }
}

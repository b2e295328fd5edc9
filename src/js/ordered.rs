//! The ordered consumer (ADR-17): an ephemeral push consumer (ack none,
//! max deliver 1, memory storage, one replica, flow control and
//! heartbeats) that the library recreates from the stream sequence after
//! the last one delivered whenever it sees a gap in the consumer
//! sequence, misses heartbeats, or the connection reconnects. Messages of replaced
//! consumers are dropped, and no message at or below the last stream
//! sequence delivered is ever let through: no duplicates, no reordering.

use super::push::{AckMeta, PushState, PushSub};
use super::types::DeliverPolicy;
use super::{JetStream, JsOptions};
use crate::conn::sub::Subscription;
use crate::error::Error;
use crate::status::natsStatus;
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How many replaced consumer names are remembered (their late messages
/// are dropped).
const RETIRED_KEEP: usize = 32;

/// How long a recreation waits for the delete of a replaced consumer
/// before it creates the next one (ms). A delete left unanswered (no
/// JetStream leader during an election, the consumer's node down) goes on
/// in the background, so it never holds the new consumer back.
const DELETE_WAIT_MS: i64 = 1_000;
/// Background attempts for such a delete, and the pause between them.
const DELETE_RETRIES: u32 = 20;
const DELETE_RETRY_PAUSE: Duration = Duration::from_millis(500);
/// cnats' `JSJetStreamNotAvailableErr` ("JetStream system temporarily
/// unavailable", while the cluster elects a leader).
const JS_NOT_AVAILABLE: u16 = 10008;

/// Whether a failed API call may succeed when tried again (no answer, or
/// JetStream momentarily without a leader).
fn transient(e: &Error) -> bool {
    matches!(e.status, natsStatus::NATS_TIMEOUT | natsStatus::NATS_NO_RESPONDERS) || e.js_code == JS_NOT_AVAILABLE
}

impl PushSub {
    /// Deletes replaced consumers, waiting at most [`DELETE_WAIT_MS`] for
    /// each; those left unanswered are tried again on a background thread
    /// (until deleted, gone, the connection closed, or [`DELETE_RETRIES`]
    /// attempts). A replaced consumer that stayed would keep pushing to the
    /// shared deliver subject (its messages are dropped, but its heartbeats
    /// would look like a gap).
    fn delete_retired(&self, js: &JetStream, names: Vec<String>) {
        let quick = JsOptions {
            wait: DELETE_WAIT_MS,
            ..Default::default()
        };
        let unanswered = |js: &JetStream, c: &String| {
            js.delete_consumer(&self.stream, c, Some(&quick))
                .is_err_and(|e| transient(&e))
        };
        let mut left: Vec<String> = names.into_iter().filter(|c| unanswered(js, c)).collect();
        if left.is_empty() {
            return;
        }
        let (conn, stream) = (self.conn.clone(), self.stream.clone());
        let o = JsOptions {
            prefix: Some(self.prefix.clone()),
            wait: DELETE_WAIT_MS,
            ..Default::default()
        };
        let _ = crate::runtime::spawn("nats-js-del", move || {
            for _ in 0..DELETE_RETRIES {
                std::thread::sleep(DELETE_RETRY_PAUSE);
                let Some(c) = conn.upgrade().filter(|c| !c.is_closed()) else {
                    return;
                };
                let Ok(js) = JetStream::new(c, Some(&o)) else { return };
                left.retain(|c| js.delete_consumer(&stream, c, None).is_err_and(|e| transient(&e)));
                if left.is_empty() {
                    return;
                }
            }
        });
    }
}

impl PushSub {
    /// Whether a message of an ordered consumer goes to the application;
    /// starts a recreation on a gap. Called under the state lock.
    pub(crate) fn ordered_accept(&self, sub: &Arc<Subscription>, st: &mut PushState, m: &AckMeta, size: usize) -> bool {
        if st.closed || st.retired.contains(&m.consumer) {
            return false;
        }
        match &st.consumer {
            None => st.consumer = Some(m.consumer.clone()),
            Some(c) if *c != m.consumer => return false,
            _ => {}
        }
        if m.sseq <= st.o_sseq {
            // Already delivered.
            return false;
        }
        if m.dseq != st.o_dseq + 1 {
            self.reset_locked(sub, st);
            return false;
        }
        if would_overflow(sub, size) {
            // The engine would drop it (slow consumer): drop it here,
            // unaccounted, and resume from it once there is room.
            self.reset_locked(sub, st);
            if let Some(c) = self.conn.upgrade() {
                c.post_error_text(Some(sub.clone()), natsStatus::NATS_SLOW_CONSUMER, None);
            }
            return false;
        }
        st.o_sseq = m.sseq;
        st.o_dseq = m.dseq;
        true
    }

    /// Replaces the consumer: retires the current one and (re)starts the
    /// recreation thread, which resumes after the last stream sequence
    /// delivered. Called under the state lock.
    pub(crate) fn reset_locked(&self, sub: &Arc<Subscription>, st: &mut PushState) {
        if st.closed || self.ordered.is_none() {
            return;
        }
        if let Some(c) = st.consumer.take() {
            if !st.retired.contains(&c) {
                st.retired.push(c.clone());
                if st.retired.len() > RETIRED_KEEP {
                    st.retired.remove(0);
                }
            }
            st.to_delete.push(c);
        }
        st.o_dseq = 0;
        st.meta = None;
        st.fc_reply = None;
        st.fc_delivered = 0;
        st.reset_wanted = true;
        if st.resetting {
            return;
        }
        st.resetting = true;
        let me = match sub.js_hook() {
            Some(h) => h.clone(),
            None => return,
        };
        let w = Arc::downgrade(sub);
        let r = crate::runtime::spawn("nats-js-ordered", move || {
            if let Some(p) = me.as_any().downcast_ref::<PushSub>() {
                p.recreate_loop(w);
            }
        });
        if r.is_err() {
            st.resetting = false;
        }
    }

    fn recreate_loop(&self, sub: Weak<Subscription>) {
        // A full queue (slow consumer) first makes room.
        while let Some(s) = sub.upgrade() {
            if self.st.lock().closed || !room_is_short(&s) {
                break;
            }
            drop(s);
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        loop {
            let (start, old) = {
                let mut st = self.st.lock();
                if st.closed || !st.reset_wanted {
                    st.resetting = false;
                    return;
                }
                st.reset_wanted = false;
                (st.o_sseq + 1, std::mem::take(&mut st.to_delete))
            };
            let Some(s) = sub.upgrade() else { return };
            if !s.is_valid() {
                self.st.lock().resetting = false;
                return;
            }
            let Some(js) = self.js() else {
                self.st.lock().resetting = false;
                return;
            };
            self.delete_retired(&js, old);
            let Some(mut cfg) = self.ordered.clone() else { return };
            cfg.deliver_subject = Some(self.deliver.clone());
            // Nothing delivered yet: the original start (deliver policy)
            // still applies; else resume after the last one delivered.
            if start > 1 {
                cfg.deliver_policy = Some(DeliverPolicy::ByStartSequence);
                cfg.opt_start_seq = start;
                cfg.opt_start_time = 0;
            }
            match js.add_consumer(&self.stream, &cfg, None) {
                Ok(ci) => {
                    let mut st = self.st.lock();
                    if st.closed {
                        st.resetting = false;
                        drop(st);
                        let _ = js.delete_consumer(&self.stream, &ci.name, None);
                        return;
                    }
                    st.resets += 1;
                    st.delete_consumer = true;
                    if st.reset_wanted || st.retired.contains(&ci.name) {
                        // Replaced again meanwhile: this one goes too.
                        if !st.retired.contains(&ci.name) {
                            st.retired.push(ci.name.clone());
                        }
                        st.to_delete.push(ci.name);
                        st.reset_wanted = true;
                        continue;
                    }
                    st.consumer = Some(ci.name);
                    st.active = true;
                    st.resetting = false;
                    return;
                }
                Err(e) => {
                    {
                        let mut st = self.st.lock();
                        st.resetting = false;
                        st.active = false;
                    }
                    if let Some(c) = self.conn.upgrade() {
                        c.post_error_text(
                            Some(s.clone()),
                            e.status,
                            Some(format!(
                                "error recreating ordered consumer, will try again: status={} error={}",
                                e.status as i32, e.text
                            )),
                        );
                    }
                    return;
                }
            }
        }
    }
}

/// Whether queueing `size` more bytes would exceed the pending limits.
fn would_overflow(sub: &Subscription, size: usize) -> bool {
    let (Ok(s), Ok((ml, bl))) = (sub.stats(), sub.pending_limits()) else {
        return false;
    };
    (ml > 0 && s.pending_msgs as i64 >= ml as i64) || (bl > 0 && s.pending_bytes + size as i64 > bl)
}

/// Whether the queue is still more than half full.
fn room_is_short(sub: &Subscription) -> bool {
    let (Ok(s), Ok((ml, bl))) = (sub.stats(), sub.pending_limits()) else {
        return false;
    };
    (ml > 0 && s.pending_msgs as i64 > ml as i64 / 2) || (bl > 0 && s.pending_bytes > bl / 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::natsStatus::*;

    #[test]
    fn which_failures_are_tried_again() {
        assert!(transient(&Error::status(NATS_TIMEOUT)));
        assert!(transient(&Error::status(NATS_NO_RESPONDERS)));
        let mut e = Error::new(NATS_ERR, "JetStream system temporarily unavailable");
        e.js_code = JS_NOT_AVAILABLE;
        assert!(transient(&e));
        assert!(!transient(&Error::status(NATS_NOT_FOUND)));
        assert!(!transient(&Error::status(NATS_CONNECTION_CLOSED)));
    }
}

//! The connection side of subscriptions: SUB, UNSUB, drain of one
//! subscription.

use super::*;
use crate::proto::writer;

impl Connection {
    pub fn subscribe(
        &self,
        subject: &[u8],
        queue: Option<&[u8]>,
        cb: Option<MsgCallback>,
        timeout_ms: i64,
    ) -> Result<Arc<Subscription>> {
        self.subscribe_with_hook(subject, queue, cb, timeout_ms, None)
    }

    /// `subscribe` with a JetStream hook (see `sub_hook`), installed before
    /// the SUB is sent.
    pub fn subscribe_with_hook(
        &self,
        subject: &[u8],
        queue: Option<&[u8]>,
        cb: Option<MsgCallback>,
        timeout_ms: i64,
        hook: Option<Arc<dyn SubHook>>,
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
        let mut sub = Subscription::new(sid, subject, queue, &me, cb, timeout_ms)?;
        sub.js = hook;
        let sub = Arc::new(sub);
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
        match (&sub.js, max) {
            (Some(h), 0) => h.on_unsubscribe(sub),
            _ => Ok(()),
        }
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
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    fn sub_err(r: Result<Arc<Subscription>>) -> natsStatus {
        match r {
            Ok(_) => panic!("subscribed"),
            Err(e) => e.status,
        }
    }

    #[test]
    fn subscribe_refuses_bad_input_and_states() {
        let c = detached(opts("nats://127.0.0.1:1"));
        type Case<'a> = (&'a [u8], Option<&'a [u8]>, natsStatus);
        let cases: &[Case] = &[
            (b"", None, NATS_INVALID_SUBJECT),
            (b"a b", None, NATS_INVALID_SUBJECT),
            (b"a..b", None, NATS_INVALID_SUBJECT),
            (b"a", Some(b""), NATS_INVALID_QUEUE_NAME),
            (b"a", Some(b"q q"), NATS_INVALID_QUEUE_NAME),
        ];
        for (k, (subj, q, want)) in cases.iter().enumerate() {
            assert_eq!(sub_err(c.subscribe(subj, *q, None, 0)), *want, "case {k}");
        }
        assert!(c.subs.lock().is_empty());
        c.state.lock().draining = true;
        assert_eq!(sub_err(c.subscribe(b"a", None, None, 0)), NATS_DRAINING);
        c.close();
        assert_eq!(sub_err(c.subscribe(b"a", None, None, 0)), NATS_CONNECTION_CLOSED);
    }

    #[test]
    fn sub_and_unsub_protocol() {
        let c = detached(opts("nats://127.0.0.1:1"));
        pretend_connected(&c);
        let a = c.subscribe(b"foo", None, None, 0).unwrap();
        let b = c.subscribe(b"bar", Some(b"grp"), None, 0).unwrap();
        assert_eq!(b.sid, a.sid + 1);
        c.unsubscribe(&a, 5).unwrap();
        // Still there until 5 messages were delivered.
        assert!(c.subs.lock().contains_key(&a.sid));
        c.unsubscribe(&b, 0).unwrap();
        assert!(!c.subs.lock().contains_key(&b.sid));
        assert!(!b.is_valid());
        assert_eq!(
            out_text(&c),
            format!(
                "SUB foo {a}\r\nSUB bar grp {b}\r\nUNSUB {a} 5\r\nUNSUB {b}\r\n",
                a = a.sid,
                b = b.sid
            )
        );
        // Unsubscribing again: the subscription is gone.
        assert_eq!(c.unsubscribe(&b, 0).unwrap_err().status, NATS_INVALID_SUBSCRIPTION);
    }

    #[test]
    fn auto_unsubscribe_below_delivered_removes_at_once() {
        let c = detached(opts("nats://127.0.0.1:1"));
        let s = c.subscribe(b"foo", None, None, 0).unwrap();
        let wire = format!("MSG foo {sid} 1\r\nx\r\nMSG foo {sid} 1\r\ny\r\n", sid = s.sid);
        for op in ops(wire.as_bytes()) {
            c.process_op(op).unwrap();
        }
        s.next_msg(1000).unwrap();
        s.next_msg(1000).unwrap();
        c.unsubscribe(&s, 1).unwrap();
        assert!(!c.subs.lock().contains_key(&s.sid));
    }

    #[test]
    fn drain_of_a_subscription_sends_unsub_and_refuses_unsubscribe() {
        let c = detached(opts("nats://127.0.0.1:1"));
        pretend_connected(&c);
        let s = c.subscribe(b"foo", None, None, 0).unwrap();
        c.drain_sub(&s, 0).unwrap();
        // Twice is fine.
        c.drain_sub(&s, 0).unwrap();
        assert!(out_text(&c).contains(&format!("UNSUB {}\r\n", s.sid)));
        assert_eq!(c.unsubscribe(&s, 0).unwrap_err().status, NATS_DRAINING);
        c.close();
    }
}

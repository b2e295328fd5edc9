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
}

//! Subscriptions: the pending-message queue with its limits, delivery to a
//! callback on the subscription's own thread (or to `NextMsg` callers),
//! auto-unsubscribe and drain.

use super::sub_hook::{SubEnd, SubHook};
use super::Connection;
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::status::natsStatus::{self, *};
use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::ffi::CString;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

impl crate::runtime::PoolJob for Subscription {
    fn run(self: Arc<Self>) {
        self.deliver_batch();
    }
}

/// Receives a message (or `None` when a subscription's inactivity timeout
/// fires).
pub type MsgCallback = Arc<dyn Fn(&Arc<Connection>, &Arc<Subscription>, Option<Box<Msg>>) + Send + Sync>;
pub type CompleteCallback = Box<dyn FnOnce() + Send>;
/// Told of an asynchronous error of one subscription (slow consumer), in
/// addition to the connection's error handler (the services framework
/// uses it, as cnats' micro hooks the connection's).
pub type SubErrCallback = Arc<dyn Fn(&Arc<Subscription>, natsStatus) + Send + Sync>;

/// A subscription's counters, as `natsSubscription_GetStats` reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SubStats {
    /// Messages waiting to be delivered.
    pub pending_msgs: usize,
    /// Bytes of payload waiting to be delivered.
    pub pending_bytes: i64,
    /// Highest number of pending messages seen (since the last clear).
    pub max_pending_msgs: i32,
    /// Highest number of pending bytes seen (since the last clear).
    pub max_pending_bytes: i64,
    /// Messages delivered so far.
    pub delivered: u64,
    /// Messages dropped because the pending limits were reached.
    pub dropped: u64,
}

pub struct Subscription {
    pub sid: u64,
    pub subject: CString,
    pub queue: Option<CString>,
    pub(crate) conn: Weak<Connection>,
    pub(crate) callback: Option<MsgCallback>,
    /// Inactivity timeout for `SubscribeTimeout` (0 = none).
    pub(crate) timeout_ms: i64,
    /// Delivered by the library's shared pool instead of an own thread
    /// (`natsOptions_UseGlobalMessageDelivery`).
    pub(crate) pooled: bool,
    /// The JetStream hook, if this is a JetStream subscription (see
    /// `sub_hook`); set before the SUB is sent, never changed.
    pub(crate) js: Option<Arc<dyn SubHook>>,
    // Only the engine (`crate::conn`) touches the state; other layers use
    // the methods below.
    pub(in crate::conn) state: Mutex<SubState>,
    pub(crate) cv: Condvar,
}

pub(in crate::conn) struct SubState {
    pub queue: VecDeque<Box<Msg>>,
    pub pending_bytes: i64,
    pub msgs_limit: i32,
    pub bytes_limit: i64,
    pub max_pending_msgs: i32,
    pub max_pending_bytes: i64,
    pub delivered: u64,
    pub dropped: u64,
    /// Messages accepted from the server (queued or dropped).
    pub received: u64,
    /// Auto-unsubscribe limit (0 = none).
    pub max: u64,
    pub closed: bool,
    pub conn_closed: bool,
    pub slow: bool,
    pub draining: bool,
    pub drain_done: bool,
    pub drain_status: natsStatus,
    pub in_callback: bool,
    /// A pooled subscription is queued in (or being run by) the pool.
    pub scheduled: bool,
    /// An own-thread async subscription's delivery thread was started (on
    /// its first message, or at subscribe for an inactivity timeout).
    pub thread_started: bool,
    pub on_complete: Option<CompleteCallback>,
    pub on_error: Option<SubErrCallback>,
}

impl Subscription {
    pub(crate) fn new(
        sid: u64,
        subject: &[u8],
        queue: Option<&[u8]>,
        conn: &Arc<Connection>,
        callback: Option<MsgCallback>,
        timeout_ms: i64,
    ) -> Result<Subscription> {
        let subject = CString::new(subject).map_err(|_| Error::new(NATS_INVALID_SUBJECT, "invalid subject"))?;
        let queue = match queue {
            Some(q) => Some(CString::new(q).map_err(|_| Error::new(NATS_INVALID_QUEUE_NAME, "invalid queue name"))?),
            None => None,
        };
        Ok(Subscription {
            sid,
            subject,
            queue,
            conn: Arc::downgrade(conn),
            pooled: callback.is_some() && timeout_ms <= 0 && conn.opts.use_global_delivery,
            callback,
            timeout_ms,
            js: None,
            state: Mutex::new(SubState {
                queue: VecDeque::new(),
                pending_bytes: 0,
                msgs_limit: conn.opts.max_pending_msgs,
                bytes_limit: conn.opts.max_pending_bytes,
                max_pending_msgs: 0,
                max_pending_bytes: 0,
                delivered: 0,
                dropped: 0,
                received: 0,
                max: 0,
                closed: false,
                conn_closed: false,
                slow: false,
                draining: false,
                drain_done: false,
                drain_status: NATS_OK,
                in_callback: false,
                scheduled: false,
                thread_started: false,
                on_complete: None,
                on_error: None,
            }),
            cv: Condvar::new(),
        })
    }

    pub fn connection(&self) -> Option<Arc<Connection>> {
        self.conn.upgrade()
    }

    pub fn is_async(&self) -> bool {
        self.callback.is_some()
    }

    /// The JetStream hook of a JetStream subscription.
    pub fn js_hook(&self) -> Option<&Arc<dyn SubHook>> {
        self.js.as_ref()
    }

    /// Called by the reader thread. Returns `Some(status)` when an async
    /// error (slow consumer) must be reported.
    pub(crate) fn enqueue(self: &Arc<Self>, msg: Box<Msg>) -> Option<natsStatus> {
        let mut st = self.state.lock();
        if st.closed {
            return None;
        }
        st.received += 1;
        if st.max > 0 && st.received > st.max {
            return None;
        }
        let size = msg.wire_size() as i64;
        let over_msgs = st.msgs_limit > 0 && st.queue.len() as i64 >= st.msgs_limit as i64;
        let over_bytes = st.bytes_limit > 0 && st.pending_bytes + size > st.bytes_limit;
        if over_msgs || over_bytes {
            st.dropped += 1;
            if !st.slow {
                st.slow = true;
                return Some(NATS_SLOW_CONSUMER);
            }
            return None;
        }
        st.slow = false;
        st.pending_bytes += size;
        st.queue.push_back(msg);
        let n = st.queue.len() as i32;
        if n > st.max_pending_msgs {
            st.max_pending_msgs = n;
        }
        if st.pending_bytes > st.max_pending_bytes {
            st.max_pending_bytes = st.pending_bytes;
        }
        if self.pooled {
            let schedule = !st.scheduled;
            st.scheduled = true;
            drop(st);
            if schedule {
                crate::runtime::pool_schedule(self.clone());
            }
            return None;
        }
        let start = self.callback.is_some() && !st.thread_started;
        st.thread_started = true;
        drop(st);
        if start {
            if let Err(e) = self.start_thread() {
                // Try again with the next message.
                self.state.lock().thread_started = false;
                return Some(e.status);
            }
        } else {
            self.cv.notify_one();
        }
        None
    }

    /// Starts the delivery thread of an async subscription that is not
    /// delivered by the pool. Idle subscriptions have none: it starts with
    /// the first message (or at subscribe with an inactivity timeout).
    pub(crate) fn start_thread(self: &Arc<Self>) -> Result<()> {
        let s = self.clone();
        let deliver = move || {
            #[cfg(feature = "test-hooks")]
            crate::testhooks::hit(crate::testhooks::DELIVERY);
            s.run_delivery()
        };
        // Through the connection, so that a panic in the callback's thread
        // closes the connection with an error.
        let r = match self.conn.upgrade() {
            Some(c) => c.spawn_guarded("nats-sub", deliver),
            None => crate::runtime::spawn("nats-sub", deliver),
        };
        r.map(|_| ())
            .map_err(|e| Error::new(NATS_SYS_ERROR, format!("cannot start delivery thread: {e}")))
    }

    #[inline]
    fn pop(st: &mut SubState) -> Option<Box<Msg>> {
        let m = st.queue.pop_front()?;
        st.pending_bytes -= m.wire_size() as i64;
        st.delivered += 1;
        Some(m)
    }

    /// Marks the subscription closed (unsubscribed or connection closed)
    /// and wakes its waiters; queued messages are dropped.
    pub(crate) fn close(&self, conn_closed: bool) {
        let mut why = SubEnd::Unsubscribed;
        let complete = {
            let mut st = self.state.lock();
            if st.closed {
                return;
            }
            if self.js.is_some() {
                why = if conn_closed {
                    SubEnd::ConnectionClosed
                } else if st.draining {
                    SubEnd::Drained
                } else if st.max > 0 && st.delivered >= st.max {
                    SubEnd::MaxReached
                } else {
                    SubEnd::Unsubscribed
                };
            }
            st.closed = true;
            st.conn_closed = conn_closed;
            st.queue.clear();
            st.pending_bytes = 0;
            if st.draining && !st.drain_done {
                st.drain_done = true;
                if conn_closed && st.drain_status == NATS_OK {
                    st.drain_status = NATS_CONNECTION_CLOSED;
                }
            }
            // An async subscription's thread (or the pool, while the
            // subscription is scheduled there) runs the completion callback
            // itself once it has stopped delivering.
            if self.callback.is_none() || (self.pooled && !st.scheduled) || (!self.pooled && !st.thread_started) {
                st.on_complete.take()
            } else {
                None
            }
        };
        self.cv.notify_all();
        if let Some(h) = &self.js {
            h.on_closed(self, why);
        }
        if let Some(cb) = complete {
            crate::runtime::post(cb);
        }
    }

    pub fn is_valid(&self) -> bool {
        !self.state.lock().closed
    }

    /// `natsSubscription_NextMsg`.
    pub fn next_msg(self: &Arc<Self>, timeout_ms: i64) -> Result<Box<Msg>> {
        if self.callback.is_some() {
            return Err(Error::new(
                NATS_ILLEGAL_STATE,
                "illegal to call NextMsg on an asynchronous subscription",
            ));
        }
        if let Some(h) = &self.js {
            h.check_next_msg(self)?;
        }
        self.next_msg_internal(timeout_ms)
    }

    /// `NextMsg` without the JetStream hook's gate (the JetStream layer's
    /// own reads, e.g. fetch on a pull subscription).
    pub fn next_msg_internal(self: &Arc<Self>, timeout_ms: i64) -> Result<Box<Msg>> {
        // cnats does not reject a negative timeout here: anything <= 0
        // polls (a queued message, else NATS_TIMEOUT), as cnats 3.4 and
        // 3.14 both do.
        let timeout_ms = timeout_ms.max(0);
        // Read the clock only when there is nothing to take at once.
        let mut deadline: Option<Instant> = None;
        let mut st = self.state.lock();
        loop {
            if st.slow {
                st.slow = false;
                return Err(Error::status(NATS_SLOW_CONSUMER));
            }
            if let Some(m) = Self::pop(&mut st) {
                let done = st.max > 0 && st.delivered >= st.max;
                let drain_finished = st.draining && st.queue.is_empty();
                let delivered = st.delivered;
                drop(st);
                if let Some(h) = &self.js {
                    h.on_delivered(self, delivered);
                }
                if done {
                    self.remove_from_conn();
                } else if drain_finished {
                    self.finish_drain_if_empty();
                }
                // As cnats: a no-responders status message (503, no data)
                // is consumed here and reported as a status.
                if m.is_no_responders() {
                    return Err(Error::status(NATS_NO_RESPONDERS));
                }
                return Ok(m);
            }
            if st.closed {
                if st.max > 0 && st.delivered >= st.max {
                    return Err(Error::status(NATS_MAX_DELIVERED_MSGS));
                }
                if st.conn_closed {
                    return Err(Error::status(NATS_CONNECTION_CLOSED));
                }
                return Err(Error::status(NATS_INVALID_SUBSCRIPTION));
            }
            if timeout_ms == 0 {
                return Err(Error::status(NATS_TIMEOUT));
            }
            let d = *deadline.get_or_insert_with(|| Instant::now() + Duration::from_millis(timeout_ms as u64));
            if self.cv.wait_until(&mut st, d).timed_out() && st.queue.is_empty() && !st.closed {
                return Err(Error::status(NATS_TIMEOUT));
            }
        }
    }

    /// Removes the subscription from its connection (auto-unsubscribe
    /// limit reached) and closes it.
    fn remove_from_conn(&self) {
        if let Some(c) = self.conn.upgrade() {
            c.remove_sub(self.sid);
        }
        self.close(false);
    }

    /// Delivery loop of an asynchronous subscription (its own thread).
    /// One lock per message: clearing `in_callback` after a callback and
    /// taking the next message happen under the same guard.
    pub(crate) fn run_delivery(self: Arc<Self>) {
        let Some(cb) = self.callback.clone() else { return };
        let timeout = if self.timeout_ms > 0 {
            Some(Duration::from_millis(self.timeout_ms as u64))
        } else {
            None
        };
        let mut conn: Option<Arc<Connection>> = None;
        let mut st = self.state.lock();
        loop {
            let msg = loop {
                if let Some(m) = Self::pop(&mut st) {
                    break Some(m);
                }
                if st.closed {
                    break None;
                }
                if st.draining && st.queue.is_empty() && st.drain_done {
                    break None;
                }
                match timeout {
                    Some(t) => {
                        if self.cv.wait_for(&mut st, t).timed_out() && st.queue.is_empty() && !st.closed {
                            // Inactivity: the callback gets a NULL message.
                            drop(st);
                            if let Some(c) = self.conn.upgrade() {
                                cb(&c, &self, None);
                            }
                            st = self.state.lock();
                        }
                    }
                    None => self.cv.wait(&mut st),
                }
            };
            let Some(m) = msg else {
                let complete = st.on_complete.take();
                drop(st);
                if let Some(c) = complete {
                    c();
                }
                return;
            };
            let reached_max = st.max > 0 && st.delivered >= st.max;
            let drained = st.draining && st.queue.is_empty();
            let more = !st.queue.is_empty();
            st.in_callback = true;
            drop(st);
            // The connection is kept (one upgrade) while messages follow
            // each other, and let go before this thread waits.
            if conn.is_none() {
                conn = self.conn.upgrade();
            }
            self.call_with(&cb, m, conn.as_ref());
            if !more {
                conn = None;
            }
            if reached_max || drained {
                self.after_callback(reached_max, drained);
                st = self.state.lock();
            } else {
                st = self.state.lock();
                st.in_callback = false;
            }
        }
    }

    /// Hands `m` to the callback (the subscription's lock is not held).
    /// `conn`: the connection, upgraded by the caller (`None`: it is gone,
    /// the message is dropped).
    fn call_with(self: &Arc<Self>, cb: &MsgCallback, m: Box<Msg>, conn: Option<&Arc<Connection>>) {
        if let Some(h) = &self.js {
            let delivered = self.state.lock().delivered;
            h.on_delivered(self, delivered);
        }
        match conn {
            Some(c) => cb(c, self, Some(m)),
            None => drop(m),
        }
    }

    /// After a callback returned: clears `in_callback`, then applies the
    /// auto-unsubscribe limit or finishes a drain.
    fn after_callback(&self, reached_max: bool, drained: bool) {
        self.state.lock().in_callback = false;
        if reached_max {
            self.remove_from_conn();
        } else if drained {
            self.finish_drain_if_empty();
        }
    }

    /// A pooled subscription with nothing queued leaves the pool; if it is
    /// closed, its completion callback runs now.
    fn unschedule(mut st: parking_lot::MutexGuard<'_, SubState>) {
        st.scheduled = false;
        let complete = if st.closed { st.on_complete.take() } else { None };
        drop(st);
        if let Some(c) = complete {
            c();
        }
    }

    /// Runs a batch of deliveries on a pool thread; reschedules itself
    /// when messages remain, so one subscription's messages are always
    /// delivered by one thread at a time, in order.
    fn deliver_batch(self: Arc<Self>) {
        let Some(cb) = self.callback.clone() else { return };
        let mut conn: Option<Arc<Connection>> = None;
        for _ in 0..64 {
            let mut st = self.state.lock();
            let Some(m) = Self::pop(&mut st) else {
                Self::unschedule(st);
                return;
            };
            let reached_max = st.max > 0 && st.delivered >= st.max;
            let drained = st.draining && st.queue.is_empty();
            let more = !st.queue.is_empty();
            st.in_callback = true;
            drop(st);
            // The connection is kept (one upgrade) while messages follow
            // each other, and let go before this thread waits.
            if conn.is_none() {
                conn = self.conn.upgrade();
            }
            self.call_with(&cb, m, conn.as_ref());
            if !more {
                conn = None;
            }
            self.after_callback(reached_max, drained);
        }
        let again = {
            let st = self.state.lock();
            if st.queue.is_empty() {
                Self::unschedule(st);
                false
            } else {
                true
            }
        };
        if again {
            crate::runtime::pool_schedule(self);
        }
    }

    /// A delivered message the JetStream layer consumed itself (a pull
    /// status, an end marker): not counted as delivered, as cnats.
    pub(crate) fn uncount_delivered(&self) {
        let mut st = self.state.lock();
        st.delivered = st.delivered.saturating_sub(1);
    }

    /// `natsSubscription_AutoUnsubscribe`: the limit counts messages
    /// already delivered.
    pub(crate) fn set_max(&self, max: u64) {
        self.state.lock().max = max;
    }

    pub fn set_pending_limits(&self, msgs: i32, bytes: i64) -> Result<()> {
        if msgs == 0 || bytes == 0 {
            return Err(Error::invalid_arg("pending limits cannot be zero"));
        }
        let mut st = self.state.lock();
        if st.closed {
            return Err(Error::status(NATS_INVALID_SUBSCRIPTION));
        }
        st.msgs_limit = msgs;
        st.bytes_limit = bytes;
        Ok(())
    }

    /// The counters; `NATS_INVALID_SUBSCRIPTION` (or
    /// `NATS_CONNECTION_CLOSED`) once the subscription is closed.
    pub fn stats(&self) -> Result<SubStats> {
        let st = self.check_valid()?;
        Ok(SubStats {
            pending_msgs: st.queue.len(),
            pending_bytes: st.pending_bytes,
            max_pending_msgs: st.max_pending_msgs,
            max_pending_bytes: st.max_pending_bytes,
            delivered: st.delivered,
            dropped: st.dropped,
        })
    }

    /// The pending limits (messages, bytes); negative means no limit.
    pub fn pending_limits(&self) -> Result<(i32, i64)> {
        let st = self.check_valid()?;
        Ok((st.msgs_limit, st.bytes_limit))
    }

    /// Resets the highest pending counts.
    pub fn clear_max_pending(&self) -> Result<()> {
        let mut st = self.check_valid()?;
        st.max_pending_msgs = 0;
        st.max_pending_bytes = 0;
        Ok(())
    }

    /// How a completed drain ended (`NATS_OK`, `NATS_TIMEOUT`, …), or
    /// `NATS_ILLEGAL_STATE` while no drain has completed.
    pub fn drain_completion_status(&self) -> natsStatus {
        let st = self.state.lock();
        if st.draining && st.closed {
            st.drain_status
        } else {
            NATS_ILLEGAL_STATE
        }
    }

    pub(in crate::conn) fn check_valid(&self) -> Result<parking_lot::MutexGuard<'_, SubState>> {
        let st = self.state.lock();
        if st.closed {
            if st.conn_closed {
                return Err(Error::status(NATS_CONNECTION_CLOSED));
            }
            return Err(Error::status(NATS_INVALID_SUBSCRIPTION));
        }
        Ok(st)
    }

    pub fn set_on_complete(&self, cb: Option<CompleteCallback>) -> Result<()> {
        let mut st = self.check_valid()?;
        if st.draining {
            return Err(Error::new(NATS_DRAINING, "subscription is draining"));
        }
        st.on_complete = cb;
        Ok(())
    }

    /// Sets the subscription's own error hook (see [`SubErrCallback`]).
    pub fn set_on_error(&self, cb: Option<SubErrCallback>) -> Result<()> {
        self.check_valid()?.on_error = cb;
        Ok(())
    }

    pub(crate) fn on_error(&self) -> Option<SubErrCallback> {
        self.state.lock().on_error.clone()
    }

    /// When draining and nothing is left to deliver, finish: remove from
    /// the connection and close.
    pub(crate) fn finish_drain_if_empty(&self) {
        let finish = {
            let st = self.state.lock();
            st.draining && st.drain_done && st.queue.is_empty() && !st.in_callback && !st.closed
        };
        if finish {
            self.remove_from_conn();
        }
    }

    /// Starts draining: the connection has sent UNSUB and flushed; once the
    /// queue is empty the subscription closes.
    pub(crate) fn mark_drain_flushed(&self, status: natsStatus) {
        {
            let mut st = self.state.lock();
            st.drain_done = true;
            if st.drain_status == NATS_OK {
                st.drain_status = status;
            }
        }
        self.cv.notify_all();
        // Closed now if nothing is queued; otherwise once the queue has
        // been delivered (or read with NextMsg).
        self.finish_drain_if_empty();
    }

    pub fn wait_drain(&self, timeout_ms: i64) -> Result<()> {
        let deadline = if timeout_ms > 0 {
            Some(Instant::now() + Duration::from_millis(timeout_ms as u64))
        } else {
            None
        };
        let mut st = self.state.lock();
        if !st.draining {
            return Err(Error::new(NATS_ILLEGAL_STATE, "subscription is not draining"));
        }
        while !st.closed {
            match deadline {
                Some(d) => {
                    if self.cv.wait_until(&mut st, d).timed_out() && !st.closed {
                        return Err(Error::status(NATS_TIMEOUT));
                    }
                }
                None => self.cv.wait(&mut st),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    fn feed(c: &Connection, sid: u64, payloads: &[&str]) {
        for p in payloads {
            let wire = format!("MSG s {sid} {}\r\n{p}\r\n", p.len());
            for op in ops(wire.as_bytes()) {
                c.process_op(op).unwrap();
            }
        }
    }

    #[test]
    fn pending_limits_drop_and_report_slow_consumer_once() {
        let seen = Arc::new(parking_lot::Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let mut o = opts("nats://127.0.0.1:1");
        o.err_cb = Some(Arc::new(move |_, sub, st, _| s2.lock().push((sub.is_some(), st))));
        let c = detached(o);
        let s = c.subscribe(b"s", None, None, 0).unwrap();
        assert_eq!(s.set_pending_limits(0, 10).unwrap_err().status, NATS_INVALID_ARG);
        assert_eq!(s.set_pending_limits(10, 0).unwrap_err().status, NATS_INVALID_ARG);
        s.set_pending_limits(2, -1).unwrap();
        feed(&c, s.sid, &["a", "b", "c", "d"]);
        assert!(eventually(|| seen.lock().len() == 1));
        assert_eq!(seen.lock()[0], (true, NATS_SLOW_CONSUMER));
        assert_eq!(s.state.lock().dropped, 2);
        // The first NextMsg after the drop reports it, then the messages.
        assert_eq!(s.next_msg(10).unwrap_err().status, NATS_SLOW_CONSUMER);
        assert_eq!(s.next_msg(10).unwrap().data(), b"a");
        assert_eq!(s.next_msg(10).unwrap().data(), b"b");
        assert_eq!(s.next_msg(10).unwrap_err().status, NATS_TIMEOUT);
        c.close();
        assert_eq!(s.next_msg(10).unwrap_err().status, NATS_CONNECTION_CLOSED);
    }

    #[test]
    fn auto_unsubscribe_max_and_async_next_msg() {
        let c = detached(opts("nats://127.0.0.1:1"));
        let s = c.subscribe(b"s", None, None, 0).unwrap();
        c.unsubscribe(&s, 2).unwrap();
        feed(&c, s.sid, &["1", "2", "3"]);
        assert_eq!(s.next_msg(100).unwrap().data(), b"1");
        assert_eq!(s.next_msg(100).unwrap().data(), b"2");
        assert!(!s.is_valid(), "closed after its max");
        let got = Arc::new(AtomicU64::new(0));
        let g = got.clone();
        let cb: MsgCallback = Arc::new(move |_, _, m| {
            if m.is_some() {
                g.fetch_add(1, Ordering::SeqCst);
            }
        });
        let a = c.subscribe(b"t", None, Some(cb), 0).unwrap();
        assert!(a.is_async());
        assert_eq!(a.next_msg(10).unwrap_err().status, NATS_ILLEGAL_STATE);
        feed(&c, a.sid, &["x", "y"]);
        assert!(eventually(|| got.load(Ordering::SeqCst) == 2));
        c.close();
        assert!(!a.is_valid());
        assert_eq!(
            a.set_pending_limits(1, 1).unwrap_err().status,
            NATS_INVALID_SUBSCRIPTION
        );
    }
}

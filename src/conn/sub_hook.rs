//! The JetStream side of a core subscription: an optional hook object a
//! subscription may carry (`Subscription::js`). The engine calls it:
//! - for every message from the server, on the reader thread, before the
//!   message is queued: the hook may swallow it (heartbeats, flow-control
//!   requests, pull statuses) or let it through (possibly changed);
//! - before `NextMsg` hands out a message (it may refuse the call, e.g. on
//!   a pull subscription or after a sequence mismatch);
//! - before a message is handed to the user (callback or `NextMsg`);
//! - after the connection has reconnected (subscriptions re-sent);
//! - at `Unsubscribe` (synchronously: its error is `Unsubscribe`'s) and
//!   whenever the subscription closes (any reason), and at `Destroy`.
//!
//! A subscription without a hook pays one `Option` check per message.
//! Hooks run with no engine lock held and must not block the reader
//! (publishing is fine; a request must be made from another thread).

use super::sub::Subscription;
use crate::error::Result;
use crate::msg::Msg;
use std::any::Any;
use std::sync::Arc;

/// Why a subscription closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubEnd {
    /// `Unsubscribe` (or `Destroy` of a live subscription).
    Unsubscribed,
    /// Its drain completed (or timed out).
    Drained,
    /// The auto-unsubscribe limit was reached.
    MaxReached,
    /// The connection closed.
    ConnectionClosed,
}

/// The consumer a JetStream subscription reads from, for acks and
/// `natsSubscription_GetConsumerInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerRef {
    /// JetStream API prefix, without a trailing '.'.
    pub prefix: String,
    pub stream: String,
    pub consumer: String,
    /// The context's request wait (ms): `AckSync`'s default wait.
    pub wait_ms: i64,
}

/// The hook a JetStream subscription installs on its core subscription.
/// Every message the hook lets through gets the subscription in its
/// JetStream slot (acks go through it).
pub trait SubHook: Send + Sync + 'static {
    /// A message for this subscription, on the reader thread. `None`
    /// swallows it; `Some` is queued / delivered as usual.
    fn on_msg(&self, sub: &Arc<Subscription>, msg: Box<Msg>) -> Option<Box<Msg>>;

    /// Checked by `NextMsg` before it looks at the queue (not by
    /// [`Subscription::next_msg_internal`]).
    fn check_next_msg(&self, _sub: &Subscription) -> Result<()> {
        Ok(())
    }

    /// A message is about to be handed to the user (callback or
    /// `NextMsg`); `delivered` counts it.
    fn on_delivered(&self, _sub: &Arc<Subscription>, _delivered: u64) {}

    /// The connection reconnected and re-sent its subscriptions (called on
    /// the reconnect thread, before the reconnected callback is posted).
    fn on_reconnected(&self, _sub: &Arc<Subscription>) {}

    /// `Unsubscribe` (max 0) of this subscription, after the UNSUB: its
    /// error becomes `Unsubscribe`'s (cnats deletes a consumer it created
    /// here).
    fn on_unsubscribe(&self, _sub: &Arc<Subscription>) -> Result<()> {
        Ok(())
    }

    /// `natsSubscription_Destroy` (before its implicit unsubscribe).
    fn on_destroy(&self, _sub: &Arc<Subscription>) {}

    /// The subscription closed (once), for any reason; no lock is held.
    fn on_closed(&self, _sub: &Subscription, _why: SubEnd) {}

    /// The application acknowledged (ack, nak, term — not "in progress")
    /// the message with this reply subject (a push subscription then
    /// skips its auto-ack, as cnats).
    fn on_acked(&self, _reply: &[u8]) {}

    /// Its consumer (`None` while unknown, e.g. an ordered consumer being
    /// recreated).
    fn consumer_ref(&self) -> Option<ConsumerRef> {
        None
    }

    /// For downcasting to the JetStream subscription state.
    fn as_any(&self) -> &dyn Any;
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;
    use crate::error::Error;
    use crate::status::natsStatus::*;
    use parking_lot::Mutex;

    #[derive(Default)]
    struct Rec {
        events: Mutex<Vec<String>>,
    }
    impl SubHook for Rec {
        fn on_msg(&self, _sub: &Arc<Subscription>, msg: Box<Msg>) -> Option<Box<Msg>> {
            self.events
                .lock()
                .push(format!("msg {}", String::from_utf8_lossy(msg.data())));
            if msg.data() == b"hb" {
                None
            } else {
                Some(msg)
            }
        }
        fn check_next_msg(&self, _sub: &Subscription) -> Result<()> {
            if self.events.lock().iter().any(|e| e == "msg refuse") {
                return Err(Error::new(NATS_INVALID_SUBSCRIPTION, "refused"));
            }
            Ok(())
        }
        fn on_delivered(&self, _sub: &Arc<Subscription>, n: u64) {
            self.events.lock().push(format!("delivered {n}"));
        }
        fn on_reconnected(&self, _sub: &Arc<Subscription>) {
            self.events.lock().push("reconnected".into());
        }
        fn on_unsubscribe(&self, _sub: &Arc<Subscription>) -> Result<()> {
            self.events.lock().push("unsubscribe".into());
            Err(Error::new(NATS_NOT_FOUND, "consumer gone"))
        }
        fn on_closed(&self, _sub: &Subscription, why: SubEnd) {
            self.events.lock().push(format!("closed {why:?}"));
        }
        fn as_any(&self) -> &dyn Any {
            self
        }
    }

    fn feed(c: &super::super::Connection, sid: u64, payloads: &[&str]) {
        for p in payloads {
            let wire = format!("MSG s {sid} {}\r\n{p}\r\n", p.len());
            for op in ops(wire.as_bytes()) {
                c.process_op(op).unwrap();
            }
        }
    }

    #[test]
    fn hook_swallows_sees_deliveries_unsubscribe_and_close() {
        let c = detached(opts("nats://127.0.0.1:1"));
        let rec = Arc::new(Rec::default());
        let s = c.subscribe_with_hook(b"s", None, None, 0, Some(rec.clone())).unwrap();
        assert!(s.js_hook().unwrap().as_any().downcast_ref::<Rec>().is_some());
        feed(&c, s.sid, &["a", "hb", "b"]);
        assert_eq!(s.next_msg(100).unwrap().data(), b"a");
        assert_eq!(s.next_msg(100).unwrap().data(), b"b");
        assert_eq!(s.next_msg(0).unwrap_err().status, NATS_TIMEOUT);
        feed(&c, s.sid, &["refuse"]);
        assert_eq!(s.next_msg(100).unwrap_err().status, NATS_INVALID_SUBSCRIPTION);
        // The internal path is not gated.
        assert_eq!(s.next_msg_internal(100).unwrap().data(), b"refuse");
        let e = c.unsubscribe(&s, 0).unwrap_err();
        assert_eq!(e.status, NATS_NOT_FOUND);
        assert_eq!(
            *rec.events.lock(),
            [
                "msg a",
                "msg hb",
                "msg b",
                "delivered 1",
                "delivered 2",
                "msg refuse",
                "delivered 3",
                "closed Unsubscribed",
                "unsubscribe"
            ]
        );
        // A plain subscription has no hook.
        let p = c.subscribe(b"p", None, None, 0).unwrap();
        assert!(p.js_hook().is_none());
        c.close();
    }

    #[test]
    fn hook_told_of_connection_close_and_auto_unsubscribe() {
        let c = detached(opts("nats://127.0.0.1:1"));
        let a = Arc::new(Rec::default());
        let b = Arc::new(Rec::default());
        let sa = c.subscribe_with_hook(b"a", None, None, 0, Some(a.clone())).unwrap();
        let sb = c.subscribe_with_hook(b"b", None, None, 0, Some(b.clone())).unwrap();
        c.unsubscribe(&sa, 1).unwrap();
        feed(&c, sa.sid, &["x"]);
        sa.next_msg(100).unwrap();
        assert!(a.events.lock().contains(&"closed MaxReached".to_string()));
        c.close();
        assert!(b.events.lock().contains(&"closed ConnectionClosed".to_string()));
        assert!(!sb.is_valid());
    }
}

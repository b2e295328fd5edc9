//! Request/reply: one wildcard inbox subscription per connection
//! (`<inbox prefix><nuid>.*`), with a waiting slot per request token.

use super::Connection;
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::status::natsStatus::{self, *};
use parking_lot::{Condvar, Mutex};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Slot {
    v: Mutex<Option<Result<Box<Msg>>>>,
    cv: Condvar,
}

#[derive(Default)]
struct Inner {
    prefix: String,
    waiters: HashMap<Vec<u8>, Arc<Slot>>,
    next: u64,
}

#[derive(Default)]
pub struct RespMux {
    inner: Mutex<Inner>,
    /// sid of the mux subscription (0 = none yet).
    sid: AtomicU64,
}

impl RespMux {
    #[inline]
    pub fn is_mux_sid(&self, sid: u64) -> bool {
        let s = self.sid.load(Ordering::Acquire);
        s != 0 && s == sid
    }

    /// Hands a reply to the request waiting for its token.
    pub fn deliver(&self, msg: Box<Msg>) {
        let slot = {
            let inner = self.inner.lock();
            let subj = msg.subject();
            if !subj.starts_with(inner.prefix.as_bytes()) {
                return;
            }
            inner.waiters.get(&subj[inner.prefix.len()..]).cloned()
        };
        if let Some(slot) = slot {
            let mut v = slot.v.lock();
            if v.is_none() {
                *v = Some(Ok(msg));
                slot.cv.notify_one();
            }
        }
    }

    /// Fails every pending request (connection closed or disconnected).
    pub fn fail_all(&self, s: natsStatus) {
        let inner = self.inner.lock();
        for slot in inner.waiters.values() {
            let mut v = slot.v.lock();
            if v.is_none() {
                *v = Some(Err(Error::status(s)));
                slot.cv.notify_one();
            }
        }
    }
}

impl Connection {
    fn ensure_mux(&self) -> Result<()> {
        let mut inner = self.resp.inner.lock();
        if self.resp.sid.load(Ordering::Acquire) != 0 {
            return Ok(());
        }
        let prefix = format!("{}.", self.new_inbox());
        let wildcard = format!("{prefix}*");
        let sub = self.subscribe(wildcard.as_bytes(), None, None, 0)?;
        inner.prefix = prefix;
        self.resp.sid.store(sub.sid, Ordering::Release);
        Ok(())
    }

    /// `natsConnection_Request*`: publishes and waits for the first reply.
    pub fn request(&self, subject: &[u8], headers: Option<&[u8]>, data: &[u8], timeout_ms: i64) -> Result<Box<Msg>> {
        // As cnats: a timeout <= 0 sends the request and returns
        // NATS_TIMEOUT without waiting.
        let timeout_ms = timeout_ms.max(0);
        crate::subject::check_publish(subject)?;
        if self.is_closed() {
            return Err(Error::status(NATS_CONNECTION_CLOSED));
        }
        if self.opts.old_request_style {
            return self.old_request(subject, headers, data, timeout_ms);
        }
        self.ensure_mux()?;
        let slot = Arc::new(Slot {
            v: Mutex::new(None),
            cv: Condvar::new(),
        });
        let (token, reply) = {
            let mut inner = self.resp.inner.lock();
            inner.next += 1;
            let token = inner.next.to_string().into_bytes();
            let mut reply = inner.prefix.clone().into_bytes();
            reply.extend_from_slice(&token);
            inner.waiters.insert(token.clone(), slot.clone());
            (token, reply)
        };
        let res = self.publish(subject, Some(&reply), headers, data).and_then(|()| {
            if timeout_ms == 0 {
                return Err(Error::new(NATS_TIMEOUT, "timeout waiting for the reply"));
            }
            let deadline = Instant::now() + Duration::from_millis(timeout_ms as u64);
            let mut v = slot.v.lock();
            loop {
                if let Some(r) = v.take() {
                    return r;
                }
                if slot.cv.wait_until(&mut v, deadline).timed_out() && v.is_none() {
                    return Err(Error::new(NATS_TIMEOUT, "timeout waiting for the reply"));
                }
            }
        });
        self.resp.inner.lock().waiters.remove(&token);
        let m = res?;
        if m.is_no_responders() {
            return Err(Error::status(NATS_NO_RESPONDERS));
        }
        Ok(m)
    }

    /// Old style: a fresh inbox subscription per request.
    fn old_request(&self, subject: &[u8], headers: Option<&[u8]>, data: &[u8], timeout_ms: i64) -> Result<Box<Msg>> {
        let inbox = self.new_inbox();
        let sub = self.subscribe(inbox.as_bytes(), None, None, 0)?;
        let _ = self.unsubscribe(&sub, 1);
        let r = self
            .publish(subject, Some(inbox.as_bytes()), headers, data)
            .and_then(|()| {
                if timeout_ms == 0 {
                    Err(Error::new(NATS_TIMEOUT, "timeout waiting for the reply"))
                } else {
                    sub.next_msg(timeout_ms)
                }
            });
        if sub.is_valid() {
            let _ = self.unsubscribe(&sub, 0);
        }
        let m = r?;
        if m.is_no_responders() {
            return Err(Error::status(NATS_NO_RESPONDERS));
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    /// Reads one PUB from the peer: (subject, reply, payload).
    fn read_pub(peer: &mut Peer) -> (String, String, String) {
        let line = peer.read_until("\r\n");
        let parts: Vec<&str> = line.trim_end().split(' ').collect();
        assert_eq!(parts[0], "PUB", "{line:?}");
        let payload = peer.read_until("\r\n");
        (
            parts[1].to_string(),
            parts[2].to_string(),
            payload.trim_end().to_string(),
        )
    }

    #[test]
    fn request_reply_through_the_mux() {
        let fake = Fake::ok();
        let c = Connection::connect(opts(&fake.url())).unwrap();
        let mut peer = fake.peer();
        let server = std::thread::spawn(move || {
            let sub = peer.read_until("\r\n");
            assert!(sub.starts_with("SUB _INBOX."), "{sub:?}");
            assert!(sub.contains(".* "), "{sub:?}");
            let sid: u64 = sub.trim_end().rsplit(' ').next().unwrap().parse().unwrap();
            // A reply.
            let (subj, reply, data) = read_pub(&mut peer);
            assert_eq!((subj.as_str(), data.as_str()), ("svc", "ping"));
            peer.send(&format!("MSG {reply} {sid} 4\r\npong\r\n"));
            // No responders: a 503 status message.
            let (_, reply, _) = read_pub(&mut peer);
            let hdr = "NATS/1.0 503\r\n\r\n";
            peer.send(&format!("HMSG {reply} {sid} {n} {n}\r\n{hdr}\r\n", n = hdr.len()));
            // A stray reply for an unknown token is ignored; the request
            // times out.
            let (_, reply, _) = read_pub(&mut peer);
            peer.send(&format!("MSG {reply}9 {sid} 1\r\nx\r\n"));
            peer
        });
        let m = c.request(b"svc", None, b"ping", 5_000).unwrap();
        assert_eq!(m.data(), b"pong");
        assert_eq!(
            c.request(b"svc", None, b"", 5_000).unwrap_err().status,
            NATS_NO_RESPONDERS
        );
        assert_eq!(c.request(b"svc", None, b"", 200).unwrap_err().status, NATS_TIMEOUT);
        let _peer = server.join().unwrap();
        // Timeout 0: sent, no wait.
        assert_eq!(c.request(b"svc", None, b"", 0).unwrap_err().status, NATS_TIMEOUT);
        assert_eq!(
            c.request(b"bad subject", None, b"", 10).unwrap_err().status,
            NATS_INVALID_SUBJECT
        );
        assert!(c.resp.inner.lock().waiters.is_empty());
        // Close fails a waiting request at once.
        let c2 = c.clone();
        let waiting = std::thread::spawn(move || c2.request(b"svc", None, b"", 30_000));
        assert!(eventually(|| !c.resp.inner.lock().waiters.is_empty()));
        c.close();
        assert_eq!(waiting.join().unwrap().unwrap_err().status, NATS_CONNECTION_CLOSED);
        assert_eq!(
            c.request(b"svc", None, b"", 10).unwrap_err().status,
            NATS_CONNECTION_CLOSED
        );
    }
}

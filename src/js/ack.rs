//! JetStream message acknowledgements and metadata (`natsMsg_Ack`,
//! `AckSync`, `Nak`, `NakWithDelay`, `InProgress`, `Term`,
//! `natsMsg_GetMetaData`).
//!
//! A message received on a JetStream subscription carries that
//! subscription in its JetStream slot ([`JsSlot::Sub`]); acks are sent to
//! its reply subject through the subscription's connection. The metadata
//! is parsed from the reply subject (ADR-15):
//! `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>`
//! (v1) or `$JS.ACK.<domain>.<account hash>.<stream>.<consumer>.<delivered>
//! .<sseq>.<cseq>.<ts>.<pending>.<token>…` (v2; a domain `_` is none).

use super::JsOptions;
use crate::error::{Error, Result};
use crate::msg::{JsSlot, Msg};
use crate::status::natsStatus::*;

/// The prefix of a JetStream ack subject.
pub const ACK_PREFIX: &[u8] = b"$JS.ACK.";

pub(crate) const ERR_NOT_BOUND: &str = "message not bound to a subscription";
pub(crate) const ERR_NOT_JS: &str = "not a JetStream message";

/// The kind of acknowledgement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckKind {
    /// `+ACK`.
    Ack,
    /// `-NAK`: redeliver.
    Nak,
    /// `-NAK {"delay":<ns>}`: redeliver after this many milliseconds
    /// (0 or less: a plain nak).
    NakWithDelay(i64),
    /// `+WPI`: still working on it (resets the ack wait; does not count as
    /// acked).
    InProgress,
    /// `+TERM`: never redeliver.
    Term,
}

impl AckKind {
    /// The body sent to the reply subject.
    pub fn body(self) -> Vec<u8> {
        match self {
            AckKind::Ack => b"+ACK".to_vec(),
            AckKind::Nak => b"-NAK".to_vec(),
            AckKind::NakWithDelay(ms) if ms > 0 => {
                format!("-NAK {{\"delay\":{}}}", ms.saturating_mul(1_000_000)).into_bytes()
            }
            AckKind::NakWithDelay(_) => b"-NAK".to_vec(),
            AckKind::InProgress => b"+WPI".to_vec(),
            AckKind::Term => b"+TERM".to_vec(),
        }
    }
}

/// cnats' `jsSequencePair`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SequencePair {
    pub consumer: u64,
    pub stream: u64,
}

/// cnats' `jsMsgMetaData`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MsgMetaData {
    pub sequence: SequencePair,
    pub num_delivered: u64,
    pub num_pending: u64,
    /// Nanoseconds since the epoch.
    pub timestamp: i64,
    pub stream: String,
    pub consumer: String,
    pub domain: Option<String>,
}

fn number(tok: &[u8]) -> Option<u64> {
    if tok.is_empty() || tok.len() > 19 || !tok.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(tok).ok()?.parse::<i64>().ok().map(|v| v as u64)
}

/// Parses the tokens of an ack subject after `$JS.ACK.`: 7 (v1) or at
/// least 9 (v2); anything else, or a non-numeric number, is `None`.
pub fn parse_ack_tokens(rest: &[u8]) -> Option<MsgMetaData> {
    let toks: Vec<&[u8]> = rest.split(|b| *b == b'.').collect();
    let (domain, t) = match toks.len() {
        7 => (None, &toks[..]),
        n if n >= 9 => {
            let d = toks[0];
            let domain = if d.is_empty() || d == b"_" {
                None
            } else {
                Some(String::from_utf8_lossy(d).into_owned())
            };
            (domain, &toks[2..9])
        }
        _ => return None,
    };
    Some(MsgMetaData {
        stream: String::from_utf8_lossy(t[0]).into_owned(),
        consumer: String::from_utf8_lossy(t[1]).into_owned(),
        num_delivered: number(t[2])?,
        sequence: SequencePair {
            stream: number(t[3])?,
            consumer: number(t[4])?,
        },
        timestamp: number(t[5])? as i64,
        num_pending: number(t[6])?,
        domain,
    })
}

/// The reply subject of a JetStream message bound to a subscription, or
/// the error cnats gives (`NATS_ILLEGAL_STATE`).
fn js_reply(msg: &Msg) -> Result<&[u8]> {
    if !matches!(msg.js(), Some(JsSlot::Sub(_))) {
        return Err(Error::new(NATS_ILLEGAL_STATE, ERR_NOT_BOUND));
    }
    match msg.reply() {
        Some(r) if !r.is_empty() => Ok(r),
        _ => Err(Error::new(NATS_ILLEGAL_STATE, ERR_NOT_JS)),
    }
}

impl Msg {
    /// `natsMsg_GetMetaData`.
    pub fn metadata(&self) -> Result<MsgMetaData> {
        let reply = js_reply(self)?;
        let invalid = || {
            Error::new(
                NATS_ERR,
                format!("invalid meta data '{}'", String::from_utf8_lossy(reply)),
            )
        };
        let rest = reply.strip_prefix(ACK_PREFIX).ok_or_else(invalid)?;
        parse_ack_tokens(rest).ok_or_else(invalid)
    }

    /// Sends an acknowledgement of `kind`. `sync` (or a positive
    /// `opts.wait`) waits for the server's answer (`AckSync`), for
    /// `opts.wait` ms or the subscription's context wait. Once acked (not
    /// "in progress"), further acks do nothing and succeed, as cnats.
    pub fn js_ack(&mut self, kind: AckKind, sync: bool, opts: Option<&JsOptions>) -> Result<()> {
        if self.is_acked() {
            return Ok(());
        }
        let reply = js_reply(self)?.to_vec();
        let Some(JsSlot::Sub(sub)) = self.js() else {
            return Err(Error::new(NATS_ILLEGAL_STATE, ERR_NOT_BOUND));
        };
        let conn = sub.connection().ok_or_else(|| Error::status(NATS_CONNECTION_CLOSED))?;
        let mut wait = opts.map_or(0, |o| o.wait);
        let sync = sync || wait > 0;
        let body = kind.body();
        if sync {
            if wait <= 0 {
                wait = sub
                    .js_hook()
                    .and_then(|h| h.consumer_ref())
                    .map_or(super::DEFAULT_REQUEST_WAIT, |c| c.wait_ms);
            }
            conn.request(&reply, None, &body, wait)?;
        } else {
            conn.publish(&reply, None, None, &body)?;
        }
        if kind != AckKind::InProgress {
            if let Some(h) = sub.js_hook() {
                h.on_acked(&reply);
            }
            self.set_acked();
        }
        Ok(())
    }

    /// `natsMsg_Ack`.
    pub fn ack(&mut self, opts: Option<&JsOptions>) -> Result<()> {
        self.js_ack(AckKind::Ack, false, opts)
    }

    /// `natsMsg_AckSync`.
    pub fn ack_sync(&mut self, opts: Option<&JsOptions>) -> Result<()> {
        self.js_ack(AckKind::Ack, true, opts)
    }

    /// `natsMsg_Nak`.
    pub fn nak(&mut self, opts: Option<&JsOptions>) -> Result<()> {
        self.js_ack(AckKind::Nak, false, opts)
    }

    /// `natsMsg_NakWithDelay` (`delay_ms`).
    pub fn nak_with_delay(&mut self, delay_ms: i64, opts: Option<&JsOptions>) -> Result<()> {
        self.js_ack(AckKind::NakWithDelay(delay_ms), false, opts)
    }

    /// `natsMsg_InProgress`.
    pub fn in_progress(&mut self, opts: Option<&JsOptions>) -> Result<()> {
        self.js_ack(AckKind::InProgress, false, opts)
    }

    /// `natsMsg_Term`.
    pub fn term(&mut self, opts: Option<&JsOptions>) -> Result<()> {
        self.js_ack(AckKind::Term, false, opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_subjects_v1_and_v2() {
        let m = parse_ack_tokens(b"ORDERS.worker.2.1234.17.1700000000123456789.5").unwrap();
        assert_eq!(m.stream, "ORDERS");
        assert_eq!(m.consumer, "worker");
        assert_eq!(m.num_delivered, 2);
        assert_eq!(
            m.sequence,
            SequencePair {
                stream: 1234,
                consumer: 17
            }
        );
        assert_eq!(m.timestamp, 1_700_000_000_123_456_789);
        assert_eq!(m.num_pending, 5);
        assert_eq!(m.domain, None);
        let m = parse_ack_tokens(b"hub.ACCHASH.S.C.1.2.3.4.5.rand").unwrap();
        assert_eq!(m.domain.as_deref(), Some("hub"));
        assert_eq!((m.stream.as_str(), m.consumer.as_str()), ("S", "C"));
        assert_eq!((m.num_delivered, m.sequence.stream, m.sequence.consumer), (1, 2, 3));
        assert_eq!((m.timestamp, m.num_pending), (4, 5));
        // Exactly 9 tokens, and the "_" domain.
        let m = parse_ack_tokens(b"_.H.S.C.1.2.3.4.5").unwrap();
        assert_eq!(m.domain, None);
        assert_eq!(m.num_pending, 5);
        // Bad shapes and numbers.
        for bad in [
            &b"S.C.1.2.3.4"[..],
            b"x.S.C.1.2.3.4.5",
            b"S.C.1.2.x.4.5",
            b"S.C.1.-2.3.4.5",
            b"S.C..2.3.4.5",
            b"S.C.1.2.3.4.99999999999999999999",
        ] {
            assert!(parse_ack_tokens(bad).is_none(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn ack_bodies() {
        assert_eq!(AckKind::Ack.body(), b"+ACK");
        assert_eq!(AckKind::Nak.body(), b"-NAK");
        assert_eq!(AckKind::NakWithDelay(250).body(), b"-NAK {\"delay\":250000000}");
        assert_eq!(AckKind::NakWithDelay(0).body(), b"-NAK");
        assert_eq!(AckKind::InProgress.body(), b"+WPI");
        assert_eq!(AckKind::Term.body(), b"+TERM");
    }

    #[test]
    fn unbound_and_non_js_messages_are_refused() {
        let mut m = Msg::new(b"a", Some(b"$JS.ACK.S.C.1.2.3.4.5"), b"x").unwrap();
        let e = m.ack(None).unwrap_err();
        assert_eq!((e.status, e.text.as_str()), (NATS_ILLEGAL_STATE, ERR_NOT_BOUND));
        assert_eq!(m.metadata().unwrap_err().status, NATS_ILLEGAL_STATE);
        assert!(!m.is_acked());
        // A stored message has a sequence and time but is not bound.
        m.set_js(Some(JsSlot::Stored(Box::new((7, 8)))));
        assert_eq!((m.js_sequence(), m.js_time()), (7, 8));
        assert_eq!(m.term(None).unwrap_err().status, NATS_ILLEGAL_STATE);
    }
}

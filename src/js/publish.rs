//! JetStream publishing, synchronous part (cnats' `js_Publish`,
//! `js_PublishMsg`), and what the asynchronous part shares with it: the
//! publish options ([`PubOptions`], turned into `Nats-*` headers), the
//! acknowledgment ([`PubAck`]) and its decoding.
//!
//! A publish is a request on the message's subject; the stream that
//! holds the subject answers with a `PubAck` JSON object or an API error
//! (`{"error":{"code","err_code","description"}}`, which becomes
//! `NATS_ERR` with the `err_code` as the error's `js_code`, as cnats).
//! Nobody answering (no stream holds the subject, or a stream leader is
//! being elected) is a 503 "no responders" status: the publish is retried
//! [`PUB_RETRY_ATTEMPTS`] times, [`PUB_RETRY_WAIT_MS`] apart, within the
//! publish's wait (ADR-22), then fails with `NATS_NO_RESPONDERS` (cnats'
//! status, which it returns at once).
//!
//! The request goes through the connection's request multiplexer, whose
//! PUB is written by the flusher at once when it is alone: there is no
//! millisecond floor on a lone publish.

use super::{non_empty, JetStream};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::proto::headers::Headers;
use crate::status::natsStatus::{self, *};
use serde::Deserialize;
use std::time::{Duration, Instant};

/// `Nats-Msg-Id`: the de-duplication id.
pub const MSG_ID_HDR: &str = "Nats-Msg-Id";
/// `Nats-Expected-Stream`.
pub const EXPECTED_STREAM_HDR: &str = "Nats-Expected-Stream";
/// `Nats-Expected-Last-Sequence`.
pub const EXPECTED_LAST_SEQ_HDR: &str = "Nats-Expected-Last-Sequence";
/// `Nats-Expected-Last-Subject-Sequence`.
pub const EXPECTED_LAST_SUBJ_SEQ_HDR: &str = "Nats-Expected-Last-Subject-Sequence";
/// `Nats-Expected-Last-Subject-Sequence-Subject`.
pub const EXPECTED_LAST_SUBJ_SEQ_SUBJ_HDR: &str = "Nats-Expected-Last-Subject-Sequence-Subject";
/// `Nats-Expected-Last-Msg-Id`.
pub const EXPECTED_LAST_MSG_ID_HDR: &str = "Nats-Expected-Last-Msg-Id";
/// `Nats-TTL`: the message's time to live (ADR-43).
pub const MSG_TTL_HDR: &str = "Nats-TTL";
/// Message scheduling headers (server 2.14).
pub const SCHEDULE_HDR: &str = "Nats-Schedule";
pub const SCHEDULE_TARGET_HDR: &str = "Nats-Schedule-Target";
pub const SCHEDULE_SOURCE_HDR: &str = "Nats-Schedule-Source";
pub const SCHEDULE_TTL_HDR: &str = "Nats-Schedule-TTL";
pub const SCHEDULE_TIME_ZONE_HDR: &str = "Nats-Schedule-Time-Zone";
pub const SCHEDULE_ROLLUP_HDR: &str = "Nats-Schedule-Rollup";
pub const SCHEDULER_HDR: &str = "Nats-Scheduler";
pub const SCHEDULE_NEXT_HDR: &str = "Nats-Schedule-Next";

/// How many times a publish answered by "no responders" is retried.
pub const PUB_RETRY_ATTEMPTS: u32 = 2;
/// The wait before such a retry, in ms.
pub const PUB_RETRY_WAIT_MS: u64 = 250;

/// cnats' `jsScheduleOptions` (all unset: no schedule headers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleOptions {
    /// `@every 1m`, `@hourly`… or a cron expression.
    pub schedule: Option<String>,
    /// The subject the scheduled message is delivered to.
    pub target: Option<String>,
    /// Publish the last message of this subject instead.
    pub source: Option<String>,
    /// TTL in ms of the produced messages (0: none; negative is invalid).
    pub ttl_ms: i64,
    /// The time zone of a cron schedule.
    pub time_zone: Option<String>,
    pub rollup: bool,
    /// Cancels the schedule of this subject (alone: no other field set).
    pub cancel_scheduled_subject: Option<String>,
}

/// cnats' `jsPubOptions`. Empty strings and zero values are "unset".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PubOptions {
    /// Wait for the acknowledgment in ms (0: the context's wait; negative
    /// is invalid). For an async publish: the message's ack timeout.
    pub max_wait_ms: i64,
    pub msg_id: Option<String>,
    pub expect_stream: Option<String>,
    pub expect_last_msg_id: Option<String>,
    pub expect_last_seq: u64,
    pub expect_last_subject_seq: u64,
    /// The subject the `expect_last_subject_seq` applies to (default: the
    /// message's).
    pub expect_last_subject_seq_subject: Option<String>,
    /// Expect that the subject has no message yet (last subject sequence
    /// 0); wins over `expect_last_subject_seq`.
    pub expect_no_message: bool,
    /// Per-message TTL in ms (0: none; negative is invalid).
    pub msg_ttl_ms: i64,
    pub schedule: ScheduleOptions,
}

/// The acknowledgment of a stored message (cnats' `jsPubAck`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PubAck {
    #[serde(default)]
    pub stream: String,
    #[serde(default)]
    pub seq: u64,
    #[serde(default)]
    pub domain: Option<String>,
    /// The message id was seen within the stream's duplicate window: the
    /// message was not stored again (`seq` is the original's).
    #[serde(default)]
    pub duplicate: bool,
    /// Atomic batch publish (server 2.12): the batch id and count.
    #[serde(default)]
    pub batch: Option<String>,
    #[serde(default)]
    pub count: u64,
    /// Counter streams: the counter's value.
    #[serde(default, rename = "val")]
    pub value: Option<String>,
}

/// Why a publish was not acknowledged (cnats' `jsPubAckErr` without the
/// message): the status, the JetStream error code (0 if none) and a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PubAckErr {
    pub status: natsStatus,
    pub js_code: u16,
    pub text: String,
}

impl PubAckErr {
    pub fn from_error(e: &Error) -> PubAckErr {
        PubAckErr {
            status: e.status,
            js_code: e.js_code,
            text: e.text.clone(),
        }
    }

    pub fn to_error(&self) -> Error {
        Error::js(self.status, self.js_code, self.text.clone())
    }
}

/// A duration in ms written as Go's `time.Duration.String()` does (what
/// the server parses for `Nats-TTL`): `500ms`, `1.5s`, `1m30s`, `2h0m0s`.
pub fn go_duration_ms(ms: i64) -> String {
    let ms = ms.unsigned_abs();
    if ms == 0 {
        return "0s".into();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let frac = ms % 1000;
    let total_s = ms / 1000;
    let (h, m, s) = (total_s / 3600, (total_s / 60) % 60, total_s % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if h > 0 || m > 0 {
        out.push_str(&format!("{m}m"));
    }
    out.push_str(&s.to_string());
    if frac > 0 {
        let f = format!("{frac:03}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    out.push('s');
    out
}

impl PubOptions {
    /// The wait in ms (validated), 0 meaning "the context's".
    pub fn checked_max_wait(&self) -> Result<i64> {
        if self.max_wait_ms < 0 {
            return Err(Error::invalid_arg(format!(
                "option 'MaxWait' ({}) cannot be negative",
                self.max_wait_ms
            )));
        }
        Ok(self.max_wait_ms)
    }

    /// True when no option adds a header.
    fn adds_no_header(&self) -> bool {
        let s = &self.schedule;
        non_empty(&self.msg_id).is_none()
            && non_empty(&self.expect_last_msg_id).is_none()
            && non_empty(&self.expect_stream).is_none()
            && self.expect_last_seq == 0
            && !self.expect_no_message
            && self.expect_last_subject_seq == 0
            && self.msg_ttl_ms == 0
            && non_empty(&s.schedule).is_none()
            && non_empty(&s.target).is_none()
            && non_empty(&s.source).is_none()
            && s.ttl_ms == 0
            && non_empty(&s.time_zone).is_none()
            && !s.rollup
            && non_empty(&s.cancel_scheduled_subject).is_none()
    }

    /// Validates the options and sets their headers (replacing values of
    /// the same keys) on `h`, as cnats does on the message.
    pub fn apply_headers(&self, h: &mut Headers) -> Result<()> {
        let set = |h: &mut Headers, k: &str, v: &str| h.set(k.as_bytes(), v.as_bytes());
        if let Some(v) = non_empty(&self.msg_id) {
            set(h, MSG_ID_HDR, v)?;
        }
        if let Some(v) = non_empty(&self.expect_last_msg_id) {
            set(h, EXPECTED_LAST_MSG_ID_HDR, v)?;
        }
        if let Some(v) = non_empty(&self.expect_stream) {
            set(h, EXPECTED_STREAM_HDR, v)?;
        }
        if self.expect_last_seq > 0 {
            set(h, EXPECTED_LAST_SEQ_HDR, &self.expect_last_seq.to_string())?;
        }
        if self.expect_no_message {
            set(h, EXPECTED_LAST_SUBJ_SEQ_HDR, "0")?;
        } else if self.expect_last_subject_seq > 0 {
            set(h, EXPECTED_LAST_SUBJ_SEQ_HDR, &self.expect_last_subject_seq.to_string())?;
            if let Some(v) = non_empty(&self.expect_last_subject_seq_subject) {
                set(h, EXPECTED_LAST_SUBJ_SEQ_SUBJ_HDR, v)?;
            }
        }
        if self.msg_ttl_ms < 0 {
            return Err(Error::invalid_arg(format!(
                "option 'MsgTTL' ({}) cannot be negative",
                self.msg_ttl_ms
            )));
        }
        if self.msg_ttl_ms > 0 {
            set(h, MSG_TTL_HDR, &go_duration_ms(self.msg_ttl_ms))?;
        }
        let s = &self.schedule;
        if let Some(v) = non_empty(&s.schedule) {
            set(h, SCHEDULE_HDR, v)?;
        }
        if let Some(v) = non_empty(&s.target) {
            set(h, SCHEDULE_TARGET_HDR, v)?;
        }
        if let Some(v) = non_empty(&s.source) {
            set(h, SCHEDULE_SOURCE_HDR, v)?;
        }
        if s.ttl_ms < 0 {
            return Err(Error::invalid_arg(format!(
                "option 'Schedule.TTL' ({}) cannot be negative",
                s.ttl_ms
            )));
        }
        if s.ttl_ms > 0 {
            set(h, SCHEDULE_TTL_HDR, &go_duration_ms(s.ttl_ms))?;
        }
        if let Some(v) = non_empty(&s.time_zone) {
            set(h, SCHEDULE_TIME_ZONE_HDR, v)?;
        }
        if s.rollup {
            set(h, SCHEDULE_ROLLUP_HDR, "sub")?;
        }
        if let Some(v) = non_empty(&s.cancel_scheduled_subject) {
            if non_empty(&s.schedule).is_some()
                || non_empty(&s.target).is_some()
                || non_empty(&s.source).is_some()
                || s.ttl_ms != 0
                || non_empty(&s.time_zone).is_some()
                || s.rollup
            {
                return Err(Error::invalid_arg(format!(
                    "option 'Schedule.CancelScheduledSubject' ({v}) cannot be used with other schedule options"
                )));
            }
            set(h, SCHEDULER_HDR, v)?;
            set(h, SCHEDULE_NEXT_HDR, "purge")?;
        }
        Ok(())
    }

    /// Sets the option headers on a message (creating its headers only
    /// when an option needs one).
    pub fn apply_to_msg(&self, msg: &mut Msg) -> Result<()> {
        if self.adds_no_header() {
            // Still validate (negative values).
            return self.apply_headers(&mut Headers::new());
        }
        match msg.headers()? {
            Some(h) => self.apply_headers(h),
            None => Err(Error::new(NATS_ERR, "message headers unavailable")),
        }
    }
}

#[derive(Deserialize)]
struct AckError {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    err_code: u16,
    #[serde(default)]
    description: Option<String>,
}

/// The answer to a publish: a [`PubAck`] or an error (fields listed
/// flat: faster than `#[serde(flatten)]`).
#[derive(Deserialize)]
struct AckResponse {
    #[serde(default)]
    error: Option<AckError>,
    #[serde(default)]
    stream: String,
    #[serde(default)]
    seq: u64,
    #[serde(default)]
    domain: Option<String>,
    #[serde(default)]
    duplicate: bool,
    #[serde(default)]
    batch: Option<String>,
    #[serde(default)]
    count: u64,
    #[serde(default)]
    val: Option<String>,
}

/// Decodes the answer to a publish: a [`PubAck`], or the error it carries
/// (no responders: `NATS_NO_RESPONDERS`; an API error: `NATS_ERR` with
/// its `err_code`; anything that is not a publish acknowledgment:
/// `NATS_ERR`).
pub fn decode_ack(reply: &Msg) -> Result<PubAck> {
    if reply.is_no_responders() {
        return Err(Error::status(NATS_NO_RESPONDERS));
    }
    let r: AckResponse = serde_json::from_slice(reply.data())
        .map_err(|e| Error::new(NATS_ERR, format!("invalid publish acknowledgment: {e}")))?;
    if let Some(err) = r.error.filter(|e| e.code != 0 || e.err_code != 0) {
        let text = err
            .description
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| format!("publish failed (code {}, error code {})", err.code, err.err_code));
        return Err(Error::js(NATS_ERR, err.err_code, text));
    }
    if r.stream.is_empty() {
        return Err(Error::new(
            NATS_ERR,
            "invalid publish acknowledgment: no stream in the response",
        ));
    }
    Ok(PubAck {
        stream: r.stream,
        seq: r.seq,
        domain: r.domain,
        duplicate: r.duplicate,
        batch: r.batch,
        count: r.count,
        value: r.val,
    })
}

impl JetStream {
    /// `js_Publish`: publishes `data` (with `headers`, if any, plus the
    /// option headers) to `subject` and waits for the acknowledgment.
    pub fn publish(
        &self,
        subject: &[u8],
        data: &[u8],
        headers: Option<&Headers>,
        opts: Option<&PubOptions>,
    ) -> Result<PubAck> {
        if subject.is_empty() {
            return Err(Error::invalid_arg("invalid argument: subject cannot be empty"));
        }
        let wait = match opts {
            Some(o) => o.checked_max_wait()?,
            None => 0,
        };
        let block = match opts {
            Some(o) if !o.adds_no_header() => {
                let mut h = headers.cloned().unwrap_or_default();
                o.apply_headers(&mut h)?;
                Some(h.to_bytes())
            }
            Some(o) => {
                o.apply_headers(&mut Headers::new())?;
                headers.filter(|h| !h.is_empty()).map(Headers::to_bytes)
            }
            None => headers.filter(|h| !h.is_empty()).map(Headers::to_bytes),
        };
        self.publish_raw(subject, block.as_deref(), data, wait)
    }

    /// `js_PublishMsg`: sets the option headers on `msg` (as cnats does)
    /// and publishes it to its subject (its reply subject is not used).
    pub fn publish_msg(&self, msg: &mut Msg, opts: Option<&PubOptions>) -> Result<PubAck> {
        let wait = match opts {
            Some(o) => {
                let w = o.checked_max_wait()?;
                o.apply_to_msg(msg)?;
                w
            }
            None => 0,
        };
        let block = msg.header_block();
        self.publish_raw(msg.subject(), block.as_deref(), msg.data(), wait)
    }

    /// The request, with the no-responders retries, within `wait_ms` (0:
    /// the context's wait).
    fn publish_raw(&self, subject: &[u8], headers: Option<&[u8]>, data: &[u8], wait_ms: i64) -> Result<PubAck> {
        let wait_ms = if wait_ms > 0 { wait_ms } else { self.wait() };
        let deadline = Instant::now() + Duration::from_millis(wait_ms as u64);
        let mut attempt = 0;
        loop {
            let left = deadline.saturating_duration_since(Instant::now()).as_millis() as i64;
            let r = self
                .conn()
                .request(subject, headers, data, left.max(1))
                .and_then(|m| decode_ack(&m));
            match r {
                Err(e) if e.status == NATS_NO_RESPONDERS && attempt < PUB_RETRY_ATTEMPTS => {
                    let pause = Duration::from_millis(PUB_RETRY_WAIT_MS);
                    if Instant::now() + pause >= deadline {
                        return Err(e);
                    }
                    attempt += 1;
                    std::thread::sleep(pause);
                }
                Err(e) if e.status == NATS_TIMEOUT => {
                    return Err(Error::new(
                        NATS_TIMEOUT,
                        "timeout waiting for the publish acknowledgment",
                    ))
                }
                r => return r,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(go_duration_ms(1), "1ms");
        assert_eq!(go_duration_ms(999), "999ms");
        assert_eq!(go_duration_ms(1000), "1s");
        assert_eq!(go_duration_ms(1500), "1.5s");
        assert_eq!(go_duration_ms(1250), "1.25s");
        assert_eq!(go_duration_ms(60_000), "1m0s");
        assert_eq!(go_duration_ms(90_001), "1m30.001s");
        assert_eq!(go_duration_ms(3_600_000), "1h0m0s");
        assert_eq!(go_duration_ms(7_384_000), "2h3m4s");
    }

    #[test]
    fn option_headers() {
        let o = PubOptions {
            msg_id: Some("id-1".into()),
            expect_stream: Some("S".into()),
            expect_last_msg_id: Some("id-0".into()),
            expect_last_seq: 7,
            expect_last_subject_seq: 3,
            expect_last_subject_seq_subject: Some("a.b".into()),
            msg_ttl_ms: 1500,
            ..Default::default()
        };
        let mut h = Headers::new();
        h.set(b"Nats-Msg-Id", b"old").unwrap();
        h.set(b"X", b"y").unwrap();
        o.apply_headers(&mut h).unwrap();
        let g = |k: &str| {
            h.get_bytes(k.as_bytes())
                .map(|v| String::from_utf8_lossy(v).into_owned())
        };
        assert_eq!(g(MSG_ID_HDR).as_deref(), Some("id-1"));
        assert_eq!(g("X").as_deref(), Some("y"));
        assert_eq!(g(EXPECTED_STREAM_HDR).as_deref(), Some("S"));
        assert_eq!(g(EXPECTED_LAST_MSG_ID_HDR).as_deref(), Some("id-0"));
        assert_eq!(g(EXPECTED_LAST_SEQ_HDR).as_deref(), Some("7"));
        assert_eq!(g(EXPECTED_LAST_SUBJ_SEQ_HDR).as_deref(), Some("3"));
        assert_eq!(g(EXPECTED_LAST_SUBJ_SEQ_SUBJ_HDR).as_deref(), Some("a.b"));
        assert_eq!(g(MSG_TTL_HDR).as_deref(), Some("1.5s"));

        // Expect no message wins over a last subject sequence.
        let o = PubOptions {
            expect_no_message: true,
            expect_last_subject_seq: 3,
            expect_last_subject_seq_subject: Some("a.b".into()),
            ..Default::default()
        };
        let mut h = Headers::new();
        o.apply_headers(&mut h).unwrap();
        assert_eq!(h.get_bytes(EXPECTED_LAST_SUBJ_SEQ_HDR.as_bytes()), Some(&b"0"[..]));
        assert_eq!(h.get_bytes(EXPECTED_LAST_SUBJ_SEQ_SUBJ_HDR.as_bytes()), None);

        // Bad values.
        for o in [
            PubOptions {
                msg_ttl_ms: -1,
                ..Default::default()
            },
            PubOptions {
                schedule: ScheduleOptions {
                    ttl_ms: -5,
                    ..Default::default()
                },
                ..Default::default()
            },
            PubOptions {
                schedule: ScheduleOptions {
                    cancel_scheduled_subject: Some("x".into()),
                    rollup: true,
                    ..Default::default()
                },
                ..Default::default()
            },
            PubOptions {
                msg_id: Some("a\r\nb".into()),
                ..Default::default()
            },
        ] {
            let e = o.apply_headers(&mut Headers::new()).unwrap_err();
            assert_eq!(e.status, NATS_INVALID_ARG, "{o:?}");
        }
        let e = PubOptions {
            max_wait_ms: -1,
            ..Default::default()
        }
        .checked_max_wait()
        .unwrap_err();
        assert_eq!(e.status, NATS_INVALID_ARG);
        assert!(e.text.contains("MaxWait"), "{}", e.text);
    }

    #[test]
    fn schedule_headers() {
        let o = PubOptions {
            schedule: ScheduleOptions {
                schedule: Some("@every 1m".into()),
                target: Some("t".into()),
                ttl_ms: 60_000,
                rollup: true,
                ..Default::default()
            },
            ..Default::default()
        };
        let mut h = Headers::new();
        o.apply_headers(&mut h).unwrap();
        assert_eq!(h.get_bytes(SCHEDULE_HDR.as_bytes()), Some(&b"@every 1m"[..]));
        assert_eq!(h.get_bytes(SCHEDULE_TARGET_HDR.as_bytes()), Some(&b"t"[..]));
        assert_eq!(h.get_bytes(SCHEDULE_TTL_HDR.as_bytes()), Some(&b"1m0s"[..]));
        assert_eq!(h.get_bytes(SCHEDULE_ROLLUP_HDR.as_bytes()), Some(&b"sub"[..]));
        let o = PubOptions {
            schedule: ScheduleOptions {
                cancel_scheduled_subject: Some("s.1".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let mut h = Headers::new();
        o.apply_headers(&mut h).unwrap();
        assert_eq!(h.get_bytes(SCHEDULER_HDR.as_bytes()), Some(&b"s.1"[..]));
        assert_eq!(h.get_bytes(SCHEDULE_NEXT_HDR.as_bytes()), Some(&b"purge"[..]));
    }

    fn reply(data: &[u8]) -> Box<Msg> {
        Msg::received(b"_INBOX.x.1", None, 0, data).unwrap()
    }

    #[test]
    fn ack_decoding() {
        let a = decode_ack(&reply(
            br#"{"stream":"S","seq":12,"duplicate":true,"domain":"hub","future":{"x":1}}"#,
        ))
        .unwrap();
        assert_eq!(a.stream, "S");
        assert_eq!(a.seq, 12);
        assert!(a.duplicate);
        assert_eq!(a.domain.as_deref(), Some("hub"));
        let a = decode_ack(&reply(br#"{"stream":"S","seq":1}"#)).unwrap();
        assert!(!a.duplicate);
        assert_eq!(a.domain, None);

        let e = decode_ack(&reply(
            br#"{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 1"}}"#,
        ))
        .unwrap_err();
        assert_eq!(
            (e.status, e.js_code, e.text.as_str()),
            (NATS_ERR, 10071, "wrong last sequence: 1")
        );
        let e = decode_ack(&reply(b"hello")).unwrap_err();
        assert_eq!((e.status, e.js_code), (NATS_ERR, 0));
        let e = decode_ack(&reply(b"{}")).unwrap_err();
        assert_eq!(e.status, NATS_ERR);
        let hdr = b"NATS/1.0 503\r\n\r\n";
        let m = Msg::received(b"_INBOX.x.1", None, hdr.len(), hdr).unwrap();
        assert_eq!(decode_ack(&m).unwrap_err().status, NATS_NO_RESPONDERS);
    }
}

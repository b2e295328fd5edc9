//! Stored messages: `js_GetMsg`, `js_GetLastMsg`, `js_DirectGetMsg`,
//! `js_DeleteMsg`, `js_EraseMsg`.

use super::stream::{check_stream_name, non_empty, to_json};
use super::types::{DirectGetMsgOptions, StoredMsg, SuccessResponse};
use super::{codes, time, JetStream, JsOptions};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::proto::headers::Headers;
use crate::status::natsStatus::{NATS_ERR, NATS_INVALID_ARG, NATS_NOT_FOUND};
use base64::Engine;
use serde::{Deserialize, Serialize};

/// Headers of a direct get answer (ADR-31).
pub const HDR_STREAM: &[u8] = b"Nats-Stream";
pub const HDR_SEQUENCE: &[u8] = b"Nats-Sequence";
pub const HDR_TIME_STAMP: &[u8] = b"Nats-Time-Stamp";
pub const HDR_SUBJECT: &[u8] = b"Nats-Subject";

#[derive(Serialize)]
struct GetRequest<'a> {
    #[serde(skip_serializing_if = "is_zero")]
    seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_by_subj: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_by_subj: Option<&'a str>,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

#[derive(Serialize)]
struct DeleteRequest {
    seq: u64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    no_erase: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawStoredMsg {
    subject: String,
    seq: u64,
    hdrs: Option<String>,
    data: Option<String>,
    #[serde(with = "time")]
    time: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GetResponse {
    message: Option<RawStoredMsg>,
}

fn b64(field: &str, v: Option<String>) -> Result<Vec<u8>> {
    match v {
        None => Ok(Vec::new()),
        Some(s) => base64::engine::general_purpose::STANDARD
            .decode(s.as_bytes())
            .map_err(|e| Error::new(NATS_ERR, format!("invalid base64 in stored message {field}: {e}"))),
    }
}

impl StoredMsg {
    /// A [`Msg`] with this subject, headers and data, its sequence and
    /// time in the message's JetStream slot (`natsMsg_GetSequence/GetTime`).
    pub fn to_msg(&self) -> Result<Msg> {
        let mut m = Msg::new(self.subject.as_bytes(), None, &self.data)?;
        m.set_js(Some(crate::msg::JsSlot::Stored(Box::new((self.seq, self.time)))));
        if let Some(block) = self.header.as_deref().filter(|b| !b.is_empty()) {
            let parsed = Headers::parse(block)?;
            if let Some(h) = m.headers()? {
                for k in parsed.keys() {
                    for v in parsed.values(k.to_bytes()).unwrap_or_default() {
                        h.add(k.to_bytes(), v.to_bytes())?;
                    }
                }
            }
        }
        Ok(m)
    }
}

/// Reads a direct get answer (ADR-31): a 404 status is `NATS_NOT_FOUND`,
/// other statuses `NATS_ERR`; else the message is the payload, its subject,
/// sequence and time from the `Nats-*` headers. The header block is kept
/// whole, as cnats does.
pub fn stored_msg_from_direct(m: &mut Msg) -> Result<StoredMsg> {
    let header = m.header_block().map(|b| b.into_owned());
    let Some(block) = header.as_deref() else {
        return Err(Error::new(NATS_ERR, "direct get message response should have headers"));
    };
    if m.data().is_empty() {
        if let Some((status, text)) = crate::proto::headers::parse_status_line(block).filter(|(s, _)| !s.is_empty()) {
            if status == b"404" {
                return Err(Error::status(NATS_NOT_FOUND));
            }
            return Err(Error::new(
                NATS_ERR,
                format!(
                    "error getting message: {} {}",
                    String::from_utf8_lossy(status),
                    String::from_utf8_lossy(text).trim()
                ),
            ));
        }
    }
    let data = m.data().to_vec();
    let h = m
        .existing_headers()?
        .ok_or_else(|| Error::new(NATS_ERR, "direct get message response should have headers"))?;
    let get = |k: &[u8]| h.get_bytes(k).map(|v| String::from_utf8_lossy(v).into_owned());
    if get(HDR_STREAM).is_none_or(|s| s.is_empty()) {
        return Err(Error::new(NATS_ERR, "missing stream name"));
    }
    let seq_text = get(HDR_SEQUENCE).unwrap_or_default();
    let seq: u64 = seq_text
        .parse()
        .map_err(|_| Error::new(NATS_ERR, format!("missing or invalid sequence '{seq_text}'")))?;
    let ts = get(HDR_TIME_STAMP).unwrap_or_default();
    let time = time::parse_rfc3339(&ts)
        .filter(|t| *t != 0)
        .ok_or_else(|| Error::new(NATS_ERR, format!("missing or invalid timestamp '{ts}'")))?;
    let subject = get(HDR_SUBJECT)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::new(NATS_ERR, "missing or invalid subject"))?;
    Ok(StoredMsg {
        subject,
        seq,
        time,
        header,
        data,
    })
}

impl JetStream {
    fn get_msg_impl(&self, stream: &str, req: &GetRequest<'_>, opts: Option<&JsOptions>) -> Result<StoredMsg> {
        check_stream_name(stream)?;
        let o = self.call_opts(opts);
        let r: GetResponse = self.api_request(
            &o,
            &format!("STREAM.MSG.GET.{stream}"),
            &to_json(req)?,
            &[codes::NO_MESSAGE_FOUND],
        )?;
        let raw = r
            .message
            .ok_or_else(|| Error::new(NATS_NOT_FOUND, "message content not found"))?;
        let header = b64("headers", raw.hdrs)?;
        Ok(StoredMsg {
            subject: raw.subject,
            seq: raw.seq,
            time: raw.time,
            header: if header.is_empty() { None } else { Some(header) },
            data: b64("data", raw.data)?,
        })
    }

    /// `js_GetMsg`: the message at `seq` (>= 1). `NATS_NOT_FOUND` when
    /// there is none.
    pub fn get_msg(&self, stream: &str, seq: u64, opts: Option<&JsOptions>) -> Result<StoredMsg> {
        if seq < 1 {
            return Err(Error::status(NATS_INVALID_ARG));
        }
        let req = GetRequest {
            seq,
            last_by_subj: None,
            next_by_subj: None,
        };
        self.get_msg_impl(stream, &req, opts)
    }

    /// `js_GetLastMsg`: the last message on `subject`.
    pub fn get_last_msg(&self, stream: &str, subject: &str, opts: Option<&JsOptions>) -> Result<StoredMsg> {
        if subject.is_empty() {
            return Err(Error::status(NATS_INVALID_ARG));
        }
        let req = GetRequest {
            seq: 0,
            last_by_subj: Some(subject),
            next_by_subj: None,
        };
        self.get_msg_impl(stream, &req, opts)
    }

    /// `js_DirectGetMsg` (the stream must allow direct gets): by
    /// `last_by_subject` (`DIRECT.GET.<stream>.<subject>`), else by
    /// `sequence` and/or `next_by_subject`. No JetStream error code: the
    /// answer is a message or a status.
    pub fn direct_get_msg(
        &self,
        stream: &str,
        dg: &DirectGetMsgOptions,
        opts: Option<&JsOptions>,
    ) -> Result<StoredMsg> {
        check_stream_name(stream)?;
        let o = self.call_opts(opts);
        let subject = format!("{}.DIRECT.GET.{stream}", o.prefix);
        let mut resp = if let Some(last) = non_empty(&dg.last_by_subject) {
            self.conn()
                .request(format!("{subject}.{last}").as_bytes(), None, b"", o.wait)?
        } else {
            let body = to_json(&GetRequest {
                seq: dg.sequence,
                last_by_subj: None,
                next_by_subj: non_empty(&dg.next_by_subject),
            })?;
            self.conn().request(subject.as_bytes(), None, &body, o.wait)?
        };
        stored_msg_from_direct(&mut resp)
    }

    fn delete_msg_impl(&self, stream: &str, seq: u64, no_erase: bool, opts: Option<&JsOptions>) -> Result<()> {
        check_stream_name(stream)?;
        let o = self.call_opts(opts);
        let r: SuccessResponse = self.api_request(
            &o,
            &format!("STREAM.MSG.DELETE.{stream}"),
            &to_json(&DeleteRequest { seq, no_erase })?,
            &[codes::STREAM_NOT_FOUND, codes::CONSUMER_NOT_FOUND],
        )?;
        if !r.success {
            return Err(Error::new(NATS_ERR, format!("failed to delete message {seq}")));
        }
        Ok(())
    }

    /// `js_DeleteMsg`: marks the message deleted (not erased).
    pub fn delete_msg(&self, stream: &str, seq: u64, opts: Option<&JsOptions>) -> Result<()> {
        self.delete_msg_impl(stream, seq, true, opts)
    }

    /// `js_EraseMsg`: deletes and overwrites the message's storage.
    pub fn erase_msg(&self, stream: &str, seq: u64, opts: Option<&JsOptions>) -> Result<()> {
        self.delete_msg_impl(stream, seq, false, opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn direct(hdr: &[u8], data: &[u8]) -> Result<StoredMsg> {
        let mut payload = hdr.to_vec();
        payload.extend_from_slice(data);
        let mut m = Msg::received(b"_INBOX.x", None, hdr.len(), &payload).unwrap();
        stored_msg_from_direct(&mut m)
    }

    #[test]
    fn direct_get_answers() {
        let e = direct(b"NATS/1.0 404 Message Not Found\r\n\r\n", b"").unwrap_err();
        assert_eq!(e.status, NATS_NOT_FOUND);
        let e = direct(b"NATS/1.0 408 Request Timeout\r\n\r\n", b"").unwrap_err();
        assert_eq!(e.status, NATS_ERR);
        assert_eq!(e.text, "error getting message: 408 Request Timeout");
        let e = Msg::received(b"_INBOX.x", None, 0, b"data")
            .and_then(|mut m| stored_msg_from_direct(&mut m))
            .unwrap_err();
        assert_eq!(e.text, "direct get message response should have headers");
        let good = b"NATS/1.0\r\nNats-Stream: S\r\nNats-Subject: a.b\r\nNats-Sequence: 42\r\nNats-Time-Stamp: 2026-11-26T00:00:00.000000001Z\r\n\r\n";
        let m = direct(good, b"payload").unwrap();
        assert_eq!(
            (m.subject.as_str(), m.seq, m.data.as_slice()),
            ("a.b", 42, &b"payload"[..])
        );
        assert_eq!(m.time, time::parse_rfc3339("2026-11-26T00:00:00.000000001Z").unwrap());
        assert_eq!(m.header.as_deref(), Some(&good[..]));
        let bad_seq = b"NATS/1.0\r\nNats-Stream: S\r\nNats-Subject: a\r\nNats-Sequence: x\r\nNats-Time-Stamp: 2026-11-26T00:00:00Z\r\n\r\n";
        assert!(direct(bad_seq, b"d").unwrap_err().text.contains("invalid sequence"));
        let no_time = b"NATS/1.0\r\nNats-Stream: S\r\nNats-Subject: a\r\nNats-Sequence: 1\r\n\r\n";
        assert!(direct(no_time, b"d").unwrap_err().text.contains("invalid timestamp"));
        let no_stream =
            b"NATS/1.0\r\nNats-Subject: a\r\nNats-Sequence: 1\r\nNats-Time-Stamp: 2026-11-26T00:00:00Z\r\n\r\n";
        assert_eq!(direct(no_stream, b"d").unwrap_err().text, "missing stream name");
    }

    #[test]
    fn stored_msg_to_msg_keeps_headers() {
        let m = StoredMsg {
            subject: "s".into(),
            seq: 1,
            time: 1,
            header: Some(b"NATS/1.0\r\nA: 1\r\nA: 2\r\nB: x\r\n\r\n".to_vec()),
            data: b"d".to_vec(),
        };
        let mut msg = m.to_msg().unwrap();
        assert_eq!(msg.subject(), b"s");
        assert_eq!(msg.data(), b"d");
        let h = msg.existing_headers().unwrap().unwrap();
        assert_eq!(h.values(b"A").unwrap().len(), 2);
        assert_eq!(h.get_bytes(b"B"), Some(&b"x"[..]));
        let bad = StoredMsg {
            header: Some(b"garbage".to_vec()),
            ..m
        };
        assert!(bad.to_msg().is_err());
    }
}

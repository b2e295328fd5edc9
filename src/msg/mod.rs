//! A message: subject, optional reply, optional headers, data.
//!
//! Everything is in one buffer, NUL-terminated so C can read it in place:
//! `subject NUL [reply NUL] header-block data NUL` (`natsMsg_GetData` is a
//! NUL-terminated buffer). A small message keeps that buffer inline (see
//! [`MsgBuf`]), so a received message is a single allocation: the box that
//! carries it. After that NUL, a received message's buffer holds the
//! padding its connection asks for (zero bytes, see [`Recycler`]).
//!
//! A received message keeps the wire payload as it came: the raw header
//! block followed by the data. The header block is parsed ("lifted") only
//! when headers are first accessed; from then on the parsed [`Headers`]
//! are authoritative.
//!
//! Files: `buf.rs` (the buffer), `recycler.rs` (the parser's allocator of
//! received messages, and the recycling of destroyed ones).
use crate::error::{Error, Result};
use crate::proto::headers::{self, Headers};
use crate::proto::{MsgOp, WireMsg};
use std::borrow::Cow;
use std::ffi::CStr;

mod buf;
mod recycler;

pub use buf::{MsgBuf, MSG_INLINE};
pub use recycler::{clear_recycled, recycle, Incoming, Recycler};

/// What a JetStream message knows beyond a core one (see [`Msg::js`]).
#[derive(Clone)]
pub enum JsSlot {
    /// Received on a JetStream subscription: acks go through its
    /// connection (the message keeps the subscription alive, as cnats'
    /// `msg->sub`).
    Sub(std::sync::Arc<crate::conn::sub::Subscription>),
    /// A stored message (`js_GetMsg`, direct get): its stream sequence and
    /// time (ns since the epoch).
    Stored(Box<(u64, i64)>),
}

impl std::fmt::Debug for JsSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsSlot::Sub(s) => write!(f, "Sub(sid {})", s.sid),
            JsSlot::Stored(st) => write!(f, "Stored {{ seq: {}, time: {} }}", st.0, st.1),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Msg {
    /// `subject NUL [reply NUL] raw-header-block data NUL`.
    buf: MsgBuf,
    subject_len: u32,
    /// 0: no reply.
    reply_len: u32,
    raw_hdr_len: usize,
    /// Parsed or created headers; when `Some`, they replace the raw block.
    headers: Option<Headers>,
    /// JetStream slot: `None` for core messages.
    js: Option<JsSlot>,
    /// A JetStream ack (not "in progress") was sent for this message.
    acked: bool,
}

impl Msg {
    /// A message to publish (`natsMsg_Create`). Subject must be non-empty;
    /// an empty reply is no reply.
    pub fn new(subject: &[u8], reply: Option<&[u8]>, data: &[u8]) -> Result<Msg> {
        if subject.is_empty() {
            return Err(Error::invalid_arg("invalid argument: subject cannot be empty"));
        }
        let nul = |b: &[u8], what: &str| match memchr::memchr(0, b) {
            Some(_) => Err(Error::invalid_arg(format!(
                "invalid argument: {what} contains a NUL byte"
            ))),
            None => Ok(()),
        };
        nul(subject, "subject")?;
        if let Some(r) = reply {
            nul(r, "reply")?;
        }
        let reply = reply.filter(|r| !r.is_empty());
        let mut buf = MsgBuf::with_capacity(subject.len() + reply.map_or(0, |r| r.len() + 1) + data.len() + 2);
        buf.extend_from_slice(subject);
        buf.push(0);
        if let Some(r) = reply {
            buf.extend_from_slice(r);
            buf.push(0);
        }
        buf.extend_from_slice(data);
        buf.push(0);
        Ok(Msg {
            buf,
            subject_len: subject.len() as u32,
            reply_len: reply.map_or(0, |r| r.len() as u32),
            raw_hdr_len: 0,
            headers: None,
            js: None,
            acked: false,
        })
    }

    /// Drops what a box should not keep for its next message.
    fn clear_for_reuse(&mut self) {
        if matches!(self.buf, MsgBuf::Heap(_)) {
            self.buf = MsgBuf::new();
        }
        self.headers = None;
        self.js = None;
        self.acked = false;
    }

    /// The JetStream slot (see [`JsSlot`]).
    pub fn js(&self) -> Option<&JsSlot> {
        self.js.as_ref()
    }

    /// Sets the JetStream slot.
    pub fn set_js(&mut self, slot: Option<JsSlot>) {
        self.js = slot;
    }

    /// True once a JetStream ack (ack, nak, term) was sent for it.
    pub fn is_acked(&self) -> bool {
        self.acked
    }

    pub(crate) fn set_acked(&mut self) {
        self.acked = true;
    }

    /// The stream sequence of a stored message (`natsMsg_GetSequence`), 0
    /// otherwise.
    pub fn js_sequence(&self) -> u64 {
        match self.js() {
            Some(JsSlot::Stored(st)) => st.0,
            _ => 0,
        }
    }

    /// The time (ns since the epoch) of a stored message
    /// (`natsMsg_GetTime`), 0 otherwise.
    pub fn js_time(&self) -> i64 {
        match self.js() {
            Some(JsSlot::Stored(st)) => st.1,
            _ => 0,
        }
    }

    /// A received message, complete (tests).
    #[cfg(test)]
    pub(crate) fn received(
        subject: &[u8],
        reply: Option<&[u8]>,
        header_len: usize,
        payload: &[u8],
    ) -> Result<Box<Msg>> {
        use crate::proto::MsgAlloc;
        let mut m = Recycler::new().start(subject, reply, header_len, payload.len());
        m.append(payload);
        Msg::from_wire(MsgOp {
            sid: 1,
            msg: m,
            nul_free: false,
        })
    }

    /// A received message, finished: checked, and NUL-terminated. The
    /// header block, if any, is kept raw and parsed on first use, so a
    /// malformed block only fails header accessors.
    /// Errors: a NUL byte in the subject or reply (`NATS_PROTOCOL_ERROR`),
    /// a header length beyond the payload.
    #[inline]
    pub fn from_wire(op: MsgOp<Incoming>) -> Result<Box<Msg>> {
        let proto = |t: &str| Error::new(crate::natsStatus::NATS_PROTOCOL_ERROR, t.to_string());
        if op.nul_free && op.msg.0.raw_hdr_len == 0 {
            // A plain MSG whose line scan found no NUL: nothing to check.
            let mut m = op.msg.0;
            m.buf.push(0);
            return Ok(m);
        }
        if op.msg.header_len() > op.msg.payload().len() {
            return Err(proto("header size larger than the message"));
        }
        let mut m = op.msg.0;
        if op.nul_free {
            m.buf.push(0);
            return Ok(m);
        }
        if memchr::memchr(0, m.subject()).is_some() {
            return Err(proto("NUL byte in message subject"));
        }
        if m.reply().is_some_and(|r| memchr::memchr(0, r).is_some()) {
            return Err(proto("NUL byte in message reply"));
        }
        m.buf.push(0);
        Ok(m)
    }

    #[inline]
    fn payload_start(&self) -> usize {
        self.subject_len as usize
            + 1
            + if self.reply_len > 0 {
                self.reply_len as usize + 1
            } else {
                0
            }
    }

    pub fn subject(&self) -> &[u8] {
        &self.buf.as_slice()[..self.subject_len as usize]
    }

    pub fn subject_cstr(&self) -> &CStr {
        CStr::from_bytes_with_nul(&self.buf.as_slice()[..self.subject_len as usize + 1])
            .expect("subject is NUL-terminated")
    }

    pub fn reply(&self) -> Option<&[u8]> {
        let s = self.subject_len as usize + 1;
        (self.reply_len > 0).then(|| &self.buf.as_slice()[s..s + self.reply_len as usize])
    }

    pub fn reply_cstr(&self) -> Option<&CStr> {
        let s = self.subject_len as usize + 1;
        (self.reply_len > 0).then(|| {
            CStr::from_bytes_with_nul(&self.buf.as_slice()[s..s + self.reply_len as usize + 1])
                .expect("reply is NUL-terminated")
        })
    }

    /// The data, without the trailing NUL.
    pub fn data(&self) -> &[u8] {
        let b = self.buf.as_slice();
        &b[self.payload_start() + self.raw_hdr_len..b.len() - 1]
    }

    /// The data followed by a NUL (for C).
    pub fn data_with_nul(&self) -> &[u8] {
        &self.buf.as_slice()[self.payload_start() + self.raw_hdr_len..]
    }

    /// The raw header block received with the message (before any change).
    fn raw_headers(&self) -> Option<&[u8]> {
        let s = self.payload_start();
        (self.raw_hdr_len > 0).then(|| &self.buf.as_slice()[s..s + self.raw_hdr_len])
    }

    /// Parses the raw block into `self.headers` if not done yet.
    fn lift(&mut self) -> Result<()> {
        if self.headers.is_none() {
            if let Some(raw) = self.raw_headers() {
                self.headers = Some(Headers::parse(raw)?);
            }
        }
        Ok(())
    }

    /// Headers for reading and changing: the received ones (parsed on first
    /// use) or, when the message has none, a new empty set that is kept.
    /// Always `Some` on success; a malformed received block gives
    /// `NATS_PROTOCOL_ERROR` (and stays raw).
    pub fn headers(&mut self) -> Result<Option<&mut Headers>> {
        self.lift()?;
        Ok(Some(self.headers.get_or_insert_with(Headers::default)))
    }

    /// The headers if the message has any (received or set), parsed on
    /// first use; `None` when it never had headers. Does not create them.
    pub fn existing_headers(&mut self) -> Result<Option<&mut Headers>> {
        self.lift()?;
        Ok(self.headers.as_mut())
    }

    /// The header block to send (`None` when the message has no headers,
    /// or all were deleted).
    pub fn encoded_headers(&self) -> Option<Vec<u8>> {
        self.header_block().map(Cow::into_owned)
    }

    /// Like [`Msg::encoded_headers`] without copying an unchanged received
    /// block.
    pub fn header_block(&self) -> Option<Cow<'_, [u8]>> {
        match &self.headers {
            Some(h) if h.is_empty() => None,
            Some(h) => Some(Cow::Owned(h.to_bytes())),
            None => self.raw_headers().map(Cow::Borrowed),
        }
    }

    /// Length of [`Msg::header_block`] (0 without headers).
    pub fn header_len(&self) -> usize {
        match &self.headers {
            Some(h) if h.is_empty() => 0,
            Some(h) => h.encoded_len(),
            None => self.raw_hdr_len,
        }
    }

    /// The inline status (header `Status`), if any; read from the raw
    /// block's first line without parsing the whole block.
    pub fn status(&self) -> Option<&[u8]> {
        match &self.headers {
            Some(h) => h.status(),
            None => self
                .raw_headers()
                .and_then(headers::parse_status_line)
                .map(|(s, _)| s)
                .filter(|s| !s.is_empty()),
        }
    }

    /// Data length 0 and status 503.
    #[inline]
    pub fn is_no_responders(&self) -> bool {
        // No header block, received or set: not a status message.
        if self.raw_hdr_len == 0 && self.headers.is_none() {
            return false;
        }
        self.data().is_empty()
            && self
                .status()
                .is_some_and(|s| s.starts_with(headers::NO_RESPONDERS_STATUS))
    }

    /// Bytes accounted against pending-byte limits (headers + data).
    #[inline(always)]
    pub fn wire_size(&self) -> usize {
        match &self.headers {
            // The raw header block and the data sit between the subject
            // (and reply) and the final NUL.
            None => self.buf.len().saturating_sub(self.payload_start() + 1),
            Some(_) => self.wire_size_parsed(),
        }
    }

    #[cold]
    fn wire_size_parsed(&self) -> usize {
        self.header_len() + self.data().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::MsgAlloc;
    use crate::status::natsStatus;

    fn op(subject: &[u8], reply: Option<&[u8]>, header_len: usize, payload: &[u8]) -> MsgOp<Incoming> {
        let mut m = Recycler::new().start(subject, reply, header_len, payload.len());
        m.append(payload);
        MsgOp {
            sid: 1,
            msg: m,
            nul_free: false,
        }
    }

    #[test]
    fn wire_size_is_headers_plus_data() {
        let hb = b"NATS/1.0\r\nA: b\r\n\r\n";
        let mut payload = hb.to_vec();
        payload.extend_from_slice(b"data!");
        let mut cases = vec![
            Msg::from_wire(op(b"foo", None, 0, b"hello")).unwrap(),
            Msg::from_wire(op(b"foo", Some(b"r"), 0, b"")).unwrap(),
            Msg::from_wire(op(b"foo", Some(b"rep"), hb.len(), &payload)).unwrap(),
            Box::new(Msg::new(b"s", None, b"xyz").unwrap()),
        ];
        let mut lifted = Msg::from_wire(op(b"foo", None, hb.len(), &payload)).unwrap();
        lifted.headers().unwrap().unwrap().set(b"Another", b"value").unwrap();
        cases.push(lifted);
        for m in &cases {
            assert_eq!(m.wire_size(), m.header_len() + m.data().len(), "{m:?}");
        }
        assert_eq!(cases[2].wire_size(), hb.len() + 5);
    }

    #[test]
    fn created_message() {
        let m = Msg::new(b"foo", Some(b"bar"), b"hello").unwrap();
        assert_eq!(m.subject(), b"foo");
        assert_eq!(m.subject_cstr().to_bytes_with_nul(), b"foo\0");
        assert_eq!(m.reply(), Some(&b"bar"[..]));
        assert_eq!(m.reply_cstr().unwrap().to_bytes_with_nul(), b"bar\0");
        assert_eq!(m.data(), b"hello");
        assert_eq!(m.data_with_nul(), b"hello\0");
        assert!(m.encoded_headers().is_none());
        assert_eq!(m.wire_size(), 5);
        assert!(!m.is_no_responders());

        let m = Msg::new(b"foo", Some(b""), b"").unwrap();
        assert!(m.reply().is_none());
        assert_eq!(m.data_with_nul(), b"\0");
        assert_eq!(
            Msg::new(b"", None, b"x").unwrap_err().status,
            natsStatus::NATS_INVALID_ARG
        );
        assert_eq!(
            Msg::new(b"a\0b", None, b"x").unwrap_err().status,
            natsStatus::NATS_INVALID_ARG
        );
        // Data may hold NULs.
        assert_eq!(Msg::new(b"a", None, b"x\0y").unwrap().data(), b"x\0y");
    }

    #[test]
    fn headers_on_a_created_message() {
        let mut m = Msg::new(b"foo", None, b"data").unwrap();
        assert!(m.existing_headers().unwrap().is_none());
        {
            let h = m.headers().unwrap().unwrap();
            h.set(b"A", b"1").unwrap();
            h.add(b"A", b"2").unwrap();
        }
        assert_eq!(m.encoded_headers().unwrap(), b"NATS/1.0\r\nA: 1\r\nA: 2\r\n\r\n");
        assert_eq!(m.header_len(), 24);
        assert_eq!(m.wire_size(), 24 + 4);
        m.headers().unwrap().unwrap().delete(b"A");
        assert!(m.encoded_headers().is_none(), "all headers deleted: plain PUB");
        assert_eq!(m.wire_size(), 4);
    }

    #[test]
    fn received_plain_message() {
        let m = Msg::from_wire(op(b"foo", Some(b"r"), 0, b"abc")).unwrap();
        assert_eq!(m.subject(), b"foo");
        assert_eq!(m.reply(), Some(&b"r"[..]));
        assert_eq!(m.data_with_nul(), b"abc\0");
        assert!(m.encoded_headers().is_none());
        assert_eq!(m.wire_size(), 3);
    }

    #[test]
    fn received_message_with_headers() {
        let hb = b"NATS/1.0\r\nFoo: bar\r\nFoo: baz\r\n\r\n";
        let mut payload = hb.to_vec();
        payload.extend_from_slice(b"payload");
        let mut m = Msg::from_wire(op(b"foo", None, hb.len(), &payload)).unwrap();
        assert_eq!(m.data(), b"payload");
        assert_eq!(m.data_with_nul(), b"payload\0");
        assert_eq!(m.wire_size(), hb.len() + 7);
        // Unchanged: the raw block is sent as is, without a copy.
        assert!(matches!(m.header_block(), Some(Cow::Borrowed(b)) if b == hb));
        assert!(m.status().is_none());
        let h = m.existing_headers().unwrap().unwrap();
        assert_eq!(h.values(b"Foo").unwrap().len(), 2);
        h.set(b"Foo", b"x").unwrap();
        assert_eq!(m.encoded_headers().unwrap(), b"NATS/1.0\r\nFoo: x\r\n\r\n");
        assert_eq!(m.data(), b"payload");
    }

    #[test]
    fn no_responders() {
        let hb = b"NATS/1.0 503\r\nNats-Subject: svc\r\n\r\n";
        let mut m = Msg::from_wire(op(b"_INBOX.x", None, hb.len(), hb)).unwrap();
        assert_eq!(m.status(), Some(&b"503"[..]));
        assert!(m.is_no_responders());
        assert_eq!(m.data(), b"");
        let h = m.existing_headers().unwrap().unwrap();
        assert_eq!(h.get_bytes(b"Status"), Some(&b"503"[..]));
        assert_eq!(h.get_bytes(b"Nats-Subject"), Some(&b"svc"[..]));
        assert!(m.is_no_responders());

        // 503 with data, or another status: not "no responders".
        let mut p = hb.to_vec();
        p.push(b'x');
        assert!(!Msg::from_wire(op(b"a", None, hb.len(), &p)).unwrap().is_no_responders());
        let hb = b"NATS/1.0 404 No Messages\r\n\r\n";
        let m = Msg::from_wire(op(b"a", None, hb.len(), hb)).unwrap();
        assert_eq!(m.status(), Some(&b"404"[..]));
        assert!(!m.is_no_responders());

        // A created message can be made to look like one.
        let mut m = Msg::new(b"a", None, b"").unwrap();
        m.headers().unwrap().unwrap().set(b"Status", b"503").unwrap();
        assert!(m.is_no_responders());
    }

    #[test]
    fn malformed_header_block_does_not_crash() {
        let hb = b"NATS/1.0\r\nno colon here\r\n\r\n";
        let mut payload = hb.to_vec();
        payload.extend_from_slice(b"data");
        let mut m = Msg::from_wire(op(b"a", None, hb.len(), &payload)).unwrap();
        assert_eq!(m.data(), b"data");
        assert_eq!(m.headers().unwrap_err().status, natsStatus::NATS_PROTOCOL_ERROR);
        assert_eq!(
            m.existing_headers().unwrap_err().status,
            natsStatus::NATS_PROTOCOL_ERROR
        );
        // Still forwarded raw.
        assert_eq!(m.encoded_headers().unwrap(), hb);

        let garbage = b"HTTP/1.1 200 OK\r\n\r\n";
        let m = Msg::from_wire(op(b"a", None, garbage.len(), garbage)).unwrap();
        assert!(m.status().is_none());
        assert!(!m.is_no_responders());
    }

    #[test]
    fn from_wire_errors() {
        assert_eq!(
            Msg::from_wire(op(b"a", None, 5, b"abc")).unwrap_err().status,
            natsStatus::NATS_PROTOCOL_ERROR
        );
        assert_eq!(
            Msg::from_wire(op(b"a\0", None, 0, b"abc")).unwrap_err().status,
            natsStatus::NATS_PROTOCOL_ERROR
        );
        assert_eq!(
            Msg::from_wire(op(b"a", Some(b"\0"), 0, b"abc")).unwrap_err().status,
            natsStatus::NATS_PROTOCOL_ERROR
        );
    }
}

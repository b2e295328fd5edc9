//! The NATS client protocol, without I/O: an incremental parser of server
//! operations, a writer of client operations, INFO/CONNECT JSON and header
//! blocks.

pub mod headers;
pub mod info;
pub mod parser;
pub mod writer;

pub use info::{ConnectInfo, ServerInfo};
pub use parser::Parser;

use crate::msg::Msg;

/// Bytes stored inside the value itself up to this size: a small received
/// message (subject, reply, payload) then needs no allocation of its own
/// besides the `natsMsg` box that carries it.
pub const MSG_INLINE: usize = 96;

/// A growable byte buffer that keeps up to [`MSG_INLINE`] bytes inline and
/// moves to the heap beyond that.
#[derive(Clone)]
pub enum MsgBuf {
    Inline { len: u8, bytes: [u8; MSG_INLINE] },
    Heap(Vec<u8>),
}

impl MsgBuf {
    /// An empty buffer that can take `cap` bytes without growing.
    #[inline]
    pub fn with_capacity(cap: usize) -> MsgBuf {
        if cap <= MSG_INLINE {
            MsgBuf::new()
        } else {
            MsgBuf::Heap(Vec::with_capacity(cap))
        }
    }

    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match self {
            MsgBuf::Inline { len, bytes } => &bytes[..*len as usize],
            MsgBuf::Heap(v) => v,
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        match self {
            MsgBuf::Inline { len, .. } => *len as usize,
            MsgBuf::Heap(v) => v.len(),
        }
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes it can hold without growing.
    pub fn capacity(&self) -> usize {
        match self {
            MsgBuf::Inline { .. } => MSG_INLINE,
            MsgBuf::Heap(v) => v.capacity(),
        }
    }

    #[inline]
    pub fn extend_from_slice(&mut self, s: &[u8]) {
        match self {
            MsgBuf::Inline { len, bytes } => {
                let l = *len as usize;
                if l + s.len() <= MSG_INLINE {
                    bytes[l..l + s.len()].copy_from_slice(s);
                    *len = (l + s.len()) as u8;
                } else {
                    let mut v = Vec::with_capacity(l + s.len());
                    v.extend_from_slice(&bytes[..l]);
                    v.extend_from_slice(s);
                    *self = MsgBuf::Heap(v);
                }
            }
            MsgBuf::Heap(v) => v.extend_from_slice(s),
        }
    }

    #[inline]
    pub fn push(&mut self, b: u8) {
        match self {
            MsgBuf::Inline { len, bytes } if (*len as usize) < MSG_INLINE => {
                bytes[*len as usize] = b;
                *len += 1;
            }
            MsgBuf::Heap(v) => v.push(b),
            _ => self.extend_from_slice(&[b]),
        }
    }

    /// An empty inline buffer (no allocation).
    pub const fn new() -> MsgBuf {
        MsgBuf::Inline {
            len: 0,
            bytes: [0; MSG_INLINE],
        }
    }
}

impl Default for MsgBuf {
    fn default() -> Self {
        MsgBuf::new()
    }
}

impl std::fmt::Debug for MsgBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl PartialEq for MsgBuf {
    fn eq(&self, o: &MsgBuf) -> bool {
        self.as_slice() == o.as_slice()
    }
}
impl Eq for MsgBuf {}

/// A `MSG` or `HMSG` from the server: the received message itself, built
/// in place while the parser reads it (one buffer: `subject NUL [reply
/// NUL] header-block data`; [`crate::msg::Msg::from_wire`] checks it and
/// adds the final NUL).
#[derive(Clone)]
pub struct MsgOp {
    pub sid: u64,
    pub msg: Box<Msg>,
    /// The parser's line scan already found no NUL byte in subject and
    /// reply, so [`Msg::from_wire`] need not look again.
    pub nul_free: bool,
}

impl MsgOp {
    /// Starts a message whose payload (`total` bytes, `header_len` of them
    /// headers) is appended later.
    #[inline]
    pub fn start(subject: &[u8], sid: u64, reply: Option<&[u8]>, header_len: usize, total: usize) -> MsgOp {
        MsgOp {
            sid,
            msg: Msg::start_received(subject, reply, header_len, total),
            nul_free: false,
        }
    }

    /// A complete message (tests, and anything not read from a socket).
    pub fn new(subject: &[u8], sid: u64, reply: Option<&[u8]>, header_len: usize, payload: &[u8]) -> MsgOp {
        let mut m = MsgOp::start(subject, sid, reply, header_len, payload.len());
        m.msg.append_received(payload);
        m
    }

    pub fn subject(&self) -> &[u8] {
        self.msg.subject()
    }

    pub fn reply(&self) -> Option<&[u8]> {
        self.msg.reply()
    }

    pub fn header_len(&self) -> usize {
        self.msg.received_header_len()
    }

    /// The header block (if any) followed by the data, received so far.
    pub fn payload(&self) -> &[u8] {
        self.msg.received_payload()
    }

    #[inline]
    pub fn payload_len(&self) -> usize {
        self.msg.received_payload().len()
    }
}

impl std::fmt::Debug for MsgOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MsgOp")
            .field("sid", &self.sid)
            .field("subject", &String::from_utf8_lossy(self.subject()))
            .field("reply", &self.reply().map(String::from_utf8_lossy))
            .field("header_len", &self.header_len())
            .field("payload", &String::from_utf8_lossy(self.payload()))
            .finish()
    }
}

impl PartialEq for MsgOp {
    fn eq(&self, o: &MsgOp) -> bool {
        self.sid == o.sid
            && self.subject() == o.subject()
            && self.reply() == o.reply()
            && self.header_len() == o.header_len()
            && self.payload() == o.payload()
    }
}
impl Eq for MsgOp {}

/// An operation received from the server.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerOp {
    Info(Box<ServerInfo>),
    Msg(MsgOp),
    Ping,
    Pong,
    Ok,
    /// `-ERR 'text'`: the text without the quotes, trimmed.
    Err(String),
}

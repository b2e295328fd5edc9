//! The NATS client protocol, without I/O: an incremental parser of server
//! operations, a writer of client operations, INFO/CONNECT JSON and header
//! blocks.
//!
//! Pure: nothing here holds global or thread-local state, and nothing
//! here knows the engine's message type. The parser fills messages it
//! gets from a [`MsgAlloc`] handed in by its owner (`crate::msg` depends
//! on this module, not the other way round).

pub mod headers;
pub mod info;
pub mod parser;
pub mod writer;

pub use info::{ConnectInfo, ServerInfo};
pub use parser::Parser;

/// A received message being filled by the parser: subject and reply are
/// copied in when its control line is read, then the payload (header block
/// followed by data) arrives in pieces through [`WireMsg::append`].
pub trait WireMsg {
    /// Appends payload bytes (never more than the `total` announced to
    /// [`MsgAlloc::start`]).
    fn append(&mut self, bytes: &[u8]);
    fn subject(&self) -> &[u8];
    /// `None`: no reply (an empty reply is no reply).
    fn reply(&self) -> Option<&[u8]>;
    /// Bytes of the payload that are the header block (0 for `MSG`).
    fn header_len(&self) -> usize;
    /// The payload received so far (header block, then data).
    fn payload(&self) -> &[u8];
}

/// Where the parser gets its messages: the parser's owner hands one in
/// ([`Parser::with_alloc`]), so the parser itself holds no global state.
/// The connection's reader uses a recycler of message boxes
/// (`crate::msg::Recycler`); tests and fuzz targets can use [`PlainAlloc`].
pub trait MsgAlloc {
    type Msg: WireMsg;
    /// A message with `subject` and `reply` copied in and room for `total`
    /// payload bytes, `header_len` of them headers. Called only once the
    /// sizes were checked against the parser's limits.
    fn start(&mut self, subject: &[u8], reply: Option<&[u8]>, header_len: usize, total: usize) -> Self::Msg;
}

/// A message as plain vectors: the simplest [`WireMsg`] (tests, fuzzing,
/// anything that does not need the engine's message layout).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlainMsg {
    pub subject: Vec<u8>,
    pub reply: Option<Vec<u8>>,
    pub header_len: usize,
    pub payload: Vec<u8>,
}

impl PlainMsg {
    /// A complete message.
    pub fn new(subject: &[u8], reply: Option<&[u8]>, header_len: usize, payload: &[u8]) -> PlainMsg {
        PlainMsg {
            subject: subject.to_vec(),
            reply: reply.filter(|r| !r.is_empty()).map(<[u8]>::to_vec),
            header_len,
            payload: payload.to_vec(),
        }
    }
}

impl WireMsg for PlainMsg {
    fn append(&mut self, bytes: &[u8]) {
        self.payload.extend_from_slice(bytes);
    }
    fn subject(&self) -> &[u8] {
        &self.subject
    }
    fn reply(&self) -> Option<&[u8]> {
        self.reply.as_deref()
    }
    fn header_len(&self) -> usize {
        self.header_len
    }
    fn payload(&self) -> &[u8] {
        &self.payload
    }
}

/// Allocates each message as a fresh [`PlainMsg`].
#[derive(Debug, Clone, Copy, Default)]
pub struct PlainAlloc;

impl MsgAlloc for PlainAlloc {
    type Msg = PlainMsg;
    fn start(&mut self, subject: &[u8], reply: Option<&[u8]>, header_len: usize, total: usize) -> PlainMsg {
        PlainMsg {
            subject: subject.to_vec(),
            reply: reply.filter(|r| !r.is_empty()).map(<[u8]>::to_vec),
            header_len,
            payload: Vec::with_capacity(total),
        }
    }
}

/// A `MSG` or `HMSG` from the server: the received message itself, built
/// in place while the parser reads it.
#[derive(Clone)]
pub struct MsgOp<M> {
    pub sid: u64,
    pub msg: M,
    /// The parser's line scan already found no NUL byte in subject and
    /// reply, so the message's owner need not look again.
    pub nul_free: bool,
}

impl<M: WireMsg> MsgOp<M> {
    pub fn subject(&self) -> &[u8] {
        self.msg.subject()
    }

    pub fn reply(&self) -> Option<&[u8]> {
        self.msg.reply()
    }

    pub fn header_len(&self) -> usize {
        self.msg.header_len()
    }

    /// The header block (if any) followed by the data, received so far.
    pub fn payload(&self) -> &[u8] {
        self.msg.payload()
    }

    #[inline]
    pub fn payload_len(&self) -> usize {
        self.msg.payload().len()
    }
}

impl MsgOp<PlainMsg> {
    /// A complete message (tests).
    pub fn new(subject: &[u8], sid: u64, reply: Option<&[u8]>, header_len: usize, payload: &[u8]) -> Self {
        MsgOp {
            sid,
            msg: PlainMsg::new(subject, reply, header_len, payload),
            nul_free: false,
        }
    }
}

impl<M: WireMsg> std::fmt::Debug for MsgOp<M> {
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

/// Same operation (whatever the message type); `nul_free` is a hint and
/// not compared.
impl<M: WireMsg, N: WireMsg> PartialEq<MsgOp<N>> for MsgOp<M> {
    fn eq(&self, o: &MsgOp<N>) -> bool {
        self.sid == o.sid
            && self.subject() == o.subject()
            && self.reply() == o.reply()
            && self.header_len() == o.header_len()
            && self.payload() == o.payload()
    }
}
impl<M: WireMsg> Eq for MsgOp<M> {}

/// An operation received from the server; `M` is the message type of the
/// parser's [`MsgAlloc`].
#[derive(Clone)]
pub enum ServerOp<M> {
    Info(Box<ServerInfo>),
    Msg(MsgOp<M>),
    Ping,
    Pong,
    Ok,
    /// `-ERR 'text'`: the text without the quotes, trimmed.
    Err(String),
}

impl<M: WireMsg> std::fmt::Debug for ServerOp<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerOp::Info(i) => f.debug_tuple("Info").field(i).finish(),
            ServerOp::Msg(m) => f.debug_tuple("Msg").field(m).finish(),
            ServerOp::Ping => f.write_str("Ping"),
            ServerOp::Pong => f.write_str("Pong"),
            ServerOp::Ok => f.write_str("Ok"),
            ServerOp::Err(t) => f.debug_tuple("Err").field(t).finish(),
        }
    }
}

impl<M: WireMsg, N: WireMsg> PartialEq<ServerOp<N>> for ServerOp<M> {
    fn eq(&self, o: &ServerOp<N>) -> bool {
        match (self, o) {
            (ServerOp::Info(a), ServerOp::Info(b)) => a == b,
            (ServerOp::Msg(a), ServerOp::Msg(b)) => a == b,
            (ServerOp::Ping, ServerOp::Ping) | (ServerOp::Pong, ServerOp::Pong) | (ServerOp::Ok, ServerOp::Ok) => true,
            (ServerOp::Err(a), ServerOp::Err(b)) => a == b,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    /// The protocol module is pure: no file of it uses the engine's
    /// message module or keeps global or thread-local state (the parser
    /// gets its messages from the allocator it is handed).
    #[test]
    fn no_global_state_and_no_msg_import() {
        let files = [
            ("mod.rs", include_str!("mod.rs")),
            ("parser.rs", include_str!("parser.rs")),
            ("parser_tests.rs", include_str!("parser_tests.rs")),
            ("headers.rs", include_str!("headers.rs")),
            ("info.rs", include_str!("info.rs")),
            ("writer.rs", include_str!("writer.rs")),
        ];
        let msg_path = concat!("crate::", "msg");
        for (name, text) in files {
            for (i, line) in text.lines().enumerate() {
                let l = line.trim_start();
                if l.starts_with("//") {
                    continue;
                }
                let bad = l.contains(msg_path)
                    || l.contains(concat!("thread_", "local!"))
                    || l.starts_with("static ")
                    || l.starts_with("pub static ")
                    || l.starts_with("pub(crate) static ");
                assert!(!bad, "src/proto/{name}:{}: {line}", i + 1);
            }
        }
    }
}

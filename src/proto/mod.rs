//! The NATS client protocol, without I/O: an incremental parser of server
//! operations, a writer of client operations, INFO/CONNECT JSON and header
//! blocks.

pub mod headers;
pub mod info;
pub mod parser;
pub mod writer;

pub use info::{ConnectInfo, ServerInfo};
pub use parser::Parser;

/// A `MSG` or `HMSG` from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsgOp {
    pub subject: Vec<u8>,
    pub sid: u64,
    pub reply: Option<Vec<u8>>,
    /// Length of the header block at the start of `payload` (0 for `MSG`).
    pub header_len: usize,
    /// The header block (if any) followed by the message data.
    pub payload: Vec<u8>,
}

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

//! CONTRACT STUB — replaced by the protocol implementation.
use super::ServerOp;
use crate::error::Result;

/// Max length of a protocol line (INFO included), as cnats: 32 KiB... see impl.
pub const MAX_CONTROL_LINE: usize = 32 * 1024;

/// Incremental parser: bytes in (split anywhere), `ServerOp`s out.
pub struct Parser {}

impl Default for Parser {
    fn default() -> Self {
        Self::new()
    }
}

impl Parser {
    pub fn new() -> Parser {
        Parser {}
    }
    /// Upper bound on an accepted MSG payload (set from INFO max_payload).
    pub fn set_max_payload(&mut self, _n: usize) {}
    /// Appends bytes received from the socket.
    pub fn feed(&mut self, _data: &[u8]) {}
    /// Spare room of at least `min` bytes to read into, then `commit(n)`.
    pub fn read_buf(&mut self, _min: usize) -> &mut [u8] {
        &mut []
    }
    pub fn commit(&mut self, _n: usize) {}
    /// The next complete operation, `Ok(None)` when more bytes are needed.
    /// Errors: `NATS_PROTOCOL_ERROR` (bad input), `NATS_LINE_TOO_LONG`.
    pub fn next_op(&mut self) -> Result<Option<ServerOp>> {
        Ok(None)
    }
}

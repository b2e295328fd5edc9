//! CONTRACT STUB — replaced by the message implementation.
//!
//! A message: subject, optional reply, optional headers, data. Subject,
//! reply and data are NUL-terminated so C can read them in place
//! (`natsMsg_GetData` returns a NUL-terminated buffer).
use crate::error::Result;
use crate::proto::headers::Headers;
use crate::proto::MsgOp;
use std::ffi::CStr;

#[derive(Debug, Clone)]
pub struct Msg {}

impl Msg {
    /// A message to publish (`natsMsg_Create`). Subject must be non-empty.
    pub fn new(_subject: &[u8], _reply: Option<&[u8]>, _data: &[u8]) -> Result<Msg> {
        Ok(Msg {})
    }
    /// A received message. The header block, if any, is parsed here or lazily.
    pub fn from_wire(_op: MsgOp) -> Result<Msg> {
        Ok(Msg {})
    }
    pub fn subject(&self) -> &[u8] {
        b""
    }
    pub fn subject_cstr(&self) -> &CStr {
        c""
    }
    pub fn reply(&self) -> Option<&[u8]> {
        None
    }
    pub fn reply_cstr(&self) -> Option<&CStr> {
        None
    }
    /// The data, without the trailing NUL.
    pub fn data(&self) -> &[u8] {
        b""
    }
    /// The data followed by a NUL (for C).
    pub fn data_with_nul(&self) -> &[u8] {
        b"\0"
    }
    /// Headers, parsed (and created empty on first use when `create`).
    pub fn headers(&mut self) -> Result<Option<&mut Headers>> {
        Ok(None)
    }
    /// The header block to send (`None` when the message has no headers).
    pub fn encoded_headers(&self) -> Option<Vec<u8>> {
        None
    }
    /// Data length 0 and status 503.
    pub fn is_no_responders(&self) -> bool {
        false
    }
    /// Bytes accounted against pending-byte limits (headers + data).
    pub fn wire_size(&self) -> usize {
        0
    }
}

//! CONTRACT STUB — replaced by the protocol implementation.
use crate::error::Result;
use std::ffi::CString;

/// Message headers: keys in insertion order, each with one or more values.
/// Keys are matched exactly (case-sensitive), as cnats does. An inline
/// status line (`NATS/1.0 503 No Responders`) is stored as the headers
/// `Status` and `Description`, as cnats does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    pub entries: Vec<(CString, Vec<CString>)>,
}

impl Headers {
    /// Parses a `NATS/1.0[ status[ description]]\r\n(K: V\r\n)*\r\n` block.
    pub fn parse(_block: &[u8]) -> Result<Headers> {
        Ok(Headers::default())
    }
    /// Appends the wire form (`NATS/1.0\r\n…\r\n\r\n`) to `out`.
    pub fn encode(&self, _out: &mut Vec<u8>) {}
    pub fn get(&self, _key: &[u8]) -> Option<&CString> {
        None
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

//! The small services client (`micro_NewClient`, `microClient_DoRequest`).

use super::{MicroError, CLIENT_REQUEST_TIMEOUT_MS, ERROR_CODE_HDR, ERROR_HDR};
use crate::conn::Connection;
use crate::msg::Msg;
use std::sync::Arc;

/// A client of services on a connection.
#[derive(Clone)]
pub struct Client {
    nc: Arc<Connection>,
}

impl Client {
    pub fn new(nc: &Arc<Connection>) -> Client {
        Client { nc: nc.clone() }
    }

    pub fn connection(&self) -> &Arc<Connection> {
        &self.nc
    }

    /// Sends a request (waiting 5 s, as cnats) and returns the reply, or
    /// the service error its headers carry (code and text), or the
    /// request's own failure.
    pub fn do_request(&self, subject: &str, data: &[u8]) -> Result<Box<Msg>, MicroError> {
        let mut m = self
            .nc
            .request(subject.as_bytes(), None, data, CLIENT_REQUEST_TIMEOUT_MS)
            .map_err(|e| MicroError::from_error(&e).wrap("request failed"))?;
        match service_error(&mut m) {
            Some(e) => Err(e),
            None => Ok(m),
        }
    }
}

/// The service error of a reply: the error headers, when present.
pub fn service_error(m: &mut Msg) -> Option<MicroError> {
    let h = m.existing_headers().ok().flatten()?;
    let code = h
        .get_bytes(ERROR_CODE_HDR.as_bytes())
        .and_then(|c| std::str::from_utf8(c).ok())
        .and_then(|c| c.trim().parse::<i32>().ok())
        .unwrap_or(0);
    let text = h
        .get_bytes(ERROR_HDR.as_bytes())
        .map(|d| String::from_utf8_lossy(d).into_owned())
        .unwrap_or_default();
    if code == 0 && text.is_empty() {
        return None;
    }
    Some(MicroError::with_code(code, text))
}

//! CONTRACT STUB — replaced by the URL implementation.
use crate::error::Result;

/// A server URL: `[nats|tls]://[user[:pass]@]host[:port]`; no scheme means
/// `nats://`, no port means 4222; IPv6 hosts in brackets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUrl {
    /// Lower-case scheme ("nats", "tls", …).
    pub scheme: String,
    /// Host without brackets.
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<String>,
    /// The URL as the user gave it (normalized with scheme and port).
    pub full: String,
}

impl ServerUrl {
    /// Errors: empty → `NATS_INVALID_ARG`; bad port → `NATS_INVALID_ARG`.
    pub fn parse(_s: &str) -> Result<ServerUrl> {
        Err(crate::Error::invalid_arg("stub"))
    }
    pub fn is_tls(&self) -> bool {
        self.scheme == "tls"
    }
}

/// Splits "url1, url2,url3" into trimmed non-empty parts.
pub fn split_list(s: &str) -> Vec<String> {
    s.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect()
}

//! JetStream (cnats' `js_*` / `jsCtx`), the pure-Rust core.
//!
//! - [`JetStream`] is the context: a connection, the API prefix and the
//!   request wait, plus the option defaults cnats keeps in a `jsCtx`.
//! - [`JsOptions`] mirrors cnats' `jsOptions` with "unset" values kept as
//!   `None` / 0 (the C layer converts field by field); the same type is
//!   used for the per-call options of the management functions, which
//!   override the context's as cnats' `js_setOpts` does.
//! - [`JetStream::api_request`] sends a request to `<prefix>.<suffix>` and
//!   decodes the JSON answer or its `error` object into an [`Error`] that
//!   carries the `err_code` (cnats' `jsErrCode`).
//!
//! Management (JS-A): `types` (serde), `stream`, `consumer`, `msg`,
//! `account`. Publishing (JS-B): `publish`, `publish_async`.

mod account;
pub mod ack;
mod consumer;
mod msg;
mod ordered;
pub mod publish;
pub mod publish_async;
pub mod pull;
pub mod push;
mod stream;
pub mod sub;
pub mod time;
pub mod types;

pub use consumer::{check_group_name, ConsumerAction};
pub use msg::stored_msg_from_direct;
pub use stream::{check_consumer_name, check_stream_name};
pub use types::*;

use crate::conn::Connection;
use crate::error::{Error, Result};
use crate::status::natsStatus;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::sync::Arc;

/// The default API prefix.
pub const DEFAULT_API_PREFIX: &str = "$JS.API";
/// The default wait for API requests, in milliseconds.
pub const DEFAULT_REQUEST_WAIT: i64 = 5000;
/// The default stall wait of async publishing, in milliseconds.
pub const DEFAULT_STALL_WAIT: i64 = 200;

/// JetStream error codes (ADR-7) this crate acts on.
pub mod codes {
    /// JetStream not enabled (cnats sets it when nobody answers an API request).
    pub const NOT_ENABLED: u16 = 10076;
    /// Stream not found.
    pub const STREAM_NOT_FOUND: u16 = 10059;
    /// Consumer not found.
    pub const CONSUMER_NOT_FOUND: u16 = 10014;
    /// No message found.
    pub const NO_MESSAGE_FOUND: u16 = 10037;
    /// Wrong last sequence (publish expectation).
    pub const STREAM_WRONG_LAST_SEQUENCE: u16 = 10071;
}

/// cnats' `jsOptionsPublishAsync` without its C callbacks (the C layer
/// keeps those). Zero means "default".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PubAsyncOptions {
    /// Maximum async publishes in flight (0: the default window
    /// `publish_async::DEFAULT_MAX_PENDING`, back-pressure on unlike
    /// cnats; negative: unlimited).
    pub max_pending: i64,
    /// Wait when `max_pending` are in flight, in ms (0: default 200).
    pub stall_wait: i64,
    /// Receive the acks through the connection's request multiplexer.
    pub mux_replies: bool,
}

/// cnats' `jsOptionsStreamPurge`: all unset is a full purge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeOptions {
    /// Purge only messages on subjects matching this filter.
    pub subject: Option<String>,
    /// Purge up to, but not including, this sequence (0: unset).
    pub sequence: u64,
    /// Keep this many messages (0: unset).
    pub keep: u64,
}

impl PurgeOptions {
    /// True when no field is set.
    pub fn is_unset(&self) -> bool {
        self.subject.as_deref().is_none_or(str::is_empty) && self.sequence == 0 && self.keep == 0
    }
}

/// cnats' `jsOptionsStreamInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamInfoOptions {
    /// Ask for the list of deleted sequences.
    pub deleted_details: bool,
    /// Ask for the subjects (and their counts) matching this filter.
    pub subjects_filter: Option<String>,
}

/// cnats' `jsOptionsStream`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamOptions {
    pub purge: PurgeOptions,
    pub info: StreamInfoOptions,
}

/// cnats' `jsOptions` (the pull-subscribe part belongs to part 2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsOptions {
    /// API prefix (default `$JS.API`); a trailing '.' is ignored.
    pub prefix: Option<String>,
    /// JetStream domain: the prefix becomes `$JS.<domain>.API`; wins over
    /// `prefix`.
    pub domain: Option<String>,
    /// Wait for API requests in ms (0: default 5000; negative is invalid
    /// for a context, ignored in per-call options).
    pub wait: i64,
    pub publish_async: PubAsyncOptions,
    pub stream: StreamOptions,
}

/// The options a call runs with: the context's, overridden by the call's
/// (cnats' `js_setOpts`).
#[derive(Debug, Clone)]
pub struct CallOpts {
    /// The API prefix, without a trailing '.'.
    pub prefix: String,
    pub wait: i64,
    pub stream: StreamOptions,
}

/// The text of an optional string option, `None` when unset or empty.
///
/// The discriminant is tested by a real branch before the length is read:
/// in `Option<String>`'s niche layout a `None` leaves the length
/// uninitialised, and a test merged into one condition reads it (harmless,
/// but valgrind reports a jump on an uninitialised value).
#[inline(never)]
pub(crate) fn non_empty(s: &Option<String>) -> Option<&str> {
    if std::hint::black_box(s.is_none()) {
        return None;
    }
    s.as_deref().filter(|s| !s.is_empty())
}

fn trim_dot(s: &str) -> &str {
    s.strip_suffix('.').unwrap_or(s)
}

fn domain_prefix(domain: &str) -> String {
    format!("$JS.{}.API", trim_dot(domain))
}

/// The error object of an API response.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApiError {
    #[serde(default)]
    pub code: i64,
    #[serde(default)]
    pub err_code: u16,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Deserialize)]
struct ApiHead {
    #[serde(default)]
    error: Option<ApiError>,
}

/// Decodes an API response: its `error` object into an [`Error`] (status
/// `NATS_NOT_FOUND` when the `err_code` is in `not_found`, else
/// `NATS_ERR`), or else the whole payload as `T`.
pub fn decode_response<T: DeserializeOwned>(data: &[u8], not_found: &[u16]) -> Result<T> {
    let head: ApiHead = serde_json::from_slice(data)
        .map_err(|e| Error::new(natsStatus::NATS_ERR, format!("invalid JetStream API response: {e}")))?;
    if let Some(err) = head.error.filter(|e| e.code != 0 || e.err_code != 0) {
        let status = if not_found.contains(&err.err_code) {
            natsStatus::NATS_NOT_FOUND
        } else {
            natsStatus::NATS_ERR
        };
        let text = err
            .description
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| format!("JetStream API error (code {}, error code {})", err.code, err.err_code));
        return Err(Error::js(status, err.err_code, text));
    }
    serde_json::from_slice(data)
        .map_err(|e| Error::new(natsStatus::NATS_ERR, format!("invalid JetStream API response: {e}")))
}

/// A JetStream context (cnats' `jsCtx`).
pub struct JetStream {
    conn: Arc<Connection>,
    /// Resolved: `prefix` set (no trailing '.'), `domain` cleared, `wait`
    /// and `publish_async.stall_wait` defaulted.
    opts: JsOptions,
    /// Async publishing: window, pending acks, handlers.
    pub(crate) async_pub: publish_async::AsyncPub,
}

impl JetStream {
    /// `natsConnection_JetStream`: validates and resolves the options
    /// (negative `wait` or `publish_async.stall_wait`: `NATS_INVALID_ARG`).
    pub fn new(conn: Arc<Connection>, opts: Option<&JsOptions>) -> Result<JetStream> {
        let mut o = opts.cloned().unwrap_or_default();
        // As cnats: of the stream info options, the context keeps
        // `deleted_details` only (a subjects filter is per call).
        o.stream.info.subjects_filter = None;
        if o.wait < 0 {
            return Err(Error::invalid_arg(format!(
                "option 'Wait' ({}) cannot be negative",
                o.wait
            )));
        }
        if o.publish_async.stall_wait < 0 {
            return Err(Error::invalid_arg(format!(
                "option 'PublishAsyncStallWait' ({}) cannot be negative",
                o.publish_async.stall_wait
            )));
        }
        let prefix = if let Some(d) = non_empty(&o.domain) {
            domain_prefix(d)
        } else if let Some(p) = non_empty(&o.prefix) {
            trim_dot(p).to_string()
        } else {
            DEFAULT_API_PREFIX.to_string()
        };
        o.prefix = Some(prefix);
        o.domain = None;
        if o.wait == 0 {
            o.wait = DEFAULT_REQUEST_WAIT;
        }
        if o.publish_async.stall_wait == 0 {
            o.publish_async.stall_wait = DEFAULT_STALL_WAIT;
        }
        if o.stream.purge.subject.as_deref() == Some("") {
            o.stream.purge.subject = None;
        }
        let async_pub = publish_async::AsyncPub::new(o.publish_async.max_pending);
        Ok(JetStream {
            conn,
            opts: o,
            async_pub,
        })
    }

    pub fn conn(&self) -> &Arc<Connection> {
        &self.conn
    }

    /// The resolved context options.
    pub fn options(&self) -> &JsOptions {
        &self.opts
    }

    /// The API prefix (no trailing '.').
    pub fn prefix(&self) -> &str {
        self.opts.prefix.as_deref().unwrap_or(DEFAULT_API_PREFIX)
    }

    /// The request wait in ms.
    pub fn wait(&self) -> i64 {
        self.opts.wait
    }

    /// The options of one call: `call`'s domain, prefix and wait when set,
    /// else the context's; purge options from `call` when any of its
    /// purge fields is set, else the context's; stream info options from
    /// `call` when given, else the context's.
    pub fn call_opts(&self, call: Option<&JsOptions>) -> CallOpts {
        let prefix = match call {
            Some(c) if non_empty(&c.domain).is_some() => domain_prefix(non_empty(&c.domain).unwrap_or_default()),
            Some(c) if non_empty(&c.prefix).is_some() => trim_dot(non_empty(&c.prefix).unwrap_or_default()).to_string(),
            _ => self.prefix().to_string(),
        };
        let wait = match call {
            Some(c) if c.wait > 0 => c.wait,
            _ => self.opts.wait,
        };
        let purge = match call {
            Some(c) if !c.stream.purge.is_unset() => c.stream.purge.clone(),
            _ => self.opts.stream.purge.clone(),
        };
        let info = match call {
            Some(c) => c.stream.info.clone(),
            None => self.opts.stream.info.clone(),
        };
        CallOpts {
            prefix,
            wait,
            stream: StreamOptions { purge, info },
        }
    }

    /// Sends `body` to `<prefix>.<suffix>` and waits `opts.wait` for the
    /// raw answer. Nobody answering gives `NATS_NO_RESPONDERS` with the
    /// code "JetStream not enabled" (as cnats).
    pub fn api_request_raw(&self, opts: &CallOpts, suffix: &str, body: &[u8]) -> Result<Box<crate::msg::Msg>> {
        let subject = format!("{}.{}", opts.prefix, suffix);
        self.conn
            .request(subject.as_bytes(), None, body, opts.wait)
            .map_err(|mut e| {
                if e.status == natsStatus::NATS_NO_RESPONDERS {
                    e.js_code = codes::NOT_ENABLED;
                }
                e
            })
    }

    /// [`JetStream::api_request_raw`] then [`decode_response`].
    pub fn api_request<T: DeserializeOwned>(
        &self,
        opts: &CallOpts,
        suffix: &str,
        body: &[u8],
        not_found: &[u16],
    ) -> Result<T> {
        let m = self.api_request_raw(opts, suffix, body)?;
        decode_response(m.data(), not_found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_maps_to_status_and_code() {
        let e = decode_response::<serde_json::Value>(
            br#"{"type":"x","error":{"code":404,"err_code":10059,"description":"stream not found"}}"#,
            &[codes::STREAM_NOT_FOUND],
        )
        .unwrap_err();
        assert_eq!(e.status, natsStatus::NATS_NOT_FOUND);
        assert_eq!(e.js_code, 10059);
        assert_eq!(e.text, "stream not found");
        let e = decode_response::<serde_json::Value>(
            br#"{"error":{"code":400,"err_code":10058,"description":"stream name already in use"}}"#,
            &[codes::STREAM_NOT_FOUND],
        )
        .unwrap_err();
        assert_eq!(e.status, natsStatus::NATS_ERR);
        assert_eq!(e.js_code, 10058);
        let e = decode_response::<serde_json::Value>(b"not json", &[]).unwrap_err();
        assert_eq!(e.status, natsStatus::NATS_ERR);
        assert_eq!(e.js_code, 0);
    }

    #[test]
    fn prefix_rules() {
        assert_eq!(domain_prefix("hub."), "$JS.hub.API");
        assert_eq!(trim_dot("a.b."), "a.b");
        assert_eq!(trim_dot("a.b"), "a.b");
    }
}

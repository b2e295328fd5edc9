//! Connection options, with cnats' defaults. A connection takes a clone of
//! the options at connect time; later changes to the options object do not
//! affect it.

use crate::auth::{AuthOptions, Secret};
use crate::conn::sub::Subscription;
use crate::conn::Connection;
use crate::status::natsStatus;
use crate::tls::TlsOptions;
use std::sync::Arc;

pub const DEFAULT_URL: &str = "nats://localhost:4222";
pub const DEFAULT_TIMEOUT_MS: i64 = 2_000;
pub const DEFAULT_MAX_RECONNECT: i32 = 60;
pub const DEFAULT_RECONNECT_WAIT_MS: i64 = 2_000;
pub const DEFAULT_RECONNECT_JITTER_MS: i64 = 100;
pub const DEFAULT_RECONNECT_JITTER_TLS_MS: i64 = 1_000;
pub const DEFAULT_PING_INTERVAL_MS: i64 = 120_000;
pub const DEFAULT_MAX_PINGS_OUT: i32 = 2;
pub const DEFAULT_IO_BUF_SIZE: i32 = 32 * 1024;
pub const DEFAULT_RECONNECT_BUF_SIZE: i32 = 8 * 1024 * 1024;
pub const DEFAULT_MAX_PENDING_MSGS: i32 = 65_536;
pub const DEFAULT_MAX_PENDING_BYTES: i64 = 64 * 1024 * 1024;
pub const DEFAULT_DRAIN_TIMEOUT_MS: i64 = 30_000;
pub const DEFAULT_INBOX_PREFIX: &str = "_INBOX.";

/// Called with the connection on connection events (closed, disconnected,
/// reconnected, discovered servers, lame duck, connected).
pub type ConnCallback = Arc<dyn Fn(&Arc<Connection>) + Send + Sync>;
/// Called for asynchronous errors (slow consumer, permissions, …), with
/// the text that goes with the status when there is one (the server's
/// `-ERR` text for permission and auth errors).
pub type ErrCallback =
    Arc<dyn Fn(&Arc<Connection>, Option<&Arc<Subscription>>, natsStatus, Option<&str>) + Send + Sync>;
/// Returns the delay in milliseconds before the next reconnect attempt.
pub type ReconnectDelayCallback = Arc<dyn Fn(&Arc<Connection>, i32) -> i64 + Send + Sync>;
/// Opens the byte stream to a server in place of the library's own TCP
/// connect (`natsOptions_SetProxyConnHandler`): called with the server's
/// host (IPv6 without brackets) and port for the initial connect and for
/// every reconnect attempt; returns a connected TCP stream, which the
/// connection then owns (NATS, and TLS when asked, run over it).
pub type ProxyConnHandler = Arc<dyn Fn(&str, u16) -> crate::error::Result<std::net::TcpStream> + Send + Sync>;

#[derive(Clone)]
pub struct Options {
    /// Single URL (`natsOptions_SetURL`); may be a comma-separated list.
    /// May hold credentials (`user:password@`, `token@`): wiped on drop.
    pub url: Option<Secret>,
    /// Server list (`natsOptions_SetServers`); wiped on drop, as `url`.
    pub servers: Vec<Secret>,
    pub no_randomize: bool,
    pub timeout_ms: i64,
    pub name: Option<String>,
    pub verbose: bool,
    pub pedantic: bool,
    pub ping_interval_ms: i64,
    pub max_pings_out: i32,
    pub io_buf_size: i32,
    pub allow_reconnect: bool,
    pub reconnect_on_protocol_error: bool,
    pub max_reconnect: i32,
    pub reconnect_wait_ms: i64,
    pub reconnect_jitter_ms: i64,
    pub reconnect_jitter_tls_ms: i64,
    pub custom_reconnect_delay: Option<ReconnectDelayCallback>,
    pub reconnect_buf_size: i32,
    pub max_pending_msgs: i32,
    pub max_pending_bytes: i64,
    pub err_cb: Option<ErrCallback>,
    pub closed_cb: Option<ConnCallback>,
    pub disconnected_cb: Option<ConnCallback>,
    pub reconnected_cb: Option<ConnCallback>,
    pub discovered_servers_cb: Option<ConnCallback>,
    pub lame_duck_cb: Option<ConnCallback>,
    /// `natsOptions_SetEventLoop`: the host loop that drives the socket.
    pub ev_loop: Option<Arc<dyn crate::conn::EvLoop>>,
    pub connected_cb: Option<ConnCallback>,
    pub ignore_discovered_servers: bool,
    pub use_global_delivery: bool,
    /// 0, 4, 6, 46 or 64 (cnats' `natsOptions_IPResolutionOrder`).
    pub ip_resolution_order: i32,
    pub send_asap: bool,
    pub flusher_wait_us: i64,
    pub old_request_style: bool,
    pub fail_requests_on_disconnect: bool,
    pub no_echo: bool,
    pub retry_on_failed_connect: bool,
    pub write_deadline_ms: i64,
    pub disable_no_responders: bool,
    pub inbox_prefix: Option<String>,
    pub msg_buffer_padding: i32,
    pub ignore_auth_error_abort: bool,
    /// TLS wanted (`natsOptions_SetSecure`, or a `tls://` URL).
    pub secure: bool,
    pub tls: TlsOptions,
    pub auth: AuthOptions,
    /// `natsOptions_SetProxyConnHandler`: opens the socket instead of the
    /// library's TCP connect.
    pub proxy_conn: Option<ProxyConnHandler>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            url: None,
            servers: Vec::new(),
            no_randomize: false,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            name: None,
            verbose: false,
            pedantic: false,
            ping_interval_ms: DEFAULT_PING_INTERVAL_MS,
            max_pings_out: DEFAULT_MAX_PINGS_OUT,
            io_buf_size: DEFAULT_IO_BUF_SIZE,
            allow_reconnect: true,
            reconnect_on_protocol_error: false,
            max_reconnect: DEFAULT_MAX_RECONNECT,
            reconnect_wait_ms: DEFAULT_RECONNECT_WAIT_MS,
            reconnect_jitter_ms: DEFAULT_RECONNECT_JITTER_MS,
            reconnect_jitter_tls_ms: DEFAULT_RECONNECT_JITTER_TLS_MS,
            custom_reconnect_delay: None,
            reconnect_buf_size: DEFAULT_RECONNECT_BUF_SIZE,
            max_pending_msgs: DEFAULT_MAX_PENDING_MSGS,
            max_pending_bytes: DEFAULT_MAX_PENDING_BYTES,
            err_cb: None,
            closed_cb: None,
            disconnected_cb: None,
            reconnected_cb: None,
            discovered_servers_cb: None,
            lame_duck_cb: None,
            ev_loop: None,
            connected_cb: None,
            ignore_discovered_servers: false,
            use_global_delivery: crate::runtime::default_to_global_delivery(),
            ip_resolution_order: 0,
            send_asap: false,
            flusher_wait_us: 0,
            old_request_style: false,
            fail_requests_on_disconnect: false,
            no_echo: false,
            retry_on_failed_connect: false,
            write_deadline_ms: crate::runtime::default_write_deadline_ms(),
            disable_no_responders: false,
            inbox_prefix: None,
            msg_buffer_padding: 0,
            ignore_auth_error_abort: false,
            secure: false,
            tls: TlsOptions::default(),
            auth: AuthOptions::default(),
            proxy_conn: None,
        }
    }
}

/// The error handler used when none is set, as cnats': prints
/// `Error <status> - <text> on connection [<cid>][ on "<subject>"]` to stderr.
pub fn default_err_callback() -> ErrCallback {
    Arc::new(
        |c: &Arc<Connection>, sub: Option<&Arc<Subscription>>, s: natsStatus, text: Option<&str>| {
            let text = text
                .map(str::to_string)
                .or_else(|| c.last_error().map(|e| e.text))
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| s.text().to_string());
            let cid = c.client_id();
            match sub {
                Some(sub) => eprintln!(
                    "Error {} - {} on connection [{}] on \"{}\"",
                    s as i32,
                    text,
                    cid,
                    sub.subject.to_string_lossy()
                ),
                None => eprintln!("Error {} - {} on connection [{}]", s as i32, text, cid),
            }
        },
    )
}

impl Options {
    /// The inbox prefix with its trailing dot.
    pub fn inbox_prefix(&self) -> String {
        match &self.inbox_prefix {
            Some(p) if !p.is_empty() => format!("{p}."),
            _ => DEFAULT_INBOX_PREFIX.to_string(),
        }
    }
}

//! CONTRACT STUB — replaced by the protocol implementation.
use crate::error::Result;
use serde::{Deserialize, Serialize};

/// The server's INFO (fields the client uses; unknown ones ignored).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ServerInfo {
    pub server_id: String,
    pub server_name: String,
    pub version: String,
    pub host: String,
    pub port: u16,
    pub headers: bool,
    pub auth_required: bool,
    pub tls_required: bool,
    pub tls_available: bool,
    pub max_payload: i64,
    pub proto: i32,
    pub client_id: u64,
    pub client_ip: String,
    pub nonce: Option<String>,
    pub cluster: Option<String>,
    pub connect_urls: Vec<String>,
    pub ldm: bool,
    pub jetstream: bool,
}

impl ServerInfo {
    /// Parses the JSON of an INFO line. Bad JSON → `NATS_PROTOCOL_ERROR`.
    pub fn parse(json: &[u8]) -> Result<ServerInfo> {
        serde_json::from_slice(json).map_err(|e| crate::Error::new(crate::natsStatus::NATS_PROTOCOL_ERROR, e.to_string()))
    }
}

/// CONNECT, serialized in cnats' field order with proper JSON escaping.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ConnectInfo {
    pub verbose: bool,
    pub pedantic: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nkey: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<String>,
    pub tls_required: bool,
    pub name: String,
    pub lang: String,
    pub version: String,
    pub protocol: i32,
    pub echo: bool,
    pub headers: bool,
    pub no_responders: bool,
}

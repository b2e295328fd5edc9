//! The JSON of `INFO` (server → client) and `CONNECT` (client → server).
use crate::auth::Secret;
use crate::error::{Error, Result};
use crate::status::natsStatus;
use serde::{Deserialize, Serialize};

/// The server's INFO (fields the client uses; unknown ones ignored, missing
/// ones defaulted; `null` is taken as the default too).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ServerInfo {
    pub server_id: String,
    pub server_name: String,
    pub version: String,
    /// Go version the server was built with.
    pub go: String,
    pub host: String,
    pub port: u16,
    pub headers: bool,
    pub auth_required: bool,
    pub tls_required: bool,
    pub tls_available: bool,
    /// The server asks for a client certificate.
    pub tls_verify: bool,
    pub max_payload: i64,
    pub proto: i32,
    pub client_id: u64,
    pub client_ip: String,
    pub nonce: Option<String>,
    pub cluster: Option<String>,
    pub domain: Option<String>,
    /// The server's curve public key (for encrypted auth callouts).
    pub xkey: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub connect_urls: Vec<String>,
    /// Lame duck mode: the server is about to shut down.
    pub ldm: bool,
    pub jetstream: bool,
    /// JetStream API level.
    pub api_lvl: i32,
    /// Set on the INFO the server sends right after a client's CONNECT.
    pub connect_info: bool,
}

fn null_as_default<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl ServerInfo {
    /// Parses the JSON of an INFO line. Bad JSON → `NATS_PROTOCOL_ERROR`.
    pub fn parse(json: &[u8]) -> Result<ServerInfo> {
        serde_json::from_slice(json).map_err(|e| {
            Error::new(
                natsStatus::NATS_PROTOCOL_ERROR,
                format!("invalid INFO from server: {e}"),
            )
        })
    }
}

/// CONNECT, serialized in cnats' field order with proper JSON escaping
/// (serde keeps the declaration order; credentials are escaped like any
/// other string, so quotes, backslashes and non-ASCII are safe).
///
/// Every credential is a [`Secret`] (wiped when dropped); `Debug` hides
/// the password, token and signature. The engine turns it into bytes only
/// through [`crate::proto::writer::ConnectFrame::build`], which also calls
/// [`ConnectInfo::wipe_secrets`].
#[derive(Clone, Default, Serialize)]
pub struct ConnectInfo {
    pub verbose: bool,
    pub pedantic: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nkey: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sig: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<Secret>,
    pub tls_required: bool,
    pub name: String,
    pub lang: String,
    pub version: String,
    pub protocol: i32,
    pub echo: bool,
    pub headers: bool,
    pub no_responders: bool,
}

impl std::fmt::Debug for ConnectInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hide = |o: &Option<Secret>| o.as_ref().map(|_| "***");
        f.debug_struct("ConnectInfo")
            .field("verbose", &self.verbose)
            .field("pedantic", &self.pedantic)
            .field("nkey", &self.nkey)
            .field("jwt", &self.jwt.as_deref())
            .field("sig", &hide(&self.sig))
            .field("user", &self.user.as_deref())
            .field("pass", &hide(&self.pass))
            .field("auth_token", &hide(&self.auth_token))
            .field("tls_required", &self.tls_required)
            .field("name", &self.name)
            .field("lang", &self.lang)
            .field("version", &self.version)
            .field("protocol", &self.protocol)
            .field("echo", &self.echo)
            .field("headers", &self.headers)
            .field("no_responders", &self.no_responders)
            .finish()
    }
}

impl ConnectInfo {
    /// Wipes and drops every credential: user, password, token, JWT and
    /// signature (the NKey public key is kept).
    pub fn wipe_secrets(&mut self) {
        // Dropping a `Secret` overwrites its whole allocation with zeros.
        self.user = None;
        self.pass = None;
        self.auth_token = None;
        self.jwt = None;
        self.sig = None;
    }

    /// An upper bound of the serialized size (JSON escaping takes at most
    /// 6 bytes per input byte), so that a buffer reserved with it is never
    /// reallocated (which would leave an unwiped copy of the secrets).
    pub fn json_size_bound(&self) -> usize {
        let opt = |o: Option<&str>| o.map_or(0, str::len);
        let strings = opt(self.nkey.as_deref())
            + opt(self.jwt.as_deref())
            + opt(self.sig.as_deref())
            + opt(self.user.as_deref())
            + opt(self.pass.as_deref())
            + opt(self.auth_token.as_deref())
            + self.name.len()
            + self.lang.len()
            + self.version.len();
        512 + 6 * strings
    }

    /// The JSON text (no `CONNECT ` prefix, no CRLF). Tests only: the
    /// engine goes through `ConnectFrame`.
    #[cfg(test)]
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_server_info() {
        let json = br#"{"server_id":"NABC","server_name":"n1","version":"2.15.1","proto":1,"go":"go1.24","host":"0.0.0.0","port":4333,"headers":true,"auth_required":true,"tls_available":true,"max_payload":1048576,"jetstream":true,"client_id":7,"client_ip":"127.0.0.1","nonce":"abc","xkey":"XK","connect_urls":["10.0.0.1:4222"],"ldm":false,"api_lvl":2,"some_future_field":{"x":[1,2]}} "#;
        let i = ServerInfo::parse(json).unwrap();
        assert_eq!(i.server_id, "NABC");
        assert_eq!(i.server_name, "n1");
        assert_eq!(i.version, "2.15.1");
        assert_eq!(i.go, "go1.24");
        assert_eq!(i.port, 4333);
        assert!(i.headers && i.auth_required && i.tls_available && !i.tls_required);
        assert_eq!(i.max_payload, 1048576);
        assert_eq!(i.proto, 1);
        assert_eq!(i.client_id, 7);
        assert_eq!(i.nonce.as_deref(), Some("abc"));
        assert_eq!(i.xkey.as_deref(), Some("XK"));
        assert_eq!(i.connect_urls, vec!["10.0.0.1:4222".to_string()]);
        assert_eq!(i.api_lvl, 2);
        assert!(i.jetstream);
        assert!(i.cluster.is_none());
    }

    #[test]
    fn parse_minimal_and_null() {
        let i = ServerInfo::parse(b"{}").unwrap();
        assert_eq!(i, ServerInfo::default());
        let i = ServerInfo::parse(br#"{"connect_urls":null,"nonce":null}"#).unwrap();
        assert!(i.connect_urls.is_empty());
        assert!(i.nonce.is_none());
    }

    #[test]
    fn parse_bad_json() {
        for bad in [&b""[..], b"{", b"[1]", b"{\"port\":\"x\"}", b"{\"port\":70000}"] {
            assert_eq!(
                ServerInfo::parse(bad).unwrap_err().status,
                natsStatus::NATS_PROTOCOL_ERROR
            );
        }
    }

    #[test]
    fn connect_field_order_and_optional_fields() {
        let ci = ConnectInfo {
            verbose: false,
            pedantic: false,
            tls_required: false,
            name: "app".into(),
            lang: "C".into(),
            version: "3.14.0".into(),
            protocol: 1,
            echo: true,
            headers: true,
            no_responders: true,
            ..Default::default()
        };
        assert_eq!(
            String::from_utf8(ci.to_json()).unwrap(),
            r#"{"verbose":false,"pedantic":false,"tls_required":false,"name":"app","lang":"C","version":"3.14.0","protocol":1,"echo":true,"headers":true,"no_responders":true}"#
        );
        let ci = ConnectInfo {
            nkey: Some("UK".into()),
            jwt: Some("J".into()),
            sig: Some("S".into()),
            user: Some("u".into()),
            pass: Some("p".into()),
            auth_token: Some("t".into()),
            ..Default::default()
        };
        assert_eq!(
            String::from_utf8(ci.to_json()).unwrap(),
            r#"{"verbose":false,"pedantic":false,"nkey":"UK","jwt":"J","sig":"S","user":"u","pass":"p","auth_token":"t","tls_required":false,"name":"","lang":"","version":"","protocol":0,"echo":false,"headers":false,"no_responders":false}"#
        );
    }

    #[test]
    fn connect_debug_hides_secrets_and_wipe_clears_them() {
        let mut ci = ConnectInfo {
            user: Some("alice".into()),
            pass: Some("hunter2-pass".into()),
            auth_token: Some("tok-s3cr3t".into()),
            sig: Some("c2lnbmF0dXJl".into()),
            nkey: Some("UPUBLIC".into()),
            ..Default::default()
        };
        let d = format!("{ci:?}");
        for secret in ["hunter2-pass", "tok-s3cr3t", "c2lnbmF0dXJl"] {
            assert!(!d.contains(secret), "{d}");
        }
        assert!(d.contains("alice") && d.contains("UPUBLIC"), "{d}");
        let bound = ci.json_size_bound();
        let frame = crate::proto::writer::ConnectFrame::build(&mut ci).unwrap();
        assert_eq!(
            frame.capacity(),
            8 + bound + 2 + 6,
            "the CONNECT buffer was not reallocated"
        );
        assert!(frame.as_bytes().starts_with(b"CONNECT {") && frame.as_bytes().ends_with(b"}\r\nPING\r\n"));
        assert!(ci.pass.is_none() && ci.auth_token.is_none() && ci.sig.is_none());
        assert!(ci.user.is_none() && ci.jwt.is_none());
        assert_eq!(ci.nkey.as_deref(), Some("UPUBLIC"));
    }

    #[test]
    fn connect_frame_fits_its_bound_with_worst_case_escaping() {
        // Control characters are escaped as \u00XX: 6 bytes each, the
        // worst case the bound allows for.
        let worst = "\u{1}".repeat(1000);
        let mut ci = ConnectInfo {
            nkey: Some(worst.clone()),
            jwt: Some(worst.as_str().into()),
            sig: Some(worst.as_str().into()),
            user: Some(worst.as_str().into()),
            pass: Some(worst.as_str().into()),
            auth_token: Some(worst.as_str().into()),
            name: worst.clone(),
            lang: worst.clone(),
            version: worst.clone(),
            protocol: i32::MIN,
            ..Default::default()
        };
        let cap = 8 + ci.json_size_bound() + 2 + 6;
        let frame = crate::proto::writer::ConnectFrame::build(&mut ci).unwrap();
        assert_eq!(frame.capacity(), cap);
        assert!(frame.as_bytes().len() > 9 * 6000, "{}", frame.as_bytes().len());
        let json = &frame.as_bytes()[8..frame.as_bytes().len() - 8];
        let v: serde_json::Value = serde_json::from_slice(json).unwrap();
        assert_eq!(v["pass"].as_str(), Some(worst.as_str()));
    }

    #[test]
    fn connect_credentials_are_escaped() {
        let pass = "p\"w\\d\u{e9}\u{1}\n}";
        let ci = ConnectInfo {
            user: Some("us\"er".into()),
            pass: Some(pass.into()),
            auth_token: Some("\"},\"verbose\":true".into()),
            ..Default::default()
        };
        let json = ci.to_json();
        let v: serde_json::Value = serde_json::from_slice(&json).expect("valid JSON");
        assert_eq!(v["user"], "us\"er");
        assert_eq!(v["pass"], pass);
        assert_eq!(v["auth_token"], "\"},\"verbose\":true");
        assert_eq!(v["verbose"], false);
        assert!(!json.contains(&b'\n'));
    }
}

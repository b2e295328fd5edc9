//! Server URLs: `[nats|tls|ws|wss]://[user[:password]@]host[:port][/path]`.
//!
//! `ws://` and `wss://` (WebSocket, beyond cnats) default to ports 80 and
//! 443 (as nats.go) and keep their path for the HTTP upgrade request.
//!
//! Parsing follows what cnats accepts (src/url.c): surrounding whitespace is
//! ignored, a missing scheme means `nats://`, a missing host means
//! `localhost`, a missing port means 4222, user and password are
//! percent-decoded, and IPv6 hosts are written in brackets. Unlike cnats,
//! unknown schemes and out-of-range ports are rejected when the URL is
//! parsed rather than when connecting.

use crate::auth::Secret;
use crate::error::{Error, Result};
use crate::status::natsStatus;
use zeroize::Zeroizing;

/// The port used when a URL does not name one.
pub const DEFAULT_PORT: u16 = 4222;

/// A parsed server URL. `Debug` hides the password (also inside `full`);
/// the password and the full form are wiped when the URL is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerUrl {
    /// Lower-case scheme: "nats", "tls", "ws" or "wss".
    pub scheme: String,
    /// Host without brackets (an IPv6 address is stored bare, e.g. `::1`).
    pub host: String,
    pub port: u16,
    /// The path after `host:port/` (without the leading '/'), as written;
    /// used by the WebSocket upgrade request.
    pub path: String,
    /// Percent-decoded user (or token when no password is given); wiped
    /// when dropped.
    pub user: Option<Secret>,
    /// Percent-decoded password; wiped when dropped.
    pub password: Option<Secret>,
    /// The normalized URL, as `natsConnection_GetConnectedUrl` reports it:
    /// `scheme://[user[:password]@]host:port[/path]`, with the scheme as
    /// written, user info as written (not decoded) and the port always
    /// present.
    pub full: String,
}

impl std::fmt::Debug for ServerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A user without a password is a token: hide it too.
        let hidden = |o: &Option<Secret>| o.as_ref().map(|_| "***");
        let user: Option<&str> = match &self.password {
            Some(_) => self.user.as_deref(),
            None => hidden(&self.user),
        };
        let full = match (self.full.find("://"), self.full.rfind('@')) {
            (Some(s), Some(at)) if at > s => format!("{}***{}", &self.full[..s + 3], &self.full[at..]),
            _ => self.full.clone(),
        };
        f.debug_struct("ServerUrl")
            .field("scheme", &self.scheme)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("path", &self.path)
            .field("user", &user)
            .field("password", &hidden(&self.password))
            .field("full", &full)
            .finish()
    }
}

impl Drop for ServerUrl {
    fn drop(&mut self) {
        // `user` and `password` wipe themselves; `full` repeats them.
        if self.user.is_some() || self.password.is_some() {
            zeroize::Zeroize::zeroize(&mut self.full);
        }
    }
}

#[cfg(test)]
mod secret_tests {
    use super::*;

    #[test]
    fn debug_hides_password_and_token() {
        let u = ServerUrl::parse("nats://alice:hunter2%21@host:4222").unwrap();
        let d = format!("{u:?}");
        assert!(!d.contains("hunter2"), "{d}");
        assert!(d.contains("alice"), "{d}");
        let t = ServerUrl::parse("tls://s3cr3t-token@host").unwrap();
        let d = format!("{t:?}");
        assert!(!d.contains("s3cr3t-token"), "{d}");
        assert!(d.contains("host"), "{d}");
    }

    #[test]
    fn error_texts_do_not_repeat_credentials() {
        for bad in [
            "nats://u:pa%zzss@h",
            "nats://u%g:secretpw@h",
            "nats://user:secretpw@h:99999",
            "nats://user:secretpw@[::1",
        ] {
            let e = ServerUrl::parse(bad).unwrap_err();
            assert!(
                !e.text.contains("pa%zzss") && !e.text.contains("secretpw"),
                "{bad}: {}",
                e.text
            );
        }
    }
}

fn invalid(text: impl Into<String>) -> Error {
    Error::invalid_arg(text)
}

/// Decodes `%XX` escapes. A `%` not followed by two hex digits is an error
/// (`NATS_ERR`, as cnats); the text does not repeat the input, which may be
/// a password.
fn percent_decode(s: &str, what: &str) -> Result<Secret> {
    let b = s.as_bytes();
    // Sized up front (decoding only shrinks) and wiped on every path.
    let mut out = Zeroizing::new(Vec::with_capacity(b.len()));
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let hex = |c: u8| (c as char).to_digit(16);
        match (b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            _ => {
                return Err(Error::new(
                    natsStatus::NATS_ERR,
                    format!("invalid percent encoding in URL {what}"),
                ));
            }
        }
    }
    if std::str::from_utf8(&out).is_err() {
        return Err(Error::new(
            natsStatus::NATS_ERR,
            format!("URL {what} is not valid UTF-8 once decoded"),
        ));
    }
    // Moves the checked bytes (no copy) into the secret.
    let bytes = std::mem::take(&mut *out);
    Ok(Secret::from(String::from_utf8(bytes).unwrap_or_default()))
}

fn parse_port(p: &str, default: u16) -> Result<u16> {
    if p.is_empty() {
        return Ok(default);
    }
    if !p.bytes().all(|c| c.is_ascii_digit()) {
        return Err(invalid(format!("invalid port '{p}'")));
    }
    p.parse::<u16>().map_err(|_| invalid(format!("invalid port '{p}'")))
}

impl ServerUrl {
    /// Parses one server URL.
    ///
    /// Errors: empty (or blank) → `NATS_INVALID_ARG`; a scheme other than
    /// `nats`, `tls`, `ws` or `wss` (any case) → `NATS_INVALID_ARG`; a port that is not a
    /// number in 0..=65535 → `NATS_INVALID_ARG`; an IPv6 address without
    /// brackets or with an unclosed bracket, or whitespace inside the URL →
    /// `NATS_INVALID_ARG`; a bad `%` escape in the user or password →
    /// `NATS_ERR`.
    pub fn parse(s: &str) -> Result<ServerUrl> {
        let s = s.trim();
        if s.is_empty() {
            return Err(invalid("URL can't be empty"));
        }
        if s.chars().any(char::is_whitespace) {
            return Err(invalid("URL can't contain whitespace"));
        }

        // Scheme.
        let (scheme_as_written, rest) = match s.find("://") {
            Some(i) => (&s[..i], &s[i + 3..]),
            None => ("nats", s),
        };
        let scheme = scheme_as_written.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "nats" | "tls" => DEFAULT_PORT,
            "ws" => crate::ws::DEFAULT_WS_PORT,
            "wss" => crate::ws::DEFAULT_WSS_PORT,
            _ => {
                return Err(invalid(format!(
                    "unsupported URL scheme '{scheme_as_written}' (expected 'nats', 'tls', 'ws' or 'wss')"
                )))
            }
        };

        // Authority and path: the path starts at the first '/' after the
        // last '@' (a password may contain '/').
        let at = rest.rfind('@');
        let after_user = at.map_or(0, |i| i + 1);
        let (authority, path) = match rest[after_user..].find('/') {
            Some(i) => (&rest[..after_user + i], &rest[after_user + i + 1..]),
            None => (rest, ""),
        };

        // User info.
        let (userinfo, hostport) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        let (user_raw, pass_raw) = match userinfo {
            None => (None, None),
            Some(ui) => match ui.find(':') {
                Some(i) => (Some(&ui[..i]), Some(&ui[i + 1..])),
                None => (Some(ui), None),
            },
        };
        let user_raw = user_raw.filter(|u| !u.is_empty());
        let pass_raw = pass_raw.filter(|p| !p.is_empty());
        let user = user_raw.map(|u| percent_decode(u, "user")).transpose()?;
        let password = pass_raw.map(|p| percent_decode(p, "password")).transpose()?;

        // Host and port.
        let (host, port_str, bracketed) = if let Some(inner) = hostport.strip_prefix('[') {
            let close = inner
                .find(']')
                .ok_or_else(|| invalid("invalid IPv6 address in URL: missing ']'"))?;
            let host = &inner[..close];
            let after = &inner[close + 1..];
            let port = if after.is_empty() {
                ""
            } else {
                after
                    .strip_prefix(':')
                    .ok_or_else(|| invalid(format!("unexpected '{after}' after IPv6 address in URL")))?
            };
            (host, port, true)
        } else {
            match hostport.rfind(':') {
                Some(i) => (&hostport[..i], &hostport[i + 1..], false),
                None => (hostport, "", false),
            }
        };
        if !bracketed && host.contains(':') {
            return Err(invalid("IPv6 addresses in URLs must be enclosed in brackets"));
        }
        if bracketed && host.is_empty() {
            return Err(invalid("empty IPv6 address in URL"));
        }
        let host = if host.is_empty() { "localhost" } else { host };
        let port = parse_port(port_str, default_port)?;

        // Normalized form, in a buffer sized up front so that the user
        // info it holds is never left behind by a reallocation.
        use std::fmt::Write as _;
        let mut full = String::with_capacity(s.len() + 32);
        full.push_str(scheme_as_written);
        full.push_str("://");
        if user_raw.is_some() || pass_raw.is_some() {
            if let Some(u) = user_raw {
                full.push_str(u);
            }
            if let Some(p) = pass_raw {
                full.push(':');
                full.push_str(p);
            }
            full.push('@');
        }
        let _ = if bracketed {
            write!(full, "[{host}]:{port}")
        } else {
            write!(full, "{host}:{port}")
        };
        if !path.is_empty() {
            full.push('/');
            full.push_str(path);
        }

        Ok(ServerUrl {
            scheme,
            host: host.to_string(),
            port,
            path: path.to_string(),
            user,
            password,
            full,
        })
    }

    /// True for a `tls://` URL.
    pub fn is_tls(&self) -> bool {
        self.scheme == "tls"
    }

    /// True for a WebSocket URL (`ws://` or `wss://`).
    pub fn is_ws(&self) -> bool {
        self.scheme == "ws" || self.scheme == "wss"
    }

    /// True for a `wss://` URL (WebSocket over TLS).
    pub fn is_wss(&self) -> bool {
        self.scheme == "wss"
    }

    /// `host:port` for connecting, with an IPv6 host in brackets.
    pub fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Splits "url1, url2,url3" into trimmed non-empty parts (borrowed: no
/// copy of any credentials they contain).
pub fn split_list(s: &str) -> Vec<&str> {
    s.split(',').map(str::trim).filter(|p| !p.is_empty()).collect()
}

/// Parses a comma-separated list of URLs; an empty list is
/// `NATS_INVALID_ARG`.
pub fn parse_list(s: &str) -> Result<Vec<ServerUrl>> {
    let parts = split_list(s);
    if parts.is_empty() {
        return Err(invalid("URL list can't be empty"));
    }
    parts.into_iter().map(ServerUrl::parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::natsStatus::*;

    fn p(s: &str) -> ServerUrl {
        ServerUrl::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn err(s: &str) -> natsStatus {
        ServerUrl::parse(s).expect_err(s).status
    }

    #[test]
    fn plain() {
        let u = p("nats://127.0.0.1:4333");
        assert_eq!(u.scheme, "nats");
        assert_eq!(u.host, "127.0.0.1");
        assert_eq!(u.port, 4333);
        assert_eq!(u.user, None);
        assert_eq!(u.password, None);
        assert_eq!(u.full, "nats://127.0.0.1:4333");
        assert!(!u.is_tls());
        assert_eq!(u.host_port(), "127.0.0.1:4333");
    }

    #[test]
    fn default_port_and_scheme() {
        let u = p("nats://example.com");
        assert_eq!(u.port, DEFAULT_PORT);
        assert_eq!(u.full, "nats://example.com:4222");

        let u = p("localhost:4223");
        assert_eq!(u.scheme, "nats");
        assert_eq!(u.host, "localhost");
        assert_eq!(u.port, 4223);
        assert_eq!(u.full, "nats://localhost:4223");

        let u = p("somehost");
        assert_eq!((u.host.as_str(), u.port), ("somehost", 4222));
        assert_eq!(u.full, "nats://somehost:4222");

        // Trailing ':' with no port means the default.
        assert_eq!(p("nats://h:").port, 4222);
    }

    #[test]
    fn missing_host_is_localhost() {
        let u = p("nats://:4555");
        assert_eq!(u.host, "localhost");
        assert_eq!(u.port, 4555);
        assert_eq!(u.full, "nats://localhost:4555");
        assert_eq!(p("nats://").full, "nats://localhost:4222");
        assert_eq!(p("nats://user:pw@").host, "localhost");
    }

    #[test]
    fn whitespace_is_trimmed() {
        let u = p("  \tnats://h:1234 \n");
        assert_eq!(u.full, "nats://h:1234");
        assert_eq!(err("nats://h ost:1"), NATS_INVALID_ARG);
    }

    #[test]
    fn schemes() {
        let u = p("tls://secure.example:4443");
        assert!(u.is_tls());
        assert_eq!(u.scheme, "tls");
        let u = p("TLS://h:1");
        assert!(u.is_tls());
        assert_eq!(u.scheme, "tls");
        assert_eq!(u.full, "TLS://h:1");
        assert_eq!(p("NaTs://h").scheme, "nats");

        for bad in ["http://h:80", "wsx://h", "://h:1", "xyz://h"] {
            let e = ServerUrl::parse(bad).expect_err(bad);
            assert_eq!(e.status, NATS_INVALID_ARG, "{bad}");
            let scheme = &bad[..bad.find("://").unwrap()];
            assert!(e.text.contains(&format!("'{scheme}'")), "{bad}: {}", e.text);
        }
    }

    #[test]
    fn websocket_schemes_ports_and_paths() {
        let u = p("ws://h");
        assert!(u.is_ws() && !u.is_wss() && !u.is_tls());
        assert_eq!((u.port, u.path.as_str(), u.full.as_str()), (80, "", "ws://h:80"));
        let u = p("WSS://user:pw@h/nats/ws");
        assert!(u.is_ws() && u.is_wss());
        assert_eq!((u.scheme.as_str(), u.port, u.path.as_str()), ("wss", 443, "nats/ws"));
        assert_eq!(u.user.as_deref(), Some("user"));
        assert_eq!(u.full, "WSS://user:pw@h:443/nats/ws");
        let u = p("ws://[::1]:8080/p");
        assert_eq!((u.host.as_str(), u.port, u.path.as_str()), ("::1", 8080, "p"));
        assert_eq!(u.host_port(), "[::1]:8080");
        assert_eq!(p("nats://h").port, 4222);
        assert_eq!(p("nats://h/x").path, "x");
        assert!(!p("tls://h").is_ws());
    }

    #[test]
    fn user_and_password() {
        let u = p("nats://derek:s3cr3t@h:4222");
        assert_eq!(u.user.as_deref(), Some("derek"));
        assert_eq!(u.password.as_deref(), Some("s3cr3t"));
        assert_eq!(u.full, "nats://derek:s3cr3t@h:4222");

        // Token form: user only.
        let u = p("nats://mytoken@h");
        assert_eq!(u.user.as_deref(), Some("mytoken"));
        assert_eq!(u.password, None);
        assert_eq!(u.full, "nats://mytoken@h:4222");

        // Empty parts are absent.
        let u = p("nats://user:@h");
        assert_eq!((u.user.as_deref(), u.password.as_deref()), (Some("user"), None));
        assert_eq!(u.full, "nats://user@h:4222");
        let u = p("nats://:pw@h");
        assert_eq!((u.user.as_deref(), u.password.as_deref()), (None, Some("pw")));
        assert_eq!(u.full, "nats://:pw@h:4222");
        let u = p("nats://@h:5");
        assert_eq!((u.user.as_deref(), u.password.as_deref()), (None, None));
        assert_eq!(u.full, "nats://h:5");

        // The last '@' separates the host; the first ':' the password.
        let u = p("nats://us@er:pa:ss@wd@h:7");
        assert_eq!(u.user.as_deref(), Some("us@er"));
        assert_eq!(u.password.as_deref(), Some("pa:ss@wd"));
        assert_eq!((u.host.as_str(), u.port), ("h", 7));

        // No scheme, with credentials.
        let u = p("a:b@localhost:4999");
        assert_eq!((u.user.as_deref(), u.password.as_deref()), (Some("a"), Some("b")));
        assert_eq!(u.full, "nats://a:b@localhost:4999");
    }

    #[test]
    fn percent_decoding() {
        let u = p("nats://us%40er:p%3Aw%2fd%25@h:1");
        assert_eq!(u.user.as_deref(), Some("us@er"));
        assert_eq!(u.password.as_deref(), Some("p:w/d%"));
        // The normalized URL keeps the encoded form.
        assert_eq!(u.full, "nats://us%40er:p%3Aw%2fd%25@h:1");
        // UTF-8 sequences.
        assert_eq!(p("nats://%C3%A9t%C3%A9@h").user.as_deref(), Some("été"));

        for bad in ["nats://a%@h", "nats://a%4@h", "nats://u:p%zz@h", "nats://u:%FF@h"] {
            let e = ServerUrl::parse(bad).expect_err(bad);
            assert_eq!(e.status, NATS_ERR, "{bad}");
            assert!(!e.text.contains("p%zz"), "secret leaked: {}", e.text);
        }
    }

    #[test]
    fn slash_in_password_is_not_a_path() {
        let u = p("nats://u:a/b@h:3");
        assert_eq!(u.password.as_deref(), Some("a/b"));
        assert_eq!((u.host.as_str(), u.port), ("h", 3));
    }

    #[test]
    fn path_is_kept() {
        let u = p("nats://h:4222/some/path");
        assert_eq!((u.host.as_str(), u.port), ("h", 4222));
        assert_eq!(u.full, "nats://h:4222/some/path");
        let u = p("nats://h/x");
        assert_eq!((u.host.as_str(), u.port), ("h", 4222));
        assert_eq!(u.full, "nats://h:4222/x");
        assert_eq!(p("nats://h:5/").full, "nats://h:5");
    }

    #[test]
    fn ipv6() {
        let u = p("nats://[::1]:4223");
        assert_eq!(u.host, "::1");
        assert_eq!(u.port, 4223);
        assert_eq!(u.full, "nats://[::1]:4223");
        assert_eq!(u.host_port(), "[::1]:4223");

        let u = p("[fe80::1%25eth0]");
        assert_eq!(u.host, "fe80::1%25eth0");
        assert_eq!(u.port, 4222);
        assert_eq!(u.full, "nats://[fe80::1%25eth0]:4222");

        let u = p("tls://u:p@[2001:db8::7]:1/x");
        assert!(u.is_tls());
        assert_eq!(u.host, "2001:db8::7");
        assert_eq!(u.user.as_deref(), Some("u"));
        assert_eq!(u.full, "tls://u:p@[2001:db8::7]:1/x");

        assert_eq!(err("nats://[::1"), NATS_INVALID_ARG);
        assert_eq!(err("nats://[::1]4222"), NATS_INVALID_ARG);
        assert_eq!(err("nats://[]:4222"), NATS_INVALID_ARG);
        assert_eq!(err("nats://::1:4222"), NATS_INVALID_ARG);
    }

    #[test]
    fn ports() {
        assert_eq!(p("h:0").port, 0);
        assert_eq!(p("h:65535").port, 65535);
        for bad in ["h:65536", "h:-1", "h:abc", "h:12a", "h:+5", "nats://h:99999999999"] {
            let e = ServerUrl::parse(bad).expect_err(bad);
            assert_eq!(e.status, NATS_INVALID_ARG, "{bad}");
            assert!(e.text.contains("invalid port"), "{bad}: {}", e.text);
        }
    }

    #[test]
    fn empty() {
        assert_eq!(err(""), NATS_INVALID_ARG);
        assert_eq!(err("   "), NATS_INVALID_ARG);
    }

    #[test]
    fn lists() {
        assert_eq!(split_list(" a:1, b:2 ,,c "), vec!["a:1", "b:2", "c"]);
        let l = parse_list("nats://a:1, tls://b:2").unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].full, "nats://a:1");
        assert!(l[1].is_tls());
        assert_eq!(parse_list(" , ").unwrap_err().status, NATS_INVALID_ARG);
        assert_eq!(parse_list("nats://a:1,http://b").unwrap_err().status, NATS_INVALID_ARG);
        assert!(parse_list("nats://a:1,ws://b").unwrap()[1].is_ws());
    }
}

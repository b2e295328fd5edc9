//! The HTTP/1.1 upgrade (RFC 6455 section 4.1): our request, and the
//! checks a client must make of the server's answer. The response is
//! parsed by tungstenite (`httparse` underneath); the key and the expected
//! accept value come from tungstenite too.

use super::frame::{FrameReader, READ_BUF};
use super::stream::WsStream;
use crate::conn::transport::Transport;
use crate::error::{Error, Result};
use crate::status::natsStatus::*;
use std::io::ErrorKind;
use std::time::Instant;
use tungstenite::handshake::client::{generate_key, Response};
use tungstenite::handshake::derive_accept_key;
use tungstenite::handshake::machine::TryParse;

/// Longest upgrade response we read (status line and headers).
pub const MAX_RESPONSE: usize = 16 * 1024;

/// The upgrade request for `host:port` (IPv6 in brackets) and `path`
/// (without its leading '/'). No `Sec-WebSocket-Extensions`: compression
/// (permessage-deflate) is not offered.
pub fn request(host_port: &str, path: &str, key: &str) -> String {
    format!(
        "GET /{path} HTTP/1.1\r\n\
         Host: {host_port}\r\n\
         Upgrade: websocket\r\n\
         Connection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\n\
         Sec-WebSocket-Version: 13\r\n\
         \r\n"
    )
}

fn refused(text: impl std::fmt::Display) -> Error {
    Error::new(NATS_PROTOCOL_ERROR, format!("WebSocket upgrade failed: {text}"))
}

fn header<'a>(r: &'a Response, name: &str) -> Option<&'a str> {
    r.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Checks a parsed upgrade response against the key we sent.
pub fn check_response(r: &Response, key: &str) -> Result<()> {
    if r.status().as_u16() != 101 {
        return Err(refused(format_args!(
            "the server answered HTTP {} {}",
            r.status().as_u16(),
            r.status().canonical_reason().unwrap_or("")
        )));
    }
    if !header(r, "Upgrade").is_some_and(|v| v.trim().eq_ignore_ascii_case("websocket")) {
        return Err(refused("no 'Upgrade: websocket' header in the response"));
    }
    let conn_upgrade =
        header(r, "Connection").is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("upgrade")));
    if !conn_upgrade {
        return Err(refused("no 'Connection: Upgrade' header in the response"));
    }
    if header(r, "Sec-WebSocket-Accept").map(str::trim) != Some(derive_accept_key(key.as_bytes()).as_str()) {
        return Err(refused("wrong or missing Sec-WebSocket-Accept"));
    }
    if let Some(ext) = header(r, "Sec-WebSocket-Extensions").filter(|e| !e.trim().is_empty()) {
        return Err(refused(format_args!(
            "the server chose extension '{}', which was not offered (compression is not supported)",
            ext.trim()
        )));
    }
    if r.headers().contains_key("Sec-WebSocket-Protocol") {
        return Err(refused("the server chose a subprotocol, which was not offered"));
    }
    Ok(())
}

/// The status code and reason of a complete HTTP response head (any
/// HTTP/1.x version: an HTTP/1.0 error page is still reported by its
/// status).
fn status_line(buf: &[u8]) -> Option<(u16, String)> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut r = httparse::Response::new(&mut headers);
    match r.parse(buf) {
        Ok(httparse::Status::Complete(_)) => Some((r.code?, r.reason.unwrap_or("").to_string())),
        _ => None,
    }
}

/// An I/O error while upgrading: a TLS failure (wss) stays a TLS failure.
fn io_err(inner: &Transport, e: &std::io::Error) -> Error {
    match e.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => {
            Error::new(NATS_TIMEOUT, "timeout waiting for the WebSocket upgrade response")
        }
        ErrorKind::InvalidData if matches!(inner, Transport::Tls(_)) => Error::new(NATS_SSL_ERROR, e.to_string()),
        _ => Error::io(e),
    }
}

/// Sends the upgrade request over `inner` (plain TCP, or TLS already
/// established for `wss://`) and reads the answer before `deadline`.
pub fn upgrade(inner: Transport, host_port: &str, path: &str, deadline: Instant) -> Result<WsStream> {
    let key = generate_key();
    let req = request(host_port, path, &key);
    inner.write_all(req.as_bytes()).map_err(|e| io_err(&inner, &e))?;
    let mut buf = vec![0u8; MAX_RESPONSE];
    let mut have = 0;
    let (used, resp) = loop {
        if have == buf.len() {
            return Err(refused(format_args!(
                "response headers longer than {MAX_RESPONSE} bytes"
            )));
        }
        let n = inner
            .read_deadline(&mut buf[have..], deadline)
            .map_err(|e| io_err(&inner, &e))?;
        if n == 0 {
            return Err(Error::new(
                NATS_IO_ERROR,
                "connection closed by the server during the WebSocket upgrade",
            ));
        }
        have += n;
        if let Some((code, reason)) = status_line(&buf[..have]) {
            if code != 101 {
                return Err(refused(format_args!("the server answered HTTP {code} {reason}")));
            }
        }
        match Response::try_parse(&buf[..have]) {
            Ok(Some(x)) => break x,
            Ok(None) => {}
            Err(e) => return Err(refused(format_args!("malformed HTTP response: {e}"))),
        }
    };
    check_response(&resp, &key)?;
    let rest = &buf[used..have];
    debug_assert!(rest.len() <= READ_BUF);
    let reader = FrameReader::with_initial(rest).map_err(|e| refused(e.0))?;
    Ok(WsStream::new(inner, reader))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Response {
        Response::try_parse(s.as_bytes()).unwrap().unwrap().1
    }

    fn good(key: &str, extra: &str) -> String {
        format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\n{extra}\r\n",
            derive_accept_key(key.as_bytes())
        )
    }

    #[test]
    fn request_has_no_extension_and_the_path() {
        let r = request("[::1]:8080", "nats/ws", "a2V5");
        assert!(r.starts_with("GET /nats/ws HTTP/1.1\r\nHost: [::1]:8080\r\n"), "{r}");
        assert!(r.contains("Sec-WebSocket-Key: a2V5\r\n"));
        assert!(r.contains("Sec-WebSocket-Version: 13\r\n"));
        assert!(!r.to_ascii_lowercase().contains("extensions"));
        assert!(r.ends_with("\r\n\r\n"));
    }

    #[test]
    fn status_line_of_any_http_1_version() {
        let r = "HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\n\r\nno";
        assert_eq!(status_line(r.as_bytes()), Some((400, "Bad Request".to_string())));
        assert_eq!(status_line(b"HTTP/1.1 101 Switching"), None, "incomplete");
        assert_eq!(status_line(b"garbage\r\n\r\n"), None);
    }

    #[test]
    fn response_checks() {
        let key = generate_key();
        check_response(&parse(&good(&key, "")), &key).unwrap();
        check_response(
            &parse(&good(&key, "Connection: keep-alive, Upgrade\r\n").replace("Connection: Upgrade\r\n", "")),
            &key,
        )
        .unwrap();
        let cases = [
            ("HTTP/1.1 403 Forbidden\r\n\r\n".to_string(), "HTTP 403 Forbidden"),
            (
                good(&key, "").replace("Upgrade: websocket\r\n", ""),
                "Upgrade: websocket",
            ),
            (
                good(&key, "").replace("Connection: Upgrade\r\n", ""),
                "Connection: Upgrade",
            ),
            (good(&generate_key(), ""), "Sec-WebSocket-Accept"),
            (
                good(&key, "Sec-WebSocket-Extensions: permessage-deflate\r\n"),
                "extension 'permessage-deflate'",
            ),
            (good(&key, "Sec-WebSocket-Protocol: nats\r\n"), "subprotocol"),
        ];
        for (resp, text) in cases {
            let e = check_response(&parse(&resp), &key).unwrap_err();
            assert_eq!(e.status, NATS_PROTOCOL_ERROR);
            assert!(e.text.contains(text), "{text}: {}", e.text);
        }
    }
}

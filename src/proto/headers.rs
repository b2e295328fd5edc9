//! Message headers: the `NATS/1.0` block carried by `HMSG`/`HPUB`.
//!
//! Wire form:
//!
//! ```text
//! NATS/1.0[ <status>[ <description>]]\r\n
//! Key: Value\r\n
//! ...
//! \r\n
//! ```
//!
//! Keys keep their insertion order and are matched exactly (header keys
//! are case-sensitive since cnats 3.0). A key may carry several values. An
//! inline status (`NATS/1.0 503`) becomes the header [`STATUS`], and the
//! text after it the header [`DESCRIPTION`], like cnats does.

use crate::error::{Error, Result};
use crate::status::natsStatus;
use std::ffi::{CStr, CString};

/// The first line of every header block, without its CRLF.
pub const HEADER_LINE: &[u8] = b"NATS/1.0";
/// The header holding an inline status code (`503`, `404`, …).
pub const STATUS: &[u8] = b"Status";
/// The header holding the text that follows an inline status code.
pub const DESCRIPTION: &[u8] = b"Description";
/// The status the server uses for "no responders".
pub const NO_RESPONDERS_STATUS: &[u8] = b"503";
/// Length of a status code.
const STATUS_LEN: usize = 3;

/// Message headers: keys in insertion order, each with one or more values.
/// Keys are matched exactly (case-sensitive), as cnats does. An inline
/// status line (`NATS/1.0 503 No Responders`) is stored as the headers
/// `Status` and `Description`, as cnats does.
///
/// Keys and values are kept as `CString`s so that C callers can be handed
/// pointers that stay valid until the headers change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers {
    /// Each key with its values (never empty), in insertion order.
    pub entries: Vec<(CString, Vec<CString>)>,
}

fn proto_err(text: impl Into<String>) -> Error {
    Error::new(natsStatus::NATS_PROTOCOL_ERROR, text)
}

#[inline]
fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if is_ws(*first) {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if is_ws(*last) {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// Shows at most 64 bytes of `b` in an error text.
fn show(b: &[u8]) -> String {
    let n = b.len().min(64);
    let mut s = String::from_utf8_lossy(&b[..n]).into_owned();
    if b.len() > n {
        s.push('…');
    }
    s
}

/// A key is non-empty and has no CR, LF, NUL, ':' or whitespace.
fn check_key(key: &[u8]) -> Result<()> {
    if key.is_empty() {
        return Err(Error::invalid_arg("invalid argument: header key cannot be empty"));
    }
    if let Some(&b) = key
        .iter()
        .find(|&&b| matches!(b, b'\r' | b'\n' | 0 | b':' | b' ' | b'\t'))
    {
        return Err(Error::invalid_arg(format!(
            "invalid argument: header key {:?} contains the forbidden character {:?}",
            show(key),
            b as char
        )));
    }
    Ok(())
}

/// A value has no CR, LF or NUL (it would break the header block).
fn check_value(value: &[u8]) -> Result<()> {
    if let Some(&b) = value.iter().find(|&&b| matches!(b, b'\r' | b'\n' | 0)) {
        return Err(Error::invalid_arg(format!(
            "invalid argument: header value {:?} contains the forbidden character {:?}",
            show(value),
            b as char
        )));
    }
    Ok(())
}

/// `b` has no NUL (checked by the caller), so this cannot fail.
fn cstring(b: &[u8]) -> CString {
    let mut v = Vec::with_capacity(b.len() + 1);
    v.extend_from_slice(b);
    CString::new(v).unwrap_or_default()
}

/// Splits the first line (up to CRLF or LF) off `block`: (line, rest).
fn split_line(block: &[u8]) -> (&[u8], &[u8], bool) {
    match memchr::memchr(b'\n', block) {
        Some(i) => {
            let line = &block[..i];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            (line, &block[i + 1..], true)
        }
        None => (block, &[], false),
    }
}

/// The inline status and description of a header block's first line,
/// without parsing the rest: `(status, description)`, either may be empty.
/// `None` when the block does not start with `NATS/1.0`.
pub fn parse_status_line(block: &[u8]) -> Option<(&[u8], &[u8])> {
    let (line, _, _) = split_line(block);
    let rest = line.strip_prefix(HEADER_LINE)?;
    if let Some(&b) = rest.first() {
        if !is_ws(b) {
            return None;
        }
    }
    let rest = trim(rest);
    if rest.len() > STATUS_LEN {
        Some((&rest[..STATUS_LEN], trim(&rest[STATUS_LEN..])))
    } else {
        Some((rest, &[]))
    }
}

impl Headers {
    /// An empty header set.
    pub fn new() -> Headers {
        Headers::default()
    }

    /// Parses a `NATS/1.0[ status[ description]]\r\n(K: V\r\n)*\r\n` block.
    ///
    /// Values are trimmed of spaces and tabs; a repeated key gets several
    /// values; a line starting with a space or tab continues the previous
    /// value (joined with one space). A block that does not start with
    /// `NATS/1.0`, a line without `:`, or an empty key gives
    /// `NATS_PROTOCOL_ERROR`. A bare LF is accepted in place of CRLF.
    pub fn parse(block: &[u8]) -> Result<Headers> {
        let (status, desc) = parse_status_line(block)
            .ok_or_else(|| proto_err(format!("header block prefix missing: {:?}", show(block))))?;
        let (_, mut rest, had_eol) = split_line(block);
        if !had_eol {
            return Err(proto_err(format!("header block ended early: {:?}", show(block))));
        }
        let mut h = Headers::default();
        while !rest.is_empty() {
            let (line, next, _) = split_line(rest);
            rest = next;
            if line.is_empty() {
                // The blank line that ends the block. Anything after it is
                // not part of the headers; ignore it.
                break;
            }
            if is_ws(line[0]) {
                // A folded continuation of the previous value.
                let cont = trim(line);
                match h.entries.last_mut().and_then(|(_, vals)| vals.last_mut()) {
                    Some(last) if !cont.is_empty() => {
                        let mut joined = std::mem::take(last).into_bytes();
                        if !joined.is_empty() {
                            joined.push(b' ');
                        }
                        joined.extend_from_slice(cont);
                        *last = cstring(&joined);
                    }
                    Some(_) => {}
                    None => {
                        return Err(proto_err(format!(
                            "header key cannot start with a space: {:?}",
                            show(line)
                        )))
                    }
                }
                continue;
            }
            let colon = memchr::memchr(b':', line)
                .ok_or_else(|| proto_err(format!("header line without ':' delimiter: {:?}", show(line))))?;
            let key = &line[..colon];
            if key.is_empty() || key.iter().any(|&b| is_ws(b) || b == 0) {
                return Err(proto_err(format!("invalid header key: {:?}", show(line))));
            }
            let value = trim(&line[colon + 1..]);
            if value.contains(&0) {
                return Err(proto_err(format!("invalid header value for key {:?}", show(key))));
            }
            h.push_value(key, value);
        }
        if !status.is_empty() {
            h.set_unchecked(STATUS, status);
            if !desc.is_empty() {
                h.set_unchecked(DESCRIPTION, desc);
            }
        }
        Ok(h)
    }

    /// The number of bytes [`Headers::encode`] appends.
    pub fn encoded_len(&self) -> usize {
        let mut n = HEADER_LINE.len() + 2;
        for (k, vals) in &self.entries {
            let klen = k.as_bytes().len();
            for v in vals {
                n += klen + 2 + v.as_bytes().len() + 2;
            }
        }
        n + 2
    }

    /// Appends the wire form (`NATS/1.0\r\n…\r\n\r\n`) to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.reserve(self.encoded_len());
        out.extend_from_slice(HEADER_LINE);
        out.extend_from_slice(b"\r\n");
        for (k, vals) in &self.entries {
            for v in vals {
                out.extend_from_slice(k.as_bytes());
                out.extend_from_slice(b": ");
                out.extend_from_slice(v.as_bytes());
                out.extend_from_slice(b"\r\n");
            }
        }
        out.extend_from_slice(b"\r\n");
    }

    /// The wire form as a new buffer.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.encoded_len());
        self.encode(&mut v);
        v
    }

    fn index(&self, key: &[u8]) -> Option<usize> {
        self.entries.iter().position(|(k, _)| k.as_bytes() == key)
    }

    /// The first value of `key`.
    pub fn get(&self, key: &[u8]) -> Option<&CString> {
        self.index(key).and_then(|i| self.entries[i].1.first())
    }

    /// The first value of `key`, as bytes.
    pub fn get_bytes(&self, key: &[u8]) -> Option<&[u8]> {
        self.get(key).map(|v| v.as_bytes())
    }

    /// All values of `key`, in the order they were added.
    pub fn values(&self, key: &[u8]) -> Option<&[CString]> {
        self.index(key).map(|i| self.entries[i].1.as_slice())
    }

    /// The keys, in insertion order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &CStr> + '_ {
        self.entries.iter().map(|(k, _)| k.as_c_str())
    }

    /// The number of distinct keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Replaces all values of `key` with `value` (the key keeps its place,
    /// or goes last when new). Bad key/value → `NATS_INVALID_ARG`.
    pub fn set(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        check_key(key)?;
        check_value(value)?;
        self.set_unchecked(key, value);
        Ok(())
    }

    /// Appends `value` to the values of `key`. Bad key/value →
    /// `NATS_INVALID_ARG`.
    pub fn add(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        check_key(key)?;
        check_value(value)?;
        self.push_value(key, value);
        Ok(())
    }

    /// Removes `key` and all its values; `false` when it was absent.
    pub fn delete(&mut self, key: &[u8]) -> bool {
        match self.index(key) {
            Some(i) => {
                self.entries.remove(i);
                true
            }
            None => false,
        }
    }

    /// The inline status (header `Status`), if any.
    pub fn status(&self) -> Option<&[u8]> {
        self.get_bytes(STATUS)
    }

    fn set_unchecked(&mut self, key: &[u8], value: &[u8]) {
        let v = cstring(value);
        match self.index(key) {
            Some(i) => self.entries[i].1 = vec![v],
            None => self.entries.push((cstring(key), vec![v])),
        }
    }

    fn push_value(&mut self, key: &[u8], value: &[u8]) {
        let v = cstring(value);
        match self.index(key) {
            Some(i) => self.entries[i].1.push(v),
            None => self.entries.push((cstring(key), vec![v])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(h: &Headers, k: &[u8]) -> Vec<Vec<u8>> {
        h.values(k)
            .unwrap_or(&[])
            .iter()
            .map(|v| v.as_bytes().to_vec())
            .collect()
    }

    #[test]
    fn parse_plain() {
        let h = Headers::parse(b"NATS/1.0\r\nFoo: bar\r\nBaz:  qux  \r\nFoo:again\r\n\r\n").unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h.get(b"Foo").unwrap().as_bytes(), b"bar");
        assert_eq!(vals(&h, b"Foo"), vec![b"bar".to_vec(), b"again".to_vec()]);
        assert_eq!(h.get_bytes(b"Baz"), Some(&b"qux"[..]));
        assert!(h.get(b"foo").is_none(), "keys are case-sensitive");
        assert!(h.status().is_none());
        let keys: Vec<&[u8]> = h.keys().map(|k| k.to_bytes()).collect();
        assert_eq!(keys, vec![&b"Foo"[..], &b"Baz"[..]]);
    }

    #[test]
    fn parse_empty_block() {
        let h = Headers::parse(b"NATS/1.0\r\n\r\n").unwrap();
        assert!(h.is_empty());
        // No final blank line: tolerated.
        assert!(Headers::parse(b"NATS/1.0\r\n").unwrap().is_empty());
        // Bare LF line ends.
        let h = Headers::parse(b"NATS/1.0\nA: b\n\n").unwrap();
        assert_eq!(h.get_bytes(b"A"), Some(&b"b"[..]));
    }

    #[test]
    fn parse_status_and_description() {
        let h = Headers::parse(b"NATS/1.0 503\r\n\r\n").unwrap();
        assert_eq!(h.status(), Some(&b"503"[..]));
        assert!(h.get(DESCRIPTION).is_none());

        let h = Headers::parse(b"NATS/1.0 404 No Messages\r\n\r\n").unwrap();
        assert_eq!(h.status(), Some(&b"404"[..]));
        assert_eq!(h.get_bytes(DESCRIPTION), Some(&b"No Messages"[..]));

        let h = Headers::parse(b"NATS/1.0   408   Request Timeout  \r\nNats-Pending-Messages: 1\r\n\r\n").unwrap();
        assert_eq!(h.status(), Some(&b"408"[..]));
        assert_eq!(h.get_bytes(DESCRIPTION), Some(&b"Request Timeout"[..]));
        assert_eq!(h.get_bytes(b"Nats-Pending-Messages"), Some(&b"1"[..]));

        // The no-responders block as the server sends it.
        let h = Headers::parse(b"NATS/1.0 503\r\nNats-Subject: foo\r\n\r\n").unwrap();
        assert_eq!(h.status(), Some(&b"503"[..]));
        assert_eq!(h.get_bytes(b"Nats-Subject"), Some(&b"foo"[..]));

        assert_eq!(
            parse_status_line(b"NATS/1.0 503\r\n\r\n"),
            Some((&b"503"[..], &b""[..]))
        );
        assert_eq!(parse_status_line(b"NATS/1.0\r\n\r\n"), Some((&b""[..], &b""[..])));
        assert_eq!(parse_status_line(b"NATS/1.1\r\n\r\n"), None);
    }

    #[test]
    fn parse_inline_status_wins_over_a_status_line() {
        let h = Headers::parse(b"NATS/1.0 503\r\nStatus: 200\r\n\r\n").unwrap();
        assert_eq!(vals(&h, STATUS), vec![b"503".to_vec()]);
    }

    #[test]
    fn parse_folded_and_empty_values() {
        let h = Headers::parse(b"NATS/1.0\r\nA: one\r\n  two\r\nB:\r\nC:   \r\n\r\n").unwrap();
        assert_eq!(h.get_bytes(b"A"), Some(&b"one two"[..]));
        assert_eq!(h.get_bytes(b"B"), Some(&b""[..]));
        assert_eq!(h.get_bytes(b"C"), Some(&b""[..]));
    }

    #[test]
    fn parse_errors() {
        for bad in [
            &b""[..],
            b"NATS/1.0",
            b"HTTP/1.1 200\r\n\r\n",
            b"NATS/1.0x\r\n\r\n",
            b"NATS/1.0\r\nNoColon\r\n\r\n",
            b"NATS/1.0\r\n: empty key\r\n\r\n",
            b"NATS/1.0\r\nBad Key: v\r\n\r\n",
            b"NATS/1.0\r\n leading: space\r\n\r\n",
            b"NATS/1.0\r\nK: a\0b\r\n\r\n",
        ] {
            let e = Headers::parse(bad).unwrap_err();
            assert_eq!(e.status, natsStatus::NATS_PROTOCOL_ERROR, "{:?}", show(bad));
            assert!(!e.text.is_empty());
        }
    }

    #[test]
    fn set_add_get_delete() {
        let mut h = Headers::new();
        h.set(b"A", b"1").unwrap();
        h.add(b"B", b"x").unwrap();
        h.add(b"A", b"2").unwrap();
        assert_eq!(vals(&h, b"A"), vec![b"1".to_vec(), b"2".to_vec()]);
        h.set(b"A", b"3").unwrap();
        assert_eq!(vals(&h, b"A"), vec![b"3".to_vec()]);
        // Set keeps the key's position.
        let keys: Vec<&[u8]> = h.keys().map(|k| k.to_bytes()).collect();
        assert_eq!(keys, vec![&b"A"[..], &b"B"[..]]);
        h.set(b"E", b"").unwrap();
        assert_eq!(h.get_bytes(b"E"), Some(&b""[..]));
        assert_eq!(h.len(), 3);
        assert!(h.delete(b"A"));
        assert!(!h.delete(b"A"));
        assert!(!h.delete(b"b"));
        assert_eq!(h.len(), 2);
        assert!(h.get(b"A").is_none());
    }

    #[test]
    fn set_add_reject_bad_input() {
        let mut h = Headers::new();
        for k in [&b""[..], b"a b", b"a:b", b"a\rb", b"a\nb", b"a\0b", b"a\tb"] {
            assert_eq!(h.set(k, b"v").unwrap_err().status, natsStatus::NATS_INVALID_ARG);
            assert_eq!(h.add(k, b"v").unwrap_err().status, natsStatus::NATS_INVALID_ARG);
        }
        for v in [&b"a\r\nInjected: x"[..], b"a\n", b"\r", b"a\0"] {
            assert_eq!(h.set(b"K", v).unwrap_err().status, natsStatus::NATS_INVALID_ARG);
            assert_eq!(h.add(b"K", v).unwrap_err().status, natsStatus::NATS_INVALID_ARG);
        }
        assert!(h.is_empty());
        // Values may contain spaces, colons and non-ASCII.
        h.set(b"K", "a: b é".as_bytes()).unwrap();
    }

    #[test]
    fn encode_and_round_trip() {
        let mut h = Headers::new();
        assert_eq!(h.to_bytes(), b"NATS/1.0\r\n\r\n");
        h.add(b"Foo", b"bar").unwrap();
        h.add(b"X", b"1").unwrap();
        h.add(b"Foo", b"baz qux").unwrap();
        let enc = h.to_bytes();
        assert_eq!(enc, b"NATS/1.0\r\nFoo: bar\r\nFoo: baz qux\r\nX: 1\r\n\r\n");
        assert_eq!(enc.len(), h.encoded_len());
        let back = Headers::parse(&enc).unwrap();
        assert_eq!(vals(&back, b"Foo"), vals(&h, b"Foo"));
        assert_eq!(vals(&back, b"X"), vals(&h, b"X"));
        assert_eq!(back.len(), 2);
        // Re-encoding the parsed form gives the same bytes.
        assert_eq!(back.to_bytes(), enc);
    }
}

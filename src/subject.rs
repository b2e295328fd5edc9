//! Subject and queue-name validation, on bytes.
use crate::error::{Error, Result};
use crate::status::natsStatus::*;

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c)
}

/// Whether any byte of `s` is <= b' ' (8 bytes at a time).
#[inline]
fn has_byte_le_space(s: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = s.chunks_exact(8);
    for c in &mut chunks {
        let x = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        // A byte b < 0x21 with its high bit clear borrows into bit 7 of
        // (b - 0x21); bytes >= 0x80 are masked out by !x.
        if x.wrapping_sub(ONES * 0x21) & !x & HIGH != 0 {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| b <= b' ')
}

/// A subject to subscribe to: non-empty tokens, no whitespace, `*` and `>`
/// only as whole tokens, `>` only last.
pub fn check_subscribe(s: &[u8]) -> Result<()> {
    let bad = || {
        Error::new(
            NATS_INVALID_SUBJECT,
            format!("invalid subject '{}'", String::from_utf8_lossy(s)),
        )
    };
    if s.is_empty() {
        return Err(bad());
    }
    let n = s.split(|&b| b == b'.').count();
    for (i, tok) in s.split(|&b| b == b'.').enumerate() {
        if tok.is_empty() || tok.iter().any(|&b| is_space(b)) {
            return Err(bad());
        }
        if tok.len() > 1 && tok.iter().any(|&b| b == b'>' || b == b'*') && (tok.contains(&b'>')) {
            return Err(bad());
        }
        if tok == b">" && i != n - 1 {
            return Err(bad());
        }
    }
    Ok(())
}

/// A subject to publish to: non-empty, no whitespace or control line
/// breaks (stricter than cnats, which lets CR/LF through).
#[inline]
pub fn check_publish(s: &[u8]) -> Result<()> {
    // Fast path: whitespace and NUL are all <= b' '; when no byte is, the
    // subject is fine. Only otherwise look closer (out of line).
    if !s.is_empty() && !has_byte_le_space(s) {
        return Ok(());
    }
    check_publish_slow(s)
}

#[cold]
fn check_publish_slow(s: &[u8]) -> Result<()> {
    if s.is_empty() {
        return Err(Error::new(NATS_INVALID_SUBJECT, "invalid subject: empty"));
    }
    if s.iter().any(|&b| is_space(b) || b == 0) {
        return Err(Error::new(
            NATS_INVALID_SUBJECT,
            format!(
                "invalid subject '{}': contains whitespace",
                String::from_utf8_lossy(s).escape_default()
            ),
        ));
    }
    Ok(())
}

/// A reply subject (when given): same rules as a publish subject.
pub fn check_reply(s: &[u8]) -> Result<()> {
    check_publish(s).map_err(|e| Error::new(NATS_INVALID_SUBJECT, e.text.replace("subject", "reply subject")))
}

/// A queue group name: non-empty, no whitespace.
pub fn check_queue(q: &[u8]) -> Result<()> {
    if q.is_empty() || q.iter().any(|&b| is_space(b)) {
        return Err(Error::new(
            NATS_INVALID_QUEUE_NAME,
            format!("invalid queue name '{}'", String::from_utf8_lossy(q)),
        ));
    }
    Ok(())
}

/// A custom inbox prefix: a subject without wildcards — non-empty
/// tokens, no whitespace, no token that is exactly `*` or `>` (those
/// characters inside a longer token are plain characters). An error is
/// `NATS_INVALID_ARG`, as cnats' `natsOptions_SetCustomInboxPrefix`.
pub fn check_inbox_prefix(p: &[u8]) -> Result<()> {
    let ok = !p.is_empty()
        && p.split(|&b| b == b'.')
            .all(|t| !t.is_empty() && t != b"*" && t != b">" && !t.iter().any(|&b| is_space(b)));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_arg(format!(
            "invalid inbox prefix '{}'",
            String::from_utf8_lossy(p)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn le_space_scan() {
        for len in 0..40 {
            for pos in 0..len {
                for b in [0u8, 1, b'\t', b'\n', 0x0b, 0x0c, b'\r', b' '] {
                    let mut v = vec![b'a'; len];
                    v[pos] = b;
                    assert!(has_byte_le_space(&v), "{len} {pos} {b}");
                }
                for b in [b'!', b'.', 0x7f, 0x80, 0xa0, 0xff] {
                    let mut v = vec![b'a'; len];
                    v[pos] = b;
                    assert!(!has_byte_le_space(&v), "{len} {pos} {b}");
                }
            }
        }
    }

    #[test]
    fn subscribe_subjects() {
        for ok in ["foo", "foo.bar", "foo.*", "foo.>", ">", "*", "*.*.>", "a.b*c"] {
            assert!(check_subscribe(ok.as_bytes()).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "foo bar",
            "foo..bar",
            ".foo",
            "bar.baz.",
            "baz\t.foo",
            ">.foo",
            "foo.>.bar",
            ">.>",
            "foo.b>",
        ] {
            let e = check_subscribe(bad.as_bytes()).unwrap_err();
            assert_eq!(e.status, NATS_INVALID_SUBJECT, "{bad}");
        }
    }

    #[test]
    fn publish_subjects() {
        assert!(check_publish(b"foo.bar").is_ok());
        assert!(check_publish(b"foo.*").is_ok());
        for bad in [&b""[..], b"foo bar", b"foo\r\nPUB x 1", b"a\tb", b"a\nb"] {
            assert_eq!(check_publish(bad).unwrap_err().status, NATS_INVALID_SUBJECT);
        }
    }

    #[test]
    fn inbox_prefixes() {
        for ok in ["a", "my.inbox", "a*b.c>d", "_INBOX", "x.y.z"] {
            assert!(check_inbox_prefix(ok.as_bytes()).is_ok(), "{ok}");
        }
        for bad in [
            "", "a.*", "*", ">", "a.>", "a..b", ".a", "a.", "a b", "a\tb", "*.b", "a.\n",
        ] {
            let e = check_inbox_prefix(bad.as_bytes()).unwrap_err();
            assert_eq!(e.status, NATS_INVALID_ARG, "{bad:?}");
            assert!(e.text.starts_with("invalid inbox prefix"), "{}", e.text);
        }
    }

    #[test]
    fn queue_names() {
        assert!(check_queue(b"workers").is_ok());
        assert_eq!(check_queue(b"").unwrap_err().status, NATS_INVALID_QUEUE_NAME);
        assert_eq!(check_queue(b"a b").unwrap_err().status, NATS_INVALID_QUEUE_NAME);
    }
}

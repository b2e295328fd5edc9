//! Names, versions and subjects of services and endpoints (ADR-32).

/// A service or endpoint name: non-empty, only `A-Z a-z 0-9 _ -`.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A numeric identifier of semver: `0` or digits without a leading zero.
fn numeric_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

/// An identifier made of `0-9 A-Z a-z -`.
fn alnum_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// A semantic version per semver.org 2.0.0 (`MAJOR.MINOR.PATCH`, an
/// optional `-pre.release` and an optional `+build.meta`), which is what
/// the official regular expression accepts.
pub fn is_valid_semver(v: &str) -> bool {
    let (rest, build) = match v.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (v, None),
    };
    if let Some(b) = build {
        if !b.split('.').all(alnum_id) {
            return false;
        }
    }
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    if let Some(p) = pre {
        // Each pre-release identifier: numeric without leading zero, or
        // alphanumeric with at least one non-digit.
        let ok = p
            .split('.')
            .all(|id| alnum_id(id) && (numeric_id(id) || id.bytes().any(|b| !b.is_ascii_digit())));
        if !ok {
            return false;
        }
    }
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3 && parts.iter().all(|p| numeric_id(p))
}

/// An endpoint subject: a valid subscription subject whose only full
/// wildcard, if any, is the last token (ADR-32: a group prefix cannot
/// contain `>`).
pub fn is_valid_subject(subject: &str) -> bool {
    if crate::subject::check_subscribe(subject.as_bytes()).is_err() {
        return false;
    }
    let toks: Vec<&str> = subject.split('.').collect();
    toks.iter().take(toks.len() - 1).all(|t| *t != ">")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["a", "Svc-1_x", "0"] {
            assert!(is_valid_name(ok), "{ok}");
        }
        for bad in ["", "a.b", "a b", "a*", "a>", "é", "a/b"] {
            assert!(!is_valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn semver() {
        for ok in [
            "0.0.0",
            "1.2.3",
            "10.20.30",
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-0.3.7",
            "1.0.0-x.7.z.92",
            "1.0.0+20130313144700",
            "1.0.0-beta+exp.sha.5114f85",
            "1.0.0-a-b--c",
        ] {
            assert!(is_valid_semver(ok), "{ok}");
        }
        for bad in [
            "",
            "1",
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.02.3",
            "1.2.03",
            "v1.2.3",
            "1.2.3-",
            "1.2.3+",
            "1.2.3-01",
            "1.2.3-a..b",
            "1.2.3+a..b",
            "1.2.x",
            " 1.2.3",
            "1.2.3 ",
            "1.2.3-é",
        ] {
            assert!(!is_valid_semver(bad), "{bad}");
        }
    }

    #[test]
    fn subjects() {
        for ok in ["a", "a.b", "a.*.c", "a.>", "$SRV.PING"] {
            assert!(is_valid_subject(ok), "{ok}");
        }
        for bad in ["", "a b", "a..b", ".a", "a.", ">.a", "a.>.b"] {
            assert!(!is_valid_subject(bad), "{bad}");
        }
    }
}

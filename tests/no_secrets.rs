//! No private key material is checked in: NKey seeds (`S[OAU][A-Z2-7]{56}`:
//! user, account and operator seeds) and signed JWTs (a header and claims
//! that are base64url JSON, `eyJ…`, and a signature of 43+ characters,
//! the size of real Ed25519 or HMAC signatures) may appear in a tracked
//! file only as the public known-answer vectors of the allow-list below.
//! Tests make their keys at run time: `tests/common/jwt.rs` (Rust, nkeys
//! crate) and `tests/c/gen_keys.py` (the C tests' CTest fixture
//! c_test_keys).
//!
//! JWTs split over C string literals (`"eyJ…"` newline `"…"`) are joined
//! before the scan.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The NATS docs' NKey example ("Authenticating with an NKey").
const DOCS: &str = concat!("SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6B", "FDTJ7M6USDXIEDNPPQYYYCU3VY");
/// cnats' test vector (test/test.c, test_natsKeys).
const CNATS: &str = concat!("SUAMK2FG4MI6UE3ACF3FK3OIQBCEIEZV7", "NSWFFEW63UXMRLFM2XLAXK4GY");
/// CNATS with its checksum broken (decodes to "invalid checksum").
const CNATS_BAD_CRC: &str = concat!("SUAMK2FG4MI6UE3ACF3FK3OIQBCEIEZV7", "NSWFFEW63UXMRLFM2XLAXK4AA");
/// nkeys' vector (creds_utils_test.go).
const NKEYS_GO: &str = concat!("SUAOTBNEUHZDFJT3EUMELT7MQTP24JF3X", "VCXQNDSCU74G5IU6VAJBKH5LI");

/// (file, allowed seed, why that file needs that exact public vector).
/// An entry that no longer matches anything fails the test too, so the
/// list stays exact.
const ALLOWED: &[(&str, &str, &str)] = &[
    (
        "src/auth/nkeys.rs",
        CNATS,
        "known answer: public key and signature of \"nonce\"",
    ),
    (
        "src/auth/nkeys.rs",
        DOCS,
        "known answer: the docs' public key and signature",
    ),
    ("src/auth/nkeys.rs", NKEYS_GO, "known answer: nkeys' public key"),
    (
        "src/auth/nkeys.rs",
        CNATS_BAD_CRC,
        "a corrupted vector: the checksum error",
    ),
    ("src/auth/mod.rs", CNATS, "known answer: the signature sent in CONNECT"),
    (
        "src/auth/mod.rs",
        DOCS,
        "known answer: signature after a creds file rotation",
    ),
    (
        "src/auth/mod.rs",
        CNATS_BAD_CRC,
        "a corrupted vector: the checksum error text",
    ),
    ("src/auth/creds.rs", CNATS, "creds parsing returns that exact seed"),
    (
        "src/ffi/options_auth.rs",
        CNATS,
        "known answer: public key and signature through the C API",
    ),
    (
        "src/ffi/options_auth.rs",
        DOCS,
        "known answer: nats_Sign through the C API",
    ),
    (
        "tests/auth_engine.rs",
        CNATS,
        "known_answer_vectors: nats_Sign of \"nonce\"",
    ),
    (
        "tests/auth_engine.rs",
        DOCS,
        "known_answer_vectors: public key and nats_Sign of \"nonce\"",
    ),
    (
        "tests/auth_server.rs",
        DOCS,
        "nats_docs_nkey_known_answer_accepted: the docs' exact pair",
    ),
    (
        "tests/c/test_auth.c",
        DOCS,
        "auth_sign_known_answer: nats_Sign of \"nonce\"",
    ),
    (
        "tests/c/gen_keys.py",
        DOCS,
        "the generator checks its NKey encoding and signing against it",
    ),
    (
        "tests/c_misuse/misuse.c",
        DOCS,
        "a well-formed seed, so that the NULL argument is the fault",
    ),
    (
        "scripts/gen_misuse.py",
        DOCS,
        "generates tests/c_misuse/misuse.c (same reason)",
    ),
    (
        "c-examples/auth-nkey.c",
        DOCS,
        "usage comment: the docs' example pair to try the example with",
    ),
];

/// Directories scanned when git cannot list the tracked files.
const FALLBACK_DIRS: &[&str] = &[
    "src",
    "tests",
    "c-examples",
    "bench",
    "docs",
    "scripts",
    "examples",
    "fuzz/src",
    "include",
    "bindings",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name();
        if p.is_dir() {
            if !matches!(name.to_str(), Some("target" | "node_modules" | ".git" | "build")) {
                walk(&p, out);
            }
        } else {
            out.push(p);
        }
    }
}

/// The tracked files (git ls-files), else the files under FALLBACK_DIRS;
/// relative to the repository root, '/'-separated.
fn files() -> Vec<String> {
    let root = root();
    if let Ok(out) = Command::new("git")
        .arg("-C")
        .arg(&root)
        .args(["ls-files", "-z"])
        .output()
    {
        if out.status.success() && !out.stdout.is_empty() {
            return out
                .stdout
                .split(|b| *b == 0)
                .filter(|f| !f.is_empty())
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .filter(|f| root.join(f).is_file())
                .collect();
        }
    }
    let mut paths = Vec::new();
    for d in FALLBACK_DIRS {
        walk(&root.join(d), &mut paths);
    }
    paths
        .iter()
        .map(|p| p.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/"))
        .collect()
}

/// Joins string literals split over lines: `"` (optional `\`) newline
/// (indentation) `"` is removed, and so is a Rust `\` line continuation
/// with the indentation after it.
fn join_literals(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        if c == b'"' || c == b'\\' {
            let mut j = i + 1;
            let mut newline = false;
            while j < text.len() && matches!(text[j], b' ' | b'\t' | b'\\' | b'\r' | b'\n') {
                newline |= text[j] == b'\n';
                j += 1;
            }
            if newline && c == b'"' && j < text.len() && text[j] == b'"' {
                i = j + 1;
                continue;
            }
            if newline && c == b'\\' {
                i = j;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

fn is_b32(c: u8) -> bool {
    c.is_ascii_uppercase() || (b'2'..=b'7').contains(&c)
}

fn is_b64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

/// Every `S[OAU][A-Z2-7]{56}`.
fn seeds(text: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut i = 0;
    while i + 58 <= text.len() {
        if text[i] == b'S'
            && matches!(text[i + 1], b'O' | b'A' | b'U')
            && text[i + 2..i + 58].iter().all(|&c| is_b32(c))
        {
            found.push(String::from_utf8_lossy(&text[i..i + 58]).into_owned());
            i += 58;
        } else {
            i += 1;
        }
    }
    found
}

/// Every `eyJ…​.eyJ…​.<43+ base64url>`: a signed JWT (the start of each
/// match, shortened).
fn signed_jwts(text: &[u8]) -> Vec<String> {
    let run = |from: usize| from + text[from..].iter().take_while(|&&c| is_b64url(c)).count();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 3 <= text.len() {
        if &text[i..i + 3] == b"eyJ" && (i == 0 || !is_b64url(text[i - 1])) {
            let h = run(i);
            if h < text.len() && text[h] == b'.' && text[h + 1..].starts_with(b"eyJ") {
                let c = run(h + 1);
                if c < text.len() && text[c] == b'.' {
                    let s = run(c + 1);
                    if s - (c + 1) >= 43 {
                        let end = (i + 60).min(s);
                        found.push(format!("{}…", String::from_utf8_lossy(&text[i..end])));
                        i = s;
                        continue;
                    }
                }
            }
        }
        i += 1;
    }
    found
}

#[test]
fn no_private_keys_or_signed_jwts_are_checked_in() {
    let files = files();
    assert!(files.len() > 50, "too few files found: {}", files.len());
    assert!(
        files.iter().any(|f| f == "tests/c/test_auth.c"),
        "the scan misses tests/c"
    );

    let mut offenders = Vec::new();
    let mut used = vec![false; ALLOWED.len()];
    for f in &files {
        let Ok(raw) = std::fs::read(root().join(f)) else {
            continue;
        };
        let text = join_literals(&raw);
        for s in seeds(&text) {
            match ALLOWED.iter().position(|(af, seed, _)| af == f && *seed == s) {
                Some(k) => used[k] = true,
                None => offenders.push(format!("{f}: NKey seed {}…", &s[..8])),
            }
        }
        for j in signed_jwts(&text) {
            offenders.push(format!("{f}: signed JWT {j}"));
        }
    }
    let stale: Vec<String> = ALLOWED
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|((f, s, why), _)| format!("{f}: {}… ({why})", &s[..8]))
        .collect();
    assert!(
        offenders.is_empty(),
        "private key material checked in (generate it at test time: tests/common/jwt.rs, \
         tests/c/gen_keys.py; or allow-list a public known-answer vector in tests/no_secrets.rs \
         with the reason):\n  {}",
        offenders.join("\n  ")
    );
    assert!(
        stale.is_empty(),
        "allow-list entries that match nothing (remove them):\n  {}",
        stale.join("\n  ")
    );
}

#[test]
fn the_scanner_finds_seeds_and_split_jwts() {
    // Samples made at run time, so that this file holds none.
    let body = "A".repeat(56);
    for p in ["SU", "SA", "SO"] {
        let t = format!("x = \"{p}{body}\";");
        assert_eq!(seeds(t.as_bytes()), vec![format!("{p}{body}")], "{t}");
    }
    assert!(seeds(format!("SX{body}").as_bytes()).is_empty());
    assert!(
        seeds(format!("SU{}", &body[1..]).as_bytes()).is_empty(),
        "57 characters"
    );
    assert!(
        seeds(format!("SU{}", "a".repeat(56)).as_bytes()).is_empty(),
        "lower case"
    );
    // The real seed of a creds block.
    let creds = format!("-----BEGIN USER NKEY SEED-----\nSU{body}\n------END USER NKEY SEED------\n");
    assert_eq!(seeds(creds.as_bytes()).len(), 1);

    let (h, c, sig) = ("eyJ0eXAiOiJKV1Qi", "eyJzdWIiOiJVIn0", "Q".repeat(86));
    let jwt = format!("{h}.{c}.{sig}");
    assert_eq!(signed_jwts(jwt.as_bytes()).len(), 1);
    // Split over C string literals, in a macro and not.
    for sep in ["\"\n    \"", "\" \\\n    \"", "\"\r\n\""] {
        let split = format!("#define J \"{}{sep}{}\"", &jwt[..30], &jwt[30..]);
        assert!(signed_jwts(split.as_bytes()).is_empty(), "not joined yet");
        assert_eq!(signed_jwts(&join_literals(split.as_bytes())).len(), 1, "{split:?}");
    }
    // A Rust string continuation.
    let cont = format!("\"{}\\\n        {}\"", &jwt[..30], &jwt[30..]);
    assert_eq!(signed_jwts(&join_literals(cont.as_bytes())).len(), 1);
    // Placeholder signatures of parser tests are no JWT of anything.
    assert!(signed_jwts(format!("{h}.{c}.c2ln").as_bytes()).is_empty());
    assert!(signed_jwts(format!("{h}.{c}").as_bytes()).is_empty());
    // Two literals on one line are left alone.
    assert_eq!(join_literals(b"\"a\" \"b\""), b"\"a\" \"b\"");
}

//! Credentials (`.creds`) files and texts: the user JWT and the user NKey
//! seed, each between a pair of "decoration" lines such as
//! `-----BEGIN NATS USER JWT-----` / `------END NATS USER JWT------`.
//!
//! Parsing follows cnats:
//! - lines end at `\r` or `\n`; empty lines are skipped;
//! - a decoration line is at least 6 characters, ends with `---` and has
//!   another `---` before that (so trailing spaces disqualify it);
//! - an item is the single line between two decoration lines; item 0 is
//!   the JWT, item 1 the seed;
//! - for files only: without a decorated JWT the whole file is the JWT,
//!   and without a decorated seed the first line starting (after blanks)
//!   with `SU` is the seed.
//!
//! Every buffer that held file contents or a seed is wiped after use.

use crate::error::{Error, Result};
use crate::status::natsStatus;
use std::io::Read;
use zeroize::Zeroizing;

/// Splits off the next non-empty line of `rest`; returns `None` at the end.
fn next_line<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let is_eol = |b: &u8| *b == b'\r' || *b == b'\n';
    let start = rest.iter().position(|b| !is_eol(b))?;
    let s = &rest[start..];
    let len = s.iter().position(is_eol).unwrap_or(s.len());
    *rest = &s[len..];
    Some(&s[..len])
}

/// Whether `line` is a decoration line (see the module documentation).
pub fn is_decoration(line: &[u8]) -> bool {
    let n = line.len();
    n >= 6 && line.ends_with(b"---") && line[..n - 3].windows(3).any(|w| w == b"---")
}

/// Returns the `item`-th decorated item (0 = JWT, 1 = seed) of `content`.
pub fn find_item(content: &[u8], item: usize) -> Option<&[u8]> {
    let mut rest = content;
    let mut cur = 0usize;
    while let Some(line) = next_line(&mut rest) {
        if !is_decoration(line) {
            continue;
        }
        let value = next_line(&mut rest)?;
        let Some(closing) = next_line(&mut rest) else {
            break;
        };
        if is_decoration(closing) {
            if cur == item {
                return Some(value);
            }
            cur += 1;
            if cur > 1 {
                break;
            }
        }
    }
    None
}

/// Removes leading and trailing ASCII whitespace.
fn trim(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |p| p + 1);
    &b[start..end]
}

/// The first line whose first non-blank characters are `SU`, from there to
/// the end of the line (trailing whitespace, such as a `\r`, removed).
fn find_su_line(content: &[u8]) -> Option<&[u8]> {
    content.split(|b| *b == b'\n').find_map(|line| {
        let start = line.iter().position(|c| *c != b' ' && *c != b'\t')?;
        let l = &line[start..];
        l.starts_with(b"SU").then(|| trim(l))
    })
}

/// Strips Rust's " (os error N)" suffix from an I/O error text.
fn io_text(e: &std::io::Error) -> String {
    let t = e.to_string();
    match t.find(" (os error ") {
        Some(p) => t[..p].to_string(),
        None => t,
    }
}

/// Reads a whole file into a buffer wiped on drop. Errors read
/// "error opening file '<name>': <reason>" (status `NATS_ERR`).
pub fn read_file(path: &str) -> Result<Zeroizing<Vec<u8>>> {
    if path.is_empty() {
        return Err(Error::invalid_arg("invalid argument: empty file name"));
    }
    let mut f = std::fs::File::open(path).map_err(|e| {
        Error::new(
            natsStatus::NATS_ERR,
            format!("error opening file '{path}': {}", io_text(&e)),
        )
    })?;
    let hint = f.metadata().map(|m| m.len() as usize).unwrap_or(0);
    // Room for the whole file up front so that the buffer is not moved
    // (leaving unwiped copies) while reading.
    let mut buf = Zeroizing::new(Vec::with_capacity(hint + 1024));
    f.read_to_end(&mut buf).map_err(|e| {
        Error::new(
            natsStatus::NATS_ERR,
            format!("error reading file '{path}': {}", io_text(&e)),
        )
    })?;
    Ok(buf)
}

fn utf8(b: &[u8], what: &str) -> Result<String> {
    std::str::from_utf8(b)
        .map(str::to_string)
        .map_err(|_| Error::new(natsStatus::NATS_ERR, format!("invalid {what}: not valid UTF-8")))
}

/// The user JWT of a creds text given in memory (decorated JWT required;
/// missing → `NATS_NOT_FOUND`).
pub fn jwt_from_memory(content: &[u8]) -> Result<String> {
    match find_item(content, 0) {
        Some(j) => utf8(j, "user JWT"),
        None => Err(Error::new(
            natsStatus::NATS_NOT_FOUND,
            "no user JWT found in the credentials",
        )),
    }
}

/// The user seed of a creds text given in memory (decorated seed required;
/// missing → `NATS_NOT_FOUND`).
pub fn seed_from_memory(content: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    match find_item(content, 1) {
        Some(s) => Ok(Zeroizing::new(s.to_vec())),
        None => Err(Error::new(
            natsStatus::NATS_NOT_FOUND,
            "no nkey user seed found in the credentials",
        )),
    }
}

/// The user JWT of a file: the decorated JWT, else the whole file
/// (surrounding whitespace removed).
pub fn jwt_from_file(path: &str) -> Result<String> {
    let buf = read_file(path)?;
    match find_item(&buf, 0) {
        Some(j) => utf8(j, "user JWT"),
        None => utf8(trim(&buf), "user JWT"),
    }
}

/// A seed from a file: decorated item `item`, else the first `SU…` line,
/// else "no nkey user seed found in '<file>'" (`NATS_ERR`).
pub fn seed_from_file(path: &str, item: usize) -> Result<Zeroizing<Vec<u8>>> {
    let buf = read_file(path)?;
    if let Some(s) = find_item(&buf, item) {
        return Ok(Zeroizing::new(s.to_vec()));
    }
    match find_su_line(&buf) {
        Some(s) => Ok(Zeroizing::new(s.to_vec())),
        None => Err(Error::new(
            natsStatus::NATS_ERR,
            format!("no nkey user seed found in '{path}'"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWT: &str = "eyJ0eXAiOiJqd3QiLCJhbGciOiJlZDI1NTE5In0.eyJqdGkiOiJURVNUIn0.c2ln";
    const SEED: &str = "SUAMK2FG4MI6UE3ACF3FK3OIQBCEIEZV7NSWFFEW63UXMRLFM2XLAXK4GY";

    fn chained(eol: &str) -> String {
        [
            "-----BEGIN NATS USER JWT-----",
            JWT,
            "------END NATS USER JWT------",
            "",
            "************************* IMPORTANT *************************",
            "NKEY Seed printed below can be used to sign and prove identity.",
            "NKEYs are sensitive and should be treated as secrets.",
            "",
            "-----BEGIN USER NKEY SEED-----",
            SEED,
            "------END USER NKEY SEED------",
            "",
            "*************************************************************",
            "",
        ]
        .join(eol)
    }

    #[test]
    fn decoration_lines() {
        assert!(is_decoration(b"-----BEGIN NATS USER JWT-----"));
        assert!(is_decoration(b"------"));
        assert!(is_decoration(b"---x---"));
        assert!(!is_decoration(b"-----"));
        assert!(!is_decoration(b"-----BEGIN NATS USER JWT----- "));
        assert!(!is_decoration(b"BEGIN NATS USER JWT-----"));
        assert!(!is_decoration(b"--x--BEGIN---"));
    }

    #[test]
    fn chained_lf_and_crlf() {
        for eol in ["\n", "\r\n", "\r"] {
            let c = chained(eol);
            assert_eq!(find_item(c.as_bytes(), 0), Some(JWT.as_bytes()));
            assert_eq!(find_item(c.as_bytes(), 1), Some(SEED.as_bytes()));
            assert_eq!(find_item(c.as_bytes(), 2), None);
            assert_eq!(jwt_from_memory(c.as_bytes()).unwrap(), JWT);
            assert_eq!(&seed_from_memory(c.as_bytes()).unwrap()[..], SEED.as_bytes());
        }
    }

    #[test]
    fn memory_without_items_is_not_found() {
        let e = jwt_from_memory(b"just some text\n").unwrap_err();
        assert_eq!(e.status, natsStatus::NATS_NOT_FOUND);
        let only_jwt = format!("-----BEGIN NATS USER JWT-----\n{JWT}\n------END NATS USER JWT------\n");
        assert_eq!(jwt_from_memory(only_jwt.as_bytes()).unwrap(), JWT);
        assert_eq!(
            seed_from_memory(only_jwt.as_bytes()).unwrap_err().status,
            natsStatus::NATS_NOT_FOUND
        );
    }

    #[test]
    fn item_needs_closing_decoration() {
        // The line after the value is not a decoration: not an item.
        let c = format!("-----BEGIN NATS USER JWT-----\n{JWT}\nnot a header\n");
        assert_eq!(find_item(c.as_bytes(), 0), None);
        // Premature end.
        assert_eq!(find_item(b"-----BEGIN-----\n", 0), None);
        assert_eq!(find_item(b"-----BEGIN-----\nvalue\n", 0), None);
    }

    #[test]
    fn files_split_headerless_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();

        // Chained file (CRLF).
        std::fs::write(p("chained.creds"), chained("\r\n")).unwrap();
        assert_eq!(jwt_from_file(&p("chained.creds")).unwrap(), JWT);
        assert_eq!(&seed_from_file(&p("chained.creds"), 1).unwrap()[..], SEED.as_bytes());

        // Headerless JWT file: whole content, trimmed.
        std::fs::write(p("user.jwt"), format!("{JWT}\r\n")).unwrap();
        assert_eq!(jwt_from_file(&p("user.jwt")).unwrap(), JWT);

        // Seed file with decorations: item 0.
        std::fs::write(
            p("seed.nk"),
            format!("-----BEGIN USER NKEY SEED-----\n{SEED}\n------END USER NKEY SEED------\n"),
        )
        .unwrap();
        assert_eq!(&seed_from_file(&p("seed.nk"), 0).unwrap()[..], SEED.as_bytes());

        // Bare seed file (indented, CRLF): the SU line.
        std::fs::write(p("bare.nk"), format!("# my seed\r\n  \t{SEED}\r\n")).unwrap();
        assert_eq!(&seed_from_file(&p("bare.nk"), 0).unwrap()[..], SEED.as_bytes());

        // No seed.
        std::fs::write(p("noseed.txt"), "hello\nworld\n").unwrap();
        let e = seed_from_file(&p("noseed.txt"), 1).unwrap_err();
        assert_eq!(e.status, natsStatus::NATS_ERR);
        assert_eq!(e.text, format!("no nkey user seed found in '{}'", p("noseed.txt")));

        // Missing file.
        let e = jwt_from_file(&p("missing.creds")).unwrap_err();
        assert_eq!(e.status, natsStatus::NATS_ERR);
        assert!(
            e.text
                .starts_with(&format!("error opening file '{}': ", p("missing.creds"))),
            "{}",
            e.text
        );
        assert!(e.text.contains("No such file"), "{}", e.text);
    }
}

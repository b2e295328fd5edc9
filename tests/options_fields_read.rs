//! Every field of `Options` (src/options.rs) that a setter writes must be
//! read by the library outside the options module and the C boundary
//! (src/ffi/): a setter that stores a value nobody reads returns NATS_OK
//! and does nothing, which is what this test forbids.
//!
//! The check is on the source text: a field counts as read when some
//! `.<field>` occurrence outside src/options.rs and src/ffi/ is not the
//! left side of an assignment. Comments are ignored.

use std::path::{Path, PathBuf};

/// Fields allowed to be unread, each with the reason. Keep it empty when
/// possible.
const ALLOWED_UNREAD: &[(&str, &str)] = &[];

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The source without `//` comments (line and doc comments).
fn strip_comments(src: &str) -> String {
    src.lines()
        .map(|l| match l.find("//") {
            // Not inside a string on this line (good enough for this code base:
            // "//" in strings is only in URLs like "nats://").
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn option_fields(src: &str) -> Vec<String> {
    let start = src.find("pub struct Options {").expect("struct Options");
    let body = &src[start..];
    let end = body.find("\n}").unwrap();
    strip_comments(&body[..end])
        .lines()
        .skip(1)
        .filter_map(|l| {
            let l = l.trim().strip_prefix("pub ")?;
            let (name, _) = l.split_once(':')?;
            Some(name.trim().to_string())
        })
        .collect()
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether `src` reads `.field` somewhere (not only assigns it).
fn reads(src: &str, field: &str) -> bool {
    let pat = format!(".{field}");
    let b = src.as_bytes();
    let mut from = 0;
    while let Some(i) = src[from..].find(&pat) {
        let at = from + i;
        let end = at + pat.len();
        from = end;
        if end < b.len() && is_ident(b[end]) {
            continue; // a longer name
        }
        let rest = src[end..].trim_start();
        let assigned = rest.starts_with('=') && !rest.starts_with("==") && !rest.starts_with("=>");
        if !assigned {
            return true;
        }
    }
    false
}

#[test]
fn every_options_field_is_read_by_the_library() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fields = option_fields(&std::fs::read_to_string(root.join("src/options.rs")).unwrap());
    assert!(fields.len() > 40, "parsed only {fields:?}");
    let mut files = Vec::new();
    rs_files(&root.join("src"), &mut files);
    let engine: Vec<String> = files
        .iter()
        .filter(|p| !p.ends_with("src/options.rs") && !p.starts_with(root.join("src/ffi")))
        .map(|p| strip_comments(&std::fs::read_to_string(p).unwrap()))
        .collect();
    let mut unread = Vec::new();
    for f in &fields {
        let read = engine.iter().any(|src| reads(src, f));
        let allowed = ALLOWED_UNREAD.iter().any(|(n, _)| n == f);
        if !read && !allowed {
            unread.push(f.clone());
        }
        assert!(!(read && allowed), "`{f}` is read now: remove it from ALLOWED_UNREAD");
    }
    assert!(
        unread.is_empty(),
        "Options fields written by setters but never read outside src/options.rs and src/ffi/: {unread:?}"
    );
}

#[test]
fn the_scanner_tells_reads_from_writes() {
    assert!(reads("let x = o.flag;", "flag"));
    assert!(reads("if o.flag == 3 {", "flag"));
    assert!(reads("match o.flag => ", "flag"));
    assert!(!reads("o.flag = true;", "flag"));
    assert!(!reads("o.flag_two + 1", "flag"));
    assert!(!reads(&strip_comments("// uses o.flag\nlet y = 1;"), "flag"));
}

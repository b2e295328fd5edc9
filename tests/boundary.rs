//! The C boundary, checked mechanically on the source text of `src/`:
//!
//! - every `extern "C" fn` defined in `src/ffi/` (outside `#[cfg(test)]`
//!   code) has a body that is exactly one call of the guard —
//!   `guard("<its own name>", …)` or `guard_or("<its own name>", …)` —
//!   so that no export can run code outside `catch_unwind`, and the name
//!   recorded in the last-error stack is the function's own;
//! - no `#[no_mangle]` export lives outside `src/ffi/`;
//! - every C callback type (`extern "C" fn(…)`) and every trampoline (a
//!   closure carrying the program's pointer in a `SendPtr`) lives in
//!   `src/ffi/callbacks.rs`, their one home;
//! - an options handle is opened in one place only (`lock_options`);
//!
//! The checker is a small lexer (it skips comments, strings and character
//! literals), tested below on good and bad samples so that it cannot
//! silently accept everything.

use std::path::{Path, PathBuf};

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

/// The source with comments, string and char literals blanked out (same
/// length, newlines kept), so that braces and keywords can be matched.
fn code_only(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut o = b.to_vec();
    let mut i = 0;
    let blank = |o: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut o[from..to] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            let end = b[i..].iter().position(|&c| c == b'\n').map_or(b.len(), |p| i + p);
            blank(&mut o, i, end);
            i = end;
        } else if b[i..].starts_with(b"/*") {
            let end = s[i + 2..].find("*/").map_or(b.len(), |p| i + 2 + p + 2);
            blank(&mut o, i, end);
            i = end;
        } else if let Some((open, hashes)) = raw_string_at(b, i) {
            // A raw string (r"..", r#".."#, br#".."#): blanked whole; its
            // quotes and brackets are not code.
            let close = format!("\"{}", "#".repeat(hashes));
            let end = s[open + 1..]
                .find(&close)
                .map_or(b.len(), |p| open + 1 + p + close.len());
            blank(&mut o, i, end);
            i = end;
        } else if b[i] == b'"' {
            // Keep the quotes and the text of plain strings (names are
            // compared), blank only braces/parens inside them.
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                if b[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            for c in &mut o[i + 1..j.min(b.len())] {
                if b"{}()".contains(c) {
                    *c = b' ';
                }
            }
            i = j + 1;
        } else if b[i] == b'\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
            if i + 2 < b.len() && b[i + 1] != b'\\' && b[i + 2] == b'\'' {
                blank(&mut o, i, i + 3);
                i += 3;
            } else if i + 1 < b.len() && b[i + 1] == b'\\' {
                let end = s[i + 2..].find('\'').map_or(b.len(), |p| i + 2 + p + 1);
                blank(&mut o, i, end);
                i = end;
            } else {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    o
}

/// At `i`, the start of a raw string literal (`r"`, `r#"`, `br##"`, ...)?
/// Returns the index of its opening quote and its number of `#`.
fn raw_string_at(b: &[u8], i: usize) -> Option<(usize, usize)> {
    if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_') {
        return None;
    }
    let mut j = i;
    if b.get(j) == Some(&b'b') {
        j += 1;
    }
    if b.get(j) != Some(&b'r') {
        return None;
    }
    j += 1;
    let hashes = b[j..].iter().take_while(|&&c| c == b'#').count();
    j += hashes;
    (b.get(j) == Some(&b'"')).then_some((j, hashes))
}

/// Index of the bracket closing the one at `open`.
fn closing(c: &[u8], open: usize) -> usize {
    let (o, cl) = match c[open] {
        b'{' => (b'{', b'}'),
        b'(' => (b'(', b')'),
        b'[' => (b'[', b']'),
        x => panic!("not a bracket: {}", x as char),
    };
    let mut depth = 0usize;
    for (k, &x) in c.iter().enumerate().skip(open) {
        if x == o {
            depth += 1;
        } else if x == cl {
            depth -= 1;
            if depth == 0 {
                return k;
            }
        }
    }
    panic!("unbalanced bracket at {open}");
}

/// Blanks every item annotated `#[cfg(test)]` (test modules, test-only
/// helpers): test callbacks are not exports.
fn strip_cfg_test(c: &mut [u8]) {
    let pat = b"#[cfg(test)]";
    let mut i = 0;
    while let Some(p) = find(c, pat, i) {
        // The item ends at its first `;` or at the bracket closing its first `{`.
        let mut k = p + pat.len();
        while k < c.len() && c[k] != b'{' && c[k] != b';' {
            k += 1;
        }
        let end = if k < c.len() && c[k] == b'{' {
            closing(c, k) + 1
        } else {
            k + 1
        };
        let end = end.min(c.len());
        for x in &mut c[p..end] {
            if *x != b'\n' {
                *x = b' ';
            }
        }
        i = end;
    }
}

fn find(h: &[u8], n: &[u8], from: usize) -> Option<usize> {
    if from >= h.len() {
        return None;
    }
    h[from..].windows(n.len()).position(|w| w == n).map(|p| p + from)
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Problems found in one file's text: exports whose body is not a single
/// guard call naming the function.
fn check_exports(text: &str) -> (usize, Vec<String>) {
    let mut c = code_only(text);
    strip_cfg_test(&mut c);
    let mut problems = Vec::new();
    let mut count = 0;
    let mut i = 0;
    while let Some(p) = find(&c, b"extern \"C\" fn ", i) {
        i = p + 1;
        let name_start = p + b"extern \"C\" fn ".len();
        let name_end = (name_start..c.len()).find(|&k| !is_ident(c[k])).unwrap();
        if name_end == name_start {
            continue; // a type (`extern "C" fn(…)`), not a definition
        }
        let name = std::str::from_utf8(&c[name_start..name_end]).unwrap().to_string();
        // The body: the first `{` after the parameter list and return type
        // (a declaration in an `extern` block ends with `;` first).
        let params = (name_end..c.len()).find(|&k| c[k] == b'(').unwrap();
        let after = closing(&c, params) + 1;
        let Some(open) = (after..c.len()).find(|&k| c[k] == b'{' || c[k] == b';') else {
            continue;
        };
        if c[open] == b';' {
            continue;
        }
        count += 1;
        let close = closing(&c, open);
        let body = std::str::from_utf8(&c[open + 1..close]).unwrap().trim();
        let ok = ["guard(", "guard_or("].iter().any(|g| {
            let Some(rest) = body.strip_prefix(g) else {
                return false;
            };
            // The call's own closing paren must end the body (optionally
            // followed by `;` for a `()` export).
            let start = (open + 1..close).find(|&k| !c[k].is_ascii_whitespace()).unwrap();
            let call_open = start + g.len() - 1;
            let call_close = closing(&c, call_open);
            let tail = std::str::from_utf8(&c[call_close + 1..close]).unwrap().trim();
            (tail.is_empty() || tail == ";") && rest.starts_with(&format!("\"{name}\""))
        });
        if !ok {
            let line = text[..p].matches('\n').count() + 1;
            let shown: String = body.chars().take(60).collect();
            problems.push(format!(
                "line {line}: `{name}` body is not one guard call naming it: {shown:?}"
            ));
        }
    }
    (count, problems)
}

#[test]
fn every_export_is_one_guard_call() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rs_files(&root.join("src/ffi"), &mut files);
    files.sort();
    let mut problems = Vec::new();
    let mut exports = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let (n, p) = check_exports(&text);
        exports += n;
        for p in p {
            problems.push(format!("{}: {p}", f.strip_prefix(root).unwrap().display()));
        }
        // Every `#[no_mangle]` item is an `extern "C" fn` (so it was checked).
        let c = code_only(&text);
        let mut i = 0;
        while let Some(p) = find(&c, b"#[no_mangle]", i) {
            i = p + 1;
            let next: String = std::str::from_utf8(&c[p + 12..])
                .unwrap()
                .split('(')
                .next()
                .unwrap()
                .into();
            if !next.contains("extern \"C\" fn ") {
                problems.push(format!("{}: #[no_mangle] on a non-function: {next:?}", f.display()));
            }
        }
    }
    // The header declares ~200 functions; a checker that finds none is broken.
    assert!(exports > 150, "only {exports} exports found: the checker is broken");
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn exports_and_callback_types_live_in_their_homes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rs_files(&root.join("src"), &mut files);
    let mut problems = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(f).unwrap();
        let mut c = code_only(&text);
        strip_cfg_test(&mut c);
        let c = String::from_utf8(c).unwrap();
        if !rel.starts_with("src/ffi/") && c.contains("#[no_mangle]") {
            problems.push(format!("{rel}: #[no_mangle] outside src/ffi"));
        }
        // One way to reach an options object: `lock_options`.
        let opened = c.matches("box_ref::<natsOptions>").count() + c.matches("box_mut::<natsOptions>").count();
        let expected = usize::from(rel == "src/ffi/options.rs");
        if opened != expected {
            problems.push(format!(
                "{rel}: {opened} direct options-handle borrow(s); use lock_options (one, in options.rs)"
            ));
        }
        if rel != "src/ffi/callbacks.rs" {
            if c.contains("extern \"C\" fn(") || c.contains("extern \"C\" fn (") {
                problems.push(format!("{rel}: C function-pointer type outside src/ffi/callbacks.rs"));
            }
            // A trampoline carries the program's closure in a SendPtr.
            if c.contains("SendPtr(") {
                problems.push(format!("{rel}: C callback trampoline outside src/ffi/callbacks.rs"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---- the checker itself ----

#[test]
fn checker_accepts_guarded_exports() {
    let good = r#"
#[no_mangle]
pub unsafe extern "C" fn a(x: *mut T) -> natsStatus {
    guard("a", || {
        let s = "}{ ) (";
        let c = '}';
        Ok(())
    })
}
#[no_mangle]
pub extern "C" fn b() {
    guard_or("b", (), || Ok(()));
}
pub type cb = Option<unsafe extern "C" fn(x: i32) -> i32>;
extern "C" {
    fn fputs(s: *const c_char, f: *mut FILE) -> c_int;
}
#[cfg(test)]
mod tests {
    unsafe extern "C" fn test_cb(_: *mut c_void) { let _ = 1; }
}
"#;
    let (n, p) = check_exports(good);
    assert_eq!(n, 2);
    assert!(p.is_empty(), "{p:?}");
}

#[test]
fn checker_rejects_unguarded_exports() {
    let cases = [
        // Work before the guard.
        r#"pub extern "C" fn a(x: i64) -> natsStatus { let _ = x; guard("a", || Ok(())) }"#,
        // Work after the guard.
        r#"pub extern "C" fn a() -> natsStatus { let s = guard("a", || Ok(())); s }"#,
        // No guard at all.
        r#"pub extern "C" fn a() -> i64 { 42 }"#,
        // A guard naming another function.
        r#"pub extern "C" fn a() -> natsStatus { guard("b", || Ok(())) }"#,
        // Another helper that merely wraps the guard.
        r#"pub extern "C" fn a(o: *mut O) -> natsStatus { set("a", o, |o| Ok(())) }"#,
        // Two guard calls.
        r#"pub extern "C" fn a() { guard_or("a", (), || Ok(())); guard_or("a", (), || Ok(())); }"#,
    ];
    for bad in cases {
        let (n, p) = check_exports(bad);
        assert_eq!((n, p.len()), (1, 1), "not rejected: {bad}");
    }
}

// ---- the behaviour the guard keeps ----

mod behaviour {
    use nats::ffi::header::*;
    use nats::ffi::library::*;
    use nats::ffi::options::*;
    use nats::ffi::status::natsStatus_GetText;
    use nats::natsStatus::{self, *};
    use std::ffi::{CStr, CString};
    use std::os::raw::c_char;
    use std::ptr::{null, null_mut};

    fn last() -> (natsStatus, String, String) {
        let mut st = NATS_OK;
        let p = unsafe { nats_GetLastError(&mut st) };
        let text = if p.is_null() {
            String::new()
        } else {
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        };
        let mut buf = [0 as c_char; 512];
        assert_eq!(unsafe { nats_GetLastErrorStack(buf.as_mut_ptr(), buf.len()) }, NATS_OK);
        let stack = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned();
        (st, text, stack)
    }

    /// A failure is recorded; successes, answers that are statuses
    /// (`NATS_NOT_FOUND`, a reporting function's complaint) and the
    /// reporting functions themselves leave the record as it was.
    #[test]
    fn the_record_is_sticky_and_reporting_does_not_clobber_it() {
        // Runs on its own test thread: the record is per thread.
        assert_eq!(unsafe { natsOptions_SetTimeout(null_mut(), 1) }, NATS_INVALID_ARG);
        let rec = last();
        assert_eq!(rec.0, NATS_INVALID_ARG);
        assert!(rec.1.contains("'opts' is NULL"), "{}", rec.1);
        assert_eq!(rec.2, "natsOptions_SetTimeout");

        // Reading twice gives the same record.
        assert_eq!(last(), rec);
        // The stack reader's own bad arguments / small buffer are answers.
        assert_eq!(unsafe { nats_GetLastErrorStack(null_mut(), 10) }, NATS_INVALID_ARG);
        let mut tiny = [0 as c_char; 3];
        assert_eq!(
            unsafe { nats_GetLastErrorStack(tiny.as_mut_ptr(), tiny.len()) },
            NATS_INSUFFICIENT_BUFFER
        );
        unsafe { nats_PrintLastErrorStack(null_mut()) };
        assert_eq!(
            unsafe { CStr::from_ptr(natsStatus_GetText(9999)) }.to_str().unwrap(),
            "Unknown Status"
        );
        assert_eq!(last(), rec, "reporting changed the record");

        // A success leaves it (cnats: sticky).
        let mut o = null_mut();
        assert_eq!(unsafe { natsOptions_Create(&mut o) }, NATS_OK);
        assert_eq!(unsafe { natsOptions_SetTimeout(o, 5) }, NATS_OK);
        assert!(nats_Now() > 0);
        assert_eq!(last(), rec, "a success changed the record");

        // A lookup miss is the function's answer, not an error.
        let mut h = null_mut();
        assert_eq!(unsafe { natsHeader_New(&mut h) }, NATS_OK);
        let k = CString::new("k").unwrap();
        let mut v = null();
        assert_eq!(unsafe { natsHeader_Get(h, k.as_ptr(), &mut v) }, NATS_NOT_FOUND);
        assert_eq!(last(), rec, "NATS_NOT_FOUND was recorded");

        // A new failure replaces it, under the new function's name.
        assert_eq!(unsafe { natsHeader_Get(h, null(), &mut v) }, NATS_INVALID_ARG);
        assert_eq!(last().2, "natsHeader_Get");
        unsafe {
            natsHeader_Destroy(h);
            natsOptions_Destroy(o);
        }
    }
}

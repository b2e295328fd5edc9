//! Shared by the layout tests (tests/*_layout.rs): the fact tables of
//! tests/data, the type names our generated header declares, and a C probe
//! compiled against include/nats/nats.h.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn table(name: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(root().join("tests/data").join(name)).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// Type names our header defines: `typedef … } Name;` (structs, enums),
/// `typedef struct X Name;` (opaque) and `typedef <ret> (*Name)(…);`.
pub fn declared_types() -> BTreeSet<String> {
    let h = std::fs::read_to_string(root().join("include/nats/nats.h")).unwrap();
    let bodies = h.lines().filter_map(|l| l.strip_prefix("} ")?.strip_suffix(';'));
    let opaque = h.lines().filter_map(|l| {
        l.strip_prefix("typedef struct ")?
            .strip_suffix(';')?
            .split_whitespace()
            .nth(1)
    });
    let callbacks = h
        .lines()
        .filter(|l| l.starts_with("typedef "))
        .filter_map(|l| l.split_once("(*")?.1.split_once(')').map(|(n, _)| n));
    bodies.chain(opaque).chain(callbacks).map(str::to_string).collect()
}

/// Compiles `src` against our header and runs it; None without a C compiler.
pub fn run_c(src: &str) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("probe.c");
    let exe = dir.path().join("probe");
    std::fs::write(&c, src).unwrap();
    let mut cmd = Command::new("cc");
    cmd.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-I"])
        .arg(root().join("include"))
        .arg("-o")
        .arg(&exe)
        .arg(&c);
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("cc not installed: skipped");
            return None;
        }
        Err(e) => panic!("cc: {e}"),
    };
    assert!(out.status.success(), "cc:\n{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new(&exe).output().unwrap();
    assert!(
        out.status.success(),
        "probe failed:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

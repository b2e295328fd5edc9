//! The layout rules of the source tree: the core never reaches into the C
//! layer, and the connection engine's files stay small and unit-tested.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn the_core_never_uses_the_ffi_module() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let ffi = src().join("ffi");
    let offenders: Vec<String> = files
        .iter()
        .filter(|p| !p.starts_with(&ffi) && !p.ends_with("lib.rs"))
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            text.contains("crate::ffi") || text.contains("super::ffi")
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(files.len() > 10, "no sources found");
    assert!(offenders.is_empty(), "core files using ffi: {offenders:?}");
}

#[test]
fn connection_engine_files_are_small_and_unit_tested() {
    let mut files = Vec::new();
    rust_files(&src().join("conn"), &mut files);
    assert!(files.len() >= 8, "{files:?}");
    for p in files {
        let text = std::fs::read_to_string(&p).unwrap();
        let lines = text.lines().count();
        assert!(lines <= 800, "{} has {lines} lines", p.display());
        assert!(text.contains("cfg(test)"), "{} has no unit tests", p.display());
    }
}

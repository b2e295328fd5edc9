//! No OpenSSL anywhere: not in the crate's dependency tree (`cargo tree`),
//! not among the shared libraries `libnats.so` loads (`ldd`), not among the
//! symbols the static archive needs (`nm`). TLS is rustls + ring.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Crates that would bring OpenSSL (or a binding to it) in. (`openssl-probe`,
/// used by rustls-native-certs, is pure Rust: it only looks for the system's
/// CA bundle paths, the way OpenSSL would, and links nothing.)
const FORBIDDEN_CRATES: &[&str] = &["openssl", "openssl-sys", "openssl-src", "openssl-macros", "native-tls"];

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The shared library cargo built next to this test (target/<profile>/deps),
/// or `$RNATS_LIBNATS_SO` when set (e.g. the CMake-staged library).
fn libnats_so() -> PathBuf {
    if let Some(p) = std::env::var_os("RNATS_LIBNATS_SO").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    for dir in [deps, deps.parent().unwrap()] {
        let p = dir.join("libnats.so");
        if p.is_file() {
            return p;
        }
    }
    panic!(
        "libnats.so not found next to {} (cargo builds it with the tests)",
        exe.display()
    );
}

#[test]
fn cargo_tree_has_no_openssl() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    // Every dependency kind (normal, build, dev) for this platform (other
    // platforms' crates may not be downloaded here).
    let tree = run(Command::new(cargo)
        .args(["tree", "--prefix", "none", "-e", "all"])
        .arg("--manifest-path")
        .arg(&manifest));
    assert!(tree.contains("rustls"), "unexpected cargo tree output:\n{tree}");
    for line in tree.lines() {
        let name = line.split_whitespace().next().unwrap_or("");
        assert!(
            !FORBIDDEN_CRATES.contains(&name),
            "OpenSSL crate in the dependency tree: {line}"
        );
    }
}

#[test]
fn shared_library_does_not_load_libssl_or_libcrypto() {
    let so = libnats_so();
    let ldd = run(Command::new("ldd").arg(&so));
    assert!(
        ldd.contains("libc.so"),
        "unexpected ldd output for {}:\n{ldd}",
        so.display()
    );
    for line in ldd.lines() {
        assert!(
            !line.contains("libssl") && !line.contains("libcrypto"),
            "{} links OpenSSL: {line}",
            so.display()
        );
    }
    // The same from the ELF header, independent of what ldd resolves.
    let dynamic = run(Command::new("readelf").arg("-d").arg(&so));
    for line in dynamic.lines().filter(|l| l.contains("(NEEDED)")) {
        assert!(!line.contains("libssl") && !line.contains("libcrypto"), "{line}");
    }
}

#[test]
fn static_archive_needs_no_openssl_symbols() {
    let so = libnats_so();
    let archive = so.with_file_name("libnats.a");
    if !archive.is_file() {
        // Only the shared library was given via RNATS_LIBNATS_SO.
        assert!(
            std::env::var_os("RNATS_LIBNATS_SO").is_some(),
            "{} missing",
            archive.display()
        );
        return;
    }
    let undefined = run(Command::new("nm").args(["-u", "--quiet"]).arg(&archive));
    for sym in undefined.split_whitespace() {
        assert!(
            !(sym.starts_with("SSL_")
                || sym.starts_with("OPENSSL_")
                || sym.starts_with("EVP_")
                || sym.starts_with("X509_")
                || sym.starts_with("ERR_get_error")),
            "the static archive needs OpenSSL symbol {sym}"
        );
    }
}

//! The checked-in C header must be exactly what cbindgen generates from
//! the sources. `UPDATE_HEADER=1 cargo test --test header` rewrites it.

use std::path::Path;

#[test]
fn checked_in_header_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(root)
        .with_config(config)
        .generate()
        .expect("cbindgen failed");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let path = root.join("include/nats/nats.h");
    if std::env::var_os("UPDATE_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write header");
        return;
    }
    let current = std::fs::read(&path).unwrap_or_default();
    assert!(
        current == generated,
        "include/nats/nats.h is stale: run `UPDATE_HEADER=1 cargo test --test header` and commit the result"
    );
}

#[test]
fn header_version_matches_crate() {
    let h = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/nats/nats.h")).unwrap();
    assert!(h.contains(&format!("#define NATS_VERSION_STRING \"{}\"", nats::VERSION_STRING)));
    assert!(h.contains(&format!("#define NATS_VERSION_MINOR  {}", nats::VERSION_MINOR)));
}

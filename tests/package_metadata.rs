//! Package metadata that must stay true: the `rust-version` in Cargo.toml
//! is at least what every package in the locked dependency graph declares
//! (normal, build and dev dependencies: cargo enforces `rust-version` for
//! `cargo test` too), read from `cargo metadata --locked --offline`.

use std::path::Path;
use std::process::Command;

fn metadata() -> serde_json::Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--offline",
            "--manifest-path",
        ])
        .arg(root.join("Cargo.toml"))
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata JSON")
}

/// "1.85" / "1.85.0" -> (1, 85, 0).
fn parse_version(v: &str) -> (u64, u64, u64) {
    let mut it = v
        .split('.')
        .map(|p| p.parse::<u64>().unwrap_or_else(|_| panic!("bad rust-version {v:?}")));
    (it.next().unwrap_or(0), it.next().unwrap_or(0), it.next().unwrap_or(0))
}

#[test]
fn rust_version_covers_every_locked_dependency() {
    let meta = metadata();
    let root_id = meta["resolve"]["root"].as_str().expect("root package").to_string();
    let packages = meta["packages"].as_array().unwrap();
    let root = packages.iter().find(|p| p["id"] == root_id.as_str()).unwrap();
    let declared = root["rust_version"].as_str().expect("Cargo.toml declares rust-version");
    let declared_v = parse_version(declared);

    let mut too_new = Vec::new();
    let mut max = (0, 0, 0);
    for p in packages.iter().filter(|p| p["id"] != root_id.as_str()) {
        if let Some(rv) = p["rust_version"].as_str() {
            let v = parse_version(rv);
            max = max.max(v);
            if v > declared_v {
                too_new.push(format!(
                    "{} {} needs {rv}",
                    p["name"].as_str().unwrap(),
                    p["version"].as_str().unwrap()
                ));
            }
        }
    }
    assert!(
        too_new.is_empty(),
        "Cargo.toml says rust-version = {declared:?}, but the locked dependencies need {}.{}.{}:\n  {}",
        max.0,
        max.1,
        max.2,
        too_new.join("\n  ")
    );
}

//! Package metadata that must stay true:
//! - the `rust-version` in Cargo.toml is at least what every package in the
//!   locked dependency graph declares (normal, build and dev dependencies:
//!   cargo enforces `rust-version` for `cargo test` too), read from
//!   `cargo metadata --locked --offline`;
//! - the library version has one source, Cargo.toml's `version`, and every
//!   place that shows it agrees.

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

/// Reads `#define NAME value` from the header.
fn header_define(header: &str, name: &str) -> String {
    let prefix = format!("#define {name} ");
    header
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("nats.h has no {name}"))
        .trim()
        .to_string()
}

#[test]
fn library_version_has_one_source() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let meta = metadata();
    let root_id = meta["resolve"]["root"].as_str().unwrap();
    let pkg = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == root_id)
        .unwrap();
    let version = pkg["version"].as_str().unwrap().to_string();
    let (major, minor, patch) = parse_version(version.split('-').next().unwrap());
    let (major, minor, patch) = (major as u32, minor as u32, patch as u32);

    // The Rust constants and the C functions.
    assert_eq!(nats::VERSION_STRING, version, "VERSION_STRING vs Cargo.toml");
    assert_eq!(
        (nats::VERSION_MAJOR, nats::VERSION_MINOR, nats::VERSION_PATCH),
        (major, minor, patch)
    );
    let number = (major << 16) | (minor << 8) | patch;
    assert_eq!(nats::VERSION_NUMBER, number);
    assert_eq!(nats::VERSION_REQUIRED_NUMBER, (major << 16) | (minor << 8));
    assert_eq!(nats::ffi::library::nats_GetVersionNumber(), number);
    // SAFETY: nats_GetVersion returns a static NUL-terminated string.
    let c = unsafe { std::ffi::CStr::from_ptr(nats::ffi::library::nats_GetVersion()) };
    assert_eq!(c.to_str().unwrap(), version, "nats_GetVersion()");

    // The generated header's macros.
    let header = std::fs::read_to_string(root.join("include/nats/nats.h")).unwrap();
    assert_eq!(header_define(&header, "NATS_VERSION_MAJOR"), major.to_string());
    assert_eq!(header_define(&header, "NATS_VERSION_MINOR"), minor.to_string());
    assert_eq!(header_define(&header, "NATS_VERSION_PATCH"), patch.to_string());
    assert_eq!(header_define(&header, "NATS_VERSION_STRING"), format!("\"{version}\""));
    let required = header_define(&header, "NATS_VERSION_REQUIRED_NUMBER");
    let required = u32::from_str_radix(required.trim_start_matches("0x"), 16).unwrap();
    assert_eq!(required, nats::VERSION_REQUIRED_NUMBER);

    // CMake (project() version, libnats.pc, the package version file).
    let cmake_lists = std::fs::read_to_string(root.join("CMakeLists.txt")).unwrap();
    assert!(
        cmake_lists.contains("project(cnats VERSION ${RNATS_VERSION_NUMERIC}"),
        "CMakeLists.txt project()"
    );
    let pc = std::fs::read_to_string(root.join("cmake/libnats.pc.in")).unwrap();
    assert!(pc.contains("Version: @RNATS_VERSION@"), "libnats.pc.in Version");
    match Command::new("cmake")
        .arg(format!("-DSOURCE_DIR={}", root.display()))
        .arg("-P")
        .arg(root.join("cmake/rnats_version.cmake"))
        .output()
    {
        Ok(out) => {
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            assert_eq!(
                String::from_utf8_lossy(&out.stderr).trim(),
                version,
                "cmake/rnats_version.cmake"
            );
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => eprintln!("cmake not installed: CMake side skipped"),
        Err(e) => panic!("running cmake: {e}"),
    }

    // Doxygen gets it from docs/api/build.sh.
    let doxyfile = std::fs::read_to_string(root.join("docs/api/Doxyfile")).unwrap();
    assert!(
        doxyfile.contains("PROJECT_NUMBER         = $(RNATS_VERSION)"),
        "Doxyfile PROJECT_NUMBER"
    );

    // No second copy written by hand in the files that derive it.
    for file in [
        "src/lib.rs",
        "src/ffi/library.rs",
        "build.rs",
        "cbindgen.toml",
        "cmake/libnats.pc.in",
        "cmake/cnats-config.cmake.in",
        "docs/api/Doxyfile",
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        assert!(
            !text.contains(&version),
            "{file} spells out the version {version}: derive it from Cargo.toml"
        );
    }
    let code: String = cmake_lists
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect();
    assert!(
        !code.contains(&version),
        "CMakeLists.txt spells out the version {version}"
    );
}

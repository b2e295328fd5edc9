//! The checked-in C header must be exactly what cbindgen generates from
//! the sources. `UPDATE_HEADER=1 cargo test --test header` rewrites it.

use std::path::Path;

#[test]
fn checked_in_header_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    for text in [&mut config.header, &mut config.after_includes, &mut config.trailer]
        .into_iter()
        .flatten()
    {
        *text = with_version(text);
    }
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

/// Fills cbindgen.toml's version placeholders from Cargo.toml's version.
fn with_version(text: &str) -> String {
    let out = text
        .replace("@VERSION_MAJOR@", env!("CARGO_PKG_VERSION_MAJOR"))
        .replace("@VERSION_MINOR@", env!("CARGO_PKG_VERSION_MINOR"))
        .replace("@VERSION_PATCH@", env!("CARGO_PKG_VERSION_PATCH"))
        .replace("@VERSION@", env!("CARGO_PKG_VERSION"))
        .replace(
            "@VERSION_REQUIRED_NUMBER@",
            &format!("0x{:06X}", nats::VERSION_REQUIRED_NUMBER),
        );
    assert!(
        !out.contains("@VERSION"),
        "unknown version placeholder in cbindgen.toml"
    );
    out
}

#[test]
fn header_version_matches_crate() {
    let h = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/nats/nats.h")).unwrap();
    assert!(h.contains(&format!("#define NATS_VERSION_STRING \"{}\"", nats::VERSION_STRING)));
    assert!(h.contains(&format!("#define NATS_VERSION_MINOR  {}", nats::VERSION_MINOR)));
}

/// cnats' nats.h includes <stdlib.h>, <stdint.h>, <stdbool.h>, <inttypes.h>
/// and <stdio.h>, and real programs rely on that: a program that includes
/// only <nats/nats.h> may use `PRIu64`, `getenv`, `exit` and `free`.
/// Compiled (syntax only) as C99 and as C++11 with implicit declarations
/// made errors; skipped only when no C compiler is installed.
#[test]
fn header_includes_what_cnats_includes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let include = root.join("include");
    let dir = tempfile::tempdir().unwrap();
    let src = "#include <nats/nats.h>\n\
        int main(void)\n\
        {\n\
            uint64_t n = (uint64_t) NATS_VERSION_NUMBER;\n\
            const char *url = getenv(\"NATS_URL\");\n\
            char *copy = (char *) malloc(32);\n\
            bool ok = (copy != NULL);\n\
            if (!ok)\n\
                exit(2);\n\
            snprintf(copy, 32, \"%\" PRIu64, n);\n\
            printf(\"%s %s\\n\", copy, url != NULL ? url : NATS_DEFAULT_URL);\n\
            free(copy);\n\
            exit(0);\n\
        }\n";
    let cases: [(&str, &str, &[&str]); 2] = [
        (
            "prog.c",
            "cc",
            &["-std=c99", "-pedantic", "-Werror=implicit-function-declaration"],
        ),
        ("prog.cpp", "c++", &["-std=c++11", "-pedantic"]),
    ];
    for (file, compiler, flags) in cases {
        let path = dir.path().join(file);
        std::fs::write(&path, src).unwrap();
        let out = match std::process::Command::new(compiler)
            .args(flags)
            .args(["-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-I"])
            .arg(&include)
            .arg(&path)
            .output()
        {
            Ok(out) => out,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("{compiler} not installed: skipped");
                continue;
            }
            Err(e) => panic!("running {compiler}: {e}"),
        };
        assert!(
            out.status.success(),
            "{compiler} {file} with only <nats/nats.h>:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

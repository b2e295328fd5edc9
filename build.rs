//! Build script: compiles src/ffi/micro_errorf.c (the C-variadic
//! microError constructors) and gives the shared library cnats' soname, so programs
//! linked against `libnats.so` load `libnats.so.<major>.<minor>` at run
//! time (the same SOVERSION cnats uses; the version is Cargo.toml's).
//! Writes nothing outside Cargo's OUT_DIR.
//!
//! No linker version script is added: rustc already links the cdylib with
//! its own (anonymous) version script that exports only the `#[no_mangle]`
//! extern functions, and GNU ld rejects a second anonymous one
//! ("anonymous version tag cannot be combined with other version tags").
//! `tests/symbols/check.sh` (CTest `c_exported_symbols`) checks the result:
//! only the functions nats.h declares are exported.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    // The printf-style microError constructors (C-variadic: see
    // src/ffi/micro_error.rs for why they are written in C).
    println!("cargo:rerun-if-changed=src/ffi/micro_errorf.c");
    cc::Build::new()
        .file("src/ffi/micro_errorf.c")
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        .compile("rnats_micro_errorf");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" {
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap();
        let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap();
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libnats.so.{major}.{minor}");
    }
}

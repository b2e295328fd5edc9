//! Build script: only gives the shared library cnats' soname, so programs
//! linked against `libnats.so` load `libnats.so.3.14` at run time (the
//! same major.minor SOVERSION cnats uses). Writes nothing anywhere.
//!
//! No linker version script is added: rustc already links the cdylib with
//! its own (anonymous) version script that exports only the `#[no_mangle]`
//! extern functions, and GNU ld rejects a second anonymous one
//! ("anonymous version tag cannot be combined with other version tags").
//! `tests/symbols/check.sh` (CTest `c_exported_symbols`) checks the result:
//! only the functions nats.h declares are exported.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libnats.so.3.14");
    }
}

//! Build script: only gives the shared library cnats' soname, so programs
//! linked against `libnats.so` load `libnats.so.3.14` at run time (the
//! same major.minor SOVERSION cnats uses). Writes nothing anywhere.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libnats.so.3.14");
    }
}

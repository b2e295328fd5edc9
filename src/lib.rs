//! rnats: the NATS C client API (cnats' `nats.h`) implemented in Rust.
//!
//! Layout (see `docs/architecture.md`):
//! - the core — protocol, options, auth, TLS, connection engine,
//!   subscriptions, messages — is safe Rust with no raw pointers;
//! - [`ffi`] is the thin C ABI over it, one file per section of `nats.h`.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod auth;
pub mod conn;
pub mod error;
pub mod js;
pub mod kv;
pub mod micro;
pub mod msg;
pub mod nuid;
pub mod obj;
pub mod options;
pub mod proto;
pub mod runtime;
pub mod status;
pub mod subject;
pub mod tls;
pub mod url;
pub mod ws;

#[cfg(feature = "test-hooks")]
pub mod testhooks;

pub mod ffi;

pub use error::{Error, Result};
pub use status::natsStatus;

const fn parse_version_part(s: &str) -> u32 {
    let b = s.as_bytes();
    let mut v = 0u32;
    let mut i = 0;
    while i < b.len() {
        assert!(b[i].is_ascii_digit(), "version part is not a number");
        v = v * 10 + (b[i] - b'0') as u32;
        i += 1;
    }
    v
}

// The version comes from Cargo.toml's `version` (the cnats API level this
// library implements), its one source; see the comment there.
pub const VERSION_MAJOR: u32 = parse_version_part(env!("CARGO_PKG_VERSION_MAJOR"));
pub const VERSION_MINOR: u32 = parse_version_part(env!("CARGO_PKG_VERSION_MINOR"));
pub const VERSION_PATCH: u32 = parse_version_part(env!("CARGO_PKG_VERSION_PATCH"));
/// The version string reported by `nats_GetVersion` and sent in CONNECT.
pub const VERSION_STRING: &str = env!("CARGO_PKG_VERSION");
pub const VERSION_NUMBER: u32 = (VERSION_MAJOR << 16) | (VERSION_MINOR << 8) | VERSION_PATCH;
/// Headers older than this API level (major.minor.0) are not compatible
/// with this library.
pub const VERSION_REQUIRED_NUMBER: u32 = (VERSION_MAJOR << 16) | (VERSION_MINOR << 8);

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
pub mod msg;
pub mod nuid;
pub mod options;
pub mod proto;
pub mod runtime;
pub mod status;
pub mod subject;
pub mod tls;
pub mod url;

#[cfg(feature = "test-hooks")]
pub mod testhooks;

pub mod ffi;

pub use error::{Error, Result};
pub use status::natsStatus;

/// The cnats API level this library implements (cnats 3.14).
pub const VERSION_MAJOR: u32 = 3;
pub const VERSION_MINOR: u32 = 14;
pub const VERSION_PATCH: u32 = 0;
/// The version string reported by `nats_GetVersion` and sent in CONNECT.
pub const VERSION_STRING: &str = "3.14.0";
pub const VERSION_NUMBER: u32 = (VERSION_MAJOR << 16) | (VERSION_MINOR << 8) | VERSION_PATCH;
/// Headers older than this API level are not compatible with this library.
pub const VERSION_REQUIRED_NUMBER: u32 = 0x030E00;

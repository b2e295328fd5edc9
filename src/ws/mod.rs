//! WebSocket transport (`ws://`, `wss://`), beyond cnats.
//!
//! tungstenite supplies the parts it does well (frame header parsing and
//! formatting, the upgrade key, the accept-key derivation and HTTP response
//! parsing); its `WebSocket<S>` is not used because it needs `&mut` for
//! both reading and writing, which would serialize the engine's reader
//! thread and its flusher. Here the read side ([`frame::FrameReader`]) is
//! owned by the reader and the write side (masking keys, framing) by the
//! writer, each behind its own lock (see `stream.rs`).
//!
//! - `frame.rs`: the frame state machine and the client frame encoder (no I/O)
//! - `handshake.rs`: the HTTP/1.1 upgrade request and response checks
//! - `stream.rs`: [`WsStream`], the byte stream the engine reads and writes

pub mod frame;
pub mod handshake;
pub mod stream;

pub use frame::WsError;
pub use stream::WsStream;

/// Default port of a `ws://` URL without one (as nats.go).
pub const DEFAULT_WS_PORT: u16 = 80;
/// Default port of a `wss://` URL without one (as nats.go).
pub const DEFAULT_WSS_PORT: u16 = 443;

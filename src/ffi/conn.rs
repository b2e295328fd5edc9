//! `connGroup`: connection lifecycle, state and information (in progress).
use super::handle::{ArcCastable, Castable};

/// A connection to a NATS server (opaque).
pub struct natsConnection {
    _private: [u8; 0],
}
impl Castable for natsConnection {
    type RustType = crate::conn::Connection;
}
impl ArcCastable for natsConnection {}

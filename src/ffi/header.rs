//! Standalone header maps (`natsHeader_*`) (in progress).
use super::handle::{BoxCastable, Castable};

/// A map of header keys to one or more values (opaque).
pub struct natsHeader {
    _private: [u8; 0],
}
impl Castable for natsHeader {
    type RustType = crate::proto::headers::Headers;
}
impl BoxCastable for natsHeader {}

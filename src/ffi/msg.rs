//! `msgGroup`: messages and their headers (in progress).
use super::handle::{BoxCastable, Castable};

/// A message: subject, optional reply, headers and data (opaque).
pub struct natsMsg {
    _private: [u8; 0],
}
impl Castable for natsMsg {
    type RustType = crate::msg::Msg;
}
impl BoxCastable for natsMsg {}

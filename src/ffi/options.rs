//! `optsGroup`: connection options (in progress).
use super::handle::{BoxCastable, Castable};
use crate::options::Options;
use parking_lot::Mutex;

/// Options for creating a connection (opaque).
pub struct natsOptions {
    _private: [u8; 0],
}
impl Castable for natsOptions {
    type RustType = Mutex<Options>;
}
impl BoxCastable for natsOptions {}

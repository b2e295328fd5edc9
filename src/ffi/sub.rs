//! `subGroup`: subscription control (in progress).
use super::handle::{ArcCastable, Castable};

/// Interest in a subject (opaque).
pub struct natsSubscription {
    _private: [u8; 0],
}
impl Castable for natsSubscription {
    type RustType = crate::conn::sub::Subscription;
}
impl ArcCastable for natsSubscription {}

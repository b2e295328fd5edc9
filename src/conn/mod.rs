//! The connection engine (in progress).
pub mod sub;

pub struct Connection {}

//! Library lifecycle (in progress).
pub fn default_to_global_delivery() -> bool {
    false
}

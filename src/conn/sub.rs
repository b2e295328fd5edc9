//! Subscriptions (in progress).
pub struct Subscription {}

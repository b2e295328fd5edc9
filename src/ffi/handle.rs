//! Conversions between opaque C handles and Rust objects.
//!
//! Each opaque C type (`natsConnection`, `natsOptions`, …) names the Rust
//! type behind it and how it is owned:
//! - `Box` handles (options, messages, statistics, headers) have one owner,
//!   the C program, which frees them with the matching `_Destroy`.
//! - `Arc` handles (connections, subscriptions) are shared with library
//!   threads; the C program holds one strong reference, released by
//!   `_Destroy`. A callback receives the same pointer the program holds.

use crate::error::{Error, Result};
use std::sync::Arc;

/// An opaque C type and the Rust type it stands for.
pub(crate) trait Castable {
    type RustType;
}

/// Marker: the handle is a `Box<RustType>`.
pub(crate) trait BoxCastable: Castable {}
/// Marker: the handle is an `Arc<RustType>`.
pub(crate) trait ArcCastable: Castable {}

fn null_arg(name: &str) -> Error {
    Error::invalid_arg(format!("invalid argument: '{name}' is NULL"))
}

// ---- Box handles ----

pub(crate) fn box_into_raw<C: BoxCastable>(v: C::RustType) -> *mut C {
    Box::into_raw(Box::new(v)) as *mut C
}

/// Borrows a Box handle; NULL → `NATS_INVALID_ARG`.
///
/// # Safety
/// `p` is NULL or a pointer made by [`box_into_raw`] for this handle type that C has not destroyed
/// yet; nothing mutates the object during `'a`.
pub(crate) unsafe fn box_ref<'a, C: BoxCastable>(p: *const C, name: &str) -> Result<&'a C::RustType> {
    // SAFETY: a non-NULL pointer of this type was made by `box_into_raw`.
    unsafe { (p as *const C::RustType).as_ref() }.ok_or_else(|| null_arg(name))
}

/// Mutably borrows a Box handle; NULL → `NATS_INVALID_ARG`.
///
/// # Safety
/// as for [`box_ref`], and no other reference to the object is used during `'a` (cnats: a Box
/// handle is not used from two threads at once).
pub(crate) unsafe fn box_mut<'a, C: BoxCastable>(p: *mut C, name: &str) -> Result<&'a mut C::RustType> {
    // SAFETY: a non-NULL pointer of this type was made by `box_into_raw`
    // and is live (contract); C promises no concurrent use of a Box
    // handle, so this exclusive borrow is unique for `'a`.
    unsafe { (p as *mut C::RustType).as_mut() }.ok_or_else(|| null_arg(name))
}

/// Takes ownership back from C (for `_Destroy`); NULL → `None`.
///
/// # Safety
/// `p` is NULL or a pointer made by [`box_into_raw`] for this handle type; C gives it up with this
/// call and never uses it again.
pub(crate) unsafe fn box_take<C: BoxCastable>(p: *mut C) -> Option<Box<C::RustType>> {
    if p.is_null() {
        None
    } else {
        // SAFETY: made by `box_into_raw`, and C gives up its pointer.
        Some(unsafe { Box::from_raw(p as *mut C::RustType) })
    }
}

// ---- Arc handles ----

pub(crate) fn arc_into_raw<C: ArcCastable>(v: Arc<C::RustType>) -> *mut C {
    Arc::into_raw(v) as *mut C
}

/// The handle for an `Arc` without giving out a new reference (for
/// passing to callbacks while the caller holds a clone).
pub(crate) fn arc_as_ptr<C: ArcCastable>(v: &Arc<C::RustType>) -> *mut C {
    Arc::as_ptr(v) as *mut C
}

/// Borrows an Arc handle; NULL → `NATS_INVALID_ARG`.
///
/// # Safety
/// `p` is NULL or a pointer made by [`arc_into_raw`] for this handle type whose reference C still
/// holds for `'a`.
pub(crate) unsafe fn arc_ref<'a, C: ArcCastable>(p: *const C, name: &str) -> Result<&'a C::RustType> {
    // SAFETY: a non-NULL pointer of this type was made by `arc_into_raw`
    // and C still holds its reference.
    unsafe { (p as *const C::RustType).as_ref() }.ok_or_else(|| null_arg(name))
}

/// A new strong reference from a handle; NULL → `NATS_INVALID_ARG`.
///
/// # Safety
/// as for [`arc_ref`] (C's reference keeps the count at least 1 while we add ours).
pub(crate) unsafe fn arc_clone<C: ArcCastable>(p: *const C, name: &str) -> Result<Arc<C::RustType>> {
    if p.is_null() {
        return Err(null_arg(name));
    }
    let p = p as *const C::RustType;
    // SAFETY: made by `arc_into_raw`; C's reference keeps the count ≥ 1.
    unsafe {
        Arc::increment_strong_count(p);
        Ok(Arc::from_raw(p))
    }
}

/// Releases C's reference (for `_Destroy`); NULL → `None`.
///
/// # Safety
/// `p` is NULL or a pointer made by [`arc_into_raw`]; C gives up its reference with this call and
/// never uses the pointer again.
pub(crate) unsafe fn arc_take<C: ArcCastable>(p: *const C) -> Option<Arc<C::RustType>> {
    if p.is_null() {
        None
    } else {
        // SAFETY: made by `arc_into_raw`; C gives up its reference.
        Some(unsafe { Arc::from_raw(p as *const C::RustType) })
    }
}

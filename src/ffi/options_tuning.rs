//! `optsGroup`, continued: message delivery, request style and protocol
//! tuning (the options object itself is in `options.rs`).

use super::cstr;
use super::guard;
use super::options::{check, lock_options, natsOptions};
use crate::status::natsStatus;
use libc::{c_char, c_int};

// ---- delivery and protocol tuning ----

/// When `true`, asynchronous subscriptions of connections made with these
/// options deliver their messages from the library's shared threads
/// instead of one thread per subscription.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_UseGlobalMessageDelivery(opts: *mut natsOptions, global: bool) -> natsStatus {
    guard("natsOptions_UseGlobalMessageDelivery", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.use_global_delivery = global;
        Ok(())
    })
}

/// Chooses which IP families are tried, in order, when resolving host
/// names: 0 (any, as the resolver returns them), 4, 6, 46 (IPv4 then IPv6)
/// or 64 (IPv6 then IPv4).
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL or `order` is another
/// value.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_IPResolutionOrder(opts: *mut natsOptions, order: c_int) -> natsStatus {
    guard("natsOptions_IPResolutionOrder", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        check(matches!(order, 0 | 4 | 6 | 46 | 64), || {
            format!("invalid IP resolution order {order}")
        })?;
        o.ip_resolution_order = order;
        Ok(())
    })
}

/// When `true`, published data is written to the socket by the publishing
/// thread right away instead of being buffered for the flusher.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetSendAsap(opts: *mut natsOptions, sendAsap: bool) -> natsStatus {
    guard("natsOptions_SetSendAsap", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.send_asap = sendAsap;
        Ok(())
    })
}

/// Sets how long, in microseconds, the flusher waits to gather more data
/// before writing buffered publishes (0, the default, means no wait).
/// Under load (the previous write ended less than this long ago) the
/// flusher lets publishes accumulate until this long after that write and
/// writes them together; a lone publish after a quiet period, a flush and
/// a full I/O buffer are written at once.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL or `flusherWaitUs` is
/// negative.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetFlusherWaitMicros(opts: *mut natsOptions, flusherWaitUs: i64) -> natsStatus {
    guard("natsOptions_SetFlusherWaitMicros", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        check(flusherWaitUs >= 0, || format!("invalid flusher wait {flusherWaitUs}"))?;
        o.flusher_wait_us = flusherWaitUs;
        Ok(())
    })
}

/// When `true`, each request uses its own inbox subscription instead of
/// the connection's shared response subscription.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_UseOldRequestStyle(opts: *mut natsOptions, useOldStyle: bool) -> natsStatus {
    guard("natsOptions_UseOldRequestStyle", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.old_request_style = useOldStyle;
        Ok(())
    })
}

/// When `true`, requests waiting for a reply fail as soon as the
/// connection is lost instead of waiting for their timeout.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetFailRequestsOnDisconnect(
    opts: *mut natsOptions,
    failRequests: bool,
) -> natsStatus {
    guard("natsOptions_SetFailRequestsOnDisconnect", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.fail_requests_on_disconnect = failRequests;
        Ok(())
    })
}

/// When `true`, the server does not deliver to this connection the
/// messages it publishes itself.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetNoEcho(opts: *mut natsOptions, noEcho: bool) -> natsStatus {
    guard("natsOptions_SetNoEcho", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.no_echo = noEcho;
        Ok(())
    })
}

/// Sets how long, in milliseconds, a write to the socket may block before
/// the connection is considered broken (0, the default, means no limit).
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL or `deadline` is
/// negative.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetWriteDeadline(opts: *mut natsOptions, deadline: i64) -> natsStatus {
    guard("natsOptions_SetWriteDeadline", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        check(deadline >= 0, || format!("invalid write deadline {deadline}"))?;
        o.write_deadline_ms = deadline;
        Ok(())
    })
}

/// When `true`, the server is not asked to answer requests that have no
/// subscriber with a "no responders" status; such requests then time out.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_DisableNoResponders(opts: *mut natsOptions, disabled: bool) -> natsStatus {
    guard("natsOptions_DisableNoResponders", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.disable_no_responders = disabled;
        Ok(())
    })
}

/// Replaces `_INBOX` as the prefix of the inboxes the connection creates
/// (for requests). The prefix must be a valid subject without wildcard
/// tokens (`*`, `>`). NULL or an empty string restores the default. The
/// string is copied.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL or the prefix is invalid;
/// the setting is then left unchanged.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetCustomInboxPrefix(
    opts: *mut natsOptions,
    inboxPrefix: *const c_char,
) -> natsStatus {
    guard("natsOptions_SetCustomInboxPrefix", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        // SAFETY: `inboxPrefix` is NULL (clears) or, by the C contract, a
        // NUL-terminated string valid for the call.
        let p = unsafe { cstr::opt_str(inboxPrefix, "inboxPrefix") }?;
        if let Some(p) = p {
            crate::subject::check_inbox_prefix(p.as_bytes())?;
        }
        o.inbox_prefix = p.map(str::to_string);
        Ok(())
    })
}

/// Reserves `paddingSize` extra bytes after the data of each message the
/// connection receives: the data is followed by its terminating NUL and
/// then `paddingSize` bytes, all zero, that belong to the message's
/// buffer (the program may write into them, e.g. to decode in place),
/// until `natsMsg_Destroy`. They are not part of the data. Messages made
/// with `natsMsg_Create` are not padded. The default is 0.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL or `paddingSize` is
/// negative.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetMessageBufferPadding(opts: *mut natsOptions, paddingSize: c_int) -> natsStatus {
    guard("natsOptions_SetMessageBufferPadding", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        check(paddingSize >= 0, || {
            format!("invalid message buffer padding {paddingSize}")
        })?;
        o.msg_buffer_padding = paddingSize;
        Ok(())
    })
}

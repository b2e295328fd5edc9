//! `optsGroup`, continued: reconnect settings, pending limits and the
//! connection event callbacks (the options object itself is in
//! `options.rs`).

use super::callbacks::{
    conn_callback, delay_callback, err_callback, natsConnectionHandler, natsCustomReconnectDelayHandler, natsErrHandler,
};
use super::callbacks::{natsProxyConnHandler, proxy_conn_callback};
use super::guard;
use super::options::{check, lock_options, natsOptions};
use crate::status::natsStatus;
use libc::{c_int, c_void};

// ---- reconnect ----

/// Allows (the default) or forbids reconnecting after the connection to
/// the server is lost.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetAllowReconnect(opts: *mut natsOptions, allow: bool) -> natsStatus {
    guard("natsOptions_SetAllowReconnect", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.allow_reconnect = allow;
        Ok(())
    })
}

/// When `true`, a generic `-ERR` from the server is handled like a lost
/// connection (disconnect, then reconnect) instead of closing the
/// connection. Off by default.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetReconnectOnProtocolError(
    opts: *mut natsOptions,
    reconnect: bool,
) -> natsStatus {
    guard("natsOptions_SetReconnectOnProtocolError", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.reconnect_on_protocol_error = reconnect;
        Ok(())
    })
}

/// Sets how many reconnect attempts are made per server before giving up
/// (a negative value means no limit). The default is 60.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetMaxReconnect(opts: *mut natsOptions, maxReconnect: c_int) -> natsStatus {
    guard("natsOptions_SetMaxReconnect", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.max_reconnect = maxReconnect;
        Ok(())
    })
}

/// Sets the delay, in milliseconds, before trying to reconnect to a server
/// that was already tried. The default is 2000 ms.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL or `reconnectWait` is
/// negative.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetReconnectWait(opts: *mut natsOptions, reconnectWait: i64) -> natsStatus {
    guard("natsOptions_SetReconnectWait", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        check(reconnectWait >= 0, || format!("invalid reconnect wait {reconnectWait}"))?;
        o.reconnect_wait_ms = reconnectWait;
        Ok(())
    })
}

/// Sets the maximum random delay, in milliseconds, added to the reconnect
/// wait: `jitter` for plain connections (default 100 ms) and `jitterTLS`
/// for TLS connections (default 1000 ms).
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL or either value is
/// negative.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetReconnectJitter(
    opts: *mut natsOptions,
    jitter: i64,
    jitterTLS: i64,
) -> natsStatus {
    guard("natsOptions_SetReconnectJitter", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        check(jitter >= 0 && jitterTLS >= 0, || {
            format!("invalid reconnect jitter {jitter}/{jitterTLS}")
        })?;
        o.reconnect_jitter_ms = jitter;
        o.reconnect_jitter_tls_ms = jitterTLS;
        Ok(())
    })
}

/// Sets a callback that returns the delay, in milliseconds, to wait before
/// the next reconnect attempt, once every server in the list has been
/// tried; the reconnect wait and jitter are then not used. It is called
/// once per pass over the server list, from the library's reconnect
/// thread, with the connection, the number of passes so far (1 for the
/// first) and `closure`. NULL removes the callback.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetCustomReconnectDelay(
    opts: *mut natsOptions,
    cb: natsCustomReconnectDelayHandler,
    closure: *mut c_void,
) -> natsStatus {
    guard("natsOptions_SetCustomReconnectDelay", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.custom_reconnect_delay = delay_callback(cb, closure);
        Ok(())
    })
}

/// Sets the size, in bytes, of the buffer that keeps messages published
/// while reconnecting or connecting in the background (default 8 MiB).
/// When it is full, publishing fails with `NATS_INSUFFICIENT_BUFFER`.
/// 0 buffers nothing: every publish while disconnected fails (what cnats'
/// engine does, although its documentation says 0 means the default).
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL or `reconnectBufSize` is
/// negative.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetReconnectBufSize(
    opts: *mut natsOptions,
    reconnectBufSize: c_int,
) -> natsStatus {
    guard("natsOptions_SetReconnectBufSize", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        check(reconnectBufSize >= 0, || {
            format!("invalid reconnect buffer size {reconnectBufSize}")
        })?;
        o.reconnect_buf_size = reconnectBufSize;
        Ok(())
    })
}

// ---- subscription limits ----

/// Sets the default number of messages a subscription may hold undelivered
/// before it becomes a slow consumer and drops messages (default 65536).
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL or `maxPending` is not
/// positive.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetMaxPendingMsgs(opts: *mut natsOptions, maxPending: c_int) -> natsStatus {
    guard("natsOptions_SetMaxPendingMsgs", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        check(maxPending > 0, || format!("invalid max pending messages {maxPending}"))?;
        o.max_pending_msgs = maxPending;
        Ok(())
    })
}

/// Sets the default number of bytes a subscription may hold undelivered
/// before it becomes a slow consumer and drops messages.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL or `maxPending` is not
/// positive.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetMaxPendingBytes(opts: *mut natsOptions, maxPending: i64) -> natsStatus {
    guard("natsOptions_SetMaxPendingBytes", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        check(maxPending > 0, || format!("invalid max pending bytes {maxPending}"))?;
        o.max_pending_bytes = maxPending;
        Ok(())
    })
}

// ---- event callbacks ----

/// Sets the callback told about asynchronous errors (slow consumer,
/// permission violation, …). It runs on a library thread with the
/// connection, the subscription concerned (or NULL), the error and
/// `closure`. NULL restores the default behaviour.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetErrorHandler(
    opts: *mut natsOptions,
    errHandler: natsErrHandler,
    closure: *mut c_void,
) -> natsStatus {
    guard("natsOptions_SetErrorHandler", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.err_cb = err_callback(errHandler, closure);
        Ok(())
    })
}

/// Sets the callback invoked, on a library thread, once the connection is
/// closed for good. NULL removes it.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetClosedCB(
    opts: *mut natsOptions,
    closedCb: natsConnectionHandler,
    closure: *mut c_void,
) -> natsStatus {
    guard("natsOptions_SetClosedCB", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.closed_cb = conn_callback(closedCb, closure);
        Ok(())
    })
}

/// Sets the callback invoked, on a library thread, when the connection to
/// the server is lost (also before each failed reconnect cycle). NULL
/// removes it.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetDisconnectedCB(
    opts: *mut natsOptions,
    disconnectedCb: natsConnectionHandler,
    closure: *mut c_void,
) -> natsStatus {
    guard("natsOptions_SetDisconnectedCB", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.disconnected_cb = conn_callback(disconnectedCb, closure);
        Ok(())
    })
}

/// Sets the callback invoked, on a library thread, after the connection
/// has been re-established. NULL removes it.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetReconnectedCB(
    opts: *mut natsOptions,
    reconnectedCb: natsConnectionHandler,
    closure: *mut c_void,
) -> natsStatus {
    guard("natsOptions_SetReconnectedCB", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.reconnected_cb = conn_callback(reconnectedCb, closure);
        Ok(())
    })
}

/// Sets the callback invoked, on a library thread, when the server
/// announces servers of its cluster that were not known yet. NULL removes
/// it.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetDiscoveredServersCB(
    opts: *mut natsOptions,
    discoveredServersCb: natsConnectionHandler,
    closure: *mut c_void,
) -> natsStatus {
    guard("natsOptions_SetDiscoveredServersCB", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.discovered_servers_cb = conn_callback(discoveredServersCb, closure);
        Ok(())
    })
}

/// When `true`, servers announced by the cluster are not added to the
/// server list (and the discovered-servers callback is not invoked).
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetIgnoreDiscoveredServers(opts: *mut natsOptions, ignore: bool) -> natsStatus {
    guard("natsOptions_SetIgnoreDiscoveredServers", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.ignore_discovered_servers = ignore;
        Ok(())
    })
}

/// Sets the callback invoked, on a library thread, when the server
/// announces that it is entering lame duck mode (it will soon shut down
/// and close its clients). NULL removes it.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetLameDuckModeCB(
    opts: *mut natsOptions,
    lameDuckCb: natsConnectionHandler,
    closure: *mut c_void,
) -> natsStatus {
    guard("natsOptions_SetLameDuckModeCB", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.lame_duck_cb = conn_callback(lameDuckCb, closure);
        Ok(())
    })
}

/// When `retry` is `true`, a failed initial connect is retried with the
/// reconnect settings. Without `connectedCb`, `natsConnection_Connect`
/// blocks until it connects or runs out of attempts; with it, connect
/// returns `NATS_NOT_YET_CONNECTED` when no server answers at once, keeps
/// trying in the background and calls `connectedCb` (with `closure`) on
/// success. When `retry` is `false` the callback is ignored and cleared.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetRetryOnFailedConnect(
    opts: *mut natsOptions,
    retry: bool,
    connectedCb: natsConnectionHandler,
    closure: *mut c_void,
) -> natsStatus {
    guard("natsOptions_SetRetryOnFailedConnect", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.retry_on_failed_connect = retry;
        o.connected_cb = if retry {
            conn_callback(connectedCb, closure)
        } else {
            None
        };
        Ok(())
    })
}

// ---- proxy ----

/// Sets a handler that opens the socket to a server instead of the
/// library's own TCP connect, e.g. through a SOCKS or HTTP proxy. It is
/// called, from the connecting thread (the caller of
/// `natsConnection_Connect`, or the library's reconnect thread), for the
/// initial connect and again for every reconnect attempt, with a slot for
/// the socket, the server's host (IPv6 without brackets; valid during the
/// call only) and port, and `closure`. On `NATS_OK` the socket in `*fd`
/// must be a connected TCP stream to the server (blocking or not): the
/// connection owns it from then on and closes it. The library then speaks
/// NATS over it, and TLS when a `tls://` URL, `natsOptions_SetSecure` or
/// the server asks for it. Any other status fails the attempt (a socket
/// left in `*fd` is closed); a failed initial connect returns
/// `NATS_NO_SERVER`, as cnats, with the handler's status in the last
/// error text. NULL removes the handler.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetProxyConnHandler(
    opts: *mut natsOptions,
    proxyConnHandler: natsProxyConnHandler,
    closure: *mut c_void,
) -> natsStatus {
    guard("natsOptions_SetProxyConnHandler", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.proxy_conn = proxy_conn_callback(proxyConnHandler, closure);
        Ok(())
    })
}

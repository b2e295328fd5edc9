//! `connGroup`: connection lifecycle, state and information.

use super::cstr;
use super::handle::{arc_into_raw, arc_ref, arc_take, ArcCastable, Castable};
use super::options::{lock_options, natsOptions};
use super::stats::natsStatistics;
use super::{guard, guard_or, not_null, write_out};
use crate::conn::Connection;
use crate::error::Error;
use crate::options::Options;
use crate::status::natsConnStatus::{self, *};
use crate::status::natsStatus::{self, *};
use libc::{c_char, c_int, size_t};

/// A connection to a NATS server (opaque).
pub struct natsConnection {
    _private: [u8; 0],
}
impl Castable for natsConnection {
    type RustType = Connection;
}
impl ArcCastable for natsConnection {}

/// # Safety
/// `nc` is NULL or a handle made by `arc_into_raw::<natsConnection>` (`natsConnection_Connect*`)
/// whose reference the program still holds; the borrow must not outlive the call.
pub(crate) unsafe fn conn_ref<'a>(nc: *mut natsConnection) -> crate::Result<&'a Connection> {
    // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
    // handle the program got from `natsConnection_Connect*` and has not destroyed.
    unsafe { arc_ref::<natsConnection>(nc, "nc") }
}

/// Connects and stores the new handle in `*nc` (also when the connection
/// goes on in the background, as cnats).
///
/// # Safety
/// `nc` is non-NULL (checked by the caller) and points to writable storage
/// for a `natsConnection*`.
unsafe fn connect_with(nc: *mut *mut natsConnection, opts: Options) -> crate::Result<()> {
    let (c, not_yet) = Connection::connect_ex(opts)?;
    // SAFETY: `nc` was checked for NULL by the caller.
    unsafe { write_out(nc, arc_into_raw::<natsConnection>(c)) };
    if not_yet {
        return Err(Error::new(
            NATS_NOT_YET_CONNECTED,
            "not yet connected; connecting in the background",
        ));
    }
    Ok(())
}

/// Connects using `options` (copied; NULL means the default URL
/// `nats://localhost:4222`). On success `*nc` receives the connection,
/// which the caller destroys with `natsConnection_Destroy`. With
/// retry-on-failed-connect and a connected callback, `*nc` is also set
/// when `NATS_NOT_YET_CONNECTED` is returned.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Connect(nc: *mut *mut natsConnection, options: *mut natsOptions) -> natsStatus {
    guard("natsConnection_Connect", || {
        not_null(nc, "nc")?;
        let opts = if options.is_null() {
            Options::default()
        } else {
            // SAFETY: `options` is non-NULL here and, by the C contract, an
            // options handle from `natsOptions_Create` that the program has
            // not destroyed; the guard is dropped before the call returns.
            unsafe { lock_options(options) }?.clone()
        };
        // SAFETY: `nc` was checked non-NULL above and, by the C contract,
        // points to writable storage for the new handle.
        unsafe { connect_with(nc, opts) }
    })
}

/// Connects to a comma-separated list of URLs with default options
/// (NULL or "" means the default URL). The URL forms are those of
/// `natsOptions_SetURL`, WebSocket (`ws://`, `wss://`) included.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_ConnectTo(nc: *mut *mut natsConnection, urls: *const c_char) -> natsStatus {
    guard("natsConnection_ConnectTo", || {
        not_null(nc, "nc")?;
        let mut opts = Options::default();
        // SAFETY: `urls` is NULL (handled) or, by the C contract, a NUL-terminated string that
        // stays valid and unchanged for the duration of the call.
        if let Some(u) = unsafe { cstr::opt_str(urls, "urls") }? {
            opts.url = Some(crate::auth::Secret::from(u));
        }
        // SAFETY: `nc` was checked non-NULL above and, by the C contract,
        // points to writable storage for the new handle.
        unsafe { connect_with(nc, opts) }
    })
}

/// Forces a reconnect: the current socket is closed and the library
/// reconnects as if the server had gone away.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Reconnect(nc: *mut natsConnection) -> natsStatus {
    guard("natsConnection_Reconnect", || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        unsafe { conn_ref(nc) }?.force_reconnect()
    })
}

/// True if the connection is closed (NULL counts as closed).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_IsClosed(nc: *mut natsConnection) -> bool {
    guard_or("natsConnection_IsClosed", true, || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        Ok(unsafe { conn_ref(nc) }?.is_closed())
    })
}

/// True while the connection is reconnecting.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_IsReconnecting(nc: *mut natsConnection) -> bool {
    guard_or("natsConnection_IsReconnecting", false, || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        Ok(unsafe { conn_ref(nc) }?.is_reconnecting())
    })
}

/// True while the connection is draining.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_IsDraining(nc: *mut natsConnection) -> bool {
    guard_or("natsConnection_IsDraining", false, || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        Ok(unsafe { conn_ref(nc) }?.is_draining())
    })
}

/// The connection's state.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Status(nc: *mut natsConnection) -> natsConnStatus {
    guard_or("natsConnection_Status", NATS_CONN_STATUS_CLOSED, || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        Ok(unsafe { conn_ref(nc) }?.status())
    })
}

/// Bytes buffered and not yet sent; -1 for NULL.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Buffered(nc: *mut natsConnection) -> c_int {
    guard_or("natsConnection_Buffered", -1, || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        Ok(unsafe { conn_ref(nc) }?.buffered() as c_int)
    })
}

/// Sends a PING and waits (up to 10 s) for the server's PONG, which means
/// everything sent before has been processed by the server.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Flush(nc: *mut natsConnection) -> natsStatus {
    guard("natsConnection_Flush", || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        unsafe { conn_ref(nc) }?.flush_timeout(10_000)
    })
}

/// Like `natsConnection_Flush` with a timeout in milliseconds (must be > 0).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_FlushTimeout(nc: *mut natsConnection, timeout: i64) -> natsStatus {
    guard("natsConnection_FlushTimeout", || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        unsafe { conn_ref(nc) }?.flush_timeout(timeout)
    })
}

/// The maximum payload the server accepts; 0 for NULL.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetMaxPayload(nc: *mut natsConnection) -> i64 {
    guard_or("natsConnection_GetMaxPayload", 0, || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        Ok(unsafe { conn_ref(nc) }?.max_payload())
    })
}

/// Copies the connection's statistics into `stats` (created with
/// `natsStatistics_Create`).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetStats(nc: *mut natsConnection, stats: *mut natsStatistics) -> natsStatus {
    guard("natsConnection_GetStats", || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        let c = unsafe { conn_ref(nc) }?;
        // SAFETY: `stats` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a
        // statistics object from `natsStatistics_Create` that the program has not destroyed; cnats
        // does not allow concurrent use of it, so this `&mut` is unique for the call.
        let s = unsafe { super::handle::box_mut::<natsStatistics>(stats, "stats") }?;
        *s = c.stats();
        Ok(())
    })
}

/// Copies the URL of the connected server into `buffer`; an empty string
/// when not connected. Too small → `NATS_INSUFFICIENT_BUFFER`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetConnectedUrl(
    nc: *mut natsConnection,
    buffer: *mut c_char,
    bufferSize: size_t,
) -> natsStatus {
    guard("natsConnection_GetConnectedUrl", || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        let c = unsafe { conn_ref(nc) }?;
        not_null(buffer, "buffer")?;
        let u = c.connected_url().unwrap_or_default();
        // SAFETY: `buffer` was checked non-NULL above and by the C contract has `bufferSize`
        // writable bytes, which `copy_to_buffer` never exceeds.
        unsafe { cstr::copy_to_buffer(u.as_bytes(), buffer, bufferSize) }
    })
}

/// Copies the id of the connected server into `buffer`; an empty string
/// when not connected.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetConnectedServerId(
    nc: *mut natsConnection,
    buffer: *mut c_char,
    bufferSize: size_t,
) -> natsStatus {
    guard("natsConnection_GetConnectedServerId", || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        let c = unsafe { conn_ref(nc) }?;
        not_null(buffer, "buffer")?;
        let id = c.connected_server_id().unwrap_or_default();
        // SAFETY: `buffer` was checked non-NULL above and by the C contract has `bufferSize`
        // writable bytes, which `copy_to_buffer` never exceeds.
        unsafe { cstr::copy_to_buffer(id.as_bytes(), buffer, bufferSize) }
    })
}

/// # Safety
/// `servers` and `count` are NULL (refused) or point to writable storage of their types.
unsafe fn servers_out(list: Vec<String>, servers: *mut *mut *mut c_char, count: *mut c_int) -> crate::Result<()> {
    not_null(servers, "servers")?;
    not_null(count, "count")?;
    if list.is_empty() {
        // SAFETY: `servers` and `count` were checked non-NULL just above and, by the C contract,
        // point to writable storage.
        unsafe {
            write_out(servers, std::ptr::null_mut());
            write_out(count, 0);
        }
        return Ok(());
    }
    let items: Vec<Vec<u8>> = list.into_iter().map(|s| s.into_bytes()).collect();
    let arr = cstr::malloc_string_array(&items)?;
    // SAFETY: as above: both outputs are non-NULL and writable.
    unsafe {
        write_out(servers, arr);
        write_out(count, items.len() as c_int);
    }
    Ok(())
}

/// The URLs of every server in the pool. The caller frees each string and
/// then the array with `free()`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetServers(
    nc: *mut natsConnection,
    servers: *mut *mut *mut c_char,
    count: *mut c_int,
) -> natsStatus {
    guard("natsConnection_GetServers", || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        let c = unsafe { conn_ref(nc) }?;
        // SAFETY: `servers_out` checks both outputs for NULL itself and requires only that a
        // non-NULL one be writable (C contract).
        unsafe { servers_out(c.servers(false), servers, count) }
    })
}

/// The URLs of servers learned from the cluster (not given in options).
/// The caller frees each string and the array with `free()`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetDiscoveredServers(
    nc: *mut natsConnection,
    servers: *mut *mut *mut c_char,
    count: *mut c_int,
) -> natsStatus {
    guard("natsConnection_GetDiscoveredServers", || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        let c = unsafe { conn_ref(nc) }?;
        // SAFETY: as for `natsConnection_GetServers`: `servers_out` NULL-checks the outputs; a
        // non-NULL one is writable by the C contract.
        unsafe { servers_out(c.servers(true), servers, count) }
    })
}

thread_local! {
    static CONN_ERR: std::cell::RefCell<std::ffi::CString> = std::cell::RefCell::new(std::ffi::CString::default());
}

/// Deprecated (use `natsConnection_ReadLastError`): the connection's last
/// error; `*lastError` points to a per-thread copy of its text.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetLastError(
    nc: *mut natsConnection,
    lastError: *mut *const c_char,
) -> natsStatus {
    // The connection's error is this function's answer, not its failure:
    // it is returned as a status and not recorded as the thread's error.
    guard("natsConnection_GetLastError", || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        let c = unsafe { conn_ref(nc) }?;
        let e = c.last_error();
        if !lastError.is_null() {
            let text = e.as_ref().map(|e| e.text.clone()).unwrap_or_default();
            let p = CONN_ERR.with(|cell| {
                *cell.borrow_mut() = std::ffi::CString::new(text.replace('\0', "")).unwrap_or_default();
                cell.borrow().as_ptr()
            });
            // SAFETY: `lastError` was checked non-NULL above and, by the C contract, points to
            // writable storage for the result.
            unsafe { write_out(lastError, p) };
        }
        Ok(e.map(|e| e.status).unwrap_or(NATS_OK))
    })
}

/// Copies the text of the connection's last error into `buf` (truncated
/// with "..." when too small) and returns its status.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_ReadLastError(
    nc: *mut natsConnection,
    buf: *mut c_char,
    n: size_t,
) -> natsStatus {
    // As `natsConnection_GetLastError`: the status is the answer.
    guard("natsConnection_ReadLastError", || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        let c = unsafe { conn_ref(nc) }?;
        let e = c.last_error();
        if !buf.is_null() && n > 0 {
            let text = e.as_ref().map(|e| e.text.clone()).unwrap_or_default();
            let mut b = text.into_bytes();
            b.retain(|&x| x != 0);
            if b.len() + 1 > n {
                b.truncate(n - 1);
                let k = b.len();
                for c in &mut b[k.saturating_sub(3)..] {
                    *c = b'.';
                }
            }
            // SAFETY: `buf` is non-NULL (checked above) and by the C contract has `n` writable
            // bytes; `copy_to_buffer` writes at most `n`.
            let _ = unsafe { cstr::copy_to_buffer(&b, buf, n) };
        }
        Ok(e.map(|e| e.status).unwrap_or(NATS_OK))
    })
}

/// The client id the server assigned to this connection.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetClientID(nc: *mut natsConnection, cid: *mut u64) -> natsStatus {
    guard("natsConnection_GetClientID", || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        let c = unsafe { conn_ref(nc) }?;
        not_null(cid, "cid")?;
        if c.is_closed() {
            return Err(Error::status(NATS_CONNECTION_CLOSED));
        }
        let id = c.client_id();
        if id == 0 {
            return Err(Error::new(
                NATS_NO_SERVER_SUPPORT,
                "the server did not provide a client id",
            ));
        }
        // SAFETY: `cid` was checked non-NULL above and, by the C contract, points to writable
        // storage for the result.
        unsafe { write_out(cid, id) };
        Ok(())
    })
}

/// The client IP as the server sees it, `malloc`ed (free with `free()`).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetClientIP(nc: *mut natsConnection, ip: *mut *mut c_char) -> natsStatus {
    guard("natsConnection_GetClientIP", || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        let c = unsafe { conn_ref(nc) }?;
        not_null(ip, "ip")?;
        if c.is_closed() {
            return Err(Error::status(NATS_CONNECTION_CLOSED));
        }
        let v = c.client_ip();
        if v.is_empty() {
            return Err(Error::new(
                NATS_NO_SERVER_SUPPORT,
                "the server did not provide the client IP",
            ));
        }
        let p = cstr::malloc_string(v.as_bytes())?;
        // SAFETY: `ip` was checked non-NULL above and, by the C contract, points to writable
        // storage for the result.
        unsafe { write_out(ip, p) };
        Ok(())
    })
}

/// The local IP (`malloc`ed, free with `free()`) and port of the socket.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetLocalIPAndPort(
    nc: *mut natsConnection,
    ip: *mut *mut c_char,
    port: *mut c_int,
) -> natsStatus {
    guard("natsConnection_GetLocalIPAndPort", || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        let c = unsafe { conn_ref(nc) }?;
        not_null(ip, "ip")?;
        not_null(port, "port")?;
        if c.is_closed() {
            return Err(Error::status(NATS_CONNECTION_CLOSED));
        }
        let a = c
            .local_addr()
            .ok_or_else(|| Error::status(NATS_CONNECTION_DISCONNECTED))?;
        let p = cstr::malloc_string(a.ip().to_string().as_bytes())?;
        // SAFETY: `ip` and `port` were checked non-NULL above and, by the C contract, point to
        // writable storage.
        unsafe {
            write_out(ip, p);
            write_out(port, a.port() as c_int);
        }
        Ok(())
    })
}

/// The connection name from the options (never NULL for a valid
/// connection; owned by the connection).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetName(nc: *mut natsConnection) -> *const c_char {
    guard_or("natsConnection_GetName", std::ptr::null(), || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        Ok(unsafe { conn_ref(nc) }?.name_cstr().as_ptr())
    })
}

/// Round-trip time to the server in nanoseconds (a PING/PONG).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_GetRTT(nc: *mut natsConnection, rtt: *mut i64) -> natsStatus {
    guard("natsConnection_GetRTT", || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        let c = unsafe { conn_ref(nc) }?;
        not_null(rtt, "rtt")?;
        let d = c.rtt()?;
        // SAFETY: `rtt` was checked non-NULL above and, by the C contract, points to writable
        // storage for the result.
        unsafe { write_out(rtt, d.as_nanos() as i64) };
        Ok(())
    })
}

/// `NATS_OK` if the server supports headers, else `NATS_NO_SERVER_SUPPORT`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_HasHeaderSupport(nc: *mut natsConnection) -> natsStatus {
    guard("natsConnection_HasHeaderSupport", || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        if unsafe { conn_ref(nc) }?.has_headers() {
            Ok(())
        } else {
            Err(Error::status(NATS_NO_SERVER_SUPPORT))
        }
    })
}

/// Drains: subscriptions stop receiving and deliver what is pending, then
/// publishes are flushed and the connection closes (default timeout 30 s).
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Drain(nc: *mut natsConnection) -> natsStatus {
    // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
    // handle the program got from `natsConnection_Connect*` and has not destroyed.
    guard("natsConnection_Drain", || unsafe { conn_ref(nc) }?.drain(0))
}

/// Like `natsConnection_Drain` with a timeout in milliseconds.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_DrainTimeout(nc: *mut natsConnection, timeout: i64) -> natsStatus {
    guard("natsConnection_DrainTimeout", || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        unsafe { conn_ref(nc) }?.drain(timeout)
    })
}

/// Closes the connection: buffered data is flushed, subscriptions are
/// closed and the closed callback fires. The handle stays valid until
/// `natsConnection_Destroy`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Close(nc: *mut natsConnection) {
    guard_or("natsConnection_Close", (), || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        if let Ok(c) = unsafe { conn_ref(nc) } {
            c.close();
        }
        Ok(())
    })
}

/// Closes (if needed) and releases the connection. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Destroy(nc: *mut natsConnection) {
    guard_or("natsConnection_Destroy", (), || {
        // SAFETY: `nc` is NULL (nothing to do) or, by the C contract, a connection handle the
        // program got from `natsConnection_Connect*` and has not destroyed; the program gives up
        // its pointer with this call, so the ownership taken back here is the only one.
        if let Some(c) = unsafe { arc_take::<natsConnection>(nc) } {
            c.close();
        }
        Ok(())
    })
}

/// Signs `message` with the private key of the user credentials set with
/// `natsOptions_SetUserCredentialsFromFiles` (or memory); the 64-byte
/// Ed25519 signature is written to `sig`.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_Sign(
    nc: *mut natsConnection,
    message: *const libc::c_uchar,
    messageLen: c_int,
    sig: *mut libc::c_uchar,
) -> natsStatus {
    guard("natsConnection_Sign", || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the program got from `natsConnection_Connect*` and has not destroyed.
        let c = unsafe { conn_ref(nc) }?;
        not_null(sig, "sig")?;
        if messageLen < 0 || (message.is_null() && messageLen > 0) {
            return Err(Error::invalid_arg("invalid argument: message"));
        }
        let data = if messageLen == 0 {
            &[][..]
        } else {
            // SAFETY: `message` is non-NULL here (NULL with a positive length was refused above)
            // and by the C contract points to `messageLen` readable bytes.
            unsafe { std::slice::from_raw_parts(message, messageLen as usize) }
        };
        let s = crate::auth::sign_with_user_creds(&c.opts.auth, data)?;
        // SAFETY: `sig` is non-NULL (checked above) and the C contract of
        // natsConnection_Sign is a buffer of at least 64 bytes; `s` is an
        // Ed25519 signature, exactly 64 bytes.
        unsafe { std::ptr::copy_nonoverlapping(s.as_ptr(), sig, 64) };
        Ok(())
    })
}

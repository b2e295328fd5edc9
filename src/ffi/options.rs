//! `optsGroup`: the options object and its connection, server, reconnect
//! and callback settings (authentication and TLS settings live in
//! `options_auth.rs` and `options_tls.rs`).
//!
//! A `natsOptions` handle is a boxed `Mutex<Options>`: setters lock it, so
//! a program may change options from several threads. A connection takes a
//! copy (through [`lock_options`]) when it is created.

use super::handle::{self, BoxCastable, Castable};
use super::{cstr, guard, guard_or, not_null, write_out};
use crate::auth::Secret;
use crate::error::{Error, Result};
use crate::options::Options;
use crate::status::natsStatus;
use crate::url::{self, ServerUrl};
use libc::{c_char, c_int};
use parking_lot::{Mutex, MutexGuard};

// The rest of the section's setters, so that Rust callers (the tests) find
// every `natsOptions_*` function of this file's section here.
pub use super::options_events::*;
pub use super::options_tuning::*;

/// Options for creating a connection (opaque).
pub struct natsOptions {
    _private: [u8; 0],
}
impl Castable for natsOptions {
    type RustType = Mutex<Options>;
}
impl BoxCastable for natsOptions {}

/// Locks the options behind `opts`: the one way the C layer reads or
/// changes an options object. NULL → `NATS_INVALID_ARG`.
///
/// # Safety
/// `opts` must be NULL or a handle returned by `natsOptions_Create` and
/// not yet passed to `natsOptions_Destroy` (cnats' contract for every
/// `natsOptions*` argument); the guard must not outlive that handle.
pub(crate) unsafe fn lock_options<'a>(opts: *mut natsOptions) -> Result<MutexGuard<'a, Options>> {
    // SAFETY: per this function's contract, a non-NULL `opts` is a live
    // `Box<Mutex<Options>>` made by `natsOptions_Create` (`box_ref` turns
    // NULL into `NATS_INVALID_ARG`); the mutex serialises threads that
    // share the handle, so handing out a shared reference is sound.
    Ok(unsafe { handle::box_ref::<natsOptions>(opts, "opts") }?.lock())
}

/// `NATS_INVALID_ARG` unless `ok`.
pub(crate) fn check(ok: bool, text: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_arg(text()))
    }
}

// ---- validation helpers ----

/// Checks a comma-separated URL list; returns it trimmed, or `None` when
/// it is blank.
fn checked_url_list(s: &str) -> Result<Option<(Secret, bool)>> {
    let s = s.trim();
    if url::split_list(s).is_empty() {
        return Ok(None);
    }
    let urls = url::parse_list(s)?;
    Ok(Some((Secret::from(s), urls.iter().any(ServerUrl::is_tls))))
}

// ---- object ----

/// Creates an options object with the default settings. The program owns
/// it and must free it with `natsOptions_Destroy`; connections take their
/// own copy, so it may be destroyed or changed once they are created.
///
/// Returns `NATS_INVALID_ARG` when `newOpts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_Create(newOpts: *mut *mut natsOptions) -> natsStatus {
    guard("natsOptions_Create", || {
        not_null(newOpts, "newOpts")?;
        let p = handle::box_into_raw::<natsOptions>(Mutex::new(Options::default()));
        // SAFETY: `newOpts` was checked non-NULL above and, by the C
        // contract, points to writable storage for the new handle.
        unsafe { write_out(newOpts, p) };
        Ok(())
    })
}

/// Frees an options object created by `natsOptions_Create`. NULL is
/// ignored. Connections created from it are not affected.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_Destroy(opts: *mut natsOptions) {
    guard_or("natsOptions_Destroy", (), || {
        // SAFETY: the program gives back the handle it owns.
        drop(unsafe { handle::box_take::<natsOptions>(opts) });
        Ok(())
    })
}

// ---- servers ----

/// Sets the server URL, or a comma-separated list of URLs, to connect to
/// (`nats://`, `tls://` or no scheme; `user:password@` or `token@` may be
/// included). NULL or an empty string clears it. A `tls://` URL turns TLS
/// on. The string is copied.
///
/// Beyond cnats (rnats extension): WebSocket URLs,
/// `ws://host[:port][/path]` and `wss://host[:port][/path]` (default
/// ports 80 and 443; the path goes into the HTTP upgrade request; `wss://`
/// uses every TLS setting of these options). Not supported through HTTP
/// proxies; compression is not negotiated. Accepted here, in
/// `natsOptions_SetServers` and in `natsConnection_ConnectTo`.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL or a URL is malformed
/// (unknown scheme, bad port, …); the setting is then left unchanged.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetURL(opts: *mut natsOptions, url: *const c_char) -> natsStatus {
    guard("natsOptions_SetURL", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        // SAFETY: C passes a NUL-terminated string or NULL.
        let list = match unsafe { cstr::opt_str(url, "url") }? {
            None => None,
            Some(s) => checked_url_list(s)?,
        };
        match list {
            None => o.url = None,
            Some((s, tls)) => {
                o.url = Some(s);
                if tls {
                    o.secure = true;
                }
            }
        }
        Ok(())
    })
}

/// Sets the list of servers to connect to; each entry is a single URL as
/// for `natsOptions_SetURL`. A NULL array with a count of 0 clears the
/// list. The strings are copied. A `tls://` URL turns TLS on.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL, when `servers` is not
/// NULL and `serversCount` is not positive, when `servers` is NULL and
/// `serversCount` is not 0, when an entry is NULL, or when an entry is not
/// a valid URL; the list is then left unchanged.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetServers(
    opts: *mut natsOptions,
    servers: *mut *const c_char,
    serversCount: c_int,
) -> natsStatus {
    guard("natsOptions_SetServers", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        if servers.is_null() {
            check(serversCount == 0, || {
                format!("invalid argument: 'servers' is NULL but 'serversCount' is {serversCount}")
            })?;
            o.servers.clear();
            return Ok(());
        }
        check(serversCount > 0, || {
            format!("invalid argument: 'serversCount' is {serversCount}")
        })?;
        let mut list = Vec::with_capacity(serversCount as usize);
        let mut tls = false;
        for i in 0..serversCount as usize {
            // SAFETY: C promises `servers` has `serversCount` entries.
            let p = unsafe { *servers.add(i) };
            check(!p.is_null(), || format!("invalid argument: 'servers[{i}]' is NULL"))?;
            // SAFETY: each entry is a NUL-terminated string (NULL checked).
            let s = unsafe { cstr::str(p, "servers") }?.trim();
            let u = ServerUrl::parse(s)?;
            tls |= u.is_tls();
            list.push(Secret::from(s));
        }
        o.servers = list;
        if tls {
            o.secure = true;
        }
        Ok(())
    })
}

/// Keeps the server list in the given order instead of shuffling it
/// before connecting.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetNoRandomize(opts: *mut natsOptions, noRandomize: bool) -> natsStatus {
    guard("natsOptions_SetNoRandomize", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.no_randomize = noRandomize;
        Ok(())
    })
}

/// Sets how long, in milliseconds, establishing a connection to a server
/// may take (0 means no limit). The default is 2000 ms.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL or `timeout` is negative.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetTimeout(opts: *mut natsOptions, timeout: i64) -> natsStatus {
    guard("natsOptions_SetTimeout", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        check(timeout >= 0, || format!("invalid timeout {timeout}"))?;
        o.timeout_ms = timeout;
        Ok(())
    })
}

/// Sets the connection name sent to the server (seen in monitoring). NULL
/// clears it. The string is copied.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL or the name is not UTF-8.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetName(opts: *mut natsOptions, name: *const c_char) -> natsStatus {
    guard("natsOptions_SetName", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.name = if name.is_null() {
            None
        } else {
            // SAFETY: `name` is non-NULL (checked above) and, by the C contract,
            // a NUL-terminated string valid for the call.
            Some(unsafe { cstr::str(name, "name") }?.to_string())
        };
        Ok(())
    })
}

/// Asks the server to acknowledge every protocol message with `+OK`.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetVerbose(opts: *mut natsOptions, verbose: bool) -> natsStatus {
    guard("natsOptions_SetVerbose", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.verbose = verbose;
        Ok(())
    })
}

/// Asks the server to perform extra checks on the protocol it receives.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetPedantic(opts: *mut natsOptions, pedantic: bool) -> natsStatus {
    guard("natsOptions_SetPedantic", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.pedantic = pedantic;
        Ok(())
    })
}

/// Sets the interval, in milliseconds, between the PINGs the client sends
/// to check that the connection is alive. The default is 2 minutes.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetPingInterval(opts: *mut natsOptions, interval: i64) -> natsStatus {
    guard("natsOptions_SetPingInterval", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.ping_interval_ms = interval;
        Ok(())
    })
}

/// Sets how many PINGs may go unanswered before the connection is
/// considered stale. The default is 2.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetMaxPingsOut(opts: *mut natsOptions, maxPingsOut: c_int) -> natsStatus {
    guard("natsOptions_SetMaxPingsOut", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        o.max_pings_out = maxPingsOut;
        Ok(())
    })
}

/// Sets the size, in bytes, of the buffers used to read from and write to
/// the socket. The default is 32 KiB; 0 selects the default.
///
/// Returns `NATS_INVALID_ARG` when `opts` is NULL or `ioBufSize` is
/// negative.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetIOBufSize(opts: *mut natsOptions, ioBufSize: c_int) -> natsStatus {
    guard("natsOptions_SetIOBufSize", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        check(ioBufSize >= 0, || format!("invalid I/O buffer size {ioBufSize}"))?;
        o.io_buf_size = ioBufSize;
        Ok(())
    })
}

// Unit tests call the exported functions with handles and strings they
// built themselves, or with NULL on purpose: each `unsafe` is a call of the
// function under test, whose job is to cope, so the blocks carry no
// individual SAFETY notes.
#[cfg(test)]
#[allow(clippy::undocumented_unsafe_blocks)]
mod tests {
    use super::*;
    use crate::ffi::conn::natsConnection;
    use crate::ffi::last_error;
    use crate::ffi::sub::natsSubscription;
    use crate::options::*;
    use crate::status::natsStatus::*;
    use libc::c_void;
    use std::ffi::CString;
    use std::ptr::{null, null_mut};

    /// Creates an options object, freed on drop.
    struct Opts(*mut natsOptions);
    impl Opts {
        fn new() -> Opts {
            let mut p = null_mut();
            assert_eq!(unsafe { natsOptions_Create(&mut p) }, NATS_OK);
            assert!(!p.is_null());
            Opts(p)
        }
        fn get(&self) -> Options {
            unsafe { lock_options(self.0) }.unwrap().clone()
        }
    }
    impl Drop for Opts {
        fn drop(&mut self) {
            unsafe { natsOptions_Destroy(self.0) }
        }
    }

    fn c(s: &str) -> CString {
        CString::new(s).unwrap()
    }

    unsafe extern "C" fn conn_cb(_: *mut natsConnection, _: *mut c_void) {}
    unsafe extern "C" fn err_cb(_: *mut natsConnection, _: *mut natsSubscription, _: natsStatus, _: *mut c_void) {}
    unsafe extern "C" fn delay_cb(_: *mut natsConnection, a: c_int, _: *mut c_void) -> i64 {
        a as i64
    }

    #[test]
    fn create_destroy_defaults() {
        assert_eq!(unsafe { natsOptions_Create(null_mut()) }, NATS_INVALID_ARG);
        let o = Opts::new();
        let v = o.get();
        assert_eq!(v.url, None);
        assert!(v.servers.is_empty());
        assert_eq!(v.timeout_ms, DEFAULT_TIMEOUT_MS);
        assert_eq!(v.max_reconnect, DEFAULT_MAX_RECONNECT);
        assert_eq!(v.reconnect_wait_ms, DEFAULT_RECONNECT_WAIT_MS);
        assert_eq!(v.ping_interval_ms, DEFAULT_PING_INTERVAL_MS);
        assert_eq!(v.max_pings_out, DEFAULT_MAX_PINGS_OUT);
        assert!(v.allow_reconnect);
        assert!(v.err_cb.is_none() && v.closed_cb.is_none());
        // Destroying NULL is a no-op.
        unsafe { natsOptions_Destroy(null_mut()) };
        assert!(unsafe { lock_options(null_mut()) }.is_err());
    }

    #[test]
    fn url() {
        let o = Opts::new();
        let u = c("  nats://127.0.0.1:5000 , tls://u:p@h:1 ");
        assert_eq!(unsafe { natsOptions_SetURL(o.0, u.as_ptr()) }, NATS_OK);
        let v = o.get();
        assert_eq!(v.url.as_deref(), Some("nats://127.0.0.1:5000 , tls://u:p@h:1"));
        assert!(v.secure, "a tls:// URL turns TLS on");

        // Invalid: status, function name recorded, value unchanged.
        for bad in ["wsx://h:1", "nats://h:99999", "h:1,http://x", "nats://[::1"] {
            let b = c(bad);
            assert_eq!(
                unsafe { natsOptions_SetURL(o.0, b.as_ptr()) },
                NATS_INVALID_ARG,
                "{bad}"
            );
            assert_eq!(last_error::status(), NATS_INVALID_ARG);
            assert_eq!(last_error::stack(), vec!["natsOptions_SetURL"]);
            assert_eq!(o.get().url.as_deref(), Some("nats://127.0.0.1:5000 , tls://u:p@h:1"));
        }

        let plain = c("localhost:4333");
        assert_eq!(unsafe { natsOptions_SetURL(o.0, plain.as_ptr()) }, NATS_OK);
        assert_eq!(o.get().url.as_deref(), Some("localhost:4333"));

        // NULL and "" clear.
        assert_eq!(unsafe { natsOptions_SetURL(o.0, null()) }, NATS_OK);
        assert_eq!(o.get().url, None);
        assert_eq!(unsafe { natsOptions_SetURL(o.0, plain.as_ptr()) }, NATS_OK);
        let empty = c("");
        assert_eq!(unsafe { natsOptions_SetURL(o.0, empty.as_ptr()) }, NATS_OK);
        assert_eq!(o.get().url, None);
        let blank = c(" , ");
        assert_eq!(unsafe { natsOptions_SetURL(o.0, blank.as_ptr()) }, NATS_OK);
        assert_eq!(o.get().url, None);
    }

    #[test]
    fn servers() {
        let o = Opts::new();
        let a = c("nats://127.0.0.1:4001");
        let b = c(" localhost:4002 ");
        let list = [a.as_ptr(), b.as_ptr()];
        assert_eq!(
            unsafe { natsOptions_SetServers(o.0, list.as_ptr() as *mut _, 2) },
            NATS_OK
        );
        let v = o.get();
        assert_eq!(v.servers, vec!["nats://127.0.0.1:4001", "localhost:4002"]);
        assert!(!v.secure);

        // Bad counts and entries.
        assert_eq!(
            unsafe { natsOptions_SetServers(o.0, list.as_ptr() as *mut _, 0) },
            NATS_INVALID_ARG
        );
        assert_eq!(
            unsafe { natsOptions_SetServers(o.0, list.as_ptr() as *mut _, -1) },
            NATS_INVALID_ARG
        );
        assert_eq!(unsafe { natsOptions_SetServers(o.0, null_mut(), 1) }, NATS_INVALID_ARG);
        let with_null = [a.as_ptr(), null()];
        assert_eq!(
            unsafe { natsOptions_SetServers(o.0, with_null.as_ptr() as *mut _, 2) },
            NATS_INVALID_ARG
        );
        let bad = c("https://h:1");
        let with_bad = [a.as_ptr(), bad.as_ptr()];
        assert_eq!(
            unsafe { natsOptions_SetServers(o.0, with_bad.as_ptr() as *mut _, 2) },
            NATS_INVALID_ARG
        );
        let empty = c("");
        let with_empty = [empty.as_ptr()];
        assert_eq!(
            unsafe { natsOptions_SetServers(o.0, with_empty.as_ptr() as *mut _, 1) },
            NATS_INVALID_ARG
        );
        assert_eq!(o.get().servers.len(), 2, "unchanged after errors");

        // tls:// turns TLS on.
        let t = c("tls://h:1");
        let tl = [t.as_ptr()];
        assert_eq!(
            unsafe { natsOptions_SetServers(o.0, tl.as_ptr() as *mut _, 1) },
            NATS_OK
        );
        assert!(o.get().secure);

        // NULL/0 clears.
        assert_eq!(unsafe { natsOptions_SetServers(o.0, null_mut(), 0) }, NATS_OK);
        assert!(o.get().servers.is_empty());
    }

    #[test]
    fn scalar_setters() {
        let o = Opts::new();
        unsafe {
            assert_eq!(natsOptions_SetNoRandomize(o.0, true), NATS_OK);
            assert_eq!(natsOptions_SetTimeout(o.0, 0), NATS_OK);
            assert_eq!(natsOptions_SetTimeout(o.0, 1234), NATS_OK);
            assert_eq!(natsOptions_SetTimeout(o.0, -1), NATS_INVALID_ARG);
            assert_eq!(natsOptions_SetVerbose(o.0, true), NATS_OK);
            assert_eq!(natsOptions_SetPedantic(o.0, true), NATS_OK);
            assert_eq!(natsOptions_SetPingInterval(o.0, 50), NATS_OK);
            assert_eq!(natsOptions_SetMaxPingsOut(o.0, 7), NATS_OK);
            assert_eq!(natsOptions_SetIOBufSize(o.0, 0), NATS_OK);
            assert_eq!(natsOptions_SetIOBufSize(o.0, 4096), NATS_OK);
            assert_eq!(natsOptions_SetIOBufSize(o.0, -1), NATS_INVALID_ARG);
            assert_eq!(natsOptions_SetAllowReconnect(o.0, false), NATS_OK);
            assert_eq!(natsOptions_SetReconnectOnProtocolError(o.0, true), NATS_OK);
            assert_eq!(natsOptions_SetMaxReconnect(o.0, -1), NATS_OK);
            assert_eq!(natsOptions_SetReconnectWait(o.0, 25), NATS_OK);
            assert_eq!(natsOptions_SetReconnectWait(o.0, -1), NATS_INVALID_ARG);
            assert_eq!(natsOptions_SetReconnectJitter(o.0, 3, 4), NATS_OK);
            assert_eq!(natsOptions_SetReconnectJitter(o.0, -1, 4), NATS_INVALID_ARG);
            assert_eq!(natsOptions_SetReconnectJitter(o.0, 1, -4), NATS_INVALID_ARG);
            assert_eq!(natsOptions_SetReconnectBufSize(o.0, 0), NATS_OK);
            assert_eq!(natsOptions_SetReconnectBufSize(o.0, -1), NATS_INVALID_ARG);
            assert_eq!(natsOptions_SetMaxPendingMsgs(o.0, 10), NATS_OK);
            assert_eq!(natsOptions_SetMaxPendingMsgs(o.0, 0), NATS_INVALID_ARG);
            assert_eq!(natsOptions_SetMaxPendingMsgs(o.0, -5), NATS_INVALID_ARG);
            assert_eq!(natsOptions_SetMaxPendingBytes(o.0, 1000), NATS_OK);
            assert_eq!(natsOptions_SetMaxPendingBytes(o.0, 0), NATS_INVALID_ARG);
            assert_eq!(natsOptions_SetMaxPendingBytes(o.0, -1), NATS_INVALID_ARG);
            assert_eq!(natsOptions_SetIgnoreDiscoveredServers(o.0, true), NATS_OK);
            assert_eq!(natsOptions_UseGlobalMessageDelivery(o.0, true), NATS_OK);
            for ord in [0, 4, 6, 46, 64] {
                assert_eq!(natsOptions_IPResolutionOrder(o.0, ord), NATS_OK);
            }
            assert_eq!(natsOptions_IPResolutionOrder(o.0, 46), NATS_OK);
            for bad in [1, 5, 44, 66, 466, -4] {
                assert_eq!(natsOptions_IPResolutionOrder(o.0, bad), NATS_INVALID_ARG);
            }
            assert_eq!(natsOptions_SetSendAsap(o.0, true), NATS_OK);
            assert_eq!(natsOptions_SetFlusherWaitMicros(o.0, 300), NATS_OK);
            assert_eq!(natsOptions_SetFlusherWaitMicros(o.0, -1), NATS_INVALID_ARG);
            assert_eq!(natsOptions_UseOldRequestStyle(o.0, true), NATS_OK);
            assert_eq!(natsOptions_SetFailRequestsOnDisconnect(o.0, true), NATS_OK);
            assert_eq!(natsOptions_SetNoEcho(o.0, true), NATS_OK);
            assert_eq!(natsOptions_SetWriteDeadline(o.0, 0), NATS_OK);
            assert_eq!(natsOptions_SetWriteDeadline(o.0, 99), NATS_OK);
            assert_eq!(natsOptions_SetWriteDeadline(o.0, -1), NATS_INVALID_ARG);
            assert_eq!(natsOptions_DisableNoResponders(o.0, true), NATS_OK);
            assert_eq!(natsOptions_SetMessageBufferPadding(o.0, 0), NATS_OK);
            assert_eq!(natsOptions_SetMessageBufferPadding(o.0, 16), NATS_OK);
            assert_eq!(natsOptions_SetMessageBufferPadding(o.0, -1), NATS_INVALID_ARG);
        }
        let v = o.get();
        assert!(v.no_randomize);
        assert_eq!(v.timeout_ms, 1234);
        assert!(v.verbose && v.pedantic);
        assert_eq!(v.ping_interval_ms, 50);
        assert_eq!(v.max_pings_out, 7);
        assert_eq!(v.io_buf_size, 4096);
        assert!(!v.allow_reconnect);
        assert!(v.reconnect_on_protocol_error);
        assert_eq!(v.max_reconnect, -1);
        assert_eq!(v.reconnect_wait_ms, 25);
        assert_eq!((v.reconnect_jitter_ms, v.reconnect_jitter_tls_ms), (3, 4));
        assert_eq!(v.reconnect_buf_size, 0);
        assert_eq!(v.max_pending_msgs, 10);
        assert_eq!(v.max_pending_bytes, 1000);
        assert!(v.ignore_discovered_servers);
        assert!(v.use_global_delivery);
        assert_eq!(v.ip_resolution_order, 46);
        assert!(v.send_asap);
        assert_eq!(v.flusher_wait_us, 300);
        assert!(v.old_request_style && v.fail_requests_on_disconnect && v.no_echo);
        assert_eq!(v.write_deadline_ms, 99);
        assert!(v.disable_no_responders);
        assert_eq!(v.msg_buffer_padding, 16);
    }

    #[test]
    fn name() {
        let o = Opts::new();
        let n = c("my-app");
        assert_eq!(unsafe { natsOptions_SetName(o.0, n.as_ptr()) }, NATS_OK);
        assert_eq!(o.get().name.as_deref(), Some("my-app"));
        assert_eq!(unsafe { natsOptions_SetName(o.0, null()) }, NATS_OK);
        assert_eq!(o.get().name, None);
    }

    #[test]
    fn inbox_prefix() {
        let o = Opts::new();
        let ok = c("my.inbox");
        assert_eq!(unsafe { natsOptions_SetCustomInboxPrefix(o.0, ok.as_ptr()) }, NATS_OK);
        assert_eq!(o.get().inbox_prefix.as_deref(), Some("my.inbox"));
        assert_eq!(o.get().inbox_prefix(), "my.inbox.");
        // Wildcard characters inside a token are not wildcards.
        let inside = c("a*b.c>d");
        assert_eq!(
            unsafe { natsOptions_SetCustomInboxPrefix(o.0, inside.as_ptr()) },
            NATS_OK
        );
        for bad in ["a.*", "*", ">", "a.>", "a..b", ".a", "a.", "a b", "a\tb", "*.b"] {
            let b = c(bad);
            assert_eq!(
                unsafe { natsOptions_SetCustomInboxPrefix(o.0, b.as_ptr()) },
                NATS_INVALID_ARG,
                "{bad}"
            );
        }
        assert_eq!(
            o.get().inbox_prefix.as_deref(),
            Some("a*b.c>d"),
            "unchanged after errors"
        );
        let empty = c("");
        assert_eq!(
            unsafe { natsOptions_SetCustomInboxPrefix(o.0, empty.as_ptr()) },
            NATS_OK
        );
        assert_eq!(o.get().inbox_prefix, None);
        assert_eq!(o.get().inbox_prefix(), DEFAULT_INBOX_PREFIX);
        assert_eq!(unsafe { natsOptions_SetCustomInboxPrefix(o.0, ok.as_ptr()) }, NATS_OK);
        assert_eq!(unsafe { natsOptions_SetCustomInboxPrefix(o.0, null()) }, NATS_OK);
        assert_eq!(o.get().inbox_prefix, None);
    }

    #[test]
    fn callbacks_are_stored_and_cleared() {
        let o = Opts::new();
        let cl = 0x1234usize as *mut c_void;
        unsafe {
            assert_eq!(natsOptions_SetErrorHandler(o.0, Some(err_cb), cl), NATS_OK);
            assert_eq!(natsOptions_SetClosedCB(o.0, Some(conn_cb), cl), NATS_OK);
            assert_eq!(natsOptions_SetDisconnectedCB(o.0, Some(conn_cb), cl), NATS_OK);
            assert_eq!(natsOptions_SetReconnectedCB(o.0, Some(conn_cb), cl), NATS_OK);
            assert_eq!(natsOptions_SetDiscoveredServersCB(o.0, Some(conn_cb), cl), NATS_OK);
            assert_eq!(natsOptions_SetLameDuckModeCB(o.0, Some(conn_cb), cl), NATS_OK);
            assert_eq!(natsOptions_SetCustomReconnectDelay(o.0, Some(delay_cb), cl), NATS_OK);
            assert_eq!(
                natsOptions_SetRetryOnFailedConnect(o.0, true, Some(conn_cb), cl),
                NATS_OK
            );
        }
        let v = o.get();
        assert!(v.err_cb.is_some());
        assert!(v.closed_cb.is_some());
        assert!(v.disconnected_cb.is_some());
        assert!(v.reconnected_cb.is_some());
        assert!(v.discovered_servers_cb.is_some());
        assert!(v.lame_duck_cb.is_some());
        assert!(v.custom_reconnect_delay.is_some());
        assert!(v.retry_on_failed_connect);
        assert!(v.connected_cb.is_some());

        // retry=false drops the connected callback even when one is given.
        assert_eq!(
            unsafe { natsOptions_SetRetryOnFailedConnect(o.0, false, Some(conn_cb), cl) },
            NATS_OK
        );
        let v = o.get();
        assert!(!v.retry_on_failed_connect);
        assert!(v.connected_cb.is_none());
        // retry=true without a callback.
        assert_eq!(
            unsafe { natsOptions_SetRetryOnFailedConnect(o.0, true, None, null_mut()) },
            NATS_OK
        );
        let v = o.get();
        assert!(v.retry_on_failed_connect && v.connected_cb.is_none());

        unsafe {
            assert_eq!(natsOptions_SetErrorHandler(o.0, None, cl), NATS_OK);
            assert_eq!(natsOptions_SetClosedCB(o.0, None, cl), NATS_OK);
            assert_eq!(natsOptions_SetDisconnectedCB(o.0, None, cl), NATS_OK);
            assert_eq!(natsOptions_SetReconnectedCB(o.0, None, cl), NATS_OK);
            assert_eq!(natsOptions_SetDiscoveredServersCB(o.0, None, cl), NATS_OK);
            assert_eq!(natsOptions_SetLameDuckModeCB(o.0, None, cl), NATS_OK);
            assert_eq!(natsOptions_SetCustomReconnectDelay(o.0, None, cl), NATS_OK);
        }
        let v = o.get();
        assert!(v.err_cb.is_none());
        assert!(v.closed_cb.is_none());
        assert!(v.disconnected_cb.is_none());
        assert!(v.reconnected_cb.is_none());
        assert!(v.discovered_servers_cb.is_none());
        assert!(v.lame_duck_cb.is_none());
        assert!(v.custom_reconnect_delay.is_none());
    }

    #[test]
    fn clone_is_independent() {
        let o = Opts::new();
        let n = c("first");
        assert_eq!(unsafe { natsOptions_SetName(o.0, n.as_ptr()) }, NATS_OK);
        let copy = o.get();
        let n2 = c("second");
        assert_eq!(unsafe { natsOptions_SetName(o.0, n2.as_ptr()) }, NATS_OK);
        assert_eq!(copy.name.as_deref(), Some("first"));
        assert_eq!(o.get().name.as_deref(), Some("second"));
    }

    #[test]
    fn null_options_rejected_everywhere() {
        let n: *mut natsOptions = null_mut();
        let s = c("nats://h:1");
        let st = [s.as_ptr()];
        let cl = null_mut();
        let results = unsafe {
            [
                ("SetURL", natsOptions_SetURL(n, s.as_ptr())),
                ("SetServers", natsOptions_SetServers(n, st.as_ptr() as *mut _, 1)),
                ("SetNoRandomize", natsOptions_SetNoRandomize(n, true)),
                ("SetTimeout", natsOptions_SetTimeout(n, 1)),
                ("SetName", natsOptions_SetName(n, s.as_ptr())),
                ("SetVerbose", natsOptions_SetVerbose(n, true)),
                ("SetPedantic", natsOptions_SetPedantic(n, true)),
                ("SetPingInterval", natsOptions_SetPingInterval(n, 1)),
                ("SetMaxPingsOut", natsOptions_SetMaxPingsOut(n, 1)),
                ("SetIOBufSize", natsOptions_SetIOBufSize(n, 1)),
                ("SetAllowReconnect", natsOptions_SetAllowReconnect(n, true)),
                (
                    "SetReconnectOnProtocolError",
                    natsOptions_SetReconnectOnProtocolError(n, true),
                ),
                ("SetMaxReconnect", natsOptions_SetMaxReconnect(n, 1)),
                ("SetReconnectWait", natsOptions_SetReconnectWait(n, 1)),
                ("SetReconnectJitter", natsOptions_SetReconnectJitter(n, 1, 1)),
                (
                    "SetCustomReconnectDelay",
                    natsOptions_SetCustomReconnectDelay(n, Some(delay_cb), cl),
                ),
                ("SetReconnectBufSize", natsOptions_SetReconnectBufSize(n, 1)),
                ("SetMaxPendingMsgs", natsOptions_SetMaxPendingMsgs(n, 1)),
                ("SetMaxPendingBytes", natsOptions_SetMaxPendingBytes(n, 1)),
                ("SetErrorHandler", natsOptions_SetErrorHandler(n, Some(err_cb), cl)),
                ("SetClosedCB", natsOptions_SetClosedCB(n, Some(conn_cb), cl)),
                ("SetDisconnectedCB", natsOptions_SetDisconnectedCB(n, Some(conn_cb), cl)),
                ("SetReconnectedCB", natsOptions_SetReconnectedCB(n, Some(conn_cb), cl)),
                (
                    "SetDiscoveredServersCB",
                    natsOptions_SetDiscoveredServersCB(n, Some(conn_cb), cl),
                ),
                (
                    "SetIgnoreDiscoveredServers",
                    natsOptions_SetIgnoreDiscoveredServers(n, true),
                ),
                ("SetLameDuckModeCB", natsOptions_SetLameDuckModeCB(n, Some(conn_cb), cl)),
                (
                    "SetRetryOnFailedConnect",
                    natsOptions_SetRetryOnFailedConnect(n, true, Some(conn_cb), cl),
                ),
                (
                    "UseGlobalMessageDelivery",
                    natsOptions_UseGlobalMessageDelivery(n, true),
                ),
                ("IPResolutionOrder", natsOptions_IPResolutionOrder(n, 4)),
                ("SetSendAsap", natsOptions_SetSendAsap(n, true)),
                ("SetFlusherWaitMicros", natsOptions_SetFlusherWaitMicros(n, 1)),
                ("UseOldRequestStyle", natsOptions_UseOldRequestStyle(n, true)),
                (
                    "SetFailRequestsOnDisconnect",
                    natsOptions_SetFailRequestsOnDisconnect(n, true),
                ),
                ("SetNoEcho", natsOptions_SetNoEcho(n, true)),
                ("SetWriteDeadline", natsOptions_SetWriteDeadline(n, 1)),
                ("DisableNoResponders", natsOptions_DisableNoResponders(n, true)),
                ("SetCustomInboxPrefix", natsOptions_SetCustomInboxPrefix(n, s.as_ptr())),
                ("SetMessageBufferPadding", natsOptions_SetMessageBufferPadding(n, 1)),
            ]
        };
        for (name, st) in results {
            assert_eq!(st, NATS_INVALID_ARG, "natsOptions_{name}");
        }
        let mut p = null_mut();
        assert_eq!(unsafe { natsOptions_Create(&mut p) }, NATS_OK);
        unsafe { natsOptions_Destroy(p) };
    }
}

//! External event loops: `natsOptions_SetEventLoop` and the calls an
//! event-loop adapter makes (`natsConnection_Process*Event`). The engine
//! side is `conn/evloop.rs`; the adapters for libuv and libevent are the
//! header-only `include/nats/adapters/*.h`.

use super::callbacks::{
    ev_loop, natsEvLoop_Attach, natsEvLoop_Detach, natsEvLoop_ReadAddRemove, natsEvLoop_WriteAddRemove, natsSock,
};
use super::conn::{conn_ref, natsConnection};
use super::handle::arc_clone;
use super::options::{lock_options, natsOptions};
use super::{guard, guard_or, not_null};
use crate::error::Error;
use crate::status::natsStatus;
use libc::c_void;

/// Makes connections created with `opts` run on the program's event loop
/// `loop`: the library starts no reader thread; the loop polls the socket
/// (`attachCb`, `readCb`, `writeCb`) and calls
/// `natsConnection_ProcessReadEvent` / `natsConnection_ProcessWriteEvent`
/// when it is ready; `detachCb` is called once the connection is closed.
/// Adapters for libuv and libevent: `<nats/adapters/libuv.h>`,
/// `<nats/adapters/libevent.h>`.
///
/// Returns `NATS_INVALID_ARG` when `opts`, `loop` or a callback is NULL.
#[no_mangle]
pub unsafe extern "C" fn natsOptions_SetEventLoop(
    opts: *mut natsOptions,
    evLoop: *mut c_void,
    attachCb: natsEvLoop_Attach,
    readCb: natsEvLoop_ReadAddRemove,
    writeCb: natsEvLoop_WriteAddRemove,
    detachCb: natsEvLoop_Detach,
) -> natsStatus {
    guard("natsOptions_SetEventLoop", || {
        // SAFETY: `opts` is NULL (refused with NATS_INVALID_ARG) or, by the C
        // contract, a live handle from `natsOptions_Create`.
        let mut o = unsafe { lock_options(opts) }?;
        not_null(evLoop, "loop")?;
        let l = ev_loop(evLoop, attachCb, readCb, writeCb, detachCb)
            .ok_or_else(|| Error::invalid_arg("invalid argument: an event loop callback is NULL"))?;
        o.ev_loop = Some(l);
        Ok(())
    })
}

/// For event-loop adapters: the socket is readable. Reads what is there
/// and processes it (messages go to their subscriptions, whose callbacks
/// run on the library's delivery threads); a closed or failed socket
/// starts the usual disconnect / reconnect. NULL `nc`: `NATS_INVALID_ARG`
/// as the thread's last error.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_ProcessReadEvent(nc: *mut natsConnection) {
    guard_or("natsConnection_ProcessReadEvent", (), || {
        // SAFETY: `nc` is NULL (refused with NATS_INVALID_ARG) or, by the C contract, a connection
        // handle the adapter got in its attach callback, kept alive until the detached event.
        unsafe { conn_ref(nc) }?.process_read_event();
        Ok(())
    })
}

/// For event-loop adapters: the socket is writable. Sends what the socket
/// did not take before; write interest is removed once all is sent.
/// NULL `nc`: `NATS_INVALID_ARG` as the thread's last error.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_ProcessWriteEvent(nc: *mut natsConnection) {
    guard_or("natsConnection_ProcessWriteEvent", (), || {
        // SAFETY: as in `natsConnection_ProcessReadEvent`.
        unsafe { conn_ref(nc) }?.process_write_event();
        Ok(())
    })
}

/// For event-loop adapters: the loop no longer polls `*socket` (the
/// descriptor the attach callback received); closes it and sets
/// `*socket` to -1. Nothing is done when `*socket` is already -1. NULL
/// `socket`: `NATS_INVALID_ARG` as the thread's last error.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_ProcessCloseEvent(socket: *mut natsSock) {
    guard_or("natsConnection_ProcessCloseEvent", (), || {
        not_null(socket, "socket")?;
        // SAFETY: `socket` is non-NULL and, by the C contract, points to the adapter's
        // `natsSock`, readable and writable for the call.
        let fd = unsafe { *socket };
        if fd >= 0 {
            // SAFETY: `fd` is the adapter's own descriptor (a duplicate made for it at attach);
            // the adapter gives it up with this call, so it is closed exactly once.
            unsafe { libc::close(fd) };
            // SAFETY: as above.
            unsafe { *socket = -1 };
        }
        Ok(())
    })
}

/// For event-loop adapters: the adapter is done with the connection
/// (after the detach callback); the reference kept for it since the
/// first attach is released. NULL `nc`: `NATS_INVALID_ARG` as the
/// thread's last error.
#[no_mangle]
pub unsafe extern "C" fn natsConnection_ProcessDetachedEvent(nc: *mut natsConnection) {
    guard_or("natsConnection_ProcessDetachedEvent", (), || {
        // SAFETY: as in `natsConnection_ProcessReadEvent`; a reference of our own is taken first,
        // so the connection outlives the release below for the rest of this call.
        let c = unsafe { arc_clone::<natsConnection>(nc, "nc") }?;
        c.process_detached_event();
        Ok(())
    })
}

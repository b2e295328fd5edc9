//! Services (`micro*`), part 2: the request a handler receives
//! (`microRequest_*`) and the small client (`micro_NewClient`,
//! `microClient_*`).
//!
//! A `microRequest` is the library's, valid only during the handler call;
//! its message (`microRequest_GetMsg`), strings and data too. The header
//! functions work on the request's own message through the
//! `natsMsgHeader_*` functions, as in cnats.

use super::conn::natsConnection;
use super::handle::{self, arc_as_ptr, BoxCastable, Castable};
use super::micro_error::{from_status, invalid_arg, result_to_c, take};
use super::micro_types::{microClient, microClientConfig, microError, microRequest, microService};
use super::msg::{self as cmsg, natsMsg};
use super::{cstr, guard_or, not_null, write_out};
use crate::error::{Error, Result};
use crate::micro::{Client, MicroError, Request};
use libc::{c_char, c_int, c_void, size_t};
use std::ptr;

impl Castable for microRequest {
    type RustType = Request;
}
impl BoxCastable for microRequest {}
impl Castable for microClient {
    type RustType = Client;
}
impl BoxCastable for microClient {}

/// Borrows the request a handler was given.
///
/// # Safety
/// `req` is NULL or the request of a handler call under way, used by that
/// handler's thread only.
unsafe fn request<'a>(req: *mut microRequest) -> Result<&'a mut Request> {
    // SAFETY: this function's contract (the core lends the request to the
    // handler for the duration of the call).
    unsafe { handle::box_mut::<microRequest>(req, "req") }
}

/// The request's message as a `natsMsg` handle (the request owns it).
fn msg_handle(r: &mut Request) -> *mut natsMsg {
    r.msg_mut() as *mut crate::msg::Msg as *mut natsMsg
}

/// `len` bytes at `data` (NULL allowed when `len` is 0).
///
/// # Safety
/// `data` is NULL or points to `len` readable bytes.
unsafe fn payload<'a>(data: *const c_char, len: usize) -> Result<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    not_null(data, "data")?;
    // SAFETY: non-NULL, `len` readable bytes (contract).
    Ok(unsafe { std::slice::from_raw_parts(data as *const u8, len) })
}

/// Takes over an optional C error (NULL → `None`).
///
/// # Safety
/// `err` is NULL or an error of this library the caller gives up.
unsafe fn take_opt(err: *mut microError) -> Option<MicroError> {
    // SAFETY: this function's contract.
    (!err.is_null()).then(|| unsafe { take(err) })
}

// ---- responding ----

/// Sends `data` (`len` bytes) to the request's reply subject.
#[no_mangle]
pub unsafe extern "C" fn microRequest_Respond(
    req: *mut microRequest,
    data: *const c_char,
    len: size_t,
) -> *mut microError {
    guard_or("microRequest_Respond", invalid_arg(), || {
        // SAFETY: NULL (refused) or the request of the calling handler.
        let r = unsafe { request(req) }?;
        // SAFETY: `len` readable bytes at `data` (C contract).
        let d = unsafe { payload(data, len) }?;
        Ok(result_to_c(r.respond(d)))
    })
}

/// Sends an empty response carrying `err` in the `Nats-Service-Error` and
/// `Nats-Service-Error-Code` headers (and `Nats-Status` when it has a
/// status); the error is counted in the endpoint's statistics once per
/// request. Takes `err` over (it is freed).
#[no_mangle]
pub unsafe extern "C" fn microRequest_RespondError(req: *mut microRequest, err: *mut microError) -> *mut microError {
    guard_or("microRequest_RespondError", invalid_arg(), || {
        // SAFETY: the program gives `err` up with this call (NULL or ours).
        let e = unsafe { take_opt(err) };
        // SAFETY: NULL (refused) or the request of the calling handler.
        let r = unsafe { request(req) }?;
        Ok(result_to_c(r.respond_custom(e.as_ref(), b"")))
    })
}

/// Sends `data` with, when `err` is not NULL, its error headers (as
/// `microRequest_RespondError`). Takes `err` over.
#[no_mangle]
pub unsafe extern "C" fn microRequest_RespondCustom(
    req: *mut microRequest,
    err: *mut microError,
    data: *const c_char,
    len: size_t,
) -> *mut microError {
    guard_or("microRequest_RespondCustom", invalid_arg(), || {
        // SAFETY: the program gives `err` up with this call (NULL or ours).
        let e = unsafe { take_opt(err) };
        // SAFETY: NULL (refused) or the request of the calling handler.
        let r = unsafe { request(req) }?;
        // SAFETY: `len` readable bytes at `data` (C contract).
        let d = unsafe { payload(data, len) }?;
        Ok(result_to_c(r.respond_custom(e.as_ref(), d)))
    })
}

// ---- headers of the request's message ----

/// Adds `value` to header `key` of the request's message.
#[no_mangle]
pub unsafe extern "C" fn microRequest_AddHeader(
    req: *mut microRequest,
    key: *const c_char,
    value: *const c_char,
) -> *mut microError {
    guard_or("microRequest_AddHeader", invalid_arg(), || {
        // SAFETY: NULL (refused) or the request of the calling handler.
        let m = msg_handle(unsafe { request(req) }?);
        // SAFETY: the request's live message; key/value as C passed them.
        Ok(from_status(unsafe { cmsg::natsMsgHeader_Add(m, key, value) }))
    })
}

/// Sets header `key` of the request's message to `value` (replacing its
/// values).
#[no_mangle]
pub unsafe extern "C" fn microRequest_SetHeader(
    req: *mut microRequest,
    key: *const c_char,
    value: *const c_char,
) -> *mut microError {
    guard_or("microRequest_SetHeader", invalid_arg(), || {
        // SAFETY: NULL (refused) or the request of the calling handler.
        let m = msg_handle(unsafe { request(req) }?);
        // SAFETY: the request's live message; key/value as C passed them.
        Ok(from_status(unsafe { cmsg::natsMsgHeader_Set(m, key, value) }))
    })
}

/// Deletes header `key` of the request's message.
#[no_mangle]
pub unsafe extern "C" fn microRequest_DeleteHeader(req: *mut microRequest, key: *const c_char) -> *mut microError {
    guard_or("microRequest_DeleteHeader", invalid_arg(), || {
        // SAFETY: NULL (refused) or the request of the calling handler.
        let m = msg_handle(unsafe { request(req) }?);
        // SAFETY: the request's live message; key as C passed it.
        Ok(from_status(unsafe { cmsg::natsMsgHeader_Delete(m, key) }))
    })
}

/// Stores in `*keys` a `malloc`ed array of the header keys (free the array
/// only) and their number in `*count`.
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetHeaderKeys(
    req: *mut microRequest,
    keys: *mut *mut *const c_char,
    count: *mut c_int,
) -> *mut microError {
    guard_or("microRequest_GetHeaderKeys", invalid_arg(), || {
        // SAFETY: NULL (refused) or the request of the calling handler.
        let m = msg_handle(unsafe { request(req) }?);
        // SAFETY: the request's live message; outputs as C passed them.
        Ok(from_status(unsafe { cmsg::natsMsgHeader_Keys(m, keys, count) }))
    })
}

/// Stores in `*value` the first value of header `key` (the message's
/// string).
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetHeaderValue(
    req: *mut microRequest,
    key: *const c_char,
    value: *mut *const c_char,
) -> *mut microError {
    guard_or("microRequest_GetHeaderValue", invalid_arg(), || {
        // SAFETY: NULL (refused) or the request of the calling handler.
        let m = msg_handle(unsafe { request(req) }?);
        // SAFETY: the request's live message; key/output as C passed them.
        Ok(from_status(unsafe { cmsg::natsMsgHeader_Get(m, key, value) }))
    })
}

/// Stores in `*values` a `malloc`ed array of the values of header `key`
/// (free the array only) and their number in `*count`.
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetHeaderValues(
    req: *mut microRequest,
    key: *const c_char,
    values: *mut *mut *const c_char,
    count: *mut c_int,
) -> *mut microError {
    guard_or("microRequest_GetHeaderValues", invalid_arg(), || {
        // SAFETY: NULL (refused) or the request of the calling handler.
        let m = msg_handle(unsafe { request(req) }?);
        // SAFETY: the request's live message; key/outputs as C passed them.
        Ok(from_status(unsafe {
            cmsg::natsMsgHeader_Values(m, key, values, count)
        }))
    })
}

// ---- getters ----

/// The request's connection (the program's handle), NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetConnection(req: *mut microRequest) -> *mut natsConnection {
    guard_or("microRequest_GetConnection", ptr::null_mut(), || {
        if req.is_null() {
            return Ok(ptr::null_mut());
        }
        // SAFETY: the request of the calling handler.
        Ok(arc_as_ptr::<natsConnection>(unsafe { request(req) }?.connection()))
    })
}

/// The request's payload (NUL-terminated; valid during the handler), NULL
/// for NULL.
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetData(req: *mut microRequest) -> *const c_char {
    guard_or("microRequest_GetData", ptr::null(), || {
        if req.is_null() {
            return Ok(ptr::null());
        }
        // SAFETY: the request of the calling handler.
        Ok(unsafe { request(req) }?.msg().data_with_nul().as_ptr() as *const c_char)
    })
}

/// The payload's length in bytes (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetDataLength(req: *mut microRequest) -> c_int {
    guard_or("microRequest_GetDataLength", 0, || {
        if req.is_null() {
            return Ok(0);
        }
        // SAFETY: the request of the calling handler.
        Ok(c_int::try_from(unsafe { request(req) }?.data().len()).unwrap_or(c_int::MAX))
    })
}

/// The endpoint configuration's `State`, NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetEndpointState(req: *mut microRequest) -> *mut c_void {
    guard_or("microRequest_GetEndpointState", ptr::null_mut(), || {
        if req.is_null() {
            return Ok(ptr::null_mut());
        }
        // SAFETY: the request of the calling handler.
        Ok(unsafe { request(req) }?.endpoint_state() as *mut c_void)
    })
}

/// The service configuration's `State`, NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetServiceState(req: *mut microRequest) -> *mut c_void {
    guard_or("microRequest_GetServiceState", ptr::null_mut(), || {
        if req.is_null() {
            return Ok(ptr::null_mut());
        }
        // SAFETY: the request of the calling handler.
        Ok(unsafe { request(req) }?.service_state() as *mut c_void)
    })
}

/// The request's message (the request owns it: do not destroy), NULL for
/// NULL.
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetMsg(req: *mut microRequest) -> *mut natsMsg {
    guard_or("microRequest_GetMsg", ptr::null_mut(), || {
        if req.is_null() {
            return Ok(ptr::null_mut());
        }
        // SAFETY: the request of the calling handler.
        Ok(msg_handle(unsafe { request(req) }?))
    })
}

/// The reply subject, NULL for none or NULL.
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetReply(req: *mut microRequest) -> *const c_char {
    guard_or("microRequest_GetReply", ptr::null(), || {
        if req.is_null() {
            return Ok(ptr::null());
        }
        // SAFETY: the request of the calling handler.
        Ok(unsafe { request(req) }?
            .msg()
            .reply_cstr()
            .map_or(ptr::null(), |c| c.as_ptr()))
    })
}

/// The subject the request was received on, NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetSubject(req: *mut microRequest) -> *const c_char {
    guard_or("microRequest_GetSubject", ptr::null(), || {
        if req.is_null() {
            return Ok(ptr::null());
        }
        // SAFETY: the request of the calling handler.
        Ok(unsafe { request(req) }?.msg().subject_cstr().as_ptr())
    })
}

/// The service handling the request (the program's handle), NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn microRequest_GetService(req: *mut microRequest) -> *mut microService {
    guard_or("microRequest_GetService", ptr::null_mut(), || {
        if req.is_null() {
            return Ok(ptr::null_mut());
        }
        // SAFETY: the request of the calling handler.
        Ok(arc_as_ptr::<microService>(unsafe { request(req) }?.service()))
    })
}

// ---- client ----

/// Creates a services client on `nc` (`cfg` is reserved: pass NULL).
#[no_mangle]
pub unsafe extern "C" fn micro_NewClient(
    new_client: *mut *mut microClient,
    nc: *mut natsConnection,
    cfg: *mut microClientConfig,
) -> *mut microError {
    guard_or("micro_NewClient", invalid_arg(), || {
        let _ = cfg;
        not_null(new_client, "new_client")?;
        // SAFETY: a connection handle the program holds (C contract).
        let nc = unsafe { handle::arc_clone::<natsConnection>(nc, "nc") }?;
        // SAFETY: checked non-NULL; writable (C contract).
        unsafe { write_out(new_client, handle::box_into_raw::<microClient>(Client::new(&nc))) };
        Ok(ptr::null_mut())
    })
}

/// Frees a client (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn microClient_Destroy(client: *mut microClient) {
    guard_or("microClient_Destroy", (), || {
        // SAFETY: NULL or a client from `micro_NewClient`, given up by C.
        drop(unsafe { handle::box_take::<microClient>(client) });
        Ok(())
    })
}

/// Sends a request (`data_len` bytes) to `subject` and waits up to 5 s for
/// the reply, stored in `*reply` (the program destroys it). A reply that
/// carries service error headers gives that error (code and text) instead;
/// a NULL `subject` gives an error of status `NATS_INVALID_SUBJECT`.
#[no_mangle]
pub unsafe extern "C" fn microClient_DoRequest(
    reply: *mut *mut natsMsg,
    client: *mut microClient,
    subject: *const c_char,
    data: *const c_char,
    data_len: c_int,
) -> *mut microError {
    guard_or("microClient_DoRequest", invalid_arg(), || {
        not_null(reply, "reply")?;
        // SAFETY: NULL (refused) or a client the program holds.
        let c = unsafe { handle::box_ref::<microClient>(client, "client") }?;
        if subject.is_null() {
            // As a request to a NULL subject: an invalid subject (cnats).
            let e = MicroError::from_error(&Error::new(
                crate::status::natsStatus::NATS_INVALID_SUBJECT,
                "invalid argument: 'subject' is NULL",
            ));
            return Ok(result_to_c(Err(e.wrap("request failed"))));
        }
        // SAFETY: a NUL-terminated string (C contract).
        let subject = unsafe { cstr::str(subject, "subject") }?;
        let len =
            usize::try_from(data_len).map_err(|_| Error::invalid_arg("invalid argument: 'data_len' is negative"))?;
        // SAFETY: `data_len` readable bytes at `data` (C contract).
        let d = unsafe { payload(data, len) }?;
        match c.do_request(subject, d) {
            Ok(m) => {
                // SAFETY: checked non-NULL; writable (C contract).
                unsafe { write_out(reply, Box::into_raw(m) as *mut natsMsg) };
                Ok(ptr::null_mut())
            }
            Err(e) => Ok(result_to_c(Err(e))),
        }
    })
}

//! Services (`micro*`), part 1: services, groups, endpoints, and the info
//! and stats structs. Requests and the client are in `micro_request.rs`,
//! errors in `micro_error.rs`, the C types in `micro_types.rs`.
//!
//! Ownership (as cnats):
//! - `micro_AddService` gives the program a `microService` (one strong
//!   reference to the core's `Arc<Service>`), released by
//!   `microService_Destroy` after stopping the service. The service stays
//!   alive until its subscriptions have completed and the done handler has
//!   run, even when destroyed from inside a handler.
//! - `microGroup` and `microEndpoint` pointers belong to their service.
//! - `microServiceInfo` / `microServiceStats` are the program's, freed by
//!   their `_Destroy`.
//! - Every function returning `microError *` answers NULL for success;
//!   a NULL argument gives `micro_ErrorInvalidArg` (and the thread's last
//!   error names the argument).

use super::callbacks::{micro_done_handler, micro_err_handler, micro_request_handler};
use super::conn::natsConnection;
use super::handle::{self, arc_as_ptr, ArcCastable, Castable};
use super::js_types::natsMetadata;
use super::micro_error::{invalid_arg, result_to_c};
use super::micro_types::*;
use super::{cstr, guard_or, not_null, write_out};
use crate::error::{Error, Result};
use crate::micro::{EndpointConfig, GroupConfig, Metadata, Service, ServiceConfig};
use libc::{c_char, c_int, c_void};
use std::ffi::CString;
use std::ptr;

impl Castable for microService {
    type RustType = Service;
}
impl ArcCastable for microService {}
impl Castable for microGroup {
    type RustType = crate::micro::Group;
}
impl ArcCastable for microGroup {}
impl Castable for microEndpoint {
    type RustType = crate::micro::Endpoint;
}
impl ArcCastable for microEndpoint {}

// ---- C configuration → core ----

/// An optional C string as UTF-8 text (NULL or "" → `None`).
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for the call.
unsafe fn opt_string(p: *const c_char, name: &str) -> Result<Option<String>> {
    // SAFETY: this function's contract.
    Ok(unsafe { cstr::opt_str(p, name) }?.map(str::to_string))
}

/// `natsMetadata` (`Count` key/value pairs, `2 * Count` strings) as the
/// core's ordered list.
///
/// # Safety
/// `m.List` is NULL or points to `2 * m.Count` NUL-terminated strings.
unsafe fn metadata_from_c(m: &natsMetadata, name: &str) -> Result<Metadata> {
    if m.Count <= 0 {
        return Ok(Metadata::new());
    }
    if m.List.is_null() {
        return Err(Error::invalid_arg(format!(
            "invalid argument: '{name}.List' is NULL with Count {}",
            m.Count
        )));
    }
    let mut out = Metadata::new();
    for i in 0..m.Count as usize {
        // SAFETY: the list has 2 * Count entries (contract).
        let (k, v) = unsafe { (*m.List.add(2 * i), *m.List.add(2 * i + 1)) };
        // SAFETY: each entry is NULL (refused) or a NUL-terminated string.
        let k = unsafe { cstr::str(k, name) }?.to_string();
        // SAFETY: as above.
        let v = unsafe { cstr::opt_str(v, name) }?.unwrap_or("").to_string();
        out.push((k, v));
    }
    Ok(out)
}

/// `microEndpointConfig` → the core's configuration (copied).
///
/// # Safety
/// `c` is a valid `microEndpointConfig` whose strings are NULL or
/// NUL-terminated.
pub(crate) unsafe fn endpoint_config(c: &microEndpointConfig) -> Result<EndpointConfig> {
    // SAFETY: the strings of a valid config (contract).
    let name = unsafe { cstr::opt_str(c.Name, "config->Name") }?;
    Ok(EndpointConfig {
        name: name.unwrap_or("").to_string(),
        // SAFETY: as above.
        subject: unsafe { opt_string(c.Subject, "config->Subject") }?,
        // SAFETY: as above.
        queue_group: unsafe { opt_string(c.QueueGroup, "config->QueueGroup") }?,
        no_queue_group: c.NoQueueGroup,
        // SAFETY: as above.
        metadata: unsafe { metadata_from_c(&c.Metadata, "config->Metadata") }?,
        handler: micro_request_handler(c.Handler),
        state: c.State as usize,
    })
}

/// `microGroupConfig` → the core's configuration.
///
/// # Safety
/// as for [`endpoint_config`].
unsafe fn group_config(c: &microGroupConfig) -> Result<GroupConfig> {
    Ok(GroupConfig {
        // SAFETY: the strings of a valid config (contract).
        prefix: unsafe { cstr::opt_str(c.Prefix, "config->Prefix") }?
            .unwrap_or("")
            .to_string(),
        // SAFETY: as above.
        queue_group: unsafe { opt_string(c.QueueGroup, "config->QueueGroup") }?,
        no_queue_group: c.NoQueueGroup,
    })
}

/// `microServiceConfig` → the core's configuration (copied).
///
/// # Safety
/// as for [`endpoint_config`]; `c.Endpoint` is NULL or a valid endpoint
/// configuration.
unsafe fn service_config(c: &microServiceConfig) -> Result<ServiceConfig> {
    // SAFETY: NULL or a valid endpoint configuration (contract).
    let endpoint = match unsafe { c.Endpoint.as_ref() } {
        // SAFETY: as above.
        Some(e) => Some(unsafe { endpoint_config(e) }?),
        None => None,
    };
    // SAFETY: the strings of a valid config (contract).
    let name = unsafe { cstr::opt_str(c.Name, "config->Name") }?;
    Ok(ServiceConfig {
        name: name.unwrap_or("").to_string(),
        // SAFETY: as above.
        version: unsafe { cstr::opt_str(c.Version, "config->Version") }?
            .unwrap_or("")
            .to_string(),
        // SAFETY: as above.
        description: unsafe { opt_string(c.Description, "config->Description") }?,
        // SAFETY: as above.
        queue_group: unsafe { opt_string(c.QueueGroup, "config->QueueGroup") }?,
        no_queue_group: c.NoQueueGroup,
        // SAFETY: as above.
        metadata: unsafe { metadata_from_c(&c.Metadata, "config->Metadata") }?,
        endpoint,
        stats_handler: micro_request_handler(c.StatsHandler),
        err_handler: micro_err_handler(c.ErrHandler),
        done_handler: micro_done_handler(c.DoneHandler),
        state: c.State as usize,
    })
}

/// Borrows a service handle; NULL → `NATS_INVALID_ARG`.
///
/// # Safety
/// `m` is NULL or a service the program holds (not destroyed).
unsafe fn service<'a>(m: *mut microService) -> Result<&'a Service> {
    // SAFETY: this function's contract.
    unsafe { handle::arc_ref::<microService>(m, "m") }
}

// ---- services ----

/// Creates a service on `nc` from `config` (copied) and starts it: the
/// `$SRV` monitoring subjects and the optional `config->Endpoint` are
/// subscribed. Stores the service in `*new_microservice`.
#[no_mangle]
pub unsafe extern "C" fn micro_AddService(
    new_microservice: *mut *mut microService,
    nc: *mut natsConnection,
    config: *mut microServiceConfig,
) -> *mut microError {
    guard_or("micro_AddService", invalid_arg(), || {
        not_null(new_microservice, "new_microservice")?;
        not_null(config, "config")?;
        // SAFETY: a connection handle the program holds (C contract).
        let nc = unsafe { handle::arc_clone::<natsConnection>(nc, "nc") }?;
        // SAFETY: non-NULL (checked), a valid configuration (C contract).
        let cfg = unsafe { service_config(&*config) }?;
        match Service::add(&nc, cfg) {
            Ok(svc) => {
                // SAFETY: checked non-NULL above; writable (C contract).
                unsafe { write_out(new_microservice, handle::arc_into_raw::<microService>(svc)) };
                Ok(ptr::null_mut())
            }
            Err(e) => Ok(result_to_c(Err(e))),
        }
    })
}

/// Adds an endpoint (configuration copied) to the service and subscribes it.
/// A NULL `config` adds nothing (NULL is returned).
#[no_mangle]
pub unsafe extern "C" fn microService_AddEndpoint(
    m: *mut microService,
    config: *mut microEndpointConfig,
) -> *mut microError {
    guard_or("microService_AddEndpoint", invalid_arg(), || {
        // SAFETY: NULL (refused) or a service the program holds.
        let svc = unsafe { service(m) }?;
        if config.is_null() {
            return Ok(ptr::null_mut()); // nothing to add (cnats)
        }
        // SAFETY: non-NULL, a valid configuration (C contract).
        let cfg = unsafe { endpoint_config(&*config) }?;
        Ok(result_to_c(svc.add_endpoint(cfg).map(|_| ())))
    })
}

/// Adds a group (a subject prefix, with its queue group settings) to the
/// service; the group belongs to the service.
#[no_mangle]
pub unsafe extern "C" fn microService_AddGroup(
    new_group: *mut *mut microGroup,
    m: *mut microService,
    config: *mut microGroupConfig,
) -> *mut microError {
    guard_or("microService_AddGroup", invalid_arg(), || {
        not_null(new_group, "new_group")?;
        // SAFETY: NULL (refused) or a service the program holds.
        let svc = unsafe { service(m) }?;
        not_null(config, "config")?;
        // SAFETY: non-NULL, a valid configuration (C contract).
        let cfg = unsafe { group_config(&*config) }?;
        match svc.add_group(cfg) {
            Ok(g) => {
                // SAFETY: checked non-NULL; the service keeps the group alive.
                unsafe { write_out(new_group, arc_as_ptr::<microGroup>(&g)) };
                Ok(ptr::null_mut())
            }
            Err(e) => Ok(result_to_c(Err(e))),
        }
    })
}

/// Adds a sub-group to a group; it belongs to the service.
#[no_mangle]
pub unsafe extern "C" fn microGroup_AddGroup(
    new_group: *mut *mut microGroup,
    parent: *mut microGroup,
    config: *mut microGroupConfig,
) -> *mut microError {
    guard_or("microGroup_AddGroup", invalid_arg(), || {
        not_null(new_group, "new_group")?;
        // SAFETY: NULL (refused) or a group of a live service.
        let parent = unsafe { handle::arc_ref::<microGroup>(parent, "parent") }?;
        not_null(config, "config")?;
        // SAFETY: non-NULL, a valid configuration (C contract).
        let cfg = unsafe { group_config(&*config) }?;
        match parent.add_group(cfg) {
            Ok(g) => {
                // SAFETY: checked non-NULL; the service keeps the group alive.
                unsafe { write_out(new_group, arc_as_ptr::<microGroup>(&g)) };
                Ok(ptr::null_mut())
            }
            Err(e) => Ok(result_to_c(Err(e))),
        }
    })
}

/// Adds an endpoint under a group's prefix and subscribes it. A NULL
/// `config` adds nothing.
#[no_mangle]
pub unsafe extern "C" fn microGroup_AddEndpoint(
    g: *mut microGroup,
    config: *mut microEndpointConfig,
) -> *mut microError {
    guard_or("microGroup_AddEndpoint", invalid_arg(), || {
        // SAFETY: NULL (refused) or a group of a live service.
        let g = unsafe { handle::arc_ref::<microGroup>(g, "g") }?;
        if config.is_null() {
            return Ok(ptr::null_mut()); // nothing to add (cnats)
        }
        // SAFETY: non-NULL, a valid configuration (C contract).
        let cfg = unsafe { endpoint_config(&*config) }?;
        Ok(result_to_c(g.add_endpoint(cfg).map(|_| ())))
    })
}

/// Stops the service (its subscriptions are drained; the done handler runs
/// when they have completed), then releases the program's handle. Safe
/// from inside one of the service's handlers.
#[no_mangle]
pub unsafe extern "C" fn microService_Destroy(m: *mut microService) -> *mut microError {
    guard_or("microService_Destroy", invalid_arg(), || {
        // SAFETY: NULL (refused) or a service the program holds.
        let svc = unsafe { service(m) }?;
        if let Err(e) = svc.destroy() {
            return Ok(result_to_c(Err(e)));
        }
        // SAFETY: the program gives up its reference with this call.
        drop(unsafe { handle::arc_take::<microService>(m) });
        Ok(ptr::null_mut())
    })
}

/// Stops the service: no new requests; the done handler runs once every
/// subscription has completed. Stopping twice is not an error.
#[no_mangle]
pub unsafe extern "C" fn microService_Stop(m: *mut microService) -> *mut microError {
    guard_or("microService_Stop", invalid_arg(), || {
        // SAFETY: NULL (refused) or a service the program holds.
        let svc = unsafe { service(m) }?;
        Ok(result_to_c(svc.stop()))
    })
}

/// Blocks until the service is stopped.
#[no_mangle]
pub unsafe extern "C" fn microService_Run(m: *mut microService) -> *mut microError {
    guard_or("microService_Run", invalid_arg(), || {
        // SAFETY: NULL (refused) or a service the program holds.
        let svc = unsafe { service(m) }?;
        Ok(result_to_c(svc.run()))
    })
}

/// Whether the service is stopped (true for NULL).
#[no_mangle]
pub unsafe extern "C" fn microService_IsStopped(m: *mut microService) -> bool {
    guard_or("microService_IsStopped", true, || {
        if m.is_null() {
            return Ok(true);
        }
        // SAFETY: a service the program holds.
        Ok(unsafe { service(m) }?.is_stopped())
    })
}

/// The service's connection (the program's own handle), NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn microService_GetConnection(m: *mut microService) -> *mut natsConnection {
    guard_or("microService_GetConnection", ptr::null_mut(), || {
        if m.is_null() {
            return Ok(ptr::null_mut());
        }
        // SAFETY: a service the program holds.
        Ok(arc_as_ptr::<natsConnection>(unsafe { service(m) }?.connection()))
    })
}

/// The configuration's `State`, NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn microService_GetState(m: *mut microService) -> *mut c_void {
    guard_or("microService_GetState", ptr::null_mut(), || {
        if m.is_null() {
            return Ok(ptr::null_mut());
        }
        // SAFETY: a service the program holds.
        Ok(unsafe { service(m) }?.state() as *mut c_void)
    })
}

// ---- info and stats ----

/// A `microServiceInfo` and the storage its pointers point into (the C
/// struct first, so the program's pointer is the box's).
#[repr(C)]
struct InfoBox {
    c: microServiceInfo,
    _strings: Vec<CString>,
    _lists: Vec<Vec<*const c_char>>,
    _endpoints: Vec<microEndpointInfo>,
}

/// A `microServiceStats` and its storage (the C struct first).
#[repr(C)]
struct StatsBox {
    c: microServiceStats,
    _strings: Vec<CString>,
    _endpoints: Vec<microEndpointStats>,
}

/// Owns the C strings and string lists a result struct points into.
#[derive(Default)]
struct Store {
    strings: Vec<CString>,
    lists: Vec<Vec<*const c_char>>,
}

impl Store {
    fn s(&mut self, v: &str) -> *const c_char {
        let c = CString::new(v.replace('\0', " ")).unwrap_or_default();
        let p = c.as_ptr();
        self.strings.push(c);
        p
    }
    fn opt(&mut self, v: Option<&str>) -> *const c_char {
        v.map_or(ptr::null(), |v| self.s(v))
    }
    fn metadata(&mut self, m: &Metadata) -> natsMetadata {
        if m.is_empty() {
            return natsMetadata {
                List: ptr::null_mut(),
                Count: 0,
            };
        }
        let mut list: Vec<*const c_char> = Vec::with_capacity(m.len() * 2);
        for (k, v) in m {
            list.push(self.s(k));
            list.push(self.s(v));
        }
        let p = list.as_mut_ptr();
        self.lists.push(list);
        natsMetadata {
            List: p,
            Count: c_int::try_from(m.len()).unwrap_or(c_int::MAX),
        }
    }
}

/// Stores in `*new_info` the service's description: name, version,
/// description, id, metadata and the endpoints (monitoring ones left out).
/// Free it with `microServiceInfo_Destroy`.
#[no_mangle]
pub unsafe extern "C" fn microService_GetInfo(
    new_info: *mut *mut microServiceInfo,
    m: *mut microService,
) -> *mut microError {
    guard_or("microService_GetInfo", invalid_arg(), || {
        not_null(new_info, "new_info")?;
        // SAFETY: NULL (refused) or a service the program holds.
        let info = unsafe { service(m) }?.info();
        let mut st = Store::default();
        let mut eps: Vec<microEndpointInfo> = info
            .endpoints
            .iter()
            .map(|e| microEndpointInfo {
                Name: st.s(&e.name),
                Subject: st.s(&e.subject),
                QueueGroup: st.opt(e.queue_group.as_deref()),
                Metadata: st.metadata(&e.metadata),
            })
            .collect();
        let c = microServiceInfo {
            Type: st.s(&info.type_),
            Name: st.s(&info.name),
            Version: st.s(&info.version),
            Description: st.s(&info.description),
            Id: st.s(&info.id),
            Metadata: st.metadata(&info.metadata),
            Endpoints: if eps.is_empty() {
                ptr::null_mut()
            } else {
                eps.as_mut_ptr()
            },
            EndpointsLen: c_int::try_from(eps.len()).unwrap_or(c_int::MAX),
        };
        let b = Box::new(InfoBox {
            c,
            _strings: st.strings,
            _lists: st.lists,
            _endpoints: eps,
        });
        // SAFETY: checked non-NULL; `c` is the first field of a repr(C) box.
        unsafe { write_out(new_info, Box::into_raw(b) as *mut microServiceInfo) };
        Ok(ptr::null_mut())
    })
}

/// Frees a `microServiceInfo` (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn microServiceInfo_Destroy(info: *mut microServiceInfo) {
    guard_or("microServiceInfo_Destroy", (), || {
        if !info.is_null() {
            // SAFETY: made by `microService_GetInfo` (an `InfoBox`), given up by C.
            drop(unsafe { Box::from_raw(info as *mut InfoBox) });
        }
        Ok(())
    })
}

/// Stores in `*new_stats` the service's statistics, per endpoint (requests,
/// errors, processing times, last error; monitoring endpoints left out).
/// Free it with `microServiceStats_Destroy`.
#[no_mangle]
pub unsafe extern "C" fn microService_GetStats(
    new_stats: *mut *mut microServiceStats,
    m: *mut microService,
) -> *mut microError {
    guard_or("microService_GetStats", invalid_arg(), || {
        not_null(new_stats, "new_stats")?;
        // SAFETY: NULL (refused) or a service the program holds.
        let stats = unsafe { service(m) }?.stats();
        let mut st = Store::default();
        let mut eps: Vec<microEndpointStats> = stats
            .endpoints
            .iter()
            .map(|e| {
                let mut last = [0 as c_char; 2048];
                for (d, s) in last.iter_mut().zip(e.last_error.bytes().take(2047)) {
                    *d = s as c_char;
                }
                microEndpointStats {
                    Name: st.s(&e.name),
                    Subject: st.s(&e.subject),
                    QueueGroup: st.opt(e.queue_group.as_deref()),
                    NumRequests: e.num_requests,
                    NumErrors: e.num_errors,
                    ProcessingTimeSeconds: e.processing_time_ns / 1_000_000_000,
                    ProcessingTimeNanoseconds: e.processing_time_ns % 1_000_000_000,
                    AverageProcessingTimeNanoseconds: e.average_processing_time_ns,
                    LastErrorString: last,
                }
            })
            .collect();
        let c = microServiceStats {
            Type: st.s(&stats.type_),
            Name: st.s(&stats.name),
            Version: st.s(&stats.version),
            Id: st.s(&stats.id),
            Started: stats.started_ns,
            Endpoints: if eps.is_empty() {
                ptr::null_mut()
            } else {
                eps.as_mut_ptr()
            },
            EndpointsLen: c_int::try_from(eps.len()).unwrap_or(c_int::MAX),
        };
        let b = Box::new(StatsBox {
            c,
            _strings: st.strings,
            _endpoints: eps,
        });
        // SAFETY: checked non-NULL; `c` is the first field of a repr(C) box.
        unsafe { write_out(new_stats, Box::into_raw(b) as *mut microServiceStats) };
        Ok(ptr::null_mut())
    })
}

/// Frees a `microServiceStats` (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn microServiceStats_Destroy(stats: *mut microServiceStats) {
    guard_or("microServiceStats_Destroy", (), || {
        if !stats.is_null() {
            // SAFETY: made by `microService_GetStats` (a `StatsBox`), given up by C.
            drop(unsafe { Box::from_raw(stats as *mut StatsBox) });
        }
        Ok(())
    })
}

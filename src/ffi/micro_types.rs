//! The C types of the services framework (`micro*`): the opaque handles,
//! the configuration structs the program fills, the info/stats structs the
//! library returns, and `microError`. Every public struct has exactly
//! cnats 3.14's layout (checked by `tests/micro_layout.rs` against
//! `tests/data/cnats-3.14-struct-layout.tsv`).

use super::callbacks::{microDoneHandler, microErrorHandler, microRequestHandler};
use super::js_types::natsMetadata;
use libc::{c_char, c_int, c_void};

/// A service (opaque): made by `micro_AddService`, freed by
/// `microService_Destroy`.
pub struct microService {
    _private: [u8; 0],
}
/// An endpoint of a service (opaque; owned by its service).
pub struct microEndpoint {
    _private: [u8; 0],
}
/// A group of endpoints sharing a subject prefix (opaque; owned by its
/// service).
pub struct microGroup {
    _private: [u8; 0],
}
/// A request received by an endpoint (opaque; valid during the handler).
pub struct microRequest {
    _private: [u8; 0],
}
/// A client of services (opaque): `micro_NewClient`, `microClient_Destroy`.
pub struct microClient {
    _private: [u8; 0],
}
/// Client configuration (reserved; no fields).
pub struct microClientConfig {
    _private: [u8; 0],
}

/// An error of the services API (opaque). Read it with
/// `microError_Status`, `microError_Code` and `microError_String`, free it
/// with `microError_Destroy` (or hand it to `microRequest_RespondError`).
pub struct microError {
    _private: [u8; 0],
}

/// What a `microError` handle points to. The layout is shared with
/// `src/ffi/micro_errorf.c` (the printf-style constructors): keep both in
/// step. A heap error is one `calloc`ed block whose `message` is a separate
/// `malloc`ed string; the library's static errors (`is_static`) are never
/// freed.
#[repr(C)]
pub(crate) struct ErrorBlock {
    pub(crate) is_static: bool,
    pub(crate) status: c_int,
    pub(crate) code: c_int,
    pub(crate) message: *mut c_char,
    pub(crate) cause: *mut ErrorBlock,
}

/// Configuration of one endpoint (`microService_AddEndpoint`,
/// `microGroup_AddEndpoint`, or `microServiceConfig.Endpoint`). The
/// library copies what it needs: the struct may be freed after the call.
#[repr(C)]
pub struct microEndpointConfig {
    /// The endpoint's name (letters, digits, `-` and `_`).
    pub Name: *const c_char,
    /// The subject it listens on; the name when NULL.
    pub Subject: *const c_char,
    /// Queue group overriding the group's or service's.
    pub QueueGroup: *const c_char,
    /// Subscribe without a queue group.
    pub NoQueueGroup: bool,
    /// Metadata reported by `$SRV.INFO`.
    pub Metadata: natsMetadata,
    /// Called for each request.
    pub Handler: microRequestHandler,
    /// Returned by `microRequest_GetEndpointState`.
    pub State: *mut c_void,
}

/// An endpoint as `microService_GetInfo` describes it.
#[repr(C)]
pub struct microEndpointInfo {
    pub Name: *const c_char,
    pub Subject: *const c_char,
    pub QueueGroup: *const c_char,
    pub Metadata: natsMetadata,
}

/// An endpoint's statistics (`microService_GetStats`).
#[repr(C)]
pub struct microEndpointStats {
    pub Name: *const c_char,
    pub Subject: *const c_char,
    pub QueueGroup: *const c_char,
    pub NumRequests: i64,
    pub NumErrors: i64,
    /// Total processing time, whole seconds part.
    pub ProcessingTimeSeconds: i64,
    /// Total processing time, nanoseconds part (below one second).
    pub ProcessingTimeNanoseconds: i64,
    pub AverageProcessingTimeNanoseconds: i64,
    /// The last error's text ("" when none), NUL-terminated.
    pub LastErrorString: [c_char; 2048],
}

/// Configuration of a group (`microService_AddGroup`, `microGroup_AddGroup`).
#[repr(C)]
pub struct microGroupConfig {
    /// The subject prefix of the group's endpoints.
    pub Prefix: *const c_char,
    /// Queue group for the group's endpoints.
    pub QueueGroup: *const c_char,
    /// The group's endpoints subscribe without a queue group.
    pub NoQueueGroup: bool,
}

/// Configuration of a service (`micro_AddService`); copied by the library.
#[repr(C)]
pub struct microServiceConfig {
    /// The service's name (letters, digits, `-` and `_`).
    pub Name: *const c_char,
    /// Its version (semantic versioning).
    pub Version: *const c_char,
    pub Description: *const c_char,
    /// Queue group of all endpoints ("q" when NULL).
    pub QueueGroup: *const c_char,
    pub NoQueueGroup: bool,
    pub Metadata: natsMetadata,
    /// An optional endpoint added with the service.
    pub Endpoint: *mut microEndpointConfig,
    /// Answers `$SRV.STATS` requests instead of the library when set.
    pub StatsHandler: microRequestHandler,
    /// Told about asynchronous errors of the service's subscriptions.
    pub ErrHandler: microErrorHandler,
    /// Called once when the service has stopped.
    pub DoneHandler: microDoneHandler,
    /// Returned by `microService_GetState` and `microRequest_GetServiceState`.
    pub State: *mut c_void,
}

/// A service's description (`microService_GetInfo`); freed with
/// `microServiceInfo_Destroy`.
#[repr(C)]
pub struct microServiceInfo {
    /// `MICRO_INFO_RESPONSE_TYPE`.
    pub Type: *const c_char,
    pub Name: *const c_char,
    pub Version: *const c_char,
    pub Description: *const c_char,
    pub Id: *const c_char,
    pub Metadata: natsMetadata,
    pub Endpoints: *mut microEndpointInfo,
    pub EndpointsLen: c_int,
}

/// A service's statistics (`microService_GetStats`); freed with
/// `microServiceStats_Destroy`.
#[repr(C)]
pub struct microServiceStats {
    /// `MICRO_STATS_RESPONSE_TYPE`.
    pub Type: *const c_char,
    pub Name: *const c_char,
    pub Version: *const c_char,
    pub Id: *const c_char,
    /// Start time, UTC nanoseconds since the epoch.
    pub Started: i64,
    pub Endpoints: *mut microEndpointStats,
    pub EndpointsLen: c_int,
}

//! The services framework (cnats' `micro*` API, ADR-32), pure Rust.
//!
//! - [`Service`] (`micro_AddService`): a name, a semver version, an id
//!   (a NUID), endpoints and nested [`Group`]s, and the monitoring
//!   subscriptions `$SRV.PING|INFO|STATS[.<name>[.<id>]]` that answer with
//!   the ADR-32 JSON documents (`monitoring.rs`).
//! - [`Endpoint`]: one subscription (a queue subscription on `q` unless
//!   configured otherwise, or none) whose handler gets a [`Request`] and
//!   may respond, respond with an error (`Nats-Service-Error` and
//!   `Nats-Service-Error-Code` headers) or return an error, which the
//!   framework sends back. An error is counted once per request.
//! - Statistics per endpoint: requests, errors, total and average
//!   processing time in integer nanoseconds, the last error.
//! - [`Client`] (`micro_NewClient`, `microClient_DoRequest`): a request that
//!   turns the service error headers of the reply into a [`MicroError`].
//!
//! Handlers run on the library's delivery threads (one per endpoint
//! subscription). [`Service::stop`] drains the subscriptions; once all have
//! completed the service is stopped and the done handler runs. Stopping or
//! destroying a service from inside one of its handlers is safe: the
//! request holds the service alive.
//!
//! The `state` fields of the configurations are opaque values for the C
//! layer (`void *` there), never dereferenced here.

mod client;
mod error;
pub mod monitoring;
mod request;
mod service;
pub mod validate;

pub use client::Client;
pub use error::MicroError;
pub use request::Request;
pub use service::{Endpoint, EndpointInfo, EndpointStats, Group, Service, ServiceInfo, ServiceStats};

use crate::status::natsStatus;
use std::sync::Arc;

/// The prefix of the monitoring subjects (`MICRO_API_PREFIX`).
pub const API_PREFIX: &str = "$SRV";
/// The verbs of the monitoring subjects.
pub const PING_VERB: &str = "PING";
pub const INFO_VERB: &str = "INFO";
pub const STATS_VERB: &str = "STATS";
/// The `type` of each monitoring response.
pub const PING_RESPONSE_TYPE: &str = "io.nats.micro.v1.ping_response";
pub const INFO_RESPONSE_TYPE: &str = "io.nats.micro.v1.info_response";
pub const STATS_RESPONSE_TYPE: &str = "io.nats.micro.v1.stats_response";
/// Headers of an error response.
pub const STATUS_HDR: &str = "Nats-Status";
pub const ERROR_HDR: &str = "Nats-Service-Error";
pub const ERROR_CODE_HDR: &str = "Nats-Service-Error-Code";
/// The queue group of endpoints that configure none (ADR-32).
pub const DEFAULT_QUEUE_GROUP: &str = "q";
/// The wait of [`Client::do_request`], in milliseconds (as cnats).
pub const CLIENT_REQUEST_TIMEOUT_MS: i64 = 5000;

/// Ordered string metadata (cnats' `natsMetadata`).
pub type Metadata = Vec<(String, String)>;

/// An endpoint's request handler (`microRequestHandler`). Returning an
/// error makes the framework respond with it (unless the handler already
/// responded) and count it.
pub type RequestHandler = Arc<dyn Fn(&mut Request) -> Result<(), MicroError> + Send + Sync>;
/// Called on an asynchronous error of an endpoint's subscription
/// (`microErrorHandler`).
pub type ErrHandler = Arc<dyn Fn(&Arc<Service>, &Arc<Endpoint>, natsStatus) + Send + Sync>;
/// Called once the service has stopped (`microDoneHandler`).
pub type DoneHandler = Arc<dyn Fn(&Arc<Service>) + Send + Sync>;

/// `microEndpointConfig`.
#[derive(Clone, Default)]
pub struct EndpointConfig {
    /// The endpoint's name (`A-Z a-z 0-9 _ -`).
    pub name: String,
    /// The subject (under the group's prefix); `None` or empty: the name.
    pub subject: Option<String>,
    /// Overrides the group's and the service's queue group.
    pub queue_group: Option<String>,
    /// Subscribe without a queue group.
    pub no_queue_group: bool,
    pub metadata: Metadata,
    pub handler: Option<RequestHandler>,
    /// Opaque value for the C layer (`State`).
    pub state: usize,
}

/// `microGroupConfig`.
#[derive(Clone, Debug, Default)]
pub struct GroupConfig {
    /// The subject prefix (under the parent group's prefix).
    pub prefix: String,
    pub queue_group: Option<String>,
    pub no_queue_group: bool,
}

/// `microServiceConfig`.
#[derive(Clone, Default)]
pub struct ServiceConfig {
    pub name: String,
    /// A semantic version (semver.org).
    pub version: String,
    pub description: Option<String>,
    /// The default queue group of the endpoints (`None`: `q`).
    pub queue_group: Option<String>,
    pub no_queue_group: bool,
    pub metadata: Metadata,
    /// An endpoint added with the service.
    pub endpoint: Option<EndpointConfig>,
    /// Replaces the default STATS responder.
    pub stats_handler: Option<RequestHandler>,
    pub err_handler: Option<ErrHandler>,
    pub done_handler: Option<DoneHandler>,
    /// Opaque value for the C layer (`State`).
    pub state: usize,
}

/// The control subject `$SRV.<verb>[.<name>[.<id>]]`. An id without a
/// name is an error, as in cnats.
pub fn control_subject(verb: &str, name: Option<&str>, id: Option<&str>) -> Result<String, MicroError> {
    let name = name.filter(|s| !s.is_empty());
    let id = id.filter(|s| !s.is_empty());
    match (name, id) {
        (None, Some(id)) => Err(MicroError::new(format!(
            "service name is required when id is provided: '{id}'"
        ))),
        (None, None) => Ok(format!("{API_PREFIX}.{verb}")),
        (Some(n), None) => Ok(format!("{API_PREFIX}.{verb}.{n}")),
        (Some(n), Some(i)) => Ok(format!("{API_PREFIX}.{verb}.{n}.{i}")),
    }
}

//! The `$SRV` monitoring responders and their ADR-32 JSON documents.

use super::service::{ServiceInfo, ServiceStats};
use super::{Metadata, MicroError, Request, PING_RESPONSE_TYPE};
use serde::Serialize;
use serde_json::{Map, Value};

fn metadata_json(m: &Metadata) -> Map<String, Value> {
    m.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect()
}

#[derive(Serialize)]
struct Ping<'a> {
    #[serde(rename = "type")]
    type_: &'a str,
    name: &'a str,
    id: &'a str,
    version: &'a str,
    metadata: Map<String, Value>,
}

#[derive(Serialize)]
struct EpInfo<'a> {
    name: &'a str,
    subject: &'a str,
    /// Empty when the endpoint has no queue group.
    queue_group: &'a str,
    metadata: Map<String, Value>,
}

#[derive(Serialize)]
struct Info<'a> {
    #[serde(rename = "type")]
    type_: &'a str,
    name: &'a str,
    id: &'a str,
    version: &'a str,
    metadata: Map<String, Value>,
    description: &'a str,
    endpoints: Vec<EpInfo<'a>>,
}

#[derive(Serialize)]
struct EpStats<'a> {
    name: &'a str,
    subject: &'a str,
    queue_group: &'a str,
    num_requests: i64,
    num_errors: i64,
    last_error: &'a str,
    /// Nanoseconds, an integer (ADR-32 `Nanos`).
    processing_time: i64,
    average_processing_time: i64,
}

#[derive(Serialize)]
struct Stats<'a> {
    #[serde(rename = "type")]
    type_: &'a str,
    name: &'a str,
    id: &'a str,
    version: &'a str,
    metadata: Map<String, Value>,
    /// RFC 3339, UTC.
    started: String,
    endpoints: Vec<EpStats<'a>>,
}

/// The PING response of a service.
pub fn ping_json(name: &str, id: &str, version: &str, metadata: &Metadata) -> Vec<u8> {
    serde_json::to_vec(&Ping {
        type_: PING_RESPONSE_TYPE,
        name,
        id,
        version,
        metadata: metadata_json(metadata),
    })
    .unwrap_or_default()
}

/// The INFO response.
pub fn info_json(i: &ServiceInfo) -> Vec<u8> {
    serde_json::to_vec(&Info {
        type_: &i.type_,
        name: &i.name,
        id: &i.id,
        version: &i.version,
        metadata: metadata_json(&i.metadata),
        description: &i.description,
        endpoints: i
            .endpoints
            .iter()
            .map(|e| EpInfo {
                name: &e.name,
                subject: &e.subject,
                queue_group: e.queue_group.as_deref().unwrap_or(""),
                metadata: metadata_json(&e.metadata),
            })
            .collect(),
    })
    .unwrap_or_default()
}

/// The STATS response.
pub fn stats_json(s: &ServiceStats) -> Vec<u8> {
    serde_json::to_vec(&Stats {
        type_: &s.type_,
        name: &s.name,
        id: &s.id,
        version: &s.version,
        metadata: metadata_json(&s.metadata),
        started: crate::js::time::format_rfc3339(s.started_ns),
        endpoints: s
            .endpoints
            .iter()
            .map(|e| EpStats {
                name: &e.name,
                subject: &e.subject,
                queue_group: e.queue_group.as_deref().unwrap_or(""),
                num_requests: e.num_requests,
                num_errors: e.num_errors,
                last_error: &e.last_error,
                processing_time: e.processing_time_ns,
                average_processing_time: e.average_processing_time_ns,
            })
            .collect(),
    })
    .unwrap_or_default()
}

pub(super) fn handle_ping(req: &mut Request) -> Result<(), MicroError> {
    let s = req.service().clone();
    let body = ping_json(s.name(), s.id(), s.version(), s.metadata());
    req.respond(&body)
}

pub(super) fn handle_info(req: &mut Request) -> Result<(), MicroError> {
    let body = info_json(&req.service().info());
    req.respond(&body)
}

pub(super) fn handle_stats(req: &mut Request) -> Result<(), MicroError> {
    if let Some(h) = req.service().config().stats_handler.clone() {
        return h(req);
    }
    let body = stats_json(&req.service().stats());
    req.respond(&body)
}

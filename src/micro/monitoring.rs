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
    /// The stats handler's data: none here, sent as `null` (nats-py reads
    /// the key unconditionally).
    data: Option<Value>,
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

/// RFC 3339 in UTC with exactly six fractional digits: what every client
/// parses (nats-py's `strptime("%Y-%m-%dT%H:%M:%S.%fZ")` takes at most
/// six and needs at least one).
pub fn format_started(ns: i64) -> String {
    let full = crate::js::time::format_rfc3339(ns);
    // `…SS.nnnnnnnnnZ` → `…SS.uuuuuuZ`.
    format!("{}Z", &full[..full.len() - 4])
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
        started: format_started(s.started_ns),
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
                data: None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::micro::{control_subject, EndpointStats, ServiceStats};

    #[test]
    fn started_has_six_fractional_digits() {
        // 2021-01-02T03:04:05.000007890Z
        let ns = 1_609_556_645_000_007_890;
        assert_eq!(format_started(ns), "2021-01-02T03:04:05.000007Z");
        assert_eq!(format_started(1_609_556_645_000_000_000), "2021-01-02T03:04:05.000000Z");
    }

    #[test]
    fn stats_json_fields_and_integer_times() {
        let s = ServiceStats {
            type_: crate::micro::STATS_RESPONSE_TYPE.into(),
            name: "n".into(),
            version: "1.0.0".into(),
            id: "ID".into(),
            metadata: vec![("a".into(), "\"quoted\"".into())],
            started_ns: 0,
            endpoints: vec![EndpointStats {
                name: "e".into(),
                subject: "s".into(),
                queue_group: None,
                num_requests: 3,
                num_errors: 1,
                processing_time_ns: 3_000_000_001,
                average_processing_time_ns: 1_000_000_000,
                last_error: "boom".into(),
            }],
        };
        let v: Value = serde_json::from_slice(&stats_json(&s)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "type": "io.nats.micro.v1.stats_response", "name": "n", "id": "ID", "version": "1.0.0",
                "metadata": {"a": "\"quoted\""}, "started": "1970-01-01T00:00:00.000000Z",
                "endpoints": [{"name": "e", "subject": "s", "queue_group": "", "num_requests": 3,
                    "num_errors": 1, "last_error": "boom", "processing_time": 3_000_000_001u64,
                    "average_processing_time": 1_000_000_000u64, "data": null}]
            })
        );
        let p: Value = serde_json::from_slice(&ping_json("n", "ID", "1.0.0", &vec![])).unwrap();
        assert_eq!(
            p,
            serde_json::json!({"type": "io.nats.micro.v1.ping_response", "name": "n", "id": "ID",
                "version": "1.0.0", "metadata": {}})
        );
    }

    #[test]
    fn control_subjects() {
        assert_eq!(control_subject("PING", None, None).unwrap(), "$SRV.PING");
        assert_eq!(control_subject("INFO", Some("svc"), None).unwrap(), "$SRV.INFO.svc");
        assert_eq!(
            control_subject("STATS", Some("svc"), Some("X")).unwrap(),
            "$SRV.STATS.svc.X"
        );
        assert!(control_subject("PING", None, Some("X")).is_err());
        assert_eq!(control_subject("PING", Some(""), Some("")).unwrap(), "$SRV.PING");
    }
}

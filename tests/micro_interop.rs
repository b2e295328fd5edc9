//! Services (ADR-32) with peers we did not write:
//! - nats-py (PyPI `nats-py`, `nats.micro`) discovers our service with PING
//!   on the three subject forms and decodes its INFO and STATS with its own
//!   types, checking the JSON type of every field; we compare the values;
//! - our [`Client`] calls a service written with nats-py (a reply, and a
//!   service error with its code);
//! - the JavaScript `@nats-io/services` client (installed with npm into a
//!   temporary directory; skipped with a message when npm cannot install
//!   it) discovers, pings and reads our service.
//!
//! The peers' sides are tests/interop/micro_nats_py.py and micro_js.cjs.

mod common;

use common::server::Server;
use nats::conn::Connection;
use nats::micro::*;
use nats::options::Options;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

fn connect(srv: &Server) -> Arc<Connection> {
    let o = Options {
        url: Some(srv.url().into()),
        ..Options::default()
    };
    Connection::connect(o).expect("connect")
}

fn has_nats_py() -> bool {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("python3 not installed: skipped");
        return false;
    }
    let ok = Command::new("python3")
        .args(["-c", "import nats.micro"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "nats-py is missing: run `bash scripts/setup.sh test` (pip install nats-py)"
    );
    true
}

/// Our service "rsvc" with three endpoints (one in a group with its own
/// queue group, one without a queue group) and a known history of
/// requests, plus a second service "other" for discovery.
fn our_services(nc: &Arc<Connection>) -> (Arc<Service>, Arc<Service>) {
    let mut cfg = ServiceConfig {
        name: "rsvc".into(),
        version: "1.4.2-beta.1".into(),
        description: Some("rnats test service".into()),
        metadata: vec![("lang".into(), "rust".into())],
        ..Default::default()
    };
    cfg.endpoint = Some(EndpointConfig {
        name: "add".into(),
        handler: Some(Arc::new(|r: &mut Request| r.respond(b"sum"))),
        ..Default::default()
    });
    let svc = Service::add(nc, cfg).unwrap();
    let g = svc
        .add_group(GroupConfig {
            prefix: "math".into(),
            queue_group: Some("mq".into()),
            ..Default::default()
        })
        .unwrap();
    g.add_endpoint(EndpointConfig {
        name: "mul".into(),
        metadata: vec![("op".into(), "*".into())],
        handler: Some(Arc::new(|r: &mut Request| {
            std::thread::sleep(std::time::Duration::from_millis(5));
            r.respond(b"product")
        })),
        ..Default::default()
    })
    .unwrap();
    svc.add_endpoint(EndpointConfig {
        name: "bad".into(),
        no_queue_group: true,
        handler: Some(Arc::new(|_r: &mut Request| Err(MicroError::with_code(500, "broken")))),
        ..Default::default()
    })
    .unwrap();
    for (subj, n) in [("add", 3), ("math.mul", 2), ("bad", 1)] {
        for _ in 0..n {
            nc.request(subj.as_bytes(), None, b"", 3000).unwrap();
        }
    }
    let other = Service::add(
        nc,
        ServiceConfig {
            name: "other".into(),
            version: "0.0.1".into(),
            ..Default::default()
        },
    )
    .unwrap();
    // Handlers that responded themselves count after their reply.
    assert!(common::wait_for(std::time::Duration::from_secs(2), || svc
        .stats()
        .endpoints
        .iter()
        .map(|e| e.num_requests)
        .sum::<i64>()
        == 6));
    (svc, other)
}

fn expected_endpoint_infos() -> Value {
    json!([
        ["add", "add", "q", {}],
        ["mul", "math.mul", "mq", {"op": "*"}],
        ["bad", "bad", "", {}],
    ])
}

fn expected_endpoint_stats(svc: &Service) -> Value {
    let st = svc.stats();
    let got: Vec<(String, i64, i64, String)> = st
        .endpoints
        .iter()
        .map(|e| (e.name.clone(), e.num_requests, e.num_errors, e.last_error.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("add".into(), 3, 0, String::new()),
            ("mul".into(), 2, 0, String::new()),
            ("bad".into(), 1, 1, "code 500: broken".into()),
        ]
    );
    assert!(st.endpoints[1].processing_time_ns >= 10_000_000);
    Value::Array(
        st.endpoints
            .iter()
            .map(|e| {
                json!({
                    "name": e.name,
                    "subject": e.subject,
                    "queue_group": e.queue_group.clone().unwrap_or_default(),
                    "num_requests": e.num_requests,
                    "num_errors": e.num_errors,
                    "last_error": e.last_error,
                    "processing_time": e.processing_time_ns,
                    "average_processing_time": e.average_processing_time_ns,
                })
            })
            .collect(),
    )
}

#[test]
fn nats_py_discovers_pings_and_reads_info_and_stats_of_our_service() {
    if !has_nats_py() {
        return;
    }
    let srv = Server::start_default();
    let nc = connect(&srv);
    let (svc, other) = our_services(&nc);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/micro_nats_py.py");
    let out = Command::new("python3")
        .args([script, "inspect", &srv.url(), "rsvc", svc.id()])
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "nats-py side failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("nats-py output is JSON");

    let me = json!(["rsvc", svc.id(), "1.4.2-beta.1", {"lang": "rust"}]);
    let mut all = vec![me.clone(), json!(["other", other.id(), "0.0.1", {}])];
    all.sort_by_key(|a| a.to_string());
    let mut got_all = v["ping_all"].as_array().unwrap().clone();
    got_all.sort_by_key(|a| a.to_string());
    assert_eq!(got_all, all, "discovery with $SRV.PING");
    assert_eq!(v["ping_kind"], json!([me]));
    assert_eq!(v["ping_id"], json!([me]));

    let stats_eps = expected_endpoint_stats(&svc);
    for form in ["kind", "id"] {
        let i = &v[format!("info_{form}")];
        assert_eq!(i["name"], "rsvc");
        assert_eq!(i["id"], svc.id());
        assert_eq!(i["version"], "1.4.2-beta.1");
        assert_eq!(i["description"], "rnats test service");
        assert_eq!(i["metadata"], json!({"lang": "rust"}));
        assert_eq!(i["endpoints"], expected_endpoint_infos());

        let s = &v[format!("stats_{form}")];
        assert_eq!(s["name"], "rsvc");
        assert_eq!(s["id"], svc.id());
        assert_eq!(s["version"], "1.4.2-beta.1");
        assert_eq!(s["metadata"], json!({"lang": "rust"}));
        assert_eq!(s["started"], monitoring::format_started(svc.started_ns()));
        assert_eq!(s["endpoints"], stats_eps);
    }
}

#[test]
fn our_client_calls_a_nats_py_service() {
    if !has_nats_py() {
        return;
    }
    let srv = Server::start_default();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/micro_nats_py.py");
    let mut child = Command::new("python3")
        .args([script, "serve", &srv.url()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run python3");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let py_id = line
        .trim()
        .strip_prefix("READY ")
        .unwrap_or_else(|| panic!("nats-py: {line:?}"))
        .to_string();

    let nc = connect(&srv);
    let c = Client::new(&nc);
    let m = c.do_request("reverse", b"rnats").unwrap();
    assert_eq!(m.data(), b"stanr");
    let e = c.do_request("py.fail", b"").unwrap_err();
    assert_eq!(e.code(), 418);
    assert_eq!(e.message, "teapot");
    assert_eq!(e.to_string(), "code 418: teapot");

    // Its monitoring documents, read by us.
    let m = c.do_request(&format!("$SRV.INFO.pysvc.{py_id}"), b"").unwrap();
    let info: Value = serde_json::from_slice(m.data()).unwrap();
    assert_eq!(info["type"], INFO_RESPONSE_TYPE);
    assert_eq!(info["version"], "2.0.0");
    let subjects: Vec<&str> = info["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["reverse", "py.fail"]);
    let m = c.do_request("$SRV.STATS.pysvc", b"").unwrap();
    let stats: Value = serde_json::from_slice(m.data()).unwrap();
    assert_eq!(stats["endpoints"][0]["num_requests"], 1);
    assert_eq!(stats["endpoints"][1]["num_requests"], 1);

    drop(child.stdin.take());
    let st = child.wait().unwrap();
    assert!(st.success(), "nats-py service exited with {st}");
}

/// Installs the JavaScript packages into `dir`; `None` (with the reason)
/// when npm is missing or cannot reach its registry.
fn npm_install(dir: &std::path::Path) -> Option<()> {
    let out = Command::new("timeout")
        .args(["300", "npm", "install", "--no-audit", "--no-fund", "--prefix"])
        .arg(dir)
        .args(["@nats-io/services", "@nats-io/transport-node"])
        .output();
    match out {
        Ok(o) if o.status.success() => Some(()),
        Ok(o) => {
            eprintln!(
                "SKIPPED: npm could not install @nats-io/services (registry unreachable?):\n{}",
                String::from_utf8_lossy(&o.stderr)
            );
            None
        }
        Err(e) => {
            eprintln!("SKIPPED: npm is not available: {e}");
            None
        }
    }
}

#[test]
fn javascript_services_client_discovers_our_service() {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("SKIPPED: node is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    if npm_install(dir.path()).is_none() {
        return;
    }
    let script = dir.path().join("micro_js.cjs");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/micro_js.cjs"),
        &script,
    )
    .unwrap();

    let srv = Server::start_default();
    let nc = connect(&srv);
    let (svc, other) = our_services(&nc);
    let out = Command::new("node")
        .arg(&script)
        .args([&srv.url(), "rsvc", svc.id()])
        .current_dir(dir.path())
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "JavaScript side failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("node output is JSON");

    let me = json!(["rsvc", svc.id(), "1.4.2-beta.1", {"lang": "rust"}]);
    let mut all = vec![me.clone(), json!(["other", other.id(), "0.0.1", {}])];
    all.sort_by_key(|a| a.to_string());
    let mut got_all = v["ping_all"].as_array().unwrap().clone();
    got_all.sort_by_key(|a| a.to_string());
    assert_eq!(got_all, all, "discovery with $SRV.PING");
    assert_eq!(v["ping_kind"], json!([me]));
    assert_eq!(v["ping_id"], json!([me]));

    let i = &v["info"];
    assert_eq!(i["type"], INFO_RESPONSE_TYPE);
    assert_eq!(i["name"], "rsvc");
    assert_eq!(i["id"], svc.id());
    assert_eq!(i["description"], "rnats test service");
    let eps: Vec<Value> = i["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| json!([e["name"], e["subject"], e["queue_group"], e["metadata"]]))
        .collect();
    assert_eq!(Value::Array(eps), expected_endpoint_infos());

    let s = &v["stats"];
    assert_eq!(s["type"], STATS_RESPONSE_TYPE);
    assert_eq!(s["id"], svc.id());
    let mut got_eps = s["endpoints"].clone();
    for e in got_eps.as_array_mut().unwrap() {
        assert!(e["data"].is_null());
        e.as_object_mut().unwrap().remove("data");
    }
    assert_eq!(got_eps, expected_endpoint_stats(&svc));
    // JavaScript's Date parsed `started` to the millisecond.
    assert_eq!(v["started_ms"].as_i64().unwrap(), svc.started_ns() / 1_000_000);
}

//! The services framework (`nats::micro`, ADR-32) against a real
//! nats-server: routing to endpoints and groups, queue groups, error
//! headers and counting, statistics, the `$SRV` monitoring subjects and
//! their JSON, validation, stop/destroy from inside a handler, load sharing
//! between two instances, and the small client.

mod common;

use common::server::Server;
use common::wait_for;
use nats::conn::Connection;
use nats::micro::*;
use nats::msg::Msg;
use nats::natsStatus::{self, *};
use nats::options::Options;
use parking_lot::Mutex;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn connect(srv: &Server) -> Arc<Connection> {
    let o = Options {
        url: Some(srv.url().into()),
        ..Options::default()
    };
    Connection::connect(o).expect("connect")
}

fn handler(f: impl Fn(&mut Request) -> Result<(), MicroError> + Send + Sync + 'static) -> Option<RequestHandler> {
    Some(Arc::new(f))
}

/// Answers `<endpoint name>|<request subject>|<data>`.
fn echo() -> Option<RequestHandler> {
    handler(|r| {
        let body = format!(
            "{}|{}|{}",
            r.endpoint().name(),
            String::from_utf8_lossy(r.subject()),
            String::from_utf8_lossy(r.data())
        );
        r.respond(body.as_bytes())
    })
}

fn ep(name: &str, h: Option<RequestHandler>) -> EndpointConfig {
    EndpointConfig {
        name: name.into(),
        handler: h,
        ..Default::default()
    }
}

fn svc_cfg(name: &str) -> ServiceConfig {
    ServiceConfig {
        name: name.into(),
        version: "1.2.3".into(),
        ..Default::default()
    }
}

fn req(nc: &Connection, subject: &str, data: &[u8]) -> Box<Msg> {
    nc.request(subject.as_bytes(), None, data, 3000)
        .unwrap_or_else(|e| panic!("request {subject}: {e}"))
}

fn req_text(nc: &Connection, subject: &str, data: &str) -> String {
    String::from_utf8(req(nc, subject, data.as_bytes()).data().to_vec()).unwrap()
}

fn req_json(nc: &Connection, subject: &str) -> Value {
    serde_json::from_slice(req(nc, subject, b"").data()).expect("JSON reply")
}

fn header(m: &mut Msg, k: &str) -> Option<String> {
    m.existing_headers()
        .unwrap()
        .and_then(|h| h.get(k.as_bytes()).map(|v| v.to_str().unwrap().to_string()))
}

/// Publishes to `subject` with a fresh inbox and collects every reply for
/// `wait`.
fn gather(nc: &Connection, subject: &str, wait: Duration) -> Vec<Value> {
    let inbox = format!("_INBOX.{}", nats::nuid::next());
    let sub = nc.subscribe(inbox.as_bytes(), None, None, 0).unwrap();
    nc.publish(subject.as_bytes(), Some(inbox.as_bytes()), None, b"")
        .unwrap();
    let mut out = Vec::new();
    let deadline = std::time::Instant::now() + wait;
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match sub.next_msg(left.as_millis().max(1) as i64) {
            Ok(m) => out.push(serde_json::from_slice(m.data()).unwrap()),
            Err(_) => break,
        }
    }
    let _ = nc.unsubscribe(&sub, 0);
    out
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn set(ks: &[&str]) -> BTreeSet<String> {
    ks.iter().map(|s| s.to_string()).collect()
}

#[test]
fn requests_reach_the_right_endpoint_and_group_with_their_queue_groups() {
    let srv = Server::start_default();
    let nc = connect(&srv);
    let mut cfg = svc_cfg("calc");
    cfg.endpoint = Some(ep("add", echo()));
    let svc = Service::add(&nc, cfg).unwrap();
    // Service level: default queue group `q`; an explicit override; none.
    svc.add_endpoint(EndpointConfig {
        subject: Some("calc.sub".into()),
        ..ep("sub", echo())
    })
    .unwrap();
    svc.add_endpoint(EndpointConfig {
        queue_group: Some("eq".into()),
        ..ep("div", echo())
    })
    .unwrap();
    svc.add_endpoint(EndpointConfig {
        no_queue_group: true,
        ..ep("mod", echo())
    })
    .unwrap();
    // A group with its own queue group, a nested group inheriting it, an
    // endpoint overriding it, and a group without any.
    let math = svc
        .add_group(GroupConfig {
            prefix: "math".into(),
            queue_group: Some("gq".into()),
            ..Default::default()
        })
        .unwrap();
    math.add_endpoint(ep("mul", echo())).unwrap();
    let adv = math
        .add_group(GroupConfig {
            prefix: "adv".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(adv.prefix(), "math.adv");
    adv.add_endpoint(EndpointConfig {
        subject: Some("square".into()),
        ..ep("sq", echo())
    })
    .unwrap();
    adv.add_endpoint(EndpointConfig {
        queue_group: Some("own".into()),
        ..ep("cube", echo())
    })
    .unwrap();
    let plain = svc
        .add_group(GroupConfig {
            prefix: "plain".into(),
            no_queue_group: true,
            ..Default::default()
        })
        .unwrap();
    plain.add_endpoint(ep("neg", echo())).unwrap();

    assert_eq!(req_text(&nc, "add", "1"), "add|add|1");
    assert_eq!(req_text(&nc, "calc.sub", "2"), "sub|calc.sub|2");
    assert_eq!(req_text(&nc, "div", "3"), "div|div|3");
    assert_eq!(req_text(&nc, "mod", "4"), "mod|mod|4");
    assert_eq!(req_text(&nc, "math.mul", "5"), "mul|math.mul|5");
    assert_eq!(req_text(&nc, "math.adv.square", "6"), "sq|math.adv.square|6");
    assert_eq!(req_text(&nc, "math.adv.cube", "7"), "cube|math.adv.cube|7");
    assert_eq!(req_text(&nc, "plain.neg", "8"), "neg|plain.neg|8");
    // The endpoint name alone is not the subject of a grouped endpoint.
    assert_eq!(
        nc.request(b"mul", None, b"", 1000).unwrap_err().status,
        NATS_NO_RESPONDERS
    );

    let info = svc.info();
    let qg: Vec<(String, String, Option<String>)> = info
        .endpoints
        .iter()
        .map(|e| (e.name.clone(), e.subject.clone(), e.queue_group.clone()))
        .collect();
    let s = |a: &str, b: &str, c: Option<&str>| (a.to_string(), b.to_string(), c.map(str::to_string));
    assert_eq!(
        qg,
        vec![
            s("add", "add", Some("q")),
            s("sub", "calc.sub", Some("q")),
            s("div", "div", Some("eq")),
            s("mod", "mod", None),
            s("mul", "math.mul", Some("gq")),
            s("sq", "math.adv.square", Some("gq")),
            s("cube", "math.adv.cube", Some("own")),
            s("neg", "plain.neg", None),
        ]
    );
    // Every endpoint counted exactly its one request (the count follows
    // the handler's return, which may come after its response).
    assert!(wait_for(Duration::from_secs(2), || svc
        .stats()
        .endpoints
        .iter()
        .all(|e| e.num_requests == 1)));
    for e in svc.stats().endpoints {
        assert_eq!((e.name.as_str(), e.num_requests, e.num_errors), (e.name.as_str(), 1, 0));
    }
    svc.stop().unwrap();
}

#[test]
fn service_queue_group_and_no_queue_group_apply_to_endpoints() {
    let srv = Server::start_default();
    let nc = connect(&srv);
    let mut cfg = svc_cfg("qsvc");
    cfg.queue_group = Some("svcq".into());
    cfg.endpoint = Some(ep("a", echo()));
    let s1 = Service::add(&nc, cfg).unwrap();
    let g = s1
        .add_group(GroupConfig {
            prefix: "g".into(),
            ..Default::default()
        })
        .unwrap();
    g.add_endpoint(ep("b", echo())).unwrap();
    let mut cfg = svc_cfg("nq");
    cfg.no_queue_group = true;
    cfg.endpoint = Some(ep("c", echo()));
    let s2 = Service::add(&nc, cfg).unwrap();
    let q: Vec<Option<String>> = s1.info().endpoints.into_iter().map(|e| e.queue_group).collect();
    assert_eq!(q, vec![Some("svcq".to_string()), Some("svcq".to_string())]);
    assert_eq!(s2.info().endpoints[0].queue_group, None);
    // The JSON has an empty queue_group for "none".
    let v = req_json(&nc, &format!("$SRV.INFO.nq.{}", s2.id()));
    assert_eq!(v["endpoints"][0]["queue_group"], "");
    let v = req_json(&nc, &format!("$SRV.INFO.qsvc.{}", s1.id()));
    assert_eq!(v["endpoints"][1]["queue_group"], "svcq");
    assert_eq!(v["endpoints"][1]["subject"], "g.b");
}

#[test]
fn errors_produce_the_headers_and_are_counted_once() {
    let srv = Server::start_default();
    let nc = connect(&srv);
    let mut cfg = svc_cfg("errs");
    cfg.endpoint = Some(ep(
        "e",
        handler(|r| match r.data() {
            b"ok" => r.respond(b"fine"),
            // Returned: the framework responds with it.
            b"ret" => Err(MicroError::with_code(400, "bad input")),
            // Responded AND returned: one response, one error.
            b"both" => {
                let e = MicroError::with_code(409, "conflict");
                r.respond_error(&e)?;
                Err(e)
            }
            // An error carrying a NATS status.
            b"status" => Err(MicroError::from_status(NATS_TIMEOUT).unwrap()),
            // Data and an error.
            b"custom" => r.respond_custom(Some(&MicroError::with_code(422, "half")), b"partial"),
            b"panic" => panic!("handler blew up"),
            _ => unreachable!(),
        }),
    ));
    let svc = Service::add(&nc, cfg).unwrap();

    let mut m = req(&nc, "e", b"ok");
    assert_eq!(m.data(), b"fine");
    assert_eq!(header(&mut m, ERROR_HDR), None);
    assert_eq!(header(&mut m, ERROR_CODE_HDR), None);
    assert_eq!(svc.stats().endpoints[0].num_errors, 0);

    let mut m = req(&nc, "e", b"ret");
    assert_eq!(m.data(), b"");
    assert_eq!(header(&mut m, "Nats-Service-Error").as_deref(), Some("bad input"));
    assert_eq!(header(&mut m, "Nats-Service-Error-Code").as_deref(), Some("400"));
    assert_eq!(header(&mut m, STATUS_HDR), None);
    let st = &svc.stats().endpoints[0];
    assert_eq!((st.num_requests, st.num_errors), (2, 1));
    assert_eq!(st.last_error, "code 400: bad input");

    // One reply only: a second one would arrive on the inbox.
    let inbox = format!("_INBOX.{}", nats::nuid::next());
    let sub = nc.subscribe(inbox.as_bytes(), None, None, 0).unwrap();
    nc.publish(b"e", Some(inbox.as_bytes()), None, b"both").unwrap();
    let mut m = sub.next_msg(3000).unwrap();
    assert_eq!(header(&mut m, ERROR_HDR).as_deref(), Some("conflict"));
    assert_eq!(header(&mut m, ERROR_CODE_HDR).as_deref(), Some("409"));
    assert_eq!(sub.next_msg(300).unwrap_err().status, NATS_TIMEOUT);
    assert!(wait_for(Duration::from_secs(2), || svc.stats().endpoints[0]
        .num_requests
        == 3));
    let st = &svc.stats().endpoints[0];
    assert_eq!((st.num_requests, st.num_errors), (3, 2), "counted once");
    assert_eq!(st.last_error, "code 409: conflict");

    let mut m = req(&nc, "e", b"status");
    assert_eq!(header(&mut m, STATUS_HDR).as_deref(), Some(NATS_TIMEOUT.text()));
    assert_eq!(header(&mut m, ERROR_HDR).as_deref(), Some(NATS_TIMEOUT.text()));
    assert_eq!(header(&mut m, ERROR_CODE_HDR).as_deref(), Some("0"));

    let mut m = req(&nc, "e", b"custom");
    assert_eq!(m.data(), b"partial");
    assert_eq!(header(&mut m, ERROR_CODE_HDR).as_deref(), Some("422"));

    let mut m = req(&nc, "e", b"panic");
    let text = header(&mut m, ERROR_HDR).unwrap();
    assert!(text.contains("handler blew up"), "{text}");

    assert!(wait_for(Duration::from_secs(2), || svc.stats().endpoints[0]
        .num_requests
        == 6));
    let st = &svc.stats().endpoints[0];
    assert_eq!((st.num_requests, st.num_errors), (6, 5));
    assert!(st.last_error.contains("handler blew up"), "{}", st.last_error);
    // The service still serves after a panic.
    assert_eq!(req(&nc, "e", b"ok").data(), b"fine");

    // A request without a reply subject: the error is counted once, no
    // crash.
    nc.publish(b"e", None, None, b"ret").unwrap();
    assert!(wait_for(Duration::from_secs(2), || svc.stats().endpoints[0]
        .num_requests
        == 8));
    assert_eq!(svc.stats().endpoints[0].num_errors, 6);
    // The STATS document reports the same.
    let v = req_json(&nc, &format!("$SRV.STATS.errs.{}", svc.id()));
    assert_eq!(v["endpoints"][0]["num_errors"], 6);
    assert_eq!(v["endpoints"][0]["num_requests"], 8);
    assert_eq!(v["endpoints"][0]["last_error"], "code 400: bad input");
}

#[test]
fn stats_match_what_was_done() {
    let srv = Server::start_default();
    let nc = connect(&srv);
    let mut cfg = svc_cfg("slow");
    cfg.endpoint = Some(ep(
        "nap",
        handler(|r| {
            let ms: u64 = std::str::from_utf8(r.data()).unwrap().parse().unwrap();
            std::thread::sleep(Duration::from_millis(ms));
            if ms == 30 {
                return Err(MicroError::new("thirty is too slow"));
            }
            r.respond(b"")
        }),
    ));
    let svc = Service::add(&nc, cfg).unwrap();
    let before = svc.stats().endpoints[0].clone();
    assert_eq!(
        (
            before.num_requests,
            before.num_errors,
            before.processing_time_ns,
            before.average_processing_time_ns
        ),
        (0, 0, 0, 0)
    );
    assert_eq!(before.last_error, "");
    for ms in [10, 20, 30, 40] {
        req(&nc, "nap", ms.to_string().as_bytes());
    }
    assert!(wait_for(Duration::from_secs(2), || svc.stats().endpoints[0]
        .num_requests
        == 4));
    let st = svc.stats().endpoints[0].clone();
    assert_eq!(st.num_errors, 1);
    assert_eq!(st.last_error, "thirty is too slow");
    assert!(st.processing_time_ns >= 100_000_000, "{}", st.processing_time_ns);
    assert!(st.processing_time_ns < 2_000_000_000, "{}", st.processing_time_ns);
    assert_eq!(st.average_processing_time_ns, st.processing_time_ns / 4);

    // The JSON carries integers in nanoseconds, the same values.
    let v = req_json(&nc, "$SRV.STATS.slow");
    let e = &v["endpoints"][0];
    assert!(e["processing_time"].is_i64(), "{e}");
    assert!(e["average_processing_time"].is_i64(), "{e}");
    assert_eq!(e["processing_time"].as_i64().unwrap(), st.processing_time_ns);
    assert_eq!(
        e["average_processing_time"].as_i64().unwrap(),
        st.average_processing_time_ns
    );
    assert_eq!(e["num_requests"], 4);
    assert_eq!(e["num_errors"], 1);
    // Monitoring requests are not counted as endpoint requests.
    assert_eq!(svc.stats().endpoints.len(), 1);
    assert_eq!(svc.stats().endpoints[0].num_requests, 4);

    // Re-adding the same subject updates the endpoint and resets its stats.
    svc.add_endpoint(ep("nap", handler(|r| r.respond(b"new")))).unwrap();
    assert_eq!(svc.stats().endpoints.len(), 1);
    assert_eq!(svc.stats().endpoints[0].num_requests, 0);
    assert_eq!(req(&nc, "nap", b"").data(), b"new");
    let e = svc
        .add_endpoint(EndpointConfig {
            no_queue_group: true,
            ..ep("nap", echo())
        })
        .unwrap_err();
    assert!(e.to_string().contains("queue group"), "{e}");
}

#[test]
fn ping_info_stats_on_all_three_subject_forms() {
    let srv = Server::start_default();
    let nc = connect(&srv);
    let mut cfg = svc_cfg("mon");
    cfg.description = Some("a \"quoted\" description".into());
    cfg.metadata = vec![("region".into(), "eu".into()), ("k".into(), "v".into())];
    cfg.endpoint = Some(EndpointConfig {
        metadata: vec![("unit".into(), "ms".into())],
        ..ep("ep1", echo())
    });
    let svc = Service::add(&nc, cfg).unwrap();
    let mut other = svc_cfg("other");
    other.version = "0.1.0-rc.1+build.5".into();
    let svc2 = Service::add(&nc, other).unwrap();
    req(&nc, "ep1", b"x");
    assert!(wait_for(Duration::from_secs(2), || svc.stats().endpoints[0]
        .num_requests
        == 1));
    let id = svc.id().to_string();
    assert_eq!(id.len(), 22, "a NUID");

    let std_keys = ["type", "name", "id", "version", "metadata"];
    for (verb, ty) in [
        ("PING", PING_RESPONSE_TYPE),
        ("INFO", INFO_RESPONSE_TYPE),
        ("STATS", STATS_RESPONSE_TYPE),
    ] {
        // `$SRV.<verb>` reaches both services, `.mon` and `.mon.<id>` only one.
        let all = gather(&nc, &format!("$SRV.{verb}"), Duration::from_millis(500));
        let names: BTreeSet<String> = all.iter().map(|v| v["name"].as_str().unwrap().to_string()).collect();
        assert_eq!(names, set(&["mon", "other"]), "{verb}");
        let kind = gather(&nc, &format!("$SRV.{verb}.mon"), Duration::from_millis(300));
        assert_eq!(kind.len(), 1, "{verb}");
        let one = req_json(&nc, &format!("$SRV.{verb}.mon.{id}"));
        assert_eq!(kind[0]["id"], one["id"]);
        assert!(gather(&nc, &format!("$SRV.{verb}.mon.nope"), Duration::from_millis(200)).is_empty());

        let v = &one;
        assert_eq!(v["type"], ty);
        assert_eq!(v["name"], "mon");
        assert_eq!(v["id"], id.as_str());
        assert_eq!(v["version"], "1.2.3");
        assert_eq!(v["metadata"], serde_json::json!({"region": "eu", "k": "v"}));
        let mut expect = set(&std_keys);
        match verb {
            "PING" => {}
            "INFO" => {
                expect.extend(set(&["description", "endpoints"]));
                assert_eq!(v["description"], "a \"quoted\" description");
                let e = &v["endpoints"][0];
                assert_eq!(keys(e), set(&["name", "subject", "queue_group", "metadata"]));
                assert_eq!(e["name"], "ep1");
                assert_eq!(e["subject"], "ep1");
                assert_eq!(e["queue_group"], "q");
                assert_eq!(e["metadata"], serde_json::json!({"unit": "ms"}));
                assert_eq!(v["endpoints"].as_array().unwrap().len(), 1, "no $SRV endpoints listed");
            }
            _ => {
                expect.extend(set(&["started", "endpoints"]));
                let started = v["started"].as_str().unwrap();
                let ns = nats::js::time::parse_rfc3339(started).expect("RFC 3339");
                assert!((ns - svc.started_ns()).abs() < 1_000, "{started}");
                assert!(started.ends_with('Z') && started.len() == "2026-01-01T00:00:00.000000Z".len());
                let e = &v["endpoints"][0];
                assert_eq!(
                    keys(e),
                    set(&[
                        "name",
                        "subject",
                        "queue_group",
                        "num_requests",
                        "num_errors",
                        "last_error",
                        "processing_time",
                        "average_processing_time",
                        "data"
                    ])
                );
                assert_eq!(e["num_requests"], 1);
                assert_eq!(e["num_errors"], 0);
                assert_eq!(e["last_error"], "");
                assert!(e["processing_time"].is_u64());
                assert!(e["average_processing_time"].is_u64());
                assert!(e["data"].is_null());
            }
        }
        assert_eq!(keys(v), expect, "{verb}: {v}");
    }
    // A service without endpoints lists an empty array, and empty metadata
    // is an object.
    let v = req_json(&nc, &format!("$SRV.INFO.other.{}", svc2.id()));
    assert_eq!(v["endpoints"], serde_json::json!([]));
    assert_eq!(v["metadata"], serde_json::json!({}));
    assert_eq!(v["description"], "");
    assert_eq!(v["version"], "0.1.0-rc.1+build.5");
    let v = req_json(&nc, &format!("$SRV.STATS.other.{}", svc2.id()));
    assert_eq!(v["endpoints"], serde_json::json!([]));
}

#[test]
fn stats_handler_replaces_the_stats_response() {
    let srv = Server::start_default();
    let nc = connect(&srv);
    let mut cfg = svc_cfg("custom");
    cfg.stats_handler = handler(|r| {
        let n = r.service().stats().endpoints.len();
        r.respond(format!("{{\"custom\":{n}}}").as_bytes())
    });
    let _svc = Service::add(&nc, cfg).unwrap();
    assert_eq!(req_json(&nc, "$SRV.STATS.custom")["custom"], 0);
    // PING and INFO are unchanged.
    assert_eq!(req_json(&nc, "$SRV.PING.custom")["type"], PING_RESPONSE_TYPE);
}

fn status_of(r: Result<impl Sized, MicroError>) -> natsStatus {
    match r {
        Ok(_) => NATS_OK,
        Err(e) => e.status(),
    }
}

#[test]
fn names_versions_subjects_and_handlers_are_validated() {
    let srv = Server::start_default();
    let nc = connect(&srv);
    for bad in ["", "a.b", "a b", "a*", "a>", "ü"] {
        let e = Service::add(&nc, svc_cfg(bad)).map(|_| ()).unwrap_err();
        assert_eq!(e.status(), NATS_INVALID_ARG, "{bad}");
        assert!(e.to_string().contains("invalid service name"), "{e}");
    }
    for bad in [
        "", "1", "1.2", "v1.2.3", "01.2.3", "1.2.3-", "1.2.3-01", "1.2.3.4", "latest",
    ] {
        let mut c = svc_cfg("ok");
        c.version = bad.into();
        let e = Service::add(&nc, c).map(|_| ()).unwrap_err();
        assert_eq!(e.status(), NATS_INVALID_ARG, "{bad}");
        assert!(e.to_string().contains("semantic version"), "{e}");
    }
    for good in ["0.0.1", "1.0.0-alpha.1", "2.3.4+meta", "10.0.0-x-y.7+z"] {
        let mut c = svc_cfg("ok");
        c.version = good.into();
        Service::add(&nc, c).unwrap().stop().unwrap();
    }
    let mut c = svc_cfg("ok");
    c.queue_group = Some(String::new());
    assert_eq!(status_of(Service::add(&nc, c)), NATS_INVALID_ARG);
    // A bad endpoint in the configuration fails the whole service and
    // leaves nothing subscribed.
    let ghost_done = Arc::new(AtomicUsize::new(0));
    let gd = ghost_done.clone();
    let mut c = svc_cfg("ghost");
    c.endpoint = Some(ep("bad name", echo()));
    c.done_handler = Some(Arc::new(move |_s: &Arc<Service>| {
        gd.fetch_add(1, Ordering::SeqCst);
    }));
    assert_eq!(status_of(Service::add(&nc, c)), NATS_INVALID_ARG);
    assert_eq!(
        nc.request(b"$SRV.PING.ghost", None, b"", 500).unwrap_err().status,
        NATS_NO_RESPONDERS
    );
    // No done handler for a service the caller never got.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(ghost_done.load(Ordering::SeqCst), 0);

    let svc = Service::add(&nc, svc_cfg("val")).unwrap();
    assert_eq!(status_of(svc.add_endpoint(ep("x.y", echo()))), NATS_INVALID_ARG);
    assert_eq!(status_of(svc.add_endpoint(ep("", echo()))), NATS_INVALID_ARG);
    assert_eq!(status_of(svc.add_endpoint(ep("nohandler", None))), NATS_INVALID_ARG);
    for subj in ["a b", "a..b", "a.>.b", ".a", "a."] {
        let c = EndpointConfig {
            subject: Some(subj.into()),
            ..ep("s", echo())
        };
        assert_eq!(status_of(svc.add_endpoint(c)), NATS_INVALID_ARG, "{subj}");
    }
    // Wildcards are allowed at the end (`>`) and anywhere (`*`).
    svc.add_endpoint(EndpointConfig {
        subject: Some("wild.*.x.>".into()),
        ..ep("w", echo())
    })
    .unwrap();
    assert_eq!(req_text(&nc, "wild.1.x.2.3", "d"), "w|wild.1.x.2.3|d");
    for prefix in ["", ">", "a.>", "a b"] {
        let g = GroupConfig {
            prefix: prefix.into(),
            ..Default::default()
        };
        assert_eq!(status_of(svc.add_group(g)), NATS_INVALID_ARG, "{prefix:?}");
    }
    let g = svc
        .add_group(GroupConfig {
            prefix: "g".into(),
            queue_group: Some("bad queue".into()),
            ..Default::default()
        })
        .map(|_| ())
        .unwrap_err();
    assert_eq!(g.status(), NATS_INVALID_ARG);
    assert_eq!(svc.info().endpoints.len(), 1);
    // A closed connection.
    nc.close();
    assert!(Service::add(&nc, svc_cfg("late")).is_err());
}

#[test]
fn stop_inside_a_handler_is_safe_and_calls_done_once() {
    let srv = Server::start_default();
    let nc = connect(&srv);
    let done = Arc::new(AtomicUsize::new(0));
    let d2 = done.clone();
    let mut cfg = svc_cfg("stopper");
    cfg.done_handler = Some(Arc::new(move |s: &Arc<Service>| {
        assert!(s.is_stopped());
        d2.fetch_add(1, Ordering::SeqCst);
    }));
    cfg.endpoint = Some(ep(
        "stop",
        handler(|r| {
            let svc = r.service().clone();
            svc.stop().map_err(|e| e.wrap("stop"))?;
            assert!(svc.is_stopped());
            // Stopping twice is fine.
            svc.stop()?;
            r.respond(b"stopping")
        }),
    ));
    let svc = Service::add(&nc, cfg).unwrap();
    let runner = {
        let s = svc.clone();
        std::thread::spawn(move || s.run())
    };
    assert!(!svc.is_stopped());
    assert_eq!(req(&nc, "stop", b"").data(), b"stopping");
    assert!(svc.wait_done(Duration::from_secs(5)));
    runner.join().unwrap().unwrap();
    assert!(wait_for(Duration::from_secs(2), || done.load(Ordering::SeqCst) == 1));
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(done.load(Ordering::SeqCst), 1, "done handler called once");
    // Everything unsubscribed; no new endpoints.
    for s in ["stop", "$SRV.PING", "$SRV.PING.stopper"] {
        assert_eq!(
            nc.request(s.as_bytes(), None, b"", 500).unwrap_err().status,
            NATS_NO_RESPONDERS,
            "{s}"
        );
    }
    let e = svc.add_endpoint(ep("again", echo())).unwrap_err();
    assert!(e.to_string().contains("stopped"), "{e}");
    // The stats of the stopped service stay readable.
    assert_eq!(svc.stats().endpoints[0].num_requests, 1);
}

#[test]
fn destroy_inside_a_handler_with_the_last_reference() {
    let srv = Server::start_default();
    let nc = connect(&srv);
    let holder: Arc<Mutex<Option<Arc<Service>>>> = Arc::new(Mutex::new(None));
    let done = Arc::new(AtomicUsize::new(0));
    let d2 = done.clone();
    let h2 = holder.clone();
    let mut cfg = svc_cfg("destroyer");
    cfg.done_handler = Some(Arc::new(move |_s: &Arc<Service>| {
        d2.fetch_add(1, Ordering::SeqCst);
    }));
    cfg.endpoint = Some(ep(
        "bye",
        handler(move |r| {
            // The owner's reference goes away inside the handler.
            let s = h2.lock().take().expect("service");
            s.destroy()?;
            drop(s);
            r.respond(b"bye")
        }),
    ));
    let svc = Service::add(&nc, cfg).unwrap();
    let weak = Arc::downgrade(&svc);
    *holder.lock() = Some(svc);
    assert_eq!(req(&nc, "bye", b"").data(), b"bye");
    assert!(wait_for(Duration::from_secs(5), || done.load(Ordering::SeqCst) == 1));
    // Freed once the drains have completed.
    assert!(wait_for(Duration::from_secs(5), || weak.upgrade().is_none()));
    assert_eq!(
        nc.request(b"bye", None, b"", 500).unwrap_err().status,
        NATS_NO_RESPONDERS
    );
    // The connection is still usable.
    nc.flush_timeout(2000).unwrap();
}

#[test]
fn dropping_a_service_without_stop_leaves_its_subjects() {
    let srv = Server::start_default();
    let nc = connect(&srv);
    let mut cfg = svc_cfg("dropped");
    cfg.endpoint = Some(ep("gone", echo()));
    let svc = Service::add(&nc, cfg).unwrap();
    assert_eq!(req_text(&nc, "gone", ""), "gone|gone|");
    drop(svc);
    assert!(wait_for(Duration::from_secs(2), || nc
        .request(b"gone", None, b"", 200)
        .is_err_and(|e| e.status == NATS_NO_RESPONDERS)));
}

#[test]
fn closing_the_connection_stops_the_service() {
    let srv = Server::start_default();
    let nc = connect(&srv);
    let done = Arc::new(AtomicUsize::new(0));
    let d2 = done.clone();
    let mut cfg = svc_cfg("closing");
    cfg.done_handler = Some(Arc::new(move |_s: &Arc<Service>| {
        d2.fetch_add(1, Ordering::SeqCst);
    }));
    cfg.endpoint = Some(ep("x", echo()));
    let svc = Service::add(&nc, cfg).unwrap();
    nc.close();
    assert!(svc.wait_done(Duration::from_secs(5)));
    assert!(svc.is_stopped());
    assert_eq!(done.load(Ordering::SeqCst), 1);
    svc.run().unwrap();
}

#[test]
fn two_instances_in_one_queue_group_share_the_load() {
    let srv = Server::start_default();
    let nc1 = connect(&srv);
    let nc2 = connect(&srv);
    let client = connect(&srv);
    let make = |nc: &Arc<Connection>| {
        let mut cfg = svc_cfg("pool");
        cfg.endpoint = Some(ep(
            "work",
            handler(|r| {
                let id = r.service().id().to_string();
                r.respond(id.as_bytes())
            }),
        ));
        let s = Service::add(nc, cfg).unwrap();
        // An endpoint without a queue group: every instance gets each message.
        let seen = Arc::new(AtomicUsize::new(0));
        let s2 = seen.clone();
        s.add_endpoint(EndpointConfig {
            no_queue_group: true,
            ..ep(
                "broadcast",
                handler(move |_r| {
                    s2.fetch_add(1, Ordering::SeqCst);
                    Ok(())
                }),
            )
        })
        .unwrap();
        // The same through a group without a queue group.
        let s3 = seen.clone();
        s.add_group(GroupConfig {
            prefix: "bc".into(),
            no_queue_group: true,
            ..Default::default()
        })
        .unwrap()
        .add_endpoint(ep(
            "all",
            handler(move |_r| {
                s3.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }),
        ))
        .unwrap();
        (s, seen)
    };
    let (a, seen_a) = make(&nc1);
    let (b, seen_b) = make(&nc2);
    nc1.flush_timeout(2000).unwrap();
    nc2.flush_timeout(2000).unwrap();
    let n = 200;
    let mut by_a = 0;
    for i in 0..n {
        let m = req(&client, "work", format!("{i}").as_bytes());
        let who = std::str::from_utf8(m.data()).unwrap();
        assert!(who == a.id() || who == b.id(), "{who}");
        if who == a.id() {
            by_a += 1;
        }
    }
    assert!(by_a > 0 && by_a < n, "both instances served: a={by_a} of {n}");
    // Counted when the handler returns, which may follow its reply.
    let counts = || (a.stats().endpoints[0].num_requests, b.stats().endpoints[0].num_requests);
    assert!(wait_for(Duration::from_secs(2), || counts().0 + counts().1 == n as i64));
    assert_eq!(counts(), (by_a as i64, (n - by_a) as i64));
    // STATS on the kind subject reaches both, with the same counts.
    let all = gather(&client, "$SRV.STATS.pool", Duration::from_millis(500));
    assert_eq!(all.len(), 2);
    let total: i64 = all
        .iter()
        .map(|v| v["endpoints"][0]["num_requests"].as_i64().unwrap())
        .sum();
    assert_eq!(total, n as i64);

    for _ in 0..3 {
        client.publish(b"broadcast", None, None, b"").unwrap();
        client.publish(b"bc.all", None, None, b"").unwrap();
    }
    assert!(wait_for(Duration::from_secs(3), || seen_a.load(Ordering::SeqCst) == 6
        && seen_b.load(Ordering::SeqCst) == 6));
    // Stopping one instance: the other serves everything.
    a.stop().unwrap();
    assert!(a.wait_done(Duration::from_secs(5)));
    for _ in 0..10 {
        assert_eq!(req(&client, "work", b"").data(), b.id().as_bytes());
    }
}

#[test]
fn client_do_request_against_a_service() {
    let srv = Server::start_default();
    let nc = connect(&srv);
    let mut cfg = svc_cfg("cli");
    cfg.endpoint = Some(ep(
        "op",
        handler(|r| match r.data() {
            b"fail" => Err(MicroError::with_code(503, "try later")),
            d => {
                let mut v = d.to_vec();
                v.reverse();
                r.respond(&v)
            }
        }),
    ));
    let _svc = Service::add(&nc, cfg).unwrap();
    // The client is on another connection: the server must have the
    // service's subscriptions first.
    nc.flush_timeout(2000).unwrap();
    let other = connect(&srv);
    let c = Client::new(&other);
    let m = c.do_request("op", b"abc").unwrap();
    assert_eq!(m.data(), b"cba");
    let e = c.do_request("op", b"fail").unwrap_err();
    assert_eq!(e.code(), 503);
    assert_eq!(e.message, "try later");
    assert_eq!(e.status(), NATS_OK);
    let e = c.do_request("nobody", b"").unwrap_err();
    assert_eq!(e.status(), NATS_NO_RESPONDERS);
    assert!(e.to_string().starts_with("request failed: "), "{e}");
}

#[test]
fn slow_consumer_on_an_endpoint_calls_the_err_handler_and_stops_the_service() {
    let srv = Server::start_default();
    let o = Options {
        url: Some(srv.url().into()),
        max_pending_msgs: 2,
        // Keep the connection's own report quiet.
        err_cb: Some(Arc::new(|_, _, _, _| {})),
        ..Options::default()
    };
    let nc = Connection::connect(o).unwrap();
    let seen: Arc<Mutex<Vec<(String, String, natsStatus)>>> = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let release_rx = Arc::new(Mutex::new(release_rx));
    let mut cfg = svc_cfg("slowc");
    cfg.err_handler = Some(Arc::new(move |svc: &Arc<Service>, ep: &Arc<Endpoint>, st| {
        s2.lock().push((svc.name().to_string(), ep.subject().to_string(), st));
    }));
    cfg.endpoint = Some(ep(
        "stuck",
        handler(move |_r| {
            let _ = release_rx.lock().recv_timeout(Duration::from_secs(10));
            Ok(())
        }),
    ));
    let svc = Service::add(&nc, cfg).unwrap();
    for _ in 0..10 {
        nc.publish(b"stuck", None, None, b"").unwrap();
    }
    assert!(wait_for(Duration::from_secs(5), || !seen.lock().is_empty()));
    assert_eq!(
        seen.lock()[0],
        ("slowc".to_string(), "stuck".to_string(), NATS_SLOW_CONSUMER)
    );
    // The service stops (as cnats) and is done once the handler returns.
    assert!(svc.is_stopped());
    for _ in 0..10 {
        let _ = release_tx.send(());
    }
    assert!(svc.wait_done(Duration::from_secs(10)));
    let st = &svc.stats().endpoints[0];
    assert!(st.num_errors >= 1);
    assert!(
        st.last_error.contains("NATS error on endpoint 'stuck'"),
        "{}",
        st.last_error
    );
    assert!(st.last_error.contains("Slow Consumer"), "{}", st.last_error);
}

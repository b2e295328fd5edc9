//! JetStream management (streams, consumers, messages, account) through
//! the core API against a real `nats-server -js`.

mod common;

use common::server::Server;
use nats::conn::Connection;
use nats::js::*;
use nats::natsStatus::{self, *};
use nats::options::Options;
use std::sync::Arc;

fn connect(srv: &Server) -> Arc<Connection> {
    let o = Options {
        url: Some(srv.url().into()),
        ..Options::default()
    };
    Connection::connect(o).expect("connect")
}

fn js(srv: &Server) -> JetStream {
    JetStream::new(connect(srv), None).expect("jetstream context")
}

#[test]
fn api_request_reaches_the_server() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    let o = js.call_opts(None);
    let v: serde_json::Value = js.api_request(&o, "INFO", b"", &[]).expect("account info");
    assert_eq!(v["type"], "io.nats.jetstream.api.v1.account_info_response");
}

#[test]
fn no_jetstream_gives_no_responders_with_not_enabled_code() {
    let srv = Server::start_default();
    let js = js(&srv);
    let o = js.call_opts(None);
    let e = js.api_request::<serde_json::Value>(&o, "INFO", b"", &[]).unwrap_err();
    assert_eq!(e.status, NATS_NO_RESPONDERS);
    assert_eq!(e.js_code, 10076);
}

#[test]
fn context_prefix_rules() {
    let srv = Server::start_jetstream();
    let nc = connect(&srv);
    let d = JetStream::new(nc.clone(), None).unwrap();
    assert_eq!(d.prefix(), "$JS.API");
    assert_eq!(d.wait(), 5000);
    let o = JsOptions {
        domain: Some("hub.".into()),
        prefix: Some("ignored".into()),
        ..JsOptions::default()
    };
    assert_eq!(JetStream::new(nc.clone(), Some(&o)).unwrap().prefix(), "$JS.hub.API");
    let o = JsOptions {
        prefix: Some("my.api.".into()),
        wait: 1234,
        ..JsOptions::default()
    };
    let c = JetStream::new(nc.clone(), Some(&o)).unwrap();
    assert_eq!(c.prefix(), "my.api");
    assert_eq!(c.wait(), 1234);
    // Per-call options override the context's.
    let call = JsOptions {
        domain: Some("leaf".into()),
        ..JsOptions::default()
    };
    assert_eq!(c.call_opts(Some(&call)).prefix, "$JS.leaf.API");
    assert_eq!(c.call_opts(Some(&call)).wait, 1234);
    assert_eq!(c.call_opts(None).prefix, "my.api");
    let bad = JsOptions {
        wait: -1,
        ..JsOptions::default()
    };
    assert_eq!(
        JetStream::new(nc.clone(), Some(&bad)).err().unwrap().status,
        NATS_INVALID_ARG
    );
    let mut bad = JsOptions::default();
    bad.publish_async.stall_wait = -5;
    let e = JetStream::new(nc.clone(), Some(&bad)).err().unwrap();
    assert_eq!(e.status, NATS_INVALID_ARG);
    assert!(e.text.contains("cannot be negative"), "{}", e.text);
    let d = JetStream::new(nc.clone(), Some(&JsOptions::default())).unwrap();
    assert_eq!(d.options().publish_async.stall_wait, 200);
    // The context keeps deleted_details but not a subjects filter (cnats).
    let mut o = JsOptions::default();
    o.stream.info.deleted_details = true;
    o.stream.info.subjects_filter = Some("x.>".into());
    let c = JetStream::new(nc, Some(&o)).unwrap();
    assert!(c.call_opts(None).stream.info.deleted_details);
    assert_eq!(c.call_opts(None).stream.info.subjects_filter, None);

    // A context is shared between threads (the C layer's handles).
    fn shared<T: Send + Sync>() {}
    shared::<JetStream>();
}

// ---------------------------------------------------------------------
// Helpers

fn mem_stream(name: &str, subjects: &[&str]) -> StreamConfig {
    StreamConfig {
        name: name.into(),
        subjects: subjects.iter().map(|s| s.to_string()).collect(),
        storage: StorageType::Memory,
        ..StreamConfig::default()
    }
}

/// Publishes through a plain request and waits for the stream's ack;
/// returns the stored sequence.
fn store(nc: &Connection, subject: &str, headers: Option<&[u8]>, data: &[u8]) -> u64 {
    let m = nc
        .request(subject.as_bytes(), headers, data, 5000)
        .expect("publish ack");
    let v: serde_json::Value = serde_json::from_slice(m.data()).expect("ack json");
    assert!(v.get("error").is_none(), "publish error: {v}");
    v["seq"].as_u64().expect("seq in ack")
}

fn purge_opts(subject: Option<&str>, sequence: u64, keep: u64) -> JsOptions {
    let mut o = JsOptions::default();
    o.stream.purge = PurgeOptions {
        subject: subject.map(str::to_string),
        sequence,
        keep,
    };
    o
}

fn assert_js_err<T: std::fmt::Debug>(r: nats::Result<T>, status: natsStatus, code: u16) -> nats::Error {
    let e = r.expect_err("an error");
    assert_eq!((e.status, e.js_code), (status, code), "error: {e:?}");
    e
}

// ---------------------------------------------------------------------
// Streams

#[test]
fn stream_create_info_update_delete() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    let desc = "a \"quoted\" \\ description\twith ünïcødé ✓ and </script>";
    let mut cfg = mem_stream("ORDERS", &["orders.>"]);
    cfg.description = Some(desc.into());
    cfg.max_age = 3_600_000_000_000;
    cfg.duplicates = 60_000_000_000;
    cfg.metadata.insert("owner".into(), "team \"a\"".into());
    let si = js.add_stream(&cfg, None).expect("add stream");
    assert_eq!(si.config.name, "ORDERS");
    assert_eq!(si.config.description.as_deref(), Some(desc));
    assert_eq!(si.config.subjects, ["orders.>"]);
    assert_eq!(si.config.storage, StorageType::Memory);
    assert_eq!(si.config.max_age, 3_600_000_000_000);
    assert_eq!(si.config.duplicates, 60_000_000_000);
    assert_eq!(si.config.max_msgs, -1);
    assert_eq!(si.config.metadata.get("owner").map(String::as_str), Some("team \"a\""));
    assert_eq!(si.state.msgs, 0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64;
    assert!(
        (si.created - now).abs() < 60_000_000_000,
        "created {} vs now {now}",
        si.created
    );

    // Same config again: fine (idempotent); another config: name in use.
    js.add_stream(&cfg, None).expect("add same stream again");
    let mut other = cfg.clone();
    other.subjects = vec!["other.>".into()];
    let e = assert_js_err(js.add_stream(&other, None), NATS_ERR, 10058);
    assert!(e.text.contains("already in use"), "{}", e.text);

    let nc = js.conn().clone();
    assert_eq!(store(&nc, "orders.1", None, b"one"), 1);
    assert_eq!(store(&nc, "orders.2", None, b"two"), 2);
    let si = js.stream_info("ORDERS", None).expect("info");
    assert_eq!((si.state.msgs, si.state.first_seq, si.state.last_seq), (2, 1, 2));
    assert!(si.state.last_time >= si.state.first_time && si.state.first_time > 0);
    assert_eq!(si.config.description.as_deref(), Some(desc));

    let mut upd = si.config.clone();
    upd.max_msgs = 100;
    upd.description = Some("updated ✓".into());
    let si = js.update_stream(&upd, None).expect("update");
    assert_eq!(si.config.max_msgs, 100);
    assert_eq!(si.config.description.as_deref(), Some("updated ✓"));
    assert_eq!(si.state.msgs, 2, "update keeps the messages");

    assert_js_err(
        js.update_stream(&mem_stream("NOPE", &["nope"]), None),
        NATS_NOT_FOUND,
        10059,
    );
    assert_js_err(js.stream_info("NOPE", None), NATS_NOT_FOUND, 10059);

    js.delete_stream("ORDERS", None).expect("delete");
    assert_js_err(js.delete_stream("ORDERS", None), NATS_NOT_FOUND, 10059);
    assert_js_err(js.stream_info("ORDERS", None), NATS_NOT_FOUND, 10059);
    assert_js_err(js.purge_stream("ORDERS", None), NATS_NOT_FOUND, 10059);
}

#[test]
fn stream_purge_variants() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    let nc = js.conn().clone();
    js.add_stream(&mem_stream("P", &["p.*"]), None).unwrap();
    let fill = || {
        for i in 0..10 {
            store(&nc, if i % 2 == 0 { "p.a" } else { "p.b" }, None, b"x");
        }
    };
    let msgs = |js: &JetStream| js.stream_info("P", None).unwrap().state.msgs;
    fill();
    assert_eq!(msgs(&js), 10);

    // Filter: only p.a goes.
    js.purge_stream("P", Some(&purge_opts(Some("p.a"), 0, 0))).unwrap();
    let si = js.stream_info("P", None).unwrap();
    assert_eq!(si.state.msgs, 5);
    assert_eq!(si.state.first_seq, 2, "the first p.b is sequence 2");

    // Keep the last 2.
    js.purge_stream("P", Some(&purge_opts(None, 0, 2))).unwrap();
    let si = js.stream_info("P", None).unwrap();
    assert_eq!((si.state.msgs, si.state.first_seq, si.state.last_seq), (2, 8, 10));

    // Up to (not including) a sequence.
    fill(); // 11..=20
    js.purge_stream("P", Some(&purge_opts(None, 15, 0))).unwrap();
    let si = js.stream_info("P", None).unwrap();
    assert_eq!((si.state.msgs, si.state.first_seq), (6, 15));

    // Filter + keep: keep one p.b.
    js.purge_stream("P", Some(&purge_opts(Some("p.b"), 0, 1))).unwrap();
    let si = js.stream_info("P", None).unwrap();
    assert_eq!(si.state.msgs, 4, "15,17,19 (p.a) + 20 (p.b)");

    // Sequence and keep together are refused before any request.
    let e = assert_js_err(js.purge_stream("P", Some(&purge_opts(None, 3, 1))), NATS_INVALID_ARG, 0);
    assert!(e.text.contains("mutually exclusive"), "{}", e.text);

    // Full purge.
    js.purge_stream("P", None).unwrap();
    assert_eq!(msgs(&js), 0);

    // The context's purge options apply when the call sets none.
    fill();
    let ctx = JetStream::new(nc.clone(), Some(&purge_opts(Some("p.b"), 0, 0))).unwrap();
    ctx.purge_stream("P", None).unwrap();
    assert_eq!(msgs(&js), 5);
    // ...and the call's win when set.
    ctx.purge_stream("P", Some(&purge_opts(None, 0, 1))).unwrap();
    assert_eq!(msgs(&js), 1);
}

#[test]
fn stream_info_deleted_details_and_subjects_filter() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    let nc = js.conn().clone();
    js.add_stream(&mem_stream("I", &["i.>"]), None).unwrap();
    for s in ["i.a", "i.b", "i.a", "i.c.x", "i.a", "i.b"] {
        store(&nc, s, None, b"x");
    }
    js.delete_msg("I", 2, None).unwrap();
    js.delete_msg("I", 4, None).unwrap();

    let plain = js.stream_info("I", None).unwrap();
    assert_eq!(plain.state.num_deleted, 2);
    assert!(plain.state.deleted.is_empty(), "not asked for");
    assert!(plain.state.subjects.is_none(), "not asked for");
    assert_eq!(plain.state.num_subjects, 2, "i.a and i.b remain");

    let mut o = JsOptions::default();
    o.stream.info.deleted_details = true;
    let si = js.stream_info("I", Some(&o)).unwrap();
    assert_eq!(si.state.deleted, [2, 4]);

    let mut o = JsOptions::default();
    o.stream.info.subjects_filter = Some("i.>".into());
    let si = js.stream_info("I", Some(&o)).unwrap();
    let subjects = si.state.subjects.expect("subjects");
    assert_eq!(subjects.len(), 2);
    assert_eq!(subjects["i.a"], 3);
    assert_eq!(subjects["i.b"], 1);
    o.stream.info.subjects_filter = Some("i.a".into());
    let si = js.stream_info("I", Some(&o)).unwrap();
    assert_eq!(
        si.state.subjects.unwrap().into_iter().collect::<Vec<_>>(),
        [("i.a".to_string(), 3)]
    );

    // The context's deleted-details option applies to calls without options.
    let mut ctx_o = JsOptions::default();
    ctx_o.stream.info.deleted_details = true;
    let ctx = JetStream::new(nc, Some(&ctx_o)).unwrap();
    assert_eq!(ctx.stream_info("I", None).unwrap().state.deleted, [2, 4]);
}

#[test]
fn stream_lists_and_names_page_and_filter() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    assert_js_err(js.streams(None), NATS_NOT_FOUND, 0);
    assert_js_err(js.stream_names(None), NATS_NOT_FOUND, 0);
    // More than one page of infos (the server sends 256 per page).
    const N: usize = 300;
    for i in 0..N {
        let sub = if i % 3 == 0 {
            format!("three.{i}")
        } else {
            format!("other.{i}")
        };
        js.add_stream(&mem_stream(&format!("S{i:03}"), &[&sub]), None).unwrap();
    }
    let infos = js.streams(None).expect("list");
    let mut names: Vec<String> = infos.iter().map(|si| si.config.name.clone()).collect();
    names.sort();
    let want: Vec<String> = (0..N).map(|i| format!("S{i:03}")).collect();
    assert_eq!(names, want);
    let mut names = js.stream_names(None).expect("names");
    names.sort();
    assert_eq!(names, want);

    let mut o = JsOptions::default();
    o.stream.info.subjects_filter = Some("three.*".into());
    let mut filtered = js.stream_names(Some(&o)).unwrap();
    filtered.sort();
    let want3: Vec<String> = (0..N).filter(|i| i % 3 == 0).map(|i| format!("S{i:03}")).collect();
    assert_eq!(filtered, want3);
    assert_eq!(js.streams(Some(&o)).unwrap().len(), want3.len());
    o.stream.info.subjects_filter = Some("none.*".into());
    assert_js_err(js.stream_names(Some(&o)), NATS_NOT_FOUND, 0);
}

// ---------------------------------------------------------------------
// Messages

#[test]
fn get_direct_get_delete_erase() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    let nc = js.conn().clone();
    let mut cfg = mem_stream("M", &["m.>"]);
    cfg.allow_direct = true;
    js.add_stream(&cfg, None).unwrap();
    let hdr = b"NATS/1.0\r\nX-Key: v1\r\nX-Key: v2\r\n\r\n";
    assert_eq!(store(&nc, "m.a", Some(hdr), b"first"), 1);
    assert_eq!(store(&nc, "m.b", None, b"second"), 2);
    assert_eq!(store(&nc, "m.a", None, b"third"), 3);

    let m = js.get_msg("M", 1, None).expect("get 1");
    assert_eq!(
        (m.subject.as_str(), m.seq, m.data.as_slice()),
        ("m.a", 1, &b"first"[..])
    );
    assert!(m.time > 0);
    let mut msg = m.to_msg().unwrap();
    let h = msg.existing_headers().unwrap().expect("headers");
    let vals: Vec<_> = h
        .values(b"X-Key")
        .unwrap()
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert_eq!(vals, ["v1", "v2"]);
    assert_eq!(msg.data(), b"first");

    let m = js.get_last_msg("M", "m.a", None).unwrap();
    assert_eq!((m.seq, m.data.as_slice()), (3, &b"third"[..]));
    assert!(m.header.is_none());
    assert_js_err(js.get_msg("M", 99, None), NATS_NOT_FOUND, 10037);
    assert_js_err(js.get_last_msg("M", "m.zzz", None), NATS_NOT_FOUND, 10037);
    assert_js_err(js.get_msg("M", 0, None), NATS_INVALID_ARG, 0);
    assert_js_err(js.get_last_msg("M", "", None), NATS_INVALID_ARG, 0);
    assert_js_err(js.get_msg("NOPE", 1, None), NATS_ERR, 10059);

    // Direct get: by sequence, next by subject, last by subject.
    let dg = |seq: u64, next: Option<&str>, last: Option<&str>| DirectGetMsgOptions {
        sequence: seq,
        next_by_subject: next.map(str::to_string),
        last_by_subject: last.map(str::to_string),
    };
    let m = js.direct_get_msg("M", &dg(2, None, None), None).expect("direct 2");
    assert_eq!(
        (m.subject.as_str(), m.seq, m.data.as_slice()),
        ("m.b", 2, &b"second"[..])
    );
    assert!(m.time > 0);
    let mut msg = m.to_msg().unwrap();
    let h = msg.existing_headers().unwrap().expect("direct get headers");
    assert_eq!(h.get_bytes(b"Nats-Stream"), Some(&b"M"[..]));
    let m = js.direct_get_msg("M", &dg(2, Some("m.a"), None), None).unwrap();
    assert_eq!(m.seq, 3, "next m.a at or after 2");
    let m = js.direct_get_msg("M", &dg(0, None, Some("m.a")), None).unwrap();
    assert_eq!((m.seq, m.data.as_slice()), (3, &b"third"[..]));
    let m = js.direct_get_msg("M", &dg(1, None, None), None).unwrap();
    assert_eq!(
        m.to_msg()
            .unwrap()
            .existing_headers()
            .unwrap()
            .unwrap()
            .get_bytes(b"X-Key"),
        Some(&b"v1"[..])
    );
    assert_js_err(js.direct_get_msg("M", &dg(50, None, None), None), NATS_NOT_FOUND, 0);
    assert_js_err(
        js.direct_get_msg("M", &dg(0, None, Some("m.none")), None),
        NATS_NOT_FOUND,
        0,
    );
    // A stream without direct gets (or no stream) has no responder.
    js.add_stream(&mem_stream("ND", &["nd"]), None).unwrap();
    assert_js_err(js.direct_get_msg("ND", &dg(1, None, None), None), NATS_NO_RESPONDERS, 0);
    assert_js_err(js.direct_get_msg("", &dg(1, None, None), None), NATS_INVALID_ARG, 0);

    // Delete (marks) and erase (overwrites): both gone for get.
    js.delete_msg("M", 1, None).unwrap();
    js.erase_msg("M", 2, None).unwrap();
    assert_js_err(js.get_msg("M", 1, None), NATS_NOT_FOUND, 10037);
    assert_js_err(js.get_msg("M", 2, None), NATS_NOT_FOUND, 10037);
    assert_js_err(js.direct_get_msg("M", &dg(1, None, None), None), NATS_NOT_FOUND, 0);
    let e = assert_js_err(js.delete_msg("M", 1, None), NATS_ERR, 10043);
    assert!(!e.text.is_empty());
    assert_eq!(js.stream_info("M", None).unwrap().state.msgs, 1);
    assert_js_err(js.delete_msg("NOPE", 1, None), NATS_NOT_FOUND, 10059);
}

// ---------------------------------------------------------------------
// Consumers

fn pull_durable(name: &str) -> ConsumerConfig {
    ConsumerConfig {
        durable: Some(name.into()),
        ack_policy: Some(AckPolicy::Explicit),
        ..ConsumerConfig::default()
    }
}

#[test]
fn consumer_lifecycle() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    let nc = js.conn().clone();
    js.add_stream(&mem_stream("C", &["c.>"]), None).unwrap();
    for s in ["c.a", "c.b", "c.a"] {
        store(&nc, s, None, b"x");
    }
    assert_js_err(js.consumers("C", None), NATS_NOT_FOUND, 0);
    assert_js_err(js.consumer_names("C", None), NATS_NOT_FOUND, 0);

    let mut cfg = pull_durable("dur");
    cfg.description = Some("consumer \"d\" ✓".into());
    cfg.filter_subject = Some("c.a".into());
    cfg.ack_wait = 10_000_000_000;
    cfg.max_deliver = 5;
    cfg.back_off = vec![1_000_000_000, 2_000_000_000];
    cfg.metadata.insert("k".into(), "v".into());
    let ci = js.add_consumer("C", &cfg, None).expect("add consumer");
    assert_eq!((ci.stream.as_str(), ci.name.as_str()), ("C", "dur"));
    assert_eq!(ci.config.durable.as_deref(), Some("dur"));
    assert_eq!(ci.config.description.as_deref(), Some("consumer \"d\" ✓"));
    assert_eq!(ci.config.filter_subject.as_deref(), Some("c.a"));
    assert_eq!(ci.config.deliver_policy, Some(DeliverPolicy::All));
    assert_eq!(ci.config.ack_policy, Some(AckPolicy::Explicit));
    assert_eq!(ci.config.replay_policy, Some(ReplayPolicy::Instant));
    assert_eq!(ci.config.ack_wait, 1_000_000_000, "the server takes the first backoff");
    assert_eq!(ci.config.back_off, [1_000_000_000, 2_000_000_000]);
    assert_eq!(ci.config.metadata.get("k").map(String::as_str), Some("v"));
    assert_eq!(ci.num_pending, 2, "two c.a messages");
    assert!(ci.created > 0);

    // Add again, same config: returns it; another config: updated, as
    // cnats' js_AddConsumer (no action: create-or-update).
    js.add_consumer("C", &cfg, None).expect("same config again");
    let mut changed = cfg.clone();
    changed.description = Some("changed".into());
    let ci = js.add_consumer("C", &changed, None).expect("add updates");
    assert_eq!(ci.config.description.as_deref(), Some("changed"));
    // Action "create" refuses another config of an existing consumer.
    let mut other = cfg.clone();
    other.description = Some("other".into());
    let e = js
        .create_consumer("C", &other, nats::js::ConsumerAction::Create, None)
        .unwrap_err();
    assert_eq!(e.status, NATS_ERR);
    assert_eq!(e.js_code, 10148, "consumer already exists: {e:?}");
    // Update (action "update") changes it; updating a missing one fails.
    changed.description = Some("changed again".into());
    let ci = js.update_consumer("C", &changed, None).expect("update");
    assert_eq!(ci.config.description.as_deref(), Some("changed again"));
    let e = js.update_consumer("C", &pull_durable("missing"), None).unwrap_err();
    assert_eq!((e.status, e.js_code), (NATS_ERR, 10149), "{e:?}");
    assert_eq!(
        js.update_consumer("C", &ConsumerConfig::default(), None)
            .unwrap_err()
            .status,
        NATS_INVALID_ARG
    );

    // A named (non durable) consumer with a wildcard filter, and an
    // ephemeral one without a name.
    let named = ConsumerConfig {
        name: Some("named".into()),
        filter_subject: Some("c.*".into()),
        inactive_threshold: 60_000_000_000,
        ..ConsumerConfig::default()
    };
    let ci = js.add_consumer("C", &named, None).expect("named");
    assert_eq!(ci.name, "named");
    assert_eq!(ci.num_pending, 3);
    let multi = ConsumerConfig {
        name: Some("multi".into()),
        filter_subjects: vec!["c.a".into(), "c.b".into()],
        ..ConsumerConfig::default()
    };
    let ci = js.add_consumer("C", &multi, None).expect("multi filter");
    assert_eq!(ci.config.filter_subjects, ["c.a", "c.b"]);
    let eph = js
        .add_consumer(
            "C",
            &ConsumerConfig {
                ack_policy: Some(AckPolicy::None),
                ..ConsumerConfig::default()
            },
            None,
        )
        .expect("ephemeral");
    assert!(!eph.name.is_empty());
    assert_eq!(eph.config.ack_policy, Some(AckPolicy::None));

    let info = js.consumer_info("C", "dur", None).unwrap();
    assert_eq!(info.config.description.as_deref(), Some("changed again"));
    let mut names = js.consumer_names("C", None).unwrap();
    names.sort();
    let mut want = vec!["dur".to_string(), "multi".into(), "named".into(), eph.name.clone()];
    want.sort();
    assert_eq!(names, want);
    let mut listed: Vec<String> = js.consumers("C", None).unwrap().into_iter().map(|c| c.name).collect();
    listed.sort();
    assert_eq!(listed, want);

    js.delete_consumer("C", "dur", None).unwrap();
    assert_js_err(js.consumer_info("C", "dur", None), NATS_NOT_FOUND, 10014);
    assert_js_err(js.delete_consumer("C", "dur", None), NATS_NOT_FOUND, 10014);
    assert_js_err(js.consumer_info("NOPE", "dur", None), NATS_ERR, 10059);
    assert_js_err(js.delete_consumer("NOPE", "dur", None), NATS_NOT_FOUND, 10059);
    assert_js_err(js.consumer_names("NOPE", None), NATS_NOT_FOUND, 10059);
    assert_js_err(js.consumers("NOPE", None), NATS_NOT_FOUND, 10059);
}

#[test]
fn consumer_pause_reset_unpin() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    let nc = js.conn().clone();
    js.add_stream(&mem_stream("Q", &["q.>"]), None).unwrap();
    for _ in 0..5 {
        store(&nc, "q.x", None, b"x");
    }
    let cfg = ConsumerConfig {
        durable: Some("d".into()),
        priority_policy: Some("pinned_client".into()),
        priority_groups: vec!["g1".into()],
        pinned_ttl: 30_000_000_000,
        ..ConsumerConfig::default()
    };
    let ci = js.add_consumer("Q", &cfg, None).unwrap();
    assert_eq!(ci.config.priority_groups, ["g1"]);
    assert_eq!(ci.config.pinned_ttl, 30_000_000_000);

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let until = now + 3_600_000_000_000;
    let pr = js.pause_consumer("Q", "d", until, None).expect("pause");
    assert!(pr.paused);
    assert_eq!(pr.pause_until, until as i64);
    assert!(pr.pause_remaining > 3_000_000_000_000);
    assert!(js.consumer_info("Q", "d", None).unwrap().paused);
    let pr = js.pause_consumer("Q", "d", 0, None).expect("resume");
    assert!(!pr.paused);
    assert!(!js.consumer_info("Q", "d", None).unwrap().paused);
    assert_js_err(js.pause_consumer("Q", "nope", until, None), NATS_NOT_FOUND, 10014);

    let rr = js.reset_consumer("Q", "d", 3, None).expect("reset");
    assert_eq!(rr.reset_seq, 3);
    assert_eq!(rr.consumer.name, "d");
    assert_eq!(rr.consumer.num_pending, 3, "sequences 3..=5 are pending");
    let rr = js.reset_consumer("Q", "d", 4, None).expect("reset to 4");
    assert_eq!((rr.reset_seq, rr.consumer.num_pending), (4, 2));
    assert_eq!(rr.consumer.ack_floor.stream, 3);
    // Without a sequence: back to the ack floor.
    let rr = js.reset_consumer("Q", "d", 0, None).expect("reset to the ack floor");
    assert_eq!((rr.reset_seq, rr.consumer.num_pending), (4, 2));
    // The server does not answer a reset of a missing consumer: after the
    // wait, the consumer's absence is reported, not a bare timeout.
    let short = JsOptions {
        wait: 1000,
        ..JsOptions::default()
    };
    assert_js_err(js.reset_consumer("Q", "nope", 1, Some(&short)), NATS_NOT_FOUND, 10014);
    assert_js_err(js.reset_consumer("NOPE", "nope", 0, Some(&short)), NATS_ERR, 10059);

    js.unpin_consumer("Q", "d", "g1", None).expect("unpin");
    assert_eq!(
        js.unpin_consumer("Q", "d", "bad group!", None).unwrap_err().status,
        NATS_INVALID_ARG
    );
    assert_js_err(js.unpin_consumer("Q", "nope", "g1", None), NATS_NOT_FOUND, 10014);
}

// ---------------------------------------------------------------------
// Account, names, errors, prefixes

#[test]
fn account_info_counts() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    let ai = js.account_info(None).unwrap();
    assert_eq!((ai.streams, ai.consumers), (0, 0));
    js.add_stream(&mem_stream("A", &["a"]), None).unwrap();
    js.add_consumer("A", &pull_durable("d"), None).unwrap();
    store(js.conn(), "a", None, &[7u8; 1000]);
    let ai = js.account_info(None).unwrap();
    assert_eq!((ai.streams, ai.consumers), (1, 1));
    assert!(ai.memory >= 1000, "memory {}", ai.memory);
    assert!(ai.api.total > 0);
    assert_eq!(ai.limits.max_streams, -1);
}

#[test]
fn invalid_names_are_refused_before_any_request() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    for bad in ["", "a.b", "a b", "a*", "a>"] {
        assert_eq!(
            js.stream_info(bad, None).unwrap_err().status,
            NATS_INVALID_ARG,
            "{bad:?}"
        );
        assert_eq!(
            js.add_stream(&mem_stream(bad, &["x"]), None).unwrap_err().status,
            NATS_INVALID_ARG
        );
        assert_eq!(js.delete_stream(bad, None).unwrap_err().status, NATS_INVALID_ARG);
        assert_eq!(js.purge_stream(bad, None).unwrap_err().status, NATS_INVALID_ARG);
        assert_eq!(js.get_msg(bad, 1, None).unwrap_err().status, NATS_INVALID_ARG);
        assert_eq!(js.consumer_info("S", bad, None).unwrap_err().status, NATS_INVALID_ARG);
        assert_eq!(js.delete_consumer("S", bad, None).unwrap_err().status, NATS_INVALID_ARG);
    }
    let e = js.stream_info("a.b", None).unwrap_err();
    assert_eq!(e.text, "invalid stream name 'a.b' (cannot contain '.')");
    let e = js.add_consumer("S", &pull_durable("d.x"), None).unwrap_err();
    assert_eq!(
        (e.status, e.text.as_str()),
        (NATS_INVALID_ARG, "invalid durable name 'd.x' (cannot contain '.')")
    );
    // Nothing was created by any of this.
    assert_eq!(js.account_info(None).unwrap().streams, 0);
}

#[test]
fn domain_prefix_reaches_a_domain_server() {
    let srv = Server::start_jetstream_with("jetstream { domain: hub, store_dir: \"@DIR@/js\" }\n");
    let nc = connect(&srv);
    let hub = JetStream::new(
        nc.clone(),
        Some(&JsOptions {
            domain: Some("hub".into()),
            ..JsOptions::default()
        }),
    )
    .unwrap();
    let ai = hub.account_info(None).expect("account info through $JS.hub.API");
    assert_eq!(ai.domain.as_deref(), Some("hub"));
    hub.add_stream(&mem_stream("D", &["d"]), None).unwrap();
    // The plain prefix reaches the same server (it answers both).
    assert_eq!(js(&srv).stream_info("D", None).unwrap().config.name, "D");
    // Another domain: nobody answers.
    let call = JsOptions {
        domain: Some("elsewhere".into()),
        wait: 2000,
        ..JsOptions::default()
    };
    assert_js_err(hub.stream_info("D", Some(&call)), NATS_NO_RESPONDERS, 10076);
    // A custom prefix per call.
    let call = JsOptions {
        prefix: Some("$JS.hub.API.".into()),
        ..JsOptions::default()
    };
    assert_eq!(js(&srv).stream_info("D", Some(&call)).unwrap().config.name, "D");
}

#[test]
fn names_and_consumer_lists_page_beyond_one_page() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    // The server sends at most 1024 names per page.
    const STREAMS: usize = 1030;
    for i in 0..STREAMS {
        js.add_stream(&mem_stream(&format!("N{i:04}"), &[&format!("n.{i}")]), None)
            .unwrap();
    }
    let names = js.stream_names(None).unwrap();
    assert_eq!(names.len(), STREAMS);
    let uniq: std::collections::BTreeSet<_> = names.iter().collect();
    assert_eq!(uniq.len(), STREAMS);
    // Consumer infos come 256 per page.
    const CONSUMERS: usize = 260;
    for i in 0..CONSUMERS {
        js.add_consumer("N0000", &pull_durable(&format!("c{i:03}")), None)
            .unwrap();
    }
    let infos = js.consumers("N0000", None).unwrap();
    assert_eq!(infos.len(), CONSUMERS);
    let uniq: std::collections::BTreeSet<_> = infos.iter().map(|c| c.name.clone()).collect();
    assert_eq!(uniq.len(), CONSUMERS);
    assert_eq!(js.consumer_names("N0000", None).unwrap().len(), CONSUMERS);
}

#[test]
fn mirror_and_source_infos() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    let nc = js.conn().clone();
    js.add_stream(&mem_stream("ORIG", &["orig.>"]), None).unwrap();
    store(&nc, "orig.a", None, b"1");
    store(&nc, "orig.b", None, b"2");
    let mut mir = mem_stream("MIR", &[]);
    mir.mirror = Some(StreamSource {
        name: "ORIG".into(),
        ..StreamSource::default()
    });
    let si = js.add_stream(&mir, None).expect("mirror");
    assert_eq!(si.config.mirror.as_ref().map(|m| m.name.as_str()), Some("ORIG"));
    let mut src = mem_stream("SRC", &[]);
    src.sources = vec![StreamSource {
        name: "ORIG".into(),
        filter_subject: Some("orig.b".into()),
        ..StreamSource::default()
    }];
    js.add_stream(&src, None).expect("sourcing stream");
    assert!(common::wait_for(std::time::Duration::from_secs(10), || {
        js.stream_info("MIR", None).unwrap().state.msgs == 2 && js.stream_info("SRC", None).unwrap().state.msgs == 1
    }));
    let si = js.stream_info("MIR", None).unwrap();
    let m = si.mirror.expect("mirror info");
    assert_eq!((m.name.as_str(), m.lag), ("ORIG", 0));
    let si = js.stream_info("SRC", None).unwrap();
    assert_eq!(si.sources.len(), 1);
    assert_eq!(si.sources[0].name, "ORIG");
    assert_eq!(si.sources[0].filter_subject.as_deref(), Some("orig.b"));
    assert_eq!(si.config.sources[0].filter_subject.as_deref(), Some("orig.b"));
}

#[test]
fn unusual_subject_bytes_round_trip() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    let nc = js.conn().clone();
    let subjects = ["q\"uote.>", "back\\slash.*", "ünï.cødé", "tab\u{7f}del", "brace}{.x"];
    let mut cfg = mem_stream("W", &subjects);
    cfg.allow_direct = true;
    let si = js.add_stream(&cfg, None).expect("add with unusual subjects");
    assert_eq!(si.config.subjects, subjects);
    for (s, data) in [
        ("q\"uote.a", &b"1"[..]),
        ("back\\slash.b", b"2"),
        ("ünï.cødé", b"3"),
        ("brace}{.x", b"4"),
    ] {
        let seq = store(&nc, s, None, data);
        let m = js.get_last_msg("W", s, None).expect(s);
        assert_eq!((m.subject.as_str(), m.seq, m.data.as_slice()), (s, seq, data));
        let dg = DirectGetMsgOptions {
            sequence: seq,
            ..DirectGetMsgOptions::default()
        };
        assert_eq!(js.direct_get_msg("W", &dg, None).unwrap().subject, s);
        let mut o = JsOptions::default();
        o.stream.purge.subject = Some(s.into());
        o.stream.info.subjects_filter = Some(s.into());
        let info = js.stream_info("W", Some(&o)).unwrap();
        assert_eq!(info.state.subjects.unwrap().get(s), Some(&1), "{s}");
        js.purge_stream("W", Some(&o)).unwrap();
        assert_js_err(js.get_last_msg("W", s, None), NATS_NOT_FOUND, 10037);
    }
}

#[test]
fn stream_info_subjects_filter_collects_every_page() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    let nc = js.conn().clone();
    js.add_stream(&mem_stream("BIG", &["big.>"]), None).unwrap();
    // The server sends at most 100 000 subjects per stream info answer.
    const N: u64 = 100_050;
    for i in 0..N {
        nc.publish(format!("big.{i}").as_bytes(), None, None, b"").unwrap();
    }
    nc.flush_timeout(30_000).unwrap();
    assert!(common::wait_for(std::time::Duration::from_secs(60), || {
        js.stream_info("BIG", None).unwrap().state.msgs == N
    }));
    let mut o = JsOptions::default();
    o.stream.info.subjects_filter = Some("big.*".into());
    o.wait = 30_000;
    let si = js.stream_info("BIG", Some(&o)).expect("info with all subjects");
    let subjects = si.state.subjects.expect("subjects");
    assert_eq!(subjects.len() as u64, N);
    assert!(subjects.values().all(|&n| n == 1));
    assert!(subjects.contains_key("big.0") && subjects.contains_key(&format!("big.{}", N - 1)));
}

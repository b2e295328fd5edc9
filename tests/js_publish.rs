//! JetStream publishing (sync and async) through the core API against a
//! real `nats-server -js`: acks, expectations and their `jsErrCode`s,
//! de-duplication, no responders (with the ADR-22 retry), headers and
//! TTL, 100 000 async publishes, back-pressure with a paused server
//! (SIGSTOP), the pending list, and a 3-node cluster whose stream leader
//! is killed while an async publisher runs.

mod common;

use base64::Engine;
use common::server::Server;
use nats::conn::Connection;
use nats::js::publish::{PubAck, PubAckErr, PubOptions};
use nats::js::publish_async::PubAsyncHandlers;
use nats::js::{JetStream, JsOptions, PubAsyncOptions};
use nats::msg::Msg;
use nats::natsStatus::{self, *};
use nats::options::Options;
use nats::proto::headers::Headers;
use parking_lot::Mutex;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn connect_url(url: &str) -> Arc<Connection> {
    let o = Options {
        url: Some(url.into()),
        ..Options::default()
    };
    Connection::connect(o).expect("connect")
}

fn js_with(srv: &Server, o: Option<&JsOptions>) -> Arc<JetStream> {
    Arc::new(JetStream::new(connect_url(&srv.url()), o).expect("jetstream context"))
}

fn js(srv: &Server) -> Arc<JetStream> {
    js_with(srv, None)
}

fn api(js: &JetStream, suffix: &str, body: Value) -> Value {
    let o = js.call_opts(None);
    js.api_request::<Value>(&o, suffix, body.to_string().as_bytes(), &[])
        .unwrap_or_else(|e| panic!("{suffix}: {e:?}"))
}

fn add_stream(js: &JetStream, name: &str, subjects: &[&str], extra: Value) {
    let mut cfg = json!({"name": name, "subjects": subjects, "storage": "memory"});
    if let (Some(c), Some(x)) = (cfg.as_object_mut(), extra.as_object()) {
        for (k, v) in x {
            c.insert(k.clone(), v.clone());
        }
    }
    api(js, &format!("STREAM.CREATE.{name}"), cfg);
}

fn stream_msgs(js: &JetStream, name: &str) -> u64 {
    api(js, &format!("STREAM.INFO.{name}"), json!({}))["state"]["messages"]
        .as_u64()
        .unwrap()
}

/// A stored message: (subject, headers block, data).
fn get_msg(js: &JetStream, stream: &str, seq: u64) -> (String, String, Vec<u8>) {
    let v = api(js, &format!("STREAM.MSG.GET.{stream}"), json!({ "seq": seq }));
    let m = &v["message"];
    let b64 = |k: &str| {
        m[k].as_str()
            .map(|s| base64::engine::general_purpose::STANDARD.decode(s).unwrap())
            .unwrap_or_default()
    };
    (
        m["subject"].as_str().unwrap().to_string(),
        String::from_utf8(b64("hdrs")).unwrap(),
        b64("data"),
    )
}

/// SIGSTOP, and wait until every thread of the server is stopped (the
/// signal takes effect asynchronously).
fn pause(srv: &mut Server) {
    srv.signal(libc::SIGSTOP);
    let stopped = || {
        let Ok(rd) = std::fs::read_dir(format!("/proc/{}/task", srv.pid())) else {
            return false;
        };
        rd.flatten().all(|t| {
            std::fs::read_to_string(t.path().join("stat"))
                .ok()
                .and_then(|st| st.rsplit(')').next().map(|r| r.trim_start().starts_with('T')))
                .unwrap_or(false)
        })
    };
    assert!(common::wait_for(Duration::from_secs(5), stopped), "server not stopped");
}

#[test]
fn sync_publish_acks_and_expectations() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    add_stream(&js, "ORDERS", &["orders.>"], json!({}));

    let a = js.publish(b"orders.1", b"one", None, None).unwrap();
    assert_eq!(
        a,
        PubAck {
            stream: "ORDERS".into(),
            seq: 1,
            ..PubAck::default()
        }
    );

    // Expectations that hold.
    let o = PubOptions {
        expect_stream: Some("ORDERS".into()),
        expect_last_seq: 1,
        msg_id: Some("m2".into()),
        ..Default::default()
    };
    assert_eq!(js.publish(b"orders.2", b"two", None, Some(&o)).unwrap().seq, 2);
    let o = PubOptions {
        expect_last_msg_id: Some("m2".into()),
        expect_last_subject_seq: 1,
        expect_last_subject_seq_subject: Some("orders.1".into()),
        ..Default::default()
    };
    assert_eq!(js.publish(b"orders.1", b"three", None, Some(&o)).unwrap().seq, 3);
    let o = PubOptions {
        expect_no_message: true,
        ..Default::default()
    };
    assert_eq!(js.publish(b"orders.new", b"four", None, Some(&o)).unwrap().seq, 4);

    // Expectations that fail: cnats' NATS_ERR with the server's jsErrCode.
    let cases: Vec<(PubOptions, u16)> = vec![
        (
            PubOptions {
                expect_last_seq: 10,
                ..Default::default()
            },
            10071,
        ),
        (
            PubOptions {
                expect_stream: Some("OTHER".into()),
                ..Default::default()
            },
            10060,
        ),
        (
            PubOptions {
                expect_last_msg_id: Some("nope".into()),
                ..Default::default()
            },
            10070,
        ),
        (
            PubOptions {
                expect_last_subject_seq: 2,
                ..Default::default()
            },
            10071,
        ),
        (
            PubOptions {
                expect_no_message: true,
                ..Default::default()
            },
            10071,
        ),
    ];
    for (o, code) in cases {
        let e = js.publish(b"orders.1", b"x", None, Some(&o)).unwrap_err();
        assert_eq!((e.status, e.js_code), (NATS_ERR, code), "{o:?}: {}", e.text);
        assert!(!e.text.is_empty());
    }
    // The same through a message (cnats' js_PublishMsg sets the headers on it).
    let mut m = Msg::new(b"orders.1", None, b"y").unwrap();
    let o = PubOptions {
        expect_last_seq: 99,
        ..Default::default()
    };
    let e = js.publish_msg(&mut m, Some(&o)).unwrap_err();
    assert_eq!((e.status, e.js_code), (NATS_ERR, 10071));
    assert_eq!(
        m.headers().unwrap().unwrap().get_bytes(b"Nats-Expected-Last-Sequence"),
        Some(&b"99"[..])
    );
    assert_eq!(stream_msgs(&js, "ORDERS"), 4);

    // Bad arguments.
    let o = PubOptions {
        max_wait_ms: -1,
        ..Default::default()
    };
    assert_eq!(
        js.publish(b"orders.1", b"", None, Some(&o)).unwrap_err().status,
        NATS_INVALID_ARG
    );
    assert_eq!(js.publish(b"", b"", None, None).unwrap_err().status, NATS_INVALID_ARG);
    assert_eq!(
        js.publish(b"bad subject", b"", None, None).unwrap_err().status,
        NATS_INVALID_SUBJECT
    );
}

#[test]
fn dedup_by_msg_id_reports_duplicate() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    add_stream(&js, "D", &["d.*"], json!({"duplicate_window": 60_000_000_000u64}));
    let o = PubOptions {
        msg_id: Some("abc".into()),
        ..Default::default()
    };
    let a1 = js.publish(b"d.x", b"1", None, Some(&o)).unwrap();
    let a2 = js.publish(b"d.x", b"2", None, Some(&o)).unwrap();
    assert!(!a1.duplicate);
    assert!(a2.duplicate);
    assert_eq!(a1.seq, a2.seq);
    assert_eq!(stream_msgs(&js, "D"), 1);
    let (_, hdrs, data) = get_msg(&js, "D", 1);
    assert!(hdrs.contains("Nats-Msg-Id: abc"), "{hdrs:?}");
    assert_eq!(data, b"1");
}

#[test]
fn no_stream_gives_no_responders_after_retries() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    let t = Instant::now();
    let e = js.publish(b"nobody.home", b"x", None, None).unwrap_err();
    assert_eq!((e.status, e.js_code), (NATS_NO_RESPONDERS, 0), "{}", e.text);
    // Retried (ADR-22) before giving up.
    assert!(t.elapsed() >= Duration::from_millis(400), "{:?}", t.elapsed());
    // With a wait shorter than one retry pause: no retry.
    let o = PubOptions {
        max_wait_ms: 100,
        ..Default::default()
    };
    let t = Instant::now();
    assert_eq!(
        js.publish(b"nobody.home", b"x", None, Some(&o)).unwrap_err().status,
        NATS_NO_RESPONDERS
    );
    assert!(t.elapsed() < Duration::from_millis(250), "{:?}", t.elapsed());
}

#[test]
fn no_responders_retry_reaches_a_stream_created_meanwhile() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    let js2 = js.clone();
    let maker = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        add_stream(&js2, "LATE", &["late.>"], json!({}));
    });
    let a = js.publish(b"late.1", b"x", None, None).unwrap();
    assert_eq!((a.stream.as_str(), a.seq), ("LATE", 1));
    maker.join().unwrap();
}

#[test]
fn async_no_responders_retry_reaches_a_stream_created_meanwhile() {
    let srv = Server::start_jetstream();
    let (js, acks) = js_recording(&srv.url(), None);
    js.publish_async(b"late.a", b"early", None, None).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    add_stream(&js, "LATE", &["late.>"], json!({}));
    js.publish_async_complete(5_000).unwrap();
    let acks = acks.lock();
    assert_eq!(acks.len(), 1);
    let a = acks[0].1.as_ref().expect("acked after a retry");
    assert_eq!((a.stream.as_str(), a.seq), ("LATE", 1));
}

#[test]
fn headers_and_ttl_are_stored() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    add_stream(&js, "T", &["t.>"], json!({"allow_msg_ttl": true}));
    let mut h = Headers::new();
    h.set(b"X-Custom", b"v 1").unwrap();
    let o = PubOptions {
        msg_ttl_ms: 60_000,
        msg_id: Some("id-1".into()),
        ..Default::default()
    };
    let a = js.publish(b"t.a", b"payload", Some(&h), Some(&o)).unwrap();
    let (subj, hdrs, data) = get_msg(&js, "T", a.seq);
    assert_eq!(subj, "t.a");
    assert_eq!(data, b"payload");
    for want in ["X-Custom: v 1", "Nats-TTL: 1m0s", "Nats-Msg-Id: id-1"] {
        assert!(hdrs.contains(want), "{want} not in {hdrs:?}");
    }
    // The caller's headers are not changed by js.publish.
    assert_eq!(h.len(), 1);
    // A TTL on a stream that does not allow it is refused by the server.
    add_stream(&js, "NOTTL", &["nottl"], json!({}));
    let e = js.publish(b"nottl", b"", None, Some(&o)).unwrap_err();
    assert_eq!(e.status, NATS_ERR);
    assert_ne!(e.js_code, 0, "{}", e.text);
}

#[test]
fn sync_publish_latency_has_no_millisecond_floor() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    add_stream(&js, "L", &["l"], json!({}));
    for _ in 0..50 {
        js.publish(b"l", b"warm", None, None).unwrap();
    }
    let mut lat: Vec<Duration> = (0..500)
        .map(|_| {
            let t = Instant::now();
            js.publish(b"l", b"0123456789abcdef", None, None).unwrap();
            t.elapsed()
        })
        .collect();
    lat.sort();
    let p50 = lat[lat.len() / 2];
    let p99 = lat[lat.len() * 99 / 100];
    println!("sync js publish (16 B, memory, default options): p50 {p50:?} p99 {p99:?}");
}

/// A list shared with handlers.
type Shared<T> = Arc<Mutex<Vec<T>>>;

type Acks = Arc<Mutex<Vec<(Vec<u8>, Result<PubAck, PubAckErr>)>>>;

/// A context whose ack handler records (data, outcome) of every message.
fn js_recording(srv_url: &str, o: Option<&JsOptions>) -> (Arc<JetStream>, Acks) {
    let js = Arc::new(JetStream::new(connect_url(srv_url), o).unwrap());
    let acks: Acks = Arc::default();
    let a2 = acks.clone();
    js.set_pub_async_handlers(PubAsyncHandlers {
        ack: Some(Arc::new(move |_js, m, r| {
            // Handlers run on a library thread, never the reader.
            let name = std::thread::current().name().map(String::from);
            assert!(
                matches!(name.as_deref(), Some("nats-sub" | "nats-js-timer" | "nats-delivery")),
                "handler on {name:?}"
            );
            a2.lock().push((m.data().to_vec(), r.cloned().map_err(Clone::clone)));
        })),
        err: None,
    });
    (js, acks)
}

#[test]
fn async_publish_100k_all_acked() {
    let srv = Server::start_jetstream();
    let (js, acks) = js_recording(&srv.url(), None);
    add_stream(&js, "A", &["a.>"], json!({}));
    let n = 100_000u64;
    let t = Instant::now();
    for i in 0..n {
        js.publish_async(b"a.x", format!("{i}").as_bytes(), None, None).unwrap();
    }
    js.publish_async_complete(30_000).unwrap();
    let el = t.elapsed();
    println!(
        "async js publish: {n} msgs in {el:?} ({:.0} msgs/s)",
        n as f64 / el.as_secs_f64()
    );
    assert_eq!(js.pending_count(), 0);
    let acks = acks.lock();
    assert_eq!(acks.len() as u64, n);
    let mut seqs: Vec<u64> = acks
        .iter()
        .map(|(_, r)| r.as_ref().expect("every message acked").seq)
        .collect();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len() as u64, n);
    assert_eq!(stream_msgs(&js, "A"), n);
    assert_eq!(js.pending_list().unwrap_err().status, NATS_NOT_FOUND);
}

#[test]
fn async_publish_reports_errors_to_the_error_handler() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    add_stream(&js, "E", &["e"], json!({}));
    let errs: Shared<(Vec<u8>, natsStatus, u16)> = Arc::default();
    let e2 = errs.clone();
    js.set_pub_async_handlers(PubAsyncHandlers {
        ack: None,
        err: Some(Arc::new(move |_js, m, e| {
            e2.lock().push((m.data().to_vec(), e.status, e.js_code));
        })),
    });
    js.publish_async(b"e", b"ok", None, None).unwrap();
    let o = PubOptions {
        expect_last_seq: 42,
        ..Default::default()
    };
    js.publish_async(b"e", b"wrong-seq", None, Some(&o)).unwrap();
    js.publish_async(b"no.stream", b"nobody", None, None).unwrap();
    js.publish_async_complete(10_000).unwrap();
    let mut errs = errs.lock().clone();
    errs.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        errs,
        vec![
            (b"nobody".to_vec(), NATS_NO_RESPONDERS, 0),
            (b"wrong-seq".to_vec(), NATS_ERR, 10071)
        ]
    );
}

#[test]
fn paused_server_stall_wait_and_ack_timeouts() {
    let mut srv = Server::start_jetstream();
    let o = JsOptions {
        publish_async: PubAsyncOptions {
            max_pending: 50,
            stall_wait: 300,
            ..Default::default()
        },
        ..Default::default()
    };
    let js = js_with(&srv, Some(&o));
    add_stream(&js, "P", &["p"], json!({}));
    let errs: Shared<(Vec<u8>, natsStatus)> = Arc::default();
    let e2 = errs.clone();
    js.set_pub_async_handlers(PubAsyncHandlers {
        ack: None,
        err: Some(Arc::new(move |_js, m, e| e2.lock().push((m.data().to_vec(), e.status)))),
    });
    // Warm up (subscription in place).
    js.publish_async(b"p", b"warm", None, None).unwrap();
    js.publish_async_complete(5_000).unwrap();

    pause(&mut srv);
    let po = PubOptions {
        max_wait_ms: 1_500,
        ..Default::default()
    };
    for i in 0..50 {
        js.publish_async(b"p", format!("m{i}").as_bytes(), None, Some(&po))
            .unwrap();
    }
    // The window is full: the next call waits the stall wait, then fails.
    let t = Instant::now();
    let e = js.publish_async(b"p", b"extra", None, Some(&po)).unwrap_err();
    let el = t.elapsed();
    assert_eq!(e.status, NATS_TIMEOUT, "{}", e.text);
    assert!(
        el >= Duration::from_millis(250) && el < Duration::from_millis(1_200),
        "{el:?}"
    );
    assert_eq!(js.pending_count(), 50);
    // Every unacked message reaches the error handler with a timeout.
    assert!(common::wait_for(Duration::from_secs(10), || errs.lock().len() >= 50));
    let mut got = errs.lock().clone();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    let mut want: Vec<(Vec<u8>, natsStatus)> = (0..50).map(|i| (format!("m{i}").into_bytes(), NATS_TIMEOUT)).collect();
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got, want);
    js.publish_async_complete(1_000).unwrap();
    assert_eq!(js.pending_count(), 0);

    srv.signal(libc::SIGCONT);
    // The publisher goes on.
    let a = js.publish(b"p", b"after", None, None).unwrap();
    assert_eq!(a.stream, "P");
    js.publish_async(b"p", b"after-async", None, None).unwrap();
    js.publish_async_complete(5_000).unwrap();
    assert_eq!(errs.lock().len(), 50);
}

#[test]
fn back_pressure_is_on_by_default_and_can_be_turned_off() {
    let mut srv = Server::start_jetstream();
    let js = js(&srv);
    let unlimited = js_with(
        &srv,
        Some(&JsOptions {
            publish_async: PubAsyncOptions {
                max_pending: -1,
                ..Default::default()
            },
            ..Default::default()
        }),
    );
    add_stream(&js, "W", &["w"], json!({}));
    for j in [&js, &unlimited] {
        j.publish_async(b"w", b"warm", None, None).unwrap();
        j.publish_async_complete(5_000).unwrap();
    }
    pause(&mut srv);
    let window = nats::js::publish_async::DEFAULT_MAX_PENDING;
    for _ in 0..window {
        js.publish_async(b"w", b"x", None, None).unwrap();
    }
    // Default options: the window is full, the call fails after the
    // default stall wait (200 ms).
    let t = Instant::now();
    assert_eq!(
        js.publish_async(b"w", b"x", None, None).unwrap_err().status,
        NATS_TIMEOUT
    );
    assert!(t.elapsed() >= Duration::from_millis(150), "{:?}", t.elapsed());
    // A negative max pending: no window.
    for _ in 0..window + 100 {
        unlimited.publish_async(b"w", b"x", None, None).unwrap();
    }
    assert_eq!(unlimited.pending_count(), window + 100);
    assert_eq!(js.pending_list().unwrap().len(), window);
    assert_eq!(unlimited.pending_list().unwrap().len(), window + 100);
    srv.signal(libc::SIGCONT);
}

#[test]
fn handler_misuse_is_contained() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    add_stream(&js, "H", &["h"], json!({}));
    let inner: Shared<natsStatus> = Arc::default();
    let i2 = inner.clone();
    js.set_pub_async_handlers(PubAsyncHandlers {
        ack: Some(Arc::new(move |js, m, _r| {
            // Waiting for completion from a handler would wait for itself.
            i2.lock().push(js.publish_async_complete(0).unwrap_err().status);
            if m.data() == b"panic" {
                panic!("handler panics");
            }
        })),
        err: None,
    });
    for d in [&b"a"[..], b"panic", b"b"] {
        js.publish_async(b"h", d, None, None).unwrap();
    }
    // A panicking handler does not leave its message in flight.
    js.publish_async_complete(5_000).unwrap();
    assert_eq!(js.pending_count(), 0);
    assert_eq!(*inner.lock(), vec![NATS_ILLEGAL_STATE; 3]);
}

#[test]
fn dropped_context_calls_no_handler_afterwards() {
    let mut srv = Server::start_jetstream();
    let (js, acks) = js_recording(&srv.url(), None);
    add_stream(&js, "X", &["x"], json!({}));
    js.publish_async(b"x", b"warm", None, None).unwrap();
    js.publish_async_complete(5_000).unwrap();
    pause(&mut srv);
    let o = PubOptions {
        max_wait_ms: 300,
        ..Default::default()
    };
    for _ in 0..10 {
        js.publish_async(b"x", b"late", None, Some(&o)).unwrap();
    }
    let weak = Arc::downgrade(&js);
    drop(js);
    assert!(weak.upgrade().is_none(), "no thread keeps the context alive");
    srv.signal(libc::SIGCONT);
    // Neither the acks nor the ack timeouts reach a handler.
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(acks.lock().len(), 1);
    assert_eq!(stream_msgs(&js_with(&srv, None), "X"), 11);
}

#[test]
fn pending_list_gives_back_unacked_messages() {
    let mut srv = Server::start_jetstream();
    let (js, acks) = js_recording(&srv.url(), None);
    add_stream(&js, "PL", &["pl"], json!({}));
    js.publish_async(b"pl", b"warm", None, None).unwrap();
    js.publish_async_complete(5_000).unwrap();
    assert_eq!(acks.lock().len(), 1);

    pause(&mut srv);
    for i in 0..10 {
        let mut h = Headers::new();
        h.set(b"I", i.to_string().as_bytes()).unwrap();
        js.publish_async(b"pl", format!("d{i}").as_bytes(), Some(&h), None)
            .unwrap();
    }
    assert_eq!(js.publish_async_complete(200).unwrap_err().status, NATS_TIMEOUT);
    let mut list = js.pending_list().unwrap();
    assert_eq!(list.len(), 10);
    for (i, m) in list.iter_mut().enumerate() {
        assert_eq!(m.subject(), b"pl");
        assert_eq!(m.data(), format!("d{i}").as_bytes());
        assert_eq!(
            m.headers().unwrap().unwrap().get_bytes(b"I"),
            Some(i.to_string().as_bytes())
        );
    }
    assert_eq!(js.pending_count(), 0);
    assert_eq!(js.pending_list().unwrap_err().status, NATS_NOT_FOUND);
    js.publish_async_complete(100).unwrap();
    srv.signal(libc::SIGCONT);
    // Their acks (the server stored them) are ignored; a resend is acked.
    let m = list.remove(0);
    js.publish_msg_async(m, None).map_err(|(e, _)| e).unwrap();
    js.publish_async_complete(5_000).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let acks = acks.lock();
    assert_eq!(acks.len(), 2, "only the warm-up and the resend");
    assert_eq!(acks[1].0, b"d0");
    assert_eq!(acks[1].1.as_ref().unwrap().seq, 12);
}

#[test]
fn resend_from_the_error_handler() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    add_stream(&js, "R", &["r"], json!({}));
    let tries = Arc::new(AtomicUsize::new(0));
    let t2 = tries.clone();
    js.set_pub_async_handlers(PubAsyncHandlers {
        ack: None,
        err: Some(Arc::new(move |js, mut m, e| {
            assert_eq!(e.js_code, 10071);
            if t2.fetch_add(1, Ordering::SeqCst) == 0 {
                // Drop the failing expectation and resend.
                m.headers().unwrap().unwrap().delete(b"Nats-Expected-Last-Sequence");
                js.publish_msg_async(m, None).map_err(|(e, _)| e).unwrap();
            }
        })),
    });
    let o = PubOptions {
        expect_last_seq: 5,
        ..Default::default()
    };
    js.publish_async(b"r", b"x", None, Some(&o)).unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || stream_msgs(&js, "R") == 1));
    js.publish_async_complete(5_000).unwrap();
    assert_eq!(tries.load(Ordering::SeqCst), 1);
}

// ---- cluster ----

struct Cluster {
    nodes: Vec<Server>,
}

impl Cluster {
    fn start() -> Cluster {
        let ports: Vec<u16> = (0..3).map(|_| common::free_port()).collect();
        let routes = ports
            .iter()
            .map(|p| format!("nats-route://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(", ");
        let nodes = (0..3)
            .map(|i| {
                let conf = format!(
                    "server_name: n{i}\njetstream {{ store_dir: \"@DIR@/js\" }}\n\
                     cluster {{ name: c1, listen: \"127.0.0.1:{}\", routes: [{routes}] }}\n",
                    ports[i]
                );
                Server::start(&conf)
            })
            .collect();
        Cluster { nodes }
    }

    fn urls(&self) -> Vec<String> {
        self.nodes.iter().filter(|n| n.port() != 0).map(Server::url).collect()
    }
}

fn connect_cluster(c: &Cluster) -> Arc<Connection> {
    let o = Options {
        servers: c.urls().into_iter().map(Into::into).collect(),
        max_reconnect: -1,
        reconnect_wait_ms: 100,
        ..Options::default()
    };
    Connection::connect(o).expect("connect to the cluster")
}

#[test]
fn cluster_leader_killed_during_async_publish() {
    let mut cluster = Cluster::start();
    let nc = connect_cluster(&cluster);
    let admin = Arc::new(JetStream::new(nc.clone(), None).unwrap());
    // Wait for the JetStream meta leader, then create an R3 stream.
    let o = admin.call_opts(None);
    let cfg = json!({"name": "C", "subjects": ["c.>"], "storage": "file", "num_replicas": 3,
                     "duplicate_window": 120_000_000_000u64});
    assert!(
        common::wait_for(Duration::from_secs(20), || admin
            .api_request::<Value>(&o, "STREAM.CREATE.C", cfg.to_string().as_bytes(), &[])
            .is_ok()),
        "stream not created"
    );
    let leader_of = |js: &JetStream| -> Option<String> {
        let o = js.call_opts(None);
        js.api_request::<Value>(&o, "STREAM.INFO.C", b"", &[])
            .ok()
            .and_then(|v| v["cluster"]["leader"].as_str().map(String::from))
    };
    assert!(common::wait_for(Duration::from_secs(20), || leader_of(&admin).is_some()));

    // The publisher: async, msg ids; a failed message is resent by its
    // error handler (same id: the stream de-duplicates).
    let pj = Arc::new(JetStream::new(connect_cluster(&cluster), None).unwrap());
    let acked: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
    let failures = Arc::new(AtomicUsize::new(0));
    let kinds: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let (a2, f2, k2) = (acked.clone(), failures.clone(), kinds.clone());
    let resend: Arc<Mutex<Vec<Box<Msg>>>> = Arc::default();
    let r2 = resend.clone();
    pj.set_pub_async_handlers(PubAsyncHandlers {
        ack: Some(Arc::new(move |_js, mut m, r| match r {
            Ok(pa) => {
                let id = m
                    .headers()
                    .unwrap()
                    .unwrap()
                    .get_bytes(b"Nats-Msg-Id")
                    .unwrap()
                    .to_vec();
                a2.lock().insert(String::from_utf8(id).unwrap(), pa.seq);
            }
            Err(e) => {
                f2.fetch_add(1, Ordering::SeqCst);
                *k2.lock().entry(format!("{:?}", e.status)).or_insert(0) += 1;
                r2.lock().push(m);
            }
        })),
        err: None,
    });
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (pj2, stop2, resend2) = (pj.clone(), stop.clone(), resend.clone());
    const MAX_NEW: u64 = 12_000;
    let publisher = std::thread::spawn(move || {
        let mut i = 0u64;
        let mut call_errors = 0u64;
        while !stop2.load(Ordering::SeqCst) {
            // Resend what failed first.
            let again: Vec<Box<Msg>> = std::mem::take(&mut *resend2.lock());
            for m in again {
                if let Err((_, m)) = pj2.publish_msg_async(m, None) {
                    call_errors += 1;
                    resend2.lock().push(m);
                }
            }
            if i >= MAX_NEW {
                // Enough new messages (the check below reads them all).
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
            let o = PubOptions {
                msg_id: Some(format!("id-{i}")),
                max_wait_ms: 2_000,
                ..Default::default()
            };
            let m = Box::new(Msg::new(b"c.x", None, format!("{i}").as_bytes()).unwrap());
            match pj2.publish_msg_async(m, Some(&o)) {
                Ok(()) => i += 1,
                Err((_, m)) => {
                    call_errors += 1;
                    resend2.lock().push(m);
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            if i.is_multiple_of(200) {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        (i, call_errors)
    });

    assert!(common::wait_for(Duration::from_secs(20), || acked.lock().len() >= 2_000));
    let leader = leader_of(&admin).expect("leader");
    let idx: usize = leader.trim_start_matches('n').parse().unwrap();
    let before_kill = acked.lock().len();
    cluster.nodes[idx].kill();
    // A new leader is elected, and the publisher goes on by itself.
    assert!(
        common::wait_for(Duration::from_secs(30), || leader_of(&admin)
            .is_some_and(|l| l != leader)),
        "no new leader"
    );
    assert!(
        common::wait_for(Duration::from_secs(30), || acked.lock().len() >= before_kill + 5_000),
        "publisher did not continue: {} acked, {} before the kill",
        acked.lock().len(),
        before_kill
    );
    stop.store(true, Ordering::SeqCst);
    let (published, call_errors) = publisher.join().unwrap();
    // Finish: resend the failures until none is left.
    for _ in 0..50 {
        let again: Vec<Box<Msg>> = std::mem::take(&mut *resend.lock());
        for m in again {
            pj.publish_msg_async(m, None).map_err(|(e, _)| e).unwrap();
        }
        let _ = pj.publish_async_complete(10_000);
        if resend.lock().is_empty() && pj.pending_count() == 0 {
            break;
        }
    }
    assert!(resend.lock().is_empty());
    let acked = acked.lock().clone();
    assert_eq!(
        acked.len() as u64,
        published,
        "every published message acked in the end"
    );
    // Every acked message is in the stream exactly once.
    let info = admin
        .api_request::<Value>(&admin.call_opts(None), "STREAM.INFO.C", b"", &[])
        .unwrap();
    let stored = info["state"]["messages"].as_u64().unwrap();
    assert_eq!(stored, published, "stream holds each message once");
    let mut seqs: Vec<u64> = acked.values().copied().collect();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len() as u64, published, "distinct sequences");
    // Every stored message is the one acked at its sequence: each acked
    // message is in the stream exactly once.
    let by_seq: HashMap<u64, &String> = acked.iter().map(|(id, seq)| (*seq, id)).collect();
    assert_eq!(info["state"]["first_seq"].as_u64(), Some(1));
    assert_eq!(info["state"]["last_seq"].as_u64(), Some(published));
    for seq in 1..=published {
        let m = admin.get_msg("C", seq, None).unwrap();
        let h = Headers::parse(m.header.as_deref().expect("headers")).unwrap();
        let id = h.get_bytes(b"Nats-Msg-Id").expect("msg id");
        assert_eq!(Some(id), by_seq.get(&seq).map(|s| s.as_bytes()), "at {seq}");
        assert_eq!(m.data, id[3..].to_vec(), "data of {seq}");
    }
    println!(
        "cluster: {published} published, {} failures resent ({:?}), {call_errors} call errors, {before_kill} acked before the kill",
        failures.load(Ordering::SeqCst),
        kinds.lock()
    );
}

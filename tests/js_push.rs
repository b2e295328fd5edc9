//! JetStream push subscriptions and the ordered consumer through the core
//! API against real `nats-server -js`: auto/manual acks, queue groups,
//! durable rebind, consumer deletion at Unsubscribe as cnats (kept when
//! bound or destroyed), flow control on a large backlog, heartbeats
//! (missed ones reported while the server is paused), option checks; the
//! ordered consumer recovering from the deletion of its consumer, a
//! server restart with the same store, and a kill -9 of the connected
//! node of a 3-node cluster — every message exactly once, in order.

mod common;

use common::server::Server;
use nats::conn::sub::{MsgCallback, Subscription};
use nats::conn::Connection;
use nats::js::push::{self, SubOptions};
use nats::js::{AckPolicy, ConsumerConfig, JetStream};
use nats::natsStatus::{self, *};
use nats::options::Options;
use parking_lot::Mutex;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

type Errs = Arc<Mutex<Vec<natsStatus>>>;

fn connect_opts(servers: Vec<String>) -> (Arc<Connection>, Errs) {
    let errs: Errs = Arc::default();
    let e2 = errs.clone();
    let o = Options {
        servers: servers.into_iter().map(Into::into).collect(),
        max_reconnect: -1,
        reconnect_wait_ms: 100,
        err_cb: Some(Arc::new(move |_, _, st, _| e2.lock().push(st))),
        ..Options::default()
    };
    (Connection::connect(o).expect("connect"), errs)
}

fn js_for(srv: &Server) -> (Arc<JetStream>, Errs) {
    let (c, errs) = connect_opts(vec![srv.url()]);
    (Arc::new(JetStream::new(c, None).unwrap()), errs)
}

fn api(js: &JetStream, suffix: &str, body: Value) -> Value {
    let o = js.call_opts(None);
    js.api_request::<Value>(&o, suffix, body.to_string().as_bytes(), &[])
        .unwrap_or_else(|e| panic!("{suffix}: {e:?}"))
}

fn add_stream(js: &JetStream, name: &str, subjects: &[&str], storage: &str) {
    api(
        js,
        &format!("STREAM.CREATE.{name}"),
        json!({"name": name, "subjects": subjects, "storage": storage}),
    );
}

fn publish_n(js: &JetStream, subject: &str, from: usize, n: usize) {
    for i in from..from + n {
        js.publish(subject.as_bytes(), format!("{i}").as_bytes(), None, None)
            .unwrap_or_else(|e| panic!("publish {i}: {e:?}"));
    }
}

fn consumer_names(js: &JetStream, stream: &str) -> Vec<String> {
    js.consumer_names(stream, None).unwrap_or_default()
}

/// (stream seq, consumer seq) from a `$JS.ACK` reply.
fn seqs(reply: &[u8]) -> (u64, u64) {
    let t: Vec<&str> = std::str::from_utf8(reply).unwrap().split('.').collect();
    let b = if t.len() == 9 { 2 } else { 4 };
    (t[b + 3].parse().unwrap(), t[b + 4].parse().unwrap())
}

/// (payload, stream sequence) of each message received.
type Got = Arc<Mutex<Vec<(String, u64)>>>;

fn collect_cb() -> (MsgCallback, Got) {
    let got: Got = Arc::default();
    let g = got.clone();
    let cb: MsgCallback = Arc::new(move |_, _, m| {
        if let Some(m) = m {
            let sseq = m.reply().map_or(0, |r| seqs(r).0);
            g.lock().push((String::from_utf8_lossy(m.data()).into_owned(), sseq));
        }
    });
    (cb, got)
}

fn err_status(r: nats::error::Result<Arc<Subscription>>) -> (natsStatus, String) {
    match r {
        Ok(_) => panic!("subscribed"),
        Err(e) => (e.status, e.text),
    }
}

#[test]
fn push_async_auto_ack_stream_lookup_and_unsubscribe_deletes_the_consumer() {
    let srv = Server::start_jetstream();
    let (js, _) = js_for(&srv);
    add_stream(&js, "S", &["s.>"], "memory");
    publish_n(&js, "s.a", 0, 20);
    let (cb, got) = collect_cb();
    // No stream given: found from the subject.
    let sub = js.subscribe("s.a", Some(cb), None, None).unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || got.lock().len() == 20));
    let (stream, consumer) = push::push_consumer(&sub).unwrap();
    assert_eq!(stream, "S");
    let consumer = consumer.unwrap();
    // natsSubscription_GetConsumerInfo works on a push subscription.
    let ci = nats::js::sub::consumer_info(&sub, None).unwrap();
    assert_eq!((ci.stream.as_str(), ci.name.as_str()), ("S", consumer.as_str()));
    // Auto-acked after each callback: nothing left pending.
    assert!(common::wait_for(Duration::from_secs(5), || {
        js.consumer_info("S", &consumer, None)
            .map(|ci| ci.num_ack_pending == 0 && ci.ack_floor.stream == 20)
            .unwrap_or(false)
    }));
    let want: Vec<String> = (0..20).map(|i| i.to_string()).collect();
    assert_eq!(got.lock().iter().map(|g| g.0.clone()).collect::<Vec<_>>(), want);
    assert_eq!(
        push::sequence_mismatch(&sub).unwrap_err().status,
        NATS_NOT_FOUND,
        "no mismatch"
    );
    js.conn().unsubscribe(&sub, 0).unwrap();
    assert!(
        consumer_names(&js, "S").is_empty(),
        "the ephemeral consumer was deleted"
    );
    // A plain subscription is not a JetStream one.
    let plain = js.conn().subscribe(b"x", None, None, 0).unwrap();
    assert_eq!(
        push::sequence_mismatch(&plain).unwrap_err().status,
        NATS_INVALID_SUBSCRIPTION
    );
}

#[test]
fn push_sync_manual_ack_durable_rebind_keeps_a_bound_consumer() {
    let srv = Server::start_jetstream();
    let (js, _) = js_for(&srv);
    add_stream(&js, "D", &["d"], "file");
    publish_n(&js, "d", 0, 10);
    // The application's durable consumer (not created by the library).
    let inbox = "dlv.dur".to_string();
    let cfg = ConsumerConfig {
        durable: Some("dur".into()),
        deliver_subject: Some(inbox),
        ack_policy: Some(AckPolicy::Explicit),
        ack_wait: 1_000_000_000,
        ..Default::default()
    };
    js.add_consumer("D", &cfg, None).unwrap();
    let bind = SubOptions {
        stream: Some("D".into()),
        consumer: Some("dur".into()),
        ..Default::default()
    };
    let sub = js.subscribe("", None, None, Some(&bind)).unwrap();
    for i in 0..4 {
        let m = sub.next_msg(5000).unwrap();
        assert_eq!(m.data(), i.to_string().as_bytes());
        js.conn().publish(m.reply().unwrap(), None, None, b"+ACK").unwrap();
    }
    js.conn().flush_timeout(5000).unwrap();
    // Bound: a second non-queue subscriber is refused.
    let (st, text) = err_status(js.subscribe("", None, None, Some(&bind)));
    assert_eq!(st, NATS_ERR);
    assert!(text.contains("already bound"), "{text}");
    js.conn().unsubscribe(&sub, 0).unwrap();
    assert_eq!(consumer_names(&js, "D"), ["dur"], "a bound durable is kept");
    // Rebind: the four acked are not redelivered; the six others are
    // (ack wait 1 s), then new ones.
    assert!(common::wait_for(Duration::from_secs(5), || js
        .consumer_info("D", "dur", None)
        .map(|ci| !ci.push_bound)
        .unwrap_or(false)));
    let by_durable = SubOptions {
        config: ConsumerConfig {
            durable: Some("dur".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let sub = js.subscribe("d", None, None, Some(&by_durable)).unwrap();
    let mut again: Vec<String> = (0..6)
        .map(|_| {
            let m = sub.next_msg(5000).unwrap();
            js.conn().publish(m.reply().unwrap(), None, None, b"+ACK").unwrap();
            String::from_utf8_lossy(m.data()).into_owned()
        })
        .collect();
    again.sort();
    assert_eq!(again, ["4", "5", "6", "7", "8", "9"]);
    publish_n(&js, "d", 10, 1);
    assert_eq!(sub.next_msg(5000).unwrap().data(), b"10");
    // A library-created durable is deleted at Unsubscribe (as cnats).
    let mine = SubOptions {
        config: ConsumerConfig {
            durable: Some("mine".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let s2 = js.subscribe("d", None, None, Some(&mine)).unwrap();
    assert_eq!(s2.next_msg(5000).unwrap().data(), b"0");
    assert!(consumer_names(&js, "D").contains(&"mine".to_string()));
    js.conn().unsubscribe(&s2, 0).unwrap();
    assert!(!consumer_names(&js, "D").contains(&"mine".to_string()));
}

#[test]
fn push_queue_group_shares_the_messages() {
    let srv = Server::start_jetstream();
    let (js, _) = js_for(&srv);
    add_stream(&js, "Q", &["q.*"], "memory");
    let o = SubOptions {
        queue: Some("workers".into()),
        ..Default::default()
    };
    let (cb1, got1) = collect_cb();
    let (cb2, got2) = collect_cb();
    let s1 = js.subscribe("q.*", Some(cb1), None, Some(&o)).unwrap();
    let s2 = js.subscribe("q.*", Some(cb2), None, Some(&o)).unwrap();
    // The queue name is the durable; one consumer with a deliver group.
    assert_eq!(consumer_names(&js, "Q"), ["workers"]);
    publish_n(&js, "q.x", 0, 200);
    assert!(common::wait_for(Duration::from_secs(10), || got1.lock().len()
        + got2.lock().len()
        >= 200));
    std::thread::sleep(Duration::from_millis(200));
    let all: Vec<String> = got1
        .lock()
        .iter()
        .chain(got2.lock().iter())
        .map(|g| g.0.clone())
        .collect();
    assert_eq!(all.len(), 200, "exactly once across the group");
    assert_eq!(all.iter().collect::<HashSet<_>>().len(), 200);
    assert!(
        !got1.lock().is_empty() && !got2.lock().is_empty(),
        "both members got some"
    );
    // Heartbeats / flow control with a queue are refused.
    let bad = SubOptions {
        queue: Some("w".into()),
        config: ConsumerConfig {
            heartbeat: 1_000_000_000,
            ..Default::default()
        },
        ..Default::default()
    };
    assert_eq!(
        err_status(js.subscribe("q.*", None, None, Some(&bad))).0,
        NATS_INVALID_ARG
    );
    drop((s1, s2));
}

#[test]
fn push_flow_control_on_a_large_backlog() {
    let srv = Server::start_jetstream();
    let (js, errs) = js_for(&srv);
    add_stream(&js, "F", &["f"], "file");
    let payload = vec![b'x'; 4096];
    for _ in 0..6000 {
        js.publish_async(b"f", &payload, None, None).unwrap();
    }
    js.publish_async_complete(30_000).unwrap();
    let o = SubOptions {
        config: ConsumerConfig {
            flow_control: true,
            // Long: a stalled consumer would only be rescued by a
            // heartbeat after 20 s.
            heartbeat: 20_000_000_000,
            ack_policy: Some(AckPolicy::None),
            ..Default::default()
        },
        ..Default::default()
    };
    let sub = js.subscribe("f", None, None, Some(&o)).unwrap();
    let start = Instant::now();
    let mut last = 0;
    for _ in 0..6000 {
        let m = sub.next_msg(10_000).expect("message (flow control answered)");
        let (sseq, _) = seqs(m.reply().unwrap());
        assert_eq!(sseq, last + 1);
        last = sseq;
    }
    assert!(start.elapsed() < Duration::from_secs(15), "took {:?}", start.elapsed());
    let fc = sub
        .js_hook()
        .and_then(|h| h.as_any().downcast_ref::<push::PushSub>())
        .map(|p| p.flow_control_answers())
        .unwrap();
    assert!(fc > 0, "the server asked for flow control");
    assert!(!errs.lock().contains(&NATS_SLOW_CONSUMER));
}

#[test]
fn push_missed_heartbeats_are_reported_and_not_fatal() {
    let mut srv = Server::start_jetstream();
    let (js, errs) = js_for(&srv);
    add_stream(&js, "H", &["h"], "memory");
    let (cb, got) = collect_cb();
    let o = SubOptions {
        config: ConsumerConfig {
            heartbeat: 500_000_000,
            ..Default::default()
        },
        ..Default::default()
    };
    let _sub = js.subscribe("h", Some(cb), None, Some(&o)).unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    assert!(
        !errs.lock().contains(&NATS_MISSED_HEARTBEAT),
        "heartbeats arrive while idle"
    );
    srv.signal(libc::SIGSTOP);
    let reported = common::wait_for(Duration::from_secs(5), || errs.lock().contains(&NATS_MISSED_HEARTBEAT));
    srv.signal(libc::SIGCONT);
    assert!(reported, "missed heartbeats reported: {:?}", errs.lock());
    publish_n(&js, "h", 0, 5);
    assert!(common::wait_for(Duration::from_secs(10), || got.lock().len() == 5));
}

#[test]
fn subscribe_option_checks() {
    let srv = Server::start_jetstream();
    let (js, _) = js_for(&srv);
    add_stream(&js, "O", &["o"], "memory");
    let cases: Vec<(SubOptions, &str, natsStatus)> = vec![
        (
            SubOptions {
                ordered: true,
                config: ConsumerConfig {
                    durable: Some("d".into()),
                    ..Default::default()
                },
                ..Default::default()
            },
            "durable",
            NATS_INVALID_ARG,
        ),
        (
            SubOptions {
                ordered: true,
                config: ConsumerConfig {
                    ack_policy: Some(AckPolicy::Explicit),
                    ..Default::default()
                },
                ..Default::default()
            },
            "ack policy",
            NATS_INVALID_ARG,
        ),
        (
            SubOptions {
                ordered: true,
                queue: Some("q".into()),
                ..Default::default()
            },
            "queue",
            NATS_INVALID_ARG,
        ),
        (
            SubOptions {
                stream: Some("O".into()),
                consumer: Some("nope".into()),
                ..Default::default()
            },
            "consumer not found",
            NATS_NOT_FOUND,
        ),
    ];
    for (o, what, want) in cases {
        assert_eq!(err_status(js.subscribe("o", None, None, Some(&o))).0, want, "{what}");
    }
    let (st, text) = err_status(js.subscribe("nostream", None, None, None));
    assert_eq!((st, text.as_str()), (NATS_ERR, "no stream matches subject"));
    assert_eq!(err_status(js.subscribe("", None, None, None)).0, NATS_INVALID_ARG);
    // A pull consumer cannot be bound by a push subscription.
    js.add_consumer(
        "O",
        &ConsumerConfig {
            durable: Some("pull".into()),
            ..Default::default()
        },
        None,
    )
    .unwrap();
    let o = SubOptions {
        stream: Some("O".into()),
        consumer: Some("pull".into()),
        ..Default::default()
    };
    let (st, text) = err_status(js.subscribe("o", None, None, Some(&o)));
    assert_eq!(st, NATS_ERR);
    assert!(text.contains("pull subscribe"), "{text}");
}

// ---- ordered consumer ----

fn ordered_opts(hb_ms: i64) -> SubOptions {
    SubOptions {
        ordered: true,
        config: ConsumerConfig {
            heartbeat: hb_ms * 1_000_000,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Reads `n` messages with NextMsg, checking that the payloads are
/// `from..from+n` in order (each exactly once).
fn read_in_order(sub: &Arc<Subscription>, from: usize, n: usize, per_msg_ms: i64) {
    for i in from..from + n {
        let m = loop {
            match sub.next_msg(per_msg_ms) {
                Ok(m) => break m,
                Err(e) if e.status == NATS_MISMATCH => continue,
                Err(e) => panic!("message {i}: {e:?}"),
            }
        };
        assert_eq!(
            std::str::from_utf8(m.data()).unwrap(),
            i.to_string(),
            "message {i} out of order or duplicated"
        );
    }
}

fn resets(sub: &Subscription) -> u64 {
    sub.js_hook()
        .and_then(|h| h.as_any().downcast_ref::<push::PushSub>())
        .map(|p| p.resets())
        .unwrap()
}

#[test]
fn ordered_recovers_when_its_consumer_is_deleted() {
    let srv = Server::start_jetstream();
    let (js, errs) = js_for(&srv);
    add_stream(&js, "OD", &["od"], "memory");
    publish_n(&js, "od", 0, 500);
    let sub = js.subscribe("od", None, None, Some(&ordered_opts(200))).unwrap();
    read_in_order(&sub, 0, 100, 5000);
    let (_, consumer) = push::push_consumer(&sub).unwrap();
    let consumer = consumer.unwrap();
    js.delete_consumer("OD", &consumer, None).unwrap();
    publish_n(&js, "od", 500, 500);
    read_in_order(&sub, 100, 900, 10_000);
    assert_eq!(sub.next_msg(300).unwrap_err().status, NATS_TIMEOUT, "nothing more");
    assert!(resets(&sub) >= 1);
    assert!(errs.lock().contains(&NATS_MISSED_HEARTBEAT));
    let (_, now) = push::push_consumer(&sub).unwrap();
    assert_ne!(now.as_deref(), Some(consumer.as_str()), "a new consumer");
    js.conn().unsubscribe(&sub, 0).unwrap();
    assert!(consumer_names(&js, "OD").is_empty(), "the ordered consumer was deleted");
}

#[test]
fn ordered_async_survives_a_server_restart_with_the_same_store() {
    let mut srv = Server::start_jetstream();
    let (js, _) = js_for(&srv);
    add_stream(&js, "OR", &["or"], "file");
    publish_n(&js, "or", 0, 300);
    let (cb, got) = collect_cb();
    let _sub = js.subscribe("or", Some(cb), None, Some(&ordered_opts(250))).unwrap();
    assert!(common::wait_for(Duration::from_secs(10), || got.lock().len() >= 300));
    srv.restart();
    // Publish again once reconnected (the stream is on disk).
    assert!(common::wait_for(Duration::from_secs(20), || js
        .publish(b"or", b"300", None, None)
        .is_ok()));
    publish_n(&js, "or", 301, 299);
    assert!(
        common::wait_for(Duration::from_secs(30), || got.lock().len() >= 600),
        "got {}",
        got.lock().len()
    );
    std::thread::sleep(Duration::from_millis(500));
    let g = got.lock();
    let want: Vec<String> = (0..600).map(|i| i.to_string()).collect();
    assert_eq!(g.iter().map(|x| x.0.clone()).collect::<Vec<_>>(), want);
    assert!(
        g.windows(2).all(|w| w[1].1 == w[0].1 + 1),
        "stream sequences consecutive"
    );
}

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
                Server::start(&format!(
                    "server_name: n{i}\njetstream {{ store_dir: \"@DIR@/js\" }}\n\
                     cluster {{ name: c1, listen: \"127.0.0.1:{}\", routes: [{routes}] }}\n",
                    ports[i]
                ))
            })
            .collect();
        Cluster { nodes }
    }
}

#[test]
fn ordered_cluster_kill_of_the_connected_node() {
    let mut cluster = Cluster::start();
    let urls: Vec<String> = cluster.nodes.iter().map(Server::url).collect();
    let (nc, _) = connect_opts(urls.clone());
    let js = Arc::new(JetStream::new(nc.clone(), None).unwrap());
    let o = js.call_opts(None);
    let cfg = json!({"name": "OC", "subjects": ["oc"], "storage": "file", "num_replicas": 3});
    assert!(
        common::wait_for(Duration::from_secs(30), || js
            .api_request::<Value>(&o, "STREAM.CREATE.OC", cfg.to_string().as_bytes(), &[])
            .is_ok()),
        "stream not created"
    );
    publish_n(&js, "oc", 0, 2000);
    let sub = js.subscribe("oc", None, None, Some(&ordered_opts(300))).unwrap();
    read_in_order(&sub, 0, 700, 10_000);
    let connected = nc.connected_url().map(|u| u.expose().to_string()).unwrap();
    let idx = urls
        .iter()
        .position(|u| connected.contains(&u.replace("nats://", "")))
        .unwrap_or_else(|| panic!("{connected} not in {urls:?}"));
    cluster.nodes[idx].kill();
    let published = Arc::new(AtomicUsize::new(0));
    // Keep publishing through the fail-over.
    let p = published.clone();
    let js2 = js.clone();
    let publisher = std::thread::spawn(move || {
        let mut i = 2000;
        let deadline = Instant::now() + Duration::from_secs(60);
        while i < 2500 && Instant::now() < deadline {
            if js2.publish(b"oc", i.to_string().as_bytes(), None, None).is_ok() {
                i += 1;
                p.store(i, Ordering::SeqCst);
            } else {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    });
    read_in_order(&sub, 700, 1800, 30_000);
    publisher.join().unwrap();
    assert_eq!(published.load(Ordering::SeqCst), 2500);
    assert_eq!(
        sub.next_msg(500).unwrap_err().status,
        NATS_TIMEOUT,
        "no duplicate at the end"
    );
    assert!(resets(&sub) >= 1);
}

/// Publishes a raw control message (status 100) to a deliver subject, as
/// the server would.
fn inject_control(nc: &Connection, deliver: &[u8], reply: Option<&[u8]>, hdr: &str) {
    nc.publish(deliver, reply, Some(hdr.as_bytes()), b"").unwrap();
    nc.flush_timeout(5000).unwrap();
}

#[test]
fn push_sequence_mismatch_and_deferred_flow_control_answer() {
    let srv = Server::start_jetstream();
    let (js, _) = js_for(&srv);
    add_stream(&js, "M", &["m"], "memory");
    let o = SubOptions {
        config: ConsumerConfig {
            ack_policy: Some(AckPolicy::None),
            ..Default::default()
        },
        ..Default::default()
    };
    let sub = js.subscribe("m", None, None, Some(&o)).unwrap();
    let nc = js.conn().clone();
    let dlv = sub.subject.as_bytes().to_vec();
    publish_n(&js, "m", 0, 3);
    // Three received, none delivered yet: a flow-control request is
    // answered only once those three were delivered.
    let fc = nc.subscribe(b"fc.reply", None, None, 0).unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || sub
        .stats()
        .map(|s| s.pending_msgs == 3)
        .unwrap_or(false)));
    inject_control(&nc, &dlv, Some(b"fc.reply"), "NATS/1.0 100 FlowControl Request\r\n\r\n");
    assert_eq!(fc.next_msg(300).unwrap_err().status, NATS_TIMEOUT, "answered too early");
    read_in_order(&sub, 0, 2, 5000);
    assert_eq!(fc.next_msg(300).unwrap_err().status, NATS_TIMEOUT, "answered too early");
    read_in_order(&sub, 2, 1, 5000);
    assert!(fc.next_msg(2000).is_ok(), "flow control answered after delivery");
    assert_eq!(push::sequence_mismatch(&sub).unwrap_err().status, NATS_NOT_FOUND);
    // The server says it sent 5 while we got 3: a mismatch, reported once
    // by NextMsg and by GetSequenceMismatch until resolved.
    inject_control(
        &nc,
        &dlv,
        None,
        "NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 5\r\nNats-Last-Stream: 5\r\n\r\n",
    );
    assert!(common::wait_for(Duration::from_secs(5), || push::sequence_mismatch(
        &sub
    )
    .is_ok()));
    let m = push::sequence_mismatch(&sub).unwrap();
    assert_eq!((m.stream, m.consumer_client, m.consumer_server), (3, 3, 5));
    assert_eq!(sub.next_msg(100).unwrap_err().status, NATS_MISMATCH);
    assert_eq!(sub.next_msg(100).unwrap_err().status, NATS_TIMEOUT, "reported once");
    // A heartbeat carrying a stalled flow control is answered at once.
    inject_control(
        &nc,
        &dlv,
        None,
        "NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 3\r\nNats-Consumer-Stalled: fc.reply\r\n\r\n",
    );
    assert!(fc.next_msg(2000).is_ok(), "stalled flow control answered");
    assert_eq!(
        push::sequence_mismatch(&sub).unwrap_err().status,
        NATS_NOT_FOUND,
        "resolved"
    );
}

#[test]
fn push_multi_filter_drain_deletes_and_destroy_keeps() {
    let srv = Server::start_jetstream();
    let (js, _) = js_for(&srv);
    add_stream(&js, "MF", &["mf.*"], "memory");
    for s in ["mf.a", "mf.b", "mf.c", "mf.a"] {
        js.publish(s.as_bytes(), s.as_bytes(), None, None).unwrap();
    }
    let sub = js.subscribe_multi(&["mf.a", "mf.b"], None, None, None).unwrap();
    let got: Vec<Vec<u8>> = (0..3).map(|_| sub.next_msg(5000).unwrap().data().to_vec()).collect();
    assert_eq!(got, [b"mf.a".to_vec(), b"mf.b".to_vec(), b"mf.a".to_vec()]);
    assert_eq!(sub.next_msg(300).unwrap_err().status, NATS_TIMEOUT, "mf.c filtered out");
    assert_eq!(consumer_names(&js, "MF").len(), 1);
    // Drain: the consumer goes once the drain completed.
    js.conn().drain_sub(&sub, 0).unwrap();
    sub.wait_drain(5000).unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || consumer_names(&js, "MF").is_empty()));
    // Destroy (what natsSubscription_Destroy does): the consumer is kept.
    let sub = js.subscribe("mf.c", None, None, None).unwrap();
    sub.js_hook().unwrap().on_destroy(&sub);
    js.conn().unsubscribe(&sub, 0).unwrap();
    assert_eq!(consumer_names(&js, "MF").len(), 1, "kept at destroy");
}

#[test]
fn ordered_recovers_from_a_gap() {
    let srv = Server::start_jetstream();
    let (js, _errs) = js_for(&srv);
    add_stream(&js, "OG", &["og"], "memory");
    let errs = _errs;
    publish_n(&js, "og", 0, 10);
    let sub = js.subscribe("og", None, None, Some(&ordered_opts(1000))).unwrap();
    read_in_order(&sub, 0, 10, 5000);
    let (_, consumer) = push::push_consumer(&sub).unwrap();
    let consumer = consumer.unwrap();
    // The "next" message arrives with consumer sequence 12 instead of 11:
    // a gap. It is dropped and the consumer recreated from stream seq 11.
    // (Handed to the subscription's hook as the reader would: the server
    // does not let a client publish with a `$JS.ACK` reply.)
    let reply = format!("$JS.ACK.OG.{consumer}.1.12.12.0.0");
    let bogus = nats::msg::Msg::new(sub.subject.as_bytes(), Some(reply.as_bytes()), b"bogus").unwrap();
    assert!(
        sub.js_hook().unwrap().on_msg(&sub, Box::new(bogus)).is_none(),
        "dropped"
    );
    assert!(
        common::wait_for(Duration::from_secs(5), || resets(&sub) >= 1),
        "{:?}",
        errs.lock()
    );
    // The old consumer's messages are dropped; the new one delivers all.
    publish_n(&js, "og", 10, 40);
    read_in_order(&sub, 10, 40, 5000);
    assert_eq!(sub.next_msg(300).unwrap_err().status, NATS_TIMEOUT);
    assert!(resets(&sub) >= 1);
}

#[test]
fn ordered_server_paused_longer_than_two_heartbeats() {
    let mut srv = Server::start_jetstream();
    let (js, errs) = js_for(&srv);
    add_stream(&js, "OP", &["op"], "memory");
    publish_n(&js, "op", 0, 100);
    let sub = js.subscribe("op", None, None, Some(&ordered_opts(200))).unwrap();
    read_in_order(&sub, 0, 100, 5000);
    srv.signal(libc::SIGSTOP);
    let reported = common::wait_for(Duration::from_secs(5), || errs.lock().contains(&NATS_MISSED_HEARTBEAT));
    std::thread::sleep(Duration::from_millis(500));
    srv.signal(libc::SIGCONT);
    assert!(reported, "missed heartbeats reported: {:?}", errs.lock());
    publish_n(&js, "op", 100, 100);
    read_in_order(&sub, 100, 100, 15_000);
    assert_eq!(sub.next_msg(500).unwrap_err().status, NATS_TIMEOUT, "no duplicate");
}

#[test]
fn ordered_recreated_before_any_delivery_keeps_its_deliver_policy() {
    let srv = Server::start_jetstream();
    let (js, _) = js_for(&srv);
    add_stream(&js, "ON", &["on"], "memory");
    publish_n(&js, "on", 0, 5);
    let mut o = ordered_opts(200);
    o.config.deliver_policy = Some(nats::js::DeliverPolicy::New);
    let sub = js.subscribe("on", None, None, Some(&o)).unwrap();
    let (_, consumer) = push::push_consumer(&sub).unwrap();
    js.delete_consumer("ON", &consumer.unwrap(), None).unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || resets(&sub) >= 1));
    publish_n(&js, "on", 5, 3);
    read_in_order(&sub, 5, 3, 5000);
    assert_eq!(sub.next_msg(300).unwrap_err().status, NATS_TIMEOUT);
}

#[test]
fn push_async_mismatch_goes_to_the_error_handler() {
    let srv = Server::start_jetstream();
    let (js, errs) = js_for(&srv);
    add_stream(&js, "MA", &["ma"], "memory");
    let (cb, got) = collect_cb();
    let sub = js.subscribe("ma", Some(cb), None, None).unwrap();
    publish_n(&js, "ma", 0, 2);
    assert!(common::wait_for(Duration::from_secs(5), || got.lock().len() == 2));
    let dlv = sub.subject.as_bytes().to_vec();
    inject_control(
        js.conn(),
        &dlv,
        None,
        "NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 4\r\n\r\n",
    );
    assert!(common::wait_for(Duration::from_secs(5), || errs
        .lock()
        .contains(&NATS_MISMATCH)));
    let m = push::sequence_mismatch(&sub).unwrap();
    assert_eq!((m.consumer_client, m.consumer_server), (2, 4));
    // Reported once until resolved.
    inject_control(
        js.conn(),
        &dlv,
        None,
        "NATS/1.0 100 Idle Heartbeat\r\nNats-Last-Consumer: 4\r\n\r\n",
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(errs.lock().iter().filter(|s| **s == NATS_MISMATCH).count(), 1);
}

#[test]
fn push_auto_ack_is_skipped_when_the_callback_acknowledged() {
    let srv = Server::start_jetstream();
    let (js, _) = js_for(&srv);
    add_stream(&js, "AK", &["ak"], "memory");
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let s2 = seen.clone();
    let cb: MsgCallback = Arc::new(move |_, _, m| {
        let Some(mut m) = m else { return };
        let d = String::from_utf8_lossy(m.data()).into_owned();
        let first = !s2.lock().contains(&d);
        s2.lock().push(d.clone());
        // The first delivery of "0" is nak'ed: auto-ack must not ack it.
        if d == "0" && first {
            m.nak(None).unwrap();
        }
    });
    let _sub = js.subscribe("ak", Some(cb), None, None).unwrap();
    publish_n(&js, "ak", 0, 3);
    assert!(
        common::wait_for(Duration::from_secs(10), || seen
            .lock()
            .iter()
            .filter(|d| *d == "0")
            .count()
            == 2),
        "redelivered after the nak: {:?}",
        seen.lock()
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(seen.lock().len(), 4, "the others were auto-acked: {:?}", seen.lock());
}

#[test]
fn push_flow_control_counts_messages_dropped_as_slow_consumer() {
    let srv = Server::start_jetstream();
    let (js, _) = js_for(&srv);
    add_stream(&js, "FD", &["fd"], "memory");
    let o = SubOptions {
        config: ConsumerConfig {
            ack_policy: Some(AckPolicy::None),
            ..Default::default()
        },
        ..Default::default()
    };
    let sub = js.subscribe("fd", None, None, Some(&o)).unwrap();
    sub.set_pending_limits(2, -1).unwrap();
    let nc = js.conn().clone();
    let fc = nc.subscribe(b"fd.reply", None, None, 0).unwrap();
    publish_n(&js, "fd", 0, 5);
    assert!(common::wait_for(Duration::from_secs(5), || sub
        .stats()
        .map(|s| s.dropped == 3)
        .unwrap_or(false)));
    let dlv = sub.subject.as_bytes().to_vec();
    inject_control(&nc, &dlv, Some(b"fd.reply"), "NATS/1.0 100 FlowControl Request\r\n\r\n");
    assert_eq!(fc.next_msg(300).unwrap_err().status, NATS_TIMEOUT, "answered too early");
    assert_eq!(sub.next_msg(1000).unwrap_err().status, NATS_SLOW_CONSUMER);
    read_in_order(&sub, 0, 2, 1000);
    assert!(
        fc.next_msg(2000).is_ok(),
        "answered once all received were delivered or dropped"
    );
}

#[test]
fn ordered_slow_consumer_loses_nothing() {
    let srv = Server::start_jetstream();
    let (js, errs) = js_for(&srv);
    add_stream(&js, "OS", &["os"], "memory");
    let sub = js.subscribe("os", None, None, Some(&ordered_opts(1000))).unwrap();
    // Room for 10: most of what follows does not fit.
    sub.set_pending_limits(10, -1).unwrap();
    publish_n(&js, "os", 0, 300);
    read_in_order(&sub, 0, 300, 5000);
    assert_eq!(sub.next_msg(300).unwrap_err().status, NATS_TIMEOUT);
    assert!(resets(&sub) >= 1);
    assert!(errs.lock().contains(&NATS_SLOW_CONSUMER));
}

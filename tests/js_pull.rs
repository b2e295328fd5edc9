//! JetStream consuming with pull subscriptions against a real
//! `nats-server -js`: acks (seen through consumer info), metadata, nak with
//! delay, term, in progress; fetch and its statuses and timeouts; async
//! pull; a server restart with the same store, a paused server (SIGSTOP)
//! and a 3-node cluster losing the connected node, all without any call
//! from the user to resume.

mod common;

use common::server::Server;
use nats::conn::sub::{MsgCallback, Subscription};
use nats::conn::Connection;
use nats::js::pull::{self, FetchRequest, PullAsyncOptions};
use nats::js::sub::SubOptions;
use nats::js::{ConsumerConfig, JetStream};
use nats::msg::Msg;
use nats::natsStatus::{self, *};
use nats::options::Options;
use parking_lot::Mutex;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

type Errors = Arc<Mutex<Vec<natsStatus>>>;

fn connect_opts(mut o: Options) -> (Arc<Connection>, Errors) {
    let errs: Errors = Arc::default();
    let e2 = errs.clone();
    o.err_cb = Some(Arc::new(move |_, _, st, _| e2.lock().push(st)));
    (Connection::connect(o).expect("connect"), errs)
}

fn connect(srv: &Server) -> (Arc<Connection>, Errors) {
    connect_opts(Options {
        url: Some(srv.url().into()),
        max_reconnect: -1,
        reconnect_wait_ms: 50,
        ..Options::default()
    })
}

fn api(js: &JetStream, suffix: &str, body: Value) -> Value {
    let o = js.call_opts(None);
    js.api_request::<Value>(&o, suffix, body.to_string().as_bytes(), &[])
        .unwrap_or_else(|e| panic!("{suffix}: {e:?}"))
}

fn add_stream(js: &JetStream, name: &str, subject: &str, storage: &str) {
    api(
        js,
        &format!("STREAM.CREATE.{name}"),
        json!({"name": name, "subjects": [subject], "storage": storage}),
    );
}

fn publish_n(js: &JetStream, subject: &str, from: usize, to: usize) {
    for i in from..to {
        js.publish(subject.as_bytes(), format!("m{i}").as_bytes(), None, None)
            .unwrap_or_else(|e| panic!("publish {i}: {e:?}"));
    }
}

fn durable(name: &str, ack_wait_ms: i64) -> SubOptions {
    SubOptions {
        config: ConsumerConfig {
            durable: Some(name.into()),
            ack_wait: ack_wait_ms * 1_000_000,
            ..Default::default()
        },
        ..Default::default()
    }
}

fn info(sub: &Subscription) -> nats::js::ConsumerInfo {
    nats::js::sub::consumer_info(sub, None).expect("consumer info")
}

fn seq(m: &Msg) -> u64 {
    m.metadata().expect("metadata").sequence.stream
}

#[test]
fn acks_and_metadata_are_seen_in_consumer_info() {
    let srv = Server::start_jetstream();
    let (nc, _) = connect(&srv);
    let js = JetStream::new(nc.clone(), None).unwrap();
    add_stream(&js, "A", "a.>", "memory");
    publish_n(&js, "a.x", 0, 10);
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as i64;
    let sub = js
        .pull_subscribe("a.>", Some("dur"), None, Some(&durable("dur", 30_000)))
        .unwrap();
    // NextMsg does not apply to a pull subscription.
    assert_eq!(sub.next_msg(10).unwrap_err().status, NATS_INVALID_SUBSCRIPTION);
    let mut msgs = pull::fetch(&sub, 10, 2000).unwrap();
    assert_eq!(msgs.len(), 10);
    let md = msgs[2].metadata().unwrap();
    assert_eq!((md.stream.as_str(), md.consumer.as_str()), ("A", "dur"));
    assert_eq!((md.sequence.stream, md.sequence.consumer), (3, 3));
    assert_eq!((md.num_delivered, md.num_pending), (1, 7));
    assert_eq!(md.domain, None);
    assert!(md.timestamp > before - 60_000_000_000 && md.timestamp < before + 60_000_000_000);
    // A subscription message has no stored sequence / time.
    assert_eq!((msgs[2].js_sequence(), msgs[2].js_time()), (0, 0));
    let ci = info(&sub);
    assert_eq!((ci.num_ack_pending, ci.num_pending, ci.ack_floor.stream), (10, 0, 0));

    for m in msgs.iter_mut().take(4) {
        m.ack(None).unwrap();
    }
    msgs[4].ack_sync(None).unwrap();
    // Acking again is a no-op.
    msgs[4].ack(None).unwrap();
    msgs[4].nak(None).unwrap();
    let ci = info(&sub);
    assert_eq!(ci.ack_floor.stream, 5, "{ci:?}");
    assert_eq!(ci.num_ack_pending, 5);

    // Nak: redelivered at once, its delivered count is 2.
    msgs[5].nak(None).unwrap();
    let again = pull::fetch(&sub, 1, 2000).unwrap();
    assert_eq!(seq(&again[0]), 6);
    assert_eq!(again[0].metadata().unwrap().num_delivered, 2);
    assert!(info(&sub).num_redelivered >= 1);

    // Term: never again.
    msgs[6].term(None).unwrap();
    for m in msgs.iter_mut().skip(7) {
        m.ack_sync(None).unwrap();
    }
    let mut a = again.into_iter().next().unwrap();
    a.ack_sync(None).unwrap();
    let e = pull::fetch(&sub, 1, 300).unwrap_err();
    assert_eq!(e.status, NATS_TIMEOUT);
    let ci = info(&sub);
    assert_eq!(
        (ci.ack_floor.stream, ci.num_ack_pending, ci.num_pending),
        (10, 0, 0),
        "{ci:?}"
    );

    // A stored message has its sequence and time.
    let stored = js.get_msg("A", 4, None).unwrap().to_msg().unwrap();
    assert_eq!(stored.js_sequence(), 4);
    assert!(stored.js_time() > 0);
    // The library created the durable: Unsubscribe deletes it.
    nc.unsubscribe(&sub, 0).unwrap();
    assert_eq!(js.consumer_info("A", "dur", None).unwrap_err().status, NATS_NOT_FOUND);
    let e = nats::js::sub::consumer_info(&sub, None).unwrap_err();
    assert_eq!((e.status, e.js_code), (NATS_NOT_FOUND, 10014));
}

#[test]
fn nak_with_delay_redelivers_after_the_delay_and_in_progress_extends_ack_wait() {
    let srv = Server::start_jetstream();
    let (nc, _) = connect(&srv);
    let js = JetStream::new(nc.clone(), None).unwrap();
    add_stream(&js, "N", "n.>", "memory");
    publish_n(&js, "n.x", 0, 2);
    let sub = js
        .pull_subscribe("n.>", Some("d"), None, Some(&durable("d", 1000)))
        .unwrap();
    let mut m = pull::fetch(&sub, 1, 2000).unwrap().pop().unwrap();
    assert_eq!(seq(&m), 1);
    let t0 = Instant::now();
    m.nak_with_delay(700, None).unwrap();
    // The second message comes, the first is not redelivered yet.
    let mut m2 = pull::fetch(&sub, 1, 2000).unwrap().pop().unwrap();
    assert_eq!(seq(&m2), 2);
    let e = pull::fetch(&sub, 1, 300).unwrap_err();
    assert_eq!(e.status, NATS_TIMEOUT);
    let mut r = pull::fetch(&sub, 1, 3000).unwrap().pop().unwrap();
    let waited = t0.elapsed();
    assert_eq!(seq(&r), 1);
    assert!(waited >= Duration::from_millis(650), "redelivered after {waited:?}");
    r.ack_sync(None).unwrap();

    // In progress every 400 ms keeps message 2 (ack wait 1 s) for 2 s.
    let t1 = Instant::now();
    while t1.elapsed() < Duration::from_millis(2000) {
        m2.in_progress(None).unwrap();
        assert_eq!(pull::fetch(&sub, 1, 400).unwrap_err().status, NATS_TIMEOUT);
    }
    // In progress does not count as acked: stop, and it comes back.
    let r2 = pull::fetch(&sub, 1, 3000).unwrap().pop().unwrap();
    assert_eq!(seq(&r2), 2);
    assert_eq!(r2.metadata().unwrap().num_delivered, 2);
}

#[test]
fn fetch_statuses_and_deadlines() {
    let srv = Server::start_jetstream();
    let (nc, _) = connect(&srv);
    let js = JetStream::new(nc.clone(), None).unwrap();
    add_stream(&js, "F", "f.>", "memory");
    let sub = js.pull_subscribe("f.>", Some("d"), None, None).unwrap();
    // Bad arguments.
    assert_eq!(pull::fetch(&sub, 0, 100).unwrap_err().status, NATS_INVALID_ARG);
    assert_eq!(pull::fetch(&sub, 1, 0).unwrap_err().status, NATS_INVALID_TIMEOUT);
    let core = nc.subscribe(b"x", None, None, 0).unwrap();
    assert_eq!(
        pull::fetch(&core, 1, 100).unwrap_err().status,
        NATS_INVALID_SUBSCRIPTION
    );
    assert_eq!(
        nats::js::sub::consumer_info(&core, None).unwrap_err().status,
        NATS_INVALID_SUBSCRIPTION
    );

    // No-wait on an empty stream: 404 at once.
    let t = Instant::now();
    let req = FetchRequest {
        batch: 10,
        no_wait: true,
        ..Default::default()
    };
    assert_eq!(pull::fetch_request(&sub, &req).unwrap_err().status, NATS_NOT_FOUND);
    assert!(t.elapsed() < Duration::from_millis(500), "{:?}", t.elapsed());
    // With expires too: the server may hold it until it expires (2.15
    // does), the answer comes within the time given.
    let req = FetchRequest {
        expires: 300_000_000,
        ..req
    };
    let t = Instant::now();
    let st = pull::fetch_request(&sub, &req).unwrap_err().status;
    assert!(matches!(st, NATS_NOT_FOUND | NATS_TIMEOUT), "{st:?}");
    assert!(t.elapsed() < Duration::from_millis(340), "{:?}", t.elapsed());

    // Nothing to fetch: the timeout is kept to within a few ms.
    for ms in [50i64, 300] {
        let t = Instant::now();
        assert_eq!(pull::fetch(&sub, 5, ms).unwrap_err().status, NATS_TIMEOUT);
        let took = t.elapsed().as_millis() as i64;
        assert!(took >= ms - 15 && took <= ms + 40, "{ms} ms fetch took {took} ms");
    }

    // Fewer messages than the batch: what there is, at once.
    publish_n(&js, "f.a", 0, 3);
    let t = Instant::now();
    let got = pull::fetch(&sub, 10, 2000).unwrap();
    assert_eq!(got.len(), 3);
    // Status answers (404, 408) are not counted as delivered, as cnats.
    assert_eq!(sub.stats().unwrap().delivered, 3);
    assert!(t.elapsed() < Duration::from_millis(500), "{:?}", t.elapsed());
    // A message larger than max bytes: 409, ends at once.
    publish_n(&js, "f.a", 3, 4);
    let req = FetchRequest {
        batch: 1,
        max_bytes: 2,
        expires: 2_000_000_000,
        ..Default::default()
    };
    let t = Instant::now();
    let e = pull::fetch_request(&sub, &req).unwrap_err();
    assert_eq!(e.status, NATS_LIMIT_REACHED, "{e:?}");
    assert!(t.elapsed() < Duration::from_millis(500), "{:?}", t.elapsed());

    // Max waiting 1: a second concurrent pull is refused with a 409.
    let cfg = ConsumerConfig {
        durable: Some("w".into()),
        max_waiting: 1,
        ..Default::default()
    };
    let o = SubOptions {
        config: cfg,
        ..Default::default()
    };
    let s1 = js.pull_subscribe("f.none", Some("w"), None, Some(&o)).unwrap();
    let s2 = js.pull_subscribe("f.none", Some("w"), None, Some(&o)).unwrap();
    let h = std::thread::spawn(move || pull::fetch(&s1, 1, 1500).unwrap_err().status);
    std::thread::sleep(Duration::from_millis(200));
    let t = Instant::now();
    let e = pull::fetch(&s2, 1, 1500).unwrap_err();
    assert_eq!(e.status, NATS_LIMIT_REACHED, "{e:?}");
    assert!(t.elapsed() < Duration::from_millis(500), "{:?}", t.elapsed());
    assert_eq!(h.join().unwrap(), NATS_TIMEOUT);

    // Binding to an existing durable with a different configuration is
    // refused (cnats' texts).
    let o = SubOptions {
        config: ConsumerConfig {
            max_waiting: 7,
            ..Default::default()
        },
        ..Default::default()
    };
    let e = js
        .pull_subscribe("f.none", Some("w"), None, Some(&o))
        .err()
        .expect("refused");
    assert_eq!(e.status, NATS_ERR);
    assert!(e.text.contains("max waiting to be 7"), "{e:?}");

    // Binding a pull subscription to a push consumer is refused.
    api(
        &js,
        "CONSUMER.CREATE.F.push",
        json!({"stream_name": "F", "config": {"durable_name": "push", "deliver_subject": "dlv", "ack_policy": "explicit"}}),
    );
    let e = js
        .pull_subscribe("f.>", Some("push"), None, None)
        .err()
        .expect("refused");
    assert_eq!(e.status, NATS_ERR);
    assert!(e.text.contains("push based consumer"), "{e:?}");
}

fn async_collector() -> (MsgCallback, Arc<Mutex<Vec<u64>>>) {
    let got: Arc<Mutex<Vec<u64>>> = Arc::default();
    let g = got.clone();
    let cb: MsgCallback = Arc::new(move |_, _, m| {
        if let Some(mut m) = m {
            g.lock().push(seq(&m));
            let _ = m.ack(None);
        }
    });
    (cb, got)
}

fn complete_recorder(p: &mut PullAsyncOptions) -> Arc<Mutex<Vec<(natsStatus, Instant)>>> {
    let done: Arc<Mutex<Vec<(natsStatus, Instant)>>> = Arc::default();
    let d = done.clone();
    p.complete = Some(Arc::new(move |_, _, st| d.lock().push((st, Instant::now()))));
    done
}

#[test]
fn async_pull_refills_and_completes() {
    let srv = Server::start_jetstream();
    let (nc, _) = connect(&srv);
    let js = JetStream::new(nc.clone(), None).unwrap();
    add_stream(&js, "P", "p.>", "memory");
    publish_n(&js, "p.x", 0, 10);
    // Max messages 25 with batches of 4: refilled, then complete.
    let (cb, got) = async_collector();
    let mut p = PullAsyncOptions {
        max_messages: 25,
        fetch_size: 4,
        ..Default::default()
    };
    let done = complete_recorder(&mut p);
    let sub = js.pull_subscribe_async("p.>", Some("a"), cb, &p, None, None).unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || got.lock().len() == 10));
    publish_n(&js, "p.x", 10, 30);
    assert!(common::wait_for(Duration::from_secs(5), || done.lock().len() == 1));
    assert_eq!(done.lock()[0].0, NATS_MAX_DELIVERED_MSGS);
    assert_eq!(*got.lock(), (1..=25).collect::<Vec<u64>>());
    assert!(!sub.is_valid());

    // A timeout ends it with NATS_TIMEOUT, on time.
    let (cb, got) = async_collector();
    let mut p = PullAsyncOptions {
        timeout_ms: 400,
        ..Default::default()
    };
    let done = complete_recorder(&mut p);
    let t = Instant::now();
    let _s = js.pull_subscribe_async("p.>", Some("b"), cb, &p, None, None).unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || done.lock().len() == 1));
    let (st, at) = done.lock()[0];
    assert_eq!(st, NATS_TIMEOUT);
    let took = at.duration_since(t).as_millis();
    assert!((380..700).contains(&took), "timeout after {took} ms");
    assert_eq!(got.lock().len(), 30);

    // No-wait on an empty filter: ends with NATS_NOT_FOUND.
    let (cb, got) = async_collector();
    let mut p = PullAsyncOptions {
        no_wait: true,
        ..Default::default()
    };
    let done = complete_recorder(&mut p);
    let _s = js
        .pull_subscribe_async("p.empty", Some("c"), cb, &p, None, None)
        .unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || done.lock().len() == 1));
    assert_eq!(done.lock()[0].0, NATS_NOT_FOUND);
    assert!(got.lock().is_empty());

    // Keep ahead with max bytes is refused.
    let (cb, _) = async_collector();
    let p = PullAsyncOptions {
        keep_ahead: 2,
        max_bytes: 100,
        ..Default::default()
    };
    let e = js
        .pull_subscribe_async("p.>", None, cb, &p, None, None)
        .err()
        .expect("refused");
    assert_eq!(e.status, NATS_INVALID_ARG);
}

type Seen = Arc<Mutex<BTreeSet<u64>>>;

/// A fetch loop on its own thread: every stream sequence it got (acked)
/// goes in the set.
fn fetch_loop(sub: Arc<Subscription>, stop: Arc<AtomicBool>) -> (std::thread::JoinHandle<()>, Seen) {
    let seen: Seen = Arc::default();
    let s2 = seen.clone();
    let h = std::thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            match pull::fetch(&sub, 10, 500) {
                Ok(msgs) => {
                    for mut m in msgs {
                        s2.lock().insert(seq(&m));
                        let _ = m.ack(None);
                    }
                }
                Err(e) => {
                    if std::env::var("DBG").is_ok() {
                        eprintln!("fetch: {e:?}");
                    }
                    assert!(
                        matches!(
                            e.status,
                            NATS_TIMEOUT | NATS_NO_RESPONDERS | NATS_NOT_FOUND | NATS_LIMIT_REACHED
                        ),
                        "{e:?}"
                    )
                }
            }
        }
    });
    (h, seen)
}

fn publish_with_retry(js: &JetStream, subject: &str, i: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match js.publish(subject.as_bytes(), format!("m{i}").as_bytes(), None, None) {
            Ok(_) => return,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("publish {i}: {e:?}"),
        }
    }
}

#[test]
fn server_restart_with_the_same_store_resumes_fetch_loop_and_async_pull() {
    let mut srv = Server::start_jetstream();
    let (nc, _) = connect(&srv);
    let js = JetStream::new(nc.clone(), None).unwrap();
    add_stream(&js, "R", "r.>", "file");
    let fsub = js.pull_subscribe("r.>", Some("f"), None, None).unwrap();
    let (cb, got) = async_collector();
    let p = PullAsyncOptions {
        fetch_size: 10,
        ..Default::default()
    };
    let _asub = js.pull_subscribe_async("r.>", Some("a"), cb, &p, None, None).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let (h, seen) = fetch_loop(fsub, stop.clone());
    publish_n(&js, "r.x", 0, 50);
    assert!(common::wait_for(Duration::from_secs(5), || got.lock().len() >= 50));
    // A fetch waiting across the restart: its pull is sent again.
    let gsub = js.pull_subscribe("r.late", Some("g"), None, None).unwrap();
    let gh = std::thread::spawn(move || {
        let t = Instant::now();
        (pull::fetch(&gsub, 1, 15_000), t.elapsed())
    });
    std::thread::sleep(Duration::from_millis(200));
    srv.restart();
    // The publisher needs the server back; the consumers resume by
    // themselves.
    for i in 50..100 {
        publish_with_retry(&js, "r.x", i);
    }
    publish_with_retry(&js, "r.late", 100);
    let (late, took) = gh.join().unwrap();
    let late = late.expect("fetch across the restart");
    assert_eq!(late.iter().map(|m| seq(m)).collect::<Vec<_>>(), vec![101]);
    assert!(took < Duration::from_secs(10), "{took:?}");
    let all: BTreeSet<u64> = (1..=101).collect();
    let ok = common::wait_for(Duration::from_secs(20), || {
        got.lock().iter().copied().collect::<BTreeSet<u64>>() == all && *seen.lock() == all
    });
    stop.store(true, Ordering::SeqCst);
    h.join().unwrap();
    let fetched = seen.lock().clone();
    assert!(
        ok,
        "async pull got {} of 101",
        got.lock().iter().collect::<BTreeSet<_>>().len()
    );
    assert_eq!(fetched, all, "fetch loop");
}

/// SIGSTOP, and wait until every thread of the server is stopped.
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
fn paused_server_missed_heartbeats_are_reported_and_pulls_resume() {
    let mut srv = Server::start_jetstream();
    let (nc, errs) = connect(&srv);
    let js = JetStream::new(nc.clone(), None).unwrap();
    add_stream(&js, "H", "h.>", "memory");
    let (cb, got) = async_collector();
    let mut p = PullAsyncOptions {
        heartbeat_ms: 200,
        fetch_size: 5,
        ..Default::default()
    };
    let done = complete_recorder(&mut p);
    let _asub = js.pull_subscribe_async("h.>", Some("a"), cb, &p, None, None).unwrap();
    let fsub = js.pull_subscribe("h.>", Some("f"), None, None).unwrap();
    publish_n(&js, "h.x", 0, 3);
    assert!(common::wait_for(Duration::from_secs(5), || got.lock().len() == 3));
    // A fetch with heartbeats runs across the pause.
    let f2 = fsub.clone();
    let fh = std::thread::spawn(move || {
        let req = FetchRequest {
            batch: 4,
            expires: 6_000_000_000,
            heartbeat: 200_000_000,
            ..Default::default()
        };
        pull::fetch_request(&f2, &req)
    });
    std::thread::sleep(Duration::from_millis(300));
    pause(&mut srv);
    std::thread::sleep(Duration::from_millis(1200));
    let missed = errs.lock().iter().filter(|s| **s == NATS_MISSED_HEARTBEAT).count();
    srv.signal(libc::SIGCONT);
    assert!(missed >= 2, "missed heartbeats reported: {missed} ({:?})", errs.lock());
    // Nothing ended; both resume.
    publish_n(&js, "h.x", 3, 6);
    assert!(
        common::wait_for(Duration::from_secs(5), || got.lock().len() == 6),
        "async pull got {:?}",
        got.lock()
    );
    assert!(done.lock().is_empty(), "{:?}", done.lock());
    let fetched = fh.join().unwrap().expect("fetch across the pause");
    let seqs: Vec<u64> = fetched.iter().map(|m| seq(m)).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4], "fetch got {seqs:?}");
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
}

#[test]
fn cluster_connected_node_killed_while_an_r3_stream_is_consumed() {
    let mut cluster = Cluster::start();
    let urls: Vec<String> = cluster.nodes.iter().map(Server::url).collect();
    let copts = |first: usize| Options {
        servers: (0..3).map(|i| urls[(first + i) % 3].clone().into()).collect(),
        no_randomize: true,
        max_reconnect: -1,
        reconnect_wait_ms: 100,
        ..Options::default()
    };
    // The consumer connects to node 0, the publisher to node 1.
    let (nc, _) = connect_opts(copts(0));
    let (pc, _) = connect_opts(copts(1));
    let js = JetStream::new(nc.clone(), None).unwrap();
    let pjs = JetStream::new(pc.clone(), None).unwrap();
    let o = js.call_opts(None);
    let cfg = json!({"name": "C", "subjects": ["c.>"], "storage": "file", "num_replicas": 3});
    assert!(
        common::wait_for(Duration::from_secs(20), || js
            .api_request::<Value>(&o, "STREAM.CREATE.C", cfg.to_string().as_bytes(), &[])
            .is_ok()),
        "stream not created"
    );
    let mk = |name: &str| SubOptions {
        config: ConsumerConfig {
            durable: Some(name.into()),
            ack_wait: 2_000_000_000,
            ..Default::default()
        },
        ..Default::default()
    };
    let fsub = js.pull_subscribe("c.>", Some("f"), None, Some(&mk("f"))).unwrap();
    let (cb, got) = async_collector();
    let p = PullAsyncOptions {
        fetch_size: 20,
        heartbeat_ms: 500,
        ..Default::default()
    };
    let _asub = js
        .pull_subscribe_async("c.>", Some("a"), cb, &p, None, Some(&mk("a")))
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let (h, seen) = fetch_loop(fsub, stop.clone());
    const N: usize = 300;
    let published = Arc::new(AtomicUsize::new(0));
    let pb = published.clone();
    let ph = std::thread::spawn(move || {
        for i in 0..N {
            publish_with_retry(&pjs, "c.x", i);
            pb.store(i + 1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(5));
        }
    });
    assert!(common::wait_for(Duration::from_secs(20), || got.lock().len() >= 80));
    let connected = nc.connected_url().map(|u| u.to_string()).unwrap_or_default();
    assert!(connected.contains(&cluster.nodes[0].port().to_string()), "{connected}");
    cluster.nodes[0].kill();
    ph.join().unwrap();
    let all: BTreeSet<u64> = (1..=N as u64).collect();
    let ok = common::wait_for(Duration::from_secs(40), || {
        got.lock().iter().copied().collect::<BTreeSet<u64>>() == all && *seen.lock() == all
    });
    stop.store(true, Ordering::SeqCst);
    h.join().unwrap();
    let fetched = seen.lock().clone();
    let async_got: BTreeSet<u64> = got.lock().iter().copied().collect();
    assert!(ok, "async pull got {} of {N}", async_got.len());
    assert_eq!(
        fetched,
        all,
        "fetch loop missed {:?}",
        all.difference(&fetched).collect::<Vec<_>>()
    );
}

#[test]
fn the_consumer_the_library_created_is_deleted_at_unsubscribe_and_drain_not_destroy() {
    let srv = Server::start_jetstream();
    let (nc, _) = connect(&srv);
    let js = JetStream::new(nc.clone(), None).unwrap();
    add_stream(&js, "L", "l.>", "memory");
    let exists = |name: &str| js.consumer_info("L", name, None).is_ok();
    // Destroy (hook told first, then the implicit unsubscribe): kept.
    let s = js.pull_subscribe("l.>", Some("d1"), None, None).unwrap();
    s.js_hook().unwrap().on_destroy(&s);
    nc.unsubscribe(&s, 0).unwrap();
    assert!(exists("d1"));
    // Bound to an existing consumer: Unsubscribe keeps it.
    let s = js.pull_subscribe("l.>", Some("d1"), None, None).unwrap();
    nc.unsubscribe(&s, 0).unwrap();
    assert!(exists("d1"));
    // Drain: deleted once the drain completed.
    let s = js.pull_subscribe("l.>", Some("d2"), None, None).unwrap();
    assert!(exists("d2"));
    nc.drain_sub(&s, 0).unwrap();
    s.wait_drain(5000).unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || !exists("d2")));
    // An ephemeral one: deleted at Unsubscribe; its name was known.
    let s = js.pull_subscribe("l.>", None, None, None).unwrap();
    let name = nats::js::sub::consumer_info(&s, None).unwrap().name;
    assert!(exists(&name));
    nc.unsubscribe(&s, 0).unwrap();
    assert!(!exists(&name));
}

#[test]
fn async_pull_next_handler_and_keep_ahead() {
    let srv = Server::start_jetstream();
    let (nc, _) = connect(&srv);
    let js = JetStream::new(nc.clone(), None).unwrap();
    add_stream(&js, "K", "k.>", "memory");
    publish_n(&js, "k.x", 0, 40);
    // A next handler asking three times for 5 messages: 15, then nothing.
    // With heartbeats: no request in flight afterwards, so no missed
    // heartbeat is reported.
    let (nc2, errs) = connect(&srv);
    let js2 = JetStream::new(nc2, None).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let c2 = calls.clone();
    let (cb, got) = async_collector();
    let p = PullAsyncOptions {
        next: Some(Arc::new(move |_| {
            (c2.fetch_add(1, Ordering::SeqCst) < 3).then_some((5, 0))
        })),
        heartbeat_ms: 100,
        ..Default::default()
    };
    let s = js2.pull_subscribe_async("k.>", Some("n"), cb, &p, None, None).unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || got.lock().len() == 15));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(got.lock().len(), 15);
    assert!(errs.lock().is_empty(), "{:?}", errs.lock());
    assert!(s.is_valid());
    assert_eq!(pull::async_counts(&s).unwrap(), (15, 15));
    // Keep ahead: all 40 in batches of 10, then complete at max messages.
    let (cb, got) = async_collector();
    let mut p = PullAsyncOptions {
        fetch_size: 10,
        keep_ahead: 5,
        max_messages: 40,
        ..Default::default()
    };
    let done = complete_recorder(&mut p);
    let _s = js.pull_subscribe_async("k.>", Some("k"), cb, &p, None, None).unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || done.lock().len() == 1));
    assert_eq!(done.lock()[0].0, NATS_MAX_DELIVERED_MSGS);
    assert_eq!(*got.lock(), (1..=40).collect::<Vec<u64>>());
}

//! Key/Value store through the core API against real `nats-server -js`:
//! CAS statuses and JetStream error codes, delete/purge markers in gets,
//! history and watchers, purge deletes, TTL expiry (bucket and per key
//! with limit markers), keys with filters, watchers of one key, a
//! wildcard, several patterns and the whole bucket (sync and callback,
//! stopped from inside the callback), and watchers that survive a server
//! restart with the same store and a kill -9 of the connected node of a
//! 3-node cluster (R3 bucket) — no gap, no duplicate.

mod common;

use common::server::Server;
use nats::conn::Connection;
use nats::js::{JetStream, StorageType};
use nats::kv::{Entry, KeyValue, KvConfig, Operation, PurgeOptions, WatchCallback, WatchOptions, Watcher};
use nats::natsStatus::*;
use nats::options::Options;
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn connect(servers: Vec<String>) -> Arc<Connection> {
    let o = Options {
        servers: servers.into_iter().map(Into::into).collect(),
        max_reconnect: -1,
        reconnect_wait_ms: 100,
        ..Options::default()
    };
    Connection::connect(o).expect("connect")
}

fn js_for(srv: &Server) -> JetStream {
    JetStream::new(connect(vec![srv.url()]), None).unwrap()
}

fn mem_bucket(js: &JetStream, name: &str, history: u8) -> KeyValue {
    js.create_key_value(&KvConfig {
        bucket: name.into(),
        history,
        storage: StorageType::Memory,
        ..Default::default()
    })
    .unwrap()
}

fn s(e: &Entry) -> String {
    String::from_utf8_lossy(&e.value).into_owned()
}

/// Entries until the "initial values done" marker.
fn initial(w: &Watcher) -> Vec<Entry> {
    let mut v = Vec::new();
    while let Some(e) = w.next(5_000).expect("entry or marker") {
        v.push(e);
    }
    v
}

#[test]
fn kv_put_get_cas_markers_and_status() {
    let srv = Server::start_jetstream();
    let js = js_for(&srv);
    let kv = mem_bucket(&js, "B1", 5);
    assert_eq!(kv.bucket(), "B1");

    let r1 = kv.put("a", b"one").unwrap();
    let e = kv.get("a").unwrap();
    assert_eq!(
        (s(&e), e.revision, e.operation, e.key.as_str()),
        ("one".into(), r1, Operation::Put, "a")
    );
    assert!(e.created > 0);

    // Create on an existing key: wrong last sequence.
    let err = kv.create("a", b"x").unwrap_err();
    assert_eq!((err.status, err.js_code), (NATS_ERR, 10071), "{err:?}");
    // Update with a wrong revision, then the right one.
    let err = kv.update("a", b"x", r1 + 7).unwrap_err();
    assert_eq!((err.status, err.js_code), (NATS_ERR, 10071));
    let r2 = kv.update("a", b"two", r1).unwrap();
    assert!(r2 > r1);
    // Update with 0 on an existing key fails (expects no message).
    assert_eq!(kv.update("a", b"x", 0).unwrap_err().js_code, 10071);
    let rb = kv.create("b", b"bee").unwrap();
    assert_eq!(kv.get("b").unwrap().revision, rb);

    // Revisions: of this key, not of another.
    assert_eq!(s(&kv.get_revision("a", r1).unwrap()), "one");
    assert_eq!(kv.get_revision("a", rb).unwrap_err().status, NATS_NOT_FOUND);
    assert_eq!(kv.get_revision("a", 0).unwrap_err().status, NATS_INVALID_ARG);

    // Delete: a marker; get is not found; create is allowed again.
    kv.delete("a").unwrap();
    assert_eq!(kv.get("a").unwrap_err().status, NATS_NOT_FOUND);
    let h = kv.history("a", None).unwrap();
    let ops: Vec<Operation> = h.iter().map(|e| e.operation).collect();
    assert_eq!(ops, vec![Operation::Put, Operation::Put, Operation::Delete]);
    let r4 = kv.create("a", b"again").unwrap();
    assert_eq!(s(&kv.get("a").unwrap()), "again");
    assert_eq!(kv.get("a").unwrap().revision, r4);

    // Purge: one purge marker left in the history.
    kv.purge("a", None).unwrap();
    let h = kv.history("a", None).unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].operation, Operation::Purge);
    assert_eq!(kv.get("a").unwrap_err().status, NATS_NOT_FOUND);
    kv.create("a", b"third").unwrap();

    // Bad input.
    assert_eq!(kv.put("bad key", b"x").unwrap_err().status, NATS_INVALID_ARG);
    assert_eq!(kv.put(".a", b"x").unwrap_err().status, NATS_INVALID_ARG);
    assert_eq!(kv.get("a.*").unwrap_err().status, NATS_INVALID_ARG);
    assert_eq!(kv.get("never").unwrap_err().status, NATS_NOT_FOUND);
    assert_eq!(kv.history("never", None).unwrap_err().status, NATS_NOT_FOUND);
    assert_eq!(js.key_value("nope").unwrap_err().status, NATS_NOT_FOUND);
    assert_eq!(js.key_value("bad.name").unwrap_err().status, NATS_INVALID_ARG);
    let err = js
        .create_key_value(&KvConfig {
            bucket: "H".into(),
            history: 65,
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(err.status, NATS_INVALID_ARG);

    // Keys: deleted ones are left out; filters.
    kv.put("x.1", b"1").unwrap();
    kv.put("x.2", b"2").unwrap();
    kv.put("y.1", b"3").unwrap();
    kv.delete("x.2").unwrap();
    let mut keys = kv.keys(&[], None).unwrap();
    keys.sort();
    assert_eq!(keys, vec!["a", "b", "x.1", "y.1"]);
    let mut keys = kv.keys(&["x.*", "y.>"], None).unwrap();
    keys.sort();
    assert_eq!(keys, vec!["x.1", "y.1"]);

    // Status, and a second handle bound by name.
    let st = kv.status().unwrap();
    assert_eq!(st.bucket, "B1");
    assert_eq!(st.history(), 5);
    assert_eq!(st.replicas(), 1);
    assert!(st.values() >= 6);
    assert!(st.bytes() > 0);
    let kv2 = js.key_value("B1").unwrap();
    assert_eq!(s(&kv2.get("b").unwrap()), "bee");

    // An empty bucket: keys is empty (the marker comes at once).
    let empty = mem_bucket(&js, "EMPTY", 1);
    assert!(empty.keys(&[], None).unwrap().is_empty());

    js.delete_key_value("B1").unwrap();
    assert_eq!(js.key_value("B1").unwrap_err().status, NATS_NOT_FOUND);
}

#[test]
fn kv_history_is_limited_and_purge_deletes_removes_markers() {
    let srv = Server::start_jetstream();
    let js = js_for(&srv);
    let kv = mem_bucket(&js, "H3", 3);
    for i in 0..5 {
        kv.put("k", i.to_string().as_bytes()).unwrap();
    }
    let h = kv.history("k", None).unwrap();
    assert_eq!(h.iter().map(s).collect::<Vec<_>>(), vec!["2", "3", "4"]);

    kv.put("d1", b"v").unwrap();
    kv.put("d2", b"v").unwrap();
    kv.delete("d1").unwrap();
    kv.purge("d2", None).unwrap();
    // Default threshold (30 min): the markers stay alone.
    kv.purge_deletes(None).unwrap();
    let h1 = kv.history("d1", None).unwrap();
    assert_eq!(h1.len(), 1);
    assert_eq!(h1[0].operation, Operation::Delete);
    // Negative: all gone.
    kv.purge_deletes(Some(&PurgeOptions {
        delete_markers_older_than: -1,
        ..Default::default()
    }))
    .unwrap();
    assert_eq!(kv.history("d1", None).unwrap_err().status, NATS_NOT_FOUND);
    assert_eq!(kv.history("d2", None).unwrap_err().status, NATS_NOT_FOUND);
    assert_eq!(kv.history("k", None).unwrap().len(), 3);
}

#[test]
fn kv_ttl_expiry_of_the_bucket_and_of_a_key() {
    let srv = Server::start_jetstream();
    let js = js_for(&srv);
    let kv = js
        .create_key_value(&KvConfig {
            bucket: "TTL".into(),
            ttl: 1_000_000_000,
            storage: StorageType::Memory,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(kv.status().unwrap().ttl(), 1_000_000_000);
    kv.put("k", b"v").unwrap();
    assert!(kv.get("k").is_ok());
    assert!(common::wait_for(Duration::from_secs(5), || kv
        .get("k")
        .is_err_and(|e| e.status == NATS_NOT_FOUND)));

    // Per-key TTL with limit markers (ADR-48): the key expires, a marker
    // is left, and the key can be created again.
    let kv = js
        .create_key_value(&KvConfig {
            bucket: "LM".into(),
            storage: StorageType::Memory,
            limit_marker_ttl: 5_000_000_000,
            ..Default::default()
        })
        .unwrap();
    kv.create_with_ttl("t", b"short", 1_000).unwrap();
    kv.put("keep", b"long").unwrap();
    assert!(common::wait_for(Duration::from_secs(6), || kv
        .get("t")
        .is_err_and(|e| e.status == NATS_NOT_FOUND)));
    assert_eq!(s(&kv.get("keep").unwrap()), "long");
    kv.create("t", b"again").unwrap();
    assert_eq!(s(&kv.get("t").unwrap()), "again");
}

#[test]
fn kv_watchers_sync() {
    let srv = Server::start_jetstream();
    let js = js_for(&srv);
    let kv = mem_bucket(&js, "W", 10);

    // Empty bucket: the marker first, then live updates.
    let all = kv.watch(&[], None).unwrap();
    assert!(all.next(2_000).unwrap().is_none());
    let one = kv.watch(&["a"], None).unwrap();
    assert!(one.next(2_000).unwrap().is_none());
    let r = kv.put("a", b"1").unwrap();
    kv.put("b.x", b"2").unwrap();
    kv.put("c.y.z", b"3").unwrap();
    let e = all.next(2_000).unwrap().unwrap();
    assert_eq!((e.key.as_str(), s(&e), e.revision), ("a", "1".into(), r));
    assert_eq!(all.next(2_000).unwrap().unwrap().key, "b.x");
    assert_eq!(all.next(2_000).unwrap().unwrap().key, "c.y.z");
    assert_eq!(one.next(2_000).unwrap().unwrap().key, "a");
    assert_eq!(one.next(300).unwrap_err().status, NATS_TIMEOUT, "only its key");

    kv.put("a", b"1b").unwrap();
    kv.delete("b.x").unwrap();
    // The markers reach the watcher.
    assert_eq!(s(&all.next(2_000).unwrap().unwrap()), "1b");
    let d = all.next(2_000).unwrap().unwrap();
    assert_eq!((d.key.as_str(), d.operation), ("b.x", Operation::Delete));
    all.stop().unwrap();
    assert_eq!(all.next(200).unwrap_err().status, NATS_ILLEGAL_STATE);
    all.stop().unwrap();

    // Initial values: last of each key (the deleted one included), then
    // the marker.
    let w = kv.watch(&[], None).unwrap();
    let v = initial(&w);
    let got: Vec<(String, Operation)> = v.iter().map(|e| (e.key.clone(), e.operation)).collect();
    assert_eq!(
        got,
        vec![
            ("c.y.z".to_string(), Operation::Put),
            ("a".to_string(), Operation::Put),
            ("b.x".to_string(), Operation::Delete)
        ]
    );
    assert_eq!(v.last().unwrap().delta, 0);

    // Ignore deletes; include history; meta only.
    let w = kv
        .watch(
            &[],
            Some(&WatchOptions {
                ignore_deletes: true,
                ..Default::default()
            }),
        )
        .unwrap();
    assert_eq!(
        initial(&w).iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
        vec!["c.y.z", "a"]
    );
    let w = kv
        .watch(
            &["a"],
            Some(&WatchOptions {
                include_history: true,
                meta_only: true,
                ..Default::default()
            }),
        )
        .unwrap();
    let v = initial(&w);
    assert_eq!(v.len(), 2);
    assert!(v.iter().all(|e| e.value.is_empty()), "meta only");

    // Wildcard, several patterns.
    let w = kv.watch(&["b.*"], None).unwrap();
    assert_eq!(initial(&w).len(), 1);
    let w = kv.watch(&["a", "c.>"], None).unwrap();
    let mut keys: Vec<String> = initial(&w).into_iter().map(|e| e.key).collect();
    keys.sort();
    assert_eq!(keys, vec!["a", "c.y.z"]);

    // Updates only: no initial values, no marker.
    let w = kv
        .watch(
            &[],
            Some(&WatchOptions {
                updates_only: true,
                ..Default::default()
            }),
        )
        .unwrap();
    assert_eq!(w.next(300).unwrap_err().status, NATS_TIMEOUT);
    kv.put("new", b"n").unwrap();
    assert_eq!(w.next(2_000).unwrap().unwrap().key, "new");

    // Resume from a revision: all revisions from it.
    let w = kv
        .watch(
            &["a"],
            Some(&WatchOptions {
                resume_from_revision: r,
                ..Default::default()
            }),
        )
        .unwrap();
    let v = initial(&w);
    assert_eq!(v.iter().map(s).collect::<Vec<_>>(), vec!["1", "1b"]);

    // Invalid pattern.
    assert_eq!(kv.watch(&["a b"], None).unwrap_err().status, NATS_INVALID_ARG);
}

#[test]
fn kv_watcher_with_callback_stopped_from_inside() {
    let srv = Server::start_jetstream();
    let js = js_for(&srv);
    let kv = mem_bucket(&js, "CB", 1);
    kv.put("k1", b"v1").unwrap();
    kv.put("k2", b"v2").unwrap();
    type Got = Arc<Mutex<Vec<Option<String>>>>;
    let got: Got = Arc::default();
    let slot: Arc<Mutex<Option<Watcher>>> = Arc::default();
    let (g, sl) = (got.clone(), slot.clone());
    let cb: WatchCallback = Arc::new(move |e: Option<Entry>| {
        let stop = e.as_ref().is_some_and(|e| e.value == b"stop");
        g.lock()
            .push(e.map(|e| format!("{}={}", e.key, String::from_utf8_lossy(&e.value))));
        if stop {
            if let Some(w) = sl.lock().as_ref() {
                w.stop().unwrap();
            }
        }
    });
    let w = kv.watch_with_callback(&[], None, cb).unwrap();
    assert_eq!(w.next(100).unwrap_err().status, NATS_ILLEGAL_STATE);
    *slot.lock() = Some(w);
    assert!(common::wait_for(Duration::from_secs(5), || got.lock().len() >= 3));
    kv.put("k3", b"stop").unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || got.lock().len() >= 4));
    kv.put("k4", b"after").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        *got.lock(),
        vec![
            Some("k1=v1".to_string()),
            Some("k2=v2".to_string()),
            None,
            Some("k3=stop".to_string())
        ]
    );

    // Empty bucket: the marker comes by itself.
    let empty = mem_bucket(&js, "CB0", 1);
    let got: Got = Arc::default();
    let g = got.clone();
    let cb: WatchCallback = Arc::new(move |e: Option<Entry>| g.lock().push(e.map(|e| e.key)));
    let _w = empty.watch_with_callback(&[], None, cb).unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || !got.lock().is_empty()));
    empty.put("z", b"1").unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || got.lock().len() >= 2));
    assert_eq!(*got.lock(), vec![None, Some("z".to_string())]);
}

/// Reads `n` entries, each value the next number, revisions increasing
/// (the watcher never delivers a revision twice). A value may repeat under
/// a new revision only right after itself: a put retried because its ack
/// was lost in the fail-over was stored twice.
fn read_values(w: &Watcher, from: usize, n: usize, wait_ms: i64) -> u64 {
    let mut last = 0;
    let mut i = from;
    while i < from + n {
        let e = match w.next(wait_ms) {
            Ok(Some(e)) => e,
            Ok(None) => continue,
            Err(e) => panic!("value {i}: {e:?}"),
        };
        assert!(e.revision > last, "revision {} after {last}", e.revision);
        last = e.revision;
        if i > from && s(&e) == (i - 1).to_string() {
            continue;
        }
        assert_eq!(s(&e), i.to_string(), "no gap");
        i += 1;
    }
    last
}

fn put_until_ok(kv: &KeyValue, key: &str, v: &str, within: Duration) {
    let deadline = Instant::now() + within;
    while kv.put(key, v.as_bytes()).is_err() {
        assert!(Instant::now() < deadline, "put {v} never succeeded");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn kv_watcher_survives_a_server_restart_with_the_same_store() {
    let mut srv = Server::start_jetstream();
    let js = js_for(&srv);
    let kv = js
        .create_key_value(&KvConfig {
            bucket: "RS".into(),
            history: 64,
            storage: StorageType::File,
            ..Default::default()
        })
        .unwrap();
    let w = kv
        .watch(
            &[],
            Some(&WatchOptions {
                include_history: true,
                heartbeat: 250_000_000,
                ..Default::default()
            }),
        )
        .unwrap();
    for i in 0..100 {
        kv.put(&format!("k{}", i % 7), i.to_string().as_bytes()).unwrap();
    }
    read_values(&w, 0, 100, 5_000);
    srv.restart();
    for i in 100..200 {
        put_until_ok(&kv, &format!("k{}", i % 7), &i.to_string(), Duration::from_secs(20));
    }
    read_values(&w, 100, 100, 20_000);
    assert_eq!(w.next(500).unwrap_err().status, NATS_TIMEOUT, "no duplicate at the end");
    assert_eq!(s(&kv.get("k3").unwrap()), "199");
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
                     cluster {{ name: kvc, listen: \"127.0.0.1:{}\", routes: [{routes}] }}\n",
                    ports[i]
                ))
            })
            .collect();
        Cluster { nodes }
    }
}

#[test]
fn kv_r3_watcher_survives_kill_of_the_connected_node() {
    let mut cluster = Cluster::start();
    let urls: Vec<String> = cluster.nodes.iter().map(Server::url).collect();
    let nc = connect(urls.clone());
    let js = JetStream::new(nc.clone(), None).unwrap();
    let cfg = KvConfig {
        bucket: "R3".into(),
        history: 64,
        replicas: 3,
        ..Default::default()
    };
    let mut kv = None;
    assert!(
        common::wait_for(Duration::from_secs(30), || {
            kv = js.create_key_value(&cfg).ok();
            kv.is_some()
        }),
        "bucket not created"
    );
    let kv = kv.unwrap();
    assert_eq!(kv.status().unwrap().replicas(), 3);
    let w = kv
        .watch(
            &[],
            Some(&WatchOptions {
                include_history: true,
                heartbeat: 300_000_000,
                ..Default::default()
            }),
        )
        .unwrap();
    // Seven keys: 64 revisions each keep every value written here (with
    // one key, values older than the last 64 are gone by the time the
    // watcher resumes, as the history limit says).
    // Seven keys: 64 revisions each keep every value written here (with
    // one key, values older than the last 64 would be gone by the time
    // the watcher resumes, as the history limit says).
    for i in 0..200 {
        kv.put(&format!("cfg{}", i % 7), i.to_string().as_bytes()).unwrap();
    }
    read_values(&w, 0, 200, 10_000);
    let connected = nc.connected_url().map(|u| u.expose().to_string()).unwrap();
    let idx = urls
        .iter()
        .position(|u| connected.contains(&u.replace("nats://", "")))
        .unwrap_or_else(|| panic!("{connected} not in {urls:?}"));
    cluster.nodes[idx].kill();
    for i in 200..300 {
        put_until_ok(&kv, &format!("cfg{}", i % 7), &i.to_string(), Duration::from_secs(60));
    }
    read_values(&w, 200, 100, 30_000);
    // The killed node comes back; the watcher keeps going.
    cluster.nodes[idx].restart();
    for i in 300..350 {
        put_until_ok(&kv, &format!("cfg{}", i % 7), &i.to_string(), Duration::from_secs(60));
    }
    read_values(&w, 300, 50, 30_000);
    assert_eq!(w.next(500).unwrap_err().status, NATS_TIMEOUT, "no duplicate at the end");
    assert_eq!(s(&kv.get("cfg6").unwrap()), "349");
}

#[test]
fn kv_domain_mirror_and_sources() {
    // A hub with the domain HUB, a leaf node with its own domain; the
    // client is connected to the leaf and addresses the hub's domain.
    let lport = common::free_port();
    let hub = Server::start_jetstream_with(&format!(
        "server_name: HUB\njetstream {{ domain: HUB, store_dir: \"@DIR@/js\" }}\nleafnodes {{ listen: \"127.0.0.1:{lport}\" }}\n"
    ));
    let leaf = Server::start_jetstream_with(&format!(
        "server_name: LEAF\njetstream {{ domain: LEAF, store_dir: \"@DIR@/js\" }}\nleafnodes {{ remotes: [ {{ url: \"nats-leaf://127.0.0.1:{lport}\" }} ] }}\n"
    ));
    let nc = connect(vec![leaf.url()]);
    let js = JetStream::new(
        nc,
        Some(&nats::js::JsOptions {
            domain: Some("HUB".into()),
            ..Default::default()
        }),
    )
    .unwrap();
    assert_eq!(js.prefix(), "$JS.HUB.API");
    assert!(
        common::wait_for(Duration::from_secs(10), || js.account_info(None).is_ok()),
        "hub domain reachable through the leaf"
    );
    let _ = &hub;
    let src = mem_bucket(&js, "SRC", 5);
    let r = src.put("k", b"v1").unwrap();
    assert_eq!(src.get("k").unwrap().revision, r);
    let w = src.watch(&["k"], None).unwrap();
    assert_eq!(s(&w.next(2_000).unwrap().unwrap()), "v1");

    // A mirror: reads from its own stream, writes go to the origin.
    let mir = js
        .create_key_value(&KvConfig {
            bucket: "MIR".into(),
            storage: StorageType::Memory,
            mirror: Some(nats::js::StreamSource {
                name: "SRC".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(mir.stream(), "KV_MIR");
    assert!(common::wait_for(Duration::from_secs(5), || mir
        .get("k")
        .is_ok_and(|e| e.value == b"v1")));
    mir.put("k", b"v2").unwrap();
    assert_eq!(s(&src.get("k").unwrap()), "v2", "the write went to the origin");
    assert!(common::wait_for(Duration::from_secs(5), || mir
        .get("k")
        .is_ok_and(|e| e.value == b"v2")));
    let bound = js.key_value("MIR").unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || bound
        .keys(&[], None)
        .is_ok_and(|k| k == vec!["k".to_string()])));

    // A bucket sourcing another (read-only, as cnats: no subjects of its
    // own): the keys under its own name.
    let agg = js
        .create_key_value(&KvConfig {
            bucket: "AGG".into(),
            storage: StorageType::Memory,
            sources: vec![nats::js::StreamSource {
                name: "SRC".into(),
                ..Default::default()
            }],
            ..Default::default()
        })
        .unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || agg
        .get("k")
        .is_ok_and(|e| e.value == b"v2")));
    src.put("k2", b"later").unwrap();
    assert!(common::wait_for(Duration::from_secs(5), || agg
        .get("k2")
        .is_ok_and(|e| e.value == b"later")));
    let mut keys = agg.keys(&[], None).unwrap();
    keys.sort();
    assert_eq!(keys, vec!["k", "k2"]);
}

#[test]
fn kv_watcher_reports_missed_heartbeats_and_keeps_going() {
    let mut srv = Server::start_jetstream();
    let errs: Arc<Mutex<Vec<nats::natsStatus>>> = Arc::default();
    let e2 = errs.clone();
    let o = Options {
        servers: vec![srv.url().into()],
        max_reconnect: -1,
        reconnect_wait_ms: 100,
        err_cb: Some(Arc::new(move |_, _, st, _| e2.lock().push(st))),
        ..Options::default()
    };
    let js = JetStream::new(Connection::connect(o).unwrap(), None).unwrap();
    let kv = mem_bucket(&js, "HB", 1);
    let w = kv
        .watch(
            &[],
            Some(&WatchOptions {
                heartbeat: 300_000_000,
                ..Default::default()
            }),
        )
        .unwrap();
    assert!(w.next(2_000).unwrap().is_none());
    srv.signal(libc::SIGSTOP);
    let reported = common::wait_for(Duration::from_secs(5), || errs.lock().contains(&NATS_MISSED_HEARTBEAT));
    srv.signal(libc::SIGCONT);
    assert!(reported, "missed heartbeats reported: {:?}", errs.lock());
    put_until_ok(&kv, "after", "1", Duration::from_secs(10));
    let e = w.next(10_000).unwrap().unwrap();
    assert_eq!((e.key.as_str(), s(&e)), ("after", "1".to_string()));
}

/// Keys made of every character a key may hold (`-/_=.a-zA-Z0-9`, dots
/// between tokens) and values with embedded NUL and every byte value
/// round-trip through put, get, keys and a watcher; keys with characters
/// outside that set are refused before anything is sent.
#[test]
fn kv_every_legal_key_character_and_binary_values_round_trip() {
    let srv = Server::start_jetstream();
    let js = js_for(&srv);
    let kv = mem_bucket(&js, "CHARS", 1);
    let legal: String = ('a'..='z')
        .chain('A'..='Z')
        .chain('0'..='9')
        .chain("-/_=".chars())
        .collect();
    let keys = [
        legal.clone(),
        format!("{legal}.x.{legal}"),
        "=".to_string(),
        "a.b.c".to_string(),
    ];
    let all_bytes: Vec<u8> = (0..=255u8).collect();
    let values = [all_bytes.clone(), b"\0".to_vec(), b"a\0b\0".to_vec(), Vec::new()];
    for (k, v) in keys.iter().zip(values.iter()) {
        kv.put(k, v).unwrap_or_else(|e| panic!("put {k:?}: {e:?}"));
    }
    for (k, v) in keys.iter().zip(values.iter()) {
        let e = kv.get(k).unwrap_or_else(|e| panic!("get {k:?}: {e:?}"));
        assert_eq!(&e.key, k);
        assert_eq!(&e.value, v, "value of {k:?}");
    }
    let mut listed = kv.keys(&[], None).unwrap();
    listed.sort();
    let mut want = keys.to_vec();
    want.sort();
    assert_eq!(listed, want);
    let w = kv.watch(&[">"], None).unwrap();
    let mut seen: Vec<(String, Vec<u8>)> = initial(&w).into_iter().map(|e| (e.key, e.value)).collect();
    seen.sort();
    let mut expect: Vec<(String, Vec<u8>)> = keys.iter().cloned().zip(values.iter().cloned()).collect();
    expect.sort();
    assert_eq!(seen, expect);
    for bad in ["", "a b", "a*", "a>", ".a", "a.", "a..b", "é", "a\0b"] {
        let e = kv.put(bad, b"x").unwrap_err();
        assert_eq!(e.status, NATS_INVALID_ARG, "key {bad:?}: {e:?}");
    }
}

//! Resilience: clusters, discovery, reconnect, buffering, health checks,
//! lame duck mode and concurrency, against real nats-server processes (and
//! a small fake server where a real one cannot misbehave on purpose).

mod common;

use common::server::{free_port, Server};
use common::wait_for;
use nats::conn::sub::Subscription;
use nats::conn::Connection;
use nats::natsStatus::{self, *};
use nats::options::Options;
use nats::status::natsConnStatus::*;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(30);

/// Counters for the connection event callbacks.
#[derive(Default)]
struct Events {
    disconnected: AtomicUsize,
    reconnected: AtomicUsize,
    closed: AtomicUsize,
    discovered: AtomicUsize,
    lame_duck: AtomicUsize,
    connected: AtomicUsize,
    errors: Mutex<Vec<natsStatus>>,
}

impl Events {
    fn install(self: &Arc<Self>, o: &mut Options) {
        let e = self.clone();
        o.disconnected_cb = Some(Arc::new(move |_| {
            e.disconnected.fetch_add(1, Ordering::SeqCst);
        }));
        let e = self.clone();
        o.reconnected_cb = Some(Arc::new(move |_| {
            e.reconnected.fetch_add(1, Ordering::SeqCst);
        }));
        let e = self.clone();
        o.closed_cb = Some(Arc::new(move |_| {
            e.closed.fetch_add(1, Ordering::SeqCst);
        }));
        let e = self.clone();
        o.discovered_servers_cb = Some(Arc::new(move |_| {
            e.discovered.fetch_add(1, Ordering::SeqCst);
        }));
        let e = self.clone();
        o.lame_duck_cb = Some(Arc::new(move |_| {
            e.lame_duck.fetch_add(1, Ordering::SeqCst);
        }));
        let e = self.clone();
        o.err_cb = Some(Arc::new(move |_, _, s, _| {
            e.errors.lock().unwrap().push(s);
        }));
    }
    fn get(&self, a: &AtomicUsize) -> usize {
        a.load(Ordering::SeqCst)
    }
}

fn opts(url: &str) -> Options {
    Options {
        url: Some(url.to_string()),
        reconnect_wait_ms: 50,
        ..Options::default()
    }
}

fn collector() -> (Arc<Mutex<Vec<Vec<u8>>>>, nats::conn::sub::MsgCallback) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    let cb: nats::conn::sub::MsgCallback = Arc::new(move |_c, _s, m| {
        if let Some(m) = m {
            g.lock().unwrap().push(m.data().to_vec());
        }
    });
    (got, cb)
}

fn len(v: &Arc<Mutex<Vec<Vec<u8>>>>) -> usize {
    v.lock().unwrap().len()
}

/// Three nats-server processes with routes between them on loopback.
fn cluster() -> Vec<Server> {
    let routes: Vec<u16> = (0..3).map(|_| free_port()).collect();
    (0..3)
        .map(|k| {
            let others: Vec<String> = (0..3)
                .filter(|&j| j != k)
                .map(|j| format!("nats-route://127.0.0.1:{}", routes[j]))
                .collect();
            Server::start(&format!(
                "server_name: n{k}\ncluster {{ name: c1, listen: 127.0.0.1:{}, routes: [{}] }}\n",
                routes[k],
                others.join(", ")
            ))
        })
        .collect()
}

/// Publishes on `via` until `sub` (a sync subscription on `subject`) sees
/// a message: interest has then propagated to `via`'s server.
fn await_interest(via: &Connection, subject: &str, sub: &Arc<Subscription>) {
    let ok = wait_for(LONG, || {
        via.publish(subject.as_bytes(), None, None, b"probe").unwrap();
        via.flush_timeout(5000).unwrap();
        sub.next_msg(50).is_ok()
    });
    assert!(ok, "interest on {subject} never reached the publisher's server");
    while sub.next_msg(100).is_ok() {}
}

fn seq_of(d: &[u8]) -> u64 {
    std::str::from_utf8(d).unwrap().parse().unwrap()
}

#[test]
fn cluster_failover_kill9_during_publish_loop() {
    let mut nodes = cluster();
    let ev = Arc::new(Events::default());
    // The client knows only the first node, and a server that accepts
    // but never sends INFO: it is tried first after the kill (the pool
    // rotates; discovered nodes come after it), which keeps the client
    // disconnected for the connect timeout so that publishes are buffered.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("nats://127.0.0.1:{}", silent.local_addr().unwrap().port());
    std::thread::spawn(move || {
        let held: Vec<TcpStream> = silent.incoming().map_while(Result::ok).collect();
        drop(held);
    });
    let mut o = Options {
        servers: vec![nodes[0].url(), silent_url],
        no_randomize: true,
        max_reconnect: -1,
        timeout_ms: 500,
        ..Options::default()
    };
    ev.install(&mut o);
    let nc = Connection::connect(o).expect("connect");
    // The other two nodes are discovered from INFO connect_urls.
    assert!(
        wait_for(LONG, || nc.servers(true).len() == 2),
        "discovered: {:?}",
        nc.servers(true)
    );
    assert!(ev.get(&ev.discovered) >= 1 || nc.servers(true).len() == 2);
    let first_url = nc.connected_url().unwrap();
    assert!(first_url.ends_with(&format!(":{}", nodes[0].port())));

    // The client's own subscriptions (plain and queue).
    let (own, own_cb) = collector();
    let own_sub = nc.subscribe(b"seq", None, Some(own_cb), 0).unwrap();
    own_sub.set_pending_limits(-1, -1).unwrap();
    let (q, q_cb) = collector();
    let q_sub = nc.subscribe(b"seq", Some(b"g"), Some(q_cb), 0).unwrap();
    q_sub.set_pending_limits(-1, -1).unwrap();
    nc.flush_timeout(5000).unwrap();

    // An observer on node 1, and interest known on nodes 0 and 2.
    let obs = Connection::connect(opts(&nodes[1].url())).unwrap();
    let (seen, seen_cb) = collector();
    let obs_sub = obs.subscribe(b"seq", None, Some(seen_cb), 0).unwrap();
    obs_sub.set_pending_limits(-1, -1).unwrap();
    let probe = obs.subscribe(b"probe", None, None, 0).unwrap();
    obs.flush_timeout(5000).unwrap();
    await_interest(&nc, "probe", &probe);
    let n2 = Connection::connect(opts(&nodes[2].url())).unwrap();
    await_interest(&n2, "probe", &probe);
    n2.close();

    // Publisher: sequence numbers; remembers the first one published
    // while the client knew it was disconnected. A publish refused for
    // lack of reconnect buffer is retried (it was not queued).
    let total: u64 = 60_000;
    let published = Arc::new(AtomicI64::new(0));
    let first_offline = Arc::new(AtomicI64::new(-1));
    let full = Arc::new(AtomicUsize::new(0));
    let publisher = {
        let nc = nc.clone();
        let published = published.clone();
        let first_offline = first_offline.clone();
        let full = full.clone();
        std::thread::spawn(move || {
            let mut i = 0u64;
            while i < total {
                let offline = nc.is_reconnecting();
                match nc.publish(b"seq", None, None, i.to_string().as_bytes()) {
                    Ok(()) => {
                        if offline && first_offline.load(Ordering::SeqCst) < 0 {
                            first_offline.store(i as i64, Ordering::SeqCst);
                        }
                        i += 1;
                        published.store(i as i64, Ordering::SeqCst);
                        // Pace a little once past the kill point so the
                        // run spans the reconnect.
                        if i % 1000 == 0 {
                            std::thread::sleep(Duration::from_millis(5));
                        }
                    }
                    Err(e) if e.status == NATS_INSUFFICIENT_BUFFER => {
                        full.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    Err(e) => panic!("publish {i}: {e:?}"),
                }
            }
        })
    };
    assert!(wait_for(LONG, || published.load(Ordering::SeqCst) >= 15_000));
    nodes[0].kill();
    publisher.join().unwrap();
    assert!(wait_for(LONG, || ev.get(&ev.reconnected) == 1), "never reconnected");
    nc.flush_timeout(10_000).unwrap();

    let k = first_offline.load(Ordering::SeqCst);
    assert!(k >= 0, "nothing was published while disconnected");
    let k = k as u64;
    // Failed over to a discovered node.
    let url = nc.connected_url().unwrap();
    assert!(
        url.ends_with(&format!(":{}", nodes[1].port())) || url.ends_with(&format!(":{}", nodes[2].port())),
        "connected to {url}"
    );

    let expect_from_k = (total - k) as usize;
    for (name, v) in [("own", &own), ("queue", &q), ("observer", &seen)] {
        assert!(
            wait_for(LONG, || v.lock().unwrap().iter().filter(|d| seq_of(d) >= k).count()
                >= expect_from_k),
            "{name}: messages published while disconnected missing"
        );
    }
    // The client's own subscriptions: strictly increasing (no duplicates,
    // in order), everything from k on present.
    for (name, v) in [("own", &own), ("queue", &q)] {
        let s: Vec<u64> = v.lock().unwrap().iter().map(|d| seq_of(d)).collect();
        assert!(s.windows(2).all(|w| w[0] < w[1]), "{name}: out of order or duplicated");
        assert_eq!(s.iter().filter(|&&x| x >= k).count(), expect_from_k, "{name}");
    }
    // The observer: no duplicates; from k on complete and in order (what
    // was in flight through the killed node may arrive by another route).
    let s: Vec<u64> = seen.lock().unwrap().iter().map(|d| seq_of(d)).collect();
    let mut sorted = s.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), s.len(), "observer got duplicates");
    let after: Vec<u64> = s.iter().copied().filter(|&x| x >= k).collect();
    assert_eq!(after, (k..total).collect::<Vec<_>>(), "observer: from {k} on");

    assert_eq!(ev.get(&ev.disconnected), 1);
    assert_eq!(ev.get(&ev.reconnected), 1);
    assert_eq!(ev.get(&ev.closed), 0);
    // As cnats, a reconnect is counted once the TCP connection is made:
    // the silent server, then the node.
    assert_eq!(nc.stats().reconnects, 2);
    nc.close();
    assert!(wait_for(LONG, || ev.get(&ev.closed) == 1));
    obs.close();
}

#[test]
fn subscriptions_resent_after_restart_queue_and_auto_unsubscribe() {
    let mut srv = Server::start_default();
    let ev = Arc::new(Events::default());
    let mut o = opts(&srv.url());
    ev.install(&mut o);
    let nc = Connection::connect(o).unwrap();
    let plain = nc.subscribe(b"a", None, None, 0).unwrap();
    let queue = nc.subscribe(b"q", Some(b"grp"), None, 0).unwrap();
    let auto = nc.subscribe(b"au", None, None, 0).unwrap();
    nc.unsubscribe(&auto, 10).unwrap();
    for _ in 0..3 {
        nc.publish(b"au", None, None, b"x").unwrap();
    }
    for _ in 0..3 {
        auto.next_msg(5000).unwrap();
    }
    srv.restart();
    assert!(wait_for(LONG, || ev.get(&ev.reconnected) == 1));
    for _ in 0..20 {
        nc.publish(b"au", None, None, b"y").unwrap();
    }
    nc.publish(b"a", None, None, b"A").unwrap();
    nc.publish(b"q", None, None, b"Q").unwrap();
    nc.flush_timeout(5000).unwrap();
    assert_eq!(plain.next_msg(5000).unwrap().data(), b"A");
    assert_eq!(queue.next_msg(5000).unwrap().data(), b"Q");
    // 7 more (10 in all), then the subscription is done.
    for _ in 0..7 {
        assert_eq!(auto.next_msg(5000).unwrap().data(), b"y");
    }
    assert_eq!(auto.next_msg(500).unwrap_err().status, NATS_MAX_DELIVERED_MSGS);
    assert_eq!(ev.get(&ev.disconnected), 1);
    nc.close();
}

#[test]
fn reconnect_buffer_overflow_insufficient_buffer() {
    let mut srv = Server::start_default();
    let ev = Arc::new(Events::default());
    let mut o = opts(&srv.url());
    o.reconnect_buf_size = 64;
    o.reconnect_wait_ms = 100;
    o.max_reconnect = -1;
    ev.install(&mut o);
    let nc = Connection::connect(o).unwrap();
    let sub = nc.subscribe(b"foo", None, None, 0).unwrap();
    nc.flush_timeout(5000).unwrap();
    srv.kill();
    assert!(wait_for(LONG, || nc.is_reconnecting()));
    // "PUB foo 4\r\nabcd\r\n" is 18 bytes: 4 fit under 64, the 5th not.
    let mut ok = 0;
    let err = loop {
        match nc.publish(b"foo", None, None, format!("m{ok:03}").as_bytes()) {
            Ok(()) => ok += 1,
            Err(e) => break e,
        }
        assert!(ok < 100);
    };
    assert_eq!(err.status, NATS_INSUFFICIENT_BUFFER);
    assert_eq!(ok, 4);
    assert_eq!(nc.flush_timeout(200).unwrap_err().status, NATS_CONNECTION_DISCONNECTED);
    srv.restart();
    assert!(wait_for(LONG, || ev.get(&ev.reconnected) == 1));
    // What was accepted while away arrives, once, in order.
    for i in 0..4 {
        assert_eq!(sub.next_msg(5000).unwrap().data(), format!("m{i:03}").as_bytes());
    }
    nc.flush_timeout(5000).unwrap();
    assert_eq!(sub.next_msg(200).unwrap_err().status, NATS_TIMEOUT);
    nc.close();
}

#[test]
fn max_reconnect_exhausted_closes_once() {
    let mut srv = Server::start_default();
    let ev = Arc::new(Events::default());
    let mut o = opts(&srv.url());
    o.max_reconnect = 3;
    o.reconnect_wait_ms = 20;
    ev.install(&mut o);
    let nc = Connection::connect(o).unwrap();
    srv.kill();
    assert!(wait_for(LONG, || ev.get(&ev.closed) >= 1));
    assert!(nc.is_closed());
    nc.close();
    assert_eq!(
        nc.publish(b"x", None, None, b"").unwrap_err().status,
        NATS_CONNECTION_CLOSED
    );
    // Let the event thread run anything still queued, then count.
    event_barrier();
    assert_eq!(ev.get(&ev.closed), 1);
    assert_eq!(ev.get(&ev.disconnected), 1);
    assert_eq!(ev.get(&ev.reconnected), 0);
    assert_eq!(nc.last_error().unwrap().status, NATS_NO_SERVER);
}

#[test]
fn retry_on_failed_connect_with_connected_callback() {
    let port = free_port();
    let url = format!("nats://127.0.0.1:{port}");
    let ev = Arc::new(Events::default());
    let mut o = opts(&url);
    o.retry_on_failed_connect = true;
    o.max_reconnect = -1;
    ev.install(&mut o);
    let e = ev.clone();
    o.connected_cb = Some(Arc::new(move |_| {
        e.connected.fetch_add(1, Ordering::SeqCst);
    }));
    let (nc, not_yet) = Connection::connect_ex(o).unwrap();
    assert!(not_yet, "NATS_NOT_YET_CONNECTED expected");
    // Usable at once.
    let sub = nc.subscribe(b"early", None, None, 0).unwrap();
    nc.publish(b"early", None, None, b"before").unwrap();
    let _srv = Server::start_with_args(&["-p", &port.to_string()]);
    assert!(wait_for(LONG, || ev.get(&ev.connected) == 1));
    assert_eq!(sub.next_msg(5000).unwrap().data(), b"before");
    nc.publish(b"early", None, None, b"after").unwrap();
    assert_eq!(sub.next_msg(5000).unwrap().data(), b"after");
    assert_eq!(ev.get(&ev.reconnected), 0);
    assert_eq!(ev.get(&ev.disconnected), 0);
    nc.close();
}

#[test]
fn retry_on_failed_connect_without_callback_gives_up() {
    let url = format!("nats://127.0.0.1:{}", free_port());
    let mut o = opts(&url);
    o.retry_on_failed_connect = true;
    o.max_reconnect = 3;
    o.reconnect_wait_ms = 20;
    let e = Connection::connect(o).err().expect("no server");
    assert_eq!(e.status, NATS_NO_SERVER);
}

// ---------- a fake server ----------

#[derive(Clone, Copy)]
enum Mode {
    /// Answers PINGs.
    Normal,
    /// Handshake, then never answers a PING again.
    NoPong,
    /// Handshake, then sends this -ERR and closes.
    Err(&'static str),
    /// Handshake, then stops reading the socket.
    NoRead,
}

/// Accepts connections on a loopback port; the n-th one behaves as
/// `modes[n]` (the last mode repeats).
struct Fake {
    port: u16,
    accepted: Arc<AtomicUsize>,
}

const INFO: &str =
    "INFO {\"server_id\":\"FAKE\",\"version\":\"2.10.0\",\"proto\":1,\"max_payload\":1048576,\"headers\":true}\r\n";

fn handshake(s: &mut TcpStream) -> Option<()> {
    s.write_all(INFO.as_bytes()).ok()?;
    let mut acc = Vec::new();
    let mut buf = [0u8; 4096];
    while !acc.windows(6).any(|w| w == b"PING\r\n") {
        let n = s.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        acc.extend_from_slice(&buf[..n]);
    }
    s.write_all(b"PONG\r\n").ok()
}

impl Fake {
    fn start(modes: Vec<Mode>) -> Fake {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let acc = accepted.clone();
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(mut s) = s else { return };
                let n = acc.fetch_add(1, Ordering::SeqCst);
                let mode = modes[n.min(modes.len() - 1)];
                std::thread::spawn(move || {
                    if handshake(&mut s).is_none() {
                        return;
                    }
                    match mode {
                        Mode::Normal => {
                            let mut buf = [0u8; 65536];
                            let mut tail = Vec::new();
                            loop {
                                let n = match s.read(&mut buf) {
                                    Ok(0) | Err(_) => return,
                                    Ok(n) => n,
                                };
                                tail.extend_from_slice(&buf[..n]);
                                let pings = tail.windows(6).filter(|w| *w == b"PING\r\n").count();
                                let keep = tail.len().saturating_sub(5);
                                tail.drain(..keep);
                                for _ in 0..pings {
                                    if s.write_all(b"PONG\r\n").is_err() {
                                        return;
                                    }
                                }
                            }
                        }
                        Mode::NoPong => {
                            let mut buf = [0u8; 65536];
                            while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
                        }
                        Mode::Err(t) => {
                            let _ = s.write_all(format!("-ERR '{t}'\r\n").as_bytes());
                            std::thread::sleep(Duration::from_millis(200));
                        }
                        Mode::NoRead => {
                            // Hold the socket open without reading until
                            // the client goes away.
                            let _ = s.set_read_timeout(None);
                            std::thread::sleep(Duration::from_secs(60));
                        }
                    }
                });
            }
        });
        Fake { port, accepted }
    }
    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }
}

#[test]
fn stale_connection_detected_by_pings_and_reconnected() {
    let fake = Fake::start(vec![Mode::NoPong, Mode::Normal]);
    let ev = Arc::new(Events::default());
    let mut o = opts(&fake.url());
    o.ping_interval_ms = 50;
    o.max_pings_out = 2;
    ev.install(&mut o);
    let nc = Connection::connect(o).unwrap();
    assert!(wait_for(LONG, || ev.get(&ev.reconnected) == 1));
    assert_eq!(ev.get(&ev.disconnected), 1);
    // The fake server never closed the socket: only the missing PONGs can
    // have made the client reconnect. (As in cnats, the connection's last
    // error is cleared once reconnected.)
    assert_eq!(fake.accepted.load(Ordering::SeqCst), 2);
    // The new connection answers: flush works (PONG accounting survived).
    nc.flush_timeout(5000).unwrap();
    nc.close();
    assert!(wait_for(LONG, || ev.get(&ev.closed) == 1));
}

#[test]
fn stale_connection_error_reconnects() {
    let fake = Fake::start(vec![Mode::Err("Stale Connection"), Mode::Normal]);
    let ev = Arc::new(Events::default());
    let mut o = opts(&fake.url());
    ev.install(&mut o);
    let nc = Connection::connect(o).unwrap();
    assert!(wait_for(LONG, || ev.get(&ev.reconnected) == 1));
    assert_eq!(ev.get(&ev.disconnected), 1);
    assert_eq!(ev.get(&ev.closed), 0);
    nc.flush_timeout(5000).unwrap();
    nc.close();
}

#[test]
fn other_server_error_closes() {
    let fake = Fake::start(vec![Mode::Err("Any Error"), Mode::Normal]);
    let ev = Arc::new(Events::default());
    let mut o = opts(&fake.url());
    ev.install(&mut o);
    let nc = Connection::connect(o).unwrap();
    assert!(wait_for(LONG, || ev.get(&ev.closed) == 1));
    assert!(nc.is_closed());
    let e = nc.last_error().unwrap();
    assert_eq!(e.status, NATS_ERR);
    assert!(e.text.contains("Any Error"), "{}", e.text);
    event_barrier();
    assert_eq!(ev.get(&ev.reconnected), 0);
    // Disconnected, then closed, once each.
    assert_eq!(ev.get(&ev.disconnected), 1);
    assert_eq!(ev.get(&ev.closed), 1);
    assert_eq!(fake.accepted.load(Ordering::SeqCst), 1);
}

#[test]
fn other_server_error_reconnects_with_reconnect_on_protocol_error() {
    let fake = Fake::start(vec![Mode::Err("Any Error"), Mode::Normal]);
    let ev = Arc::new(Events::default());
    let mut o = opts(&fake.url());
    o.reconnect_on_protocol_error = true;
    ev.install(&mut o);
    let nc = Connection::connect(o).unwrap();
    assert!(wait_for(LONG, || ev.get(&ev.reconnected) == 1));
    assert_eq!(ev.get(&ev.closed), 0);
    assert_eq!(fake.accepted.load(Ordering::SeqCst), 2);
    nc.flush_timeout(5000).unwrap();
    nc.close();
}

#[test]
fn write_deadline_unblocks_publishers() {
    let fake = Fake::start(vec![Mode::NoRead]);
    let ev = Arc::new(Events::default());
    let mut o = opts(&fake.url());
    o.write_deadline_ms = 200;
    o.allow_reconnect = false;
    ev.install(&mut o);
    let nc = Connection::connect(o).unwrap();
    let payload = vec![b'x'; 16 * 1024];
    // The server reads nothing: publishing must end with an error, not
    // block forever.
    let err = loop {
        if let Err(e) = nc.publish(b"foo", None, None, &payload) {
            break e;
        }
    };
    assert!(matches!(err.status, NATS_TIMEOUT | NATS_CONNECTION_CLOSED), "{err:?}");
    assert!(wait_for(LONG, || ev.get(&ev.closed) == 1));
    assert_eq!(nc.last_error().unwrap().status, NATS_TIMEOUT);
}

#[test]
fn close_is_bounded_when_the_server_stops_reading() {
    let fake = Fake::start(vec![Mode::NoRead]);
    let mut o = opts(&fake.url());
    o.timeout_ms = 300;
    let nc = Connection::connect(o).unwrap();
    let payload = vec![b'x'; 64 * 1024];
    // Fill the socket and the write buffer (no write deadline).
    let filler = {
        let nc = nc.clone();
        std::thread::spawn(move || while nc.publish(b"foo", None, None, &payload).is_ok() {})
    };
    assert!(wait_for(LONG, || nc.buffered() > 1024 * 1024));
    nc.close();
    filler.join().unwrap();
    assert!(nc.is_closed());
}

#[test]
fn forced_reconnect_and_is_reconnecting() {
    let srv = Server::start_default();
    let ev = Arc::new(Events::default());
    let mut o = opts(&srv.url());
    ev.install(&mut o);
    let nc = Connection::connect(o).unwrap();
    let sub = nc.subscribe(b"f", None, None, 0).unwrap();
    assert!(!nc.is_reconnecting());
    nc.force_reconnect().unwrap();
    assert!(wait_for(LONG, || ev.get(&ev.reconnected) == 1));
    assert_eq!(ev.get(&ev.disconnected), 1);
    assert_eq!(nc.status(), NATS_CONN_STATUS_CONNECTED);
    nc.publish(b"f", None, None, b"1").unwrap();
    assert_eq!(sub.next_msg(5000).unwrap().data(), b"1");
    nc.close();
    assert_eq!(nc.force_reconnect().unwrap_err().status, NATS_CONNECTION_CLOSED);
}

#[test]
fn lame_duck_mode_fires_callback_once() {
    // 30 s is the shortest lame duck duration nats-server accepts; the
    // test does not wait for it.
    let mut srv = Server::start("lame_duck_duration: \"30s\"\nlame_duck_grace_period: \"1s\"\n");
    let ev = Arc::new(Events::default());
    let mut o = opts(&srv.url());
    ev.install(&mut o);
    let nc = Connection::connect(o).unwrap();
    srv.signal_ldm();
    assert!(wait_for(LONG, || ev.get(&ev.lame_duck) >= 1));
    event_barrier();
    assert_eq!(ev.get(&ev.lame_duck), 1);
    assert_eq!(ev.get(&ev.disconnected), 0);
    assert!(ev.get(&ev.discovered) == 0);
    nc.close();
    assert!(wait_for(LONG, || ev.get(&ev.closed) == 1));
    // Closing a live connection is a disconnect too (as cnats).
    assert_eq!(ev.get(&ev.disconnected), 1);
    srv.kill();
}

/// Waits until the event thread has run everything posted so far.
fn event_barrier() {
    let mark = Arc::new(AtomicBool::new(false));
    let m = mark.clone();
    nats::runtime::post(Box::new(move || m.store(true, Ordering::SeqCst)));
    assert!(wait_for(LONG, || mark.load(Ordering::SeqCst)));
}

#[test]
fn close_from_inside_callbacks_does_not_deadlock() {
    let srv = Server::start_default();
    let ev = Arc::new(Events::default());
    let mut o = opts(&srv.url());
    ev.install(&mut o);
    // The disconnected callback closes the connection.
    o.disconnected_cb = Some(Arc::new(|c| c.close()));
    let nc = Connection::connect(o).unwrap();
    // A message callback that closes the connection too.
    let cb: nats::conn::sub::MsgCallback = Arc::new(|c, _s, _m| c.close());
    nc.subscribe(b"bye", None, Some(cb), 0).unwrap();
    nc.publish(b"bye", None, None, b"").unwrap();
    assert!(wait_for(LONG, || ev.get(&ev.closed) == 1));
    assert!(nc.is_closed());

    let nc2 = {
        let mut o = opts(&srv.url());
        o.disconnected_cb = Some(Arc::new(|c| c.close()));
        Connection::connect(o).unwrap()
    };
    nc2.force_reconnect().unwrap();
    assert!(wait_for(LONG, || nc2.is_closed()));
}

#[test]
fn sixteen_threads_publish_concurrently_order_per_thread() {
    const THREADS: usize = 16;
    const PER: usize = 50_000;
    let srv = Server::start_default();
    let sc = Connection::connect(opts(&srv.url())).unwrap();
    let next: Arc<Vec<AtomicUsize>> = Arc::new((0..THREADS).map(|_| AtomicUsize::new(0)).collect());
    let bad = Arc::new(AtomicUsize::new(0));
    let total = Arc::new(AtomicUsize::new(0));
    let cb: nats::conn::sub::MsgCallback = {
        let (next, bad, total) = (next.clone(), bad.clone(), total.clone());
        Arc::new(move |_c, _s, m| {
            let m = m.unwrap();
            let d = std::str::from_utf8(m.data()).unwrap();
            let (t, i) = d.split_once(':').unwrap();
            let (t, i): (usize, usize) = (t.parse().unwrap(), i.parse().unwrap());
            if next[t].load(Ordering::Relaxed) != i {
                bad.fetch_add(1, Ordering::Relaxed);
            }
            next[t].store(i + 1, Ordering::Relaxed);
            total.fetch_add(1, Ordering::Relaxed);
        })
    };
    let sub = sc.subscribe(b"mt", None, Some(cb), 0).unwrap();
    sub.set_pending_limits(-1, -1).unwrap();
    sc.flush_timeout(5000).unwrap();

    let nc = Connection::connect(opts(&srv.url())).unwrap();
    let hs: Vec<_> = (0..THREADS)
        .map(|t| {
            let nc = nc.clone();
            std::thread::spawn(move || {
                for i in 0..PER {
                    nc.publish(b"mt", None, None, format!("{t}:{i}").as_bytes()).unwrap();
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    nc.flush_timeout(30_000).unwrap();
    assert!(
        wait_for(Duration::from_secs(120), || total.load(Ordering::Relaxed)
            == THREADS * PER),
        "got {} of {}",
        total.load(Ordering::Relaxed),
        THREADS * PER
    );
    assert_eq!(bad.load(Ordering::Relaxed), 0, "per-thread order broken");
    assert_eq!(nc.stats().out_msgs, (THREADS * PER) as u64);
    nc.close();
    sc.close();
}

#[test]
fn subscribe_unsubscribe_churn_from_eight_threads() {
    let srv = Server::start_default();
    let nc = Connection::connect(opts(&srv.url())).unwrap();
    let hs: Vec<_> = (0..8)
        .map(|t| {
            let nc = nc.clone();
            std::thread::spawn(move || {
                for i in 0..300 {
                    let subj = format!("churn.{t}.{i}");
                    if i % 3 == 0 {
                        // Asynchronous: its delivery thread comes and goes.
                        let (got, cb) = collector();
                        let s = nc.subscribe(subj.as_bytes(), None, Some(cb), 0).unwrap();
                        nc.flush_timeout(10_000).unwrap();
                        nc.publish(subj.as_bytes(), None, None, b"x").unwrap();
                        assert!(wait_for(LONG, || len(&got) == 1));
                        nc.unsubscribe(&s, 0).unwrap();
                    } else {
                        let s = nc.subscribe(subj.as_bytes(), Some(b"q"), None, 0).unwrap();
                        nc.flush_timeout(10_000).unwrap();
                        nc.publish(subj.as_bytes(), None, None, b"y").unwrap();
                        assert_eq!(s.next_msg(10_000).unwrap().data(), b"y");
                        if i % 2 == 0 {
                            nc.unsubscribe(&s, 0).unwrap();
                        } else {
                            nc.unsubscribe(&s, 1).unwrap();
                        }
                        assert!(nc.unsubscribe(&s, 0).is_err());
                    }
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    nc.flush_timeout(5000).unwrap();
    assert_eq!(nc.status(), NATS_CONN_STATUS_CONNECTED);
    nc.close();
}

#[test]
fn implicit_user_info_used_for_discovered_servers() {
    let routes: Vec<u16> = (0..2).map(|_| free_port()).collect();
    let mk = |k: usize| {
        Server::start(&format!(
            "authorization {{ user: ivan, password: pwd }}\ncluster {{ name: c2, listen: 127.0.0.1:{}, routes: [nats-route://127.0.0.1:{}] }}\n",
            routes[k],
            routes[1 - k]
        ))
    };
    let mut a = mk(0);
    let b = mk(1);
    let ev = Arc::new(Events::default());
    let mut o = Options {
        servers: vec![format!("nats://ivan:pwd@127.0.0.1:{}", a.port())],
        max_reconnect: -1,
        reconnect_wait_ms: 50,
        ..Options::default()
    };
    ev.install(&mut o);
    let nc = Connection::connect(o).unwrap();
    assert!(wait_for(LONG, || nc.servers(true).len() == 1));
    a.kill();
    assert!(
        wait_for(LONG, || ev.get(&ev.reconnected) == 1),
        "errors: {:?}",
        ev.errors.lock().unwrap()
    );
    assert!(nc.connected_url().unwrap().ends_with(&format!(":{}", b.port())));
    nc.flush_timeout(5000).unwrap();
    nc.close();
}

#[test]
fn drain_twice_is_ok_and_drain_while_reconnecting_is_illegal() {
    let mut srv = Server::start_default();
    let mut o = opts(&srv.url());
    o.reconnect_wait_ms = 10_000;
    let nc = Connection::connect(o).unwrap();
    srv.kill();
    assert!(wait_for(LONG, || nc.is_reconnecting()));
    assert_eq!(nc.drain(1000).unwrap_err().status, NATS_ILLEGAL_STATE);
    // Close during a long reconnect wait returns at once.
    nc.close();
    assert!(nc.is_closed());
    drop(srv);

    let srv = Server::start_default();
    let nc = Connection::connect(opts(&srv.url())).unwrap();
    let (got, cb) = collector();
    nc.subscribe(b"d", None, Some(cb), 0).unwrap();
    nc.publish(b"d", None, None, b"1").unwrap();
    nc.flush_timeout(5000).unwrap();
    nc.drain(5000).unwrap();
    nc.drain(5000).unwrap();
    assert!(wait_for(LONG, || nc.is_closed()));
    assert_eq!(len(&got), 1);
}

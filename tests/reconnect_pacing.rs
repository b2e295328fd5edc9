//! Reconnect pacing as cnats does it, on the engine: the servers of the
//! pool are tried back to back, and the reconnect thread waits once per
//! full pass (the custom reconnect-delay callback, given the pass number,
//! or the reconnect wait). A real nats-server is lost; the other servers
//! of the pool are listeners that accept and hang up at once, so that
//! every connect attempt is counted.

mod common;

use common::server::Server;
use common::wait_for;
use nats::conn::Connection;
use nats::natsStatus::*;
use nats::options::Options;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(30);

/// A "server" that accepts TCP connections and closes them at once,
/// counting them: a server that is there but never answers INFO.
struct HangUp {
    port: u16,
    accepts: Arc<AtomicUsize>,
}

impl HangUp {
    fn bind(addr: SocketAddr) -> HangUp {
        let l = TcpListener::bind(addr).expect("bind hang-up listener");
        let port = l.local_addr().unwrap().port();
        let accepts = Arc::new(AtomicUsize::new(0));
        let a = accepts.clone();
        std::thread::spawn(move || {
            for s in l.incoming() {
                if s.is_ok() {
                    a.fetch_add(1, Ordering::SeqCst);
                }
                drop(s);
            }
        });
        HangUp { port, accepts }
    }

    fn any() -> HangUp {
        HangUp::bind("127.0.0.1:0".parse().unwrap())
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn accepts(&self) -> usize {
        self.accepts.load(Ordering::SeqCst)
    }
}

/// The delay callback's calls: (pass argument, thread name).
type Calls = Arc<Mutex<Vec<(i32, String)>>>;

struct Setup {
    nc: Arc<Connection>,
    server: Server,
    others: [HangUp; 2],
    closed: Arc<AtomicBool>,
}

/// A connection to a real server, with two hang-up servers after it in
/// the pool (in that order).
fn setup(mut o: Options) -> Setup {
    let server = Server::start_default();
    let others = [HangUp::any(), HangUp::any()];
    o.servers = vec![server.url(), others[0].url(), others[1].url()];
    o.no_randomize = true;
    o.reconnect_jitter_ms = 0;
    o.reconnect_jitter_tls_ms = 0;
    let closed = Arc::new(AtomicBool::new(false));
    let c = closed.clone();
    o.closed_cb = Some(Arc::new(move |_| c.store(true, Ordering::SeqCst)));
    let nc = Connection::connect(o).expect("connect");
    assert!(nc.connected_url().unwrap().ends_with(&format!(":{}", server.port())));
    Setup {
        nc,
        server,
        others,
        closed,
    }
}

/// Kills the real server and puts a hang-up listener on its port, so
/// that its attempts are counted too. The first pass tries the two other
/// servers first and waits before coming back to it, so `ready` (set
/// here) is awaited by the delay callback before it returns.
fn lose_server(s: &mut Setup, ready: &AtomicBool) -> HangUp {
    let addr: SocketAddr = format!("127.0.0.1:{}", s.server.port()).parse().unwrap();
    s.server.kill();
    let h = HangUp::bind(addr);
    ready.store(true, Ordering::SeqCst);
    h
}

#[test]
fn custom_delay_is_called_once_per_pass_with_the_pass_number() {
    let calls: Calls = Arc::default();
    let ready = Arc::new(AtomicBool::new(false));
    let (c, r) = (calls.clone(), ready.clone());
    let o = Options {
        max_reconnect: 2,
        reconnect_wait_ms: 60_000, // must not be used with a callback
        custom_reconnect_delay: Some(Arc::new(move |_, pass| {
            assert!(wait_for(LONG, || r.load(Ordering::SeqCst)));
            let name = std::thread::current().name().unwrap_or("").to_string();
            c.lock().unwrap().push((pass, name));
            20
        })),
        ..Options::default()
    };
    let mut s = setup(o);
    let lost = lose_server(&mut s, &ready);
    assert!(wait_for(LONG, || s.closed.load(Ordering::SeqCst)), "never closed");
    assert_eq!(s.nc.last_error().map(|e| e.status), Some(NATS_NO_SERVER));

    // MaxReconnect 2: every server is tried twice, then leaves the pool.
    assert_eq!(
        [lost.accepts(), s.others[0].accepts(), s.others[1].accepts()],
        [2, 2, 2]
    );
    // Six attempts, but one callback per pass: the passes get shorter as
    // servers leave the pool (3 servers, then 2, then 1), so 3 passes,
    // numbered from 1 (cnats calls it per attempt in none of them).
    let calls = calls.lock().unwrap().clone();
    let passes: Vec<i32> = calls.iter().map(|(p, _)| *p).collect();
    assert_eq!(passes, vec![1, 2, 3], "{calls:?}");
    for (_, thread) in &calls {
        assert_eq!(thread, "nats-reconnect", "user code must not run on the reader thread");
    }
    s.nc.close();
}

#[test]
fn failover_to_a_live_server_does_not_wait_for_the_delay() {
    // The real server is lost; the next one of the pool is a live
    // server: it is tried at once, the callback (a long delay) is not
    // called before the first full pass.
    let mut live = Server::start_default();
    let mut lost = Server::start_default();
    let calls: Calls = Arc::default();
    let c = calls.clone();
    let reconnected = Arc::new(AtomicUsize::new(0));
    let r = reconnected.clone();
    let o = Options {
        servers: vec![lost.url(), live.url()],
        no_randomize: true,
        max_reconnect: -1,
        custom_reconnect_delay: Some(Arc::new(move |_, pass| {
            c.lock().unwrap().push((pass, String::new()));
            5_000
        })),
        reconnected_cb: Some(Arc::new(move |_| {
            r.fetch_add(1, Ordering::SeqCst);
        })),
        ..Options::default()
    };
    let nc = Connection::connect(o).expect("connect");
    assert!(nc.connected_url().unwrap().ends_with(&format!(":{}", lost.port())));
    let t = Instant::now();
    lost.kill();
    assert!(
        wait_for(LONG, || reconnected.load(Ordering::SeqCst) == 1),
        "never reconnected"
    );
    let took = t.elapsed();
    assert!(nc.connected_url().unwrap().ends_with(&format!(":{}", live.port())));
    assert!(
        calls.lock().unwrap().is_empty(),
        "delay callback called: {:?}",
        calls.lock().unwrap()
    );
    // Coarse: well under the 5 s the callback would have asked for.
    assert!(took < Duration::from_secs(4), "fail-over took {took:?}");
    nc.close();
    live.kill();
}

#[test]
fn reconnect_wait_once_per_pass_without_a_callback() {
    let ready = Arc::new(AtomicBool::new(true));
    let wait_ms = 300;
    let o = Options {
        max_reconnect: 2,
        reconnect_wait_ms: wait_ms,
        ..Options::default()
    };
    let mut s = setup(o);
    let t = Instant::now();
    let lost = lose_server(&mut s, &ready);
    assert!(wait_for(LONG, || s.closed.load(Ordering::SeqCst)), "never closed");
    let took = t.elapsed();
    assert_eq!(
        [lost.accepts(), s.others[0].accepts(), s.others[1].accepts()],
        [2, 2, 2]
    );
    // Three passes, so three waits: at least 3 × the wait; and not one
    // per attempt (6 ×), with a wide margin for a loaded machine.
    assert!(took >= Duration::from_millis(3 * wait_ms as u64), "took {took:?}");
    assert!(took < Duration::from_millis(6 * wait_ms as u64 + 1500), "took {took:?}");
    s.nc.close();
}

#[test]
fn auth_handlers_run_on_the_reconnect_thread_not_the_reader() {
    let mut srv = Server::start("authorization { token: \"tok\" }\n");
    let threads: Arc<Mutex<Vec<String>>> = Arc::default();
    let t = threads.clone();
    let reconnected = Arc::new(AtomicUsize::new(0));
    let r = reconnected.clone();
    let mut o = Options {
        url: Some(srv.url()),
        reconnect_wait_ms: 50,
        max_reconnect: -1,
        reconnected_cb: Some(Arc::new(move |_| {
            r.fetch_add(1, Ordering::SeqCst);
        })),
        ..Options::default()
    };
    o.auth
        .set_token_handler(Some(Arc::new(move || {
            t.lock()
                .unwrap()
                .push(std::thread::current().name().unwrap_or("").to_string());
            Some("tok".to_string())
        })))
        .unwrap();
    let nc = Connection::connect(o).expect("connect");
    srv.restart();
    assert!(
        wait_for(LONG, || reconnected.load(Ordering::SeqCst) == 1),
        "never reconnected"
    );
    nc.flush_timeout(5000).expect("flush after reconnect");
    let threads = threads.lock().unwrap().clone();
    // The first call is the initial connect, on the caller's thread.
    assert!(threads.len() >= 2, "{threads:?}");
    for name in &threads[1..] {
        assert_eq!(name, "nats-reconnect", "{threads:?}");
    }
    nc.close();
}

#[test]
fn three_real_servers_all_killed() {
    let mut servers: Vec<Server> = (0..3).map(|_| Server::start_default()).collect();
    let calls: Calls = Arc::default();
    let c = calls.clone();
    let closed = Arc::new(AtomicBool::new(false));
    let cl = closed.clone();
    let o = Options {
        servers: servers.iter().map(|s| s.url()).collect(),
        no_randomize: true,
        max_reconnect: 2,
        custom_reconnect_delay: Some(Arc::new(move |_, pass| {
            let name = std::thread::current().name().unwrap_or("").to_string();
            c.lock().unwrap().push((pass, name));
            10
        })),
        closed_cb: Some(Arc::new(move |_| cl.store(true, Ordering::SeqCst))),
        ..Options::default()
    };
    let nc = Connection::connect(o).expect("connect");
    assert!(nc
        .connected_url()
        .unwrap()
        .ends_with(&format!(":{}", servers[0].port())));
    // The two others first, so that the client cannot fail over to them.
    servers[1].kill();
    servers[2].kill();
    servers[0].kill();
    assert!(wait_for(LONG, || closed.load(Ordering::SeqCst)), "never closed");
    assert_eq!(nc.last_error().map(|e| e.status), Some(NATS_NO_SERVER));
    // 3 servers × 2 attempts, in 3 passes: one call per pass.
    let calls = calls.lock().unwrap().clone();
    assert_eq!(
        calls.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
        vec![1, 2, 3],
        "{calls:?}"
    );
    assert!(calls.iter().all(|(_, t)| t == "nats-reconnect"), "{calls:?}");
    assert_eq!(nc.stats().reconnects, 0, "no TCP connection was made");
}

//! Engine fast paths: direct writes from the publishing thread (send-asap
//! and lone writes) keep order and stay bounded; received messages built
//! in recycled boxes keep their content.

mod common;

use common::server::Server;
use common::wait_for;
use nats::conn::Connection;
use nats::options::Options;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(20);

/// The tests of this file run one at a time (one counts threads).
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn opts(url: &str, send_asap: bool) -> Options {
    Options {
        url: Some(url.into()),
        send_asap,
        ..Options::default()
    }
}

/// Several threads publish numbered messages on one connection; each
/// thread's messages must arrive complete and in order.
fn order_kept(send_asap: bool) {
    let srv = Server::start_default();
    let sub_nc = Connection::connect(opts(&srv.url(), false)).unwrap();
    let sub = sub_nc.subscribe(b"seq.>", None, None, 0).unwrap();
    sub.set_pending_limits(-1, -1).unwrap();
    sub_nc.flush_timeout(5000).unwrap();
    let nc = Connection::connect(opts(&srv.url(), send_asap)).unwrap();
    const THREADS: usize = 4;
    const N: usize = 2000;
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let nc = nc.clone();
            std::thread::spawn(move || {
                let subj = format!("seq.{t}");
                for i in 0..N {
                    // Vary the size so that some messages are inline and
                    // some are not.
                    let mut data = i.to_string().into_bytes();
                    if i % 7 == 0 {
                        data.resize(300, b'.');
                    }
                    nc.publish(subj.as_bytes(), None, None, &data).unwrap();
                    if i % 500 == 0 {
                        // A lone write now and then (the flusher is idle).
                        std::thread::sleep(Duration::from_millis(2));
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    nc.flush_timeout(10_000).unwrap();
    let mut next = [0usize; THREADS];
    for _ in 0..THREADS * N {
        let m = sub.next_msg(10_000).unwrap();
        let t: usize = std::str::from_utf8(&m.subject()[4..]).unwrap().parse().unwrap();
        let d = m.data();
        let digits = d.iter().take_while(|b| b.is_ascii_digit()).count();
        let i: usize = std::str::from_utf8(&d[..digits]).unwrap().parse().unwrap();
        assert_eq!(i, next[t], "thread {t}: out of order");
        assert_eq!(d.len(), if i.is_multiple_of(7) { 300 } else { digits });
        assert_eq!(m.data_with_nul().last(), Some(&0));
        next[t] += 1;
    }
    assert!(next.iter().all(|&n| n == N));
    nc.close();
    sub_nc.close();
}

#[test]
fn publish_order_is_kept_with_default_options() {
    let _serial = serial();
    order_kept(false);
}

#[test]
fn publish_order_is_kept_with_send_asap() {
    let _serial = serial();
    order_kept(true);
}

#[test]
fn send_asap_request_reply() {
    let _serial = serial();
    let srv = Server::start_default();
    let resp = Connection::connect(opts(&srv.url(), true)).unwrap();
    let cb: nats::conn::sub::MsgCallback = Arc::new(|c, _s, m| {
        if let Some(m) = m {
            if let Some(r) = m.reply() {
                let _ = c.publish(r, None, None, m.data());
            }
        }
    });
    let _s = resp.subscribe(b"echo", None, Some(cb), 0).unwrap();
    resp.flush_timeout(5000).unwrap();
    let nc = Connection::connect(opts(&srv.url(), true)).unwrap();
    for i in 0..200 {
        let data = format!("req {i}");
        let r = nc.request(b"echo", None, data.as_bytes(), 5000).unwrap();
        assert_eq!(r.data(), data.as_bytes());
    }
    nc.close();
    resp.close();
}

/// A server that answers the handshake, then never reads again.
fn silent_server() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("nats://127.0.0.1:{}", l.local_addr().unwrap().port());
    let keep = Arc::new(Mutex::new(Vec::new()));
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { return };
            let _ = s.write_all(b"INFO {\"server_id\":\"S\",\"max_payload\":1048576,\"headers\":true}\r\n");
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            // CONNECT, then PING.
            let _ = r.read_line(&mut line);
            line.clear();
            let _ = r.read_line(&mut line);
            let _ = s.write_all(b"PONG\r\n");
            keep.lock().unwrap().push(s);
        }
    });
    url
}

/// With send-asap a publisher writes itself and may block on a full
/// socket (as in cnats); Close must still be bounded and unblock it.
#[test]
fn send_asap_close_is_bounded_when_the_server_stops_reading() {
    let _serial = serial();
    let url = silent_server();
    let mut o = opts(&url, true);
    o.timeout_ms = 300;
    o.allow_reconnect = false;
    let nc = Connection::connect(o).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let filler = {
        let nc = nc.clone();
        let done = done.clone();
        std::thread::spawn(move || {
            let payload = vec![b'x'; 64 * 1024];
            while nc.publish(b"foo", None, None, &payload).is_ok() {}
            done.store(true, Ordering::SeqCst);
        })
    };
    // Let the socket fill up (the publisher then blocks in its write).
    std::thread::sleep(Duration::from_millis(300));
    nc.close();
    assert!(wait_for(LONG, || done.load(Ordering::SeqCst)));
    filler.join().unwrap();
    assert!(nc.is_closed());
}

/// Default options: a publish never blocks the caller on a full socket
/// (the flusher writes; publishers buffer up to the high-water mark).
#[test]
fn default_publish_does_not_block_on_a_full_socket() {
    let _serial = serial();
    let url = silent_server();
    let mut o = opts(&url, false);
    o.timeout_ms = 300;
    o.allow_reconnect = false;
    let nc = Connection::connect(o).unwrap();
    let payload = vec![b'x'; 64 * 1024];
    let nc2 = nc.clone();
    let filler = std::thread::spawn(move || while nc2.publish(b"foo", None, None, &payload).is_ok() {});
    // The publisher keeps buffering past what the socket takes.
    assert!(wait_for(LONG, || nc.buffered() > 1024 * 1024));
    nc.close();
    filler.join().unwrap();
}

/// Idle async subscriptions cost no thread: the delivery thread starts
/// with the first message; an idle one still completes on unsubscribe.
#[test]
fn idle_async_subscriptions_have_no_thread() {
    let _serial = serial();
    let srv = Server::start_default();
    let nc = Connection::connect(opts(&srv.url(), false)).unwrap();
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    let cb: nats::conn::sub::MsgCallback = Arc::new(move |_c, _s, m| {
        if let Some(m) = m {
            g.lock().unwrap().push(m.data().to_vec());
        }
    });
    let before = nats::runtime::thread_count();
    let subs: Vec<_> = (0..10)
        .map(|i| {
            nc.subscribe(format!("idle.{i}").as_bytes(), None, Some(cb.clone()), 0)
                .unwrap()
        })
        .collect();
    nc.flush_timeout(5000).unwrap();
    // Without lazy threads there would be 10 more (threads of earlier
    // tests may still be ending, so the count may also go down).
    assert!(
        nats::runtime::thread_count() < before + 10,
        "idle subscriptions started threads"
    );
    let completed = Arc::new(AtomicBool::new(false));
    let c = completed.clone();
    subs[9]
        .set_on_complete(Some(Box::new(move || c.store(true, Ordering::SeqCst))))
        .unwrap();
    nc.unsubscribe(&subs[9], 0).unwrap();
    assert!(
        wait_for(LONG, || completed.load(Ordering::SeqCst)),
        "on-complete of an idle subscription"
    );
    for i in 0..3 {
        nc.publish(b"idle.0", None, None, format!("m{i}").as_bytes()).unwrap();
    }
    assert!(wait_for(LONG, || got.lock().unwrap().len() == 3));
    assert_eq!(
        *got.lock().unwrap(),
        vec![b"m0".to_vec(), b"m1".to_vec(), b"m2".to_vec()]
    );
    nc.close();
}

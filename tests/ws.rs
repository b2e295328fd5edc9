//! The WebSocket transport (`ws://`, `wss://`) through the real engine:
//! against `nats-server` WebSocket listeners (plain and TLS, every auth
//! method, restart, a 3-node cluster with fail-over), and against tiny
//! fake servers that close with a close frame or misbehave.

mod common;
#[path = "common/jwt.rs"]
mod jwt;

use common::server::{free_port, wait_listening, websocket_block, Server};
use common::wait_for;
use nats::conn::Connection;
use nats::natsStatus::*;
use nats::options::Options;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const LONG: Duration = Duration::from_secs(20);

fn opts(url: &str) -> Options {
    Options {
        url: Some(url.to_string().into()),
        timeout_ms: 5_000,
        ..Options::default()
    }
}

/// A server with a plain WebSocket listener; returns it and the ws port.
fn ws_server(extra: &str) -> (Server, u16) {
    let wp = free_port();
    let srv = Server::start(&format!("{extra}\n{}", websocket_block(wp, None)));
    wait_listening(wp);
    (srv, wp)
}

/// Publishes on `pub_nc`, receives on `sub_nc` (subject `s`), with headers.
fn exchange(pub_nc: &Connection, sub_nc: &Connection, s: &str, data: &[u8]) {
    let sub = sub_nc.subscribe(s.as_bytes(), None, None, 0).unwrap();
    sub_nc.flush_timeout(5_000).unwrap();
    let hdr = b"NATS/1.0\r\nX-Ws: yes\r\n\r\n";
    pub_nc.publish(s.as_bytes(), None, Some(hdr), data).unwrap();
    pub_nc.flush_timeout(5_000).unwrap();
    let mut m = sub.next_msg(10_000).unwrap();
    assert_eq!(m.data().len(), data.len());
    assert!(m.data() == data, "payload differs");
    let h = m.headers().unwrap().expect("headers");
    assert_eq!(h.get(b"X-Ws").unwrap().as_bytes(), b"yes");
    sub_nc.unsubscribe(&sub, 0).unwrap();
}

#[test]
fn pub_sub_request_headers_and_a_1mib_payload_over_ws() {
    let (srv, wp) = ws_server("max_payload: 4MB");
    let ws = Connection::connect(opts(&format!("ws://127.0.0.1:{wp}"))).expect("ws connect");
    let tcp = Connection::connect(opts(&srv.url())).unwrap();
    assert!(ws.connected_url().unwrap().expose().starts_with("ws://127.0.0.1:"));
    assert_eq!(ws.max_payload(), 4 * 1024 * 1024);
    // Both directions, small and 1 MiB (many frames each way).
    let big: Vec<u8> = (0..1024 * 1024u32).map(|i| (i * 31 % 251) as u8).collect();
    for data in [&b"hello"[..], &big[..]] {
        exchange(&ws, &tcp, "to.tcp", data);
        exchange(&tcp, &ws, "to.ws", data);
        exchange(&ws, &ws, "ws.self", data);
    }
    // Request/reply: a TCP responder answers the ws requester.
    let tcp2 = tcp.clone();
    let cb: nats::conn::sub::MsgCallback = Arc::new(move |_, _, m: Option<Box<nats::msg::Msg>>| {
        let Some(m) = m else { return };
        let reply = m.reply().unwrap().to_vec();
        let mut answer = b"re:".to_vec();
        answer.extend_from_slice(m.data());
        tcp2.publish(&reply, None, None, &answer).unwrap();
    });
    let _svc = tcp.subscribe(b"svc", None, Some(cb), 0).unwrap();
    tcp.flush_timeout(5_000).unwrap();
    for i in 0..20 {
        let r = ws.request(b"svc", None, format!("q{i}").as_bytes(), 5_000).unwrap();
        assert_eq!(r.data(), format!("re:q{i}").as_bytes());
    }
    // A payload over max_payload is refused locally, as over TCP.
    let too_big = vec![0u8; 4 * 1024 * 1024 + 1];
    assert_eq!(
        ws.publish(b"x", None, None, &too_big).unwrap_err().status,
        NATS_MAX_PAYLOAD
    );
    ws.close();
    tcp.close();
}

#[test]
fn url_forms_path_servers_list_and_default_port() {
    let (_srv, wp) = ws_server("");
    // A path is sent in the upgrade request (nats-server ignores it).
    let nc = Connection::connect(opts(&format!("ws://127.0.0.1:{wp}/some/path"))).unwrap();
    nc.flush_timeout(5_000).unwrap();
    nc.close();
    // In a server list, with a dead first entry.
    let dead = free_port();
    let o = Options {
        servers: vec![
            format!("ws://127.0.0.1:{dead}").into(),
            format!("WS://127.0.0.1:{wp}").into(),
        ],
        no_randomize: true,
        timeout_ms: 5_000,
        ..Options::default()
    };
    let nc = Connection::connect(o).unwrap();
    assert!(nc.connected_url().unwrap().expose().contains(&format!(":{wp}")));
    nc.close();
}

#[test]
fn reconnect_after_the_server_restarts() {
    let (mut srv, wp) = ws_server("");
    let reconnected = Arc::new(AtomicUsize::new(0));
    let r = reconnected.clone();
    let o = Options {
        reconnect_wait_ms: 50,
        max_reconnect: -1,
        reconnected_cb: Some(Arc::new(move |_| {
            r.fetch_add(1, Ordering::SeqCst);
        })),
        ..opts(&format!("ws://127.0.0.1:{wp}"))
    };
    let nc = Connection::connect(o).unwrap();
    let sub = nc.subscribe(b"after", None, None, 0).unwrap();
    nc.flush_timeout(5_000).unwrap();
    srv.restart();
    wait_listening(wp);
    assert!(
        wait_for(LONG, || reconnected.load(Ordering::SeqCst) == 1),
        "no reconnect"
    );
    // The subscription was re-sent over the new WebSocket.
    nc.publish(b"after", None, None, b"again").unwrap();
    assert_eq!(sub.next_msg(10_000).unwrap().data(), b"again");
    nc.close();
}

#[test]
fn three_node_cluster_fail_over_by_kill() {
    let names = ["A", "B", "C"];
    let routes: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let wps: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let route_list = routes
        .iter()
        .map(|p| format!("\"nats://127.0.0.1:{p}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let mut servers: Vec<Server> = (0..3)
        .map(|i| {
            Server::start(&format!(
                "server_name: {}\ncluster {{ name: wsc, listen: \"127.0.0.1:{}\", routes: [{route_list}] }}\n{}",
                names[i],
                routes[i],
                websocket_block(wps[i], None)
            ))
        })
        .collect();
    for p in &wps {
        wait_listening(*p);
    }
    let reconnected = Arc::new(AtomicUsize::new(0));
    let r = reconnected.clone();
    let o = Options {
        reconnect_wait_ms: 50,
        reconnected_cb: Some(Arc::new(move |_| {
            r.fetch_add(1, Ordering::SeqCst);
        })),
        ..opts(&format!("ws://127.0.0.1:{}", wps[0]))
    };
    let nc = Connection::connect(o).unwrap();
    // The pool learns the other nodes' WebSocket listeners (ws://).
    assert!(
        wait_for(LONG, || nc.servers(true).len() == 2),
        "discovered: {:?}",
        nc.servers(false)
    );
    let mut found = nc.servers(true);
    found.sort();
    let mut want: Vec<String> = wps[1..].iter().map(|p| format!("ws://127.0.0.1:{p}")).collect();
    want.sort();
    assert_eq!(found, want);
    let sub = nc.subscribe(b"fo", None, None, 0).unwrap();
    nc.flush_timeout(5_000).unwrap();
    servers[0].kill();
    assert!(
        wait_for(LONG, || reconnected.load(Ordering::SeqCst) == 1),
        "no fail-over"
    );
    let url = nc.connected_url().unwrap().expose().to_string();
    assert!(
        url.starts_with("ws://") && !url.ends_with(&format!(":{}", wps[0])),
        "{url}"
    );
    // A message from a client on a surviving node reaches us.
    let other = Connection::connect(opts(&servers[2].url())).unwrap();
    assert!(wait_for(LONG, || {
        other.publish(b"fo", None, None, b"over").unwrap();
        other.flush_timeout(5_000).unwrap();
        sub.next_msg(200).is_ok()
    }));
    other.close();
    nc.close();
}

// ---------- wss:// and authentication ----------

struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    /// A CA and a server certificate for 127.0.0.1/localhost, generated now.
    fn new() -> Pki {
        let ca_key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name.push(DnType::CommonName, "ws test CA");
        let ca = p.self_signed(&ca_key).unwrap();
        let key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap()
            .signed_by(&key, &ca, &ca_key)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.path().join("cert.pem"), leaf.pem()).unwrap();
        std::fs::write(dir.path().join("key.pem"), key.serialize_pem()).unwrap();
        Pki { dir }
    }
    fn p(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }
}

/// How a client sets up its credentials.
type ClientAuth = Box<dyn Fn(&mut Options, &Pki)>;

/// One auth method: the server's config and how the client authenticates.
struct Auth {
    name: &'static str,
    server: String,
    client: ClientAuth,
    /// Credentials in the URL (`user:pass@`), if any.
    url_user: &'static str,
}

fn auth_methods(pki: &Pki) -> Vec<Auth> {
    let nk = nkeys::KeyPair::new_user();
    let nk_pub = nk.public_key();
    let seed_file = pki.p("user.nk");
    std::fs::write(&seed_file, nk.seed().unwrap()).unwrap();
    let chain = jwt::Chain::new(None);
    let creds_file = pki.p("user.creds");
    std::fs::write(&creds_file, chain.creds()).unwrap();
    vec![
        Auth {
            name: "user/password (options)",
            server: "authorization { user: wsuser, password: wspass }".into(),
            client: Box::new(|o, _| o.auth.set_user_info(Some("wsuser"), Some("wspass"))),
            url_user: "",
        },
        Auth {
            name: "user/password (URL)",
            server: "authorization { user: wsuser, password: wspass }".into(),
            client: Box::new(|_, _| {}),
            url_user: "wsuser:wspass@",
        },
        Auth {
            name: "token",
            server: "authorization { token: s3cr3t }".into(),
            client: Box::new(|o, _| o.auth.set_token(Some("s3cr3t")).unwrap()),
            url_user: "",
        },
        Auth {
            name: "nkey",
            server: format!("authorization {{ users: [ {{ nkey: {nk_pub} }} ] }}"),
            client: Box::new(move |o, _| o.auth.set_nkey_from_seed(Some(&nk_pub), Some(&seed_file)).unwrap()),
            url_user: "",
        },
        Auth {
            name: "creds (JWT)",
            server: chain.server_config(),
            client: Box::new(move |o, _| o.auth.set_user_credentials_from_files(Some(&creds_file), None).unwrap()),
            url_user: "",
        },
    ]
}

#[test]
fn every_auth_method_over_ws_and_wss() {
    let pki = Pki::new();
    for a in auth_methods(&pki) {
        for tls in [false, true] {
            let wp = free_port();
            let block = if tls {
                websocket_block(wp, Some((&pki.p("cert.pem"), &pki.p("key.pem"))))
            } else {
                websocket_block(wp, None)
            };
            let _srv = Server::start(&format!("{}\n{block}", a.server));
            wait_listening(wp);
            let scheme = if tls { "wss" } else { "ws" };
            let mut o = opts(&format!("{scheme}://{}127.0.0.1:{wp}", a.url_user));
            if tls {
                o.tls.load_ca_file(&pki.p("ca.pem")).unwrap();
            }
            // Without credentials: refused with the auth status.
            if a.url_user.is_empty() {
                let e = Connection::connect(o.clone())
                    .err()
                    .unwrap_or_else(|| panic!("{}: no auth needed?", a.name));
                assert_eq!(e.status, NATS_CONNECTION_AUTH_FAILED, "{} {scheme}: {e:?}", a.name);
            }
            (a.client)(&mut o, &pki);
            let nc = Connection::connect(o).unwrap_or_else(|e| panic!("{} over {scheme}: {e:?}", a.name));
            exchange(&nc, &nc, "auth.ok", b"payload");
            nc.close();
        }
    }
}

#[test]
fn wss_verifies_the_server_certificate() {
    let pki = Pki::new();
    let wp = free_port();
    let _srv = Server::start(&websocket_block(wp, Some((&pki.p("cert.pem"), &pki.p("key.pem")))));
    wait_listening(wp);
    // Unknown CA: a TLS error with rustls' reason.
    let e = Connection::connect(opts(&format!("wss://127.0.0.1:{wp}")))
        .err()
        .unwrap();
    assert_eq!(e.status, NATS_SSL_ERROR, "{e:?}");
    // Skip verification works (every TLS setter applies to wss).
    let mut o = opts(&format!("wss://127.0.0.1:{wp}"));
    o.tls.skip_verify = true;
    Connection::connect(o).unwrap().close();
    // A plain ws:// URL on the TLS listener fails cleanly.
    let e = Connection::connect(opts(&format!("ws://127.0.0.1:{wp}")))
        .err()
        .unwrap();
    assert_eq!(e.status, NATS_PROTOCOL_ERROR, "{e:?}");
    assert!(e.text.contains("the server answered HTTP 400"), "{e:?}");
}

// ---------- fake servers: close frames and hostile peers ----------

/// Accepts one connection, answers the upgrade with `response` (None =
/// a correct 101), then runs `then` on the socket.
fn fake<F>(response: Option<String>, then: F) -> (u16, std::thread::JoinHandle<()>)
where
    F: FnOnce(&mut TcpStream) + Send + 'static,
{
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let req = read_until(&mut s, b"\r\n\r\n");
        let req = String::from_utf8_lossy(&req).to_string();
        assert!(!req.to_ascii_lowercase().contains("sec-websocket-extensions"), "{req}");
        let key = req
            .lines()
            .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
            .expect("a key")
            .trim()
            .to_string();
        let resp = response.unwrap_or_else(|| {
            format!(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
                tungstenite::handshake::derive_accept_key(key.as_bytes())
            )
        });
        s.write_all(resp.as_bytes()).unwrap();
        then(&mut s);
    });
    (port, h)
}

/// Connects to a fake server on `port` without reconnecting; the counter
/// counts closed callbacks.
fn connect_to_fake(port: u16) -> (Arc<Connection>, Arc<AtomicUsize>) {
    let closed = Arc::new(AtomicUsize::new(0));
    let c2 = closed.clone();
    let o = Options {
        allow_reconnect: false,
        closed_cb: Some(Arc::new(move |_| {
            c2.fetch_add(1, Ordering::SeqCst);
        })),
        ..opts(&format!("ws://127.0.0.1:{port}"))
    };
    (Connection::connect(o).expect("connect to the fake"), closed)
}

fn read_until(s: &mut TcpStream, end: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    let mut b = [0u8; 1];
    while !v.ends_with(end) {
        match s.read(&mut b) {
            Ok(1) => v.push(b[0]),
            _ => break,
        }
    }
    v
}

/// A server (unmasked) binary frame.
fn frame(first: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![first];
    match payload.len() {
        n if n < 126 => v.push(n as u8),
        n if n <= 0xffff => {
            v.push(126);
            v.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            v.push(127);
            v.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    v.extend_from_slice(payload);
    v
}

const INFO: &[u8] = b"INFO {\"server_id\":\"FAKE\",\"proto\":1,\"headers\":true,\"max_payload\":1048576}\r\n";

/// INFO, then PONG once the client's CONNECT+PING frame arrived.
fn nats_handshake(s: &mut TcpStream) {
    s.write_all(&frame(0x82, INFO)).unwrap();
    let mut got = Vec::new();
    let mut b = [0u8; 4096];
    // Client frames are masked: wait for enough bytes, not for text.
    while got.len() < 40 {
        let n = s.read(&mut b).unwrap();
        assert!(n > 0);
        got.extend_from_slice(&b[..n]);
    }
    s.write_all(&frame(0x82, b"PONG\r\n")).unwrap();
}

#[test]
fn a_close_frame_from_the_server_is_reported() {
    let (port, h) = fake(None, |s| {
        nats_handshake(s);
        std::thread::sleep(Duration::from_millis(200));
        let mut p = 1001u16.to_be_bytes().to_vec();
        p.extend_from_slice(b"Server Shutdown");
        s.write_all(&frame(0x88, &p)).unwrap();
        // The client answers with a close frame (masked: opcode byte 0x88).
        let mut b = [0u8; 2];
        s.read_exact(&mut b).unwrap();
        assert_eq!(b[0], 0x88, "close frame echoed");
    });
    let (nc, closed) = connect_to_fake(port);
    assert!(wait_for(LONG, || closed.load(Ordering::SeqCst) == 1), "not closed");
    let e = nc.last_error().expect("a last error");
    assert!(
        e.text.contains("closed the WebSocket (code 1001: Server Shutdown)"),
        "{e:?}"
    );
    h.join().unwrap();
}

fn ok_101_with(extra: &str) -> String {
    // A 101 whose accept key is wrong unless `extra` says otherwise.
    format!("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{extra}\r\n")
}

#[test]
fn hostile_upgrade_responses_fail_cleanly() {
    let huge = format!("HTTP/1.1 101 OK\r\nX: {}\r\n\r\n", "a".repeat(40_000));
    let cases: Vec<(String, &str)> = vec![
        ("HTTP/1.1 400 Bad Request\r\n\r\n".into(), "HTTP 400"),
        (
            ok_101_with("Sec-WebSocket-Accept: bm9wZQ==\r\n"),
            "Sec-WebSocket-Accept",
        ),
        ("this is not http\r\n\r\n".into(), "malformed HTTP response"),
        (huge, "longer than"),
    ];
    for (resp, text) in cases {
        let (port, h) = fake(Some(resp), |_| {});
        let e = Connection::connect(opts(&format!("ws://127.0.0.1:{port}")))
            .err()
            .unwrap();
        assert_eq!(e.status, NATS_PROTOCOL_ERROR, "{text}: {e:?}");
        assert!(e.text.contains(text), "{text}: {e:?}");
        h.join().unwrap();
    }
    // The server insists on compression we did not offer.
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let req = String::from_utf8_lossy(&read_until(&mut s, b"\r\n\r\n")).to_string();
        let key = req
            .lines()
            .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
            .unwrap()
            .trim()
            .to_string();
        let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
        let r = ok_101_with(&format!(
            "Sec-WebSocket-Accept: {accept}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n"
        ));
        s.write_all(r.as_bytes()).unwrap();
    });
    let e = Connection::connect(opts(&format!("ws://127.0.0.1:{port}")))
        .err()
        .unwrap();
    assert_eq!(e.status, NATS_PROTOCOL_ERROR);
    assert!(e.text.contains("compression is not supported"), "{e:?}");
    h.join().unwrap();
}

#[test]
fn hostile_frames_fail_cleanly_during_the_handshake() {
    let mut masked = vec![0x82u8, 0x80 | 6, 1, 2, 3, 4];
    masked.extend(b"INFO {".iter().enumerate().map(|(i, b)| b ^ [1, 2, 3, 4][i & 3]));
    let mut oversized = vec![0x82u8, 127];
    oversized.extend_from_slice(&u64::MAX.to_be_bytes());
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (masked, "masked frame"),
        (oversized, "out of range"),
        (frame(0x83, b"INFO"), "opcode"),
        (frame(0xc2, INFO), "reserved bits"),
        (frame(0x09, b"x"), "fragmented control"),
        (frame(0x80, INFO), "continuation"),
    ];
    for (bytes, text) in cases {
        let (port, h) = fake(None, move |s| {
            s.write_all(&bytes).unwrap();
            let _ = read_until(s, b"never");
        });
        let e = Connection::connect(opts(&format!("ws://127.0.0.1:{port}")))
            .err()
            .unwrap();
        assert_eq!(e.status, NATS_PROTOCOL_ERROR, "{text}: {e:?}");
        assert!(e.text.contains(text), "{text}: {e:?}");
        h.join().unwrap();
    }
}

#[test]
fn an_endless_frame_of_garbage_is_a_protocol_error_not_a_memory_leak() {
    // A frame announcing 2^62 bytes, then megabytes of bytes that are
    // never a NATS operation: the parser's line bound ends it.
    let (port, h) = fake(None, |s| {
        let mut head = vec![0x82u8, 127];
        head.extend_from_slice(&(1u64 << 62).to_be_bytes());
        s.write_all(&head).unwrap();
        let junk = vec![b'A'; 64 * 1024];
        for _ in 0..256 {
            if s.write_all(&junk).is_err() {
                return;
            }
        }
    });
    let e = Connection::connect(opts(&format!("ws://127.0.0.1:{port}")))
        .err()
        .unwrap();
    assert_eq!(e.status, NATS_LINE_TOO_LONG, "{e:?}");
    h.join().unwrap();
}

#[test]
fn hostile_frames_after_connect_close_the_connection_with_a_text() {
    let (port, h) = fake(None, |s| {
        nats_handshake(s);
        std::thread::sleep(Duration::from_millis(100));
        // A ping must be answered; then a masked frame ends it.
        s.write_all(&frame(0x89, b"pp")).unwrap();
        let mut b = [0u8; 8];
        s.read_exact(&mut b).unwrap();
        assert_eq!(b[0], 0x8a, "pong");
        s.write_all(&[0x82, 0x81, 9, 9, 9, 9, 0]).unwrap();
        let _ = read_until(s, b"never");
    });
    let (nc, closed) = connect_to_fake(port);
    assert!(wait_for(LONG, || closed.load(Ordering::SeqCst) == 1));
    let e = nc.last_error().expect("last error");
    assert!(e.text.contains("masked frame"), "{e:?}");
    h.join().unwrap();
}

/// nats-server stopping (SIGTERM) sends a close frame (1001 "Server
/// Shutdown"): it is answered and becomes the connection's last error.
#[test]
fn a_stopping_nats_server_closes_with_a_close_frame() {
    let (mut srv, wp) = ws_server("");
    let o = Options {
        allow_reconnect: false,
        ..opts(&format!("ws://127.0.0.1:{wp}"))
    };
    let nc = Connection::connect(o).unwrap();
    nc.flush_timeout(5_000).unwrap();
    srv.stop();
    assert!(wait_for(LONG, || nc.is_closed()));
    let e = nc.last_error().expect("a last error");
    assert_eq!(e.status, NATS_IO_ERROR, "{e:?}");
    assert!(e.text.contains("the server closed the WebSocket (code 1001"), "{e:?}");
}

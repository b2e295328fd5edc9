//! Interop over WebSocket with a client we did not write: the NATS
//! JavaScript client (npm `@nats-io/nats-core`, `wsconnect`) and rnats on
//! the same nats-server WebSocket listener exchange messages with headers
//! in both directions and a request/reply. The JavaScript side is
//! tests/interop/ws_js/ws_js.cjs; its packages are installed into
//! tests/interop/ws_js/node_modules by `scripts/setup.sh test` (and by
//! this test when missing). The test is skipped, saying so, only when node
//! or npm is not installed.

mod common;

use common::server::{free_port, wait_listening, websocket_block, Server};
use nats::conn::Connection;
use nats::options::Options;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

const COUNT: usize = 50;

fn js_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/ws_js"))
}

/// True when the JavaScript packages are there (installing them if npm
/// exists); false, with a message, when node or npm is missing.
fn js_ready() -> bool {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("SKIPPED: node is not installed (scripts/setup.sh test installs it)");
        return false;
    }
    if js_dir().join("node_modules/@nats-io/nats-core").is_dir() && js_dir().join("node_modules/ws").is_dir() {
        return true;
    }
    match Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(js_dir())
        .output()
    {
        Err(e) => {
            eprintln!("SKIPPED: npm is not available ({e}); scripts/setup.sh test installs it");
            false
        }
        Ok(o) => {
            assert!(
                o.status.success(),
                "npm install in {} failed:\n{}",
                js_dir().display(),
                String::from_utf8_lossy(&o.stderr)
            );
            true
        }
    }
}

#[test]
fn javascript_client_and_rnats_exchange_messages_over_the_same_websocket_listener() {
    if !js_ready() {
        return;
    }
    let wp = free_port();
    let _srv = Server::start(&websocket_block(wp, None));
    wait_listening(wp);
    let url = format!("ws://127.0.0.1:{wp}");
    let nc = Connection::connect(Options {
        url: Some(url.clone().into()),
        timeout_ms: 10_000,
        ..Options::default()
    })
    .expect("rnats over ws");
    let from_js = nc.subscribe(b"interop.to_rust", None, None, 0).unwrap();
    nc.flush_timeout(5_000).unwrap();

    let mut child = Command::new("node")
        .arg(js_dir().join("ws_js.cjs"))
        .args([&url, &COUNT.to_string()])
        .current_dir(js_dir())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run node");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "READY", "JavaScript side did not start");

    // rnats -> JavaScript, with headers.
    for i in 0..COUNT {
        let hdr = b"NATS/1.0\r\nX-From: rnats\r\n\r\n";
        nc.publish(b"interop.to_js", None, Some(hdr), format!("from rnats {i}").as_bytes())
            .unwrap();
    }
    nc.flush_timeout(5_000).unwrap();
    // JavaScript -> rnats, with headers.
    for i in 0..COUNT {
        let mut m = from_js.next_msg(20_000).expect("message from JavaScript");
        assert_eq!(m.data(), format!("from js {i}").as_bytes());
        let h = m.headers().unwrap().expect("headers from JavaScript");
        assert_eq!(h.get(b"X-From").unwrap().as_bytes(), b"javascript");
    }
    // Request/reply: rnats asks, JavaScript answers.
    let r = nc.request(b"interop.svc", None, b"ping", 10_000).unwrap();
    assert_eq!(r.data(), b"js:ping");
    let bye = nc.request(b"interop.done", None, b"", 10_000).unwrap();
    assert_eq!(bye.data(), b"bye");

    line.clear();
    out.read_line(&mut line).unwrap();
    let st = child.wait().unwrap();
    assert!(st.success(), "JavaScript side exited with {st}");
    let v: Value = serde_json::from_str(&line).expect("JSON from the JavaScript side");
    let got = v["received"].as_array().expect("received list");
    assert_eq!(got.len(), COUNT);
    for (i, m) in got.iter().enumerate() {
        assert_eq!(m["data"], format!("from rnats {i}"));
        assert_eq!(m["hdr"], "rnats");
    }
    nc.close();
}

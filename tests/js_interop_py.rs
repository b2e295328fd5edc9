//! Interoperability with a JetStream client we did not write: nats-py
//! (PyPI `nats-py`, installed by `scripts/setup.sh test`) reads the
//! messages rnats published into a stream (subject, data, headers,
//! sequence), and rnats reads back what nats-py published; a msg id used
//! by rnats is de-duplicated for nats-py's publish. The Python side is
//! tests/interop/js_nats_py.py.

mod common;

use base64::Engine;
use common::server::Server;
use nats::conn::Connection;
use nats::js::publish::PubOptions;
use nats::js::JetStream;
use nats::options::Options;
use nats::proto::headers::Headers;
use serde_json::{json, Value};
use std::process::Command;
use std::sync::Arc;

fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

#[test]
fn nats_py_reads_what_we_publish_and_we_read_what_it_publishes() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("python3 not installed: skipped");
        return;
    }
    let has_nats_py = Command::new("python3")
        .args(["-c", "import nats.js"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        has_nats_py,
        "nats-py is missing: run `bash scripts/setup.sh test` (pip install nats-py)"
    );

    let srv = Server::start_jetstream();
    let o = Options {
        url: Some(srv.url().into()),
        ..Options::default()
    };
    let js = Arc::new(JetStream::new(Connection::connect(o).unwrap(), None).unwrap());
    let co = js.call_opts(None);
    let cfg = json!({"name": "IOP", "subjects": ["iop.>"], "storage": "file"});
    js.api_request::<Value>(&co, "STREAM.CREATE.IOP", cfg.to_string().as_bytes(), &[])
        .unwrap();

    // Ours: a sync publish with a msg id and a header, an async one with
    // binary data, an async one with no data and no header.
    let mut h = Headers::new();
    h.set(b"X-Rust", b"zero").unwrap();
    let po = PubOptions {
        msg_id: Some("rust-0".into()),
        ..Default::default()
    };
    assert_eq!(js.publish(b"iop.rust.0", b"r0", Some(&h), Some(&po)).unwrap().seq, 1);
    let mut h = Headers::new();
    h.set(b"X-Rust", b"one").unwrap();
    js.publish_async(b"iop.rust.1", &[0, 1, 2, 255], Some(&h), None)
        .unwrap();
    js.publish_async(b"iop.rust.2", b"", None, None).unwrap();
    js.publish_async_complete(5_000).unwrap();

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/js_nats_py.py");
    let out = Command::new("python3")
        .args([script, &srv.url(), "IOP"])
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "nats-py side failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("nats-py output is JSON");

    assert_eq!(v["subjects"], json!(["iop.>"]));
    assert_eq!(v["messages"], 3);
    let msgs = v["msgs"].as_array().unwrap();
    assert_eq!(msgs.len(), 3);
    assert_eq!(
        (msgs[0]["seq"].as_u64(), msgs[0]["subject"].as_str()),
        (Some(1), Some("iop.rust.0"))
    );
    assert_eq!(b64(msgs[0]["data"].as_str().unwrap()), b"r0");
    assert_eq!(msgs[0]["headers"]["X-Rust"], "zero");
    assert_eq!(msgs[0]["headers"]["Nats-Msg-Id"], "rust-0");
    assert_eq!(
        (msgs[1]["seq"].as_u64(), msgs[1]["subject"].as_str()),
        (Some(2), Some("iop.rust.1"))
    );
    assert_eq!(b64(msgs[1]["data"].as_str().unwrap()), [0, 1, 2, 255]);
    assert_eq!(msgs[1]["headers"]["X-Rust"], "one");
    assert_eq!(
        (msgs[2]["seq"].as_u64(), msgs[2]["subject"].as_str()),
        (Some(3), Some("iop.rust.2"))
    );
    assert_eq!(b64(msgs[2]["data"].as_str().unwrap()), b"");
    assert_eq!(msgs[2]["headers"], json!({}));

    // nats-py's acks, and the duplicate of our msg id.
    for (i, a) in v["acks"].as_array().unwrap().iter().enumerate() {
        assert_eq!(a, &json!({"stream": "IOP", "seq": 4 + i, "duplicate": false}));
    }
    assert_eq!(v["dup"], json!({"stream": "IOP", "seq": 1, "duplicate": true}));

    // What nats-py published, read by us.
    for i in 0..3u64 {
        let m = js.get_msg("IOP", 4 + i, None).unwrap();
        assert_eq!(m.subject, format!("iop.py.{i}"));
        assert_eq!(m.seq, 4 + i);
        assert_eq!(m.data, format!("from-py-{i}").as_bytes());
        let hdrs = Headers::parse(m.header.as_deref().expect("headers")).unwrap();
        assert_eq!(hdrs.get_bytes(b"X-Py"), Some(i.to_string().as_bytes()));
        assert_eq!(hdrs.get_bytes(b"Nats-Msg-Id"), Some(format!("py-{i}").as_bytes()));
        assert_eq!(hdrs.get_bytes(b"Nats-Expected-Stream"), Some(&b"IOP"[..]));
    }
    // And our sync publish sees nats-py's last message id as expected.
    let po = PubOptions {
        expect_last_msg_id: Some("py-2".into()),
        expect_last_seq: 6,
        ..Default::default()
    };
    assert_eq!(js.publish(b"iop.rust.3", b"last", None, Some(&po)).unwrap().seq, 7);
}

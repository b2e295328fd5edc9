//! Key/Value interoperability with a client we did not write: nats-py
//! (PyPI `nats-py`, installed by `scripts/setup.sh test`) reads the values,
//! revisions, delete markers and history rnats wrote; rnats reads what
//! nats-py wrote (put, update, delete, create) with its history; a nats-py
//! watcher sees rnats' puts and delete. The Python side is
//! `tests/interop/kv_nats_py.py`.

mod common;

use base64::Engine;
use common::server::Server;
use nats::conn::Connection;
use nats::js::{JetStream, StorageType};
use nats::kv::{KvConfig, Operation};
use nats::natsStatus::*;
use nats::options::Options;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

fn b64(s: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[test]
fn nats_py_and_rnats_share_a_bucket_both_ways() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("python3 not installed: skipped");
        return;
    }
    let has_nats_py = Command::new("python3")
        .args(["-c", "import nats.js.kv"])
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
    let js = JetStream::new(Connection::connect(o).unwrap(), None).unwrap();
    let kv = js
        .create_key_value(&KvConfig {
            bucket: "IOPKV".into(),
            history: 5,
            storage: StorageType::File,
            ..Default::default()
        })
        .unwrap();
    let ra1 = kv.put("a", b"one").unwrap();
    let ra2 = kv.update("a", b"two", ra1).unwrap();
    kv.put("gone", b"soon").unwrap();
    kv.delete("gone").unwrap();
    kv.put("bin", &[0, 1, 2, 255]).unwrap();

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/kv_nats_py.py");
    let mut child = Command::new("python3")
        .args([script, &srv.url(), "IOPKV"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run python3");
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().expect("phase 1 output").unwrap()).unwrap();

    // What nats-py read of ours.
    assert_eq!(first["a"], json!({"value": b64(b"two"), "revision": ra2}));
    assert_eq!(first["bin"], json!(b64(&[0, 1, 2, 255])));
    assert_eq!(first["gone"], json!("not found"));
    assert_eq!(
        first["history_a"],
        json!([[b64(b"one"), ra1, null], [b64(b"two"), ra2, null]])
    );
    let hg = first["history_gone"].as_array().unwrap();
    assert_eq!(hg.len(), 2);
    assert_eq!(hg[1][2], json!("DEL"));
    assert_eq!(first["keys"], json!(["a", "bin"]));
    assert_eq!(first["watch_first_is_none"], json!(true));

    // What we read of nats-py's.
    let revs: Vec<u64> = serde_json::from_value(first["py_revs"].clone()).unwrap();
    let e = kv.get("py.k").unwrap();
    assert_eq!((e.value.as_slice(), e.revision), (&b"py2"[..], revs[1]));
    let h = kv.history("py.k", None).unwrap();
    assert_eq!(
        h.iter().map(|e| (e.value.clone(), e.revision)).collect::<Vec<_>>(),
        vec![(b"py1".to_vec(), revs[0]), (b"py2".to_vec(), revs[1])]
    );
    assert_eq!(kv.get("py.del").unwrap_err().status, NATS_NOT_FOUND);
    let h = kv.history("py.del", None).unwrap();
    assert_eq!(h.last().unwrap().operation, Operation::Delete);
    assert_eq!(kv.get("py.new").unwrap().revision, revs[2]);
    assert_eq!(kv.create("py.new", b"x").unwrap_err().js_code, 10071);
    let mut keys = kv.keys(&[], None).unwrap();
    keys.sort();
    assert_eq!(keys, vec!["a", "bin", "py.k", "py.new"]);

    // Its watcher sees our puts and delete.
    let l1 = kv.put("live.1", b"L1").unwrap();
    let l2 = kv.put("live.2", b"L2").unwrap();
    kv.delete("live.1").unwrap();
    writeln!(stdin, "go").unwrap();
    stdin.flush().unwrap();
    let second: Value = serde_json::from_str(&lines.next().expect("phase 2 output").unwrap()).unwrap();
    assert_eq!(
        second["seen"],
        json!([
            ["live.1", b64(b"L1"), l1, null],
            ["live.2", b64(b"L2"), l2, null],
            ["live.1", "", l2 + 1, "DEL"]
        ])
    );
    assert!(child.wait().unwrap().success());
}

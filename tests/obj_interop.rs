//! Object store interoperability with clients we did not write: nats-py
//! (tests/interop/obj_nats_py.py) and the JavaScript @nats-io/obj
//! (tests/interop/obj_js.mjs, installed with npm in a temp dir; skipped
//! with a message when npm cannot reach its registry). Both ways: same
//! digests, names with spaces and unicode, descriptions, headers and
//! metadata, links, deletions.

mod common;

use common::server::Server;
use nats::conn::Connection;
use nats::js::{JetStream, StorageType};
use nats::natsStatus::*;
use nats::obj::{ObjStoreConfig, ObjectMeta, ObjectStore};
use nats::options::Options;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;

fn js_for(srv: &Server) -> Arc<JetStream> {
    let o = Options {
        url: Some(srv.url().into()),
        ..Options::default()
    };
    Arc::new(JetStream::new(Connection::connect(o).unwrap(), None).unwrap())
}

fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| ((i * 7 + 3) % 251) as u8).collect()
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// What we put for the other client to read.
fn seed(os: &ObjectStore) -> BTreeMap<&'static str, Vec<u8>> {
    let mut h = BTreeMap::new();
    h.insert("X-Rust".to_string(), vec!["1".to_string()]);
    let mut md = BTreeMap::new();
    md.insert("made-by".to_string(), "rnats".to_string());
    let meta = ObjectMeta {
        name: "hello world.txt".into(),
        description: Some("a greeting".into()),
        headers: h,
        metadata: md,
        options: None,
    };
    let mut want = BTreeMap::new();
    os.put_reader(&meta, &mut &b"hello, world"[..]).unwrap();
    want.insert("hello world.txt", b"hello, world".to_vec());
    let big: Vec<u8> = (0..400_000u32).map(|i| (i * 31 % 256) as u8).collect();
    os.put_bytes("ünï cødé ✓ big", &big).unwrap();
    want.insert("ünï cødé ✓ big", big);
    os.put_bytes("empty", b"").unwrap();
    want.insert("empty", Vec::new());
    let hello = os.get_info("hello world.txt", false).unwrap();
    os.add_link("link to hello", &hello).unwrap();
    want.insert("link to hello", b"hello, world".to_vec());
    os.put_bytes("gone", b"bye").unwrap();
    os.delete("gone").unwrap();
    os.put_bytes("delete me from py", b"x").unwrap();
    os.put_bytes("delete me from js", b"y").unwrap();
    os.put_bytes("rename me", b"r").unwrap();
    want
}

#[test]
fn nats_py_reads_our_objects_and_we_read_its_objects() {
    let has = Command::new("python3")
        .args(["-c", "import nats.js.object_store"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        has,
        "nats-py is missing: run `bash scripts/setup.sh test` (pip install nats-py)"
    );
    let srv = Server::start_jetstream();
    let js = js_for(&srv);
    let os = js
        .create_object_store(&ObjStoreConfig {
            bucket: "iop".into(),
            storage: StorageType::Memory,
            ..Default::default()
        })
        .unwrap();
    let want = seed(&os);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/obj_nats_py.py");
    let out = Command::new("python3")
        .args([script, &srv.url(), "iop"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "nats-py side failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for (name, data) in &want {
        let o = &v["objects"][name];
        assert_eq!(o["sha256"], hex(&Sha256::digest(data)), "{name}");
        assert_eq!(o["len"], data.len(), "{name}");
        assert_eq!(o["size"], data.len(), "{name}");
    }
    let hello = os.get_info("hello world.txt", false).unwrap();
    assert_eq!(v["objects"]["hello world.txt"]["digest"], hello.digest.as_str());
    assert_eq!(v["objects"]["hello world.txt"]["description"], "a greeting");
    assert_eq!(v["objects"]["hello world.txt"]["headers"]["X-Rust"][0], "1");
    assert_eq!(v["objects"]["ünï cødé ✓ big"]["chunks"], 4);
    assert_eq!(v["objects"]["link to hello"]["is_link"], true);
    assert_eq!(v["gone"], "ObjectNotFoundError");
    let names: Vec<&str> = v["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![
            "delete me from js",
            "delete me from py",
            "empty",
            "hello world.txt",
            "link to hello",
            "rename me",
            "ünï cødé ✓ big"
        ]
    );

    // What nats-py wrote.
    let data = os.get_bytes("from py ✓ big").unwrap();
    assert!(data == pattern(300_000));
    let i = os.get_info("from py ✓ big", false).unwrap();
    assert_eq!(i.meta.description.as_deref(), Some("py made"));
    assert_eq!(i.meta.headers.get("X-Py"), Some(&vec!["yes".to_string()]));
    assert_eq!(i.chunks, 3);
    assert_eq!(os.get_bytes("from py empty").unwrap(), b"");
    assert_eq!(os.get_bytes("delete me from py").unwrap_err().status, NATS_NOT_FOUND);
    assert!(os.get_info("delete me from py", true).unwrap().deleted);
}

/// Installs @nats-io/obj into `dir`; `None` (with the reason) when node
/// or npm is missing or npm cannot reach its registry.
fn npm_install(dir: &std::path::Path) -> Option<()> {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("SKIPPED: node is not installed");
        return None;
    }
    let out = Command::new("timeout")
        .args(["300", "npm", "install", "--no-audit", "--no-fund", "--prefix"])
        .arg(dir)
        .args(["@nats-io/obj", "@nats-io/transport-node"])
        .output();
    match out {
        Ok(o) if o.status.success() => Some(()),
        Ok(o) => {
            eprintln!(
                "SKIPPED: npm could not install @nats-io/obj (registry unreachable?):\n{}",
                String::from_utf8_lossy(&o.stderr)
            );
            None
        }
        Err(e) => {
            eprintln!("SKIPPED: npm is not available: {e}");
            None
        }
    }
}

#[test]
fn javascript_obj_reads_our_objects_and_we_read_its_objects() {
    let dir = tempfile::tempdir().unwrap();
    if npm_install(dir.path()).is_none() {
        return;
    }
    let script = dir.path().join("obj_js.cjs");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/obj_js.cjs"),
        &script,
    )
    .unwrap();
    let srv = Server::start_jetstream();
    let js = js_for(&srv);
    let os = js
        .create_object_store(&ObjStoreConfig {
            bucket: "jsiop".into(),
            storage: StorageType::Memory,
            ..Default::default()
        })
        .unwrap();
    let want = seed(&os);
    let out = Command::new("node")
        .arg(&script)
        .args([&srv.url(), "jsiop"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "JavaScript side failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    // @nats-io/obj 3.4.0 encodes a name with btoa() of the JavaScript
    // string, not of its UTF-8 bytes: names beyond Latin-1 throw, Latin-1
    // ones get another subject than other clients use. Only ASCII names
    // (with spaces) are read by name on that side.
    for (name, data) in want.iter().filter(|(n, _)| n.is_ascii()) {
        let o = &v["objects"][name];
        assert_eq!(o["sha256"], hex(&Sha256::digest(data)), "{name}");
        assert_eq!(o["len"], data.len(), "{name}");
    }
    let hello = os.get_info("hello world.txt", false).unwrap();
    let o = &v["objects"]["hello world.txt"];
    assert_eq!(o["digest"], hello.digest.as_str());
    assert_eq!(o["size"], 12);
    assert_eq!(o["description"], "a greeting");
    assert_eq!(o["metadata"]["made-by"], "rnats");
    assert_eq!(v["objects"]["link to hello"]["link"]["bucket"], "jsiop");
    assert_eq!(v["objects"]["link to hello"]["link"]["name"], "hello world.txt");
    assert_eq!(v["gone"], "null");
    assert_eq!(v["has_unicode"], true);
    assert_eq!(v["list"].as_array().unwrap().len(), 7);

    // What the JavaScript client wrote.
    let data = os.get_bytes("from js big").unwrap();
    assert!(data == pattern(300_000));
    let i = os.get_info("from js big", false).unwrap();
    assert_eq!(v["put_digest"], i.digest.as_str());
    assert_eq!(i.digest, nats::obj::digest_string(&Sha256::digest(&data)));
    assert_eq!(i.meta.description.as_deref(), Some("js made"));
    assert_eq!(i.meta.metadata.get("made-by").map(String::as_str), Some("js"));
    assert_eq!(os.get_bytes("from js empty").unwrap(), b"");
    assert!(os.get_bytes("js link to big").unwrap() == data);
    assert_eq!(os.get_bytes("renamed by js").unwrap(), b"r");
    assert_eq!(os.get_info("rename me", true).unwrap_err().status, NATS_NOT_FOUND);
    assert_eq!(os.get_bytes("delete me from js").unwrap_err().status, NATS_NOT_FOUND);
    assert!(os.get_info("delete me from js", true).unwrap().deleted);
}

//! Object store (ADR-20) against real servers: sizes around the chunk
//! boundary, a 50 MiB object compared byte by byte, digest verification
//! on get (a chunk altered on the server is detected), meta updates,
//! links, deletes, list, watch, seal and status, and the layout on the
//! server (stream, subjects, meta JSON) other clients rely on.

mod common;

use common::server::Server;
use nats::conn::Connection;
use nats::js::{JetStream, StorageType};
use nats::natsStatus::*;
use nats::obj::{self, ObjStoreConfig, ObjectMeta, ObjectMetaOptions, ObjectStore, WatchOptions};
use nats::options::Options;
use rand::RngCore;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

fn js_for(srv: &Server) -> Arc<JetStream> {
    let o = Options {
        url: Some(srv.url().into()),
        ..Options::default()
    };
    Arc::new(JetStream::new(Connection::connect(o).unwrap(), None).unwrap())
}

fn bucket(js: &Arc<JetStream>, name: &str) -> ObjectStore {
    js.create_object_store(&ObjStoreConfig {
        bucket: name.into(),
        storage: StorageType::Memory,
        ..Default::default()
    })
    .unwrap()
}

fn random(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut v);
    v
}

#[test]
fn sizes_around_the_chunk_boundary_round_trip_with_digest() {
    let srv = Server::start_jetstream();
    let js = js_for(&srv);
    let os = bucket(&js, "sizes");
    let cs = obj::DEFAULT_CHUNK_SIZE as usize;
    for (n, chunks) in [(0usize, 0u32), (1, 1), (cs, 1), (cs + 1, 2), (3 * cs - 7, 3)] {
        let data = random(n);
        let name = format!("obj {n}");
        let info = os.put_bytes(&name, &data).unwrap();
        assert_eq!(info.size, n as u64);
        assert_eq!(info.chunks, chunks, "chunks of {n}");
        assert_eq!(info.bucket, "sizes");
        use sha2::Digest;
        assert_eq!(info.digest, obj::digest_string(&sha2::Sha256::digest(&data)));
        assert!(info.mtime > 0);
        let back = os.get_bytes(&name).unwrap();
        assert!(back == data, "content of {n} bytes differs");
        // Chunk by chunk, and through Read with a small buffer.
        let mut r = os.get(&name).unwrap();
        let mut via_read = Vec::new();
        let mut small = [0u8; 1000];
        loop {
            let k = r.read(&mut small).unwrap();
            if k == 0 {
                break;
            }
            via_read.extend_from_slice(&small[..k]);
        }
        assert!(via_read == data);
    }
    // Custom chunk size.
    let meta = ObjectMeta {
        name: "small chunks".into(),
        options: Some(ObjectMetaOptions {
            link: None,
            max_chunk_size: 1000,
        }),
        ..Default::default()
    };
    let data = random(10_500);
    let info = os.put_reader(&meta, &mut &data[..]).unwrap();
    assert_eq!(info.chunks, 11);
    assert_eq!(os.get_bytes("small chunks").unwrap(), data);
}

#[test]
fn fifty_mib_random_object_byte_by_byte() {
    let srv = Server::start_jetstream();
    // No asynchronous error (e.g. a slow consumer) on the way.
    let errs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let e2 = errs.clone();
    let o = Options {
        url: Some(srv.url().into()),
        err_cb: Some(Arc::new(move |_, _, _, _| {
            e2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        })),
        ..Options::default()
    };
    let js = Arc::new(JetStream::new(Connection::connect(o).unwrap(), None).unwrap());
    let os = js
        .create_object_store(&ObjStoreConfig {
            bucket: "big".into(),
            storage: StorageType::File,
            ..Default::default()
        })
        .unwrap();
    let data = random(50 << 20);
    let info = os.put_bytes("big one", &data).unwrap();
    assert_eq!(info.size, 50 << 20);
    assert_eq!(info.chunks, 400);
    let back = os.get_bytes("big one").unwrap();
    assert_eq!(back.len(), data.len());
    let first_diff = back.iter().zip(&data).position(|(a, b)| a != b);
    assert_eq!(first_diff, None);
    assert_eq!(errs.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[test]
fn altered_chunk_is_a_digest_mismatch_not_bad_data() {
    let srv = Server::start_jetstream();
    let js = js_for(&srv);
    let os = bucket(&js, "tamper");
    let data = random(1000);
    let info = os.put_bytes("victim", &data).unwrap();
    let chunk_subj = format!("$O.tamper.C.{}", info.nuid);
    let old = js.get_last_msg("OBJ_tamper", &chunk_subj, None).unwrap();
    js.delete_msg("OBJ_tamper", old.seq, None).unwrap();
    let mut bad = data.clone();
    bad[500] ^= 1;
    js.publish(chunk_subj.as_bytes(), &bad, None, None).unwrap();
    let e = os.get_bytes("victim").unwrap_err();
    assert_eq!(e.status, NATS_MISMATCH, "{}", e.text);
    assert!(e.text.contains("digest"), "{}", e.text);
    // Through Read: the error comes with the last bytes, never an Ok end.
    let mut r = os.get("victim").unwrap();
    let mut out = Vec::new();
    assert!(r.read_to_end(&mut out).is_err());
    // Into a file: the error, and no file left behind.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("victim");
    let e = os.get_file("victim", path.to_str().unwrap()).unwrap_err();
    assert_eq!(e.status, NATS_MISMATCH);
    assert!(!path.exists());
    // A good object through files both ways.
    let src = dir.path().join("src.bin");
    std::fs::write(&src, &data).unwrap();
    let info = os.put_file(src.to_str().unwrap()).unwrap();
    assert_eq!(info.meta.name, src.to_str().unwrap());
    let dst = dir.path().join("dst.bin");
    os.get_file(src.to_str().unwrap(), dst.to_str().unwrap()).unwrap();
    assert_eq!(std::fs::read(&dst).unwrap(), data);
}

#[test]
fn server_layout_is_adr20() {
    let srv = Server::start_jetstream();
    let js = js_for(&srv);
    let os = bucket(&js, "lay");
    os.put_bytes("a b/ü", b"hello").unwrap();
    let si = js.stream_info("OBJ_lay", None).unwrap();
    assert_eq!(si.config.subjects, vec!["$O.lay.C.>", "$O.lay.M.>"]);
    assert!(si.config.allow_rollup && si.config.allow_direct);
    let m = js
        .get_last_msg("OBJ_lay", &format!("$O.lay.M.{}", obj::encode_name("a b/ü")), None)
        .unwrap();
    let h = String::from_utf8_lossy(m.header.as_deref().unwrap()).to_string();
    assert!(h.contains("Nats-Rollup: sub"), "{h}");
    let v: Value = serde_json::from_slice(&m.data).unwrap();
    assert_eq!(v["name"], "a b/ü");
    assert_eq!(v["bucket"], "lay");
    assert_eq!(v["size"], 5);
    assert_eq!(v["chunks"], 1);
    assert_eq!(v["digest"], "SHA-256=LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=");
    assert_eq!(v["options"]["max_chunk_size"], 131072);
    assert!(v["mtime"].is_string());
}

#[test]
fn replace_meta_update_rename_delete_links_list_watch_seal_status() {
    let srv = Server::start_jetstream();
    let js = js_for(&srv);
    let os = bucket(&js, "meta");
    let other = bucket(&js, "other");

    // Replacing an object purges the old chunks.
    let first = os.put_bytes("doc", &random(300_000)).unwrap();
    let second = os.put_bytes("doc", b"v2").unwrap();
    assert_ne!(first.nuid, second.nuid);
    let si = js.stream_info("OBJ_meta", None).unwrap();
    assert_eq!(si.state.msgs, 2, "one chunk + one meta after replace");

    // Meta update: description, headers, metadata, then a rename.
    let mut headers = BTreeMap::new();
    headers.insert("X-Kind".to_string(), vec!["text".to_string()]);
    let mut md = BTreeMap::new();
    md.insert("owner".to_string(), "me".to_string());
    let meta = ObjectMeta {
        name: "doc".into(),
        description: Some("the doc".into()),
        headers: headers.clone(),
        metadata: md.clone(),
        options: None,
    };
    os.update_meta("doc", &meta).unwrap();
    let i = os.get_info("doc", false).unwrap();
    assert_eq!(i.meta.description.as_deref(), Some("the doc"));
    assert_eq!(i.meta.headers, headers);
    assert_eq!(i.meta.metadata, md);
    assert_eq!(i.nuid, second.nuid);
    let renamed = ObjectMeta {
        name: "doc 2".into(),
        ..meta.clone()
    };
    os.update_meta("doc", &renamed).unwrap();
    assert_eq!(os.get_info("doc", true).unwrap_err().status, NATS_NOT_FOUND);
    assert_eq!(os.get_bytes("doc 2").unwrap(), b"v2");
    // Renaming onto an existing object is refused.
    os.put_bytes("taken", b"x").unwrap();
    let onto = ObjectMeta {
        name: "taken".into(),
        ..Default::default()
    };
    assert_eq!(os.update_meta("doc 2", &onto).unwrap_err().status, NATS_ERR);
    assert_eq!(os.update_meta("nope", &onto).unwrap_err().status, NATS_NOT_FOUND);

    // Links: to an object in another bucket, and to a bucket.
    let target = other.put_bytes("target", b"linked content").unwrap();
    let l = os.add_link("ln", &target).unwrap();
    assert_eq!(l.link().unwrap().bucket, "other");
    assert_eq!(l.link().unwrap().name.as_deref(), Some("target"));
    assert_eq!(os.get_bytes("ln").unwrap(), b"linked content");
    let bl = os.add_bucket_link("bl", &other).unwrap();
    assert_eq!(bl.link().unwrap().name, None);
    assert_eq!(os.get("bl").err().unwrap().status, NATS_ILLEGAL_STATE);
    assert_eq!(os.add_link("x", &l).unwrap_err().status, NATS_ILLEGAL_STATE);
    assert_eq!(os.add_link("taken", &target).unwrap_err().status, NATS_ERR);

    // Delete: deleted meta kept, chunks purged, invisible unless asked.
    os.delete("taken").unwrap();
    assert_eq!(os.get_bytes("taken").unwrap_err().status, NATS_NOT_FOUND);
    let d = os.get_info("taken", true).unwrap();
    assert!(d.deleted);
    assert_eq!((d.size, d.chunks, d.digest.as_str()), (0, 0, ""));
    let chunk = js.get_last_msg("OBJ_meta", &format!("$O.meta.C.{}", d.nuid), None);
    assert_eq!(chunk.unwrap_err().status, NATS_NOT_FOUND);

    // List.
    let mut names: Vec<String> = os.list(false).unwrap().into_iter().map(|i| i.meta.name).collect();
    names.sort();
    assert_eq!(names, vec!["bl", "doc 2", "ln"]);
    assert_eq!(os.list(true).unwrap().len(), 4);

    // Watch: initial values, the done marker, then live updates.
    let mut w = os.watch(&WatchOptions::default()).unwrap();
    let mut initial = 0;
    while w.next(5000).unwrap().is_some() {
        initial += 1;
    }
    assert_eq!(initial, 4);
    os.put_bytes("new", b"n").unwrap();
    let got = w.next(5000).unwrap().unwrap();
    assert_eq!(got.meta.name, "new");
    os.delete("new").unwrap();
    assert!(w.next(5000).unwrap().unwrap().deleted);
    w.stop();
    // Empty bucket: the marker comes at once.
    let empty = bucket(&js, "empty");
    let mut w = empty.watch(&WatchOptions::default()).unwrap();
    assert!(w.next(1000).unwrap().is_none());
    assert!(empty.list(false).unwrap().is_empty());

    // Status and seal.
    let st = os.status().unwrap();
    assert_eq!(st.bucket, "meta");
    assert!(!st.sealed);
    assert!(st.size > 0);
    os.seal().unwrap();
    assert!(os.status().unwrap().sealed);
    assert_eq!(os.put_bytes("late", b"x").unwrap_err().status, NATS_ILLEGAL_STATE);
    assert_eq!(os.get_bytes("doc 2").unwrap(), b"v2");

    // Bucket management.
    let mut names = js.object_store_names().unwrap();
    names.sort();
    assert_eq!(names, vec!["empty", "meta", "other"]);
    assert_eq!(js.object_store_statuses().unwrap().len(), 3);
    js.delete_object_store("empty").unwrap();
    assert_eq!(js.object_store("empty").err().unwrap().status, NATS_NOT_FOUND);
    assert_eq!(js.object_store("bad.name").err().unwrap().status, NATS_INVALID_ARG);
    assert_eq!(os.put_bytes("", b"x").unwrap_err().status, NATS_INVALID_ARG);
}

/// Peak resident memory (VmHWM) of this process, in bytes.
fn vm_hwm() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = s.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

/// Pseudo-random content generated on the fly (never held in memory).
struct Gen {
    left: u64,
    x: u64,
}

impl Read for Gen {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = (out.len() as u64).min(self.left) as usize;
        for b in &mut out[..n] {
            self.x ^= self.x << 13;
            self.x ^= self.x >> 7;
            self.x ^= self.x << 17;
            *b = self.x as u8;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Counts what a get writes, holding none of it.
struct Sink(u64);

impl std::io::Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0 += b.len() as u64;
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The child side of `put_and_get_stay_in_bounded_memory`: runs only
/// when the parent sets OBJ_RSS_CHILD, prints the peak growth.
#[test]
fn rss_child() {
    let Ok(size) = std::env::var("OBJ_RSS_CHILD") else {
        return;
    };
    let size: u64 = size.parse().unwrap();
    let srv = Server::start_jetstream();
    let js = js_for(&srv);
    let os = js
        .create_object_store(&ObjStoreConfig {
            bucket: "rss".into(),
            storage: StorageType::File,
            ..Default::default()
        })
        .unwrap();
    os.put_bytes("warm", &random(1 << 20)).unwrap();
    os.get_bytes("warm").unwrap();
    let base = vm_hwm();
    let t = std::time::Instant::now();
    let meta = ObjectMeta {
        name: "huge".into(),
        ..Default::default()
    };
    let info = os
        .put_reader(
            &meta,
            &mut Gen {
                left: size,
                x: 88172645463325252,
            },
        )
        .unwrap();
    assert_eq!(info.size, size);
    let put_s = t.elapsed().as_secs_f64();
    let after_put = vm_hwm();
    let t = std::time::Instant::now();
    let mut sink = Sink(0);
    let mut r = os.get("huge").unwrap();
    r.read_all_to(&mut sink).unwrap();
    assert_eq!(sink.0, size);
    let get_s = t.elapsed().as_secs_f64();
    let after_get = vm_hwm();
    println!(
        "RSS-RESULT size={size} base={base} put_growth={} get_growth={} put_s={put_s:.1} get_s={get_s:.1}",
        after_put.saturating_sub(base),
        after_get.saturating_sub(base)
    );
}

/// Bounded memory: a put from a reader and a get into a writer of an
/// object much larger than the bound grow the peak RSS of a fresh test
/// process by at most 64 MiB. 256 MiB here to keep CI time modest
/// (OBJ_RSS_BYTES overrides it, e.g. 1073741824 for the 1 GiB figure).
#[test]
fn put_and_get_stay_in_bounded_memory() {
    if std::env::var("OBJ_RSS_CHILD").is_ok() {
        return;
    }
    let size = std::env::var("OBJ_RSS_BYTES").unwrap_or_else(|_| (256u64 << 20).to_string());
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "rss_child", "--nocapture", "--test-threads=1"])
        .env("OBJ_RSS_CHILD", &size)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    let line = text.lines().find(|l| l.contains("RSS-RESULT")).expect(&text);
    eprintln!("{line}");
    let field = |k: &str| -> u64 {
        line.split_whitespace()
            .find_map(|t| t.strip_prefix(&format!("{k}=")))
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(field("put_growth") <= 64 << 20, "{line}");
    assert!(field("get_growth") <= 64 << 20, "{line}");
}

/// A get that loses its server in the middle (restarted on the same
/// store) resumes where it was: the content and digest come out right,
/// or it fails with a clear error; never wrong data.
#[test]
fn get_interrupted_by_a_server_restart_resumes() {
    let mut srv = Server::start_jetstream();
    let o = Options {
        url: Some(srv.url().into()),
        max_reconnect: -1,
        reconnect_wait_ms: 100,
        ..Options::default()
    };
    let js = Arc::new(JetStream::new(Connection::connect(o).unwrap(), None).unwrap());
    let os = js
        .create_object_store(&ObjStoreConfig {
            bucket: "restart".into(),
            storage: StorageType::File,
            ..Default::default()
        })
        .unwrap();
    let data = random(12 << 20);
    os.put_bytes("obj", &data).unwrap();
    let mut r = os.get("obj").unwrap();
    let mut got = Vec::new();
    for _ in 0..5 {
        got.extend_from_slice(&r.next_chunk().unwrap().unwrap());
    }
    srv.restart();
    let mut rest = Vec::new();
    r.read_all_to(&mut rest).expect("resumed after the restart");
    got.extend_from_slice(&rest);
    assert_eq!(got.len(), data.len());
    assert!(got == data);
    assert!(
        js.conn().stats().reconnects >= 1,
        "the get did live through a reconnect"
    );
}

/// The incremental put (`objStorePut_Add`/`Complete`): pieces of any size
/// make whole chunks; a failed put (bucket over its max bytes) returns
/// the server's error and leaves none of its chunks; a put dropped
/// without completing purges what it published; the per-call get
/// timeout is not fatal.
#[test]
fn incremental_put_failure_cleanup_and_read_timeouts() {
    let srv = Server::start_jetstream();
    let js = js_for(&srv);
    let os = bucket(&js, "inc");
    let data = random(300_001);
    let mut w = os
        .put(&ObjectMeta {
            name: "pieces".into(),
            ..Default::default()
        })
        .unwrap();
    for piece in data.chunks(7777) {
        w.add(piece).unwrap();
    }
    let info = w.complete(5000).unwrap();
    assert_eq!((info.size, info.chunks), (300_001, 3));
    assert_eq!(w.add(b"x").unwrap_err().status, NATS_ILLEGAL_STATE);
    assert_eq!(w.complete(0).unwrap_err().status, NATS_ILLEGAL_STATE);
    let mut r = os.get("pieces").unwrap();
    let mut got = Vec::new();
    while let Some(c) = r.read_chunk(5000).unwrap() {
        got.extend_from_slice(&c);
    }
    assert!(r.is_done());
    assert!(got == data);

    // Dropped before completing: its chunks are purged, no meta.
    let before = js.stream_info("OBJ_inc", None).unwrap().state.msgs;
    let mut w = os
        .put(&ObjectMeta {
            name: "dropped".into(),
            ..Default::default()
        })
        .unwrap();
    w.add(&random(400_000)).unwrap();
    drop(w);
    assert_eq!(js.stream_info("OBJ_inc", None).unwrap().state.msgs, before);
    assert_eq!(os.get_info("dropped", true).unwrap_err().status, NATS_NOT_FOUND);

    // Over the bucket's max bytes: the server's error, nothing left over.
    let small = js
        .create_object_store(&ObjStoreConfig {
            bucket: "small".into(),
            storage: StorageType::Memory,
            max_bytes: 200_000,
            ..Default::default()
        })
        .unwrap();
    let e = small.put_bytes("too big", &random(500_000)).unwrap_err();
    assert!(e.text.contains("maximum bytes"), "{e:?}");
    assert_eq!(js.stream_info("OBJ_small", None).unwrap().state.msgs, 0);
    assert_eq!(small.get_info("too big", true).unwrap_err().status, NATS_NOT_FOUND);

    // A chunk gone from the store: a clear error, not a short object.
    let info = os.put_bytes("lost", &random(1000)).unwrap();
    let chunk = js
        .get_last_msg("OBJ_inc", &format!("$O.inc.C.{}", info.nuid), None)
        .unwrap();
    js.delete_msg("OBJ_inc", chunk.seq, None).unwrap();
    let e = os.get_bytes("lost").unwrap_err();
    assert_eq!(e.status, NATS_NOT_FOUND);
    assert!(e.text.contains("chunk missing"), "{}", e.text);

    // Without direct gets (a stream other clients made): the ordered
    // consumer path; a chunk that never comes is a per-call timeout that
    // leaves the get usable, not declared complete.
    let mut si = js.stream_info("OBJ_inc", None).unwrap();
    si.config.allow_direct = false;
    js.update_stream(&si.config, None).unwrap();
    assert!(os.get_bytes("pieces").unwrap() == data);
    let mut r = os.get("lost").unwrap();
    assert_eq!(r.read_chunk(200).unwrap_err().status, NATS_TIMEOUT);
    assert_eq!(r.read_chunk(200).unwrap_err().status, NATS_TIMEOUT);
    assert!(!r.is_done());
}

/// Watch options: updates only (no initial values, no marker),
/// ignore deletes, and with history every meta revision.
#[test]
fn watch_options() {
    let srv = Server::start_jetstream();
    let js = js_for(&srv);
    let os = bucket(&js, "w");
    os.put_bytes("a", b"1").unwrap();
    os.put_bytes("a", b"2").unwrap();
    os.put_bytes("b", b"1").unwrap();
    os.delete("b").unwrap();

    let names = |w: &mut nats::obj::ObjectWatcher| {
        let mut v = Vec::new();
        while let Some(i) = w.next(5000).unwrap() {
            v.push((i.meta.name, i.deleted, i.size));
        }
        v
    };
    let mut w = os.watch(&WatchOptions::default()).unwrap();
    assert_eq!(names(&mut w), vec![("a".into(), false, 1), ("b".to_string(), true, 0)]);
    let mut w = os
        .watch(&WatchOptions {
            ignore_deletes: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(names(&mut w), vec![("a".to_string(), false, 1)]);
    // With history: the rollup keeps one meta per name, so history shows
    // the latest of each (the store keeps no older metas).
    let mut w = os
        .watch(&WatchOptions {
            include_history: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(names(&mut w).len(), 2);

    let mut w = os
        .watch(&WatchOptions {
            updates_only: true,
            ..Default::default()
        })
        .unwrap();
    // No initial values and no marker (as nats.go): nothing until a put.
    assert_eq!(w.next(300).unwrap_err().status, NATS_TIMEOUT);
    os.put_bytes("c", b"xyz").unwrap();
    let i = w.next(5000).unwrap().unwrap();
    assert_eq!((i.meta.name.as_str(), i.size), ("c", 3));
    w.stop();
}

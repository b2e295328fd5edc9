//! Writes the seed corpora of the fuzz targets, made by our own code:
//! `seeds <dir>` creates `<dir>/<target>/seed-NNN` files.
//!
//! - parser: server streams built with the op encoder of this crate
//!   (INFO, MSG, HMSG with header blocks from `Headers`, PING, PONG, +OK,
//!   -ERR of each kind), plus a few hostile claims (huge sizes);
//! - url: URLs of every form the parser accepts;
//! - creds: `.creds` texts with a fresh user seed and a JWT-shaped line;
//! - info: INFO JSON documents;
//! - headers: header blocks encoded by `Headers`.

use nats::proto::headers::Headers;
use nats::proto::{MsgOp, PlainMsg};

type ServerOp = nats::proto::ServerOp<PlainMsg>;
use rnats_fuzz::encode_op;
use std::path::Path;

fn write(dir: &Path, target: &str, items: &[Vec<u8>]) {
    let d = dir.join(target);
    std::fs::create_dir_all(&d).expect("create corpus dir");
    for (i, it) in items.iter().enumerate() {
        std::fs::write(d.join(format!("seed-{i:03}")), it).expect("write seed");
    }
}

fn headers() -> Vec<Headers> {
    let mut out = Vec::new();
    let mut h = Headers::new();
    h.add(b"Nats-Msg-Id", b"abc").unwrap();
    out.push(h.clone());
    h.add(b"Multi", b"one").unwrap();
    h.add(b"Multi", b"two").unwrap();
    h.set(b"K", b"value with spaces").unwrap();
    out.push(h);
    out.push(Headers::new());
    out
}

fn info_docs() -> Vec<String> {
    vec![
        r#"{"server_id":"NSRV","server_name":"s1","version":"2.15.0","proto":1,"go":"go1.24","host":"127.0.0.1","port":4222,"headers":true,"max_payload":1048576,"client_id":5,"client_ip":"127.0.0.1"}"#.into(),
        r#"{"server_id":"N","auth_required":true,"nonce":"Zm9v","tls_available":true,"connect_urls":["10.0.0.1:4222","[::1]:4223"],"ldm":false}"#.into(),
        r#"{"connect_urls":null,"nonce":null,"max_payload":-1,"xkey":"X","api_lvl":1,"jetstream":true,"connect_info":true}"#.into(),
        r#"{"ldm":true,"unknown":{"nested":[1,2,{"a":"b"}]},"port":65535}"#.into(),
        "{}".into(),
    ]
}

fn parser_seeds() -> Vec<Vec<u8>> {
    let mut streams = Vec::new();
    let mut ops: Vec<ServerOp> = vec![ServerOp::Ping, ServerOp::Pong, ServerOp::Ok];
    for t in [
        "Authorization Violation",
        "Stale Connection",
        "Permissions Violation for Publish to \"x\"",
        "Unknown Protocol Operation",
        "Maximum Payload Violation",
    ] {
        ops.push(ServerOp::Err(t.into()));
    }
    ops.push(ServerOp::Msg(MsgOp::new(b"foo", 1, None, 0, b"hello")));
    ops.push(ServerOp::Msg(MsgOp::new(
        b"foo.bar",
        22,
        Some(b"_INBOX.x"),
        0,
        b"\r\nPING\r\n",
    )));
    for h in headers() {
        let mut payload = h.to_bytes();
        let hl = payload.len();
        payload.extend_from_slice(b"data");
        ops.push(ServerOp::Msg(MsgOp::new(b"h", 3, Some(b"r"), hl, &payload)));
    }
    // Control prefix (4 bytes: payload limit selector, chunk sizes), then
    // the stream.
    let ctls: [&[u8]; 3] = [b"\x00\x00\x00\x00", b"\x02\x01\x07\xff", b"\x21\x05\x00\x40"];
    let mut all = Vec::new();
    for d in info_docs() {
        all.extend_from_slice(format!("INFO {d} \r\n").as_bytes());
    }
    for op in &ops {
        let mut one = Vec::new();
        encode_op(&mut one, op).expect("encodable");
        all.extend_from_slice(&one);
        for c in ctls {
            let mut s = c.to_vec();
            s.extend_from_slice(&one);
            streams.push(s);
        }
    }
    for c in ctls {
        let mut s = c.to_vec();
        s.extend_from_slice(&all);
        streams.push(s);
    }
    for hostile in [
        &b"MSG big 1 1099511627776\r\n"[..],
        b"HMSG big 1 12 1099511627776\r\n",
        b"MSG short 1 100\r\nabc",
        b"NOT A PROTOCOL LINE\r\n",
        b"HMSG h 1 5 4\r\n",
    ] {
        let mut s = b"\x00\x00\x00\x00".to_vec();
        s.extend_from_slice(hostile);
        streams.push(s);
    }
    streams
}

fn url_seeds() -> Vec<Vec<u8>> {
    [
        "nats://localhost:4222",
        "tls://user:pa%40ss@host.example:4443/path",
        "nats://token@127.0.0.1",
        "[::1]:4222",
        "NATS://[fe80::1%25eth0]:1",
        "host",
        "nats://u:p@a:1, tls://b:2 ,c",
        "nats://:@:0",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

fn creds_seeds() -> Vec<Vec<u8>> {
    let kp = nkeys::KeyPair::new_user();
    let seed = kp.seed().expect("seed");
    let jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJzdWIiOiJVIn0.c2ln";
    let full = format!(
        "-----BEGIN NATS USER JWT-----\n{jwt}\n------END NATS USER JWT------\n\n************************* IMPORTANT *************************\nNKEY Seed printed below can be used to sign and prove identity.\n\n-----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n\n*************************************************************\n"
    );
    vec![
        full.clone().into_bytes(),
        full.replace('\n', "\r\n").into_bytes(),
        seed.clone().into_bytes(),
        format!("  {seed}  \n").into_bytes(),
        jwt.as_bytes().to_vec(),
    ]
}

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "corpus".into());
    let dir = Path::new(&dir);
    write(dir, "parser", &parser_seeds());
    write(dir, "url", &url_seeds());
    write(dir, "creds", &creds_seeds());
    write(
        dir,
        "info",
        &info_docs().into_iter().map(String::into_bytes).collect::<Vec<_>>(),
    );
    write(
        dir,
        "headers",
        &headers()
            .iter()
            .map(|h| h.to_bytes())
            .chain([
                b"NATS/1.0 503 No Responders\r\n\r\n".to_vec(),
                b"NATS/1.0\r\nK: a\r\n  folded\r\n\r\n".to_vec(),
            ])
            .collect::<Vec<_>>(),
    );
    println!("seed corpora written to {}", dir.display());
}

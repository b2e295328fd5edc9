//! Interoperability of consuming with a client we did not write: messages
//! published by nats-py (PyPI `nats-py`, installed by `scripts/setup.sh
//! test`) are consumed by our pull (fetch) and push (sync, manual ack)
//! consumers, and the acks we send are what nats-py's consumer info
//! reports (ack floor, pending acks, nothing redelivered). The Python side
//! is tests/interop/js_consume_nats_py.py.

mod common;

use common::server::Server;
use nats::conn::Connection;
use nats::js::push::SubOptions;
use nats::js::{pull, ConsumerConfig, JetStream};
use nats::msg::Msg;
use nats::options::Options;
use serde_json::{json, Value};
use std::process::Command;
use std::sync::Arc;

const N: usize = 20;

fn py(args: &[&str]) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/js_consume_nats_py.py");
    let out = Command::new("python3")
        .arg(script)
        .args(args)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "nats-py side failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("nats-py output is JSON")
}

/// Checks a message published by nats-py: subject, data and header agree.
fn check_py_msg(m: &mut Msg) -> usize {
    let subject = std::str::from_utf8(m.subject()).unwrap().to_string();
    let i: usize = subject.rsplit('.').next().unwrap().parse().unwrap();
    assert_eq!(subject, format!("icon.py.{i}"));
    assert_eq!(m.data(), format!("py-{i}").as_bytes());
    let h = m.existing_headers().unwrap().expect("nats-py's header");
    assert_eq!(h.get(b"X-Py").unwrap().as_bytes(), i.to_string().as_bytes());
    i
}

fn durable(name: &str) -> SubOptions {
    SubOptions {
        manual_ack: true,
        config: ConsumerConfig {
            durable: Some(name.into()),
            ack_wait: 30_000_000_000,
            ..Default::default()
        },
        ..Default::default()
    }
}

#[test]
fn our_pull_and_push_consumers_read_nats_py_messages_and_nats_py_sees_our_acks() {
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
    let cfg = json!({"name": "ICON", "subjects": ["icon.>"], "storage": "file"});
    js.api_request::<Value>(&co, "STREAM.CREATE.ICON", cfg.to_string().as_bytes(), &[])
        .unwrap();

    let acks = py(&[&srv.url(), "publish", "icon.py", &N.to_string()]);
    assert_eq!(acks.as_array().unwrap().len(), N);
    assert_eq!(acks[N - 1], json!({"stream": "ICON", "seq": N}));

    // Pull: fetch everything, ack the first 15 (synchronously, so the
    // server has them before nats-py asks), leave 5 pending.
    let sub = js
        .pull_subscribe("icon.py.>", Some("pulld"), None, Some(&durable("pulld")))
        .unwrap();
    let mut got = Vec::new();
    while got.len() < N {
        got.extend(pull::fetch(&sub, (N - got.len()) as i32, 5_000).expect("fetch"));
    }
    for (k, m) in got.iter_mut().enumerate() {
        assert_eq!(check_py_msg(m), k, "in stream order");
        if k < 15 {
            m.ack_sync(None).expect("ack");
        }
    }

    // Push (sync subscription, manual acks): ack the first 10.
    let push = js.subscribe("icon.py.>", None, None, Some(&durable("pushd"))).unwrap();
    let mut pushed = Vec::new();
    for k in 0..N {
        let mut m = push.next_msg(5_000).expect("push message");
        assert_eq!(check_py_msg(&mut m), k, "in stream order");
        if k < 10 {
            m.ack_sync(None).expect("ack");
        }
        pushed.push(m);
    }

    let info = py(&[&srv.url(), "info", "ICON", "pulld", "pushd"]);
    let n = N as u64;
    assert_eq!(
        info["pulld"],
        json!({"delivered_stream_seq": n, "delivered_consumer_seq": n,
               "ack_floor_stream_seq": 15, "ack_floor_consumer_seq": 15,
               "num_ack_pending": 5, "num_pending": 0, "num_redelivered": 0}),
        "{info}"
    );
    assert_eq!(
        info["pushd"],
        json!({"delivered_stream_seq": n, "delivered_consumer_seq": n,
               "ack_floor_stream_seq": 10, "ack_floor_consumer_seq": 10,
               "num_ack_pending": 10, "num_pending": 0, "num_redelivered": 0}),
        "{info}"
    );
    drop(got);
    drop(pushed);
}

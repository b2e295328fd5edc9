//! JetStream management (streams, consumers, messages, account) through
//! the core API against a real `nats-server -js`.

mod common;

use common::server::Server;
use nats::conn::Connection;
use nats::js::{JetStream, JsOptions};
use nats::natsStatus::*;
use nats::options::Options;
use std::sync::Arc;

fn connect(srv: &Server) -> Arc<Connection> {
    let o = Options {
        url: Some(srv.url().into()),
        ..Options::default()
    };
    Connection::connect(o).expect("connect")
}

fn js(srv: &Server) -> JetStream {
    JetStream::new(connect(srv), None).expect("jetstream context")
}

#[test]
fn api_request_reaches_the_server() {
    let srv = Server::start_jetstream();
    let js = js(&srv);
    let o = js.call_opts(None);
    let v: serde_json::Value = js.api_request(&o, "INFO", b"", &[]).expect("account info");
    assert_eq!(v["type"], "io.nats.jetstream.api.v1.account_info_response");
}

#[test]
fn no_jetstream_gives_no_responders_with_not_enabled_code() {
    let srv = Server::start_default();
    let js = js(&srv);
    let o = js.call_opts(None);
    let e = js.api_request::<serde_json::Value>(&o, "INFO", b"", &[]).unwrap_err();
    assert_eq!(e.status, NATS_NO_RESPONDERS);
    assert_eq!(e.js_code, 10076);
}

#[test]
fn context_prefix_rules() {
    let srv = Server::start_jetstream();
    let nc = connect(&srv);
    let d = JetStream::new(nc.clone(), None).unwrap();
    assert_eq!(d.prefix(), "$JS.API");
    assert_eq!(d.wait(), 5000);
    let o = JsOptions {
        domain: Some("hub.".into()),
        prefix: Some("ignored".into()),
        ..JsOptions::default()
    };
    assert_eq!(JetStream::new(nc.clone(), Some(&o)).unwrap().prefix(), "$JS.hub.API");
    let o = JsOptions {
        prefix: Some("my.api.".into()),
        wait: 1234,
        ..JsOptions::default()
    };
    let c = JetStream::new(nc.clone(), Some(&o)).unwrap();
    assert_eq!(c.prefix(), "my.api");
    assert_eq!(c.wait(), 1234);
    // Per-call options override the context's.
    let call = JsOptions {
        domain: Some("leaf".into()),
        ..JsOptions::default()
    };
    assert_eq!(c.call_opts(Some(&call)).prefix, "$JS.leaf.API");
    assert_eq!(c.call_opts(Some(&call)).wait, 1234);
    assert_eq!(c.call_opts(None).prefix, "my.api");
    let bad = JsOptions {
        wait: -1,
        ..JsOptions::default()
    };
    assert_eq!(JetStream::new(nc, Some(&bad)).err().unwrap().status, NATS_INVALID_ARG);
}

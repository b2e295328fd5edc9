//! The connection engine seen from the core API: what reaches the event
//! callbacks, and which thread runs them.

mod common;

use common::server::Server;
use common::wait_for;
use nats::conn::Connection;
use nats::natsStatus::{self, *};
use nats::options::Options;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const LONG: Duration = Duration::from_secs(30);

/// What an error callback saw: status, text argument, thread name.
type Seen = Arc<Mutex<Vec<(natsStatus, Option<String>, String)>>>;

#[test]
fn error_callback_gets_the_server_text_as_an_argument() {
    let srv = Server::start(
        "authorization { users: [ { user: a, password: b, permissions: { publish: { deny: [\"secret\"] } } } ] }\n",
    );
    let got: Seen = Arc::default();
    let g = got.clone();
    let o = Options {
        url: Some(format!("nats://a:b@127.0.0.1:{}", srv.port())),
        err_cb: Some(Arc::new(move |_, _, s, text| {
            let thread = std::thread::current().name().unwrap_or("").to_string();
            g.lock().unwrap().push((s, text.map(str::to_string), thread));
        })),
        ..Options::default()
    };
    let nc = Connection::connect(o).expect("connect");
    nc.publish(b"secret", None, None, b"x").unwrap();
    nc.flush_timeout(5000).unwrap();
    assert!(wait_for(LONG, || !got.lock().unwrap().is_empty()), "no error callback");
    let got = got.lock().unwrap().clone();
    let (s, text, thread) = &got[0];
    assert_eq!(*s, NATS_NOT_PERMITTED);
    let text = text.as_deref().expect("the error text is handed to the callback");
    assert!(text.contains("Permissions Violation"), "{text:?}");
    assert!(text.contains("secret"), "{text:?}");
    // Event callbacks run on the library's event thread.
    assert_eq!(thread, "nats-events");
    // The connection stays up.
    assert!(!nc.is_closed());
    nc.flush_timeout(5000).unwrap();
    nc.close();
}

//! Checks the nats-server harness itself (tests/common).

mod common;

use common::Server;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Reads the INFO line a server sends on connect.
fn read_info(port: u16) -> String {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut line = String::new();
    BufReader::new(s).read_line(&mut line).expect("read INFO");
    line
}

fn refuses(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_err()
}

#[test]
fn start_info_kill_restart() {
    let mut s = Server::start_default();
    let port = s.port();
    assert_ne!(port, 0);
    assert_eq!(s.url(), format!("nats://127.0.0.1:{port}"));
    assert!(s.is_running());
    assert!(s.pid() > 0);

    let info = read_info(port);
    assert!(info.starts_with("INFO {"), "{info}");
    assert!(info.contains(&format!("\"port\":{port}")), "{info}");
    assert!(s.log().contains("Server is ready"), "{}", s.log());

    s.kill();
    assert!(!s.is_running());
    assert!(refuses(port), "port {port} still accepts after kill");

    let old_pid = s.pid();
    s.restart();
    assert!(s.is_running());
    assert_eq!(s.port(), port);
    assert_ne!(s.pid(), old_pid);
    assert!(read_info(port).contains(&format!("\"port\":{port}")));
}

#[test]
fn config_is_used_and_port_is_forced() {
    // The config names a port of its own; the harness' port wins, and the
    // rest of the config applies (here: a server name and max payload).
    let other = common::free_port();
    let conf = format!("port: {other}\nserver_name: harness_selftest\nmax_payload: 12345\n");
    let s = Server::start(&conf);
    assert_ne!(s.port(), other);
    let info = read_info(s.port());
    assert!(info.contains("\"server_name\":\"harness_selftest\""), "{info}");
    assert!(info.contains("\"max_payload\":12345"), "{info}");
    let conf_path = s.config_path().expect("config file").to_path_buf();
    assert!(conf_path.starts_with(s.dir()));
}

#[test]
fn dir_placeholder_and_args() {
    let s = Server::start_with_args(&["-js", "-sd", "@DIR@/js"]);
    let info = read_info(s.port());
    assert!(info.contains("\"jetstream\":true"), "{info}");
    assert!(s.dir().join("js").is_dir(), "store dir not created in the server dir");
}

#[test]
fn stop_is_graceful_and_drop_kills() {
    let mut s = Server::start_default();
    let port = s.port();
    s.stop();
    assert!(!s.is_running());
    assert!(refuses(port));
    s.restart();
    let dir = s.dir().to_path_buf();
    drop(s);
    assert!(refuses(port));
    assert!(!dir.exists());
}

#[test]
fn lame_duck_mode_closes_the_server() {
    let mut s = Server::start("lame_duck_duration: \"30s\"\n");
    // A connected client is told about lame duck mode.
    let addr = SocketAddr::from(([127, 0, 0, 1], s.port()));
    let c = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut r = BufReader::new(c.try_clone().unwrap());
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    assert!(line.starts_with("INFO "));
    use std::io::Write;
    (&c).write_all(b"CONNECT {\"verbose\":false,\"protocol\":1}\r\nPING\r\n")
        .unwrap();
    line.clear();
    r.read_line(&mut line).unwrap();
    assert_eq!(line, "PONG\r\n");

    s.signal_ldm();
    let mut saw_ldm = false;
    loop {
        line.clear();
        match r.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                if line.starts_with("INFO ") && line.contains("\"ldm\":true") {
                    saw_ldm = true;
                    break;
                }
            }
        }
    }
    assert!(saw_ldm, "no lame duck INFO");
    // New clients are no longer accepted; the process is still alive.
    let port = s.port();
    assert!(common::wait_for(Duration::from_secs(10), || refuses(port)));
    assert!(s.is_running());
    assert!(s.log().contains("lame duck"), "{}", s.log());
}

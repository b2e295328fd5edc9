//! Credentials produced by `nats::auth::resolve` against a real
//! `nats-server`: NKey users, operator/JWT with a memory resolver (creds
//! file and in-memory creds), user/password (plain and bcrypt) and tokens.
//! The CONNECT is written by hand here (serde_json over
//! `nats::proto::ConnectInfo`) on a plain TCP socket.

#[path = "common/jwt.rs"]
mod jwt;

use nats::auth::{self, AuthOptions, SignatureHandler};
use nats::proto::{ConnectInfo, ServerInfo};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn server_binary() -> String {
    if let Ok(out) = Command::new("pyenv").args(["which", "nats-server"]).output() {
        if out.status.success() {
            let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !p.is_empty() {
                return p;
            }
        }
    }
    "nats-server".to_string()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A `nats-server` started with a config; killed on drop.
struct Server {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Server {
    /// Starts a server with `auth_conf` added to its configuration and
    /// waits until it accepts TCP connections.
    fn start(auth_conf: &str) -> Server {
        let bin = server_binary();
        for _attempt in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let port = free_port();
            let conf = dir.path().join("server.conf");
            std::fs::write(&conf, format!("listen: \"127.0.0.1:{port}\"\n{auth_conf}\n")).unwrap();
            let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
            let mut child = Command::new(&bin)
                .arg("-c")
                .arg(&conf)
                .stdout(Stdio::null())
                .stderr(Stdio::from(log))
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                if let Some(st) = child.try_wait().unwrap() {
                    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
                    if log.contains("address already in use") {
                        break; // port taken meanwhile: try another one
                    }
                    panic!("nats-server exited ({st}):\n{log}");
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Server { child, port, dir };
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("nats-server did not start listening on port {port}");
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("could not start nats-server on a free port");
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the server answered to CONNECT + PING.
#[derive(Debug)]
struct Outcome {
    info: ServerInfo,
    reply: String,
}

/// Connects, reads INFO, resolves the credentials with the INFO nonce,
/// sends CONNECT and PING, and returns the first reply that is not INFO.
fn try_connect(port: u16, opts: &AuthOptions, url_user: Option<&str>, url_pass: Option<&str>) -> Outcome {
    let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut rd = BufReader::new(sock.try_clone().unwrap());
    let mut line = String::new();
    rd.read_line(&mut line).unwrap();
    let json = line.strip_prefix("INFO ").expect("first line must be INFO").trim_end();
    let info = ServerInfo::parse(json.as_bytes()).unwrap();

    let a = auth::resolve(opts, url_user, url_pass, info.nonce.as_deref()).unwrap();
    let ci = ConnectInfo {
        verbose: false,
        pedantic: false,
        nkey: a.nkey,
        jwt: a.jwt,
        sig: a.sig,
        user: a.user,
        pass: a.pass,
        auth_token: a.auth_token,
        tls_required: false,
        name: "rnats-auth-test".into(),
        lang: "C".into(),
        version: nats::VERSION_STRING.into(),
        protocol: 1,
        echo: true,
        headers: true,
        no_responders: true,
    };
    let mut w = &sock;
    let msg = format!("CONNECT {}\r\nPING\r\n", serde_json::to_string(&ci).unwrap());
    w.write_all(msg.as_bytes()).unwrap();
    loop {
        line.clear();
        if rd.read_line(&mut line).unwrap() == 0 {
            return Outcome {
                info,
                reply: "<closed>".into(),
            };
        }
        if !line.starts_with("INFO ") {
            return Outcome {
                info,
                reply: line.trim_end().to_string(),
            };
        }
    }
}

fn assert_accepted(o: &Outcome) {
    assert_eq!(o.reply, "PONG", "{o:?}");
}

fn assert_rejected(o: &Outcome) {
    assert_eq!(o.reply, "-ERR 'Authorization Violation'", "{o:?}");
}

fn seed_signer(seed: String) -> SignatureHandler {
    Arc::new(move |nonce: &[u8]| auth::nkeys::sign(seed.as_bytes(), nonce).map(|s| s.to_vec()))
}

#[test]
fn nkey_users() {
    let good = nkeys::KeyPair::new_user();
    let other = nkeys::KeyPair::new_user();
    let srv = Server::start(&format!(
        "authorization {{ users: [ {{ nkey: {} }} ] }}",
        good.public_key()
    ));

    // Signature handler.
    let mut o = AuthOptions::default();
    o.set_nkey(Some(&good.public_key()), Some(seed_signer(good.seed().unwrap())))
        .unwrap();
    let out = try_connect(srv.port, &o, None, None);
    assert!(
        out.info.nonce.as_deref().is_some_and(|n| !n.is_empty()),
        "INFO must carry a nonce: {out:?}"
    );
    assert_accepted(&out);

    // Seed file (decorated, CRLF).
    let sf = srv.path("user.nk");
    std::fs::write(
        &sf,
        format!(
            "-----BEGIN USER NKEY SEED-----\r\n{}\r\n------END USER NKEY SEED------\r\n",
            good.seed().unwrap()
        ),
    )
    .unwrap();
    let mut o = AuthOptions::default();
    o.set_nkey_from_seed(Some(&good.public_key()), Some(&sf)).unwrap();
    assert_accepted(&try_connect(srv.port, &o, None, None));

    // Wrong seed for the public key.
    let mut o = AuthOptions::default();
    o.set_nkey(Some(&good.public_key()), Some(seed_signer(other.seed().unwrap())))
        .unwrap();
    assert_rejected(&try_connect(srv.port, &o, None, None));

    // Unknown NKey.
    let mut o = AuthOptions::default();
    o.set_nkey(Some(&other.public_key()), Some(seed_signer(other.seed().unwrap())))
        .unwrap();
    assert_rejected(&try_connect(srv.port, &o, None, None));
}

#[test]
fn nats_docs_nkey_known_answer_accepted() {
    const SEED: &str = "SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY";
    const PUB: &str = "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4";
    let srv = Server::start(&format!("authorization {{ users: [ {{ nkey: {PUB} }} ] }}"));
    let mut o = AuthOptions::default();
    o.set_nkey(Some(PUB), Some(seed_signer(SEED.to_string()))).unwrap();
    assert_accepted(&try_connect(srv.port, &o, None, None));
}

#[test]
fn jwt_with_memory_resolver() {
    let chain = jwt::Chain::new(None);
    let srv = Server::start(&chain.server_config());

    // Chained creds file.
    let cf = srv.path("user.creds");
    std::fs::write(&cf, chain.creds()).unwrap();
    let mut o = AuthOptions::default();
    o.set_user_credentials_from_files(Some(&cf), None).unwrap();
    let out = try_connect(srv.port, &o, None, None);
    assert!(out.info.nonce.is_some(), "INFO must carry a nonce: {out:?}");
    assert_accepted(&out);

    // In-memory creds.
    let mut o = AuthOptions::default();
    o.set_user_credentials_from_memory(Some(&chain.creds()));
    assert_accepted(&try_connect(srv.port, &o, None, None));

    // Separate JWT and seed files (CRLF, undecorated seed).
    let jf = srv.path("user.jwt");
    let sf = srv.path("user.seed");
    std::fs::write(&jf, format!("{}\r\n", chain.user_jwt)).unwrap();
    std::fs::write(&sf, format!("{}\r\n", chain.user_seed())).unwrap();
    let mut o = AuthOptions::default();
    o.set_user_credentials_from_files(Some(&jf), Some(&sf)).unwrap();
    assert_accepted(&try_connect(srv.port, &o, None, None));

    // Rotation: a second user of the account written over the creds file.
    let (_pk, seed2, jwt2) = chain.new_user("second", None);
    std::fs::write(&cf, jwt::creds(&jwt2, &seed2)).unwrap();
    let mut o = AuthOptions::default();
    o.set_user_credentials_from_files(Some(&cf), None).unwrap();
    assert_accepted(&try_connect(srv.port, &o, None, None));

    // JWT + signature callbacks.
    let ujwt = chain.user_jwt.clone();
    let mut o = AuthOptions::default();
    o.set_user_credentials_callbacks(
        Some(Arc::new(move || Ok(ujwt.clone()))),
        Some(seed_signer(chain.user_seed())),
    )
    .unwrap();
    assert_accepted(&try_connect(srv.port, &o, None, None));

    // The JWT with somebody else's seed.
    let mut o = AuthOptions::default();
    o.set_user_credentials_from_memory(Some(&jwt::creds(&chain.user_jwt, &seed2)));
    assert_rejected(&try_connect(srv.port, &o, None, None));

    // A user of an account the server does not know.
    let stranger = jwt::Chain::new(None);
    let mut o = AuthOptions::default();
    o.set_user_credentials_from_memory(Some(&stranger.creds()));
    assert_rejected(&try_connect(srv.port, &o, None, None));

    // An expired user JWT.
    let (_pk, seed3, jwt3) = chain.new_user("expired", Some(jwt::now() - 60));
    let mut o = AuthOptions::default();
    o.set_user_credentials_from_memory(Some(&jwt::creds(&jwt3, &seed3)));
    let out = try_connect(srv.port, &o, None, None);
    assert!(out.reply.starts_with("-ERR"), "{out:?}");
}

#[test]
fn user_password_plain_and_bcrypt() {
    let tricky = "pa\"ss\\wo rd";
    let hash = bcrypt::hash("bcrypt-secret", 6).unwrap();
    let srv = Server::start(&format!(
        "authorization {{ users: [ {{ user: plain, password: \"{}\" }}, {{ user: hashed, password: \"{hash}\" }} ] }}",
        tricky.replace('\\', "\\\\").replace('"', "\\\"")
    ));

    let mut o = AuthOptions::default();
    o.set_user_info(Some("plain"), Some(tricky));
    let out = try_connect(srv.port, &o, None, None);
    assert!(out.info.auth_required, "{out:?}");
    assert_accepted(&out);

    let mut o = AuthOptions::default();
    o.set_user_info(Some("hashed"), Some("bcrypt-secret"));
    assert_accepted(&try_connect(srv.port, &o, None, None));

    // URL credentials win over (wrong) options.
    let mut o = AuthOptions::default();
    o.set_user_info(Some("hashed"), Some("wrong"));
    assert_rejected(&try_connect(srv.port, &o, None, None));
    assert_accepted(&try_connect(srv.port, &o, Some("hashed"), Some("bcrypt-secret")));
    assert_rejected(&try_connect(
        srv.port,
        &AuthOptions::default(),
        Some("plain"),
        Some("nope"),
    ));
}

#[test]
fn tokens() {
    let srv = Server::start("authorization { token: \"s3cr3t-token\" }");

    let mut o = AuthOptions::default();
    o.set_token(Some("s3cr3t-token")).unwrap();
    assert_accepted(&try_connect(srv.port, &o, None, None));

    // Token handler.
    let mut o = AuthOptions::default();
    o.set_token_handler(Some(Arc::new(|| Some("s3cr3t-token".to_string()))))
        .unwrap();
    assert_accepted(&try_connect(srv.port, &o, None, None));

    // Token from the URL.
    assert_accepted(&try_connect(
        srv.port,
        &AuthOptions::default(),
        Some("s3cr3t-token"),
        None,
    ));

    let mut o = AuthOptions::default();
    o.set_token(Some("wrong")).unwrap();
    assert_rejected(&try_connect(srv.port, &o, None, None));
    assert_rejected(&try_connect(srv.port, &AuthOptions::default(), None, None));
}

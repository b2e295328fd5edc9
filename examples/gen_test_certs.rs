//! Writes a throw-away certificate set for TLS tests and for trying the
//! TLS examples in `c-examples/`:
//!
//! ```text
//! cargo run --example gen_test_certs -- <output directory>
//! ```
//!
//! Files (PEM; keys are ECDSA P-256 in PKCS#8):
//! - `rootCA.pem`          a CA, the only issuer of the certificates below
//! - `server-cert.pem`, `server-key.pem`
//!   a server certificate for `localhost`, `127.0.0.1` and `::1`
//! - `client-cert.pem`, `client-key.pem`
//!   a client certificate (e-mail SAN `derek@nats.io`, for `verify_and_map`)
//! - `untrusted-ca.pem`    another CA that issued nothing here
//!
//! For example, with `nats-server --tlsverify --tlscert server-cert.pem
//! --tlskey server-key.pem --tlscacert rootCA.pem`, run
//! `tls-connect nats://127.0.0.1:4222 client-cert.pem client-key.pem rootCA.pem`.
//!
//! The certificates are valid from yesterday for 30 days. Test data only:
//! the keys are written unprotected.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SanType,
};
use std::path::Path;
use std::time::{Duration, SystemTime};

fn validity(p: &mut CertificateParams) {
    let now = SystemTime::now();
    p.not_before = (now - Duration::from_secs(86_400)).into();
    p.not_after = (now + Duration::from_secs(30 * 86_400)).into();
}

fn ca(name: &str) -> Result<(rcgen::Certificate, KeyPair), rcgen::Error> {
    let key = KeyPair::generate()?;
    let mut p = CertificateParams::new(Vec::<String>::new())?;
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.distinguished_name.push(DnType::CommonName, name);
    validity(&mut p);
    Ok((p.self_signed(&key)?, key))
}

fn leaf(
    issuer: &(rcgen::Certificate, KeyPair),
    cn: &str,
    sans: &[&str],
    usage: ExtendedKeyUsagePurpose,
    email: Option<&str>,
) -> Result<(String, String), Box<dyn std::error::Error>> {
    let key = KeyPair::generate()?;
    let mut p = CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>())?;
    p.distinguished_name.push(DnType::CommonName, cn);
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![usage];
    if let Some(e) = email {
        p.subject_alt_names.push(SanType::Rfc822Name(e.try_into()?));
    }
    validity(&mut p);
    let cert = p.signed_by(&key, &issuer.0, &issuer.1)?;
    Ok((cert.pem(), key.serialize_pem()))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: gen_test_certs <output directory>")?;
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir)?;

    let root = ca("rnats test root CA")?;
    let other = ca("rnats untrusted CA")?;
    let (server_cert, server_key) = leaf(
        &root,
        "rnats test server",
        &["localhost", "127.0.0.1", "::1"],
        ExtendedKeyUsagePurpose::ServerAuth,
        None,
    )?;
    let (client_cert, client_key) = leaf(
        &root,
        "rnats test client",
        &["localhost"],
        ExtendedKeyUsagePurpose::ClientAuth,
        Some("derek@nats.io"),
    )?;

    // Write to temporary names first, then rename: a reader never sees a
    // half-written set.
    let files = [
        ("rootCA.pem", root.0.pem()),
        ("untrusted-ca.pem", other.0.pem()),
        ("server-cert.pem", server_cert),
        ("server-key.pem", server_key),
        ("client-cert.pem", client_cert),
        ("client-key.pem", client_key),
    ];
    for (name, data) in &files {
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, data)?;
        std::fs::rename(&tmp, dir.join(name))?;
    }
    println!("certificates written to {}", dir.display());
    Ok(())
}

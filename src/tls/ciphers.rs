//! Cipher names → rustls cipher suites.
//!
//! cnats hands its cipher strings to OpenSSL. rustls has a small fixed set
//! of suites (six for TLS 1.2, three for TLS 1.3) and no OpenSSL parser, so
//! this module understands the part of OpenSSL's cipher-list language that
//! can be answered with those suites:
//!
//! - TLS 1.2 (`natsOptions_SetCiphers`): elements separated by `:` (or `,`
//!   or spaces). An element is a suite name — OpenSSL style
//!   (`ECDHE-RSA-AES128-GCM-SHA256`) or IANA style
//!   (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`) — or keywords joined with `+`
//!   (`ECDHE+AESGCM`), optionally prefixed by `!` (remove for good), `-`
//!   (remove) or `+` (move to the end). Known keywords: `ALL`, `DEFAULT`,
//!   `HIGH`, `ECDHE`/`EECDH`/`kECDHE`/`kEECDH`, `aRSA`, `aECDSA`/`ECDSA`,
//!   `AESGCM`, `AES`, `AES128`, `AES256`, `CHACHA20`, `AEAD`, `SHA256`,
//!   `SHA384`, `TLSv1.2`, and keywords that select nothing rustls offers
//!   (`RSA`/`kRSA`, `DHE`, `MEDIUM`, `LOW`, `NULL`, `3DES`, `RC4`, `SHA1`,
//!   …). `@STRENGTH` and `@SECLEVEL=n` are accepted and ignored.
//! - TLS 1.3 (`natsOptions_SetCipherSuites`): `:`-separated IANA names.
//!
//! A name that is neither a suite rustls offers nor a known keyword is an
//! error naming it (`NATS_SSL_ERROR`, the status cnats returns when OpenSSL
//! rejects a list); nothing is dropped silently. A
//! TLS 1.2 list that ends up empty is an error, as with OpenSSL.

use crate::error::{Error, Result};
use rustls::crypto::ring::cipher_suite as cs;
use rustls::SupportedCipherSuite;

fn ssl_err(text: impl Into<String>) -> Error {
    Error::new(crate::status::natsStatus::NATS_SSL_ERROR, text)
}

/// One TLS 1.2 suite with its OpenSSL name and the keywords that select it.
struct Tls12 {
    suite: SupportedCipherSuite,
    openssl: &'static str,
    iana: &'static str,
    tags: &'static [&'static str],
}

/// Keywords every rustls TLS 1.2 suite matches.
const COMMON: &[&str] = &[
    "ALL", "DEFAULT", "HIGH", "ECDHE", "EECDH", "KECDHE", "KEECDH", "AEAD", "TLSV1.2", "FIPS",
];

/// The rustls TLS 1.2 suites, in rustls' default preference order.
fn tls12_table() -> [Tls12; 6] {
    [
        Tls12 {
            suite: cs::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            openssl: "ECDHE-ECDSA-AES256-GCM-SHA384",
            iana: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            tags: &["AECDSA", "ECDSA", "AESGCM", "AES", "AES256", "SHA384"],
        },
        Tls12 {
            suite: cs::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            openssl: "ECDHE-ECDSA-AES128-GCM-SHA256",
            iana: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            tags: &["AECDSA", "ECDSA", "AESGCM", "AES", "AES128", "SHA256"],
        },
        Tls12 {
            suite: cs::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            openssl: "ECDHE-ECDSA-CHACHA20-POLY1305",
            iana: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            tags: &["AECDSA", "ECDSA", "CHACHA20", "SHA256"],
        },
        Tls12 {
            suite: cs::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            openssl: "ECDHE-RSA-AES256-GCM-SHA384",
            iana: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            tags: &["ARSA", "AESGCM", "AES", "AES256", "SHA384"],
        },
        Tls12 {
            suite: cs::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            openssl: "ECDHE-RSA-AES128-GCM-SHA256",
            iana: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            tags: &["ARSA", "AESGCM", "AES", "AES128", "SHA256"],
        },
        Tls12 {
            suite: cs::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            openssl: "ECDHE-RSA-CHACHA20-POLY1305",
            iana: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            tags: &["ARSA", "CHACHA20", "SHA256"],
        },
    ]
}

/// OpenSSL keywords that are valid but match no suite rustls offers
/// (static RSA or DH key exchange, weak or legacy ciphers, other protocol
/// versions). Upper-cased.
const EMPTY_KEYWORDS: &[&str] = &[
    "RSA",
    "KRSA",
    "DH",
    "DHE",
    "EDH",
    "KDHE",
    "KEDH",
    "KDHR",
    "KDHD",
    "ADH",
    "AECDH",
    "ADSS",
    "DSS",
    "ANULL",
    "ENULL",
    "NULL",
    "COMPLEMENTOFALL",
    "COMPLEMENTOFDEFAULT",
    "MEDIUM",
    "LOW",
    "EXPORT",
    "EXP",
    "3DES",
    "DES",
    "RC4",
    "RC2",
    "IDEA",
    "SEED",
    "CAMELLIA",
    "CAMELLIA128",
    "CAMELLIA256",
    "ARIA",
    "ARIA128",
    "ARIA256",
    "AESCCM",
    "AESCCM8",
    "MD5",
    "SHA1",
    "SHA",
    "PSK",
    "KPSK",
    "APSK",
    "SRP",
    "KSRP",
    "ASRP",
    "GOST",
    "SSLV3",
    "TLSV1",
    "TLSV1.0",
    "TLSV1.1",
    "SUITEB128",
    "SUITEB128ONLY",
    "SUITEB192",
    "CBC",
];

/// Which table entries one element (without prefix) selects, or `None`
/// when the element is unknown.
fn select(table: &[Tls12], element: &str) -> Option<Vec<usize>> {
    let upper = element.to_ascii_uppercase();
    if let Some(i) = table.iter().position(|t| t.openssl == upper || t.iana == upper) {
        return Some(vec![i]);
    }
    let mut chosen: Vec<usize> = (0..table.len()).collect();
    for word in upper.split('+') {
        if word.is_empty() {
            return None;
        }
        if EMPTY_KEYWORDS.contains(&word) {
            chosen.clear();
        } else if COMMON.contains(&word) || table.iter().any(|t| t.tags.contains(&word)) {
            chosen.retain(|&i| COMMON.contains(&word) || table[i].tags.contains(&word));
        } else {
            return None;
        }
    }
    Some(chosen)
}

/// Parses an OpenSSL-style TLS 1.2 cipher list (see the module docs).
pub fn parse_tls12(list: &str) -> Result<Vec<SupportedCipherSuite>> {
    let table = tls12_table();
    let mut current: Vec<usize> = Vec::new();
    let mut banned: Vec<usize> = Vec::new();
    let mut any = false;
    for raw in list.split([':', ',', ' ']) {
        if raw.is_empty() {
            continue;
        }
        any = true;
        let upper = raw.to_ascii_uppercase();
        if upper == "@STRENGTH" || upper.starts_with("@SECLEVEL=") {
            continue;
        }
        let (op, body) = match raw.as_bytes()[0] {
            b'!' | b'-' | b'+' => (raw.as_bytes()[0], &raw[1..]),
            _ => (0u8, raw),
        };
        let picked = select(&table, body).ok_or_else(|| {
            ssl_err(format!(
                "cipher '{raw}' is unknown or not supported by this library (rustls offers for TLS 1.2: {})",
                table.iter().map(|t| t.openssl).collect::<Vec<_>>().join(", ")
            ))
        })?;
        match op {
            b'!' => {
                current.retain(|i| !picked.contains(i));
                banned.extend(picked);
            }
            b'-' => current.retain(|i| !picked.contains(i)),
            b'+' => {
                let moved: Vec<usize> = current.iter().copied().filter(|i| picked.contains(i)).collect();
                current.retain(|i| !picked.contains(i));
                current.extend(moved);
            }
            _ => {
                for i in picked {
                    if !current.contains(&i) && !banned.contains(&i) {
                        current.push(i);
                    }
                }
            }
        }
    }
    if !any {
        return Err(ssl_err("the cipher list is empty"));
    }
    if current.is_empty() {
        return Err(ssl_err(format!(
            "no TLS 1.2 cipher suite supported by this library matches '{list}'"
        )));
    }
    Ok(current.into_iter().map(|i| table[i].suite).collect())
}

/// Parses a `:`-separated list of TLS 1.3 suite names. An empty list is
/// allowed and means "no TLS 1.3" (as with OpenSSL).
pub fn parse_tls13(list: &str) -> Result<Vec<SupportedCipherSuite>> {
    let mut out = Vec::new();
    for name in list.split(':') {
        if name.is_empty() {
            continue;
        }
        let suite = match name.to_ascii_uppercase().as_str() {
            "TLS_AES_128_GCM_SHA256" => cs::TLS13_AES_128_GCM_SHA256,
            "TLS_AES_256_GCM_SHA384" => cs::TLS13_AES_256_GCM_SHA384,
            "TLS_CHACHA20_POLY1305_SHA256" => cs::TLS13_CHACHA20_POLY1305_SHA256,
            _ => {
                return Err(ssl_err(format!(
                    "TLS 1.3 cipher suite '{name}' is unknown or not supported by this library \
                     (supported: TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256)"
                )))
            }
        };
        if !out.iter().any(|s: &SupportedCipherSuite| s.suite() == suite.suite()) {
            out.push(suite);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::natsStatus;

    fn names(v: &[SupportedCipherSuite]) -> Vec<String> {
        v.iter().map(|s| format!("{:?}", s.suite())).collect()
    }

    #[test]
    fn explicit_names_openssl_and_iana() {
        let v = parse_tls12("ECDHE-RSA-AES128-GCM-SHA256:TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256").unwrap();
        assert_eq!(
            names(&v),
            [
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
            ]
        );
    }

    #[test]
    fn keywords() {
        assert_eq!(parse_tls12("-ALL:HIGH").unwrap().len(), 6);
        assert_eq!(parse_tls12("ECDHE+AESGCM:!aECDSA").unwrap().len(), 2);
        let v = parse_tls12("HIGH:+CHACHA20:@STRENGTH").unwrap();
        assert!(format!("{:?}", v[5].suite()).contains("CHACHA20"));
        let v = parse_tls12("HIGH:!AES256:AES256").unwrap();
        assert_eq!(v.len(), 4);
        let v = parse_tls12("HIGH:-AES256:AES256").unwrap();
        assert_eq!(v.len(), 6);
    }

    #[test]
    fn errors_name_the_culprit() {
        let e = parse_tls12("ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA").unwrap_err();
        assert_eq!(e.status, natsStatus::NATS_SSL_ERROR);
        assert!(e.text.contains("'AES128-SHA'"), "{}", e.text);
        let e = parse_tls12("BOGUS+AES").unwrap_err();
        assert!(e.text.contains("BOGUS+AES"), "{}", e.text);
        let e = parse_tls12("-ALL:RSA").unwrap_err();
        assert!(e.text.contains("no TLS 1.2 cipher"), "{}", e.text);
        assert!(parse_tls12("").is_err());
        let e = parse_tls13("TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_SHA256").unwrap_err();
        assert!(e.text.contains("'TLS_AES_128_CCM_SHA256'"), "{}", e.text);
    }

    #[test]
    fn tls13() {
        assert_eq!(
            parse_tls13("TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256")
                .unwrap()
                .len(),
            2
        );
        assert!(parse_tls13("").unwrap().is_empty());
    }
}

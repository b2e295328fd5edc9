//! NKeys: decoding of encoded seeds, public keys and Ed25519 signing.
//!
//! An encoded key is the RFC 4648 base32 text (no padding) of
//! `prefix || payload || crc16`, the CRC being CRC-16/XMODEM stored
//! little-endian. A seed has a two-byte prefix: the seed marker (18 << 3)
//! followed by the type of the key it belongs to.
//!
//! Decoding checks the input in the same order as cnats and reports the same
//! texts, always with status `NATS_ERR`: "invalid encoded key" (too short),
//! "invalid checksum", "invalid seed" (not a seed), "invalid prefix byte"
//! (the key type is not user, account, server or cluster).
//!
//! Every intermediate buffer holding private material is wiped.
//!
//! Why this is written here rather than taken from the `nkeys` crate (a
//! dev-dependency, used by the tests to cross-check this code): nkeys 0.4.5
//! (the newest release) does not wipe. Its `decode_seed` base32-decodes
//! the seed into a `Vec` that is freed unwiped, returns the seed as a plain
//! array, and its `KeyPair` keeps a copy of the seed with no `Drop` that
//! clears it. Decoding through it leaves the raw seed in freed heap memory,
//! which `tests::no_seed_copy_left_in_heap` detects. It also checks the
//! length before anything else (so its errors do not come in cnats' order)
//! and accepts operator seeds, which cnats refuses.

use crate::error::{Error, Result};
use crate::status::natsStatus;
use ed25519_dalek::{Signer, SigningKey};
use zeroize::{Zeroize, Zeroizing};

/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;

pub const ERR_INVALID_ENCODED_KEY: &str = "invalid encoded key";
pub const ERR_INVALID_CHECKSUM: &str = "invalid checksum";
pub const ERR_INVALID_SEED: &str = "invalid seed";
pub const ERR_INVALID_PREFIX: &str = "invalid prefix byte";

const PREFIX_SEED: u8 = 18 << 3;
const PREFIX_ACCOUNT: u8 = 0;
const PREFIX_CLUSTER: u8 = 2 << 3;
const PREFIX_SERVER: u8 = 13 << 3;
const PREFIX_USER: u8 = 20 << 3;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn b32_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'2'..=b'7' => Some(c - b'2' + 26),
        _ => None,
    }
}

/// Decodes unpadded base32. Trailing bits that do not make a full byte are
/// dropped. An invalid character is reported with its 1-based position.
fn base32_decode(src: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::with_capacity(src.len() * 5 / 8 + 1));
    let mut acc: u32 = 0;
    let mut bits: u32 = 0;
    for (i, &c) in src.iter().enumerate() {
        let v = b32_value(c).ok_or_else(|| {
            Error::new(
                natsStatus::NATS_ERR,
                format!("base32: invalid data at location {}", i + 1),
            )
        })?;
        acc = ((acc << 5) | v as u32) & 0xFFFF;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    acc.zeroize();
    Ok(out)
}

/// Encodes bytes as unpadded base32.
fn base32_encode(src: &[u8]) -> String {
    let mut out = String::with_capacity(src.len().div_ceil(5) * 8);
    let mut acc: u32 = 0;
    let mut bits: u32 = 0;
    for &b in src {
        acc = ((acc << 8) | b as u32) & 0xFFFF;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// CRC-16/XMODEM (polynomial 0x1021, initial value 0).
fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in data {
        crc ^= (b as u16) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

fn is_public_prefix(b: u8) -> bool {
    matches!(b, PREFIX_USER | PREFIX_SERVER | PREFIX_CLUSTER | PREFIX_ACCOUNT)
}

/// A decoded seed: the key type prefix and the 32-byte Ed25519 seed. The
/// seed bytes are wiped when dropped.
pub struct DecodedSeed {
    pub key_type: u8,
    seed: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for DecodedSeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecodedSeed")
            .field("key_type", &self.key_type)
            .finish_non_exhaustive()
    }
}

fn nkey_err(text: &str) -> Error {
    Error::new(natsStatus::NATS_ERR, text)
}

/// Decodes an encoded seed (`SU…`, `SA…`, `SN…`, `SC…`), checking it in
/// cnats' order.
pub fn decode_seed(encoded: &[u8]) -> Result<DecodedSeed> {
    let raw = base32_decode(encoded)?;
    if raw.len() < 4 {
        return Err(nkey_err(ERR_INVALID_ENCODED_KEY));
    }
    let n = raw.len() - 2;
    let stored = u16::from_le_bytes([raw[n], raw[n + 1]]);
    if crc16(&raw[..n]) != stored {
        return Err(nkey_err(ERR_INVALID_CHECKSUM));
    }
    let b1 = raw[0] & 0xF8;
    let b2 = ((raw[0] & 0x07) << 5) | ((raw[1] & 0xF8) >> 3);
    if b1 != PREFIX_SEED {
        return Err(nkey_err(ERR_INVALID_SEED));
    }
    if !is_public_prefix(b2) {
        return Err(nkey_err(ERR_INVALID_PREFIX));
    }
    // prefix (2) + seed (32) + crc (2)
    if raw.len() != 36 {
        return Err(nkey_err(ERR_INVALID_SEED));
    }
    let mut seed = Zeroizing::new([0u8; 32]);
    seed.copy_from_slice(&raw[2..34]);
    Ok(DecodedSeed { key_type: b2, seed })
}

impl DecodedSeed {
    fn signing_key(&self) -> SigningKey {
        SigningKey::from_bytes(&self.seed)
    }

    /// The encoded public key (`U…`, `A…`, `N…`, `C…`) of this seed.
    pub fn public_key(&self) -> String {
        let pk = self.signing_key().verifying_key().to_bytes();
        encode_public(self.key_type, &pk)
    }

    /// The raw Ed25519 signature of `data`.
    pub fn sign(&self, data: &[u8]) -> [u8; SIGNATURE_LEN] {
        self.signing_key().sign(data).to_bytes()
    }
}

/// Encodes a 32-byte public key with its type prefix and checksum.
pub fn encode_public(prefix: u8, key: &[u8; 32]) -> String {
    let mut raw = Vec::with_capacity(35);
    raw.push(prefix);
    raw.extend_from_slice(key);
    let crc = crc16(&raw);
    raw.extend_from_slice(&crc.to_le_bytes());
    base32_encode(&raw)
}

/// Signs `data` with the encoded seed `encoded_seed`.
pub fn sign(encoded_seed: &[u8], data: &[u8]) -> Result<[u8; SIGNATURE_LEN]> {
    Ok(decode_seed(encoded_seed)?.sign(data))
}

/// The encoded public key of the encoded seed `encoded_seed`.
pub fn public_key_from_seed(encoded_seed: &[u8]) -> Result<String> {
    Ok(decode_seed(encoded_seed)?.public_key())
}

/// Base64 URL-safe without padding (the `sig` field of CONNECT).
pub fn encode_signature(sig: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED1: &str = "SUAMK2FG4MI6UE3ACF3FK3OIQBCEIEZV7NSWFFEW63UXMRLFM2XLAXK4GY";
    const SEED2: &str = "SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY";
    const SEED3: &str = "SUAOTBNEUHZDFJT3EUMELT7MQTP24JF3XVCXQNDSCU74G5IU6VAJBKH5LI";

    #[test]
    fn known_public_keys() {
        assert_eq!(
            public_key_from_seed(SEED1.as_bytes()).unwrap(),
            "UAT6BWCSCWLUKJT6K6MBJJOEOTXZ5AJDOYKNEVRFC7VNO6OA43N4TRNO"
        );
        assert_eq!(
            public_key_from_seed(SEED2.as_bytes()).unwrap(),
            "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4"
        );
        assert_eq!(
            public_key_from_seed(SEED3.as_bytes()).unwrap(),
            "UDE6WTGLTTPCRJRJCKBJRGVNZTLIVR7LEEELR4CYWWWBKJS7XYIKXDUU"
        );
    }

    #[test]
    fn known_signatures() {
        let s1 = sign(SEED1.as_bytes(), b"nonce").unwrap();
        assert_eq!(&s1[..4], &[155, 157, 8, 183]);
        assert_eq!(
            encode_signature(&s1),
            "m50It12aTgfbJwsQhucujqhXbsq7tLM-Mf_hSjBQsG_4onm8y2Vkw6JG1bbcDkdxXe-Ng0K-7X9ov4rZ4wFcDg"
        );
        assert_eq!(
            encode_signature(&sign(SEED2.as_bytes(), b"nonce").unwrap()),
            "AVfpO7Pw3rc56hoO1OJcFxXUCfBmO2qouchBchSlL45Fuur9zS15UzytEI1QC5wwVG7uiHIdqyfmOS6uPrwqCg"
        );
        assert_eq!(
            encode_signature(&sign(SEED3.as_bytes(), b"nonce").unwrap()),
            "91TCdArrSENpzAqRhUE_ZDuo0Wbyp0SUBgBqdSwtcy1gFmAh2eOdQTgjePW2bHiQkEAOkSBXZkCbVPCekrYQAQ"
        );
    }

    fn err_of(seed: &str) -> Error {
        sign(seed.as_bytes(), b"nonce").unwrap_err()
    }

    #[test]
    fn negative_cases_in_cnats_order() {
        let e = err_of("ABC");
        assert_eq!(
            (e.status, e.text.as_str()),
            (natsStatus::NATS_ERR, ERR_INVALID_ENCODED_KEY)
        );
        let e = err_of("LBMVISCJKNEVGTSPKRAVMQKMJFCFGRKFIQ52C");
        assert_eq!((e.status, e.text.as_str()), (natsStatus::NATS_ERR, ERR_INVALID_SEED));
        let e = err_of("SBAUEQ2EIVDEOSCJJJFUYTKOJ5IFCUSTKRKVMV2YLFNECQSDIRCUMR2IJFFEWTCNJZHVAUKSKNKFKVSXLBMVUQKCINCEKRSHJBEUUS2MJVHE6UCRKJJVIVKWK5MFSWV2QA");
        assert_eq!((e.status, e.text.as_str()), (natsStatus::NATS_ERR, ERR_INVALID_PREFIX));
        let e = err_of("SUAMK2FG4MI6UE3ACF3FK3OIQBCEIEZV7NSWFFEW63UXMRLFM2XLAXK4AA");
        assert_eq!(
            (e.status, e.text.as_str()),
            (natsStatus::NATS_ERR, ERR_INVALID_CHECKSUM)
        );
    }

    #[test]
    fn bad_characters_and_operator_seeds() {
        let e = err_of("SUAMK2FG4MI6UE3ACF3FK3OIQBCEIEZV7NSWFFEW63UXMRLFM2XLAXK4G\r");
        assert_eq!(e.status, natsStatus::NATS_ERR);
        assert!(e.text.contains("base32: invalid data at location 58"), "{}", e.text);
        // An operator seed is rejected, as cnats does.
        let op = nkeys::KeyPair::new_operator().seed().unwrap();
        assert_eq!(err_of(&op).text, ERR_INVALID_PREFIX);
        // Account seeds are accepted and keep their type.
        let acc = nkeys::KeyPair::new_account();
        assert_eq!(
            public_key_from_seed(acc.seed().unwrap().as_bytes()).unwrap(),
            acc.public_key()
        );
    }

    #[test]
    fn roundtrip_with_nkeys_crate() {
        for _ in 0..8 {
            let kp = nkeys::KeyPair::new_user();
            let seed = kp.seed().unwrap();
            assert_eq!(public_key_from_seed(seed.as_bytes()).unwrap(), kp.public_key());
            let sig = sign(seed.as_bytes(), b"some data").unwrap();
            kp.verify(b"some data", &sig).unwrap();
        }
    }

    /// Decoding a seed and signing with it leaves no copy of the raw seed
    /// in the heap: every heap buffer that held it was wiped before being
    /// freed. (This is why the `nkeys` crate is not used here: its
    /// `decode_seed` / `KeyPair::from_seed` free the base32-decoded buffer
    /// holding the seed without wiping it, and `KeyPair` keeps an unwiped
    /// copy; this test fails when seeds are decoded through it.)
    ///
    /// The test never holds the raw seed itself, only its bitwise
    /// complement; the needles are built on this thread's stack, whose
    /// mapping is not scanned.
    #[cfg(target_os = "linux")]
    #[test]
    fn no_seed_copy_left_in_heap() {
        use std::io::Read;
        use std::os::unix::fs::FileExt;

        // Everything the scan needs is allocated before the seed exists, so
        // that the scan itself does not reuse (and overwrite) freed blocks.
        let mut maps = Vec::with_capacity(1 << 20);
        let mut chunk = vec![0u8; 1 << 20];
        let mut hits: Vec<(usize, usize)> = Vec::with_capacity(16);

        let mut inverted = [0u8; 32];
        for b in inverted.iter_mut() {
            *b = !rand::random::<u8>();
        }
        let encoded = {
            let mut raw = Zeroizing::new(Vec::with_capacity(36));
            raw.push(PREFIX_SEED | (PREFIX_USER >> 5));
            raw.push((PREFIX_USER & 31) << 3);
            raw.extend(inverted.iter().map(|b| !b));
            let crc = crc16(&raw);
            raw.extend_from_slice(&crc.to_le_bytes());
            Zeroizing::new(base32_encode(&raw))
        };
        for _ in 0..4 {
            let pk = public_key_from_seed(encoded.as_bytes()).unwrap();
            let sig = sign(encoded.as_bytes(), b"nonce").unwrap();
            assert!(pk.starts_with('U') && sig.len() == SIGNATURE_LEN);
        }

        let stack_marker = 0u8;
        let here = std::hint::black_box(&stack_marker) as *const u8 as usize;
        std::fs::File::open("/proc/self/maps")
            .unwrap()
            .read_to_end(&mut maps)
            .unwrap();
        assert!(maps.len() < maps.capacity(), "maps buffer too small");
        let mem = std::fs::File::open("/proc/self/mem").unwrap();
        for line in std::str::from_utf8(&maps).unwrap().lines() {
            let mut f = line.split_whitespace();
            let (range, perms) = (f.next().unwrap(), f.next().unwrap());
            let path = f.nth(3);
            if !perms.starts_with("rw") || !matches!(path, None | Some("[heap]")) {
                continue;
            }
            let (a, b) = range.split_once('-').unwrap();
            let (start, end) = (
                usize::from_str_radix(a, 16).unwrap(),
                usize::from_str_radix(b, 16).unwrap(),
            );
            if (start..end).contains(&here) {
                continue;
            }
            let mut at = start;
            while at < end {
                let len = chunk.len().min(end - at);
                let Ok(n) = mem.read_at(&mut chunk[..len], at as u64) else {
                    break;
                };
                if n == 0 {
                    break;
                }
                for w in [0usize, 10, 20] {
                    let mut needle = [0u8; 12];
                    for (d, s) in needle.iter_mut().zip(&inverted[w..w + 12]) {
                        *d = !s;
                    }
                    if let Some(i) = memchr::memmem::find(&chunk[..n], &needle) {
                        if hits.len() < hits.capacity() {
                            hits.push((at + i, w));
                        }
                    }
                    needle.zeroize();
                }
                // Overlap chunks so that a window across a boundary is seen.
                at += if n > 16 { n - 16 } else { n };
            }
        }
        chunk.zeroize();
        assert!(
            hits.is_empty(),
            "raw seed bytes left in the heap at (address, seed offset) {hits:x?}"
        );
    }

    #[test]
    fn base32_roundtrip() {
        for n in 0..20usize {
            let data: Vec<u8> = (0..n as u8).map(|i| i.wrapping_mul(37).wrapping_add(11)).collect();
            let enc = base32_encode(&data);
            assert_eq!(&base32_decode(enc.as_bytes()).unwrap()[..], &data[..]);
        }
    }
}

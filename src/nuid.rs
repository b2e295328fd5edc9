//! NUID: fast unique identifiers (22 base-62 characters: a random prefix
//! and a sequence with a random increment), used for inboxes.
use parking_lot::Mutex;
use rand::{Rng, RngCore};

const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const PRE_LEN: usize = 12;
const SEQ_LEN: usize = 10;
const MAX_SEQ: u64 = 839_299_365_868_340_224; // 62^10
const MIN_INC: u64 = 33;
const MAX_INC: u64 = 333;

pub const NUID_LEN: usize = PRE_LEN + SEQ_LEN;

pub struct Nuid {
    pre: [u8; PRE_LEN],
    seq: u64,
    inc: u64,
}

impl Default for Nuid {
    fn default() -> Self {
        Self::new()
    }
}

impl Nuid {
    pub fn new() -> Nuid {
        let mut rng = rand::thread_rng();
        let mut n = Nuid {
            pre: [0; PRE_LEN],
            seq: rng.gen_range(0..MAX_SEQ),
            inc: rng.gen_range(MIN_INC..MAX_INC),
        };
        n.randomize_prefix();
        n
    }

    fn randomize_prefix(&mut self) {
        let mut bytes = [0u8; PRE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        for (d, b) in self.pre.iter_mut().zip(bytes) {
            *d = DIGITS[(b as usize) % 62];
        }
    }

    /// Writes the next 22-character NUID.
    pub fn next_bytes(&mut self) -> [u8; NUID_LEN] {
        self.seq += self.inc;
        if self.seq >= MAX_SEQ {
            let mut rng = rand::thread_rng();
            self.randomize_prefix();
            self.seq = rng.gen_range(0..MAX_SEQ);
            self.inc = rng.gen_range(MIN_INC..MAX_INC);
        }
        let mut out = [0u8; NUID_LEN];
        out[..PRE_LEN].copy_from_slice(&self.pre);
        let mut l = self.seq;
        for i in (PRE_LEN..NUID_LEN).rev() {
            out[i] = DIGITS[(l % 62) as usize];
            l /= 62;
        }
        out
    }
}

static GLOBAL: once_cell::sync::Lazy<Mutex<Nuid>> = once_cell::sync::Lazy::new(|| Mutex::new(Nuid::new()));

/// The next NUID from the process-wide generator, as a string.
pub fn next() -> String {
    let b = GLOBAL.lock().next_bytes();
    String::from_utf8_lossy(&b).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn unique_and_well_formed() {
        let mut seen = HashSet::new();
        for _ in 0..10_000 {
            let n = next();
            assert_eq!(n.len(), NUID_LEN);
            assert!(n.bytes().all(|b| b.is_ascii_alphanumeric()));
            assert!(seen.insert(n));
        }
    }
}

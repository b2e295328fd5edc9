//! Secrets do not outlive the connection: connect through the C ABI to a
//! real `nats-server` with a distinctive credential made at run time
//! (password, token, password in the URL, token in the URL, creds file
//! with an NKey seed), close and destroy everything, then read every
//! private writable mapping of this process (`/proc/self/maps` +
//! `/proc/self/mem`: heap, thread stacks, anonymous mappings, `.data` and
//! `.bss`) and count the copies of the credential: none may be left.
//!
//! The test keeps no copy of its own: the credential is built into
//! buffers wiped after use, and the scanner holds it only XOR-masked
//! (mask and masked bytes apart), so it never lies whole in memory but
//! for the library's copies. Each case first checks that the scanner does
//! find the credential while the options still hold it.
#![allow(clippy::missing_safety_doc)]

mod common;
#[path = "common/jwt.rs"]
mod jwt;

use common::server::Server;
use nats::ffi::conn::*;
use nats::ffi::options::*;
use nats::ffi::options_auth::*;
use nats::natsStatus::*;
use std::fs::File;
use std::io::Write;
use std::os::raw::c_char;
use std::os::unix::fs::FileExt;
use std::ptr::null_mut;
use std::sync::Mutex;
use zeroize::{Zeroize, Zeroizing};

/// One case at a time: the scans read the whole process.
static SERIAL: Mutex<()> = Mutex::new(());

/// A byte string to look for, stored XOR-masked.
struct Needle {
    mask: Vec<u8>,
    masked: Vec<u8>,
}

/// Where a copy was found.
#[derive(Debug)]
#[allow(dead_code)] // Printed by `Debug` when the test fails.
struct Hit {
    addr: usize,
    mapping: String,
    /// The bytes before the copy (context for debugging; the copy itself
    /// is not repeated).
    before: String,
}

impl Needle {
    fn new(secret: &[u8]) -> Needle {
        let mask: Vec<u8> = (0..secret.len()).map(|_| rand::random::<u8>() | 1).collect();
        let masked = secret.iter().zip(&mask).map(|(s, m)| s ^ m).collect();
        Needle { mask, masked }
    }

    fn len(&self) -> usize {
        self.mask.len()
    }

    fn matches_at(&self, hay: &[u8]) -> bool {
        hay.len() >= self.len() && hay.iter().zip(self.mask.iter().zip(&self.masked)).all(|(h, (m, x))| h ^ m == *x)
    }

    /// Every copy in the private writable mappings of this process.
    /// `context`: record the bytes before each copy (they may hold another
    /// copy, so only when nothing is to be scanned afterwards).
    fn scan(&self, context: bool) -> Vec<Hit> {
        const CHUNK: usize = 1 << 20;
        let n = self.len();
        let maps = std::fs::read_to_string("/proc/self/maps").expect("read /proc/self/maps");
        let mem = File::open("/proc/self/mem").expect("open /proc/self/mem");
        // The scanner's own buffer (it holds copies of what it reads) is
        // left out of the scan and wiped afterwards.
        let mut buf = vec![0u8; CHUNK + n];
        let own = (buf.as_ptr() as usize, buf.as_ptr() as usize + buf.len());
        let first = self.masked[0] ^ self.mask[0];
        let mut hits = Vec::new();
        for line in maps.lines() {
            let mut f = line.split_whitespace();
            let (Some(range), Some(perms)) = (f.next(), f.next()) else {
                continue;
            };
            if perms != "rw-p" {
                continue;
            }
            let name = line.split_whitespace().nth(5).unwrap_or("[anon]").to_string();
            let (lo, hi) = range.split_once('-').unwrap();
            let lo = usize::from_str_radix(lo, 16).unwrap();
            let hi = usize::from_str_radix(hi, 16).unwrap();
            // The range minus the scanner's buffer.
            let parts = if own.0 < hi && own.1 > lo {
                vec![(lo, own.0.max(lo)), (own.1.min(hi), hi)]
            } else {
                vec![(lo, hi)]
            };
            for (start, end) in parts {
                let mut off = start;
                while off < end {
                    let len = (end - off).min(CHUNK + n - 1);
                    let got = read_mem(&mem, &mut buf[..len], off);
                    let hay = &buf[..got];
                    for i in memchr::memchr_iter(first, hay) {
                        if self.matches_at(&hay[i..]) {
                            let ctx = if context { &hay[i.saturating_sub(96)..i] } else { &[][..] };
                            hits.push(Hit {
                                addr: off + i,
                                mapping: format!("{name} {range} +{:#x}", off + i - lo),
                                before: String::from_utf8_lossy(ctx).into_owned(),
                            });
                        }
                    }
                    if len < CHUNK + n - 1 {
                        break;
                    }
                    off += CHUNK;
                }
            }
        }
        buf.zeroize();
        hits
    }
}

/// Reads what is readable of `[addr, addr + buf.len())` (page by page
/// when the whole read fails); returns the length of the readable prefix
/// (unreadable pages read as zeros).
fn read_mem(mem: &File, buf: &mut [u8], addr: usize) -> usize {
    if let Ok(n) = mem.read_at(buf, addr as u64) {
        if n == buf.len() {
            return n;
        }
    }
    const PAGE: usize = 4096;
    let mut done = 0;
    while done < buf.len() {
        let end = (done + PAGE - (addr + done) % PAGE).min(buf.len());
        if mem.read_at(&mut buf[done..end], (addr + done) as u64).ok() != Some(end - done) {
            buf[done..end].fill(0);
        }
        done = end;
    }
    buf.len()
}

/// A distinctive printable credential, NUL-terminated for C, in a buffer
/// wiped on drop.
fn make_secret(prefix: &str) -> Zeroizing<Vec<u8>> {
    const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut s = Zeroizing::new(Vec::with_capacity(prefix.len() + 33));
    s.extend_from_slice(prefix.as_bytes());
    for _ in 0..32 {
        s.push(ALPHA[rand::random::<usize>() % ALPHA.len()]);
    }
    s.push(0);
    s
}

/// `parts` concatenated (NUL-terminated) into a buffer sized up front and
/// wiped on drop.
fn concat(parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
    let mut v = Zeroizing::new(Vec::with_capacity(parts.iter().map(|p| p.len()).sum::<usize>() + 1));
    for p in parts {
        v.extend_from_slice(p);
    }
    v.push(0);
    v
}

fn no_nul(s: &[u8]) -> &[u8] {
    s.strip_suffix(b"\0").unwrap_or(s)
}

fn cptr(s: &[u8]) -> *const c_char {
    assert_eq!(s.last(), Some(&0));
    s.as_ptr() as *const c_char
}

/// Starts a server whose configuration file (written from a wiped buffer,
/// not through the harness, which would copy the text) is `conf`.
fn server_with_conf(conf: &[u8]) -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth.conf");
    let mut f = File::create(&path).unwrap();
    f.write_all(no_nul(conf)).unwrap();
    drop(f);
    let s = Server::start_with_args(&["-c", path.to_str().unwrap()]);
    (s, dir)
}

/// How the case configures the options.
enum Setup<'a> {
    UserInfo(&'a [u8], &'a [u8]),
    Token(&'a [u8]),
    /// A URL with the credential in it.
    Url(&'a [u8]),
    CredsFile(&'a str),
}

/// Connects with `setup`, checks that the connection is made and that the
/// scanner sees the credential while it is in use, then closes and
/// destroys everything.
fn connect_and_close(url: &str, setup: Setup<'_>, needle: &Needle) {
    unsafe {
        let mut o = null_mut();
        assert_eq!(natsOptions_Create(&mut o), NATS_OK);
        let curl = std::ffi::CString::new(url).unwrap();
        match setup {
            Setup::UserInfo(u, p) => {
                assert_eq!(natsOptions_SetURL(o, curl.as_ptr()), NATS_OK);
                assert_eq!(natsOptions_SetUserInfo(o, cptr(u), cptr(p)), NATS_OK);
            }
            Setup::Token(t) => {
                assert_eq!(natsOptions_SetURL(o, curl.as_ptr()), NATS_OK);
                assert_eq!(natsOptions_SetToken(o, cptr(t)), NATS_OK);
            }
            Setup::Url(u) => assert_eq!(natsOptions_SetURL(o, cptr(u)), NATS_OK),
            Setup::CredsFile(path) => {
                assert_eq!(natsOptions_SetURL(o, curl.as_ptr()), NATS_OK);
                let p = std::ffi::CString::new(path).unwrap();
                assert_eq!(
                    natsOptions_SetUserCredentialsFromFiles(o, p.as_ptr(), std::ptr::null()),
                    NATS_OK
                );
            }
        }
        let mut nc = null_mut();
        assert_eq!(natsConnection_Connect(&mut nc, o), NATS_OK, "connect with the credential");
        // The scanner works: the test's buffers (and, but for a creds
        // file, the options) hold the credential now.
        assert!(!needle.scan(false).is_empty(), "the scanner does not see a live copy");
        natsConnection_Close(nc);
        natsConnection_Destroy(nc);
        natsOptions_Destroy(o);
    }
    // The connection's threads end (and drop their references to it)
    // shortly after natsConnection_Destroy.
    assert!(
        common::wait_for(std::time::Duration::from_secs(10), || nats::runtime::thread_count() == 0),
        "library threads still running 10 s after natsConnection_Destroy"
    );
}

/// After the test wiped its own buffers: no copy may be left.
fn assert_no_copy(needle: &Needle) {
    let hits = needle.scan(true);
    assert!(
        hits.is_empty(),
        "{} copies of the credential left in memory after close/destroy: {hits:?}",
        hits.len()
    );
}

#[test]
fn password_is_wiped() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut pass = make_secret("pw-");
    let needle = Needle::new(no_nul(&pass));
    let mut conf = concat(&[b"authorization { user: alice, password: \"", no_nul(&pass), b"\" }\n"]);
    let (srv, _dir) = server_with_conf(&conf);
    conf.zeroize();
    connect_and_close(&srv.url(), Setup::UserInfo(b"alice\0", &pass), &needle);
    pass.zeroize();
    assert_no_copy(&needle);
}

#[test]
fn token_is_wiped() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut tok = make_secret("tok-");
    let needle = Needle::new(no_nul(&tok));
    let mut conf = concat(&[b"authorization { token: \"", no_nul(&tok), b"\" }\n"]);
    let (srv, _dir) = server_with_conf(&conf);
    conf.zeroize();
    connect_and_close(&srv.url(), Setup::Token(&tok), &needle);
    tok.zeroize();
    assert_no_copy(&needle);
}

#[test]
fn url_password_is_wiped() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut pass = make_secret("urlpw-");
    let needle = Needle::new(no_nul(&pass));
    let mut conf = concat(&[b"authorization { user: bob, password: \"", no_nul(&pass), b"\" }\n"]);
    let (srv, _dir) = server_with_conf(&conf);
    conf.zeroize();
    let port = srv.port().to_string();
    let mut url = concat(&[b"nats://bob:", no_nul(&pass), b"@127.0.0.1:", port.as_bytes()]);
    connect_and_close(&srv.url(), Setup::Url(&url), &needle);
    pass.zeroize();
    url.zeroize();
    assert_no_copy(&needle);
}

#[test]
fn url_token_is_wiped() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut tok = make_secret("urltok-");
    let needle = Needle::new(no_nul(&tok));
    let mut conf = concat(&[b"authorization { token: \"", no_nul(&tok), b"\" }\n"]);
    let (srv, _dir) = server_with_conf(&conf);
    conf.zeroize();
    let port = srv.port().to_string();
    let mut url = concat(&[b"nats://", no_nul(&tok), b"@127.0.0.1:", port.as_bytes()]);
    connect_and_close(&srv.url(), Setup::Url(&url), &needle);
    tok.zeroize();
    url.zeroize();
    assert_no_copy(&needle);
}

#[test]
fn creds_seed_is_wiped() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let chain = jwt::Chain::new(None);
    let srv = Server::start(&chain.server_config());
    // The encoded user seed ("SU…"), made by the nkeys crate into a
    // string of exact size, wrapped at once so that it is wiped.
    let seed = Zeroizing::new(chain.user.seed().unwrap());
    let needle = Needle::new(seed.as_bytes());
    let mut creds = concat(&[
        b"-----BEGIN NATS USER JWT-----\n",
        chain.user_jwt.as_bytes(),
        b"\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n",
        seed.as_bytes(),
        b"\n------END USER NKEY SEED------\n",
    ]);
    drop(seed);
    drop(chain);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("user.creds");
    let mut f = File::create(&path).unwrap();
    f.write_all(no_nul(&creds)).unwrap();
    drop(f);
    connect_and_close(&srv.url(), Setup::CredsFile(path.to_str().unwrap()), &needle);
    creds.zeroize();
    assert_no_copy(&needle);
}

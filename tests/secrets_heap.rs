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
use nats::ffi::options_tls::*;
use nats::ffi::stats::*;
use nats::natsStatus::*;
use std::fs::File;
use std::io::Write;
use std::os::raw::c_char;
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
        hay.len() >= self.len()
            && hay
                .iter()
                .zip(self.mask.iter().zip(&self.masked))
                .all(|(h, (m, x))| h ^ m == *x)
    }

    /// Every copy in the private writable mappings of this process.
    fn scan(&self, context: bool) -> Vec<Hit> {
        scan(&[self], context)
    }
}

/// A buffer of its own mapping (not from the allocator, so that the scan
/// neither reuses, and so overwrites, freed heap blocks that may hold
/// copies, nor has to look at its own copies).
struct MapBuf {
    ptr: *mut u8,
    len: usize,
}

impl MapBuf {
    fn new(len: usize) -> MapBuf {
        // SAFETY: an anonymous private mapping, checked below.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(p, libc::MAP_FAILED, "mmap");
        MapBuf { ptr: p as *mut u8, len }
    }
    fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: `ptr` maps `len` writable bytes until drop.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
    fn range(&self) -> (usize, usize) {
        (self.ptr as usize, self.ptr as usize + self.len)
    }
}

impl Drop for MapBuf {
    fn drop(&mut self) {
        self.bytes().zeroize();
        // SAFETY: unmaps what `new` mapped.
        unsafe { libc::munmap(self.ptr as *mut libc::c_void, self.len) };
    }
}

/// Reads the whole of the file `path` (a C string) into `buf`; returns
/// the length.
fn read_whole(path: &std::ffi::CStr, buf: &mut [u8]) -> usize {
    // SAFETY: plain open/read/close on a buffer we own.
    unsafe {
        let fd = libc::open(path.as_ptr(), libc::O_RDONLY);
        assert!(fd >= 0, "open {path:?}");
        let mut n = 0;
        loop {
            let r = libc::read(fd, buf[n..].as_mut_ptr() as *mut libc::c_void, buf.len() - n);
            if r <= 0 {
                break;
            }
            n += r as usize;
            assert!(n < buf.len(), "{path:?} too large");
        }
        libc::close(fd);
        n
    }
}

fn hex(s: &[u8]) -> usize {
    s.iter()
        .fold(0, |a, c| a * 16 + (*c as char).to_digit(16).unwrap() as usize)
}

/// Counts the copies of any of `needles` in the private writable
/// (`rw-p`) mappings of this process: heap and malloc arenas, thread
/// stacks (also those the C library keeps for reuse), `.data`/`.bss`,
/// anonymous mappings. Allocates nothing while scanning unless a copy is
/// found; with `context`, records the bytes before each copy (they may
/// hold another copy, so only on the last scan).
fn scan(needles: &[&Needle], context: bool) -> Vec<Hit> {
    const CHUNK: usize = 1 << 20;
    let n = needles.iter().map(|x| x.len()).max().unwrap();
    let mut maps = MapBuf::new(4 << 20);
    let mut buf = MapBuf::new(CHUNK + n);
    let own = [maps.range(), buf.range()];
    let maps_len = read_whole(c"/proc/self/maps", maps.bytes());
    // SAFETY: opening our own memory file for reading.
    let mem = unsafe { libc::open(c"/proc/self/mem".as_ptr(), libc::O_RDONLY) };
    assert!(mem >= 0, "open /proc/self/mem");
    let mut hits = Vec::new();
    let maps_text: &[u8] = &maps.bytes()[..maps_len];
    // SAFETY: `maps` outlives this borrow (it is only dropped at the end).
    let maps_text: &[u8] = unsafe { std::slice::from_raw_parts(maps_text.as_ptr(), maps_text.len()) };
    for line in maps_text.split(|c| *c == b'\n') {
        let mut f = line.split(|c| *c == b' ').filter(|x| !x.is_empty());
        let (Some(range), Some(perms)) = (f.next(), f.next()) else {
            continue;
        };
        if perms != b"rw-p" {
            continue;
        }
        let dash = range.iter().position(|c| *c == b'-').unwrap();
        let (lo, hi) = (hex(&range[..dash]), hex(&range[dash + 1..]));
        // The range minus the scanner's own buffers.
        let mut parts = [(lo, hi), (0, 0), (0, 0)];
        for (k, o) in own.iter().enumerate() {
            if o.0 < hi && o.1 > lo {
                parts[0] = (lo, o.0.max(lo));
                parts[k + 1] = (o.1.min(hi), hi);
            }
        }
        for &(start, end) in &parts {
            let mut off = start;
            while off < end {
                let len = (end - off).min(CHUNK + n - 1);
                read_mem(mem, &mut buf.bytes()[..len], off);
                let hay: &[u8] = &buf.bytes()[..len];
                for nd in needles {
                    let first = nd.masked[0] ^ nd.mask[0];
                    for i in memchr::memchr_iter(first, hay) {
                        if nd.matches_at(&hay[i..]) {
                            let ctx = if context {
                                &hay[i.saturating_sub(96)..i]
                            } else {
                                &[][..]
                            };
                            hits.push(Hit {
                                addr: off + i,
                                mapping: format!("{} +{:#x}", String::from_utf8_lossy(line), off + i - lo),
                                before: String::from_utf8_lossy(ctx).into_owned(),
                            });
                        }
                    }
                }
                if len < CHUNK + n - 1 {
                    break;
                }
                off += CHUNK;
            }
        }
    }
    // SAFETY: closing what we opened.
    unsafe { libc::close(mem) };
    hits
}

/// Reads `[addr, addr + buf.len())` of our memory; unreadable pages read
/// as zeros.
fn read_mem(mem: libc::c_int, buf: &mut [u8], addr: usize) {
    let pread = |b: &mut [u8], at: usize| -> bool {
        // SAFETY: reads into a buffer we own.
        let r = unsafe { libc::pread(mem, b.as_mut_ptr() as *mut libc::c_void, b.len(), at as libc::off_t) };
        r == b.len() as isize
    };
    if pread(buf, addr) {
        return;
    }
    const PAGE: usize = 4096;
    let mut done = 0;
    while done < buf.len() {
        let end = (done + PAGE - (addr + done) % PAGE).min(buf.len());
        if !pread(&mut buf[done..end], addr + done) {
            buf[done..end].fill(0);
        }
        done = end;
    }
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
    /// User and password over TLS, trusting this CA file.
    UserInfoTls(&'a [u8], &'a [u8], &'a str),
    Token(&'a [u8]),
    /// A URL with the credential in it.
    Url(&'a [u8]),
    CredsFile(&'a str),
}

/// Connects with `setup`, checks that the connection is made and that the
/// scanner sees the credential while it is in use, then closes and
/// destroys everything.
fn connect_and_close(url: &str, setup: Setup<'_>, needle: &Needle) {
    connect_reconnect_close(url, setup, needle, false)
}

/// The same, with `reconnect`: after a forced reconnect (the handshake then
/// runs on the library's reader thread).
fn connect_reconnect_close(url: &str, setup: Setup<'_>, needle: &Needle, reconnect: bool) {
    unsafe {
        let mut o = null_mut();
        assert_eq!(natsOptions_Create(&mut o), NATS_OK);
        let curl = std::ffi::CString::new(url).unwrap();
        match setup {
            Setup::UserInfo(u, p) => {
                assert_eq!(natsOptions_SetURL(o, curl.as_ptr()), NATS_OK);
                assert_eq!(natsOptions_SetUserInfo(o, cptr(u), cptr(p)), NATS_OK);
            }
            Setup::UserInfoTls(u, p, ca) => {
                assert_eq!(natsOptions_SetURL(o, curl.as_ptr()), NATS_OK);
                assert_eq!(natsOptions_SetUserInfo(o, cptr(u), cptr(p)), NATS_OK);
                assert_eq!(natsOptions_SetSecure(o, true), NATS_OK);
                let ca = std::ffi::CString::new(ca).unwrap();
                assert_eq!(natsOptions_LoadCATrustedCertificates(o, ca.as_ptr()), NATS_OK);
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
        assert_eq!(
            natsConnection_Connect(&mut nc, o),
            NATS_OK,
            "connect with the credential"
        );
        // The scanner works: the test's buffers (and, but for a creds
        // file, the options) hold the credential now.
        assert!(!needle.scan(false).is_empty(), "the scanner does not see a live copy");
        if reconnect {
            let mut st = null_mut();
            assert_eq!(natsStatistics_Create(&mut st), NATS_OK);
            assert_eq!(natsConnection_Reconnect(nc), NATS_OK);
            let reconnected = common::wait_for(std::time::Duration::from_secs(10), || {
                let mut n = 0u64;
                assert_eq!(natsConnection_GetStats(nc, st), NATS_OK);
                let p = null_mut();
                assert_eq!(natsStatistics_GetCounts(st, p, p, p, p, &mut n), NATS_OK);
                n >= 1 && natsConnection_Status(nc) == nats::status::natsConnStatus::NATS_CONN_STATUS_CONNECTED
            });
            natsStatistics_Destroy(st);
            assert!(reconnected, "no reconnect within 10 s");
        }
        natsConnection_Close(nc);
        natsConnection_Destroy(nc);
        natsOptions_Destroy(o);
    }
    // The connection's threads end (and drop their references to it)
    // shortly after natsConnection_Destroy.
    assert!(
        common::wait_for(std::time::Duration::from_secs(10), || nats::runtime::thread_count()
            == 0),
        "library threads still running 10 s after natsConnection_Destroy"
    );
}

/// After the test wiped its own buffers: no copy may be left.
fn assert_no_copy(needles: &[&Needle]) {
    let hits = scan(needles, true);
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
    assert_no_copy(&[&needle]);
}

/// The same after a reconnect (handshake on the reader thread, whose
/// stack the C library keeps for reuse once the thread has ended).
#[test]
fn password_after_reconnect_is_wiped() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut pass = make_secret("recpw-");
    let needle = Needle::new(no_nul(&pass));
    let mut conf = concat(&[b"authorization { user: dave, password: \"", no_nul(&pass), b"\" }\n"]);
    let (srv, _dir) = server_with_conf(&conf);
    conf.zeroize();
    connect_reconnect_close(&srv.url(), Setup::UserInfo(b"dave\0", &pass), &needle, true);
    pass.zeroize();
    assert_no_copy(&[&needle]);
}

/// The same through TLS (rustls copies the plaintext into a record buffer
/// that it encrypts in place).
#[test]
fn password_over_tls_is_wiped() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    std::fs::write(p("ca.pem"), ca.pem()).unwrap();
    std::fs::write(p("cert.pem"), leaf.pem()).unwrap();
    std::fs::write(p("key.pem"), key.serialize_pem()).unwrap();
    let tls = format!(
        "tls {{ cert_file: \"{}\", key_file: \"{}\", timeout: 5 }}\n",
        p("cert.pem"),
        p("key.pem")
    );

    let mut pass = make_secret("tlspw-");
    let needle = Needle::new(no_nul(&pass));
    let mut conf = concat(&[
        tls.as_bytes(),
        b"authorization { user: carol, password: \"",
        no_nul(&pass),
        b"\" }\n",
    ]);
    let (srv, _dir) = server_with_conf(&conf);
    conf.zeroize();
    connect_and_close(&srv.url(), Setup::UserInfoTls(b"carol\0", &pass, &p("ca.pem")), &needle);
    pass.zeroize();
    assert_no_copy(&[&needle]);
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
    assert_no_copy(&[&needle]);
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
    assert_no_copy(&[&needle]);
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
    assert_no_copy(&[&needle]);
}

/// Overwrites the stack area below the caller's frame (the test's own
/// helper frames) with zeros.
#[inline(never)]
fn scrub_own_stack() {
    let mut area = [0u8; 64 * 1024];
    area.zeroize();
    std::hint::black_box(&area);
}

/// A new user NKey made here rather than by the nkeys crate (whose
/// encoding leaves unwiped copies of the raw seed): the raw 32 bytes from
/// /dev/urandom and their encoded seed ("SU…"), both in wiped buffers.
/// (On the heap: a moved array would leave copies in stack frames.)
fn new_user_seed() -> (Zeroizing<Vec<u8>>, Zeroizing<String>) {
    use std::io::Read;
    let mut raw = Zeroizing::new(vec![0u8; 32]);
    File::open("/dev/urandom").unwrap().read_exact(&mut raw).unwrap();
    // Seed prefix (18 << 3) carrying the user type (20 << 3), the raw
    // seed, CRC-16/XMODEM little-endian; base32 without padding.
    let mut data = Zeroizing::new(Vec::with_capacity(36));
    data.extend_from_slice(&[(18 << 3) | ((20 << 3) >> 5), ((20 << 3) & 31) << 3]);
    data.extend_from_slice(&raw);
    let mut crc: u16 = 0;
    for &b in data.iter() {
        crc ^= (b as u16) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    data.extend_from_slice(&crc.to_le_bytes());
    const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut enc = Zeroizing::new(String::with_capacity(64));
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in data.iter() {
        acc = ((acc << 8) | b as u32) & 0xFFFF;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            enc.push(B32[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        enc.push(B32[((acc << (5 - bits)) & 31) as usize] as char);
    }
    acc.zeroize();
    (raw, enc)
}

#[test]
fn creds_seed_is_wiped() {
    let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let chain = jwt::Chain::new(None);
    let srv = Server::start(&chain.server_config());
    let (raw, seed) = new_user_seed();
    assert!(seed.starts_with("SU") && seed.len() == 58, "{}", seed.len());
    // The public key, derived by the library on a thread of our own whose
    // stack is scrubbed before it ends.
    let pk = std::thread::scope(|sc| {
        sc.spawn(|| {
            let pk = nats::auth::nkeys::public_key_from_seed(seed.as_bytes()).unwrap();
            scrub_own_stack();
            pk
        })
        .join()
        .unwrap()
    });
    let mut user_jwt = jwt::user_jwt(&chain.account, &pk, "secrets-user", None);
    drop(chain);
    let needle = Needle::new(seed.as_bytes());
    let raw_needle = Needle::new(&raw);
    drop(raw);
    // The user JWT too (sent in CONNECT, with the nonce signature).
    let jwt_needle = Needle::new(user_jwt.as_bytes());
    let mut creds = concat(&[
        b"-----BEGIN NATS USER JWT-----\n",
        user_jwt.as_bytes(),
        b"\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n",
        seed.as_bytes(),
        b"\n------END USER NKEY SEED------\n",
    ]);
    drop(seed);
    user_jwt.zeroize();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("user.creds");
    let mut f = File::create(&path).unwrap();
    f.write_all(no_nul(&creds)).unwrap();
    drop(f);
    connect_and_close(&srv.url(), Setup::CredsFile(path.to_str().unwrap()), &needle);
    creds.zeroize();
    assert_no_copy(&[&needle, &raw_needle, &jwt_needle]);
}

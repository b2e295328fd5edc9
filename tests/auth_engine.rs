//! Authentication end to end: `natsOptions_*` auth setters, then
//! `natsConnection_Connect` and the asynchronous paths (expiry, reconnect,
//! permission violations), through the C ABI against real `nats-server`s
//! whose configurations are written here.
#![allow(clippy::missing_safety_doc)]

mod common;
#[path = "common/jwt.rs"]
mod jwt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::server::Server;
use common::wait_for;
use nats::ffi::conn::*;
use nats::ffi::conn_pub::*;
use nats::ffi::conn_sub::*;
use nats::ffi::library::*;
use nats::ffi::options::*;
use nats::ffi::options_auth::*;
use nats::ffi::stats::*;
use nats::ffi::sub::*;
use nats::natsStatus::{self, *};
use nats::status::natsConnStatus::*;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_uchar, c_void};
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// The NATS docs' NKey example ("Authenticating with an NKey"): a public
/// known-answer vector, used only by `known_answer_vectors` (the
/// authenticating tests use keys made at run time, `user_keys`).
const DOCS_SEED: &str = "SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY";
const DOCS_PUB: &str = "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4";
/// Its signature of the 5 bytes "nonce" (cnats' test_natsSign).
const DOCS_SIG_OF_NONCE: &str =
    "AVfpO7Pw3rc56hoO1OJcFxXUCfBmO2qouchBchSlL45Fuur9zS15UzytEI1QC5wwVG7uiHIdqyfmOS6uPrwqCg";
/// cnats' test_natsKeys vector (public), also only a known answer.
const OTHER_SEED: &str = "SUAMK2FG4MI6UE3ACF3FK3OIQBCEIEZV7NSWFFEW63UXMRLFM2XLAXK4GY";
const OTHER_SIG_OF_NONCE: &str =
    "m50It12aTgfbJwsQhucujqhXbsq7tLM-Mf_hSjBQsG_4onm8y2Vkw6JG1bbcDkdxXe-Ng0K-7X9ov4rZ4wFcDg";

const WAIT: Duration = Duration::from_secs(30);

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

unsafe fn text(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

/// The thread's last error (`nats_GetLastError`).
fn last_error() -> (natsStatus, String) {
    let mut st = NATS_OK;
    let p = unsafe { nats_GetLastError(&mut st) };
    (st, unsafe { text(p) })
}

struct Opts(*mut natsOptions);

impl Opts {
    fn new(url: &str) -> Opts {
        let mut o = null_mut();
        assert_eq!(unsafe { natsOptions_Create(&mut o) }, NATS_OK);
        assert_eq!(unsafe { natsOptions_SetURL(o, c(url).as_ptr()) }, NATS_OK);
        Opts(o)
    }
    fn user_info(self, user: &str, pass: &str) -> Opts {
        assert_eq!(
            unsafe { natsOptions_SetUserInfo(self.0, c(user).as_ptr(), c(pass).as_ptr()) },
            NATS_OK
        );
        self
    }
    fn token(self, token: &str) -> Opts {
        assert_eq!(unsafe { natsOptions_SetToken(self.0, c(token).as_ptr()) }, NATS_OK);
        self
    }
    /// Quick reconnects, no jitter.
    fn fast_reconnect(self, max: i32) -> Opts {
        unsafe {
            assert_eq!(natsOptions_SetMaxReconnect(self.0, max), NATS_OK);
            assert_eq!(natsOptions_SetReconnectWait(self.0, 50), NATS_OK);
            assert_eq!(natsOptions_SetReconnectJitter(self.0, 0, 0), NATS_OK);
        }
        self
    }
    fn events(self, ev: &'static Events) -> Opts {
        let cl = ev as *const Events as *mut c_void;
        unsafe {
            assert_eq!(natsOptions_SetErrorHandler(self.0, Some(on_error), cl), NATS_OK);
            assert_eq!(natsOptions_SetClosedCB(self.0, Some(on_closed), cl), NATS_OK);
            assert_eq!(
                natsOptions_SetDisconnectedCB(self.0, Some(on_disconnected), cl),
                NATS_OK
            );
            assert_eq!(natsOptions_SetReconnectedCB(self.0, Some(on_reconnected), cl), NATS_OK);
        }
        self
    }
}

impl Drop for Opts {
    fn drop(&mut self) {
        unsafe { natsOptions_Destroy(self.0) }
    }
}

struct Conn(*mut natsConnection);

impl Drop for Conn {
    fn drop(&mut self) {
        unsafe { natsConnection_Destroy(self.0) }
    }
}

impl Conn {
    /// Publishes and flushes: the connection works.
    fn round_trip(&self) {
        unsafe {
            assert_eq!(
                natsConnection_PublishString(self.0, c("auth.check").as_ptr(), c("x").as_ptr()),
                NATS_OK
            );
            assert_eq!(
                natsConnection_FlushTimeout(self.0, 5000),
                NATS_OK,
                "flush: {:?}",
                last_error()
            );
        }
    }
    /// `natsConnection_ReadLastError`, and checks that
    /// `natsConnection_GetLastError` agrees.
    fn last_error(&self) -> (natsStatus, String) {
        let mut buf = [0 as c_char; 512];
        let s = unsafe { natsConnection_ReadLastError(self.0, buf.as_mut_ptr(), buf.len()) };
        let t = unsafe { text(buf.as_ptr()) };
        let mut p: *const c_char = null();
        let s2 = unsafe { natsConnection_GetLastError(self.0, &mut p) };
        assert_eq!(s2, s);
        assert_eq!(unsafe { text(p) }, t);
        (s, t)
    }
    fn is_closed(&self) -> bool {
        unsafe { natsConnection_IsClosed(self.0) }
    }
}

fn try_connect(o: &Opts) -> Result<Conn, (natsStatus, String)> {
    let mut nc = null_mut();
    let s = unsafe { natsConnection_Connect(&mut nc, o.0) };
    if s == NATS_OK {
        assert!(!nc.is_null());
        Ok(Conn(nc))
    } else {
        assert!(nc.is_null(), "no connection is handed out on failure");
        let (st, t) = last_error();
        assert_eq!(st, s, "nats_GetLastError has the status returned");
        Err((s, t))
    }
}

fn connect(o: &Opts) -> Conn {
    try_connect(o).unwrap_or_else(|e| panic!("connect failed: {e:?}"))
}

/// Asserts a refused connect: `NATS_CONNECTION_AUTH_FAILED` with the
/// server's text in `nats_GetLastError`.
fn assert_refused(o: &Opts) {
    match try_connect(o) {
        Ok(_) => panic!("connect should have been refused"),
        Err((s, t)) => {
            assert_eq!(s, NATS_CONNECTION_AUTH_FAILED, "text: {t}");
            assert!(t.contains("Authorization Violation"), "last error text: {t:?}");
        }
    }
}

// ---------- connection events ----------

#[derive(Default)]
struct Events {
    /// (status, thread's last error text during the handler)
    errors: Mutex<Vec<(natsStatus, String)>>,
    closed: AtomicUsize,
    disconnected: AtomicUsize,
    reconnected: AtomicUsize,
}

impl Events {
    fn leak() -> &'static Events {
        Box::leak(Box::default())
    }
    fn errors(&self) -> Vec<(natsStatus, String)> {
        self.errors.lock().unwrap().clone()
    }
    fn error_count(&self, s: natsStatus) -> usize {
        self.errors().iter().filter(|e| e.0 == s).count()
    }
}

unsafe extern "C" fn on_error(_nc: *mut natsConnection, _sub: *mut natsSubscription, err: natsStatus, cl: *mut c_void) {
    let ev = unsafe { &*(cl as *const Events) };
    // cnats makes the error's text the thread's last error while the
    // handler runs.
    let (st, t) = last_error();
    let t = if st == err { t } else { String::new() };
    ev.errors.lock().unwrap().push((err, t));
}

unsafe extern "C" fn on_closed(_nc: *mut natsConnection, cl: *mut c_void) {
    unsafe { &*(cl as *const Events) }.closed.fetch_add(1, Ordering::SeqCst);
}

unsafe extern "C" fn on_disconnected(_nc: *mut natsConnection, cl: *mut c_void) {
    unsafe { &*(cl as *const Events) }
        .disconnected
        .fetch_add(1, Ordering::SeqCst);
}

unsafe extern "C" fn on_reconnected(_nc: *mut natsConnection, cl: *mut c_void) {
    unsafe { &*(cl as *const Events) }
        .reconnected
        .fetch_add(1, Ordering::SeqCst);
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn with_creds(url: &str, userinfo: &str) -> String {
    url.replacen("nats://", &format!("nats://{userinfo}@"), 1)
}

// ---------- user / password ----------

/// A password with a quote, a backslash, non-ASCII text, spaces and URL
/// delimiters.
const ODD_PASSWORD: &str = "p\"a\\ss wörd 日本 :@/%?#";

fn users_server() -> Server {
    let bob = bcrypt::hash("bob-secret", 4).unwrap();
    let carol = bcrypt::hash(ODD_PASSWORD, 4).unwrap();
    Server::start(&format!(
        "authorization {{ users: [\n\
           {{user: alice, password: \"plain-secret\"}}\n\
           {{user: bob, password: \"{bob}\"}}\n\
           {{user: carol, password: \"{carol}\"}}\n\
         ] }}\n"
    ))
}

#[test]
fn user_password_plain_bcrypt_and_any_characters() {
    let srv = users_server();
    let url = srv.url();
    connect(&Opts::new(&url).user_info("alice", "plain-secret")).round_trip();
    connect(&Opts::new(&url).user_info("bob", "bob-secret")).round_trip();
    connect(&Opts::new(&url).user_info("carol", ODD_PASSWORD)).round_trip();
    // The same password in the URL, percent-encoded.
    connect(&Opts::new(&with_creds(&url, &format!("carol:{}", pct(ODD_PASSWORD))))).round_trip();

    assert_refused(&Opts::new(&url).user_info("alice", "wrong"));
    assert_refused(&Opts::new(&url).user_info("bob", "plain-secret"));
    assert_refused(&Opts::new(&url).user_info("carol", "p\"a\\ss"));
    assert_refused(&Opts::new(&url));
    assert_refused(&Opts::new(&with_creds(&url, "alice:wrong")));
}

#[test]
fn url_credentials_win_over_options() {
    let srv = users_server();
    let url = srv.url();
    let good_url = with_creds(&url, "alice:plain-secret");
    let bad_url = with_creds(&url, "alice:wrong");
    connect(&Opts::new(&good_url).user_info("alice", "wrong")).round_trip();
    connect(&Opts::new(&good_url).user_info("nobody", "nothing")).round_trip();
    assert_refused(&Opts::new(&bad_url).user_info("alice", "plain-secret"));
}

// ---------- tokens ----------

struct TokenState {
    tokens: Vec<CString>,
    calls: AtomicUsize,
}

/// Returns `tokens[calls]` (the last one once exhausted).
unsafe extern "C" fn token_cb(cl: *mut c_void) -> *const c_char {
    let t = unsafe { &*(cl as *const TokenState) };
    let n = t.calls.fetch_add(1, Ordering::SeqCst);
    t.tokens[n.min(t.tokens.len() - 1)].as_ptr()
}

fn token_state(tokens: &[&str]) -> &'static TokenState {
    Box::leak(Box::new(TokenState {
        tokens: tokens.iter().map(|t| c(t)).collect(),
        calls: AtomicUsize::new(0),
    }))
}

#[test]
fn token_option_url_and_handler() {
    let srv = Server::start("authorization { token: \"s3cr3t-t0ken\" }\n");
    let url = srv.url();
    connect(&Opts::new(&url).token("s3cr3t-t0ken")).round_trip();
    connect(&Opts::new(&with_creds(&url, "s3cr3t-t0ken"))).round_trip();
    // The URL's token wins over the option's.
    connect(&Opts::new(&with_creds(&url, "s3cr3t-t0ken")).token("wrong")).round_trip();
    assert_refused(&Opts::new(&with_creds(&url, "wrong")).token("s3cr3t-t0ken"));
    assert_refused(&Opts::new(&url).token("wrong"));
    assert_refused(&Opts::new(&url));

    // A handler, called at connect.
    let ts = token_state(&["s3cr3t-t0ken"]);
    let o = Opts::new(&url);
    let cl = ts as *const TokenState as *mut c_void;
    assert_eq!(unsafe { natsOptions_SetTokenHandler(o.0, Some(token_cb), cl) }, NATS_OK);
    connect(&o).round_trip();
    assert_eq!(ts.calls.load(Ordering::SeqCst), 1);
    connect(&o).round_trip();
    assert_eq!(ts.calls.load(Ordering::SeqCst), 2);

    // Token and handler together.
    assert_eq!(
        unsafe { natsOptions_SetToken(o.0, c("s3cr3t-t0ken").as_ptr()) },
        NATS_ILLEGAL_STATE
    );
    let o2 = Opts::new(&url).token("s3cr3t-t0ken");
    assert_eq!(
        unsafe { natsOptions_SetTokenHandler(o2.0, Some(token_cb), cl) },
        NATS_ILLEGAL_STATE
    );
    assert_eq!(last_error().0, NATS_ILLEGAL_STATE);
    // ... or a token in the URL with a handler: refused at connect.
    let o3 = Opts::new(&with_creds(&url, "s3cr3t-t0ken"));
    assert_eq!(
        unsafe { natsOptions_SetTokenHandler(o3.0, Some(token_cb), cl) },
        NATS_OK
    );
    let (s, _) = try_connect(&o3).err().expect("token in URL + handler must fail");
    assert_eq!(s, NATS_ILLEGAL_STATE);
}

#[test]
fn token_handler_called_again_on_reconnect() {
    let mut srv = Server::start("authorization { token: \"first\" }\n");
    let ts = token_state(&["first", "second"]);
    let ev = Events::leak();
    let o = Opts::new(&srv.url()).fast_reconnect(-1).events(ev);
    assert_eq!(
        unsafe { natsOptions_SetTokenHandler(o.0, Some(token_cb), ts as *const _ as *mut c_void) },
        NATS_OK
    );
    let nc = connect(&o);
    assert_eq!(ts.calls.load(Ordering::SeqCst), 1);

    // The server comes back wanting the rotated token: only a new call to
    // the handler gets us in.
    std::fs::write(srv.config_path().unwrap(), "authorization { token: \"second\" }\n").unwrap();
    srv.restart();
    assert!(
        wait_for(WAIT, || ev.reconnected.load(Ordering::SeqCst) == 1),
        "no reconnect; errors {:?}",
        ev.errors()
    );
    assert!(ts.calls.load(Ordering::SeqCst) >= 2);
    nc.round_trip();
    assert!(!nc.is_closed());
}

// ---------- NKeys ----------

/// A fresh user NKey pair (public key, seed).
fn user_keys() -> (String, String) {
    let kp = nkeys::KeyPair::new_user();
    (kp.public_key(), kp.seed().unwrap())
}

fn nkey_server(pub_key: &str) -> Server {
    Server::start(&format!("authorization {{ users: [ {{nkey: {pub_key}}} ] }}\n"))
}

struct SigState {
    seed: CString,
    calls: AtomicUsize,
    nonce_seen: Mutex<Option<String>>,
}

fn sig_state(seed: &str) -> &'static SigState {
    Box::leak(Box::new(SigState {
        seed: c(seed),
        calls: AtomicUsize::new(0),
        nonce_seen: Mutex::new(None),
    }))
}

/// A signature callback in the shape of the NATS docs: signs the nonce and
/// hands over a malloc'ed signature (from `nats_Sign`).
unsafe extern "C" fn sign_cb(
    _err: *mut *mut c_char,
    sig: *mut *mut c_uchar,
    sig_len: *mut c_int,
    nonce: *const c_char,
    cl: *mut c_void,
) -> natsStatus {
    let st = unsafe { &*(cl as *const SigState) };
    st.calls.fetch_add(1, Ordering::SeqCst);
    *st.nonce_seen.lock().unwrap() = Some(unsafe { text(nonce) });
    unsafe { nats_Sign(st.seed.as_ptr(), nonce, sig, sig_len) }
}

/// A signature callback that fails with its own text (malloc'ed, freed by
/// the library).
unsafe extern "C" fn failing_sign_cb(
    err: *mut *mut c_char,
    _sig: *mut *mut c_uchar,
    _sig_len: *mut c_int,
    _nonce: *const c_char,
    _cl: *mut c_void,
) -> natsStatus {
    unsafe { *err = libc::strdup(c("the HSM is offline").as_ptr()) };
    NATS_NOT_PERMITTED
}

#[test]
fn nkey_with_signature_callback() {
    let (user_pub, user_seed) = user_keys();
    let (_, other_seed) = user_keys();
    let srv = nkey_server(&user_pub);
    let url = srv.url();

    let st = sig_state(&user_seed);
    let o = Opts::new(&url);
    assert_eq!(
        unsafe { natsOptions_SetNKey(o.0, c(&user_pub).as_ptr(), Some(sign_cb), st as *const _ as *mut c_void) },
        NATS_OK
    );
    let nc = connect(&o);
    nc.round_trip();
    assert_eq!(st.calls.load(Ordering::SeqCst), 1);
    let nonce = st.nonce_seen.lock().unwrap().clone().unwrap();
    assert!(!nonce.is_empty(), "the server's nonce is passed to the callback");
    drop(nc);

    // Signed with the wrong key.
    let bad = sig_state(&other_seed);
    let o = Opts::new(&url);
    assert_eq!(
        unsafe {
            natsOptions_SetNKey(
                o.0,
                c(&user_pub).as_ptr(),
                Some(sign_cb),
                bad as *const _ as *mut c_void,
            )
        },
        NATS_OK
    );
    assert_refused(&o);

    // The callback's error and text fail the connect.
    let o = Opts::new(&url);
    assert_eq!(
        unsafe { natsOptions_SetNKey(o.0, c(&user_pub).as_ptr(), Some(failing_sign_cb), null_mut()) },
        NATS_OK
    );
    let (s, t) = try_connect(&o).err().expect("failing signature callback");
    assert_eq!(s, NATS_NOT_PERMITTED);
    assert!(t.contains("the HSM is offline"), "{t:?}");

    // A public key needs a callback.
    let o = Opts::new(&url);
    assert_eq!(
        unsafe { natsOptions_SetNKey(o.0, c(&user_pub).as_ptr(), None, null_mut()) },
        NATS_INVALID_ARG
    );
}

#[test]
fn nkey_seed_file_is_read_at_each_connect() {
    let (user_pub, user_seed) = user_keys();
    let (_, other_seed) = user_keys();
    let srv = nkey_server(&user_pub);
    let dir = tempfile::tempdir().unwrap();
    let seed_file = dir.path().join("user.nk");
    let o = Opts::new(&srv.url());
    let path = c(seed_file.to_str().unwrap());
    assert_eq!(
        unsafe { natsOptions_SetNKeyFromSeed(o.0, c(&user_pub).as_ptr(), path.as_ptr()) },
        NATS_OK
    );

    // Not there yet.
    let (s, t) = try_connect(&o).err().expect("missing seed file");
    assert_eq!(s, NATS_ERR);
    assert!(t.contains("error opening file") && t.contains("user.nk"), "{t:?}");

    std::fs::write(&seed_file, format!("{user_seed}\n")).unwrap();
    connect(&o).round_trip();

    // Rotated to a key the server does not know.
    std::fs::write(&seed_file, format!("{other_seed}\n")).unwrap();
    assert_refused(&o);

    assert_eq!(
        unsafe { natsOptions_SetNKeyFromSeed(o.0, c(&user_pub).as_ptr(), null()) },
        NATS_INVALID_ARG
    );
}

#[test]
fn known_answer_vectors() {
    assert_eq!(
        nats::auth::nkeys::public_key_from_seed(DOCS_SEED.as_bytes()).unwrap(),
        DOCS_PUB
    );
    for (seed, want) in [(DOCS_SEED, DOCS_SIG_OF_NONCE), (OTHER_SEED, OTHER_SIG_OF_NONCE)] {
        let mut sig: *mut c_uchar = null_mut();
        let mut len: c_int = 0;
        assert_eq!(
            unsafe { nats_Sign(c(seed).as_ptr(), c("nonce").as_ptr(), &mut sig, &mut len) },
            NATS_OK
        );
        assert_eq!(len, 64);
        let raw = unsafe { std::slice::from_raw_parts(sig, 64) }.to_vec();
        unsafe { libc::free(sig as *mut c_void) };
        assert_eq!(URL_SAFE_NO_PAD.encode(&raw), want);
    }
    let mut sig: *mut c_uchar = null_mut();
    let mut len: c_int = 0;
    assert_eq!(
        unsafe { nats_Sign(c("ABC").as_ptr(), c("nonce").as_ptr(), &mut sig, &mut len) },
        NATS_ERR
    );
    assert!(last_error().1.contains("invalid encoded key"));
    assert_eq!(
        unsafe { nats_Sign(null(), c("nonce").as_ptr(), &mut sig, &mut len) },
        NATS_INVALID_ARG
    );
    assert!(sig.is_null());
}

// ---------- user credentials (operator / account / user JWTs) ----------

unsafe extern "C" fn jwt_cb(jwt: *mut *mut c_char, _err: *mut *mut c_char, cl: *mut c_void) -> natsStatus {
    let j = unsafe { &*(cl as *const CString) };
    unsafe { *jwt = libc::strdup(j.as_ptr()) };
    NATS_OK
}

unsafe extern "C" fn failing_jwt_cb(_jwt: *mut *mut c_char, err: *mut *mut c_char, _cl: *mut c_void) -> natsStatus {
    unsafe { *err = libc::strdup(c("no JWT for you").as_ptr()) };
    NATS_NOT_FOUND
}

fn sign_with(nc: &Conn, data: &[u8]) -> Result<[u8; 64], natsStatus> {
    let mut sig = [0u8; 64];
    let s = unsafe { natsConnection_Sign(nc.0, data.as_ptr(), data.len() as c_int, sig.as_mut_ptr()) };
    if s == NATS_OK {
        Ok(sig)
    } else {
        Err(s)
    }
}

#[test]
fn user_credentials_files_memory_and_callbacks() {
    let chain = jwt::Chain::new(None);
    let srv = Server::start(&chain.server_config());
    let url = srv.url();
    let dir = tempfile::tempdir().unwrap();
    let seed = chain.user_seed();
    let mut expected = [0u8; 64];
    {
        let mut sig: *mut c_uchar = null_mut();
        let mut len: c_int = 0;
        assert_eq!(
            unsafe { nats_Sign(c(&seed).as_ptr(), c("nonce").as_ptr(), &mut sig, &mut len) },
            NATS_OK
        );
        expected.copy_from_slice(unsafe { std::slice::from_raw_parts(sig, 64) });
        unsafe { libc::free(sig as *mut c_void) };
    }

    // One chained file.
    let creds = dir.path().join("user.creds");
    std::fs::write(&creds, chain.creds()).unwrap();
    let o = Opts::new(&url);
    let cp = c(creds.to_str().unwrap());
    assert_eq!(
        unsafe { natsOptions_SetUserCredentialsFromFiles(o.0, cp.as_ptr(), null()) },
        NATS_OK
    );
    let nc = connect(&o);
    nc.round_trip();
    assert_eq!(
        sign_with(&nc, b"nonce").unwrap(),
        expected,
        "natsConnection_Sign = nats_Sign with the creds seed"
    );
    drop(nc);

    // The JWT alone in one file, the seed in another.
    let jwt_file = dir.path().join("user.jwt");
    let seed_file = dir.path().join("user.nk");
    std::fs::write(&jwt_file, &chain.user_jwt).unwrap();
    std::fs::write(
        &seed_file,
        format!("-----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n"),
    )
    .unwrap();
    let o = Opts::new(&url);
    let (jp, sp) = (c(jwt_file.to_str().unwrap()), c(seed_file.to_str().unwrap()));
    assert_eq!(
        unsafe { natsOptions_SetUserCredentialsFromFiles(o.0, jp.as_ptr(), sp.as_ptr()) },
        NATS_OK
    );
    let nc = connect(&o);
    nc.round_trip();
    assert_eq!(sign_with(&nc, b"nonce").unwrap(), expected);
    drop(nc);

    // From memory.
    let o = Opts::new(&url);
    assert_eq!(
        unsafe { natsOptions_SetUserCredentialsFromMemory(o.0, c(&chain.creds()).as_ptr()) },
        NATS_OK
    );
    let nc = connect(&o);
    nc.round_trip();
    assert_eq!(sign_with(&nc, b"nonce").unwrap(), expected);
    drop(nc);

    // Callbacks: the JWT and the nonce signature come from the program.
    let jwt_c: &'static CString = Box::leak(Box::new(c(&chain.user_jwt)));
    let st = sig_state(&seed);
    let o = Opts::new(&url);
    assert_eq!(
        unsafe {
            natsOptions_SetUserCredentialsCallbacks(
                o.0,
                Some(jwt_cb),
                jwt_c as *const CString as *mut c_void,
                Some(sign_cb),
                st as *const _ as *mut c_void,
            )
        },
        NATS_OK
    );
    let nc = connect(&o);
    nc.round_trip();
    assert_eq!(st.calls.load(Ordering::SeqCst), 1);
    // No creds to sign with.
    assert_eq!(sign_with(&nc, b"nonce"), Err(NATS_ERR));
    drop(nc);

    // Failures.
    let o = Opts::new(&url);
    let missing = c(dir.path().join("missing.creds").to_str().unwrap());
    assert_eq!(
        unsafe { natsOptions_SetUserCredentialsFromFiles(o.0, missing.as_ptr(), null()) },
        NATS_OK
    );
    let (s, t) = try_connect(&o).err().unwrap();
    assert_eq!(s, NATS_ERR);
    assert!(t.contains("error opening file") && t.contains("missing.creds"), "{t:?}");

    let o = Opts::new(&url);
    assert_eq!(
        unsafe {
            natsOptions_SetUserCredentialsCallbacks(
                o.0,
                Some(failing_jwt_cb),
                null_mut(),
                Some(sign_cb),
                st as *const _ as *mut c_void,
            )
        },
        NATS_OK
    );
    let (s, t) = try_connect(&o).err().unwrap();
    assert_eq!(s, NATS_NOT_FOUND);
    assert!(t.contains("no JWT for you"), "{t:?}");

    // A user of an account this server does not know.
    let stranger = jwt::Chain::new(None);
    let o = Opts::new(&url);
    assert_eq!(
        unsafe { natsOptions_SetUserCredentialsFromMemory(o.0, c(&stranger.creds()).as_ptr()) },
        NATS_OK
    );
    assert_refused(&o);

    // A user JWT signed by the account, with the wrong seed.
    let wrong = jwt::creds(&chain.user_jwt, &stranger.user_seed());
    let o = Opts::new(&url);
    assert_eq!(
        unsafe { natsOptions_SetUserCredentialsFromMemory(o.0, c(&wrong).as_ptr()) },
        NATS_OK
    );
    assert_refused(&o);
}

// ---------- auth errors after connect ----------

#[test]
fn user_jwt_expiring_after_connect() {
    // Expires a few seconds after the connect below.
    let chain = jwt::Chain::new(Some(jwt::now() + 4));
    let srv = Server::start(&chain.server_config());
    let ev = Events::leak();
    let o = Opts::new(&srv.url()).fast_reconnect(-1).events(ev);
    assert_eq!(
        unsafe { natsOptions_SetUserCredentialsFromMemory(o.0, c(&chain.creds()).as_ptr()) },
        NATS_OK
    );
    let nc = connect(&o);
    nc.round_trip();

    // The server says "User Authentication Expired" and closes. The
    // library reconnects; the server refuses the expired JWT (in the
    // second of the expiry it may still accept it and expire it at once,
    // which counts as a successful reconnect), and the same auth error
    // twice in a row on the server ends it, as cnats does.
    assert!(
        wait_for(WAIT, || ev.closed.load(Ordering::SeqCst) > 0),
        "not closed; errors {:?}",
        ev.errors()
    );
    assert!(nc.is_closed());
    let errs = ev.errors();
    assert!(errs.len() >= 2, "{errs:?}");
    assert!(errs.iter().all(|e| e.0 == NATS_CONNECTION_AUTH_FAILED), "{errs:?}");
    assert!(errs[0].1.contains("User Authentication Expired"), "{errs:?}");
    let kind = |t: &str| {
        assert!(
            t.contains("User Authentication Expired") || t.contains("Authorization Violation"),
            "{t:?}"
        );
        t.contains("Expired")
    };
    let n = errs.len();
    assert_eq!(
        kind(&errs[n - 1].1),
        kind(&errs[n - 2].1),
        "stopped on the same error twice: {errs:?}"
    );
    assert!(ev.disconnected.load(Ordering::SeqCst) >= 1);
    let (s, t) = nc.last_error();
    assert_eq!(s, NATS_CONNECTION_AUTH_FAILED);
    assert_eq!(t, errs[n - 1].1, "the connection's last error is the last auth error");
    assert_eq!(unsafe { natsConnection_Status(nc.0) }, NATS_CONN_STATUS_CLOSED);

    drop(nc);
    // Nothing else comes (a negative check: give late events a moment).
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(ev.closed.load(Ordering::SeqCst), 1, "closed callback exactly once");
    assert_eq!(ev.errors().len(), n);
}

/// Users config whose password for alice is `pass`.
fn alice_conf(pass: &str) -> String {
    format!("authorization {{ users: [ {{user: alice, password: \"{pass}\"}} ] }}\n")
}

#[test]
fn authorization_violation_after_connect_without_reconnect() {
    let mut srv = Server::start(&alice_conf("before"));
    let ev = Events::leak();
    let o = Opts::new(&srv.url()).user_info("alice", "before").events(ev);
    assert_eq!(unsafe { natsOptions_SetAllowReconnect(o.0, false) }, NATS_OK);
    let nc = connect(&o);
    nc.round_trip();

    // Reloaded with another password: the server drops us.
    std::fs::write(srv.config_path().unwrap(), alice_conf("after")).unwrap();
    srv.signal(libc::SIGHUP);
    assert!(
        wait_for(WAIT, || ev.closed.load(Ordering::SeqCst) > 0),
        "not closed; errors {:?}",
        ev.errors()
    );
    let errs = ev.errors();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, NATS_CONNECTION_AUTH_FAILED);
    assert!(errs[0].1.contains("Authorization Violation"), "{errs:?}");
    let (s, t) = nc.last_error();
    assert_eq!(s, NATS_CONNECTION_AUTH_FAILED);
    assert!(t.contains("Authorization Violation"), "{t:?}");
}

#[test]
fn same_auth_error_twice_on_reload_closes() {
    let mut srv = Server::start(&alice_conf("before"));
    let ev = Events::leak();
    let o = Opts::new(&srv.url())
        .user_info("alice", "before")
        .fast_reconnect(-1)
        .events(ev);
    let nc = connect(&o);
    nc.round_trip();
    std::fs::write(srv.config_path().unwrap(), alice_conf("after")).unwrap();
    srv.signal(libc::SIGHUP);
    // Dropped with "Authorization Violation", refused again on reconnect
    // with the same error: closed.
    assert!(
        wait_for(WAIT, || ev.closed.load(Ordering::SeqCst) > 0),
        "not closed; errors {:?}",
        ev.errors()
    );
    assert_eq!(ev.error_count(NATS_CONNECTION_AUTH_FAILED), 2, "{:?}", ev.errors());
    assert_eq!(nc.last_error().0, NATS_CONNECTION_AUTH_FAILED);
}

/// cnats' StopReconnectAfterTwoAuthErr: the first server goes away, the
/// second refuses us twice: the connection closes.
#[test]
fn stop_reconnect_after_two_auth_errors() {
    let mut open = Server::start("");
    let guarded = Server::start(&alice_conf("secret"));
    let ev = Events::leak();
    let o = Opts::new(&open.url()).fast_reconnect(-1).events(ev);
    let servers = [c(&open.url()), c(&guarded.url())];
    let ptrs: Vec<*const c_char> = servers.iter().map(|s| s.as_ptr()).collect();
    unsafe {
        assert_eq!(natsOptions_SetURL(o.0, null()), NATS_OK);
        assert_eq!(
            natsOptions_SetServers(o.0, ptrs.as_ptr() as *mut *const c_char, 2),
            NATS_OK
        );
        assert_eq!(natsOptions_SetNoRandomize(o.0, true), NATS_OK);
    }
    let nc = connect(&o);
    open.kill();
    assert!(
        wait_for(WAIT, || ev.closed.load(Ordering::SeqCst) > 0),
        "not closed; errors {:?}",
        ev.errors()
    );
    assert_eq!(ev.error_count(NATS_CONNECTION_AUTH_FAILED), 2, "{:?}", ev.errors());
    assert_eq!(ev.disconnected.load(Ordering::SeqCst), 1);
    let mut stats = null_mut();
    unsafe {
        assert_eq!(natsStatistics_Create(&mut stats), NATS_OK);
        assert_eq!(natsConnection_GetStats(nc.0, stats), NATS_OK);
        let mut reconnects = 0u64;
        assert_eq!(
            natsStatistics_GetCounts(stats, null_mut(), null_mut(), null_mut(), null_mut(), &mut reconnects),
            NATS_OK
        );
        assert_eq!(reconnects, 2, "two reconnects reached the second server");
        natsStatistics_Destroy(stats);
    }
    assert!(nc.is_closed());
    let (s, t) = nc.last_error();
    assert_eq!(s, NATS_CONNECTION_AUTH_FAILED);
    assert!(t.contains("Authorization Violation"), "{t:?}");
}

/// cnats' IgnoreAuthErrorAbort: the same, but the library keeps trying and
/// gets back once the first server returns.
#[test]
fn ignore_auth_error_abort_keeps_reconnecting() {
    let mut open = Server::start("");
    let guarded = Server::start(&alice_conf("secret"));
    let ev = Events::leak();
    let o = Opts::new(&open.url()).fast_reconnect(-1).events(ev);
    let servers = [c(&open.url()), c(&guarded.url())];
    let ptrs: Vec<*const c_char> = servers.iter().map(|s| s.as_ptr()).collect();
    unsafe {
        assert_eq!(natsOptions_SetURL(o.0, null()), NATS_OK);
        assert_eq!(
            natsOptions_SetServers(o.0, ptrs.as_ptr() as *mut *const c_char, 2),
            NATS_OK
        );
        assert_eq!(natsOptions_SetNoRandomize(o.0, true), NATS_OK);
        assert_eq!(natsOptions_SetIgnoreAuthErrorAbort(o.0, true), NATS_OK);
    }
    let nc = connect(&o);
    open.kill();
    assert!(
        wait_for(WAIT, || ev.error_count(NATS_CONNECTION_AUTH_FAILED) >= 4),
        "errors {:?}",
        ev.errors()
    );
    assert!(!nc.is_closed());
    open.restart();
    assert!(
        wait_for(WAIT, || ev.reconnected.load(Ordering::SeqCst) == 1),
        "errors {:?}",
        ev.errors()
    );
    nc.round_trip();
    assert_eq!(nc.last_error().0, NATS_OK, "the error is cleared once reconnected");
    unsafe { natsConnection_Close(nc.0) };
    assert!(wait_for(WAIT, || ev.closed.load(Ordering::SeqCst) == 1));
}

// ---------- permissions ----------

#[test]
fn permission_violations_are_async_and_the_connection_stays_up() {
    let srv = Server::start(
        "authorization { users: [ {user: alice, password: pw, permissions: {\n\
           publish: { deny: [\"forbidden\"] }\n\
           subscribe: { deny: [\"secret.>\"] }\n\
         } } ] }\n",
    );
    let ev = Events::leak();
    let o = Opts::new(&srv.url()).user_info("alice", "pw").events(ev);
    let nc = connect(&o);
    unsafe {
        // Publishing is accepted locally; the server reports the violation.
        assert_eq!(
            natsConnection_PublishString(nc.0, c("forbidden").as_ptr(), c("x").as_ptr()),
            NATS_OK
        );
        assert_eq!(natsConnection_FlushTimeout(nc.0, 5000), NATS_OK);
    }
    assert!(
        wait_for(WAIT, || ev.error_count(NATS_NOT_PERMITTED) == 1),
        "{:?}",
        ev.errors()
    );
    let errs = ev.errors();
    assert!(
        errs[0].1.contains("Permissions Violation for Publish to \"forbidden\""),
        "{errs:?}"
    );
    let (s, t) = nc.last_error();
    assert_eq!(s, NATS_NOT_PERMITTED);
    assert!(t.contains("Permissions Violation"), "{t:?}");

    let mut sub = null_mut();
    unsafe {
        assert_eq!(
            natsConnection_SubscribeSync(&mut sub, nc.0, c("secret.plans").as_ptr()),
            NATS_OK
        );
        assert_eq!(natsConnection_FlushTimeout(nc.0, 5000), NATS_OK);
    }
    assert!(
        wait_for(WAIT, || ev.error_count(NATS_NOT_PERMITTED) == 2),
        "{:?}",
        ev.errors()
    );
    assert!(
        ev.errors()[1]
            .1
            .contains("Permissions Violation for Subscription to \"secret.plans\""),
        "{:?}",
        ev.errors()
    );

    // Still connected and working.
    assert!(!nc.is_closed());
    assert_eq!(unsafe { natsConnection_Status(nc.0) }, NATS_CONN_STATUS_CONNECTED);
    let mut ok_sub = null_mut();
    unsafe {
        assert_eq!(
            natsConnection_SubscribeSync(&mut ok_sub, nc.0, c("public").as_ptr()),
            NATS_OK
        );
        assert_eq!(
            natsConnection_PublishString(nc.0, c("public").as_ptr(), c("hello").as_ptr()),
            NATS_OK
        );
        let mut m = null_mut();
        assert_eq!(natsSubscription_NextMsg(&mut m, ok_sub, 5000), NATS_OK);
        nats::ffi::msg::natsMsg_Destroy(m);
        natsSubscription_Destroy(ok_sub);
        natsSubscription_Destroy(sub);
    }
    assert_eq!(ev.disconnected.load(Ordering::SeqCst), 0);
    assert_eq!(ev.closed.load(Ordering::SeqCst), 0);
}

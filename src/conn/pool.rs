//! The server pool and the reconnect pacing, as cnats does them. Pure
//! logic: no I/O, no locks, no clock (the engine holds the pool under its
//! `state` lock, sleeps and calls the user's delay callback).
//!
//! - Building: the `SetServers` list (shuffled unless `NoRandomize`) with
//!   the `SetURL` URL(s) first, or the default URL.
//! - Discovery: INFO `connect_urls` adds servers and prunes discovered
//!   ones that are no longer announced ([`ServerPool::merge_connect_urls`]).
//! - Reconnect order ([`ServerPool::next_server`]): the current server goes
//!   to the back of the list (or leaves the pool once it has used up
//!   `MaxReconnect` attempts; negative = never), the head is tried next.
//! - Pacing ([`Pacing`]): the servers of one pass are tried back to back;
//!   once per full pass (before its last attempt, which is the server just
//!   lost when the pass started) the reconnect thread waits: the custom
//!   reconnect-delay callback's value given the pass number (1, 2, …), or
//!   the reconnect wait plus a random jitter below the (TLS) jitter.

use super::AuthErrCode;
use crate::error::Result;
use crate::options::Options;
use crate::url::ServerUrl;
use rand::seq::SliceRandom;
use std::time::Duration;

/// A server of the pool.
#[derive(Clone, Debug)]
pub(crate) struct Srv {
    pub url: ServerUrl,
    pub did_connect: bool,
    /// Connect attempts since the last successful connect to it.
    pub reconnects: i32,
    /// Discovered from INFO `connect_urls` (not given in the options).
    pub implicit: bool,
    /// TLS name to verify for a discovered server announced by IP (the
    /// host name of the server that announced it).
    pub tls_name: Option<String>,
    /// Kind of the last auth error seen on this server (for "same error
    /// twice"; see [`super::auth_err_code`]); cleared when a connect
    /// succeeds.
    pub last_auth_err: Option<AuthErrCode>,
}

impl Srv {
    fn new(url: ServerUrl, implicit: bool, tls_name: Option<String>) -> Srv {
        Srv {
            url,
            did_connect: false,
            reconnects: 0,
            implicit,
            tls_name,
            last_auth_err: None,
        }
    }
}

/// The servers a connection knows, and which one it uses (or last used).
#[derive(Debug, Default)]
pub(crate) struct ServerPool {
    pub srvs: Vec<Srv>,
    /// Index in `srvs` of the current server.
    pub cur: Option<usize>,
}

impl ServerPool {
    /// Builds the pool from the options (`SetServers`, `SetURL`, or the
    /// default URL), shuffled with `rng` unless `NoRandomize`.
    pub fn from_options(opts: &Options, rng: &mut impl rand::Rng) -> Result<ServerPool> {
        // Borrowed from the options: the URLs may hold credentials, which
        // live only in the options (wiped on drop) and the parsed
        // `ServerUrl`s (wiped on drop).
        let mut urls: Vec<&str> = opts.servers.iter().map(|s| &**s).collect();
        if let Some(u) = &opts.url {
            for p in crate::url::split_list(u) {
                if !urls.contains(&p) {
                    urls.insert(0, p);
                }
            }
        }
        if urls.is_empty() {
            urls.push(crate::options::DEFAULT_URL);
        }
        let mut srvs = Vec::new();
        for u in urls {
            srvs.push(Srv::new(ServerUrl::parse(u)?, false, None));
        }
        if !opts.no_randomize && srvs.len() > 1 {
            // cnats keeps the URL set by SetURL first; shuffle the rest.
            let start = if opts.url.is_some() && !opts.servers.is_empty() {
                1
            } else {
                0
            };
            srvs[start..].shuffle(rng);
        }
        Ok(ServerPool { srvs, cur: None })
    }

    pub fn len(&self) -> usize {
        self.srvs.len()
    }

    pub fn current(&self) -> Option<&Srv> {
        self.cur.and_then(|c| self.srvs.get(c))
    }

    /// Server `i` answered: it becomes the current one and its attempt
    /// count and auth-error record are cleared.
    pub fn set_connected(&mut self, i: usize) {
        if let Some(s) = self.srvs.get_mut(i) {
            s.did_connect = true;
            s.reconnects = 0;
            s.last_auth_err = None;
            self.cur = Some(i);
        }
    }

    /// cnats' `natsSrvPool_GetNextServer`: the current server goes to the
    /// back of the list, or leaves the pool when it has used up
    /// `max_reconnect` attempts (negative: no limit); the head of the list
    /// becomes the current server and is returned. `None` when the pool is
    /// empty. With no current server (nothing tried yet) the head is
    /// returned as is.
    pub fn next_server(&mut self, max_reconnect: i32) -> Option<usize> {
        if let Some(c) = self.cur.take() {
            if c < self.srvs.len() {
                let s = self.srvs.remove(c);
                if max_reconnect < 0 || s.reconnects < max_reconnect {
                    self.srvs.push(s);
                }
            }
        }
        if self.srvs.is_empty() {
            return None;
        }
        self.cur = Some(0);
        Some(0)
    }

    /// Records auth error `code` for server `i`; true when it is the same
    /// kind as the previous one there (cnats then stops reconnecting,
    /// unless `ignore_abort`, i.e. `IgnoreAuthErrorAbort`).
    pub fn same_auth_error_twice(&mut self, i: usize, code: AuthErrCode, ignore_abort: bool) -> bool {
        let Some(srv) = self.srvs.get_mut(i) else { return false };
        if srv.last_auth_err == Some(code) && !ignore_abort {
            return true;
        }
        srv.last_auth_err = Some(code);
        false
    }

    /// Applies INFO `connect_urls` to the pool, as cnats does: discovered
    /// (implicit) servers no longer announced are removed (except the
    /// current one), new ones are appended (shuffled with `rng` when
    /// given, i.e. unless `NoRandomize`), inheriting the announcing
    /// server's host name for TLS verification when they are given by IP,
    /// and its `tls` scheme. True when a server never seen before was
    /// added. An empty list changes nothing.
    pub fn merge_connect_urls(&mut self, connect_urls: &[String], rng: Option<&mut dyn rand::RngCore>) -> bool {
        if connect_urls.is_empty() {
            return false;
        }
        let mut announced: Vec<ServerUrl> = Vec::new();
        for u in connect_urls {
            let full = if u.contains("://") {
                u.clone()
            } else {
                format!("nats://{u}")
            };
            if let Ok(url) = ServerUrl::parse(&full) {
                announced.push(url);
            }
        }
        let cur_url = self.current().map(|s| s.url.clone());
        // Prune implicit servers that are no longer announced.
        let is_cur = |s: &Srv| {
            cur_url
                .as_ref()
                .is_some_and(|c| c.host == s.url.host && c.port == s.url.port)
        };
        self.srvs
            .retain(|s| !s.implicit || is_cur(s) || announced.iter().any(|a| same_server(&a.host, a.port, &s.url)));
        self.cur = cur_url.as_ref().and_then(|c| {
            self.srvs
                .iter()
                .position(|s| s.url.host == c.host && s.url.port == c.port)
        });
        let tls_name = cur_url
            .as_ref()
            .filter(|c| c.host.parse::<std::net::IpAddr>().is_err())
            .map(|c| c.host.clone());
        let cur_tls = cur_url.as_ref().is_some_and(|c| c.is_tls());
        let mut new: Vec<Srv> = Vec::new();
        for mut url in announced {
            if self
                .srvs
                .iter()
                .chain(new.iter())
                .any(|s| same_server(&url.host, url.port, &s.url))
            {
                continue;
            }
            if cur_tls {
                url.scheme = "tls".to_string();
            }
            // A WebSocket listener announces its peers' WebSocket
            // listeners (host:port): reach them the same way.
            if let Some(ws) = cur_url.as_ref().filter(|c| c.is_ws() && !url.is_ws()) {
                url.scheme = ws.scheme.clone();
                if let Some(i) = url.full.find("://") {
                    url.full = format!("{}{}", ws.scheme, &url.full[i..]);
                }
            }
            let tls_name = if url.host.parse::<std::net::IpAddr>().is_ok() {
                tls_name.clone()
            } else {
                None
            };
            new.push(Srv::new(url, true, tls_name));
        }
        if new.is_empty() {
            return false;
        }
        if let Some(rng) = rng {
            new.shuffle(rng);
        }
        self.srvs.extend(new);
        true
    }
}

/// What the reconnect thread does before its next attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pause {
    /// Go on at once (yield the CPU) — the middle of a pass.
    Yield,
    /// A full pass over the pool is done: wait once (the custom delay
    /// callback is called with `pass`, counted from 1).
    PassWait { pass: i32 },
}

/// Reconnect pacing over the pool (cnats' `_doReconnect` counters).
#[derive(Debug, Default)]
pub(crate) struct Pacing {
    /// Attempts made in the current pass.
    in_pass: usize,
    /// Full passes completed.
    passes: i32,
}

impl Pacing {
    /// Call once before each attempt, with the pool size after
    /// [`ServerPool::next_server`].
    pub fn before_attempt(&mut self, pool_len: usize) -> Pause {
        if self.in_pass + 1 >= pool_len {
            self.in_pass = 0;
            self.passes = self.passes.saturating_add(1);
            Pause::PassWait { pass: self.passes }
        } else {
            self.in_pass += 1;
            Pause::Yield
        }
    }
}

/// The jitter that applies to this connection: cnats picks the TLS one
/// for a secure connection (one value for the whole pool).
pub(crate) fn jitter_ms(opts: &Options) -> i64 {
    if opts.secure {
        opts.reconnect_jitter_tls_ms
    } else {
        opts.reconnect_jitter_ms
    }
}

/// The wait after a full pass without a custom delay callback: the
/// reconnect wait plus `random` reduced below the jitter.
pub(crate) fn pass_wait(reconnect_wait_ms: i64, jitter_ms: i64, random: u64) -> Duration {
    let mut ms = reconnect_wait_ms.max(0) as u64;
    if jitter_ms > 0 {
        ms += random % jitter_ms as u64;
    }
    Duration::from_millis(ms)
}

/// `host:port` names the server of `url`; localhost, 127.0.0.1 and ::1
/// are the same host.
pub(crate) fn same_server(host: &str, port: u16, url: &ServerUrl) -> bool {
    fn lh(h: &str) -> bool {
        h.eq_ignore_ascii_case("localhost") || h == "127.0.0.1" || h == "::1"
    }
    port == url.port && (host.eq_ignore_ascii_case(&url.host) || (lh(host) && lh(&url.host)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::natsStatus::NATS_INVALID_ARG;
    use rand::SeedableRng;

    fn pool_of(urls: &[&str]) -> ServerPool {
        ServerPool {
            srvs: urls
                .iter()
                .map(|u| Srv::new(ServerUrl::parse(u).unwrap(), false, None))
                .collect(),
            cur: None,
        }
    }

    fn ports(p: &ServerPool) -> Vec<u16> {
        p.srvs.iter().map(|s| s.url.port).collect()
    }

    fn rng() -> rand::rngs::StdRng {
        rand::rngs::StdRng::seed_from_u64(7)
    }

    #[test]
    fn from_options_order() {
        struct Case {
            url: Option<&'static str>,
            servers: &'static [&'static str],
            no_randomize: bool,
            want: &'static [u16],
        }
        let cases = [
            // Nothing given: the default URL.
            Case {
                url: None,
                servers: &[],
                no_randomize: true,
                want: &[4222],
            },
            Case {
                url: None,
                servers: &[],
                no_randomize: false,
                want: &[4222],
            },
            Case {
                url: Some("nats://h:1"),
                servers: &[],
                no_randomize: false,
                want: &[1],
            },
            // SetServers order kept with NoRandomize.
            Case {
                url: None,
                servers: &["nats://a:1", "nats://b:2", "nats://c:3"],
                no_randomize: true,
                want: &[1, 2, 3],
            },
            // SetURL goes first, also when randomized.
            Case {
                url: Some("nats://u:9"),
                servers: &["nats://a:1", "nats://b:2"],
                no_randomize: true,
                want: &[9, 1, 2],
            },
            // A URL list in SetURL.
            Case {
                url: Some("nats://a:1,nats://b:2"),
                servers: &[],
                no_randomize: true,
                want: &[2, 1],
            },
            // The same URL in both is kept once.
            Case {
                url: Some("nats://a:1"),
                servers: &["nats://a:1", "nats://b:2"],
                no_randomize: true,
                want: &[1, 2],
            },
        ];
        for (k, c) in cases.iter().enumerate() {
            let o = Options {
                url: c.url.map(Into::into),
                servers: c.servers.iter().map(|s| (*s).into()).collect(),
                no_randomize: c.no_randomize,
                ..Options::default()
            };
            let p = ServerPool::from_options(&o, &mut rng()).unwrap();
            assert_eq!(ports(&p), c.want, "case {k}");
            assert_eq!(p.cur, None);
            assert!(p
                .srvs
                .iter()
                .all(|s| !s.implicit && s.reconnects == 0 && !s.did_connect));
        }
    }

    #[test]
    fn from_options_randomizes_servers_but_keeps_set_url_first() {
        let servers: Vec<String> = (1..=8).map(|p| format!("nats://h:{p}")).collect();
        let o = Options {
            url: Some("nats://u:99".into()),
            servers: servers.iter().map(|s| s.as_str().into()).collect(),
            ..Options::default()
        };
        let mut seen_other_order = false;
        for seed in 0..20 {
            let p = ServerPool::from_options(&o, &mut rand::rngs::StdRng::seed_from_u64(seed)).unwrap();
            let got = ports(&p);
            assert_eq!(got[0], 99);
            let mut rest = got[1..].to_vec();
            if rest != (1..=8).collect::<Vec<u16>>() {
                seen_other_order = true;
            }
            rest.sort();
            assert_eq!(rest, (1..=8).collect::<Vec<u16>>());
        }
        assert!(seen_other_order, "the servers were never shuffled");
    }

    #[test]
    fn from_options_bad_url_is_an_error() {
        let o = Options {
            servers: vec!["nats://a:1".into(), "nats://bad host:2".into()],
            ..Options::default()
        };
        let e = ServerPool::from_options(&o, &mut rng()).unwrap_err();
        assert_eq!(e.status, NATS_INVALID_ARG);
    }

    #[test]
    fn next_server_rotates_or_drops_the_current_one() {
        struct Case {
            reconnects: &'static [i32],
            cur: Option<usize>,
            max: i32,
            want_order: &'static [u16],
            want: Option<usize>,
        }
        let cases = [
            // Nothing tried yet: the head, nothing moves.
            Case {
                reconnects: &[0, 0, 0],
                cur: None,
                max: 5,
                want_order: &[1, 2, 3],
                want: Some(0),
            },
            // The current one goes to the back.
            Case {
                reconnects: &[0, 0, 0],
                cur: Some(0),
                max: 5,
                want_order: &[2, 3, 1],
                want: Some(0),
            },
            Case {
                reconnects: &[0, 0, 0],
                cur: Some(1),
                max: 5,
                want_order: &[1, 3, 2],
                want: Some(0),
            },
            // Used up its attempts: leaves the pool.
            Case {
                reconnects: &[5, 0, 0],
                cur: Some(0),
                max: 5,
                want_order: &[2, 3],
                want: Some(0),
            },
            // Only the current server is checked, not the new head.
            Case {
                reconnects: &[1, 9, 0],
                cur: Some(0),
                max: 5,
                want_order: &[2, 3, 1],
                want: Some(0),
            },
            // MaxReconnect 0: the current server is dropped at once.
            Case {
                reconnects: &[0, 0],
                cur: Some(0),
                max: 0,
                want_order: &[2],
                want: Some(0),
            },
            // Negative: forever.
            Case {
                reconnects: &[1000],
                cur: Some(0),
                max: -1,
                want_order: &[1],
                want: Some(0),
            },
            // Last server used up: empty pool, no server.
            Case {
                reconnects: &[2],
                cur: Some(0),
                max: 2,
                want_order: &[],
                want: None,
            },
        ];
        for (k, c) in cases.iter().enumerate() {
            let urls: Vec<String> = (1..=c.reconnects.len()).map(|p| format!("nats://h:{p}")).collect();
            let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
            let mut p = pool_of(&refs);
            for (s, r) in p.srvs.iter_mut().zip(c.reconnects) {
                s.reconnects = *r;
            }
            p.cur = c.cur;
            assert_eq!(p.next_server(c.max), c.want, "case {k}");
            assert_eq!(ports(&p), c.want_order, "case {k}");
            assert_eq!(p.cur, c.want, "case {k}");
        }
    }

    #[test]
    fn pacing_waits_once_per_pass() {
        // (pool size before each attempt, expected pause)
        use Pause::*;
        let cases: &[(&[usize], &[Pause])] = &[
            (
                &[1, 1, 1],
                &[PassWait { pass: 1 }, PassWait { pass: 2 }, PassWait { pass: 3 }],
            ),
            (
                &[3, 3, 3, 3, 3, 3],
                &[Yield, Yield, PassWait { pass: 1 }, Yield, Yield, PassWait { pass: 2 }],
            ),
            (
                &[2, 2, 2, 2],
                &[Yield, PassWait { pass: 1 }, Yield, PassWait { pass: 2 }],
            ),
            // The pool shrinks mid-pass: the pass ends early.
            (&[3, 2, 2], &[Yield, PassWait { pass: 1 }, Yield]),
            // It grows (servers discovered): the pass gets longer.
            (&[2, 4, 4, 4], &[Yield, Yield, Yield, PassWait { pass: 1 }]),
        ];
        for (k, (sizes, want)) in cases.iter().enumerate() {
            let mut p = Pacing::default();
            let got: Vec<Pause> = sizes.iter().map(|n| p.before_attempt(*n)).collect();
            assert_eq!(&got, want, "case {k}");
        }
    }

    /// The engine's loop over a pool whose servers all fail, from a
    /// connection to the first one: which servers are tried, and the passes
    /// after which it waits.
    fn simulate(n: usize, max: i32, limit: usize) -> (Vec<u16>, Vec<i32>, usize) {
        let urls: Vec<String> = (1..=n).map(|p| format!("nats://h:{p}")).collect();
        let refs: Vec<&str> = urls.iter().map(String::as_str).collect();
        let mut p = pool_of(&refs);
        p.set_connected(0);
        let mut pacing = Pacing::default();
        let (mut tried, mut waits, mut attempts) = (Vec::new(), Vec::new(), 0);
        while let Some(i) = p.next_server(max) {
            if attempts == limit {
                break;
            }
            if let Pause::PassWait { pass } = pacing.before_attempt(p.len()) {
                waits.push(pass);
                tried.push(0); // marks the wait in the sequence
            }
            p.srvs[i].reconnects += 1;
            tried.push(p.srvs[i].url.port);
            attempts += 1;
        }
        (tried, waits, attempts)
    }

    #[test]
    fn reconnect_sequence_as_cnats() {
        // 0 in `tried` is a wait (a call of the custom delay callback).
        let cases: &[(usize, i32, &[u16], &[i32])] = &[
            // One server: a wait before every attempt.
            (1, 3, &[0, 1, 0, 1, 0, 1], &[1, 2, 3]),
            // Three servers: the two others at once, then the wait, then
            // the one just lost; a server leaves the pool once it has had
            // its MaxReconnect attempts, and the passes get shorter.
            (3, 2, &[2, 3, 0, 1, 2, 0, 3, 0, 1], &[1, 2, 3]),
            (3, 1, &[2, 0, 3, 0, 1], &[1, 2]),
            // MaxReconnect 0: the lost server is dropped, the others are
            // tried once.
            (3, 0, &[2, 0, 3], &[1]),
            (1, 0, &[], &[]),
        ];
        for (k, (n, max, tried, waits)) in cases.iter().enumerate() {
            let (t, w, _) = simulate(*n, *max, 1000);
            assert_eq!(&t, tried, "case {k}");
            assert_eq!(&w, waits, "case {k}");
        }
        // Forever: one wait per 3 attempts, passes numbered 1, 2, 3…
        let (_, w, attempts) = simulate(3, -1, 30);
        assert_eq!(attempts, 30);
        assert_eq!(w, (1..=10).collect::<Vec<i32>>());
    }

    #[test]
    fn pass_wait_and_jitter() {
        let cases = [
            // (wait, jitter, random, want ms)
            (2000, 0, 12345, 2000),
            (2000, 100, 0, 2000),
            (2000, 100, 99, 2099),
            (2000, 100, 100, 2000),
            (2000, 100, 250, 2050),
            (0, 0, 7, 0),
            (-5, 10, 3, 3),
        ];
        for (wait, jitter, random, want) in cases {
            assert_eq!(
                pass_wait(wait, jitter, random),
                Duration::from_millis(want),
                "wait {wait} jitter {jitter} random {random}"
            );
        }
        let mut o = Options {
            reconnect_jitter_ms: 11,
            reconnect_jitter_tls_ms: 22,
            ..Options::default()
        };
        assert_eq!(jitter_ms(&o), 11);
        o.secure = true;
        assert_eq!(jitter_ms(&o), 22);
    }

    #[test]
    fn same_auth_error_twice_per_server() {
        use AuthErrCode::*;
        // (codes seen in order on server 0, ignore_abort, results)
        let cases: &[(&[AuthErrCode], bool, &[bool])] = &[
            (&[Violation, Violation], false, &[false, true]),
            (&[Violation, Expired, Expired], false, &[false, false, true]),
            (&[Expired, Violation, Expired], false, &[false, false, false]),
            (&[Violation, Violation, Violation], true, &[false, false, false]),
        ];
        for (k, (codes, ignore, want)) in cases.iter().enumerate() {
            let mut p = pool_of(&["nats://a:1", "nats://b:2"]);
            let got: Vec<bool> = codes.iter().map(|c| p.same_auth_error_twice(0, *c, *ignore)).collect();
            assert_eq!(&got, want, "case {k}");
            assert_eq!(p.srvs[1].last_auth_err, None, "case {k}: other server untouched");
        }
        let mut p = pool_of(&["nats://a:1"]);
        assert!(!p.same_auth_error_twice(5, Violation, false), "unknown index");
        p.same_auth_error_twice(0, Violation, false);
        p.srvs[0].reconnects = 3;
        p.set_connected(0);
        assert_eq!(p.srvs[0].last_auth_err, None);
        assert_eq!(p.srvs[0].reconnects, 0);
        assert!(p.srvs[0].did_connect);
        assert_eq!(p.cur, Some(0));
        assert!(!p.same_auth_error_twice(0, Violation, false), "cleared by a connect");
    }

    #[test]
    fn merge_connect_urls_cases() {
        // Connected to localhost:1; a discovered server b:2 is known.
        let base = || {
            let mut p = pool_of(&["nats://localhost:1"]);
            p.srvs
                .push(Srv::new(ServerUrl::parse("nats://b:2").unwrap(), true, None));
            p.set_connected(0);
            p
        };
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        struct Case {
            urls: Vec<String>,
            want_added: bool,
            want: &'static [(&'static str, u16, bool)],
        }
        let cases = [
            Case {
                urls: vec![],
                want_added: false,
                want: &[("localhost", 1, false), ("b", 2, true)],
            },
            // Announced again: nothing new.
            Case {
                urls: s(&["b:2", "127.0.0.1:1"]),
                want_added: false,
                want: &[("localhost", 1, false), ("b", 2, true)],
            },
            // b no longer announced: pruned; c is new.
            Case {
                urls: s(&["c:3"]),
                want_added: true,
                want: &[("localhost", 1, false), ("c", 3, true)],
            },
            // [::1]:1 is the same server as localhost:1.
            Case {
                urls: s(&["[::1]:1", "b:2"]),
                want_added: false,
                want: &[("localhost", 1, false), ("b", 2, true)],
            },
            // Garbage is skipped.
            Case {
                urls: s(&["b:2", "bad host:5"]),
                want_added: false,
                want: &[("localhost", 1, false), ("b", 2, true)],
            },
            // With a scheme.
            Case {
                urls: s(&["nats://b:2", "nats://d:4"]),
                want_added: true,
                want: &[("localhost", 1, false), ("b", 2, true), ("d", 4, true)],
            },
        ];
        for (k, c) in cases.iter().enumerate() {
            let mut p = base();
            assert_eq!(p.merge_connect_urls(&c.urls, None), c.want_added, "case {k}");
            let got: Vec<(&str, u16, bool)> = p
                .srvs
                .iter()
                .map(|s| (s.url.host.as_str(), s.url.port, s.implicit))
                .collect();
            assert_eq!(got, c.want, "case {k}");
            assert_eq!(p.current().map(|s| s.url.port), Some(1), "case {k}: current kept");
        }
    }

    #[test]
    fn merge_keeps_the_current_discovered_server_and_inherits_tls() {
        // Connected over TLS to a discovered server by name.
        let mut p = pool_of(&["tls://seed.example:1"]);
        p.srvs
            .push(Srv::new(ServerUrl::parse("tls://node.example:2").unwrap(), true, None));
        p.set_connected(1);
        // It is no longer announced; a new node is, by IP and by name.
        assert!(p.merge_connect_urls(&["10.0.0.3:3".into(), "other.example:4".into()], None));
        let cur = p.current().unwrap();
        assert_eq!(
            (cur.url.host.as_str(), cur.url.port),
            ("node.example", 2),
            "current kept"
        );
        let by_ip = p.srvs.iter().find(|s| s.url.port == 3).unwrap();
        assert_eq!(by_ip.url.scheme, "tls");
        assert_eq!(by_ip.tls_name.as_deref(), Some("node.example"));
        let by_name = p.srvs.iter().find(|s| s.url.port == 4).unwrap();
        assert_eq!(by_name.url.scheme, "tls");
        assert_eq!(by_name.tls_name, None);
    }

    #[test]
    fn merge_inherits_the_websocket_scheme() {
        for scheme in ["ws", "wss"] {
            let mut p = pool_of(&[&format!("{scheme}://seed.example:8080")]);
            p.set_connected(0);
            assert!(p.merge_connect_urls(&["10.0.0.3:8081".into()], None));
            let new = p.srvs.iter().find(|s| s.url.port == 8081).unwrap();
            assert_eq!(new.url.scheme, scheme);
            assert_eq!(new.url.full, format!("{scheme}://10.0.0.3:8081"));
            assert!(new.url.is_ws());
            assert_eq!(new.tls_name.as_deref(), Some("seed.example"));
        }
    }

    #[test]
    fn merge_shuffles_new_servers_only_when_asked() {
        let urls: Vec<String> = (10..30).map(|p| format!("n:{p}")).collect();
        let mut p = pool_of(&["nats://a:1"]);
        p.set_connected(0);
        assert!(p.merge_connect_urls(&urls, None));
        assert_eq!(ports(&p)[1..], (10..30).collect::<Vec<u16>>()[..]);
        let mut q = pool_of(&["nats://a:1"]);
        q.set_connected(0);
        let mut r = rng();
        assert!(q.merge_connect_urls(&urls, Some(&mut r)));
        let got = ports(&q);
        assert_eq!(got[0], 1);
        assert_ne!(got[1..], (10..30).collect::<Vec<u16>>()[..]);
        let mut sorted = got[1..].to_vec();
        sorted.sort();
        assert_eq!(sorted, (10..30).collect::<Vec<u16>>());
    }

    #[test]
    fn same_server_cases() {
        let u = |s: &str| ServerUrl::parse(s).unwrap();
        let cases = [
            ("localhost", 1, "nats://127.0.0.1:1", true),
            ("::1", 1, "nats://localhost:1", true),
            ("LOCALHOST", 1, "nats://localhost:1", true),
            ("localhost", 2, "nats://localhost:1", false),
            ("a", 1, "nats://A:1", true),
            ("a", 1, "nats://b:1", false),
            ("127.0.0.2", 1, "nats://localhost:1", false),
        ];
        for (h, p, url, want) in cases {
            assert_eq!(same_server(h, p, &u(url)), want, "{h}:{p} vs {url}");
        }
    }
}

//! The server pool: building it from the options, merging the servers
//! a server announces (INFO `connect_urls`).

use super::*;

/// A server of the pool.
#[derive(Clone)]
pub(crate) struct Srv {
    pub url: ServerUrl,
    pub did_connect: bool,
    pub reconnects: i32,
    pub last_attempt: Option<Instant>,
    pub implicit: bool,
    /// TLS name to verify for a discovered server announced by IP (the
    /// host name of the server that announced it).
    pub tls_name: Option<String>,
    /// Kind of the last auth error seen on this server (for "same error
    /// twice"; see [`auth_err_code`]); cleared when a connect succeeds.
    pub last_auth_err: Option<AuthErrCode>,
}

impl Connection {
    /// Builds the server pool from the options (`SetServers`, `SetURL`, or
    /// the default URL).
    pub(super) fn build_pool(opts: &Options) -> Result<Vec<Srv>> {
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
        let mut pool = Vec::new();
        for u in urls {
            let url = ServerUrl::parse(u)?;
            pool.push(Srv {
                url,
                did_connect: false,
                reconnects: 0,
                last_attempt: None,
                implicit: false,
                tls_name: None,
                last_auth_err: None,
            });
        }
        if !opts.no_randomize && pool.len() > 1 {
            use rand::seq::SliceRandom;
            // cnats keeps the URL set by SetURL first; shuffle the rest.
            let start = if opts.url.is_some() && !opts.servers.is_empty() {
                1
            } else {
                0
            };
            pool[start..].shuffle(&mut rand::thread_rng());
        }
        Ok(pool)
    }

    /// Applies INFO `connect_urls` to the pool, as cnats does: discovered
    /// (implicit) servers no longer announced are removed (except the
    /// current one), new ones are appended (in random order unless
    /// `NoRandomize`), inheriting the announcing server's host name for TLS
    /// verification when they are given by IP, and its `tls` scheme. True
    /// when a server never seen before was added. An empty list changes
    /// nothing.
    pub(super) fn merge_connect_urls(&self, st: &mut State, info: &ServerInfo) -> bool {
        if self.opts.ignore_discovered_servers || info.connect_urls.is_empty() {
            return false;
        }
        let mut announced: Vec<ServerUrl> = Vec::new();
        for u in &info.connect_urls {
            let full = if u.contains("://") {
                u.clone()
            } else {
                format!("nats://{u}")
            };
            if let Ok(url) = ServerUrl::parse(&full) {
                announced.push(url);
            }
        }
        let cur_url = st.cur.and_then(|c| st.pool.get(c)).map(|s| s.url.clone());
        // Prune implicit servers that are no longer announced.
        let is_cur = |s: &Srv| {
            cur_url
                .as_ref()
                .is_some_and(|c| c.host == s.url.host && c.port == s.url.port)
        };
        st.pool
            .retain(|s| !s.implicit || is_cur(s) || announced.iter().any(|a| same_server(&a.host, a.port, &s.url)));
        st.cur = cur_url.as_ref().and_then(|c| {
            st.pool
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
            if st
                .pool
                .iter()
                .chain(new.iter())
                .any(|s| same_server(&url.host, url.port, &s.url))
            {
                continue;
            }
            if cur_tls {
                url.scheme = "tls".to_string();
            }
            let tls_name = if url.host.parse::<std::net::IpAddr>().is_ok() {
                tls_name.clone()
            } else {
                None
            };
            new.push(Srv {
                url,
                did_connect: false,
                reconnects: 0,
                last_attempt: None,
                implicit: true,
                tls_name,
                last_auth_err: None,
            });
        }
        if new.is_empty() {
            return false;
        }
        if !self.opts.no_randomize {
            use rand::seq::SliceRandom;
            new.shuffle(&mut rand::thread_rng());
        }
        st.pool.extend(new);
        true
    }
}

/// `host:port` names the server of `url`; localhost, 127.0.0.1 and ::1
/// are the same host.
fn same_server(host: &str, port: u16, url: &ServerUrl) -> bool {
    fn lh(h: &str) -> bool {
        h.eq_ignore_ascii_case("localhost") || h == "127.0.0.1" || h == "::1"
    }
    port == url.port && (host.eq_ignore_ascii_case(&url.host) || (lh(host) && lh(&url.host)))
}

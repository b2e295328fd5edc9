//! The handshake with one server: TCP (+TLS), INFO, CONNECT/PING, PONG.

use super::*;
use crate::proto::writer;

/// What a handshake leaves behind.
pub(super) struct Established {
    pub(super) transport: Arc<Transport>,
    pub(super) parser: Parser,
    pub(super) info: ServerInfo,
}

impl Connection {
    /// TCP (+TLS) connect, INFO, CONNECT/PING, PONG with server `i`.
    /// `tcp_ok` (when given) is set once the TCP connection is made (cnats
    /// counts a reconnect from there).
    pub(super) fn connect_to(&self, i: usize, tcp_ok: Option<&mut bool>) -> Result<Established> {
        let (url, tls_name, pool_user, pool_pass) = {
            let st = self.state.lock();
            let (pu, pp) = (st.pool_user.clone(), st.pool_pass.clone());
            let srv = &st.pool.srvs[i];
            (
                srv.url.clone(),
                srv.tls_name.clone().unwrap_or_else(|| srv.url.host.clone()),
                pu,
                pp,
            )
        };
        let o = &self.opts;
        let timeout = Duration::from_millis(if o.timeout_ms > 0 { o.timeout_ms as u64 } else { 2_000 });
        let deadline = Instant::now() + timeout;
        let tcp = match &o.proxy_conn {
            Some(proxy) => transport::connect_via_proxy(proxy, &url.host, url.port)?,
            None => transport::connect_tcp(&url.host, url.port, deadline, o.ip_resolution_order)?,
        };
        if let Some(f) = tcp_ok {
            *f = true;
        }
        let mut secure = o.secure || url.is_tls();
        let mut upgraded = false;
        let transport = if o.tls.handshake_first {
            upgraded = true;
            secure = true;
            Transport::Tls(crate::tls::connect(tcp, &o.tls, &tls_name, deadline)?)
        } else {
            Transport::Plain(tcp)
        };
        let mut transport = transport;
        // Received messages: recycled boxes, with the padding asked for
        // (natsOptions_SetMessageBufferPadding) zeroed after each payload.
        let alloc = crate::msg::Recycler::shared().with_padding(o.msg_buffer_padding.max(0) as usize);
        let mut parser = Parser::with_alloc(alloc);
        let info = match Self::read_op(&transport, &mut parser, deadline)? {
            ServerOp::Info(i) => *i,
            _ => return Err(status_err(NATS_PROTOCOL_ERROR, "expected INFO from the server")),
        };
        if secure && !info.tls_required && !info.tls_available && !upgraded {
            return Err(Error::status(NATS_SECURE_CONNECTION_WANTED));
        }
        if info.tls_required && !secure {
            secure = true;
        }
        if secure && !upgraded {
            let Transport::Plain(tcp) = transport else {
                unreachable!()
            };
            let _ = tcp.set_read_timeout(None);
            transport = Transport::Tls(crate::tls::connect(tcp, &o.tls, &tls_name, deadline)?);
        }
        if o.no_echo && info.proto < 1 {
            return Err(Error::status(NATS_NO_SERVER_SUPPORT));
        }
        let auth = crate::auth::resolve_with_pool(
            &o.auth,
            url.user.as_deref(),
            url.password.as_deref(),
            pool_user.as_deref(),
            pool_pass.as_deref(),
            info.nonce.as_deref(),
        )?;
        let mut ci = ConnectInfo {
            verbose: o.verbose,
            pedantic: o.pedantic,
            nkey: auth.nkey,
            jwt: auth.jwt,
            sig: auth.sig,
            user: auth.user,
            pass: auth.pass,
            auth_token: auth.auth_token,
            tls_required: secure,
            name: o.name.clone().unwrap_or_default(),
            lang: "C".to_string(),
            version: crate::VERSION_STRING.to_string(),
            protocol: 1,
            echo: !o.no_echo,
            headers: true,
            no_responders: info.headers && !o.disable_no_responders,
        };
        // The only way CONNECT is sent: built into a wiped, never
        // reallocated buffer (the secrets of `ci` wiped), written and
        // wiped by `send_connect`.
        let frame = writer::ConnectFrame::build(&mut ci);
        drop(ci);
        let sent = frame.and_then(|f| transport.send_connect(f).map_err(|e| Error::io(&e)));
        // Signing, JSON escaping and TLS encryption left copies of the
        // secrets in stack frames below this one.
        scrub_stack();
        sent?;
        let mut info = info;
        loop {
            match Self::read_op(&transport, &mut parser, deadline)? {
                ServerOp::Ok => {}
                ServerOp::Pong => break,
                ServerOp::Info(i) => {
                    // Keep what the first INFO said if the new one omits it.
                    let nonce = info.nonce.clone();
                    info = *i;
                    if info.nonce.is_none() {
                        info.nonce = nonce;
                    }
                }
                ServerOp::Err(t) => {
                    let s = if is_auth_error(&t) {
                        NATS_CONNECTION_AUTH_FAILED
                    } else {
                        NATS_ERR
                    };
                    return Err(Error::new(s, t));
                }
                ServerOp::Ping => {
                    transport.write_all(writer::PONG).map_err(|e| Error::io(&e))?;
                }
                ServerOp::Msg(_) => return Err(status_err(NATS_PROTOCOL_ERROR, "unexpected MSG during connect")),
            }
        }
        transport.end_read_deadline()?;
        if o.write_deadline_ms > 0 {
            transport.set_write_timeout(Some(Duration::from_millis(o.write_deadline_ms as u64)));
        }
        Ok(Established {
            transport: Arc::new(transport),
            parser,
            info,
        })
    }

    /// Reads until one whole operation is parsed.
    pub(super) fn read_op(t: &Transport, parser: &mut Parser, deadline: Instant) -> Result<ServerOp> {
        loop {
            if let Some(op) = parser.next_op()? {
                return Ok(op);
            }
            if Instant::now() >= deadline {
                return Err(Error::new(NATS_TIMEOUT, "timeout waiting for the server"));
            }
            let buf = parser.read_buf(4096);
            match t.read_deadline(buf, deadline) {
                Ok(0) => return Err(Error::new(NATS_IO_ERROR, "connection closed by the server")),
                Ok(n) => parser.commit(n),
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                    return Err(Error::new(NATS_TIMEOUT, "timeout waiting for the server"))
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                // A TLS alert or bad record after the handshake (e.g. the
                // server rejecting the client certificate, which TLS 1.3
                // reports only after the client finished): a TLS failure.
                Err(e) if matches!(t, Transport::Tls(_)) && e.kind() == std::io::ErrorKind::InvalidData => {
                    return Err(Error::new(NATS_SSL_ERROR, e.to_string()))
                }
                Err(e) => return Err(Error::io(&e)),
            }
        }
    }
}

/// Overwrites (with volatile writes, so it is not optimized away) the
/// stack area just below the caller's frame, where the frames of the
/// credential resolution, signing, CONNECT serialization and TLS
/// encryption it called lived. Thread stacks are reused (by later calls
/// and, after the thread exits, by the C library's stack cache), so what
/// was left there would otherwise stay readable.
#[inline(never)]
pub(super) fn scrub_stack() {
    let mut area = [0u8; SCRUB_STACK_BYTES];
    zeroize::Zeroize::zeroize(&mut area[..]);
    std::hint::black_box(&area);
}

/// How much stack [`scrub_stack`] overwrites: more than the handshake's
/// deepest call uses below `connect_to`, well under the smallest stack a
/// C thread is likely to call the library on.
const SCRUB_STACK_BYTES: usize = 32 * 1024;

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn handshake_sends_connect_and_returns_the_info() {
        let fake = Fake::ok();
        let mut o = opts(&fake.url());
        o.name = Some("unit".into());
        let c = detached(o);
        let est = c.connect_to(0, None).unwrap();
        assert_eq!(est.info.server_id, "S1");
        assert_eq!(est.info.client_id, 7);
        let peer = fake.peer();
        for want in [
            "\"name\":\"unit\"",
            "\"lang\":\"C\"",
            "\"verbose\":false",
            "\"echo\":true",
            "\"headers\":true",
            "\"no_responders\":true",
            "\"protocol\":1",
        ] {
            assert!(peer.connect.contains(want), "{want} not in {}", peer.connect);
        }
        est.transport.shutdown();
    }

    #[test]
    fn handshake_answers_ping_and_skips_ok() {
        // +OK (verbose) and a PING before the PONG: the PING is answered.
        let fake = Fake::start(INFO, "+OK\r\nPING\r\nPONG\r\n");
        let c = detached(opts(&fake.url()));
        let mut tcp_ok = false;
        let est = c.connect_to(0, Some(&mut tcp_ok)).unwrap();
        assert!(tcp_ok);
        let mut peer = fake.peer();
        assert_eq!(peer.read_until("PONG\r\n"), "PONG\r\n");
        est.transport.shutdown();
    }

    #[test]
    fn handshake_failures() {
        let no_tls_info = INFO;
        let proto0 = "INFO {\"server_id\":\"S\",\"proto\":0}\r\n";
        // (info, reply, option tweak, status, text part)
        type Tweak = fn(&mut Options);
        let none: Tweak = |_| {};
        let cases: &[(&str, &str, Tweak, natsStatus, &str)] = &[
            (
                INFO,
                "-ERR 'Authorization Violation'\r\n",
                none,
                NATS_CONNECTION_AUTH_FAILED,
                "Authorization Violation",
            ),
            (
                INFO,
                "-ERR 'User Authentication Expired'\r\n",
                none,
                NATS_CONNECTION_AUTH_FAILED,
                "Expired",
            ),
            (
                INFO,
                "-ERR 'Maximum Connections Exceeded'\r\n",
                none,
                NATS_ERR,
                "Maximum Connections",
            ),
            (INFO, "MSG a 1 1\r\nx\r\n", none, NATS_PROTOCOL_ERROR, "unexpected MSG"),
            ("PONG\r\n", "", none, NATS_PROTOCOL_ERROR, "expected INFO"),
            (no_tls_info, "", |o| o.secure = true, NATS_SECURE_CONNECTION_WANTED, ""),
            (proto0, "", |o| o.no_echo = true, NATS_NO_SERVER_SUPPORT, ""),
            // The server says nothing after INFO: the connect timeout.
            (INFO, "", |o| o.timeout_ms = 200, NATS_TIMEOUT, "timeout"),
        ];
        for (k, (info, reply, tweak, status, text)) in cases.iter().enumerate() {
            let fake = Fake::start(info, reply);
            let mut o = opts(&fake.url());
            tweak(&mut o);
            let c = detached(o);
            let e = match c.connect_to(0, None) {
                Ok(_) => panic!("case {k}: connected"),
                Err(e) => e,
            };
            assert_eq!(e.status, *status, "case {k}: {e:?}");
            assert!(e.text.contains(text), "case {k}: {e:?}");
        }
    }

    #[test]
    fn read_op_reads_split_input_and_reports_eof() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let deadline = Instant::now() + Duration::from_secs(5);
        let t = Transport::Plain(transport::connect_tcp("127.0.0.1", port, deadline, 0).unwrap());
        let (mut peer, _) = l.accept().unwrap();
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            for part in ["PI", "NG\r", "\n+O", "K\r\n"] {
                peer.write_all(part.as_bytes()).unwrap();
                std::thread::sleep(Duration::from_millis(5));
            }
            // Then the server hangs up.
        });
        let mut p = Parser::with_alloc(crate::msg::Recycler::new());
        assert!(matches!(
            Connection::read_op(&t, &mut p, deadline).unwrap(),
            ServerOp::Ping
        ));
        assert!(matches!(
            Connection::read_op(&t, &mut p, deadline).unwrap(),
            ServerOp::Ok
        ));
        writer.join().unwrap();
        let e = Connection::read_op(&t, &mut p, deadline).unwrap_err();
        assert_eq!(e.status, NATS_IO_ERROR);
        assert!(e.text.contains("closed by the server"), "{e:?}");
        // A deadline already passed: a timeout at once.
        let e = Connection::read_op(&t, &mut p, Instant::now() - Duration::from_millis(1)).unwrap_err();
        assert_eq!(e.status, NATS_TIMEOUT);
    }
}

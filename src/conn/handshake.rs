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
            let mut st = self.state.lock();
            let (pu, pp) = (st.pool_user.clone(), st.pool_pass.clone());
            let srv = &mut st.pool[i];
            srv.last_attempt = Some(Instant::now());
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
        let tcp = transport::connect_tcp(&url.host, url.port, deadline, o.ip_resolution_order)?;
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
        transport.set_read_deadline(Some(deadline))?;
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
            transport.set_read_deadline(Some(deadline))?;
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
        let ci = ConnectInfo {
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
        let mut buf = Vec::with_capacity(256);
        writer::write_connect(&mut buf, &ci);
        buf.extend_from_slice(writer::PING);
        transport.write_all(&buf).map_err(|e| Error::io(&e))?;
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
        transport.set_read_deadline(None)?;
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

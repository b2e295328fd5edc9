//! TLS with rustls: the option set behind cnats' TLS setters, the client
//! configuration built from it, the handshake, and a stream that a reader
//! and a writer thread can use at the same time.
//!
//! How cnats' OpenSSL-shaped options map onto rustls:
//! - trusted CAs are added (never replaced) by each load/set call; with no
//!   CA given, the system trust store is used (falling back to the
//!   webpki-roots bundle when the system store yields nothing);
//! - the server name for SNI and for certificate checks is the expected
//!   hostname when set, else the host of the URL; IP hosts are checked
//!   against IP subject alternative names;
//! - skipping verification still checks the handshake signatures;
//! - cipher strings: see [`ciphers`];
//! - encrypted private keys are not supported (cnats has no passphrase
//!   option either).

pub mod ciphers;
mod stream;

pub use stream::TlsStream;

use crate::error::{Error, Result};
use crate::status::natsStatus;
use once_cell::sync::OnceCell;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme, SupportedCipherSuite};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// The client certificate and key.
#[derive(Clone)]
pub enum ClientCert {
    /// Parsed once, when the option was set.
    Static {
        chain: Vec<CertificateDer<'static>>,
        key: Arc<PrivateKeyDer<'static>>,
    },
    /// File names read again at every connect (certificate renewal).
    Dynamic { cert_file: String, key_file: String },
}

/// The TLS part of the connection options.
#[derive(Clone, Default)]
pub struct TlsOptions {
    /// Trusted CA certificates; empty = the system trust store.
    pub ca_certs: Vec<CertificateDer<'static>>,
    /// CA files read again at every connect, added to `ca_certs`
    /// (`rnatsOptions_LoadCATrustedCertificatesDynamic`, beyond cnats).
    pub ca_files_dynamic: Vec<String>,
    pub client_cert: Option<ClientCert>,
    /// Name checked in the server certificate (and sent as SNI) instead of
    /// the URL host.
    pub expected_hostname: Option<String>,
    /// Accept any server certificate (tests only).
    pub skip_verify: bool,
    /// TLS 1.2 suites (`None` = rustls defaults).
    pub tls12_suites: Option<Vec<SupportedCipherSuite>>,
    /// TLS 1.3 suites (`None` = rustls defaults; empty = no TLS 1.3).
    pub tls13_suites: Option<Vec<SupportedCipherSuite>>,
    /// Run the handshake before the server's INFO (`natsOptions_TLSHandshakeFirst`).
    pub handshake_first: bool,
    /// cnats' "SSL context" reference: created when TLS is first
    /// configured and shared by every clone of the options (a connection
    /// keeps one), so that changes can be refused while connections use
    /// this configuration.
    context: Option<Arc<()>>,
}

/// The text of the `NATS_TIMEOUT` error of a handshake that did not
/// finish before the connect deadline (the engine keeps that status
/// instead of folding it into `NATS_NO_SERVER`).
pub const HANDSHAKE_TIMEOUT_TEXT: &str = "TLS handshake timed out (connect timeout reached)";

fn ssl_err(text: impl Into<String>) -> Error {
    Error::new(natsStatus::NATS_SSL_ERROR, text)
}

impl TlsOptions {
    /// Called by every TLS setter before it changes anything (cnats'
    /// `_getSSLCtx`): creates the shared context marker, or fails with
    /// `NATS_ILLEGAL_STATE` when connections still use this configuration.
    pub fn begin_change(&mut self) -> Result<()> {
        match &self.context {
            Some(c) if Arc::strong_count(c) > 1 => Err(Error::new(
                natsStatus::NATS_ILLEGAL_STATE,
                "this natsOptions object can't be modified: its TLS configuration is in use by connection(s)",
            )),
            Some(_) => Ok(()),
            None => {
                self.context = Some(Arc::new(()));
                Ok(())
            }
        }
    }

    /// Whether TLS has been configured (a context exists).
    pub fn is_configured(&self) -> bool {
        self.context.is_some()
    }

    /// Drops the whole TLS configuration (cnats' `natsOptions_SetSecure(false)`
    /// releases its SSL context); `handshake_first` is kept, as in cnats
    /// where it is not part of the context.
    pub fn reset(&mut self) {
        let handshake_first = self.handshake_first;
        *self = TlsOptions {
            handshake_first,
            ..TlsOptions::default()
        };
    }

    /// Adds the CA certificates of a PEM file (several per file allowed).
    pub fn load_ca_file(&mut self, path: &str) -> Result<()> {
        let data = read_file(path, "trusted certificates")?;
        let certs =
            parse_certs(&data).map_err(|e| ssl_err(format!("error loading trusted certificates '{path}': {e}")))?;
        self.ca_certs.extend(certs);
        Ok(())
    }

    /// Trusts the CA certificates of a PEM file that is read again at
    /// every connect (so a renewed CA bundle is used from the next
    /// reconnect on). The file is read once now to report a bad file at
    /// once; later, a file that cannot be read or holds no certificate
    /// fails that connection attempt with `NATS_SSL_ERROR`.
    pub fn add_ca_file_dynamic(&mut self, path: &str) -> Result<()> {
        read_ca_file(path)?;
        self.ca_files_dynamic.push(path.to_string());
        Ok(())
    }

    /// Adds the CA certificates of every PEM file in a directory (files
    /// without certificates are skipped; the directory must yield at least
    /// one certificate).
    pub fn load_ca_dir(&mut self, dir: &str) -> Result<()> {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| ssl_err(format!("error loading trusted certificates in path '{dir}': {e}")))?;
        let mut files: Vec<_> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        let mut found = Vec::new();
        for f in files {
            if let Ok(data) = std::fs::read(&f) {
                if let Ok(certs) = parse_certs(&data) {
                    found.extend(certs);
                }
            }
        }
        if found.is_empty() {
            return Err(ssl_err(format!(
                "error loading trusted certificates in path '{dir}': no PEM certificate found"
            )));
        }
        self.ca_certs.extend(found);
        Ok(())
    }

    /// Adds the CA certificates of a PEM text.
    pub fn add_ca_pem(&mut self, pem: &[u8]) -> Result<()> {
        let certs = parse_certs(pem).map_err(|e| ssl_err(format!("unable to get CA certificates: {e}")))?;
        self.ca_certs.extend(certs);
        Ok(())
    }

    /// Sets the client certificate chain and key from PEM texts.
    pub fn set_client_cert_pem(&mut self, cert: &[u8], key: &[u8]) -> Result<()> {
        let chain = parse_certs(cert).map_err(|e| ssl_err(format!("error creating certificate: {e}")))?;
        let key = parse_key(key).map_err(|e| ssl_err(format!("error creating key: {e}")))?;
        check_pair(&chain, &key)?;
        self.client_cert = Some(ClientCert::Static {
            chain,
            key: Arc::new(key),
        });
        Ok(())
    }

    /// Sets the client certificate chain and key from PEM files, read now.
    pub fn load_client_cert_files(&mut self, cert_file: &str, key_file: &str) -> Result<()> {
        let (chain, key) = load_pair(cert_file, key_file)?;
        self.client_cert = Some(ClientCert::Static {
            chain,
            key: Arc::new(key),
        });
        Ok(())
    }

    /// Remembers the client certificate and key files, read at every
    /// connect. Nothing is read now (as with cnats).
    pub fn set_client_cert_dynamic(&mut self, cert_file: &str, key_file: &str) {
        self.client_cert = Some(ClientCert::Dynamic {
            cert_file: cert_file.to_string(),
            key_file: key_file.to_string(),
        });
    }

    /// Sets the TLS 1.2 cipher list (see [`ciphers::parse_tls12`]).
    pub fn set_ciphers(&mut self, list: &str) -> Result<()> {
        self.tls12_suites = Some(ciphers::parse_tls12(list)?);
        Ok(())
    }

    /// Sets the TLS 1.3 cipher suites (see [`ciphers::parse_tls13`]).
    pub fn set_cipher_suites(&mut self, list: &str) -> Result<()> {
        self.tls13_suites = Some(ciphers::parse_tls13(list)?);
        Ok(())
    }

    /// The crypto provider restricted to the chosen suites.
    fn provider(&self) -> CryptoProvider {
        let mut p = rustls::crypto::ring::default_provider();
        if self.tls12_suites.is_some() || self.tls13_suites.is_some() {
            let defaults = p.cipher_suites.clone();
            let pick = |want13: bool| -> Vec<SupportedCipherSuite> {
                defaults
                    .iter()
                    .copied()
                    .filter(|s| s.tls13().is_some() == want13)
                    .collect()
            };
            let mut suites = self.tls13_suites.clone().unwrap_or_else(|| pick(true));
            suites.extend(self.tls12_suites.clone().unwrap_or_else(|| pick(false)));
            p.cipher_suites = suites;
        }
        p
    }

    /// Builds the rustls client configuration. Reads the client
    /// certificate files for the dynamic option, and the system trust store
    /// (once per process) when no CA was given.
    pub fn client_config(&self) -> Result<Arc<ClientConfig>> {
        let provider = Arc::new(self.provider());
        let has13 = provider.cipher_suites.iter().any(|s| s.tls13().is_some());
        let has12 = provider.cipher_suites.iter().any(|s| s.tls13().is_none());
        let versions: &[&'static rustls::SupportedProtocolVersion] = match (has12, has13) {
            (true, true) => rustls::DEFAULT_VERSIONS,
            (true, false) => &[&rustls::version::TLS12],
            (false, true) => &[&rustls::version::TLS13],
            (false, false) => return Err(ssl_err("no TLS cipher suite is enabled")),
        };
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(versions)
            .map_err(|e| ssl_err(format!("invalid TLS configuration: {e}")))?;
        let builder = if self.skip_verify {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnyServerCert(provider)))
        } else {
            let mut dynamic = Vec::new();
            for f in &self.ca_files_dynamic {
                dynamic.extend(read_ca_file(f)?);
            }
            let roots = if self.ca_certs.is_empty() && dynamic.is_empty() {
                system_roots()
            } else {
                let mut store = RootCertStore::empty();
                for c in self.ca_certs.iter().chain(dynamic.iter()) {
                    store
                        .add(c.clone())
                        .map_err(|e| ssl_err(format!("invalid trusted CA certificate: {e}")))?;
                }
                Arc::new(store)
            };
            if roots.is_empty() {
                return Err(ssl_err("no trusted CA certificates: the system trust store is empty"));
            }
            let verifier = WebPkiServerVerifier::builder_with_provider(roots, provider)
                .build()
                .map_err(|e| ssl_err(format!("unable to set up certificate verification: {e}")))?;
            builder.with_webpki_verifier(verifier)
        };
        let config = match &self.client_cert {
            None => builder.with_no_client_auth(),
            Some(ClientCert::Static { chain, key }) => builder
                .with_client_auth_cert(chain.clone(), key.clone_key())
                .map_err(|e| ssl_err(format!("error using client certificate: {e}")))?,
            Some(ClientCert::Dynamic { cert_file, key_file }) => {
                let (chain, key) = load_pair(cert_file, key_file)?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| ssl_err(format!("error using client certificate: {e}")))?
            }
        };
        Ok(Arc::new(config))
    }

    /// The name to check the server certificate against for URL host
    /// `host`: the expected hostname if set, else `host` (brackets of an
    /// IPv6 literal removed).
    pub fn server_name(&self, host: &str) -> Result<ServerName<'static>> {
        let name = match &self.expected_hostname {
            Some(h) if !h.is_empty() => h.as_str(),
            _ => host.trim_start_matches('[').trim_end_matches(']'),
        };
        ServerName::try_from(name.to_string()).map_err(|_| ssl_err(format!("'{name}' is not a valid TLS server name")))
    }
}

/// The certificates of a CA PEM file.
fn read_ca_file(path: &str) -> Result<Vec<CertificateDer<'static>>> {
    let data = read_file(path, "trusted certificates")?;
    parse_certs(&data).map_err(|e| ssl_err(format!("error loading trusted certificates '{path}': {e}")))
}

fn read_file(path: &str, what: &str) -> Result<Vec<u8>> {
    std::fs::read(Path::new(path)).map_err(|e| ssl_err(format!("error loading {what} '{path}': {e}")))
}

/// Every certificate of a PEM text; none is an error.
pub fn parse_certs(pem: &[u8]) -> std::result::Result<Vec<CertificateDer<'static>>, String> {
    let mut out = Vec::new();
    for item in CertificateDer::pem_slice_iter(pem) {
        out.push(item.map_err(|e| format!("invalid PEM: {e}"))?);
    }
    if out.is_empty() {
        return Err("no PEM certificate found".to_string());
    }
    // The PEM layer only decodes base64: check that every block really is
    // an X.509 certificate, as OpenSSL's PEM reader does for cnats.
    for (i, der) in out.iter().enumerate() {
        RootCertStore::empty()
            .add(der.clone())
            .map_err(|e| format!("PEM certificate #{} is not a valid X.509 certificate: {e}", i + 1))?;
    }
    Ok(out)
}

/// The private key of a PEM text: PKCS#8, PKCS#1 (RSA) or SEC1 (EC).
pub fn parse_key(pem: &[u8]) -> std::result::Result<PrivateKeyDer<'static>, String> {
    if memchr::memmem::find(pem, b"ENCRYPTED").is_some() {
        return Err("encrypted private keys are not supported".to_string());
    }
    let key = PrivateKeyDer::from_pem_slice(pem).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => "no PEM private key found".to_string(),
        e => format!("invalid PEM: {e}"),
    })?;
    rustls::crypto::ring::default_provider()
        .key_provider
        .load_private_key(key.clone_key())
        .map_err(|e| format!("unusable private key: {e}"))?;
    Ok(key)
}

/// Fails when the key does not belong to the first certificate.
fn check_pair(chain: &[CertificateDer<'static>], key: &PrivateKeyDer<'static>) -> Result<()> {
    let signer = rustls::crypto::ring::default_provider()
        .key_provider
        .load_private_key(key.clone_key())
        .map_err(|e| ssl_err(format!("error using private key: {e}")))?;
    let ck = rustls::sign::CertifiedKey::new(chain.to_vec(), signer);
    match ck.keys_match() {
        Ok(()) => Ok(()),
        // Unknown: the key type cannot report its public key; let the
        // handshake decide.
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => Ok(()),
        Err(e) => Err(ssl_err(format!("the private key does not match the certificate: {e}"))),
    }
}

fn load_pair(cert_file: &str, key_file: &str) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let cert = read_file(cert_file, "certificate chain")?;
    let chain =
        parse_certs(&cert).map_err(|e| ssl_err(format!("error loading certificate chain '{cert_file}': {e}")))?;
    let key = read_file(key_file, "private key")?;
    let key = parse_key(&key).map_err(|e| ssl_err(format!("error loading private key '{key_file}': {e}")))?;
    check_pair(&chain, &key)?;
    Ok((chain, key))
}

/// The system trust store, loaded once; webpki-roots when it is empty.
fn system_roots() -> Arc<RootCertStore> {
    static ROOTS: OnceCell<Arc<RootCertStore>> = OnceCell::new();
    ROOTS
        .get_or_init(|| {
            let mut store = RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            for c in found.certs {
                let _ = store.add(c);
            }
            if store.is_empty() {
                store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            }
            Arc::new(store)
        })
        .clone()
}

/// Accepts any server certificate, but still checks that the server owns
/// the key it presents (handshake signatures).
#[derive(Debug)]
struct AcceptAnyServerCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A readable text for a rustls error.
pub fn describe(e: &rustls::Error, name: &ServerName<'_>) -> String {
    use rustls::{AlertDescription as A, CertificateError as C, Error as E};
    let name = name.to_str();
    match e {
        E::InvalidCertificate(c) => match c {
            C::UnknownIssuer => {
                "server certificate is signed by an unknown authority (not issued by a trusted CA)".to_string()
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                format!("server certificate is not valid for host name '{name}'")
            }
            C::Expired | C::ExpiredContext { .. } => "server certificate has expired".to_string(),
            C::NotValidYet | C::NotValidYetContext { .. } => "server certificate is not valid yet".to_string(),
            C::Revoked => "server certificate has been revoked".to_string(),
            C::BadSignature => "server certificate has a bad signature".to_string(),
            C::BadEncoding => "server certificate is badly encoded".to_string(),
            other => format!("invalid server certificate: {other:?}"),
        },
        E::AlertReceived(a) => match a {
            A::CertificateRequired => {
                "the server requires a client certificate (alert from server: certificate required)".to_string()
            }
            A::BadCertificate | A::UnknownCA | A::CertificateUnknown | A::UnsupportedCertificate => {
                format!("the server rejected the client certificate (alert from server: {a:?})")
            }
            A::CertificateExpired => "the server rejected the client certificate: it has expired".to_string(),
            A::HandshakeFailure => {
                "alert from server: handshake failure (no common cipher suite or parameters?)".to_string()
            }
            A::ProtocolVersion => "alert from server: protocol version not supported".to_string(),
            other => format!("alert from server: {other:?}"),
        },
        E::InvalidMessage(_) => "received data that is not TLS: is the server expecting TLS at this point? \
                                  (check the TLS-handshake-first setting on both sides)"
            .to_string(),
        E::NoCertificatesPresented => "the server presented no certificate".to_string(),
        E::PeerIncompatible(p) => {
            format!("the server is not compatible with this TLS configuration: {p:?}")
        }
        E::PeerMisbehaved(p) => format!("the server misbehaved: {p:?}"),
        other => other.to_string(),
    }
}

/// Runs the client handshake on `tcp` (see [`TlsOptions::server_name`]
/// for the name checked). The socket is switched to non-blocking mode.
/// Fails with `NATS_SSL_ERROR` (readable text), `NATS_IO_ERROR`, or
/// `NATS_TIMEOUT` once `deadline` passes.
pub fn connect(tcp: TcpStream, opts: &TlsOptions, host: &str, deadline: Instant) -> Result<TlsStream> {
    let config = opts.client_config()?;
    let name = opts.server_name(host)?;
    let conn = rustls::ClientConnection::new(config, name.clone())
        .map_err(|e| ssl_err(format!("unable to start TLS: {e}")))?;
    TlsStream::handshake(tcp, conn, name, deadline)
}

//! Authentication: every credential source (options, URL, callbacks,
//! files) ends up in one [`AuthOptions`]; [`resolve`] turns it into the
//! credential fields of CONNECT for one connect attempt.
//!
//! The setters on [`AuthOptions`] carry cnats' rules (what each one
//! clears, which combinations are refused), so that the C layer only
//! converts arguments.
//!
//! Secrets (password, token, in-memory creds) are kept in [`Secret`]
//! values, wiped on drop and never printed by `Debug`. Files (creds, seed)
//! are read at each use so that rotated files are picked up, and their
//! buffers are wiped afterwards.

pub mod creds;
pub mod nkeys;

use crate::error::{Error, Result};
use crate::status::natsStatus;
use std::fmt;
use std::sync::Arc;
use zeroize::Zeroizing;

/// Returns the token to send at each connect (`None`: no token).
pub type TokenHandler = Arc<dyn Fn() -> Option<String> + Send + Sync>;
/// Signs the server nonce (given as bytes; empty when the server sent no
/// nonce) and returns the raw signature, or an error with its status and text.
pub type SignatureHandler = Arc<dyn Fn(&[u8]) -> Result<Vec<u8>> + Send + Sync>;
/// Returns the user JWT to send at each connect, or an error.
pub type JwtHandler = Arc<dyn Fn() -> Result<String> + Send + Sync>;

/// A secret string: wiped when dropped, shown as `"***"` by `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(Zeroizing::new(s.into()))
    }
    /// The secret text.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Secret {
    /// Takes the text out without copying it (the caller becomes
    /// responsible for wiping it).
    pub fn into_string(mut self) -> String {
        std::mem::take(&mut *self.0)
    }
}

impl From<String> for Secret {
    /// Takes ownership of `s` without copying it.
    fn from(s: String) -> Secret {
        Secret(Zeroizing::new(s))
    }
}

impl std::ops::Deref for Secret {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Secret {
    fn eq(&self, other: &str) -> bool {
        self.0.as_str() == other
    }
}

impl PartialEq<&str> for Secret {
    fn eq(&self, other: &&str) -> bool {
        self.0.as_str() == *other
    }
}

/// Serialized as the plain string (written straight into the output
/// buffer by serde_json, no intermediate copy).
impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Secret {
        Secret::new(s)
    }
}

/// Where the user JWT and its seed come from (`SetUserCredentialsFromFiles`,
/// `…FromMemory`, or the seed file of `SetNKeyFromSeed`).
#[derive(Clone, Debug)]
pub enum UserCreds {
    /// A user (or chained) file and/or a separate seed file. With only a
    /// chained file, the seed is its second decorated item.
    Files {
        user_or_chained: Option<String>,
        seed_file: Option<String>,
    },
    /// A chained creds text (JWT and seed, both decorated).
    Memory(Secret),
}

impl UserCreds {
    /// Reads the user JWT (at each call, so rotated files are seen).
    pub fn jwt(&self) -> Result<String> {
        match self {
            UserCreds::Memory(c) => creds::jwt_from_memory(c.expose().as_bytes()),
            UserCreds::Files {
                user_or_chained: Some(f),
                ..
            } => creds::jwt_from_file(f),
            UserCreds::Files {
                user_or_chained: None, ..
            } => Err(Error::new(natsStatus::NATS_ERR, "no user JWT file set")),
        }
    }

    /// Reads the encoded seed (wiped when dropped).
    pub fn seed(&self) -> Result<Zeroizing<Vec<u8>>> {
        match self {
            UserCreds::Memory(c) => creds::seed_from_memory(c.expose().as_bytes()),
            UserCreds::Files { seed_file: Some(f), .. } => creds::seed_from_file(f, 0),
            UserCreds::Files {
                user_or_chained: Some(f),
                ..
            } => creds::seed_from_file(f, 1),
            UserCreds::Files { .. } => Err(Error::new(natsStatus::NATS_ERR, "no seed file set")),
        }
    }

    /// Signs `data` with the seed (read now, wiped after use).
    pub fn sign(&self, data: &[u8]) -> Result<[u8; nkeys::SIGNATURE_LEN]> {
        let seed = self.seed()?;
        nkeys::sign(&seed, data)
    }
}

/// The source of the user JWT.
#[derive(Clone)]
pub enum JwtSource {
    /// From [`AuthOptions::user_creds`].
    Creds,
    /// From the application.
    Handler(JwtHandler),
}

/// The source of nonce signatures.
#[derive(Clone)]
pub enum SigSource {
    /// With the seed of [`AuthOptions::user_creds`].
    Creds,
    /// From the application.
    Handler(SignatureHandler),
}

/// Every credential source of a connection's options.
#[derive(Clone, Default)]
pub struct AuthOptions {
    pub user: Option<String>,
    pub password: Option<Secret>,
    pub token: Option<Secret>,
    pub token_handler: Option<TokenHandler>,
    /// NKey public key (sent as `nkey`, with the nonce signature).
    pub nkey: Option<String>,
    pub jwt_source: Option<JwtSource>,
    pub sig_source: Option<SigSource>,
    pub user_creds: Option<UserCreds>,
}

impl fmt::Debug for AuthOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthOptions")
            .field("user", &self.user)
            .field("password", &self.password)
            .field("token", &self.token)
            .field("token_handler", &self.token_handler.is_some())
            .field("nkey", &self.nkey)
            .field(
                "jwt_source",
                &self.jwt_source.as_ref().map(|s| matches!(s, JwtSource::Creds)),
            )
            .field(
                "sig_source",
                &self.sig_source.as_ref().map(|s| matches!(s, SigSource::Creds)),
            )
            .field("user_creds", &self.user_creds)
            .finish()
    }
}

fn is_empty(s: Option<&str>) -> bool {
    !matches!(s, Some(x) if !x.is_empty())
}

impl AuthOptions {
    /// `natsOptions_SetUserInfo`: sets (or with `None`, clears) each of
    /// user and password.
    pub fn set_user_info(&mut self, user: Option<&str>, password: Option<&str>) {
        self.user = user.map(str::to_string);
        self.password = password.map(Secret::from);
    }

    /// `natsOptions_SetToken`: refused (`NATS_ILLEGAL_STATE`) when a token
    /// handler is set; `None` clears the token.
    pub fn set_token(&mut self, token: Option<&str>) -> Result<()> {
        if token.is_some() && self.token_handler.is_some() {
            return Err(Error::new(
                natsStatus::NATS_ILLEGAL_STATE,
                "Cannot set a token if a token handler has already been set",
            ));
        }
        self.token = token.map(Secret::from);
        Ok(())
    }

    /// `natsOptions_SetTokenHandler`: refused (`NATS_ILLEGAL_STATE`) when a
    /// token is set; `None` clears the handler.
    pub fn set_token_handler(&mut self, handler: Option<TokenHandler>) -> Result<()> {
        if handler.is_some() && self.token.is_some() {
            return Err(Error::new(
                natsStatus::NATS_ILLEGAL_STATE,
                "Cannot set a token handler if a token has already been set",
            ));
        }
        self.token_handler = handler;
        Ok(())
    }

    /// `natsOptions_SetNKey`: a non-empty public key needs a signature
    /// handler (`NATS_INVALID_ARG`). Replaces the signature source; a
    /// public key removes any user JWT source (the two are exclusive).
    pub fn set_nkey(&mut self, pub_key: Option<&str>, sig: Option<SignatureHandler>) -> Result<()> {
        if !is_empty(pub_key) && sig.is_none() {
            return Err(Error::invalid_arg(
                "invalid argument: a signature handler is required with an NKey",
            ));
        }
        self.nkey = pub_key.filter(|s| !s.is_empty()).map(str::to_string);
        self.sig_source = sig.map(SigSource::Handler);
        if self.nkey.is_some() {
            self.user_creds = None;
            self.jwt_source = None;
        }
        Ok(())
    }

    /// `natsOptions_SetNKeyFromSeed`: a non-empty public key needs a seed
    /// file (`NATS_INVALID_ARG`); an empty one clears the NKey settings.
    /// Removes any user JWT source.
    pub fn set_nkey_from_seed(&mut self, pub_key: Option<&str>, seed_file: Option<&str>) -> Result<()> {
        if !is_empty(pub_key) && is_empty(seed_file) {
            return Err(Error::invalid_arg(
                "invalid argument: a seed file is required with an NKey",
            ));
        }
        match pub_key.filter(|s| !s.is_empty()) {
            Some(pk) => {
                self.nkey = Some(pk.to_string());
                self.user_creds = Some(UserCreds::Files {
                    user_or_chained: None,
                    seed_file: seed_file.map(str::to_string),
                });
                self.sig_source = Some(SigSource::Creds);
            }
            None => {
                self.nkey = None;
                self.user_creds = None;
                self.sig_source = None;
            }
        }
        self.jwt_source = None;
        Ok(())
    }

    fn set_user_creds(&mut self, uc: Option<UserCreds>) {
        match uc {
            Some(uc) => {
                self.user_creds = Some(uc);
                self.jwt_source = Some(JwtSource::Creds);
                self.sig_source = Some(SigSource::Creds);
                self.nkey = None;
            }
            None => {
                self.user_creds = None;
                self.jwt_source = None;
                self.sig_source = None;
            }
        }
    }

    /// `natsOptions_SetUserCredentialsFromFiles`: a seed file without a
    /// user file is refused (`NATS_INVALID_ARG`); no user file clears the
    /// user credentials. Removes the NKey.
    pub fn set_user_credentials_from_files(
        &mut self,
        user_or_chained: Option<&str>,
        seed_file: Option<&str>,
    ) -> Result<()> {
        if is_empty(user_or_chained) && !is_empty(seed_file) {
            return Err(Error::invalid_arg("user or chained file need to be specified"));
        }
        let uc = user_or_chained.filter(|s| !s.is_empty()).map(|f| UserCreds::Files {
            user_or_chained: Some(f.to_string()),
            seed_file: seed_file.filter(|s| !s.is_empty()).map(str::to_string),
        });
        self.set_user_creds(uc);
        Ok(())
    }

    /// `natsOptions_SetUserCredentialsFromMemory`: `None` clears the user
    /// credentials. Removes the NKey.
    pub fn set_user_credentials_from_memory(&mut self, content: Option<&str>) {
        self.set_user_creds(content.map(|c| UserCreds::Memory(Secret::from(c))));
    }

    /// `natsOptions_SetUserCredentialsCallbacks`: both handlers or neither
    /// (`NATS_INVALID_ARG`). A JWT handler removes the NKey.
    pub fn set_user_credentials_callbacks(
        &mut self,
        jwt: Option<JwtHandler>,
        sig: Option<SignatureHandler>,
    ) -> Result<()> {
        if jwt.is_some() != sig.is_some() {
            return Err(Error::invalid_arg(
                "invalid argument: the user JWT and signature handlers must be both set or both NULL",
            ));
        }
        self.user_creds = None;
        if jwt.is_some() {
            self.nkey = None;
        }
        self.jwt_source = jwt.map(JwtSource::Handler);
        self.sig_source = sig.map(SigSource::Handler);
        Ok(())
    }
}

/// The credential fields of CONNECT: every one that is or may be secret
/// (a URL user alone is a token) is a [`Secret`], wiped when dropped.
/// `Debug` hides the password, token and signature.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ConnectAuth {
    pub user: Option<Secret>,
    pub pass: Option<Secret>,
    pub auth_token: Option<Secret>,
    pub nkey: Option<String>,
    pub jwt: Option<Secret>,
    pub sig: Option<Secret>,
}

impl fmt::Debug for ConnectAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hide = |o: &Option<Secret>| o.as_ref().map(|_| "***");
        f.debug_struct("ConnectAuth")
            .field("user", &self.user.as_deref())
            .field("pass", &hide(&self.pass))
            .field("auth_token", &hide(&self.auth_token))
            .field("nkey", &self.nkey)
            .field("jwt", &self.jwt.as_deref())
            .field("sig", &hide(&self.sig))
            .finish()
    }
}

/// Resolves credentials for one connect attempt. URL credentials
/// (`user:pass@` or `token@`) win over the options, as in cnats. `nonce` is
/// the INFO nonce (signed with the NKey/JWT seed when present).
///
/// Same as [`resolve_with_pool`] without pool credentials.
pub fn resolve(
    opts: &AuthOptions,
    url_user: Option<&str>,
    url_pass: Option<&str>,
    nonce: Option<&str>,
) -> Result<ConnectAuth> {
    resolve_with_pool(opts, url_user, url_pass, None, None, nonce)
}

/// Resolves credentials for one connect attempt, in cnats' order:
/// 1. the URL being connected to: `user:pass@` → user/password, a user
///    part alone → token;
/// 2. otherwise the options' user, password, token and NKey; if they give
///    neither user nor token, `pool_user`/`pool_pass` (credentials saved
///    from an explicit URL of the server list; a user alone is a token);
/// 3. the user JWT (creds or handler; called now). A JWT with an NKey →
///    `NATS_ILLEGAL_STATE`;
/// 4. with a JWT or NKey, the signature of the nonce (base64 URL-safe,
///    no padding). Without a nonce, the empty message is signed, as cnats
///    does;
/// 5. the token handler (called now); a token from elsewhere as well →
///    `NATS_ILLEGAL_STATE`.
///
/// Errors of handlers keep their status and text; file errors are
/// `NATS_ERR` with the file name.
pub fn resolve_with_pool(
    opts: &AuthOptions,
    url_user: Option<&str>,
    url_pass: Option<&str>,
    pool_user: Option<&str>,
    pool_pass: Option<&str>,
    nonce: Option<&str>,
) -> Result<ConnectAuth> {
    let mut out = ConnectAuth::default();
    let mut user = url_user.map(Secret::from);
    let mut pass = url_pass.map(Secret::from);
    let mut token: Option<Secret> = None;
    if user.is_some() && pass.is_none() {
        token = user.take();
    }
    if user.is_none() && token.is_none() {
        user = opts.user.as_deref().map(Secret::from);
        pass = opts.password.clone();
        token = opts.token.clone();
        out.nkey = opts.nkey.clone();
        if is_empty(user.as_deref()) && is_empty(token.as_deref()) {
            if let Some(pu) = pool_user {
                user = Some(Secret::from(pu));
                pass = pool_pass.map(Secret::from);
                if pass.is_none() {
                    token = user.take();
                }
            }
        }
    }

    if let Some(src) = &opts.jwt_source {
        let jwt = match src {
            JwtSource::Creds => match &opts.user_creds {
                Some(uc) => uc.jwt()?,
                None => return Err(Error::new(natsStatus::NATS_ILLEGAL_STATE, "no user credentials set")),
            },
            JwtSource::Handler(h) => h()?,
        };
        let jwt = Secret::from(jwt);
        if !is_empty(out.nkey.as_deref()) {
            return Err(Error::new(
                natsStatus::NATS_ILLEGAL_STATE,
                "user JWT callback and NKey cannot be both specified",
            ));
        }
        out.jwt = Some(jwt).filter(|j| !j.is_empty());
    }

    if out.jwt.is_some() || !is_empty(out.nkey.as_deref()) {
        let n = nonce.unwrap_or("").as_bytes();
        let raw: Zeroizing<Vec<u8>> = match &opts.sig_source {
            Some(SigSource::Creds) => match &opts.user_creds {
                Some(uc) => {
                    let mut sig = uc.sign(n)?;
                    let v = Zeroizing::new(sig.to_vec());
                    zeroize::Zeroize::zeroize(&mut sig);
                    v
                }
                None => return Err(Error::new(natsStatus::NATS_ILLEGAL_STATE, "no user credentials set")),
            },
            Some(SigSource::Handler(h)) => Zeroizing::new(h(n)?),
            None => {
                return Err(Error::new(
                    natsStatus::NATS_ILLEGAL_STATE,
                    "no signature handler set to sign the server nonce",
                ))
            }
        };
        out.sig = Some(Secret::from(nkeys::encode_signature(&raw)));
    }

    if let Some(h) = &opts.token_handler {
        if token.is_some() {
            return Err(Error::new(
                natsStatus::NATS_ILLEGAL_STATE,
                "Token and token handler options cannot be both set",
            ));
        }
        token = h().map(Secret::from);
    }

    out.user = user;
    out.pass = pass;
    out.auth_token = token;
    Ok(out)
}

/// Signs `data` with the seed of the user credentials (creds file(s),
/// in-memory creds, or the seed file of `SetNKeyFromSeed`), read now.
/// No credentials → `NATS_ERR` (for `natsConnection_Sign`).
pub fn sign_with_user_creds(auth: &AuthOptions, data: &[u8]) -> Result<[u8; 64]> {
    match &auth.user_creds {
        Some(uc) => uc.sign(data),
        None => Err(Error::new(
            natsStatus::NATS_ERR,
            "unable to sign since no user credentials have been set",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const SEED1: &str = "SUAMK2FG4MI6UE3ACF3FK3OIQBCEIEZV7NSWFFEW63UXMRLFM2XLAXK4GY";
    const PUB1: &str = "UAT6BWCSCWLUKJT6K6MBJJOEOTXZ5AJDOYKNEVRFC7VNO6OA43N4TRNO";
    const SIG1: &str = "m50It12aTgfbJwsQhucujqhXbsq7tLM-Mf_hSjBQsG_4onm8y2Vkw6JG1bbcDkdxXe-Ng0K-7X9ov4rZ4wFcDg";
    const JWT: &str = "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJVIn0.c2ln";

    fn creds_text(jwt: &str, seed: &str) -> String {
        format!(
            "-----BEGIN NATS USER JWT-----\n{jwt}\n------END NATS USER JWT------\n\n\
             ************************* IMPORTANT *************************\n\n\
             -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n"
        )
    }

    fn seed_sig_handler(seed: &'static str) -> SignatureHandler {
        Arc::new(move |n: &[u8]| nkeys::sign(seed.as_bytes(), n).map(|s| s.to_vec()))
    }

    #[test]
    fn url_credentials_win() {
        let mut o = AuthOptions::default();
        o.set_user_info(Some("ouser"), Some("opass"));
        o.set_token(Some("otoken")).unwrap();

        let a = resolve(&o, Some("u"), Some("p"), None).unwrap();
        assert_eq!(
            (a.user.as_deref(), a.pass.as_deref(), a.auth_token.as_deref()),
            (Some("u"), Some("p"), None)
        );

        // A user part alone is a token.
        let a = resolve(&o, Some("tok"), None, None).unwrap();
        assert_eq!(
            (a.user.as_deref(), a.pass.as_deref(), a.auth_token.as_deref()),
            (None, None, Some("tok"))
        );

        // Nothing in the URL: the options.
        let a = resolve(&o, None, None, None).unwrap();
        assert_eq!(
            (a.user.as_deref(), a.pass.as_deref(), a.auth_token.as_deref()),
            (Some("ouser"), Some("opass"), Some("otoken"))
        );
    }

    #[test]
    fn url_credentials_skip_the_options_nkey() {
        let mut o = AuthOptions::default();
        o.set_nkey(Some(PUB1), Some(seed_sig_handler(SEED1))).unwrap();
        let a = resolve(&o, Some("u"), Some("p"), Some("nonce")).unwrap();
        assert_eq!((a.nkey, a.sig), (None, None));
        let a = resolve(&o, None, None, Some("nonce")).unwrap();
        assert_eq!(a.nkey.as_deref(), Some(PUB1));
        assert_eq!(a.sig.as_deref(), Some(SIG1));
    }

    #[test]
    fn pool_credentials_after_options() {
        let o = AuthOptions::default();
        let a = resolve_with_pool(&o, None, None, Some("pu"), Some("pp"), None).unwrap();
        assert_eq!((a.user.as_deref(), a.pass.as_deref()), (Some("pu"), Some("pp")));
        let a = resolve_with_pool(&o, None, None, Some("ptok"), None, None).unwrap();
        assert_eq!((a.user.as_deref(), a.auth_token.as_deref()), (None, Some("ptok")));
        let mut o = AuthOptions::default();
        o.set_user_info(Some("ou"), Some("op"));
        let a = resolve_with_pool(&o, None, None, Some("pu"), Some("pp"), None).unwrap();
        assert_eq!((a.user.as_deref(), a.pass.as_deref()), (Some("ou"), Some("op")));
    }

    #[test]
    fn special_characters_pass_through_unchanged() {
        let mut o = AuthOptions::default();
        o.set_user_info(Some("us\"er"), Some("pa\"ss\\word"));
        let a = resolve(&o, None, None, None).unwrap();
        assert_eq!(a.pass.as_deref(), Some("pa\"ss\\word"));
        // And survive JSON serialisation of CONNECT.
        let ci = crate::proto::ConnectInfo {
            user: a.user.clone(),
            pass: a.pass.clone(),
            ..Default::default()
        };
        let js = serde_json::to_string(&ci).unwrap();
        let back: serde_json::Value = serde_json::from_str(&js).unwrap();
        assert_eq!(back["pass"], "pa\"ss\\word");
        assert_eq!(back["user"], "us\"er");
    }

    #[test]
    fn secrets_hidden_from_debug() {
        let mut o = AuthOptions::default();
        o.set_user_info(Some("me"), Some("hunter2"));
        o.set_token(Some("tok-secret")).unwrap();
        o.set_user_credentials_from_memory(Some(&creds_text(JWT, SEED1)));
        let d = format!("{o:?}");
        assert!(
            !d.contains("hunter2") && !d.contains("tok-secret") && !d.contains(SEED1),
            "{d}"
        );
        let a = resolve(&o, None, None, Some("nonce")).unwrap();
        let d = format!("{a:?}");
        assert!(!d.contains("hunter2") && !d.contains("tok-secret"), "{d}");
    }

    #[test]
    fn token_handler_called_each_time_and_exclusive() {
        let n = Arc::new(AtomicUsize::new(0));
        let n2 = n.clone();
        let mut o = AuthOptions::default();
        o.set_token_handler(Some(Arc::new(move || {
            Some(format!("t{}", n2.fetch_add(1, Ordering::SeqCst)))
        })))
        .unwrap();
        assert_eq!(resolve(&o, None, None, None).unwrap().auth_token.as_deref(), Some("t0"));
        assert_eq!(resolve(&o, None, None, None).unwrap().auth_token.as_deref(), Some("t1"));
        // Token + handler refused in both orders.
        assert_eq!(
            o.set_token(Some("x")).unwrap_err().status,
            natsStatus::NATS_ILLEGAL_STATE
        );
        o.set_token(None).unwrap();
        // A token from the URL conflicts with the handler at connect time.
        assert_eq!(
            resolve(&o, Some("urltok"), None, None).unwrap_err().status,
            natsStatus::NATS_ILLEGAL_STATE
        );
        // user:pass in the URL plus a handler: both sent.
        let a = resolve(&o, Some("u"), Some("p"), None).unwrap();
        assert_eq!((a.user.as_deref(), a.auth_token.as_deref()), (Some("u"), Some("t2")));

        let mut o = AuthOptions::default();
        o.set_token(Some("x")).unwrap();
        let h: TokenHandler = Arc::new(|| None);
        assert_eq!(
            o.set_token_handler(Some(h)).unwrap_err().status,
            natsStatus::NATS_ILLEGAL_STATE
        );
        o.set_token_handler(None).unwrap();
    }

    #[test]
    fn creds_from_memory() {
        let mut o = AuthOptions::default();
        o.set_user_credentials_from_memory(Some(&creds_text(JWT, SEED1)));
        let a = resolve(&o, None, None, Some("nonce")).unwrap();
        assert_eq!(a.jwt.as_deref(), Some(JWT));
        assert_eq!(a.sig.as_deref(), Some(SIG1));
        assert_eq!(a.nkey, None);
        assert_eq!(
            nkeys::encode_signature(&sign_with_user_creds(&o, b"nonce").unwrap()),
            SIG1
        );
        // Clearing.
        o.set_user_credentials_from_memory(None);
        assert_eq!(resolve(&o, None, None, Some("nonce")).unwrap(), ConnectAuth::default());
        assert_eq!(sign_with_user_creds(&o, b"x").unwrap_err().status, natsStatus::NATS_ERR);
    }

    #[test]
    fn creds_from_files_reread_each_time() {
        let dir = tempfile::tempdir().unwrap();
        let chained = dir.path().join("u.creds");
        let chained = chained.to_str().unwrap();
        std::fs::write(chained, creds_text(JWT, SEED1)).unwrap();
        let mut o = AuthOptions::default();
        o.set_user_credentials_from_files(Some(chained), None).unwrap();
        let a = resolve(&o, None, None, Some("nonce")).unwrap();
        assert_eq!((a.jwt.as_deref(), a.sig.as_deref()), (Some(JWT), Some(SIG1)));

        // Rotated file: new JWT and seed picked up.
        let seed2 = "SUACSSL3UAHUDXKFSNVUZRF5UHPMWZ6BFDTJ7M6USDXIEDNPPQYYYCU3VY";
        std::fs::write(chained, creds_text("a.b.c", seed2).replace('\n', "\r\n")).unwrap();
        let a = resolve(&o, None, None, Some("nonce")).unwrap();
        assert_eq!(a.jwt.as_deref(), Some("a.b.c"));
        assert_eq!(
            a.sig.as_deref(),
            Some("AVfpO7Pw3rc56hoO1OJcFxXUCfBmO2qouchBchSlL45Fuur9zS15UzytEI1QC5wwVG7uiHIdqyfmOS6uPrwqCg")
        );

        // Separate JWT and seed files.
        let jwtf = dir.path().join("u.jwt");
        let seedf = dir.path().join("u.nk");
        std::fs::write(&jwtf, format!("{JWT}\n")).unwrap();
        std::fs::write(&seedf, format!("{SEED1}\n")).unwrap();
        o.set_user_credentials_from_files(jwtf.to_str(), seedf.to_str())
            .unwrap();
        let a = resolve(&o, None, None, Some("nonce")).unwrap();
        assert_eq!((a.jwt.as_deref(), a.sig.as_deref()), (Some(JWT), Some(SIG1)));

        // Missing file: error naming it.
        std::fs::remove_file(&seedf).unwrap();
        let e = resolve(&o, None, None, Some("nonce")).unwrap_err();
        assert_eq!(e.status, natsStatus::NATS_ERR);
        assert!(
            e.text.contains("error opening file") && e.text.contains("u.nk"),
            "{}",
            e.text
        );

        // Seed without user file refused; NULLs clear.
        assert_eq!(
            o.set_user_credentials_from_files(None, seedf.to_str())
                .unwrap_err()
                .status,
            natsStatus::NATS_INVALID_ARG
        );
        o.set_user_credentials_from_files(None, None).unwrap();
        assert!(o.user_creds.is_none() && o.jwt_source.is_none() && o.sig_source.is_none());
    }

    #[test]
    fn nkey_from_seed_file() {
        let dir = tempfile::tempdir().unwrap();
        let seedf = dir.path().join("u.nk");
        std::fs::write(
            &seedf,
            format!("-----BEGIN USER NKEY SEED-----\r\n{SEED1}\r\n------END USER NKEY SEED------\r\n"),
        )
        .unwrap();
        let mut o = AuthOptions::default();
        assert_eq!(
            o.set_nkey_from_seed(Some(PUB1), None).unwrap_err().status,
            natsStatus::NATS_INVALID_ARG
        );
        o.set_nkey_from_seed(Some(PUB1), seedf.to_str()).unwrap();
        let a = resolve(&o, None, None, Some("nonce")).unwrap();
        assert_eq!(
            (a.nkey.as_deref(), a.sig.as_deref(), a.jwt.as_deref()),
            (Some(PUB1), Some(SIG1), None)
        );
        // natsConnection_Sign works with the seed file too.
        assert_eq!(
            nkeys::encode_signature(&sign_with_user_creds(&o, b"nonce").unwrap()),
            SIG1
        );
        // Without a nonce the empty message is signed.
        let a = resolve(&o, None, None, None).unwrap();
        assert_eq!(
            a.sig,
            Some(Secret::from(nkeys::encode_signature(
                &nkeys::sign(SEED1.as_bytes(), b"").unwrap()
            )))
        );
        // Bad seed in the file: cnats' text.
        std::fs::write(&seedf, "SUAMK2FG4MI6UE3ACF3FK3OIQBCEIEZV7NSWFFEW63UXMRLFM2XLAXK4AA\n").unwrap();
        let e = resolve(&o, None, None, Some("nonce")).unwrap_err();
        assert_eq!((e.status, e.text.as_str()), (natsStatus::NATS_ERR, "invalid checksum"));
        o.set_nkey_from_seed(None, None).unwrap();
        assert!(o.nkey.is_none() && o.user_creds.is_none() && o.sig_source.is_none());
    }

    #[test]
    fn exclusions_between_nkey_and_jwt() {
        let jwt_h: JwtHandler = Arc::new(|| Ok(JWT.to_string()));
        let mut o = AuthOptions::default();
        o.set_nkey(Some(PUB1), Some(seed_sig_handler(SEED1))).unwrap();
        // JWT callbacks remove the NKey.
        o.set_user_credentials_callbacks(Some(jwt_h.clone()), Some(seed_sig_handler(SEED1)))
            .unwrap();
        assert!(o.nkey.is_none());
        let a = resolve(&o, None, None, Some("nonce")).unwrap();
        assert_eq!(
            (a.jwt.as_deref(), a.sig.as_deref(), a.nkey),
            (Some(JWT), Some(SIG1), None)
        );
        // An NKey removes the JWT source.
        o.set_nkey(Some(PUB1), Some(seed_sig_handler(SEED1))).unwrap();
        assert!(o.jwt_source.is_none());
        // Creds remove the NKey.
        o.set_user_credentials_from_memory(Some(&creds_text(JWT, SEED1)));
        assert!(o.nkey.is_none());
        // Invalid combinations.
        assert_eq!(
            o.set_nkey(Some(PUB1), None).unwrap_err().status,
            natsStatus::NATS_INVALID_ARG
        );
        assert_eq!(
            o.set_user_credentials_callbacks(Some(jwt_h), None).unwrap_err().status,
            natsStatus::NATS_INVALID_ARG
        );
        assert_eq!(
            o.set_user_credentials_callbacks(None, Some(seed_sig_handler(SEED1)))
                .unwrap_err()
                .status,
            natsStatus::NATS_INVALID_ARG
        );
        // Both set by hand: refused at connect.
        let mut o = AuthOptions {
            nkey: Some(PUB1.into()),
            ..Default::default()
        };
        o.jwt_source = Some(JwtSource::Handler(Arc::new(|| Ok(JWT.to_string()))));
        o.sig_source = Some(SigSource::Handler(seed_sig_handler(SEED1)));
        assert_eq!(
            resolve(&o, None, None, Some("n")).unwrap_err().status,
            natsStatus::NATS_ILLEGAL_STATE
        );
    }

    #[test]
    fn handler_errors_keep_status_and_text() {
        let mut o = AuthOptions::default();
        o.set_user_credentials_callbacks(
            Some(Arc::new(|| {
                Err(Error::new(natsStatus::NATS_NOT_PERMITTED, "no jwt for you"))
            })),
            Some(seed_sig_handler(SEED1)),
        )
        .unwrap();
        let e = resolve(&o, None, None, Some("n")).unwrap_err();
        assert_eq!(
            (e.status, e.text.as_str()),
            (natsStatus::NATS_NOT_PERMITTED, "no jwt for you")
        );

        o.set_user_credentials_callbacks(
            Some(Arc::new(|| Ok(JWT.to_string()))),
            Some(Arc::new(|_: &[u8]| {
                Err(Error::new(natsStatus::NATS_ERR, "cannot sign"))
            })),
        )
        .unwrap();
        let e = resolve(&o, None, None, Some("n")).unwrap_err();
        assert_eq!((e.status, e.text.as_str()), (natsStatus::NATS_ERR, "cannot sign"));
    }
}

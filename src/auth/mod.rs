//! CONTRACT STUB — replaced by the auth implementation.
//!
//! Every credential source (options, URL, callbacks, files) ends up in one
//! `AuthOptions`; `resolve` turns it into the fields of CONNECT.
use crate::error::Result;

#[derive(Clone, Default)]
pub struct AuthOptions {}

/// The credential fields of CONNECT.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectAuth {
    pub user: Option<String>,
    pub pass: Option<String>,
    pub auth_token: Option<String>,
    pub nkey: Option<String>,
    pub jwt: Option<String>,
    pub sig: Option<String>,
}

/// Resolves credentials for one connect attempt. URL credentials
/// (`user:pass@` or `token@`) win over the options, as in cnats. `nonce` is
/// the INFO nonce (signed with the NKey/JWT seed when present).
pub fn resolve(_opts: &AuthOptions, _url_user: Option<&str>, _url_pass: Option<&str>, _nonce: Option<&str>) -> Result<ConnectAuth> {
    Ok(ConnectAuth::default())
}

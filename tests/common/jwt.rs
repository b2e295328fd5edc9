//! Test support: NKeys and NATS JWTs (operator → account → user) minted
//! in-process, creds texts, and the matching `nats-server` configuration.
//! No I/O: everything is returned as strings.
//!
//! Include from an integration test with
//! `#[path = "common/jwt.rs"] mod jwt;` (or `mod jwt;` from
//! `tests/common/mod.rs`).
#![allow(dead_code)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use nkeys::KeyPair;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

fn unique_jti() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    format!(
        "RNATSTEST{}X{}X{}",
        nanos,
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Signs `claims` (iss is set to the issuer's public key, `iat` and `jti`
/// added when missing) and returns the encoded JWT.
pub fn encode(issuer: &KeyPair, mut claims: Value) -> String {
    let obj = claims.as_object_mut().expect("claims must be a JSON object");
    obj.insert("iss".into(), json!(issuer.public_key()));
    obj.entry("iat").or_insert_with(|| json!(now()));
    obj.entry("jti").or_insert_with(|| json!(unique_jti()));
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ed25519-nkey"}"#);
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    let signing_input = format!("{header}.{body}");
    let sig = issuer.sign(signing_input.as_bytes()).expect("issuer must have a seed");
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig))
}

/// A self-signed operator JWT.
pub fn operator_jwt(operator: &KeyPair, name: &str) -> String {
    encode(
        operator,
        json!({"sub": operator.public_key(), "name": name, "nats": {"type": "operator", "version": 2}}),
    )
}

/// An account JWT signed by the operator, without limits.
pub fn account_jwt(operator: &KeyPair, account: &KeyPair, name: &str) -> String {
    encode(
        operator,
        json!({
            "sub": account.public_key(),
            "name": name,
            "nats": {
                "limits": {"subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1,
                           "wildcards": true, "conn": -1, "leaf": -1},
                "default_permissions": {"pub": {}, "sub": {}},
                "type": "account",
                "version": 2
            }
        }),
    )
}

/// A user JWT signed by the account; `exp` in seconds since the epoch.
pub fn user_jwt(account: &KeyPair, user_pub: &str, name: &str, exp: Option<i64>) -> String {
    let mut c = json!({
        "sub": user_pub,
        "name": name,
        "nats": {
            "pub": {}, "sub": {},
            "subs": -1, "data": -1, "payload": -1,
            "type": "user",
            "version": 2
        }
    });
    if let Some(e) = exp {
        c["exp"] = json!(e);
    }
    encode(account, c)
}

/// A creds text in nsc's layout.
pub fn creds(user_jwt: &str, user_seed: &str) -> String {
    format!(
        "-----BEGIN NATS USER JWT-----\n{user_jwt}\n------END NATS USER JWT------\n\n\
         ************************* IMPORTANT *************************\n\
         NKEY Seed printed below can be used to sign and prove identity.\n\
         NKEYs are sensitive and should be treated as secrets.\n\n\
         -----BEGIN USER NKEY SEED-----\n{user_seed}\n------END USER NKEY SEED------\n\n\
         *************************************************************\n"
    )
}

/// Server configuration lines for operator mode with a memory resolver
/// preloaded with `accounts` (public key, JWT).
pub fn server_config(operator_jwt: &str, accounts: &[(String, String)]) -> String {
    let mut s = format!("operator: \"{operator_jwt}\"\nresolver: MEMORY\nresolver_preload: {{\n");
    for (pk, jwt) in accounts {
        s.push_str(&format!("  {pk}: \"{jwt}\"\n"));
    }
    s.push_str("}\n");
    s
}

/// A full operator/account/user chain.
pub struct Chain {
    pub operator: KeyPair,
    pub account: KeyPair,
    pub user: KeyPair,
    pub operator_jwt: String,
    pub account_jwt: String,
    pub user_jwt: String,
}

impl Chain {
    /// New keys and JWTs; the user JWT expires at `user_exp` if given.
    pub fn new(user_exp: Option<i64>) -> Chain {
        let operator = KeyPair::new_operator();
        let account = KeyPair::new_account();
        let user = KeyPair::new_user();
        let operator_jwt = operator_jwt(&operator, "rnats-test-operator");
        let account_jwt = account_jwt(&operator, &account, "rnats-test-account");
        let user_jwt = user_jwt(&account, &user.public_key(), "rnats-test-user", user_exp);
        Chain {
            operator,
            account,
            user,
            operator_jwt,
            account_jwt,
            user_jwt,
        }
    }

    pub fn user_seed(&self) -> String {
        self.user.seed().unwrap()
    }

    /// The user's creds text.
    pub fn creds(&self) -> String {
        creds(&self.user_jwt, &self.user_seed())
    }

    /// Another user of the same account (public key, seed, JWT).
    pub fn new_user(&self, name: &str, exp: Option<i64>) -> (String, String, String) {
        let u = KeyPair::new_user();
        let jwt = user_jwt(&self.account, &u.public_key(), name, exp);
        (u.public_key(), u.seed().unwrap(), jwt)
    }

    /// Server configuration for this chain.
    pub fn server_config(&self) -> String {
        server_config(
            &self.operator_jwt,
            &[(self.account.public_key(), self.account_jwt.clone())],
        )
    }
}

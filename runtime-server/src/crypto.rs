//! Passwords, tokens and secrets.
//!
//! Passwords: argon2id with a random salt, hashed off the async runtime.
//! Access tokens: HS256 JWTs valid for 15 minutes. Refresh tokens, API key
//! secrets, invitation and confirmation tokens: 256 random bits, stored only
//! as SHA-256 hashes (they are high-entropy, so a fast hash is enough and
//! lets them be looked up by hash).

use animo_shared::api::Role;
use animo_shared::{AccountId, TenantId};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Lifetime of an access token.
pub const ACCESS_TOKEN_SECS: u32 = 15 * 60;
/// Lifetime of a refresh token.
pub const REFRESH_TOKEN_SECS: u64 = 30 * 24 * 60 * 60;

fn argon2() -> Argon2<'static> {
    // OWASP's recommended argon2id floor: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with argon2id (on a blocking thread).
pub async fn hash_password(password: &str) -> anyhow::Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
            .map_err(|error| anyhow::anyhow!("encoding a salt: {error}"))?;
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| anyhow::anyhow!("hashing a password: {error}"))
    })
    .await?
}

/// Checks a password against a stored hash (on a blocking thread).
pub async fn verify_password(password: &str, hash: &str) -> anyhow::Result<bool> {
    let password = password.to_owned();
    let hash = hash.to_owned();
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash).map_err(|error| anyhow::anyhow!("stored hash is unreadable: {error}"))?;
        Ok(argon2().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await?
}

/// HMAC-SHA256 of `message` under `key`, as lower-case hex.
pub fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    use hmac::Mac;
    // HMAC accepts keys of any length, so construction cannot fail.
    let mut mac = <hmac::Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("any key length"));
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// Compares two strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A hash to compare against when no account exists, so a login for an
/// unknown address costs as much time as one for a known address.
pub async fn dummy_verify(password: &str) {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    let hash = DUMMY.get_or_init(|| async { hash_password("animo-dummy-password").await.unwrap_or_default() }).await;
    // The result is meaningless on purpose; only the time spent matters.
    let _timing_only = verify_password(password, hash).await;
}

/// A random token: a prefix and 256 bits in URL-safe base64.
pub fn random_token(prefix: &str) -> String {
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>()))
}

/// The SHA-256 of a token, as hex, for storage and look-up.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// What an access token says.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The account.
    pub sub: AccountId,
    /// The tenant the token acts in.
    pub tid: TenantId,
    /// The role at issue time (the server re-checks the membership on use).
    pub role: Role,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issue time, seconds since the epoch.
    pub iat: i64,
    /// The refresh-token family that produced it, so logout can be traced.
    pub fam: String,
}

/// Signs and checks access tokens.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKeys(***)")
    }
}

/// Why an access token was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenProblem {
    /// It was valid once.
    Expired,
    /// It never was.
    Invalid,
}

impl JwtKeys {
    /// Keys from a secret of at least 32 bytes.
    pub fn new(secret: &[u8]) -> Self {
        Self { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret) }
    }

    /// Signs claims.
    pub fn sign(&self, claims: &AccessClaims) -> anyhow::Result<String> {
        Ok(jsonwebtoken::encode(&Header::default(), claims, &self.encoding)?)
    }

    /// Signs claims of another kind of token; `claims` must carry `aud` and `exp`.
    pub fn sign_claims<T: Serialize>(&self, claims: &T) -> anyhow::Result<String> {
        Ok(jsonwebtoken::encode(&Header::default(), claims, &self.encoding)?)
    }

    /// Checks a token of another kind: signature, expiry and audience, so an
    /// access token is never accepted where a visitor token is expected, nor
    /// the other way round (access tokens carry no audience).
    pub fn verify_claims<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        audience: &str,
    ) -> Result<T, TokenProblem> {
        let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.leeway = 0;
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "aud"]);
        jsonwebtoken::decode::<T>(token, &self.decoding, &validation).map(|data| data.claims).map_err(|error| {
            match error.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenProblem::Expired,
                _ => TokenProblem::Invalid,
            }
        })
    }

    /// Checks a token's signature and expiry.
    pub fn verify(&self, token: &str) -> Result<AccessClaims, TokenProblem> {
        let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        jsonwebtoken::decode::<AccessClaims>(token, &self.decoding, &validation).map(|data| data.claims).map_err(
            |error| match error.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenProblem::Expired,
                _ => TokenProblem::Invalid,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse battery").await.expect("hashes");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash).await.expect("verifies"));
        assert!(!verify_password("wrong horse battery", &hash).await.expect("verifies"));
    }

    #[test]
    fn tokens_expire_and_reject_tampering() {
        let keys = JwtKeys::new(&[7; 32]);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = AccessClaims {
            sub: AccountId::from_bytes(&[1; 16]),
            tid: TenantId::from_bytes(&[2; 16]),
            role: Role::Owner,
            exp: now + 60,
            iat: now,
            fam: "f".into(),
        };
        let token = keys.sign(&claims).expect("signs");
        assert_eq!(keys.verify(&token).expect("valid").sub, claims.sub);
        assert_eq!(JwtKeys::new(&[8; 32]).verify(&token).unwrap_err(), TokenProblem::Invalid);
        let old = keys.sign(&AccessClaims { exp: now - 5, ..claims }).expect("signs");
        assert_eq!(keys.verify(&old).unwrap_err(), TokenProblem::Expired);
        assert_ne!(random_token("rt_"), random_token("rt_"));
        assert_eq!(token_hash("a").len(), 64);
    }
}

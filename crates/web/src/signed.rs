//! Short-lived values signed by the server (HMAC-SHA256), for cookies whose content the server
//! must be able to trust: today the "your application was received" page after submitting.
//!
//! The key comes from `KOJO_SECRET_KEY` (several processes behind one proxy must share it), or is
//! random per process when unset: a value signed by another process then just fails to verify,
//! and the page falls back to the status look-up.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A signing key of at least 32 bytes.
#[derive(Clone)]
pub struct SigningKey(Vec<u8>);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(…)")
    }
}

impl SigningKey {
    /// From configuration text (at least 32 characters), or a random key when `None`.
    pub fn new(secret: Option<&str>) -> Result<SigningKey, &'static str> {
        match secret {
            Some(text) if text.len() >= 32 => Ok(SigningKey(text.as_bytes().to_vec())),
            Some(_) => Err("KOJO_SECRET_KEY must have at least 32 characters"),
            None => Ok(SigningKey(store::random_token(32).into_bytes())),
        }
    }

    /// `value` valid until `expires`, as `value.expiry.signature` (value must not contain `.`).
    pub fn sign(&self, value: &str, expires: DateTime<Utc>) -> String {
        let payload = format!("{value}.{}", expires.timestamp());
        format!("{payload}.{}", hex::encode(self.mac(&payload)))
    }

    /// The value, if `token` was signed with this key and has not expired at `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Option<String> {
        let (payload, signature) = token.rsplit_once('.')?;
        let (value, expires) = payload.rsplit_once('.')?;
        let signature = hex::decode(signature).ok()?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature).ok()?;
        let expires = DateTime::from_timestamp(expires.parse().ok()?, 0)?;
        (now < expires).then(|| value.to_string())
    }

    fn mac(&self, payload: &str) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(payload.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    #[test]
    fn a_signed_value_verifies_until_it_expires_and_not_when_changed() {
        let key = SigningKey::new(Some("0123456789abcdef0123456789abcdef")).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 1, 0, 0).unwrap();
        let token = key.sign("R8-1234-5678", now + Duration::minutes(30));
        assert_eq!(key.verify(&token, now).as_deref(), Some("R8-1234-5678"));
        assert_eq!(key.verify(&token, now + Duration::minutes(31)), None, "expired");
        assert_eq!(key.verify(&token.replace("R8-1234-5678", "R8-1234-5679"), now), None, "another reference");
        assert_eq!(key.verify("R8-1234-5678", now), None, "a bare reference");
        let other = SigningKey::new(None).unwrap();
        assert_eq!(other.verify(&token, now), None, "another key");
        assert!(SigningKey::new(Some("short")).is_err());
    }
}

//! VAPID (RFC 8292): ES256 JWTs that identify the application server, and their headers.
//!
//! A [`VapidKey`] is parsed and imported once, then signs every token; the signed token for
//! an (audience, subject) pair is cached on the key and reused until it has less than
//! [`REFRESH_MARGIN_SECS`] left, so a batch to one push service signs once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::base64url;
use crate::crypto::Es256Signer;
use crate::ece::ContentEncoding;
use crate::error::{Error, Result};
use crate::keys::{KeyRole, PrivateKey, PublicKey};

/// Default token lifetime: 12 hours (as web-push).
pub const DEFAULT_EXPIRATION_SECS: u64 = 12 * 60 * 60;
/// Longest lifetime RFC 8292 allows: 24 hours.
pub const MAX_EXPIRATION_SECS: u64 = 24 * 60 * 60;
/// A cached token is replaced once it has less than this left (so at most once per 11 h).
pub const REFRESH_MARGIN_SECS: u64 = 60 * 60;

/// `{"typ":"JWT","alg":"ES256"}`, base64url.
const JWT_HEADER_B64: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9";

/// Checks that `subject` is a `mailto:` or `https:` URL.
pub fn validate_subject(subject: &str) -> Result<()> {
  let invalid = |reason: &str| Error::InvalidSubject {
    reason: reason.to_owned(),
  };
  if subject.is_empty() {
    return Err(invalid("is empty"));
  }
  let url = url::Url::parse(subject).map_err(|_| invalid("is not a valid URL"))?;
  match url.scheme() {
    "mailto" | "https" => Ok(()),
    _ => Err(invalid(&format!("has scheme {:?}", url.scheme()))),
  }
}

/// Checks that `audience` is an `http(s)` origin.
pub fn validate_audience(audience: &str) -> Result<()> {
  let invalid = |reason: &str| Error::InvalidAudience {
    reason: reason.to_owned(),
  };
  let url = url::Url::parse(audience).map_err(|_| invalid("is not a valid URL"))?;
  if !matches!(url.scheme(), "https" | "http") || url.host().is_none() {
    return Err(invalid("is not an http(s) URL with a host"));
  }
  Ok(())
}

/// The audience (`scheme://host[:port]`) of a push endpoint.
pub fn audience_of(endpoint: &url::Url) -> std::borrow::Cow<'_, str> {
  let has_credentials = !endpoint.username().is_empty() || endpoint.password().is_some();
  if endpoint.has_host() && !has_credentials {
    // The parsed URL is normalised (lower-case host, no default port): up to the path, it
    // is the origin's serialization already.
    return std::borrow::Cow::Borrowed(&endpoint[..url::Position::BeforePath]);
  }
  std::borrow::Cow::Owned(endpoint.origin().ascii_serialization())
}

/// Why an expiration is outside RFC 8292's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiryProblem {
  /// `exp` is now or in the past.
  NotInFuture,
  /// `exp` is more than [`MAX_EXPIRATION_SECS`] (24 hours) ahead.
  TooFarAhead,
}

/// The one place RFC 8292's window is checked: `exp` must be after `now` and at most 24 hours
/// ahead. Used by the signer ([`validate_expiration`]) and the test push service's checks.
pub fn expiry_window(expiration: u64, now: u64) -> std::result::Result<(), ExpiryProblem> {
  if expiration <= now {
    Err(ExpiryProblem::NotInFuture)
  } else if expiration > now + MAX_EXPIRATION_SECS {
    Err(ExpiryProblem::TooFarAhead)
  } else {
    Ok(())
  }
}

/// Checks an explicit expiration (seconds since the epoch): in the future, within 24 hours.
pub fn validate_expiration(expiration: u64, now: u64) -> Result<()> {
  let reason = match expiry_window(expiration, now) {
    Ok(()) => return Ok(()),
    Err(ExpiryProblem::NotInFuture) => format!("{expiration} is not in the future (now is {now})"),
    Err(ExpiryProblem::TooFarAhead) => format!(
      "{expiration} is more than 24 hours ahead (must be at most {})",
      now + MAX_EXPIRATION_SECS
    ),
  };
  Err(Error::InvalidExpiration { reason })
}

#[derive(Serialize)]
struct Claims<'a> {
  aud: &'a str,
  exp: u64,
  sub: &'a str,
}

/// The headers that carry a VAPID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VapidHeaders {
  /// `Authorization`: `vapid t=…, k=…` (aes128gcm) or `WebPush …` (aesgcm).
  pub authorization: String,
  /// `Crypto-Key: p256ecdsa=…` (aesgcm only).
  pub crypto_key: Option<String>,
}

/// A signed token and its expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
  /// The compact JWT (shared: every request to the audience carries it).
  pub jwt: Arc<str>,
  /// Its `exp` claim.
  pub expires_at: u64,
}

/// An application server's VAPID key pair, imported once.
pub struct VapidKey {
  signer: Es256Signer,
  public_key_b64: String,
  /// Cached tokens by audience, then subject (looked up without allocating).
  tokens: Mutex<HashMap<String, HashMap<String, Token>>>,
}

impl std::fmt::Debug for VapidKey {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    write!(f, "VapidKey({})", self.public_key_b64)
  }
}

impl VapidKey {
  /// Parses and imports a base64url key pair; the halves must belong together.
  pub fn from_base64(public_key: &str, private_key: &str) -> Result<Self> {
    let public = PublicKey::from_base64(public_key, KeyRole::Vapid)?;
    let private = PrivateKey::from_base64(private_key, KeyRole::Vapid)?;
    Ok(Self {
      signer: Es256Signer::new(&private.to_bytes(), public.as_bytes())?,
      public_key_b64: public.to_base64(),
      tokens: Mutex::new(HashMap::new()),
    })
  }

  /// The public key as unpadded base64url (the `k=` of the header).
  pub fn public_key(&self) -> &str {
    &self.public_key_b64
  }

  /// Signs a fresh JWT with the given claims (no cache).
  pub fn sign(&self, audience: &str, subject: &str, expires_at: u64) -> Result<String> {
    let claims = serde_json::to_vec(&Claims {
      aud: audience,
      exp: expires_at,
      sub: subject,
    })
    .map_err(|_| Error::Crypto {
      reason: "JWT claims serialization failed",
    })?;
    let signing_input = format!("{JWT_HEADER_B64}.{}", base64url::encode(&claims));
    let signature = self.signer.sign(signing_input.as_bytes())?;
    Ok(format!("{signing_input}.{}", base64url::encode(&signature)))
  }

  /// A token for (audience, subject) valid at `now`, reusing the cached one while it has
  /// at least [`REFRESH_MARGIN_SECS`] left.
  pub fn token_at(&self, audience: &str, subject: &str, now: u64) -> Result<Token> {
    // The lock is held while signing (~16 µs) so concurrent sends to a new audience sign once.
    let mut tokens = self.lock_tokens();
    if let Some(token) = tokens
      .get(audience)
      .and_then(|by_subject| by_subject.get(subject))
    {
      if token.expires_at >= now + REFRESH_MARGIN_SECS {
        return Ok(token.clone());
      }
    }
    let expires_at = now + DEFAULT_EXPIRATION_SECS;
    let token = Token {
      jwt: self.sign(audience, subject, expires_at)?.into(),
      expires_at,
    };
    tokens
      .entry(audience.to_owned())
      .or_default()
      .insert(subject.to_owned(), token.clone());
    Ok(token)
  }

  fn lock_tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, HashMap<String, Token>>> {
    // A poisoned lock only means another thread panicked mid-insert; the map is still usable.
    self
      .tokens
      .lock()
      .unwrap_or_else(|poisoned| poisoned.into_inner())
  }

  /// The headers that carry `jwt` for `encoding`.
  pub fn headers(&self, jwt: &str, encoding: ContentEncoding) -> VapidHeaders {
    match encoding {
      ContentEncoding::Aes128Gcm => VapidHeaders {
        authorization: format!("vapid t={jwt}, k={}", self.public_key_b64),
        crypto_key: None,
      },
      ContentEncoding::AesGcm => VapidHeaders {
        authorization: format!("WebPush {jwt}"),
        crypto_key: Some(format!("p256ecdsa={}", self.public_key_b64)),
      },
    }
  }
}

/// Imported keys by a digest of the key pair (the secret itself is never a map key).
/// Bounded: a process that cycles through many keys only re-imports them.
pub fn cached_key(public_key: &str, private_key: &str) -> Result<Arc<VapidKey>> {
  const MAX_KEYS: usize = 64;
  static CACHE: OnceLock<Mutex<HashMap<[u8; 32], Arc<VapidKey>>>> = OnceLock::new();
  let id: [u8; 32] = Sha256::new()
    .chain_update(public_key)
    .chain_update([0u8])
    .chain_update(private_key)
    .finalize()
    .into();
  let cache = CACHE.get_or_init(Default::default);
  if let Some(key) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&id) {
    return Ok(key.clone());
  }
  let key = Arc::new(VapidKey::from_base64(public_key, private_key)?);
  let mut map = cache.lock().unwrap_or_else(|p| p.into_inner());
  if map.len() >= MAX_KEYS {
    map.clear();
  }
  map.insert(id, key.clone());
  Ok(key)
}

/// Claims read back from a token (for the test push service and tests).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ParsedClaims {
  /// Audience.
  pub aud: String,
  /// Expiry (seconds since the epoch).
  pub exp: u64,
  /// Subject.
  #[serde(default)]
  pub sub: Option<String>,
}

/// Verifies a compact ES256 JWT against `public_key` and returns its claims.
pub fn verify(jwt: &str, public_key: &PublicKey) -> std::result::Result<ParsedClaims, &'static str> {
  use p256::ecdsa::signature::Verifier;
  let mut parts = jwt.split('.');
  let (Some(header), Some(claims), Some(signature), None) =
    (parts.next(), parts.next(), parts.next(), parts.next())
  else {
    return Err("token is not three dot-separated parts");
  };
  let header: serde_json::Value = base64url::decode(header, "JWT header")
    .ok()
    .and_then(|bytes| serde_json::from_slice(&bytes).ok())
    .ok_or("token header is not base64url JSON")?;
  if header.get("alg").and_then(|alg| alg.as_str()) != Some("ES256") {
    return Err("token alg is not ES256");
  }
  let signature = base64url::decode(signature, "JWT signature")
    .ok()
    .and_then(|bytes| p256::ecdsa::Signature::from_slice(&bytes).ok())
    .ok_or("token signature is not a 64-byte r||s")?;
  let signing_input = jwt.rsplit_once('.').map_or("", |(input, _)| input);
  let verifying_key = p256::ecdsa::VerifyingKey::from(public_key.point());
  verifying_key
    .verify(signing_input.as_bytes(), &signature)
    .map_err(|_| "token signature does not verify with the key")?;
  base64url::decode(claims, "JWT claims")
    .ok()
    .and_then(|bytes| serde_json::from_slice(&bytes).ok())
    .ok_or("token claims are not base64url JSON with aud and exp")
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::keys::KeyPair;

  fn key() -> (VapidKey, PublicKey) {
    let pair = KeyPair::generate().unwrap();
    let key = VapidKey::from_base64(&pair.public_key.to_base64(), &pair.private_key.to_base64()).unwrap();
    (key, pair.public_key)
  }

  #[test]
  fn the_audience_is_the_endpoints_origin() {
    for endpoint in [
      "https://fcm.googleapis.com/fcm/send/abc",
      "https://Push.Example.COM:443/x?y#z",
      "https://push.example.com:8443/x",
      "http://127.0.0.1:9000/push/1",
      "https://[::1]:4443/p",
      "https://user:secret@push.example.com/x",
      "https://user@push.example.com:444/x",
    ] {
      let url: url::Url = endpoint.parse().unwrap();
      assert_eq!(
        audience_of(&url),
        url.origin().ascii_serialization(),
        "{endpoint}"
      );
    }
  }

  #[test]
  fn tokens_verify_and_carry_the_claims() {
    let (key, public) = key();
    let jwt = key
      .sign("https://push.example.net", "mailto:a@b.c", 2_000_000_000)
      .unwrap();
    assert!(jwt.starts_with(JWT_HEADER_B64));
    let claims = verify(&jwt, &public).unwrap();
    assert_eq!(claims.aud, "https://push.example.net");
    assert_eq!(claims.exp, 2_000_000_000);
    assert_eq!(claims.sub.as_deref(), Some("mailto:a@b.c"));
    let mut tampered = jwt.clone();
    tampered.replace_range(40..41, if &jwt[40..41] == "A" { "B" } else { "A" });
    assert!(verify(&tampered, &public).is_err());
  }

  #[test]
  fn cached_token_is_reused_then_refreshed() {
    let (key, _) = key();
    let now = 1_700_000_000;
    let first = key.token_at("https://a.example", "mailto:x@y.z", now).unwrap();
    let later = now + DEFAULT_EXPIRATION_SECS - REFRESH_MARGIN_SECS;
    assert_eq!(
      key.token_at("https://a.example", "mailto:x@y.z", later).unwrap(),
      first
    );
    let other_audience = key.token_at("https://b.example", "mailto:x@y.z", now).unwrap();
    assert_ne!(other_audience.jwt, first.jwt);
    let refreshed = key
      .token_at("https://a.example", "mailto:x@y.z", later + 1)
      .unwrap();
    assert_ne!(refreshed.jwt, first.jwt);
    assert_eq!(refreshed.expires_at, later + 1 + DEFAULT_EXPIRATION_SECS);
    // Apple asks for no more than one token refresh per hour per push service.
    let reused_for = later - now;
    assert!(
      reused_for >= 3600,
      "a token is reused for {reused_for} s, at least an hour"
    );
  }

  #[test]
  fn concurrent_first_use_signs_once() {
    let (key, _) = key();
    let key = Arc::new(key);
    let tokens: Vec<Token> = std::thread::scope(|scope| {
      let handles: Vec<_> = (0..8)
        .map(|_| {
          scope.spawn(|| {
            key
              .token_at("https://a.example", "mailto:x@y.z", 1_700_000_000)
              .unwrap()
          })
        })
        .collect();
      handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(tokens.iter().all(|t| *t == tokens[0]));
  }

  #[test]
  fn headers_for_both_encodings() {
    let (key, _) = key();
    let aes128 = key.headers("J", ContentEncoding::Aes128Gcm);
    assert_eq!(aes128.authorization, format!("vapid t=J, k={}", key.public_key()));
    assert_eq!(aes128.crypto_key, None);
    let aesgcm = key.headers("J", ContentEncoding::AesGcm);
    assert_eq!(aesgcm.authorization, "WebPush J");
    assert_eq!(aesgcm.crypto_key, Some(format!("p256ecdsa={}", key.public_key())));
  }

  #[test]
  fn validation_errors_name_the_field() {
    assert!(validate_subject("mailto:ops@example.com").is_ok());
    assert!(validate_subject("https://example.com/contact").is_ok());
    for bad in ["", "ops@example.com", "http://example.com"] {
      let err = validate_subject(bad).unwrap_err();
      assert_eq!(err.code(), "ERR_INVALID_SUBJECT");
      assert!(err.to_string().contains("VAPID subject"));
    }
    assert!(validate_audience("https://fcm.googleapis.com").is_ok());
    assert_eq!(
      validate_audience("fcm.googleapis.com").unwrap_err().code(),
      "ERR_INVALID_AUDIENCE"
    );
    assert_eq!(
      validate_audience("mailto:x@y").unwrap_err().code(),
      "ERR_INVALID_AUDIENCE"
    );
    let now = 1_000_000;
    assert!(validate_expiration(now + 60, now).is_ok());
    assert_eq!(
      validate_expiration(now, now).unwrap_err().code(),
      "ERR_INVALID_EXPIRATION"
    );
    assert!(
      validate_expiration(now + MAX_EXPIRATION_SECS, now).is_ok(),
      "exactly 24 h is allowed"
    );
    let err = validate_expiration(now + MAX_EXPIRATION_SECS + 1, now).unwrap_err();
    assert!(err.to_string().contains("24 hours"));
  }

  #[test]
  fn key_cache_reuses_imports_and_rejects_mismatched_pairs() {
    let a = KeyPair::generate().unwrap();
    let b = KeyPair::generate().unwrap();
    let (pa, sa) = (a.public_key.to_base64(), a.private_key.to_base64());
    let first = cached_key(&pa, &sa).unwrap();
    assert!(Arc::ptr_eq(&first, &cached_key(&pa, &sa).unwrap()));
    let err = cached_key(&b.public_key.to_base64(), &sa).unwrap_err();
    assert_eq!(err, Error::VapidKeyMismatch);
  }
}

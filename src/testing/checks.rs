//! What a real push service checks on each incoming message, as a pure function.
//!
//! Answers follow Mozilla's autopush: 201 accepted; 400 malformed (TTL, encoding, urgency,
//! topic, undecryptable body); 401 missing or invalid VAPID token; 403 token signed by a key
//! other than the subscription's `applicationServerKey`; 404 unknown; 410 expired; 413 body
//! over 4096 bytes.

use crate::ece::{self, ContentEncoding, MessageHeaders, ReceiverKeys};
use crate::keys::{KeyRole, PublicKey};
use crate::request::{validate_topic, Urgency};
use crate::vapid::{self, ExpiryProblem};

/// Largest body a push service accepts.
pub const MAX_BODY: usize = 4096;

/// Why a message was refused: the HTTP status and an explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
  /// HTTP status.
  pub status: u16,
  /// What was wrong.
  pub message: String,
}

fn reject(status: u16, message: impl Into<String>) -> Rejection {
  Rejection {
    status,
    message: message.into(),
  }
}

/// A verified VAPID token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VapidInfo {
  /// `aud` claim.
  pub aud: String,
  /// `exp` claim.
  pub exp: u64,
  /// `sub` claim.
  pub sub: Option<String>,
  /// The key that signed it (base64url).
  pub public_key: String,
}

/// A message that passed every check, decrypted.
#[derive(Debug, Clone)]
pub struct Accepted {
  /// The decrypted payload (empty for a push without payload; `None` when the browser holds
  /// the keys and decrypts it itself).
  pub payload: Option<Vec<u8>>,
  /// `TTL`.
  pub ttl: u64,
  /// `Urgency`, if sent.
  pub urgency: Option<String>,
  /// `Topic`, if sent.
  pub topic: Option<String>,
  /// The content encoding, when there was a body.
  pub encoding: Option<ContentEncoding>,
  /// The VAPID token, if one was sent.
  pub vapid: Option<VapidInfo>,
}

/// What the service knows about a subscription.
pub struct SubscriptionView<'a> {
  /// Its keys when the service plays the browser; `None` when a real browser holds them.
  pub keys: Option<&'a ReceiverKeys>,
  /// The `applicationServerKey` it was created with, if any.
  pub application_server_key: Option<&'a PublicKey>,
}

use crate::headers::find_header as header;
use crate::push_services::{self, Service};

/// Checks one POST to a known, unexpired subscription.
pub fn check(
  subscription: &SubscriptionView<'_>,
  origin: &str,
  headers: &[(String, String)],
  body: &[u8],
  now: u64,
  profile: Option<Service>,
) -> Result<Accepted, Rejection> {
  if body.len() > MAX_BODY {
    return Err(reject(
      413,
      format!("body is {} bytes; the limit is {MAX_BODY}", body.len()),
    ));
  }
  let ttl = header(headers, "ttl")
    .ok_or_else(|| reject(400, "TTL header is missing"))?
    .trim()
    .parse::<u64>()
    .map_err(|_| reject(400, "TTL header is not a non-negative integer"))?;
  let urgency = header(headers, "urgency").map(str::to_owned);
  if let Some(value) = &urgency {
    value.parse::<Urgency>().map_err(|e| reject(400, e.to_string()))?;
  }
  let topic = header(headers, "topic").map(str::to_owned);
  if let Some(value) = &topic {
    validate_topic(value).map_err(|e| reject(400, e.to_string()))?;
  }
  let vapid = check_vapid(subscription, origin, headers, now)?;
  if profile == Some(Service::Apple) {
    let subject = vapid.as_ref().and_then(|v| v.sub.as_deref());
    if let Some(problem) = subject.and_then(push_services::apple_subject_problem) {
      return Err(reject(403, format!("VAPID subject {problem}")));
    }
    if topic.as_ref().is_some_and(|t| t.len() % 4 == 1) {
      return Err(reject(400, "Topic does not decode as base64url"));
    }
  }

  let (payload, encoding) = if body.is_empty() {
    (Some(Vec::new()), None)
  } else {
    let value =
      header(headers, "content-encoding").ok_or_else(|| reject(400, "Content-Encoding header is missing"))?;
    let encoding = value
      .trim()
      .parse::<ContentEncoding>()
      .map_err(|e| reject(400, e.to_string()))?;
    let message_headers = MessageHeaders {
      content_encoding: Some(encoding.as_str()),
      encryption: header(headers, "encryption"),
      crypto_key: header(headers, "crypto-key"),
    };
    let payload = match subscription.keys {
      Some(keys) => Some(ece::decrypt(body, keys, &message_headers).map_err(|e| reject(400, e.to_string()))?),
      // A real browser holds the keys: it decrypts, and acks 101 if it cannot.
      None
        if encoding == ContentEncoding::AesGcm
          && (message_headers.encryption.is_none() || message_headers.crypto_key.is_none()) =>
      {
        return Err(reject(400, "aesgcm needs Encryption and Crypto-Key headers"));
      }
      None => None,
    };
    (payload, Some(encoding))
  };
  Ok(Accepted {
    payload,
    ttl,
    urgency,
    topic,
    encoding,
    vapid,
  })
}

/// The JWT and key from `Authorization` (`vapid t=…, k=…` or `WebPush …` + `Crypto-Key: p256ecdsa=…`).
fn token_and_key(headers: &[(String, String)]) -> Option<Result<(&str, &str), Rejection>> {
  let authorization = header(headers, "authorization")?.trim();
  let (scheme, rest) = authorization.split_once(' ').unwrap_or((authorization, ""));
  let parsed = if scheme.eq_ignore_ascii_case("vapid") {
    let mut token = None;
    let mut key = None;
    for part in rest.split(',') {
      match part.trim().split_once('=') {
        Some(("t", value)) => token = Some(value.trim()),
        Some(("k", value)) => key = Some(value.trim()),
        _ => {}
      }
    }
    token
      .zip(key)
      .ok_or_else(|| reject(401, "Authorization: vapid needs both t= and k="))
  } else if scheme.eq_ignore_ascii_case("webpush") {
    let key = header(headers, "crypto-key")
      .and_then(|value| {
        value
          .split([';', ','])
          .find_map(|p| p.trim().strip_prefix("p256ecdsa="))
      })
      .ok_or_else(|| reject(401, "Authorization: WebPush needs Crypto-Key: p256ecdsa="));
    key.map(|key| (rest.trim(), key))
  } else {
    Err(reject(
      401,
      format!("Authorization scheme {scheme:?} is not vapid or WebPush"),
    ))
  };
  Some(parsed)
}

fn check_vapid(
  subscription: &SubscriptionView<'_>,
  origin: &str,
  headers: &[(String, String)],
  now: u64,
) -> Result<Option<VapidInfo>, Rejection> {
  let Some(parsed) = token_and_key(headers) else {
    return match subscription.application_server_key {
      Some(_) => Err(reject(
        401,
        "VAPID token required: the subscription has an applicationServerKey",
      )),
      None => Ok(None),
    };
  };
  let (token, key) = parsed?;
  let public_key =
    PublicKey::from_base64(key, KeyRole::Vapid).map_err(|e| reject(401, format!("VAPID k: {e}")))?;
  let claims = vapid::verify(token, &public_key).map_err(|why| reject(401, format!("VAPID {why}")))?;
  if claims.aud != origin {
    return Err(reject(
      401,
      format!(
        "VAPID aud {:?} is not this push service's origin {origin:?}",
        claims.aud
      ),
    ));
  }
  match vapid::expiry_window(claims.exp, now) {
    Ok(()) => {}
    Err(ExpiryProblem::NotInFuture) => {
      return Err(reject(
        401,
        format!("VAPID token expired at {} (now {now})", claims.exp),
      ))
    }
    Err(ExpiryProblem::TooFarAhead) => {
      return Err(reject(
        401,
        format!("VAPID exp {} is more than 24 hours ahead", claims.exp),
      ))
    }
  }
  if let Some(expected) = subscription.application_server_key {
    if expected != &public_key {
      return Err(reject(
        403,
        "VAPID key is not the subscription's applicationServerKey",
      ));
    }
  }
  Ok(Some(VapidInfo {
    aud: claims.aud,
    exp: claims.exp,
    sub: claims.sub,
    public_key: public_key.to_base64(),
  }))
}

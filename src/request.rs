//! The RFC 8030 push request, built as pure data: endpoint, ordered headers, body.
//!
//! The header set and defaults are web-push 3.6.7's (`TTL` 2419200, `Urgency: normal`,
//! `aes128gcm`), so `generateRequestDetails` returns what web-push returns; sending is a
//! separate step (`send`).

use std::str::FromStr;
use std::sync::Arc;

use url::Url;

use crate::ece::{self, ContentEncoding};
use crate::error::{Error, Result};
use crate::headers::{find_header, validate_header, Headers};
use crate::push_services;
use crate::subscription::Subscription;
use crate::vapid::{self, VapidKey};

/// Default `TTL`: four weeks, as web-push.
pub const DEFAULT_TTL: u64 = 2_419_200;
/// Longest `Topic` RFC 8030 allows.
pub const MAX_TOPIC_LEN: usize = 32;

/// RFC 8030 §5.3 urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Urgency {
  /// On power and Wi-Fi.
  VeryLow,
  /// On power or Wi-Fi.
  Low,
  /// Not on low battery (the default).
  #[default]
  Normal,
  /// Always, even on low battery.
  High,
}

impl Urgency {
  /// The header value.
  pub fn as_str(self) -> &'static str {
    match self {
      Urgency::VeryLow => "very-low",
      Urgency::Low => "low",
      Urgency::Normal => "normal",
      Urgency::High => "high",
    }
  }
}

impl FromStr for Urgency {
  type Err = Error;

  fn from_str(value: &str) -> Result<Self> {
    match value {
      "very-low" => Ok(Urgency::VeryLow),
      "low" => Ok(Urgency::Low),
      "normal" => Ok(Urgency::Normal),
      "high" => Ok(Urgency::High),
      other => Err(Error::InvalidUrgency {
        value: other.to_owned(),
      }),
    }
  }
}

/// A `TTL` from a JS number: a non-negative integer of seconds (at most 2^53 - 1).
pub fn parse_ttl(ttl: f64) -> Result<u64> {
  match ttl {
    t if t.is_finite() && t >= 0.0 && t.fract() == 0.0 && t <= 9_007_199_254_740_991.0 => Ok(t as u64),
    t if t.is_nan() => Err(Error::invalid_ttl("is not a number")),
    t => Err(Error::invalid_ttl(&format!("is {t}"))),
  }
}

/// Checks an RFC 8030 §5.4 topic: 1–32 characters of the base64url alphabet.
pub fn validate_topic(topic: &str) -> Result<()> {
  if let Some(bad) = topic
    .chars()
    .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
  {
    return Err(Error::InvalidTopic {
      reason: format!("contains {bad:?}"),
    });
  }
  // Only ASCII is left, so bytes are characters.
  if topic.is_empty() || topic.len() > MAX_TOPIC_LEN {
    return Err(Error::InvalidTopic {
      reason: format!("is {} characters long", topic.len()),
    });
  }
  Ok(())
}

/// VAPID identity for a request.
#[derive(Debug, Clone)]
pub struct VapidDetails {
  /// `mailto:` or `https:` contact.
  pub subject: String,
  /// The imported key pair.
  pub key: Arc<VapidKey>,
}

impl VapidDetails {
  /// VAPID details from optional parts: all three or none (none means no VAPID).
  pub fn from_parts(
    subject: Option<&str>,
    public_key: Option<&str>,
    private_key: Option<&str>,
  ) -> Result<Option<Self>> {
    match (subject, public_key, private_key) {
      (Some(subject), Some(public), Some(private)) => Self::new(subject, public, private).map(Some),
      _ => Ok(None),
    }
  }

  /// Validates the subject and imports (or reuses) the key pair.
  pub fn new(subject: &str, public_key: &str, private_key: &str) -> Result<Self> {
    vapid::validate_subject(subject)?;
    Ok(Self {
      subject: subject.to_owned(),
      key: vapid::cached_key(public_key, private_key)?,
    })
  }
}

/// Everything about a request except the subscription and payload.
#[derive(Debug, Clone)]
pub struct RequestOptions {
  /// Seconds the push service should keep the message.
  pub ttl: u64,
  /// Delivery urgency.
  pub urgency: Urgency,
  /// Replaces an undelivered message with the same topic.
  pub topic: Option<String>,
  /// Payload encryption.
  pub encoding: ContentEncoding,
  /// VAPID identity (recommended; required by most push services).
  pub vapid: Option<VapidDetails>,
  /// Legacy GCM/FCM server key.
  pub gcm_api_key: Option<String>,
  /// Extra headers, applied after the defaults (same name, case-insensitive, replaces).
  pub extra_headers: Vec<(String, String)>,
}

impl Default for RequestOptions {
  fn default() -> Self {
    Self {
      ttl: DEFAULT_TTL,
      urgency: Urgency::Normal,
      topic: None,
      encoding: ContentEncoding::Aes128Gcm,
      vapid: None,
      gcm_api_key: None,
      extra_headers: Vec::new(),
    }
  }
}

/// A request ready to send.
#[derive(Debug, Clone)]
pub struct PushRequest {
  /// Where to POST.
  pub endpoint: Url,
  /// Headers in web-push's order.
  pub headers: Vec<(String, String)>,
  /// The encrypted body, if there is a payload.
  pub body: Option<bytes::Bytes>,
}

impl PushRequest {
  /// The value of header `name` (case-insensitive).
  pub fn header(&self, name: &str) -> Option<&str> {
    find_header(&self.headers, name)
  }
}

/// Builds the request (encrypting `payload` if given) at time `now` (seconds since the epoch).
pub fn build(
  subscription: &Subscription,
  payload: Option<&[u8]>,
  options: &RequestOptions,
  now: u64,
) -> Result<PushRequest> {
  if let Some(topic) = &options.topic {
    validate_topic(topic)?;
  }
  push_services::check_request(
    push_services::identify(&subscription.endpoint),
    options.vapid.as_ref().map(|v| v.subject.as_str()),
    options.topic.as_deref(),
  )?;
  let mut headers = Headers(vec![("TTL".to_owned(), options.ttl.to_string())]);
  for (name, value) in &options.extra_headers {
    validate_header(name, value)?;
    headers.set(name, value.clone());
  }

  let body = match payload {
    Some(payload) => {
      let keys = subscription.keys.as_ref().ok_or(Error::MissingKeys)?;
      let message = ece::encrypt(&keys.p256dh, &keys.auth, payload, options.encoding)?;
      headers.set("Content-Length", message.body.len().to_string());
      headers.set("Content-Type", "application/octet-stream".to_owned());
      headers.set("Content-Encoding", options.encoding.as_str().to_owned());
      if let Some((encryption, crypto_key)) = message.aesgcm_headers() {
        headers.set("Encryption", encryption);
        headers.set("Crypto-Key", crypto_key);
      }
      Some(message.body.into())
    }
    None => {
      headers.set("Content-Length", "0".to_owned());
      None
    }
  };

  let endpoint = subscription.endpoint.as_str();
  let is_gcm = endpoint.starts_with("https://android.googleapis.com/gcm/send");
  let is_fcm = endpoint.starts_with("https://fcm.googleapis.com/fcm/send");
  match (&options.vapid, &options.gcm_api_key) {
    (_, Some(key)) if is_gcm => headers.set("Authorization", format!("key={key}")),
    (Some(vapid), _) if !is_gcm => {
      let audience = vapid::audience_of(&subscription.endpoint);
      let token = vapid.key.token_at(&audience, &vapid.subject, now)?;
      let vapid_headers = vapid.key.headers(&token.jwt, options.encoding);
      headers.set("Authorization", vapid_headers.authorization);
      if let Some(p256ecdsa) = vapid_headers.crypto_key {
        let combined = match headers.get("Crypto-Key") {
          Some(existing) => format!("{existing};{p256ecdsa}"),
          None => p256ecdsa,
        };
        headers.set("Crypto-Key", combined);
      }
    }
    (None, Some(key)) if is_fcm => headers.set("Authorization", format!("key={key}")),
    _ => {}
  }

  headers.set("Urgency", options.urgency.as_str().to_owned());
  if let Some(topic) = &options.topic {
    headers.set("Topic", topic.clone());
  }
  Ok(PushRequest {
    endpoint: subscription.endpoint.clone(),
    headers: headers.0,
    body,
  })
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::ece::{MessageHeaders, ReceiverKeys};
  use crate::keys::{AuthSecret, KeyPair, PublicKey};
  use crate::subscription::{parse_endpoint, SubscriptionKeys};

  fn subscription() -> (Subscription, ReceiverKeys) {
    let pair = KeyPair::generate().unwrap();
    let auth = AuthSecret::from_bytes(&[9; 16]).unwrap();
    let sub = Subscription {
      endpoint: parse_endpoint("https://push.example.net:8443/wpush/v2/abc").unwrap(),
      keys: Some(SubscriptionKeys {
        p256dh: pair.public_key.clone(),
        auth: auth.clone(),
      }),
    };
    (
      sub,
      ReceiverKeys {
        private_key: pair.private_key,
        auth,
      },
    )
  }

  fn vapid() -> (VapidDetails, PublicKey) {
    let pair = KeyPair::generate().unwrap();
    let details = VapidDetails::new(
      "mailto:ops@example.com",
      &pair.public_key.to_base64(),
      &pair.private_key.to_base64(),
    )
    .unwrap();
    (details, pair.public_key)
  }

  fn names(request: &PushRequest) -> Vec<&str> {
    request.headers.iter().map(|(n, _)| n.as_str()).collect()
  }

  #[test]
  fn aes128gcm_request_has_web_push_headers_in_order_and_decrypts() {
    let (sub, receiver) = subscription();
    let (vapid, public) = vapid();
    let options = RequestOptions {
      vapid: Some(vapid),
      topic: Some("news".into()),
      ..Default::default()
    };
    let request = build(&sub, Some(b"hi"), &options, 1_700_000_000).unwrap();
    assert_eq!(
      names(&request),
      [
        "TTL",
        "Content-Length",
        "Content-Type",
        "Content-Encoding",
        "Authorization",
        "Urgency",
        "Topic"
      ]
    );
    assert_eq!(request.header("ttl"), Some("2419200"));
    assert_eq!(request.header("urgency"), Some("normal"));
    let body = request.body.as_deref().unwrap();
    assert_eq!(
      request.header("Content-Length"),
      Some(body.len().to_string().as_str())
    );
    assert_eq!(
      ece::decrypt(body, &receiver, &MessageHeaders::default()).unwrap(),
      b"hi"
    );

    let auth = request.header("Authorization").unwrap();
    let jwt = auth
      .strip_prefix("vapid t=")
      .unwrap()
      .split(", k=")
      .next()
      .unwrap();
    let claims = vapid::verify(jwt, &public).unwrap();
    assert_eq!(claims.aud, "https://push.example.net:8443");
    assert_eq!(claims.exp, 1_700_000_000 + vapid::DEFAULT_EXPIRATION_SECS);
  }

  #[test]
  fn aesgcm_request_combines_crypto_key_values() {
    let (sub, receiver) = subscription();
    let (vapid, _) = vapid();
    let options = RequestOptions {
      encoding: ContentEncoding::AesGcm,
      vapid: Some(vapid),
      ..Default::default()
    };
    let request = build(&sub, Some(b"legacy"), &options, 1_700_000_000).unwrap();
    let crypto_key = request.header("Crypto-Key").unwrap();
    assert!(
      crypto_key.starts_with("dh=") && crypto_key.contains(";p256ecdsa="),
      "{crypto_key}"
    );
    assert!(request.header("Authorization").unwrap().starts_with("WebPush "));
    let headers = MessageHeaders {
      content_encoding: request.header("Content-Encoding"),
      encryption: request.header("Encryption"),
      crypto_key: Some(crypto_key),
    };
    assert_eq!(
      ece::decrypt(request.body.as_deref().unwrap(), &receiver, &headers).unwrap(),
      b"legacy"
    );
  }

  #[test]
  fn no_payload_means_no_body_and_zero_length() {
    let (mut sub, _) = subscription();
    sub.keys = None;
    let request = build(&sub, None, &RequestOptions::default(), 0).unwrap();
    assert!(request.body.is_none());
    assert_eq!(names(&request), ["TTL", "Content-Length", "Urgency"]);
    assert_eq!(
      build(&sub, Some(b"x"), &RequestOptions::default(), 0).unwrap_err(),
      Error::MissingKeys
    );
  }

  #[test]
  fn extra_headers_merge_case_insensitively_and_are_validated() {
    let (sub, _) = subscription();
    let options = RequestOptions {
      extra_headers: vec![("ttl".into(), "60".into()), ("X-Trace".into(), "1".into())],
      ..Default::default()
    };
    let request = build(&sub, None, &options, 0).unwrap();
    assert_eq!(request.header("TTL"), Some("60"));
    assert_eq!(names(&request), ["TTL", "X-Trace", "Content-Length", "Urgency"]);
    let bad = RequestOptions {
      extra_headers: vec![("Bad Name".into(), "v".into())],
      ..Default::default()
    };
    assert_eq!(
      build(&sub, None, &bad, 0).unwrap_err().code(),
      "ERR_INVALID_HEADER"
    );
    let bad = RequestOptions {
      extra_headers: vec![("X".into(), "a\nb".into())],
      ..Default::default()
    };
    assert_eq!(
      build(&sub, None, &bad, 0).unwrap_err().code(),
      "ERR_INVALID_HEADER"
    );
  }

  #[test]
  fn gcm_and_fcm_keys_as_web_push() {
    let (vapid, _) = vapid();
    let gcm = Subscription::parse("https://android.googleapis.com/gcm/send/abc", None, None).unwrap();
    let fcm = Subscription::parse("https://fcm.googleapis.com/fcm/send/abc", None, None).unwrap();
    let with_key = RequestOptions {
      gcm_api_key: Some("K".into()),
      ..Default::default()
    };
    assert_eq!(
      build(&gcm, None, &with_key, 0).unwrap().header("Authorization"),
      Some("key=K")
    );
    assert_eq!(
      build(&fcm, None, &with_key, 0).unwrap().header("Authorization"),
      Some("key=K")
    );
    let both = RequestOptions {
      vapid: Some(vapid),
      ..with_key
    };
    assert!(build(&fcm, None, &both, 0)
      .unwrap()
      .header("Authorization")
      .unwrap()
      .starts_with("vapid "));
  }

  #[test]
  fn urgency_and_topic_rules() {
    assert_eq!("very-low".parse::<Urgency>().unwrap(), Urgency::VeryLow);
    assert_eq!(
      "urgent".parse::<Urgency>().unwrap_err().code(),
      "ERR_INVALID_URGENCY"
    );
    assert!(validate_topic("abc-_123").is_ok());
    assert!(validate_topic(&"a".repeat(32)).is_ok());
    assert!(validate_topic(&"a".repeat(33))
      .unwrap_err()
      .to_string()
      .contains("33 characters"));
    assert!(validate_topic("a b").unwrap_err().to_string().contains("' '"));
  }
}

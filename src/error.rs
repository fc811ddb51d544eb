//! The one error type of the crate.
//!
//! Every variant has a stable [`Error::code`] string that the JS binding exposes as
//! `WebPushError.code`; messages name the offending field and the rule it broke, and
//! never contain key material.

use std::borrow::Cow;

/// Result alias used throughout the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while building, encrypting, signing or sending a push message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[allow(missing_docs)] // the variant docs describe their fields
pub enum Error {
  /// A field that must be base64url is not (`field` names it).
  #[error("{field} must be base64url (A-Z a-z 0-9 - _, optional = padding)")]
  InvalidBase64 { field: &'static str },
  /// A subscription's `p256dh` is not a 65-byte uncompressed P-256 point on the curve.
  #[error("subscription keys.p256dh {reason}; it must be a 65-byte uncompressed P-256 public key")]
  InvalidP256dh { reason: &'static str },
  /// A subscription's `auth` secret is not exactly 16 bytes.
  #[error("subscription keys.auth must be 16 bytes when decoded, got {len}")]
  InvalidAuth { len: usize },
  /// The VAPID public key is not a 65-byte uncompressed P-256 point on the curve.
  #[error("VAPID publicKey {reason}; it must be a 65-byte uncompressed P-256 public key")]
  InvalidVapidPublicKey { reason: &'static str },
  /// The VAPID private key is not a 32-byte scalar in `1..n`.
  #[error("VAPID privateKey {reason}; it must be a 32-byte P-256 private key")]
  InvalidVapidPrivateKey { reason: &'static str },
  /// The VAPID public key is not the one that belongs to the private key.
  #[error(
    "VAPID publicKey does not belong to VAPID privateKey; pass the pair from one generateVAPIDKeys() call"
  )]
  VapidKeyMismatch,
  /// The VAPID subject is not a `mailto:` or `https:` URL.
  #[error("VAPID subject {reason}; it must be a mailto: or https: URL")]
  InvalidSubject { reason: String },
  /// The VAPID audience is not an origin (`scheme://host[:port]`).
  #[error("VAPID audience {reason}; it must be the push service origin (https://host[:port])")]
  InvalidAudience { reason: String },
  /// The JWT expiration is not a time in the next 24 hours.
  #[error("expiration {reason}")]
  InvalidExpiration { reason: String },
  /// A content encoding other than `aes128gcm` or `aesgcm`.
  #[error("contentEncoding {value:?} is not supported; use \"aes128gcm\" or \"aesgcm\"")]
  UnsupportedEncoding { value: String },
  /// The payload does not fit in one record of a 4096-byte push message.
  #[error("payload is {len} bytes; at most {max} bytes fit in one push message record")]
  PayloadTooLarge { len: usize, max: usize },
  /// An encrypted message could not be parsed or authenticated.
  #[error("cannot decrypt message: {reason}")]
  DecryptionFailed { reason: &'static str },
  /// A header an encrypted `aesgcm` message needs (`Encryption`, `Crypto-Key`) is missing or malformed.
  #[error("{header} header {reason}")]
  InvalidEncryptionHeader {
    header: &'static str,
    reason: &'static str,
  },
  /// A private key given to `decrypt` is not a 32-byte scalar in `1..n`.
  #[error("privateKey {reason}; it must be a 32-byte P-256 private key")]
  InvalidPrivateKey { reason: &'static str },
  /// The operating system's random number generator or the crypto backend failed.
  #[error("crypto backend failure: {reason}")]
  Crypto { reason: &'static str },
  /// The subscription endpoint is missing, not a URL, or not allowed (https, or http to loopback).
  #[error("subscription endpoint {reason}")]
  InvalidEndpoint { reason: String },
  /// A payload was given but the subscription has no `keys.p256dh` / `keys.auth`.
  #[error(
    "subscription keys.p256dh and keys.auth are required to send a payload (To send a message with a payload, the subscription must have 'auth' and 'p256dh' keys.)"
  )]
  MissingKeys,
  /// `TTL` is not a non-negative integer number of seconds.
  /// `reason` says what it is and the rule (see [`Error::invalid_ttl`]).
  #[error("TTL {reason}")]
  InvalidTtl { reason: String },
  /// An argument or option has the wrong type or is out of its range (a JS `TypeError`).
  #[error("{field} must be {rule}, got {got}")]
  InvalidArgType {
    field: String,
    rule: Cow<'static, str>,
    got: String,
  },
  /// `urgency` is not one of very-low, low, normal, high.
  #[error("urgency {value:?} is not supported; use \"very-low\", \"low\", \"normal\" or \"high\"")]
  InvalidUrgency { value: String },
  /// `topic` is longer than 32 characters or not base64url.
  #[error("topic {reason}; it must be at most 32 characters of the base64url alphabet")]
  InvalidTopic { reason: String },
  /// An extra header has an invalid name or value.
  #[error("header {name:?} {reason}")]
  InvalidHeader { name: String, reason: &'static str },
  /// The `proxy` option is not a usable proxy URL.
  #[error("proxy {reason}")]
  InvalidProxy { reason: String },
  /// The `ca` option (or `NODE_EXTRA_CA_CERTS`) holds no usable PEM certificate.
  #[error("ca {reason}")]
  InvalidCa { reason: String },
  /// The push service did not answer within the timeout.
  #[error("the push service did not answer within the timeout of {ms} ms")]
  Timeout { ms: u64 },
  /// Connecting to or talking with the push service failed.
  #[error("request to the push service failed: {reason}")]
  Network { reason: String },
  /// The endpoint's host is not allowed by the client's endpoint policy.
  #[error("subscription endpoint host {host:?} is not allowed by the endpoint policy: {rule}")]
  EndpointNotAllowed { host: String, rule: &'static str },
  /// An option has an invalid value (see [`Error::invalid_option`]), an options object has a
  /// key that is not an option, or two options clash: `message` says which.
  #[error("{message}")]
  InvalidOption { message: Cow<'static, str> },
  /// An option web-push has that web-push-rs cannot honour (`hint` says what to use instead).
  #[error("{name} is not supported: {hint}")]
  UnsupportedOption { name: &'static str, hint: &'static str },
  /// The local test push service failed (bind, TLS setup).
  #[error("local push service: {reason}")]
  PushService { reason: String },
  /// A message's RFC 8188 key id does not fit the one-byte length field.
  #[error("keyid is {len} bytes; RFC 8188 allows at most 255")]
  InvalidKeyId { len: usize },
  /// The HTTP client could not be built from the given settings.
  #[error("cannot build the HTTP client: {reason}")]
  HttpClient { reason: String },
  /// The push service answered with a status that is not 2xx (`detail` says what it means).
  #[error("{detail}")]
  UnexpectedStatus { status: u16, detail: String },
  /// The batch was aborted before this message was sent.
  #[error("aborted before it was sent")]
  Aborted,
  /// A bug in web-push-rs itself (a broken internal invariant), never the caller's input.
  #[error("internal error in web-push-rs: {reason}; please report it")]
  Internal { reason: &'static str },
  /// A declarative push message (or its notification) breaks a rule: `field` names the member.
  #[error("{field} {rule}")]
  InvalidNotification { field: String, rule: String },
}

impl Error {
  /// `option <name> <reason>`: an option with an invalid value.
  pub fn invalid_option(name: &str, reason: &str) -> Self {
    Error::InvalidOption {
      message: format!("option {name} {reason}").into(),
    }
  }

  /// `TTL <what it is>; it must be …`: a TTL that is not a non-negative integer.
  pub fn invalid_ttl(what: &str) -> Self {
    Error::InvalidTtl {
      reason: format!("{what}; it must be a non-negative integer number of seconds"),
    }
  }

  /// The stable, documented code of this error (`WebPushError.code` in JS).
  pub fn code(&self) -> &'static str {
    match self {
      Error::InvalidBase64 { .. } => "ERR_INVALID_BASE64",
      Error::InvalidP256dh { .. } => "ERR_INVALID_P256DH",
      Error::InvalidAuth { .. } => "ERR_INVALID_AUTH",
      Error::InvalidVapidPublicKey { .. } => "ERR_INVALID_VAPID_PUBLIC_KEY",
      Error::InvalidVapidPrivateKey { .. } => "ERR_INVALID_VAPID_PRIVATE_KEY",
      Error::VapidKeyMismatch => "ERR_VAPID_KEY_MISMATCH",
      Error::InvalidSubject { .. } => "ERR_INVALID_SUBJECT",
      Error::InvalidAudience { .. } => "ERR_INVALID_AUDIENCE",
      Error::InvalidExpiration { .. } => "ERR_INVALID_EXPIRATION",
      Error::UnsupportedEncoding { .. } => "ERR_UNSUPPORTED_ENCODING",
      Error::PayloadTooLarge { .. } => "ERR_PAYLOAD_TOO_LARGE",
      Error::DecryptionFailed { .. } => "ERR_DECRYPTION_FAILED",
      Error::InvalidEncryptionHeader { .. } => "ERR_INVALID_ENCRYPTION_HEADER",
      Error::InvalidPrivateKey { .. } => "ERR_INVALID_PRIVATE_KEY",
      Error::Crypto { .. } => "ERR_CRYPTO",
      Error::InvalidEndpoint { .. } => "ERR_INVALID_ENDPOINT",
      Error::MissingKeys => "ERR_MISSING_KEYS",
      Error::InvalidTtl { .. } => "ERR_INVALID_TTL",
      Error::InvalidArgType { .. } => "ERR_INVALID_ARG_TYPE",
      Error::InvalidUrgency { .. } => "ERR_INVALID_URGENCY",
      Error::InvalidTopic { .. } => "ERR_INVALID_TOPIC",
      Error::InvalidHeader { .. } => "ERR_INVALID_HEADER",
      Error::InvalidProxy { .. } => "ERR_INVALID_PROXY",
      Error::InvalidCa { .. } => "ERR_INVALID_CA",
      Error::Timeout { .. } => "ERR_TIMEOUT",
      Error::Network { .. } => "ERR_NETWORK",
      Error::EndpointNotAllowed { .. } => "ERR_ENDPOINT_NOT_ALLOWED",
      Error::InvalidOption { .. } => "ERR_INVALID_OPTION",
      Error::UnsupportedOption { .. } => "ERR_UNSUPPORTED_OPTION",
      Error::PushService { .. } => "ERR_PUSH_SERVICE",
      Error::InvalidKeyId { .. } => "ERR_INVALID_KEY_ID",
      Error::HttpClient { .. } => "ERR_HTTP_CLIENT",
      Error::Internal { .. } => "ERR_INTERNAL",
      Error::UnexpectedStatus { .. } => "ERR_UNEXPECTED_STATUS",
      Error::Aborted => "ERR_ABORTED",
      Error::InvalidNotification { .. } => "ERR_INVALID_NOTIFICATION",
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  /// One of every variant: codes are unique and stable, messages name their field.
  #[test]
  fn every_variant_has_a_unique_code_and_a_field_naming_message() {
    let all = [
      (Error::InvalidBase64 { field: "keys.auth" }, "keys.auth"),
      (Error::InvalidP256dh { reason: "r" }, "p256dh"),
      (Error::InvalidAuth { len: 3 }, "keys.auth"),
      (Error::InvalidVapidPublicKey { reason: "r" }, "VAPID publicKey"),
      (Error::InvalidVapidPrivateKey { reason: "r" }, "VAPID privateKey"),
      (Error::VapidKeyMismatch, "VAPID publicKey"),
      (Error::InvalidSubject { reason: "r".into() }, "subject"),
      (Error::InvalidAudience { reason: "r".into() }, "audience"),
      (Error::InvalidExpiration { reason: "r".into() }, "expiration"),
      (
        Error::UnsupportedEncoding { value: "br".into() },
        "contentEncoding",
      ),
      (Error::PayloadTooLarge { len: 5000, max: 3993 }, "payload"),
      (Error::DecryptionFailed { reason: "r" }, "decrypt"),
      (
        Error::InvalidEncryptionHeader {
          header: "Encryption",
          reason: "r",
        },
        "Encryption header",
      ),
      (Error::InvalidPrivateKey { reason: "r" }, "privateKey"),
      (Error::Crypto { reason: "r" }, "crypto"),
      (Error::InvalidEndpoint { reason: "r".into() }, "endpoint"),
      (Error::MissingKeys, "keys.p256dh"),
      (Error::invalid_ttl("is -1"), "TTL is -1; it must be"),
      (
        Error::InvalidArgType {
          field: "options.port".into(),
          rule: "an integer 0..65535".into(),
          got: "number -1".into(),
        },
        "options.port must be an integer 0..65535, got number -1",
      ),
      (Error::InvalidUrgency { value: "asap".into() }, "urgency"),
      (Error::InvalidTopic { reason: "r".into() }, "topic"),
      (
        Error::InvalidHeader {
          name: "X".into(),
          reason: "r",
        },
        "header",
      ),
      (Error::InvalidProxy { reason: "r".into() }, "proxy"),
      (Error::InvalidCa { reason: "r".into() }, "ca"),
      (Error::Timeout { ms: 5 }, "timeout"),
      (Error::Network { reason: "r".into() }, "push service"),
      (Error::PushService { reason: "r".into() }, "push service"),
      (Error::InvalidKeyId { len: 300 }, "keyid"),
      (Error::HttpClient { reason: "r".into() }, "HTTP client"),
      (Error::Internal { reason: "r" }, "internal error"),
      (
        Error::UnexpectedStatus {
          status: 503,
          detail: "push service answered 503".into(),
        },
        "push service",
      ),
      (Error::Aborted, "aborted"),
      (
        Error::InvalidNotification {
          field: "notification.title".into(),
          rule: "r".into(),
        },
        "notification.title",
      ),
      (
        Error::EndpointNotAllowed {
          host: "10.0.0.5".into(),
          rule: "r",
        },
        "endpoint host",
      ),
      (Error::invalid_option("timeoutMs", "r"), "option timeoutMs r"),
      (
        Error::UnsupportedOption {
          name: "options.agent",
          hint: "use options.proxy",
        },
        "options.agent is not supported",
      ),
    ];
    let mut codes: Vec<&str> = all.iter().map(|(e, _)| e.code()).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), all.len());
    for (err, field) in &all {
      assert!(err.code().starts_with("ERR_"));
      assert!(err.to_string().contains(field), "{err}");
    }
  }
}

//! A push subscription as the server receives it: the endpoint (an absolute `https:` URL,
//! or `http:` to loopback for local push services) and the keys needed to encrypt for it.

use std::net::IpAddr;

use url::{Host, Url};

use crate::error::{Error, Result};
use crate::keys::{AuthSecret, KeyRole, PublicKey};

/// Parses a push endpoint: an absolute `https:` URL, or `http:` to a loopback host
/// (127.0.0.0/8, ::1, localhost) for tests and the local push service.
pub fn parse_endpoint(endpoint: &str) -> Result<Url> {
  let invalid = |reason: String| Error::InvalidEndpoint { reason };
  if endpoint.is_empty() {
    return Err(invalid("is empty".into()));
  }
  let url = Url::parse(endpoint).map_err(|e| invalid(format!("is not a valid URL ({e})")))?;
  if !url.username().is_empty() || url.password().is_some() {
    return Err(invalid(
      "contains credentials (user:password@ before the host); push endpoints never do".into(),
    ));
  }
  match url.scheme() {
    "https" if url.host().is_some() => Ok(url),
    "http" if url.host().is_some_and(|host| is_loopback(&host)) => Ok(url),
    "http" => Err(invalid(
      "uses http: to a non-loopback host; push services require https:".into(),
    )),
    scheme => Err(invalid(format!(
      "has scheme {scheme:?}; push services require https:"
    ))),
  }
}

fn is_loopback(host: &Host<&str>) -> bool {
  match host {
    Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
    Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
    Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
  }
}

/// A subscription's validated keys.
#[derive(Debug, Clone)]
pub struct SubscriptionKeys {
  /// The user agent's public key.
  pub p256dh: PublicKey,
  /// The auth secret.
  pub auth: AuthSecret,
}

/// A validated subscription.
#[derive(Debug, Clone)]
pub struct Subscription {
  /// The push endpoint.
  pub endpoint: Url,
  /// Keys; only needed to send a payload.
  pub keys: Option<SubscriptionKeys>,
}

impl Subscription {
  /// Validates an endpoint and optional base64url keys (both or neither are used).
  pub fn parse(endpoint: &str, p256dh: Option<&str>, auth: Option<&str>) -> Result<Self> {
    let endpoint = parse_endpoint(endpoint)?;
    let keys = match (p256dh, auth) {
      (Some(p256dh), Some(auth)) => Some(SubscriptionKeys {
        p256dh: PublicKey::from_base64(p256dh, KeyRole::P256dh)?,
        auth: AuthSecret::from_base64(auth)?,
      }),
      _ => None,
    };
    Ok(Self { endpoint, keys })
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn endpoints_must_be_https_or_loopback_http() {
    for ok in [
      "https://fcm.googleapis.com/x",
      "http://127.0.0.1:8080/p",
      "http://localhost/p",
      "http://[::1]:9/p",
    ] {
      assert!(parse_endpoint(ok).is_ok(), "{ok}");
    }
    for (bad, why) in [
      ("http://push.example.com/x", "non-loopback"),
      ("ftp://push.example.com/x", "scheme"),
      ("not a url", "not a valid URL"),
      ("", "empty"),
    ] {
      let err = parse_endpoint(bad).unwrap_err();
      assert_eq!(err.code(), "ERR_INVALID_ENDPOINT");
      assert!(err.to_string().contains(why), "{err}");
    }
  }
}

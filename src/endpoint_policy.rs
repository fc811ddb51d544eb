//! Which endpoints a client may contact (protection against server-side request forgery).

use std::net::IpAddr;
use std::str::FromStr;

use url::{Host, Url};

use crate::error::{Error, Result};
use crate::push_services;

/// Which endpoints a client sends to: protection against server-side request forgery
/// through user-submitted subscriptions (an attacker posts `{"endpoint": "https://internal/…"}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EndpointPolicy {
  /// Any `https:` endpoint (and `http:` to loopback), except IP literals in internal ranges
  /// ([`push_services::is_internal`]: private, link-local, unique-local, CGNAT, metadata):
  /// no browser's push service uses one. The default.
  #[default]
  Https,
  /// Only the browsers' push services (the hosts of [`crate::push_services`]): FCM, Mozilla,
  /// Apple, Windows.
  PushServices,
  /// The caller's own policy (a JS function) already decided.
  Custom,
}

/// Why the default policy refuses an internal IP literal, and how to allow one.
const INTERNAL_IP_RULE: &str = "an IP literal in a private, link-local, unique-local, CGNAT or metadata range (no push service uses one); to send there anyway, pass a custom endpointPolicy function";
const PUSH_SERVICES_RULE: &str =
  "push-services allows FCM, Mozilla, Apple and Windows push service hosts only";

impl EndpointPolicy {
  /// Checks an already parsed endpoint.
  pub fn check(self, endpoint: &Url) -> Result<()> {
    let host = || endpoint.host_str().unwrap_or_default().to_ascii_lowercase();
    match self {
      EndpointPolicy::Custom => Ok(()),
      EndpointPolicy::Https => {
        let ip = match endpoint.host() {
          Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
          Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
          _ => None,
        };
        match ip {
          Some(ip) if push_services::is_internal(ip) => Err(Error::EndpointNotAllowed {
            host: host(),
            rule: INTERNAL_IP_RULE,
          }),
          _ => Ok(()),
        }
      }
      EndpointPolicy::PushServices => {
        let known = endpoint.scheme() == "https"
          && endpoint.port().is_none()
          && endpoint
            .host_str()
            .and_then(push_services::service_of_host)
            .is_some();
        if known {
          Ok(())
        } else {
          Err(Error::EndpointNotAllowed {
            host: host(),
            rule: PUSH_SERVICES_RULE,
          })
        }
      }
    }
  }
}

impl FromStr for EndpointPolicy {
  type Err = Error;

  fn from_str(value: &str) -> Result<Self> {
    match value {
      "https" => Ok(EndpointPolicy::Https),
      "push-services" => Ok(EndpointPolicy::PushServices),
      _ => Err(Error::invalid_option(
        "endpointPolicy",
        "must be \"https\", \"push-services\" or a function",
      )),
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::subscription::parse_endpoint;

  #[test]
  fn push_services_policy_allows_only_known_hosts() {
    let policy = EndpointPolicy::PushServices;
    for ok in [
      "https://fcm.googleapis.com/fcm/send/abc",
      "https://updates.push.services.mozilla.com/wpush/v2/abc",
      "https://web.push.apple.com/QGx",
      "https://wns2-par02p.notify.windows.com/w/?token=x",
    ] {
      assert!(policy.check(&parse_endpoint(ok).unwrap()).is_ok(), "{ok}");
    }
    for bad in [
      "https://push.services.mozilla.com.evil.example/x",
      "https://evilpush.apple.com/x",
      "https://fcm.googleapis.com:8443/x",
      "https://169.254.169.254/latest/meta-data",
      "http://127.0.0.1:8080/push/x",
      "https://.push.apple.com/x",
    ] {
      let Ok(url) = parse_endpoint(bad) else { continue };
      assert_eq!(
        policy.check(&url).unwrap_err().code(),
        "ERR_ENDPOINT_NOT_ALLOWED",
        "{bad}"
      );
    }
    assert!(EndpointPolicy::Https
      .check(&parse_endpoint("https://anything.example/x").unwrap())
      .is_ok());
    let internal = parse_endpoint("https://10.0.0.5/x").unwrap();
    let refused = EndpointPolicy::Https.check(&internal).unwrap_err();
    assert_eq!(refused.code(), "ERR_ENDPOINT_NOT_ALLOWED");
    assert!(refused.to_string().contains("custom endpointPolicy"), "{refused}");
    assert!(
      EndpointPolicy::Custom.check(&internal).is_ok(),
      "the caller's policy decides"
    );
    assert!(EndpointPolicy::Https
      .check(&parse_endpoint("http://127.0.0.1:9/x").unwrap())
      .is_ok());
    assert_eq!(
      parse_endpoint("https://u:p@fcm.googleapis.com/x")
        .unwrap_err()
        .code(),
      "ERR_INVALID_ENDPOINT"
    );
    assert_eq!(
      "open".parse::<EndpointPolicy>().unwrap_err().code(),
      "ERR_INVALID_OPTION"
    );
  }
}

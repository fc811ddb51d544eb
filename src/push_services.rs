//! The push services web-push-rs knows, in one table: which hosts belong to which service,
//! how each one words its error answers (the `reason` of an outcome), what each status means
//! *at that service* (the outcome bucket), the extra rules a service enforces that we check
//! before sending, and the address ranges no push endpoint ever points at.
//!
//! Sources:
//! - Apple: the `reason` values of its JSON error bodies as listed for Apple's page "Sending
//!   web push notifications in web apps and browsers" (developer.apple.com/documentation/
//!   usernotifications/sending-web-push-notifications-in-web-apps-and-browsers): BadJwtToken,
//!   BadWebPushTopic, VapidPkHashMismatch, BadVapidPublicKey, BadTtl, BadUrgency,
//!   BadWebPushRequest, ExpiredSubscription, PayloadTooLarge, TooManyRequests. The page itself
//!   could not be fetched from this build machine (no network); the list comes from user
//!   reports, and web-push issue #947 shows `403 {"reason":"BadJwtToken"}` for a `mailto:`
//!   subject on `localhost`. Unknown reasons are passed through as they are.
//! - Mozilla autopush: JSON errors `{"code","errno","error","message","more_info"}`, as seen
//!   live from autopush 1.83.1 (`errno 109` "VAPID public key mismatch", `errno 106` "No such
//!   subscription").
//! - FCM: plain-text answers of `fcm.googleapis.com/fcm/send/…` (e.g. 403 "the VAPID
//!   credentials in the authorization header do not correspond to the credentials used to
//!   create the subscriptions"), as users report them.
//! - Windows (WNS): the `X-WNS-Status`, `X-WNS-Error-Description`, `X-WNS-Msg-ID` and
//!   `X-WNS-Debug-Trace` response headers; `406 Not Acceptable` with `X-WNS-Status:
//!   appthrottled` and `Retry-After` when throttled (seen live).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use crate::error::{Error, Result};

/// A browser vendor's push service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
  /// Apple (Safari): `web.push.apple.com`, `*.push.apple.com`.
  Apple,
  /// Google FCM (Chrome, Edge on Android, …): `fcm.googleapis.com`.
  Fcm,
  /// Mozilla autopush (Firefox): `*.push.services.mozilla.com`.
  Mozilla,
  /// Windows Notification Service (Edge on Windows): `*.notify.windows.com`.
  Windows,
}

struct Known {
  service: Service,
  /// Exact host names, or `.suffix` for any subdomain.
  hosts: &'static [&'static str],
  /// Path prefix of the service's endpoints; the local push service's profiles use it, and a
  /// loopback endpoint with this prefix is treated as this service (see [`identify`]).
  path: &'static str,
  /// Its name in `startPushService({ profile })`.
  profile: &'static str,
}

const FCM: Known = Known {
  service: Service::Fcm,
  hosts: &["fcm.googleapis.com"],
  path: "/fcm/send/",
  profile: "fcm",
};
const MOZILLA: Known = Known {
  service: Service::Mozilla,
  hosts: &[".push.services.mozilla.com"],
  path: "/wpush/v2/",
  profile: "mozilla",
};
const APPLE: Known = Known {
  service: Service::Apple,
  hosts: &["web.push.apple.com", ".push.apple.com"],
  path: "/3/device/",
  profile: "apple",
};
const WINDOWS: Known = Known {
  service: Service::Windows,
  hosts: &[".notify.windows.com"],
  path: "/w/",
  profile: "wns",
};

/// THE table of known push services.
const KNOWN: [&Known; 4] = [&FCM, &MOZILLA, &APPLE, &WINDOWS];

fn known(service: Service) -> &'static Known {
  match service {
    Service::Fcm => &FCM,
    Service::Mozilla => &MOZILLA,
    Service::Apple => &APPLE,
    Service::Windows => &WINDOWS,
  }
}

fn host_matches(host: &str, pattern: &str) -> bool {
  match pattern.strip_prefix('.') {
    Some(domain) => host
      .strip_suffix(domain)
      .is_some_and(|sub| sub.ends_with('.') && sub.len() > 1),
    None => host == pattern,
  }
}

/// The service a host name belongs to (case-insensitive).
pub fn service_of_host(host: &str) -> Option<Service> {
  let host = host.to_ascii_lowercase();
  KNOWN
    .iter()
    .find(|k| k.hosts.iter().any(|p| host_matches(&host, p)))
    .map(|k| k.service)
}

/// The service an endpoint belongs to: by host, or, for a loopback endpoint (the local push
/// service's profiles), by the service's endpoint path shape.
pub fn identify(endpoint: &Url) -> Option<Service> {
  let by_host = endpoint.host_str().and_then(service_of_host);
  if by_host.is_some() {
    return by_host;
  }
  let loopback = match endpoint.host() {
    Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
    Some(Host::Ipv4(ip)) => ip.is_loopback(),
    Some(Host::Ipv6(ip)) => ip.is_loopback(),
    None => false,
  };
  if !loopback {
    return None;
  }
  KNOWN
    .iter()
    .find(|k| endpoint.path().starts_with(k.path))
    .map(|k| k.service)
}

impl Service {
  /// The local push service profile name (`mozilla`, `apple`, `fcm`, `wns`).
  pub fn profile(self) -> &'static str {
    known(self).profile
  }

  /// The path prefix of this service's endpoints.
  pub fn endpoint_path(self) -> &'static str {
    known(self).path
  }

  /// The service with this profile name.
  pub fn from_profile(name: &str) -> Option<Service> {
    KNOWN.iter().find(|k| k.profile == name).map(|k| k.service)
  }
}

/// Longest answer body read for a `reason`.
pub const MAX_REASON_BODY: usize = 8192;
/// Longest `reason` kept.
const MAX_REASON_LEN: usize = 300;

/// What a push service's error answer says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceAnswer {
  /// The service's own reason (`BadJwtToken`, `errno 109: VAPID public key mismatch`,
  /// `VapidKeyMismatch`, `appthrottled: …`), when the answer carries one.
  pub reason: Option<String>,
  /// Mozilla autopush's `errno`.
  pub errno: Option<i64>,
}

fn clip(text: &str) -> String {
  let text = text.trim();
  match text.char_indices().nth(MAX_REASON_LEN) {
    Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or(text)),
    None => text.to_owned(),
  }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
  headers
    .iter()
    .find(|(n, _)| n.eq_ignore_ascii_case(name))
    .map(|(_, v)| v.as_str())
    .filter(|v| !v.trim().is_empty())
}

/// Reads `{"reason": …}` (Apple) or `{"errno": …, "message": …}` (Mozilla) from a JSON body.
fn json_answer(body: &str) -> Option<ServiceAnswer> {
  let value: serde_json::Value = serde_json::from_str(body).ok()?;
  if let Some(reason) = value.get("reason").and_then(|r| r.as_str()) {
    return Some(ServiceAnswer {
      reason: Some(clip(reason)),
      errno: None,
    });
  }
  let errno = value.get("errno").and_then(|e| e.as_i64());
  let message = value
    .get("message")
    .and_then(|m| m.as_str())
    .or_else(|| value.pointer("/error/message").and_then(|m| m.as_str()));
  let status = value.pointer("/error/status").and_then(|s| s.as_str());
  let reason = match (errno, message, status) {
    (Some(n), Some(m), _) => Some(format!("errno {n}: {}", clip(m))),
    (Some(n), None, _) => Some(format!("errno {n}")),
    (None, _, Some(s)) => Some(clip(s)),
    (None, Some(m), None) => Some(clip(m)),
    (None, None, None) => None,
  };
  reason.map(|reason| ServiceAnswer {
    reason: Some(reason),
    errno,
  })
}

/// FCM's well-known plain-text answers, as short reasons.
const FCM_REASONS: &[(&str, &str)] = &[
  (
    "do not correspond to the credentials used to create the subscription",
    "VapidKeyMismatch",
  ),
  ("unsubscribed or expired", "Unregistered"),
  ("notregistered", "Unregistered"),
  ("unregistered", "Unregistered"),
  ("invalid jwt", "InvalidJwt"),
  ("payload too large", "PayloadTooLarge"),
  ("message too big", "PayloadTooLarge"),
];

fn fcm_answer(body: &str) -> Option<ServiceAnswer> {
  if let Some(answer) = json_answer(body) {
    return Some(answer);
  }
  let lower = body.to_ascii_lowercase();
  let reason = FCM_REASONS
    .iter()
    .find(|(needle, _)| lower.contains(needle))
    .map(|(_, reason)| (*reason).to_owned())
    .or_else(|| (!body.trim().is_empty() && !lower.contains('<')).then(|| clip(body)))?;
  Some(ServiceAnswer {
    reason: Some(reason),
    errno: None,
  })
}

fn windows_answer(headers: &[(String, String)]) -> Option<ServiceAnswer> {
  let status = header(headers, "x-wns-status");
  let description = header(headers, "x-wns-error-description");
  let mut reason = match (status, description) {
    (Some(s), Some(d)) => format!("{s}: {d}"),
    (Some(s), None) => s.to_owned(),
    (None, Some(d)) => d.to_owned(),
    (None, None) => return None,
  };
  for name in ["x-wns-msg-id", "x-wns-debug-trace"] {
    if let Some(value) = header(headers, name) {
      reason.push_str(&format!(" ({name}: {value})"));
    }
  }
  Some(ServiceAnswer {
    reason: Some(clip(&reason)),
    errno: None,
  })
}

/// Reads the service's own reason from an error answer. Never fails: junk gives no reason.
/// A body over [`MAX_REASON_BODY`] bytes is not parsed.
pub fn read_answer(service: Option<Service>, headers: &[(String, String)], body: &str) -> ServiceAnswer {
  if body.len() > MAX_REASON_BODY {
    return match service {
      Some(Service::Windows) => windows_answer(headers).unwrap_or_default(),
      _ => ServiceAnswer::default(),
    };
  }
  let answer = match service {
    Some(Service::Windows) => windows_answer(headers),
    Some(Service::Fcm) => fcm_answer(body),
    Some(Service::Apple) | Some(Service::Mozilla) | None => json_answer(body),
  };
  answer.unwrap_or_default()
}

/// What an answer means for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
  /// 2xx: accepted.
  Accepted,
  /// 404/410: the subscription no longer exists; delete it.
  Gone,
  /// The request was refused; retrying will not help.
  Refused,
  /// The subscription was created with another VAPID key: refused, but the subscription is
  /// not gone (a server with a misconfigured key must not delete every subscription).
  KeyMismatch,
  /// Throttled (429 everywhere, 406 at Windows): retry after `Retry-After` or a backoff.
  Throttled,
  /// A transient failure (408, 5xx): retry with backoff.
  Unavailable,
}

/// What `status` (with the service's `reason`) means at `service`.
pub fn meaning(service: Option<Service>, status: u16, reason: Option<&str>) -> Meaning {
  let reason = reason.unwrap_or_default();
  match (service, status) {
    (_, 200..=299) => Meaning::Accepted,
    (_, 404 | 410) => Meaning::Gone,
    (_, 429) | (Some(Service::Windows), 406) => Meaning::Throttled,
    (_, 408 | 500..=599) => Meaning::Unavailable,
    (Some(Service::Fcm), _) if reason == "VapidKeyMismatch" => Meaning::KeyMismatch,
    (Some(Service::Apple), _) if reason == "VapidPkHashMismatch" => Meaning::KeyMismatch,
    (Some(Service::Mozilla) | None, 401 | 403) if reason.contains("VAPID public key mismatch") => {
      Meaning::KeyMismatch
    }
    _ => Meaning::Refused,
  }
}

/// Why Apple refuses a VAPID subject, if it does: a `mailto:` address or `https:` URL whose
/// host is `localhost` or a reserved/special-use name (RFC 2606, RFC 6761, RFC 6762) gets
/// `403 BadJwtToken` from Apple, while FCM and Mozilla accept it.
pub fn apple_subject_problem(subject: &str) -> Option<String> {
  let host = if let Some(address) = subject.strip_prefix("mailto:") {
    address.rsplit('@').next().unwrap_or_default().to_owned()
  } else {
    Url::parse(subject).ok()?.host_str()?.to_owned()
  };
  let host = host.trim_end_matches('.').to_ascii_lowercase();
  let reserved = host == "localhost"
    || [".localhost", ".local", ".invalid", ".test", ".example"]
      .iter()
      .any(|suffix| host.ends_with(suffix))
    || ["example.com", "example.net", "example.org"]
      .iter()
      .any(|name| host == *name || host.ends_with(&format!(".{name}")));
  reserved.then(|| {
    format!(
      "has host {host:?}: Apple's push service refuses a subject on localhost or a reserved name (.local, .invalid, .test, .example, example.com/net/org) with 403 BadJwtToken; use a mailto: address or https: URL on a real domain you control"
    )
  })
}

/// The rules a service enforces that can be checked before sending (a local error, no
/// request): for Apple, a usable VAPID subject and a `Topic` that decodes as base64url.
pub fn check_request(service: Option<Service>, subject: Option<&str>, topic: Option<&str>) -> Result<()> {
  if service != Some(Service::Apple) {
    return Ok(());
  }
  if let Some(reason) = subject.and_then(apple_subject_problem) {
    return Err(Error::InvalidSubject { reason });
  }
  if let Some(topic) = topic.filter(|t| t.len() % 4 == 1) {
    return Err(Error::InvalidTopic {
      reason: format!(
        "is {} characters long; Apple decodes Topic as base64url, and a length of 4n+1 cannot decode (BadWebPushTopic)",
        topic.len()
      ),
    });
  }
  Ok(())
}

/// Whether an IP address is in a range no push service's endpoint uses and a server must not
/// be pointed at: private (RFC 1918), CGNAT (100.64/10), link-local (169.254/16, which holds
/// cloud metadata services, and fe80::/10), unique-local (fc00::/7, including AWS's
/// fd00:ec2::254 metadata address), unspecified, broadcast, multicast and reserved.
/// Loopback is not in it (local push services run there).
pub fn is_internal(ip: IpAddr) -> bool {
  match ip {
    IpAddr::V4(v4) => is_internal_v4(v4),
    IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
      Some(v4) => is_internal_v4(v4),
      None => is_internal_v6(v6),
    },
  }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
  let [a, b, ..] = ip.octets();
  ip.is_private()
    || ip.is_link_local()
    || ip.is_unspecified()
    || ip.is_broadcast()
    || ip.is_multicast()
    || a == 0
    || a >= 240
    || (a == 100 && (64..128).contains(&b))
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
  let [first, ..] = ip.segments();
  ip.is_unspecified() || ip.is_multicast() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
}

/// The answer a service gives for a kind of failure: what the local push service's profiles
/// send for `failNext(…, { kind })`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
  /// The subscription expired or was removed.
  Gone,
  /// Too many requests.
  Throttled,
  /// The payload is too large.
  TooLarge,
  /// The VAPID JWT was refused.
  BadJwt,
  /// The subscription was created with another VAPID key.
  KeyMismatch,
  /// The service is unavailable.
  Unavailable,
}

impl std::str::FromStr for FailureKind {
  type Err = Error;

  fn from_str(value: &str) -> Result<Self> {
    Ok(match value {
      "gone" => FailureKind::Gone,
      "throttled" => FailureKind::Throttled,
      "too-large" => FailureKind::TooLarge,
      "bad-jwt" => FailureKind::BadJwt,
      "key-mismatch" => FailureKind::KeyMismatch,
      "unavailable" => FailureKind::Unavailable,
      _ => {
        return Err(Error::invalid_option(
          "fault.kind",
          "must be gone, throttled, too-large, bad-jwt, key-mismatch or unavailable",
        ))
      }
    })
  }
}

/// A canned answer: status, headers, body.
pub type CannedAnswer = (u16, Vec<(&'static str, String)>, String);

fn mozilla_json(status: u16, errno: u16, error: &str, message: &str) -> String {
  serde_json::json!({
    "code": status, "errno": errno, "error": error, "message": message,
    "more_info": "http://autopush.readthedocs.io/en/latest/http.html#error-codes",
  })
  .to_string()
}

/// How `service` (Mozilla when `None`) answers a failure of `kind`; `retry_after` seconds go
/// into `Retry-After` for throttling.
pub fn canned_answer(service: Option<Service>, kind: FailureKind, retry_after: u64) -> CannedAnswer {
  let json = || ("content-type", "application/json".to_owned());
  let text = || ("content-type", "text/plain; charset=utf-8".to_owned());
  let retry = || ("retry-after", retry_after.to_string());
  let apple = |status: u16, reason: &str| {
    (
      status,
      vec![json()],
      serde_json::json!({ "reason": reason }).to_string(),
    )
  };
  match (service.unwrap_or(Service::Mozilla), kind) {
    (Service::Mozilla, FailureKind::Gone) => (410, vec![json()], mozilla_json(410, 106, "Gone", "No such subscription")),
    (Service::Mozilla, FailureKind::Throttled) => (429, vec![json(), retry()], mozilla_json(429, 999, "Too Many Requests", "Too many requests")),
    (Service::Mozilla, FailureKind::TooLarge) => (413, vec![json()], mozilla_json(413, 104, "Payload Too Large", "Data payload too large")),
    (Service::Mozilla, FailureKind::BadJwt) => (401, vec![json()], mozilla_json(401, 109, "Unauthorized", "Invalid Authorization header")),
    (Service::Mozilla, FailureKind::KeyMismatch) => (401, vec![json()], mozilla_json(401, 109, "Unauthorized", "VAPID public key mismatch")),
    (Service::Mozilla, FailureKind::Unavailable) => (503, vec![json()], mozilla_json(503, 201, "Service Unavailable", "Service temporarily unavailable")),
    (Service::Apple, FailureKind::Gone) => apple(410, "ExpiredSubscription"),
    (Service::Apple, FailureKind::Throttled) => {
      let (status, mut headers, body) = apple(429, "TooManyRequests");
      headers.push(retry());
      (status, headers, body)
    }
    (Service::Apple, FailureKind::TooLarge) => apple(413, "PayloadTooLarge"),
    (Service::Apple, FailureKind::BadJwt) => apple(403, "BadJwtToken"),
    (Service::Apple, FailureKind::KeyMismatch) => apple(403, "VapidPkHashMismatch"),
    (Service::Apple, FailureKind::Unavailable) => apple(503, "ServiceUnavailable"),
    (Service::Fcm, FailureKind::Gone) => (410, vec![text()], "push subscription has unsubscribed or expired.\n".into()),
    (Service::Fcm, FailureKind::Throttled) => (429, vec![text(), retry()], "Quota exceeded.\n".into()),
    (Service::Fcm, FailureKind::TooLarge) => (413, vec![text()], "Message too big.\n".into()),
    (Service::Fcm, FailureKind::BadJwt) => (401, vec![text()], "invalid JWT provided\n".into()),
    (Service::Fcm, FailureKind::KeyMismatch) => (
      403,
      vec![text()],
      "the key in the authorization header does not correspond to the sender ID used to subscribe this user. the VAPID credentials in the authorization header do not correspond to the credentials used to create the subscriptions.\n".into(),
    ),
    (Service::Fcm, FailureKind::Unavailable) => (503, vec![text()], "Service Unavailable\n".into()),
    (Service::Windows, kind) => {
      let (status, wns_status, description) = match kind {
        FailureKind::Gone => (410, "dropped", "The channel expired."),
        FailureKind::Throttled => (406, "appthrottled", "The app exceeded its throttle limit."),
        FailureKind::TooLarge => (413, "dropped", "The notification payload exceeds the size limit."),
        FailureKind::BadJwt => (401, "dropped", "The VAPID token is invalid."),
        FailureKind::KeyMismatch => (403, "dropped", "The VAPID public key does not match the channel."),
        FailureKind::Unavailable => (503, "dropped", "The service is unavailable."),
      };
      let mut headers = vec![
        ("x-wns-status", wns_status.to_owned()),
        ("x-wns-error-description", description.to_owned()),
        ("x-wns-msg-id", "1A2B3C4D5E6F7A8B".to_owned()),
        ("x-wns-debug-trace", "LOCAL-TEST".to_owned()),
      ];
      if kind == FailureKind::Throttled {
        headers.push(retry());
      }
      (status, headers, String::new())
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
  }

  #[test]
  fn hosts_and_local_profiles_identify_their_service() {
    assert_eq!(
      identify(&url("https://fcm.googleapis.com/fcm/send/x")),
      Some(Service::Fcm)
    );
    assert_eq!(
      identify(&url("https://web.push.apple.com/QO")),
      Some(Service::Apple)
    );
    assert_eq!(
      identify(&url("https://api.push.apple.com/3/device/x")),
      Some(Service::Apple)
    );
    assert_eq!(
      identify(&url("https://updates.push.services.mozilla.com/wpush/v2/x")),
      Some(Service::Mozilla)
    );
    assert_eq!(
      identify(&url("https://wns2-par02p.notify.windows.com/w/?token=x")),
      Some(Service::Windows)
    );
    assert_eq!(identify(&url("https://push.apple.com.evil.test/")), None);
    assert_eq!(
      identify(&url("https://notify.windows.com/")),
      None,
      "a bare suffix is not a host of the service"
    );
    assert_eq!(
      identify(&url("http://127.0.0.1:9/3/device/abc")),
      Some(Service::Apple)
    );
    assert_eq!(identify(&url("http://127.0.0.1:9/push/abc")), None);
    assert_eq!(
      identify(&url("https://example.com/3/device/abc")),
      None,
      "path shapes count on loopback only"
    );
  }

  #[test]
  fn reasons_are_read_per_service_and_junk_gives_none() {
    let none: &[(String, String)] = &[];
    let apple = read_answer(Some(Service::Apple), none, r#"{"reason":"BadJwtToken"}"#);
    assert_eq!(apple.reason.as_deref(), Some("BadJwtToken"));
    let moz = read_answer(
      Some(Service::Mozilla),
      none,
      r#"{"code":401,"errno":109,"error":"Unauthorized","message":"VAPID public key mismatch","more_info":"x"}"#,
    );
    assert_eq!(
      (moz.reason.as_deref(), moz.errno),
      (Some("errno 109: VAPID public key mismatch"), Some(109))
    );
    let fcm = read_answer(Some(Service::Fcm), none, "the VAPID credentials in the authorization header do not correspond to the credentials used to create the subscriptions.");
    assert_eq!(fcm.reason.as_deref(), Some("VapidKeyMismatch"));
    let wns = read_answer(
      Some(Service::Windows),
      &[
        ("X-WNS-Status".into(), "appthrottled".into()),
        ("X-WNS-Msg-ID".into(), "42".into()),
      ],
      "",
    );
    assert_eq!(wns.reason.as_deref(), Some("appthrottled (x-wns-msg-id: 42)"));
    for junk in [
      "",
      "{",
      "[1,2]",
      "null",
      "<html>oops</html>",
      &"x".repeat(100_000),
    ] {
      let answer = read_answer(Some(Service::Apple), none, junk);
      assert!(answer.reason.is_none() || answer.reason.as_ref().unwrap().len() < 400);
    }
    let long = read_answer(
      Some(Service::Apple),
      none,
      &format!(r#"{{"reason":"{}"}}"#, "a".repeat(10_000)),
    );
    assert!(long.reason.is_none(), "a body past the cap is not parsed");
  }

  #[test]
  fn buckets_follow_what_a_status_means_at_that_service() {
    assert_eq!(meaning(Some(Service::Windows), 406, None), Meaning::Throttled);
    assert_eq!(meaning(Some(Service::Fcm), 406, None), Meaning::Refused);
    assert_eq!(
      meaning(Some(Service::Apple), 429, Some("TooManyRequests")),
      Meaning::Throttled
    );
    assert_eq!(
      meaning(Some(Service::Fcm), 403, Some("VapidKeyMismatch")),
      Meaning::KeyMismatch
    );
    assert_eq!(
      meaning(Some(Service::Apple), 403, Some("VapidPkHashMismatch")),
      Meaning::KeyMismatch
    );
    assert_eq!(
      meaning(Some(Service::Apple), 403, Some("BadJwtToken")),
      Meaning::Refused
    );
    assert_eq!(meaning(None, 410, None), Meaning::Gone);
    assert_eq!(meaning(Some(Service::Apple), 404, None), Meaning::Gone);
    assert_eq!(meaning(None, 503, None), Meaning::Unavailable);
    assert_eq!(meaning(None, 201, None), Meaning::Accepted);
  }

  #[test]
  fn apple_guardrails() {
    for bad in [
      "mailto:x@localhost",
      "mailto:ops@box.local",
      "mailto:a@b.invalid",
      "mailto:a@example.com",
      "mailto:a@mail.example.org",
      "https://localhost/contact",
      "https://shop.test/",
      "mailto:a@LOCALHOST.",
    ] {
      assert!(apple_subject_problem(bad).is_some(), "{bad}");
      let err = check_request(Some(Service::Apple), Some(bad), None).unwrap_err();
      assert_eq!(err.code(), "ERR_INVALID_SUBJECT");
      assert!(err.to_string().contains("BadJwtToken"), "{err}");
      assert!(check_request(Some(Service::Fcm), Some(bad), None).is_ok());
    }
    for good in [
      "mailto:ops@shop.fr",
      "https://shop.fr/contact",
      "mailto:someone@examples.com",
    ] {
      assert!(apple_subject_problem(good).is_none(), "{good}");
    }
    let topic = check_request(Some(Service::Apple), None, Some("abcde")).unwrap_err();
    assert_eq!(topic.code(), "ERR_INVALID_TOPIC");
    assert!(check_request(Some(Service::Apple), None, Some("abcd")).is_ok());
    assert!(check_request(None, None, Some("abcde")).is_ok());
  }

  #[test]
  fn internal_ranges() {
    for ip in [
      "10.0.0.5",
      "172.16.1.1",
      "192.168.0.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::ffff:10.0.0.1",
      "fd00:ec2::254",
      "fe80::1",
      "::",
      "255.255.255.255",
      "224.0.0.1",
    ] {
      assert!(is_internal(ip.parse().unwrap()), "{ip}");
    }
    for ip in [
      "127.0.0.1",
      "::1",
      "8.8.8.8",
      "2001:4860:4860::8888",
      "100.128.0.1",
      "172.32.0.1",
    ] {
      assert!(!is_internal(ip.parse().unwrap()), "{ip}");
    }
  }

  #[test]
  fn every_profile_answers_every_kind_and_we_read_it_back() {
    for service in [Service::Mozilla, Service::Apple, Service::Fcm, Service::Windows] {
      assert_eq!(Service::from_profile(service.profile()), Some(service));
      for kind in [
        "gone",
        "throttled",
        "too-large",
        "bad-jwt",
        "key-mismatch",
        "unavailable",
      ] {
        let kind: FailureKind = kind.parse().unwrap();
        let (status, headers, body) = canned_answer(Some(service), kind, 2);
        let headers: Vec<(String, String)> = headers.into_iter().map(|(n, v)| (n.to_owned(), v)).collect();
        let answer = read_answer(Some(service), &headers, &body);
        assert!(answer.reason.is_some(), "{service:?} {kind:?}");
        let expected = match kind {
          FailureKind::Gone => Meaning::Gone,
          FailureKind::Throttled => Meaning::Throttled,
          FailureKind::Unavailable => Meaning::Unavailable,
          FailureKind::KeyMismatch if service != Service::Windows => Meaning::KeyMismatch,
          _ => Meaning::Refused,
        };
        assert_eq!(
          meaning(Some(service), status, answer.reason.as_deref()),
          expected,
          "{service:?} {kind:?}"
        );
      }
    }
  }
}

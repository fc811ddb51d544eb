//! The local push service for JS tests (`require('web-push-rs/testing').startPushService`).

use std::collections::HashMap;

use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

use super::{ErrorCode, Fallible};
use crate::push_services::Service;
use crate::testing::{FaultAction, FaultScope, PushService, PushServiceConfig};

/// A subscription handed out by the service.
#[napi(object)]
pub struct ServiceSubscription {
  /// The push endpoint.
  pub endpoint: String,
  /// `keys.p256dh`.
  #[napi(js_name = "p256dh")]
  pub p256dh: String,
  /// `keys.auth`.
  pub auth: String,
}

/// A verified VAPID token.
#[napi(object)]
pub struct ServiceVapid {
  /// `aud` claim.
  pub aud: String,
  /// `exp` claim (seconds since the epoch).
  pub exp: f64,
  /// `sub` claim.
  pub sub: Option<String>,
  /// The signing key (base64url).
  pub public_key: String,
}

/// A message the service accepted and decrypted.
#[napi(object)]
pub struct ServiceMessage {
  /// The endpoint it was sent to.
  pub endpoint: String,
  /// The decrypted payload (absent for a browser-held subscription: the browser decrypts).
  pub payload: Option<Buffer>,
  /// The message id (`version` in Firefox's protocol).
  pub version: String,
  /// The browser's ack code (100 delivered, 101 decryption failed, 102 other).
  pub ack: Option<u32>,
  /// Request headers (lower-case names).
  pub headers: HashMap<String, String>,
  /// `TTL`.
  pub ttl: f64,
  /// `Urgency`, if sent.
  pub urgency: Option<String>,
  /// `Topic`, if sent.
  pub topic: Option<String>,
  /// `aes128gcm` / `aesgcm`, if there was a body.
  pub encoding: Option<String>,
  /// The verified VAPID token, if sent.
  pub vapid: Option<ServiceVapid>,
  /// `HTTP/1.1` or `HTTP/2`.
  pub http_version: String,
  /// Set when the payload is meant as a declarative push message (a JSON object with `web_push`).
  pub declarative: Option<ServiceDeclarative>,
}

/// A received declarative push message: normalized when valid, else why not.
#[napi(object)]
pub struct ServiceDeclarative {
  /// The checked message (JSON text, members in spec order).
  pub message: Option<String>,
  /// Why it is not a valid declarative push message.
  pub error: Option<String>,
}

/// Checks a payload with the same rules `declarativePayload` uses.
fn declarative(payload: Option<&[u8]>) -> Option<ServiceDeclarative> {
  let checked = crate::declarative::inspect(payload?)?;
  Some(match checked {
    Ok(message) => ServiceDeclarative {
      message: Some(message),
      error: None,
    },
    Err(e) => ServiceDeclarative {
      message: None,
      error: Some(e.to_string()),
    },
  })
}

/// A fault to inject, normalized by `testing.js`.
#[napi(object, object_to_js = false)]
pub struct FaultInput {
  /// Only requests to this endpoint (any request when absent).
  pub endpoint: Option<String>,
  /// How many requests it applies to.
  pub times: u32,
  /// Answer with this status.
  pub status: Option<u32>,
  /// `Retry-After` value for `status`.
  pub retry_after: Option<String>,
  /// Never answer.
  pub stall: Option<bool>,
  /// Drop the connection.
  pub reset: Option<bool>,
  /// Answer normally after this many milliseconds.
  pub delay_ms: Option<f64>,
  /// A failure by meaning (`gone`, `throttled`, `too-large`, `bad-jwt`, `key-mismatch`,
  /// `unavailable`), answered the way the service's profile answers it.
  pub kind: Option<String>,
}

/// Request counters of the service.
#[napi(object)]
pub struct ServiceStatsOutput {
  /// POSTs received.
  pub requests: f64,
  /// Messages accepted.
  pub accepted: f64,
  /// Answers by status code.
  pub by_status: HashMap<String, f64>,
}

/// A running local push service.
#[napi]
pub struct PushServiceHandle {
  inner: PushService,
}

#[napi]
impl PushServiceHandle {
  /// `http://127.0.0.1:PORT` (or `https://` with TLS).
  #[napi(getter)]
  pub fn origin(&self) -> String {
    self.inner.origin().to_owned()
  }

  /// The bound port.
  #[napi(getter)]
  pub fn port(&self) -> u32 {
    u32::from(self.inner.port())
  }

  /// Firefox's `dom.push.serverURL`: `ws://127.0.0.1:PORT/`.
  #[napi(getter)]
  pub fn web_socket_url(&self) -> String {
    self.inner.web_socket_url()
  }

  /// PEM of the CA to trust (TLS only).
  #[napi(getter)]
  pub fn ca(&self) -> Option<String> {
    self.inner.ca_pem().map(str::to_owned)
  }

  /// Creates a subscription, optionally bound to a VAPID public key.
  #[napi]
  pub fn subscribe(
    &self,
    application_server_key: Option<String>,
  ) -> napi::Result<ServiceSubscription, ErrorCode> {
    let created = self.inner.subscribe(application_server_key.as_deref())?;
    Ok(ServiceSubscription {
      endpoint: created.endpoint,
      p256dh: created.p256dh,
      auth: created.auth,
    })
  }

  /// Accepted messages, oldest first (only those for `endpoint` if given).
  #[napi]
  pub fn messages(&self, endpoint: Option<String>) -> Vec<ServiceMessage> {
    self
      .inner
      .messages(endpoint.as_deref())
      .into_iter()
      .map(|m| ServiceMessage {
        declarative: declarative(m.payload.as_deref()),
        endpoint: m.endpoint,
        payload: m.payload.map(Buffer::from),
        version: m.version,
        ack: m.ack.map(u32::from),
        headers: m.headers.into_iter().collect(),
        ttl: m.ttl as f64,
        urgency: m.urgency,
        topic: m.topic,
        encoding: m.encoding.map(|e| e.as_str().to_owned()),
        vapid: m.vapid.map(|v| ServiceVapid {
          aud: v.aud,
          exp: v.exp as f64,
          sub: v.sub,
          public_key: v.public_key,
        }),
        http_version: m.http_version.to_owned(),
      })
      .collect()
  }

  /// Makes later sends to `endpoint` answer 410 Gone; false if unknown.
  #[napi]
  pub fn expire(&self, endpoint: String) -> bool {
    self.inner.expire(&endpoint)
  }

  /// Arms a fault for the next matching requests.
  #[napi]
  pub fn fail_next(&self, fault: FaultInput) -> napi::Result<(), ErrorCode> {
    if let Some(kind) = &fault.kind {
      if fault.status.is_some() || fault.stall.is_some() || fault.reset.is_some() || fault.delay_ms.is_some()
      {
        return Err(
          crate::Error::InvalidOption {
            name: "fault",
            reason: "needs exactly one of kind, status, stall, reset or delayMs",
          }
          .into(),
        );
      }
      let retry_after = match &fault.retry_after {
        Some(value) => value.parse::<u64>().map_err(|_| crate::Error::InvalidOption {
          name: "fault.retryAfter",
          reason: "must be a whole number of seconds with a kind",
        })?,
        None => 1,
      };
      let scope = fault.endpoint.map_or(FaultScope::Any, FaultScope::Endpoint);
      let action = FaultAction::Kind {
        kind: kind.parse()?,
        retry_after,
      };
      self.inner.fail_next(scope, action, fault.times);
      return Ok(());
    }
    let action = match (fault.status, fault.stall, fault.reset, fault.delay_ms) {
      (Some(status), None, None, None) => FaultAction::Status {
        status: u16::try_from(status)
          .ok()
          .filter(|s| (100..=599).contains(s))
          .ok_or(crate::Error::InvalidOption {
            name: "status",
            reason: "must be an HTTP status 100..599",
          })?,
        retry_after: fault.retry_after,
      },
      (None, Some(true), None, None) => FaultAction::Stall,
      (None, None, Some(true), None) => FaultAction::Reset,
      (None, None, None, Some(ms)) if ms.is_finite() && ms >= 0.0 => {
        FaultAction::Delay(std::time::Duration::from_millis(ms as u64))
      }
      _ => {
        return Err(
          crate::Error::InvalidOption {
            name: "fault",
            reason: "needs exactly one of kind, status, stall, reset or delayMs",
          }
          .into(),
        )
      }
    };
    let scope = fault.endpoint.map_or(FaultScope::Any, FaultScope::Endpoint);
    self.inner.fail_next(scope, action, fault.times);
    Ok(())
  }

  /// Request counters.
  #[napi]
  pub fn stats(&self) -> ServiceStatsOutput {
    let stats = self.inner.stats();
    ServiceStatsOutput {
      requests: stats.requests as f64,
      accepted: stats.accepted as f64,
      by_status: stats
        .by_status
        .into_iter()
        .map(|(k, v)| (k.to_string(), v as f64))
        .collect(),
    }
  }

  /// Stops the service and closes its connections.
  #[napi]
  pub fn close(&self) {
    self.inner.close();
  }
}

/// Starts a local push service on 127.0.0.1 (`port` 0 or absent: a free port).
#[napi(ts_return_type = "Promise<PushServiceHandle>")]
pub async fn start_push_service(
  port: Option<u32>,
  tls: Option<bool>,
  sink: Option<bool>,
  http2: Option<bool>,
  profile: Option<String>,
) -> napi::Result<Fallible<PushServiceHandle>> {
  Ok(start(port, tls, sink, http2, profile).await.into())
}

async fn start(
  port: Option<u32>,
  tls: Option<bool>,
  sink: Option<bool>,
  http2: Option<bool>,
  profile: Option<String>,
) -> crate::Result<PushServiceHandle> {
  let profile = match profile.as_deref() {
    None => None,
    Some(name) => Some(Service::from_profile(name).ok_or(crate::Error::InvalidOption {
      name: "profile",
      reason: "must be \"mozilla\", \"apple\", \"fcm\" or \"wns\"",
    })?),
  };
  let port = u16::try_from(port.unwrap_or(0)).map_err(|_| crate::Error::PushService {
    reason: "port must be 0..65535".into(),
  })?;
  let inner = PushService::start(PushServiceConfig {
    port,
    tls: tls.unwrap_or(false),
    sink: sink.unwrap_or(false),
    http2: http2.unwrap_or(true),
    profile,
  })
  .await?;
  Ok(PushServiceHandle { inner })
}

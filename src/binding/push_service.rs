//! The local push service for JS tests (`require('web-push-rs/testing').startPushService`).

use std::collections::HashMap;

use napi::bindgen_prelude::{Buffer, Either, Null, Object, PromiseRaw, Unknown};
use napi::{Env, ValueType};
use napi_derive::napi;

use super::js_value::{self as js, KeyWording, Ty};
use super::{integer_in, js_number, Fallible};
use crate::push_services::Service;
use crate::testing::{FaultAction, FaultScope, PushService, PushServiceConfig};

/// A subscription handed out by the service, shaped as a browser's `PushSubscription.toJSON()`.
#[napi(object)]
pub struct ServiceSubscription {
  /// The push endpoint.
  pub endpoint: String,
  /// Always `null` (the service never expires subscriptions by time).
  pub expiration_time: Null,
  /// The subscription's keys.
  pub keys: ServiceSubscriptionKeys,
}

/// `keys` of a [`ServiceSubscription`].
#[napi(object)]
pub struct ServiceSubscriptionKeys {
  /// The subscription's public key.
  #[napi(js_name = "p256dh")]
  pub p256dh: String,
  /// The 16-byte auth secret.
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
  /// The decrypted payload as UTF-8 text (lossy), when there is one.
  pub text: Option<String>,
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
  /// Set when the payload is meant as a declarative push message (a JSON object with
  /// `web_push`): the message checked and normalized, or a string saying why it is not valid.
  pub declarative: Option<serde_json::Value>,
}

/// Checks a payload with the same rules `declarativePayload` uses.
fn declarative(payload: Option<&[u8]>) -> Option<serde_json::Value> {
  Some(match crate::declarative::inspect(payload?)? {
    Ok(message) => serde_json::from_str(&message).unwrap_or_default(),
    Err(e) => serde_json::Value::String(e.to_string()),
  })
}

/// The keys of a `failNext` fault and the JS types each may have.
const FAULT_OPTIONS: js::Spec = &[
  ("kind", &[Ty::Str]),
  ("status", &[Ty::Num]),
  ("retryAfter", &[Ty::Str, Ty::Num]),
  ("times", &[Ty::Num]),
  ("stall", &[Ty::Bool]),
  ("reset", &[Ty::Bool]),
  ("delayMs", &[Ty::Num]),
];
/// `startPushService` options and the JS types each may have.
const SERVICE_OPTIONS: js::Spec = &[
  ("port", &[Ty::Num]),
  ("tls", &[Ty::Bool]),
  ("sink", &[Ty::Bool]),
  ("http2", &[Ty::Bool]),
  ("profile", &[Ty::Str]),
  ("latencyMs", &[Ty::Num]),
  ("maxConcurrentStreams", &[Ty::Num]),
  ("overCapacity", &[Ty::Obj]),
];
const OVER_CAPACITY_OPTIONS: js::Spec = &[("maxInFlight", &[Ty::Num]), ("retryAfter", &[Ty::Num])];

/// A fault to inject, type-checked; the values are checked in [`fault_scope`] / [`fault_action`].
struct FaultInput {
  /// Only requests to this endpoint (a subscription target).
  endpoint: Option<String>,
  /// The next `count` requests to any endpoint (a count target).
  count: Option<f64>,
  /// How many requests to `endpoint` it applies to (default 1).
  times: Option<f64>,
  /// Answer with this status (100..599).
  status: Option<f64>,
  /// `Retry-After` value for `status` or `kind`.
  retry_after: Option<Either<String, f64>>,
  /// Never answer.
  stall: Option<bool>,
  /// Drop the connection.
  reset: Option<bool>,
  /// Answer normally after this many milliseconds.
  delay_ms: Option<f64>,
  /// A failure by meaning (`gone`, `throttled`, `too-large`, `bad-jwt`, `key-mismatch`,
  /// `unavailable`), answered the way the service's profile answers it.
  kind: Option<String>,
}

impl FaultInput {
  fn read(target: Either<f64, String>, fault: &Unknown) -> crate::Result<Self> {
    let f = js::check_options(fault, FAULT_OPTIONS, "fault", KeyWording::NotA("fault"))?;
    let retry_after = js::get(&f, "retryAfter")?;
    let (count, endpoint) = match target {
      Either::A(count) => (Some(count), None),
      Either::B(endpoint) => (None, Some(endpoint)),
    };
    Ok(Self {
      endpoint,
      count,
      times: js::opt_number(&f, "times")?,
      status: js::opt_number(&f, "status")?,
      retry_after: match (js::string(&retry_after), js::number(&retry_after)) {
        (Some(text), _) => Some(Either::A(text)),
        (_, Some(number)) => Some(Either::B(number)),
        _ => None,
      },
      stall: js::opt_bool(&f, "stall")?,
      reset: js::opt_bool(&f, "reset")?,
      delay_ms: js::opt_number(&f, "delayMs")?,
      kind: js::opt_string(&f, "kind")?,
    })
  }
}

/// `startPushService` options, type-checked.
struct PushServiceOptions {
  port: Option<f64>,
  tls: Option<bool>,
  sink: Option<bool>,
  http2: Option<bool>,
  profile: Option<String>,
  latency_ms: Option<f64>,
  max_concurrent_streams: Option<f64>,
  over_capacity: Option<(Option<f64>, Option<f64>)>,
}

impl PushServiceOptions {
  fn read(options: &Unknown) -> crate::Result<Self> {
    let o = if js::kind(options) == ValueType::Undefined {
      None
    } else {
      Some(js::check_options(
        options,
        SERVICE_OPTIONS,
        "options",
        KeyWording::NotA("startPushService"),
      )?)
    };
    let number = |name: &str| o.as_ref().map_or(Ok(None), |o: &Object| js::opt_number(o, name));
    let boolean = |name: &str| o.as_ref().map_or(Ok(None), |o: &Object| js::opt_bool(o, name));
    let over_capacity = match &o {
      Some(o) => {
        let value = js::get(o, "overCapacity")?;
        if js::kind(&value) == ValueType::Undefined {
          None
        } else {
          let c = js::check_options(
            &value,
            OVER_CAPACITY_OPTIONS,
            "options.overCapacity",
            KeyWording::NotA("valid overCapacity"),
          )?;
          Some((
            js::opt_number(&c, "maxInFlight")?,
            js::opt_number(&c, "retryAfter")?,
          ))
        }
      }
      None => None,
    };
    Ok(Self {
      port: number("port")?,
      tls: boolean("tls")?,
      sink: boolean("sink")?,
      http2: boolean("http2")?,
      profile: o.as_ref().map_or(Ok(None), |o| js::opt_string(o, "profile"))?,
      latency_ms: number("latencyMs")?,
      max_concurrent_streams: number("maxConcurrentStreams")?,
      over_capacity,
    })
  }
}

const NEEDS_ONE: crate::Error = crate::Error::InvalidOption {
  message: std::borrow::Cow::Borrowed(
    "option fault needs exactly one of kind, status, stall, reset or delayMs",
  ),
};

/// Where and how often a fault applies: a subscription (`times`, default 1) or a count.
fn fault_scope(fault: &FaultInput) -> crate::Result<(FaultScope, u32)> {
  let max = f64::from(u32::MAX);
  let rule = "an integer from 1 to 4294967295";
  match (&fault.endpoint, fault.count) {
    (_, Some(count)) => {
      if fault.times.is_some() {
        return Err(crate::Error::InvalidArgType {
          field: "fault.times".into(),
          rule: "absent for a count target".into(),
          got: "a number (fault.times is only for a subscription target; the count already says how many)"
            .into(),
        });
      }
      Ok((
        FaultScope::Any,
        integer_in(count, 1.0, max, "count", rule)? as u32,
      ))
    }
    (Some(endpoint), None) => {
      let times = integer_in(fault.times.unwrap_or(1.0), 1.0, max, "fault.times", rule)?;
      Ok((FaultScope::Endpoint(endpoint.clone()), times as u32))
    }
    (None, None) => Err(crate::Error::Internal {
      reason: "a fault without endpoint or count",
    }),
  }
}

fn fault_action(fault: FaultInput) -> crate::Result<FaultAction> {
  let retry_after = fault.retry_after.map(|value| match value {
    Either::A(text) => text,
    Either::B(number) => number.to_string(),
  });
  let stall = fault.stall.filter(|on| *on);
  let reset = fault.reset.filter(|on| *on);
  if let Some(kind) = &fault.kind {
    if fault.status.is_some() || stall.is_some() || reset.is_some() || fault.delay_ms.is_some() {
      return Err(NEEDS_ONE);
    }
    let retry_after = match retry_after {
      Some(value) => value.parse::<u64>().map_err(|_| {
        crate::Error::invalid_option(
          "fault.retryAfter",
          "must be a whole number of seconds with a kind",
        )
      })?,
      None => 1,
    };
    return Ok(FaultAction::Kind {
      kind: kind.parse()?,
      retry_after,
    });
  }
  match (fault.status, stall, reset, fault.delay_ms) {
    (Some(status), None, None, None) => Ok(FaultAction::Status {
      status: integer_in(
        status,
        100.0,
        599.0,
        "fault.status",
        "an HTTP status (an integer from 100 to 599)",
      )? as u16,
      retry_after,
    }),
    (None, Some(true), None, None) => Ok(FaultAction::Stall),
    (None, None, Some(true), None) => Ok(FaultAction::Reset),
    (None, None, None, Some(ms)) if ms.is_finite() && ms >= 0.0 => {
      Ok(FaultAction::Delay(std::time::Duration::from_millis(ms as u64)))
    }
    (None, None, None, Some(ms)) => Err(crate::Error::InvalidArgType {
      field: "fault.delayMs".into(),
      rule: "a non-negative number of milliseconds".into(),
      got: js_number(ms),
    }),
    _ => Err(NEEDS_ONE),
  }
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
  /// TCP connections accepted.
  pub connections: f64,
  /// Most requests in progress at once.
  pub peak_in_flight: f64,
  /// Most requests in progress at once on one connection (HTTP/2 streams).
  pub peak_streams_per_connection: f64,
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

  /// Creates a subscription; `options.applicationServerKey` (a VAPID public key) binds it.
  #[napi(
    ts_args_type = "options?: { applicationServerKey?: string }",
    ts_return_type = "ServiceSubscription"
  )]
  pub fn subscribe(&self, options: Unknown) -> Fallible<ServiceSubscription> {
    self.subscription(&options).into()
  }
}

impl PushServiceHandle {
  fn subscription(&self, options: &Unknown) -> crate::Result<ServiceSubscription> {
    let key = match js::kind(options) {
      ValueType::Undefined => None,
      _ => {
        let o = js::require_object(options, "options")?;
        js::optional_string(
          &js::get(&o, "applicationServerKey")?,
          "options.applicationServerKey",
        )?
      }
    };
    let created = self.inner.subscribe(key.as_deref())?;
    Ok(ServiceSubscription {
      endpoint: created.endpoint,
      expiration_time: Null,
      keys: ServiceSubscriptionKeys {
        p256dh: created.p256dh,
        auth: created.auth,
      },
    })
  }
}

#[napi]
impl PushServiceHandle {
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
        text: m
          .payload
          .as_deref()
          .map(|p| String::from_utf8_lossy(p).into_owned()),
        payload: m.payload.map(Buffer::from),
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

  /// Makes later sends to `endpoint` answer 410 Gone; an endpoint of another service is an error.
  #[napi(ts_return_type = "void")]
  pub fn expire(&self, endpoint: String) -> Fallible<()> {
    if self.inner.expire(&endpoint) {
      return Ok(()).into();
    }
    Err(crate::Error::InvalidEndpoint {
      reason: format!("{endpoint} does not belong to this push service"),
    })
    .into()
  }

  /// Arms `fault` (see testing.d.ts) for the next requests: `target` is an endpoint (its next
  /// `fault.times` requests, default 1) or a count (the next N requests to any endpoint).
  #[napi(
    ts_args_type = "target: number | string, fault?: Record<string, unknown>",
    ts_return_type = "void"
  )]
  pub fn fail_next(&self, target: Either<f64, String>, fault: Unknown) -> Fallible<()> {
    let armed = FaultInput::read(target, &fault).and_then(|fault| {
      let (scope, times) = fault_scope(&fault)?;
      self.inner.fail_next(scope, fault_action(fault)?, times);
      Ok(())
    });
    armed.into()
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
      connections: stats.connections as f64,
      peak_in_flight: stats.peak_in_flight as f64,
      peak_streams_per_connection: stats.peak_streams_per_connection as f64,
    }
  }

  /// Stops the service and closes its connections.
  #[napi]
  pub fn close(&self) {
    self.inner.close();
  }
}

/// Starts a local push service on 127.0.0.1 (`port` 0 or absent: a free port); bad options
/// reject.
#[napi(
  ts_args_type = "options?: Record<string, unknown>",
  ts_return_type = "Promise<PushServiceHandle>"
)]
pub fn start_push_service<'e>(
  env: &'e Env,
  options: Unknown<'e>,
) -> napi::Result<PromiseRaw<'e, Fallible<PushServiceHandle>>> {
  let options = PushServiceOptions::read(&options);
  env.spawn_future(async move {
    Ok(match options {
      Ok(options) => start(options).await.into(),
      Err(err) => Err(err).into(),
    })
  })
}

async fn start(options: PushServiceOptions) -> crate::Result<PushServiceHandle> {
  let profile = match options.profile.as_deref() {
    None => None,
    Some(name) => Some(Service::from_profile(name).ok_or_else(|| {
      crate::Error::invalid_option("profile", "must be \"mozilla\", \"apple\", \"fcm\" or \"wns\"")
    })?),
  };
  let port = integer_in(
    options.port.unwrap_or(0.0),
    0.0,
    65535.0,
    "options.port",
    "an integer 0..65535",
  )?;
  let latency = integer_in(
    options.latency_ms.unwrap_or(0.0),
    0.0,
    60_000.0,
    "options.latencyMs",
    "an integer number of milliseconds from 0 to 60000",
  )?;
  let max_concurrent_streams = match options.max_concurrent_streams {
    Some(n) => Some(integer_in(
      n,
      1.0,
      10_000.0,
      "options.maxConcurrentStreams",
      "an integer from 1 to 10000",
    )? as u32),
    None => None,
  };
  let capacity = match options.over_capacity {
    Some((max_in_flight, retry_after)) => Some(crate::testing::Capacity {
      max_in_flight: integer_in(
        max_in_flight.unwrap_or(f64::NAN),
        1.0,
        1_000_000.0,
        "options.overCapacity.maxInFlight",
        "an integer from 1 to 1000000",
      )? as u64,
      retry_after: integer_in(
        retry_after.unwrap_or(1.0),
        0.0,
        3600.0,
        "options.overCapacity.retryAfter",
        "an integer number of seconds from 0 to 3600",
      )? as u64,
    }),
    None => None,
  };
  let inner = PushService::start(PushServiceConfig {
    port: port as u16,
    tls: options.tls.unwrap_or(false),
    sink: options.sink.unwrap_or(false),
    http2: options.http2.unwrap_or(true),
    profile,
    latency: std::time::Duration::from_millis(latency as u64),
    max_concurrent_streams,
    capacity,
  })
  .await?;
  Ok(PushServiceHandle { inner })
}

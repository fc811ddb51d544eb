//! The `WebPush` client class (`index.js` wraps it): single sends with retries, and batches.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use napi::bindgen_prelude::{Either, Float64Array};
use napi_derive::napi;

use super::{
  ca_pem, integer_in, js_number, optional_payload, vapid_of, CaInput, ErrorCode, Fallible, PayloadInput,
  VapidInput,
};
use crate::batch_row::parse_rows;
use crate::client::{ClientConfig, Concurrency, Outcome, OutcomeKind, WebPushClient};
use crate::error::{Error, Result};
use crate::fanout::{Batch, Progress, Report};
use crate::send::HttpSettings;

/// `retry` details of the `WebPush` options.
#[napi(object, object_to_js = false)]
pub struct RetryInput {
  /// Total attempts, 1..100 (1 = no retries).
  pub attempts: Option<f64>,
  /// Longest wait between attempts (ms).
  pub max_delay_ms: Option<f64>,
}

/// The `WebPush` constructor options, by their public names. `lib/client.js` checks the
/// option keys and JS types; the values are checked here.
#[napi(object, object_to_js = false)]
pub struct ClientOptionsInput {
  /// VAPID details.
  pub vapid: Option<VapidInput>,
  /// Default TTL (seconds).
  pub ttl: Option<f64>,
  /// Default urgency.
  pub urgency: Option<String>,
  /// Default content encoding.
  pub content_encoding: Option<String>,
  /// Timeout per attempt (ms).
  pub timeout_ms: Option<f64>,
  /// `'auto'` (default: adaptive per origin) or a fixed number of targets at once, 1..10000.
  pub concurrency: Option<Either<f64, String>>,
  /// With `'auto'`: targets in progress at most, all origins together, 1..100000.
  pub max_concurrency: Option<f64>,
  /// HTTP/2 connections per push-service origin at most, 1..256.
  pub max_connections_per_origin: Option<f64>,
  /// `false` (one attempt) or retry details.
  pub retry: Option<Either<bool, RetryInput>>,
  /// Proxy URL.
  pub proxy: Option<String>,
  /// Extra CA certificates: PEM text, Buffers, or an array of those.
  pub ca: Option<CaInput>,
  /// `https` (default) or `push-services`.
  pub endpoint_policy: Option<String>,
  /// True when the caller's own policy function (applied by lib/client.js) decides instead.
  pub custom_endpoint_policy: Option<bool>,
}

/// What happened to one message.
#[napi(object)]
#[derive(Clone)]
pub struct OutcomeOutput {
  /// `sent` | `gone` | `rejected` | `failed`.
  /// Absent in a report's lists (the list says it).
  pub kind: Option<String>,
  /// Subscription endpoint.
  pub endpoint: String,
  /// Position in the batch.
  pub index: f64,
  /// Last HTTP status.
  pub status_code: Option<u32>,
  /// Attempts made.
  pub attempts: u32,
  /// Last Retry-After (ms).
  pub retry_after_ms: Option<f64>,
  /// Error code.
  pub code: Option<String>,
  /// Error message.
  pub message: Option<String>,
  /// Last response body.
  pub body: Option<String>,
  /// The push service's own reason for its answer.
  pub reason: Option<String>,
  /// Mozilla autopush's `errno`.
  pub errno: Option<i64>,
  /// Response headers (single sends only).
  pub headers: Option<std::collections::HashMap<String, String>>,
}

impl From<Outcome> for OutcomeOutput {
  fn from(o: Outcome) -> Self {
    let kind = match o.kind {
      OutcomeKind::Sent => "sent",
      OutcomeKind::Gone => "gone",
      OutcomeKind::Rejected => "rejected",
      OutcomeKind::Failed => "failed",
    };
    Self {
      kind: Some(kind.to_owned()),
      endpoint: o.endpoint,
      index: o.index as f64,
      status_code: o.status_code.map(u32::from),
      attempts: o.attempts,
      retry_after_ms: o.retry_after_ms.map(|ms| ms as f64),
      code: o.error.as_ref().map(|e| e.code().to_owned()),
      message: o.error.as_ref().map(ToString::to_string),
      body: o.body.filter(|body| !body.is_empty()),
      reason: o.reason.filter(|reason| !reason.is_empty()),
      errno: o.errno,
      headers: (!o.headers.is_empty()).then(|| o.headers.into_iter().collect()),
    }
  }
}

/// Outcomes of `takeOutcomeBatch`.
#[napi(object, object_from_js = false)]
pub struct OutcomeBatch {
  /// `index, attempts, statusCode` of each sent target, one after another.
  pub sent: Float64Array,
  /// Every other outcome.
  pub others: Vec<OutcomeOutput>,
}

/// Counters of a running batch.
#[napi(object)]
pub struct ProgressOutput {
  /// Targets with an outcome.
  pub done: f64,
  /// Sent.
  pub sent: f64,
  /// Gone.
  pub gone: f64,
  /// Rejected.
  pub rejected: f64,
  /// Failed.
  pub failed: f64,
  /// Targets in progress now (sending, or waiting to retry).
  pub in_flight: f64,
  /// With `concurrency: 'auto'`, each push-service origin's limit and load.
  pub origins: Vec<OriginProgressOutput>,
}

/// One origin's share of a running batch.
#[napi(object)]
pub struct OriginProgressOutput {
  /// `scheme://host[:port]`.
  pub origin: String,
  /// Targets in progress.
  pub in_flight: f64,
  /// Its current adaptive limit.
  pub limit: f64,
  /// Targets waiting for it.
  pub queued: f64,
}

impl From<Progress> for ProgressOutput {
  fn from(p: Progress) -> Self {
    Self {
      done: p.done as f64,
      sent: p.sent as f64,
      gone: p.gone as f64,
      rejected: p.rejected as f64,
      failed: p.failed as f64,
      in_flight: 0.0,
      origins: Vec::new(),
    }
  }
}

/// The result of a batch.
#[napi(object)]
pub struct ReportOutput {
  /// Targets.
  pub total: f64,
  /// Sent.
  pub sent: f64,
  /// 404/410.
  pub gone: Vec<OutcomeOutput>,
  /// Refused or invalid.
  pub rejected: Vec<OutcomeOutput>,
  /// Failed after retries, or aborted.
  pub failed: Vec<OutcomeOutput>,
  /// Wall time (ms).
  pub duration_ms: f64,
}

impl From<Report> for ReportOutput {
  fn from(r: Report) -> Self {
    let convert = |list: Vec<Outcome>| {
      list
        .into_iter()
        .map(|o| OutcomeOutput {
          kind: None,
          ..OutcomeOutput::from(o)
        })
        .collect()
    };
    Self {
      total: r.total as f64,
      sent: r.sent as f64,
      gone: convert(r.gone),
      rejected: convert(r.rejected),
      failed: convert(r.failed),
      duration_ms: r.duration.as_secs_f64() * 1000.0,
    }
  }
}

/// A non-negative duration option in milliseconds (`field` as the caller wrote it).
fn millis(value: Option<f64>, field: &'static str, positive: bool) -> Result<Option<Duration>> {
  let Some(ms) = value else { return Ok(None) };
  if ms.is_nan() || ms.is_infinite() && ms > 0.0 {
    return Err(Error::InvalidOption {
      name: field,
      reason: if ms.is_nan() {
        "is not a number of milliseconds"
      } else {
        "must be a finite number of milliseconds"
      },
    });
  }
  if ms < 0.0 || positive && ms == 0.0 {
    return Err(Error::InvalidArgType {
      field: format!("options.{field}"),
      rule: if positive {
        "a positive number of milliseconds"
      } else {
        "a non-negative number of milliseconds"
      },
      got: js_number(ms),
    });
  }
  Ok(Some(Duration::from_millis(ms.ceil() as u64)))
}

fn config_of(input: ClientOptionsInput) -> Result<ClientConfig> {
  let mut config = ClientConfig::new(vapid_of(input.vapid, "options.vapid")?);
  if let Some(ttl) = input.ttl {
    config.defaults.ttl = crate::request::parse_ttl(ttl)?;
  }
  if let Some(urgency) = &input.urgency {
    config.defaults.urgency = urgency.parse()?;
  }
  if let Some(encoding) = &input.content_encoding {
    config.defaults.encoding = encoding.parse()?;
  }
  if let Some(timeout) = millis(input.timeout_ms, "timeoutMs", true)? {
    config.timeout = timeout;
  }
  let max = match input.max_concurrency {
    Some(max) => {
      let rule = "an integer from 1 to 100000";
      integer_in(max, 1.0, 100_000.0, "options.maxConcurrency", rule)? as usize
    }
    None => crate::client::DEFAULT_MAX_CONCURRENCY,
  };
  config.concurrency = match input.concurrency {
    None => Concurrency::Auto { max },
    Some(Either::B(word)) if word == "auto" => Concurrency::Auto { max },
    Some(Either::B(word)) => {
      return Err(Error::InvalidArgType {
        field: "options.concurrency".into(),
        rule: "'auto' or an integer from 1 to 10000",
        got: format!("string {word:?}"),
      })
    }
    Some(Either::A(n)) => {
      if input.max_concurrency.is_some() {
        return Err(Error::InvalidOption {
          name: "maxConcurrency",
          reason: "bounds concurrency 'auto'; with a fixed concurrency it has no meaning",
        });
      }
      let rule = "'auto' or an integer from 1 to 10000";
      Concurrency::Fixed(integer_in(n, 1.0, 10_000.0, "options.concurrency", rule)? as usize)
    }
  };
  match input.retry {
    None => {}
    Some(Either::A(false)) => config.retry.attempts = 1,
    Some(Either::A(true)) => {
      return Err(Error::InvalidArgType {
        field: "options.retry".into(),
        rule: "false or an object",
        got: "boolean true".into(),
      })
    }
    Some(Either::B(retry)) => {
      if let Some(attempts) = retry.attempts {
        let rule = "an integer from 1 to 100";
        config.retry.attempts = integer_in(attempts, 1.0, 100.0, "options.retry.attempts", rule)? as u32;
      }
      if let Some(max_delay) = millis(retry.max_delay_ms, "retry.maxDelayMs", false)? {
        config.retry.max_delay = max_delay;
      }
    }
  }
  let max_connections = match input.max_connections_per_origin {
    Some(n) => Some(integer_in(
      n,
      1.0,
      256.0,
      "options.maxConnectionsPerOrigin",
      "an integer from 1 to 256",
    )? as usize),
    None => None,
  };
  config.http = HttpSettings {
    proxy: input.proxy,
    ca_pem: ca_pem(input.ca),
    max_connections_per_origin: max_connections,
  };
  if let Some(policy) = &input.endpoint_policy {
    config.endpoint_policy = policy.parse()?;
  }
  if input.custom_endpoint_policy == Some(true) {
    config.endpoint_policy = crate::endpoint_policy::EndpointPolicy::Custom;
  }
  Ok(config)
}

/// Chunk payloads: `""` means "no payload", as everywhere else.
fn chunk_payloads(payloads: Vec<PayloadInput>) -> Vec<Option<Arc<[u8]>>> {
  payloads
    .into_iter()
    .map(|p| optional_payload(Some(p)).map(Arc::from))
    .collect()
}

/// The native half of `WebPush`.
#[napi]
pub struct NativeClient {
  inner: Arc<WebPushClient>,
}

#[napi]
impl NativeClient {
  /// Validates the settings and builds the connection pool.
  #[napi(constructor)]
  pub fn new(input: ClientOptionsInput) -> napi::Result<Self, ErrorCode> {
    Ok(Self {
      inner: Arc::new(WebPushClient::new(config_of(input)?)?),
    })
  }

  /// Sends one message (a JSON row, as in a batch chunk: see src/batch_row.rs) with retries;
  /// resolves with its outcome (never rejects for HTTP errors).
  #[napi(ts_return_type = "Promise<OutcomeOutput>")]
  pub async fn send(
    &self,
    row: String,
    payload: Option<PayloadInput>,
  ) -> napi::Result<Fallible<OutcomeOutput>> {
    Ok(self.send_row(row, payload).await.into())
  }

  /// Starts a batch; `payload` is shared by every target without its own. With
  /// `streamOutcomes`, every outcome is also kept for `takeOutcomes` (for `onOutcome`).
  #[napi]
  pub async fn start_batch(
    &self,
    payload: Option<PayloadInput>,
    stream_outcomes: Option<bool>,
  ) -> NativeBatch {
    NativeBatch {
      inner: Arc::new(Batch::start(self.inner.clone(), stream_outcomes.unwrap_or(false))),
      shared_payload: optional_payload(payload).map(Arc::from),
      refused: Mutex::default(),
    }
  }
}

impl NativeClient {
  async fn send_row(&self, row: String, payload: Option<PayloadInput>) -> Result<OutcomeOutput> {
    let payloads = chunk_payloads(payload.into_iter().collect());
    let (index, target) = parse_rows(&row)?
      .into_iter()
      .next()
      .ok_or(Error::Internal {
        reason: "a send without its target row",
      })?
      .into_target(&None, &payloads);
    let (_never, aborted) = tokio::sync::watch::channel(false);
    Ok(
      self
        .inner
        .deliver(index, target, true, &aborted, &())
        .await
        .into(),
    )
  }
}

/// A running batch.
#[napi]
pub struct NativeBatch {
  inner: Arc<Batch>,
  shared_payload: Option<Arc<[u8]>>,
  refused: Mutex<Refused>,
}

/// Targets `lib/client.js` refused before they had a row (JS types, the endpoint policy
/// function): they never reach the core, but count in the progress and the report here, so
/// every target gets exactly one outcome in one place.
#[derive(Default)]
struct Refused {
  outcomes: Vec<OutcomeOutput>,
  streamed: usize,
}

#[napi]
impl NativeBatch {
  /// Queues a chunk of targets given as JSON rows (see src/batch_row.rs) plus the payloads of
  /// targets with their own; resolves when all are queued (backpressure). JSON keeps the
  /// event loop's share to one `JSON.stringify` per chunk; parsing happens here, off it.
  #[napi(ts_return_type = "Promise<void>")]
  pub async fn push_json(&self, rows: String, payloads: Vec<PayloadInput>) -> napi::Result<Fallible<()>> {
    Ok(self.push_rows(rows, payloads).await.into())
  }

  /// Records a target refused in JS (never sent) as a `rejected` outcome.
  #[napi]
  pub fn refuse(&self, index: f64, endpoint: String, code: String, message: String) {
    self.refused().outcomes.push(OutcomeOutput {
      kind: Some("rejected".to_owned()),
      endpoint,
      index,
      status_code: None,
      attempts: 0,
      retry_after_ms: None,
      code: Some(code),
      message: Some(message),
      body: None,
      reason: None,
      errno: None,
      headers: None,
    });
  }

  /// Current counters.
  #[napi]
  pub fn progress(&self) -> ProgressOutput {
    let refused = self.refused().outcomes.len() as f64;
    let mut progress = ProgressOutput::from(self.inner.progress());
    progress.done += refused;
    progress.rejected += refused;
    progress.in_flight = self.inner.in_flight() as f64;
    progress.origins = self
      .inner
      .origins()
      .into_iter()
      .map(|o| OriginProgressOutput {
        origin: o.origin,
        in_flight: o.in_flight as f64,
        limit: o.limit as f64,
        queued: o.queued as f64,
      })
      .collect();
    progress
  }

  /// The outcomes recorded since the last call (every kind), when the batch streams them.
  #[napi]
  pub fn take_outcomes(&self) -> Vec<OutcomeOutput> {
    let mut list: Vec<OutcomeOutput> = self
      .inner
      .take_outcomes()
      .into_iter()
      .map(OutcomeOutput::from)
      .collect();
    let mut refused = self.refused();
    list.extend(refused.outcomes.iter().skip(refused.streamed).cloned());
    refused.streamed = refused.outcomes.len();
    list
  }

  /// The same outcomes as `takeOutcomes`, split for speed (a campaign worker takes tens of
  /// thousands a second): `sent` holds one `index, attempts, statusCode` triple per sent
  /// target; every other outcome is an object in `others`.
  #[napi]
  pub fn take_outcome_batch(&self) -> OutcomeBatch {
    let mut sent = Vec::new();
    let mut others = Vec::new();
    for outcome in self.inner.take_outcomes() {
      if outcome.kind == OutcomeKind::Sent {
        sent.push(outcome.index as f64);
        sent.push(f64::from(outcome.attempts));
        sent.push(outcome.status_code.map_or(0.0, f64::from));
      } else {
        others.push(OutcomeOutput::from(outcome));
      }
    }
    let mut refused = self.refused();
    others.extend(refused.outcomes.iter().skip(refused.streamed).cloned());
    refused.streamed = refused.outcomes.len();
    OutcomeBatch {
      sent: Float64Array::new(sent),
      others,
    }
  }

  /// Stops starting new sends.
  #[napi]
  pub fn abort(&self) {
    self.inner.abort();
  }

  /// Waits for every outcome and returns the report (refused targets among `rejected`, by index).
  #[napi]
  pub async fn finish(&self) -> ReportOutput {
    let mut report = ReportOutput::from(self.inner.finish().await);
    let refused = self.refused().outcomes.clone();
    report.total += refused.len() as f64;
    report
      .rejected
      .extend(refused.into_iter().map(|o| OutcomeOutput { kind: None, ..o }));
    report.rejected.sort_by(|a, b| a.index.total_cmp(&b.index));
    report
  }
}

impl NativeBatch {
  fn refused(&self) -> std::sync::MutexGuard<'_, Refused> {
    // A panic while holding this lock cannot leave the list half-written: take it anyway.
    self
      .refused
      .lock()
      .unwrap_or_else(std::sync::PoisonError::into_inner)
  }

  async fn push_rows(&self, rows: String, payloads: Vec<PayloadInput>) -> Result<()> {
    let rows = parse_rows(&rows)?;
    let payloads = chunk_payloads(payloads);
    let targets = rows
      .into_iter()
      .map(|row| row.into_target(&self.shared_payload, &payloads))
      .collect();
    self.inner.push(targets).await;
    Ok(())
  }
}

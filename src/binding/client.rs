//! The `WebPush` client class (`index.js` wraps it): single sends with retries, and batches.

use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

use super::{ErrorCode, Fallible};
use crate::client::{ClientConfig, MessageOptions, Outcome, OutcomeKind, Target, WebPushClient};
use crate::error::{Error, Result};
use crate::fanout::{Batch, Progress, Report};
use crate::request::VapidDetails;
use crate::retry::RetryPolicy;
use crate::send::ClientOptions;

/// Client settings, normalized by `index.js`.
#[napi(object, object_to_js = false)]
pub struct ClientInput {
  /// VAPID subject.
  pub vapid_subject: Option<String>,
  /// VAPID public key.
  pub vapid_public_key: Option<String>,
  /// VAPID private key.
  pub vapid_private_key: Option<String>,
  /// Default TTL (seconds).
  pub ttl: Option<f64>,
  /// Default urgency.
  pub urgency: Option<String>,
  /// Default content encoding.
  pub content_encoding: Option<String>,
  /// Timeout per attempt (ms).
  pub timeout_ms: Option<f64>,
  /// Requests in flight.
  pub concurrency: Option<u32>,
  /// Total attempts (1 = no retries).
  pub retry_attempts: Option<u32>,
  /// Longest wait between attempts (ms).
  pub retry_max_delay_ms: Option<f64>,
  /// Proxy URL.
  pub proxy: Option<String>,
  /// Extra CA certificates (PEM).
  pub ca: Option<String>,
  /// `https` (default) or `push-services`.
  pub endpoint_policy: Option<String>,
  /// True when the caller's own policy function (applied by lib/client.js) decides instead.
  pub custom_endpoint_policy: Option<bool>,
}

/// What happened to one message.
#[napi(object)]
pub struct OutcomeOutput {
  /// `sent` | `gone` | `rejected` | `failed`.
  pub kind: String,
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
      kind: kind.to_owned(),
      endpoint: o.endpoint,
      index: o.index as f64,
      status_code: o.status_code.map(u32::from),
      attempts: o.attempts,
      retry_after_ms: o.retry_after_ms.map(|ms| ms as f64),
      code: o.error.as_ref().map(|e| e.code().to_owned()),
      message: o.error.as_ref().map(ToString::to_string),
      body: o.body,
      reason: o.reason,
      errno: o.errno,
      headers: (!o.headers.is_empty()).then(|| o.headers.into_iter().collect()),
    }
  }
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
}

impl From<Progress> for ProgressOutput {
  fn from(p: Progress) -> Self {
    Self {
      done: p.done as f64,
      sent: p.sent as f64,
      gone: p.gone as f64,
      rejected: p.rejected as f64,
      failed: p.failed as f64,
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
    let convert = |list: Vec<Outcome>| list.into_iter().map(OutcomeOutput::from).collect();
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

fn millis(value: Option<f64>, field: &'static str) -> Result<Option<Duration>> {
  match value {
    None => Ok(None),
    Some(ms) if ms.is_finite() && ms >= 0.0 => Ok(Some(Duration::from_millis(ms.ceil() as u64))),
    Some(ms) => Err(Error::InvalidOption {
      name: field,
      reason: if ms.is_nan() {
        "is not a number of milliseconds"
      } else {
        "must be a finite, non-negative number of milliseconds"
      },
    }),
  }
}

fn config_of(input: ClientInput) -> Result<ClientConfig> {
  let vapid = VapidDetails::from_parts(
    input.vapid_subject.as_deref(),
    input.vapid_public_key.as_deref(),
    input.vapid_private_key.as_deref(),
  )?;
  let mut config = ClientConfig::new(vapid);
  if let Some(ttl) = input.ttl {
    config.defaults.ttl = crate::request::parse_ttl(ttl)?;
  }
  if let Some(urgency) = &input.urgency {
    config.defaults.urgency = urgency.parse()?;
  }
  if let Some(encoding) = &input.content_encoding {
    config.defaults.encoding = encoding.parse()?;
  }
  if let Some(timeout) = millis(input.timeout_ms, "timeoutMs")? {
    config.timeout = timeout;
  }
  if let Some(concurrency) = input.concurrency {
    config.concurrency = concurrency.max(1) as usize;
  }
  config.retry = RetryPolicy {
    attempts: input.retry_attempts.unwrap_or(config.retry.attempts).max(1),
    max_delay: millis(input.retry_max_delay_ms, "retry.maxDelayMs")?.unwrap_or(config.retry.max_delay),
  };
  config.http = ClientOptions {
    proxy: input.proxy,
    ca_pem: input.ca,
  };
  if let Some(policy) = &input.endpoint_policy {
    config.endpoint_policy = policy.parse()?;
  }
  if input.custom_endpoint_policy == Some(true) {
    config.endpoint_policy = crate::endpoint_policy::EndpointPolicy::Custom;
  }
  Ok(config)
}

/// Per-target overrides inside a JSON row.
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CompactOptions {
  ttl: Option<f64>,
  urgency: Option<String>,
  topic: Option<String>,
  content_encoding: Option<String>,
  headers: Option<Vec<(String, String)>>,
}

/// One target as a JSON row: `[index, endpoint, p256dh, auth, payloadSlot, options]`.
/// `payloadSlot`: -1 = the batch payload, -2 = no payload, n ≥ 0 = the n-th Buffer of the chunk.
#[derive(serde::Deserialize)]
struct CompactTarget(
  u64,
  String,
  Option<String>,
  Option<String>,
  i64,
  Option<CompactOptions>,
);

impl CompactTarget {
  fn into_target(self, shared: &Option<Arc<[u8]>>, payloads: &[Arc<[u8]>]) -> (u64, Target) {
    let CompactTarget(index, endpoint, p256dh, auth, slot, options) = self;
    let payload = match slot {
      -1 => shared.clone(),
      n => usize::try_from(n).ok().and_then(|n| payloads.get(n)).cloned(),
    };
    let o = options.unwrap_or_default();
    let options = MessageOptions {
      ttl: o.ttl,
      urgency: o.urgency,
      topic: o.topic,
      content_encoding: o.content_encoding,
      headers: o.headers.unwrap_or_default(),
    };
    (
      index,
      Target {
        endpoint,
        p256dh,
        auth,
        payload,
        options,
      },
    )
  }
}

/// Parses a JSON array of rows; a malformed chunk is a bug in `lib/client.js`, not user input.
fn parse_rows(json: &str) -> Result<Vec<CompactTarget>> {
  serde_json::from_str(json).map_err(|_| Error::Internal {
    reason: "a batch chunk is not valid JSON target rows",
  })
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
  pub fn new(input: ClientInput) -> napi::Result<Self, ErrorCode> {
    Ok(Self {
      inner: Arc::new(WebPushClient::new(config_of(input)?)?),
    })
  }

  /// Sends one message (a JSON row, as in a batch chunk) with retries; resolves with its
  /// outcome (never rejects for HTTP errors).
  #[napi(ts_return_type = "Promise<OutcomeOutput>")]
  pub async fn send(&self, row: String, payload: Option<Buffer>) -> napi::Result<Fallible<OutcomeOutput>> {
    Ok(self.send_row(row, payload).await.into())
  }

  /// Starts a batch; `payload` is shared by every target without its own. With
  /// `streamOutcomes`, every outcome is also kept for `takeOutcomes` (for `onOutcome`).
  #[napi]
  pub async fn start_batch(&self, payload: Option<Buffer>, stream_outcomes: Option<bool>) -> NativeBatch {
    NativeBatch {
      inner: Arc::new(Batch::start(self.inner.clone(), stream_outcomes.unwrap_or(false))),
      shared_payload: payload.map(|b| Arc::from(b.as_ref())),
    }
  }
}

impl NativeClient {
  async fn send_row(&self, row: String, payload: Option<Buffer>) -> Result<OutcomeOutput> {
    let payloads: Vec<Arc<[u8]>> = payload.iter().map(|b| Arc::from(b.as_ref())).collect();
    let (index, target) = parse_rows(&row)?
      .into_iter()
      .next()
      .ok_or(Error::Internal {
        reason: "a send without its target row",
      })?
      .into_target(&None, &payloads);
    let (_never, aborted) = tokio::sync::watch::channel(false);
    Ok(self.inner.deliver(index, target, true, &aborted).await.into())
  }
}

/// A running batch.
#[napi]
pub struct NativeBatch {
  inner: Arc<Batch>,
  shared_payload: Option<Arc<[u8]>>,
}

#[napi]
impl NativeBatch {
  /// Queues a chunk of targets given as JSON rows (see `CompactTarget`) plus the Buffers of
  /// targets with their own payload; resolves when all are queued (backpressure). JSON keeps
  /// the event loop's share to one `JSON.stringify` per chunk; parsing happens here, off it.
  #[napi(ts_return_type = "Promise<void>")]
  pub async fn push_json(&self, rows: String, payloads: Vec<Buffer>) -> napi::Result<Fallible<()>> {
    Ok(self.push_rows(rows, payloads).await.into())
  }

  /// Current counters.
  #[napi]
  pub fn progress(&self) -> ProgressOutput {
    self.inner.progress().into()
  }

  /// The outcomes recorded since the last call (every kind), when the batch streams them.
  #[napi]
  pub fn take_outcomes(&self) -> Vec<OutcomeOutput> {
    self
      .inner
      .take_outcomes()
      .into_iter()
      .map(OutcomeOutput::from)
      .collect()
  }

  /// Stops starting new sends.
  #[napi]
  pub fn abort(&self) {
    self.inner.abort();
  }

  /// Waits for every outcome and returns the report.
  #[napi]
  pub async fn finish(&self) -> ReportOutput {
    self.inner.finish().await.into()
  }
}

impl NativeBatch {
  async fn push_rows(&self, rows: String, payloads: Vec<Buffer>) -> Result<()> {
    let rows = parse_rows(&rows)?;
    let payloads: Vec<Arc<[u8]>> = payloads.iter().map(|b| Arc::from(b.as_ref())).collect();
    let targets = rows
      .into_iter()
      .map(|row| row.into_target(&self.shared_payload, &payloads))
      .collect();
    self.inner.push(targets).await;
    Ok(())
  }
}

//! The `WebPush` client class (lib/client.js wraps it): single sends with retries, batches,
//! and the reading of its options and of `sendMany` items from their JS values.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use napi::bindgen_prelude::{
  within_runtime_if_available, Array, AsyncTask, Buffer, Either, Float64Array, Function, JsObjectValue,
  Object, PromiseRaw, Unknown,
};
use napi::{Env, ValueType};
use napi_derive::napi;

use super::encrypt::EncryptTask;
use super::js_value::{self as js, KeyWording, Ty};
use super::send::{require_subscription, subscription_parts};
use super::{integer_in, js_number, throwing, Fallible, VapidInput};
use crate::batch_row::{parse_rows, RowOptions, PAYLOAD_NONE, PAYLOAD_SHARED};
use crate::client::{ClientConfig, Concurrency, MessageOptions, Outcome, OutcomeKind, Target, WebPushClient};
use crate::ece::ContentEncoding;
use crate::error::{Error, Result};
use crate::fanout::{Batch, Progress, Report};
use crate::send::HttpSettings;

/// The `WebPush` options and the JS types each may have.
const CLIENT_OPTIONS: js::Spec = &[
  ("vapid", &[Ty::Obj, Ty::Null]),
  ("ttl", &[Ty::Num]),
  ("urgency", &[Ty::Str]),
  ("contentEncoding", &[Ty::Str]),
  ("timeoutMs", &[Ty::Num]),
  ("concurrency", &[Ty::Num, Ty::Str]),
  ("maxConcurrency", &[Ty::Num]),
  ("maxConnectionsPerOrigin", &[Ty::Num]),
  ("retry", &[Ty::False, Ty::Obj]),
  ("proxy", &[Ty::Str]),
  ("ca", &[Ty::Pem]),
  ("endpointPolicy", &[Ty::Str, Ty::Func]),
];
/// `sendMany` options (`signal` is checked by the caller's `isAbortSignal`).
const SEND_MANY_OPTIONS: js::Spec = &[
  ("onProgress", &[Ty::Func]),
  ("onOutcome", &[Ty::Func]),
  ("signal", &[Ty::Any]),
];
const RETRY_OPTIONS: js::Spec = &[("attempts", &[Ty::Num]), ("maxDelayMs", &[Ty::Num])];
/// A message's own options (`send`, `sendMany` items); values are checked in the core.
const MESSAGE_OPTIONS: js::Spec = &[
  ("ttl", &[Ty::Any]),
  ("urgency", &[Ty::Any]),
  ("topic", &[Ty::Any]),
  ("contentEncoding", &[Ty::Any]),
  ("headers", &[Ty::Obj]),
];

/// `retry` details of the `WebPush` options.
struct RetryInput {
  attempts: Option<f64>,
  max_delay_ms: Option<f64>,
}

/// The `WebPush` constructor options, type-checked; the values are checked in [`config_of`].
struct ClientOptionsInput {
  vapid: Option<VapidInput>,
  ttl: Option<f64>,
  urgency: Option<String>,
  content_encoding: Option<String>,
  timeout_ms: Option<f64>,
  concurrency: Option<Either<f64, String>>,
  max_concurrency: Option<f64>,
  max_connections_per_origin: Option<f64>,
  /// `None`: the default; `Some(None)`: `false` (one attempt).
  retry: Option<Option<RetryInput>>,
  proxy: Option<String>,
  ca: Option<String>,
  /// `https` (default) or `push-services`.
  endpoint_policy: Option<String>,
  /// The caller's own policy function (applied by lib/client.js) decides instead.
  custom_endpoint_policy: bool,
}

impl ClientOptionsInput {
  /// `new WebPush(options)`: `undefined` is `{}`.
  fn read(options: &Unknown) -> Result<Self> {
    let empty = js::kind(options) == ValueType::Undefined;
    let o = (!empty)
      .then(|| {
        js::check_options(
          options,
          CLIENT_OPTIONS,
          "options",
          KeyWording::NotA("valid WebPush"),
        )
      })
      .transpose()?;
    let Some(o) = o else {
      return Ok(Self::default_options());
    };
    let retry = js::get(&o, "retry")?;
    let retry = match js::kind(&retry) {
      ValueType::Undefined => None,
      ValueType::Boolean => Some(None),
      _ => {
        let r = js::check_options(
          &retry,
          RETRY_OPTIONS,
          "options.retry",
          KeyWording::NotA("valid retry"),
        )?;
        Some(Some(RetryInput {
          attempts: js::opt_number(&r, "attempts")?,
          max_delay_ms: js::opt_number(&r, "maxDelayMs")?,
        }))
      }
    };
    let concurrency = js::get(&o, "concurrency")?;
    let policy = js::get(&o, "endpointPolicy")?;
    Ok(Self {
      vapid: VapidInput::read(&js::get(&o, "vapid")?, "options.vapid")?,
      ttl: js::opt_number(&o, "ttl")?,
      urgency: js::opt_string(&o, "urgency")?,
      content_encoding: js::opt_string(&o, "contentEncoding")?,
      timeout_ms: js::opt_number(&o, "timeoutMs")?,
      concurrency: match (js::number(&concurrency), js::string(&concurrency)) {
        (Some(n), _) => Some(Either::A(n)),
        (_, Some(word)) => Some(Either::B(word)),
        _ => None,
      },
      max_concurrency: js::opt_number(&o, "maxConcurrency")?,
      max_connections_per_origin: js::opt_number(&o, "maxConnectionsPerOrigin")?,
      retry,
      proxy: js::opt_string(&o, "proxy")?,
      ca: js::ca_pem(&js::get(&o, "ca")?)?,
      endpoint_policy: js::string(&policy),
      custom_endpoint_policy: js::kind(&policy) == ValueType::Function,
    })
  }

  fn default_options() -> Self {
    Self {
      vapid: None,
      ttl: None,
      urgency: None,
      content_encoding: None,
      timeout_ms: None,
      concurrency: None,
      max_concurrency: None,
      max_connections_per_origin: None,
      retry: None,
      proxy: None,
      ca: None,
      endpoint_policy: None,
      custom_endpoint_policy: false,
    }
  }
}

/// A message's own options (`undefined`/`null`: none): the keys and JS types checked here;
/// `urgency`, `topic` and `contentEncoding` are read with `String(value)`, a `ttl` must be a
/// finite number. The values are checked in the core.
fn message_options(value: &Unknown) -> Result<MessageOptions> {
  let mut out = MessageOptions::default();
  if js::nullish(value) {
    return Ok(out);
  }
  let o = js::check_options(
    value,
    MESSAGE_OPTIONS,
    "options",
    KeyWording::NotA("valid message"),
  )?;
  let ttl = js::get(&o, "ttl")?;
  if js::kind(&ttl) != ValueType::Undefined {
    match js::number(&ttl).filter(|t| t.is_finite()) {
      Some(t) => out.ttl = Some(t),
      None => {
        return Err(Error::InvalidTtl {
          reason: format!(
            "must be a non-negative integer number of seconds, got {}",
            js::describe(&ttl)
          ),
        })
      }
    }
  }
  let text = |name: &str| -> Result<Option<String>> {
    let member = js::get(&o, name)?;
    (js::kind(&member) != ValueType::Undefined)
      .then(|| js::js_string(&member))
      .transpose()
  };
  out.urgency = text("urgency")?;
  out.topic = text("topic")?;
  out.content_encoding = text("contentEncoding")?;
  let headers = js::get(&o, "headers")?;
  if js::kind(&headers) != ValueType::Undefined {
    out.headers = js::header_pairs(&headers, "options.headers")?;
  }
  Ok(out)
}

/// A payload slot of an item: the batch payload, none, or its own bytes.
enum OwnPayload<'e> {
  Shared,
  None,
  /// Its own bytes (`None` for `""`) and the value as JS gave it.
  Own(Option<Arc<[u8]>>, Unknown<'e>),
}

/// One `sendMany` item: a subscription, or `{ subscription, payload?, options? }`.
struct Item<'e> {
  endpoint: String,
  p256dh: Option<String>,
  auth: Option<String>,
  payload: OwnPayload<'e>,
  options: MessageOptions,
}

/// The subscription of an item (the item itself unless it wraps one).
fn wrapped<'e>(item: &Unknown<'e>) -> Result<Option<Object<'e>>> {
  if js::kind(item) != ValueType::Object {
    return Ok(None);
  }
  let o = js::object_unchecked(item);
  Ok(
    o.has_c_named_property(c"subscription")
      .unwrap_or(false)
      .then_some(o),
  )
}

/// The endpoint of an item, for the outcome of an item refused before it was read.
fn endpoint_of(item: &Unknown) -> String {
  let subscription = match wrapped(item) {
    Ok(Some(o)) => js::get(&o, "subscription").ok(),
    _ => Some(*item),
  };
  subscription
    .and_then(|s| js::object(&s))
    .and_then(|s| js::get(&s, "endpoint").ok())
    .and_then(|e| js::string(&e))
    .unwrap_or_default()
}

impl<'e> Item<'e> {
  /// Reads an item; throws on input refused by its JS types or unknown options.
  fn read(item: &Unknown<'e>) -> Result<Self> {
    let Some(o) = wrapped(item)? else {
      let (endpoint, p256dh, auth) = subscription_parts(item)?;
      return Ok(Self {
        endpoint,
        p256dh,
        auth,
        payload: OwnPayload::Shared,
        options: MessageOptions::default(),
      });
    };
    let (endpoint, p256dh, auth) = subscription_parts(&js::get(&o, "subscription")?)?;
    let options = message_options(&js::get(&o, "options")?)?;
    let payload = js::get(&o, "payload")?;
    let payload = match js::kind(&payload) {
      ValueType::Undefined => OwnPayload::Shared,
      ValueType::Null => OwnPayload::None,
      _ => OwnPayload::Own(js::optional_payload(&payload)?, payload),
    };
    Ok(Self {
      endpoint,
      p256dh,
      auth,
      payload,
      options,
    })
  }

  fn into_target(self, shared: &Option<Arc<[u8]>>) -> Target {
    let payload = match self.payload {
      OwnPayload::Shared => shared.clone(),
      OwnPayload::None => None,
      OwnPayload::Own(bytes, _) => bytes,
    };
    Target {
      endpoint: self.endpoint,
      p256dh: self.p256dh,
      auth: self.auth,
      payload,
      options: self.options,
    }
  }

  /// The batch row of this item (src/batch_row.rs) and its own payload (as JS gave it; a
  /// Uint8Array becomes a Buffer).
  fn into_row(self, env: &'e Env, index: f64) -> napi::Result<Array<'e>> {
    let (slot, own) = match self.payload {
      OwnPayload::Shared => (PAYLOAD_SHARED, None),
      OwnPayload::None => (PAYLOAD_NONE, None),
      OwnPayload::Own(bytes, original) => (0, Some((bytes, original))),
    };
    let o = self.options;
    let options = RowOptions {
      ttl: o.ttl,
      urgency: o.urgency,
      topic: o.topic,
      content_encoding: o.content_encoding,
      headers: (!o.headers.is_empty()).then_some(o.headers),
    };
    let options = (options != RowOptions::default()).then(|| row_options_json(&options));
    let row = serde_json::json!([index, self.endpoint, self.p256dh, self.auth, slot, options]);
    let mut pair = env.create_array(2)?;
    pair.set(0, row)?;
    match own {
      Some((_, original)) if js::string(&original).is_some() => pair.set(1, original)?,
      Some((bytes, _)) => pair.set(1, Buffer::from(bytes.map(|b| b.to_vec()).unwrap_or_default()))?,
      None => pair.set(1, ())?,
    }
    Ok(pair)
  }
}

/// Row options as JSON, only the keys that are set (the schema of src/batch_row.rs).
fn row_options_json(o: &RowOptions) -> serde_json::Value {
  let mut map = serde_json::Map::new();
  if let Some(ttl) = o.ttl {
    map.insert("ttl".into(), ttl.into());
  }
  for (key, value) in [
    ("urgency", &o.urgency),
    ("topic", &o.topic),
    ("contentEncoding", &o.content_encoding),
  ] {
    if let Some(value) = value {
      map.insert(key.into(), value.clone().into());
    }
  }
  if let Some(headers) = &o.headers {
    map.insert("headers".into(), serde_json::json!(headers));
  }
  serde_json::Value::Object(map)
}

/// `[row, ownPayload]` for one `sendMany` item `item` at `index`: the row as src/batch_row.rs
/// describes it, with slot 0 for an own payload (the caller numbers the chunk's payloads).
/// Throws (a TypeError or `ERR_INVALID_OPTION`) for an item refused by its JS types.
#[napi(
  js_name = "batchRow",
  ts_return_type = "[unknown[], string | Buffer | undefined]"
)]
pub fn batch_row<'e>(env: &'e Env, index: f64, item: Unknown<'e>) -> napi::Result<Array<'e>> {
  let read = throwing(env, Item::read(&item))?;
  read.into_row(env, index)
}

/// [`batch_row`] for `WebPush#send(subscription, payload, options)` (index 0): the subscription
/// must be an object; an absent payload is none.
#[napi(
  js_name = "messageRow",
  ts_return_type = "[unknown[], string | Buffer | undefined]"
)]
pub fn message_row<'e>(
  env: &'e Env,
  subscription: Unknown<'e>,
  payload: Unknown<'e>,
  options: Unknown<'e>,
) -> napi::Result<Array<'e>> {
  throwing(env, require_subscription(&subscription))?;
  let (endpoint, p256dh, auth) = throwing(env, subscription_parts(&subscription))?;
  let options = throwing(env, message_options(&options))?;
  let payload = if js::nullish(&payload) {
    OwnPayload::None
  } else {
    OwnPayload::Own(throwing(env, js::optional_payload(&payload))?, payload)
  };
  let item = Item {
    endpoint,
    p256dh,
    auth,
    payload,
    options,
  };
  item.into_row(env, 0.0)
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
    let reason = if ms.is_nan() {
      "is not a number of milliseconds"
    } else {
      "must be a finite number of milliseconds"
    };
    return Err(Error::invalid_option(field, reason));
  }
  if ms < 0.0 || positive && ms == 0.0 {
    return Err(Error::InvalidArgType {
      field: format!("options.{field}"),
      rule: if positive {
        "a positive number of milliseconds".into()
      } else {
        "a non-negative number of milliseconds".into()
      },
      got: js_number(ms),
    });
  }
  Ok(Some(Duration::from_millis(ms.ceil() as u64)))
}

fn config_of(input: ClientOptionsInput) -> Result<ClientConfig> {
  let mut config = ClientConfig::new(input.vapid.as_ref().map(VapidInput::details).transpose()?);
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
        rule: "'auto' or an integer from 1 to 10000".into(),
        got: format!("string {word:?}"),
      })
    }
    Some(Either::A(n)) => {
      if input.max_concurrency.is_some() {
        return Err(Error::invalid_option(
          "maxConcurrency",
          "bounds concurrency 'auto'; with a fixed concurrency it has no meaning",
        ));
      }
      let rule = "'auto' or an integer from 1 to 10000";
      Concurrency::Fixed(integer_in(n, 1.0, 10_000.0, "options.concurrency", rule)? as usize)
    }
  };
  match input.retry {
    None => {}
    Some(None) => config.retry.attempts = 1,
    Some(Some(retry)) => {
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
    ca_pem: input.ca,
    max_connections_per_origin: max_connections,
  };
  if let Some(policy) = &input.endpoint_policy {
    config.endpoint_policy = policy.parse()?;
  }
  if input.custom_endpoint_policy {
    config.endpoint_policy = crate::endpoint_policy::EndpointPolicy::Custom;
  }
  Ok(config)
}

/// Chunk payloads (strings or Buffers): `""` means "no payload", as everywhere else.
fn chunk_payloads(payloads: &[Unknown]) -> Result<Vec<Option<Arc<[u8]>>>> {
  payloads.iter().map(js::optional_payload).collect()
}

/// The native half of `WebPush`.
#[napi]
pub struct NativeClient {
  inner: Arc<WebPushClient>,
  encoding: ContentEncoding,
}

#[napi]
impl NativeClient {
  /// Checks the `WebPush` options (keys, JS types, values) and builds the connection pool.
  #[napi(constructor)]
  pub fn new(env: Env, options: Unknown) -> napi::Result<Self> {
    let built = ClientOptionsInput::read(&options)
      .and_then(config_of)
      .and_then(|config| {
        let encoding = config.defaults.encoding;
        Ok((WebPushClient::new(config)?, encoding))
      });
    let (client, encoding) = throwing(&env, built)?;
    Ok(Self {
      inner: Arc::new(client),
      encoding,
    })
  }

  /// Encrypts `payload` for `subscription` (which needs `keys.p256dh` and `keys.auth`) with the
  /// client's content encoding, off the event loop.
  #[napi(ts_return_type = "Promise<EncryptResult>")]
  pub fn encrypt(&self, subscription: Unknown, payload: Unknown) -> AsyncTask<EncryptTask> {
    let keys = js::object(&subscription)
      .filter(|_| js::kind(&subscription) == ValueType::Object)
      .and_then(|s| js::get(&s, "keys").ok())
      .filter(|k| js::kind(k) == ValueType::Object);
    let read = match keys {
      None => Err(js::type_error(
        "subscription",
        "an object with keys.p256dh and keys.auth",
        &subscription,
      )),
      Some(_) => subscription_parts(&subscription).and_then(|(_, p256dh, auth)| {
        let missing = |field: &str| Error::InvalidArgType {
          field: field.into(),
          rule: "a non-empty string".into(),
          got: "a string (0 characters)".into(),
        };
        let p256dh = p256dh.ok_or_else(|| missing("subscription.keys.p256dh"))?;
        let auth = auth.ok_or_else(|| missing("subscription.keys.auth"))?;
        Ok((p256dh, auth, js::require_payload(&payload, "payload")?))
      }),
    };
    AsyncTask::new(EncryptTask::from_read(
      read,
      Some(self.encoding.as_str().to_owned()),
    ))
  }

  /// Sends one message (a JSON row, as in a batch chunk: see src/batch_row.rs) with retries;
  /// resolves with its outcome (never rejects for HTTP errors).
  #[napi(ts_return_type = "Promise<OutcomeOutput>")]
  pub fn send<'e>(
    &self,
    env: &'e Env,
    row: String,
    payload: Unknown,
  ) -> napi::Result<PromiseRaw<'e, Fallible<OutcomeOutput>>> {
    let payloads = chunk_payloads(&[payload]);
    let client = self.inner.clone();
    env.spawn_future(async move { Ok(Self::send_row(client, row, payloads).await.into()) })
  }

  /// `sendMany(targets, payload, options)`'s batch: checks `options` (keys, JS types; `signal`
  /// with `isAbortSignal`), then starts the batch, streaming outcomes when there is an `onOutcome`.
  #[napi(ts_args_type = "payload: unknown, options: unknown, isAbortSignal: (signal: unknown) => boolean")]
  pub fn start_send_many(
    &self,
    env: Env,
    payload: Unknown,
    options: Unknown,
    is_abort_signal: Function<Unknown, bool>,
  ) -> napi::Result<NativeBatch> {
    let o = throwing(
      &env,
      js::check_options(
        &options,
        SEND_MANY_OPTIONS,
        "options",
        KeyWording::NotA("valid sendMany"),
      ),
    )?;
    let signal = throwing(&env, js::get(&o, "signal"))?;
    if js::kind(&signal) != ValueType::Undefined && !is_abort_signal.call(signal)? {
      return throwing(
        &env,
        Err(js::type_error("options.signal", "an AbortSignal", &signal)),
      );
    }
    let stream = js::kind(&throwing(&env, js::get(&o, "onOutcome"))?) != ValueType::Undefined;
    self.start_batch(env, payload, Some(stream))
  }

  /// Starts a batch; `payload` (a string, Buffer or Uint8Array; `undefined`, `null` and `""`:
  /// none) is shared by every target without its own. With `streamOutcomes`, every outcome is
  /// also kept for `takeOutcomes` (for `onOutcome`).
  #[napi]
  pub fn start_batch(
    &self,
    env: Env,
    payload: Unknown,
    stream_outcomes: Option<bool>,
  ) -> napi::Result<NativeBatch> {
    let shared_payload = throwing(&env, js::optional_payload(&payload))?;
    let client = self.inner.clone();
    let batch = within_runtime_if_available(|| Batch::start(client, stream_outcomes.unwrap_or(false)));
    Ok(NativeBatch {
      inner: Arc::new(batch),
      shared_payload,
      refused: Mutex::default(),
    })
  }
}

impl NativeClient {
  async fn send_row(
    client: Arc<WebPushClient>,
    row: String,
    payloads: Result<Vec<Option<Arc<[u8]>>>>,
  ) -> Result<OutcomeOutput> {
    let payloads = payloads?;
    let (index, target) = parse_rows(&row)?
      .into_iter()
      .next()
      .ok_or(Error::Internal {
        reason: "a send without its target row",
      })?
      .into_target(&None, &payloads);
    let (_never, aborted) = tokio::sync::watch::channel(false);
    Ok(client.deliver(index, target, true, &aborted, &()).await.into())
  }
}

/// A running batch.
#[napi]
pub struct NativeBatch {
  inner: Arc<Batch>,
  shared_payload: Option<Arc<[u8]>>,
  refused: Mutex<Refused>,
}

/// Targets refused before they were queued (JS types, the endpoint policy function): they
/// never reach the core, but count in the progress and the report here, so every target gets
/// exactly one outcome in one place.
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
  pub fn push_json<'e>(
    &self,
    env: &'e Env,
    rows: String,
    payloads: Vec<Unknown>,
  ) -> napi::Result<PromiseRaw<'e, Fallible<()>>> {
    let payloads = chunk_payloads(&payloads);
    let (batch, shared) = (self.inner.clone(), self.shared_payload.clone());
    env.spawn_future(async move { Ok(Self::push_rows(batch, shared, rows, payloads).await.into()) })
  }

  /// Queues a chunk of `sendMany` items as JS gave them (subscriptions or `{ subscription,
  /// payload?, options? }`); the item at `i` has index `first + i`. An item refused by its JS
  /// types, or by `policy` (the caller's endpoint policy: returns the refusal message, or
  /// `null`), gets its `rejected` outcome here and is never sent. Resolves when all are queued.
  #[napi(ts_return_type = "Promise<void>")]
  pub fn push_items<'e>(
    &self,
    env: &'e Env,
    items: Vec<Unknown>,
    first: f64,
    policy: Option<Function<String, Option<String>>>,
  ) -> napi::Result<PromiseRaw<'e, ()>> {
    let mut targets = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
      let index = first + i as f64;
      let refused = match Item::read(item) {
        Err(err) => Some((endpoint_of(item), err.code().to_owned(), err.to_string())),
        Ok(read) => match policy
          .as_ref()
          .map(|p| p.call(read.endpoint.clone()))
          .transpose()?
          .flatten()
        {
          Some(message) => Some((read.endpoint, "ERR_ENDPOINT_NOT_ALLOWED".to_owned(), message)),
          None => {
            targets.push((index as u64, read.into_target(&self.shared_payload)));
            None
          }
        },
      };
      if let Some((endpoint, code, message)) = refused {
        self.refuse(index, endpoint, code, message);
      }
    }
    let batch = self.inner.clone();
    env.spawn_future(async move {
      batch.push(targets).await;
      Ok(())
    })
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

  async fn push_rows(
    batch: Arc<Batch>,
    shared: Option<Arc<[u8]>>,
    rows: String,
    payloads: Result<Vec<Option<Arc<[u8]>>>>,
  ) -> Result<()> {
    let (rows, payloads) = (parse_rows(&rows)?, payloads?);
    let targets = rows
      .into_iter()
      .map(|row| row.into_target(&shared, &payloads))
      .collect();
    batch.push(targets).await;
    Ok(())
  }
}

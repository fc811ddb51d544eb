//! `generateRequestDetails` (sync, pure) and `sendNotification` (async, on the tokio runtime),
//! with web-push's arguments as given: `(subscription, payload, options, state)`, where `state`
//! holds the `setVapidDetails` / `setGCMAPIKey` globals. web-push's option vocabulary and the
//! JS types of its options are read here ([`read`]); the value rules are checked in the core.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::{Buffer, Null, Object, PromiseRaw, Unknown};
use napi::{Env, ValueType};
use napi_derive::napi;

use super::js_value::{self as js, KeyWording, Ty};
use super::{js_number, throwing, Fallible, VapidInput};
use crate::client::answer_message;
use crate::endpoint_policy::EndpointPolicy;
use crate::error::{Error, Result};
use crate::push_services;
use crate::request::{self, RequestOptions};
use crate::send::{HttpClient, HttpSettings};
use crate::subscription::Subscription;

/// web-push's options and the JS types each may have.
const OPTIONS: js::Spec = &[
  ("headers", &[Ty::Obj]),
  ("gcmAPIKey", &[Ty::Any]),
  ("vapidDetails", &[Ty::Obj, Ty::Null]),
  ("TTL", &[Ty::Num, Ty::Str]),
  ("contentEncoding", &[Ty::Any]),
  ("urgency", &[Ty::Any]),
  ("topic", &[Ty::Any]),
  ("proxy", &[Ty::Any]),
  ("agent", &[Ty::Any]),
  ("timeout", &[Ty::Num, Ty::Null]),
  ("ca", &[Ty::Pem, Ty::Null]),
];

/// One push request as read from web-push's arguments, before any value rule.
struct RequestInput {
  endpoint: String,
  p256dh: Option<String>,
  auth: Option<String>,
  payload: Option<Arc<[u8]>>,
  ttl: Option<Either<f64, String>>,
  urgency: Option<String>,
  topic: Option<String>,
  content_encoding: Option<String>,
  vapid_details: Option<VapidInput>,
  gcm_api_key: Option<String>,
  headers: Vec<(String, String)>,
  timeout: Option<f64>,
  proxy: Option<String>,
  ca: Option<String>,
}

/// A number or a string (web-push's `TTL`).
enum Either<A, B> {
  A(A),
  B(B),
}

/// A subscription's parts: `endpoint` (`""` unless a string: the core refuses it) and keys,
/// which must be an object of strings when given (`""` keys count as absent).
pub(crate) fn subscription_parts(subscription: &Unknown) -> Result<(String, Option<String>, Option<String>)> {
  if js::kind(subscription) != ValueType::Object {
    return Ok((String::new(), None, None));
  }
  let object = js::object_unchecked(subscription);
  let endpoint = js::string(&js::get(&object, "endpoint")?).unwrap_or_default();
  let keys = js::get(&object, "keys")?;
  if js::nullish(&keys) {
    return Ok((endpoint, None, None));
  }
  let keys = js::require_object(&keys, "subscription.keys")?;
  let key = |name: &str| -> Result<Option<String>> {
    let value = js::get(&keys, name)?;
    if let Some(text) = js::string(&value) {
      return Ok(Some(text).filter(|text| !text.is_empty()));
    }
    match js::kind(&value) {
      ValueType::Undefined => Ok(None),
      _ => Err(js::type_error(
        format!("subscription.keys.{name}"),
        "a base64url string",
        &value,
      )),
    }
  };
  Ok((endpoint, key("p256dh")?, key("auth")?))
}

/// `subscription must be an object with an endpoint` unless it is one (arrays included, as in web-push).
pub(crate) fn require_subscription(subscription: &Unknown) -> Result<()> {
  match js::kind(subscription) {
    ValueType::Object => Ok(()),
    _ => Err(js::type_error(
      "subscription",
      "an object with an endpoint",
      subscription,
    )),
  }
}

/// `options.name` when it is given (web-push ignores falsy values) and a string, else a TypeError.
fn truthy_string(options: &Object, name: &str) -> Result<Option<String>> {
  let value = js::get(options, name)?;
  if !js::truthy(&value) {
    return Ok(None);
  }
  js::string(&value)
    .map(Some)
    .ok_or_else(|| js::type_error(format!("options.{name}"), "a string", &value))
}

/// web-push's `proxy`: a URL string or an http.Agent-style `{ protocol, host, port, auth }`.
fn proxy_url(proxy: &Unknown) -> Result<String> {
  if let Some(url) = js::string(proxy) {
    return Ok(url);
  }
  let refused = || Error::InvalidProxy {
    reason: format!(
      "must be a URL string or an object with a string host, got {}",
      js::describe(proxy)
    ),
  };
  let object = js::object(proxy).ok_or_else(refused)?;
  let host = js::string(&js::get(&object, "host")?).ok_or_else(refused)?;
  let protocol = js::get(&object, "protocol")?;
  let mut protocol = if js::truthy(&protocol) {
    js::js_string(&protocol)?
  } else {
    "http:".to_owned()
  };
  if !protocol.ends_with(':') {
    protocol.push(':');
  }
  let auth = js::string(&js::get(&object, "auth")?).map_or(String::new(), |auth| format!("{auth}@"));
  let port = js::get(&object, "port")?;
  let port = if js::nullish(&port) {
    String::new()
  } else {
    format!(":{}", js::js_string(&port)?)
  };
  let host = if host.contains(':') && !host.starts_with('[') {
    format!("[{host}]")
  } else {
    host
  };
  Ok(format!("{protocol}//{auth}{host}{port}"))
}

/// web-push's arguments as one input; every check here is a JS type or web-push's vocabulary.
fn read(
  subscription: &Unknown,
  payload: &Unknown,
  options: &Unknown,
  state: &Unknown,
) -> Result<RequestInput> {
  require_subscription(subscription)?;
  let (endpoint, p256dh, auth) = subscription_parts(subscription)?;
  let mut input = RequestInput {
    endpoint,
    p256dh,
    auth,
    payload: js::optional_payload(payload)?,
    ttl: None,
    urgency: None,
    topic: None,
    content_encoding: None,
    vapid_details: None,
    gcm_api_key: None,
    headers: Vec::new(),
    timeout: None,
    proxy: None,
    ca: None,
  };
  if let Some(state) = js::object(state) {
    input.vapid_details = VapidInput::read(&js::get(&state, "vapidDetails")?, "vapidDetails")?;
    input.gcm_api_key = js::string(&js::get(&state, "gcmAPIKey")?).filter(|key| !key.is_empty());
  }
  if js::nullish(options) {
    return Ok(input);
  }
  let o = js::check_options(options, OPTIONS, "options", KeyWording::WebPush)?;
  let headers = js::get(&o, "headers")?;
  if js::truthy(&headers) {
    let mut duplicates = Vec::new();
    for name in js::keys(&js::require_object(&headers, "options.headers")?)? {
      if js::kind(&js::get(&o, &name)?) != ValueType::Undefined {
        duplicates.push(name);
      }
    }
    if !duplicates.is_empty() {
      return Err(Error::InvalidOption {
        message: format!(
          "Duplicated headers defined [{}]. Please either define the header in the top level options OR in the 'headers' key.",
          duplicates.join(",")
        )
        .into(),
      });
    }
  }
  if !js::nullish(&js::get(&o, "agent")?) {
    return Err(Error::UnsupportedOption {
      name: "options.agent",
      hint: "a Node http.Agent cannot drive web-push-rs's Rust HTTP stack. Use options.proxy for a proxy and options.ca for extra trusted certificates.",
    });
  }
  let ttl = js::get(&o, "TTL")?;
  input.ttl = match (js::number(&ttl), js::string(&ttl)) {
    (Some(number), _) => Some(Either::A(number)),
    (_, Some(text)) => Some(Either::B(text)),
    _ => None,
  };
  input.urgency = truthy_string(&o, "urgency")?;
  input.topic = truthy_string(&o, "topic")?;
  input.content_encoding = truthy_string(&o, "contentEncoding")?;
  if js::truthy(&headers) {
    input.headers = js::header_pairs(&headers, "options.headers")?;
  }
  input.timeout = js::opt_number(&o, "timeout")?;
  let proxy = js::get(&o, "proxy")?;
  if js::truthy(&proxy) {
    input.proxy = Some(proxy_url(&proxy)?);
  }
  input.ca = js::ca_pem(&js::get(&o, "ca")?)?;
  let vapid = js::get(&o, "vapidDetails")?;
  if js::kind(&vapid) != ValueType::Undefined {
    input.vapid_details = VapidInput::read(&vapid, "vapidDetails")?;
  }
  if let Some(key) = truthy_string(&o, "gcmAPIKey")? {
    input.gcm_api_key = Some(key);
  }
  Ok(input)
}

struct Prepared {
  subscription: Subscription,
  payload: Option<Vec<u8>>,
  options: RequestOptions,
  http: HttpSettings,
  timeout: Option<Duration>,
}

impl Prepared {
  fn build(&self) -> Result<request::PushRequest> {
    request::build(
      &self.subscription,
      self.payload.as_deref(),
      &self.options,
      crate::clock::now_secs(),
    )
  }
}

/// web-push's `TTL`: a number, or a string `Number()` would read (blank is not a TTL).
fn ttl_of(ttl: Either<f64, String>) -> Result<u64> {
  match ttl {
    Either::A(number) => request::parse_ttl(number),
    Either::B(text) => request::parse_ttl(text.trim().parse::<f64>().unwrap_or(f64::NAN)),
  }
}

fn prepare(input: RequestInput) -> Result<Prepared> {
  let subscription = Subscription::parse(&input.endpoint, input.p256dh.as_deref(), input.auth.as_deref())?;
  let vapid = input
    .vapid_details
    .as_ref()
    .map(VapidInput::details)
    .transpose()?;
  let timeout = match input.timeout {
    None => None,
    Some(ms) if ms.is_finite() && ms > 0.0 => Some(Duration::from_millis(ms.ceil() as u64)),
    Some(ms) => {
      return Err(Error::InvalidArgType {
        field: "options.timeout".into(),
        rule: "a positive number of milliseconds".into(),
        got: js_number(ms),
      })
    }
  };
  let options = RequestOptions {
    ttl: input.ttl.map(ttl_of).transpose()?.unwrap_or(request::DEFAULT_TTL),
    urgency: input
      .urgency
      .as_deref()
      .map(str::parse)
      .transpose()?
      .unwrap_or_default(),
    topic: input.topic,
    encoding: input
      .content_encoding
      .as_deref()
      .map(str::parse)
      .transpose()?
      .unwrap_or_default(),
    vapid,
    gcm_api_key: input.gcm_api_key,
    extra_headers: input.headers,
  };
  Ok(Prepared {
    subscription,
    payload: input.payload.map(|p| p.to_vec()),
    options,
    http: HttpSettings {
      proxy: input.proxy,
      ca_pem: input.ca,
      ..HttpSettings::default()
    },
    timeout,
  })
}

/// `generateRequestDetails(subscription, payload?, options?, state?)`: builds (and encrypts)
/// the request without sending it, shaped as web-push returns it: `{ method, headers, body,
/// endpoint }` (`TTL` and `Content-Length` as numbers), plus `proxy` and `timeout` when given.
#[napi(
  ts_return_type = "{ method: 'POST', headers: Record<string, string | number>, body: Buffer | null, endpoint: string, proxy?: unknown, timeout?: number }"
)]
pub fn generate_request_details<'e>(
  env: &'e Env,
  subscription: Unknown<'e>,
  payload: Unknown<'e>,
  options: Unknown<'e>,
  state: Unknown<'e>,
) -> napi::Result<Object<'e>> {
  let input = throwing(env, read(&subscription, &payload, &options, &state))?;
  let built = throwing(
    env,
    prepare(input).and_then(|p| p.http.validate().and_then(|()| p.build())),
  )?;
  let mut headers = Object::new(env)?;
  for (name, value) in built.headers {
    match (name.as_str(), value.parse::<f64>()) {
      ("TTL" | "Content-Length", Ok(number)) => headers.set(name, number)?,
      _ => headers.set(name, value)?,
    }
  }
  let mut details = Object::new(env)?;
  details.set("method", "POST")?;
  details.set("headers", headers)?;
  match built.body {
    Some(body) => details.set("body", Buffer::from(Vec::from(body)))?,
    None => details.set("body", Null)?,
  }
  if let Some(object) = js::object(&subscription) {
    details.set("endpoint", throwing(env, js::get(&object, "endpoint"))?)?;
  }
  if let Some(o) = js::object(&options) {
    let proxy = throwing(env, js::get(&o, "proxy"))?;
    if js::truthy(&proxy) {
      details.set("proxy", proxy)?;
    }
    let timeout = throwing(env, js::get(&o, "timeout"))?;
    if !js::nullish(&timeout) {
      details.set("timeout", timeout)?;
    }
  }
  Ok(details)
}

/// The push service's answer.
#[napi(object)]
pub struct SendResult {
  /// HTTP status.
  pub status_code: u32,
  /// Response headers (lower-case names).
  pub headers: HashMap<String, String>,
  /// Response body text.
  pub body: String,
  /// `HTTP/1.1` or `HTTP/2`.
  pub http_version: String,
  /// For an error answer: the push service's own reason, when it gave one.
  pub reason: Option<String>,
  /// For an error answer: Mozilla autopush's `errno`.
  pub errno: Option<i64>,
  /// For an error answer: what it means (status, reason, and for a VAPID key mismatch, what to do).
  pub message: Option<String>,
}

/// `sendNotification(subscription, payload?, options?, state?)`: builds and sends a push
/// request; resolves with any HTTP answer (index.js rejects non-2xx), rejects on bad input
/// (never throws), network errors and timeouts. Errors after reading name the endpoint.
#[napi(ts_return_type = "Promise<SendResult>")]
pub fn send_request<'e>(
  env: &'e Env,
  subscription: Unknown<'e>,
  payload: Unknown<'e>,
  options: Unknown<'e>,
  state: Unknown<'e>,
) -> napi::Result<PromiseRaw<'e, Fallible<SendResult>>> {
  let input = read(&subscription, &payload, &options, &state);
  env.spawn_future(async move {
    Ok(match input {
      Ok(input) => {
        let endpoint = Some(input.endpoint.clone());
        Fallible::for_endpoint(send(input).await, endpoint)
      }
      Err(err) => Err(err).into(),
    })
  })
}

async fn send(input: RequestInput) -> Result<SendResult> {
  let prepared = prepare(input)?;
  EndpointPolicy::default().check(&prepared.subscription.endpoint)?;
  let built = prepared.build()?;
  let client = HttpClient::shared(&prepared.http)?;
  let response = client.send(&built, prepared.timeout).await?;
  let service = push_services::identify(&built.endpoint);
  let (answer, message) = if response.is_success() {
    (push_services::ServiceAnswer::default(), None)
  } else {
    let answer = push_services::read_answer(service, &response.headers, &response.body);
    let key_mismatch = push_services::meaning(service, response.status, answer.reason.as_deref())
      == push_services::Meaning::KeyMismatch;
    let message = answer_message(response.status, &answer, key_mismatch);
    (answer, Some(message))
  };
  let mut headers = HashMap::new();
  for (name, value) in response.headers {
    headers
      .entry(name)
      .and_modify(|existing: &mut String| {
        existing.push_str(", ");
        existing.push_str(&value);
      })
      .or_insert(value);
  }
  Ok(SendResult {
    status_code: u32::from(response.status),
    headers,
    body: response.body,
    http_version: response.http_version.to_owned(),
    reason: answer.reason,
    errno: answer.errno,
    message,
  })
}

//! `generateRequestDetails` (sync, pure) and `sendNotification` (async, on the tokio runtime).
//! `lib/request-input.js` passes web-push's arguments as one typed [`RequestInput`].

use std::collections::HashMap;
use std::time::Duration;

use napi::bindgen_prelude::{Buffer, Either};
use napi_derive::napi;

use super::{
  ca_pem, js_number, optional_payload, vapid_of, CaInput, ErrorCode, Fallible, PayloadInput, VapidInput,
};
use crate::client::answer_message;
use crate::endpoint_policy::EndpointPolicy;
use crate::error::{Error, Result};
use crate::push_services;
use crate::request::{self, RequestOptions};
use crate::send::{HttpClient, HttpSettings};
use crate::subscription::Subscription;

/// One push request: the subscription's parts and web-push's options, by their web-push
/// names. `lib/request-input.js` checks argument types and web-push's option vocabulary;
/// every value rule is checked here (or in the core).
#[napi(object, object_to_js = false)]
pub struct RequestInput {
  /// Subscription endpoint (`""` when the subscription has none: refused here).
  pub endpoint: String,
  /// Subscription `keys.p256dh`.
  #[napi(js_name = "p256dh")]
  pub p256dh: Option<String>,
  /// Subscription `keys.auth`.
  pub auth: Option<String>,
  /// Payload (absent or `""`: a push without payload).
  pub payload: Option<PayloadInput>,
  /// `TTL` in seconds, a number or a numeric string (default 2419200).
  #[napi(js_name = "TTL")]
  pub ttl: Option<Either<f64, String>>,
  /// `very-low` | `low` | `normal` | `high` (`""`: the default).
  pub urgency: Option<String>,
  /// Topic (≤ 32 base64url characters; `""`: none).
  pub topic: Option<String>,
  /// `aes128gcm` (default) or `aesgcm` (`""`: the default).
  pub content_encoding: Option<String>,
  /// VAPID details (the option, else the `setVapidDetails` state).
  pub vapid_details: Option<VapidInput>,
  /// Legacy GCM/FCM key (`""`: none).
  #[napi(js_name = "gcmAPIKey")]
  pub gcm_api_key: Option<String>,
  /// Extra headers as `[name, value]` pairs.
  pub headers: Option<Vec<Vec<String>>>,
  /// Total timeout in milliseconds (a positive number).
  pub timeout: Option<f64>,
  /// Proxy URL (`""`: none).
  pub proxy: Option<String>,
  /// Extra trusted CA certificates: PEM text, Buffers, or an array of those.
  pub ca: Option<CaInput>,
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

/// web-push reads falsy options as "not given".
fn given(value: Option<String>) -> Option<String> {
  value.filter(|text| !text.is_empty())
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
  let vapid = vapid_of(input.vapid_details, "vapidDetails")?;
  let mut extra_headers = Vec::new();
  for pair in input.headers.unwrap_or_default() {
    match <[String; 2]>::try_from(pair) {
      Ok([name, value]) => extra_headers.push((name, value)),
      Err(_) => {
        return Err(Error::InvalidHeader {
          name: String::new(),
          reason: "is not a [name, value] pair",
        })
      }
    }
  }
  let timeout = match input.timeout {
    None => None,
    Some(ms) if ms.is_finite() && ms > 0.0 => Some(Duration::from_millis(ms.ceil() as u64)),
    Some(ms) => {
      return Err(Error::InvalidArgType {
        field: "options.timeout".into(),
        rule: "a positive number of milliseconds",
        got: js_number(ms),
      })
    }
  };
  let options = RequestOptions {
    ttl: input.ttl.map(ttl_of).transpose()?.unwrap_or(request::DEFAULT_TTL),
    urgency: given(input.urgency)
      .as_deref()
      .map(str::parse)
      .transpose()?
      .unwrap_or_default(),
    topic: given(input.topic),
    encoding: given(input.content_encoding)
      .as_deref()
      .map(str::parse)
      .transpose()?
      .unwrap_or_default(),
    vapid,
    gcm_api_key: given(input.gcm_api_key),
    extra_headers,
  };
  Ok(Prepared {
    subscription,
    payload: optional_payload(input.payload),
    options,
    http: HttpSettings {
      proxy: given(input.proxy),
      ca_pem: ca_pem(input.ca),
      ..HttpSettings::default()
    },
    timeout,
  })
}

/// A built request: web-push's `generateRequestDetails` without the JS niceties.
#[napi(object)]
pub struct BuiltRequest {
  /// Where to POST.
  pub endpoint: String,
  /// Headers as `[name, value]` pairs in web-push's order.
  pub headers: Vec<Vec<String>>,
  /// The encrypted body, if there is a payload.
  pub body: Option<Buffer>,
}

/// Builds (and encrypts) a push request without sending it.
#[napi]
pub fn build_request(input: RequestInput) -> napi::Result<BuiltRequest, ErrorCode> {
  let prepared = prepare(input)?;
  prepared.http.validate()?;
  let built = prepared.build()?;
  Ok(BuiltRequest {
    endpoint: built.endpoint.to_string(),
    headers: built.headers.into_iter().map(|(n, v)| vec![n, v]).collect(),
    body: built.body.map(|body| Buffer::from(Vec::from(body))),
  })
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

/// Builds and sends a push request; resolves with any HTTP answer (index.js rejects non-2xx),
/// rejects on validation, network errors and timeouts.
#[napi(ts_return_type = "Promise<SendResult>")]
pub async fn send_request(input: RequestInput) -> napi::Result<Fallible<SendResult>> {
  Ok(send(input).await.into())
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

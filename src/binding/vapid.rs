//! `getVapidHeaders` / `getVapidHeadersAsync`.

use napi::bindgen_prelude::{AsyncTask, Unknown};
use napi::{Env, Task, ValueType};
use napi_derive::napi;

use super::js_value as js;
use super::{vapid_of, Fallible};
use crate::ece::ContentEncoding;
use crate::error::Error;
use crate::vapid::{self, VapidHeaders};

/// The VAPID headers, named as web-push's `getVapidHeaders` returns them.
#[napi(object)]
pub struct VapidHeaderValues {
  /// The `Authorization` header value.
  #[napi(js_name = "Authorization")]
  pub authorization: String,
  /// The `Crypto-Key` header value (aesgcm only; absent otherwise).
  #[napi(js_name = "Crypto-Key")]
  pub crypto_key: Option<String>,
}

/// Signs one VAPID token with the (cached, parsed-once) key (its arguments already read, or
/// why not).
pub struct VapidHeadersTask {
  input: crate::Result<VapidArgs>,
}

struct VapidArgs {
  audience: String,
  subject: String,
  public_key: String,
  private_key: String,
  content_encoding: Option<String>,
  expiration: Option<f64>,
}

impl Task for VapidHeadersTask {
  type Output = crate::Result<VapidHeaders>;
  type JsValue = Fallible<VapidHeaderValues>;

  fn compute(&mut self) -> napi::Result<Self::Output> {
    Ok(self.run())
  }

  fn resolve(&mut self, _env: Env, headers: Self::Output) -> napi::Result<Self::JsValue> {
    Ok(headers.map(header_values).into())
  }
}

fn header_values(headers: VapidHeaders) -> VapidHeaderValues {
  VapidHeaderValues {
    authorization: headers.authorization,
    crypto_key: headers.crypto_key,
  }
}

impl VapidHeadersTask {
  fn run(&self) -> crate::Result<VapidHeaders> {
    let args = self.input.as_ref().map_err(Clone::clone)?;
    vapid::validate_audience(&args.audience)?;
    vapid::validate_subject(&args.subject)?;
    let key = vapid::cached_key(&args.public_key, &args.private_key)?;
    let encoding: ContentEncoding = match &args.content_encoding {
      Some(value) => value.parse()?,
      None => ContentEncoding::Aes128Gcm,
    };
    let now = crate::clock::now_secs();
    let expires_at = match args.expiration {
      None => now + vapid::DEFAULT_EXPIRATION_SECS,
      Some(exp) if exp.fract() != 0.0 || !exp.is_finite() || exp < 0.0 => {
        return Err(Error::InvalidExpiration {
          reason: format!("{exp} is not a non-negative integer"),
        })
      }
      Some(exp) => {
        let exp = exp as u64;
        vapid::validate_expiration(exp, now)?;
        exp
      }
    };
    let jwt = key.sign(&args.audience, &args.subject, expires_at)?;
    Ok(key.headers(&jwt, encoding))
  }

  /// web-push's `getVapidHeaders` arguments; a falsy `expiration` is "the default" (NaN is
  /// not a choice: refused in `run`).
  fn new(args: [&Unknown; 6]) -> Self {
    let [audience, subject, public_key, private_key, content_encoding, expiration] = args;
    let read = || {
      let expiration = match js::kind(expiration) {
        ValueType::Undefined | ValueType::Null => None,
        ValueType::Number => js::number(expiration).filter(|exp| *exp != 0.0),
        _ => {
          return Err(js::type_error(
            "expiration",
            "a number of seconds since the epoch",
            expiration,
          ))
        }
      };
      Ok(VapidArgs {
        audience: js::require_string(audience, "audience")?,
        subject: js::require_string(subject, "subject")?,
        public_key: js::require_string(public_key, "publicKey")?,
        private_key: js::require_string(private_key, "privateKey")?,
        content_encoding: js::optional_string(content_encoding, "contentEncoding")?,
        expiration,
      })
    };
    Self { input: read() }
  }
}

/// Signs a VAPID JWT for `audience` (the push service origin) and returns the headers.
/// `expiration` is seconds since the epoch (default: 12 hours from now, at most 24 hours).
#[napi(
  ts_args_type = "audience: string, subject: string, publicKey: string, privateKey: string, contentEncoding?: string, expiration?: number",
  ts_return_type = "VapidHeaderValues"
)]
pub fn get_vapid_headers(
  audience: Unknown,
  subject: Unknown,
  public_key: Unknown,
  private_key: Unknown,
  content_encoding: Unknown,
  expiration: Unknown,
) -> Fallible<VapidHeaderValues> {
  let task = VapidHeadersTask::new([
    &audience,
    &subject,
    &public_key,
    &private_key,
    &content_encoding,
    &expiration,
  ]);
  task.run().map(header_values).into()
}

/// Like `getVapidHeaders`, off the event loop (bad arguments reject too).
#[napi(
  ts_args_type = "audience: string, subject: string, publicKey: string, privateKey: string, contentEncoding?: string, expiration?: number",
  ts_return_type = "Promise<VapidHeaderValues>"
)]
pub fn get_vapid_headers_async(
  audience: Unknown,
  subject: Unknown,
  public_key: Unknown,
  private_key: Unknown,
  content_encoding: Unknown,
  expiration: Unknown,
) -> AsyncTask<VapidHeadersTask> {
  AsyncTask::new(VapidHeadersTask::new([
    &audience,
    &subject,
    &public_key,
    &private_key,
    &content_encoding,
    &expiration,
  ]))
}

/// Validates VAPID details (non-empty fields, subject, key lengths, on-curve, matching halves)
/// and imports the key once so later sends reuse it. Used by `setVapidDetails`.
#[napi(
  ts_args_type = "details: { subject?: unknown, publicKey?: unknown, privateKey?: unknown }",
  ts_return_type = "void"
)]
pub fn validate_vapid_details(details: Unknown) -> Fallible<()> {
  vapid_of(&details, "").map(|_| ()).into()
}

/// The warning for a VAPID subject that Apple's push service refuses (localhost or a reserved
/// name) though FCM and Mozilla accept it; `null` for a usable subject.
#[napi]
pub fn apple_subject_warning(subject: String) -> Option<String> {
  crate::push_services::apple_subject_problem(&subject).map(|problem| {
    format!(
      "VAPID subject {problem}. Sends to Apple endpoints will be refused locally with ERR_INVALID_SUBJECT."
    )
  })
}

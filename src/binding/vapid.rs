//! `getVapidHeaders` / `getVapidHeadersAsync`.

use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};
use napi_derive::napi;

use super::{vapid_of, ErrorCode, Fallible, VapidInput};
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

/// Signs one VAPID token with the (cached, parsed-once) key.
pub struct VapidHeadersTask {
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
    vapid::validate_audience(&self.audience)?;
    vapid::validate_subject(&self.subject)?;
    let key = vapid::cached_key(&self.public_key, &self.private_key)?;
    let encoding: ContentEncoding = match &self.content_encoding {
      Some(value) => value.parse()?,
      None => ContentEncoding::Aes128Gcm,
    };
    let now = crate::clock::now_secs();
    let expires_at = match self.expiration {
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
    let jwt = key.sign(&self.audience, &self.subject, expires_at)?;
    Ok(key.headers(&jwt, encoding))
  }

  fn new(
    audience: String,
    subject: String,
    public_key: String,
    private_key: String,
    content_encoding: Option<String>,
    expiration: Option<f64>,
  ) -> Self {
    Self {
      audience,
      subject,
      public_key,
      private_key,
      content_encoding,
      expiration,
    }
  }
}

/// Signs a VAPID JWT for `audience` (the push service origin) and returns the headers.
/// `expiration` is seconds since the epoch (default: 12 hours from now, at most 24 hours).
#[napi]
pub fn get_vapid_headers(
  audience: String,
  subject: String,
  public_key: String,
  private_key: String,
  content_encoding: Option<String>,
  expiration: Option<f64>,
) -> napi::Result<VapidHeaderValues, ErrorCode> {
  let task = VapidHeadersTask::new(
    audience,
    subject,
    public_key,
    private_key,
    content_encoding,
    expiration,
  );
  Ok(header_values(task.run()?))
}

/// Like `getVapidHeaders`, off the event loop.
#[napi(ts_return_type = "Promise<VapidHeaderValues>")]
pub fn get_vapid_headers_async(
  audience: String,
  subject: String,
  public_key: String,
  private_key: String,
  content_encoding: Option<String>,
  expiration: Option<f64>,
) -> AsyncTask<VapidHeadersTask> {
  AsyncTask::new(VapidHeadersTask::new(
    audience,
    subject,
    public_key,
    private_key,
    content_encoding,
    expiration,
  ))
}

/// Validates VAPID details (non-empty fields, subject, key lengths, on-curve, matching halves)
/// and imports the key once so later sends reuse it. Used by `setVapidDetails`.
#[napi]
pub fn validate_vapid_details(details: VapidInput) -> napi::Result<(), ErrorCode> {
  vapid_of(Some(details), "")?;
  Ok(())
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

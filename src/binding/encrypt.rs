//! `encrypt` / `encryptAsync` (web-push's `encrypt(p256dh, auth, payload, contentEncoding?)`).

use napi::bindgen_prelude::{AsyncTask, Buffer};
use napi::{Env, Task};
use napi_derive::napi;

use napi::bindgen_prelude::Either;

use super::{payload_bytes, ErrorCode, Fallible};
use crate::base64url;
use crate::ece::{self, ContentEncoding, EncryptedMessage};
use crate::keys::{AuthSecret, KeyRole, PublicKey};

/// An encrypted payload, shaped as web-push's `encrypt` returns it.
#[napi(object)]
pub struct EncryptResult {
  /// The sender's ephemeral public key (65 bytes).
  pub local_public_key: Buffer,
  /// The 16-byte salt, base64url.
  pub salt: String,
  /// The request body.
  pub cipher_text: Buffer,
}

/// Encrypts one payload for one subscription.
pub struct EncryptTask {
  p256dh: String,
  auth: String,
  payload: Vec<u8>,
  content_encoding: Option<String>,
}

impl Task for EncryptTask {
  type Output = crate::Result<EncryptedMessage>;
  type JsValue = Fallible<EncryptResult>;

  fn compute(&mut self) -> napi::Result<Self::Output> {
    Ok(self.run())
  }

  fn resolve(&mut self, _env: Env, message: Self::Output) -> napi::Result<Self::JsValue> {
    Ok(message.map(encrypt_result).into())
  }
}

fn encrypt_result(message: EncryptedMessage) -> EncryptResult {
  EncryptResult {
    local_public_key: message.sender_public_key.to_vec().into(),
    salt: base64url::encode(&message.salt),
    cipher_text: message.body.into(),
  }
}

impl EncryptTask {
  fn run(&self) -> crate::Result<EncryptedMessage> {
    let encoding = match &self.content_encoding {
      Some(value) => value.parse()?,
      None => ContentEncoding::Aes128Gcm,
    };
    let receiver = PublicKey::from_base64(&self.p256dh, KeyRole::P256dh)?;
    let auth = AuthSecret::from_base64(&self.auth)?;
    ece::encrypt(&receiver, &auth, &self.payload, encoding)
  }

  fn new(
    p256dh: String,
    auth: String,
    payload: Either<String, Buffer>,
    content_encoding: Option<String>,
  ) -> Self {
    Self {
      p256dh,
      auth,
      payload: payload_bytes(payload),
      content_encoding,
    }
  }
}

/// Encrypts `payload` for a subscription's `p256dh` and `auth` keys.
/// `contentEncoding` is `"aes128gcm"` (default) or `"aesgcm"`.
#[napi]
pub fn encrypt(
  user_public_key: String,
  auth: String,
  payload: Either<String, Buffer>,
  content_encoding: Option<String>,
) -> napi::Result<EncryptResult, ErrorCode> {
  let task = EncryptTask::new(user_public_key, auth, payload, content_encoding);
  Ok(encrypt_result(task.run()?))
}

/// Like `encrypt`, off the event loop.
#[napi(ts_return_type = "Promise<EncryptResult>")]
pub fn encrypt_async(
  user_public_key: String,
  auth: String,
  payload: Either<String, Buffer>,
  content_encoding: Option<String>,
) -> AsyncTask<EncryptTask> {
  AsyncTask::new(EncryptTask::new(user_public_key, auth, payload, content_encoding))
}

//! `encrypt` / `encryptAsync` (web-push's `encrypt(p256dh, auth, payload, contentEncoding?)`).

use napi::bindgen_prelude::{AsyncTask, Buffer, Unknown};
use napi::{Env, Task};
use napi_derive::napi;

use super::js_value as js;
use super::Fallible;
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

/// Encrypts one payload for one subscription (its arguments already read, or why not).
pub struct EncryptTask {
  input: crate::Result<(String, String, Vec<u8>)>,
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
    let (p256dh, auth, payload) = self.input.as_ref().map_err(Clone::clone)?;
    let encoding = match &self.content_encoding {
      Some(value) => value.parse()?,
      None => ContentEncoding::Aes128Gcm,
    };
    let receiver = PublicKey::from_base64(p256dh, KeyRole::P256dh)?;
    let auth = AuthSecret::from_base64(auth)?;
    ece::encrypt(&receiver, &auth, payload, encoding)
  }

  /// A task for arguments read elsewhere (`WebPush#encrypt`).
  pub(crate) fn from_read(
    input: crate::Result<(String, String, Vec<u8>)>,
    content_encoding: Option<String>,
  ) -> Self {
    Self {
      input,
      content_encoding,
    }
  }

  /// web-push's `encrypt(userPublicKey, userAuth, payload, contentEncoding?)` arguments.
  fn new(
    user_public_key: &Unknown,
    user_auth: &Unknown,
    payload: &Unknown,
    content_encoding: &Unknown,
  ) -> Self {
    let read = || {
      let p256dh = js::require_string(user_public_key, "userPublicKey (subscription keys.p256dh)")?;
      let auth = js::require_string(user_auth, "userAuth (subscription keys.auth)")?;
      let payload = js::require_payload(payload, "payload")?;
      Ok((
        p256dh,
        auth,
        payload,
        js::optional_string(content_encoding, "contentEncoding")?,
      ))
    };
    match read() {
      Ok((p256dh, auth, payload, encoding)) => Self::from_read(Ok((p256dh, auth, payload)), encoding),
      Err(err) => Self::from_read(Err(err), None),
    }
  }
}

/// Encrypts `payload` (a string, Buffer or Uint8Array) for a subscription's `p256dh` and `auth`
/// keys. `contentEncoding` is `"aes128gcm"` (default) or `"aesgcm"`.
#[napi(
  ts_args_type = "userPublicKey: string, userAuth: string, payload: string | Uint8Array, contentEncoding?: string",
  ts_return_type = "EncryptResult"
)]
pub fn encrypt(
  user_public_key: Unknown,
  user_auth: Unknown,
  payload: Unknown,
  content_encoding: Unknown,
) -> Fallible<EncryptResult> {
  EncryptTask::new(&user_public_key, &user_auth, &payload, &content_encoding)
    .run()
    .map(encrypt_result)
    .into()
}

/// Like `encrypt`, off the event loop (bad arguments reject too).
#[napi(
  ts_args_type = "userPublicKey: string, userAuth: string, payload: string | Uint8Array, contentEncoding?: string",
  ts_return_type = "Promise<EncryptResult>"
)]
pub fn encrypt_async(
  user_public_key: Unknown,
  user_auth: Unknown,
  payload: Unknown,
  content_encoding: Unknown,
) -> AsyncTask<EncryptTask> {
  AsyncTask::new(EncryptTask::new(
    &user_public_key,
    &user_auth,
    &payload,
    &content_encoding,
  ))
}

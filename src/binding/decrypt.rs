//! The testing `decrypt`: what a browser does with a push message.

use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

use super::ErrorCode;
use crate::ece::{self, MessageHeaders, ReceiverKeys};
use crate::keys::{AuthSecret, KeyRole, PrivateKey};

/// The request headers decryption may need (`index.js` extracts them case-insensitively).
#[napi(object, object_to_js = false)]
pub struct DecryptHeaders {
  /// `Content-Encoding` (`aes128gcm` when absent and no `Encryption` header).
  pub content_encoding: Option<String>,
  /// `Encryption` (aesgcm): `salt=…`.
  pub encryption: Option<String>,
  /// `Crypto-Key` (aesgcm): `dh=…`.
  pub crypto_key: Option<String>,
}

/// Decrypts a push message body with a subscription's private key and auth secret.
#[napi(js_name = "decryptBody")]
pub fn decrypt_body(
  body: Buffer,
  private_key: String,
  auth: String,
  headers: Option<DecryptHeaders>,
) -> napi::Result<Buffer, ErrorCode> {
  let keys = ReceiverKeys {
    private_key: PrivateKey::from_base64(&private_key, KeyRole::Decryption)?,
    auth: AuthSecret::from_base64(&auth)?,
  };
  let headers = headers.unwrap_or(DecryptHeaders {
    content_encoding: None,
    encryption: None,
    crypto_key: None,
  });
  let view = MessageHeaders {
    content_encoding: headers.content_encoding.as_deref(),
    encryption: headers.encryption.as_deref(),
    crypto_key: headers.crypto_key.as_deref(),
  };
  Ok(ece::decrypt(&body, &keys, &view)?.into())
}

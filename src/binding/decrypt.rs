//! The testing `decrypt`: what a browser does with a push message.

use std::collections::HashMap;

use napi::bindgen_prelude::{Buffer, Either};
use napi_derive::napi;

use super::ErrorCode;
use crate::ece::{self, MessageHeaders, ReceiverKeys};
use crate::headers::find_header;
use crate::keys::{AuthSecret, KeyRole, PrivateKey};

/// Decrypts a push message body with a subscription's private key and auth secret.
/// `headers` are the request's (any case; numbers allowed): `Content-Encoding`, and for
/// aesgcm `Encryption` and `Crypto-Key`.
#[napi(js_name = "decryptBody")]
pub fn decrypt_body(
  body: Buffer,
  private_key: String,
  auth: String,
  headers: Option<HashMap<String, Option<Either<String, f64>>>>,
) -> napi::Result<Buffer, ErrorCode> {
  let keys = ReceiverKeys {
    private_key: PrivateKey::from_base64(&private_key, KeyRole::Decryption)?,
    auth: AuthSecret::from_base64(&auth)?,
  };
  let pairs: Vec<(String, String)> = headers
    .unwrap_or_default()
    .into_iter()
    .filter_map(|(name, value)| match value? {
      Either::A(text) => Some((name, text)),
      Either::B(number) => Some((name, number.to_string())),
    })
    .collect();
  let header = |name: &str| find_header(&pairs, name);
  let view = MessageHeaders {
    content_encoding: header("content-encoding"),
    encryption: header("encryption"),
    crypto_key: header("crypto-key"),
  };
  Ok(ece::decrypt(&body, &keys, &view)?.into())
}

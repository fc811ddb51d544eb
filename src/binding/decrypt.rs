//! The testing `decrypt`: what a browser does with a push message.

use napi::bindgen_prelude::{Buffer, Unknown};
use napi::ValueType;
use napi_derive::napi;

use super::js_value as js;
use super::Fallible;
use crate::ece::{self, MessageHeaders, ReceiverKeys};
use crate::headers::find_header;
use crate::keys::{AuthSecret, KeyRole, PrivateKey};

/// Decrypts a push message body (a Buffer, Uint8Array or ArrayBuffer) with a subscription's
/// `keys.privateKey` and `keys.auth`. `headers` are the request's (any case; numbers allowed):
/// `Content-Encoding`, and for aesgcm `Encryption` and `Crypto-Key`.
#[napi(
  js_name = "decryptBody",
  ts_args_type = "body: Uint8Array | ArrayBuffer, keys: { privateKey: string, auth: string }, headers?: Record<string, string | number | undefined>",
  ts_return_type = "Buffer"
)]
pub fn decrypt_body(body: Unknown, keys: Unknown, headers: Unknown) -> Fallible<Buffer> {
  decrypt(&body, &keys, &headers).map(Buffer::from).into()
}

fn decrypt(body: &Unknown, keys: &Unknown, headers: &Unknown) -> crate::Result<Vec<u8>> {
  let body = js::require_bytes(body, "body")?;
  let keys = js::require_object(keys, "keys")?;
  let private_key = js::require_string(&js::get(&keys, "privateKey")?, "keys.privateKey")?;
  let auth = js::require_string(&js::get(&keys, "auth")?, "keys.auth")?;
  let mut pairs = Vec::new();
  if !js::nullish(headers) {
    let headers = js::require_object(headers, "headers")?;
    for name in js::keys(&headers)? {
      let value = js::get(&headers, &name)?;
      match js::kind(&value) {
        ValueType::Undefined | ValueType::Null => {}
        ValueType::String => pairs.push((name, js::string(&value).unwrap_or_default())),
        ValueType::Number => pairs.push((name, js::number(&value).unwrap_or_default().to_string())),
        _ => {
          let field = format!("headers[{}]", serde_json::Value::from(name.as_str()));
          return Err(js::type_error(field, "a string or a number", &value));
        }
      }
    }
  }
  let keys = ReceiverKeys {
    private_key: PrivateKey::from_base64(&private_key, KeyRole::Decryption)?,
    auth: AuthSecret::from_base64(&auth)?,
  };
  let header = |name: &str| find_header(&pairs, name);
  let view = MessageHeaders {
    content_encoding: header("content-encoding"),
    encryption: header("encryption"),
    crypto_key: header("crypto-key"),
  };
  ece::decrypt(&body, &keys, &view)
}

#![cfg_attr(test, allow(dead_code))] // #[napi] exports are only reached through Node, not from `cargo test`
//! The napi layer: thin wrappers that convert JS values, run the core, and map errors.
//!
//! Every CPU task is one `Task` struct in its own file; its sync export calls the same
//! `run()` the task's `compute()` does, so sync and async cannot drift.
//!
//! Errors: a core [`Error`] becomes a JS `Error` whose `code` is the variant's stable code
//! ([`Error::code`]) and whose message is the variant's message. Sync exports return
//! `napi::Result<T, ErrorCode>`; async exports and tasks return [`Fallible`], which throws
//! (rejects) with that same error from the JS thread. `lib/errors.js` only re-types it as a
//! `WebPushError`, reading `code`; nothing parses a message.

mod client;
mod declarative;
mod decrypt;
mod encrypt;
mod keys;
mod push_service;
mod send;
mod vapid;

use napi::bindgen_prelude::{Buffer, Either, Either3, ToNapiValue, TypeName, Unknown, ValueType};
use napi::{sys, JsError};
use napi_derive::napi;

use crate::error::Error;
use crate::request::VapidDetails;

/// The `code` of a JS error made from a core [`Error`].
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(&'static str);

impl AsRef<str> for ErrorCode {
  fn as_ref(&self) -> &str {
    self.0
  }
}

impl From<Error> for napi::Error<ErrorCode> {
  fn from(err: Error) -> Self {
    napi::Error::new(ErrorCode(err.code()), err.to_string())
  }
}

/// A core result on its way to JS: `Ok` is converted as `T`; `Err` is thrown (or rejects
/// the promise) as a JS `Error` with the variant's `code`.
pub struct Fallible<T>(pub crate::Result<T>);

impl<T> From<crate::Result<T>> for Fallible<T> {
  fn from(result: crate::Result<T>) -> Self {
    Self(result)
  }
}

impl<T: TypeName> TypeName for Fallible<T> {
  fn type_name() -> &'static str {
    T::type_name()
  }

  fn value_type() -> ValueType {
    T::value_type()
  }
}

impl<T: ToNapiValue> ToNapiValue for Fallible<T> {
  unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
    match val.0 {
      // SAFETY: napi calls this on the JS thread with a valid env.
      Ok(value) => unsafe { T::to_napi_value(env, value) },
      Err(err) => Err(unsafe { coded_js_error(env, &err) }),
    }
  }
}

/// Creates the JS error for `err` and returns it as a `napi::Error` that holds a reference to
/// it, so napi throws or rejects with exactly that object.
///
/// # Safety
/// `env` must be the valid env of the current JS thread.
unsafe fn coded_js_error(env: sys::napi_env, err: &Error) -> napi::Error {
  let error = JsError::from(napi::Error::from(err.clone()));
  // SAFETY: the caller guarantees a valid env on the JS thread.
  let value = unsafe { error.into_value(env) };
  if value.is_null() {
    // The environment is shutting down: nobody can receive the error.
    return napi::Error::from_reason(err.to_string());
  }
  // SAFETY: `value` was just created in `env`.
  napi::Error::from(unsafe { Unknown::from_raw_unchecked(env, value) })
}

/// The longest payload (bytes) that fits one aes128gcm push message record: 3993.
#[napi]
pub const MAX_PAYLOAD_BYTES: u32 = crate::ece::aes128gcm::MAX_PLAINTEXT_LEN as u32;

/// Batch row `payload` slot for "the batch payload" (see src/batch_row.rs).
#[napi]
pub const BATCH_PAYLOAD_SHARED: i32 = crate::batch_row::PAYLOAD_SHARED as i32;

/// Batch row `payload` slot for "no payload" (see src/batch_row.rs).
#[napi]
pub const BATCH_PAYLOAD_NONE: i32 = crate::batch_row::PAYLOAD_NONE as i32;

/// A payload as JS gives it: UTF-8 text or bytes (a Buffer or any Uint8Array).
pub(crate) type PayloadInput = Either<String, Buffer>;

/// Copies a payload into owned bytes (tasks run off the JS thread).
pub(crate) fn payload_bytes(payload: PayloadInput) -> Vec<u8> {
  match payload {
    Either::A(text) => text.into_bytes(),
    Either::B(bytes) => bytes.to_vec(),
  }
}

/// An optional payload; as in web-push, an empty string means "no payload".
pub(crate) fn optional_payload(payload: Option<PayloadInput>) -> Option<Vec<u8>> {
  match payload? {
    Either::A(text) if text.is_empty() => None,
    other => Some(payload_bytes(other)),
  }
}

/// The `ca` option: PEM text, a Buffer/Uint8Array of PEM, or an array of those.
pub(crate) type CaInput = Either3<String, Buffer, Vec<Either<String, Buffer>>>;

/// The one rule for `ca`: every entry as UTF-8 PEM text, joined by newlines.
pub(crate) fn ca_pem(ca: Option<CaInput>) -> Option<String> {
  let text = |entry: Either<String, Buffer>| match entry {
    Either::A(text) => text,
    Either::B(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
  };
  Some(match ca? {
    Either3::A(pem) => pem,
    Either3::B(bytes) => text(Either::B(bytes)),
    Either3::C(list) => list.into_iter().map(text).collect::<Vec<_>>().join("\n"),
  })
}

/// VAPID details as JS gives them (`setVapidDetails`, `vapidDetails`, `vapid`).
#[napi(object, object_to_js = false)]
pub struct VapidInput {
  /// `mailto:` or `https:` URL.
  pub subject: Option<String>,
  /// 65-byte public key, base64url.
  pub public_key: Option<String>,
  /// 32-byte private key, base64url.
  pub private_key: Option<String>,
}

/// The one place VAPID fields are checked: all three non-empty, then the subject rule and
/// the key pair (imported once and cached). `field` prefixes the names in messages.
pub(crate) fn vapid_of(input: Option<VapidInput>, field: &str) -> crate::Result<Option<VapidDetails>> {
  let Some(input) = input else { return Ok(None) };
  let part = |value: Option<String>, name: &str| match value {
    Some(text) if !text.is_empty() => Ok(text),
    other => Err(Error::InvalidArgType {
      field: if field.is_empty() {
        name.to_owned()
      } else {
        format!("{field}.{name}")
      },
      rule: "a non-empty string",
      got: if other.is_some() {
        "a string (0 characters)"
      } else {
        "undefined"
      }
      .to_owned(),
    }),
  };
  let subject = part(input.subject, "subject")?;
  let public_key = part(input.public_key, "publicKey")?;
  let private_key = part(input.private_key, "privateKey")?;
  VapidDetails::new(&subject, &public_key, &private_key).map(Some)
}

/// A JS number as `describe()` in lib/args.js shows it (`number 1.5`, `number Infinity`).
pub(crate) fn js_number(value: f64) -> String {
  if value.is_infinite() {
    format!("number {}Infinity", if value < 0.0 { "-" } else { "" })
  } else {
    format!("number {value}")
  }
}

/// `value` if it is an integer in `min..=max`, else a type error naming `field` and `rule`.
pub(crate) fn integer_in(
  value: f64,
  min: f64,
  max: f64,
  field: &str,
  rule: &'static str,
) -> crate::Result<f64> {
  if value.fract() == 0.0 && value >= min && value <= max {
    Ok(value)
  } else {
    Err(Error::InvalidArgType {
      field: field.to_owned(),
      rule,
      got: js_number(value),
    })
  }
}

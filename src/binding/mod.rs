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

use napi::bindgen_prelude::{Buffer, Either, ToNapiValue, TypeName, Unknown, ValueType};
use napi::{sys, JsError};

use crate::error::Error;

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

/// Copies a payload into owned bytes (tasks run off the JS thread).
pub(crate) fn payload_bytes(payload: Either<String, Buffer>) -> Vec<u8> {
  match payload {
    Either::A(text) => text.into_bytes(),
    Either::B(bytes) => bytes.to_vec(),
  }
}

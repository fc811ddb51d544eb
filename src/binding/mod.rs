#![cfg_attr(test, allow(dead_code))] // #[napi] exports are only reached through Node, not from `cargo test`
//! The napi layer: thin wrappers that convert JS values, run the core, and map errors.
//!
//! Every CPU task is one `Task` struct in its own file; its sync export calls the same
//! `run()` the task's `compute()` does, so sync and async cannot drift.
//!
//! Errors: a core [`Error`] becomes a JS error created here, with its `code` (the variant's
//! stable [`Error::code`]) and the variant's message: a `TypeError` for `InvalidArgType`, else
//! a `WebPushError` (the class lib/errors.js hands over once with `registerErrorClass`).
//! Exports return [`Fallible`], which throws (or rejects with) exactly that object; JS never
//! re-types or parses an error. JS values are read by [`js_value`], which words type errors.

mod client;
mod declarative;
mod decrypt;
mod encrypt;
mod js_value;
mod keys;
mod push_service;
mod send;
mod vapid;

use std::cell::RefCell;
use std::ptr;

use napi::bindgen_prelude::{Function, ToNapiValue, TypeName, Unknown, ValueType};
use napi::{sys, Env, JsValue};
use napi_derive::napi;

use crate::error::Error;
use crate::request::VapidDetails;

thread_local! {
  /// The `WebPushError` class of this thread's JS environment (set by `registerErrorClass`).
  static ERROR_CLASS: RefCell<Option<(sys::napi_env, sys::napi_ref)>> = const { RefCell::new(None) };
}

/// Makes the binding create its errors as instances of `WebPushError` (lib/errors.js calls
/// this once at load): `new WebPushError(message, undefined, undefined, undefined, endpoint, code)`.
#[napi(ts_args_type = "errorClass: new (...args: any[]) => Error")]
pub fn register_error_class(env: Env, error_class: Function) -> napi::Result<()> {
  let mut reference = ptr::null_mut();
  // SAFETY: `env` and `error_class` are this call's valid env and value; the reference lives as long
  // as the environment (one per thread).
  let status = unsafe { sys::napi_create_reference(env.raw(), error_class.raw(), 1, &mut reference) };
  if status != sys::Status::napi_ok {
    return Err(napi::Error::from_reason("cannot keep the WebPushError class"));
  }
  ERROR_CLASS.with(|slot| *slot.borrow_mut() = Some((env.raw(), reference)));
  Ok(())
}

/// A core result on its way to JS: `Ok` is converted as `T`; `Err` is thrown (or rejects the
/// promise) as the JS error for it, with `endpoint` set when one is known.
pub struct Fallible<T> {
  result: crate::Result<T>,
  endpoint: Option<String>,
}

impl<T> Fallible<T> {
  /// An error that names the endpoint it was for (`err.endpoint`).
  pub(crate) fn for_endpoint(result: crate::Result<T>, endpoint: Option<String>) -> Self {
    Self { result, endpoint }
  }
}

impl<T> From<crate::Result<T>> for Fallible<T> {
  fn from(result: crate::Result<T>) -> Self {
    Self {
      result,
      endpoint: None,
    }
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
    match val.result {
      // SAFETY: napi calls this on the JS thread with a valid env.
      Ok(value) => unsafe { T::to_napi_value(env, value) },
      Err(err) => Err(unsafe { js_error(env, &err, val.endpoint.as_deref()) }),
    }
  }
}

/// Creates the JS error for `err` and returns it as a `napi::Error` that holds a reference to
/// it, so napi throws or rejects with exactly that object.
///
/// # Safety
/// `env` must be the valid env of the current JS thread.
pub(crate) unsafe fn js_error(env: sys::napi_env, err: &Error, endpoint: Option<&str>) -> napi::Error {
  // SAFETY: the caller guarantees a valid env on the JS thread.
  match unsafe { create_error(env, err, endpoint) } {
    Some(value) => napi::Error::from(unsafe { Unknown::from_raw_unchecked(env, value) }),
    // The environment is shutting down (or the class misbehaved): a plain error will do.
    None => napi::Error::from_reason(err.to_string()),
  }
}

/// # Safety
/// `env` must be the valid env of the current JS thread.
unsafe fn create_error(env: sys::napi_env, err: &Error, endpoint: Option<&str>) -> Option<sys::napi_value> {
  let env_ = Env::from_raw(env);
  let code = env_.create_string(err.code()).ok()?.raw();
  let message = env_.create_string(err.to_string()).ok()?.raw();
  let mut value = ptr::null_mut();
  let class = ERROR_CLASS
    .with(|slot| *slot.borrow())
    .filter(|(owner, _)| *owner == env);
  // SAFETY (all calls below): valid env and values created in it, on its thread.
  let status = match (err, class) {
    (Error::InvalidArgType { .. }, _) | (_, None) => {
      let create = if matches!(err, Error::InvalidArgType { .. }) {
        sys::napi_create_type_error
      } else {
        sys::napi_create_error
      };
      unsafe { create(env, code, message, &mut value) }
    }
    (_, Some((_, reference))) => {
      let mut class = ptr::null_mut();
      if unsafe { sys::napi_get_reference_value(env, reference, &mut class) } != sys::Status::napi_ok {
        return None;
      }
      let undefined = ToNapiValue::to_napi_value(env, ()).ok()?;
      let endpoint = match endpoint {
        Some(text) => env_.create_string(text).ok()?.raw(),
        None => undefined,
      };
      let args = [message, undefined, undefined, undefined, endpoint, code];
      unsafe { sys::napi_new_instance(env, class, args.len(), args.as_ptr(), &mut value) }
    }
  };
  (status == sys::Status::napi_ok && !value.is_null()).then_some(value)
}

/// Runs a reader on the JS thread, turning its error into the JS error to throw.
pub(crate) fn throwing<T>(env: &Env, result: crate::Result<T>) -> napi::Result<T> {
  // SAFETY: `env` is the env of this call, on the JS thread.
  result.map_err(|err| unsafe { js_error(env.raw(), &err, None) })
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

/// VAPID details as JS gives them (`setVapidDetails`, `vapidDetails`, `vapid`), type-checked.
pub(crate) struct VapidInput {
  subject: String,
  public_key: String,
  private_key: String,
}

impl VapidInput {
  /// Reads an object whose three fields must be non-empty strings (`null`/`undefined`: none).
  /// `field` prefixes the names in messages.
  pub(crate) fn read(value: &Unknown, field: &str) -> crate::Result<Option<Self>> {
    if js_value::nullish(value) {
      return Ok(None);
    }
    let object = js_value::require_object(value, if field.is_empty() { "vapidDetails" } else { field })?;
    let part = |name: &str| {
      let member = js_value::get(&object, name)?;
      let field = if field.is_empty() {
        name.to_owned()
      } else {
        format!("{field}.{name}")
      };
      js_value::require_string(&member, &field)
    };
    Ok(Some(Self {
      subject: part("subject")?,
      public_key: part("publicKey")?,
      private_key: part("privateKey")?,
    }))
  }

  /// The one place VAPID values are checked: the subject rule and the key pair (imported once
  /// and cached).
  pub(crate) fn details(&self) -> crate::Result<VapidDetails> {
    VapidDetails::new(&self.subject, &self.public_key, &self.private_key)
  }
}

/// [`VapidInput::read`], then [`VapidInput::details`].
pub(crate) fn vapid_of(value: &Unknown, field: &str) -> crate::Result<Option<VapidDetails>> {
  VapidInput::read(value, field)?
    .map(|input| input.details())
    .transpose()
}

/// How a message shows a JS value (lib/args.js `describe`, for the JS glue's own messages).
#[napi(js_name = "describeValue")]
pub fn describe_value(value: Unknown) -> String {
  js_value::describe(&value)
}

/// Throws the TypeError `field must be a string, a Buffer or a Uint8Array` unless it is one.
#[napi(js_name = "checkPayload", ts_return_type = "void")]
pub fn check_payload(value: Unknown, field: String) -> Fallible<()> {
  js_value::require_payload(&value, &field).map(|_| ()).into()
}

/// Throws the TypeError `field must be an object` unless `value` is a plain object.
#[napi(js_name = "requireObject", ts_return_type = "void")]
pub fn require_object(value: Unknown, field: String) -> Fallible<()> {
  js_value::require_object(&value, &field).map(|_| ()).into()
}

/// A JS number as [`js_value::describe`] shows it (`number 1.5`, `number Infinity`).
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
      rule: rule.into(),
      got: js_number(value),
    })
  }
}

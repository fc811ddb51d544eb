//! Reading JS values as web-push's API takes them: the JS types of arguments and options
//! (napi's own conversions cannot word a `TypeError` that names the field), `describe()` of a
//! value for messages, and the one check of an options object's keys and value types.
//!
//! Every reader returns a core [`Error`]: `InvalidArgType` (a JS `TypeError`) for a value of
//! the wrong JS type, `InvalidOption` for an unknown option key. Value rules stay in the core.

use std::borrow::Cow;
use std::sync::Arc;

use napi::bindgen_prelude::{ArrayBuffer, FromNapiValue, JsObjectValue, Object, Uint8Array, Unknown};
use napi::{sys, JsValue, ValueType};

use crate::error::{Error, Result};

/// A failed read of a JS value (a throwing getter, a dying env): not the caller's wording.
fn unreadable(_: napi::Error) -> Error {
  Error::Internal {
    reason: "a JS value could not be read",
  }
}

/// The JS type of `value` (`Unknown` when napi cannot tell).
pub(crate) fn kind(value: &Unknown) -> ValueType {
  value.get_type().unwrap_or(ValueType::Unknown)
}

/// `undefined` or `null`.
pub(crate) fn nullish(value: &Unknown) -> bool {
  matches!(kind(value), ValueType::Undefined | ValueType::Null)
}

/// JS truthiness (web-push ignores falsy options).
pub(crate) fn truthy(value: &Unknown) -> bool {
  value.coerce_to_bool().unwrap_or(false)
}

/// `String(value)` for a value that is not a Symbol.
pub(crate) fn js_string(value: &Unknown) -> Result<String> {
  let text = value.coerce_to_string().map_err(unreadable)?;
  text
    .into_utf8()
    .map_err(unreadable)?
    .into_owned()
    .map_err(unreadable)
}

/// How a message shows a JS value: `null`, `an array`, `an instance of Foo`,
/// `a string (N characters)` (never the text: it may be a key passed in the wrong place),
/// else `typeof` and `String(value)` (`number 1.5`, `boolean true`, `undefined undefined`).
pub(crate) fn describe(value: &Unknown) -> String {
  let kind = kind(value);
  match kind {
    ValueType::Null => "null".to_owned(),
    ValueType::Object if value.is_array().unwrap_or(false) => "an array".to_owned(),
    ValueType::Object => format!("an instance of {}", constructor_name(value)),
    ValueType::String => match string(value) {
      Some(text) => format!("a string ({} characters)", text.encode_utf16().count()),
      None => "a string".to_owned(),
    },
    ValueType::Symbol => "symbol Symbol()".to_owned(),
    _ => {
      let type_of = match kind {
        ValueType::Undefined => "undefined",
        ValueType::Boolean => "boolean",
        ValueType::Number => "number",
        ValueType::BigInt => "bigint",
        ValueType::Function => "function",
        _ => "object",
      };
      format!("{type_of} {}", js_string(value).unwrap_or_default())
    }
  }
}

/// `value.constructor?.name ?? 'Object'`.
fn constructor_name(value: &Unknown) -> String {
  let name = object(value).and_then(|o| o.get_named_property::<Unknown>("constructor").ok());
  let name = name
    .filter(|c| !nullish(c))
    .and_then(|c| object(&c))
    .and_then(|c| c.get_named_property::<Unknown>("name").ok())
    .filter(|n| !nullish(n));
  name
    .and_then(|n| js_string(&n).ok())
    .unwrap_or_else(|| "Object".to_owned())
}

/// `value` as an object (objects and functions), whatever its class.
pub(crate) fn object<'e>(value: &Unknown<'e>) -> Option<Object<'e>> {
  matches!(kind(value), ValueType::Object | ValueType::Function)
    .then(|| unsafe { value.cast::<Object>() }.ok())
    .flatten()
}

/// `value` as an object, its type already known to be `object` or `function`.
pub(crate) fn object_unchecked<'e>(value: &Unknown<'e>) -> Object<'e> {
  Object::from_raw(value.value().env, value.raw())
}

/// `value` as a Rust string, when it is a JS string (one napi call for most strings: a
/// `sendMany` item has three).
pub(crate) fn string(value: &Unknown) -> Option<String> {
  let mut buffer = [0u8; 512];
  let mut len = 0;
  let env = value.value().env;
  // SAFETY: `value` is a live value of `env`; napi writes at most `buffer.len()` bytes, NUL
  // included, and fails (string expected) for any other type.
  let status = unsafe {
    sys::napi_get_value_string_utf8(
      env,
      value.raw(),
      buffer.as_mut_ptr().cast(),
      buffer.len(),
      &mut len,
    )
  };
  if status != sys::Status::napi_ok {
    return None;
  }
  // A truncated copy stops short of a split UTF-8 character: up to 4 bytes from the end.
  if len + 4 < buffer.len() {
    return String::from_utf8(buffer.get(..len)?.to_vec()).ok();
  }
  // SAFETY: `value` is a JS string.
  unsafe { value.cast::<String>() }.ok()
}

/// `value` as a number, when it is a JS number.
pub(crate) fn number(value: &Unknown) -> Option<f64> {
  // SAFETY: only a JS number is cast to an f64.
  (kind(value) == ValueType::Number)
    .then(|| unsafe { value.cast::<f64>() }.ok())
    .flatten()
}

/// The bytes of a Uint8Array (a Buffer is one).
pub(crate) fn uint8_bytes(value: &Unknown) -> Option<Vec<u8>> {
  if !value.is_typedarray().unwrap_or(false) {
    return None;
  }
  // SAFETY: `value` is a typed array; the cast checks that it is a Uint8Array.
  unsafe { value.cast::<Uint8Array>() }
    .ok()
    .map(|bytes| bytes.to_vec())
}

/// The TypeError for `value` in `field`, which must be `rule`.
pub(crate) fn type_error(
  field: impl Into<String>,
  rule: impl Into<Cow<'static, str>>,
  value: &Unknown,
) -> Error {
  Error::InvalidArgType {
    field: field.into(),
    rule: rule.into(),
    got: describe(value),
  }
}

/// A plain object (not null, not an array): `field must be an object`.
pub(crate) fn require_object<'e>(value: &Unknown<'e>, field: &str) -> Result<Object<'e>> {
  if kind(value) == ValueType::Object && !value.is_array().unwrap_or(false) {
    return Ok(object_unchecked(value));
  }
  Err(type_error(field, "an object", value))
}

/// A non-empty string.
pub(crate) fn require_string(value: &Unknown, field: &str) -> Result<String> {
  match string(value) {
    Some(text) if !text.is_empty() => Ok(text),
    _ => Err(type_error(field, "a non-empty string", value)),
  }
}

/// `undefined`/`null` are `None`; anything else must be a non-empty string.
pub(crate) fn optional_string(value: &Unknown, field: &str) -> Result<Option<String>> {
  if nullish(value) {
    return Ok(None);
  }
  require_string(value, field).map(Some)
}

/// A payload: a string (its UTF-8 bytes), a Buffer or a Uint8Array.
pub(crate) fn require_payload(value: &Unknown, field: &str) -> Result<Vec<u8>> {
  if let Some(text) = string(value) {
    return Ok(text.into_bytes());
  }
  uint8_bytes(value).ok_or_else(|| type_error(field, "a string, a Buffer or a Uint8Array", value))
}

/// An optional payload: `undefined`, `null` and `""` are "no payload", as in web-push.
pub(crate) fn optional_payload(value: &Unknown) -> Result<Option<Arc<[u8]>>> {
  if nullish(value) {
    return Ok(None);
  }
  let bytes = require_payload(value, "payload")?;
  Ok((!bytes.is_empty() || kind(value) != ValueType::String).then(|| Arc::from(bytes)))
}

/// A body: a Buffer, a Uint8Array or an ArrayBuffer.
pub(crate) fn require_bytes(value: &Unknown, field: &str) -> Result<Vec<u8>> {
  if let Some(bytes) = uint8_bytes(value) {
    return Ok(bytes);
  }
  if value.is_arraybuffer().unwrap_or(false) {
    // SAFETY: `value` is an ArrayBuffer.
    if let Ok(buffer) = unsafe { ArrayBuffer::from_napi_value(value.value().env, value.raw()) } {
      return Ok(buffer.to_vec());
    }
  }
  Err(type_error(field, "a Buffer or a Uint8Array", value))
}

/// Property `name` of `object` (`undefined` when absent).
pub(crate) fn get<'e>(object: &Object<'e>, name: &str) -> Result<Unknown<'e>> {
  // Names are short ASCII: a NUL-terminated copy on the stack saves an allocation per read.
  let mut key = [0u8; 64];
  if name.len() >= key.len() || name.contains('\0') {
    return object.get_named_property::<Unknown>(name).map_err(unreadable);
  }
  key
    .get_mut(..name.len())
    .ok_or_else(|| unreadable(napi::Error::from_reason(name)))?
    .copy_from_slice(name.as_bytes());
  let env = object.value().env;
  let mut value = std::ptr::null_mut();
  // SAFETY: `object` is a live value of `env`; `key` is NUL-terminated.
  let status = unsafe { sys::napi_get_named_property(env, object.raw(), key.as_ptr().cast(), &mut value) };
  if status != sys::Status::napi_ok {
    return Err(unreadable(napi::Error::from_reason(name)));
  }
  // SAFETY: napi just returned `value` in `env`.
  Ok(unsafe { Unknown::from_raw_unchecked(env, value) })
}

/// The own enumerable string keys of `object`, in order (`Object.keys`).
pub(crate) fn keys(object: &Object) -> Result<Vec<String>> {
  let env = object.value().env;
  let mut names = std::ptr::null_mut();
  // SAFETY: `object` is a live value of `env`, on its thread.
  let status = unsafe {
    sys::napi_get_all_property_names(
      env,
      object.raw(),
      sys::KeyCollectionMode::own_only,
      sys::KeyFilter::enumerable | sys::KeyFilter::skip_symbols,
      sys::KeyConversion::numbers_to_strings,
      &mut names,
    )
  };
  if status != sys::Status::napi_ok {
    return Err(Error::Internal {
      reason: "a JS value could not be read",
    });
  }
  let names = Object::from_raw(env, names);
  let count = names.get_array_length().map_err(unreadable)?;
  (0..count)
    .map(|i| names.get_element::<String>(i).map_err(unreadable))
    .collect()
}

/// A JS type an option may have.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
  /// A string.
  Str,
  /// A number (NaN and Infinity included: ranges are value rules).
  Num,
  /// A boolean.
  Bool,
  /// A plain object.
  Obj,
  /// A function.
  Func,
  /// `null`.
  Null,
  /// `false`.
  False,
  /// PEM text, a Buffer/Uint8Array, or an array of those.
  Pem,
  /// Anything (checked later, or echoed).
  Any,
}

impl Ty {
  fn wording(self) -> &'static str {
    match self {
      Ty::Str => "a string",
      Ty::Num => "a number",
      Ty::Bool => "a boolean",
      Ty::Obj => "an object",
      Ty::Func => "a function",
      Ty::Null => "null",
      Ty::False => "false",
      Ty::Pem => "PEM text, a Buffer, or an array of those",
      Ty::Any => "anything",
    }
  }

  fn accepts(self, value: &Unknown) -> bool {
    let pem = |v: &Unknown| kind(v) == ValueType::String || uint8(v);
    match self {
      Ty::Str => kind(value) == ValueType::String,
      Ty::Num => kind(value) == ValueType::Number,
      Ty::Bool => kind(value) == ValueType::Boolean,
      Ty::Obj => kind(value) == ValueType::Object && !value.is_array().unwrap_or(false),
      Ty::Func => kind(value) == ValueType::Function,
      Ty::Null => kind(value) == ValueType::Null,
      Ty::False => kind(value) == ValueType::Boolean && !truthy(value),
      Ty::Pem => pem(value) || elements(value).is_some_and(|list| list.iter().all(pem)),
      Ty::Any => true,
    }
  }
}

/// A Uint8Array (or Buffer), without copying it.
fn uint8(value: &Unknown) -> bool {
  value.is_typedarray().unwrap_or(false) && unsafe { value.cast::<Uint8Array>() }.is_ok()
}

/// The elements of a JS array.
pub(crate) fn elements<'e>(value: &Unknown<'e>) -> Option<Vec<Unknown<'e>>> {
  if !value.is_array().unwrap_or(false) {
    return None;
  }
  let array = object(value)?;
  let len = array.get_array_length().ok()?;
  (0..len).map(|i| array.get_element::<Unknown>(i).ok()).collect()
}

/// The allowed keys of an options object and the JS types of each.
pub(crate) type Spec = &'static [(&'static str, &'static [Ty])];

/// How an unknown option key is worded.
#[derive(Clone, Copy)]
pub(crate) enum KeyWording {
  /// `'x' is not a <what> option; valid: a, b` (web-push-rs's own APIs).
  NotA(&'static str),
  /// web-push's own wording: `'x' is an invalid option. The valid options are ['a', 'b'].`
  WebPush,
}

/// The one check of an options object: a plain object (`field must be an object`), every key
/// in `spec` (else `ERR_INVALID_OPTION` worded by `unknown`), every value that is not
/// `undefined` of one of its key's types (else a TypeError naming `field.key`).
pub(crate) fn check_options<'e>(
  value: &Unknown<'e>,
  spec: Spec,
  field: &str,
  unknown: KeyWording,
) -> Result<Object<'e>> {
  let object = require_object(value, field)?;
  for key in keys(&object)? {
    let Some((_, types)) = spec.iter().find(|(name, _)| *name == key) else {
      let names: Vec<&str> = spec.iter().map(|(name, _)| *name).collect();
      let message = match unknown {
        KeyWording::NotA(what) => format!("'{key}' is not a {what} option; valid: {}", names.join(", ")),
        KeyWording::WebPush => format!(
          "'{key}' is an invalid option. The valid options are ['{}'].",
          names.join("', '")
        ),
      };
      return Err(Error::InvalidOption {
        message: message.into(),
      });
    };
    let member = get(&object, &key)?;
    if kind(&member) != ValueType::Undefined && !types.iter().any(|t| t.accepts(&member)) {
      let rule: Vec<&str> = types.iter().map(|t| t.wording()).collect();
      return Err(type_error(format!("{field}.{key}"), rule.join(" or "), &member));
    }
  }
  Ok(object)
}

/// An option that was type-checked as a number (or absent).
pub(crate) fn opt_number(object: &Object, name: &str) -> Result<Option<f64>> {
  Ok(number(&get(object, name)?))
}

/// An option that was type-checked as a string (or absent).
pub(crate) fn opt_string(object: &Object, name: &str) -> Result<Option<String>> {
  Ok(string(&get(object, name)?))
}

/// An option that was type-checked as a boolean (or absent).
pub(crate) fn opt_bool(object: &Object, name: &str) -> Result<Option<bool>> {
  let value = get(object, name)?;
  Ok((kind(&value) == ValueType::Boolean).then(|| truthy(&value)))
}

/// Extra headers as `[name, value]` pairs; values must be strings or numbers (`String(value)`).
pub(crate) fn header_pairs(value: &Unknown, field: &str) -> Result<Vec<(String, String)>> {
  let object = require_object(value, field)?;
  keys(&object)?
    .into_iter()
    .map(|name| {
      let member = get(&object, &name)?;
      match kind(&member) {
        ValueType::String | ValueType::Number => Ok((name, js_string(&member)?)),
        _ => Err(type_error(
          format!("{field}[{}]", serde_json::Value::from(name.as_str())),
          "a string or a number",
          &member,
        )),
      }
    })
    .collect()
}

/// The one rule for `ca` (already type-checked as [`Ty::Pem`]): every entry as UTF-8 PEM text,
/// joined by newlines.
pub(crate) fn ca_pem(value: &Unknown) -> Result<Option<String>> {
  let text = |entry: &Unknown| match string(entry) {
    Some(text) => text,
    None => String::from_utf8_lossy(&uint8_bytes(entry).unwrap_or_default()).into_owned(),
  };
  if nullish(value) {
    return Ok(None);
  }
  Ok(Some(match elements(value) {
    Some(list) => list.iter().map(text).collect::<Vec<_>>().join("\n"),
    None => text(value),
  }))
}

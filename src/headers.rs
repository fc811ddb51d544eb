//! HTTP header lists as plain data: ordered `(name, value)` pairs, case-insensitive lookup,
//! and validation of caller-supplied headers (RFC 9110 field names and values).

use crate::error::{Error, Result};

/// The value of header `name` in `headers` (case-insensitive; the first one wins).
pub fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
  headers
    .iter()
    .find(|(n, _)| n.eq_ignore_ascii_case(name))
    .map(|(_, v)| v.as_str())
}

/// An ordered header list where setting a name again replaces its value.
pub(crate) struct Headers(pub(crate) Vec<(String, String)>);

impl Headers {
  pub(crate) fn set(&mut self, name: &str, value: String) {
    match self.0.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
      Some(entry) => entry.1 = value,
      None => self.0.push((name.to_owned(), value)),
    }
  }

  pub(crate) fn get(&self, name: &str) -> Option<&str> {
    find_header(&self.0, name)
  }
}

/// Checks a caller-supplied header: an RFC 9110 token name and a value without control characters.
pub fn validate_header(name: &str, value: &str) -> Result<()> {
  if http::HeaderName::from_bytes(name.as_bytes()).is_err() {
    return Err(Error::InvalidHeader {
      name: name.to_owned(),
      reason: "is not a valid HTTP header name",
    });
  }
  if http::HeaderValue::from_str(value).is_err() {
    return Err(Error::InvalidHeader {
      name: name.to_owned(),
      reason: "has a value with characters HTTP does not allow (control characters such as CR or LF)",
    });
  }
  Ok(())
}

//! base64url: lenient in, strict out.
//!
//! Browsers and web-push emit unpadded base64url, but keys copied around by hand often
//! arrive padded or in the standard alphabet; we accept all of those on input and always
//! emit unpadded base64url.

use base64ct::{Base64UrlUnpadded, Encoding};

use crate::error::{Error, Result};

/// Encodes `bytes` as base64url without padding.
pub fn encode(bytes: &[u8]) -> String {
  Base64UrlUnpadded::encode_string(bytes)
}

/// Decodes base64url or standard base64, padded or not; `field` names the input in errors.
pub fn decode(input: &str, field: &'static str) -> Result<Vec<u8>> {
  let trimmed = input.trim_end_matches('=');
  let canonical: String = trimmed
    .chars()
    .map(|c| match c {
      '+' => '-',
      '/' => '_',
      other => other,
    })
    .collect();
  Base64UrlUnpadded::decode_vec(&canonical).map_err(|_| Error::InvalidBase64 { field })
}

/// Decodes into a fixed-size array, reporting a wrong length through `on_len`.
pub fn decode_array<const N: usize>(
  input: &str,
  field: &'static str,
  on_len: impl FnOnce(usize) -> Error,
) -> Result<[u8; N]> {
  let bytes = decode(input, field)?;
  <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| on_len(bytes.len()))
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn accepts_padded_and_standard_alphabet() {
    let bytes = [0xfb, 0xff, 0x01];
    assert_eq!(encode(&bytes), "-_8B");
    assert_eq!(decode("-_8B", "x").unwrap(), bytes);
    assert_eq!(decode("+/8B", "x").unwrap(), bytes);
    assert_eq!(decode("AQ==", "x").unwrap(), [1]);
    assert_eq!(decode("AQ", "x").unwrap(), [1]);
  }

  #[test]
  fn rejects_other_characters_naming_the_field() {
    let err = decode("ab$c", "keys.auth").unwrap_err();
    assert_eq!(err, Error::InvalidBase64 { field: "keys.auth" });
    assert_eq!(err.code(), "ERR_INVALID_BASE64");
    assert!(err.to_string().contains("keys.auth"));
  }

  #[test]
  fn reports_wrong_lengths() {
    let err = decode_array::<2>("AQ", "x", |len| Error::InvalidAuth { len }).unwrap_err();
    assert_eq!(err, Error::InvalidAuth { len: 1 });
  }
}

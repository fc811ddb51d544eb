//! Arbitrary bytes as an `aes128gcm` body (RFC 8188 header + records) for fixed receiver keys.
//!
//! Invariants: no panic; every failure is `ERR_DECRYPTION_FAILED` (the one code `decrypt`
//! documents for a bad body); a plaintext is strictly shorter than its body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use web_push_rs::ece::{self, MessageHeaders};
use web_push_rs_fuzz::receiver_keys;

fuzz_target!(|body: &[u8]| {
  let keys = receiver_keys();
  // No headers (the default encoding) and an explicit `Content-Encoding: aes128gcm` take the
  // same path; both must agree.
  let implicit = ece::decrypt(body, &keys, &MessageHeaders::default());
  let explicit = ece::decrypt(
    body,
    &keys,
    &MessageHeaders {
      content_encoding: Some("aes128gcm"),
      ..Default::default()
    },
  );
  assert_eq!(implicit, explicit);
  match implicit {
    Ok(plaintext) => assert!(plaintext.len() < body.len()),
    Err(err) => assert_eq!(err.code(), "ERR_DECRYPTION_FAILED", "{err}"),
  }
});

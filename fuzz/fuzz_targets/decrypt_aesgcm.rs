//! Legacy `aesgcm`: arbitrary `Encryption` and `Crypto-Key` header values and body.
//!
//! Input: `<Encryption>\n<Crypto-Key>\n<body bytes>`; a missing line means a missing header.
//! Invariants: no panic; failures carry one of the codes `decrypt` documents for aesgcm.
#![no_main]

use libfuzzer_sys::fuzz_target;
use web_push_rs::ece::{self, MessageHeaders};
use web_push_rs_fuzz::{fields, receiver_keys};

fuzz_target!(|data: &[u8]| {
  let ([encryption, crypto_key], body) = fields::<2>(data);
  let headers = MessageHeaders {
    content_encoding: Some("aesgcm"),
    encryption: encryption.as_deref(),
    crypto_key: crypto_key.as_deref(),
  };
  match ece::decrypt(body, &receiver_keys(), &headers) {
    Ok(plaintext) => assert!(plaintext.len() < body.len()),
    Err(err) => assert!(
      matches!(
        err.code(),
        "ERR_DECRYPTION_FAILED" | "ERR_INVALID_ENCRYPTION_HEADER" | "ERR_INVALID_BASE64"
      ),
      "unexpected {}: {err}",
      err.code()
    ),
  }
});

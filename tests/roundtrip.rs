//! Production-path round trips and every error the encrypt/decrypt path can raise.

use web_push_rs::ece::{self, ContentEncoding, MessageHeaders, ReceiverKeys};
use web_push_rs::keys::KeyPair;
use web_push_rs::Error;

fn receiver() -> (KeyPair, ReceiverKeys) {
  let pair = KeyPair::generate().unwrap();
  let auth = web_push_rs::keys::AuthSecret::from_bytes(&[7u8; 16]).unwrap();
  let keys = ReceiverKeys {
    private_key: pair.private_key.clone(),
    auth,
  };
  (pair, keys)
}

fn headers(message: &ece::EncryptedMessage) -> (Option<String>, Option<String>) {
  match message.aesgcm_headers() {
    Some((e, c)) => (Some(e), Some(c)),
    None => (None, None),
  }
}

#[test]
fn both_encodings_round_trip_at_every_size_boundary() {
  let (pair, keys) = receiver();
  for encoding in [ContentEncoding::Aes128Gcm, ContentEncoding::AesGcm] {
    for len in [0, 1, 100, encoding.max_plaintext_len()] {
      let plaintext: Vec<u8> = (0..len).map(|i| i as u8).collect();
      let message = ece::encrypt(&pair.public_key, &keys.auth, &plaintext, encoding).unwrap();
      assert!(
        message.body.len() <= 4096,
        "{encoding} {len} -> {}",
        message.body.len()
      );
      let (encryption, crypto_key) = headers(&message);
      let h = MessageHeaders {
        content_encoding: Some(encoding.as_str()),
        encryption: encryption.as_deref(),
        crypto_key: crypto_key.as_deref(),
      };
      assert_eq!(ece::decrypt(&message.body, &keys, &h).unwrap(), plaintext);
    }
    let err = ece::encrypt(
      &pair.public_key,
      &keys.auth,
      &vec![0; encoding.max_plaintext_len() + 1],
      encoding,
    )
    .unwrap_err();
    assert_eq!(err.code(), "ERR_PAYLOAD_TOO_LARGE");
  }
  assert_eq!(ContentEncoding::Aes128Gcm.max_plaintext_len(), 3993);
  assert_eq!(ContentEncoding::AesGcm.max_plaintext_len(), 4078);
}

#[test]
fn every_message_uses_a_fresh_key_and_salt() {
  let (pair, keys) = receiver();
  let a = ece::encrypt(&pair.public_key, &keys.auth, b"x", ContentEncoding::Aes128Gcm).unwrap();
  let b = ece::encrypt(&pair.public_key, &keys.auth, b"x", ContentEncoding::Aes128Gcm).unwrap();
  assert_ne!(a.salt, b.salt);
  assert_ne!(a.sender_public_key, b.sender_public_key);
}

#[test]
fn tampering_and_wrong_keys_fail_authentication() {
  let (pair, keys) = receiver();
  let message = ece::encrypt(&pair.public_key, &keys.auth, b"hello", ContentEncoding::Aes128Gcm).unwrap();
  let mut tampered = message.body.clone();
  *tampered.last_mut().unwrap() ^= 1;
  let err = ece::decrypt(&tampered, &keys, &MessageHeaders::default()).unwrap_err();
  assert_eq!(err.code(), "ERR_DECRYPTION_FAILED");
  let (_, other) = receiver();
  assert!(ece::decrypt(&message.body, &other, &MessageHeaders::default()).is_err());
}

#[test]
fn malformed_bodies_and_headers_are_typed_errors() {
  let (_, keys) = receiver();
  let none = MessageHeaders::default();
  for body in [&b""[..], &[0u8; 20][..], &[0u8; 21][..]] {
    assert_eq!(
      ece::decrypt(body, &keys, &none).unwrap_err().code(),
      "ERR_DECRYPTION_FAILED"
    );
  }
  let aesgcm = MessageHeaders {
    content_encoding: Some("aesgcm"),
    ..Default::default()
  };
  let err = ece::decrypt(&[0; 40], &keys, &aesgcm).unwrap_err();
  assert_eq!(
    err,
    Error::InvalidEncryptionHeader {
      header: "Encryption",
      reason: "is required for aesgcm"
    }
  );
  let bad_salt = MessageHeaders {
    encryption: Some("salt=AAAA"),
    crypto_key: Some("dh=AAAA"),
    ..aesgcm.clone()
  };
  assert_eq!(
    ece::decrypt(&[0; 40], &keys, &bad_salt).unwrap_err().code(),
    "ERR_INVALID_ENCRYPTION_HEADER"
  );
  let bad_encoding = MessageHeaders {
    content_encoding: Some("gzip"),
    ..Default::default()
  };
  assert_eq!(
    ece::decrypt(&[0; 40], &keys, &bad_encoding).unwrap_err().code(),
    "ERR_UNSUPPORTED_ENCODING"
  );
  assert_eq!(
    "br".parse::<ContentEncoding>().unwrap_err().code(),
    "ERR_UNSUPPORTED_ENCODING"
  );
}

//! The published vectors in `__test__/fixtures/ece-vectors.json`, reproduced byte for byte.

use serde_json::Value;
use web_push_rs::base64url;
use web_push_rs::ece::{self, aes128gcm, aesgcm, ContentEncoding, MessageHeaders, ReceiverKeys};
use web_push_rs::keys::{AuthSecret, KeyRole, PrivateKey, PublicKey};

fn vectors() -> Value {
  let path = concat!(env!("CARGO_MANIFEST_DIR"), "/__test__/fixtures/ece-vectors.json");
  serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn b64(v: &Value, key: &str) -> Vec<u8> {
  base64url::decode(
    v[key].as_str().unwrap_or_else(|| panic!("missing {key}")),
    "vector",
  )
  .unwrap()
}

fn salt(v: &Value) -> [u8; 16] {
  b64(v, "salt_b64url").try_into().unwrap()
}

#[test]
fn rfc8291_appendix_a_every_intermediate_value() {
  let v = &vectors()["rfc8291_appendix_a"];
  let i = &v["intermediate"];
  let ua_private = PrivateKey::from_bytes(&b64(v, "ua_private_key_b64url"), KeyRole::Decryption).unwrap();
  let ua_public = PublicKey::from_bytes(&b64(v, "ua_public_key_b64url"), KeyRole::P256dh).unwrap();
  let as_private = PrivateKey::from_bytes(&b64(v, "as_private_key_b64url"), KeyRole::Vapid).unwrap();
  let as_public = PublicKey::from_bytes(&b64(v, "as_public_key_b64url"), KeyRole::P256dh).unwrap();
  let auth = AuthSecret::from_bytes(&b64(v, "auth_secret_b64url")).unwrap();
  assert_eq!(ua_private.public_key(), ua_public);
  assert_eq!(as_private.public_key(), as_public);

  let ecdh = as_private.diffie_hellman(&ua_public);
  assert_eq!(ecdh.to_vec(), b64(i, "ecdh_secret_b64url"));
  assert_eq!(*ua_private.diffie_hellman(&as_public), *ecdh);
  assert_eq!(
    aes128gcm::key_info(ua_public.as_bytes(), as_public.as_bytes()),
    b64(i, "key_info_b64url")
  );
  let ikm =
    aes128gcm::web_push_ikm(&ecdh, auth.as_bytes(), ua_public.as_bytes(), as_public.as_bytes()).unwrap();
  assert_eq!(ikm.to_vec(), b64(i, "ikm_b64url"));
  let keys = aes128gcm::ContentKeys::derive(ikm.as_ref(), &salt(v)).unwrap();
  assert_eq!(keys.prk.to_vec(), b64(i, "prk_b64url"));
  assert_eq!(keys.cek.to_vec(), b64(i, "cek_b64url"));
  assert_eq!(keys.nonce.to_vec(), b64(i, "nonce_b64url"));
  let header = aes128gcm::header(&salt(v), 4096, as_public.as_bytes()).unwrap();
  assert_eq!(header, b64(i, "header_86_octets_b64url"));

  let plaintext = v["plaintext_utf8"].as_str().unwrap().as_bytes();
  let mut padded = plaintext.to_vec();
  padded.push(2);
  assert_eq!(padded, b64(i, "padded_plaintext_b64url"));

  let message = ece::encrypt_with(
    &ua_public,
    &auth,
    plaintext,
    ContentEncoding::Aes128Gcm,
    &as_private,
    salt(v),
  )
  .unwrap();
  let expected = b64(v, "expected_body_b64url");
  assert_eq!(
    &message.body[header.len()..],
    b64(i, "aesgcm_output_ciphertext_plus_tag_b64url")
  );
  assert_eq!(message.body, expected);
  assert_eq!(
    message.body.len() as u64,
    v["expected_body_length"].as_u64().unwrap()
  );

  let receiver = ReceiverKeys {
    private_key: ua_private,
    auth,
  };
  assert_eq!(
    ece::decrypt(&expected, &receiver, &MessageHeaders::default()).unwrap(),
    plaintext
  );
}

fn rfc8188_keys(v: &Value) -> aes128gcm::ContentKeys {
  aes128gcm::ContentKeys::derive(&b64(v, "ikm_b64url"), &salt(v)).unwrap()
}

#[test]
fn rfc8188_section_3_1_decrypt_and_reencrypt() {
  let v = &vectors()["rfc8188_section_3_1"];
  let keys = rfc8188_keys(v);
  let i = &v["intermediate"];
  assert_eq!(keys.prk.to_vec(), b64(i, "prk_b64url"));
  assert_eq!(keys.cek.to_vec(), b64(i, "cek_b64url"));
  assert_eq!(keys.nonce.to_vec(), b64(i, "nonce_b64url"));

  let body = b64(v, "expected_body_b64url");
  let header = aes128gcm::Header::parse(&body).unwrap();
  assert_eq!(header.record_size, 4096);
  assert!(header.keyid.is_empty());
  let plaintext = aes128gcm::decrypt_records(&keys, header.record_size, header.records).unwrap();
  assert_eq!(plaintext, v["plaintext_utf8"].as_str().unwrap().as_bytes());

  let again = aes128gcm::encrypt_single_record(&keys, &salt(v), 4096, b"", &plaintext).unwrap();
  assert_eq!(again, body);
}

#[test]
fn rfc8188_section_3_2_multiple_records_with_padding() {
  let v = &vectors()["rfc8188_section_3_2"];
  let body = b64(v, "expected_body_b64url");
  let header = aes128gcm::Header::parse(&body).unwrap();
  assert_eq!(header.record_size, 25);
  assert_eq!(header.keyid, b"a1");
  let plaintext = aes128gcm::decrypt_records(&rfc8188_keys(v), header.record_size, header.records).unwrap();
  assert_eq!(plaintext, v["plaintext_utf8"].as_str().unwrap().as_bytes());
}

#[test]
fn legacy_aesgcm_vector() {
  let v = &vectors()["aesgcm_legacy_cross_checked"];
  let ua_private = PrivateKey::from_bytes(&b64(v, "ua_private_key_b64url"), KeyRole::Decryption).unwrap();
  let as_private = PrivateKey::from_bytes(&b64(v, "as_private_key_b64url"), KeyRole::Vapid).unwrap();
  let auth = AuthSecret::from_bytes(&b64(v, "auth_secret_b64url")).unwrap();
  let plaintext = v["plaintext_utf8"].as_str().unwrap().as_bytes();
  let message = ece::encrypt_with(
    &ua_private.public_key(),
    &auth,
    plaintext,
    ContentEncoding::AesGcm,
    &as_private,
    salt(v),
  )
  .unwrap();
  let expected = b64(v, "expected_body_b64url");
  assert_eq!(message.body, expected);
  let (encryption, crypto_key) = message.aesgcm_headers().unwrap();
  let h = &v["expected_headers"];
  assert_eq!(encryption, h["Encryption"].as_str().unwrap());
  assert_eq!(crypto_key, h["Crypto-Key"].as_str().unwrap());

  let headers = MessageHeaders {
    content_encoding: Some("aesgcm"),
    encryption: Some(&encryption),
    crypto_key: Some(&format!("{crypto_key};p256ecdsa=ignored")),
  };
  let receiver = ReceiverKeys {
    private_key: ua_private,
    auth,
  };
  assert_eq!(ece::decrypt(&expected, &receiver, &headers).unwrap(), plaintext);
  let (parsed_salt, rs) = aesgcm::parse_encryption_header(&encryption).unwrap();
  assert_eq!((parsed_salt, rs), (salt(v), 4096));
}

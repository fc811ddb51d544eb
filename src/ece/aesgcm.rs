//! Legacy `aesgcm` (draft-ietf-webpush-encryption-04 on draft-ietf-httpbis-encryption-encoding-03).
//!
//! Still accepted by every push service; kept apart so the modern scheme stays the default.
//! The salt and the sender key travel in headers (`Encryption: salt=…`,
//! `Crypto-Key: dh=…`), the body is the bare record:
//!
//! ```text
//! +------------------+------------------+-------------+------------+
//! | pad length (2)   | padding (0x00*)  | plaintext   | tag (16)   |
//! +------------------+------------------+-------------+------------+
//!   \_____________ AES-128-GCM encrypted _______________/
//! ```
//!
//! ```text
//! IKM     = HKDF(salt = auth, ikm = ECDH, info = "Content-Encoding: auth\0", 32)
//! context = "P-256\0" ‖ 0x0041 ‖ ua_pub ‖ 0x0041 ‖ as_pub
//! CEK     = HKDF(salt, IKM, "Content-Encoding: aesgcm\0" ‖ context, 16)
//! NONCE   = HKDF(salt, IKM, "Content-Encoding: nonce\0" ‖ context, 12)
//! ```

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::aes128gcm::{open_record, ContentKeys, SALT_LEN, TAG_LEN};
use crate::base64url;
use crate::error::{Error, Result};
use crate::keys::{KeyRole, PublicKey, PUBLIC_KEY_LEN};

/// Default record size of the legacy scheme.
pub const RECORD_SIZE: u32 = 4096;
/// Largest plaintext that keeps the body within 4096 bytes: 4078 bytes.
pub const MAX_PLAINTEXT_LEN: usize = RECORD_SIZE as usize - TAG_LEN - 2;

/// Derives the content keys of a legacy message.
pub fn content_keys(
  ecdh_secret: &[u8; 32],
  auth_secret: &[u8; 16],
  ua_public: &[u8; PUBLIC_KEY_LEN],
  as_public: &[u8; PUBLIC_KEY_LEN],
  salt: &[u8; SALT_LEN],
) -> Result<ContentKeys> {
  let hkdf_failed = |_| Error::Crypto {
    reason: "HKDF expand failed",
  };
  let mut ikm = Zeroizing::new([0u8; 32]);
  Hkdf::<Sha256>::new(Some(auth_secret), ecdh_secret)
    .expand(b"Content-Encoding: auth\0", ikm.as_mut())
    .map_err(hkdf_failed)?;

  let mut context = Vec::with_capacity(6 + 2 * (2 + PUBLIC_KEY_LEN));
  context.extend_from_slice(b"P-256\0");
  for key in [ua_public, as_public] {
    context.extend_from_slice(&(PUBLIC_KEY_LEN as u16).to_be_bytes());
    context.extend_from_slice(key);
  }
  let (prk, hkdf) = Hkdf::<Sha256>::extract(Some(salt), ikm.as_ref());
  let mut keys = ContentKeys {
    prk: prk.into(),
    cek: [0; 16],
    nonce: [0; 12],
  };
  hkdf
    .expand_multi_info(&[b"Content-Encoding: aesgcm\0", &context], &mut keys.cek)
    .map_err(hkdf_failed)?;
  hkdf
    .expand_multi_info(&[b"Content-Encoding: nonce\0", &context], &mut keys.nonce)
    .map_err(hkdf_failed)?;
  Ok(keys)
}

/// Encrypts `plaintext` as one record with no padding.
pub fn encrypt_single_record(keys: &ContentKeys, plaintext: &[u8]) -> Result<Vec<u8>> {
  if plaintext.len() > MAX_PLAINTEXT_LEN {
    return Err(Error::PayloadTooLarge {
      len: plaintext.len(),
      max: MAX_PLAINTEXT_LEN,
    });
  }
  let mut body = Vec::with_capacity(2 + plaintext.len() + TAG_LEN);
  body.extend_from_slice(&[0, 0]);
  body.extend_from_slice(plaintext);
  let tag = Aes128Gcm::new(&keys.cek.into())
    .encrypt_in_place_detached(&Nonce::from(keys.nonce), b"", &mut body)
    .map_err(|_| Error::Crypto {
      reason: "AES-GCM encryption failed",
    })?;
  body.extend_from_slice(&tag);
  Ok(body)
}

/// Decrypts every record (`record_size` plaintext bytes + 16-byte tag each) and strips padding.
pub fn decrypt_records(keys: &ContentKeys, record_size: u32, body: &[u8]) -> Result<Vec<u8>> {
  if body.is_empty() {
    return Err(Error::DecryptionFailed {
      reason: "message has no records",
    });
  }
  let cipher = Aes128Gcm::new(&keys.cek.into());
  let mut plaintext = Vec::with_capacity(body.len());
  for (seq, chunk) in body.chunks(record_size as usize + TAG_LEN).enumerate() {
    let record = open_record(&cipher, &keys.nonce, seq as u64, chunk, 2)?;
    let (pad_len, rest) = record.split_first_chunk::<2>().ok_or(Error::DecryptionFailed {
      reason: "record shorter than its padding length",
    })?;
    let pad_len = usize::from(u16::from_be_bytes(*pad_len));
    if pad_len > rest.len() {
      return Err(Error::DecryptionFailed {
        reason: "padding longer than the record",
      });
    }
    let (padding, data) = rest.split_at(pad_len);
    if padding.iter().any(|&b| b != 0) {
      return Err(Error::DecryptionFailed {
        reason: "padding is not all zeros",
      });
    }
    plaintext.extend_from_slice(data);
  }
  Ok(plaintext)
}

/// The salt and record size from an `Encryption` header (`salt=…[; rs=…]`).
pub fn parse_encryption_header(value: &str) -> Result<([u8; SALT_LEN], u32)> {
  let invalid = |reason| Error::InvalidEncryptionHeader {
    header: "Encryption",
    reason,
  };
  let mut salt = None;
  let mut record_size = RECORD_SIZE;
  for (name, val) in params(value) {
    match name.as_str() {
      "salt" => {
        let bytes = base64url::decode(val, "Encryption salt")?;
        salt =
          Some(<[u8; SALT_LEN]>::try_from(bytes.as_slice()).map_err(|_| invalid("salt is not 16 bytes"))?);
      }
      "rs" => {
        record_size = val
          .parse::<u32>()
          .ok()
          .filter(|rs| *rs > 1)
          .ok_or(invalid("rs is not an integer above 1"))?;
      }
      _ => {}
    }
  }
  Ok((salt.ok_or(invalid("has no salt parameter"))?, record_size))
}

/// The sender's public key from a `Crypto-Key` header (`dh=…[; p256ecdsa=…]`).
pub fn parse_crypto_key_header(value: &str) -> Result<PublicKey> {
  let dh = params(value)
    .find(|(name, _)| name == "dh")
    .map(|(_, val)| val)
    .ok_or(Error::InvalidEncryptionHeader {
      header: "Crypto-Key",
      reason: "has no dh parameter",
    })?;
  let bytes = base64url::decode(dh, "Crypto-Key dh")?;
  PublicKey::from_bytes(&bytes, KeyRole::P256dh).map_err(|_| Error::InvalidEncryptionHeader {
    header: "Crypto-Key",
    reason: "dh is not a 65-byte uncompressed P-256 public key",
  })
}

/// `name=value` pairs separated by `;` or `,`, names lower-cased, quotes stripped.
fn params(value: &str) -> impl Iterator<Item = (String, &str)> {
  value.split([';', ',']).filter_map(|part| {
    let (name, val) = part.split_once('=')?;
    Some((name.trim().to_ascii_lowercase(), val.trim().trim_matches('"')))
  })
}

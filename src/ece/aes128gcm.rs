//! `aes128gcm` (RFC 8188) with the Web Push key derivation of RFC 8291.
//!
//! A Web Push message body is one RFC 8188 record behind an 86-byte header:
//!
//! ```text
//! +-----------+--------+-----------+-------------------------+------------------------------+
//! | salt (16) | rs (4) | idlen (1) | keyid = sender key (65) | AES-128-GCM(plaintext ‖ 0x02  |
//! |           |  4096  |    65     |  uncompressed P-256     |   ‖ 0x00*) ‖ tag (16)         |
//! +-----------+--------+-----------+-------------------------+------------------------------+
//! ```
//!
//! Key derivation (RFC 8291 §3.4, RFC 8188 §2.2):
//!
//! ```text
//! IKM   = HKDF(salt = auth, ikm = ECDH(as, ua), info = "WebPush: info\0" ‖ ua_pub ‖ as_pub, 32)
//! PRK   = HKDF-Extract(salt, IKM)
//! CEK   = HKDF-Expand(PRK, "Content-Encoding: aes128gcm\0", 16)
//! NONCE = HKDF-Expand(PRK, "Content-Encoding: nonce\0", 12)   (XOR record sequence number)
//! ```

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Error, Result};
use crate::keys::PUBLIC_KEY_LEN;

/// Record size we write: the whole message must fit in 4096 bytes (RFC 8291 §4).
pub const RECORD_SIZE: u32 = 4096;
/// Salt length.
pub const SALT_LEN: usize = 16;
/// Header length without the keyid: salt ‖ rs ‖ idlen.
pub const HEADER_BASE_LEN: usize = SALT_LEN + 4 + 1;
/// AES-GCM tag length.
pub const TAG_LEN: usize = 16;
/// Largest plaintext a Web Push message can carry in one 4096-byte record: 3993 bytes.
pub const MAX_PLAINTEXT_LEN: usize = RECORD_SIZE as usize - HEADER_BASE_LEN - PUBLIC_KEY_LEN - TAG_LEN - 1;

const KEY_INFO_PREFIX: &[u8] = b"WebPush: info\0";
const CEK_INFO: &[u8] = b"Content-Encoding: aes128gcm\0";
const NONCE_INFO: &[u8] = b"Content-Encoding: nonce\0";

/// `"WebPush: info\0" ‖ ua_public ‖ as_public` (RFC 8291 §3.4).
pub fn key_info(ua_public: &[u8; PUBLIC_KEY_LEN], as_public: &[u8; PUBLIC_KEY_LEN]) -> Vec<u8> {
  [KEY_INFO_PREFIX, ua_public, as_public].concat()
}

/// The input keying material of RFC 8291 §3.4, from the ECDH secret and the auth secret.
pub fn web_push_ikm(
  ecdh_secret: &[u8; 32],
  auth_secret: &[u8; 16],
  ua_public: &[u8; PUBLIC_KEY_LEN],
  as_public: &[u8; PUBLIC_KEY_LEN],
) -> Result<Zeroizing<[u8; 32]>> {
  let mut ikm = Zeroizing::new([0u8; 32]);
  Hkdf::<Sha256>::new(Some(auth_secret), ecdh_secret)
    .expand(&key_info(ua_public, as_public), ikm.as_mut())
    .map_err(|_| Error::Crypto {
      reason: "HKDF expand failed",
    })?;
  Ok(ikm)
}

/// Content-encryption key and base nonce of one message (RFC 8188 §2.2, §2.3).
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct ContentKeys {
  /// HKDF-Extract(salt, IKM).
  pub prk: [u8; 32],
  /// The AES-128-GCM key.
  pub cek: [u8; 16],
  /// The base nonce; record `i` uses `nonce XOR i`.
  pub nonce: [u8; 12],
}

impl ContentKeys {
  /// Derives the keys from the IKM and the salt.
  pub fn derive(ikm: &[u8], salt: &[u8]) -> Result<Self> {
    let (prk, hkdf) = Hkdf::<Sha256>::extract(Some(salt), ikm);
    let mut keys = ContentKeys {
      prk: prk.into(),
      cek: [0; 16],
      nonce: [0; 12],
    };
    hkdf
      .expand(CEK_INFO, &mut keys.cek)
      .and_then(|()| hkdf.expand(NONCE_INFO, &mut keys.nonce))
      .map_err(|_| Error::Crypto {
        reason: "HKDF expand failed",
      })?;
    Ok(keys)
  }
}

/// The nonce of record `seq`: the base nonce XOR the big-endian sequence number.
pub(crate) fn record_nonce(base: &[u8; 12], seq: u64) -> [u8; 12] {
  let mut nonce = *base;
  for (byte, seq_byte) in nonce[4..].iter_mut().zip(seq.to_be_bytes()) {
    *byte ^= seq_byte;
  }
  nonce
}

/// The RFC 8188 header: `salt ‖ rs ‖ idlen ‖ keyid`.
pub fn header(salt: &[u8; SALT_LEN], record_size: u32, keyid: &[u8]) -> Result<Vec<u8>> {
  header_with_room(salt, record_size, keyid, 0)
}

/// [`header`] in a buffer with `room` more bytes reserved (the record that follows it).
fn header_with_room(salt: &[u8; SALT_LEN], record_size: u32, keyid: &[u8], room: usize) -> Result<Vec<u8>> {
  let idlen = u8::try_from(keyid.len()).map_err(|_| Error::InvalidKeyId { len: keyid.len() })?;
  let mut out = Vec::with_capacity(HEADER_BASE_LEN + keyid.len() + room);
  out.extend_from_slice(salt);
  out.extend_from_slice(&record_size.to_be_bytes());
  out.push(idlen);
  out.extend_from_slice(keyid);
  Ok(out)
}

/// Encrypts `plaintext` as a single final record (delimiter 0x02, no extra padding).
pub fn encrypt_single_record(
  keys: &ContentKeys,
  salt: &[u8; SALT_LEN],
  record_size: u32,
  keyid: &[u8],
  plaintext: &[u8],
) -> Result<Vec<u8>> {
  let max = (record_size as usize).saturating_sub(TAG_LEN + 1);
  if plaintext.len() > max {
    return Err(Error::PayloadTooLarge {
      len: plaintext.len(),
      max,
    });
  }
  let mut body = header_with_room(salt, record_size, keyid, plaintext.len() + 1 + TAG_LEN)?;
  let start = body.len();
  body.extend_from_slice(plaintext);
  body.push(0x02);
  let cipher = Aes128Gcm::new(&keys.cek.into());
  let tag = cipher
    .encrypt_in_place_detached(
      &Nonce::from(keys.nonce),
      b"",
      body.get_mut(start..).unwrap_or_default(),
    )
    .map_err(|_| Error::Crypto {
      reason: "AES-GCM encryption failed",
    })?;
  body.extend_from_slice(&tag);
  Ok(body)
}

/// A parsed RFC 8188 header and where the records start.
#[derive(Debug)]
pub struct Header<'a> {
  /// The 16-byte salt.
  pub salt: &'a [u8; SALT_LEN],
  /// The record size (ciphertext bytes per record, tag included).
  pub record_size: u32,
  /// The key identifier (for Web Push, the sender's public key).
  pub keyid: &'a [u8],
  /// The records.
  pub records: &'a [u8],
}

impl<'a> Header<'a> {
  /// Splits `body` into its header fields and records.
  pub fn parse(body: &'a [u8]) -> Result<Self> {
    let too_short = Error::DecryptionFailed {
      reason: "aes128gcm body shorter than its header",
    };
    let (salt, rest) = body.split_first_chunk::<SALT_LEN>().ok_or(too_short.clone())?;
    let (rs, rest) = rest.split_first_chunk::<4>().ok_or(too_short.clone())?;
    let (idlen, rest) = rest.split_first().ok_or(too_short.clone())?;
    let keyid = rest.get(..usize::from(*idlen)).ok_or(too_short.clone())?;
    let records = rest.get(usize::from(*idlen)..).ok_or(too_short)?;
    let record_size = u32::from_be_bytes(*rs);
    if record_size < 18 {
      return Err(Error::DecryptionFailed {
        reason: "record size below the minimum of 18",
      });
    }
    Ok(Self {
      salt,
      record_size,
      keyid,
      records,
    })
  }
}

/// Decrypts all records with `keys`, checking delimiters and stripping padding (RFC 8188 §2).
pub fn decrypt_records(keys: &ContentKeys, record_size: u32, records: &[u8]) -> Result<Vec<u8>> {
  if records.is_empty() {
    return Err(Error::DecryptionFailed {
      reason: "message has no records",
    });
  }
  let cipher = Aes128Gcm::new(&keys.cek.into());
  let chunks: Vec<&[u8]> = records.chunks(record_size as usize).collect();
  let mut plaintext = Vec::with_capacity(records.len());
  for (seq, chunk) in chunks.iter().enumerate() {
    let is_last = seq + 1 == chunks.len();
    let record = open_record(&cipher, &keys.nonce, seq as u64, chunk, 1)?;
    let delimiter_at = record
      .iter()
      .rposition(|&b| b != 0)
      .ok_or(Error::DecryptionFailed {
        reason: "record has no padding delimiter",
      })?;
    let (data, delimiter) = record.split_at(delimiter_at);
    let expected = if is_last { 0x02 } else { 0x01 };
    if delimiter.first() != Some(&expected) {
      return Err(Error::DecryptionFailed {
        reason: "record has the wrong padding delimiter",
      });
    }
    plaintext.extend_from_slice(data);
  }
  Ok(plaintext)
}

/// Authenticates and decrypts record `seq` (ciphertext ‖ tag), which must hold at least
/// `min_plaintext` bytes (the padding delimiter, or the padding length).
pub(crate) fn open_record(
  cipher: &Aes128Gcm,
  base_nonce: &[u8; 12],
  seq: u64,
  chunk: &[u8],
  min_plaintext: usize,
) -> Result<Vec<u8>> {
  let split = chunk
    .len()
    .checked_sub(TAG_LEN)
    .filter(|&n| n >= min_plaintext)
    .ok_or(Error::DecryptionFailed {
      reason: "record shorter than its tag and padding",
    })?;
  let (data, tag) = chunk.split_at(split);
  let mut record = data.to_vec();
  cipher
    .decrypt_in_place_detached(
      &Nonce::from(record_nonce(base_nonce, seq)),
      b"",
      &mut record,
      &tag_of(tag)?,
    )
    .map_err(|_| Error::DecryptionFailed {
      reason: "authentication failed (wrong keys or tampered body)",
    })?;
  Ok(record)
}

/// The 16-byte tag at the end of a record.
pub(crate) fn tag_of(bytes: &[u8]) -> Result<aes_gcm::Tag> {
  <[u8; TAG_LEN]>::try_from(bytes)
    .map(aes_gcm::Tag::from)
    .map_err(|_| Error::DecryptionFailed {
      reason: "record tag is not 16 bytes",
    })
}

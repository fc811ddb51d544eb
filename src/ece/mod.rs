//! Message encryption for Web Push: `aes128gcm` (RFC 8291 on RFC 8188, the default) and
//! the legacy `aesgcm`, both ways.
//!
//! [`encrypt`] is the production path: a fresh ephemeral key (aws-lc-rs) and a random salt
//! per message. [`encrypt_with`] takes both as parameters so the RFC vectors can be
//! reproduced byte for byte; it is the same code after the ECDH.

pub mod aes128gcm;
pub mod aesgcm;

use std::fmt;
use std::str::FromStr;

use zeroize::Zeroizing;

use crate::base64url;
use crate::crypto;
use crate::error::{Error, Result};
use crate::keys::{AuthSecret, KeyRole, PrivateKey, PublicKey, PUBLIC_KEY_LEN};

use aes128gcm::SALT_LEN;

/// The two content encodings push services accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ContentEncoding {
  /// RFC 8291 / RFC 8188 (the standard, and the default).
  #[default]
  Aes128Gcm,
  /// The legacy draft scheme (salt and key in headers).
  AesGcm,
}

impl ContentEncoding {
  /// The `Content-Encoding` header value.
  pub fn as_str(self) -> &'static str {
    match self {
      ContentEncoding::Aes128Gcm => "aes128gcm",
      ContentEncoding::AesGcm => "aesgcm",
    }
  }

  /// The largest payload that fits in one 4096-byte push message.
  pub fn max_plaintext_len(self) -> usize {
    match self {
      ContentEncoding::Aes128Gcm => aes128gcm::MAX_PLAINTEXT_LEN,
      ContentEncoding::AesGcm => aesgcm::MAX_PLAINTEXT_LEN,
    }
  }
}

impl FromStr for ContentEncoding {
  type Err = Error;

  fn from_str(value: &str) -> Result<Self> {
    match value {
      "aes128gcm" => Ok(ContentEncoding::Aes128Gcm),
      "aesgcm" => Ok(ContentEncoding::AesGcm),
      other => Err(Error::UnsupportedEncoding {
        value: other.to_owned(),
      }),
    }
  }
}

impl fmt::Display for ContentEncoding {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(self.as_str())
  }
}

/// An encrypted push message and what its headers need.
#[derive(Debug, Clone)]
pub struct EncryptedMessage {
  /// The encoding used.
  pub encoding: ContentEncoding,
  /// The request body.
  pub body: Vec<u8>,
  /// The salt (inside the body for `aes128gcm`, in `Encryption` for `aesgcm`).
  pub salt: [u8; SALT_LEN],
  /// The sender's ephemeral public key (keyid for `aes128gcm`, `Crypto-Key: dh` for `aesgcm`).
  pub sender_public_key: [u8; PUBLIC_KEY_LEN],
}

impl EncryptedMessage {
  /// `Encryption` and `Crypto-Key` header values; only `aesgcm` has them.
  pub fn aesgcm_headers(&self) -> Option<(String, String)> {
    (self.encoding == ContentEncoding::AesGcm).then(|| {
      (
        format!("salt={}", base64url::encode(&self.salt)),
        format!("dh={}", base64url::encode(&self.sender_public_key)),
      )
    })
  }
}

/// Encrypts `plaintext` for a subscription with a fresh ephemeral key and salt.
pub fn encrypt(
  receiver: &PublicKey,
  auth: &AuthSecret,
  plaintext: &[u8],
  encoding: ContentEncoding,
) -> Result<EncryptedMessage> {
  check_size(plaintext, encoding)?;
  let mut salt = [0u8; SALT_LEN];
  crypto::fill_random(&mut salt)?;
  let agreement = crypto::ephemeral_agreement(receiver.as_bytes())?;
  seal(
    &agreement.shared_secret,
    agreement.public_key,
    receiver,
    auth,
    plaintext,
    encoding,
    salt,
  )
}

/// Encrypts with a caller-chosen sender key and salt (RFC vectors, tests). Never reuse a
/// (key, salt) pair in production: use [`encrypt`].
pub fn encrypt_with(
  receiver: &PublicKey,
  auth: &AuthSecret,
  plaintext: &[u8],
  encoding: ContentEncoding,
  sender: &PrivateKey,
  salt: [u8; SALT_LEN],
) -> Result<EncryptedMessage> {
  check_size(plaintext, encoding)?;
  let secret = sender.diffie_hellman(receiver);
  seal(
    &secret,
    *sender.public_key().as_bytes(),
    receiver,
    auth,
    plaintext,
    encoding,
    salt,
  )
}

fn check_size(plaintext: &[u8], encoding: ContentEncoding) -> Result<()> {
  let max = encoding.max_plaintext_len();
  if plaintext.len() > max {
    return Err(Error::PayloadTooLarge {
      len: plaintext.len(),
      max,
    });
  }
  Ok(())
}

fn seal(
  ecdh_secret: &Zeroizing<[u8; 32]>,
  sender_public_key: [u8; PUBLIC_KEY_LEN],
  receiver: &PublicKey,
  auth: &AuthSecret,
  plaintext: &[u8],
  encoding: ContentEncoding,
  salt: [u8; SALT_LEN],
) -> Result<EncryptedMessage> {
  let ua_public = receiver.as_bytes();
  let body = match encoding {
    ContentEncoding::Aes128Gcm => {
      let ikm = aes128gcm::web_push_ikm(ecdh_secret, auth.as_bytes(), ua_public, &sender_public_key)?;
      let keys = aes128gcm::ContentKeys::derive(ikm.as_ref(), &salt)?;
      aes128gcm::encrypt_single_record(
        &keys,
        &salt,
        aes128gcm::RECORD_SIZE,
        &sender_public_key,
        plaintext,
      )?
    }
    ContentEncoding::AesGcm => {
      let keys = aesgcm::content_keys(ecdh_secret, auth.as_bytes(), ua_public, &sender_public_key, &salt)?;
      aesgcm::encrypt_single_record(&keys, plaintext)?
    }
  };
  Ok(EncryptedMessage {
    encoding,
    body,
    salt,
    sender_public_key,
  })
}

/// The receiving side's keys: what a browser keeps for a subscription.
#[derive(Debug, Clone)]
pub struct ReceiverKeys {
  /// The subscription's private key (its public half is `p256dh`).
  pub private_key: PrivateKey,
  /// The subscription's auth secret.
  pub auth: AuthSecret,
}

/// The request headers decryption may need; names are matched case-insensitively by callers.
#[derive(Debug, Clone, Default)]
pub struct MessageHeaders<'a> {
  /// `Content-Encoding`; absent means `aes128gcm` unless `Encryption` is present.
  pub content_encoding: Option<&'a str>,
  /// `Encryption` (aesgcm only): `salt=…[; rs=…]`.
  pub encryption: Option<&'a str>,
  /// `Crypto-Key` (aesgcm only): `dh=…[; p256ecdsa=…]`.
  pub crypto_key: Option<&'a str>,
}

impl MessageHeaders<'_> {
  /// The encoding these headers announce.
  pub fn encoding(&self) -> Result<ContentEncoding> {
    match self.content_encoding {
      Some(value) => value.trim().parse(),
      None if self.encryption.is_some() => Ok(ContentEncoding::AesGcm),
      None => Ok(ContentEncoding::Aes128Gcm),
    }
  }
}

/// Decrypts a push message body as the browser would.
pub fn decrypt(body: &[u8], keys: &ReceiverKeys, headers: &MessageHeaders<'_>) -> Result<Vec<u8>> {
  let ua_public = keys.private_key.public_key();
  match headers.encoding()? {
    ContentEncoding::Aes128Gcm => {
      let header = aes128gcm::Header::parse(body)?;
      let sender =
        PublicKey::from_bytes(header.keyid, KeyRole::P256dh).map_err(|_| Error::DecryptionFailed {
          reason: "keyid is not the sender's 65-byte P-256 public key",
        })?;
      let secret = keys.private_key.diffie_hellman(&sender);
      let ikm = aes128gcm::web_push_ikm(
        &secret,
        keys.auth.as_bytes(),
        ua_public.as_bytes(),
        sender.as_bytes(),
      )?;
      let content_keys = aes128gcm::ContentKeys::derive(ikm.as_ref(), header.salt)?;
      aes128gcm::decrypt_records(&content_keys, header.record_size, header.records)
    }
    ContentEncoding::AesGcm => {
      let missing = |header| Error::InvalidEncryptionHeader {
        header,
        reason: "is required for aesgcm",
      };
      let (salt, record_size) =
        aesgcm::parse_encryption_header(headers.encryption.ok_or(missing("Encryption"))?)?;
      let sender = aesgcm::parse_crypto_key_header(headers.crypto_key.ok_or(missing("Crypto-Key"))?)?;
      let secret = keys.private_key.diffie_hellman(&sender);
      let content_keys = aesgcm::content_keys(
        &secret,
        keys.auth.as_bytes(),
        ua_public.as_bytes(),
        sender.as_bytes(),
        &salt,
      )?;
      aesgcm::decrypt_records(&content_keys, record_size, body)
    }
  }
}

//! P-256 keys and the subscription auth secret, parsed once and validated strictly.
//!
//! * [`PublicKey`]: a 65-byte uncompressed SEC1 point that lies on the curve (not the identity).
//! * [`PrivateKey`]: a 32-byte scalar in `1..n`, zeroized on drop and never printed.
//! * [`AuthSecret`]: exactly 16 bytes (RFC 8291 §3.2).
//!
//! web-push only checks lengths; an off-curve `p256dh` or an all-zero private key is
//! rejected here with a clear error instead of failing somewhere deep in OpenSSL.

use std::fmt;

use p256::elliptic_curve::sec1::ToEncodedPoint;
use zeroize::Zeroizing;

use crate::base64url;
use crate::error::{Error, Result};

/// Length of an uncompressed SEC1 P-256 point.
pub const PUBLIC_KEY_LEN: usize = crate::crypto::PUBLIC_KEY_LEN;
/// Length of a P-256 private scalar.
pub const PRIVATE_KEY_LEN: usize = crate::crypto::PRIVATE_KEY_LEN;
/// Length of the subscription auth secret.
pub const AUTH_SECRET_LEN: usize = 16;

/// Which key a parse error is about; selects the error variant so messages name the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
  /// A subscription's `keys.p256dh` (the user agent's public key).
  P256dh,
  /// The application server's VAPID key pair.
  Vapid,
  /// A private key handed to `decrypt` (the user agent's private key).
  Decryption,
}

impl KeyRole {
  fn public_error(self, reason: &'static str) -> Error {
    match self {
      KeyRole::Vapid => Error::InvalidVapidPublicKey { reason },
      KeyRole::P256dh | KeyRole::Decryption => Error::InvalidP256dh { reason },
    }
  }

  fn private_error(self, reason: &'static str) -> Error {
    match self {
      KeyRole::Vapid => Error::InvalidVapidPrivateKey { reason },
      KeyRole::P256dh | KeyRole::Decryption => Error::InvalidPrivateKey { reason },
    }
  }

  fn public_field(self) -> &'static str {
    match self {
      KeyRole::Vapid => "VAPID publicKey",
      KeyRole::P256dh | KeyRole::Decryption => "subscription keys.p256dh",
    }
  }

  fn private_field(self) -> &'static str {
    match self {
      KeyRole::Vapid => "VAPID privateKey",
      KeyRole::P256dh | KeyRole::Decryption => "privateKey",
    }
  }
}

/// A validated P-256 public key (uncompressed SEC1, on the curve).
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
  bytes: [u8; PUBLIC_KEY_LEN],
  point: p256::PublicKey,
}

impl PublicKey {
  /// Parses and validates raw SEC1 bytes.
  pub fn from_bytes(bytes: &[u8], role: KeyRole) -> Result<Self> {
    let array: [u8; PUBLIC_KEY_LEN] = bytes
      .try_into()
      .map_err(|_| role.public_error("is not 65 bytes long when decoded"))?;
    if array[0] != 0x04 {
      return Err(role.public_error("is not an uncompressed point (first byte must be 0x04)"));
    }
    let point = p256::PublicKey::from_sec1_bytes(&array)
      .map_err(|_| role.public_error("is not a point on the P-256 curve"))?;
    Ok(Self { bytes: array, point })
  }

  /// Parses base64url (lenient) and validates.
  pub fn from_base64(input: &str, role: KeyRole) -> Result<Self> {
    Self::from_bytes(&base64url::decode(input, role.public_field())?, role)
  }

  /// The 65 uncompressed SEC1 bytes.
  pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_LEN] {
    &self.bytes
  }

  /// The key as unpadded base64url.
  pub fn to_base64(&self) -> String {
    base64url::encode(&self.bytes)
  }

  pub(crate) fn point(&self) -> &p256::PublicKey {
    &self.point
  }
}

impl fmt::Debug for PublicKey {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "PublicKey({})", self.to_base64())
  }
}

/// A validated P-256 private key; zeroized on drop, redacted in `Debug`.
#[derive(Clone)]
pub struct PrivateKey {
  secret: p256::SecretKey,
}

impl PrivateKey {
  /// Parses a 32-byte big-endian scalar, rejecting zero and values `>= n`.
  pub fn from_bytes(bytes: &[u8], role: KeyRole) -> Result<Self> {
    if bytes.len() != PRIVATE_KEY_LEN {
      return Err(role.private_error("is not 32 bytes long when decoded"));
    }
    let secret = p256::SecretKey::from_slice(bytes)
      .map_err(|_| role.private_error("is zero or not below the P-256 group order"))?;
    Ok(Self { secret })
  }

  /// Parses base64url (lenient) and validates.
  pub fn from_base64(input: &str, role: KeyRole) -> Result<Self> {
    let bytes = Zeroizing::new(base64url::decode(input, role.private_field())?);
    Self::from_bytes(&bytes, role)
  }

  /// The 32-byte scalar (zeroized when dropped).
  pub fn to_bytes(&self) -> Zeroizing<[u8; PRIVATE_KEY_LEN]> {
    Zeroizing::new(self.secret.to_bytes().into())
  }

  /// The scalar as unpadded base64url; only for handing a key to its owner.
  pub fn to_base64(&self) -> String {
    base64url::encode(self.to_bytes().as_slice())
  }

  /// The matching public key.
  pub fn public_key(&self) -> PublicKey {
    let point = self.secret.public_key();
    let encoded = point.to_encoded_point(false);
    let mut bytes = [0u8; PUBLIC_KEY_LEN];
    bytes.copy_from_slice(encoded.as_bytes());
    PublicKey { bytes, point }
  }

  /// ECDH with p256 (constant-time, portable): the deterministic and decryption path.
  pub fn diffie_hellman(&self, peer: &PublicKey) -> Zeroizing<[u8; 32]> {
    let shared = p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), peer.point().as_affine());
    Zeroizing::new((*shared.raw_secret_bytes()).into())
  }
}

impl fmt::Debug for PrivateKey {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str("PrivateKey(<redacted>)")
  }
}

/// The 16-byte subscription auth secret.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthSecret([u8; AUTH_SECRET_LEN]);

impl AuthSecret {
  /// Validates a raw secret (exactly 16 bytes).
  pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
    bytes
      .try_into()
      .map(Self)
      .map_err(|_| Error::InvalidAuth { len: bytes.len() })
  }

  /// Parses base64url (lenient) and validates.
  pub fn from_base64(input: &str) -> Result<Self> {
    Self::from_bytes(&base64url::decode(input, "subscription keys.auth")?)
  }

  /// The raw 16 bytes.
  pub fn as_bytes(&self) -> &[u8; AUTH_SECRET_LEN] {
    &self.0
  }
}

impl fmt::Debug for AuthSecret {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str("AuthSecret(<redacted>)")
  }
}

/// A P-256 key pair as a browser or an application server holds it.
#[derive(Clone, Debug)]
pub struct KeyPair {
  /// The public half.
  pub public_key: PublicKey,
  /// The private half.
  pub private_key: PrivateKey,
}

impl KeyPair {
  /// Generates a fresh key pair (aws-lc-rs keygen; both halves re-validated by p256).
  pub fn generate() -> Result<Self> {
    let generated = crate::crypto::generate_key_pair()?;
    Ok(Self {
      public_key: PublicKey::from_bytes(&generated.public_key, KeyRole::Vapid)?,
      private_key: PrivateKey::from_bytes(generated.private_key.as_slice(), KeyRole::Vapid)?,
    })
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  const GOOD_PUBLIC: &str =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
  const GOOD_PRIVATE: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";

  #[test]
  fn parses_a_valid_pair_and_derives_the_public_key() {
    let private = PrivateKey::from_base64(GOOD_PRIVATE, KeyRole::Decryption).unwrap();
    let public = PublicKey::from_base64(GOOD_PUBLIC, KeyRole::P256dh).unwrap();
    assert_eq!(private.public_key(), public);
    assert_eq!(private.to_base64(), GOOD_PRIVATE);
  }

  #[test]
  fn rejects_off_curve_compressed_and_short_public_keys() {
    let mut off_curve = *PublicKey::from_base64(GOOD_PUBLIC, KeyRole::P256dh)
      .unwrap()
      .as_bytes();
    off_curve[64] ^= 1;
    let err = PublicKey::from_bytes(&off_curve, KeyRole::P256dh).unwrap_err();
    assert_eq!(err.code(), "ERR_INVALID_P256DH");
    assert!(err.to_string().contains("not a point on the P-256 curve"));

    let mut compressed = off_curve;
    compressed[0] = 0x02;
    let err = PublicKey::from_bytes(&compressed, KeyRole::Vapid).unwrap_err();
    assert_eq!(err.code(), "ERR_INVALID_VAPID_PUBLIC_KEY");
    assert!(err.to_string().contains("uncompressed"));

    let err = PublicKey::from_bytes(&off_curve[..64], KeyRole::P256dh).unwrap_err();
    assert!(err.to_string().contains("65 bytes"));
  }

  #[test]
  fn rejects_zero_out_of_range_and_short_private_keys() {
    for (bytes, code) in [
      (vec![0u8; 32], "ERR_INVALID_VAPID_PRIVATE_KEY"),
      (vec![0xffu8; 32], "ERR_INVALID_VAPID_PRIVATE_KEY"),
      (vec![1u8; 31], "ERR_INVALID_VAPID_PRIVATE_KEY"),
    ] {
      assert_eq!(
        PrivateKey::from_bytes(&bytes, KeyRole::Vapid).unwrap_err().code(),
        code
      );
    }
    let err = PrivateKey::from_bytes(&[0u8; 32], KeyRole::Decryption).unwrap_err();
    assert_eq!(err.code(), "ERR_INVALID_PRIVATE_KEY");
  }

  #[test]
  fn debug_never_shows_secrets() {
    let private = PrivateKey::from_base64(GOOD_PRIVATE, KeyRole::Vapid).unwrap();
    let auth = AuthSecret::from_base64("BTBZMqHH6r4Tts7J_aSIgg").unwrap();
    let shown = format!("{private:?} {auth:?}");
    assert!(!shown.contains(GOOD_PRIVATE) && !shown.contains("BTBZ"));
  }

  #[test]
  fn auth_must_be_exactly_16_bytes() {
    assert_eq!(
      AuthSecret::from_bytes(&[0; 15]).unwrap_err(),
      Error::InvalidAuth { len: 15 }
    );
    assert_eq!(
      AuthSecret::from_bytes(&[0; 17]).unwrap_err().code(),
      "ERR_INVALID_AUTH"
    );
  }

  #[test]
  fn generated_pairs_are_valid_and_distinct() {
    let a = KeyPair::generate().unwrap();
    let b = KeyPair::generate().unwrap();
    assert_eq!(a.private_key.public_key(), a.public_key);
    assert_ne!(a.public_key, b.public_key);
  }
}

//! ES256 (ECDSA P-256 / SHA-256) signing with a key parsed once.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};

use super::{PRIVATE_KEY_LEN, PUBLIC_KEY_LEN};
use crate::error::{Error, Result};

/// An ES256 signer whose key is parsed once and reused for every signature.
pub struct Es256Signer {
  key_pair: EcdsaKeyPair,
  rng: SystemRandom,
}

impl Es256Signer {
  /// Imports a validated key pair (big-endian scalar, uncompressed SEC1 point); fails with
  /// [`Error::VapidKeyMismatch`] if the halves differ.
  pub fn new(private_key: &[u8; PRIVATE_KEY_LEN], public_key: &[u8; PUBLIC_KEY_LEN]) -> Result<Self> {
    let key_pair = EcdsaKeyPair::from_private_key_and_public_key(
      &ECDSA_P256_SHA256_FIXED_SIGNING,
      private_key,
      public_key,
    )
    .map_err(|_| Error::VapidKeyMismatch)?;
    Ok(Self {
      key_pair,
      rng: SystemRandom::new(),
    })
  }

  /// Signs `message` with ECDSA P-256 / SHA-256; returns the raw 64-byte `r ‖ s`.
  pub fn sign(&self, message: &[u8]) -> Result<[u8; 64]> {
    let signature = self
      .key_pair
      .sign(&self.rng, message)
      .map_err(|_| Error::Crypto {
        reason: "ES256 signing failed",
      })?;
    signature.as_ref().try_into().map_err(|_| Error::Crypto {
      reason: "ES256 signature has the wrong length",
    })
  }
}

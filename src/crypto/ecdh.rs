//! Ephemeral ECDH (one fresh key per message) and key-pair generation.

use aws_lc_rs::agreement::{self, UnparsedPublicKey, ECDH_P256};
use aws_lc_rs::encoding::{AsBigEndian, EcPrivateKeyBin};
use zeroize::Zeroizing;

use super::{PRIVATE_KEY_LEN, PUBLIC_KEY_LEN};
use crate::error::{Error, Result};

/// A fresh ephemeral key agreed with `peer`: the ephemeral public key and the shared secret.
pub struct EphemeralAgreement {
  /// The sender's ephemeral public key (uncompressed SEC1).
  pub public_key: [u8; PUBLIC_KEY_LEN],
  /// The ECDH shared secret (x coordinate).
  pub shared_secret: Zeroizing<[u8; 32]>,
}

/// Generates an ephemeral P-256 key and runs ECDH with `peer`.
pub fn ephemeral_agreement(peer: &[u8; PUBLIC_KEY_LEN]) -> Result<EphemeralAgreement> {
  let private = agreement::PrivateKey::generate(&ECDH_P256).map_err(|_| Error::Crypto {
    reason: "ephemeral key generation failed",
  })?;
  let public = private.compute_public_key().map_err(|_| Error::Crypto {
    reason: "ephemeral public key failed",
  })?;
  let public_key: [u8; PUBLIC_KEY_LEN] = public.as_ref().try_into().map_err(|_| Error::Crypto {
    reason: "ephemeral public key has the wrong length",
  })?;
  let shared_secret = agreement::agree(
    &private,
    UnparsedPublicKey::new(&ECDH_P256, peer),
    Error::Crypto {
      reason: "ECDH failed",
    },
    |secret| {
      <[u8; 32]>::try_from(secret)
        .map(Zeroizing::new)
        .map_err(|_| Error::Crypto {
          reason: "ECDH secret has the wrong length",
        })
    },
  )?;
  Ok(EphemeralAgreement {
    public_key,
    shared_secret,
  })
}

/// A freshly generated P-256 key pair as raw bytes (the private half zeroized on drop).
pub struct GeneratedKeyPair {
  /// Uncompressed SEC1 public key.
  pub public_key: [u8; PUBLIC_KEY_LEN],
  /// Big-endian private scalar.
  pub private_key: Zeroizing<[u8; PRIVATE_KEY_LEN]>,
}

/// Generates a P-256 key pair (both halves from aws-lc-rs; no slow scalar multiplication in p256).
pub fn generate_key_pair() -> Result<GeneratedKeyPair> {
  let private = agreement::PrivateKey::generate(&ECDH_P256).map_err(|_| Error::Crypto {
    reason: "key generation failed",
  })?;
  let bin: EcPrivateKeyBin = private.as_be_bytes().map_err(|_| Error::Crypto {
    reason: "key export failed",
  })?;
  let private_key = <[u8; PRIVATE_KEY_LEN]>::try_from(bin.as_ref())
    .map(Zeroizing::new)
    .map_err(|_| Error::Crypto {
      reason: "exported key has the wrong length",
    })?;
  let public = private.compute_public_key().map_err(|_| Error::Crypto {
    reason: "public key failed",
  })?;
  let public_key = <[u8; PUBLIC_KEY_LEN]>::try_from(public.as_ref()).map_err(|_| Error::Crypto {
    reason: "public key has the wrong length",
  })?;
  Ok(GeneratedKeyPair {
    public_key,
    private_key,
  })
}

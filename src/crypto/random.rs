//! The crate's random source: the operating system's CSPRNG through aws-lc-rs.

use crate::error::{Error, Result};

/// Fills `dest` from the operating system's CSPRNG.
pub fn fill_random(dest: &mut [u8]) -> Result<()> {
  aws_lc_rs::rand::fill(dest).map_err(|_| Error::Crypto {
    reason: "random number generator failed",
  })
}

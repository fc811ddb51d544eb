//! The crate's clock. Everything time-dependent takes `now` as a parameter (pure and
//! testable); only the edges read the clock, here.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch.
pub fn now_secs() -> u64 {
  SystemTime::now()
    .duration_since(UNIX_EPOCH)
    .map_or(0, |d| d.as_secs())
}

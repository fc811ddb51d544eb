//! When and how long to wait before retrying a push (RFC 8030 §8.4 and §6.2).
//!
//! 429 honours `Retry-After` (seconds or HTTP date); 5xx, 408 and network errors back off
//! exponentially with full jitter. Attempts are bounded, and no retry is scheduled past the
//! message's TTL (the push service would drop it anyway) or past `max_delay`.

use std::time::{Duration, SystemTime};

use crate::crypto::fill_random;

/// First backoff step.
pub const BASE_DELAY: Duration = Duration::from_millis(250);

/// Retry settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
  /// Total attempts, the first included (1 = no retry).
  pub attempts: u32,
  /// Longest single wait; a `Retry-After` above it ends the retries.
  pub max_delay: Duration,
}

impl Default for RetryPolicy {
  fn default() -> Self {
    Self {
      attempts: 3,
      max_delay: Duration::from_secs(10),
    }
  }
}

impl RetryPolicy {
  /// No retries at all.
  pub const NONE: RetryPolicy = RetryPolicy {
    attempts: 1,
    max_delay: Duration::ZERO,
  };

  /// The wait before attempt `attempt + 1` after a retryable failure, or `None` to give up.
  /// `retry_after` is the server's demand (429/503); `elapsed` the time since the first
  /// attempt; `ttl` the message's lifetime.
  pub fn next_delay(
    &self,
    attempt: u32,
    retry_after: Option<Duration>,
    elapsed: Duration,
    ttl: Duration,
  ) -> Option<Duration> {
    if attempt >= self.attempts {
      return None;
    }
    let delay = match retry_after {
      Some(demanded) if demanded > self.max_delay => return None,
      Some(demanded) => demanded,
      None => jittered_backoff(attempt, self.max_delay),
    };
    (elapsed + delay <= ttl).then_some(delay)
  }
}

/// Full jitter: uniform in `[0, min(max, BASE · 2^(attempt-1))]`.
fn jittered_backoff(attempt: u32, max: Duration) -> Duration {
  let ceiling = BASE_DELAY
    .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
    .min(max);
  let mut bytes = [0u8; 4];
  let fraction = match fill_random(&mut bytes) {
    Ok(()) => f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX),
    Err(_) => 0.5,
  };
  ceiling.mul_f64(fraction)
}

/// Parses `Retry-After`: delta-seconds or an HTTP date (relative to `now`).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
  let value = value.trim();
  if let Ok(seconds) = value.parse::<u64>() {
    return Some(Duration::from_secs(seconds));
  }
  let date = httpdate::parse_http_date(value).ok()?;
  Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
  use super::*;

  const HOUR: Duration = Duration::from_secs(3600);

  #[test]
  fn retry_after_seconds_and_dates() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
    let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
    assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(30)));
    let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
    assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
    assert_eq!(parse_retry_after("soon", now), None);
  }

  #[test]
  fn attempts_retry_after_and_ttl_bound_the_retries() {
    let policy = RetryPolicy {
      attempts: 3,
      max_delay: Duration::from_secs(10),
    };
    let two = Some(Duration::from_secs(2));
    assert_eq!(policy.next_delay(1, two, Duration::ZERO, HOUR), two);
    assert_eq!(
      policy.next_delay(3, two, Duration::ZERO, HOUR),
      None,
      "attempts exhausted"
    );
    assert_eq!(
      policy.next_delay(1, Some(Duration::from_secs(11)), Duration::ZERO, HOUR),
      None,
      "over max_delay"
    );
    assert_eq!(
      policy.next_delay(1, two, Duration::ZERO, Duration::from_secs(1)),
      None,
      "past the TTL"
    );
    assert_eq!(RetryPolicy::NONE.next_delay(1, None, Duration::ZERO, HOUR), None);
  }

  #[test]
  fn backoff_grows_with_jitter_and_stays_capped() {
    let policy = RetryPolicy {
      attempts: 10,
      max_delay: Duration::from_millis(600),
    };
    for attempt in 1..9 {
      let ceiling = BASE_DELAY
        .saturating_mul(1 << (attempt - 1))
        .min(policy.max_delay);
      let delays: Vec<_> = (0..50)
        .map(|_| policy.next_delay(attempt, None, Duration::ZERO, HOUR).unwrap())
        .collect();
      assert!(delays.iter().all(|d| *d <= ceiling), "attempt {attempt}");
      assert!(delays.iter().any(|d| *d != delays[0]), "jitter varies");
    }
  }
}

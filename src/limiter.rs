//! How many requests one push-service origin gets at once: an AIMD limit with slow start,
//! the way TCP sizes its congestion window, with latency as a brake.
//!
//! - **Slow start**: from [`INITIAL_LIMIT`], every answer adds [`SLOW_START_STEP`] (the limit
//!   quadruples each round trip) until the first congestion signal or until latency leaves
//!   its floor. A batch of 20,000 to a service 200 ms away spends much of its time ramping
//!   up: tripling instead of doubling took it from ~40% to ~50% of what the CPU allows with
//!   no latency; starting at 300 instead of 100 and quadrupling took it to 53–55% (from
//!   45–50% in the same runs), while 50 ms stayed within noise (a fixed 1,000–1,900 in
//!   flight, no ramp at all, reached 82–90% there). The price is a larger first overshoot
//!   at a service over capacity, which says so with 429s the AIMD cut answers: one capped at
//!   300 in flight ran 5–7% slower than with the former start (3% of the answers after the
//!   first 3 s were 429s).
//! - **Additive increase**: then every answer adds [`INCREASE`] (the limit grows by ~2% a
//!   round trip), so it keeps probing for more room. The probe overshoots by what it grew in
//!   the round trip or two before the first 429 comes back: at 5% a round trip a service
//!   capped at 300 in flight answered 8% of the requests with 429, at 2% 2–4%, at the same
//!   throughput (the cut to 0.9 × comes back in ~5 round trips instead of 2).
//! - Growth needs both a **full limit** (an answer while at least 90% of it was in flight:
//!   a batch that is held back elsewhere, by its input or the CPU, does not inflate it) and
//!   a **latency near its floor** (≤ 2 × the fastest answer seen + 5 ms): past that, more in
//!   flight only queues, here or at the service.
//! - **Multiplicative decrease**: a congestion signal (429, 503 and other 5xx, Windows' 406
//!   throttle, a timeout, a connection reset) sets the limit to [`DECREASE`] × the limit the
//!   failed request was sent under (in slow start the limit has grown since: cutting the
//!   grown one would leave it over capacity), at most once per round trip: signals from
//!   requests started before the last cut are ignored (they describe the old limit).
//!
//! A gradient limiter (Netflix's concurrency-limits) reacts to latency alone; push services
//! answer 429/503 when they are over capacity, which AIMD uses directly, and the latency
//! brake keeps it from growing a queue. The limit stays in `1..=max`.

use std::time::Duration;

/// The limit an origin starts with (three HTTP/2 connections' streams at most services).
pub const INITIAL_LIMIT: f64 = 300.0;
/// Added per answer in slow start: the limit quadruples each round trip.
pub const SLOW_START_STEP: f64 = 3.0;
/// Added per answer after slow start (2% of the limit per round trip).
pub const INCREASE: f64 = 0.02;
/// The factor applied on congestion (Netflix's AIMD limiter uses the same): gentle, because a
/// push service over capacity says so with a 429 long before it fails, and the 429'd targets
/// are retried anyway.
pub const DECREASE: f64 = 0.9;
/// Latency counts as near its floor up to `floor × LATENCY_FACTOR + LATENCY_SLACK`.
const LATENCY_FACTOR: u32 = 2;
const LATENCY_SLACK: Duration = Duration::from_millis(5);

/// The adaptive in-flight limit of one origin.
#[derive(Debug, Clone)]
pub struct AdaptiveLimit {
  limit: f64,
  max: f64,
  slow_start: bool,
  floor: Option<Duration>,
  epoch: u64,
}

impl AdaptiveLimit {
  /// Starts at [`INITIAL_LIMIT`] (or `max` if lower).
  pub fn new(max: usize) -> Self {
    let max = max.max(1) as f64;
    Self {
      limit: INITIAL_LIMIT.min(max),
      max,
      slow_start: true,
      floor: None,
      epoch: 0,
    }
  }

  /// Requests allowed in flight now.
  pub fn limit(&self) -> usize {
    self.limit as usize
  }

  /// The current epoch: give it back with the request's feedback.
  pub fn epoch(&self) -> u64 {
    self.epoch
  }

  /// An answer that is not a congestion signal, after `latency`, with `in_flight` requests
  /// out (this one included).
  pub fn on_answer(&mut self, latency: Duration, in_flight: usize) {
    let floor = *self.floor.get_or_insert(latency);
    self.floor = Some(floor.min(latency));
    if latency > floor * LATENCY_FACTOR + LATENCY_SLACK {
      self.slow_start = false;
      return;
    }
    // Full: 90% of the slots it allows (a whole number) in use.
    if in_flight * 10 < self.limit() * 9 {
      return;
    }
    let step = if self.slow_start {
      SLOW_START_STEP
    } else {
      INCREASE
    };
    self.limit = (self.limit + step).min(self.max);
  }

  /// A congestion signal from a request sent in `epoch` under limit `sent_under`.
  pub fn on_congestion(&mut self, epoch: u64, sent_under: usize) {
    if epoch != self.epoch {
      return;
    }
    self.epoch += 1;
    self.slow_start = false;
    self.limit = (self.limit.min(sent_under as f64) * DECREASE).max(1.0);
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  const MS: Duration = Duration::from_millis(1);

  /// One round trip at `latency` with the limit full.
  fn round(limit: &mut AdaptiveLimit, latency: Duration) {
    for _ in 0..limit.limit() {
      let full = limit.limit();
      limit.on_answer(latency, full);
    }
  }

  #[test]
  fn slow_start_quadruples_each_round_trip_then_growth_slows_after_congestion() {
    let mut limit = AdaptiveLimit::new(10_000);
    assert_eq!(limit.limit(), 300);
    round(&mut limit, 50 * MS);
    assert_eq!(limit.limit(), 1200);
    limit.on_congestion(limit.epoch(), 150);
    let cut = limit.limit();
    assert_eq!(cut, 135, "0.9 × the limit the failed request was sent under");
    round(&mut limit, 50 * MS);
    let grown = limit.limit();
    assert!(grown > cut && grown <= cut + cut / 10, "{cut} → {grown}");
  }

  #[test]
  fn one_cut_per_round_trip() {
    let mut limit = AdaptiveLimit::new(10_000);
    let epoch = limit.epoch();
    for _ in 0..50 {
      limit.on_congestion(epoch, 100);
    }
    assert_eq!(limit.limit(), 90);
    limit.on_congestion(limit.epoch(), 1000);
    assert_eq!(limit.limit(), 81);
  }

  #[test]
  fn does_not_grow_when_not_full_or_when_latency_leaves_its_floor() {
    let mut limit = AdaptiveLimit::new(10_000);
    for _ in 0..1000 {
      limit.on_answer(50 * MS, 10);
    }
    assert_eq!(limit.limit(), 300, "not full: held back elsewhere");
    limit.on_answer(50 * MS, 300);
    assert_eq!(
      limit.limit(),
      303,
      "slow start: one full answer adds SLOW_START_STEP"
    );
    for _ in 0..1000 {
      limit.on_answer(200 * MS, 303);
    }
    assert_eq!(limit.limit(), 303, "latency 4 × its floor: only queueing");
  }

  #[test]
  fn a_fractional_limit_still_counts_as_full() {
    let mut limit = AdaptiveLimit::new(10_000);
    limit.on_congestion(limit.epoch(), 11);
    assert_eq!(limit.limit(), 9, "9.9");
    limit.on_answer(50 * MS, 9);
    assert!(limit.limit > 9.9, "9 of 9 slots in use is full");
  }

  #[test]
  fn stays_within_bounds() {
    let mut limit = AdaptiveLimit::new(150);
    for _ in 0..10 {
      round(&mut limit, MS);
    }
    assert_eq!(limit.limit(), 150);
    for _ in 0..100 {
      limit.on_congestion(limit.epoch(), 150);
    }
    assert_eq!(limit.limit(), 1);
    assert_eq!(AdaptiveLimit::new(5).limit(), 5);
  }
}

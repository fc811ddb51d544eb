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
//!   throttle, a timeout, a connection reset) sets the limit to [`DECREASE`] × what the
//!   service completed in the last round trip (its capacity, by Little's law), bounded by
//!   the limit the failed request was sent under (in slow start the limit has grown since:
//!   cutting the grown one would leave it over capacity), at most halved and not below
//!   [`INITIAL_LIMIT`] in one cut (429s may have nothing to do with load: per-device rate
//!   limits). One cut per round trip: signals from requests started before the last cut are
//!   ignored (they describe the old limit). Cutting by 0.9 alone took a service capped at
//!   300 in flight ~10 round trips and ~4,700 429s to come down from slow start's overshoot;
//!   towards what it completed, one or two.
//! - **Hold**: while the service's Retry-After runs, growth stops at [`HELD_SHARE`] × the
//!   limit it was over capacity under (just below its capacity, not 10% under it); each
//!   probe past that the service refuses again holds 4× longer (up to a minute). Every
//!   429'd target waits out the Retry-After, so a probe near the end of a batch delays the
//!   batch by that much: probing every few round trips left a service capped at 300 in
//!   flight at 68–74% of what 300 allow, holding at 82–94%.
//!
//! A gradient limiter (Netflix's concurrency-limits) reacts to latency alone; push services
//! answer 429/503 when they are over capacity, which AIMD uses directly, and the latency
//! brake keeps it from growing a queue. The limit stays in `1..=max`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

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
/// While the service's Retry-After runs, growth stops at this share of the limit it was over
/// capacity under.
pub const HELD_SHARE: f64 = 0.97;
/// Each probe past the plateau that the service refuses again makes the next hold this many
/// times longer ...
const HOLD_GROWTH: u32 = 4;
const MAX_REFUSED_PROBES: u32 = 3;
/// ... up to this (or the Retry-After itself, if longer).
const MAX_HOLD: Duration = Duration::from_secs(60);
/// A probe got through once the limit passes this share of the ceiling without a signal.
const PROBE_THROUGH: f64 = 1.1;
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
  /// Smoothed latency of the answers (the length of a round trip).
  round_trip: Option<Duration>,
  /// When each answer of the last round trip came (how many the service completes in one).
  delivered: VecDeque<Instant>,
  /// The most answers seen in one round trip lately, and when (answers come in bursts: a
  /// congestion signal can arrive when only part of a round trip's answers did).
  peak_delivered: (usize, Option<Instant>),
  /// Until then (the service's Retry-After) growth stops short of `ceiling`.
  hold_until: Option<Instant>,
  /// The limit the service last said it was over capacity under.
  ceiling: f64,
  /// Probes past the plateau the service refused in a row: each makes the next hold longer.
  refused_probes: u32,
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
      round_trip: None,
      delivered: VecDeque::new(),
      peak_delivered: (0, None),
      hold_until: None,
      ceiling: max,
      refused_probes: 0,
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

  /// An answer that is not a congestion signal, at `now` after `latency`, with `in_flight`
  /// requests out (this one included).
  pub fn on_answer(&mut self, latency: Duration, in_flight: usize, now: Instant) {
    let floor = *self.floor.get_or_insert(latency);
    self.floor = Some(floor.min(latency));
    let round_trip = self.round_trip.map_or(latency, |rtt| (rtt * 7 + latency) / 8);
    self.round_trip = Some(round_trip);
    self.delivered.push_back(now);
    self.forget_before(now);
    // More than `max` in a round trip tells a cut nothing more (it is bounded by the limit).
    if self.delivered.len() > self.max as usize {
      self.delivered.pop_front();
    }
    if self
      .recent_peak(now)
      .is_none_or(|peak| self.delivered.len() >= peak)
    {
      self.peak_delivered = (self.delivered.len(), Some(now));
    }
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
    let held = self.is_held(now);
    let bound = if held {
      self.ceiling * HELD_SHARE
    } else {
      if self.limit > self.ceiling * PROBE_THROUGH {
        self.refused_probes = 0;
      }
      self.max
    };
    self.limit = (self.limit + step).min(bound).max(self.limit);
  }

  /// A congestion signal at `now` from a request sent in `epoch` under limit `sent_under`;
  /// `retry_after` is how long the service asked to wait, if it did.
  pub fn on_congestion(
    &mut self,
    epoch: u64,
    sent_under: usize,
    retry_after: Option<Duration>,
    now: Instant,
  ) {
    if let Some(wait) = retry_after {
      let held_before = self.hold_until.is_some();
      if epoch == self.epoch && held_before && !self.is_held(now) {
        self.refused_probes = (self.refused_probes + 1).min(MAX_REFUSED_PROBES);
      }
      let wait = wait
        .saturating_mul(HOLD_GROWTH.pow(self.refused_probes))
        .min(MAX_HOLD.max(wait));
      if let Some(until) = now.checked_add(wait) {
        self.hold_until = Some(self.hold_until.map_or(until, |held| held.max(until)));
      }
    }
    if epoch != self.epoch {
      return;
    }
    self.epoch += 1;
    self.slow_start = false;
    self.forget_before(now);
    let base = self.limit.min(sent_under as f64);
    self.ceiling = base;
    let delivered = self
      .recent_peak(now)
      .map_or(self.delivered.len(), |peak| peak.max(self.delivered.len())) as f64;
    // Towards what the service completed, but at most halved, and never below the start in
    // one cut: 429s that have nothing to do with load (per-device rate limits, a burst of
    // faults) must not collapse the limit, which grows back only ~2% a round trip.
    let lowest = (base / 2.0).max(base.min(INITIAL_LIMIT));
    self.limit = (delivered.clamp(lowest, base) * DECREASE).max(1.0);
  }

  /// The most answers in one round trip, if seen within the last two.
  fn recent_peak(&self, now: Instant) -> Option<usize> {
    let (peak, at) = self.peak_delivered;
    let rtt = self.round_trip?;
    at.filter(|&at| now < at + rtt * 2).map(|_| peak)
  }

  /// Whether a hold (a Retry-After) runs at `now`.
  fn is_held(&self, now: Instant) -> bool {
    self.hold_until.is_some_and(|until| now < until)
  }

  /// Drops the answers older than one round trip.
  fn forget_before(&mut self, now: Instant) {
    let Some(start) = self.round_trip.and_then(|rtt| now.checked_sub(rtt)) else {
      return;
    };
    while self.delivered.front().is_some_and(|&at| at < start) {
      self.delivered.pop_front();
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  const MS: Duration = Duration::from_millis(1);

  /// A limit and the clock its answers come by.
  struct Run {
    limit: AdaptiveLimit,
    now: Instant,
  }

  impl Run {
    fn new(max: usize) -> Self {
      Self {
        limit: AdaptiveLimit::new(max),
        now: Instant::now(),
      }
    }

    /// One round trip at `latency` with the limit full: its answers spread over it.
    fn round(&mut self, latency: Duration) {
      let answers = self.limit.limit();
      for _ in 0..answers {
        self.now += latency / answers as u32;
        let full = self.limit.limit();
        self.limit.on_answer(latency, full, self.now);
      }
    }

    fn congestion(&mut self, sent_under: usize, retry_after: Option<Duration>) {
      let epoch = self.limit.epoch();
      self.limit.on_congestion(epoch, sent_under, retry_after, self.now);
    }
  }

  #[test]
  fn slow_start_quadruples_each_round_trip_then_growth_slows_after_congestion() {
    let mut run = Run::new(10_000);
    assert_eq!(run.limit.limit(), 300);
    run.round(50 * MS);
    assert_eq!(run.limit.limit(), 1200);
    run.congestion(150, None);
    let cut = run.limit.limit();
    assert_eq!(cut, 135, "0.9 × the limit the failed request was sent under");
    run.round(50 * MS);
    let grown = run.limit.limit();
    assert!(grown > cut && grown <= cut + cut / 10, "{cut} → {grown}");
  }

  #[test]
  fn a_cut_goes_towards_what_the_service_completed_in_the_last_round_trip() {
    let mut run = Run::new(10_000);
    run.round(50 * MS);
    run.round(50 * MS);
    assert_eq!(run.limit.limit(), 4800, "slow start overshot");
    // Only the last 300 answers came in the last round trip (the service completes 300).
    run.limit = AdaptiveLimit::new(10_000);
    run.round(50 * MS);
    run.limit.limit = 4800.0;
    run.congestion(4800, None);
    assert_eq!(run.limit.limit(), 2160, "at most halved in one cut: 0.9 × 2400");
    run.congestion(2160, None);
    assert_eq!(run.limit.limit(), 972, "0.9 × 1080");
    run.congestion(972, None);
    assert_eq!(run.limit.limit(), 437, "0.9 × 486");
    run.congestion(437, None);
    assert_eq!(run.limit.limit(), 270, "0.9 × the 300 completed");
  }

  #[test]
  fn congestion_with_nothing_completed_cuts_only_by_decrease_below_the_start() {
    let mut run = Run::new(10_000);
    run.congestion(300, None);
    assert_eq!(run.limit.limit(), 270);
    run.congestion(270, None);
    assert_eq!(run.limit.limit(), 243, "not halved: the 429s may be per device");
  }

  #[test]
  fn no_growth_while_the_services_retry_after_runs() {
    let mut run = Run::new(10_000);
    run.round(50 * MS);
    run.congestion(1200, Some(5000 * MS));
    assert_eq!(run.limit.limit(), 540, "0.9 × clamp(300 completed, 600, 1200)");
    for _ in 0..60 {
      run.round(50 * MS);
    }
    assert_eq!(
      run.limit.limit(),
      1164,
      "3 s into a 5 s Retry-After: grown back to 0.97 × 1200, no further"
    );
    for _ in 0..50 {
      run.round(50 * MS);
    }
    assert!(run.limit.limit() > 1200, "past it after the wait");
    // A later signal from before the cut still extends the wait.
    let held = run.limit.limit();
    run.limit.on_congestion(0, 1200, Some(5000 * MS), run.now);
    assert_eq!(run.limit.limit(), held, "from before the cut: no second cut");
    run.round(50 * MS);
    assert_eq!(
      run.limit.limit(),
      held,
      "but the wait holds growth under 0.97 × 1200"
    )
  }

  #[test]
  fn one_cut_per_round_trip() {
    let mut run = Run::new(10_000);
    run.round(50 * MS);
    run.limit.limit = 100.0;
    let epoch = run.limit.epoch();
    for _ in 0..50 {
      run.limit.on_congestion(epoch, 100, None, run.now);
    }
    assert_eq!(run.limit.limit(), 90);
    run.congestion(1000, None);
    assert_eq!(run.limit.limit(), 81);
  }

  #[test]
  fn does_not_grow_when_not_full_or_when_latency_leaves_its_floor() {
    let mut run = Run::new(10_000);
    for _ in 0..1000 {
      run.limit.on_answer(50 * MS, 10, run.now);
    }
    assert_eq!(run.limit.limit(), 300, "not full: held back elsewhere");
    run.limit.on_answer(50 * MS, 300, run.now);
    assert_eq!(
      run.limit.limit(),
      303,
      "slow start: one full answer adds SLOW_START_STEP"
    );
    for _ in 0..1000 {
      run.limit.on_answer(200 * MS, 303, run.now);
    }
    assert_eq!(run.limit.limit(), 303, "latency 4 × its floor: only queueing");
  }

  #[test]
  fn a_fractional_limit_still_counts_as_full() {
    let mut run = Run::new(10_000);
    run.round(50 * MS);
    run.limit.limit = 11.0;
    run.congestion(11, None);
    assert_eq!(run.limit.limit(), 9, "9.9");
    run.limit.on_answer(50 * MS, 9, run.now);
    assert!(run.limit.limit > 9.9, "9 of 9 slots in use is full");
  }

  #[test]
  fn remembers_at_most_max_answers_per_round_trip() {
    let mut run = Run::new(150);
    for _ in 0..1000 {
      run.limit.on_answer(10_000 * MS, 150, run.now);
    }
    assert_eq!(run.limit.delivered.len(), 150);
  }

  #[test]
  fn stays_within_bounds() {
    let mut run = Run::new(150);
    for _ in 0..10 {
      run.round(MS);
    }
    assert_eq!(run.limit.limit(), 150);
    for _ in 0..100 {
      run.congestion(150, None);
    }
    assert_eq!(run.limit.limit(), 1);
    assert_eq!(AdaptiveLimit::new(5).limit(), 5);
  }
}

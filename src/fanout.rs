//! Fan-out: many targets through one [`WebPushClient`] with bounded concurrency and bounded
//! memory. Targets arrive in chunks through a bounded channel (the producer waits when the
//! workers are behind), each gets exactly one [`Outcome`], and the batch aggregates them:
//! counters for everything, lists only for what the caller must act on (gone, rejected,
//! failed).
//!
//! With [`Concurrency::Auto`] every push-service origin has its own queue and its own
//! adaptive limit ([`AdaptiveLimit`]): a slow or throttling origin fills its own queue and
//! limit, and the others go on (until its queue holds the whole buffer).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;

use crate::client::{Concurrency, Feedback, Outcome, OutcomeKind, Target, WebPushClient};
use crate::limiter::AdaptiveLimit;

/// Targets buffered between the producer and the workers, per unit of concurrency.
const BUFFER_PER_WORKER: usize = 2;
/// With [`Concurrency::Auto`], targets queued (not yet in progress) at most, all origins together.
const AUTO_BUFFER: usize = 4096;

/// One origin's share of a batch, at a point in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginProgress {
  /// `scheme://host[:port]`.
  pub origin: String,
  /// Targets in progress.
  pub in_flight: usize,
  /// Its current limit.
  pub limit: usize,
  /// Targets waiting for it.
  pub queued: usize,
}

/// Counters at a point in time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
  /// Targets with an outcome.
  pub done: u64,
  /// Of which sent.
  pub sent: u64,
  /// Of which gone.
  pub gone: u64,
  /// Of which rejected.
  pub rejected: u64,
  /// Of which failed.
  pub failed: u64,
}

/// The result of a batch.
#[derive(Debug, Clone, Default)]
pub struct Report {
  /// Targets received.
  pub total: u64,
  /// Targets sent (2xx).
  pub sent: u64,
  /// 404/410 outcomes, by index.
  pub gone: Vec<Outcome>,
  /// Rejected outcomes, by index.
  pub rejected: Vec<Outcome>,
  /// Failed outcomes, by index.
  pub failed: Vec<Outcome>,
  /// Wall time from start to the last outcome.
  pub duration: Duration,
}

#[derive(Default)]
struct Tally {
  sent: AtomicU64,
  gone: AtomicU64,
  rejected: AtomicU64,
  failed: AtomicU64,
  received: AtomicU64,
  lists: Mutex<(Vec<Outcome>, Vec<Outcome>, Vec<Outcome>)>,
  /// Every outcome not yet taken by [`Batch::take_outcomes`], when the batch streams them.
  stream: Option<Mutex<Vec<Outcome>>>,
  /// Targets in progress.
  in_flight: AtomicUsize,
  /// Per-origin queues and limits (empty with a fixed concurrency).
  origins: Mutex<Origins>,
  /// Wakes the per-origin driver when a target gives its slot back to wait out a retry
  /// delay (no task ends then, and the slot must go to the next queued target).
  slot_given_back: tokio::sync::Notify,
}

impl Tally {
  fn origins(&self) -> std::sync::MutexGuard<'_, Origins> {
    // Updates under this lock are plain field writes: a panic cannot leave them half-done.
    self.origins.lock().unwrap_or_else(|p| p.into_inner())
  }

  fn record(&self, outcome: Outcome) {
    if let Some(stream) = &self.stream {
      stream
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(outcome.clone());
    }
    let counter = match outcome.kind {
      OutcomeKind::Sent => &self.sent,
      OutcomeKind::Gone => &self.gone,
      OutcomeKind::Rejected => &self.rejected,
      OutcomeKind::Failed => &self.failed,
    };
    if outcome.kind != OutcomeKind::Sent {
      let mut lists = self.lists.lock().unwrap_or_else(|p| p.into_inner());
      match outcome.kind {
        OutcomeKind::Gone => lists.0.push(outcome),
        OutcomeKind::Rejected => lists.1.push(outcome),
        _ => lists.2.push(outcome),
      }
    }
    counter.fetch_add(1, Ordering::Release);
  }

  fn progress(&self) -> Progress {
    let sent = self.sent.load(Ordering::Acquire);
    let gone = self.gone.load(Ordering::Acquire);
    let rejected = self.rejected.load(Ordering::Acquire);
    let failed = self.failed.load(Ordering::Acquire);
    Progress {
      done: sent + gone + rejected + failed,
      sent,
      gone,
      rejected,
      failed,
    }
  }
}

/// A running batch.
pub struct Batch {
  sender: Mutex<Option<mpsc::Sender<(u64, Target)>>>,
  driver: tokio::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
  tally: Arc<Tally>,
  abort: watch::Sender<bool>,
  started: Instant,
}

impl Batch {
  /// Starts the workers on the current tokio runtime. With `stream_outcomes`, every outcome
  /// (sent ones included) is also kept for [`Batch::take_outcomes`] until taken.
  pub fn start(client: Arc<WebPushClient>, stream_outcomes: bool) -> Self {
    let (abort, aborted) = watch::channel(false);
    let tally = Arc::new(Tally {
      stream: stream_outcomes.then(Mutex::default),
      ..Tally::default()
    });
    let (sender, driver) = match client.config().concurrency {
      Concurrency::Fixed(concurrency) => {
        let concurrency = concurrency.max(1);
        let (sender, receiver) = mpsc::channel(concurrency * BUFFER_PER_WORKER);
        let driver = tokio::spawn(drive(client, receiver, concurrency, tally.clone(), aborted));
        (sender, driver)
      }
      Concurrency::Auto { max } => {
        let (sender, receiver) = mpsc::channel(max.clamp(1, AUTO_BUFFER));
        let driver = tokio::spawn(drive_per_origin(
          client,
          receiver,
          max.max(1),
          tally.clone(),
          aborted,
        ));
        (sender, driver)
      }
    };
    Self {
      sender: Mutex::new(Some(sender)),
      driver: tokio::sync::Mutex::new(Some(driver)),
      tally,
      abort,
      started: Instant::now(),
    }
  }

  /// Queues targets, waiting while the workers are behind (backpressure). After `finish`
  /// the targets are reported as failed (`ERR_ABORTED`) rather than lost.
  pub async fn push(&self, targets: Vec<(u64, Target)>) {
    let sender = self.sender.lock().unwrap_or_else(|p| p.into_inner()).clone();
    self
      .tally
      .received
      .fetch_add(targets.len() as u64, Ordering::AcqRel);
    for (index, target) in targets {
      let undelivered = match &sender {
        Some(sender) => sender.send((index, target)).await.err().map(|e| e.0),
        None => Some((index, target)),
      };
      if let Some((index, target)) = undelivered {
        self.tally.record(Outcome::aborted(index, target.endpoint, 0));
      }
    }
  }

  /// Stops starting new sends; in-flight ones finish; queued and later targets fail with `ERR_ABORTED`.
  pub fn abort(&self) {
    let _ = self.abort.send(true);
  }

  /// Current counters.
  pub fn progress(&self) -> Progress {
    self.tally.progress()
  }

  /// Targets in progress now.
  pub fn in_flight(&self) -> usize {
    self.tally.in_flight.load(Ordering::Acquire)
  }

  /// Each origin's limit, in-flight and queued targets (empty with a fixed concurrency).
  pub fn origins(&self) -> Vec<OriginProgress> {
    let origins = self.tally.origins();
    let mut list: Vec<OriginProgress> = origins
      .by_origin
      .iter()
      .map(|(origin, o)| OriginProgress {
        origin: origin.clone(),
        in_flight: o.in_flight,
        limit: o.limit.limit(),
        queued: o.queue.len(),
      })
      .collect();
    list.sort_by(|a, b| a.origin.cmp(&b.origin));
    list
  }

  /// The outcomes recorded since the last call, in the order they happened (empty unless
  /// the batch was started with `stream_outcomes`).
  pub fn take_outcomes(&self) -> Vec<Outcome> {
    match &self.tally.stream {
      Some(stream) => std::mem::take(&mut *stream.lock().unwrap_or_else(|p| p.into_inner())),
      None => Vec::new(),
    }
  }

  /// Targets pushed so far.
  pub fn received(&self) -> u64 {
    self.tally.received.load(Ordering::Acquire)
  }

  /// Closes the input, waits for every outcome, and returns the report (sorted by index).
  pub async fn finish(&self) -> Report {
    drop(self.sender.lock().unwrap_or_else(|p| p.into_inner()).take());
    if let Some(driver) = self.driver.lock().await.take() {
      let _ = driver.await;
    }
    let progress = self.tally.progress();
    let (mut gone, mut rejected, mut failed) =
      std::mem::take(&mut *self.tally.lists.lock().unwrap_or_else(|p| p.into_inner()));
    for list in [&mut gone, &mut rejected, &mut failed] {
      list.sort_by_key(|o| o.index);
    }
    Report {
      total: progress.done,
      sent: progress.sent,
      gone,
      rejected,
      failed,
      duration: self.started.elapsed(),
    }
  }
}

async fn drive(
  client: Arc<WebPushClient>,
  mut receiver: mpsc::Receiver<(u64, Target)>,
  concurrency: usize,
  tally: Arc<Tally>,
  aborted: watch::Receiver<bool>,
) {
  let permits = Arc::new(Semaphore::new(concurrency));
  let mut tasks = JoinSet::new();
  while let Some((index, target)) = receiver.recv().await {
    if *aborted.borrow() {
      tally.record(Outcome::aborted(index, target.endpoint, 0));
      continue;
    }
    let Ok(permit) = permits.clone().acquire_owned().await else {
      break;
    };
    let (client, tally, aborted) = (client.clone(), tally.clone(), aborted.clone());
    tally.in_flight.fetch_add(1, Ordering::AcqRel);
    tasks.spawn(async move {
      let outcome = client.deliver(index, target, false, &aborted, &()).await;
      tally.in_flight.fetch_sub(1, Ordering::AcqRel);
      tally.record(outcome);
      drop(permit);
    });
    while tasks.try_join_next().is_some() {}
  }
  while tasks.join_next().await.is_some() {}
}

/// One origin's queue and limit.
struct OriginQueue {
  queue: VecDeque<(u64, Target)>,
  /// Targets holding one of its slots (sending; a target waiting to retry holds none).
  in_flight: usize,
  limit: AdaptiveLimit,
  /// Retries waiting for a slot: they go before queued targets.
  readmitting: usize,
  slot_freed: Arc<tokio::sync::Notify>,
}

/// A target's view of its origin's limit: feedback from its attempts, and a slot again
/// after each retry wait.
struct OriginAdmission<'a> {
  tally: &'a Tally,
  origin: &'a str,
  /// The limit and its epoch when the current attempt was sent (its congestion signal
  /// counts only if no cut came in between).
  sent_under: Mutex<(u64, usize)>,
  /// Whether the target holds a slot (not while it waits to retry).
  holding: std::sync::atomic::AtomicBool,
}

impl crate::client::Admission for OriginAdmission<'_> {
  fn feedback(&self, signal: Feedback) {
    let mut origins = self.tally.origins();
    let Some(entry) = origins.by_origin.get_mut(self.origin) else {
      return;
    };
    let mut sent_under = self.sent_under.lock().unwrap_or_else(|p| p.into_inner());
    match signal {
      Feedback::Sending => *sent_under = (entry.limit.epoch(), entry.limit.limit()),
      Feedback::Answered(latency) => entry.limit.on_answer(latency, entry.in_flight, Instant::now()),
      Feedback::Congested(retry_after) => {
        entry
          .limit
          .on_congestion(sent_under.0, sent_under.1, retry_after, Instant::now())
      }
      Feedback::Waiting => {
        self.holding.store(false, Ordering::Release);
        entry.in_flight -= 1;
        entry.slot_freed.notify_one();
        self.tally.slot_given_back.notify_one();
      }
    }
  }

  fn readmit(&self) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
    Box::pin(async move {
      let mut waiting = false;
      loop {
        let slot_freed = {
          let mut origins = self.tally.origins();
          let Some(entry) = origins.by_origin.get_mut(self.origin) else {
            return;
          };
          if waiting {
            entry.readmitting -= 1;
          }
          if entry.in_flight < entry.limit.limit() {
            entry.in_flight += 1;
            self.holding.store(true, Ordering::Release);
            if waiting && entry.readmitting == 0 {
              // Queued targets were held back for the retries: another free slot is theirs now.
              self.tally.slot_given_back.notify_one();
            }
            return;
          }
          entry.readmitting += 1;
          waiting = true;
          entry.slot_freed.clone()
        };
        // `notify_one` keeps a permit when nobody waits yet: a slot freed in between is not missed.
        slot_freed.notified().await;
      }
    })
  }
}

/// The per-origin state of a [`Concurrency::Auto`] batch.
#[derive(Default)]
struct Origins {
  by_origin: HashMap<String, OriginQueue>,
  /// Origins with queued targets, in the order they are served (round robin).
  backlog: VecDeque<String>,
  queued: usize,
}

/// `scheme://host[:port]` of an endpoint, lower-case and without a default port (what the
/// pool keys connections by); the whole text if it is not a URL (it is rejected before any
/// request).
fn origin_key(endpoint: &str) -> String {
  let start = endpoint.find("://").map_or(0, |i| i + 3);
  let end = endpoint[start..]
    .find(['/', '?', '#'])
    .map_or(endpoint.len(), |i| start + i);
  let mut key = endpoint[..end].to_ascii_lowercase();
  let default_port = if key.starts_with("https://") {
    ":443"
  } else {
    ":80"
  };
  if key.ends_with(default_port) {
    key.truncate(key.len() - default_port.len());
  }
  key
}

/// Serves every origin from its own queue, within its adaptive limit and `max` in total.
async fn drive_per_origin(
  client: Arc<WebPushClient>,
  mut receiver: mpsc::Receiver<(u64, Target)>,
  max: usize,
  tally: Arc<Tally>,
  aborted: watch::Receiver<bool>,
) {
  let mut tasks = JoinSet::new();
  let mut input_open = true;
  loop {
    let queued = start_ready(&client, &tally, &aborted, max, &mut tasks);
    if !input_open && queued == 0 && tasks.is_empty() {
      break;
    }
    tokio::select! {
      received = receiver.recv(), if input_open && queued < AUTO_BUFFER => match received {
        Some((index, target)) if *aborted.borrow() => tally.record(Outcome::aborted(index, target.endpoint, 0)),
        Some((index, target)) => {
          let origin = origin_key(&target.endpoint);
          let mut origins = tally.origins();
          let Origins { by_origin, backlog, queued } = &mut *origins;
          let entry = by_origin.entry(origin.clone()).or_insert_with(|| OriginQueue {
            queue: VecDeque::new(),
            in_flight: 0,
            limit: AdaptiveLimit::new(max),
            readmitting: 0,
            slot_freed: Arc::default(),
          });
          if entry.queue.is_empty() {
            backlog.push_back(origin);
          }
          entry.queue.push_back((index, target));
          *queued += 1;
        }
        None => input_open = false,
      },
      Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
      () = tally.slot_given_back.notified() => {}
    }
  }
}

/// Starts every queued target its origin's limit and `max` allow; returns how many stay queued.
fn start_ready(
  client: &Arc<WebPushClient>,
  tally: &Arc<Tally>,
  aborted: &watch::Receiver<bool>,
  max: usize,
  tasks: &mut JoinSet<()>,
) -> usize {
  let stop = *aborted.borrow();
  let mut origins = tally.origins();
  let Origins {
    by_origin,
    backlog,
    queued,
  } = &mut *origins;
  let mut rounds = backlog.len();
  while rounds > 0 && (stop || tally.in_flight.load(Ordering::Acquire) < max) {
    rounds -= 1;
    let Some(origin) = backlog.pop_front() else { break };
    let Some(entry) = by_origin.get_mut(&origin) else {
      continue;
    };
    while (entry.readmitting == 0 && entry.in_flight < entry.limit.limit()) || stop {
      let Some((index, target)) = entry.queue.pop_front() else {
        break;
      };
      *queued -= 1;
      if stop {
        tally.record(Outcome::aborted(index, target.endpoint, 0));
        continue;
      }
      entry.in_flight += 1;
      tally.in_flight.fetch_add(1, Ordering::AcqRel);
      let (client, shared, aborted, key) = (client.clone(), tally.clone(), aborted.clone(), origin.clone());
      tasks.spawn(async move {
        let tally = shared;
        let admission = OriginAdmission {
          tally: &tally,
          origin: &key,
          sent_under: Mutex::new((0, 0)),
          holding: true.into(),
        };
        let outcome = client.deliver(index, target, false, &aborted, &admission).await;
        let holding = admission.holding.load(Ordering::Acquire);
        if let Some(entry) = tally.origins().by_origin.get_mut(&key).filter(|_| holding) {
          entry.in_flight -= 1;
          entry.slot_freed.notify_one();
        }
        tally.in_flight.fetch_sub(1, Ordering::AcqRel);
        tally.record(outcome);
      });
      if tally.in_flight.load(Ordering::Acquire) >= max {
        break;
      }
    }
    if !entry.queue.is_empty() {
      backlog.push_back(origin);
    }
  }
  *queued
}

#[cfg(test)]
mod tests {
  use super::origin_key;

  #[test]
  fn one_origin_one_key_however_it_is_written() {
    for (endpoint, key) in [
      (
        "https://FCM.googleapis.com/fcm/send/x",
        "https://fcm.googleapis.com",
      ),
      (
        "https://fcm.googleapis.com:443/fcm/send/y",
        "https://fcm.googleapis.com",
      ),
      ("https://push.example.com:8443/a", "https://push.example.com:8443"),
      ("http://127.0.0.1:80/push/1", "http://127.0.0.1"),
      ("http://127.0.0.1:8080/push/1", "http://127.0.0.1:8080"),
      ("https://[::1]:443/p", "https://[::1]"),
      ("https://host?x", "https://host"),
    ] {
      assert_eq!(origin_key(endpoint), key, "{endpoint}");
    }
  }
}

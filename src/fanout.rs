//! Fan-out: many targets through one [`WebPushClient`] with bounded concurrency and bounded
//! memory. Targets arrive in chunks through a bounded channel (the producer waits when the
//! workers are behind), each gets exactly one [`Outcome`], and the batch aggregates them:
//! counters for everything, lists only for what the caller must act on (gone, rejected,
//! failed).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;

use crate::client::{Outcome, OutcomeKind, Target, WebPushClient};

/// Targets buffered between the producer and the workers, per unit of concurrency.
const BUFFER_PER_WORKER: usize = 2;

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
}

impl Tally {
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
    let concurrency = client.config().concurrency.max(1);
    let (sender, receiver) = mpsc::channel(concurrency * BUFFER_PER_WORKER);
    let (abort, aborted) = watch::channel(false);
    let tally = Arc::new(Tally {
      stream: stream_outcomes.then(Mutex::default),
      ..Tally::default()
    });
    let driver = tokio::spawn(drive(client, receiver, concurrency, tally.clone(), aborted));
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
    tasks.spawn(async move {
      let outcome = client.deliver(index, target, false, &aborted).await;
      tally.record(outcome);
      drop(permit);
    });
    while tasks.try_join_next().is_some() {}
  }
  while tasks.join_next().await.is_some() {}
}

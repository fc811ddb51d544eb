//! Fan-out against the local push service with injected faults: every target gets exactly
//! one outcome, in the right bucket.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use web_push_rs::client::{ClientConfig, Concurrency, MessageOptions, Target, WebPushClient};
use web_push_rs::fanout::Batch;
use web_push_rs::keys::KeyPair;
use web_push_rs::limiter::INITIAL_LIMIT;
use web_push_rs::request::VapidDetails;
use web_push_rs::retry::RetryPolicy;
use web_push_rs::testing::{CreatedSubscription, FaultAction, FaultScope, PushService, PushServiceConfig};

fn client(concurrency: usize, timeout: Duration) -> (Arc<WebPushClient>, String) {
  client_with(Concurrency::Fixed(concurrency), timeout, 3)
}

fn client_with(concurrency: Concurrency, timeout: Duration, attempts: u32) -> (Arc<WebPushClient>, String) {
  let pair = KeyPair::generate().unwrap();
  let public = pair.public_key.to_base64();
  let vapid = VapidDetails::new(
    "mailto:fanout@example.com",
    &public,
    &pair.private_key.to_base64(),
  )
  .unwrap();
  let mut config = ClientConfig::new(Some(vapid));
  config.concurrency = concurrency;
  config.timeout = timeout;
  config.retry = RetryPolicy {
    attempts,
    max_delay: Duration::from_secs(2),
  };
  (Arc::new(WebPushClient::new(config).unwrap()), public)
}

fn target(sub: &CreatedSubscription, payload: &Arc<[u8]>) -> Target {
  Target {
    endpoint: sub.endpoint.clone(),
    p256dh: Some(sub.p256dh.clone()),
    auth: Some(sub.auth.clone()),
    payload: Some(payload.clone()),
    options: MessageOptions::default(),
  }
}

fn status(code: u16, retry_after: Option<&str>) -> FaultAction {
  FaultAction::Status {
    status: code,
    retry_after: retry_after.map(str::to_owned),
  }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mixed_batch_lands_every_target_in_its_bucket() {
  let service = PushService::start(PushServiceConfig::default()).await.unwrap();
  let (client, vapid_key) = client(8, Duration::from_millis(400));
  let payload: Arc<[u8]> = Arc::from(&b"hello batch"[..]);
  let subs: Vec<_> = (0..7)
    .map(|_| service.subscribe(Some(&vapid_key)).unwrap())
    .collect();
  let [ok, gone, too_big, throttled, flaky, stalled, unauthorized] = <[_; 7]>::try_from(subs).unwrap();
  service.expire(&gone.endpoint);
  let scope = |s: &CreatedSubscription| FaultScope::Endpoint(s.endpoint.clone());
  service.fail_next(scope(&too_big), status(413, None), 1);
  service.fail_next(scope(&throttled), status(429, Some("1")), 1);
  service.fail_next(scope(&flaky), status(500, None), 1);
  service.fail_next(scope(&stalled), FaultAction::Stall, 10);
  service.fail_next(scope(&unauthorized), status(401, None), 1);

  let mut invalid = target(&ok, &payload);
  invalid.p256dh = Some("BAAA".into());
  let mut bad_ttl = target(&ok, &payload);
  bad_ttl.options.ttl = Some(-5.0);
  let targets = vec![
    target(&ok, &payload),
    target(&gone, &payload),
    target(&too_big, &payload),
    invalid,
    target(&throttled, &payload),
    target(&flaky, &payload),
    target(&stalled, &payload),
    target(&unauthorized, &payload),
    bad_ttl,
  ];
  let batch = Batch::start(client, true);
  batch
    .push(
      targets
        .into_iter()
        .enumerate()
        .map(|(i, t)| (i as u64, t))
        .collect(),
    )
    .await;
  let mut streamed = batch.take_outcomes();
  let report = batch.finish().await;
  streamed.extend(batch.take_outcomes());
  assert!(batch.take_outcomes().is_empty(), "each outcome is taken once");
  let mut streamed_indices: Vec<_> = streamed.iter().map(|o| (o.index, o.kind)).collect();
  streamed_indices.sort_by_key(|(i, _)| *i);
  assert_eq!(
    streamed_indices.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
    (0..9).collect::<Vec<_>>(),
    "every outcome streamed exactly once, sent ones included"
  );
  for o in report.gone.iter().chain(&report.rejected).chain(&report.failed) {
    assert!(streamed_indices.contains(&(o.index, o.kind)));
  }

  assert_eq!(report.total, 9);
  assert_eq!(report.sent, 3, "ok, throttled and flaky end up sent");
  let indices = |list: &[web_push_rs::client::Outcome]| list.iter().map(|o| o.index).collect::<Vec<_>>();
  assert_eq!(indices(&report.gone), [1]);
  assert_eq!(indices(&report.rejected), [2, 3, 7, 8]);
  assert_eq!(indices(&report.failed), [6]);
  assert_eq!(report.gone[0].status_code, Some(410));
  assert_eq!(report.rejected[0].status_code, Some(413));
  assert_eq!(report.rejected[1].code(), Some("ERR_INVALID_P256DH"));
  assert_eq!(report.rejected[1].attempts, 0);
  assert_eq!(report.rejected[3].code(), Some("ERR_INVALID_TTL"));
  assert_eq!(
    (report.failed[0].code(), report.failed[0].attempts),
    (Some("ERR_TIMEOUT"), 3)
  );
  let delivered: Vec<_> = service
    .messages(None)
    .iter()
    .map(|m| m.endpoint.clone())
    .collect();
  for sub in [&ok, &throttled, &flaky] {
    assert_eq!(delivered.iter().filter(|e| **e == sub.endpoint).count(), 1);
  }
  let tokens: HashSet<_> = service
    .messages(None)
    .iter()
    .map(|m| {
      m.headers
        .iter()
        .find(|(n, _)| n == "authorization")
        .unwrap()
        .1
        .clone()
    })
    .collect();
  assert_eq!(tokens.len(), 1, "one JWT for one audience");
  service.close();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_one_outcome_per_target_under_faults() {
  let service = PushService::start(PushServiceConfig::default()).await.unwrap();
  let (client, _) = client(50, Duration::from_secs(5));
  let payload: Arc<[u8]> = Arc::from(&b"x"[..]);
  let subs: Vec<_> = (0..20).map(|_| service.subscribe(None).unwrap()).collect();
  service.expire(&subs[0].endpoint);
  service.fail_next(FaultScope::Any, status(503, Some("0")), 150);
  service.fail_next(FaultScope::Any, FaultAction::Reset, 50);
  let batch = Batch::start(client, false);
  let n = 2_000u64;
  for chunk in (0..n).collect::<Vec<_>>().chunks(256) {
    batch
      .push(
        chunk
          .iter()
          .map(|&i| (i, target(&subs[(i % 20) as usize], &payload)))
          .collect(),
      )
      .await;
  }
  let report = batch.finish().await;
  let mut seen: Vec<u64> = report
    .gone
    .iter()
    .chain(&report.rejected)
    .chain(&report.failed)
    .map(|o| o.index)
    .collect();
  assert_eq!(report.total, n);
  assert_eq!(report.sent + seen.len() as u64, n);
  assert!(report
    .gone
    .iter()
    .all(|o| o.endpoint == subs[0].endpoint && o.status_code == Some(410)));
  assert!(
    report.gone.len() > 50,
    "most targets of the expired subscription get past the faults"
  );
  seen.sort_unstable();
  seen.dedup();
  assert_eq!(
    seen.len(),
    report.gone.len() + report.rejected.len() + report.failed.len()
  );
  assert_eq!(
    service.stats().accepted,
    report.sent,
    "each sent message was accepted exactly once"
  );
  service.close();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_stops_new_sends_and_reports_the_rest() {
  let service = PushService::start(PushServiceConfig::default()).await.unwrap();
  let (client, _) = client(2, Duration::from_secs(5));
  let sub = service.subscribe(None).unwrap();
  service.fail_next(
    FaultScope::Any,
    FaultAction::Delay(Duration::from_millis(200)),
    1000,
  );
  let payload: Arc<[u8]> = Arc::from(&b"x"[..]);
  let batch = Arc::new(Batch::start(client, false));
  let pusher = {
    let batch = batch.clone();
    let targets: Vec<_> = (0..20).map(|i| (i, target(&sub, &payload))).collect();
    tokio::spawn(async move { batch.push(targets).await })
  };
  tokio::time::sleep(Duration::from_millis(100)).await;
  let started = Instant::now();
  batch.abort();
  pusher.await.unwrap();
  let report = batch.finish().await;
  assert!(started.elapsed() < Duration::from_secs(2));
  assert_eq!(report.total, 20);
  assert_eq!(report.sent, 2, "the two in flight finish");
  assert_eq!(report.failed.len(), 18);
  assert!(report.failed.iter().all(|o| o.code() == Some("ERR_ABORTED")));
  service.close();
}

const AUTO: Concurrency = Concurrency::Auto { max: 2000 };

async fn push_all(batch: &Batch, targets: Vec<Target>) {
  let indexed: Vec<_> = targets
    .into_iter()
    .enumerate()
    .map(|(i, t)| (i as u64, t))
    .collect();
  for chunk in indexed.chunks(256) {
    batch.push(chunk.to_vec()).await;
  }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_auto_concurrency_a_stalled_origin_does_not_hold_back_a_fast_one() {
  let slow = PushService::start(PushServiceConfig::default()).await.unwrap();
  let fast = PushService::start(PushServiceConfig::default()).await.unwrap();
  slow.fail_next(FaultScope::Any, FaultAction::Stall, 10_000);
  let (client, key) = client_with(AUTO, Duration::from_secs(60), 1);
  let payload: Arc<[u8]> = Arc::from(&b"fast"[..]);
  let slow_sub = slow.subscribe(Some(&key)).unwrap();
  let fast_sub = fast.subscribe(Some(&key)).unwrap();
  // Interleaved, slow first: with one shared limit the stalled requests would take every slot.
  let targets = (0..600)
    .map(|i| target(if i % 2 == 0 { &slow_sub } else { &fast_sub }, &payload))
    .collect();
  let batch = Arc::new(Batch::start(client, false));
  let pushing = tokio::spawn({
    let batch = batch.clone();
    async move { push_all(&batch, targets).await }
  });
  // Every fast target is delivered while the slow origin has not answered one request (the
  // service counts a request before its answer reaches the batch: wait for both).
  let deadline = Instant::now() + Duration::from_secs(30);
  while (fast.stats().accepted < 300 || batch.progress().done < 300) && Instant::now() < deadline {
    tokio::time::sleep(Duration::from_millis(20)).await;
  }
  assert_eq!(fast.stats().accepted, 300, "{:?}", batch.origins());
  assert_eq!(batch.progress().done, 300, "only the fast ones are done");
  let origins = batch.origins();
  let slow_origin = origins.iter().find(|o| slow.origin() == o.origin).unwrap();
  assert_eq!(slow_origin.in_flight + slow_origin.queued, 300, "{origins:?}");
  assert!(slow_origin.in_flight <= slow_origin.limit, "{origins:?}");
  batch.abort();
  slow.close();
  let report = batch.finish().await;
  pushing.await.unwrap();
  assert_eq!(report.total, 600);
  assert_eq!(report.sent, 300);
  assert_eq!(
    report.failed.len(),
    300,
    "the stalled ones fail (aborted or reset), none lost"
  );
  fast.close();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_auto_concurrency_the_limit_shrinks_under_429s_and_grows_back() {
  let service = PushService::start(PushServiceConfig {
    latency: Duration::from_millis(200),
    ..PushServiceConfig::default()
  })
  .await
  .unwrap();
  // Enough 429s for several round trips' worth of them: one cut each.
  let initial = INITIAL_LIMIT as usize;
  service.fail_next(FaultScope::Any, status(429, Some("0")), initial as u32 * 3);
  let (client, key) = client_with(AUTO, Duration::from_secs(30), 20);
  let payload: Arc<[u8]> = Arc::from(&b"x"[..]);
  let sub = service.subscribe(Some(&key)).unwrap();
  let batch = Arc::new(Batch::start(client, false));
  let pushing = tokio::spawn({
    let batch = batch.clone();
    let targets = (0..1500).map(|_| target(&sub, &payload)).collect();
    async move { push_all(&batch, targets).await }
  });
  let (mut lowest, mut last) = (usize::MAX, 0);
  let mut lowest_at_429s = 0;
  while batch.progress().done < 1500 {
    if let Some(origin) = batch.origins().first() {
      if origin.limit < lowest {
        lowest = origin.limit;
        lowest_at_429s = service.stats().by_status.get(&429).copied().unwrap_or(0);
      }
      last = origin.limit;
    }
    tokio::time::sleep(Duration::from_millis(5)).await;
  }
  pushing.await.unwrap();
  let report = batch.finish().await;
  assert_eq!(
    report.sent,
    1500,
    "every target sent in the end: {:?}",
    report.failed.first()
  );
  eprintln!("limit: {initial} → lowest {lowest} (after {lowest_at_429s} 429s) → {last}");
  assert!(
    lowest < initial * 82 / 100,
    "the 429s cut the limit at least twice, from {initial} to {lowest}"
  );
  assert!(
    lowest_at_429s >= initial as u64,
    "the cuts came with the 429s ({lowest_at_429s})"
  );
  assert!(last > lowest + 5, "the limit grew back: {lowest} → {last}");
  service.close();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_auto_concurrency_a_slot_given_back_for_a_retry_wait_goes_to_a_queued_target() {
  // The first 100 requests (the whole initial limit) are throttled with a long Retry-After:
  // while those targets wait, their slots must carry the queued ones, not sit idle until
  // some request ends (here none would: every one in flight is waiting).
  let service = PushService::start(PushServiceConfig::default()).await.unwrap();
  service.fail_next(FaultScope::Any, status(429, Some("30")), 100);
  let (client, key) = client_with(AUTO, Duration::from_secs(60), 2);
  let mut config = client.config().clone();
  config.retry.max_delay = Duration::from_secs(60);
  let client = Arc::new(WebPushClient::new(config).unwrap());
  let payload: Arc<[u8]> = Arc::from(&b"x"[..]);
  let sub = service.subscribe(Some(&key)).unwrap();
  let batch = Arc::new(Batch::start(client, false));
  push_all(&batch, (0..300).map(|_| target(&sub, &payload)).collect()).await;
  let deadline = Instant::now() + Duration::from_secs(20);
  // The service counts an answer before the client records its outcome: wait for both.
  while (service.stats().accepted < 200 || batch.progress().done < 200) && Instant::now() < deadline {
    tokio::time::sleep(Duration::from_millis(20)).await;
  }
  let stats = service.stats();
  assert_eq!(
    stats.accepted, 200,
    "the queued targets went while the throttled ones wait: {stats:?}"
  );
  assert_eq!(stats.by_status.get(&429).copied(), Some(100));
  assert_eq!(batch.progress().done, 200, "the throttled ones are still waiting");
  batch.abort();
  let report = batch.finish().await;
  assert_eq!((report.total, report.sent, report.failed.len()), (300, 200, 100));
  service.close();
}

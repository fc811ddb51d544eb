//! The WebPush client: one configuration and connection pool, per-message delivery with
//! retries, and a classified [`Outcome`] for every message.
//!
//! Outcome kinds: `Sent` (2xx), `Gone` (404/410: delete the subscription), `Rejected`
//! (400/401/403/413, other non-retryable answers, and invalid input caught locally),
//! `Failed` (network errors, timeouts, 408/429/5xx once retries are exhausted, aborts).
//! What a status means at a given push service (Windows' 406 throttle, a VAPID key
//! mismatch) comes from [`crate::push_services::meaning`].

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crate::ece::ContentEncoding;
use crate::endpoint_policy::EndpointPolicy;
use crate::error::{Error, Result};
use crate::push_services::{self, Meaning, Service};
use crate::request::{self, RequestOptions, Urgency, VapidDetails};
use crate::retry::{parse_retry_after, RetryPolicy};
use crate::send::{HttpClient, HttpSettings, PushResponse, DEFAULT_TIMEOUT};
use crate::subscription::Subscription;

/// Default bound on requests in flight per batch, all origins together, with
/// [`Concurrency::Auto`]: room for one far-away origin's 32 connections × 100 streams and
/// more for the others (2,000 capped a service 200 ms away at 10,000 msg/s).
pub const DEFAULT_MAX_CONCURRENCY: usize = 5000;

/// How many targets of a batch are in progress at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concurrency {
  /// Exactly this many, whatever their origins.
  Fixed(usize),
  /// Per push-service origin an adaptive limit ([`crate::limiter`]), `max` in total.
  Auto {
    /// Bound on all origins together.
    max: usize,
  },
}

/// Who decides when a target's attempts may go (the fan-out's per-origin limits); the
/// default, `()`, lets every attempt go at once.
pub trait Admission: Sync {
  /// Hears what an attempt showed.
  fn feedback(&self, _signal: Feedback) {}

  /// Waits until a retry may go: a target waiting out a retry delay holds no slot
  /// ([`Feedback::Waiting`]) and takes one again here.
  fn readmit(&self) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
    Box::pin(std::future::ready(()))
  }
}

impl Admission for () {}

/// What one attempt showed about its push service's capacity (for [`crate::limiter`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feedback {
  /// An attempt is about to be sent.
  Sending,
  /// An answer that is not a congestion signal, after this long.
  Answered(Duration),
  /// 429, 5xx, Windows' 406 throttle, a timeout or a network error, with the service's
  /// Retry-After if it sent one.
  Congested(Option<Duration>),
  /// The target waits before its next attempt (it gives its slot back until then).
  Waiting,
}

/// Client-wide settings.
#[derive(Debug, Clone)]
pub struct ClientConfig {
  /// Defaults for every message (TTL, urgency, encoding, VAPID, extra headers).
  pub defaults: RequestOptions,
  /// Total timeout per attempt.
  pub timeout: Duration,
  /// Targets in progress at once (fan-out).
  pub concurrency: Concurrency,
  /// Retry policy.
  pub retry: RetryPolicy,
  /// Proxy and extra CA.
  pub http: HttpSettings,
  /// Which endpoints may be contacted.
  pub endpoint_policy: EndpointPolicy,
}

impl ClientConfig {
  /// Defaults with the given VAPID identity.
  pub fn new(vapid: Option<VapidDetails>) -> Self {
    Self {
      defaults: RequestOptions {
        vapid,
        ..RequestOptions::default()
      },
      timeout: DEFAULT_TIMEOUT,
      concurrency: Concurrency::Auto {
        max: DEFAULT_MAX_CONCURRENCY,
      },
      retry: RetryPolicy::default(),
      http: HttpSettings::default(),
      endpoint_policy: EndpointPolicy::default(),
    }
  }
}

/// Per-message overrides, as given by the caller (validated at delivery: a bad value
/// rejects that one message, never the batch).
#[derive(Debug, Clone, Default)]
pub struct MessageOptions {
  /// `TTL` in seconds.
  pub ttl: Option<f64>,
  /// Urgency name.
  pub urgency: Option<String>,
  /// Topic.
  pub topic: Option<String>,
  /// Content encoding name.
  pub content_encoding: Option<String>,
  /// Extra headers.
  pub headers: Vec<(String, String)>,
}

/// One message to one subscription.
#[derive(Debug, Clone)]
pub struct Target {
  /// Subscription endpoint.
  pub endpoint: String,
  /// Subscription `keys.p256dh`.
  pub p256dh: Option<String>,
  /// Subscription `keys.auth`.
  pub auth: Option<String>,
  /// Payload (shared between targets of a batch when it is the same).
  pub payload: Option<Arc<[u8]>>,
  /// Overrides of the client defaults.
  pub options: MessageOptions,
}

/// The bucket an outcome falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeKind {
  /// 2xx.
  Sent,
  /// 404/410: the subscription no longer exists.
  Gone,
  /// The request was refused or invalid: fix it, retrying will not help.
  Rejected,
  /// Transient failure that outlasted the retries (or the batch was aborted).
  Failed,
}

/// What happened to one message.
#[derive(Debug, Clone)]
pub struct Outcome {
  /// Bucket.
  pub kind: OutcomeKind,
  /// Subscription endpoint.
  pub endpoint: String,
  /// Position of the target in its batch.
  pub index: u64,
  /// Last HTTP status, if there was an answer.
  pub status_code: Option<u16>,
  /// Attempts made (0 if rejected before sending).
  pub attempts: u32,
  /// The last `Retry-After`, in milliseconds.
  pub retry_after_ms: Option<u64>,
  /// What went wrong (`UnexpectedStatus` for an HTTP answer, `Timeout`, `InvalidP256dh`,
  /// `Aborted`, …); none when sent.
  pub error: Option<Error>,
  /// Last response body, if any.
  pub body: Option<String>,
  /// The push service's own reason for its answer ([`push_services::read_answer`]).
  pub reason: Option<String>,
  /// Mozilla autopush's `errno`, when it gave one.
  pub errno: Option<i64>,
  /// Last response headers (only kept for single sends).
  pub headers: Vec<(String, String)>,
}

impl Outcome {
  fn local(kind: OutcomeKind, index: u64, endpoint: String, attempts: u32, error: Error) -> Self {
    Self {
      kind,
      endpoint,
      index,
      status_code: None,
      attempts,
      retry_after_ms: None,
      error: Some(error),
      body: None,
      reason: None,
      errno: None,
      headers: Vec::new(),
    }
  }

  /// A message never sent because the batch was aborted.
  pub fn aborted(index: u64, endpoint: String, attempts: u32) -> Self {
    Self::local(OutcomeKind::Failed, index, endpoint, attempts, Error::Aborted)
  }

  /// The stable code of what went wrong; none when sent.
  pub fn code(&self) -> Option<&'static str> {
    self.error.as_ref().map(Error::code)
  }
}

/// The client. Cheap to share (`Arc`); all sends share one connection pool.
#[derive(Debug)]
pub struct WebPushClient {
  config: ClientConfig,
  http: HttpClient,
}

enum Attempt {
  Done(OutcomeKind, Option<Answered>),
  Retry(Option<Duration>, Option<Answered>, Option<Error>),
}

/// A push service's answer with what it says about itself.
struct Answered {
  response: PushResponse,
  answer: push_services::ServiceAnswer,
  key_mismatch: bool,
}

fn classify(result: Result<PushResponse>, service: Option<Service>, now: SystemTime) -> Attempt {
  let response = match result {
    Ok(response) => response,
    // `send` fails only with network errors and timeouts: both transient.
    Err(err) => return Attempt::Retry(None, None, Some(err)),
  };
  let answer = if response.is_success() {
    push_services::ServiceAnswer::default()
  } else {
    push_services::read_answer(service, &response.headers, &response.body)
  };
  let meaning = push_services::meaning(service, response.status, answer.reason.as_deref());
  let retry_after = response
    .header("retry-after")
    .and_then(|v| parse_retry_after(v, now));
  let answered = Some(Answered {
    response,
    answer,
    key_mismatch: meaning == Meaning::KeyMismatch,
  });
  match meaning {
    Meaning::Accepted => Attempt::Done(OutcomeKind::Sent, answered),
    Meaning::Gone => Attempt::Done(OutcomeKind::Gone, answered),
    Meaning::Refused | Meaning::KeyMismatch => Attempt::Done(OutcomeKind::Rejected, answered),
    Meaning::Throttled | Meaning::Unavailable => Attempt::Retry(retry_after, answered, None),
  }
}

impl WebPushClient {
  /// Builds the client and its connection pool.
  pub fn new(config: ClientConfig) -> Result<Self> {
    let http = HttpClient::new(&config.http)?;
    Ok(Self { config, http })
  }

  /// The configuration.
  pub fn config(&self) -> &ClientConfig {
    &self.config
  }

  fn prepare(&self, target: &Target) -> Result<(Subscription, RequestOptions)> {
    let subscription =
      Subscription::parse(&target.endpoint, target.p256dh.as_deref(), target.auth.as_deref())?;
    self.config.endpoint_policy.check(&subscription.endpoint)?;
    let mut options = self.config.defaults.clone();
    let o = &target.options;
    if let Some(ttl) = o.ttl {
      options.ttl = request::parse_ttl(ttl)?;
    }
    if let Some(urgency) = &o.urgency {
      options.urgency = urgency.parse::<Urgency>()?;
    }
    if let Some(topic) = &o.topic {
      options.topic = Some(topic.clone());
    }
    if let Some(encoding) = &o.content_encoding {
      options.encoding = encoding.parse::<ContentEncoding>()?;
    }
    options.extra_headers.extend(o.headers.iter().cloned());
    Ok((subscription, options))
  }

  /// Delivers one message, retrying transient failures; never fails, always an outcome.
  /// `aborted` is polled before each attempt and cuts retry waits short; `admission` hears
  /// what each attempt showed and admits retries.
  pub async fn deliver(
    &self,
    index: u64,
    target: Target,
    keep_headers: bool,
    aborted: &tokio::sync::watch::Receiver<bool>,
    admission: &dyn Admission,
  ) -> Outcome {
    let prepared = self.prepare(&target).and_then(|(subscription, options)| {
      let request = request::build(
        &subscription,
        target.payload.as_deref(),
        &options,
        crate::clock::now_secs(),
      )?;
      Ok((request, options.ttl))
    });
    let (request, ttl) = match prepared {
      Ok(ok) => ok,
      Err(err) => return Outcome::local(OutcomeKind::Rejected, index, target.endpoint, 0, err),
    };
    let service = push_services::identify(&request.endpoint);
    let started = Instant::now();
    let mut attempts = 0;
    loop {
      if *aborted.borrow() {
        return Outcome::aborted(index, target.endpoint, attempts);
      }
      attempts += 1;
      admission.feedback(Feedback::Sending);
      let sent_at = Instant::now();
      let result = self.http.send(&request, Some(self.config.timeout)).await;
      let attempt = classify(result, service, SystemTime::now());
      admission.feedback(match attempt {
        Attempt::Done(..) => Feedback::Answered(sent_at.elapsed()),
        Attempt::Retry(retry_after, ..) => Feedback::Congested(retry_after),
      });
      let (kind, response, error, retry_after) = match attempt {
        Attempt::Done(kind, response) => (kind, response, None, None),
        Attempt::Retry(retry_after, response, error) => {
          match self.config.retry.next_delay(
            attempts,
            retry_after,
            started.elapsed(),
            Duration::from_secs(ttl),
          ) {
            Some(delay) => {
              admission.feedback(Feedback::Waiting);
              let mut watcher = aborted.clone();
              let wait = async {
                tokio::time::sleep(delay).await;
                admission.readmit().await;
              };
              tokio::select! {
                () = wait => continue,
                _ = watcher.wait_for(|stop| *stop) => return Outcome::aborted(index, target.endpoint, attempts),
              }
            }
            None => (OutcomeKind::Failed, response, error, retry_after),
          }
        }
      };
      return finish(
        index,
        target.endpoint,
        kind,
        attempts,
        response,
        error,
        retry_after,
        keep_headers,
      );
    }
  }
}

/// The message of an error answer: the status, the service's reason, and for a key mismatch
/// what it means.
pub fn answer_message(status: u16, answer: &push_services::ServiceAnswer, key_mismatch: bool) -> String {
  let mut message = format!("push service answered {status}");
  if let Some(reason) = &answer.reason {
    message.push_str(&format!(" ({reason})"));
  }
  if key_mismatch {
    message.push_str(": the subscription was created with another VAPID key (applicationServerKey); it is not gone, but this server's VAPID keys cannot reach it — check that the server uses the key pair the page subscribed with");
  }
  message
}

#[allow(clippy::too_many_arguments)]
fn finish(
  index: u64,
  endpoint: String,
  kind: OutcomeKind,
  attempts: u32,
  answered: Option<Answered>,
  error: Option<Error>,
  retry_after: Option<Duration>,
  keep_headers: bool,
) -> Outcome {
  let retry_after_ms = retry_after.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
  match (answered, error) {
    (
      Some(Answered {
        response,
        answer,
        key_mismatch,
      }),
      _,
    ) => Outcome {
      kind,
      endpoint,
      index,
      status_code: Some(response.status),
      attempts,
      retry_after_ms,
      error: (kind != OutcomeKind::Sent).then(|| Error::UnexpectedStatus {
        status: response.status,
        detail: answer_message(response.status, &answer, key_mismatch),
      }),
      body: Some(response.body),
      reason: answer.reason,
      errno: answer.errno,
      headers: if keep_headers {
        response.headers
      } else {
        Vec::new()
      },
    },
    (None, Some(err)) => {
      let mut outcome = Outcome::local(kind, index, endpoint, attempts, err);
      outcome.retry_after_ms = retry_after_ms;
      outcome
    }
    (None, None) => Outcome::local(
      kind,
      index,
      endpoint,
      attempts,
      Error::Network {
        reason: "no response".into(),
      },
    ),
  }
}

//! A local RFC 8030 push service for tests: it hands out subscriptions (holding their private
//! keys, like a browser), checks every POST as a real push service would ([`checks`]),
//! decrypts and records accepted messages, and can be told to expire subscriptions.
//!
//! It runs on the caller's tokio runtime, on 127.0.0.1, HTTP/1.1 and HTTP/2 (h2 via ALPN
//! when `tls` is on, with a freshly generated CA whose PEM is [`PushService::ca_pem`]).

pub mod checks;
mod server;
pub mod tls;
mod websocket;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::base64url;
use crate::crypto::fill_random;
use crate::ece::{ContentEncoding, ReceiverKeys};
use crate::error::{Error, Result};
use crate::keys::{AuthSecret, KeyPair, KeyRole, PublicKey};
use crate::push_services::{FailureKind, Service};

pub use checks::{Rejection, VapidInfo};

/// How to start the service.
#[derive(Debug, Clone)]
pub struct PushServiceConfig {
  /// Port on 127.0.0.1; 0 picks a free one.
  pub port: u16,
  /// Serve HTTPS (HTTP/2 + HTTP/1.1) with a generated certificate.
  pub tls: bool,
  /// Offer HTTP/2 over TLS (ALPN); false limits TLS clients to HTTP/1.1.
  pub http2: bool,
  /// Benchmark sink: answer every POST to `/push/*` with 201 without checking, decrypting or
  /// recording it (a remote push service's cost is not on the sender's machine).
  pub sink: bool,
  /// Answer like this vendor's service (endpoint shape, error bodies and headers, extra
  /// checks); `None` is the generic autopush-like service at `/push/{id}`.
  pub profile: Option<Service>,
  /// Every request is answered after this long (a service that far away).
  pub latency: std::time::Duration,
  /// `SETTINGS_MAX_CONCURRENT_STREAMS` on each HTTP/2 connection (hyper's 200 when `None`).
  pub max_concurrent_streams: Option<u32>,
  /// Over capacity: a request arriving while more than this many are in progress is answered
  /// 429 with `Retry-After: retry_after` seconds.
  pub capacity: Option<Capacity>,
}

/// An over-capacity rule ([`PushServiceConfig::capacity`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity {
  /// Requests in progress at most (the one arriving included).
  pub max_in_flight: u64,
  /// `Retry-After` of the 429 answer, seconds.
  pub retry_after: u64,
}

impl Default for PushServiceConfig {
  fn default() -> Self {
    Self {
      port: 0,
      tls: false,
      http2: true,
      sink: false,
      profile: None,
      latency: std::time::Duration::ZERO,
      max_concurrent_streams: None,
      capacity: None,
    }
  }
}

/// A subscription as the service hands it out.
#[derive(Debug, Clone)]
pub struct CreatedSubscription {
  /// The push endpoint.
  pub endpoint: String,
  /// The subscription's public key, base64url.
  pub p256dh: String,
  /// The auth secret, base64url.
  pub auth: String,
}

/// A message the service accepted (and decrypted, when it holds the keys).
#[derive(Debug, Clone)]
pub struct ReceivedMessage {
  /// The endpoint it was sent to.
  pub endpoint: String,
  /// The decrypted payload; `None` for a browser-held subscription (the browser decrypts).
  pub payload: Option<Vec<u8>>,
  /// The message id (the `version` of Firefox's protocol).
  pub version: String,
  /// The browser's ack code (100 delivered, 101 decryption failed, 102 other), once acked.
  pub ack: Option<u16>,
  /// All request headers (lower-case names).
  pub headers: Vec<(String, String)>,
  /// `TTL`.
  pub ttl: u64,
  /// `Urgency`, if sent.
  pub urgency: Option<String>,
  /// `Topic`, if sent.
  pub topic: Option<String>,
  /// Content encoding, if there was a body.
  pub encoding: Option<ContentEncoding>,
  /// The verified VAPID token, if one was sent.
  pub vapid: Option<VapidInfo>,
  /// `HTTP/1.1` or `HTTP/2`.
  pub http_version: &'static str,
}

/// What a fault makes the service do instead of answering normally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultAction {
  /// Answer with this status (and `Retry-After`, if given) without accepting the message.
  Status {
    /// HTTP status.
    status: u16,
    /// `Retry-After` header value.
    retry_after: Option<String>,
  },
  /// Never answer (until the connection or the service closes).
  Stall,
  /// Drop the connection without answering.
  Reset,
  /// Wait this long, then handle the request normally.
  Delay(std::time::Duration),
  /// Answer a failure of this kind the way the service's profile does
  /// ([`crate::push_services::canned_answer`]), with `Retry-After` seconds for throttling.
  Kind {
    /// What failed.
    kind: FailureKind,
    /// `Retry-After` seconds (throttling only).
    retry_after: u64,
  },
}

/// Which requests a fault applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultScope {
  /// Any request.
  Any,
  /// Requests to one endpoint.
  Endpoint(String),
}

#[derive(Debug, Clone)]
struct Fault {
  scope: FaultScope,
  action: FaultAction,
  remaining: u32,
}

/// Request counters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceStats {
  /// POST requests received.
  pub requests: u64,
  /// Messages accepted (201).
  pub accepted: u64,
  /// Answers by status (faults included; stalls and resets are not answers).
  pub by_status: std::collections::BTreeMap<u16, u64>,
  /// TCP connections accepted.
  pub connections: u64,
  /// Most requests in progress at once, all connections together.
  pub peak_in_flight: u64,
  /// Most requests in progress at once on one connection (HTTP/2 streams).
  pub peak_streams_per_connection: u64,
}

/// Who holds a subscription's private key.
enum Holder {
  /// The service itself (subscriptions from [`PushService::subscribe`]).
  Local(ReceiverKeys),
  /// A browser connected over the WebSocket protocol.
  Browser { uaid: String, channel_id: String },
}

struct SubscriptionState {
  holder: Holder,
  application_server_key: Option<PublicKey>,
  expired: bool,
}

#[derive(Default)]
struct State {
  subscriptions: HashMap<String, SubscriptionState>,
  browsers: HashMap<String, websocket::Browser>,
  messages: Vec<ReceivedMessage>,
  next_message_id: u64,
  faults: Vec<Fault>,
  stats: ServiceStats,
}

pub(crate) struct Shared {
  origin: String,
  pub(crate) profile: Option<Service>,
  pub(crate) sink: bool,
  state: Mutex<State>,
  /// Set to true when the service closes; every connection task watches it.
  pub(crate) stopped: tokio::sync::watch::Receiver<bool>,
  connections: std::sync::atomic::AtomicU64,
  pub(crate) latency: std::time::Duration,
  pub(crate) max_concurrent_streams: Option<u32>,
  pub(crate) capacity: Option<Capacity>,
  pub(crate) load: server::Load,
}

impl Shared {
  fn lock(&self) -> MutexGuard<'_, State> {
    self.state.lock().unwrap_or_else(|p| p.into_inner())
  }

  /// Handles one POST to `/push/{id}`: `Ok(message id)` or the rejection to answer with.
  pub(crate) fn receive(
    &self,
    id: &str,
    headers: Vec<(String, String)>,
    body: &[u8],
    http_version: &'static str,
  ) -> std::result::Result<u64, Rejection> {
    let mut state = self.lock();
    let subscription = state.subscriptions.get(id).ok_or_else(|| Rejection {
      status: 404,
      message: "no such subscription".into(),
    })?;
    if subscription.expired {
      return Err(Rejection {
        status: 410,
        message: "subscription expired".into(),
      });
    }
    let view = checks::SubscriptionView {
      keys: match &subscription.holder {
        Holder::Local(keys) => Some(keys),
        Holder::Browser { .. } => None,
      },
      application_server_key: subscription.application_server_key.as_ref(),
    };
    let accepted = checks::check(
      &view,
      &self.origin,
      &headers,
      body,
      crate::clock::now_secs(),
      self.profile,
    )?;
    let browser = match &subscription.holder {
      Holder::Browser { uaid, channel_id } => Some((uaid.clone(), channel_id.clone())),
      Holder::Local(_) => None,
    };
    state.next_message_id += 1;
    let id_number = state.next_message_id;
    let version = id_number.to_string();
    if let Some((uaid, channel_id)) = browser {
      let notification = websocket::notification(&channel_id, &version, body, accepted.encoding, &headers);
      websocket::deliver(&mut state, &uaid, notification, accepted.ttl);
    }
    state.messages.push(ReceivedMessage {
      endpoint: self.endpoint_of(id),
      payload: accepted.payload,
      version,
      ack: None,
      headers,
      ttl: accepted.ttl,
      urgency: accepted.urgency,
      topic: accepted.topic,
      encoding: accepted.encoding,
      vapid: accepted.vapid,
      http_version,
    });
    Ok(id_number)
  }

  pub(crate) fn origin(&self) -> &str {
    &self.origin
  }

  /// The path prefix of this service's endpoints (its profile's shape, or `/push/`).
  pub(crate) fn endpoint_path(&self) -> &'static str {
    self.profile.map_or("/push/", Service::endpoint_path)
  }

  /// The endpoint of subscription `id`.
  pub(crate) fn endpoint_of(&self, id: &str) -> String {
    format!("{}{}{id}", self.origin, self.endpoint_path())
  }

  /// A fresh id for a WebSocket connection.
  pub(crate) fn next_connection_id(&self) -> u64 {
    self
      .connections
      .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
  }

  /// Counts the request and takes the first armed fault that applies to `id`.
  pub(crate) fn take_fault(&self, id: &str) -> Option<FaultAction> {
    let mut state = self.lock();
    state.stats.requests += 1;
    let endpoint = self.endpoint_of(id);
    let fault = state.faults.iter_mut().find(|f| {
      f.remaining > 0
        && match &f.scope {
          FaultScope::Any => true,
          FaultScope::Endpoint(e) => *e == endpoint,
        }
    })?;
    fault.remaining -= 1;
    let action = fault.action.clone();
    state.faults.retain(|f| f.remaining > 0);
    Some(action)
  }

  /// Counts an answer.
  pub(crate) fn count_answer(&self, status: u16) {
    let mut state = self.lock();
    if status == 201 {
      state.stats.accepted += 1;
    }
    *state.stats.by_status.entry(status).or_default() += 1;
  }
}

/// A running local push service. Dropping it stops it, as [`PushService::close`] does.
pub struct PushService {
  shared: Arc<Shared>,
  ca_pem: Option<String>,
  port: u16,
  shutdown: tokio::sync::watch::Sender<bool>,
}

impl PushService {
  /// Binds 127.0.0.1 and starts serving on the current tokio runtime.
  pub async fn start(config: PushServiceConfig) -> Result<Self> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
      .await
      .map_err(|e| Error::PushService {
        reason: format!("cannot bind 127.0.0.1:{}: {e}", config.port),
      })?;
    let port = listener
      .local_addr()
      .map_err(|e| Error::PushService {
        reason: format!("no local address: {e}"),
      })?
      .port();
    let tls = if config.tls {
      Some(tls::generate(config.http2)?)
    } else {
      None
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let (shutdown, stopped) = tokio::sync::watch::channel(false);
    let shared = Arc::new(Shared {
      origin: format!("{scheme}://127.0.0.1:{port}"),
      profile: config.profile,
      sink: config.sink,
      state: Mutex::default(),
      stopped: stopped.clone(),
      connections: Default::default(),
      latency: config.latency,
      max_concurrent_streams: config.max_concurrent_streams,
      capacity: config.capacity,
      load: server::Load::default(),
    });
    let ca_pem = tls.as_ref().map(|t| t.ca_pem.clone());
    tokio::spawn(server::serve(
      listener,
      tls.map(|t| t.config),
      shared.clone(),
      stopped,
    ));
    Ok(Self {
      shared,
      ca_pem,
      port,
      shutdown,
    })
  }

  /// `http://127.0.0.1:PORT` or `https://…`.
  pub fn origin(&self) -> &str {
    self.shared.origin()
  }

  /// Where Firefox connects (`dom.push.serverURL`): `ws://127.0.0.1:PORT/` (`wss://` with TLS).
  pub fn web_socket_url(&self) -> String {
    format!("{}/", self.origin().replacen("http", "ws", 1))
  }

  /// The bound port.
  pub fn port(&self) -> u16 {
    self.port
  }

  /// PEM of the CA that signed the TLS certificate (only with `tls`).
  pub fn ca_pem(&self) -> Option<&str> {
    self.ca_pem.as_deref()
  }

  /// Creates a subscription, optionally bound to an `applicationServerKey` (VAPID public key).
  pub fn subscribe(&self, application_server_key: Option<&str>) -> Result<CreatedSubscription> {
    if *self.shutdown.borrow() {
      return Err(Error::PushService {
        reason: "is closed; start a new one to subscribe".into(),
      });
    }
    let application_server_key = application_server_key
      .map(|key| PublicKey::from_base64(key, KeyRole::Vapid))
      .transpose()?;
    let pair = KeyPair::generate()?;
    let mut auth = [0u8; 16];
    fill_random(&mut auth)?;
    let mut id = [0u8; 16];
    fill_random(&mut id)?;
    let id = base64url::encode(&id);
    let created = CreatedSubscription {
      endpoint: self.shared.endpoint_of(&id),
      p256dh: pair.public_key.to_base64(),
      auth: base64url::encode(&auth),
    };
    let keys = ReceiverKeys {
      private_key: pair.private_key,
      auth: AuthSecret::from_bytes(&auth)?,
    };
    self.shared.lock().subscriptions.insert(
      id,
      SubscriptionState {
        holder: Holder::Local(keys),
        application_server_key,
        expired: false,
      },
    );
    Ok(created)
  }

  /// Accepted messages, oldest first; only those sent to `endpoint` if given.
  pub fn messages(&self, endpoint: Option<&str>) -> Vec<ReceivedMessage> {
    let state = self.shared.lock();
    state
      .messages
      .iter()
      .filter(|m| endpoint.is_none_or(|e| m.endpoint == e))
      .cloned()
      .collect()
  }

  /// Makes later sends to `endpoint` answer 410 Gone; false if the endpoint is unknown.
  pub fn expire(&self, endpoint: &str) -> bool {
    let Some(id) = self.id_of(endpoint) else {
      return false;
    };
    match self.shared.lock().subscriptions.get_mut(&id) {
      Some(subscription) => {
        subscription.expired = true;
        true
      }
      None => false,
    }
  }

  /// Arms a fault for the next `times` requests in `scope`.
  pub fn fail_next(&self, scope: FaultScope, action: FaultAction, times: u32) {
    if times > 0 {
      self.shared.lock().faults.push(Fault {
        scope,
        action,
        remaining: times,
      });
    }
  }

  /// Request counters.
  pub fn stats(&self) -> ServiceStats {
    let mut stats = self.shared.lock().stats.clone();
    self.shared.load.fill(&mut stats);
    stats
  }

  fn id_of(&self, endpoint: &str) -> Option<String> {
    endpoint
      .strip_prefix(self.origin())?
      .strip_prefix(self.shared.endpoint_path())
      .map(str::to_owned)
  }

  /// Stops accepting connections and closes the open ones.
  pub fn close(&self) {
    let _ = self.shutdown.send(true);
  }
}

impl Drop for PushService {
  fn drop(&mut self) {
    self.close();
  }
}

//! Connections to push services, pooled per origin.
//!
//! An HTTPS origin that offers HTTP/2 (ALPN) gets a list of HTTP/2 connections, filled in
//! order: a request takes a stream on the first connection with one free (fewer streams in
//! use than the server's current `SETTINGS_MAX_CONCURRENT_STREAMS`, read from h2 on every
//! request, so a server that lowers it is followed at once). Only when every connection is
//! full is another opened, up to `max_connections` per origin; past that, requests queue in
//! h2 until a stream frees (h2 never opens more streams than the server allows). Requests
//! that arrive while a connection is being opened wait for it rather than each opening
//! their own (one connection per `capacity` waiters at most), and share its failure.
//!
//! ```text
//!   origin ──▶ [conn 1: 100/100] [conn 2: 100/100] [conn 3: 37/100] ··· ≤ max_connections
//!                                                        ▲ next request
//! ```
//!
//! HTTP/1.1 origins (plain `http://` on loopback, or ALPN http/1.1) keep one idle keep-alive
//! connection per request that was in flight. Connections idle for [`IDLE_TIMEOUT`] are
//! closed, and all of them when the pool is dropped. With a [`Proxy`], every connection is an
//! HTTP CONNECT tunnel through it (TLS to the proxy first if it is an `https://` one).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{watch, Notify};

use crate::error::{Error, Result};
use crate::send::{PushResponse, CONNECT_TIMEOUT, MAX_RESPONSE_BODY};

/// Connections unused for this long are closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// HTTP/2 connections per origin when the caller does not say. At 100 streams each, 32
/// carry 3,200 in flight: 16,000 msg/s to a service 200 ms away, what this client's CPU
/// allows on 2 cores (16 capped it at 8,000; see the README's benchmark).
pub const DEFAULT_MAX_CONNECTIONS: usize = 32;
/// Streams a connection is assumed to allow before the server's SETTINGS say (h2's default).
const ASSUMED_STREAMS: usize = 100;

/// A byte stream to a server: TCP, or a tunnel through the proxy.
trait Io: AsyncRead + AsyncWrite + Unpin + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> Io for T {}
type Stream = Box<dyn Io>;

/// An HTTP proxy every connection is tunnelled through.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
  /// TLS to the proxy itself (`https://` proxy URL).
  pub https: bool,
  /// Proxy host.
  pub host: String,
  /// Proxy port.
  pub port: u16,
  /// `Proxy-Authorization` value, from the URL's credentials.
  pub authorization: Option<String>,
}

impl std::fmt::Debug for Proxy {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.debug_struct("Proxy")
      .field("https", &self.https)
      .field("host", &self.host)
      .field("port", &self.port)
      .field(
        "authorization",
        &self.authorization.as_ref().map(|_| "<redacted>"),
      )
      .finish()
  }
}

/// Where requests go: scheme, host, port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Origin {
  https: bool,
  host: String,
  port: u16,
}

/// State shared by an HTTP/2 connection's handle and its driver task.
#[derive(Debug, Default)]
struct Usage {
  in_flight: AtomicUsize,
  closed: AtomicBool,
  /// Milliseconds since the pool started when a stream was last released.
  last_used_ms: AtomicU64,
}

#[derive(Debug)]
struct H2Connection {
  sender: h2::client::SendRequest<Bytes>,
  usage: Arc<Usage>,
}

impl H2Connection {
  fn has_room(&self) -> bool {
    !self.usage.closed.load(Ordering::Acquire)
      && self.usage.in_flight.load(Ordering::Acquire) < self.sender.current_max_send_streams()
  }
}

type Http1Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

#[derive(Default)]
struct OriginState {
  h2: Vec<Arc<H2Connection>>,
  /// Connections being opened, and requests waiting for them.
  opening: usize,
  waiting: usize,
  /// Failed opens so far; a waiter that sees it change shares the failure.
  failures: u64,
  last_failure: Option<Error>,
  /// The origin answered ALPN with http/1.1 (or is plain http).
  http1: bool,
  /// The stream limit the newest connection was given at its handshake: what a connection
  /// being opened will likely allow (an older one's limit may have been lowered since).
  advertised_streams: Option<usize>,
  idle_http1: Vec<(Http1Sender, Instant)>,
}

struct OriginPool {
  origin: Origin,
  state: Mutex<OriginState>,
  opened: Notify,
}

impl OriginPool {
  fn state(&self) -> MutexGuard<'_, OriginState> {
    // Every update under this lock is a single field write: a panic cannot leave it half-done.
    self
      .state
      .lock()
      .unwrap_or_else(std::sync::PoisonError::into_inner)
  }
}

/// The connection pool of one client.
pub struct Pool {
  tls: tokio_rustls::TlsConnector,
  max_connections: usize,
  origins: Mutex<HashMap<Origin, Arc<OriginPool>>>,
  opened: AtomicU64,
  started: Instant,
  /// Dropped with the pool: every connection driver stops.
  _closing: watch::Sender<()>,
  closed: watch::Receiver<()>,
  user_agent: http::HeaderValue,
  proxy: Option<Proxy>,
}

impl std::fmt::Debug for Pool {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.debug_struct("Pool")
      .field("max_connections", &self.max_connections)
      .field("opened", &self.connections_opened())
      .finish_non_exhaustive()
  }
}

/// What [`Pool::send`] sends: the pieces of a push request.
pub struct Outgoing<'a> {
  /// The endpoint.
  pub url: &'a url::Url,
  /// Header names and values, already checked (RFC 9110) by the request builder.
  pub headers: &'a [(String, String)],
  /// The body.
  pub body: Bytes,
}

/// Decrements one of an origin's counters when dropped (also when the request is cancelled).
struct Counter<'a>(&'a OriginPool, fn(&mut OriginState) -> &mut usize);

impl Drop for Counter<'_> {
  fn drop(&mut self) {
    let mut state = self.0.state();
    let counter = (self.1)(&mut state);
    *counter = counter.saturating_sub(1);
  }
}

enum Opened {
  H2(Arc<H2Connection>),
  Http1(Http1Sender),
}

enum Lease {
  H2(Arc<H2Connection>),
  Http1(Http1Sender),
}

impl Pool {
  /// A pool using `tls` (which offers h2 then http/1.1 by ALPN: [`crate::tls::client_config`]),
  /// at most `max_connections` HTTP/2 connections per origin.
  pub fn new(
    tls: rustls::ClientConfig,
    max_connections: usize,
    proxy: Option<Proxy>,
    user_agent: &str,
  ) -> Result<Self> {
    let (closing, closed) = watch::channel(());
    Ok(Self {
      tls: tokio_rustls::TlsConnector::from(Arc::new(tls)),
      max_connections: max_connections.max(1),
      origins: Mutex::default(),
      opened: AtomicU64::new(0),
      started: Instant::now(),
      _closing: closing,
      closed,
      user_agent: http::HeaderValue::from_str(user_agent).map_err(|_| Error::Internal {
        reason: "the user agent is not a header value",
      })?,
      proxy,
    })
  }

  /// Connections opened so far (HTTP/2 and HTTP/1.1).
  pub fn connections_opened(&self) -> u64 {
    self.opened.load(Ordering::Acquire)
  }

  /// POSTs `outgoing` and reads the answer (body capped at [`MAX_RESPONSE_BODY`]). Network
  /// and protocol failures are `Error::Network`; the caller bounds the time.
  pub async fn send(&self, outgoing: Outgoing<'_>) -> Result<PushResponse> {
    let origin = origin_of(outgoing.url)?;
    let pool = self.origin_pool(origin);
    let mut request = http::Request::post(outgoing.url.as_str())
      .body(())
      .map_err(|e| network("the endpoint is not a request URI", &e))?;
    let headers = request.headers_mut();
    let _ = headers.try_reserve(outgoing.headers.len() + 2);
    for (name, value) in outgoing.headers {
      if name.eq_ignore_ascii_case("content-length") {
        continue;
      }
      let (Ok(name), Ok(value)) = (
        http::HeaderName::from_bytes(name.as_bytes()),
        http::HeaderValue::from_str(value),
      ) else {
        return Err(Error::Internal {
          reason: "a checked header did not convert",
        });
      };
      if headers.try_append(name, value).is_err() {
        return Err(Error::InvalidHeader {
          name: outgoing
            .headers
            .last()
            .map(|(n, _)| n.clone())
            .unwrap_or_default(),
          reason: "is one header too many: a request carries at most 32768",
        });
      }
    }
    headers.insert(http::header::USER_AGENT, self.user_agent.clone());
    headers.insert(http::header::CONTENT_LENGTH, outgoing.body.len().into());
    match self.lease(&pool).await? {
      Lease::H2(connection) => self.send_h2(&connection, request, outgoing.body).await,
      Lease::Http1(sender) => self.send_http1(&pool, sender, request, outgoing.body).await,
    }
  }

  fn origin_pool(&self, origin: Origin) -> Arc<OriginPool> {
    let mut origins = self
      .origins
      .lock()
      .unwrap_or_else(std::sync::PoisonError::into_inner);
    origins
      .entry(origin.clone())
      .or_insert_with(|| {
        Arc::new(OriginPool {
          origin,
          state: Mutex::default(),
          opened: Notify::new(),
        })
      })
      .clone()
  }

  /// A stream on an HTTP/2 connection with room, or an HTTP/1.1 connection of its own.
  async fn lease(&self, pool: &Arc<OriginPool>) -> Result<Lease> {
    loop {
      let notified = pool.opened.notified();
      tokio::pin!(notified);
      if pool.state().http1 {
        // The most recently used idle connection that is still open; else a new one.
        loop {
          let idle = {
            let mut state = pool.state();
            let now = Instant::now();
            state
              .idle_http1
              .retain(|(s, at)| !s.is_closed() && now.duration_since(*at) < IDLE_TIMEOUT);
            state.idle_http1.pop()
          };
          match idle {
            Some((mut sender, _)) => {
              if sender.ready().await.is_ok() {
                return Ok(Lease::Http1(sender));
              }
            }
            None => return Box::pin(self.open_http1(pool)).await.map(Lease::Http1),
          }
        }
      }
      let seen_failures = {
        let mut state = pool.state();
        state.h2.retain(|c| !c.usage.closed.load(Ordering::Acquire));
        if let Some(connection) = state.h2.iter().find(|c| c.has_room()) {
          connection.usage.in_flight.fetch_add(1, Ordering::AcqRel);
          return Ok(Lease::H2(connection.clone()));
        }
        let capacity = state.advertised_streams.unwrap_or(ASSUMED_STREAMS).max(1);
        let may_open = state.h2.len() + state.opening < self.max_connections;
        if (may_open && state.opening * capacity <= state.waiting)
          || (state.opening == 0 && state.h2.is_empty())
        {
          state.opening += 1;
          None
        } else if state.opening == 0 {
          // Every connection allowed is full: the least busy one queues the stream in h2.
          let least_busy = state
            .h2
            .iter()
            .min_by_key(|c| c.usage.in_flight.load(Ordering::Acquire))
            .cloned();
          if let Some(connection) = least_busy {
            connection.usage.in_flight.fetch_add(1, Ordering::AcqRel);
            return Ok(Lease::H2(connection));
          }
          state.opening += 1;
          None
        } else {
          state.waiting += 1;
          notified.as_mut().enable();
          Some(state.failures)
        }
      };
      if let Some(seen) = seen_failures {
        // Wait for the connection being opened (or its failure, which this request shares).
        let waiting = Counter(pool, |s| &mut s.waiting);
        notified.await;
        drop(waiting);
        let failure = {
          let state = pool.state();
          (state.failures != seen)
            .then(|| state.last_failure.clone())
            .flatten()
        };
        if let Some(err) = failure {
          return Err(err);
        }
        continue;
      }
      // This request opens the next connection; the others wait for it.
      let opening = Counter(pool, |s| &mut s.opening);
      // Boxed: opening (TCP, TLS, the h2 handshake) is rare, and inline its state would make
      // every request's future several KiB, copied whenever a task is spawned.
      let opened = Box::pin(self.open(pool)).await;
      let result = {
        let mut state = pool.state();
        match opened {
          Ok(Opened::Http1(sender)) => {
            state.http1 = true;
            Ok(Some(sender))
          }
          Ok(Opened::H2(connection)) => {
            state.advertised_streams = Some(connection.sender.current_max_send_streams());
            state.h2.push(connection);
            Ok(None)
          }
          Err(err) => {
            state.failures += 1;
            state.last_failure = Some(err.clone());
            Err(err)
          }
        }
      };
      drop(opening);
      pool.opened.notify_waiters();
      if let Some(sender) = result? {
        return Ok(Lease::Http1(sender));
      }
    }
  }

  /// A TCP connection to `host:port`.
  async fn tcp(&self, host: &str, port: u16) -> Result<TcpStream> {
    let connecting = async {
      let stream = match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
      {
        Ok(ip) => TcpStream::connect(SocketAddr::new(ip, port)).await,
        Err(_) => TcpStream::connect((host, port)).await,
      }?;
      stream.set_nodelay(true)?;
      Ok::<_, std::io::Error>(stream)
    };
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
      .await
      .map_err(|_| Error::Network {
        reason: format!("connecting to {host}:{port} timed out after {CONNECT_TIMEOUT:?}"),
      })?
      .map_err(|e| network(&format!("cannot connect to {host}:{port}"), &e))?;
    self.opened.fetch_add(1, Ordering::AcqRel);
    Ok(stream)
  }

  /// A byte stream to `origin`'s server: direct, or tunnelled through the proxy; for a plain
  /// `http://` origin, the connection to the proxy itself (requests are forwarded).
  async fn connect(&self, origin: &Origin) -> Result<Stream> {
    let Some(proxy) = &self.proxy else {
      return Ok(Box::new(self.tcp(&origin.host, origin.port).await?));
    };
    let tcp = self.tcp(&proxy.host, proxy.port).await?;
    let mut stream: Stream = if proxy.https {
      Box::new(self.tls_to(&proxy.host, proxy.port, Box::new(tcp)).await?)
    } else {
      Box::new(tcp)
    };
    if !origin.https {
      return Ok(stream);
    }
    let target = format!("{}:{}", origin.host, origin.port);
    let mut head = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(authorization) = &proxy.authorization {
      head.push_str(&format!("Proxy-Authorization: {authorization}\r\n"));
    }
    head.push_str("\r\n");
    let via = format!("the proxy {}:{}", proxy.host, proxy.port);
    let tunnel = async {
      stream.write_all(head.as_bytes()).await?;
      stream.flush().await?;
      // The proxy answers with a head only; the origin's server waits for our TLS hello.
      let mut answer = Vec::new();
      let mut buffer = [0u8; 1024];
      while !answer.ends_with(b"\r\n\r\n") && answer.len() < 16 * 1024 {
        let n = stream.read(&mut buffer).await?;
        if n == 0 {
          break;
        }
        answer.extend_from_slice(buffer.get(..n).unwrap_or_default());
      }
      Ok::<_, std::io::Error>(answer)
    };
    let answer = tokio::time::timeout(CONNECT_TIMEOUT, tunnel)
      .await
      .map_err(|_| Error::Network {
        reason: format!("{via} did not answer CONNECT within {CONNECT_TIMEOUT:?}"),
      })?
      .map_err(|e| network(&via, &e))?;
    let status_line =
      String::from_utf8_lossy(answer.split(|&b| b == b'\r').next().unwrap_or_default()).into_owned();
    match status_line.split(' ').nth(1) {
      Some("200") => Ok(stream),
      Some("407") => Err(Error::Network {
        reason: format!("{via} requires authentication (407); give it in the proxy URL"),
      }),
      _ => Err(Error::Network {
        reason: format!("{via} refused to tunnel to {target}: {status_line:?}"),
      }),
    }
  }

  async fn tls_to(
    &self,
    host: &str,
    port: u16,
    stream: Stream,
  ) -> Result<tokio_rustls::client::TlsStream<Stream>> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let name = rustls::pki_types::ServerName::try_from(bare.to_owned())
      .map_err(|e| network("the host is not a TLS server name", &e))?;
    self
      .tls
      .connect(name, stream)
      .await
      .map_err(|e| network(&format!("TLS with {host}:{port}"), &e))
  }

  async fn tls(&self, origin: &Origin, stream: Stream) -> Result<tokio_rustls::client::TlsStream<Stream>> {
    self.tls_to(&origin.host, origin.port, stream).await
  }

  /// Opens a connection: HTTP/2 if the server offers it, else HTTP/1.1.
  async fn open(&self, pool: &Arc<OriginPool>) -> Result<Opened> {
    let origin = &pool.origin;
    let stream = self.connect(origin).await?;
    if !origin.https {
      return http1(stream, self.closed.clone()).await.map(Opened::Http1);
    }
    let stream = self.tls(origin, stream).await?;
    if stream.get_ref().1.alpn_protocol() != Some(b"h2") {
      return http1(stream, self.closed.clone()).await.map(Opened::Http1);
    }
    let (sender, mut connection) = h2::client::handshake(stream)
      .await
      .map_err(|e| network("HTTP/2 handshake", &e))?;
    let ping = connection.ping_pong();
    let usage = Arc::new(Usage {
      last_used_ms: AtomicU64::new(self.now_ms()),
      ..Usage::default()
    });
    tokio::spawn(drive_h2(
      connection,
      usage.clone(),
      Arc::downgrade(pool),
      self.closed.clone(),
      self.started,
    ));
    // The server's SETTINGS (its stream limit) come before the answer to a PING: until then
    // h2 would assume 100 streams, and a server allowing fewer would refuse the rest.
    if let Some(mut ping) = ping {
      ping
        .ping(h2::Ping::opaque())
        .await
        .map_err(|e| network("HTTP/2 PING after the handshake", &e))?;
    }
    Ok(Opened::H2(Arc::new(H2Connection { sender, usage })))
  }

  async fn open_http1(&self, pool: &Arc<OriginPool>) -> Result<Http1Sender> {
    let origin = &pool.origin;
    let stream = self.connect(origin).await?;
    if origin.https {
      http1(self.tls(origin, stream).await?, self.closed.clone()).await
    } else {
      http1(stream, self.closed.clone()).await
    }
  }

  async fn send_h2(
    &self,
    connection: &H2Connection,
    request: http::Request<()>,
    body: Bytes,
  ) -> Result<PushResponse> {
    struct Release<'a>(&'a Usage, u64);
    impl Drop for Release<'_> {
      fn drop(&mut self) {
        self.0.last_used_ms.store(self.1, Ordering::Release);
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
      }
    }
    let _release = Release(&connection.usage, self.now_ms());
    let h2_error = |e: h2::Error| network("HTTP/2", &e);
    let mut sender = connection.sender.clone().ready().await.map_err(|e| {
      connection.usage.closed.store(true, Ordering::Release);
      h2_error(e)
    })?;
    let (response, mut stream) = sender.send_request(request, body.is_empty()).map_err(h2_error)?;
    if !body.is_empty() {
      stream.send_data(body, true).map_err(h2_error)?;
    }
    let (parts, mut recv) = response.await.map_err(h2_error)?.into_parts();
    let mut text = Vec::new();
    while let Some(chunk) = recv.data().await {
      let chunk = chunk.map_err(h2_error)?;
      let _ = recv.flow_control().release_capacity(chunk.len());
      if keep(&mut text, &chunk) {
        break;
      }
    }
    Ok(response_of(parts, text, "HTTP/2"))
  }

  async fn send_http1(
    &self,
    pool: &OriginPool,
    mut sender: Http1Sender,
    request: http::Request<()>,
    body: Bytes,
  ) -> Result<PushResponse> {
    let (mut parts, ()) = request.into_parts();
    // HTTP/1.1 takes the path as the request target and the authority as Host; a request
    // forwarded by the proxy keeps the whole URL, with the proxy's credentials.
    let authority = parts
      .uri
      .authority()
      .map(|a| a.as_str().to_owned())
      .unwrap_or_default();
    match self.proxy.as_ref().filter(|_| !pool.origin.https) {
      Some(proxy) => {
        if let Some(value) = proxy
          .authorization
          .as_deref()
          .and_then(|a| http::HeaderValue::from_str(a).ok())
        {
          parts.headers.insert(http::header::PROXY_AUTHORIZATION, value);
        }
      }
      None => {
        parts.uri = parts
          .uri
          .path_and_query()
          .map_or("/", |p| p.as_str())
          .parse()
          .map_err(|e| network("the endpoint path", &e))?;
      }
    }
    if let Ok(host) = http::HeaderValue::from_str(&authority) {
      parts.headers.insert(http::header::HOST, host);
    }
    let http1_error = |e: hyper::Error| network("HTTP/1.1", &e);
    sender.ready().await.map_err(http1_error)?;
    let response = sender
      .send_request(http::Request::from_parts(parts, Full::new(body)))
      .await
      .map_err(http1_error)?;
    let (parts, mut incoming) = response.into_parts();
    let mut text = Vec::new();
    let mut whole = true;
    while let Some(frame) = incoming.frame().await {
      if let Ok(chunk) = frame.map_err(http1_error)?.into_data() {
        if keep(&mut text, &chunk) {
          whole = false;
          break;
        }
      }
    }
    // Kept for the next request (which waits until the connection is ready again).
    if whole && !sender.is_closed() {
      pool.state().idle_http1.push((sender, Instant::now()));
    }
    Ok(response_of(parts, text, "HTTP/1.1"))
  }

  fn now_ms(&self) -> u64 {
    u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
  }
}

/// Runs an HTTP/2 connection until it ends, the pool is dropped, or it has been idle for
/// [`IDLE_TIMEOUT`] (then it is marked closed under its origin's lock, so no request takes it).
async fn drive_h2<T>(
  mut connection: h2::client::Connection<T, Bytes>,
  usage: Arc<Usage>,
  pool: Weak<OriginPool>,
  mut closed: watch::Receiver<()>,
  started: Instant,
) where
  T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
  let idle = async {
    loop {
      tokio::time::sleep(IDLE_TIMEOUT / 3).await;
      let Some(pool) = pool.upgrade() else { return };
      let _state = pool.state();
      let now_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
      let idle_ms = now_ms.saturating_sub(usage.last_used_ms.load(Ordering::Acquire));
      if usage.in_flight.load(Ordering::Acquire) == 0 && idle_ms >= IDLE_TIMEOUT.as_millis() as u64 {
        usage.closed.store(true, Ordering::Release);
        return;
      }
    }
  };
  tokio::select! {
    _ = &mut connection => {}
    () = idle => {}
    _ = closed.changed() => {}
  }
  usage.closed.store(true, Ordering::Release);
}

/// An HTTP/1.1 connection over `stream`, driven until it closes or the pool is dropped.
async fn http1(stream: impl Io, mut closed: watch::Receiver<()>) -> Result<Http1Sender> {
  let (sender, connection) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
    .await
    .map_err(|e| network("HTTP/1.1 handshake", &e))?;
  tokio::spawn(async move {
    tokio::select! {
      _ = connection => {}
      _ = closed.changed() => {}
    }
  });
  Ok(sender)
}

/// Appends `chunk` to `body` up to [`MAX_RESPONSE_BODY`]; true once the cap is reached.
fn keep(body: &mut Vec<u8>, chunk: &[u8]) -> bool {
  let room = MAX_RESPONSE_BODY.saturating_sub(body.len());
  body.extend_from_slice(chunk.get(..chunk.len().min(room)).unwrap_or_default());
  room <= chunk.len()
}

fn response_of(parts: http::response::Parts, body: Vec<u8>, http_version: &'static str) -> PushResponse {
  PushResponse {
    status: parts.status.as_u16(),
    headers: parts
      .headers
      .iter()
      .map(|(name, value)| {
        (
          name.as_str().to_owned(),
          String::from_utf8_lossy(value.as_bytes()).into_owned(),
        )
      })
      .collect(),
    body: String::from_utf8_lossy(&body).into_owned(),
    http_version,
  }
}

fn origin_of(url: &url::Url) -> Result<Origin> {
  let https = match url.scheme() {
    "https" => true,
    "http" => false,
    _ => {
      return Err(Error::Internal {
        reason: "the endpoint policy let a non-http(s) URL through",
      })
    }
  };
  Ok(Origin {
    https,
    host: url.host_str().unwrap_or_default().to_owned(),
    port: url
      .port_or_known_default()
      .unwrap_or(if https { 443 } else { 80 }),
  })
}

fn network(context: &str, err: &dyn std::error::Error) -> Error {
  Error::Network {
    reason: format!("{context}: {}", crate::send::error_chain(err)),
  }
}

//! The HTTP plumbing of the push service: accept loop, TLS, HTTP/1.1 + HTTP/2, routing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::websocket::{self, SUBPROTOCOL};
use super::{FaultAction, Rejection, ServiceStats, Shared};
use crate::push_services::{self, FailureKind, Service};

/// Bodies above this are not even read (the 413 check needs only to see "more than 4096").
const READ_LIMIT: usize = 1024 * 1024;

/// Connections and requests in progress, with their peaks.
#[derive(Debug, Default)]
pub(crate) struct Load {
  connections: AtomicU64,
  in_flight: AtomicU64,
  peak_in_flight: AtomicU64,
  peak_streams: AtomicU64,
}

impl Load {
  pub(crate) fn fill(&self, stats: &mut ServiceStats) {
    stats.connections = self.connections.load(Ordering::Acquire);
    stats.peak_in_flight = self.peak_in_flight.load(Ordering::Acquire);
    stats.peak_streams_per_connection = self.peak_streams.load(Ordering::Acquire);
  }
}

/// A request in progress on a connection (counted until dropped); `now` is the service-wide count.
struct InProgress<'a> {
  load: &'a Load,
  connection: &'a AtomicU64,
  now: u64,
}

impl<'a> InProgress<'a> {
  fn start(load: &'a Load, connection: &'a AtomicU64) -> Self {
    let now = load.in_flight.fetch_add(1, Ordering::AcqRel) + 1;
    load.peak_in_flight.fetch_max(now, Ordering::AcqRel);
    let streams = connection.fetch_add(1, Ordering::AcqRel) + 1;
    load.peak_streams.fetch_max(streams, Ordering::AcqRel);
    Self {
      load,
      connection,
      now,
    }
  }
}

impl Drop for InProgress<'_> {
  fn drop(&mut self) {
    self.load.in_flight.fetch_sub(1, Ordering::AcqRel);
    self.connection.fetch_sub(1, Ordering::AcqRel);
  }
}

pub(crate) async fn serve(
  listener: TcpListener,
  tls: Option<Arc<rustls::ServerConfig>>,
  shared: Arc<Shared>,
  mut stopped: watch::Receiver<bool>,
) {
  let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
  loop {
    let accepted = tokio::select! {
      accepted = listener.accept() => accepted,
      _ = stopped.changed() => return,
    };
    let Ok((stream, _)) = accepted else { continue };
    let _ = stream.set_nodelay(true);
    shared.load.connections.fetch_add(1, Ordering::AcqRel);
    let shared = shared.clone();
    let acceptor = acceptor.clone();
    let mut stopped = stopped.clone();
    tokio::spawn(async move {
      let connection = async {
        match acceptor {
          Some(acceptor) => {
            if let Ok(tls_stream) = acceptor.accept(stream).await {
              serve_connection(TokioIo::new(tls_stream), shared).await;
            }
          }
          None => serve_connection(TokioIo::new(stream), shared).await,
        }
      };
      tokio::select! {
        () = connection => {}
        _ = stopped.changed() => {}
      }
    });
  }
}

async fn serve_connection<I>(io: I, shared: Arc<Shared>)
where
  I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
  let streams = Arc::new(AtomicU64::new(0));
  let max_streams = shared.max_concurrent_streams;
  let service = hyper::service::service_fn(move |request| {
    let shared = shared.clone();
    let streams = streams.clone();
    async move {
      let response = if is_websocket_upgrade(&request) {
        Some(upgrade(shared.clone(), request))
      } else {
        let in_progress = InProgress::start(&shared.load, &streams);
        let over = shared
          .capacity
          .filter(|c| in_progress.now > c.max_in_flight)
          .map(|c| c.retry_after);
        if !shared.latency.is_zero() {
          tokio::time::sleep(shared.latency).await;
        }
        match over {
          Some(retry_after) => {
            let _ = request.into_body().collect().await;
            let mut response = error_response(429, "over capacity: too many requests in progress");
            response.headers_mut().insert(
              hyper::header::RETRY_AFTER,
              hyper::header::HeaderValue::from(retry_after),
            );
            Some(response)
          }
          None => handle(&shared, request).await,
        }
      };
      if let Some(response) = &response {
        shared.count_answer(response.status().as_u16());
      }
      // `None` is a reset fault: failing the service makes hyper drop the connection.
      response.ok_or_else(|| std::io::Error::new(std::io::ErrorKind::ConnectionReset, "fault: reset"))
    }
  });
  let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
  // Flow-control windows as large as big push services advertise: with `latency` a body is
  // read only when its answer is due, and h2's 64 KiB default would hold back every stream
  // past the first ~60 KiB of bodies on a connection for that long.
  builder
    .http2()
    .initial_connection_window_size(16 * 1024 * 1024)
    .initial_stream_window_size(1024 * 1024);
  if let Some(max) = max_streams {
    builder.http2().max_concurrent_streams(max);
  }
  let _ = builder.serve_connection_with_upgrades(io, service).await;
}

fn is_websocket_upgrade(request: &Request<Incoming>) -> bool {
  request
    .headers()
    .get(hyper::header::UPGRADE)
    .and_then(|v| v.to_str().ok())
    .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// Accepts a WebSocket upgrade and serves Firefox's push protocol on it.
fn upgrade(shared: Arc<Shared>, mut request: Request<Incoming>) -> Response<Full<Bytes>> {
  let Some(key) = request
    .headers()
    .get("sec-websocket-key")
    .map(|k| k.as_bytes().to_vec())
  else {
    return error_response(400, "WebSocket upgrade without Sec-WebSocket-Key");
  };
  let offers_protocol = request
    .headers()
    .get("sec-websocket-protocol")
    .and_then(|v| v.to_str().ok())
    .is_some_and(|v| v.split(',').any(|p| p.trim() == SUBPROTOCOL));
  let on_upgrade = hyper::upgrade::on(&mut request);
  let connection_id = shared.next_connection_id();
  let mut stopped = shared.stopped.clone();
  tokio::spawn(async move {
    let Ok(upgraded) = on_upgrade.await else { return };
    let socket = tokio_tungstenite::WebSocketStream::from_raw_socket(
      TokioIo::new(upgraded),
      tokio_tungstenite::tungstenite::protocol::Role::Server,
      None,
    )
    .await;
    tokio::select! {
      () = websocket::serve(shared, socket, connection_id) => {}
      _ = stopped.changed() => {}
    }
  });
  let mut headers = vec![
    ("upgrade", "websocket".to_owned()),
    ("connection", "Upgrade".to_owned()),
    (
      "sec-websocket-accept",
      tokio_tungstenite::tungstenite::handshake::derive_accept_key(&key),
    ),
  ];
  if offers_protocol {
    headers.push(("sec-websocket-protocol", SUBPROTOCOL.to_owned()));
  }
  respond(101, &headers, String::new())
}

fn respond(status: u16, headers: &[(&str, String)], body: String) -> Response<Full<Bytes>> {
  let mut response = Response::new(Full::new(Bytes::from(body)));
  *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
  for (name, value) in headers {
    if let (Ok(name), Ok(value)) = (
      hyper::header::HeaderName::from_bytes(name.as_bytes()),
      hyper::header::HeaderValue::from_str(value),
    ) {
      response.headers_mut().insert(name, value);
    }
  }
  response
}

fn error_response(status: u16, message: &str) -> Response<Full<Bytes>> {
  let reason = StatusCode::from_u16(status)
    .ok()
    .and_then(|s| s.canonical_reason())
    .unwrap_or("Error");
  let body = serde_json::json!({ "code": status, "error": reason, "message": message }).to_string();
  respond(status, &[("content-type", "application/json".to_owned())], body)
}

async fn handle(shared: &Shared, request: Request<Incoming>) -> Option<Response<Full<Bytes>>> {
  let path = request.uri().path().to_owned();
  let Some(id) = path
    .strip_prefix(shared.endpoint_path())
    .filter(|id| !id.is_empty() && !id.contains('/'))
  else {
    return Some(error_response(404, "not a push endpoint"));
  };
  if request.method() != Method::POST {
    return Some(error_response(405, "push endpoints accept POST only"));
  }
  if shared.sink {
    let _ = request.into_body().collect().await;
    return Some(respond(201, &[], String::new()));
  }
  match shared.take_fault(id) {
    Some(FaultAction::Status { status, retry_after }) => {
      let _ = request.into_body().collect().await;
      let mut response = error_response(status, "fault injected by the test");
      if let Some(value) = retry_after.and_then(|v| hyper::header::HeaderValue::from_str(&v).ok()) {
        response.headers_mut().insert(hyper::header::RETRY_AFTER, value);
      }
      return Some(response);
    }
    Some(FaultAction::Stall) => std::future::pending::<()>().await,
    Some(FaultAction::Reset) => return None,
    Some(FaultAction::Delay(delay)) => tokio::time::sleep(delay).await,
    Some(FaultAction::Kind { kind, retry_after }) => {
      let _ = request.into_body().collect().await;
      let (status, headers, body) = push_services::canned_answer(shared.profile, kind, retry_after);
      return Some(respond(status, &headers, body));
    }
    None => {}
  }
  Some(accept(shared, id, request).await)
}

async fn accept(shared: &Shared, id: &str, request: Request<Incoming>) -> Response<Full<Bytes>> {
  let http_version = if request.version() == hyper::Version::HTTP_2 {
    "HTTP/2"
  } else {
    "HTTP/1.1"
  };
  let headers: Vec<(String, String)> = request
    .headers()
    .iter()
    .map(|(n, v)| {
      (
        n.as_str().to_owned(),
        String::from_utf8_lossy(v.as_bytes()).into_owned(),
      )
    })
    .collect();
  let body = match Limited::new(request.into_body(), READ_LIMIT).collect().await {
    Ok(collected) => collected.to_bytes(),
    Err(_) => return error_response(413, "body too large"),
  };
  match shared.receive(id, headers.clone(), &body, http_version) {
    Ok(message_id) => {
      let ttl = crate::headers::find_header(&headers, "ttl")
        .unwrap_or_default()
        .to_owned();
      let location = format!("{}/m/{message_id}", shared.origin());
      respond(201, &[("location", location), ("ttl", ttl)], String::new())
    }
    Err(rejection) => profile_response(shared.profile, &rejection),
  }
}

/// A rejection worded the way the profile's service words it.
fn profile_response(profile: Option<Service>, rejection: &Rejection) -> Response<Full<Bytes>> {
  let kind = match rejection.status {
    404 | 410 => Some(FailureKind::Gone),
    413 => Some(FailureKind::TooLarge),
    401 | 403 if rejection.message.contains("applicationServerKey") => Some(FailureKind::KeyMismatch),
    401 | 403 => Some(FailureKind::BadJwt),
    _ => None,
  };
  match (profile, kind) {
    (Some(Service::Apple), None) => {
      let reason = if rejection.message.contains("Topic") {
        "BadWebPushTopic"
      } else {
        "BadWebPushRequest"
      };
      let body = serde_json::json!({ "reason": reason }).to_string();
      respond(
        rejection.status,
        &[("content-type", "application/json".to_owned())],
        body,
      )
    }
    (Some(service), Some(kind)) => {
      let (status, headers, body) = push_services::canned_answer(Some(service), kind, 0);
      respond(status, &headers, body)
    }
    _ => error_response(rejection.status, &rejection.message),
  }
}

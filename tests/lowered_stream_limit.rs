//! A server that lowers `SETTINGS_MAX_CONCURRENT_STREAMS` on a live HTTP/2 connection, as
//! Apple's push service does after an error: the pool follows the new limit at once (no new
//! stream on that connection while the limit is used up) and takes the rest of the traffic
//! to a new connection.
//!
//! The server is a real `h2` server behind a TLS front that relays frames and, before the
//! first response on the first connection, slips in a SETTINGS frame of its own with a
//! limit of 1 (and drops the client's ACK of it, which the `h2` server never asked for).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use web_push_rs::send::{HttpClient, HttpSettings};

mod common;
use common::send_at_once;

const PREFACE_LEN: usize = 24;
const HEADERS: u8 = 0x1;
const SETTINGS: u8 = 0x4;
const ACK: u8 = 0x1;
const MAX_CONCURRENT_STREAMS: u16 = 0x3;

/// What the server saw on the connection whose limit it lowered.
#[derive(Default)]
struct Lowered {
  /// Streams open on it now.
  open: AtomicUsize,
  /// The client acknowledged the limit of 1.
  acked: AtomicBool,
  /// Streams opened after that acknowledgement.
  opened_after: AtomicUsize,
  /// Of those, streams opened while another one was still open.
  over_limit: AtomicUsize,
}

#[derive(Default)]
struct Server {
  connections: AtomicUsize,
  accepted: AtomicUsize,
  lowered: Lowered,
}

/// Whose SETTINGS frame the client will acknowledge next (ACKs come in order).
#[derive(Clone, Copy, PartialEq)]
enum Sender {
  Server,
  Injected,
}

async fn read_frame<R: AsyncRead + Unpin>(from: &mut R) -> Option<([u8; 9], Vec<u8>)> {
  let mut header = [0u8; 9];
  from.read_exact(&mut header).await.ok()?;
  let len = u32::from_be_bytes([0, header[0], header[1], header[2]]) as usize;
  let mut payload = vec![0u8; len];
  from.read_exact(&mut payload).await.ok()?;
  Some((header, payload))
}

/// The h2 server side of one connection: 201 after 20 ms, counting open streams.
async fn serve_h2(io: tokio::io::DuplexStream, server: Arc<Server>, lowered: bool) {
  let Ok(mut connection) = h2::server::Builder::new()
    .max_concurrent_streams(100)
    .handshake::<_, bytes::Bytes>(io)
    .await
  else {
    return;
  };
  while let Some(Ok((request, mut respond))) = connection.accept().await {
    let server = server.clone();
    if lowered {
      let stats = &server.lowered;
      let before = stats.open.fetch_add(1, Ordering::SeqCst);
      if stats.acked.load(Ordering::SeqCst) {
        stats.opened_after.fetch_add(1, Ordering::SeqCst);
        if before > 0 {
          stats.over_limit.fetch_add(1, Ordering::SeqCst);
        }
      }
    }
    tokio::spawn(async move {
      let mut body = request.into_body();
      while let Some(Ok(chunk)) = body.data().await {
        let _ = body.flow_control().release_capacity(chunk.len());
      }
      tokio::time::sleep(Duration::from_millis(20)).await;
      if lowered {
        server.lowered.open.fetch_sub(1, Ordering::SeqCst);
      }
      server.accepted.fetch_add(1, Ordering::SeqCst);
      let response = http::Response::builder().status(201).body(()).unwrap();
      let _ = respond.send_response(response, true);
    });
  }
}

/// Client → server: the preface, then frames; drops the ACK of the injected SETTINGS.
async fn client_to_server<R, W>(
  mut from: R,
  mut to: W,
  order: Arc<Mutex<VecDeque<Sender>>>,
  server: Arc<Server>,
) where
  R: AsyncRead + Unpin,
  W: AsyncWrite + Unpin,
{
  let mut preface = [0u8; PREFACE_LEN];
  if from.read_exact(&mut preface).await.is_err() || to.write_all(&preface).await.is_err() {
    return;
  }
  while let Some((header, payload)) = read_frame(&mut from).await {
    if header[3] == SETTINGS && header[4] & ACK != 0 {
      let acknowledged = order.lock().unwrap().pop_front();
      if acknowledged == Some(Sender::Injected) {
        server.lowered.acked.store(true, Ordering::SeqCst);
        continue;
      }
    }
    if to.write_all(&header).await.is_err() || to.write_all(&payload).await.is_err() {
      return;
    }
  }
}

/// Server → client: frames as they come, and the injected SETTINGS before the first response.
async fn server_to_client<R, W>(mut from: R, mut to: W, order: Arc<Mutex<VecDeque<Sender>>>, inject: bool)
where
  R: AsyncRead + Unpin,
  W: AsyncWrite + Unpin,
{
  let mut injected = !inject;
  while let Some((header, payload)) = read_frame(&mut from).await {
    if header[3] == SETTINGS && header[4] & ACK == 0 {
      order.lock().unwrap().push_back(Sender::Server);
    }
    if header[3] == HEADERS && !injected {
      injected = true;
      let mut settings = vec![0, 0, 6, SETTINGS, 0, 0, 0, 0, 0];
      settings.extend_from_slice(&MAX_CONCURRENT_STREAMS.to_be_bytes());
      settings.extend_from_slice(&1u32.to_be_bytes());
      order.lock().unwrap().push_back(Sender::Injected);
      if to.write_all(&settings).await.is_err() {
        return;
      }
    }
    if to.write_all(&header).await.is_err()
      || to.write_all(&payload).await.is_err()
      || to.flush().await.is_err()
    {
      return;
    }
  }
}

/// Starts the server; returns its origin, the CA to trust and its counters.
async fn start() -> (String, String, Arc<Server>) {
  let tls = web_push_rs::testing::tls::generate(true).unwrap();
  let acceptor = tokio_rustls::TlsAcceptor::from(tls.config);
  let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
  let origin = format!("https://127.0.0.1:{}", listener.local_addr().unwrap().port());
  let server = Arc::new(Server::default());
  let shared = server.clone();
  tokio::spawn(async move {
    while let Ok((tcp, _)) = listener.accept().await {
      let first = shared.connections.fetch_add(1, Ordering::SeqCst) == 0;
      let (acceptor, server) = (acceptor.clone(), shared.clone());
      tokio::spawn(async move {
        let Ok(tls) = acceptor.accept(tcp).await else {
          return;
        };
        let (client_side, server_side) = tokio::io::duplex(1 << 20);
        tokio::spawn(serve_h2(server_side, server.clone(), first));
        let order = Arc::new(Mutex::new(VecDeque::new()));
        let (tls_read, tls_write) = tokio::io::split(tls);
        let (relay_read, relay_write) = tokio::io::split(client_side);
        tokio::spawn(server_to_client(relay_read, tls_write, order.clone(), first));
        client_to_server(tls_read, relay_write, order, server).await;
      });
    }
  });
  (origin, tls.ca_pem, server)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_limit_lowered_on_a_live_connection_is_followed_at_once() {
  let (origin, ca_pem, server) = start().await;
  let client = HttpClient::new(&HttpSettings {
    ca_pem: Some(ca_pem),
    max_connections_per_origin: Some(4),
    ..HttpSettings::default()
  })
  .unwrap();

  // 20 streams open on the first connection when its first answer lowers the limit to 1.
  send_at_once(&client, &origin, 20).await;
  // The relay reads the client's ACK on its own task: give it a moment on a loaded machine.
  for _ in 0..200 {
    if server.lowered.acked.load(Ordering::SeqCst) {
      break;
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
  }
  assert!(
    server.lowered.acked.load(Ordering::SeqCst),
    "the client acknowledged the new limit"
  );
  assert_eq!(server.connections.load(Ordering::SeqCst), 1);

  send_at_once(&client, &origin, 40).await;
  let lowered = &server.lowered;
  // h2 itself queues streams past the peer's limit, so this holds for any pool; what the
  // pool decides shows in the connections it opened (below).
  assert_eq!(
    lowered.over_limit.load(Ordering::SeqCst),
    0,
    "after the ACK, no stream opened on the lowered connection while another was open"
  );
  assert!(
    lowered.opened_after.load(Ordering::SeqCst) >= 1,
    "the lowered connection still carries traffic, one stream at a time"
  );
  assert_eq!(
    client.connections_opened(),
    2,
    "the rest went to a second connection (not piled up on the lowered one)"
  );
  assert_eq!(server.accepted.load(Ordering::SeqCst), 60);
}

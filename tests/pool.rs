//! The connection pool against the local push service: a second HTTP/2 connection opens only
//! when the first one's streams are all in use, the server's stream limit is never exceeded,
//! and HTTP/1.1 origins reuse their keep-alive connections.

use std::time::Duration;

use web_push_rs::request::PushRequest;
use web_push_rs::send::{HttpClient, HttpSettings};
use web_push_rs::testing::{PushService, PushServiceConfig};

mod common;
use common::send_at_once;

async fn service(http2: bool, streams: u32, latency_ms: u64) -> PushService {
  PushService::start(PushServiceConfig {
    tls: true,
    http2,
    sink: true,
    latency: Duration::from_millis(latency_ms),
    max_concurrent_streams: Some(streams),
    ..PushServiceConfig::default()
  })
  .await
  .unwrap()
}

fn client(service: &PushService, max_connections: usize) -> HttpClient {
  HttpClient::new(&HttpSettings {
    ca_pem: service.ca_pem().map(str::to_owned),
    max_connections_per_origin: Some(max_connections),
    ..HttpSettings::default()
  })
  .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_connection_opens_once_the_first_ones_streams_are_full() {
  let service = service(true, 10, 300).await;
  let client = client(&service, 16);
  send_at_once(&client, service.origin(), 10).await;
  assert_eq!(
    service.stats().connections,
    1,
    "10 requests fit the first connection's 10 streams"
  );
  send_at_once(&client, service.origin(), 25).await;
  let stats = service.stats();
  assert_eq!(
    stats.connections, 3,
    "25 at once need 3 connections of 10 streams: {stats:?}"
  );
  assert_eq!(client.connections_opened(), 3);
  assert!(stats.peak_streams_per_connection <= 10, "{stats:?}");
  assert_eq!(stats.accepted, 35);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_connection_limit_requests_wait_for_streams_never_exceeding_the_servers_limit() {
  let service = service(true, 5, 100).await;
  let client = client(&service, 2);
  send_at_once(&client, service.origin(), 40).await;
  let stats = service.stats();
  assert_eq!(stats.connections, 2, "{stats:?}");
  assert_eq!(stats.peak_streams_per_connection, 5, "{stats:?}");
  assert!(stats.peak_in_flight <= 10, "{stats:?}");
  assert_eq!(stats.accepted, 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http1_origins_get_a_connection_per_request_in_flight_and_keep_them() {
  let service = service(false, 100, 100).await;
  let client = client(&service, 16);
  send_at_once(&client, service.origin(), 12).await;
  assert_eq!(service.stats().connections, 12);
  send_at_once(&client, service.origin(), 12).await;
  let stats = service.stats();
  assert_eq!(stats.connections, 12, "kept alive and reused: {stats:?}");
  assert_eq!(stats.peak_streams_per_connection, 1);
  assert_eq!(stats.accepted, 24);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_connection_fails_the_requests_waiting_for_it() {
  // A port nothing listens on: every request gets the connect error, none hangs.
  let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
  let port = listener.local_addr().unwrap().port();
  drop(listener);
  let client = HttpClient::new(&HttpSettings::default()).unwrap();
  let request = PushRequest {
    endpoint: format!("https://127.0.0.1:{port}/push/x").parse().unwrap(),
    headers: Vec::new(),
    body: None,
  };
  let answers = futures_util::future::join_all((0..50).map(|_| client.send(&request, None))).await;
  for answer in answers {
    let err = answer.unwrap_err();
    assert_eq!(err.code(), "ERR_NETWORK", "{err}");
    assert!(err.to_string().contains("cannot connect"), "{err}");
  }
}

#[tokio::test]
async fn a_requests_future_stays_small() {
  // Every send's future is copied into its task when the fan-out spawns it: opening a
  // connection (TCP, TLS, the h2 handshake) is boxed, so its state is not part of it.
  // Inline it made this future 5.7 KiB in a debug build; boxed it is about 1.5 KiB.
  let client = HttpClient::new(&HttpSettings::default()).unwrap();
  let request = PushRequest {
    endpoint: "https://127.0.0.1:1/push/x".parse().unwrap(),
    headers: Vec::new(),
    body: None,
  };
  let send = client.send(&request, None);
  assert!(
    std::mem::size_of_val(&send) < 4096,
    "{} bytes",
    std::mem::size_of_val(&send)
  );
}

//! Sending through reqwest to the local push service, and every check the service makes.

use std::time::Duration;

use web_push_rs::ece::ContentEncoding;
use web_push_rs::keys::KeyPair;
use web_push_rs::request::{self, RequestOptions, VapidDetails};
use web_push_rs::send::{HttpClient, HttpSettings};
use web_push_rs::subscription::Subscription;
use web_push_rs::testing::{PushService, PushServiceConfig};
use web_push_rs::vapid::VapidKey;

struct Vapid {
  public: String,
  private: String,
}

fn vapid_keys() -> Vapid {
  let pair = KeyPair::generate().unwrap();
  Vapid {
    public: pair.public_key.to_base64(),
    private: pair.private_key.to_base64(),
  }
}

fn options(keys: &Vapid, encoding: ContentEncoding) -> RequestOptions {
  RequestOptions {
    encoding,
    vapid: Some(VapidDetails::new("mailto:test@example.com", &keys.public, &keys.private).unwrap()),
    ..Default::default()
  }
}

fn subscription(created: &web_push_rs::testing::CreatedSubscription) -> Subscription {
  Subscription::parse(&created.endpoint, Some(&created.p256dh), Some(&created.auth)).unwrap()
}

#[tokio::test]
async fn both_encodings_are_accepted_verified_and_decrypted() {
  let service = PushService::start(PushServiceConfig::default()).await.unwrap();
  let keys = vapid_keys();
  let created = service.subscribe(Some(&keys.public)).unwrap();
  let client = HttpClient::new(&HttpSettings::default()).unwrap();
  for (encoding, text) in [
    (ContentEncoding::Aes128Gcm, "modern"),
    (ContentEncoding::AesGcm, "legacy"),
  ] {
    let mut opts = options(&keys, encoding);
    opts.topic = Some("t1".into());
    opts.urgency = request::Urgency::High;
    let req = request::build(
      &subscription(&created),
      Some(text.as_bytes()),
      &opts,
      web_push_rs::clock::now_secs(),
    )
    .unwrap();
    let response = client.send(&req, None).await.unwrap();
    assert_eq!(response.status, 201, "{}", response.body);
    assert!(response.header("location").unwrap().starts_with(service.origin()));
  }
  let messages = service.messages(Some(&created.endpoint));
  assert_eq!(messages.len(), 2);
  assert_eq!(messages[0].payload.as_deref(), Some(&b"modern"[..]));
  assert_eq!(messages[1].payload.as_deref(), Some(&b"legacy"[..]));
  assert_eq!(messages[1].encoding, Some(ContentEncoding::AesGcm));
  let m = &messages[0];
  assert_eq!(
    (m.ttl, m.urgency.as_deref(), m.topic.as_deref()),
    (2_419_200, Some("high"), Some("t1"))
  );
  let v = m.vapid.as_ref().unwrap();
  assert_eq!(v.aud, service.origin());
  assert_eq!(v.public_key, keys.public);
  assert_eq!(v.sub.as_deref(), Some("mailto:test@example.com"));
  service.close();
}

#[tokio::test]
async fn tls_service_negotiates_http2_with_its_ca() {
  let service = PushService::start(PushServiceConfig {
    tls: true,
    ..Default::default()
  })
  .await
  .unwrap();
  assert!(service.origin().starts_with("https://127.0.0.1:"));
  let keys = vapid_keys();
  let created = service.subscribe(None).unwrap();
  let req = request::build(
    &subscription(&created),
    Some(b"over h2"),
    &options(&keys, ContentEncoding::Aes128Gcm),
    web_push_rs::clock::now_secs(),
  )
  .unwrap();

  let untrusting = HttpClient::new(&HttpSettings::default()).unwrap();
  let err = untrusting.send(&req, None).await.unwrap_err();
  assert_eq!(err.code(), "ERR_NETWORK", "{err}");

  let client = HttpClient::new(&HttpSettings {
    ca_pem: service.ca_pem().map(str::to_owned),
    ..HttpSettings::default()
  })
  .unwrap();
  let response = client.send(&req, None).await.unwrap();
  assert_eq!(response.status, 201, "{}", response.body);
  assert_eq!(response.http_version, "HTTP/2");
  assert_eq!(service.messages(None)[0].http_version, "HTTP/2");
  assert_eq!(
    service.messages(None)[0].payload.as_deref(),
    Some(&b"over h2"[..])
  );
}

async fn status_of(req: &request::PushRequest) -> (u16, String) {
  let response = HttpClient::new(&HttpSettings::default())
    .unwrap()
    .send(req, None)
    .await
    .unwrap();
  (response.status, response.body)
}

#[tokio::test]
async fn the_service_refuses_what_real_services_refuse() {
  let service = PushService::start(PushServiceConfig::default()).await.unwrap();
  let keys = vapid_keys();
  let created = service.subscribe(Some(&keys.public)).unwrap();
  let sub = subscription(&created);
  let now = web_push_rs::clock::now_secs();
  let good = request::build(&sub, Some(b"x"), &options(&keys, ContentEncoding::Aes128Gcm), now).unwrap();
  let key = VapidKey::from_base64(&keys.public, &keys.private).unwrap();
  let with_token = |jwt: String| {
    let mut req = good.clone();
    let auth = key.headers(&jwt, ContentEncoding::Aes128Gcm).authorization;
    req
      .headers
      .iter_mut()
      .find(|(n, _)| n == "Authorization")
      .unwrap()
      .1 = auth;
    req
  };

  let mut tampered = good.clone();
  let mut body = tampered.body.take().unwrap().to_vec();
  *body.last_mut().unwrap() ^= 1;
  tampered.body = Some(body.into());
  let (status, body) = status_of(&tampered).await;
  assert_eq!(status, 400);
  assert!(body.contains("authentication failed"), "{body}");

  let wrong_aud = with_token(
    key
      .sign("https://other.example", "mailto:a@b.c", now + 60)
      .unwrap(),
  );
  let (status, body) = status_of(&wrong_aud).await;
  assert_eq!(status, 401);
  assert!(body.contains("aud"), "{body}");

  let expired = with_token(key.sign(service.origin(), "mailto:a@b.c", now - 10).unwrap());
  assert_eq!(status_of(&expired).await.0, 401);
  let too_long = with_token(
    key
      .sign(service.origin(), "mailto:a@b.c", now + 25 * 3600)
      .unwrap(),
  );
  let (status, body) = status_of(&too_long).await;
  assert_eq!(status, 401);
  assert!(body.contains("24 hours"), "{body}");

  let other_keys = vapid_keys();
  let wrong_key = request::build(
    &sub,
    Some(b"x"),
    &options(&other_keys, ContentEncoding::Aes128Gcm),
    now,
  )
  .unwrap();
  assert_eq!(status_of(&wrong_key).await.0, 403);

  let mut forged = good.clone();
  let auth = forged
    .headers
    .iter_mut()
    .find(|(n, _)| n == "Authorization")
    .unwrap();
  auth.1 = auth.1.replace(&keys.public, &other_keys.public);
  assert_eq!(status_of(&forged).await.0, 401);

  let mut no_ttl = good.clone();
  no_ttl.headers.retain(|(n, _)| n != "TTL");
  assert_eq!(
    status_of(&no_ttl).await,
    (
      400,
      r#"{"code":400,"error":"Bad Request","message":"TTL header is missing"}"#.into()
    )
  );

  let mut big = good.clone();
  big.body = Some(vec![0; 4097].into());
  assert_eq!(status_of(&big).await.0, 413);

  let mut bad_topic = good.clone();
  bad_topic.headers.push(("Topic".into(), "no spaces".into()));
  assert_eq!(status_of(&bad_topic).await.0, 400);

  let mut no_vapid = good.clone();
  no_vapid.headers.retain(|(n, _)| n != "Authorization");
  assert_eq!(status_of(&no_vapid).await.0, 401);

  let mut unknown = good.clone();
  unknown.endpoint = format!("{}/push/nobody", service.origin()).parse().unwrap();
  assert_eq!(status_of(&unknown).await.0, 404);

  assert_eq!(status_of(&good).await.0, 201);
  assert!(service.expire(&created.endpoint));
  assert_eq!(status_of(&good).await.0, 410);
  assert_eq!(service.messages(None).len(), 1);
}

#[tokio::test]
async fn a_stalled_server_times_out() {
  let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
  let port = listener.local_addr().unwrap().port();
  let holder = tokio::spawn(async move {
    let mut open = Vec::new();
    while let Ok((stream, _)) = listener.accept().await {
      open.push(stream);
    }
  });
  let sub = Subscription::parse(&format!("http://127.0.0.1:{port}/push/x"), None, None).unwrap();
  let req = request::build(&sub, None, &RequestOptions::default(), 0).unwrap();
  let client = HttpClient::new(&HttpSettings::default()).unwrap();
  let err = client
    .send(&req, Some(Duration::from_millis(200)))
    .await
    .unwrap_err();
  assert_eq!(err.code(), "ERR_TIMEOUT");
  assert!(err.to_string().contains("200 ms"));
  holder.abort();
}

#[tokio::test]
async fn a_dropped_connection_is_a_network_error() {
  // A port we keep (a freed one could be taken by a parallel test) that hangs up at once.
  let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
  let port = listener.local_addr().unwrap().port();
  let hang_up = tokio::spawn(async move {
    while let Ok((stream, _)) = listener.accept().await {
      drop(stream);
    }
  });
  let sub = Subscription::parse(&format!("http://127.0.0.1:{port}/push/x"), None, None).unwrap();
  let req = request::build(&sub, None, &RequestOptions::default(), 0).unwrap();
  let err = HttpClient::new(&HttpSettings::default())
    .unwrap()
    .send(&req, None)
    .await
    .unwrap_err();
  assert_eq!(err.code(), "ERR_NETWORK");
  hang_up.abort();
}

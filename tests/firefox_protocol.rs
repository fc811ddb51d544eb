//! The local push service's Firefox WebSocket protocol, driven by a scripted browser.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use web_push_rs::base64url;
use web_push_rs::ece::{self, ContentEncoding, MessageHeaders, ReceiverKeys};
use web_push_rs::keys::{AuthSecret, KeyPair};
use web_push_rs::request::{self, RequestOptions, VapidDetails};
use web_push_rs::send::{HttpClient, HttpSettings};
use web_push_rs::subscription::Subscription;
use web_push_rs::testing::{PushService, PushServiceConfig};

type Socket = WebSocketStream<TcpStream>;

async fn connect(service: &PushService) -> Socket {
  let url = service.web_socket_url();
  let mut request = url.as_str().into_client_request().unwrap();
  request
    .headers_mut()
    .insert("sec-websocket-protocol", "push-notification".parse().unwrap());
  let stream = TcpStream::connect(("127.0.0.1", service.port())).await.unwrap();
  let (socket, response) = tokio_tungstenite::client_async(request, stream).await.unwrap();
  assert_eq!(response.headers()["sec-websocket-protocol"], "push-notification");
  socket
}

async fn call(socket: &mut Socket, message: Value) -> Value {
  socket.send(Message::text(message.to_string())).await.unwrap();
  next(socket).await
}

async fn next(socket: &mut Socket) -> Value {
  let message = tokio::time::timeout(Duration::from_secs(5), socket.next())
    .await
    .expect("a message")
    .unwrap()
    .unwrap();
  serde_json::from_str(message.to_text().unwrap()).unwrap()
}

struct Browser {
  keys: ReceiverKeys,
  p256dh: String,
  auth: String,
}

fn browser_keys() -> Browser {
  let pair = KeyPair::generate().unwrap();
  let auth = AuthSecret::from_bytes(&[5; 16]).unwrap();
  Browser {
    p256dh: pair.public_key.to_base64(),
    auth: base64url::encode(auth.as_bytes()),
    keys: ReceiverKeys {
      private_key: pair.private_key,
      auth,
    },
  }
}

async fn push(endpoint: &str, browser: &Browser, text: &str, options: &RequestOptions) -> u16 {
  let sub = Subscription::parse(endpoint, Some(&browser.p256dh), Some(&browser.auth)).unwrap();
  let req = request::build(
    &sub,
    Some(text.as_bytes()),
    options,
    web_push_rs::clock::now_secs(),
  )
  .unwrap();
  HttpClient::new(&HttpSettings::default())
    .unwrap()
    .send(&req, None)
    .await
    .unwrap()
    .status
}

fn decrypt_notification(n: &Value, browser: &Browser) -> String {
  let body = base64url::decode(n["data"].as_str().unwrap(), "data").unwrap();
  let h = &n["headers"];
  let headers = MessageHeaders {
    content_encoding: h["encoding"].as_str(),
    encryption: h["encryption"].as_str(),
    crypto_key: h["crypto_key"].as_str(),
  };
  String::from_utf8(ece::decrypt(&body, &browser.keys, &headers).unwrap()).unwrap()
}

#[tokio::test]
async fn hello_register_notify_ack_unregister() {
  let service = PushService::start(PushServiceConfig::default()).await.unwrap();
  let vapid = KeyPair::generate().unwrap();
  let details = VapidDetails::new(
    "mailto:ff@example.com",
    &vapid.public_key.to_base64(),
    &vapid.private_key.to_base64(),
  )
  .unwrap();
  let mut socket = connect(&service).await;

  assert_eq!(call(&mut socket, json!({})).await, json!({}), "ping");
  let hello = call(
    &mut socket,
    json!({ "messageType": "hello", "use_webpush": true, "channelIDs": [] }),
  )
  .await;
  assert_eq!(
    (hello["status"].as_u64(), hello["use_webpush"].as_bool()),
    (Some(200), Some(true))
  );
  let uaid = hello["uaid"].as_str().unwrap().to_owned();
  let reg = call(
    &mut socket,
    json!({ "messageType": "register", "channelID": "ch-1", "key": vapid.public_key.to_base64() }),
  )
  .await;
  assert_eq!(reg["status"], 200);
  let endpoint = reg["pushEndpoint"].as_str().unwrap().to_owned();
  assert!(endpoint.starts_with(service.origin()));

  let browser = browser_keys();
  for (encoding, text) in [
    (ContentEncoding::Aes128Gcm, "to firefox"),
    (ContentEncoding::AesGcm, "legacy to firefox"),
  ] {
    let options = RequestOptions {
      vapid: Some(details.clone()),
      encoding,
      ..Default::default()
    };
    assert_eq!(push(&endpoint, &browser, text, &options).await, 201);
    let n = next(&mut socket).await;
    assert_eq!(
      (n["messageType"].as_str(), n["channelID"].as_str()),
      (Some("notification"), Some("ch-1"))
    );
    assert_eq!(decrypt_notification(&n, &browser), text);
    let ack = json!({ "messageType": "ack", "updates": [{ "channelID": "ch-1", "version": n["version"], "code": 100 }] });
    socket.send(Message::text(ack.to_string())).await.unwrap();
  }
  assert_eq!(
    call(&mut socket, json!({})).await,
    json!({}),
    "the acks were processed before this ping"
  );
  let messages = service.messages(Some(&endpoint));
  assert_eq!(messages.len(), 2);
  assert!(messages.iter().all(|m| m.ack == Some(100) && m.payload.is_none()));

  let without_vapid = RequestOptions::default();
  assert_eq!(
    push(&endpoint, &browser, "x", &without_vapid).await,
    401,
    "the channel was registered with a key"
  );

  let unreg = call(
    &mut socket,
    json!({ "messageType": "unregister", "channelID": "ch-1" }),
  )
  .await;
  assert_eq!(unreg["status"], 200);
  let options = RequestOptions {
    vapid: Some(details),
    ..Default::default()
  };
  assert_eq!(push(&endpoint, &browser, "x", &options).await, 410);
  drop(uaid);
  service.close();
}

#[tokio::test]
async fn offline_browsers_get_queued_pushes_on_reconnect_within_ttl() {
  let service = PushService::start(PushServiceConfig::default()).await.unwrap();
  let mut socket = connect(&service).await;
  let hello = call(
    &mut socket,
    json!({ "messageType": "hello", "use_webpush": true }),
  )
  .await;
  let uaid = hello["uaid"].as_str().unwrap().to_owned();
  let reg = call(
    &mut socket,
    json!({ "messageType": "register", "channelID": "ch-2" }),
  )
  .await;
  let endpoint = reg["pushEndpoint"].as_str().unwrap().to_owned();
  socket.close(None).await.unwrap();
  drop(socket);
  tokio::time::sleep(Duration::from_millis(100)).await;

  let browser = browser_keys();
  let keep = RequestOptions {
    ttl: 60,
    ..Default::default()
  };
  let drop_now = RequestOptions {
    ttl: 0,
    ..Default::default()
  };
  assert_eq!(push(&endpoint, &browser, "queued", &keep).await, 201);
  assert_eq!(push(&endpoint, &browser, "ttl zero", &drop_now).await, 201);

  let mut socket = connect(&service).await;
  let hello = call(
    &mut socket,
    json!({ "messageType": "hello", "uaid": uaid, "use_webpush": true, "channelIDs": ["ch-2"] }),
  )
  .await;
  assert_eq!(hello["uaid"].as_str(), Some(uaid.as_str()), "the uaid is kept");
  let n = next(&mut socket).await;
  assert_eq!(decrypt_notification(&n, &browser), "queued");
  assert_eq!(
    call(&mut socket, json!({})).await,
    json!({}),
    "nothing else was queued"
  );
  service.close();
}

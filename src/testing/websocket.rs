//! Firefox's push protocol over WebSocket (the client side is Firefox's
//! `PushServiceWebSocket.sys.mjs`; the server side mirrors Mozilla's autopush):
//!
//! ```text
//! browser → {"messageType":"hello","uaid":"…","channelIDs":[…],"use_webpush":true}
//! service → {"messageType":"hello","uaid":"…","status":200,"use_webpush":true}
//! browser → {"messageType":"register","channelID":"…","key":"<VAPID public key>"}
//! service → {"messageType":"register","channelID":"…","status":200,"pushEndpoint":"http://…/push/<id>"}
//! service → {"messageType":"notification","channelID":"…","version":"…","data":"<base64url body>",
//!            "headers":{"encoding":"aes128gcm"}}          (aesgcm adds "encryption", "crypto_key")
//! browser → {"messageType":"ack","updates":[{"channelID":"…","version":"…","code":100}]}
//! browser → {"messageType":"unregister","channelID":"…"}  → {"messageType":"unregister",…,"status":200}
//! browser → {}  (ping)                                    → {}
//! ```
//!
//! Pushes to a browser that is not connected are queued and delivered on its next `hello`,
//! unless their TTL ran out first (TTL 0: delivered only if connected right now).

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::{Holder, Shared, State, SubscriptionState};
use crate::base64url;
use crate::crypto::fill_random;
use crate::ece::ContentEncoding;
use crate::keys::{KeyRole, PublicKey};

/// The subprotocol Firefox asks for.
pub const SUBPROTOCOL: &str = "push-notification";

/// A browser known by its `uaid`.
#[derive(Default)]
pub(crate) struct Browser {
  connection: Option<(u64, mpsc::UnboundedSender<String>)>,
  pending: Vec<(String, Option<Instant>)>,
}

/// The `notification` message for an accepted push.
pub(crate) fn notification(
  channel_id: &str,
  version: &str,
  body: &[u8],
  encoding: Option<ContentEncoding>,
  headers: &[(String, String)],
) -> String {
  let mut message = json!({ "messageType": "notification", "channelID": channel_id, "version": version });
  if let Some(encoding) = encoding {
    let header = |name: &str| crate::headers::find_header(headers, name).map(str::to_owned);
    let mut push_headers = serde_json::Map::new();
    push_headers.insert("encoding".into(), encoding.as_str().into());
    if let Some(encryption) = header("encryption") {
      push_headers.insert("encryption".into(), encryption.into());
    }
    if let Some(crypto_key) = header("crypto-key") {
      push_headers.insert("crypto_key".into(), crypto_key.into());
    }
    if let Some(fields) = message.as_object_mut() {
      fields.insert("data".into(), base64url::encode(body).into());
      fields.insert("headers".into(), push_headers.into());
    }
  }
  message.to_string()
}

/// Sends `notification` to the browser now, or queues it until it reconnects (within TTL).
pub(crate) fn deliver(state: &mut State, uaid: &str, notification: String, ttl: u64) {
  let browser = state.browsers.entry(uaid.to_owned()).or_default();
  if let Some((_, sender)) = &browser.connection {
    if sender.send(notification.clone()).is_ok() {
      return;
    }
    browser.connection = None;
  }
  if ttl > 0 {
    browser
      .pending
      .push((notification, Instant::now().checked_add(Duration::from_secs(ttl))));
  }
}

fn random_hex(bytes: usize) -> String {
  let mut buf = vec![0u8; bytes];
  if fill_random(&mut buf).is_err() {
    buf.iter_mut().enumerate().for_each(|(i, b)| *b = i as u8);
  }
  buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// Serves one WebSocket connection until it closes or the service stops.
pub(crate) async fn serve<S>(
  shared: Arc<Shared>,
  socket: tokio_tungstenite::WebSocketStream<S>,
  connection_id: u64,
) where
  S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
  let (mut sink, mut stream) = socket.split();
  let (sender, mut outbox) = mpsc::unbounded_channel::<String>();
  let mut uaid: Option<String> = None;
  loop {
    tokio::select! {
      incoming = stream.next() => {
        let text = match incoming {
          Some(Ok(Message::Text(text))) => text.to_string(),
          Some(Ok(Message::Ping(data))) => { let _ = sink.send(Message::Pong(data)).await; continue }
          Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
          Some(Ok(_)) => continue,
        };
        let Ok(request) = serde_json::from_str::<Value>(&text) else { break };
        for reply in handle(&shared, &request, &mut uaid, connection_id, &sender) {
          if sink.send(Message::text(reply)).await.is_err() {
            break;
          }
        }
      }
      Some(outgoing) = outbox.recv() => {
        if sink.send(Message::text(outgoing)).await.is_err() {
          break;
        }
      }
    }
  }
  if let Some(uaid) = uaid {
    let mut state = shared.lock();
    if let Some(browser) = state.browsers.get_mut(&uaid) {
      if browser
        .connection
        .as_ref()
        .is_some_and(|(id, _)| *id == connection_id)
      {
        browser.connection = None;
      }
    }
  }
}

/// Answers one client message; returns the replies to send in order.
fn handle(
  shared: &Shared,
  request: &Value,
  uaid: &mut Option<String>,
  connection_id: u64,
  sender: &mpsc::UnboundedSender<String>,
) -> Vec<String> {
  let text = |field: &str| request.get(field).and_then(Value::as_str).map(str::to_owned);
  match request.get("messageType").and_then(Value::as_str) {
    None => vec!["{}".to_owned()],
    Some("hello") => {
      let mut state = shared.lock();
      let id = text("uaid")
        .filter(|u| state.browsers.contains_key(u))
        .unwrap_or_else(|| random_hex(16));
      let browser = state.browsers.entry(id.clone()).or_default();
      browser.connection = Some((connection_id, sender.clone()));
      let now = Instant::now();
      let pending = std::mem::take(&mut browser.pending);
      *uaid = Some(id.clone());
      let mut replies = vec![
        json!({ "messageType": "hello", "uaid": id, "status": 200, "use_webpush": true, "broadcasts": {} })
          .to_string(),
      ];
      replies.extend(
        pending
          .into_iter()
          .filter(|(_, expires)| expires.is_some_and(|e| e > now))
          .map(|(n, _)| n),
      );
      replies
    }
    Some("register") => {
      let (Some(uaid), Some(channel_id)) = (uaid.clone(), text("channelID")) else {
        return vec![
          json!({ "messageType": "register", "status": 401, "error": "hello first, with a channelID" })
            .to_string(),
        ];
      };
      let key = match text("key").map(|k| PublicKey::from_base64(&k, KeyRole::Vapid)).transpose() {
        Ok(key) => key,
        Err(_) => {
          return vec![json!({ "messageType": "register", "channelID": channel_id, "status": 400, "error": "key is not a P-256 public key" }).to_string()]
        }
      };
      let id = random_hex(16);
      let endpoint = shared.endpoint_of(&id);
      let holder = Holder::Browser {
        uaid,
        channel_id: channel_id.clone(),
      };
      shared.lock().subscriptions.insert(
        id,
        SubscriptionState {
          holder,
          application_server_key: key,
          expired: false,
        },
      );
      vec![json!({ "messageType": "register", "channelID": channel_id, "status": 200, "pushEndpoint": endpoint }).to_string()]
    }
    Some("unregister") => {
      let channel_id = text("channelID").unwrap_or_default();
      let mut state = shared.lock();
      for subscription in state.subscriptions.values_mut() {
        if matches!(&subscription.holder, Holder::Browser { uaid: u, channel_id: c } if Some(u) == uaid.as_ref() && *c == channel_id)
        {
          subscription.expired = true;
        }
      }
      vec![json!({ "messageType": "unregister", "channelID": channel_id, "status": 200 }).to_string()]
    }
    Some("ack") => {
      let updates = request
        .get("updates")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
      let mut state = shared.lock();
      for update in updates {
        let version = update.get("version").and_then(Value::as_str).unwrap_or_default();
        let code = update.get("code").and_then(Value::as_u64).unwrap_or(100);
        record_ack(&mut state, version, code);
      }
      Vec::new()
    }
    Some("nack") => {
      let version = text("version").unwrap_or_default();
      let code = request.get("code").and_then(Value::as_u64).unwrap_or(102);
      record_ack(&mut shared.lock(), &version, code);
      Vec::new()
    }
    Some(_) => Vec::new(),
  }
}

fn record_ack(state: &mut State, version: &str, code: u64) {
  if let Some(message) = state.messages.iter_mut().find(|m| m.version == version) {
    message.ack = u16::try_from(code).ok();
  }
}

//! One `sendMany` target as it crosses from JS to Rust: the batch row, described once.
//!
//! The campaign worker (lib/queue/) streams targets in chunks: one `JSON.stringify` of an array of
//! rows (made by the binding's `batchRow`, `row()` in lib/client.js) plus the Buffers of
//! targets with their own payload. (`sendMany` hands its JS items to the binding directly.) A row is a JSON array, not an
//! object: six positions instead of six key names per target keep the event loop's share of a
//! fan-out small (the JSON is parsed here, off the event loop).
//!
//! ```text
//! [ index, endpoint, p256dh, auth, payload, options ]
//!   index     number          the target's position in the caller's list (for the report)
//!   endpoint  string          subscription endpoint
//!   p256dh    string | null   subscription keys.p256dh
//!   auth      string | null   subscription keys.auth
//!   payload   number          PAYLOAD_SHARED (-1): the batch payload
//!                             PAYLOAD_NONE (-2): no payload (its own is null)
//!                             n >= 0: the n-th payload sent with the chunk ("" = none)
//!   options   object | null   { ttl?, urgency?, topic?, contentEncoding?, headers?: [[name, value], …] }
//! ```
//!
//! `__test__/fixtures/batch-rows.json` is the round-trip test of both sides: the JS test
//! builds its rows with `row()`, the test below parses them.

use std::sync::Arc;

use serde::Deserialize;

use crate::client::{MessageOptions, Target};
use crate::error::{Error, Result};

/// `payload` slot: the target uses the batch payload.
pub const PAYLOAD_SHARED: i64 = -1;
/// `payload` slot: the target has its own payload, and it is empty (a push without payload).
pub const PAYLOAD_NONE: i64 = -2;

/// Per-target overrides of a row (unknown keys are a bug in the caller).
#[derive(Debug, Deserialize, Default, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RowOptions {
  /// `TTL` in seconds.
  pub ttl: Option<f64>,
  /// Urgency name.
  pub urgency: Option<String>,
  /// Topic.
  pub topic: Option<String>,
  /// Content encoding name.
  pub content_encoding: Option<String>,
  /// Extra headers as `[name, value]` pairs.
  pub headers: Option<Vec<(String, String)>>,
}

/// One row: `[index, endpoint, p256dh, auth, payload, options]` (see the module docs).
#[derive(Debug, Deserialize, PartialEq)]
pub struct BatchRow(
  pub u64,
  pub String,
  pub Option<String>,
  pub Option<String>,
  pub i64,
  pub Option<RowOptions>,
);

impl BatchRow {
  /// The target this row describes; `shared` is the batch payload, `payloads` the chunk's Buffers.
  /// A chunk payload of `None` is an empty-string payload (no payload, as in web-push).
  pub fn into_target(self, shared: &Option<Arc<[u8]>>, payloads: &[Option<Arc<[u8]>>]) -> (u64, Target) {
    let BatchRow(index, endpoint, p256dh, auth, slot, options) = self;
    let payload = match slot {
      PAYLOAD_SHARED => shared.clone(),
      n => usize::try_from(n)
        .ok()
        .and_then(|n| payloads.get(n))
        .cloned()
        .flatten(),
    };
    let o = options.unwrap_or_default();
    let options = MessageOptions {
      ttl: o.ttl,
      urgency: o.urgency,
      topic: o.topic,
      content_encoding: o.content_encoding,
      headers: o.headers.unwrap_or_default(),
    };
    let target = Target {
      endpoint,
      p256dh,
      auth,
      payload,
      options,
    };
    (index, target)
  }
}

/// Parses a chunk (a JSON array of rows); a malformed chunk is a bug in the caller.
pub fn parse_rows(json: &str) -> Result<Vec<BatchRow>> {
  serde_json::from_str(json).map_err(|_| Error::Internal {
    reason: "a batch chunk is not valid JSON target rows",
  })
}

#[cfg(test)]
mod tests {
  use super::*;

  #[derive(Deserialize)]
  struct Fixture {
    rows: Vec<serde_json::Value>,
  }

  #[test]
  fn parses_the_rows_lib_client_js_writes() {
    let fixture: Fixture =
      serde_json::from_str(include_str!("../__test__/fixtures/batch-rows.json")).unwrap();
    let json = serde_json::to_string(&fixture.rows).unwrap();
    let shared: Option<Arc<[u8]>> = Some(Arc::from(&b"shared"[..]));
    let own: Vec<Option<Arc<[u8]>>> = vec![Some(Arc::from(&b"own payload"[..]))];
    let targets: Vec<(u64, Target)> = parse_rows(&json)
      .unwrap()
      .into_iter()
      .map(|row| row.into_target(&shared, &own))
      .collect();
    assert_eq!(targets.len(), 4);
    let (index, plain) = &targets[0];
    assert_eq!(*index, 0);
    assert_eq!(plain.endpoint, "https://push.example.net/a");
    assert_eq!(plain.p256dh.as_deref(), Some("BPUB"));
    assert_eq!(plain.auth.as_deref(), Some("AUTH"));
    assert_eq!(plain.payload.as_deref(), Some(&b"shared"[..]));
    assert_eq!(plain.options.ttl, None);
    let (_, own_payload) = &targets[1];
    assert_eq!(own_payload.payload.as_deref(), Some(&b"own payload"[..]));
    assert_eq!(own_payload.options.ttl, Some(60.0));
    assert_eq!(own_payload.options.urgency.as_deref(), Some("high"));
    assert_eq!(own_payload.options.topic.as_deref(), Some("news"));
    assert_eq!(own_payload.options.content_encoding.as_deref(), Some("aesgcm"));
    assert_eq!(
      own_payload.options.headers,
      vec![("X-Trace".to_owned(), "7".to_owned())]
    );
    let (index, no_payload) = &targets[2];
    assert_eq!(*index, 2);
    assert_eq!(no_payload.payload, None);
    let (_, no_keys) = &targets[3];
    assert_eq!((no_keys.p256dh.as_deref(), no_keys.auth.as_deref()), (None, None));
  }

  #[test]
  fn a_malformed_chunk_is_an_internal_error() {
    assert_eq!(parse_rows("[[0]]").unwrap_err().code(), "ERR_INTERNAL");
    assert!(parse_rows(r#"[[0,"e",null,null,-1,{"TTL":1}]]"#).is_err());
  }
}

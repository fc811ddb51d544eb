//! What the local push service checks on each POST: arbitrary headers and body into
//! `testing::checks::check` (TTL, Urgency, Topic, the VAPID `Authorization` header and its
//! ES256 JWT, then decryption with the subscription's keys).
//!
//! Input: HTTP-like `Name: value` lines, an empty line, then the body. Invariants: no panic;
//! refusals use only the statuses the service documents; accepted messages are consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use web_push_rs::ece::ReceiverKeys;
use web_push_rs::push_services::Service;
use web_push_rs::testing::checks::{self, SubscriptionView};
use web_push_rs_fuzz::{application_server_key, http_message, receiver_keys, NOW, ORIGIN};

/// `SubscriptionView::keys` is `&ReceiverKeys` in older trees and `Option<&ReceiverKeys>`
/// since the service can also front a real browser; this builds whichever the field wants.
trait KeysField<'a> {
  fn wrap(keys: &'a ReceiverKeys) -> Self;
}

impl<'a> KeysField<'a> for &'a ReceiverKeys {
  fn wrap(keys: &'a ReceiverKeys) -> Self {
    keys
  }
}

impl<'a> KeysField<'a> for Option<&'a ReceiverKeys> {
  fn wrap(keys: &'a ReceiverKeys) -> Self {
    Some(keys)
  }
}

fuzz_target!(|data: &[u8]| {
  let (headers, body) = http_message(data);
  let keys = receiver_keys();
  let application_server_key = application_server_key();
  // Once bound to the fixture VAPID key (401/403 paths) and once unbound (VAPID optional),
  // each as the generic service and with Apple's extra rules.
  let cases = [Some(&application_server_key), None]
    .into_iter()
    .flat_map(|bound| [(bound, None), (bound, Some(Service::Apple))]);
  for (bound, profile) in cases {
    let view = SubscriptionView {
      keys: KeysField::wrap(&keys),
      application_server_key: bound,
    };
    match checks::check(&view, ORIGIN, &headers, body, NOW, profile) {
      Ok(accepted) => {
        assert_eq!(accepted.encoding.is_some(), !body.is_empty());
        if let Some(vapid) = &accepted.vapid {
          assert_eq!(vapid.aud, ORIGIN);
          assert!(vapid.exp > NOW && vapid.exp <= NOW + 24 * 3600);
        } else {
          assert!(bound.is_none(), "accepted without VAPID for a bound subscription");
        }
      }
      Err(rejection) => assert!(
        matches!(rejection.status, 400 | 401 | 403 | 413),
        "unexpected status {}: {}",
        rejection.status,
        rejection.message
      ),
    }
  }
});

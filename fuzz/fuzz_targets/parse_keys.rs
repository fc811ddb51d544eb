//! Key and subscription parsing: arbitrary strings into `PublicKey::from_base64` (every role),
//! `PrivateKey::from_base64`, `AuthSecret::from_base64` and `subscription::Subscription::parse`.
//!
//! Input: `<public key>\n<private key>\n<auth>\n<endpoint>` (lossy UTF-8; missing lines are
//! empty). Invariants: no panic; stable codes; accepted keys round-trip; error messages never
//! echo the key text they rejected.
#![no_main]

use libfuzzer_sys::fuzz_target;
use web_push_rs::keys::{AuthSecret, KeyRole, PrivateKey, PublicKey};
use web_push_rs::subscription::Subscription;
use web_push_rs_fuzz::{fields, looks_like_key};

const ROLES: [KeyRole; 3] = [KeyRole::P256dh, KeyRole::Vapid, KeyRole::Decryption];

fn no_echo(err: &web_push_rs::Error, input: &str) {
  if looks_like_key(input) {
    assert!(!err.to_string().contains(input), "error echoes its input: {err}");
  }
}

fuzz_target!(|data: &[u8]| {
  let ([public, private, auth], rest) = fields::<3>(data);
  let public = public.unwrap_or_default();
  let private = private.unwrap_or_default();
  let auth = auth.unwrap_or_default();
  let endpoint = String::from_utf8_lossy(rest);

  for role in ROLES {
    match PublicKey::from_base64(&public, role) {
      Ok(key) => {
        let again = PublicKey::from_base64(&key.to_base64(), role).expect("re-parse an accepted key");
        assert_eq!(again, key);
      }
      Err(err) => {
        let expected = match role {
          KeyRole::Vapid => "ERR_INVALID_VAPID_PUBLIC_KEY",
          _ => "ERR_INVALID_P256DH",
        };
        assert!(
          err.code() == "ERR_INVALID_BASE64" || err.code() == expected,
          "{err}"
        );
        no_echo(&err, &public);
      }
    }
    match PrivateKey::from_base64(&private, role) {
      Ok(key) => {
        // The derived public key is a valid point; the scalar round-trips.
        PublicKey::from_bytes(key.public_key().as_bytes(), role).expect("derived public key");
        let again = PrivateKey::from_base64(&key.to_base64(), role).expect("re-parse an accepted key");
        assert_eq!(again.to_bytes(), key.to_bytes());
        // Debug output is redacted.
        assert!(!format!("{key:?}").contains(&key.to_base64()));
      }
      Err(err) => {
        let expected = match role {
          KeyRole::Vapid => "ERR_INVALID_VAPID_PRIVATE_KEY",
          _ => "ERR_INVALID_PRIVATE_KEY",
        };
        assert!(
          err.code() == "ERR_INVALID_BASE64" || err.code() == expected,
          "{err}"
        );
        no_echo(&err, &private);
      }
    }
  }

  match AuthSecret::from_base64(&auth) {
    Ok(secret) => assert_eq!(secret.as_bytes().len(), 16),
    Err(err) => {
      assert!(
        matches!(err.code(), "ERR_INVALID_BASE64" | "ERR_INVALID_AUTH"),
        "{err}"
      );
      no_echo(&err, &auth);
    }
  }

  // Keys are only checked when both are given.
  for (p256dh, auth) in [(Some(public.as_str()), Some(auth.as_str())), (None, None)] {
    match Subscription::parse(&endpoint, p256dh, auth) {
      Ok(subscription) => {
        let url = &subscription.endpoint;
        assert!(url.host().is_some(), "accepted endpoint without a host: {url}");
        assert!(
          matches!(url.scheme(), "https" | "http"),
          "accepted scheme {}",
          url.scheme()
        );
        assert_eq!(subscription.keys.is_some(), p256dh.is_some());
      }
      Err(err) => assert!(
        matches!(
          err.code(),
          "ERR_INVALID_ENDPOINT" | "ERR_INVALID_BASE64" | "ERR_INVALID_P256DH" | "ERR_INVALID_AUTH"
        ),
        "{err}"
      ),
    }
  }
});

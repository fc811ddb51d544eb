//! Shared fixtures and input framing for the fuzz targets.
//!
//! The receiver keys are those of RFC 8291 Appendix A (`__test__/fixtures/ece-vectors.json`),
//! so the seeds `build-corpus.js` writes decrypt for real and the fuzzer starts from inputs
//! that reach the end of every parser.

use web_push_rs::ece::ReceiverKeys;
use web_push_rs::keys::{AuthSecret, KeyRole, PrivateKey, PublicKey};

/// RFC 8291 Appendix A: the user agent's private key (the receiver of every message).
pub const UA_PRIVATE_KEY: &str = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
/// RFC 8291 Appendix A: the auth secret.
pub const AUTH_SECRET: &str = "BTBZMqHH6r4Tts7J_aSIgg";
/// RFC 8291 Appendix A: the application server's public key; the push-service target also
/// uses it as the subscription's `applicationServerKey` (VAPID seeds are signed with its pair).
pub const AS_PUBLIC_KEY: &str =
  "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
/// Origin of the simulated push service (the VAPID `aud` the seeds carry).
pub const ORIGIN: &str = "https://push.example.net";
/// The clock of the simulated push service; seed tokens expire one hour later.
pub const NOW: u64 = 1_700_000_000;

/// The receiver keys every decrypting target uses.
pub fn receiver_keys() -> ReceiverKeys {
  ReceiverKeys {
    private_key: PrivateKey::from_base64(UA_PRIVATE_KEY, KeyRole::Decryption).expect("fixture private key"),
    auth: AuthSecret::from_base64(AUTH_SECRET).expect("fixture auth secret"),
  }
}

/// The fixed `applicationServerKey` of the push-service target.
pub fn application_server_key() -> PublicKey {
  PublicKey::from_base64(AS_PUBLIC_KEY, KeyRole::Vapid).expect("fixture public key")
}

/// Splits off the first `n` newline-terminated fields (lossy UTF-8); the rest is returned
/// raw. Missing fields are `None`, so short inputs exercise the "header absent" paths.
pub fn fields<const N: usize>(mut data: &[u8]) -> ([Option<String>; N], &[u8]) {
  let mut out: [Option<String>; N] = std::array::from_fn(|_| None);
  for slot in &mut out {
    let Some(end) = data.iter().position(|&b| b == b'\n') else {
      break;
    };
    *slot = Some(String::from_utf8_lossy(&data[..end]).into_owned());
    data = &data[end + 1..];
  }
  (out, data)
}

/// Parses `Name: value` lines up to the first empty line, HTTP style; the rest is the body.
pub fn http_message(data: &[u8]) -> (Vec<(String, String)>, &[u8]) {
  let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
    Some(at) => (&data[..at], &data[at + 2..]),
    None => (data, &data[data.len()..]),
  };
  let headers = String::from_utf8_lossy(head)
    .split('\n')
    .filter_map(|line| {
      let (name, value) = line.split_once(':')?;
      Some((name.trim().to_owned(), value.trim().to_owned()))
    })
    .collect();
  (headers, body)
}

/// True when `text` could only appear in an error message by being echoed: 16+ characters
/// of the base64url alphabet (the fixed message texts have no run that long).
pub fn looks_like_key(text: &str) -> bool {
  text.len() >= 16
    && text
      .bytes()
      .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

//! `generateVAPIDKeys` / `generateVAPIDKeysAsync` and the testing `generateSubscriptionKeys`.

use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};
use napi_derive::napi;

use napi::bindgen_prelude::Unknown;

use super::js_value as js;
use super::Fallible;
use crate::base64url;
use crate::keys::KeyPair;

/// A P-256 key pair, base64url without padding.
#[napi(object)]
pub struct VapidKeys {
  /// 65-byte uncompressed public key (give this to browsers as `applicationServerKey`).
  pub public_key: String,
  /// 32-byte private key (keep it secret).
  pub private_key: String,
}

/// Generates a key pair off the JS thread.
pub struct GenerateKeysTask;

impl GenerateKeysTask {
  fn run() -> crate::Result<VapidKeys> {
    let pair = KeyPair::generate()?;
    Ok(VapidKeys {
      public_key: pair.public_key.to_base64(),
      private_key: pair.private_key.to_base64(),
    })
  }
}

impl Task for GenerateKeysTask {
  type Output = crate::Result<VapidKeys>;
  type JsValue = Fallible<VapidKeys>;

  fn compute(&mut self) -> napi::Result<Self::Output> {
    Ok(Self::run())
  }

  fn resolve(&mut self, _env: Env, keys: Self::Output) -> napi::Result<Self::JsValue> {
    Ok(keys.into())
  }
}

/// Generates a VAPID key pair: `{ publicKey, privateKey }`, base64url without padding.
#[napi(js_name = "generateVAPIDKeys", ts_return_type = "VapidKeys")]
pub fn generate_vapid_keys() -> Fallible<VapidKeys> {
  GenerateKeysTask::run().into()
}

/// Like `generateVAPIDKeys`, off the event loop.
#[napi(js_name = "generateVAPIDKeysAsync", ts_return_type = "Promise<VapidKeys>")]
pub fn generate_vapid_keys_async() -> AsyncTask<GenerateKeysTask> {
  AsyncTask::new(GenerateKeysTask)
}

/// A subscription's keys (`keys.p256dh`, `keys.auth`).
#[napi(object)]
pub struct GeneratedKeys {
  /// The subscription's public key.
  #[napi(js_name = "p256dh")]
  pub p256dh: String,
  /// The subscription's 16-byte auth secret.
  pub auth: String,
}

/// A generated subscription's `{ endpoint, keys }`.
#[napi(object)]
pub struct GeneratedSubscription {
  /// The endpoint (given, or `https://push.invalid/<random id>`).
  pub endpoint: String,
  /// Its keys.
  pub keys: GeneratedKeys,
}

/// What a browser creates for a push subscription, with the private key it keeps.
#[napi(object)]
pub struct SubscriptionKeyMaterial {
  /// The subscription to hand to the sender.
  pub subscription: GeneratedSubscription,
  /// The subscription's private key: what `decrypt` needs.
  pub private_key: String,
}

/// Creates a subscription as a browser would (P-256 pair + 16 random bytes); `endpoint` must
/// be an absolute URL and defaults to one under `push.invalid`.
#[napi(
  ts_args_type = "endpoint?: string",
  ts_return_type = "SubscriptionKeyMaterial"
)]
pub fn generate_subscription_keys(endpoint: Unknown) -> Fallible<SubscriptionKeyMaterial> {
  subscription_keys(&endpoint).into()
}

fn subscription_keys(endpoint: &Unknown) -> crate::Result<SubscriptionKeyMaterial> {
  let endpoint = match js::optional_string(endpoint, "endpoint")? {
    Some(url) if url::Url::parse(&url).is_ok() => url,
    Some(_) => {
      return Err(crate::Error::InvalidEndpoint {
        reason: "must be an absolute URL".into(),
      })
    }
    None => {
      let mut id = [0u8; 16];
      crate::crypto::fill_random(&mut id)?;
      format!("https://push.invalid/{}", base64url::encode(&id))
    }
  };
  let pair = KeyPair::generate()?;
  let mut auth = [0u8; 16];
  crate::crypto::fill_random(&mut auth)?;
  Ok(SubscriptionKeyMaterial {
    subscription: GeneratedSubscription {
      endpoint,
      keys: GeneratedKeys {
        p256dh: pair.public_key.to_base64(),
        auth: base64url::encode(&auth),
      },
    },
    private_key: pair.private_key.to_base64(),
  })
}

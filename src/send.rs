//! Sending a [`PushRequest`]: rustls, HTTP/2 where the push service offers it (ALPN), pooled
//! connections shared by every call with the same settings ([`crate::pool`]: several HTTP/2
//! connections per origin), redirects never followed, response bodies read with a size cap.
//! Through a proxy, every connection is an HTTP CONNECT tunnel.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::request::PushRequest;

/// Longest response body we keep (push services answer with short JSON).
pub const MAX_RESPONSE_BODY: usize = 64 * 1024;
/// Connect timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Total timeout when the caller gives none (web-push has none and can hang forever).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Connection settings; one pooled client exists per distinct value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct HttpSettings {
  /// Proxy URL (`http://host:port`, `https://…`, with optional credentials).
  pub proxy: Option<String>,
  /// Extra trusted roots, PEM (one or more certificates).
  pub ca_pem: Option<String>,
  /// HTTP/2 connections per origin at most (default [`crate::pool::DEFAULT_MAX_CONNECTIONS`]).
  pub max_connections_per_origin: Option<usize>,
}

impl HttpSettings {
  /// Checks the settings without building a client (what `generateRequestDetails` needs).
  pub fn validate(&self) -> Result<()> {
    if let Some(pem) = &self.ca_pem {
      certificates(pem.as_bytes(), "the ca option")?;
    }
    self.proxy().map(drop)
  }

  /// The proxy, validated: an http(s) URL with a host.
  fn proxy(&self) -> Result<Option<crate::pool::Proxy>> {
    let Some(proxy) = &self.proxy else { return Ok(None) };
    let parsed = url::Url::parse(proxy).map_err(|e| Error::InvalidProxy {
      reason: format!("value is not a URL ({e})"),
    })?;
    let https = match parsed.scheme() {
      "https" => true,
      "http" => false,
      _ => return Err(not_http(proxy)),
    };
    let host = parsed
      .host_str()
      .filter(|h| !h.is_empty())
      .ok_or_else(|| not_http(proxy))?;
    let decode = |part: &str| {
      percent_encoding::percent_decode_str(part)
        .decode_utf8_lossy()
        .into_owned()
    };
    let authorization = (!parsed.username().is_empty() || parsed.password().is_some()).then(|| {
      use base64ct::Encoding;
      let credentials = format!(
        "{}:{}",
        decode(parsed.username()),
        decode(parsed.password().unwrap_or_default())
      );
      format!(
        "Basic {}",
        base64ct::Base64::encode_string(credentials.as_bytes())
      )
    });
    Ok(Some(crate::pool::Proxy {
      https,
      host: host.to_owned(),
      port: parsed
        .port_or_known_default()
        .unwrap_or(if https { 443 } else { 80 }),
      authorization,
    }))
  }
}

fn not_http(proxy: &str) -> Error {
  Error::InvalidProxy {
    reason: format!(
      "{} must be an http:// or https:// URL with a host",
      redacted(proxy)
    ),
  }
}

/// The push service's answer.
#[derive(Debug, Clone)]
pub struct PushResponse {
  /// HTTP status.
  pub status: u16,
  /// Response headers (names lower-case, as HTTP/2 sends them).
  pub headers: Vec<(String, String)>,
  /// Response body as text (lossy UTF-8, capped at [`MAX_RESPONSE_BODY`]).
  pub body: String,
  /// `HTTP/1.1` or `HTTP/2`.
  pub http_version: &'static str,
}

impl PushResponse {
  /// Whether the status is 2xx.
  pub fn is_success(&self) -> bool {
    (200..300).contains(&self.status)
  }

  /// The value of header `name` (case-insensitive).
  pub fn header(&self, name: &str) -> Option<&str> {
    crate::headers::find_header(&self.headers, name)
  }
}

/// A pooled HTTP client for push requests.
#[derive(Debug)]
pub struct HttpClient {
  pool: crate::pool::Pool,
}

const USER_AGENT: &str = concat!("web-push-rs/", env!("CARGO_PKG_VERSION"));

/// The DER certificates of a PEM bundle, each checked usable as a trust anchor.
fn certificates(pem: &[u8], source: &str) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>> {
  // Every block must be a certificate a TLS client can trust.
  use rustls::pki_types::{pem::PemObject, CertificateDer};
  let mut ders = Vec::new();
  for der in CertificateDer::pem_slice_iter(pem) {
    match der {
      Ok(der) if rustls::RootCertStore::empty().add(der.clone()).is_ok() => ders.push(der),
      Err(rustls::pki_types::pem::Error::Base64Decode(e)) => {
        return Err(Error::InvalidCa {
          reason: format!("from {source} is not PEM ({e})"),
        })
      }
      _ => {
        return Err(Error::InvalidCa {
          reason: format!("from {source} has a PEM certificate block that is not a usable X.509 certificate"),
        })
      }
    }
  }
  if ders.is_empty() {
    return Err(Error::InvalidCa {
      reason: format!("from {source} holds no certificate"),
    });
  }
  Ok(ders)
}

/// A proxy URL fit for an error message: credentials removed, or nothing if it is not a URL.
fn redacted(proxy: &str) -> String {
  match url::Url::parse(proxy) {
    Ok(mut url) => {
      let _ = url.set_username("");
      let _ = url.set_password(None);
      format!("{:?}", url.as_str())
    }
    Err(_) => "value".to_owned(),
  }
}

impl HttpClient {
  /// Builds a client; also trusts the roots in `NODE_EXTRA_CA_CERTS`, as Node does
  /// (an unreadable file is skipped, as Node does). With extra roots, a server certificate that
  /// is one of them is accepted as it is (see [`crate::tls`]).
  pub fn new(options: &HttpSettings) -> Result<Self> {
    let mut roots = Vec::new();
    if let Some(path) = std::env::var_os("NODE_EXTRA_CA_CERTS") {
      if let Ok(pem) = std::fs::read(&path) {
        roots.extend(certificates(&pem, "NODE_EXTRA_CA_CERTS")?);
      }
    }
    if let Some(pem) = &options.ca_pem {
      roots.extend(certificates(pem.as_bytes(), "the ca option")?);
    }
    // Node's `ca` semantics: a server certificate equal to one of them is trusted (src/tls.rs).
    let tls = crate::tls::client_config(roots)?;
    let max = options
      .max_connections_per_origin
      .unwrap_or(crate::pool::DEFAULT_MAX_CONNECTIONS);
    let pool = crate::pool::Pool::new(tls, max, options.proxy()?, USER_AGENT)?;
    Ok(Self { pool })
  }

  /// Connections opened so far.
  pub fn connections_opened(&self) -> u64 {
    self.pool.connections_opened()
  }

  /// The shared client for `options` (built once, then reused: its connection pool is the point).
  pub fn shared(options: &HttpSettings) -> Result<Arc<Self>> {
    static CLIENTS: OnceLock<Mutex<HashMap<HttpSettings, Arc<HttpClient>>>> = OnceLock::new();
    let clients = CLIENTS.get_or_init(Default::default);
    let mut map = clients.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(client) = map.get(options) {
      return Ok(client.clone());
    }
    let client = Arc::new(Self::new(options)?);
    if map.len() >= 32 {
      map.clear();
    }
    map.insert(options.clone(), client.clone());
    Ok(client)
  }

  /// POSTs `request` and reads the answer; `timeout` bounds the whole exchange.
  pub async fn send(&self, request: &PushRequest, timeout: Option<Duration>) -> Result<PushResponse> {
    let timeout = timeout.unwrap_or(DEFAULT_TIMEOUT);
    let outgoing = crate::pool::Outgoing {
      url: &request.endpoint,
      headers: &request.headers,
      body: request.body.clone().unwrap_or_default(),
    };
    tokio::time::timeout(timeout, self.pool.send(outgoing))
      .await
      .map_err(|_| Error::Timeout {
        ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
      })?
  }
}

/// "outer: inner: innermost" for an error and its sources.
pub(crate) fn error_chain(err: &dyn std::error::Error) -> String {
  let mut text = err.to_string();
  let mut source = err.source();
  while let Some(inner) = source {
    let inner_text = inner.to_string();
    if !text.contains(&inner_text) {
      text.push_str(": ");
      text.push_str(&inner_text);
    }
    source = inner.source();
  }
  text
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn bad_proxy_and_ca_are_typed_errors() {
    let proxy = |p: &str| {
      HttpClient::new(&HttpSettings {
        proxy: Some(p.into()),
        ..HttpSettings::default()
      })
      .unwrap_err()
    };
    assert_eq!(proxy("not a url").code(), "ERR_INVALID_PROXY");
    assert_eq!(proxy("ftp://proxy:21").code(), "ERR_INVALID_PROXY");
    let secret = proxy("ftp://user:hunter2@proxy:21").to_string();
    assert!(
      !secret.contains("hunter2") && !secret.contains("user"),
      "{secret}"
    );
    assert!(HttpClient::new(&HttpSettings {
      proxy: Some("http://127.0.0.1:3128".into()),
      ..HttpSettings::default()
    })
    .is_ok());
    let ca = HttpClient::new(&HttpSettings {
      ca_pem: Some("hello".into()),
      ..HttpSettings::default()
    })
    .unwrap_err();
    assert_eq!(ca.code(), "ERR_INVALID_CA");
  }

  #[test]
  fn shared_clients_are_reused_per_options() {
    let a = HttpClient::shared(&HttpSettings::default()).unwrap();
    let b = HttpClient::shared(&HttpSettings::default()).unwrap();
    assert!(Arc::ptr_eq(&a, &b));
  }
}

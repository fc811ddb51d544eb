//! A throwaway certificate authority and server certificate for `tls: true`.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::error::{Error, Result};

/// A TLS server configuration and the PEM of the CA that signed its certificate.
pub struct TlsSetup {
  /// The rustls configuration (ALPN: h2, http/1.1).
  pub config: Arc<rustls::ServerConfig>,
  /// The CA certificate a client must trust (`ca` option).
  pub ca_pem: String,
}

fn failed(what: &str) -> impl Fn(rcgen::Error) -> Error + '_ {
  move |e| Error::PushService {
    reason: format!("cannot create the {what}: {e}"),
  }
}

/// Generates a CA and a certificate for `localhost` / `127.0.0.1` / `::1` signed by it;
/// ALPN offers h2 (when `http2`) and http/1.1.
pub fn generate(http2: bool) -> Result<TlsSetup> {
  let ca_key = KeyPair::generate().map_err(failed("CA key"))?;
  let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(failed("CA"))?;
  ca_params
    .distinguished_name
    .push(DnType::CommonName, "web-push-rs local push service CA");
  ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
  ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
  let ca_cert = ca_params.self_signed(&ca_key).map_err(failed("CA"))?;
  let issuer = Issuer::new(ca_params, ca_key);

  let leaf_key = KeyPair::generate().map_err(failed("server key"))?;
  let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
  let mut leaf_params = CertificateParams::new(names).map_err(failed("server certificate"))?;
  leaf_params
    .distinguished_name
    .push(DnType::CommonName, "localhost");
  let leaf_cert = leaf_params
    .signed_by(&leaf_key, &issuer)
    .map_err(failed("server certificate"))?;

  let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
  let chain: Vec<CertificateDer<'static>> = vec![leaf_cert.der().clone()];
  let mut config =
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
      .with_safe_default_protocol_versions()
      .map_err(|e| Error::PushService {
        reason: format!("TLS setup failed: {e}"),
      })?
      .with_no_client_auth()
      .with_single_cert(chain, key)
      .map_err(|e| Error::PushService {
        reason: format!("TLS setup failed: {e}"),
      })?;
  config.alpn_protocols = if http2 {
    vec![b"h2".to_vec(), b"http/1.1".to_vec()]
  } else {
    vec![b"http/1.1".to_vec()]
  };
  Ok(TlsSetup {
    config: Arc::new(config),
    ca_pem: ca_cert.pem(),
  })
}

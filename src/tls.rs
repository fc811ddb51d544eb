//! Trusting `ca` certificates the way Node does.
//!
//! Node (OpenSSL) accepts a server whose certificate is itself one of the `ca` certificates,
//! e.g. one made with `openssl req -x509 …` (self-signed, marked CA:TRUE). WebPKI refuses that
//! (`CaUsedAsEndEntity`). [`CaVerifier`] accepts a self-signed server certificate that is
//! byte-for-byte one of the `ca` certificates, after checking its host name (rustls'
//! `verify_server_name`) and validity period; the handshake signature is checked with rustls'
//! helpers as always. Every other certificate goes through full WebPKI path validation (the
//! platform verifier with the `ca` certificates as extra roots, as reqwest does by default); a
//! leaf signed by another key is not trusted on its own (Node refuses it too:
//! `UNABLE_TO_VERIFY_LEAF_SIGNATURE`).

use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::verify_server_name;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

use crate::error::{Error, Result};

/// A server certificate verifier: self-signed exact `ca` matches as trusted leaves, WebPKI for the rest.
#[derive(Debug)]
pub struct CaVerifier {
  /// The `ca` certificates (DER).
  cas: Vec<CertificateDer<'static>>,
  /// Full path validation for everything that is not an exact match.
  webpki: Arc<dyn ServerCertVerifier>,
  provider: Arc<CryptoProvider>,
}

impl CaVerifier {
  /// A verifier trusting the platform's roots plus `cas` (as roots, and as exact leaves).
  pub fn new(cas: Vec<CertificateDer<'static>>, provider: Arc<CryptoProvider>) -> Result<Self> {
    let webpki = platform_verifier(cas.clone(), provider.clone())?;
    Ok(Self {
      cas,
      webpki,
      provider,
    })
  }
}

#[cfg(any(all(unix, not(target_os = "android")), target_os = "windows"))]
fn platform_verifier(
  cas: Vec<CertificateDer<'static>>,
  provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>> {
  rustls_platform_verifier::Verifier::new_with_extra_roots(cas, provider)
    .map(|v| Arc::new(v) as Arc<dyn ServerCertVerifier>)
    .map_err(|e| Error::HttpClient {
      reason: e.to_string(),
    })
}

#[cfg(not(any(all(unix, not(target_os = "android")), target_os = "windows")))]
fn platform_verifier(
  _cas: Vec<CertificateDer<'static>>,
  _provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ServerCertVerifier>> {
  Err(Error::InvalidCa {
    reason: "is not supported on this platform".into(),
  })
}

/// Whether `der` is self-signed (subject = issuer, signed by its own key): what OpenSSL, and so
/// Node, accepts as the end of a chain it trusts; a leaf issued by someone else still needs
/// its issuer.
fn self_signed(der: &CertificateDer<'_>) -> std::result::Result<bool, rustls::Error> {
  let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref())
    .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
  Ok(cert.subject().as_raw() == cert.issuer().as_raw() && cert.verify_signature(None).is_ok())
}

/// Checks `now` against the certificate's notBefore/notAfter.
fn check_validity(der: &CertificateDer<'_>, now: UnixTime) -> std::result::Result<(), rustls::Error> {
  let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref())
    .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
  let at = |secs: i64| UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(secs).unwrap_or(0)));
  let validity = cert.validity();
  let not_before = validity.not_before.timestamp();
  let not_after = validity.not_after.timestamp();
  let time = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
  if time < not_before {
    return Err(
      CertificateError::NotValidYetContext {
        time: now,
        not_before: at(not_before),
      }
      .into(),
    );
  }
  if time > not_after {
    return Err(
      CertificateError::ExpiredContext {
        time: now,
        not_after: at(not_after),
      }
      .into(),
    );
  }
  Ok(())
}

impl ServerCertVerifier for CaVerifier {
  fn verify_server_cert(
    &self,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    server_name: &ServerName<'_>,
    ocsp_response: &[u8],
    now: UnixTime,
  ) -> std::result::Result<ServerCertVerified, rustls::Error> {
    if self.cas.iter().any(|ca| ca.as_ref() == end_entity.as_ref()) && self_signed(end_entity)? {
      verify_server_name(&ParsedCertificate::try_from(end_entity)?, server_name)?;
      check_validity(end_entity, now)?;
      return Ok(ServerCertVerified::assertion());
    }
    self
      .webpki
      .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
  }

  fn verify_tls12_signature(
    &self,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
  ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
    verify_tls12_signature(
      message,
      cert,
      dss,
      &self.provider.signature_verification_algorithms,
    )
  }

  fn verify_tls13_signature(
    &self,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
  ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
    verify_tls13_signature(
      message,
      cert,
      dss,
      &self.provider.signature_verification_algorithms,
    )
  }

  fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
    self
      .provider
      .signature_verification_algorithms
      .supported_schemes()
  }
}

/// The rustls client configuration for a client with `ca` certificates: [`CaVerifier`], the
/// safe default protocol versions, ALPN h2 then http/1.1 (what reqwest offers by default).
pub fn client_config(cas: Vec<CertificateDer<'static>>) -> Result<rustls::ClientConfig> {
  let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
  let verifier = CaVerifier::new(cas, provider.clone())?;
  let mut config = rustls::ClientConfig::builder_with_provider(provider)
    .with_safe_default_protocol_versions()
    .map_err(|e| Error::HttpClient {
      reason: e.to_string(),
    })?
    .dangerous()
    .with_custom_certificate_verifier(Arc::new(verifier))
    .with_no_client_auth();
  config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
  Ok(config)
}

#[cfg(test)]
mod tests {
  use super::*;
  use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};

  fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
  }

  /// A self-signed certificate for `names`, CA:TRUE or not, valid `from..to` (unix seconds).
  fn self_signed(names: &[&str], ca: bool, from: i64, to: i64) -> CertificateDer<'static> {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    if ca {
      params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    params.not_before = time::OffsetDateTime::from_unix_timestamp(from).unwrap();
    params.not_after = time::OffsetDateTime::from_unix_timestamp(to).unwrap();
    params.self_signed(&key).unwrap().der().clone()
  }

  const NOW: u64 = 1_800_000_000;

  fn verify(verifier: &CaVerifier, cert: &CertificateDer<'_>, host: &str) -> std::result::Result<(), String> {
    let name = ServerName::try_from(host.to_owned()).unwrap();
    let now = UnixTime::since_unix_epoch(Duration::from_secs(NOW));
    verifier
      .verify_server_cert(cert, &[], &name, &[], now)
      .map(drop)
      .map_err(|e| e.to_string())
  }

  #[test]
  fn exact_ca_match_is_accepted_with_or_without_ca_true() {
    let now = NOW as i64;
    for ca in [true, false] {
      let cert = self_signed(&["localhost", "127.0.0.1"], ca, now - 60, now + 3600);
      let verifier = CaVerifier::new(vec![cert.clone()], provider()).unwrap();
      assert_eq!(verify(&verifier, &cert, "localhost"), Ok(()));
      assert_eq!(verify(&verifier, &cert, "127.0.0.1"), Ok(()));
      let wrong = verify(&verifier, &cert, "push.example.com").unwrap_err();
      assert!(wrong.contains("not valid for name"), "{wrong}");
    }
  }

  #[test]
  fn exact_match_still_checks_the_validity_period() {
    let now = NOW as i64;
    let expired = self_signed(&["localhost"], true, now - 7200, now - 3600);
    let verifier = CaVerifier::new(vec![expired.clone()], provider()).unwrap();
    let err = verify(&verifier, &expired, "localhost").unwrap_err();
    assert!(err.contains("expired"), "{err}");
    let future = self_signed(&["localhost"], true, now + 3600, now + 7200);
    let verifier = CaVerifier::new(vec![future.clone()], provider()).unwrap();
    let err = verify(&verifier, &future, "localhost").unwrap_err();
    assert!(err.contains("not valid yet"), "{err}");
  }

  #[test]
  fn other_certificates_get_full_webpki_validation() {
    let now = NOW as i64;
    // A leaf signed by a CA passed as `ca` is validated through the chain.
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
      .distinguished_name
      .push(rcgen::DnType::CommonName, "test root");
    ca_params.not_before = time::OffsetDateTime::from_unix_timestamp(now - 60).unwrap();
    ca_params.not_after = time::OffsetDateTime::from_unix_timestamp(now + 3600).unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap().der().clone();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    leaf_params
      .distinguished_name
      .push(rcgen::DnType::CommonName, "localhost");
    leaf_params.not_before = time::OffsetDateTime::from_unix_timestamp(now - 60).unwrap();
    leaf_params.not_after = time::OffsetDateTime::from_unix_timestamp(now + 3600).unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap().der().clone();
    let verifier = CaVerifier::new(vec![ca_cert], provider()).unwrap();
    assert_eq!(verify(&verifier, &leaf, "localhost"), Ok(()));
    // Same name as its issuer, but not signed by its own key: still not self-signed.
    let mut twin_params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    twin_params
      .distinguished_name
      .push(rcgen::DnType::CommonName, "test root");
    let twin = twin_params
      .signed_by(&KeyPair::generate().unwrap(), &issuer)
      .unwrap()
      .der()
      .clone();
    let alone = CaVerifier::new(vec![twin.clone()], provider()).unwrap();
    assert!(verify(&alone, &twin, "localhost").is_err());
    // The leaf alone is not a trust anchor (it is not self-signed), as with Node.
    let alone = CaVerifier::new(vec![leaf.clone()], provider()).unwrap();
    let err = verify(&alone, &leaf, "localhost").unwrap_err();
    assert!(err.contains("UnknownIssuer"), "{err}");
    // A self-signed CA certificate that is not one of the `ca` ones stays refused.
    let stranger = self_signed(&["localhost"], true, now - 60, now + 3600);
    let err = verify(&verifier, &stranger, "localhost").unwrap_err();
    assert!(err.contains("invalid peer certificate"), "{err}");
  }

  #[test]
  fn client_config_offers_h2_and_http1() {
    let now = NOW as i64;
    let config = client_config(vec![self_signed(&["localhost"], true, now, now + 60)]).unwrap();
    assert_eq!(config.alpn_protocols, vec![b"h2".to_vec(), b"http/1.1".to_vec()]);
  }
}

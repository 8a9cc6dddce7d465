//! Helpers to build rustls configurations with the aws-lc-rs provider (the one this crate
//! enables). Any `rustls` configuration works with the adapters; these cover the usual
//! cases.

use std::path::Path;
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::Error;

/// The aws-lc-rs crypto provider (with the post-quantum X25519MLKEM768 key exchange).
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn tls_err(e: impl std::fmt::Display) -> Error {
    Error::Tls(e.to_string())
}

/// A client configuration trusting the Mozilla root certificates (webpki-roots).
pub fn client_config() -> Arc<rustls::ClientConfig> {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("aws-lc-rs supports the default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

/// A client configuration trusting only `roots` (e.g. a test or private CA, or a
/// server's self-signed certificate).
///
/// # Errors
/// [`Error::Tls`] if a certificate can't be used as a trust anchor.
pub fn client_config_with_roots(
    roots: impl IntoIterator<Item = CertificateDer<'static>>,
) -> Result<Arc<rustls::ClientConfig>, Error> {
    let mut store = rustls::RootCertStore::empty();
    for cert in roots {
        store.add(cert).map_err(tls_err)?;
    }
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?
        .with_root_certificates(store)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// A server configuration from a certificate chain and its private key.
///
/// # Errors
/// [`Error::Tls`] if the key does not fit the certificate or can't be used.
pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<rustls::ServerConfig>, Error> {
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(tls_err)?;
    Ok(Arc::new(config))
}

/// A server certificate that can be replaced while the server runs (a renewal, on SIGHUP
/// in `imapm serve`): handshakes after [`ReloadableCert::reload`] get the new one, and
/// connections already open keep theirs. A configuration that uses it comes from
/// [`ReloadableCert::server_config`].
#[derive(Debug)]
pub struct ReloadableCert {
    current: std::sync::RwLock<Arc<rustls::sign::CertifiedKey>>,
}

impl ReloadableCert {
    /// The certificate chain and private key of two PEM files.
    ///
    /// # Errors
    /// [`Error::Tls`] if a file can't be read, or the key can't be used or does not fit
    /// the certificate.
    pub fn from_pem_files(cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Result<Arc<ReloadableCert>, Error> {
        Ok(Arc::new(ReloadableCert { current: std::sync::RwLock::new(certified_key(cert.as_ref(), key.as_ref())?) }))
    }

    /// Loads the files again for the next handshakes.
    ///
    /// # Errors
    /// As [`ReloadableCert::from_pem_files`]; the certificate in use then stays.
    pub fn reload(&self, cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Result<(), Error> {
        let new = certified_key(cert.as_ref(), key.as_ref())?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = new;
        Ok(())
    }

    /// A server configuration that serves the certificate in use at each handshake.
    ///
    /// # Errors
    /// [`Error::Tls`] if the provider lacks the default protocol versions.
    pub fn server_config(self: &Arc<Self>) -> Result<Arc<rustls::ServerConfig>, Error> {
        let config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(tls_err)?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        Ok(Arc::new(config))
    }
}

impl rustls::server::ResolvesServerCert for ReloadableCert {
    fn resolve(&self, _hello: rustls::server::ClientHello<'_>) -> Option<Arc<rustls::sign::CertifiedKey>> {
        Some(self.current.read().unwrap_or_else(|p| p.into_inner()).clone())
    }
}

/// A chain and its key, checked to fit each other.
fn certified_key(cert: &Path, key: &Path) -> Result<Arc<rustls::sign::CertifiedKey>, Error> {
    let chain = certs_from_pem_file(cert)?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(tls_err)?;
    let signing = provider().key_provider.load_private_key(key).map_err(tls_err)?;
    let certified = rustls::sign::CertifiedKey::new(chain, signing);
    certified.keys_match().map_err(tls_err)?;
    Ok(Arc::new(certified))
}

/// Every certificate in a PEM file.
///
/// # Errors
/// [`Error::Tls`] if the file can't be read or holds no certificate.
pub fn certs_from_pem_file(path: impl AsRef<Path>) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs = CertificateDer::pem_file_iter(path.as_ref())
        .map_err(tls_err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(tls_err)?;
    if certs.is_empty() {
        return Err(Error::Tls(format!("no certificate in {}", path.as_ref().display())));
    }
    Ok(certs)
}

/// A server configuration from PEM files: the certificate chain and the private key
/// (PKCS#8, PKCS#1 or SEC1).
///
/// # Errors
/// [`Error::Tls`] if a file can't be read or parsed, or the key does not fit.
pub fn server_config_from_pem_files(
    cert: impl AsRef<Path>,
    key: impl AsRef<Path>,
) -> Result<Arc<rustls::ServerConfig>, Error> {
    let chain = certs_from_pem_file(cert)?;
    let key = PrivateKeyDer::from_pem_file(key.as_ref()).map_err(tls_err)?;
    server_config(chain, key)
}

/// Trusts exactly the pinned certificates, whoever issued them and whatever name they
/// carry; the handshake signatures are still verified.
#[derive(Debug)]
struct Pinned {
    certs: Vec<CertificateDer<'static>>,
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl rustls::client::danger::ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &rustls_pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if self.certs.iter().any(|c| c.as_ref() == end_entity.as_ref()) {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A client configuration that accepts a server only if its certificate is one of
/// `certs`, byte for byte: certificate pinning, for a server with a self-signed
/// certificate (even one marked as a CA, which [`client_config_with_roots`] refuses as
/// an end entity). The name is not checked — the pin is stronger.
///
/// # Errors
/// [`Error::Tls`] if the aws-lc-rs provider can't build the configuration.
pub fn client_config_pinned(
    certs: impl IntoIterator<Item = CertificateDer<'static>>,
) -> Result<Arc<rustls::ClientConfig>, Error> {
    let provider = provider();
    let verifier =
        Pinned { certs: certs.into_iter().collect(), algorithms: provider.signature_verification_algorithms };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

//! HTTPS: the server's certificate chain and private key, read from PEM files into a rustls
//! acceptor for [`crate::serve::run`]. Each file's problem is said in words with its path, so
//! an administrator who swapped the two files or gave a certificate without its key knows
//! which.

use std::path::Path;
use std::sync::Arc;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A TLS acceptor for the certificate chain in `cert` (server certificate first, then any
/// intermediates) and its private key in `key` (PKCS#8, PKCS#1 or SEC1 PEM). HTTP/1.1 only.
pub fn acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, String> {
    let chain = read(cert, "certificate")
        .and_then(|pem| {
            CertificateDer::pem_slice_iter(&pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("{} holds no readable PEM certificate: {e}", cert.display()))
        })
        .and_then(|chain| {
            if chain.is_empty() {
                Err(format!("{} holds no certificate (no `BEGIN CERTIFICATE` block)", cert.display()))
            } else {
                Ok(chain)
            }
        })?;
    let key_pem = read(key, "private key")?;
    let private = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
        format!("{} holds no readable PEM private key (PKCS#8, PKCS#1 or SEC1): {e}", key.display())
    })?;
    let mut config =
        ServerConfig::builder().with_no_client_auth().with_single_cert(chain, private).map_err(|e| {
            format!(
                "the certificate in {} and the key in {} do not go together: {e}",
                cert.display(),
                key.display()
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read the TLS {what} {}: {e}", path.display()))
}

//! The byte transport under a connection: plain TCP, or TLS through a rustls connection
//! driven by hand (so the reader thread can own the read half of the socket).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Plain or TLS. Bytes read from the socket go in through [`Transport::receive`]; bytes
/// to send go out through [`Transport::send`].
#[derive(Debug)]
pub enum Transport {
    /// Plain TCP.
    Plain,
    /// TLS (server or client side).
    Tls(Box<rustls::Connection>),
}

impl Transport {
    /// Feeds socket bytes; returns the plaintext they carried (and writes any handshake
    /// reply to `socket`).
    pub fn receive(&mut self, raw: &[u8], socket: &mut TcpStream) -> io::Result<Vec<u8>> {
        match self {
            Transport::Plain => Ok(raw.to_vec()),
            Transport::Tls(conn) => {
                let mut rd = raw;
                while !rd.is_empty() {
                    conn.read_tls(&mut rd)?;
                    conn.process_new_packets().map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                }
                let mut plain = Vec::new();
                match conn.reader().read_to_end(&mut plain) {
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(e),
                }
                while conn.wants_write() {
                    conn.write_tls(socket)?;
                }
                Ok(plain)
            }
        }
    }

    /// Sends plaintext.
    pub fn send(&mut self, data: &[u8], socket: &mut TcpStream) -> io::Result<()> {
        match self {
            Transport::Plain => socket.write_all(data),
            Transport::Tls(conn) => {
                conn.writer().write_all(data)?;
                while conn.wants_write() {
                    conn.write_tls(socket)?;
                }
                Ok(())
            }
        }
    }

    /// Sends the TLS close_notify, if TLS.
    pub fn close(&mut self, socket: &mut TcpStream) {
        if let Transport::Tls(conn) = self {
            conn.send_close_notify();
            while conn.wants_write() {
                if conn.write_tls(socket).is_err() {
                    break;
                }
            }
        }
    }
}

/// A rustls server configuration from a PEM certificate chain and a PEM private key.
pub fn load_server_config(cert: &Path, key: &Path) -> io::Result<Arc<rustls::ServerConfig>> {
    let invalid = |e: &dyn std::fmt::Display| io::Error::new(io::ErrorKind::InvalidData, e.to_string());
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| invalid(&e))?
        .collect::<Result<_, _>>()
        .map_err(|e| invalid(&e))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| invalid(&e))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(&e))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| invalid(&e))?;
    Ok(Arc::new(config))
}

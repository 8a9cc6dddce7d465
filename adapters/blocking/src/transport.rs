//! The byte transport under a connection: plain TCP, or TLS through a rustls connection
//! driven by hand (so the reader thread can own the read half of the socket).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;

use bytes::BytesMut;
use imap_machine::compress::{Deflater, Inflater};
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
                let mut plain = Vec::new();
                // Record by record, taking the plaintext out each time: rustls holds only
                // a bounded amount of it unread.
                while !rd.is_empty() {
                    conn.read_tls(&mut rd)?;
                    conn.process_new_packets().map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                    match conn.reader().read_to_end(&mut plain) {
                        Ok(_) => {}
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                        Err(e) => return Err(e),
                    }
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
                // rustls buffers a bounded amount of plaintext: write what it takes, send
                // its records, and go on.
                let mut rest = data;
                loop {
                    let n = conn.writer().write(rest)?;
                    rest = &rest[n..];
                    while conn.wants_write() {
                        conn.write_tls(socket)?;
                    }
                    if rest.is_empty() {
                        return Ok(());
                    }
                    if n == 0 && !conn.wants_write() {
                        return Err(io::ErrorKind::WriteZero.into());
                    }
                }
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

/// COMPRESS=DEFLATE (RFC 4978) on a connection: once on, what is sent is deflated, one
/// sync flush per batch, and what is read is inflated, under TLS when there is TLS (§3:
/// compress first, then encrypt).
#[derive(Debug, Default)]
pub(crate) struct Compression(Option<Box<(Deflater, Inflater)>>);

impl Compression {
    /// Turns it on; `early` (octets read past the tagged OK) starts the peer's stream.
    pub(crate) fn start(&mut self, early: &[u8]) {
        let mut inflater = Inflater::new();
        inflater.feed(early);
        self.0 = Some(Box::new((Deflater::new(), inflater)));
    }

    /// Whether it is on.
    pub(crate) fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// Deflates part of a batch into `wire` (no flush); a copy of `plain` when off.
    pub(crate) fn write(&mut self, plain: &[u8], wire: &mut BytesMut) {
        match self.0.as_mut() {
            Some(z) => z.0.write(plain, wire),
            None => wire.extend_from_slice(plain),
        }
    }

    /// Ends the batch with a sync flush; when `quiet` (the peer idles), the compressor's
    /// state is then freed until the next batch.
    pub(crate) fn flush(&mut self, wire: &mut BytesMut, quiet: bool) {
        if let Some(z) = self.0.as_mut() {
            z.0.flush(wire);
            if quiet {
                z.0.idle(wire);
            }
        }
    }

    /// Feeds octets read from the peer; `each` gets the plain text, in pieces of at most
    /// 64 KiB. Off, `each` gets `wire` as it is.
    pub(crate) fn read(&mut self, wire: &[u8], mut each: impl FnMut(&[u8])) -> io::Result<()> {
        let Some(z) = self.0.as_mut() else {
            each(wire);
            return Ok(());
        };
        z.1.feed(wire);
        let mut plain = BytesMut::new();
        loop {
            plain.clear();
            match z.1.read(&mut plain, 64 * 1024) {
                Ok(0) => return Ok(()),
                Ok(_) => each(&plain),
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
            }
        }
    }
}

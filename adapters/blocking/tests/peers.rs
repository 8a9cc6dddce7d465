//! Real peers on 127.0.0.1: third-party clients (python imaplib, curl, mbsync) against our
//! server, and our blocking client against a real Dovecot. A missing tool is a loud skip
//! on a developer machine and a failure in CI (`CI` set), where `.ci/run` installs them.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use bytes::Bytes;
use imap_machine::store::memory::MemoryBackend;
use imap_machine::types::{Capability, FetchAttribute, FetchAttributes, FetchItem, Flag, SearchKey, StoreKind};
use imap_machine_blocking::{Client, Server};

#[path = "support/peers_env.rs"]
mod peers_env;
use peers_env::{have, missing, node_peers, shared, verify_clients, verify_peers, walk};

fn our_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = Server::new(Arc::new(MemoryBackend::with_demo_data())).allow_insecure_auth(true);
    std::thread::spawn(move || server.serve(listener));
    port
}

#[test]
fn imaplib_curl_and_mbsync_against_our_server() {
    verify_clients(|| ((), our_server()));
}

#[test]
fn mbsync_downloads_messages_byte_for_byte() {
    if !have("mbsync") && missing("mbsync (apt-get install isync)") {
        return;
    }
    let port = our_server();
    let dir = std::env::temp_dir().join(format!("imapm-mbsync-{port}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("maildir")).unwrap();
    let rc = format!(
        "IMAPAccount t\nHost 127.0.0.1\nPort {port}\nUser username\nPass password\nSSLType None\nAuthMechs LOGIN\n\n\
         IMAPStore remote\nAccount t\n\nMaildirStore local\nPath {d}/maildir/\nInbox {d}/maildir/INBOX\nSubFolders Verbatim\n\n\
         Channel all\nFar :remote:\nNear :local:\nPatterns *\nCreate Both\nExpunge Both\nSyncState *\nSync All\n",
        d = dir.display()
    );
    std::fs::write(dir.join("mbsyncrc"), rc).unwrap();
    // Put a message with 8-bit text and a long line on the server first (a UTF-8 header
    // field: UTF8=ACCEPT enabled first, RFC 6855 §4).
    let mut c = Client::connect(("127.0.0.1", port)).unwrap();
    c.login("username", "password").unwrap();
    assert_eq!(c.enable(&[Capability::Utf8Accept]).unwrap(), vec![Capability::Utf8Accept]);
    let body =
        Bytes::from("From: x@example.org\r\nSubject: caf\u{e9}\r\n\r\n".to_string() + &"z".repeat(3000) + "\r\n");
    c.append("Sent", &[Flag::Seen], None, body.clone()).unwrap();
    let run = || Command::new("mbsync").arg("-c").arg(dir.join("mbsyncrc")).arg("-a").output().unwrap();
    let out = run();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let files: Vec<PathBuf> = walk(&dir.join("maildir/Sent"));
    assert_eq!(files.len(), 1, "{files:?}");
    // mbsync stores Maildir files with LF line ends and its own X-TUID tracking header;
    // apart from those, the message must be byte-identical.
    let local = String::from_utf8(std::fs::read(&files[0]).unwrap()).unwrap();
    let local: String = local.lines().filter(|l| !l.starts_with("X-TUID: ")).map(|l| format!("{l}\r\n")).collect();
    assert!(
        local.as_bytes() == &body[..],
        "not byte-identical after download ({} vs {} bytes)",
        local.len(),
        body.len()
    );
    // And back: a local message reaches the server.
    let new = dir.join("maildir/INBOX/new/1.local.host");
    std::fs::write(&new, b"From: near@example.org\r\nSubject: upload\r\n\r\nx\r\n").unwrap();
    assert!(run().status.success());
    c.select("INBOX").unwrap();
    assert_eq!(c.search(SearchKey::Subject("upload".try_into().unwrap())).unwrap().len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts Dovecot with the shared recipe (STARTTLS and implicit TLS on); stops it on drop.
struct Dovecot {
    dir: PathBuf,
    pid: String,
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(&self.pid).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn dovecot(port: u16, imaps: u16) -> Option<Dovecot> {
    let script = shared().join("start-dovecot.sh");
    if (!Path::new("/usr/sbin/dovecot").exists() || !script.exists())
        && missing("dovecot (apt-get install dovecot-imapd)")
    {
        return None;
    }
    let dir = std::env::temp_dir().join(format!("imapm-dovecot-{port}"));
    let out = Command::new("bash")
        .arg(script)
        .env("DOVECOT_DIR", &dir)
        .env("DOVECOT_PORT", port.to_string())
        .env("DOVECOT_IMAPS_PORT", imaps.to_string())
        .env("DOVECOT_SSL", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "dovecot: {}", String::from_utf8_lossy(&out.stderr));
    let pid = String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or("").trim().to_string();
    Some(Dovecot { dir, pid })
}

/// Trusts exactly the recipe's self-signed certificate (it is marked as a CA, which
/// webpki refuses as an end entity, so the test pins it instead).
#[derive(Debug)]
struct Pinned(rustls::pki_types::CertificateDer<'static>, Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        _: &[rustls::pki_types::CertificateDer<'_>],
        _: &rustls::pki_types::ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.0.as_ref() {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General("not the pinned certificate".into()))
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.1.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.1.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.1.signature_verification_algorithms.supported_schemes()
    }
}

fn dovecot_roots(dir: &Path) -> Arc<rustls::ClientConfig> {
    use rustls::pki_types::pem::PemObject;
    let cert = rustls::pki_types::CertificateDer::from_pem_file(dir.join("tls/cert.pem")).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Pinned(cert, provider)))
        .with_no_client_auth();
    Arc::new(config)
}

#[test]
fn blocking_client_against_dovecot() {
    let Some(d) = dovecot(14451, 14991) else { return };
    let tls = dovecot_roots(&d.dir);
    // STARTTLS, then the workflow.
    let mut c = Client::connect("127.0.0.1:14451").unwrap();
    c.starttls("localhost", tls.clone()).unwrap();
    c.login("alice", "secret").unwrap();
    c.run(imap_machine::types::CommandBody::Create { mailbox: "Work".try_into().unwrap(), special_use: vec![] })
        .unwrap();
    let msg = Bytes::from_static(b"From: a@example.org\r\nSubject: dovecot test\r\n\r\nhello\r\n");
    let uid = c.append("INBOX", &[], None, msg.clone()).unwrap();
    assert!(uid.is_some(), "Dovecot has UIDPLUS");
    let sel = c.select("INBOX").unwrap();
    assert_eq!(sel.exists, 1);
    let atts = FetchAttributes::List(vec![
        FetchAttribute::Envelope,
        FetchAttribute::BodyStructure,
        FetchAttribute::BodySection { peek: true, section: Default::default(), partial: None },
    ]);
    let got = c.fetch(1, atts).unwrap().collect_all().unwrap();
    assert!(got[0]
        .items()
        .iter()
        .any(|i| matches!(i, FetchItem::BodySection { data: Some(d), .. } if d.as_bytes() == &msg[..])));
    assert_eq!(c.uid_search(SearchKey::Subject("dovecot".try_into().unwrap())).unwrap().len(), 1);
    c.store(1, StoreKind::Add, &[Flag::Flagged]).unwrap();
    c.copy(1, "Work").unwrap();
    c.r#move(1, "Trash").unwrap_or_else(|_| {
        // Trash is auto-created by the recipe; a NO here would be a client bug.
        panic!("MOVE failed")
    });
    assert_eq!(c.machine().selected().unwrap().exists, 0);
    assert_eq!(c.examine("Work").unwrap().exists, 1);
    c.logout().unwrap();
    // Implicit TLS.
    let mut c = Client::connect_tls("127.0.0.1:14991", "localhost", tls).unwrap();
    c.login("alice", "secret").unwrap();
    assert!(c.list("", "*").unwrap().len() >= 2);
    c.logout().unwrap();
}

/// Runs `verify-clients.sh` for `peers` against our server with extra environment.
fn verify(peers: &str, env: &[(&str, &Path)]) {
    verify_peers(our_server(), peers, env);
}

#[test]
fn imapflow_and_node_imap_against_our_server() {
    let Some(dir) = node_peers() else { return };
    verify("imapflow,nodeimap", &[("NODE_DIR", &dir)]);
}

#[test]
fn python_imap_libraries_against_our_server() {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pyvenv");
    if !venv.join("bin/python").exists() {
        let ok = Command::new("python3").arg("-m").arg("venv").arg(&venv).status().is_ok_and(|s| s.success());
        if !ok && missing("python3 venv") {
            return;
        }
        let st = Command::new(venv.join("bin/pip"))
            .args(["install", "-q", "imapclient", "imap-tools", "aioimaplib"])
            .status()
            .unwrap();
        assert!(st.success(), "pip install imapclient imap-tools aioimaplib");
    }
    verify("pylibs", &[("PYVENV", &venv)]);
}

//! Third-party clients against `imapm serve` itself (the tokio server, the demo's memory
//! backend), started as a child process on 127.0.0.1: python imaplib, curl, mbsync,
//! imapflow and node-imap, via `../shared/peers/verify-clients.sh`. A missing tool is a
//! loud skip on a developer machine and a failure in CI (`CI` set), where `.ci/run`
//! installs them.

mod support;

use support::serve::serve;

#[path = "../../adapters/blocking/tests/support/peers_env.rs"]
mod peers_env;
use peers_env::{node_peers, verify_clients, verify_peers};

#[test]
fn imaplib_curl_and_mbsync_against_imapm_serve() {
    verify_clients(|| {
        let s = serve(&["--quiet"]);
        let port = s.addr.port();
        (s, port)
    });
}

/// The same clients (mbsync's round trip included) against `imapm serve --store maildir:`.
#[test]
fn imaplib_curl_and_mbsync_against_the_maildir_store() {
    let root = std::env::temp_dir().join(format!("imapm-peers-maildir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let store = format!("maildir:{}", root.display());
    verify_clients(|| {
        let s = serve(&["--quiet", "--store", &store]);
        let port = s.addr.port();
        (s, port)
    });
    let _ = std::fs::remove_dir_all(&root);
}

/// imapflow (which enables UTF8=ACCEPT when offered) and node-imap against `imapm serve`.
#[test]
fn imapflow_and_node_imap_against_imapm_serve() {
    let Some(dir) = node_peers() else { return };
    let s = serve(&["--quiet"]);
    verify_peers(s.addr.port(), "imapflow,nodeimap", &[("NODE_DIR", &dir)]);
}

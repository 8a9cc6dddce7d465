//! Third-party clients against `imapm serve` itself (the tokio server, the demo's memory
//! backend), started as a child process on 127.0.0.1: python imaplib, curl and mbsync, via
//! `../shared/peers/verify-clients.sh`. A missing tool is a loud skip on a developer
//! machine and a failure in CI (`CI` set), where `.ci/run` installs them.

mod support;

use support::serve::serve;

#[path = "../../adapters/blocking/tests/support/peers_env.rs"]
mod peers_env;
use peers_env::verify_clients;

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

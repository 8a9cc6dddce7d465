//! Third-party clients against `imapm serve` itself (the tokio server, the demo's memory
//! backend), started as a child process on 127.0.0.1: python imaplib, curl and mbsync, via
//! `../shared/peers/verify-clients.sh`. A missing tool is a loud skip on a developer
//! machine and a failure in CI (`CI` set), where `.ci/run` installs them.

mod support;

use std::process::Command;

use support::serve::serve;

#[path = "../../adapters/blocking/tests/support/peers_env.rs"]
mod peers_env;
use peers_env::{have, missing, shared};

#[test]
fn imaplib_curl_and_mbsync_against_imapm_serve() {
    let script = shared().join("verify-clients.sh");
    if !script.exists() && missing("the shared peers recipes") {
        return;
    }
    let mut peers = vec!["imaplib"];
    for tool in ["curl", "mbsync"] {
        if have(tool) {
            peers.push(tool);
        } else if missing(tool) {
            continue;
        }
    }
    let s = serve(&["--quiet"]);
    let out = Command::new("bash")
        .arg(&script)
        .args([s.addr.port().to_string().as_str(), "username", "password"])
        .env("PEERS", peers.join(","))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "peer checks failed:\n{text}");
    assert!(text.contains(&format!("{} passed, 0 failed", peers.len())), "{text}");
}

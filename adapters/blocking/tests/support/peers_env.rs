//! Where the shared peer recipes are, how a missing tool is reported, and the run of the
//! third-party clients: shared by this crate's `peers.rs` and `imapm serve`'s
//! (`cli/tests/peers.rs`).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// `../shared/peers` beside the checkout (the repository root is the first ancestor of
/// the crate that holds `.ci/`).
pub(crate) fn shared() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.ancestors().find(|d| d.join(".ci").is_dir()).unwrap_or(manifest);
    root.join("../shared/peers")
}

/// A missing tool: a loud skip on a developer machine (returns `true`), a failure in CI.
pub(crate) fn missing(what: &str) -> bool {
    if std::env::var_os("CI").is_some() {
        panic!("{what} is required in CI");
    }
    eprintln!("\n*** SKIP: {what} not found on this machine (CI installs it) ***\n");
    true
}

/// Whether `cmd` is on the PATH.
pub(crate) fn have(cmd: &str) -> bool {
    Command::new("sh").arg("-c").arg(format!("command -v {cmd}")).output().is_ok_and(|o| o.status.success())
}

/// `verify-clients.sh`: python imaplib, and curl and mbsync when present, against the
/// server that `start` brings up on 127.0.0.1. `start` returns what keeps the server
/// running (held until the clients are done) and its port.
pub(crate) fn verify_clients<G>(start: impl FnOnce() -> (G, u16)) {
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
    let (_server, port) = start();
    let out = Command::new("bash")
        .arg(&script)
        .args([port.to_string().as_str(), "username", "password"])
        .env("PEERS", peers.join(","))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "peer checks failed:\n{text}");
    assert!(text.contains(&format!("{} passed, 0 failed", peers.len())), "{text}");
}

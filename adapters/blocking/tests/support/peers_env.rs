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

/// A directory with imapflow and node-imap installed from the shared `package.json`
/// (npm, once per target directory); `None` after a loud skip when npm is missing.
pub(crate) fn node_peers() -> Option<PathBuf> {
    if !have("npm") && missing("npm") {
        return None;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("nodepeers");
    if !dir.join("node_modules/imapflow").exists() {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(shared().join("package.json"), dir.join("package.json")).unwrap();
        let st = Command::new("npm").args(["install", "--no-audit", "--no-fund"]).current_dir(&dir).status().unwrap();
        assert!(st.success(), "npm install imapflow node-imap");
    }
    Some(dir)
}

/// `verify-clients.sh` for `peers` (comma-separated) against 127.0.0.1:`port`, with extra
/// environment; every peer must pass.
pub(crate) fn verify_peers(port: u16, peers: &str, env: &[(&str, &Path)]) {
    let mut cmd = Command::new("bash");
    cmd.arg(shared().join("verify-clients.sh")).args([port.to_string().as_str(), "username", "password"]);
    cmd.env("PEERS", peers);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    println!("{text}{}", String::from_utf8_lossy(&out.stderr));
    let n = peers.split(',').count();
    assert!(out.status.success() && text.contains(&format!("{n} passed, 0 failed")), "{text}");
}

/// The message files of a Maildir folder (`cur/` and `new/`), as mbsync leaves them.
pub(crate) fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in ["cur", "new"] {
        if let Ok(rd) = std::fs::read_dir(dir.join(sub)) {
            out.extend(rd.map(|e| e.unwrap().path()));
        }
    }
    out
}

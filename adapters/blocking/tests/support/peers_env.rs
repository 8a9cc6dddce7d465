//! Where the shared peer recipes are, and how a missing tool is reported: shared by this
//! crate's `peers.rs` and `imapm serve`'s (`cli/tests/peers.rs`).

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

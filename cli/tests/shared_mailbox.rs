//! Two python imaplib connections on one `imapm serve` mailbox (`shared_mailbox.py`): after
//! the other session's STOREs, what each connection was last told about a message's flags
//! must be the truth. One test per scenario; python3 missing is a loud skip on a developer
//! machine and a failure in CI (`CI` set).

mod support;

use std::path::Path;
use std::process::Command;

use support::serve::serve;

#[path = "../../adapters/blocking/tests/support/peers_env.rs"]
mod peers_env;
use peers_env::{have, missing};

/// Runs `shared_mailbox.py SCENARIO` against a fresh `imapm serve` (the demo INBOX, whose
/// message 1 starts without flags) and fails with its transcript unless it passes.
fn scenario(name: &str) {
    if !have("python3") && missing("python3") {
        return;
    }
    let s = serve(&["--quiet"]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/shared_mailbox.py");
    let out = Command::new("python3")
        .arg(&script)
        .args([s.addr.port().to_string().as_str(), "username", "password", name])
        .output()
        .expect("run python3");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && text.contains(&format!("PASS {name}")), "{name} failed:\n{text}");
    println!("{text}");
}

/// Defect 1: A `STORE 1 FLAGS (\Answered)`, then B `STORE 1 FLAGS (\Draft)`: B must not be
/// told `(\Answered)` after its own `(\Draft)`, and NOOP must leave both at `(\Draft)`.
#[test]
fn imaplib_store_after_other_sessions_store_leaves_no_stale_flags() {
    scenario("stale-flags");
}

/// Defect 1 with `+FLAGS.SILENT` on both sides: the truth is `(\Answered \Draft)`.
#[test]
fn imaplib_silent_store_after_other_sessions_store_leaves_no_stale_flags() {
    scenario("stale-flags-silent");
}

/// Defect 2: A's `STORE 1 -FLAGS (\Deleted)` changes nothing; B sets `(\Flagged)` then
/// `()`; A's NOOP must end with `()`.
#[test]
fn imaplib_store_that_changes_nothing_does_not_hide_later_changes() {
    scenario("unchanged-store");
}

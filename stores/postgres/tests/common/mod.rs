//! The database the tests use: `IMAPM_PG_URL` (set by `.ci/run`, which starts one with
//! `.ci/postgres.sh`). Without it the tests are a loud SKIP, except under CI (`CI` set),
//! where a missing database fails.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};

/// The URL, or `None` (SKIP).
pub(crate) fn url(test: &str) -> Option<String> {
    match std::env::var("IMAPM_PG_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var_os("CI").is_none(),
                "IMAPM_PG_URL is unset: CI must start PostgreSQL (.ci/postgres.sh)"
            );
            eprintln!("\n*** SKIP {test}: IMAPM_PG_URL is unset (start one with .ci/postgres.sh) ***\n");
            None
        }
    }
}

/// A user name no other test or run has used.
pub(crate) fn fresh_user(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{prefix}-{}-{nanos}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed))
}

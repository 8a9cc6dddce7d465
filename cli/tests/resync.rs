//! `Client::resync` (RFC 7162 §6) against `imapm serve` as a child process, on the memory
//! store and on Maildir, the Maildir one restarted between the saved state and the resync:
//! mod-sequences and tombstones survive it, so QRESYNC still tells exactly what changed.

#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod support;

use std::time::Duration;

use imap_machine::client::{Resync, ResyncMethod, SyncState};
use imap_machine::types::{Flag, StoreKind};
use imap_machine_blocking::Client;
use support::serve::{serve, Serve};

fn login(s: &Serve, user: &str, pass: &str) -> Client {
    let mut c = Client::connect(s.addr).unwrap();
    c.set_timeout(Some(Duration::from_secs(20))).unwrap();
    c.login(user, pass).unwrap();
    c
}

fn message(n: u32) -> Vec<u8> {
    format!("From: a@example.org\r\nSubject: {n}\r\n\r\nbody {n}\r\n").into_bytes()
}

/// Saves a state of a new mailbox, restarts the server with `args` if `restart`, lets
/// another session flag, expunge and append, and resyncs.
fn scenario(args: &[&str], restart: bool) {
    let mut server = serve(args);
    let mut b = login(&server, "alice", "secret");
    b.create("Sync").unwrap();
    for n in 0..5 {
        b.append("Sync", &[], None, message(n)).unwrap();
    }
    let mut a = login(&server, "alice", "secret");
    let Resync::Changes(first) = a.resync("Sync", &SyncState::default()).unwrap() else { panic!("first sync") };
    let saved = first.state;
    assert_eq!(saved.uids.len(), 5);
    assert!(saved.highest_modseq.is_some());
    drop((a, b));
    if restart {
        drop(server);
        server = serve(args);
    }
    let mut b = login(&server, "alice", "secret");
    b.select("Sync").unwrap();
    b.uid_store(saved.uids[1].to_string().as_str(), StoreKind::Add, &[Flag::Flagged]).unwrap();
    b.uid_store(saved.uids[2].to_string().as_str(), StoreKind::Add, &[Flag::Deleted]).unwrap();
    b.uid_expunge(saved.uids[2].to_string().as_str()).unwrap();
    let new = b.append("Sync", &[], None, message(9)).unwrap().expect("APPENDUID").uid;

    let mut a = login(&server, "alice", "secret");
    let Resync::Changes(r) = a.resync("Sync", &saved).unwrap() else { panic!("same UIDVALIDITY") };
    assert_eq!(r.method, ResyncMethod::QResync);
    assert_eq!(r.vanished, [saved.uids[2]]);
    let changed: Vec<(u32, Vec<Flag>)> = r.changed.iter().map(|c| (c.uid, c.flags.clone())).collect();
    assert_eq!(changed, [(saved.uids[1], vec![Flag::Flagged]), (new, vec![])]);
    assert!(r.state.highest_modseq > saved.highest_modseq);
    // Nothing since: nothing.
    let Resync::Changes(again) = a.resync("Sync", &r.state).unwrap() else { panic!() };
    assert!(again.changed.is_empty() && again.vanished.is_empty(), "{again:?}");
}

#[test]
fn resync_against_imapm_serve() {
    scenario(&["--quiet", "--user", "alice:secret"], false);
}

#[test]
fn resync_against_imapm_serve_on_maildir_across_a_restart() {
    let dir = std::env::temp_dir().join(format!("imapm-resync-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = format!("maildir:{}", dir.display());
    scenario(&["--quiet", "--user", "alice:secret", "--store", &store], true);
    let _ = std::fs::remove_dir_all(&dir);
}

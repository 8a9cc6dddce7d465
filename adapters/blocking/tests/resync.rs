//! `Client::resync` of the blocking client (RFC 7162 §6) against the blocking server on the
//! memory store and against Dovecot, both with QRESYNC: a saved state, another session's
//! flag changes, expunges and appends, then one resync that must tell exactly those.

use imap_machine::client::{Resync, ResyncMethod, SyncState};
use imap_machine::types::{Flag, StoreKind};
use imap_machine_blocking::Client;

#[path = "support/demo.rs"]
mod demo;
#[path = "support/dovecot.rs"]
mod dovecot;
#[path = "support/peers_env.rs"]
mod peers_env;

fn message(subject: &str) -> Vec<u8> {
    format!("From: a@example.org\r\nSubject: {subject}\r\n\r\nhi\r\n").into_bytes()
}

fn scenario(addr: &str, user: &str, pass: &str) {
    let mut a = Client::connect(addr).unwrap();
    a.login(user, pass).unwrap();
    let mut b = Client::connect(addr).unwrap();
    b.login(user, pass).unwrap();
    b.create("Sync").unwrap();
    for k in 0..6 {
        b.append("Sync", &[], None, message(&format!("m{k}"))).unwrap();
    }
    let Resync::Changes(first) = a.resync("Sync", &SyncState::default()).unwrap() else { panic!("first sync") };
    let saved = first.state;
    assert_eq!(saved.uids.len(), 6);
    assert!(saved.highest_modseq.is_some());

    b.select("Sync").unwrap();
    b.uid_store(saved.uids[0].to_string().as_str(), StoreKind::Add, &[Flag::Answered]).unwrap();
    b.uid_store(saved.uids[3].to_string().as_str(), StoreKind::Add, &[Flag::Deleted]).unwrap();
    b.uid_expunge(saved.uids[3].to_string().as_str()).unwrap();
    let new = b.append("Sync", &[Flag::Seen], None, message("new")).unwrap().map(|u| u.uid);

    let Resync::Changes(r) = a.resync("Sync", &saved).unwrap() else { panic!("same UIDVALIDITY") };
    assert_eq!(r.method, ResyncMethod::QResync);
    assert_eq!(r.vanished, vec![saved.uids[3]]);
    let changed: Vec<(u32, Vec<Flag>)> = r.changed.iter().map(|c| (c.uid, c.flags.clone())).collect();
    let new = new.expect("APPENDUID");
    assert_eq!(changed, vec![(saved.uids[0], vec![Flag::Answered]), (new, vec![Flag::Seen])]);
    let mut want: Vec<u32> = saved.uids.iter().copied().filter(|u| *u != saved.uids[3]).collect();
    want.push(new);
    assert_eq!(r.state.uids, want);
    let stale = SyncState { uid_validity: saved.uid_validity ^ 1, ..saved };
    assert!(matches!(a.resync("Sync", &stale).unwrap(), Resync::StartOver { .. }));
}

#[test]
fn resync_against_the_blocking_server() {
    scenario(&demo::demo_server(), "username", "password");
}

#[test]
fn resync_against_dovecot() {
    let Some(d) = dovecot::start_dovecot("resync") else { return };
    scenario(&format!("127.0.0.1:{}", d.port), "alice", "secret");
}

//! `Client::resync` (RFC 7162 §6): one code path for the caller, whatever the server
//! offers. The same scenario runs against our server (QRESYNC), Dovecot with QRESYNC,
//! Dovecot advertising CONDSTORE only, and Dovecot advertising neither: save a state,
//! let another session change flags, expunge and append, resync, and compare what the
//! resync returned with what a fresh full FETCH says is true.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::dovecot::Dovecot;
use common::message;
use imap_machine::client::{Resync, ResyncMethod, SyncState};
use imap_machine::types::{Flag, FlagFetch, StoreKind};
use imap_machine_tokio::Client;

/// UID → flags (without `\Recent`), as a full `UID FETCH 1:* (FLAGS)` tells them.
async fn truth(c: &Client) -> BTreeMap<u32, Vec<Flag>> {
    let all = c.uid_fetch("1:*", "(UID FLAGS)").await.unwrap().collect().await.unwrap();
    all.iter()
        .map(|m| {
            let flags = m.flag_list().unwrap_or_default().into_iter().filter_map(|f| match f {
                FlagFetch::Flag(f) => Some(f),
                FlagFetch::Recent => None,
            });
            let mut flags: Vec<Flag> = flags.collect();
            flags.sort_by_key(|f| f.to_string());
            (m.uid().unwrap(), flags)
        })
        .collect()
}

fn sorted(mut flags: Vec<Flag>) -> Vec<Flag> {
    flags.sort_by_key(|f| f.to_string());
    flags
}

/// The scenario, on `addr` as `user`; `method` is what the server's capabilities lead to.
async fn scenario(addr: &str, user: (&str, &str), method: ResyncMethod) {
    let a = Client::connect(addr).await.unwrap();
    a.login(user.0, user.1).await.unwrap();
    let b = Client::connect(addr).await.unwrap();
    b.login(user.0, user.1).await.unwrap();
    b.create("Sync").await.unwrap();
    for k in 1..=12 {
        b.append("Sync", &[], None, message(&format!("m{k}"), "hi")).await.unwrap();
    }

    // First sync: nothing saved, so every message comes back.
    let Resync::Changes(first) = a.resync("Sync", &SyncState::default()).await.unwrap() else {
        panic!("a first sync starts nothing over")
    };
    assert_eq!(first.changed.len(), 12);
    assert!(first.vanished.is_empty());
    let saved = first.state.clone();
    assert_eq!(saved.uids.len(), 12);
    assert_eq!(saved.highest_modseq.is_some(), method != ResyncMethod::Full, "{saved:?}");
    a.logout().await.unwrap();

    // Another session changes the mailbox meanwhile.
    b.select("Sync").await.unwrap();
    b.uid_store(format!("{},{}", saved.uids[1], saved.uids[4]).as_str(), StoreKind::Add, &[Flag::Flagged])
        .await
        .unwrap();
    b.uid_store(saved.uids[7].to_string().as_str(), StoreKind::Add, &[Flag::Seen, Flag::Answered]).await.unwrap();
    let gone = [saved.uids[2], saved.uids[9]];
    b.uid_store(format!("{},{}", gone[0], gone[1]).as_str(), StoreKind::Add, &[Flag::Deleted]).await.unwrap();
    b.uid_expunge(format!("{},{}", gone[0], gone[1]).as_str()).await.unwrap();
    b.append("Sync", &[Flag::Draft], None, message("new1", "hi")).await.unwrap();
    b.append("Sync", &[], None, message("new2", "hi")).await.unwrap();
    b.noop().await.unwrap();
    let truth = truth(&b).await;

    let a = Client::connect(addr).await.unwrap();
    a.login(user.0, user.1).await.unwrap();
    let Resync::Changes(r) = a.resync("Sync", &saved).await.unwrap() else { panic!("UIDVALIDITY is the same") };
    assert_eq!(r.method, method);
    assert_eq!(r.vanished, gone.to_vec());
    assert_eq!(r.state.uids, truth.keys().copied().collect::<Vec<_>>());
    for c in &r.changed {
        assert_eq!(sorted(c.flags.clone()), truth[&c.uid], "UID {}", c.uid);
    }
    let changed: Vec<u32> = r.changed.iter().map(|c| c.uid).collect();
    if method == ResyncMethod::Full {
        assert_eq!(changed, r.state.uids, "a full resync lists every message");
    } else {
        // Exactly the changed and the new ones, each with a MODSEQ above the saved one.
        let mut want = vec![saved.uids[1], saved.uids[4], saved.uids[7]];
        want.extend(truth.keys().copied().filter(|u| !saved.uids.contains(u)));
        assert_eq!(changed, want);
        let old = saved.highest_modseq.unwrap();
        assert!(r.changed.iter().all(|c| c.modseq.is_some_and(|m| m > old)), "{r:?}");
        assert!(r.state.highest_modseq.unwrap() > old);

        // Nothing changed since: nothing comes back.
        let Resync::Changes(again) = a.resync("Sync", &r.state).await.unwrap() else { panic!() };
        assert!(again.changed.is_empty() && again.vanished.is_empty(), "{again:?}");
        assert_eq!(again.state, r.state);
    }

    // Another UIDVALIDITY: start over.
    let stale = SyncState { uid_validity: saved.uid_validity.wrapping_add(1).max(1), ..saved.clone() };
    assert!(matches!(a.resync("Sync", &stale).await.unwrap(), Resync::StartOver { .. }));
    a.logout().await.unwrap();
    b.logout().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_against_our_server_uses_qresync() {
    let s = common::server().await;
    let addr = s.addr.to_string();
    tokio::time::timeout(Duration::from_secs(30), scenario(&addr, ("username", "password"), ResyncMethod::QResync))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_against_dovecot_with_qresync() {
    let Some(d) = Dovecot::start("resync-qresync", 14361, 14411, false, None) else { return };
    tokio::time::timeout(Duration::from_secs(30), scenario(&d.addr(), ("alice", "secret"), ResyncMethod::QResync))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_against_dovecot_with_condstore_only() {
    let caps = "IMAP4rev1 LITERAL+ ENABLE UIDPLUS CONDSTORE";
    let Some(d) = Dovecot::start("resync-condstore", 14362, 14412, false, Some(caps)) else { return };
    tokio::time::timeout(Duration::from_secs(30), scenario(&d.addr(), ("alice", "secret"), ResyncMethod::CondStore))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_against_a_server_with_neither() {
    let caps = "IMAP4rev1 LITERAL+ ENABLE UIDPLUS";
    let Some(d) = Dovecot::start("resync-plain", 14363, 14413, false, Some(caps)) else { return };
    tokio::time::timeout(Duration::from_secs(30), scenario(&d.addr(), ("alice", "secret"), ResyncMethod::Full))
        .await
        .unwrap();
}

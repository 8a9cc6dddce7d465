//! `imapm serve --store maildir:PATH` as a child process: mail survives a restart and a
//! `kill -9` at any moment, and the Maildir is Dovecot's: what Dovecot wrote, `imapm`
//! serves with the same UIDs, flags, keywords, UIDVALIDITY and bytes, and what `imapm`
//! wrote, Dovecot serves the same way (`../shared/peers/start-dovecot.sh`; a loud skip
//! where Dovecot is missing, a failure in CI).

#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use imap_machine::types::{Flag, FlagFetch, StatusItem, StoreKind};
use imap_machine_blocking::Client;
use support::serve::serve;

#[path = "../../adapters/blocking/tests/support/dovecot.rs"]
mod dovecot;
#[path = "../../adapters/blocking/tests/support/peers_env.rs"]
mod peers_env;

/// A fresh directory under the system's temp dir, removed first if it exists.
fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("imapm-maildir-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn login(port: u16, user: &str, pass: &str) -> Client {
    let mut c = Client::connect(("127.0.0.1", port)).unwrap();
    c.set_timeout(Some(Duration::from_secs(20))).unwrap();
    c.login(user, pass).unwrap();
    c
}

fn message(n: u32) -> Vec<u8> {
    format!(
        "From: Ann <ann@example.org>\r\nTo: bob@example.org\r\nSubject: message {n}\r\n\
         Message-ID: <{n}@example.org>\r\n\r\nBody of message {n}.\r\nSecond line.\r\n"
    )
    .into_bytes()
}

/// One mailbox as a client is told it: UIDVALIDITY, UIDNEXT and, by UID, the flags (as
/// text, sorted, without `\Recent`) and the whole message.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    uid_validity: u64,
    uid_next: u64,
    messages: BTreeMap<u32, (Vec<String>, Vec<u8>)>,
}

fn seen(c: &mut Client, mailbox: &str) -> Seen {
    let st = c.status(mailbox, &[StatusItem::UidValidity, StatusItem::UidNext]).unwrap();
    let get = |item| st.iter().find(|(i, _)| *i == item).map(|(_, v)| *v).unwrap();
    c.examine(mailbox).unwrap();
    let mut messages = BTreeMap::new();
    for m in c.uid_fetch(1.., "(UID FLAGS BODY.PEEK[])").unwrap() {
        let m = m.unwrap();
        let mut flags: Vec<String> = m
            .flag_list()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|f| match f {
                FlagFetch::Flag(f) => Some(f.to_string()),
                FlagFetch::Recent => None,
            })
            .collect();
        flags.sort();
        messages.insert(m.uid().unwrap(), (flags, m.body().unwrap().to_vec()));
    }
    c.close().unwrap();
    Seen { uid_validity: get(StatusItem::UidValidity), uid_next: get(StatusItem::UidNext), messages }
}

/// The same mail, written through one server: three messages in INBOX (one expunged, so
/// UIDs have a gap), flags and keywords, and a sub-folder with its own.
fn fill(c: &mut Client) {
    let label = Flag::parse("$Label1").unwrap();
    for (n, flags) in
        [(1, vec![Flag::Seen]), (2, vec![Flag::Flagged, label.clone()]), (3, vec![]), (4, vec![Flag::Draft])]
    {
        c.append("INBOX", &flags, None, message(n)).unwrap();
    }
    c.select("INBOX").unwrap();
    c.uid_store(3, StoreKind::Add, &[Flag::Deleted]).unwrap();
    c.expunge().unwrap();
    c.uid_store(4, StoreKind::Add, &[Flag::Answered, Flag::parse("$Other").unwrap()]).unwrap();
    c.close().unwrap();
    c.create("Work/Sub").unwrap();
    c.append("Work/Sub", &[Flag::Seen, label], None, message(5)).unwrap();
}

fn mailboxes(c: &mut Client) -> BTreeMap<&'static str, Seen> {
    ["INBOX", "Work/Sub"].into_iter().map(|m| (m, seen(c, m))).collect()
}

#[test]
fn mail_survives_a_restart() {
    let root = fresh_dir("restart");
    let store = format!("maildir:{}", root.display());
    let before = {
        let s = serve(&["--quiet", "--store", &store]);
        let mut c = login(s.addr.port(), "username", "password");
        fill(&mut c);
        mailboxes(&mut c)
    };
    let s = serve(&["--quiet", "--store", &store]);
    let mut c = login(s.addr.port(), "username", "password");
    assert_eq!(mailboxes(&mut c), before);
    // And a new message after the restart gets a new UID.
    let uid = c.append("INBOX", &[], None, message(6)).unwrap().unwrap().uid;
    assert_eq!(u64::from(uid), before["INBOX"].uid_next);
    let _ = std::fs::remove_dir_all(&root);
}

/// Rounds of `kill -9` (50 by hand with IMAPM_CRASH_ROUNDS=50; 8 by default): a client
/// APPENDs and STOREs in a loop while the server is killed at a random moment. After each
/// restart every message whose APPEND was answered OK is there with its UID and body, and
/// no UID is ever given twice.
#[test]
fn kill_9_loses_no_acknowledged_append() {
    let rounds: u32 = std::env::var("IMAPM_CRASH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
    let root = fresh_dir("crash");
    let store = format!("maildir:{}", root.display());
    let mut acked: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
    let mut seed = 0x9e37_79b9_u64 ^ u64::from(std::process::id());
    let mut next = 0u32;
    for round in 0..rounds {
        let mut s = serve(&["--quiet", "--store", &store]);
        let port = s.addr.port();
        // Every message acknowledged before is there, with its bytes.
        {
            let mut c = login(port, "username", "password");
            let now = seen(&mut c, "INBOX");
            for (uid, body) in &acked {
                let got = now.messages.get(uid).map(|(_, b)| b);
                assert_eq!(got, Some(body), "round {round}: UID {uid} lost or changed");
            }
            // No UID below UIDNEXT can come again.
            assert!(acked.keys().all(|u| u64::from(*u) < now.uid_next), "round {round}: UIDNEXT went back");
        }
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let delay = Duration::from_millis(20 + (seed >> 33) % 180);
        let writer = std::thread::spawn(move || {
            let mut got = Vec::new();
            let Ok(mut c) = Client::connect(("127.0.0.1", port)) else { return got };
            if c.login("username", "password").is_err() || c.select("INBOX").is_err() {
                return got;
            }
            for k in 0.. {
                let body = message(next + k);
                match c.append("INBOX", &[], None, body.clone()) {
                    Ok(Some(a)) => got.push((a.uid, body)),
                    _ => return got,
                }
                if c.uid_store(1.., StoreKind::Add, &[Flag::Seen]).is_err() {
                    return got;
                }
            }
            got
        });
        std::thread::sleep(delay);
        let _ = s.child.kill(); // SIGKILL
        let _ = s.child.wait();
        let got = writer.join().unwrap();
        next += got.len() as u32 + 1;
        for (uid, body) in got {
            assert!(acked.insert(uid, body).is_none(), "round {round}: UID {uid} given twice");
        }
        drop(s);
    }
    assert!(acked.len() as u32 > rounds, "the writer got hardly anything acknowledged: {}", acked.len());
    let _ = std::fs::remove_dir_all(&root);
}

/// Makes `dir` (and what is in it) belong to the user Dovecot's mail processes run as
/// (`nobody` when the tests run as root), so that Dovecot can read and write what we wrote.
fn give_to_dovecot(dir: &Path) {
    let root = std::process::Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false);
    if root {
        let ok = std::process::Command::new("chown").args(["-R", "nobody:nogroup"]).arg(dir).status().unwrap();
        assert!(ok.success());
    }
}

#[test]
fn imapm_serves_what_dovecot_wrote() {
    let Some(d) = dovecot::start_dovecot("maildir-from") else { return };
    let mut c = login(d.port, "alice", "secret");
    fill(&mut c);
    let by_dovecot = mailboxes(&mut c);
    c.logout().unwrap();
    // imapm's user `alice` is Dovecot's Maildir.
    let root = fresh_dir("from-dovecot");
    std::os::unix::fs::symlink(d.dir.join("home/alice/Maildir"), root.join("alice")).unwrap();
    let store = format!("maildir:{}", root.display());
    let s = serve(&["--quiet", "--store", &store, "--user", "alice:secret"]);
    let mut c = login(s.addr.port(), "alice", "secret");
    assert_eq!(mailboxes(&mut c), by_dovecot);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn dovecot_serves_what_imapm_wrote() {
    let root = fresh_dir("to-dovecot");
    let store = format!("maildir:{}", root.display());
    let by_imapm = {
        let s = serve(&["--quiet", "--store", &store, "--user", "alice:secret"]);
        let mut c = login(s.addr.port(), "alice", "secret");
        fill(&mut c);
        mailboxes(&mut c)
    };
    let Some(d) = dovecot::start_dovecot("maildir-to") else { return };
    let maildir = d.dir.join("home/alice/Maildir");
    let _ = std::fs::remove_dir_all(&maildir);
    let copied = std::process::Command::new("cp").arg("-a").arg(root.join("alice")).arg(&maildir).status().unwrap();
    assert!(copied.success());
    give_to_dovecot(&maildir);
    let mut c = login(d.port, "alice", "secret");
    assert_eq!(mailboxes(&mut c), by_imapm);
    let _ = std::fs::remove_dir_all(&root);
}

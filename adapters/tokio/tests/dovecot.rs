//! Our tokio client against a real Dovecot 2.3 on 127.0.0.1, started by the test with
//! the recipe `../shared/peers/start-dovecot.sh` (relative to the workspace root).
//!
//! Without `/usr/sbin/dovecot` the tests print a loud SKIP and pass, except under CI
//! (`CI` set), where a missing Dovecot fails them.

mod common;

use common::dovecot::Dovecot;

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use common::message;
use imap_machine::types::{Capability, Flag, FlagFetch, Mailbox, StatusItem, StoreKind};
use imap_machine_tokio::{tls, Client, Update};

async fn alice(d: &Dovecot) -> Client {
    let c = Client::connect(d.addr()).await.unwrap();
    c.login("alice", "secret").await.unwrap();
    c
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    statm.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()).unwrap_or(0) * 4096
}

/// Writes `n` messages of about `size` bytes straight into a Maildir++ folder of
/// `home`, owned like `home` (Dovecot indexes them at SELECT).
fn fill_maildir(home: &Path, folder: &str, n: usize, size: usize) {
    let meta = std::fs::metadata(home).unwrap();
    let (uid, gid) = (meta.uid(), meta.gid());
    let maildir = home.join("Maildir");
    let target = maildir.join(format!(".{folder}"));
    for d in [&maildir, &target] {
        for sub in ["", "cur", "new", "tmp"] {
            let p = d.join(sub);
            std::fs::create_dir_all(&p).unwrap();
            std::os::unix::fs::chown(&p, Some(uid), Some(gid)).unwrap();
        }
    }
    let filler = "0123456789abcdef".repeat(size / 16 / 64 + 1);
    let body: String = (0..64).map(|_| format!("{filler}\r\n")).collect();
    for k in 0..n {
        let p = target.join("cur").join(format!("1700000000.M{k}P1.test:2,"));
        std::fs::write(&p, message(&format!("bulk {k}"), &body)).unwrap();
        std::os::unix::fs::chown(&p, Some(uid), Some(gid)).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dovecot_workflow_idle_tls_and_big_fetch() {
    let Some(d) = Dovecot::start("main", 14343, 14393, true, None) else { return };
    fill_maildir(&d.home("alice"), "Bulk", 10_000, 4096);
    tokio::time::timeout(Duration::from_secs(60), async {
        // Plain connection, LOGIN (Dovecot here allows plaintext auth).
        let c = Client::connect(d.addr()).await.unwrap();
        assert!(c.capabilities().await.unwrap().contains(&Capability::StartTls));
        c.login("alice", "secret").await.unwrap();
        let caps = c.capabilities().await.unwrap();
        for cap in [Capability::Move, Capability::UidPlus, Capability::Idle] {
            assert!(caps.contains(&cap), "{cap:?} in {caps:?}");
        }

        // LIST, CREATE
        c.create("Work").await.unwrap();
        let names: Vec<String> =
            c.list("", "*").await.unwrap().iter().map(|i| i.mailbox.to_utf8().unwrap().into_owned()).collect();
        for n in ["INBOX", "Sent", "Trash", "Work", "Bulk"] {
            assert!(names.iter().any(|x| x == n), "{n} in {names:?}");
        }

        // APPEND with APPENDUID
        let mut sent = Vec::new();
        for k in 0..3 {
            let m = message(&format!("dove{k}"), &format!("body {k}"));
            let au = c.append("INBOX", &[], None, m.clone()).await.unwrap().expect("APPENDUID");
            assert_eq!(au.uid, k + 1);
            sent.push(m);
        }

        // SELECT, FETCH ENVELOPE BODYSTRUCTURE BODY[]
        let inbox = c.select("INBOX").await.unwrap();
        assert_eq!(inbox.exists, 3);
        assert!(inbox.uid_validity.is_some());
        let all = c.fetch("1:*", "(UID ENVELOPE BODYSTRUCTURE BODY[])").await.unwrap().collect().await.unwrap();
        assert_eq!(all.len(), 3);
        for (k, m) in all.iter().enumerate() {
            assert_eq!(m.seq() as usize, k + 1);
            let subject = m.envelope().unwrap().subject_text().unwrap();
            assert_eq!(subject, format!("dove{k}"));
            assert!(m.body_structure().is_some());
            assert_eq!(&m.body().unwrap()[..], &sent[k][..]);
        }

        // SEARCH
        assert_eq!(c.search("SUBJECT dove1").await.unwrap(), vec![2]);
        assert_eq!(c.uid_search("ALL").await.unwrap(), vec![1, 2, 3]);

        // STORE, COPY, MOVE, EXPUNGE
        let stored = c.store("1:2", StoreKind::Add, &[Flag::Flagged]).await.unwrap();
        assert_eq!(stored.len(), 2);
        assert!(stored.iter().all(|(_, f)| f.contains(&FlagFetch::Flag(Flag::Flagged))));
        let copied = c.copy(1, "Work").await.unwrap().expect("COPYUID");
        assert_eq!(copied.source.to_string(), "1");
        let moved = c.r#move(2, "Work").await.unwrap().expect("COPYUID");
        assert_eq!(moved.source.to_string(), "2");
        assert_eq!(c.selected().unwrap().exists, 2);
        c.store(1, StoreKind::Add, &[Flag::Deleted]).await.unwrap();
        assert_eq!(c.expunge().await.unwrap(), vec![1]);
        assert_eq!(c.selected().unwrap().exists, 1);
        let work = c.status("Work", &[StatusItem::Messages]).await.unwrap();
        assert_eq!(work, vec![(StatusItem::Messages, 2)]);

        // IDLE receiving another connection's APPEND
        let mut idle = c.idle().await.unwrap();
        let other = alice(&d).await;
        other.append("INBOX", &[], None, message("pushed", "hi")).await.unwrap();
        let mut got_exists = false;
        for _ in 0..5 {
            match idle.wait(Duration::from_secs(5)).await.unwrap() {
                Some(Update::Exists(2)) => {
                    got_exists = true;
                    break;
                }
                Some(_) => {}
                None => break,
            }
        }
        assert!(got_exists, "IDLE saw the other connection's APPEND");
        idle.done().await.unwrap();
        assert_eq!(c.selected().unwrap().exists, 2);
        other.logout().await.unwrap();

        // FETCH of 10,000 messages as a stream, memory flat.
        let bulk = c.examine("Bulk").await.unwrap();
        assert_eq!(bulk.exists, 10_000);
        let before = rss_bytes();
        let mut stream = c.fetch("1:*", "(UID RFC822.SIZE BODY.PEEK[])").await.unwrap();
        let (mut n, mut bytes, mut peak) = (0u32, 0usize, 0u64);
        while let Some(m) = stream.next().await {
            let m = m.unwrap();
            n += 1;
            assert_eq!(m.seq(), n);
            bytes += m.body().unwrap().len();
            if n % 500 == 0 {
                peak = peak.max(rss_bytes());
            }
        }
        assert_eq!(n, 10_000);
        assert!(bytes > 40_000_000, "{bytes} bytes fetched");
        let growth = peak.saturating_sub(before);
        eprintln!("fetched {n} messages, {bytes} bytes; RSS growth {} KiB", growth / 1024);
        assert!(growth < (bytes as u64) / 2, "memory grew by {growth} for {bytes} bytes streamed");
        c.logout().await.unwrap();

        // STARTTLS, pinning Dovecot's self-signed certificate (openssl marks it a CA).
        let certs = tls::certs_from_pem_file(d.dir.join("tls/cert.pem")).unwrap();
        let config = tls::client_config_pinned(certs).unwrap();
        let s = Client::connect(d.addr()).await.unwrap();
        s.starttls("localhost", config.clone()).await.unwrap();
        assert!(!s.capabilities().await.unwrap().contains(&Capability::StartTls));
        s.login("alice", "secret").await.unwrap();
        assert_eq!(s.select("INBOX").await.unwrap().exists, 2);
        s.logout().await.unwrap();

        // Implicit TLS.
        let t = Client::connect_tls(format!("127.0.0.1:{}", d.imaps_port), "localhost", config).await.unwrap();
        t.login("alice", "secret").await.unwrap();
        assert_eq!(t.examine("Work").await.unwrap().exists, 2);
        t.logout().await.unwrap();
    })
    .await
    .expect("Dovecot test timed out");
}

#[tokio::test]
async fn dovecot_move_fallback_without_move_capability() {
    let caps = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ UIDPLUS";
    let Some(d) = Dovecot::start("nomove", 14344, 14394, false, Some(caps)) else { return };
    tokio::time::timeout(Duration::from_secs(20), async {
        let c = alice(&d).await;
        assert!(!c.has_capability(&Capability::Move).await.unwrap());
        c.create("Work").await.unwrap();
        for k in 0..4 {
            c.append("INBOX", &[], None, message(&format!("m{k}"), "x")).await.unwrap();
        }
        c.select("INBOX").await.unwrap();
        c.store(1, StoreKind::Add, &[Flag::Deleted]).await.unwrap();
        // By sequence number: resolved to UIDs, then UID COPY/STORE/EXPUNGE.
        let moved = c.r#move("2:3", "Work").await.unwrap().expect("COPYUID");
        assert_eq!(moved.destination.to_string(), "1:2");
        // Message 1 was \Deleted before: UID EXPUNGE left it alone.
        assert_eq!(c.selected().unwrap().exists, 2);
        let moved = c.uid_move(4, Mailbox::from_utf8("Work").unwrap()).await.unwrap().expect("COPYUID");
        assert_eq!(moved.source.to_string(), "4");
        assert_eq!(c.selected().unwrap().exists, 1);
        let work = c.status("Work", &[StatusItem::Messages]).await.unwrap();
        assert_eq!(work, vec![(StatusItem::Messages, 3)]);
        c.logout().await.unwrap();
    })
    .await
    .expect("Dovecot test timed out");
}

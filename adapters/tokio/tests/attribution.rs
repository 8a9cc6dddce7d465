//! What a command returns is its own answer only: untagged data another session caused
//! goes to the updates (the client machine attributes each response), and an IDLE reports
//! only what arrives after it began.

mod common;

use std::time::Duration;

use common::{login, message, server};
use imap_machine::types::{Flag, StoreKind};
use imap_machine_tokio::Update;

const T: Duration = Duration::from_secs(10);

async fn timed<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(T, f).await.expect("test step timed out")
}

#[tokio::test]
async fn results_hold_only_the_messages_asked_for() {
    let srv = server().await;
    timed(async {
        let a = login(srv.addr).await;
        let b = login(srv.addr).await;
        a.append("INBOX", &[], None, message("second", "x")).await.unwrap();
        a.select("INBOX").await.unwrap();
        b.select("INBOX").await.unwrap();
        // Another session toggles \Flagged on message 1, before each of A's commands.
        for (k, what) in ["FLAGS", "(UID FLAGS)", "ENVELOPE"].iter().enumerate() {
            let kind = if k % 2 == 0 { StoreKind::Add } else { StoreKind::Remove };
            b.store(1, kind, &[Flag::Flagged]).await.unwrap();
            let got = a.fetch(2, *what).await.unwrap().collect().await.unwrap();
            let seqs: Vec<u32> = got.iter().map(|(s, _)| *s).collect();
            assert_eq!(seqs, vec![2], "FETCH 2 {what}");
        }
        b.store(1, StoreKind::Add, &[Flag::Seen]).await.unwrap();
        let stored = a.store(2, StoreKind::Add, &[Flag::Answered]).await.unwrap();
        let seqs: Vec<u32> = stored.iter().map(|(s, _)| *s).collect();
        assert_eq!(seqs, vec![2], "STORE 2");
        // Message 1's changes reached A as updates.
        let mut flags_of_1 = 0;
        while let Some(u) = a.try_next_update() {
            if matches!(u, Update::Flags { seq: 1, .. }) {
                flags_of_1 += 1;
            }
        }
        assert!(flags_of_1 >= 1, "the other session's changes are updates");
    })
    .await;
}

#[tokio::test]
async fn idle_reports_only_what_comes_after_it_began() {
    let srv = server().await;
    timed(async {
        let a = login(srv.addr).await;
        let b = login(srv.addr).await;
        a.select("INBOX").await.unwrap();
        // A's own APPEND queues an EXISTS update before the IDLE.
        a.append("INBOX", &[], None, message("own", "x")).await.unwrap();
        a.noop().await.unwrap();
        let mut idle = a.idle().await.unwrap();
        assert_eq!(idle.wait(Duration::from_millis(300)).await.unwrap(), None, "nothing new yet");
        b.append("INBOX", &[], None, message("theirs", "x")).await.unwrap();
        let u = idle.wait(Duration::from_secs(5)).await.unwrap();
        assert!(matches!(u, Some(Update::Exists(3))), "{u:?}");
        idle.done().await.unwrap();
        // The earlier update is still there for the caller who asks outside IDLE.
        assert!(matches!(a.try_next_update(), Some(Update::Exists(2))));
    })
    .await;
}

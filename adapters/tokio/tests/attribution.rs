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
            let seqs: Vec<u32> = got.iter().map(|m| m.seq()).collect();
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

#[tokio::test]
async fn body_of_a_partial_fetch() {
    let srv = server().await;
    timed(async {
        let a = login(srv.addr).await;
        a.select("INBOX").await.unwrap();
        let got = a.fetch(1, "BODY.PEEK[]<0.20>").await.unwrap().collect().await.unwrap();
        let body = got[0].body().expect("the partial body");
        assert_eq!(&body[..], b"From: imap-machine <");
    })
    .await;
}

#[tokio::test]
async fn argument_and_state_errors_come_at_once_and_name_the_argument() {
    let srv = server().await;
    timed(async {
        let c = imap_machine_tokio::Client::connect(srv.addr).await.unwrap();
        // Before login, FETCH fails like STORE does: at the call, not later in the stream.
        assert!(c.fetch(1, "FLAGS").await.is_err());
        assert!(c.store(1, imap_machine::types::StoreKind::Add, &[Flag::Seen]).await.is_err());
        c.login("username", "password").await.unwrap();
        c.select("INBOX").await.unwrap();
        // A list without parentheses is the list the user meant.
        let got = c.fetch("1:*", "ENVELOPE FLAGS").await.unwrap().collect().await.unwrap();
        assert_eq!(got.len(), 1);
        // A bad attribute is named in the user's own text.
        let Err(e) = c.fetch(1, "(FLAGS ENVELOOPE)").await else { panic!("accepted") };
        let e = e.to_string();
        assert!(e.contains("(FLAGS ENVELOOPE)") && e.contains("character 8"), "{e}");
        assert!(!e.contains("byte"), "{e}");
    })
    .await;
}

#[tokio::test]
async fn fetch_stream_is_a_futures_stream() {
    use futures_core::Stream;
    let srv = server().await;
    timed(async {
        let a = login(srv.addr).await;
        a.append("INBOX", &[], None, message("second", "x")).await.unwrap();
        a.select("INBOX").await.unwrap();
        let mut s = a.fetch("1:*", "(UID ENVELOPE)").await.unwrap();
        let mut subjects = Vec::new();
        while let Some(m) = std::future::poll_fn(|cx| std::pin::Pin::new(&mut s).poll_next(cx)).await {
            let m = m.unwrap();
            subjects.push(m.envelope().and_then(|e| e.subject_text()).unwrap_or_default());
        }
        assert_eq!(subjects, ["Welcome to imap-machine", "second"]);
    })
    .await;
}

#[tokio::test]
async fn concurrent_commands_get_their_own_answers() {
    let srv = server().await;
    timed(async {
        let a = login(srv.addr).await;
        for k in 0..4 {
            a.append("INBOX", &[], None, message(&format!("m{k}"), "x")).await.unwrap();
        }
        a.select("INBOX").await.unwrap();
        // Pipelined on one connection: the machine tells each answer's command.
        let (x, y, s1, s2) = tokio::join!(
            async { a.fetch("1:2", "(UID ENVELOPE)").await.unwrap().collect().await.unwrap() },
            async { a.fetch("4:5", "(UID ENVELOPE)").await.unwrap().collect().await.unwrap() },
            a.search("SUBJECT m1"),
            a.search("SUBJECT m3"),
        );
        assert_eq!(x.iter().map(|m| m.seq()).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(y.iter().map(|m| m.seq()).collect::<Vec<_>>(), vec![4, 5]);
        assert_eq!(s1.unwrap(), vec![3]);
        assert_eq!(s2.unwrap(), vec![5]);
    })
    .await;
}

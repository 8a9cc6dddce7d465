//! MULTIAPPEND (RFC 3502) and CATENATE (RFC 4469) of our tokio client against a real
//! Dovecot 2.3 on 127.0.0.1 (which serves both), started as in `dovecot.rs` with
//! `../shared/peers/start-dovecot.sh`: once with LITERAL+ (every literal at once) and once
//! advertising no LITERAL+, so each synchronising literal waits for its `+`.
//!
//! Without `/usr/sbin/dovecot` the tests print a loud SKIP and pass, except under CI
//! (`CI` set), where a missing Dovecot fails them.

mod common;

use common::dovecot::Dovecot;

use std::time::Duration;

use common::message;
use imap_machine::types::{AppendData, AppendMessage, CatPart, Code, Flag, IString, Literal};
use imap_machine_tokio::{Client, Error};

async fn alice(d: &Dovecot) -> Client {
    let c = Client::connect(d.addr()).await.unwrap();
    c.login("alice", "secret").await.unwrap();
    c
}

fn whole(flags: Vec<Flag>, body: Vec<u8>) -> AppendMessage {
    AppendMessage { flags, date: None, data: AppendData::Literal(Literal::new(body).unwrap()) }
}

async fn exercise(d: &Dovecot) {
    let c = alice(d).await;
    c.create("Multi").await.unwrap();
    let mut long = message("long", "");
    long.resize(200_000, b'x');
    long.extend_from_slice(b"\r\n");
    let messages = vec![
        whole(vec![Flag::Seen], message("one", "first")),
        whole(vec![], long.clone()),
        whole(vec![Flag::Flagged], message("three", "third")),
    ];
    let uids = c.multiappend("Multi", messages).await.unwrap().expect("APPENDUID");
    assert_eq!(uids.uids, "1:3".parse().unwrap());
    let v = uids.uid_validity;
    let inbox = c.select("Multi").await.unwrap();
    assert_eq!(inbox.exists, 3);
    let got = c.uid_fetch("2", "BODY.PEEK[]").await.unwrap().collect().await.unwrap();
    assert_eq!(got[0].body().unwrap(), &long[..]);

    // CATENATE: the header of message 1, a text, the body of message 3.
    let parts = vec![
        CatPart::Url(IString::try_from(format!("/Multi;UIDVALIDITY={v}/;UID=1/;SECTION=HEADER")).unwrap()),
        CatPart::Text(Literal::new(&b"built: "[..]).unwrap()),
        CatPart::Url(IString::try_from(format!("/Multi;UIDVALIDITY={v}/;UID=3/;SECTION=TEXT")).unwrap()),
    ];
    let uid = c.catenate("Multi", &[Flag::Draft], None, parts).await.unwrap().expect("APPENDUID");
    assert_eq!((uid.uid_validity, uid.uid), (v, 4));
    let got = c.uid_fetch("4", "BODY.PEEK[]").await.unwrap().collect().await.unwrap();
    let header = message("one", "");
    let want = [&header[..header.len() - 2], b"built: third\r\n"].concat();
    assert_eq!(got[0].body().unwrap(), &want[..]);

    // A URL that does not resolve: NO [BADURL ...], and nothing of the command is kept.
    let bad = AppendMessage {
        flags: vec![],
        date: None,
        data: AppendData::Catenate(vec![CatPart::Url(
            IString::try_from(format!("/Multi;UIDVALIDITY={v}/;UID=99")).unwrap(),
        )]),
    };
    match c.multiappend("Multi", vec![whole(vec![], message("x", "y")), bad]).await {
        Err(Error::No(st)) => assert!(matches!(st.code, Some(Code::BadUrl(_))), "{st:?}"),
        other => panic!("expected NO [BADURL], got {other:?}"),
    }
    c.noop().await.unwrap();
    assert_eq!(c.selected().unwrap().exists, 4);
    c.logout().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dovecot_multiappend_and_catenate_with_literal_plus() {
    let Some(d) = Dovecot::start("append-plus", 14347, 14397, false, None) else { return };
    tokio::time::timeout(Duration::from_secs(60), exercise(&d)).await.expect("timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dovecot_multiappend_and_catenate_with_synchronising_literals() {
    let caps = "IMAP4rev1 IDLE UIDPLUS MULTIAPPEND CATENATE URL-PARTIAL";
    let Some(d) = Dovecot::start("append-sync", 14348, 14398, false, Some(caps)) else { return };
    tokio::time::timeout(Duration::from_secs(60), exercise(&d)).await.expect("timed out");
}

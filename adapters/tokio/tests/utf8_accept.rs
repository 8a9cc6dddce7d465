//! UTF8=ACCEPT (RFC 6855) and the PARTIAL UID FETCH modifier (RFC 9394) over 127.0.0.1.
//! Our tokio client enables UTF8=ACCEPT on our server and appends a message with UTF-8
//! header fields in the UTF8 form (§4) and as a plain literal; a client that did not
//! enable it is refused (`NO [CANNOT]`); a server that does not advertise it is not sent
//! the UTF8 form. `uid_fetch_partial` pages through a set.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{login, server};
use imap_machine::types::{AppendData, AppendMessage, Capability, Code, Literal, PartialRange, Rfc5530Code};
use imap_machine_tokio::Error;

const T: Duration = Duration::from_secs(10);

const MESSAGE: &str = "From: Jürgen <j@example.org>\r\nSubject: Grüße\r\n\r\nHallo\r\n";

fn utf8() -> AppendMessage {
    AppendMessage { flags: vec![], date: None, data: AppendData::Utf8(Bytes::from_static(MESSAGE.as_bytes())) }
}

fn plain() -> AppendMessage {
    AppendMessage::literal(Literal::new(Bytes::from_static(MESSAGE.as_bytes())).unwrap())
}

#[tokio::test]
async fn utf8_headers_after_enable_and_refused_before() {
    let srv = server().await;
    tokio::time::timeout(T, async {
        let c = login(srv.addr).await;
        assert!(c.has_capability(&Capability::Utf8Accept).await.unwrap());
        // Not enabled: NO [CANNOT] in either form, and nothing is stored.
        for m in [utf8(), plain()] {
            let Err(Error::No(st)) = c.multiappend("INBOX", vec![m]).await else { panic!("refused") };
            assert_eq!(st.code, Some(Code::Rfc5530(Rfc5530Code::Cannot)), "{st:?}");
        }
        assert_eq!(c.enable(&[Capability::Utf8Accept]).await.unwrap(), vec![Capability::Utf8Accept]);
        let uids = c.multiappend("INBOX", vec![utf8(), plain()]).await.unwrap().expect("APPENDUID");
        assert_eq!(uids.uids.iter(u32::MAX).count(), 2, "{uids:?}");
        let inbox = c.select("INBOX").await.unwrap();
        assert_eq!(inbox.exists, 3, "the demo message and the two");
        let got = c.fetch("2:3", "(ENVELOPE BODY.PEEK[])").await.unwrap().collect().await.unwrap();
        for m in &got {
            let subject = m.envelope().and_then(|e| e.subject()).map(|s| s.value().into_owned());
            assert_eq!(subject.as_deref(), Some("Grüße".as_bytes()));
            assert_eq!(m.body().as_deref(), Some(MESSAGE.as_bytes()), "stored as sent");
        }
        // SEARCH with UTF-8 and no CHARSET (§3).
        assert_eq!(c.search("SUBJECT \"grüße\"").await.unwrap(), vec![2, 3]);
        c.logout().await.unwrap();
    })
    .await
    .expect("timed out");
}

#[tokio::test]
async fn a_server_without_utf8_accept_is_not_sent_the_utf8_form() {
    let srv = common::server_with(|mut s| {
        s.options_mut().extra_capabilities.retain(|c| *c != Capability::Utf8Accept);
        s
    })
    .await;
    tokio::time::timeout(T, async {
        let c = login(srv.addr).await;
        assert!(matches!(c.multiappend("INBOX", vec![utf8()]).await, Err(Error::Unsupported("UTF8=ACCEPT"))));
        // Such a server takes 8-bit headers from anyone, as Dovecot 2.3 does.
        assert!(c.multiappend("INBOX", vec![plain()]).await.unwrap().is_some());
        assert_eq!(c.enable(&[Capability::Utf8Accept]).await.unwrap(), Vec::<Capability>::new());
        c.logout().await.unwrap();
    })
    .await
    .expect("timed out");
}

#[tokio::test]
async fn uid_fetch_partial_pages_through_a_set() {
    // RFC 9394 §3.3 (the PARTIAL capability, beside UTF8=ACCEPT in the same release).
    let srv = server().await;
    tokio::time::timeout(T, async {
        let c = login(srv.addr).await;
        for _ in 0..4 {
            c.multiappend("INBOX", vec![AppendMessage::literal(Literal::new(&b"Subject: p\r\n\r\nx"[..]).unwrap())])
                .await
                .unwrap();
        }
        c.select("INBOX").await.unwrap();
        let nz = |n| std::num::NonZeroU32::new(n).unwrap();
        for (range, want) in [
            (PartialRange::First(nz(2), nz(3)), vec![2, 3]),
            (PartialRange::Last(nz(1), nz(2)), vec![4, 5]),
            (PartialRange::Last(nz(9), nz(7)), vec![]),
        ] {
            let got = c.uid_fetch_partial("1:*", "FLAGS", range).await.unwrap().collect().await.unwrap();
            assert_eq!(got.iter().map(|m| m.uid().unwrap()).collect::<Vec<_>>(), want, "{range}");
        }
        c.logout().await.unwrap();
    })
    .await
    .expect("timed out");
}

//! MULTIAPPEND (RFC 3502) and CATENATE (RFC 4469): our tokio client against our tokio
//! server on the memory backend, over 127.0.0.1. A long message among them is streamed
//! to the store; a URL that does not resolve refuses the whole command.

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{login, message, server};
use imap_machine::types::{AppendData, AppendMessage, CatPart, Code, Flag, IString, Literal};
use imap_machine_tokio::Error;

const T: Duration = Duration::from_secs(30);

fn whole(flags: Vec<Flag>, body: Vec<u8>) -> AppendMessage {
    AppendMessage { flags, date: None, data: AppendData::Literal(Literal::new(body).unwrap()) }
}

#[tokio::test]
async fn multiappend_and_catenate_on_loopback() {
    let srv = server().await;
    tokio::time::timeout(T, async {
        let c = login(srv.addr).await;
        // Two short messages and a long one (streamed), in one command.
        let mut long = message("long", "");
        long.resize(300_000, b'x');
        long.extend_from_slice(b"\r\n");
        let messages = vec![
            whole(vec![Flag::Seen], message("one", "first")),
            whole(vec![], long.clone()),
            whole(vec![Flag::Flagged], message("three", "third")),
        ];
        let uids = c.multiappend("INBOX", messages).await.unwrap().expect("APPENDUID");
        assert_eq!(uids.uids, "2:4".parse().unwrap());
        let inbox = c.select("INBOX").await.unwrap();
        assert_eq!(inbox.exists, 4);
        let v = uids.uid_validity;

        // A message made of the header of one, a text, and the body of another.
        let parts = vec![
            CatPart::Url(IString::try_from(format!("/INBOX;UIDVALIDITY={v}/;UID=2/;SECTION=HEADER")).unwrap()),
            CatPart::Text(Literal::new(&b"built: "[..]).unwrap()),
            CatPart::Url(IString::try_from(format!("/INBOX;UIDVALIDITY={v}/;UID=4/;SECTION=TEXT")).unwrap()),
        ];
        let uid = c.catenate("INBOX", &[Flag::Draft], None, parts).await.unwrap().expect("APPENDUID");
        assert_eq!((uid.uid_validity, uid.uid), (v, 5));
        let got = c.uid_fetch("5", "BODY.PEEK[]").await.unwrap().collect().await.unwrap();
        let header = message("one", "");
        let want = [&header[..header.len() - 2], b"built: third\r\n"].concat();
        assert_eq!(got[0].body().unwrap(), &want[..]);
        let got = c.uid_fetch("3", "BODY.PEEK[]").await.unwrap().collect().await.unwrap();
        assert_eq!(got[0].body().unwrap(), &long[..]);

        // A URL that does not resolve: NO [BADURL], and the first message is not kept.
        let bad = AppendMessage {
            flags: vec![],
            date: None,
            data: AppendData::Catenate(vec![CatPart::Url(IString::from_static("/INBOX/;UID=99"))]),
        };
        match c.multiappend("INBOX", vec![whole(vec![], message("x", "y")), bad]).await {
            Err(Error::No(st)) => assert_eq!(st.code, Some(Code::BadUrl(Bytes::from_static(b"/INBOX/;UID=99")))),
            other => panic!("expected NO [BADURL], got {other:?}"),
        }
        c.noop().await.unwrap();
        assert_eq!(c.selected().unwrap().exists, 5);
        // Nothing to append is an argument error, not a command.
        assert!(matches!(c.multiappend("INBOX", vec![]).await, Err(Error::InvalidArgument(_))));
        c.logout().await.unwrap();
    })
    .await
    .expect("timed out");
}

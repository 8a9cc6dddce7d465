//! METADATA (RFC 5464) from our tokio client against our server on the memory store: one
//! connection sets server and mailbox entries, another reads them back with DEPTH and
//! MAXSIZE, and removes one with NIL.

mod common;

use std::time::Duration;

use bytes::Bytes;
use imap_machine::types::{IString, MetadataDepth, MetadataOptions};
use imap_machine_tokio::Error;

const T: Duration = Duration::from_secs(10);

fn entry(name: &'static str, value: Option<&'static str>) -> (IString, Option<Bytes>) {
    (IString::from_static(name), value.map(|v| Bytes::from_static(v.as_bytes())))
}

#[tokio::test]
async fn entries_set_by_one_connection_are_read_by_another() {
    let srv = common::server().await;
    tokio::time::timeout(T, async {
        let (a, b) = (common::login(srv.addr).await, common::login(srv.addr).await);
        a.set_metadata("", vec![entry("/shared/comment", Some("hello")), entry("/private/x/y", Some("deep"))])
            .await
            .unwrap();
        a.set_metadata("INBOX", vec![entry("/private/comment", Some("a longer comment"))]).await.unwrap();
        let got = b.get_metadata("", &["/shared/comment"], MetadataOptions::default()).await.unwrap();
        assert_eq!(got, vec![entry("/shared/comment", Some("hello"))]);
        let all = MetadataOptions { max_size: None, depth: Some(MetadataDepth::Infinity) };
        assert_eq!(b.get_metadata("", &["/private"], all).await.unwrap(), vec![entry("/private/x/y", Some("deep"))]);
        let small = MetadataOptions { max_size: Some(4), depth: None };
        assert!(b.get_metadata("INBOX", &["/private/comment"], small).await.unwrap().is_empty(), "over MAXSIZE");
        b.set_metadata("INBOX", vec![entry("/private/comment", None)]).await.unwrap();
        assert!(a.get_metadata("INBOX", &["/private/comment"], MetadataOptions::default()).await.unwrap().is_empty());
        let Err(Error::Bad(_)) = a.set_metadata("INBOX", vec![entry("/nowhere", Some("x"))]).await else {
            panic!("an entry outside /private and /shared is BAD")
        };
    })
    .await
    .expect("timed out");
}

//! QUOTA (RFC 9208) from our tokio client against our server on the memory store: two
//! connections of one user share its quota; the one that would pass the limit is told
//! `NO [OVERQUOTA]` and nothing of its APPEND is written; a server without QUOTA makes
//! the methods `Error::Unsupported`.

mod common;

use std::time::Duration;

use imap_machine::store::memory::quota::QuotaLimits;
use imap_machine::types::{Code, QuotaResource, QuotaUsage, Rfc5530Code};
use imap_machine_tokio::Error;

const T: Duration = Duration::from_secs(10);

fn message(k: usize) -> Vec<u8> {
    format!("Subject: m{k}\r\n\r\n{}\r\n", "x".repeat(500)).into_bytes()
}

#[tokio::test]
async fn two_connections_share_one_quota() {
    let srv = common::server().await;
    srv.backend.set_quota("username", QuotaLimits { storage_kb: Some(4), messages: Some(3) });
    tokio::time::timeout(T, async {
        let (a, b) = (common::login(srv.addr).await, common::login(srv.addr).await);
        let q = a.get_quota_root("INBOX").await.unwrap();
        assert_eq!(q.roots, vec!["User quota".try_into().unwrap()]);
        // The demo data's one message (under 1 KiB) counts.
        let usage = |q: &[QuotaUsage], r: QuotaResource| q.iter().find(|u| u.resource == r).map(|u| (u.usage, u.limit));
        let before = a.get_quota("User quota").await.unwrap();
        assert_eq!(usage(&before, QuotaResource::Message), Some((1, 3)));
        a.append("INBOX", &[], None, message(1)).await.unwrap();
        b.append("Sent", &[], None, message(2)).await.unwrap();
        let Err(Error::No(st)) = a.append("INBOX", &[], None, message(3)).await else { panic!("over the limit") };
        assert_eq!(st.code, Some(Code::Rfc5530(Rfc5530Code::OverQuota)), "{st:?}");
        let after = b.get_quota("User quota").await.unwrap();
        assert_eq!(usage(&after, QuotaResource::Message), Some((3, 3)));
        assert_eq!(a.select("INBOX").await.unwrap().exists, 2, "nothing of the refused APPEND");
        // An expunge frees room at once.
        a.uid_store("1", imap_machine::types::StoreKind::Add, &[imap_machine::types::Flag::Deleted]).await.unwrap();
        a.expunge().await.unwrap();
        b.append("Sent", &[], None, message(4)).await.unwrap();
        assert!(matches!(a.get_quota("other").await, Err(Error::No(_))));
    })
    .await
    .expect("timed out");
}

#[tokio::test]
async fn a_server_without_quota_is_not_asked() {
    let srv = common::server_with(|mut s| {
        s.options_mut().extra_capabilities.retain(|c| *c != imap_machine::types::Capability::Quota);
        s
    })
    .await;
    tokio::time::timeout(T, async {
        let c = common::login(srv.addr).await;
        assert!(matches!(c.get_quota_root("INBOX").await, Err(Error::Unsupported("QUOTA"))));
    })
    .await
    .expect("timed out");
}

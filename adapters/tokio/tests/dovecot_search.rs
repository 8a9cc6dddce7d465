//! Our tokio client's search extensions against a real Dovecot 2.3 on 127.0.0.1 (see
//! `common::dovecot`): ESEARCH (MIN, MAX, COUNT, ALL), SEARCHRES (`$`), CONTEXT=SEARCH
//! (PARTIAL), WITHIN, ENABLE, and IMAP4rev2 left alone on a server without it.

mod common;

use std::num::NonZeroU32;
use std::time::Duration;

use common::dovecot::Dovecot;
use common::message;
use imap_machine::types::{Capability, PartialRange, SearchKey, SearchReturn, SequenceSet};
use imap_machine_tokio::Client;

fn nz(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_extensions_against_dovecot() {
    let Some(d) = Dovecot::start("search-ext", 21493, 21994, false, None) else { return };
    tokio::time::timeout(Duration::from_secs(30), async {
        let c = Client::connect(d.addr()).await.unwrap();
        c.login("alice", "secret").await.unwrap();
        for cap in [Capability::ESearch, Capability::SearchRes, Capability::ContextSearch, Capability::Within] {
            assert!(c.has_capability(&cap).await.unwrap(), "Dovecot offers {cap}");
        }
        // Dovecot 2.3 speaks IMAP4rev1 only: nothing is sent, and every method still works.
        assert!(!c.enable_imap4rev2().await.unwrap());
        // ENABLE of something Dovecot does not enable: an empty ENABLED, not an error.
        assert!(c.enable(&[Capability::Other("X-NOTHING".try_into().unwrap())]).await.unwrap().is_empty());

        c.create("Search").await.unwrap();
        for k in 1..=5 {
            let flags = if k % 2 == 0 { vec![imap_machine::types::Flag::Flagged] } else { vec![] };
            c.append("Search", &flags, None, message(&format!("m{k}"), "hi")).await.unwrap();
        }
        c.select("Search").await.unwrap();

        // ESEARCH (RFC 4731).
        let e = c.esearch("ALL", &[SearchReturn::Min, SearchReturn::Max, SearchReturn::Count]).await.unwrap();
        assert_eq!((e.min, e.max, e.count), (Some(1), Some(5), Some(5)), "{e:?}");
        let e = c.uid_esearch("FLAGGED", &[]).await.unwrap();
        assert!(e.uid);
        assert_eq!(e.numbers().len(), 2, "{e:?}");

        // SEARCHRES (RFC 5182): the saved result as `$`.
        c.esearch("FLAGGED", &[SearchReturn::Save]).await.unwrap();
        let saved = c.fetch("$", "UID").await.unwrap().collect().await.unwrap();
        assert_eq!(saved.iter().map(|m| m.seq()).collect::<Vec<_>>(), vec![2, 4]);

        // CONTEXT=SEARCH PARTIAL (RFC 5267 §4.4).
        let e = c.esearch("ALL", &[SearchReturn::Partial(PartialRange::First(nz(2), nz(3)))]).await.unwrap();
        assert_eq!(e.partial, Some((PartialRange::First(nz(2), nz(3)), Some("2:3".parse::<SequenceSet>().unwrap()))));
        let e = c.esearch("ALL", &[SearchReturn::Partial(PartialRange::First(nz(9), nz(10)))]).await.unwrap();
        assert_eq!(e.partial, Some((PartialRange::First(nz(9), nz(10)), None)));

        // WITHIN (RFC 5032): everything was appended just now.
        assert_eq!(c.search(SearchKey::Younger(3600)).await.unwrap(), vec![1, 2, 3, 4, 5]);
        assert_eq!(c.search(SearchKey::Older(3600)).await.unwrap(), Vec::<u32>::new());
        c.logout().await.unwrap();
    })
    .await
    .expect("timed out");
}

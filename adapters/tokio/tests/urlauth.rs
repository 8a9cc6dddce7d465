//! URLAUTH (RFC 4467) from our tokio client against our server on the memory store: one
//! user authorizes a URL to its message, another fetches it; RESETKEY revokes it.

mod common;

use std::time::Duration;

use imap_machine::types::{UrlFetchArg, UrlFetchBody, UrlFetchData, UrlFetchParam};
use imap_machine_tokio::{Client, Error};

const T: Duration = Duration::from_secs(10);

#[tokio::test]
async fn another_user_fetches_an_authorized_url() {
    let srv = common::server().await;
    srv.backend.add_user("fred", "secret");
    tokio::time::timeout(T, async {
        let owner = common::login(srv.addr).await;
        owner.select("INBOX").await.unwrap();
        let body = owner.uid_fetch("1", "BODY.PEEK[]").await.unwrap().collect().await.unwrap()[0].body().unwrap();
        let urls = owner
            .gen_url_auth(&[
                "imap://username@localhost/INBOX/;uid=1;urlauth=user+fred",
                "imap://username@localhost/INBOX/;uid=1/;section=HEADER;urlauth=anonymous",
            ])
            .await
            .unwrap();
        assert_eq!(urls.len(), 2);
        let fred = Client::connect(srv.addr).await.unwrap();
        fred.login("fred", "secret").await.unwrap();
        let got = fred.url_fetch(&[&urls[0], &urls[1]]).await.unwrap();
        assert_eq!(got[0], (urls[0].clone(), Some(body.clone())));
        let header = got[1].1.as_ref().unwrap();
        assert!(body.starts_with(header) && header.ends_with(b"\r\n\r\n"), "{header:?}");
        // URLAUTH=BINARY (RFC 5524): the extended form with no parameter is BODY; BODY
        // with BINARY is BAD.
        let arg = |params| UrlFetchArg { url: urls[0].clone().try_into().unwrap(), params: Some(params) };
        let got = fred.url_fetch_ext(vec![arg(vec![])]).await.unwrap();
        let want = UrlFetchData::Extended {
            body_part_structure: None,
            body: Some(UrlFetchBody::Body(Some(body.clone().try_into().unwrap()))),
        };
        assert_eq!(got[0].1, want);
        let both = fred.url_fetch_ext(vec![arg(vec![UrlFetchParam::Body, UrlFetchParam::Binary])]).await;
        assert!(matches!(both, Err(Error::Bad(_))), "{both:?}");
        // Revoked by RESETKEY.
        owner.reset_key(Some("INBOX")).await.unwrap();
        assert_eq!(fred.url_fetch(&[&urls[0]]).await.unwrap()[0].1, None);
        // BAD for a URL of another owner.
        let other = owner.gen_url_auth(&["imap://fred@localhost/INBOX/;uid=1;urlauth=anonymous"]).await;
        assert!(matches!(other, Err(Error::Bad(_))), "{other:?}");
    })
    .await
    .expect("timed out");
}

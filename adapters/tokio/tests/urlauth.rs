//! URLAUTH (RFC 4467) from our tokio client against our server on the memory store: one
//! user authorizes a URL to its message, another fetches it; RESETKEY revokes it.

mod common;

use std::time::Duration;

use imap_machine::store::memory::MemoryBackend;
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

/// A message whose second part is base64 with a NUL in it.
const MULTIPART: &str = "Subject: binary\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
    --b\r\nContent-Type: text/plain\r\n\r\nhello\r\n\
    --b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwBh\r\n\
    --b--\r\n";

/// The owner's URLAUTH session on `addr`, told as lines: what each command gave.
async fn owner_scenario(addr: &str) -> Vec<String> {
    let c = Client::connect(addr).await.unwrap();
    c.login("alice", "secret").await.unwrap();
    c.append("INBOX", &[], None, MULTIPART.as_bytes().to_vec()).await.unwrap();
    c.select("INBOX").await.unwrap();
    let uid = *c.uid_search("ALL").await.unwrap().last().unwrap();
    let rump = |rest: &str| format!("imap://alice@127.0.0.1/INBOX/;uid={uid}{rest}");
    let mut told = Vec::new();
    let rumps = [
        rump("/;section=2;urlauth=user+alice"),
        rump("/;section=2.MIME;urlauth=user+alice"),
        rump(";urlauth=anonymous"),
    ];
    let urls = c.gen_url_auth(&rumps.iter().map(String::as_str).collect::<Vec<_>>()).await.unwrap();
    for (url, rump) in urls.iter().zip(&rumps) {
        // INTERNAL tokens differ (Dovecot's carry a version octet); the rump does not.
        told.push(format!("authorized {}", url.starts_with(&format!("{rump}:internal:"))));
    }
    let (part, mime, whole) = (&urls[0], &urls[1], &urls[2]);
    // GENURLAUTH refuses what it cannot authorize.
    for bad in [
        rump(""),
        "imap://bob@127.0.0.1/INBOX/;uid=1;urlauth=anonymous".to_string(),
        "imap://alice@127.0.0.1/Nope/;uid=1;urlauth=anonymous".to_string(),
        rump(";expire=2001-01-01T00:00:00Z;urlauth=anonymous"),
    ] {
        told.push(format!("genurlauth {bad}: {}", matches!(c.gen_url_auth(&[&bad]).await, Err(Error::Bad(_)))));
    }
    let plain = c.url_fetch(&[part, whole]).await.unwrap();
    told.push(format!("plain {:?}", plain.iter().map(|(_, d)| d.clone()).collect::<Vec<_>>()));
    let arg = |url: &str, params: Vec<UrlFetchParam>| UrlFetchArg {
        url: url.to_string().try_into().unwrap(),
        params: Some(params),
    };
    use UrlFetchParam::*;
    for (url, params) in [
        (part, vec![Binary, BodyPartStructure]),
        (part, vec![BodyPartStructure]),
        (part, vec![]),
        (part, vec![Body]),
        (mime, vec![Binary]),
    ] {
        let got = c.url_fetch_ext(vec![arg(url, params.clone())]).await.unwrap();
        told.push(format!("{params:?}: {:?}", got[0].1));
    }
    for params in [vec![Body, Binary], vec![Other("XFOO".try_into().unwrap())]] {
        let got = c.url_fetch_ext(vec![arg(part, params.clone())]).await;
        told.push(format!("{params:?}: bad {}", matches!(got, Err(Error::Bad(_)))));
    }
    // A tampered token, and `submit+` for the owner: NIL.
    let tampered = format!("{}{}", &part[..part.len() - 1], if part.ends_with('0') { '1' } else { '0' });
    told.push(format!("tampered {:?}", c.url_fetch(&[&tampered]).await.unwrap()[0].1));
    let submit = c.gen_url_auth(&[&rump(";urlauth=submit+alice")]).await.unwrap();
    told.push(format!("submit for the owner {:?}", c.url_fetch(&[&submit[0]]).await.unwrap()[0].1));
    // RESETKEY revokes.
    c.reset_key(Some("INBOX")).await.unwrap();
    told.push(format!("after RESETKEY {:?}", c.url_fetch(&[part]).await.unwrap()[0].1));
    c.reset_key(None).await.unwrap();
    told
}

/// Differential: the owner's side of URLAUTH and URLAUTH=BINARY, through our client,
/// against Dovecot (`imap_urlauth_host`) and against our server, told the same. Only the
/// owner's side: Dovecot 2.3.19 serves another user's URLFETCH through its
/// `imap-urlauth` service, whose login process aborts on this configuration
/// (`tests/dovecot-differences.md`).
#[tokio::test]
async fn the_owner_is_told_what_dovecot_tells() {
    let Some(d) = common::dovecot::Dovecot::start("urlauth", 14371, 14421, false, None) else { return };
    d.enable_urlauth();
    // The system clock, for `;EXPIRE=`.
    let backend = MemoryBackend::new().with_clock(imap_machine_tokio::system_clock());
    let ours = common::server_of(backend, |s| s).await;
    ours.backend.add_user("alice", "secret");
    ours.backend.add_user("bob", "secret");
    let dovecot = tokio::time::timeout(T, owner_scenario(&d.addr())).await.expect("timed out");
    let mine = tokio::time::timeout(T, owner_scenario(&ours.addr.to_string())).await.expect("timed out");
    for (k, (a, b)) in dovecot.iter().zip(&mine).enumerate() {
        assert_eq!(a, b, "line {k}");
    }
    assert_eq!(dovecot.len(), mine.len());
}

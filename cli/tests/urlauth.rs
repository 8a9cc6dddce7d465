//! URLAUTH (RFC 4467) against `imapm serve` (memory store), two users on two
//! connections: alice authorizes URLs to her message, fred fetches them with URLFETCH
//! (the Lemonade use: a submission server fetching a message by URL). A tampered token,
//! an expired URL, another user's access, and a RESETKEY each make the URL NIL.

mod support;

use imap_machine::types::{Code, Data, Response, StatusKind};
use support::serve::serve;
use support::session::Session;

const MESSAGE: &str = "Subject: lemonade\r\n\r\nSi vis pacem, para bellum.\r\n";

fn status_of(rs: &[(Response, bytes::Bytes)]) -> (StatusKind, Option<Code>) {
    match &rs.last().expect("tagged").0 {
        Response::Status { status, .. } => (status.kind, status.code.clone()),
        other => panic!("{other:?}"),
    }
}

/// `GENURLAUTH "rump" INTERNAL`: the authorized URL.
fn authorize(s: &mut Session, rump: &str) -> String {
    let (_, rs) = s.run(format!("GENURLAUTH \"{rump}\" INTERNAL").as_bytes());
    assert_eq!(status_of(&rs).0, StatusKind::Ok, "{rs:?}");
    let Response::Data(Data::GenUrlAuth(urls)) = &rs[0].0 else { panic!("{rs:?}") };
    let url = String::from_utf8(urls[0].to_bytes().to_vec()).unwrap();
    assert!(url.starts_with(&format!("{rump}:internal:")), "{url}");
    assert_eq!(url.len(), rump.len() + ":internal:".len() + 40, "HMAC-SHA1 in hex: {url}");
    url
}

/// `URLFETCH "url"`: the data, `None` for NIL.
fn fetch(s: &mut Session, url: &str) -> Option<String> {
    let (_, rs) = s.run(format!("URLFETCH \"{url}\"").as_bytes());
    assert_eq!(status_of(&rs).0, StatusKind::Ok, "URLFETCH is OK even for NIL: {rs:?}");
    let Response::Data(Data::UrlFetch(items)) = &rs[0].0 else { panic!("{rs:?}") };
    assert_eq!(items[0].0.as_bytes(), url.as_bytes());
    items[0].1.as_ref().map(|d| String::from_utf8(d.to_bytes().to_vec()).unwrap())
}

#[test]
fn a_submit_server_fetches_by_url() {
    let srv = serve(&["--quiet", "--user", "alice:secret", "--user", "fred:secret", "--user", "eve:secret"]);
    let port = srv.addr.port();
    let mut alice = Session::connect(port);
    let (_, rs) = alice.run(b"LOGIN alice secret");
    assert!(format!("{:?}", rs.last().unwrap().0).contains("URLAUTH"), "announced: {rs:?}");
    alice.run(format!("APPEND INBOX {{{}+}}\r\n{MESSAGE}", MESSAGE.len()).as_bytes());
    let mut fred = Session::connect(port);
    fred.run(b"LOGIN fred secret");
    let mut eve = Session::connect(port);
    eve.run(b"LOGIN eve secret");

    // The whole message for fred, and its text for anyone.
    let url = authorize(&mut alice, "imap://alice@localhost/INBOX/;uid=1;urlauth=user+fred");
    assert_eq!(fetch(&mut fred, &url).as_deref(), Some(MESSAGE));
    let text = authorize(&mut alice, "imap://alice@localhost/INBOX/;UID=1/;SECTION=TEXT;URLAUTH=anonymous");
    assert_eq!(fetch(&mut eve, &text).as_deref(), Some("Si vis pacem, para bellum.\r\n"));
    let submit = authorize(&mut alice, "imap://alice@localhost/INBOX/;uid=1;urlauth=submit+fred");
    assert_eq!(fetch(&mut fred, &submit).as_deref(), Some(MESSAGE));

    // Refused: another user's access, a tampered token, an expired URL.
    assert_eq!(fetch(&mut eve, &url), None, "user+fred is not eve's");
    let last = url.chars().last().unwrap();
    let tampered = format!("{}{}", &url[..url.len() - 1], if last == '0' { '1' } else { '0' });
    assert_eq!(fetch(&mut fred, &tampered), None);
    let other_uid = url.replace(";uid=1;", ";uid=2;");
    assert_eq!(fetch(&mut fred, &other_uid), None, "the token signs the whole rump");
    let old = authorize(&mut alice, "imap://alice@localhost/INBOX/;uid=1;expire=2001-01-01T00:00:00Z;urlauth=authuser");
    assert_eq!(fetch(&mut fred, &old), None, "expired");
    let later =
        authorize(&mut alice, "imap://alice@localhost/INBOX/;uid=1;expire=2999-01-01T00:00:00Z;urlauth=authuser");
    assert_eq!(fetch(&mut fred, &later).as_deref(), Some(MESSAGE));

    // GENURLAUTH is BAD for what it cannot authorize (RFC 4467 §7's examples).
    for bad in [
        "\"imap://alice@localhost/INBOX/;uid=1\" INTERNAL",
        "\"imap://localhost/INBOX/;uid=1;urlauth=anonymous\" INTERNAL",
        "\"imap://fred@localhost/INBOX/;uid=1;urlauth=anonymous\" INTERNAL",
        "\"imap://alice@localhost/Nope/;uid=1;urlauth=anonymous\" INTERNAL",
        "\"imap://alice@localhost/INBOX/;uid=1;urlauth=anonymous\" XSAMPLE",
    ] {
        let (_, rs) = alice.run(format!("GENURLAUTH {bad}").as_bytes());
        assert_eq!(status_of(&rs).0, StatusKind::Bad, "{bad}: {rs:?}");
    }

    // RESETKEY revokes every URL of the mailbox; new ones work.
    let (_, rs) = alice.run(b"RESETKEY INBOX");
    assert_eq!(status_of(&rs), (StatusKind::Ok, Some(Code::UrlMech(vec![imap_machine::types::UrlMech::internal()]))));
    assert_eq!(fetch(&mut fred, &url), None);
    let again = authorize(&mut alice, "imap://alice@localhost/INBOX/;uid=1;urlauth=user+fred");
    assert_ne!(again, url);
    assert_eq!(fetch(&mut fred, &again).as_deref(), Some(MESSAGE));
    let (_, rs) = alice.run(b"RESETKEY");
    assert_eq!(status_of(&rs).0, StatusKind::Ok);
    assert_eq!(fetch(&mut fred, &again), None, "RESETKEY without a mailbox drops every key");
}

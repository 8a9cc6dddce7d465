//! URLAUTH (RFC 4467) against `imapm serve`, on the memory store and on Maildir, users
//! on their own connections: alice authorizes URLs to her message; fred, and `smtp` (the
//! `--submit-user`, a submission server fetching a message by URL, the Lemonade use)
//! fetch them with URLFETCH. A tampered token, an expired URL, another user's access,
//! and a RESETKEY each make the URL NIL. URLAUTH=BINARY (RFC 5524) decodes a part.

mod support;

use imap_machine::types::{BodyStructure, Code, Data, Response, StatusKind, UrlFetchBody, UrlFetchData};
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
    assert!(matches!(items[0].1, UrlFetchData::Plain(_)), "{rs:?}");
    items[0].1.data().map(|d| String::from_utf8(d.to_vec()).unwrap())
}

/// `URLFETCH ("url" params)`: the tagged status and the answer, if any.
fn fetch_ext(s: &mut Session, url: &str, params: &str) -> (StatusKind, Option<UrlFetchData>) {
    let (_, rs) = s.run(format!("URLFETCH (\"{url}\"{params})").as_bytes());
    let answer = rs.iter().find_map(|(r, _)| match r {
        Response::Data(Data::UrlFetch(items)) => Some(items[0].1.clone()),
        _ => None,
    });
    (status_of(&rs).0, answer)
}

/// A message whose second part is base64 with a NUL in it.
const MULTIPART: &str = "Subject: binary\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
    --b\r\nContent-Type: text/plain\r\n\r\nhello\r\n\
    --b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nAAECAwBh\r\n\
    --b--\r\n";

/// URLAUTH=BINARY (RFC 5524): a part decoded, with NUL, as `literal8`; its structure with
/// the decoded size; the plain data of the extended form; BAD for what it cannot do.
#[test]
fn extended_urlfetch_decodes_parts() {
    let srv = serve(&["--quiet", "--user", "alice:secret", "--user", "fred:secret"]);
    let port = srv.addr.port();
    let mut alice = Session::connect(port);
    let (_, rs) = alice.run(b"LOGIN alice secret");
    assert!(format!("{:?}", rs.last().unwrap().0).contains("URLAUTH=BINARY"), "announced: {rs:?}");
    alice.run(format!("APPEND INBOX {{{}+}}\r\n{MULTIPART}", MULTIPART.len()).as_bytes());
    let mut fred = Session::connect(port);
    fred.run(b"LOGIN fred secret");
    let part = authorize(&mut alice, "imap://alice@localhost/INBOX/;uid=1/;section=2;urlauth=user+fred");

    let (st, got) = fetch_ext(&mut fred, &part, " BINARY BODYPARTSTRUCTURE");
    assert_eq!(st, StatusKind::Ok);
    let Some(UrlFetchData::Extended { body_part_structure: Some(s), body: Some(UrlFetchBody::Binary(Some(data))) }) =
        got
    else {
        panic!("{got:?}")
    };
    assert_eq!(&data[..], b"\x00\x01\x02\x03\x00a");
    let BodyStructure::Single { media_type, fields, .. } = *s else { panic!("{s:?}") };
    assert_eq!((media_type.as_bytes(), fields.octets), (&b"application"[..], 6), "decoded size");
    // BODY: the part as stored; BODYPARTSTRUCTURE alone: no data.
    let (_, got) = fetch_ext(&mut fred, &part, " BODY");
    assert_eq!(got.and_then(|d| d.data()).as_deref(), Some(&b"AAECAwBh"[..]));
    let (_, got) = fetch_ext(&mut fred, &part, " BODYPARTSTRUCTURE");
    assert!(matches!(got, Some(UrlFetchData::Extended { body_part_structure: Some(_), body: None })), "{got:?}");
    // No parameter is BODY, as Dovecot has it.
    let (_, got) = fetch_ext(&mut fred, &part, "");
    assert_eq!(got.and_then(|d| d.data()).as_deref(), Some(&b"AAECAwBh"[..]));
    // A header section has no encoding to undo: its octets, as Dovecot gives them. A
    // tampered URL is NIL in this form too.
    let mime = authorize(&mut alice, "imap://alice@localhost/INBOX/;uid=1/;section=2.MIME;urlauth=user+fred");
    let header = "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    let (_, got) = fetch_ext(&mut fred, &mime, " BINARY");
    assert_eq!(got.and_then(|d| d.data()).as_deref(), Some(header.as_bytes()));
    let tampered = part.replace(":internal:", ":internal:0");
    assert_eq!(fetch_ext(&mut fred, &tampered, " BINARY").1, Some(UrlFetchData::Plain(None)));
    // BAD: BODY with BINARY, an unknown parameter; nothing is fetched.
    for params in [" BODY BINARY", " XFOO"] {
        let (st, got) = fetch_ext(&mut fred, &part, params);
        assert_eq!((st, got), (StatusKind::Bad, None), "{params}");
    }
}

#[test]
fn a_submit_server_fetches_by_url() {
    submit_server_fetches_by_url(&[]);
}

/// The same on a Maildir, whose keys live in a file: URLs made before a restart of
/// `imapm serve` still validate after it.
#[test]
fn a_submit_server_fetches_by_url_on_maildir() {
    let root = std::env::temp_dir().join(format!("imapm-urlauth-maildir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let store = format!("maildir:{}", root.display());
    let url = submit_server_fetches_by_url(&["--store", &store]);
    let srv = serve(&["--quiet", "--store", &store, "--user", "alice:secret", "--user", "fred:secret"]);
    let mut fred = Session::connect(srv.addr.port());
    fred.run(b"LOGIN fred secret");
    assert_eq!(fetch(&mut fred, &url).as_deref(), Some(MESSAGE), "after a restart");
    drop(srv);
    let _ = std::fs::remove_dir_all(&root);
}

/// The scenario on a fresh server started with `store`; the last URL made, still valid.
fn submit_server_fetches_by_url(store: &[&str]) -> String {
    let mut args = vec![
        "--quiet",
        "--user",
        "alice:secret",
        "--user",
        "fred:secret",
        "--user",
        "eve:secret",
        "--user",
        "smtp:secret",
        "--submit-user",
        "smtp",
    ];
    args.extend_from_slice(store);
    let srv = serve(&args);
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
    // submit+: for the submission server only (`--submit-user smtp`), on behalf of
    // anyone; not for the user named in it.
    let submit = authorize(&mut alice, "imap://alice@localhost/INBOX/;uid=1;urlauth=submit+fred");
    let mut smtp = Session::connect(port);
    smtp.run(b"LOGIN smtp secret");
    assert_eq!(fetch(&mut smtp, &submit).as_deref(), Some(MESSAGE));
    assert_eq!(fetch(&mut fred, &submit), None, "fred is not a submission server");
    let own = authorize(&mut alice, "imap://alice@localhost/INBOX/;uid=1;urlauth=submit+alice");
    assert_eq!(fetch(&mut smtp, &own).as_deref(), Some(MESSAGE));
    assert_eq!(fetch(&mut alice, &own), None);

    // Refused: another user's access, a tampered token, an expired URL.
    assert_eq!(fetch(&mut eve, &url), None, "user+fred is not eve's");
    let last = url.chars().last().unwrap();
    let tampered = format!("{}{}", &url[..url.len() - 1], if last == '0' { '1' } else { '0' });
    assert_eq!(fetch(&mut fred, &tampered), None);
    let other_uid = url.replace(";uid=1;", ";uid=2;");
    assert_eq!(fetch(&mut fred, &other_uid), None, "the token signs the whole rump");
    // Already expired: BAD, as Dovecot has it. Expiring: valid, then NIL.
    let (_, rs) = alice.run(
        b"GENURLAUTH \"imap://alice@localhost/INBOX/;uid=1;expire=2001-01-01T00:00:00Z;urlauth=authuser\" INTERNAL",
    );
    assert_eq!(status_of(&rs).0, StatusKind::Bad, "{rs:?}");
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(2)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let old = authorize(&mut alice, &format!("imap://alice@localhost/INBOX/;uid=1;expire={soon};urlauth=authuser"));
    assert_eq!(fetch(&mut fred, &old).as_deref(), Some(MESSAGE), "not yet expired");
    std::thread::sleep(std::time::Duration::from_millis(2500));
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
    authorize(&mut alice, "imap://alice@localhost/INBOX/;uid=1;urlauth=user+fred")
}

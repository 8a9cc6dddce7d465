//! URLAUTH (RFC 4467) from the blocking client against the blocking server on the memory
//! store: one user authorizes a URL to its message, another fetches it; RESETKEY
//! revokes it.

use std::net::TcpListener;
use std::sync::Arc;

use imap_machine::store::memory::MemoryBackend;
use imap_machine::types::{BodyStructure, UrlFetchArg, UrlFetchBody, UrlFetchData, UrlFetchParam};
use imap_machine_blocking::{Client, Server};

#[test]
fn another_user_fetches_an_authorized_url() {
    let backend = Arc::new(MemoryBackend::with_demo_data());
    backend.add_user("fred", "secret");
    // fred is the submission server here: it may fetch `submit+` URLs (RFC 4467 §3).
    backend.set_url_submitter("fred");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = Server::new(backend).allow_insecure_auth(true);
    std::thread::spawn(move || server.serve(listener));
    let mut owner = Client::connect(&addr).unwrap();
    owner.login("username", "password").unwrap();
    owner.select("INBOX").unwrap();
    let body = owner.uid_fetch("1", "BODY.PEEK[]").unwrap().collect_all().unwrap()[0].body().unwrap();
    let urls = owner.gen_url_auth(&["imap://username@localhost/INBOX/;uid=1;urlauth=submit+fred"]).unwrap();
    let mut fred = Client::connect(&addr).unwrap();
    fred.login("fred", "secret").unwrap();
    assert_eq!(fred.url_fetch(&[&urls[0]]).unwrap(), vec![(urls[0].clone(), Some(body.clone()))]);
    // URLAUTH=BINARY (RFC 5524): the decoded octets with the part's structure.
    let arg = UrlFetchArg {
        url: urls[0].clone().try_into().unwrap(),
        params: Some(vec![UrlFetchParam::BodyPartStructure, UrlFetchParam::Binary]),
    };
    let got = fred.url_fetch_ext(vec![arg]).unwrap();
    let UrlFetchData::Extended { body_part_structure: Some(s), body: Some(UrlFetchBody::Binary(Some(data))) } =
        &got[0].1
    else {
        panic!("{got:?}")
    };
    assert_eq!((data, matches!(**s, BodyStructure::Single { .. })), (&body, true), "{s:?}");
    owner.reset_key(None).unwrap();
    assert_eq!(fred.url_fetch(&[&urls[0]]).unwrap()[0].1, None);
}

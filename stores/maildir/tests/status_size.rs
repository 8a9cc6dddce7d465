//! STATUS=SIZE (RFC 8438) and UNAUTHENTICATE (RFC 8437) on a Maildir, through the server
//! machine and the store session, checked against the exact bytes each connection is sent.

use std::sync::Arc;

use bytes::Bytes;
use imap_machine::store::Backend;
use imap_machine_maildir::MaildirBackend;

mod common;
use common::Conn;

#[test]
fn status_size_is_the_sum_of_rfc822_sizes_and_unauthenticate_releases_the_mailbox() {
    let dir = tempfile::tempdir().unwrap();
    let b = Arc::new(MaildirBackend::new(dir.path()));
    b.add_user("joe", "secret").unwrap();
    b.add_user("ann", "secret").unwrap();
    let joe = b.login("joe", "secret").unwrap();
    b.append(&joe, "INBOX", &[], None, Bytes::from_static(b"Subject: one\r\n\r\nhi\r\n")).unwrap();
    b.append(&joe, "INBOX", &[], None, Bytes::from_static(b"Subject: two\r\n\r\nhello\r\n")).unwrap();
    // An MDA delivers a message with bare LFs, served (and sized) with CRLF.
    let inbox = dir.path().join("joe");
    std::fs::write(inbox.join("tmp/100.M1P9.mx"), b"Subject: x\n\nhi\n").unwrap();
    std::fs::rename(inbox.join("tmp/100.M1P9.mx"), inbox.join("new/100.M1P9.mx")).unwrap();

    let mut a = Conn::open(&b);
    let caps = "IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR IDLE NAMESPACE ID ENABLE UNSELECT MOVE UIDPLUS CHILDREN SPECIAL-USE \
                CREATE-SPECIAL-USE BINARY ESEARCH SEARCHRES UNAUTHENTICATE STATUS=SIZE MULTIAPPEND CATENATE LIST-EXTENDED LIST-STATUS CONTEXT=SEARCH PARTIAL SAVEDATE PREVIEW UTF8=ACCEPT SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES ESORT CONTEXT=SORT I18NLEVEL=1 OBJECTID QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE METADATA METADATA-SERVER URLAUTH URLAUTH=BINARY CONDSTORE QRESYNC NOTIFY WITHIN";
    assert_eq!(a.say("a1 LOGIN joe secret"), format!("a1 OK [CAPABILITY {caps}] Logged in\r\n"));
    // 20 + 23 octets appended, and the delivered file's 15 served as 18 (CRLF).
    assert_eq!(
        a.say("a2 STATUS INBOX (MESSAGES RECENT SIZE)"),
        "* STATUS INBOX (MESSAGES 3 RECENT 3 SIZE 61)\r\na2 OK STATUS completed\r\n"
    );
    let selected = a.say("a3 SELECT INBOX");
    assert!(selected.contains("* 3 RECENT\r\n"), "{selected}");
    assert_eq!(
        a.say("a4 FETCH 1:* (RFC822.SIZE FLAGS)"),
        "* 1 FETCH (RFC822.SIZE 20 FLAGS (\\Recent))\r\n\
         * 2 FETCH (RFC822.SIZE 23 FLAGS (\\Recent))\r\n\
         * 3 FETCH (RFC822.SIZE 18 FLAGS (\\Recent))\r\n\
         a4 OK FETCH completed\r\n"
    );
    // UNAUTHENTICATE releases the mailbox: the \Recent A claimed is seen by nobody else
    // (RFC 3501 §2.3.2), and nothing is expunged.
    assert_eq!(a.say("a5 UNAUTHENTICATE"), "a5 OK UNAUTHENTICATE completed\r\n");
    assert_eq!(a.say("a6 FETCH 1 FLAGS"), "a6 BAD FETCH not allowed in the NotAuthenticated state\r\n");
    let mut other = Conn::open(&b);
    other.say("b1 LOGIN joe secret");
    let selected = other.say("b2 SELECT INBOX");
    assert!(selected.contains("* 3 EXISTS\r\n* 0 RECENT\r\n"), "{selected}");
    // The same connection logs in again, as another user.
    assert_eq!(a.say("a7 LOGIN ann secret"), format!("a7 OK [CAPABILITY {caps}] Logged in\r\n"));
    assert_eq!(
        a.say("a8 STATUS INBOX (SIZE MESSAGES)"),
        "* STATUS INBOX (SIZE 0 MESSAGES 0)\r\na8 OK STATUS completed\r\n"
    );
    // An expunge takes its size out.
    other.say("b3 STORE 2 +FLAGS.SILENT (\\Deleted)");
    other.say("b4 EXPUNGE");
    assert_eq!(other.say("b5 STATUS INBOX (SIZE)"), "* STATUS INBOX (SIZE 38)\r\nb5 OK STATUS completed\r\n");
}

//! The extended LIST (RFC 5258) and LIST-STATUS (RFC 5819) on a Maildir, through the
//! server machine and the store session: Maildir++'s superiors without a folder of their
//! own are `\NonExistent` and get no STATUS.

use std::sync::Arc;

use imap_machine_maildir::MaildirBackend;

mod common;
use common::Conn;

#[test]
fn list_extended_and_list_status_on_maildir() {
    let dir = tempfile::tempdir().unwrap();
    let b = Arc::new(MaildirBackend::new(dir.path()));
    b.add_user("joe", "secret").unwrap();
    let mut c = Conn::open(&b);
    assert!(c.say("a1 LOGIN joe secret").contains("LIST-EXTENDED LIST-STATUS"));
    // (With a MAILBOXID code, RFC 8474 §4.1.)
    assert!(c.say("a2 CREATE a/b").ends_with("CREATE completed\r\n"));
    // CREATE made the folder `a` too; without it, `a` is only `a/b`'s superior.
    assert_eq!(c.say("x1 DELETE a"), "x1 OK DELETE completed\r\n");
    assert_eq!(c.say("a3 SUBSCRIBE a/b"), "a3 OK SUBSCRIBE completed\r\n");
    assert_eq!(c.say("a4 SUBSCRIBE gone"), "a4 OK SUBSCRIBE completed\r\n");
    let got = c.say("a6 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\" RETURN (STATUS (MESSAGES))");
    assert!(got.contains("* LIST (\\NonExistent) \"/\" a (CHILDINFO (\"SUBSCRIBED\"))\r\n"), "{got}");
    assert!(got.contains("* LIST (\\NonExistent \\Subscribed) \"/\" gone\r\n"), "{got}");
    assert!(!got.contains("* STATUS a ") && !got.contains("* STATUS gone "), "{got}");
    assert!(got.ends_with("a6 OK LIST completed\r\n"), "{got}");
    let got = c.say("a7 LIST \"\" (a a/%) RETURN (STATUS (MESSAGES) CHILDREN)");
    assert_eq!(
        got,
        "* LIST (\\NonExistent \\HasChildren) \"/\" a\r\n* LIST (\\HasNoChildren) \"/\" a/b\r\n\
         * STATUS a/b (MESSAGES 0)\r\na7 OK LIST completed\r\n"
    );
}

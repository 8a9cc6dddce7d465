//! MULTIAPPEND (RFC 3502) and CATENATE (RFC 4469) on a Maildir, through the server machine
//! and the store session: the messages of one APPEND stay in `tmp/` until the last one
//! arrived and are delivered together; a refused or abandoned command leaves no file in
//! `cur/`, `new/` or `tmp/` (RFC 3502 §6.3.11).

use std::path::Path;
use std::sync::Arc;

use imap_machine::store::Backend;
use imap_machine_maildir::MaildirBackend;

mod common;
use common::Conn;

/// A message of `n` bytes, long enough to be streamed when over 64 KiB.
fn long(n: usize) -> Vec<u8> {
    let mut m = b"Subject: long\r\n\r\n".to_vec();
    while m.len() < n {
        m.extend_from_slice(b"0123456789012345678901234567890123456789012345678901234567890123456789012345\r\n");
    }
    m.truncate(n);
    m
}

fn files(dir: &Path) -> [usize; 3] {
    ["cur", "new", "tmp"].map(|sub| std::fs::read_dir(dir.join(sub)).map_or(0, |d| d.count()))
}

/// `a APPEND INBOX` with these messages as non-synchronising literals, then `tail`.
fn multiappend(tag: &str, messages: &[&[u8]], tail: &str) -> Vec<u8> {
    let mut cmd = format!("{tag} APPEND INBOX").into_bytes();
    for m in messages {
        cmd.extend_from_slice(format!(" {{{}+}}\r\n", m.len()).as_bytes());
        cmd.extend_from_slice(m);
    }
    cmd.extend_from_slice(tail.as_bytes());
    cmd.extend_from_slice(b"\r\n");
    cmd
}

#[test]
fn a_refused_multiappend_leaves_no_file_and_a_good_one_delivers_all() {
    let dir = tempfile::tempdir().unwrap();
    let b = Arc::new(MaildirBackend::new(dir.path()));
    b.add_user("joe", "secret").unwrap();
    let inbox = dir.path().join("joe");
    let mut a = Conn::open(&b);
    assert!(a.send(b"a1 LOGIN joe secret\r\n").contains("a1 OK"));
    let (one, two) = (long(100_000), long(200_000));

    // A long message streamed to tmp/, a short one, then a URL that does not resolve.
    let cmd = multiappend("a2", &[&one, b"Subject: s\r\n\r\nhi\r\n", &two], " CATENATE (URL \"/INBOX/;UID=9\")");
    let out = a.send(&cmd);
    assert_eq!(out, "a2 NO [BADURL /INBOX/;UID=9] Cannot fetch the URL's data\r\n");
    assert_eq!(files(&inbox), [0, 0, 0], "nothing in cur/, new/ or tmp/");
    assert_eq!(b.status(&b.login("joe", "secret").unwrap(), "INBOX").unwrap().messages, 0);

    // A zero-length message cancels the command (RFC 3502 §6.3.11).
    let out = a.send(&multiappend("a3", &[&one, b""], ""));
    assert_eq!(out, "a3 NO Empty message, APPEND cancelled\r\n");
    assert_eq!(files(&inbox), [0, 0, 0]);

    // Abandoned half-way: the connection ends inside the second long message.
    let cmd = multiappend("a4", &[&one, &two], "");
    let mut c = Conn::open(&b);
    assert!(c.send(b"c1 LOGIN joe secret\r\n").contains("c1 OK"));
    c.send(&cmd[..cmd.len() - 50_000]);
    assert_eq!(files(&inbox)[..2], [0, 0], "nothing delivered yet");
    assert!(files(&inbox)[2] >= 1, "the long messages wait in tmp/");
    drop(c);
    assert_eq!(files(&inbox), [0, 0, 0], "dropped, the staged files go");

    // Then all of them, at once, with a CATENATE of the first.
    let out = a.send(&multiappend("a5", &[&one, b"Subject: s\r\n\r\nhi\r\n", &two], ""));
    let validity = out.strip_prefix("a5 OK [APPENDUID ").and_then(|r| r.strip_suffix(" 1:3] APPEND completed\r\n"));
    let validity: u32 = validity.expect(&out).parse().unwrap();
    let cmd = format!("a6 APPEND INBOX (\\Seen) CATENATE (URL /INBOX;UIDVALIDITY={validity}/;UID=1/;PARTIAL=0.17 TEXT {{4+}}\r\nyo\r\n)\r\n");
    let out = a.send(cmd.as_bytes());
    assert_eq!(out, format!("a6 OK [APPENDUID {validity} 4] APPEND completed\r\n"));
    assert_eq!(files(&inbox), [1, 3, 0]);
    let out = a.send(b"a7 EXAMINE INBOX\r\na8 FETCH 1:4 (RFC822.SIZE)\r\na9 FETCH 4 BODY.PEEK[]\r\n");
    assert!(out.contains("* 1 FETCH (RFC822.SIZE 100000)"), "{out}");
    assert!(out.contains("* 3 FETCH (RFC822.SIZE 200000)"), "{out}");
    assert!(out.contains("* 4 FETCH (BODY[] {21}\r\nSubject: long\r\n\r\nyo\r\n)"), "{out}");
}

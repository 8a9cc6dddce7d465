//! Streamed APPEND against `imapm serve --store maildir:` as a child process: a message
//! of a gigabyte (`IMAPM_BIG_APPEND` bytes) goes to disk as it arrives, the server's peak
//! resident memory staying under 64 MiB; a client that leaves mid-message leaves nothing
//! behind; and refusals (`NO [TRYCREATE]`, `NO [TOOBIG]`) come before the message is sent.
//! Raw sockets: the test client holds no message either.

#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use support::serve::serve;

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("imapm-append-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A raw connection: lines out, lines in.
struct Raw {
    w: TcpStream,
    r: BufReader<TcpStream>,
}

impl Raw {
    fn login(port: u16) -> Raw {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        let mut c = Raw { r: BufReader::new(s.try_clone().unwrap()), w: s };
        assert!(c.line().starts_with("* OK"));
        c.send(b"l LOGIN username password\r\n");
        c.until("l ");
        c
    }

    fn send(&mut self, b: &[u8]) {
        self.w.write_all(b).unwrap();
    }

    fn line(&mut self) -> String {
        let mut l = String::new();
        assert!(self.r.read_line(&mut l).unwrap() > 0, "connection closed");
        l
    }

    /// Lines up to and including the first that starts with `prefix`.
    fn until(&mut self, prefix: &str) -> Vec<String> {
        let mut out = Vec::new();
        loop {
            let l = self.line();
            let done = l.starts_with(prefix);
            out.push(l);
            if done {
                return out;
            }
        }
    }
}

/// The files of a Maildir folder's `sub` directory.
fn files(dir: &Path, sub: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join(sub))
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// Writes a message of exactly `n` bytes: a header, then numbered lines, 1 MiB at a time.
fn write_message(c: &mut Raw, n: u64) {
    let head = b"From: big@example.org\r\nSubject: a big one\r\n\r\n";
    c.send(head);
    let mut line = [b'x'; 1024];
    line[1022] = b'\r';
    line[1023] = b'\n';
    let block: Vec<u8> = line.repeat(1024);
    let mut left = n - head.len() as u64;
    while left > 0 {
        let k = left.min(block.len() as u64) as usize;
        c.send(&block[..k]);
        left -= k as u64;
    }
}

#[test]
fn a_gigabyte_append_goes_to_disk_not_memory() {
    let size: u64 = std::env::var("IMAPM_BIG_APPEND").ok().and_then(|v| v.parse().ok()).unwrap_or(1 << 30);
    let root = fresh_dir("big");
    let store = format!("maildir:{}", root.display());
    let limit = (size + (1 << 20)).to_string();
    let s = serve(&["--quiet", "--store", &store, "--max-append", &limit]);
    let mut c = Raw::login(s.addr.port());
    let before = s.status_kib("VmRSS");
    let t0 = Instant::now();
    c.send(format!("a APPEND INBOX (\\Seen) {{{size}}}\r\n").as_bytes());
    assert!(c.line().starts_with("+ "), "continuation");
    write_message(&mut c, size);
    c.send(b"\r\n");
    let done = c.until("a ");
    let secs = t0.elapsed().as_secs_f64();
    let last = done.last().unwrap();
    assert!(last.starts_with("a OK [APPENDUID "), "{done:?}");
    let peak = s.status_kib("VmHWM");
    eprintln!(
        "APPEND of {size} bytes: {secs:.1} s ({:.0} MB/s); server RSS {before} KiB before, peak {peak} KiB",
        size as f64 / secs / 1e6
    );
    assert!(peak < 64 * 1024, "peak RSS {peak} KiB during a {size}-byte APPEND");
    // On disk, whole, with its size in the name (S=, W=), flagged Seen; nothing in tmp/.
    let inbox = root.join("username");
    let cur = files(&inbox, "cur");
    assert_eq!(cur.len(), 1, "{cur:?}");
    assert!(cur[0].contains(&format!(",S={size},W={size}:2,S")), "{cur:?}");
    assert_eq!(std::fs::metadata(inbox.join("cur").join(&cur[0])).unwrap().len(), size);
    assert!(files(&inbox, "tmp").is_empty());
    // Served from the index, with its size.
    c.send(b"s SELECT INBOX\r\nf FETCH 1 (RFC822.SIZE FLAGS)\r\n");
    let lines = c.until("f ");
    assert!(lines.iter().any(|l| l.contains(&format!("RFC822.SIZE {size}"))), "{lines:?}");
    drop(s);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_client_leaving_mid_message_leaves_nothing_behind() {
    let root = fresh_dir("leave");
    let store = format!("maildir:{}", root.display());
    let s = serve(&["--quiet", "--store", &store]);
    let inbox = root.join("username");
    for sync in [true, false] {
        let mut c = Raw::login(s.addr.port());
        let n = 10 << 20;
        if sync {
            c.send(format!("a APPEND INBOX {{{n}}}\r\n").as_bytes());
            assert!(c.line().starts_with("+ "));
        } else {
            c.send(format!("a APPEND INBOX {{{n}+}}\r\n").as_bytes());
        }
        c.send(&vec![b'y'; 3 << 20]);
        // The server has started the file...
        let t0 = Instant::now();
        while files(&inbox, "tmp").is_empty() && t0.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(files(&inbox, "tmp").len(), 1, "an upload in tmp/");
        // ...and the client goes away.
        drop(c);
        let t0 = Instant::now();
        while !files(&inbox, "tmp").is_empty() && t0.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(files(&inbox, "tmp").is_empty(), "tmp/ cleaned: {:?}", files(&inbox, "tmp"));
        assert!(files(&inbox, "cur").is_empty() && files(&inbox, "new").is_empty());
    }
    let mut c = Raw::login(s.addr.port());
    c.send(b"s STATUS INBOX (MESSAGES UIDNEXT)\r\n");
    let lines = c.until("s ");
    assert!(lines[0].contains("MESSAGES 0 UIDNEXT 1"), "{lines:?}");
    drop(s);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn refusals_come_before_the_message() {
    let root = fresh_dir("refuse");
    let store = format!("maildir:{}", root.display());
    let s = serve(&["--quiet", "--store", &store, "--max-append", "1000000"]);
    let mut c = Raw::login(s.addr.port());
    c.send(b"c CAPABILITY\r\n");
    assert!(c.until("c ")[0].contains(" APPENDLIMIT=1000000"));
    // No `+`: the tagged answer is the next line, and the client never sends the message.
    c.send(b"a APPEND Nosuch {500000}\r\n");
    assert!(c.line().starts_with("a NO [TRYCREATE]"));
    c.send(b"b APPEND INBOX {2000000}\r\n");
    assert!(c.line().starts_with("b NO [TOOBIG]"));
    // A non-synchronising one is sent anyway: read and dropped, and the connection goes on.
    c.send(b"d APPEND Nosuch {500000+}\r\n");
    c.send(&vec![b'z'; 500_000]);
    c.send(b"\r\nn NOOP\r\n");
    let lines = c.until("n ");
    assert!(lines.iter().any(|l| l.starts_with("d NO [TRYCREATE]")), "{lines:?}");
    assert!(lines.last().unwrap().starts_with("n OK"), "{lines:?}");
    assert!(files(&root.join("username"), "tmp").is_empty());
    drop(s);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_multiappend_of_two_long_messages_streams_both_to_disk() {
    // Two messages of 64 MiB in one MULTIAPPEND (RFC 3502): each goes to tmp/ as it
    // arrives, both are delivered at the end; the server holds neither.
    let size: u64 = 64 << 20;
    let root = fresh_dir("multi");
    let store = format!("maildir:{}", root.display());
    let limit = (size + (1 << 20)).to_string();
    let s = serve(&["--quiet", "--store", &store, "--max-append", &limit]);
    let inbox = root.join("username");
    let mut c = Raw::login(s.addr.port());
    c.send(format!("a APPEND INBOX (\\Seen) {{{size}}}\r\n").as_bytes());
    assert!(c.line().starts_with("+ "), "first continuation");
    write_message(&mut c, size);
    c.send(format!(" {{{size}}}\r\n").as_bytes());
    assert!(c.line().starts_with("+ "), "second continuation");
    // Nothing delivered before the command ends: the first message waits in tmp/.
    assert!(files(&inbox, "cur").is_empty() && files(&inbox, "new").is_empty());
    write_message(&mut c, size);
    c.send(b"\r\n");
    let done = c.until("a ");
    let last = done.last().unwrap();
    assert!(last.starts_with("a OK [APPENDUID ") && last.contains(" 1:2] "), "{done:?}");
    let peak = s.status_kib("VmHWM");
    eprintln!("MULTIAPPEND of 2 x {size} bytes: server peak RSS {peak} KiB");
    assert!(peak < 48 * 1024, "peak RSS {peak} KiB during a MULTIAPPEND of 2 x {size} bytes");
    assert_eq!((files(&inbox, "cur").len(), files(&inbox, "new").len()), (1, 1));
    assert!(files(&inbox, "tmp").is_empty());
    drop(s);
    let _ = std::fs::remove_dir_all(&root);
}

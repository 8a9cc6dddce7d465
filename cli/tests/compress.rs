//! COMPRESS=DEFLATE (RFC 4978) with real peers against `imapm serve` on 127.0.0.1: python
//! with `zlib` over a raw socket, and mbsync (isync 1.4 turns COMPRESS on whenever it is
//! offered), watched through `--debug`'s tap, which shows the plain text on both sides of
//! the switch. A missing tool is a loud skip here and a failure in CI.

mod support;

use std::io::BufRead;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use support::serve::{serve, Serve};

#[path = "../../adapters/blocking/tests/support/peers_env.rs"]
mod peers_env;
use peers_env::{have, missing, walk};

/// Collects the server's stderr (the `--debug` tap) on a thread.
fn tap(s: &mut Serve) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let mut stderr = s.take_stderr();
    std::thread::spawn(move || {
        let mut line = String::new();
        while stderr.read_line(&mut line).is_ok_and(|n| n > 0) {
            sink.lock().unwrap().push(line.trim_end().to_string());
            line.clear();
        }
    });
    lines
}

const PYTHON: &str = r#"
import socket, sys, zlib
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
buf = b""
de = None
def recv():
    d = s.recv(4096)
    assert d, "closed"
    return de.decompress(d) if de else d
def line():
    global buf
    while b"\r\n" not in buf:
        buf += recv()
    l, buf = buf.split(b"\r\n", 1)
    return l
def until(tag):
    out = []
    while True:
        l = line()
        out.append(l)
        if l.startswith(tag + b" "):
            assert l.startswith(tag + b" OK"), l
            return out
assert line().startswith(b"* OK")
s.sendall(b"a LOGIN bench bench\r\n")
caps = b" ".join(until(b"a"))
assert b"COMPRESS=DEFLATE" in caps, caps
s.sendall(b"b COMPRESS DEFLATE\r\n")
until(b"b")
assert buf == b"", buf
# From here on: raw DEFLATE (wbits -15), a sync flush after each batch of commands.
co = zlib.compressobj(6, zlib.DEFLATED, -15)
de = zlib.decompressobj(-15)
def send(data):
    s.sendall(co.compress(data) + co.flush(zlib.Z_SYNC_FLUSH))
msg = b"From: py@example.org\r\nSubject: zlib\r\n\r\n" + b"hello, deflate\r\n" * 200
send(b"c APPEND INBOX {%d+}\r\n" % len(msg) + msg + b"\r\n")
until(b"c")
send(b"d SELECT INBOX\r\ne FETCH 1:* (ENVELOPE BODYSTRUCTURE)\r\n")
until(b"d")
fetched = until(b"e")
assert any(b"\"zlib\"" in l for l in fetched), fetched
send(b"f UID FETCH 1:* (BODY.PEEK[])\r\n")
until(b"f")
send(b"g COMPRESS DEFLATE\r\n")
l = line()
assert l.startswith(b"g BAD [COMPRESSIONACTIVE]"), l
send(b"h LOGOUT\r\n")
until(b"h")
print("python zlib: ok")
"#;

#[test]
fn python_zlib_over_a_raw_socket() {
    if !have("python3") && missing("python3") {
        return;
    }
    let mut s = serve(&["--quiet", "--debug", "--user", "bench:bench"]);
    let lines = tap(&mut s);
    let out = Command::new("python3").arg("-c").arg(PYTHON).arg(s.addr.port().to_string()).output().unwrap();
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    std::thread::sleep(std::time::Duration::from_millis(200));
    let lines = lines.lock().unwrap();
    let ok = lines.iter().position(|l| l.ends_with("b OK DEFLATE active")).expect("COMPRESS answered");
    assert!(lines[ok..].iter().any(|l| l.contains("C: e FETCH 1:* (ENVELOPE BODYSTRUCTURE)")), "{lines:#?}");
}

#[test]
fn mbsync_compresses_against_imapm_serve() {
    if !have("mbsync") && missing("mbsync (apt-get install isync)") {
        return;
    }
    let (plain, plain_compressed) = mbsync_download(false);
    let (deflated, compressed) = mbsync_download(true);
    assert!(!plain_compressed && compressed, "mbsync compresses exactly when COMPRESS is offered");
    // mbsync leaves out a few corpus messages either way; what it takes is the same.
    assert!(deflated.len() > 70, "{}", deflated.len());
    assert!(deflated == plain, "the compressed download differs from the plain one");
    let corpus: Vec<Vec<u8>> = corpus().iter().map(|m| lf_lines(m)).collect();
    assert!(deflated.iter().all(|m| corpus.contains(m)), "a downloaded message is not the corpus'");
}

/// Lines ending in LF, mbsync's X-TUID header left out.
fn lf_lines(m: &[u8]) -> Vec<u8> {
    let t = String::from_utf8_lossy(m);
    t.lines().filter(|l| !l.starts_with("X-TUID: ")).map(|l| format!("{l}\n")).collect::<String>().into_bytes()
}

/// mbsync pulls the corpus from a fresh `imapm serve` (with COMPRESS offered or not):
/// the downloaded messages, sorted, and whether the session was compressed.
fn mbsync_download(compress: bool) -> (Vec<Vec<u8>>, bool) {
    let args: &[&str] = if compress { &["--quiet", "--debug"] } else { &["--quiet", "--debug", "--no-compress"] };
    let mut s = serve(args);
    let lines = tap(&mut s);
    let port = s.addr.port();
    // The server's messages: the corpus, put there with our blocking client.
    let mut c = imap_machine_blocking::Client::connect(("127.0.0.1", port)).unwrap();
    c.login("username", "password").unwrap();
    // Some corpus messages have 8-bit header fields (RFC 6855 §4).
    c.enable(&[imap_machine::types::Capability::Utf8Accept]).unwrap();
    c.create("Corpus").unwrap();
    for m in corpus() {
        c.append("Corpus", &[], None, m).unwrap();
    }
    c.logout().unwrap();
    let dir = std::env::temp_dir().join(format!("imapm-mbsync-compress-{port}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("maildir")).unwrap();
    let rc = format!(
        "IMAPAccount t\nHost 127.0.0.1\nPort {port}\nUser username\nPass password\nSSLType None\nAuthMechs LOGIN\n\n\
         IMAPStore remote\nAccount t\n\nMaildirStore local\nPath {d}/maildir/\nInbox {d}/maildir/INBOX\nSubFolders Verbatim\n\n\
         Channel all\nFar :remote:\nNear :local:\nPatterns Corpus\nCreate Near\nSync Pull\nSyncState *\n",
        d = dir.display()
    );
    std::fs::write(dir.join("mbsyncrc"), rc).unwrap();
    let out = Command::new("mbsync").arg("-c").arg(dir.join("mbsyncrc")).arg("-a").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut got: Vec<Vec<u8>> =
        walk(&dir.join("maildir/Corpus")).iter().map(|f| lf_lines(&std::fs::read(f).unwrap())).collect();
    got.sort();
    let _ = std::fs::remove_dir_all(&dir);
    std::thread::sleep(std::time::Duration::from_millis(200));
    let lines = lines.lock().unwrap();
    let ok = lines.iter().position(|l| l.contains("S: ") && l.ends_with(" OK DEFLATE active"));
    if let Some(ok) = ok {
        assert!(lines[ok..].iter().any(|l| l.contains("FETCH")), "the download ran compressed: {lines:#?}");
    }
    (got, ok.is_some())
}

/// The UTF-8 messages of `tests/corpus/` (mbsync's Maildir keeps text lines).
fn corpus() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus");
    let mut out = Vec::new();
    for dir in ["edge", "python-email"] {
        for e in std::fs::read_dir(root.join(dir)).expect("tests/corpus") {
            let p = e.expect("entry").path();
            let body = std::fs::read(&p).expect("read");
            if p.is_file() && std::str::from_utf8(&body).is_ok() && !body.contains(&0) {
                out.push(body);
            }
        }
    }
    out
}

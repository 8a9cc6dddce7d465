//! Builds the seed corpora in `fuzz/corpus/<target>/` from the repository's transcripts
//! and fixtures. Run by `fuzz/seed.sh`; plain stable Rust, no libFuzzer.
//!
//! Sources:
//! - `tests/transcripts/**/*.txt` and `tests/fixtures/dovecot-capture.txt`: each file's
//!   `C:` lines are the client's byte stream and its `S:` lines the server's (the text after
//!   the prefix, plus CRLF). Each stream is framed into messages with the crate's own
//!   `Framer`: client messages seed the command targets, server messages the response
//!   targets; the streams themselves (cut on message boundaries into pieces of at most
//!   `MAX_STREAM` bytes) seed `framer`, `client_machine` and `server_session`.
//! - `tests/corpus/**` (except README files): the messages that seed `mime`.
//! - Synthetic sessions below, which use every command against the demo backend, and
//!   modified UTF-7 names (from `src/mutf7.rs`'s tests).
//!
//! Files are named `seed-*`. Each run deletes the old `seed-*` files of every corpus and
//! writes them again; other files there (inputs found by fuzzing, `crash-*` regressions)
//! are kept.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use imap_machine::codec::{parse_command, Framer, FramerEvent, FramerOptions, Role};

/// The longest stream seed, so that libFuzzer's default `-max_len` (the largest corpus
/// file) stays small and executions fast.
const MAX_STREAM: usize = 6 * 1024;

/// The client streams of the synthetic sessions (server_session, framer, command seeds).
const SESSIONS: &[&str] = &[
    // Every command of a session on the demo data.
    "a1 CAPABILITY\r\n\
     a2 AUTHENTICATE PLAIN AHVzZXJuYW1lAHBhc3N3b3Jk\r\n\
     a3 ENABLE CONDSTORE\r\n\
     a4 ID (\"name\" \"fuzz\" \"version\" NIL)\r\n\
     a5 NAMESPACE\r\n\
     a6 LIST \"\" \"*\"\r\n\
     a7 LSUB \"\" \"%\"\r\n\
     a8 STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN SIZE DELETED APPENDLIMIT)\r\n\
     a9 CREATE \"Fuzz/&APw-\"\r\n\
     a10 RENAME Fuzz Fuzz2\r\n\
     a11 SUBSCRIBE Fuzz2\r\n\
     a12 APPEND INBOX (\\Seen $Label) \"01-Jan-2026 00:00:00 +0000\" {176+}\r\n\
     Subject: =?utf-8?q?caf=C3=A9?=\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n\
     --b\r\nContent-Type: text/plain\r\n\r\nhello\r\n\
     --b\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVsbG8=\r\n--b--\r\n\
     a13 SELECT INBOX\r\n\
     a14 FETCH 1:* (FLAGS UID INTERNALDATE RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE \
     BODY.PEEK[HEADER.FIELDS (Subject From)] BODY.PEEK[1.MIME] BINARY.PEEK[2]<0.10> BINARY.SIZE[1])\r\n\
     a15 UID FETCH 1:* (RFC822.HEADER RFC822.TEXT BODY[TEXT]<2.5> BODY.PEEK[HEADER.FIELDS.NOT (Date)])\r\n\
     a16 SEARCH CHARSET UTF-8 OR SUBJECT \"welcome\" BODY \"x\" NOT DELETED\r\n\
     a17 UID SEARCH 1:* LARGER 10 SINCE 1-Jan-2000 (UNSEEN OR FROM a TO b)\r\n\
     a18 STORE 1 +FLAGS (\\Deleted)\r\n\
     a19 UID STORE 1:* -FLAGS.SILENT (\\Seen)\r\n\
     a20 COPY 1:* Sent\r\n\
     a21 UID MOVE 2 Trash\r\n\
     a22 IDLE\r\nDONE\r\n\
     a23 CHECK\r\n\
     a24 EXPUNGE\r\n\
     a25 UID EXPUNGE 1:*\r\n\
     a26 EXAMINE Sent\r\n\
     a27 FETCH 1 FULL\r\n\
     a28 UNSELECT\r\n\
     a29 SELECT Trash\r\n\
     a30 CLOSE\r\n\
     a31 DELETE Fuzz2\r\n\
     a32 UNSUBSCRIBE Fuzz2\r\n\
     a33 NOOP\r\n\
     a34 LOGOUT\r\n",
    // Logins: synchronising literals, AUTHENTICATE without SASL-IR, LOGIN, cancel.
    "b1 LOGIN {8}\r\nusername {8}\r\npassword\r\n\
     b2 LOGOUT\r\n",
    "c1 AUTHENTICATE PLAIN\r\nAHVzZXJuYW1lAHBhc3N3b3Jk\r\nc2 SELECT INBOX\r\nc3 FETCH 1 BODY[]\r\n",
    "d1 AUTHENTICATE LOGIN\r\ndXNlcm5hbWU=\r\ncGFzc3dvcmQ=\r\nd2 STATUS Sent (MESSAGES)\r\n",
    "e1 AUTHENTICATE PLAIN\r\n*\r\ne2 AUTHENTICATE XOAUTH2 dXNlcj0=\r\ne3 LOGIN username wrong\r\n",
    "f1 STARTTLS\r\nf2 LOGIN username password\r\nf3 CAPABILITY\r\n",
    // Limits and garbage: a literal past the small limits, bad commands, a wrong state.
    "g1 APPEND INBOX {400}\r\ng2 SELECT INBOX\r\n\
     * BAD\r\n\r\nx\r\ng3 FETCH 1 (FLAGS\r\ng4 LOGIN {4294967295}\r\n\
     g5 LOGIN username password\r\ng6 APPEND INBOX ~{5+}\r\nab\0cd\r\n\
     g7 SEARCH NOT NOT NOT NOT NOT NOT NOT NOT ((((((((ALL))))))))\r\n",
];

/// The server's bytes after the greeting for the commands `client_machine` sends (tags
/// A1, A2, ... in order).
const CLIENT_SESSIONS: &[&str] = &[
    "+ go ahead\r\n\
     A1 OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE MOVE UIDPLUS] logged in\r\n\
     * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n\
     * OK [PERMANENTFLAGS (\\Seen \\*)] flags\r\n\
     * 2 EXISTS\r\n* 1 RECENT\r\n\
     * OK [UIDVALIDITY 7] uids\r\n* OK [UIDNEXT 3] next\r\n* OK [UNSEEN 1] first\r\n\
     A2 OK [READ-WRITE] selected\r\n\
     * 1 FETCH (FLAGS (\\Seen) UID 1 BODY[] {5}\r\nhello)\r\n\
     * 2 FETCH (FLAGS () UID 2 BODY[] NIL)\r\n\
     A3 OK fetched\r\n\
     * 1 FETCH (FLAGS (\\Seen) UID 1)\r\n\
     A4 OK stored\r\n\
     A5 NO [BADCHARSET (US-ASCII)] charset\r\n\
     * SEARCH 1 2\r\n\
     A7 OK searched\r\n\
     + ready\r\n\
     * 3 EXISTS\r\n\
     A6 OK [APPENDUID 7 3] appended\r\n\
     * 1 EXPUNGE\r\n\
     * BYE logging out\r\n\
     A8 OK bye\r\n",
    "A1 OK [CAPABILITY IMAP4rev1 IDLE] logged in\r\n\
     A2 NO [NONEXISTENT] no inbox\r\n\
     A3 BAD not selected\r\n\
     * OK [ALERT] hello\r\n\
     + idling\r\n\
     * 4 EXISTS\r\n\
     * 1 FETCH (FLAGS (\\Deleted))\r\n\
     A9 OK idle done\r\n",
    "A1 OK Begin TLS\r\n",
    "+ \r\n\
     A1 OK [CAPABILITY IMAP4rev1 SASL-IR] authenticated\r\n\
     * PREAUTH again\r\n\
     A2 OK [READ-ONLY] selected\r\n",
];

/// Modified UTF-7 names: valid, and each kind of invalid.
const MUTF7: &[&str] = &[
    "INBOX",
    "~peter/mail/&U,BTFw-/&ZeVnLIqe-",
    "Entw&APw-rfe",
    "R&-D",
    "&-",
    "&2D3eAA-",
    "a&AH8-b",
    "Sent Items",
    "a&Jjo",
    "&AGE-",
    "&U,BTFw-&ZeVnLIqe-",
    "&2D0-",
    "&A/w-",
    "&APx-",
];

struct Corpus {
    root: PathBuf,
    seen: BTreeSet<(String, Vec<u8>)>,
    count: usize,
    bytes: usize,
}

impl Corpus {
    fn add(&mut self, target: &str, name: &str, data: &[u8]) {
        if !self.seen.insert((target.to_string(), data.to_vec())) {
            return;
        }
        let dir = self.root.join(target);
        fs::create_dir_all(&dir).expect("create corpus dir");
        let clean: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
        fs::write(dir.join(format!("seed-{clean}")), data).expect("write seed");
        self.count += 1;
        self.bytes += data.len();
    }
}

/// The client and server byte streams of a transcript.
fn streams(text: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (mut c, mut s) = (Vec::new(), Vec::new());
    for line in text.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let (out, rest) = match line {
            [b'C', b':', rest @ ..] => (&mut c, rest),
            [b'S', b':', rest @ ..] => (&mut s, rest),
            _ => continue,
        };
        out.extend_from_slice(rest.strip_prefix(b" ").unwrap_or(rest));
        out.extend_from_slice(b"\r\n");
    }
    (c, s)
}

/// Frames a stream into its messages; a partial message at the end is kept as is.
fn messages(role: Role, stream: &[u8]) -> Vec<Vec<u8>> {
    let mut framer = Framer::new(role, FramerOptions::default());
    framer.handle_input(stream);
    let mut out = Vec::new();
    let mut used = 0;
    while let Some(e) = framer.poll() {
        if let FramerEvent::Message(m) = e {
            used += m.bytes().len();
            out.push(m.bytes().to_vec());
        }
    }
    if used < stream.len() && framer.is_mid_message() {
        out.push(stream[used.min(stream.len())..].to_vec());
    }
    out
}

/// Consecutive messages joined into pieces of at most `MAX_STREAM` bytes (a longer
/// message is a piece of its own).
fn pieces(msgs: &[Vec<u8>], prefix: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    for m in msgs {
        if !cur.is_empty() && cur.len() + m.len() > MAX_STREAM {
            out.push(std::mem::take(&mut cur));
        }
        if cur.is_empty() && !out.is_empty() {
            cur.extend_from_slice(prefix);
        }
        cur.extend_from_slice(m);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn with_cfg(cfg: u8, data: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(data.len() + 1);
    v.push(cfg);
    v.extend_from_slice(data);
    v
}

fn files(dir: &Path, ext: Option<&str>, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir).expect("read dir").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, ext, out);
        } else if ext.is_none_or(|e| p.extension().is_some_and(|x| x == e)) {
            out.push(p);
        }
    }
}

/// A transcript's client stream and its setup (first LOGIN or AUTHENTICATE, first SELECT)
/// for pieces after the first.
fn setup(client_msgs: &[Vec<u8>]) -> Vec<u8> {
    let mut login = None;
    let mut select = None;
    for m in client_msgs {
        if let Ok(cmd) = parse_command(&bytes::Bytes::copy_from_slice(m)) {
            match cmd.body.name() {
                "LOGIN" if login.is_none() => login = Some(m.clone()),
                "SELECT" if select.is_none() => select = Some(m.clone()),
                _ => {}
            }
        }
    }
    login.into_iter().chain(select).flatten().collect()
}

fn main() {
    let fuzz = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let repo = fuzz.parent().expect("repo root").to_path_buf();
    let root = fuzz.join("corpus");
    if root.exists() {
        for dir in fs::read_dir(&root).expect("read corpus") {
            let dir = dir.expect("entry").path();
            for f in fs::read_dir(&dir).expect("read target corpus") {
                let f = f.expect("entry").path();
                if f.file_name().is_some_and(|n| n.to_string_lossy().starts_with("seed-")) {
                    fs::remove_file(&f).expect("remove old seed");
                }
            }
        }
    }
    let mut corpus = Corpus { root, seen: BTreeSet::new(), count: 0, bytes: 0 };

    // Transcripts and the Dovecot capture.
    let mut transcripts = Vec::new();
    files(&repo.join("tests/transcripts"), Some("txt"), &mut transcripts);
    transcripts.push(repo.join("tests/fixtures/dovecot-capture.txt"));
    for path in &transcripts {
        let rel = path.strip_prefix(&repo).expect("in repo").with_extension("");
        let name = rel.to_string_lossy().replace("tests/", "").replace('/', "-");
        let (c, s) = streams(&fs::read(path).expect("read transcript"));
        let cm = messages(Role::Server, &c);
        let sm = messages(Role::Client, &s);
        for (i, m) in cm.iter().enumerate() {
            corpus.add("command_parser", &format!("{name}-c{i:03}"), m);
            corpus.add("command_roundtrip", &format!("{name}-c{i:03}"), m);
        }
        for (i, m) in sm.iter().enumerate() {
            corpus.add("response_parser", &format!("{name}-s{i:03}"), m);
            corpus.add("response_roundtrip", &format!("{name}-s{i:03}"), m);
            if is_fetch(m) {
                corpus.add("fetch_view", &format!("{name}-s{i:03}"), m);
            }
        }
        let is_client = name.contains("transcripts-client");
        for (i, p) in pieces(&cm, &setup(&cm)).iter().enumerate() {
            // Server role, small then default limits; STARTTLS offered and a watcher.
            corpus.add("framer", &format!("{name}-c{i}"), &with_cfg(0x00, p));
            corpus.add("framer", &format!("{name}-c{i}-default"), &with_cfg(0x32, p));
            corpus.add("server_session", &format!("{name}-{i}"), &with_cfg(0x05, p));
        }
        for (i, p) in pieces(&sm, b"").iter().enumerate() {
            corpus.add("framer", &format!("{name}-s{i}"), &with_cfg(0x01, p));
            corpus.add("framer", &format!("{name}-s{i}-default"), &with_cfg(0x27, p));
            // The client's own transcripts match its behaviour best; every stream helps.
            let cfg = if is_client { 0x01 } else { 0x00 };
            corpus.add("client_machine", &format!("{name}-{i}"), &with_cfg(cfg, p));
        }
    }

    // Synthetic sessions.
    for (i, s) in SESSIONS.iter().enumerate() {
        let s = s.as_bytes();
        corpus.add("server_session", &format!("session-{i}"), &with_cfg(0x04, s));
        corpus.add("server_session", &format!("session-{i}-small"), &with_cfg(0x17, s));
        corpus.add("framer", &format!("session-{i}"), &with_cfg(0x08, s));
        for (j, m) in messages(Role::Server, s).iter().enumerate() {
            corpus.add("command_parser", &format!("session-{i}-{j:02}"), m);
            corpus.add("command_roundtrip", &format!("session-{i}-{j:02}"), m);
        }
    }
    for (i, s) in CLIENT_SESSIONS.iter().enumerate() {
        let s = s.as_bytes();
        for cfg in [0x00u8, 0x09, 0x06, 0x1f] {
            corpus.add("client_machine", &format!("session-{i}-{cfg:02x}"), &with_cfg(cfg, s));
        }
        for (j, m) in messages(Role::Client, s).iter().enumerate() {
            corpus.add("response_parser", &format!("session-{i}-{j:02}"), m);
            corpus.add("response_roundtrip", &format!("session-{i}-{j:02}"), m);
            if is_fetch(m) {
                corpus.add("fetch_view", &format!("session-{i}-{j:02}"), m);
            }
        }
    }

    // Messages for mime analysis.
    let mut messages_files = Vec::new();
    files(&repo.join("tests/corpus"), None, &mut messages_files);
    for path in messages_files {
        if path.file_name().is_some_and(|n| n == "README.md") {
            continue;
        }
        let rel = path.strip_prefix(repo.join("tests/corpus")).expect("in corpus").with_extension("");
        corpus.add("mime", &rel.to_string_lossy().replace('/', "-"), &fs::read(&path).expect("read message"));
    }

    for (i, name) in MUTF7.iter().enumerate() {
        corpus.add("mutf7", &format!("name-{i:02}"), name.as_bytes());
    }

    println!("{} seed files, {} bytes, in {}", corpus.count, corpus.bytes, corpus.root.display());
}

/// Whether a server message is a FETCH response (a seed for the `fetch_view` target).
fn is_fetch(m: &[u8]) -> bool {
    m.starts_with(b"* ") && m.windows(7).any(|w| w == b" FETCH ")
}

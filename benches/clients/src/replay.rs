//! The replay server of the client benchmark: it answers with the bytes Dovecot sent
//! (recorded by `capture.py`), as fast as the socket takes them, so that the client is
//! the bottleneck.
//!
//! ```text
//! replay --capture DIR [--listen 127.0.0.1:0]
//! ```
//!
//! Prints `listening on ADDR` on stdout once bound, then serves each connection on its own
//! thread. It greets, answers CAPABILITY, LOGIN (any user and password), SELECT/EXAMINE of
//! the recorded mailboxes, NOOP, CHECK and LOGOUT, and the benchmark's three FETCH commands:
//!
//! - `UID FETCH 1:* (UID FLAGS ENVELOPE)` in the envelope mailbox,
//! - `UID FETCH 1:1000 BODY.PEEK[]` in the bodies mailbox,
//! - `UID FETCH <n> (UID FLAGS)` in the envelope mailbox, for each recorded `<n>`.
//!
//! Each recorded answer is one pre-built buffer (the untagged responses) written with one
//! `write_all`, then the recorded tagged line with the client's tag. Anything else gets a
//! `BAD` and a line on stderr. Commands may be pipelined; literals in them are read (and a
//! continuation sent for a synchronizing one) but not otherwise interpreted.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One recorded answer: the untagged responses, and the tagged line after its tag (`" OK
/// Fetch completed ..."`, CRLF included).
struct Recorded {
    untagged: Vec<u8>,
    tail: Vec<u8>,
}

impl Recorded {
    /// Splits a recording at its last line, the tagged one.
    fn parse(data: Vec<u8>, what: &str) -> io::Result<Recorded> {
        let bad = || io::Error::new(io::ErrorKind::InvalidData, format!("{what}: no tagged line at the end"));
        if !data.ends_with(b"\r\n") {
            return Err(bad());
        }
        let body = &data[..data.len() - 2];
        let start = body.windows(2).rposition(|w| w == b"\r\n").map_or(0, |k| k + 2);
        let space = data[start..].iter().position(|&b| b == b' ').ok_or_else(bad)?;
        let tail = data[start + space..].to_vec();
        let mut untagged = data;
        untagged.truncate(start);
        Ok(Recorded { untagged, tail })
    }

    fn load(dir: &Path, name: &str) -> io::Result<Recorded> {
        Recorded::parse(read(dir, name)?, name)
    }
}

fn read(dir: &Path, name: &str) -> io::Result<Vec<u8>> {
    std::fs::read(dir.join(name)).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", dir.join(name).display())))
}

/// Everything `capture.py` recorded.
struct Captures {
    greeting: Vec<u8>,
    capability_pre: Recorded,
    capability: Recorded,
    login: Recorded,
    /// SELECT of each mailbox, by name.
    selects: HashMap<Vec<u8>, Recorded>,
    envelope_box: Vec<u8>,
    bodies_box: Vec<u8>,
    envelope: Recorded,
    bodies: Recorded,
    /// `UID FETCH n (UID FLAGS)` by `n`.
    roundtrip: HashMap<u32, Recorded>,
}

impl Captures {
    fn load(dir: &Path) -> io::Result<Captures> {
        let (envelope_box, bodies_box) = (b"bench-envelope".to_vec(), b"bench-bodies".to_vec());
        let mut selects = HashMap::new();
        for name in [&envelope_box, &bodies_box] {
            let file = format!("select-{}.bin", String::from_utf8_lossy(name));
            selects.insert(name.clone(), Recorded::load(dir, &file)?);
        }
        let all = read(dir, "roundtrip.bin")?;
        let index = String::from_utf8(read(dir, "roundtrip.idx")?)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let mut roundtrip = HashMap::new();
        for line in index.lines() {
            let f: Vec<usize> = line.split(' ').filter_map(|x| x.parse().ok()).collect();
            let [uid, offset, len] = f[..] else {
                return Err(io::Error::new(io::ErrorKind::InvalidData, format!("roundtrip.idx: {line:?}")));
            };
            let part = all.get(offset..offset + len).ok_or_else(|| io::Error::other("roundtrip.idx: out of range"))?;
            roundtrip.insert(
                u32::try_from(uid).map_err(io::Error::other)?,
                Recorded::parse(part.to_vec(), "roundtrip.bin")?,
            );
        }
        Ok(Captures {
            greeting: read(dir, "greeting.bin")?,
            capability_pre: Recorded::load(dir, "capability-pre.bin")?,
            capability: Recorded::load(dir, "capability.bin")?,
            login: Recorded::load(dir, "login.bin")?,
            selects,
            envelope_box,
            bodies_box,
            envelope: Recorded::load(dir, "envelope.bin")?,
            bodies: Recorded::load(dir, "bodies.bin")?,
            roundtrip,
        })
    }
}

/// One command line, literals inlined as quoted strings: `tag`, then the words.
struct Command {
    tag: Vec<u8>,
    words: Vec<Vec<u8>>,
    /// The text after `UID FETCH <set> `, for the fetch attributes.
    rest: Vec<u8>,
}

/// Reads one command into `line` (a line, plus any literals and the line parts after
/// them); `false` at EOF.
fn read_command(reader: &mut impl BufRead, out: &mut impl Write, line: &mut Vec<u8>) -> io::Result<bool> {
    line.clear();
    loop {
        let start = line.len();
        if reader.read_until(b'\n', line)? == 0 {
            return Ok(false);
        }
        let Some((n, sync)) = literal_at_end(&line[start..]) else {
            return Ok(true);
        };
        // Replace `{n}` CRLF with the literal's bytes, quoted (escaped as needed).
        let marker = line.iter().rposition(|&b| b == b'{').expect("literal marker");
        line.truncate(marker);
        if sync {
            out.write_all(b"+ go ahead\r\n")?;
        }
        let mut literal = vec![0; n];
        reader.read_exact(&mut literal)?;
        line.push(b'"');
        for b in literal {
            if b == b'"' || b == b'\\' {
                line.push(b'\\');
            }
            line.push(b);
        }
        line.push(b'"');
    }
}

/// `{n}` or `{n+}` CRLF at the end of a line: `(n, synchronizing)`.
fn literal_at_end(line: &[u8]) -> Option<(usize, bool)> {
    let line = line.strip_suffix(b"\r\n").or_else(|| line.strip_suffix(b"\n"))?;
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let digits = &inner[open + 1..];
    let (digits, sync) = match digits.strip_suffix(b"+") {
        Some(d) => (d, false),
        None => (digits, true),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some((std::str::from_utf8(digits).ok()?.parse().ok()?, sync))
}

/// Splits a command into its tag and words (atoms, quoted strings unquoted, parenthesized
/// lists as one word).
fn parse_command(line: &[u8]) -> Command {
    let line = line.strip_suffix(b"\r\n").or_else(|| line.strip_suffix(b"\n")).unwrap_or(line);
    let mut words = Vec::new();
    let mut i = 0;
    let mut starts = Vec::new();
    while i < line.len() {
        if line[i] == b' ' {
            i += 1;
            continue;
        }
        starts.push(i);
        match line[i] {
            b'"' => {
                let mut w = Vec::new();
                i += 1;
                while i < line.len() && line[i] != b'"' {
                    if line[i] == b'\\' && i + 1 < line.len() {
                        i += 1;
                    }
                    w.push(line[i]);
                    i += 1;
                }
                i += 1;
                words.push(w);
            }
            b'(' => {
                let end = line[i..].iter().position(|&b| b == b')').map_or(line.len(), |k| i + k + 1);
                words.push(line[i..end].to_vec());
                i = end;
            }
            _ => {
                let end = line[i..].iter().position(|&b| b == b' ').map_or(line.len(), |k| i + k);
                words.push(line[i..end].to_vec());
                i = end;
            }
        }
    }
    let tag = if words.is_empty() { b"*".to_vec() } else { words.remove(0) };
    // `tag UID FETCH set rest...`: the attributes start at the 5th word.
    let rest = starts.get(4).map_or_else(Vec::new, |&k| line[k..].to_vec());
    Command { tag, words, rest }
}

/// The fetch attributes, upper-cased, without parentheses, sorted: `BODY.PEEK[] UID`.
fn attributes(rest: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(rest).to_ascii_uppercase().replace(['(', ')'], " ");
    let mut v: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    v.sort();
    v.dedup();
    v
}

fn serve(mut stream: TcpStream, captures: &Captures) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::with_capacity(64 * 1024, stream.try_clone()?);
    stream.write_all(&captures.greeting)?;
    let mut authenticated = false;
    let mut selected: Option<Vec<u8>> = None;
    let mut line = Vec::new();
    while read_command(&mut reader, &mut stream, &mut line)? {
        let cmd = parse_command(&line);
        let word = |k: usize| cmd.words.get(k).map(|w| w.to_ascii_uppercase()).unwrap_or_default();
        let recorded: Option<&Recorded> = match word(0).as_slice() {
            b"CAPABILITY" => Some(if authenticated { &captures.capability } else { &captures.capability_pre }),
            b"LOGIN" => {
                authenticated = true;
                Some(&captures.login)
            }
            b"SELECT" | b"EXAMINE" if authenticated => {
                let name = cmd.words.get(1).cloned().unwrap_or_default();
                match captures.selects.get(&name) {
                    Some(r) if word(0) == b"EXAMINE" => {
                        let tail = String::from_utf8_lossy(&r.tail).replace("[READ-WRITE]", "[READ-ONLY]");
                        reply(&mut stream, &cmd.tag, &r.untagged, tail.as_bytes())?;
                        selected = Some(name);
                        continue;
                    }
                    Some(r) => {
                        selected = Some(name);
                        Some(r)
                    }
                    None => {
                        selected = None;
                        reply(&mut stream, &cmd.tag, b"", b" NO Mailbox doesn't exist (replay).\r\n")?;
                        continue;
                    }
                }
            }
            b"NOOP" | b"CHECK" => {
                reply(&mut stream, &cmd.tag, b"", b" OK Completed.\r\n")?;
                continue;
            }
            b"LOGOUT" => {
                reply(&mut stream, &cmd.tag, b"* BYE Logging out\r\n", b" OK Logout completed.\r\n")?;
                return Ok(());
            }
            b"UID" if word(1) == b"FETCH" => fetch(captures, selected.as_deref(), &word(2), &attributes(&cmd.rest)),
            _ => None,
        };
        match recorded {
            Some(r) => reply(&mut stream, &cmd.tag, &r.untagged, &r.tail)?,
            None => {
                eprintln!("replay: unexpected command: {}", String::from_utf8_lossy(&line).trim_end());
                reply(&mut stream, &cmd.tag, b"", b" BAD Not recorded (replay).\r\n")?;
            }
        }
    }
    Ok(())
}

/// The recording that answers `UID FETCH set attributes` in `selected`.
fn fetch<'a>(
    captures: &'a Captures,
    selected: Option<&[u8]>,
    set: &[u8],
    attributes: &[String],
) -> Option<&'a Recorded> {
    let is = |list: &[&str]| attributes.iter().map(String::as_str).eq(list.iter().copied());
    let in_box = |name: &[u8]| selected == Some(name);
    if in_box(&captures.envelope_box) && set == b"1:*" && is(&["ENVELOPE", "FLAGS", "UID"]) {
        return Some(&captures.envelope);
    }
    if in_box(&captures.bodies_box)
        && (set == b"1:1000" || set == b"1:*")
        && (is(&["BODY.PEEK[]"]) || is(&["BODY.PEEK[]", "UID"]))
    {
        return Some(&captures.bodies);
    }
    if in_box(&captures.envelope_box) && is(&["FLAGS", "UID"]) {
        let n: u32 = std::str::from_utf8(set).ok()?.parse().ok()?;
        return captures.roundtrip.get(&n);
    }
    None
}

/// Writes the untagged part as it is (one `write_all`), then the tagged line.
fn reply(stream: &mut TcpStream, tag: &[u8], untagged: &[u8], tail: &[u8]) -> io::Result<()> {
    if untagged.len() <= 4096 {
        // A small answer goes out in one segment.
        let mut buf = Vec::with_capacity(untagged.len() + tag.len() + tail.len());
        buf.extend_from_slice(untagged);
        buf.extend_from_slice(tag);
        buf.extend_from_slice(tail);
        return stream.write_all(&buf);
    }
    stream.write_all(untagged)?;
    let mut line = Vec::with_capacity(tag.len() + tail.len());
    line.extend_from_slice(tag);
    line.extend_from_slice(tail);
    stream.write_all(&line)
}

fn main() {
    let mut capture: Option<PathBuf> = None;
    let mut listen = "127.0.0.1:0".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--capture", Some(v)) => capture = Some(v.into()),
            ("--listen", Some(v)) => listen = v,
            _ => {
                eprintln!("usage: replay --capture DIR [--listen 127.0.0.1:0]");
                std::process::exit(2);
            }
        }
    }
    let Some(dir) = capture else {
        eprintln!("usage: replay --capture DIR [--listen 127.0.0.1:0]");
        std::process::exit(2);
    };
    let captures = match Captures::load(&dir) {
        Ok(c) => Arc::new(c),
        Err(e) => {
            eprintln!("replay: {e}");
            std::process::exit(1);
        }
    };
    let listener = TcpListener::bind(&listen).unwrap_or_else(|e| {
        eprintln!("replay: bind {listen}: {e}");
        std::process::exit(1);
    });
    println!("listening on {}", listener.local_addr().expect("local address"));
    let _ = io::stdout().flush();
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let captures = captures.clone();
        std::thread::spawn(move || {
            if let Err(e) = serve(stream, &captures) {
                // A client that hangs up mid-answer is not the server's problem.
                if !matches!(e.kind(), io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset) {
                    eprintln!("replay: {e}");
                }
            }
        });
    }
}

//! Differential test of `imap_machine::mime` against a real Dovecot (the reference).
//!
//! Starts Dovecot on 127.0.0.1 with `../shared/peers/start-dovecot.sh`, APPENDs every
//! message of `tests/corpus/` (python-email plus the project's edge cases), FETCHes
//! ENVELOPE, BODYSTRUCTURE, BODY, RFC822.SIZE, `BODY[]` of every part, `n.HEADER`,
//! `n.TEXT` and `n.MIME`, HEADER.FIELDS(.NOT) and partials, and compares each item with
//! ours after encoding both with our encoder, byte for byte. A difference fails the test
//! unless `tests/dovecot-differences.md` lists it (message and item) with its reason.
//!
//! When Dovecot or the start script is missing the test prints a loud SKIP and passes;
//! CI installs Dovecot, so CI never skips.

// A test talks to a real server over loopback and times itself; the core's sans-I/O
// lints do not apply here.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[path = "../adapters/blocking/tests/support/dovecot.rs"]
mod dovecot;
#[path = "../adapters/blocking/tests/support/peers_env.rs"]
mod peers_env;
use dovecot::start_dovecot;

use bytes::{Bytes, BytesMut};
use imap_machine::codec::{encode_response, parse_response, Framer, FramerEvent, FramerOptions, Role};
use imap_machine::mime::Message;
use imap_machine::types::{
    AString, BodyStructure, Data, FetchAttribute, FetchItem, Partial, Response, Section, SectionText, SpecificFields,
};

/// A minimal IMAP client over std::net, reading with the crate's own framer and parser.
struct Client {
    stream: TcpStream,
    framer: Framer,
    tag: u32,
}

impl Client {
    fn connect(port: u16) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut c = Client { stream, framer: Framer::new(Role::Client, FramerOptions::default()), tag: 0 };
        let greeting = c.read_response();
        assert!(matches!(greeting, Response::Status { .. }), "greeting: {greeting:?}");
        c
    }

    fn read_response(&mut self) -> Response {
        loop {
            if let Some(event) = self.framer.poll() {
                match event {
                    FramerEvent::Message(frame) => {
                        let bytes: Bytes = frame.into_bytes();
                        return parse_response(&bytes).unwrap_or_else(|e| {
                            panic!("unparsable response {:?}: {e:?}", String::from_utf8_lossy(&bytes))
                        });
                    }
                    other => panic!("framer: {other:?}"),
                }
            }
            let mut buf = [0u8; 65536];
            let n = self.stream.read(&mut buf).expect("read");
            assert!(n > 0, "server closed the connection");
            self.framer.handle_input(&buf[..n]);
        }
    }

    /// Sends `command` (without tag and CRLF) and returns the untagged responses, after
    /// checking the tagged OK.
    fn run(&mut self, command: &[u8]) -> Vec<Response> {
        self.tag += 1;
        let tag = format!("t{}", self.tag);
        let mut line = Vec::new();
        line.extend_from_slice(tag.as_bytes());
        line.push(b' ');
        line.extend_from_slice(command);
        line.extend_from_slice(b"\r\n");
        self.stream.write_all(&line).expect("write");
        let mut untagged = Vec::new();
        loop {
            let r = self.read_response();
            match &r {
                Response::Status { tag: Some(t), status } if t.as_bytes() == tag.as_bytes() => {
                    assert_eq!(
                        status.kind,
                        imap_machine::types::StatusKind::Ok,
                        "{} failed: {:?}",
                        String::from_utf8_lossy(&command[..command.len().min(80)]),
                        status
                    );
                    return untagged;
                }
                _ => untagged.push(r),
            }
        }
    }
}

fn corpus() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut out = Vec::new();
    for dir in ["python-email", "edge"] {
        let mut names: Vec<PathBuf> =
            std::fs::read_dir(root.join(dir)).expect("corpus dir").map(|e| e.unwrap().path()).collect();
        names.sort();
        for p in names {
            let name = format!("{dir}/{}", p.file_name().unwrap().to_string_lossy());
            out.push((name, std::fs::read(&p).unwrap()));
        }
    }
    out
}

/// Every part path of a body structure, in order: `[1]`, `[1, 1]`, ... with whether the
/// part is a message/rfc822 part.
fn part_paths(b: &BodyStructure, prefix: &mut Vec<NonZeroU32>, out: &mut Vec<(Vec<NonZeroU32>, bool)>) {
    match b {
        BodyStructure::Multipart { parts, .. } => {
            for (i, p) in parts.iter().enumerate() {
                prefix.push(NonZeroU32::new(i as u32 + 1).unwrap());
                out.push((
                    prefix.clone(),
                    matches!(p, BodyStructure::Single { specific: SpecificFields::Message { .. }, .. }),
                ));
                part_paths(p, prefix, out);
                prefix.pop();
            }
        }
        BodyStructure::Single { specific: SpecificFields::Message { body, .. }, .. } => {
            // The encapsulated message's parts continue the path; a non-multipart body
            // is part 1 of it.
            match body.as_ref() {
                BodyStructure::Multipart { .. } => part_paths(body, prefix, out),
                single => {
                    prefix.push(NonZeroU32::new(1).unwrap());
                    out.push((
                        prefix.clone(),
                        matches!(single, BodyStructure::Single { specific: SpecificFields::Message { .. }, .. }),
                    ));
                    part_paths(single, prefix, out);
                    prefix.pop();
                }
            }
        }
        BodyStructure::Single { .. } => {}
    }
}

fn section(part: &[NonZeroU32], text: Option<SectionText>) -> Section {
    Section { part: part.to_vec(), text }
}

fn peek(section: Section, partial: Option<(u32, u32)>) -> FetchAttribute {
    FetchAttribute::BodySection {
        peek: true,
        section,
        partial: partial.map(|(o, l)| Partial { offset: o, length: NonZeroU32::new(l).unwrap() }),
    }
}

/// `section` as written between the brackets.
fn section_text(section: &Section) -> String {
    let path = section.part.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(".");
    let names = |l: &[AString]| {
        l.iter().map(|n| String::from_utf8_lossy(n.as_bytes()).into_owned()).collect::<Vec<_>>().join(" ")
    };
    let text = match &section.text {
        None => String::new(),
        Some(SectionText::Header) => "HEADER".into(),
        Some(SectionText::Text) => "TEXT".into(),
        Some(SectionText::Mime) => "MIME".into(),
        Some(SectionText::HeaderFields(l)) => format!("HEADER.FIELDS ({})", names(l)),
        Some(SectionText::HeaderFieldsNot(l)) => format!("HEADER.FIELDS.NOT ({})", names(l)),
    };
    if !path.is_empty() && !text.is_empty() {
        format!("{path}.{text}")
    } else {
        format!("{path}{text}")
    }
}

/// The attribute's text in a FETCH command.
fn attribute_text(a: &FetchAttribute) -> String {
    match a {
        FetchAttribute::Envelope => "ENVELOPE".into(),
        FetchAttribute::Body => "BODY".into(),
        FetchAttribute::BodyStructure => "BODYSTRUCTURE".into(),
        FetchAttribute::Rfc822Size => "RFC822.SIZE".into(),
        FetchAttribute::BodySection { section, partial, .. } => {
            let mut s = format!("BODY.PEEK[{}]", section_text(section));
            if let Some(p) = partial {
                s.push_str(&format!("<{}.{}>", p.offset, p.length));
            }
            s
        }
        other => panic!("not used: {other:?}"),
    }
}

/// A key that identifies a response item: its name, section (upper-cased, as Dovecot
/// echoes header names) and origin.
fn item_key(item: &FetchItem) -> Option<String> {
    Some(match item {
        FetchItem::Envelope(_) => "ENVELOPE".into(),
        FetchItem::Body(_) => "BODY".into(),
        FetchItem::BodyStructure(_) => "BODYSTRUCTURE".into(),
        FetchItem::Rfc822Size(_) => "RFC822.SIZE".into(),
        FetchItem::BodySection { section, origin, .. } => {
            let mut t = format!("BODY[{}]", section_text(section)).to_ascii_uppercase();
            if let Some(o) = origin {
                t.push_str(&format!("<{o}>"));
            }
            t
        }
        _ => return None,
    })
}

fn encode_item(item: &FetchItem) -> Vec<u8> {
    let rsp = Response::Data(Data::Fetch { seq: NonZeroU32::new(1).unwrap(), items: vec![item.clone()] });
    encode_response(&rsp, &mut BytesMut::new()).to_vec()
}

/// `(message, item)` pairs that `tests/dovecot-differences.md` explains.
fn listed_differences() -> BTreeSet<(String, String)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dovecot-differences.md");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(|c| c.trim().trim_matches('`')).collect();
        if cells.len() >= 3 && !cells[0].is_empty() && cells[0] != "message" && !cells[0].starts_with("---") {
            out.insert((cells[0].to_string(), cells[1].to_string()));
        }
    }
    out
}

fn fetch_items(client: &mut Client, seq: usize, attrs: &[FetchAttribute]) -> Vec<FetchItem> {
    let list = attrs.iter().map(attribute_text).collect::<Vec<_>>().join(" ");
    let mut items = Vec::new();
    for r in client.run(format!("FETCH {seq} ({list})").as_bytes()) {
        if let Response::Data(Data::Fetch { items: i, .. }) = r {
            items.extend(i);
        }
    }
    items
}

#[test]
fn dovecot_differential() {
    let started = Instant::now();
    let Some(dovecot) = start_dovecot("mime") else { return };
    let mut client = Client::connect(dovecot.port);
    client.run(b"LOGIN alice secret");
    let corpus = corpus();
    for (_, raw) in &corpus {
        let mut cmd = format!("APPEND INBOX {{{}+}}\r\n", raw.len()).into_bytes();
        cmd.extend_from_slice(raw);
        client.run(&cmd);
    }
    client.run(b"SELECT INBOX");

    let listed = listed_differences();
    let mut unexplained = Vec::new();
    let mut explained = 0;
    let mut exact = 0;
    let mut compared = 0;
    for (i, (name, raw)) in corpus.iter().enumerate() {
        let seq = i + 1;
        let ours = Message::parse(Bytes::from(raw.clone()));
        let size = ours.size();
        let hf = |not: bool| {
            let names = ["FROM", "SUBJECT", "TO", "CONTENT-TYPE", "X-NONE"].map(AString::from_static).to_vec();
            if not {
                SectionText::HeaderFieldsNot(names)
            } else {
                SectionText::HeaderFields(names)
            }
        };
        let mut attrs = vec![
            FetchAttribute::Envelope,
            FetchAttribute::BodyStructure,
            FetchAttribute::Body,
            FetchAttribute::Rfc822Size,
            peek(section(&[], None), None),
            peek(section(&[], Some(SectionText::Header)), None),
            peek(section(&[], Some(SectionText::Text)), None),
            peek(section(&[], Some(hf(false))), None),
            peek(section(&[], Some(hf(true))), None),
            peek(section(&[], None), Some((0, 10))),
            peek(section(&[], Some(SectionText::Text)), Some((5, 20))),
            peek(section(&[], None), Some((size.saturating_sub(3), 100))),
            peek(section(&[], None), Some((size + 10, 5))),
        ];
        let first = fetch_items(&mut client, seq, &attrs);
        let reference = first.iter().find_map(|i| match i {
            FetchItem::BodyStructure(b) => Some(b.as_ref().clone()),
            _ => None,
        });
        let mut paths = Vec::new();
        if let Some(b) = &reference {
            part_paths(b, &mut Vec::new(), &mut paths);
        }
        // A single-part message has part 1; one that does not exist reads as empty.
        if !matches!(reference, Some(BodyStructure::Multipart { .. })) {
            paths.insert(0, (vec![NonZeroU32::new(1).unwrap()], false));
        }
        paths.push((vec![NonZeroU32::new(9).unwrap()], false));
        let mut more = Vec::new();
        for (path, is_message) in &paths {
            more.push(peek(section(path, None), None));
            more.push(peek(section(path, Some(SectionText::Mime)), None));
            if *is_message || path.len() == 1 {
                more.push(peek(section(path, Some(SectionText::Header)), None));
                more.push(peek(section(path, Some(SectionText::Text)), None));
                more.push(peek(
                    section(path, Some(SectionText::HeaderFields(vec![AString::from_static("SUBJECT")]))),
                    None,
                ));
            }
        }
        if let Some((p, _)) = paths.first() {
            more.push(peek(section(p, None), Some((2, 5))));
        }
        let second = fetch_items(&mut client, seq, &more);
        attrs.extend(more);

        let mut theirs = first;
        theirs.extend(second);
        let mine_all: Vec<(String, FetchItem)> = attrs
            .iter()
            .map(|a| {
                let item = ours.fetch(a).expect("fetch").expect("an item");
                (item_key(&item).expect("a key"), item)
            })
            .collect();
        let mut all_same = true;
        for item in &theirs {
            let Some(key) = item_key(item) else { continue };
            let mine = mine_all
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, m)| m.clone())
                .unwrap_or_else(|| panic!("{name}: no attribute for {key}"));
            // Dovecot echoes header names upper-cased; compare with its section.
            let mine = match (mine, item) {
                (FetchItem::BodySection { origin, data, .. }, FetchItem::BodySection { section, .. }) => {
                    FetchItem::BodySection { section: section.clone(), origin, data }
                }
                (m, _) => m,
            };
            compared += 1;
            let (a, b) = (encode_item(&mine), encode_item(item));
            if a != b {
                all_same = false;
                if listed.contains(&(name.clone(), key.clone())) {
                    explained += 1;
                } else {
                    unexplained.push(format!(
                        "{name} {key}\n   dovecot: {}\n   ours:    {}",
                        String::from_utf8_lossy(&b).escape_debug(),
                        String::from_utf8_lossy(&a).escape_debug()
                    ));
                }
            }
        }
        if all_same {
            exact += 1;
        }
    }
    client.run(b"LOGOUT");
    drop(dovecot);
    eprintln!(
        "dovecot differential: {} messages, {exact} identical in every item, {compared} items compared, \
         {explained} listed differences, {} unexplained, {:.1?}",
        corpus.len(),
        unexplained.len(),
        started.elapsed()
    );
    assert!(unexplained.is_empty(), "{} unexplained differences:\n{}", unexplained.len(), unexplained.join("\n"));
}

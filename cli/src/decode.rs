//! `imapm decode`: replays a transcript through the codec.
//!
//! A transcript has one line per line of traffic, each starting with `C: ` (client to
//! server) or `S: ` (server to client). The text after the prefix, plus CRLF, is bytes of
//! that direction; literal payloads are lines too. Lines starting with `#` are comments.
//!
//! Each direction is framed on its own, in file order. Every client message is parsed as a
//! command (or, inside AUTHENTICATE and IDLE, as the continuation line it is), re-encoded,
//! and parsed again to check the round trip.

use std::io::{self, Write};

use bytes::{Bytes, BytesMut};
use imap_machine::codec::{
    encode_command, encode_response, parse_authenticate_data, parse_command, parse_idle_done, parse_response,
    AuthenticateData, EncodeOptions, Framer, FramerEvent, FramerOptions, Role,
};
use imap_machine::types::{Code, CommandBody, Continue, Data, Response, Tag};

/// Counts of one run.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Summary {
    pub(crate) messages: usize,
    pub(crate) parsed: usize,
    pub(crate) round_tripped: usize,
    pub(crate) errors: usize,
}

impl Summary {
    /// Whether every message parsed and round-tripped.
    pub(crate) fn ok(&self) -> bool {
        self.errors == 0 && self.parsed == self.messages && self.round_tripped == self.messages
    }
}

/// What the client side is in the middle of.
enum ClientMode {
    Commands,
    /// Inside AUTHENTICATE with this tag: client lines are SASL responses.
    Authenticate(Tag),
    /// Inside IDLE with this tag: the next client line is DONE.
    Idle(Tag),
}

struct Decoder<'w, W: Write> {
    out: &'w mut W,
    summary: Summary,
    mode: ClientMode,
}

/// A one-line summary of a response.
fn short_response(rsp: &Response) -> String {
    match rsp {
        Response::Status { tag, status } => {
            let tag = tag.as_ref().map_or("*".into(), |t| t.to_str_lossy().into_owned());
            let code = status.code.as_ref().map(|c| format!(" [{}]", code_name(c))).unwrap_or_default();
            format!("{tag} {}{code}", status.kind.as_str())
        }
        Response::Continue(Continue::Base64(b)) => format!("+ base64 {} bytes", b.len()),
        Response::Continue(Continue::Basic { .. }) => "+".to_string(),
        Response::Data(d) => match d {
            Data::Fetch { seq, items } => format!("* {seq} FETCH {} items", items.len()),
            Data::Exists(n) => format!("* {n} EXISTS"),
            Data::Recent(n) => format!("* {n} RECENT"),
            Data::Expunge(n) => format!("* {n} EXPUNGE"),
            Data::Other { name, .. } => format!("* {name} (unknown, kept raw)"),
            other => {
                let dbg = format!("{other:?}");
                let name = dbg.split(['(', ' ', '{']).next().unwrap_or("").to_ascii_uppercase();
                format!("* {name}")
            }
        },
    }
}

fn code_name(c: &Code) -> String {
    match c {
        Code::Other { name, .. } => name.to_string(),
        other => {
            let dbg = format!("{other:?}");
            dbg.split(['(', ' ', '{']).next().unwrap_or("").to_ascii_uppercase()
        }
    }
}

impl<W: Write> Decoder<'_, W> {
    fn client_message(&mut self, msg: Bytes) -> io::Result<()> {
        self.summary.messages += 1;
        match &self.mode {
            ClientMode::Authenticate(_) => match parse_authenticate_data(&msg) {
                Ok(data) => {
                    self.summary.parsed += 1;
                    self.summary.round_tripped += 1;
                    let what = match data {
                        AuthenticateData::Response(r) => format!("sasl-response {} bytes", r.expose().len()),
                        AuthenticateData::Cancel => "sasl-cancel".to_string(),
                    };
                    writeln!(self.out, "C ok {what}")
                }
                Err(e) => self.error('C', e.offset, &e.kind.to_string()),
            },
            ClientMode::Idle(_) => match parse_idle_done(&msg) {
                Ok(()) => {
                    self.summary.parsed += 1;
                    self.summary.round_tripped += 1;
                    self.mode = ClientMode::Commands;
                    writeln!(self.out, "C ok DONE")
                }
                Err(e) => self.error('C', e.offset, &e.kind.to_string()),
            },
            ClientMode::Commands => match parse_command(&msg) {
                Ok(cmd) => {
                    self.summary.parsed += 1;
                    let wire = encode_command(&cmd, &EncodeOptions::default(), &mut BytesMut::new()).to_vec();
                    let again = parse_command(&Bytes::from(wire));
                    let trip = if again.as_ref() == Ok(&cmd) {
                        self.summary.round_tripped += 1;
                        ""
                    } else {
                        self.summary.errors += 1;
                        " (ROUND TRIP FAILED)"
                    };
                    match cmd.body {
                        CommandBody::Authenticate { .. } => self.mode = ClientMode::Authenticate(cmd.tag.clone()),
                        CommandBody::Idle => self.mode = ClientMode::Idle(cmd.tag.clone()),
                        _ => {}
                    }
                    writeln!(self.out, "C ok {} {}{trip}", cmd.tag.to_str_lossy(), cmd.body.name())
                }
                Err(e) => self.error('C', e.offset, &e.kind.to_string()),
            },
        }
    }

    fn server_message(&mut self, msg: Bytes) -> io::Result<()> {
        self.summary.messages += 1;
        let rsp = match parse_response(&msg) {
            Ok(rsp) => rsp,
            Err(e) => return self.error('S', e.error.offset, &e.error.kind.to_string()),
        };
        self.summary.parsed += 1;
        // A tagged completion ends an AUTHENTICATE or IDLE exchange.
        if let Response::Status { tag: Some(tag), .. } = &rsp {
            match &self.mode {
                ClientMode::Authenticate(t) | ClientMode::Idle(t) if t == tag => self.mode = ClientMode::Commands,
                _ => {}
            }
        }
        let wire = encode_response(&rsp, &mut BytesMut::new()).to_vec();
        let trip = if parse_response(&Bytes::from(wire)).as_ref() == Ok(&rsp) {
            self.summary.round_tripped += 1;
            ""
        } else {
            self.summary.errors += 1;
            " (ROUND TRIP FAILED)"
        };
        writeln!(self.out, "S ok {}{trip}", short_response(&rsp))
    }

    fn error(&mut self, side: char, offset: usize, reason: &str) -> io::Result<()> {
        self.summary.errors += 1;
        writeln!(self.out, "{side} err {offset} {reason}")
    }
}

/// Decodes a transcript, writing one line per message and a summary line.
pub(crate) fn run<W: Write>(text: &[u8], out: &mut W) -> io::Result<Summary> {
    let mut client = Framer::new(Role::Server, FramerOptions::default());
    let mut server = Framer::new(Role::Client, FramerOptions::default());
    let mut d = Decoder { out, summary: Summary::default(), mode: ClientMode::Commands };
    let mut line_bytes = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() || line.starts_with(b"#") {
            continue;
        }
        let (is_client, content) = match line {
            [b'C', b':', rest @ ..] => (true, rest.strip_prefix(b" ").unwrap_or(rest)),
            [b'S', b':', rest @ ..] => (false, rest.strip_prefix(b" ").unwrap_or(rest)),
            _ => return Err(io::Error::new(io::ErrorKind::InvalidData, "line without C: or S: prefix")),
        };
        line_bytes.clear();
        line_bytes.extend_from_slice(content);
        line_bytes.extend_from_slice(b"\r\n");
        let framer = if is_client { &mut client } else { &mut server };
        framer.handle_input(&line_bytes);
        while let Some(event) = if is_client { client.poll() } else { server.poll() } {
            match (is_client, event) {
                (true, FramerEvent::Message(f)) => d.client_message(f.into_bytes())?,
                (false, FramerEvent::Message(f)) => d.server_message(f.into_bytes())?,
                (_, FramerEvent::LiteralAnnounced { .. }) => {}
                (side, FramerEvent::Error(e)) => {
                    d.summary.messages += 1;
                    d.error(if side { 'C' } else { 'S' }, 0, &e.kind.to_string())?;
                }
            }
        }
    }
    for (side, framer) in [('C', &client), ('S', &server)] {
        if framer.is_mid_message() {
            d.error(side, 0, "transcript ends inside a message")?;
        }
    }
    let s = &d.summary;
    writeln!(
        d.out,
        "{} messages, {} parsed, {} round-tripped, {} errors",
        s.messages, s.parsed, s.round_tripped, s.errors
    )?;
    Ok(d.summary)
}

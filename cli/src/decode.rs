//! `imapm decode`: replays a transcript through the codec.
//!
//! A transcript has one line per line of traffic, each starting with `C: ` (client to
//! server) or `S: ` (server to client). The text after the prefix, plus CRLF, is bytes of
//! that direction; literal payloads are lines too. Lines starting with `#` are comments.
//!
//! Each direction is framed on its own, in file order. Every client message is parsed as a
//! command (or, inside AUTHENTICATE and IDLE, as the continuation line it is), re-encoded,
//! and parsed again to check the round trip.
//!
//! Inside AUTHENTICATE, a client line is a SASL response (base64, or `*` to cancel) only
//! when the server asked for one with a `+` continuation: each `+` asks for one. A
//! transcript with no `S:` line at all (client side only) has no `+` to go by: there the
//! server is taken to ask after `AUTHENTICATE mech` without an initial response, for as
//! long as the lines can be SASL responses, and never after one with an initial response
//! (SASL-IR). In every case, a line that cannot be a SASL response is parsed as a command,
//! and a cancel (`*`) or the command's tagged completion ends the exchange.

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
    /// Inside AUTHENTICATE with this tag.
    Authenticate {
        tag: Tag,
        /// `+` continuations from the server not yet answered.
        asked: usize,
        /// Client-only transcript, no initial response: every line that can be a SASL
        /// response is one.
        implied: bool,
    },
    /// Inside IDLE with this tag: the next client line is DONE.
    Idle(Tag),
}

struct Decoder<'w, W: Write> {
    out: &'w mut W,
    summary: Summary,
    mode: ClientMode,
    /// The transcript has no `S:` line.
    client_only: bool,
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
        if let ClientMode::Authenticate { asked, implied, .. } = &mut self.mode {
            if *asked > 0 || *implied {
                if let Ok(data) = parse_authenticate_data(&msg) {
                    *asked = asked.saturating_sub(1);
                    self.summary.parsed += 1;
                    self.summary.round_tripped += 1;
                    let what = match data {
                        AuthenticateData::Response(r) => format!("sasl-response {} bytes", r.expose().len()),
                        AuthenticateData::Cancel => {
                            self.mode = ClientMode::Commands;
                            "sasl-cancel".to_string()
                        }
                    };
                    return writeln!(self.out, "C ok {what}");
                }
            }
            // Not a SASL response (or none was asked for): the client is past the exchange.
            self.mode = ClientMode::Commands;
        }
        match &self.mode {
            ClientMode::Idle(_) => match parse_idle_done(&msg) {
                Ok(()) => {
                    self.summary.parsed += 1;
                    self.summary.round_tripped += 1;
                    self.mode = ClientMode::Commands;
                    writeln!(self.out, "C ok DONE")
                }
                Err(e) => self.error('C', e.offset, &e.kind.to_string()),
            },
            ClientMode::Commands | ClientMode::Authenticate { .. } => match parse_command(&msg) {
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
                        CommandBody::Authenticate { ref initial_response, .. } => {
                            self.mode = ClientMode::Authenticate {
                                tag: cmd.tag.clone(),
                                asked: 0,
                                implied: self.client_only && initial_response.is_none(),
                            }
                        }
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
        match (&rsp, &mut self.mode) {
            // A tagged completion ends an AUTHENTICATE or IDLE exchange.
            (
                Response::Status { tag: Some(tag), .. },
                ClientMode::Authenticate { tag: t, .. } | ClientMode::Idle(t),
            ) if t == tag => {
                self.mode = ClientMode::Commands;
            }
            // Inside AUTHENTICATE, a `+` asks for one SASL response.
            (Response::Continue(_), ClientMode::Authenticate { asked, .. }) => *asked += 1,
            _ => {}
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
    let client_only = !text.split(|&b| b == b'\n').any(|l| l.starts_with(b"S:"));
    let mut d = Decoder { out, summary: Summary::default(), mode: ClientMode::Commands, client_only };
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
                // No literal is offered: `offer_literals_over` stays off here.
                (_, FramerEvent::LiteralAnnounced { .. })
                | (_, FramerEvent::LiteralOffered { .. })
                | (_, FramerEvent::LiteralChunk(_))
                | (_, FramerEvent::LiteralEnd) => {}
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `text`; the output lines without the summary line, and whether it all passed.
    fn decode(text: &str) -> (Vec<String>, bool) {
        let mut out = Vec::new();
        let summary = run(text.as_bytes(), &mut out).expect("decode");
        let out = String::from_utf8(out).expect("utf-8");
        let mut lines: Vec<String> = out.lines().map(str::to_string).collect();
        lines.pop();
        (lines, summary.ok())
    }

    fn lines(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn client_only_sasl_ir_is_no_exchange() {
        let (out, ok) = decode(
            "C: a AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\n\
             C: b SELECT INBOX\n\
             C: c LOGOUT\n",
        );
        assert_eq!(out, lines(&["C ok a AUTHENTICATE", "C ok b SELECT", "C ok c LOGOUT"]));
        assert!(ok);
    }

    #[test]
    fn client_only_without_initial_response() {
        let (out, ok) = decode(
            "C: a AUTHENTICATE PLAIN\n\
             C: AGFsaWNlAHNlY3JldA==\n\
             C: b SELECT INBOX\n\
             C: c NOOP\n",
        );
        assert_eq!(out, lines(&["C ok a AUTHENTICATE", "C ok sasl-response 13 bytes", "C ok b SELECT", "C ok c NOOP"]));
        assert!(ok);
    }

    #[test]
    fn client_only_multi_step_then_commands() {
        // AUTHENTICATE LOGIN: two responses (the second empty, `C: ` alone), then commands.
        let (out, ok) = decode(
            "C: a AUTHENTICATE LOGIN\n\
             C: YWxpY2U=\n\
             C: \n\
             C: b LIST \"\" *\n",
        );
        assert_eq!(
            out,
            lines(&["C ok a AUTHENTICATE", "C ok sasl-response 5 bytes", "C ok sasl-response 0 bytes", "C ok b LIST"])
        );
        assert!(ok);
    }

    #[test]
    fn client_only_cancel_ends_the_exchange() {
        let (out, ok) = decode(
            "C: a AUTHENTICATE PLAIN\n\
             C: *\n\
             C: b LOGIN alice secret\n",
        );
        assert_eq!(out, lines(&["C ok a AUTHENTICATE", "C ok sasl-cancel", "C ok b LOGIN"]));
        assert!(ok);
    }

    #[test]
    fn full_transcript_responses_follow_the_servers_continuations() {
        let (out, ok) = decode(
            "S: * OK ready\n\
             C: a AUTHENTICATE PLAIN\n\
             S: + \n\
             C: AGFsaWNlAHNlY3JldA==\n\
             S: a OK done\n\
             C: b NOOP\n\
             S: b OK done\n",
        );
        assert_eq!(
            out,
            lines(&[
                "S ok * OK",
                "C ok a AUTHENTICATE",
                "S ok +",
                "C ok sasl-response 13 bytes",
                "S ok a OK",
                "C ok b NOOP",
                "S ok b OK"
            ])
        );
        assert!(ok);
    }

    #[test]
    fn full_transcript_initial_response_with_a_continuation() {
        // RFC 7628 §3.2.2: the server sends an error as a continuation, the client answers
        // with an empty response (here `C: `), and the server fails the command.
        let (out, ok) = decode(
            "S: * OK ready\n\
             C: a AUTHENTICATE XOAUTH2 dXNlcj1hbGljZQFhdXRoPUJlYXJlciB0b2tlbgEB\n\
             S: + eyJzdGF0dXMiOiI0MDEifQ==\n\
             C: \n\
             S: a NO [AUTHENTICATIONFAILED] no\n\
             C: b LOGOUT\n",
        );
        assert_eq!(out[3], "C ok sasl-response 0 bytes");
        assert_eq!(out[5], "C ok b LOGOUT");
        assert!(ok, "{out:?}");
    }

    #[test]
    fn full_transcript_base64_not_asked_for_is_a_command() {
        // With an initial response and no `+` from the server, a base64 line is not a SASL
        // response: it is parsed (and fails) as a command, and the next command is fine.
        let (out, ok) = decode(
            "S: * OK ready\n\
             C: a AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\n\
             C: Zm9v\n\
             C: b NOOP\n",
        );
        assert_eq!(out[2].split(' ').take(2).collect::<Vec<_>>(), ["C", "err"], "{out:?}");
        assert_eq!(out[3], "C ok b NOOP");
        assert!(!ok);
    }

    #[test]
    fn a_command_after_unanswered_continuation_is_a_command() {
        // A client line that cannot be a SASL response is parsed as a command, even while
        // the server waits for one.
        let (out, _) = decode(
            "S: * OK ready\n\
             C: a AUTHENTICATE PLAIN\n\
             S: + \n\
             C: b NOOP\n",
        );
        assert_eq!(out[3], "C ok b NOOP");
    }

    #[test]
    fn client_only_idle() {
        let (out, ok) = decode("C: a IDLE\nC: DONE\nC: b NOOP\n");
        assert_eq!(out, lines(&["C ok a IDLE", "C ok DONE", "C ok b NOOP"]));
        assert!(ok);
    }
}

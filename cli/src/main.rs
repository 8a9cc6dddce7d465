//! `imapm`: command-line tools for imap-machine.
//!
//! - `imapm decode FILE`: frame, parse and re-encode a `C:`/`S:` transcript.
//! - `imapm serve`: a demo server on the in-memory backend (127.0.0.1:1143).
//! - `imapm pw -s SCHEME`: a password hash for a passwd-file, as `doveadm pw` prints it.

#![forbid(unsafe_code)]

mod decode;
mod passwd;
mod serve;

use std::io::{self, Write};
use std::process::ExitCode;

const USAGE: &str =
    "usage: imapm decode FILE | imapm serve [options] | imapm pw [-s SCHEME] [-p PASS] | imapm --help | imapm --version";

const HELP: &str = "\
imapm: command-line tools for imap-machine

usage:
  imapm decode FILE       frame, parse and re-encode a C:/S: transcript
  imapm serve [options]   a demo IMAP server on the in-memory store (127.0.0.1:1143)
  imapm pw [-s SCHEME]    a password hash for a users file, as `doveadm pw` prints it
  imapm --help, -h        this text (also `imapm serve --help`, `imapm decode --help`)
  imapm --version, -V     the version
";

const DECODE_HELP: &str = "\
usage: imapm decode FILE

Replays a transcript through the codec. Each line of FILE starts with `C: ` (client to
server) or `S: ` (server to client); the rest of the line plus CRLF is bytes of that
direction, literal payloads included. Lines starting with `#` are comments.

Each direction is framed on its own, in file order. Every client message is parsed as a
command (or, inside AUTHENTICATE and IDLE, as the SASL response or DONE it is), every
server message as a response; each is re-encoded and parsed again to check the round
trip. One line per message (`C ok ...`, `S ok ...`, or `C err OFFSET REASON`), then a
summary.

Inside AUTHENTICATE a client line is a SASL response when a server `+` asked for one; in a
transcript with no S: lines, after AUTHENTICATE without an initial response. A line that
cannot be a SASL response is parsed as a command.

Exit status: 0 if every message parsed and round-tripped, 1 if not, 2 on a usage error or
an unreadable FILE.
";

/// Writes `text` to stdout; a closed stdout is not an error.
fn print(text: &str) -> ExitCode {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("imapm: {e}");
            ExitCode::FAILURE
        }
    }
}

fn is_help(arg: &str) -> bool {
    matches!(arg, "--help" | "-h")
}

fn decode(path: &str) -> ExitCode {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("imapm: {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut out = io::stdout().lock();
    let result = decode::run(&text, &mut out).and_then(|summary| out.flush().map(|()| summary));
    match result {
        Ok(summary) if summary.ok() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        // `imapm decode FILE | head`: the reader has all it wants.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("imapm: {e}");
            ExitCode::FAILURE
        }
    }
}

const PW_HELP: &str = "\
usage: imapm pw [-s SCHEME] [-p PASSWORD]

Prints `{SCHEME}hash` of a password with a fresh salt, for a users file in Dovecot's
passwd-file format (`imapm serve --users-file`), as `doveadm pw` does. Without -p, the
password is the first line of standard input.

SCHEME: ARGON2ID (the default), ARGON2I, BLF-CRYPT, SHA512-CRYPT, SHA256-CRYPT, PLAIN.
";

/// `imapm pw`: a hash, as `doveadm pw -s SCHEME -p PASSWORD` prints it.
fn pw(args: &[&str]) -> ExitCode {
    let mut scheme = passwd::Scheme::Argon2id;
    let mut password: Option<String> = None;
    let mut it = args.iter();
    while let Some(&a) = it.next() {
        match (a, it.next()) {
            ("-s", Some(name)) => match passwd::Scheme::from_name(name) {
                Some(s) => scheme = s,
                None => {
                    eprintln!("imapm pw: unknown scheme {name:?}\nusage: imapm pw [-s SCHEME] [-p PASSWORD]");
                    return ExitCode::from(2);
                }
            },
            ("-p", Some(p)) => password = Some((*p).to_string()),
            _ => {
                eprintln!("imapm pw: unknown option {a}\nusage: imapm pw [-s SCHEME] [-p PASSWORD]");
                return ExitCode::from(2);
            }
        }
    }
    let password = match password {
        Some(p) => p,
        None => {
            let mut line = String::new();
            if let Err(e) = io::stdin().read_line(&mut line) {
                eprintln!("imapm pw: {e}");
                return ExitCode::FAILURE;
            }
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    match passwd::hash(scheme, password.as_bytes()) {
        Ok(line) => print(&format!("{line}\n")),
        Err(e) => {
            eprintln!("imapm pw: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        [h] if is_help(h) || *h == "help" => print(HELP),
        ["--version" | "-V"] => print(&format!("imapm {}\n", env!("CARGO_PKG_VERSION"))),
        ["decode", h] if is_help(h) => print(DECODE_HELP),
        ["decode", path] => decode(path),
        ["pw", h] if is_help(h) => print(PW_HELP),
        ["pw", rest @ ..] => pw(rest),
        ["serve", rest @ ..] => match serve::parse(rest) {
            Ok(serve::Parsed::Help) => print(serve::HELP),
            Ok(serve::Parsed::Run(o)) => match serve::run(*o) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("imapm serve: {e}");
                    ExitCode::FAILURE
                }
            },
            Err(e) => {
                eprintln!("imapm serve: {e}\nusage: {}", serve::USAGE);
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

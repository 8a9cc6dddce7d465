//! `imapm`: command-line tools for imap-machine.
//!
//! - `imapm decode FILE`: frame, parse and re-encode a `C:`/`S:` transcript.
//! - `imapm serve`: a demo server on the in-memory backend (127.0.0.1:1143).
//! - `imapm pw -s SCHEME`: a password hash for a passwd-file, as `doveadm pw` prints it.

#![forbid(unsafe_code)]

mod config;
mod decode;
mod observe;
mod passwd;
mod serve;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

const DECODE_HELP: &str = "\
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

/// `imapm`: command-line tools for imap-machine.
#[derive(Parser, Debug)]
#[command(
    name = "imapm",
    version,
    about = "imapm: command-line tools for imap-machine",
    override_usage = "imapm decode FILE | imapm serve [OPTIONS] | imapm pw [-s SCHEME] [-p PASSWORD]",
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Frame, parse and re-encode a C:/S: transcript
    #[command(version, override_usage = "imapm decode FILE", long_about = DECODE_HELP)]
    Decode {
        /// The transcript
        file: PathBuf,
    },
    /// A demo IMAP server on the in-memory store (127.0.0.1:1143)
    #[command(version, long_about = config::SERVE_HELP)]
    Serve(Box<config::ServeArgs>),
    /// A password hash for a users file (`{SCHEME}hash`), as `doveadm pw` prints it
    #[command(
        long_about = "Prints `{SCHEME}hash` of a password with a fresh salt, for a users file in \
Dovecot's passwd-file format (`imapm serve --users-file`), as `doveadm pw` does. Without -p, the \
password is the first line of standard input.",
        version
    )]
    Pw {
        /// ARGON2ID, ARGON2I, BLF-CRYPT, SHA512-CRYPT, SHA256-CRYPT or PLAIN
        #[arg(short = 's', long = "scheme", default_value = "ARGON2ID", value_parser = scheme)]
        scheme: passwd::Scheme,
        /// The password (default: the first line of standard input)
        #[arg(short = 'p', long = "password")]
        password: Option<String>,
    },
}

fn scheme(name: &str) -> Result<passwd::Scheme, String> {
    passwd::Scheme::from_name(name).ok_or_else(|| {
        format!("unknown scheme {name:?} (ARGON2ID, ARGON2I, BLF-CRYPT, SHA512-CRYPT, SHA256-CRYPT, PLAIN)")
    })
}

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

fn decode(path: &std::path::Path) -> ExitCode {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("imapm: {}: {e}", path.display());
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

/// `imapm pw`: a hash, as `doveadm pw -s SCHEME -p PASSWORD` prints it.
fn pw(scheme: passwd::Scheme, password: Option<String>) -> ExitCode {
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
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            // Help and version into a closed pipe end quietly.
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Decode { file } => decode(&file),
        Command::Pw { scheme, password } => pw(scheme, password),
        Command::Serve(args) => {
            let settings = match args.settings() {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("imapm serve: {e}");
                    return ExitCode::from(2);
                }
            };
            match serve::run(settings) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("imapm serve: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

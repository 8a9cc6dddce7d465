//! An IMAP client on a hand-written mio event loop (no async runtime): connects in
//! plaintext, logs in, selects INBOX, prints one line per message of
//! `FETCH 1:* (UID FLAGS ENVELOPE)`, IDLEs for `--idle-secs` printing each update, then
//! DONE and LOGOUT. Exits with status 1 and a message on stderr on any NO, BAD or lost
//! connection.
//!
//! ```sh
//! cargo run --example mio_server &
//! cargo run --example mio_client -- --addr 127.0.0.1:1143 --user username --pass password --idle-secs 30
//! ```
//!
//! The loop itself is `examples/mio/client_loop.rs`.

// The example is the embedder: it owns the clock.
#![allow(clippy::disallowed_methods)]

#[path = "mio/client_loop.rs"]
mod client_loop;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use client_loop::{session, Config, Line};

const USAGE: &str = "usage: mio_client --addr HOST:PORT --user USER --pass PASS [--idle-secs N]";

fn parse_args() -> Result<Config, String> {
    let mut addr = None;
    let mut user = None;
    let mut pass = None;
    let mut idle = 0u64;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.into());
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--addr" => addr = Some(value),
            "--user" => user = Some(value),
            "--pass" => pass = Some(value),
            "--idle-secs" => idle = value.parse().map_err(|_| format!("--idle-secs: not a number: {value}"))?,
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        }
    }
    let need = |v: Option<String>, name: &str| v.ok_or_else(|| format!("{name} is required\n{USAGE}"));
    Ok(Config {
        addr: need(addr, "--addr")?,
        user: need(user, "--user")?,
        pass: need(pass, "--pass")?,
        idle: Duration::from_secs(idle),
        idle_stop_after: None,
        idle_refresh: None,
    })
}

fn main() -> ExitCode {
    let config = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "{e}");
            return ExitCode::from(2);
        }
    };
    let mut stdout = std::io::stdout();
    let mut print = |line: Line<'_>| {
        // A closed stdout (`| head`) must not panic the client.
        let _ = match line {
            Line::Info(s) => writeln!(stdout, "# {s}"),
            Line::Message(s) => writeln!(stdout, "{s}"),
            Line::Idling => writeln!(stdout, "# idling for {} s", config.idle.as_secs()),
            Line::Update(s) => writeln!(stdout, "update: {s}"),
        };
        let _ = stdout.flush();
    };
    match session(&config, &mut print) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "mio_client: {e}");
            ExitCode::FAILURE
        }
    }
}

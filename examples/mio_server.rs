//! An IMAP server on a hand-written mio event loop (no async runtime): one thread serves
//! every connection, each a core `server::Server` machine and a store `Session` on one
//! shared in-memory backend (the demo data: user `username`, password `password`).
//! Plaintext LOGIN is allowed because there is no TLS here: keep it on loopback.
//!
//! ```sh
//! cargo run --example mio_server -- --listen 127.0.0.1:1143 --user alice:secret
//! ```
//!
//! The loop itself is `examples/mio/server_loop.rs`.

// The example is the embedder: it owns the clock.
#![allow(clippy::disallowed_methods)]

#[path = "mio/server_loop.rs"]
mod server_loop;

use std::io::Write;
use std::process::ExitCode;

use server_loop::{Config, ServerLoop};

const USAGE: &str = "usage: mio_server [--listen ADDR] [--user NAME:PASS]... [--quiet]";

fn parse_args() -> Result<Config, String> {
    let mut config = Config::new(([127, 0, 0, 1], 1143).into());
    config.log = true;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--help" | "-h" => return Err(USAGE.into()),
            "--quiet" => config.log = false,
            "--listen" | "--user" => {
                let value = args.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
                if flag == "--listen" {
                    config.listen = value.parse().map_err(|_| format!("--listen: not an address: {value}"))?;
                } else {
                    let (name, pass) =
                        value.split_once(':').ok_or_else(|| format!("--user wants NAME:PASS, got {value}"))?;
                    config.users.push((name.to_string(), pass.to_string()));
                }
            }
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        }
    }
    Ok(config)
}

fn main() -> ExitCode {
    let config = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "{e}");
            return ExitCode::from(2);
        }
    };
    let server = match ServerLoop::bind(config) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "mio_server: cannot listen: {e}");
            return ExitCode::FAILURE;
        }
    };
    let _ = writeln!(std::io::stdout(), "mio_server listening on {}", server.local_addr());
    match server.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "mio_server: {e}");
            ExitCode::FAILURE
        }
    }
}

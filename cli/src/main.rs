//! `imapm`: command-line tools for imap-machine.
//!
//! - `imapm decode FILE`: frame, parse and re-encode a `C:`/`S:` transcript.
//! - `imapm serve`: a demo server on the in-memory backend (127.0.0.1:1143).

#![forbid(unsafe_code)]

mod decode;
mod serve;

use std::process::ExitCode;

const USAGE: &str = "usage: imapm decode FILE | imapm serve [options]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("decode") if args.len() == 2 => match std::fs::read(&args[1]) {
            Ok(text) => {
                let mut out = std::io::stdout().lock();
                match decode::run(&text, &mut out) {
                    Ok(summary) if summary.ok() => ExitCode::SUCCESS,
                    Ok(_) => ExitCode::FAILURE,
                    Err(e) => {
                        eprintln!("imapm: {e}");
                        ExitCode::FAILURE
                    }
                }
            }
            Err(e) => {
                eprintln!("imapm: {}: {e}", args[1]);
                ExitCode::from(2)
            }
        },
        Some("serve") => match serve::parse(&args[1..]) {
            Ok(o) => match serve::run(o) {
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

//! The client side of the client benchmark (see `run.sh`).
//!
//! ```text
//! bench-client --impl {tokio,blocking,async-imap,floor} --workload {envelope,bodies,roundtrip}
//!              --addr 127.0.0.1:PORT --user U --pass P --mailbox M
//! ```
//!
//! Connects, logs in and selects `M` (not measured), then runs the workload and prints one
//! line: `impl=... workload=... messages=N wall_s=... cpu_s=... uid_sum=... flags=...
//! bytes=...`, where `cpu_s` is the process's CPU time (user + system, all threads) spent
//! in the workload. Exits non-zero when the server did not return exactly the expected
//! messages (UIDs 1..=N, each once).

mod async_imap_client;
mod floor;
mod ours;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use cpu_time::ProcessTime;

/// An error of any of the clients.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// What to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// `UID FETCH 1:* (UID FLAGS ENVELOPE)` over 10,000 messages.
    Envelope,
    /// `UID FETCH 1:1000 BODY.PEEK[]` over 1,000 messages of ~50 KB.
    Bodies,
    /// 1,000 sequential `UID FETCH <n> (UID FLAGS)`, n = 1..=1000.
    Roundtrip,
}

impl Workload {
    /// How many messages the workload must see.
    pub fn expected(self) -> u64 {
        match self {
            Workload::Envelope => 10_000,
            Workload::Bodies | Workload::Roundtrip => 1_000,
        }
    }
}

/// The roundtrip workload's UIDs.
pub const ROUNDTRIPS: u32 = 1_000;

/// The command-line arguments.
#[derive(Debug)]
pub struct Args {
    /// `tokio`, `blocking` or `async-imap`.
    pub imp: String,
    /// The workload.
    pub workload: Workload,
    /// `host:port`.
    pub addr: String,
    /// LOGIN user.
    pub user: String,
    /// LOGIN password.
    pub pass: String,
    /// The mailbox to SELECT.
    pub mailbox: String,
}

/// What a workload saw: every implementation touches the same items of each message.
#[derive(Debug, Default)]
pub struct Tally {
    /// Messages seen.
    pub messages: u64,
    /// Sum of their UIDs (must be N(N+1)/2).
    pub uid_sum: u64,
    /// Flags seen, over all messages.
    pub flags: u64,
    /// Envelope: bytes of the subjects as the library hands them over; bodies: body bytes.
    pub bytes: u64,
}

impl Tally {
    /// Counts one message.
    pub fn add(&mut self, uid: Option<u32>, flags: usize, bytes: usize) {
        self.messages += 1;
        self.uid_sum += u64::from(uid.unwrap_or(0));
        self.flags += flags as u64;
        self.bytes += bytes as u64;
    }
}

/// A workload's result, with its cost.
#[derive(Debug)]
pub struct Measured {
    /// What the workload saw.
    pub tally: Tally,
    /// Wall time.
    pub wall: Duration,
    /// Process CPU time (user + system).
    pub cpu: Duration,
}

/// Runs `f`, measuring wall and process CPU time around it (and nothing else).
pub fn measure(f: impl FnOnce() -> Result<Tally, Error>) -> Result<Measured, Error> {
    let (cpu0, wall0) = (ProcessTime::now(), Instant::now());
    let tally = f()?;
    let (wall, cpu) = (wall0.elapsed(), cpu0.elapsed());
    Ok(Measured { tally, wall, cpu })
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: bench-client --impl {{tokio,blocking,async-imap,floor}} --workload {{envelope,bodies,roundtrip}} \
         --addr HOST:PORT --user U --pass P --mailbox M"
    );
    ExitCode::from(2)
}

fn parse_args() -> Option<Args> {
    let (mut imp, mut workload, mut addr, mut user, mut pass, mut mailbox) = (None, None, None, None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next()?;
        match flag.as_str() {
            "--impl" => imp = Some(value),
            "--workload" => {
                workload = Some(match value.as_str() {
                    "envelope" => Workload::Envelope,
                    "bodies" => Workload::Bodies,
                    "roundtrip" => Workload::Roundtrip,
                    _ => return None,
                })
            }
            "--addr" => addr = Some(value),
            "--user" => user = Some(value),
            "--pass" => pass = Some(value),
            "--mailbox" => mailbox = Some(value),
            _ => return None,
        }
    }
    Some(Args { imp: imp?, workload: workload?, addr: addr?, user: user?, pass: pass?, mailbox: mailbox? })
}

fn main() -> ExitCode {
    let Some(args) = parse_args() else { return usage() };
    let result = match args.imp.as_str() {
        "tokio" => ours::tokio(&args),
        "blocking" => ours::blocking(&args),
        "async-imap" => async_imap_client::run(&args),
        "floor" => floor::run(&args),
        _ => return usage(),
    };
    let m = match result {
        Ok(m) => m,
        Err(e) => {
            eprintln!("bench-client {}: {e}", args.imp);
            return ExitCode::FAILURE;
        }
    };
    let t = &m.tally;
    let workload = format!("{:?}", args.workload).to_lowercase();
    println!(
        "impl={} workload={workload} messages={} wall_s={:.6} cpu_s={:.6} uid_sum={} flags={} bytes={}",
        args.imp,
        t.messages,
        m.wall.as_secs_f64(),
        m.cpu.as_secs_f64(),
        t.uid_sum,
        t.flags,
        t.bytes
    );
    let n = args.workload.expected();
    if t.messages != n || t.uid_sum != n * (n + 1) / 2 {
        eprintln!(
            "bench-client {}: expected UIDs 1..={n}, each once; got {} messages, UID sum {}",
            args.imp, t.messages, t.uid_sum
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

//! `imapm serve` as a child process on a free loopback port, and its memory from /proc.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, ChildStderr, Command, Stdio};

/// A running `imapm serve`; killed when dropped.
pub(crate) struct Serve {
    pub(crate) child: Child,
    pub(crate) addr: SocketAddr,
    /// Kept open: the server logs to it (`None` once a test took it).
    stderr: Option<BufReader<ChildStderr>>,
    /// The log lines up to the banner, which says the address.
    pub(crate) early: Vec<String>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `imapm serve --listen 127.0.0.1:0 EXTRA...` and reads the address from its banner.
pub(crate) fn serve(extra: &[&str]) -> Serve {
    let mut child = Command::new(env!("CARGO_BIN_EXE_imapm"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        // No delay for failed logins unless a test asks for one.
        .args(if extra.contains(&"--auth-failure-delay") { &[][..] } else { &["--auth-failure-delay", "0"] })
        .args(extra)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn imapm");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut addr = None;
    let mut early = Vec::new();
    let mut line = String::new();
    // With --tls-listen the IMAPS line comes first; the plain listener's line says "IMAP on".
    while addr.is_none() {
        line.clear();
        assert!(stderr.read_line(&mut line).expect("banner") > 0, "imapm serve exited");
        if let Some((_, rest)) = line.split_once("IMAP on ") {
            let a = rest.split([',', ';']).next().expect("address");
            addr = Some(a.parse().expect("socket address"));
        }
        early.push(line.clone());
    }
    Serve { child, addr: addr.expect("address"), stderr: Some(stderr), early }
}

impl Serve {
    /// The server's stderr from here on (its log, and the tap with `--debug`).
    pub(crate) fn take_stderr(&mut self) -> BufReader<ChildStderr> {
        self.stderr.take().expect("stderr taken once")
    }

    /// A field of the server's `/proc/PID/status`, in KiB.
    pub(crate) fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).expect("/proc/PID/status");
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc/PID/status"))
    }

    /// Resets the server's peak resident size (VmHWM) to its current one; false where the
    /// kernel does not allow it.
    pub(crate) fn reset_peak(&self) -> bool {
        std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5").is_ok()
    }
}

//! A Dovecot on 127.0.0.1 for the differential tests, from `../shared/peers/start-dovecot.sh`
//! (users `alice`/`secret` and `bob`/`secret`), stopped and removed on drop. Shared by the
//! root crate's `dovecot_differential.rs` and `imapm serve`'s `dovecot_shared.rs`; needs
//! `peers_env.rs` beside it as `super::peers_env`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::peers_env::{missing, shared};

/// A running Dovecot, stopped on drop.
pub(crate) struct Dovecot {
    pid: String,
    pub(crate) dir: PathBuf,
    /// Its IMAP port on 127.0.0.1.
    pub(crate) port: u16,
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(&self.pid).status();
        // Give it a moment to exit before removing its directory.
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && Path::new(&format!("/proc/{}", self.pid)).exists() {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("address").port()
}

/// Starts a fresh Dovecot in its own directory (`name` keeps concurrent tests apart); `None`
/// after a loud skip where Dovecot is missing (a failure in CI).
pub(crate) fn start_dovecot(name: &str) -> Option<Dovecot> {
    let script = shared().join("start-dovecot.sh");
    if (!script.exists() || !Path::new("/usr/sbin/dovecot").exists())
        && missing("dovecot (apt-get install -y dovecot-imapd) and ../shared/peers/start-dovecot.sh")
    {
        return None;
    }
    let dir = std::env::temp_dir().join(format!("imap-machine-dovecot-{}-{name}", std::process::id()));
    for _ in 0..5 {
        let port = free_port();
        let out = Command::new("bash")
            .arg(&script)
            .env("DOVECOT_DIR", &dir)
            .env("DOVECOT_PORT", port.to_string())
            .output()
            .expect("run start-dovecot.sh");
        if out.status.success() {
            let stdout = String::from_utf8_lossy(&out.stdout);
            let pid = stdout.lines().last().unwrap_or("").trim().to_string();
            assert!(!pid.is_empty() && pid.chars().all(|c| c.is_ascii_digit()), "no pid: {stdout}");
            return Some(Dovecot { pid, dir, port });
        }
        eprintln!("start-dovecot.sh failed on port {port}: {}", String::from_utf8_lossy(&out.stderr));
    }
    panic!("could not start dovecot");
}

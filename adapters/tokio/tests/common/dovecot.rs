//! A private Dovecot 2.3 on 127.0.0.1 for the tests that check our client against it,
//! started with the recipe `../shared/peers/start-dovecot.sh` (relative to the workspace
//! root). Without `/usr/sbin/dovecot` it is a loud SKIP, except under CI (`CI` set),
//! where a missing Dovecot fails.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A Dovecot instance, stopped (by its PID file) when dropped.
pub struct Dovecot {
    pub dir: PathBuf,
    pub port: u16,
    pub imaps_port: u16,
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

impl Dovecot {
    /// Starts Dovecot, or returns `None` (SKIP) when it is not installed outside CI.
    pub fn start(name: &str, port: u16, imaps_port: u16, ssl: bool, capability: Option<&str>) -> Option<Dovecot> {
        if !Path::new("/usr/sbin/dovecot").exists() {
            assert!(
                std::env::var_os("CI").is_none(),
                "/usr/sbin/dovecot is missing: CI must run `apt-get install -y dovecot-imapd`"
            );
            eprintln!("\n*** SKIP {name}: /usr/sbin/dovecot is not installed (apt-get install -y dovecot-imapd) ***\n");
            return None;
        }
        let dir = std::env::temp_dir().join(format!("imap-machine-tokio-{name}"));
        let script = workspace_root().join("../shared/peers/start-dovecot.sh");
        let stop = Dovecot { dir: dir.clone(), port, imaps_port };
        // A previous run killed hard may have left one behind.
        stop.stop();
        let mut cmd = Command::new("bash");
        cmd.arg(&script)
            .env("DOVECOT_DIR", &dir)
            .env("DOVECOT_PORT", port.to_string())
            .env("DOVECOT_IMAPS_PORT", imaps_port.to_string())
            .env("DOVECOT_SSL", if ssl { "1" } else { "0" });
        if let Some(c) = capability {
            cmd.env("DOVECOT_IMAP_CAPABILITY", c);
        }
        let out = cmd.output().unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
        assert!(
            out.status.success(),
            "start-dovecot.sh failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Some(stop)
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn home(&self, user: &str) -> PathBuf {
        self.dir.join("home").join(user)
    }

    /// Restarts this Dovecot with the `imap_zlib` plugin, which serves COMPRESS=DEFLATE
    /// (the recipe's configuration loads no plugin).
    pub fn enable_imap_zlib(&self) {
        self.restart_with("protocol imap {\n  mail_plugins = $mail_plugins imap_zlib");
    }

    /// Restarts this Dovecot serving URLAUTH and URLAUTH=BINARY (RFC 4467, RFC 5524): it
    /// needs a host for its URLs and a dictionary for the keys it keeps as mailbox
    /// attributes; `bob` is its submission user (`imap_urlauth_submit_user`).
    pub fn enable_urlauth(&self) {
        self.restart_with(
            "imap_urlauth_host = *\nmail_attribute_dict = file:%h/dovecot-attributes\n\
             imap_urlauth_submit_user = bob\nprotocol imap {",
        );
    }

    /// Stops this Dovecot, puts `text` where its configuration opens `protocol imap {`,
    /// and starts it again.
    fn restart_with(&self, text: &str) {
        self.stop();
        let conf = self.dir.join("dovecot.conf");
        let old = std::fs::read_to_string(&conf).expect("dovecot.conf");
        std::fs::write(&conf, old.replacen("protocol imap {", text, 1)).expect("write dovecot.conf");
        // In the foreground, as the recipe runs it, behind a shell that exits at once:
        // its PID is known, it is not our child (so it is reaped when stopped, never a
        // zombie), and its output does not keep the test's stdout open.
        let out = Command::new("sh")
            .arg("-c")
            .arg("/usr/sbin/dovecot -F -c \"$1\" </dev/null >/dev/null 2>&1 & echo $!")
            .arg("sh")
            .arg(&conf)
            .output()
            .expect("dovecot");
        let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
        std::fs::write(self.dir.join("dovecot.pid"), pid).expect("dovecot.pid");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(self.addr()).is_err() {
            assert!(std::time::Instant::now() < deadline, "the reconfigured dovecot does not listen");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    pub fn stop(&self) {
        let script = workspace_root().join("../shared/peers/stop-dovecot.sh");
        let _ = Command::new("bash").arg(script).env("DOVECOT_DIR", &self.dir).output();
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

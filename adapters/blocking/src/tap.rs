//! The debug tap: both directions as `C:` / `S:` lines, credentials redacted (the
//! equivalent of go-imap's DebugWriter).

use std::io::Write;
use std::sync::{Arc, Mutex};

/// Where traffic is logged. Cheap to clone; shared by every connection.
#[derive(Clone)]
pub struct Tap(Arc<Mutex<Box<dyn Write + Send>>>);

impl std::fmt::Debug for Tap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tap")
    }
}

impl Tap {
    /// A tap writing to `w`.
    pub fn new(w: impl Write + Send + 'static) -> Self {
        Tap(Arc::new(Mutex::new(Box::new(w))))
    }

    /// Logs bytes of one direction (`'C'` or `'S'`), one line per line, redacting the
    /// password of LOGIN and the lines of an AUTHENTICATE exchange.
    pub fn log(&self, side: char, bytes: &[u8], in_auth: bool) {
        let mut out = self.0.lock().unwrap_or_else(|p| p.into_inner());
        for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let text = String::from_utf8_lossy(line);
            let shown = if side == 'C' { redact(&text, in_auth) } else { text.into_owned() };
            let _ = writeln!(out, "{side}: {shown}");
        }
    }
}

fn redact(line: &str, in_auth: bool) -> String {
    let words: Vec<&str> = line.splitn(4, ' ').collect();
    match words.as_slice() {
        [tag, cmd, user, _] if cmd.eq_ignore_ascii_case("LOGIN") => format!("{tag} {cmd} {user} [REDACTED]"),
        [tag, cmd, mech, _] if cmd.eq_ignore_ascii_case("AUTHENTICATE") => format!("{tag} {cmd} {mech} [REDACTED]"),
        _ if in_auth => "[REDACTED]".to_string(),
        _ => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redacts_credentials() {
        assert_eq!(redact("a1 LOGIN joe secret", false), "a1 LOGIN joe [REDACTED]");
        assert_eq!(redact("a1 AUTHENTICATE PLAIN AGpvZQBzZWNyZXQ=", false), "a1 AUTHENTICATE PLAIN [REDACTED]");
        assert_eq!(redact("AGpvZQBzZWNyZXQ=", true), "[REDACTED]");
        assert_eq!(redact("a2 SELECT INBOX", false), "a2 SELECT INBOX");
    }
}

//! The debug tap: a transcript of both directions, with credentials redacted by the
//! core's [`imap_machine::tap::Redactor`]; this module only prints its lines.

use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex};

use imap_machine::tap::Redactor;

enum Sink {
    Writer(Mutex<Box<dyn Write + Send>>),
    Callback(Box<dyn Fn(&str) + Send + Sync>),
}

/// A transcript of a connection, like go-imap's `DebugWriter`: every line the client
/// sends as `C: ...`, every line the server sends as `S: ...`.
///
/// The lines come from the core's [`imap_machine::tap::Redactor`], which the blocking
/// adapter's tap uses too: the passwords of `LOGIN` and all `AUTHENTICATE` data (the
/// initial response and every client line until the command completes) show as
/// `[REDACTED]`. Literals show up to 1 KiB, then `[... N more bytes]`. On a server, each
/// line starts with the connection's number (`[3] C: ...`).
///
/// ```
/// use std::sync::{Arc, Mutex};
/// let lines = Arc::new(Mutex::new(Vec::new()));
/// let sink = lines.clone();
/// let tap = imap_machine_tokio::DebugTap::from_fn(move |line| sink.lock().unwrap().push(line.to_owned()));
/// # let _ = tap;
/// ```
#[derive(Clone)]
pub struct DebugTap {
    sink: Arc<Sink>,
}

impl fmt::Debug for DebugTap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DebugTap")
    }
}

impl DebugTap {
    /// A tap writing lines (each ending in `\n`) to `writer`.
    pub fn new(writer: impl Write + Send + 'static) -> Self {
        DebugTap { sink: Arc::new(Sink::Writer(Mutex::new(Box::new(writer)))) }
    }

    /// A tap writing to standard error.
    pub fn stderr() -> Self {
        Self::new(std::io::stderr())
    }

    /// A tap calling `f` with each line (without its line end).
    pub fn from_fn(f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        DebugTap { sink: Arc::new(Sink::Callback(Box::new(f))) }
    }

    fn emit(&self, line: &str) {
        match &*self.sink {
            Sink::Writer(w) => {
                if let Ok(mut w) = w.lock() {
                    let _ = writeln!(w, "{line}");
                    let _ = w.flush();
                }
            }
            Sink::Callback(f) => f(line),
        }
    }

    /// The per-connection state of the transcript.
    pub(crate) fn session(&self, label: String) -> TapSession {
        TapSession { tap: self.clone(), label, redactor: Redactor::new() }
    }
}

/// The transcript state of one connection: the core's [`Redactor`] and the line prefix.
pub(crate) struct TapSession {
    tap: DebugTap,
    label: String,
    redactor: Redactor,
}

impl TapSession {
    /// Bytes the client sent.
    pub(crate) fn client(&mut self, bytes: &[u8]) {
        self.redactor.handle_client(bytes);
        self.drain();
    }

    /// Bytes the server sent.
    pub(crate) fn server(&mut self, bytes: &[u8]) {
        self.redactor.handle_server(bytes);
        self.drain();
    }

    fn drain(&mut self) {
        while let Some(line) = self.redactor.poll_line() {
            self.tap.emit(&format!("{}{line}", self.label));
        }
    }
}

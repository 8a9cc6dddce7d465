//! The debug tap: both directions as `C:` / `S:` lines (the equivalent of go-imap's
//! DebugWriter), with credentials redacted by the core's [`imap_machine::tap::Redactor`];
//! this module only prints its lines.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use imap_machine::tap::Redactor;

enum Sink {
    Writer(Mutex<Box<dyn Write + Send>>),
    Callback(Box<dyn Fn(&str) + Send + Sync>),
}

/// Where traffic is logged. Cheap to clone; shared by every connection.
///
/// The lines come from the core's [`imap_machine::tap::Redactor`], which the tokio
/// adapter's tap uses too: the password of `LOGIN` and all `AUTHENTICATE` data show as
/// `[REDACTED]`. On a server, each line starts with the connection's number (`[3] C: ...`).
#[derive(Clone)]
pub struct Tap {
    sink: Arc<Sink>,
    connections: Arc<AtomicU64>,
}

impl std::fmt::Debug for Tap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tap")
    }
}

impl Tap {
    /// A tap writing lines (each ending in `\n`) to `w`.
    pub fn new(w: impl Write + Send + 'static) -> Self {
        Self::with_sink(Sink::Writer(Mutex::new(Box::new(w))))
    }

    /// A tap calling `f` with each line (without its line end).
    pub fn from_fn(f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        Self::with_sink(Sink::Callback(Box::new(f)))
    }

    fn with_sink(sink: Sink) -> Self {
        Tap { sink: Arc::new(sink), connections: Arc::new(AtomicU64::new(0)) }
    }

    fn emit(&self, line: &str) {
        match &*self.sink {
            Sink::Writer(w) => {
                let mut w = w.lock().unwrap_or_else(|p| p.into_inner());
                let _ = writeln!(w, "{line}");
                let _ = w.flush();
            }
            Sink::Callback(f) => f(line),
        }
    }

    /// The transcript of a client connection (lines without a prefix).
    pub(crate) fn client_session(&self) -> TapSession {
        TapSession { tap: self.clone(), label: String::new(), redactor: Redactor::new() }
    }

    /// The transcript of a server connection: lines start with `[n] `, `n` counting the
    /// connections this tap has logged.
    pub(crate) fn server_session(&self) -> TapSession {
        let n = self.connections.fetch_add(1, Ordering::Relaxed) + 1;
        TapSession { tap: self.clone(), label: format!("[{n}] "), redactor: Redactor::new() }
    }
}

/// The transcript state of one connection: the core's [`Redactor`] and the line prefix.
pub(crate) struct TapSession {
    tap: Tap,
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

//! Commands an embedder adds to the store session (the extension point): a registry of
//! [`CommandHandler`]s, one per command name, each invoked with the raw command and an
//! [`ExtensionContext`] (the logged-in user, the selected mailbox, the backend), able to
//! send untagged responses, typed or raw, and answering with a [`Reply`].
//!
//! ```
//! use std::sync::Arc;
//! use imap_machine::server::ExtensionCommand;
//! use imap_machine::store::memory::MemoryBackend;
//! use imap_machine::store::{CommandHandler, ExtensionContext, Extensions, Reply, Session};
//! use imap_machine::types::{RawCommand, State};
//!
//! /// `XPING` answered by `* XPING pong`.
//! struct Ping;
//! impl CommandHandler<MemoryBackend> for Ping {
//!     fn command(&self) -> ExtensionCommand {
//!         ExtensionCommand::new("XPING", &[State::Authenticated, State::Selected]).unwrap()
//!     }
//!     fn handle(&self, cx: &mut ExtensionContext<'_, MemoryBackend>, _: &RawCommand) -> Reply {
//!         match cx.send_raw("XPING", b"pong") {
//!             Ok(()) => Reply::ok("XPING completed"),
//!             Err(_) => Reply::no("connection closed"),
//!         }
//!     }
//! }
//!
//! let backend = Arc::new(MemoryBackend::with_demo_data());
//! let mut extensions = Extensions::new();
//! extensions.register(Ping);
//! let extensions = Arc::new(extensions);
//! let options = extensions.server_options(Session::server_options(&*backend));
//! assert_eq!(options.extensions.len(), 1);
//! let mut session = Session::new(backend);
//! session.set_extensions(extensions);
//! ```

use std::sync::Arc;

use bytes::Bytes;

use super::super::Backend;
use super::error::Done;
use super::Session;
use crate::server::{self, ExtensionCommand, Server, ServerOptions};
use crate::types::{Atom, Code, Data, RawCommand, RawCommandError, Response, StatusKind};

/// The handler of one extension command in the store session.
pub trait CommandHandler<B: Backend>: Send + Sync + 'static {
    /// The command it serves: its name, the states it is valid in (the server machine
    /// answers `BAD` elsewhere, before the handler runs) and the capabilities it adds.
    fn command(&self) -> ExtensionCommand;

    /// Runs the command: send its untagged responses through `cx`, then say how the tag
    /// completes.
    fn handle(&self, cx: &mut ExtensionContext<'_, B>, command: &RawCommand) -> Reply;
}

/// How an extension command's tag completes: `OK`, `NO` or `BAD`, with a response code
/// or not, and a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// OK, NO or BAD (anything else is sent as BAD).
    pub kind: StatusKind,
    /// The response code.
    pub code: Option<Code>,
    /// The human-readable text.
    pub text: String,
}

impl Reply {
    /// `OK text`
    pub fn ok(text: impl Into<String>) -> Self {
        Reply { kind: StatusKind::Ok, code: None, text: text.into() }
    }

    /// `NO text`
    pub fn no(text: impl Into<String>) -> Self {
        Reply { kind: StatusKind::No, code: None, text: text.into() }
    }

    /// `BAD text`
    pub fn bad(text: impl Into<String>) -> Self {
        Reply { kind: StatusKind::Bad, code: None, text: text.into() }
    }

    /// The same reply with a response code.
    pub fn with_code(mut self, code: Code) -> Self {
        self.code = Some(code);
        self
    }
}

/// Why an [`ExtensionContext`] could not send a response.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExtensionError {
    /// A raw response that would not be one valid line.
    #[error(transparent)]
    Invalid(#[from] RawCommandError),
    /// The connection is closed.
    #[error(transparent)]
    Closed(#[from] server::Error),
}

/// What a [`CommandHandler`] sees of the session: the user, the selected mailbox, the
/// backend, and the connection to send untagged responses on.
pub struct ExtensionContext<'a, B: Backend> {
    server: &'a mut Server,
    backend: &'a Arc<B>,
    user: Option<&'a B::User>,
    mailbox: Option<&'a str>,
}

impl<B: Backend> std::fmt::Debug for ExtensionContext<'_, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExtensionContext").field("user", &self.user).field("mailbox", &self.mailbox).finish()
    }
}

impl<B: Backend> ExtensionContext<'_, B> {
    /// The logged-in user, if any (a PREAUTH connection may have none).
    pub fn user(&self) -> Option<&B::User> {
        self.user
    }

    /// The selected mailbox's name (modified UTF-7, as on the wire), if any.
    pub fn mailbox(&self) -> Option<&str> {
        self.mailbox
    }

    /// The backend.
    pub fn backend(&self) -> &Arc<B> {
        self.backend
    }

    /// Sends an untagged response (data, `* OK [ALERT] ...`, `* BYE`, ...).
    pub fn send(&mut self, response: &Response) -> Result<(), ExtensionError> {
        Ok(self.server.send(response)?)
    }

    /// Sends typed untagged data.
    pub fn send_data(&mut self, data: Data) -> Result<(), ExtensionError> {
        Ok(self.server.send_data(data)?)
    }

    /// Sends `* NAME rest` (or `* NAME` when `rest` is empty): the raw untagged data an
    /// extension answers with. `rest` is one line: no CR, LF or NUL, and it must not end
    /// like a literal announcement.
    pub fn send_raw(&mut self, name: &str, rest: &[u8]) -> Result<(), ExtensionError> {
        let name = Atom::try_from(Bytes::copy_from_slice(name.as_bytes())).map_err(|_| RawCommandError::Name)?;
        if rest.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0) {
            return Err(RawCommandError::Text.into());
        }
        if crate::types::ends_like_literal(rest) {
            return Err(RawCommandError::EndsLikeLiteral.into());
        }
        let rest = (!rest.is_empty()).then(|| Bytes::copy_from_slice(rest));
        Ok(self.server.send_data(Data::Other { number: None, name, rest })?)
    }
}

/// The extension commands of a store session, by name (see the module docs). Share one
/// registry among the sessions of a server with an [`Arc`].
pub struct Extensions<B: Backend> {
    handlers: Vec<(ExtensionCommand, Box<dyn CommandHandler<B>>)>,
}

impl<B: Backend> Default for Extensions<B> {
    fn default() -> Self {
        Extensions { handlers: Vec::new() }
    }
}

impl<B: Backend> std::fmt::Debug for Extensions<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.handlers.iter().map(|(c, _)| c.name.as_str())).finish()
    }
}

impl<B: Backend> Extensions<B> {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `handler` for the command it declares, replacing an earlier handler of
    /// the same name.
    pub fn register(&mut self, handler: impl CommandHandler<B>) -> &mut Self {
        let command = handler.command();
        self.handlers.retain(|(c, _)| !c.name.as_str().eq_ignore_ascii_case(command.name.as_str()));
        self.handlers.push((command, Box::new(handler)));
        self
    }

    /// The registered commands.
    pub fn commands(&self) -> impl Iterator<Item = &ExtensionCommand> {
        self.handlers.iter().map(|(c, _)| c)
    }

    /// `options` with the registered commands added to
    /// [`ServerOptions::extensions`], so the server machine parses and advertises them.
    pub fn server_options(&self, mut options: ServerOptions) -> ServerOptions {
        for c in self.commands() {
            options.extensions.retain(|e| !e.name.as_str().eq_ignore_ascii_case(c.name.as_str()));
            options.extensions.push(c.clone());
        }
        options
    }

    fn handler(&self, name: &Atom) -> Option<&dyn CommandHandler<B>> {
        self.handlers.iter().find(|(c, _)| c.name.as_str().eq_ignore_ascii_case(name.as_str())).map(|(_, h)| &**h)
    }
}

impl<B: Backend> Session<B> {
    /// Serves the extension commands of `extensions` (see [`Extensions`]); the server
    /// machine must know them too ([`Extensions::server_options`]).
    pub fn set_extensions(&mut self, extensions: Arc<Extensions<B>>) {
        self.extensions = Some(extensions);
    }

    /// A raw command: its handler's reply, or `BAD` without a handler.
    pub(super) fn raw_command(&mut self, server: &mut Server, raw: &RawCommand) -> Done {
        let Some(extensions) = self.extensions.clone() else {
            return Done::Reply(Reply::bad(format!("{} not supported", raw.name())));
        };
        let Some(handler) = extensions.handler(raw.name()) else {
            return Done::Reply(Reply::bad(format!("{} not supported", raw.name())));
        };
        let mut cx = ExtensionContext {
            server,
            backend: &self.backend,
            user: self.user.as_ref(),
            mailbox: self.selected.as_ref().map(|s| s.name.as_str()),
        };
        Done::Reply(handler.handle(&mut cx, raw))
    }
}

//! Commands the embedder adds (the extension point): which names the machine parses to
//! [`CommandBody::Raw`] instead of answering `BAD unknown command`, the states each is
//! valid in, and the capabilities each adds.

use bytes::Bytes;

use super::Server;
use crate::codec::{parse_raw_command, ParseError};
use crate::types::{Atom, Capability, Command, CommandBody, RawCommandError, State};

/// A command the embedder serves that this crate does not ship (an IMAP extension's
/// command, or an `X` command of RFC 3501 §9 `x-command`), for
/// [`ServerOptions::extensions`](super::ServerOptions::extensions). It arrives as
/// [`Event::CommandReceived`](super::Event::CommandReceived) with a
/// [`CommandBody::Raw`]; the embedder answers it like any other command. A name the crate
/// already parses (say `NOOP`) is never raw, so registering it changes nothing.
///
/// ```
/// use imap_machine::server::{ExtensionCommand, ServerOptions};
/// use imap_machine::types::{Atom, Capability, State};
/// let mut options = ServerOptions::default();
/// options.extensions.push(
///     ExtensionCommand::new("XECHO", &[State::Authenticated, State::Selected])
///         .unwrap()
///         .with_capability(Capability::from(Atom::from_static("XECHO"))),
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExtensionCommand {
    /// The command name, matched case-insensitively.
    pub name: Atom,
    /// The states it is valid in (RFC 3501 §3); elsewhere it gets `BAD`, as a
    /// command of the wrong state does.
    pub states: Vec<State>,
    /// Capabilities it adds to CAPABILITY and the greeting.
    pub capabilities: Vec<Capability>,
}

impl ExtensionCommand {
    /// A command `name` valid in `states`, adding no capability. Fails if `name` is not
    /// an atom.
    pub fn new(name: &str, states: &[State]) -> Result<Self, RawCommandError> {
        let name = Atom::try_from(Bytes::copy_from_slice(name.as_bytes())).map_err(|_| RawCommandError::Name)?;
        Ok(ExtensionCommand { name, states: states.to_vec(), capabilities: Vec::new() })
    }

    /// Adds a capability to advertise.
    pub fn with_capability(mut self, capability: Capability) -> Self {
        self.capabilities.push(capability);
        self
    }
}

impl Server {
    /// The registration of the command called `name`, if any.
    fn extension(&self, name: &[u8]) -> Option<&ExtensionCommand> {
        self.options.extensions.iter().find(|e| e.name.as_str().as_bytes().eq_ignore_ascii_case(name))
    }

    /// A message `parse_command` refused as an unknown command, parsed raw when its name
    /// is registered: `None` when it is not (the caller answers `BAD` as before), else
    /// the raw command or why it does not frame.
    pub(super) fn extension_command(&self, msg: &Bytes) -> Option<Result<Command, ParseError>> {
        let parsed = parse_raw_command(msg);
        let name = match &parsed {
            Ok(Command { body: CommandBody::Raw(raw), .. }) => raw.name().as_str().as_bytes().to_vec(),
            _ => {
                // The name may be registered and the arguments wrong: look at the name.
                let rest = msg.splitn(2, |b| *b == b' ').nth(1)?;
                let end = rest.iter().position(|b| matches!(b, b' ' | b'\r' | b'\n')).unwrap_or(rest.len());
                rest[..end].to_vec()
            }
        };
        self.extension(&name)?;
        Some(parsed)
    }

    /// Whether `body` may run in the current state: a raw command where it is registered.
    pub(super) fn allowed_now(&self, body: &CommandBody) -> bool {
        match body {
            CommandBody::Raw(raw) => {
                self.extension(raw.name().as_str().as_bytes()).is_some_and(|e| e.states.contains(&self.state))
            }
            other => other.allowed_in(self.state),
        }
    }

    /// The capabilities the registered commands add.
    pub(super) fn extension_capabilities(&self) -> impl Iterator<Item = &Capability> {
        self.options.extensions.iter().flat_map(|e| &e.capabilities)
    }
}

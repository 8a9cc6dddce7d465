//! `XECHO`: a toy IMAP extension written outside the crate, on its public extension point
//! only. `XECHO [args]` is answered by `* XECHO [args]` and `OK`, in any state but
//! logout; the server advertises the `XECHO` capability.
//!
//! - Client side: [`command`] builds the raw command ([`CommandBody::Raw`]); the client
//!   machine attributes the `* XECHO` answer to it, and [`echoed`] reads it back.
//! - Server side: [`XEcho`] is the store session's handler; [`register`] adds it to a
//!   registry, whose `server_options` tells the server machine to parse and advertise it.

use imap_machine::server::ExtensionCommand;
use imap_machine::store::{Backend, CommandHandler, ExtensionContext, Extensions, Reply};
use imap_machine::types::{Atom, Capability, CommandBody, Data, RawCommand, RawCommandError, State};

/// The command name, which is also the capability and the name of the untagged answer.
pub(crate) const NAME: &str = "XECHO";

/// The capability a server with XECHO advertises.
pub(crate) fn capability() -> Capability {
    Capability::from(Atom::from_static(NAME))
}

/// `XECHO args` (one line of text; empty for none), ready for `Client::send`.
pub(crate) fn command(args: &str) -> Result<CommandBody, RawCommandError> {
    Ok(CommandBody::Raw(RawCommand::new(NAME)?.text(args.as_bytes().to_vec())?))
}

/// The echoed text among a command's untagged data.
pub(crate) fn echoed<'a>(data: impl IntoIterator<Item = &'a Data>) -> Option<String> {
    data.into_iter().find_map(|d| match d {
        Data::Other { name, rest, .. } if name.eq_ignore_case(NAME) => {
            Some(rest.as_ref().map(|r| String::from_utf8_lossy(r).into_owned()).unwrap_or_default())
        }
        _ => None,
    })
}

/// The server side: echoes the arguments back as `* XECHO args`.
pub(crate) struct XEcho;

impl<B: Backend> CommandHandler<B> for XEcho {
    fn command(&self) -> ExtensionCommand {
        let states = [State::NotAuthenticated, State::Authenticated, State::Selected];
        ExtensionCommand::new(NAME, &states).expect("an atom").with_capability(capability())
    }

    fn handle(&self, cx: &mut ExtensionContext<'_, B>, command: &RawCommand) -> Reply {
        let Some(args) = command.text_args() else {
            return Reply::bad("XECHO takes one line, no literal");
        };
        match cx.send_raw(NAME, args) {
            Ok(()) => Reply::ok("XECHO completed"),
            Err(e) => Reply::bad(e.to_string()),
        }
    }
}

/// Adds XECHO to a store session's registry.
pub(crate) fn register<B: Backend>(extensions: &mut Extensions<B>) {
    extensions.register(XEcho);
}

//! Commands this library does not ship (the core's extension point, RFC 3501 §9
//! `x-command` and later extensions): sent raw, answered like any command.

use imap_machine::client::CommandResponse;
use imap_machine::types::{CommandBody, RawCommand};

use super::{Client, Error};

impl Client {
    /// Sends a raw command ([`RawCommand`]: an extension's command, e.g.
    /// `XAPPLEPUSHSERVICE`) and returns its tagged `OK` with the untagged data attributed
    /// to it: the responses named after the command or after a name it declared with
    /// [`RawCommand::answered_by`]. `NO` and `BAD` are errors, as for every command.
    pub fn raw(&mut self, command: RawCommand) -> Result<CommandResponse, Error> {
        self.run(CommandBody::Raw(command))
    }
}

//! The extended LIST of RFC 5258 (LIST-EXTENDED), with RFC 5819's STATUS return option
//! (LIST-STATUS) and RFC 6154's SPECIAL-USE options.

use imap_machine::client::{list_entries, list_extended_command, ListEntry};
use imap_machine::types::ListOptions;

use super::{Client, Error};
impl Client {
    /// `LIST (selection) reference (patterns) RETURN (returns)` (RFC 5258 §3): each name
    /// listed, in the server's order, with its attributes, extended items (`CHILDINFO`)
    /// and, when `options` ask for STATUS (RFC 5819), its STATUS. `reference` is `""` for
    /// none; patterns are UTF-8.
    pub fn list_extended(
        &mut self,
        reference: &str,
        patterns: &[&str],
        options: ListOptions,
    ) -> Result<Vec<ListEntry>, Error> {
        let body = list_extended_command(reference, patterns, options)?;
        let done = self.run(body)?;
        Ok(list_entries(done.data))
    }
}

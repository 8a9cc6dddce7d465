//! What an extended LIST (RFC 5258) returns to the adapters' `list_extended`: each listed
//! name with its attributes, extended items and, with LIST-STATUS (RFC 5819), its STATUS.

use super::args::{ArgError, IntoMailbox};
use crate::types::{
    Atom, CommandBody, Data, IString, ListAttribute, ListExtendedItem, ListItem, ListMailbox, ListOptions,
    ListReturnOption, Mailbox, StatusItem,
};

/// One name of an extended LIST answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListEntry {
    /// The LIST response: attributes, delimiter, name and extended items.
    pub item: ListItem,
    /// The STATUS the server sent for it (RFC 5819 §2); `None` when STATUS was not asked
    /// for or the name is not a selectable mailbox.
    pub status: Option<Vec<(StatusItem, u64)>>,
}

impl ListEntry {
    /// Whether the name has `attribute`.
    pub fn has(&self, attribute: &ListAttribute) -> bool {
        self.item.attributes.contains(attribute)
    }

    /// The `CHILDINFO` selection criteria (RFC 5258 §3.5) a descendant meets; empty
    /// without.
    pub fn child_info(&self) -> &[Atom] {
        self.item
            .extended
            .iter()
            .find_map(|e| if let ListExtendedItem::ChildInfo(c) = e { Some(&c[..]) } else { None })
            .unwrap_or(&[])
    }

    /// The value of status item `item`, if the server sent it.
    pub fn status_of(&self, item: StatusItem) -> Option<u64> {
        self.status.as_ref()?.iter().find(|(i, _)| *i == item).map(|(_, v)| *v)
    }
}

/// The entries of an extended LIST from the data the machine attributed to it: each LIST
/// response in order, each STATUS joined to the entry of its mailbox.
pub fn list_entries(data: Vec<Data>) -> Vec<ListEntry> {
    let mut out: Vec<ListEntry> = Vec::new();
    for d in data {
        match d {
            Data::List(item) => out.push(ListEntry { item, status: None }),
            Data::Status { mailbox, items, .. } => {
                if let Some(e) = out.iter_mut().rev().find(|e| e.item.mailbox == mailbox) {
                    e.status.get_or_insert_with(Vec::new).extend(items);
                }
            }
            _ => {}
        }
    }
    out
}

/// The extended LIST command (RFC 5258 §3): `reference` (`""` for none), the patterns
/// (UTF-8, encoded to modified UTF-7; one at least) and the options. The adapters'
/// `list_extended` send it and answer with [`list_entries`].
pub fn list_extended_command(
    reference: &str,
    patterns: &[&str],
    options: ListOptions,
) -> Result<CommandBody, ArgError> {
    let reference =
        if reference.is_empty() { Mailbox::from_wire(IString::from_static("")) } else { reference.into_mailbox()? };
    if patterns.is_empty() {
        return Err(ArgError::Empty("pattern"));
    }
    let patterns = patterns
        .iter()
        .map(|p| ListMailbox::from_utf8(p).map_err(|source| ArgError::Invalid { what: "pattern", source }))
        .collect::<Result<Vec<_>, _>>()?;
    if options.returns.iter().any(|r| matches!(r, ListReturnOption::Status(items) if items.is_empty())) {
        return Err(ArgError::Empty("STATUS item"));
    }
    Ok(CommandBody::List { reference, patterns, options: Some(options) })
}

//! The extended LIST command and response of RFC 5258 (LIST-EXTENDED), with the STATUS
//! return option of RFC 5819 (LIST-STATUS), the SPECIAL-USE options of RFC 6154 §3 and
//! the RFC 9051 §6.3.9 form.

use bytes::Bytes;

use super::{Atom, IString, Mailbox, StatusItem};

/// `option-extension = (option-standard-tag / option-vendor-tag) [SP option-value]`
/// (RFC 5258 §6): a selection or return option this crate does not know, kept as its
/// name and raw value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ListOptionExtension {
    /// `option-standard-tag = atom` or `option-vendor-tag = vendor-token "-" atom`.
    pub name: Atom,
    /// `option-value = "(" option-val-comp ")"`, raw with its parentheses.
    pub value: Option<Bytes>,
}

/// `list-select-opt = list-select-base-opt / list-select-independent-opt /
/// list-select-mod-opt` (RFC 5258 §6, RFC 6154 §6).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ListSelectOption {
    /// `SUBSCRIBED` (RFC 5258 §3.1): subscribed names, existing or not.
    Subscribed,
    /// `REMOTE` (RFC 5258 §3.1): also mailboxes on other servers.
    Remote,
    /// `RECURSIVEMATCH` (RFC 5258 §3.1): also names with a descendant that matches the
    /// other selection options (with `CHILDINFO`). Never alone.
    RecursiveMatch,
    /// `SPECIAL-USE` (RFC 6154 §3): only mailboxes with a special use.
    SpecialUse,
    /// Any other option.
    Extension(ListOptionExtension),
}

impl ListSelectOption {
    /// The named options with their wire spelling.
    pub const NAMED: [(ListSelectOption, &'static str); 4] = [
        (ListSelectOption::Subscribed, "SUBSCRIBED"),
        (ListSelectOption::Remote, "REMOTE"),
        (ListSelectOption::RecursiveMatch, "RECURSIVEMATCH"),
        (ListSelectOption::SpecialUse, "SPECIAL-USE"),
    ];
}

/// `return-option = "SUBSCRIBED" / "CHILDREN" / status-option / option-extension`
/// (RFC 5258 §6, RFC 5819 §4, RFC 6154 §6).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ListReturnOption {
    /// `SUBSCRIBED`: `\Subscribed` on subscribed names (RFC 5258 §3.2).
    Subscribed,
    /// `CHILDREN`: `\HasChildren` / `\HasNoChildren` (RFC 5258 §4).
    Children,
    /// `SPECIAL-USE`: the special-use attributes (RFC 6154 §3).
    SpecialUse,
    /// `status-option = "STATUS" SP "(" status-att *(SP status-att) ")"` (RFC 5819 §4):
    /// an untagged STATUS after each selectable mailbox listed. Never empty.
    Status(Vec<StatusItem>),
    /// Any other option.
    Extension(ListOptionExtension),
}

impl ListReturnOption {
    /// The named options without arguments, with their wire spelling.
    pub const NAMED: [(ListReturnOption, &'static str); 3] = [
        (ListReturnOption::Subscribed, "SUBSCRIBED"),
        (ListReturnOption::Children, "CHILDREN"),
        (ListReturnOption::SpecialUse, "SPECIAL-USE"),
    ];
}

/// The options of an extended LIST (RFC 5258 §3): `list-select-opts` before the
/// reference and `list-return-opts` after the patterns.
///
/// `LIST () "" %` and `LIST "" % RETURN ()` are extended LISTs too (a server answers them
/// as such, RFC 5258 §3), so an empty `ListOptions` is not the same as none: it is
/// written `LIST () ...`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ListOptions {
    /// `list-select-opts = "(" [...] ")"`.
    pub selection: Vec<ListSelectOption>,
    /// `list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"`.
    pub returns: Vec<ListReturnOption>,
}

impl ListOptions {
    /// Whether `option` is among the selection options.
    pub fn selects(&self, option: &ListSelectOption) -> bool {
        self.selection.contains(option)
    }

    /// Whether `option` is among the return options.
    pub fn returns(&self, option: &ListReturnOption) -> bool {
        self.returns.contains(option)
    }

    /// The items of the STATUS return option (RFC 5819), if asked for.
    pub fn status_items(&self) -> Option<&[StatusItem]> {
        self.returns.iter().find_map(|r| if let ListReturnOption::Status(items) = r { Some(&items[..]) } else { None })
    }
}

/// `mbox-list-extended-item = mbox-list-extended-item-tag SP tagged-ext-val`
/// (RFC 5258 §6, RFC 9051 §9).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ListExtendedItem {
    /// `childinfo-extended-item = "CHILDINFO" SP "(" list-select-base-opt-quoted *(SP
    /// list-select-base-opt-quoted) ")"` (RFC 5258 §3.5): the selection criteria a
    /// descendant meets (`SUBSCRIBED`). Never empty.
    ChildInfo(Vec<Atom>),
    /// `oldname-extended-item = "OLDNAME" SP "(" mailbox ")"` (RFC 9051 §7.3.1): the name
    /// before a RENAME.
    OldName(Mailbox),
    /// Any other item: its tag and raw `tagged-ext-val`.
    Other {
        /// `mbox-list-extended-item-tag = astring`.
        tag: IString,
        /// `tagged-ext-val`, raw.
        value: Bytes,
    },
}

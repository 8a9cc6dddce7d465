//! NOTIFY (RFC 5465): the command's event groups, and what the server answers with
//! ([`Code::NotificationOverflow`](super::Code::NotificationOverflow),
//! [`Code::BadEvent`](super::Code::BadEvent)).
//!
//! ```
//! use imap_machine::types::{CommandBody, EventGroup, FilterMailboxes, Notify, NotifyEvent};
//! // NOTIFY SET (selected (MessageNew MessageExpunge)) (personal (MailboxName))
//! let set = CommandBody::Notify(Notify::Set {
//!     status: false,
//!     groups: vec![
//!         EventGroup {
//!             mailboxes: FilterMailboxes::Selected,
//!             events: Some(vec![NotifyEvent::MessageNew(vec![]), NotifyEvent::MessageExpunge]),
//!         },
//!         EventGroup { mailboxes: FilterMailboxes::Personal, events: Some(vec![NotifyEvent::MailboxName]) },
//!     ],
//! });
//! assert_eq!(set.name(), "NOTIFY");
//! ```

use super::{Atom, FetchAttribute, Mailbox};

/// `notify = "NOTIFY" SP (notify-set / notify-none)` (RFC 5465 §8).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Notify {
    /// `notify-set = "SET" [status-indicator] SP event-groups`: replaces the events the
    /// client asked for before.
    Set {
        /// `status-indicator = SP "STATUS"`: the server first sends a STATUS of each
        /// mailbox the groups name (RFC 5465 §3.1).
        status: bool,
        /// `event-groups = event-group *(SP event-group)`; never empty on the wire.
        groups: Vec<EventGroup>,
    },
    /// `notify-none = "NONE"`: no events at all.
    None,
}

/// `event-group = "(" filter-mailboxes SP events ")"` (RFC 5465 §8).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EventGroup {
    /// The mailboxes it is about.
    pub mailboxes: FilterMailboxes,
    /// `events = ( "(" event *(SP event) ")" ) / "NONE"`: `None` for `NONE`, the client
    /// wants no events of these mailboxes.
    pub events: Option<Vec<NotifyEvent>>,
}

/// `filter-mailboxes` (RFC 5465 §6).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FilterMailboxes {
    /// `selected`: the selected mailbox, its events as they happen.
    Selected,
    /// `selected-delayed`: the selected mailbox, expunges held back while EXPUNGE is not
    /// allowed (RFC 5465 §6.2).
    SelectedDelayed,
    /// `inboxes`: the mailboxes mail is delivered to.
    Inboxes,
    /// `personal`: the user's own mailboxes.
    Personal,
    /// `subscribed`: the subscribed mailboxes.
    Subscribed,
    /// `"subtree" SP one-or-more-mailbox`: these mailboxes and those below them.
    Subtree(Vec<Mailbox>),
    /// `"mailboxes" SP one-or-more-mailbox`: these mailboxes.
    Mailboxes(Vec<Mailbox>),
}

impl FilterMailboxes {
    /// Whether it names the selected mailbox (only message events are allowed then).
    pub fn is_selected(&self) -> bool {
        matches!(self, FilterMailboxes::Selected | FilterMailboxes::SelectedDelayed)
    }
}

/// `event = message-event / mailbox-event / user-event / event-ext` (RFC 5465 §5, §8).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NotifyEvent {
    /// `"MessageNew" [SP "(" fetch-att *(SP fetch-att) ")"]`: new messages, with these
    /// attributes fetched for them (selected mailbox only; empty: none written).
    MessageNew(Vec<FetchAttribute>),
    /// `MessageExpunge`
    MessageExpunge,
    /// `FlagChange`
    FlagChange,
    /// `AnnotationChange`
    AnnotationChange,
    /// `MailboxName`: created, deleted and renamed mailboxes.
    MailboxName,
    /// `SubscriptionChange`
    SubscriptionChange,
    /// `MailboxMetadataChange`
    MailboxMetadataChange,
    /// `ServerMetadataChange`
    ServerMetadataChange,
    /// `event-ext = atom`: another extension's event.
    Other(Atom),
}

impl NotifyEvent {
    /// The event's name as written (`event-name` of RFC 5465 §8, or the extension's atom).
    pub fn name(&self) -> &str {
        match self {
            NotifyEvent::MessageNew(_) => "MessageNew",
            NotifyEvent::MessageExpunge => "MessageExpunge",
            NotifyEvent::FlagChange => "FlagChange",
            NotifyEvent::AnnotationChange => "AnnotationChange",
            NotifyEvent::MailboxName => "MailboxName",
            NotifyEvent::SubscriptionChange => "SubscriptionChange",
            NotifyEvent::MailboxMetadataChange => "MailboxMetadataChange",
            NotifyEvent::ServerMetadataChange => "ServerMetadataChange",
            NotifyEvent::Other(a) => a.as_str(),
        }
    }

    /// The event named `name` (case-insensitively), without MessageNew's attributes.
    pub fn from_name(name: Atom) -> NotifyEvent {
        let n = name.as_str();
        let is = |s: &str| n.eq_ignore_ascii_case(s);
        if is("MessageNew") {
            NotifyEvent::MessageNew(Vec::new())
        } else if is("MessageExpunge") {
            NotifyEvent::MessageExpunge
        } else if is("FlagChange") {
            NotifyEvent::FlagChange
        } else if is("AnnotationChange") {
            NotifyEvent::AnnotationChange
        } else if is("MailboxName") {
            NotifyEvent::MailboxName
        } else if is("SubscriptionChange") {
            NotifyEvent::SubscriptionChange
        } else if is("MailboxMetadataChange") {
            NotifyEvent::MailboxMetadataChange
        } else if is("ServerMetadataChange") {
            NotifyEvent::ServerMetadataChange
        } else {
            NotifyEvent::Other(name)
        }
    }

    /// Whether it is a `message-event` (the only kind a `selected` group may hold).
    pub fn is_message_event(&self) -> bool {
        matches!(
            self,
            NotifyEvent::MessageNew(_)
                | NotifyEvent::MessageExpunge
                | NotifyEvent::FlagChange
                | NotifyEvent::AnnotationChange
        )
    }
}

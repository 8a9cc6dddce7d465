//! Strategies for NOTIFY (RFC 5465).

use proptest::collection::vec;
use proptest::prelude::*;

use super::{atom, fetch_attribute, mailbox};
use crate::types::*;

/// The event names of RFC 5465 §8, and other atoms (`event-ext`).
pub fn event_name() -> impl Strategy<Value = Atom> {
    prop_oneof![
        proptest::sample::select(vec![
            "MessageNew",
            "MessageExpunge",
            "FlagChange",
            "AnnotationChange",
            "MailboxName",
            "SubscriptionChange",
            "MailboxMetadataChange",
            "ServerMetadataChange",
        ])
        .prop_map(Atom::from_static),
        atom(),
    ]
}

/// An `event`: MessageNew with or without fetch attributes, the others by name (an
/// `event-ext` atom is never one of the known names).
fn event() -> impl Strategy<Value = NotifyEvent> {
    prop_oneof![
        vec(fetch_attribute(), 0..3).prop_map(NotifyEvent::MessageNew),
        event_name().prop_map(NotifyEvent::from_name),
    ]
}

fn filter_mailboxes() -> impl Strategy<Value = FilterMailboxes> {
    prop_oneof![
        Just(FilterMailboxes::Selected),
        Just(FilterMailboxes::SelectedDelayed),
        Just(FilterMailboxes::Inboxes),
        Just(FilterMailboxes::Personal),
        Just(FilterMailboxes::Subscribed),
        vec(mailbox(), 1..3).prop_map(FilterMailboxes::Subtree),
        vec(mailbox(), 1..3).prop_map(FilterMailboxes::Mailboxes),
    ]
}

/// `notify-set` and `notify-none` (RFC 5465 §8).
pub fn notify() -> impl Strategy<Value = Notify> {
    let group = (filter_mailboxes(), proptest::option::of(vec(event(), 1..4)))
        .prop_map(|(mailboxes, events)| EventGroup { mailboxes, events });
    prop_oneof![
        Just(Notify::None),
        (any::<bool>(), vec(group, 1..3)).prop_map(|(status, groups)| Notify::Set { status, groups }),
    ]
}

//! Encoding of NOTIFY (RFC 5465 §8), the inverse of `codec::parse::notify`.

use super::Writer;
use crate::types::{EventGroup, FilterMailboxes, Mailbox, Notify, NotifyEvent};

/// `notify = "NOTIFY" SP (notify-set / notify-none)`.
pub(super) fn notify(w: &mut Writer<'_>, n: &Notify) {
    match n {
        Notify::None => w.raw(b"NOTIFY NONE"),
        Notify::Set { status, groups } => {
            w.raw(if *status { b"NOTIFY SET STATUS".as_slice() } else { b"NOTIFY SET" });
            for g in groups {
                w.sp();
                event_group(w, g);
            }
        }
    }
}

/// `event-group = "(" filter-mailboxes SP events ")"`.
fn event_group(w: &mut Writer<'_>, g: &EventGroup) {
    w.byte(b'(');
    match &g.mailboxes {
        FilterMailboxes::Selected => w.raw(b"selected"),
        FilterMailboxes::SelectedDelayed => w.raw(b"selected-delayed"),
        FilterMailboxes::Inboxes => w.raw(b"inboxes"),
        FilterMailboxes::Personal => w.raw(b"personal"),
        FilterMailboxes::Subscribed => w.raw(b"subscribed"),
        FilterMailboxes::Subtree(list) => {
            w.raw(b"subtree ");
            mailboxes(w, list);
        }
        FilterMailboxes::Mailboxes(list) => {
            w.raw(b"mailboxes ");
            mailboxes(w, list);
        }
    }
    w.sp();
    match &g.events {
        None => w.raw(b"NONE"),
        Some(events) => {
            w.byte(b'(');
            for (k, e) in events.iter().enumerate() {
                if k > 0 {
                    w.sp();
                }
                event(w, e);
            }
            w.byte(b')');
        }
    }
    w.byte(b')');
}

/// `one-or-more-mailbox`: one mailbox bare, several in parentheses.
fn mailboxes(w: &mut Writer<'_>, list: &[Mailbox]) {
    if let [one] = list {
        return super::command::mailbox(w, one);
    }
    w.byte(b'(');
    for (k, m) in list.iter().enumerate() {
        if k > 0 {
            w.sp();
        }
        super::command::mailbox(w, m);
    }
    w.byte(b')');
}

/// `event`, MessageNew with its fetch attributes.
fn event(w: &mut Writer<'_>, e: &NotifyEvent) {
    w.raw(e.name().as_bytes());
    if let NotifyEvent::MessageNew(atts) = e {
        if !atts.is_empty() {
            w.raw(b" (");
            for (k, a) in atts.iter().enumerate() {
                if k > 0 {
                    w.sp();
                }
                super::command::fetch_attribute(w, a);
            }
            w.byte(b')');
        }
    }
}

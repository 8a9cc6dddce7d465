//! NOTIFY (RFC 5465 §8): the command and its event groups. The response codes are in
//! `response::resp_text_code`.

use super::core::{atom, keyword, mailbox, paren_list, sp};
use super::fetch::fetch_att;
use super::input::{fail, In, PResult, ParseErrorKind};
use crate::types::{CommandBody, EventGroup, FilterMailboxes, Mailbox, Notify, NotifyEvent};

/// `notify = "NOTIFY" SP (notify-set / notify-none)`, `notify-set = "SET"
/// [status-indicator] SP event-groups`, `notify-none = "NONE"`, `status-indicator = SP
/// "STATUS"`, `event-groups = event-group *(SP event-group)`; from after `NOTIFY`.
pub(crate) fn notify(i: In<'_>) -> PResult<'_, CommandBody> {
    let (i, ()) = sp(i)?;
    if let Ok((j, ())) = keyword(i, "NONE") {
        return Ok((j, CommandBody::Notify(Notify::None)));
    }
    let (mut i, ()) = keyword(i, "SET")?;
    let mut status = false;
    if let Ok((j, ())) = keyword(i, " STATUS") {
        (i, status) = (j, true);
    }
    let mut groups = Vec::new();
    loop {
        let (j, ()) = sp(i)?;
        let (j, group) = event_group(j)?;
        groups.push(group);
        i = j;
        if i.first() != Some(b' ') {
            return Ok((i, CommandBody::Notify(Notify::Set { status, groups })));
        }
    }
}

/// `event-group = "(" filter-mailboxes SP events ")"`, `events = ( "(" event *(SP
/// event) ")" ) / "NONE"`.
fn event_group(i: In<'_>) -> PResult<'_, EventGroup> {
    let (i, ()) = keyword(i, "(")?;
    let (i, mailboxes) = filter_mailboxes(i)?;
    let (i, ()) = sp(i)?;
    let (i, events) = match keyword(i, "NONE") {
        Ok((j, ())) => (j, None),
        Err(_) => {
            let (j, events) = paren_list(i, false, event)?;
            (j, Some(events))
        }
    };
    let (i, ()) = keyword(i, ")")?;
    Ok((i, EventGroup { mailboxes, events }))
}

/// `filter-mailboxes = filter-mailboxes-selected / filter-mailboxes-other`,
/// `filter-mailboxes-selected = "selected" / "selected-delayed"`,
/// `filter-mailboxes-other = "inboxes" / "personal" / "subscribed" / ( "subtree" SP
/// one-or-more-mailbox ) / ( "mailboxes" SP one-or-more-mailbox )`.
fn filter_mailboxes(i: In<'_>) -> PResult<'_, FilterMailboxes> {
    let (j, name) = atom(i)?;
    let n = name.as_str();
    let is = |s: &str| n.eq_ignore_ascii_case(s);
    Ok(if is("selected") {
        (j, FilterMailboxes::Selected)
    } else if is("selected-delayed") {
        (j, FilterMailboxes::SelectedDelayed)
    } else if is("inboxes") {
        (j, FilterMailboxes::Inboxes)
    } else if is("personal") {
        (j, FilterMailboxes::Personal)
    } else if is("subscribed") {
        (j, FilterMailboxes::Subscribed)
    } else if is("subtree") || is("mailboxes") {
        let (j, ()) = sp(j)?;
        let (j, list) = one_or_more_mailbox(j)?;
        (j, if is("subtree") { FilterMailboxes::Subtree(list) } else { FilterMailboxes::Mailboxes(list) })
    } else {
        return fail(i, ParseErrorKind::Expected("filter-mailboxes"));
    })
}

/// `one-or-more-mailbox = mailbox / many-mailboxes`, `many-mailboxes = "(" mailbox *(SP
/// mailbox) ")"`.
fn one_or_more_mailbox(i: In<'_>) -> PResult<'_, Vec<Mailbox>> {
    if i.first() == Some(b'(') {
        paren_list(i, false, mailbox)
    } else {
        let (i, m) = mailbox(i)?;
        Ok((i, vec![m]))
    }
}

/// `event = message-event / mailbox-event / user-event / event-ext`, with
/// `message-event = ( "MessageNew" [SP "(" fetch-att *(SP fetch-att) ")" ] ) /
/// "MessageExpunge" / "FlagChange" / "AnnotationChange"` and `event-ext = atom`.
fn event(i: In<'_>) -> PResult<'_, NotifyEvent> {
    let (i, name) = atom(i)?;
    match NotifyEvent::from_name(name) {
        NotifyEvent::MessageNew(_) if i.as_slice().starts_with(b" (") => {
            let (i, atts) = paren_list(i.advance(1), false, fetch_att)?;
            Ok((i, NotifyEvent::MessageNew(atts)))
        }
        e => Ok((i, e)),
    }
}

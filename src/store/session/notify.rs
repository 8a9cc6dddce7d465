//! NOTIFY (RFC 5465): what the server tells a client without being asked.
//!
//! `NOTIFY SET` keeps, per session, the events asked of the selected mailbox (`selected`
//! or `selected-delayed`) and of others (`personal`, `inboxes`, `subscribed`, `subtree`,
//! `mailboxes`). What it tells, and when:
//! - the selected mailbox's changes as during IDLE (EXISTS, EXPUNGE or VANISHED, FETCH),
//!   also when no command is in progress; with `selected-delayed`, expunges wait for a
//!   command that may report them (RFC 5465 §6.1.2). After `MessageNew (atts)`, a FETCH of
//!   those attributes follows the EXISTS of new messages (§5.2);
//! - another mailbox's messages as `* STATUS` (§5.1–§5.3): MESSAGES and UIDNEXT when
//!   messages came or went (and HIGHESTMODSEQ after CONDSTORE), HIGHESTMODSEQ and
//!   UIDVALIDITY (or UNSEEN without CONDSTORE) when only flags changed;
//! - a mailbox created, deleted or renamed as `* LIST` (§5.4: `\NonExistent` when gone,
//!   `OLDNAME` after a RENAME, told by the MAILBOXID it keeps), its subscription as
//!   `* LIST` with or without `\Subscribed` (§5.5).
//!
//! The session compares what it told with the store when its notifier fires (the adapters
//! call [`Session::poll_updates`]) and at the end of each command, so a store without
//! [`Backend::watch_user`] still tells at the next command. Changes this client made by
//! CREATE, DELETE, RENAME and (UN)SUBSCRIBE are not told back to it (§5 SHOULD).

use std::collections::BTreeMap;

use super::error::Done;
use super::{wire_name, Backend, Session, SessionError};
use crate::server::Server;
use crate::store::{MailboxStatus, StoreError};
use crate::types::{
    Atom, Code, Data, FetchAttribute, FilterMailboxes, IString, ListAttribute, ListExtendedItem, ListItem, Mailbox,
    Notify, NotifyEvent, ObjectId, StatusItem,
};

/// The events of RFC 5465 this server serves (told in `[BADEVENT]`). AnnotationChange is
/// taken and never happens: no annotations are kept (no METADATA).
const SERVED: [&str; 6] =
    ["MessageNew", "MessageExpunge", "FlagChange", "AnnotationChange", "MailboxName", "SubscriptionChange"];

/// What one group asks of the mailboxes it names.
#[derive(Clone, Copy, Debug, Default)]
struct Wants {
    /// MessageNew and MessageExpunge.
    messages: bool,
    /// FlagChange.
    flags: bool,
    /// MailboxName.
    names: bool,
    /// SubscriptionChange.
    subscriptions: bool,
}

/// The events a session asked for, and what it was told last.
#[derive(Debug, Default)]
pub(super) struct NotifyState {
    /// `selected` (false) or `selected-delayed` (true), when it asks message events of the
    /// selected mailbox.
    pub(super) selected: Option<bool>,
    /// The attributes of `MessageNew (...)` for the selected mailbox.
    pub(super) new_atts: Vec<FetchAttribute>,
    groups: Vec<(FilterMailboxes, Wants)>,
    /// The STATUS told (or known) of each watched mailbox.
    statuses: BTreeMap<String, MailboxStatus>,
    /// Every mailbox: subscribed, and its MAILBOXID (to tell a RENAME).
    names: BTreeMap<String, (bool, Option<ObjectId>)>,
}

impl NotifyState {
    /// Whether the session waits on the store for anything (see [`Backend::watch_user`]).
    pub(super) fn watches_others(&self) -> bool {
        !self.groups.is_empty()
    }

    /// What the groups want of mailbox `name` (subscribed or not).
    fn wants(&self, name: &str, subscribed: bool) -> Wants {
        let mut w = Wants::default();
        for (filter, g) in &self.groups {
            let hit = match filter {
                FilterMailboxes::Personal => true,
                FilterMailboxes::Inboxes => name == "INBOX",
                FilterMailboxes::Subscribed => subscribed,
                FilterMailboxes::Mailboxes(list) => list.iter().any(|m| same(m, name)),
                FilterMailboxes::Subtree(list) => list.iter().any(|m| {
                    same(m, name)
                        || wire_name(m).is_ok_and(|p| name.strip_prefix(p.as_str()).is_some_and(|r| r.starts_with('/')))
                }),
                FilterMailboxes::Selected | FilterMailboxes::SelectedDelayed => false,
            };
            if hit {
                w.messages |= g.messages;
                w.flags |= g.flags;
                w.names |= g.names;
                w.subscriptions |= g.subscriptions;
            }
        }
        w
    }
}

fn same(m: &Mailbox, name: &str) -> bool {
    wire_name(m).is_ok_and(|n| n == name)
}

/// The events of one group; `Err` for a NOTIFY SET the session answers BAD or NO.
fn wants(events: &[NotifyEvent], selected: bool) -> Result<Wants, SessionError> {
    let has = |f: fn(&NotifyEvent) -> bool| events.iter().any(f);
    let unknown: Vec<&NotifyEvent> = events.iter().filter(|e| !SERVED.contains(&e.name())).collect();
    if !unknown.is_empty() {
        return Err(SessionError::BadEvent);
    }
    if selected && !events.iter().all(NotifyEvent::is_message_event) {
        return Err(SessionError::BadArguments("Only message events with SELECTED (RFC 5465 §6.1)"));
    }
    let new = has(|e| matches!(e, NotifyEvent::MessageNew(_)));
    let expunge = has(|e| matches!(e, NotifyEvent::MessageExpunge));
    let flags = has(|e| matches!(e, NotifyEvent::FlagChange | NotifyEvent::AnnotationChange));
    if new != expunge || (flags && !new) {
        return Err(SessionError::BadArguments("MessageNew and MessageExpunge go together (RFC 5465 §5)"));
    }
    if !selected && has(|e| matches!(e, NotifyEvent::MessageNew(a) if !a.is_empty())) {
        return Err(SessionError::BadArguments("MessageNew attributes are for SELECTED only (RFC 5465 §8)"));
    }
    Ok(Wants {
        messages: new,
        flags,
        names: has(|e| matches!(e, NotifyEvent::MailboxName)),
        subscriptions: has(|e| matches!(e, NotifyEvent::SubscriptionChange)),
    })
}

/// `[BADEVENT (...)]`: the events served.
pub(super) fn bad_event() -> Code {
    Code::BadEvent(SERVED.iter().map(|n| Atom::from_static(n)).collect())
}

impl<B: Backend> Session<B> {
    /// NOTIFY (RFC 5465 §3.1). NOTIFY SET replaces what was asked, sends the STATUS of
    /// the watched mailboxes when asked (`STATUS`), and is an implicit NOOP.
    pub(super) fn notify(&mut self, server: &mut Server, user: &B::User, n: Notify) -> Result<Done, SessionError> {
        let Notify::Set { status, groups } = n else {
            self.notify_off();
            return Ok(Done::Ok);
        };
        let mut state = NotifyState::default();
        for g in groups {
            let selected = g.mailboxes.is_selected();
            let events = g.events.unwrap_or_default();
            let w = wants(&events, selected)?;
            if selected {
                if state.selected.is_some() {
                    return Err(SessionError::BadArguments("One SELECTED or SELECTED-DELAYED (RFC 5465 §6.1)"));
                }
                if w.messages {
                    state.selected = Some(g.mailboxes == FilterMailboxes::SelectedDelayed);
                }
                for e in events {
                    if let NotifyEvent::MessageNew(atts) = e {
                        state.new_atts = atts;
                    }
                }
            } else {
                state.groups.push((g.mailboxes, w));
            }
        }
        self.refresh_names(user, &mut state)?;
        let selected = self.selected.as_ref().map(|s| s.name.clone());
        let names: Vec<(String, bool)> = state.names.iter().map(|(n, (s, _))| (n.clone(), *s)).collect();
        for (name, subscribed) in names {
            let w = state.wants(&name, subscribed);
            if !(w.messages || w.flags) || Some(&name) == selected.as_ref() {
                continue;
            }
            let Ok(st) = self.backend.status(user, &name) else { continue };
            if status {
                self.send_status(
                    server,
                    &name,
                    &st,
                    &[StatusItem::Messages, StatusItem::UidNext, StatusItem::UidValidity],
                )?;
            }
            state.statuses.insert(name, st);
        }
        let watches = state.watches_others();
        self.notify = Some(state);
        match (&self.notifier, watches) {
            (Some(n), true) => self.backend.watch_user(user, self.id, Some(n.clone())),
            _ => self.backend.watch_user(user, self.id, None),
        }
        self.finish_sync = Some(super::Sync::Full);
        Ok(Done::Ok)
    }

    /// Reads every mailbox's name, subscription and MAILBOXID into `state.names`.
    fn refresh_names(&self, user: &B::User, state: &mut NotifyState) -> Result<(), StoreError> {
        let subscribed = self.backend.subscriptions(user)?;
        let ids = self.backend.object_ids();
        state.names = self
            .backend
            .list(user)?
            .into_iter()
            .map(|m| {
                let id = if ids { self.backend.mailbox_id(user, &m.name).ok().flatten() } else { None };
                let s = subscribed.contains(&m.name);
                (m.name, (s, id))
            })
            .collect();
        Ok(())
    }

    /// The user changed names or subscriptions by a command of this session: known now,
    /// not told back (RFC 5465 §5).
    pub(super) fn notify_quietly(&mut self) {
        let (Some(mut state), Some(user)) = (self.notify.take(), self.user.clone()) else { return };
        let _ = self.refresh_names(&user, &mut state);
        self.notify = Some(state);
    }

    /// Tells what changed in the watched mailboxes since they were last told (see the
    /// module docs). A store error skips what it concerns: this is news, not an answer.
    pub(super) fn notify_poll(&mut self, server: &mut Server) -> Result<(), SessionError> {
        let (Some(mut state), Some(user)) = (self.notify.take(), self.user.clone()) else { return Ok(()) };
        let r = self.notify_changes(server, &user, &mut state);
        self.notify = Some(state);
        r
    }

    fn notify_changes(
        &mut self,
        server: &mut Server,
        user: &B::User,
        state: &mut NotifyState,
    ) -> Result<(), SessionError> {
        if !state.watches_others() {
            return Ok(());
        }
        let before = std::mem::take(&mut state.names);
        if self.refresh_names(user, state).is_err() {
            state.names = before;
            return Ok(());
        }
        // Names: created, deleted, renamed (the same MAILBOXID under a new name).
        let by_id: BTreeMap<&ObjectId, &String> =
            before.iter().filter_map(|(n, (_, id))| id.as_ref().map(|i| (i, n))).collect();
        let mut renamed_from: BTreeMap<String, String> = BTreeMap::new();
        for (name, (_, id)) in &state.names {
            if before.contains_key(name) {
                continue;
            }
            if let Some(old) = id.as_ref().and_then(|i| by_id.get(i)).filter(|o| !state.names.contains_key(o.as_str()))
            {
                renamed_from.insert(name.clone(), (*old).clone());
            }
        }
        let olds: Vec<&String> = renamed_from.values().collect();
        for (name, (subscribed, _)) in &before {
            if !state.names.contains_key(name) && !olds.contains(&name) && state.wants(name, *subscribed).names {
                self.send_list(server, name, vec![ListAttribute::NonExistent], None)?;
            }
        }
        for (name, (subscribed, _)) in &state.names {
            let w = state.wants(name, *subscribed);
            let sub = if *subscribed { vec![ListAttribute::Subscribed] } else { Vec::new() };
            match before.get(name) {
                None if w.names => {
                    let old = renamed_from.get(name).cloned();
                    self.send_list(server, name, sub, old)?;
                }
                Some((was, _)) if was != subscribed && w.subscriptions => self.send_list(server, name, sub, None)?,
                _ => {}
            }
        }
        // Messages of the mailboxes other than the selected one.
        let selected = self.selected.as_ref().map(|s| s.name.clone());
        let condstore = self.enabled.condstore;
        state.statuses.retain(|n, _| state.names.contains_key(n));
        let names: Vec<(String, bool)> = state.names.iter().map(|(n, (s, _))| (n.clone(), *s)).collect();
        for (name, subscribed) in names {
            let w = state.wants(&name, subscribed);
            if !(w.messages || w.flags) || Some(&name) == selected.as_ref() {
                continue;
            }
            let Ok(now) = self.backend.status(user, &name) else { continue };
            let Some(was) = state.statuses.insert(name.clone(), now) else { continue };
            let mut items = Vec::new();
            if now.uid_validity != was.uid_validity {
                items.extend([StatusItem::UidValidity, StatusItem::Messages, StatusItem::UidNext]);
            } else if w.messages && (now.messages != was.messages || now.uid_next != was.uid_next) {
                items.extend([StatusItem::Messages, StatusItem::UidNext]);
            } else if w.flags && condstore && now.highest_modseq != was.highest_modseq {
                items.push(StatusItem::UidValidity);
            } else if w.flags && !condstore && now.unseen != was.unseen {
                items.push(StatusItem::Unseen);
            } else {
                continue;
            }
            if condstore && now.highest_modseq != 0 {
                items.push(StatusItem::HighestModSeq);
            }
            self.send_status(server, &name, &now, &items)?;
        }
        Ok(())
    }

    /// The FETCH of NOTIFY's `MessageNew (atts)` for messages that just arrived in the
    /// selected mailbox (RFC 5465 §5.2), when asked.
    pub(super) fn notify_new_messages(&mut self, server: &mut Server, uids: &[u32]) -> Result<(), SessionError> {
        let Some(atts) = self.notify.as_ref().map(|n| n.new_atts.clone()).filter(|a| !a.is_empty() && !uids.is_empty())
        else {
            return Ok(());
        };
        let (Some(user), Some(sel)) = (self.user.clone(), self.selected.as_mut()) else { return Ok(()) };
        let data = if atts.iter().any(crate::store::fetch::needs_body) {
            self.backend.fetch(&user, &sel.name, self.id, uids)?
        } else {
            self.backend.fetch_meta(&user, &sel.name, self.id, uids)?
        };
        for msg in data.into_iter().flatten() {
            let uid = super::selected::Uid(msg.uid);
            let Some(seq) = sel.seq_of(uid) else { continue };
            let Ok(items) = crate::store::fetch::items(&msg, &atts, sel.is_recent(uid)) else { continue };
            sel.send_fetch(server, seq, items)?;
        }
        Ok(())
    }

    fn send_status(
        &mut self,
        server: &mut Server,
        name: &str,
        st: &MailboxStatus,
        items: &[StatusItem],
    ) -> Result<(), SessionError> {
        let mailbox = Mailbox::from_wire(IString::try_from(name).map_err(|_| StoreError::InvalidName)?);
        let items = super::list::status_values(st, items);
        server.send_data(Data::Status { mailbox, items, mailbox_id: None })?;
        Ok(())
    }

    fn send_list(
        &mut self,
        server: &mut Server,
        name: &str,
        attributes: Vec<ListAttribute>,
        old: Option<String>,
    ) -> Result<(), SessionError> {
        let wire = |n: &str| IString::try_from(n).map(Mailbox::from_wire).map_err(|_| StoreError::InvalidName);
        let mut extended = Vec::new();
        if let Some(old) = old {
            extended.push(ListExtendedItem::OldName(wire(&old)?));
        }
        let item = ListItem { attributes, delimiter: Some('/'), mailbox: wire(name)?, extended };
        server.send_data(Data::List(item))?;
        Ok(())
    }
}

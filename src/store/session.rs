//! One connection's engine: server events in, backend calls, exact IMAP responses out.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::fetch;
use super::{Backend, Change, MailboxInfo, Notifier, SessionId, StoreError};
use crate::server::{Event, Server, ServerOptions};
use crate::types::{
    Capability, Code, CommandBody, Data, FetchAttribute, FetchItem, Flag, FlagFetch, FlagPerm, IString, ListItem,
    ListMailbox, Mailbox, NamespaceDescription, Rfc5530Code, SearchKey, SequenceSet, StatusItem, StatusKind, Tag,
};

static NEXT_SESSION: AtomicU64 = AtomicU64::new(1);

/// The selected mailbox as this session sees it.
#[derive(Debug)]
struct Selected {
    name: String,
    read_only: bool,
    /// UIDs in sequence order: message `n` is `view[n - 1]`.
    view: Vec<u32>,
    /// UIDs whose `\Recent` belongs to this session.
    recent: HashSet<u32>,
    /// Expunged in the store, not yet reported to this client.
    pending_expunge: BTreeSet<u32>,
    /// Flags this session already told its client after its own STORE (not echoed again).
    echo: HashMap<u32, Vec<Flag>>,
    cursor: u64,
    /// EXISTS last reported.
    reported_exists: usize,
    reported_recent: usize,
}

impl Selected {
    fn seq_of(&self, uid: u32) -> Option<u32> {
        self.view.binary_search(&uid).ok().map(|k| k as u32 + 1)
    }

    /// (seq, uid) pairs for a set, by sequence number or by UID, ascending.
    fn resolve(&self, set: &SequenceSet, uid: bool) -> Result<Vec<(u32, u32)>, &'static str> {
        let mut out = Vec::new();
        if uid {
            let max = self.view.last().copied().unwrap_or(0);
            for r in set.resolve(max) {
                let start = self.view.partition_point(|u| u < r.start());
                for (k, u) in self.view[start..].iter().enumerate().take_while(|(_, u)| *u <= r.end()) {
                    out.push(((start + k) as u32 + 1, *u));
                }
            }
        } else {
            let max = self.view.len() as u32;
            if set.max_value().is_some_and(|m| m > max) {
                return Err("Invalid message sequence number");
            }
            for seq in set.iter(max) {
                out.push((seq, self.view[seq as usize - 1]));
            }
        }
        Ok(out)
    }
}

/// One connection's engine (see the module docs of [`crate::store`]).
pub struct Session<B: Backend> {
    backend: Arc<B>,
    id: SessionId,
    user: Option<B::User>,
    selected: Option<Selected>,
    notifier: Option<Notifier>,
    idling: bool,
}

impl<B: Backend> std::fmt::Debug for Session<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("id", &self.id).field("selected", &self.selected).finish()
    }
}

fn text_code(e: &StoreError, trycreate: bool) -> (Option<Code>, String) {
    let code = match e {
        StoreError::AuthenticationFailed => Code::Rfc5530(Rfc5530Code::AuthenticationFailed),
        StoreError::NoSuchMailbox if trycreate => Code::TryCreate,
        StoreError::NoSuchMailbox => Code::Rfc5530(Rfc5530Code::NonExistent),
        StoreError::AlreadyExists => Code::Rfc5530(Rfc5530Code::AlreadyExists),
        StoreError::Cannot(_) | StoreError::InvalidName => Code::Rfc5530(Rfc5530Code::Cannot),
        StoreError::TooBig => Code::TooBig,
        StoreError::Expunged => Code::Rfc5530(Rfc5530Code::ExpungeIssued),
        StoreError::UnknownCte => Code::Other { name: crate::types::Atom::from_static("UNKNOWN-CTE"), value: None },
    };
    let mut text = e.to_string();
    if let Some(first) = text.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    (Some(code), text)
}

fn wire_name(m: &Mailbox) -> Result<String, StoreError> {
    match m {
        Mailbox::Inbox => Ok("INBOX".into()),
        Mailbox::Other(s) => {
            let name = std::str::from_utf8(s.as_bytes()).map_err(|_| StoreError::InvalidName)?;
            crate::mutf7::decode(name.as_bytes()).map_err(|_| StoreError::InvalidName)?;
            Ok(name.to_string())
        }
    }
}

/// LIST pattern matching (RFC 3501 §6.3.8): `*` matches anything, `%` anything but the
/// delimiter.
fn matches_pattern(name: &[u8], pattern: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|k| matches_pattern(&name[k..], rest)),
        Some((b'%', rest)) => {
            let stop = name.iter().position(|&b| b == b'/').unwrap_or(name.len());
            (0..=stop).any(|k| matches_pattern(&name[k..], rest))
        }
        Some((&c, rest)) => name.first() == Some(&c) && matches_pattern(&name[1..], rest),
    }
}

fn canonical_pattern(reference: &[u8], pattern: &[u8]) -> Vec<u8> {
    let mut full = if pattern.starts_with(b"/") { Vec::new() } else { reference.to_vec() };
    full.extend_from_slice(pattern);
    // INBOX is case-insensitive.
    if full.len() >= 5 && full[..5].eq_ignore_ascii_case(b"INBOX") && (full.len() == 5 || full[5] == b'/') {
        full[..5].copy_from_slice(b"INBOX");
    }
    full
}

impl<B: Backend> Session<B> {
    /// A session for one connection.
    pub fn new(backend: Arc<B>) -> Self {
        Session {
            backend,
            id: SessionId(NEXT_SESSION.fetch_add(1, Ordering::Relaxed)),
            user: None,
            selected: None,
            notifier: None,
            idling: false,
        }
    }

    /// Server options advertising exactly what a session serves.
    pub fn server_options(backend: &B) -> ServerOptions {
        let mut caps = vec![
            Capability::Namespace,
            Capability::Id,
            Capability::Enable,
            Capability::Unselect,
            Capability::Move,
            Capability::UidPlus,
            Capability::Children,
            Capability::SpecialUse,
        ];
        if let Some(limit) = backend.append_limit() {
            caps.push(Capability::AppendLimit(Some(limit)));
        }
        ServerOptions { extra_capabilities: caps, ..ServerOptions::default() }
    }

    /// The notifier that wakes this connection when its selected mailbox changes (for
    /// IDLE). Call [`Session::poll_updates`] when it fires.
    pub fn set_notifier(&mut self, notifier: Notifier) {
        self.notifier = Some(notifier);
    }

    /// Sends pending mailbox updates now, if the protocol allows it (during IDLE).
    pub fn poll_updates(&mut self, server: &mut Server) {
        if self.idling {
            self.sync(server, true);
        }
    }

    /// The connection ended: releases the mailbox (and its `\Recent`).
    pub fn close(&mut self) {
        self.deselect();
    }

    fn deselect(&mut self) {
        if let (Some(sel), Some(user)) = (self.selected.take(), &self.user) {
            self.backend.close(user, &sel.name, self.id);
        }
    }

    /// Handles one server event: every command answered, exactly once per tag.
    pub fn handle(&mut self, server: &mut Server, event: Event) {
        match event {
            Event::Credentials { tag, username, password, .. } => {
                match self.backend.login(&username, password.expose()) {
                    Ok(user) => {
                        self.user = Some(user);
                        let _ = server.complete(&tag, StatusKind::Ok, None, "Logged in");
                    }
                    Err(e) => {
                        let (code, text) = text_code(&e, false);
                        let _ = server.complete(&tag, StatusKind::No, code, &text);
                    }
                }
            }
            Event::AuthData { tag, .. } => {
                let _ = server.complete(&tag, StatusKind::No, None, "Unsupported mechanism");
            }
            Event::IdleStarted { .. } => {
                self.idling = true;
                self.sync(server, true);
            }
            Event::IdleDone { tag } => {
                self.idling = false;
                let _ = server.complete(&tag, StatusKind::Ok, None, "IDLE terminated");
            }
            Event::CommandReceived { tag, command } => self.command(server, tag, command),
            Event::Closed | Event::ConnectionLost(_) => self.close(),
            _ => {}
        }
    }

    fn complete(server: &mut Server, tag: &Tag, r: Result<(Option<Code>, String), StoreError>, trycreate: bool) {
        let _ = match r {
            Ok((code, text)) => server.complete(tag, StatusKind::Ok, code, &text),
            Err(e) => {
                let (code, text) = text_code(&e, trycreate);
                server.complete(tag, StatusKind::No, code, &text)
            }
        };
    }

    fn command(&mut self, server: &mut Server, tag: Tag, command: CommandBody) {
        let name = command.name();
        let done = format!("{name} completed");
        let Some(user) = self.user.clone() else {
            // Before login (or on a PREAUTH connection without a store user) only the
            // any-state commands reach us; NOOP and ID work, the rest has no store.
            match command {
                CommandBody::Noop => Self::complete(server, &tag, Ok((None, done)), false),
                CommandBody::Id { .. } => {
                    let _ = server.send_data(Data::Id(Some(Self::id_params())));
                    Self::complete(server, &tag, Ok((None, done)), false);
                }
                _ => {
                    let _ = server.complete(&tag, StatusKind::No, None, "Not logged in to a store");
                }
            }
            return;
        };
        let b = self.backend.clone();
        match command {
            CommandBody::Noop | CommandBody::Check => {
                self.sync(server, true);
                Self::complete(server, &tag, Ok((None, done)), false);
            }
            CommandBody::Select { mailbox } | CommandBody::Examine { mailbox } => {
                let read_only = name == "EXAMINE";
                let r = self.select(server, &user, &mailbox, read_only);
                Self::complete(server, &tag, r.map(|code| (Some(code), done)), false);
            }
            CommandBody::Create { mailbox } => {
                let r = wire_name(&mailbox).and_then(|n| b.create(&user, &n));
                Self::complete(server, &tag, r.map(|()| (None, done)), false);
            }
            CommandBody::Delete { mailbox } => {
                let r = wire_name(&mailbox).and_then(|n| b.delete(&user, &n));
                Self::complete(server, &tag, r.map(|()| (None, done)), false);
            }
            CommandBody::Rename { from, to } => {
                let r = wire_name(&from).and_then(|f| wire_name(&to).and_then(|t| b.rename(&user, &f, &t)));
                Self::complete(server, &tag, r.map(|()| (None, done)), false);
            }
            CommandBody::Subscribe { mailbox } | CommandBody::Unsubscribe { mailbox } => {
                let on = name == "SUBSCRIBE";
                let r = wire_name(&mailbox).and_then(|n| b.subscribe(&user, &n, on));
                Self::complete(server, &tag, r.map(|()| (None, done)), false);
            }
            CommandBody::List { reference, pattern } => {
                let r = self.list(server, &user, &reference, &pattern, false);
                Self::complete(server, &tag, r.map(|()| (None, done)), false);
            }
            CommandBody::Lsub { reference, pattern } => {
                let r = self.list(server, &user, &reference, &pattern, true);
                Self::complete(server, &tag, r.map(|()| (None, done)), false);
            }
            CommandBody::Status { mailbox, items } => {
                let r = wire_name(&mailbox).and_then(|n| b.status(&user, &n)).map(|st| {
                    let items = items
                        .iter()
                        .filter_map(|i| {
                            let v = match i {
                                StatusItem::Messages => u64::from(st.messages),
                                StatusItem::Recent => u64::from(st.recent),
                                StatusItem::UidNext => u64::from(st.uid_next),
                                StatusItem::UidValidity => u64::from(st.uid_validity),
                                StatusItem::Unseen => u64::from(st.unseen),
                                StatusItem::Size => st.size,
                                StatusItem::Deleted => u64::from(st.deleted),
                                StatusItem::AppendLimit | StatusItem::HighestModSeq => return None,
                            };
                            Some((*i, v))
                        })
                        .collect();
                    let _ = server.send_data(Data::Status { mailbox, items });
                    (None, done)
                });
                self.sync(server, true);
                Self::complete(server, &tag, r, false);
            }
            CommandBody::Append { mailbox, flags, date, message } => {
                let r = wire_name(&mailbox).and_then(|n| b.append(&user, &n, &flags, date, message.data().clone()));
                self.sync(server, true);
                let r = r.map(|(validity, uid)| {
                    let set = SequenceSet::single(NonZeroU32::new(uid).expect("UIDs start at 1"));
                    (Some(Code::AppendUid { uid_validity: validity, uids: set }), done)
                });
                Self::complete(server, &tag, r, true);
            }
            CommandBody::Namespace => {
                let personal = Some(vec![NamespaceDescription {
                    prefix: IString::from_static(""),
                    delimiter: Some('/'),
                    extensions: None,
                }]);
                let _ = server.send_data(Data::Namespace { personal, other: None, shared: None });
                Self::complete(server, &tag, Ok((None, done)), false);
            }
            CommandBody::Id { .. } => {
                let _ = server.send_data(Data::Id(Some(Self::id_params())));
                Self::complete(server, &tag, Ok((None, done)), false);
            }
            CommandBody::Enable { .. } => {
                // No ENABLE-able extension is served yet: RFC 5161 says answer with an
                // empty ENABLED.
                let _ = server.send_data(Data::Enabled(Vec::new()));
                Self::complete(server, &tag, Ok((None, done)), false);
            }
            CommandBody::Close | CommandBody::Unselect => {
                if let Some(sel) = &self.selected {
                    if name == "CLOSE" && !sel.read_only {
                        let _ = b.expunge(&user, &sel.name, None);
                    }
                }
                self.deselect();
                Self::complete(server, &tag, Ok((None, done)), false);
            }
            selected_command => self.selected_command(server, &user, tag, selected_command, done),
        }
    }

    /// The ID the server answers with (RFC 2971).
    fn id_params() -> Vec<(IString, crate::types::NString)> {
        vec![
            (IString::from_static("name"), Some(IString::from_static("imap-machine"))),
            (IString::from_static("version"), Some(IString::from_static(env!("CARGO_PKG_VERSION")))),
        ]
    }

    fn select(
        &mut self,
        server: &mut Server,
        user: &B::User,
        mailbox: &Mailbox,
        read_only: bool,
    ) -> Result<Code, StoreError> {
        self.deselect();
        let name = wire_name(mailbox)?;
        let snap = self.backend.open(user, &name, self.id, read_only)?;
        if let Some(n) = &self.notifier {
            self.backend.watch(user, &name, self.id, n.clone());
        }
        let flags = self.backend.fetch(user, &name, &snap.uids)?;
        let first_unseen =
            flags.iter().position(|m| m.as_ref().is_some_and(|m| !m.flags.contains(&Flag::Seen))).map(|k| k as u32 + 1);
        let _ = server.send_data(Data::Flags(snap.flags.clone()));
        let _ = server.send_data(Data::Exists(snap.uids.len() as u32));
        let _ = server.send_data(Data::Recent(snap.recent.len() as u32));
        let ok = |server: &mut Server, code: Code, text: &str| {
            let _ = server.send(&crate::types::Response::Status {
                tag: None,
                status: crate::types::StatusResponse::new(
                    StatusKind::Ok,
                    Some(code),
                    crate::types::Text::try_from(text).expect("static text"),
                ),
            });
        };
        if let Some(u) = first_unseen {
            ok(server, Code::Unseen(u), &format!("Message {u} is first unseen"));
        }
        let mut perm: Vec<FlagPerm> =
            if read_only { Vec::new() } else { snap.flags.iter().cloned().map(FlagPerm::Flag).collect() };
        if !read_only {
            perm.push(FlagPerm::Wildcard);
        }
        ok(
            server,
            Code::PermanentFlags(perm),
            if read_only { "No permanent flags permitted" } else { "Flags permitted" },
        );
        ok(server, Code::UidValidity(snap.uid_validity), "UIDs valid");
        ok(server, Code::UidNext(snap.uid_next), "Predicted next UID");
        self.selected = Some(Selected {
            name,
            read_only,
            reported_exists: snap.uids.len(),
            reported_recent: snap.recent.len(),
            view: snap.uids,
            recent: snap.recent.into_iter().collect(),
            pending_expunge: BTreeSet::new(),
            echo: HashMap::new(),
            cursor: snap.cursor,
        });
        Ok(if read_only { Code::ReadOnly } else { Code::ReadWrite })
    }

    fn list(
        &mut self,
        server: &mut Server,
        user: &B::User,
        reference: &Mailbox,
        pattern: &ListMailbox,
        lsub: bool,
    ) -> Result<(), StoreError> {
        let reference = reference.as_wire();
        if !lsub && pattern.as_wire().is_empty() {
            // LIST "" "": the delimiter and root (RFC 3501 §6.3.8).
            let item = ListItem {
                attributes: vec![crate::types::ListAttribute::NoSelect],
                delimiter: Some('/'),
                mailbox: Mailbox::from_wire(IString::from_static("")),
                extended: None,
            };
            let _ = server.send_data(Data::List(item));
            return Ok(());
        }
        let full = canonical_pattern(reference, pattern.as_wire());
        let all = self.backend.list(user)?;
        let items: Vec<MailboxInfo> = if lsub {
            let subs = self.backend.subscriptions(user)?;
            subs.into_iter()
                .map(|name| {
                    let info = all.iter().find(|i| i.name == name).cloned();
                    info.unwrap_or(MailboxInfo { name, attributes: vec![crate::types::ListAttribute::NoSelect] })
                })
                .collect()
        } else {
            all
        };
        for info in items {
            if !matches_pattern(info.name.as_bytes(), &full) {
                continue;
            }
            let item = ListItem {
                attributes: if lsub {
                    info.attributes.into_iter().filter(|a| matches!(a, crate::types::ListAttribute::NoSelect)).collect()
                } else {
                    info.attributes
                },
                delimiter: Some('/'),
                mailbox: Mailbox::from_wire(IString::try_from(info.name).map_err(|_| StoreError::InvalidName)?),
                extended: None,
            };
            let _ = server.send_data(if lsub { Data::Lsub(item) } else { Data::List(item) });
        }
        Ok(())
    }

    /// Reports changes since the cursor: EXISTS, RECENT, FETCH FLAGS and — when
    /// `allow_expunge` — EXPUNGE (RFC 3501 §7.4.1 forbids it during FETCH, STORE and
    /// SEARCH by sequence number).
    fn sync(&mut self, server: &mut Server, allow_expunge: bool) {
        let (Some(sel), Some(user)) = (self.selected.as_mut(), self.user.as_ref()) else { return };
        let Ok((changes, cursor, recent)) = self.backend.changes(user, &sel.name, self.id, sel.cursor, sel.read_only)
        else {
            return;
        };
        sel.cursor = cursor;
        sel.recent.extend(recent);
        for change in changes {
            match change {
                Change::Appended { uid } => {
                    if sel.view.last().is_none_or(|&l| l < uid) {
                        sel.view.push(uid);
                    }
                }
                Change::Flags { uid, flags } => {
                    if sel.pending_expunge.contains(&uid) {
                        continue;
                    }
                    if sel.echo.get(&uid) == Some(&flags) {
                        sel.echo.remove(&uid);
                        continue;
                    }
                    if let Some(seq) = sel.seq_of(uid) {
                        if seq as usize <= sel.reported_exists {
                            let items = vec![FetchItem::Flags(flag_fetch(&flags, sel.recent.contains(&uid)))];
                            let _ = server.send_data(Data::Fetch { seq: NonZeroU32::new(seq).expect("seq"), items });
                        }
                    }
                }
                Change::Expunged { uid } => {
                    sel.pending_expunge.insert(uid);
                }
            }
        }
        if allow_expunge {
            for uid in std::mem::take(&mut sel.pending_expunge) {
                if let Some(seq) = sel.seq_of(uid) {
                    sel.view.remove(seq as usize - 1);
                    sel.recent.remove(&uid);
                    sel.echo.remove(&uid);
                    if (seq as usize) <= sel.reported_exists {
                        sel.reported_exists -= 1;
                        let _ = server.send_data(Data::Expunge(NonZeroU32::new(seq).expect("seq")));
                    }
                }
            }
        }
        if sel.view.len() != sel.reported_exists && sel.view.len() > sel.reported_exists {
            sel.reported_exists = sel.view.len();
            let _ = server.send_data(Data::Exists(sel.view.len() as u32));
        }
        if sel.recent.len() != sel.reported_recent {
            sel.reported_recent = sel.recent.len();
            let _ = server.send_data(Data::Recent(sel.recent.len() as u32));
        }
    }

    fn selected_command(&mut self, server: &mut Server, user: &B::User, tag: Tag, command: CommandBody, done: String) {
        let b = self.backend.clone();
        let Some(sel) = self.selected.as_mut() else {
            let _ = server.complete(&tag, StatusKind::Bad, None, "No mailbox selected");
            return;
        };
        let name = sel.name.clone();
        match command {
            CommandBody::Expunge | CommandBody::UidExpunge { .. } => {
                if sel.read_only {
                    let _ = server.complete(&tag, StatusKind::No, None, "Mailbox is read-only");
                    return;
                }
                let uids = match &command {
                    CommandBody::UidExpunge { set } => match sel.resolve(set, true) {
                        Ok(v) => Some(v.into_iter().map(|(_, u)| u).collect::<Vec<u32>>()),
                        Err(e) => {
                            let _ = server.complete(&tag, StatusKind::Bad, None, e);
                            return;
                        }
                    },
                    _ => None,
                };
                let r = b.expunge(user, &name, uids.as_deref());
                self.sync(server, true);
                Self::complete(server, &tag, r.map(|_| (None, done)), false);
            }
            CommandBody::Fetch { set, attributes, uid } => {
                let pairs = match sel.resolve(&set, uid) {
                    Ok(p) => p,
                    Err(e) => {
                        let _ = server.complete(&tag, StatusKind::Bad, None, e);
                        return;
                    }
                };
                let mut atts = attributes.to_vec();
                if uid && !atts.contains(&FetchAttribute::Uid) {
                    atts.insert(0, FetchAttribute::Uid);
                }
                let r = self.fetch(server, user, &name, &pairs, &atts);
                self.sync(server, uid);
                Self::complete(server, &tag, r.map(|()| (None, done)), false);
            }
            CommandBody::Store { set, kind, silent, flags, uid } => {
                if sel.read_only {
                    let _ = server.complete(&tag, StatusKind::No, None, "Mailbox is read-only");
                    return;
                }
                let pairs = match sel.resolve(&set, uid) {
                    Ok(p) => p,
                    Err(e) => {
                        let _ = server.complete(&tag, StatusKind::Bad, None, e);
                        return;
                    }
                };
                let uids: Vec<u32> = pairs.iter().map(|(_, u)| *u).collect();
                let r = b.store(user, &name, &uids, kind, &flags).map(|updated| {
                    let mut missing = false;
                    for (seq, u) in &pairs {
                        match updated.iter().find(|(x, _)| x == u) {
                            Some((_, fl)) => {
                                sel.echo.insert(*u, fl.clone());
                                if !silent {
                                    let mut items = Vec::with_capacity(2);
                                    if uid {
                                        items.push(FetchItem::Uid(*u));
                                    }
                                    items.push(FetchItem::Flags(flag_fetch(fl, sel.recent.contains(u))));
                                    let seq = NonZeroU32::new(*seq).expect("seq");
                                    let _ = server.send_data(Data::Fetch { seq, items });
                                }
                            }
                            None => missing = true,
                        }
                    }
                    missing
                });
                self.sync(server, uid);
                let r = match r {
                    Ok(true) => Err(StoreError::Expunged),
                    Ok(false) => Ok((None, done)),
                    Err(e) => Err(e),
                };
                Self::complete(server, &tag, r, false);
            }
            CommandBody::Copy { set, mailbox, uid } | CommandBody::Move { set, mailbox, uid } => {
                let is_move = done.contains("MOVE");
                if is_move && sel.read_only {
                    let _ = server.complete(&tag, StatusKind::No, None, "Mailbox is read-only");
                    return;
                }
                let pairs = match sel.resolve(&set, uid) {
                    Ok(p) => p,
                    Err(e) => {
                        let _ = server.complete(&tag, StatusKind::Bad, None, e);
                        return;
                    }
                };
                let uids: Vec<u32> = pairs.iter().map(|(_, u)| *u).collect();
                let r = wire_name(&mailbox).and_then(|to| {
                    if is_move {
                        b.move_messages(user, &name, &uids, &to)
                    } else {
                        b.copy(user, &name, &uids, &to)
                    }
                });
                let r = r.map(|c| {
                    let code = copyuid(&c);
                    if is_move {
                        // RFC 6851 §4.3: COPYUID goes in an untagged OK before the EXPUNGEs.
                        if let Some(code) = code.clone() {
                            let _ = server.send(&crate::types::Response::Status {
                                tag: None,
                                status: crate::types::StatusResponse::new(
                                    StatusKind::Ok,
                                    Some(code),
                                    crate::types::Text::try_from("Moved").expect("static"),
                                ),
                            });
                        }
                        (None, done)
                    } else {
                        (code, done)
                    }
                });
                self.sync(server, uid || is_move);
                Self::complete(server, &tag, r, true);
            }
            CommandBody::Search { charset, criteria, uid } => {
                let r = self.search(server, user, &name, charset.as_ref(), &criteria, uid);
                self.sync(server, uid);
                match r {
                    Ok(()) => Self::complete(server, &tag, Ok((None, done)), false),
                    Err((kind, code, text)) => {
                        let _ = server.complete(&tag, kind, code, &text);
                    }
                }
            }
            other => {
                let _ = server.complete(&tag, StatusKind::Bad, None, &format!("{} not supported", other.name()));
            }
        }
    }

    fn fetch(
        &mut self,
        server: &mut Server,
        user: &B::User,
        name: &str,
        pairs: &[(u32, u32)],
        atts: &[FetchAttribute],
    ) -> Result<(), StoreError> {
        let sel = self.selected.as_mut().expect("selected");
        let uids: Vec<u32> = pairs.iter().map(|(_, u)| *u).collect();
        let sets_seen = !sel.read_only && atts.iter().any(FetchAttribute::sets_seen);
        let data = self.backend.fetch(user, name, &uids)?;
        let mut missing = false;
        let mut unknown_cte = false;
        for ((seq, uid), msg) in pairs.iter().zip(data) {
            let Some(mut msg) = msg else {
                missing = true;
                continue;
            };
            let mut flags_changed = false;
            if sets_seen && !msg.flags.contains(&Flag::Seen) {
                if let Ok(updated) =
                    self.backend.store(user, name, &[*uid], crate::types::StoreKind::Add, &[Flag::Seen])
                {
                    if let Some((_, fl)) = updated.into_iter().next() {
                        sel.echo.insert(*uid, fl.clone());
                        msg.flags = fl;
                        flags_changed = true;
                    }
                }
            }
            let mut items = match fetch::items(&msg, atts, sel.recent.contains(uid)) {
                Ok(items) => items,
                Err(_) => {
                    unknown_cte = true;
                    continue;
                }
            };
            if flags_changed && !atts.contains(&FetchAttribute::Flags) {
                items.push(FetchItem::Flags(flag_fetch(&msg.flags, sel.recent.contains(uid))));
            }
            let seq = NonZeroU32::new(*seq).expect("seq");
            let _ = server.send_data(Data::Fetch { seq, items });
        }
        if unknown_cte {
            return Err(StoreError::UnknownCte);
        }
        if missing {
            return Err(StoreError::Expunged);
        }
        Ok(())
    }

    fn search(
        &mut self,
        server: &mut Server,
        user: &B::User,
        name: &str,
        charset: Option<&IString>,
        criteria: &[SearchKey],
        uid: bool,
    ) -> Result<(), (StatusKind, Option<Code>, String)> {
        let sel = self.selected.as_ref().expect("selected");
        let decoder = fetch::search_decoder(charset)?;
        let data = self.backend.fetch(user, name, &sel.view).map_err(|e| {
            let (code, text) = text_code(&e, false);
            (StatusKind::No, code, text)
        })?;
        let max_seq = sel.view.len() as u32;
        let max_uid = sel.view.last().copied().unwrap_or(0);
        let mut hits = Vec::new();
        for (k, msg) in data.iter().enumerate() {
            let Some(msg) = msg else { continue };
            let seq = k as u32 + 1;
            let ctx =
                fetch::SearchInput { seq, max_seq, max_uid, recent: sel.recent.contains(&msg.uid), decoder: &decoder };
            if criteria.iter().all(|key| fetch::matches(msg, key, &ctx)) {
                hits.push(if uid { msg.uid } else { seq });
            }
        }
        let _ = server.send_data(Data::Search { ids: hits, modseq: None });
        Ok(())
    }
}

pub(crate) fn flag_fetch(flags: &[Flag], recent: bool) -> Vec<FlagFetch> {
    let mut v: Vec<FlagFetch> = flags.iter().cloned().map(FlagFetch::Flag).collect();
    if recent {
        v.push(FlagFetch::Recent);
    }
    v
}

fn copyuid(c: &super::CopyResult) -> Option<Code> {
    let set = |v: &[u32]| {
        let seqs = v
            .iter()
            .map(|u| crate::types::Sequence::Single(crate::types::SeqNumber::Value(NonZeroU32::new(*u).expect("uid"))))
            .collect();
        SequenceSet::new(seqs).ok()
    };
    Some(Code::CopyUid { uid_validity: c.uid_validity, source: set(&c.source)?, destination: set(&c.destination)? })
}

//! One connection's engine: server events in, backend calls, exact IMAP responses out.
//!
//! Each command is a function returning `Result<Done, SessionError>`; [`Session::handle`]
//! turns that into the one tagged answer the command gets. The selected mailbox's view
//! and its sync are in `selected`, the commands on it in `commands`, LIST/LSUB in `list`.

mod append;
mod catenate;
mod commands;
mod condstore;
mod context;
mod enable;
mod error;
mod extension;
mod list;
mod metadata;
mod notify;
mod quota;
mod selected;
mod stream;
mod urlauth;
mod view;
mod work;

use std::num::NonZeroU32;
use std::sync::Arc;

#[cfg(test)]
pub(crate) use append::{eight_bit_header, HeaderScan};
use error::Done;
pub use error::SessionError;
pub use extension::{CommandHandler, ExtensionContext, ExtensionError, Extensions, Reply};
use selected::{permanent_flags, untagged_ok, Selected, Sync};
pub use stream::STREAM_FETCHES_OVER;

use super::{Backend, Change, Notifier, SessionId, StoreError};
use crate::server::{Event, Server, ServerOptions};
use crate::types::{
    Capability, Code, CommandBody, Data, Flag, FlagFetch, IString, ListItem, Mailbox, NString, NamespaceDescription,
    SequenceSet, StatusKind, Tag,
};

/// APPENDs with a longer message are streamed to [`Backend::append_transaction`] as the
/// message arrives (the server machine buffers shorter ones whole).
pub const STREAM_APPENDS_OVER: u64 = 64 * 1024;

/// One connection's engine (see the module docs of [`crate::store`]).
pub struct Session<B: Backend> {
    backend: Arc<B>,
    id: SessionId,
    user: Option<B::User>,
    /// The name the user logged in with (URLAUTH's owner and access checks).
    user_name: String,
    selected: Option<Selected>,
    notifier: Option<Notifier>,
    idling: bool,
    /// Messages a step may touch ([`Session::set_step`]); `usize::MAX`: no limit.
    step: usize,
    /// Whole messages this long and longer are streamed out
    /// ([`Session::set_stream_fetches_over`]).
    stream_over: u64,
    /// The command in progress.
    pending: Option<work::Pending>,
    /// A job the command just started (taken into `pending`).
    new_job: Option<work::Job>,
    /// The sync the command just run wants before its answer.
    finish_sync: Option<Sync>,
    /// What waits for the pending command.
    waiting: work::Waiting,
    /// The streamed APPEND in progress.
    upload: Option<append::Upload>,
    /// What ENABLE turned on (RFC 5161): IMAP4rev2, UTF8=ACCEPT.
    enabled: enable::Enabled,
    /// The tag of the command being started (for the searches that keep a context).
    current_tag: Option<Tag>,
    /// The extension commands served ([`Session::set_extensions`]).
    extensions: Option<Arc<Extensions<B>>>,
    /// What NOTIFY asked for (RFC 5465), and what it was told.
    notify: Option<notify::NotifyState>,
    /// Checks passwords instead of the store ([`Session::set_authenticator`]).
    authenticator: Option<Authenticator>,
}

/// Checks a user's password (name, password) for [`Session::set_authenticator`].
pub type Authenticator = Arc<dyn Fn(&str, &[u8]) -> bool + Send + std::marker::Sync>;

impl<B: Backend> std::fmt::Debug for Session<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("id", &self.id).field("selected", &self.selected).finish()
    }
}

/// The wire name of a mailbox argument (modified UTF-7, checked).
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

impl<B: Backend> Session<B> {
    /// A session for one connection, with an id the backend hands out.
    pub fn new(backend: Arc<B>) -> Self {
        let id = backend.new_session();
        Self::with_id(backend, id)
    }

    /// A session with an id the caller chose; it must be unique among the backend's
    /// sessions (see [`Backend::new_session`]).
    pub fn with_id(backend: Arc<B>, id: SessionId) -> Self {
        Session {
            backend,
            id,
            user: None,
            user_name: String::new(),
            selected: None,
            notifier: None,
            idling: false,
            step: usize::MAX,
            stream_over: STREAM_FETCHES_OVER,
            pending: None,
            new_job: None,
            finish_sync: None,
            waiting: work::Waiting::default(),
            upload: None,
            enabled: enable::Enabled::default(),
            current_tag: None,
            extensions: None,
            notify: None,
            authenticator: None,
        }
    }

    /// Checks LOGIN's and AUTHENTICATE's passwords with `check` instead of
    /// [`Backend::login`]; a user it accepts is taken from [`Backend::user`]. For an
    /// embedder that keeps hashes (a Dovecot passwd-file) or asks an outside service.
    /// `check` may be slow (argon2): an adapter calls the session off its event loop
    /// while a login waits ([`crate::server::Server::pending_events`]).
    pub fn set_authenticator(&mut self, check: Authenticator) {
        self.authenticator = Some(check);
    }

    /// This session's id.
    pub fn id(&self) -> SessionId {
        self.id
    }

    /// Server options advertising exactly what a session serves: the server machine's own
    /// capabilities (IMAP4rev1, LITERAL+, SASL-IR, IDLE, STARTTLS and AUTH= as configured)
    /// and these.
    pub fn server_options(backend: &B) -> ServerOptions {
        let mut caps = vec![
            Capability::Imap4rev2,
            Capability::Namespace,
            Capability::Id,
            Capability::Enable,
            Capability::Unselect,
            Capability::Move,
            Capability::UidPlus,
            Capability::Children,
            Capability::SpecialUse,
            Capability::CreateSpecialUse,
            Capability::Binary,
            Capability::ESearch,
            Capability::SearchRes,
            Capability::Unauthenticate,
            Capability::StatusSize,
            Capability::MultiAppend,
            Capability::Catenate,
            Capability::ListExtended,
            Capability::ListStatus,
            Capability::ContextSearch,
            Capability::Partial,
            Capability::SaveDate,
            Capability::Preview,
            Capability::Utf8Accept,
            Capability::Sort,
            Capability::SortDisplay,
            Capability::ThreadOrderedSubject,
            Capability::ThreadReferences,
            Capability::ESort,
            Capability::ContextSort,
            Capability::I18nLevel1,
        ];
        if backend.object_ids() {
            caps.push(Capability::ObjectId);
        }
        if backend.quotas() {
            // RFC 9208 §3.1: the resources counted; no QUOTASET (SETQUOTA is refused).
            caps.push(Capability::Quota);
            for res in ["QUOTA=RES-STORAGE", "QUOTA=RES-MESSAGE"] {
                caps.push(Capability::from(crate::types::Atom::from_static(res)));
            }
        }
        if backend.metadata_supported() {
            caps.extend([Capability::Metadata, Capability::MetadataServer]);
        }
        if backend.url_keys() {
            caps.push(Capability::from(crate::types::Atom::from_static("URLAUTH")));
            caps.push(Capability::from(crate::types::Atom::from_static("URLAUTH=BINARY")));
        }
        if backend.mod_seqs() {
            caps.push(Capability::CondStore);
            caps.push(Capability::QResync);
        }
        caps.push(Capability::Notify);
        let defaults = ServerOptions::default();
        // Messages are streamed to the store, never held whole: the limit is the store's
        // policy, announced as APPENDLIMIT (RFC 7889) when it has one; without one, the
        // machine's default applies.
        if backend.now().is_some() {
            caps.push(Capability::Within);
        }
        if let Some(limit) = backend.append_limit() {
            caps.push(Capability::AppendLimit(Some(limit)));
        }
        let limit = backend.append_limit().map_or(defaults.max_append_len, u64::from);
        ServerOptions {
            extra_capabilities: caps,
            stream_appends_over: Some(STREAM_APPENDS_OVER),
            max_append_len: limit,
            ..defaults
        }
    }

    /// The notifier that wakes this connection when its selected mailbox changes (for
    /// IDLE). Call [`Session::poll_updates`] when it fires.
    pub fn set_notifier(&mut self, notifier: Notifier) {
        self.notifier = Some(notifier);
    }

    /// Sends pending mailbox updates now, if the protocol allows it (during IDLE). If the
    /// selected mailbox is gone, the connection ends with `* BYE`.
    ///
    /// After NOTIFY (RFC 5465), also when no command is in progress: the selected
    /// mailbox's changes it asked for, and the news of other mailboxes.
    pub fn poll_updates(&mut self, server: &mut Server) {
        if self.idling || self.notify.is_some() {
            self.waiting.updates = true;
            if self.pending.is_none() && self.waiting.events.is_empty() {
                self.advance(server);
            }
        }
    }

    /// The sync that unsolicited updates run now, if any: in IDLE everything; after
    /// NOTIFY with `selected` everything, with `selected-delayed` no expunge.
    fn unsolicited_sync(&self) -> Option<Sync> {
        if self.idling {
            return Some(Sync::Full);
        }
        match self.notify.as_ref()?.selected {
            Some(false) => Some(Sync::Full),
            Some(true) => Some(Sync::NoExpunge),
            None => None,
        }
    }

    /// The connection ended: releases the mailbox (and its `\Recent`) and NOTIFY's
    /// watch.
    pub fn close(&mut self) {
        self.upload = None;
        self.deselect();
        self.notify_off();
    }

    /// Forgets what NOTIFY asked for, and the store's watch for it.
    fn notify_off(&mut self) {
        if let (Some(_), Some(user)) = (self.notify.take(), &self.user) {
            self.backend.watch_user(user, self.id, None);
        }
    }

    /// UNAUTHENTICATE (RFC 8437 §3): the selected mailbox is released as CLOSE or the
    /// connection's end releases it (its `\Recent` and its hold on expunged messages,
    /// with no expunge), and the user is forgotten, so the session can log in again. It
    /// never fails: RFC 8437 forbids a NO.
    fn unauthenticate(&mut self) {
        self.deselect();
        self.notify_off();
        self.user = None;
        self.user_name.clear();
        self.idling = false;
        // RFC 8437 §3: what ENABLE turned on ceases to be enabled.
        self.enabled = enable::Enabled::default();
    }

    fn deselect(&mut self) {
        if let (Some(sel), Some(user)) = (self.selected.take(), &self.user) {
            self.backend.close(user, &sel.name, self.id);
        }
    }

    /// Handles one server event: every command answered, exactly once per tag, in order.
    /// With a step budget ([`Session::set_step`]) a long command may still be running
    /// when this returns ([`Session::has_work`]); events wait for it.
    pub fn handle(&mut self, server: &mut Server, event: Event) {
        if matches!(event, Event::Closed | Event::ConnectionLost(_)) {
            self.pending = None;
            self.waiting = work::Waiting::default();
            self.close();
            return;
        }
        if self.pending.is_some() || !self.waiting.events.is_empty() {
            self.waiting.events.push_back(event);
            return;
        }
        self.dispatch(server, event);
        self.advance(server);
    }

    /// Starts what one event asks for: a command becomes [`work::Pending`].
    fn dispatch(&mut self, server: &mut Server, event: Event) {
        match event {
            Event::Credentials { tag, username, password, .. } => {
                let user = match &self.authenticator {
                    Some(check) if check(&username, password.expose().as_bytes()) => self.backend.user(&username),
                    Some(_) => Err(StoreError::AuthenticationFailed),
                    None => self.backend.login(&username, password.expose()),
                };
                match user {
                    Ok(user) => {
                        self.user = Some(user);
                        self.user_name = username.clone();
                        let _closed = server.complete(&tag, StatusKind::Ok, None, "Logged in");
                    }
                    Err(e) => Self::answer(server, &tag, "LOGIN", Err(e.into())),
                }
            }
            Event::AuthData { tag, .. } => {
                Self::answer(server, &tag, "AUTHENTICATE", Err(SessionError::UnsupportedMechanism));
            }
            Event::IdleStarted { .. } => {
                self.idling = true;
                self.waiting.updates = true;
            }
            Event::IdleDone { tag } => {
                self.idling = false;
                // Not "IDLE completed": keep Dovecot's and go-imap's text.
                let _closed = server.complete(&tag, StatusKind::Ok, None, "IDLE terminated");
            }
            Event::CommandReceived { tag, command } => {
                let name = command.name();
                self.finish_sync = None;
                self.current_tag = Some(tag.clone());
                let r = self.command(server, command);
                self.current_tag = None;
                let stage = match (r, self.new_job.take()) {
                    (Ok(Done::Ok), Some(job)) => work::Stage::Job(job),
                    (r, _) => work::Stage::Finish { sync: self.finish_sync.take(), result: r },
                };
                self.pending = Some(work::Pending { tag, name, stage });
            }
            Event::AppendStarted { tag, mailbox, before, flags, date, length, .. } => {
                let next = append::Streamed { flags: &flags, date, length };
                self.append_started(server, tag, &mailbox, before, next);
            }
            Event::AppendNext { tag, before, flags, date, length, .. } => {
                let next = append::Streamed { flags: &flags, date, length };
                self.append_next(server, tag, before, next);
            }
            Event::AppendChunk { tag, data } => self.append_chunk(server, &tag, &data),
            Event::AppendEnded { tag, after } => self.append_ended(tag, after),
            Event::AppendAborted { .. } => self.append_aborted(),
            Event::Closed | Event::ConnectionLost(_) => self.close(),
            _ => {}
        }
    }

    /// The tagged answer of a command.
    fn answer(server: &mut Server, tag: &Tag, name: &str, r: Result<Done, SessionError>) {
        // An error here means the connection is closed: there is nobody to answer.
        let _closed = match r {
            Ok(Done::Ok) => server.complete(tag, StatusKind::Ok, None, &format!("{name} completed")),
            Ok(Done::Code(code)) => server.complete(tag, StatusKind::Ok, Some(code), &format!("{name} completed")),
            Ok(Done::Reply(r)) => {
                let kind = if matches!(r.kind, StatusKind::Ok | StatusKind::No) { r.kind } else { StatusKind::Bad };
                server.complete(tag, kind, r.code, &r.text)
            }
            Err(e) => match e.answer() {
                Some((kind, code)) => server.complete(tag, kind, code, &e.text()),
                None => Ok(()),
            },
        };
    }

    fn command(&mut self, server: &mut Server, command: CommandBody) -> Result<Done, SessionError> {
        if let CommandBody::Raw(raw) = &command {
            return Ok(self.raw_command(server, raw));
        }
        if let CommandBody::Unauthenticate = command {
            self.unauthenticate();
            return Ok(Done::Ok);
        }
        let Some(user) = self.user.clone() else {
            // Before login (or on a PREAUTH connection without a store user) only the
            // any-state commands reach us; NOOP and ID work, the rest has no store.
            return match command {
                CommandBody::Noop => Ok(Done::Ok),
                CommandBody::Id { .. } => {
                    server.send_data(Data::Id(Some(Self::id_params())))?;
                    Ok(Done::Ok)
                }
                _ => Err(SessionError::NotLoggedIn),
            };
        };
        let b = self.backend.clone();
        match command {
            CommandBody::Noop | CommandBody::Check => {
                self.finish_sync = Some(Sync::Full);
                Ok(Done::Ok)
            }
            CommandBody::Select { mailbox, params } => self.select(server, &user, &mailbox, params, false),
            CommandBody::Examine { mailbox, params } => self.select(server, &user, &mailbox, params, true),
            CommandBody::Create { mailbox, special_use } => {
                let name = wire_name(&mailbox)?;
                b.create_special_use(&user, &name, &special_use)?;
                self.notify_quietly();
                // RFC 8474 §4.1: the new mailbox's MAILBOXID in the tagged OK.
                match b.object_ids().then(|| b.mailbox_id(&user, &name)).transpose()?.flatten() {
                    Some(id) => Ok(Done::Code(Code::MailboxId(id))),
                    None => Ok(Done::Ok),
                }
            }
            CommandBody::Delete { mailbox } => {
                b.delete(&user, &wire_name(&mailbox)?)?;
                self.notify_quietly();
                Ok(Done::Ok)
            }
            CommandBody::Rename { from, to } => {
                b.rename(&user, &wire_name(&from)?, &wire_name(&to)?)?;
                self.notify_quietly();
                Ok(Done::Ok)
            }
            CommandBody::Subscribe { mailbox } => {
                b.subscribe(&user, &wire_name(&mailbox)?, true)?;
                self.notify_quietly();
                Ok(Done::Ok)
            }
            CommandBody::Unsubscribe { mailbox } => {
                b.subscribe(&user, &wire_name(&mailbox)?, false)?;
                self.notify_quietly();
                Ok(Done::Ok)
            }
            CommandBody::List { reference, patterns, options } => {
                match (options, &patterns[..]) {
                    (None, [pattern]) => self.list(server, &user, &reference, pattern, false)?,
                    (options, _) => {
                        let options = options.unwrap_or_default();
                        self.list_extended(server, &user, &reference, &patterns, &options)?;
                    }
                }
                Ok(Done::Ok)
            }
            CommandBody::Lsub { reference, pattern } => {
                self.list(server, &user, &reference, &pattern, true)?;
                Ok(Done::Ok)
            }
            CommandBody::Status { mailbox, items } => {
                let name = wire_name(&mailbox)?;
                let st = b.status(&user, &name)?;
                let mailbox_id = if items.contains(&crate::types::StatusItem::MailboxId) && b.object_ids() {
                    b.mailbox_id(&user, &name)?
                } else {
                    None
                };
                if items.contains(&crate::types::StatusItem::HighestModSeq) {
                    // A CONDSTORE enabling command (RFC 7162 §3.1).
                    self.condstore_on(server)?;
                }
                let items = list::status_values(&st, &items);
                server.send_data(Data::Status { mailbox, items, mailbox_id })?;
                self.finish_sync = Some(Sync::Full);
                Ok(Done::Ok)
            }
            CommandBody::Append { mailbox, flags, date, message } => {
                let name = wire_name(&mailbox).map_err(SessionError::target)?;
                if self.checks_8bit(server) && append::eight_bit_header(message.data()) {
                    return Err(SessionError::EightBitHeaders);
                }
                let r = b.append(&user, &name, &flags, date, message.data().clone());
                self.finish_sync = Some(Sync::Full);
                let (validity, uid) = r.map_err(SessionError::target)?;
                let set = SequenceSet::single(NonZeroU32::new(uid).ok_or(StoreError::Cannot("UID 0"))?);
                Ok(Done::Code(Code::AppendUid { uid_validity: validity, uids: set }))
            }
            CommandBody::MultiAppend { mailbox, messages } => self.multi_append(server, &user, &mailbox, messages),
            CommandBody::Namespace => {
                let personal = Some(vec![NamespaceDescription {
                    prefix: IString::from_static(""),
                    delimiter: Some('/'),
                    extensions: None,
                }]);
                server.send_data(Data::Namespace { personal, other: None, shared: None })?;
                Ok(Done::Ok)
            }
            CommandBody::Id { .. } => {
                server.send_data(Data::Id(Some(Self::id_params())))?;
                Ok(Done::Ok)
            }
            CommandBody::Enable { capabilities } => self.enable(server, capabilities),
            CommandBody::Notify(n) => self.notify(server, &user, n),
            CommandBody::GetQuotaRoot { mailbox } if b.quotas() => self.get_quota_root(server, &user, mailbox),
            CommandBody::GetQuota { root } if b.quotas() => self.get_quota(server, &user, &root),
            CommandBody::SetQuota { .. } if b.quotas() => self.set_quota(),
            CommandBody::GetMetadata { options, mailbox, entries } if b.metadata_supported() => {
                self.get_metadata(server, &user, options, mailbox, &entries)
            }
            CommandBody::SetMetadata { mailbox, entries } if b.metadata_supported() => {
                self.set_metadata(&user, mailbox, entries)
            }
            CommandBody::ResetKey { mailbox, mechanisms } if b.url_keys() => {
                self.reset_key(&user, mailbox, &mechanisms)
            }
            CommandBody::GenUrlAuth { urls } if b.url_keys() => {
                let name = self.user_name.clone();
                self.gen_url_auth(server, &user, &name, &urls)
            }
            CommandBody::UrlFetch { urls } if b.url_keys() => {
                let name = self.user_name.clone();
                self.url_fetch(server, &user, &name, &urls)
            }
            CommandBody::Close => {
                if let Some(sel) = self.selected.as_ref().filter(|s| !s.read_only) {
                    // CLOSE expunges silently (RFC 3501 §6.4.2). If the store fails, the
                    // answer is NO and the mailbox stays selected, as the server machine
                    // keeps it on anything but OK.
                    b.expunge(&user, &sel.name, None, usize::MAX)?;
                }
                self.deselect();
                Ok(Done::Ok)
            }
            CommandBody::Unselect => {
                self.deselect();
                Ok(Done::Ok)
            }
            other => self.selected_command(server, other),
        }
    }

    /// The ID the server answers with (RFC 2971).
    fn id_params() -> Vec<(IString, NString)> {
        vec![
            (IString::from_static("name"), Some(IString::from_static("imap-machine"))),
            (IString::from_static("version"), Some(IString::from_static(env!("CARGO_PKG_VERSION")))),
        ]
    }

    /// SELECT or EXAMINE (RFC 3501 §6.3.1, §6.3.2). EXAMINE sees the messages no
    /// session has claimed as `\Recent` and claims none of them (RFC 3501 §2.3.2).
    ///
    /// After `ENABLE IMAP4rev2` the answer is RFC 9051's (§6.3.2, Appendix E items 9–12):
    /// an untagged LIST of the mailbox, and no RECENT response or UNSEEN code.
    /// `* OK [CLOSED]` goes first when a mailbox was selected, after IMAP4rev2 or when
    /// CONDSTORE is served (RFC 7162 §3.2.11). With `(CONDSTORE)` or after a CONDSTORE
    /// enabling command, `[HIGHESTMODSEQ]` or `[NOMODSEQ]` follows UIDNEXT (RFC 7162
    /// §3.1.2); with `(QRESYNC (...))`, what changed since the client's state follows, as
    /// `UID FETCH known-uids (FLAGS) (CHANGEDSINCE modseq VANISHED)` answers it (§3.2.5).
    fn select(
        &mut self,
        server: &mut Server,
        user: &B::User,
        mailbox: &Mailbox,
        params: Vec<crate::types::SelectParam>,
        read_only: bool,
    ) -> Result<Done, SessionError> {
        let rev2 = self.enabled.rev2;
        if (rev2 || server.serves(&Capability::CondStore)) && self.selected.is_some() {
            // Before anything else (RFC 9051 §6.3.2, RFC 7162 §3.2.11): responses after
            // it are the new mailbox's.
            self.deselect();
            untagged_ok(server, Code::Closed, "Previous mailbox closed")?;
        }
        // A failed SELECT leaves no mailbox selected (the server machine records the same).
        self.deselect();
        let ask = condstore::SelectAsk::new(params, self.enabled.qresync)?;
        if ask.condstore {
            self.condstore_on(server)?;
        }
        let name = wire_name(mailbox)?;
        let snap = self.backend.open(user, &name, self.id, read_only)?;
        let mailbox_id = if self.backend.object_ids() { self.backend.mailbox_id(user, &name)? } else { None };
        if let Some(n) = &self.notifier {
            self.backend.watch(user, &name, self.id, n.clone());
        }
        let first_unseen = snap.first_unseen.and_then(|u| snap.uids.binary_search(&u).ok());
        let recent = snap.recent.len();
        let flags = snap.flags.clone();
        let exists = snap.uids.len() as u32;
        let (validity, next, highest) = (snap.uid_validity, snap.uid_next, snap.highest_modseq);
        // The view first: if sending fails, the mailbox is still released on close.
        let mut sel = Selected::new(name.clone(), read_only, snap);
        sel.rev2 = rev2;
        sel.condstore = self.enabled.condstore;
        sel.qresync = self.enabled.qresync;
        sel.modseqs = self.backend.mod_seqs();
        let (condstore, modseqs) = (sel.condstore, sel.modseqs);
        self.selected = Some(sel);
        server.send_data(Data::Flags(flags.clone()))?;
        server.send_data(Data::Exists(exists))?;
        if rev2 {
            let item = ListItem {
                attributes: Vec::new(),
                delimiter: Some('/'),
                mailbox: mailbox.clone(),
                extended: Vec::new(),
            };
            server.send_data(Data::List(item))?;
        } else {
            server.send_data(Data::Recent(recent as u32))?;
            if let Some(k) = first_unseen {
                let u = k as u32 + 1;
                untagged_ok(server, Code::Unseen(u), &format!("Message {u} is first unseen"))?;
            }
        }
        let text = if read_only { "No permanent flags permitted" } else { "Flags permitted" };
        untagged_ok(server, Code::PermanentFlags(permanent_flags(&flags, read_only)), text)?;
        untagged_ok(server, Code::UidValidity(validity), "UIDs valid")?;
        untagged_ok(server, Code::UidNext(next), "Predicted next UID")?;
        match (condstore, modseqs) {
            (true, true) => {
                if let Some(sel) = self.selected.as_mut() {
                    sel.told_highest = highest;
                }
                untagged_ok(server, Code::HighestModSeq(highest), "Highest")?
            }
            (true, false) => untagged_ok(server, Code::NoModSeq, "No mod-sequences in this mailbox")?,
            _ => {}
        }
        // RFC 8474 §4.1: SELECT and EXAMINE tell the MAILBOXID.
        if let Some(id) = mailbox_id {
            untagged_ok(server, Code::MailboxId(id), "Ok")?;
        }
        let code = if read_only { Code::ReadOnly } else { Code::ReadWrite };
        match ask.qresync {
            // RFC 7162 §3.2.5: another UIDVALIDITY, or no mod-sequences: nothing to resync.
            Some(q) if modseqs && q.uid_validity.get() == validity => {
                // No list is `1:<UIDNEXT - 1>`.
                let known = q.known_uids.unwrap_or_else(SequenceSet::all);
                self.vanished_earlier(server, user, &known, q.mod_seq, next)?;
                self.resync_fetch(&known, q.mod_seq, code)
            }
            _ => Ok(Done::Code(code)),
        }
    }
}

/// The FLAGS of a FETCH: the message's flags, and `\Recent` where it is this session's.
pub(crate) fn flag_fetch(flags: &[Flag], recent: bool) -> Vec<FlagFetch> {
    let mut v: Vec<FlagFetch> = flags.iter().cloned().map(FlagFetch::Flag).collect();
    if recent {
        v.push(FlagFetch::Recent);
    }
    v
}

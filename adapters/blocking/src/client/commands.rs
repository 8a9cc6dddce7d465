//! The typed commands of the blocking client: the tokio client's methods, one for one.

use std::sync::Arc;

use bytes::Bytes;
use imap_machine::client::{Authenticator, ESearch, QuotaRoots, Resync, Resyncer, SelectedMailbox, SyncState};
use imap_machine::types::{
    Capability, CommandBody, Data, DateTime, FetchAttribute, FetchAttributes, FetchModifier, Flag, FlagFetch, IString,
    ListAttribute, ListItem, ListMailbox, Literal, Mailbox, MetadataEntry, MetadataOptions, PartialRange, QuotaUsage,
    SearchReturn, Secret, SequenceSet, SortCriterion, StatusItem, StoreKind, Thread, ThreadAlgorithm,
};

use super::{
    AppendUid, ArgError, Client, CopyUid, Error, Fetches, IntoFetchAttributes, IntoMailbox, IntoSearchCriteria,
    IntoSequenceSet,
};
use crate::transport::Transport;

fn istring(what: &'static str, s: &str) -> Result<IString, Error> {
    IString::try_from(s).map_err(|source| ArgError::Invalid { what, source }.into())
}

fn list_args(reference: &str, pattern: &str) -> Result<(Mailbox, ListMailbox), Error> {
    let reference =
        if reference.is_empty() { Mailbox::from_wire(IString::from_static("")) } else { reference.into_mailbox()? };
    let pattern = ListMailbox::from_utf8(pattern).map_err(|source| ArgError::Invalid { what: "pattern", source })?;
    Ok((reference, pattern))
}

impl Client {
    fn exec(&mut self, body: CommandBody) -> Result<(), Error> {
        self.run(body).map(|_| ())
    }

    /// `CAPABILITY`: the server's capabilities (asked only when not known).
    pub fn capabilities(&mut self) -> Result<Vec<Capability>, Error> {
        if self.machine.capabilities().is_none() {
            self.run(CommandBody::Capability)?;
        }
        Ok(self.cached_capabilities().unwrap_or_default())
    }

    /// Whether the server has `cap` (asking for the capabilities if needed).
    pub fn has_capability(&mut self, cap: &Capability) -> Result<bool, Error> {
        Ok(self.capabilities()?.contains(cap))
    }

    /// `STARTTLS`, then the TLS handshake with `config`; the capabilities are asked again
    /// over TLS. Bytes the server sent after its OK and before TLS end the connection
    /// (the core's injection guard).
    pub fn starttls(&mut self, server_name: &str, config: Arc<rustls::ClientConfig>) -> Result<(), Error> {
        let conn = super::tls_client(server_name, config)?;
        self.exec(CommandBody::StartTls)?;
        self.flush()?;
        self.transport = Transport::Tls(Box::new(conn.into()));
        self.transport.send(&[], &mut self.stream)?;
        let id = self.machine.tls_established()?;
        self.wait(id).map(|_| ())
    }

    /// `COMPRESS DEFLATE` (RFC 4978): from its OK on, both directions are compressed, each
    /// batch of commands deflated with one sync flush.
    pub fn compress(&mut self) -> Result<(), Error> {
        self.exec(CommandBody::Compress { algorithm: imap_machine::types::Atom::from_static("DEFLATE") })
    }

    /// `LOGIN`
    pub fn login(&mut self, username: &str, password: &str) -> Result<(), Error> {
        let body = CommandBody::Login {
            username: istring("username", username)?,
            password: Secret::new(istring("password", password)?),
        };
        self.exec(body)
    }

    /// `AUTHENTICATE` with PLAIN, LOGIN, XOAUTH2 or OAUTHBEARER (SASL-IR when offered).
    /// A challenge to a [`Authenticator::Custom`] mechanism is answered with a cancel
    /// (`*`); use [`Client::authenticate_with`] for a mechanism with challenges.
    pub fn authenticate(&mut self, auth: Authenticator) -> Result<(), Error> {
        let id = self.machine.authenticate(auth)?;
        self.wait(id).map(|_| ())
    }

    /// `AUTHENTICATE` with a mechanism this library does not run itself: `respond` gets
    /// each server challenge, base64-decoded, and returns the response to send, or `None`
    /// to cancel the exchange (`*`; the server then answers BAD).
    pub fn authenticate_with(
        &mut self,
        auth: Authenticator,
        respond: impl FnMut(&[u8]) -> Option<Vec<u8>> + Send + 'static,
    ) -> Result<(), Error> {
        let id = self.machine.authenticate(auth)?;
        self.wait_with(id, respond).map(|_| ())
    }

    /// `LIST reference pattern` (`list("", "*")` for every mailbox).
    pub fn list(&mut self, reference: &str, pattern: &str) -> Result<Vec<ListItem>, Error> {
        let (reference, pattern) = list_args(reference, pattern)?;
        let done = self.run(CommandBody::list(reference, pattern))?;
        Ok(done.data.into_iter().filter_map(|d| if let Data::List(i) = d { Some(i) } else { None }).collect())
    }

    /// `LSUB reference pattern`
    pub fn lsub(&mut self, reference: &str, pattern: &str) -> Result<Vec<ListItem>, Error> {
        let (reference, pattern) = list_args(reference, pattern)?;
        let done = self.run(CommandBody::Lsub { reference, pattern })?;
        Ok(done.data.into_iter().filter_map(|d| if let Data::Lsub(i) = d { Some(i) } else { None }).collect())
    }

    /// `STATUS mailbox (items)`
    pub fn status(&mut self, mailbox: impl IntoMailbox, items: &[StatusItem]) -> Result<Vec<(StatusItem, u64)>, Error> {
        if items.is_empty() {
            return Err(ArgError::Empty("status item").into());
        }
        let done = self.run(CommandBody::Status { mailbox: mailbox.into_mailbox()?, items: items.to_vec() })?;
        Ok(done
            .data
            .into_iter()
            .find_map(|d| if let Data::Status { items, .. } = d { Some(items) } else { None })
            .unwrap_or_default())
    }

    /// `SELECT`: opens a mailbox read-write; returns what the server told about it.
    pub fn select(&mut self, mailbox: impl IntoMailbox) -> Result<SelectedMailbox, Error> {
        self.exec(CommandBody::select(mailbox.into_mailbox()?))?;
        self.selected().ok_or(Error::Closed)
    }

    /// `EXAMINE`: opens a mailbox read-only.
    pub fn examine(&mut self, mailbox: impl IntoMailbox) -> Result<SelectedMailbox, Error> {
        self.exec(CommandBody::examine(mailbox.into_mailbox()?))?;
        self.selected().ok_or(Error::Closed)
    }

    /// `CREATE`
    pub fn create(&mut self, mailbox: impl IntoMailbox) -> Result<(), Error> {
        self.exec(CommandBody::Create { mailbox: mailbox.into_mailbox()?, special_use: vec![] })
    }

    /// `CREATE mailbox (USE (uses))` (RFC 6154 §3, CREATE-SPECIAL-USE): a mailbox with
    /// special uses; a server that does not take one answers `NO [USEATTR]`.
    pub fn create_special_use(&mut self, mailbox: impl IntoMailbox, uses: &[ListAttribute]) -> Result<(), Error> {
        self.exec(CommandBody::Create { mailbox: mailbox.into_mailbox()?, special_use: uses.to_vec() })
    }

    /// `DELETE`
    pub fn delete(&mut self, mailbox: impl IntoMailbox) -> Result<(), Error> {
        self.exec(CommandBody::Delete { mailbox: mailbox.into_mailbox()? })
    }

    /// `RENAME`
    pub fn rename(&mut self, from: impl IntoMailbox, to: impl IntoMailbox) -> Result<(), Error> {
        self.exec(CommandBody::Rename { from: from.into_mailbox()?, to: to.into_mailbox()? })
    }

    /// `SUBSCRIBE`
    pub fn subscribe(&mut self, mailbox: impl IntoMailbox) -> Result<(), Error> {
        self.exec(CommandBody::Subscribe { mailbox: mailbox.into_mailbox()? })
    }

    /// `UNSUBSCRIBE`
    pub fn unsubscribe(&mut self, mailbox: impl IntoMailbox) -> Result<(), Error> {
        self.exec(CommandBody::Unsubscribe { mailbox: mailbox.into_mailbox()? })
    }

    /// `CLOSE`: expunges `\Deleted` messages (read-write) and deselects.
    pub fn close(&mut self) -> Result<(), Error> {
        self.exec(CommandBody::Close)
    }

    /// `UNSELECT` (RFC 3691): deselects without expunging.
    pub fn unselect(&mut self) -> Result<(), Error> {
        self.exec(CommandBody::Unselect)
    }

    /// `ENABLE caps` (RFC 5161): turns on the extensions the server serves behind ENABLE;
    /// returns those the server said it turned on (`* ENABLED`). The machine follows what
    /// they change, for example UTF-8 mailbox names after IMAP4rev2 or UTF8=ACCEPT.
    pub fn enable(&mut self, caps: &[Capability]) -> Result<Vec<Capability>, Error> {
        Ok(self.run(CommandBody::Enable { capabilities: caps.to_vec() })?.enabled())
    }

    /// `ENABLE IMAP4rev2` when the server offers IMAP4rev2 (RFC 9051 Appendix A); returns
    /// whether the session now follows IMAP4rev2. Every method works either way: SEARCH
    /// answered with ESEARCH still returns its numbers, and mailbox names stay
    /// [`imap_machine::types::Mailbox`] values in modified UTF-7.
    pub fn enable_imap4rev2(&mut self) -> Result<bool, Error> {
        if !self.has_capability(&Capability::Imap4rev2)? {
            return Ok(false);
        }
        Ok(self.enable(&[Capability::Imap4rev2])?.contains(&Capability::Imap4rev2))
    }

    /// Selects `mailbox` and tells what changed since `saved` (see
    /// [`imap_machine::client::Resyncer`]): new and changed messages with their flags and
    /// mod-sequences, vanished UIDs, and the state to save, or
    /// [`Resync::StartOver`] when UIDVALIDITY changed. It uses QRESYNC when the server
    /// offers it (one round trip after ENABLE), else CONDSTORE, else compares every
    /// message's flags, so the caller writes one code path.
    pub fn resync(&mut self, mailbox: impl IntoMailbox, saved: &SyncState) -> Result<Resync, Error> {
        let caps = self.capabilities()?;
        let enabled = self.machine.enabled().to_vec();
        let mut r = Resyncer::new(mailbox.into_mailbox()?, saved.clone(), &caps, &enabled);
        while let Some(command) = r.next_command() {
            let response = self.run(command)?;
            r.answer(&response, self.selected().as_ref());
        }
        Ok(r.finish())
    }

    /// `NOTIFY SET ...` or `NOTIFY NONE` (RFC 5465): what the server is to tell without
    /// being asked, about the selected mailbox and others. What it tells arrives as
    /// updates: [`Update::MailboxStatus`](imap_machine::client::Update::MailboxStatus)
    /// for another mailbox's messages, [`Update::Mailbox`](imap_machine::client::Update::Mailbox)
    /// for a mailbox created, deleted, renamed or (un)subscribed, and the usual ones for
    /// the selected mailbox. Fails with [`Error::Unsupported`] when the server lacks
    /// NOTIFY; a server that does not serve an event answers `NO [BADEVENT (...)]`.
    pub fn notify(&mut self, notify: imap_machine::types::Notify) -> Result<(), Error> {
        if !self.has_capability(&Capability::Notify)? {
            return Err(Error::Unsupported("NOTIFY"));
        }
        self.exec(CommandBody::Notify(notify))
    }

    /// `UNAUTHENTICATE` (RFC 8437 §3): back to the not authenticated state, with no
    /// mailbox selected (nothing expunged); [`Client::login`] works again, even as
    /// another user. The capabilities are asked again when next needed.
    pub fn unauthenticate(&mut self) -> Result<(), Error> {
        self.exec(CommandBody::Unauthenticate)
    }

    fn fetch_inner(
        &mut self,
        set: SequenceSet,
        attributes: FetchAttributes,
        uid: bool,
        modifiers: Vec<FetchModifier>,
    ) -> Result<Fetches<'_>, Error> {
        let id = self.machine.send(CommandBody::Fetch { set, attributes, uid, modifiers })?;
        self.flush()?;
        Ok(Fetches::new(self, id))
    }

    /// `FETCH set attributes`: the messages as an iterator that reads the socket as it
    /// goes, so memory stays flat however many messages come back.
    ///
    /// ```no_run
    /// # fn f(client: &mut imap_machine_blocking::Client) -> Result<(), imap_machine_blocking::ClientError> {
    /// for m in client.fetch("1:*", "(UID FLAGS BODY.PEEK[])")? {
    ///     let m = m?;
    ///     println!("{}: UID {:?}, {} bytes", m.seq(), m.uid(), m.body().map_or(0, |b| b.len()));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn fetch(
        &mut self,
        set: impl IntoSequenceSet,
        attributes: impl IntoFetchAttributes,
    ) -> Result<Fetches<'_>, Error> {
        self.fetch_inner(set.into_sequence_set()?, attributes.into_fetch_attributes()?, false, vec![])
    }

    /// `UID FETCH set attributes`: like [`Client::fetch`], by UID.
    pub fn uid_fetch(
        &mut self,
        set: impl IntoSequenceSet,
        attributes: impl IntoFetchAttributes,
    ) -> Result<Fetches<'_>, Error> {
        self.fetch_inner(set.into_sequence_set()?, attributes.into_fetch_attributes()?, true, vec![])
    }

    /// `UID FETCH set attributes (PARTIAL range)` (RFC 9394 §3.3): like
    /// [`Client::uid_fetch`], only the messages at `range`'s positions among those `set`
    /// names, in UID order. Fails with [`Error::Unsupported`] when the server lacks PARTIAL.
    pub fn uid_fetch_partial(
        &mut self,
        set: impl IntoSequenceSet,
        attributes: impl IntoFetchAttributes,
        range: PartialRange,
    ) -> Result<Fetches<'_>, Error> {
        if !self.has_capability(&Capability::Partial)? {
            return Err(Error::Unsupported("PARTIAL"));
        }
        let modifiers = vec![FetchModifier::Partial(range)];
        self.fetch_inner(set.into_sequence_set()?, attributes.into_fetch_attributes()?, true, modifiers)
    }

    fn search_inner(&mut self, criteria: impl IntoSearchCriteria, uid: bool) -> Result<Vec<u32>, Error> {
        let body = CommandBody::Search { ret: None, charset: None, criteria: criteria.into_search_criteria()?, uid };
        Ok(self.run(body)?.search_ids())
    }

    fn esearch_inner(
        &mut self,
        criteria: impl IntoSearchCriteria,
        ret: &[SearchReturn],
        uid: bool,
    ) -> Result<ESearch, Error> {
        let criteria = criteria.into_search_criteria()?;
        let body = CommandBody::Search { ret: Some(ret.to_vec()), charset: None, criteria, uid };
        Ok(self.run(body)?.esearch().unwrap_or_default())
    }

    /// `SEARCH RETURN (ret) criteria` (RFC 4731, ESEARCH): only MIN, MAX, COUNT and ALL
    /// as asked (`&[]` means ALL), without the list of every match.
    pub fn esearch(&mut self, criteria: impl IntoSearchCriteria, ret: &[SearchReturn]) -> Result<ESearch, Error> {
        self.esearch_inner(criteria, ret, false)
    }

    /// `UID SEARCH RETURN (ret) criteria`: like [`Client::esearch`], in UIDs.
    pub fn uid_esearch(&mut self, criteria: impl IntoSearchCriteria, ret: &[SearchReturn]) -> Result<ESearch, Error> {
        self.esearch_inner(criteria, ret, true)
    }

    /// `SEARCH criteria`: matching sequence numbers, ascending.
    pub fn search(&mut self, criteria: impl IntoSearchCriteria) -> Result<Vec<u32>, Error> {
        self.search_inner(criteria, false)
    }

    /// `GETQUOTAROOT mailbox` (RFC 9208 §4.3): the mailbox's quota roots and each root's
    /// resources. [`Error::Unsupported`] when the server lacks QUOTA.
    pub fn get_quota_root(&mut self, mailbox: impl IntoMailbox) -> Result<QuotaRoots, Error> {
        if !self.has_capability(&Capability::Quota)? {
            return Err(Error::Unsupported("QUOTA"));
        }
        let mailbox = mailbox.into_mailbox()?;
        Ok(self.run(CommandBody::GetQuotaRoot { mailbox })?.quota())
    }

    /// `GETQUOTA root` (RFC 9208 §4.2): the root's resources, with usage and limits.
    pub fn get_quota(&mut self, root: &str) -> Result<Vec<QuotaUsage>, Error> {
        if !self.has_capability(&Capability::Quota)? {
            return Err(Error::Unsupported("QUOTA"));
        }
        let root = IString::try_from(root.to_string()).map_err(|_| ArgError::Empty("quota root"))?;
        let q = self.run(CommandBody::GetQuota { root })?.quota();
        Ok(q.quotas.into_iter().flat_map(|(_, r)| r).collect())
    }

    /// `GETMETADATA [options] mailbox (entries)` (RFC 5464 §4.2): the entries found, with
    /// values; `""` is the server. [`Error::Unsupported`] when the server lacks METADATA.
    pub fn get_metadata(
        &mut self,
        mailbox: impl IntoMailbox,
        entries: &[&str],
        options: MetadataOptions,
    ) -> Result<Vec<MetadataEntry>, Error> {
        if !self.has_capability(&Capability::Metadata)? {
            return Err(Error::Unsupported("METADATA"));
        }
        let entries = imap_machine::client::metadata_entries(entries)?;
        let body = CommandBody::GetMetadata { options, mailbox: mailbox.into_mailbox()?, entries };
        Ok(self.run(body)?.metadata())
    }

    /// `SETMETADATA mailbox (entry value ...)` (RFC 5464 §4.3): sets each entry, or removes
    /// it for `None`; all or nothing.
    pub fn set_metadata(&mut self, mailbox: impl IntoMailbox, entries: Vec<MetadataEntry>) -> Result<(), Error> {
        if !self.has_capability(&Capability::Metadata)? {
            return Err(Error::Unsupported("METADATA"));
        }
        if entries.is_empty() {
            return Err(ArgError::Empty("metadata entry").into());
        }
        self.run(CommandBody::SetMetadata { mailbox: mailbox.into_mailbox()?, entries })?;
        Ok(())
    }

    /// `UID SEARCH criteria`: matching UIDs, ascending.
    pub fn uid_search(&mut self, criteria: impl IntoSearchCriteria) -> Result<Vec<u32>, Error> {
        self.search_inner(criteria, true)
    }

    fn sort_inner(
        &mut self,
        sort: &[SortCriterion],
        criteria: impl IntoSearchCriteria,
        uid: bool,
    ) -> Result<Vec<u32>, Error> {
        if !self.has_capability(&Capability::Sort)? {
            return Err(Error::Unsupported("SORT"));
        }
        let criteria = criteria.into_search_criteria()?;
        let body = CommandBody::sort(sort.to_vec(), criteria, uid);
        Ok(self.run(body)?.sort_ids())
    }

    /// `SORT (sort) UTF-8 criteria` (RFC 5256): the matching sequence numbers in sort order.
    /// [`Error::Unsupported`] when the server lacks SORT.
    pub fn sort(&mut self, sort: &[SortCriterion], criteria: impl IntoSearchCriteria) -> Result<Vec<u32>, Error> {
        self.sort_inner(sort, criteria, false)
    }

    /// `UID SORT (sort) UTF-8 criteria`: like [`Client::sort`], in UIDs.
    pub fn uid_sort(&mut self, sort: &[SortCriterion], criteria: impl IntoSearchCriteria) -> Result<Vec<u32>, Error> {
        self.sort_inner(sort, criteria, true)
    }

    fn thread_inner(
        &mut self,
        algorithm: ThreadAlgorithm,
        criteria: impl IntoSearchCriteria,
        uid: bool,
    ) -> Result<Vec<Thread>, Error> {
        let cap = algorithm.capability();
        if !self.has_capability(&cap)? {
            return Err(Error::Unsupported("THREAD"));
        }
        let criteria = criteria.into_search_criteria()?;
        let body = CommandBody::thread(algorithm, criteria, uid);
        Ok(self.run(body)?.threads())
    }

    /// `THREAD algorithm UTF-8 criteria` (RFC 5256): the matching messages as threads, by
    /// sequence number. [`Error::Unsupported`] when the server does not offer the algorithm.
    pub fn thread(
        &mut self,
        algorithm: ThreadAlgorithm,
        criteria: impl IntoSearchCriteria,
    ) -> Result<Vec<Thread>, Error> {
        self.thread_inner(algorithm, criteria, false)
    }

    /// `UID THREAD algorithm UTF-8 criteria`: like [`Client::thread`], in UIDs.
    pub fn uid_thread(
        &mut self,
        algorithm: ThreadAlgorithm,
        criteria: impl IntoSearchCriteria,
    ) -> Result<Vec<Thread>, Error> {
        self.thread_inner(algorithm, criteria, true)
    }

    fn store_inner(
        &mut self,
        set: SequenceSet,
        kind: StoreKind,
        flags: &[Flag],
        uid: bool,
    ) -> Result<Vec<(u32, Vec<FlagFetch>)>, Error> {
        let body = CommandBody::Store { unchanged_since: None, set, kind, silent: false, flags: flags.to_vec(), uid };
        Ok(self.run(body)?.stored_flags())
    }

    /// `STORE set ±FLAGS (flags)`: returns each message's new flags (sequence number,
    /// flags).
    pub fn store(
        &mut self,
        set: impl IntoSequenceSet,
        kind: StoreKind,
        flags: &[Flag],
    ) -> Result<Vec<(u32, Vec<FlagFetch>)>, Error> {
        self.store_inner(set.into_sequence_set()?, kind, flags, false)
    }

    /// `UID STORE`: like [`Client::store`], by UID.
    pub fn uid_store(
        &mut self,
        set: impl IntoSequenceSet,
        kind: StoreKind,
        flags: &[Flag],
    ) -> Result<Vec<(u32, Vec<FlagFetch>)>, Error> {
        self.store_inner(set.into_sequence_set()?, kind, flags, true)
    }

    fn copy_inner(&mut self, set: SequenceSet, mailbox: Mailbox, uid: bool) -> Result<Option<CopyUid>, Error> {
        Ok(self.run(CommandBody::Copy { set, mailbox, uid })?.copy_uid())
    }

    /// `COPY set mailbox`; `COPYUID` when the server has UIDPLUS.
    pub fn copy(&mut self, set: impl IntoSequenceSet, mailbox: impl IntoMailbox) -> Result<Option<CopyUid>, Error> {
        self.copy_inner(set.into_sequence_set()?, mailbox.into_mailbox()?, false)
    }

    /// `UID COPY`
    pub fn uid_copy(&mut self, set: impl IntoSequenceSet, mailbox: impl IntoMailbox) -> Result<Option<CopyUid>, Error> {
        self.copy_inner(set.into_sequence_set()?, mailbox.into_mailbox()?, true)
    }

    fn move_inner(&mut self, set: SequenceSet, mailbox: Mailbox, uid: bool) -> Result<Option<CopyUid>, Error> {
        let caps = self.capabilities()?;
        if caps.contains(&Capability::Move) {
            return Ok(self.run(CommandBody::Move { set, mailbox, uid })?.copy_uid());
        }
        // No MOVE (RFC 6851 §3.3): COPY, STORE \Deleted, then UID EXPUNGE of exactly
        // those messages with UIDPLUS, or a plain EXPUNGE (which also removes any other
        // message already marked \Deleted) without.
        let uidplus = caps.contains(&Capability::UidPlus);
        let (set, uid) = if uid || !uidplus {
            (set, uid)
        } else {
            let mut uids = Vec::new();
            for m in self.fetch_inner(set, FetchAttributes::List(vec![FetchAttribute::Uid]), false, vec![])? {
                uids.extend(m?.uid());
            }
            if uids.is_empty() {
                return Ok(None);
            }
            (uids.as_slice().into_sequence_set()?, true)
        };
        let copied = self.copy_inner(set.clone(), mailbox, uid)?;
        let body = CommandBody::Store {
            unchanged_since: None,
            set: set.clone(),
            kind: StoreKind::Add,
            silent: true,
            flags: vec![Flag::Deleted],
            uid,
        };
        self.exec(body)?;
        self.exec(if uid && uidplus { CommandBody::UidExpunge { set } } else { CommandBody::Expunge })?;
        Ok(copied)
    }

    /// `MOVE set mailbox` (RFC 6851), or COPY + STORE `\Deleted` + (UID) EXPUNGE when
    /// the server lacks MOVE. `COPYUID` when the server has UIDPLUS.
    pub fn r#move(&mut self, set: impl IntoSequenceSet, mailbox: impl IntoMailbox) -> Result<Option<CopyUid>, Error> {
        self.move_inner(set.into_sequence_set()?, mailbox.into_mailbox()?, false)
    }

    /// `UID MOVE`, with the same fallback as `Client::move`.
    pub fn uid_move(&mut self, set: impl IntoSequenceSet, mailbox: impl IntoMailbox) -> Result<Option<CopyUid>, Error> {
        self.move_inner(set.into_sequence_set()?, mailbox.into_mailbox()?, true)
    }

    /// `APPEND mailbox (flags) date {message}`; `APPENDUID` when the server has UIDPLUS.
    /// A message with NUL bytes goes as a BINARY literal (`~{n}`) when the server has
    /// BINARY.
    pub fn append(
        &mut self,
        mailbox: impl IntoMailbox,
        flags: &[Flag],
        date: Option<DateTime>,
        message: impl Into<Bytes>,
    ) -> Result<Option<AppendUid>, Error> {
        let mailbox = mailbox.into_mailbox()?;
        let message: Bytes = message.into();
        let literal = match Literal::new(message.clone()) {
            Ok(l) => l,
            Err(_) if self.has_capability(&Capability::Binary)? => Literal::binary(message),
            Err(source) => return Err(ArgError::Invalid { what: "message", source }.into()),
        };
        let done = self.run(CommandBody::Append { mailbox, flags: flags.to_vec(), date, message: literal })?;
        Ok(done.append_uid())
    }

    /// `EXPUNGE`: removes `\Deleted` messages; returns the `EXPUNGE` sequence numbers in
    /// the order the server sent them (each relative to the previous ones).
    pub fn expunge(&mut self) -> Result<Vec<u32>, Error> {
        Ok(self.run(CommandBody::Expunge)?.expunged())
    }

    /// `UID EXPUNGE set` (RFC 4315): removes only those `\Deleted` messages.
    pub fn uid_expunge(&mut self, set: impl IntoSequenceSet) -> Result<Vec<u32>, Error> {
        Ok(self.run(CommandBody::UidExpunge { set: set.into_sequence_set()? })?.expunged())
    }

    /// `NOOP`: also the way to poll for updates without IDLE (they wait for
    /// [`Client::try_next_update`]).
    pub fn noop(&mut self) -> Result<(), Error> {
        self.exec(CommandBody::Noop)
    }

    /// `LOGOUT`, then the connection closes.
    pub fn logout(&mut self) -> Result<(), Error> {
        match self.run(CommandBody::Logout) {
            Ok(_) | Err(Error::Closed | Error::Bye(_)) => {
                self.transport.close(&mut self.stream);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

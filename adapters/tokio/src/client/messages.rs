//! The message commands of the tokio client: FETCH, SEARCH and ESEARCH, SORT, THREAD,
//! STORE, COPY, MOVE, APPEND, EXPUNGE, QUOTA and METADATA, each awaiting its completion
//! from the driver.

use super::*;

impl Client {
    async fn fetch_inner(
        &self,
        set: SequenceSet,
        attributes: FetchAttributes,
        uid: bool,
        modifiers: Vec<FetchModifier>,
    ) -> Result<FetchStream, Error> {
        let (tx, rx) = mpsc::channel(self.fetch_buffer);
        let body = CommandBody::Fetch { set, attributes, uid, modifiers };
        let (sent, accepted) = oneshot::channel();
        let progress = Arc::new(Progress::default());
        let request = Request::Fetch { body, tx, progress: progress.clone(), sent, stream_over: None };
        self.requests.send(request).await.map_err(|_| Error::Closed)?;
        self.wait(accepted).await??;
        Ok(FetchStream {
            rx,
            ready: Vec::new().into_iter(),
            holding: false,
            progress,
            timeout: self.command_timeout,
            finished: false,
            deadline: None,
        })
    }

    /// `FETCH set attributes`: the messages as a stream, as they arrive.
    ///
    /// ```no_run
    /// # async fn f(client: &imap_machine_tokio::Client) -> Result<(), imap_machine_tokio::Error> {
    /// let mut messages = client.fetch("1:*", "(UID FLAGS BODY.PEEK[])").await?;
    /// while let Some(m) = messages.next().await {
    ///     let m = m?;
    ///     println!("{}: UID {:?}, {} bytes", m.seq(), m.uid(), m.body().map_or(0, |b| b.len()));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn fetch(
        &self,
        set: impl IntoSequenceSet,
        attributes: impl IntoFetchAttributes,
    ) -> Result<FetchStream, Error> {
        self.fetch_inner(set.into_sequence_set()?, attributes.into_fetch_attributes()?, false, vec![]).await
    }

    /// `UID FETCH set attributes`: like [`Client::fetch`], by UID.
    pub async fn uid_fetch(
        &self,
        set: impl IntoSequenceSet,
        attributes: impl IntoFetchAttributes,
    ) -> Result<FetchStream, Error> {
        self.fetch_inner(set.into_sequence_set()?, attributes.into_fetch_attributes()?, true, vec![]).await
    }

    /// `UID FETCH set attributes (PARTIAL range)` (RFC 9394 §3.3): only the messages at
    /// `range`'s positions among those `set` names, in UID order (`PartialRange::Last`
    /// counts from the last), for paging through a set of unknown size. Fails with
    /// [`Error::Unsupported`] when the server lacks PARTIAL.
    pub async fn uid_fetch_partial(
        &self,
        set: impl IntoSequenceSet,
        attributes: impl IntoFetchAttributes,
        range: PartialRange,
    ) -> Result<FetchStream, Error> {
        if !self.has_capability(&Capability::Partial).await? {
            return Err(Error::Unsupported("PARTIAL"));
        }
        let modifiers = vec![FetchModifier::Partial(range)];
        self.fetch_inner(set.into_sequence_set()?, attributes.into_fetch_attributes()?, true, modifiers).await
    }

    async fn search_inner(&self, criteria: impl IntoSearchCriteria, uid: bool) -> Result<Vec<u32>, Error> {
        let body = CommandBody::Search { ret: None, charset: None, criteria: criteria.into_search_criteria()?, uid };
        Ok(self.exec(body).await?.response.search_ids())
    }

    async fn esearch_inner(
        &self,
        criteria: impl IntoSearchCriteria,
        ret: &[SearchReturn],
        uid: bool,
    ) -> Result<ESearch, Error> {
        let criteria = criteria.into_search_criteria()?;
        let body = CommandBody::Search { ret: Some(ret.to_vec()), charset: None, criteria, uid };
        Ok(self.exec(body).await?.response.esearch().unwrap_or_default())
    }

    /// `SEARCH RETURN (ret) criteria` (RFC 4731, ESEARCH): only MIN, MAX, COUNT and ALL
    /// as asked (`&[]` means ALL), without the list of every match.
    pub async fn esearch(&self, criteria: impl IntoSearchCriteria, ret: &[SearchReturn]) -> Result<ESearch, Error> {
        self.esearch_inner(criteria, ret, false).await
    }

    /// `UID SEARCH RETURN (ret) criteria`: like [`Client::esearch`], in UIDs.
    pub async fn uid_esearch(&self, criteria: impl IntoSearchCriteria, ret: &[SearchReturn]) -> Result<ESearch, Error> {
        self.esearch_inner(criteria, ret, true).await
    }

    /// `SEARCH criteria`: matching sequence numbers, ascending.
    pub async fn search(&self, criteria: impl IntoSearchCriteria) -> Result<Vec<u32>, Error> {
        self.search_inner(criteria, false).await
    }

    /// `GETQUOTAROOT mailbox` (RFC 9208 §4.3): the mailbox's quota roots and each root's
    /// resources. [`Error::Unsupported`] when the server lacks QUOTA.
    pub async fn get_quota_root(&self, mailbox: impl IntoMailbox) -> Result<QuotaRoots, Error> {
        if !self.has_capability(&Capability::Quota).await? {
            return Err(Error::Unsupported("QUOTA"));
        }
        let mailbox = mailbox.into_mailbox()?;
        Ok(self.exec(CommandBody::GetQuotaRoot { mailbox }).await?.response.quota())
    }

    /// `GETQUOTA root` (RFC 9208 §4.2): the root's resources, with usage and limits.
    pub async fn get_quota(&self, root: &str) -> Result<Vec<QuotaUsage>, Error> {
        if !self.has_capability(&Capability::Quota).await? {
            return Err(Error::Unsupported("QUOTA"));
        }
        let root = IString::try_from(root.to_string()).map_err(|_| ArgError::Empty("quota root"))?;
        let q = self.exec(CommandBody::GetQuota { root }).await?.response.quota();
        Ok(q.quotas.into_iter().flat_map(|(_, r)| r).collect())
    }

    /// `GETMETADATA [options] mailbox (entries)` (RFC 5464 §4.2): the entries found, with
    /// values; `""` is the server. [`Error::Unsupported`] when the server lacks METADATA.
    pub async fn get_metadata(
        &self,
        mailbox: impl IntoMailbox,
        entries: &[&str],
        options: MetadataOptions,
    ) -> Result<Vec<MetadataEntry>, Error> {
        if !self.has_capability(&Capability::Metadata).await? {
            return Err(Error::Unsupported("METADATA"));
        }
        let entries = imap_machine::client::metadata_entries(entries)?;
        let body = CommandBody::GetMetadata { options, mailbox: mailbox.into_mailbox()?, entries };
        Ok(self.exec(body).await?.response.metadata())
    }

    /// `SETMETADATA mailbox (entry value ...)` (RFC 5464 §4.3): sets each entry, or removes
    /// it for `None`; all or nothing.
    pub async fn set_metadata(&self, mailbox: impl IntoMailbox, entries: Vec<MetadataEntry>) -> Result<(), Error> {
        if !self.has_capability(&Capability::Metadata).await? {
            return Err(Error::Unsupported("METADATA"));
        }
        if entries.is_empty() {
            return Err(ArgError::Empty("metadata entry").into());
        }
        self.exec(CommandBody::SetMetadata { mailbox: mailbox.into_mailbox()?, entries }).await?;
        Ok(())
    }

    /// `UID SEARCH criteria`: matching UIDs, ascending.
    pub async fn uid_search(&self, criteria: impl IntoSearchCriteria) -> Result<Vec<u32>, Error> {
        self.search_inner(criteria, true).await
    }

    async fn sort_inner(
        &self,
        sort: &[SortCriterion],
        criteria: impl IntoSearchCriteria,
        uid: bool,
    ) -> Result<Vec<u32>, Error> {
        if !self.has_capability(&Capability::Sort).await? {
            return Err(Error::Unsupported("SORT"));
        }
        let criteria = criteria.into_search_criteria()?;
        let body = CommandBody::sort(sort.to_vec(), criteria, uid);
        Ok(self.exec(body).await?.response.sort_ids())
    }

    /// `SORT (sort) UTF-8 criteria` (RFC 5256): the matching sequence numbers in sort order.
    /// [`Error::Unsupported`] when the server lacks SORT.
    pub async fn sort(&self, sort: &[SortCriterion], criteria: impl IntoSearchCriteria) -> Result<Vec<u32>, Error> {
        self.sort_inner(sort, criteria, false).await
    }

    /// `UID SORT (sort) UTF-8 criteria`: like [`Client::sort`], in UIDs.
    pub async fn uid_sort(&self, sort: &[SortCriterion], criteria: impl IntoSearchCriteria) -> Result<Vec<u32>, Error> {
        self.sort_inner(sort, criteria, true).await
    }

    async fn thread_inner(
        &self,
        algorithm: ThreadAlgorithm,
        criteria: impl IntoSearchCriteria,
        uid: bool,
    ) -> Result<Vec<Thread>, Error> {
        let cap = algorithm.capability();
        if !self.has_capability(&cap).await? {
            return Err(Error::Unsupported("THREAD"));
        }
        let criteria = criteria.into_search_criteria()?;
        let body = CommandBody::thread(algorithm, criteria, uid);
        Ok(self.exec(body).await?.response.threads())
    }

    /// `THREAD algorithm UTF-8 criteria` (RFC 5256): the matching messages as threads, by
    /// sequence number. [`Error::Unsupported`] when the server does not offer the algorithm.
    pub async fn thread(
        &self,
        algorithm: ThreadAlgorithm,
        criteria: impl IntoSearchCriteria,
    ) -> Result<Vec<Thread>, Error> {
        self.thread_inner(algorithm, criteria, false).await
    }

    /// `UID THREAD algorithm UTF-8 criteria`: like [`Client::thread`], in UIDs.
    pub async fn uid_thread(
        &self,
        algorithm: ThreadAlgorithm,
        criteria: impl IntoSearchCriteria,
    ) -> Result<Vec<Thread>, Error> {
        self.thread_inner(algorithm, criteria, true).await
    }

    async fn store_inner(
        &self,
        set: SequenceSet,
        kind: StoreKind,
        flags: &[Flag],
        uid: bool,
    ) -> Result<Vec<(u32, Vec<FlagFetch>)>, Error> {
        let body = CommandBody::Store { unchanged_since: None, set, kind, silent: false, flags: flags.to_vec(), uid };
        let done = self.exec(body).await?;
        Ok(done
            .response
            .data
            .into_iter()
            .filter_map(|d| match d {
                Data::Fetch { seq, items } => items.flags().map(|f| (seq.get(), f.to_vec())),
                _ => None,
            })
            .collect())
    }

    /// `STORE set ±FLAGS (flags)`: returns each message's new flags (sequence number,
    /// flags).
    pub async fn store(
        &self,
        set: impl IntoSequenceSet,
        kind: StoreKind,
        flags: &[Flag],
    ) -> Result<Vec<(u32, Vec<FlagFetch>)>, Error> {
        self.store_inner(set.into_sequence_set()?, kind, flags, false).await
    }

    /// `UID STORE`: like [`Client::store`], by UID.
    pub async fn uid_store(
        &self,
        set: impl IntoSequenceSet,
        kind: StoreKind,
        flags: &[Flag],
    ) -> Result<Vec<(u32, Vec<FlagFetch>)>, Error> {
        self.store_inner(set.into_sequence_set()?, kind, flags, true).await
    }

    async fn copy_inner(&self, set: SequenceSet, mailbox: Mailbox, uid: bool) -> Result<Option<CopyUid>, Error> {
        let done = self.exec(CommandBody::Copy { set, mailbox, uid }).await?;
        Ok(done.response.copy_uid())
    }

    /// `COPY set mailbox`; `COPYUID` when the server has UIDPLUS.
    pub async fn copy(&self, set: impl IntoSequenceSet, mailbox: impl IntoMailbox) -> Result<Option<CopyUid>, Error> {
        self.copy_inner(set.into_sequence_set()?, mailbox.into_mailbox()?, false).await
    }

    /// `UID COPY`
    pub async fn uid_copy(
        &self,
        set: impl IntoSequenceSet,
        mailbox: impl IntoMailbox,
    ) -> Result<Option<CopyUid>, Error> {
        self.copy_inner(set.into_sequence_set()?, mailbox.into_mailbox()?, true).await
    }

    async fn move_inner(&self, set: SequenceSet, mailbox: Mailbox, uid: bool) -> Result<Option<CopyUid>, Error> {
        let caps = self.capabilities().await?;
        if caps.contains(&Capability::Move) {
            let done = self.exec(CommandBody::Move { set, mailbox, uid }).await?;
            return Ok(done.response.copy_uid());
        }
        // No MOVE (RFC 6851 §3.3): COPY, STORE \Deleted, then UID EXPUNGE of exactly
        // those messages with UIDPLUS, or a plain EXPUNGE (which also removes any other
        // message already marked \Deleted) without.
        let uidplus = caps.contains(&Capability::UidPlus);
        let (set, uid) = if uid || !uidplus {
            (set, uid)
        } else {
            let messages =
                self.fetch_inner(set, FetchAttributes::List(vec![FetchAttribute::Uid]), false, vec![]).await?;
            let uids: Vec<u32> = messages.collect().await?.iter().filter_map(FetchMessage::uid).collect();
            if uids.is_empty() {
                return Ok(None);
            }
            (uids.as_slice().into_sequence_set()?, true)
        };
        let copied = self.copy_inner(set.clone(), mailbox, uid).await?;
        let body = CommandBody::Store {
            unchanged_since: None,
            set: set.clone(),
            kind: StoreKind::Add,
            silent: true,
            flags: vec![Flag::Deleted],
            uid,
        };
        self.exec(body).await?;
        if uid && uidplus {
            self.exec(CommandBody::UidExpunge { set }).await?;
        } else {
            self.exec(CommandBody::Expunge).await?;
        }
        Ok(copied)
    }

    /// `MOVE set mailbox` (RFC 6851), or COPY + STORE `\Deleted` + (UID) EXPUNGE when
    /// the server lacks MOVE. `COPYUID` when the server has UIDPLUS.
    pub async fn r#move(&self, set: impl IntoSequenceSet, mailbox: impl IntoMailbox) -> Result<Option<CopyUid>, Error> {
        self.move_inner(set.into_sequence_set()?, mailbox.into_mailbox()?, false).await
    }

    /// `UID MOVE`, with the same fallback as `Client::move`.
    pub async fn uid_move(
        &self,
        set: impl IntoSequenceSet,
        mailbox: impl IntoMailbox,
    ) -> Result<Option<CopyUid>, Error> {
        self.move_inner(set.into_sequence_set()?, mailbox.into_mailbox()?, true).await
    }

    /// `APPEND mailbox (flags) date {message}`; `APPENDUID` when the server has UIDPLUS.
    /// A message with NUL bytes goes as a BINARY literal (`~{n}`) when the server has
    /// BINARY.
    pub async fn append(
        &self,
        mailbox: impl IntoMailbox,
        flags: &[Flag],
        date: Option<DateTime>,
        message: impl Into<Bytes>,
    ) -> Result<Option<AppendUid>, Error> {
        let mailbox = mailbox.into_mailbox()?;
        let message: Bytes = message.into();
        let literal = match Literal::new(message.clone()) {
            Ok(l) => l,
            Err(_) if self.has_capability(&Capability::Binary).await? => Literal::binary(message),
            Err(source) => return Err(ArgError::Invalid { what: "message", source }.into()),
        };
        let done = self.exec(CommandBody::Append { mailbox, flags: flags.to_vec(), date, message: literal }).await?;
        Ok(done.response.append_uid())
    }

    fn expunged(done: Done) -> Vec<u32> {
        done.response
            .data
            .into_iter()
            .filter_map(|d| match d {
                Data::Expunge(n) => Some(n.get()),
                _ => None,
            })
            .collect()
    }

    /// `EXPUNGE`: removes `\Deleted` messages; returns the `EXPUNGE` sequence numbers in
    /// the order the server sent them (each relative to the previous ones).
    pub async fn expunge(&self) -> Result<Vec<u32>, Error> {
        Ok(Self::expunged(self.exec(CommandBody::Expunge).await?))
    }

    /// `UID EXPUNGE set` (RFC 4315): removes only those `\Deleted` messages.
    pub async fn uid_expunge(&self, set: impl IntoSequenceSet) -> Result<Vec<u32>, Error> {
        let body = CommandBody::UidExpunge { set: set.into_sequence_set()? };
        Ok(Self::expunged(self.exec(body).await?))
    }
}

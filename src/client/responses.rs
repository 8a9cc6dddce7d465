//! The response side of the client machine: untagged data folded into the selected
//! mailbox's view and the capabilities, continuation requests answered, and tagged
//! completions matched to their commands (RFC 3501 §7).

use super::*;

impl Client {
    pub(super) fn on_code(&mut self, code: &Code) {
        if let Code::Capability(caps) = code {
            self.set_capabilities(caps.clone());
        }
        let Some(sel) = self.selecting_or_selected() else { return };
        match code {
            Code::UidValidity(n) => {
                if let Some(old) = sel.uid_validity.replace(*n) {
                    if old != *n {
                        let new = *n;
                        self.events.push_back(Event::UidValidityChanged { old, new });
                    }
                }
            }
            Code::UidNext(n) => sel.uid_next = Some(*n),
            Code::Unseen(n) => sel.unseen = Some(*n),
            Code::PermanentFlags(f) => sel.permanent_flags = f.clone(),
            Code::HighestModSeq(n) => {
                sel.highest_modseq = Some(*n);
                self.modseq_code = true;
            }
            Code::ReadOnly => sel.read_only = true,
            Code::ReadWrite => sel.read_only = false,
            _ => {}
        }
    }

    pub(super) fn on_response(&mut self, rsp: Response) {
        if !self.greeted {
            self.greeted = true;
            if let Response::Status { tag: None, status } = rsp {
                if let Some(c) = &status.code {
                    self.on_code(c);
                }
                match status.kind {
                    StatusKind::PreAuth => self.state = State::Authenticated,
                    StatusKind::Bye => self.state = State::Logout,
                    _ => {}
                }
                self.events.push_back(Event::GreetingReceived { status });
                return;
            }
            // No greeting: treat what came as ordinary data.
        }
        match rsp {
            Response::Status { tag: None, status } => {
                if let Some(c) = &status.code {
                    self.on_code(c);
                }
                if status.kind == StatusKind::Bye {
                    self.state = State::Logout;
                    self.selected = None;
                    self.events.push_back(Event::Bye { code: status.code, text: status.text });
                } else {
                    self.events.push_back(Event::Status(status));
                }
            }
            Response::Status { tag: Some(tag), status } => self.on_tagged(tag, status),
            Response::Continue(c) => self.on_continue(c),
            Response::Data(d) => self.on_data(d),
        }
    }

    pub(super) fn on_data(&mut self, mut d: Data) {
        if self.utf8_names() {
            d.map_mailboxes(&mut crate::types::Mailbox::from_utf8_peer);
        }
        match &d {
            Data::Capability(caps) => self.set_capabilities(caps.clone()),
            Data::Enabled(caps) => {
                for c in caps {
                    if !self.enabled.contains(c) {
                        self.enabled.push(c.clone());
                    }
                }
            }
            Data::Exists(n) => {
                if let Some(s) = self.selecting_or_selected() {
                    s.exists = *n;
                }
            }
            Data::Recent(n) => {
                if let Some(s) = self.selecting_or_selected() {
                    s.recent = *n;
                }
            }
            Data::Fetch { items, .. } => {
                if let Some(m) = items.iter().find_map(|i| if let FetchItem::ModSeq(m) = i { Some(*m) } else { None }) {
                    self.saw_modseq(m);
                }
            }
            Data::Flags(f) => {
                if let Some(s) = self.selecting_or_selected() {
                    s.flags = f.clone();
                }
            }
            Data::Expunge(_) => {
                if let Some(s) = self.selected.as_mut() {
                    s.exists = s.exists.saturating_sub(1);
                }
            }
            // RFC 7162 §3.2.10.2: each UID of a VANISHED without EARLIER is one message
            // fewer; VANISHED (EARLIER) tells of messages already gone.
            Data::Vanished { earlier: false, uids } => {
                if let Some(s) = self.selected.as_mut() {
                    let n = u32::try_from(view::uid_count(uids)).unwrap_or(u32::MAX);
                    s.exists = s.exists.saturating_sub(n);
                }
            }
            _ => {}
        }
        let exists = self.selected.as_ref().map_or(0, |s| s.exists);
        let command = match &d {
            // ESEARCH names its command (RFC 4731 §3.1, `search-correlator`).
            Data::ESearch { tag: Some(t), .. } => {
                self.inflight.iter().find(|p| p.tag.as_bytes() == t.as_bytes()).map(|p| p.id)
            }
            _ => self.inflight.iter_mut().find_map(|p| p.collects.takes(&d, exists).then_some(p.id)),
        };
        self.emit_data(d, command);
    }

    /// A FETCH response read in place ([`ClientOptions::fetch_messages`]): the answer of
    /// a FETCH stays a [`FetchMessage`]; a STORE's answer and an unsolicited FETCH become
    /// owned data, as without the option. The same attribution rules either way.
    pub(super) fn on_fetch_message(&mut self, m: FetchMessage) {
        if let Some(modseq) = m.modseq() {
            self.saw_modseq(modseq);
        }
        let exists = self.selected.as_ref().map_or(0, |s| s.exists);
        let (seq, uid) = (m.seq(), m.uid());
        let substantive = m.view().items().any(|i| !matches!(i, FetchItemView::Flags(_) | FetchItemView::Uid(_)));
        let taker = self
            .inflight
            .iter_mut()
            .find_map(|p| p.collects.takes_fetch(seq, uid, substantive, exists).map(|stream| (p.id, stream)));
        match taker {
            Some((id, true)) => self.events.push_back(Event::Fetch { message: m, command: id }),
            Some((id, false)) => self.emit_data(m.into_data(), Some(id)),
            None => self.emit_data(m.into_data(), None),
        }
    }

    /// A FETCH told a MODSEQ (RFC 7162 §6).
    pub(super) fn saw_modseq(&mut self, modseq: u64) {
        self.modseq_seen = Some(self.modseq_seen.map_or(modseq, |m| m.max(modseq)));
    }

    /// Queues `d` for `command` (and, when unsolicited, the flag change it carries).
    pub(super) fn emit_data(&mut self, d: Data, command: Option<CommandId>) {
        if let (None, Data::Fetch { seq, items }) = (command, &d) {
            let flags = items.iter().find_map(|i| match i {
                FetchItem::Flags(f) => Some(f.clone()),
                _ => None,
            });
            if let Some(flags) = flags {
                let uid = items.iter().find_map(|i| match i {
                    FetchItem::Uid(u) => Some(*u),
                    _ => None,
                });
                self.events.push_back(Event::FlagsChanged { seq: seq.get(), uid, flags });
            }
        }
        self.events.push_back(Event::Data { data: d, command });
    }

    /// The next tag: the configured prefix and a counter (the prefix was checked at
    /// construction, see [`ClientOptions::tag_prefix`]).
    pub(super) fn next_tag(&mut self) -> Tag {
        let n = self.next_tag;
        self.next_tag += 1;
        Tag::unvalidated(Bytes::from(format!("{}{n}", self.options.tag_prefix)))
    }

    /// The mailbox being selected (during SELECT/EXAMINE) or the selected one.
    pub(super) fn selecting_or_selected(&mut self) -> Option<&mut SelectedMailbox> {
        if let Some(Pending { kind: Kind::Select { mailbox, read_only }, .. }) =
            self.inflight.iter().find(|p| matches!(p.kind, Kind::Select { .. }))
        {
            if self.selected.as_ref().is_none_or(|s| &s.mailbox != mailbox) {
                self.selected = Some(SelectedMailbox::new(mailbox.clone(), *read_only));
            }
        }
        self.selected.as_mut()
    }

    pub(super) fn on_continue(&mut self, c: Continue) {
        let Some(idx) = self.waiting else {
            self.events.push_back(Event::UnexpectedContinuation);
            return;
        };
        let challenge = match &c {
            Continue::Base64(b) => b.clone(),
            Continue::Basic { .. } => Bytes::new(),
        };
        let id = self.inflight[idx].id;
        match &mut self.inflight[idx].kind {
            Kind::Idle { accepted, done_requested, .. } => {
                if !*accepted {
                    *accepted = true;
                    let done = *done_requested;
                    self.events.push_back(Event::IdleAccepted { id });
                    if done {
                        self.out.push_back(Bytes::from_static(b"DONE\r\n"));
                    }
                }
            }
            Kind::Authenticate { auth, step, ir_sent } => {
                let answer = auth.respond(*step, *ir_sent);
                *step += 1;
                match answer {
                    Some(r) => self.push_auth_line(Some(&r)),
                    None => self.events.push_back(Event::AuthChallenge { id, data: challenge }),
                }
            }
            _ => {
                // A synchronising literal may go now.
                if let Some(Fragment::Literal { data, .. }) = self.inflight[idx].rest.pop_front() {
                    if !data.is_empty() {
                        self.out.push_back(data);
                    }
                }
                if !self.transmit_until_wait(idx) {
                    if matches!(self.inflight[idx].kind, Kind::AppendStream { .. }) {
                        // The streamed message goes next; nothing else until it ended.
                        self.append_ready(idx);
                    } else {
                        self.waiting = None;
                        self.pump();
                    }
                }
            }
        }
    }

    pub(super) fn on_tagged(&mut self, tag: Tag, status: StatusResponse) {
        if let Some(c) = &status.code {
            self.on_code(c);
        }
        // RFC 7162 §6: at a tagged response, the highest MODSEQ told since the last one
        // raises HIGHESTMODSEQ, unless a HIGHESTMODSEQ code said otherwise.
        let (seen, code) = (self.modseq_seen.take(), std::mem::take(&mut self.modseq_code));
        if let (Some(m), false, Some(sel)) = (seen, code, self.selected.as_mut()) {
            if let Some(h) = sel.highest_modseq.as_mut().filter(|h| **h < m) {
                *h = m;
            }
        }
        let Some(idx) = self.inflight.iter().position(|p| p.tag == tag) else {
            self.events.push_back(Event::UnknownTag { tag, status });
            return;
        };
        let was_waiting = self.waiting == Some(idx);
        match self.waiting {
            Some(w) if w == idx => self.waiting = None,
            Some(w) if w > idx => self.waiting = Some(w - 1),
            _ => {}
        }
        let p = self.inflight.remove(idx);
        let ok = status.kind == StatusKind::Ok;
        let literal_refused = was_waiting && !p.rest.is_empty() && !ok;
        match &p.kind {
            Kind::Login | Kind::Authenticate { .. } if ok => {
                self.state = State::Authenticated;
                let refreshed = self.caps_during_auth || matches!(status.code, Some(Code::Capability(_)));
                if !refreshed {
                    self.capabilities = None;
                }
            }
            Kind::Select { mailbox, read_only } => {
                if ok {
                    self.state = State::Selected;
                    if self.selected.as_ref().is_none_or(|s| &s.mailbox != mailbox) {
                        self.selected = Some(SelectedMailbox::new(mailbox.clone(), *read_only));
                    }
                    if let (Some(s), Some(Code::ReadOnly)) = (self.selected.as_mut(), &status.code) {
                        s.read_only = true;
                    }
                } else {
                    // RFC 3501 §6.3.1: a failed SELECT leaves no mailbox selected.
                    self.state = State::Authenticated;
                    self.selected = None;
                }
            }
            Kind::Deselect if ok => {
                self.state = State::Authenticated;
                self.selected = None;
            }
            // RFC 8437 §3: no mailbox, and the capabilities may differ before login
            // (unless the OK carries them).
            Kind::Unauthenticate if ok => {
                self.state = State::NotAuthenticated;
                self.selected = None;
                self.enabled.clear();
                if !matches!(status.code, Some(Code::Capability(_))) {
                    self.capabilities = None;
                }
            }
            Kind::Logout => self.state = State::Logout,
            Kind::Search { retry: Some(retry) }
                if status.kind == StatusKind::No && matches!(status.code, Some(Code::BadCharset(_))) =>
            {
                // Retry once without CHARSET, under a new tag, for the same id.
                let tag = self.next_tag();
                self.queued.push_front(Pending {
                    id: p.id,
                    tag,
                    kind: Kind::Search { retry: None },
                    collects: Collects::Search,
                    body: Some(retry.clone()),
                    rest: VecDeque::new(),
                    uses_seq: p.uses_seq,
                    may_expunge: p.may_expunge,
                    is_store_or_fetch: p.is_store_or_fetch,
                    is_store: p.is_store,
                    barrier: p.barrier,
                });
                self.pump();
                return;
            }
            _ => {}
        }
        if matches!(p.kind, Kind::Login | Kind::Authenticate { .. }) {
            self.caps_during_auth = false;
        }
        let starttls_ok = ok && matches!(p.kind, Kind::StartTls);
        let compress_ok = ok && matches!(p.kind, Kind::Compress);
        if literal_refused {
            self.events.push_back(Event::CommandRejected { id: p.id, status });
        } else {
            self.events.push_back(Event::CommandCompleted { id: p.id, status });
        }
        if compress_ok {
            self.compress_ok(p.id);
        }
        if starttls_ok {
            self.tls_pause = true;
            self.capabilities = None;
            self.events.push_back(Event::StartTlsReady { id: p.id });
            if self.framer.is_mid_message() || self.framer.buffered() > 0 {
                self.fail(ConnectionError::StartTlsInjection);
            }
        }
    }
}

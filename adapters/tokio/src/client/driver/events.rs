//! The driver's reading side: the client machine's events turned into replies to the
//! handle's requests (command completions, FETCH batches and body pieces, APPEND data
//! requests), updates for the handle, and the failure of everything in flight when the
//! connection ends.

use super::*;

impl Driver {
    pub(super) fn process_events(&mut self) {
        while let Some(ev) = self.machine.poll_event() {
            self.event(ev);
        }
        self.flush_batches();
    }

    /// The next octets of the streamed APPEND, or its end. A message that ends short of
    /// its announced size leaves the server waiting for octets: the connection is over.
    pub(super) fn append_data(&mut self, data: Option<Bytes>) {
        let Some(id) = self.append.as_ref().map(|a| a.id) else { return };
        let r = match data {
            Some(d) => self.machine.append_data(id, d),
            None => {
                self.append = None;
                self.machine.append_end(id)
            }
        };
        if let Err(e) = r {
            self.append = None;
            self.lost = Some(e.into());
            self.finished = true;
            self.fail_all();
        }
    }

    /// A piece of a streamed body, for the FETCH that asked for it to stream; after the
    /// messages of the read before it.
    pub(super) fn body(&mut self, command: Option<CommandId>, piece: BodyPiece) {
        let Some(sink) = command.and_then(|id| self.inflight.get_mut(&id)).and_then(|i| i.fetch.as_mut()) else {
            return;
        };
        if !sink.bodies {
            return;
        }
        let tx = sink.tx.clone();
        let batch = std::mem::take(&mut sink.batch);
        if !batch.is_empty() {
            sink.sent += 1;
            self.deliver(&tx, FetchMsg::Batch(batch));
        }
        self.deliver(&tx, FetchMsg::Body(piece));
    }

    /// Sends each FETCH stream the messages this read brought.
    pub(super) fn flush_batches(&mut self) {
        let mut ready = Vec::new();
        for inf in self.inflight.values_mut() {
            if let Some(sink) = inf.fetch.as_mut().filter(|s| !s.batch.is_empty()) {
                sink.sent += 1;
                ready.push((sink.tx.clone(), std::mem::take(&mut sink.batch)));
            }
        }
        for (tx, batch) in ready {
            self.deliver(&tx, FetchMsg::Batch(batch));
        }
    }

    pub(super) fn event(&mut self, ev: Event) {
        match ev {
            Event::GreetingReceived { status } => {
                if let Some(g) = self.greeting.take() {
                    let r = if status.kind == StatusKind::Bye { Err(Error::Refused(status)) } else { Ok(status) };
                    let _ = g.send(r);
                }
            }
            Event::CommandCompleted { id, status } => self.completed(id, status, false),
            Event::CommandRejected { id, status } => self.completed(id, status, true),
            Event::CommandCancelled { id, state } => {
                if let Some(inf) = self.inflight.remove(&id) {
                    self.finish(inf, Err(Error::Cancelled(state)));
                }
                self.release_held();
            }
            Event::Fetch { message, command } => {
                let seen = self.shared.lock().map(|mut s| s.view.apply_fetch(&message).err()).ok().flatten();
                if let Some(violation) = seen {
                    self.updates.push(Update::Violation(violation));
                }
                if let Some(inf) = self.inflight.get_mut(&command) {
                    match &mut inf.fetch {
                        Some(sink) => sink.batch.push(message),
                        None => inf.data.push(message.into_data()),
                    }
                }
            }
            Event::Data { data, command } => {
                if self.machine.selected().is_some() {
                    let seen = self.shared.lock().map(|mut s| s.view.apply(&data));
                    if let Ok(Err(violation)) = seen {
                        self.updates.push(Update::Violation(violation));
                    }
                }
                self.data(data, command)
            }
            Event::AppendReady { id } => {
                if let Some(a) = self.append.as_mut().filter(|a| a.id == id) {
                    a.ready = true;
                }
            }
            Event::BodyStarted { command, seq, length, .. } => self.body(command, BodyPiece::Start { seq, length }),
            Event::BodyChunk { command, data, .. } => self.body(command, BodyPiece::Chunk(data)),
            Event::BodyEnded { command, .. } => self.body(command, BodyPiece::End),
            Event::Status(s) => self.untagged_status(s),
            Event::FlagsChanged { .. } => {
                // Reported from the FETCH data itself (see `data`), which also covers
                // flag changes during SEARCH.
            }
            Event::UidValidityChanged { old, new } => self.updates.push(Update::UidValidityChanged { old, new }),
            Event::Bye { code, text } => {
                let status = StatusResponse::new(StatusKind::Bye, code, text);
                self.bye = Some(status.clone());
                self.updates.push(Update::Bye(status));
            }
            Event::IdleAccepted { id } => {
                if let Some(idle) = self.idle.as_mut().filter(|i| i.id == id) {
                    if let Some(r) = idle.accepted.take() {
                        let _ = r.send(Ok(()));
                    }
                }
            }
            Event::IdleRefreshDue { id } => {
                if let Some(idle) = self.idle.as_mut().filter(|i| i.id == id && i.done.is_none()) {
                    idle.refreshing = true;
                    let _ = self.machine.idle_done(id);
                }
            }
            Event::AuthChallenge { id, data } => {
                // Only custom mechanisms ask: their responder answers, or the exchange is
                // cancelled (`*`, and the server answers BAD).
                let response = match self.responder.as_mut() {
                    Some((rid, respond)) if *rid == id => (respond.0)(&data),
                    _ => None,
                };
                let _ = match response {
                    Some(r) => self.machine.auth_respond(id, &r),
                    None => self.machine.auth_cancel(id),
                };
            }
            Event::StartTlsReady { id: _ } => {
                self.upgrade = self.pending_tls.take();
            }
            Event::CompressReady { id: _ } => self.start_compression(),
            Event::MalformedResponse { raw, .. } => self.updates.push(Update::Malformed(raw)),
            Event::ConnectionClosed => self.finished = true,
            Event::ConnectionLost(e) => {
                let eof = matches!(e, imap_machine::client::ConnectionError::UnexpectedEof);
                let e = imap_machine::client::Error::Lost(e);
                if !eof {
                    self.lost = Some(e.into());
                } else if self.lost.is_none() {
                    // A BYE explains the end better than "unexpected EOF".
                    self.lost = Some(self.bye.clone().map_or(e.into(), Error::Bye));
                }
                self.finished = true;
            }
            // UnknownTag, UnexpectedContinuation, ResponseDropped: the tap shows them;
            // nothing to attribute them to.
            _ => {}
        }
        if self.finished {
            self.fail_all();
        }
    }

    pub(super) fn completed(&mut self, id: CommandId, status: StatusResponse, rejected: bool) {
        if self.append.as_ref().is_some_and(|a| a.id == id) {
            // Its octets are no longer wanted: the caller's sends fail and it stops.
            self.append = None;
        }
        let Some(mut inf) = self.inflight.remove(&id) else { return };
        if inf.class == Class::Idle {
            self.idle_completed(id, status);
            self.release_held();
            return;
        }
        if inf.class == Class::StartTls && status.kind == StatusKind::Ok && !rejected {
            // The handshake comes with StartTlsReady; the caller hears after it.
            self.pending_tls = inf.tls.take();
            self.starttls_reply = inf.reply.take();
            self.release_held();
            return;
        }
        let r = if rejected {
            Err(Error::Rejected(status))
        } else {
            match status.kind {
                StatusKind::Ok => Ok(status),
                StatusKind::No => Err(Error::No(status)),
                _ => Err(Error::Bad(status)),
            }
        };
        self.finish(inf, r);
        self.release_held();
    }

    pub(super) fn finish(&mut self, mut inf: Inflight, r: Result<StatusResponse, Error>) {
        if let Some(sink) = inf.fetch.take() {
            if !sink.batch.is_empty() {
                self.deliver(&sink.tx, FetchMsg::Batch(sink.batch));
            }
            self.deliver(&sink.tx, FetchMsg::Done(r.map(|_| ())));
            return;
        }
        let Some(reply) = inf.reply.take() else { return };
        // The caller may look at `Client::selected` as soon as it hears back.
        self.publish();
        let r = r.map(|status| {
            self.done(
                inf.class,
                CommandResponse::new(status, std::mem::take(&mut inf.data), std::mem::take(&mut inf.codes)),
            )
        });
        let _ = reply.send(r);
    }

    pub(super) fn idle_completed(&mut self, id: CommandId, status: StatusResponse) {
        let Some(mut idle) = self.idle.take() else { return };
        if idle.id != id {
            self.idle = Some(idle);
            return;
        }
        let ok = status.kind == StatusKind::Ok;
        if ok && idle.refreshing && idle.done.is_none() && !self.requests_closed {
            if let Ok(new) = self.machine.idle(now()) {
                self.inflight.insert(new, Inflight::new(Class::Idle, None));
                idle.id = new;
                idle.refreshing = false;
                self.idle = Some(idle);
                return;
            }
        }
        let r = match status.kind {
            StatusKind::Ok => Ok(()),
            StatusKind::No => Err(Error::No(status)),
            _ => Err(Error::Bad(status)),
        };
        self.publish();
        if let Some(a) = idle.accepted.take() {
            let _ = a.send(r.clone());
        }
        if let Some(d) = idle.done.take() {
            let _ = d.send(r);
        }
    }

    /// Untagged data: to the command it answers (the client machine tells which), or to
    /// the updates when it answers none.
    pub(super) fn data(&mut self, d: Data, command: Option<CommandId>) {
        if let Some(inf) = command.and_then(|id| self.inflight.get_mut(&id)) {
            inf.data.push(d);
            return;
        }
        if let Some(u) = Update::from_data(d) {
            self.updates.push(u);
        }
    }

    pub(super) fn untagged_status(&mut self, s: StatusResponse) {
        let s = match Update::from_status(s) {
            Ok(u) => return self.updates.push(u),
            Err(s) => s,
        };
        let Some(code) = s.code else { return };
        let target = if matches!(code, Code::CopyUid { .. }) {
            self.inflight.values_mut().find(|i| i.class == Class::Move)
        } else {
            None
        };
        let target = match target {
            Some(t) => Some(t),
            None => self.inflight.values_mut().find(|i| i.class != Class::Idle),
        };
        if let Some(inf) = target {
            inf.codes.push(code);
        }
    }

    pub(super) fn fail_all(&mut self) {
        let err = self.lost.clone().unwrap_or(Error::Closed);
        for (_, inf) in std::mem::take(&mut self.inflight) {
            self.finish(inf, Err(err.clone()));
        }
        for r in std::mem::take(&mut self.held) {
            r.fail(err.clone());
        }
        if let Some(mut idle) = self.idle.take() {
            if let Some(a) = idle.accepted.take() {
                let _ = a.send(Err(err.clone()));
            }
            if let Some(d) = idle.done.take() {
                let _ = d.send(Err(err.clone()));
            }
        }
        if let Some(g) = self.greeting.take() {
            let _ = g.send(Err(err.clone()));
        }
        if let Some(r) = self.starttls_reply.take() {
            let _ = r.send(Err(err));
        }
    }
}

//! The input side of the server machine: the framer's events, each whole command line
//! parsed and dispatched by state (RFC 3501 §3), the held commands while a literal or
//! a reply is pending, and the AUTHENTICATE exchange (RFC 3501 §6.2.2).

use super::*;

impl Server {
    pub(super) fn pump_framer(&mut self) {
        while !self.closed && !self.paused() {
            if self.decide_offer() {
                continue;
            }
            let Some(ev) = self.framer.poll() else { break };
            match ev {
                FramerEvent::LiteralOffered { length, binary, sync } => self.offered(length, binary, sync),
                FramerEvent::LiteralChunk(data) => self.append_chunk(data),
                FramerEvent::LiteralEnd => self.literal_end(),
                // Within the limits (the framer checked): the client may send it. Answered
                // at once even while commands are held, or the client would wait forever.
                FramerEvent::LiteralAnnounced { .. } => {
                    self.emit(&Response::Continue(Continue::Basic { code: None, text: text("Ready for literal data") }))
                }
                FramerEvent::Error(e) => {
                    self.active_since_deadline = true;
                    if self.append_tail(None).is_err() {
                        self.frame_error(e)
                    }
                }
                FramerEvent::Message(m) => {
                    // Autologout counts whole commands, not bytes: a client trickling a
                    // byte at a time (slowloris) is as idle as a silent one.
                    self.active_since_deadline = true;
                    let Err(Some(m)) = self.append_tail(Some(m.into_bytes())) else { continue };
                    if self.holding() {
                        self.held.push_back(m);
                    } else {
                        self.message(m);
                    }
                }
            }
        }
        if self.tls_pause {
            // Anything pipelined after STARTTLS is dropped unread (injection defence).
            self.framer = Framer::new(Role::Server, append::framer_options(&self.options));
            self.held.clear();
            self.offer = None;
        } else if self.paused() {
            self.keep_early();
        }
    }

    /// Whether messages wait until a state-changing command completes. During an
    /// AUTHENTICATE exchange, client lines are expected except while the embedder checks.
    pub(super) fn holding(&self) -> bool {
        if let Some(a) = &self.auth {
            return a.with_embedder;
        }
        self.pending.iter().any(|(_, t)| {
            matches!(
                t,
                Transition::Authenticate
                    | Transition::Select
                    | Transition::Deselect
                    | Transition::Unauthenticate
                    | Transition::Enable
                    | Transition::Compress
            )
        }) || self.idle.as_ref().is_some_and(|(_, done)| *done)
    }

    pub(super) fn release_held(&mut self) {
        while !self.holding() && !self.closed && !self.paused() {
            let Some(m) = self.held.pop_front() else { break };
            self.message(m);
        }
        if self.paused() {
            if self.compress == compress::Stage::Starting {
                self.keep_early();
            }
        } else if !self.holding() {
            self.pump_framer();
        }
    }

    pub(super) fn frame_error(&mut self, e: FrameError) {
        let tag = parse_tag_prefix(&e.head);
        let is_append = e.head.windows(7).any(|w| w.eq_ignore_ascii_case(b"APPEND "));
        match (&tag, &e.kind) {
            (Some(t), FrameErrorKind::LiteralTooLong { .. } | FrameErrorKind::MessageTooLong { .. }) if is_append => {
                let msg = e.kind.to_string();
                self.tagged(t, StatusKind::No, Some(Code::TooBig), &msg);
            }
            (Some(t), kind) => {
                let msg = kind.to_string();
                self.tagged(t, StatusKind::Bad, None, &msg);
            }
            (None, kind) => {
                let msg = kind.to_string();
                self.untagged(StatusKind::Bad, None, &msg);
            }
        }
        self.bad_input();
    }

    pub(super) fn bad_input(&mut self) {
        self.bad_streak += 1;
        if self.bad_streak >= self.options.max_bad_commands {
            self.shutdown("Too many invalid commands");
        }
    }

    pub(super) fn message(&mut self, msg: Bytes) {
        if self.auth.as_ref().is_some_and(|a| !a.with_embedder) {
            return self.auth_line(msg);
        }
        if let Some((tag, false)) = self.idle.clone() {
            match parse_idle_done(&msg) {
                Ok(()) => {
                    self.idle = Some((tag.clone(), true));
                    self.events.push_back(Event::IdleDone { tag });
                }
                Err(e) => {
                    // RFC 2177: only DONE is valid; anything else ends the IDLE with BAD.
                    self.pending.retain(|(p, _)| *p != tag);
                    self.idle = None;
                    self.tagged(&tag, StatusKind::Bad, None, &format!("Expected DONE: {e}"));
                    self.bad_input();
                }
            }
            return;
        }
        let parsed = match parse_command(&msg) {
            Err(e) if e.kind == crate::codec::ParseErrorKind::UnknownCommand => {
                self.extension_command(&msg).unwrap_or(Err(e))
            }
            parsed => parsed,
        };
        let cmd = match parsed {
            Ok(cmd) => cmd,
            Err(e) => {
                let reason = e.to_string();
                match parse_tag_prefix(&msg) {
                    Some(t) => self.tagged(&t, StatusKind::Bad, None, &reason),
                    None => self.untagged(StatusKind::Bad, None, &reason),
                }
                return self.bad_input();
            }
        };
        self.bad_streak = 0;
        self.command(cmd);
    }

    pub(super) fn secure(&self) -> bool {
        self.tls_active || self.options.allow_insecure_auth
    }

    pub(super) fn command(&mut self, cmd: Command) {
        let Command { tag, mut body } = cmd;
        if self.utf8 {
            body.map_mailboxes(&mut Mailbox::from_utf8_peer, &mut ListMailbox::from_utf8_peer);
        }
        self.reports.started(&tag, &body);
        if !self.allowed_now(&body) {
            let name = match &body {
                CommandBody::Raw(raw) => raw.name().as_str(),
                other => other.name(),
            };
            let reason = format!("{name} not allowed in the {:?} state", self.state);
            self.tagged(&tag, StatusKind::Bad, None, &reason);
            return;
        }
        if self.pending.iter().any(|(p, _)| *p == tag) {
            self.tagged(&tag, StatusKind::Bad, None, "Tag already in use by a pending command");
            return;
        }
        match body {
            CommandBody::Capability => {
                let caps = self.capabilities();
                self.emit(&Response::Data(Data::Capability(caps)));
                self.tagged(&tag, StatusKind::Ok, None, "CAPABILITY completed");
            }
            CommandBody::Logout => {
                self.untagged(StatusKind::Bye, None, "Logging out");
                self.tagged(&tag, StatusKind::Ok, None, "LOGOUT completed");
                self.close();
            }
            CommandBody::StartTls => {
                if self.tls_active || !self.options.starttls_available {
                    self.tagged(&tag, StatusKind::Bad, None, "STARTTLS not available");
                } else {
                    self.tagged(&tag, StatusKind::Ok, None, "Begin TLS negotiation now");
                    self.tls_pause = true;
                    self.events.push_back(Event::StartTls);
                }
            }
            CommandBody::Login { username, password } => {
                if !self.secure() {
                    self.tagged(
                        &tag,
                        StatusKind::No,
                        Some(Code::Rfc5530(Rfc5530Code::PrivacyRequired)),
                        "LOGIN needs TLS",
                    );
                    return;
                }
                self.pending.push((tag.clone(), Transition::Authenticate));
                self.credentials(Event::Credentials {
                    tag,
                    mechanism: AuthMechanism::Login,
                    authzid: None,
                    username: username.to_text().into_owned(),
                    password: Secret::new(password.expose().to_text().into_owned()),
                });
            }
            CommandBody::Authenticate { mechanism, initial_response } => {
                if !self.secure() {
                    let code = Some(Code::Rfc5530(Rfc5530Code::PrivacyRequired));
                    self.tagged(&tag, StatusKind::No, code, "AUTHENTICATE needs TLS");
                    return;
                }
                if !self.options.auth_mechanisms.contains(&mechanism) {
                    self.tagged(&tag, StatusKind::No, None, "Unsupported authentication mechanism");
                    return;
                }
                self.pending.push((tag.clone(), Transition::Authenticate));
                self.auth = Some(AuthExchange {
                    tag: tag.clone(),
                    mechanism: mechanism.clone(),
                    login_user: None,
                    with_embedder: false,
                });
                match (&mechanism, initial_response) {
                    (AuthMechanism::Plain, Some(ir)) => self.auth_step(ir.expose().clone()),
                    (AuthMechanism::Plain, None) => self.continue_empty(),
                    (AuthMechanism::Login, Some(ir)) => self.auth_step(ir.expose().clone()),
                    (AuthMechanism::Login, None) => {
                        self.emit(&Response::Continue(Continue::Base64(Bytes::from_static(b"Username:"))))
                    }
                    (_, data) => {
                        if let Some(a) = self.auth.as_mut() {
                            a.with_embedder = true;
                        }
                        self.events.push_back(Event::AuthData { tag, mechanism, data });
                    }
                }
            }
            CommandBody::Compress { algorithm } => self.compress_command(tag, algorithm),
            CommandBody::Idle => {
                self.pending.push((tag.clone(), Transition::Idle));
                self.idle = Some((tag.clone(), false));
                self.emit(&Response::Continue(Continue::Basic { code: None, text: text("idling") }));
                self.events.push_back(Event::IdleStarted { tag });
            }
            command => {
                let transition = match command {
                    CommandBody::Select { .. } | CommandBody::Examine { .. } => Transition::Select,
                    CommandBody::Close | CommandBody::Unselect => Transition::Deselect,
                    CommandBody::Unauthenticate => Transition::Unauthenticate,
                    CommandBody::Enable { .. } => Transition::Enable,
                    _ => Transition::None,
                };
                self.pending.push((tag.clone(), transition));
                self.events.push_back(Event::CommandReceived { tag, command });
            }
        }
    }

    pub(super) fn continue_empty(&mut self) {
        self.emit(&Response::Continue(Continue::Basic { code: None, text: Text::unvalidated(Bytes::new()) }));
    }

    /// One client line of the AUTHENTICATE exchange.
    pub(super) fn auth_line(&mut self, msg: Bytes) {
        let Some(tag) = self.auth.as_ref().map(|a| a.tag.clone()) else { return };
        match parse_authenticate_data(&msg) {
            Ok(AuthenticateData::Cancel) => {
                self.auth = None;
                self.pending.retain(|(p, _)| *p != tag);
                self.tagged(&tag, StatusKind::Bad, None, "AUTHENTICATE cancelled");
            }
            Ok(AuthenticateData::Response(data)) => self.auth_step(data.expose().clone()),
            Err(e) => {
                self.auth = None;
                self.pending.retain(|(p, _)| *p != tag);
                self.tagged(&tag, StatusKind::Bad, None, &format!("Invalid AUTHENTICATE response: {e}"));
            }
        }
    }

    /// Feeds one decoded client message to the running mechanism.
    pub(super) fn auth_step(&mut self, data: Bytes) {
        let Some(a) = self.auth.as_mut() else { return };
        let tag = a.tag.clone();
        let fail = |s: &mut Self, why: &str| {
            s.auth = None;
            s.pending.retain(|(p, _)| *p != tag);
            s.tagged(&tag, StatusKind::Bad, None, why);
        };
        match a.mechanism.clone() {
            AuthMechanism::Plain => {
                let parts: Vec<&[u8]> = data.split(|b| *b == 0).collect();
                let [authzid, user, pass] = parts[..] else {
                    return fail(self, "Malformed PLAIN response");
                };
                a.with_embedder = true;
                let authzid = (!authzid.is_empty()).then(|| String::from_utf8_lossy(authzid).into_owned());
                self.credentials(Event::Credentials {
                    tag,
                    mechanism: AuthMechanism::Plain,
                    authzid,
                    username: String::from_utf8_lossy(user).into_owned(),
                    password: Secret::new(String::from_utf8_lossy(pass).into_owned()),
                });
            }
            AuthMechanism::Login => match a.login_user.take() {
                None => {
                    a.login_user = Some(String::from_utf8_lossy(&data).into_owned());
                    self.emit(&Response::Continue(Continue::Base64(Bytes::from_static(b"Password:"))));
                }
                Some(user) => {
                    a.with_embedder = true;
                    self.credentials(Event::Credentials {
                        tag,
                        mechanism: AuthMechanism::Login,
                        authzid: None,
                        username: user,
                        password: Secret::new(String::from_utf8_lossy(&data).into_owned()),
                    });
                }
            },
            mechanism => {
                a.with_embedder = true;
                self.events.push_back(Event::AuthData { tag, mechanism, data: Some(Secret::new(data)) });
            }
        }
    }
}

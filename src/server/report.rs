//! Reports of the commands a connection runs, for an embedder's logs and metrics: each
//! command's name when it starts, and the status of its tagged answer (RFC 3501 §7.1),
//! including the ones the machine gives itself (CAPABILITY, STARTTLS, a BAD for a line
//! that does not parse).
//!
//! The machine reads no clock, so a report carries no time: the embedder stamps each one
//! as it drains it with [`Server::poll_report`] (right after the `handle_*` call or the
//! event handling that produced it), and the duration of a command is the time between
//! its two reports. Reports never carry arguments, so nothing a client sends (a password,
//! a message) reaches a log through them. Off unless [`ServerOptions::report_commands`]
//! is set.
//!
//! [`ServerOptions::report_commands`]: super::ServerOptions::report_commands

use std::borrow::Cow;
use std::collections::VecDeque;

use super::Server;
use crate::types::{CommandBody, StatusKind, Tag};

/// At most this many reports wait to be drained; older ones are dropped.
pub const MAX_WAITING_REPORTS: usize = 4096;

/// What [`Server::poll_report`] tells about a command, for an embedder's logs and
/// metrics: its name when it starts, and the status of its tagged answer (RFC 3501 §7.1),
/// including the answers the machine gives itself (CAPABILITY, STARTTLS, a BAD for a line
/// that does not parse).
///
/// The machine reads no clock, so a report carries no time: the embedder stamps each one
/// as it drains it, right after the `handle_*` call or the event handling that produced
/// it, and a command's duration is the time between its two reports. A report never holds
/// a command's arguments, so nothing a client sends (a password, a message) reaches a log
/// through it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Report {
    /// A command was parsed and starts (it may still be refused, as not allowed in the
    /// state).
    Started {
        /// Its tag.
        tag: Tag,
        /// Its name: [`CommandBody::name`], or a registered extension's name in upper
        /// case.
        command: Cow<'static, str>,
    },
    /// A tagged answer was sent.
    Completed {
        /// Its tag.
        tag: Tag,
        /// The name the command started with; `None` for a line that did not parse (a
        /// BAD with its tag).
        command: Option<Cow<'static, str>>,
        /// OK, NO or BAD.
        status: StatusKind,
    },
}

/// The reports of one connection.
#[derive(Debug, Default)]
pub(super) struct Reports {
    on: bool,
    /// The commands started and not completed yet: few, since a client waits for most.
    running: Vec<(Tag, Cow<'static, str>)>,
    waiting: VecDeque<Report>,
}

impl Reports {
    pub(super) fn new(on: bool) -> Reports {
        Reports { on, ..Reports::default() }
    }

    fn push(&mut self, report: Report) {
        if self.waiting.len() >= MAX_WAITING_REPORTS {
            self.waiting.pop_front();
        }
        self.waiting.push_back(report);
    }

    /// The command `tag` starts.
    pub(super) fn started(&mut self, tag: &Tag, body: &CommandBody) {
        if !self.on {
            return;
        }
        let command = match body {
            CommandBody::Raw(raw) => Cow::Owned(raw.name().as_str().to_ascii_uppercase()),
            other => Cow::Borrowed(other.name()),
        };
        self.running.push((tag.clone(), command.clone()));
        self.push(Report::Started { tag: tag.clone(), command });
    }

    /// The tagged answer for `tag` went out. A tag used twice at once (refused with BAD)
    /// takes the latest start, so that the first command keeps its own.
    pub(super) fn completed(&mut self, tag: &Tag, status: StatusKind) {
        if !self.on {
            return;
        }
        let command = self.running.iter().rposition(|(t, _)| t == tag).map(|i| self.running.remove(i).1);
        self.push(Report::Completed { tag: tag.clone(), command, status });
    }
}

impl Server {
    /// The next report about a command, with [`ServerOptions::report_commands`] on (see
    /// [`Report`]). Drain it after every `handle_*` call and after handling the events, as
    /// [`Server::poll_event`].
    ///
    /// [`ServerOptions::report_commands`]: super::ServerOptions::report_commands
    pub fn poll_report(&mut self) -> Option<Report> {
        self.reports.waiting.pop_front()
    }
}

#[cfg(test)]
// Tests start machines at the real time.
#[allow(clippy::disallowed_methods)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::server::{Event, ServerOptions};
    use crate::types::State;

    fn server() -> Server {
        let options = ServerOptions { report_commands: true, allow_insecure_auth: true, ..ServerOptions::default() };
        Server::new(options, Instant::now())
    }

    fn reports(s: &mut Server) -> Vec<Report> {
        std::iter::from_fn(|| s.poll_report()).collect()
    }

    fn tag(t: &str) -> Tag {
        Tag::try_from(t).unwrap()
    }

    fn started(t: &str, c: &'static str) -> Report {
        Report::Started { tag: tag(t), command: Cow::Borrowed(c) }
    }

    fn completed(t: &str, c: Option<&'static str>, status: StatusKind) -> Report {
        Report::Completed { tag: tag(t), command: c.map(Cow::Borrowed), status }
    }

    #[test]
    fn commands_the_machine_answers_and_the_embedder_answers() {
        let mut s = server();
        s.handle_input(b"a CAPABILITY\r\nb NOOP\r\nc FETCH 1 FLAGS\r\n\"bad\r\n");
        assert_eq!(
            reports(&mut s),
            [
                started("a", "CAPABILITY"),
                completed("a", Some("CAPABILITY"), StatusKind::Ok),
                started("b", "NOOP"),
                started("c", "FETCH"),
                completed("c", Some("FETCH"), StatusKind::Bad),
            ]
        );
        let Some(Event::CommandReceived { tag: b, .. }) = s.poll_event() else { panic!() };
        s.complete(&b, StatusKind::Ok, None, "done").unwrap();
        assert_eq!(reports(&mut s), [completed("b", Some("NOOP"), StatusKind::Ok)]);
    }

    #[test]
    fn a_line_that_does_not_parse_completes_without_a_name() {
        let mut s = server();
        s.handle_input(b"x FROB\r\n");
        assert_eq!(reports(&mut s), [completed("x", None, StatusKind::Bad)]);
    }

    #[test]
    fn a_reused_tag_keeps_the_first_command_its_name() {
        let mut s = server();
        s.handle_input(b"t NOOP\r\nt CHECK\r\n");
        assert_eq!(
            reports(&mut s),
            [started("t", "NOOP"), started("t", "CHECK"), completed("t", Some("CHECK"), StatusKind::Bad)]
        );
        let Some(Event::CommandReceived { tag: t, .. }) = s.poll_event() else { panic!() };
        s.complete(&t, StatusKind::Ok, None, "done").unwrap();
        assert_eq!(reports(&mut s), [completed("t", Some("NOOP"), StatusKind::Ok)]);
    }

    #[test]
    fn a_login_reports_its_name_and_never_its_arguments() {
        let mut s = server();
        s.handle_input(b"l LOGIN alice hunter2\r\n");
        let Some(Event::Credentials { tag: l, .. }) = s.poll_event() else { panic!() };
        s.complete(&l, StatusKind::No, None, "no").unwrap();
        let all = reports(&mut s);
        assert_eq!(all, [started("l", "LOGIN"), completed("l", Some("LOGIN"), StatusKind::No)]);
        assert!(!format!("{all:?}").contains("hunter2"));
        assert_eq!(s.state(), State::NotAuthenticated);
    }

    #[test]
    fn off_by_default_and_bounded() {
        let mut s = Server::new(ServerOptions::default(), Instant::now());
        s.handle_input(b"a CAPABILITY\r\n");
        assert_eq!(s.poll_report(), None);
        let mut s = server();
        for i in 0..MAX_WAITING_REPORTS {
            s.handle_input(format!("a{i} CAPABILITY\r\n").as_bytes());
        }
        assert_eq!(reports(&mut s).len(), MAX_WAITING_REPORTS);
    }
}

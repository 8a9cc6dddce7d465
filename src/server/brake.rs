//! Brakes on password guessing, as Dovecot has them: a failed login is answered after a
//! delay (`auth_failure_delay`, [`ServerOptions::auth_failure_delay`]), and an embedder
//! that counts failures per client address ([`Server::auth_failures`], Dovecot's anvil)
//! refuses that address's logins for a while ([`Server::refuse_logins`]).
//!
//! The delay is kept with the machine's clock: [`Server::complete`] holds the NO; the next
//! [`Server::poll_timeout`] asks for the time at once (the machine does not know it), and
//! [`Server::handle_timeout`] then starts the delay and, once it is over, sends the NO.
//! Commands after the login wait for it, as after any login.

use std::time::Instant;

use super::{Event, Server, StatusKind};
use crate::types::{Code, Rfc5530Code, Tag};

/// The brakes' state of one connection.
#[derive(Debug)]
pub(super) struct Brake {
    /// A failed login's answer, waiting for its delay.
    held: Option<Held>,
    /// The last time the machine was told.
    now: Instant,
    /// Failed logins on this connection.
    pub(super) failures: u64,
    /// Whether logins are refused unasked.
    refuse: bool,
}

/// A held NO.
#[derive(Debug)]
struct Held {
    tag: Tag,
    code: Option<Code>,
    text: String,
    /// When it goes; `None` until the machine next learns the time.
    at: Option<Instant>,
}

impl Brake {
    pub(super) fn new(now: Instant) -> Brake {
        Brake { held: None, now, failures: 0, refuse: false }
    }

    /// Holds the NO of the login `tag`.
    pub(super) fn hold(&mut self, tag: Tag, code: Option<Code>, text: &str) {
        self.held = Some(Held { tag, code, text: text.to_string(), at: None });
    }

    /// When the machine wants [`Server::handle_timeout`] for a held NO: when it goes, or
    /// at once when the delay has not started yet.
    pub(super) fn deadline(&self) -> Option<Instant> {
        self.held.as_ref().map(|h| h.at.unwrap_or(self.now))
    }
}

impl Server {
    /// Failed logins (a NO to LOGIN or AUTHENTICATE) on this connection so far. An
    /// embedder adds them up per client address, and refuses the logins of an address
    /// that failed too often ([`Server::refuse_logins`]).
    pub fn auth_failures(&self) -> u64 {
        self.brake.failures
    }

    /// Refuses logins (or allows them again): LOGIN and AUTHENTICATE are answered `NO
    /// [UNAVAILABLE]` (RFC 5530 §3) without reaching the embedder, so that no password is
    /// checked. For a client address with too many failed logins, as Dovecot's anvil does.
    pub fn refuse_logins(&mut self, refuse: bool) {
        self.brake.refuse = refuse;
    }

    /// A login's credentials: to the embedder, or refused.
    pub(super) fn credentials(&mut self, event: Event) {
        match &event {
            Event::Credentials { tag, .. } if self.brake.refuse => {
                let tag = tag.clone();
                if let Some(pos) = self.pending.iter().position(|(p, _)| *p == tag) {
                    let code = Some(Code::Rfc5530(Rfc5530Code::Unavailable));
                    self.finish(&tag, pos, StatusKind::No, code, "Too many failed logins from your address; try later");
                }
            }
            _ => self.events.push_back(event),
        }
    }

    /// Starts a held NO's delay, or sends it once the delay is over.
    pub(super) fn brake_timeout(&mut self, now: Instant) {
        self.brake.now = now;
        let delay = self.options.auth_failure_delay;
        let Some(held) = self.brake.held.as_mut() else { return };
        if now < *held.at.get_or_insert(now + delay) {
            return;
        }
        let Some(held) = self.brake.held.take() else { return };
        if let Some(pos) = self.pending.iter().position(|(p, _)| *p == held.tag) {
            self.finish(&held.tag, pos, StatusKind::No, held.code, &held.text);
        }
    }
}

#[cfg(test)]
// Tests stand in for the embedder, which owns the clock.
#[allow(clippy::disallowed_methods)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::server::ServerOptions;

    fn server(delay: Duration, now: Instant) -> Server {
        let options =
            ServerOptions { allow_insecure_auth: true, auth_failure_delay: delay, ..ServerOptions::default() };
        let mut s = Server::new(options, now);
        s.poll_transmit(&mut bytes::BytesMut::new());
        s
    }

    fn sent(s: &mut Server) -> String {
        let mut out = bytes::BytesMut::new();
        s.poll_transmit(&mut out);
        String::from_utf8(out.to_vec()).unwrap()
    }

    fn login_tag(s: &mut Server) -> Tag {
        match s.poll_event() {
            Some(Event::Credentials { tag, .. }) => tag,
            other => panic!("{other:?}"),
        }
    }

    /// The NO waits for the delay, by the machine's clock; a NOOP sent meanwhile waits
    /// behind it, and a successful login is never delayed.
    #[test]
    fn a_failed_login_is_answered_after_the_delay() {
        let t0 = Instant::now();
        let mut s = server(Duration::from_secs(2), t0);
        s.handle_input(b"a LOGIN alice wrong\r\nb NOOP\r\n");
        let tag = login_tag(&mut s);
        let code = Some(Code::Rfc5530(Rfc5530Code::AuthenticationFailed));
        s.complete(&tag, StatusKind::No, code, "Authentication failed").unwrap();
        assert_eq!(sent(&mut s), "");
        assert_eq!(s.poll_event().map(|e| format!("{e:?}")), None, "NOOP waits behind the login");
        // The machine asks for the time at once, then for the end of the delay.
        let t1 = t0 + Duration::from_secs(60);
        assert_eq!(s.poll_timeout(), Some(t0));
        s.handle_timeout(t1);
        assert_eq!(s.poll_timeout(), Some(t1 + Duration::from_secs(2)));
        s.handle_timeout(t1 + Duration::from_millis(1999));
        assert_eq!(sent(&mut s), "");
        s.handle_timeout(t1 + Duration::from_secs(2));
        assert_eq!(sent(&mut s), "a NO [AUTHENTICATIONFAILED] Authentication failed\r\n");
        assert!(matches!(s.poll_event(), Some(Event::CommandReceived { .. })));
        assert_eq!(s.auth_failures(), 1);

        s.handle_input(b"c LOGIN alice right\r\n");
        let tag = login_tag(&mut s);
        s.complete(&tag, StatusKind::Ok, None, "Logged in").unwrap();
        assert!(sent(&mut s).starts_with("c OK [CAPABILITY"));
        assert_eq!(s.auth_failures(), 1);
    }

    /// Without a delay the NO goes at once; refused logins never reach the embedder.
    #[test]
    fn refused_logins_are_unavailable() {
        let mut s = server(Duration::ZERO, Instant::now());
        s.handle_input(b"a LOGIN alice wrong\r\n");
        let tag = login_tag(&mut s);
        s.complete(&tag, StatusKind::No, None, "Authentication failed").unwrap();
        assert_eq!(sent(&mut s), "a NO Authentication failed\r\n");
        s.refuse_logins(true);
        s.handle_input(b"b LOGIN alice right\r\nc AUTHENTICATE PLAIN AGFsaWNlAHJpZ2h0\r\n");
        assert!(s.poll_event().is_none(), "no credentials to check");
        let out = sent(&mut s);
        assert!(out.starts_with("b NO [UNAVAILABLE] "), "{out}");
        assert!(out.contains("\r\nc NO [UNAVAILABLE] "), "{out}");
        s.refuse_logins(false);
        s.handle_input(b"d LOGIN alice right\r\n");
        assert!(matches!(s.poll_event(), Some(Event::Credentials { .. })));
    }
}

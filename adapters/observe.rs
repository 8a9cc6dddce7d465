//! What a server adapter tells about its connections: `tracing` spans and events (feature
//! `tracing`) and `metrics` counters, gauges and histograms (feature `metrics`). Without
//! either feature this compiles to nothing but a few counters on the stack. Both adapters
//! (`imap-machine-tokio` and `imap-machine-blocking`) compile this one file, so their logs
//! and metrics have the same names.
//!
//! Nothing here sees a command's arguments: command names and statuses come from the
//! machine's reports ([`imap_machine::server::Report`]), which carry none, and a login is
//! known by its user name alone. Passwords and SASL data never reach a log or a label.
//!
//! The names of the spans, events and metrics are listed in the crate docs.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use imap_machine::server::{Report, Server as Machine};
use imap_machine::types::{StatusKind, Tag};

/// Whether the server asks the machine for reports.
pub(crate) const ENABLED: bool = cfg!(any(feature = "tracing", feature = "metrics"));

#[cfg(feature = "metrics")]
mod names {
    pub(super) const CONNECTIONS: &str = "imap_connections";
    pub(super) const CONNECTIONS_TOTAL: &str = "imap_connections_total";
    pub(super) const REFUSED: &str = "imap_connections_refused_total";
    pub(super) const IDLE: &str = "imap_idle_sessions";
    pub(super) const COMMANDS: &str = "imap_commands_total";
    pub(super) const COMMAND_SECONDS: &str = "imap_command_duration_seconds";
    pub(super) const AUTH_FAILURES: &str = "imap_auth_failures_total";
    pub(super) const RECEIVED: &str = "imap_received_bytes_total";
    pub(super) const SENT: &str = "imap_sent_bytes_total";
    pub(super) const STORE_SECONDS: &str = "imap_store_duration_seconds";
}

/// Describes the metrics to the installed recorder (their HELP lines), once.
pub(crate) fn describe() {
    #[cfg(feature = "metrics")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
            describe_gauge!(names::CONNECTIONS, "Open IMAP connections");
            describe_counter!(names::CONNECTIONS_TOTAL, "IMAP connections accepted");
            describe_counter!(names::REFUSED, "IMAP connections refused over the connection limit");
            describe_gauge!(names::IDLE, "IMAP sessions in IDLE");
            describe_counter!(names::COMMANDS, "IMAP commands answered, by name and status");
            describe_histogram!(names::COMMAND_SECONDS, Unit::Seconds, "IMAP command duration");
            describe_counter!(names::AUTH_FAILURES, "Failed LOGIN and AUTHENTICATE commands");
            describe_counter!(names::RECEIVED, Unit::Bytes, "Octets received from IMAP clients");
            describe_counter!(names::SENT, Unit::Bytes, "Octets sent to IMAP clients");
            describe_histogram!(names::STORE_SECONDS, Unit::Seconds, "Duration of one store call");
        });
    }
}

/// The connection's span: the events of its task are in it.
#[cfg(feature = "tracing")]
pub(crate) fn span(id: u64, peer: std::net::SocketAddr, tls: bool) -> tracing::Span {
    tracing::info_span!("imap", id, %peer, tls, user = tracing::field::Empty)
}

/// A connection over the limit.
pub(crate) fn refused() {
    #[cfg(feature = "tracing")]
    tracing::info!(target: "imap::connection", "refused: too many connections");
    #[cfg(feature = "metrics")]
    metrics::counter!(names::REFUSED).increment(1);
}

/// A TLS handshake that failed or timed out.
pub(crate) fn handshake_failed(error: &dyn std::fmt::Display) {
    #[cfg(feature = "tracing")]
    tracing::debug!(target: "imap::connection", %error, "TLS handshake failed");
    #[cfg(not(feature = "tracing"))]
    let _ = error;
}

/// What a store call was for (a label).
#[derive(Clone, Copy, Debug)]
pub(crate) enum StoreCall {
    /// The commands and other events of the machine.
    Command,
    /// Another session's changes.
    Updates,
    /// The next step of a long command.
    Step,
}

/// One connection's observer: the span's user, commands in flight, IDLE, the totals.
/// Dropping it counts the connection closed.
pub(crate) struct Observer {
    tls: bool,
    idling: bool,
    /// Commands started and not answered yet, with when.
    running: Vec<(Tag, Instant)>,
    /// The user name of the login being checked.
    login_user: Option<String>,
    received: u64,
    sent: u64,
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    opened: Instant,
}

impl Observer {
    /// A connection accepted (and through its TLS handshake, for implicit TLS).
    pub(crate) fn open(tls: bool) -> Observer {
        #[cfg(feature = "tracing")]
        tracing::info!(target: "imap::connection", "connection opened");
        let o = Observer {
            tls,
            idling: false,
            running: Vec::new(),
            login_user: None,
            received: 0,
            sent: 0,
            opened: Instant::now(),
        };
        #[cfg(feature = "metrics")]
        {
            metrics::counter!(names::CONNECTIONS_TOTAL, "tls" => o.tls_label()).increment(1);
            metrics::gauge!(names::CONNECTIONS, "tls" => o.tls_label()).increment(1.0);
        }
        o
    }

    #[cfg(feature = "metrics")]
    fn tls_label(&self) -> &'static str {
        if self.tls {
            "true"
        } else {
            "false"
        }
    }

    /// STARTTLS completed its handshake.
    pub(crate) fn tls_started(&mut self) {
        #[cfg(feature = "metrics")]
        metrics::gauge!(names::CONNECTIONS, "tls" => self.tls_label()).decrement(1.0);
        self.tls = true;
        #[cfg(feature = "metrics")]
        metrics::gauge!(names::CONNECTIONS, "tls" => self.tls_label()).increment(1.0);
        #[cfg(feature = "tracing")]
        {
            tracing::Span::current().record("tls", true);
            tracing::debug!(target: "imap::connection", "TLS started");
        }
    }

    /// `n` octets came from the client.
    pub(crate) fn received(&mut self, n: usize) {
        self.received += n as u64;
        #[cfg(feature = "metrics")]
        metrics::counter!(names::RECEIVED).increment(n as u64);
    }

    /// `n` octets went to the client.
    pub(crate) fn sent(&mut self, n: usize) {
        self.sent += n as u64;
        #[cfg(feature = "metrics")]
        metrics::counter!(names::SENT).increment(n as u64);
    }

    /// A login is about to be checked for `user`.
    pub(crate) fn login(&mut self, user: &str) {
        if ENABLED {
            self.login_user = Some(user.to_owned());
        }
    }

    /// A store call took `took`.
    pub(crate) fn store(&self, call: StoreCall, took: Duration) {
        #[cfg(feature = "metrics")]
        {
            let work = match call {
                StoreCall::Command => "command",
                StoreCall::Updates => "updates",
                StoreCall::Step => "step",
            };
            metrics::histogram!(names::STORE_SECONDS, "work" => work).record(took.as_secs_f64());
        }
        #[cfg(not(feature = "metrics"))]
        let _ = (call, took);
    }

    /// Drains the machine's reports, and notes whether it idles.
    pub(crate) fn drain(&mut self, machine: &mut Machine) {
        if !ENABLED {
            return;
        }
        // The clock is read once per batch of reports, and not at all without one.
        let mut now = None;
        while let Some(report) = machine.poll_report() {
            let now = *now.get_or_insert_with(Instant::now);
            match report {
                Report::Started { tag, .. } => self.running.push((tag, now)),
                Report::Completed { tag, command, status } => {
                    let since = self.running.iter().rposition(|(t, _)| *t == tag).map(|i| self.running.remove(i).1);
                    self.completed(&tag, command, status, now - since.unwrap_or(now));
                }
                _ => {}
            }
        }
        let idling = machine.is_idling();
        if idling != self.idling {
            self.idling = idling;
            #[cfg(feature = "metrics")]
            {
                let g = metrics::gauge!(names::IDLE);
                if idling {
                    g.increment(1.0)
                } else {
                    g.decrement(1.0)
                }
            }
        }
    }

    fn completed(&mut self, tag: &Tag, command: Option<Cow<'static, str>>, status: StatusKind, took: Duration) {
        let command = command.unwrap_or(Cow::Borrowed("unknown"));
        let status_label = match status {
            StatusKind::Ok => "ok",
            StatusKind::No => "no",
            _ => "bad",
        };
        #[cfg(feature = "tracing")]
        tracing::debug!(
            target: "imap::command",
            tag = &*tag.to_str_lossy(),
            command = &*command,
            status = status_label,
            us = took.as_micros() as u64,
            "command"
        );
        #[cfg(not(feature = "tracing"))]
        let _ = tag;
        let login = command == "LOGIN" || command == "AUTHENTICATE";
        if login && status != StatusKind::Bad {
            let user = self.login_user.take();
            if status == StatusKind::Ok {
                #[cfg(feature = "tracing")]
                {
                    let span = tracing::Span::current();
                    if let Some(u) = &user {
                        span.record("user", tracing::field::display(u.escape_debug()));
                    }
                    tracing::info!(
                        target: "imap::auth",
                        user = %user.as_deref().unwrap_or("-").escape_debug(),
                        command = &*command,
                        "logged in"
                    );
                }
            } else {
                #[cfg(feature = "tracing")]
                tracing::info!(
                    target: "imap::auth",
                    user = %user.as_deref().unwrap_or("-").escape_debug(),
                    command = &*command,
                    status = status_label,
                    "login failed"
                );
                #[cfg(feature = "metrics")]
                metrics::counter!(names::AUTH_FAILURES).increment(1);
            }
            #[cfg(not(feature = "tracing"))]
            let _ = user;
        }
        #[cfg(feature = "metrics")]
        {
            metrics::counter!(names::COMMANDS, "command" => command.clone(), "status" => status_label).increment(1);
            metrics::histogram!(names::COMMAND_SECONDS, "command" => command).record(took.as_secs_f64());
        }
        #[cfg(not(any(feature = "metrics", feature = "tracing")))]
        let _ = (status_label, took);
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        #[cfg(feature = "metrics")]
        {
            metrics::gauge!(names::CONNECTIONS, "tls" => self.tls_label()).decrement(1.0);
            if self.idling {
                metrics::gauge!(names::IDLE).decrement(1.0);
            }
        }
        #[cfg(feature = "tracing")]
        tracing::info!(
            target: "imap::connection",
            secs = self.opened.elapsed().as_secs_f64(),
            bytes_in = self.received,
            bytes_out = self.sent,
            "connection closed"
        );
    }
}

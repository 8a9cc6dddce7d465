//! Updates across processes: one thread per backend holds a `LISTEN imapm` connection and
//! wakes this process's sessions when another process (or this one) changed a mailbox.
//!
//! A notification's payload is `user:mailbox:modseq` (`mailbox` 0 for a change to the
//! user's list of mailboxes or subscriptions; `modseq` the mailbox's HIGHESTMODSEQ after
//! the change). Notifications are not durable: one sent while
//! the connection is down is lost. So each second without one, and after every
//! reconnect, the thread also reads the log length of every mailbox a session watches
//! and wakes those that grew since it last looked: a session then reads the change log
//! from its cursor, so nothing is missed, only late.

use std::sync::{Arc, Weak};
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::NoTls;

use super::{lock, Inner};

/// How long the thread waits for a notification before it checks the logs itself.
const TICK: Duration = Duration::from_secs(1);

/// Starts the thread; it ends once the backend is dropped.
pub(crate) fn spawn(inner: Weak<Inner>) {
    let spawned = std::thread::Builder::new().name("imapm-pg-listen".into()).spawn(move || run(inner));
    // Without a thread, the sessions still hear of changes at their next command.
    drop(spawned);
}

fn run(weak: Weak<Inner>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let Some(inner) = weak.upgrade() else { return };
        let config = inner.config.clone();
        drop(inner);
        let mut client = match config.connect(NoTls) {
            Ok(c) => c,
            Err(_) => {
                std::thread::sleep(backoff);
                backoff = (backoff * 2).min(Duration::from_secs(5));
                if !tick(&weak) {
                    return;
                }
                continue;
            }
        };
        if client.batch_execute("LISTEN imapm").is_err() {
            continue;
        }
        backoff = Duration::from_millis(100);
        // Whatever happened while no one listened.
        if !tick(&weak) {
            return;
        }
        loop {
            let got = client.notifications().timeout_iter(TICK).next();
            match got {
                Ok(Some(note)) => {
                    let Some(inner) = weak.upgrade() else { return };
                    wake_payload(&inner, note.payload());
                }
                Ok(None) => {
                    if !tick(&weak) {
                        return;
                    }
                }
                // The connection broke: reconnect (and catch up).
                Err(_) => break,
            }
            if client.is_closed() {
                break;
            }
        }
    }
}

/// Wakes the watchers a `user:mailbox:modseq` payload names, and notes the mailbox's log
/// length so that the catch-up timer does not wake them again for it.
fn wake_payload(inner: &Inner, payload: &str) {
    let mut parts = payload.split(':').map(str::parse::<i64>);
    let (Some(Ok(user)), Some(Ok(mailbox))) = (parts.next(), parts.next()) else { return };
    if let (Some(Ok(modseq)), true) = (parts.next(), mailbox != 0) {
        // HIGHESTMODSEQ is the log length plus one (`rows.rs`).
        let mut w = lock(&inner.watchers);
        if let Some(seen) = w.seen.get_mut(&mailbox) {
            *seen = (*seen).max(modseq - 1);
        }
    }
    inner.wake(user, (mailbox != 0).then_some(mailbox));
}

/// The catch-up check; `false` once the backend is gone.
fn tick(weak: &Weak<Inner>) -> bool {
    let Some(inner) = weak.upgrade() else { return false };
    catch_up(&inner);
    true
}

/// Wakes the watchers of every watched mailbox whose log grew since the last look.
fn catch_up(inner: &Arc<Inner>) {
    let ids: Vec<i64> = lock(&inner.watchers).mailboxes.keys().copied().collect();
    if ids.is_empty() {
        return;
    }
    let Ok(mut c) = inner.pool.get() else { return };
    let Ok(rows) = c.query("SELECT id, log_len FROM imapm_mailboxes WHERE id = ANY($1)", &[&ids]) else { return };
    let mut grown = Vec::new();
    {
        let mut w = lock(&inner.watchers);
        for r in rows {
            let (id, len): (i64, i64) = (r.get(0), r.get(1));
            let before = w.seen.insert(id, len);
            if before.is_some_and(|b| b < len) {
                grown.push(id);
            }
        }
    }
    for id in grown {
        inner.wake_mailbox(id);
    }
}

impl Inner {
    /// Wakes the sessions watching `mailbox` (if any) and the user's watchers.
    pub(crate) fn wake(&self, user: i64, mailbox: Option<i64>) {
        let notifiers: Vec<_> = {
            let w = lock(&self.watchers);
            let by_mailbox = mailbox.and_then(|m| w.mailboxes.get(&m)).into_iter().flat_map(|m| m.values());
            by_mailbox.chain(w.users.get(&user).into_iter().flat_map(|m| m.values())).cloned().collect()
        };
        for n in notifiers {
            n();
        }
    }

    fn wake_mailbox(&self, mailbox: i64) {
        let notifiers: Vec<_> =
            lock(&self.watchers).mailboxes.get(&mailbox).into_iter().flat_map(|m| m.values()).cloned().collect();
        for n in notifiers {
            n();
        }
    }
}

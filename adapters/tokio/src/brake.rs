//! Failed logins per client address, shared by every connection of a server: an address
//! with more than `max` failures within `window` has its logins refused (`NO
//! [UNAVAILABLE]`, [`imap_machine::server::Server::refuse_logins`]) until its oldest
//! failure leaves the window, as Dovecot's anvil does. Other addresses are not slowed.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The table, cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct AuthBrake {
    max: usize,
    window: Duration,
    table: Arc<Mutex<HashMap<IpAddr, VecDeque<Instant>>>>,
}

/// Addresses kept before the table drops those whose failures all left the window.
const PRUNE_AT: usize = 4096;

impl AuthBrake {
    pub(crate) fn new(max: usize, window: Duration) -> AuthBrake {
        AuthBrake { max, window, table: Arc::default() }
    }

    /// Whether `ip`'s logins are refused at `now`.
    pub(crate) fn refused(&self, ip: IpAddr, now: Instant) -> bool {
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        let Some(times) = table.get_mut(&ip) else { return false };
        while times.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
            times.pop_front();
        }
        times.len() > self.max
    }

    /// `n` more failed logins from `ip` at `now`.
    pub(crate) fn failed(&self, ip: IpAddr, n: u64, now: Instant) {
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        if table.len() >= PRUNE_AT {
            let window = self.window;
            table.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        let times = table.entry(ip).or_default();
        for _ in 0..n {
            times.push_back(now);
        }
        // Only the last `max + 1` decide.
        while times.len() > self.max + 1 {
            times.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_than_max_in_the_window_are_refused_until_they_age() {
        let b = AuthBrake::new(3, Duration::from_secs(60));
        let (a, other): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        let t0 = Instant::now();
        b.failed(a, 3, t0);
        assert!(!b.refused(a, t0));
        b.failed(a, 1, t0 + Duration::from_secs(10));
        assert!(b.refused(a, t0 + Duration::from_secs(10)));
        assert!(!b.refused(other, t0 + Duration::from_secs(10)));
        assert!(!b.refused(a, t0 + Duration::from_secs(60)), "the first ones left the window");
    }
}

//! LIST and LSUB (RFC 3501 §6.3.8, §6.3.9): reference and pattern, wildcards, and the
//! `\Noselect` superiors LSUB owes a `%` pattern.

use std::collections::BTreeMap;

use super::{Backend, Session, SessionError};
use crate::server::Server;
use crate::types::{Data, IString, ListAttribute, ListItem, ListMailbox, Mailbox};

use super::super::MailboxInfo;

/// The hierarchy delimiter every store of ours uses.
const DELIMITER: u8 = b'/';

/// Whether `name` matches a LIST pattern (RFC 3501 §6.3.8): `*` matches anything, `%`
/// anything but the delimiter. Dynamic programming over (name, pattern) positions, so a
/// pattern of many wildcards costs O(name × pattern), never exponential time.
pub(super) fn matches_pattern(name: &[u8], pattern: &[u8]) -> bool {
    // reach[i]: the first `i` bytes of the name are matched by the pattern so far.
    let mut reach = vec![false; name.len() + 1];
    reach[0] = true;
    for &p in pattern {
        let mut next = vec![false; name.len() + 1];
        match p {
            b'*' | b'%' => {
                let mut open = false;
                for i in 0..=name.len() {
                    if i > 0 && p == b'%' && name[i - 1] == DELIMITER {
                        open = false;
                    }
                    open |= reach[i];
                    next[i] = open;
                }
            }
            c => {
                for i in 1..=name.len() {
                    next[i] = reach[i - 1] && name[i - 1] == c;
                }
            }
        }
        reach = next;
        if !reach.contains(&true) {
            return false;
        }
    }
    reach[name.len()]
}

/// The reference and pattern as one pattern; a pattern starting with the delimiter ignores
/// the reference. `INBOX` is case-insensitive.
pub(super) fn canonical_pattern(reference: &[u8], pattern: &[u8]) -> Vec<u8> {
    let mut full = if pattern.first() == Some(&DELIMITER) { Vec::new() } else { reference.to_vec() };
    full.extend_from_slice(pattern);
    if full.len() >= 5 && full[..5].eq_ignore_ascii_case(b"INBOX") && (full.len() == 5 || full[5] == DELIMITER) {
        full[..5].copy_from_slice(b"INBOX");
    }
    full
}

/// The LSUB answer (RFC 3501 §6.3.9): each subscribed name the pattern matches, with
/// `\Noselect` if it cannot be selected; and, for a subscribed name the pattern does not
/// match (`a/b/c` against `a/%`), its unsubscribed superiors that it does match, flagged
/// `\Noselect`.
pub(super) fn lsub_items(subscribed: &[String], all: &[MailboxInfo], pattern: &[u8]) -> Vec<MailboxInfo> {
    let mut out: BTreeMap<&str, Vec<ListAttribute>> = BTreeMap::new();
    let noselect = || vec![ListAttribute::NoSelect];
    for name in subscribed {
        if matches_pattern(name.as_bytes(), pattern) {
            let attributes = match all.iter().find(|i| i.name == *name) {
                // As in Dovecot: \Noselect and the special use, not the children.
                Some(info) => info
                    .attributes
                    .iter()
                    .filter(|a| !matches!(a, ListAttribute::HasChildren | ListAttribute::HasNoChildren))
                    .cloned()
                    .collect(),
                None => noselect(),
            };
            out.insert(name, attributes);
            continue;
        }
        for (k, _) in name.match_indices(DELIMITER as char) {
            let superior = &name[..k];
            if !subscribed.iter().any(|s| s == superior) && matches_pattern(superior.as_bytes(), pattern) {
                out.entry(superior).or_insert_with(noselect);
            }
        }
    }
    out.into_iter().map(|(name, attributes)| MailboxInfo { name: name.to_string(), attributes }).collect()
}

impl<B: Backend> Session<B> {
    /// LIST or LSUB.
    pub(super) fn list(
        &mut self,
        server: &mut Server,
        user: &B::User,
        reference: &Mailbox,
        pattern: &ListMailbox,
        lsub: bool,
    ) -> Result<(), SessionError> {
        let reference = reference.as_wire();
        if !lsub && pattern.as_wire().is_empty() {
            // LIST "" "": the delimiter and root (RFC 3501 §6.3.8).
            let item = ListItem {
                attributes: vec![ListAttribute::NoSelect],
                delimiter: Some(DELIMITER as char),
                mailbox: Mailbox::from_wire(IString::from_static("")),
                extended: None,
            };
            server.send_data(Data::List(item))?;
            return Ok(());
        }
        let full = canonical_pattern(reference, pattern.as_wire());
        let all = self.backend.list(user)?;
        let items = if lsub {
            lsub_items(&self.backend.subscriptions(user)?, &all, &full)
        } else {
            all.into_iter().filter(|i| matches_pattern(i.name.as_bytes(), &full)).collect()
        };
        for info in items {
            let name = IString::try_from(info.name).map_err(|_| super::StoreError::InvalidName)?;
            let item = ListItem {
                attributes: info.attributes,
                delimiter: Some(DELIMITER as char),
                mailbox: Mailbox::from_wire(name),
                extended: None,
            };
            server.send_data(if lsub { Data::Lsub(item) } else { Data::List(item) })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let cases: &[(&str, &str, bool)] = &[
            ("INBOX", "*", true),
            ("a/b", "%", false),
            ("a/b", "a/%", true),
            ("a/b/c", "a/%", false),
            ("a/b/c", "a/*", true),
            ("a/b/c", "%/%/%", true),
            ("abc", "a%c", true),
            ("a/c", "a%c", false),
            ("", "", true),
            ("x", "", false),
            ("abc", "*b", false),
            ("abcb", "*b", true),
        ];
        for (name, pattern, want) in cases {
            assert_eq!(matches_pattern(name.as_bytes(), pattern.as_bytes()), *want, "{name} {pattern}");
        }
        // Many wildcards against a long name: linear in each, not exponential.
        let name = "a".repeat(2000);
        let pattern = "*%".repeat(500) + "b";
        assert!(!matches_pattern(name.as_bytes(), pattern.as_bytes()));
    }

    #[test]
    fn lsub_percent_gives_noselect_superiors() {
        let all = vec![MailboxInfo { name: "a/b/c".into(), attributes: vec![ListAttribute::HasNoChildren] }];
        let subs = vec!["a/b/c".to_string()];
        let got = lsub_items(&subs, &all, b"a/%");
        assert_eq!(got, vec![MailboxInfo { name: "a/b".into(), attributes: vec![ListAttribute::NoSelect] }]);
        let got = lsub_items(&subs, &all, b"a/*");
        assert_eq!(got, vec![MailboxInfo { name: "a/b/c".into(), attributes: vec![] }]);
        let got = lsub_items(&subs, &all, b"%");
        assert_eq!(got, vec![MailboxInfo { name: "a".into(), attributes: vec![ListAttribute::NoSelect] }]);
    }
}

//! LIST and LSUB (RFC 3501 §6.3.8, §6.3.9): reference and pattern, wildcards, and the
//! `\Noselect` superiors LSUB owes a `%` pattern; the extended LIST of RFC 5258
//! (selection SUBSCRIBED, REMOTE, RECURSIVEMATCH with CHILDINFO, return SUBSCRIBED and
//! CHILDREN, several patterns), with RFC 6154's SPECIAL-USE options and RFC 5819's STATUS
//! return option.

use std::collections::{BTreeMap, BTreeSet};

use super::{Backend, Session, SessionError};
use crate::server::Server;
use crate::types::{
    Atom, Data, IString, ListAttribute, ListExtendedItem, ListItem, ListMailbox, ListOptions, ListReturnOption,
    ListSelectOption, Mailbox, StatusItem,
};

use super::super::{MailboxInfo, MailboxStatus};

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

/// The values of `items` in `st`, in the order asked; items the store does not keep
/// (`APPENDLIMIT`, `HIGHESTMODSEQ`) are left out.
pub(super) fn status_values(st: &MailboxStatus, items: &[StatusItem]) -> Vec<(StatusItem, u64)> {
    items
        .iter()
        .filter_map(|i| {
            let v = match i {
                StatusItem::Messages => u64::from(st.messages),
                StatusItem::Recent => u64::from(st.recent),
                StatusItem::UidNext => u64::from(st.uid_next),
                StatusItem::UidValidity => u64::from(st.uid_validity),
                StatusItem::Unseen => u64::from(st.unseen),
                StatusItem::Size => st.size,
                StatusItem::Deleted => u64::from(st.deleted),
                StatusItem::DeletedStorage => st.deleted_storage,
                // RFC 7162 §3.1.7: 0 from a store that keeps no mod-sequences.
                StatusItem::HighestModSeq => st.highest_modseq,
                StatusItem::AppendLimit | StatusItem::MailboxId => return None,
            };
            Some((*i, v))
        })
        .collect()
}

/// What an extended LIST asks for (RFC 5258 §3), checked: `BAD` for an unknown option
/// and for RECURSIVEMATCH without a selection option it could modify (alone or with
/// REMOTE, RFC 5258 §3.1). SPECIAL-USE with RECURSIVEMATCH is accepted, as Dovecot does.
#[derive(Debug)]
struct Ask<'a> {
    subscribed: bool,
    special_use: bool,
    recursive: bool,
    return_subscribed: bool,
    children: bool,
    return_special_use: bool,
    /// The items of the last STATUS return option (as Dovecot, a later one wins).
    status: Option<&'a [StatusItem]>,
}

impl<'a> Ask<'a> {
    fn of(options: &'a ListOptions) -> Result<Ask<'a>, SessionError> {
        if options.selection.iter().any(|o| matches!(o, ListSelectOption::Extension(_))) {
            return Err(SessionError::BadArguments("Unknown select options"));
        }
        if options.returns.iter().any(|o| matches!(o, ListReturnOption::Extension(_))) {
            return Err(SessionError::BadArguments("Unknown return options"));
        }
        let subscribed = options.selects(&ListSelectOption::Subscribed);
        let special_use = options.selects(&ListSelectOption::SpecialUse);
        let recursive = options.selects(&ListSelectOption::RecursiveMatch);
        if recursive && !subscribed && !special_use {
            return Err(SessionError::BadArguments("RECURSIVEMATCH must not be the only selection"));
        }
        let status = options.returns.iter().rev().find_map(|r| {
            if let ListReturnOption::Status(items) = r {
                Some(&items[..])
            } else {
                None
            }
        });
        Ok(Ask {
            subscribed,
            special_use,
            recursive,
            // SUBSCRIBED selection implies the return option (RFC 5258 §3.1).
            return_subscribed: subscribed || options.returns(&ListReturnOption::Subscribed),
            children: options.returns(&ListReturnOption::Children),
            return_special_use: special_use || options.returns(&ListReturnOption::SpecialUse),
            status,
        })
    }
}

/// The names `name/...` of `set` (strict inferiors), by range: they sort together.
fn inferiors<'s>(set: &'s BTreeSet<&str>, name: &str) -> impl Iterator<Item = &'s str> + 's {
    let lo = format!("{name}/");
    let hi = format!("{name}0"); // '0' is the byte after '/'
    set.range::<str, _>((std::ops::Bound::Included(lo.as_str()), std::ops::Bound::Excluded(hi.as_str())))
        .copied()
        .collect::<Vec<_>>()
        .into_iter()
}

/// One line of an extended LIST answer: a name with its attributes and extended items.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Listed {
    name: String,
    attributes: Vec<ListAttribute>,
    child_info: bool,
    /// Whether it is a mailbox that can be selected (it gets a STATUS).
    selectable: bool,
}

/// The extended LIST answer (RFC 5258 §3), in name order: the names matching one of
/// `patterns` (canonical) that meet the selection criteria, and with RECURSIVEMATCH those
/// with a descendant that does (with `CHILDINFO`; a name that does not meet the criteria
/// itself only when such a descendant is not listed, RFC 5258 §3.5). Attributes as
/// Dovecot gives them: a name without a mailbox (or a `\Noselect` one) is `\NonExistent`;
/// `\Subscribed`, children and special uses only when asked for.
fn extended_items(ask: &Ask<'_>, all: &[MailboxInfo], subscribed: &[String], patterns: &[Vec<u8>]) -> Vec<Listed> {
    let existing: BTreeMap<&str, &MailboxInfo> = all.iter().map(|i| (i.name.as_str(), i)).collect();
    let existing_names: BTreeSet<&str> = existing.keys().copied().collect();
    let subs: BTreeSet<&str> = subscribed.iter().map(String::as_str).collect();
    let exists = |name: &str| existing.get(name).is_some_and(|i| !i.attributes.contains(&ListAttribute::NoSelect));
    let selected = |name: &str| {
        (if ask.subscribed { subs.contains(name) } else { existing.contains_key(name) })
            && (!ask.special_use
                || existing.get(name).is_some_and(|i| i.attributes.iter().any(ListAttribute::is_special_use)))
    };
    let mut universe: BTreeSet<&str> = existing_names.clone();
    if ask.subscribed {
        universe.extend(subs.iter().copied());
    }
    let chosen: BTreeSet<&str> = universe.iter().copied().filter(|n| selected(n)).collect();
    if ask.recursive {
        for name in &chosen {
            universe.extend(name.match_indices('/').map(|(k, _)| &name[..k]));
        }
    }
    let matches = |name: &str| patterns.iter().any(|p| matches_pattern(name.as_bytes(), p));
    let mut out = Vec::new();
    for name in universe.iter().copied().filter(|n| matches(n)) {
        let meets = chosen.contains(name);
        // CHILDINFO describes the SUBSCRIBED criterion (RFC 5258 §3.5); SPECIAL-USE has none.
        let child_info = ask.recursive
            && ask.subscribed
            && if meets {
                inferiors(&chosen, name).next().is_some()
            } else {
                inferiors(&chosen, name).any(|d| !matches(d))
            };
        if !meets && !child_info {
            continue;
        }
        let info = existing.get(name);
        let selectable = exists(name);
        let mut attributes = Vec::new();
        if !selectable {
            attributes.push(ListAttribute::NonExistent);
        }
        if let Some(info) = info {
            attributes.extend(
                info.attributes
                    .iter()
                    .filter(|a| {
                        !matches!(
                            a,
                            ListAttribute::NoSelect | ListAttribute::HasChildren | ListAttribute::HasNoChildren
                        ) && !a.is_special_use()
                    })
                    .cloned(),
            );
        }
        if ask.return_subscribed && subs.contains(name) {
            attributes.push(ListAttribute::Subscribed);
        }
        if ask.children {
            let has = inferiors(&existing_names, name).next().is_some();
            attributes.push(if has { ListAttribute::HasChildren } else { ListAttribute::HasNoChildren });
        }
        if ask.return_special_use {
            if let Some(info) = info {
                attributes.extend(info.attributes.iter().filter(|a| a.is_special_use()).cloned());
            }
        }
        out.push(Listed { name: name.to_string(), attributes, child_info, selectable });
    }
    out
}

impl<B: Backend> Session<B> {
    /// An extended LIST (RFC 5258 §3, RFC 5819, RFC 6154 §3; the RFC 9051 §6.3.9 form):
    /// the LIST lines, each selectable mailbox's STATUS after its line when asked for.
    pub(super) fn list_extended(
        &mut self,
        server: &mut Server,
        user: &B::User,
        reference: &Mailbox,
        patterns: &[ListMailbox],
        options: &ListOptions,
    ) -> Result<(), SessionError> {
        let ask = Ask::of(options)?;
        let patterns: Vec<Vec<u8>> =
            patterns.iter().map(|p| canonical_pattern(reference.as_wire(), p.as_wire())).collect();
        let all = self.backend.list(user)?;
        let subscribed =
            if ask.subscribed || ask.return_subscribed { self.backend.subscriptions(user)? } else { Vec::new() };
        for listed in extended_items(&ask, &all, &subscribed, &patterns) {
            let name = IString::try_from(listed.name).map_err(|_| super::StoreError::InvalidName)?;
            let mailbox = Mailbox::from_wire(name);
            let extended = if listed.child_info {
                vec![ListExtendedItem::ChildInfo(vec![Atom::from_static("SUBSCRIBED")])]
            } else {
                Vec::new()
            };
            let item = ListItem {
                attributes: listed.attributes,
                delimiter: Some(DELIMITER as char),
                mailbox: mailbox.clone(),
                extended,
            };
            server.send_data(Data::List(item))?;
            if let (Some(items), true) = (ask.status, listed.selectable) {
                // A mailbox gone since the listing gets no STATUS (RFC 5819 §2 asks for
                // one per selectable mailbox listed; this one no longer is).
                let name = super::wire_name(&mailbox)?;
                if let Ok(st) = self.backend.status(user, &name) {
                    // MAILBOXID (RFC 8474 §4.2) as the STATUS command answers it.
                    let mailbox_id = if items.contains(&StatusItem::MailboxId) && self.backend.object_ids() {
                        self.backend.mailbox_id(user, &name).ok().flatten()
                    } else {
                        None
                    };
                    server.send_data(Data::Status { mailbox, items: status_values(&st, items), mailbox_id })?;
                }
            }
        }
        if ask.status.is_some() {
            // As after STATUS: the selected mailbox's own changes go out before the OK.
            self.finish_sync = Some(super::Sync::Full);
        }
        Ok(())
    }

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
                extended: Vec::new(),
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
                extended: Vec::new(),
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

//! The mailbox names of the in-memory backend: LIST, CREATE (with special uses, RFC
//! 6154), DELETE and RENAME (RFC 3501 §6.3.3-§6.3.5, §6.3.8), whose trait methods in
//! `mod.rs` call these.

use super::*;

impl MemoryBackend {
    pub(super) fn list_mailboxes(&self, user: &UserData) -> Result<Vec<MailboxInfo>, StoreError> {
        let st = lock(&user.state);
        let names: Vec<&String> = st.mailboxes.keys().collect();
        Ok(st
            .mailboxes
            .iter()
            .map(|(name, data)| {
                let mut attributes = Vec::new();
                if lock(&data.inner).noselect {
                    attributes.push(ListAttribute::NoSelect);
                }
                let children = names.iter().any(|n| is_inferior(n, name));
                attributes.push(if children { ListAttribute::HasChildren } else { ListAttribute::HasNoChildren });
                attributes.extend(data.special_use.iter().cloned());
                MailboxInfo { name: name.clone(), attributes }
            })
            .collect())
    }

    /// The special uses of RFC 6154 §2 but `\All` (no mailbox here holds every message: as
    /// in the RFC's example, `NO [USEATTR]`), kept with the mailbox (RENAME keeps them).
    pub(super) fn create_mailbox(&self, user: &UserData, name: &str, uses: &[ListAttribute]) -> Result<(), StoreError> {
        if !uses.iter().all(|a| a.is_special_use() && *a != ListAttribute::All) {
            return Err(StoreError::UseAttr);
        }
        let name = name.strip_suffix(DELIMITER).unwrap_or(name);
        if !valid_name(name) {
            return Err(StoreError::InvalidName);
        }
        let mut st = lock(&user.state);
        if st.mailboxes.contains_key(name) {
            return Err(StoreError::AlreadyExists);
        }
        // Superior names are created too (RFC 3501 §6.3.3).
        let mut at = 0;
        while let Some(k) = name[at..].find(DELIMITER) {
            let sup = &name[..at + k];
            if !st.mailboxes.contains_key(sup) {
                let data = self.new_mailbox(&user.watchers, Vec::new());
                st.mailboxes.insert(sup.to_string(), data);
            }
            at += k + 1;
        }
        let mut uses = uses.to_vec();
        uses.dedup();
        let data = self.new_mailbox(&user.watchers, uses);
        st.mailboxes.insert(name.to_string(), data);
        drop(st);
        user.wake();
        Ok(())
    }

    pub(super) fn delete_mailbox(&self, user: &UserData, name: &str) -> Result<(), StoreError> {
        if name == "INBOX" {
            return Err(StoreError::Cannot("INBOX cannot be deleted"));
        }
        let mut st = lock(&user.state);
        let data = st.mailboxes.get(name).cloned().ok_or(StoreError::NoSuchMailbox)?;
        let has_children = st.mailboxes.keys().any(|n| is_inferior(n, name));
        let mut inner = lock(&data.inner);
        if has_children {
            // RFC 3501 §6.3.4: the messages go and the name becomes \Noselect, unless it
            // already is.
            if inner.noselect {
                return Err(StoreError::Cannot("mailbox has inferior hierarchical names"));
            }
            inner.noselect = true;
            let uids: Vec<u32> = inner.uids.iter().collect();
            let modseq = inner.next_modseq();
            for uid in uids {
                inner.expunge_one(uid, modseq);
            }
            inner.wake();
            return Ok(());
        }
        drop(inner);
        st.mailboxes.remove(name);
        // Its METADATA goes with it (RFC 5464 §3.1), not to a later mailbox of that name;
        // so does its URLAUTH key (the URLs made with it are revoked).
        st.metadata.retain(|(m, _), _| m != name);
        st.url_keys.remove(name);
        drop(st);
        user.wake();
        Ok(())
    }

    pub(super) fn rename_mailbox(&self, user: &UserData, from: &str, to: &str) -> Result<(), StoreError> {
        let to = to.strip_suffix(DELIMITER).unwrap_or(to);
        if !valid_name(to) {
            return Err(StoreError::InvalidName);
        }
        let mut st = lock(&user.state);
        if !st.mailboxes.contains_key(from) {
            return Err(StoreError::NoSuchMailbox);
        }
        if st.mailboxes.contains_key(to) || to == "INBOX" {
            return Err(StoreError::AlreadyExists);
        }
        if is_inferior(to, from) {
            return Err(StoreError::Cannot("cannot rename a mailbox into its own inferior"));
        }
        if from == "INBOX" {
            // §6.3.5: INBOX's messages move to the new name; INBOX stays, empty.
            let new = self.new_mailbox(&user.watchers, Vec::new());
            {
                let inbox = st.mailboxes["INBOX"].clone();
                let mut src = lock(&inbox.inner);
                let mut dst = lock(&new.inner);
                let uids: Vec<u32> = src.uids.iter().collect();
                let modseq = src.next_modseq();
                for uid in uids {
                    if let Some(m) = src.messages.get(&uid) {
                        // Moved, not saved anew: the save date stays.
                        let ids = m.ids.clone();
                        insert(&mut dst, &m.flags, m.internal_date, m.body.clone(), Some(m.parsed.clone()), ids);
                    }
                    src.expunge_one(uid, modseq);
                }
                src.wake();
            }
            st.mailboxes.insert(to.to_string(), new);
            drop(st);
            user.wake();
            return Ok(());
        }
        let moving: Vec<String> = st.mailboxes.keys().filter(|n| *n == from || is_inferior(n, from)).cloned().collect();
        for old in moving {
            let data = st.mailboxes.remove(&old).expect("listed");
            st.mailboxes.insert(format!("{to}{}", &old[from.len()..]), data);
        }
        // URLs name the old names: their keys go.
        st.url_keys.retain(|m, _| m != from && !is_inferior(m, from));
        // METADATA goes with its mailboxes (RFC 5464 §3.1).
        let entries: Vec<(String, String)> =
            st.metadata.keys().filter(|(m, _)| m == from || is_inferior(m, from)).cloned().collect();
        for (m, e) in entries {
            let v = st.metadata.remove(&(m.clone(), e.clone())).expect("listed");
            st.metadata.insert((format!("{to}{}", &m[from.len()..]), e), v);
        }
        // Superiors of the new name.
        let mut at = 0;
        while let Some(k) = to[at..].find(DELIMITER) {
            let sup = to[..at + k].to_string();
            st.mailboxes.entry(sup).or_insert_with(|| self.new_mailbox(&user.watchers, Vec::new()));
            at += k + 1;
        }
        drop(st);
        user.wake();
        Ok(())
    }
}

//! LIST commands and the extended data of LIST responses: RFC 3501 §6.3.8, RFC 5258 §6
//! (LIST-EXTENDED), RFC 5819 §4 (LIST-STATUS), RFC 6154 §6 and RFC 9051 §9.

use super::command::{list_mailbox, mailbox};
use super::Writer;
use crate::types::{
    ListExtendedItem, ListMailbox, ListOptionExtension, ListOptions, ListReturnOption, ListSelectOption, Mailbox,
};

/// `list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]`.
/// Without options and with one pattern, the RFC 3501 form. With options, the selection
/// is written (as `()` if empty) unless only return options are given.
pub(super) fn list(w: &mut Writer<'_>, reference: &Mailbox, patterns: &[ListMailbox], options: Option<&ListOptions>) {
    w.raw(b"LIST ");
    if let Some(o) = options {
        if !o.selection.is_empty() || o.returns.is_empty() {
            w.byte(b'(');
            for (n, s) in o.selection.iter().enumerate() {
                if n > 0 {
                    w.sp();
                }
                list_select_opt(w, s);
            }
            w.raw(b") ");
        }
    }
    mailbox(w, reference);
    w.sp();
    mbox_or_pat(w, patterns);
    if let Some(o) = options.filter(|o| !o.returns.is_empty()) {
        w.raw(b" RETURN (");
        for (n, r) in o.returns.iter().enumerate() {
            if n > 0 {
                w.sp();
            }
            return_option(w, r);
        }
        w.byte(b')');
    }
}

/// `mbox-or-pat = list-mailbox / patterns`: one pattern bare, more in parentheses.
fn mbox_or_pat(w: &mut Writer<'_>, patterns: &[ListMailbox]) {
    if let [one] = patterns {
        list_mailbox(w, one);
        return;
    }
    w.byte(b'(');
    for (n, p) in patterns.iter().enumerate() {
        if n > 0 {
            w.sp();
        }
        list_mailbox(w, p);
    }
    w.byte(b')');
}

/// `list-select-opt`.
fn list_select_opt(w: &mut Writer<'_>, o: &ListSelectOption) {
    match o {
        ListSelectOption::Extension(e) => option_extension(w, e),
        named => {
            let name = ListSelectOption::NAMED.iter().find(|(x, _)| x == named).map(|(_, n)| *n);
            w.raw(name.expect("named option").as_bytes());
        }
    }
}

/// `return-option`.
fn return_option(w: &mut Writer<'_>, o: &ListReturnOption) {
    match o {
        ListReturnOption::Extension(e) => option_extension(w, e),
        ListReturnOption::Status(items) => {
            w.raw(b"STATUS (");
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    w.sp();
                }
                w.raw(item.as_str().as_bytes());
            }
            w.byte(b')');
        }
        named => {
            let name = ListReturnOption::NAMED.iter().find(|(x, _)| x == named).map(|(_, n)| *n);
            w.raw(name.expect("named option").as_bytes());
        }
    }
}

/// `option-extension = (option-standard-tag / option-vendor-tag) [SP option-value]`.
fn option_extension(w: &mut Writer<'_>, e: &ListOptionExtension) {
    w.raw(e.name.as_bytes());
    if let Some(v) = &e.value {
        w.sp();
        w.raw(v);
    }
}

/// `SP mbox-list-extended` when there are items: `"(" [mbox-list-extended-item *(SP
/// mbox-list-extended-item)] ")"`. `CHILDINFO` and `OLDNAME` are written as Dovecot
/// writes them, the tag an atom and the values quoted.
pub(super) fn mbox_list_extended(w: &mut Writer<'_>, items: &[ListExtendedItem]) {
    if items.is_empty() {
        return;
    }
    w.raw(b" (");
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            w.sp();
        }
        match item {
            ListExtendedItem::ChildInfo(criteria) => {
                w.raw(b"CHILDINFO (");
                for (k, c) in criteria.iter().enumerate() {
                    if k > 0 {
                        w.sp();
                    }
                    w.quoted(c.as_bytes());
                }
                w.byte(b')');
            }
            ListExtendedItem::OldName(m) => {
                w.raw(b"OLDNAME (");
                match m {
                    Mailbox::Inbox => w.quoted(b"INBOX"),
                    Mailbox::Other(s) => w.string(s),
                }
                w.byte(b')');
            }
            ListExtendedItem::Other { tag, value } => {
                w.astring(tag);
                w.sp();
                w.raw(value);
            }
        }
    }
    w.byte(b')');
}

//! Encoding of the CONDSTORE and QRESYNC forms (RFC 7162 §7), the inverse of
//! `codec::parse::condstore`.

use super::Writer;
use crate::types::{FetchModifier, ModSeqEntry, SelectParam, SequenceSet};

/// `[select-params]`: `SP "(" select-param *(SP select-param) ")"` (RFC 4466 §2.1), nothing
/// for an empty list.
pub(super) fn select_params(w: &mut Writer<'_>, params: &[SelectParam]) {
    for (k, p) in params.iter().enumerate() {
        w.raw(if k == 0 { b" (" } else { b" " });
        match p {
            SelectParam::CondStore => w.raw(b"CONDSTORE"),
            SelectParam::QResync(q) => {
                w.raw(b"QRESYNC (");
                w.number(q.uid_validity.get());
                w.sp();
                w.number(q.mod_seq);
                if let Some(uids) = &q.known_uids {
                    w.sp();
                    w.display(uids);
                }
                if let Some(m) = &q.seq_match {
                    w.raw(b" (");
                    w.display(&m.seqs);
                    w.sp();
                    w.display(&m.uids);
                    w.byte(b')');
                }
                w.byte(b')');
            }
        }
    }
    if !params.is_empty() {
        w.byte(b')');
    }
}

/// `[store-modifiers]`: `SP "(" "UNCHANGEDSINCE" SP mod-sequence-valzer ")"` (RFC 4466
/// §2.5, RFC 7162 §7).
pub(super) fn store_modifiers(w: &mut Writer<'_>, unchanged_since: Option<u64>) {
    if let Some(n) = unchanged_since {
        w.raw(b" (UNCHANGEDSINCE ");
        w.number(n);
        w.byte(b')');
    }
}

/// `[fetch-modifiers]`: `SP "(" fetch-modifier *(SP fetch-modifier) ")"` (RFC 4466 §2.4,
/// RFC 9394 §4, RFC 7162 §7), nothing for an empty list.
pub(super) fn fetch_modifiers(w: &mut Writer<'_>, modifiers: &[FetchModifier]) {
    for (k, m) in modifiers.iter().enumerate() {
        w.raw(if k == 0 { b" (" } else { b" " });
        match m {
            FetchModifier::Partial(range) => {
                w.raw(b"PARTIAL ");
                w.display(range);
            }
            FetchModifier::ChangedSince(n) => {
                w.raw(b"CHANGEDSINCE ");
                w.number(*n);
            }
            FetchModifier::Vanished => w.raw(b"VANISHED"),
        }
    }
    if !modifiers.is_empty() {
        w.byte(b')');
    }
}

/// `search-modsequence = "MODSEQ" [search-modseq-ext] SP mod-sequence-valzer`,
/// `search-modseq-ext = SP entry-name SP entry-type-req` (RFC 7162 §7).
pub(super) fn search_modsequence(w: &mut Writer<'_>, entry: Option<&ModSeqEntry>, modseq: u64) {
    w.raw(b"MODSEQ ");
    if let Some(e) = entry {
        w.quoted(e.name().as_bytes());
        w.sp();
        w.raw(e.kind.as_str().as_bytes());
        w.sp();
    }
    w.number(modseq);
}

/// `expunged-resp = "VANISHED" [SP "(EARLIER)"] SP known-uids` (RFC 7162 §7).
pub(super) fn expunged_resp(w: &mut Writer<'_>, earlier: bool, uids: &SequenceSet) {
    w.raw(if earlier { b"VANISHED (EARLIER) " } else { b"VANISHED " });
    w.display(uids);
}

/// `"MODIFIED" SP sequence-set` (RFC 7162 §7 `resp-text-code`).
pub(super) fn modified(w: &mut Writer<'_>, set: &SequenceSet) {
    w.raw(b"MODIFIED ");
    w.display(set);
}

//! CONDSTORE and QRESYNC (RFC 7162 §7): SELECT/EXAMINE parameters, the STORE modifier,
//! the MODSEQ search key and the VANISHED response. The FETCH modifiers are parsed with
//! the others in `command::fetch_modifiers`, the FETCH attribute in `fetch::fetch_att`.

use super::core::{byte, keyword, number64, nz_number, quoted, sequence_set, sp, take_class, unexpected};
use super::input::{fail, In, PResult, ParseErrorKind};
use crate::types::chars::ATOM;
use crate::types::{Data, EntryType, ModSeqEntry, QResync, SearchKey, SelectParam, SeqMatch};

/// `mod-sequence-value = 1*DIGIT` (RFC 7162 §7), at most 2^63-1 (a larger number is
/// `NumberTooLarge`). RFC 7162 calls it positive in a comment; the grammar admits `0`,
/// and so does this parser (the caller decides what a zero means).
pub(crate) fn mod_sequence_value(i: In<'_>) -> PResult<'_, u64> {
    number64(i)
}

/// `mod-sequence-valzer = "0" / mod-sequence-value` (RFC 7162 §7).
pub(crate) fn mod_sequence_valzer(i: In<'_>) -> PResult<'_, u64> {
    number64(i)
}

/// `select-params = SP "(" select-param *(SP select-param) ")"` (RFC 4466 §2.1) with the
/// params of RFC 7162 §7: `select-param =/ condstore-param`, `condstore-param =
/// "CONDSTORE"`, and `select-param =/ "QRESYNC" SP "(" uidvalidity SP mod-sequence-value
/// [SP known-uids] [SP seq-match-data] ")"`. Optional: the input starts after the mailbox
/// and an absent `select-params` gives an empty list. A repeated param is kept (the server
/// decides).
pub(crate) fn select_params(i: In<'_>) -> PResult<'_, Vec<SelectParam>> {
    let Ok((mut i, ())) = keyword(i, " (") else { return Ok((i, Vec::new())) };
    let mut params = Vec::new();
    loop {
        let (j, name) = take_class(i, ATOM, "select-param")?;
        let n = name.as_slice();
        let (j, param) = if n.eq_ignore_ascii_case(b"CONDSTORE") {
            (j, SelectParam::CondStore)
        } else if n.eq_ignore_ascii_case(b"QRESYNC") {
            let (j, ()) = sp(j)?;
            let (j, q) = qresync_param(j)?;
            (j, SelectParam::QResync(q))
        } else {
            return fail(i, ParseErrorKind::Expected("CONDSTORE or QRESYNC"));
        };
        params.push(param);
        match j.first() {
            Some(b' ') => i = j.advance(1),
            Some(b')') => return Ok((j.advance(1), params)),
            _ => return unexpected(j, "SP or )"),
        }
    }
}

/// `"(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"`, the
/// value of the `QRESYNC` select-param (RFC 7162 §7), with `uidvalidity = nz-number`,
/// `known-uids = sequence-set`.
fn qresync_param(i: In<'_>) -> PResult<'_, QResync> {
    let (i, ()) = byte(b'(', "(")(i)?;
    let (i, uid_validity) = nz_number(i)?;
    let (i, ()) = sp(i)?;
    let (mut i, mod_seq) = mod_sequence_value(i)?;
    let mut known_uids = None;
    let mut seq_match = None;
    if i.first() == Some(b' ') && i.as_slice().get(1) != Some(&b'(') {
        let (j, set) = sequence_set(i.advance(1))?;
        known_uids = Some(set);
        i = j;
    }
    if i.first() == Some(b' ') {
        let (j, m) = seq_match_data(i.advance(1))?;
        seq_match = Some(m);
        i = j;
    }
    let (i, ()) = byte(b')', ")")(i)?;
    Ok((i, QResync { uid_validity, mod_seq, known_uids, seq_match }))
}

/// `seq-match-data = "(" known-sequence-set SP known-uid-set ")"` (RFC 7162 §7).
fn seq_match_data(i: In<'_>) -> PResult<'_, SeqMatch> {
    let (i, ()) = byte(b'(', "(")(i)?;
    let (i, seqs) = sequence_set(i)?;
    let (i, ()) = sp(i)?;
    let (i, uids) = sequence_set(i)?;
    let (i, ()) = byte(b')', ")")(i)?;
    Ok((i, SeqMatch { seqs, uids }))
}

/// `store-modifiers = SP "(" store-modifier *(SP store-modifier) ")"` (RFC 4466 §2.5),
/// `store-modifier =/ "UNCHANGEDSINCE" SP mod-sequence-valzer` (RFC 7162 §7; "only a
/// single UNCHANGEDSINCE may be specified"). Optional: the input starts after the
/// sequence set; returns the UNCHANGEDSINCE value, if any.
pub(crate) fn store_modifiers(i: In<'_>) -> PResult<'_, Option<u64>> {
    let Ok((i, ())) = keyword(i, " (") else { return Ok((i, None)) };
    let (i, ()) = keyword(i, "UNCHANGEDSINCE ")?;
    let (i, n) = mod_sequence_valzer(i)?;
    let (i, ()) = byte(b')', ")")(i)?;
    Ok((i, Some(n)))
}

/// `search-modsequence = "MODSEQ" [search-modseq-ext] SP mod-sequence-valzer`,
/// `search-modseq-ext = SP entry-name SP entry-type-req` (RFC 7162 §7), after `MODSEQ`.
pub(crate) fn search_modsequence(i: In<'_>) -> PResult<'_, SearchKey> {
    let (i, ()) = sp(i)?;
    let (i, entry) = if i.first() == Some(b'"') {
        let (j, e) = search_modseq_ext(i)?;
        (sp(j)?.0, Some(e))
    } else {
        (i, None)
    };
    let (i, modseq) = mod_sequence_valzer(i)?;
    Ok((i, SearchKey::ModSeq { entry, modseq }))
}

/// `entry-name SP entry-type-req`, with `entry-name = entry-flag-name = DQUOTE "/flags/"
/// attr-flag DQUOTE` and `entry-type-req = "priv" / "shared" / "all"` (RFC 7162 §7).
fn search_modseq_ext(i: In<'_>) -> PResult<'_, ModSeqEntry> {
    let (j, name) = quoted(i)?;
    let (j, ()) = sp(j)?;
    let (k, t) = take_class(j, ATOM, "entry-type-req")?;
    let Some(kind) = EntryType::from_name(t.as_slice()) else {
        return fail(j, ParseErrorKind::Expected("priv, shared or all"));
    };
    match ModSeqEntry::new(name.to_bytes(), kind) {
        Ok(entry) => Ok((k, entry)),
        Err(_) => fail(i, ParseErrorKind::Expected("entry-flag-name")),
    }
}

/// `expunged-resp = "VANISHED" [SP "(EARLIER)"] SP known-uids` (RFC 7162 §7), after
/// `VANISHED`; `known-uids = sequence-set`.
pub(crate) fn expunged_resp(i: In<'_>) -> PResult<'_, Data> {
    let (i, earlier) = match keyword(i, " (EARLIER)") {
        Ok((j, ())) => (j, true),
        Err(_) => (i, false),
    };
    let (i, ()) = sp(i)?;
    let (i, uids) = sequence_set(i)?;
    Ok((i, Data::Vanished { earlier, uids }))
}

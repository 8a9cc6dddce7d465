//! Strategies for the CONDSTORE and QRESYNC forms (RFC 7162).

use proptest::prelude::*;

use super::{atom, flag, nz, partial_range, sequence_set};
use crate::types::*;

/// Mod-sequences: small, and anywhere in the 63 bits RFC 7162 §7 allows (0 included, which
/// `mod-sequence-valzer` takes and the parser admits everywhere).
pub fn mod_seq() -> impl Strategy<Value = u64> {
    super::u63()
}

/// The `QRESYNC` SELECT parameter (RFC 7162 §3.2.5), with and without its optional parts.
pub fn qresync() -> impl Strategy<Value = QResync> {
    let seq_match = (sequence_set(), sequence_set()).prop_map(|(seqs, uids)| SeqMatch { seqs, uids });
    (nz(), mod_seq(), proptest::option::of(sequence_set()), proptest::option::of(seq_match)).prop_map(
        |(uid_validity, mod_seq, known_uids, seq_match)| QResync { uid_validity, mod_seq, known_uids, seq_match },
    )
}

/// SELECT/EXAMINE parameters (RFC 4466 §2.1, RFC 7162): none, CONDSTORE, QRESYNC or
/// both, each at most once, in either order.
pub fn select_params() -> impl Strategy<Value = Vec<SelectParam>> {
    (any::<bool>(), proptest::option::of(qresync()))
        .prop_map(|(c, q)| {
            let mut v = Vec::new();
            if c {
                v.push(SelectParam::CondStore);
            }
            v.extend(q.map(SelectParam::QResync));
            v
        })
        .prop_shuffle()
}

/// FETCH modifiers (RFC 4466 §2.4): PARTIAL, CHANGEDSINCE and VANISHED, each at most
/// once, in any order.
pub fn fetch_modifiers() -> impl Strategy<Value = Vec<FetchModifier>> {
    (proptest::option::of(partial_range()), proptest::option::of(mod_seq()), any::<bool>())
        .prop_map(|(p, c, v)| {
            let mut out = Vec::new();
            out.extend(p.map(FetchModifier::Partial));
            out.extend(c.map(FetchModifier::ChangedSince));
            if v {
                out.push(FetchModifier::Vanished);
            }
            out
        })
        .prop_shuffle()
}

/// The entry of a `SEARCH MODSEQ` (RFC 7162 §3.4): a flag's entry as RFC 7162 spells it,
/// or one in other cases.
pub fn modseq_entry() -> impl Strategy<Value = ModSeqEntry> {
    let kind = prop_oneof![Just(EntryType::Private), Just(EntryType::Shared), Just(EntryType::All)];
    prop_oneof![
        (flag(), kind.clone()).prop_map(|(f, k)| ModSeqEntry::for_flag(&f, k)),
        (any::<bool>(), atom(), kind).prop_map(|(slash, a, k)| {
            let name = format!("/FLAGS/{}{a}", if slash { "\\" } else { "" });
            ModSeqEntry::new(name, k).expect("valid entry name")
        }),
    ]
}

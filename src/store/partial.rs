//! FETCH of partials of the whole message (`BODY[]<0.1024>`, RFC 3501 §6.4.5) without
//! reading the message: the store gives the metadata ([`Backend::fetch_meta`]) and each
//! range ([`Backend::fetch_range`]), and the items come out as [`super::fetch::items`]
//! makes them from the whole message.
//!
//! `BINARY[]<o.n>` is not among them: the whole message's BINARY decodes a single-part
//! message's body by its transfer encoding, so it needs the header.

use std::ops::Range;

use bytes::Bytes;

use super::{fetch, Backend, MessageData, SessionId, StoreError};
use crate::mime::{self, BinaryError};
use crate::types::{FetchAttribute, FetchItem, IString};

/// The octets a whole-message partial asks for, if `a` is one (`BODY[]<o.n>`,
/// `BODY.PEEK[]<o.n>`).
fn whole_partial(a: &FetchAttribute) -> Option<Range<u64>> {
    match a {
        FetchAttribute::BodySection { section, partial: Some(p), .. }
            if section.part.is_empty() && section.text.is_none() =>
        {
            let start = u64::from(p.offset);
            Some(start..start + u64::from(p.length.get()))
        }
        _ => None,
    }
}

/// The ranges of the whole-message partials among `atts`, in order, when they are the
/// only items that read the message; `None` otherwise (no such partial, or another item
/// needs the message).
pub(crate) fn whole_partials(atts: &[FetchAttribute]) -> Option<Vec<Range<u64>>> {
    let mut ranges = Vec::new();
    for a in atts.iter().filter(|a| fetch::needs_body(a)) {
        ranges.push(whole_partial(a)?);
    }
    (!ranges.is_empty()).then_some(ranges)
}

/// Reads `ranges` of each message of `data` (as [`Backend::fetch_meta`] gave them, in the
/// order of `uids`): for each message, its ranges in order; none for a message that is
/// gone, and a message the store lost meanwhile becomes `None` in `data`.
pub(crate) fn read_ranges<B: Backend>(
    backend: &B,
    user: &B::User,
    name: &str,
    session: SessionId,
    ranges: &[Range<u64>],
    data: &mut [Option<MessageData>],
) -> Result<Vec<Vec<Bytes>>, StoreError> {
    let mut out = Vec::with_capacity(data.len());
    for slot in data.iter_mut() {
        let mut read = Vec::with_capacity(ranges.len());
        if let Some(m) = slot.as_ref() {
            for r in ranges {
                match backend.fetch_range(user, name, session, m.uid, r.clone())? {
                    Some(bytes) => read.push(bytes),
                    None => {
                        *slot = None;
                        read.clear();
                        break;
                    }
                }
            }
        }
        out.push(read);
    }
    Ok(out)
}

/// The FETCH items of `atts` for one message (metadata in `msg`, the whole-message
/// partials in `ranges`, in order), the same as [`super::fetch::items`] makes them from
/// the whole message.
pub(crate) fn ranged_items(
    msg: &MessageData,
    atts: &[FetchAttribute],
    recent: bool,
    ranges: Vec<Bytes>,
) -> Result<Vec<FetchItem>, BinaryError> {
    let mut ranges = ranges.into_iter();
    let mut out = Vec::with_capacity(atts.len());
    for a in atts {
        let range = if whole_partial(a).is_some() { ranges.next() } else { None };
        match (a, range) {
            (FetchAttribute::BodySection { section, partial, .. }, Some(data)) => out.push(FetchItem::BodySection {
                section: section.clone(),
                origin: partial.map(|p| p.offset),
                // As `mime::Message::section` has it: NUL, which a string can't hold, is 0x80.
                data: Some(IString::unvalidated(mime::without_nul(data))),
            }),
            _ => out.extend(fetch::items(msg, std::slice::from_ref(a), recent)?),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;

    use proptest::prelude::*;

    use super::*;
    use crate::store::memory::MemoryBackend;
    use crate::types::{DateTime, Flag, Partial, Section, SectionText};

    fn body(peek: bool, section: Section, partial: Option<(u32, u32)>) -> FetchAttribute {
        let partial = partial.map(|(offset, n)| Partial { offset, length: NonZeroU32::new(n).unwrap() });
        FetchAttribute::BodySection { peek, section, partial }
    }

    /// FETCH attributes, and the ranges read for them (`None`: the messages are read).
    type Case = (Vec<FetchAttribute>, Option<&'static [(u64, u64)]>);

    #[test]
    fn which_fetches_read_ranges() {
        let whole = Section::default();
        let text = Section { part: Vec::new(), text: Some(SectionText::Text) };
        let part1 = Section { part: vec![NonZeroU32::MIN], text: None };
        const MAX: u64 = u32::MAX as u64;
        let cases: Vec<Case> = vec![
            (vec![body(true, whole.clone(), Some((0, 10))), FetchAttribute::Flags], Some(&[(0, 10)])),
            (
                vec![
                    FetchAttribute::Uid,
                    body(false, whole.clone(), Some((5, 10))),
                    body(true, whole.clone(), Some((0, 1))),
                ],
                Some(&[(5, 15), (0, 1)]),
            ),
            (vec![body(true, whole.clone(), Some((u32::MAX, u32::MAX)))], Some(&[(MAX, 2 * MAX)])),
            (vec![FetchAttribute::Flags, FetchAttribute::Rfc822Size], None),
            (vec![body(true, whole.clone(), None)], None),
            (vec![body(true, whole.clone(), Some((0, 10))), FetchAttribute::Envelope], None),
            (vec![body(true, text, Some((0, 10)))], None),
            (vec![body(true, part1, Some((0, 10)))], None),
            (vec![FetchAttribute::Binary { peek: true, part: Vec::new(), partial: None }], None),
        ];
        for (atts, want) in cases {
            let got = whole_partials(&atts).map(|v| v.into_iter().map(|r| (r.start, r.end)).collect::<Vec<_>>());
            assert_eq!(got.as_deref(), want, "{atts:?}");
        }
    }

    fn message() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(prop_oneof![Just(b'\r'), Just(b'\n'), Just(0u8), Just(b'a'), Just(b':')], 0..200)
    }

    proptest! {
        /// The items from the default `fetch_range` are the items of the whole message:
        /// bare LFs, NULs, ranges past the end and CRs cut from their LF alike.
        #[test]
        fn ranged_items_are_the_whole_message_items(
            raw in message(),
            partials in proptest::collection::vec((0u32..250, 1u32..250, any::<bool>()), 1..4),
        ) {
            let b = MemoryBackend::new();
            b.add_user("u", "p");
            let user = b.login("u", "p").unwrap();
            let date = DateTime::parse("01-Jan-2020 00:00:00 +0000").unwrap();
            let (_, uid) = b.append(&user, "INBOX", &[Flag::Seen], Some(date), Bytes::from(raw)).unwrap();
            let session = b.new_session();
            let mut atts = vec![FetchAttribute::Uid];
            for (o, n, peek) in partials {
                atts.push(body(peek, Section::default(), Some((o, n))));
                atts.push(FetchAttribute::Flags);
            }
            let whole = b.fetch(&user, "INBOX", session, &[uid]).unwrap().remove(0).unwrap();
            let want = fetch::items(&whole, &atts, true).unwrap();
            let ranges = whole_partials(&atts).unwrap();
            let mut data = b.fetch_meta(&user, "INBOX", session, &[uid]).unwrap();
            let mut read = read_ranges(&b, &user, "INBOX", session, &ranges, &mut data).unwrap();
            let meta = data.remove(0).unwrap();
            prop_assert_eq!(ranged_items(&meta, &atts, true, read.remove(0)).unwrap(), want);
        }
    }
}

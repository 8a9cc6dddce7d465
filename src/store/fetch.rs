//! FETCH items and SEARCH matching for the session, on top of [`crate::mime`].

use bytes::Bytes;

use super::{MessageData, SessionError};
use crate::mime::{self, Message};
use crate::types::{FetchAttribute, FetchItem, IString, SearchKey};

/// Builds the FETCH items for one message, in the order asked. Fails only for BINARY of
/// an unknown transfer encoding (RFC 3516 `[UNKNOWN-CTE]`).
pub(crate) fn items(
    msg: &MessageData,
    atts: &[FetchAttribute],
    recent: bool,
) -> Result<Vec<FetchItem>, mime::BinaryError> {
    let mut parsed: Option<Message> = None;
    // The store's cached parse, read back once for this message if an item needs it.
    let mut cached: Option<Vec<FetchItem>> = None;
    let mut out = Vec::with_capacity(atts.len());
    for a in atts {
        if let (true, Some(p)) = (from_parse(a), msg.parsed.as_deref()) {
            let kept = cached.get_or_insert_with(|| p.items());
            let found = kept.iter().find(|i| {
                matches!(
                    (a, i),
                    (FetchAttribute::Envelope, FetchItem::Envelope(_))
                        | (FetchAttribute::Body, FetchItem::Body(_))
                        | (FetchAttribute::BodyStructure, FetchItem::BodyStructure(_))
                )
            });
            if let Some(item) = found {
                out.push(item.clone());
                continue;
            }
        }
        let item = match a {
            FetchAttribute::Uid => FetchItem::Uid(msg.uid),
            FetchAttribute::Flags => FetchItem::Flags(super::session_flags(&msg.flags, recent)),
            FetchAttribute::InternalDate => FetchItem::InternalDate(msg.internal_date),
            FetchAttribute::Rfc822Size => FetchItem::Rfc822Size(msg.size),
            FetchAttribute::SaveDate => FetchItem::SaveDate(msg.save_date),
            FetchAttribute::ModSeq => FetchItem::ModSeq(msg.modseq),
            FetchAttribute::EmailId => match &msg.email_id {
                Some(id) => FetchItem::EmailId(id.clone()),
                // A store without ids (OBJECTID is then not announced) has none to give.
                None => continue,
            },
            // Threads are not computed (RFC 8474 §5.2 allows NIL).
            FetchAttribute::ThreadId => FetchItem::ThreadId(None),
            FetchAttribute::Preview { .. } => {
                let m = parsed.get_or_insert_with(|| Message::parse(msg.body.clone()));
                FetchItem::Preview(Some(IString::unvalidated(Bytes::from(mime::preview(m)))))
            }
            other => {
                let m = parsed.get_or_insert_with(|| Message::parse(msg.body.clone()));
                match m.fetch(other)? {
                    Some(item) => item,
                    None => continue,
                }
            }
        };
        out.push(item);
    }
    Ok(out)
}

/// Whether FETCH `a` is answered from a store's cached parse ([`super::ParsedMessage`]):
/// ENVELOPE, BODY, BODYSTRUCTURE.
pub(crate) fn from_parse(a: &FetchAttribute) -> bool {
    matches!(a, FetchAttribute::Envelope | FetchAttribute::Body | FetchAttribute::BodyStructure)
}

/// Whether FETCH `a` reads the message itself, not only what the store keeps beside it
/// (UID, flags, INTERNALDATE, RFC822.SIZE, the save date and the object ids).
pub(crate) fn needs_body(a: &FetchAttribute) -> bool {
    !matches!(
        a,
        FetchAttribute::Uid
            | FetchAttribute::Flags
            | FetchAttribute::InternalDate
            | FetchAttribute::Rfc822Size
            | FetchAttribute::SaveDate
            | FetchAttribute::ModSeq
            | FetchAttribute::EmailId
            | FetchAttribute::ThreadId
    )
}

/// What SEARCH needs besides the message.
pub(crate) struct SearchInput<'a> {
    pub(crate) seq: u32,
    pub(crate) max_seq: u32,
    pub(crate) max_uid: u32,
    pub(crate) recent: bool,
    pub(crate) decoder: &'a &'static encoding_rs::Encoding,
    /// The server's now, for OLDER and YOUNGER.
    pub(crate) now: Option<crate::types::DateTime>,
}

/// The charset of a SEARCH's strings; an unknown one is `NO [BADCHARSET (...)]`.
pub(crate) fn search_decoder(charset: Option<&IString>) -> Result<&'static encoding_rs::Encoding, SessionError> {
    match charset {
        None => Ok(encoding_rs::UTF_8),
        Some(cs) => mime::search_charset(&cs.to_text()).map_err(|e| SessionError::BadCharset(e.code())),
    }
}

/// Whether the message matches every key. The message is parsed only if a key needs it.
pub(crate) fn matches(msg: &MessageData, keys: &[SearchKey], input: &SearchInput<'_>) -> bool {
    // Keys that read no message are matched against an empty one, made once.
    static EMPTY: std::sync::OnceLock<Message> = std::sync::OnceLock::new();
    let parsed;
    let m = if keys.iter().any(super::search::needs_message) {
        parsed = Message::parse(msg.body.clone());
        &parsed
    } else {
        EMPTY.get_or_init(|| Message::parse(Bytes::new()))
    };
    let mut ctx = mime::SearchContext::new(input.seq, msg.uid, msg.internal_date).with_flags(&msg.flags);
    ctx.recent = input.recent;
    ctx.max_seq = input.max_seq;
    ctx.max_uid = input.max_uid;
    ctx.charset = input.decoder;
    ctx.size = Some(msg.size);
    ctx.now = input.now;
    ctx.save_date = msg.save_date;
    ctx.email_id = msg.email_id.clone();
    ctx.modseq = msg.modseq;
    keys.iter().all(|key| mime::matches(m, key, &ctx))
}

//! SEARCH evaluation (RFC 3501 §6.4.4): does a message match a search key?
//!
//! Everything a key needs besides the message itself comes in a [`SearchContext`]:
//! sequence number, UID, flags, internal date, size, the highest sequence number and UID
//! (for `*`), the charset of the key strings (the command's CHARSET) and the [`Decoder`]
//! for header text. String keys match as case-insensitive substrings of decoded text:
//! header keys against the header with its encoded words decoded (RFC 2047), BODY and
//! TEXT against the text parts after their transfer encoding and charset are undone.
//!
//! ```
//! use bytes::Bytes;
//! use imap_machine::mime::{matches, Message, SearchContext};
//! use imap_machine::types::{DateTime, IString, SearchKey};
//! let m = Message::parse(Bytes::from_static(
//!     b"From: =?utf-8?q?Ren=C3=A9?= <r@x>\r\nSubject: Hello\r\n\r\nCaf=C3=A9 body\r\n"));
//! let ctx = SearchContext::new(1, 10, DateTime::parse("01-Jan-2024 00:00:00 +0000").unwrap());
//! assert!(matches(&m, &SearchKey::From(IString::from_static("rené")), &ctx));
//! assert!(matches(&m, &SearchKey::Body(IString::from_static("CAF=")), &ctx));
//! assert!(!matches(&m, &SearchKey::Seen, &ctx));
//! ```

use chrono::NaiveDate;
use encoding_rs::Encoding;

use super::binary::TransferEncoding;
use super::charset::{decode_header, Charset, Decoder};
use super::content::content_info;
use super::part::Part;
use super::Message;
use crate::types::{DateTime, Flag, IString, SearchKey};

/// What SEARCH needs to know about a message besides its content.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SearchContext<'a> {
    /// Its sequence number in the session.
    pub seq: u32,
    /// Its UID.
    pub uid: u32,
    /// Its flags (without `\Recent`).
    pub flags: &'a [Flag],
    /// Whether it is `\Recent` in this session.
    pub recent: bool,
    /// INTERNALDATE.
    pub internal_date: DateTime,
    /// RFC822.SIZE; `None` means the size of the parsed message.
    pub size: Option<u32>,
    /// The highest sequence number, which `*` stands for.
    pub max_seq: u32,
    /// The highest UID in the mailbox, which `*` in `UID` stands for.
    pub max_uid: u32,
    /// The charset of the key strings (SEARCH CHARSET; default UTF-8, of which US-ASCII
    /// is a subset). See [`super::search_charset`].
    pub charset: &'static Encoding,
    /// How header text is decoded.
    pub decoder: Decoder,
    /// The server's current time, for OLDER and YOUNGER (RFC 5032); `None`: no clock,
    /// and they match nothing.
    pub now: Option<DateTime>,
    /// The save date (RFC 8514 §3); `None`: the mailbox keeps none, and the SAVED* keys
    /// read the internal date instead, SAVEDATESUPPORTED matches nothing.
    pub save_date: Option<DateTime>,
    /// The EMAILID (RFC 8474 §5.1), if the store gives one.
    pub email_id: Option<crate::types::ObjectId>,
    /// Its mod-sequence (RFC 7162 §3.1.3), for `MODSEQ`; 0 without.
    pub modseq: u64,
}

impl<'a> SearchContext<'a> {
    /// A context with no flags, not recent, the message's own size, UTF-8 keys, and `*`
    /// standing for this message (`max_seq = seq`, `max_uid = uid`).
    pub fn new(seq: u32, uid: u32, internal_date: DateTime) -> Self {
        SearchContext {
            seq,
            uid,
            flags: &[],
            recent: false,
            internal_date,
            size: None,
            max_seq: seq,
            max_uid: uid,
            charset: encoding_rs::UTF_8,
            decoder: Decoder::default(),
            now: None,
            save_date: None,
            email_id: None,
            modseq: 0,
        }
    }

    /// The same context with these flags.
    pub fn with_flags(mut self, flags: &'a [Flag]) -> Self {
        self.flags = flags;
        self
    }
}

/// OLDER (`older`) or YOUNGER `seconds` (RFC 5032 §2): the target is `now` less the
/// interval; OLDER matches an INTERNALDATE at or before it, YOUNGER one at or after it, to
/// the second. Without a clock nothing matches.
pub(crate) fn within(older: bool, seconds: u32, date: &DateTime, now: Option<&DateTime>) -> bool {
    let Some(now) = now else { return false };
    let target = now.as_chrono().timestamp() - i64::from(seconds);
    let t = date.as_chrono().timestamp();
    if older {
        t <= target
    } else {
        t >= target
    }
}

/// Whether `message` matches `key` (RFC 3501 §6.4.4).
pub fn matches(message: &Message, key: &SearchKey, ctx: &SearchContext<'_>) -> bool {
    let mut texts = Texts::default();
    eval(message, key, ctx, &mut texts)
}

/// Decoded text, computed once per message when a key first needs it.
#[derive(Default)]
struct Texts {
    body: Option<String>,
    header: Option<String>,
}

fn has(ctx: &SearchContext<'_>, flag: &Flag) -> bool {
    ctx.flags.contains(flag)
}

fn lower(s: &str) -> String {
    s.to_lowercase()
}

/// The key string in the command's charset, lower-cased.
fn needle(ctx: &SearchContext<'_>, s: &IString) -> String {
    lower(&ctx.charset.decode_without_bom_handling(s.as_bytes()).0)
}

fn internal_day(ctx: &SearchContext<'_>) -> NaiveDate {
    ctx.internal_date.as_chrono().date_naive()
}

/// The day of the save date, disregarding time and zone (RFC 8514 §4.3); the internal
/// date's when the mailbox keeps no save dates.
fn saved_day(ctx: &SearchContext<'_>) -> NaiveDate {
    ctx.save_date.as_ref().unwrap_or(&ctx.internal_date).as_chrono().date_naive()
}

/// The day of the Date header, disregarding time and zone; the internal date when the
/// header is missing or unreadable.
fn sent_day(message: &Message, ctx: &SearchContext<'_>) -> NaiveDate {
    message.header().last("Date").and_then(|f| parse_date(&f.unfolded())).unwrap_or_else(|| internal_day(ctx))
}

fn header_contains(message: &Message, name: &str, needle: &str, decoder: &Decoder) -> bool {
    message
        .header()
        .get_all(name)
        .any(|f| needle.is_empty() || lower(&decode_header(&f.value(), decoder)).contains(needle))
}

fn eval(message: &Message, key: &SearchKey, ctx: &SearchContext<'_>, texts: &mut Texts) -> bool {
    use SearchKey as K;
    match key {
        K::All => true,
        K::Answered => has(ctx, &Flag::Answered),
        K::Deleted => has(ctx, &Flag::Deleted),
        K::Draft => has(ctx, &Flag::Draft),
        K::Flagged => has(ctx, &Flag::Flagged),
        K::Seen => has(ctx, &Flag::Seen),
        K::Unanswered => !has(ctx, &Flag::Answered),
        K::Undeleted => !has(ctx, &Flag::Deleted),
        K::Undraft => !has(ctx, &Flag::Draft),
        K::Unflagged => !has(ctx, &Flag::Flagged),
        K::Unseen => !has(ctx, &Flag::Seen),
        K::Keyword(k) => has(ctx, &Flag::Keyword(k.clone())),
        K::Unkeyword(k) => !has(ctx, &Flag::Keyword(k.clone())),
        K::New => ctx.recent && !has(ctx, &Flag::Seen),
        K::Old => !ctx.recent,
        K::Recent => ctx.recent,
        K::Before(d) => internal_day(ctx) < d.as_chrono(),
        K::On(d) => internal_day(ctx) == d.as_chrono(),
        K::Since(d) => internal_day(ctx) >= d.as_chrono(),
        K::SentBefore(d) => sent_day(message, ctx) < d.as_chrono(),
        K::SentOn(d) => sent_day(message, ctx) == d.as_chrono(),
        K::SentSince(d) => sent_day(message, ctx) >= d.as_chrono(),
        K::SavedBefore(d) => saved_day(ctx) < d.as_chrono(),
        K::SavedOn(d) => saved_day(ctx) == d.as_chrono(),
        K::SavedSince(d) => saved_day(ctx) >= d.as_chrono(),
        K::SaveDateSupported => ctx.save_date.is_some(),
        K::EmailId(id) => ctx.email_id.as_ref() == Some(id),
        // Threads are not computed: THREADID is NIL, and no message is in a thread.
        K::ThreadId(_) => false,
        // No mod-sequences are kept yet: the store session refuses MODSEQ before searching.
        // One mod-sequence a message, whatever entry is named (RFC 7162 §3.1.5).
        K::ModSeq { modseq, .. } => ctx.modseq >= *modseq,
        K::Older(n) => within(true, *n, &ctx.internal_date, ctx.now.as_ref()),
        K::Younger(n) => within(false, *n, &ctx.internal_date, ctx.now.as_ref()),
        K::Larger(n) => ctx.size.unwrap_or(message.size()) > *n,
        K::Smaller(n) => ctx.size.unwrap_or(message.size()) < *n,
        K::From(s) => header_contains(message, "From", &needle(ctx, s), &ctx.decoder),
        K::To(s) => header_contains(message, "To", &needle(ctx, s), &ctx.decoder),
        K::Cc(s) => header_contains(message, "Cc", &needle(ctx, s), &ctx.decoder),
        K::Bcc(s) => header_contains(message, "Bcc", &needle(ctx, s), &ctx.decoder),
        K::Subject(s) => header_contains(message, "Subject", &needle(ctx, s), &ctx.decoder),
        K::Header(name, s) => {
            let name = ctx.charset.decode_without_bom_handling(name.as_bytes()).0;
            header_contains(message, &name, &needle(ctx, s), &ctx.decoder)
        }
        K::Body(s) => {
            let n = needle(ctx, s);
            texts.body.get_or_insert_with(|| lower(&body_text(message.root(), &ctx.decoder))).contains(&n)
        }
        K::Text(s) => {
            let n = needle(ctx, s);
            texts.header.get_or_insert_with(|| lower(&header_text(message.root(), &ctx.decoder))).contains(&n)
                || texts.body.get_or_insert_with(|| lower(&body_text(message.root(), &ctx.decoder))).contains(&n)
        }
        K::Uid(set) => set.contains(ctx.uid, ctx.max_uid),
        K::SequenceSet(set) => set.contains(ctx.seq, ctx.max_seq),
        K::Not(k) => !eval(message, k, ctx, texts),
        K::Or(a, b) => eval(message, a, ctx, texts) || eval(message, b, ctx, texts),
        K::And(keys) => keys.iter().all(|k| eval(message, k, ctx, texts)),
    }
}

/// A header block as text: each field as `Name: decoded value`, one per line.
fn header_text(part: &Part, decoder: &Decoder) -> String {
    let mut out = String::new();
    for f in part.header().fields() {
        out.push_str(&String::from_utf8_lossy(f.name()));
        out.push_str(": ");
        out.push_str(&decode_header(&f.value(), decoder));
        out.push('\n');
    }
    out
}

/// The text of every text part, transfer encoding and charset undone, and the headers
/// of encapsulated messages.
fn body_text(root: &Part, decoder: &Decoder) -> String {
    let mut out = String::new();
    fn walk(part: &Part, decoder: &Decoder, out: &mut String, top: bool) {
        if part.is_message() {
            for child in part.children() {
                out.push_str(&header_text(child, decoder));
                walk(child, decoder, out, false);
            }
            return;
        }
        if !part.children().is_empty() {
            for child in part.children() {
                walk(child, decoder, out, false);
            }
            return;
        }
        let _ = top;
        let info = content_info(part);
        if !info.is_text() {
            return;
        }
        let encoding = info.encoding.as_deref().map_or(TransferEncoding::SevenBit, TransferEncoding::from_name);
        let Ok(octets) = encoding.decode(part.body()) else { return };
        let charset = info
            .param("charset")
            .and_then(|c| decoder.charset(&String::from_utf8_lossy(c)))
            .unwrap_or(Charset::Encoding(encoding_rs::WINDOWS_1252));
        let charset = match charset {
            // Undeclared 8-bit text is usually UTF-8 nowadays.
            Charset::Encoding(e) if e == encoding_rs::WINDOWS_1252 && std::str::from_utf8(&octets).is_ok() => {
                Charset::Encoding(encoding_rs::UTF_8)
            }
            c => c,
        };
        out.push_str(&charset.decode(&octets));
        out.push('\n');
    }
    walk(root, decoder, &mut out, true);
    out
}

/// The calendar day of an RFC 2822 §3.3 date (obsolete forms of §4.3 included):
/// `[day-of-week ","] day month year time zone`. Time and zone are not needed for
/// SEARCH, which compares days only; two-digit years are 19xx from 50 on, 20xx below.
pub fn parse_date(value: &[u8]) -> Option<NaiveDate> {
    let text = String::from_utf8_lossy(value);
    let mut tokens = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        // Drop comments like `(EDT)`.
        .filter(|t| !t.starts_with('('))
        .peekable();
    if tokens.peek().is_some_and(|t| t.chars().next().is_some_and(|c| c.is_ascii_alphabetic())) {
        tokens.next();
    }
    let day: u32 = tokens.next()?.parse().ok()?;
    let month = crate::types::month_number(tokens.next()?.get(..3)?.as_bytes())?;
    let year_text = tokens.next()?;
    let year: i32 = year_text.parse().ok()?;
    let year = match year_text.len() {
        1 | 2 if year < 50 => 2000 + year,
        1 | 2 => 1900 + year,
        3 => 1900 + year,
        _ => year,
    };
    NaiveDate::from_ymd_opt(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let d = |s: &str| parse_date(s.as_bytes()).map(|d| d.to_string());
        assert_eq!(d("Fri, 20 Apr 2001 20:18:00 -0400 (EDT)").as_deref(), Some("2001-04-20"));
        assert_eq!(d("1 Jan 99 00:00 GMT").as_deref(), Some("1999-01-01"));
        assert_eq!(d("Tue, 2 January 24 11:00:00 +0100").as_deref(), Some("2024-01-02"));
        assert_eq!(d("garbage"), None);
    }
}

#[cfg(test)]
mod address_tests {
    use super::*;
    use bytes::Bytes;

    /// SEARCH FROM/TO/CC/BCC match the header's text as a case-insensitive substring
    /// (RFC 3501 §6.4.4), whatever the address form: plain, `Name <addr>`, the
    /// comment form `addr (Name)`, groups, and encoded words.
    #[test]
    fn address_keys_match_every_form() {
        let ctx = SearchContext::new(1, 1, DateTime::parse("01-Jan-2024 00:00:00 +0000").unwrap());
        let forms = [
            "user@domain.org",
            "Real Name <user@domain.org>",
            "user@domain.org (Real Name)",
            "\"Real Name\" <user@domain.org>",
            "friends: user@domain.org (Real Name), x@y;",
        ];
        for header in ["From", "To", "Cc", "Bcc"] {
            for form in forms {
                let raw = format!("{header}: {form}\r\nSubject: s\r\n\r\nbody\r\n");
                let m = Message::parse(Bytes::from(raw));
                for needle in ["user@domain.org", "USER@Domain", "domain.org"] {
                    let s = IString::try_from(needle.to_string()).unwrap();
                    let key = match header {
                        "From" => SearchKey::From(s),
                        "To" => SearchKey::To(s),
                        "Cc" => SearchKey::Cc(s),
                        _ => SearchKey::Bcc(s),
                    };
                    assert!(matches(&m, &key, &ctx), "{header}: {form} / {needle}");
                }
            }
        }
        for raw in [
            &b"From: user@domain.org (Real Name)\n\nx\n"[..],
            b"From: user@domain.org\r\n (Real Name)\r\n\r\nx\r\n",
            b"From:user@domain.org (Real Name)\r\n\r\nx\r\n",
            b"From: user@domain.org (Real Name)\r\n",
            b"From: user@domain.org (Real (Nested) Name)\r\n\r\n",
        ] {
            let m = Message::parse(Bytes::copy_from_slice(raw));
            assert!(matches(&m, &SearchKey::From(IString::from_static("user@domain.org")), &ctx), "{raw:?}");
        }
        // An encoded word in the comment (RFC 2047 §5 (2)).
        let m = Message::parse(Bytes::from_static(b"From: user@domain.org (=?utf-8?q?Ren=C3=A9_Name?=)\r\n\r\n"));
        assert!(matches(&m, &SearchKey::From(IString::try_from("rené name".to_string()).unwrap()), &ctx));
        assert!(matches(&m, &SearchKey::From(IString::from_static("user@domain.org")), &ctx));
        let m = Message::parse(Bytes::from_static(b"From: user@domain.org (Real Name)\r\n\r\nx\r\n"));
        assert!(matches(&m, &SearchKey::From(IString::from_static("real name")), &ctx));
        assert!(!matches(&m, &SearchKey::From(IString::from_static("other")), &ctx));
    }
}

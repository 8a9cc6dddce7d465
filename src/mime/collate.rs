//! The keys SORT and THREAD compare (RFC 5256, RFC 5957): the i;unicode-casemap
//! collation key (RFC 5051), the base subject (RFC 5256 §2.1), the sent date (§2.2),
//! Message-IDs for REFERENCES threading (§3) and the DISPLAYFROM / DISPLAYTO text
//! (RFC 5957 §3.1).
//!
//! Where the RFCs leave room, the choices are Dovecot 2.3's:
//!
//! - **Casemap** (RFC 5051 §2 "simple titlecase mapping"): characters with no single-char
//!   titlecase (`ß`, `ﬁ`, …) are kept as they are, then NFKD applies; so `ß` stays `ß`
//!   (it does not become `SS`) and `ﬁ` becomes `fi` in lower case, as in Dovecot, whose
//!   titlecase table holds simple mappings only.
//! - **Base subject** (RFC 5256 §2.1 step 1): [`sort_base_subject`] casemaps the decoded
//!   subject *before* removing leaders and trailers, as Dovecot does, so that e.g. a
//!   no-break space (NFKD: a space) is packed with its neighbours. Only space, tab, CR and
//!   LF are white space for packing. Each leader step removes one leading space and the
//!   `subj-refwd` allows one space before `[blob]`/`:`; after packing that is all the RFC's
//!   `*WSP` can match.
//! - **Sent date** (RFC 5256 §2.2): Dovecot's `message-date.c` leniency: `.` separates
//!   time fields like `:`, seconds and zone may be missing, an unknown zone is `+0000`,
//!   two-digit years are 1970–2069, a 3-letter first word must be a weekday followed by
//!   `,`. A date that works out to the epoch itself counts as missing, since Dovecot uses
//!   0 for "no date" and then falls back to INTERNALDATE.
//! - **Message-ID** (RFC 5256 §3 "MUST normalize"): Dovecot's `message_id_get_next`:
//!   the id between `<` and `>` that holds an `@`, white space removed; a quoted local part
//!   or a comment inside takes the slow path, which unquotes and drops comments. The id is
//!   returned without its angle brackets.
//! - **DISPLAYFROM** (RFC 5957 §3.1): a display name that decodes to the empty string is
//!   no display name; one that is only white space is kept, as in Dovecot.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

use super::{decode_header, Decoder};

/// The i;unicode-casemap key of `text` (RFC 5051 §2): the simple titlecase mapping of
/// each character, then full compatibility decomposition (NFKD). Two strings are equal
/// under the collation exactly when their keys are equal; ordering compares the keys'
/// UTF-8 octets.
pub fn casemap(text: &str) -> String {
    if text.bytes().all(|b| b.is_ascii() && !b.is_ascii_lowercase()) {
        return text.to_owned();
    }
    text.chars().map(titlecase).nfkd().collect()
}

/// The simple titlecase mapping of one character (UnicodeData field 14), from Rust's
/// uppercase mapping where it is one character and equals titlecase.
fn titlecase(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    match c {
        // The digraphs whose titlecase is the mixed form.
        '\u{01C4}'..='\u{01C6}' => '\u{01C5}',
        '\u{01C7}'..='\u{01C9}' => '\u{01C8}',
        '\u{01CA}'..='\u{01CC}' => '\u{01CB}',
        '\u{01F1}'..='\u{01F3}' => '\u{01F2}',
        // Georgian Mkhedruli: uppercase is Mtavruli, titlecase the letter itself.
        '\u{10D0}'..='\u{10FA}' | '\u{10FD}'..='\u{10FF}' => c,
        // Greek with ypogegrammeni: titlecase is the prosgegrammeni form (one char),
        // uppercase is two chars.
        '\u{1F80}'..='\u{1F87}' | '\u{1F90}'..='\u{1F97}' | '\u{1FA0}'..='\u{1FA7}' => {
            char::from_u32(u32::from(c) + 8).unwrap_or(c)
        }
        '\u{1F88}'..='\u{1F8F}' | '\u{1F98}'..='\u{1F9F}' | '\u{1FA8}'..='\u{1FAF}' => c,
        '\u{1FB3}' | '\u{1FBC}' => '\u{1FBC}',
        '\u{1FC3}' | '\u{1FCC}' => '\u{1FCC}',
        '\u{1FF3}' | '\u{1FFC}' => '\u{1FFC}',
        _ => {
            let mut upper = c.to_uppercase();
            match (upper.next(), upper.next()) {
                (Some(u), None) => u,
                _ => c,
            }
        }
    }
}

/// The base subject of a message (RFC 5256 §2.1) and whether extracting it removed a
/// reply or forward marker (§3 REFERENCES: "a subj-refwd, a "(fwd)" subj-trailer, or a
/// subj-fwd-hdr and subj-fwd-trl").
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct BaseSubject {
    /// The base subject text (steps 1–6), decoded to UTF-8.
    pub text: String,
    /// A `re:`/`fw:`/`fwd:` leader, a `(fwd)` trailer or a `[fwd: …]` wrapper was removed.
    pub reply: bool,
}

/// The base subject (RFC 5256 §2.1) of a raw Subject header value (`None`: no Subject),
/// in its original case: RFC 2047 words decoded, white space packed, then steps 2–6 with
/// the markers matched without regard to ASCII case.
pub fn base_subject(raw: Option<&[u8]>) -> BaseSubject {
    let decoded = decode_header(raw.unwrap_or_default(), &Decoder::default());
    extract_base_subject(&pack_whitespace(&decoded))
}

/// The base subject as SORT SUBJECT and THREAD compare it (RFC 5256 §2.1 with the
/// i;unicode-casemap comparator, RFC 5051): decoded, casemapped with [`casemap`], then
/// steps 2–6, in Dovecot's order (casemap first). Equal to `casemap` of
/// [`base_subject`]`(raw).text` except where casemapping creates or removes a marker
/// (fullwidth `Ｒｅ:`, a no-break space).
pub fn sort_base_subject(raw: Option<&[u8]>) -> BaseSubject {
    let decoded = decode_header(raw.unwrap_or_default(), &Decoder::default());
    extract_base_subject(&pack_whitespace(&casemap(&decoded)))
}

/// The SORT SUBJECT key (RFC 5256 §3 SUBJECT, §2.1): [`sort_base_subject`]'s text.
pub fn sort_subject(raw: Option<&[u8]>) -> String {
    sort_base_subject(raw).text
}

/// RFC 5256 §2.1 step 1, second half: every run of space, tab, CR and LF becomes one space.
fn pack_whitespace(text: &str) -> Cow<'_, str> {
    let is_ws = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let needs = text.as_bytes().windows(2).any(|w| w[0] == b' ' && matches!(w[1], b' ' | b'\t'))
        || text.bytes().any(|b| matches!(b, b'\t' | b'\r' | b'\n'));
    if !needs {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last_ws = false;
    for c in text.chars() {
        if is_ws(c) {
            if !last_ws {
                out.push(' ');
            }
            last_ws = true;
        } else {
            out.push(c);
            last_ws = false;
        }
    }
    Cow::Owned(out)
}

/// The text between `start` and `end`, read like a C string: past `end` is NUL.
struct Subject<'a> {
    bytes: &'a [u8],
    end: usize,
}

impl Subject<'_> {
    fn at(&self, i: usize) -> u8 {
        if i < self.end {
            self.bytes.get(i).copied().unwrap_or(0)
        } else {
            0
        }
    }

    fn starts_with_ci(&self, i: usize, word: &[u8]) -> bool {
        word.iter().enumerate().all(|(k, &w)| self.at(i + k).eq_ignore_ascii_case(&w))
    }

    /// `subj-blob = "[" *BLOBCHAR "]" *WSP` at `i`: the position after it.
    fn blob(&self, i: usize) -> Option<usize> {
        if self.at(i) != b'[' {
            return None;
        }
        let mut p = i + 1;
        while !matches!(self.at(p), 0 | b'[' | b']') {
            p += 1;
        }
        if self.at(p) != b']' {
            return None;
        }
        p += 1;
        if self.at(p) == b' ' {
            p += 1;
        }
        Some(p)
    }

    /// Step 3: removes a `subj-leader` (one space, or `*subj-blob subj-refwd`).
    fn remove_leader(&self, start: &mut usize, reply: &mut bool) -> bool {
        let mut removed = false;
        let mut p = *start;
        if self.at(p) == b' ' {
            p += 1;
            *start = p;
            removed = true;
        }
        while self.at(p) == b'[' {
            match self.blob(p) {
                Some(next) => p = next,
                None => return removed,
            }
        }
        if self.starts_with_ci(p, b"re") {
            p += 2;
        } else if self.starts_with_ci(p, b"fwd") {
            p += 3;
        } else if self.starts_with_ci(p, b"fw") {
            p += 2;
        } else {
            return removed;
        }
        if self.at(p) == b' ' {
            p += 1;
        }
        if self.at(p) == b'[' {
            match self.blob(p) {
                Some(next) => p = next,
                None => return removed,
            }
        }
        if self.at(p) != b':' {
            return removed;
        }
        *start = p + 1;
        *reply = true;
        true
    }

    /// Step 4: removes a leading `subj-blob` when text remains after it.
    fn remove_blob_when_nonempty(&self, start: &mut usize) -> bool {
        match self.blob(*start) {
            Some(next) if self.at(next) != 0 => {
                *start = next;
                true
            }
            _ => false,
        }
    }
}

/// RFC 5256 §2.1 steps 2–6 on decoded, packed text.
fn extract_base_subject(text: &str) -> BaseSubject {
    let mut s = Subject { bytes: text.as_bytes(), end: text.len() };
    let mut start = 0;
    let mut reply = false;
    loop {
        // (2) Trailing `(fwd)` and white space.
        while s.end > start {
            if s.at(s.end - 1) == b' ' {
                s.end -= 1;
            } else if s.end - start >= 5 && s.starts_with_ci(s.end - 5, b"(fwd)") {
                s.end -= 5;
                reply = true;
            } else {
                break;
            }
        }
        // (3)–(5) Leaders and blobs, until none is left.
        loop {
            let leader = s.remove_leader(&mut start, &mut reply);
            let blob = s.remove_blob_when_nonempty(&mut start);
            if !leader && !blob {
                break;
            }
        }
        // (6) `[fwd: subject]`: unwrap and go back to step 2.
        if s.end > start + 5 && s.starts_with_ci(start, b"[fwd:") && s.at(s.end - 1) == b']' {
            start += 5;
            s.end -= 1;
            reply = true;
        } else {
            break;
        }
    }
    // Every boundary sits at an ASCII byte, so this is a char boundary.
    let text = text.get(start..s.end.max(start)).unwrap_or_default().to_owned();
    BaseSubject { text, reply }
}

/// The sent date of a message (RFC 5256 §2.2): its RFC 2822 §3.3 Date header value
/// (obsolete forms of §4.3 included) as seconds since the Unix epoch, UTC. `None` when
/// the header is missing or can't be read (or reads as the epoch itself); the caller then
/// uses INTERNALDATE, as §2.2 and Dovecot do.
pub fn sent_date(date: Option<&[u8]>) -> Option<i64> {
    let mut lex = Lexer { bytes: date?, pos: 0 };
    lex.skip_cfws();
    let mut token = lex.atom()?;
    if token.len() == 3 {
        // A day name, which must end in a comma.
        if lex.peek() != Some(b',') {
            return None;
        }
        lex.pos += 1;
        lex.skip_cfws();
        token = lex.atom()?;
    }
    let day = digits(token, 1, 2)?;
    let month_token = lex.atom()?;
    let month = crate::types::month_number(month_token.get(..3)?)?;
    let year_token = lex.atom()?;
    let year = digits(year_token, 2, 4)?;
    let year = match year_token.len() {
        2 if year < 70 => 2000 + year,
        2 => 1900 + year,
        4 if year >= 1900 => year,
        _ => return None,
    };
    let hour = digits(lex.atom()?, 1, 2)?;
    if !lex.time_separator() {
        return None;
    }
    let minute = digits(lex.atom_or_end()?, 2, 2)?;
    let mut second = 0;
    if lex.time_separator() {
        second = digits(lex.atom()?, 2, 2)?;
    }
    let zone = lex.atom_or_end()?;
    let offset_minutes = if zone.is_empty() { 0 } else { zone_offset(zone) };
    let date = chrono::NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    // A leap second counts as the second before it.
    let time = date.and_hms_opt(hour, minute, second.min(59))?;
    let timestamp = time.and_utc().timestamp() - i64::from(offset_minutes) * 60;
    (timestamp != 0).then_some(timestamp)
}

/// `token` as a number when it is `min..=max` ASCII digits.
fn digits(token: &[u8], min: usize, max: usize) -> Option<u32> {
    if token.len() < min || token.len() > max || !token.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(token.iter().fold(0, |n, &d| n * 10 + u32::from(d - b'0')))
}

/// A zone's offset from UTC in minutes: `±hhmm`, `UT`, `GMT`, the US zones of RFC 2822
/// §4.3 and the military letters (`A`–`I` +1…+9, `K`–`M` +10…+12, `N`–`Y` −1…−12, `Z`
/// 0, taken the right way round as Dovecot does, not RFC 822's reversed way). Anything
/// else is 0.
fn zone_offset(zone: &[u8]) -> i32 {
    match zone {
        [sign @ (b'+' | b'-'), rest @ ..] if rest.len() == 4 => match digits(rest, 4, 4) {
            Some(n) => {
                let minutes = i32::try_from(n / 100 * 60 + n % 100).unwrap_or(0);
                if *sign == b'-' {
                    -minutes
                } else {
                    minutes
                }
            }
            None => 0,
        },
        [letter] => match letter.to_ascii_uppercase() {
            c @ b'A'..=b'I' => i32::from(c - b'A' + 1) * 60,
            c @ b'K'..=b'M' => i32::from(c - b'A') * 60,
            c @ b'N'..=b'Y' => -i32::from(c - b'M') * 60,
            _ => 0,
        },
        [a, b, b'T'] => {
            let base = match a.to_ascii_uppercase() {
                b'E' => -5 * 60,
                b'C' => -6 * 60,
                b'M' => -7 * 60,
                b'P' => -8 * 60,
                _ => return 0,
            };
            match b.to_ascii_uppercase() {
                b'D' => base + 60,
                b'S' => base,
                _ => 0,
            }
        }
        _ => 0,
    }
}

/// `atext` (RFC 2822 §3.2.4), with 8-bit octets allowed as Dovecot does.
fn is_atext(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c >= 0x80 || b"!#$%&'*+-/=?^_`{|}~".contains(&c)
}

/// A cursor over header text that skips CFWS (RFC 2822 §3.2.3) between tokens.
struct Lexer<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Skips white space and (nested) comments; an unclosed comment runs to the end.
    fn skip_cfws(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\r' | b'\n' => self.pos += 1,
                b'(' => {
                    let mut depth = 0usize;
                    while let Some(c) = self.peek() {
                        self.pos += 1;
                        match c {
                            b'\\' => self.pos += 1,
                            b'(' => depth += 1,
                            b')' => {
                                depth = depth.saturating_sub(1);
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                    }
                    self.pos = self.pos.min(self.bytes.len());
                }
                _ => break,
            }
        }
    }

    /// An atom and the CFWS after it; empty at the end; `None` at another character.
    fn atom_or_end(&mut self) -> Option<&'a [u8]> {
        let start = self.pos;
        if start >= self.bytes.len() {
            return Some(&[]);
        }
        while self.peek().is_some_and(is_atext) {
            self.pos += 1;
        }
        if self.pos == start {
            return None;
        }
        let atom = self.bytes.get(start..self.pos)?;
        self.skip_cfws();
        Some(atom)
    }

    /// A non-empty atom.
    fn atom(&mut self) -> Option<&'a [u8]> {
        self.atom_or_end().filter(|a| !a.is_empty())
    }

    /// Consumes a `:` (or `.`, which Dovecot forgives) between time fields.
    fn time_separator(&mut self) -> bool {
        if matches!(self.peek(), Some(b':' | b'.')) {
            self.pos += 1;
            self.skip_cfws();
            true
        } else {
            false
        }
    }

    /// A quoted string's content, unquoted (at `"`).
    fn quoted(&mut self, out: &mut Vec<u8>) -> Option<()> {
        if self.peek() != Some(b'"') {
            return None;
        }
        self.pos += 1;
        loop {
            let c = self.peek()?;
            self.pos += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    out.push(self.peek()?);
                    self.pos += 1;
                }
                b'\r' | b'\n' => {}
                c => out.push(c),
            }
        }
        self.skip_cfws();
        Some(())
    }

    /// A dot-atom (RFC 2822 §3.2.4), CFWS allowed around the dots, appended without it.
    fn dot_atom(&mut self, out: &mut Vec<u8>) -> Option<()> {
        if !self.peek().is_some_and(is_atext) {
            return None;
        }
        loop {
            let start = self.pos;
            while self.peek().is_some_and(is_atext) {
                self.pos += 1;
            }
            out.extend_from_slice(self.bytes.get(start..self.pos)?);
            self.skip_cfws();
            if self.peek() != Some(b'.') {
                return Some(());
            }
            self.pos += 1;
            out.push(b'.');
            self.skip_cfws();
        }
    }
}

/// The next valid msg-id (RFC 2822 §3.6.4) in `value` from `*pos`, normalized, without
/// its angle brackets; `*pos` moves past it. `None` when there is no other valid one.
fn next_message_id<'a>(value: &'a [u8], pos: &mut usize) -> Option<Cow<'a, [u8]>> {
    loop {
        let rest = value.get(*pos..)?;
        let open = *pos + memchr::memchr(b'<', rest)?;
        let start = open + 1;
        let mut p = start;
        let mut found_at = false;
        // The quick scan, for ids that need no normalizing.
        let stop = loop {
            let Some(&c) = value.get(p) else {
                *pos = value.len();
                return None;
            };
            if c < b'A' {
                if c == b'@' {
                    found_at = true;
                }
                if matches!(c, b'>' | b'"' | b'(') {
                    break c;
                }
            }
            p += 1;
        };
        if stop == b'>' {
            *pos = p + 1;
            if found_at {
                let id = value.get(start..p)?;
                return Some(without_whitespace(id));
            }
            continue;
        }
        // The slow way: `[CFWS] (dot-atom / quoted-string) "@" [CFWS] dot-atom ">"`.
        let mut lex = Lexer { bytes: value, pos: start };
        let mut id = Vec::new();
        lex.skip_cfws();
        let local = if lex.peek() == Some(b'"') { lex.quoted(&mut id) } else { lex.dot_atom(&mut id) };
        if local.is_some() && lex.peek() == Some(b'@') {
            id.push(b'@');
            lex.pos += 1;
            lex.skip_cfws();
            if lex.dot_atom(&mut id).is_some() && lex.peek() == Some(b'>') {
                *pos = lex.pos + 1;
                return Some(Cow::Owned(id));
            }
        }
        *pos = start;
    }
}

/// `id` with its white space (space, tab, CR, LF) removed; borrowed when it has none.
fn without_whitespace(id: &[u8]) -> Cow<'_, [u8]> {
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    if id.iter().any(ws) {
        Cow::Owned(id.iter().copied().filter(|c| !ws(c)).collect())
    } else {
        Cow::Borrowed(id)
    }
}

/// The Message ID of a Message-ID header value (RFC 5256 §3 REFERENCES, RFC 2822
/// §3.6.4): the first valid msg-id, normalized (quoting, comments and white space
/// removed), without angle brackets. Borrowed from `value` unless normalizing changed it.
pub fn message_id(value: &[u8]) -> Option<Cow<'_, [u8]>> {
    next_message_id(value, &mut 0)
}

/// Every valid msg-id of a References or In-Reply-To header value, in order, each as
/// [`message_id`] gives it (RFC 5256 §3 REFERENCES). Comments, junk and ids without an
/// `@` are skipped; duplicates are kept.
pub fn message_ids(value: &[u8]) -> Vec<Cow<'_, [u8]>> {
    let mut pos = 0;
    std::iter::from_fn(|| next_message_id(value, &mut pos)).collect()
}

/// The DISPLAYFROM / DISPLAYTO text of an address (RFC 5957 §3.1), before casemapping:
/// the display name decoded (RFC 2047) when that is not empty, else `mailbox@host`, else
/// `mailbox`, else the empty string. Parts are an ENVELOPE address's raw fields.
pub fn display_address(name: Option<&[u8]>, mailbox: Option<&[u8]>, host: Option<&[u8]>) -> String {
    if let Some(name) = name {
        let decoded = decode_header(name, &Decoder::default());
        if !decoded.is_empty() {
            return decoded;
        }
    }
    let text = crate::types::decode_text;
    match (mailbox, host) {
        (Some(mailbox), Some(host)) if !host.is_empty() => format!("{}@{}", text(mailbox), text(host)),
        (Some(mailbox), _) => text(mailbox).into_owned(),
        (None, _) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(s: &str) -> (String, bool) {
        let b = base_subject(Some(s.as_bytes()));
        (b.text, b.reply)
    }

    #[test]
    fn base_subject_rfc5256_steps() {
        assert_eq!(base("Hello"), ("Hello".into(), false));
        assert_eq!(base("Re: hello"), ("hello".into(), true));
        assert_eq!(base("RE:   hello  "), ("hello".into(), true));
        assert_eq!(base("Re: Re: [fwd: Re: hello] (fwd)"), ("hello".into(), true));
        assert_eq!(base("Fwd: hello"), ("hello".into(), true));
        assert_eq!(base("Fw: hello"), ("hello".into(), true));
        assert_eq!(base("re [list]: hello"), ("hello".into(), true));
        assert_eq!(base("[list] Re: hello"), ("hello".into(), true));
        assert_eq!(base("[list] hello"), ("hello".into(), false));
        // A blob alone is the base subject: removing it would leave nothing.
        assert_eq!(base("[list]"), ("[list]".into(), false));
        assert_eq!(base("[a][b] x"), ("x".into(), false));
        assert_eq!(base("hello (fwd) (FWD)"), ("hello".into(), true));
        assert_eq!(base("[Fwd: hello]"), ("hello".into(), true));
        assert_eq!(base("[fwd: [fwd: x]]"), ("x".into(), true));
        assert_eq!(base("[fwd:]"), ("".into(), true));
        assert_eq!(base("Re:"), ("".into(), true));
        assert_eq!(base("Reply: x"), ("Reply: x".into(), false));
        assert_eq!(base("re hello"), ("re hello".into(), false));
        assert_eq!(base("a\t\r\n  b"), ("a b".into(), false));
        assert_eq!(base("[unclosed hello"), ("[unclosed hello".into(), false));
        assert_eq!(base(""), ("".into(), false));
        assert_eq!(base_subject(None), BaseSubject::default());
    }

    #[test]
    fn base_subject_decodes_rfc2047() {
        let b = base_subject(Some(b"=?utf-8?q?Re=3A_caf=C3=A9?="));
        assert_eq!((b.text.as_str(), b.reply), ("café", true));
        assert_eq!(sort_subject(Some(b"=?utf-8?q?Re=3A_caf=C3=A9?=")), "CAFE\u{301}");
        assert_eq!(sort_subject(Some(b"Re: =?iso-8859-1?q?gr=FC=DFe?=")), "GRU\u{308}ßE");
    }

    #[test]
    fn sort_subject_casemaps_before_extracting() {
        // Fullwidth `ｒｅ:` casemaps to `RE:`, which Dovecot then removes.
        let b = sort_base_subject(Some("ｒｅ: x".as_bytes()));
        assert_eq!((b.text.as_str(), b.reply), ("X", true));
        assert_eq!(base("ｒｅ: x").0, "ｒｅ: x");
        // A no-break space becomes a space and is packed.
        assert_eq!(sort_subject(Some("a\u{a0} b".as_bytes())), "A B");
    }

    #[test]
    fn casemap_keys() {
        assert_eq!(casemap("Hello, World"), "HELLO, WORLD");
        assert_eq!(casemap("héllo"), "HE\u{301}LLO");
        assert_eq!(casemap("Ä"), "A\u{308}");
        // ß has no simple titlecase mapping: kept.
        assert_eq!(casemap("straße"), "STRAßE");
        // ﬁ has none either; NFKD then gives a lower-case "fi".
        assert_eq!(casemap("ﬁle"), "fiLE");
        assert_eq!(casemap("ǆ Ǆ ǅ"), "Dz\u{30c} Dz\u{30c} Dz\u{30c}");
        assert_eq!(casemap("ǉ"), "Lj");
        assert_eq!(casemap("ა"), "ა");
        assert_eq!(casemap("ᾳ"), casemap("ᾼ"));
        assert_eq!(casemap("ÿ"), "Y\u{308}");
        assert_eq!(casemap("µ"), "\u{39c}");
        assert_eq!(casemap(""), "");
    }

    #[test]
    fn sent_dates() {
        let d = |s: &str| sent_date(Some(s.as_bytes()));
        let base = 988_229_880; // 2001-04-25 20:18:00 UTC
        assert_eq!(d("Wed, 25 Apr 2001 20:18:00 +0000"), Some(base));
        assert_eq!(d("Wed, 25 Apr 2001 16:18:00 -0400 (EDT)"), Some(base));
        assert_eq!(d("25 Apr 2001 22:18:00 +0200"), Some(base));
        assert_eq!(d("Wed, 25 Apr 2001 20:18 GMT"), Some(base));
        assert_eq!(d("25 Apr 01 20:18:00 UT"), Some(base));
        assert_eq!(d("25 Apr 2001 16:18:00 EDT"), Some(base));
        assert_eq!(d("25 Apr 2001 15:18:00 EST"), Some(base));
        assert_eq!(d("25 Apr 2001 13:18:00 PDT"), Some(base));
        assert_eq!(d("25 Apr 2001 12:18:00 PST"), Some(base));
        assert_eq!(d("25 Apr 2001 14:18:00 MDT"), Some(base));
        assert_eq!(d("25 Apr 2001 14:18:00 CST"), Some(base));
        assert_eq!(d("25 Apr 2001 20:18:00 Z"), Some(base));
        assert_eq!(d("25 Apr 2001 21:18:00 A"), Some(base));
        assert_eq!(d("25 Apr 2001 19:18:00 N"), Some(base));
        assert_eq!(d("25 Apr 2001 08:18:00 Y"), Some(base));
        assert_eq!(d("25 Apr 2001 20:18:00 XYZ"), Some(base));
        assert_eq!(d("25 Apr 2001 20:18:00"), Some(base));
        assert_eq!(d("25 April 2001 20.18.00 +0000"), Some(base));
        assert_eq!(d(" (comment) Wed , 25 (x) Apr 2001 20 : 18 : 00 +0000"), Some(base));
        assert_eq!(d("25 Apr 2001 20:18:00 +0000 trailing junk"), Some(base));
        assert_eq!(d("1 Jan 70 00:00:01 +0000"), Some(1));
        assert_eq!(d("1 Jan 69 00:00:00 +0000"), Some(3_124_224_000));
        assert_eq!(d("31 Dec 1969 23:59:59 +0000"), Some(-1));
        assert_eq!(d("30 Jun 2015 23:59:60 +0000"), Some(1_435_708_799));
        // The epoch itself is "no date" to Dovecot.
        assert_eq!(d("1 Jan 1970 00:00:00 +0000"), None);
        for bad in [
            "",
            "garbage",
            "Wed 25 Apr 2001 20:18:00 +0000",
            "25 Foo 2001 20:18:00",
            "25 Apr 201 20:18:00",
            "25 Apr 1899 20:18:00",
            "25 Apr 2001",
            "25 Apr 2001 20",
            "25 Apr 2001 20:1",
            "30 Feb 2001 20:18:00",
            "25 Apr 2001 24:18:00",
            "25-Apr-2001 20:18:00",
        ] {
            assert_eq!(d(bad), None, "{bad}");
        }
        assert_eq!(sent_date(None), None);
    }

    #[test]
    fn message_ids_from_messy_headers() {
        let ids = |s: &str| {
            message_ids(s.as_bytes()).iter().map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>()
        };
        assert_eq!(ids("<a@b> <c@d>"), ["a@b", "c@d"]);
        assert_eq!(ids("<a@b>\r\n\t<c@d>"), ["a@b", "c@d"]);
        assert_eq!(ids("(comment <x@y>) <a@b>"), ["x@y", "a@b"]);
        assert_eq!(ids("<a@b> <a@b> junk <noat> <c@d"), ["a@b", "a@b"]);
        assert_eq!(ids("<\"01KF8JCEOCBS0045PS\"@xxx.yyy.com>"), ["01KF8JCEOCBS0045PS@xxx.yyy.com"]);
        assert_eq!(ids("< a @ b >"), ["a@b"]);
        assert_eq!(ids("<a(comment)@b.c>"), ["a@b.c"]);
        assert_eq!(ids("<\"unterminated@x> <c@d>"), ["c@d"]);
        assert_eq!(ids("a@b"), Vec::<String>::new());
        assert_eq!(ids(""), Vec::<String>::new());
        assert_eq!(ids("<<a@b>"), ["<a@b"]);
        assert!(matches!(message_id(b" <a@b> <c@d>"), Some(Cow::Borrowed(b"a@b"))));
        assert_eq!(message_id(b"<nope>"), None);
    }

    #[test]
    fn display_addresses() {
        assert_eq!(display_address(Some(b"Ann Smith"), Some(b"ann"), Some(b"example.com")), "Ann Smith");
        assert_eq!(display_address(Some(b"=?utf-8?q?Ren=C3=A9?="), Some(b"r"), Some(b"x")), "René");
        assert_eq!(display_address(Some(b""), Some(b"ann"), Some(b"example.com")), "ann@example.com");
        assert_eq!(display_address(Some(b" "), Some(b"ann"), Some(b"example.com")), " ");
        assert_eq!(display_address(None, Some(b"ann"), Some(b"example.com")), "ann@example.com");
        assert_eq!(display_address(None, Some(b"ann"), None), "ann");
        assert_eq!(display_address(None, None, None), "");
    }
}

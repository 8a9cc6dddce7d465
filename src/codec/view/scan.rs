//! The FETCH grammar: one pass that validates a `* n FETCH (...)` message leniently
//! (`QUIRKS.md`) and records every item, string and number as a node of the tape.
//!
//! This is the only parser of `msg-att`, `envelope`, `body` and `section`: the view reads
//! the tape in place, and [`crate::codec::parse_response`] (as well as the command
//! grammar's `section` and URLFETCH's `body`) builds its owned values from the same tape
//! (`owned.rs`). The lexical rules below are the lenient ones of the response grammar
//! (`parse/lenient.rs`), over offsets instead of nom windows.

use super::{Kind, Node, Str, SAVEDATE_NIL};
use crate::codec::lex::{self, unexpected_kind};
use crate::codec::parse::core::date_time_fields_slice;
use crate::codec::parse::{ParseError, ParseErrorKind};
use crate::types::chars::{self, ASTRING, ATOM};

mod body;

use lex::MAX_DEPTH;

use lex::R;

/// The parser state: the message and the tape being written.
pub(super) struct Scan<'a, 't> {
    s: &'a [u8],
    t: &'t mut Vec<Node>,
}

impl<'a, 't> Scan<'a, 't> {
    /// A scanner writing into `t` (cleared first).
    pub(super) fn new(s: &'a [u8], t: &'t mut Vec<Node>) -> Self {
        t.clear();
        Scan { s, t }
    }

    // ---- errors and the tape ----

    fn err<T>(&self, at: usize, kind: ParseErrorKind) -> R<T> {
        Err(ParseError { offset: at, kind })
    }

    /// What `unexpected` reports at `at`.
    fn unexpected<T>(&self, at: usize, what: &'static str) -> R<T> {
        self.err(at, unexpected_kind(self.s, at, what))
    }

    #[inline]
    fn first(&self, at: usize) -> Option<u8> {
        self.s.get(at).copied()
    }

    /// Pushes a node without children.
    #[inline]
    fn leaf(&mut self, kind: Kind, aux: u16, a: u32, b: u32) {
        let next = self.t.len() as u32 + 1;
        self.t.push(Node { kind, aux, next, a, b });
    }

    /// Pushes a node whose children follow; [`Scan::close`] sets where they end.
    #[inline]
    fn open(&mut self, kind: Kind, aux: u16, a: u32, b: u32) -> usize {
        let idx = self.t.len();
        self.t.push(Node { kind, aux, next: 0, a, b });
        idx
    }

    #[inline]
    fn close(&mut self, idx: usize) {
        self.t[idx].next = self.t.len() as u32;
    }

    #[inline]
    fn str_leaf(&mut self, s: Str) {
        self.leaf(s.kind, 0, s.start as u32, s.end as u32);
    }

    // ---- lexical rules (codec/lex.rs, shared with the nom parsers) ----

    #[inline]
    fn sp(&self, at: usize) -> R {
        lex::sp(self.s, at)
    }

    #[inline]
    fn spaces(&self, at: usize) -> usize {
        lex::spaces(self.s, at)
    }

    #[inline]
    fn list_end(&self, at: usize) -> R<(usize, bool)> {
        lex::list_end(self.s, at)
    }

    #[inline]
    fn line_end(&self, at: usize) -> R {
        lex::line_end(self.s, at)
    }

    #[inline]
    fn byte(&self, at: usize, b: u8, what: &'static str) -> R {
        if self.first(at) == Some(b) {
            Ok(at + 1)
        } else {
            self.unexpected(at, what)
        }
    }

    /// `word`, case-insensitively.
    #[inline]
    fn keyword(&self, at: usize, word: &'static str) -> R {
        match self.s.get(at..at + word.len()) {
            Some(w) if w.eq_ignore_ascii_case(word.as_bytes()) => Ok(at + word.len()),
            _ => self.unexpected(at, word),
        }
    }

    #[inline]
    fn nz_number(&self, at: usize) -> R<(usize, u32)> {
        lex::nz_number(self.s, at)
    }

    #[inline]
    fn number_l(&self, at: usize) -> R<(usize, u32)> {
        lex::number_l(self.s, at)
    }

    #[inline]
    fn number64_l(&self, at: usize) -> R<(usize, u64)> {
        lex::number64(self.s, at)
    }

    /// A string's span as a [`Str`]: escapes are undone on access.
    #[inline]
    fn str_of(span: lex::Span) -> Str {
        let kind = if span.escaped { Kind::QuotedEscaped } else { Kind::Quoted };
        Str { kind, start: span.start, end: span.end }
    }

    /// A literal's span as a [`Str`].
    #[inline]
    fn literal_str((end, span, binary): (usize, lex::Span, bool)) -> (usize, Str) {
        let kind = if binary { Kind::Literal8 } else { Kind::Literal };
        (end, Str { kind, start: span.start, end: span.end })
    }

    #[inline]
    fn quoted_l(&self, at: usize) -> R<(usize, Str)> {
        lex::quoted_l(self.s, at).map(|(j, q)| (j, Self::str_of(q)))
    }

    fn literal_raw(&self, at: usize, binary: bool) -> R<(usize, Str)> {
        lex::literal_raw(self.s, at, binary).map(Self::literal_str)
    }

    fn literal(&self, at: usize, binary: bool) -> R<(usize, Str)> {
        lex::literal(self.s, at, binary).map(Self::literal_str)
    }

    /// `string = quoted / literal`, leniently.
    #[inline]
    fn string_l(&self, at: usize) -> R<(usize, Str)> {
        match self.first(at) {
            Some(b'"') => self.quoted_l(at),
            Some(b'{') => self.literal_raw(at, false),
            _ => self.unexpected(at, "string"),
        }
    }

    /// `nstring = string / nil`, leniently, as a node. NIL is a [`Kind::Nil`] node, which
    /// the `string_or_nil` fields read as empty.
    #[inline]
    fn nstring_l(&mut self, at: usize) -> R {
        match self.first(at) {
            Some(b'"' | b'{') => {
                let (j, s) = self.string_l(at)?;
                self.str_leaf(s);
                Ok(j)
            }
            _ => {
                let j = self.keyword(at, "NIL")?;
                self.leaf(Kind::Nil, 0, j as u32, j as u32);
                Ok(j)
            }
        }
    }

    /// `astring = 1*ASTRING-CHAR / string`, leniently, as a node.
    fn astring_l(&mut self, at: usize) -> R {
        if let Some(b'"' | b'{') = self.first(at) {
            let (j, s) = self.string_l(at)?;
            self.str_leaf(s);
            return Ok(j);
        }
        let n = chars::prefix_len(&self.s[at..], ASTRING);
        if n == 0 {
            return self.unexpected(at, "astring");
        }
        self.leaf(Kind::Atom, 0, at as u32, (at + n) as u32);
        Ok(at + n)
    }

    /// The strict `quoted` of the command grammar, for header-field names.
    fn quoted(&self, at: usize) -> R<(usize, Str)> {
        lex::quoted(self.s, at).map(|(j, q)| (j, Self::str_of(q)))
    }

    /// The strict `astring = 1*ASTRING-CHAR / string`, as a node (header-field names).
    fn astring(&mut self, at: usize) -> R {
        let (j, s) = match self.first(at) {
            Some(b'"') => self.quoted(at)?,
            Some(b'{') => self.literal(at, false)?,
            _ => {
                let n = chars::prefix_len(&self.s[at..], ASTRING);
                if n == 0 {
                    return self.unexpected(at, "astring");
                }
                (at + n, Str { kind: Kind::Atom, start: at, end: at + n })
            }
        };
        self.str_leaf(s);
        Ok(j)
    }

    /// `flag-fetch = flag / "\Recent"` (`lex::flag_fetch`), as a [`Kind::Flag`] node.
    fn flag_fetch(&mut self, at: usize) -> R {
        let (end, kind) = lex::flag_fetch(self.s, at)?;
        self.leaf(Kind::Flag, kind as u16, at as u32, end as u32);
        Ok(end)
    }

    // ---- the response ----

    /// `response-data = "*" SP message-data CRLF` where `message-data = nz-number SP
    /// "FETCH" SP msg-att`; anything else is refused (use `parse_response`).
    pub(super) fn response(&mut self) -> R<()> {
        if self.s.len() > u32::MAX as usize {
            return self.err(0, ParseErrorKind::Expected("a message shorter than 4 GiB"));
        }
        let at = self.byte(0, b'*', "* (an untagged FETCH)")?;
        let at = self.sp(at)?;
        if !self.first(at).is_some_and(|b| b.is_ascii_digit()) {
            return self.err(at, ParseErrorKind::Expected("a message number (only FETCH has a view)"));
        }
        let (j, _) = self.number_l(at)?;
        let j = self.sp(j)?;
        let n = chars::prefix_len(&self.s[j..], ATOM);
        if n == 0 {
            return self.unexpected(j, "atom");
        }
        if !self.s[j..j + n].eq_ignore_ascii_case(b"FETCH") {
            return self.err(j, ParseErrorKind::Expected("FETCH (only FETCH has a view)"));
        }
        let (_, seq) = self.nz_number(at)?;
        let root = self.open(Kind::Fetch, 0, seq, 0);
        let k = self.sp(j + n)?;
        let k = self.msg_att(k)?;
        self.close(root);
        let k = self.line_end(k)?;
        if k != self.s.len() {
            return self.err(k, ParseErrorKind::Trailing);
        }
        Ok(())
    }

    /// `msg-att = "(" (msg-att-dynamic / msg-att-static) *(SP (msg-att-dynamic /
    /// msg-att-static)) ")"`
    fn msg_att(&mut self, at: usize) -> R {
        let mut i = self.spaces(self.byte(at, b'(', "(")?);
        loop {
            let j = self.msg_att_item(i)?;
            let (j, end) = self.list_end(j)?;
            if end {
                return Ok(j);
            }
            i = j;
        }
    }

    /// `msg-att-dynamic / msg-att-static` with the extension items.
    fn msg_att_item(&mut self, at: usize) -> R {
        let src: &'a [u8] = self.s;
        let s = &src[at..];
        let n = s.iter().position(|&b| b == b'[' || !chars::is(b, ATOM)).unwrap_or(s.len());
        if n == 0 {
            return self.unexpected(at, "fetch item");
        }
        let name = &src[at..at + n];
        let rest = at + n;
        let eq = |w: &str| name.eq_ignore_ascii_case(w.as_bytes());
        if self.first(rest) == Some(b'[') {
            if eq("BODY") {
                let item = self.open(Kind::BodySection, 0, 0, 0);
                let j = self.section(rest)?;
                let j = self.origin(j, item)?;
                let j = self.sp(j)?;
                let j = self.nstring_l(j)?;
                self.close(item);
                return Ok(j);
            }
            if eq("BINARY") {
                let item = self.open(Kind::Binary, 0, 0, 0);
                let j = self.section_binary(rest)?;
                let j = self.origin(j, item)?;
                let j = self.sp(j)?;
                let j = match self.first(j) {
                    Some(b'~' | b'{') => {
                        let (j, lit) = self.literal(j, true)?;
                        self.str_leaf(lit);
                        j
                    }
                    _ => self.nstring_l(j)?,
                };
                self.close(item);
                return Ok(j);
            }
            if eq("BINARY.SIZE") {
                let item = self.open(Kind::BinarySize, 0, 0, 0);
                let j = self.section_binary(rest)?;
                let j = self.sp(j)?;
                let (j, size) = self.number_l(j)?;
                self.t[item].a = size;
                self.close(item);
                return Ok(j);
            }
            return self.other(at);
        }
        let j = self.sp(rest)?;
        match name.len() {
            3 if eq("UID") => {
                let (j, v) = self.number_l(j)?;
                self.leaf(Kind::Uid, 0, v, 0);
                Ok(j)
            }
            4 if eq("BODY") => self.wrapped(Kind::Body, j, |p, j| p.body(j, 0)),
            5 if eq("FLAGS") => self.wrapped(Kind::Flags, j, Self::flag_fetch_list),
            6 if eq("RFC822") => self.wrapped(Kind::Rfc822, j, Self::nstring_l),
            6 if eq("MODSEQ") => {
                let j = self.spaces(self.byte(j, b'(', "(")?);
                let (j, v) = self.number64_l(j)?;
                let j = self.byte(self.spaces(j), b')', ")")?;
                self.leaf(Kind::ModSeq, 0, v as u32, (v >> 32) as u32);
                Ok(j)
            }
            8 if eq("ENVELOPE") => self.wrapped(Kind::EnvelopeItem, j, Self::envelope),
            10 if eq("X-GM-MSGID") || eq("X-GM-THRID") => {
                let (j, v) = self.number64_l(j)?;
                let kind = if eq("X-GM-MSGID") { Kind::GmailMessageId } else { Kind::GmailThreadId };
                self.leaf(kind, 0, v as u32, (v >> 32) as u32);
                Ok(j)
            }
            11 if eq("RFC822.SIZE") => {
                let (j, v) = self.number_l(j)?;
                self.leaf(Kind::Rfc822Size, 0, v, 0);
                Ok(j)
            }
            11 if eq("RFC822.TEXT") => self.wrapped(Kind::Rfc822Text, j, Self::nstring_l),
            11 if eq("X-GM-LABELS") => self.wrapped(Kind::GmailLabels, j, Self::gmail_labels),
            12 if eq("INTERNALDATE") => self.date_time_leaf(Kind::InternalDate, j),
            7 if eq("PREVIEW") => self.wrapped(Kind::Preview, j, Self::nstring_l),
            7 if eq("EMAILID") => {
                let (j, (a, b)) = self.objectid_paren(j)?;
                self.leaf(Kind::EmailId, 0, a, b);
                Ok(j)
            }
            8 if eq("THREADID") => {
                if let Ok(k) = self.keyword(j, "NIL") {
                    self.leaf(Kind::ThreadId, 1, 0, 0);
                    return Ok(k);
                }
                let (j, (a, b)) = self.objectid_paren(j)?;
                self.leaf(Kind::ThreadId, 0, a, b);
                Ok(j)
            }
            8 if eq("SAVEDATE") => {
                if let Ok(k) = self.keyword(j, "NIL") {
                    self.leaf(Kind::SaveDate, SAVEDATE_NIL, 0, 0);
                    return Ok(k);
                }
                self.date_time_leaf(Kind::SaveDate, j)
            }
            13 if eq("RFC822.HEADER") => self.wrapped(Kind::Rfc822Header, j, Self::nstring_l),
            13 if eq("BODYSTRUCTURE") => self.wrapped(Kind::BodyStructure, j, |p, j| p.body(j, 0)),
            _ => self.other(at),
        }
    }

    /// A `date-time` as a `kind` leaf: `a` + `b` << 32 the seconds, `aux` the zone.
    fn date_time_leaf(&mut self, kind: Kind, j: usize) -> R {
        match date_time_fields_slice(&self.s[j..]) {
            Ok((n, dt)) => {
                let ts = dt.timestamp();
                let zone = dt.zone_minutes();
                self.leaf(kind, (zone + super::ZONE_BIAS) as u16, ts as u32, (ts >> 32) as u32);
                Ok(j + n)
            }
            Err((k, kind)) => self.err(j + k, kind),
        }
    }

    /// `"(" objectid ")"` with `objectid = 1*255(ALPHA / DIGIT / "_" / "-")` (RFC 8474
    /// §7): the identifier's span.
    fn objectid_paren(&self, at: usize) -> R<(usize, (u32, u32))> {
        let start = self.byte(at, b'(', "(")?;
        let end = lex::objectid(self.s, start)?;
        let j = self.byte(end, b')', ")")?;
        Ok((j, (start as u32, end as u32)))
    }

    /// An item node around what `f` parses.
    #[inline]
    fn wrapped(&mut self, kind: Kind, at: usize, f: impl FnOnce(&mut Self, usize) -> R) -> R {
        let item = self.open(kind, 0, 0, 0);
        let j = f(self, at)?;
        self.close(item);
        Ok(j)
    }

    /// `"<" number ">"` after a section in a response; recorded on the item node.
    fn origin(&mut self, at: usize, item: usize) -> R {
        if self.first(at) != Some(b'<') {
            return Ok(at);
        }
        let (j, n) = self.number_l(at + 1)?;
        let j = self.byte(j, b'>', ">")?;
        self.t[item].aux = 1;
        self.t[item].a = n;
        Ok(j)
    }

    /// `"(" [flag-fetch *(SP flag-fetch)] ")"`
    fn flag_fetch_list(&mut self, at: usize) -> R {
        let mut i = self.spaces(self.byte(at, b'(', "(")?);
        if self.first(i) == Some(b')') {
            return Ok(i + 1);
        }
        loop {
            let j = self.flag_fetch(i)?;
            let (j, end) = self.list_end(j)?;
            if end {
                return Ok(j);
            }
            i = j;
        }
    }

    /// `"(" [label *(SP label)] ")"`, a label being an astring or `\` atom.
    fn gmail_labels(&mut self, at: usize) -> R {
        let mut i = self.spaces(self.byte(at, b'(', "(")?);
        if self.first(i) == Some(b')') {
            return Ok(i + 1);
        }
        loop {
            let j = if self.first(i) == Some(b'\\') {
                let n = 1 + chars::prefix_len(&self.s[i + 1..], ATOM);
                self.leaf(Kind::Atom, 0, i as u32, (i + n) as u32);
                i + n
            } else {
                self.astring_l(i)?
            };
            let (j, end) = self.list_end(j)?;
            if end {
                return Ok(j);
            }
            i = j;
        }
    }

    /// An unknown item: its name (with any `[section]<origin>`) and raw value.
    fn other(&mut self, at: usize) -> R {
        let n = other_item_name_len(&self.s[at..]);
        if n == 0 {
            return self.unexpected(at, "fetch item");
        }
        let v = self.sp(at + n)?;
        let end = self.raw_value(v, 0)?;
        let item = self.open(Kind::Other, 0, at as u32, (at + n) as u32);
        self.leaf(Kind::Raw, 0, v as u32, end as u32);
        self.close(item);
        Ok(end)
    }

    /// Skips one value of an unknown item (`lex::raw_value`).
    fn raw_value(&self, at: usize, depth: usize) -> R {
        lex::raw_value(self.s, at, depth)
    }

    // ---- sections (also the command grammar's, through parse/fetch.rs) ----

    /// `section-part = nz-number *("." nz-number)`, one [`Kind::Number`] node each.
    fn section_part(&mut self, at: usize) -> R {
        let (mut i, v) = self.nz_number(at)?;
        self.leaf(Kind::Number, 0, v, 0);
        while self.first(i) == Some(b'.') && self.s.get(i + 1).is_some_and(u8::is_ascii_digit) {
            let (j, v) = self.nz_number(i + 1)?;
            self.leaf(Kind::Number, 0, v, 0);
            i = j;
        }
        Ok(i)
    }

    /// `header-list = "(" header-fld-name *(SP header-fld-name) ")"`
    fn header_list(&mut self, at: usize) -> R {
        let mut i = self.byte(at, b'(', "header-list")?;
        loop {
            let j = self.astring(i)?;
            match self.first(j) {
                Some(b' ') => i = j + 1,
                Some(b')') => return Ok(j + 1),
                _ => return self.unexpected(j, "SP or )"),
            }
        }
    }

    /// `section-text = section-msgtext / "MIME"`; the text kind goes on `section`.
    fn section_text(&mut self, at: usize, after_part: bool, section: usize) -> R {
        let n = chars::prefix_len(&self.s[at..], ATOM);
        if n == 0 {
            return self.unexpected(at, "section-text");
        }
        let w = &self.s[at..at + n];
        let rest = at + n;
        let (text, fields) = if w.eq_ignore_ascii_case(b"HEADER") {
            (super::TEXT_HEADER, false)
        } else if w.eq_ignore_ascii_case(b"TEXT") {
            (super::TEXT_TEXT, false)
        } else if w.eq_ignore_ascii_case(b"MIME") && after_part {
            (super::TEXT_MIME, false)
        } else if w.eq_ignore_ascii_case(b"HEADER.FIELDS") {
            (super::TEXT_FIELDS, true)
        } else if w.eq_ignore_ascii_case(b"HEADER.FIELDS.NOT") {
            (super::TEXT_FIELDS_NOT, true)
        } else {
            return self.err(at, ParseErrorKind::Expected("HEADER, HEADER.FIELDS, HEADER.FIELDS.NOT, TEXT or MIME"));
        };
        self.t[section].aux = text;
        if !fields {
            return Ok(rest);
        }
        let j = self.byte(rest, b' ', "SP")?;
        self.header_list(j)
    }

    /// `section = "[" [section-spec] "]"`, as a [`Kind::Section`] node.
    pub(super) fn section(&mut self, at: usize) -> R {
        let i = self.byte(at, b'[', "[")?;
        let sec = self.open(Kind::Section, 0, 0, 0);
        let i = match self.first(i) {
            Some(b']') => i,
            Some(b'0'..=b'9') => {
                let i = self.section_part(i)?;
                if self.first(i) == Some(b'.') {
                    self.section_text(i + 1, true, sec)?
                } else {
                    i
                }
            }
            _ => self.section_text(i, false, sec)?,
        };
        self.close(sec);
        self.byte(i, b']', "]")
    }

    /// `section-binary = "[" [section-part] "]"` as a [`Kind::Section`] node, for the
    /// command grammar's `BINARY[...]` (the response items put the parts on the item).
    pub(super) fn section_binary_node(&mut self, at: usize) -> R {
        let node = self.open(Kind::Section, 0, 0, 0);
        let j = self.section_binary(at)?;
        self.close(node);
        Ok(j)
    }

    /// `section-binary = "[" [section-part] "]"`
    fn section_binary(&mut self, at: usize) -> R {
        let i = self.byte(at, b'[', "[")?;
        let i = if self.first(i) == Some(b']') { i } else { self.section_part(i)? };
        self.byte(i, b']', "]")
    }
}

/// The length of an unknown FETCH item's name, `[section]<origin>` included: up to the
/// first space, parenthesis or line end outside brackets.
fn other_item_name_len(s: &[u8]) -> usize {
    let mut n = 0;
    let mut depth = 0u32;
    while n < s.len() {
        match s[n] {
            b'[' => depth += 1,
            b']' => depth = depth.saturating_sub(1),
            b' ' | b'(' | b')' | b'\r' | b'\n' if depth == 0 => break,
            _ => {}
        }
        n += 1;
    }
    n
}

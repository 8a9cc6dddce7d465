//! ENVELOPE and BODY/BODYSTRUCTURE (RFC 3501 §9 `envelope`, `body`) onto the tape: the
//! only parser of these rules.

use super::super::{Kind, Str, BODY_EXT, SPEC_MESSAGE, SPEC_TEXT};
use super::{Scan, MAX_DEPTH, R};
use crate::codec::parse::ParseErrorKind;

impl Scan<'_, '_> {
    /// `address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"`
    #[inline]
    fn address(&mut self, at: usize) -> R {
        let i = self.byte(at, b'(', "address")?;
        let node = self.open(Kind::Address, 0, 0, 0);
        let i = self.nstring_l(self.spaces(i))?;
        let i = self.sp(i)?;
        let i = self.nstring_l(i)?;
        let i = self.sp(i)?;
        let i = self.nstring_l(i)?;
        let i = self.sp(i)?;
        let i = self.nstring_l(i)?;
        self.close(node);
        self.byte(self.spaces(i), b')', ")")
    }

    /// `env-from = "(" 1*address ")" / nil` and the other address lists, with quirk
    /// `empty-address-list`.
    fn address_list(&mut self, at: usize) -> R {
        let node = self.open(Kind::AddressList, 0, 0, 0);
        if self.first(at) != Some(b'(') {
            let j = self.keyword(at, "NIL")?;
            self.close(node);
            return Ok(j);
        }
        let mut i = self.spaces(at + 1);
        loop {
            if self.first(i) == Some(b')') {
                self.close(node);
                return Ok(i + 1);
            }
            let j = self.address(i)?;
            i = self.spaces(j);
        }
    }

    /// `envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP
    /// env-to SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"`
    pub(super) fn envelope(&mut self, at: usize) -> R {
        let i = self.byte(at, b'(', "envelope")?;
        let node = self.open(Kind::Envelope, 0, 0, 0);
        let mut i = self.nstring_l(self.spaces(i))?;
        i = self.nstring_l(self.sp(i)?)?;
        for _ in 0..6 {
            i = self.address_list(self.sp(i)?)?;
        }
        i = self.nstring_l(self.sp(i)?)?;
        i = self.nstring_l(self.sp(i)?)?;
        self.close(node);
        self.byte(self.spaces(i), b')', ")")
    }

    /// A `string` where NIL reads as empty (quirk `nil-string`): an nstring node.
    #[inline]
    fn string_or_nil(&mut self, at: usize) -> R {
        self.nstring_l(at)
    }

    /// `body-fld-param = "(" string SP string *(SP string SP string) ")" / nil`, with quirks
    /// `nil-param-value` and `empty-list`, as a [`Kind::Params`] node of key/value pairs.
    fn body_fld_param(&mut self, at: usize) -> R {
        let node = self.open(Kind::Params, 0, 0, 0);
        if self.first(at) != Some(b'(') {
            let j = self.keyword(at, "NIL")?;
            self.close(node);
            return Ok(j);
        }
        let mut i = self.spaces(at + 1);
        if self.first(i) == Some(b')') {
            self.close(node);
            return Ok(i + 1);
        }
        loop {
            let j = self.string_or_nil(i)?;
            let j = self.sp(j)?;
            let j = self.string_or_nil(j)?;
            let (j, end) = self.list_end(j)?;
            if end {
                self.close(node);
                return Ok(j);
            }
            i = j;
        }
    }

    /// `body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP body-fld-enc SP
    /// body-fld-octets`
    fn body_fields(&mut self, at: usize) -> R {
        let i = self.body_fld_param(at)?;
        let i = self.nstring_l(self.sp(i)?)?;
        let i = self.nstring_l(self.sp(i)?)?;
        let i = self.string_or_nil(self.sp(i)?)?;
        let (i, octets) = self.number_l(self.sp(i)?)?;
        self.leaf(Kind::Number, 0, octets, 0);
        Ok(i)
    }

    /// `body-fld-dsp = "(" string SP body-fld-param ")" / nil`, with quirk
    /// `bare-disposition`.
    fn body_fld_dsp(&mut self, at: usize) -> R {
        match self.first(at) {
            Some(b'(') => {
                let node = self.open(Kind::Disposition, 0, 0, 0);
                let (i, kind) = self.string_l(self.spaces(at + 1))?;
                self.str_leaf(kind);
                let i = self.body_fld_param(self.sp(i)?)?;
                self.close(node);
                self.byte(self.spaces(i), b')', ")")
            }
            Some(b'"' | b'{') => {
                let node = self.open(Kind::Disposition, 0, 0, 0);
                let (i, kind) = self.string_l(at)?;
                self.str_leaf(kind);
                let params = self.open(Kind::Params, 0, 0, 0);
                self.close(params);
                self.close(node);
                Ok(i)
            }
            _ => {
                let j = self.keyword(at, "NIL")?;
                self.leaf(Kind::Disposition, 1, 0, 0);
                Ok(j)
            }
        }
    }

    /// `body-fld-lang = nstring / "(" string *(SP string) ")"`
    fn body_fld_lang(&mut self, at: usize) -> R {
        let node = self.open(Kind::Language, 0, 0, 0);
        if self.first(at) != Some(b'(') {
            let j = self.nstring_l(at)?;
            if self.t[node + 1].kind == Kind::Nil {
                self.t.truncate(node + 1);
                self.t[node].aux = 1;
            }
            self.close(node);
            return Ok(j);
        }
        let mut i = self.spaces(at + 1);
        loop {
            let (j, s) = self.string_l(i)?;
            self.str_leaf(s);
            let (j, end) = self.list_end(j)?;
            if end {
                self.close(node);
                return Ok(j);
            }
            i = j;
        }
    }

    /// `body-extension = nstring / number / "(" body-extension *(SP body-extension) ")"`
    fn body_extension(&mut self, at: usize, depth: usize) -> R {
        if depth > MAX_DEPTH {
            return self.err(at, ParseErrorKind::Expected("shallower nesting"));
        }
        match self.first(at) {
            Some(b'(') => {
                let node = self.open(Kind::ExtensionList, 0, 0, 0);
                let mut i = self.spaces(at + 1);
                loop {
                    let j = self.body_extension(i, depth + 1)?;
                    let (j, end) = self.list_end(j)?;
                    if end {
                        self.close(node);
                        return Ok(j);
                    }
                    i = j;
                }
            }
            Some(b'0'..=b'9' | b'-') => {
                let (j, n) = self.number_l(at)?;
                self.leaf(Kind::Number, 0, n, 0);
                Ok(j)
            }
            _ => self.nstring_l(at),
        }
    }

    /// Whether another `SP item` follows before the closing `)`.
    #[inline]
    fn more(&self, at: usize) -> Option<usize> {
        let j = self.spaces(at);
        (j > at && self.first(j) != Some(b')')).then_some(j)
    }

    /// `[SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]`, as a
    /// [`Kind::Tail`] node whose `aux` counts the fields present of dsp, lang and loc.
    fn extension_tail(&mut self, at: usize, depth: usize) -> R {
        let node = self.open(Kind::Tail, 0, 0, 0);
        let mut i = at;
        for (level, field) in [Self::body_fld_dsp as fn(&mut Self, usize) -> R, Self::body_fld_lang, Self::nstring_l]
            .into_iter()
            .enumerate()
        {
            let Some(j) = self.more(i) else {
                self.close(node);
                return Ok(i);
            };
            i = field(self, j)?;
            self.t[node].aux = level as u16 + 1;
        }
        while let Some(j) = self.more(i) {
            i = self.body_extension(j, depth + 1)?;
        }
        self.close(node);
        Ok(i)
    }

    /// `body = "(" (body-type-1part / body-type-mpart) ")"`
    pub(in crate::codec::view) fn body(&mut self, at: usize, depth: usize) -> R {
        if depth > MAX_DEPTH {
            return self.err(at, ParseErrorKind::Expected("shallower body nesting"));
        }
        let i = self.spaces(self.byte(at, b'(', "body")?);
        let i =
            if self.first(i) == Some(b'(') { self.body_type_mpart(i, depth)? } else { self.body_type_1part(i, depth)? };
        self.byte(self.spaces(i), b')', ")")
    }

    /// `body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]`
    fn body_type_mpart(&mut self, at: usize, depth: usize) -> R {
        let node = self.open(Kind::Multipart, 0, 0, 0);
        let mut i = at;
        while self.first(i) == Some(b'(') {
            let j = self.body(i, depth + 1)?;
            i = self.spaces(j);
        }
        let i = self.string_or_nil(i)?;
        let Some(j) = self.more(i) else {
            self.close(node);
            return Ok(i);
        };
        self.t[node].aux = BODY_EXT;
        let i = self.body_fld_param(j)?;
        let i = self.extension_tail(i, depth)?;
        self.close(node);
        Ok(i)
    }

    /// Whether the string node at `idx` (NIL reading as empty) equals `word`, ignoring
    /// ASCII case.
    fn node_eq(&self, idx: usize, word: &[u8]) -> bool {
        let n = self.t[idx];
        let s = Str { kind: n.kind, start: n.a as usize, end: n.b as usize };
        s.value(self.s).eq_ignore_ascii_case(word)
    }

    /// `body-type-1part = (body-type-basic / body-type-msg / body-type-text) [SP
    /// body-ext-1part]`
    fn body_type_1part(&mut self, at: usize, depth: usize) -> R {
        let node = self.open(Kind::Single, 0, 0, 0);
        let i = self.string_or_nil(at)?;
        let i = self.string_or_nil(self.sp(i)?)?;
        let mut i = self.body_fields(self.sp(i)?)?;
        let (media, sub) = (node + 1, node + 2);
        let mut aux = 0;
        if self.node_eq(media, b"TEXT") {
            // body-type-text: SP body-fld-lines (missing on some broken servers).
            if let Some(j) = self.more(i) {
                if self.first(j).is_some_and(|b| b.is_ascii_digit() || b == b'-') {
                    let (k, lines) = self.number_l(j)?;
                    self.leaf(Kind::Number, 0, lines, 0);
                    aux = SPEC_TEXT;
                    i = k;
                }
            }
        } else if self.node_eq(media, b"MESSAGE") && (self.node_eq(sub, b"RFC822") || self.node_eq(sub, b"GLOBAL")) {
            // body-type-msg: SP envelope SP body SP body-fld-lines, when sent.
            if let Some(j) = self.more(i) {
                if self.first(j) == Some(b'(') {
                    let k = self.envelope(j)?;
                    let k = self.body(self.sp(k)?, depth + 1)?;
                    let (k, lines) = self.number_l(self.sp(k)?)?;
                    self.leaf(Kind::Number, 0, lines, 0);
                    aux = SPEC_MESSAGE;
                    i = k;
                }
            }
        }
        let Some(j) = self.more(i) else {
            self.t[node].aux = aux;
            self.close(node);
            return Ok(i);
        };
        self.t[node].aux = aux | BODY_EXT;
        let i = self.nstring_l(j)?;
        let i = self.extension_tail(i, depth)?;
        self.close(node);
        Ok(i)
    }
}

//! A tokenizer for structured header values: RFC 2822 §3.2 (atoms, quoted strings,
//! comments, folding white space) and the MIME `token` of RFC 2045 §5.1.
//!
//! Every step returns a [`Step`]: more input follows, the input ended, or the input is
//! malformed. White space and comments after a token are skipped; before one they are not.
//! The rules follow what Dovecot accepts, so that ENVELOPE and BODYSTRUCTURE come out the
//! same: 8-bit bytes count as `atext`, a CR or LF inside a quoted string or comment is
//! folding and disappears, and a NUL inside one becomes U+FFFD where asked.

/// A parameter's attribute and value.
pub(crate) type Param = (Vec<u8>, Vec<u8>);

/// The outcome of one lexer step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// A value was read and more input follows.
    More,
    /// A value may have been read; the input ended.
    End,
    /// The input is malformed here.
    Bad,
}

impl Step {
    /// `More` → 1, `End` → 0, `Bad` → -1: the order of the three outcomes.
    fn rank(self) -> i8 {
        match self {
            Step::More => 1,
            Step::End => 0,
            Step::Bad => -1,
        }
    }

    /// Whether more input follows (`> 0`).
    pub(crate) fn more(self) -> bool {
        self == Step::More
    }

    /// Whether the step failed (`< 0`).
    pub(crate) fn bad(self) -> bool {
        self == Step::Bad
    }

    /// Whether the step did not find more input (`<= 0`).
    pub(crate) fn not_more(self) -> bool {
        self.rank() <= 0
    }
}

/// `atext` (RFC 2822 §3.2.4) marks: 1 = atext that is a MIME `tspecial` too would be 4;
/// 2 = alphanumerics and 8-bit; 1 = other atext. `token` (RFC 2045 §5.1) is atext without
/// `/`, `=` and `?`, which carry 4.
const ATEXT: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = if c.is_ascii_alphanumeric() || c >= 0x80 {
            2
        } else {
            match c {
                b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'^' | b'_' | b'`' | b'{' | b'|'
                | b'}' | b'~' => 1,
                b'/' | b'=' | b'?' => 4,
                _ => 0,
            }
        };
        i += 1;
    }
    t
};

/// `atext`, 8-bit included.
pub(crate) fn is_atext(c: u8) -> bool {
    ATEXT[c as usize] != 0
}

/// A MIME `token` character (`atext` without the tspecials `/`, `=`, `?`).
pub(crate) fn is_token_char(c: u8) -> bool {
    ATEXT[c as usize] & 3 != 0
}

/// The replacement for a NUL byte inside quoted strings, comments and domain literals.
const NUL_REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

/// A cursor over one header value.
pub(crate) struct Lexer<'a> {
    data: &'a [u8],
    pos: usize,
    /// When set, the text of the last comment skipped (RFC 2822 §3.2.3), used as the
    /// display name of `addr-spec (Name)`.
    pub(crate) last_comment: Option<Vec<u8>>,
    /// Replace NUL bytes inside quoted strings, comments and domain literals.
    nul_replacement: bool,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `data`.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Lexer { data, pos: 0, last_comment: None, nul_replacement: false }
    }

    /// A lexer that remembers comments and replaces NULs, as address parsing wants.
    pub(crate) fn for_addresses(data: &'a [u8]) -> Self {
        Lexer { data, pos: 0, last_comment: Some(Vec::new()), nul_replacement: true }
    }

    /// The current byte, or 0 at the end (like a C string terminator).
    pub(crate) fn peek(&self) -> u8 {
        self.data.get(self.pos).copied().unwrap_or(0)
    }

    /// Whether the input is exhausted.
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// Moves one byte forward.
    pub(crate) fn bump(&mut self) {
        self.pos += 1;
    }

    /// The current position.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Moves back to a saved position.
    pub(crate) fn reset(&mut self, pos: usize) {
        self.pos = pos;
    }

    fn more_or_end(&self) -> Step {
        if self.at_end() {
            Step::End
        } else {
            Step::More
        }
    }

    /// `comment = "(" *([FWS] ccontent) [FWS] ")"`, nested; the cursor is on `(`.
    pub(crate) fn skip_comment(&mut self) -> Step {
        debug_assert_eq!(self.peek(), b'(');
        if let Some(c) = self.last_comment.as_mut() {
            c.clear();
        }
        self.pos += 1;
        let mut start = self.pos;
        let mut level = 1;
        while self.pos < self.data.len() {
            match self.data[self.pos] {
                0 if self.nul_replacement => {
                    if let Some(c) = self.last_comment.as_mut() {
                        c.extend_from_slice(&self.data[start..self.pos]);
                        c.extend_from_slice(NUL_REPLACEMENT);
                    }
                    start = self.pos + 1;
                }
                b'(' => level += 1,
                b')' => {
                    level -= 1;
                    if level == 0 {
                        if let Some(c) = self.last_comment.as_mut() {
                            c.extend_from_slice(&self.data[start..self.pos]);
                        }
                        self.pos += 1;
                        return self.more_or_end();
                    }
                }
                b'\n' => {
                    if let Some(c) = self.last_comment.as_mut() {
                        let mut end = self.pos;
                        if end > start && self.data[end - 1] == b'\r' {
                            end -= 1;
                        }
                        c.extend_from_slice(&self.data[start..end]);
                        start = self.pos + 1;
                    }
                }
                b'\\' => {
                    self.pos += 1;
                    if self.pos >= self.data.len() {
                        return Step::Bad;
                    }
                    if matches!(self.data[self.pos], b'\r' | b'\n' | 0) {
                        self.pos -= 1;
                    } else {
                        if let Some(c) = self.last_comment.as_mut() {
                            c.extend_from_slice(&self.data[start..self.pos - 1]);
                        }
                        start = self.pos;
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
        Step::Bad
    }

    /// Skips `CFWS` (RFC 2822 §3.2.3): spaces, tabs, CR, LF and comments.
    pub(crate) fn skip_lwsp(&mut self) -> Step {
        while self.pos < self.data.len() {
            match self.data[self.pos] {
                b' ' | b'\t' | b'\r' | b'\n' => self.pos += 1,
                b'(' => {
                    if self.skip_comment().bad() {
                        return Step::Bad;
                    }
                }
                _ => break,
            }
        }
        self.more_or_end()
    }

    /// `atom = [CFWS] 1*atext [CFWS]`.
    pub(crate) fn atom(&mut self, out: &mut Vec<u8>) -> Step {
        if self.at_end() || !is_atext(self.peek()) {
            return Step::Bad;
        }
        let start = self.pos;
        self.pos += 1;
        while self.pos < self.data.len() && is_atext(self.data[self.pos]) {
            self.pos += 1;
        }
        out.extend_from_slice(&self.data[start..self.pos]);
        if self.at_end() {
            Step::End
        } else {
            self.skip_lwsp()
        }
    }

    /// `dot-atom = [CFWS] dot-atom-text [CFWS]`, white space allowed around the dots
    /// (RFC 822 compatibility, RFC 2822 §4.4).
    pub(crate) fn dot_atom(&mut self, out: &mut Vec<u8>) -> Step {
        if self.at_end() || !is_atext(self.peek()) {
            return Step::Bad;
        }
        let mut start = self.pos;
        self.pos += 1;
        while self.pos < self.data.len() {
            if is_atext(self.data[self.pos]) {
                self.pos += 1;
                continue;
            }
            if start == self.pos {
                return Step::Bad;
            }
            out.extend_from_slice(&self.data[start..self.pos]);
            let r = self.skip_lwsp();
            if r.not_more() {
                return r;
            }
            if self.peek() != b'.' {
                return Step::More;
            }
            self.pos += 1;
            out.push(b'.');
            if self.skip_lwsp().not_more() {
                return Step::Bad;
            }
            start = self.pos;
        }
        out.extend_from_slice(&self.data[start..self.pos]);
        Step::End
    }

    /// `token` (RFC 2045 §5.1), dots included; possibly empty.
    pub(crate) fn mime_token(&mut self, out: &mut Vec<u8>) -> Step {
        let start = self.pos;
        while self.pos < self.data.len() && (is_token_char(self.data[self.pos]) || self.data[self.pos] == b'.') {
            self.pos += 1;
        }
        out.extend_from_slice(&self.data[start..self.pos]);
        if self.at_end() {
            Step::End
        } else {
            self.skip_lwsp()
        }
    }

    /// `quoted-string` (RFC 2822 §3.2.5), unescaped, folding removed; cursor on `"`.
    pub(crate) fn quoted_string(&mut self, out: &mut Vec<u8>) -> Step {
        debug_assert_eq!(self.peek(), b'"');
        self.pos += 1;
        let mut start = self.pos;
        while self.pos < self.data.len() {
            match self.data[self.pos] {
                0 if self.nul_replacement => {
                    out.extend_from_slice(&self.data[start..self.pos]);
                    out.extend_from_slice(NUL_REPLACEMENT);
                    start = self.pos + 1;
                }
                b'"' => {
                    out.extend_from_slice(&self.data[start..self.pos]);
                    self.pos += 1;
                    return self.skip_lwsp();
                }
                b'\n' => {
                    let mut end = self.pos;
                    if end > start && self.data[end - 1] == b'\r' {
                        end -= 1;
                    }
                    out.extend_from_slice(&self.data[start..end]);
                    start = self.pos + 1;
                }
                b'\\' => {
                    self.pos += 1;
                    if self.pos >= self.data.len() {
                        return Step::Bad;
                    }
                    if matches!(self.data[self.pos], b'\r' | b'\n' | 0) {
                        self.pos -= 1;
                    } else {
                        out.extend_from_slice(&self.data[start..self.pos - 1]);
                        start = self.pos;
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
        Step::Bad
    }

    fn atom_or_dot(&mut self, out: &mut Vec<u8>) -> Step {
        let start = self.pos;
        while self.pos < self.data.len() && (is_atext(self.data[self.pos]) || self.data[self.pos] == b'.') {
            self.pos += 1;
        }
        out.extend_from_slice(&self.data[start..self.pos]);
        if self.at_end() {
            Step::End
        } else {
            self.skip_lwsp()
        }
    }

    /// `phrase = 1*word / obs-phrase` (RFC 2822 §3.2.6, §4.1): words joined by one space.
    pub(crate) fn phrase(&mut self, out: &mut Vec<u8>) -> Step {
        if self.at_end() {
            return Step::End;
        }
        if self.peek() == b'.' {
            return Step::Bad;
        }
        loop {
            let r = if self.peek() == b'"' { self.quoted_string(out) } else { self.atom_or_dot(out) };
            if r.not_more() {
                return r;
            }
            let c = self.peek();
            if !is_atext(c) && c != b'"' && c != b'.' {
                break;
            }
            out.push(b' ');
        }
        self.skip_lwsp()
    }

    fn domain_literal(&mut self, out: &mut Vec<u8>) -> Step {
        debug_assert_eq!(self.peek(), b'[');
        let mut start = self.pos;
        self.pos += 1;
        while self.pos < self.data.len() {
            match self.data[self.pos] {
                0 if self.nul_replacement => {
                    out.extend_from_slice(&self.data[start..self.pos]);
                    out.extend_from_slice(NUL_REPLACEMENT);
                    start = self.pos + 1;
                }
                b'[' => return Step::Bad,
                b']' => {
                    out.extend_from_slice(&self.data[start..=self.pos]);
                    self.pos += 1;
                    return self.skip_lwsp();
                }
                b'\n' => {
                    let mut end = self.pos;
                    if end > start && self.data[end - 1] == b'\r' {
                        end -= 1;
                    }
                    out.extend_from_slice(&self.data[start..end]);
                    start = self.pos + 1;
                }
                b'\\' => {
                    self.pos += 1;
                    if self.pos >= self.data.len() {
                        return Step::Bad;
                    }
                    if matches!(self.data[self.pos], b'\r' | b'\n' | 0) {
                        out.extend_from_slice(&self.data[start..self.pos]);
                        start = self.pos;
                        self.pos -= 1;
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
        Step::Bad
    }

    /// `domain = dot-atom / domain-literal / obs-domain`; the cursor is on `@`.
    pub(crate) fn domain(&mut self, out: &mut Vec<u8>) -> Step {
        debug_assert_eq!(self.peek(), b'@');
        self.pos += 1;
        if self.skip_lwsp().not_more() {
            return Step::Bad;
        }
        if self.peek() == b'[' {
            self.domain_literal(out)
        } else {
            self.dot_atom(out)
        }
    }

    /// `type "/" subtype` of Content-Type (RFC 2045 §5.1), followed by the end or `;`.
    /// On a malformed value the step is `Bad` and the caller reads no parameters; `out`
    /// then keeps a lone type that ends the value (`text`), and is emptied otherwise
    /// (`text; charset=x`, `text/plain junk`), the way Dovecot reports such parts.
    pub(crate) fn content_type(&mut self, out: &mut Vec<u8>) -> Step {
        let len0 = out.len();
        if self.skip_lwsp().not_more() {
            return Step::Bad;
        }
        if self.mime_token(out).not_more() || out.len() == len0 {
            return Step::Bad;
        }
        if self.peek() != b'/' {
            out.truncate(len0);
            return Step::Bad;
        }
        self.pos += 1;
        if self.skip_lwsp().not_more() {
            out.truncate(len0);
            return Step::Bad;
        }
        out.push(b'/');
        let len1 = out.len();
        let r = self.mime_token(out);
        if r.bad() || out.len() == len1 || (!self.at_end() && self.peek() != b';') {
            out.truncate(len0);
            return Step::Bad;
        }
        r
    }

    /// `";" attribute "=" value` (RFC 2045 §5.1). `None` at the end of input; `Some(Err)`
    /// for a malformed parameter.
    pub(crate) fn content_param(&mut self) -> Option<Result<Param, ()>> {
        if self.at_end() {
            return None;
        }
        if self.peek() != b';' {
            return Some(Err(()));
        }
        self.pos += 1;
        if self.skip_lwsp().not_more() {
            return Some(Err(()));
        }
        let mut key = Vec::new();
        if self.mime_token(&mut key).not_more() {
            return Some(Err(()));
        }
        if self.peek() != b'=' {
            return Some(Err(()));
        }
        self.pos += 1;
        let mut value = Vec::new();
        let r = self.skip_lwsp();
        let r = if r.not_more() {
            r
        } else if self.peek() == b'"' {
            self.quoted_string(&mut value)
        } else if self.peek() == b'=' {
            // `name==?utf-8?b?...?=`: an unquoted encoded word, taken up to white space.
            while self.pos < self.data.len() && !matches!(self.data[self.pos], b';' | b' ' | b'\t' | b'\r' | b'\n') {
                value.push(self.data[self.pos]);
                self.pos += 1;
            }
            Step::More
        } else {
            self.mime_token(&mut value)
        };
        if r.bad() {
            Some(Err(()))
        } else {
            Some(Ok((key, value)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let mut out = Vec::new();
        let mut l = Lexer::new(b"  (a (nested) comment) text / plain ; x=1");
        assert_eq!(l.content_type(&mut out), Step::More);
        assert_eq!(out, b"text/plain");
        assert_eq!(l.content_param(), Some(Ok((b"x".to_vec(), b"1".to_vec()))));
        assert_eq!(l.content_param(), None);

        let mut out = Vec::new();
        let mut l = Lexer::new(b"text");
        assert_eq!(l.content_type(&mut out), Step::Bad);
        assert_eq!(out, b"text");
        let mut out = Vec::new();
        let mut l = Lexer::new(b"text; charset=x");
        assert_eq!(l.content_type(&mut out), Step::Bad);
        assert!(out.is_empty());

        let mut out = Vec::new();
        let mut l = Lexer::new(b"\"a \\\"b\\\" c\" rest");
        assert_eq!(l.quoted_string(&mut out), Step::More);
        assert_eq!(out, b"a \"b\" c");

        let mut out = Vec::new();
        let mut l = Lexer::new(b"John  Q. \"Public\" <");
        assert_eq!(l.phrase(&mut out), Step::More);
        assert_eq!(out, b"John Q. Public");
        assert_eq!(l.peek(), b'<');

        let mut out = Vec::new();
        let mut l = Lexer::new(b"a . b .c@d");
        assert_eq!(l.dot_atom(&mut out), Step::More);
        assert_eq!(out, b"a.b.c");
    }

    #[test]
    fn comments() {
        let mut l = Lexer::for_addresses(b"(one) (two \\) three) x");
        assert_eq!(l.skip_lwsp(), Step::More);
        assert_eq!(l.last_comment.as_deref(), Some(&b"two ) three"[..]));
        let mut l = Lexer::new(b"(unterminated");
        assert_eq!(l.skip_lwsp(), Step::Bad);
    }
}

//! What a part's Content-* fields say (RFC 2045 §5, §6, §7, §8; RFC 2183; RFC 3282;
//! RFC 2557; RFC 1864), read the way BODYSTRUCTURE reports it, and the string clean-ups
//! that ENVELOPE and BODYSTRUCTURE apply to header text.
//!
//! Each field counts once: the first Content-Type, Content-Transfer-Encoding, Content-ID,
//! ... wins. In a part that is not MIME (no MIME-Version and no Content-Type outside a
//! multipart) the Content-* fields are ignored (RFC 2045 §4).

use bytes::Bytes;

use super::header::{field_value, read_block};
use super::lexer::Lexer;
use super::params::parse_parameters;
use super::part::{Part, IS_MIME};
use crate::types::IString;

/// The Content-* data of one part.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ContentInfo {
    /// `type` of Content-Type, as written; `None` without a Content-Type.
    pub(crate) media_type: Option<Vec<u8>>,
    /// `subtype`, as written; empty when the field had none.
    pub(crate) subtype: Vec<u8>,
    /// Content-Type parameters.
    pub(crate) params: Vec<(Vec<u8>, Vec<u8>)>,
    /// Content-Transfer-Encoding `mechanism`.
    pub(crate) encoding: Option<Vec<u8>>,
    /// Content-ID, raw.
    pub(crate) id: Option<Vec<u8>>,
    /// Content-Description, raw.
    pub(crate) description: Option<Vec<u8>>,
    /// Content-MD5, raw.
    pub(crate) md5: Option<Vec<u8>>,
    /// Content-Location, raw.
    pub(crate) location: Option<Vec<u8>>,
    /// Content-Disposition type.
    pub(crate) disposition: Option<Vec<u8>>,
    /// Content-Disposition parameters.
    pub(crate) disposition_params: Vec<(Vec<u8>, Vec<u8>)>,
    /// Content-Language tags.
    pub(crate) language: Option<Vec<Vec<u8>>>,
}

impl ContentInfo {
    /// The value of the Content-Type parameter `name` (case-insensitive).
    pub(crate) fn param(&self, name: &str) -> Option<&[u8]> {
        self.params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name.as_bytes())).map(|(_, v)| v.as_slice())
    }

    /// Whether the part is text: `text/*`, or no Content-Type at all.
    pub(crate) fn is_text(&self) -> bool {
        self.media_type.as_ref().is_none_or(|t| t.eq_ignore_ascii_case(b"text"))
    }
}

/// A header value with NULs replaced by U+FFFD, as a C string copy of it would be.
pub(crate) fn nul_free(value: &[u8]) -> Vec<u8> {
    if memchr::memchr(0, value).is_none() {
        return value.to_vec();
    }
    let mut out = Vec::with_capacity(value.len() + 8);
    for &c in value {
        if c == 0 {
            out.extend_from_slice("\u{FFFD}".as_bytes());
        } else {
            out.push(c);
        }
    }
    out
}

/// Reads the Content-* fields of `part`.
pub(crate) fn content_info(part: &Part) -> ContentInfo {
    let mut info = ContentInfo::default();
    if part.flags & IS_MIME == 0 {
        return info;
    }
    let block: Bytes = part.header_bytes();
    let (fields, _) = read_block(&block, 0);
    for f in &fields {
        let name = &block[f.start..f.name_end];
        if name.len() < 8 || !name[..8].eq_ignore_ascii_case(b"Content-") {
            continue;
        }
        let rest = &name[8..];
        let value = nul_free(&field_value(&block, f));
        if rest.eq_ignore_ascii_case(b"ID") {
            info.id.get_or_insert(value);
        } else if rest.eq_ignore_ascii_case(b"MD5") {
            info.md5.get_or_insert(value);
        } else if rest.eq_ignore_ascii_case(b"Type") {
            if info.media_type.is_none() {
                content_type(&mut info, &value);
            }
        } else if rest.eq_ignore_ascii_case(b"Transfer-Encoding") {
            if info.encoding.is_none() {
                let mut lexer = Lexer::new(&value);
                let _ = lexer.skip_lwsp();
                let mut token = Vec::new();
                if !lexer.mime_token(&mut token).bad()
                    && lexer.skip_lwsp() == super::lexer::Step::End
                    && !token.is_empty()
                {
                    info.encoding = Some(token);
                }
            }
        } else if rest.eq_ignore_ascii_case(b"Language") {
            if info.language.is_none() {
                content_language(&mut info, &value);
            }
        } else if rest.eq_ignore_ascii_case(b"Location") {
            info.location.get_or_insert(value);
        } else if rest.eq_ignore_ascii_case(b"Description") {
            info.description.get_or_insert(value);
        } else if rest.eq_ignore_ascii_case(b"Disposition") && info.disposition_params.is_empty() {
            let mut lexer = Lexer::new(&value);
            let _ = lexer.skip_lwsp();
            let mut token = Vec::new();
            if !lexer.mime_token(&mut token).bad() {
                info.disposition = Some(token);
                info.disposition_params = parse_parameters(&mut lexer);
            }
        }
    }
    info
}

fn content_type(info: &mut ContentInfo, value: &[u8]) {
    let mut lexer = Lexer::new(value);
    let _ = lexer.skip_lwsp();
    let mut ct = Vec::new();
    let ok = !lexer.content_type(&mut ct).bad();
    match memchr::memchr(b'/', &ct) {
        Some(slash) => {
            info.subtype = ct[slash + 1..].to_vec();
            ct.truncate(slash);
        }
        None => info.subtype = Vec::new(),
    }
    info.media_type = Some(ct);
    if ok {
        info.params = parse_parameters(&mut lexer);
    }
}

/// `Content-Language: 1#Language-tag` (RFC 3282 §2).
fn content_language(info: &mut ContentInfo, value: &[u8]) {
    let mut lexer = Lexer::new(value);
    let _ = lexer.skip_lwsp();
    let mut langs = Vec::new();
    loop {
        let mut tag = Vec::new();
        if lexer.atom(&mut tag).bad() {
            break;
        }
        langs.push(tag);
        if lexer.at_end() || lexer.peek() != b',' {
            break;
        }
        lexer.bump();
        let _ = lexer.skip_lwsp();
    }
    if !langs.is_empty() {
        info.language = Some(langs);
    }
}

/// An [`IString`] from bytes that hold no NUL (a NUL, which can't be sent in an IMAP
/// string, becomes 0x80 if one slipped through).
pub(crate) fn istring(v: impl Into<Vec<u8>>) -> IString {
    let mut v = v.into();
    for c in v.iter_mut() {
        if *c == 0 {
            *c = 0x80;
        }
    }
    IString::unvalidated(Bytes::from(v))
}

/// Header text for an nstring that must stay on one line: CR and LF removed, a space
/// put where a line break joined two non-blank characters.
pub(crate) fn one_line(v: &[u8]) -> IString {
    if !v.iter().any(|&c| c == b'\r' || c == b'\n') {
        return istring(v);
    }
    let mut out = Vec::with_capacity(v.len());
    for (i, &c) in v.iter().enumerate() {
        if c != b'\r' && c != b'\n' {
            out.push(c);
        } else if let Some(&next) = v.get(i + 1) {
            if !matches!(next, b' ' | b'\t' | b'\r' | b'\n') {
                out.push(b' ');
            }
        }
    }
    istring(out)
}

/// Header text for people (ENVELOPE subject and names): runs of white space, CR and LF
/// become one space, leading and trailing white space goes, NUL becomes 0x80.
pub(crate) fn for_humans(v: &[u8]) -> IString {
    let mut out = Vec::with_capacity(v.len());
    let mut last_space = true;
    for &c in v {
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                if !last_space {
                    out.push(b' ');
                }
                last_space = true;
            }
            0 => {
                out.push(0x80);
                last_space = false;
            }
            c => {
                out.push(c);
                last_space = false;
            }
        }
    }
    if last_space && out.last() == Some(&b' ') {
        out.pop();
    }
    istring(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleanups() {
        assert_eq!(for_humans(b"  a \t b\n\tc  ").as_bytes(), b"a b c");
        assert_eq!(for_humans(b"   ").as_bytes(), b"");
        assert_eq!(one_line(b"<a@b>\n\t<c@d>").as_bytes(), b"<a@b>\t<c@d>");
        assert_eq!(one_line(b"\n <x>").as_bytes(), b" <x>");
        assert_eq!(nul_free(b"a\0b"), "a\u{FFFD}b".as_bytes());
    }
}

//! Header fields (RFC 2822 §2.2, §3.6) of a message or a MIME part.
//!
//! A field is a name, a colon and a body, folded over lines that start with white space
//! (§2.2.3). The reader is lenient the way real mail needs: the colon may have no space
//! after it, white space before the colon is dropped from the name, and a line without
//! a colon counts as a field whose name is the whole line and whose value is empty.
//! Fields are views into the message's [`Bytes`]; only a folded value is copied when it
//! is unfolded.
//!
//! ```
//! use bytes::Bytes;
//! use imap_machine::mime::Message;
//! let m = Message::parse(Bytes::from_static(b"Subject: a\r\n\tb\r\nX-Y:z\r\n\r\nbody"));
//! let subject = m.header().get("subject").unwrap();
//! assert_eq!(subject.unfolded().as_ref(), b"a\tb");
//! assert_eq!(subject.value().as_ref(), b"a\n\tb");
//! assert_eq!(m.header().get("X-Y").unwrap().value().as_ref(), b"z");
//! ```

use bytes::{Bytes, BytesMut};

/// Where one field sits in its header block, as offsets into the block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FieldSpan {
    /// First byte of the field.
    pub(crate) start: usize,
    /// End of the name (white space before the colon excluded).
    pub(crate) name_end: usize,
    /// Start of the value on the first line (after the colon and its white space).
    pub(crate) value_start: usize,
    /// End of the first line's content (before its CR LF).
    pub(crate) first_line_end: usize,
    /// Start of the second line (just past the first line break).
    pub(crate) first_next: usize,
    /// One past the field's last byte, its final line break included.
    pub(crate) end: usize,
}

/// Splits `[start, end)` of `data` into lines: `(content_start, content_end, next)` where
/// the content excludes the line break and `next` follows it.
fn line_at(data: &[u8], start: usize) -> (usize, usize) {
    match memchr::memchr(b'\n', &data[start..]) {
        Some(i) => {
            let lf = start + i;
            let content_end = if lf > start && data[lf - 1] == b'\r' { lf - 1 } else { lf };
            (content_end, lf + 1)
        }
        None => (data.len(), data.len()),
    }
}

/// Whether the line at `pos` is the empty line that ends a header (`CRLF` or `LF`).
pub(crate) fn is_blank_line(data: &[u8], pos: usize) -> Option<usize> {
    match data.get(pos) {
        Some(b'\n') => Some(pos + 1),
        Some(b'\r') if data.get(pos + 1) == Some(&b'\n') => Some(pos + 2),
        _ => None,
    }
}

/// Reads the field that starts at `pos` (not a blank line, not the end), continuation
/// lines included.
pub(crate) fn read_field(data: &[u8], pos: usize) -> FieldSpan {
    let (first_line_end, first_next) = line_at(data, pos);
    let mut next = first_next;
    let line = &data[pos..first_line_end];
    let (name_end, value_start) = match memchr::memchr(b':', line) {
        Some(colon) => {
            let mut name_end = pos + colon;
            while name_end > pos && matches!(data[name_end - 1], b' ' | b'\t') {
                name_end -= 1;
            }
            // Skip all white space after the colon; if the value is only white space,
            // skip just the first character of it.
            let after = pos + colon + 1;
            let mut v = after;
            while v < first_line_end && matches!(data[v], b' ' | b'\t') {
                v += 1;
            }
            if v == first_line_end && after < first_line_end {
                v = after + 1;
            }
            (name_end, v)
        }
        None => (first_line_end, first_line_end),
    };
    while next < data.len() && matches!(data[next], b' ' | b'\t') {
        next = line_at(data, next).1;
    }
    FieldSpan { start: pos, name_end, value_start, first_line_end, first_next, end: next }
}

/// Reads a whole header block from `pos`: the fields and the offset just past the blank
/// line (or the end of data when there is none).
pub(crate) fn read_block(data: &[u8], mut pos: usize) -> (Vec<FieldSpan>, usize) {
    let mut fields = Vec::new();
    while pos < data.len() {
        if let Some(after) = is_blank_line(data, pos) {
            return (fields, after);
        }
        let f = read_field(data, pos);
        pos = f.end;
        fields.push(f);
    }
    (fields, pos)
}

/// The value of a field the way Dovecot reads it: the first line after the colon, then
/// each continuation line after an LF, CRs dropped. Borrowed when there is one line.
pub(crate) fn field_value(data: &Bytes, f: &FieldSpan) -> Bytes {
    if f.first_next >= f.end {
        return data.slice(f.value_start..f.first_line_end);
    }
    let mut out = BytesMut::with_capacity(f.end - f.value_start);
    out.extend_from_slice(&data[f.value_start..f.first_line_end]);
    let mut pos = f.first_next;
    while pos < f.end {
        let (content_end, next) = line_at(data, pos);
        out.extend_from_slice(b"\n");
        out.extend_from_slice(&data[pos..content_end.min(f.end)]);
        pos = next;
    }
    out.freeze()
}

/// One header field: a view into the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderField {
    block: Bytes,
    span: FieldSpan,
}

impl HeaderField {
    /// The field name as written (white space before the colon dropped).
    pub fn name(&self) -> &[u8] {
        &self.block[self.span.start..self.span.name_end]
    }

    /// The field as it appears in the message: every line, line breaks included.
    pub fn raw(&self) -> Bytes {
        self.block.slice(self.span.start..self.span.end)
    }

    /// The value: after the colon and its white space, continuation lines joined with
    /// LF and CRs dropped (not yet unfolded).
    pub fn value(&self) -> Bytes {
        field_value(&self.block, &self.span)
    }

    /// The value unfolded (RFC 2822 §2.2.3): line breaks removed, nothing else.
    pub fn unfolded(&self) -> Bytes {
        let v = self.value();
        if memchr::memchr(b'\n', &v).is_none() {
            return v;
        }
        Bytes::from(v.iter().copied().filter(|&c| c != b'\n').collect::<Vec<u8>>())
    }

    /// Whether the name is `name`, ignoring ASCII case.
    pub fn is(&self, name: &str) -> bool {
        self.name().eq_ignore_ascii_case(name.as_bytes())
    }
}

/// A header block: the fields of a message or part, and the blank line after them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    block: Bytes,
    fields: Vec<FieldSpan>,
}

impl Header {
    /// Parses the header block `block` (which may or may not end with its blank line).
    pub(crate) fn parse(block: Bytes) -> Header {
        let (fields, _) = read_block(&block, 0);
        Header { block, fields }
    }

    /// The block as it appears in the message.
    pub fn raw(&self) -> &Bytes {
        &self.block
    }

    /// Every field in order.
    pub fn fields(&self) -> impl Iterator<Item = HeaderField> + '_ {
        self.fields.iter().map(|&span| HeaderField { block: self.block.clone(), span })
    }

    /// The first field called `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<HeaderField> {
        self.fields().find(|f| f.is(name))
    }

    /// The last field called `name` (case-insensitive).
    pub fn last(&self, name: &str) -> Option<HeaderField> {
        self.fields().filter(|f| f.is(name)).last()
    }

    /// Every field called `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = HeaderField> + 'a {
        self.fields().filter(move |f| f.is(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields() {
        let h = Header::parse(Bytes::from_static(
            b"A: 1\r\nB :  two\r\n  more\r\n\tend\r\nNoColon\r\nC:\r\nD:   \r\nE:x\r\n\r\n",
        ));
        let all: Vec<(Vec<u8>, Vec<u8>)> = h.fields().map(|f| (f.name().to_vec(), f.value().to_vec())).collect();
        assert_eq!(
            all,
            vec![
                (b"A".to_vec(), b"1".to_vec()),
                (b"B".to_vec(), b"two\n  more\n\tend".to_vec()),
                (b"NoColon".to_vec(), b"".to_vec()),
                (b"C".to_vec(), b"".to_vec()),
                (b"D".to_vec(), b"  ".to_vec()),
                (b"E".to_vec(), b"x".to_vec()),
            ]
        );
        assert_eq!(h.get("b").unwrap().raw().as_ref(), b"B :  two\r\n  more\r\n\tend\r\n");
        assert_eq!(h.get("b").unwrap().unfolded().as_ref(), b"two  more\tend");
    }

    #[test]
    fn bare_lf_and_eof() {
        let h = Header::parse(Bytes::from_static(b"A: 1\nB: 2\n x"));
        let v: Vec<Vec<u8>> = h.fields().map(|f| f.value().to_vec()).collect();
        assert_eq!(v, vec![b"1".to_vec(), b"2\n x".to_vec()]);
    }
}

//! Content-Transfer-Encoding (RFC 2045 §6) and the BINARY items of RFC 3516.
//!
//! `BINARY[part]` is a part's body with its transfer encoding undone: base64 (§6.8) and
//! quoted-printable (§6.7) are decoded; 7bit, 8bit and binary pass through. Any other
//! encoding is [`BinaryError::UnknownCte`], which RFC 3516 §4.3 answers with
//! `NO [UNKNOWN-CTE]`.
//!
//! ```
//! use imap_machine::mime::{decode_quoted_printable, decode_base64};
//! assert_eq!(decode_quoted_printable(b"caf=C3=A9 soft=\r\nbreak"), "café softbreak".as_bytes());
//! assert_eq!(decode_base64(b"SGVs\r\nbG8="), b"Hello");
//! ```

use bytes::{BufMut, Bytes, BytesMut};

use super::content::content_info;
use super::part::Part;

/// Why a BINARY fetch can't be answered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BinaryError {
    /// The part's transfer encoding is not one this library can decode (RFC 3516 §4.3:
    /// `NO [UNKNOWN-CTE]`). Holds the encoding's name.
    #[error("unknown Content-Transfer-Encoding {0:?}")]
    UnknownCte(String),
}

/// A Content-Transfer-Encoding mechanism (RFC 2045 §6.1).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransferEncoding {
    /// `7bit`, also the default when the field is missing.
    SevenBit,
    /// `8bit`
    EightBit,
    /// `binary`
    Binary,
    /// `quoted-printable`
    QuotedPrintable,
    /// `base64`
    Base64,
    /// Anything else, e.g. `x-uuencode`, as written.
    Other(String),
}

impl TransferEncoding {
    /// Reads a mechanism name, case-insensitively.
    pub fn from_name(name: &[u8]) -> TransferEncoding {
        let n = String::from_utf8_lossy(name);
        match n.to_ascii_lowercase().as_str() {
            "7bit" => TransferEncoding::SevenBit,
            "8bit" => TransferEncoding::EightBit,
            "binary" => TransferEncoding::Binary,
            "quoted-printable" => TransferEncoding::QuotedPrintable,
            "base64" => TransferEncoding::Base64,
            _ => TransferEncoding::Other(n.into_owned()),
        }
    }

    /// The transfer encoding of `part` (7bit when it has none).
    pub fn of(part: &Part) -> TransferEncoding {
        content_info(part).encoding.map_or(TransferEncoding::SevenBit, |e| TransferEncoding::from_name(&e))
    }

    /// Undoes the encoding; passes 7bit, 8bit and binary through without copying.
    pub fn decode(&self, data: Bytes) -> Result<Bytes, BinaryError> {
        match self {
            TransferEncoding::SevenBit | TransferEncoding::EightBit | TransferEncoding::Binary => Ok(data),
            TransferEncoding::QuotedPrintable => Ok(Bytes::from(decode_quoted_printable(&data))),
            TransferEncoding::Base64 => Ok(Bytes::from(decode_base64(&data))),
            TransferEncoding::Other(name) => Err(BinaryError::UnknownCte(name.clone())),
        }
    }
}

/// Decodes quoted-printable (RFC 2045 §6.7): `=XX` is an octet, `=` at the end of a line
/// is a soft line break, white space at the end of a line is dropped (rule 3). A
/// malformed `=` sequence is kept as it is, as §6.7 recommends for robustness.
pub fn decode_quoted_printable(data: &[u8]) -> Vec<u8> {
    let hex = |c: Option<&u8>| c.and_then(|&c| super::params::hex(c));
    let mut out = Vec::with_capacity(data.len());
    let mut rest = data;
    loop {
        let (line, has_lf, next) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..i], true, &rest[i + 1..]),
            None => (rest, false, &rest[rest.len()..]),
        };
        let line = if has_lf { line.strip_suffix(b"\r").unwrap_or(line) } else { line };
        let mut end = line.len();
        while end > 0 && matches!(line[end - 1], b' ' | b'\t') {
            end -= 1;
        }
        let content = &line[..end];
        let mut soft = false;
        let mut i = 0;
        while i < content.len() {
            let c = content[i];
            if c == b'=' {
                if i + 1 == content.len() {
                    soft = true;
                    break;
                }
                if let (Some(h), Some(l)) = (hex(content.get(i + 1)), hex(content.get(i + 2))) {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
            }
            out.push(c);
            i += 1;
        }
        if !has_lf {
            break;
        }
        if !soft {
            out.extend_from_slice(b"\r\n");
        }
        rest = next;
    }
    out
}

/// Decodes base64 (RFC 2045 §6.8), ignoring line breaks and other characters outside
/// the alphabet, and stopping at the padding.
pub fn decode_base64(data: &[u8]) -> Vec<u8> {
    super::charset::decode_base64_lenient(data).unwrap_or_default()
}

/// `BINARY[part]`: the part's decoded body. An empty path is the whole message; its body
/// is decoded when the message is a single part with an encoding.
pub(crate) fn binary(root: &Part, message: &Bytes, path: &[std::num::NonZeroU32]) -> Result<Bytes, BinaryError> {
    let Some(part) = super::section::find_part(root, path) else { return Ok(Bytes::new()) };
    let encoding = TransferEncoding::of(part);
    if path.is_empty() {
        if part.children().is_empty()
            && !matches!(encoding, TransferEncoding::SevenBit | TransferEncoding::EightBit | TransferEncoding::Binary)
        {
            let body = encoding.decode(part.body())?;
            let header = part.header_bytes();
            let mut out = BytesMut::with_capacity(header.len() + body.len());
            out.put_slice(&header);
            out.put_slice(&body);
            return Ok(out.freeze());
        }
        return Ok(message.clone());
    }
    encoding.decode(part.body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable() {
        let t = |a: &[u8], b: &[u8]| assert_eq!(decode_quoted_printable(a), b, "{:?}", String::from_utf8_lossy(a));
        t(b"a=3Db", b"a=b");
        t(b"soft=\r\nbreak", b"softbreak");
        t(b"soft=  \r\nbreak", b"softbreak");
        t(b"trailing   \r\nnext", b"trailing\r\nnext");
        t(b"bad=ZZ=4", b"bad=ZZ=4");
        t(b"lower=e9", b"lower\xe9");
        t(b"line\nbare", b"line\r\nbare");
        t(b"end=", b"end");
    }

    #[test]
    fn base64() {
        assert_eq!(decode_base64(b"SGVsbG8s\r\nIHdvcmxkIQ=="), b"Hello, world!");
        assert_eq!(decode_base64(b"AAECAwQFBgcICQ=="), (0u8..10).collect::<Vec<_>>());
        assert_eq!(decode_base64(b"SGk"), b"Hi");
        assert_eq!(decode_base64(b"!!"), b"");
    }

    #[test]
    fn names() {
        assert_eq!(TransferEncoding::from_name(b"BASE64"), TransferEncoding::Base64);
        assert_eq!(TransferEncoding::from_name(b"Quoted-Printable"), TransferEncoding::QuotedPrintable);
        assert!(matches!(
            TransferEncoding::from_name(b"x-uuencode").decode(Bytes::new()),
            Err(BinaryError::UnknownCte(n)) if n == "x-uuencode"
        ));
    }
}

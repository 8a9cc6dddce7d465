//! Modified UTF-7 for mailbox names (RFC 3501 §5.1.3).
//!
//! The API speaks UTF-8; the wire speaks modified UTF-7: printable US-ASCII stands for
//! itself, `&` is written `&-`, and every other run of characters is UTF-16BE in a
//! modified base64 (`,` for `/`, no padding) between `&` and `-`.
//!
//! ```
//! use imap_machine::mutf7;
//! assert_eq!(mutf7::encode("Entwürfe"), "Entw&APw-rfe");
//! assert_eq!(mutf7::decode(b"Entw&APw-rfe").unwrap(), "Entwürfe");
//! assert_eq!(mutf7::encode("R&D"), "R&-D");
//! ```

use std::borrow::Cow;

use base64::alphabet::Alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

/// Why a byte string is not valid modified UTF-7.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Mutf7Error {
    /// A byte outside printable US-ASCII appeared outside a base64 section.
    #[error("byte {byte:#04x} at {offset} is not printable US-ASCII")]
    NotPrintable {
        /// Offending byte.
        byte: u8,
        /// Its offset.
        offset: usize,
    },
    /// An `&` section was not closed by `-`.
    #[error("unterminated base64 section starting at {offset}")]
    Unterminated {
        /// Offset of the `&`.
        offset: usize,
    },
    /// A base64 section did not decode to well-formed UTF-16 (bad characters, stray
    /// bits, an odd byte count or an unpaired surrogate).
    #[error("bad base64 section starting at {offset}")]
    BadBase64 {
        /// Offset of the `&`.
        offset: usize,
    },
    /// A base64 section encoded characters that must be written directly.
    #[error("base64 section at {offset} encodes printable US-ASCII")]
    NotMinimal {
        /// Offset of the `&`.
        offset: usize,
    },
}

const ALPHABET: Alphabet = match Alphabet::new("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,") {
    Ok(a) => a,
    Err(_) => panic!("modified base64 alphabet"),
};

const ENGINE: GeneralPurpose = GeneralPurpose::new(
    &ALPHABET,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

fn is_direct(c: char) -> bool {
    ('\x20'..='\x7e').contains(&c)
}

/// Encodes a UTF-8 name into modified UTF-7. Borrows when nothing needs encoding.
pub fn encode(name: &str) -> Cow<'_, str> {
    if name.bytes().all(|b| (0x20..=0x7e).contains(&b) && b != b'&') {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len() + 8);
    let mut pending: Vec<u8> = Vec::new();
    let flush = |out: &mut String, pending: &mut Vec<u8>| {
        if !pending.is_empty() {
            out.push('&');
            ENGINE.encode_string(&pending[..], out);
            out.push('-');
            pending.clear();
        }
    };
    for c in name.chars() {
        if is_direct(c) {
            flush(&mut out, &mut pending);
            out.push(c);
            if c == '&' {
                out.push('-');
            }
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                pending.extend_from_slice(&u.to_be_bytes());
            }
        }
    }
    flush(&mut out, &mut pending);
    Cow::Owned(out)
}

/// Decodes a modified UTF-7 name into UTF-8. Borrows when nothing needs decoding.
pub fn decode(wire: &[u8]) -> Result<Cow<'_, str>, Mutf7Error> {
    if let Some((offset, &byte)) = wire.iter().enumerate().find(|(_, b)| !(0x20..=0x7e).contains(*b)) {
        return Err(Mutf7Error::NotPrintable { byte, offset });
    }
    let text = std::str::from_utf8(wire).expect("checked ASCII");
    if !text.contains('&') {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut base = 0;
    let mut prev_section_end: Option<usize> = None;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let start = base + amp;
        let after = &rest[amp + 1..];
        let dash = after.find('-').ok_or(Mutf7Error::Unterminated { offset: start })?;
        let b64 = &after[..dash];
        if b64.is_empty() {
            out.push('&');
        } else {
            // Two adjacent sections must have been one (RFC 3501 §5.1.3 "&" ... "-").
            if prev_section_end == Some(start) {
                return Err(Mutf7Error::NotMinimal { offset: start });
            }
            let bytes = ENGINE.decode(b64).map_err(|_| Mutf7Error::BadBase64 { offset: start })?;
            if bytes.len() % 2 != 0 {
                return Err(Mutf7Error::BadBase64 { offset: start });
            }
            let units = bytes.chunks_exact(2).map(|p| u16::from_be_bytes([p[0], p[1]]));
            for c in char::decode_utf16(units) {
                let c = c.map_err(|_| Mutf7Error::BadBase64 { offset: start })?;
                if is_direct(c) {
                    return Err(Mutf7Error::NotMinimal { offset: start });
                }
                out.push(c);
            }
            prev_section_end = Some(start + 1 + dash + 1);
        }
        base = start + 1 + dash + 1;
        rest = &after[dash + 1..];
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TABLE: &[(&str, &str)] = &[
        ("INBOX", "INBOX"),
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
        ("Entwürfe", "Entw&APw-rfe"),
        ("R&D", "R&-D"),
        ("&", "&-"),
        ("😀", "&2D3eAA-"),
        ("", ""),
        ("a\u{7f}b", "a&AH8-b"),
    ];

    #[test]
    fn known_answers_both_ways() {
        for (utf8, wire) in TABLE {
            assert_eq!(encode(utf8), *wire, "encode {utf8:?}");
            assert_eq!(decode(wire.as_bytes()).unwrap(), *utf8, "decode {wire:?}");
        }
    }

    #[test]
    fn rejects_bad_wire_forms() {
        assert!(matches!(decode(b"a&Jjo"), Err(Mutf7Error::Unterminated { .. })));
        assert!(matches!(decode("é".as_bytes()), Err(Mutf7Error::NotPrintable { .. })));
        assert!(matches!(decode(b"&AGE-"), Err(Mutf7Error::NotMinimal { .. })));
        assert!(matches!(decode(b"&U,BTFw-&ZeVnLIqe-"), Err(Mutf7Error::NotMinimal { .. })));
        assert!(matches!(decode(b"&2D0-"), Err(Mutf7Error::BadBase64 { .. })));
        assert!(matches!(decode(b"&A/w-"), Err(Mutf7Error::BadBase64 { .. })));
        assert!(matches!(decode(b"&APx-"), Err(Mutf7Error::BadBase64 { .. })));
    }

    proptest! {
        #[test]
        fn round_trip(s in any::<String>()) {
            let wire = encode(&s);
            prop_assert!(wire.bytes().all(|b| (0x20..=0x7e).contains(&b)));
            prop_assert_eq!(decode(wire.as_bytes()).unwrap(), s.as_str());
        }
    }
}

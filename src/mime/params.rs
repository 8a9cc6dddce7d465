//! MIME parameters: `*(";" parameter)` of RFC 2045 §5.1 with the RFC 2231 extensions.
//!
//! RFC 2231 §3 splits a long value over `name*0`, `name*1`, ...; §4 marks a section whose
//! value is `charset'language'percent-encoded` with a trailing `*`. BODYSTRUCTURE shows
//! parameters as the message has them (RFC 3501 §7.4.2 `body-fld-param`), so
//! [`parse_parameters`] only joins the sections: `name*0*=UTF-8''a%20; name*1=b` becomes
//! one parameter `name*` = `UTF-8''a%20b`, still encoded, the way Dovecot reports it.
//! [`decode_rfc2231`] turns such a value into text.
//!
//! ```
//! use imap_machine::mime::decode_rfc2231;
//! assert_eq!(decode_rfc2231(b"UTF-8'en'%E2%82%AC%20rates"), "€ rates");
//! ```

use super::lexer::Lexer;

/// A section `name*<idx>[*]` waiting to be joined.
struct Section {
    key: Vec<u8>,
    idx: u32,
    extended: bool,
    value: Vec<u8>,
}

/// Parses the parameters after a Content-Type or Content-Disposition value, in order:
/// plain parameters first, then joined RFC 2231 parameters sorted by name. A malformed
/// parameter is skipped. Sections with a gap in their numbering are kept one by one,
/// under their full names (`name*0`, `name*2`).
pub(crate) fn parse_parameters(lexer: &mut Lexer<'_>) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut result = Vec::new();
    let mut sections: Vec<Section> = Vec::new();
    while let Some(param) = lexer.content_param() {
        let Ok((key, value)) = param else {
            // Try to continue at the next byte, looking for the next `;`.
            if lexer.at_end() {
                break;
            }
            lexer.bump();
            continue;
        };
        match split_section(&key) {
            Some((name, idx, extended)) => sections.push(Section { key: name.to_vec(), idx, extended, value }),
            None => result.push((key, value)),
        }
    }
    if sections.is_empty() {
        return result;
    }
    sections.sort_by(|a, b| a.key.cmp(&b.key).then(a.idx.cmp(&b.idx)));
    let mut i = 0;
    while i < sections.len() {
        let mut j = i;
        let mut complete = true;
        let mut extended = false;
        let mut next_idx = 0;
        while j < sections.len() && sections[j].key.eq_ignore_ascii_case(&sections[i].key) {
            if sections[j].idx != next_idx {
                complete = false;
            }
            extended |= sections[j].extended;
            next_idx += 1;
            j += 1;
        }
        if !complete {
            for s in &sections[i..j] {
                let mut key = s.key.clone();
                key.push(b'*');
                key.extend_from_slice(s.idx.to_string().as_bytes());
                if s.extended {
                    key.push(b'*');
                }
                result.push((key, s.value.clone()));
            }
        } else {
            let mut value = Vec::new();
            if !sections[i].extended && extended {
                value.extend_from_slice(b"''");
            }
            for s in &sections[i..j] {
                if !s.extended && extended {
                    // A plain section inside an encoded value: escape its `%`.
                    for &c in &s.value {
                        if c == b'%' {
                            value.extend_from_slice(b"%25");
                        } else {
                            value.push(c);
                        }
                    }
                } else {
                    value.extend_from_slice(&s.value);
                }
            }
            let mut key = sections[i].key.clone();
            if extended {
                key.push(b'*');
            }
            result.push((key, value));
        }
        i = j;
    }
    result
}

/// Splits `name*`, `name*3` or `name*3*` into the name, the section number and whether
/// the section is encoded. `None` for a plain name or a malformed star suffix.
fn split_section(key: &[u8]) -> Option<(&[u8], u32, bool)> {
    let star = memchr::memchr(b'*', key)?;
    let mut rest = &key[star + 1..];
    if rest.is_empty() {
        // `name*`: one encoded section.
        return Some((&key[..star], 0, true));
    }
    let mut idx: u32 = 0;
    while let Some((&d, tail)) = rest.split_first() {
        if !d.is_ascii_digit() {
            break;
        }
        idx = idx.wrapping_mul(10).wrapping_add(u32::from(d - b'0'));
        rest = tail;
    }
    let extended = rest.first() == Some(&b'*');
    if extended {
        rest = &rest[1..];
    }
    if rest.is_empty() {
        Some((&key[..star], idx, extended))
    } else {
        None
    }
}

/// Decodes an RFC 2231 §4 value, `charset'language'percent-encoded-octets`, into text.
/// A value without the two quotes is percent-decoded as UTF-8. Unknown charsets fall back
/// to UTF-8 with replacement characters; this never fails.
pub fn decode_rfc2231(value: &[u8]) -> String {
    let (charset, encoded) = match memchr::memchr(b'\'', value) {
        Some(q1) => match memchr::memchr(b'\'', &value[q1 + 1..]) {
            Some(q2) => (&value[..q1], &value[q1 + 1 + q2 + 1..]),
            None => (&b""[..], value),
        },
        None => (&b""[..], value),
    };
    let mut octets = Vec::with_capacity(encoded.len());
    let mut i = 0;
    while i < encoded.len() {
        if encoded[i] == b'%' && i + 2 < encoded.len() {
            if let (Some(h), Some(l)) = (hex(encoded[i + 1]), hex(encoded[i + 2])) {
                octets.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        octets.push(encoded[i]);
        i += 1;
    }
    super::charset::decode_charset(&String::from_utf8_lossy(charset), &octets)
}

/// The value of one hex digit.
pub(crate) fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(s: &str) -> Vec<(String, String)> {
        parse_parameters(&mut Lexer::new(s.as_bytes()))
            .into_iter()
            .map(|(k, v)| (String::from_utf8(k).unwrap(), String::from_utf8(v).unwrap()))
            .collect()
    }

    #[test]
    fn table() {
        let p = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
        assert_eq!(params("; a=1; b=\"two words\""), p(&[("a", "1"), ("b", "two words")]));
        assert_eq!(params("; name*0*=UTF-8''%E2%82%AC; name*1=\".pdf\""), p(&[("name*", "UTF-8''%E2%82%AC.pdf")]));
        assert_eq!(params("; x*1=b; x*0=a"), p(&[("x", "ab")]));
        assert_eq!(params("; y*0=one; y*2=three"), p(&[("y*0", "one"), ("y*2", "three")]));
        assert_eq!(params("; z*0=50%; z*1*=%41"), p(&[("z*", "''50%25%41")]));
        assert_eq!(params("; t*=us-ascii'en'a%20b; c=d"), p(&[("c", "d"), ("t*", "us-ascii'en'a%20b")]));
        assert_eq!(params(" junk; a=1"), p(&[("a", "1")]));
        assert_eq!(params("; n==?utf-8?q?x?=; m=2"), p(&[("n", "=?utf-8?q?x?="), ("m", "2")]));
    }

    #[test]
    fn decode() {
        assert_eq!(decode_rfc2231(b"us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A"), "This is ***fun***");
        assert_eq!(decode_rfc2231(b"iso-8859-1''caf%E9"), "café");
        assert_eq!(decode_rfc2231(b"plain%"), "plain%");
    }
}

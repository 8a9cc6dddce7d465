//! Character classes of RFC 3501 §9 as one lookup table.
//!
//! Every class the grammar names is one bit, so a scanner tests a byte with one load and
//! one mask instead of a chain of comparisons.

/// `ATOM-CHAR = <any CHAR except atom-specials>`
pub(crate) const ATOM: u8 = 1;
/// `ASTRING-CHAR = ATOM-CHAR / resp-specials`
pub(crate) const ASTRING: u8 = 2;
/// `tag = 1*<any ASTRING-CHAR except "+">`
pub(crate) const TAG: u8 = 4;
/// `list-char = ATOM-CHAR / list-wildcards / resp-specials`
pub(crate) const LIST: u8 = 8;
/// `TEXT-CHAR = <any CHAR except CR and LF>`
pub(crate) const TEXT: u8 = 16;
/// A TEXT-CHAR that needs no escape inside a quoted string (not `"` or `\`).
pub(crate) const QUOTED_PLAIN: u8 = 32;
/// `DIGIT = %x30-39`
pub(crate) const DIGIT: u8 = 64;

const fn class(b: u8) -> u8 {
    let is_char = b >= 0x01 && b <= 0x7f;
    let is_ctl = b <= 0x1f || b == 0x7f;
    let list_wildcard = b == b'%' || b == b'*';
    let quoted_special = b == b'"' || b == b'\\';
    let resp_special = b == b']';
    let atom_special =
        b == b'(' || b == b')' || b == b'{' || b == b' ' || is_ctl || list_wildcard || quoted_special || resp_special;
    let mut c = 0;
    if is_char && !atom_special {
        c |= ATOM | LIST | ASTRING;
        if b != b'+' {
            c |= TAG;
        }
    }
    if resp_special {
        c |= ASTRING | TAG | LIST;
    }
    if list_wildcard {
        c |= LIST;
    }
    if is_char && b != b'\r' && b != b'\n' {
        c |= TEXT;
        if !quoted_special {
            c |= QUOTED_PLAIN;
        }
    }
    if b.is_ascii_digit() {
        c |= DIGIT;
    }
    c
}

const fn table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = class(i as u8);
        i += 1;
    }
    t
}

static TABLE: [u8; 256] = table();

/// Whether byte `b` is in class `mask`.
#[inline(always)]
pub(crate) fn is(b: u8, mask: u8) -> bool {
    TABLE[b as usize] & mask != 0
}

/// Whether every byte of `s` is in class `mask` (and `s` is non-empty).
#[inline]
pub(crate) fn all(s: &[u8], mask: u8) -> bool {
    !s.is_empty() && s.iter().all(|&b| is(b, mask))
}

/// Length of the longest prefix of `s` whose bytes are all in class `mask`.
#[inline]
pub(crate) fn prefix_len(s: &[u8], mask: u8) -> usize {
    s.iter().position(|&b| !is(b, mask)).unwrap_or(s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert!(is(b'a', ATOM) && is(b'a', TAG) && is(b'a', ASTRING));
        assert!(!is(b']', ATOM) && is(b']', ASTRING) && is(b']', TAG));
        assert!(is(b'+', ATOM) && !is(b'+', TAG));
        assert!(!is(b'%', ATOM) && is(b'%', LIST) && !is(b'%', ASTRING));
        for b in [b'(', b')', b'{', b' ', b'"', b'\\', 0u8, 0x7f, 0x80, 0xff] {
            assert!(!is(b, ATOM), "{b:#x}");
        }
        assert!(is(b'"', TEXT) && !is(b'"', QUOTED_PLAIN));
        assert!(!is(b'\r', TEXT) && !is(0x80, TEXT) && !is(0, TEXT));
    }
}

//! Byte strings that keep short values inline.
//!
//! A parsed response holds dozens of short strings: media types, charsets, address
//! parts. As [`Bytes`] slices of the message, each costs an atomic reference-count
//! increment when made and a decrement when dropped, which is a third of building an
//! owned FETCH response (`BENCHMARKS.md`). Values of at most [`INLINE`] bytes are copied
//! into the value instead, which is cheaper than the two atomic operations; longer ones
//! stay zero-copy slices. The value is 32 bytes either way, like a [`Bytes`].

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, Range};

use bytes::Bytes;

/// The longest value kept inline (the rest of 32 bytes after the length byte and the
/// enum's niche).
pub(crate) const INLINE: usize = 22;

/// `KEEP[n]`: 0xff for the first `n` bytes of an inline buffer, 0 for the rest.
const KEEP: [[u8; INLINE]; INLINE + 1] = {
    let mut masks = [[0; INLINE]; INLINE + 1];
    let mut n = 0;
    while n <= INLINE {
        let mut k = 0;
        while k < n {
            masks[n][k] = 0xff;
            k += 1;
        }
        n += 1;
    }
    masks
};

/// A byte string: inline when short, else a shared [`Bytes`].
#[derive(Clone)]
pub(crate) enum SmallBytes {
    /// `buf[..len]`.
    Inline { len: u8, buf: [u8; INLINE] },
    /// Any length.
    Shared(Bytes),
}

impl SmallBytes {
    /// `message[range]`: a copy if it fits inline, else a zero-copy slice.
    #[inline]
    pub(crate) fn slice_of(message: &Bytes, range: Range<usize>) -> Self {
        let len = range.end.saturating_sub(range.start);
        if len > INLINE {
            return SmallBytes::Shared(message.slice(range));
        }
        // A whole window when the message has one (a fixed-size copy, no memcpy call),
        // then the bytes past `len` cleared: they are the message's next bytes (after a
        // user name, its password), which a value must not carry around.
        match message.get(range.start..range.start + INLINE) {
            Some(window) => {
                let mut buf = [0; INLINE];
                buf.copy_from_slice(window);
                let mask = &KEEP[len];
                for (b, m) in buf.iter_mut().zip(mask) {
                    *b &= m;
                }
                SmallBytes::Inline { len: len as u8, buf }
            }
            None => Self::inline(&message[range]).unwrap_or_default(),
        }
    }

    /// `s` copied inline, if it fits.
    #[inline]
    pub(crate) fn inline(s: &[u8]) -> Option<Self> {
        if s.len() > INLINE {
            return None;
        }
        let mut buf = [0; INLINE];
        buf[..s.len()].copy_from_slice(s);
        Some(SmallBytes::Inline { len: s.len() as u8, buf })
    }

    /// `s`, inline if it fits, else in a new [`Bytes`].
    pub(crate) fn copy_from_slice(s: &[u8]) -> Self {
        Self::inline(s).unwrap_or_else(|| SmallBytes::Shared(Bytes::copy_from_slice(s)))
    }
}

impl Deref for SmallBytes {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            SmallBytes::Inline { len, buf } => &buf[..usize::from(*len)],
            SmallBytes::Shared(b) => b,
        }
    }
}

/// Shows the value only: an inline buffer's bytes past the value (the message's next
/// bytes) are never shown.
impl std::fmt::Debug for SmallBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self))
    }
}

impl Default for SmallBytes {
    fn default() -> Self {
        SmallBytes::Inline { len: 0, buf: [0; INLINE] }
    }
}

impl From<Bytes> for SmallBytes {
    fn from(b: Bytes) -> Self {
        SmallBytes::Shared(b)
    }
}

impl From<SmallBytes> for Bytes {
    fn from(s: SmallBytes) -> Bytes {
        match s {
            SmallBytes::Inline { .. } => Bytes::copy_from_slice(&s),
            SmallBytes::Shared(b) => b,
        }
    }
}

impl PartialEq for SmallBytes {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for SmallBytes {}

impl Hash for SmallBytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl PartialOrd for SmallBytes {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SmallBytes {
    fn cmp(&self, other: &Self) -> Ordering {
        (**self).cmp(&**other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_values_are_inline_and_long_ones_shared() {
        let msg = Bytes::from_static(b"a charset and a much longer value than twenty-two bytes");
        let short = SmallBytes::slice_of(&msg, 2..9);
        assert!(matches!(short, SmallBytes::Inline { len: 7, .. }));
        assert_eq!(&*short, b"charset");
        let long = SmallBytes::slice_of(&msg, 0..msg.len());
        assert!(matches!(&long, SmallBytes::Shared(b) if b.as_ptr() == msg.as_ptr()));
        assert_eq!(SmallBytes::slice_of(&msg, 0..INLINE).len(), INLINE);
        assert!(matches!(SmallBytes::slice_of(&msg, 0..INLINE + 1), SmallBytes::Shared(_)));
        assert_eq!(std::mem::size_of::<SmallBytes>(), std::mem::size_of::<Bytes>());
    }

    #[test]
    fn an_inline_value_carries_none_of_the_bytes_after_it() {
        let msg = Bytes::from_static(b"a1 LOGIN \"bob\" \"hunter2 secret\"\r\n");
        let user = SmallBytes::slice_of(&msg, 10..13);
        let SmallBytes::Inline { len, buf } = &user else { panic!("not inline") };
        assert_eq!((*len, &buf[..3]), (3, &b"bob"[..]));
        assert!(buf[3..].iter().all(|&b| b == 0), "{buf:?}");
        assert!(!format!("{user:?}").contains("hunter2"));
    }

    #[test]
    fn equality_order_and_hash_follow_the_bytes_not_the_form() {
        use std::collections::hash_map::DefaultHasher;
        let inline = SmallBytes::copy_from_slice(b"utf-8");
        let shared = SmallBytes::Shared(Bytes::from_static(b"utf-8"));
        assert_eq!(inline, shared);
        let hash = |v: &SmallBytes| {
            let mut h = DefaultHasher::new();
            v.hash(&mut h);
            h.finish()
        };
        assert_eq!(hash(&inline), hash(&shared));
        assert!(SmallBytes::copy_from_slice(b"a") < SmallBytes::Shared(Bytes::from_static(b"b")));
        assert_eq!(Bytes::from(inline.clone()), Bytes::from_static(b"utf-8"));
        assert_eq!(&*SmallBytes::default(), b"");
    }
}

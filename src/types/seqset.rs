//! Sequence sets (RFC 3501 §9 `sequence-set`).
//!
//! A set is a list of numbers and ranges over message sequence numbers or UIDs, where `*`
//! stands for the largest number in use. `n:m` and `m:n` are the same range. Resolution
//! against a maximum yields sorted, merged ranges, so iteration is normalised.
//!
//! ```
//! use imap_machine::types::SequenceSet;
//! let set: SequenceSet = "5:3,1,4,*".parse().unwrap();
//! assert_eq!(set.iter(9).collect::<Vec<_>>(), vec![1, 3, 4, 5, 9]);
//! assert!(set.contains(9, 9) && !set.contains(2, 9));
//! assert_eq!(set.to_string(), "5:3,1,4,*");
//! ```

use std::fmt;
use std::num::NonZeroU32;
use std::ops::RangeInclusive;
use std::str::FromStr;

use super::ValidationError;

/// `seq-number = nz-number / "*"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SeqNumber {
    /// A concrete number.
    Value(NonZeroU32),
    /// `*`: the largest number in use.
    Asterisk,
}

impl SeqNumber {
    /// The number, with `*` standing for `max`.
    pub fn resolve(self, max: u32) -> u32 {
        match self {
            SeqNumber::Value(n) => n.get(),
            SeqNumber::Asterisk => max,
        }
    }
}

/// One element of a set: `seq-number / seq-range`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sequence {
    /// A single number.
    Single(SeqNumber),
    /// `seq-range = seq-number ":" seq-number`, in either order.
    Range(SeqNumber, SeqNumber),
}

impl Sequence {
    /// The inclusive bounds, low first, with `*` standing for `max`.
    pub fn bounds(self, max: u32) -> (u32, u32) {
        match self {
            Sequence::Single(n) => {
                let v = n.resolve(max);
                (v, v)
            }
            Sequence::Range(a, b) => {
                let (a, b) = (a.resolve(max), b.resolve(max));
                (a.min(b), a.max(b))
            }
        }
    }
}

/// `sequence-set = (seq-number / seq-range) *("," sequence-set)`: never empty; or RFC
/// 5182's `seq-last-command = "$"`, the result a `SEARCH RETURN (SAVE)` saved
/// ([`SequenceSet::saved`]), which only the server that saved it can resolve.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SequenceSet(Vec<Sequence>);

impl SequenceSet {
    /// A set from its elements; fails if there are none.
    pub fn new(elements: Vec<Sequence>) -> Result<Self, ValidationError> {
        if elements.is_empty() {
            Err(ValidationError::EmptySequenceSet)
        } else {
            Ok(SequenceSet(elements))
        }
    }

    /// `$` (RFC 5182 §2.1): the saved search result. It has no elements: [`resolve`],
    /// [`iter`] and [`contains`] see nothing in it; a server resolves it from what it
    /// saved.
    ///
    /// [`resolve`]: SequenceSet::resolve
    /// [`iter`]: SequenceSet::iter
    /// [`contains`]: SequenceSet::contains
    pub fn saved() -> Self {
        SequenceSet(Vec::new())
    }

    /// Whether this is `$`, the saved search result (RFC 5182).
    pub fn is_saved(&self) -> bool {
        self.0.is_empty()
    }

    /// The set holding one number.
    pub fn single(n: NonZeroU32) -> Self {
        SequenceSet(vec![Sequence::Single(SeqNumber::Value(n))])
    }

    /// The set of `numbers`, in their order, runs of consecutive ones written as ranges
    /// (`1,2,3,7` is `1:3,7`); `None` if there are none, or a 0 among them.
    pub fn from_numbers(numbers: &[u32]) -> Option<Self> {
        let mut out = Vec::new();
        let mut k = 0;
        while k < numbers.len() {
            let mut j = k;
            while j + 1 < numbers.len() && numbers[j + 1] == numbers[j].wrapping_add(1) {
                j += 1;
            }
            let (lo, hi) = (NonZeroU32::new(numbers[k])?, NonZeroU32::new(numbers[j])?);
            out.push(if k == j {
                Sequence::Single(SeqNumber::Value(lo))
            } else {
                Sequence::Range(SeqNumber::Value(lo), SeqNumber::Value(hi))
            });
            k = j + 1;
        }
        SequenceSet::new(out).ok()
    }

    /// `1:*`, every message.
    pub fn all() -> Self {
        SequenceSet(vec![Sequence::Range(SeqNumber::Value(NonZeroU32::MIN), SeqNumber::Asterisk)])
    }

    /// The elements as written.
    pub fn elements(&self) -> &[Sequence] {
        &self.0
    }

    /// Sorted, merged, non-empty ranges within `1..=max`, with `*` standing for `max`.
    ///
    /// Numbers above `max` are dropped, except that a range reaching past `max` still
    /// covers `max`: `UID FETCH 5:*` with a highest UID of 3 returns UID 3, as RFC 3501
    /// §6.4.8 asks. With `max == 0` (an empty mailbox) the result is empty.
    pub fn resolve(&self, max: u32) -> Vec<RangeInclusive<u32>> {
        let mut ranges: Vec<(u32, u32)> = self
            .0
            .iter()
            .filter_map(|s| {
                let (lo, hi) = s.bounds(max);
                let hi = hi.min(max);
                (lo <= hi && hi > 0).then_some((lo.max(1), hi))
            })
            .collect();
        ranges.sort_unstable();
        let mut out: Vec<RangeInclusive<u32>> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            match out.last_mut() {
                Some(last) if lo <= last.end().saturating_add(1) => {
                    if hi > *last.end() {
                        *last = *last.start()..=hi;
                    }
                }
                _ => out.push(lo..=hi),
            }
        }
        out
    }

    /// Every number in the set within `1..=max`, element by element in the order written
    /// (a range from its low end up, RFC 5267 §3.2), repeats kept: the order of an ESORT's
    /// `ALL` (RFC 5267 §3.1), which [`SequenceSet::resolve`] would sort.
    pub fn in_order(&self, max: u32) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().flat_map(move |s| {
            let (lo, hi) = s.bounds(max);
            lo.max(1)..=hi.min(max)
        })
    }

    /// Every number in the set within `1..=max`, ascending and without repeats.
    pub fn iter(&self, max: u32) -> impl Iterator<Item = u32> {
        self.resolve(max).into_iter().flatten()
    }

    /// Whether `n` is in the set, with `*` standing for `max`.
    pub fn contains(&self, n: u32, max: u32) -> bool {
        n != 0
            && self.0.iter().any(|s| {
                let (lo, hi) = s.bounds(max);
                lo <= n && n <= hi
            })
    }

    /// The largest concrete number written in the set (ignoring `*`), if any; a server
    /// uses it to reject sequence numbers past the end of the mailbox.
    pub fn max_value(&self) -> Option<u32> {
        let value = |n: SeqNumber| match n {
            SeqNumber::Value(v) => Some(v.get()),
            SeqNumber::Asterisk => None,
        };
        self.0
            .iter()
            .flat_map(|s| match *s {
                Sequence::Single(a) => [value(a), None],
                Sequence::Range(a, b) => [value(a), value(b)],
            })
            .flatten()
            .max()
    }
}

impl fmt::Display for SeqNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeqNumber::Value(n) => write!(f, "{n}"),
            SeqNumber::Asterisk => f.write_str("*"),
        }
    }
}

impl fmt::Display for SequenceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_saved() {
            return f.write_str("$");
        }
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match s {
                Sequence::Single(n) => write!(f, "{n}")?,
                Sequence::Range(a, b) => write!(f, "{a}:{b}")?,
            }
        }
        Ok(())
    }
}

impl FromStr for SequenceSet {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, ValidationError> {
        if s == "$" {
            return Ok(SequenceSet::saved());
        }
        let num = |t: &str| -> Result<SeqNumber, ValidationError> {
            if t == "*" {
                return Ok(SeqNumber::Asterisk);
            }
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ValidationError::SequenceSet);
            }
            let n: u32 = t.parse().map_err(|_| ValidationError::SequenceSet)?;
            NonZeroU32::new(n).map(SeqNumber::Value).ok_or(ValidationError::SequenceSet)
        };
        let elements = s
            .split(',')
            .map(|part| match part.split_once(':') {
                Some((a, b)) => Ok(Sequence::Range(num(a)?, num(b)?)),
                None => Ok(Sequence::Single(num(part)?)),
            })
            .collect::<Result<Vec<_>, _>>()?;
        SequenceSet::new(elements)
    }
}

impl From<NonZeroU32> for SequenceSet {
    fn from(n: NonZeroU32) -> Self {
        SequenceSet::single(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_table() {
        let cases: &[(&str, u32, &[u32])] = &[
            ("1:*", 3, &[1, 2, 3]),
            ("*:1", 3, &[1, 2, 3]),
            ("5:*", 3, &[3]),
            ("*", 0, &[]),
            ("1:*", 0, &[]),
            ("2,4:7,9,12:*", 15, &[2, 4, 5, 6, 7, 9, 12, 13, 14, 15]),
            ("3,1,2,1:2", 10, &[1, 2, 3]),
            ("7:5,6", 10, &[5, 6, 7]),
            ("4294967295", 10, &[]),
        ];
        for (text, max, want) in cases {
            let set: SequenceSet = text.parse().unwrap();
            assert_eq!(set.iter(*max).collect::<Vec<_>>(), *want, "{text} max {max}");
            for n in 1..=*max {
                assert_eq!(set.contains(n, *max), want.contains(&n), "{text} contains {n}");
            }
            assert_eq!(set.to_string(), *text);
        }
    }

    #[test]
    fn rejects() {
        for bad in ["", "0", "1:", ":1", "a", "1,,2", "4294967296", "1:0", "-1", "+1"] {
            assert!(bad.parse::<SequenceSet>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn max_value() {
        assert_eq!("3:*,9".parse::<SequenceSet>().unwrap().max_value(), Some(9));
        assert_eq!("*".parse::<SequenceSet>().unwrap().max_value(), None);
    }
}

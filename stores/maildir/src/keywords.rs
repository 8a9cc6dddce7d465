//! `dovecot-keywords` and the flags of a Maildir file name.
//!
//! A file name is `<base>:2,<letters>`, the letters in ASCII order: `D` `\Draft`, `F`
//! `\Flagged`, `P` passed (no IMAP flag; kept as it is), `R` `\Answered`, `S` `\Seen`,
//! `T` `\Deleted`, and `a`..`z` the keywords 0..25 of the mailbox's `dovecot-keywords`,
//! whose lines are `<index> <keyword>`:
//!
//! ```text
//! 0 $Label1
//! 1 work
//! ```
//!
//! Letters we cannot name (a keyword index the file does not list, an unknown capital)
//! are kept through flag changes.

use std::path::Path;

use imap_machine::types::Flag;

use crate::error::{MaildirError, Result};

/// The most keywords a mailbox can have: one letter each.
pub(crate) const MAX_KEYWORDS: usize = 26;

/// The keywords of `dovecot-keywords`, by index (`None` for a gap or a bad name).
pub(crate) fn parse(text: &str) -> Vec<Option<Flag>> {
    let mut out: Vec<Option<Flag>> = Vec::new();
    for line in text.lines() {
        let Some((k, name)) = line.split_once(' ') else { continue };
        let Ok(k) = k.parse::<usize>() else { continue };
        if k >= MAX_KEYWORDS {
            continue;
        }
        let flag = Flag::parse(name.trim_end()).ok().filter(|f| matches!(f, Flag::Keyword(_)));
        if out.len() <= k {
            out.resize(k + 1, None);
        }
        out[k] = flag;
    }
    out
}

/// The text of `dovecot-keywords`.
pub(crate) fn render(keywords: &[Option<Flag>]) -> String {
    let mut out = String::new();
    for (k, f) in keywords.iter().enumerate() {
        if let Some(f) = f {
            out.push_str(&format!("{k} {f}\n"));
        }
    }
    out
}

/// Reads a mailbox's keywords (none if the file does not exist).
pub(crate) fn read(dir: &Path) -> Result<Vec<Option<Flag>>> {
    let data = crate::fsutil::read_optional(&dir.join("dovecot-keywords"))?;
    Ok(data.map(|d| parse(&String::from_utf8_lossy(&d))).unwrap_or_default())
}

/// A file name split at its info part: the base, and the letters after `:2,` (empty if
/// there is no info part).
pub(crate) fn split(name: &str) -> (&str, &str) {
    match name.split_once(':') {
        Some((base, info)) => (base, info.strip_prefix("2,").unwrap_or("")),
        None => (name, ""),
    }
}

/// The flags the letters of an info part stand for, and the letters kept as they are.
pub(crate) fn flags_of(letters: &str, keywords: &[Option<Flag>]) -> (Vec<Flag>, String) {
    let mut flags = Vec::new();
    let mut extra = String::new();
    for c in letters.chars() {
        let flag = match c {
            'D' => Some(Flag::Draft),
            'F' => Some(Flag::Flagged),
            'R' => Some(Flag::Answered),
            'S' => Some(Flag::Seen),
            'T' => Some(Flag::Deleted),
            'a'..='z' => keywords.get((c as u8 - b'a') as usize).cloned().flatten(),
            _ => None,
        };
        match flag {
            Some(f) if !flags.contains(&f) => flags.push(f),
            Some(_) => {}
            None if c == ',' => break,
            None => extra.push(c),
        }
    }
    (flags, extra)
}

/// The letters for `flags` (plus `extra`), sorted. Fails if a keyword is not in
/// `keywords`; flags that cannot be stored (`\Recent`, other backslash flags) are left out.
pub(crate) fn letters(flags: &[Flag], extra: &str, keywords: &[Option<Flag>]) -> Result<String> {
    let mut out: Vec<char> = extra.chars().collect();
    for f in flags {
        let c = match f {
            Flag::Draft => 'D',
            Flag::Flagged => 'F',
            Flag::Answered => 'R',
            Flag::Seen => 'S',
            Flag::Deleted => 'T',
            Flag::Keyword(_) => {
                let k = keywords.iter().position(|k| k.as_ref() == Some(f)).ok_or(MaildirError::TooManyKeywords)?;
                (b'a' + k as u8) as char
            }
            _ => continue,
        };
        out.push(c);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out.into_iter().collect())
}

/// The file name for `base` with these letters (`base:2,` when there are none, as in
/// `cur/`).
pub(crate) fn file_name(base: &str, letters: &str) -> String {
    format!("{base}:2,{letters}")
}

/// The size a base name states: `W=` (with CRLF line ends, what IMAP counts) before `S=`
/// (the file's size).
pub(crate) fn size_of(base: &str) -> Option<u64> {
    size_field(base, "W=").or_else(|| size_field(base, "S="))
}

/// The number a base name states after `key` (`"S="` or `"W="`), if any.
pub(crate) fn size_field(base: &str, key: &str) -> Option<u64> {
    base.split(',').skip(1).find_map(|f| f.strip_prefix(key)).and_then(|v| v.parse::<u64>().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(s: &str) -> Flag {
        Flag::parse(s).unwrap()
    }

    #[test]
    fn a_dovecot_file_name_with_keywords() {
        let keywords = parse("0 $Label1\n1 work\n3 Junk\nbad\n");
        assert_eq!(keywords.len(), 4);
        assert_eq!(keywords[2], None);
        let name = "1276533073.M242911P3632.kurkku,S=2437,W=2481:2,FPSad";
        let (base, info) = split(name);
        assert_eq!(base, "1276533073.M242911P3632.kurkku,S=2437,W=2481");
        assert_eq!(size_of(base), Some(2481));
        let (flags, extra) = flags_of(info, &keywords);
        assert_eq!(flags, vec![Flag::Flagged, Flag::Seen, kw("$Label1"), kw("Junk")]);
        // `P` (passed) has no IMAP flag and `c` no keyword here: both are kept.
        assert_eq!(extra, "P");
        // Back to letters, with \Seen removed and \Answered added.
        let after = vec![Flag::Flagged, Flag::Answered, kw("$label1"), kw("Junk")];
        assert_eq!(letters(&after, &extra, &keywords).unwrap(), "FPRad");
        assert!(letters(&[kw("other")], "", &keywords).is_err());
        assert_eq!(render(&keywords), "0 $Label1\n1 work\n3 Junk\n");
    }

    #[test]
    fn names_without_info() {
        assert_eq!(split("123.M1P2.host,S=10"), ("123.M1P2.host,S=10", ""));
        assert_eq!(size_of("123.M1P2.host,S=10"), Some(10));
        assert_eq!(size_of("123.M1P2.host"), None);
        assert_eq!(file_name("b", ""), "b:2,");
    }
}

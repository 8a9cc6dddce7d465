//! Charsets and RFC 2047 encoded words.
//!
//! Header text may carry encoded words, `=?charset?B?...?=` and `=?charset?Q?...?=`
//! (RFC 2047 §2, §4). [`decode_header`] turns a raw header value into text, decoding
//! every charset that encoding_rs knows (the WHATWG labels: windows-125x, ISO-8859-x,
//! KOI8-R/U, GB2312/GBK/GB18030, Big5, Shift_JIS, EUC-JP, ISO-2022-JP, EUC-KR, ...) plus
//! UTF-7 (RFC 2152), decoded here by hand because encoding_rs leaves it out.
//!
//! How unknown charsets are treated is a property of the [`Decoder`] passed in, chosen
//! per call or per connection; there is no global hook.
//!
//! ```
//! use imap_machine::mime::{decode_header, Decoder};
//! let d = Decoder::default();
//! assert_eq!(decode_header(b"=?ISO-8859-1?Q?Andr=E9?= Pirard", &d), "André Pirard");
//! assert_eq!(decode_header(b"=?KOI8-R?B?8NLJ18XU?=", &d), "Привет");
//! ```

use std::borrow::Cow;

use base64::Engine;
use encoding_rs::Encoding;

use crate::types::{AString, Code};

/// A charset the decoder can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Charset {
    /// One of encoding_rs's encodings.
    Encoding(&'static Encoding),
    /// UTF-7 (RFC 2152), which encoding_rs does not carry.
    Utf7,
}

impl Charset {
    /// Looks a charset up by its MIME name or alias, case-insensitively. Besides the
    /// WHATWG labels this knows `utf-7` and a few aliases mail software uses (`cp932`,
    /// `cp936`, `cp949`, `ks_c_5601-1987`, ...).
    pub fn for_name(name: &str) -> Option<Charset> {
        let name = name.trim();
        // RFC 2231 §5: `charset*language` in an encoded word.
        let name = name.split('*').next().unwrap_or(name);
        if name.eq_ignore_ascii_case("utf-7") || name.eq_ignore_ascii_case("unicode-1-1-utf-7") {
            return Some(Charset::Utf7);
        }
        if let Some(e) = Encoding::for_label(name.as_bytes()) {
            return Some(Charset::Encoding(e));
        }
        let lower = name.to_ascii_lowercase();
        let alias: &str = match lower.as_str() {
            "cp932" | "ms932" | "ms_kanji" | "x-sjis" => "shift_jis",
            "cp936" | "ms936" => "gbk",
            "cp949" | "ms949" | "uhc" => "euc-kr",
            "cp950" | "ms950" => "big5",
            "utf8" | "utf_8" | "unicode-1-1-utf-8" => "utf-8",
            "iso8859-1" | "iso_8859_1" | "latin-1" => "iso-8859-1",
            "iso8859-15" | "latin-9" | "latin9" => "iso-8859-15",
            "ascii" | "us_ascii" | "ansi_x3.4-1986" | "iso646-us" => "us-ascii",
            "cp1250" | "cp1251" | "cp1253" | "cp1254" | "cp1255" | "cp1256" | "cp1257" | "cp1258" => {
                return Encoding::for_label(format!("windows-{}", &lower[2..]).as_bytes()).map(Charset::Encoding)
            }
            _ => return None,
        };
        Encoding::for_label(alias.as_bytes()).map(Charset::Encoding)
    }

    /// Decodes `bytes` into text; malformed sequences become U+FFFD.
    pub fn decode<'a>(&self, bytes: &'a [u8]) -> Cow<'a, str> {
        match self {
            Charset::Encoding(e) => e.decode_without_bom_handling(bytes).0,
            Charset::Utf7 => Cow::Owned(decode_utf7(bytes)),
        }
    }
}

/// What to do with an encoded word whose charset is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UnknownCharset {
    /// Keep the encoded word as it is written (RFC 2047 §6.2 allows showing it as is).
    #[default]
    KeepEncoded,
    /// Decode the transfer encoding and read the bytes as UTF-8, replacing what isn't.
    AssumeUtf8,
}

/// How header text is decoded: the policy for unknown charsets and extra charset
/// aliases. Built per call or per connection; nothing here is global.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Decoder {
    /// Unknown charsets. Default [`UnknownCharset::KeepEncoded`], so nothing is lost.
    pub unknown: UnknownCharset,
    /// Extra names, looked up before the built-in ones (for a site's private aliases).
    /// Default: none.
    pub aliases: Vec<(String, Charset)>,
}

impl Decoder {
    /// A decoder with the given policy for unknown charsets.
    pub fn new(unknown: UnknownCharset) -> Self {
        Decoder { unknown, aliases: Vec::new() }
    }

    /// Adds an alias, e.g. a vendor's private name for a charset.
    pub fn with_alias(mut self, name: &str, charset: Charset) -> Self {
        self.aliases.push((name.to_ascii_lowercase(), charset));
        self
    }

    /// Decodes header text with this decoder: [`decode_header`]. Handy for the raw
    /// strings of an ENVELOPE, which IMAP leaves encoded.
    ///
    /// ```
    /// use imap_machine::mime::Decoder;
    /// use imap_machine::types::IString;
    /// let subject = IString::from_static("=?UTF-8?B?w6nDqMOgIGFuZCA=?= =?windows-1252?Q?=80uro?=");
    /// assert_eq!(Decoder::default().decode(&subject), "éèà and €uro");
    /// ```
    pub fn decode(&self, raw: impl AsRef<[u8]>) -> String {
        decode_header(raw.as_ref(), self)
    }

    /// Looks a charset up: the aliases first, then [`Charset::for_name`].
    pub fn charset(&self, name: &str) -> Option<Charset> {
        let lower = name.trim().to_ascii_lowercase();
        self.aliases.iter().find(|(n, _)| *n == lower).map(|(_, c)| *c).or_else(|| Charset::for_name(name))
    }
}

/// Decodes `bytes` in the charset called `name`; an unknown name reads as UTF-8 with
/// replacement characters (or Windows-1252 where the bytes aren't UTF-8).
pub(crate) fn decode_charset(name: &str, bytes: &[u8]) -> String {
    match Charset::for_name(name) {
        Some(c) => c.decode(bytes).into_owned(),
        None => crate::types::decode_text(bytes).into_owned(),
    }
}

/// One `encoded-word` (RFC 2047 §2): its charset and decoded octets.
struct EncodedWord<'a> {
    charset: &'a str,
    octets: Vec<u8>,
    /// Length of the word in the input.
    len: usize,
}

/// Reads an encoded word at the start of `s`, if there is a well-formed one.
fn encoded_word(s: &[u8]) -> Option<EncodedWord<'_>> {
    let rest = s.strip_prefix(b"=?")?;
    let q1 = memchr::memchr(b'?', rest)?;
    let charset = std::str::from_utf8(&rest[..q1]).ok()?;
    if charset.is_empty() || charset.bytes().any(|c| c <= b' ' || c >= 0x7f) {
        return None;
    }
    let rest = &rest[q1 + 1..];
    let (&enc, rest) = rest.split_first()?;
    let rest = rest.strip_prefix(b"?")?;
    let end = memchr::memmem::find(rest, b"?=")?;
    let text = &rest[..end];
    if text.iter().any(|&c| matches!(c, b' ' | b'\t' | b'\r' | b'\n')) {
        return None;
    }
    let octets = match enc {
        b'B' | b'b' => decode_base64_lenient(text)?,
        b'Q' | b'q' => decode_q(text),
        _ => return None,
    };
    Some(EncodedWord { charset, octets, len: 2 + q1 + 1 + 2 + end + 2 })
}

/// The "Q" encoding (RFC 2047 §4.2): `_` is a space, `=XX` an octet.
fn decode_q(text: &[u8]) -> Vec<u8> {
    let hex = |k: usize| text.get(k).and_then(|&c| super::params::hex(c));
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'_' => out.push(b' '),
            b'=' => {
                if let (Some(h), Some(l)) = (hex(i + 1), hex(i + 2)) {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                out.push(b'=');
            }
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// Base64 (RFC 2045 §6.8) that forgives missing padding and stray bits, as mail needs.
/// Characters outside the alphabet (line breaks, white space) are skipped; `None` only
/// for a length that can't be base64 at all.
pub(crate) fn decode_base64_lenient(text: &[u8]) -> Option<Vec<u8>> {
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let mut clean: Vec<u8> = text
        .iter()
        .copied()
        .take_while(|&c| c != b'=')
        .filter(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
        .collect();
    if clean.len() % 4 == 1 {
        // One stray character can't hold a byte; drop it.
        clean.pop();
    }
    engine.decode(&clean).ok()
}

/// Decodes a raw header value into text (RFC 2047): encoded words are decoded, white
/// space between two adjacent encoded words is dropped (§6.2), folding is removed
/// (RFC 2822 §2.2.3) and other 8-bit text is read as UTF-8, or Windows-1252 where it
/// isn't UTF-8. Adjacent encoded words in one charset are joined before decoding, so a
/// character split across two words survives.
pub fn decode_header(raw: &[u8], decoder: &Decoder) -> String {
    enum Token<'a> {
        Plain(&'a [u8]),
        Word(Option<Charset>, String, Vec<u8>),
    }
    let mut tokens: Vec<Token<'_>> = Vec::new();
    let mut plain_start = 0;
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'=' && raw.get(i + 1) == Some(&b'?') {
            if let Some(w) = encoded_word(&raw[i..]) {
                let charset = decoder.charset(w.charset);
                if charset.is_some() || decoder.unknown == UnknownCharset::AssumeUtf8 {
                    if plain_start < i {
                        tokens.push(Token::Plain(&raw[plain_start..i]));
                    }
                    tokens.push(Token::Word(charset, w.charset.to_ascii_lowercase(), w.octets));
                    i += w.len;
                    plain_start = i;
                    continue;
                }
            }
        }
        i += 1;
    }
    if plain_start < raw.len() {
        tokens.push(Token::Plain(&raw[plain_start..]));
    }
    type Pending = Option<(Option<Charset>, String, Vec<u8>)>;
    let flush = |out: &mut String, pending: &mut Pending| {
        if let Some((charset, _, octets)) = pending.take() {
            match charset {
                Some(c) => out.push_str(&c.decode(&octets)),
                None => out.push_str(&String::from_utf8_lossy(&octets)),
            }
        }
    };
    let mut out = String::with_capacity(raw.len());
    let mut pending: Pending = None;
    for (n, token) in tokens.iter().enumerate() {
        match token {
            Token::Plain(text) => {
                let between_words = n > 0
                    && matches!(tokens[n - 1], Token::Word(..))
                    && matches!(tokens.get(n + 1), Some(Token::Word(..)))
                    && text.iter().all(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'));
                if !between_words {
                    flush(&mut out, &mut pending);
                    push_plain(&mut out, text);
                }
            }
            Token::Word(charset, name, octets) => match pending.as_mut() {
                Some((_, pending_name, pending_octets)) if pending_name == name => {
                    pending_octets.extend_from_slice(octets);
                }
                _ => {
                    flush(&mut out, &mut pending);
                    pending = Some((*charset, name.clone(), octets.clone()));
                }
            },
        }
    }
    flush(&mut out, &mut pending);
    out
}

/// Appends plain header text: unfolded, 8-bit read as UTF-8 or Windows-1252.
fn push_plain(out: &mut String, text: &[u8]) {
    let text = crate::types::decode_text(text);
    out.extend(text.chars().filter(|&c| c != '\r' && c != '\n'));
}

/// UTF-7 (RFC 2152): `+` opens a run of modified base64 holding UTF-16BE, `-` closes it,
/// `+-` is a plus sign. Malformed runs become U+FFFD.
pub fn decode_utf7(bytes: &[u8]) -> String {
    fn b64(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c != b'+' {
            out.push(if c < 0x80 { c as char } else { '\u{FFFD}' });
            i += 1;
            continue;
        }
        i += 1;
        if bytes.get(i) == Some(&b'-') {
            out.push('+');
            i += 1;
            continue;
        }
        let mut units: Vec<u16> = Vec::new();
        let mut acc: u32 = 0;
        let mut bits = 0;
        while let Some(v) = bytes.get(i).and_then(|&c| b64(c)) {
            acc = (acc << 6) | v;
            bits += 6;
            if bits >= 16 {
                bits -= 16;
                units.push((acc >> bits) as u16);
                acc &= (1 << bits) - 1;
            }
            i += 1;
        }
        out.extend(char::decode_utf16(units).map(|r| r.unwrap_or('\u{FFFD}')));
        if bytes.get(i) == Some(&b'-') {
            i += 1;
        }
    }
    out
}

/// The charsets a SEARCH command may name, for `NO [BADCHARSET (...)]` (RFC 3501 §6.4.4,
/// §7.1). Any encoding_rs label works; these are the ones advertised.
pub const SEARCH_CHARSETS: &[&str] = &[
    "UTF-8",
    "US-ASCII",
    "ISO-8859-1",
    "ISO-8859-2",
    "ISO-8859-5",
    "ISO-8859-7",
    "ISO-8859-15",
    "WINDOWS-1250",
    "WINDOWS-1251",
    "WINDOWS-1252",
    "KOI8-R",
    "GB2312",
    "GBK",
    "GB18030",
    "BIG5",
    "SHIFT_JIS",
    "EUC-JP",
    "ISO-2022-JP",
    "EUC-KR",
];

/// A SEARCH named a charset the server can't convert (RFC 3501 §6.4.4).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown charset {name:?}")]
pub struct BadCharset {
    /// The name as given.
    pub name: String,
}

impl BadCharset {
    /// The response code `BADCHARSET (UTF-8 US-ASCII ...)` listing [`SEARCH_CHARSETS`].
    pub fn code(&self) -> Code {
        Code::BadCharset(SEARCH_CHARSETS.iter().map(|s| AString::from_static(s)).collect())
    }
}

/// The encoding for a SEARCH CHARSET argument (RFC 3501 §6.4.4): any encoding_rs label.
/// An unknown name is [`BadCharset`], which the server answers with
/// `NO [BADCHARSET (...)]` via [`BadCharset::code`].
///
/// ```
/// use imap_machine::mime::search_charset;
/// assert_eq!(search_charset("utf-8").unwrap(), encoding_rs::UTF_8);
/// assert!(search_charset("x-klingon").is_err());
/// ```
pub fn search_charset(name: &str) -> Result<&'static Encoding, BadCharset> {
    match Charset::for_name(name) {
        Some(Charset::Encoding(e)) => Ok(e),
        _ => Err(BadCharset { name: name.to_string() }),
    }
}

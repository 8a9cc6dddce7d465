//! PREVIEW (RFC 8970): a short plain-text snippet of a message, for a client's message
//! list.
//!
//! The text comes from the first text part that is not an attachment: `text/plain`
//! preferred, else `text/html` with its markup stripped (RFC 8970 §2). The transfer
//! encoding and charset are undone, every run of whitespace (line ends included) becomes
//! one space, control characters go, and the result is cut to at most
//! [`PREVIEW_MAX_CHARS`] characters, on a character boundary.
//!
//! ```
//! use bytes::Bytes;
//! use imap_machine::mime::{preview, Message};
//! let m = Message::parse(Bytes::from_static(b"Subject: x\r\n\r\nHello,\r\n\r\n  world!\r\n"));
//! assert_eq!(preview(&m), "Hello, world!");
//! ```

use super::binary::TransferEncoding;
use super::charset::Charset;
use super::content::content_info;
use super::part::Part;
use super::Message;

/// The longest preview, in characters (RFC 8970 §2: "no more than 256 characters"; 200
/// is the length its examples and Dovecot use).
pub const PREVIEW_MAX_CHARS: usize = 200;

/// The preview text of `message` (RFC 8970 §2); empty when it has no text part.
pub fn preview(message: &Message) -> String {
    let root = message.root();
    let text = match find(root, b"plain").or_else(|| find(root, b"html")) {
        Some((part, html)) => {
            let decoded = decode(part);
            if html {
                strip_html(&decoded)
            } else {
                decoded
            }
        }
        None => String::new(),
    };
    collapse(&text, PREVIEW_MAX_CHARS)
}

/// The first part of `text/<subtype>` (or without a Content-Type, for `plain`) that is
/// not an attachment, depth first, outside encapsulated messages; and whether it is HTML.
fn find<'p>(part: &'p Part, subtype: &[u8]) -> Option<(&'p Part, bool)> {
    if part.is_message() {
        return None;
    }
    if !part.children().is_empty() {
        return part.children().iter().find_map(|c| find(c, subtype));
    }
    let info = content_info(part);
    if info.disposition.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(b"attachment")) {
        return None;
    }
    let matches = match &info.media_type {
        None => subtype == b"plain",
        Some(t) => t.eq_ignore_ascii_case(b"text") && info.subtype.eq_ignore_ascii_case(subtype),
    };
    matches.then_some((part, subtype == b"html"))
}

/// The part's text: transfer encoding and charset undone (undeclared 8-bit text read as
/// UTF-8 when it is, else Windows-1252).
fn decode(part: &Part) -> String {
    let info = content_info(part);
    let encoding = info.encoding.as_deref().map_or(TransferEncoding::SevenBit, TransferEncoding::from_name);
    let octets = encoding.decode(part.body()).unwrap_or_else(|_| part.body());
    let charset = info.param("charset").and_then(|c| Charset::for_name(&String::from_utf8_lossy(c)));
    match charset {
        Some(c) => c.decode(&octets).into_owned(),
        None => match std::str::from_utf8(&octets) {
            Ok(s) => s.to_string(),
            Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(&octets).0.into_owned(),
        },
    }
}

/// HTML as text: tags, comments, `<script>` and `<style>` contents dropped, a space for
/// each tag (so `a<br>b` reads `a b`), the common character references decoded.
fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let lower = html.to_ascii_lowercase();
    let mut k = 0;
    while k < html.len() {
        let rest = &html[k..];
        if rest.starts_with("<!--") {
            k += rest.find("-->").map_or(rest.len(), |e| e + 3);
            out.push(' ');
        } else if rest.starts_with('<') {
            let lrest = &lower[k..];
            let skip_to = ["script", "style"].iter().find_map(|t| {
                let open = format!("<{t}");
                let after = lrest.as_bytes().get(open.len()).copied();
                (lrest.starts_with(&open) && matches!(after, Some(b'>' | b' ' | b'\t' | b'\r' | b'\n' | b'/')))
                    .then(|| lrest.find(&format!("</{t}")).unwrap_or(lrest.len()))
            });
            let from = skip_to.unwrap_or(0);
            k += from + rest[from..].find('>').map_or(rest.len() - from, |e| e + 1);
            out.push(' ');
        } else if rest.starts_with('&') {
            let (c, n) = entity(rest);
            out.push_str(c.as_deref().unwrap_or("&"));
            k += n;
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            k += c.len_utf8();
        }
    }
    out
}

/// A character reference at the start of `s` (`&amp;`, `&#233;`, `&#xE9;`): its text and
/// length; `(None, 1)` when it is not one.
fn entity(s: &str) -> (Option<String>, usize) {
    let Some(end) = s.get(..12).unwrap_or(s).find(';') else { return (None, 1) };
    let name = &s[1..end];
    let c = match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        _ => name.strip_prefix('#').and_then(|n| {
            let code = match n.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => n.parse().ok(),
            };
            code.and_then(char::from_u32)
        }),
    };
    match c {
        Some(c) => (Some(c.to_string()), end + 1),
        None => (None, 1),
    }
}

/// `text` with each run of whitespace and control characters made one space, trimmed,
/// and cut to `max` characters.
fn collapse(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() || c == '\u{feff}' {
            space = !out.is_empty();
            continue;
        }
        if space {
            if count + 1 >= max {
                break;
            }
            out.push(' ');
            count += 1;
            space = false;
        }
        if count >= max {
            break;
        }
        out.push(c);
        count += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    fn of(raw: &str) -> String {
        preview(&Message::parse(Bytes::from(raw.to_string())))
    }

    #[test]
    fn plain_text_collapsed() {
        assert_eq!(of("Subject: a\r\n\r\n  Hi there,\r\n\r\n\tsee\u{a0}you.\r\n"), "Hi there, see you.");
        assert_eq!(of("Subject: a\r\n\r\n"), "");
    }

    #[test]
    fn transfer_encodings_and_charsets() {
        let qp = "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=E9 cr=\r\n=E8me\r\n";
        assert_eq!(of(qp), "Café crème");
        let b64 =
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVsbG8g4piD\r\n";
        assert_eq!(of(b64), "Hello ☃");
        // Undeclared 8-bit: UTF-8 when it is.
        assert_eq!(of("Subject: a\r\n\r\nna\u{ef}ve\r\n"), "na\u{ef}ve");
    }

    #[test]
    fn plain_preferred_over_html_and_attachments_skipped() {
        let m = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\
Content-Disposition: attachment; filename=a.txt\r\n\r\nattached\r\n--b\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n\
--c\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--c\r\nContent-Type: text/plain\r\n\r\nplain\r\n--c--\r\n--b--\r\n";
        assert_eq!(of(m), "plain");
    }

    #[test]
    fn html_stripped() {
        let m = "Content-Type: text/html; charset=utf-8\r\n\r\n<html><head><style>p { color: red }</style>\
<script type=\"x\">var a = '<b>';</script></head><body><!-- c --><p>Fish &amp; chips</p><p>caf&#233;&nbsp;&#x2603;</p>\
a<br>b &bogus; &</body></html>\r\n";
        assert_eq!(of(m), "Fish & chips café ☃ a b &bogus; &");
    }

    #[test]
    fn cut_at_200_characters_on_a_char_boundary() {
        let long = "é".repeat(150) + " " + &"ж".repeat(150);
        let p = of(&format!("Content-Type: text/plain; charset=utf-8\r\n\r\n{long}\r\n"));
        assert_eq!(p.chars().count(), 200);
        assert!(p.starts_with("éé") && p.ends_with('ж'));
        // A space is never the last character.
        let p = of(&format!("Subject: a\r\n\r\n{} tail\r\n", "a".repeat(199)));
        assert_eq!(p, "a".repeat(199));
    }
}

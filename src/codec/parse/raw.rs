//! Raw commands: any command, parsed only as far as framing goes (the extension point;
//! see [`crate::types::RawCommand`]).

use super::core::{crlf, sp, tag, take_class};
use super::input::{fail, In, PResult, ParseErrorKind};
use crate::types::chars::ATOM;
use crate::types::{Atom, Command, CommandBody, Literal, LiteralMode, RawArg, RawCommand};

/// `raw-command = tag SP atom [SP raw-args] CRLF`: RFC 3501 §9's `x-command` shape, for
/// any name.
pub(crate) fn raw_command(i: In<'_>) -> PResult<'_, Command> {
    let (i, tag) = tag(i)?;
    let (i, ()) = sp(i)?;
    let (i, name) = take_class(i, ATOM, "command name")?;
    let name = Atom::unvalidated(name.to_bytes());
    let (i, args) = if i.first() == Some(b' ') { raw_args(i.advance(1))? } else { (i, Vec::new()) };
    let (i, ()) = crlf(i)?;
    Ok((i, Command { tag, body: CommandBody::Raw(RawCommand::unvalidated(name, args)) }))
}

/// `raw-args = 1*(raw-text / raw-literal)` with `raw-text = 1*<any CHAR8 except CR and
/// LF>` and `raw-literal = ["~"] "{" number ["+"] "}" CRLF *OCTET` (RFC 3501 §4.3,
/// RFC 7888 §3, RFC 3516 §4.2), up to (not including) the final CRLF. A literal length
/// with a leading zero is refused, so that the arguments encode back byte for byte.
fn raw_args(i: In<'_>) -> PResult<'_, Vec<RawArg>> {
    let mut args = Vec::new();
    let mut i = i;
    loop {
        let s = i.as_slice();
        let Some(lf) = memchr::memchr(b'\n', s) else {
            return fail(i.advance(s.len()), ParseErrorKind::Incomplete);
        };
        if lf == 0 || s[lf - 1] != b'\r' {
            return fail(i.advance(lf), ParseErrorKind::BareLf);
        }
        let line = &s[..lf - 1];
        if let Some(p) = line.iter().position(|&b| b == b'\r' || b == 0) {
            let kind = if line[p] == 0 { ParseErrorKind::Nul } else { ParseErrorKind::Expected("CRLF") };
            return fail(i.advance(p), kind);
        }
        if lf + 1 == s.len() {
            // The last line: its CRLF ends the command.
            if !line.is_empty() {
                args.push(RawArg::Text(i.split(line.len()).1.to_bytes()));
            } else if args.is_empty() {
                return fail(i, ParseErrorKind::Expected("arguments after SP"));
            }
            return Ok((i.advance(line.len()), args));
        }
        let Some((start, length, binary, mode)) = announcement(line) else {
            return fail(i.advance(line.len()), ParseErrorKind::Expected("literal announcement before CRLF"));
        };
        if start > 0 {
            args.push(RawArg::Text(i.split(start).1.to_bytes()));
        }
        let Some(length) = length else {
            return fail(i.advance(start), ParseErrorKind::Expected("a literal length without leading zeros"));
        };
        let body = i.advance(lf + 1);
        if nom::Input::input_len(&body) < length {
            return fail(body.advance(nom::Input::input_len(&body)), ParseErrorKind::Incomplete);
        }
        let (rest, data) = body.split(length);
        if !binary {
            if let Some(p) = memchr::memchr(0, data.as_slice()) {
                return fail(data.advance(p), ParseErrorKind::Nul);
            }
        }
        let literal = Literal::unvalidated(data.to_bytes(), binary);
        args.push(RawArg::Literal { literal, mode: Some(mode) });
        i = rest;
    }
}

/// A literal announcement at the end of `line`: where it starts, its length (`None`
/// with a leading zero), whether it is `~{n}`, and its mode.
fn announcement(line: &[u8]) -> Option<(usize, Option<usize>, bool, LiteralMode)> {
    let body = line.strip_suffix(b"}")?;
    let (body, mode) = match body.strip_suffix(b"+") {
        Some(b) => (b, LiteralMode::NonSync),
        None => (body, LiteralMode::Sync),
    };
    let digits = body.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 19 {
        return None;
    }
    let (before, num) = body.split_at(body.len() - digits);
    let before = before.strip_suffix(b"{")?;
    let binary = before.last() == Some(&b'~');
    let start = before.len() - usize::from(binary);
    let length = if num.len() > 1 && num[0] == b'0' {
        None
    } else {
        Some(num.iter().fold(0usize, |acc, d| acc.saturating_mul(10).saturating_add(usize::from(d - b'0'))))
    };
    Some((start, length, binary, mode))
}

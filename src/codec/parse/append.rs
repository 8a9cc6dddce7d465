//! APPEND (RFC 3501 §6.3.11) with MULTIAPPEND (RFC 3502 §6) and CATENATE (RFC 4469 §5).

use bytes::Bytes;

use super::core::{astring, date_time, flag_list, keyword, literal, mailbox, paren_list, sp, unexpected};
use super::input::{In, PResult};
use crate::types::{AppendData, AppendMessage, CatPart, CommandBody};

/// `append = "APPEND" SP mailbox 1*append-message` (RFC 3502 §6), after the name. One
/// message given whole is [`CommandBody::Append`], anything else
/// [`CommandBody::MultiAppend`].
pub(super) fn append(i: In<'_>) -> PResult<'_, CommandBody> {
    let (i, ()) = sp(i)?;
    let (i, mailbox) = mailbox(i)?;
    let (i, first) = append_message(i)?;
    let (i, mut more) = append_messages(i)?;
    if more.is_empty() {
        if let AppendData::Literal(message) = first.data {
            let AppendMessage { flags, date, .. } = first;
            return Ok((i, CommandBody::Append { mailbox, flags, date, message }));
        }
    }
    more.insert(0, first);
    Ok((i, CommandBody::MultiAppend { mailbox, messages: more }))
}

/// `*append-message`: the messages up to the end of the command.
pub(crate) fn append_messages(mut i: In<'_>) -> PResult<'_, Vec<AppendMessage>> {
    let mut messages = Vec::new();
    while i.first() == Some(b' ') {
        let (j, m) = append_message(i)?;
        messages.push(m);
        i = j;
    }
    Ok((i, messages))
}

/// `append-message = [SP flag-list] [SP date-time] SP append-data` (RFC 3502 §6, RFC 4466
/// §2.1).
pub(crate) fn append_message(i: In<'_>) -> PResult<'_, AppendMessage> {
    let (mut i, ()) = sp(i)?;
    let mut flags = Vec::new();
    if i.first() == Some(b'(') {
        let (j, f) = flag_list(i)?;
        flags = f;
        i = sp(j)?.0;
    }
    let mut date = None;
    if i.first() == Some(b'"') {
        let (j, d) = date_time(i)?;
        date = Some(d);
        i = sp(j)?.0;
    }
    let (i, data) = append_data(i)?;
    Ok((i, AppendMessage { flags, date, data }))
}

/// `append-data = literal / literal8 / "CATENATE" SP "(" cat-part *(SP cat-part) ")" /
/// utf8-literal` (RFC 4466 §2.1, RFC 3516 §4.4, RFC 4469 §5, RFC 6855 §4).
fn append_data(i: In<'_>) -> PResult<'_, AppendData> {
    if let Ok((j, message)) = utf8_literal(i) {
        return Ok((j, AppendData::Utf8(message)));
    }
    let Ok((i, ())) = keyword(i, "CATENATE ") else {
        let (i, message) = literal(i, true)?;
        return Ok((i, AppendData::Literal(message)));
    };
    let (i, parts) = paren_list(i, false, cat_part)?;
    Ok((i, AppendData::Catenate(parts)))
}

/// `utf8-literal = "UTF8" SP "(" literal8 ")"` (RFC 6855 §4). A plain `literal` inside
/// is taken too (its octets are the same).
fn utf8_literal(i: In<'_>) -> PResult<'_, Bytes> {
    let (i, ()) = keyword(i, "UTF8 (")?;
    let (i, message) = literal(i, true)?;
    if i.first() != Some(b')') {
        return unexpected(i, ")");
    }
    Ok((i.advance(1), message.data().clone()))
}

/// `cat-part = text-literal / url / utf8-literal`, `text-literal = "TEXT" SP literal`,
/// `url = "URL" SP astring` (RFC 4469 §5; the literal may be a `literal8`, RFC 3516;
/// RFC 6855 §4).
fn cat_part(i: In<'_>) -> PResult<'_, CatPart> {
    if let Ok((j, text)) = utf8_literal(i) {
        return Ok((j, CatPart::Utf8(text)));
    }
    if let Ok((j, ())) = keyword(i, "TEXT ") {
        let (j, text) = literal(j, true)?;
        return Ok((j, CatPart::Text(text)));
    }
    if let Ok((j, ())) = keyword(i, "URL ") {
        let (j, url) = astring(j)?;
        return Ok((j, CatPart::Url(url)));
    }
    unexpected(i, "TEXT or URL")
}

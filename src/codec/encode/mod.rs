//! The strict encoder: writes values into the caller's [`BytesMut`] as line and literal
//! fragments.
//!
//! Strings take their cheapest legal form: an atom where the grammar allows one, else a
//! quoted string, else a literal. A synchronising literal splits the output, because the
//! client must wait for the server's `+` before sending its bytes; the [`Fragment`] list
//! says where. Non-synchronising literals (`{n+}`, RFC 7888) are used when the
//! [`LiteralPolicy`] allows it.
//!
//! ```
//! use bytes::BytesMut;
//! use imap_machine::codec::{encode_command, EncodeOptions, Fragment};
//! use imap_machine::types::{Command, CommandBody, IString, Secret, Tag};
//!
//! let cmd = Command::new(Tag::try_from("a1").unwrap(), CommandBody::Login {
//!     username: IString::from_static("joe"),
//!     password: Secret::new(IString::from_static("p\r\nw")),
//! });
//! let mut buf = BytesMut::new();
//! let out = encode_command(&cmd, &EncodeOptions::default(), &mut buf);
//! assert_eq!(out.fragments().len(), 3);
//! assert!(matches!(&out.fragments()[0], Fragment::Line(l) if l.as_ref() == b"a1 LOGIN joe {4}\r\n"));
//! assert_eq!(out.to_vec(), b"a1 LOGIN joe {4}\r\np\r\nw\r\n");
//! ```

mod body;
mod command;
mod condstore;
mod list;
mod metadata;
mod notify;
mod quota;
mod response;
mod sort;
mod urlauth;

use bytes::{BufMut, Bytes, BytesMut};

pub use command::encode_command;
pub use response::{encode_fetch_head, encode_fetch_tail, encode_response, encode_response_with, StreamedItem};

use crate::types::{quoted_needs_no_escape, string_form, IString, StringForm, StringPosition};

/// One piece of encoded output, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fragment {
    /// Bytes to send as they are. A line that is followed by a synchronising
    /// [`Fragment::Literal`] ends with its `{n}` announcement and CRLF.
    Line(Bytes),
    /// A literal's payload, a zero-copy handle on the caller's data.
    Literal {
        /// The payload.
        data: Bytes,
        /// A synchronising literal of a command: the client must wait for the server's
        /// `+` before sending `data`. Always `false` in a server's output.
        wait: bool,
    },
}

/// Which literal announcements the encoder may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LiteralPolicy {
    /// `{n}` only: the IMAP4rev1 baseline, and what a server's output uses.
    #[default]
    Sync,
    /// `{n+}` for any size: the server advertised LITERAL+ (RFC 7888).
    NonSync,
    /// `{n+}` up to 4096 bytes, `{n}` above: the server advertised LITERAL- (RFC 7888 §5).
    NonSyncUpTo4096,
}

/// Options of the encoder.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct EncodeOptions {
    /// Which literal forms may be used. Default [`LiteralPolicy::Sync`], the only form
    /// every server accepts.
    pub literal_policy: LiteralPolicy,
    /// UTF-8 on the wire, after `ENABLE IMAP4rev2` or `ENABLE UTF8=ACCEPT` (RFC 9051
    /// §5.1, RFC 6855 §3): mailbox names are written in UTF-8, not modified UTF-7, and a
    /// UTF-8 string may be quoted instead of sent as a literal. Default off: an IMAP4rev1
    /// peer must never see either (RFC 9051 Appendix A).
    pub utf8: bool,
}

impl EncodeOptions {
    /// Options with the given literal policy.
    pub fn with_literal_policy(policy: LiteralPolicy) -> Self {
        EncodeOptions { literal_policy: policy, utf8: false }
    }

    /// These options with UTF-8 on the wire or not ([`EncodeOptions::utf8`]).
    pub fn with_utf8(self, utf8: bool) -> Self {
        EncodeOptions { utf8, ..self }
    }
}

/// Whether `s` may go as a UTF-8 quoted string (RFC 9051 §4.3, RFC 6855 §3): short
/// enough, TEXT-CHARs or 8-bit, and well-formed UTF-8.
fn utf8_quotable(s: &[u8]) -> bool {
    s.len() <= crate::types::MAX_QUOTED_LEN
        && s.iter().all(|&b| b >= 0x80 || crate::types::chars::is(b, crate::types::chars::TEXT))
        && std::str::from_utf8(s).is_ok()
}

/// Literals up to this size are copied inline when no wait is needed; larger ones become
/// their own fragment so their payload is never copied.
const INLINE_LITERAL_MAX: usize = 4096;

/// The output of one encode: fragments in send order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Encoded {
    fragments: Vec<Fragment>,
}

impl Encoded {
    /// The fragments in send order.
    pub fn fragments(&self) -> &[Fragment] {
        &self.fragments
    }

    /// Takes the fragments.
    pub fn into_fragments(self) -> Vec<Fragment> {
        self.fragments
    }

    /// All bytes concatenated, as they would go on the wire (for tests and logs).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = Vec::new();
        for f in &self.fragments {
            match f {
                Fragment::Line(b) | Fragment::Literal { data: b, .. } => v.extend_from_slice(b),
            }
        }
        v
    }
}

/// The writer every encoder writes through.
pub(crate) struct Writer<'a> {
    out: &'a mut BytesMut,
    fragments: Vec<Fragment>,
    /// `None` for a server's output, where literals never wait.
    policy: Option<LiteralPolicy>,
    /// [`EncodeOptions::utf8`].
    utf8: bool,
}

impl<'a> Writer<'a> {
    /// A writer for a client's commands.
    pub(crate) fn new(out: &'a mut BytesMut, options: &EncodeOptions) -> Self {
        Writer { out, fragments: Vec::new(), policy: Some(options.literal_policy), utf8: options.utf8 }
    }

    /// A writer for a server's responses: `{n}` literals that follow at once; `utf8` as
    /// [`EncodeOptions::utf8`].
    pub(crate) fn for_response(out: &'a mut BytesMut, utf8: bool) -> Self {
        Writer { out, fragments: Vec::new(), policy: None, utf8 }
    }

    /// Ends the output: the pending bytes become the last line fragment.
    pub(crate) fn finish(mut self) -> Encoded {
        self.flush();
        Encoded { fragments: self.fragments }
    }

    fn flush(&mut self) {
        if !self.out.is_empty() {
            self.fragments.push(Fragment::Line(self.out.split().freeze()));
        }
    }

    #[inline]
    pub(crate) fn raw(&mut self, b: &[u8]) {
        self.out.extend_from_slice(b);
    }

    #[inline]
    pub(crate) fn byte(&mut self, b: u8) {
        self.out.put_u8(b);
    }

    #[inline]
    pub(crate) fn sp(&mut self) {
        self.out.put_u8(b' ');
    }

    #[inline]
    pub(crate) fn crlf(&mut self) {
        self.out.extend_from_slice(b"\r\n");
    }

    #[inline]
    pub(crate) fn number(&mut self, n: impl itoa::Integer) {
        let mut buf = itoa::Buffer::new();
        self.out.extend_from_slice(buf.format(n).as_bytes());
    }

    /// Writes anything `Display` (dates, flags, sequence sets).
    pub(crate) fn display(&mut self, v: impl std::fmt::Display) {
        use std::fmt::Write;
        write!(self.out, "{v}").expect("BytesMut grows");
    }

    /// `DQUOTE *QUOTED-CHAR DQUOTE`; the caller checked the content is TEXT-CHARs.
    pub(crate) fn quoted(&mut self, s: &[u8]) {
        self.out.reserve(s.len() + 2);
        self.out.put_u8(b'"');
        if quoted_needs_no_escape(s) {
            self.out.extend_from_slice(s);
        } else {
            for &b in s {
                if b == b'"' || b == b'\\' {
                    self.out.put_u8(b'\\');
                }
                self.out.put_u8(b);
            }
        }
        self.out.put_u8(b'"');
    }

    /// A literal announcement and payload.
    pub(crate) fn literal(&mut self, data: &Bytes, binary: bool) {
        self.literal_as(data, binary, None);
    }

    /// A literal announced as `mode` says (a raw command's literal keeps its form), or as
    /// the policy allows when `None`.
    pub(crate) fn literal_as(&mut self, data: &Bytes, binary: bool, mode: Option<crate::types::LiteralMode>) {
        let non_sync = match (mode, self.policy) {
            (Some(m), _) => m == crate::types::LiteralMode::NonSync,
            (None, None | Some(LiteralPolicy::Sync)) => false,
            (None, Some(LiteralPolicy::NonSync)) => true,
            (None, Some(LiteralPolicy::NonSyncUpTo4096)) => data.len() <= 4096,
        };
        let wait = !non_sync && self.policy.is_some();
        if binary {
            self.out.put_u8(b'~');
        }
        self.out.put_u8(b'{');
        self.number(data.len());
        if non_sync {
            self.out.put_u8(b'+');
        }
        self.out.extend_from_slice(b"}\r\n");
        if !wait && data.len() <= INLINE_LITERAL_MAX {
            self.out.extend_from_slice(data);
            return;
        }
        self.flush();
        self.fragments.push(Fragment::Literal { data: data.clone(), wait });
    }

    /// A string value in its cheapest legal form at `position`.
    pub(crate) fn string_at(&mut self, s: &IString, position: StringPosition) {
        match string_form(s.as_bytes(), position) {
            StringForm::Atom => self.raw(s.as_bytes()),
            StringForm::Quoted => self.quoted(s.as_bytes()),
            StringForm::Literal if self.utf8 && utf8_quotable(s.as_bytes()) => self.quoted(s.as_bytes()),
            StringForm::Literal => self.literal(&s.to_bytes(), false),
        }
    }

    /// `mailbox = "INBOX" / astring`: in UTF-8 when [`EncodeOptions::utf8`] is on and the
    /// name is well-formed modified UTF-7, else as its wire bytes.
    pub(crate) fn mailbox(&mut self, m: &crate::types::Mailbox) {
        match m {
            crate::types::Mailbox::Inbox => self.raw(b"INBOX"),
            crate::types::Mailbox::Other(s) if self.utf8 => match crate::mutf7::decode(s.as_bytes()) {
                Ok(std::borrow::Cow::Owned(text)) => match IString::try_from(Bytes::from(text)) {
                    Ok(utf8) => self.astring(&utf8),
                    Err(_) => self.astring(s),
                },
                _ => self.astring(s),
            },
            crate::types::Mailbox::Other(s) => self.astring(s),
        }
    }

    /// Whether names are UTF-8 on the wire ([`EncodeOptions::utf8`]).
    pub(crate) fn utf8(&self) -> bool {
        self.utf8
    }

    /// `astring`
    pub(crate) fn astring(&mut self, s: &IString) {
        self.string_at(s, StringPosition::AString);
    }

    /// `string`
    pub(crate) fn string(&mut self, s: &IString) {
        self.string_at(s, StringPosition::String);
    }

    /// `nstring`
    pub(crate) fn nstring(&mut self, s: Option<&IString>) {
        match s {
            Some(s) => self.string_at(s, StringPosition::NString),
            None => self.raw(b"NIL"),
        }
    }

    /// `nstring / literal8` (RFC 3516's BINARY data, RFC 5464's `value`, RFC 5524's
    /// `BINARY`): NIL for none, a `literal8` for octets with a NUL, else an nstring.
    pub(crate) fn nstring8(&mut self, v: Option<&bytes::Bytes>) {
        match v {
            None => self.raw(b"NIL"),
            Some(b) if memchr::memchr(0, b).is_some() => self.literal(b, true),
            Some(b) => self.nstring(Some(&IString::unvalidated(b.clone()))),
        }
    }
}

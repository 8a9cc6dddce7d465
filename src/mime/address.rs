//! Address lists (RFC 2822 §3.4, with the obsolete forms of §4.4) for ENVELOPE.
//!
//! `address-list` is a list of mailboxes (`name <local@domain>` or `local@domain
//! (comment)`) and groups (`name: mailbox, ...;`). Parsing never fails: whatever is
//! missing is filled in with a marker, as Dovecot does, so that the ENVELOPE stays valid
//! IMAP (RFC 3501 §7.4.2 requires a host for every non-group address):
//! `MISSING_MAILBOX`, `MISSING_DOMAIN`, `SYNTAX_ERROR`, `INVALID_ROUTE`.
//! A group becomes a start marker (`mailbox` = the group name, no host), its members,
//! and an end marker (all NIL), as RFC 3501 §7.4.2 describes.

use super::lexer::{Lexer, Step};

/// One parsed address, or a group marker.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ParsedAddress {
    /// Display name (`phrase`), or the last comment of an `addr-spec (Name)`.
    pub(crate) name: Option<Vec<u8>>,
    /// Source route `@a,@b` (obsolete, §4.4).
    pub(crate) route: Option<Vec<u8>>,
    /// Local part; the group name at a group start; `None` at a group end.
    pub(crate) mailbox: Option<Vec<u8>>,
    /// Domain; `None` for both group markers.
    pub(crate) domain: Option<Vec<u8>>,
    /// Whether something was wrong with the syntax.
    pub(crate) invalid: bool,
}

struct Ctx<'a> {
    lexer: Lexer<'a>,
    addr: ParsedAddress,
    out: Vec<ParsedAddress>,
    scratch: Vec<u8>,
}

impl Ctx<'_> {
    fn add(&mut self) {
        self.out.push(std::mem::take(&mut self.addr));
    }

    fn add_fixed(&mut self) {
        if self.addr.mailbox.is_none() {
            self.addr.mailbox = Some(b"MISSING_MAILBOX".to_vec());
            self.addr.invalid = true;
        }
        if self.addr.domain.as_ref().is_none_or(|d| d.is_empty()) {
            self.addr.domain = Some(b"MISSING_DOMAIN".to_vec());
            self.addr.invalid = true;
        }
        self.add();
    }

    /// `local-part = dot-atom / quoted-string / obs-local-part`
    fn local_part(&mut self) -> Step {
        self.scratch.clear();
        let r = if self.lexer.peek() == b'"' {
            self.lexer.quoted_string(&mut self.scratch)
        } else {
            self.lexer.dot_atom(&mut self.scratch)
        };
        if r.bad() {
            return Step::Bad;
        }
        self.addr.mailbox = Some(self.scratch.clone());
        r
    }

    fn domain(&mut self) -> Step {
        self.scratch.clear();
        let r = self.lexer.domain(&mut self.scratch);
        if r.bad() {
            return Step::Bad;
        }
        self.addr.domain = Some(self.scratch.clone());
        r
    }

    /// `obs-domain-list = "@" domain *(*(CFWS / ",") [CFWS] "@" domain)`
    fn domain_list(&mut self) -> Step {
        let mut route = Vec::new();
        loop {
            if self.lexer.at_end() {
                return Step::End;
            }
            if self.lexer.peek() != b'@' {
                break;
            }
            if !route.is_empty() {
                route.push(b',');
            }
            route.push(b'@');
            let r = self.lexer.domain(&mut route);
            if r.not_more() {
                return r;
            }
            while self.lexer.skip_lwsp().more() && self.lexer.peek() == b',' {
                self.lexer.bump();
            }
        }
        self.addr.route = Some(route);
        Step::More
    }

    /// `angle-addr = "<" [obs-route] addr-spec ">"`; the cursor is on `<`.
    fn angle_addr(&mut self) -> Step {
        self.lexer.bump();
        if self.lexer.skip_lwsp().not_more() {
            return Step::Bad;
        }
        if self.lexer.peek() == b'@' {
            if self.domain_list().more() && self.lexer.peek() == b':' {
                self.lexer.bump();
            } else {
                self.addr.route = Some(b"INVALID_ROUTE".to_vec());
                if self.lexer.at_end() {
                    return Step::Bad;
                }
            }
            if self.lexer.skip_lwsp().not_more() {
                return Step::Bad;
            }
        }
        if self.lexer.peek() != b'>' {
            if self.local_part().not_more() {
                return Step::Bad;
            }
            if self.lexer.peek() == b'@' && self.domain().not_more() {
                return Step::Bad;
            }
        }
        if self.lexer.peek() != b'>' {
            return Step::Bad;
        }
        self.lexer.bump();
        self.lexer.skip_lwsp()
    }

    /// `name-addr = [display-name] angle-addr`
    fn name_addr(&mut self) -> Step {
        self.scratch.clear();
        let mut name = Vec::new();
        if self.lexer.phrase(&mut name).not_more() || self.lexer.peek() != b'<' {
            return Step::Bad;
        }
        self.addr.name = if name.is_empty() { None } else { Some(name) };
        if self.angle_addr().bad() {
            self.addr.domain = Some(b"SYNTAX_ERROR".to_vec());
            self.addr.invalid = true;
        }
        if self.lexer.at_end() {
            Step::End
        } else {
            Step::More
        }
    }

    /// `addr-spec = local-part "@" domain`, with a trailing comment as the name.
    fn addr_spec(&mut self) -> Step {
        if let Some(c) = self.lexer.last_comment.as_mut() {
            c.clear();
        }
        let quoted = self.lexer.peek() == b'"';
        let mut r = self.local_part();
        let mut r2: Option<Step> = None;
        if r.not_more() {
            self.addr.invalid = true;
        }
        if r != Step::End && !self.lexer.at_end() && self.lexer.peek() == b'@' {
            let d = self.domain();
            r2 = Some(d);
            if d.not_more() {
                r = d;
            }
        }
        let comment = self.lexer.last_comment.clone().unwrap_or_default();
        if !comment.is_empty() {
            self.addr.name = Some(comment);
        } else if r2.is_none() {
            // A lone word is a mailbox without a domain; more words make it a name.
            let mut text = self.scratch.clone();
            text.push(b' ');
            let len = text.len();
            let _ = self.lexer.phrase(&mut text);
            if text.len() != len {
                self.addr.mailbox = None;
                self.addr.name = Some(text);
            } else if !quoted {
                self.addr.domain = Some(Vec::new());
            }
            self.addr.invalid = true;
            r = Step::Bad;
        }
        r
    }

    /// `mailbox = name-addr / addr-spec`
    fn mailbox(&mut self) -> Step {
        let start = self.lexer.pos();
        let mut r = self.name_addr();
        if r.bad() {
            self.lexer.reset(start);
            // name_addr may have set a name before failing.
            self.addr = ParsedAddress::default();
            r = self.addr_spec();
            if self.addr.invalid
                && self.addr.name.is_none()
                && self.addr.mailbox.is_some()
                && self.addr.domain.is_none()
            {
                self.addr.name = self.addr.mailbox.take();
            }
        }
        if r.bad() {
            self.addr.invalid = true;
        }
        self.add_fixed();
        r
    }

    /// `group = display-name ":" [mailbox-list / CFWS] ";" [CFWS]`
    fn group(&mut self) -> Step {
        let mut name = Vec::new();
        if self.lexer.phrase(&mut name).not_more() || self.lexer.peek() != b':' {
            return Step::Bad;
        }
        // From here on this is a group, whatever follows.
        self.lexer.bump();
        let mut r = self.lexer.skip_lwsp();
        if r.not_more() {
            self.addr.invalid = true;
        }
        self.addr.mailbox = Some(name);
        self.add();
        if r.more() && self.lexer.peek() != b';' {
            loop {
                let _ = self.mailbox();
                if self.lexer.at_end() || self.lexer.peek() != b',' {
                    break;
                }
                self.lexer.bump();
                if self.lexer.skip_lwsp().not_more() {
                    r = Step::Bad;
                    break;
                }
            }
        }
        if !r.bad() {
            if self.lexer.at_end() || self.lexer.peek() != b';' {
                r = Step::Bad;
            } else {
                self.lexer.bump();
                r = self.lexer.skip_lwsp();
            }
        }
        if r.bad() {
            self.addr.invalid = true;
        }
        self.add();
        if r == Step::End {
            Step::End
        } else {
            Step::More
        }
    }

    /// `address = mailbox / group`
    fn address(&mut self) -> Step {
        let start = self.lexer.pos();
        let r = self.group();
        if r.bad() {
            self.lexer.reset(start);
            self.addr = ParsedAddress::default();
            return self.mailbox();
        }
        r
    }
}

/// Parses an address list (RFC 2822 §3.4). Never fails; an empty or blank value gives
/// an empty list.
pub(crate) fn parse_address_list(value: &[u8]) -> Vec<ParsedAddress> {
    let mut ctx = Ctx {
        lexer: Lexer::for_addresses(value),
        addr: ParsedAddress::default(),
        out: Vec::new(),
        scratch: Vec::new(),
    };
    if ctx.lexer.skip_lwsp().not_more() {
        return ctx.out;
    }
    loop {
        if ctx.address() == Step::End {
            break;
        }
        if ctx.lexer.at_end() || ctx.lexer.peek() != b',' {
            break;
        }
        ctx.lexer.bump();
        let r = ctx.lexer.skip_lwsp();
        if r.not_more() {
            if r.bad() {
                ctx.add_fixed();
            }
            break;
        }
    }
    ctx.out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(value: &str) -> Vec<String> {
        let s = |v: &Option<Vec<u8>>| match v {
            Some(v) => format!("{:?}", String::from_utf8_lossy(v)),
            None => "NIL".into(),
        };
        parse_address_list(value.as_bytes())
            .iter()
            .map(|a| format!("({} {} {} {})", s(&a.name), s(&a.route), s(&a.mailbox), s(&a.domain)))
            .collect()
    }

    #[test]
    fn table() {
        assert_eq!(show("a@b"), [r#"(NIL NIL "a" "b")"#]);
        assert_eq!(show("\"Q \\\"N\\\"\" <q@x.y>"), [r#"("Q \"N\"" NIL "q" "x.y")"#]);
        assert_eq!(show("(c) s@x (Name)"), [r#"("Name" NIL "s" "x")"#]);
        assert_eq!(show("<@r1,@r2:u@d>"), [r#"(NIL "@r1,@r2" "u" "d")"#]);
        assert_eq!(
            show("undisclosed-recipients:;"),
            [r#"(NIL NIL "undisclosed-recipients" NIL)"#, "(NIL NIL NIL NIL)"]
        );
        assert_eq!(
            show("T: a@b, \"b c\" <b@c>;, s@x"),
            [
                r#"(NIL NIL "T" NIL)"#,
                r#"(NIL NIL "a" "b")"#,
                r#"("b c" NIL "b" "c")"#,
                "(NIL NIL NIL NIL)",
                r#"(NIL NIL "s" "x")"#
            ]
        );
        assert_eq!(show("missing"), [r#"(NIL NIL "missing" "MISSING_DOMAIN")"#]);
        assert_eq!(show("<>"), [r#"(NIL NIL "MISSING_MAILBOX" "MISSING_DOMAIN")"#]);
        assert_eq!(show("Name Only"), [r#"("Name Only" NIL "MISSING_MAILBOX" "MISSING_DOMAIN")"#]);
        assert_eq!(show("broken <u@d"), [r#"("broken" NIL "u" "SYNTAX_ERROR")"#]);
        assert_eq!(show("x@[127.0.0.1]"), [r#"(NIL NIL "x" "[127.0.0.1]")"#]);
        assert_eq!(show("x@y (comment"), [r#"(NIL NIL "x" "MISSING_DOMAIN")"#]);
        assert!(show("   ").is_empty());
    }
}

//! The MIME tree (RFC 2045, RFC 2046): where each part's header and body are.
//!
//! A [`Part`] holds offsets into the message and shares its [`Bytes`]; nothing is
//! copied. Parsing never fails and follows what real mail does, the way Dovecot reads it:
//!
//! - A multipart body (RFC 2046 §5.1.1) is split at lines that start with `--` and a
//!   known boundary. Every boundary of every enclosing multipart is looked for, and when
//!   several match the longest wins, so boundaries that are prefixes of each other work.
//!   A boundary of an outer part closes the inner parts; a missing final boundary leaves
//!   the parts open to the end of the enclosing part. The CRLF before a boundary belongs
//!   to the boundary (§5.1.1: "the CRLF preceding the boundary delimiter line is
//!   conceptually attached to the boundary").
//! - Preamble and epilogue belong to the multipart's own body.
//! - A boundary inside a part's header ends that header early.
//! - Without Content-Type a part is text/plain (RFC 2045 §5.2), or message/rfc822 inside
//!   multipart/digest (RFC 2046 §5.1.5). Content-* fields count only where the part is
//!   MIME: it has MIME-Version or Content-Type, or it is a part of a multipart.
//! - message/rfc822 parts (RFC 2046 §5.2.1) hold one child, the encapsulated message.
//! - Nesting is limited ([`ParseOptions::max_depth`]); a part that would go deeper is
//!   kept as one flat leaf.

use bytes::Bytes;

use super::header::{is_blank_line, read_field, Header};
use super::lexer::Lexer;
use super::params::parse_parameters;

pub(crate) const MULTIPART: u8 = 0x01;
pub(crate) const DIGEST: u8 = 0x02;
pub(crate) const RFC822: u8 = 0x04;
pub(crate) const TEXT: u8 = 0x08;
pub(crate) const IS_MIME: u8 = 0x40;
pub(crate) const OVERFLOW: u8 = 0x80;

/// Limits of the MIME parser.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ParseOptions {
    /// How deep multiparts and message/rfc822 parts may nest. Default 100, as Dovecot:
    /// far more than real mail uses, and it keeps recursion over the tree shallow.
    pub max_depth: usize,
    /// How many parts a message may have in all. Default 10 000, as Dovecot: a
    /// malicious message can't make the tree (and BODYSTRUCTURE) huge.
    pub max_parts: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions { max_depth: 100, max_parts: 10_000 }
    }
}

/// One part of the MIME tree: the message itself, a part of a multipart, or the message
/// inside a message/rfc822 part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    data: Bytes,
    start: usize,
    body_start: usize,
    end: usize,
    pub(crate) flags: u8,
    children: Vec<Part>,
}

impl Part {
    /// The part's header block, its blank line included (the MIME header of a part of a
    /// multipart, the message header of a message).
    pub fn header(&self) -> Header {
        Header::parse(self.data.slice(self.start..self.body_start))
    }

    /// The header block's bytes.
    pub fn header_bytes(&self) -> Bytes {
        self.data.slice(self.start..self.body_start)
    }

    /// The body, still in its transfer encoding.
    pub fn body(&self) -> Bytes {
        self.data.slice(self.body_start..self.end)
    }

    /// Header and body.
    pub fn raw(&self) -> Bytes {
        self.data.slice(self.start..self.end)
    }

    /// Offset of the header in the message.
    pub fn offset(&self) -> usize {
        self.start
    }

    /// Size of the body in octets.
    pub fn body_len(&self) -> usize {
        self.end - self.body_start
    }

    /// Lines of the body: the number of line feeds in it.
    pub fn body_lines(&self) -> usize {
        memchr::memchr_iter(b'\n', &self.data[self.body_start..self.end]).count()
    }

    /// Whether this is a multipart (with a boundary it could be split at, or not).
    pub fn is_multipart(&self) -> bool {
        self.flags & MULTIPART != 0
    }

    /// Whether this is a message/rfc822 part holding a message.
    pub fn is_message(&self) -> bool {
        self.flags & RFC822 != 0
    }

    /// Whether the part is MIME: Content-* fields apply (RFC 2045 §4).
    pub fn is_mime(&self) -> bool {
        self.flags & IS_MIME != 0
    }

    /// Whether the parser stopped here because of [`ParseOptions`]: the part may hold
    /// more structure that was not parsed.
    pub fn is_truncated(&self) -> bool {
        self.flags & OVERFLOW != 0
    }

    /// The parts of a multipart, or the one message of a message/rfc822 part.
    pub fn children(&self) -> &[Part] {
        &self.children
    }
}

/// A part being parsed.
struct Node {
    parent: Option<usize>,
    start: usize,
    body_start: Option<usize>,
    end: Option<usize>,
    flags: u8,
    depth: usize,
    children: Vec<usize>,
}

/// An active multipart boundary.
struct Boundary {
    node: usize,
    value: Vec<u8>,
}

/// Length of the line break that ends just before `pos` (which follows a line feed).
fn newline_before(data: &[u8], pos: usize) -> usize {
    if pos >= 2 && data[pos - 2] == b'\r' {
        2
    } else {
        1
    }
}

/// The boundary that the line at `pos` opens with, if any: `--` then the longest active
/// boundary that the rest starts with (innermost first among equals).
fn boundary_at(data: &[u8], pos: usize, boundaries: &[Boundary]) -> Option<usize> {
    let rest = data.get(pos..)?.strip_prefix(b"--")?;
    let mut best: Option<usize> = None;
    for (i, b) in boundaries.iter().enumerate().rev() {
        if rest.starts_with(&b.value) && best.is_none_or(|k| boundaries[k].value.len() < b.value.len()) {
            best = Some(i);
        }
    }
    best
}

/// What a header says about the structure.
struct HeaderFacts {
    flags: u8,
    boundary: Option<Vec<u8>>,
}

/// Reads the Content-Type the parser cares about: the type flags and the boundary.
fn content_type_facts(value: &[u8]) -> HeaderFacts {
    let mut lexer = Lexer::new(value);
    let mut ct = Vec::new();
    let ok = !lexer.content_type(&mut ct).bad();
    let mut flags = 0;
    if ct.eq_ignore_ascii_case(b"message/rfc822") {
        flags |= RFC822;
    } else if ct.len() >= 4 && ct[..4].eq_ignore_ascii_case(b"text") && (ct.len() == 4 || ct[4] == b'/') {
        flags |= TEXT;
    } else if ct.len() >= 10 && ct[..10].eq_ignore_ascii_case(b"multipart/") {
        flags |= MULTIPART;
        if ct[10..].eq_ignore_ascii_case(b"digest") {
            flags |= DIGEST;
        }
    }
    let mut boundary = None;
    if ok && flags & MULTIPART != 0 {
        boundary =
            parse_parameters(&mut lexer).into_iter().find(|(k, _)| k.eq_ignore_ascii_case(b"boundary")).map(|(_, v)| v);
    }
    HeaderFacts { flags, boundary }
}

/// Parses the MIME tree of `data`.
pub(crate) fn parse_tree(data: &Bytes, options: &ParseOptions) -> Part {
    let len = data.len();
    let mut nodes =
        vec![Node { parent: None, start: 0, body_start: None, end: None, flags: 0, depth: 0, children: vec![] }];
    let mut boundaries: Vec<Boundary> = Vec::new();
    let mut cur = 0;
    let mut pos = 0;
    let mut in_header = true;

    loop {
        if in_header {
            let node_start = pos;
            let mut flags = nodes[cur].flags;
            let mut seen_content_type = false;
            let mut boundary: Option<Vec<u8>> = None;
            let mut truncated_by: Option<usize> = None;
            let mut blank_line = false;
            let header_end;
            loop {
                if pos >= len {
                    header_end = len;
                    break;
                }
                if let Some(after) = is_blank_line(data, pos) {
                    // A boundary of an enclosing part right after the blank line takes
                    // the blank line's CRLF (unless the part's own boundary matches
                    // better there).
                    let own = own_boundary(flags, &boundary, nodes[cur].depth, nodes.len(), options);
                    if let Some(value) = own.clone() {
                        boundaries.push(Boundary { node: cur, value });
                    }
                    let found = boundary_at(data, after, &boundaries);
                    if own.is_some() {
                        boundaries.pop();
                    }
                    if let Some(b) = found.filter(|&b| b < boundaries.len()) {
                        header_end = pos;
                        truncated_by = Some(b);
                        pos = after;
                        break;
                    }
                    header_end = after;
                    blank_line = true;
                    pos = after;
                    break;
                }
                if let Some(b) = boundary_at(data, pos, &boundaries) {
                    header_end = if pos > node_start { pos - newline_before(data, pos) } else { pos };
                    truncated_by = Some(b);
                    break;
                }
                let f = read_field(data, pos);
                let name = &data[f.start..f.name_end];
                if name.eq_ignore_ascii_case(b"MIME-Version") {
                    flags |= IS_MIME;
                } else if name.eq_ignore_ascii_case(b"Content-Type") {
                    flags |= IS_MIME;
                    if !seen_content_type {
                        seen_content_type = true;
                        let value = super::header::field_value(data, &f);
                        let facts = content_type_facts(&value);
                        flags |= facts.flags;
                        boundary = facts.boundary;
                    }
                }
                pos = f.end;
            }
            if flags & IS_MIME == 0 {
                flags = 0;
                boundary = None;
            }
            if !seen_content_type || flags & IS_MIME == 0 {
                let parent_digest = nodes[cur].parent.is_some_and(|p| nodes[p].flags & DIGEST != 0);
                flags |= if parent_digest { RFC822 } else { TEXT };
            }
            let depth = nodes[cur].depth;
            let may_nest = depth + 1 < options.max_depth && nodes.len() < options.max_parts;
            if flags & (MULTIPART | RFC822) != 0 && !may_nest {
                flags = (flags & IS_MIME) | OVERFLOW;
                boundary = None;
            }
            nodes[cur].flags = flags;
            nodes[cur].body_start = Some(header_end);
            if let Some(b) = truncated_by {
                // The header ends before the line break that precedes the boundary; that
                // line break belongs to the enclosing part, which ends where the boundary
                // line starts.
                nodes[cur].end = Some(header_end);
                if flags & RFC822 != 0 {
                    // The encapsulated message is empty.
                    let child = nodes.len();
                    nodes.push(Node {
                        parent: Some(cur),
                        start: header_end,
                        body_start: Some(header_end),
                        end: Some(header_end),
                        flags: TEXT,
                        depth: depth + 1,
                        children: vec![],
                    });
                    nodes[cur].children.push(child);
                }
                let parent = nodes[cur].parent.expect("only a part inside a multipart meets a boundary");
                let at = pos;
                cur = finish_boundary(data, &mut nodes, &mut boundaries, parent, b, at, &mut pos);
                in_header = start_child(&mut nodes, &mut boundaries, &mut cur, pos, options.max_parts);
                continue;
            }
            if blank_line && flags & MULTIPART != 0 {
                if let Some(value) = boundary {
                    boundaries.push(Boundary { node: cur, value });
                }
            }
            if flags & RFC822 != 0 {
                let child = nodes.len();
                nodes.push(Node {
                    parent: Some(cur),
                    start: pos,
                    body_start: None,
                    end: None,
                    flags: 0,
                    depth: depth + 1,
                    children: vec![],
                });
                nodes[cur].children.push(child);
                cur = child;
                in_header = true;
                continue;
            }
            in_header = false;
            continue;
        }

        // Body: look for a boundary at each line start.
        if boundaries.is_empty() {
            break;
        }
        let body_from = pos;
        let mut line = pos;
        let mut found = None;
        while line < len {
            if let Some(b) = boundary_at(data, line, &boundaries) {
                found = Some((b, line));
                break;
            }
            line = match memchr::memchr(b'\n', &data[line..]) {
                Some(i) => line + i + 1,
                None => len,
            };
        }
        let Some((b, line)) = found else { break };
        let at = if line == body_from { line } else { line - newline_before(data, line) };
        pos = line;
        cur = finish_boundary(data, &mut nodes, &mut boundaries, cur, b, at, &mut pos);
        in_header = start_child(&mut nodes, &mut boundaries, &mut cur, pos, options.max_parts);
    }

    // End of data: everything still open ends here.
    let mut n = Some(cur);
    while let Some(i) = n {
        if nodes[i].body_start.is_none() {
            nodes[i].body_start = Some(len);
        }
        if nodes[i].end.is_none() {
            nodes[i].end = Some(len);
        }
        n = nodes[i].parent;
    }
    build(data, &nodes, 0)
}

/// Handles the boundary `b` whose line starts at `*pos`; the parts inside its owner end
/// at `at`. Moves `*pos` past the boundary line and returns the owner.
fn finish_boundary(
    data: &[u8],
    nodes: &mut [Node],
    boundaries: &mut Vec<Boundary>,
    cur: usize,
    b: usize,
    at: usize,
    pos: &mut usize,
) -> usize {
    let owner = boundaries[b].node;
    let mut n = cur;
    while n != owner {
        let node = &mut nodes[n];
        if node.body_start.is_none() {
            node.body_start = Some(at);
        }
        node.end = Some(at);
        n = node.parent.expect("the owner is an ancestor");
    }
    let after = *pos + 2 + boundaries[b].value.len();
    let terminal = data.get(after..after + 2) == Some(b"--");
    if terminal {
        boundaries.truncate(b);
    } else {
        boundaries.truncate(b + 1);
    }
    *pos = match memchr::memchr(b'\n', &data[after.min(data.len())..]) {
        Some(i) => after + i + 1,
        None => data.len(),
    };
    owner
}

/// After a boundary line: opens the next part of the multipart `*cur` if its boundary is
/// still active (returns `true`: parse a header next), else stays in its epilogue.
fn start_child(
    nodes: &mut Vec<Node>,
    boundaries: &mut Vec<Boundary>,
    cur: &mut usize,
    pos: usize,
    max_parts: usize,
) -> bool {
    if boundaries.last().is_some_and(|b| b.node == *cur) {
        if nodes.len() >= max_parts {
            // Too many parts: the rest of this multipart stays unsplit.
            boundaries.pop();
            nodes[*cur].flags |= OVERFLOW;
            return false;
        }
        let child = nodes.len();
        let depth = nodes[*cur].depth + 1;
        nodes.push(Node {
            parent: Some(*cur),
            start: pos,
            body_start: None,
            end: None,
            flags: IS_MIME,
            depth,
            children: vec![],
        });
        nodes[*cur].children.push(child);
        *cur = child;
        true
    } else {
        false
    }
}

/// The boundary a part will split its body at: it is MIME, multipart, has a boundary
/// and may nest deeper.
fn own_boundary(
    flags: u8,
    boundary: &Option<Vec<u8>>,
    depth: usize,
    parts: usize,
    options: &ParseOptions,
) -> Option<Vec<u8>> {
    let may_nest = depth + 1 < options.max_depth && parts < options.max_parts;
    if flags & IS_MIME != 0 && flags & MULTIPART != 0 && may_nest {
        boundary.clone()
    } else {
        None
    }
}

fn build(data: &Bytes, nodes: &[Node], i: usize) -> Part {
    let n = &nodes[i];
    let end = n.end.unwrap_or(data.len());
    let body_start = n.body_start.unwrap_or(end).min(end);
    Part {
        data: data.clone(),
        start: n.start.min(body_start),
        body_start,
        end,
        flags: n.flags,
        children: n.children.iter().map(|&c| build(data, nodes, c)).collect(),
    }
}

#!/usr/bin/env python3
"""Check that IMAP transcript fixtures frame cleanly around {n} literals.

Transcript format: every non-comment line starts with "C: " (client) or
"S: " (server).  The text after the prefix, plus CRLF, is bytes sent in that
direction.  Lines starting with "#" are comments.  Joining all lines of one
direction with CRLF gives that direction's exact byte stream.

For each direction's stream this script walks the IMAP framing:

  * read a line up to CRLF;
  * if it ends with "{n}" (or "{n+}"), the next n bytes are literal data,
    after which the same logical line resumes and runs to the next CRLF
    (and may announce another literal);
  * the bytes right after a literal must be CRLF, SP or ")" (the only things
    that can follow a string in the grammar), must not contain a bare CR/LF,
    and no logical line may start with SP or ")" (which would mean a literal
    was announced too short and its tail leaked into a new line);
  * on a logical line that carries a literal, parentheses and brackets
    outside quoted strings and literal data must balance (catches a literal
    announced too long, which swallows e.g. the ")" closing a FETCH);
  * an empty logical line is only accepted right after a "+" continuation
    (an empty AUTHENTICATE response); anywhere else it means a literal was
    announced too short and left its final CRLF behind.

A client literal that is answered by a server line that is not a "+"
continuation (e.g. a tagged BAD, RFC 3501 section 7.5) was rejected, so its
bytes are never sent; such a literal is reported as "rejected" and skipped.
A synchronizing client literal sent without a "+" continuation in between is
reported as a warning (not an error).

Usage: check_literals.py [FILE...]   (default: all *.txt next to this script)
Exit status is 0 iff every file passes.
"""

import bisect
import glob
import os
import re
import sys

LITERAL_RE = re.compile(rb"\{(\d+)(\+?)\}$")


class Entry:
    __slots__ = ("index", "lineno", "direction", "text")

    def __init__(self, index, lineno, direction, text):
        self.index = index  # position among transcript (non-comment) lines
        self.lineno = lineno  # 1-based line number in the file
        self.direction = direction  # "C" or "S"
        self.text = text  # bytes after the "C: " / "S: " prefix


def parse(path, errors):
    with open(path, "rb") as f:
        data = f.read()
    if b"\r" in data:
        errors.append("%s: file contains CR; use LF line endings" % path)
    if data and not data.endswith(b"\n"):
        errors.append("%s: file does not end with a newline" % path)
    entries = []
    for lineno, raw in enumerate(data.split(b"\n")[:-1] if data.endswith(b"\n")
                                 else data.split(b"\n"), 1):
        if any(b > 0x7E or b < 0x20 for b in raw):
            errors.append("%s:%d: non-printable or non-ASCII byte" % (path, lineno))
        if raw.startswith(b"#"):
            continue
        if raw[:3] in (b"C: ", b"S: "):
            entries.append(Entry(len(entries), lineno, raw[:1].decode(), raw[3:]))
        else:
            errors.append("%s:%d: line does not start with 'C: ', 'S: ' or '#': %r"
                          % (path, lineno, raw))
    return entries


def balance_problem(parts):
    """Return a message if ( ) [ ] outside quoted strings do not balance."""
    stack = []
    for part in parts:
        in_quote = False
        escaped = False
        for ch in part.decode("ascii", "replace"):
            if in_quote:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_quote = False
                continue
            if ch == '"':
                in_quote = True
            elif ch in "([":
                stack.append(ch)
            elif ch in ")]":
                want = "(" if ch == ")" else "["
                if not stack or stack[-1] != want:
                    return "unmatched %r" % ch
                stack.pop()
        if in_quote:
            return "unterminated quoted string"
    if stack:
        return "unclosed %r" % "".join(stack)
    return None


def check_direction(path, entries, direction, errors, warnings, notes):
    mine = [e for e in entries if e.direction == direction]
    if not mine:
        return 0
    # Byte stream plus the offset at which each entry's text starts.
    starts = []
    chunks = []
    off = 0
    for e in mine:
        starts.append(off)
        chunks.append(e.text + b"\r\n")
        off += len(e.text) + 2
    stream = b"".join(chunks)

    def entry_at(offset):
        return mine[bisect.bisect_right(starts, offset) - 1]

    def next_in_file(e):
        return entries[e.index + 1] if e.index + 1 < len(entries) else None

    def prev_in_file(e):
        return entries[e.index - 1] if e.index > 0 else None

    literals = 0
    pos = 0
    new_line = True  # True when pos is at the start of a logical line
    parts = []  # non-literal pieces of the current logical line
    line_start = None  # entry where the current logical line started
    while pos < len(stream):
        eol = stream.find(b"\r\n", pos)
        if eol < 0:
            errors.append("%s: %s stream: missing CRLF at end (offset %d)"
                          % (path, direction, pos))
            break
        seg = stream[pos:eol]
        here = entry_at(pos)
        if new_line:
            parts = []
            line_start = here
            if seg[:1] in (b" ", b")"):
                errors.append("%s:%d: %s logical line starts with %r (literal size too small?)"
                              % (path, here.lineno, direction, seg[:1].decode()))
            if seg == b"":
                prev = prev_in_file(here)
                if not (prev is not None and prev.direction != direction
                        and prev.text.startswith(b"+")):
                    errors.append("%s:%d: empty %s logical line not preceded by a '+' "
                                  "continuation (literal size too small?)"
                                  % (path, here.lineno, direction))
        parts.append(seg)
        m = LITERAL_RE.search(seg)
        if not m:
            if len(parts) > 1:
                problem = balance_problem(parts)
                if problem:
                    errors.append("%s:%d: %s line with literal(s) does not balance: %s "
                                  "(literal size too large?)"
                                  % (path, line_start.lineno, direction, problem))
            pos = eol + 2
            new_line = True
            continue
        n = int(m.group(1))
        non_sync = m.group(2) == b"+"
        ann = entry_at(eol)  # entry carrying the {n} announcement
        nxt = next_in_file(ann)
        if direction == "C" and not non_sync and nxt is not None and nxt.direction == "S" \
                and not nxt.text.startswith(b"+"):
            notes.append("%s:%d: client literal {%d} rejected by server (line %d: %s); "
                         "no literal bytes sent" % (path, ann.lineno, n, nxt.lineno,
                                                    nxt.text.decode()))
            pos = eol + 2
            new_line = True
            continue
        if direction == "C" and not non_sync and not (
                nxt is not None and nxt.direction == "S" and nxt.text.startswith(b"+")):
            warnings.append("%s:%d: synchronizing client literal {%d} sent without a '+' "
                            "continuation from the server" % (path, ann.lineno, n))
        lit_start = eol + 2
        lit_end = lit_start + n
        if lit_end > len(stream):
            errors.append("%s:%d: %s literal {%d} runs past end of stream (only %d bytes left)"
                          % (path, ann.lineno, direction, n, len(stream) - lit_start))
            break
        rest_eol = stream.find(b"\r\n", lit_end)
        if rest_eol < 0:
            errors.append("%s:%d: %s literal {%d} is not followed by a CRLF-terminated "
                          "line remainder" % (path, ann.lineno, direction, n))
            break
        rest = stream[lit_end:rest_eol]
        last = entry_at(lit_end - 1) if n else ann
        resume = entry_at(lit_end)
        ok = True
        if b"\r" in rest or b"\n" in rest:
            ok = False
        elif rest and rest[:1] not in (b" ", b")"):
            ok = False
        if not ok:
            errors.append("%s:%d: %s literal {%d} does not frame: it ends at line %d and the "
                          "line resumes with %r (expected CRLF, SP or ')')"
                          % (path, ann.lineno, direction, n, last.lineno, rest[:20]))
        else:
            notes.append("%s:%d: %s literal {%d} ok: bytes from line %d to line %d, "
                         "line resumes on line %d with %r"
                         % (path, ann.lineno, direction, n, entry_at(lit_start).lineno
                            if n else ann.lineno, last.lineno, resume.lineno,
                            rest.decode()))
        literals += 1
        # Continue with the remainder of the logical line (it may announce
        # another literal); it is not the start of a new logical line.
        pos = lit_end
        new_line = False
    return literals


def check_file(path):
    errors, warnings, notes = [], [], []
    entries = parse(path, errors)
    counts = {d: sum(1 for e in entries if e.direction == d) for d in "CS"}
    lits = 0
    for d in "CS":
        lits += check_direction(path, entries, d, errors, warnings, notes)
    print("%s: %d C: lines, %d S: lines, %d literal(s) framed"
          % (path, counts["C"], counts["S"], lits))
    for n in notes:
        print("  note: " + n)
    for w in warnings:
        print("  warning: " + w)
    for e in errors:
        print("  ERROR: " + e)
    return not errors


def main(argv):
    paths = argv[1:]
    if not paths:
        here = os.path.dirname(os.path.abspath(__file__))
        paths = sorted(glob.glob(os.path.join(here, "*.txt")))
    ok = True
    for p in paths:
        ok = check_file(p) and ok
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""Capture a raw IMAP session against a local Dovecot as a line-oriented fixture.

Usage:
    python3 tests/peers/capture_dovecot.py [OUTPUT] [--port N] [--corpus DIR]

    OUTPUT   default: tests/fixtures/dovecot-capture.txt (relative to the repo root)
    --port   default: $DOVECOT_PORT or 14143 (always 127.0.0.1)
    --corpus default: ../shared/corpus/python-email (relative to the repo root)

The server must be freshly started (empty INBOX for user alice/secret), e.g. with
the peers recipe in the shared folder (start-dovecot.sh wipes the mail store).

Transcript format (the output file):
  * Every line starts with "C: " (client -> server) or "S: " (server -> client)
    and ends with a single LF (the file's own line terminator).
  * The text after the prefix, followed by CRLF, is a run of bytes of that
    direction. Literal bytes are split on CRLF into lines as well, so a literal
    never needs escaping.
  * Taking all lines of one prefix in file order and appending CRLF to each
    reproduces that direction's byte stream exactly (including 8-bit bytes).
  * Lines are in chronological order.

The script refuses to write a lossy file: if a direction's stream contains a
bare CR, a bare LF or a NUL, or does not end in CRLF, it exits with an error.

Only the Python standard library is used; the only network peer is 127.0.0.1.
"""

import argparse
import glob
import os
import re
import socket
import sys

HOST = "127.0.0.1"
USER = "alice"
PASSWORD = "secret"

REPO_ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_OUT = os.path.join("tests", "fixtures", "dovecot-capture.txt")
DEFAULT_CORPUS = os.path.join("..", "shared", "corpus", "python-email")

# A response line (without its CRLF) that ends in a literal announcement:
# {n}, {n+} (LITERAL+ form, never sent by servers but tolerated) or ~{n} (literal8).
LITERAL_AT_END = re.compile(rb"~?\{(\d+)\+?\}$")


class CaptureError(Exception):
    pass


class Transcript:
    """Splits each direction's byte stream into CRLF lines, in chronological order."""

    def __init__(self):
        self.raw = {b"C": bytearray(), b"S": bytearray()}
        self.pending = {b"C": bytearray(), b"S": bytearray()}
        self.lines = []  # list of (direction, line-bytes-without-CRLF)

    def feed(self, direction, data):
        self.raw[direction] += data
        buf = self.pending[direction]
        buf += data
        while True:
            i = buf.find(b"\r\n")
            if i < 0:
                break
            line = bytes(buf[:i])
            del buf[: i + 2]
            for bad, name in ((b"\r", "bare CR"), (b"\n", "bare LF"), (b"\0", "NUL")):
                if bad in line:
                    raise CaptureError(
                        "%s stream contains a %s; cannot represent it losslessly: %r"
                        % (direction.decode(), name, line[:200])
                    )
            self.lines.append((direction, line))

    def finish(self):
        for d, buf in self.pending.items():
            if buf:
                raise CaptureError(
                    "%s stream does not end in CRLF; trailing bytes: %r" % (d.decode(), bytes(buf[:200]))
                )
        self.verify_lines(self.lines)

    def verify_lines(self, lines):
        for d in (b"C", b"S"):
            rejoined = b"".join(l + b"\r\n" for (dd, l) in lines if dd == d)
            if rejoined != bytes(self.raw[d]):
                raise CaptureError("re-joined %s: lines differ from the raw %s stream" % (d.decode(), d.decode()))

    def render(self):
        return b"".join(d + b": " + l + b"\n" for (d, l) in self.lines)

    def verify_file(self, data):
        """Parse the written file back and check it reproduces both raw streams."""
        if not data.endswith(b"\n"):
            raise CaptureError("transcript file does not end in LF")
        parsed = []
        for n, fl in enumerate(data[:-1].split(b"\n"), 1):
            if fl[:3] not in (b"C: ", b"S: "):
                raise CaptureError("transcript line %d lacks a C:/S: prefix: %r" % (n, fl[:80]))
            parsed.append((fl[:1], fl[3:]))
        self.verify_lines(parsed)


class Session:
    def __init__(self, port, transcript):
        self.t = transcript
        self.sock = socket.create_connection((HOST, port), timeout=30)
        self.rbuf = bytearray()
        self.tagn = 0
        self.results = []  # (tag, command-summary, status, text)
        self.capabilities = []
        self.post_login_capabilities = []

    # -- low level ---------------------------------------------------------
    def send(self, data):
        self.t.feed(b"C", data)
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise CaptureError("server closed the connection unexpectedly")
        self.t.feed(b"S", chunk)
        self.rbuf += chunk

    def _read_line(self):
        while True:
            i = self.rbuf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.rbuf[: i + 2])
                del self.rbuf[: i + 2]
                return line
            self._fill()

    def _read_exact(self, n):
        while len(self.rbuf) < n:
            self._fill()
        data = bytes(self.rbuf[:n])
        del self.rbuf[:n]
        return data

    def read_response(self):
        """One complete response: line, plus any literals and their continuations."""
        parts = []
        while True:
            line = self._read_line()
            parts.append(line)
            m = LITERAL_AT_END.search(line[:-2])
            if not m:
                return b"".join(parts)
            parts.append(self._read_exact(int(m.group(1))))

    def read_until_tagged(self, tag):
        untagged = []
        while True:
            resp = self.read_response()
            if resp.startswith(tag + b" "):
                status = resp[len(tag) + 1 :].split(b" ", 1)[0]
                return status, resp, untagged
            untagged.append(resp)

    def next_tag(self):
        self.tagn += 1
        return b"a%d" % self.tagn

    def _record(self, tag, summary, status, resp):
        self.results.append((tag.decode(), summary, status.decode(), resp.rstrip(b"\r\n").decode("latin-1")))
        if status not in (b"OK", b"NO", b"BAD"):
            raise CaptureError("unexpected tagged status: %r" % resp)

    # -- commands ----------------------------------------------------------
    def command(self, text, tolerate=False):
        tag = self.next_tag()
        self.send(tag + b" " + text + b"\r\n")
        status, resp, untagged = self.read_until_tagged(tag)
        self._record(tag, text.decode("latin-1"), status, resp)
        if status != b"OK" and not tolerate:
            raise CaptureError("command %r failed: %r" % (text, resp))
        return status, resp, untagged

    def append(self, mailbox, message, flags=None, date=None):
        tag = self.next_tag()
        cmd = tag + b" APPEND " + mailbox
        if flags is not None:
            cmd += b" (" + flags + b")"
        if date is not None:
            cmd += b' "' + date + b'"'
        cmd += b" {%d}\r\n" % len(message)
        self.send(cmd)
        # Synchronising literal: wait for the continuation request.
        while True:
            resp = self.read_response()
            if resp.startswith(b"+"):
                break
            if resp.startswith(tag + b" "):
                status = resp[len(tag) + 1 :].split(b" ", 1)[0]
                self._record(tag, cmd[:-2].decode("latin-1"), status, resp)
                raise CaptureError("APPEND rejected before literal: %r" % resp)
        self.send(message + b"\r\n")
        status, resp, _ = self.read_until_tagged(tag)
        self._record(tag, cmd[:-2].decode("latin-1"), status, resp)
        if status != b"OK":
            raise CaptureError("APPEND failed: %r" % resp)

    def drain_to_eof(self):
        while True:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise CaptureError("server did not close the connection after LOGOUT")
            if not chunk:
                break
            self.t.feed(b"S", chunk)
            self.rbuf += chunk
        if self.rbuf:
            raise CaptureError("unexpected bytes after LOGOUT: %r" % bytes(self.rbuf[:200]))
        self.sock.close()


def normalise_crlf(data):
    """bare LF -> CRLF, bare CR -> CRLF, CRLF unchanged."""
    return re.sub(rb"\r\n|\r|\n", b"\r\n", data)


def month_name(m):
    return ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][m - 1]


def append_variant(i):
    """(flags, date) for the i-th APPEND (0-based); fixed values for determinism.

    0: no flags, no date        1: flags only          2: date only
    3+: flags and date, cycling flag lists (incl. empty list and a keyword) and
        date-time forms (two-digit and space-padded day, several zones).
    """
    flag_sets = [b"\\Seen", b"\\Seen \\Flagged", b"", b"\\Answered $Forwarded", b"\\Draft", b"\\Seen \\Answered"]
    zones = [b"-0700", b"+0000", b"+0530", b"-1200", b"+1400"]
    if i == 0:
        return None, None
    if i == 1:
        return b"\\Seen", None
    # deterministic date: the example date first, then spread over the years
    day = 17 if i == 2 else 1 + (i * 7) % 28
    month = 7 if i == 2 else 1 + (i * 5) % 12
    year = 1996 if i == 2 else 1990 + i
    hh, mm, ss = (2, 44, 25) if i == 2 else ((i * 3) % 24, (i * 11) % 60, (i * 13) % 60)
    zone = b"-0700" if i == 2 else zones[i % len(zones)]
    dayfmt = b"%2d" if (i % 3 == 0) else b"%02d"  # " 7" and "07" forms
    date = (dayfmt % day) + b"-" + month_name(month).encode() + b"-%d %02d:%02d:%02d " % (year, hh, mm, ss) + zone
    if i == 2:
        return None, date
    return flag_sets[i % len(flag_sets)], date


def run(port, corpus, out_path):
    files = sorted(glob.glob(os.path.join(corpus, "*.txt")))
    if not files:
        raise CaptureError("no *.txt messages in corpus %s" % corpus)

    t = Transcript()
    s = Session(port, t)

    greeting = s.read_response()
    if not greeting.startswith(b"* OK"):
        raise CaptureError("unexpected greeting: %r" % greeting)

    _, _, untagged = s.command(b"CAPABILITY")
    for u in untagged:
        if u.startswith(b"* CAPABILITY "):
            s.capabilities = u[len(b"* CAPABILITY ") :].rstrip(b"\r\n").split(b" ")
    caps = set(c.upper() for c in s.capabilities)

    # Capabilities change after login; prefer the post-login list, which Dovecot
    # sends as a CAPABILITY response code in the tagged OK (or as untagged data).
    _, resp, untagged = s.command(b"LOGIN " + USER.encode() + b" " + PASSWORD.encode())
    post = None
    m = re.match(rb"\S+ OK \[CAPABILITY ([^\]]*)\]", resp)
    if m:
        post = m.group(1).split(b" ")
    for u in untagged:
        if u.startswith(b"* CAPABILITY "):
            post = u[len(b"* CAPABILITY ") :].rstrip(b"\r\n").split(b" ")
    if post is not None:
        s.post_login_capabilities = post
        caps = set(c.upper() for c in post)
    if b"ENABLE" in caps and b"CONDSTORE" in caps:
        s.command(b"ENABLE CONDSTORE", tolerate=True)
    _, _, untagged = s.command(b"SELECT INBOX")
    for u in untagged:
        m = re.match(rb"\* (\d+) EXISTS", u)
        if m and int(m.group(1)) != 0:
            raise CaptureError("INBOX is not empty (%s messages); restart Dovecot with a wiped store" % m.group(1).decode())

    for i, path in enumerate(files):
        with open(path, "rb") as f:
            msg = normalise_crlf(f.read())
        flags, date = append_variant(i)
        s.append(b"INBOX", msg, flags, date)

    s.command(b"NOOP")
    s.command(b"UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)")
    s.command(b"FETCH 1:* (BODY)")
    s.command(b"FETCH 1:3 (BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)] BODY.PEEK[TEXT]<0.100>)", tolerate=True)
    s.command(b"FETCH 2 (BODY.PEEK[1] BODY.PEEK[1.MIME] RFC822.HEADER)", tolerate=True)
    s.command(b"FETCH 1 (BODY.PEEK[] BODY.PEEK[TEXT])", tolerate=True)
    # RFC822 / RFC822.TEXT on a message appended with \Seen: exercises those
    # response items without changing any flags.
    s.command(b"FETCH 2 (RFC822 RFC822.TEXT)", tolerate=True)
    if b"BINARY" in caps:
        s.command(b"FETCH 1 BINARY.PEEK[1]", tolerate=True)
        s.command(b"FETCH 1 BINARY.SIZE[1]", tolerate=True)
    s.command(b"SEARCH ALL", tolerate=True)
    s.command(b'UID SEARCH FROM "a"', tolerate=True)
    s.command(b"STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)", tolerate=True)
    s.command(b'LIST "" "*"', tolerate=True)
    s.command(b'LSUB "" "*"', tolerate=True)
    s.command(b"NAMESPACE", tolerate=True)
    s.command(b"ID NIL", tolerate=True)
    s.command(b"STORE 1 +FLAGS (\\Flagged)", tolerate=True)
    s.command(b"CLOSE", tolerate=True)
    s.command(b"LOGOUT")
    s.drain_to_eof()

    t.finish()
    data = t.render()
    t.verify_file(data)

    out_dir = os.path.dirname(out_path)
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    with open(tmp, "rb") as f:
        t.verify_file(f.read())
    os.replace(tmp, out_path)
    return t, s


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("output", nargs="?", default=os.path.join(REPO_ROOT, DEFAULT_OUT))
    ap.add_argument("--port", type=int, default=int(os.environ.get("DOVECOT_PORT", "14143")))
    ap.add_argument("--corpus", default=os.path.join(REPO_ROOT, DEFAULT_CORPUS))
    args = ap.parse_args(argv)

    try:
        t, s = run(args.port, args.corpus, args.output)
    except (CaptureError, OSError) as e:
        print("capture FAILED: %s" % e, file=sys.stderr)
        return 1

    n_c = sum(1 for d, _ in t.lines if d == b"C")
    n_s = len(t.lines) - n_c
    print("wrote %s" % args.output)
    print("lines: %d (C: %d, S: %d)" % (len(t.lines), n_c, n_s))
    print("bytes: C %d, S %d" % (len(t.raw[b"C"]), len(t.raw[b"S"])))
    print("capability (pre-login): %s" % b" ".join(s.capabilities).decode("latin-1"))
    print("capability (post-login): %s" % b" ".join(s.post_login_capabilities).decode("latin-1"))
    for tag, summary, status, text in s.results:
        if status != "OK":
            print("%s: %s -> %s" % (summary, status, text))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

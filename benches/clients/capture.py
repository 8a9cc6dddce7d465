#!/usr/bin/env python3
"""Fills a Dovecot with the client benchmark's mailboxes and records its exact responses.

    capture.py populate --port P       # idempotent: leaves the mailboxes alone if they are right
    capture.py capture  --port P --out DIR
    capture.py check    --out DIR      # exit 0 if DIR holds a capture made by this very script

`populate` APPENDs (LITERAL+, pipelined) 10,000 small, realistic messages into
`bench-envelope` and 1,000 messages of about 50 KB into `bench-bodies`, deterministically
(fixed seed), then SELECTs each once (so no later session sees `\\Recent`) and FETCHes
them once (so Dovecot's cache is warm).

`capture` records over a raw socket the server's bytes for each exchange, every file
ending with the tagged line of the capture's tag (the replay server swaps in the
client's tag):

    greeting.bin            the greeting
    capability-pre.bin      CAPABILITY before login
    login.bin               LOGIN
    capability.bin          CAPABILITY after login
    select-<mailbox>.bin    SELECT of each mailbox
    envelope.bin            UID FETCH 1:* (UID FLAGS ENVELOPE)       in bench-envelope
    bodies.bin              UID FETCH 1:1000 BODY.PEEK[]             in bench-bodies
    roundtrip.bin/.idx      UID FETCH <n> (UID FLAGS), n = 1..1000    in bench-envelope
                            (.idx: one "uid offset length" line per response)
    meta.json               what was captured

The user is alice/secret, as `start-dovecot.sh` creates it; nothing here prints it.
"""

import argparse
import base64
import hashlib
import json
import os
import random
import re
import socket
import sys
import time
from datetime import datetime, timedelta, timezone

USER, PASSWORD = "alice", "secret"
ENVELOPE_BOX, ENVELOPE_COUNT = "bench-envelope", 10_000
BODIES_BOX, BODIES_COUNT = "bench-bodies", 1_000
ROUNDTRIPS = 1_000
ENVELOPE_FETCH = "UID FETCH 1:* (UID FLAGS ENVELOPE)"
BODIES_FETCH = "UID FETCH 1:1000 BODY.PEEK[]"

LITERAL_AT_END = re.compile(rb"\{(\d+)\+?\}\r\n$")


class Conn:
    """A raw IMAP connection that returns the server's bytes untouched."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.n = 0

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise EOFError("server closed the connection")
        self.buf += chunk

    def read_until(self, tag):
        """Every byte up to and including the response line that starts with `tag`
        (b"" for the greeting: the first response line). Literals are skipped whole."""
        start = pos = 0
        while True:
            end = self.buf.find(b"\r\n", pos)
            if end < 0:
                self._fill()
                continue
            end += 2
            m = LITERAL_AT_END.search(self.buf, pos, end)
            if m:
                need = end + int(m.group(1))
                while len(self.buf) < need:
                    self._fill()
                pos = need  # the response line goes on after the literal
                continue
            line_is_tagged = self.buf.startswith(tag + b" ", start) if tag else True
            pos = start = end
            if line_is_tagged:
                out = bytes(self.buf[:end])
                del self.buf[:end]
                return out

    def tag(self):
        self.n += 1
        return b"C%d" % self.n

    def send(self, command):
        """Sends `command` (str or bytes, no CRLF); returns its tag."""
        tag = self.tag()
        data = command.encode() if isinstance(command, str) else command
        self.sock.sendall(tag + b" " + data + b"\r\n")
        return tag

    def run(self, command, ok=True):
        """Sends `command`; returns the server's bytes up to its tagged line."""
        tag = self.send(command)
        out = self.read_until(tag)
        status = tagged_status(out, tag)
        if ok and status != b"OK":
            raise RuntimeError(f"{command!r}: {last_line(out)!r}")
        return out

    def close(self):
        try:
            self.run("LOGOUT", ok=False)
        except (EOFError, OSError):
            pass
        self.sock.close()


def last_line(data):
    k = data.rfind(b"\r\n", 0, len(data) - 2)
    return data[k + 2:] if k >= 0 else data


def tagged_status(data, tag):
    line = last_line(data)
    assert line.startswith(tag + b" "), line
    return line[len(tag) + 1:].split(b" ", 1)[0]


# ---------------------------------------------------------------------------------------
# The messages: deterministic, varied, realistic enough (headers as mail clients write them).

FIRST = ["Alice", "Bob", "Carol", "David", "Eve", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory",
         "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter", "Zoë", "Jürgen", "Søren",
         "François", "Małgorzata", "José", "Ana", "Ming", "Yuki", "Olga", "Priya"]
LAST = ["Smith", "Johnson", "Müller", "García", "Rossi", "Novák", "Kowalski", "Dubois", "Tanaka", "Ivanova",
        "O'Brien", "Nguyen", "Jensen", "Silva", "Schmidt", "Kim", "Andersson", "Costa", "Patel", "Brown"]
DOMAINS = ["example.com", "example.org", "example.net", "mail.example.com", "lists.example.org",
           "corp.example", "uni.example.edu", "shop.example"]
TOPICS = ["quarterly report", "meeting notes", "build failure on main", "invoice #{n}", "your order {n}",
          "lunch on Friday?", "design review", "the {n} migration plan", "release 2.{n} candidate",
          "holiday schedule", "server maintenance window", "budget for Q{q}", "offsite agenda",
          "ticket {n}: login page broken", "newsletter — week {q}", "password expiry notice",
          "draft contract (v{q})", "photos from the trip", "welcome aboard!", "\"urgent\": please review"]
UNICODE_SUBJECTS = ["Café meeting tomorrow", "Grüße aus München", "Résumé für die Stelle",
                    "Отчёт за квартал", "会議の議事録", "Ζητήματα προϋπολογισμού", "Zażółć gęślą jaźń",
                    "¿Vienes a la reunión?", "Smörgåsbord on Thursday 🎉"]
WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore "
         "et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris nisi aliquip "
         "ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse cillum eu fugiat nulla "
         "pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim "
         "id est laborum the server client mailbox message report meeting please thanks regards").split()
ZONES = [0, 60, 120, -300, -420, 330, 540, -180, 600]


def encoded_word(text, rng):
    """RFC 2047: B or Q encoding of UTF-8 text."""
    raw = text.encode()
    if rng.random() < 0.5:
        return "=?UTF-8?B?" + base64.b64encode(raw).decode() + "?="
    q = "".join(chr(b) if (0x30 <= b <= 0x39 or 0x41 <= b <= 0x5a or 0x61 <= b <= 0x7a) else
                "_" if b == 0x20 else "=%02X" % b for b in raw)
    return "=?utf-8?q?" + q + "?="


def display_name(rng):
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    if any(ord(c) > 127 for c in name):
        return encoded_word(name, rng) if rng.random() < 0.97 else name
    if "'" in name or rng.random() < 0.2:
        return '"' + name + '"'
    return name


def address(rng):
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = (first + "." + last).lower().encode("ascii", "ignore").decode().replace("'", "")
    addr = f"{local}@{rng.choice(DOMAINS)}"
    r = rng.random()
    if r < 0.1:
        return addr
    if r < 0.15:
        return f"<{addr}>"
    return f"{display_name(rng)} <{addr}>"


def subject(i, rng):
    r = rng.random()
    if r < 0.02:
        return None  # no Subject header: NIL in the envelope
    if r < 0.03:
        return rng.choice(UNICODE_SUBJECTS)  # raw 8-bit header: Dovecot sends a literal
    if r < 0.18:
        return encoded_word(rng.choice(UNICODE_SUBJECTS), rng)
    s = rng.choice(TOPICS).format(n=rng.randint(100, 99999), q=rng.randint(1, 4))
    s = s[0].upper() + s[1:]
    if r < 0.45:
        s = rng.choice(["Re: ", "RE: ", "Fwd: ", "Re: Re: ", "AW: ", "[dev] ", "[announce] "]) + s
    if r > 0.97:
        # a long subject, folded the way mail clients fold it
        s = s + " and the follow-up items we discussed in the last meeting with the whole team"
        k = s.rfind(" ", 0, 60)
        s = s[:k] + "\r\n" + s[k:]
    return s


def rfc5322_date(dt):
    return dt.strftime("%a, %d %b %Y %H:%M:%S ") + dt.strftime("%z")


def internal_date(dt):
    return dt.strftime("%d-%b-%Y %H:%M:%S %z")


def header_block(i, rng, dt, subj, extra=()):
    h = [f"Return-Path: <bounce-{i}@{rng.choice(DOMAINS)}>",
         f"Received: from mx{rng.randint(1, 9)}.{rng.choice(DOMAINS)} (mx.{rng.choice(DOMAINS)} [192.0.2.{rng.randint(1, 254)}])"
         f"\r\n\tby imap.example.com with ESMTPS id {rng.getrandbits(48):012x}\r\n\tfor <alice@example.com>; {rfc5322_date(dt)}",
         f"Date: {rfc5322_date(dt)}",
         f"From: {address(rng)}"]
    to = [address(rng) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
    h.append("To: " + ",\r\n ".join(to))
    if rng.random() < 0.3:
        h.append("Cc: " + ", ".join(address(rng) for _ in range(rng.randint(1, 3))))
    if rng.random() < 0.1:
        h.append(f"Reply-To: {address(rng)}")
    if subj is not None:
        h.append(f"Subject: {subj}")
    h.append(f"Message-ID: <{rng.getrandbits(64):016x}.{i}@{rng.choice(DOMAINS)}>")
    if subj is not None and subj.lower().startswith(("re:", "aw:")):
        h.append(f"In-Reply-To: <{rng.getrandbits(64):016x}@{rng.choice(DOMAINS)}>")
    h.append("MIME-Version: 1.0")
    h.extend(extra)
    return "\r\n".join(h) + "\r\n\r\n"


def text_lines(rng, size):
    out, n = [], 0
    while n < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 12)))
        line = line[0].upper() + line[1:] + "."
        out.append(line)
        n += len(line) + 2
    return "\r\n".join(out) + "\r\n"


def flags(rng):
    f = []
    if rng.random() < 0.7:
        f.append("\\Seen")
    if rng.random() < 0.15:
        f.append("\\Answered")
    if rng.random() < 0.05:
        f.append("\\Flagged")
    if rng.random() < 0.05:
        f.append("$Forwarded")
    if rng.random() < 0.02:
        f.append("$Junk")
    return f


def date_of(i, rng, base):
    tz = timezone(timedelta(minutes=rng.choice(ZONES)))
    return (base + timedelta(minutes=45 * i + rng.randint(0, 40))).astimezone(tz).replace(microsecond=0)


def small_message(i, rng):
    dt = date_of(i, rng, datetime(2023, 3, 1, tzinfo=timezone.utc))
    subj = subject(i, rng)
    raw_utf8 = subj is not None and any(ord(c) > 127 for c in subj)
    headers = header_block(i, rng, dt, subj, [
        "Content-Type: text/plain; charset=utf-8; format=flowed",
        "Content-Transfer-Encoding: " + ("8bit" if raw_utf8 else "7bit")])
    body = f"Hi,\r\n\r\n{text_lines(rng, rng.randint(150, 600))}\r\nBest,\r\n-- \r\nmessage {i}\r\n"
    return (headers + body).encode(), flags(rng), internal_date(dt)


def large_message(i, rng):
    dt = date_of(i, rng, datetime(2024, 1, 1, tzinfo=timezone.utc))
    subj = subject(i, rng)
    target = rng.randint(45_000, 55_000)
    r = rng.random()
    boundary = f"----=_Part_{i}_{rng.getrandbits(32):08x}"
    if r < 0.6:
        extra = ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
        body = text_lines(rng, target - 1200)
        if rng.random() < 0.3:
            body += "Grüße, — " + rng.choice(UNICODE_SUBJECTS) + "\r\n"
    elif r < 0.85:
        extra = [f'Content-Type: multipart/alternative; boundary="{boundary}"']
        text = text_lines(rng, (target - 1500) // 2)
        html = "<html><body>\r\n" + "".join(f"<p>{ln}</p>\r\n" for ln in text.split("\r\n") if ln) + "</body></html>\r\n"
        html = html[: target - 1500 - len(text)] + "\r\n"
        body = (f"This is a multi-part message in MIME format.\r\n\r\n--{boundary}\r\n"
                "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
                f"{text}\r\n--{boundary}\r\n"
                "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
                f"{html}\r\n--{boundary}--\r\n")
    else:
        extra = [f'Content-Type: multipart/mixed; boundary="{boundary}"']
        text = text_lines(rng, 2000)
        blob = base64.b64encode(rng.randbytes((target - 4000) * 3 // 4)).decode()
        blob = "\r\n".join(blob[k:k + 76] for k in range(0, len(blob), 76))
        body = (f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
                f"--{boundary}\r\nContent-Type: application/pdf; name=\"report-{i}.pdf\"\r\n"
                f"Content-Disposition: attachment; filename=\"report-{i}.pdf\"\r\n"
                f"Content-Transfer-Encoding: base64\r\n\r\n{blob}\r\n--{boundary}--\r\n")
    return (header_block(i, rng, dt, subj, extra) + body).encode(), flags(rng), internal_date(dt)


# ---------------------------------------------------------------------------------------

def login(port):
    c = Conn(port)
    c.read_until(b"")
    c.run(f"LOGIN {USER} {PASSWORD}")
    return c


def mailbox_status(c, box):
    """(MESSAGES, UIDNEXT), or None if the mailbox does not exist."""
    tag = c.send(f"STATUS {box} (MESSAGES UIDNEXT)")
    out = c.read_until(tag)
    if tagged_status(out, tag) != b"OK":
        return None
    m = re.search(rb"MESSAGES (\d+) UIDNEXT (\d+)", out)
    return int(m.group(1)), int(m.group(2))


def fill(c, box, count, make, seed):
    if mailbox_status(c, box) == (count, count + 1):
        print(f"{box}: already has {count} messages", file=sys.stderr)
        return
    if mailbox_status(c, box) is not None:
        c.run(f"DELETE {box}")
    c.run(f"CREATE {box}")
    rng = random.Random(seed)
    t0, size, batch = time.time(), 0, []
    for i in range(1, count + 1):
        msg, fl, date = make(i, rng)
        size += len(msg)
        cmd = f"APPEND {box} ({' '.join(fl)}) \"{date}\" {{{len(msg)}+}}\r\n".encode() + msg
        batch.append(c.send(cmd))
        if len(batch) == 200 or i == count:
            for tag in batch:
                out = c.read_until(tag)
                if tagged_status(out, tag) != b"OK":
                    raise RuntimeError(f"APPEND: {last_line(out)!r}")
            batch = []
    got = mailbox_status(c, box)
    if got != (count, count + 1):
        raise RuntimeError(f"{box}: (MESSAGES, UIDNEXT) = {got}, expected ({count}, {count + 1})")
    print(f"{box}: appended {count} messages, {size / 1e6:.1f} MB, in {time.time() - t0:.1f} s", file=sys.stderr)


def populate(port):
    c = login(port)
    fill(c, ENVELOPE_BOX, ENVELOPE_COUNT, small_message, 1)
    fill(c, BODIES_BOX, BODIES_COUNT, large_message, 2)
    # Take \Recent away from every later session, and warm Dovecot's caches.
    c.run(f"SELECT {ENVELOPE_BOX}")
    c.run(ENVELOPE_FETCH)
    c.run(f"SELECT {BODIES_BOX}")
    c.run(BODIES_FETCH)
    c.close()


def capture(port, out):
    os.makedirs(out, exist_ok=True)

    def save(name, data):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)

    c = Conn(port)
    save("greeting.bin", c.read_until(b""))
    save("capability-pre.bin", c.run("CAPABILITY"))
    save("login.bin", c.run(f"LOGIN {USER} {PASSWORD}"))
    save("capability.bin", c.run("CAPABILITY"))
    save(f"select-{BODIES_BOX}.bin", c.run(f"SELECT {BODIES_BOX}"))
    bodies = c.run(BODIES_FETCH)
    assert bodies.count(b" FETCH (") >= BODIES_COUNT, "bodies: too few FETCH responses"
    save("bodies.bin", bodies)
    save(f"select-{ENVELOPE_BOX}.bin", c.run(f"SELECT {ENVELOPE_BOX}"))
    envelope = c.run(ENVELOPE_FETCH)
    save("envelope.bin", envelope)
    parts, index, offset = [], [], 0
    for uid in range(1, ROUNDTRIPS + 1):
        r = c.run(f"UID FETCH {uid} (UID FLAGS)")
        assert r.count(b" FETCH (") == 1, r
        parts.append(r)
        index.append(f"{uid} {offset} {len(r)}\n")
        offset += len(r)
    save("roundtrip.bin", b"".join(parts))
    save("roundtrip.idx", "".join(index).encode())
    c.close()
    meta = {"generator": generator_hash(), "user": USER, "envelope": {"mailbox": ENVELOPE_BOX, "messages": ENVELOPE_COUNT, "bytes": len(envelope)},
            "bodies": {"mailbox": BODIES_BOX, "messages": BODIES_COUNT, "bytes": len(bodies)},
            "roundtrip": {"mailbox": ENVELOPE_BOX, "messages": ROUNDTRIPS, "bytes": offset}}
    # Last, so that an interrupted capture is not mistaken for a finished one.
    save("meta.json", (json.dumps(meta, indent=2) + "\n").encode())
    print(f"captured into {out}: envelope {len(envelope) / 1e6:.2f} MB, bodies {len(bodies) / 1e6:.2f} MB, "
          f"roundtrip {offset / 1e3:.0f} kB", file=sys.stderr)


def generator_hash():
    """The hash of this script: a capture made by another version of it is stale."""
    with open(__file__, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def is_current(out):
    try:
        with open(os.path.join(out, "meta.json")) as f:
            return json.load(f).get("generator") == generator_hash()
    except (OSError, ValueError):
        return False


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("what", choices=["populate", "capture", "check"])
    p.add_argument("--port", type=int)
    p.add_argument("--out", help="capture directory")
    a = p.parse_args()
    if a.what == "check":
        sys.exit(0 if a.out and is_current(a.out) else 1)
    if a.port is None:
        p.error(f"{a.what} needs --port")
    if a.what == "populate":
        populate(a.port)
    else:
        if not a.out:
            p.error("capture needs --out")
        capture(a.port, a.out)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Two python imaplib connections on one mailbox: what each is told about message 1's flags.

Usage: python3 shared_mailbox.py PORT USER PASS SCENARIO

Each connection selects INBOX and fetches the flags of message 1, then the scenario's
commands run in a fixed order. Every connection keeps the flags the way a client does:
the last untagged FETCH FLAGS it heard for message 1, and its own .SILENT changes applied
locally (before any untagged FETCH in the STORE's own answer, which tells the state
after it). At the end every connection sends NOOP; its flags must then equal the truth (a
final FETCH 1 (FLAGS)) and the scenario's expected flags. \\Recent is left out (it
legitimately differs between sessions).

Prints a transcript; the last line is "PASS SCENARIO" or "FAIL SCENARIO"; exits 1 on FAIL.
"""
import imaplib
import re
import sys

HOST = "127.0.0.1"  # loopback only

FETCH_RE = re.compile(rb"^(\d+) \((.*)\)$", re.S)
FLAGS_RE = re.compile(rb"FLAGS \(([^)]*)\)")


def flags_of(data):
    """The FLAGS of message 1 in imaplib's FETCH data, in order, as sets without \\Recent."""
    out = []
    for item in data or []:
        if isinstance(item, tuple):  # (header with literal, literal): not used here
            item = item[0]
        if not isinstance(item, bytes):
            continue
        m = FETCH_RE.match(item)
        if not m or m.group(1) != b"1":
            continue
        f = FLAGS_RE.search(m.group(2))
        if f:
            out.append(frozenset(x for x in f.group(1).decode().split() if x.lower() != "\\recent"))
    return out


def show(flags):
    return "(" + " ".join(sorted(flags)) + ")" if flags is not None else "nothing"


class Conn:
    def __init__(self, name, port, user, password):
        self.name = name
        self.c = imaplib.IMAP4(HOST, port)
        self.c.login(user, password)
        typ, _ = self.c.select("INBOX")
        assert typ == "OK", f"{name}: SELECT {typ}"
        self.heard = []  # every FLAGS for message 1, in order
        self.model = None  # what this client believes message 1's flags are
        typ, data = self.c.fetch("1", "(FLAGS)")
        assert typ == "OK", f"{name}: FETCH {typ} {data}"
        self.hear("FETCH 1 (FLAGS)", data)

    def hear(self, what, data):
        got = flags_of(data)
        # Untagged FETCH left over from a command whose own data imaplib doesn't return.
        _, rest = self.c.response("FETCH")
        got += flags_of(rest)
        print(f"{self.name}: {what} -> heard {[show(f) for f in got]}")
        for f in got:
            self.heard.append(f)
            self.model = f

    def store(self, op, flags):
        typ, data = self.c.store("1", op, flags)
        assert typ == "OK", f"{self.name}: STORE {typ} {data}"
        if op.upper().endswith(".SILENT"):
            # A client applies its own silent change itself. Untagged FETCH data in the
            # answer is the state after the STORE (RFC 3501 §7.4.2: FLAGS are the
            # message's flags), so it is applied after.
            given = frozenset(flags.strip("()").split())
            base = op.upper().removesuffix(".SILENT")
            if base == "+FLAGS":
                self.model = self.model | given
            elif base == "-FLAGS":
                self.model = self.model - given
            else:
                self.model = given
        self.hear(f"STORE 1 {op} {flags}", data)

    def noop(self):
        typ, data = self.c.noop()
        assert typ == "OK", f"{self.name}: NOOP {typ} {data}"
        self.hear("NOOP", [])


SCENARIOS = {
    # Defect 1: B's own STORE answer, then A's older change delivered as if current.
    "stale-flags": (
        [("A", "FLAGS", "(\\Answered)"), ("B", "FLAGS", "(\\Draft)")],
        {"\\Draft"},
    ),
    "stale-flags-silent": (
        [("A", "+FLAGS.SILENT", "(\\Answered)"), ("B", "+FLAGS.SILENT", "(\\Draft)")],
        {"\\Answered", "\\Draft"},
    ),
    # Defect 2: a STORE that changes nothing must not hide the changes after it.
    "unchanged-store": (
        [("A", "-FLAGS", "(\\Deleted)"), ("B", "FLAGS", "(\\Flagged)"), ("B", "FLAGS", "()")],
        set(),
    ),
}


def main():
    port, user, password, scenario = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    steps, expected = SCENARIOS[scenario]
    expected = frozenset(expected)
    conns = {n: Conn(n, port, user, password) for n in ("A", "B")}
    for who, op, flags in steps:
        conns[who].store(op, flags)
    for n in ("B", "A"):
        conns[n].noop()
    failures = []
    for n in ("A", "B"):
        c = conns[n]
        typ, data = c.c.fetch("1", "(FLAGS)")
        truth = flags_of(data)
        c.c.response("FETCH")
        print(f"{n}: heard for message 1 in order: {[show(f) for f in c.heard]}; "
              f"believes {show(c.model)}; final FETCH says {[show(f) for f in truth]}")
        if truth != [expected]:
            failures.append(f"{n}: final FETCH 1 (FLAGS) gave {[show(f) for f in truth]}, expected {show(expected)}")
        if c.model != expected:
            failures.append(f"{n}: the last FLAGS it was told (with its own .SILENT changes) is "
                            f"{show(c.model)}, but message 1 has {show(expected)}")
    for c in conns.values():
        c.c.logout()
    for f in failures:
        print("  " + f)
    print(("FAIL " if failures else "PASS ") + scenario)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

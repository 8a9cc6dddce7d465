#!/usr/bin/env python3
"""The Maildir store at scale, beside Dovecot on the same Maildir.

Usage (from the repository root, after `cargo build --release -p imap-machine-cli`):
    python3 benches/maildir/bench.py [--messages 100000] [--runs 5]

It starts a throw-away Dovecot (../shared/peers/start-dovecot.sh), writes N messages
(about 1 KB each, a third of them \\Seen, every tenth \\Flagged) straight into alice's
Maildir `cur/` with Dovecot-style names (S= and W= sizes), lets Dovecot index it (one
SELECT), then starts `imapm serve --store maildir:` on the same Maildir (a symlink) and
times, from a client on 127.0.0.1 that parses nothing (a raw socket), warm (after one untimed round):
SELECT and `FETCH 1:* (FLAGS)` against each server, the median of --runs. It also reports
imapm's resident memory growth from before its first SELECT to after (the index), per
message. Prints a markdown table.
"""

import argparse
import os
import pathlib
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = pathlib.Path(os.environ.get("SHARED", ROOT.parent / "shared"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def fill(maildir, n):
    """N messages in cur/, named as Dovecot names them."""
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    now = int(time.time()) - n
    for k in range(1, n + 1):
        body = (
            f"From: Sender {k % 97} <s{k % 97}@example.org>\r\nTo: alice@example.org\r\n"
            f"Subject: message {k}\r\nDate: Sat, 05 Dec 2026 10:00:00 +0000\r\n"
            f"Message-ID: <{k}@example.org>\r\n\r\n" + ("Some text of the message body. " * 28) + "\r\n"
        ).encode()
        flags = ("F" if k % 10 == 0 else "") + ("S" if k % 3 == 0 else "")
        name = f"{now + k}.M{k}P1.bench,S={len(body)},W={len(body)}:2,{flags}"
        path = maildir / "cur" / name
        path.write_bytes(body)
        os.utime(path, (now + k, now + k))


def command(sock, tag, line):
    """Sends `tag line`, reads to the tagged OK (a raw socket: the client parses nothing,
    so the time is the server's and the transfer's); returns the answer's bytes."""
    sock.sendall(f"{tag} {line}\r\n".encode())
    buf = bytearray(b"\r\n")  # so that a tagged line first is found like any other
    end = f"\r\n{tag} ".encode()
    while True:
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise RuntimeError("connection closed")
        buf += chunk
        k = buf.rfind(end, max(0, len(buf) - len(chunk) - len(end)))
        if k >= 0 and buf.endswith(b"\r\n"):
            status = bytes(buf[k + len(end):]).split(b" ", 1)[0]
            if status != b"OK":
                raise RuntimeError(f"{line}: {bytes(buf[k:])!r}")
            return bytes(buf)


def timed(port, user, runs, n):
    """Median seconds of SELECT and of FETCH 1:* (FLAGS), warm."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.recv(4096)
    command(sock, "l", f"LOGIN {user} secret")
    select, fetch = [], []
    for r in range(runs + 1):
        t = time.perf_counter()
        answer = command(sock, f"s{r}", "EXAMINE INBOX")
        t_select = time.perf_counter() - t
        assert f"* {n} EXISTS".encode() in answer, answer[:200]
        t = time.perf_counter()
        answer = command(sock, f"f{r}", "FETCH 1:* (FLAGS)")
        t_fetch = time.perf_counter() - t
        assert answer.count(b" FETCH (") == n, answer.count(b" FETCH (")
        command(sock, f"c{r}", "CLOSE")
        if r > 0:  # the first round warms caches and indexes
            select.append(t_select)
            fetch.append(t_fetch)
    command(sock, "z", "LOGOUT")
    return statistics.median(select), statistics.median(fetch)


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--messages", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=5)
    a = p.parse_args()
    n = a.messages
    imapm = ROOT / "target/release/imapm"
    if not imapm.exists():
        sys.exit("build first: cargo build --release -p imap-machine-cli")
    work = pathlib.Path(tempfile.mkdtemp(prefix="imapm-maildir-bench-"))
    work.chmod(0o755)  # Dovecot's mail processes (nobody) must reach the home dirs
    dovecot_dir = work / "dovecot"
    dport = free_port()
    env = dict(os.environ, DOVECOT_DIR=str(dovecot_dir), DOVECOT_PORT=str(dport))
    out = subprocess.run(["bash", str(SHARED / "peers/start-dovecot.sh")], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"start-dovecot.sh failed: {out.stderr}")
    dovecot_pid = out.stdout.strip().splitlines()[-1]
    imapm_proc = None
    try:
        maildir = dovecot_dir / "home/alice/Maildir"
        t = time.time()
        fill(maildir, n)
        print(f"wrote {n} messages in {time.time() - t:.1f} s", file=sys.stderr)
        if os.getuid() == 0:
            subprocess.run(["chown", "-R", "nobody:nogroup", str(dovecot_dir / "home")], check=True)
        wait_port(dport)
        # Dovecot indexes the Maildir (and writes dovecot-uidlist) at its first SELECT.
        t = time.time()
        dovecot = timed(dport, "alice", a.runs, n)
        print(f"dovecot done in {time.time() - t:.1f} s", file=sys.stderr)
        root = work / "imapm"
        root.mkdir()
        (root / "alice").symlink_to(maildir)
        iport = free_port()
        imapm_proc = subprocess.Popen(
            [str(imapm), "serve", "--quiet", "--threads", "1", "--listen", f"127.0.0.1:{iport}",
             "--store", f"maildir:{root}", "--user", "alice:secret"],
            stderr=subprocess.DEVNULL)
        wait_port(iport)
        before = rss_kib(imapm_proc.pid)
        t = time.time()
        ours = timed(iport, "alice", a.runs, n)
        after = rss_kib(imapm_proc.pid)
        print(f"imapm done in {time.time() - t:.1f} s", file=sys.stderr)
        per_message = (after - before) * 1024 / n
        print(f"\n{n} messages, warm, median of {a.runs} (raw socket client on 127.0.0.1):\n")
        print("| server | SELECT | FETCH 1:* (FLAGS) |")
        print("| --- | ---: | ---: |")
        print(f"| imapm serve --store maildir: | {ours[0] * 1000:.1f} ms | {ours[1] * 1000:.1f} ms |")
        print(f"| Dovecot 2.3 (same Maildir) | {dovecot[0] * 1000:.1f} ms | {dovecot[1] * 1000:.1f} ms |")
        print(f"\nimapm resident memory: {before} KiB before the first SELECT, {after} KiB after: "
              f"{per_message:.0f} bytes per message (index, change log, sessions' views)")
    finally:
        if imapm_proc:
            imapm_proc.kill()
        subprocess.run(["kill", dovecot_pid], capture_output=True)
        time.sleep(0.5)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

//! The SORT and THREAD figures of `BENCHMARKS.md`: a mailbox `sortbench` of N generated
//! messages (100,000 by default), then `SORT (DATE) UTF-8 ALL` and `THREAD REFERENCES
//! UTF-8 ALL` timed over a fresh connection, with the memory of the server process that
//! answers them.
//!
//! ```sh
//! cargo run --release --example sort_bench -- ADDR USER PASS [N] [PID|auto]
//! ```
//!
//! The messages are threads as a mailing list has them: about 10 % start a thread (a new
//! subject from a word list), the rest answer (`Re: `) or forward (`Fwd: `) a random
//! earlier message (`In-Reply-To`, and `References` = the parent's `References` plus its
//! `Message-ID`, trimmed to the first and the last 9 ids as mail clients do). `Date`
//! fields are random within 2024 in eight zones; 3 % have none, 10 % no weekday. The
//! generator is a xorshift seeded with a constant, so every server gets the same mailbox,
//! in the same order.
//!
//! The APPENDs are pipelined with LITERAL+ (`{n+}`): a thread writes them all while the
//! main thread reads the tagged answers. One message per APPEND by default;
//! `SORT_BENCH_BATCH=K` in the environment sends K per APPEND command (MULTIAPPEND, RFC
//! 3502), for Dovecot, which with one per command re-reads its `dovecot-uidlist` at
//! every APPEND (quadratic: 40,000 messages took 9 minutes).
//!
//! PID: the server process to watch (`VmHWM`, `VmRSS` from `/proc/PID/status`; the peak is
//! reset through `/proc/PID/clear_refs` before each timed series when that is permitted).
//! `auto` finds, after the SELECT, the process that holds the server end of the measuring
//! connection (`/proc/net/tcp*`, then `/proc/*/fd`; needs the right to read other
//! processes' fds): `imapm serve` itself, or the `dovecot/imap` process Dovecot forked for
//! that connection.
//!
//! Every measurement is printed as one line starting with `sort_bench:`. `order` is a hash
//! of the numbers in the order returned: equal hashes from two servers, same answer.

#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

use std::fmt::Write as _;
use std::io::{BufWriter, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::Bytes;
use imap_machine::codec::{parse_response, Framer, FramerEvent, FramerOptions, Role};
use imap_machine::types::{Data, Response, StatusKind};

/// The constant seed: every run appends the same messages.
const SEED: u64 = 0x5EED_0F50_27BE_4C11;

/// A xorshift64* generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0; the modulo bias is irrelevant here).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `percent` / 100.
    fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "release",
    "build",
    "server",
    "mailbox",
    "question",
    "proposal",
    "meeting",
    "budget",
    "invoice",
    "report",
    "schedule",
    "update",
    "patch",
    "review",
    "draft",
    "deadline",
    "migration",
    "backup",
    "outage",
    "security",
    "password",
    "network",
    "printer",
    "office",
    "holiday",
    "travel",
    "conference",
    "agenda",
    "minutes",
    "contract",
    "customer",
    "support",
    "ticket",
    "feature",
    "request",
    "bug",
    "crash",
    "performance",
    "database",
    "index",
    "search",
    "thread",
    "sort",
    "cache",
    "memory",
    "disk",
    "upgrade",
    "kernel",
    "library",
    "parser",
    "protocol",
    "client",
    "weekly",
    "monthly",
    "quarterly",
    "plan",
    "roadmap",
    "hiring",
    "lunch",
    "party",
    "photos",
    "notes",
    "summary",
    "status",
];

/// Senders: (display name, local part); one name is an encoded-word (the headers stay ASCII).
const NAMES: &[(&str, &str)] = &[
    ("Alice Martin", "alice"),
    ("Bob Schmidt", "bob"),
    ("Carol Nguyen", "carol"),
    ("Dave O'Brien", "dave"),
    ("Eve Johansson", "eve"),
    ("Frank Rossi", "frank"),
    ("Grace Kim", "grace"),
    ("Heidi Novak", "heidi"),
    ("Ivan Petrov", "ivan"),
    ("Judy Garcia", "judy"),
    ("Mallory Chen", "mallory"),
    ("Oscar Dubois", "oscar"),
    ("Peggy Silva", "peggy"),
    ("=?UTF-8?Q?Trent_M=C3=BCller?=", "trent"),
    ("Victor Haddad", "victor"),
    ("Walter Yamada", "walter"),
];

/// UTF-8 words written as RFC 2047 encoded-words in some subjects.
const ENCODED: &[&str] = &["=?UTF-8?Q?Caf=C3=A9?=", "=?UTF-8?Q?R=C3=A9sum=C3=A9?=", "=?UTF-8?B?w5xiZXJzaWNodA==?="];

/// Zones of the Date fields, in minutes east of UTC.
const ZONES: &[i64] = &[0, -300, 60, 120, -480, 330, 540, -180];

const MONTHS: &[&str] = &["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS: &[&str] = &["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// 2024-01-01T00:00:00Z.
const YEAR_START: i64 = 1_704_067_200;
const YEAR: i64 = 366 * 86_400;

/// (year, month 1..=12, day) of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil(days: i64) -> (i64, usize, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m as usize, d)
}

/// `secs` (Unix time) as the wall clock of a zone `zone` minutes east: (days, h, m, s).
fn clock(secs: i64, zone: i64) -> (i64, i64, i64, i64) {
    let local = secs + zone * 60;
    let (days, rest) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    (days, rest / 3600, rest / 60 % 60, rest % 60)
}

fn zone_text(zone: i64) -> String {
    format!("{}{:02}{:02}", if zone < 0 { '-' } else { '+' }, zone.abs() / 60, zone.abs() % 60)
}

/// An RFC 5322 date: `Mon, 3 Jun 2024 14:05:09 +0200`, or without the weekday.
fn rfc5322_date(secs: i64, zone: i64, weekday: bool) -> String {
    let (days, h, m, s) = clock(secs, zone);
    let (y, mo, d) = civil(days);
    let day = if weekday { format!("{}, ", DAYS[days.rem_euclid(7) as usize]) } else { String::new() };
    format!("{day}{d} {} {y} {h:02}:{m:02}:{s:02} {}", MONTHS[mo - 1], zone_text(zone))
}

/// An IMAP date-time in UTC: `03-Jun-2024 14:05:09 +0000`.
fn imap_date(secs: i64) -> String {
    let (days, h, m, s) = clock(secs, 0);
    let (y, mo, d) = civil(days);
    format!("{d:02}-{}-{y} {h:02}:{m:02}:{s:02} +0000", MONTHS[mo - 1])
}

/// What later messages need of an earlier one.
struct Sent {
    message_id: String,
    /// Its References, id by id.
    references: Vec<String>,
    subject: String,
}

/// The messages, in APPEND order: (INTERNALDATE, bytes).
fn generate(n: u32) -> Vec<(String, Vec<u8>)> {
    let mut rng = Rng(SEED);
    let mut sent: Vec<Sent> = Vec::with_capacity(n as usize);
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n {
        let parent = if i == 0 || rng.percent(10) {
            None
        } else if rng.percent(70) {
            // Most answers go to something recent; the rest anywhere in the past.
            Some(i as usize - 1 - rng.below(u64::from(i).min(500)) as usize)
        } else {
            Some(rng.below(u64::from(i)) as usize)
        };
        let message_id = format!("<{i}.{:08x}@mx{}.example.org>", rng.next() as u32, rng.below(8));
        let (subject, references) = match parent {
            None => {
                let mut s = String::new();
                for k in 0..3 + rng.below(4) {
                    if k > 0 {
                        s.push(' ');
                    }
                    let word = if rng.percent(2) { rng.pick(ENCODED) } else { rng.pick(WORDS) };
                    s.push_str(word);
                }
                // A number keeps most roots' subjects apart.
                let _ = write!(s, " #{}", rng.below(100_000));
                (s, Vec::new())
            }
            Some(p) => {
                let p = &sent[p];
                let subject = if rng.percent(10) {
                    format!("Fwd: {}", p.subject)
                } else if p.subject.starts_with("Re: ") && !rng.percent(20) {
                    p.subject.clone()
                } else {
                    format!("Re: {}", p.subject)
                };
                let mut refs = p.references.clone();
                refs.push(p.message_id.clone());
                if refs.len() > 10 {
                    refs.drain(1..refs.len() - 9);
                }
                (subject, refs)
            }
        };
        let when = YEAR_START + rng.below(YEAR as u64) as i64;
        let zone = ZONES[rng.below(ZONES.len() as u64) as usize];
        let (from, local) = NAMES[rng.below(NAMES.len() as u64) as usize];
        let mut m = String::with_capacity(1024);
        let _ = write!(m, "Return-Path: <list-bounces@lists.example.org>\r\n");
        let _ = write!(m, "From: {from} <{local}@example.com>\r\n");
        let _ = write!(m, "To: dev-list <dev@lists.example.org>\r\n");
        let _ = write!(m, "Subject: {subject}\r\n");
        if !rng.percent(3) {
            let _ = write!(m, "Date: {}\r\n", rfc5322_date(when, zone, !rng.percent(10)));
        }
        let _ = write!(m, "Message-ID: {message_id}\r\n");
        if let Some(last) = references.last() {
            let _ = write!(m, "In-Reply-To: {last}\r\n");
            let _ = write!(m, "References: {}\r\n", references.join("\r\n "));
        }
        let _ = write!(m, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
        if parent.is_some() {
            let _ = write!(m, "> {} {} {}\r\n\r\n", rng.pick(WORDS), rng.pick(WORDS), rng.pick(WORDS));
        }
        for _ in 0..3 + rng.below(5) {
            for k in 0..8 + rng.below(6) {
                if k > 0 {
                    m.push(' ');
                }
                m.push_str(rng.pick(WORDS));
            }
            m.push_str(".\r\n");
        }
        let _ = write!(m, "-- \r\n{local}\r\n");
        // Received a little after it was written.
        out.push((imap_date(when + rng.below(3600) as i64), m.into_bytes()));
        sent.push(Sent { message_id, references, subject });
    }
    out
}

/// One connection: command lines out, whole responses in, framed by the crate's framer.
struct Conn {
    stream: TcpStream,
    framer: Framer,
    tag: u32,
    buf: Vec<u8>,
}

type Error = Box<dyn std::error::Error>;

impl Conn {
    fn connect(addr: &str, user: &str, pass: &str) -> Result<Conn, Error> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(600)))?;
        // A SORT answer of 100,000 numbers is one line of about 600 KB.
        let mut options = FramerOptions::default();
        options.max_line_len = 256 << 20;
        options.max_message_len = 256 << 20;
        let mut c = Conn { stream, framer: Framer::new(Role::Client, options), tag: 0, buf: vec![0; 1 << 16] };
        c.next()?; // the greeting
        let (ok, _) = c.run(&format!("LOGIN \"{user}\" \"{pass}\""))?;
        if !ok {
            return Err("LOGIN failed".into());
        }
        Ok(c)
    }

    /// The next whole response.
    fn next(&mut self) -> Result<Bytes, Error> {
        loop {
            match self.framer.poll() {
                Some(FramerEvent::Message(frame)) => return Ok(frame.into_bytes()),
                Some(other) => return Err(format!("framer: {other:?}").into()),
                None => {}
            }
            let n = self.stream.read(&mut self.buf)?;
            if n == 0 {
                return Err("the server closed the connection".into());
            }
            self.framer.handle_input(&self.buf[..n]);
        }
    }

    fn send(&mut self, command: &str) -> Result<String, Error> {
        self.tag += 1;
        let tag = format!("s{}", self.tag);
        self.stream.write_all(format!("{tag} {command}\r\n").as_bytes())?;
        Ok(tag)
    }

    /// Sends `command`, reads up to its tagged answer: (OK?, every response's bytes).
    /// Nothing is parsed here, so that a timing around it is the server's and the wire's.
    fn run(&mut self, command: &str) -> Result<(bool, Vec<Bytes>), Error> {
        let tag = self.send(command)?;
        let mut out = Vec::new();
        loop {
            let r = self.next()?;
            let done = r.starts_with(tag.as_bytes()) && r.get(tag.len()) == Some(&b' ');
            out.push(r);
            if done {
                let ok = out.last().is_some_and(|r| r[tag.len() + 1..].starts_with(b"OK"));
                return Ok((ok, out));
            }
        }
    }
}

/// Creates `sortbench` and APPENDs the messages, pipelined with LITERAL+.
fn fill(addr: &str, user: &str, pass: &str, messages: Vec<(String, Vec<u8>)>, batch: usize) -> Result<(), Error> {
    let mut c = Conn::connect(addr, user, pass)?;
    let (_, caps) = c.run("CAPABILITY")?;
    let announces = |cap: &[u8]| {
        caps.iter().any(|r| {
            r.split(|&b| b == b' ' || b == b'\r' || b == b'\n' || b == b']').any(|w| w.eq_ignore_ascii_case(cap))
        })
    };
    if !announces(b"LITERAL+") {
        return Err("the server does not announce LITERAL+".into());
    }
    if batch > 1 && !announces(b"MULTIAPPEND") {
        return Err("SORT_BENCH_BATCH > 1 needs MULTIAPPEND, which the server does not announce".into());
    }
    let (ok, _) = c.run("CREATE sortbench")?;
    if !ok {
        return Err("CREATE sortbench failed: the mailbox must not exist (a fresh server)".into());
    }
    let n = messages.len();
    let commands = n.div_ceil(batch);
    let bytes: usize = messages.iter().map(|(_, m)| m.len()).sum();
    let t = Instant::now();
    let writer = c.stream.try_clone()?;
    let first_tag = c.tag + 1;
    let feeder = std::thread::spawn(move || -> std::io::Result<()> {
        let mut w = BufWriter::with_capacity(1 << 18, writer);
        for (k, chunk) in messages.chunks(batch).enumerate() {
            write!(w, "s{} APPEND sortbench", first_tag as usize + k)?;
            for (date, m) in chunk {
                write!(w, " () \"{date}\" {{{}+}}\r\n", m.len())?;
                w.write_all(m)?;
            }
            w.write_all(b"\r\n")?;
        }
        w.flush()
    });
    c.tag += commands as u32;
    let mut done = 0;
    while done < commands {
        let r = c.next()?;
        if r.first() == Some(&b's') {
            let ok = r.split(|&b| b == b' ').nth(1) == Some(b"OK");
            if !ok {
                return Err(format!("APPEND failed: {}", String::from_utf8_lossy(&r)).into());
            }
            done += 1;
            if (done * batch) % 20_000 < batch {
                eprintln!("sort_bench: {} appended, {:.1} s", (done * batch).min(n), t.elapsed().as_secs_f64());
            }
        }
    }
    feeder.join().map_err(|_| "the APPEND writer panicked")??;
    let took = t.elapsed().as_secs_f64();
    println!(
        "sort_bench: APPEND {n} messages ({:.1} MB) pipelined, {batch} per APPEND command: {took:.1} s, {:.0} messages/s",
        bytes as f64 / 1e6,
        n as f64 / took
    );
    c.run("LOGOUT")?;
    Ok(())
}

/// The process holding the server end of `stream`: the socket's inode from
/// `/proc/net/tcp*`, then the process with that inode among its fds (not `imap-login`).
fn server_pid(stream: &TcpStream) -> Result<u32, Error> {
    let (mine, theirs) = (stream.local_addr()?.port(), stream.peer_addr()?.port());
    let mut inode = None;
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            let port = |s: &str| s.rsplit(':').next().and_then(|p| u16::from_str_radix(p, 16).ok());
            if f.len() > 9 && port(f[1]) == Some(theirs) && port(f[2]) == Some(mine) {
                inode = Some(f[9].to_owned());
            }
        }
    }
    let inode = inode.ok_or("the server's socket is not in /proc/net/tcp")?;
    let target = format!("socket:[{inode}]");
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc")?.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else { continue };
        if fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|l| l.as_os_str() == target.as_str())) {
            let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
            found.push((pid, comm.trim().to_owned()));
        }
    }
    found.retain(|(pid, comm)| *pid != std::process::id() && comm != "imap-login");
    match &found[..] {
        [(pid, comm)] => {
            eprintln!("sort_bench: the connection is served by pid {pid} ({comm})");
            Ok(*pid)
        }
        [] => Err("no process holds the server end (run as root?)".into()),
        more => Err(format!("several processes hold the server end: {more:?}").into()),
    }
}

/// `VmHWM`, `VmRSS`, `RssAnon` and `RssFile` of `pid`, in KiB.
fn memory(pid: u32) -> Option<[u64; 4]> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status.lines().find_map(|l| l.strip_prefix(name)?.trim().strip_suffix("kB")?.trim().parse::<u64>().ok())
    };
    Some([field("VmHWM:")?, field("VmRSS:")?, field("RssAnon:")?, field("RssFile:")?])
}

/// Resets the peak (`VmHWM`) to the current RSS; false if not permitted.
fn reset_peak(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn print_memory(pid: Option<u32>, when: &str) {
    if let Some(pid) = pid {
        match memory(pid) {
            Some([hwm, rss, anon, file]) => println!(
                "sort_bench: memory {when}: VmHWM {:.1} MiB, VmRSS {:.1} MiB (RssAnon {:.1}, RssFile {:.1})",
                mib(hwm),
                mib(rss),
                mib(anon),
                mib(file)
            ),
            None => println!("sort_bench: memory {when}: /proc/{pid}/status unreadable"),
        }
    }
}

/// FNV-1a over the numbers, in order.
fn order_hash(ids: &[u32]) -> u64 {
    ids.iter()
        .flat_map(|n| n.to_le_bytes())
        .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// What one answer held: (numbers in order, thread count for THREAD, bytes of the
/// untagged answer).
fn answer(responses: &[Bytes]) -> Result<(Vec<u32>, Option<usize>, usize), Error> {
    let mut ids = Vec::new();
    let mut threads = None;
    let mut bytes = 0;
    for raw in responses {
        match parse_response(raw).map_err(|e| format!("unparsable answer: {e:?}"))? {
            Response::Data(Data::Sort { ids: found, .. }) => {
                ids.extend(found);
                bytes += raw.len();
            }
            Response::Data(Data::Thread(found)) => {
                *threads.get_or_insert(0) += found.len();
                for t in &found {
                    ids.extend(t.ids());
                }
                bytes += raw.len();
            }
            Response::Status { tag: Some(_), status } if status.kind != StatusKind::Ok => {
                return Err(format!("refused: {}", String::from_utf8_lossy(raw)).into());
            }
            _ => {}
        }
    }
    Ok((ids, threads, bytes))
}

/// Runs `command` `times` times; prints the first (cold) and the best.
fn timed(c: &mut Conn, command: &str, times: usize, n: u32) -> Result<(), Error> {
    let mut runs = Vec::new();
    let mut last = Vec::new();
    for _ in 0..times {
        let t = Instant::now();
        let (_, responses) = c.run(command)?;
        runs.push(t.elapsed());
        last = responses;
    }
    let (ids, threads, bytes) = answer(&last)?;
    let is_sort = threads.is_none();
    if is_sort && ids.len() != n as usize {
        return Err(format!("{command}: {} numbers, not {n}", ids.len()).into());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let best = runs.iter().min().copied().unwrap_or_default();
    let all: Vec<String> = runs.iter().map(|&d| format!("{:.1}", ms(d))).collect();
    let threads = threads.map(|t| format!(", {t} threads")).unwrap_or_default();
    println!(
        "sort_bench: {command}: cold {:.1} ms, best {:.1} ms (runs: {} ms); {} numbers{threads}, {bytes} bytes, order {:016x}",
        ms(runs[0]),
        ms(best),
        all.join(" / "),
        ids.len(),
        order_hash(&ids)
    );
    Ok(())
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let [_, addr, user, pass, rest @ ..] = &args[..] else {
        eprintln!("usage: sort_bench ADDR USER PASS [N=100000] [PID|auto]");
        std::process::exit(2);
    };
    let n: u32 = rest.first().map_or(Ok(100_000), |s| s.parse())?;
    let pid_arg = rest.get(1).map(String::as_str);

    let t = Instant::now();
    let messages = generate(n);
    let bytes: usize = messages.iter().map(|(_, m)| m.len()).sum();
    eprintln!(
        "sort_bench: generated {n} messages, {:.1} MB (avg {} bytes), in {:.2} s",
        bytes as f64 / 1e6,
        bytes / (n.max(1) as usize),
        t.elapsed().as_secs_f64()
    );
    // Messages per APPEND command: 1 by default; more is MULTIAPPEND (RFC 3502).
    let batch = match std::env::var("SORT_BENCH_BATCH") {
        Ok(b) => b.parse::<usize>()?.max(1),
        Err(_) => 1,
    };
    fill(addr, user, pass, messages, batch)?;

    let mut c = Conn::connect(addr, user, pass)?;
    let t = Instant::now();
    let (ok, _) = c.run("SELECT sortbench")?;
    if !ok {
        return Err("SELECT sortbench failed".into());
    }
    println!("sort_bench: SELECT sortbench: {:.1} ms", t.elapsed().as_secs_f64() * 1000.0);
    let pid = match pid_arg {
        None => None,
        Some("auto") => Some(server_pid(&c.stream)?),
        Some(p) => Some(p.parse::<u32>()?),
    };
    let reset = |when: &str| {
        if let Some(pid) = pid {
            if !reset_peak(pid) {
                println!("sort_bench: could not reset the peak ({when}): VmHWM includes what came before");
            }
        }
    };

    print_memory(pid, "after SELECT");
    reset("before SORT");
    timed(&mut c, "SORT (DATE) UTF-8 ALL", 3, n)?;
    timed(&mut c, "SORT (REVERSE DATE) UTF-8 ALL", 1, n)?;
    print_memory(pid, "after SORT (peak since the SELECT)");
    reset("before THREAD");
    timed(&mut c, "THREAD REFERENCES UTF-8 ALL", 3, n)?;
    print_memory(pid, "after THREAD (peak during THREAD)");
    c.run("LOGOUT")?;
    Ok(())
}

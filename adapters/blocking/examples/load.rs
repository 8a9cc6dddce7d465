//! The load generator of issue 9 ("Load and scale"), built on the blocking `Client`.
//!
//! Each of N clients has its own connection and its own mailbox (created, with a few seed
//! messages, before the clock starts), and loops: connect, LOGIN, SELECT, FETCH 1:* (UID
//! FLAGS), FETCH BODY.PEEK[] of the two newest messages, STORE +FLAGS (\Seen) on the newest,
//! APPEND, STORE +FLAGS (\Deleted) on the oldest, EXPUNGE, LOGOUT. Every response is checked
//! against what the client knows: message counts, UIDs (known ones equal, new ones larger),
//! flags, bodies byte for byte, the EXPUNGE numbers. Each command is one op; the run prints
//! ops/s, p50 and p99 latency per command and overall, and the number of verification
//! failures, and exits non-zero if there is any.
//!
//! ```sh
//! cargo run --release -p imap-machine-blocking --example load -- --addr 127.0.0.1:1143 \
//!     --user bench --pass bench --clients 10 --seconds 30 [--mailbox-prefix X]
//! ```
//!
//! Idle mode (`--idle N [--rounds R] [--server-pid PID]`): one appender connection (our
//! `Client`), then N connections that LOGIN, SELECT a shared mailbox and IDLE. Each idler is
//! a thread speaking raw IMAP on a `TcpStream` (LOGIN, SELECT, IDLE, then read lines), so the
//! time an `* n EXISTS` arrives is taken when its line is read, not after DONE. R times, the
//! appender APPENDs a message and the run waits until every idler has seen the new EXISTS;
//! it prints how many connections were held, the server's VmRSS (from /proc/PID/status) and
//! the delivery latencies (p50/p99/max over all idlers and rounds). With
//! `--max-rss-mib M` and `--max-p99-ms T` it also fails (exit 1) if a connection was
//! refused, the server's VmRSS with every idler connected exceeds M MiB, or the p99
//! delivery latency exceeds T ms. The soft limit on open files is raised to the hard limit.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::sync::{Arc, Barrier, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use imap_machine::types::{
    CommandBody, Data, FetchAttribute, FetchAttributes, FetchItem, Flag, FlagFetch, Mailbox, Section, StoreKind,
};
use imap_machine_blocking::{Client, ClientError};

/// The commands of one loop, in order; latencies are kept per command.
const OPS: [&str; 9] = [
    "LOGIN",
    "SELECT",
    "FETCH 1:* (UID FLAGS)",
    "FETCH BODY.PEEK[]",
    "STORE \\Seen",
    "APPEND",
    "STORE \\Deleted",
    "EXPUNGE",
    "LOGOUT",
];
/// Messages each mailbox holds at the start of every loop (one is appended, one expunged).
const SEED: usize = 4;

#[derive(Clone)]
struct Config {
    addr: String,
    user: String,
    pass: String,
    clients: usize,
    seconds: u64,
    prefix: String,
    idle: usize,
    rounds: usize,
    server_pid: Option<u32>,
    max_rss_mib: Option<f64>,
    max_p99_ms: Option<f64>,
}

fn parse_args() -> Result<Config, String> {
    let stamp = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let mut c = Config {
        addr: "127.0.0.1:1143".into(),
        user: "username".into(),
        pass: "password".into(),
        clients: 1,
        seconds: 10,
        prefix: format!("load-{}-{stamp}", std::process::id()),
        idle: 0,
        rounds: 5,
        server_pid: None,
        max_rss_mib: None,
        max_p99_ms: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let v = it.next().ok_or_else(|| format!("{a} needs a value"))?;
        let num = |v: &str| v.parse::<u64>().map_err(|e| format!("{a}: {e}"));
        match a.as_str() {
            "--addr" => c.addr = v,
            "--user" => c.user = v,
            "--pass" => c.pass = v,
            "--clients" => c.clients = num(&v)? as usize,
            "--seconds" => c.seconds = num(&v)?,
            "--mailbox-prefix" => c.prefix = v,
            "--idle" => c.idle = num(&v)? as usize,
            "--rounds" => c.rounds = num(&v)? as usize,
            "--server-pid" => c.server_pid = Some(num(&v)? as u32),
            "--max-rss-mib" => c.max_rss_mib = Some(v.parse().map_err(|e| format!("{a}: {e}"))?),
            "--max-p99-ms" => c.max_p99_ms = Some(v.parse().map_err(|e| format!("{a}: {e}"))?),
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(c)
}

/// What a client knows about one message of its mailbox.
struct Msg {
    uid: Option<u32>,
    body: Bytes,
    seen: bool,
    deleted: bool,
}

/// One client: its mailbox, what it knows of it, and its latencies (µs) per command.
struct Worker {
    id: usize,
    mailbox: String,
    known: Vec<Msg>,
    max_uid: u32,
    uid_validity: Option<u32>,
    appended: u64,
    lat: Vec<Vec<u32>>,
}

macro_rules! check {
    ($cond:expr, $($fmt:tt)*) => {
        if !$cond {
            return Err(format!($($fmt)*));
        }
    };
}

fn message(client: usize, n: u64) -> Bytes {
    let mut m = format!(
        "From: load{client}@example.org\r\nTo: bench@example.org\r\nSubject: load {client} #{n}\r\n\
         Message-ID: <{client}.{n}@load.example>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n"
    );
    for k in 0..8 {
        m.push_str(&format!("Line {k} of message {n} from load client {client}, to check bodies byte for byte.\r\n"));
    }
    Bytes::from(m)
}

fn timed<T>(lat: &mut Vec<u32>, f: impl FnOnce() -> Result<T, ClientError>) -> Result<T, String> {
    let t = Instant::now();
    let r = f();
    lat.push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
    r.map_err(|e| e.to_string())
}

/// `(\Seen, \Deleted)` from a FETCH's FLAGS; `\Recent` is ignored, any other flag is an error.
fn flags_of(items: &[FetchItem]) -> Result<(bool, bool), String> {
    let flags = items.iter().find_map(|i| if let FetchItem::Flags(f) = i { Some(f) } else { None });
    let (mut seen, mut deleted) = (false, false);
    for f in flags.ok_or("FETCH without FLAGS")? {
        match f {
            FlagFetch::Flag(Flag::Seen) => seen = true,
            FlagFetch::Flag(Flag::Deleted) => deleted = true,
            FlagFetch::Recent => {}
            FlagFetch::Flag(other) => return Err(format!("unexpected flag {other:?}")),
        }
    }
    Ok((seen, deleted))
}

/// STORE +FLAGS (not silent) on one message; checks the FETCH FLAGS it returns.
fn store(c: &mut Client, w: &mut Worker, op: usize, seq: u32, flag: Flag) -> Result<(), String> {
    let body = CommandBody::Store {
        set: seq.to_string().parse().map_err(|e| format!("{e}"))?,
        kind: StoreKind::Add,
        silent: false,
        flags: vec![flag.clone()],
        uid: false,
    };
    let data = timed(&mut w.lat[op], || c.run(body))?;
    let m = &mut w.known[seq as usize - 1];
    m.seen |= flag == Flag::Seen;
    m.deleted |= flag == Flag::Deleted;
    let fetched = data.iter().find_map(|d| match d {
        Data::Fetch { seq: s, items } if s.get() == seq => Some(items),
        _ => None,
    });
    let got = flags_of(fetched.ok_or_else(|| format!("{}: no FETCH for {seq}", OPS[op]))?)?;
    check!(got == (m.seen, m.deleted), "{}: flags of {seq} are {got:?}, expected {:?}", OPS[op], (m.seen, m.deleted));
    Ok(())
}

/// One loop on a new connection.
fn iteration(w: &mut Worker, cfg: &Config) -> Result<(), String> {
    let mut c = Client::connect(&cfg.addr).map_err(|e| format!("connect: {e}"))?;
    timed(&mut w.lat[0], || c.login(&cfg.user, &cfg.pass))?;
    let sel = timed(&mut w.lat[1], || c.select(&w.mailbox))?;
    let n = w.known.len() as u32;
    check!(sel.exists == n, "SELECT: EXISTS {} but the client expects {n}", sel.exists);
    match (w.uid_validity, sel.uid_validity) {
        (Some(a), Some(b)) => check!(a == b, "SELECT: UIDVALIDITY changed from {a} to {b}"),
        (None, v) => w.uid_validity = v,
        (Some(_), None) => return Err("SELECT: no UIDVALIDITY".into()),
    }
    if let Some(next) = sel.uid_next {
        check!(next > w.max_uid, "SELECT: UIDNEXT {next} not above UID {}", w.max_uid);
    }

    let atts = FetchAttributes::List(vec![FetchAttribute::Uid, FetchAttribute::Flags]);
    let got = timed(&mut w.lat[2], || c.fetch("1:*", atts, false))?;
    check!(got.len() == n as usize, "FETCH 1:*: {} responses for {n} messages", got.len());
    let mut answered = vec![false; n as usize];
    let before = w.max_uid;
    for (seq, items) in &got {
        let k = (*seq as usize).checked_sub(1).filter(|k| *k < n as usize).ok_or(format!("FETCH: bad seq {seq}"))?;
        check!(!answered[k], "FETCH: seq {seq} twice");
        answered[k] = true;
        let uid = items.iter().find_map(|i| if let FetchItem::Uid(u) = i { Some(*u) } else { None });
        let uid = uid.ok_or(format!("FETCH: no UID for {seq}"))?;
        let m = &mut w.known[k];
        match m.uid {
            Some(u) => check!(u == uid, "FETCH: seq {seq} has UID {uid}, expected {u}"),
            None => {
                check!(uid > before, "FETCH: new message {seq} has UID {uid}, not above {before}");
                m.uid = Some(uid);
                w.max_uid = w.max_uid.max(uid);
            }
        }
        let f = flags_of(items)?;
        check!(f == (m.seen, m.deleted), "FETCH: flags of {seq} are {f:?}, expected {:?}", (m.seen, m.deleted));
    }
    check!(w.known.windows(2).all(|p| p[0].uid < p[1].uid), "FETCH: UIDs do not increase with sequence numbers");

    let from = n.saturating_sub(1).max(1);
    let peek = FetchAttribute::BodySection { peek: true, section: Section::default(), partial: None };
    let got = timed(&mut w.lat[3], || c.fetch(&format!("{from}:{n}"), FetchAttributes::List(vec![peek]), false))?;
    check!(got.len() == (n - from + 1) as usize, "FETCH BODY: {} responses", got.len());
    for (seq, items) in &got {
        let body = items.iter().find_map(|i| match i {
            FetchItem::BodySection { data: Some(d), origin: None, .. } => Some(d.as_bytes()),
            _ => None,
        });
        let want = w.known.get(*seq as usize - 1).map(|m| &m.body[..]);
        check!(body.is_some() && body == want, "FETCH BODY: body of {seq} differs from the one appended");
    }

    store(&mut c, w, 4, n, Flag::Seen)?;

    w.appended += 1;
    let msg = message(w.id, w.appended);
    let mailbox = w.mailbox.clone();
    let uid = timed(&mut w.lat[5], || c.append(&mailbox, vec![], msg.clone()))?;
    if let Some(u) = uid {
        check!(u > w.max_uid, "APPEND: APPENDUID {u} not above {}", w.max_uid);
        w.max_uid = u;
    }
    w.known.push(Msg { uid, body: msg, seen: false, deleted: false });

    store(&mut c, w, 6, 1, Flag::Deleted)?;
    let data = timed(&mut w.lat[7], || c.run(CommandBody::Expunge))?;
    let gone: Vec<u32> =
        data.iter().filter_map(|d| if let Data::Expunge(s) = d { Some(s.get()) } else { None }).collect();
    check!(gone == [1], "EXPUNGE: expunged {gone:?}, expected [1]");
    w.known.remove(0);
    let exists = c.machine().selected().map(|s| s.exists);
    check!(exists == Some(w.known.len() as u32), "after EXPUNGE: EXISTS {exists:?}, expected {}", w.known.len());
    c.updates();
    timed(&mut w.lat[8], || c.logout())?;
    Ok(())
}

/// Creates each client's mailbox with its seed messages, on one connection, untimed.
fn setup(cfg: &Config) -> Result<Vec<Worker>, String> {
    let mut c = Client::connect(&cfg.addr).map_err(|e| format!("connect: {e}"))?;
    c.login(&cfg.user, &cfg.pass).map_err(|e| format!("setup LOGIN: {e}"))?;
    let mut workers = Vec::new();
    for id in 0..cfg.clients {
        let mailbox = format!("{}-{id}", cfg.prefix);
        let m = Mailbox::from_utf8(&mailbox).map_err(|e| e.to_string())?;
        c.run(CommandBody::Create { mailbox: m }).map_err(|e| format!("setup CREATE {mailbox}: {e}"))?;
        let mut w = Worker {
            id,
            mailbox,
            known: Vec::new(),
            max_uid: 0,
            uid_validity: None,
            appended: 0,
            lat: vec![Vec::new(); OPS.len()],
        };
        for _ in 0..SEED {
            w.appended += 1;
            let body = message(id, w.appended);
            let uid = c.append(&w.mailbox, vec![], body.clone()).map_err(|e| format!("setup APPEND: {e}"))?;
            w.max_uid = w.max_uid.max(uid.unwrap_or(0));
            w.known.push(Msg { uid, body, seen: false, deleted: false });
        }
        workers.push(w);
    }
    c.logout().map_err(|e| format!("setup LOGOUT: {e}"))?;
    Ok(workers)
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let k = ((sorted.len() - 1) as f64 * p / 100.0).round() as usize;
    f64::from(sorted[k]) / 1000.0
}

fn run_load(cfg: &Config) -> Result<usize, String> {
    let workers = setup(cfg)?;
    let start = Arc::new(Barrier::new(cfg.clients + 1));
    let handles: Vec<_> = workers
        .into_iter()
        .map(|mut w| {
            let (cfg, start) = (cfg.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                let deadline = Instant::now() + Duration::from_secs(cfg.seconds);
                let mut loops = 0u64;
                while Instant::now() < deadline {
                    if let Err(e) = iteration(&mut w, &cfg) {
                        return (w, loops, Some(e));
                    }
                    loops += 1;
                }
                (w, loops, None)
            })
        })
        .collect();
    start.wait();
    let t0 = Instant::now();
    let mut lat = vec![Vec::new(); OPS.len()];
    let (mut loops, mut failures) = (0, 0);
    for h in handles {
        let (w, l, err) = h.join().map_err(|_| "a client thread panicked".to_string())?;
        loops += l;
        if let Some(e) = err {
            failures += 1;
            eprintln!("client {} ({}): verification failure: {e}", w.id, w.mailbox);
        }
        for (all, mine) in lat.iter_mut().zip(w.lat) {
            all.extend(mine);
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    let mut all: Vec<u32> = lat.iter().flatten().copied().collect();
    all.sort_unstable();
    println!("{:<24} {:>9} {:>10} {:>10}", "command", "count", "p50 ms", "p99 ms");
    for (name, l) in OPS.iter().zip(lat.iter_mut()) {
        l.sort_unstable();
        println!("{name:<24} {:>9} {:>10.3} {:>10.3}", l.len(), percentile(l, 50.0), percentile(l, 99.0));
    }
    println!(
        "summary: addr={} clients={} seconds={secs:.1} loops={loops} ops={} ops/s={:.0} p50_ms={:.3} p99_ms={:.3} \
         failures={failures}",
        cfg.addr,
        cfg.clients,
        all.len(),
        all.len() as f64 / secs,
        percentile(&all, 50.0),
        percentile(&all, 99.0),
    );
    Ok(failures)
}

/// Reads lines until one starts with `tag `; returns the EXISTS count seen meanwhile.
fn until_tagged(r: &mut impl BufRead, tag: &str) -> Result<Option<u32>, String> {
    let mut exists = None;
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            return Err("connection closed".into());
        }
        if let Some(rest) = line.strip_prefix(&format!("{tag} ")) {
            return if rest.starts_with("OK") { Ok(exists) } else { Err(line.trim_end().to_string()) };
        }
        exists = exists_of(&line).or(exists);
    }
}

fn exists_of(line: &str) -> Option<u32> {
    line.strip_prefix("* ")?.trim_end().strip_suffix(" EXISTS")?.parse().ok()
}

/// One raw IDLE connection: reports `Ok(exists)` once idling (or why not), then the
/// arrival time of each round's EXISTS.
fn idler(
    cfg: &Config,
    mailbox: &str,
    ready: &mpsc::Sender<Result<u32, String>>,
    seen: &mpsc::Sender<Instant>,
    hold: &RwLock<()>,
) {
    // One descriptor per idler (no `try_clone`): reads through a `BufReader` on `&TcpStream`,
    // writes straight to the socket.
    let s = match TcpStream::connect(&cfg.addr) {
        Ok(s) => s,
        Err(e) => {
            let _ = ready.send(Err(format!("connect: {e}")));
            return;
        }
    };
    let mut r = BufReader::with_capacity(1024, &s);
    let setup = |r: &mut BufReader<&TcpStream>| -> Result<u32, String> {
        let mut w = &s;
        let mut greeting = String::new();
        r.read_line(&mut greeting).map_err(|e| e.to_string())?;
        check!(greeting.starts_with("* OK"), "greeting: {}", greeting.trim_end());
        write!(w, "a LOGIN \"{}\" \"{}\"\r\n", cfg.user, cfg.pass).map_err(|e| e.to_string())?;
        until_tagged(r, "a")?;
        write!(w, "b SELECT \"{mailbox}\"\r\n").map_err(|e| e.to_string())?;
        let exists = until_tagged(r, "b")?.ok_or("SELECT without EXISTS")?;
        write!(w, "c IDLE\r\n").map_err(|e| e.to_string())?;
        let mut line = String::new();
        while !line.starts_with('+') {
            line.clear();
            check!(r.read_line(&mut line).map_err(|e| e.to_string())? > 0, "closed before IDLE's +");
        }
        Ok(exists)
    };
    let exists = match setup(&mut r) {
        Ok(v) => v,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let _ = ready.send(Ok(exists));
    let mut line = String::new();
    for round in 1..=cfg.rounds as u32 {
        loop {
            line.clear();
            match r.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) if exists_of(&line) == Some(exists + round) => break,
                Ok(_) => {}
            }
        }
        let _ = seen.send(Instant::now());
    }
    // Stay connected until the server's memory has been read after the last round.
    drop(hold.read());
    let _ = (&s).write_all(b"DONE\r\nd LOGOUT\r\n");
    let _ = until_tagged(&mut r, "c");
}

/// The server's VmRSS in MiB (0 without a PID).
fn rss_mib(pid: Option<u32>) -> f64 {
    let Some(pid) = pid else { return 0.0 };
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = status.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1));
    kib.and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0) / 1024.0
}

fn rss(pid: Option<u32>) -> String {
    let Some(pid) = pid else { return "no --server-pid".into() };
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |k: &str| status.lines().find(|l| l.starts_with(k)).map(|l| l.split_whitespace().collect::<Vec<_>>());
    let kib = |k: &str| field(k).and_then(|f| f.get(1).and_then(|v| v.parse::<f64>().ok())).unwrap_or(0.0);
    let threads = field("Threads:").and_then(|f| f.get(1).map(|s| s.to_string())).unwrap_or_default();
    format!("VmRSS={:.1} MiB VmHWM={:.1} MiB Threads={threads}", kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0)
}

fn run_idle(cfg: &Config) -> Result<usize, String> {
    let mailbox = format!("{}-idle", cfg.prefix);
    let mut appender = Client::connect(&cfg.addr).map_err(|e| format!("connect: {e}"))?;
    appender.login(&cfg.user, &cfg.pass).map_err(|e| format!("LOGIN: {e}"))?;
    let m = Mailbox::from_utf8(&mailbox).map_err(|e| e.to_string())?;
    appender.run(CommandBody::Create { mailbox: m }).map_err(|e| format!("CREATE: {e}"))?;
    println!("before idlers: server {}", rss(cfg.server_pid));
    let hold = Arc::new(RwLock::new(()));
    let held_open = hold.write().map_err(|_| "lock poisoned")?;
    let (ready_tx, ready_rx) = mpsc::channel();
    let (seen_tx, seen_rx) = mpsc::channel();
    let (mut held, mut refused, mut first_error) = (0usize, 0usize, None);
    let t_ramp = Instant::now();
    // Ramp in batches of 100, each batch idling before the next starts.
    for batch in (0..cfg.idle).collect::<Vec<_>>().chunks(100) {
        for _ in batch {
            let (cfg, mailbox, ready, seen) = (cfg.clone(), mailbox.clone(), ready_tx.clone(), seen_tx.clone());
            let hold = hold.clone();
            std::thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(move || idler(&cfg, &mailbox, &ready, &seen, &hold))
                .map_err(|e| format!("spawn: {e}"))?;
        }
        for _ in batch {
            match ready_rx.recv_timeout(Duration::from_secs(60)) {
                Ok(Ok(0)) => held += 1,
                Ok(Ok(n)) => return Err(format!("idler saw {n} messages in a new mailbox")),
                Ok(Err(e)) => {
                    refused += 1;
                    first_error.get_or_insert(e);
                }
                Err(_) => return Err("an idler did not get ready in 60 s".into()),
            }
        }
    }
    drop(seen_tx);
    println!(
        "idlers: {held} idling, {refused} refused{} (ramp {:.1} s); server {}",
        first_error.map(|e| format!(" (first: {e})")).unwrap_or_default(),
        t_ramp.elapsed().as_secs_f64(),
        rss(cfg.server_pid)
    );
    let mut peak_rss = rss_mib(cfg.server_pid);
    let mut lat = Vec::new();
    let mut all_reached = Vec::new();
    let mut missing = 0;
    for round in 1..=cfg.rounds {
        std::thread::sleep(Duration::from_millis(500));
        let t0 = Instant::now();
        appender.append(&mailbox, vec![], message(usize::MAX, round as u64)).map_err(|e| format!("APPEND: {e}"))?;
        let mut worst = 0u32;
        for k in 0..held {
            match seen_rx.recv_timeout(Duration::from_secs(30)) {
                Ok(t) => {
                    let us = u32::try_from(t.saturating_duration_since(t0).as_micros()).unwrap_or(u32::MAX);
                    worst = worst.max(us);
                    lat.push(us);
                }
                Err(_) => {
                    missing += held - k;
                    break;
                }
            }
        }
        all_reached.push(worst);
        println!("round {round}: the last of {held} idlers saw EXISTS after {:.1} ms", f64::from(worst) / 1000.0);
    }
    println!("after rounds, all idlers still connected: server {}", rss(cfg.server_pid));
    peak_rss = peak_rss.max(rss_mib(cfg.server_pid));
    drop(held_open);
    lat.sort_unstable();
    all_reached.sort_unstable();
    println!(
        "summary: addr={} idlers={held} refused={refused} rounds={} delivery_p50_ms={:.1} delivery_p99_ms={:.1} \
         delivery_max_ms={:.1} all_reached_max_ms={:.1} missing={missing}",
        cfg.addr,
        cfg.rounds,
        percentile(&lat, 50.0),
        percentile(&lat, 99.0),
        percentile(&lat, 100.0),
        percentile(&all_reached, 100.0),
    );
    let _ = appender.logout();
    let mut failures = missing;
    if cfg.max_rss_mib.is_some() || cfg.max_p99_ms.is_some() {
        if refused > 0 {
            eprintln!("load: {refused} idler(s) refused");
            failures += refused;
        }
        if cfg.max_rss_mib.is_some_and(|m| peak_rss > m || cfg.server_pid.is_none()) {
            eprintln!("load: server VmRSS {peak_rss:.1} MiB, limit {:.1} MiB", cfg.max_rss_mib.unwrap_or(0.0));
            failures += 1;
        }
        let p99 = percentile(&lat, 99.0);
        if cfg.max_p99_ms.is_some_and(|m| p99 > m) {
            eprintln!("load: delivery p99 {p99:.1} ms, limit {:.1} ms", cfg.max_p99_ms.unwrap_or(0.0));
            failures += 1;
        }
    }
    Ok(failures)
}

fn main() {
    let cfg = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("load: {e}");
            std::process::exit(2);
        }
    };
    // Each idler holds a socket: raise the limit on open files (the hard limit too when
    // allowed, as root), then the soft limit to the hard one.
    let want = (cfg.idle + cfg.clients + 1024) as u64;
    if rlimit::Resource::NOFILE.get().is_ok_and(|(_, hard)| hard < want) {
        let _ = rlimit::Resource::NOFILE.set(want, want);
    }
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) if (n as usize) < cfg.idle + 64 => eprintln!("load: only {n} open files allowed for {} idlers", cfg.idle),
        Ok(_) => {}
        Err(e) => eprintln!("load: could not raise the open files limit: {e}"),
    }
    let result = if cfg.idle > 0 { run_idle(&cfg) } else { run_load(&cfg) };
    match result {
        Ok(0) => {}
        Ok(n) => {
            eprintln!("load: {n} failure(s)");
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("load: {e}");
            std::process::exit(1);
        }
    }
}

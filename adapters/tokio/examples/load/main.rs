//! The load generator of issue 9 ("Load and scale"), built on our own client.
//!
//! Each of N clients has its own connection and its own mailbox (created, with a few seed
//! messages, before the clock starts), and loops: connect, LOGIN, SELECT, FETCH 1:* (UID
//! FLAGS), FETCH BODY.PEEK[] of the two newest messages, STORE +FLAGS (\Seen) on the newest,
//! APPEND, STORE +FLAGS (\Deleted) on the oldest, EXPUNGE, LOGOUT. Every response is checked
//! against what the client knows: message counts, UIDVALIDITY and UIDNEXT, UIDs (known ones
//! equal, new ones larger), flags, bodies byte for byte, APPENDUID, the EXPUNGE numbers and
//! the EXISTS count after them. Each command is one op; the run prints ops/s, p50 and p99
//! latency per command and overall, and the number of verification failures, and exits
//! non-zero if there is any.
//!
//! `--driver` picks the client (see `conn.rs`): `machine` (the default) drives the sans-I/O
//! `imap_machine::client::Client` in each client's task, `tokio` goes through the tokio
//! adapter's `Client` and its driver task. The workload and the checks are the same; the
//! machine costs the generator about half the CPU per command in user space, which matters
//! when the generator shares the machine with the server it measures.
//!
//! The clients are tasks on a tokio runtime of `--threads` worker threads (default 1): the
//! generator takes at most that many cores and leaves the rest to the server under test, and
//! it costs far less per command than a thread per client, whose every response means a
//! thread wake-up.
//!
//! ```sh
//! cargo run --release -p imap-machine-tokio --example load -- --addr 127.0.0.1:1143 \
//!     --user bench --pass bench --clients 10 --seconds 30 [--threads 1] \
//!     [--driver machine|tokio] [--mailbox-prefix X]
//! ```
//!
//! Shared mode (`--shared`, see `shared.rs`): the N clients SELECT one mailbox and APPEND,
//! STORE, EXPUNGE, UID EXPUNGE and FETCH in it at random, each checking every response
//! against the RFCs from what it was told alone (RFC 3501, RFC 2180, RFC 4315); it prints
//! the protocol errors by kind (`errors:` lines) and `protocol_errors=` in the summary, and
//! exits non-zero if there is any. Machine driver only. `--addr A,B` spreads the clients
//! over several servers (client k on the (k mod n)th), which share one store: two
//! `imapm serve --store postgres://...` processes.
//!
//! Idle mode (`--idle N [--rounds R] [--server-pid PID]`): one appender connection (our
//! `Client`), then N connections that LOGIN, SELECT a shared mailbox and IDLE, each a task
//! speaking raw IMAP on a `TcpStream` (LOGIN, SELECT, IDLE, then read lines), so the time an
//! `* n EXISTS` arrives is taken when its line is read. R times, the appender APPENDs a
//! message and the run waits until every idler has seen the new EXISTS; it prints how many
//! connections were held, the server's VmRSS (from /proc/PID/status) and the delivery
//! latencies (p50/p99/max over all idlers and rounds). With `--max-rss-mib M` and
//! `--max-p99-ms T` it also fails (exit 1) if a connection was refused, the server's VmRSS
//! with every idler connected exceeds M MiB, or the p99 delivery latency exceeds T ms. The
//! soft limit on open files is raised to the hard limit (and the hard one too as root).
//! With `--compress` each idler sends `COMPRESS DEFLATE` after LOGIN (RFC 4978) and speaks
//! DEFLATE from then on, freeing its own compression state while it idles.
//!
//! Big-mailbox modes (see `big.rs`), each first filling one mailbox with `--messages N`
//! (default 1,000,000) tiny messages by pipelined APPEND with LITERAL+:
//!
//! - `--stall [--clients C] [--seconds S] [--max-p99-ms T]`: one client loops `STORE 1:*
//!   +FLAGS.SILENT (\Flagged)` and `-FLAGS.SILENT` on the whole mailbox for S seconds while
//!   C other clients (default 10), each logged in on its own connection, send a NOOP every
//!   10 ms (latency counted from when it was due); prints the NOOP latency p50/p99/max and
//!   the STORE durations, and fails (exit 1) if the NOOP p99 exceeds T ms.
//! - `--fetch-rss --server-pid PID [--max-rss-growth-mib M]`: SELECT, `FETCH 1:* (FLAGS)`
//!   and `UID SEARCH ALL` on the mailbox while a thread samples the server's VmRSS every
//!   10 ms; prints the VmRSS after the fill and the peak during each command, and fails if
//!   the peak exceeds the VmRSS after the fill by more than M MiB.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use imap_machine::types::{FetchAttribute, FetchAttributes, FetchItem, Flag, Section};
use imap_machine_tokio::Client;
use tokio::sync::Barrier;

use conn::{Conn, Driver};
use flags::{flags_of, seen_deleted};

mod conn;
mod flags;
mod shared;
mod view;

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

/// Messages in each client's mailbox before the clock starts.
const SEED: usize = 4;

#[derive(Clone)]
pub(crate) struct Config {
    /// One address, or (in shared mode) several, comma-separated: client k connects to
    /// the (k mod n)th, so that one mailbox is shared through several server processes.
    addr: String,
    user: String,
    pass: String,
    clients: usize,
    seconds: u64,
    threads: usize,
    driver: Driver,
    prefix: String,
    idle: usize,
    rounds: usize,
    server_pid: Option<u32>,
    max_rss_mib: Option<f64>,
    max_p99_ms: Option<f64>,
    shared: bool,
    stall: bool,
    fetch_rss: bool,
    messages: usize,
    max_rss_growth_mib: Option<f64>,
    compress: bool,
}

impl Config {
    /// The address client `k` connects to (see [`Config::addr`]).
    pub(crate) fn addr_for(&self, k: usize) -> &str {
        let all: Vec<&str> = self.addr.split(',').collect();
        all[k % all.len()]
    }
}

fn parse_args() -> Result<Config, String> {
    let stamp = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let mut c = Config {
        addr: "127.0.0.1:1143".into(),
        user: "username".into(),
        pass: "password".into(),
        clients: 1,
        seconds: 10,
        threads: 1,
        driver: Driver::Machine,
        prefix: format!("load-{}-{stamp}", std::process::id()),
        idle: 0,
        rounds: 5,
        server_pid: None,
        max_rss_mib: None,
        max_p99_ms: None,
        shared: false,
        stall: false,
        fetch_rss: false,
        messages: 1_000_000,
        max_rss_growth_mib: None,
        compress: false,
    };
    let mut clients = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--shared" => c.shared = true,
            "--stall" => c.stall = true,
            "--fetch-rss" => c.fetch_rss = true,
            "--compress" => c.compress = true,
            _ => {}
        }
        if matches!(a.as_str(), "--shared" | "--stall" | "--fetch-rss" | "--compress") {
            continue;
        }
        let v = it.next().ok_or_else(|| format!("{a} needs a value"))?;
        let num = |v: &str| v.parse::<u64>().map_err(|e| format!("{a}: {e}"));
        let float = |v: &str| v.parse::<f64>().map_err(|e| format!("{a}: {e}"));
        match a.as_str() {
            "--addr" => c.addr = v,
            "--user" => c.user = v,
            "--pass" => c.pass = v,
            "--clients" => clients = Some(num(&v)? as usize),
            "--messages" => c.messages = num(&v)? as usize,
            "--max-rss-growth-mib" => c.max_rss_growth_mib = Some(float(&v)?),
            "--seconds" => c.seconds = num(&v)?,
            "--threads" => c.threads = (num(&v)? as usize).max(1),
            "--driver" => c.driver = v.parse()?,
            "--mailbox-prefix" => c.prefix = v,
            "--idle" => c.idle = num(&v)? as usize,
            "--rounds" => c.rounds = num(&v)? as usize,
            "--server-pid" => c.server_pid = Some(num(&v)? as u32),
            "--max-rss-mib" => c.max_rss_mib = Some(float(&v)?),
            "--max-p99-ms" => c.max_p99_ms = Some(float(&v)?),
            other => return Err(format!("unknown option {other}")),
        }
    }
    c.clients = clients.unwrap_or(if c.stall { 10 } else { 1 });
    if c.shared && c.driver != Driver::Machine {
        return Err("--shared runs on --driver machine only".into());
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

mod big;
mod idle;

pub(crate) fn message(client: usize, n: u64) -> Bytes {
    let mut m = format!(
        "From: load{client}@example.org\r\nTo: bench@example.org\r\nSubject: load {client} #{n}\r\n\
         Message-ID: <{client}.{n}@load.example>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n"
    );
    for k in 0..8 {
        m.push_str(&format!("Line {k} of message {n} from load client {client}, to check bodies byte for byte.\r\n"));
    }
    Bytes::from(m)
}

/// Runs `f`, recording its latency in `lat`.
async fn timed<T>(lat: &mut Vec<u32>, f: impl std::future::Future<Output = Result<T, String>>) -> Result<T, String> {
    let t = Instant::now();
    let r = f.await;
    lat.push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
    r
}

/// STORE +FLAGS (not silent) on one message; checks the FETCH FLAGS it returns.
async fn store(c: &mut Conn, w: &mut Worker, op: usize, seq: u32, flag: Flag) -> Result<(), String> {
    let got = timed(&mut w.lat[op], c.store_add(seq, flag.clone())).await?;
    let m = &mut w.known[seq as usize - 1];
    m.seen |= flag == Flag::Seen;
    m.deleted |= flag == Flag::Deleted;
    let flags = got.iter().find(|(s, _)| *s == seq).ok_or_else(|| format!("{}: no FETCH for {seq}", OPS[op]))?;
    let got = seen_deleted(&flags.1)?;
    check!(got == (m.seen, m.deleted), "{}: flags of {seq} are {got:?}, expected {:?}", OPS[op], (m.seen, m.deleted));
    Ok(())
}

/// One loop on a new connection.
async fn iteration(w: &mut Worker, cfg: &Config) -> Result<(), String> {
    let mut c = Conn::connect(&cfg.addr, cfg.driver).await.map_err(|e| format!("connect: {e}"))?;
    timed(&mut w.lat[0], c.login(&cfg.user, &cfg.pass)).await?;
    let sel = timed(&mut w.lat[1], c.select(&w.mailbox)).await?;
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
    let got = timed(&mut w.lat[2], c.fetch("1:*", atts)).await?;
    check!(got.len() == n as usize, "FETCH 1:*: {} responses for {n} messages", got.len());
    let mut answered = vec![false; n as usize];
    let before = w.max_uid;
    for (seq, items) in &got {
        let k = (*seq as usize)
            .checked_sub(1)
            .filter(|k| *k < n as usize)
            .ok_or_else(|| format!("FETCH: bad seq {seq}"))?;
        check!(!answered[k], "FETCH: seq {seq} twice");
        answered[k] = true;
        let uid = items.iter().find_map(|i| if let FetchItem::Uid(u) = i { Some(*u) } else { None });
        let uid = uid.ok_or_else(|| format!("FETCH: no UID for {seq}"))?;
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
    let got = timed(&mut w.lat[3], c.fetch(from..=n, FetchAttributes::List(vec![peek]))).await?;
    check!(got.len() == (n - from + 1) as usize, "FETCH BODY: {} responses", got.len());
    for (seq, items) in &got {
        let body = items.iter().find_map(|i| match i {
            FetchItem::BodySection { data: Some(d), origin: None, .. } => Some(d.as_bytes()),
            _ => None,
        });
        let want = w.known.get(*seq as usize - 1).map(|m| &m.body[..]);
        check!(body.is_some() && body == want, "FETCH BODY: body of {seq} differs from the one appended");
    }

    store(&mut c, w, 4, n, Flag::Seen).await?;

    w.appended += 1;
    let msg = message(w.id, w.appended);
    let uid = timed(&mut w.lat[5], c.append(&w.mailbox, msg.clone())).await?;
    if let Some((validity, uid)) = uid {
        check!(w.uid_validity == Some(validity), "APPEND: APPENDUID validity {validity}");
        check!(uid > w.max_uid, "APPEND: APPENDUID {uid} not above {}", w.max_uid);
        w.max_uid = uid;
    }
    w.known.push(Msg { uid: uid.map(|(_, u)| u), body: msg, seen: false, deleted: false });

    store(&mut c, w, 6, 1, Flag::Deleted).await?;
    let gone = timed(&mut w.lat[7], c.expunge()).await?;
    check!(gone == [1], "EXPUNGE: expunged {gone:?}, expected [1]");
    w.known.remove(0);
    let exists = c.exists();
    check!(exists == Some(w.known.len() as u32), "after EXPUNGE: EXISTS {exists:?}, expected {}", w.known.len());
    timed(&mut w.lat[8], c.logout()).await?;
    Ok(())
}

/// Creates each client's mailbox with its seed messages, on one connection, untimed.
async fn setup(cfg: &Config) -> Result<Vec<Worker>, String> {
    let c = Client::connect(&cfg.addr).await.map_err(|e| format!("connect: {e}"))?;
    c.login(&cfg.user, &cfg.pass).await.map_err(|e| format!("setup LOGIN: {e}"))?;
    let mut workers = Vec::new();
    for id in 0..cfg.clients {
        let mailbox = format!("{}-{id}", cfg.prefix);
        c.create(&mailbox).await.map_err(|e| format!("setup CREATE {mailbox}: {e}"))?;
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
            let uid = c.append(&w.mailbox, &[], None, body.clone()).await.map_err(|e| format!("setup APPEND: {e}"))?;
            let uid = uid.map(|u| u.uid);
            w.max_uid = w.max_uid.max(uid.unwrap_or(0));
            w.known.push(Msg { uid, body, seen: false, deleted: false });
        }
        workers.push(w);
    }
    c.logout().await.map_err(|e| format!("setup LOGOUT: {e}"))?;
    Ok(workers)
}

pub(crate) fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let k = ((sorted.len() - 1) as f64 * p / 100.0).round() as usize;
    f64::from(sorted[k]) / 1000.0
}

async fn run_load(cfg: Arc<Config>) -> Result<usize, String> {
    let workers = setup(&cfg).await?;
    let start = Arc::new(Barrier::new(cfg.clients + 1));
    let handles: Vec<_> = workers
        .into_iter()
        .map(|mut w| {
            let (cfg, start) = (cfg.clone(), start.clone());
            tokio::spawn(async move {
                start.wait().await;
                let deadline = Instant::now() + Duration::from_secs(cfg.seconds);
                let mut loops = 0u64;
                while Instant::now() < deadline {
                    if let Err(e) = iteration(&mut w, &cfg).await {
                        return (w, loops, Some(e));
                    }
                    loops += 1;
                }
                (w, loops, None)
            })
        })
        .collect();
    start.wait().await;
    let t0 = Instant::now();
    let mut lat = vec![Vec::new(); OPS.len()];
    let (mut loops, mut failures) = (0, 0);
    for h in handles {
        let (w, l, err) = h.await.map_err(|_| "a client task panicked".to_string())?;
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
        "summary: addr={} clients={} threads={} seconds={secs:.1} loops={loops} ops={} ops/s={:.0} p50_ms={:.3} \
         p99_ms={:.3} failures={failures}",
        cfg.addr,
        cfg.clients,
        cfg.threads,
        all.len(),
        all.len() as f64 / secs,
        percentile(&all, 50.0),
        percentile(&all, 99.0),
    );
    Ok(failures)
}

/// Raises the limit on open files to fit `want` descriptors: the hard limit too when it is
/// lower and we may (as root), then the soft limit to the hard one.
fn raise_fd_limit(want: u64) {
    if rlimit::Resource::NOFILE.get().is_ok_and(|(_, hard)| hard < want) {
        let _ = rlimit::Resource::NOFILE.set(want, want);
    }
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) if n < want => eprintln!("load: only {n} open files allowed, {want} wanted"),
        Ok(_) => {}
        Err(e) => eprintln!("load: could not raise the open files limit: {e}"),
    }
}

fn main() {
    let cfg = match parse_args() {
        Ok(c) => Arc::new(c),
        Err(e) => {
            eprintln!("load: {e}");
            std::process::exit(2);
        }
    };
    raise_fd_limit((cfg.idle + cfg.clients + 1024) as u64);
    let rt = if cfg.threads == 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(cfg.threads).enable_all().build()
    };
    let rt = match rt {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("load: runtime: {e}");
            std::process::exit(1);
        }
    };
    let result = rt.block_on(async {
        if cfg.stall {
            big::run_stall(cfg.clone()).await
        } else if cfg.fetch_rss {
            big::run_fetch_rss(cfg.clone()).await
        } else if cfg.idle > 0 {
            idle::run_idle(cfg.clone()).await
        } else if cfg.shared {
            shared::run_shared(cfg.clone()).await
        } else {
            run_load(cfg.clone()).await
        }
    });
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

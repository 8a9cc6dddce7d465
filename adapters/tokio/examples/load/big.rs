//! Big-mailbox modes (see `main.rs`): `--stall` (can one user's whole-mailbox command stall
//! everyone else's?) and `--fetch-rss` (what does a whole-mailbox FETCH cost the server in
//! memory?). Both first fill one mailbox with `--messages N` tiny messages over one raw
//! connection, pipelined APPENDs with LITERAL+ (`{n+}`), every one checked OK.
//!
//! Every connection here speaks raw IMAP on a `TcpStream`, so a response is timed when its
//! line is read, and a million FETCH lines cost the generator little.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::Barrier;

use crate::idle::rss_mib;
use crate::{percentile, Config};

/// The message the mailbox is filled with.
const TINY: &[u8] = b"From: big@example.org\r\nSubject: big\r\n\r\nx\r\n";

/// Each NOOP client's schedule: one NOOP every 10 ms, its latency taken from when it was
/// due, so a NOOP held up by a stalled server counts every NOOP it delays (a client that
/// simply waited for each answer would send few NOOPs while stalled and hide the stall).
const NOOP_EVERY: Duration = Duration::from_millis(10);

/// APPENDs written per batch while filling.
const BATCH: usize = 2_000;

/// One raw connection: its line reader, its writer, and a tag counter.
struct Raw {
    r: BufReader<OwnedReadHalf>,
    w: OwnedWriteHalf,
    next: u64,
    line: Vec<u8>,
}

/// What came back for one command: counts of the untagged lines of interest.
#[derive(Default)]
struct Answer {
    fetches: usize,
    searched: usize,
    exists: Option<u64>,
}

impl Raw {
    /// Connects, reads the greeting, and logs in.
    async fn login(cfg: &Config) -> Result<Raw, String> {
        let s = TcpStream::connect(&cfg.addr).await.map_err(|e| format!("connect: {e}"))?;
        s.set_nodelay(true).map_err(|e| e.to_string())?;
        let (r, w) = s.into_split();
        let mut raw = Raw { r: BufReader::with_capacity(64 << 10, r), w, next: 0, line: Vec::new() };
        raw.read_line().await?;
        check!(raw.line.starts_with(b"* OK"), "greeting: {}", raw.text());
        raw.command(&format!("LOGIN \"{}\" \"{}\"", cfg.user, cfg.pass)).await?;
        Ok(raw)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.line).trim_end().chars().take(200).collect()
    }

    async fn read_line(&mut self) -> Result<(), String> {
        self.line.clear();
        let n = self.r.read_until(b'\n', &mut self.line).await.map_err(|e| e.to_string())?;
        check!(n > 0, "connection closed");
        Ok(())
    }

    fn tag(&mut self) -> String {
        self.next += 1;
        format!("b{}", self.next)
    }

    /// Sends one command line and reads up to its tagged OK.
    async fn command(&mut self, cmd: &str) -> Result<Answer, String> {
        let tag = self.tag();
        self.w.write_all(format!("{tag} {cmd}\r\n").as_bytes()).await.map_err(|e| e.to_string())?;
        self.until(&tag, cmd).await
    }

    /// Reads lines until the one tagged `tag`, which must be OK.
    async fn until(&mut self, tag: &str, cmd: &str) -> Result<Answer, String> {
        let mut a = Answer::default();
        let prefix = format!("{tag} ");
        loop {
            self.read_line().await?;
            let l = &self.line[..];
            if let Some(rest) = l.strip_prefix(prefix.as_bytes()) {
                check!(rest.starts_with(b"OK"), "{cmd}: {}", self.text());
                return Ok(a);
            }
            if let Some(rest) = l.strip_prefix(b"* SEARCH") {
                a.searched += rest.split(|b| *b == b' ').filter(|w| !w.trim_ascii().is_empty()).count();
            } else if l.starts_with(b"* ") {
                let mut words = l[2..].split(|b| *b == b' ');
                let num = words.next().and_then(|w| std::str::from_utf8(w).ok()?.parse::<u64>().ok());
                match (num, words.next().map(|w| w.trim_ascii())) {
                    (Some(_), Some(b"FETCH")) => a.fetches += 1,
                    (Some(n), Some(b"EXISTS")) => a.exists = Some(n),
                    _ => {}
                }
            }
        }
    }
}

/// Creates `mailbox` and fills it with `n` tiny messages (pipelined, LITERAL+); returns the
/// logged-in connection.
async fn fill(cfg: &Config, mailbox: &str, n: usize) -> Result<Raw, String> {
    let mut raw = Raw::login(cfg).await?;
    raw.command(&format!("CREATE \"{mailbox}\"")).await?;
    let t = Instant::now();
    let Raw { r, w, line, .. } = &mut raw;
    let writer = async {
        let mut buf = Vec::with_capacity(BATCH * (TINY.len() + 64));
        let mut k = 0;
        while k < n {
            buf.clear();
            for _ in 0..BATCH.min(n - k) {
                k += 1;
                buf.extend_from_slice(format!("f{k} APPEND \"{mailbox}\" {{{}+}}\r\n", TINY.len()).as_bytes());
                buf.extend_from_slice(TINY);
                buf.extend_from_slice(b"\r\n");
            }
            w.write_all(&buf).await.map_err(|e| format!("fill: {e}"))?;
        }
        Ok::<(), String>(())
    };
    let reader = async {
        let mut done = 0;
        while done < n {
            line.clear();
            let got = r.read_until(b'\n', line).await.map_err(|e| format!("fill: {e}"))?;
            check!(got > 0, "fill: connection closed after {done} APPENDs");
            if line.starts_with(b"f") {
                let ok = line.split(|b| *b == b' ').nth(1) == Some(b"OK");
                check!(ok, "fill: {}", String::from_utf8_lossy(line).trim_end());
                done += 1;
            }
        }
        Ok::<(), String>(())
    };
    let (wr, rd) = tokio::join!(writer, reader);
    wr?;
    rd?;
    let secs = t.elapsed().as_secs_f64();
    println!("fill: {n} messages APPENDed to {mailbox} in {secs:.1} s ({:.0}/s)", n as f64 / secs);
    Ok(raw)
}

/// The server's VmRSS; an error without `--server-pid`.
fn server_rss(cfg: &Config) -> Result<f64, String> {
    check!(cfg.server_pid.is_some(), "--fetch-rss needs --server-pid");
    Ok(rss_mib(cfg.server_pid))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

/// `--stall`: fills a mailbox, then one client loops whole-mailbox `STORE 1:*
/// +FLAGS.SILENT (\Flagged)` / `-FLAGS.SILENT` for `--seconds` while `--clients` others,
/// each logged in on its own connection (no mailbox selected, so a NOOP has nothing to
/// report and its latency is the server's responsiveness alone), send a NOOP every 10 ms.
pub(crate) async fn run_stall(cfg: Arc<Config>) -> Result<usize, String> {
    let mailbox = format!("{}-big", cfg.prefix);
    let mut storer = fill(&cfg, &mailbox, cfg.messages).await?;
    let t = Instant::now();
    let sel = storer.command(&format!("SELECT \"{mailbox}\"")).await?;
    println!("SELECT of {:?} messages: {:.1} ms", sel.exists, ms(t.elapsed()));
    check!(sel.exists == Some(cfg.messages as u64), "SELECT: EXISTS {:?}, expected {}", sel.exists, cfg.messages);
    let stop = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(cfg.clients + 1));
    let mut nooper = Vec::new();
    for _ in 0..cfg.clients {
        let mut c = Raw::login(&cfg).await?;
        let (stop, start) = (stop.clone(), start.clone());
        nooper.push(tokio::spawn(async move {
            start.wait().await;
            let mut lat = Vec::new();
            let mut due = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                tokio::time::sleep_until(due.into()).await;
                c.command("NOOP").await?;
                lat.push(micros(due.elapsed()));
                due += NOOP_EVERY;
            }
            let _ = c.command("LOGOUT").await;
            Ok::<_, String>(lat)
        }));
    }
    println!("{} NOOP clients logged in; server {:.1} MiB", cfg.clients, rss_mib(cfg.server_pid));
    start.wait().await;
    let t0 = Instant::now();
    let mut stores = Vec::new();
    let mut add = true;
    while t0.elapsed() < Duration::from_secs(cfg.seconds) {
        let t = Instant::now();
        let sign = if add { '+' } else { '-' };
        storer.command(&format!("STORE 1:* {sign}FLAGS.SILENT (\\Flagged)")).await?;
        stores.push(micros(t.elapsed()));
        add = !add;
    }
    stop.store(true, Ordering::Relaxed);
    let mut lat = Vec::new();
    for h in nooper {
        lat.extend(h.await.map_err(|_| "a NOOP task panicked".to_string())??);
    }
    let _ = storer.command("LOGOUT").await;
    lat.sort_unstable();
    let mut sorted = stores.clone();
    sorted.sort_unstable();
    let p99 = percentile(&lat, 99.0);
    let each: Vec<String> = stores.iter().take(40).map(|us| format!("{:.0}", f64::from(*us) / 1000.0)).collect();
    let more = if stores.len() > 40 { " ..." } else { "" };
    println!("STORE 1:* durations (ms, in order): {}{more}", each.join(" "));
    println!(
        "summary: mode=stall addr={} messages={} clients={} seconds={:.1} stores={} store_p50_ms={:.1} \
         store_max_ms={:.1} noops={} noop_p50_ms={:.3} noop_p99_ms={p99:.3} noop_max_ms={:.3} server_rss_mib={:.1}",
        cfg.addr,
        cfg.messages,
        cfg.clients,
        t0.elapsed().as_secs_f64(),
        stores.len(),
        percentile(&sorted, 50.0),
        percentile(&sorted, 100.0),
        lat.len(),
        percentile(&lat, 50.0),
        percentile(&lat, 100.0),
        rss_mib(cfg.server_pid),
    );
    if let Some(max) = cfg.max_p99_ms.filter(|m| p99 > *m) {
        eprintln!("load: NOOP p99 {p99:.1} ms under whole-mailbox STORE, limit {max:.1} ms");
        return Ok(1);
    }
    Ok(0)
}

/// Samples the server's VmRSS every 10 ms on its own thread; `take_peak` returns the
/// highest since the last call.
struct Sampler {
    peak_kib: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Sampler {
    fn start(pid: Option<u32>) -> Sampler {
        let (peak_kib, stop) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicBool::new(false)));
        let (p, s) = (peak_kib.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                p.fetch_max((rss_mib(pid) * 1024.0) as u64, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        Sampler { peak_kib, stop, thread: Some(thread) }
    }

    /// The peak (MiB) since the last call, including now.
    fn take_peak(&self, pid: Option<u32>) -> f64 {
        let now = (rss_mib(pid) * 1024.0) as u64;
        self.peak_kib.swap(now, Ordering::Relaxed).max(now) as f64 / 1024.0
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `--fetch-rss`: fills a mailbox, then SELECTs it, `FETCH 1:* (FLAGS)` and `UID SEARCH
/// ALL` on one connection while a thread samples the server's VmRSS every 10 ms; the growth
/// is the peak during these commands over the VmRSS after the fill.
pub(crate) async fn run_fetch_rss(cfg: Arc<Config>) -> Result<usize, String> {
    server_rss(&cfg)?;
    let n = cfg.messages;
    let mailbox = format!("{}-big", cfg.prefix);
    let mut c = fill(&cfg, &mailbox, n).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = server_rss(&cfg)?;
    let sampler = Sampler::start(cfg.server_pid);
    sampler.take_peak(cfg.server_pid);
    let mut peaks = Vec::new();
    let mut times = Vec::new();
    for (name, cmd) in [
        ("SELECT", format!("SELECT \"{mailbox}\"")),
        ("FETCH 1:* (FLAGS)", "FETCH 1:* (FLAGS)".to_string()),
        ("UID SEARCH ALL", "UID SEARCH ALL".to_string()),
    ] {
        let t = Instant::now();
        let a = c.command(&cmd).await?;
        let d = t.elapsed();
        tokio::time::sleep(Duration::from_millis(20)).await;
        let peak = sampler.take_peak(cfg.server_pid);
        match name {
            "SELECT" => check!(a.exists == Some(n as u64), "SELECT: EXISTS {:?}, expected {n}", a.exists),
            "UID SEARCH ALL" => check!(a.searched == n, "UID SEARCH ALL: {} UIDs, expected {n}", a.searched),
            _ => check!(a.fetches == n, "FETCH 1:*: {} FETCH responses, expected {n}", a.fetches),
        }
        println!("{name}: {:.1} ms; server VmRSS peak {peak:.1} MiB (+{:.1} MiB)", ms(d), peak - before);
        peaks.push(peak);
        times.push(d);
    }
    drop(sampler);
    let after = server_rss(&cfg)?;
    let _ = c.command("LOGOUT").await;
    let growth = peaks.iter().copied().fold(before, f64::max) - before;
    println!(
        "summary: mode=fetch-rss addr={} messages={n} rss_before_mib={before:.1} select_ms={:.1} fetch_ms={:.1} \
         uid_search_ms={:.1} peak_select_mib={:.1} peak_fetch_mib={:.1} peak_search_mib={:.1} rss_after_mib={after:.1} \
         growth_mib={growth:.1}",
        cfg.addr,
        ms(times[0]),
        ms(times[1]),
        ms(times[2]),
        peaks[0],
        peaks[1],
        peaks[2],
    );
    if let Some(max) = cfg.max_rss_growth_mib.filter(|m| growth > *m) {
        eprintln!("load: server VmRSS grew {growth:.1} MiB during SELECT/FETCH/UID SEARCH, limit {max:.1} MiB");
        return Ok(1);
    }
    Ok(0)
}

//! Idle mode: N raw connections in IDLE on one mailbox, one appender (see `main.rs`),
//! plain or compressed (`--compress`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use imap_machine::compress::{Deflater, Inflater};
use imap_machine_tokio::Client;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, RwLock};

use crate::{message, percentile, Config};

/// One raw connection, plain or, after COMPRESS, deflated both ways.
struct Conn {
    r: BufReader<TcpStream>,
    /// The compression state and the inflated text not yet read as lines.
    z: Option<(Deflater, Inflater, BytesMut)>,
}

impl Conn {
    async fn read_line(&mut self, line: &mut String) -> Result<usize, String> {
        let Some((_, inflater, plain)) = self.z.as_mut() else {
            return self.r.read_line(line).await.map_err(|e| e.to_string());
        };
        loop {
            if let Some(at) = plain.iter().position(|b| *b == b'\n') {
                let l = plain.split_to(at + 1);
                line.push_str(&String::from_utf8_lossy(&l));
                return Ok(l.len());
            }
            let mut buf = [0u8; 1024];
            let n = self.r.read(&mut buf).await.map_err(|e| e.to_string())?;
            if n == 0 {
                return Ok(0);
            }
            inflater.feed(&buf[..n]);
            while inflater.read(plain, 64 * 1024).map_err(|e| e.to_string())? > 0 {}
            // Quiet in IDLE: keep only the window's text, as the server does.
            inflater.idle();
        }
    }

    async fn send(&mut self, line: &str) -> Result<(), String> {
        let w = self.r.get_mut();
        match self.z.as_mut() {
            None => w.write_all(line.as_bytes()).await,
            Some((deflater, _, _)) => {
                let mut wire = BytesMut::new();
                deflater.write_batch(line.as_bytes(), &mut wire);
                deflater.idle(&mut wire);
                w.write_all(&wire).await
            }
        }
        .map_err(|e| e.to_string())
    }

    /// Reads lines until the one tagged `tag`; `Ok(EXISTS)` (the last seen) if it is OK.
    async fn until_tagged(&mut self, tag: &str) -> Result<Option<u32>, String> {
        let mut exists = None;
        let mut line = String::new();
        loop {
            line.clear();
            if self.read_line(&mut line).await? == 0 {
                return Err("connection closed".into());
            }
            if let Some(rest) = line.strip_prefix(&format!("{tag} ")) {
                return if rest.starts_with("OK") { Ok(exists) } else { Err(line.trim_end().to_string()) };
            }
            exists = exists_of(&line).or(exists);
        }
    }
}

fn exists_of(line: &str) -> Option<u32> {
    line.strip_prefix("* ")?.trim_end().strip_suffix(" EXISTS")?.parse().ok()
}

/// One raw IDLE connection, up to its `+`: the connection and the EXISTS count.
async fn idle_setup(cfg: &Config, mailbox: &str) -> Result<(Conn, u32), String> {
    let s = TcpStream::connect(&cfg.addr).await.map_err(|e| format!("connect: {e}"))?;
    let mut c = Conn { r: BufReader::with_capacity(512, s), z: None };
    let mut greeting = String::new();
    c.read_line(&mut greeting).await?;
    check!(greeting.starts_with("* OK"), "greeting: {}", greeting.trim_end());
    c.send(&format!("a LOGIN \"{}\" \"{}\"\r\n", cfg.user, cfg.pass)).await?;
    c.until_tagged("a").await?;
    if cfg.compress {
        c.send("z COMPRESS DEFLATE\r\n").await?;
        // The OK is the last plain line; the server sends nothing after it unasked.
        let mut ok = String::new();
        c.read_line(&mut ok).await?;
        check!(ok.starts_with("z OK"), "COMPRESS: {}", ok.trim_end());
        c.z = Some((Deflater::new(), Inflater::new(), BytesMut::new()));
    }
    c.send(&format!("b SELECT \"{mailbox}\"\r\n")).await?;
    let exists = c.until_tagged("b").await?.ok_or("SELECT without EXISTS")?;
    c.send("c IDLE\r\n").await?;
    let mut line = String::new();
    while !line.starts_with('+') {
        line.clear();
        check!(c.read_line(&mut line).await? > 0, "closed before IDLE's +");
    }
    Ok((c, exists))
}

/// One idler: reports `Ok(exists)` once idling (or why not), then the arrival time of each
/// round's EXISTS; stays connected until `hold` is released.
async fn idler(
    cfg: Arc<Config>,
    mailbox: Arc<str>,
    ready: mpsc::UnboundedSender<Result<u32, String>>,
    seen: mpsc::UnboundedSender<Instant>,
    hold: Arc<RwLock<()>>,
) {
    let (mut c, exists) = match idle_setup(&cfg, &mailbox).await {
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
            match c.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) if exists_of(&line) == Some(exists + round) => break,
                Ok(_) => {}
            }
        }
        let _ = seen.send(Instant::now());
    }
    drop(hold.read().await);
    let _ = c.send("DONE\r\nd LOGOUT\r\n").await;
    let _ = c.until_tagged("c").await;
}

/// The server's VmRSS in MiB (0 without a PID).
pub(crate) fn rss_mib(pid: Option<u32>) -> f64 {
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

pub(crate) async fn run_idle(cfg: Arc<Config>) -> Result<usize, String> {
    let mailbox: Arc<str> = format!("{}-idle", cfg.prefix).into();
    let appender = Client::connect(&cfg.addr).await.map_err(|e| format!("connect: {e}"))?;
    appender.login(&cfg.user, &cfg.pass).await.map_err(|e| format!("LOGIN: {e}"))?;
    appender.create(&*mailbox).await.map_err(|e| format!("CREATE: {e}"))?;
    println!("before idlers: server {}", rss(cfg.server_pid));
    let hold = Arc::new(RwLock::new(()));
    let held_open = hold.clone().write_owned().await;
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel();
    let (seen_tx, mut seen_rx) = mpsc::unbounded_channel();
    let (mut held, mut refused, mut first_error) = (0usize, 0usize, None);
    let t_ramp = Instant::now();
    // Ramp in batches of 100, each batch idling before the next starts.
    let mut left = cfg.idle;
    while left > 0 {
        let batch = left.min(100);
        left -= batch;
        for _ in 0..batch {
            let (cfg, mailbox, hold) = (cfg.clone(), mailbox.clone(), hold.clone());
            tokio::spawn(idler(cfg, mailbox, ready_tx.clone(), seen_tx.clone(), hold));
        }
        for _ in 0..batch {
            match tokio::time::timeout(Duration::from_secs(60), ready_rx.recv()).await {
                Ok(Some(Ok(0))) => held += 1,
                Ok(Some(Ok(n))) => return Err(format!("idler saw {n} messages in a new mailbox")),
                Ok(Some(Err(e))) => {
                    refused += 1;
                    first_error.get_or_insert(e);
                }
                Ok(None) | Err(_) => return Err("an idler did not get ready in 60 s".into()),
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
        tokio::time::sleep(Duration::from_millis(500)).await;
        let t0 = Instant::now();
        let msg = message(usize::MAX, round as u64);
        appender.append(&*mailbox, &[], None, msg).await.map_err(|e| format!("APPEND: {e}"))?;
        let mut worst = 0u32;
        for k in 0..held {
            match tokio::time::timeout(Duration::from_secs(30), seen_rx.recv()).await {
                Ok(Some(t)) => {
                    let us = u32::try_from(t.saturating_duration_since(t0).as_micros()).unwrap_or(u32::MAX);
                    worst = worst.max(us);
                    lat.push(us);
                }
                _ => {
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
    let p99 = percentile(&lat, 99.0);
    println!(
        "summary: addr={} idlers={held} refused={refused} rounds={} delivery_p50_ms={:.1} delivery_p99_ms={p99:.1} \
         delivery_max_ms={:.1} all_reached_max_ms={:.1} missing={missing} server_peak_rss_mib={peak_rss:.1}",
        cfg.addr,
        cfg.rounds,
        percentile(&lat, 50.0),
        percentile(&lat, 100.0),
        percentile(&all_reached, 100.0),
    );
    let _ = appender.logout().await;
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
        if cfg.max_p99_ms.is_some_and(|m| p99 > m) {
            eprintln!("load: delivery p99 {p99:.1} ms, limit {:.1} ms", cfg.max_p99_ms.unwrap_or(0.0));
            failures += 1;
        }
    }
    Ok(failures)
}

//! `imapm serve`'s logs and metrics: the `tracing` events of `imap-machine-tokio` and of
//! `imapm` itself written by `tracing-subscriber` as text or JSON lines on standard error,
//! and the `metrics` of `imap-machine-tokio` served in the Prometheus text format on
//! `--metrics ADDR` (`GET /metrics`). The names are listed in `docs/running.md`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// How log lines are written (`--log-format`).
#[derive(clap::ValueEnum, serde::Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum LogFormat {
    /// One line of text per event: time, level, target, message and fields.
    #[default]
    Text,
    /// One JSON object per line (`timestamp`, `level`, `target`, `fields`, `span`), for a
    /// log collector.
    Json,
}

/// The most detailed level written (`--log-level`).
#[derive(clap::ValueEnum, serde::Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum LogLevel {
    /// Errors only.
    Error,
    /// And warnings.
    Warn,
    /// And connections, logins, reloads (the default).
    #[default]
    Info,
    /// And every command with its status and duration, and TLS handshakes.
    Debug,
    /// Everything.
    Trace,
}

impl From<LogLevel> for LevelFilter {
    fn from(l: LogLevel) -> LevelFilter {
        match l {
            LogLevel::Error => LevelFilter::ERROR,
            LogLevel::Warn => LevelFilter::WARN,
            LogLevel::Info => LevelFilter::INFO,
            LogLevel::Debug => LevelFilter::DEBUG,
            LogLevel::Trace => LevelFilter::TRACE,
        }
    }
}

/// Installs the log writer: `level` everywhere, but with `quiet` no connection, login or
/// command lines below WARN.
pub(crate) fn init_logging(format: LogFormat, level: LogLevel, quiet: bool) {
    let level = LevelFilter::from(level);
    let mut filter = Targets::new().with_default(level);
    if quiet {
        // Not a bare `imap`: a target filter is a prefix, and `imapm` starts with it.
        for target in ["imap::connection", "imap::auth", "imap::command"] {
            filter = filter.with_target(target, level.min(LevelFilter::WARN));
        }
    }
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(ansi);
    // A second server in one process (tests) keeps the first writer.
    let _ = match format {
        LogFormat::Text => tracing_subscriber::registry().with(fmt.with_filter(filter)).try_init(),
        LogFormat::Json => {
            tracing_subscriber::registry().with(fmt.json().with_current_span(true).with_filter(filter)).try_init()
        }
    };
}

/// Installs the metrics recorder and serves it on `addr`; the address it listens on.
pub(crate) fn serve_metrics(addr: &str) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    let handle =
        PrometheusBuilder::new().install_recorder().map_err(|e| std::io::Error::other(format!("--metrics: {e}")))?;
    std::thread::Builder::new().name("imapm-metrics".into()).spawn(move || {
        for stream in listener.incoming().flatten() {
            // A scrape is small; a client that stalls is dropped after the timeouts.
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
            let _ = answer(stream, &handle);
        }
    })?;
    Ok(local)
}

/// Longest request head read.
const MAX_REQUEST: usize = 8 * 1024;

/// Answers one HTTP/1.x request: `GET /metrics` is the exposition, anything else 404 (or
/// 405 for a method other than GET), then the connection closes.
fn answer(mut stream: TcpStream, handle: &PrometheusHandle) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(512);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && !head.windows(2).any(|w| w == b"\n\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 || head.len() + n > MAX_REQUEST {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = head.split(|b| *b == b'\n').next().unwrap_or_default();
    let mut words = line.split(|b| *b == b' ');
    let (method, path) = (words.next().unwrap_or_default(), words.next().unwrap_or_default());
    let path = path.split(|b| *b == b'?').next().unwrap_or_default();
    let (status, kind, body) = match (method, path) {
        (b"GET", b"/metrics") => {
            handle.run_upkeep();
            ("200 OK", "text/plain; version=0.0.4; charset=utf-8", handle.render())
        }
        (b"GET", _) => ("404 Not Found", "text/plain", "not found: try /metrics\n".to_string()),
        _ => ("405 Method Not Allowed", "text/plain", "GET only\n".to_string()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    stream.flush()
}

//! `imapm serve`: a demo IMAP server on the in-memory backend, on the tokio server of
//! `imap-machine-tokio` (one task per connection on a multi-threaded runtime).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use imap_machine::store::memory::MemoryBackend;
use imap_machine_tokio::{tls, DebugTap, Server};
use tokio::net::TcpListener;

/// Default of `--max-connections`: enough for 10,000 idling clients and then some.
const DEFAULT_MAX_CONNECTIONS: usize = 16_384;

/// Options of `imapm serve`.
#[derive(Debug)]
pub(crate) struct ServeOptions {
    listen: String,
    tls_listen: Option<String>,
    users: Vec<(String, String)>,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    insecure: bool,
    debug: bool,
    quiet: bool,
    max_connections: usize,
    threads: Option<usize>,
}

pub(crate) const USAGE: &str = "imapm serve [--listen ADDR] [--user NAME:PASS]... \
[--tls-cert PEM --tls-key PEM [--tls-listen ADDR]] [--allow-insecure-auth] [--max-connections N (16384)] \
[--threads N (one per core)] [--quiet] [--debug]";

pub(crate) fn parse(args: &[String]) -> Result<ServeOptions, String> {
    let mut o = ServeOptions {
        listen: "127.0.0.1:1143".into(),
        tls_listen: None,
        users: Vec::new(),
        cert: None,
        key: None,
        insecure: false,
        debug: false,
        quiet: false,
        max_connections: DEFAULT_MAX_CONNECTIONS,
        threads: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || it.next().cloned().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--listen" => o.listen = value()?,
            "--tls-listen" => o.tls_listen = Some(value()?),
            "--tls-cert" => o.cert = Some(value()?.into()),
            "--tls-key" => o.key = Some(value()?.into()),
            "--allow-insecure-auth" => o.insecure = true,
            "--debug" => o.debug = true,
            "--quiet" => o.quiet = true,
            "--max-connections" => o.max_connections = number(a, &value()?)?,
            "--threads" => o.threads = Some(number(a, &value()?)?),
            "--user" => {
                let v = value()?;
                let (n, p) = v.split_once(':').ok_or("--user takes NAME:PASS")?;
                o.users.push((n.into(), p.into()));
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if o.cert.is_some() != o.key.is_some() {
        return Err("--tls-cert and --tls-key go together".into());
    }
    Ok(o)
}

fn number(option: &str, v: &str) -> Result<usize, String> {
    match v.parse() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{option} takes a positive number, not {v:?}")),
    }
}

/// Raises the limit on open files so that `--max-connections`, not the usual default of
/// 1,024 descriptors, is what bounds the server: the hard limit too if it is below what the
/// connections need and we may (as root), then the soft limit to the hard one. Returns the
/// limit in force.
fn raise_fd_limit(max_connections: usize) -> Option<u64> {
    let want = max_connections as u64 + 256;
    if rlimit::Resource::NOFILE.get().is_ok_and(|(_, hard)| hard < want) {
        let _ = rlimit::Resource::NOFILE.set(want, want);
    }
    rlimit::increase_nofile_limit(u64::MAX).ok()
}

pub(crate) fn run(o: ServeOptions) -> std::io::Result<()> {
    let fds = raise_fd_limit(o.max_connections);
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = o.threads {
        rt.worker_threads(n);
    }
    rt.enable_all().build()?.block_on(serve(o, fds))
}

async fn serve(o: ServeOptions, fds: Option<u64>) -> std::io::Result<()> {
    let backend = MemoryBackend::with_demo_data();
    for (n, p) in &o.users {
        backend.add_user(n, p);
    }
    let backend = Arc::new(backend);
    let tls = match (&o.cert, &o.key) {
        (Some(c), Some(k)) => Some(tls::server_config_from_pem_files(c, k).map_err(std::io::Error::other)?),
        _ => None,
    };
    // Without TLS this is a loopback demo: allow plaintext LOGIN so any client works.
    let insecure = o.insecure || tls.is_none();
    let mut server =
        Server::new(backend).allow_insecure_auth(insecure).max_connections(o.max_connections).log_connections(!o.quiet);
    if o.debug {
        server = server.debug_tap(DebugTap::stderr());
    }
    if let Some(tls) = tls.clone() {
        server = server.tls(tls);
    }
    if let (Some(addr), Some(_)) = (&o.tls_listen, &tls) {
        let listener = TcpListener::bind(addr).await?;
        eprintln!("imapm: IMAPS (implicit TLS) on {}", listener.local_addr()?);
        let s = server.clone();
        tokio::spawn(async move { s.serve_tls(listener).await });
    }
    let listener = TcpListener::bind(&o.listen).await?;
    let starttls = if tls.is_some() { ", STARTTLS" } else { "" };
    eprintln!(
        "imapm: IMAP on {}{starttls}; in-memory store; user `username`, password `password`{}; \
         at most {} connections (open files limit {}); Ctrl-C stops",
        listener.local_addr()?,
        o.users.iter().map(|(n, _)| format!(", user `{n}`")).collect::<String>(),
        o.max_connections,
        fds.map_or("unknown".into(), |n| n.to_string()),
    );
    let stop = server.shutdown_handle();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = writeln!(std::io::stderr(), "imapm: shutting down");
            stop.shutdown();
        }
    });
    server.serve(listener).await
}

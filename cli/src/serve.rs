//! `imapm serve`: a demo IMAP server on the in-memory backend.

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

use imap_machine::store::memory::MemoryBackend;
use imap_machine_blocking::{load_server_config, Server, Tap};

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
}

pub(crate) const USAGE: &str = "imapm serve [--listen ADDR] [--user NAME:PASS]... [--tls-cert PEM --tls-key PEM [--tls-listen ADDR]] [--allow-insecure-auth] [--debug]";

pub(crate) fn parse(args: &[String]) -> Result<ServeOptions, String> {
    let mut o = ServeOptions {
        listen: "127.0.0.1:1143".into(),
        tls_listen: None,
        users: Vec::new(),
        cert: None,
        key: None,
        insecure: false,
        debug: false,
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

pub(crate) fn run(o: ServeOptions) -> std::io::Result<()> {
    let backend = MemoryBackend::with_demo_data();
    for (n, p) in &o.users {
        backend.add_user(n, p);
    }
    let backend = Arc::new(backend);
    let tls = match (&o.cert, &o.key) {
        (Some(c), Some(k)) => Some(load_server_config(c, k)?),
        _ => None,
    };
    // Without TLS this is a loopback demo: allow plaintext LOGIN so any client works.
    let insecure = o.insecure || tls.is_none();
    let mut server = Server::new(backend).allow_insecure_auth(insecure).log_connections(true);
    if o.debug {
        server = server.tap(Tap::new(std::io::stderr()));
    }
    if let Some(tls) = tls.clone() {
        server = server.tls(tls);
    }
    if let (Some(addr), Some(_)) = (&o.tls_listen, &tls) {
        let listener = TcpListener::bind(addr)?;
        eprintln!("imapm: IMAPS (implicit TLS) on {}", listener.local_addr()?);
        let s = server.clone();
        std::thread::spawn(move || s.serve_tls(listener));
    }
    let listener = TcpListener::bind(&o.listen)?;
    let starttls = if tls.is_some() { ", STARTTLS" } else { "" };
    eprintln!(
        "imapm: IMAP on {}{starttls}; in-memory store; user `username`, password `password`{}",
        listener.local_addr()?,
        o.users.iter().map(|(n, _)| format!(", user `{n}`")).collect::<String>()
    );
    server.serve(listener)
}

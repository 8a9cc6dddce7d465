//! `imapm serve`: a demo IMAP server on the in-memory backend, on the tokio server of
//! `imap-machine-tokio`: one task per connection, on one single-threaded runtime per
//! thread (one thread per core by default), each accepting on its own SO_REUSEPORT
//! listener.

use std::sync::{Arc, RwLock};

use imap_machine::store::memory::MemoryBackend;
use imap_machine::store::Backend;
use imap_machine::types::Capability;
use imap_machine_maildir::MaildirBackend;
use imap_machine_postgres::PostgresBackend;
use imap_machine_tokio::{tls, DebugTap, Server};
use tokio::net::TcpListener;

use crate::config::{without_password, Check, Settings as ServeOptions, Store};

impl Store {
    fn describe(&self) -> String {
        match self {
            Store::Memory => "in-memory store".into(),
            Store::Maildir(p) => format!("Maildir store in {}", p.display()),
            Store::Postgres(url) if url.is_empty() => "PostgreSQL store (PG* environment)".into(),
            Store::Postgres(url) => format!("PostgreSQL store at {}", without_password(url)),
        }
    }
}

/// The users of a passwd-file, with a warning for those kept in the clear; an error names
/// the file and the line, never a hash.
fn load_users(path: &std::path::Path) -> std::io::Result<crate::passwd::Users> {
    let text = std::fs::read_to_string(path).map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?;
    let users =
        crate::passwd::Users::parse(&text).map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?;
    let mut plain: Vec<&str> = users.plain().collect();
    if !plain.is_empty() {
        plain.sort_unstable();
        tracing::warn!(
            target: "imapm",
            "{}: {} user(s) with a {{PLAIN}} password, readable by anyone who can read the file: {}",
            path.display(),
            plain.len(),
            plain.join(", ")
        );
    }
    Ok(users)
}

/// A password no client can give: the store's copy for users whose password a passwd-file
/// checks.
fn unusable_password() -> String {
    let salt = argon2::password_hash::generate_salt();
    salt.iter().map(|b| format!("{b:02x}")).collect::<String>() + "\u{0}"
}

/// The check of `--users-file`: the file's users by their hashes; `--user`'s and the
/// demo user's by their passwords, as without the file.
fn authenticator(file: Arc<RwLock<crate::passwd::Users>>, o: &ServeOptions) -> imap_machine::store::Authenticator {
    let mut others: std::collections::HashMap<String, String> = o.users.iter().cloned().collect();
    if o.store == Store::Memory {
        others.entry("username".into()).or_insert_with(|| "password".into());
    }
    Arc::new(move |name: &str, password: &[u8]| {
        // The entry is cloned out, so that a slow hash never holds the lock a reload takes.
        let hashed = file.read().unwrap_or_else(|p| p.into_inner()).get(name).cloned();
        match hashed {
            Some(hashed) => hashed.verify(password),
            None => others.get(name).is_some_and(|p| p.as_bytes() == password),
        }
    })
}

/// What SIGHUP reloads: the certificate and key, and the users file.
#[derive(Default)]
struct Reload {
    cert: Option<(Arc<tls::ReloadableCert>, std::path::PathBuf, std::path::PathBuf)>,
    users: Option<(Arc<RwLock<crate::passwd::Users>>, std::path::PathBuf)>,
}

impl Reload {
    /// Reads the files again; a file that fails keeps what was in use, and the log says
    /// why. Connections stay open.
    fn reload(&self) {
        if let Some((cert, cert_path, key_path)) = &self.cert {
            match cert.reload(cert_path, key_path) {
                Ok(()) => tracing::info!(target: "imapm", "SIGHUP: certificate {} reloaded", cert_path.display()),
                Err(e) => tracing::error!(
                    target: "imapm",
                    "SIGHUP: keeping the certificate in use: {}: {e}",
                    cert_path.display()
                ),
            }
        }
        if let Some((users, path)) = &self.users {
            match load_users(path) {
                Ok(new) => {
                    *users.write().unwrap_or_else(|p| p.into_inner()) = new;
                    tracing::info!(target: "imapm", "SIGHUP: users file {} reloaded", path.display());
                }
                Err(e) => tracing::error!(target: "imapm", "SIGHUP: keeping the users in use: {e}"),
            }
        }
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

pub(crate) fn run(mut o: ServeOptions) -> std::io::Result<()> {
    crate::observe::init_logging(o.log_format, o.log_level, o.quiet);
    let users_file = o.users_file.as_deref().map(load_users).transpose()?;
    if let Some(file) = &users_file {
        // The file's users join the store with a password nobody knows: the file decides.
        for name in file.names() {
            if !o.users.iter().any(|(n, _)| n == name) {
                o.users.push((name.to_string(), unusable_password()));
            }
        }
    }
    o.live_users = users_file.map(|file| Arc::new(RwLock::new(file)));
    o.authenticator = o.live_users.clone().map(|file| Check(authenticator(file, &o)));
    match o.store.clone() {
        Store::Memory => {
            let mut backend = MemoryBackend::with_demo_data().with_clock(imap_machine_tokio::system_clock());
            if let Some(limit) = o.max_append {
                backend = backend.with_append_limit(limit);
            }
            for (n, p) in &o.users {
                backend.add_user(n, p);
            }
            for (n, limits) in &o.quotas {
                backend.set_quota(n, *limits);
            }
            for n in &o.submitters {
                backend.set_url_submitter(n);
            }
            run_with(o, backend)
        }
        Store::Maildir(path) => {
            std::fs::create_dir_all(&path)?;
            let mut backend = MaildirBackend::new(path);
            if let Some(limit) = o.max_append {
                backend = backend.with_append_limit(limit);
            }
            let users: Vec<_> = if o.users.is_empty() {
                vec![("username".to_string(), "password".to_string())]
            } else {
                o.users.clone()
            };
            for (n, p) in &users {
                backend.add_user(n, p).map_err(std::io::Error::other)?;
            }
            for (n, limits) in &o.quotas {
                backend.set_quota(n, *limits);
            }
            for n in &o.submitters {
                backend.set_url_submitter(n);
            }
            let backend = Arc::new(backend);
            // Mail other processes (Dovecot, mbsync, another imapm) change reaches
            // sessions in IDLE within a second.
            let weak = Arc::downgrade(&backend);
            std::thread::Builder::new().name("imapm-maildir-poll".into()).spawn(move || {
                while let Some(b) = weak.upgrade() {
                    b.poll();
                    drop(b);
                    std::thread::sleep(std::time::Duration::from_secs(1));
                }
            })?;
            run_shared(o, backend)
        }
        Store::Postgres(url) => run_postgres(o, &url),
    }
}

/// A PostgreSQL store: the users given (or the demo user), on many processes at once.
fn run_postgres(o: ServeOptions, url: &str) -> std::io::Result<()> {
    let mut backend = PostgresBackend::connect(url)
        .map_err(|e| std::io::Error::other(e.to_string()))?
        .with_log_retention(std::time::Duration::from_secs(o.log_retention_secs))
        .with_compaction_interval(
            Some(std::time::Duration::from_secs(o.compaction_interval_secs)).filter(|d| !d.is_zero()),
        );
    if let Some(limit) = o.max_append {
        backend = backend.with_append_limit(limit);
    }
    let users: Vec<_> =
        if o.users.is_empty() { vec![("username".to_string(), "password".to_string())] } else { o.users.clone() };
    for (n, p) in &users {
        backend.add_user(n, p).map_err(|e| std::io::Error::other(e.to_string()))?;
    }
    for (n, limits) in &o.quotas {
        backend.set_quota(n, *limits).map_err(|e| std::io::Error::other(e.to_string()))?;
    }
    for n in &o.submitters {
        backend.set_url_submitter(n);
    }
    run_with(o, backend)
}

fn run_with<B: Backend>(o: ServeOptions, backend: B) -> std::io::Result<()> {
    run_shared(o, Arc::new(backend))
}

fn run_shared<B: Backend>(o: ServeOptions, backend: Arc<B>) -> std::io::Result<()> {
    let fds = raise_fd_limit(o.max_connections);
    let threads = o.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let listeners = listeners(&o.listen, threads)?;
    if let Some(addr) = &o.metrics {
        let at = crate::observe::serve_metrics(addr)?;
        tracing::info!(target: "imapm", "metrics on http://{at}/metrics");
    }
    // The last reference to the store is dropped here, after every runtime is gone: a
    // store's drop may block (the PostgreSQL driver runs its own runtime to close), which
    // must never happen inside a runtime.
    let keep = backend.clone();
    let (server, cert) = server(&o, backend)?;
    let reload = Reload {
        cert: cert.zip(o.cert.clone()).zip(o.key.clone()).map(|((c, cert), key)| (c, cert, key)),
        users: o.live_users.clone().zip(o.users_file.clone()),
    };
    let main = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    // One single-threaded runtime per thread, each accepting on its own listener (the
    // kernel spreads connections over them, SO_REUSEPORT): a connection stays on the thread
    // that accepted it, and nothing is handed between threads but store updates.
    let mut others = Vec::new();
    let mut listeners = listeners.into_iter();
    let first = listeners.next().ok_or_else(|| std::io::Error::other("no listener"))?;
    for (k, l) in listeners.enumerate() {
        let s = server.clone();
        let t = std::thread::Builder::new().name(format!("imapm-{}", k + 1)).spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            rt.block_on(async move { s.serve(TcpListener::from_std(l)?).await })
        })?;
        others.push(t);
    }
    let result = main.block_on(serve(&o, server, first, threads, fds, reload));
    for t in others {
        t.join().map_err(|_| std::io::Error::other("a server thread panicked"))??;
    }
    drop(main);
    drop(keep);
    result
}

/// `n` listening sockets on `addr`, all with SO_REUSEPORT; with port 0, the port the first
/// one got.
fn listeners(addr: &str, n: usize) -> std::io::Result<Vec<std::net::TcpListener>> {
    use std::net::ToSocketAddrs;
    let mut addr = addr.to_socket_addrs()?.next().ok_or_else(|| std::io::Error::other("no address to listen on"))?;
    // Registering a listener needs a runtime; each is handed over as a std listener.
    let rt = tokio::runtime::Builder::new_current_thread().enable_io().build()?;
    let _guard = rt.enter();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n.max(1) {
        let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
        socket.set_reuseaddr(true)?;
        socket.set_reuseport(true)?;
        socket.bind(addr)?;
        let listener = socket.listen(1024)?;
        addr = listener.local_addr()?;
        out.push(listener.into_std()?);
    }
    Ok(out)
}

/// The server every thread runs (clones share the connection limit and the shutdown).
fn server<B: Backend>(
    o: &ServeOptions,
    backend: Arc<B>,
) -> std::io::Result<(Server<B>, Option<Arc<tls::ReloadableCert>>)> {
    let cert = match (&o.cert, &o.key) {
        (Some(c), Some(k)) => Some(tls::ReloadableCert::from_pem_files(c, k).map_err(std::io::Error::other)?),
        _ => None,
    };
    let tls = cert.as_ref().map(|c| c.server_config().map_err(std::io::Error::other)).transpose()?;
    // Without TLS this is a loopback demo: allow plaintext LOGIN so any client works.
    let insecure = o.insecure || tls.is_none();
    let mut server = Server::new(backend).allow_insecure_auth(insecure).max_connections(o.max_connections);
    if o.debug {
        server = server.debug_tap(DebugTap::stderr());
    }
    if o.legacy_8bit {
        server.options_mut().extra_capabilities.retain(|c| *c != Capability::Utf8Accept);
    }
    if o.no_compress {
        server = server.compress(false);
    }
    if matches!(o.store, Store::Postgres(_)) {
        // A database call waits on the network: never on a connection's task.
        server = server.blocking_store(true);
    }
    if let Some(tls) = tls {
        server = server.tls(tls);
    }
    if let Some(check) = &o.authenticator {
        server = server.authenticator(check.0.clone());
    }
    server = server
        .auth_failure_delay(std::time::Duration::from_millis(o.auth_failure_delay_ms))
        .auth_brake(o.auth_max_failures, std::time::Duration::from_secs(o.auth_window_secs));
    Ok((server, cert))
}

/// The first thread: the banner, implicit TLS if asked, Ctrl-C, and its share of IMAP.
async fn serve<B: Backend>(
    o: &ServeOptions,
    server: Server<B>,
    listener: std::net::TcpListener,
    threads: usize,
    fds: Option<u64>,
    reload: Reload,
) -> std::io::Result<()> {
    let listener = TcpListener::from_std(listener)?;
    // SIGHUP: the certificate and the users file again, without dropping connections.
    let mut hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    let reload = Arc::new(reload);
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            // Reading files and parsing keys: off the runtime's thread.
            let r = reload.clone();
            let _ = tokio::task::spawn_blocking(move || r.reload()).await;
        }
    });
    let tls = o.cert.is_some();
    if let Some(addr) = o.tls_listen.as_ref().filter(|_| tls) {
        let listener = TcpListener::bind(addr).await?;
        tracing::info!(target: "imapm", "IMAPS (implicit TLS) on {}", listener.local_addr()?);
        let s = server.clone();
        tokio::spawn(async move { s.serve_tls(listener).await });
    }
    let starttls = if tls { ", STARTTLS" } else { "" };
    // The demo user exists on the memory store, and on Maildir when no --user is given.
    let demo = o.store == Store::Memory || o.users.is_empty();
    let mut users: Vec<String> = o.users.iter().map(|(n, _)| format!("user `{n}`")).collect();
    if demo {
        users.insert(0, "user `username`, password `password`".into());
    }
    tracing::info!(
        target: "imapm",
        "IMAP on {}{starttls}; {}; {}; \
         {threads} thread(s); at most {} connections (open files limit {}); Ctrl-C stops",
        listener.local_addr()?,
        o.store.describe(),
        users.join(", "),
        o.max_connections,
        fds.map_or("unknown".into(), |n| n.to_string()),
    );
    let stop = server.shutdown_handle();
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::spawn(async move {
        // Ctrl-C (SIGINT) or SIGTERM (systemd's stop): `* BYE` to every connection.
        tokio::select! {
            r = tokio::signal::ctrl_c() => if r.is_err() { return },
            _ = terminate.recv() => {}
        }
        tracing::info!(target: "imapm", "shutting down");
        stop.shutdown();
    });
    server.serve(listener).await
}

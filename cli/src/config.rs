//! `imapm serve`'s options: flags (clap) over a TOML file (`--config FILE`) over the
//! defaults. The file's keys are the flags' names without the dashes in front
//! (`max-connections = 100`, `tls-cert = "cert.pem"`, `user = ["alice:secret"]`); an unknown
//! key or a bad value stops the start with an error that names it.

use std::path::{Path, PathBuf};

use imap_machine::store::QuotaLimits;

use crate::observe::{LogFormat, LogLevel};

/// Default of `--max-connections`: enough for 10,000 idling clients and then some.
pub(crate) const DEFAULT_MAX_CONNECTIONS: usize = 16_384;

/// `imapm serve --help`'s text above the options.
pub(crate) const SERVE_HELP: &str = "A demo IMAP server on the in-memory store, with the demo user \
`username`, password `password`, or on Maildir or PostgreSQL. One thread per core, each with its \
own listener; Ctrl-C says `* BYE` to every connection and exits.\n\nEvery option can also be \
given in a TOML file (--config FILE) under its name without the dashes (`max-connections = 100`, \
`user = [\"alice:secret\"]`); a flag given too wins.";

/// The flags of `imapm serve`.
#[derive(clap::Args, Debug, Default)]
pub(crate) struct ServeArgs {
    /// Read options from this TOML file (keys are the options' names); flags win
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Where to listen [default: 127.0.0.1:1143]
    #[arg(long, value_name = "ADDR")]
    pub(crate) listen: Option<String>,
    /// Add a user (repeatable)
    #[arg(long = "user", value_name = "NAME:PASS", value_parser = user)]
    pub(crate) user: Vec<(String, String)>,
    /// Users in Dovecot's passwd-file format (`user:{SCHEME}hash:...`): ARGON2ID, ARGON2I,
    /// BLF-CRYPT, SHA512-CRYPT, SHA256-CRYPT (see `imapm pw`), or PLAIN with a warning;
    /// hashes are checked off the event loop
    #[arg(long, value_name = "FILE")]
    pub(crate) users_file: Option<PathBuf>,
    /// Certificate chain for STARTTLS (with --tls-key)
    #[arg(long, value_name = "PEM")]
    pub(crate) tls_cert: Option<PathBuf>,
    /// Private key for STARTTLS (with --tls-cert)
    #[arg(long, value_name = "PEM")]
    pub(crate) tls_key: Option<PathBuf>,
    /// Also listen for implicit TLS (IMAPS) on ADDR (needs --tls-cert)
    #[arg(long, value_name = "ADDR")]
    pub(crate) tls_listen: Option<String>,
    /// Allow LOGIN and AUTHENTICATE without TLS even when TLS is configured (without TLS
    /// they are always allowed)
    #[arg(long)]
    pub(crate) allow_insecure_auth: bool,
    /// At most N connections at once; the open files limit is raised to fit [default: 16384]
    #[arg(long, value_name = "N", value_parser = positive)]
    pub(crate) max_connections: Option<usize>,
    /// N server threads [default: one per core]
    #[arg(long, value_name = "N", value_parser = positive)]
    pub(crate) threads: Option<usize>,
    /// Where mail is kept: `memory` (with demo data, the default), `maildir:PATH`
    /// (Maildir++, user NAME's in PATH/NAME/, Dovecot-compatible), or
    /// `postgres://USER:PASS@HOST:PORT/DB` (`postgres:` reads the PG* environment; many
    /// imapm serve processes may share the database)
    #[arg(long, value_name = "STORE", value_parser = store)]
    pub(crate) store: Option<Store>,
    /// With PostgreSQL: how long the change log and expunged messages are kept before
    /// compaction reclaims them; a session further behind is ended with BYE
    /// [default: 86400]
    #[arg(long, value_name = "SECS")]
    pub(crate) log_retention: Option<u64>,
    /// With PostgreSQL: how often each process compacts every mailbox (one process at a
    /// time; 0: only after EXPUNGE and MOVE) [default: 3600]
    #[arg(long, value_name = "SECS")]
    pub(crate) compaction_interval: Option<u64>,
    /// The largest message APPEND takes, announced as APPENDLIMIT (1 to 4294967295);
    /// messages over 64 KiB are streamed to the store [default: 67108864]
    #[arg(long, value_name = "BYTES", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) max_append: Option<u32>,
    /// Do not advertise UTF8=ACCEPT, and so take messages with 8-bit header fields from
    /// clients that do not enable it, as Dovecot 2.3 does (for legacy clients)
    #[arg(long = "legacy-8bit")]
    pub(crate) legacy_8bit: bool,
    /// Do not offer COMPRESS=DEFLATE (RFC 4978)
    #[arg(long)]
    pub(crate) no_compress: bool,
    /// Limits of user NAME (RFC 9208 QUOTA; repeatable): KB of storage and a number of
    /// messages, either empty for no limit (`alice:1024:` is 1 MiB, any number)
    #[arg(long, value_name = "NAME:KB:MESSAGES", value_parser = quota)]
    pub(crate) quota: Vec<(String, QuotaLimits)>,
    /// User NAME is a submission server (RFC 4467 URLAUTH; repeatable): it may URLFETCH
    /// every `submit+USER` URL, as Dovecot's imap_urlauth_submit_user
    #[arg(long, value_name = "NAME")]
    pub(crate) submit_user: Vec<String>,
    /// A failed LOGIN or AUTHENTICATE is answered after MS milliseconds, as Dovecot's
    /// auth_failure_delay; other connections are not held up [default: 2000]
    #[arg(long, value_name = "MS")]
    pub(crate) auth_failure_delay: Option<u64>,
    /// More than N failed logins from one address within --auth-window and its logins are
    /// refused with `NO [UNAVAILABLE]` until the oldest is that old, as Dovecot's anvil
    /// [default: 10]
    #[arg(long, value_name = "N", value_parser = positive)]
    pub(crate) auth_max_failures: Option<usize>,
    /// The window of --auth-max-failures, in seconds [default: 300]
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) auth_window: Option<u64>,
    /// No connection, login or command log lines below WARN
    #[arg(long)]
    pub(crate) quiet: bool,
    /// Log lines as text or as JSON objects, one per line [default: text]
    #[arg(long, value_name = "FORMAT", value_enum)]
    pub(crate) log_format: Option<LogFormat>,
    /// The most detailed log level written: error, warn, info (connections, logins,
    /// reloads), debug (every command with its status and duration) or trace
    /// [default: info]
    #[arg(long, value_name = "LEVEL", value_enum)]
    pub(crate) log_level: Option<LogLevel>,
    /// Serve Prometheus metrics on ADDR (`GET /metrics`): connections, IDLE sessions,
    /// commands by name and status, auth failures, bytes, store latency
    #[arg(long, value_name = "ADDR")]
    pub(crate) metrics: Option<String>,
    /// Log both directions on stderr, credentials redacted
    #[arg(long)]
    pub(crate) debug: bool,
}

/// The TOML file of `--config`: the flags' names as keys.
#[derive(serde::Deserialize, Debug, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConfigFile {
    listen: Option<String>,
    #[serde(default)]
    user: Vec<String>,
    users_file: Option<PathBuf>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    tls_listen: Option<String>,
    allow_insecure_auth: Option<bool>,
    max_connections: Option<usize>,
    threads: Option<usize>,
    store: Option<String>,
    log_retention: Option<u64>,
    compaction_interval: Option<u64>,
    max_append: Option<u32>,
    #[serde(rename = "legacy-8bit")]
    legacy_8bit: Option<bool>,
    no_compress: Option<bool>,
    #[serde(default)]
    quota: Vec<String>,
    #[serde(default)]
    submit_user: Vec<String>,
    auth_failure_delay: Option<u64>,
    auth_max_failures: Option<usize>,
    auth_window: Option<u64>,
    quiet: Option<bool>,
    debug: Option<bool>,
    log_format: Option<LogFormat>,
    log_level: Option<LogLevel>,
    metrics: Option<String>,
}

/// Where mail is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Store {
    /// In memory, with the demo data (the default).
    Memory,
    /// Maildir++ under this directory, a user's at `PATH/<user>/`, created at first login.
    Maildir(PathBuf),
    /// PostgreSQL at this URL (empty: the `PG*` environment variables).
    Postgres(String),
}

/// What `imapm serve` runs with, flags over file over defaults.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) listen: String,
    pub(crate) tls_listen: Option<String>,
    pub(crate) users: Vec<(String, String)>,
    pub(crate) users_file: Option<PathBuf>,
    pub(crate) cert: Option<PathBuf>,
    pub(crate) key: Option<PathBuf>,
    pub(crate) insecure: bool,
    pub(crate) debug: bool,
    pub(crate) quiet: bool,
    pub(crate) log_format: LogFormat,
    pub(crate) log_level: LogLevel,
    pub(crate) metrics: Option<String>,
    pub(crate) max_connections: usize,
    pub(crate) threads: Option<usize>,
    pub(crate) store: Store,
    /// `--log-retention`, in seconds (PostgreSQL).
    pub(crate) log_retention_secs: u64,
    /// `--compaction-interval`, in seconds; 0: off (PostgreSQL).
    pub(crate) compaction_interval_secs: u64,
    pub(crate) max_append: Option<u32>,
    pub(crate) legacy_8bit: bool,
    pub(crate) no_compress: bool,
    pub(crate) quotas: Vec<(String, QuotaLimits)>,
    pub(crate) submitters: Vec<String>,
    pub(crate) auth_failure_delay_ms: u64,
    pub(crate) auth_max_failures: usize,
    pub(crate) auth_window_secs: u64,
    /// The password check of `--users-file` (set when the server starts).
    pub(crate) authenticator: Option<Check>,
    /// The users of `--users-file`, which SIGHUP reloads (set when the server starts).
    pub(crate) live_users: Option<std::sync::Arc<std::sync::RwLock<crate::passwd::Users>>>,
}

/// A password check (its Debug shows nothing of it).
#[derive(Clone)]
pub(crate) struct Check(pub(crate) imap_machine::store::Authenticator);

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Check")
    }
}

/// A problem with the options, at startup.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigError {
    /// The file can't be read.
    #[error("{0}: {1}")]
    Read(PathBuf, std::io::Error),
    /// The file isn't valid TOML, has an unknown key or a value of the wrong type (the
    /// message names the key and the line).
    #[error("{0}: {1}")]
    Toml(PathBuf, toml::de::Error),
    /// A key's value is not one the option takes.
    #[error("{0}: {1}: {2}")]
    Value(PathBuf, &'static str, String),
    /// Options that go together, or can't.
    #[error("{0}")]
    Conflict(&'static str),
}

impl ServeArgs {
    /// The settings: these flags, then the `--config` file's keys, then the defaults.
    pub(crate) fn settings(self) -> Result<Settings, ConfigError> {
        let file = match &self.config {
            Some(path) => read(path)?,
            None => ConfigFile::default(),
        };
        let path = self.config.clone().unwrap_or_default();
        let bad = |key: &'static str, e: String| ConfigError::Value(path.clone(), key, e);
        let users = if self.user.is_empty() {
            file.user.iter().map(|u| user(u).map_err(|e| bad("user", e))).collect::<Result<_, _>>()?
        } else {
            self.user
        };
        let quotas = if self.quota.is_empty() {
            file.quota.iter().map(|q| quota(q).map_err(|e| bad("quota", e))).collect::<Result<_, _>>()?
        } else {
            self.quota
        };
        let store = match (self.store, &file.store) {
            (Some(s), _) => s,
            (None, Some(s)) => store(s).map_err(|e| bad("store", e))?,
            (None, None) => Store::Memory,
        };
        let positive_key = |key: &'static str, v: Option<usize>| match v {
            Some(0) => Err(bad(key, "takes a positive number, not 0".into())),
            v => Ok(v),
        };
        let file_max_connections = positive_key("max-connections", file.max_connections)?;
        let file_threads = positive_key("threads", file.threads)?;
        let file_max_failures = positive_key("auth-max-failures", file.auth_max_failures)?;
        if file.max_append == Some(0) {
            return Err(bad("max-append", "takes 1 to 4294967295 bytes, not 0".into()));
        }
        if file.auth_window == Some(0) {
            return Err(bad("auth-window", "takes a positive number of seconds, not 0".into()));
        }
        let s = Settings {
            listen: self.listen.or(file.listen).unwrap_or_else(|| "127.0.0.1:1143".into()),
            tls_listen: self.tls_listen.or(file.tls_listen),
            users,
            users_file: self.users_file.or(file.users_file),
            cert: self.tls_cert.or(file.tls_cert),
            key: self.tls_key.or(file.tls_key),
            insecure: self.allow_insecure_auth || file.allow_insecure_auth.unwrap_or(false),
            debug: self.debug || file.debug.unwrap_or(false),
            quiet: self.quiet || file.quiet.unwrap_or(false),
            log_format: self.log_format.or(file.log_format).unwrap_or_default(),
            log_level: self.log_level.or(file.log_level).unwrap_or_default(),
            metrics: self.metrics.or(file.metrics),
            max_connections: self.max_connections.or(file_max_connections).unwrap_or(DEFAULT_MAX_CONNECTIONS),
            threads: self.threads.or(file_threads),
            store,
            log_retention_secs: self.log_retention.or(file.log_retention).unwrap_or(86_400),
            compaction_interval_secs: self.compaction_interval.or(file.compaction_interval).unwrap_or(3600),
            max_append: self.max_append.or(file.max_append),
            legacy_8bit: self.legacy_8bit || file.legacy_8bit.unwrap_or(false),
            no_compress: self.no_compress || file.no_compress.unwrap_or(false),
            quotas,
            submitters: if self.submit_user.is_empty() { file.submit_user } else { self.submit_user },
            auth_failure_delay_ms: self.auth_failure_delay.or(file.auth_failure_delay).unwrap_or(2000),
            auth_max_failures: self.auth_max_failures.or(file_max_failures).unwrap_or(10),
            auth_window_secs: self.auth_window.or(file.auth_window).unwrap_or(300),
            authenticator: None,
            live_users: None,
        };
        if s.cert.is_some() != s.key.is_some() {
            return Err(ConfigError::Conflict("--tls-cert and --tls-key go together"));
        }
        Ok(s)
    }
}

fn read(path: &Path) -> Result<ConfigFile, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read(path.to_path_buf(), e))?;
    toml::from_str(&text).map_err(|e| ConfigError::Toml(path.to_path_buf(), e))
}

/// `NAME:PASS`.
fn user(v: &str) -> Result<(String, String), String> {
    match v.split_once(':') {
        Some((n, p)) if !n.is_empty() => Ok((n.into(), p.into())),
        _ => Err("takes NAME:PASS".into()),
    }
}

/// A number above 0.
fn positive(v: &str) -> Result<usize, String> {
    match v.parse() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("takes a positive number, not {v:?}")),
    }
}

/// `memory`, `maildir:PATH` or `postgres://...` (`postgres:` for the PG* environment).
fn store(v: &str) -> Result<Store, String> {
    match v.split_once(':') {
        None if v == "memory" => Ok(Store::Memory),
        Some(("maildir", path)) if !path.is_empty() => Ok(Store::Maildir(path.into())),
        Some(("postgres" | "postgresql", rest)) if rest.is_empty() || rest.starts_with("//") => {
            Ok(Store::Postgres(if rest.is_empty() { String::new() } else { v.to_string() }))
        }
        _ => Err(format!(
            "takes memory, maildir:PATH or postgres://USER:PASS@HOST:PORT/DB, not {:?}",
            without_password(v)
        )),
    }
}

/// `NAME:KB:MESSAGES`, either number empty for no limit.
fn quota(v: &str) -> Result<(String, QuotaLimits), String> {
    let bad = || format!("--quota takes NAME:KB:MESSAGES, not {v:?}");
    let mut parts = v.split(':');
    let (Some(name), Some(kb), Some(messages), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    if name.is_empty() {
        return Err(bad());
    }
    let limit = |s: &str| if s.is_empty() { Some(None) } else { s.parse::<u64>().ok().map(Some) };
    match (limit(kb), limit(messages)) {
        (Some(storage_kb), Some(messages)) => Ok((name.to_string(), QuotaLimits { storage_kb, messages })),
        _ => Err(bad()),
    }
}

/// `url` with its password, if any, replaced by `***`: what may be printed or logged.
pub(crate) fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let Some((userinfo, host)) = rest.rsplit_once('@') else { return url.to_string() };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_file(text: &str, args: ServeArgs) -> Result<Settings, ConfigError> {
        let dir = std::env::temp_dir().join(format!("imapm-config-{}-{}", std::process::id(), text.len()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("imapm.toml");
        std::fs::write(&path, text).unwrap();
        let r = ServeArgs { config: Some(path), ..args }.settings();
        let _ = std::fs::remove_dir_all(&dir);
        r
    }

    #[test]
    fn the_file_sets_and_flags_win() {
        let text = "listen = \"127.0.0.1:2143\"\nmax-connections = 50\nuser = [\"alice:secret\"]\n\
                    store = \"maildir:/var/mail\"\nquota = [\"alice:1024:\"]\nauth-failure-delay = 500\nquiet = true\n\
                    log-format = \"json\"\nlog-level = \"debug\"\nmetrics = \"127.0.0.1:9143\"\n";
        let s = with_file(text, ServeArgs::default()).unwrap();
        assert_eq!(s.listen, "127.0.0.1:2143");
        assert_eq!(s.max_connections, 50);
        assert_eq!(s.users, [("alice".to_string(), "secret".to_string())]);
        assert_eq!(s.store, Store::Maildir("/var/mail".into()));
        assert_eq!(s.quotas[0].1.storage_kb, Some(1024));
        assert_eq!(s.auth_failure_delay_ms, 500);
        assert!(s.quiet);
        assert_eq!((s.log_format, s.log_level), (LogFormat::Json, LogLevel::Debug));
        assert_eq!(s.metrics.as_deref(), Some("127.0.0.1:9143"));
        let flags =
            ServeArgs { listen: Some("127.0.0.1:3143".into()), max_connections: Some(7), ..ServeArgs::default() };
        let s = with_file(text, flags).unwrap();
        assert_eq!((s.listen.as_str(), s.max_connections), ("127.0.0.1:3143", 7));
    }

    /// The sample in `docs/` is a valid file, with the defaults.
    #[test]
    fn the_example_file_loads() {
        let s = with_file(include_str!("../../docs/imapm.example.toml"), ServeArgs::default()).unwrap();
        assert_eq!((s.listen.as_str(), s.max_connections, s.auth_failure_delay_ms), ("127.0.0.1:1143", 16384, 2000));
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_key() {
        for (text, says) in [
            ("listne = \"x\"\n", "unknown field `listne`"),
            ("max-connections = \"many\"\n", "max-connections"),
            ("max-connections = 0\n", "max-connections: takes a positive number"),
            ("store = \"ftp://x\"\n", "store: takes memory"),
            ("store = \"postgres://u:hunter2@h/db\"\nquota = [\"x\"]\n", "quota: --quota takes"),
            ("tls-cert = \"c.pem\"\n", "--tls-cert and --tls-key go together"),
            ("log-level = \"loud\"\n", "log-level"),
            ("log-format = \"xml\"\n", "log-format"),
        ] {
            let e = with_file(text, ServeArgs::default()).unwrap_err().to_string();
            assert!(e.contains(says), "{text:?}: {e}");
            assert!(!e.contains("hunter2"), "{e}");
        }
    }
}

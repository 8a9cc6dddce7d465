//! Hostile clients and faults (issue 9) against `imapm serve`, the tokio server on the memory
//! backend, run as a child process on 127.0.0.1 and spoken to in raw bytes.
//!
//! Each test starts its own server, resets its peak resident size
//! (`/proc/PID/clear_refs`), runs, and asserts that the server's peak (`VmHWM`) grew less
//! than a stated bound over its resident size at the start (`VmRSS`); the figures are
//! printed (`cargo test -p imap-machine-cli --test hostile -- --nocapture`). The same
//! scenarios run in-process against the blocking server in `adapters/blocking/tests/hostile.rs`;
//! the slowloris timing is a property of the server machine, tested there on a fake clock.
//!
//! Every socket has read and write timeouts, so no test can hang.

#![forbid(unsafe_code)]

use std::time::Duration;

#[path = "../../adapters/blocking/tests/support/raw.rs"]
mod raw;
#[path = "../../adapters/blocking/tests/support/scenarios.rs"]
mod scenarios;
mod support;

use support::serve::{serve, Serve};

/// The bound on the growth of the server's peak resident size during one test. The
/// framer's default limits let a connection hold one 64 KiB line, or one accepted message
/// of at most 80 MiB; none of these attacks sends an acceptable message, and the output
/// buffer stops reading at 1 MiB. 64 MiB is far above that and below every attack's volume
/// (a 100 MiB line, 4 GiB and 64 MiB literals, 160 MiB of pipelined answers, an input
/// flood of up to 256 MiB): buffering any of them whole fails the test.
const BOUND_MIB: u64 = 64;

/// The memory figures of one test's server.
struct Memory<'a> {
    name: &'static str,
    server: &'a Serve,
    rss_before: u64,
    hwm_before: u64,
    peak_reset: bool,
}

impl<'a> Memory<'a> {
    fn start(name: &'static str, server: &'a Serve) -> Self {
        let peak_reset = server.reset_peak();
        let (rss_before, hwm_before) = (server.status_kib("VmRSS"), server.status_kib("VmHWM"));
        Memory { name, server, rss_before, hwm_before, peak_reset }
    }

    /// Prints the figures and asserts the peak grew less than `bound_mib`.
    fn check(self, bound_mib: u64) {
        let (rss, hwm) = (self.server.status_kib("VmRSS"), self.server.status_kib("VmHWM"));
        let growth =
            if self.peak_reset { hwm.saturating_sub(self.rss_before) } else { hwm.saturating_sub(self.hwm_before) };
        eprintln!(
            "memory {} (imapm serve): RSS before {:.1} MiB, peak {:.1} MiB, after {:.1} MiB; peak growth {:.1} MiB (bound {} MiB{})",
            self.name,
            self.rss_before as f64 / 1024.0,
            hwm as f64 / 1024.0,
            rss as f64 / 1024.0,
            growth as f64 / 1024.0,
            bound_mib,
            if self.peak_reset { "" } else { "; peak not reset, growth of the all-time peak" },
        );
        assert!(growth < bound_mib * 1024, "{}: peak resident size grew {growth} KiB", self.name);
    }
}

impl scenarios::Probe for Memory<'_> {
    /// The server notices a killed connection on its next read; give it that moment.
    fn settle(&mut self) {
        std::thread::sleep(Duration::from_millis(200));
    }

    fn rebase(&mut self) {
        self.peak_reset = self.server.reset_peak();
        (self.rss_before, self.hwm_before) = (self.server.status_kib("VmRSS"), self.server.status_kib("VmHWM"));
    }
}

// ---- the scenarios of `adapters/blocking/tests/support/scenarios.rs` ----

/// Runs `scenario` against a fresh `imapm serve` started with `args`, and checks the
/// growth of the server's peak resident size against `bound_mib`.
fn run(
    name: &'static str,
    args: &[&str],
    bound_mib: u64,
    scenario: impl FnOnce(std::net::SocketAddr, &mut Memory<'_>),
) {
    let s = serve(args);
    let mut mem = Memory::start(name, &s);
    scenario(s.addr, &mut mem);
    mem.check(bound_mib);
}

const DEMO: &[&str] = &["--quiet"];

#[test]
fn literal_of_4_gib_sync_is_refused_without_allocating() {
    run("literal {4294967295}", DEMO, BOUND_MIB, |a, _| scenarios::literal_of_4_gib_sync(a));
}

#[test]
fn literal_of_4_gib_non_sync_is_skipped_then_refused() {
    run("literal {4294967295+}", DEMO, BOUND_MIB, |a, _| scenarios::literal_of_4_gib_non_sync(a));
}

#[test]
fn line_of_100_mib_without_crlf_is_skipped() {
    run("100 MiB line", DEMO, BOUND_MIB, |a, _| scenarios::line_of_100_mib(a));
}

#[test]
fn ten_thousand_pipelined_noops_are_answered_in_order() {
    run("10,000 pipelined NOOPs", DEMO, BOUND_MIB, |a, _| scenarios::pipelined_noops(a));
}

#[test]
fn pipelined_fetches_stop_reading_instead_of_buffering() {
    let name = "10,000 pipelined FETCH BODY[] (160 MiB of output)";
    run(name, DEMO, BOUND_MIB, |a, _| scenarios::pipelined_fetches(a));
}

#[test]
fn pipelined_input_flood_is_throttled_by_tcp() {
    run("input flood, responses never read", DEMO, BOUND_MIB, |a, m| scenarios::input_flood(a, m));
}

/// A self-signed certificate for `localhost` in PEM files, and a client config trusting it.
fn tls_files(dir: &std::path::Path) -> (String, String, std::sync::Arc<rustls::ClientConfig>) {
    use rustls::pki_types::CertificateDer;
    let key = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, key.cert.pem()).unwrap();
    std::fs::write(&key_path, key.signing_key.serialize_pem()).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(key.cert.der().to_vec())).unwrap();
    let client =
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    let p = |p: std::path::PathBuf| p.to_str().unwrap().to_string();
    (p(cert_path), p(key_path), std::sync::Arc::new(client))
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("imapm-hostile-{name}-{}", std::process::id()))
}

#[test]
fn starttls_with_pipelined_login_never_runs_the_login() {
    let dir = temp_dir("starttls");
    let (cert, key, client_tls) = tls_files(&dir);
    // Plaintext LOGIN allowed, so the injected LOGIN would succeed if it ran.
    let args = ["--quiet", "--tls-cert", &cert, "--tls-key", &key, "--allow-insecure-auth"];
    run("STARTTLS with a pipelined LOGIN", &args, BOUND_MIB, |a, _| {
        scenarios::starttls_with_pipelined_login(a, client_tls)
    });
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn login_over_plaintext_is_refused() {
    let dir = temp_dir("plaintext");
    let (cert, key, _) = tls_files(&dir);
    // With a certificate and without --allow-insecure-auth, LOGIN needs TLS.
    let args = ["--quiet", "--tls-cert", &cert, "--tls-key", &key];
    run("LOGIN without TLS", &args, BOUND_MIB, |a, _| scenarios::login_over_plaintext(a));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn deep_nesting_is_bad_and_the_connection_goes_on() {
    run("10,000-deep SEARCH nesting", DEMO, BOUND_MIB, |a, _| scenarios::deep_nesting(a));
}

#[test]
fn a_thousand_bad_commands_get_bye_after_the_limit() {
    // `imapm serve` keeps the default limit: 10 bad commands in a row.
    run("1,000 bad commands", DEMO, BOUND_MIB, |a, _| scenarios::bad_command_flood(a, 10));
}

// ---- faults ----

#[test]
fn client_killed_mid_append_leaves_no_partial_message() {
    run("client killed mid-APPEND", DEMO, BOUND_MIB, |a, m| scenarios::killed_mid_append(a, m));
}

#[test]
fn clients_killed_during_idle_and_mid_fetch_leave_the_server_healthy() {
    let name = "clients killed in IDLE and mid-FETCH (8 MiB message)";
    run(name, DEMO, BOUND_MIB, |a, m| scenarios::killed_in_idle_and_mid_fetch(a, m));
}

#[test]
fn fetch_of_a_large_mailbox_is_not_copied_whole() {
    // Not the 80 MiB answer: a window of at most 1 MiB plus one literal in flight.
    let name = "FETCH 2:* BODY.PEEK[] of 10 × 8 MiB, read slowly";
    run(name, DEMO, 8, |a, m| scenarios::fetch_of_a_large_mailbox(a, m));
}

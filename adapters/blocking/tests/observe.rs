//! The blocking server's logs and metrics (features `tracing` and `metrics`), seen from a
//! client: the same names as the tokio server's, and no password in any log line. Alone in
//! its test binary: it installs the process's log writer and metrics recorder.

#![cfg(all(feature = "tracing", feature = "metrics"))]

use std::io::Write;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use imap_machine::store::memory::MemoryBackend;
use imap_machine_blocking::{Client, Server};

/// Where the log lines go.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn logins_commands_and_idle_show_in_logs_and_metrics() {
    let lines = Lines::default();
    let writer = lines.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder().unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = Server::new(Arc::new(MemoryBackend::with_demo_data())).allow_insecure_auth(true);
    std::thread::spawn(move || server.serve(listener));
    let mut c = Client::connect(&addr).unwrap();
    assert!(c.login("username", "Wr0ng-Pass-Word").is_err());
    c.login("username", "password").unwrap();
    c.select("INBOX").unwrap();
    c.fetch("1:*", "(FLAGS BODY.PEEK[])").unwrap().collect_all().unwrap();
    c.idle().unwrap().done().unwrap();
    c.logout().unwrap();
    drop(c);
    // The connection thread ends after the LOGOUT.
    let text = (0..200)
        .map(|_| {
            std::thread::sleep(std::time::Duration::from_millis(10));
            String::from_utf8(lines.0.lock().unwrap().clone()).unwrap()
        })
        .find(|t| t.contains("connection closed"))
        .expect("the connection's end is logged");

    for want in ["connection opened", "login failed", "logged in", "command=\"FETCH\" status=\"ok\"", "user=username"] {
        assert!(text.contains(want), "{want} in\n{text}");
    }
    assert!(!text.contains("Wr0ng-Pass-Word") && !text.contains("password"), "{text}");
    let m = metrics.render();
    for want in [
        "imap_commands_total{command=\"LOGIN\",status=\"no\"} 1",
        "imap_commands_total{command=\"IDLE\",status=\"ok\"} 1",
        "imap_auth_failures_total 1",
        "imap_connections_total{tls=\"false\"} 1",
        "imap_connections{tls=\"false\"} 0",
        "imap_idle_sessions 0",
    ] {
        assert!(m.contains(want), "{want} in\n{m}");
    }
}

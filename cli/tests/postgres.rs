//! Two `imapm serve` processes on one PostgreSQL database (`IMAPM_PG_URL`, started by
//! `.ci/postgres.sh`): a client in IDLE on process A is told of APPENDs made through
//! process B, timed; an APPEND OK'd by a process killed with SIGKILL right after is
//! still there. Without the database it is a loud SKIP, except under CI.

mod support;

use std::time::{Duration, Instant};

use imap_machine::types::{Data, FetchItem, Response, StatusKind};
use support::serve::serve;
use support::session::Session;

fn url() -> Option<String> {
    match std::env::var("IMAPM_PG_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(std::env::var_os("CI").is_none(), "IMAPM_PG_URL is unset: CI must start PostgreSQL");
            eprintln!("\n*** SKIP postgres: IMAPM_PG_URL is unset (start one with .ci/postgres.sh) ***\n");
            None
        }
    }
}

fn fresh_user() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("cli-{}-{nanos}", std::process::id())
}

fn ok(rs: &[(Response, bytes::Bytes)]) {
    match &rs.last().expect("tagged").0 {
        Response::Status { status, .. } => assert_eq!(status.kind, StatusKind::Ok, "{rs:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn idle_on_one_process_hears_appends_through_another() {
    let Some(url) = url() else { return };
    let user = fresh_user();
    let login = format!("{user}:secret");
    let args = ["--quiet", "--store", &url, "--user", &login];
    let (a, b) = (serve(&args), serve(&args));
    let mut watcher = Session::connect(a.addr.port());
    ok(&watcher.run(format!("LOGIN {user} secret").as_bytes()).1);
    ok(&watcher.run(b"SELECT INBOX").1);
    watcher.send(b"i IDLE\r\n");
    assert!(matches!(watcher.read().0, Response::Continue(_)));
    let mut writer = Session::connect(b.addr.port());
    ok(&writer.run(format!("LOGIN {user} secret").as_bytes()).1);
    let mut latencies = Vec::new();
    for k in 1..=50u32 {
        let message = format!("Subject: {k}\r\n\r\nhello {k}\r\n");
        let sent = Instant::now();
        ok(&writer.run(format!("APPEND INBOX {{{}+}}\r\n{message}", message.len()).as_bytes()).1);
        loop {
            if let (Response::Data(Data::Exists(n)), _) = watcher.read() {
                if n == k {
                    break;
                }
            }
        }
        latencies.push(sent.elapsed());
    }
    watcher.send(b"DONE\r\n");
    latencies.sort();
    let (median, p99) = (latencies[latencies.len() / 2], latencies[latencies.len() * 99 / 100 - 1]);
    eprintln!("IDLE on A told of an APPEND through B: median {median:?}, p99 {p99:?} (50 APPENDs)");
    assert!(p99 < Duration::from_secs(1), "p99 {p99:?}");
}

#[test]
fn an_append_ok_d_survives_kill_9() {
    let Some(url) = url() else { return };
    let user = fresh_user();
    let login = format!("{user}:secret");
    let args = ["--quiet", "--store", &url, "--user", &login];
    let mut a = serve(&args);
    let mut s = Session::connect(a.addr.port());
    ok(&s.run(format!("LOGIN {user} secret").as_bytes()).1);
    let message = "Subject: kept\r\n\r\nstill here\r\n";
    ok(&s.run(format!("APPEND INBOX {{{}+}}\r\n{message}", message.len()).as_bytes()).1);
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    let b = serve(&args);
    let mut s = Session::connect(b.addr.port());
    ok(&s.run(format!("LOGIN {user} secret").as_bytes()).1);
    let (_, rs) = s.run(b"SELECT INBOX");
    assert!(rs.iter().any(|(r, _)| matches!(r, Response::Data(Data::Exists(1)))), "{rs:?}");
}

/// A 48 MiB APPEND streams into the database: the server's peak memory grows by far less
/// than the message; a partial FETCH reads back the range asked.
#[test]
fn a_long_append_streams_into_the_database() {
    let Some(url) = url() else { return };
    let user = fresh_user();
    let login = format!("{user}:secret");
    let srv = serve(&["--quiet", "--store", &url, "--user", &login]);
    let mut s = Session::connect(srv.addr.port());
    ok(&s.run(format!("LOGIN {user} secret").as_bytes()).1);
    let line = b"0123456789 the quick brown fox jumps over the lazy dog 0123456789\r\n";
    let size = 48 << 20;
    let before = srv.status_kib("VmRSS");
    let peak_reset = srv.reset_peak();
    let header = b"Subject: long\r\n\r\n";
    s.send(format!("a APPEND INBOX {{{size}+}}\r\n").as_bytes());
    s.send(header);
    let mut sent = header.len();
    let chunk: Vec<u8> = line.iter().copied().cycle().take(64 * 1024).collect();
    while sent < size {
        let n = (size - sent).min(chunk.len());
        s.send(&chunk[..n]);
        sent += n;
    }
    s.send(b"\r\n");
    let (r, _) = s.read();
    assert!(matches!(&r, Response::Status { status, .. } if status.kind == StatusKind::Ok), "{r:?}");
    let peak = srv.status_kib(if peak_reset { "VmHWM" } else { "VmRSS" });
    let growth_mib = peak.saturating_sub(before) as f64 / 1024.0;
    eprintln!("48 MiB APPEND into PostgreSQL: server peak RSS grew {growth_mib:.1} MiB");
    assert!(growth_mib < 24.0, "grew {growth_mib:.1} MiB");
    ok(&s.run(b"SELECT INBOX").1);
    let (_, rs) = s.run(b"FETCH 1 (RFC822.SIZE BODY.PEEK[]<1000000.20>)");
    let text = rs.iter().map(|(_, raw)| String::from_utf8_lossy(raw).into_owned()).collect::<String>();
    assert!(text.contains(&format!("RFC822.SIZE {size}")), "{text}");
    let from = 1_000_000 - header.len();
    let expected: Vec<u8> = chunk.iter().copied().cycle().skip(from % chunk.len()).take(20).collect();
    assert!(text.contains(&String::from_utf8_lossy(&expected).into_owned()), "{text}");
    // And the whole message streams out, in ranges: the server never holds it whole.
    let before = srv.status_kib("VmRSS");
    let peak_reset = srv.reset_peak();
    let (_, rs) = s.run(b"FETCH 1 (UID BODY.PEEK[])");
    let peak = srv.status_kib(if peak_reset { "VmHWM" } else { "VmRSS" });
    ok(&rs);
    let body = rs
        .iter()
        .find_map(|(r, _)| match r {
            Response::Data(Data::Fetch { items, .. }) => items.iter().find_map(|i| match i {
                FetchItem::BodySection { data: Some(d), .. } => Some(d.as_bytes().to_vec()),
                _ => None,
            }),
            _ => None,
        })
        .expect("BODY[]");
    assert_eq!(body.len(), size);
    assert!(body.starts_with(header));
    let expected: Vec<u8> = chunk.iter().copied().cycle().take(size - header.len()).collect();
    assert!(body[header.len()..] == expected[..], "the message read back differs");
    let growth_mib = peak.saturating_sub(before) as f64 / 1024.0;
    eprintln!("48 MiB FETCH BODY[] from PostgreSQL: server peak RSS grew {growth_mib:.1} MiB");
    assert!(growth_mib < 24.0, "grew {growth_mib:.1} MiB");
}

/// `--quota NAME:KB:MESSAGES` on PostgreSQL: the user may keep two messages.
#[test]
fn quota_from_the_command_line() {
    let Some(url) = url() else { return };
    let user = fresh_user();
    let login = format!("{user}:secret");
    let quota = format!("{user}::2");
    let srv = serve(&["--quiet", "--store", &url, "--user", &login, "--quota", &quota]);
    let mut s = Session::connect(srv.addr.port());
    ok(&s.run(format!("LOGIN {user} secret").as_bytes()).1);
    let (_, rs) = s.run(b"GETQUOTAROOT INBOX");
    let text: String = rs.iter().map(|(_, raw)| String::from_utf8_lossy(raw).into_owned()).collect();
    assert!(text.contains("* QUOTA \"User quota\" (MESSAGE 0 2)"), "{text}");
    for k in 0..3 {
        let (_, rs) = s.run(b"APPEND INBOX {10+}\r\nSubject: x");
        let last = String::from_utf8_lossy(&rs.last().unwrap().1).into_owned();
        assert!(last.contains(if k < 2 { "OK [APPENDUID" } else { "NO [OVERQUOTA]" }), "{last}");
    }
}

/// Reads `s`'s responses until one whose text contains `what`; its text.
fn until(s: &mut Session, what: &str) -> String {
    loop {
        let (_, raw) = s.read();
        let text = String::from_utf8_lossy(&raw).into_owned();
        if text.contains(what) {
            return text;
        }
    }
}

/// STORE, EXPUNGE and MOVE made through process B reach a client in IDLE on process A as
/// FETCH and EXPUNGE responses; UIDs of APPENDs through both processes never repeat.
#[test]
fn store_expunge_and_move_cross_processes() {
    let Some(url) = url() else { return };
    let user = fresh_user();
    let login = format!("{user}:secret");
    let args = ["--quiet", "--store", &url, "--user", &login];
    let (a, b) = (serve(&args), serve(&args));
    let mut writer = Session::connect(b.addr.port());
    ok(&writer.run(format!("LOGIN {user} secret").as_bytes()).1);
    let mut other = Session::connect(a.addr.port());
    ok(&other.run(format!("LOGIN {user} secret").as_bytes()).1);
    // APPENDs through both processes, alternating: UIDs 1 to 6, none twice.
    let mut uids = Vec::new();
    for k in 0..6 {
        let s = if k % 2 == 0 { &mut writer } else { &mut other };
        let (_, rs) = s.run(b"APPEND INBOX {18+}\r\nSubject: x\r\n\r\nbody");
        let last = String::from_utf8_lossy(&rs.last().unwrap().1).into_owned();
        let uid: u32 = last.split_whitespace().nth(4).unwrap().trim_end_matches(']').parse().unwrap();
        uids.push(uid);
    }
    assert_eq!(uids, (1..=6).collect::<Vec<u32>>());
    ok(&writer.run(b"CREATE Archive").1);
    let mut watcher = Session::connect(a.addr.port());
    ok(&watcher.run(format!("LOGIN {user} secret").as_bytes()).1);
    ok(&watcher.run(b"SELECT INBOX").1);
    watcher.send(b"i IDLE\r\n");
    assert!(matches!(watcher.read().0, Response::Continue(_)));
    ok(&writer.run(b"SELECT INBOX").1);
    ok(&writer.run(b"STORE 1 +FLAGS (\\Flagged)").1);
    let fetch = until(&mut watcher, "FETCH");
    assert!(fetch.starts_with("* 1 FETCH") && fetch.contains("\\Flagged"), "{fetch}");
    ok(&writer.run(b"STORE 2 +FLAGS.SILENT (\\Deleted)").1);
    ok(&writer.run(b"EXPUNGE").1);
    assert_eq!(until(&mut watcher, "EXPUNGE"), "* 2 EXPUNGE\r\n");
    ok(&writer.run(b"MOVE 1 Archive").1);
    assert_eq!(until(&mut watcher, "EXPUNGE"), "* 1 EXPUNGE\r\n");
    watcher.send(b"DONE\r\n");
    let (_, rs) = writer.run(b"STATUS Archive (MESSAGES)");
    assert!(String::from_utf8_lossy(&rs[0].1).contains("MESSAGES 1"), "{rs:?}");
}

/// SIGTERM on the PostgreSQL store: `* BYE`, then exit 0. The store's connections are
/// closed after the runtimes are gone (the driver's own runtime can't start inside one).
#[test]
fn sigterm_on_postgres_exits_cleanly() {
    let Some(url) = url() else { return };
    let user = fresh_user();
    let login = format!("{user}:secret");
    let mut srv = serve(&["--quiet", "--store", &url, "--user", &login, "--threads", "2"]);
    let mut s = Session::connect(srv.addr.port());
    ok(&s.run(format!("LOGIN {user} secret").as_bytes()).1);
    ok(&s.run(b"SELECT INBOX").1);
    let killed = std::process::Command::new("kill").args(["-TERM", &srv.child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let (bye, _) = s.read();
    assert!(matches!(&bye, Response::Status { status, .. } if status.kind == StatusKind::Bye), "{bye:?}");
    let status = srv.child.wait().unwrap();
    assert!(status.success(), "imapm serve on PostgreSQL exits 0 after SIGTERM: {status:?}");
}

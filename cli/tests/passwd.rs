//! `imapm serve --users-file` against Dovecot on the same passwd-file: hashes made by
//! Dovecot's own `doveadm pw` for every scheme, and by `imapm pw`, log in on both servers;
//! wrong passwords fail on both.

// Tests drive real processes and wait on real time.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod support;

use std::process::Command;

use imap_machine::types::{Response, StatusKind};
use support::serve::serve;
use support::session::Session;

#[path = "../../adapters/blocking/tests/support/dovecot.rs"]
mod dovecot;
#[path = "../../adapters/blocking/tests/support/peers_env.rs"]
mod peers_env;

const SCHEMES: [&str; 5] = ["ARGON2ID", "ARGON2I", "BLF-CRYPT", "SHA512-CRYPT", "SHA256-CRYPT"];

/// `{SCHEME}hash` of `password` by `program pw -s SCHEME -p PASSWORD`.
fn pw(program: &str, scheme: &str, password: &str) -> String {
    let out = Command::new(program).args(["pw", "-s", scheme, "-p", password]).output().expect("run pw");
    assert!(out.status.success(), "{program} pw -s {scheme}: {out:?}");
    let line = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(line.starts_with(&format!("{{{scheme}}}")), "{line}");
    line
}

/// Whether LOGIN `user` `password` is answered OK (NO otherwise; anything else fails).
fn logs_in(port: u16, user: &str, password: &str) -> bool {
    let mut s = Session::connect(port);
    let (_, rs) = s.run(format!("LOGIN {user} {password}").as_bytes());
    match &rs.last().expect("tagged").0 {
        Response::Status { status, .. } if status.kind == StatusKind::Ok => true,
        Response::Status { status, .. } if status.kind == StatusKind::No => false,
        other => panic!("LOGIN {user}: {other:?}"),
    }
}

#[test]
fn dovecot_and_imapm_agree_on_a_passwd_file() {
    if !peers_env::have("doveadm") && peers_env::missing("doveadm (apt-get install -y dovecot-core)") {
        return;
    }
    let Some(d) = dovecot::start_dovecot("passwd") else { return };
    let file = d.dir.join("passwd");
    let text = std::fs::read_to_string(&file).unwrap();
    // alice's uid, gid and home serve every user added here.
    let alice = text.lines().find(|l| l.starts_with("alice:")).expect("alice");
    let rest: Vec<&str> = alice.splitn(3, ':').collect();
    let mut lines = text.clone();
    let mut users = Vec::new();
    for scheme in SCHEMES {
        let tag = scheme.to_ascii_lowercase().replace('-', "");
        for (program, who) in [("doveadm", "d"), (env!("CARGO_BIN_EXE_imapm"), "i")] {
            let (user, password) = (format!("{who}{tag}"), format!("pass-{who}-{tag}"));
            lines.push_str(&format!("{user}:{}:{}\n", pw(program, scheme, &password), rest[2]));
            users.push((user, password, scheme));
        }
    }
    std::fs::write(&file, lines).unwrap();
    let mut srv = serve(&["--quiet", "--users-file", file.to_str().unwrap(), "--auth-max-failures", "100"]);
    // Dovecot answers a wrong password after a growing delay (its auth penalty): about 45 s.
    for (user, password, scheme) in &users {
        for (port, server) in [(d.port, "Dovecot"), (srv.addr.port(), "imapm")] {
            assert!(logs_in(port, user, password), "{server} refused {user} ({scheme})");
            assert!(!logs_in(port, user, &format!("{password}x")), "{server} took a wrong password for {user}");
        }
    }
    // alice is {PLAIN} (with a warning at startup, `plain_passwords_are_warned_about`).
    assert!(logs_in(srv.addr.port(), "alice", "secret"));
    assert!(!logs_in(srv.addr.port(), "nobody", "secret"));
    srv.child.kill().unwrap();
}

#[test]
fn plain_passwords_are_warned_about() {
    use std::io::BufRead;
    let dir = std::env::temp_dir().join(format!("imapm-passwd-plain-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("users");
    let hashed = pw(env!("CARGO_BIN_EXE_imapm"), "SHA256-CRYPT", "hashed-secret");
    std::fs::write(&file, format!("alice:{{PLAIN}}clear-secret\nbob:{hashed}\n")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_imapm"))
        .args(["serve", "--listen", "127.0.0.1:0", "--users-file", file.to_str().unwrap()])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = String::new();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    while !log.contains("IMAP on") {
        assert!(stderr.read_line(&mut log).unwrap() > 0, "{log}");
    }
    child.kill().unwrap();
    let _ = child.wait();
    assert!(log.contains("1 user(s) with a {PLAIN} password") && log.contains(": alice"), "{log}");
    assert!(!log.contains("secret") && !log.contains("$5$"), "a password in the log: {log}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_broken_users_file_stops_the_start_and_names_the_line() {
    let dir = std::env::temp_dir().join(format!("imapm-passwd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("users");
    std::fs::write(&file, "ok:{PLAIN}fine\nbad:{MD5}c2VjcmV0aGFzaA\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_imapm"))
        .args(["serve", "--listen", "127.0.0.1:0", "--users-file", file.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("line 2: unknown password scheme {MD5}"), "{err}");
    assert!(!err.contains("c2VjcmV0aGFzaA") && !err.contains("fine"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

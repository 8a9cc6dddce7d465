//! PostgreSQL stopped under a running `imapm serve` (its own test binary: it stops the
//! database every other test shares). While it is down, commands that need it get `NO
//! [UNAVAILABLE]` (RFC 5530), never a wrong answer; once it is back, the same
//! connection works again and nothing OK'd was lost.

mod support;

use std::path::Path;
use std::process::Command;

use imap_machine::types::{Code, Data, Response, Rfc5530Code, StatusKind};
use support::serve::serve;
use support::session::Session;

fn status(rs: &[(Response, bytes::Bytes)]) -> (StatusKind, Option<Code>) {
    match &rs.last().expect("tagged").0 {
        Response::Status { status, .. } => (status.kind, status.code.clone()),
        other => panic!("{other:?}"),
    }
}

fn pg(what: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ci/postgres.sh");
    let out = Command::new("bash").arg(script).arg(what).output().expect("postgres.sh");
    assert!(out.status.success(), "postgres.sh {what}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_database_that_goes_away_is_unavailable_then_back() {
    let url = match std::env::var("IMAPM_PG_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            assert!(std::env::var_os("CI").is_none(), "IMAPM_PG_URL is unset: CI must start PostgreSQL");
            eprintln!("\n*** SKIP postgres restart: IMAPM_PG_URL is unset ***\n");
            return;
        }
    };
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let user = format!("restart-{nanos}");
    let login = format!("{user}:secret");
    let srv = serve(&["--quiet", "--store", &url, "--user", &login]);
    let mut s = Session::connect(srv.addr.port());
    assert_eq!(status(&s.run(format!("LOGIN {user} secret").as_bytes()).1).0, StatusKind::Ok);
    let append = |s: &mut Session, k: u32| {
        let m = format!("Subject: {k}\r\n\r\nbody\r\n");
        s.run(format!("APPEND INBOX {{{}+}}\r\n{m}", m.len()).as_bytes()).1
    };
    assert_eq!(status(&append(&mut s, 1)).0, StatusKind::Ok);

    pg("stop");
    let down = append(&mut s, 2);
    let st = status(&down);
    pg("resume");
    assert_eq!(st, (StatusKind::No, Some(Code::Rfc5530(Rfc5530Code::Unavailable))), "{down:?}");

    // Back: the same connection works, and only what was OK'd is there.
    assert_eq!(status(&append(&mut s, 3)).0, StatusKind::Ok);
    let (_, rs) = s.run(b"SELECT INBOX");
    assert!(rs.iter().any(|(r, _)| matches!(r, Response::Data(Data::Exists(2)))), "{rs:?}");
}

//! The hourly sweep, made quick: with a one-second interval and no retention, a
//! mailbox's log is compacted although no EXPUNGE ran on it. (A test binary of its own:
//! the sweep compacts every mailbox of the database.)

mod common;

use std::time::Duration;

use bytes::Bytes;
use imap_machine::store::Backend;
use imap_machine_postgres::PostgresBackend;

fn log_len(url: &str, user: &str) -> i64 {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    c.query_one(
        "SELECT count(*) FROM imapm_log l JOIN imapm_mailboxes b ON b.id = l.mailbox_id \
         JOIN imapm_users u ON u.id = b.user_id WHERE u.name = $1",
        &[&user],
    )
    .unwrap()
    .get(0)
}

#[test]
fn the_sweeper_compacts_without_an_expunge() {
    let Some(url) = common::url("postgres sweep") else { return };
    let pg = PostgresBackend::connect(&url)
        .unwrap()
        .with_log_retention(Duration::ZERO)
        .with_compaction_interval(Some(Duration::from_secs(1)));
    let user = common::fresh_user("sweep");
    pg.add_user(&user, "secret").unwrap();
    let u = pg.login(&user, "secret").unwrap();
    for k in 0..3 {
        pg.append(&u, "INBOX", &[], None, Bytes::from(format!("Subject: {k}\r\n\r\nsweep\r\n"))).unwrap();
    }
    assert_eq!(log_len(&url, &user), 3);
    let mut left = 3;
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(100));
        left = log_len(&url, &user);
        if left == 0 {
            break;
        }
    }
    assert_eq!(left, 0, "the sweep compacted the log");
    assert_eq!(pg.status(&u, "INBOX").unwrap().messages, 3, "no live message touched");
    // Off: nothing more is swept.
    let pg = pg.with_compaction_interval(None);
    pg.append(&u, "INBOX", &[], None, Bytes::from_static(b"Subject: 4\r\n\r\nkept\r\n")).unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(log_len(&url, &user), 1);
}

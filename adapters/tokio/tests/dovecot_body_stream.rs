//! A 1 GiB message from Dovecot to a file through `Client::fetch_body_stream`, and back
//! with `Client::append_from`, with this process's peak RSS read from /proc each way: the
//! message never sits whole in the client's memory.
//! Alone in its test binary, so that nothing else moves the peak.

mod common;

use std::io::{BufWriter, Read, Write};
use std::time::{Duration, Instant};

use common::dovecot::Dovecot;
use imap_machine_tokio::Client;

const GIB: u64 = 1 << 30;

/// `field` of /proc/self/status, in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap_or_else(|| panic!("{field} in {status}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Writes a message of `size` octets (CRLF lines) to `path`, 1 MiB at a time.
fn write_message(path: &std::path::Path, size: u64) {
    let mut f = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let head = b"From: Alice <alice@example.org>\r\nTo: Bob <bob@example.org>\r\nSubject: one GiB\r\n\
Date: Mon, 7 Feb 1994 21:52:25 -0800\r\nMessage-ID: <gib@example.org>\r\n\r\n";
    f.write_all(head).unwrap();
    let mut written = head.len() as u64;
    let line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuv\r\n";
    while written + line.len() as u64 <= size {
        f.write_all(line).unwrap();
        written += line.len() as u64;
    }
    let rest = (size - written) as usize;
    if rest >= 2 {
        f.write_all(&vec![b'.'; rest - 2]).unwrap();
        f.write_all(b"\r\n").unwrap();
    }
    f.flush().unwrap();
}

/// Whether two files hold the same octets (read 1 MiB at a time).
fn same_files(a: &std::path::Path, b: &std::path::Path) -> bool {
    let (mut a, mut b) = (std::fs::File::open(a).unwrap(), std::fs::File::open(b).unwrap());
    let (mut x, mut y) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let n = a.read(&mut x).unwrap();
        if n == 0 {
            return b.read(&mut y).unwrap() == 0;
        }
        if b.read_exact(&mut y[..n]).is_err() || x[..n] != y[..n] {
            return false;
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_gib_from_dovecot_to_a_file_and_back_in_little_memory() {
    let Some(d) = Dovecot::start("body-stream", 14381, 14431, false, None) else { return };
    let c = Client::connect(d.addr()).await.unwrap();
    c.login("alice", "secret").await.unwrap();
    // Dovecot makes the Maildir on the first SELECT; the message goes straight into it.
    c.select("INBOX").await.unwrap();
    let new = d.home("alice").join("Maildir/new");
    std::fs::create_dir_all(&new).unwrap();
    let message = new.join("1700000000.M1P1.imap-machine-test");
    write_message(&message, GIB);
    let inbox = c.select("INBOX").await.unwrap();
    assert_eq!(inbox.exists, 1);
    let uid = c.uid_search("ALL").await.unwrap()[0];

    // The peak from here on (writing 5 to clear_refs resets VmHWM).
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let before = status_kib("VmHWM:");
    let out = d.dir.join("fetched.eml");
    let started = Instant::now();
    let mut body = tokio::time::timeout(Duration::from_secs(60), c.fetch_body_stream(uid, "")).await.unwrap().unwrap();
    assert_eq!(body.len(), GIB);
    let mut file = tokio::fs::File::create(&out).await.unwrap();
    let copied =
        tokio::time::timeout(Duration::from_secs(600), tokio::io::copy(&mut body, &mut file)).await.unwrap().unwrap();
    drop(file);
    let took = started.elapsed();
    let peak = status_kib("VmHWM:");
    assert_eq!(copied, GIB);

    // And back in from the file, read as it goes out.
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
    let started = Instant::now();
    let file = tokio::fs::File::open(&out).await.unwrap();
    let appended = tokio::time::timeout(Duration::from_secs(600), c.append_from("INBOX", &[], None, GIB, file))
        .await
        .unwrap()
        .unwrap();
    let append_took = started.elapsed();
    let append_peak = status_kib("VmHWM:");
    let uid2 = appended.map(|a| a.uid).expect("Dovecot has UIDPLUS");
    let sizes = c.uid_fetch(uid2, "RFC822.SIZE").await.unwrap().collect().await.unwrap();
    assert_eq!(sizes[0].size(), Some(GIB as u32));
    c.logout().await.unwrap();

    // Dovecot moved the message to cur/ when it first saw it.
    let base = message.file_name().unwrap().to_str().unwrap().to_string();
    let maildir = d.home("alice").join("Maildir");
    let stored = ["new", "cur"]
        .iter()
        .flat_map(|sub| std::fs::read_dir(maildir.join(sub)).unwrap().flatten())
        .map(|e| e.path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with(&base))
        .expect("the message file");
    let same = same_files(&stored, &out);
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_file(&stored);
    assert!(same, "the file holds the message byte for byte");
    eprintln!(
        "fetch_body_stream: 1 GiB from Dovecot to a file in {:.1} s; peak RSS {} KiB (from {before} KiB)",
        took.as_secs_f64(),
        peak
    );
    eprintln!(
        "append_from: the 1 GiB file back into Dovecot in {:.1} s; peak RSS {append_peak} KiB",
        append_took.as_secs_f64()
    );
    assert!(peak < 32 * 1024, "peak RSS {peak} KiB: the body was held in memory");
    assert!(append_peak < 32 * 1024, "peak RSS {append_peak} KiB: the message was held in memory");
}

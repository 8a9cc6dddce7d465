//! Brute-force brakes of `imapm serve`: failed logins are answered after
//! `--auth-failure-delay`, and an address with more than `--auth-max-failures` in
//! `--auth-window` is refused with `NO [UNAVAILABLE]`, while another address logs in at
//! once.

// Tests drive real processes and wait on real time.
#![allow(clippy::disallowed_types, clippy::disallowed_methods)]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use support::serve::serve;

/// A connection to `port` from the local address `from`.
fn connect_from(from: &str, port: u16) -> BufReader<TcpStream> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_io().build().unwrap();
    let stream = rt.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
        socket.connect(format!("127.0.0.1:{port}").parse().unwrap()).await.unwrap()
    });
    let stream = stream.into_std().unwrap();
    stream.set_nonblocking(false).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut c = BufReader::new(stream);
    let mut greeting = String::new();
    c.read_line(&mut greeting).unwrap();
    assert!(greeting.starts_with("* OK"), "{greeting}");
    c
}

/// LOGIN `user` `password` as `tag`: the tagged answer and how long it took.
fn login(c: &mut BufReader<TcpStream>, tag: &str, user: &str, password: &str) -> (String, Duration) {
    let started = Instant::now();
    c.get_mut().write_all(format!("{tag} LOGIN {user} {password}\r\n").as_bytes()).unwrap();
    loop {
        let mut line = String::new();
        assert!(c.read_line(&mut line).unwrap() > 0, "closed");
        if line.starts_with(&format!("{tag} ")) {
            return (line, started.elapsed());
        }
    }
}

#[test]
fn twenty_wrong_logins_are_delayed_then_refused_while_another_address_logs_in() {
    let srv = serve(&["--quiet", "--auth-failure-delay", "300", "--auth-max-failures", "5", "--auth-window", "60"]);
    let port = srv.addr.port();
    let mut guesser = connect_from("127.0.0.1", port);
    let mut answers = Vec::new();
    for k in 0..20 {
        answers.push(login(&mut guesser, &format!("g{k}"), "username", &format!("guess{k}")));
    }
    // Six failures, each after the delay; then the address is refused without a check.
    for (k, (line, took)) in answers.iter().enumerate() {
        if k < 6 {
            assert!(line.contains(" NO ") && !line.contains("UNAVAILABLE"), "{k}: {line}");
            assert!(*took >= Duration::from_millis(290), "{k}: answered after {took:?}");
        } else {
            assert!(line.contains(" NO [UNAVAILABLE]"), "{k}: {line}");
            assert!(*took < Duration::from_millis(250), "{k}: answered after {took:?}");
        }
    }
    // The right password from the same address is refused too, on a new connection.
    let (line, _) = login(&mut connect_from("127.0.0.1", port), "r1", "username", "password");
    assert!(line.contains(" NO [UNAVAILABLE]"), "{line}");
    // Another address logs in at once.
    let (line, took) = login(&mut connect_from("127.0.0.2", port), "o1", "username", "password");
    assert!(line.starts_with("o1 OK"), "{line}");
    assert!(took < Duration::from_millis(250), "{took:?}");
}

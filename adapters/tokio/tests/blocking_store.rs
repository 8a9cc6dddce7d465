//! `Server::blocking_store`: a store call that takes 200 ms (a slow disk) does not hold up
//! another connection's NOOP on the same single-threaded runtime by more than 20 ms; without
//! it, the NOOP waits for the slow call (the control, so the first check is not vacuous).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use imap_machine::store::memory::MemoryBackend;
use imap_machine::store::*;
use imap_machine::types::{DateTime, Flag, StoreKind};
use imap_machine_tokio::Server;

/// The memory store, with `fetch` taking 200 ms.
struct Slow(MemoryBackend);

const SLOW: Duration = Duration::from_millis(200);

impl Backend for Slow {
    type User = <MemoryBackend as Backend>::User;
    fn login(&self, u: &str, p: &str) -> Result<Self::User, StoreError> {
        self.0.login(u, p)
    }
    fn list(&self, u: &Self::User) -> Result<Vec<MailboxInfo>, StoreError> {
        self.0.list(u)
    }
    fn create(&self, u: &Self::User, n: &str) -> Result<(), StoreError> {
        self.0.create(u, n)
    }
    fn delete(&self, u: &Self::User, n: &str) -> Result<(), StoreError> {
        self.0.delete(u, n)
    }
    fn rename(&self, u: &Self::User, f: &str, t: &str) -> Result<(), StoreError> {
        self.0.rename(u, f, t)
    }
    fn subscribe(&self, u: &Self::User, n: &str, s: bool) -> Result<(), StoreError> {
        self.0.subscribe(u, n, s)
    }
    fn subscriptions(&self, u: &Self::User) -> Result<Vec<String>, StoreError> {
        self.0.subscriptions(u)
    }
    fn status(&self, u: &Self::User, n: &str) -> Result<MailboxStatus, StoreError> {
        self.0.status(u, n)
    }
    fn append(
        &self,
        u: &Self::User,
        n: &str,
        f: &[Flag],
        d: Option<DateTime>,
        b: Bytes,
    ) -> Result<(u32, u32), StoreError> {
        self.0.append(u, n, f, d, b)
    }
    fn new_session(&self) -> SessionId {
        self.0.new_session()
    }
    fn open(&self, u: &Self::User, n: &str, s: SessionId, r: bool) -> Result<Snapshot, StoreError> {
        self.0.open(u, n, s, r)
    }
    fn close(&self, u: &Self::User, n: &str, s: SessionId) {
        self.0.close(u, n, s)
    }
    fn changes(
        &self,
        u: &Self::User,
        n: &str,
        s: SessionId,
        c: u64,
        r: bool,
        m: usize,
    ) -> Result<ChangeBatch, StoreError> {
        self.0.changes(u, n, s, c, r, m)
    }
    fn fetch(
        &self,
        u: &Self::User,
        n: &str,
        s: SessionId,
        uids: &[u32],
    ) -> Result<Vec<Option<MessageData>>, StoreError> {
        std::thread::sleep(SLOW);
        self.0.fetch(u, n, s, uids)
    }
    fn store(
        &self,
        u: &Self::User,
        n: &str,
        uids: &[u32],
        k: StoreKind,
        f: &[Flag],
    ) -> Result<StoreOutcome, StoreError> {
        self.0.store(u, n, uids, k, f)
    }
    fn copy(&self, u: &Self::User, f: &str, s: SessionId, uids: &[u32], t: &str) -> Result<CopyResult, StoreError> {
        self.0.copy(u, f, s, uids, t)
    }
    fn move_messages(
        &self,
        u: &Self::User,
        f: &str,
        s: SessionId,
        uids: &[u32],
        t: &str,
    ) -> Result<CopyResult, StoreError> {
        self.0.move_messages(u, f, s, uids, t)
    }
    fn expunge(&self, u: &Self::User, n: &str, uids: Option<&[u32]>, m: usize) -> Result<Vec<u32>, StoreError> {
        self.0.expunge(u, n, uids, m)
    }
    fn release(&self, u: &Self::User, n: &str, s: SessionId, uids: &[u32]) {
        self.0.release(u, n, s, uids)
    }
    fn watch(&self, u: &Self::User, n: &str, s: SessionId, w: Notifier) {
        self.0.watch(u, n, s, w)
    }
}

/// A raw connection: sends `tag command`, reads lines up to the tagged one.
struct Raw(BufReader<TcpStream>);

impl Raw {
    fn connect(port: u16) -> Raw {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_nodelay(true).unwrap();
        let mut r = Raw(BufReader::new(s));
        r.line();
        r
    }
    fn line(&mut self) -> String {
        let mut l = String::new();
        assert!(self.0.read_line(&mut l).unwrap() > 0, "connection closed");
        l
    }
    fn send(&mut self, tag: &str, command: &str) {
        self.0.get_mut().write_all(format!("{tag} {command}\r\n").as_bytes()).unwrap();
    }
    fn run(&mut self, tag: &str, command: &str) {
        self.send(tag, command);
        self.until(tag);
    }
    fn until(&mut self, tag: &str) {
        loop {
            let l = self.line();
            if l.starts_with(&format!("{tag} ")) {
                assert!(l.starts_with(&format!("{tag} OK")), "{l}");
                return;
            }
        }
    }
}

/// How long a NOOP on one connection takes while another connection's FETCH sits in a
/// 200 ms store call.
fn noop_during_slow_fetch(blocking_store: bool) -> Duration {
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let server = Server::new(Arc::new(Slow(MemoryBackend::with_demo_data())))
                .allow_insecure_auth(true)
                .blocking_store(blocking_store);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            port_tx.send(listener.local_addr().unwrap().port()).unwrap();
            let _ = server.serve(listener).await;
        });
    });
    let port = port_rx.recv().unwrap();
    let (mut a, mut b) = (Raw::connect(port), Raw::connect(port));
    for (c, t) in [(&mut a, "a"), (&mut b, "b")] {
        c.run(&format!("{t}1"), "LOGIN username password");
        c.run(&format!("{t}2"), "SELECT INBOX");
    }
    a.send("a3", "FETCH 1 BODY.PEEK[]");
    std::thread::sleep(Duration::from_millis(50));
    let started = Instant::now();
    b.run("b3", "NOOP");
    let took = started.elapsed();
    a.until("a3");
    took
}

#[test]
fn a_slow_store_call_does_not_hold_up_other_connections() {
    let took = noop_during_slow_fetch(true);
    assert!(took < Duration::from_millis(20), "NOOP took {took:?} while another connection's FETCH was in the store");
    // The control: on the connection's task, the NOOP waits for the slow call.
    let took = noop_during_slow_fetch(false);
    assert!(took > Duration::from_millis(100), "the control did not wait: {took:?}");
}

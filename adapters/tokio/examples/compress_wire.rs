//! What COMPRESS=DEFLATE (RFC 4978) saves on the wire, and what it costs in CPU:
//!
//! 1. `FETCH 1:* (ENVELOPE BODYSTRUCTURE)` and `FETCH 1:* (BODY.PEEK[])` of the corpus
//!    (`tests/corpus/`) from our tokio client, with and without COMPRESS;
//! 2. a full mbsync download of the corpus (mbsync compresses whenever it is offered),
//!    from a server that offers COMPRESS and from one that does not;
//! 3. CPU per message: each corpus message deflated as its own batch (one sync flush, as
//!    a FETCH answer is) and inflated again, µs per message on one core.
//!
//! Octets are counted by a proxy on 127.0.0.1 between the client and the server.
//!
//!   cargo run --release -p imap-machine-tokio --example compress_wire

#![allow(clippy::disallowed_methods)]

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::BytesMut;
use imap_machine::compress::{Deflater, Inflater};
use imap_machine::store::memory::MemoryBackend;
use imap_machine::types::Capability;
use imap_machine_tokio::{Client, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Octets client→server and server→client through the proxy.
#[derive(Default)]
struct Counts([AtomicU64; 2]);

impl Counts {
    fn get(&self) -> [u64; 2] {
        [self.0[0].load(Ordering::SeqCst), self.0[1].load(Ordering::SeqCst)]
    }
}

async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    n: Arc<Counts>,
    k: usize,
) {
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(r) = from.read(&mut buf).await {
        if r == 0 || to.write_all(&buf[..r]).await.is_err() {
            break;
        }
        n.0[k].fetch_add(r as u64, Ordering::SeqCst);
    }
    let _ = to.shutdown().await;
}

/// A server on the memory store (COMPRESS offered or not) behind a counting proxy: the
/// proxy's address and its counts.
async fn start(compress: bool) -> (String, Arc<Counts>) {
    let backend = Arc::new(MemoryBackend::with_demo_data());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = listener.local_addr().unwrap();
    let server = Server::new(backend).allow_insecure_auth(true).compress(compress);
    tokio::spawn(async move { server.serve(listener).await });
    let proxy = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = proxy.local_addr().unwrap().to_string();
    let counts = Arc::new(Counts::default());
    let n = counts.clone();
    tokio::spawn(async move {
        while let Ok((down, _)) = proxy.accept().await {
            let up = TcpStream::connect(upstream).await.unwrap();
            let ((dr, dw), (ur, uw)) = (down.into_split(), up.into_split());
            tokio::spawn(pipe(dr, uw, n.clone(), 0));
            tokio::spawn(pipe(ur, dw, n.clone(), 1));
        }
    });
    (addr, counts)
}

fn corpus() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus");
    let mut out = Vec::new();
    for dir in ["edge", "python-email"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir)).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for p in files {
            let body = std::fs::read(&p).unwrap();
            if p.is_file() && !body.contains(&0) {
                out.push(body);
            }
        }
    }
    out
}

async fn fill(addr: &str, corpus: &[Vec<u8>]) {
    let c = Client::connect(addr).await.unwrap();
    c.login("username", "password").await.unwrap();
    c.enable(&[Capability::Utf8Accept]).await.unwrap();
    c.create("Corpus").await.unwrap();
    for m in corpus {
        c.append("Corpus", &[], None, m.clone()).await.unwrap();
    }
    c.logout().await.unwrap();
}

#[tokio::main]
async fn main() {
    let corpus = corpus();
    let total: usize = corpus.iter().map(Vec::len).sum();
    println!("corpus: {} messages, {total} octets", corpus.len());
    println!("\n1. our client, octets server→client per command");
    let (addr, counts) = start(true).await;
    fill(&addr, &corpus).await;
    for compress in [false, true] {
        let c = Client::connect(&addr).await.unwrap();
        c.login("username", "password").await.unwrap();
        if compress {
            c.compress().await.unwrap();
        }
        c.select("Corpus").await.unwrap();
        for items in ["(ENVELOPE BODYSTRUCTURE)", "(BODY.PEEK[])"] {
            let before = counts.get();
            let got = c.fetch("1:*", items).await.unwrap().collect().await.unwrap();
            assert_eq!(got.len(), corpus.len());
            let after = counts.get();
            println!(
                "   FETCH 1:* {items:<26} compress={compress:<5}  {:>8} octets down, {:>4} up",
                after[1] - before[1],
                after[0] - before[0]
            );
        }
        c.logout().await.unwrap();
    }
    println!("\n2. mbsync, a full download of the corpus, octets on the wire");
    if Command::new("mbsync").arg("--version").output().is_err() {
        println!("   (mbsync is not installed: apt-get install isync)");
    }
    for compress in [false, true] {
        let (addr, counts) = start(compress).await;
        fill(&addr, &corpus).await;
        let before = counts.get();
        let dir = std::env::temp_dir().join(format!("imapm-compress-wire-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("maildir")).unwrap();
        let (host, port) = addr.rsplit_once(':').unwrap();
        let rc = format!(
            "IMAPAccount t\nHost {host}\nPort {port}\nUser username\nPass password\nSSLType None\nAuthMechs LOGIN\n\n\
             IMAPStore remote\nAccount t\n\nMaildirStore local\nPath {d}/maildir/\nInbox {d}/maildir/INBOX\n\
             SubFolders Verbatim\n\nChannel all\nFar :remote:\nNear :local:\nPatterns *\nCreate Near\nSync Pull\n\
             SyncState *\n",
            d = dir.display()
        );
        std::fs::write(dir.join("mbsyncrc"), rc).unwrap();
        let Ok(out) = Command::new("mbsync").arg("-c").arg(dir.join("mbsyncrc")).arg("-a").output() else { break };
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let after = counts.get();
        println!(
            "   COMPRESS offered={compress:<5}  {:>8} octets down, {:>6} up",
            after[1] - before[1],
            after[0] - before[0]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    println!("\n3. CPU per message (each its own batch, level 6), one core");
    let rounds = 50;
    let mut wire = Vec::new();
    let t = Instant::now();
    for _ in 0..rounds {
        wire.clear();
        let mut d = Deflater::new();
        for m in &corpus {
            let mut out = BytesMut::new();
            d.write_batch(m, &mut out);
            wire.push(out);
        }
    }
    let deflate = t.elapsed().as_secs_f64() / (rounds * corpus.len()) as f64;
    let t = Instant::now();
    for _ in 0..rounds {
        let mut i = Inflater::new();
        for w in &wire {
            i.feed(w);
            let mut out = BytesMut::new();
            while i.read(&mut out, 1 << 20).unwrap() > 0 {}
        }
    }
    let inflate = t.elapsed().as_secs_f64() / (rounds * corpus.len()) as f64;
    let squeezed: usize = wire.iter().map(BytesMut::len).sum();
    println!(
        "   deflate {:.1} µs, inflate {:.1} µs per message (mean {} octets; {total} → {squeezed} octets, {:.1} %)",
        deflate * 1e6,
        inflate * 1e6,
        total / corpus.len(),
        100.0 * squeezed as f64 / total as f64
    );
}

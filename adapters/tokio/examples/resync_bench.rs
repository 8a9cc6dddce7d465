//! The resync figures of `BENCHMARKS.md`: a mailbox of N messages (100,000 by default), a
//! saved state, then 100 flag changes and 10 expunges by another session; then the bytes
//! on the wire and the time of `Client::resync` from the saved state, beside a full
//! `UID FETCH 1:* (FLAGS)`. The bytes are counted by a proxy on 127.0.0.1 between the
//! client and the server, both ways, login and logout excluded.
//!
//! ```sh
//! cargo run --release -p imap-machine-tokio --example resync_bench -- 127.0.0.1:1143 user pass [N]
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use imap_machine::client::{IntoMailbox, Resync, Resyncer, SyncState};
use imap_machine::types::{AppendMessage, Flag, Literal, StoreKind};
use imap_machine_tokio::Client;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Bytes through the proxy, both ways.
#[derive(Default)]
struct Counter(AtomicU64);

async fn pipe(mut from: tokio::net::tcp::OwnedReadHalf, mut to: tokio::net::tcp::OwnedWriteHalf, n: Arc<Counter>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(k) => {
                n.0.fetch_add(k as u64, Ordering::Relaxed);
                if to.write_all(&buf[..k]).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown().await;
}

/// A counting proxy to `server`; returns its address.
async fn proxy(server: String, n: Arc<Counter>) -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = l.local_addr().expect("addr").to_string();
    tokio::spawn(async move {
        while let Ok((c, _)) = l.accept().await {
            let s = TcpStream::connect(&server).await.expect("server");
            // Without, Nagle and delayed ACKs add 40 ms to a response written in parts.
            c.set_nodelay(true).expect("nodelay");
            s.set_nodelay(true).expect("nodelay");
            let (cr, cw) = c.into_split();
            let (sr, sw) = s.into_split();
            tokio::spawn(pipe(cr, sw, n.clone()));
            tokio::spawn(pipe(sr, cw, n.clone()));
        }
    });
    addr
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, addr, user, pass, rest @ ..] = &args[..] else {
        eprintln!("usage: resync_bench ADDR USER PASS [N]");
        std::process::exit(2);
    };
    let n: u32 = rest.first().map_or(Ok(100_000), |s| s.parse())?;
    let setup = Client::connect(addr.as_str()).await?;
    setup.login(user, pass).await?;
    let name = format!("Resync{}", std::process::id());
    setup.create(name.as_str()).await?;
    let t = Instant::now();
    let mut k = 0;
    while k < n {
        let batch: Vec<AppendMessage> = (k..(k + 1000).min(n))
            .map(|i| {
                let text = format!("From: a@example.org\r\nSubject: message {i}\r\n\r\nbody {i}\r\n");
                AppendMessage::literal(Literal::new(text.into_bytes()).expect("a literal"))
            })
            .collect();
        k += batch.len() as u32;
        setup.multiappend(name.as_str(), batch).await?;
    }
    eprintln!("appended {n} messages in {:.1} s", t.elapsed().as_secs_f64());

    // The saved state: a first sync.
    let Resync::Changes(first) = setup.resync(name.as_str(), &SyncState::default()).await? else {
        unreachable!("a first sync starts nothing over")
    };
    let saved = first.state;
    // 100 flag changes, 10 expunges, spread over the mailbox.
    let step = (saved.uids.len() / 100).max(1);
    let flagged: Vec<String> = saved.uids.iter().step_by(step).take(100).map(|u| u.to_string()).collect();
    setup.uid_store(flagged.join(",").as_str(), StoreKind::Add, &[Flag::Flagged]).await?;
    let gone: Vec<String> =
        saved.uids.iter().skip(step / 2).step_by(step * 10).take(10).map(|u| u.to_string()).collect();
    setup.uid_store(gone.join(",").as_str(), StoreKind::Add, &[Flag::Deleted]).await?;
    setup.uid_expunge(gone.join(",").as_str()).await?;

    let counter = Arc::new(Counter::default());
    let via = proxy(addr.clone(), counter.clone()).await;
    // Resync, as a client coming back.
    let c = Client::connect(via.as_str()).await?;
    c.login(user, pass).await?;
    let before = counter.0.load(Ordering::Relaxed);
    let t = Instant::now();
    // `Client::resync` step by step, to time each command.
    let caps = c.capabilities().await?;
    let mut resyncer = Resyncer::new(name.as_str().into_mailbox()?, saved.clone(), &caps, &[]);
    let mut steps = Vec::new();
    while let Some(command) = resyncer.next_command() {
        let (what, t) = (command.name(), Instant::now());
        let response = c.run(command).await?;
        let ran = t.elapsed();
        resyncer.answer(&response, c.selected().as_ref());
        steps.push(format!(
            "{what} {:.1} ms (+{:.1})",
            ran.as_secs_f64() * 1000.0,
            (t.elapsed() - ran).as_secs_f64() * 1000.0
        ));
    }
    let r = resyncer.finish();
    let took = t.elapsed();
    eprintln!("resync steps: {}", steps.join(", "));
    let bytes = counter.0.load(Ordering::Relaxed) - before;
    let Resync::Changes(r) = r else { unreachable!("the same UIDVALIDITY") };
    println!(
        "resync ({:?}): {} changed, {} vanished; {bytes} bytes, {:.1} ms",
        r.method,
        r.changed.len(),
        r.vanished.len(),
        took.as_secs_f64() * 1000.0
    );
    c.logout().await?;

    // The full flags download it replaces.
    let c = Client::connect(via.as_str()).await?;
    c.login(user, pass).await?;
    let before = counter.0.load(Ordering::Relaxed);
    let t = Instant::now();
    c.select(name.as_str()).await?;
    let all = c.uid_fetch("1:*", "(UID FLAGS)").await?.collect().await?;
    let took = t.elapsed();
    let bytes = counter.0.load(Ordering::Relaxed) - before;
    println!(
        "SELECT + UID FETCH 1:* (FLAGS): {} messages; {bytes} bytes, {:.1} ms",
        all.len(),
        took.as_secs_f64() * 1000.0
    );
    c.logout().await?;
    setup.unselect().await?;
    setup.delete(name.as_str()).await?;
    setup.logout().await?;
    Ok(())
}

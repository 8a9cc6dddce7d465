//! The memory of COMPRESS=DEFLATE's layer per connection (`imap_machine::compress`): N
//! connections' worth of deflaters and inflaters, each having sent and read one batch (a
//! typical IDLE exchange), measured as the growth of the process's resident size. With
//! `idle`, each deflater and inflater is made idle (`Deflater::idle`, `Inflater::idle`)
//! right after its batch, as the adapters do while a client waits in IDLE, so the freed
//! state is reused by the next connection's and the figure is what idle connections hold.
//!
//! ```sh
//! cargo run --release --example compress_memory -- 10000 active
//! cargo run --release --example compress_memory -- 10000 idle
//! ```

#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use bytes::BytesMut;
use imap_machine::compress::{Deflater, Inflater};

/// VmRSS of this process, in KiB (0 where /proc is missing).
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let idle = std::env::args().nth(2).as_deref() == Some("idle");
    let batch = b"* 3 EXISTS\r\n* 1 RECENT\r\n* 3 FETCH (UID 4827 FLAGS (\\Recent))\r\n";
    let base = rss_kib();
    let mut pairs: Vec<(Deflater, Inflater)> = Vec::with_capacity(n);
    let (mut wire, mut plain) = (BytesMut::new(), BytesMut::new());
    for _ in 0..n {
        let (mut d, mut i) = (Deflater::new(), Inflater::new());
        wire.clear();
        d.write_batch(batch, &mut wire);
        i.feed(&wire);
        plain.clear();
        i.read(&mut plain, 1 << 16).expect("inflates");
        assert_eq!(&plain[..], &batch[..]);
        if idle {
            d.idle(&mut wire);
            assert!(i.idle(), "the batch ended with a sync flush");
        }
        pairs.push((d, i));
    }
    let grown = rss_kib().saturating_sub(base);
    let mode = if idle { "deflater and inflater idle" } else { "deflater and inflater active" };
    println!(
        "compress_memory: {n} connections ({mode}), one batch of {} octets sent and read each: \
         {:.1} KiB a connection, {} MiB in all",
        batch.len(),
        grown as f64 / n as f64,
        grown / 1024
    );
}

//! Store engine at scale: how each command's time grows with the mailbox, at 10,000, 100,000
//! and 1,000,000 messages in INBOX, through the whole stack in memory (client machine,
//! server machine, `store::Session`, memory backend; every response encoded, framed and
//! parsed again). The backend is filled directly with `Backend::append` (tiny messages).
//!
//! ```sh
//! cargo bench --bench store                      # 10k, 100k, 1M; best of 3 per cell
//! cargo bench --bench store -- --quick           # 1k, 10k, 100k (CI-sized)
//! cargo bench --bench store -- --sizes 20000,200000 --runs 5 --check
//! ```
//!
//! Each cell is the best of `--runs` runs (default 3), each from a correctly prepared state:
//! flags changed by a timed STORE are changed back untimed, the COPY destination is created
//! anew, and MOVE and EXPUNGE get a freshly filled backend per run. The table gives each
//! command's time per size and the growth ratio between the last two sizes (100k → 1M by
//! default: 10× the messages; the acceptance bound is 15×). `--check` exits 1 when a ratio
//! is above the bound. A plain timing loop, not criterion: one run at a million messages
//! takes seconds, and a run over 5 s is not repeated.

// The bench is the embedder: it owns the clock.
#![allow(clippy::disallowed_methods)]

#[path = "../tests/support/stack.rs"]
mod stack;

use std::time::{Duration, Instant};

use imap_machine::types::{CommandBody, Flag, SearchKey};
use stack::{copy, fetch_flags, filled, first_half, move_, recreate, search, select, set, store, Conn};

/// The acceptance bound on time(1M) / time(100k).
const BOUND: f64 = 15.0;

/// The rows of the table, in order.
const ROWS: [&str; 13] = [
    "fill (Backend::append × n, untimed setup)",
    "SELECT INBOX",
    "FETCH 1:* (FLAGS)",
    "STORE 1:* +FLAGS.SILENT (\\Flagged)",
    "STORE 1:* +FLAGS (\\Flagged)",
    "COPY 1:n/2 to another mailbox",
    "MOVE 1:n/2 to another mailbox",
    "EXPUNGE (\\Deleted on 1:n/2)",
    "SEARCH FLAGGED (1:n/2 flagged)",
    "SEARCH 1:1000",
    "UID SEARCH ALL",
    "2nd session NOOP after whole-set STORE",
    "2nd session NOOP after EXPUNGE of half",
];

struct Options {
    sizes: Vec<usize>,
    runs: usize,
    check: bool,
}

fn options() -> Options {
    let mut o = Options { sizes: vec![10_000, 100_000, 1_000_000], runs: 3, check: false };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => o.sizes = vec![1_000, 10_000, 100_000],
            "--check" => o.check = true,
            "--sizes" => {
                let v = args.next().expect("--sizes needs a value");
                o.sizes = v
                    .split(',')
                    .map(|s| s.trim().replace('_', "").parse::<usize>().expect("--sizes: numbers"))
                    .collect();
            }
            "--runs" => {
                o.runs = args.next().and_then(|v| v.parse::<usize>().ok()).expect("--runs needs a number").max(1)
            }
            _ => {} // `--bench` and the like, from cargo
        }
    }
    o
}

/// A run slower than this is not repeated (the whole table stays within minutes even
/// where a command is quadratic at a million messages).
const SLOW: Duration = Duration::from_secs(5);

/// Runs `prepare` then `measure` up to `runs` times (once if a run exceeds [`SLOW`]); the
/// best time.
fn best<S>(runs: usize, mut prepare: impl FnMut() -> S, mut measure: impl FnMut(&mut S) -> Duration) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let mut state = prepare();
        let t = measure(&mut state);
        drop(state);
        best = best.min(t);
        if t > SLOW {
            break;
        }
    }
    best
}

fn expect(what: &str, got: usize, want: usize) {
    assert_eq!(got, want, "{what}: got {got}, expected {want}");
}

/// The times of every row at one size.
fn measure(n: usize, runs: usize) -> Vec<Duration> {
    let half = first_half(n);
    let mut out = Vec::new();
    let t = Instant::now();
    let base = filled(n);
    out.push(t.elapsed());
    let progress = |row: usize, d: Duration| eprintln!("  n={n}: {} {:.1} ms", ROWS[row], ms(d));
    progress(0, out[0]);

    // SELECT: a new connection per run (the first run claims \Recent).
    let d = best(runs, || Conn::new(&base), |c| c.timed(select()).0);
    progress(1, d);
    out.push(d);

    let mut a = Conn::selected(&base);
    let d = best(
        runs,
        || (),
        |_| {
            let (d, r) = a.timed(fetch_flags());
            expect("FETCH 1:*", r.fetches, n);
            d
        },
    );
    progress(2, d);
    out.push(d);

    for (row, silent) in [(3, true), (4, false)] {
        let d = best(
            runs,
            || (),
            |_| {
                let (d, r) = a.timed(store("1:*", true, silent, Flag::Flagged));
                expect("STORE", r.fetches, if silent { 0 } else { n });
                a.run(store("1:*", false, true, Flag::Flagged));
                d
            },
        );
        progress(row, d);
        out.push(d);
    }

    let d = best(runs, || recreate(&base, "Dest"), |_| a.timed(copy(&half, "Dest")).0);
    progress(5, d);
    out.push(d);

    // MOVE and EXPUNGE destroy half of INBOX: a fresh backend per run.
    let d = best(
        runs,
        || {
            let b = filled(n);
            recreate(&b, "Dest");
            (Conn::selected(&b), b)
        },
        |(c, _)| {
            let (d, r) = c.timed(move_(&half, "Dest"));
            expect("MOVE expunges", r.expunges, n / 2);
            d
        },
    );
    progress(6, d);
    out.push(d);

    let d = best(
        runs,
        || {
            let b = filled(n);
            let mut c = Conn::selected(&b);
            c.run(store(&half, true, true, Flag::Deleted));
            (c, b)
        },
        |(c, _)| {
            let (d, r) = c.timed(CommandBody::Expunge);
            expect("EXPUNGE", r.expunges, n / 2);
            d
        },
    );
    progress(7, d);
    out.push(d);

    a.run(store(&half, true, true, Flag::Flagged));
    let searches = [
        (8, SearchKey::Flagged, false, n / 2),
        (9, SearchKey::SequenceSet(set("1:1000")), false, n.min(1000)),
        (10, SearchKey::All, true, n),
    ];
    for (row, key, uid, want) in searches {
        let d = best(
            runs,
            || (),
            |_| {
                let (d, r) = a.timed(search(key.clone(), uid));
                expect(ROWS[row], r.searched, want);
                d
            },
        );
        progress(row, d);
        out.push(d);
    }
    a.run(store(&half, false, true, Flag::Flagged));

    // Catch-up of a second session after a whole-set STORE of the first.
    let mut b = Conn::selected(&base);
    let d = best(
        runs,
        || (),
        |_| {
            a.run(store("1:*", true, true, Flag::Flagged));
            let (d, r) = b.timed(CommandBody::Noop);
            expect("NOOP after STORE", r.fetches, n);
            a.run(store("1:*", false, true, Flag::Flagged));
            b.run(CommandBody::Noop);
            d
        },
    );
    progress(11, d);
    out.push(d);
    drop((a, b));

    // Catch-up of a second session after the first expunged half: a fresh backend per run.
    let d = best(
        runs,
        || {
            let bk = filled(n);
            let (mut a, mut b) = (Conn::selected(&bk), Conn::selected(&bk));
            a.run(store(&half, true, true, Flag::Deleted));
            b.run(CommandBody::Noop);
            a.run(CommandBody::Expunge);
            (b, a, bk)
        },
        |(b, _, _)| {
            let (d, r) = b.timed(CommandBody::Noop);
            expect("NOOP after EXPUNGE", r.expunges, n / 2);
            d
        },
    );
    progress(12, d);
    out.push(d);
    out
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn label(n: usize) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

fn main() {
    let o = options();
    assert!(o.sizes.len() >= 2, "--sizes needs at least two sizes");
    let t0 = Instant::now();
    let mut table: Vec<Vec<Duration>> = Vec::new();
    for &n in &o.sizes {
        eprintln!("store bench: {n} messages, best of {}", o.runs);
        table.push(measure(n, o.runs));
    }
    let (last, prev) = (o.sizes.len() - 1, o.sizes.len() - 2);
    let growth = o.sizes[last] as f64 / o.sizes[prev] as f64;
    let head: Vec<String> = o.sizes.iter().map(|&n| format!("{} ms", label(n))).collect();
    println!();
    println!(
        "| command | {} | {}→{} (×{growth:.0} messages; bound {BOUND}×) |",
        head.join(" | "),
        label(o.sizes[prev]),
        label(o.sizes[last])
    );
    println!("| --- |{} ---: |", " ---: |".repeat(o.sizes.len()));
    let mut over = 0;
    for (row, name) in ROWS.iter().enumerate() {
        let cells: Vec<String> = table.iter().map(|t| format!("{:.2}", ms(t[row]))).collect();
        let ratio = table[last][row].as_secs_f64() / table[prev][row].as_secs_f64().max(1e-9);
        let verdict = if row == 0 {
            ""
        } else if ratio > BOUND {
            over += 1;
            " OVER"
        } else {
            ""
        };
        println!("| {name} | {} | {ratio:.1}×{verdict} |", cells.join(" | "));
    }
    println!();
    println!(
        "{over} command row(s) above {BOUND}× from {} to {} messages; total {:.0} s",
        label(o.sizes[prev]),
        label(o.sizes[last]),
        t0.elapsed().as_secs_f64()
    );
    if o.check && over > 0 {
        std::process::exit(1);
    }
}

//! Store engine at scale: SELECT and `FETCH 1:* (FLAGS)` on a mailbox of 100,000 messages,
//! through the whole stack in memory (client machine, server machine, session, memory
//! backend). Run with `cargo bench --bench store`.

// The bench is the embedder: it owns the clock.
#![allow(clippy::disallowed_methods)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::Criterion;
use imap_machine::client::{ClientOptions, Event};
use imap_machine::store::memory::MemoryBackend;
use imap_machine::store::{Backend, Session};
use imap_machine::testing::Pair;
use imap_machine::types::{CommandBody, FetchAttribute, FetchAttributes, IString, Mailbox, Secret};

const N: usize = 100_000;
const MSG: &[u8] = b"From: a@example.org\r\nSubject: hello\r\n\r\nbody\r\n";

fn setup() -> (Pair, Session<MemoryBackend>) {
    let backend = Arc::new(MemoryBackend::new());
    backend.add_user("u", "p");
    let user = backend.login("u", "p").unwrap();
    for _ in 0..N {
        backend.append(&user, "INBOX", &[], None, Bytes::from_static(MSG)).unwrap();
    }
    let mut options = Session::server_options(&*backend);
    options.allow_insecure_auth = true;
    let mut pair = Pair::new(ClientOptions::default(), options, Instant::now());
    let mut session = Session::new(backend);
    pair.client
        .send(CommandBody::Login {
            username: IString::from_static("u"),
            password: Secret::new(IString::from_static("p")),
        })
        .unwrap();
    pair.drive_with(|s, e| session.handle(s, e));
    (pair, session)
}

fn run(pair: &mut Pair, session: &mut Session<MemoryBackend>, body: CommandBody) -> usize {
    pair.client_events.clear();
    pair.client.send(body).unwrap();
    pair.drive_with(|s, e| session.handle(s, e));
    pair.client_events.iter().filter(|e| matches!(e, Event::Data(_))).count()
}

fn main() {
    let (mut pair, mut session) = setup();
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    let mut g = c.benchmark_group("store_100k");
    g.bench_function("select", |b| {
        b.iter(|| {
            let n = run(&mut pair, &mut session, CommandBody::Select { mailbox: Mailbox::Inbox });
            assert!(n >= 3);
        })
    });
    g.bench_function("fetch_1_star_flags", |b| {
        b.iter(|| {
            let attributes = FetchAttributes::List(vec![FetchAttribute::Flags]);
            let n = run(
                &mut pair,
                &mut session,
                CommandBody::Fetch { set: "1:*".parse().unwrap(), attributes, uid: false },
            );
            assert_eq!(n, N);
        })
    });
    g.finish();
    c.final_summary();
}

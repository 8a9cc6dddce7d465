//! The client machine's whole path against imap-next's client (imap-codec inside), on
//! the same bytes: `cargo bench --bench client`.
//!
//! Both clients are past the greeting (ours has also SELECTed a mailbox of 10,000
//! messages and sent the `UID FETCH`, as a header sync would). The timed part feeds a
//! server's answer: 10,000 FETCH responses in the shape Dovecot sends for `UID FETCH 1:*
//! (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)`, then the tagged OK, in
//! 16 KiB reads, and drains every event: ours hands out owned `Response`s attributed to
//! the command and updates the mailbox view; imap-next hands out owned `Data`.

use std::hint::black_box;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use criterion::{BatchSize, Criterion, Throughput};
use imap_machine::client::{Client, ClientOptions, Event};
use imap_machine::codec::parse_command;
use imap_next::client::{Client as NextClient, Event as NextEvent, Options as NextOptions};
use imap_next::{Interrupt, Io, State};

/// FETCH responses in the stream.
const RESPONSES: u32 = 10_000;

/// Read size.
const CHUNK: usize = 16 * 1024;

/// The answer to `A2 UID FETCH 1:* (...)`: the FETCH responses, then the tagged OK.
fn stream() -> Vec<u8> {
    let mut s = Vec::new();
    for seq in 1..=RESPONSES {
        s.extend_from_slice(
            format!(
                "* {seq} FETCH (UID {} FLAGS (\\Seen $Forwarded) \
INTERNALDATE \"17-Jul-2024 09:14:52 +0200\" RFC822.SIZE 18734 \
ENVELOPE (\"Wed, 17 Jul 2024 09:14:48 +0200\" \"Re: Quarterly planning\" \
((\"Alice Martin\" NIL \"alice\" \"example.com\")) ((\"Alice Martin\" NIL \"alice\" \"example.com\")) \
((\"Alice Martin\" NIL \"alice\" \"example.com\")) \
((\"Bob Stone\" NIL \"bob\" \"example.org\")(\"Carol Diaz\" NIL \"carol\" \"example.net\")) \
((\"Dave Li\" NIL \"dave\" \"example.com\")) NIL \"<CAF3k9qP2x7Z@example.org>\" \"<{seq}.alice@example.com>\") \
BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\" \"format\" \"flowed\") NIL NIL \"quoted-printable\" 2345 52 NIL NIL NIL NIL)\
(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 9876 180 NIL NIL NIL NIL) \
\"alternative\" (\"boundary\" \"b1_5e7d0c9a4f3b\") NIL NIL NIL))\r\n",
                seq + 1000
            )
            .as_bytes(),
        );
    }
    s.extend_from_slice(b"A2 OK Fetch completed\r\n");
    s
}

/// Our client, SELECTed on a mailbox of [`RESPONSES`] messages, with `A2 UID FETCH` sent.
fn machine_client() -> Client {
    let mut c = Client::new(ClientOptions::default());
    c.handle_input(b"* PREAUTH ready\r\n");
    let command = |wire: &'static [u8]| parse_command(&Bytes::from_static(wire)).expect("a command").body;
    c.send(command(b"x SELECT INBOX\r\n")).expect("SELECT");
    c.handle_input(
        format!(
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)\r\n* {RESPONSES} EXISTS\r\n\
* OK [UIDVALIDITY 1] ok\r\n* OK [UIDNEXT {}] ok\r\nA1 OK [READ-WRITE] done\r\n",
            RESPONSES + 1001
        )
        .as_bytes(),
    );
    c.send(command(b"x UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)\r\n")).expect("FETCH");
    let mut out = BytesMut::new();
    while c.poll_transmit(&mut out) > 0 {}
    assert!(out.ends_with(b"A2 UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)\r\n"));
    while c.poll_event().is_some() {}
    c
}

/// Feeds `stream` to our client and drains its events; returns the FETCH responses seen.
fn machine_run(mut c: Client, stream: &[u8]) -> usize {
    let mut fetches = 0;
    for chunk in stream.chunks(CHUNK) {
        c.handle_input(chunk);
        while let Some(e) = c.poll_event() {
            if let Event::Data { data, .. } = &e {
                fetches += usize::from(matches!(data, imap_machine::types::Data::Fetch { .. }));
            }
            black_box(e);
        }
    }
    fetches
}

/// imap-next's client past the greeting.
fn next_client() -> NextClient {
    let mut c = NextClient::new(NextOptions::default());
    c.enqueue_input(b"* PREAUTH ready\r\n");
    match c.next() {
        Ok(NextEvent::GreetingReceived { .. }) => c,
        other => panic!("imap-next: {other:?}"),
    }
}

/// Feeds `stream` to imap-next's client and drains its events; returns the FETCH
/// responses seen.
fn next_run(mut c: NextClient, stream: &[u8]) -> usize {
    let mut fetches = 0;
    for chunk in stream.chunks(CHUNK) {
        c.enqueue_input(chunk);
        loop {
            match c.next() {
                Ok(e) => {
                    if let NextEvent::DataReceived { data } = &e {
                        fetches += usize::from(matches!(data, imap_next::imap_types::response::Data::Fetch { .. }));
                    }
                    black_box(e);
                }
                Err(Interrupt::Io(Io::NeedMoreInput)) => break,
                Err(e) => panic!("imap-next: {e:?}"),
            }
        }
    }
    fetches
}

fn bench_fetch_stream(c: &mut Criterion) {
    let stream = stream();
    assert_eq!(machine_run(machine_client(), &stream), RESPONSES as usize);
    assert_eq!(next_run(next_client(), &stream), RESPONSES as usize);
    let mut g = c.benchmark_group("client_fetch_stream_10k");
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.sample_size(20);
    g.bench_function("imap-machine", |b| {
        b.iter_batched(machine_client, |client| machine_run(client, black_box(&stream)), BatchSize::LargeInput)
    });
    g.bench_function("imap-next", |b| {
        b.iter_batched(next_client, |client| next_run(client, black_box(&stream)), BatchSize::LargeInput)
    });
    g.finish();
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    bench_fetch_stream(&mut c);
    c.final_summary();
}

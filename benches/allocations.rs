//! Allocations per decoded (or encoded) message, for each library, on the inputs of
//! `codec.rs`: `cargo bench --bench allocations`. Counted by a wrapping global allocator,
//! which is why this is its own binary: the timed benchmarks run without it.

use std::hint::black_box;

use bytes::BytesMut;
use imap_codec::encode::Encoder;
use imap_codec::ResponseCodec;
use imap_machine::codec::{parse_fetch_view, parse_response, FetchTape};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[allow(dead_code)]
#[path = "codec.rs"]
mod codec;
use codec::{
    codec_decode, codec_stream, framed, literal_response, machine_encode, machine_stream, proto_decode, proto_stream,
    small_lines_stream, sort_response, thread_response, FETCH, SMALL_LINES,
};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// Allocator activity of one call.
struct Allocs {
    allocations: usize,
    reallocations: usize,
    bytes: usize,
}

/// Allocator activity of one call of `f`, after one warm-up call.
fn count<R>(mut f: impl FnMut() -> R) -> Allocs {
    black_box(f());
    let region = Region::new(GLOBAL);
    let r = f();
    let stats = region.change();
    drop(black_box(r));
    Allocs { allocations: stats.allocations, reallocations: stats.reallocations, bytes: stats.bytes_allocated }
}

fn print_allocations() {
    let literal = literal_response();
    let stream = small_lines_stream();
    let fetch = framed(FETCH);
    let literal_bytes = framed(&literal);
    let machine_rsp = parse_response(&fetch).expect("imap-machine parses");
    let codec_rsp = codec_decode(FETCH);
    let mut buf = BytesMut::new();
    let (thread, sort) = (thread_response(), sort_response());
    let (thread_bytes, sort_bytes) = (framed(&thread), framed(&sort));

    let mut tape = FetchTape::new();
    let rows = [
        ("fetch_envelope_bodystructure", "imap-machine", count(|| parse_fetch_view(&fetch).map(|v| v.seq())), 1),
        (
            "fetch_envelope_bodystructure",
            "imap-machine (reused tape)",
            count(|| tape.parse(&fetch).map(|v| v.seq())),
            1,
        ),
        ("fetch_envelope_bodystructure", "imap-machine (owned Response)", count(|| parse_response(&fetch)), 1),
        ("fetch_envelope_bodystructure", "imap-codec", count(|| codec_decode(FETCH)), 1),
        ("fetch_envelope_bodystructure", "imap-proto", count(|| proto_decode(FETCH)), 1),
        ("fetch_literal_64k", "imap-machine", count(|| parse_response(&literal_bytes)), 1),
        ("fetch_literal_64k", "imap-codec", count(|| codec_decode(&literal)), 1),
        ("fetch_literal_64k", "imap-proto", count(|| proto_decode(&literal)), 1),
        ("small_lines", "imap-machine", count(|| machine_stream(&stream)), SMALL_LINES),
        ("small_lines", "imap-codec", count(|| codec_stream(&stream)), SMALL_LINES),
        ("small_lines", "imap-proto", count(|| proto_stream(&stream)), SMALL_LINES),
        ("encode_fetch", "imap-machine", count(|| machine_encode(&machine_rsp, &mut buf)), 1),
        ("encode_fetch", "imap-codec", count(|| ResponseCodec::default().encode(&codec_rsp).dump()), 1),
        ("thread_response_10k", "imap-machine", count(|| parse_response(&thread_bytes)), 1),
        ("thread_response_10k", "imap-codec", count(|| codec_decode(&thread)), 1),
        ("sort_response_10k", "imap-machine", count(|| parse_response(&sort_bytes)), 1),
        ("sort_response_10k", "imap-codec", count(|| codec_decode(&sort)), 1),
        ("sort_response_10k", "imap-proto", count(|| proto_decode(&sort)), 1),
    ];

    println!("Allocations per message (one call after a warm-up; small_lines: whole stream / {SMALL_LINES})");
    println!("| case | library | allocations | reallocations | bytes allocated |");
    println!("| --- | --- | ---: | ---: | ---: |");
    for (case, lib, a, per) in rows {
        let f = |v: usize| if per == 1 { v.to_string() } else { format!("{:.2}", v as f64 / per as f64) };
        println!("| {case} | {lib} | {} | {} | {} |", f(a.allocations), f(a.reallocations), f(a.bytes));
    }
    println!();
}

fn main() {
    print_allocations();
}

//! Replays the fuzz corpora on stable Rust, without cargo-fuzz: every file of
//! `fuzz/corpus/<target>/` (the seeds, the inputs fuzzing kept, and the `crash-*`
//! regression inputs) and of `fuzz/regressions/<target>/` if present, through the target's
//! own body. The bodies are `fuzz/harness.rs`, the very file the fuzz targets compile, so
//! this test runs the fuzzed code and its assertions.

use std::path::{Path, PathBuf};

#[path = "../fuzz/harness.rs"]
mod harness;

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut out = Vec::new();
    for dir in [root.join("corpus").join(target), root.join("regressions").join(target)] {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for e in entries {
            let p = e.expect("directory entry").path();
            if p.is_file() {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn replay(target: &str) {
    let run = harness::TARGETS.iter().find(|(name, _)| *name == target).expect("a known target").1;
    let files = inputs(target);
    assert!(!files.is_empty(), "no corpus for {target}: run fuzz/seed.sh");
    let mut failed = Vec::new();
    for f in &files {
        let data = std::fs::read(f).expect("readable corpus file");
        if std::panic::catch_unwind(|| run(&data)).is_err() {
            failed.push(f.display().to_string());
        }
    }
    assert!(failed.is_empty(), "{target}: {} of {} inputs failed: {failed:#?}", failed.len(), files.len());
    eprintln!("{target}: {} inputs replayed", files.len());
}

#[test]
fn every_target_has_a_replay_test() {
    let names: Vec<&str> = harness::TARGETS.iter().map(|(n, _)| *n).collect();
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/Cargo.toml"))
        .expect("fuzz/Cargo.toml");
    for n in &names {
        assert!(manifest.contains(&format!("name = \"{n}\"")), "{n} is not a fuzz target in fuzz/Cargo.toml");
    }
    let here = include_str!("fuzz_corpus_replay.rs");
    for n in &names {
        assert!(here.contains(&format!("replay(\"{n}\")")), "{n} has no replay test");
    }
}

#[test]
fn framer() {
    replay("framer");
}

#[test]
fn command_parser() {
    replay("command_parser");
}

#[test]
fn response_parser() {
    replay("response_parser");
}

#[test]
fn command_roundtrip() {
    replay("command_roundtrip");
}

#[test]
fn response_roundtrip() {
    replay("response_roundtrip");
}

#[test]
fn client_machine() {
    replay("client_machine");
}

#[test]
fn server_session() {
    replay("server_session");
}

#[test]
fn mime() {
    replay("mime");
}

#[test]
fn mutf7() {
    replay("mutf7");
}

#[test]
fn fetch_view() {
    replay("fetch_view");
}

#[test]
fn client_body_stream() {
    replay("client_body_stream");
}

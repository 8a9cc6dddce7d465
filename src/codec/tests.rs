//! Round trips through the whole codec: encode, frame, parse.

use bytes::BytesMut;
use proptest::prelude::*;

use super::*;
use crate::types::strategies;
use crate::types::Command;

/// Encodes `cmd`, feeds the bytes through a server-side framer in `chunk`-sized pieces
/// and parses the one message that comes out.
pub(crate) fn round_trip_command(cmd: &Command, policy: LiteralPolicy, chunk: usize) -> Result<Command, String> {
    let mut buf = BytesMut::new();
    let encoded = encode_command(cmd, &EncodeOptions::with_literal_policy(policy), &mut buf);
    let wire = encoded.to_vec();
    let mut framer = Framer::new(Role::Server, FramerOptions::default());
    let mut frames = Vec::new();
    for c in wire.chunks(chunk.max(1)) {
        framer.handle_input(c);
        while let Some(e) = framer.poll() {
            match e {
                FramerEvent::Message(f) => frames.push(f),
                FramerEvent::LiteralAnnounced { .. } => {}
                FramerEvent::Error(e) => return Err(format!("frame error {e}")),
                FramerEvent::LiteralOffered { .. } | FramerEvent::LiteralChunk(_) | FramerEvent::LiteralEnd => {
                    return Err("no literal is offered".into())
                }
            }
        }
    }
    if frames.len() != 1 {
        return Err(format!("{} frames from {:?}", frames.len(), String::from_utf8_lossy(&wire)));
    }
    parse_command(frames[0].bytes()).map_err(|e| format!("{e} in {:?}", String::from_utf8_lossy(&wire)))
}

fn policy() -> impl Strategy<Value = LiteralPolicy> {
    prop_oneof![Just(LiteralPolicy::Sync), Just(LiteralPolicy::NonSync), Just(LiteralPolicy::NonSyncUpTo4096)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn command_round_trip(cmd in strategies::command(), policy in policy(), chunk in 1usize..200) {
        prop_assert_eq!(round_trip_command(&cmd, policy, chunk).map_err(TestCaseError::fail)?, cmd);
    }

    #[test]
    fn parser_never_panics(input in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse_command(&bytes::Bytes::from(input));
    }

    #[test]
    fn mutated_commands_never_panic(cmd in strategies::command(), at in any::<prop::sample::Index>(), b in any::<u8>()) {
        let mut buf = BytesMut::new();
        let mut wire = encode_command(&cmd, &EncodeOptions::default(), &mut buf).to_vec();
        let i = at.index(wire.len());
        wire[i] = b;
        let _ = parse_command(&bytes::Bytes::from(wire.clone()));
        wire.truncate(i);
        let _ = parse_command(&bytes::Bytes::from(wire));
    }
}

/// Encodes `rsp`, frames the bytes as a client in `chunk`-sized pieces and parses the one
/// message that comes out.
pub(crate) fn round_trip_response(
    rsp: &crate::types::Response,
    chunk: usize,
) -> Result<crate::types::Response, String> {
    let wire = encode_response(rsp, &mut BytesMut::new()).to_vec();
    let mut framer = Framer::new(Role::Client, FramerOptions::default());
    let mut frames = Vec::new();
    for c in wire.chunks(chunk.max(1)) {
        framer.handle_input(c);
        while let Some(e) = framer.poll() {
            match e {
                FramerEvent::Message(f) => frames.push(f),
                other => return Err(format!("unexpected {other:?}")),
            }
        }
    }
    if frames.len() != 1 {
        return Err(format!("{} frames from {:?}", frames.len(), String::from_utf8_lossy(&wire)));
    }
    parse_response(frames[0].bytes()).map_err(|e| format!("{e} in {:?}", String::from_utf8_lossy(&wire)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn response_round_trip(rsp in strategies::response(), chunk in 1usize..300) {
        prop_assert_eq!(round_trip_response(&rsp, chunk).map_err(TestCaseError::fail)?, rsp);
    }

    #[test]
    fn response_parser_never_panics(input in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse_response(&bytes::Bytes::from(input));
    }

    #[test]
    fn mutated_responses_never_panic(rsp in strategies::response(), at in any::<prop::sample::Index>(), b in any::<u8>()) {
        let mut wire = encode_response(&rsp, &mut BytesMut::new()).to_vec();
        let i = at.index(wire.len());
        wire[i] = b;
        let _ = parse_response(&bytes::Bytes::from(wire.clone()));
        wire.truncate(i);
        let _ = parse_response(&bytes::Bytes::from(wire));
    }
}

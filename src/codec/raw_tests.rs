//! Raw commands through the whole codec: any raw command encodes, frames as one message
//! in any chunking, parses back equal, and encodes back to the same bytes.

use bytes::{Bytes, BytesMut};
use proptest::prelude::*;

use super::*;
use crate::types::strategies;
use crate::types::{Command, CommandBody};

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn raw_command_round_trip(tag in strategies::tag(), raw in strategies::raw_command(), chunk in 1usize..64) {
        let cmd = Command::new(tag, CommandBody::Raw(raw));
        let wire = encode_command(&cmd, &EncodeOptions::default(), &mut BytesMut::new()).to_vec();
        let mut framer = Framer::new(Role::Server, FramerOptions::default());
        let mut frames = Vec::new();
        for c in wire.chunks(chunk) {
            framer.handle_input(c);
            while let Some(e) = framer.poll() {
                match e {
                    FramerEvent::Message(f) => frames.push(f.into_bytes()),
                    FramerEvent::LiteralAnnounced { .. } => {}
                    other => return Err(TestCaseError::fail(format!("{other:?}"))),
                }
            }
        }
        prop_assert_eq!(frames.len(), 1, "{:?}", String::from_utf8_lossy(&wire));
        let parsed = parse_raw_command(&frames[0]).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&parsed, &cmd);
        // encode(parse(x)) == x, byte for byte.
        let again = encode_command(&parsed, &EncodeOptions::default(), &mut BytesMut::new()).to_vec();
        prop_assert_eq!(again, wire);
    }

    #[test]
    fn raw_parser_never_panics(input in proptest::collection::vec(any::<u8>(), 0..200)) {
        let bytes = Bytes::from(input);
        if let Ok(cmd) = parse_raw_command(&bytes) {
            // Whatever parses encodes back byte for byte.
            let again = encode_command(&cmd, &EncodeOptions::default(), &mut BytesMut::new()).to_vec();
            prop_assert_eq!(&again[..], &bytes[..]);
        }
    }
}

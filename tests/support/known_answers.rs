//! The two directions of a known-answer row, shared by the `known_answers_*` tests.

#![allow(dead_code)]

use bytes::{Bytes, BytesMut};
use imap_machine::codec::{encode_command, encode_response, parse_command, parse_response, EncodeOptions};
use imap_machine::types::{Command, Response};

/// `wire` parses to `value`; `value` encodes to `encoded` when the encoder's canonical
/// form differs from `wire`, else to `wire`; and that parses back to `value`.
pub(crate) fn command_both_ways(wire: &str, value: &Command, encoded: Option<&str>, options: &EncodeOptions) {
    let parsed = parse_command(&Bytes::copy_from_slice(wire.as_bytes()));
    assert_eq!(parsed.as_ref().ok(), Some(value), "parse {wire:?}");
    let out = encode_command(value, options, &mut BytesMut::new()).to_vec();
    let want = encoded.unwrap_or(wire);
    assert_eq!(String::from_utf8_lossy(&out), want, "encode {value:?}");
    assert_eq!(parse_command(&Bytes::copy_from_slice(want.as_bytes())).ok().as_ref(), Some(value), "parse {want:?}");
}

/// The same for a response.
pub(crate) fn response_both_ways(wire: &str, value: &Response, encoded: Option<&str>) {
    let parsed = parse_response(&Bytes::copy_from_slice(wire.as_bytes()));
    assert_eq!(parsed.as_ref().ok(), Some(value), "parse {wire:?}");
    let out = encode_response(value, &mut BytesMut::new()).to_vec();
    let want = encoded.unwrap_or(wire);
    assert_eq!(String::from_utf8_lossy(&out), want, "encode {value:?}");
    assert_eq!(parse_response(&Bytes::copy_from_slice(want.as_bytes())).ok().as_ref(), Some(value), "parse {want:?}");
}

/// Every one of `wires` is refused by the command parser.
pub(crate) fn refused(wires: &[&str]) {
    for wire in wires {
        assert!(parse_command(&Bytes::copy_from_slice(wire.as_bytes())).is_err(), "accepted {wire:?}");
    }
}

/// [`command_both_ways`] for every row, with the default encoder options.
pub(crate) fn all_commands(rows: Vec<(&str, Command, Option<&str>)>) {
    for (wire, value, encoded) in rows {
        command_both_ways(wire, &value, encoded, &imap_machine::codec::EncodeOptions::default());
    }
}

/// [`response_both_ways`] for every row.
pub(crate) fn all_responses(rows: Vec<(&str, Response, Option<&str>)>) {
    for (wire, value, encoded) in rows {
        response_both_ways(wire, &value, encoded);
    }
}

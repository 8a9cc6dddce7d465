//! Strategies for URLAUTH (RFC 4467).

use proptest::collection::vec;
use proptest::prelude::*;

use super::{atom, istring, mailbox, nstring};
use crate::types::*;

/// A URL authorization mechanism with or without base64 data.
pub fn urlmech() -> impl Strategy<Value = UrlMech> {
    let name = "[A-Za-z0-9.-]{1,12}".prop_map(|s| Atom::try_from(s).expect("an atom"));
    (name, proptest::option::of("[A-Za-z0-9+/]{0,20}={0,2}")).prop_map(|(mechanism, data)| UrlMech { mechanism, data })
}

/// RESETKEY, GENURLAUTH and URLFETCH.
pub fn urlauth_command() -> impl Strategy<Value = CommandBody> {
    prop_oneof![
        Just(CommandBody::ResetKey { mailbox: None, mechanisms: Vec::new() }),
        (mailbox(), vec(atom(), 0..3))
            .prop_map(|(mailbox, mechanisms)| CommandBody::ResetKey { mailbox: Some(mailbox), mechanisms }),
        vec((istring(), atom()), 1..3).prop_map(|urls| CommandBody::GenUrlAuth { urls }),
        vec(istring(), 1..3).prop_map(|urls| CommandBody::UrlFetch { urls }),
    ]
}

/// GENURLAUTH and URLFETCH responses.
pub fn urlauth_data() -> impl Strategy<Value = Data> {
    prop_oneof![
        vec(istring(), 1..3).prop_map(Data::GenUrlAuth),
        vec((istring(), nstring()), 1..3).prop_map(Data::UrlFetch),
    ]
}

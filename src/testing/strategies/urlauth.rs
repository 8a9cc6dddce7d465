//! Strategies for URLAUTH (RFC 4467).

use proptest::collection::vec;
use proptest::prelude::*;

use super::{atom, body_structure, istring, mailbox, nstring};
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
        vec(url_fetch_arg(), 1..3).prop_map(|urls| CommandBody::UrlFetch { urls }),
    ]
}

/// GENURLAUTH and URLFETCH responses.
pub fn urlauth_data() -> impl Strategy<Value = Data> {
    prop_oneof![
        vec(istring(), 1..3).prop_map(Data::GenUrlAuth),
        vec((istring(), url_fetch_data()), 1..3).prop_map(Data::UrlFetch),
    ]
}

/// A URLFETCH argument, plain or with RFC 5524's parameters.
fn url_fetch_arg() -> impl Strategy<Value = UrlFetchArg> {
    let param = prop_oneof![
        Just(UrlFetchParam::Body),
        Just(UrlFetchParam::Binary),
        Just(UrlFetchParam::BodyPartStructure),
        "X[A-Z]{1,8}".prop_map(|s| UrlFetchParam::Other(Atom::try_from(s).expect("an atom"))),
    ];
    (istring(), proptest::option::of(vec(param, 0..4))).prop_map(|(url, params)| UrlFetchArg { url, params })
}

/// One URL's answer, plain or extended, with binary data that may hold NUL.
fn url_fetch_data() -> impl Strategy<Value = UrlFetchData> {
    let body = prop_oneof![
        nstring().prop_map(UrlFetchBody::Body),
        proptest::option::of(vec(any::<u8>(), 0..40).prop_map(bytes::Bytes::from)).prop_map(UrlFetchBody::Binary),
    ];
    prop_oneof![
        nstring().prop_map(UrlFetchData::Plain),
        (proptest::option::of(body_structure().prop_map(Box::new)), proptest::option::of(body))
            .prop_map(|(body_part_structure, body)| UrlFetchData::Extended { body_part_structure, body }),
    ]
}

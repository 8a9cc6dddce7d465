//! Streamed APPEND in the client machine: the announcement, the wait for `+`, the octets
//! in pieces, nothing else in between, and the refusals.

use bytes::{Bytes, BytesMut};

use super::super::{Client, ClientOptions, CommandId, Error, Event};
use crate::types::{CommandBody, Flag, Mailbox};

fn client(caps: &str) -> Client {
    let mut c = Client::new(ClientOptions::default());
    c.handle_input(format!("* PREAUTH [CAPABILITY IMAP4rev1 {caps}] ready\r\n").as_bytes());
    while c.poll_event().is_some() {}
    c
}

fn sent(c: &mut Client) -> String {
    let mut out = BytesMut::new();
    c.poll_transmit(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn events(c: &mut Client) -> Vec<Event> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

fn start(c: &mut Client, size: u64) -> CommandId {
    c.append_stream(Mailbox::Inbox, vec![Flag::Seen], None, size).unwrap()
}

#[test]
fn a_synchronising_literal_waits_for_plus_and_holds_the_next_command() {
    let mut c = client("");
    let id = start(&mut c, 10);
    let noop = c.send(CommandBody::Noop).unwrap();
    assert_eq!(sent(&mut c), "A1 APPEND INBOX (\\Seen) {10}\r\n");
    assert!(events(&mut c).is_empty());
    assert_eq!(c.append_data(id, Bytes::from_static(b"abc")), Err(Error::NotAppending));
    c.handle_input(b"+ go ahead\r\n");
    assert_eq!(events(&mut c), [Event::AppendReady { id }]);
    c.append_data(id, Bytes::from_static(b"From")).unwrap();
    assert_eq!(sent(&mut c), "From", "the octets go out as given, and the NOOP waits");
    c.append_data(id, Bytes::from_static(b": x\r\n")).unwrap();
    assert_eq!(c.append_end(id), Err(Error::AppendSize { size: 10, given: 9 }));
    assert_eq!(c.append_data(id, Bytes::from_static(b"ab")), Err(Error::AppendSize { size: 10, given: 11 }));
    c.append_data(id, Bytes::from_static(b"\n")).unwrap();
    c.append_end(id).unwrap();
    assert_eq!(sent(&mut c), ": x\r\n\n\r\nA2 NOOP\r\n");
    c.handle_input(b"A1 OK [APPENDUID 1 5] done\r\nA2 OK done\r\n");
    let all = events(&mut c);
    assert!(matches!(&all[0], Event::CommandCompleted { id: i, .. } if *i == id), "{all:?}");
    assert!(matches!(&all[1], Event::CommandCompleted { id: i, .. } if *i == noop), "{all:?}");
}

#[test]
fn literal_plus_sends_at_once() {
    let mut c = client("LITERAL+");
    let id = start(&mut c, 3);
    assert_eq!(sent(&mut c), "A1 APPEND INBOX (\\Seen) {3+}\r\n");
    assert_eq!(events(&mut c), [Event::AppendReady { id }]);
    c.append_data(id, Bytes::from_static(b"abc")).unwrap();
    c.append_end(id).unwrap();
    assert_eq!(sent(&mut c), "abc\r\n");
}

#[test]
fn literal_minus_only_up_to_4096() {
    let mut c = client("LITERAL-");
    start(&mut c, 4096);
    assert!(sent(&mut c).ends_with("{4096+}\r\n"));
    let mut c = client("LITERAL-");
    start(&mut c, 4097);
    assert!(sent(&mut c).ends_with("{4097}\r\n"));
}

#[test]
fn a_refused_literal_sends_nothing_and_the_next_command_goes() {
    let mut c = client("");
    let id = start(&mut c, 1 << 40);
    c.send(CommandBody::Noop).unwrap();
    assert_eq!(sent(&mut c), "A1 APPEND INBOX (\\Seen) {1099511627776}\r\n");
    c.handle_input(b"A1 NO [TOOBIG] too big\r\n");
    let all = events(&mut c);
    assert!(matches!(&all[0], Event::CommandRejected { id: i, .. } if *i == id), "{all:?}");
    assert_eq!(c.append_data(id, Bytes::from_static(b"x")), Err(Error::NotAppending));
    assert_eq!(sent(&mut c), "A2 NOOP\r\n");
}

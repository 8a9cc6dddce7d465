//! Partial FETCH (`BODY.PEEK[]<0.1024>`, RFC 3501 §6.4.5) from a message file: only the
//! range is read, where the file is served as it is.
//!
//! A file is served as it is when its name says so: its size on disk (`S=`) is the size
//! it is served with (`W=`, CRLF line ends), which is when it has a CRLF (or no line end
//! at all); then a range of what the client sees is the same range of the file. A file
//! with bare LF line ends is served with CRLF, so its offsets move with every line: it
//! is read whole and the converted text cut, as is a file whose name does not say both
//! sizes. An expunged message the session still sees comes from the copy kept for it.

use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;

use bytes::Bytes;
use imap_machine::store::{slice_range, SessionId};

use crate::error::{MaildirError, Result};
use crate::keywords::size_field;
use crate::mailbox::Mailbox;
use crate::sync::message_read;

/// Whether the file of `base` is served as it is, by its name (see the module docs).
fn served_as_is(base: &str) -> bool {
    matches!((size_field(base, "S="), size_field(base, "W=")), (Some(s), Some(w)) if s == w)
}

impl Mailbox {
    /// The octets `range` of message `uid` as `session` sees it, as `fetch` serves it,
    /// clamped to its end (`Backend::fetch_range`); `None` if it is gone for the session.
    pub(crate) fn read_range(&self, session: SessionId, uid: u32, range: Range<u64>) -> Result<Option<Bytes>> {
        let Some(m) = self.messages.get(&uid) else {
            let kept = self.ghosts.get(&uid).filter(|g| g.holders.contains(&session)).and_then(|g| g.data.as_ref());
            return Ok(kept.map(|(body, _)| slice_range(body, range)));
        };
        if !served_as_is(m.base()) {
            return Ok(self.read_message(uid)?.map(|(body, _)| slice_range(&body, range)));
        }
        let Some(mut file) = self.open_message(m)? else { return Ok(None) };
        let path = self.path_of(m);
        let len = range.end.saturating_sub(range.start);
        let mut data = Vec::with_capacity(len.min(m.size().saturating_sub(range.start)) as usize);
        if range.start < m.size() {
            file.seek(SeekFrom::Start(range.start)).map_err(MaildirError::io("seek", &path))?;
            file.take(len).read_to_end(&mut data).map_err(MaildirError::io("read", &path))?;
        }
        message_read(data.len());
        Ok(Some(Bytes::from(data)))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Instant;

    use bytes::Bytes;
    use imap_machine::client::{self, ClientOptions};
    use imap_machine::store::{Backend, Session};
    use imap_machine::testing::Pair;
    use imap_machine::types::{
        CommandBody, Data, FetchAttribute, FetchAttributes, FetchItem, Flag, IString, Mailbox, Partial, Secret,
        Section, StatusKind, StoreKind,
    };
    use proptest::prelude::*;

    use super::*;
    use crate::sync::{MESSAGE_IO, MESSAGE_READ};
    use crate::{lock, MaildirBackend, UserData};

    /// Octets this thread read from message files so far.
    fn read() -> u64 {
        MESSAGE_READ.with(|n| n.get())
    }

    fn backend() -> (tempfile::TempDir, Arc<MaildirBackend>, Arc<UserData>) {
        let dir = tempfile::tempdir().unwrap();
        let b = MaildirBackend::new(dir.path()).with_fsync(false);
        b.add_user("joe", "secret").unwrap();
        let joe = b.login("joe", "secret").unwrap();
        (dir, Arc::new(b), joe)
    }

    /// A message of about `size` octets: a header, then numbered lines ending in `eol`.
    fn message(size: usize, eol: &str) -> Vec<u8> {
        let mut m = format!("Subject: big{eol}{eol}");
        let mut n = 0;
        while m.len() < size {
            m.push_str(&format!("line {n:07} of the body{eol}"));
            n += 1;
        }
        m.into_bytes()
    }

    /// A file put into `cur/` by another program, named without sizes (as mbsync may);
    /// its UID.
    fn foreign(b: &MaildirBackend, joe: &Arc<UserData>, data: &[u8]) -> u32 {
        std::fs::write(joe.root.join("cur").join("1.M1P1.elsewhere:2,"), data).unwrap();
        b.status(joe, "INBOX").unwrap().uid_next - 1
    }

    fn partial(offset: u32, n: u32) -> FetchAttribute {
        let length = std::num::NonZeroU32::new(n).unwrap();
        FetchAttribute::BodySection {
            peek: true,
            section: Section::default(),
            partial: Some(Partial { offset, length }),
        }
    }

    /// One client, joe, INBOX selected; runs a command, returns its data.
    fn run(pair: &mut Pair, session: &mut Session<MaildirBackend>, body: CommandBody) -> Vec<Data> {
        let start = pair.client_events.len();
        let id = pair.client.send(body).unwrap();
        pair.drive_with(|server, event| session.handle(server, event));
        let mut ok = false;
        let mut data = Vec::new();
        for e in &pair.client_events[start..] {
            match e {
                client::Event::CommandCompleted { id: done, status } if *done == id => {
                    ok = status.kind == StatusKind::Ok
                }
                client::Event::Data { data: d, .. } => data.push(d.clone()),
                _ => {}
            }
        }
        assert!(ok, "{data:?}");
        data
    }

    /// A 5 MB message: `BODY.PEEK[]<0.100>` and a range near its end read those octets
    /// and no more, and answer the same octets as the whole message; FETCH BODY.PEEK[]
    /// reads it all.
    #[test]
    fn a_partial_fetch_reads_its_range() {
        let (_dir, b, joe) = backend();
        let big = message(5 << 20, "\r\n");
        let (_, uid) = b.append(&joe, "INBOX", &[], None, Bytes::from(big.clone())).unwrap();
        let mut options = Session::server_options(&*b);
        options.allow_insecure_auth = true;
        let mut pair = Pair::new(ClientOptions::default(), options, Instant::now());
        let mut session = Session::new(b.clone());
        let login = CommandBody::Login {
            username: IString::from_static("joe"),
            password: Secret::new(IString::from_static("secret")),
        };
        run(&mut pair, &mut session, login);
        run(&mut pair, &mut session, CommandBody::select(Mailbox::Inbox));
        let fetch = |atts| CommandBody::Fetch {
            set: uid.to_string().parse().unwrap(),
            attributes: FetchAttributes::List(atts),
            uid: true,
            modifiers: vec![],
        };
        let section = |data: &[Data]| -> Vec<u8> {
            data.iter()
                .find_map(|d| match d {
                    Data::Fetch { items, .. } => items.iter().find_map(|i| match i {
                        FetchItem::BodySection { data, .. } => Some(data.as_ref().unwrap().as_bytes().to_vec()),
                        _ => None,
                    }),
                    _ => None,
                })
                .expect("a BODY[] item")
        };
        let (before, opened) = (read(), MESSAGE_IO.with(|n| n.get()));
        let data = run(&mut pair, &mut session, fetch(vec![partial(0, 100), FetchAttribute::Flags]));
        assert_eq!(section(&data), &big[..100]);
        assert_eq!(read() - before, 100, "only the range is read");
        assert!(MESSAGE_IO.with(|n| n.get()) - opened <= 2, "a stat for the date, an open for the range");
        let end = big.len() as u32 - 30;
        let before = read();
        let data = run(&mut pair, &mut session, fetch(vec![partial(end, 1000)]));
        assert_eq!(section(&data), &big[end as usize..]);
        assert_eq!(read() - before, 30);
        let before = read();
        let data = run(&mut pair, &mut session, fetch(vec![partial(big.len() as u32 + 10, 10)]));
        assert_eq!(section(&data), b"");
        assert_eq!(read() - before, 0);
        let before = read();
        run(&mut pair, &mut session, fetch(vec![partial(0, 100), FetchAttribute::Envelope]));
        assert_eq!(read() - before, big.len() as u64, "ENVELOPE reads the message");
    }

    /// A bare-LF file is served with CRLF: its range is of the converted text (read
    /// whole); so is a file whose name does not give its sizes.
    #[test]
    fn bare_lf_files_give_the_converted_range() {
        let (_dir, b, joe) = backend();
        let lf = message(2000, "\n");
        let (_, uid) = b.append(&joe, "INBOX", &[], None, Bytes::from(lf.clone())).unwrap();
        let crlf = message(2000, "\r\n");
        let converted = Bytes::from(String::from_utf8(lf.clone()).unwrap().replace('\n', "\r\n"));
        let s = b.new_session();
        b.open(&joe, "INBOX", s, false).unwrap();
        let before = read();
        let got = b.fetch_range(&joe, "INBOX", s, uid, 100..150).unwrap().unwrap();
        assert_eq!(got, converted.slice(100..150));
        assert_eq!(read() - before, lf.len() as u64, "read whole");
        let other = foreign(&b, &joe, &crlf);
        let got = b.fetch_range(&joe, "INBOX", s, other, 10..20).unwrap().unwrap();
        assert_eq!(&got[..], &crlf[10..20]);
        assert_eq!(b.fetch_range(&joe, "INBOX", s, 999, 0..10).unwrap(), None, "no such message");
    }

    /// A message another session expunged comes from the copy kept for this one, until
    /// it lets go of it.
    #[test]
    fn an_expunged_message_still_seen_gives_its_range() {
        let (_dir, b, joe) = backend();
        let (_, uid) = b.append(&joe, "INBOX", &[], None, Bytes::from_static(b"Subject: x\r\n\r\nbody\r\n")).unwrap();
        let (s, t) = (b.new_session(), b.new_session());
        b.open(&joe, "INBOX", s, false).unwrap();
        b.open(&joe, "INBOX", t, false).unwrap();
        b.store(&joe, "INBOX", &[uid], StoreKind::Add, &[Flag::Deleted]).unwrap();
        assert_eq!(b.expunge(&joe, "INBOX", None, 10).unwrap(), [uid]);
        assert!(lock(&b.loaded(&joe, "INBOX").unwrap()).messages.is_empty(), "the file is gone");
        let got = b.fetch_range(&joe, "INBOX", s, uid, 14..100).unwrap();
        assert_eq!(got.as_deref(), Some(&b"body\r\n"[..]));
        b.release(&joe, "INBOX", s, &[uid]);
        assert_eq!(b.fetch_range(&joe, "INBOX", s, uid, 14..100).unwrap(), None);
        let other = b.new_session();
        assert_eq!(b.fetch_range(&joe, "INBOX", other, uid, 0..1).unwrap(), None, "never saw it");
        assert!(b.fetch_range(&joe, "INBOX", t, uid, 0..1).unwrap().is_some());
    }

    /// Text of random lines with CRLF or bare LF ends (and sometimes a stray CR).
    fn text() -> impl Strategy<Value = (Vec<u8>, bool)> {
        let line = proptest::collection::vec(prop_oneof![Just(b'a'), Just(b' '), Just(b'\r'), Just(0u8)], 0..20);
        (proptest::collection::vec(line, 0..30), any::<bool>()).prop_map(|(lines, crlf)| {
            let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
            (lines.iter().flat_map(|l| [&l[..], eol].concat()).collect(), crlf)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// `fetch_range` is the range of what `fetch` serves, for any range, on CRLF and
        /// bare-LF files; a CRLF file reads no more than the range.
        #[test]
        fn fetch_range_is_a_slice_of_fetch(
            (data, crlf) in text(),
            ranges in proptest::collection::vec((0u64..700, 0u64..700), 1..8),
        ) {
            let (_dir, b, joe) = backend();
            let (_, uid) = b.append(&joe, "INBOX", &[], None, Bytes::from(data)).unwrap();
            let s = b.new_session();
            b.open(&joe, "INBOX", s, false).unwrap();
            let whole = b.fetch(&joe, "INBOX", s, &[uid]).unwrap().remove(0).unwrap().body;
            for (start, n) in ranges {
                let before = read();
                let got = b.fetch_range(&joe, "INBOX", s, uid, start..start + n).unwrap().unwrap();
                prop_assert_eq!(&got, &slice_range(&whole, start..start + n));
                if crlf {
                    prop_assert_eq!(read() - before, got.len() as u64);
                }
            }
        }
    }
}

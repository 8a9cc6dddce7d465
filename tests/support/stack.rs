//! The whole stack in memory, for the store's complexity checks (`benches/store.rs`,
//! `tests/store_growth.rs`): a memory backend filled directly with tiny messages, and
//! connections that each are a client machine and a server machine (`testing::Pair`) with a
//! `store::Session` on that backend. Every response is encoded, framed and parsed again.

#![allow(dead_code, clippy::disallowed_methods, unreachable_pub)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use imap_machine::client::{ClientOptions, Event};
use imap_machine::store::memory::MemoryBackend;
use imap_machine::store::{Backend, Session};
use imap_machine::testing::Pair;
use imap_machine::types::{
    CommandBody, Data, FetchAttribute, FetchAttributes, Flag, IString, Mailbox, SearchKey, Secret, SequenceSet,
    StatusKind, StoreKind,
};

/// The message every mailbox is filled with.
pub const MSG: &[u8] = b"From: a@example.org\r\nSubject: hello\r\n\r\nbody\r\n";

/// A backend with user `u` (password `p`) and `n` messages in INBOX, appended directly.
pub fn filled(n: usize) -> Arc<MemoryBackend> {
    let backend = Arc::new(MemoryBackend::new());
    backend.add_user("u", "p");
    let user = backend.login("u", "p").unwrap();
    for _ in 0..n {
        backend.append(&user, "INBOX", &[], None, Bytes::from_static(MSG)).unwrap();
    }
    backend
}

/// Creates mailbox `name` (directly on the backend), deleting it first if it exists.
pub fn recreate(backend: &MemoryBackend, name: &str) {
    let user = backend.login("u", "p").unwrap();
    let _ = backend.delete(&user, name);
    backend.create(&user, name).unwrap();
}

/// What a command got back.
#[derive(Debug, Default)]
pub struct Reply {
    /// Untagged data responses.
    pub data: usize,
    /// `* n EXPUNGE` among them.
    pub expunges: usize,
    /// `* n FETCH` among them.
    pub fetches: usize,
    /// Numbers in `* SEARCH` responses.
    pub searched: usize,
}

/// One connection: client machine, server machine, session.
pub struct Conn {
    pub pair: Pair,
    pub session: Session<MemoryBackend>,
}

impl Conn {
    /// A new connection on `backend`, logged in as `u`. The client takes lines of any
    /// length (a `* SEARCH` of a million numbers is about 7 MB).
    pub fn new(backend: &Arc<MemoryBackend>) -> Conn {
        let mut options = Session::server_options(&**backend);
        options.allow_insecure_auth = true;
        let mut client = ClientOptions::default();
        client.framer.max_line_len = 256 << 20;
        client.framer.max_message_len = 256 << 20;
        let pair = Pair::new(client, options, Instant::now());
        let mut conn = Conn { pair, session: Session::new(backend.clone()) };
        conn.run(CommandBody::Login {
            username: IString::from_static("u"),
            password: Secret::new(IString::from_static("p")),
        });
        conn
    }

    /// A new connection with INBOX selected.
    pub fn selected(backend: &Arc<MemoryBackend>) -> Conn {
        let mut conn = Conn::new(backend);
        conn.run(select());
        conn
    }

    /// Sends `body`, moves bytes until both sides are quiet, and checks the command
    /// completed with OK.
    pub fn run(&mut self, body: CommandBody) -> Reply {
        let what = format!("{body:?}");
        self.pair.client_events.clear();
        self.pair.client.send(body).unwrap();
        let Conn { pair, session } = self;
        pair.drive_with(|s, e| session.handle(s, e));
        let mut reply = Reply::default();
        let mut done = false;
        for e in self.pair.client_events.drain(..) {
            match e {
                Event::Data { data: d, .. } => {
                    reply.data += 1;
                    match d {
                        Data::Expunge(_) => reply.expunges += 1,
                        Data::Fetch { .. } => reply.fetches += 1,
                        Data::Search { ids, .. } => reply.searched += ids.len(),
                        _ => {}
                    }
                }
                Event::CommandCompleted { status, .. } => {
                    assert!(status.kind == StatusKind::Ok, "{what:.100}: {status:?}");
                    done = true;
                }
                Event::CommandRejected { status, .. } => panic!("{what:.100}: rejected: {status:?}"),
                Event::ResponseDropped(e) => panic!("{what:.100}: response dropped: {e:?}"),
                Event::MalformedResponse { error, .. } => panic!("{what:.100}: malformed response: {error:?}"),
                _ => {}
            }
        }
        assert!(done, "{what:.100}: not completed");
        reply
    }

    /// [`Conn::run`], timed.
    pub fn timed(&mut self, body: CommandBody) -> (Duration, Reply) {
        let t = Instant::now();
        let reply = self.run(body);
        (t.elapsed(), reply)
    }
}

/// A sequence set from its text form.
pub fn set(s: &str) -> SequenceSet {
    s.parse().unwrap()
}

/// `SELECT INBOX`.
pub fn select() -> CommandBody {
    CommandBody::select(Mailbox::Inbox)
}

/// `FETCH 1:* (FLAGS)`.
pub fn fetch_flags() -> CommandBody {
    let attributes = FetchAttributes::List(vec![FetchAttribute::Flags]);
    CommandBody::Fetch { set: set("1:*"), attributes, uid: false, modifiers: vec![] }
}

/// `STORE <s> +FLAGS[.SILENT] (flag)` (or `-FLAGS` when `add` is false).
pub fn store(s: &str, add: bool, silent: bool, flag: Flag) -> CommandBody {
    let kind = if add { StoreKind::Add } else { StoreKind::Remove };
    CommandBody::Store { unchanged_since: None, set: set(s), kind, silent, flags: vec![flag], uid: false }
}

/// `COPY <s> <to>`.
pub fn copy(s: &str, to: &str) -> CommandBody {
    CommandBody::Copy { set: set(s), mailbox: mailbox(to), uid: false }
}

/// `MOVE <s> <to>`.
pub fn move_(s: &str, to: &str) -> CommandBody {
    CommandBody::Move { set: set(s), mailbox: mailbox(to), uid: false }
}

/// `[UID] SEARCH <key>`.
pub fn search(key: SearchKey, uid: bool) -> CommandBody {
    CommandBody::Search { ret: None, charset: None, criteria: vec![key], uid }
}

fn mailbox(name: &str) -> Mailbox {
    Mailbox::try_from(name).unwrap()
}

/// The first half of `n` messages as a sequence set (`1:n/2`).
pub fn first_half(n: usize) -> String {
    format!("1:{}", n / 2)
}

//! The load generator's connection, over either of our clients:
//!
//! - `machine` (the default): the sans-I/O `imap_machine::client::Client` driven in the
//!   client's own task on a tokio `TcpStream`: send the command, write what the machine
//!   transmits, read and feed the machine until the command completes. No second task and
//!   no channel per command, so a command costs the generator little more than its
//!   parsing and its two system calls, and the server under test gets the CPU.
//! - `tokio`: the tokio adapter's `Client` (a driver task owning the socket, the caller's
//!   task talking to it through channels), as an application would use it.
//!
//! Both give the same answers to `main.rs`, which verifies them.

use bytes::{Bytes, BytesMut};
use imap_machine::client::{Client as Machine, ClientOptions, CommandId, Event, SelectedMailbox};
use imap_machine::types::{
    Code, CommandBody, Data, FetchAttributes, FetchItem, Flag, FlagFetch, IString, Literal, Secret, SeqNumber,
    Sequence, StatusKind, StatusResponse, StoreKind,
};
use imap_machine_tokio::{Client, IntoMailbox, IntoSequenceSet};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Which client the generator runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Driver {
    /// The sans-I/O machine in the client's task.
    Machine,
    /// The tokio adapter's `Client`.
    Tokio,
}

impl std::str::FromStr for Driver {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "machine" => Ok(Driver::Machine),
            "tokio" => Ok(Driver::Tokio),
            other => Err(format!("--driver {other}: machine or tokio")),
        }
    }
}

/// FETCH answers: `(sequence number, items)`.
pub(crate) type Fetched = Vec<(u32, Vec<FetchItem>)>;

/// One connection.
pub(crate) enum Conn {
    Machine(Box<Raw>),
    Tokio(Box<Client>),
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

impl Conn {
    /// Connects and reads the greeting.
    pub(crate) async fn connect(addr: &str, driver: Driver) -> Result<Conn, String> {
        match driver {
            Driver::Machine => Ok(Conn::Machine(Box::new(Raw::connect(addr).await?))),
            Driver::Tokio => Client::connect(addr).await.map(|c| Conn::Tokio(Box::new(c))).map_err(err),
        }
    }

    pub(crate) async fn login(&mut self, user: &str, pass: &str) -> Result<(), String> {
        match self {
            Conn::Machine(r) => {
                let username = IString::try_from(user).map_err(err)?;
                let password = Secret::new(IString::try_from(pass).map_err(err)?);
                r.exec(CommandBody::Login { username, password }).await.map(drop)
            }
            Conn::Tokio(c) => c.login(user, pass).await.map_err(err),
        }
    }

    pub(crate) async fn select(&mut self, mailbox: &str) -> Result<SelectedMailbox, String> {
        match self {
            Conn::Machine(r) => {
                r.exec(CommandBody::select(mailbox.into_mailbox().map_err(err)?)).await?;
                r.machine.selected().cloned().ok_or_else(|| "SELECT: no mailbox selected".into())
            }
            Conn::Tokio(c) => c.select(mailbox).await.map_err(err),
        }
    }

    pub(crate) async fn fetch(
        &mut self,
        set: impl IntoSequenceSet,
        attributes: FetchAttributes,
    ) -> Result<Fetched, String> {
        match self {
            Conn::Machine(r) => {
                let set = set.into_sequence_set().map_err(err)?;
                let (_, data) = r.exec(CommandBody::Fetch { set, attributes, uid: false, modifiers: vec![] }).await?;
                Ok(fetched(data))
            }
            Conn::Tokio(c) => async { c.fetch(set, attributes).await?.collect().await }
                .await
                .map(|all| all.iter().map(|m| (m.seq(), m.items())).collect())
                .map_err(err),
        }
    }

    /// STORE +FLAGS (not silent): the FLAGS of the FETCH answers.
    pub(crate) async fn store_add(&mut self, seq: u32, flag: Flag) -> Result<Vec<(u32, Vec<FlagFetch>)>, String> {
        match self {
            Conn::Machine(r) => {
                let set = seq.into_sequence_set().map_err(err)?;
                let body = CommandBody::Store {
                    unchanged_since: None,
                    set,
                    kind: StoreKind::Add,
                    silent: false,
                    flags: vec![flag],
                    uid: false,
                };
                let (_, data) = r.exec(body).await?;
                let flags = |(seq, items): (u32, Vec<FetchItem>)| {
                    items.into_iter().find_map(|i| if let FetchItem::Flags(f) = i { Some((seq, f)) } else { None })
                };
                Ok(fetched(data).into_iter().filter_map(flags).collect())
            }
            Conn::Tokio(c) => c.store(seq, StoreKind::Add, std::slice::from_ref(&flag)).await.map_err(err),
        }
    }

    /// APPEND: `(UIDVALIDITY, UID)` from APPENDUID, when the server sent it.
    pub(crate) async fn append(&mut self, mailbox: &str, message: Bytes) -> Result<Option<(u32, u32)>, String> {
        match self {
            Conn::Machine(r) => {
                let mailbox = mailbox.into_mailbox().map_err(err)?;
                let message = Literal::new(message).map_err(err)?;
                let (status, _) =
                    r.exec(CommandBody::Append { mailbox, flags: Vec::new(), date: None, message }).await?;
                Ok(match status.code {
                    Some(Code::AppendUid { uid_validity, uids }) => match uids.elements() {
                        [Sequence::Single(SeqNumber::Value(uid))] => Some((uid_validity, uid.get())),
                        other => return Err(format!("APPEND: APPENDUID {other:?}, expected one UID")),
                    },
                    _ => None,
                })
            }
            Conn::Tokio(c) => {
                let uid = c.append(mailbox, &[], None, message).await.map_err(err)?;
                Ok(uid.map(|u| (u.uid_validity, u.uid)))
            }
        }
    }

    /// EXPUNGE: the sequence numbers expunged.
    pub(crate) async fn expunge(&mut self) -> Result<Vec<u32>, String> {
        match self {
            Conn::Machine(r) => {
                let (_, data) = r.exec(CommandBody::Expunge).await?;
                let seq = |d: Data| if let Data::Expunge(n) = d { Some(n.get()) } else { None };
                Ok(data.into_iter().filter_map(seq).collect())
            }
            Conn::Tokio(c) => c.expunge().await.map_err(err),
        }
    }

    /// EXISTS of the selected mailbox, as the client tracks it.
    pub(crate) fn exists(&self) -> Option<u32> {
        match self {
            Conn::Machine(r) => r.machine.selected().map(|s| s.exists),
            Conn::Tokio(c) => c.selected().map(|s| s.exists),
        }
    }

    pub(crate) async fn logout(&mut self) -> Result<(), String> {
        match self {
            Conn::Machine(r) => r.exec(CommandBody::Logout).await.map(drop),
            Conn::Tokio(c) => {
                while c.try_next_update().is_some() {}
                c.logout().await.map_err(err)
            }
        }
    }
}

/// The FETCH responses among untagged data.
fn fetched(data: Vec<Data>) -> Fetched {
    let fetch = |d: Data| if let Data::Fetch { seq, items } = d { Some((seq.get(), items)) } else { None };
    data.into_iter().filter_map(fetch).collect()
}

/// The sans-I/O machine on a socket, one command at a time.
pub(crate) struct Raw {
    stream: TcpStream,
    pub(crate) machine: Machine,
    out: BytesMut,
    buf: Box<[u8]>,
}

impl Raw {
    pub(crate) async fn connect(addr: &str) -> Result<Raw, String> {
        let stream = TcpStream::connect(addr).await.map_err(err)?;
        stream.set_nodelay(true).map_err(err)?;
        let mut r = Raw {
            stream,
            machine: Machine::new(ClientOptions::default()),
            out: BytesMut::with_capacity(1024),
            buf: vec![0; 16 * 1024].into_boxed_slice(),
        };
        loop {
            while let Some(ev) = r.machine.poll_event() {
                if let Event::GreetingReceived { status } = ev {
                    return match status.kind {
                        StatusKind::Ok | StatusKind::PreAuth => Ok(r),
                        _ => Err(format!("greeting: {status:?}")),
                    };
                }
            }
            r.read().await?;
        }
    }

    /// Reads once and feeds the machine; end of stream is an error.
    pub(crate) async fn read(&mut self) -> Result<(), String> {
        let n = self.stream.read(&mut self.buf).await.map_err(err)?;
        if n == 0 {
            self.machine.handle_eof();
            return Err("connection closed by the server".into());
        }
        self.machine.handle_input(&self.buf[..n]);
        Ok(())
    }

    /// Writes whatever the machine has to transmit.
    pub(crate) async fn flush(&mut self) -> Result<(), String> {
        while self.machine.poll_transmit(&mut self.out) > 0 {}
        if !self.out.is_empty() {
            self.stream.write_all(&self.out).await.map_err(err)?;
            self.out.clear();
        }
        Ok(())
    }

    /// Sends `body` and runs it to its tagged OK: the status and the untagged data that
    /// came meanwhile. NO, BAD, a refused literal and a lost connection are errors.
    pub(crate) async fn exec(&mut self, body: CommandBody) -> Result<(StatusResponse, Vec<Data>), String> {
        let name = name(&body);
        let id: CommandId = self.machine.send(body).map_err(err)?;
        let mut data = Vec::new();
        loop {
            self.flush().await?;
            while let Some(ev) = self.machine.poll_event() {
                match ev {
                    Event::Data { data: d, .. } => data.push(d),
                    Event::CommandCompleted { id: done, status } if done == id => {
                        return match status.kind {
                            StatusKind::Ok => Ok((status, data)),
                            _ => Err(format!("{name}: {status:?}")),
                        };
                    }
                    Event::CommandRejected { id: done, status } if done == id => {
                        return Err(format!("{name}: literal refused: {status:?}"));
                    }
                    _ => {}
                }
            }
            if let Err(e) = self.read().await {
                return Err(format!("{name}: {e}"));
            }
        }
    }
}

/// The command's name, for errors.
fn name(body: &CommandBody) -> &'static str {
    match body {
        CommandBody::Login { .. } => "LOGIN",
        CommandBody::Select { .. } => "SELECT",
        CommandBody::Fetch { .. } => "FETCH",
        CommandBody::Store { .. } => "STORE",
        CommandBody::Append { .. } => "APPEND",
        CommandBody::Expunge => "EXPUNGE",
        CommandBody::Logout => "LOGOUT",
        _ => "command",
    }
}

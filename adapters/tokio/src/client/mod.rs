//! The tokio client: a handle ([`Client`]) and a driver task that owns the socket.

mod append;
mod body;
mod driver;
mod list;
mod messages;
mod raw;
mod urlauth;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use imap_machine::client::{
    ArgError, Authenticator, Client as Machine, ClientOptions, ESearch, MailboxView, QuotaRoots, Resync, Resyncer,
    SelectedMailbox, SyncState,
};
use imap_machine::types::{
    Capability, CommandBody, Data, DateTime, FetchAttribute, FetchAttributes, FetchModifier, Flag, FlagFetch, IString,
    ListAttribute, ListItem, ListMailbox, Literal, Mailbox, MetadataEntry, MetadataOptions, PartialRange, QuotaUsage,
    SearchReturn, Secret, SequenceSet, SortCriterion, State, StatusItem, StatusResponse, StoreKind, Thread,
    ThreadAlgorithm,
};
use rustls_pki_types::ServerName;
use tokio::net::{TcpStream, ToSocketAddrs};
use tokio::sync::{mpsc, oneshot};
use tokio_rustls::TlsConnector;

pub use body::BodyStream;
use driver::{Done, Driver, FetchMsg, Progress, Request, Responder, Shared, UpdateTx};
pub use imap_machine::client::{
    AppendUid, AppendUids, CommandResponse, CopyUid, IntoFetchAttributes, IntoMailbox, IntoSearchCriteria,
    IntoSequenceSet, ListEntry, Update,
};
/// One fetched message, read in place (the core's [`imap_machine::codec::FetchMessage`]).
pub use imap_machine::codec::FetchMessage;
/// The core's accessors on a fetched message's items (`uid()`, `flags()`, `envelope()`,
/// `body()`, `section()`, ...), re-exported so one `use` brings them.
pub use imap_machine::types::FetchItems;

use crate::io::Stream;
use crate::{DebugTap, Error};

/// The messages of a FETCH, as they arrive. Memory stays flat however many messages
/// the FETCH returns: when the stream is not read, the driver stops reading the socket.
///
/// Drain it (or drop it) before awaiting another FETCH, SEARCH, STORE, LIST or EXPUNGE
/// on the same client from the same task: those wait until this FETCH completes.
#[derive(Debug)]
pub struct FetchStream {
    rx: mpsc::Receiver<FetchMsg>,
    /// The rest of the batch (one socket read's messages) last received.
    ready: std::vec::IntoIter<FetchMessage>,
    /// Whether `ready` holds a batch not yet reported finished.
    holding: bool,
    progress: Arc<Progress>,
    timeout: Option<Duration>,
    finished: bool,
    /// The command timeout's timer while [`futures_core::Stream::poll_next`] waits.
    deadline: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl futures_core::Stream for FetchStream {
    type Item = Result<FetchMessage, Error>;

    /// The same messages as [`FetchStream::next`], for stream combinators.
    fn poll_next(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        use std::future::Future;
        use std::task::Poll;
        let this = self.get_mut();
        if let Some(m) = this.ready.next() {
            return Poll::Ready(Some(Ok(m)));
        }
        this.batch_done();
        if this.finished {
            return Poll::Ready(None);
        }
        match this.rx.poll_recv(cx) {
            Poll::Ready(msg) => {
                this.deadline = None;
                Poll::Ready(this.item(msg))
            }
            Poll::Pending => {
                if let Some(t) = this.timeout {
                    let timer = this.deadline.get_or_insert_with(|| Box::pin(tokio::time::sleep(t)));
                    if timer.as_mut().poll(cx).is_ready() {
                        this.deadline = None;
                        return Poll::Ready(this.item(Some(FetchMsg::Done(Err(Error::Timeout)))));
                    }
                }
                Poll::Pending
            }
        }
    }
}

impl Drop for FetchStream {
    fn drop(&mut self) {
        // The driver may be waiting for this caller: it reads again (and drops the rest).
        self.progress.notify.notify_one();
    }
}

impl FetchStream {
    /// The next message; `Some(Err(_))` if the FETCH failed
    /// (NO, BAD, connection lost, or no message for the command timeout), then `None`.
    pub async fn next(&mut self) -> Option<Result<FetchMessage, Error>> {
        if let Some(m) = self.ready.next() {
            return Some(Ok(m));
        }
        self.batch_done();
        if self.finished {
            return None;
        }
        // What the driver already sent needs no timer.
        let msg = match self.rx.try_recv() {
            Ok(m) => Some(m),
            Err(mpsc::error::TryRecvError::Disconnected) => None,
            Err(mpsc::error::TryRecvError::Empty) => self.recv().await,
        };
        self.item(msg)
    }

    /// The caller is back for more: the messages of the last batch are done with, and the
    /// driver may read the socket again.
    fn batch_done(&mut self) {
        if std::mem::take(&mut self.holding) {
            self.progress.finished.fetch_add(1, Ordering::AcqRel);
            self.progress.notify.notify_one();
        }
    }

    /// What a message from the driver means for the caller.
    fn item(&mut self, msg: Option<FetchMsg>) -> Option<Result<FetchMessage, Error>> {
        match msg {
            Some(FetchMsg::Batch(batch)) => {
                // The driver sends no empty batch.
                self.ready = batch.into_iter();
                self.holding = true;
                self.ready.next().map(Ok)
            }
            Some(FetchMsg::Done(r)) => {
                self.finished = true;
                r.err().map(Err)
            }
            // Only sent to a body stream (`fetch_body_stream`), never here.
            Some(FetchMsg::Body(_)) => None,
            None => {
                self.finished = true;
                Some(Err(Error::Closed))
            }
        }
    }

    /// The next message from the driver; a timeout ends the stream like a failure.
    async fn recv(&mut self) -> Option<FetchMsg> {
        match self.timeout {
            Some(t) => {
                tokio::time::timeout(t, self.rx.recv()).await.unwrap_or(Some(FetchMsg::Done(Err(Error::Timeout))))
            }
            None => self.rx.recv().await,
        }
    }

    /// Every message, once the FETCH completed (the blocking client's
    /// `Fetches::collect_all`, for code written against both).
    pub async fn collect_all(self) -> Result<Vec<FetchMessage>, Error> {
        self.collect().await
    }

    /// Every message, once the FETCH completed.
    pub async fn collect(mut self) -> Result<Vec<FetchMessage>, Error> {
        let mut v = Vec::new();
        while let Some(m) = self.next().await {
            v.push(m?);
        }
        Ok(v)
    }
}

/// A running IDLE (RFC 2177). Updates arrive with [`IdleHandle::next_update`]; the IDLE
/// is renewed automatically every [`ClientOptions::idle_refresh`]; [`IdleHandle::done`]
/// ends it. Dropping the handle ends it too (without waiting).
///
/// Commands sent while an IDLE runs wait until it ends.
#[derive(Debug)]
pub struct IdleHandle<'a> {
    client: &'a Client,
    ended: bool,
}

impl IdleHandle<'_> {
    /// The next update that arrived since the IDLE began, waiting for it; `None` when
    /// the connection closed. Updates queued before the IDLE (say, the EXISTS of the
    /// caller's own APPEND) are not replayed here; [`Client::next_update`] still has them.
    pub async fn next_update(&mut self) -> Option<Update> {
        self.client.next_channel_update().await
    }

    /// The next update that arrived since the IDLE began, or `Ok(None)` if none came
    /// within `timeout`; `Err` when the connection closed.
    pub async fn wait(&mut self, timeout: Duration) -> Result<Option<Update>, Error> {
        match tokio::time::timeout(timeout, self.client.next_channel_update()).await {
            Ok(Some(u)) => Ok(Some(u)),
            Ok(None) => Err(Error::Closed),
            Err(_) => Ok(None),
        }
    }

    /// Ends the IDLE (`DONE`) and waits for the server's OK.
    pub async fn done(mut self) -> Result<(), Error> {
        self.ended = true;
        let (tx, rx) = oneshot::channel();
        self.client.requests.send(Request::IdleDone { reply: Some(tx) }).await.map_err(|_| Error::Closed)?;
        self.client.wait(rx).await?
    }
}

impl Drop for IdleHandle<'_> {
    fn drop(&mut self) {
        if !self.ended {
            let _ = self.client.requests.try_send(Request::IdleDone { reply: None });
        }
    }
}

/// Options of a connection, then `connect` or `connect_tls`.
#[derive(Clone, Debug)]
pub struct ClientBuilder {
    options: ClientOptions,
    connect_timeout: Option<Duration>,
    command_timeout: Option<Duration>,
    handshake_timeout: Duration,
    update_capacity: usize,
    fetch_buffer: usize,
    tap: Option<DebugTap>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            options: ClientOptions::default(),
            connect_timeout: Some(Duration::from_secs(30)),
            command_timeout: Some(Duration::from_secs(120)),
            handshake_timeout: Duration::from_secs(30),
            update_capacity: 256,
            fetch_buffer: 1,
            tap: None,
        }
    }
}

impl ClientBuilder {
    /// The client machine's options (tag prefix, IDLE refresh, SEARCH charset, framing
    /// limits).
    pub fn options(mut self, options: ClientOptions) -> Self {
        self.options = options;
        self
    }

    /// How long connecting may take, greeting and TLS handshake included (default 30 s;
    /// `None`: no limit).
    pub fn connect_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long a command may take (default 120 s; `None`: no limit). For a FETCH
    /// stream it bounds the wait for each message. A command that timed out still runs
    /// on the server; its late answer is dropped.
    pub fn command_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.command_timeout = timeout;
        self
    }

    /// How long the STARTTLS handshake may take (default 30 s).
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// How many unsolicited updates wait unread before they are coalesced into
    /// [`Update::MailboxChanged`] (default 256).
    pub fn update_capacity(mut self, n: usize) -> Self {
        self.update_capacity = n.max(1);
        self
    }

    /// How many batches of fetched messages (each the messages of one socket read, at
    /// most 64 KiB) the driver reads ahead of the caller of a [`FetchStream`] (default 1:
    /// it reads the next batch once the caller is through the last, so the read buffer
    /// the caller's finished messages were slices of is reused, not reallocated).
    pub fn fetch_buffer(mut self, n: usize) -> Self {
        self.fetch_buffer = n.max(1);
        self
    }

    /// Writes a transcript of the connection (credentials redacted).
    pub fn debug_tap(mut self, tap: DebugTap) -> Self {
        self.tap = Some(tap);
        self
    }

    async fn with_timeout<T>(&self, f: impl std::future::Future<Output = Result<T, Error>>) -> Result<T, Error> {
        match self.connect_timeout {
            Some(t) => tokio::time::timeout(t, f).await?,
            None => f.await,
        }
    }

    /// Connects over plain TCP (port 143) and waits for the greeting.
    pub async fn connect(self, addr: impl ToSocketAddrs) -> Result<Client, Error> {
        self.with_timeout(async {
            let tcp = TcpStream::connect(addr).await?;
            let _ = tcp.set_nodelay(true);
            self.start(Stream::Tcp(tcp)).await
        })
        .await
    }

    /// Connects with implicit TLS (port 993) and waits for the greeting. `server_name`
    /// is the name (or IP address) the certificate must match.
    pub async fn connect_tls(
        self,
        addr: impl ToSocketAddrs,
        server_name: &str,
        config: Arc<rustls::ClientConfig>,
    ) -> Result<Client, Error> {
        let name = server_name_of(server_name)?;
        self.with_timeout(async {
            let tcp = TcpStream::connect(addr).await?;
            let _ = tcp.set_nodelay(true);
            let tls = TlsConnector::from(config).connect(name, tcp).await.map_err(|e| Error::Tls(e.to_string()))?;
            self.start(Stream::ClientTls(Box::new(tls))).await
        })
        .await
    }

    async fn start(&self, stream: Stream) -> Result<Client, Error> {
        let (req_tx, req_rx) = mpsc::channel(64);
        let (upd_tx, upd_rx) = mpsc::channel(self.update_capacity);
        let overflow = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Mutex::new(Shared::default()));
        let (greet_tx, greet_rx) = oneshot::channel();
        let driver = Driver::new(
            Machine::new({
                // FETCH answers in place: validated once, bodies zero-copy, nothing owned
                // built that the caller does not ask for.
                let mut options = self.options.clone();
                options.fetch_messages = true;
                options
            }),
            stream,
            req_rx,
            UpdateTx::new(upd_tx, overflow.clone()),
            shared.clone(),
            self.tap.as_ref().map(|t| t.session(String::new())),
            greet_tx,
            self.handshake_timeout,
        );
        tokio::spawn(driver.run());
        let greeting = greet_rx.await.map_err(|_| Error::Closed)??;
        Ok(Client {
            requests: req_tx,
            updates: tokio::sync::Mutex::new(upd_rx),
            earlier: std::sync::Mutex::new(std::collections::VecDeque::new()),
            overflow,
            shared,
            greeting,
            command_timeout: self.command_timeout,
            fetch_buffer: self.fetch_buffer,
        })
    }
}

fn server_name_of(name: &str) -> Result<ServerName<'static>, Error> {
    ServerName::try_from(name.to_owned()).map_err(|_| ArgError::ServerName(name.to_owned()).into())
}

fn istring(what: &'static str, s: &str) -> Result<IString, Error> {
    IString::try_from(s).map_err(|source| ArgError::Invalid { what, source }.into())
}

/// An IMAP client connection. Methods take `&self`: tasks sharing a client (through an
/// `Arc`, or `tokio::join!`) pipeline their commands on the one connection. Dropping
/// the client closes the connection (after a running FETCH stream ends).
///
/// See the crate docs for an example.
#[derive(Debug)]
pub struct Client {
    requests: mpsc::Sender<Request>,
    updates: tokio::sync::Mutex<mpsc::Receiver<Update>>,
    /// Updates that were queued when an IDLE began (see [`Client::idle`]).
    earlier: std::sync::Mutex<std::collections::VecDeque<Update>>,
    overflow: Arc<AtomicBool>,
    shared: Arc<Mutex<Shared>>,
    greeting: StatusResponse,
    command_timeout: Option<Duration>,
    fetch_buffer: usize,
}

impl Client {
    /// Options before connecting.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Connects over plain TCP with the default options.
    pub async fn connect(addr: impl ToSocketAddrs) -> Result<Client, Error> {
        ClientBuilder::default().connect(addr).await
    }

    /// Connects with implicit TLS with the default options (see
    /// [`ClientBuilder::connect_tls`]; [`crate::tls::client_config`] trusts the usual
    /// web roots).
    pub async fn connect_tls(
        addr: impl ToSocketAddrs,
        server_name: &str,
        config: Arc<rustls::ClientConfig>,
    ) -> Result<Client, Error> {
        ClientBuilder::default().connect_tls(addr, server_name, config).await
    }

    /// The server's greeting.
    pub fn greeting(&self) -> &StatusResponse {
        &self.greeting
    }

    /// The connection state, as of the last response.
    pub fn state(&self) -> State {
        self.shared.lock().ok().and_then(|s| s.state).unwrap_or(State::NotAuthenticated)
    }

    /// The selected mailbox as far as the server told (kept exact through EXISTS and
    /// EXPUNGE, even when updates were coalesced).
    pub fn selected(&self) -> Option<SelectedMailbox> {
        self.shared.lock().ok().and_then(|s| s.selected.clone())
    }

    /// Runs `f` on the selected mailbox as the server told it: sequence number to UID
    /// and flags, following every EXISTS, EXPUNGE, FETCH and FLAGS, solicited or not
    /// ([`MailboxView`]). It is empty when no mailbox is selected. A server that breaks the
    /// RFC's rules for it shows up as [`Update::Violation`].
    pub fn with_view<R>(&self, f: impl FnOnce(&MailboxView) -> R) -> R {
        match self.shared.lock() {
            Ok(s) => f(&s.view),
            Err(_) => f(&MailboxView::default()),
        }
    }

    /// The capabilities last announced, without asking the server.
    pub fn cached_capabilities(&self) -> Option<Vec<Capability>> {
        self.shared.lock().ok().and_then(|s| s.capabilities.clone())
    }

    async fn wait<T>(&self, rx: oneshot::Receiver<T>) -> Result<T, Error> {
        match self.command_timeout {
            Some(t) => tokio::time::timeout(t, rx).await?.map_err(|_| Error::Closed),
            None => rx.await.map_err(|_| Error::Closed),
        }
    }

    async fn call(&self, make: impl FnOnce(driver::Reply) -> Request) -> Result<Done, Error> {
        let (tx, rx) = oneshot::channel();
        self.requests.send(make(tx)).await.map_err(|_| Error::Closed)?;
        self.wait(rx).await?
    }

    async fn exec(&self, body: CommandBody) -> Result<Done, Error> {
        self.call(|reply| Request::Command { body, reply }).await
    }

    /// Runs any command; returns its tagged OK and the untagged data attributed to it.
    /// `NO` and `BAD` are errors.
    pub async fn run(&self, body: CommandBody) -> Result<CommandResponse, Error> {
        Ok(self.exec(body).await?.response)
    }

    /// The next unsolicited update, waiting for it; `None` once the connection closed.
    pub async fn next_update(&self) -> Option<Update> {
        if let Some(u) = self.earlier.lock().ok().and_then(|mut e| e.pop_front()) {
            return Some(u);
        }
        self.next_channel_update().await
    }

    /// The next update from the driver, not counting those set aside when an IDLE began.
    async fn next_channel_update(&self) -> Option<Update> {
        let mut rx = self.updates.lock().await;
        loop {
            match rx.try_recv() {
                Ok(u) => return Some(u),
                Err(mpsc::error::TryRecvError::Empty) => {}
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    return self.overflow.swap(false, Ordering::AcqRel).then_some(Update::MailboxChanged);
                }
            }
            if self.overflow.swap(false, Ordering::AcqRel) {
                return Some(Update::MailboxChanged);
            }
            match rx.recv().await {
                Some(u) => return Some(u),
                None => continue,
            }
        }
    }

    /// An update if one is waiting, without waiting.
    pub fn try_next_update(&self) -> Option<Update> {
        if let Some(u) = self.earlier.lock().ok().and_then(|mut e| e.pop_front()) {
            return Some(u);
        }
        let mut rx = self.updates.try_lock().ok()?;
        match rx.try_recv() {
            Ok(u) => Some(u),
            Err(_) => self.overflow.swap(false, Ordering::AcqRel).then_some(Update::MailboxChanged),
        }
    }

    /// `CAPABILITY`: the server's capabilities (asked only when not known).
    pub async fn capabilities(&self) -> Result<Vec<Capability>, Error> {
        if let Some(c) = self.cached_capabilities() {
            return Ok(c);
        }
        Ok(self.exec(CommandBody::Capability).await?.capabilities.unwrap_or_default())
    }

    /// Whether the server has `cap` (asking for the capabilities if needed).
    pub async fn has_capability(&self, cap: &Capability) -> Result<bool, Error> {
        Ok(self.capabilities().await?.contains(cap))
    }

    /// `STARTTLS`, then the TLS handshake with `config`; the capabilities are asked again
    /// over TLS. Bytes the server sent after its OK and before TLS end the connection
    /// (the core's injection guard).
    pub async fn starttls(&self, server_name: &str, config: Arc<rustls::ClientConfig>) -> Result<(), Error> {
        let name = server_name_of(server_name)?;
        self.call(|reply| Request::StartTls { name, config, reply }).await.map(|_| ())
    }

    /// `COMPRESS DEFLATE` (RFC 4978): from its OK on, both directions are compressed, each
    /// batch of commands deflated with one sync flush. Refused locally unless the server
    /// offers COMPRESS=DEFLATE (which it does once authenticated).
    pub async fn compress(&self) -> Result<(), Error> {
        if !self.has_capability(&Capability::CompressDeflate).await? {
            return Err(Error::Unsupported("COMPRESS=DEFLATE"));
        }
        let body = CommandBody::Compress { algorithm: imap_machine::types::Atom::from_static("DEFLATE") };
        self.exec(body).await.map(|_| ())
    }

    /// `LOGIN`
    pub async fn login(&self, username: &str, password: &str) -> Result<(), Error> {
        let body = CommandBody::Login {
            username: istring("username", username)?,
            password: Secret::new(istring("password", password)?),
        };
        self.exec(body).await.map(|_| ())
    }

    /// `AUTHENTICATE` with PLAIN, LOGIN, XOAUTH2 or OAUTHBEARER (SASL-IR when offered).
    /// A [`Authenticator::Custom`] mechanism may send its initial response, but a
    /// server challenge to it is answered with a cancel (`*`); use
    /// [`Client::authenticate_with`] for a mechanism with challenges.
    pub async fn authenticate(&self, auth: Authenticator) -> Result<(), Error> {
        self.call(|reply| Request::Authenticate { auth, responder: None, reply }).await.map(|_| ())
    }

    /// `AUTHENTICATE` with a mechanism this library does not run itself (SCRAM, GSSAPI,
    /// ...): `respond` gets each server challenge, base64-decoded, and returns the
    /// response to send (encoded for it), or `None` to cancel the exchange (`*`; the server
    /// then answers BAD). It runs on the connection's task, so it must not block; compute
    /// the next step and return.
    ///
    /// ```no_run
    /// use imap_machine::client::Authenticator;
    /// use imap_machine::types::Atom;
    /// # async fn f(client: &imap_machine_tokio::Client) -> Result<(), imap_machine_tokio::Error> {
    /// let mechanism = Atom::try_from("X-ECHO").unwrap().into();
    /// let auth = Authenticator::Custom { mechanism, initial_response: None };
    /// client.authenticate_with(auth, |challenge| Some(challenge.to_vec())).await?;
    /// # Ok(()) }
    /// ```
    pub async fn authenticate_with(
        &self,
        auth: Authenticator,
        respond: impl FnMut(&[u8]) -> Option<Vec<u8>> + Send + 'static,
    ) -> Result<(), Error> {
        let responder = Responder(Box::new(respond));
        self.call(|reply| Request::Authenticate { auth, responder: Some(responder), reply }).await.map(|_| ())
    }

    fn list_args(reference: &str, pattern: &str) -> Result<(Mailbox, ListMailbox), Error> {
        let reference = if reference.is_empty() {
            Mailbox::from_wire(IString::from_static(""))
        } else {
            reference.into_mailbox()?
        };
        let pattern =
            ListMailbox::from_utf8(pattern).map_err(|source| ArgError::Invalid { what: "pattern", source })?;
        Ok((reference, pattern))
    }

    /// `LIST reference pattern` (`list("", "*")` for every mailbox).
    pub async fn list(&self, reference: &str, pattern: &str) -> Result<Vec<ListItem>, Error> {
        let (reference, pattern) = Self::list_args(reference, pattern)?;
        let done = self.exec(CommandBody::list(reference, pattern)).await?;
        Ok(done
            .response
            .data
            .into_iter()
            .filter_map(|d| match d {
                Data::List(i) => Some(i),
                _ => None,
            })
            .collect())
    }

    /// `LSUB reference pattern`
    pub async fn lsub(&self, reference: &str, pattern: &str) -> Result<Vec<ListItem>, Error> {
        let (reference, pattern) = Self::list_args(reference, pattern)?;
        let done = self.exec(CommandBody::Lsub { reference, pattern }).await?;
        Ok(done
            .response
            .data
            .into_iter()
            .filter_map(|d| match d {
                Data::Lsub(i) => Some(i),
                _ => None,
            })
            .collect())
    }

    /// `STATUS mailbox (items)`
    pub async fn status(
        &self,
        mailbox: impl IntoMailbox,
        items: &[StatusItem],
    ) -> Result<Vec<(StatusItem, u64)>, Error> {
        if items.is_empty() {
            return Err(ArgError::Empty("status item").into());
        }
        let done = self.exec(CommandBody::Status { mailbox: mailbox.into_mailbox()?, items: items.to_vec() }).await?;
        Ok(done
            .response
            .data
            .into_iter()
            .find_map(|d| match d {
                Data::Status { items, .. } => Some(items),
                _ => None,
            })
            .unwrap_or_default())
    }

    async fn select_like(&self, body: CommandBody) -> Result<SelectedMailbox, Error> {
        self.exec(body).await?.selected.ok_or(Error::Closed)
    }

    /// `SELECT`: opens a mailbox read-write; returns what the server told about it.
    pub async fn select(&self, mailbox: impl IntoMailbox) -> Result<SelectedMailbox, Error> {
        self.select_like(CommandBody::select(mailbox.into_mailbox()?)).await
    }

    /// `EXAMINE`: opens a mailbox read-only.
    pub async fn examine(&self, mailbox: impl IntoMailbox) -> Result<SelectedMailbox, Error> {
        self.select_like(CommandBody::examine(mailbox.into_mailbox()?)).await
    }

    /// `CREATE`
    pub async fn create(&self, mailbox: impl IntoMailbox) -> Result<(), Error> {
        self.exec(CommandBody::Create { mailbox: mailbox.into_mailbox()?, special_use: vec![] }).await.map(|_| ())
    }

    /// `CREATE mailbox (USE (uses))` (RFC 6154 §3, CREATE-SPECIAL-USE): a mailbox with
    /// special uses; a server that does not take one answers `NO [USEATTR]`.
    pub async fn create_special_use(&self, mailbox: impl IntoMailbox, uses: &[ListAttribute]) -> Result<(), Error> {
        let body = CommandBody::Create { mailbox: mailbox.into_mailbox()?, special_use: uses.to_vec() };
        self.exec(body).await.map(|_| ())
    }

    /// `DELETE`
    pub async fn delete(&self, mailbox: impl IntoMailbox) -> Result<(), Error> {
        self.exec(CommandBody::Delete { mailbox: mailbox.into_mailbox()? }).await.map(|_| ())
    }

    /// `RENAME`
    pub async fn rename(&self, from: impl IntoMailbox, to: impl IntoMailbox) -> Result<(), Error> {
        self.exec(CommandBody::Rename { from: from.into_mailbox()?, to: to.into_mailbox()? }).await.map(|_| ())
    }

    /// `SUBSCRIBE`
    pub async fn subscribe(&self, mailbox: impl IntoMailbox) -> Result<(), Error> {
        self.exec(CommandBody::Subscribe { mailbox: mailbox.into_mailbox()? }).await.map(|_| ())
    }

    /// `UNSUBSCRIBE`
    pub async fn unsubscribe(&self, mailbox: impl IntoMailbox) -> Result<(), Error> {
        self.exec(CommandBody::Unsubscribe { mailbox: mailbox.into_mailbox()? }).await.map(|_| ())
    }

    /// `CLOSE`: expunges `\Deleted` messages (read-write) and deselects.
    pub async fn close(&self) -> Result<(), Error> {
        self.exec(CommandBody::Close).await.map(|_| ())
    }

    /// `UNSELECT` (RFC 3691): deselects without expunging.
    pub async fn unselect(&self) -> Result<(), Error> {
        self.exec(CommandBody::Unselect).await.map(|_| ())
    }

    /// `ENABLE caps` (RFC 5161): turns on the extensions the server serves behind ENABLE;
    /// returns those the server said it turned on (`* ENABLED`). The machine follows what
    /// they change, for example UTF-8 mailbox names after IMAP4rev2 or UTF8=ACCEPT.
    pub async fn enable(&self, caps: &[Capability]) -> Result<Vec<Capability>, Error> {
        Ok(self.exec(CommandBody::Enable { capabilities: caps.to_vec() }).await?.response.enabled())
    }

    /// Selects `mailbox` and tells what changed since `saved` (see
    /// [`imap_machine::client::Resyncer`]): new and changed messages with their flags and
    /// mod-sequences, vanished UIDs, and the state to save, or
    /// [`Resync::StartOver`] when UIDVALIDITY changed. It uses QRESYNC when the server
    /// offers it (one round trip after ENABLE), else CONDSTORE, else compares every
    /// message's flags, so the caller writes one code path.
    pub async fn resync(&self, mailbox: impl IntoMailbox, saved: &SyncState) -> Result<Resync, Error> {
        let caps = self.capabilities().await?;
        let enabled = self.shared.lock().map(|s| s.enabled.clone()).unwrap_or_default();
        let mut r = Resyncer::new(mailbox.into_mailbox()?, saved.clone(), &caps, &enabled);
        while let Some(command) = r.next_command() {
            let response = self.run(command).await?;
            r.answer(&response, self.selected().as_ref());
        }
        Ok(r.finish())
    }

    /// `ENABLE IMAP4rev2` when the server offers IMAP4rev2 (RFC 9051 Appendix A); returns
    /// whether the session now follows IMAP4rev2. Every method works either way: SEARCH
    /// answered with ESEARCH still returns its numbers, and mailbox names stay
    /// [`imap_machine::types::Mailbox`] values in modified UTF-7.
    pub async fn enable_imap4rev2(&self) -> Result<bool, Error> {
        if !self.has_capability(&Capability::Imap4rev2).await? {
            return Ok(false);
        }
        Ok(self.enable(&[Capability::Imap4rev2]).await?.contains(&Capability::Imap4rev2))
    }

    /// `NOTIFY SET ...` or `NOTIFY NONE` (RFC 5465): what the server is to tell without
    /// being asked, about the selected mailbox and others. What it tells arrives as
    /// updates: [`Update::MailboxStatus`](imap_machine::client::Update::MailboxStatus)
    /// for another mailbox's messages, [`Update::Mailbox`](imap_machine::client::Update::Mailbox)
    /// for a mailbox created, deleted, renamed or (un)subscribed, and the usual ones for
    /// the selected mailbox. Fails with [`Error::Unsupported`] when the server lacks
    /// NOTIFY; a server that does not serve an event answers `NO [BADEVENT (...)]`.
    pub async fn notify(&self, notify: imap_machine::types::Notify) -> Result<(), Error> {
        if !self.has_capability(&Capability::Notify).await? {
            return Err(Error::Unsupported("NOTIFY"));
        }
        self.run(CommandBody::Notify(notify)).await.map(|_| ())
    }

    /// `UNAUTHENTICATE` (RFC 8437 §3): back to the not authenticated state, with no
    /// mailbox selected (nothing expunged); [`Client::login`] works again, even as
    /// another user. The capabilities are asked again when next needed.
    pub async fn unauthenticate(&self) -> Result<(), Error> {
        self.exec(CommandBody::Unauthenticate).await.map(|_| ())
    }

    /// `NOOP`: also the way to poll for updates without IDLE.
    pub async fn noop(&self) -> Result<(), Error> {
        self.exec(CommandBody::Noop).await.map(|_| ())
    }

    /// `IDLE` (RFC 2177): returns once the server accepted it. Updates come through the
    /// handle; it refreshes itself before the server's autologout.
    pub async fn idle(&self) -> Result<IdleHandle<'_>, Error> {
        if !self.has_capability(&Capability::Idle).await? {
            return Err(Error::Unsupported("IDLE"));
        }
        // What came before the IDLE is not "another session's change" during it: set it
        // aside for `next_update`, so the handle reports only what arrives from now on.
        {
            let mut rx = self.updates.lock().await;
            let mut earlier = self.earlier.lock().map_err(|_| Error::Closed)?;
            while let Ok(u) = rx.try_recv() {
                earlier.push_back(u);
            }
        }
        let (tx, rx) = oneshot::channel();
        self.requests.send(Request::Idle { reply: tx }).await.map_err(|_| Error::Closed)?;
        self.wait(rx).await??;
        Ok(IdleHandle { client: self, ended: false })
    }

    /// `LOGOUT`, then the connection closes.
    pub async fn logout(&self) -> Result<(), Error> {
        match self.exec(CommandBody::Logout).await {
            Ok(_) | Err(Error::Closed) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

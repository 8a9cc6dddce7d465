//! The socket both adapters drive: plain TCP or TLS, read and written at the same time.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Bytes of output past which a connection stops reading, so that a peer that sends
/// without reading can't make us buffer without bound.
pub(crate) const HIGH_WATER: usize = 1 << 20;

/// Size of one read.
pub(crate) const READ_CHUNK: usize = 64 * 1024;

/// A connection's transport.
#[derive(Debug)]
pub(crate) enum Stream {
    /// Plain TCP (before STARTTLS, or without TLS).
    Tcp(TcpStream),
    /// The client side of TLS.
    ClientTls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
    /// The server side of TLS.
    ServerTls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
    /// Taken out for a TLS upgrade (or lost in a failed one).
    Gone,
}

fn gone() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "stream lost in a TLS upgrade")
}

impl AsyncRead for Stream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Stream::ClientTls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Stream::ServerTls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Stream::Gone => Poll::Ready(Err(gone())),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Stream::ClientTls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Stream::ServerTls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Stream::Gone => Poll::Ready(Err(gone())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
            Stream::ClientTls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Stream::ServerTls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Stream::Gone => Poll::Ready(Err(gone())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Stream::ClientTls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Stream::ServerTls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Stream::Gone => Poll::Ready(Ok(())),
        }
    }
}

/// What one [`io_step`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IoEvent {
    /// This many bytes arrived and were handed to the read sink (0: end of stream).
    Read(usize),
    /// This many bytes of the output went out.
    Wrote(usize),
    /// Buffered output (TLS records) was flushed.
    Flushed,
}

thread_local! {
    /// The read buffer of every connection on this thread. A read goes into it and is
    /// handed to the machine within the same poll, so no connection keeps a read buffer
    /// of its own while it waits: an idle connection costs its machine and session only.
    static SCRATCH: std::cell::RefCell<Box<[u8]>> = std::cell::RefCell::new(vec![0; READ_CHUNK].into_boxed_slice());
}

/// Writes and reads at once: resolves with the first of a write of `out` (or a flush
/// when `dirty` and `out` is empty) and a read (when `can_read`), whose bytes go to
/// `on_read` before this returns. Reading while writing means two peers that both send a
/// lot can never deadlock each other.
pub(crate) async fn io_step(
    stream: &mut Stream,
    out: &[u8],
    dirty: bool,
    can_read: bool,
    on_read: &mut impl FnMut(&[u8]),
) -> io::Result<IoEvent> {
    std::future::poll_fn(|cx| {
        if !out.is_empty() {
            match Pin::new(&mut *stream).poll_write(cx, out) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(r) => return Poll::Ready(r.map(IoEvent::Wrote)),
                Poll::Pending => {}
            }
        } else if dirty {
            if let Poll::Ready(r) = Pin::new(&mut *stream).poll_flush(cx) {
                return Poll::Ready(r.map(|()| IoEvent::Flushed));
            }
        }
        if can_read {
            let read = SCRATCH.with_borrow_mut(|scratch| {
                let mut rb = ReadBuf::new(scratch);
                match Pin::new(&mut *stream).poll_read(cx, &mut rb) {
                    Poll::Ready(Ok(())) => {
                        let n = rb.filled().len();
                        if n > 0 {
                            on_read(rb.filled());
                        }
                        Poll::Ready(Ok(IoEvent::Read(n)))
                    }
                    other => other.map(|r| r.map(|()| IoEvent::Read(0))),
                }
            });
            if read.is_ready() {
                return read;
            }
        }
        Poll::Pending
    })
    .await
}

/// The machines' clock: tokio's, so that tests with a paused clock see the same time.
pub(crate) fn now() -> std::time::Instant {
    tokio::time::Instant::now().into_std()
}

/// Sleeps until `deadline`, or forever without one.
pub(crate) async fn sleep_until(deadline: Option<std::time::Instant>) {
    match deadline {
        Some(t) => tokio::time::sleep_until(tokio::time::Instant::from_std(t)).await,
        None => std::future::pending().await,
    }
}

//! COMPRESS (RFC 4978) on the client machine, negotiated like STARTTLS: the command goes
//! alone, and after its tagged OK nothing more is framed or sent until the embedder has
//! put the compression layer ([`crate::compress`]) on the socket and called
//! [`Client::compression_started`]. The server compresses "starting immediately after the
//! CRLF which ends the tagged OK" (§3), so octets read past that CRLF are compressed
//! already: they are kept, and handed back for the inflater.

use bytes::{Bytes, BytesMut};

use super::{Client, CommandId, Error, Event};
use crate::types::{Atom, CommandBody};

pub(super) use crate::compress::Stage;

impl Client {
    /// Sends `COMPRESS DEFLATE` (RFC 4978). Once its OK arrives comes
    /// [`Event::CompressReady`]; a NO or BAD leaves the connection as it was.
    ///
    /// # Errors
    /// As [`Client::send`].
    pub fn compress(&mut self) -> Result<CommandId, Error> {
        self.send(CommandBody::Compress { algorithm: Atom::from_static("DEFLATE") })
    }

    /// COMPRESS was answered OK: pause.
    pub(super) fn compress_ok(&mut self, id: CommandId) {
        self.compress = Stage::Starting;
        self.events.push_back(Event::CompressReady { id });
        self.early.extend_from_slice(&self.framer.take_unframed());
    }

    /// Whether reading stopped at COMPRESS's OK; later input is kept compressed.
    pub(super) fn compress_starting(&self) -> bool {
        self.compress == Stage::Starting
    }

    /// Keeps octets received while COMPRESS starts: they are compressed.
    pub(super) fn keep_early(&mut self, data: &[u8]) {
        self.early.extend_from_slice(data);
    }

    /// The compression layer is on the socket after [`Event::CompressReady`] (everything
    /// [`Client::poll_transmit`] held went out uncompressed first): resume. Returns the
    /// octets read after the tagged OK, which are compressed: feed them to the inflater
    /// first, then its output to [`Client::handle_input`].
    ///
    /// # Errors
    /// [`Error::NotStartingCompression`] when COMPRESS is not starting.
    pub fn compression_started(&mut self) -> Result<Bytes, Error> {
        if self.compress != Stage::Starting {
            return Err(Error::NotStartingCompression);
        }
        self.compress = Stage::On;
        let early = std::mem::replace(&mut self.early, BytesMut::new()).freeze();
        self.pump();
        Ok(early)
    }

    /// Whether the connection is compressed (COMPRESS answered OK).
    pub fn is_compressed(&self) -> bool {
        self.compress != Stage::Off
    }
}

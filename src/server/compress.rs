//! COMPRESS (RFC 4978) on the server machine: the command, negotiated like STARTTLS. The
//! tagged OK is the last uncompressed octet the server sends (§3: "the server MUST
//! compress starting immediately after the CRLF which ends the tagged OK"); the machine
//! then pauses with [`Event::Compress`] until the embedder has put the compression layer
//! ([`crate::compress`]) on the socket and called [`Server::compression_started`].
//!
//! Where the RFC leaves a choice, as Dovecot's `imap_zlib` does: COMPRESS waits for the
//! commands before it to complete, since their responses must go out uncompressed; a
//! second COMPRESS gets `[COMPRESSIONACTIVE]`. Where the RFC is explicit we follow it and
//! not Dovecot: an unknown mechanism or a second COMPRESS is BAD (§3, Dovecot says NO).

use bytes::{Bytes, BytesMut};

use super::{Error, Event, Server, Transition};
use crate::types::{Atom, Code, StatusKind, Tag};

pub(super) use crate::compress::Stage;

impl Server {
    /// `COMPRESS algorithm`: refused, answered, or held until the commands before it
    /// complete.
    pub(super) fn compress_command(&mut self, tag: Tag, algorithm: Atom) {
        let active = self.compress != Stage::Off || self.pending.iter().any(|(_, t)| *t == Transition::Compress);
        if !self.options.compress_available {
            self.tagged(&tag, StatusKind::Bad, None, "COMPRESS not available");
        } else if !algorithm.as_bytes().eq_ignore_ascii_case(b"DEFLATE") {
            self.tagged(&tag, StatusKind::Bad, None, "Unknown compression mechanism");
        } else if active {
            self.tagged(&tag, StatusKind::Bad, Some(Code::CompressionActive), "DEFLATE active already");
        } else if self.options.tls_compression {
            self.tagged(&tag, StatusKind::No, Some(Code::CompressionActive), "DEFLATE active via TLS");
        } else if self.pending.is_empty() {
            self.start_compression(&tag);
        } else {
            // Later commands are held (see `holding`) and the OK waits for these.
            self.pending.push((tag, Transition::Compress));
        }
    }

    /// Called after a command completed: a COMPRESS that waited for it starts when it was
    /// the last one.
    pub(super) fn compress_when_alone(&mut self) {
        if let [(tag, Transition::Compress)] = self.pending.as_slice() {
            let tag = tag.clone();
            self.pending.clear();
            self.start_compression(&tag);
        }
    }

    fn start_compression(&mut self, tag: &Tag) {
        self.tagged(tag, StatusKind::Ok, None, "DEFLATE active");
        self.compress = Stage::Starting;
        self.events.push_back(Event::Compress);
    }

    /// Whether reading is paused for a STARTTLS handshake or the start of COMPRESS.
    pub(super) fn paused(&self) -> bool {
        self.tls_pause || self.compress == Stage::Starting
    }

    /// Octets read after the COMPRESS line, while starting: they belong to the compressed
    /// stream. A client obeying §3 ("MUST NOT send any further commands until it has
    /// seen the result") sends none; what one sent anyway is inflated like the rest and,
    /// being plain text, ends the connection as a corrupt stream rather than being run.
    pub(super) fn keep_early(&mut self) {
        let mut early = BytesMut::new();
        for m in self.held.drain(..) {
            early.extend_from_slice(&m);
        }
        early.extend_from_slice(&self.framer.take_unframed());
        self.offer = None;
        self.early.extend_from_slice(&early);
    }

    /// The compression layer is on the socket after [`Event::Compress`] (every octet up
    /// to the tagged OK went out uncompressed): resume. Returns the octets that arrived
    /// after the COMPRESS line, which are compressed: feed them to the inflater first.
    ///
    /// # Errors
    /// [`Error::InvalidState`] when COMPRESS is not starting.
    pub fn compression_started(&mut self) -> Result<Bytes, Error> {
        if self.compress != Stage::Starting {
            return Err(Error::InvalidState);
        }
        self.compress = Stage::On;
        Ok(std::mem::take(&mut self.early).freeze())
    }

    /// Whether an IDLE runs and the client has not said DONE: the connection is quiet
    /// but for updates, and an adapter may free its compression state between them
    /// ([`crate::compress::Deflater::idle`], [`crate::compress::Inflater::idle`]).
    pub fn is_idling(&self) -> bool {
        matches!(self.idle, Some((_, false)))
    }

    /// Whether the connection is compressed (COMPRESS answered OK).
    pub fn is_compressed(&self) -> bool {
        self.compress != Stage::Off
    }
}

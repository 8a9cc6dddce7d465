//! COMPRESS=DEFLATE (RFC 4978) as a sans-I/O layer: raw DEFLATE (RFC 1951, no zlib or
//! gzip framing, §3) both ways, bytes in and bytes out, on flate2's pure-Rust backend.
//! An adapter puts a [`Deflater`] on what it sends and an [`Inflater`] on what it reads,
//! once COMPRESS has been answered OK.
//!
//! - **Sending**: [`Deflater::write_batch`] deflates one batch of output (everything the
//!   machine has to send now) and ends it with a sync flush, so the peer can read all of
//!   it (§4: "the sender MUST flush"); it is called once per batch, never per message.
//! - **Idle**: [`Deflater::idle`] drops the compressor's state (its hash chains and
//!   window, the bulk of its memory). The next batch starts a new compressor whose output
//!   continues the same stream: after a sync flush the stream is at a byte boundary with
//!   no final block, and a new run of blocks simply follows. It costs only the back
//!   references into what was sent before the pause.
//! - **Reading**: [`Inflater::read`] inflates at most a given number of octets per call and
//!   keeps the rest of the input for the next call, so a small compressed input can never
//!   make a large buffer at once (a "deflate bomb" is read at the pace the framer takes it).
//!
//! This layer is not yet negotiated by the machines or wired into the adapters, and
//! COMPRESS=DEFLATE is not announced.
//!
//! ```
//! use bytes::BytesMut;
//! use imap_machine::compress::{Deflater, Inflater};
//! let (mut d, mut i) = (Deflater::new(), Inflater::new());
//! let mut wire = BytesMut::new();
//! d.write_batch(b"* 1 EXISTS\r\n", &mut wire);
//! i.feed(&wire);
//! let mut plain = BytesMut::new();
//! i.read(&mut plain, 1 << 20).unwrap();
//! assert_eq!(&plain[..], b"* 1 EXISTS\r\n");
//! ```

use bytes::BytesMut;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// Room added to the output per round of deflating or inflating.
const STEP: usize = 16 * 1024;

/// Why the peer's compressed stream cannot be read; the connection must end.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CompressError {
    /// The stream is not valid DEFLATE.
    #[error("corrupt DEFLATE stream")]
    Corrupt,
    /// The peer ended the stream (a final block), which COMPRESS never does.
    #[error("the DEFLATE stream ended")]
    Ended,
}

/// The sending half: deflates batches of output.
#[derive(Debug)]
pub struct Deflater {
    /// The compressor; `None` after [`Deflater::idle`] until the next batch.
    inner: Option<Compress>,
    level: Compression,
}

impl Default for Deflater {
    fn default() -> Self {
        Deflater::new()
    }
}

impl Deflater {
    /// A deflater at flate2's default level (6).
    pub fn new() -> Self {
        Deflater::with_level(Compression::default().level())
    }

    /// A deflater at `level` (0, stored, to 9, smallest).
    pub fn with_level(level: u32) -> Self {
        Deflater { inner: None, level: Compression::new(level.min(9)) }
    }

    /// Deflates `input` and appends it to `out`, ending with a sync flush: the peer can
    /// inflate every octet of it at once.
    pub fn write_batch(&mut self, input: &[u8], out: &mut BytesMut) {
        let level = self.level;
        let c = self.inner.get_or_insert_with(|| Compress::new(level, false));
        let mut at = 0;
        loop {
            let start = out.len();
            let room = STEP.max(input.len() - at + 64);
            out.resize(start + room, 0);
            let (before_in, before_out) = (c.total_in(), c.total_out());
            // Deflate fails only on arguments it never gets here; nothing is written then.
            let status = c.compress(&input[at..], &mut out[start..], FlushCompress::Sync);
            let took = (c.total_in() - before_in) as usize;
            let made = (c.total_out() - before_out) as usize;
            out.truncate(start + made);
            at += took;
            // Done when all input is in and the flush left room unused (flate2: a flush is
            // complete once the output is not filled).
            if status.is_err() || (at == input.len() && made < room) || (took == 0 && made == 0) {
                return;
            }
        }
    }

    /// Frees the compressor's state while the connection is idle; the next batch makes a
    /// new one, continuing the same stream.
    pub fn idle(&mut self) {
        self.inner = None;
    }

    /// Whether the compressor's state is held now.
    pub fn is_active(&self) -> bool {
        self.inner.is_some()
    }
}

/// The receiving half: inflates the peer's stream at the reader's pace.
#[derive(Debug)]
pub struct Inflater {
    inner: Decompress,
    /// Compressed octets not inflated yet.
    pending: BytesMut,
}

impl Default for Inflater {
    fn default() -> Self {
        Inflater::new()
    }
}

impl Inflater {
    /// An inflater at the start of a stream.
    pub fn new() -> Self {
        Inflater { inner: Decompress::new(false), pending: BytesMut::new() }
    }

    /// Takes compressed octets from the peer; [`Inflater::read`] inflates them.
    pub fn feed(&mut self, compressed: &[u8]) {
        self.pending.extend_from_slice(compressed);
    }

    /// Whether compressed octets wait. Inflated octets may also wait inside after a read
    /// that stopped at its limit: call [`Inflater::read`] until it returns 0.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Inflates what was fed, appending at most `limit` octets of plain text to `out`;
    /// returns how many it appended. What does not fit stays for the next call.
    pub fn read(&mut self, out: &mut BytesMut, limit: usize) -> Result<usize, CompressError> {
        let mut total = 0;
        while total < limit {
            let start = out.len();
            let room = STEP.min(limit - total);
            out.resize(start + room, 0);
            let (before_in, before_out) = (self.inner.total_in(), self.inner.total_out());
            let status = self.inner.decompress(&self.pending, &mut out[start..], FlushDecompress::Sync);
            let took = (self.inner.total_in() - before_in) as usize;
            let made = (self.inner.total_out() - before_out) as usize;
            out.truncate(start + made);
            let _ = self.pending.split_to(took);
            total += made;
            match status {
                Ok(Status::StreamEnd) => return Err(CompressError::Ended),
                Err(_) => return Err(CompressError::Corrupt),
                // Nothing left inside (the room was not filled) and nothing to feed it.
                Ok(_) if (made < room && self.pending.is_empty()) || (took == 0 && made == 0) => break,
                Ok(_) => {}
            }
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Inflates everything fed, in reads of at most `limit`.
    fn read_all(i: &mut Inflater, limit: usize) -> Vec<u8> {
        let mut out = BytesMut::new();
        loop {
            let n = i.read(&mut out, limit).unwrap();
            if n == 0 {
                return out.to_vec();
            }
        }
    }

    #[test]
    fn an_idle_deflater_continues_the_same_stream() {
        let (mut d, mut i) = (Deflater::new(), Inflater::new());
        let mut wire = BytesMut::new();
        d.write_batch(b"* 1 FETCH (FLAGS (\\Seen))\r\n", &mut wire);
        d.idle();
        assert!(!d.is_active());
        d.write_batch(b"* 2 FETCH (FLAGS (\\Seen))\r\n", &mut wire);
        i.feed(&wire);
        assert_eq!(read_all(&mut i, 1 << 20), b"* 1 FETCH (FLAGS (\\Seen))\r\n* 2 FETCH (FLAGS (\\Seen))\r\n");
    }

    /// A mebibyte of zeros compresses to about a kilobyte; reading it takes as many calls
    /// as the limit says, none over it.
    #[test]
    fn a_bomb_is_read_at_the_readers_pace() {
        let (mut d, mut i) = (Deflater::with_level(9), Inflater::new());
        let mut wire = BytesMut::new();
        d.write_batch(&vec![0u8; 1 << 20], &mut wire);
        assert!(wire.len() < 4096, "{}", wire.len());
        i.feed(&wire);
        let mut out = BytesMut::new();
        let mut calls = 0;
        loop {
            let before = out.len();
            let n = i.read(&mut out, 4096).unwrap();
            assert!(n <= 4096 && out.len() - before == n);
            if n == 0 {
                break;
            }
            calls += 1;
            out.clear();
        }
        assert_eq!(calls, 256);
    }

    #[test]
    fn a_corrupt_or_ended_stream_is_an_error() {
        let mut i = Inflater::new();
        i.feed(&[0xff, 0xff, 0xff, 0xff]);
        assert_eq!(i.read(&mut BytesMut::new(), 1024), Err(CompressError::Corrupt));
        // A final stored block: the stream ends, which COMPRESS never does.
        let mut i = Inflater::new();
        i.feed(&[0x01, 0x01, 0x00, 0xfe, 0xff, b'x']);
        assert_eq!(i.read(&mut BytesMut::new(), 1024), Err(CompressError::Ended));
    }

    proptest! {
        /// What is inflated is what was deflated, however the batches, idle pauses, the
        /// wire's chunks and the read limit fall.
        #[test]
        fn round_trip(
            batches in proptest::collection::vec((proptest::collection::vec(any::<u8>(), 0..3000), any::<bool>()), 1..8),
            chunk in 1usize..500,
            limit in 1usize..5000,
        ) {
            let (mut d, mut i) = (Deflater::new(), Inflater::new());
            let (mut wire, mut plain) = (BytesMut::new(), Vec::new());
            for (b, pause) in &batches {
                d.write_batch(b, &mut wire);
                plain.extend_from_slice(b);
                if *pause {
                    d.idle();
                }
            }
            let mut got = Vec::new();
            for piece in wire.chunks(chunk) {
                i.feed(piece);
                got.extend(read_all(&mut i, limit));
            }
            prop_assert_eq!(got, plain);
        }
    }
}

//! COMPRESS=DEFLATE (RFC 4978) as a sans-I/O layer: raw DEFLATE (RFC 1951, no zlib or
//! gzip framing, §3) both ways, bytes in and bytes out, on flate2's pure-Rust backend.
//! Both machines negotiate it like STARTTLS ([`crate::server::Event::Compress`],
//! [`crate::client::Event::CompressReady`]); the adapter then puts a [`Deflater`] on what
//! it sends and an [`Inflater`] on what it reads.
//!
//! - **Sending**: [`Deflater::write`] deflates the pieces of one batch of output
//!   (everything the machine has to send now) and [`Deflater::flush`] ends it with a sync
//!   flush, so the peer can read all of it (§4: "the sender MUST flush"): one flush per
//!   batch, never per message. [`Deflater::write_batch`] does both.
//! - **Idle, sending**: [`Deflater::idle`] drops the compressor's state (its hash chains
//!   and window, about 260 KiB). The next batch starts a new compressor whose output
//!   continues the same stream: after a sync flush the stream is at a byte boundary with
//!   no final block, and a new run of blocks simply follows. It costs only the back
//!   references into what was sent before the pause.
//! - **Reading**: [`Inflater::read`] inflates at most a given number of octets per call and
//!   keeps the rest of the input for the next call, so a small compressed input can never
//!   make a large buffer at once (a "deflate bomb" is read at the pace the framer takes it).
//! - **Idle, reading**: [`Inflater::idle`] drops the decompressor (about 43 KiB) once the
//!   peer's input stopped right after a sync flush, and keeps only the text the peer may
//!   still refer back to: the last 32 KiB inflated, or less when less came (a client in
//!   IDLE has sent a few hundred octets since COMPRESS).
//!
//! The adapters free both while a client idles in IDLE: 10,000 compressed idle
//! connections cost `imapm serve` about 160 MiB, against 125 MiB uncompressed
//! (BENCHMARKS.md).
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

use std::collections::VecDeque;

use bytes::BytesMut;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

/// COMPRESS's stage on a connection, as both machines keep it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Not turned on.
    #[default]
    Off,
    /// COMPRESS answered OK: paused until the embedder has put the layer on.
    Starting,
    /// Every octet both ways is compressed.
    On,
}

/// Room added to the output per round of deflating or inflating.
const STEP: usize = 16 * 1024;

/// Why the peer's compressed stream cannot be read; the connection must end.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CompressError {
    /// The stream is not valid DEFLATE.
    #[error("corrupt DEFLATE stream")]
    Corrupt,
    /// Octets came after the peer ended the stream with a final block (which Dovecot
    /// sends before it closes the connection at LOGOUT).
    #[error("data after the end of the DEFLATE stream")]
    Ended,
}

/// The sending half: deflates batches of output.
#[derive(Debug)]
pub struct Deflater {
    /// The compressor; `None` after [`Deflater::idle`] until the next batch.
    inner: Option<Compress>,
    level: Compression,
    /// Octets were written since the last flush.
    unflushed: bool,
    /// How many, which bounds what the flush may give out.
    unflushed_len: usize,
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
        Deflater { inner: None, level: Compression::new(level.min(9)), unflushed: false, unflushed_len: 0 }
    }

    /// Deflates `input` and appends it to `out`, ending with a sync flush: the peer can
    /// inflate every octet of it at once. The same as [`Deflater::write`] then
    /// [`Deflater::flush`].
    pub fn write_batch(&mut self, input: &[u8], out: &mut BytesMut) {
        self.deflate(input, out, FlushCompress::Sync);
    }

    /// Deflates `input` as part of the current batch, appending what the compressor
    /// gives out now (perhaps nothing) to `out`; [`Deflater::flush`] ends the batch.
    pub fn write(&mut self, input: &[u8], out: &mut BytesMut) {
        if !input.is_empty() {
            self.deflate(input, out, FlushCompress::None);
        }
    }

    /// Ends the current batch with a sync flush (RFC 4978 §4: the peer can inflate all of
    /// it now), appending the rest of it to `out`. Nothing is appended when no octet was
    /// written since the last flush.
    pub fn flush(&mut self, out: &mut BytesMut) {
        if self.unflushed {
            self.deflate(&[], out, FlushCompress::Sync);
        }
    }

    fn deflate(&mut self, input: &[u8], out: &mut BytesMut, flush: FlushCompress) {
        let level = self.level;
        let c = self.inner.get_or_insert_with(|| Compress::new(level, false));
        self.unflushed = flush == FlushCompress::None;
        // Room for what this round may give out: the input, or what a flush releases
        // (no more than what was written since the last one, plus block overhead). Kept
        // small for small batches, so that an idle connection keeps no large buffer.
        let owed = std::mem::take(&mut self.unflushed_len).min(STEP);
        if self.unflushed {
            self.unflushed_len = owed.saturating_add(input.len());
        }
        let mut at = 0;
        loop {
            let start = out.len();
            let room = (input.len() - at).max(owed) + 64;
            out.resize(start + room, 0);
            let (before_in, before_out) = (c.total_in(), c.total_out());
            // Deflate fails only on arguments it never gets here; nothing is written then.
            let status = c.compress(&input[at..], &mut out[start..], flush);
            let took = (c.total_in() - before_in) as usize;
            let made = (c.total_out() - before_out) as usize;
            out.truncate(start + made);
            at += took;
            // Done when all input is in and, for a flush, the flush left room unused
            // (flate2: a flush is complete once the output is not filled).
            let flushed = flush == FlushCompress::None || made < room;
            if status.is_err() || (at == input.len() && flushed) || (took == 0 && made == 0) {
                return;
            }
        }
    }

    /// Frees the compressor's state while the connection is idle; the next batch makes a
    /// new one, continuing the same stream. Ends the current batch first if it was not.
    pub fn idle(&mut self, out: &mut BytesMut) {
        self.flush(out);
        self.inner = None;
    }

    /// Whether the compressor's state is held now.
    pub fn is_active(&self) -> bool {
        self.inner.is_some()
    }
}

/// The dictionary DEFLATE may refer back into (RFC 1951 §2: 32 KiB).
const WINDOW: usize = 32 * 1024;

/// The end of a sync flush: an empty stored block's `LEN` and `NLEN` (RFC 1951 §3.2.4).
const SYNC_MARK: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// The receiving half: inflates the peer's stream at the reader's pace.
///
/// While the peer is quiet, [`Inflater::idle`] drops the decompressor and keeps only the
/// plain text it may still refer back to: the last 32 KiB it inflated, or less when less
/// came so far (a client in IDLE has sent a few hundred octets since COMPRESS). The next
/// read starts a new decompressor and primes its window with that text as one stored
/// block, whose output is thrown away; the peer's stream then continues where it was.
#[derive(Debug)]
pub struct Inflater {
    /// The decompressor; `None` after [`Inflater::idle`] until the next read.
    inner: Option<Decompress>,
    /// Compressed octets not inflated yet.
    pending: BytesMut,
    /// The last plain octets inflated, at most [`WINDOW`].
    history: VecDeque<u8>,
    /// The last four compressed octets taken, to tell that the stream stopped right
    /// after a sync flush (at a block boundary, byte-aligned).
    last: [u8; 4],
    /// All fed octets are inflated and handed out.
    drained: bool,
    /// The peer's final block was read: the stream is over.
    ended: bool,
}

impl Default for Inflater {
    fn default() -> Self {
        Inflater::new()
    }
}

impl Inflater {
    /// An inflater at the start of a stream.
    pub fn new() -> Self {
        Inflater {
            inner: Some(Decompress::new(false)),
            pending: BytesMut::new(),
            history: VecDeque::new(),
            last: [0xff; 4],
            drained: true,
            ended: false,
        }
    }

    /// Takes compressed octets from the peer; [`Inflater::read`] inflates them.
    pub fn feed(&mut self, compressed: &[u8]) {
        if !compressed.is_empty() {
            self.pending.extend_from_slice(compressed);
            self.drained = false;
        }
    }

    /// Whether compressed octets wait. Inflated octets may also wait inside after a read
    /// that stopped at its limit: call [`Inflater::read`] until it returns 0.
    pub fn has_pending(&self) -> bool {
        !self.drained
    }

    /// Inflates what was fed, appending at most `limit` octets of plain text to `out`;
    /// returns how many it appended. What does not fit stays for the next call.
    pub fn read(&mut self, out: &mut BytesMut, limit: usize) -> Result<usize, CompressError> {
        if self.ended {
            return if self.pending.is_empty() { Ok(0) } else { Err(CompressError::Ended) };
        }
        if self.drained {
            return Ok(0);
        }
        let mut d = match self.inner.take() {
            Some(d) => d,
            None => self.resume()?,
        };
        let r = self.inflate(&mut d, out, limit);
        self.inner = Some(d);
        r
    }

    fn inflate(&mut self, d: &mut Decompress, out: &mut BytesMut, limit: usize) -> Result<usize, CompressError> {
        let mut total = 0;
        let first = out.len();
        while total < limit {
            let start = out.len();
            let room = STEP.min(limit - total);
            out.resize(start + room, 0);
            let (before_in, before_out) = (d.total_in(), d.total_out());
            let status = d.decompress(&self.pending, &mut out[start..], FlushDecompress::Sync);
            let took = (d.total_in() - before_in) as usize;
            let made = (d.total_out() - before_out) as usize;
            out.truncate(start + made);
            let taken = self.pending.split_to(took);
            for &b in taken.iter().rev().take(4).rev() {
                self.last.rotate_left(1);
                self.last[3] = b;
            }
            total += made;
            match status {
                // The peer finished the stream (before closing): what came is good.
                Ok(Status::StreamEnd) => {
                    self.ended = true;
                    self.drained = self.pending.is_empty();
                    break;
                }
                Err(_) => return Err(CompressError::Corrupt),
                // Nothing left inside (the room was not filled) and nothing to feed it.
                Ok(_) if made < room && self.pending.is_empty() => {
                    self.drained = true;
                    break;
                }
                Ok(_) if took == 0 && made == 0 => break,
                Ok(_) => {}
            }
        }
        self.remember(&out[first..]);
        Ok(total)
    }

    /// Keeps the last [`WINDOW`] octets of plain text.
    fn remember(&mut self, plain: &[u8]) {
        let plain = &plain[plain.len().saturating_sub(WINDOW)..];
        let over = (self.history.len() + plain.len()).saturating_sub(WINDOW);
        self.history.drain(..over);
        self.history.extend(plain);
    }

    /// A new decompressor whose window holds [`Inflater::history`]: the history as one
    /// stored, non-final block (`BFINAL=0 BTYPE=00`, then `LEN` and `NLEN`), inflated and
    /// thrown away.
    fn resume(&mut self) -> Result<Decompress, CompressError> {
        let mut d = Decompress::new(false);
        if self.history.is_empty() {
            return Ok(d);
        }
        let len = self.history.len() as u16;
        let mut block = Vec::with_capacity(5 + self.history.len());
        block.push(0);
        block.extend_from_slice(&len.to_le_bytes());
        block.extend_from_slice(&(!len).to_le_bytes());
        block.extend(self.history.iter());
        let mut sink = vec![0; self.history.len()];
        match d.decompress(&block, &mut sink, FlushDecompress::Sync) {
            Ok(Status::Ok) if d.total_out() as usize == sink.len() => Ok(d),
            _ => Err(CompressError::Corrupt),
        }
    }

    /// Frees the decompressor while the peer is quiet, keeping only its window's text;
    /// returns whether it did. It does only when everything fed has been inflated and
    /// handed out and the stream stopped right after a sync flush (the peer ended a
    /// batch, as RFC 4978 §4 has it do): anywhere else a block may be half read.
    pub fn idle(&mut self) -> bool {
        if self.inner.is_none() || !self.drained || !self.pending.is_empty() || self.last != SYNC_MARK {
            return false;
        }
        self.inner = None;
        self.history.shrink_to_fit();
        self.pending = BytesMut::new();
        true
    }

    /// Whether the decompressor's state is held now.
    pub fn is_active(&self) -> bool {
        self.inner.is_some()
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
        d.idle(&mut wire);
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
        // A final stored block ends the stream (Dovecot's at LOGOUT): what it holds is
        // read, and anything after it is an error.
        let mut i = Inflater::new();
        i.feed(&[0x01, 0x01, 0x00, 0xfe, 0xff, b'x']);
        let mut out = BytesMut::new();
        assert_eq!(i.read(&mut out, 1024), Ok(1));
        assert_eq!(&out[..], b"x");
        assert_eq!(i.read(&mut out, 1024), Ok(0));
        i.feed(b"more");
        assert_eq!(i.read(&mut out, 1024), Err(CompressError::Ended));
    }

    /// One batch: a few writes of text that repeats (so that back references reach
    /// into earlier batches) or of random octets.
    fn batch() -> impl Strategy<Value = Vec<Vec<u8>>> {
        let part = prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..3000),
            (0usize..40).prop_map(|n| "* 7 FETCH (FLAGS (\\Seen) UID 4)\r\n".repeat(n).into_bytes()),
        ];
        proptest::collection::vec(part, 0..4)
    }

    #[test]
    fn an_idle_inflater_keeps_only_what_it_may_be_referred_to() {
        let (mut d, mut i) = (Deflater::new(), Inflater::new());
        let mut wire = BytesMut::new();
        let line = b"b SELECT INBOX\r\nc IDLE\r\n";
        d.write_batch(line, &mut wire);
        i.feed(&wire);
        assert_eq!(read_all(&mut i, 1 << 20), line);
        assert!(i.idle());
        assert!(!i.is_active());
        assert_eq!(i.history.len(), line.len());
        // The same text again: deflate refers back to the first copy, which the primed
        // window must hold.
        wire.clear();
        d.write_batch(b"DONE\r\nb SELECT INBOX\r\nc IDLE\r\n", &mut wire);
        assert!(wire.len() < 20, "{}", wire.len());
        i.feed(&wire);
        assert_eq!(read_all(&mut i, 1 << 20), b"DONE\r\nb SELECT INBOX\r\nc IDLE\r\n");
        // A window's worth at most is kept.
        wire.clear();
        let big: Vec<u8> = (0..100_000u32).map(|n| (n % 251) as u8).collect();
        d.write_batch(&big, &mut wire);
        i.feed(&wire);
        assert_eq!(read_all(&mut i, 7000), big);
        assert!(i.idle());
        assert_eq!(i.history.len(), WINDOW);
        wire.clear();
        d.write_batch(&big[..50_000], &mut wire);
        i.feed(&wire);
        assert_eq!(read_all(&mut i, 1 << 20), &big[..50_000]);
    }

    #[test]
    fn an_inflater_in_the_middle_of_a_block_does_not_idle() {
        let (mut d, mut i) = (Deflater::new(), Inflater::new());
        let mut wire = BytesMut::new();
        d.write(&[7u8; 100_000], &mut wire);
        d.write(b"tail", &mut wire);
        i.feed(&wire);
        read_all(&mut i, 1 << 20);
        assert!(!i.idle());
        // Unread input: not idle either.
        let mut rest = BytesMut::new();
        d.flush(&mut rest);
        i.feed(&rest);
        assert!(!i.idle());
        let mut out = BytesMut::new();
        while i.read(&mut out, 1 << 20).unwrap() > 0 {}
        assert!(out.ends_with(b"tail"));
        assert!(i.idle());
    }

    proptest! {
        /// What is inflated is what was deflated, however the batches, idle pauses, the
        /// wire's chunks and the read limit fall.
        #[test]
        fn round_trip(
            batches in proptest::collection::vec((batch(), any::<bool>(), any::<bool>()), 1..8),
            chunk in 1usize..500,
            limit in 1usize..5000,
        ) {
            let (mut d, mut i) = (Deflater::new(), Inflater::new());
            let (mut wire, mut plain) = (BytesMut::new(), Vec::new());
            for (parts, whole, pause) in &batches {
                for p in parts {
                    if *whole {
                        d.write_batch(p, &mut wire);
                    } else {
                        d.write(p, &mut wire);
                    }
                    plain.extend_from_slice(p);
                }
                d.flush(&mut wire);
                if *pause {
                    d.idle(&mut wire);
                }
            }
            let mut got = Vec::new();
            for (n, piece) in wire.chunks(chunk).enumerate() {
                i.feed(piece);
                got.extend(read_all(&mut i, limit));
                // Idle whenever it may: only at a flush does it take.
                if n % 2 == 0 {
                    i.idle();
                }
            }
            prop_assert_eq!(got, plain);
        }
    }
}

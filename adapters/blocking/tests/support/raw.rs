//! A raw IMAP connection for the hostile-client tests: bytes out, whole responses in.
//! Shared by this crate's `hostile.rs` and `imapm serve`'s (`cli/tests/hostile.rs`).

#![allow(dead_code)]

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;

pub(crate) const MIB: u64 = 1024 * 1024;

/// No socket read or write may wait longer than this.
pub(crate) const IO_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) fn tcp(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    s.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

/// A raw IMAP connection: bytes out, whole responses (a line and its literals) in.
pub(crate) struct Conn<S: Read + Write> {
    pub(crate) s: S,
    pub(crate) buf: Vec<u8>,
    pub(crate) pos: usize,
}

impl Conn<TcpStream> {
    /// Connects and reads the greeting.
    pub(crate) fn open(addr: SocketAddr) -> Conn<TcpStream> {
        let mut c = Conn::new(tcp(addr));
        let greeting = c.line();
        assert!(greeting.starts_with("* OK "), "{greeting}");
        c
    }

    pub(crate) fn login(&mut self) {
        self.ok("l1", "LOGIN username password");
    }
}

impl<S: Read + Write> Conn<S> {
    pub(crate) fn new(s: S) -> Self {
        Conn { s, buf: Vec::new(), pos: 0 }
    }

    pub(crate) fn send(&mut self, data: &[u8]) {
        self.s.write_all(data).expect("write");
        self.s.flush().expect("flush");
    }

    pub(crate) fn fill(&mut self) -> io::Result<usize> {
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > 1 << 20 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let mut chunk = [0u8; 64 * 1024];
        let n = self.s.read(&mut chunk)?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// The next line, CRLF included; `None` at end of stream.
    pub(crate) fn try_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut scanned = 0;
        loop {
            if let Some(k) = self.buf[self.pos + scanned..].iter().position(|b| *b == b'\n') {
                let end = self.pos + scanned + k + 1;
                let line = self.buf[self.pos..end].to_vec();
                self.pos = end;
                return Ok(Some(line));
            }
            scanned = self.buf.len() - self.pos;
            if self.fill()? == 0 {
                return Ok(None);
            }
        }
    }

    /// The next response: a line, and the literals it announces with the lines after them.
    pub(crate) fn try_response(&mut self) -> io::Result<Option<Vec<u8>>> {
        let Some(mut rsp) = self.try_line()? else { return Ok(None) };
        while let Some(n) = literal_length(&rsp) {
            while self.buf.len() - self.pos < n {
                if self.fill()? == 0 {
                    return Ok(None);
                }
            }
            rsp.extend_from_slice(&self.buf[self.pos..self.pos + n]);
            self.pos += n;
            let Some(more) = self.try_line()? else { return Ok(None) };
            rsp.extend_from_slice(&more);
        }
        Ok(Some(rsp))
    }

    /// The next line as text; panics at end of stream or on a timeout.
    pub(crate) fn line(&mut self) -> String {
        let line = self.try_line().expect("read").expect("connection closed");
        String::from_utf8_lossy(&line).into_owned()
    }

    /// Every response up to and including the one tagged `tag`, as text.
    pub(crate) fn until(&mut self, tag: &str) -> Vec<String> {
        let mut got = Vec::new();
        loop {
            let rsp = self.try_response().expect("read").unwrap_or_else(|| panic!("closed before {tag}: {got:?}"));
            let rsp = String::from_utf8_lossy(&rsp).into_owned();
            let done = rsp.starts_with(&format!("{tag} "));
            got.push(rsp);
            if done {
                return got;
            }
        }
    }

    /// Sends `tag line`; returns the responses, the tagged one last.
    pub(crate) fn cmd(&mut self, tag: &str, line: &str) -> Vec<String> {
        self.send(format!("{tag} {line}\r\n").as_bytes());
        self.until(tag)
    }

    /// Sends `tag line` and asserts the tagged OK; returns the untagged responses.
    pub(crate) fn ok(&mut self, tag: &str, line: &str) -> Vec<String> {
        let mut got = self.cmd(tag, line);
        let last = got.pop().unwrap();
        assert!(last.starts_with(&format!("{tag} OK")), "{line}: {last}");
        got
    }

    /// Reads until the server closes the connection; returns what came before. A reset
    /// counts as closed (the server may close with bytes of ours still unread).
    pub(crate) fn until_closed(&mut self) -> Vec<u8> {
        loop {
            match self.fill() {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => break,
                Err(e) => panic!("not closed: {e}"),
            }
        }
        self.buf[self.pos..].to_vec()
    }
}

/// `n` if the line ends with a literal announcement `{n}`.
pub(crate) fn literal_length(line: &[u8]) -> Option<usize> {
    let body = line.strip_suffix(b"}\r\n")?;
    let open = body.iter().rposition(|b| *b == b'{')?;
    std::str::from_utf8(&body[open + 1..]).ok()?.parse().ok()
}

/// Writes `total` bytes of `pattern` repeated (streamed, never built whole).
pub(crate) fn stream_bytes(c: &mut Conn<TcpStream>, pattern: &[u8], total: u64) {
    let mut chunk = Vec::with_capacity(MIB as usize);
    while chunk.len() + pattern.len() <= MIB as usize {
        chunk.extend_from_slice(pattern);
    }
    let mut left = total;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        c.send(&chunk[..n]);
        left -= n as u64;
    }
}

pub(crate) const BODY_LINE: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopq\r\n";

pub(crate) fn header(subject: &str) -> String {
    format!("From: a@example.org\r\nSubject: {subject}\r\n\r\n")
}

/// Streams a message of exactly `len` bytes: a header, then 66-byte lines.
pub(crate) fn stream_message(c: &mut Conn<TcpStream>, subject: &str, len: u64) {
    let header = header(subject);
    c.send(header.as_bytes());
    stream_bytes(c, BODY_LINE, len - header.len() as u64);
}

/// Kills a client: both directions shut, then the socket closed.
pub(crate) fn kill(c: Conn<TcpStream>) {
    let _ = c.s.shutdown(Shutdown::Both);
}

/// The number of messages in INBOX, seen by a new connection.
pub(crate) fn inbox_count(addr: SocketAddr) -> u32 {
    let mut c = Conn::open(addr);
    c.login();
    let got = c.ok("s1", "STATUS INBOX (MESSAGES)");
    let status = got.iter().find(|l| l.starts_with("* STATUS")).expect("STATUS response");
    let n = status.rsplit("MESSAGES ").next().unwrap().trim_end_matches([')', '\r', '\n']);
    n.parse().unwrap_or_else(|_| panic!("{status}"))
}

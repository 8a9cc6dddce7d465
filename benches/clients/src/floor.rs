//! The floor: not a client. It logs in and selects with raw lines, sends the workload's
//! command and reads the answer into one reused 64 KiB buffer up to the tagged OK, parsing
//! nothing. Its CPU per message is what the kernel's copy to user space and the read
//! calls cost alone, which no client can go below.

use std::io::{Read, Write};
use std::net::TcpStream;

use crate::{measure, Args, Error, Measured, Tally, Workload, ROUNDTRIPS};

/// Reads until the buffer's last line starts with `tag OK` (the tag is unique).
fn until_tagged(s: &mut TcpStream, buf: &mut [u8], tag: &[u8]) -> Result<u64, Error> {
    let mut tail = Vec::new();
    let mut total = 0u64;
    loop {
        let n = s.read(buf)?;
        if n == 0 {
            return Err("connection closed".into());
        }
        total += n as u64;
        // Keep the last bytes, to see the tagged line even when cut across reads.
        tail.extend_from_slice(&buf[n.saturating_sub(256)..n]);
        if tail.len() > 512 {
            tail.drain(..tail.len() - 256);
        }
        if tail.ends_with(b"\r\n") {
            let body = &tail[..tail.len() - 2];
            let last = body.rsplit(|b| *b == b'\n').next().unwrap_or(body);
            if last.starts_with(tag) && last[tag.len()..].starts_with(b" OK") {
                return Ok(total);
            }
        }
    }
}

/// The floor for `args.workload`.
pub fn run(args: &Args) -> Result<Measured, Error> {
    let mut s = TcpStream::connect(args.addr.as_str())?;
    s.set_nodelay(true)?;
    let mut buf = vec![0u8; 64 * 1024];
    let _ = s.read(&mut buf)?;
    s.write_all(format!("l LOGIN {} {}\r\n", args.user, args.pass).as_bytes())?;
    until_tagged(&mut s, &mut buf, b"l")?;
    s.write_all(format!("s SELECT {}\r\n", args.mailbox).as_bytes())?;
    until_tagged(&mut s, &mut buf, b"s")?;
    let workload = args.workload;
    let m = measure(|| {
        let mut tally = Tally::default();
        match workload {
            Workload::Roundtrip => {
                for n in 1..=ROUNDTRIPS {
                    s.write_all(format!("r{n} UID FETCH {n} (UID FLAGS)\r\n").as_bytes())?;
                    until_tagged(&mut s, &mut buf, format!("r{n}").as_bytes())?;
                    tally.add(Some(n), 0, 0);
                }
            }
            w => {
                let command: &[u8] = if w == Workload::Envelope {
                    b"f UID FETCH 1:* (UID FLAGS ENVELOPE)\r\n"
                } else {
                    b"f UID FETCH 1:1000 BODY.PEEK[]\r\n"
                };
                s.write_all(command)?;
                let bytes = until_tagged(&mut s, &mut buf, b"f")?;
                // Nothing is parsed: the count is the workload's, for the report.
                for uid in 1..=w.expected() as u32 {
                    tally.add(Some(uid), 0, 0);
                }
                tally.bytes = bytes;
            }
        }
        Ok(tally)
    })?;
    s.write_all(b"z LOGOUT\r\n")?;
    Ok(m)
}

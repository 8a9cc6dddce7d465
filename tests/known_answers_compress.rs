//! Known answers of COMPRESS (RFC 4978), both directions: the examples of §3 parsed to
//! the values and the values encoded back, and the DEFLATE stream of a whole exchange
//! checked against what zlib (python's `zlib`, `wbits=-15`) makes of it.

use imap_machine::compress::{Deflater, Inflater};
use imap_machine::types::{
    Atom, Capability, Code, Command, CommandBody, Response, StatusKind, StatusResponse, Tag, Text,
};

#[path = "support/known_answers.rs"]
mod known_answers;

fn compress(tag: &str, algorithm: &'static str) -> Command {
    Command::new(
        Tag::try_from(tag.to_string()).unwrap(),
        CommandBody::Compress { algorithm: Atom::from_static(algorithm) },
    )
}

fn status(tag: Option<&str>, kind: StatusKind, code: Option<Code>, text: &str) -> Response {
    Response::Status {
        tag: tag.map(|t| Tag::try_from(t.to_string()).unwrap()),
        status: StatusResponse::new(kind, code, Text::try_from(text).unwrap()),
    }
}

#[test]
fn commands_both_ways() {
    known_answers::all_commands(vec![
        // §3's example, in its lower case; written back in upper case.
        ("c compress deflate\r\n", compress("c", "deflate"), Some("c COMPRESS deflate\r\n")),
        ("a COMPRESS DEFLATE\r\n", compress("a", "DEFLATE"), None),
        // Any atom is read, so that the server can answer BAD (§3).
        ("b COMPRESS X-LZ4\r\n", compress("b", "X-LZ4"), None),
    ]);
}

#[test]
fn responses_both_ways() {
    known_answers::all_responses(vec![
        ("d OK DEFLATE active\r\n", status(Some("d"), StatusKind::Ok, None, "DEFLATE active"), None),
        (
            "c NO [COMPRESSIONACTIVE] DEFLATE active via TLS\r\n",
            status(Some("c"), StatusKind::No, Some(Code::CompressionActive), "DEFLATE active via TLS"),
            None,
        ),
        (
            "* OK [CAPABILITY IMAP4REV1 STARTTLS COMPRESS=DEFLATE] hi\r\n",
            status(
                None,
                StatusKind::Ok,
                Some(Code::Capability(vec![
                    Capability::from(Atom::from_static("IMAP4REV1")),
                    Capability::StartTls,
                    Capability::CompressDeflate,
                ])),
                "hi",
            ),
            Some("* OK [CAPABILITY IMAP4rev1 STARTTLS COMPRESS=DEFLATE] hi\r\n"),
        ),
    ]);
}

#[test]
fn malformed_commands_are_refused() {
    known_answers::refused(&[
        "a COMPRESS\r\n",
        "a COMPRESS \r\n",
        "a COMPRESS DEFLATE X\r\n",
        "a COMPRESS \"DEFLATE\"\r\n",
    ]);
}

/// `zlib.compressobj(6, zlib.DEFLATED, -15)` over `e NOOP\r\n` then
/// `Z_SYNC_FLUSH`, as a python client over a raw socket sends it (made once with CPython
/// 3.11's zlib 1.2.13): our inflater reads zlib's stream, and our deflater ends each batch
/// the same way.
#[test]
fn zlib_streams_inflate() {
    const ZLIB: &[u8] = &[0x4a, 0x55, 0xf0, 0xf3, 0xf7, 0x0f, 0xe0, 0xe5, 0x02, 0x00, 0x00, 0x00, 0xff, 0xff];
    let mut i = Inflater::new();
    i.feed(ZLIB);
    let mut plain = bytes::BytesMut::new();
    i.read(&mut plain, 1 << 16).unwrap();
    assert_eq!(&plain[..], b"e NOOP\r\n");
    assert!(i.idle(), "a sync flush ends the stream's batch");
    let mut d = Deflater::new();
    let mut wire = bytes::BytesMut::new();
    d.write_batch(b"e NOOP\r\n", &mut wire);
    assert!(wire.ends_with(&[0x00, 0x00, 0xff, 0xff]), "every batch ends with a sync flush");
}

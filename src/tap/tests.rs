//! The redactor's tables: every credential path, each fed whole, one byte at a time and
//! in chunks of every size up to 16 and split at every position; the transcript must be
//! the same under every chunking and must never hold a secret.

use super::*;

/// One step of a conversation: who sent which bytes.
type Step<'a> = (Sender, &'a [u8]);

const C: Sender = Sender::Client;
const S: Sender = Sender::Server;

/// Feeds the steps with each step cut into pieces of `chunk` bytes (`None`: whole).
fn run_chunked(steps: &[Step<'_>], chunk: Option<usize>) -> Vec<String> {
    let mut r = Redactor::new();
    let mut out = Vec::new();
    for (sender, bytes) in steps {
        let size = chunk.unwrap_or(bytes.len()).max(1);
        for piece in bytes.chunks(size) {
            match sender {
                Sender::Client => r.handle_client(piece),
                Sender::Server => r.handle_server(piece),
            }
            while let Some(line) = r.poll_line() {
                out.push(line.to_string());
            }
        }
    }
    out
}

/// Feeds the whole conversation as one stream per direction, cut at `at` (the two parts
/// of the step holding byte `at` are fed apart).
fn run_split(steps: &[Step<'_>], at: usize) -> Vec<String> {
    let mut r = Redactor::new();
    let mut out = Vec::new();
    let mut pos = 0;
    for (sender, bytes) in steps {
        let cut = at.saturating_sub(pos).min(bytes.len());
        for piece in [&bytes[..cut], &bytes[cut..]] {
            match sender {
                Sender::Client => r.handle_client(piece),
                Sender::Server => r.handle_server(piece),
            }
        }
        pos += bytes.len();
    }
    while let Some(line) = r.poll_line() {
        out.push(line.to_string());
    }
    out
}

/// Runs `steps` under every chunking: the transcript is `expected` each time, and none of
/// `secrets` is in it.
fn check(steps: &[Step<'_>], expected: &[&str], secrets: &[&str]) {
    let whole = run_chunked(steps, None);
    assert_eq!(whole, expected, "whole");
    let total: usize = steps.iter().map(|(_, b)| b.len()).sum();
    let chunkings = (1..=16).map(|n| (format!("chunks of {n}"), run_chunked(steps, Some(n))));
    let splits = (0..=total).map(|at| (format!("split at {at}"), run_split(steps, at)));
    for (how, got) in chunkings.chain(splits) {
        assert_eq!(got, whole, "{how}");
        for secret in secrets {
            assert!(!got.iter().any(|l| l.contains(secret)), "{how}: {secret:?} in {got:#?}");
        }
    }
}

#[test]
fn login_quoted_password() {
    check(
        &[(C, b"A1 LOGIN joe \"p w\\\"x\"\r\n"), (S, b"A1 OK done\r\n"), (C, b"A2 NOOP\r\n")],
        &["C: A1 LOGIN joe [REDACTED]", "S: A1 OK done", "C: A2 NOOP"],
        &["p w", "x\""],
    );
    check(&[(C, b"A1 login \"j o\" secret\r\n")], &["C: A1 login \"j o\" [REDACTED]"], &["secret"]);
}

#[test]
fn login_synchronising_literal() {
    check(
        &[
            (C, b"A1 LOGIN joe {6}\r\n"),
            (S, b"+ Ready for literal data\r\n"),
            (C, b"secret\r\n"),
            (S, b"A1 OK Logged in\r\n"),
            (C, b"A2 NOOP\r\n"),
        ],
        &["C: A1 LOGIN joe [REDACTED]", "S: + Ready for literal data", "S: A1 OK Logged in", "C: A2 NOOP"],
        &["secret", "{6}"],
    );
}

#[test]
fn login_literal_plus_non_ascii() {
    check(
        &[(C, "A1 LOGIN joe {9+}\r\npässword\r\n".as_bytes()), (S, b"A1 OK Logged in\r\n"), (C, b"A2 NOOP\r\n")],
        &["C: A1 LOGIN joe [REDACTED]", "S: A1 OK Logged in", "C: A2 NOOP"],
        &["pässword", "ssword", "{9+}"],
    );
}

#[test]
fn login_user_and_password_literals() {
    check(
        &[
            (C, b"A1 LOGIN {3}\r\n"),
            (S, b"+ go\r\n"),
            (C, b"joe {6}\r\n"),
            (S, b"+ go\r\n"),
            (C, b"secret\r\n"),
            (S, b"A1 OK yes\r\n"),
            (C, b"A2 LOGIN {3+}\r\njoe {7+}\r\nsecret2\r\n"),
            (C, b"A3 NOOP\r\n"),
        ],
        &[
            "C: A1 LOGIN {3}",
            "S: + go",
            "C: joe",
            "C: [REDACTED]",
            "S: + go",
            "S: A1 OK yes",
            "C: A2 LOGIN {3+}",
            "C: joe",
            "C: [REDACTED]",
            "C: A3 NOOP",
        ],
        &["secret"],
    );
}

#[test]
fn refused_synchronising_literal_is_not_waited_for() {
    check(
        &[
            (C, b"A1 LOGIN joe {99999}\r\n"),
            (S, b"A1 BAD Literal too long\r\n"),
            (C, b"A2 LOGIN joe secret\r\n"),
            (C, b"A3 AUTHENTICATE PLAIN\r\n"),
            (S, b"+ \r\n"),
            (C, b"AGpvZQBzZWNyZXQ=\r\n"),
            (S, b"A3 OK\r\n"),
        ],
        &[
            "C: A1 LOGIN joe [REDACTED]",
            "S: A1 BAD Literal too long",
            "C: A2 LOGIN joe [REDACTED]",
            "C: A3 AUTHENTICATE PLAIN",
            "S: + ",
            "C: [REDACTED]",
            "S: A3 OK",
        ],
        &["secret", "AGpvZQBzZWNyZXQ"],
    );
}

#[test]
fn authenticate_plain_with_initial_response() {
    check(
        &[(C, b"A1 AUTHENTICATE PLAIN AGpvZQBzZWNyZXQ=\r\n"), (S, b"A1 OK yes\r\n"), (C, b"A2 NOOP\r\n")],
        &["C: A1 AUTHENTICATE PLAIN [REDACTED]", "S: A1 OK yes", "C: A2 NOOP"],
        &["AGpvZQBzZWNyZXQ"],
    );
}

#[test]
fn authenticate_plain_after_continuation() {
    check(
        &[
            (C, b"A1 AUTHENTICATE PLAIN\r\n"),
            (S, b"+ \r\n"),
            (C, b"AGpvZQBzZWNyZXQ=\r\n"),
            (S, b"A1 NO [AUTHENTICATIONFAILED] nope\r\n"),
            (C, b"A2 NOOP\r\n"),
        ],
        &["C: A1 AUTHENTICATE PLAIN", "S: + ", "C: [REDACTED]", "S: A1 NO [AUTHENTICATIONFAILED] nope", "C: A2 NOOP"],
        &["AGpvZQBzZWNyZXQ"],
    );
}

#[test]
fn authenticate_login_mechanism() {
    check(
        &[
            (C, b"A1 AUTHENTICATE LOGIN\r\n"),
            (S, b"+ VXNlcm5hbWU6\r\n"),
            (C, b"am9l\r\n"),
            (S, b"+ UGFzc3dvcmQ6\r\n"),
            (C, b"c2VjcmV0\r\n"),
            (S, b"A1 OK yes\r\n"),
            (C, b"A2 NOOP\r\n"),
        ],
        &[
            "C: A1 AUTHENTICATE LOGIN",
            "S: + VXNlcm5hbWU6",
            "C: [REDACTED]",
            "S: + UGFzc3dvcmQ6",
            "C: [REDACTED]",
            "S: A1 OK yes",
            "C: A2 NOOP",
        ],
        &["c2VjcmV0", "am9l"],
    );
}

#[test]
fn authenticate_xoauth2_with_error_challenge() {
    // base64 of "user=joe\x01auth=Bearer tok3n\x01\x01"
    let ir = b"dXNlcj1qb2UBYXV0aD1CZWFyZXIgdG9rM24BAQ==";
    let mut first = b"A1 AUTHENTICATE XOAUTH2 ".to_vec();
    first.extend_from_slice(ir);
    first.extend_from_slice(b"\r\n");
    check(
        &[
            (C, &first),
            (S, b"+ eyJzdGF0dXMiOiI0MDEifQ==\r\n"),
            (C, b"\r\n"),
            (S, b"A1 NO [AUTHENTICATIONFAILED] nope\r\n"),
            (C, b"A2 AUTHENTICATE XOAUTH2\r\n"),
            (S, b"+ \r\n"),
            (C, ir),
            (C, b"\r\n"),
            (S, b"A2 NO nope\r\n"),
        ],
        &[
            "C: A1 AUTHENTICATE XOAUTH2 [REDACTED]",
            "S: + eyJzdGF0dXMiOiI0MDEifQ==",
            "C: [REDACTED]",
            "S: A1 NO [AUTHENTICATIONFAILED] nope",
            "C: A2 AUTHENTICATE XOAUTH2",
            "S: + ",
            "C: [REDACTED]",
            "S: A2 NO nope",
        ],
        &["dXNlcj1qb2UBYXV0aD1CZWFyZXIgdG9rM24", "tok3n"],
    );
}

#[test]
fn authenticate_cancel_and_refusal() {
    check(
        &[
            (C, b"A1 AUTHENTICATE PLAIN\r\n"),
            (S, b"+ \r\n"),
            (C, b"*\r\n"),
            (S, b"A1 BAD AUTHENTICATE cancelled\r\n"),
            (C, b"A2 AUTHENTICATE FOO\r\n"),
            (S, b"A2 NO Unsupported authentication mechanism\r\n"),
            (C, b"A3 NOOP\r\n"),
        ],
        &[
            "C: A1 AUTHENTICATE PLAIN",
            "S: + ",
            "C: *",
            "S: A1 BAD AUTHENTICATE cancelled",
            "C: A2 AUTHENTICATE FOO",
            "S: A2 NO Unsupported authentication mechanism",
            "C: A3 NOOP",
        ],
        &[],
    );
}

#[test]
fn a_literal_in_a_server_response_does_not_end_the_exchange() {
    check(
        &[
            (C, b"A1 AUTHENTICATE PLAIN\r\n"),
            (S, b"* 1 FETCH (BODY[] {7}\r\nA1 OK\r\n)\r\n"),
            (S, b"+ \r\n"),
            (C, b"AGpvZQBzZWNyZXQ=\r\n"),
            (S, b"A1 OK\r\n"),
        ],
        &[
            "C: A1 AUTHENTICATE PLAIN",
            "S: * 1 FETCH (BODY[] {7}",
            "S: A1 OK",
            "S: )",
            "S: + ",
            "C: [REDACTED]",
            "S: A1 OK",
        ],
        &["AGpvZQBzZWNyZXQ"],
    );
}

#[test]
fn mistyped_credentials_are_redacted_too() {
    check(
        &[
            (C, b"LOGIN joe secret\r\n"),
            (C, b"A1 LOGIN\tjoe\tsecret\r\n"),
            (C, b"A2 LOGIN secret\r\n"),
            (C, b"A3 AuThEnTiCaTe PLAIN c2VjcmV0\r\n"),
            (S, b"A3 BAD no\r\n"),
        ],
        &[
            "C: [REDACTED]",
            "C: A1 [REDACTED]",
            "C: A2 LOGIN [REDACTED]",
            "C: A3 AuThEnTiCaTe PLAIN [REDACTED]",
            "S: A3 BAD no",
        ],
        &["secret", "c2VjcmV0"],
    );
}

#[test]
fn literals_show_and_elide() {
    let big = vec![b'x'; 3000];
    let mut append = b"A1 APPEND INBOX {3000+}\r\n".to_vec();
    append.extend_from_slice(&big);
    append.extend_from_slice(b"\r\n");
    let mut r = Redactor::new();
    r.handle_client(&append);
    r.handle_server(b"* 1 FETCH (BODY[] {5}\r\nab\r\nc)\r\n");
    let t: Vec<String> = std::iter::from_fn(|| r.poll_line()).map(|l| l.to_string()).collect();
    assert_eq!(t[0], "C: A1 APPEND INBOX {3000+}");
    assert_eq!(t[1].len(), 3 + 1024);
    assert_eq!(t[2], "C: [... 1976 more bytes]");
    assert_eq!(&t[3..], ["S: * 1 FETCH (BODY[] {5}", "S: ab", "S: c", "S: )"]);
}

#[test]
fn an_over_long_line_keeps_the_framing() {
    let mut steps = b"A1 X ".to_vec();
    steps.extend_from_slice(&vec![b'x'; MAX_LINE_SHOWN + 10]);
    steps.extend_from_slice(b" {5+}\r\nhello\r\nA2 LOGIN joe {6+}\r\nsecret\r\nA3 NOOP\r\n");
    let mut r = Redactor::new();
    for piece in steps.chunks(4096) {
        r.handle_client(piece);
    }
    let t: Vec<String> = std::iter::from_fn(|| r.poll_line()).map(|l| l.to_string()).collect();
    assert_eq!(t[0].len(), 3 + MAX_LINE_SHOWN);
    assert_eq!(&t[1..], ["C: hello", "C: A2 LOGIN joe [REDACTED]", "C: A3 NOOP"]);
}

/// URLAUTH tokens are bearer credentials: redacted in the client's URLFETCH and in the
/// server's GENURLAUTH and URLFETCH answers; a rump (no token yet) is shown whole.
#[test]
fn urlauth_tokens() {
    let token = "91354a473744909de610943775f92038";
    let rump = "imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred";
    let c1 = format!("a1 GENURLAUTH \"{rump}\" INTERNAL\r\n");
    let s1 = format!("* GENURLAUTH \"{rump}:internal:{token}\"\r\na1 OK done\r\n");
    let c2 = format!("a2 URLFETCH \"{}:INTERNAL:{token}\"\r\n", rump.to_uppercase().replace("IMAP://", "imap://"));
    let s2 = format!("* URLFETCH \"{rump}:internal:{token}\" {{4}}\r\nhi\r\n\r\na2 OK done\r\n");
    let red = format!("{rump}:internal:[REDACTED]");
    check(
        &[(C, c1.as_bytes()), (S, s1.as_bytes()), (C, c2.as_bytes()), (S, s2.as_bytes())],
        &[
            &format!("C: a1 GENURLAUTH \"{rump}\" INTERNAL"),
            &format!("S: * GENURLAUTH \"{red}\""),
            "S: a1 OK done",
            &format!("C: a2 URLFETCH \"{}:INTERNAL:[REDACTED]\"", rump.to_uppercase().replace("IMAP://", "imap://")),
            &format!("S: * URLFETCH \"{red}\" {{4}}"),
            "S: hi",
            "S: a2 OK done",
        ],
        &[token, &token.to_uppercase()],
    );
}

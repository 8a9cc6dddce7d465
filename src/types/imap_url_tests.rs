//! IMAP URLs: the examples of RFC 4467 and RFC 4469 parsed to their parts and written
//! back (in the canonical form, parameter names upper case), refusals, and the
//! round-trip `parse(to_string(u)) == u` over generated URLs.

use proptest::prelude::*;

use super::*;

fn part(mailbox: &str, validity: Option<u32>, uid: u32, section: Option<&str>) -> ImapUrl {
    ImapUrl {
        mailbox: Some(mailbox.into()),
        uid_validity: validity,
        uid: Some(uid),
        section: section.map(Into::into),
        ..ImapUrl::default()
    }
}

/// (text, value, canonical text when it differs): both ways.
fn table() -> Vec<(&'static str, ImapUrl, Option<&'static str>)> {
    let joe = |section: Option<&str>, urlauth: Option<UrlAuth>| ImapUrl {
        user: Some("joe".into()),
        host: "example.com".into(),
        urlauth,
        ..part("INBOX", None, 20, section)
    };
    let submit_fred = |verifier: Option<(&str, &str)>| UrlAuth {
        expire: None,
        access: UrlAccess::Submit("fred".into()),
        verifier: verifier.map(|(m, t)| (m.into(), t.into())),
    };
    vec![
        // RFC 4467 §7 and §8.
        (
            "imap://joe@example.com/INBOX/;uid=20/;section=1.2",
            joe(Some("1.2"), None),
            Some("imap://joe@example.com/INBOX/;UID=20/;SECTION=1.2"),
        ),
        (
            "imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred",
            joe(Some("1.2"), Some(submit_fred(None))),
            Some("imap://joe@example.com/INBOX/;UID=20/;SECTION=1.2;URLAUTH=submit+fred"),
        ),
        (
            "imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a473744909de610943775f92038",
            joe(Some("1.2"), Some(submit_fred(Some(("internal", "91354a473744909de610943775f92038"))))),
            Some("imap://joe@example.com/INBOX/;UID=20/;SECTION=1.2;URLAUTH=submit+fred:internal:91354a473744909de610943775f92038"),
        ),
        (
            "imap://example.com/Shared/;uid=20/;section=1.2;urlauth=submit+fred",
            ImapUrl { host: "example.com".into(), urlauth: Some(submit_fred(None)), ..part("Shared", None, 20, Some("1.2")) },
            Some("imap://example.com/Shared/;UID=20/;SECTION=1.2;URLAUTH=submit+fred"),
        ),
        // RFC 4469 §5's CATENATE paths.
        (
            "/Drafts;UIDVALIDITY=385759045/;UID=20/;section=HEADER",
            part("Drafts", Some(385759045), 20, Some("HEADER")),
            Some("/Drafts;UIDVALIDITY=385759045/;UID=20/;SECTION=HEADER"),
        ),
        ("/INBOX;UIDVALIDITY=785799047/;UID=11467", part("INBOX", Some(785799047), 11467, None), None),
        (
            "/INBOX;UIDVALIDITY=785799047/;UID=113330/;SECTION=1.5.9",
            part("INBOX", Some(785799047), 113330, Some("1.5.9")),
            None,
        ),
        // Server parts, encodings, a list with a search, partials, an expiry.
        (
            "IMAP://a%40b;AUTH=*@[::1]:143/Sent%20Items/2024?SUBJECT%20%22hi%22",
            ImapUrl {
                user: Some("a@b".into()),
                auth_type: Some("*".into()),
                host: "[::1]".into(),
                port: Some(143),
                mailbox: Some("Sent Items/2024".into()),
                search: Some("SUBJECT \"hi\"".into()),
                ..ImapUrl::default()
            },
            Some("imap://a%40b;AUTH=*@[::1]:143/Sent%20Items/2024?SUBJECT%20%22hi%22"),
        ),
        (
            "imap://h/%C3%A9t%C3%A9/;UID=3/;SECTION=HEADER.FIELDS%20(TO)/;PARTIAL=2.5",
            ImapUrl {
                host: "h".into(),
                partial: Some((2, Some(5))),
                ..part("été", None, 3, Some("HEADER.FIELDS (TO)"))
            },
            None,
        ),
        (
            "imap://j@h/INBOX/;UID=1/;PARTIAL=0;EXPIRE=2030-01-01T00:00:00Z;URLAUTH=anonymous",
            ImapUrl {
                user: Some("j".into()),
                host: "h".into(),
                partial: Some((0, None)),
                urlauth: Some(UrlAuth {
                    expire: Some(DateTime::new(chrono::DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z").unwrap()).unwrap()),
                    access: UrlAccess::Anonymous,
                    verifier: None,
                }),
                ..part("INBOX", None, 1, None)
            },
            Some("imap://j@h/INBOX/;UID=1/;PARTIAL=0;EXPIRE=2030-01-01T00:00:00+00:00;URLAUTH=anonymous"),
        ),
        ("imap://h", ImapUrl { host: "h".into(), ..ImapUrl::default() }, None),
    ]
}

#[test]
fn urls_both_ways() {
    for (text, value, canonical) in table() {
        let parsed = if text.starts_with('/') { ImapUrl::parse_path(text) } else { ImapUrl::parse(text) };
        assert_eq!(parsed.as_ref(), Ok(&value), "{text}");
        assert_eq!(value.to_string(), canonical.unwrap_or(text), "{text}");
    }
}

#[test]
fn malformed_urls_are_refused() {
    for (text, e) in [
        ("http://h/INBOX", UrlError::Scheme),
        ("imap:///INBOX", UrlError::Syntax),
        ("imap://@h/INBOX", UrlError::Syntax),
        ("imap://h:x/INBOX", UrlError::Number),
        ("imap://h/INBOX/;UID=0", UrlError::Number),
        ("imap://h/INBOX/;UID=1/;PARTIAL=1.0", UrlError::Number),
        ("imap://h/INBOX/;UID=1/;SECTION=", UrlError::Syntax),
        ("imap://h/INBOX/;UID=1/;BOGUS=1", UrlError::Syntax),
        ("imap://h/%ZZ", UrlError::Encoding),
        ("imap://h/%FF", UrlError::Encoding),
        ("imap://h/INBOX/;UID=1;EXPIRE=tomorrow;URLAUTH=anonymous", UrlError::Expire),
        ("imap://h/INBOX/;UID=1;URLAUTH=everyone", UrlError::Access),
        ("imap://h/INBOX/;UID=1;URLAUTH=user+", UrlError::Access),
        ("imap://h/INBOX/;UID=1;URLAUTH=anonymous:internal", UrlError::Syntax),
    ] {
        assert_eq!(ImapUrl::parse(text), Err(e), "{text}");
    }
    assert_eq!(ImapUrl::parse_path("INBOX/;UID=1"), Err(UrlError::Scheme));
    assert_eq!(ImapUrl::parse_path("//h/INBOX/;UID=1"), Err(UrlError::Scheme));
}

#[test]
fn the_rump_is_split_off_as_written() {
    let full = "imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a47";
    assert_eq!(
        ImapUrl::split_verifier(full),
        Some(("imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred", "internal", "91354a47"))
    );
    assert_eq!(ImapUrl::split_verifier("imap://joe@h/INBOX/;uid=20;urlauth=anonymous"), None);
}

/// Any non-empty text, Unicode included.
fn text() -> impl Strategy<Value = String> {
    "\\PC{1,12}"
}

fn url_auth() -> impl Strategy<Value = UrlAuth> {
    let access = prop_oneof![
        text().prop_map(UrlAccess::Submit),
        text().prop_map(UrlAccess::User),
        Just(UrlAccess::AuthUser),
        Just(UrlAccess::Anonymous),
    ];
    let expire = (0i64..4_000_000_000, -720i32..720).prop_map(|(secs, minutes)| {
        let offset = chrono::FixedOffset::east_opt(minutes * 60).expect("an offset");
        DateTime::new(chrono::DateTime::from_timestamp(secs, 0).expect("a time").with_timezone(&offset))
            .expect("a date-time")
    });
    let verifier = ("[A-Za-z0-9.-]{1,10}", "[0-9a-f]{32,42}");
    (proptest::option::of(expire), access, proptest::option::of(verifier))
        .prop_map(|(expire, access, verifier)| UrlAuth { expire, access, verifier })
}

fn imap_url() -> impl Strategy<Value = ImapUrl> {
    let server = (
        proptest::option::of(text()),
        proptest::option::of(prop_oneof![Just("*".to_string()), "[A-Z0-9-]{1,10}"]),
        prop_oneof!["[a-z]{1,8}(\\.[a-z]{2,4})?", Just("[::1]".to_string()), Just("127.0.0.1".to_string())],
        proptest::option::of(any::<u16>()),
    );
    let list = (text(), proptest::option::of(1u32..), proptest::option::of(text()))
        .prop_map(|(m, v, s)| (Some(m), v, s, None, None, None, None));
    let message = (
        text(),
        proptest::option::of(1u32..),
        1u32..,
        proptest::option::of(text()),
        proptest::option::of((any::<u32>(), proptest::option::of(1u32..))),
        proptest::option::of(url_auth()),
    )
        .prop_map(|(m, v, uid, s, p, a)| (Some(m), v, None, Some(uid), s, p, a));
    let path = prop_oneof![Just((None, None, None, None, None, None, None)), list, message];
    (server, path).prop_map(|((user, auth_type, host, port), path)| {
        let (mailbox, uid_validity, search, uid, section, partial, urlauth) = path;
        ImapUrl { user, auth_type, host, port, mailbox, uid_validity, search, uid, section, partial, urlauth }
    })
}

proptest! {
    #[test]
    fn urls_round_trip(u in imap_url()) {
        let text = u.to_string();
        prop_assert_eq!(ImapUrl::parse(&text), Ok(u.clone()), "{}", text);
        if u.mailbox.is_some() {
            let path = ImapUrl { user: None, auth_type: None, host: String::new(), port: None, ..u };
            prop_assert_eq!(ImapUrl::parse_path(&path.to_string()), Ok(path));
        }
    }
}

//! The schema, as embedded migrations run at start ([`migrate`]): each step once, in
//! order, under an advisory lock, so that processes starting together do not race.
//!
//! - `imapm_users`: name and password.
//! - `imapm_mailboxes`: a user's mailbox, its UIDVALIDITY (from the user's counter,
//!   `imapm_users.uid_validity_next`, taken under the user's row lock in the transaction
//!   that creates the mailbox, so no two incarnations of a name share one), the next UID, the length of its change log
//!   (`log_len`: the next log position, also its HIGHESTMODSEQ less one), its keywords
//!   and special uses. Every change to a mailbox first locks its row: that orders UID
//!   allocation and the log among all processes.
//! - `imapm_bodies`: a message's octets once, by SHA-256; COPY shares them. Short ones
//!   in `data`; an APPEND streamed in chunks (over 64 KiB) in a large object (`lo`),
//!   written as it arrives and read back by ranges (step 2).
//! - `imapm_messages`: a message in a mailbox: UID, flags (their wire forms), the body's
//!   hash, INTERNALDATE, size, mod-sequence, whether no session has claimed its
//!   `\Recent` yet, and the log position of its expunge: an expunged message stays, as
//!   a tombstone, for the sessions that still see it (RFC 2180 §4.1.1).
//! - Object ids (RFC 8474, step 3): MAILBOXID is `B` and the mailbox's row id (RENAME
//!   keeps it); EMAILID is `M` and the message's `email_id`, from a sequence at APPEND,
//!   kept by COPY and MOVE. `saved` is its SAVEDATE (RFC 8514).
//! - `imapm_metadata` (step 4): METADATA entries (RFC 5464) of the server (no mailbox)
//!   and of mailboxes, by mailbox id: RENAME keeps them, DELETE drops them.
//! - QUOTA limits (RFC 9208, step 5) on `imapm_users`; usage is counted from the live
//!   messages, under the user's row lock, by the transaction that adds messages.
//! - The cached parse (step 6): ENVELOPE, BODY, BODYSTRUCTURE and the header's length
//!   (`imap_machine::store::ParsedMessage`'s kept form) beside a body stored whole, made
//!   once at APPEND; FETCH of those items and SORT read it without the body. A streamed
//!   body has none: it is parsed when asked, as a store without a cache would.
//! - `imapm_url_keys` (step 7): URLAUTH mailbox access keys (RFC 4467 §2.2), 128 bits
//!   from the OS CSPRNG; DELETE drops them with the mailbox, RENAME and RESETKEY drop
//!   them too, so URLs made for a name never reach a later mailbox of that name.
//! - `imapm_log`: the change log, by dense position per mailbox: appends, flag changes,
//!   expunges and new keywords, each with when it was written (step 8). Sessions read it
//!   from their cursor. Compaction (`compact.rs`) drops the entries older than the
//!   retention, the tombstones of the expunges among them and the bodies no message
//!   refers to any more; `imapm_mailboxes.log_start` is the first position kept.
//! - `imapm_subscriptions`.

use postgres::GenericClient;

/// The migrations, in order; a step never changes once released.
const STEPS: &[&str] = &[
    r#"
CREATE TABLE imapm_users (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password TEXT NOT NULL,
    uid_validity_next BIGINT NOT NULL DEFAULT 1
);
CREATE TABLE imapm_mailboxes (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES imapm_users ON DELETE CASCADE,
    name TEXT NOT NULL,
    uid_validity BIGINT NOT NULL,
    uid_next BIGINT NOT NULL DEFAULT 1,
    log_len BIGINT NOT NULL DEFAULT 0,
    noselect BOOLEAN NOT NULL DEFAULT FALSE,
    keywords TEXT[] NOT NULL DEFAULT '{}',
    special_use TEXT[] NOT NULL DEFAULT '{}',
    UNIQUE (user_id, name)
);
CREATE TABLE imapm_bodies (
    hash BYTEA PRIMARY KEY,
    data BYTEA NOT NULL
);
CREATE TABLE imapm_messages (
    mailbox_id BIGINT NOT NULL REFERENCES imapm_mailboxes ON DELETE CASCADE,
    uid BIGINT NOT NULL,
    hash BYTEA NOT NULL REFERENCES imapm_bodies,
    size BIGINT NOT NULL,
    internal_date TIMESTAMPTZ NOT NULL,
    internal_zone INTEGER NOT NULL,
    flags TEXT[] NOT NULL,
    modseq BIGINT NOT NULL,
    unclaimed BOOLEAN NOT NULL DEFAULT TRUE,
    expunged BIGINT,
    PRIMARY KEY (mailbox_id, uid)
);
CREATE INDEX imapm_messages_live ON imapm_messages (mailbox_id, uid) WHERE expunged IS NULL;
CREATE TABLE imapm_log (
    mailbox_id BIGINT NOT NULL REFERENCES imapm_mailboxes ON DELETE CASCADE,
    pos BIGINT NOT NULL,
    kind SMALLINT NOT NULL,
    uid BIGINT NOT NULL DEFAULT 0,
    keyword TEXT,
    PRIMARY KEY (mailbox_id, pos)
);
CREATE TABLE imapm_subscriptions (
    user_id BIGINT NOT NULL REFERENCES imapm_users ON DELETE CASCADE,
    name TEXT NOT NULL,
    PRIMARY KEY (user_id, name)
);
"#,
    r#"
ALTER TABLE imapm_bodies ADD COLUMN lo OID;
ALTER TABLE imapm_bodies ALTER COLUMN data DROP NOT NULL;
"#,
    r#"
CREATE SEQUENCE imapm_email_ids;
ALTER TABLE imapm_messages ADD COLUMN email_id BIGINT NOT NULL DEFAULT nextval('imapm_email_ids');
ALTER TABLE imapm_messages ADD COLUMN saved TIMESTAMPTZ NOT NULL DEFAULT now();
"#,
    r#"
CREATE TABLE imapm_metadata (
    user_id BIGINT NOT NULL REFERENCES imapm_users ON DELETE CASCADE,
    mailbox_id BIGINT REFERENCES imapm_mailboxes ON DELETE CASCADE,
    entry TEXT NOT NULL,
    value BYTEA NOT NULL
);
CREATE UNIQUE INDEX imapm_metadata_key ON imapm_metadata (user_id, (coalesce(mailbox_id, 0)), entry);
"#,
    r#"
ALTER TABLE imapm_users ADD COLUMN quota_storage_kb BIGINT;
ALTER TABLE imapm_users ADD COLUMN quota_messages BIGINT;
"#,
    r#"
ALTER TABLE imapm_bodies ADD COLUMN parsed BYTEA;
ALTER TABLE imapm_bodies ADD COLUMN header_len INTEGER;
"#,
    r#"
CREATE TABLE imapm_url_keys (
    mailbox_id BIGINT PRIMARY KEY REFERENCES imapm_mailboxes ON DELETE CASCADE,
    key BYTEA NOT NULL
);
"#,
    r#"
ALTER TABLE imapm_log ADD COLUMN at TIMESTAMPTZ NOT NULL DEFAULT now();
ALTER TABLE imapm_mailboxes ADD COLUMN log_start BIGINT NOT NULL DEFAULT 0;
CREATE INDEX imapm_messages_hash ON imapm_messages (hash);
CREATE INDEX imapm_messages_expunged ON imapm_messages (mailbox_id, expunged) WHERE expunged IS NOT NULL;
"#,
];

/// Runs the steps the database lacks, each in its transaction, under an advisory lock.
pub(crate) fn migrate(client: &mut postgres::Client) -> Result<(), postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock(7106142351)", &[])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS imapm_schema (version INT NOT NULL)")?;
    let done: i64 = tx.query_one("SELECT count(*) FROM imapm_schema", &[])?.get(0);
    for (k, step) in STEPS.iter().enumerate().skip(done as usize) {
        tx.batch_execute(step)?;
        tx.execute("INSERT INTO imapm_schema (version) VALUES ($1)", &[&(k as i32 + 1)])?;
    }
    tx.commit()
}

/// The number of steps a database is at.
pub(crate) fn version(client: &mut impl GenericClient) -> Result<i64, postgres::Error> {
    Ok(client.query_one("SELECT count(*) FROM imapm_schema", &[])?.get(0))
}

/// Log entry kinds (`imapm_log.kind`).
pub(crate) mod kind {
    /// A message arrived.
    pub(crate) const APPENDED: i16 = 1;
    /// A message's flags changed.
    pub(crate) const FLAGS: i16 = 2;
    /// A message was expunged.
    pub(crate) const EXPUNGED: i16 = 3;
    /// A keyword was first used in the mailbox.
    pub(crate) const KEYWORD: i16 = 4;
}

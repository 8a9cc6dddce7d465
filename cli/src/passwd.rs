//! Users in Dovecot's passwd-file format, so that an existing Dovecot `users` file works
//! unchanged (Dovecot's "Passwd-file" and "Password schemes" documentation):
//!
//! ```text
//! user:{SCHEME}hash:uid:gid:gecos:home:shell:extra_fields
//! ```
//!
//! Only the first two fields are read; blank lines and lines starting with `#` are
//! skipped. The schemes are `{ARGON2ID}`, `{ARGON2I}` (PHC strings, `argon2`),
//! `{BLF-CRYPT}` (`$2y$`, `bcrypt`), `{SHA512-CRYPT}` and `{SHA256-CRYPT}` (`$6$`, `$5$`,
//! `sha-crypt`), `{CRYPT}` and a hash without a scheme (Dovecot's default for
//! passwd-file: told apart by the `$2y$`/`$5$`/`$6$` prefix), and `{PLAIN}`, which
//! `imapm serve` accepts with a warning. Errors name the line, never the hash.

use std::collections::HashMap;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// A password scheme (Dovecot's names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Scheme {
    /// `{ARGON2ID}`: Argon2id, as a PHC string.
    Argon2id,
    /// `{ARGON2I}`: Argon2i, as a PHC string.
    Argon2i,
    /// `{BLF-CRYPT}`: bcrypt (`$2y$`).
    BlfCrypt,
    /// `{SHA512-CRYPT}`: SHA-512-crypt (`$6$`).
    Sha512Crypt,
    /// `{SHA256-CRYPT}`: SHA-256-crypt (`$5$`).
    Sha256Crypt,
    /// `{PLAIN}`: the password itself.
    Plain,
}

impl Scheme {
    /// The scheme named `name` (`ARGON2ID`, `BLF-CRYPT`, ...; any case).
    pub(crate) fn from_name(name: &str) -> Option<Scheme> {
        Some(match name.to_ascii_uppercase().as_str() {
            "ARGON2ID" => Scheme::Argon2id,
            "ARGON2I" => Scheme::Argon2i,
            "BLF-CRYPT" => Scheme::BlfCrypt,
            "SHA512-CRYPT" => Scheme::Sha512Crypt,
            "SHA256-CRYPT" => Scheme::Sha256Crypt,
            "PLAIN" | "CLEAR" | "CLEARTEXT" => Scheme::Plain,
            _ => return None,
        })
    }

    /// Dovecot's name of the scheme.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Scheme::Argon2id => "ARGON2ID",
            Scheme::Argon2i => "ARGON2I",
            Scheme::BlfCrypt => "BLF-CRYPT",
            Scheme::Sha512Crypt => "SHA512-CRYPT",
            Scheme::Sha256Crypt => "SHA256-CRYPT",
            Scheme::Plain => "PLAIN",
        }
    }

    /// The crypt scheme of a hash without a `{SCHEME}`, by its prefix.
    fn of_crypt(hash: &str) -> Option<Scheme> {
        if hash.starts_with("$2y$") || hash.starts_with("$2b$") || hash.starts_with("$2a$") {
            Some(Scheme::BlfCrypt)
        } else if hash.starts_with("$6$") {
            Some(Scheme::Sha512Crypt)
        } else if hash.starts_with("$5$") {
            Some(Scheme::Sha256Crypt)
        } else if hash.starts_with("$argon2id$") {
            Some(Scheme::Argon2id)
        } else if hash.starts_with("$argon2i$") {
            Some(Scheme::Argon2i)
        } else {
            None
        }
    }
}

/// A user's stored password.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Hashed {
    scheme: Scheme,
    hash: String,
}

impl std::fmt::Debug for Hashed {
    // Never the hash: logs and errors show the scheme only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{{{}}}<redacted>", self.scheme.name())
    }
}

impl Hashed {
    /// The stored password of a passwd-file's second field.
    pub(crate) fn parse(field: &str) -> Result<Hashed, PasswdError> {
        let (scheme, hash) = match field.strip_prefix('{').and_then(|r| r.split_once('}')) {
            Some(("CRYPT" | "crypt", hash)) => (Scheme::of_crypt(hash).ok_or(PasswdError::UnknownCrypt)?, hash),
            Some((name, hash)) => {
                (Scheme::from_name(name).ok_or_else(|| PasswdError::UnknownScheme(name.to_string()))?, hash)
            }
            None => (Scheme::of_crypt(field).ok_or(PasswdError::UnknownCrypt)?, field),
        };
        let hashed = Hashed { scheme, hash: hash.to_string() };
        if !hashed.well_formed() {
            return Err(PasswdError::Malformed(scheme.name()));
        }
        Ok(hashed)
    }

    /// The scheme.
    #[cfg(test)]
    pub(crate) fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// Whether the hash has its scheme's form (checked at load, so that a typo fails at
    /// startup rather than at every login).
    fn well_formed(&self) -> bool {
        match self.scheme {
            Scheme::Argon2id => self.hash.starts_with("$argon2id$"),
            Scheme::Argon2i => self.hash.starts_with("$argon2i$"),
            Scheme::BlfCrypt => Scheme::of_crypt(&self.hash) == Some(Scheme::BlfCrypt) && self.hash.len() == 60,
            Scheme::Sha512Crypt => self.hash.starts_with("$6$"),
            Scheme::Sha256Crypt => self.hash.starts_with("$5$"),
            Scheme::Plain => true,
        }
    }

    /// Whether `password` is the one hashed. Slow by design for the real schemes (argon2
    /// takes tens of milliseconds): call it off the event loop.
    pub(crate) fn verify(&self, password: &[u8]) -> bool {
        match self.scheme {
            Scheme::Argon2id | Scheme::Argon2i => {
                argon2::Argon2::default().verify_password(password, &*self.hash).is_ok()
            }
            Scheme::BlfCrypt => bcrypt::verify(password, &self.hash).unwrap_or(false),
            Scheme::Sha512Crypt => sha_crypt::ShaCrypt::SHA512.verify_password(password, &*self.hash).is_ok(),
            Scheme::Sha256Crypt => sha_crypt::ShaCrypt::SHA256.verify_password(password, &*self.hash).is_ok(),
            Scheme::Plain => constant_time_eq(password, self.hash.as_bytes()),
        }
    }
}

/// Compares without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `{SCHEME}hash` of `password`, with a fresh salt, as `doveadm pw -s SCHEME` prints it.
pub(crate) fn hash(scheme: Scheme, password: &[u8]) -> Result<String, PasswdError> {
    let hash = match scheme {
        Scheme::Argon2id | Scheme::Argon2i => {
            let algorithm =
                if scheme == Scheme::Argon2id { argon2::Algorithm::Argon2id } else { argon2::Algorithm::Argon2i };
            // Dovecot's defaults: 64 MiB, 3 passes, 1 lane.
            let params = argon2::Params::new(65536, 3, 1, None).map_err(|_| PasswdError::Hashing)?;
            let a = argon2::Argon2::new(algorithm, argon2::Version::V0x13, params);
            a.hash_password(password).map_err(|_| PasswdError::Hashing)?.to_string()
        }
        Scheme::BlfCrypt => {
            // Dovecot's default cost is 5; 10 is bcrypt's own and today's advice.
            let parts = bcrypt::hash_with_result(password, 10).map_err(|_| PasswdError::Hashing)?;
            parts.format_for_version(bcrypt::Version::TwoY)
        }
        Scheme::Sha512Crypt | Scheme::Sha256Crypt => {
            let c =
                if scheme == Scheme::Sha512Crypt { sha_crypt::ShaCrypt::SHA512 } else { sha_crypt::ShaCrypt::SHA256 };
            // 12 random bytes, written as 16 salt characters, the most SHA-crypt uses:
            // `sha-crypt`'s default of 16 bytes writes 22, which crypt(3), and so Dovecot,
            // cuts to 16 before hashing, refusing every password.
            let salt = &argon2::password_hash::generate_salt()[..12];
            c.hash_password_with_salt(password, salt).map_err(|_| PasswdError::Hashing)?.to_string()
        }
        Scheme::Plain => String::from_utf8(password.to_vec()).map_err(|_| PasswdError::Hashing)?,
    };
    Ok(format!("{{{}}}{hash}", scheme.name()))
}

/// A passwd-file's users.
#[derive(Clone, Debug, Default)]
pub(crate) struct Users {
    users: HashMap<String, Hashed>,
}

impl Users {
    /// The users of a passwd-file's text. The first entry of a name wins, as in Dovecot.
    pub(crate) fn parse(text: &str) -> Result<Users, PasswdError> {
        let mut users = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.splitn(3, ':');
            let name = fields.next().unwrap_or_default();
            let line_error = |e: PasswdError| PasswdError::Line(n + 1, Box::new(e));
            let password = fields.next().ok_or_else(|| line_error(PasswdError::NoPassword))?;
            if name.is_empty() {
                return Err(line_error(PasswdError::NoName));
            }
            let hashed = Hashed::parse(password).map_err(line_error)?;
            users.entry(name.to_string()).or_insert(hashed);
        }
        Ok(Users { users })
    }

    /// The user `name`'s stored password.
    pub(crate) fn get(&self, name: &str) -> Option<&Hashed> {
        self.users.get(name)
    }

    /// The users' names.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.users.keys().map(String::as_str)
    }

    /// The users whose password is kept in the clear.
    pub(crate) fn plain(&self) -> impl Iterator<Item = &str> {
        self.users.iter().filter(|(_, h)| h.scheme == Scheme::Plain).map(|(n, _)| n.as_str())
    }

    /// How many users.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.users.len()
    }
}

/// What is wrong with a passwd-file.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PasswdError {
    /// At this line (1-based).
    #[error("line {0}: {1}")]
    Line(usize, Box<PasswdError>),
    /// A line without a `:password` field.
    #[error("no password field")]
    NoPassword,
    /// A line with an empty user name.
    #[error("empty user name")]
    NoName,
    /// A `{SCHEME}` this server does not know.
    #[error(
        "unknown password scheme {{{0}}} (known: ARGON2ID, ARGON2I, BLF-CRYPT, SHA512-CRYPT, SHA256-CRYPT, PLAIN)"
    )]
    UnknownScheme(String),
    /// A crypt hash of none of the known forms.
    #[error("not a $2y$, $5$, $6$ or $argon2 crypt hash")]
    UnknownCrypt,
    /// A hash that does not have its scheme's form.
    #[error("malformed {0} hash")]
    Malformed(&'static str),
    /// Hashing failed (no randomness, or a password that `{PLAIN}` can't hold).
    #[error("could not hash the password")]
    Hashing,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hashes made by this module verify, wrong passwords don't, and the scheme round trips.
    #[test]
    fn every_scheme_hashes_and_verifies() {
        for scheme in [
            Scheme::Argon2id,
            Scheme::Argon2i,
            Scheme::BlfCrypt,
            Scheme::Sha512Crypt,
            Scheme::Sha256Crypt,
            Scheme::Plain,
        ] {
            let line = hash(scheme, b"s3cret pass").unwrap();
            assert!(line.starts_with(&format!("{{{}}}", scheme.name())), "{line}");
            let h = Hashed::parse(&line).unwrap();
            assert_eq!(h.scheme(), scheme);
            assert!(h.verify(b"s3cret pass"), "{line}");
            assert!(!h.verify(b"s3cret pasS"), "{line}");
            assert!(!h.verify(b""), "{line}");
            assert!(!format!("{h:?}").contains(&line[scheme.name().len() + 2..]), "Debug shows no hash");
            if matches!(scheme, Scheme::Sha512Crypt | Scheme::Sha256Crypt) {
                // `$6$rounds=5000$SALT$hash`: crypt(3) uses (and keeps) 16 salt characters.
                assert_eq!(line.split('$').nth(3).unwrap().len(), 16, "{line}");
            }
        }
    }

    /// Known answers: hashes from other implementations of each scheme.
    #[test]
    fn known_hashes() {
        // SHA-512-crypt and SHA-256-crypt: "Hello world!" with the salt `saltstring`, as glibc crypt(3) has them.
        let sha512 =
            "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1";
        assert!(Hashed::parse(&format!("{{SHA512-CRYPT}}{sha512}")).unwrap().verify(b"Hello world!"));
        let sha256 = "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5";
        assert!(Hashed::parse(&format!("{{SHA256-CRYPT}}{sha256}")).unwrap().verify(b"Hello world!"));
        // Without a scheme, told apart by the prefix (Dovecot's CRYPT default).
        assert_eq!(Hashed::parse(sha256).unwrap().scheme(), Scheme::Sha256Crypt);
        assert_eq!(Hashed::parse(&format!("{{CRYPT}}{sha512}")).unwrap().scheme(), Scheme::Sha512Crypt);
        // bcrypt's `$2y$` as Dovecot writes it (OpenBSD's test vector, cost 5).
        let bcrypt = "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
        assert!(Hashed::parse(&format!("{{BLF-CRYPT}}{bcrypt}")).unwrap().verify(b"U*U"));
    }

    #[test]
    fn passwd_files() {
        let text = "# users\n\nalice:{PLAIN}secret::::::\nbob:{SHA256-CRYPT}$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5:1000:1000::/home/bob::\nalice:{PLAIN}second\n";
        let users = Users::parse(text).unwrap();
        assert_eq!(users.len(), 2);
        assert!(users.get("alice").unwrap().verify(b"secret"), "the first entry wins");
        assert!(users.get("bob").unwrap().verify(b"Hello world!"));
        assert_eq!(users.plain().collect::<Vec<_>>(), ["alice"]);
        for (bad, why) in [
            ("carol\n", "line 1: no password field"),
            (":{PLAIN}x\n", "line 1: empty user name"),
            ("# c\ndave:{MD5}abc\n", "line 2: unknown password scheme {MD5}"),
            ("erin:{BLF-CRYPT}$2y$05$short\n", "line 1: malformed BLF-CRYPT hash"),
            ("frank:nothash\n", "line 1: not a $2y$"),
        ] {
            let e = Users::parse(bad).unwrap_err().to_string();
            assert!(e.starts_with(why), "{bad:?}: {e}");
            assert!(!e.contains("short") && !e.contains("nothash"), "no hash in errors: {e}");
        }
    }
}

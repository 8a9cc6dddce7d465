//! SASL mechanisms the client runs itself: PLAIN (RFC 4616), LOGIN, XOAUTH2 and
//! OAUTHBEARER (RFC 7628). Anything else goes to the embedder as challenge events.

use std::fmt;

use bytes::Bytes;

use crate::types::AuthMechanism;

/// What to authenticate with. `Debug` never shows a secret.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Authenticator {
    /// PLAIN: `authzid NUL authcid NUL password`.
    Plain {
        /// Identity to act as; usually empty.
        authzid: String,
        /// User name.
        username: String,
        /// Password.
        password: String,
    },
    /// LOGIN: user name and password, each answering one challenge.
    Login {
        /// User name.
        username: String,
        /// Password.
        password: String,
    },
    /// XOAUTH2 (Google, Microsoft): `user=… ^A auth=Bearer … ^A ^A`.
    XOAuth2 {
        /// User name (e-mail address).
        username: String,
        /// OAuth 2.0 access token.
        token: String,
    },
    /// OAUTHBEARER (RFC 7628): a GS2 header and `auth=Bearer …`.
    OAuthBearer {
        /// User name (e-mail address).
        username: String,
        /// OAuth 2.0 access token.
        token: String,
    },
    /// Any other mechanism: the exchange goes through [`super::Event::AuthChallenge`].
    Custom {
        /// The mechanism.
        mechanism: AuthMechanism,
        /// An initial response to send with SASL-IR, if the mechanism has one.
        initial_response: Option<Bytes>,
    },
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Authenticator::Plain { username, .. } | Authenticator::Login { username, .. } => {
                write!(f, "{}({username:?}, [REDACTED])", self.mechanism())
            }
            Authenticator::XOAuth2 { username, .. } | Authenticator::OAuthBearer { username, .. } => {
                write!(f, "{}({username:?}, [REDACTED])", self.mechanism())
            }
            Authenticator::Custom { mechanism, .. } => write!(f, "Custom({mechanism}, [REDACTED])"),
        }
    }
}

impl Authenticator {
    /// The mechanism name.
    pub fn mechanism(&self) -> AuthMechanism {
        match self {
            Authenticator::Plain { .. } => AuthMechanism::Plain,
            Authenticator::Login { .. } => AuthMechanism::Login,
            Authenticator::XOAuth2 { .. } => AuthMechanism::XOAuth2,
            Authenticator::OAuthBearer { .. } => AuthMechanism::OAuthBearer,
            Authenticator::Custom { mechanism, .. } => mechanism.clone(),
        }
    }

    /// The client's first message, for mechanisms that speak first.
    pub(crate) fn initial_response(&self) -> Option<Bytes> {
        match self {
            Authenticator::Plain { authzid, username, password } => {
                Some(Bytes::from(format!("{authzid}\0{username}\0{password}")))
            }
            Authenticator::Login { .. } => None,
            Authenticator::XOAuth2 { username, token } => {
                Some(Bytes::from(format!("user={username}\x01auth=Bearer {token}\x01\x01")))
            }
            Authenticator::OAuthBearer { username, token } => {
                Some(Bytes::from(format!("n,a={username},\x01auth=Bearer {token}\x01\x01")))
            }
            Authenticator::Custom { initial_response, .. } => initial_response.clone(),
        }
    }

    /// The answer to challenge number `step` (0-based, counting only challenges after any
    /// initial response). `None`: hand the challenge to the embedder.
    pub(crate) fn respond(&self, step: usize, ir_sent: bool) -> Option<Bytes> {
        match self {
            Authenticator::Custom { .. } => None,
            Authenticator::Login { username, password } => Some(match step {
                0 => Bytes::from(username.clone()),
                1 => Bytes::from(password.clone()),
                _ => Bytes::new(),
            }),
            // A server that didn't get the initial response inline asks for it with an
            // empty challenge.
            _ if step == 0 && !ir_sent => self.initial_response(),
            // After the initial response, a challenge carries an error report (XOAUTH2's
            // JSON, OAUTHBEARER's status): answer as the mechanism says, then the server
            // sends its NO.
            Authenticator::OAuthBearer { .. } => Some(Bytes::from_static(b"\x01")),
            _ => Some(Bytes::new()),
        }
    }
}

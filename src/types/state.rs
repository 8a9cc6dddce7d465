//! The connection states of RFC 3501 §3, shared by the client and the server machines.

/// Connection state (RFC 3501 §3, with RFC 8437 §5's UNAUTHENTICATE transition):
///
/// ```text
///           +----------------------+
///           |connection established|
///           +----------------------+
///                      ||
///                      \/
///    +--------------------------------------+
///    |          server greeting             |
///    +--------------------------------------+
///              || (1)       || (2)        || (3)
///              \/           ||            ||
///    +-----------------+    ||            ||
///    |Not Authenticated|<===||=========++ ||
///    +-----------------+    ||     (7) || ||
///     || (8)   || (4)       ||         || ||
///     ||       \/           \/         || ||
///     ||     +----------------+        || ||
///     ||     | Authenticated  |========++ ||
///     ||     |                |<=++    || ||
///     ||     +----------------+  ||    || ||
///     ||       || (8)   || (5)   ||(6) || ||
///     ||       ||       \/       ||    || ||
///     ||       ||    +--------+  ||    || ||
///     ||       ||    |Selected|==++    || ||
///     ||       ||    |        |========++ ||
///     ||       ||    +--------+           ||
///     ||       ||       || (8)            ||
///     \/       \/       \/                \/
///    +--------------------------------------+
///    |               Logout                 |
///    +--------------------------------------+
/// (1) greeting without pre-authentication; (2) PREAUTH greeting; (3) BYE greeting;
/// (4) LOGIN or AUTHENTICATE succeeds; (5) SELECT or EXAMINE succeeds; (6) CLOSE,
/// UNSELECT, or a failed SELECT or EXAMINE; (7) UNAUTHENTICATE succeeds (RFC 8437);
/// (8) LOGOUT, server shutdown, or BYE.
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// Before LOGIN or AUTHENTICATE, or after UNAUTHENTICATE (RFC 8437 §3).
    NotAuthenticated,
    /// Logged in, no mailbox selected.
    Authenticated,
    /// A mailbox is selected.
    Selected,
    /// After LOGOUT or BYE.
    Logout,
}

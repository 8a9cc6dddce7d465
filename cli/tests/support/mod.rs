//! Helpers shared by the tests of `imapm`.

pub(crate) mod serve;
pub(crate) mod session;

//! The core's backend conformance suite against PostgreSQL: sessions on one backend, in
//! random interleavings, each client's view built from what it was told, checked
//! against the truth. Each case has a user of its own in the shared database.

mod common;

use std::sync::Arc;

use imap_machine::testing::conformance::{check_backend, Fixture};
use imap_machine_postgres::PostgresBackend;

#[test]
fn conformance() {
    let Some(url) = common::url("postgres conformance") else { return };
    let backend = Arc::new(PostgresBackend::connect(&url).expect("connect"));
    check_backend(48, || {
        let user = common::fresh_user("conf");
        backend.add_user(&user, "secret").expect("add user");
        Fixture { backend: backend.clone(), username: user, password: "secret".into() }
    });
}

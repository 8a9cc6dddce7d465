//! The seed's client example: connect, log in, list mailboxes, select INBOX and print the
//! subjects of the last 4 messages.
//!
//! `cargo run -p imap-machine-blocking --example client -- 127.0.0.1:1143 username password`

use imap_machine_blocking::Client;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (addr, user, pass) = match &args[1..] {
        [a, u, p] => (a.as_str(), u.as_str(), p.as_str()),
        _ => ("127.0.0.1:1143", "username", "password"),
    };
    println!("Connecting to server...");
    let mut c = Client::connect(addr)?;
    println!("Connected");
    c.login(user, pass)?;
    println!("Logged in");

    println!("Mailboxes:");
    for m in c.list("", "*")? {
        println!("* {}", m.mailbox.to_utf8()?);
    }

    let mbox = c.select("INBOX")?;
    println!("Flags for INBOX: {:?}", mbox.flags);

    // The last 4 messages.
    let from = mbox.exists.saturating_sub(3).max(1);
    if mbox.exists > 0 {
        println!("Last 4 messages:");
        for m in c.fetch(from..=mbox.exists, "ENVELOPE")? {
            if let Some(e) = m?.envelope() {
                println!("* {}", e.subject_text().unwrap_or_default());
            }
        }
    }
    c.logout()?;
    println!("Done!");
    Ok(())
}

//! imap-machine's two clients: `imap_machine_tokio::Client` (on a current-thread runtime)
//! and `imap_machine_blocking::Client`. Each logs in and selects outside the measurement,
//! then runs the workload inside it, touching UID, flags and the subject (or the body) of
//! every message through the core's `FetchItems` accessors.

use imap_machine::types::{FetchItem, FetchItems};

use crate::{measure, Args, Error, Measured, Tally, Workload, ROUNDTRIPS};

const ENVELOPE: &str = "(UID FLAGS ENVELOPE)";
const BODY: &str = "BODY.PEEK[]";
const FLAGS: &str = "(UID FLAGS)";

/// Counts one message of the envelope or bodies workload.
fn add(tally: &mut Tally, workload: Workload, items: &[FetchItem]) {
    let bytes = match workload {
        Workload::Bodies => items.body().map_or(0, <[u8]>::len),
        _ => items.envelope().and_then(|e| e.subject.as_ref()).map_or(0, imap_machine::types::IString::len),
    };
    tally.add(items.uid(), items.flags().map_or(0, <[_]>::len), bytes);
}

/// Checks that `UID FETCH n` returned exactly message `n`.
fn one(n: u32, messages: usize, items: Option<&[FetchItem]>) -> Result<(), Error> {
    match items {
        Some(items) if messages == 1 && items.uid() == Some(n) => Ok(()),
        _ => Err(format!("UID FETCH {n}: {messages} messages, UID {:?}", items.and_then(FetchItems::uid)).into()),
    }
}

/// The tokio client.
pub fn tokio(args: &Args) -> Result<Measured, Error> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let client = rt.block_on(async {
        let client = imap_machine_tokio::Client::connect(args.addr.as_str()).await?;
        client.login(&args.user, &args.pass).await?;
        client.select(args.mailbox.as_str()).await?;
        Ok::<_, imap_machine_tokio::Error>(client)
    })?;
    let workload = args.workload;
    let m = measure(|| {
        rt.block_on(async {
            let mut tally = Tally::default();
            let (set, attributes) = match workload {
                Workload::Envelope => ("1:*", ENVELOPE),
                Workload::Bodies => ("1:1000", BODY),
                Workload::Roundtrip => {
                    for n in 1..=ROUNDTRIPS {
                        let mut stream = client.uid_fetch(n, FLAGS).await?;
                        let (mut messages, mut last) = (0, None);
                        while let Some(m) = stream.next().await {
                            let (_, items) = m?;
                            tally.add(items.uid(), items.flags().map_or(0, <[_]>::len), 0);
                            messages += 1;
                            last = Some(items);
                        }
                        one(n, messages, last.as_deref())?;
                    }
                    return Ok(tally);
                }
            };
            let mut stream = client.uid_fetch(set, attributes).await?;
            while let Some(m) = stream.next().await {
                add(&mut tally, workload, &m?.1);
            }
            Ok(tally)
        })
    })?;
    rt.block_on(client.logout())?;
    Ok(m)
}

/// The blocking client.
pub fn blocking(args: &Args) -> Result<Measured, Error> {
    let mut client = imap_machine_blocking::Client::connect(args.addr.as_str())?;
    client.login(&args.user, &args.pass)?;
    client.select(args.mailbox.as_str())?;
    let workload = args.workload;
    let m = measure(|| {
        let mut tally = Tally::default();
        let (set, attributes) = match workload {
            Workload::Envelope => ("1:*", ENVELOPE),
            Workload::Bodies => ("1:1000", BODY),
            Workload::Roundtrip => {
                for n in 1..=ROUNDTRIPS {
                    let (mut messages, mut last) = (0, None);
                    for m in client.uid_fetch(n, FLAGS)? {
                        let (_, items) = m?;
                        tally.add(items.uid(), items.flags().map_or(0, <[_]>::len), 0);
                        messages += 1;
                        last = Some(items);
                    }
                    one(n, messages, last.as_deref())?;
                }
                return Ok(tally);
            }
        };
        for m in client.uid_fetch(set, attributes)? {
            add(&mut tally, workload, &m?.1);
        }
        Ok(tally)
    })?;
    client.logout()?;
    Ok(m)
}

//! imap-machine's two clients: `imap_machine_tokio::Client` (on a current-thread runtime)
//! and `imap_machine_blocking::Client`. Each logs in and selects outside the measurement,
//! then runs the workload inside it, touching UID, flags and the subject (or the body) of
//! every message through the accessors of the message each client hands out (a
//! `FetchMessage`, read in place).

use imap_machine::codec::FetchMessage;

use crate::{measure, Args, Error, Measured, Tally, Workload, ROUNDTRIPS};

const ENVELOPE: &str = "(UID FLAGS ENVELOPE)";
const BODY: &str = "BODY.PEEK[]";
const FLAGS: &str = "(UID FLAGS)";

/// Counts one message of the envelope or bodies workload.
fn add(tally: &mut Tally, workload: Workload, m: &FetchMessage) {
    let bytes = match workload {
        Workload::Bodies => m.body().map_or(0, |b| b.len()),
        _ => m.envelope().and_then(|e| e.subject()).map_or(0, |s| s.value().len()),
    };
    tally.add(m.uid(), m.flags().map_or(0, Iterator::count), bytes);
}

/// Checks that `UID FETCH n` returned exactly message `n`.
fn one(n: u32, messages: usize, m: Option<&FetchMessage>) -> Result<(), Error> {
    match m {
        Some(m) if messages == 1 && m.uid() == Some(n) => Ok(()),
        _ => Err(format!("UID FETCH {n}: {messages} messages, UID {:?}", m.and_then(FetchMessage::uid)).into()),
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
                            let m = m?;
                            tally.add(m.uid(), m.flags().map_or(0, Iterator::count), 0);
                            messages += 1;
                            last = Some(m);
                        }
                        one(n, messages, last.as_ref())?;
                    }
                    return Ok(tally);
                }
            };
            let mut stream = client.uid_fetch(set, attributes).await?;
            while let Some(m) = stream.next().await {
                add(&mut tally, workload, &m?);
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
                        let m = m?;
                        tally.add(m.uid(), m.flags().map_or(0, Iterator::count), 0);
                        messages += 1;
                        last = Some(m);
                    }
                    one(n, messages, last.as_ref())?;
                }
                return Ok(tally);
            }
        };
        for m in client.uid_fetch(set, attributes)? {
            add(&mut tally, workload, &m?);
        }
        Ok(tally)
    })?;
    client.logout()?;
    Ok(m)
}

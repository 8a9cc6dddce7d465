//! async-imap (with its tokio runtime feature) on a current-thread tokio runtime, the
//! same shape as `ours::tokio`: log in and select outside the measurement, then the
//! workload, touching UID, flags and the subject (or the body) of every message.

use futures::TryStreamExt;
use tokio::net::TcpStream;

use crate::{measure, Args, Error, Measured, Tally, Workload, ROUNDTRIPS};

/// Runs the workload with async-imap.
pub fn run(args: &Args) -> Result<Measured, Error> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut session = rt.block_on(async {
        let tcp = TcpStream::connect(args.addr.as_str()).await?;
        // Both of our clients and go-imap set TCP_NODELAY too.
        tcp.set_nodelay(true)?;
        let mut client = async_imap::Client::new(tcp);
        client.read_response().await?.ok_or("no greeting")?;
        let mut session = client.login(&args.user, &args.pass).await.map_err(|(e, _)| e)?;
        session.select(&args.mailbox).await?;
        Ok::<_, Error>(session)
    })?;
    let workload = args.workload;
    let m = measure(|| {
        rt.block_on(async {
            let mut tally = Tally::default();
            let (set, query) = match workload {
                Workload::Envelope => ("1:*", "(UID FLAGS ENVELOPE)"),
                Workload::Bodies => ("1:1000", "BODY.PEEK[]"),
                Workload::Roundtrip => {
                    for n in 1..=ROUNDTRIPS {
                        let mut stream = session.uid_fetch(n.to_string(), "(UID FLAGS)").await?;
                        let mut uids = Vec::with_capacity(1);
                        while let Some(f) = stream.try_next().await? {
                            tally.add(f.uid, f.flags().count(), 0);
                            uids.push(f.uid);
                        }
                        if uids != [Some(n)] {
                            return Err(format!("UID FETCH {n}: got UIDs {uids:?}").into());
                        }
                    }
                    return Ok(tally);
                }
            };
            let mut stream = session.uid_fetch(set, query).await?;
            while let Some(f) = stream.try_next().await? {
                let bytes = match workload {
                    Workload::Bodies => f.body().map_or(0, <[u8]>::len),
                    _ => f.envelope().and_then(|e| e.subject.as_ref()).map_or(0, |s| s.len()),
                };
                tally.add(f.uid, f.flags().count(), bytes);
            }
            Ok(tally)
        })
    })?;
    rt.block_on(session.logout())?;
    Ok(m)
}

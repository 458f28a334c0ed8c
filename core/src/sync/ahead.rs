//! The pages of a pull, fetched ahead of their apply. While the device applies one page to its
//! store, the next is read and parsed on a thread of its own, and the one after that is asked
//! for as soon as the headers of the one before say where it starts
//! ([`crate::protocol::NEXT_CURSOR_HEADER`]): the server computes it meanwhile. So the
//! server, the reading of a page and the store each work at the same time, and a first pull
//! of 200 pages takes about as long as the slowest of the three, not their sum. Each stage
//! may finish one page ahead of the next stage taking it, so that none waits on another's
//! hand-over (with none, a stage that finished idled until the next took its page:
//! W2_pull_1m took 2.45 s instead of 2.29): at most five pages are held, the one applied,
//! one read waiting, the one being read, one answered waiting, the one asked for, ~2 MB each.
//! A server that does not send where a page ends is asked one page at a time, each read
//! before the next is asked for.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::client::{Client, StartedPull};
use super::page::PulledPage;
use crate::Result;
use crate::protocol::PullQuery;

/// Fetches the pages from `first` on and gives them to `apply` in feed order, until a page
/// says no more follow. The first error — fetching, reading, or `apply`'s — ends the pull
/// and is returned; the pages after it are not applied.
pub(super) fn each_page(
    client: &Client,
    token: &str,
    first: PullQuery,
    mut apply: impl FnMut(PulledPage) -> Result<()>,
) -> Result<()> {
    std::thread::scope(|scope| {
        // One page may wait between two stages (see the module's documentation).
        let (to_reader, asked) = sync_channel(1);
        let (to_apply, pages) = sync_channel(1);
        scope.spawn(move || ask(client, token, first, to_reader));
        scope.spawn(move || read(asked, to_apply));
        for page in pages {
            let page: PulledPage = page?;
            let more = page.more;
            apply(page)?;
            if !more {
                break;
            }
        }
        Ok(())
    })
}

/// A page asked for: its body still to read, or read already (from a server that does not
/// say where a page ends in its headers).
enum Asked {
    Started(StartedPull),
    Read(PulledPage),
}

/// Asks for each page as soon as the one before says where it ends.
fn ask(client: &Client, token: &str, first: PullQuery, to_reader: SyncSender<Result<Asked>>) {
    let mut query = first;
    loop {
        let asked = client.start_pull(token, query).and_then(|started| match started.next {
            Some((next_cursor, more)) => Ok((Asked::Started(started), next_cursor, more)),
            None => {
                let page = started.read()?;
                let (next_cursor, more) = (page.next_cursor, page.more);
                Ok((Asked::Read(page), next_cursor, more))
            }
        });
        let (asked, after) = match asked {
            Ok((asked, next_cursor, more)) => (Ok(asked), more.then_some(next_cursor)),
            Err(e) => (Err(e), None),
        };
        // The pull has ended (an error further on) when the reader is gone.
        if to_reader.send(asked).is_err() {
            return;
        }
        let Some(after) = after else { return };
        query = PullQuery { after, limit: first.limit, remaining: false };
    }
}

/// Reads and parses each page asked for, in order.
fn read(asked: Receiver<Result<Asked>>, to_apply: SyncSender<Result<PulledPage>>) {
    for asked in asked {
        let page = asked.and_then(|asked| match asked {
            Asked::Started(started) => started.read(),
            Asked::Read(page) => Ok(page),
        });
        let failed = page.is_err();
        if to_apply.send(page).is_err() || failed {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    use super::*;
    use crate::protocol::{Incoming, PullResponse, PulledChange};

    /// A server of a feed of `len` households, pages of `limit`, that says where each page ends
    /// in its headers when `headers`, and answers `500` to the page after `fail_after`.
    fn feed_server(len: u64, headers: bool, fail_after: Option<u64>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let households: Vec<_> = crate::demo::households(4, len as usize).collect();
        std::thread::spawn(move || {
            for connection in listener.incoming() {
                let Ok(connection) = connection else { return };
                let households = households.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(connection.try_clone().unwrap());
                    let mut writer = connection;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let query = |name: &str| -> u64 {
                            line.split(['?', '&', ' '])
                                .find_map(|p| p.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
                                .unwrap()
                        };
                        let (after, limit) = (query("after"), query("limit"));
                        loop {
                            let mut header = String::new();
                            if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                                break;
                            }
                        }
                        let end = (after + limit).min(len);
                        let page = PullResponse {
                            changes: (after..end)
                                .map(|seq| PulledChange {
                                    seq: seq + 1,
                                    change: Incoming::Household(households[seq as usize].clone()),
                                })
                                .collect(),
                            next_cursor: end,
                            more: end < len,
                            remaining: Some(len - end),
                        };
                        let (status, body) = match fail_after {
                            Some(fail) if after >= fail => ("500 Internal Server Error", "{}".to_owned()),
                            _ => ("200 OK", serde_json::to_string(&page).unwrap()),
                        };
                        let mut head = format!(
                            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
                            body.len()
                        );
                        if headers {
                            head.push_str(&format!(
                                "hearth-next-cursor: {end}\r\nhearth-more: {}\r\n",
                                end < len
                            ));
                        }
                        head.push_str("\r\n");
                        if writer
                            .write_all(head.as_bytes())
                            .and_then(|()| writer.write_all(body.as_bytes()))
                            .is_err()
                        {
                            return;
                        }
                    }
                });
            }
        });
        url
    }

    fn pull_all(url: &str) -> (Vec<(u64, usize)>, Result<()>) {
        let client = Client::new(url).unwrap();
        let mut applied = Vec::new();
        let first = PullQuery { after: 0, limit: 7, remaining: true };
        let result = each_page(&client, "token", first, |page| {
            applied.push((page.next_cursor, page.len()));
            Ok(())
        });
        (applied, result)
    }

    #[test]
    fn every_page_is_applied_in_order_with_or_without_the_headers() {
        let whole: Vec<(u64, usize)> = vec![(7, 7), (14, 7), (21, 7), (25, 4)];
        for headers in [true, false] {
            let (applied, result) = pull_all(&feed_server(25, headers, None));
            result.unwrap();
            assert_eq!(applied, whole, "headers: {headers}");
        }
    }

    #[test]
    fn a_page_that_fails_ends_the_pull_after_the_pages_before_it() {
        let (applied, result) = pull_all(&feed_server(25, true, Some(14)));
        assert_eq!(applied, vec![(7, 7), (14, 7)]);
        assert!(matches!(result, Err(crate::Error::Server { status: 500, .. })), "{result:?}");
    }

    #[test]
    fn an_apply_that_fails_ends_the_pull() {
        let client = Client::new(&feed_server(25, true, None)).unwrap();
        let mut applied = 0;
        let first = PullQuery { after: 0, limit: 7, remaining: false };
        let result = each_page(&client, "token", first, |_| {
            applied += 1;
            Err(crate::Error::Corrupt("the disk is full".into()))
        });
        assert!(matches!(result, Err(crate::Error::Corrupt(_))));
        assert_eq!(applied, 1);
    }
}

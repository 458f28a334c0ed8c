//! New work reaches tablets waiting on any instance (issue 15 point 7): every transaction that
//! writes the change feed sends `NOTIFY hearth_feed` ([`announce`], delivered by PostgreSQL at
//! commit and only if it commits), and every serving instance keeps one connection that
//! `LISTEN`s on that channel ([`listen`]) and wakes its waiting requests
//! (`routes::events`, through [`crate::AppState::writes`]) on each notice.
//!
//! The listening connection is outside the pool: it is held for the instance's life. When
//! PostgreSQL goes away (a restart, a failover) it is made again after a short pause, and the
//! waiting requests are woken once when it is back, as notices sent meanwhile were lost:
//! each request then reads its feed again, so nothing waits for the 30-second poll.

use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::Transaction;
use tokio::sync::watch;
use tokio_postgres::AsyncMessage;

use crate::error::Result;

/// The channel the feed's writers notify and every instance listens on.
pub const CHANNEL: &str = "hearth_feed";

/// The pause before connecting again after the listening connection was lost.
const RECONNECT_AFTER: Duration = Duration::from_millis(500);

/// Tells every instance, once `tx` commits, that the feed has new changes. PostgreSQL folds
/// the notices of one transaction into one.
pub(super) async fn announce(tx: &Transaction<'_>) -> Result<()> {
    let stmt = tx.prepare_cached("SELECT pg_notify('hearth_feed', '')").await?;
    tx.execute(&stmt, &[]).await?;
    Ok(())
}

/// Listens on [`CHANNEL`] at the database `url` for as long as the instance runs, counting up
/// `writes` on every notice; reconnects by itself when the connection is lost. Spawn it.
pub async fn listen(url: String, writes: Arc<watch::Sender<u64>>) {
    let mut config: tokio_postgres::Config = match url.parse() {
        Ok(config) => config,
        Err(e) => {
            tracing::error!(error = %e, "the PostgreSQL address is not understood: no notices of new work");
            return;
        }
    };
    config.application_name("hearth-server listener");
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(5));
    }
    // A database that vanishes without closing the connection (a network cut) is noticed too.
    config.keepalives(true).keepalives_idle(Duration::from_secs(30));
    let mut lost = false;
    loop {
        match listen_once(&config, &writes, lost).await {
            Ok(()) => {
                tracing::warn!("the PostgreSQL connection for notices of new work closed; reconnecting")
            }
            Err(e) => {
                if !lost {
                    tracing::warn!(error = %e, "no PostgreSQL connection for notices of new work; retrying");
                }
            }
        }
        lost = true;
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}

/// One listening connection, until it ends. Wakes the waiting requests once it listens (after a
/// lost one, `recovered`, the notices sent meanwhile were lost: each request reads again).
async fn listen_once(
    config: &tokio_postgres::Config,
    writes: &watch::Sender<u64>,
    recovered: bool,
) -> std::result::Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(tokio_postgres::NoTls).await?;
    let statement = format!("LISTEN {CHANNEL}");
    let listening = client.batch_execute(&statement);
    tokio::pin!(listening);
    // The connection must be polled for the LISTEN to be answered.
    loop {
        tokio::select! {
            done = &mut listening => { done?; break; }
            message = std::future::poll_fn(|cx| connection.poll_message(cx)) => match message {
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
        }
    }
    if recovered {
        tracing::info!("listening again for notices of new work");
    }
    poke(writes);
    loop {
        match std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            Some(Ok(AsyncMessage::Notification(_))) => poke(writes),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e),
            None => return Ok(()),
        }
    }
}

fn poke(writes: &watch::Sender<u64>) {
    writes.send_modify(|n| *n = n.wrapping_add(1));
}

//! The `hearth-server` command: serve the API, and the administrator's commands (users,
//! devices, household imports, the demo city) on the same database (`--database URL` or
//! `HEARTH_DATABASE_URL`; `--data DIR` for the embedded SQLite one).

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use hearth_core::model::{Role, User};
use hearth_server::serve::Limits;
use hearth_server::storage::{DatabaseUrl, PgStorage, SqliteStorage, Storage};
use hearth_server::{AppState, auth, demo, import, tls};
use tokio_rustls::TlsAcceptor;
use uuid::Uuid;

/// jemalloc instead of glibc's malloc. A push batch arrives as a few MB of JSON; glibc returned
/// each batch's buffers to the kernel and faulted in freshly zeroed pages for the next, which
/// was a quarter of the server's CPU when 20 devices pushed at once (`W4_20_devices`).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(name = "hearth-server", version, about = "The Hearth sync server")]
struct Cli {
    /// The data directory of the embedded SQLite database (default ./data); the same as
    /// --database sqlite:DIR.
    #[arg(long, global = true, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Where the data is kept: sqlite:DIR (the embedded database in a data directory) or
    /// postgres://USER@HOST/DB (a PostgreSQL database, shared by several instances).
    #[arg(long, global = true, env = "HEARTH_DATABASE_URL", value_name = "URL")]
    database: Option<String>,
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    /// The one database setting, from --database (or HEARTH_DATABASE_URL) or --data.
    fn database(&self) -> anyhow::Result<DatabaseUrl> {
        match (&self.database, &self.data) {
            (Some(_), Some(_)) => bail!(
                "give either --database (or HEARTH_DATABASE_URL) or --data, not both: --data DIR is \
                 the same as --database sqlite:DIR"
            ),
            (Some(url), None) => Ok(url.parse()?),
            (None, Some(dir)) => Ok(DatabaseUrl::sqlite(dir)),
            (None, None) => Ok(DatabaseUrl::sqlite("./data")),
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API until SIGTERM or Ctrl-C.
    Serve {
        /// Address to listen on; port 0 picks a free one (printed on the `listening on` line).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Serve HTTPS with this certificate chain (PEM: the server's certificate, then any
        /// intermediates). Without it the server speaks plain HTTP, on a loopback address only.
        #[arg(long, requires = "tls_key", value_name = "FILE")]
        tls_cert: Option<PathBuf>,
        /// The private key of --tls-cert (PEM).
        #[arg(long, requires = "tls_cert", value_name = "FILE")]
        tls_key: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
        /// Hours a console (browser) session may go unused before it must log in again
        /// (default: HEARTH_CONSOLE_IDLE_HOURS, else 12); tablets' tokens do not expire.
        #[arg(long, value_name = "HOURS")]
        console_idle_hours: Option<u32>,
        /// The longest a tablet's request for news (GET /v1/sync/events) is held, in seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = hearth_server::routes::events::MAX_WAIT_SECS)]
        events_max_wait: u32,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage devices.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Import households.
    Households {
        #[command(subcommand)]
        command: HouseholdsCommand,
    },
    /// For benchmarks: add sample reports (received over the last `--days` days) and open
    /// work orders to the demo city, straight into the database. Not real records.
    #[command(hide = true)]
    Sample {
        #[arg(long, default_value_t = 0)]
        reports: usize,
        #[arg(long, default_value_t = 0)]
        orders: usize,
        #[arg(long, default_value_t = 30)]
        days: i64,
    },
    /// Bring the database's schema up to date and say what was done (serve and the other
    /// commands do it too; this runs it on its own, e.g. before starting several instances).
    Migrate,
    /// Create the demo city (once) and print its logins.
    Demo {
        #[arg(long, default_value_t = 100_000)]
        households: usize,
    },
}

/// The connection and request limits (`hearth_server::serve::Limits`); the defaults suit a
/// fleet of tablets on mobile networks.
#[derive(clap::Args)]
struct LimitArgs {
    /// Seconds for a request's headers to arrive (also a TLS handshake's, and how long an idle
    /// kept-alive connection stays open).
    #[arg(long, value_name = "SECONDS", default_value_t = 15)]
    header_timeout: u64,
    /// Seconds for any request but the uploads (push, blobs) to be answered.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    request_timeout: u64,
    /// Connections open at once from one client address (a trusted proxy's are not counted).
    #[arg(long, value_name = "N", default_value_t = 64)]
    max_connections_per_address: usize,
    /// The slowest an upload may be, in bytes a second over --upload-window; slower is cut.
    #[arg(long, value_name = "BYTES", default_value_t = 1024)]
    min_upload_rate: u64,
    /// Seconds over which an upload's rate is measured.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    upload_window: u64,
    /// Reverse proxies whose X-Forwarded-For names the client (addresses or networks,
    /// comma-separated, or 'none'); their connections are not counted per address.
    #[arg(long, value_name = "LIST", env = "HEARTH_TRUSTED_PROXIES", default_value = "127.0.0.0/8,::1/128")]
    trusted_proxies: String,
}

impl LimitArgs {
    fn limits(&self) -> anyhow::Result<Limits> {
        let secs = |name: &str, value: u64| {
            if value == 0 {
                bail!("--{name} must be at least 1 second");
            }
            Ok(Duration::from_secs(value))
        };
        if self.max_connections_per_address == 0 {
            bail!("--max-connections-per-address must be at least 1");
        }
        Ok(Limits {
            header_read: secs("header-timeout", self.header_timeout)?,
            request: secs("request-timeout", self.request_timeout)?,
            per_address: self.max_connections_per_address,
            min_upload_rate: self.min_upload_rate,
            upload_window: secs("upload-window", self.upload_window)?,
            trusted_proxies: self
                .trusted_proxies
                .parse()
                .map_err(|e| anyhow::anyhow!("--trusted-proxies: {e}"))?,
        })
    }
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password comes from --password or one line of stdin.
    Add {
        #[arg(long)]
        username: String,
        /// technician, inspector, dispatcher or admin.
        #[arg(long)]
        role: String,
        /// The station's name or id; technicians and inspectors need one.
        #[arg(long)]
        station: Option<String>,
        #[arg(long)]
        password: Option<String>,
        /// The name shown to others; the username if left out.
        #[arg(long)]
        display_name: Option<String>,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// List devices that have logged in.
    List,
    /// Revoke a device: its token is refused from now on.
    Revoke { id: Uuid },
}

#[derive(Subcommand)]
enum HouseholdsCommand {
    /// Import the office's CSV export: account number, address, owner name, phone, billed
    /// area, station. All rows or none.
    Import { file: PathBuf },
}

fn main() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // One readable line with its causes: this is what the administrator sees.
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let database = cli.database()?;
    if let Command::Sample { reports, orders, days } = cli.command {
        return add_samples(&database, reports, orders, days).await;
    }
    if let Command::Migrate = cli.command {
        return migrate(&database).await;
    }
    let storage = open(&database).await?;
    match cli.command {
        Command::Serve { listen, tls_cert, tls_key, limits, console_idle_hours, events_max_wait } => {
            hearth_server::routes::events::set_max_wait(events_max_wait);
            if let Some(hours) = console_idle_hours {
                hearth_server::auth::set_console_idle_hours(hours)?;
            }
            let tls = match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => Some(tls::acceptor(&cert, &key).map_err(anyhow::Error::msg)?),
                _ => None,
            };
            serve(storage, &database, listen, tls, limits.limits()?).await
        }
        Command::User { command: UserCommand::Add { username, role, station, password, display_name } } => {
            add_user(storage.as_ref(), username, &role, station, password, display_name).await
        }
        Command::Device { command: DeviceCommand::List } => list_devices(storage.as_ref()).await,
        Command::Device { command: DeviceCommand::Revoke { id } } => {
            if !storage.revoke_device(id, chrono::Utc::now()).await? {
                bail!("no device {id} has logged in");
            }
            println!("device {id} revoked");
            Ok(())
        }
        Command::Households { command: HouseholdsCommand::Import { file } } => {
            import_households(storage.as_ref(), &file).await
        }
        Command::Sample { .. } | Command::Migrate => Ok(()),
        Command::Demo { households } => {
            let logins = demo::create(storage.as_ref(), households, auth::default_cost()).await?;
            print_logins(&logins);
            Ok(())
        }
    }
}

async fn open(database: &DatabaseUrl) -> anyhow::Result<Arc<dyn Storage>> {
    hearth_server::storage::open(database).await.with_context(|| format!("opening the database {database}"))
}

async fn serve(
    storage: Arc<dyn Storage>,
    database: &DatabaseUrl,
    listen: SocketAddr,
    tls: Option<TlsAcceptor>,
    limits: Limits,
) -> anyhow::Result<()> {
    if tls.is_none() && !listen.ip().is_loopback() {
        bail!(
            "refusing to serve plain HTTP on {listen}: tablets would send passwords, tokens and \
             customers' data in clear. Remote devices need HTTPS: give --tls-cert FILE and \
             --tls-key FILE, or keep --listen on 127.0.0.1 and put a TLS proxy (nginx, Caddy) \
             in front"
        );
    }
    let listener =
        tokio::net::TcpListener::bind(listen).await.with_context(|| format!("binding {listen}"))?;
    let addr = listener.local_addr()?;
    if tls.is_none() {
        eprintln!(
            "hearth-server: plain HTTP on {addr}, reachable from this machine only. Remote devices \
             need HTTPS: restart with --tls-cert and --tls-key, or put a TLS proxy in front."
        );
    }
    // The one line system tests wait for: the server answers from now on.
    let mut stdout = std::io::stdout();
    let scheme = if tls.is_some() { "https://" } else { "" };
    writeln!(stdout, "listening on {scheme}{addr}")?;
    stdout.flush()?;
    let state = AppState::new(storage);
    if let DatabaseUrl::Postgres(url) = database {
        // Writes through the other instances wake this one's tablets waiting for news.
        tokio::spawn(hearth_server::storage::postgres::notify::listen(
            url.clone(),
            Arc::clone(&state.writes),
        ));
    }
    hearth_server::serve(listener, state, tls, limits, shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
}

async fn add_user(
    storage: &dyn Storage,
    username: String,
    role: &str,
    station: Option<String>,
    password: Option<String>,
    display_name: Option<String>,
) -> anyhow::Result<()> {
    let role: Role = role.parse().map_err(|_| {
        anyhow::anyhow!("unknown role {role:?}: choose technician, inspector, dispatcher or admin")
    })?;
    let station_id = match station {
        Some(wanted) => {
            let stations = storage.stations().await?;
            let found = stations.iter().find(|s| s.name == wanted || s.id.to_string() == wanted);
            match found {
                Some(s) => Some(s.id),
                None => bail!(
                    "no station is named {wanted:?}; stations: {}",
                    stations.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
                ),
            }
        }
        None if matches!(role, Role::Technician | Role::Inspector) => {
            bail!("technicians and inspectors serve one station: give --station")
        }
        None => None,
    };
    let password = match password {
        Some(p) => p,
        None => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).context("reading the password from stdin")?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    if password.is_empty() {
        bail!("the password is empty: give --password or one line on stdin");
    }
    let hash =
        tokio::task::spawn_blocking(move || auth::hash_password(&password, auth::default_cost())).await??;
    let user = User {
        id: hearth_core::new_id(),
        display_name: display_name.unwrap_or_else(|| username.clone()),
        username,
        role,
        station_id,
    };
    storage.add_user(user.clone(), hash).await?;
    println!("added {} {} ({})", user.role, user.username, user.id);
    Ok(())
}

async fn list_devices(storage: &dyn Storage) -> anyhow::Result<()> {
    let devices = storage.devices().await?;
    println!("{:<36}  {:<16}  {:<20}  {:<20}  status", "id", "user", "name", "since");
    for d in devices {
        let status =
            d.revoked_at.map_or("active".to_owned(), |t| format!("revoked {}", t.format("%Y-%m-%d %H:%M")));
        println!(
            "{:<36}  {:<16}  {:<20}  {:<20}  {status}",
            d.id,
            d.username,
            d.name,
            d.created_at.format("%Y-%m-%d %H:%M").to_string()
        );
    }
    Ok(())
}

async fn import_households(storage: &dyn Storage, file: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let stations = storage.stations().await?;
    let households = match import::parse_households(&bytes, &stations) {
        Ok(households) => households,
        Err(bad) => {
            bail!("{}: nothing was imported; {} bad row(s):\n{}", file.display(), bad.len(), bad.join("\n"))
        }
    };
    let summary = storage.import_households(households).await?;
    println!("{}: {} household(s) added, {} updated", file.display(), summary.inserted, summary.updated);
    Ok(())
}

/// `hearth-server migrate`: the schema brought up to date, and what was done, in words.
async fn migrate(database: &DatabaseUrl) -> anyhow::Result<()> {
    let opening = || format!("migrating the database {database}");
    match database {
        DatabaseUrl::Sqlite(dir) => {
            let file = dir.join(hearth_server::storage::sqlite::DB_FILE);
            let version = |file: &Path| -> anyhow::Result<i64> {
                let conn = rusqlite::Connection::open(file)?;
                Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
            };
            let before = if file.exists() { version(&file).with_context(opening)? } else { 0 };
            SqliteStorage::open(dir).with_context(opening)?;
            let after = version(&file).with_context(opening)?;
            say_migrated(&database.to_string(), before, after);
        }
        DatabaseUrl::Postgres(url) => {
            let applied = hearth_server::storage::postgres::migrate::run(url).await.with_context(opening)?;
            let latest = i64::from(hearth_server::storage::postgres::migrate::latest());
            let before = applied.first().map_or(latest, |first| i64::from(*first) - 1);
            say_migrated(&database.to_string(), before, latest);
        }
    }
    Ok(())
}

fn say_migrated(database: &str, before: i64, after: i64) {
    if before == after {
        println!("{database}: the schema was already up to date (version {after}); nothing was changed");
    } else {
        println!(
            "{database}: the schema was brought from version {before} to {after} ({} migration(s) applied)",
            after - before
        );
    }
}

async fn add_samples(database: &DatabaseUrl, reports: usize, orders: usize, days: i64) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let (from, started) = (now - chrono::Duration::days(days), std::time::Instant::now());
    let opening = || format!("opening the database {database}");
    match database {
        DatabaseUrl::Sqlite(data) => {
            let storage = SqliteStorage::open(data).with_context(opening)?;
            storage.add_sample_reports(reports, from, now, 1).await?;
            storage.add_sample_orders(orders, 2).await?;
        }
        DatabaseUrl::Postgres(url) => {
            let storage = PgStorage::open(url).await.with_context(opening)?;
            storage.add_sample_reports(reports, from, now, 1).await?;
            storage.add_sample_orders(orders, 2).await?;
        }
    }
    println!(
        "added {reports} sample reports and {orders} sample orders in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn print_logins(logins: &[demo::DemoLogin]) {
    println!("Demo logins:");
    println!("  {:<12}  {:<18}  {:<11}  station", "username", "password", "role");
    for l in logins {
        let station = l.station.as_ref().map_or("-", |s| s.name.as_str());
        println!("  {:<12}  {:<18}  {:<11}  {station}", l.username, l.password, l.role.as_str());
    }
}

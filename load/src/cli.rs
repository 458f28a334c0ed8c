//! The command line: which servers, how many tablets for how many days, the admin login that
//! creates the run's technicians, and the shape of a working day.

use std::path::PathBuf;

use clap::Parser;

/// What `--help` says.
const ABOUT: &str = "\
Puts a Hearth server (or several instances of one) under the load of N tablets, like pgbench \
does a database, and checks that nothing was lost or doubled.

What it creates on the server, with the --admin login: one technician per simulated tablet, \
named load-<run>-<n> (display name 负载测试<n>), spread round-robin over the stations that have \
crews (technicians or inspectors), or over every station if none has; \
and each simulated day a few work orders per tablet for households of its station, made and \
assigned through the console as a dispatcher would, which the technician then works through. \
Signed reports (temperature checks and repair records, some with a photo) and status moves \
are real records: run it against a test installation or be ready to tell them apart by the \
load-<run>- usernames.

Each tablet is hearth-core's own device store (a SQLite file in --work-dir) and sync client, \
so the requests are exactly a tablet's: log in, a first pull of the station's households, \
then per day: orders pulled, 出发 (en route) and 到场 (on site) moves, a signed record per \
order, standalone temperature checks, photos uploaded before the records that use them, and \
syncs in between. Days run back to back, without sleeping unless --think-ms says so.

Prints JSON lines at the end: one per endpoint (requests, rps, p50/p95/p99/max latency in \
ms, errors by status and code, bytes sent and received; rps over wall_seconds, from the \
tablets' logins to their last sync), then one summary with the check of every accepted \
report through the console (lost, doubled) and the time the first pulls took apart from \
the days (first_pull_seconds, days_seconds). Exits with status 1 when \
anything was lost or doubled or there were more errors than --max-errors, 2 when the run \
could not start (an unreachable server, a wrong admin password).";

#[derive(Debug, Parser)]
#[command(name = "hearth-load", version, about = ABOUT)]
pub struct Args {
    /// The server's URL, or the URLs of several instances of one installation (one database)
    /// separated by commas: tablets are spread over them round-robin, each tablet's orders are
    /// made through its own instance, and the admin logs in and checks at the first.
    #[arg(long, value_name = "URL[,URL…]", value_delimiter = ',', required = true)]
    pub server: Vec<String>,

    /// How many tablets to simulate, each its own technician working at the same time.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=5000))]
    pub devices: u32,

    /// How many working days each tablet works through, back to back.
    #[arg(long, value_name = "D", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=365))]
    pub days: u32,

    /// An admin's login, USER:PASSWORD: it creates the run's technicians and, as the office,
    /// makes and assigns the orders and checks the reports at the end.
    #[arg(long, value_name = "USER:PASSWORD", env = "HEARTH_LOAD_ADMIN", hide_env_values = true)]
    pub admin: String,

    /// The seed of the run's choices (households, which records get a photo); the same seed
    /// makes the same choices.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,

    /// Milliseconds a technician waits between two actions, on average (each pause is drawn
    /// from half to one and a half of it, so tablets do not act in lockstep; 0: none).
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub think_ms: u64,

    /// Work orders the office makes and assigns per tablet and day.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub orders_per_day: u32,

    /// Temperature checks per tablet and day that are not for a work order (入户测温 rounds).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub checks_per_day: u32,

    /// Every how many records one gets a photo (1: every record; 0: none).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub photo_every: u32,

    /// The size of a photo in KB.
    #[arg(long, value_name = "KB", default_value_t = 300, value_parser = clap::value_parser!(u32).range(1..=20_000))]
    pub photo_kb: u32,

    /// A company CA (PEM file) to trust besides the system's, for https servers.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,

    /// Exit with status 1 when more errors than this were counted.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub max_errors: u64,

    /// The run's name in the usernames it creates (load-<run>-<n>); by default the time.
    #[arg(long, value_name = "NAME")]
    pub run: Option<String>,

    /// Where the tablets' databases go (a temporary folder inside it, removed at the end).
    #[arg(long, value_name = "DIR", default_value_os_t = std::env::temp_dir())]
    pub work_dir: PathBuf,
}

/// An admin login given as USER:PASSWORD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub username: String,
    pub password: String,
}

impl Args {
    /// The `--admin` login, or what is wrong with it in words.
    pub fn admin_login(&self) -> Result<Login, String> {
        match self.admin.split_once(':') {
            Some((user, password)) if !user.trim().is_empty() && !password.is_empty() => {
                Ok(Login { username: user.trim().to_owned(), password: password.to_owned() })
            }
            _ => Err("--admin must be USER:PASSWORD, an admin's login (e.g. admin:demo-admin)".to_owned()),
        }
    }

    /// The servers' URLs without a trailing slash, or what is wrong with one in words.
    pub fn servers(&self) -> Result<Vec<String>, String> {
        let urls: Vec<String> = self
            .server
            .iter()
            .map(|u| u.trim().trim_end_matches('/').to_owned())
            .filter(|u| !u.is_empty())
            .collect();
        if urls.is_empty() {
            return Err("--server needs at least one URL, e.g. http://127.0.0.1:8080".to_owned());
        }
        for url in &urls {
            let parsed = reqwest::Url::parse(url).map_err(|e| format!("--server {url}: not a URL ({e})"))?;
            if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
                return Err(format!("--server {url}: give an http:// or https:// URL with a host"));
            }
        }
        Ok(urls)
    }

    /// The run's name: `--run`, or the time it started (UTC, e.g. `20261203t1201`).
    pub fn run_name(&self) -> String {
        self.run.clone().unwrap_or_else(|| chrono::Utc::now().format("%Y%m%dt%H%M%S").to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Args {
        Args::try_parse_from(std::iter::once("hearth-load").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn servers_admin_and_defaults() {
        let args = parse(&[
            "--server",
            "http://127.0.0.1:8080/,https://hearth.example.com",
            "--devices",
            "5",
            "--admin",
            "admin:demo:admin",
        ]);
        assert_eq!(args.servers().unwrap(), ["http://127.0.0.1:8080", "https://hearth.example.com"]);
        assert_eq!(
            args.admin_login().unwrap(),
            Login { username: "admin".into(), password: "demo:admin".into() },
            "the password may hold a colon"
        );
        assert_eq!((args.days, args.max_errors, args.think_ms), (1, 0, 0));
    }

    #[test]
    fn bad_input_is_refused_in_words() {
        let args = parse(&["--server", "ftp://x", "--devices", "1", "--admin", "admin"]);
        assert!(args.servers().unwrap_err().contains("http://"));
        assert!(args.admin_login().unwrap_err().contains("USER:PASSWORD"));
        let args = parse(&["--server", "not a url", "--devices", "1", "--admin", "a:b"]);
        assert!(args.servers().unwrap_err().contains("not a URL"));
        let zero =
            Args::try_parse_from(["hearth-load", "--server", "http://x", "--devices", "0", "--admin", "a:b"]);
        assert!(zero.is_err(), "no tablets is no load");
    }
}

//! The backend a benchmark's server keeps its data in — SQLite in the server's folder, or a
//! database of its own on the benchmark's PostgreSQL ([`crate::postgres::Postgres`], started
//! by the benchmark with a test server's settings: `fsync=off` unless [`Backend::postgres_fsync`])
//! — and the commands and servers of a workload on it.

use std::path::{Path, PathBuf};

use crate::postgres::Postgres;
use crate::server::{Server, add_user_on, cli_on};

/// Where a workload's server keeps its data.
pub enum Backend {
    /// SQLite in each server's data folder (the default installation).
    Sqlite,
    /// One PostgreSQL cluster of the benchmark's own, a database per workload; `fsync` says
    /// whether it flushes its WAL to the disk at commit.
    Postgres { server: Postgres, fsync: bool },
}

impl Backend {
    /// PostgreSQL with the tests' settings (`fsync=off`).
    pub fn postgres() -> Backend {
        Backend::Postgres { server: Postgres::start(), fsync: false }
    }

    /// PostgreSQL flushing its WAL at each commit, as a production server does. The tests'
    /// cluster is started with `-c fsync=off`, which no configuration file overrides, so this
    /// cluster's programs go through a `pg_ctl` that asks for `fsync=on` instead
    /// (`HEARTH_PG_BIN`, set by the caller for this process: see [`fsync_pg_bin`]).
    pub fn postgres_fsync() -> Backend {
        let server = Postgres::start();
        let fsync = server.psql("postgres", "SHOW fsync").trim() == "on";
        Backend::Postgres { server, fsync }
    }

    /// `sqlite` or `postgres`, as the JSON lines name it.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres { .. } => "postgres",
        }
    }

    /// The JSON fields naming the backend: `backend`, and for PostgreSQL whether it fsyncs.
    pub fn fields(&self) -> serde_json::Value {
        match self {
            Backend::Sqlite => serde_json::json!({ "backend": "sqlite" }),
            Backend::Postgres { fsync, .. } => {
                serde_json::json!({ "backend": "postgres", "pg_fsync": fsync })
            }
        }
    }

    /// The `--database` URL of the server whose folder is `data`: `sqlite:DATA`, or a fresh
    /// PostgreSQL database named after the folder.
    pub fn database(&self, data: &Path) -> String {
        match self {
            Backend::Sqlite => format!("sqlite:{}", data.display()),
            Backend::Postgres { server, .. } => {
                let name = data.file_name().and_then(|n| n.to_str()).unwrap_or("bench");
                server.database(&name.replace(|c: char| !c.is_ascii_alphanumeric(), "_"))
            }
        }
    }

    /// The PostgreSQL server, if the data is there.
    pub fn postgres_server(&self) -> Option<&Postgres> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres { server, .. } => Some(server),
        }
    }
}

/// A workload's database and the commands run on it.
pub struct Installation {
    pub database: String,
    pub data: PathBuf,
}

impl Installation {
    /// The database of the folder `data` on `backend` (the folder is created for SQLite).
    pub fn new(backend: &Backend, data: &Path) -> Installation {
        std::fs::create_dir_all(data).expect("a data folder");
        Installation { database: backend.database(data), data: data.to_path_buf() }
    }

    /// Runs a `hearth-server` command on it.
    pub fn cli(&self, args: &[&str]) -> String {
        cli_on(&self.database, args, None)
    }

    /// Adds a user with a known password.
    pub fn add_user(&self, username: &str, role: &str, station: Option<&str>, password: &str) {
        add_user_on(&self.database, username, role, station, password);
    }

    /// Starts one more server instance on it.
    pub fn serve(&self) -> Server {
        Server::start_on_database(&self.database, &self.data)
    }
}

/// A folder of PostgreSQL's programs in which `pg_ctl` starts the server with `fsync=on`
/// (the tests' [`Postgres`] asks for `fsync=off`): the other programs are links to the real
/// ones. For `HEARTH_PG_BIN` in a child process running [`Backend::postgres_fsync`]. It is
/// made in the system's temporary folder, which the `postgres` user (under root) can reach.
pub fn fsync_pg_bin() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let real =
        crate::postgres::bin_dir().ok_or_else(|| std::io::Error::other("PostgreSQL is not installed"))?;
    let dir = std::env::temp_dir().join(format!("hearth-bench-pg-fsync-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    for entry in std::fs::read_dir(&real)? {
        let entry = entry?;
        let link = dir.join(entry.file_name());
        if entry.file_name() != "pg_ctl" && !link.exists() {
            std::os::unix::fs::symlink(entry.path(), link)?;
        }
    }
    let script = format!(
        "#!/bin/sh\n# pg_ctl with fsync=on in place of the tests' fsync=off\n\
         for a in \"$@\"; do shift; set -- \"$@\" \"$(printf '%s' \"$a\" | sed 's/fsync=off/fsync=on/')\"; done\n\
         exec '{}' \"$@\"\n",
        real.join("pg_ctl").display()
    );
    std::fs::write(dir.join("pg_ctl"), script)?;
    std::fs::set_permissions(dir.join("pg_ctl"), std::fs::Permissions::from_mode(0o755))?;
    // PostgreSQL's programs run as the `postgres` user under root: it must reach the folder.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755))?;
    Ok(dir)
}

//! Choosing the storage backend from one setting, in one place: `sqlite:DIR` (the embedded
//! database in a data directory; `--data DIR` means the same) or `postgres://…` /
//! `postgresql://…` (a PostgreSQL database, [`PgStorage`]). Anything else is refused in words.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use super::{PgStorage, SqliteStorage, Storage};
use crate::error::{Error, Result};

/// Where the server keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// The embedded SQLite database in this data directory.
    Sqlite(PathBuf),
    /// A PostgreSQL database, by its connection URL (`postgres://user:password@host/db`).
    Postgres(String),
}

impl DatabaseUrl {
    /// The SQLite database in `dir` (what `--data DIR` means).
    pub fn sqlite(dir: impl Into<PathBuf>) -> Self {
        DatabaseUrl::Sqlite(dir.into())
    }
}

impl FromStr for DatabaseUrl {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        if let Some(rest) = s.strip_prefix("sqlite:") {
            // `sqlite:data`, `sqlite:/var/lib/hearth` and `sqlite:///var/lib/hearth` alike.
            let dir = rest.strip_prefix("//").unwrap_or(rest);
            if dir.is_empty() {
                return Err(Error::Refused(
                    "the database setting sqlite: names no directory; give sqlite:DIR, e.g. sqlite:./data"
                        .into(),
                ));
            }
            return Ok(DatabaseUrl::sqlite(dir));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            // Checked now, so a typo is told before anything starts.
            s.parse::<tokio_postgres::Config>().map_err(|e| {
                Error::Refused(format!("the PostgreSQL address {} is not understood: {e}", redacted(s)))
            })?;
            return Ok(DatabaseUrl::Postgres(s.to_owned()));
        }
        Err(Error::Refused(format!(
            "the database setting {:?} is not understood: give sqlite:DIR (the embedded database in a data \
             directory, e.g. sqlite:./data) or postgres://USER@HOST/DATABASE",
            redacted(s)
        )))
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseUrl::Sqlite(dir) => write!(f, "sqlite:{}", dir.display()),
            DatabaseUrl::Postgres(url) => f.write_str(&redacted(url)),
        }
    }
}

/// Opens the backend `url` names, bringing its schema up to date.
pub async fn open(url: &DatabaseUrl) -> Result<Arc<dyn Storage>> {
    match url {
        DatabaseUrl::Sqlite(dir) => Ok(Arc::new(SqliteStorage::open(dir)?)),
        DatabaseUrl::Postgres(url) => Ok(Arc::new(PgStorage::open(url).await?)),
    }
}

/// The URL with its password, if any, replaced by `***`: for messages and logs.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{path}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_a_directory() {
        assert_eq!("sqlite:data".parse::<DatabaseUrl>().unwrap(), DatabaseUrl::sqlite("data"));
        assert_eq!(
            "sqlite:///var/lib/hearth".parse::<DatabaseUrl>().unwrap(),
            DatabaseUrl::sqlite("/var/lib/hearth")
        );
        assert_eq!(DatabaseUrl::sqlite("data").to_string(), "sqlite:data");
    }

    #[test]
    fn postgres_urls_open_postgresql_and_are_shown_without_their_password() {
        for url in ["postgres://hearth@db/hearth", "postgresql://hearth:secret@db:5432/hearth"] {
            assert_eq!(url.parse::<DatabaseUrl>().unwrap(), DatabaseUrl::Postgres(url.into()));
        }
        let url: DatabaseUrl = "postgresql://hearth:secret@db:5432/hearth".parse().unwrap();
        assert_eq!(url.to_string(), "postgresql://hearth:***@db:5432/hearth");
        assert_eq!(
            "postgres://hearth@db/hearth".parse::<DatabaseUrl>().unwrap().to_string(),
            "postgres://hearth@db/hearth"
        );
    }

    #[test]
    fn anything_else_is_refused_in_words() {
        let words = |s: &str| s.parse::<DatabaseUrl>().unwrap_err().to_string();
        assert!(words("mysql://x").contains("not understood"));
        assert!(words("sqlite:").contains("names no directory"));
    }
}

//! Choosing the storage backend from one setting, in one place: `sqlite:DIR` (the embedded
//! database in a data directory; `--data DIR` means the same). Anything else is refused in
//! words; `postgres://…` says that backend is not built yet.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use super::{SqliteStorage, Storage};
use crate::error::{Error, Result};

/// Where the server keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// The embedded SQLite database in this data directory.
    Sqlite(PathBuf),
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
            return Err(Error::Refused(
                "PostgreSQL is not built yet in this hearth-server; use sqlite:DIR (or --data DIR) for now"
                    .into(),
            ));
        }
        Err(Error::Refused(format!(
            "the database setting {s:?} is not understood: give sqlite:DIR (the embedded database in a data \
             directory, e.g. sqlite:./data)"
        )))
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseUrl::Sqlite(dir) => write!(f, "sqlite:{}", dir.display()),
        }
    }
}

/// Opens the backend `url` names, bringing its schema up to date.
pub async fn open(url: &DatabaseUrl) -> Result<Arc<dyn Storage>> {
    match url {
        DatabaseUrl::Sqlite(dir) => Ok(Arc::new(SqliteStorage::open(dir)?)),
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
    fn anything_else_is_refused_in_words() {
        let words = |s: &str| s.parse::<DatabaseUrl>().unwrap_err().to_string();
        assert!(words("postgres://hearth@db/hearth").contains("not built yet"));
        assert!(words("mysql://x").contains("not understood"));
        assert!(words("sqlite:").contains("names no directory"));
    }
}

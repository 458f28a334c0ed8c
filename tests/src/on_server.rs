//! What is on the server, read the way the office reads it (the console API as an admin),
//! never from the server's database file: the system tests' checks of "stored exactly once"
//! and "the same record" hold on every storage backend.

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::office::Office;

/// The console's largest page of reports.
const PAGE: u32 = 1000;

/// An admin's view of one server's records.
pub struct OnServer {
    office: Office,
}

impl OnServer {
    /// Logs in as the demo city's admin at `url` (`http://IP:PORT`).
    pub fn demo_admin(url: &str) -> OnServer {
        OnServer { office: Office::login(url, "admin", "demo-admin") }
    }

    /// How many reports the server holds.
    pub fn report_count(&self) -> u64 {
        self.office.get("reports?limit=1")["total"].as_u64().expect("the list's total")
    }

    /// How many times the console lists each report id, over every page (a report stored
    /// twice is listed twice).
    pub fn report_listings(&self) -> BTreeMap<Uuid, u64> {
        let mut listed = BTreeMap::new();
        let mut offset = 0u32;
        loop {
            let page = self.office.get(&format!("reports?limit={PAGE}&offset={offset}"));
            let reports = page["reports"].as_array().expect("a page of reports");
            for report in reports {
                let id = report["id"].as_str().and_then(|id| id.parse().ok()).expect("a report id");
                *listed.entry(id).or_default() += 1;
            }
            if reports.len() < PAGE as usize {
                return listed;
            }
            offset += PAGE;
        }
    }

    /// How many times each of `ids` is stored (0 or 1; more would be a doubled report).
    pub fn report_counts(&self, ids: &[Uuid]) -> Vec<u64> {
        let listed = self.report_listings();
        ids.iter().map(|id| listed.get(id).copied().unwrap_or(0)).collect()
    }

    /// The stored record's hash of report `id`, if the server has it.
    pub fn report_hash(&self, id: Uuid) -> Option<String> {
        match self.office.try_call(reqwest::Method::GET, &format!("reports/{id}"), None) {
            Ok(detail) => Some(detail["record_hash"].as_str().expect("a record hash").to_owned()),
            Err(e) if e.starts_with("404") => None,
            Err(e) => panic!("the console API refused report {id}: {e}"),
        }
    }

    /// The bytes of blob `sha256` (a photo) if the server stores it whole.
    pub fn blob(&self, sha256: &str) -> Option<Vec<u8>> {
        self.office.get_bytes(&format!("blobs/{sha256}"))
    }
}

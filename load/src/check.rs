//! The final check: every report a tablet was told was accepted is on the server exactly
//! once. Read through the console as the office reads it (`GET /v1/console/reports`, by
//! author, page by page), never from the server's database, so it works against any server.

use std::collections::{HashMap, HashSet};

use anyhow::Result;
use uuid::Uuid;

use crate::day::Outcome;
use crate::office::{Office, REPORT_PAGE};

/// What the check found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Reports the tablets were told were accepted.
    pub accepted: u64,
    /// Reports by the run's technicians that the console lists.
    pub on_server: u64,
    /// Accepted reports the console does not list.
    pub lost: u64,
    /// Listings beyond the first of a report (the same id listed twice, or a list whose
    /// total is larger than the reports it holds).
    pub doubled: u64,
    /// Some lost reports' ids, to look up.
    pub lost_examples: Vec<Uuid>,
}

/// Compares what the tablets were told with what the console lists (`listed`: every id the
/// console gave, repeats included; `totals`: the sum of the lists' own totals).
pub fn compare(accepted: &[Uuid], listed: &[Uuid], totals: u64) -> Verdict {
    let mut seen: HashMap<Uuid, u64> = HashMap::new();
    for id in listed {
        *seen.entry(*id).or_default() += 1;
    }
    let repeats: u64 = seen.values().map(|n| n - 1).sum();
    let beyond_total = totals.saturating_sub(listed.len() as u64);
    let accepted_set: HashSet<&Uuid> = accepted.iter().collect();
    let lost: Vec<Uuid> = accepted_set.iter().filter(|id| !seen.contains_key(id)).map(|id| **id).collect();
    Verdict {
        accepted: accepted_set.len() as u64,
        on_server: seen.len() as u64,
        lost: lost.len() as u64,
        doubled: repeats + beyond_total,
        lost_examples: lost.into_iter().take(5).collect(),
    }
}

/// Lists every report of every tablet's technician through the console and compares.
pub fn check(office: &Office, outcomes: &[Outcome]) -> Result<Verdict> {
    let accepted: Vec<Uuid> = outcomes.iter().flat_map(|o| o.accepted.iter().copied()).collect();
    let mut listed = Vec::new();
    let mut totals = 0;
    for author in outcomes.iter().filter_map(|o| o.user_id) {
        let mut offset = 0u32;
        loop {
            let page = office.reports_by(author, offset)?;
            if offset == 0 {
                totals += page.total;
            }
            let n = page.reports.len() as u32;
            listed.extend(page.reports.iter().filter(|r| r.author_id == author).map(|r| r.id));
            offset += n;
            if n < REPORT_PAGE || u64::from(offset) >= page.total {
                break;
            }
        }
    }
    Ok(compare(&accepted, &listed, totals))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_and_doubled_are_told_apart() {
        let id = |n: u128| Uuid::from_u128(n);
        let all_there = compare(&[id(1), id(2)], &[id(2), id(1), id(3)], 3);
        assert_eq!(
            (all_there.accepted, all_there.on_server, all_there.lost, all_there.doubled),
            (2, 3, 0, 0)
        );

        let one_lost = compare(&[id(1), id(2)], &[id(1)], 1);
        assert_eq!((one_lost.lost, one_lost.doubled, one_lost.lost_examples.clone()), (1, 0, vec![id(2)]));

        let listed_twice = compare(&[id(1)], &[id(1), id(1)], 2);
        assert_eq!((listed_twice.lost, listed_twice.doubled), (0, 1));

        let counted_twice = compare(&[id(1)], &[id(1)], 2);
        assert_eq!(counted_twice.doubled, 1, "a total above what is listed is a stored double");
    }
}

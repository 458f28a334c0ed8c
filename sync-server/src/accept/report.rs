//! Accepting a pushed report, as a step machine over what the backend loads: the backend asks
//! [`ReportCheck::next`] what it needs, loads it, hands it over, and asks again until the
//! check has decided. The order of the checks (and which loads they need) lives here only,
//! so a synchronous and an asynchronous backend answer the same questions the same way, and
//! nothing is loaded that the decision does not need (a retry costs one lookup).

use chrono::{DateTime, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::{Role, SignedReport};
use hearth_core::protocol::{Outcome, RejectCode};
use uuid::Uuid;

use super::rejected;
use crate::caller::Caller;
use crate::feed::Scope;
use crate::merge::Overruled;

/// A report stored under the pushed report's id.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredReport {
    pub record_hash: String,
    pub received_at: DateTime<Utc>,
}

/// The household a report names, as stored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Home {
    pub station: Uuid,
    /// For the report's KPI facts (refunds are per m²).
    pub billed_area_m2: Option<f64>,
}

/// The user a crew member's report names as its author.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Author {
    pub station: Option<Uuid>,
    pub role: Role,
    /// They have logged in on the caller's device (tablets are shared within a crew).
    pub used_this_device: bool,
}

/// What the check needs loaded next.
#[derive(Debug, Clone, PartialEq)]
pub enum Need {
    /// The report stored under this id, if any.
    StoredReport(Uuid),
    /// The household, if known.
    Household(Uuid),
    /// The author `author`, if known, and whether they used `device`.
    Author { author: Uuid, device: Uuid },
    /// Which of these blobs (SHA-256, hex) are not stored.
    MissingBlobs(Vec<String>),
}

/// What to do with the report.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Store nothing and answer this: a retry's first answer, or a refusal in words.
    Answer(Outcome),
    /// Store nothing, answer `outcome`, and keep `overruled` in the conflict log: other content
    /// under a stored report's id (a signed report never changes).
    Conflict { outcome: Outcome, overruled: Overruled },
    /// Store it for `home`'s station and answer accepted.
    Store { home: Home },
}

/// The next step of a check.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Need(Need),
    Decided(Decision),
}

/// One report's check; hand over each [`Need`] with the matching `give_…`.
#[derive(Debug)]
pub struct ReportCheck<'a> {
    caller: &'a Caller,
    signed: &'a SignedReport,
    stored: Option<Option<StoredReport>>,
    home: Option<Option<Home>>,
    author: Option<Option<Author>>,
    missing: Option<Vec<String>>,
}

impl<'a> ReportCheck<'a> {
    pub fn new(caller: &'a Caller, signed: &'a SignedReport) -> Self {
        ReportCheck { caller, signed, stored: None, home: None, author: None, missing: None }
    }

    pub fn give_stored(&mut self, stored: Option<StoredReport>) {
        self.stored = Some(stored);
    }

    pub fn give_household(&mut self, home: Option<Home>) {
        self.home = Some(home);
    }

    pub fn give_author(&mut self, author: Option<Author>) {
        self.author = Some(author);
    }

    /// The blobs of [`Need::MissingBlobs`] that are not stored.
    pub fn give_missing_blobs(&mut self, missing: Vec<String>) {
        self.missing = Some(missing);
    }

    /// What is needed next, or the decision.
    pub fn next(&self) -> Step {
        let report = self.signed.report();
        let Some(stored) = &self.stored else { return Step::Need(Need::StoredReport(report.id)) };
        if let Some(stored) = stored {
            return Step::Decided(self.against_stored(stored));
        }
        let Some(home) = self.home else { return Step::Need(Need::Household(report.household_id)) };
        let Some(home) = home else {
            return answer(rejected(
                RejectCode::UnknownReference,
                format!("household {} is not known to the server", report.household_id),
            ));
        };
        let scope = Scope::of(self.caller);
        if !scope.covers_station(home.station) {
            return answer(rejected(
                RejectCode::Forbidden,
                format!("household {} belongs to another station's crews", report.household_id),
            ));
        }
        if let Scope::Crew { station, user } = scope
            && report.author_id != user
        {
            let Some(author) = self.author else {
                return Step::Need(Need::Author { author: report.author_id, device: self.caller.device_id });
            };
            if let Some(refusal) = authorship_refusal(station, report.author_id, author) {
                return answer(rejected(RejectCode::Forbidden, refusal));
            }
        }
        let Some(missing) = &self.missing else { return Step::Need(Need::MissingBlobs(self.blobs())) };
        if !missing.is_empty() {
            return answer(rejected(
                RejectCode::BlobMissing,
                format!("upload these blobs first, then push again: {}", missing.join(", ")),
            ));
        }
        Step::Decided(Decision::Store { home })
    }

    /// Stored already: a retried push gets the first answer; other content is a conflict.
    fn against_stored(&self, stored: &StoredReport) -> Decision {
        let hash = self.signed.record_hash().as_str();
        if stored.record_hash == hash {
            return Decision::Answer(Outcome::Accepted { received_at: stored.received_at });
        }
        let id = self.signed.report().id;
        Decision::Conflict {
            outcome: rejected(
                RejectCode::Conflict,
                format!(
                    "report {id} is already stored with other content; a signed report never changes, \
                     record an amendment instead"
                ),
            ),
            overruled: Overruled {
                field: "record_hash",
                losing_value: serde_json::Value::String(hash.to_owned()),
                winning_value: serde_json::Value::String(stored.record_hash.clone()),
                losing_hlc: Hlc::ZERO,
                winning_hlc: Hlc::ZERO,
            },
        }
    }

    /// Every blob the report names: its photos and its signatures' images.
    fn blobs(&self) -> Vec<String> {
        let report = self.signed.report();
        report
            .attachments
            .iter()
            .map(|a| a.sha256.to_string())
            .chain(
                self.signed.signatures().iter().filter_map(|s| s.png.as_ref().map(|p| p.sha256.to_string())),
            )
            .collect()
    }
}

fn answer(outcome: Outcome) -> Step {
    Step::Decided(Decision::Answer(outcome))
}

/// Why a crew member of `station` may not deliver a report naming `author` (None: he may).
/// Tablets are shared within a crew, so the author may be a technician or inspector of the
/// caller's station who has logged in on the caller's device.
fn authorship_refusal(station: Option<Uuid>, id: Uuid, author: Option<Author>) -> Option<String> {
    let refusal = match author {
        None => format!("the report names user {id} as its author, who is not known to the server"),
        Some(a) if a.station != station || !matches!(a.role, Role::Technician | Role::Inspector) => format!(
            "the report names user {id} as its author, who is not a crew member of your \
             station; a report is delivered by its author or a crew mate on the same tablet"
        ),
        Some(Author { used_this_device: false, .. }) => format!(
            "the report names user {id} as its author, who has never logged in on this device; \
             a crew mate's report is accepted only from a tablet they used"
        ),
        Some(_) => return None,
    };
    Some(format!("{refusal}; nothing was stored"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hearth_core::model::User;

    fn crew(role: Role, station: Uuid) -> Caller {
        let user = User {
            id: Uuid::now_v7(),
            username: "t".into(),
            display_name: "t".into(),
            role,
            station_id: Some(station),
        };
        Caller { user, device_id: Uuid::now_v7() }
    }

    /// A signed check by `caller` of the demo's first household.
    fn report_by(caller: &Caller) -> SignedReport {
        let home = hearth_core::demo::households(1, 1).next().unwrap();
        hearth_core::demo::signed_temperature_check(&home, caller.user.id, hearth_core::demo::now()).unwrap()
    }

    fn home(station: Uuid) -> Home {
        Home { station, billed_area_m2: Some(80.0) }
    }

    /// Runs a check to its decision, answering every need from the arguments.
    fn run(
        check: &mut ReportCheck<'_>,
        stored: Option<StoredReport>,
        home: Option<Home>,
        author: Option<Author>,
        missing: &[&str],
    ) -> (Decision, Vec<Need>) {
        let mut needs = Vec::new();
        loop {
            match check.next() {
                Step::Decided(d) => return (d, needs),
                Step::Need(need) => {
                    match &need {
                        Need::StoredReport(_) => check.give_stored(stored.clone()),
                        Need::Household(_) => check.give_household(home),
                        Need::Author { .. } => check.give_author(author),
                        Need::MissingBlobs(_) => {
                            check.give_missing_blobs(missing.iter().map(|s| (*s).to_owned()).collect())
                        }
                    }
                    needs.push(need);
                }
            }
        }
    }

    #[test]
    fn a_new_report_in_scope_with_its_blobs_is_stored_after_three_lookups() {
        let station = Uuid::now_v7();
        let caller = crew(Role::Technician, station);
        let signed = report_by(&caller);
        let mut check = ReportCheck::new(&caller, &signed);
        let (decision, needs) = run(&mut check, None, Some(home(station)), None, &[]);
        assert_eq!(decision, Decision::Store { home: home(station) });
        assert!(matches!(
            needs.as_slice(),
            [Need::StoredReport(_), Need::Household(_), Need::MissingBlobs(_)]
        ));
    }

    #[test]
    fn a_retry_of_the_identical_report_gets_its_first_answer_with_one_lookup() {
        let caller = crew(Role::Technician, Uuid::now_v7());
        let signed = report_by(&caller);
        let first = chrono::Utc::now() - chrono::Duration::minutes(5);
        let stored = StoredReport { record_hash: signed.record_hash().to_string(), received_at: first };
        let (decision, needs) = run(&mut ReportCheck::new(&caller, &signed), Some(stored), None, None, &[]);
        assert_eq!(decision, Decision::Answer(Outcome::Accepted { received_at: first }));
        assert_eq!(needs.len(), 1, "nothing else is loaded for a retry");
    }

    #[test]
    fn other_content_under_a_stored_id_is_a_conflict_kept_in_the_log() {
        let caller = crew(Role::Technician, Uuid::now_v7());
        let signed = report_by(&caller);
        let stored = StoredReport { record_hash: "ab".repeat(32), received_at: chrono::Utc::now() };
        let (decision, _) = run(&mut ReportCheck::new(&caller, &signed), Some(stored), None, None, &[]);
        let Decision::Conflict { outcome: Outcome::Rejected { code, message }, overruled } = decision else {
            panic!("{decision:?}")
        };
        assert_eq!(code, RejectCode::Conflict);
        assert!(message.contains("amendment"), "{message}");
        assert_eq!(overruled.winning_value, serde_json::json!("ab".repeat(32)));
    }

    #[test]
    fn an_unknown_household_is_refused_in_words() {
        let caller = crew(Role::Technician, Uuid::now_v7());
        let signed = report_by(&caller);
        let (decision, _) = run(&mut ReportCheck::new(&caller, &signed), None, None, None, &[]);
        assert!(
            matches!(decision, Decision::Answer(Outcome::Rejected { code: RejectCode::UnknownReference, ref message }) if message.contains("not known"))
        );
    }

    #[test]
    fn another_stations_household_is_out_of_a_crew_members_scope_but_not_the_offices() {
        let caller = crew(Role::Technician, Uuid::now_v7());
        let signed = report_by(&caller);
        let elsewhere = home(Uuid::now_v7());
        let (decision, _) = run(&mut ReportCheck::new(&caller, &signed), None, Some(elsewhere), None, &[]);
        assert!(
            matches!(decision, Decision::Answer(Outcome::Rejected { code: RejectCode::Forbidden, ref message }) if message.contains("another station"))
        );

        let mut office = crew(Role::Dispatcher, Uuid::now_v7());
        office.user.station_id = None;
        let (decision, _) = run(&mut ReportCheck::new(&office, &signed), None, Some(elsewhere), None, &[]);
        assert_eq!(decision, Decision::Store { home: elsewhere });
    }

    #[test]
    fn missing_blobs_are_named_so_the_tablet_uploads_them() {
        let station = Uuid::now_v7();
        let caller = crew(Role::Technician, station);
        let signed = report_by(&caller);
        let mut check = ReportCheck::new(&caller, &signed);
        let (decision, needs) = run(&mut check, None, Some(home(station)), None, &["cafe"]);
        assert!(
            matches!(decision, Decision::Answer(Outcome::Rejected { code: RejectCode::BlobMissing, ref message }) if message.contains("cafe"))
        );
        assert!(matches!(needs.last(), Some(Need::MissingBlobs(_))), "{needs:?}");
    }

    #[test]
    fn a_crew_mates_report_needs_a_mate_of_the_station_who_used_this_tablet() {
        let station = Uuid::now_v7();
        let caller = crew(Role::Technician, station);
        let mate = crew(Role::Inspector, station);
        let signed = report_by(&mate);
        let check = |author: Option<Author>| {
            run(&mut ReportCheck::new(&caller, &signed), None, Some(home(station)), author, &[]).0
        };
        let used = Author { station: Some(station), role: Role::Inspector, used_this_device: true };
        assert_eq!(check(Some(used)), Decision::Store { home: home(station) });
        let refused = |d: Decision, words: &str| matches!(d, Decision::Answer(Outcome::Rejected { code: RejectCode::Forbidden, ref message }) if message.contains(words) && message.ends_with("nothing was stored"));
        assert!(refused(
            check(Some(Author { used_this_device: false, ..used })),
            "never logged in on this device"
        ));
        assert!(refused(check(Some(Author { station: Some(Uuid::now_v7()), ..used })), "not a crew member"));
        assert!(refused(check(Some(Author { role: Role::Dispatcher, ..used })), "not a crew member"));
        assert!(refused(check(None), "not known to the server"));
    }
}

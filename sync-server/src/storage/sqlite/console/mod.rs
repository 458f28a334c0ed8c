//! The console's side of the SQLite store ([`crate::storage::console::ConsoleStorage`]), one
//! module per concept. Report facts and KPI sums are written by the push itself
//! (`super::facts`); the console reads them.

mod board;
mod intake;
mod kpis;
mod office;
mod records;
mod sample;
mod waiting;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::{Household, User, WorkOrder};
use hearth_core::protocol::{Outcome, PushEntry};
use hearth_core::rules::CityProfile;
use uuid::Uuid;

use super::{SqliteStorage, admin, audit, blobs, facts, profile, push};
use crate::error::Result;
use crate::storage::Caller;
use crate::storage::console::*;

#[async_trait]
impl ConsoleStorage for SqliteStorage {
    async fn find_households(&self, query: String, limit: u32) -> Result<Vec<Household>> {
        self.read(move |conn| intake::find_households(conn, &query, limit)).await
    }

    async fn household(&self, id: Uuid) -> Result<Option<Household>> {
        self.read(move |conn| intake::household(conn, id)).await
    }

    async fn households(&self, ids: Vec<Uuid>) -> Result<Vec<Household>> {
        self.read(move |conn| {
            let found: Vec<Option<Household>> =
                ids.into_iter().map(|id| intake::household(conn, id)).collect::<Result<_>>()?;
            Ok(found.into_iter().flatten().collect())
        })
        .await
    }

    async fn record_call(
        &self,
        call: Call,
        order: Option<WorkOrder>,
        clock: Hlc,
    ) -> Result<Option<WorkOrder>> {
        self.write(move |tx| intake::record_call(tx, &call, order.as_ref(), clock)).await
    }

    async fn calls(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: u32,
    ) -> Result<Vec<Call>> {
        self.read(move |conn| intake::calls(conn, from, to, limit)).await
    }

    async fn work_order(&self, id: Uuid) -> Result<Option<WorkOrder>> {
        self.read(move |conn| intake::work_order(conn, id)).await
    }

    async fn board(&self, filter: BoardFilter) -> Result<BoardPage> {
        self.read(move |conn| board::board(conn, &filter)).await
    }

    async fn open_orders_of(&self, household_id: Uuid) -> Result<Vec<WorkOrder>> {
        self.read(move |conn| board::open_orders_of(conn, household_id)).await
    }

    async fn calls_of_household(&self, household_id: Uuid, since: DateTime<Utc>) -> Result<Vec<Call>> {
        self.read(move |conn| intake::calls_of_household(conn, household_id, since)).await
    }

    async fn repeat_calls(&self, order_ids: Vec<Uuid>) -> Result<Vec<Call>> {
        self.read(move |conn| board::repeat_calls(conn, &order_ids)).await
    }

    async fn reports(&self, filter: ReportFilter) -> Result<ReportPage> {
        self.read(move |conn| records::reports(conn, &filter)).await
    }

    async fn report(&self, id: Uuid) -> Result<Option<StoredReport>> {
        self.read(move |conn| records::report(conn, id)).await
    }

    async fn blob(&self, sha256: String) -> Result<Option<Vec<u8>>> {
        self.read(move |conn| blobs::blob(conn, &sha256)).await
    }

    async fn conflicts(&self, filter: ConflictFilter) -> Result<Vec<ConflictEntry>> {
        self.read(move |conn| records::conflicts(conn, &filter)).await
    }

    async fn kpi_groups(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        profile: CityProfile,
    ) -> Result<Vec<KpiGroup>> {
        self.read(move |conn| kpis::kpi_groups(conn, from, to, &profile)).await
    }

    async fn waiting_households(&self) -> Result<Vec<WaitingHousehold>> {
        self.read(waiting::waiting_households).await
    }

    async fn add_log_entry(&self, author_id: Uuid, text: String, at: DateTime<Utc>) -> Result<LogEntry> {
        self.write(move |tx| office::add_log_entry(tx, author_id, &text, at)).await
    }

    async fn log_entries(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        text: Option<String>,
        limit: u32,
    ) -> Result<Vec<LogEntry>> {
        self.read(move |conn| office::log_entries(conn, from, to, text.as_deref(), limit)).await
    }

    async fn city_profile(&self) -> Result<CityProfile> {
        self.read(profile::stored_profile).await
    }

    async fn set_city_profile(&self, profile: CityProfile) -> Result<()> {
        self.write(move |tx| {
            profile::set_profile(tx, &profile)?;
            facts::rebuild(tx, &profile)
        })
        .await
    }

    async fn users(&self) -> Result<Vec<UserEntry>> {
        self.read(office::users).await
    }

    async fn disable_user(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        self.write(move |tx| office::disable_user(tx, id, now)).await
    }

    async fn audit_log(&self, filter: AuditFilter) -> Result<AuditPage> {
        self.read(move |conn| audit::page(conn, &filter)).await
    }

    async fn add_user_audited(&self, user: User, password_hash: String, audit: NewAudit) -> Result<()> {
        self.write(move |tx| {
            admin::add_user(tx, &user, &password_hash, audit.at)?;
            audit::add(tx, &audit)
        })
        .await
    }

    async fn disable_user_audited(&self, id: Uuid, audit: NewAudit) -> Result<bool> {
        self.write(move |tx| {
            let known = office::disable_user(tx, id, audit.at)?;
            if known {
                audit::add(tx, &audit)?;
            }
            Ok(known)
        })
        .await
    }

    async fn revoke_device_audited(&self, device_id: Uuid, audit: NewAudit) -> Result<bool> {
        self.write(move |tx| {
            let known = admin::revoke_device(tx, device_id, audit.at)?;
            if known {
                audit::add(tx, &audit)?;
            }
            Ok(known)
        })
        .await
    }

    async fn set_city_profile_audited(&self, profile: CityProfile, audit: NewAudit) -> Result<()> {
        self.write(move |tx| {
            let old = serde_json::to_value(profile::stored_profile(tx)?)?;
            profile::set_profile(tx, &profile)?;
            facts::rebuild(tx, &profile)?;
            let detail = json_changes(&old, &serde_json::to_value(&profile)?);
            audit::add(tx, &NewAudit { detail, ..audit })
        })
        .await
    }

    async fn add_work_order_audited(
        &self,
        order: WorkOrder,
        clock: Hlc,
        audit: NewAudit,
    ) -> Result<WorkOrder> {
        self.write(move |tx| {
            let order = admin::add_work_orders(tx, std::slice::from_ref(&order), clock)?
                .pop()
                .ok_or_else(|| crate::Error::Task("the new work order was not stored".into()))?;
            audit::add(tx, &audit.naming(&order))?;
            Ok(order)
        })
        .await
    }

    async fn record_call_audited(
        &self,
        call: Call,
        order: Option<WorkOrder>,
        clock: Hlc,
        audit: NewAudit,
    ) -> Result<Option<WorkOrder>> {
        self.write(move |tx| {
            let order = intake::record_call(tx, &call, order.as_ref(), clock)?;
            if let Some(order) = &order {
                audit::add(tx, &audit.naming(order))?;
            }
            Ok(order)
        })
        .await
    }

    async fn office_edit_audited(
        &self,
        caller: Caller,
        entry: PushEntry,
        now: DateTime<Utc>,
        audit: NewAudit,
    ) -> Result<Outcome> {
        self.write(move |tx| {
            let result = push::push(tx, &caller, vec![entry.into()], now)?
                .pop()
                .ok_or_else(|| crate::Error::Task("the office edit got no answer".into()))?;
            if matches!(result.outcome, Outcome::Accepted { .. }) {
                audit::add(tx, &audit)?;
            }
            Ok(result.outcome)
        })
        .await
    }
}

impl SqliteStorage {
    /// For benchmarks: `count` sample reports with their facts, received between `from` and
    /// `to`, over the stored households and crews (see [`sample`]).
    pub async fn add_sample_reports(
        &self,
        count: usize,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        seed: u64,
    ) -> Result<()> {
        self.write(move |tx| {
            sample::add_reports(tx, count, from, to, seed)?;
            facts::rebuild(tx, &profile::stored_profile(tx)?)
        })
        .await
    }

    /// For benchmarks: `count` open sample work orders reported in the last 12 hours.
    pub async fn add_sample_orders(&self, count: usize, seed: u64) -> Result<()> {
        self.write(move |tx| sample::add_orders(tx, count, Utc::now(), seed)).await
    }
}

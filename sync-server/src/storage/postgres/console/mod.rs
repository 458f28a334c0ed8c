//! The console's side of the PostgreSQL store ([`crate::storage::console::ConsoleStorage`]),
//! one module per concept, as on SQLite. Report facts and KPI sums are written by the push
//! itself (`super::facts`); the console reads them.
//!
//! Reads take a pooled connection; each write is one transaction. A write that stores a new
//! work order writes its feed row last (`super::feed`); an office edit of an order is a push
//! (`super::push`) and locks the order as a push does; a write that rebuilds
//! the KPI sums a push adds to (a changed city profile) takes the profile's lock alone
//! (`super::locks`), so no push on any instance adds to the sums meanwhile.

mod board;
mod intake;
mod kpis;
mod office;
mod records;
mod sample;
#[cfg(test)]
mod tests;
mod waiting;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hearth_core::hlc::Hlc;
use hearth_core::model::{Household, User, WorkOrder};
use hearth_core::protocol::{Outcome, PushEntry};
use hearth_core::rules::CityProfile;
use uuid::Uuid;

use super::{PgStorage, admin, audit, blobs, facts, locks, profile, push};
use crate::error::{Error, Result};
use crate::storage::Caller;
use crate::storage::console::*;

#[async_trait]
impl ConsoleStorage for PgStorage {
    async fn find_households(&self, query: String, limit: u32) -> Result<Vec<Household>> {
        intake::find_households(&self.client().await?, &query, limit).await
    }

    async fn household(&self, id: Uuid) -> Result<Option<Household>> {
        intake::household(&self.client().await?, id).await
    }

    async fn households(&self, ids: Vec<Uuid>) -> Result<Vec<Household>> {
        intake::households(&self.client().await?, &ids).await
    }

    async fn record_call(
        &self,
        call: Call,
        order: Option<WorkOrder>,
        clock: Hlc,
    ) -> Result<Option<WorkOrder>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let order = intake::record_call(&tx, &call, order.as_ref(), clock).await?;
        tx.commit().await?;
        Ok(order)
    }

    async fn calls(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        limit: u32,
    ) -> Result<Vec<Call>> {
        intake::calls(&self.client().await?, from, to, limit).await
    }

    async fn work_order(&self, id: Uuid) -> Result<Option<WorkOrder>> {
        intake::work_order(&self.client().await?, id).await
    }

    async fn board(&self, filter: BoardFilter) -> Result<BoardPage> {
        board::board(&self.client().await?, &filter).await
    }

    async fn open_orders_of(&self, household_id: Uuid) -> Result<Vec<WorkOrder>> {
        board::open_orders_of(&self.client().await?, household_id).await
    }

    async fn calls_of_household(&self, household_id: Uuid, since: DateTime<Utc>) -> Result<Vec<Call>> {
        intake::calls_of_household(&self.client().await?, household_id, since).await
    }

    async fn repeat_calls(&self, order_ids: Vec<Uuid>) -> Result<Vec<Call>> {
        board::repeat_calls(&self.client().await?, &order_ids).await
    }

    async fn reports(&self, filter: ReportFilter) -> Result<ReportPage> {
        records::reports(&self.client().await?, &filter).await
    }

    async fn report(&self, id: Uuid) -> Result<Option<StoredReport>> {
        records::report(&self.client().await?, id).await
    }

    async fn blob(&self, sha256: String) -> Result<Option<Vec<u8>>> {
        blobs::blob(&self.client().await?, &sha256).await
    }

    async fn conflicts(&self, filter: ConflictFilter) -> Result<Vec<ConflictEntry>> {
        records::conflicts(&self.client().await?, &filter).await
    }

    async fn kpi_groups(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        profile: CityProfile,
    ) -> Result<Vec<KpiGroup>> {
        kpis::kpi_groups(&self.client().await?, from, to, &profile).await
    }

    async fn waiting_households(&self) -> Result<Vec<WaitingHousehold>> {
        waiting::waiting_households(&self.client().await?).await
    }

    async fn add_log_entry(&self, author_id: Uuid, text: String, at: DateTime<Utc>) -> Result<LogEntry> {
        office::add_log_entry(&self.client().await?, author_id, &text, at).await
    }

    async fn log_entries(
        &self,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        text: Option<String>,
        limit: u32,
    ) -> Result<Vec<LogEntry>> {
        office::log_entries(&self.client().await?, from, to, text.as_deref(), limit).await
    }

    async fn city_profile(&self) -> Result<CityProfile> {
        profile::stored_profile(&self.client().await?).await
    }

    async fn set_city_profile(&self, profile: CityProfile) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The sums are rebuilt: no push may add to them meanwhile.
        locks::profile_exclusive(&tx).await?;
        profile::set_profile(&tx, &profile).await?;
        facts::rebuild(&tx, &profile).await?;
        Ok(tx.commit().await?)
    }

    async fn users(&self) -> Result<Vec<UserEntry>> {
        office::users(&self.client().await?).await
    }

    async fn disable_user(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let known = office::disable_user(&tx, id, now).await?;
        tx.commit().await?;
        Ok(known)
    }

    async fn audit_log(&self, filter: AuditFilter) -> Result<AuditPage> {
        audit::page(&self.client().await?, &filter).await
    }

    async fn add_user_audited(&self, user: User, password_hash: String, audit: NewAudit) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        admin::add_user(&tx, &user, &password_hash, audit.at).await?;
        audit::add(&tx, &audit).await?;
        Ok(tx.commit().await?)
    }

    async fn disable_user_audited(&self, id: Uuid, audit: NewAudit) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let known = office::disable_user(&tx, id, audit.at).await?;
        if known {
            audit::add(&tx, &audit).await?;
        }
        tx.commit().await?;
        Ok(known)
    }

    async fn revoke_device_audited(&self, device_id: Uuid, audit: NewAudit) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let known = admin::revoke_device(&tx, device_id, audit.at).await?;
        if known {
            audit::add(&tx, &audit).await?;
        }
        tx.commit().await?;
        Ok(known)
    }

    async fn set_city_profile_audited(&self, profile: CityProfile, audit: NewAudit) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        locks::profile_exclusive(&tx).await?;
        let old = serde_json::to_value(profile::stored_profile(&tx).await?)?;
        profile::set_profile(&tx, &profile).await?;
        facts::rebuild(&tx, &profile).await?;
        let detail = json_changes(&old, &serde_json::to_value(&profile)?);
        audit::add(&tx, &NewAudit { detail, ..audit }).await?;
        Ok(tx.commit().await?)
    }

    async fn add_work_order_audited(
        &self,
        order: WorkOrder,
        clock: Hlc,
        audit: NewAudit,
    ) -> Result<WorkOrder> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let order = admin::add_work_orders(&tx, std::slice::from_ref(&order), clock)
            .await?
            .pop()
            .ok_or_else(|| Error::Task("the new work order was not stored".into()))?;
        audit::add(&tx, &audit.naming(&order)).await?;
        tx.commit().await?;
        Ok(order)
    }

    async fn record_call_audited(
        &self,
        call: Call,
        order: Option<WorkOrder>,
        clock: Hlc,
        audit: NewAudit,
    ) -> Result<Option<WorkOrder>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let order = intake::record_call(&tx, &call, order.as_ref(), clock).await?;
        if let Some(order) = &order {
            audit::add(&tx, &audit.naming(order)).await?;
        }
        tx.commit().await?;
        Ok(order)
    }

    async fn office_edit_audited(
        &self,
        caller: Caller,
        entry: PushEntry,
        now: DateTime<Utc>,
        audit: NewAudit,
    ) -> Result<Outcome> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        // The push locks the order, and takes the feed's lock itself.
        let result = push::push(&tx, &caller, &[entry.into()], now)
            .await?
            .pop()
            .ok_or_else(|| Error::Task("the office edit got no answer".into()))?;
        if matches!(result.outcome, Outcome::Accepted { .. }) {
            audit::add(&tx, &audit).await?;
        }
        tx.commit().await?;
        Ok(result.outcome)
    }
}

impl PgStorage {
    /// For benchmarks: `count` sample reports with their facts, received between `from` and
    /// `to`, over the stored households and crews (see [`sample`]).
    pub async fn add_sample_reports(
        &self,
        count: usize,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        seed: u64,
    ) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        locks::profile_exclusive(&tx).await?;
        sample::add_reports(&tx, count, from, to, seed).await?;
        facts::rebuild(&tx, &profile::stored_profile(&tx).await?).await?;
        Ok(tx.commit().await?)
    }

    /// For benchmarks: `count` open sample work orders reported in the last 12 hours (stored
    /// a thousand per transaction: see [`sample::ORDERS_PER_TRANSACTION`]).
    pub async fn add_sample_orders(&self, count: usize, seed: u64) -> Result<()> {
        let now = Utc::now();
        let mut client = self.client().await?;
        let orders = sample::orders(&client, count, now, seed).await?;
        let clock =
            Hlc { wall_ms: u64::try_from(now.timestamp_millis()).unwrap_or_default(), counter: 0, node: 0 };
        for chunk in orders.chunks(sample::ORDERS_PER_TRANSACTION) {
            let tx = client.transaction().await?;
            admin::add_work_orders(&tx, chunk, clock).await?;
            tx.commit().await?;
        }
        Ok(())
    }
}

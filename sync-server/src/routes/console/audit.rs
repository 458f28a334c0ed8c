//! The audit trail (审计日志): every office action kept with who, when, from which device and
//! what changed, read by admins only, newest first, filtered by action, user and date. The
//! routes that act build their entry with [`audit`]; storage keeps it in the action's own
//! transaction. No route changes or deletes an entry.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use chrono::{DateTime, Utc};
use hearth_core::model::WorkOrder;
use hearth_core::protocol::{Outcome, Outgoing, PushEntry, RejectCode, WorkOrderEdit, WorkOrderFields};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{Admin, check_range, found, now, office_stamp, page_size};
use crate::AppState;
use crate::error::{AppError, ErrorCode};
use crate::extract::{Json, Query};
use crate::routes::openapi::schemas::ErrorBody;
use crate::storage::Caller;
use crate::storage::console::{AuditAction, AuditFilter, AuditPage, NewAudit};

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/console/admin/audit", get(audit_log))
}

/// The entry for an action `caller` takes now on `subject`.
pub fn audit(
    caller: &Caller,
    action: AuditAction,
    subject_id: Option<Uuid>,
    detail: serde_json::Value,
) -> NewAudit {
    NewAudit { at: now(), actor_id: caller.user.id, device_id: caller.device_id, action, subject_id, detail }
}

/// An office edit of an order through the sync merge, as a device's edit goes, kept in the
/// audit trail with the edit when it is accepted; returns the order as merged.
pub async fn audited_edit(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    fields: WorkOrderFields,
    audit: NewAudit,
) -> Result<WorkOrder, AppError> {
    let now = audit.at;
    let entry = PushEntry {
        id: hearth_core::new_id(),
        hlc: office_stamp(now),
        change: Outgoing::WorkOrderEdit(WorkOrderEdit { work_order_id: id, fields }),
    };
    let outcome = state.storage.office_edit_audited(caller.clone(), entry, now, audit).await?;
    if let Outcome::Rejected { code, message } = outcome {
        let code = match code {
            RejectCode::UnknownReference => ErrorCode::NotFound,
            RejectCode::Forbidden => ErrorCode::Forbidden,
            _ => ErrorCode::BadRequest,
        };
        return Err(AppError::new(code, message));
    }
    found(state.storage.work_order(id).await?, "work order", id)
}

/// A user as an audit entry names them: id and display name.
pub async fn named(state: &AppState, id: Option<Uuid>) -> Result<serde_json::Value, AppError> {
    let Some(id) = id else { return Ok(serde_json::Value::Null) };
    let users = state.storage.users().await?;
    let name = users.iter().find(|u| u.user.id == id).map(|u| u.user.display_name.clone());
    Ok(serde_json::json!({"id": id, "name": name}))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// One kind of action: user_added, user_disabled, device_revoked, thresholds_changed,
    /// order_created, order_from_call, follow_up_created, order_assigned, order_reassigned,
    /// order_cancelled.
    #[param(value_type = Option<crate::storage::console::AuditAction>)]
    pub action: Option<String>,
    /// The user who acted.
    pub user_id: Option<Uuid>,
    /// From this instant (RFC 3339), inclusive.
    pub from: Option<DateTime<Utc>>,
    /// To this instant (RFC 3339), exclusive.
    pub to: Option<DateTime<Utc>>,
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// The kept office actions, newest first (admins only).
#[utoipa::path(get, path = "/v1/console/admin/audit", tag = "admin", params(AuditQuery),
    security(("device_token" = [])),
    responses((status = 200, description = "A page of the audit trail", body = AuditPage),
        (status = 400, description = "Unknown action or bad range", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody)))]
pub async fn audit_log(
    State(state): State<AppState>,
    _admin: Admin,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditPage>, AppError> {
    check_range(q.from, q.to)?;
    let action = match q.action.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        None => None,
        Some(a) => Some(AuditAction::parse(a).ok_or_else(|| {
            let known: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
            AppError::new(
                ErrorCode::BadRequest,
                format!("there is no action {a:?}; the actions are {}", known.join(", ")),
            )
        })?),
    };
    let filter = AuditFilter {
        action,
        actor_id: q.user_id,
        from: q.from,
        to: q.to,
        limit: page_size(q.limit)?,
        offset: q.offset.unwrap_or(0),
    };
    Ok(Json(state.storage.audit_log(filter).await?))
}

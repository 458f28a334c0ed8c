//! The dispatch log (调度日志, §57), kept and searchable by dispatchers and admins; and the
//! admin's part: users, stations, devices and the thresholds of the city profile.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use hearth_core::model::{Role, Station, User};
use hearth_core::rules::CityProfile;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::audit::audit;
use super::{Admin, Office, PathId, check_range, found, now, page_size};
use crate::AppState;
use crate::error::{AppError, Error, ErrorCode};
use crate::extract::{Json, Query};
use crate::routes::openapi::schemas::ErrorBody;
use crate::storage::console::{AuditAction, LogEntry};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/console/dispatch-log", post(add_entry).get(search_log))
        .route("/v1/console/admin/users", get(list_users).post(add_user))
        .route("/v1/console/admin/users/{id}/disable", post(disable_user))
        .route("/v1/console/admin/stations", get(list_stations).post(add_station))
        .route("/v1/console/admin/devices", get(list_devices))
        .route("/v1/console/admin/devices/{id}/revoke", post(revoke_device))
        .route("/v1/console/admin/thresholds", get(thresholds).put(set_thresholds))
}

fn bad(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::BadRequest, message)
}

/// The longest dispatch-log entry, characters.
pub const MAX_LOG_TEXT: usize = 4000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogRequest {
    #[schema(pattern = r"\S")]
    pub text: String,
}

/// Writes a dispatch-log entry, stamped with the server's clock.
#[utoipa::path(post, path = "/v1/console/dispatch-log", tag = "console", request_body = LogRequest,
    security(("device_token" = [])),
    responses((status = 201, description = "Kept", body = LogEntry),
        (status = 400, description = "Empty or too long", body = ErrorBody),
        (status = 403, description = "Not a dispatcher or admin", body = ErrorBody)))]
pub async fn add_entry(
    State(state): State<AppState>,
    Office(caller): Office,
    Json(req): Json<LogRequest>,
) -> Result<(StatusCode, Json<LogEntry>), AppError> {
    let text = req.text.trim().to_owned();
    if text.is_empty() {
        return Err(bad("the entry is empty; write what happened"));
    }
    if text.chars().count() > MAX_LOG_TEXT {
        return Err(bad(format!("an entry holds at most {MAX_LOG_TEXT} characters")));
    }
    Ok((StatusCode::CREATED, Json(state.storage.add_log_entry(caller.user.id, text, now()).await?)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Text the entry contains.
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// Dispatch-log entries by date and text, newest first.
#[utoipa::path(get, path = "/v1/console/dispatch-log", tag = "console", params(LogQuery),
    security(("device_token" = [])),
    responses((status = 200, description = "Entries", body = [LogEntry]),
        (status = 400, description = "Bad range", body = ErrorBody),
        (status = 403, description = "Not a dispatcher or admin", body = ErrorBody)))]
pub async fn search_log(
    State(state): State<AppState>,
    _office: Office,
    Query(q): Query<LogQuery>,
) -> Result<Json<Vec<LogEntry>>, AppError> {
    check_range(q.from, q.to)?;
    let text = q.q.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    Ok(Json(state.storage.log_entries(q.from, q.to, text, page_size(q.limit)?).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    #[schema(value_type = String)]
    pub role: Role,
    pub station_id: Option<Uuid>,
    pub disabled_at: Option<DateTime<Utc>>,
}

/// Every user.
#[utoipa::path(get, path = "/v1/console/admin/users", tag = "admin", security(("device_token" = [])),
    responses((status = 200, description = "Users", body = [UserRow]),
        (status = 403, description = "Not an admin", body = ErrorBody)))]
pub async fn list_users(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Json<Vec<UserRow>>, AppError> {
    let users = state.storage.users().await?;
    Ok(Json(
        users
            .into_iter()
            .map(|u| UserRow {
                id: u.user.id,
                username: u.user.username,
                display_name: u.user.display_name,
                role: u.user.role,
                station_id: u.user.station_id,
                disabled_at: u.disabled_at,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[schema(pattern = r"\S", max_length = 64)]
    pub username: String,
    /// At least 8 characters.
    #[schema(min_length = 8)]
    pub password: String,
    #[schema(max_length = 64)]
    pub display_name: Option<String>,
    pub role: Role,
    /// Technicians and inspectors serve one station.
    pub station_id: Option<Uuid>,
}

/// The shortest password the console accepts.
pub const MIN_PASSWORD: usize = 8;
/// The longest username, display name or station name, in characters: a name is read on a
/// screen, and a database indexes it (PostgreSQL refuses index entries past ~2.7 KB).
pub const MAX_NAME: usize = 64;

/// `text` refused in words if it is longer than [`MAX_NAME`] characters.
fn short_name(what: &str, text: &str) -> Result<(), AppError> {
    let n = text.chars().count();
    if n > MAX_NAME {
        return Err(bad(format!("{what} may have at most {MAX_NAME} characters, not {n}")));
    }
    Ok(())
}

/// Adds a user.
#[utoipa::path(post, path = "/v1/console/admin/users", tag = "admin", request_body = NewUser,
    security(("device_token" = [])),
    responses((status = 201, description = "Added", body = UserRow),
        (status = 400, description = "Bad input or a taken username; nothing stored", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody)))]
pub async fn add_user(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Json(req): Json<NewUser>,
) -> Result<(StatusCode, Json<UserRow>), AppError> {
    let username = req.username.trim().to_owned();
    if username.is_empty() {
        return Err(bad("the username is empty"));
    }
    short_name("a username", &username)?;
    short_name("a display name", req.display_name.as_deref().unwrap_or_default().trim())?;
    if req.password.chars().count() < MIN_PASSWORD {
        return Err(bad(format!("the password needs at least {MIN_PASSWORD} characters")));
    }
    let crew = matches!(req.role, Role::Technician | Role::Inspector);
    match (crew, req.station_id) {
        (true, None) => return Err(bad("technicians and inspectors serve one station: give station_id")),
        (false, Some(_)) => {
            return Err(bad("dispatchers and admins serve every station: leave station_id out"));
        }
        (true, Some(id)) if !state.storage.stations().await?.iter().any(|s| s.id == id) => {
            return Err(bad(format!("there is no station {id}")));
        }
        _ => {}
    }
    let password = req.password;
    let hash = tokio::task::spawn_blocking(move || {
        crate::auth::hash_password(&password, crate::auth::default_cost())
    })
    .await
    .map_err(Error::from)??;
    let user = User {
        id: hearth_core::new_id(),
        display_name: req
            .display_name
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| username.clone()),
        username,
        role: req.role,
        station_id: req.station_id,
    };
    let detail = serde_json::json!({
        "username": user.username, "display_name": user.display_name, "role": user.role,
        "station_id": user.station_id,
    });
    let audit = audit(&caller, AuditAction::UserAdded, Some(user.id), detail);
    match state.storage.add_user_audited(user.clone(), hash, audit).await {
        Ok(()) => {}
        Err(Error::Refused(message)) => return Err(bad(message)),
        Err(e) => return Err(e.into()),
    }
    Ok((
        StatusCode::CREATED,
        Json(UserRow {
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            role: user.role,
            station_id: user.station_id,
            disabled_at: None,
        }),
    ))
}

/// Disables a user: no new login, and every device they use is revoked.
#[utoipa::path(post, path = "/v1/console/admin/users/{id}/disable", tag = "admin",
    params(("id" = Uuid, Path, description = "The user's id")), security(("device_token" = [])),
    responses((status = 204, description = "Disabled"),
        (status = 400, description = "Disabling yourself", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody)))]
pub async fn disable_user(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
) -> Result<StatusCode, AppError> {
    if id == caller.user.id {
        return Err(bad("you cannot disable your own account; ask another admin"));
    }
    let username =
        state.storage.users().await?.into_iter().find(|u| u.user.id == id).map(|u| u.user.username);
    let detail = serde_json::json!({"username": username});
    let audit = audit(&caller, AuditAction::UserDisabled, Some(id), detail);
    if !state.storage.disable_user_audited(id, audit).await? {
        return Err(AppError::new(ErrorCode::NotFound, format!("there is no user {id}")));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Every station.
#[utoipa::path(get, path = "/v1/console/admin/stations", tag = "admin", security(("device_token" = [])),
    responses((status = 200, description = "Stations", body = [crate::routes::openapi::schemas::Station]),
        (status = 403, description = "Not an admin", body = ErrorBody)))]
pub async fn list_stations(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Json<Vec<Station>>, AppError> {
    Ok(Json(state.storage.stations().await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStation {
    #[schema(pattern = r"\S", max_length = 64)]
    pub name: String,
}

/// Adds a station.
#[utoipa::path(post, path = "/v1/console/admin/stations", tag = "admin", request_body = NewStation,
    security(("device_token" = [])),
    responses((status = 201, description = "Added", body = crate::routes::openapi::schemas::Station),
        (status = 400, description = "Empty or taken name", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody)))]
pub async fn add_station(
    State(state): State<AppState>,
    _admin: Admin,
    Json(req): Json<NewStation>,
) -> Result<(StatusCode, Json<Station>), AppError> {
    let name = req.name.trim().to_owned();
    if name.is_empty() {
        return Err(bad("the station's name is empty"));
    }
    short_name("a station's name", &name)?;
    if state.storage.stations().await?.iter().any(|s| s.name == name) {
        return Err(bad(format!("a station is already named {name:?}")));
    }
    let station = Station { id: hearth_core::new_id(), name };
    state.storage.upsert_stations(vec![station.clone()]).await?;
    Ok((StatusCode::CREATED, Json(station)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceRow {
    pub id: Uuid,
    pub name: String,
    pub username: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The device's last contact (to the minute; a login counts); null when it has not been
    /// heard from since the server started recording it.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Every device that has logged in.
#[utoipa::path(get, path = "/v1/console/admin/devices", tag = "admin", security(("device_token" = [])),
    responses((status = 200, description = "Devices", body = [DeviceRow]),
        (status = 403, description = "Not an admin", body = ErrorBody)))]
pub async fn list_devices(
    State(state): State<AppState>,
    _admin: Admin,
) -> Result<Json<Vec<DeviceRow>>, AppError> {
    let devices = state.storage.devices().await?;
    Ok(Json(
        devices
            .into_iter()
            .map(|d| DeviceRow {
                id: d.id,
                name: d.name,
                username: d.username,
                created_at: d.created_at,
                revoked_at: d.revoked_at,
                last_used_at: d.last_used_at,
            })
            .collect(),
    ))
}

/// Revokes a device: its token is refused from now on (a lost tablet).
#[utoipa::path(post, path = "/v1/console/admin/devices/{id}/revoke", tag = "admin",
    params(("id" = Uuid, Path, description = "The device's id")), security(("device_token" = [])),
    responses((status = 204, description = "Revoked"),
        (status = 404, description = "No such device", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody)))]
pub async fn revoke_device(
    State(state): State<AppState>,
    Admin(caller): Admin,
    PathId(id): PathId,
) -> Result<StatusCode, AppError> {
    let device = state.storage.devices().await?.into_iter().find(|d| d.id == id);
    let detail = serde_json::json!({
        "name": device.as_ref().map(|d| &d.name), "username": device.as_ref().map(|d| &d.username),
    });
    let audit = audit(&caller, AuditAction::DeviceRevoked, Some(id), detail);
    found(state.storage.revoke_device_audited(id, audit).await?.then_some(()), "device", id)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The city profile's thresholds in force.
#[utoipa::path(get, path = "/v1/console/admin/thresholds", tag = "admin", security(("device_token" = [])),
    responses((status = 200, description = "hearth-core `CityProfile`", body = Object),
        (status = 403, description = "Not an admin", body = ErrorBody)))]
pub async fn thresholds(State(state): State<AppState>, _admin: Admin) -> Result<Json<CityProfile>, AppError> {
    Ok(Json(state.storage.city_profile().await?))
}

/// Replaces the thresholds, after checking them.
#[utoipa::path(put, path = "/v1/console/admin/thresholds", tag = "admin", request_body = Object,
    security(("device_token" = [])),
    responses((status = 200, description = "Stored", body = Object),
        (status = 400, description = "A value out of range; nothing stored", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody)))]
pub async fn set_thresholds(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Json(mut profile): Json<CityProfile>,
) -> Result<Json<CityProfile>, AppError> {
    profile.company_name = profile.company_name.trim().to_owned();
    let problems = check_profile(&profile);
    if !problems.is_empty() {
        return Err(bad(format!("the thresholds were not stored: {}", problems.join("; "))));
    }
    // Storage fills in the detail: the fields that changed, old and new.
    let audit = audit(&caller, AuditAction::ThresholdsChanged, None, serde_json::json!({}));
    state.storage.set_city_profile_audited(profile.clone(), audit).await?;
    Ok(Json(profile))
}

/// The longest company name, characters: it heads a printed A4 report on one line.
pub const MAX_COMPANY_NAME: usize = 40;

/// Every reason a profile is unusable, in words.
pub fn check_profile(p: &CityProfile) -> Vec<String> {
    let mut out = Vec::new();
    let mut within = |name: &str, v: f64, lo: f64, hi: f64| {
        if !(lo..=hi).contains(&v) {
            out.push(format!("{name} must be between {lo} and {hi}, not {v}"));
        }
    };
    within("indoor_standard_c", p.indoor_standard_c, 10.0, 30.0);
    within("design_outdoor_c", p.design_outdoor_c, -50.0, 10.0);
    within("min_doors_closed_minutes", f64::from(p.min_doors_closed_minutes), 0.0, 24.0 * 60.0);
    within("probe_height_min_m", p.probe_height_min_m, 0.1, 3.0);
    within("probe_height_max_m", p.probe_height_max_m, 0.1, 3.0);
    within("area_tolerance_pct", p.area_tolerance_pct, 0.0, 50.0);
    within("max_household_area_m2", p.max_household_area_m2, 10.0, 100_000.0);
    within("arrive_within_hours", f64::from(p.arrive_within_hours), 1.0, 168.0);
    within("fix_within_hours", f64::from(p.fix_within_hours), 1.0, 168.0);
    within("price_yuan_per_m2", p.price_yuan_per_m2, 0.0, 1000.0);
    within("season_days", f64::from(p.season_days), 1.0, 366.0);
    if p.probe_height_min_m > p.probe_height_max_m {
        out.push("probe_height_min_m is above probe_height_max_m".to_owned());
    }
    let name = p.company_name.chars().count();
    if !(1..=MAX_COMPANY_NAME).contains(&name) {
        out.push(format!(
            "company_name is printed on every report: 1 to {MAX_COMPANY_NAME} characters, not {name}"
        ));
    }
    if p.arrive_within_hours > p.fix_within_hours {
        out.push("arrive_within_hours is longer than fix_within_hours".to_owned());
    }
    for (i, t) in p.refund_tiers.iter().enumerate() {
        if !(0.0..=100.0).contains(&t.refund_pct) || !(0.0..=30.0).contains(&t.shortfall_from_c) {
            out.push(format!("refund tier {}: refund_pct 0–100 and shortfall_from_c 0–30", i + 1));
        }
        if let Some(prev) = i.checked_sub(1).map(|j| p.refund_tiers[j])
            && (t.shortfall_from_c <= prev.shortfall_from_c || t.refund_pct < prev.refund_pct)
        {
            out.push(format!("refund tier {}: tiers must ascend by shortfall and refund", i + 1));
        }
    }
    out
}

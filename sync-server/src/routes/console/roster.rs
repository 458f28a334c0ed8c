//! `GET /v1/console/roster`: the stations and the field staff a dispatcher assigns work to
//! and filters by. The admin's user list is admin-only; this is the part of it the office
//! needs every day (no disabled users, no office accounts).

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use hearth_core::model::{Role, Station};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::Office;
use crate::AppState;
use crate::error::AppError;
use crate::extract::Json;
use crate::routes::openapi::schemas::ErrorBody;

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/console/roster", get(roster))
}

/// A technician or inspector who can take work.
#[derive(Debug, Serialize, ToSchema)]
pub struct CrewMember {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    #[schema(value_type = String)]
    pub role: Role,
    pub station_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Roster {
    pub stations: Vec<Station>,
    pub crew: Vec<CrewMember>,
}

/// Stations, and the technicians and inspectors who are not disabled.
#[utoipa::path(get, path = "/v1/console/roster", tag = "console", security(("device_token" = [])),
    responses((status = 200, description = "Stations and field staff", body = Roster),
        (status = 403, description = "Not a dispatcher or admin", body = ErrorBody)))]
pub async fn roster(State(state): State<AppState>, _office: Office) -> Result<Json<Roster>, AppError> {
    let stations = state.storage.stations().await?;
    let crew = state
        .storage
        .users()
        .await?
        .into_iter()
        .filter(|u| u.disabled_at.is_none() && matches!(u.user.role, Role::Technician | Role::Inspector))
        .map(|u| CrewMember {
            id: u.user.id,
            username: u.user.username,
            display_name: u.user.display_name,
            role: u.user.role,
            station_id: u.user.station_id,
        })
        .collect();
    Ok(Json(Roster { stations, crew }))
}

//! Authentication and shared plumbing of the staff JSON API (`/api/v1/cases`, `/devices`,
//! `/reports`): staff API tokens (`Authorization: Bearer kojo_…`, made with `kojo token create`),
//! reading a JSON body, and the read audit. A leaf module: it imports no router.

use axum::Json;
use axum::extract::FromRequestParts;
use axum::extract::rejection::JsonRejection;
use axum::http::header;
use axum::http::request::Parts;
use domain::access::Role;
use store::accounts::UserRecord;
use store::audit::NewAuditEntry;
use uuid::Uuid;

use crate::AppState;
use crate::client::ClientIp;
use crate::error::ApiError;

/// A staff user authenticated by an API token.
pub struct ApiStaff(pub UserRecord);

impl ApiStaff {
    pub fn actor(&self, ip: ClientIp) -> app::Actor {
        app::Actor::user(&self.0, app::Via::Api, ip.to_db())
    }

    pub fn require(&self, allowed: impl Fn(Role) -> bool) -> Result<(), ApiError> {
        if allowed(self.0.role) { Ok(()) } else { Err(ApiError::Forbidden) }
    }
}

impl FromRequestParts<AppState> for ApiStaff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(ApiError::Unauthorized)?;
        let user = store::accounts::api_token_user(&state.db, token.trim(), state.clock.now())
            .await?
            .ok_or(ApiError::Unauthorized)?;
        Ok(ApiStaff(user))
    }
}

pub fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(value)| value).map_err(ApiError::from)
}

/// Records that `staff` read personal data of `application` (or a list of it, with `None`).
pub async fn audit(
    state: &AppState,
    staff: &ApiStaff,
    ip: ClientIp,
    action: &'static str,
    application: Option<Uuid>,
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    store::audit::record(
        &state.db,
        NewAuditEntry {
            actor: staff.actor(ip).audit(),
            action,
            subject_type: "application",
            subject_id: application.map(|id| id.to_string()),
            ip: ip.to_db(),
            detail,
        },
        state.clock.now(),
    )
    .await?;
    Ok(())
}

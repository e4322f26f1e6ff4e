//! Authentication and shared plumbing of the JSON API: staff API tokens for `/api/v1/cases`,
//! `/devices` and `/reports` (`Authorization: Bearer kojo_…`, made with `kojo token create`),
//! reading a JSON body, a path and a query with errors in the API's JSON shape, and the read
//! audit. A leaf module: it imports no router.

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use domain::access::Role;
use serde::de::DeserializeOwned;
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

/// A JSON body. One that cannot be read answers 400 (not JSON), 413 (too large), 415 (not
/// `application/json`) or 422 (the wrong shape), each with the API's JSON error body.
pub struct ApiJson<T>(pub T);

/// A request body type, and where it holds JSON objects: serde would also read a struct from an
/// array of its fields, which the API's document does not allow.
pub trait JsonBody: DeserializeOwned {
    /// The members that are objects (the body itself always is).
    const OBJECTS: &'static [&'static str] = &[];
}

impl<T: JsonBody, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(value) = Json::<serde_json::Value>::from_request(request, state).await?;
        let not_object = |at: &str| {
            ApiError::Unreadable(StatusCode::UNPROCESSABLE_ENTITY, crate::messages::api::object_expected(at))
        };
        let object = value.as_object().ok_or_else(|| not_object("the body"))?;
        if let Some(member) = T::OBJECTS.iter().find(|member| object.get(**member).is_some_and(|v| v.is_array())) {
            return Err(not_object(member));
        }
        // The body is read from the parsed value; only when that fails is it read from the text
        // again, for serde's errors naming the field (`company.employees: …`).
        match T::deserialize(&value) {
            Ok(body) => Ok(ApiJson(body)),
            Err(_) => {
                let Json(body) = Json::<T>::from_bytes(&serde_json::to_vec(&value).unwrap_or_default())?;
                Ok(ApiJson(body))
            }
        }
    }
}

/// Path parameters. A segment that does not parse (an id that is not a UUID, bytes that are not
/// UTF-8) names nothing: 404, as for an id that does not exist.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(value) = Path::<T>::from_request_parts(parts, state).await.map_err(|_| ApiError::NotFound)?;
        Ok(ApiPath(value))
    }
}

/// Query parameters. A query that cannot be read (a parameter given twice, say) answers 400.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(value) = Query::<T>::from_request_parts(parts, state).await.map_err(|rejection| {
            ApiError::Unreadable(
                axum::http::StatusCode::BAD_REQUEST,
                crate::messages::api::unreadable_query(&rejection.body_text()),
            )
        })?;
        Ok(ApiQuery(value))
    }
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

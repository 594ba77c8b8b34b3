//! The caller: a verified JWT naming one organization, its roles and the units it is
//! scoped to. Handlers take `Caller` as an extractor and never see another organization.

use futures_util::future::LocalBoxFuture;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpMessage, HttpRequest};
use serde::{Deserialize, Serialize};

pub mod keys;
pub use keys::{ClaimNames, TokenKeys, Verifier};

use crate::db::types::Id;
use crate::error::AppError;
use crate::rules::permissions::{self, Action, Kind, Reach, Role};

/// The claims of the tokens this service issues for local use (`malstyrning token`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Who the caller is (a user or system id).
    pub sub: String,
    /// The organization's id.
    pub org: String,
    #[serde(default)]
    pub roles: Vec<String>,
    /// Units the caller's scoped roles (board, manager, team_member) apply to, with every
    /// unit below them.
    #[serde(default)]
    pub units: Vec<String>,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The authenticated caller of one request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub subject: String,
    /// A display name, when the token carries one.
    pub name: Option<String>,
    /// The request's `X-Request-Id`, for the audit trail.
    pub request_id: Option<String>,
    pub organization_id: Id,
    pub roles: Vec<Role>,
    pub units: Vec<Id>,
    /// The `Idempotency-Key` this request claimed, if any: its answer is stored in the
    /// write's transaction (`api::Answer::kept`).
    pub idempotency: Option<crate::store::idempotency::KeyClaim>,
}

impl Caller {
    fn from_claims(claims: keys::VerifiedClaims) -> Result<Caller, AppError> {
        let organization_id = claims.organization.parse().map_err(|_| {
            AppError::Unauthorized("the token's `org` claim is not an organization id".into())
        })?;
        // Unknown role names are ignored rather than rejected, so that an identity provider
        // may carry roles meant for other systems.
        let roles = claims.roles.iter().filter_map(|r| r.parse().ok()).collect();
        let units = claims
            .units
            .iter()
            .map(|u| u.parse())
            .collect::<Result<Vec<Id>, _>>()
            .map_err(|_| {
                AppError::Unauthorized(
                    "the token's `units` claim holds a value that is not a unit id".into(),
                )
            })?;
        Ok(Caller {
            subject: claims.subject,
            name: claims.name,
            request_id: None,
            organization_id,
            roles,
            units,
            idempotency: None,
        })
    }

    /// Who wrote, as the audit trail records it.
    pub fn actor(&self) -> crate::store::audit::Actor {
        crate::store::audit::Actor {
            organization_id: self.organization_id.clone(),
            subject: self.subject.clone(),
            name: self.name.clone(),
            request_id: self.request_id.clone(),
        }
    }

    /// How far the caller may write a kind; 403 when not at all.
    pub fn write_reach(&self, kind: Kind) -> Result<Reach, AppError> {
        crate::domain::write::write_reach(&self.roles, kind)
    }

    /// 403 unless one of the caller's roles allows `action`.
    pub fn require(&self, action: Action) -> Result<(), AppError> {
        if permissions::allows(&self.roles, action) {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "your roles do not allow {}",
                action.describe()
            )))
        }
    }
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Caller, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let idempotency = req
            .extensions()
            .get::<crate::store::idempotency::KeyClaim>()
            .cloned();
        // Verified once per request: the rate limiter keys by the caller and leaves it here.
        if let Some(mut caller) = req.extensions().get::<Caller>().cloned() {
            caller.idempotency = idempotency;
            return Box::pin(async move { Ok(caller) });
        }
        let read = read_request(req);
        Box::pin(async move {
            let (verifier, token, request_id) = read?;
            let claims = match verifier.recall(&token) {
                Some(claims) => claims,
                None => {
                    // Keys published at a URL are fetched when due, or when the token names
                    // a key not yet known (the provider rotated its keys).
                    verifier
                        .refresh_if_due(verifier.lacks_key_for(&token))
                        .await;
                    verifier.verify(&token)?
                }
            };
            let mut caller = Caller::from_claims(claims)?;
            caller.request_id = request_id;
            caller.idempotency = idempotency;
            Ok(caller)
        })
    }
}

/// The verifier, the bearer token and the request id of a request.
fn read_request(
    req: &HttpRequest,
) -> Result<(web::Data<Verifier>, String, Option<String>), AppError> {
    let verifier = req
        .app_data::<web::Data<Verifier>>()
        .cloned()
        .ok_or_else(|| AppError::Internal("token keys are not configured".into()))?;
    let token = bearer_token(req)?;
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Ok((verifier, token.to_string(), request_id))
}

/// The token of `Authorization: Bearer <token>`, or 401 saying what is wrong.
pub fn bearer_token(req: &HttpRequest) -> Result<&str, AppError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        AppError::Unauthorized("this endpoint needs `Authorization: Bearer <token>`".into())
    })?;
    let text = value.to_str().map_err(|_| {
        AppError::Unauthorized("the Authorization header is not readable text".into())
    })?;
    let token = text
        .strip_prefix("Bearer ")
        .or_else(|| text.strip_prefix("bearer "))
        .ok_or_else(|| {
            AppError::Unauthorized("the Authorization header must use the Bearer scheme".into())
        })?;
    Ok(token.trim())
}

//! Every answer the gateway gives other than success, as the `{"errors": [...]}` envelope.
//!
//! One enum for the HTTP boundary: each arm is an answer a partner can act on. Causes are
//! logged once here (with their codes, never request data) and never sent to the client.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use schema::{ErrorCode, Problem, Problems};
use serde::Serialize;

/// Seconds a partner is asked to wait before retrying when the broker or the store is away.
const RETRY_AFTER_SECONDS: &str = "5";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("missing or wrong credentials")]
    Unauthorized,
    #[error("body over {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("not UTF-8 JSON")]
    UnsupportedMediaType,
    #[error("invalid request")]
    Invalid(Problems),
    #[error("not found")]
    NotFound,
    #[error("idempotency key in flight")]
    InFlight,
    #[error("rate limited")]
    RateLimited { retry_after: std::time::Duration },
    #[error("body not received in time")]
    BodyTimeout,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("broker unavailable")]
    BrokerUnavailable(#[source] anyhow::Error),
    #[error("store unavailable")]
    StoreUnavailable(#[source] anyhow::Error),
}

impl ApiError {
    pub fn store(error: impl Into<anyhow::Error>) -> Self {
        ApiError::StoreUnavailable(error.into())
    }

    fn problems(&self) -> Vec<Problem> {
        let one = |code: ErrorCode, detail: &'static str| vec![Problem::new("", code, detail)];
        match self {
            ApiError::Unauthorized => one(
                ErrorCode::Unauthorized,
                "HTTP Basic credentials of a partner are required",
            ),
            ApiError::PayloadTooLarge { limit } => vec![Problem::new(
                "",
                ErrorCode::PayloadTooLarge,
                format!("the body must be at most {limit} bytes"),
            )],
            ApiError::UnsupportedMediaType => one(
                ErrorCode::UnsupportedMediaType,
                "the body must be UTF-8 JSON sent as `Content-Type: application/json` (charset, if given, utf-8)",
            ),
            ApiError::Invalid(problems) => problems.0.clone(),
            ApiError::RateLimited { .. } => one(
                ErrorCode::RateLimited,
                "too many requests or failed logins; retry after the time in Retry-After",
            ),
            ApiError::BodyTimeout => one(
                ErrorCode::InvalidJson,
                "the body did not arrive in time; send it at once",
            ),
            ApiError::InFlight => one(
                ErrorCode::IdempotencyKeyInFlight,
                "a request with this Idempotency-Key is still being processed; retry shortly",
            ),
            // Not contract codes: the envelope stays the same for every answer.
            ApiError::NotFound => vec![],
            ApiError::MethodNotAllowed => vec![],
            ApiError::BrokerUnavailable(_) => one(
                ErrorCode::BrokerUnavailable,
                "the message broker is unavailable; nothing of this batch was accepted, retry later",
            ),
            ApiError::StoreUnavailable(_) => one(
                ErrorCode::StoreUnavailable,
                "the database is unavailable; retry later (re-send the whole batch)",
            ),
        }
    }
}

#[derive(Serialize)]
struct Envelope<'a> {
    errors: &'a [Problem],
}

#[derive(Serialize)]
struct PlainProblem {
    source: &'static str,
    detail: &'static str,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Invalid(problems) if problems.any_malformed() => StatusCode::BAD_REQUEST,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::InFlight => StatusCode::CONFLICT,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            // Contract §1 has no 408: an incomplete body is unreadable JSON.
            ApiError::BodyTimeout => StatusCode::BAD_REQUEST,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::BrokerUnavailable(_) | ApiError::StoreUnavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let mut response = HttpResponse::build(status);
        match self {
            ApiError::Unauthorized => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"billing\""),
                ));
            }
            ApiError::BrokerUnavailable(cause) | ApiError::StoreUnavailable(cause) => {
                tracing::warn!(error.code = %self.problems()[0].code, error.cause = %format!("{cause:#}"), "request refused: dependency unavailable");
                response.insert_header((
                    header::RETRY_AFTER,
                    HeaderValue::from_static(RETRY_AFTER_SECONDS),
                ));
            }
            ApiError::RateLimited { retry_after } => {
                let seconds = retry_after.as_secs().max(1).to_string();
                if let Ok(value) = HeaderValue::from_str(&seconds) {
                    response.insert_header((header::RETRY_AFTER, value));
                }
            }
            _ => {}
        }
        let problems = self.problems();
        if problems.is_empty() {
            let detail = if status == StatusCode::NOT_FOUND {
                "no such resource"
            } else {
                "method not allowed here"
            };
            return response
                .json(serde_json::json!({ "errors": [PlainProblem { source: "", detail }] }));
        }
        response.json(Envelope { errors: &problems })
    }
}

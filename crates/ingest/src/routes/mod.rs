//! HTTP routes: one module per resource.

pub mod accounts;
pub mod billing;
pub mod health;
pub mod status;

use crate::api_error::ApiError;
use actix_web::{HttpResponse, ResponseError};
use schema::{ErrorCode, Problem};

/// Unknown paths answer 404 in the error envelope, like every other error.
pub async fn not_found() -> HttpResponse {
    ApiError::NotFound.error_response()
}

pub async fn method_not_allowed() -> HttpResponse {
    ApiError::MethodNotAllowed.error_response()
}

/// Every timestamp the API shows: RFC 3339 in UTC with milliseconds, as in
/// `2022-09-27T03:17:19.546Z`.
pub fn api_timestamp(value: jiff::Timestamp) -> String {
    value.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// [`api_timestamp`] of a stored `timestamptz`.
pub fn api_time(value: time::OffsetDateTime) -> String {
    api_timestamp(runtime::db::from_db_time(value))
}

/// A query string that cannot even be decoded answers in the envelope like everything else.
pub fn query_error(
    error: actix_web::error::QueryPayloadError,
    _: &actix_web::HttpRequest,
) -> actix_web::Error {
    let _ = error;
    ApiError::Invalid(schema::Problems(vec![Problem::new(
        "",
        ErrorCode::InvalidType,
        "the query string cannot be decoded",
    )]))
    .into()
}

/// A problem with a query parameter: its `source` is the parameter's name.
pub fn query_problem(name: &'static str, code: ErrorCode, detail: &'static str) -> Problem {
    Problem::new(name, code, detail)
}

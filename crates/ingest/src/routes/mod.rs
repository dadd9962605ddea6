//! HTTP routes: one module per resource.

pub mod billing;
pub mod health;

use crate::api_error::ApiError;
use actix_web::{HttpResponse, ResponseError};

/// Unknown paths answer 404 in the error envelope, like every other error.
pub async fn not_found() -> HttpResponse {
    ApiError::NotFound.error_response()
}

pub async fn method_not_allowed() -> HttpResponse {
    ApiError::MethodNotAllowed.error_response()
}

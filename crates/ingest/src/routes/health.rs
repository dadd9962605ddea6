//! `GET /readyz` (broker and database reachable now) and `GET /openapi.yaml`; `/healthz` and
//! `/metrics` are the shared ones of `runtime::http`.

use crate::startup::AppState;
use actix_web::{HttpResponse, web};

pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let (database, broker) = tokio::join!(
        sqlx::query("select 1").execute(&state.db),
        state.publisher.is_ready()
    );
    runtime::http::readiness(database.is_ok(), broker)
}

/// The API description, `docs/openapi.yaml`, served as it is in the repository.
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/yaml")
        .body(include_str!("../../../../docs/openapi.yaml"))
}

//! `GET /healthz` (the process is alive) and `GET /readyz` (broker and database reachable now).

use crate::startup::AppState;
use actix_web::{HttpResponse, web};
use serde_json::json;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let (database, broker) = tokio::join!(
        sqlx::query("select 1").execute(&state.db),
        state.publisher.is_ready()
    );
    let database = database.is_ok();
    let body = json!({
        "status": if database && broker { "ready" } else { "unavailable" },
        "database": if database { "up" } else { "down" },
        "broker": if broker { "up" } else { "down" },
    });
    if database && broker {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "5"))
            .json(body)
    }
}

/// Prometheus metrics of this gateway process.
pub async fn metrics() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(runtime::metrics::render())
}

/// The API description, `docs/openapi.yaml`, served as it is in the repository.
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/yaml")
        .body(include_str!("../../../../docs/openapi.yaml"))
}

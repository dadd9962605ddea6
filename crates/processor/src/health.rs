//! The processor's own small HTTP server: `/healthz` (alive), `/readyz` (consuming, and the
//! database reachable now) and `/metrics` (Prometheus).

use actix_web::{HttpResponse, web};
use serde_json::json;
use sqlx::PgPool;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub struct HealthState {
    pub db: PgPool,
    pub consuming: Arc<AtomicBool>,
}

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

pub async fn readyz(state: web::Data<HealthState>) -> HttpResponse {
    let database = sqlx::query("select 1").execute(&state.db).await.is_ok();
    let broker = state.consuming.load(Ordering::SeqCst);
    let body = json!({
        "status": if database && broker { "ready" } else { "unavailable" },
        "database": if database { "up" } else { "down" },
        "broker": if broker { "up" } else { "down" },
    });
    if database && broker {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

pub async fn metrics() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(runtime::metrics::render())
}

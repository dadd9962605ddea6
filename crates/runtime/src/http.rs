//! The operational endpoints both binaries serve: `/healthz`, `/readyz`, `/metrics`.

use actix_web::HttpResponse;
use serde_json::json;

/// `GET /healthz`: the process runs.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// `GET /metrics`: Prometheus text of this process.
pub async fn metrics() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(crate::metrics::render())
}

/// The `/readyz` answer: 200 when both are reachable, else 503 naming which is down.
pub fn readiness(database: bool, broker: bool) -> HttpResponse {
    let state = |up: bool| if up { "up" } else { "down" };
    let body = json!({
        "status": if database && broker { "ready" } else { "unavailable" },
        "database": state(database),
        "broker": state(broker),
    });
    if database && broker {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "5"))
            .json(body)
    }
}

//! The processor's readiness: consuming, and the database reachable now. `/healthz` and
//! `/metrics` are the shared ones of `runtime::http`.

use actix_web::{HttpResponse, web};
use sqlx::PgPool;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub struct HealthState {
    pub db: PgPool,
    pub consuming: Arc<AtomicBool>,
}

pub async fn readyz(state: web::Data<HealthState>) -> HttpResponse {
    let database = sqlx::query("select 1").execute(&state.db).await.is_ok();
    let broker = state.consuming.load(Ordering::SeqCst);
    runtime::http::readiness(database, broker)
}

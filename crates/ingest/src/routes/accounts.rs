//! The partner's applied view of one account (contract §3): its links with their products and
//! effective states as of a moment (default now), and how many of its rows are still queued.

use crate::api_error::ApiError;
use crate::partners::Partner;
use crate::routes::{api_time, query_problem};
use crate::startup::AppState;
use actix_web::{HttpResponse, web};
use jiff::Timestamp;
use runtime::db::{from_db_time, to_db_time};
use schema::ErrorCode;
use schema::state::{EffectiveState, effective_state};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountQuery {
    as_of: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountView {
    account_id: String,
    as_of: String,
    /// Rows of this account accepted but not yet processed.
    queued: i64,
    records: Vec<LinkView>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LinkView {
    external_id: String,
    record_id: Uuid,
    apartment: String,
    address: String,
    products: Vec<ProductView>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProductView {
    code: String,
    state: EffectiveState,
    started_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    finished_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    block_reason: Option<String>,
}

type LinkRow = (
    String,
    Uuid,
    String,
    String,
    Vec<String>,
    time::OffsetDateTime,
    Option<time::OffsetDateTime>,
    Option<String>,
);

pub async fn get(
    partner: Partner,
    account_id: web::Path<String>,
    query: web::Query<AccountQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let as_of = match query.into_inner().as_of.filter(|s| !s.is_empty()) {
        None => Timestamp::now(),
        Some(text) => schema::fields::dates::WrittenDate::parse(&text)
            .and_then(|d| d.start(&state.limits.zone))
            .map_err(|_| {
                ApiError::Invalid(schema::Problems(vec![query_problem(
                    "asOf",
                    ErrorCode::InvalidDate,
                    "must be an ISO 8601 date or date-time",
                )]))
            })?,
    };
    let account_id = account_id.into_inner();
    // No stored account number holds a control character (the intake refuses them).
    if !schema::fields::text::is_printable(&account_id) {
        return Err(ApiError::NotFound);
    }
    let links: Vec<LinkRow> = sqlx::query_as(
        "select external_id, record_id, apartment, address, product_codes, started_at, finished_at, block_reason
         from links where partner_id = $1 and account_id = $2 order by external_id",
    )
    .bind(partner.id)
    .bind(&account_id)
    .fetch_all(&state.db)
    .await
    .map_err(ApiError::store)?;
    if links.is_empty() {
        return Err(ApiError::NotFound);
    }
    let queued: i64 = sqlx::query_scalar(
        "select count(*) from record_status where partner_id = $1 and account_id = $2 and status = 'queued'",
    )
    .bind(partner.id)
    .bind(&account_id)
    .fetch_one(&state.db)
    .await
    .map_err(ApiError::store)?;
    let records = links
        .into_iter()
        .map(
            |(
                external_id,
                record_id,
                apartment,
                address,
                codes,
                started_at,
                finished_at,
                block_reason,
            )| {
                let products = codes
                    .into_iter()
                    .map(|code| ProductView {
                        code,
                        state: effective_state(
                            from_db_time(started_at),
                            finished_at.map(from_db_time),
                            block_reason.is_some(),
                            as_of,
                        ),
                        started_at: api_time(started_at),
                        finished_at: finished_at.map(api_time),
                        block_reason: block_reason.clone(),
                    })
                    .collect();
                LinkView {
                    external_id,
                    record_id,
                    apartment,
                    address,
                    products,
                }
            },
        )
        .collect();
    Ok(HttpResponse::Ok().json(AccountView {
        account_id,
        as_of: api_time(to_db_time(as_of)),
        queued,
        records,
    }))
}

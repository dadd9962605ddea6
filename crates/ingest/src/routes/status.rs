//! The status of accepted records (contract §3): one row by id, or the partner's rows newest
//! first with cursor pagination. A partner sees only its own rows: an unknown, malformed or
//! foreign id is 404.

use crate::api_error::ApiError;
use crate::partners::Partner;
use crate::routes::{api_time, query_problem};
use crate::startup::AppState;
use actix_web::{HttpResponse, web};
use schema::ErrorCode;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;
const STATUSES: [&str; 4] = ["queued", "applied", "superseded", "failed"];

type StatusRow = (
    Uuid,
    String,
    String,
    time::OffsetDateTime,
    Option<time::OffsetDateTime>,
    Option<Uuid>,
    Option<serde_json::Value>,
);

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordStatus {
    id: Uuid,
    external_id: String,
    status: String,
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    processed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    superseded_by: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<serde_json::Value>,
}

impl From<StatusRow> for RecordStatus {
    fn from(
        (id, external_id, status, created_at, processed_at, superseded_by, errors): StatusRow,
    ) -> Self {
        RecordStatus {
            id,
            external_id,
            status,
            created_at: api_time(created_at),
            processed_at: processed_at.map(api_time),
            superseded_by,
            errors,
        }
    }
}

const COLUMNS: &str = "id, external_id, status, created_at, processed_at, superseded_by, errors";

pub async fn get_one(
    partner: Partner,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Ok(id) = Uuid::parse_str(&id) else {
        return Err(ApiError::NotFound);
    };
    let row: Option<StatusRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from record_status where id = $1 and partner_id = $2"
    )))
    .bind(id)
    .bind(partner.id)
    .fetch_optional(&state.db)
    .await
    .map_err(ApiError::store)?;
    let row = row.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(RecordStatus::from(row)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    external_id: Option<String>,
    status: Option<String>,
    since: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    data: Vec<RecordStatus>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<Uuid>,
}

pub async fn list(
    partner: Partner,
    query: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let mut problems = schema::Problems::default();
    let external_id = query.external_id.filter(|s| !s.is_empty());
    if external_id
        .as_deref()
        .is_some_and(|e| !schema::fields::text::is_printable(e))
    {
        problems.0.push(query_problem(
            "externalId",
            ErrorCode::InvalidType,
            "must be a string without control characters",
        ));
    }
    let status = query.status.filter(|s| !s.is_empty());
    if status.as_deref().is_some_and(|s| !STATUSES.contains(&s)) {
        problems.0.push(query_problem(
            "status",
            ErrorCode::InvalidType,
            "must be one of queued, applied, superseded, failed",
        ));
    }
    let since = match query.since.filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => match schema::fields::dates::WrittenDate::parse(&text)
            .and_then(|d| d.start(&state.limits.zone))
        {
            Ok(ts) => Some(runtime::db::to_db_time(ts)),
            Err(_) => {
                problems.0.push(query_problem(
                    "since",
                    ErrorCode::InvalidDate,
                    "must be an ISO 8601 date or date-time",
                ));
                None
            }
        },
    };
    let cursor = match query.cursor.filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Uuid::parse_str(&text)
            .map_err(|_| {
                problems.0.push(query_problem(
                    "cursor",
                    ErrorCode::InvalidType,
                    "must be a nextCursor value from a previous page",
                ))
            })
            .ok(),
    };
    let limit = match query.limit.filter(|s| !s.is_empty()) {
        None => DEFAULT_LIMIT,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                problems.0.push(query_problem(
                    "limit",
                    ErrorCode::InvalidType,
                    "must be a whole number from 1 to 1000",
                ));
                DEFAULT_LIMIT
            }
        },
    };
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    let mut rows: Vec<StatusRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "select {COLUMNS} from record_status
         where partner_id = $1
           and ($2::text is null or external_id = $2)
           and ($3::text is null or status = $3)
           and ($4::timestamptz is null or created_at >= $4)
           and ($5::uuid is null or id < $5)
         order by id desc
         limit $6"
    )))
    .bind(partner.id)
    .bind(external_id)
    .bind(status)
    .bind(since)
    .bind(cursor)
    .bind(limit + 1)
    .fetch_all(&state.db)
    .await
    .map_err(ApiError::store)?;
    let next_cursor = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.0)
    } else {
        None
    };
    let data = rows.into_iter().map(RecordStatus::from).collect();
    Ok(HttpResponse::Ok().json(Page { data, next_cursor }))
}

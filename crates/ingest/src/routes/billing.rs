//! `POST /api/v1/billing`: check a batch at once, put every record durably on the queue,
//! answer with a row id per record (contract §1).

use crate::api_error::ApiError;
use crate::idempotency::{self, Claim};
use crate::partners::Partner;
use crate::startup::AppState;
use crate::status_store::{self, QueuedRow};
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use futures::StreamExt;
use jiff::Timestamp;
use runtime::db::to_db_time;
use runtime::request_id::RequestId;
use schema::envelope::RecordMessage;
use serde::Serialize;
use uuid::Uuid;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AcceptedRow<'a> {
    id: Uuid,
    created_at: &'a str,
    external_id: &'a str,
}

#[derive(Serialize)]
struct Accepted<'a> {
    data: Vec<AcceptedRow<'a>>,
}

/// The `Partner` extractor authenticates from the header alone; the body is read only after.
#[tracing::instrument(name = "submit_batch", skip_all, fields(partner = %partner.name, batch.size))]
pub async fn submit(
    req: HttpRequest,
    partner: Partner,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    check_media_type(&req)?;
    let key = idempotency::from_header(req.headers().get(idempotency::HEADER))?;
    let body = tokio::time::timeout(
        state.settings.body_timeout,
        read_body(&req, payload, state.settings.max_body_bytes),
    )
    .await
    .map_err(|_| ApiError::BodyTimeout)??;
    let Some(key) = key else {
        return accept(&req, &partner, &body, &state).await.map(answer);
    };
    match idempotency::claim(&state.db, partner.id, &key, &body).await? {
        Claim::Replay(first) => {
            tracing::info!("idempotent replay");
            Ok(answer(first))
        }
        Claim::Claimed(claim) => match accept(&req, &partner, &body, &state).await {
            Ok(accepted) => {
                if let Err(error) = idempotency::complete(&state.db, &claim, &accepted).await {
                    tracing::warn!(error.kind = %error, "could not store the answer for its Idempotency-Key");
                }
                Ok(answer(accepted))
            }
            Err(error) => {
                idempotency::release(&state.db, &claim).await;
                Err(error)
            }
        },
    }
}

fn answer(body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body)
}

/// Checks, publishes and records a batch; returns the JSON of the 200 answer.
async fn accept(
    req: &HttpRequest,
    partner: &Partner,
    body: &[u8],
    state: &AppState,
) -> Result<Vec<u8>, ApiError> {
    let catalogue = state.catalogue(partner.id).await.map_err(ApiError::store)?;
    let records =
        schema::parse_batch(body, &state.limits, catalogue.as_ref()).map_err(|problems| {
            let codes: Vec<&str> = problems.0.iter().map(|p| p.code.as_str()).collect();
            tracing::info!(errors = problems.0.len(), error.codes = ?codes, "batch rejected");
            for code in codes {
                metrics::counter!("billing_records_rejected_total", "code" => code).increment(1);
            }
            ApiError::Invalid(problems)
        })?;
    tracing::Span::current().record("batch.size", records.len());

    // One instant per batch, to the millisecond, so the answer and the messages agree.
    let now = Timestamp::now();
    let created_at = Timestamp::from_millisecond(now.as_millisecond()).unwrap_or(now);
    let request_id = RequestId::of(req);
    let messages: Vec<RecordMessage> = records
        .into_iter()
        .map(|record| RecordMessage {
            id: Uuid::now_v7(),
            partner: partner.name.clone(),
            created_at,
            request_id: request_id.clone(),
            record,
        })
        .collect();

    let publishing = std::time::Instant::now();
    state
        .publisher
        .publish_all(&messages)
        .await
        .map_err(ApiError::BrokerUnavailable)?;
    metrics::histogram!("billing_publish_confirm_seconds")
        .record(publishing.elapsed().as_secs_f64());

    let rows: Vec<QueuedRow> = messages
        .iter()
        .map(|m| QueuedRow {
            id: m.id,
            external_id: &m.record.external_id,
            account_id: &m.record.account_id,
        })
        .collect();
    status_store::insert_queued(
        &state.db,
        partner.id,
        to_db_time(created_at),
        request_id.as_deref(),
        &rows,
    )
    .await
    .map_err(ApiError::store)?;
    tracing::info!(records = messages.len(), "batch accepted");
    metrics::counter!("billing_records_accepted_total", "partner" => partner.name.clone())
        .increment(messages.len() as u64);

    let created_at = crate::routes::api_timestamp(created_at);
    let data = messages
        .iter()
        .map(|m| AcceptedRow {
            id: m.id,
            created_at: &created_at,
            external_id: &m.record.external_id,
        })
        .collect();
    serde_json::to_vec(&Accepted { data }).map_err(|e| ApiError::StoreUnavailable(e.into()))
}

/// `application/json`, with no charset or UTF-8, exactly one `Content-Type`, and no content
/// coding (the gateway does not decompress; a gzip body would read as garbage).
fn check_media_type(req: &HttpRequest) -> Result<(), ApiError> {
    let headers = req.headers();
    let encoded = headers
        .get_all(actix_web::http::header::CONTENT_ENCODING)
        .any(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity"));
    if encoded
        || headers
            .get_all(actix_web::http::header::CONTENT_TYPE)
            .count()
            > 1
    {
        return Err(ApiError::UnsupportedMediaType);
    }
    let mime = req
        .mime_type()
        .ok()
        .flatten()
        .ok_or(ApiError::UnsupportedMediaType)?;
    let is_json =
        mime.type_() == "application" && mime.subtype() == "json" && mime.suffix().is_none();
    let charset_ok = mime.get_param("charset").is_none_or(|c| {
        c.as_str().eq_ignore_ascii_case("utf-8") || c.as_str().eq_ignore_ascii_case("utf8")
    });
    if is_json && charset_ok {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType)
    }
}

/// Reads the body up to `limit` bytes: a declared length over the limit is refused before
/// reading, and a body that grows past it is cut off.
async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::BytesMut, ApiError> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let mut body = web::BytesMut::with_capacity(declared.map_or(8192, |len| len as usize));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::Invalid(incomplete_body()))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn incomplete_body() -> schema::Problems {
    let mut problems = schema::Problems::default();
    problems.push(
        "",
        schema::ErrorCode::InvalidJson,
        "the body could not be read completely",
    );
    problems
}

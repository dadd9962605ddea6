//! `Idempotency-Key` (contract §3): per partner, at most 64 characters, kept 24 hours.
//! The same key with the same body replays the first 200; with another body it is
//! `422 idempotency_key_reused`; while the first request still runs it is `409`.
//!
//! A key is claimed (`in_flight`) before the batch is published and completed with the answer
//! after the 200 is ready; a request that fails releases its claim so a retry can run. A claim
//! left by a crashed gateway expires after [`ABANDONED_AFTER`].

use crate::api_error::ApiError;
use schema::{ErrorCode, Problem, Problems};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

pub const HEADER: &str = "Idempotency-Key";
const MAX_LEN: usize = schema::fields::text::limits::IDEMPOTENCY_KEY;
/// Longer than any request can run (publish timeout included).
const ABANDONED_AFTER_SECONDS: i32 = 120;
pub const KEPT_HOURS: i32 = 24;

/// What a claim on a key found.
pub enum Claim {
    /// The key is ours now: run the request, then [`complete`] or [`release`].
    Claimed(Key),
    /// The first request succeeded: its answer, to send again.
    Replay(Vec<u8>),
}

/// A claimed key.
pub struct Key {
    partner_id: i64,
    key: String,
}

/// Reads and checks the header; `None` when it is absent.
pub fn from_header(
    value: Option<&actix_web::http::header::HeaderValue>,
) -> Result<Option<String>, ApiError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let problem = |code, detail| ApiError::Invalid(Problems(vec![Problem::new("", code, detail)]));
    // Header values are bytes; a key is visible ASCII, like every header a client should send
    // (`to_str` alone would also let a tab through).
    let value = value
        .to_str()
        .ok()
        .filter(|v| !v.bytes().any(|b| b.is_ascii_control()))
        .ok_or_else(|| {
            problem(
                ErrorCode::InvalidType,
                "the Idempotency-Key header must be visible ASCII characters",
            )
        })?
        .trim();
    if value.is_empty() {
        return Err(problem(
            ErrorCode::Empty,
            "the Idempotency-Key header must not be blank when given",
        ));
    }
    if value.chars().count() > MAX_LEN {
        return Err(problem(
            ErrorCode::TooLong,
            "the Idempotency-Key header must be at most 64 characters",
        ));
    }
    Ok(Some(value.to_owned()))
}

pub async fn claim(
    db: &PgPool,
    partner_id: i64,
    key: &str,
    body: &[u8],
) -> Result<Claim, ApiError> {
    let hash = Sha256::digest(body).to_vec();
    let mut tx = db.begin().await.map_err(ApiError::store)?;
    sqlx::query(
        "delete from idempotency_keys where partner_id = $1 and key = $2
         and (created_at < now() - make_interval(hours => $3)
              or (state = 'in_flight' and created_at < now() - make_interval(secs => $4)))",
    )
    .bind(partner_id)
    .bind(key)
    .bind(KEPT_HOURS)
    .bind(ABANDONED_AFTER_SECONDS)
    .execute(&mut *tx)
    .await
    .map_err(ApiError::store)?;
    let claimed = sqlx::query(
        "insert into idempotency_keys (partner_id, key, request_sha256, state) values ($1, $2, $3, 'in_flight')
         on conflict (partner_id, key) do nothing",
    )
    .bind(partner_id)
    .bind(key)
    .bind(&hash)
    .execute(&mut *tx)
    .await
    .map_err(ApiError::store)?
    .rows_affected()
        == 1;
    let outcome = if claimed {
        Claim::Claimed(Key {
            partner_id,
            key: key.to_owned(),
        })
    } else {
        let (stored_hash, state, body): (Vec<u8>, String, Option<Vec<u8>>) = sqlx::query_as(
            "select request_sha256, state, response_body from idempotency_keys where partner_id = $1 and key = $2",
        )
        .bind(partner_id)
        .bind(key)
        .fetch_one(&mut *tx)
        .await
        .map_err(ApiError::store)?;
        if stored_hash != hash {
            return Err(ApiError::Invalid(Problems(vec![Problem::new(
                "",
                ErrorCode::IdempotencyKeyReused,
                "this Idempotency-Key was used with another body; use a new key for a new batch",
            )])));
        }
        match (state.as_str(), body) {
            ("done", Some(body)) => Claim::Replay(body),
            _ => return Err(ApiError::InFlight),
        }
    };
    tx.commit().await.map_err(ApiError::store)?;
    Ok(outcome)
}

/// Stores the answer of a successful request for replay.
pub async fn complete(db: &PgPool, key: &Key, response: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("update idempotency_keys set state = 'done', response_body = $3 where partner_id = $1 and key = $2")
        .bind(key.partner_id)
        .bind(&key.key)
        .bind(response)
        .execute(db)
        .await?;
    Ok(())
}

/// Gives the key up after a failed request, so that a retry runs.
pub async fn release(db: &PgPool, key: &Key) {
    let released = sqlx::query(
        "delete from idempotency_keys where partner_id = $1 and key = $2 and state = 'in_flight'",
    )
    .bind(key.partner_id)
    .bind(&key.key)
    .execute(db)
    .await;
    if released.is_err() {
        tracing::warn!("could not release an idempotency key; it expires by itself");
    }
}

//! Status rows: one per accepted record, `queued` from the moment the partner gets its 200.

use sqlx::PgPool;
use uuid::Uuid;

pub struct QueuedRow<'a> {
    pub id: Uuid,
    pub external_id: &'a str,
    pub account_id: &'a str,
}

/// Stores the batch's rows in one statement. `on conflict do nothing`: a processor that was
/// faster than this insert has already written the row with its final status.
pub async fn insert_queued(
    db: &PgPool,
    partner_id: i64,
    created_at: time::OffsetDateTime,
    request_id: Option<&str>,
    rows: &[QueuedRow<'_>],
) -> Result<(), sqlx::Error> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let external_ids: Vec<&str> = rows.iter().map(|r| r.external_id).collect();
    let account_ids: Vec<&str> = rows.iter().map(|r| r.account_id).collect();
    sqlx::query(
        "insert into record_status (id, partner_id, external_id, account_id, status, created_at, request_id)
         select id, $2, external_id, account_id, 'queued', $3, $4
         from unnest($1::uuid[], $5::text[], $6::text[]) as batch (id, external_id, account_id)
         on conflict (id) do nothing",
    )
    .bind(&ids)
    .bind(partner_id)
    .bind(created_at)
    .bind(request_id)
    .bind(&external_ids)
    .bind(&account_ids)
    .execute(db)
    .await?;
    Ok(())
}

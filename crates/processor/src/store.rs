//! The processor's SQL: applying a planned group in one transaction, and marking failures.
//!
//! Order is enforced here, in the database, never by queue order: each link is locked
//! (a transaction-scoped advisory lock on (partner, externalId), taken in a fixed order so two
//! processors never deadlock), its stored `record_id` is read under the lock, and the upsert
//! itself only replaces an older `record_id`. Status rows written here make redeliveries
//! no-ops: a record already `applied` or `superseded` changes nothing.

use crate::apply::{self, Incoming, LinkState, ProductEvent, StatusChange};
use jiff::Timestamp;
use runtime::db::{from_db_time, to_db_time};
use serde::Serialize;
use sqlx::{PgPool, Postgres, Transaction};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// What one group's transaction did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub applied: usize,
    pub superseded: usize,
    pub duplicates: usize,
    pub events: usize,
}

pub struct Store {
    db: PgPool,
    partners: tokio::sync::RwLock<HashMap<String, i64>>,
}

impl Store {
    pub fn new(db: PgPool) -> Self {
        Store {
            db,
            partners: Default::default(),
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.db
    }

    /// The partner's id, cached (partners are never renamed or deleted).
    pub async fn partner_id(&self, name: &str) -> Result<Option<i64>, sqlx::Error> {
        if let Some(id) = self.partners.read().await.get(name) {
            return Ok(Some(*id));
        }
        let id: Option<i64> = sqlx::query_scalar("select id from partners where name = $1")
            .bind(name)
            .fetch_optional(&self.db)
            .await?;
        if let Some(id) = id {
            self.partners.write().await.insert(name.to_owned(), id);
        }
        Ok(id)
    }

    /// Applies a group of valid records in one transaction.
    pub async fn apply(&self, group: &[Incoming]) -> Result<Outcome, sqlx::Error> {
        let mut tx = self.db.begin().await?;
        let keys: Vec<(i64, String)> = group.iter().map(Incoming::key).collect();
        lock_links(&mut tx, &keys).await?;
        let ids: Vec<Uuid> = group.iter().map(|i| i.message.id).collect();
        let done = load_done(&mut tx, &ids).await?;
        let stored = load_links(&mut tx, &keys).await?;
        let plan = apply::plan(group, &stored, &done, Timestamp::now());
        write_links(&mut tx, &plan.applied).await?;
        write_events(&mut tx, &plan.events).await?;
        write_statuses(&mut tx, &plan.statuses).await?;
        tx.commit().await?;
        let superseded = plan
            .statuses
            .iter()
            .filter(|(_, s)| matches!(s, StatusChange::Superseded { .. }))
            .count();
        Ok(Outcome {
            applied: plan.applied.len(),
            superseded,
            duplicates: group.len() - plan.statuses.len(),
            events: plan.events.len(),
        })
    }

    /// Marks a record `failed` with its errors. With the envelope known the row is written
    /// whole (the gateway's later insert keeps it); with only the id, an existing queued row
    /// is updated.
    pub async fn mark_failed(&self, failure: &Failure) -> Result<(), sqlx::Error> {
        let errors = serde_json::json!([{ "code": failure.code, "detail": failure.detail }]);
        match (&failure.envelope, failure.id) {
            (Some(known), _) => {
                sqlx::query(
                    "insert into record_status (id, partner_id, external_id, account_id, status, created_at, processed_at, request_id, errors)
                     values ($1, $2, $3, $4, 'failed', $5, now(), $6, $7)
                     on conflict (id) do update set status = 'failed', processed_at = now(), errors = excluded.errors
                     where record_status.status not in ('applied', 'superseded')",
                )
                .bind(known.id)
                .bind(known.partner_id)
                .bind(&known.external_id)
                .bind(&known.account_id)
                .bind(to_db_time(known.created_at))
                .bind(&known.request_id)
                .bind(&errors)
                .execute(&self.db)
                .await?;
            }
            (None, Some(id)) => {
                sqlx::query(
                    "update record_status set status = 'failed', processed_at = now(), errors = $2
                     where id = $1 and status = 'queued'",
                )
                .bind(id)
                .bind(&errors)
                .execute(&self.db)
                .await?;
            }
            (None, None) => {}
        }
        Ok(())
    }
}

/// A record that can never apply, and what is known of it.
#[derive(Debug, Clone)]
pub struct Failure {
    pub id: Option<Uuid>,
    pub envelope: Option<KnownRecord>,
    pub code: &'static str,
    pub detail: String,
}

#[derive(Debug, Clone)]
pub struct KnownRecord {
    pub id: Uuid,
    pub partner_id: i64,
    pub external_id: String,
    pub account_id: String,
    pub created_at: Timestamp,
    pub request_id: Option<String>,
}

impl KnownRecord {
    pub fn of(incoming: &Incoming) -> Self {
        let m = &incoming.message;
        KnownRecord {
            id: m.id,
            partner_id: incoming.partner_id,
            external_id: m.record.external_id.clone(),
            account_id: m.record.account_id.clone(),
            created_at: m.created_at,
            request_id: m.request_id.clone(),
        }
    }
}

fn split_keys(keys: &[(i64, String)]) -> (Vec<i64>, Vec<&str>) {
    keys.iter().map(|(p, e)| (*p, e.as_str())).unzip()
}

async fn lock_links(
    tx: &mut Transaction<'_, Postgres>,
    keys: &[(i64, String)],
) -> Result<(), sqlx::Error> {
    let (partners, external_ids) = split_keys(keys);
    sqlx::query(
        "select pg_advisory_xact_lock(k) from (
             select distinct hashtextextended(p::text || ':' || e, 0) as k
             from unnest($1::bigint[], $2::text[]) as t (p, e)
             order by 1
         ) as ordered",
    )
    .bind(&partners)
    .bind(&external_ids)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn load_done(
    tx: &mut Transaction<'_, Postgres>,
    ids: &[Uuid],
) -> Result<HashSet<Uuid>, sqlx::Error> {
    let done: Vec<Uuid> = sqlx::query_scalar(
        "select id from record_status where id = any($1) and status in ('applied', 'superseded')",
    )
    .bind(ids)
    .fetch_all(&mut **tx)
    .await?;
    Ok(done.into_iter().collect())
}

type LinkRow = (
    i64,
    String,
    Uuid,
    String,
    Vec<String>,
    time::OffsetDateTime,
    Option<time::OffsetDateTime>,
    bool,
);

async fn load_links(
    tx: &mut Transaction<'_, Postgres>,
    keys: &[(i64, String)],
) -> Result<HashMap<(i64, String), LinkState>, sqlx::Error> {
    let (partners, external_ids) = split_keys(keys);
    let rows: Vec<LinkRow> = sqlx::query_as(
        "select l.partner_id, l.external_id, l.record_id, l.account_id, l.product_codes,
                l.started_at, l.finished_at, l.block_reason is not null
         from links l
         join (select distinct p, e from unnest($1::bigint[], $2::text[]) as t (p, e)) k
           on l.partner_id = k.p and l.external_id = k.e",
    )
    .bind(&partners)
    .bind(&external_ids)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                partner_id,
                external_id,
                record_id,
                account_id,
                product_codes,
                started_at,
                finished_at,
                blocked,
            )| {
                let state = LinkState {
                    record_id,
                    account_id,
                    product_codes,
                    started_at: from_db_time(started_at),
                    finished_at: finished_at.map(from_db_time),
                    blocked,
                };
                ((partner_id, external_id), state)
            },
        )
        .collect())
}

/// One row of `links`, as JSON for `jsonb_to_recordset`: the whole group in one statement.
#[derive(Serialize)]
struct LinkJson<'a> {
    partner_id: i64,
    external_id: &'a str,
    record_id: Uuid,
    account_id: &'a str,
    product_codes: &'a [String],
    msisdn: &'a str,
    email: Option<&'a str>,
    first_name: Option<&'a str>,
    last_name: Option<&'a str>,
    mid_name: Option<&'a str>,
    address: &'a str,
    apartment: &'a str,
    started_at: Timestamp,
    finished_at: Option<Timestamp>,
    block_reason: Option<&'a str>,
}

async fn write_links(
    tx: &mut Transaction<'_, Postgres>,
    applied: &[&Incoming],
) -> Result<(), sqlx::Error> {
    if applied.is_empty() {
        return Ok(());
    }
    let rows: Vec<LinkJson> = applied
        .iter()
        .map(|i| {
            let r = &i.message.record;
            LinkJson {
                partner_id: i.partner_id,
                external_id: &r.external_id,
                record_id: i.message.id,
                account_id: &r.account_id,
                product_codes: &r.product_codes,
                msisdn: &r.msisdn,
                email: r.email.as_deref(),
                first_name: r.first_name.as_deref(),
                last_name: r.last_name.as_deref(),
                mid_name: r.mid_name.as_deref(),
                address: &r.address,
                apartment: &r.apartment,
                started_at: r.started_at,
                finished_at: r.finished_at,
                block_reason: r.block_reason.as_deref(),
            }
        })
        .collect();
    sqlx::query(
        "insert into links (partner_id, external_id, record_id, account_id, product_codes, msisdn, email,
                            first_name, last_name, mid_name, address, apartment, started_at, finished_at,
                            block_reason, applied_at)
         select partner_id, external_id, record_id, account_id, product_codes, msisdn, email,
                first_name, last_name, mid_name, address, apartment, started_at, finished_at,
                block_reason, now()
         from jsonb_to_recordset($1) as x (partner_id bigint, external_id text, record_id uuid, account_id text,
              product_codes text[], msisdn text, email text, first_name text, last_name text, mid_name text,
              address text, apartment text, started_at timestamptz, finished_at timestamptz, block_reason text)
         on conflict (partner_id, external_id) do update set
             record_id = excluded.record_id, account_id = excluded.account_id,
             product_codes = excluded.product_codes, msisdn = excluded.msisdn, email = excluded.email,
             first_name = excluded.first_name, last_name = excluded.last_name, mid_name = excluded.mid_name,
             address = excluded.address, apartment = excluded.apartment, started_at = excluded.started_at,
             finished_at = excluded.finished_at, block_reason = excluded.block_reason,
             applied_at = excluded.applied_at
         where links.record_id < excluded.record_id",
    )
    .bind(sqlx::types::Json(&rows))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn write_events(
    tx: &mut Transaction<'_, Postgres>,
    events: &[ProductEvent],
) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "insert into outbox_events (event_id, event_type, payload)
         select (e ->> 'eventId')::uuid, e ->> 'type', e
         from jsonb_array_elements($1) as e",
    )
    .bind(sqlx::types::Json(events))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Serialize)]
struct StatusJson<'a> {
    id: Uuid,
    partner_id: i64,
    external_id: &'a str,
    account_id: &'a str,
    status: &'static str,
    created_at: Timestamp,
    superseded_by: Option<Uuid>,
    request_id: Option<&'a str>,
}

async fn write_statuses(
    tx: &mut Transaction<'_, Postgres>,
    statuses: &[(&Incoming, StatusChange)],
) -> Result<(), sqlx::Error> {
    if statuses.is_empty() {
        return Ok(());
    }
    let rows: Vec<StatusJson> = statuses
        .iter()
        .map(|(i, change)| {
            let (status, superseded_by) = match change {
                StatusChange::Applied => ("applied", None),
                StatusChange::Superseded { by } => ("superseded", Some(*by)),
            };
            StatusJson {
                id: i.message.id,
                partner_id: i.partner_id,
                external_id: &i.message.record.external_id,
                account_id: &i.message.record.account_id,
                status,
                created_at: i.message.created_at,
                superseded_by,
                request_id: i.message.request_id.as_deref(),
            }
        })
        .collect();
    sqlx::query(
        "insert into record_status (id, partner_id, external_id, account_id, status, created_at, processed_at,
                                    superseded_by, request_id)
         select id, partner_id, external_id, account_id, status, created_at, now(), superseded_by, request_id
         from jsonb_to_recordset($1) as x (id uuid, partner_id bigint, external_id text, account_id text,
              status text, created_at timestamptz, superseded_by uuid, request_id text)
         on conflict (id) do update set status = excluded.status, processed_at = excluded.processed_at,
             superseded_by = excluded.superseded_by, errors = null",
    )
    .bind(sqlx::types::Json(&rows))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

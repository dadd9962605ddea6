//! Partner rows in PostgreSQL.

use super::{Partner, credentials};
use serde::Serialize;
use sqlx::PgPool;

/// Credentials printed once, when a partner is added or its secret rotated.
#[derive(Debug, Serialize)]
pub struct IssuedCredentials {
    pub partner: String,
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnerSummary {
    pub partner: String,
    pub username: String,
    pub disabled: bool,
    pub created_at: String,
    pub aliases: serde_json::Value,
}

#[derive(Debug, thiserror::Error)]
pub enum PartnerError {
    #[error("partner {0} already exists")]
    Exists(String),
    #[error("no partner named {0}")]
    NotFound(String),
    #[error("no product with code {0} in the catalogue")]
    UnknownProduct(String),
    #[error("{0}")]
    InvalidName(&'static str),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Partner names double as Basic-auth usernames, so they may not contain `:`; they also
/// appear in logs and message headers, so they are plain identifiers.
pub fn check_name(name: &str) -> Result<(), PartnerError> {
    let ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        && name.as_bytes()[0].is_ascii_alphanumeric();
    if ok {
        Ok(())
    } else {
        Err(PartnerError::InvalidName(
            "a partner name is 1 to 64 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit",
        ))
    }
}

pub async fn add(db: &PgPool, name: &str) -> Result<IssuedCredentials, PartnerError> {
    check_name(name)?;
    let password = credentials::generate_secret();
    let inserted = sqlx::query(
        "insert into partners (name, username, secret_sha256) values ($1, $1, $2) on conflict do nothing",
    )
    .bind(name)
    .bind(credentials::hash(&password))
    .execute(db)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(PartnerError::Exists(name.to_owned()));
    }
    Ok(IssuedCredentials {
        partner: name.to_owned(),
        username: name.to_owned(),
        password,
    })
}

pub async fn rotate(db: &PgPool, name: &str) -> Result<IssuedCredentials, PartnerError> {
    let password = credentials::generate_secret();
    let username: Option<String> = sqlx::query_scalar(
        "update partners set secret_sha256 = $2, rotated_at = now() where name = $1 returning username",
    )
    .bind(name)
    .bind(credentials::hash(&password))
    .fetch_optional(db)
    .await?;
    let username = username.ok_or_else(|| PartnerError::NotFound(name.to_owned()))?;
    Ok(IssuedCredentials {
        partner: name.to_owned(),
        username,
        password,
    })
}

pub async fn disable(db: &PgPool, name: &str) -> Result<(), PartnerError> {
    let updated = sqlx::query(
        "update partners set disabled_at = coalesce(disabled_at, now()) where name = $1",
    )
    .bind(name)
    .execute(db)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(PartnerError::NotFound(name.to_owned()));
    }
    Ok(())
}

/// Enables a disabled partner again; its current secret works again.
pub async fn enable(db: &PgPool, name: &str) -> Result<(), PartnerError> {
    let updated = sqlx::query("update partners set disabled_at = null where name = $1")
        .bind(name)
        .execute(db)
        .await?;
    if updated.rows_affected() == 0 {
        return Err(PartnerError::NotFound(name.to_owned()));
    }
    Ok(())
}

/// True when the partner exists and is disabled.
pub async fn is_disabled(db: &PgPool, name: &str) -> Result<bool, PartnerError> {
    let disabled: Option<bool> =
        sqlx::query_scalar("select disabled_at is not null from partners where name = $1")
            .bind(name)
            .fetch_optional(db)
            .await?;
    Ok(disabled.unwrap_or(false))
}

/// Maps the partner's `alias` (case-insensitive) to the operator's product `code`.
pub async fn set_alias(
    db: &PgPool,
    name: &str,
    alias: &str,
    code: &str,
) -> Result<(), PartnerError> {
    let alias = alias.trim().to_lowercase();
    let code = code.trim().to_lowercase();
    if alias.is_empty()
        || alias.chars().count() > schema::fields::text::limits::PRODUCT_CODE
        || !schema::fields::text::is_printable(&alias)
    {
        return Err(PartnerError::InvalidName(
            "an alias is 1 to 64 printable characters",
        ));
    }
    let partner_id: i64 = sqlx::query_scalar("select id from partners where name = $1")
        .bind(name)
        .fetch_optional(db)
        .await?
        .ok_or_else(|| PartnerError::NotFound(name.to_owned()))?;
    let codes: Vec<String> = sqlx::query_scalar("select lower(code) from products")
        .fetch_all(db)
        .await?;
    if !codes.contains(&code) {
        return Err(PartnerError::UnknownProduct(code));
    }
    // The catalogue's own codes always mean themselves: such an alias would never be used.
    if codes.contains(&alias) {
        return Err(PartnerError::InvalidName(
            "an alias cannot be one of the operator's product codes",
        ));
    }
    sqlx::query(
        "insert into partner_aliases (partner_id, alias, product_code) values ($1, $2, $3)
         on conflict (partner_id, alias) do update set product_code = excluded.product_code",
    )
    .bind(partner_id)
    .bind(&alias)
    .bind(&code)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn list(db: &PgPool) -> Result<Vec<PartnerSummary>, PartnerError> {
    let rows: Vec<(String, String, bool, String, serde_json::Value)> = sqlx::query_as(
        r#"select p.name, p.username, p.disabled_at is not null,
                  to_char(p.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                  coalesce((select jsonb_object_agg(a.alias, a.product_code order by a.alias)
                            from partner_aliases a where a.partner_id = p.id), '{}'::jsonb)
           from partners p order by p.name"#,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(partner, username, disabled, created_at, aliases)| PartnerSummary {
                partner,
                username,
                disabled,
                created_at,
                aliases,
            },
        )
        .collect())
}

/// The enabled partner whose credentials these are, or `None`.
pub async fn authenticate(
    db: &PgPool,
    username: &str,
    password: &str,
) -> Result<Option<Partner>, sqlx::Error> {
    let row: Option<(i64, String, Vec<u8>)> = sqlx::query_as(
        "select id, name, secret_sha256 from partners where username = $1 and disabled_at is null",
    )
    .bind(username)
    .fetch_optional(db)
    .await?;
    Ok(match row {
        Some((id, name, stored)) if credentials::matches(password, &stored) => {
            Some(Partner { id, name })
        }
        Some(_) => None,
        None => {
            // Same work for an unknown user as for a wrong password.
            let _ = credentials::matches(password, &[0u8; 32]);
            None
        }
    })
}

//! The product codes a partner may send: the operator's catalogue plus its own aliases.

use sqlx::PgPool;
use std::collections::HashMap;

/// Lower-cased code or alias → the operator's product code.
#[derive(Debug, Clone, Default)]
pub struct PartnerCatalogue {
    codes: HashMap<String, String>,
}

impl PartnerCatalogue {
    /// One query: the catalogue's codes win over an alias of the same spelling.
    pub async fn load(db: &PgPool, partner_id: i64) -> Result<Self, sqlx::Error> {
        let rows: Vec<(String, String, bool)> = sqlx::query_as(
            "select alias, product_code, false from partner_aliases where partner_id = $1
             union all
             select lower(code), code, true from products",
        )
        .bind(partner_id)
        .fetch_all(db)
        .await?;
        let mut codes = HashMap::with_capacity(rows.len());
        for (name, code, operator) in rows {
            if operator {
                codes.insert(name, code);
            } else {
                codes.entry(name).or_insert(code);
            }
        }
        Ok(PartnerCatalogue { codes })
    }

    pub fn resolve(&self, sent: &str) -> Option<String> {
        self.codes.get(&sent.to_lowercase()).cloned()
    }
}

impl schema::ProductResolver for PartnerCatalogue {
    fn resolve(&self, code: &str) -> Option<String> {
        PartnerCatalogue::resolve(self, code)
    }
}

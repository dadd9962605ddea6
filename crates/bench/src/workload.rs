//! Generated records shaped like `shared/samples/batch-500.json` (about 500 bytes each), with
//! unique ids, as request bodies for the gateway and as ready messages for the queue.

use anyhow::Context;
use schema::Record;
use schema::envelope::RecordMessage;
use serde_json::Value;
use uuid::Uuid;

pub struct Workload {
    /// The sample's records as a partner sends them.
    templates: Vec<Value>,
    /// The same records normalised, as the gateway publishes them.
    normalised: Vec<Record>,
    run: String,
}

impl Workload {
    pub fn load(samples: &std::path::Path, run: &str) -> anyhow::Result<Self> {
        let path = samples.join("batch-500.json");
        let text = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let body: Value = serde_json::from_slice(&text)?;
        let templates = body["data"].as_array().context("sample has data")?.clone();
        let limits = schema::BatchLimits {
            max_records: 1000,
            zone: runtime::env::time_zone()?,
        };
        let same_code = |code: &str| Some(code.to_lowercase());
        let normalised = schema::parse_batch(&text, &limits, &same_code)
            .map_err(|p| anyhow::anyhow!("the sample does not validate: {:?}", p.0.first()))?;
        Ok(Workload {
            templates,
            normalised,
            run: run.to_owned(),
        })
    }

    fn external_id(&self, n: u64) -> String {
        format!("{}-{n}", self.run)
    }

    fn account_id(n: u64) -> String {
        format!("7{:010}", n / 2)
    }

    /// A request body of `size` records numbered from `first`.
    pub fn body(&self, first: u64, size: u64) -> Vec<u8> {
        let records: Vec<Value> = (first..first + size)
            .map(|n| {
                let mut r = self.templates[(n % self.templates.len() as u64) as usize].clone();
                r["externalId"] = Value::from(self.external_id(n));
                r["accountId"] = Value::from(Self::account_id(n));
                r
            })
            .collect();
        serde_json::to_vec(&serde_json::json!({ "data": records })).unwrap_or_default()
    }

    /// Record `n` as the gateway would publish it.
    pub fn message(&self, n: u64, partner: &str) -> RecordMessage {
        let mut record = self.normalised[(n % self.normalised.len() as u64) as usize].clone();
        record.external_id = self.external_id(n);
        record.account_id = Self::account_id(n);
        RecordMessage {
            id: Uuid::now_v7(),
            partner: partner.to_owned(),
            created_at: jiff::Timestamp::now(),
            request_id: None,
            record,
        }
    }
}

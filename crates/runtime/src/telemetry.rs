//! Logs: `tracing` with `RUST_LOG` for the level (default `info`) and `BILLING_LOG_FORMAT`
//! (`json` for production, `pretty` — the default — for people).
//!
//! What may appear in logs is fixed by the contract (§4): row ids, externalIds, partners,
//! request ids and error codes. Never a phone, e-mail, name, address, account number, body or
//! credential: no code path logs a record or a request body.

use tracing_subscriber::{EnvFilter, fmt};

/// Libraries whose debug output can carry message bodies or statement parameters: capped
/// whatever `RUST_LOG` asks, because personal data must never reach the logs.
const CAPPED: [&str; 4] = [
    "lapin=info",
    "amq_protocol=info",
    "sqlx=warn",
    "actix_http=info",
];

pub fn init() {
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    for directive in CAPPED {
        if let Ok(directive) = directive.parse() {
            filter = filter.add_directive(directive);
        }
    }
    let json = std::env::var("BILLING_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second init (tests start several apps in one process) keeps the first subscriber.
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init()
    } else {
        builder.try_init()
    };
}

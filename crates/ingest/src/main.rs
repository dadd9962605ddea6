//! `billing-ingest`: serves the gateway when run with no arguments; `billing-ingest --help`
//! lists the partner and migration commands.

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    runtime::telemetry::init();
    let cli = billing_ingest::cli::Cli::parse();
    match billing_ingest::cli::run(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("billing-ingest: {error:#}");
            ExitCode::FAILURE
        }
    }
}

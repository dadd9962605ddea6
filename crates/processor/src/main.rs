//! `billing-processor`: applies accepted records until SIGINT or SIGTERM.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    runtime::telemetry::init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("billing-processor: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    if let Some(arg) = std::env::args().nth(1) {
        anyhow::bail!(
            "takes no arguments (got {arg}); it is configured by BILLING_* environment variables"
        );
    }
    let settings = billing_processor::Settings::from_env()?;
    let processor = billing_processor::Processor::build(settings).await?;
    tracing::info!(port = processor.port(), "billing-processor running");
    processor
        .run_until_stopped(runtime::shutdown::on_signal())
        .await?;
    tracing::info!("billing-processor stopped");
    Ok(())
}

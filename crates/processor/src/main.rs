//! `billing-processor`: applies accepted records until SIGINT or SIGTERM when run with no
//! arguments; `billing-processor dead-letters list|replay` handles dead letters.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "billing-processor",
    about = "Applies accepted billing records",
    version
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Consume and apply records (the default).
    Serve,
    /// Records that could never apply, kept in billing.records.dead.
    #[command(subcommand, name = "dead-letters")]
    DeadLetters(DeadLetterCommand),
}

#[derive(Subcommand, Debug)]
enum DeadLetterCommand {
    /// Print dead letters as JSON lines: ids, partner, externalId, reasons; never the record.
    List {
        #[arg(long, default_value_t = 1000)]
        limit: usize,
    },
    /// Move dead letters back to billing.records after the cause is fixed.
    Replay {
        /// Replay every dead letter.
        #[arg(long, conflicts_with = "ids")]
        all: bool,
        /// Row ids to replay.
        ids: Vec<String>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    runtime::telemetry::init();
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("billing-processor: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = billing_processor::Settings::from_env()?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let processor = billing_processor::Processor::build(settings).await?;
            tracing::info!(port = processor.port(), "billing-processor running");
            processor
                .run_until_stopped(runtime::shutdown::on_signal())
                .await?;
            tracing::info!("billing-processor stopped");
        }
        Command::DeadLetters(command) => {
            let dead = billing_processor::startup::dead_letters(&settings).await?;
            let letters = match command {
                DeadLetterCommand::List { limit } => dead.list(limit).await?,
                DeadLetterCommand::Replay { all, ids } => {
                    anyhow::ensure!(all || !ids.is_empty(), "name the ids to replay, or --all");
                    dead.replay(if all { None } else { Some(&ids) }).await?
                }
            };
            for letter in letters {
                println!("{}", serde_json::to_string(&letter)?);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

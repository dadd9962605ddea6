//! The command line: serving (the default), migrations, and partner management (contract §4).

use crate::partners::store::{self, PartnerError};
use crate::{Application, Settings};
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "billing-ingest", about = "The billing intake gateway", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the HTTP gateway (the default).
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Manage partners and their credentials.
    #[command(subcommand)]
    Partner(PartnerCommand),
}

#[derive(Subcommand, Debug)]
pub enum PartnerCommand {
    /// Create a partner; prints its credentials as JSON. Exit 1 if it exists.
    Add { name: String },
    /// Issue a new secret; prints the credentials as JSON. The old secret stops working.
    Rotate { name: String },
    /// List partners (without secrets) as JSON.
    List,
    /// Disable a partner: its credentials stop working.
    Disable { name: String },
    /// Enable a disabled partner again.
    Enable { name: String },
    /// Map the partner's own product code ALIAS to the operator's product CODE.
    Alias {
        name: String,
        alias: String,
        code: String,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve().await.map(|()| ExitCode::SUCCESS),
        Command::Migrate => {
            connect_store().await?;
            eprintln!("billing-ingest: database schema is up to date");
            Ok(ExitCode::SUCCESS)
        }
        Command::Partner(command) => partner(command).await,
    }
}

async fn serve() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let addr = settings.http_addr.clone();
    let app = Application::build(settings).await?;
    tracing::info!(%addr, port = app.port(), "billing-ingest serving");
    app.run_until_stopped(runtime::shutdown::on_signal())
        .await?;
    tracing::info!("billing-ingest stopped");
    Ok(())
}

async fn connect_store() -> anyhow::Result<sqlx::PgPool> {
    let connections = runtime::env::Connections::from_env();
    let db = runtime::db::connect(&connections.database_url, 2).await?;
    runtime::db::migrate(&db).await?;
    Ok(db)
}

async fn partner(command: PartnerCommand) -> anyhow::Result<ExitCode> {
    let db = connect_store().await?;
    // What to print on stdout (credentials, the list) or, for the others, a line on stderr.
    let result: Result<Option<String>, PartnerError> = match command {
        PartnerCommand::Add { name } => store::add(&db, &name).await.map(json),
        PartnerCommand::Rotate { name } => {
            if store::is_disabled(&db, &name).await? {
                eprintln!(
                    "billing-ingest: partner {name} is disabled: the new secret works once it is enabled"
                );
            }
            store::rotate(&db, &name).await.map(json)
        }
        PartnerCommand::List => store::list(&db).await.map(json),
        PartnerCommand::Disable { name } => store::disable(&db, &name).await.map(|()| {
            eprintln!("billing-ingest: partner {name} disabled");
            None
        }),
        PartnerCommand::Enable { name } => store::enable(&db, &name).await.map(|()| {
            eprintln!("billing-ingest: partner {name} enabled");
            None
        }),
        PartnerCommand::Alias { name, alias, code } => {
            store::set_alias(&db, &name, &alias, &code).await.map(|()| {
                eprintln!(
                    "billing-ingest: partner {name}: alias {} -> {}",
                    alias.trim().to_lowercase(),
                    code.trim().to_lowercase()
                );
                None
            })
        }
    };
    match result {
        Ok(printed) => {
            if let Some(value) = printed {
                println!("{value}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(PartnerError::Database(e)) => Err(e.into()),
        Err(e) => {
            eprintln!("billing-ingest: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// One JSON value, fields in their declared order.
fn json(value: impl serde::Serialize) -> Option<String> {
    serde_json::to_string(&value).ok()
}

//! Building and running a processor: connect, migrate, declare, then consume, relay and serve
//! health until stopped.

use crate::consumer::Consumer;
use crate::dead_letters::DeadLetters;
use crate::health::{self, HealthState};
use crate::relay::Relay;
use crate::retention::Retention;
use crate::settings::Settings;
use crate::store::Store;
use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use runtime::dependencies::Dependencies;
use runtime::publisher::ConfirmPublisher;
use schema::topology::Topology;
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

pub struct Processor {
    port: u16,
    server: Server,
    consumer: Consumer,
    relay: Relay,
    retention: Retention,
}

/// The dead-letter commands' access to the broker and the database.
pub async fn dead_letters(settings: &Settings) -> anyhow::Result<DeadLetters> {
    let connections = &settings.connections;
    let db = runtime::db::connect(&connections.database_url, 2).await?;
    let amqp = runtime::amqp::pool(&connections.amqp_url, 1, settings.publish_timeout)?;
    runtime::amqp::channel(&amqp, &connections.amqp_url).await?;
    Ok(DeadLetters {
        amqp,
        db,
        topology: Topology::new(connections.amqp_prefix.clone()),
    })
}

impl Processor {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let Dependencies { db, amqp, topology } = runtime::dependencies::connect(
            &settings.connections,
            settings.database_pool,
            settings.publish_timeout,
        )
        .await?;

        let consuming = Arc::new(AtomicBool::new(false));
        let events_written = Arc::new(Notify::new());
        let consumer = Consumer {
            store: Arc::new(Store::new(db.clone())),
            amqp: amqp.clone(),
            queue: topology.records_queue(),
            prefetch: settings.prefetch,
            group: settings.apply_group,
            retry_max: settings.retry_max,
            events_written: events_written.clone(),
            consuming: consuming.clone(),
        };
        let relay = Relay {
            db: db.clone(),
            publisher: ConfirmPublisher::new(amqp, 1, settings.publish_timeout),
            exchange: topology.events_exchange(),
            batch: settings.relay_batch,
            interval: settings.relay_interval,
            retry_max: settings.retry_max,
            wake: events_written,
        };
        let retention = Retention {
            db: db.clone(),
            status_days: settings.retain_status_days,
            events_days: settings.retain_events_days,
            interval: settings.retention_interval,
        };
        let listener = TcpListener::bind(&settings.http_addr).with_context(|| {
            format!(
                "cannot listen on BILLING_PROCESSOR_ADDR {}",
                settings.http_addr
            )
        })?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(HealthState { db, consuming });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .wrap(actix_web::middleware::from_fn(
                    runtime::request_id::middleware,
                ))
                .route("/healthz", web::get().to(runtime::http::healthz))
                .route("/readyz", web::get().to(health::readyz))
                .route("/metrics", web::get().to(runtime::http::metrics))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run();
        Ok(Processor {
            port,
            server,
            consumer,
            relay,
            retention,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Consumes and relays until `shutdown`: the consumer stops taking deliveries and finishes
    /// (or returns) the group it holds; the relay finishes its batch; then the server stops.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let server = tokio::spawn(self.server);
        let consumer = tokio::spawn(self.consumer.run(shutdown.clone()));
        let relay = tokio::spawn(self.relay.run(shutdown.clone()));
        let retention = tokio::spawn(self.retention.run(shutdown.clone()));
        shutdown.cancelled().await;
        let _ = consumer.await;
        let _ = relay.await;
        let _ = retention.await;
        handle.stop(true).await;
        let _ = server.await;
        Ok(())
    }
}

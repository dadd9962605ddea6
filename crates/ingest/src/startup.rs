//! Building and running the gateway: connect, migrate, declare, bind, serve until stopped.

use crate::cache::{self, TtlCache};
use crate::catalogue::PartnerCatalogue;
use crate::limits::{Limits, Throttle};
use crate::partners::Partner;
use crate::publisher::Publisher;
use crate::routes;
use crate::settings::Settings;
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use runtime::dependencies::Dependencies;
use schema::BatchLimits;
use sqlx::PgPool;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How long in-flight requests (confirms included) may take to finish after a stop.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// What every request handler shares.
pub struct AppState {
    pub settings: Settings,
    pub limits: BatchLimits,
    pub db: PgPool,
    pub publisher: Publisher,
    pub limits_of_abuse: Limits,
    /// Recently verified credentials: (username, SHA-256 of the password) → partner.
    pub credentials: TtlCache<(String, Vec<u8>), Partner>,
    pub catalogues: TtlCache<i64, Arc<PartnerCatalogue>>,
}

impl AppState {
    /// The partner's product codes, read at most once per cache TTL.
    pub async fn catalogue(&self, partner_id: i64) -> Result<Arc<PartnerCatalogue>, sqlx::Error> {
        if let Some(catalogue) = self.catalogues.get(&partner_id) {
            return Ok(catalogue);
        }
        let catalogue = Arc::new(PartnerCatalogue::load(&self.db, partner_id).await?);
        self.catalogues.insert(partner_id, catalogue.clone());
        Ok(catalogue)
    }
}

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connects to PostgreSQL and RabbitMQ (failing with a message naming the URL), brings
    /// the schema up to date, declares the topology and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let Dependencies { db, amqp, topology } = runtime::dependencies::connect(
            &settings.connections,
            settings.database_pool,
            settings.publish_timeout,
        )
        .await?;

        let publisher = Publisher::new(
            amqp,
            &topology,
            settings.publish_channels,
            settings.publish_timeout,
        );
        let listener = TcpListener::bind(&settings.http_addr).with_context(|| {
            format!("cannot listen on BILLING_HTTP_ADDR {}", settings.http_addr)
        })?;
        let port = listener.local_addr()?.port();
        let workers = settings.http_workers;
        let limits_of_abuse = Limits {
            requests: Throttle::new(settings.rate_limit_per_minute, Duration::from_secs(60)),
            failed_logins: Throttle::new(
                settings.login_failures_max,
                settings.login_failures_window,
            ),
        };
        let state = web::Data::new(AppState {
            limits_of_abuse,
            credentials: TtlCache::new(cache::TTL),
            catalogues: TtlCache::new(cache::TTL),
            limits: BatchLimits {
                max_records: settings.max_records,
                zone: settings.zone.clone(),
            },
            settings,
            db,
            publisher,
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(web::QueryConfig::default().error_handler(routes::query_error))
                .wrap(from_fn(runtime::request_id::middleware))
                .route("/healthz", web::get().to(runtime::http::healthz))
                .route("/readyz", web::get().to(routes::health::readyz))
                .route("/metrics", web::get().to(runtime::http::metrics))
                .route("/openapi.yaml", web::get().to(routes::health::openapi))
                .service(
                    web::resource("/api/v1/billing")
                        .route(web::post().to(routes::billing::submit))
                        .route(web::get().to(routes::status::list))
                        .default_service(web::to(routes::method_not_allowed)),
                )
                .service(
                    web::resource("/api/v1/billing/{id}")
                        .route(web::get().to(routes::status::get_one))
                        .default_service(web::to(routes::method_not_allowed)),
                )
                .service(
                    web::resource("/api/v1/accounts/{accountId}")
                        .route(web::get().to(routes::accounts::get))
                        .default_service(web::to(routes::method_not_allowed)),
                )
                .default_service(web::to(routes::not_found))
        })
        .workers(workers)
        .shutdown_timeout(SHUTDOWN_GRACE.as_secs())
        .disable_signals()
        .listen(listener)?
        .run();
        Ok(Application { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until `shutdown` is cancelled, then stops taking connections and lets requests
    /// in flight finish (their confirms included) within the grace period.
    pub async fn run_until_stopped(self, shutdown: CancellationToken) -> std::io::Result<()> {
        let handle = self.server.handle();
        tokio::spawn(async move {
            shutdown.cancelled().await;
            handle.stop(true).await;
        });
        self.server.await
    }
}

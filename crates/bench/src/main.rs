//! `billing-bench`: the intake and the processor measured side by side with raw RabbitMQ and
//! PostgreSQL on this machine, in one run, as ratios (contract of `scripts/bench`).
//!
//! Absolute figures on a shared 2-core machine are noise; a ratio against the ceiling taken in
//! the same run is not. Every figure is printed as one table and, unless `--quick`, written to
//! `docs/benchmarks.md`.

mod proc_stats;
mod raw;
mod report;
mod workload;

use anyhow::Context;
use billing_testkit::process::{Running, free_port, wait_ready};
use clap::Parser;
use proc_stats::{CpuMeter, peak_rss, quantile};
use report::{Row, Table};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use workload::Workload;

#[derive(Parser, Debug)]
#[command(name = "billing-bench")]
struct Args {
    /// Seconds per figure instead of minutes: checks the bench works, measures nothing.
    #[arg(long)]
    quick: bool,
    /// Where billing-ingest and billing-processor are (a release build for real figures).
    #[arg(long, default_value = "target/release")]
    bin_dir: PathBuf,
    /// The sample batches.
    #[arg(long, default_value = "docs/samples")]
    samples: PathBuf,
    /// Where to write the report (not written with --quick unless given).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Only the intake figures (R1 and latency), e.g. to profile the gateway.
    #[arg(long)]
    only_intake: bool,
    /// The command line to print in the report.
    #[arg(long, default_value = "scripts/bench")]
    command: String,
}

/// How much work each figure gets.
struct Sizes {
    only_intake: bool,
    window: Duration,
    preload: u64,
    end_to_end: u64,
}

const BATCH: u64 = 100;
const CLIENTS: usize = 16;
const IN_FLIGHT: usize = BATCH as usize * CLIENTS;
const GROUP: u64 = 128;
/// Alternating rounds of a figure and its ceiling.
const ROUNDS: u32 = 3;

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let sizes = if args.quick {
        Sizes {
            only_intake: args.only_intake,
            window: Duration::from_secs(2),
            preload: 3_000,
            end_to_end: 2_000,
        }
    } else {
        Sizes {
            only_intake: args.only_intake,
            window: Duration::from_secs(20),
            preload: 200_000,
            end_to_end: 50_000,
        }
    };
    let bench = Bench::start(&args).await?;
    let result = bench.run(&sizes).await;
    bench.finish().await;
    let table = result?;
    println!("{}", table.text());
    if let Some(out) = &args.out {
        std::fs::write(out, table.markdown(&args.command, &bench.versions).await)
            .with_context(|| format!("writing {}", out.display()))?;
        println!("written to {}", out.display());
    }
    Ok(())
}

struct Bench {
    id: String,
    database: String,
    database_url: String,
    db: sqlx::PgPool,
    admin: sqlx::PgPool,
    prefix: String,
    amqp: lapin::Connection,
    bin_dir: PathBuf,
    workload: Arc<Workload>,
    username: String,
    password: String,
    versions: report::Versions,
}

impl Bench {
    async fn start(args: &Args) -> anyhow::Result<Bench> {
        let id = uuid::Uuid::now_v7().simple().to_string()[20..].to_owned();
        let connections = runtime::env::Connections::from_env();
        let admin_url = base_url(&connections.database_url, "postgres");
        let admin = sqlx::PgPool::connect(&admin_url)
            .await
            .context("PostgreSQL")?;
        let database = format!("billing_bench_{id}");
        sqlx::query(sqlx::AssertSqlSafe(format!("create database {database}")))
            .execute(&admin)
            .await?;
        let database_url = base_url(&connections.database_url, &database);
        let db = runtime::db::connect(&database_url, 8).await?;
        runtime::db::migrate(&db).await?;
        let amqp = lapin::Connection::connect(
            &connections.amqp_url,
            lapin::ConnectionProperties::default(),
        )
        .await?;
        let prefix = format!("bench.{id}.");
        let channel = amqp.create_channel().await?;
        runtime::amqp::declare_topology(&channel, &schema::topology::Topology::new(prefix.clone()))
            .await?;
        let output = std::process::Command::new(args.bin_dir.join("billing-ingest"))
            .args(["partner", "add", "bench"])
            .env("BILLING_DATABASE_URL", &database_url)
            .output()
            .context("running billing-ingest partner add")?;
        let credentials: serde_json::Value =
            serde_json::from_slice(&output.stdout).context("partner credentials")?;
        let versions = report::Versions::read(&db).await;
        Ok(Bench {
            workload: Arc::new(Workload::load(&args.samples, &format!("b{id}"))?),
            username: credentials["username"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            password: credentials["password"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            id,
            database,
            database_url,
            db,
            admin,
            prefix,
            amqp,
            bin_dir: args.bin_dir.clone(),
            versions,
        })
    }

    fn queue(&self) -> String {
        format!("{}billing.records", self.prefix)
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("BILLING_DATABASE_URL", self.database_url.clone()),
            ("BILLING_AMQP_PREFIX", self.prefix.clone()),
            ("BILLING_RATE_LIMIT_PER_MINUTE", "1000000000".into()),
            ("RUST_LOG", "warn".into()),
        ]
    }

    fn log(&self, name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("billing-bench-{}-{name}.log", self.id))
    }

    async fn gateway(&self) -> anyhow::Result<(Running, String)> {
        let port = free_port();
        let mut env = self.env();
        env.push(("BILLING_HTTP_ADDR", format!("127.0.0.1:{port}")));
        let running = Running::start(
            &self.bin_dir.join("billing-ingest"),
            &env,
            self.log("ingest"),
        );
        let url = format!("http://127.0.0.1:{port}");
        wait_ready(&format!("{url}/readyz")).await;
        Ok((running, url))
    }

    async fn processor(&self, name: &str) -> anyhow::Result<Running> {
        let port = free_port();
        let mut env = self.env();
        env.push(("BILLING_PROCESSOR_ADDR", format!("127.0.0.1:{port}")));
        let running = Running::start(
            &self.bin_dir.join("billing-processor"),
            &env,
            self.log(name),
        );
        wait_ready(&format!("http://127.0.0.1:{port}/readyz")).await;
        Ok(running)
    }

    /// Empties the records queue and gives the broker a moment to clean up after it.
    async fn settle(&self) -> anyhow::Result<()> {
        self.purge().await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok(())
    }

    async fn purge(&self) -> anyhow::Result<()> {
        let channel = self.amqp.create_channel().await?;
        channel
            .queue_purge(
                self.queue().into(),
                lapin::options::QueuePurgeOptions::default(),
            )
            .await?;
        Ok(())
    }

    async fn applied(&self) -> anyhow::Result<i64> {
        Ok(
            sqlx::query_scalar("select count(*) from record_status where status = 'applied'")
                .fetch_one(&self.db)
                .await?,
        )
    }

    /// Waits until `target` rows are applied; returns the span of their processing times.
    async fn wait_applied(&self, target: i64, since: jiff::Timestamp) -> anyhow::Result<Duration> {
        let deadline = Instant::now() + Duration::from_secs(1800);
        while self.applied().await? < target {
            anyhow::ensure!(Instant::now() < deadline, "records not applied in time");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let (first, last): (time::OffsetDateTime, time::OffsetDateTime) = sqlx::query_as(
            "select min(processed_at), max(processed_at) from record_status where status = 'applied' and processed_at >= $1",
        )
        .bind(runtime::db::to_db_time(since))
        .fetch_one(&self.db)
        .await?;
        Ok((last - first).unsigned_abs())
    }

    /// `clients` partners posting batches of `BATCH` for `window` (or until `total` records),
    /// each waiting `pace` between its requests; returns records accepted, time, latencies.
    async fn post_load(
        &self,
        url: &str,
        first: u64,
        window: Option<Duration>,
        total: Option<u64>,
        pace: Option<Duration>,
    ) -> anyhow::Result<(u64, Duration, Vec<Duration>)> {
        let client = reqwest::Client::new();
        let next = Arc::new(AtomicU64::new(first));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..CLIENTS {
            let (client, next, url) = (
                client.clone(),
                next.clone(),
                format!("{url}/api/v1/billing"),
            );
            let (user, password) = (self.username.clone(), self.password.clone());
            let workload = self.workload.clone();
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut accepted = 0u64;
                while window.is_none_or(|w| started.elapsed() < w) {
                    let n = next.fetch_add(BATCH, Ordering::Relaxed);
                    if total.is_some_and(|t| n >= first + t) {
                        break;
                    }
                    let body = workload.body(n, BATCH);
                    let sent = Instant::now();
                    let response = client
                        .post(&url)
                        .basic_auth(&user, Some(&password))
                        .header("Content-Type", "application/json")
                        .body(body)
                        .send()
                        .await?;
                    anyhow::ensure!(
                        response.status() == 200,
                        "the gateway answered {}",
                        response.status()
                    );
                    let _ = response.bytes().await?;
                    latencies.push(sent.elapsed());
                    accepted += BATCH;
                    if let Some(pace) = pace {
                        tokio::time::sleep(pace.saturating_sub(sent.elapsed())).await;
                    }
                }
                Ok::<_, anyhow::Error>((accepted, latencies))
            }));
        }
        let mut accepted = 0;
        let mut latencies = Vec::new();
        for task in tasks {
            let (n, l) = task.await??;
            accepted += n;
            latencies.extend(l);
        }
        latencies.sort();
        Ok((accepted, started.elapsed(), latencies))
    }

    async fn run(&self, sizes: &Sizes) -> anyhow::Result<Table> {
        let mut table = Table::default();
        let channel = raw::confirm_channel(&self.amqp).await?;
        let partner_id: i64 = sqlx::query_scalar("select id from partners where name = 'bench'")
            .fetch_one(&self.db)
            .await?;
        let store = Arc::new(billing_processor::store::Store::new(self.db.clone()));
        let mut number = 0u64;
        let mut take = |n: u64| {
            let first = number;
            number += n;
            first
        };

        // R1: the gateway against a raw publisher, the processor stopped. The broker's pace
        // drifts (its log compacts, purged messages are cleaned up), so the two alternate in
        // rounds and each figure is the median of its rounds.
        let round = sizes.window / ROUNDS;
        let (gateway, url) = self.gateway().await?;
        let (mut raw_rates, mut rates) = (Vec::new(), Vec::new());
        let mut r1_cpu = [Duration::ZERO; 3];
        let mut r1_records = 0;
        for _ in 0..ROUNDS {
            let (raw_n, raw_t) = raw::publish(
                &channel,
                &self.queue(),
                &self.workload,
                take(10_000_000),
                IN_FLIGHT,
                Some(round),
                None,
            )
            .await?;
            raw_rates.push(raw_n as f64 / raw_t.as_secs_f64());
            self.settle().await?;
            let cpu = [
                CpuMeter::of_pids(vec![gateway.child.id()]),
                CpuMeter::of_name("beam.smp"),
                CpuMeter::of_name("postgres"),
            ];
            let (n, t, _) = self
                .post_load(&url, take(10_000_000), Some(round), None, None)
                .await?;
            rates.push(n as f64 / t.as_secs_f64());
            for (total, meter) in r1_cpu.iter_mut().zip(&cpu) {
                *total += meter.elapsed();
            }
            r1_records += n;
            self.settle().await?;
        }
        let r1 = median(&mut rates);
        let r1_cpu: Vec<f64> = r1_cpu
            .iter()
            .map(|c| c.as_micros() as f64 / r1_records as f64)
            .collect();
        table.push(Row::ratio(
            "R1 intake (records/s, batches of 100, 16 clients)",
            r1,
            median(&mut raw_rates),
            Some(0.7),
        ));

        // Latency of a 100-record POST at half of R1's rate, against raw 100-message round
        // trips at the same pace and concurrency; rounds alternate as above.
        let pace = Duration::from_secs_f64(CLIENTS as f64 * BATCH as f64 / (r1 / 2.0));
        let (mut latencies, mut raw_latencies) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            let (_, _, ours) = self
                .post_load(&url, take(10_000_000), Some(round), None, Some(pace))
                .await?;
            latencies.extend(ours);
            self.settle().await?;
            raw_latencies.extend(
                self.raw_round_trips(&channel, take(10_000_000), round, pace)
                    .await?,
            );
            self.settle().await?;
        }
        latencies.sort();
        raw_latencies.sort();
        let (p50, p99) = (quantile(&latencies, 0.5), quantile(&latencies, 0.99));
        let (raw_p50, raw_p99) = (
            quantile(&raw_latencies, 0.5),
            quantile(&raw_latencies, 0.99),
        );
        table.push(Row::latency(
            "p50 of a 100-record POST at R1/2 (ms)",
            p50,
            raw_p50,
            None,
        ));
        table.push(Row::latency(
            "p99 of a 100-record POST at R1/2 (ms)",
            p99,
            raw_p99,
            Some(2.0),
        ));

        for (name, value) in [
            ("CPU-µs per record: gateway (R1)", r1_cpu[0]),
            ("CPU-µs per record: broker (R1)", r1_cpu[1]),
            ("CPU-µs per record: database (R1)", r1_cpu[2]),
        ] {
            table.push(Row::info(name, value));
        }
        if sizes.only_intake {
            return Ok(table);
        }

        // R2: one processor draining a pre-loaded queue, against the same SQL from memory.
        let (sql_n, sql_t) = raw::apply_from_memory(
            &store,
            &self.workload,
            partner_id,
            take(10_000_000),
            GROUP,
            Some(sizes.window),
            None,
        )
        .await?;
        let sql_rate = sql_n as f64 / sql_t.as_secs_f64();
        let (bare_n, bare_t) = raw::bare_upsert(
            &self.db,
            &self.workload,
            take(10_000_000),
            GROUP,
            sizes.window,
        )
        .await?;
        // The end-to-end ceiling, while no processor runs to take the raw messages.
        let ceiling3 = self
            .raw_together(
                &channel,
                &store,
                partner_id,
                take(sizes.end_to_end),
                take(sizes.end_to_end),
                sizes.end_to_end,
            )
            .await?;
        let before = self.applied().await?;
        self.preload(&channel, take(sizes.preload), sizes.preload)
            .await?;
        let since = jiff::Timestamp::now();
        let processor = self.processor("processor").await?;
        let cpu2 = [
            CpuMeter::of_pids(vec![processor.child.id()]),
            CpuMeter::of_name("beam.smp"),
            CpuMeter::of_name("postgres"),
        ];
        let span = self
            .wait_applied(before + sizes.preload as i64, since)
            .await?;
        let r2 = sizes.preload as f64 / span.as_secs_f64().max(0.001);
        let r2_cpu: Vec<f64> = cpu2
            .iter()
            .map(|c| c.elapsed().as_micros() as f64 / sizes.preload as f64)
            .collect();
        table.push(Row::ratio(
            "R2 processing (records/s, one processor, pre-loaded queue)",
            r2,
            sql_rate,
            Some(0.7),
        ));
        table.push(Row::info(
            "bare batched upsert, one row per record (records/s)",
            bare_n as f64 / bare_t.as_secs_f64(),
        ));

        // R3: everything running, from POST to applied, against both raw loops together.
        let before = self.applied().await?;
        let since = jiff::Timestamp::now();
        let cpu3 = [
            CpuMeter::of_pids(vec![gateway.child.id()]),
            CpuMeter::of_pids(vec![processor.child.id()]),
            CpuMeter::of_name("beam.smp"),
            CpuMeter::of_name("postgres"),
        ];
        let started = Instant::now();
        let (posted, _, _) = self
            .post_load(
                &url,
                take(sizes.end_to_end),
                None,
                Some(sizes.end_to_end),
                None,
            )
            .await?;
        self.wait_applied(before + posted as i64, since).await?;
        let r3 = posted as f64 / started.elapsed().as_secs_f64();
        let r3_cpu: Vec<f64> = cpu3
            .iter()
            .map(|c| c.elapsed().as_micros() as f64 / posted as f64)
            .collect();
        table.push(Row::ratio(
            "R3 end to end (records/s, POST to applied)",
            r3,
            ceiling3,
            Some(0.5),
        ));

        // Scaling: R2 with two processors (report only: 2 cores).
        let second = self.processor("processor-2").await?;
        let before = self.applied().await?;
        let since_two = jiff::Timestamp::now();
        // Both processors consume while the queue fills, so pause them by filling first.
        drop(second);
        drop(processor);
        self.preload(&channel, take(sizes.preload), sizes.preload)
            .await?;
        let one = self.processor("processor-a").await?;
        let two = self.processor("processor-b").await?;
        let span = self
            .wait_applied(before + sizes.preload as i64, since_two)
            .await?;
        let r2_two = sizes.preload as f64 / span.as_secs_f64().max(0.001);
        table.push(Row::info("R2 with 2 processors (records/s)", r2_two));
        table.push(Row::info("R2 2 processors / 1", r2_two / r2));

        for (name, value) in [
            ("CPU-µs per record: processor (R2)", r2_cpu[0]),
            ("CPU-µs per record: broker (R2)", r2_cpu[1]),
            ("CPU-µs per record: database (R2)", r2_cpu[2]),
            ("CPU-µs per record: gateway (R3)", r3_cpu[0]),
            ("CPU-µs per record: processor (R3)", r3_cpu[1]),
            ("CPU-µs per record: broker (R3)", r3_cpu[2]),
            ("CPU-µs per record: database (R3)", r3_cpu[3]),
        ] {
            table.push(Row::info(name, value));
        }
        let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
        table.push(Row::limit(
            "peak RSS billing-ingest (MiB)",
            mib(peak_rss(gateway.child.id())),
            64.0,
        ));
        table.push(Row::limit(
            "peak RSS billing-processor (MiB)",
            mib(peak_rss(one.child.id()).max(peak_rss(two.child.id()))),
            64.0,
        ));
        drop((one, two, gateway));
        Ok(table)
    }

    /// Fills the records queue with `count` ready messages, as fast as the broker takes them.
    async fn preload(
        &self,
        channel: &lapin::Channel,
        first: u64,
        count: u64,
    ) -> anyhow::Result<()> {
        let queue = self.queue();
        raw::publish(
            channel,
            &queue,
            &self.workload,
            first,
            IN_FLIGHT,
            None,
            Some(count),
        )
        .await?;
        Ok(())
    }

    /// Raw 100-message round trips by `CLIENTS` tasks at the given pace.
    async fn raw_round_trips(
        &self,
        channel: &lapin::Channel,
        first: u64,
        window: Duration,
        pace: Duration,
    ) -> anyhow::Result<Vec<Duration>> {
        let mut tasks = Vec::new();
        let queue = self.queue();
        for client in 0..CLIENTS as u64 {
            let (channel, queue) = (channel.clone(), queue.clone());
            let workload = &self.workload;
            tasks.push(async move {
                let mut latencies = Vec::new();
                let begin = Instant::now();
                let mut n = first + client * 1_000_000;
                while begin.elapsed() < window {
                    let sent = Instant::now();
                    latencies.push(raw::round_trip(&channel, &queue, workload, n, BATCH).await?);
                    n += BATCH;
                    tokio::time::sleep(pace.saturating_sub(sent.elapsed())).await;
                }
                Ok::<_, anyhow::Error>(latencies)
            });
        }
        let mut all = Vec::new();
        for result in futures::future::join_all(tasks).await {
            all.extend(result?);
        }
        all.sort();
        Ok(all)
    }

    /// The raw publisher and the raw SQL loop at once on the same number of records, as R3
    /// moves `count` records through the broker and the database: records per second until
    /// both are done.
    async fn raw_together(
        &self,
        channel: &lapin::Channel,
        store: &Arc<billing_processor::store::Store>,
        partner_id: i64,
        first_message: u64,
        first_record: u64,
        count: u64,
    ) -> anyhow::Result<f64> {
        let started = Instant::now();
        // Separate tasks, so the two loops run on both cores as the real parts would.
        let (channel, queue, workload) = (channel.clone(), self.queue(), self.workload.clone());
        let publishing = tokio::spawn(async move {
            raw::publish(
                &channel,
                &queue,
                &workload,
                first_message,
                IN_FLIGHT,
                None,
                Some(count),
            )
            .await
        });
        let (store, workload) = (store.clone(), self.workload.clone());
        let applying = tokio::spawn(async move {
            raw::apply_from_memory(
                &store,
                &workload,
                partner_id,
                first_record,
                GROUP,
                None,
                Some(count),
            )
            .await
        });
        publishing.await??;
        applying.await??;
        let elapsed = started.elapsed();
        self.purge().await?;
        Ok(count as f64 / elapsed.as_secs_f64())
    }

    async fn finish(&self) {
        let channel = self.amqp.create_channel().await;
        if let Ok(channel) = channel {
            let topology = schema::topology::Topology::new(self.prefix.clone());
            for queue in [
                topology.records_queue(),
                topology.dead_queue(),
                topology.events_recent_queue(),
            ] {
                let _ = channel
                    .queue_delete(queue.into(), lapin::options::QueueDeleteOptions::default())
                    .await;
            }
            for exchange in [topology.dead_exchange(), topology.events_exchange()] {
                let _ = channel
                    .exchange_delete(
                        exchange.into(),
                        lapin::options::ExchangeDeleteOptions::default(),
                    )
                    .await;
            }
        }
        self.db.close().await;
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "drop database if exists {} with (force)",
            self.database
        )))
        .execute(&self.admin)
        .await;
        for name in [
            "ingest",
            "processor",
            "processor-2",
            "processor-a",
            "processor-b",
        ] {
            let _ = std::fs::remove_file(self.log(name));
        }
    }
}

/// `url` with its database name replaced.
fn base_url(url: &str, database: &str) -> String {
    let base = url.split('?').next().unwrap_or(url);
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    format!("{base}/{database}")
}

//! A real broker restart while a partner posts batches in a loop. Alone in its test binary:
//! it stops RabbitMQ for the whole machine, and cargo runs test binaries one at a time.
//!
//! The whole node is restarted (`rabbitmqctl stop`, then `rabbitmq-server -detached`):
//! RabbitMQ 3.10 does not restart the at-least-once dead-letter supervisor after
//! `stop_app`/`start_app`, so a lighter restart leaves it unable to declare our queues.

#![allow(clippy::unwrap_used)]

use billing_testkit::*;
use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};

fn rabbitmqctl(args: &[&str]) {
    let output = Command::new("rabbitmqctl")
        .args(args)
        .output()
        .expect("rabbitmqctl runs");
    assert!(
        output.status.success(),
        "rabbitmqctl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Starts the node the way the machine starts it, and waits until it serves.
fn start_broker() {
    let _ = Command::new("rabbitmq-server").arg("-detached").status();
    // The node takes a moment to become reachable before it can be awaited.
    for _ in 0..60 {
        let up = Command::new("rabbitmqctl")
            .args(["-q", "await_startup", "--timeout", "60"])
            .output();
        if up.is_ok_and(|o| o.status.success()) {
            return;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    panic!("RabbitMQ did not start again");
}

/// Makes sure the broker runs again even if the test fails half-way.
struct StartOnDrop;

impl Drop for StartOnDrop {
    fn drop(&mut self) {
        let running = Command::new("rabbitmqctl")
            .args(["-q", "status"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !running {
            let _ = std::panic::catch_unwind(start_broker);
        }
    }
}

#[tokio::test]
async fn every_row_that_got_200_across_a_broker_restart_reaches_a_final_status() {
    let app = TestApp::spawn().await;
    let _processor = app.spawn_processor().await;
    // No idle connections kept: the loop pauses while the broker stops, longer than the
    // gateway's keep-alive, and a reused connection closed meanwhile is not the gateway's fault.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let post = |n: usize| {
        let records = (0..10).map(|i| record(&format!("ext-{n}-{i}"))).collect();
        client
            .post(app.url("/api/v1/billing"))
            .basic_auth(&app.username, Some(&app.password))
            .json(&batch(records))
            .send()
    };

    let mut accepted: Vec<String> = Vec::new();
    let mut refused = 0;
    let mut restarted_at = None;
    let _guard = StartOnDrop;
    let started = Instant::now();
    for n in 0.. {
        if n == 5 {
            rabbitmqctl(&["stop"]);
            restarted_at = Some(tokio::spawn(async {
                tokio::time::sleep(Duration::from_secs(3)).await;
                tokio::task::spawn_blocking(start_broker).await.unwrap();
            }));
        }
        let sent = Instant::now();
        let response = post(n).await.expect("an answer, never a hang");
        let status = response.status().as_u16();
        assert!(
            status == 200 || status == 503,
            "only 200 or 503, got {status}"
        );
        assert!(
            sent.elapsed() < Duration::from_secs(15),
            "answered without hanging"
        );
        if status == 200 {
            let answer: Value = response.json().await.unwrap();
            accepted.extend(
                answer["data"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["id"].as_str().unwrap().to_owned()),
            );
        } else {
            refused += 1;
        }
        let back = restarted_at.as_ref().is_some_and(|task| task.is_finished());
        // Enough batches after the broker came back to see the gateway recover.
        if back && accepted.len() >= 200 || started.elapsed() > Duration::from_secs(120) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(refused > 0, "some requests met the outage");
    assert!(
        accepted.len() >= 200,
        "the gateway recovered: {} rows accepted",
        accepted.len()
    );

    let db = &app.db;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let not_final: i64 = sqlx::query_scalar(
            "select count(*) from record_status where id = any($1::uuid[]) and status = 'queued'",
        )
        .bind(&accepted)
        .fetch_one(db)
        .await
        .unwrap();
        let known: i64 =
            sqlx::query_scalar("select count(*) from record_status where id = any($1::uuid[])")
                .bind(&accepted)
                .fetch_one(db)
                .await
                .unwrap();
        assert_eq!(
            known,
            accepted.len() as i64,
            "every accepted row has its status row"
        );
        if not_final == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{not_final} accepted rows never processed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let failed: i64 = sqlx::query_scalar(
        "select count(*) from record_status where id = any($1::uuid[]) and status = 'failed'",
    )
    .bind(&accepted)
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(failed, 0);
}

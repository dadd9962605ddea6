//! The result table, as text for the terminal and as `docs/benchmarks.md`.

use std::time::Duration;

/// Versions of what was measured against.
pub struct Versions {
    pub rabbitmq: String,
    pub postgres: String,
}

impl Versions {
    pub async fn read(db: &sqlx::PgPool) -> Versions {
        let rabbitmq = std::process::Command::new("rabbitmqctl")
            .args(["-q", "version"])
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "unknown".into());
        let postgres: String = sqlx::query_scalar("show server_version")
            .fetch_one(db)
            .await
            .unwrap_or_else(|_| "unknown".into());
        Versions { rabbitmq, postgres }
    }
}

pub struct Row {
    figure: String,
    value: f64,
    ceiling: Option<f64>,
    ratio: Option<f64>,
    target: String,
    met: Option<bool>,
}

impl Row {
    /// A throughput against its ceiling: higher is better.
    pub fn ratio(figure: &str, value: f64, ceiling: f64, target: Option<f64>) -> Row {
        let ratio = value / ceiling;
        Row {
            figure: figure.into(),
            value,
            ceiling: Some(ceiling),
            ratio: Some(ratio),
            target: target.map_or(String::new(), |t| format!("≥ {t}")),
            met: target.map(|t| ratio >= t),
        }
    }

    /// A latency against its ceiling: lower is better; the ratio is how many times the raw one.
    pub fn latency(figure: &str, value: Duration, ceiling: Duration, target: Option<f64>) -> Row {
        let (v, c) = (value.as_secs_f64() * 1000.0, ceiling.as_secs_f64() * 1000.0);
        let ratio = v / c.max(f64::MIN_POSITIVE);
        Row {
            figure: figure.into(),
            value: v,
            ceiling: Some(c),
            ratio: Some(ratio),
            target: target.map_or(String::new(), |t| format!("≤ {t}×")),
            met: target.map(|t| ratio <= t),
        }
    }

    /// A value with an upper limit and no ceiling.
    pub fn limit(figure: &str, value: f64, limit: f64) -> Row {
        Row {
            figure: figure.into(),
            value,
            ceiling: None,
            ratio: None,
            target: format!("≤ {limit}"),
            met: Some(value <= limit),
        }
    }

    pub fn info(figure: &str, value: f64) -> Row {
        Row {
            figure: figure.into(),
            value,
            ceiling: None,
            ratio: None,
            target: String::new(),
            met: None,
        }
    }

    fn cells(&self) -> [String; 5] {
        let number = |v: f64| {
            if v >= 100.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.2}")
            }
        };
        [
            self.figure.clone(),
            number(self.value),
            self.ceiling.map_or("—".into(), number),
            self.ratio.map_or("—".into(), |r| format!("{r:.2}")),
            match self.met {
                Some(true) => format!("{} met", self.target),
                Some(false) => format!("{} MISSED", self.target),
                None => self.target.clone(),
            },
        ]
    }
}

#[derive(Default)]
pub struct Table {
    rows: Vec<Row>,
}

const HEADERS: [&str; 5] = ["figure", "value", "ceiling", "ratio", "target"];

impl Table {
    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    pub fn text(&self) -> String {
        let cells: Vec<[String; 5]> = self.rows.iter().map(Row::cells).collect();
        let width = |i: usize| {
            cells
                .iter()
                .map(|c| c[i].chars().count())
                .chain([HEADERS[i].len()])
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..5).map(width).collect();
        let line = |c: [&str; 5]| {
            c.iter()
                .enumerate()
                .map(|(i, s)| format!("{s:<w$}", w = widths[i]))
                .collect::<Vec<_>>()
                .join("  ")
        };
        let mut out = vec![line(HEADERS)];
        out.extend(
            cells
                .iter()
                .map(|c| line([&c[0], &c[1], &c[2], &c[3], &c[4]])),
        );
        out.join("\n")
    }

    pub async fn markdown(&self, command: &str, versions: &Versions) -> String {
        let nproc = std::thread::available_parallelism().map_or(0, usize::from);
        let mut out = format!(
            "# Benchmarks\n\nMeasured {} on this machine: nproc {nproc}, RabbitMQ {}, PostgreSQL {}.\n\
             Command: `{command}`\n\nEach figure is divided by the ceiling of this machine measured in the same run \
             (see `crates/bench`): a raw lapin publisher (same queue, persistent, confirms, 1,600 unconfirmed in \
             flight) for the intake, the processor's own SQL run from memory with the same grouping for processing, \
             both together on as many records as the end-to-end run moves, until both are done, for end to end.\n\n| {} |\n|---|---|---|---|---|\n",
            jiff::Timestamp::now().strftime("%Y-%m-%d %H:%M UTC"),
            versions.rabbitmq,
            versions.postgres,
            HEADERS.join(" | "),
        );
        for row in &self.rows {
            out.push_str(&format!("| {} |\n", row.cells().join(" | ")));
        }
        out
    }
}

//! CPU time and peak memory of processes, from `/proc`.

use std::time::Duration;

/// Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ, 100 on Linux).
const TICKS_PER_SECOND: f64 = 100.0;

/// User + system CPU time of one process.
pub fn cpu_time(pid: u32) -> Duration {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return Duration::ZERO;
    };
    // The command name may hold spaces; fields count from after its closing parenthesis.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
    Duration::from_secs_f64((ticks(11) + ticks(12)) / TICKS_PER_SECOND)
}

/// Peak resident set size (VmHWM) in bytes.
pub fn peak_rss(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// Pids whose command line starts with `name` (the broker's `beam.smp`, `postgres`).
pub fn pids_named(name: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.trim() == name)
        })
        .collect()
}

/// The CPU time of a set of processes over a phase: fixed pids, or every process of a name
/// (database backends come and go with connections, so they are listed again at the end).
pub struct CpuMeter {
    pids: Vec<u32>,
    name: Option<&'static str>,
    start: std::collections::HashMap<u32, Duration>,
}

impl CpuMeter {
    pub fn of_pids(pids: Vec<u32>) -> Self {
        let start = pids.iter().map(|p| (*p, cpu_time(*p))).collect();
        CpuMeter {
            pids,
            name: None,
            start,
        }
    }

    pub fn of_name(name: &'static str) -> Self {
        let pids = pids_named(name);
        let start = pids.iter().map(|p| (*p, cpu_time(*p))).collect();
        CpuMeter {
            pids,
            name: Some(name),
            start,
        }
    }

    pub fn elapsed(&self) -> Duration {
        let pids = self.name.map_or_else(|| self.pids.clone(), pids_named);
        pids.iter()
            .map(|p| cpu_time(*p).saturating_sub(self.start.get(p).copied().unwrap_or_default()))
            .sum()
    }
}

/// The value at quantile `q` (0..=1) of sorted samples.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}
